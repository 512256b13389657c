//! The ticket mangler (issue 16): excerpts of failing logs, changed the way text is changed
//! on its way into a ticket, must still yield an incident for the failure, ranked no more
//! confidently than the whole log is, and towards the same cause or the failure code's own.
//!
//! From every failing text log of our fixtures and of the real corpus (`../shared/corpus`,
//! skipped when absent), for each failure: an excerpt of 5-80 lines around its first record,
//! then each change alone (collapsed spacing, TABs to spaces, NBSP, blank lines, each copy
//! prefix, redacted times, wrapped lines, UTF-16 with BOM) and combinations. Seeds are fixed.

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::cast_possible_truncation,
    reason = "test code"
)]

mod common;

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use wutriage::code::Code;
use wutriage::diagnose::{self, Options as DiagOptions};
use wutriage::knowledge;
use wutriage::pipeline::{self, Options};
use wutriage::report::analyze::Report;

/// The report of one input, written by `write`.
fn written(path: &Path, write: impl Fn(&Report, &mut Vec<u8>)) -> Vec<u8> {
    pipeline::run(&[path.to_path_buf()], &Options::default(), |a| {
        let d = diagnose::diagnose(
            &a.timeline.events,
            &a.timeline.notes,
            &a.log_spans(),
            DiagOptions::default(),
        );
        let r = Report::new(a.bundle, a.parsed, a.timeline, &d);
        let mut out = Vec::new();
        write(&r, &mut out);
        out
    })
}

/// The report of one input, as JSON.
fn report(path: &Path) -> Value {
    serde_json::from_slice(&written(path, |r, out| r.write_json(out).unwrap())).unwrap()
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        // FNV-1a of the seed text: the same cases on every run and machine.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One change a line of text can go through on its way to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mangle {
    CollapseSpacing,
    TabsToSpaces,
    Nbsp,
    BlankLines,
    NotepadPlusPlus,
    Findstr,
    Grep,
    MailQuote,
    Bullet,
    RedactTimes,
    Wrap,
    Utf16,
}

const ALL: [Mangle; 12] = [
    Mangle::CollapseSpacing,
    Mangle::TabsToSpaces,
    Mangle::Nbsp,
    Mangle::BlankLines,
    Mangle::NotepadPlusPlus,
    Mangle::Findstr,
    Mangle::Grep,
    Mangle::MailQuote,
    Mangle::Bullet,
    Mangle::RedactTimes,
    Mangle::Wrap,
    Mangle::Utf16,
];

/// Runs of two or more spaces become one.
fn collapse(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut prev_space = false;
    for c in line.chars() {
        if c == ' ' && prev_space {
            continue;
        }
        prev_space = c == ' ';
        out.push(c);
    }
    out
}

/// A timestamp at the start of a line (after any indentation) replaced by placeholders:
/// `2024-03-01 10:00:00,` → `<date> <time>,`; `2016-10-19\t11:23:58:516` →
/// `<date>\t<time>`; `2016/10/19 11:23:58.5160000` → `<date> <time>`.
fn redact(line: &str) -> String {
    let b = line.as_bytes();
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(0);
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let date = (0..4).all(|k| digit(start + k))
        && matches!(b.get(start + 4), Some(b'-' | b'/'))
        && digit(start + 5)
        && digit(start + 6)
        && matches!(b.get(start + 7), Some(b'-' | b'/'))
        && digit(start + 8)
        && digit(start + 9);
    if !date {
        return line.to_string();
    }
    let sep = start + 10;
    let t = sep + 1;
    let time = matches!(b.get(sep), Some(b' ' | b'\t' | b'T'))
        && digit(t)
        && digit(t + 1)
        && b.get(t + 2) == Some(&b':')
        && digit(t + 3)
        && digit(t + 4)
        && b.get(t + 5) == Some(&b':')
        && digit(t + 6)
        && digit(t + 7);
    if !time {
        return format!("{}<date>{}", &line[..start], &line[sep..]);
    }
    let mut end = t + 8;
    if matches!(b.get(end), Some(b'.' | b':')) {
        end += 1;
        while digit(end) {
            end += 1;
        }
    }
    format!("{}<date>{}<time>{}", &line[..start], &line[sep..=sep], &line[end..])
}

