//! Feature updates on the real setup logs of ../shared/corpus (panther/, setupapi/): the
//! counts of COUNTS.md that the record counts of tests/corpus.rs do not cover, the attempt
//! each set of logs describes, and agreement with the one SetupDiag verdict of the corpus.
//! Skipped (with a note) when the corpus is not present.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use wutriage::code::setup::{Extended, Operation, Phase};
use wutriage::diagnose::{self, Diagnosis, Outcome};
use wutriage::event::Source;
use wutriage::parse::setup::setupdiag;
use wutriage::parse::{Keep, ParseOptions};
use wutriage::pipeline::{self, Options};

fn diagnosis(files: &[PathBuf]) -> Diagnosis {
    pipeline::run(files, &Options::default(), |a| {
        assert!(a.bundle.errors.is_empty());
        diagnose::diagnose(
            &a.timeline.events,
            &a.timeline.notes,
            &a.log_spans(),
            diagnose::Options::default(),
        )
    })
}

/// The cells of COUNTS.md's row for `file`.
fn row(md: &str, file: &str) -> Vec<String> {
    md.lines()
        .find(|l| l.starts_with(&format!("| {file} |")))
        .unwrap_or_else(|| panic!("{file} not in COUNTS.md"))
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

/// `SUCCESS 191, SUCCESS (REBOOT_REQUIRED) 3` → {status: count}.
fn statuses(cell: &str) -> BTreeMap<String, u64> {
    let inner = cell.split_once('(').map_or("", |x| x.1).trim_end_matches(')');
    inner
        .split(", ")
        .filter_map(|p| p.rsplit_once(' '))
        .map(|(k, n)| (k.to_string(), n.parse().unwrap()))
        .collect()
}

#[test]
fn setupapi_sections_marks_and_exit_statuses_match_counts_md() {
    let Some(dir) = common::corpus() else { return };
    let md = std::fs::read_to_string(dir.join("COUNTS.md")).unwrap();
    let files = [
        "setupapi/Appostarsi__Logs.zip__setupapi.offline.log",
        "setupapi/baslr__Rollback__setupapi.dev.log",
        "setupapi/ttxamlottmolo75-cmd__setupapi.dev.log",
        "other/plaso__setupapi.dev.log",
        "other/plaso__setupapi.setup.log",
    ];
    let opts = Options {
        parse: ParseOptions { keep: Keep::All, ..ParseOptions::default() },
        ..Options::default()
    };
    for f in files {
        // | file | bytes | lines | starts | ends | exits (values) | ! | !!! | boot sessions |
        let c = row(&md, f);
        pipeline::run(&[dir.join(f)], &opts, |a| {
            let p = &a.parsed[0];
            assert_eq!(p.coverage.records, c[4].parse::<u64>().unwrap(), "{f}: sections");
            assert_eq!(p.coverage.lines, c[3].parse::<u64>().unwrap(), "{f}: lines");
            let ev: Vec<_> =
                a.timeline.events.iter().filter(|e| e.source == Source::SetupApi).collect();
            let sections: Vec<_> = ev.iter().filter(|e| e.component == "section").collect();
            let ended = sections.iter().filter(|e| e.field("end").is_some()).count() as u64;
            assert_eq!(ended, c[5].parse::<u64>().unwrap(), "{f}: sections ended");
            let mut exits: BTreeMap<String, u64> = BTreeMap::new();
            for s in &sections {
                if let Some(x) = s.field("exit") {
                    *exits.entry(x.to_string()).or_default() += 1;
                }
            }
            assert_eq!(exits, statuses(&c[6]), "{f}: exit statuses");
            let marks = |m: &str| ev.iter().filter(|e| e.field("mark") == Some(m)).count() as u64;
            assert_eq!(marks("!"), c[7].parse::<u64>().unwrap(), "{f}: ! lines");
            assert_eq!(marks("!!!"), c[8].parse::<u64>().unwrap(), "{f}: !!! lines");
            let boots = ev.iter().filter(|e| e.component == "boot").count() as u64;
            assert_eq!(boots, c[9].parse::<u64>().unwrap(), "{f}: boot sessions");
        });
    }
}

#[test]
fn panther_xml_elements_match_counts_md() {
    let Some(dir) = common::corpus() else { return };
    let opts = Options {
        parse: ParseOptions { keep: Keep::All, ..ParseOptions::default() },
        ..Options::default()
    };
    // CompatData: 7 HardwareItem + 10 DriverPackage, 2 with BlockMigration="True", no hard
    // block (COUNTS.md, Panther XML table).
    let compat =
        dir.join("panther/Appostarsi__Logs.zip__CompatData_2023_05_23_00_27_47_3_006f0018.xml");
    pipeline::run(&[compat], &opts, |a| {
        assert_eq!(a.parsed[0].coverage.records, 17);
        let ev = &a.timeline.events;
        let count = |item: &str| ev.iter().filter(|e| e.field("item") == Some(item)).count();
        assert_eq!((count("HardwareItem"), count("DriverPackage")), (7, 10));
        assert_eq!(ev.iter().filter(|e| e.field("block-migration").is_some()).count(), 2);
        assert_eq!(ev.iter().filter(|e| e.field("blocking") == Some("Hard")).count(), 0);
    });
    // diagerr.xml: 3 glued documents, 2 rows.
    pipeline::run(&[dir.join("panther/michampr__diagerr.xml")], &opts, |a| {
        assert!(a.parsed[0].issues.is_empty(), "{:?}", a.parsed[0].issues);
        assert_eq!(a.parsed[0].coverage.records, 2);
        assert_eq!(a.timeline.events.len(), 2);
    });
}

#[test]
fn the_setupdiag_report_reads_as_setupdiag_wrote_it() {
    let Some(dir) = common::corpus() else { return };
    let text =
        std::fs::read_to_string(dir.join("panther/Appostarsi__Logs.zip__SetupDiagResults.log"))
            .unwrap();
    let v = setupdiag::read(&text).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].profile.as_deref(), Some("FindRollbackFailure"));
    assert_eq!(v[0].phase.as_deref(), Some("Safe OS"));
    assert_eq!((v[0].result, v[0].extended), (Some(0x8007_000D), Some(0x2000C)));
    assert!(v[0].operation.as_deref().unwrap().starts_with("Apply WIM file"));
}

