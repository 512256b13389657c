//! Retry loops (issue 20 item 5, issue 17): an update that fails again and again is counted
//! attempt by attempt, whatever the interval, and the report stays bounded.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;
#[path = "support/evtx_writer.rs"]
mod evtx_writer;
#[path = "support/scenarios.rs"]
mod scenarios;

use scenarios::{Civil, Events, Log, at};
use serde_json::Value;
use wutriage::diagnose;
use wutriage::pipeline::{self, Options};
use wutriage::report::analyze::{LISTED, Report};

const TITLE: &str =
    "2025-01 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5050009)";

/// A bundle in which the update fails `n` times, `minutes` apart: event 20 in the System
/// log (UTC) and, a second later, the history line and the install call in
/// WindowsUpdate.log (also UTC, so no offset question arises).
fn retry_loop(n: i64, minutes: i64) -> tempfile::TempDir {
    let start: Civil = (2025, 1, 20, 6, 0, 0);
    let mut sys = Events::new("KIOSK-12");
    let mut wu = Log::new(false);
    for k in 0..n {
        let t = at(start, k * minutes * 60);
        sys.wu_client(20, t, TITLE, Some("0x80070306"));
        wu.wu(at(t, 1), 100_000, 4410, 5120, "Agent", "LogHistory called. idUpdate={0D1A2B3C-4D5E-4F60-8A1B-2C3D4E5F6A7B}.1, resultMapped=80070306, resultUnMapped=80070306")
            .wu(at(t, 1), 200_000, 4410, 5120, "ComApi", "Install call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("System.evtx"), sys.bytes()).unwrap();
    std::fs::write(dir.path().join("WindowsUpdate.log"), wu.bytes()).unwrap();
    dir
}

fn report(dir: &tempfile::TempDir) -> (Value, String) {
    let opts = Options { utc_offset: Some(wutriage::time::UtcOffset::UTC), ..Options::default() };
    pipeline::run(&[dir.path().to_path_buf()], &opts, |a| {
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
        r.write_markdown(&mut table).unwrap();
        let picture = wutriage::report::picture::Picture::new(a.bundle, &a.timeline.events, &d);
        wutriage::report::html::write(&r, &picture, &[], &mut table).unwrap();
        (serde_json::from_slice(&json).unwrap(), String::from_utf8(table).unwrap())
    })
}

#[test]
fn every_attempt_of_a_loop_counts_at_any_interval() {
    for minutes in [1, 14, 60, 24 * 60] {
        let dir = retry_loop(1000, minutes);
        let (v, table) = report(&dir);
        let incidents = v["incidents"].as_array().unwrap();
        assert_eq!(incidents.len(), 1, "every {minutes} min");
        let i = &incidents[0];
        assert_eq!(i["count"], 1000, "every {minutes} min");
        assert_eq!(i["kb"], "KB5050009");
        assert!(
            v["verdict"][0].as_str().unwrap().starts_with("KB5050009 install failed 1000 times"),
            "every {minutes} min: {}",
            v["verdict"][0]
        );
        // Counts, not a thousand rows.
        let attempts = i["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), LISTED);
        assert_eq!(i["attempts_omitted"], 1000 - LISTED);
        assert!(attempts.iter().all(|a| a["records"] == 3), "every {minutes} min");
        assert_eq!(i["records"].as_array().unwrap().len(), LISTED);
        assert_eq!(i["records_omitted"], 3000 - LISTED);
        // The first and the last attempts are the ones listed.
        assert_eq!(attempts[0]["first"], i["first"]);
        assert_eq!(attempts[LISTED - 1]["last"], i["last"]);
        let json = serde_json::to_string(&v).unwrap();
        assert!(json.len() < 64 * 1024, "every {minutes} min: {} bytes of JSON", json.len());
        // Table, Markdown and the HTML page with its picture.
        assert!(table.len() < 128 * 1024, "every {minutes} min: {} bytes of text", table.len());
    }
}

#[test]
fn a_loop_faster_than_the_duplicate_window_is_still_counted() {
    // Ten seconds apart: each event 20 is its own attempt.
    let start: Civil = (2025, 1, 20, 6, 0, 0);
    let mut sys = Events::new("KIOSK-12");
    for k in 0..300 {
        sys.wu_client(20, at(start, k * 10), TITLE, Some("0x80070306"));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("System.evtx"), sys.bytes()).unwrap();
    let (v, _) = report(&dir);
    assert_eq!(v["incidents"][0]["count"], 300);
}
