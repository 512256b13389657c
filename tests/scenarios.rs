//! Every scenario bundle in fixtures/bundles: its expected ranking, and snapshots of the
//! JSON and the table (review changes with `cargo insta review`).

#![allow(
    clippy::unwrap_used,
    clippy::case_sensitive_file_extension_comparisons,
    clippy::print_stderr,
    reason = "test and tool code"
)]

mod common;

use serde_json::Value;
use wutriage::diagnose::{self, Options as DiagOptions};
use wutriage::pipeline::{self, Options};
use wutriage::report::analyze::Report;
use wutriage::time::UtcOffset;

fn analyze(name: &str, utc_offset: Option<UtcOffset>) -> (Value, String) {
    let dir = common::fixture(&format!("bundles/{name}"));
    let opts = Options { utc_offset, ..Options::default() };
    pipeline::run(&[dir], &opts, |a| {
        let spans = a.log_spans();
        let d = diagnose::diagnose(
            &a.timeline.events,
            &a.timeline.notes,
            &spans,
            DiagOptions::default(),
        );
        let r = Report::new(a.bundle, a.parsed, a.timeline, &d);
        let mut json = Vec::new();
        r.write_json(&mut json).unwrap();
        let mut table = Vec::new();
        r.write_table(&mut table).unwrap();
        (serde_json::from_slice(&json).unwrap(), String::from_utf8(table).unwrap())
    })
}

fn top_cause(v: &Value) -> Option<&str> {
    v["causes"][0]["cause"].as_str()
}

fn snapshots(name: &str, v: &Value, table: &str) {
    insta::assert_snapshot!(format!("{name}.json"), serde_json::to_string_pretty(v).unwrap());
    insta::assert_snapshot!(format!("{name}.table"), table);
}

