//! Runs the real logs in ../shared/corpus through the reader and checks the independent
//! counts in COUNTS.md. Skipped (with a note) when the corpus is not present.

#![allow(
    clippy::unwrap_used,
    clippy::case_sensitive_file_extension_comparisons,
    clippy::collapsible_if,
    clippy::print_stderr,
    reason = "test and tool code"
)]

mod common;

use std::collections::BTreeMap;
use wutriage::bundle::Kind;
use wutriage::parse::{IssueKind, Keep, ParseOptions};
use wutriage::pipeline::{self, Options};

/// `file → (records, evtx error lines)` from the two tables of COUNTS.md.
fn expected_counts(md: &str) -> BTreeMap<String, (u64, Option<u64>)> {
    let mut out = BTreeMap::new();
    for line in md.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | file | bytes | lines | records | … |  or  | evtx file | records | error lines |
        // The event-export rows share the 8-cell shape; `added_records` reads them.
        if cells.len() == 8
            && cells[1].contains('/')
            && !cells[1].starts_with("eventexports/")
            && cells[4].parse::<u64>().is_ok()
        {
            out.insert(cells[1].to_string(), (cells[4].parse().unwrap(), None));
        } else if matches!(cells.len(), 9 | 11)
            && (cells[1].starts_with("panther/") || cells[1].contains("setupapi"))
            && cells[4].parse::<u64>().is_ok()
        {
            // Setup logs (records) and setupapi logs (sections started).
            out.insert(cells[1].to_string(), (cells[4].parse().unwrap(), None));
        } else if let Some(records) = added_records(&cells) {
            // CMTrace, ReportingEvents.log and the PowerShell exports (issue 18).
            out.insert(cells[1].to_string(), (records, None));
        } else if cells.len() == 5 && cells[1].starts_with("evtx/") {
            if let (Ok(r), Ok(e)) = (cells[2].parse(), cells[3].parse()) {
                out.insert(cells[1].to_string(), (r, Some(e)));
            }
        }
    }
    out
}

/// Records of a `CMTrace` row (its record ends, `]LOG]!><time=`, which damaged records
/// keep), a `ReportingEvents` row, or an event-export row (the number its records cell
/// starts with).
fn added_records(cells: &[&str]) -> Option<u64> {
    let path = *cells.get(1)?;
    let number = |c: &str| c.split_whitespace().next()?.parse::<u64>().ok();
    if cells.len() == 9 && is_cmtrace(path) {
        number(cells[5])
    } else if (cells.len() == 9 && path.starts_with("reportingevents/"))
        || (cells.len() == 8 && path.starts_with("eventexports/"))
    {
        number(cells[4])
    } else {
        None
    }
}

fn is_cmtrace(path: &str) -> bool {
    path.starts_with("cmtrace/")
        || (path.starts_with("other/findingsanity__") && path.ends_with(".log"))
}

fn expected_kind(path: &str) -> Kind {
    let name = path.rsplit('/').next().unwrap();
    match path.split('/').next().unwrap() {
        "cbs" => Kind::Cbs,
        "dism" => Kind::Dism,
        "windowsupdate" if name.starts_with("rkudache31") => Kind::WindowsUpdateLegacy,
        "windowsupdate" => Kind::WindowsUpdate,
        "evtx" => Kind::Evtx,
        _ if name.ends_with("system-events.txt") => Kind::EventExport,
        _ if name.ends_with(".etl") => Kind::Etl,
        // `C:\Windows\setupact.log` of device installers is not Windows Setup's log (read
        // by the last-resort reader only in a bundle with nothing else to read).
        "panther" if name.starts_with("T007-tim") => Kind::Unknown,
        "panther" if name.contains("SetupDiagResults") => Kind::SetupDiag,
        "panther" if name.contains("CompatData") => Kind::CompatReport,
        "panther" if name.ends_with("diagerr.xml") => Kind::SetupErrorsXml,
        "panther" => Kind::SetupLog,
        "setupapi" => Kind::SetupApi,
        "other" if name.starts_with("plaso__setupapi") => Kind::SetupApi,
        _ if is_cmtrace(path) => Kind::CmTrace,
        "reportingevents" => Kind::ReportingEvents,
        "eventexports" if name.ends_with(".json") => Kind::EventJson,
        "eventexports" => Kind::EventTable,
        // Text in no format a reader knows: the last-resort reader reads it.
        _ => Kind::Text,
    }
}

