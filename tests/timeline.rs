//! `wutriage timeline`: every row of every fixture bundle meets what Timesketch and plaso
//! expect, in JSON lines and in CSV, and no event is lost on the way.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test and tool code")]

mod common;

use serde_json::{Map, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wutriage::report::timeline::CSV_COLUMNS;
use wutriage::time::Timestamp;

fn wutriage(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_wutriage")).args(args).output().expect("binary runs");
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

fn jsonl(args: &[&str]) -> Vec<Map<String, Value>> {
    let o = wutriage(args);
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            Value::Object(m) => m,
            v => panic!("not an object: {v}"),
        })
        .collect()
}

fn bundles() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(common::fixture("bundles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    assert!(v.len() >= 12, "fixture bundles missing");
    v
}

/// The checks every row must pass: field names, required values, and an ISO 8601 datetime
/// with microseconds and an offset that names the same instant as `timestamp`.
fn check_row(r: &Map<String, Value>, what: &str) {
    let names: Vec<&str> = r.keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = CSV_COLUMNS.to_vec();
    expected.sort_unstable();
    let mut got = names.clone();
    got.sort_unstable();
    assert_eq!(got, expected, "{what}: field names");
    for f in ["message", "datetime", "timestamp_desc", "source_file", "source_kind", "level"] {
        assert!(r[f].as_str().is_some_and(|s| !s.is_empty()), "{what}: empty {f}: {r:?}");
    }
    let dt = r["datetime"].as_str().unwrap();
    let b = dt.as_bytes();
    let iso = b.len() == 32
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[20..26].iter().all(u8::is_ascii_digit)
        && (b[26] == b'+' || b[26] == b'-')
        && b[29] == b':';
    assert!(iso, "{what}: datetime {dt:?} is not YYYY-MM-DDTHH:MM:SS.ffffff±HH:MM");
    let ts = r["timestamp"].as_i64().unwrap_or_else(|| panic!("{what}: timestamp not an integer"));
    assert_eq!(Timestamp::parse_user(dt), Some(Timestamp(ts)), "{what}: {dt} vs {ts}");
    let at = (r["line"].as_u64(), r["record"].as_u64());
    assert!(matches!(at, (Some(_), None) | (None, Some(_))), "{what}: line or record: {r:?}");
}

#[test]
fn every_row_of_every_bundle_meets_the_timesketch_rules() {
    for b in bundles() {
        let path = b.to_str().unwrap();
        let all = jsonl(&["timeline", "--all", path]);
        let cited = jsonl(&["timeline", path]);
        for (n, r) in all.iter().enumerate() {
            check_row(r, &format!("{path} --all row {n}"));
        }
        // Rows are in time order.
        let times: Vec<i64> = all.iter().map(|r| r["timestamp"].as_i64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{path}: not sorted");
        // No row dropped: every event, plus one row per failed attempt.
        let events = wutriage(&["events", "--all", path]).stdout;
        let n_events = String::from_utf8(events).unwrap().lines().count();
        let attempts = all.iter().filter(|r| r["source_kind"] == "incident").count();
        assert_eq!(all.len(), n_events + attempts, "{path}: rows lost");
        // The default holds a subset: incidents, signals and the events they cite.
        assert!(cited.len() <= all.len());
        for r in &cited {
            let cites = r["source_kind"] == "incident"
                || !r["rule"].as_array().unwrap().is_empty()
                || !r["incident"].as_array().unwrap().is_empty();
            assert!(cites, "{path}: uncited row in the default export: {r:?}");
            assert!(all.contains(r), "{path}: default row not in --all: {r:?}");
        }
        let incident_rows = cited.iter().filter(|r| r["source_kind"] == "incident").count();
        assert_eq!(incident_rows, attempts, "{path}: incident rows");
    }
}

#[test]
fn csv_has_plaso_dynamic_columns_first_and_the_same_rows() {
    let path = common::fixture("bundles/storage-0x80070306");
    let path = path.to_str().unwrap();
    let rows = jsonl(&["timeline", "--all", path]);
    let csv = wutriage(&["timeline", "--all", "--format", "csv", path]).stdout;
    let mut rd = csv::Reader::from_reader(csv.as_slice());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        &header[..8],
        [
            "datetime",
            "timestamp_desc",
            "source",
            "source_long",
            "message",
            "parser",
            "display_name",
            "tag"
        ]
    );
    assert_eq!(header, CSV_COLUMNS);
    let records: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (rec, row) in records.iter().zip(&rows) {
        for (name, cell) in header.iter().zip(rec.iter()) {
            let want = match &row[name] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(";"),
                v => v.to_string(),
            };
            assert_eq!(cell, want, "column {name}");
        }
    }
    // Multi-line CBS records survive CSV quoting.
    assert!(records.iter().any(|r| r[4].contains('\n')));
}

