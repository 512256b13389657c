//! Tables at any width: piped output follows `COLUMNS` (100 without it); no line is wider
//! than that unless it is one unit that cannot be cut (or a remedy's command, kept whole
//! to be copied); codes, names and `file:line` references are never cut; too narrow a
//! table becomes blocks of `field: value` lines.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;

use serde_json::Value;
use std::process::Command;

fn run(args: &[&str], columns: Option<&str>) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wutriage"));
    c.args(args).env_remove("COLUMNS");
    if let Some(cols) = columns {
        c.env("COLUMNS", cols);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn every_command_fits_the_width_without_cutting_a_unit() {
    let bundle = common::fixture("bundles/storage-0x80070306").display().to_string();
    let json: Value =
        serde_json::from_str(&run(&["analyze", "--format", "json", &bundle], None)).unwrap();
    let mut units: Vec<String> = vec![
        "ERROR_ERRORS_ENCOUNTERED".into(),
        "STATUS_DEVICE_DATA_ERROR".into(),
        "Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.3155.1.6".into(),
        "2024-02-14 02:01 →".into(),
        "(2024-02-14".into(),
    ];
    for e in json["causes"][0]["evidence"].as_array().unwrap().iter().take(3) {
        units.push(format!("{} {}:", e["rule"].as_str().unwrap(), e["at"].as_str().unwrap()));
    }
    let commands: Vec<String> = json["remedies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["steps"].as_array().unwrap())
        .filter_map(|s| s["command"].as_str().map(str::to_string))
        .collect();
    for cols in [40, 60, 80, 100, 140, 200] {
        let c = cols.to_string();
        let out = run(&["analyze", &bundle], Some(&c));
        for u in &units {
            assert!(out.contains(u.as_str()), "{cols}: {u:?} cut in\n{out}");
        }
        for args in [&["analyze"][..], &["inventory"], &["rules"]] {
            let mut a = args.to_vec();
            if args[0] != "rules" {
                a.push(&bundle);
            }
            let out = run(&a, Some(&c));
            for line in out.lines().filter(|l| width(l) > cols) {
                let whole = line.split_whitespace().count() == 1
                    || line
                        .trim_start()
                        .strip_prefix("strongest evidence:")
                        .is_some_and(|r| r.split_whitespace().count() == 1)
                    || commands.iter().any(|c| line.trim() == c);
                assert!(whole, "{args:?} at {cols}: {line:?} is {} wide", width(line));
            }
        }
        let blocks = out.contains("\nIncident 1\n");
        assert_eq!(blocks, cols < 110, "{cols}:\n{out}");
    }
    // Without COLUMNS a pipe gets 100.
    assert_eq!(run(&["analyze", &bundle], None), run(&["analyze", &bundle], Some("100")));
    assert_eq!(run(&["inventory", &bundle], None), run(&["inventory", &bundle], Some("100")));
}

#[test]
fn empty_columns_are_dropped() {
    let bundle = common::fixture("bundles/network").display().to_string();
    let out = run(&["analyze", &bundle], Some("200"));
    assert!(out.contains("first → last (UTC)"), "{out}");
    assert!(!out.contains("wraps"), "no incident wraps another code here:\n{out}");
}