#[test]
fn every_file_is_classified_and_counts_match() {
    let Some(dir) = common::corpus() else { return };
    let md = std::fs::read_to_string(dir.join("COUNTS.md")).unwrap();
    let expected = expected_counts(&md);
    assert!(expected.len() >= 60, "COUNTS.md tables not understood: {}", expected.len());
    let opts = Options {
        parse: ParseOptions { keep: Keep::Notable, ..ParseOptions::default() },
        ..Options::default()
    };
    pipeline::run(std::slice::from_ref(&dir), &opts, |a| {
        let mut seen = 0;
        let mut failures = Vec::new();
        for (i, art) in a.bundle.artifacts.iter().enumerate() {
            if art.path.ends_with(".md") {
                continue;
            }
            let p = &a.parsed[i];
            assert!(
                !p.issues.iter().any(|x| x.kind == IssueKind::ParserPanicked),
                "{}: parser panicked",
                art.path
            );
            let want_kind = expected_kind(&art.path);
            if art.kind != want_kind {
                failures.push(format!("{}: kind {:?}, expected {want_kind:?}", art.path, art.kind));
            }
            let Some(&(records, errors)) = expected.get(&art.path) else { continue };
            seen += 1;
            // COUNTS.md counts timestamped setup-log lines in SetupDiag's report (none); its
            // one verdict is checked in tests/setup.rs.
            if art.kind == Kind::SetupDiag {
                continue;
            }
            let got = p.coverage.records;
            match errors {
                // Text logs: exactly the independent count.
                None if got != records => {
                    failures.push(format!("{}: {got} records, COUNTS.md says {records}", art.path));
                }
                // evtx: exact for clean files, at least as many for damaged ones.
                Some(0) if got != records => {
                    failures
                        .push(format!("{}: {got} records, evtx_dump gives {records}", art.path));
                }
                Some(_) if got < records => {
                    failures
                        .push(format!("{}: {got} records, evtx_dump gives {records}", art.path));
                }
                _ => {}
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert_eq!(seen, expected.len(), "every file in COUNTS.md was found");
    });
}

/// `file → (raw records, TraceLogging event names and counts, manifest providers)` from the
/// ETL table of COUNTS.md (etl2xml and `etl-parser`'s record reader).
type EtlCounts = BTreeMap<String, (u64, BTreeMap<String, u64>, Option<usize>)>;

fn expected_etl_counts(md: &str) -> EtlCounts {
    let lead = |s: &str| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok());
    let mut out = BTreeMap::new();
    for line in md.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | ETL file | bytes | etl2xml events | result | raw records | event kinds |
        if cells.len() != 8 || !cells[1].ends_with(".etl") {
            continue;
        }
        let Some(records) = lead(cells[5]) else { continue };
        let kinds = cells[6].split(" (").next().unwrap_or("");
        let mut names = BTreeMap::new();
        if cells[4].starts_with("ok") {
            for pair in kinds.split(", ") {
                if let Some((name, n)) = pair.rsplit_once(' ')
                    && let Ok(n) = n.parse()
                {
                    names.insert(name.to_string(), n);
                }
            }
        }
        let providers = cells[6]
            .strip_prefix("manifest-based, ")
            .and_then(|r| r.split(" provider GUIDs").next())
            .and_then(|n| n.parse().ok());
        out.insert(cells[1].to_string(), (records, names, providers));
    }
    out
}

/// Every .etl of the corpus: its records as `etl-parser` counts them, its TraceLogging events
/// by name as etl2xml names them, and manifest-based traces counted as undecoded with their
/// providers (COUNTS.md).
#[test]
fn etl_files_read_with_the_counts_of_counts_md() {
    use wutriage::event::Source;
    let Some(dir) = common::corpus() else { return };
    let md = std::fs::read_to_string(dir.join("COUNTS.md")).unwrap();
    let expected = expected_etl_counts(&md);
    assert_eq!(expected.len(), 7, "COUNTS.md ETL table not understood: {expected:?}");
    let opts = Options {
        parse: ParseOptions { keep: Keep::All, ..ParseOptions::default() },
        ..Options::default()
    };
    for (file, (records, names, providers)) in &expected {
        pipeline::run(&[dir.join(file)], &opts, |a| {
            assert_eq!(a.bundle.artifacts[0].kind, Kind::Etl, "{file}");
            let p = &a.parsed[0];
            assert_eq!(p.coverage.records, *records, "{file}");
            assert_eq!(p.coverage.damaged, 0, "{file}: {:?}", p.issues);
            let mut got: BTreeMap<String, u64> = BTreeMap::new();
            for e in &a.timeline.events {
                let name = match e.source {
                    Source::WindowsUpdate => e.component.to_string(),
                    _ => e.field("event").unwrap_or_default().to_string(),
                };
                if e.event_id.is_none() {
                    *got.entry(name).or_default() += 1;
                }
            }
            assert_eq!(&got, names, "{file}");
            let undecoded = p.issues.iter().find(|i| i.kind == IssueKind::Undecoded);
            match providers {
                Some(n) => {
                    assert_eq!(p.coverage.undecoded, *records, "{file}");
                    let detail = &undecoded.unwrap().detail;
                    assert!(detail.contains(&format!("of {n} provider(s)")), "{file}: {detail}");
                }
                None => assert!(undecoded.is_none(), "{file}: {undecoded:?}"),
            }
        });
    }
}