/// Lines longer than `width` wrapped at a space, continuations indented.
fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut first = true;
    while rest.chars().count() > width {
        let cut: usize = rest.char_indices().nth(width).map_or(rest.len(), |(i, _)| i);
        let at = rest[..cut].rfind(' ').filter(|&i| i > width / 3).unwrap_or(cut);
        let (head, tail) = rest.split_at(at);
        out.push(if first { head.to_string() } else { format!("        {head}") });
        first = false;
        rest = tail.trim_start();
    }
    out.push(if first { rest.to_string() } else { format!("        {rest}") });
    out
}

/// Applies `changes` to the excerpt `lines` (numbered from `first` in the log `name`).
fn mangle(lines: &[&str], first: usize, name: &str, changes: &[Mangle], width: usize) -> Vec<u8> {
    let mut out: Vec<String> = Vec::new();
    for (k, &l) in lines.iter().enumerate() {
        let n = first + k;
        let mut l = l.trim_end_matches('\r').trim_start_matches('\u{feff}').to_string();
        // The line's own text is changed first, then the prefixes of the tool it is copied
        // from are put in front of it.
        let prefix = |m: &&Mangle| {
            matches!(
                m,
                Mangle::NotepadPlusPlus
                    | Mangle::Findstr
                    | Mangle::Grep
                    | Mangle::MailQuote
                    | Mangle::Bullet
            )
        };
        let ordered = changes.iter().filter(|m| !prefix(m)).chain(changes.iter().filter(prefix));
        for m in ordered {
            l = match m {
                Mangle::CollapseSpacing => collapse(&l),
                Mangle::TabsToSpaces => l.replace('\t', " "),
                Mangle::Nbsp => l.replace("  ", "\u{a0}\u{a0}"),
                Mangle::RedactTimes => redact(&l),
                Mangle::NotepadPlusPlus => format!("\tLine {n}: {l}"),
                Mangle::Findstr => format!("{n}:{l}"),
                Mangle::Grep => format!("{name}:{n}:{l}"),
                Mangle::MailQuote => format!("> {l}"),
                Mangle::Bullet => format!("- {l}"),
                Mangle::BlankLines | Mangle::Wrap | Mangle::Utf16 => l,
            };
        }
        let pieces = if changes.contains(&Mangle::Wrap) { wrap(&l, width) } else { vec![l] };
        out.extend(pieces);
        if changes.contains(&Mangle::BlankLines) {
            out.push(String::new());
        }
    }
    let text = out.join("\r\n") + "\r\n";
    if changes.contains(&Mangle::Utf16) {
        let mut b = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b
    } else {
        text.into_bytes()
    }
}

fn code_of(s: &str) -> Option<u32> {
    u32::from_str_radix(s.trim_start_matches("0x").trim_start_matches("0X"), 16).ok()
}

/// The causes a failure's own codes point to (the knowledge base's meaning of each code).
fn codes_own_causes(codes: &[u32]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for &c in codes {
        let code = Code::classify(c);
        if let Some(k) = knowledge::category(code) {
            out.push(k.id());
        }
        if let Some(cc) = knowledge::by_code::cause_of(code) {
            out.push(cc.cause.id());
        }
    }
    out
}

fn confidence_rank(c: &str) -> u8 {
    match c {
        "high" => 3,
        "medium" => 2,
        _ => 1,
    }
}