#[test]
fn storage_0x80070306_headline() {
    let (v, t) = analyze("storage-0x80070306", None);
    assert_eq!(top_cause(&v), Some("storage"));
    assert_eq!(v["storage_first"], true);
    let inc = &v["incidents"][0];
    assert_eq!(v["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(inc["count"], 2);
    assert_eq!(inc["kb"], "KB5034765");
    assert_eq!(inc["code"], "0x80070306");
    assert_eq!(inc["code_name"], "ERROR_ERRORS_ENCOUNTERED");
    assert_eq!(inc["invalid_handle_family"], true);
    assert_eq!(inc["wraps"], "0xC000009C");
    assert_eq!(inc["wraps_at"]["at"], "Logs/CBS/CBS.log:8");
    let verdict = v["verdict"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(verdict.contains("ERROR_ERRORS_ENCOUNTERED"));
    assert!(verdict.contains("not") || verdict.contains("mislabelled"));
    assert!(!verdict.contains("0x80070306 is the handle is invalid"));
    // Backup first; every remedy that writes waits for the data to be safe.
    let remedies = v["remedies"].as_array().unwrap();
    assert_eq!(remedies[0]["id"], "back-up-disk");
    assert_eq!(remedies[1]["id"], "check-disk-read-only");
    for r in remedies {
        let writes =
            matches!(r["risk"].as_str().unwrap(), "changes-system" | "risky-on-failing-storage");
        assert_eq!(writes, r["wait"].is_string(), "{}", r["id"]);
    }
    assert!(remedies.iter().any(|r| r["id"] == "repair-disk"));
    snapshots("storage-0x80070306", &v, &t);
}

#[test]
fn clean_machine_has_no_incident() {
    let (v, t) = analyze("clean", None);
    assert!(v["incidents"].as_array().unwrap().is_empty());
    assert!(v["causes"].as_array().unwrap().is_empty());
    assert!(v["remedies"].as_array().unwrap().is_empty());
    assert_eq!(v["verdict"][0], "No update failure found in these logs.");
    snapshots("clean", &v, &t);
}

#[test]
fn store_corruption_asks_for_a_repair_source() {
    let (v, t) = analyze("store-corruption", None);
    assert_eq!(top_cause(&v), Some("corruption"));
    assert_eq!(v["storage_first"], false);
    let rh =
        v["remedies"].as_array().unwrap().iter().find(|r| r["id"] == "restore-health").unwrap();
    let cmds: Vec<&str> =
        rh["steps"].as_array().unwrap().iter().filter_map(|s| s["command"].as_str()).collect();
    assert!(cmds.iter().any(|c| c.contains("/Source:") && c.contains("/LimitAccess")), "{cmds:?}");
    let rank =
        |id: &str| v["remedies"].as_array().unwrap().iter().position(|r| r["id"] == id).unwrap();
    assert!(rank("restore-health") < rank("sfc"), "SFC after DISM");
    snapshots("store-corruption", &v, &t);
}

#[test]
fn catch_all_shows_the_csi_failure_it_wraps() {
    let (v, t) = analyze("catchall-csi", None);
    assert_eq!(top_cause(&v), Some("corruption"));
    let inc = &v["incidents"][0];
    assert_eq!(inc["code"], "0x80070306");
    assert_eq!(inc["wraps"], "0xC007000D");
    assert!(inc["wraps_at"]["excerpt"].as_str().unwrap().contains("DeltaDecompressBuffer"));
    assert!(!v["causes"].as_array().unwrap().iter().any(|c| c["cause"] == "storage"));
    snapshots("catchall-csi", &v, &t);
}

#[test]
fn storage_outranks_stronger_scoring_corruption() {
    let (v, t) = analyze("storage-and-corruption", None);
    assert_eq!(top_cause(&v), Some("storage"));
    assert_eq!(v["storage_first"], true);
    let score = |cat: &str| {
        v["causes"].as_array().unwrap().iter().find(|c| c["cause"] == cat).unwrap()["score"]
            .as_f64()
            .unwrap()
    };
    assert!(score("corruption") > score("storage"), "the reorder is not just the score");
    snapshots("storage-and-corruption", &v, &t);
}

#[test]
fn repeated_failures_of_one_update_are_one_incident() {
    let (v, t) = analyze("package-conflict", None);
    assert_eq!(top_cause(&v), Some("package-conflict"));
    assert_eq!(v["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(v["incidents"][0]["count"], 3);
    let ev = v["causes"][0]["evidence"].as_array().unwrap();
    assert!(
        ev.iter().any(|e| e["rule"].as_str().unwrap().contains("PKG005")),
        "repeated failure rule"
    );
    assert_eq!(
        v["remedies"].as_array().unwrap().iter().filter(|r| r["id"] == "manual-install").count(),
        1
    );
    assert!(
        v["remedies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["title"].as_str().unwrap().contains("KB5044284"))
    );
    snapshots("package-conflict", &v, &t);
}

#[test]
fn one_scenario_per_remaining_cause() {
    for (name, cause) in [
        ("update-cache", "update-cache"),
        ("security-software", "security-software"),
        ("pending-reboot", "pending-reboot"),
        ("low-disk-space", "low-disk-space"),
        ("network", "network"),
    ] {
        let (v, t) = analyze(name, None);
        assert_eq!(top_cause(&v), Some(cause), "{name}");
        assert_eq!(v["storage_first"], false, "{name}");
        assert!(!v["remedies"].as_array().unwrap().is_empty(), "{name}");
        snapshots(name, &v, &t);
    }
}

#[test]
fn time_offset_correlates_only_when_inferred() {
    let (v, t) = analyze("time-offset", None);
    assert_eq!(v["offset"]["offset"], "+09:00");
    assert_eq!(v["offset"]["origin"], "csi-stamp");
    assert_eq!(top_cause(&v), Some("storage"));
    snapshots("time-offset", &v, &t);
    // Taking the local logs as UTC puts the failure nine hours from the disk errors.
    let (wrong, _) = analyze("time-offset", Some(UtcOffset::UTC));
    assert!(!wrong["causes"].as_array().unwrap().iter().any(|c| c["cause"] == "storage"));
}

#[test]
fn usb_disk_errors_leave_the_store_repair_first() {
    let (v, t) = analyze("usb-disk-beside-corrupt-store", None);
    assert_eq!(top_cause(&v), Some("corruption"));
    assert_eq!(v["storage_first"], false);
    assert!(!v["causes"].as_array().unwrap().iter().any(|c| c["cause"] == "storage"));
    let remedies = v["remedies"].as_array().unwrap();
    assert_eq!(remedies[0]["id"], "restore-health");
    assert!(remedies.iter().all(|r| r["id"] != "back-up-disk" && r["wait"].is_null()));
    let cmds: Vec<&str> = remedies[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["command"].as_str())
        .collect();
    assert!(cmds.iter().any(|c| c.contains("/Source:") && c.contains("/LimitAccess")), "{cmds:?}");
    // The stick's errors are shown as another disk's, and said not to matter for C:.
    let disk = &v["disks"][0];
    assert_eq!((disk["number"].as_u64(), disk["role"].as_str()), (Some(1), Some("removable")));
    assert!(disk["description"].as_str().unwrap().contains("a USB device"));
    let others = v["other_disks"].as_array().unwrap();
    assert_eq!(others.len(), 4, "two retries, a bad block and the removal");
    assert!(others.iter().all(|e| e["device"].as_str().unwrap().starts_with("disk 1, a USB")));
    let verdict: Vec<&str> =
        v["verdict"].as_array().unwrap().iter().filter_map(|l| l.as_str()).collect();
    assert!(
        verdict.iter().any(|l| l.starts_with("Disk 1, a USB device")
            && l.contains("bad blocks")
            && l.contains("does not hold Windows")),
        "{verdict:?}"
    );
    snapshots("usb-disk-beside-corrupt-store", &v, &t);
}

#[test]
fn system_disk_errors_put_backup_first() {
    let (v, t) = analyze("system-disk-beside-corrupt-store", None);
    assert_eq!(top_cause(&v), Some("storage"));
    assert_eq!(v["storage_first"], true);
    let remedies = v["remedies"].as_array().unwrap();
    assert_eq!(remedies[0]["id"], "back-up-disk");
    let dism = remedies.iter().find(|r| r["id"] == "restore-health").unwrap();
    assert!(dism["wait"].is_string());
    assert_eq!(v["disks"][0]["role"], "system");
    assert!(v["other_disks"].as_array().unwrap().is_empty());
    assert!(
        v["verdict"].as_array().unwrap().iter().any(|l| l
            .as_str()
            .unwrap()
            .starts_with("Back up or image the disk that holds Windows (disk 0)")),
        "{}",
        v["verdict"]
    );
    snapshots("system-disk-beside-corrupt-store", &v, &t);
}

/// A Windows 11 machine's failure is only in its ETW traces (no WindowsUpdate.log): read
/// from them, and their header gives the offset of the local-time text logs.
#[test]
fn windows11_failure_only_in_the_traces() {
    let (v, t) = analyze("windows11-etl", None);
    assert_eq!(top_cause(&v), Some("network"));
    let incidents = v["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["kind"], "download");
    assert_eq!(incidents[0]["what"], "download failed");
    assert_eq!(incidents[0]["code"], "0x8024402C");
    assert!(incidents[0]["records"][0]["at"].as_str().unwrap().ends_with(".etl#10"));
    assert_eq!(v["offset"]["origin"], "etl-zone");
    assert_eq!(v["offset"]["offset"], "-07:00");
    let cites_trace = |c: &Value| {
        c["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["at"].as_str().unwrap().contains(".etl#"))
    };
    assert!(cites_trace(&v["causes"][0]), "{}", v["causes"][0]);
    snapshots("windows11-etl", &v, &t);
    // The text logs alone say nothing went wrong.
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::fixture("bundles/windows11-etl"), dir.path());
    for sub in ["Logs/WindowsUpdate", "Logs/waasmedic"] {
        std::fs::remove_dir_all(dir.path().join(sub)).unwrap();
    }
    pipeline::run(&[dir.path().to_path_buf()], &Options::default(), |a| {
        let d =
            diagnose::diagnose(&a.timeline.events, &a.timeline.notes, &[], DiagOptions::default());
        assert!(d.incidents.is_empty());
    });
}

/// Every .evtx the test-support writer produced reads back through the evtx crate whole.
#[test]
fn fixture_event_logs_read_back_cleanly() {
    let root = common::fixture("bundles");
    let mut seen = 0;
    pipeline::run(&[root], &Options::default(), |a| {
        for (art, p) in a.bundle.artifacts.iter().zip(a.parsed) {
            if art.path.ends_with(".evtx") {
                seen += 1;
                assert_eq!(art.kind, wutriage::bundle::Kind::Evtx, "{}", art.path);
                assert!(p.issues.is_empty(), "{}: {:?}", art.path, p.issues);
                assert!(p.coverage.records > 0 && p.coverage.recovered == 0, "{}", art.path);
            }
        }
    });
    assert!(seen >= 12, "{seen} event logs");
}