/// eyeofparadox's machine was at UTC-7: the Windows Update trace's header says so, and so do
/// the CSI lines of its CBS.log, independently.
#[test]
fn the_eyeofparadox_trace_and_csi_stamps_agree_on_the_offset() {
    use wutriage::parse::OffsetSource;
    let Some(dir) = common::corpus() else { return };
    let inputs = [
        dir.join("cbs/eyeofparadox__CBS.log"),
        dir.join("other/eyeofparadox__WindowsUpdate.20250426.052044.386.1.etl"),
    ];
    pipeline::run(&inputs, &Options::default(), |a| {
        let votes = |i: usize, s: OffsetSource| -> Vec<i32> {
            a.parsed[i].offsets.keys().filter(|k| k.0 == s).map(|k| k.1).collect()
        };
        assert_eq!(votes(0, OffsetSource::CsiStamp), [-420]);
        assert_eq!(votes(1, OffsetSource::EtlZone), [-420]);
        // 05:20:44 local in the trace's file name is 12:20:44 UTC in its header.
        let first = a.parsed[1].coverage.first.unwrap();
        assert!(first.to_string().starts_with("2025-04-26T12:20:44"), "{first}");
    });
}

#[test]
fn the_correlated_appostarsi_set_puts_text_and_events_on_one_clock() {
    let Some(dir) = common::corpus() else { return };
    let inputs = [
        dir.join("cbs/Appostarsi__CBS_5_23.log"),
        dir.join("windowsupdate/Appostarsi__WindowsUpdate.log"),
        dir.join("other/Appostarsi__V2.zip__system-events.txt"),
    ];
    pipeline::run(&inputs, &Options::default(), |a| {
        // The export's Kernel-General 12 says local = UTC−6 (08:05 local, 14:05 UTC).
        let export = a.timeline.artifact_offsets[2].unwrap();
        assert_eq!(export.offset.to_string(), "-06:00");
        // The NVIDIA driver failure is logged by WindowsUpdate.log and by the export;
        // once both are on UTC they must be seconds apart.
        let wu = a
            .timeline
            .events
            .iter()
            .find(|e| e.message.contains("*FAILED* [800F024B]"))
            .expect("WU driver failure line");
        let ev = a
            .timeline
            .events
            .iter()
            .find(|e| e.event_id == Some(20) && e.message.contains("NVIDIA"))
            .expect("WindowsUpdateClient 20 in the export");
        let (wu, ev) = (wu.time.unwrap(), ev.time.unwrap());
        let gap = (wu.as_micros() - ev.as_micros()).abs();
        assert!(gap < 60_000_000, "gap {gap} µs between {wu} and {ev}");
    });
}