/// Expected attempt per corpus set: (name, files, outcome, phase, result-extend).
#[test]
fn each_real_attempt_is_read_as_it_happened() {
    let Some(dir) = common::corpus() else { return };
    let p = |f: &str| dir.join(f);
    let cases: Vec<(&str, Vec<PathBuf>, Outcome, Phase, &str)> = vec![
        (
            "baslr: rollback at first boot (sysprep), across Panther and Rollback logs",
            vec![
                p("panther/baslr__Panther__setuperr.log"),
                p("panther/baslr__Rollback__setupact.log"),
                p("panther/baslr__Rollback__setuperr.log"),
                p("setupapi/baslr__Rollback__setupapi.dev.log"),
            ],
            Outcome::RolledBack,
            Phase::FirstBoot,
            "0xC1900101-0x30018",
        ),
        (
            "Appostarsi: rollback in the Safe OS (apply image)",
            vec![p("panther/Appostarsi__Logs.zip__setupact_rollback.log")],
            Outcome::RolledBack,
            Phase::SafeOs,
            "0x8007000D-0x2000C",
        ),
        (
            "rickaK77: failure before the first reboot",
            vec![p("panther/rickaK77__setupact.log")],
            Outcome::Failed,
            Phase::Downlevel,
            "0x80070032-0x50013",
        ),
    ];
    for (name, files, outcome, phase, code) in cases {
        let d = diagnosis(&files);
        assert_eq!(d.upgrades.len(), 1, "{name}");
        let u = &d.upgrades[0];
        assert_eq!(u.outcome, outcome, "{name}");
        assert_eq!(u.phase, Some(phase), "{name}");
        assert_eq!(u.code_text().as_deref(), Some(code), "{name}");
        // 0xC1900108 is what Setup told telemetry, not the result.
        assert_eq!(u.reported.map(wutriage::code::Code::as_hresult), Some(0xC190_0108), "{name}");
        assert!(u.incident.is_some(), "{name}");
        assert!(d.incidents.iter().any(|i| i.kind == diagnose::IncidentKind::FeatureUpdate));
        assert!(!d.causes.is_empty(), "{name}: no cause");
    }
    // baslr: the clock jump is seen, and a driver is the cause (setupapi of the new OS
    // shows devices that failed to install and a device install that never ended).
    let d = diagnosis(&[
        p("panther/baslr__Panther__setuperr.log"),
        p("panther/baslr__Rollback__setupact.log"),
        p("setupapi/baslr__Rollback__setupapi.dev.log"),
    ]);
    assert!(d.upgrades[0].clock_jumps);
    assert_eq!(d.causes[0].category, diagnose::Category::Driver);
    assert!(d.upgrades[0].operation_name.as_deref().unwrap().contains("sysprep"));
}

