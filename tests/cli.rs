//! The binary end to end: exit codes, messages that name the file, and the rest of the
//! bundle still read.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test and tool code")]

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn wutriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wutriage")).args(args).output().expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn storage() -> String {
    common::fixture("bundles/storage-0x80070306").display().to_string()
}

#[test]
fn inventory_lists_every_file_with_its_kind() {
    let o = wutriage(&["inventory", &storage()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for f in [
        "Logs/CBS/CBS.log",
        "Logs/WindowsUpdate.log",
        "EventLogs/System.evtx",
        "EventLogs/Setup.evtx",
    ] {
        assert!(out.contains(f), "{f} missing from:\n{out}");
    }
    assert!(out.contains("+01:00"), "offset shown");
    assert!(out.contains("CSI lines"), "offset origin shown");
}

#[test]
fn inventory_json_is_a_stable_contract() {
    let o = wutriage(&["inventory", "--format", "json", &storage()]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["offset"]["offset"], "+01:00");
    assert_eq!(v["offset"]["origin"], "csi-stamp");
    let files = v["files"].as_array().unwrap();
    let cbs = files.iter().find(|f| f["path"] == "Logs/CBS/CBS.log").unwrap();
    assert_eq!(cbs["kind"], "cbs");
    assert_eq!(cbs["records"], 15);
    assert_eq!(cbs["lines"], 17);
    assert_eq!(cbs["encoding"], "utf-8 bom");
    assert_eq!(cbs["first"], "2024-02-14T02:00:05.000000+00:00");
    let sys = files.iter().find(|f| f["path"] == "EventLogs/System.evtx").unwrap();
    assert_eq!(sys["records"], 10);
}

#[test]
fn events_default_filters_and_all_prints_everything() {
    let notable = stdout(&wutriage(&["events", &storage()]));
    let all = stdout(&wutriage(&["events", "--all", &storage()]));
    let (n, a) = (notable.lines().count(), all.lines().count());
    assert!(n > 10 && a > n, "notable {n}, all {a}");
    // 15 CBS + 8 WU records + 12 evtx records.
    assert_eq!(a, 35);
    for line in all.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["time"].as_str().unwrap().ends_with("+00:00"));
    }
    let only_evtx = stdout(&wutriage(&["events", "--source", "evtx", &storage()]));
    assert!(only_evtx.lines().all(|l| l.contains("\"source\":\"evtx\"")));
    assert!(only_evtx.lines().count() >= 10);
    let window = stdout(&wutriage(&[
        "events",
        "--since",
        "2024-02-15T00:00:00Z",
        "--until",
        "2024-02-15T23:59:59Z",
        &storage(),
    ]));
    assert!(!window.is_empty() && window.lines().all(|l| l.contains("2024-02-15T")));
}

#[test]
fn a_missing_path_is_named_and_the_rest_is_still_read() {
    let o = wutriage(&["inventory", "--format", "json", "/no/such/bundle", &storage()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/bundle: no such file or folder"), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "storage-0x80070306/Logs/CBS/CBS.log")
    );
}

#[test]
fn an_empty_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = wutriage(&["inventory", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no log files"), "{}", stderr(&o));
}

fn copy_dir(from: &Path, to: &Path) {
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            fs::create_dir_all(&dst).unwrap();
            copy_dir(&e.path(), &dst);
        } else {
            fs::copy(e.path(), dst).unwrap();
        }
    }
}