/// The correlated real bundles of SOURCES.md: they analyse without error, and where they
/// hold failures, incidents are found.
#[test]
fn correlated_real_bundles_analyse() {
    use wutriage::diagnose;
    let Some(dir) = common::corpus() else { return };
    let sets: &[(&str, &[&str], bool)] = &[
        (
            "Appostarsi",
            &[
                "cbs/Appostarsi__CBS_5_23.log",
                "dism/Appostarsi__dism_5_23.log",
                "windowsupdate/Appostarsi__WindowsUpdate.log",
                "other/Appostarsi__V2.zip__system-events.txt",
            ],
            true,
        ),
        ("Appostarsi Win11", &["cbs/Appostarsi__CBS.log", "dism/Appostarsi__dism.log"], true),
        (
            "tugix456",
            &[
                "evtx/tugix456__Setup.evtx",
                "evtx/tugix456__Microsoft-Windows-WindowsUpdateClient%4Operational.evtx",
                "evtx/tugix456__Microsoft-Windows-Ntfs%4Operational.evtx",
                "evtx/tugix456__Microsoft-Windows-Storage-Storport%4Health.evtx",
                "evtx/tugix456__Microsoft-Windows-Storage-Storport%4Operational.evtx",
            ],
            true,
        ),
        ("wind-cludy", &["evtx/wind-cludy__システム.evtx", "evtx/wind-cludy__Setup.evtx"], false),
        (
            "eyeofparadox",
            &[
                "cbs/eyeofparadox__CBS.log",
                "dism/eyeofparadox__dism.log",
                "other/eyeofparadox__WindowsUpdate.20250426.052044.386.1.etl",
            ],
            // Its trace records two scans that failed with 0x8024402C (the update server's
            // name did not resolve, during OOBE): checking for updates failed.
            true,
        ),
        (
            "findingsanity",
            &[
                "windowsupdate/findingsanity__WindowsUpdate.log",
                "other/findingsanity__UpdatesDeployment.log",
                "other/findingsanity__WUAHandler.log",
            ],
            true,
        ),
        ("3gstudent", &["evtx/3gstudent__Setup.evtx", "evtx/3gstudent__SetupNew.evtx"], false),
    ];
    for (name, files, has_failures) in sets {
        let inputs: Vec<_> = files.iter().map(|f| dir.join(f)).collect();
        pipeline::run(&inputs, &Options::default(), |a| {
            assert!(a.bundle.errors.is_empty(), "{name}");
            let d = diagnose::diagnose(
                &a.timeline.events,
                &a.timeline.notes,
                &a.log_spans(),
                diagnose::Options::default(),
            );
            let r = wutriage::report::analyze::Report::new(a.bundle, a.parsed, a.timeline, &d);
            let mut out = Vec::new();
            r.write_json(&mut out).unwrap();
            r.write_table(&mut out).unwrap();
            r.write_markdown(&mut out).unwrap();
            assert_eq!(!d.incidents.is_empty(), *has_failures, "{name}: {:?}", r.verdict);
            if *has_failures {
                assert!(!d.causes.is_empty(), "{name}: failures but no cause");
            }
        });
    }
}

