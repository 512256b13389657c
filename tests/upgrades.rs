//! The feature-update bundles in fixtures/upgrades (written by `examples/make-fixtures.rs`
//! from `tests/support/setup_scenarios.rs`): one per family of SetupDiag-class rules, each
//! with its expected attempt and ranking, and snapshots of the JSON and the table (review
//! changes with `cargo insta review`).

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;

use serde_json::Value;
use wutriage::diagnose;
use wutriage::pipeline::{self, Options};
use wutriage::report::analyze::Report;

fn analyze(name: &str) -> (Value, String) {
    let dir = common::fixture(&format!("upgrades/{name}"));
    pipeline::run(&[dir], &Options::default(), |a| {
        let d = diagnose::diagnose(
            &a.timeline.events,
            &a.timeline.notes,
            &a.log_spans(),
            diagnose::Options::default(),
        );
        let r = Report::new(a.bundle, a.parsed, a.timeline, &d);
        let mut json = Vec::new();
        r.write_json(&mut json).unwrap();
        let mut table = Vec::new();
        r.write_table(&mut table).unwrap();
        let v: Value = serde_json::from_slice(&json).unwrap();
        insta::assert_snapshot!(format!("{name}.json"), serde_json::to_string_pretty(&v).unwrap());
        insta::assert_snapshot!(format!("{name}.table"), String::from_utf8(table.clone()).unwrap());
        (v, String::from_utf8(table).unwrap())
    })
}

fn causes(v: &Value) -> Vec<&str> {
    v["causes"].as_array().unwrap().iter().map(|c| c["cause"].as_str().unwrap()).collect()
}

fn remedies(v: &Value) -> Vec<&str> {
    v["remedies"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect()
}

fn verdict(v: &Value) -> String {
    v["verdict"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn compat_block() {
    let (v, _) = analyze("compat-block");
    let u = &v["upgrades"][0];
    assert_eq!(u["outcome"], "failed");
    assert_eq!(u["phase"], "Downlevel");
    assert_eq!(u["result"]["name"], "MOSETUP_E_COMPAT_INSTALLREQ_BLOCK");
    assert_eq!(u["reported"], "0xC1900108");
    assert_eq!(causes(&v)[0], "incompatible-app");
    let r = remedies(&v);
    assert!(r.contains(&"uninstall-app"));
    let uninstall =
        v["remedies"].as_array().unwrap().iter().find(|r| r["id"] == "uninstall-app").unwrap();
    assert!(uninstall.to_string().contains("Contoso VPN Client 4.2"), "the app is named");
}

#[test]
fn disk_space() {
    let (v, _) = analyze("disk-space");
    let u = &v["upgrades"][0];
    assert_eq!(u["phase"], "Downlevel");
    assert_eq!(u["code"], "0x80070070-0x50011");
    assert!(u["operation_name"].as_str().unwrap().starts_with("Apply WIM"));
    assert_eq!(causes(&v)[0], "low-disk-space");
    assert!(remedies(&v).contains(&"free-space"));
    assert!(verdict(&v).contains("not enough free disk space"), "Microsoft's word on the pair");
}

#[test]
fn driver_first_boot() {
    let (v, _) = analyze("driver-first-boot");
    let u = &v["upgrades"][0];
    assert_eq!(
        (u["outcome"].as_str(), u["phase"].as_str()),
        (Some("failed and rolled back"), Some("First Boot"))
    );
    assert_eq!(u["operation"], "SYSPREP");
    assert_eq!(u["code"], "0xC1900101-0x30018");
    assert_eq!(u["clock_jumps"], true);
    assert_eq!(causes(&v), ["driver"]);
    // Safe first: unplugging devices and a clean boot before changing drivers.
    assert_eq!(remedies(&v), ["disconnect-devices", "clean-boot", "update-drivers"]);
    assert!(v["remedies"][2].to_string().contains("pnputil /delete-driver oem42.inf"));
    let ev = v["causes"][0]["evidence"].to_string();
    assert!(ev.contains("CM_PROB_FAILED_INSTALL") && ev.contains("never ended"));
}

#[test]
fn bugcheck_dump() {
    let (v, _) = analyze("bugcheck-dump");
    assert_eq!(v["upgrades"][0]["phase"], "Second Boot (OOBE)");
    assert_eq!(causes(&v)[0], "driver");
    let ev = v["causes"][0]["evidence"].to_string();
    assert!(ev.contains("setupmem.dmp"), "the dump is evidence");
    assert!(ev.contains("Crash 0x0000007E"));
    assert!(ev.contains("System.evtx"), "the event log's bug check agrees");
    assert!(v["causes"][0]["score_parts"]["sources"].as_u64().unwrap() >= 2);
}

#[test]
fn migration() {
    let (v, _) = analyze("migration");
    let u = &v["upgrades"][0];
    assert_eq!(
        (u["phase"].as_str(), u["operation"].as_str()),
        (Some("First Boot"), Some("MIGRATE_DATA"))
    );
    assert_eq!(causes(&v)[0], "migration");
    assert!(v["causes"][0]["evidence"].to_string().contains("contosomig.dll"));
}

#[test]
fn cancelled() {
    let (v, t) = analyze("cancelled");
    assert!(v["incidents"].as_array().unwrap().is_empty());
    assert!(v["causes"].as_array().unwrap().is_empty());
    assert_eq!(v["upgrades"][0]["outcome"], "was cancelled by the user");
    assert!(verdict(&v).contains("cancelled by the user"));
    assert!(!verdict(&v).contains("No update failure"));
    assert!(t.contains("Feature updates"));
}

/// The setup fuzz target's checks hold on every file of the feature-update bundles.
#[test]
fn the_setup_fuzz_checks_hold_on_these_bundles() {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() { files(&p, out) } else { out.push(p) }
        }
    }
    let mut all = Vec::new();
    files(&common::fixture("upgrades"), &mut all);
    assert!(all.len() >= 12);
    for f in all {
        wutriage::fuzzing::setup(&std::fs::read(&f).unwrap());
    }
}