#[test]
fn bad_files_are_named_and_do_not_stop_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&storage()), dir.path());
    fs::write(dir.path().join("CBS (empty).log"), b"").unwrap();
    fs::write(
        dir.path().join("CbsPersist_20240101.log"),
        [0u8, 7, 0xFF, 3, 0, 0, 9, 1, 2, 0, 0, 0].repeat(50),
    )
    .unwrap();
    let evtx = fs::read(dir.path().join("EventLogs/System.evtx")).unwrap();
    fs::write(dir.path().join("Truncated.evtx"), &evtx[..4096 + 3000]).unwrap();
    fs::write(dir.path().join("HeaderOnly.evtx"), &evtx[..100]).unwrap();
    let o = wutriage(&["inventory", dir.path().to_str().unwrap()]);
    let err = stderr(&o);
    assert!(o.status.success(), "lenient by default: {err}");
    assert!(err.contains("CBS (empty).log: empty file"), "{err}");
    assert!(
        err.contains("CbsPersist_20240101.log: named like a cbs log, but the content is binary"),
        "{err}"
    );
    assert!(err.contains("Truncated.evtx"), "{err}");
    assert!(err.contains("HeaderOnly.evtx"), "{err}");
    let out = stdout(&o);
    assert!(out.contains("Logs/CBS/CBS.log"));
    // --strict turns the same problems into exit code 2.
    let o = wutriage(&["inventory", "--strict", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn zipped_bundles_read_like_folders() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("bundle.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&zip_path).unwrap());
    let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default();
    for rel in [
        "Logs/CBS/CBS.log",
        "Logs/WindowsUpdate.log",
        "EventLogs/System.evtx",
        "EventLogs/Setup.evtx",
    ] {
        zip.start_file(rel, opts).unwrap();
        zip.write_all(&fs::read(Path::new(&storage()).join(rel)).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    let from_zip = stdout(&wutriage(&["events", zip_path.to_str().unwrap()]));
    let from_dir = stdout(&wutriage(&["events", &storage()]));
    assert!(!from_zip.is_empty());
    assert!(from_zip == from_dir, "a zipped bundle gives the same events as the folder");
}

#[test]
fn cbs_persist_cabs_are_read_inside() {
    let dir = tempfile::tempdir().unwrap();
    let log = fs::read(Path::new(&storage()).join("Logs/CBS/CBS.log")).unwrap();
    let mut builder = cab::CabinetBuilder::new();
    builder.add_folder(cab::CompressionType::MsZip).add_file("CbsPersist_20240214030005.log");
    let file = fs::File::create(dir.path().join("CbsPersist_20240214030005.cab")).unwrap();
    let mut writer = builder.build(file).unwrap();
    while let Some(mut w) = writer.next_file().unwrap() {
        std::io::Write::write_all(&mut w, &log).unwrap();
    }
    writer.finish().unwrap();
    let o = wutriage(&["inventory", "--format", "json", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["files"][0];
    assert_eq!(f["path"], "CbsPersist_20240214030005.cab/CbsPersist_20240214030005.log");
    assert_eq!(f["kind"], "cbs");
    assert_eq!(f["records"], 15);
}

#[test]
fn the_archive_cap_stops_with_a_clear_message() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("bomb.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("CBS.log", opts).unwrap();
    zip.write_all(&vec![b'A'; 4 << 20]).unwrap();
    zip.finish().unwrap();
    let o = wutriage(&["inventory", "--max-archive-bytes", "1000000", zip_path.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(err.contains("bomb.zip: archive size cap reached"), "{err}");
    assert!(err.contains("--max-archive-bytes"), "{err}");
}

#[test]
fn analyze_formats_and_exit_codes() {
    let table = wutriage(&["analyze", &storage()]);
    assert_eq!(table.status.code(), Some(0));
    let t = stdout(&table);
    assert!(t.starts_with("KB5034765 install failed 2 times"), "{t}");
    assert!(t.contains("Failing storage"));
    let json = wutriage(&["analyze", "--format", "json", &storage()]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["schema_version"], 2);
    for key in ["verdict", "incidents", "causes", "remedies", "coverage", "files", "offset"] {
        assert!(!v[key].is_null(), "{key}");
    }
    let md = stdout(&wutriage(&["analyze", "--format", "markdown", &storage()]));
    assert!(md.starts_with("## Windows Update triage"));
    assert!(md.contains("### What to do, safest first"));
    // --exit-code: 1 with a failure, 0 without.
    assert_eq!(wutriage(&["analyze", "--exit-code", &storage()]).status.code(), Some(1));
    let clean = common::fixture("bundles/clean").display().to_string();
    assert_eq!(wutriage(&["analyze", "--exit-code", &clean]).status.code(), Some(0));
}

#[test]
fn analyze_window_and_time_filters() {
    // Even a 1-minute window keeps storage first: the disk errors sit within seconds of each
    // failure, and the SMART prediction is standing evidence wherever it is.
    let o = wutriage(&["analyze", "--format", "json", "--window", "1m", &storage()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["window_minutes"], 1);
    assert_eq!(v["causes"][0]["cause"], "storage");
    // Only the second day: one attempt.
    let o = wutriage(&["analyze", "--format", "json", "--since", "2024-02-15", &storage()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["incidents"][0]["count"], 1);
    let bad = wutriage(&["analyze", "--window", "forever", &storage()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--window"));
}

#[test]
fn explain_decodes_codes_and_rules() {
    let o = wutriage(&["explain", "0x80070306", "-2147023143", "STO001", "ERROR_CRC"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("0x80070306  ERROR_ERRORS_ENCOUNTERED"));
    assert!(out.contains("0x800706D9  EPT_S_NOT_REGISTERED"));
    assert!(out.contains("STO001 (disk-bad-block)"));
    assert!(out.contains("0x80070017  ERROR_CRC"));
    let bad = wutriage(&["explain", "not-a-code"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("not-a-code"));
}

#[test]
fn rules_lists_every_rule() {
    let out = stdout(&wutriage(&["rules"]));
    for id in
        ["STO001", "STO006", "COR001", "PKG005", "CAC001", "SEC001", "PND001", "DSK001", "NET001"]
    {
        assert!(out.contains(id), "{id}");
    }
}

#[test]
fn the_event_cap_is_reported() {
    let o = wutriage(&["inventory", "--format", "json", "--max-events", "2", &storage()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cbs =
        v["files"].as_array().unwrap().iter().find(|f| f["path"] == "Logs/CBS/CBS.log").unwrap();
    assert_eq!(cbs["events"], 2);
    assert_eq!(cbs["records"], 15, "records are still all counted");
    assert!(cbs["issues"].as_array().unwrap().iter().any(|i| i["kind"] == "event-cap"));
    assert!(stderr(&o).contains("--max-events"));
}

#[test]
fn analyze_until_and_offsets_in_time_flags() {
    // 03:30 at +01:00 is 02:30 UTC on the 14th: only the first night's attempt is left.
    let o = wutriage(&[
        "analyze",
        "--format",
        "json",
        "--until",
        "2024-02-14T03:30:00+01:00",
        &storage(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["incidents"][0]["count"], 1);
    assert!(v["incidents"][0]["last"].as_str().unwrap().starts_with("2024-02-14T02:01"));
    // A window with nothing in it: no failure, and the coverage still says what was read.
    let o = wutriage(&[
        "analyze",
        "--format",
        "json",
        "--since",
        "2030-01-01",
        "--until",
        "2030-01-02",
        &storage(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["incidents"].as_array().unwrap().is_empty());
    assert_eq!(v["coverage"]["events"], 0);
    assert!(v["coverage"]["records"].as_u64().unwrap() > 0);
    let bad = wutriage(&["analyze", "--since", "yesterday", &storage()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--since \"yesterday\""), "{}", stderr(&bad));
    let bad = wutriage(&["events", "--until", "2024-13-01", &storage()]);
    assert_eq!(bad.status.code(), Some(2));
}

fn wutriage_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wutriage"));
    c.args(args).env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("binary runs")
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let esc = |o: &Output| o.stdout.contains(&0x1b);
    // Tests run in a pipe: auto means no colour.
    assert!(!esc(&wutriage_env(&["analyze", &storage()], &[])));
    assert!(!esc(&wutriage_env(&["analyze", "--color", "never", &storage()], &[])));
    let always = wutriage_env(&["analyze", "--color", "always", &storage()], &[]);
    assert!(esc(&always));
    let text = stdout(&always);
    assert!(text.contains("\u{1b}[1m"), "bold verdict");
    assert!(text.contains("\u{1b}[31m") || text.contains("\u{1b}[38;5;9m"), "red alarm");
    // The flag is global, and an explicit `always` beats NO_COLOR; `auto` obeys it.
    assert!(esc(&wutriage_env(
        &["--color", "always", "analyze", &storage()],
        &[("NO_COLOR", "1")]
    )));
    assert!(!esc(&wutriage_env(&["analyze", &storage()], &[("NO_COLOR", "1")])));
    // Colour never leaks into machine formats.
    for f in ["json", "markdown", "html"] {
        assert!(
            !esc(&wutriage_env(&["analyze", "--color", "always", "--format", f, &storage()], &[])),
            "{f}"
        );
    }
    // Same words with and without colour.
    let plain = stdout(&wutriage_env(&["analyze", &storage()], &[]));
    let stripped = {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(words(&stripped), words(&plain));
}

#[test]
fn escape_sequences_in_logs_do_not_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("CBS.log"),
        "2024-05-01 10:00:05, Error                 CBS    Failed to stage \u{1b}]0;pwned\u{7}\u{1b}[2J [HRESULT = 0x80070017 - ERROR_CRC]\r\n\
         2024-05-01 10:00:06, Info                  CBS    WER: Generating failure report for package: Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.1.1.1, status: 0x80070017, failure source: Stage, start state: Absent, target state: Installed, client id: WindowsUpdateAgent\r\n",
    )
    .unwrap();
    let o = wutriage_env(&["analyze", dir.path().to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Failed to stage"), "{out}");
    assert!(!o.stdout.contains(&0x1b) && !o.stdout.contains(&0x07), "{out:?}");
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = wutriage(&["completions", shell]);
        assert!(o.status.success(), "{shell}");
        let s = stdout(&o);
        for word in ["analyze", "timeline", "batch", "format", "since", "color"] {
            assert!(s.contains(word), "{shell} completion lacks {word}");
        }
    }
    let bash = stdout(&wutriage(&["completions", "bash"]));
    assert!(bash.contains("complete -F") && bash.contains("wutriage"));
    assert_eq!(wutriage(&["completions", "tcsh"]).status.code(), Some(2));
    let man = wutriage(&["man"]);
    assert!(man.status.success());
    let m = stdout(&man);
    assert!(m.contains(".TH wutriage"), "{}", &m[..200.min(m.len())]);
    for word in ["analyze", "timeline", "batch", "completions", "Offline triage"] {
        assert!(m.contains(word), "man page lacks {word}");
    }
    // Every page the main one refers to exists.
    let dir = tempfile::tempdir().unwrap();
    assert!(wutriage(&["man", "--dir", dir.path().to_str().unwrap()]).status.success());
    let mut pages: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    for cmd in [
        "analyze",
        "batch",
        "completions",
        "events",
        "explain",
        "inventory",
        "man",
        "rules",
        "timeline",
    ] {
        let page = format!("wutriage-{cmd}.1");
        assert!(pages.contains(&page), "{page} missing: {pages:?}");
        assert!(m.contains(&format!("wutriage\\-{cmd}(1)")), "main page does not name {page}");
    }
    let analyze = fs::read_to_string(dir.path().join("wutriage-analyze.1")).unwrap();
    assert!(analyze.contains(".TH wutriage\\-analyze") || analyze.contains(".TH wutriage-analyze"));
    assert!(analyze.contains("html") && analyze.contains("since"));
}

#[test]
fn no_progress_output_off_a_terminal() {
    for args in
        [vec!["analyze", "--format", "json"], vec!["timeline"], vec!["events"], vec!["inventory"]]
    {
        let mut a = args.clone();
        let s = storage();
        a.push(&s);
        let o = wutriage(&a);
        assert!(o.status.success(), "{args:?}");
        assert!(o.stderr.is_empty(), "{args:?}: {:?}", stderr(&o));
    }
}