/// The cause a report gives for incident `inc`: its id, confidence and whether it rests on
/// the failure records' own codes.
fn cause_for<'v>(v: &'v Value, inc: &Value) -> Option<(&'v str, &'v str, bool)> {
    let id = inc["id"].as_u64()?;
    v["causes"].as_array()?.iter().find_map(|c| {
        let covers = c["incidents"].as_array()?.iter().any(|i| i.as_u64() == Some(id));
        covers.then(|| {
            let on_codes = c["basis"]["rests_on"].is_string();
            (c["cause"].as_str().unwrap_or(""), c["confidence"].as_str().unwrap_or(""), on_codes)
        })
    })
}

fn incident_codes(inc: &Value) -> Vec<u32> {
    let mut out: Vec<u32> = inc["codes"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| code_of(c.as_str()?)).collect())
        .unwrap_or_default();
    out.extend(inc["code"].as_str().and_then(code_of));
    out.extend(inc["wraps"].as_str().and_then(code_of));
    out
}

/// Line numbers of an incident's records in the log `name`.
fn record_lines(inc: &Value, name: &str) -> Vec<usize> {
    inc["records"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| {
                    let at = r["at"].as_str()?;
                    let (file, line) = at.rsplit_once(':')?;
                    (file.rsplit('/').next() == Some(name)).then(|| line.parse().ok())?
                })
                .collect()
        })
        .unwrap_or_default()
}

struct Outcome {
    cases: usize,
    failures: Vec<String>,
}

/// Every case cut from the log at `path`, checked; the cases are written under `tmp`.
fn check_log(path: &Path, tmp: &Path, out: &mut Outcome) {
    let Ok(bytes) = fs::read(path) else { return };
    // Text logs only (UTF-8 here; UTF-16 inputs are made by the mangler itself).
    let Ok(text) = String::from_utf8(bytes) else { return };
    let full = report(path);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let lines: Vec<&str> = text.lines().collect();
    let incidents = full["incidents"].as_array().cloned().unwrap_or_default();
    for (k, inc) in incidents.iter().enumerate().take(3) {
        let Some(&anchor) = record_lines(inc, &name).first() else { continue };
        let codes = incident_codes(inc);
        if codes.is_empty() {
            continue;
        }
        let mut rng = Rng::new(&format!("{name}#{k}"));
        let full_cause = cause_for(&full, inc);
        let mut variants: Vec<Vec<Mangle>> = ALL.iter().map(|m| vec![*m]).collect();
        for _ in 0..4 {
            let mut combo: Vec<Mangle> = Vec::new();
            for _ in 0..(2 + rng.below(3)) {
                let m = ALL[rng.below(ALL.len())];
                if !combo.contains(&m) {
                    combo.push(m);
                }
            }
            variants.push(combo);
        }
        // A CMTrace record is longer than any wrap width, so every record of a wrapped
        // excerpt is broken (in its message or its attribute block): wrapping is checked
        // with each other change as well.
        if text.contains("<![LOG[") {
            variants
                .extend(ALL.iter().filter(|m| **m != Mangle::Wrap).map(|m| vec![Mangle::Wrap, *m]));
        }
        for (j, changes) in variants.iter().enumerate() {
            let len = 5 + rng.below(76);
            let before = rng.below(len);
            let from = anchor.saturating_sub(1).saturating_sub(before);
            let to = (from + len).min(lines.len());
            let excerpt = &lines[from..to];
            let width = 60 + rng.below(60);
            let bytes = mangle(excerpt, from + 1, &name, changes, width);
            let parent = path.parent().and_then(|p| p.file_name()).unwrap_or_default();
            let case = tmp.join(format!(
                "{}-{}-{k}-{j}.txt",
                parent.to_string_lossy(),
                name.replace(' ', "_")
            ));
            fs::write(&case, &bytes).unwrap();
            out.cases += 1;
            let v = report(&case);
            let what = format!(
                "{name} failure {} (line {anchor}), lines {}-{to}, {changes:?}",
                k + 1,
                from + 1
            );
            // The failure is told by its codes; an excerpt that holds none of them (the code
            // was written further away) is told by the kind of incident it yields.
            let lower = excerpt.join("\n").to_ascii_lowercase();
            let holds_a_code = codes.iter().any(|c| lower.contains(&format!("{c:08x}")));
            let found = v["incidents"].as_array().and_then(|a| {
                a.iter()
                    .find(|i| incident_codes(i).iter().any(|c| codes.contains(c)))
                    .or_else(|| a.iter().find(|i| !holds_a_code && i["kind"] == inc["kind"]))
            });
            let Some(found) = found else {
                out.failures.push(format!("{what}: no incident for the failure"));
                continue;
            };
            let Some((cause, conf, on_codes)) = cause_for(&v, found) else { continue };
            let own = codes_own_causes(&incident_codes(found));
            let same = full_cause.is_some_and(|(c, _, _)| c == cause);
            if !same && !on_codes && !own.contains(&cause) {
                out.failures.push(format!(
                    "{what}: top cause {cause}, the whole log's {:?}, the code's own {own:?}",
                    full_cause.map(|c| c.0)
                ));
                continue;
            }
            let ceiling = full_cause.map_or(1, |(_, c, _)| confidence_rank(c));
            if confidence_rank(conf) > ceiling {
                out.failures.push(format!(
                    "{what}: {cause} at {conf} confidence, the whole log's at {:?}",
                    full_cause.map(|c| c.1)
                ));
            }
        }
    }
}