#[test]
fn successful_runs_cancels_and_other_setupact_logs_give_no_incident() {
    let Some(dir) = common::corpus() else { return };
    for files in [
        vec!["panther/Silvermaz28__SetupAct.log", "panther/Silvermaz28__setuperr.log"],
        vec!["panther/bitbtrust__setupact.log"],
        vec!["panther/T007-tim__setupact.log", "panther/bitbtrust__setupact.log"],
    ] {
        let d = diagnosis(&files.iter().map(|f| dir.join(f)).collect::<Vec<_>>());
        assert!(d.incidents.is_empty(), "{files:?}");
        assert!(d.upgrades.is_empty(), "{files:?}");
    }
    let d = diagnosis(&[
        dir.join("panther/copyleft21__setupact.log"),
        dir.join("panther/copyleft21__setuperr.log"),
    ]);
    assert!(d.incidents.is_empty(), "a cancel is not diagnosed");
    assert_eq!(d.upgrades.len(), 1);
    assert_eq!(d.upgrades[0].outcome, Outcome::Cancelled);
    assert!(d.upgrades[0].target.as_deref().unwrap().starts_with("10.0.19041.572"));
}

/// The corpus machine with a SetupDiagResults.log (Appostarsi, SOURCES.md): with that file
/// left out, wutriage reaches SetupDiag's phase, operation and code from the other logs of
/// the same `Logs.zip`; with it in, it says it agrees.
#[test]
fn wutriage_agrees_with_setupdiag_on_appostarsi() {
    let Some(dir) = common::corpus() else { return };
    let logs = vec![
        dir.join("panther/Appostarsi__Logs.zip__setupact_rollback.log"),
        dir.join("panther/Appostarsi__Logs.zip__CompatData_2023_05_23_00_27_47_3_006f0018.xml"),
        dir.join("setupapi/Appostarsi__Logs.zip__setupapi.offline.log"),
    ];
    let report = dir.join("panther/Appostarsi__Logs.zip__SetupDiagResults.log");
    let sd = &setupdiag::read(&std::fs::read_to_string(&report).unwrap()).unwrap()[0];
    let d = diagnosis(&logs);
    let u = &d.upgrades[0];
    assert_eq!(u.phase, sd.phase.as_deref().and_then(Phase::from_name), "phase");
    assert_eq!(u.operation, sd.operation.as_deref().and_then(Operation::from_text), "operation");
    assert_eq!(u.result.map(wutriage::code::Code::as_hresult), sd.result, "result code");
    assert_eq!(u.extended, sd.extended.map(Extended), "extend code");
    eprintln!(
        "SetupDiag: {:?} / {:?} / {:?}; wutriage: {:?} / {:?} / {:?}",
        sd.phase,
        sd.operation,
        sd.result,
        u.phase,
        u.operation,
        u.code_text()
    );
    let mut with = logs;
    with.push(report);
    let d = diagnosis(&with);
    assert_eq!(d.upgrades.len(), 1, "SetupDiag's verdict joins the attempt it describes");
    assert_eq!(d.upgrades[0].setupdiag.as_ref().and_then(|s| s.agrees), Some(true));
}