/// The real Appostarsi set (SOURCES.md): the Windows 11 22H2 feature update failed three
/// times that morning with three codes; it is three attempts and the headline; no incident
/// takes another update's records or download records into an install.
#[test]
fn the_appostarsi_feature_update_is_three_attempts_and_the_headline() {
    use wutriage::code::Code;
    use wutriage::diagnose::{self, IncidentKind};
    let Some(dir) = common::corpus() else { return };
    let inputs: Vec<_> = [
        "cbs/Appostarsi__CBS_5_23.log",
        "dism/Appostarsi__dism_5_23.log",
        "windowsupdate/Appostarsi__WindowsUpdate.log",
        "other/Appostarsi__V2.zip__system-events.txt",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    pipeline::run(&inputs, &Options::default(), |a| {
        let events = &a.timeline.events;
        let d = diagnose::diagnose(
            events,
            &a.timeline.notes,
            &a.log_spans(),
            diagnose::Options::default(),
        );
        let win11: Vec<_> = d
            .incidents
            .iter()
            .filter(|i| i.title.as_deref() == Some("Windows 11, version 22H2"))
            .collect();
        assert_eq!(win11.len(), 1);
        let codes: Vec<u32> =
            win11[0].attempts.iter().filter_map(|a| a.code.map(Code::value)).collect();
        assert_eq!(codes, [0xC190_0131, 0x8007_0002, 0x8007_0570]);
        assert_eq!(
            d.incidents[d.headline.unwrap()].title.as_deref(),
            Some("Windows 11, version 22H2")
        );
        let r = wutriage::report::analyze::Report::new(a.bundle, a.parsed, a.timeline, &d);
        assert!(
            r.verdict[0].starts_with("Windows 11, version 22H2 install failed 3 times")
                && r.verdict[0].contains("0xC1900131, then 0x80070002, then 0x80070570"),
            "{:?}",
            r.verdict
        );
        for i in &d.incidents {
            let records: Vec<&str> = i
                .attempts
                .iter()
                .flat_map(|a| &a.events)
                .map(|&e| events[e].message.as_ref())
                .collect();
            // An install takes no download records; a download no install calls.
            if i.kind == IncidentKind::Install {
                assert!(!records.iter().any(|m| m.contains("Download call complete")), "{i:?}");
            }
            // No incident holds history lines of two updates.
            let mut ids: Vec<&str> = records
                .iter()
                .filter_map(|m| m.split("idUpdate={").nth(1).and_then(|r| r.get(..36)))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            assert!(ids.len() <= 1, "{ids:?} in {:?}", i.update_name());
            // An attempt is one failure, not hours of them.
            for a in &i.attempts {
                assert!(a.last.0 - a.first.0 <= 15 * 60 * 1_000_000, "{i:?}");
            }
        }
        // The driver's download failed eight times; the history line of another update at
        // 14:18 is its own incident.
        let other = d
            .incidents
            .iter()
            .find(|i| i.update_id.as_deref() == Some("5BF7CC19-A5C4-4D20-9477-9024B92F9546"))
            .unwrap();
        assert_eq!((other.count(), other.attempts[0].events.len()), (1, 1));
        let download =
            d.incidents.iter().find(|i| i.kind == IncidentKind::Download && i.count() == 8);
        assert!(
            download.is_some_and(|i| i.title.as_deref() == Some("NVIDIA - Display - 31.0.15.1694"))
        );
    });
}

#[test]
fn the_tugix456_package_failure_points_at_the_store() {
    use wutriage::diagnose;
    let Some(dir) = common::corpus() else { return };
    pipeline::run(&[dir.join("evtx/tugix456__Setup.evtx")], &Options::default(), |a| {
        let d = diagnose::diagnose(
            &a.timeline.events,
            &a.timeline.notes,
            &[],
            diagnose::Options::default(),
        );
        let inc = &d.incidents[0];
        assert_eq!(inc.kb, Some(5_020_683));
        assert_eq!(inc.code.map(wutriage::code::Code::as_hresult), Some(0x800F_0984));
        assert_eq!(d.causes[0].category, diagnose::Category::Corruption);
    });
}

#[test]
fn evtx_records_counted_without_rendering_could_not_be_notable() {
    let Some(dir) = common::corpus() else { return };
    let mut seen = 0;
    for entry in std::fs::read_dir(dir.join("evtx")).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("evtx")) {
            // Keeping notable events must give the notable subset of keeping all of them.
            wutriage::fuzzing::evtx(&std::fs::read(&path).unwrap());
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} .evtx files in the corpus");
}

/// Every record of the corpus' .evtx files that is built straight from its template values
/// equals the record read from the crate's JSON rendering (`src/parse/evtx/direct.rs`).
#[test]
fn evtx_records_built_from_templates_equal_their_rendering() {
    let Some(dir) = common::corpus() else { return };
    let mut files: Vec<_> = std::fs::read_dir(dir.join("evtx"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "evtx"))
        .collect();
    files.sort();
    let (mut built, mut total) = (0, 0);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        match wutriage::fuzzing::evtx_built_records(&bytes) {
            Ok((b, t)) => {
                eprintln!("{}: built {b} of {t} records", f.display());
                built += b;
                total += t;
            }
            Err(e) => panic!("{}: {e}", f.display()),
        }
    }
    eprintln!("corpus: built {built} of {total} records");
    assert!(built > 0, "no record was built from its template");
}