#[test]
fn the_default_export_carries_incidents_signals_and_the_wrapped_failure() {
    let path = common::fixture("bundles/catchall-csi");
    let rows = jsonl(&["timeline", path.to_str().unwrap()]);
    let incident = rows.iter().find(|r| r["timestamp_desc"] == "Update Failure").unwrap();
    assert_eq!(incident["source"], "TRIAGE");
    assert_eq!(incident["kb"], "KB5026372");
    assert_eq!(incident["codes"][0], "0x80070306");
    assert!(incident["message"].as_str().unwrap().contains("likely cause"));
    assert_eq!(incident["cause"][0], "corruption");
    let wrapped = rows
        .iter()
        .find(|r| r["tag"].as_array().unwrap().iter().any(|t| t == "wrapped-failure"))
        .unwrap();
    assert_eq!(wrapped["source_file"], "Logs/CBS/CBS.log");
    assert_eq!(wrapped["line"], 7);
    assert_eq!(wrapped["incident"][0], 1);
    let signal = rows.iter().find(|r| !r["rule"].as_array().unwrap().is_empty()).unwrap();
    assert!(!signal["cause"].as_array().unwrap().is_empty());
}

#[test]
fn since_and_until_cut_the_export() {
    let path = common::fixture("bundles/storage-0x80070306");
    let path = path.to_str().unwrap();
    let rows = jsonl(&[
        "timeline",
        "--all",
        "--since",
        "2024-02-15T00:00:00Z",
        "--until",
        "2024-02-15T23:59:59Z",
        path,
    ]);
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["datetime"].as_str().unwrap().starts_with("2024-02-15T")));
    // The second night alone: one failed attempt.
    assert_eq!(rows.iter().filter(|r| r["source_kind"] == "incident").count(), 1);
}

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

#[test]
fn odd_dates_are_kept_and_still_valid() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "CBS.log",
        concat!(
            "1601-01-01 00:00:00, Info                  CBS    The FILETIME epoch\r\n",
            "2016-12-31 23:59:60, Info                  CBS    A leap second\r\n",
            "2024-02-29 12:00:00, Error                 CBS    Failed on a leap day [HRESULT = 0x80070017 - ERROR_CRC]\r\n",
            "9999-12-31 23:59:59, Info                  CBS    The last second there is\r\n",
        ),
    );
    let path = dir.path().to_str().unwrap();
    let rows = jsonl(&["timeline", "--all", "--utc-offset", "-05:00", path]);
    assert_eq!(rows.len(), 4, "{rows:?}");
    for (n, r) in rows.iter().enumerate() {
        check_row(r, &format!("odd row {n}"));
    }
    assert_eq!(rows[3]["datetime"], "9999-12-31T23:59:59.000000-05:00");
    let csv = wutriage(&["timeline", "--all", "--format", "csv", "--utc-offset", "-05:00", path]);
    assert_eq!(String::from_utf8(csv.stdout).unwrap().lines().count(), 5);
}

#[test]
fn rows_name_the_machine_and_event_logs_by_their_channel() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::fixture("bundles/storage-0x80070306"), dir.path());
    // A wevtutil text export whose file name says nothing about its channel, from the same
    // machine (another machine's logs would get their own timeline, or a refusal).
    fs::write(
        dir.path().join("export-from-the-user.txt"),
        "Event[0]:\r\n  Log Name: System\r\n  Source: disk\r\n  Date: 2024-02-14T03:01:40.000\r\n  Event ID: 7\r\n  Task: N/A\r\n  Level: Error\r\n  Opcode: Info\r\n  Keyword: Classic\r\n  User: N/A\r\n  User Name: N/A\r\n  Computer: FINANCE-PC07.corp.example\r\n  Description: \r\nThe device, \\Device\\Harddisk0\\DR0, has a bad block.\r\n\r\n",
    )
    .unwrap();
    let rows = jsonl(&["timeline", "--all", dir.path().to_str().unwrap()]);
    let export: Vec<_> =
        rows.iter().filter(|r| r["source_file"] == "export-from-the-user.txt").collect();
    assert!(!export.is_empty(), "the export's record is on the timeline");
    for r in &export {
        assert_eq!(r["source_long"], "Event log: System", "{r:?}");
        assert_eq!(r["computer"], "FINANCE-PC07.corp.example");
    }
    for r in &rows {
        let long = r["source_long"].as_str().unwrap();
        assert!(!long.contains("log log"), "{long}");
        if r["source_file"] == "Logs/WindowsUpdate.log" {
            assert_eq!(long, "WindowsUpdate.log");
        }
        if r["source_kind"] == "evtx" {
            assert!(
                !r["computer"].as_str().unwrap().is_empty(),
                "an .evtx record names its machine: {r:?}"
            );
        }
    }
}