fn text_logs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(text_logs(&p));
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("log")) {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mangler").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Cases of the real corpus that still fail: a ratchet, so that any other failing case fails
/// the test and a mended one can be struck off.
/// - A wrap that cut a code in two (`hr:0x80` / `0f081f`): the code is lost.
/// - A wrap right after the component of a WindowsUpdate.log line read by the lenient
///   reader (Grep prefix): the record's text starts on the continuation line.
const KNOWN_GAPS: &[&str] = &[
    "Appostarsi__dism win 10.log failure 1 (line 621), lines 578-627, [Wrap]",
    "Appostarsi__dism_5_23.log failure 1 (line 621), lines 604-640, [TabsToSpaces, Wrap]",
    "ZayrexDev__WindowsUpdate.log failure 2 (line 13206), lines 13190-13209, [Grep, Wrap]",
];

fn run(logs: &[PathBuf], tmp: &Path, least: usize, known: &[&str]) {
    let mut out = Outcome { cases: 0, failures: Vec::new() };
    for log in logs {
        check_log(log, tmp, &mut out);
    }
    let (gaps, new): (Vec<&String>, Vec<&String>) =
        out.failures.iter().partition(|f| known.iter().any(|k| f.starts_with(&format!("{k}: "))));
    eprintln!(
        "{} mangled excerpts checked, {} failed ({} of them known gaps)",
        out.cases,
        out.failures.len(),
        gaps.len()
    );
    for g in &gaps {
        eprintln!("known gap: {g}");
    }
    assert!(out.cases >= least, "only {} cases", out.cases);
    assert!(new.is_empty(), "{}", new.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"));
}

#[test]
fn mangled_excerpts_of_our_fixtures_keep_their_failure_and_cause() {
    let logs = text_logs(&common::fixture("bundles"));
    run(&logs, &scratch("fixtures"), 200, &[]);
}

/// The same on the real corpus (skipped when `../shared/corpus` is absent); the cases that
/// still fail are listed in [`KNOWN_GAPS`]. The corpus' `CMTrace` logs record no update
/// failure, so they add no case yet; the `CMTrace` fixtures' wrapped excerpts are checked in
/// the fixtures' part.
#[test]
fn mangled_excerpts_of_the_real_corpus_keep_their_failure_and_cause() {
    let Some(dir) = common::corpus() else { return };
    let logs: Vec<PathBuf> = ["cbs", "dism", "windowsupdate", "cmtrace"]
        .iter()
        .flat_map(|d| text_logs(&dir.join(d)))
        .collect();
    run(&logs, &scratch("corpus"), 300, KNOWN_GAPS);
}

/// Snapshots of the report of a few mangled excerpts of our own fixtures.
#[test]
fn reports_of_mangled_excerpts() {
    let tmp = scratch("snapshots");
    let cases: [(&str, usize, usize, &[Mangle]); 4] = [
        (
            "storage-0x80070306/Logs/CBS/CBS.log",
            1,
            12,
            &[Mangle::CollapseSpacing, Mangle::MailQuote],
        ),
        ("network/WindowsUpdate.log", 1, 20, &[Mangle::NotepadPlusPlus, Mangle::RedactTimes]),
        ("pending-reboot/CBS.log", 1, 10, &[Mangle::Grep, Mangle::Wrap, Mangle::Utf16]),
        ("store-corruption/dism.log", 1, 10, &[Mangle::Nbsp, Mangle::BlankLines, Mangle::Bullet]),
    ];
    for (rel, from, len, changes) in cases {
        let path = common::fixture(&format!("bundles/{rel}"));
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let to = (from - 1 + len).min(lines.len());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = mangle(&lines[from - 1..to], from, &name, changes, 72);
        let case = tmp.join(format!("{}.txt", rel.replace('/', "-")));
        fs::write(&case, &bytes).unwrap();
        let table =
            String::from_utf8(written(&case, |r, out| r.write_table(out).unwrap())).unwrap();
        insta::assert_snapshot!(format!("mangled-{}", rel.replace('/', "-")), table);
    }
}

/// Cluster-aware updating (CAU) text as a ticket quotes it, in the shapes Microsoft's Azure
/// Local troubleshooting guide "Solution Update CAU Run fails due to Windows Defender
/// blocking WMI commands" (Azure/AzureLocal-Supportability) quotes: the CAU debug trace
/// (`Fail to launch installer. Error code: 0x…`, `Failed to run a hotfix installer. …
/// Cannot start hotfix installer on cluster node NODE …`), CauWmi.log, and the Defender
/// event 1121 that blocked the installer. The lines are ours. No CAU format is documented
/// beyond such quotes, so the last-resort reader reads them: one install failure with the
/// installer's code, weak, ranked towards security software by the code and by SEC004 when
/// the 1121 text is there, at low confidence; through every change on the way to a ticket.
#[test]
fn cluster_aware_updating_text_is_one_weak_install_failure() {
    let trace = [
        "[0] 1A2B.3C4D::<date><time> : [<date><time>] [ 6]: Fail to launch installer. Error code: 0x80070005",
        "[0] 1A2B.3C4D::<date><time> : [<date><time>] [ 6]: Failed to run a hotfix installer. Message: Cannot start hotfix installer on cluster node HV-NODE2. Program path: %systemroot%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe. Parameters: -File $update$. Error code: 0x80070005., ErrorCode: 0x80070005.",
    ];
    let wmi = [
        "[2025-11-03 14:02:11.120 1aa4] CauWmiV2!RunUpdateInstallerHelper::RunUpdateInstaller: Failed to create process. Command line: \"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -File \"C:\\Updates\\Install.ps1\". Error: 5",
        "[2025-11-03 14:02:11.121 1aa4] CauWmiV2!CauRunUpdateInstallerOperation::RunUpdateInstaller: Failed to start the hotfix installer. Installer path: \"%systemroot%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\". Update path: C:\\Updates\\Install.ps1. HRESULT 0x80070005.",
    ];
    let defender = [
        "CAU Run failed. The latest cluster update status is 'Failed'. The node 'HV-NODE2' failed to update.",
        "11/3/2025 2:01:58 PM  Microsoft-Windows-Windows Defender  Warning      1121  hv-node2.corp.example  (pid:4120 - tid:1516)",
        "Microsoft Defender Exploit Guard has blocked an operation that is not allowed by your IT administrator.",
        "  ID: D1E49AAC-8F56-4280-B9BA-993A6D77406C",
        "  Process Name: C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
    ];
    let tmp = scratch("cau");
    let pastes: [(&str, Vec<&str>, bool); 3] = [
        ("trace", trace.to_vec(), false),
        ("cauwmi", wmi.to_vec(), false),
        ("ticket", [&defender[..], &trace[..]].concat(), true),
    ];
    let mut cases = 0;
    for (name, lines, asr) in &pastes {
        let changes: Vec<Vec<Mangle>> =
            std::iter::once(Vec::new()).chain(ALL.iter().map(|m| vec![*m])).collect();
        for c in &changes {
            let case = tmp.join(format!("{name}-{c:?}.txt"));
            fs::write(&case, mangle(lines, 1, "cau.txt", c, 72)).unwrap();
            let v = report(&case);
            cases += 1;
            let what = format!("{name} {c:?}");
            let incidents = v["incidents"].as_array().unwrap();
            assert_eq!(incidents.len(), 1, "{what}: {incidents:#?}");
            let inc = &incidents[0];
            assert_eq!(inc["kind"], "install", "{what}");
            assert_eq!(inc["code"], "0x80070005", "{what}");
            assert_eq!(inc["weak"], true, "{what}");
            let (cause, conf, _) = cause_for(&v, inc).unwrap();
            assert_eq!((cause, conf), ("security-software", "low"), "{what}");
            let evidence = v["causes"][0]["evidence"].as_array().unwrap();
            let rules: Vec<&str> = evidence.iter().filter_map(|e| e["rule"].as_str()).collect();
            assert_eq!(rules.contains(&"SEC004"), *asr, "{what}: {rules:?}");
        }
    }
    assert_eq!(cases, 39);
}

/// A restart pending at the end of a well-formed log is a state of the report, and the same
/// lines pasted into a ticket give the same state: the strict readers keep the lines that
/// only say a restart is pending, as the lenient one does.
#[test]
fn a_pending_restart_reads_the_same_strict_or_pasted() {
    let tmp = scratch("pending");
    let logs: [(&str, &[&str]); 2] = [
        (
            "CBS.log",
            &[
                "2024-03-01 10:00:00, Info                  CBS    Starting TrustedInstaller initialization.",
                "2024-03-01 10:00:05, Info                  CBS    TI: CBS has signaled that a reboot is required.",
                "2024-03-01 10:00:06, Info                  CBS    Exec: Execution Skipped for now.",
            ],
        ),
        (
            "WindowsUpdate.log",
            &[
                "2024/03/01 10:00:00.1000000 1180  1004  ComApi          * START *   Install ClientId = UpdateOrchestrator",
                "2024/03/01 10:05:36.4030067 3892  8984  ComApi          Reboot required = True",
            ],
        ),
    ];
    for (name, lines) in logs {
        let dir = tmp.join(name.replace('.', "-"));
        fs::create_dir_all(&dir).unwrap();
        let strict = dir.join(name);
        fs::write(&strict, lines.join("\r\n") + "\r\n").unwrap();
        let pasted = dir.join("pasted.txt");
        let mangled = mangle(lines, 1, name, &[Mangle::CollapseSpacing, Mangle::MailQuote], 200);
        fs::write(&pasted, mangled).unwrap();
        let mut seen = Vec::new();
        for path in [&strict, &pasted] {
            let v = report(path);
            assert!(v["incidents"].as_array().is_none_or(Vec::is_empty), "{name}");
            let states = v["states"].as_array().cloned().unwrap_or_default();
            assert_eq!(states.len(), 1, "{}: {states:?}", path.display());
            assert_eq!(states[0]["state"], "pending-restart", "{}", path.display());
            seen.push((states[0]["since"].clone(), states[0]["signs"].clone()));
        }
        assert_eq!(seen[0], seen[1], "{name}: strict and pasted differ");
        assert!(seen[0].0.is_string(), "{name}: the sign's time is known");
    }
}