/// Levels per `type` (`CMTrace`), `Failure` lines (`ReportingEvents.log`) and levels per
/// `EntryType` (PowerShell exports) against COUNTS.md, read with every record kept; records
/// that lost their `<![LOG[` opener are damage, counted once each; and the offsets the
/// records carry become the artifact's votes.
#[test]
fn added_kinds_read_as_counted() {
    use wutriage::event::Level;
    use wutriage::parse::OffsetSource;
    let Some(dir) = common::corpus() else { return };
    let md = std::fs::read_to_string(dir.join("COUNTS.md")).unwrap();
    let opts = Options {
        parse: ParseOptions { keep: Keep::All, ..ParseOptions::default() },
        ..Options::default()
    };
    let mut checked = 0;
    for line in md.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(&path) = cells.get(1) else { continue };
        // Expected levels, damaged records and the offset east of UTC, per kind of row.
        let (levels, damaged, offset): ([u64; 4], u64, Option<i32>) =
            if cells.len() == 9 && is_cmtrace(path) {
                let t: Vec<u64> = cells[7].split('/').map(|n| n.trim().parse().unwrap()).collect();
                let starts: u64 = cells[4].parse().unwrap();
                let ends: u64 = cells[5].parse().unwrap();
                // [verbose, info, warning, error]
                ([t[0], t[1], t[2], t[3]], ends - starts, None)
            } else if cells.len() == 9 && path.starts_with("reportingevents/") {
                let records: u64 = cells[4].parse().unwrap();
                let failures: u64 = cells[5].parse().unwrap();
                ([0, records - failures, 0, failures], 0, Some(180))
            } else if cells.len() == 8 && path.starts_with("eventexports/") {
                // `0: 9, 1: 44, …` or `Information: 739, Warning: 56, …`.
                let mut l = [0u64; 4];
                for part in cells[5].split(", ") {
                    let (k, v) = part.split_once(": ").unwrap();
                    let v: u64 = v.parse().unwrap();
                    match k {
                        "0" => l[0] += v,
                        "1" | "Error" => l[3] += v,
                        "2" | "Warning" => l[2] += v,
                        _ => l[1] += v,
                    }
                }
                (l, 0, None)
            } else {
                continue;
            };
        let export = path.starts_with("eventexports/");
        pipeline::run(&[dir.join(path)], &opts, |a| {
            let p = &a.parsed[0];
            let count = |want: Level| a.timeline.events.iter().filter(|e| e.level == want).count();
            // Exports say Critical where CMTrace says verbose (type 0 / EntryType 0).
            let first = if export { Level::Critical } else { Level::Verbose };
            let got =
                [count(first), count(Level::Info), count(Level::Warning), count(Level::Error)];
            let got: Vec<u64> = got.iter().map(|&n| n as u64).collect();
            assert_eq!(got, levels, "{path}: levels");
            let lost = p.issues.iter().filter(|i| i.detail.contains("lost its opening")).count();
            assert_eq!(lost as u64, damaged, "{path}: records without their opener");
            if is_cmtrace(path) {
                assert!(p.offsets.keys().all(|(s, _)| *s == OffsetSource::RecordOffset));
                assert!(!p.offsets.is_empty(), "{path}: every record carries its bias");
            }
            if let Some(o) = offset {
                assert_eq!(p.offsets.keys().map(|k| k.1).collect::<Vec<_>>(), [o], "{path}");
            }
        });
        checked += 1;
    }
    assert_eq!(checked, 11, "CMTrace, ReportingEvents and export rows of COUNTS.md");
}

/// `ReportingEvents.log`'s detection failures are failed scans, with their codes;
/// `ConfigMgr`'s `UpdatesDeployment.log` failure (`GetUpdateInfo - failed to get targeted
/// update`) is evidence, not an update that failed; the findingsanity `ConfigMgr` logs are
/// at UTC−4.
#[test]
fn reporting_events_and_configmgr_failures() {
    use wutriage::diagnose::{self, IncidentKind};
    let Some(dir) = common::corpus() else { return };
    let inputs = [dir.join("reportingevents/dcheva__ReportingEvents.log")];
    pipeline::run(&inputs, &Options::default(), |a| {
        let d = diagnose::diagnose(
            &a.timeline.events,
            &a.timeline.notes,
            &a.log_spans(),
            diagnose::Options::default(),
        );
        assert!(!d.incidents.is_empty());
        assert!(d.incidents.iter().all(|i| i.kind == IncidentKind::Scan), "{:?}", d.incidents);
        let codes: Vec<String> =
            d.incidents.iter().flat_map(|i| i.codes.iter().map(ToString::to_string)).collect();
        assert!(codes.iter().any(|c| c == "0x80072EE2"), "{codes:?}");
        assert!(codes.iter().any(|c| c == "0x80240438"), "{codes:?}");
    });
    let inputs = [
        dir.join("other/findingsanity__UpdatesDeployment.log"),
        dir.join("other/findingsanity__WUAHandler.log"),
        dir.join("cmtrace/findingsanity__UpdatesHandler.log"),
        dir.join("cmtrace/findingsanity__UpdatesStore.log"),
    ];
    pipeline::run(&inputs, &Options::default(), |a| {
        assert_eq!(a.timeline.bundle_offset.offset.to_string(), "-04:00");
        let d = diagnose::diagnose(
            &a.timeline.events,
            &a.timeline.notes,
            &a.log_spans(),
            diagnose::Options::default(),
        );
        assert!(d.incidents.is_empty(), "{:?}", d.incidents);
    });
}
