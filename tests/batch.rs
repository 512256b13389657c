//! `wutriage batch`: one NDJSON line per bundle, folders and zips alike, broken bundles as
//! error lines, the same output for any number of jobs; and `scripts/fleet.py` answering
//! fleet questions from that output with `DuckDB`.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test and tool code")]

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output};

fn wutriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wutriage")).args(args).output().expect("binary runs")
}

fn lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn bundles_dir() -> String {
    common::fixture("bundles").display().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            fs::copy(e.path(), dst).unwrap();
        }
    }
}

fn zip_dir(from: &Path, to: &Path) {
    let mut z = zip::ZipWriter::new(fs::File::create(to).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p.strip_prefix(from).unwrap().to_str().unwrap().replace('\\', "/");
                z.start_file(name, opts).unwrap();
                z.write_all(&fs::read(&p).unwrap()).unwrap();
            }
        }
    }
    z.finish().unwrap();
}

#[test]
fn every_fixture_bundle_gets_one_line_in_order() {
    let o = wutriage(&["batch", "--jobs", "2", &bundles_dir()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stderr.is_empty(), "no progress or noise off a terminal: {:?}", o.stderr);
    let v = lines(&o);
    let ids: Vec<&str> = v.iter().map(|l| l["bundle"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "bundle order");
    let dirs =
        std::fs::read_dir(bundles_dir()).unwrap().filter(|e| e.as_ref().unwrap().path().is_dir());
    assert_eq!(ids.len(), dirs.count(), "one line per scenario bundle");
    for l in &v {
        assert_eq!(l["schema_version"], 2);
        assert_eq!(l["status"], "ok", "{l}");
        assert!(l["errors"].as_array().unwrap().is_empty(), "{l}");
        assert!(l["coverage"]["records"].as_u64().unwrap() > 0);
        assert!(l["path"].as_str().unwrap().ends_with(l["bundle"].as_str().unwrap()));
    }
    let by: BTreeMap<&str, &Value> = ids.iter().copied().zip(&v).collect();
    let s = by["storage-0x80070306"];
    assert_eq!(s["top_cause"], "storage");
    assert_eq!(s["confidence"], "high");
    assert_eq!(s["storage_first"], true);
    assert_eq!(s["utc_offset"], "+01:00");
    let inc = &s["incidents"][0];
    assert_eq!(inc["kb"], "KB5034765");
    assert_eq!(inc["code"], "0x80070306");
    assert_eq!(inc["code_name"], "ERROR_ERRORS_ENCOUNTERED");
    assert_eq!(inc["wraps"], "0xC000009C");
    assert_eq!(inc["kind"], "install");
    assert_eq!(inc["count"], 2);
    assert_eq!(inc["cause"], "storage");
    assert_eq!(inc["what"], "install failed");
    assert_eq!(inc["wraps_name"], "STATUS_DEVICE_DATA_ERROR");
    assert_eq!(s["schema_version"], 2);
    assert!(s["verdict"][0].as_str().unwrap().starts_with("KB5034765 install failed 2 times"));
    assert_eq!(s["causes"][0]["title"], "Failing storage");
    let clean = by["clean"];
    assert!(clean["incidents"].as_array().unwrap().is_empty());
    assert!(clean["top_cause"].is_null());
    // The same bytes whatever the number of jobs.
    let one = wutriage(&["batch", "--jobs", "1", &bundles_dir()]);
    assert_eq!(one.stdout, o.stdout);
}

#[test]
fn broken_bundles_become_error_lines_and_zips_are_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let storage = common::fixture("bundles/storage-0x80070306");
    copy_dir(&storage, &root.join("ticket-1"));
    zip_dir(&common::fixture("bundles/network"), &root.join("ticket-2.zip"));
    fs::write(root.join("ticket-3.zip"), b"this is not an archive").unwrap();
    fs::write(root.join("ticket-4.zip"), b"PK\x03\x04 cut short").unwrap();
    fs::create_dir(root.join("ticket-5")).unwrap();
    fs::write(root.join("notes.txt"), b"a loose file is not a bundle").unwrap();
    copy_dir(&storage, &root.join(".hidden"));
    let out = root.join("fleet.ndjson");
    let o = wutriage(&["batch", "--out", out.to_str().unwrap(), root.to_str().unwrap()]);
    assert!(o.status.success(), "a broken bundle never stops the batch");
    assert!(o.stdout.is_empty(), "--out takes the lines");
    let text = fs::read_to_string(&out).unwrap();
    let v: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = v.iter().map(|l| l["bundle"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ticket-1", "ticket-2", "ticket-3", "ticket-4", "ticket-5"]);
    let status: Vec<&str> = v.iter().map(|l| l["status"].as_str().unwrap()).collect();
    assert_eq!(status, ["ok", "ok", "error", "error", "error"]);
    assert_eq!(v[0]["top_cause"], "storage");
    // The zip reads like the folder it was made from.
    let folder = wutriage(&["batch", &bundles_dir()]);
    let network = lines(&folder).into_iter().find(|l| l["bundle"] == "network").unwrap();
    assert_eq!(v[1]["top_cause"], network["top_cause"]);
    assert_eq!(v[1]["incidents"], network["incidents"]);
    let reason = |i: usize| {
        v[i]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert!(reason(2).contains("ticket-3.zip"), "{}", reason(2));
    assert!(reason(3).contains("not a readable zip archive"), "{}", reason(3));
    assert!(reason(4).contains("no log files"), "{}", reason(4));
    for l in &v[2..] {
        assert!(l["verdict"].as_array().unwrap().is_empty() && l["coverage"].is_null());
    }
    let err = String::from_utf8_lossy(&o.stderr);
    for id in ["ticket-3", "ticket-4", "ticket-5"] {
        assert!(err.contains(&format!("bundle {id}:")), "{err}");
    }
}

#[test]
fn a_missing_folder_or_one_without_bundles_is_a_usage_error() {
    let o = wutriage(&["batch", "/no/such/fleet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/fleet: no such file or folder"));
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("CBS.log"), b"loose").unwrap();
    let o = wutriage(&["batch", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no bundle"));
    assert_eq!(wutriage(&["batch", "--jobs", "0", &bundles_dir()]).status.code(), Some(2));
}

/// `python3` with the duckdb package, or `None` (and a note) when either is missing. Under
/// CI a missing one fails: .ci/run installs duckdb.
fn python_with_duckdb() -> Option<&'static str> {
    let ok = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with duckdb not found, and CI must run the fleet script (.ci/run installs it)"
        );
        eprintln!(
            "skipped: python3 with the duckdb package not found (python3 -m pip install duckdb)"
        );
        return None;
    }
    Some("python3")
}

#[test]
fn the_fleet_script_answers_from_the_batch_output_in_duckdb() {
    let Some(python) = python_with_duckdb() else { return };
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    copy_dir(&common::fixture("bundles"), &fleet);
    // A second ticket with the same failing KB, so one KB stands out.
    copy_dir(&common::fixture("bundles/storage-0x80070306"), &fleet.join("ticket-4711"));
    fs::write(fleet.join("broken.zip"), b"not a zip").unwrap();
    let ndjson = dir.path().join("fleet.ndjson");
    let o = wutriage(&["batch", "--out", ndjson.to_str().unwrap(), fleet.to_str().unwrap()]);
    assert!(o.status.success());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fleet.py");
    let run = |extra: &[&str]| {
        let o = Command::new(python).arg(&script).args(extra).arg(&ndjson).output().unwrap();
        assert!(o.status.success(), "fleet.py: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let a: Value = serde_json::from_str(&run(&["--json"])).unwrap();

    // The same answers, worked out here from the lines themselves.
    let lines: Vec<Value> = fs::read_to_string(&ndjson)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ok: Vec<&Value> = lines.iter().filter(|l| l["status"] == "ok").collect();
    assert_eq!(a["bundles"]["bundles"], lines.len());
    assert_eq!(a["bundles"]["analysed"], ok.len());
    assert_eq!(a["bundles"]["unreadable"], 1);
    let mut per_cause: BTreeMap<String, u64> = BTreeMap::new();
    for l in &ok {
        *per_cause
            .entry(l["top_cause"].as_str().unwrap_or("no failure found").to_string())
            .or_default() += 1;
    }
    let shares = a["share_per_cause"].as_array().unwrap();
    assert_eq!(shares.len(), per_cause.len());
    let mut total = 0.0;
    for s in shares {
        let cause = s["cause"].as_str().unwrap();
        assert_eq!(s["tickets"], per_cause[cause], "{cause}");
        let pct = s["percent"].as_f64().unwrap();
        let want = 100.0 * per_cause[cause] as f64 / ok.len() as f64;
        assert!((pct - want).abs() < 0.051, "{cause}: {pct} vs {want}");
        total += pct;
    }
    assert!((total - 100.0).abs() < 0.5);
    assert_eq!(shares[0]["cause"], "storage", "storage is the most common cause here");

    // Which KB fails most often because of storage: the one two tickets share.
    let kbs = a["kb_by_cause"].as_array().unwrap();
    assert_eq!(kbs[0]["kb"], "KB5034765");
    assert_eq!(kbs[0]["bundles"], 2);
    assert_eq!(kbs[0]["failed_attempts"], 4);
    let storage_kbs: Vec<&str> = ok
        .iter()
        .flat_map(|l| l["incidents"].as_array().unwrap())
        .filter(|i| i["cause"] == "storage")
        .filter_map(|i| i["kb"].as_str())
        .collect();
    for k in kbs {
        assert!(storage_kbs.contains(&k["kb"].as_str().unwrap()));
    }
    let first: Vec<&str> =
        a["back_up_first"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let want: Vec<&str> = ok
        .iter()
        .filter(|l| l["storage_first"] == true)
        .map(|l| l["bundle"].as_str().unwrap())
        .collect();
    assert_eq!(first, want);
    assert_eq!(a["unreadable"][0]["bundle"], "broken");
    assert_eq!(a["top_codes"][0]["code"], "0x80070306");

    // Another cause, and the human tables.
    let network: Value = serde_json::from_str(&run(&["--json", "--cause", "network"])).unwrap();
    assert!(network["kb_by_cause"].as_array().unwrap().iter().all(|k| k["kb"] != "KB5034765"));
    let text = run(&[]);
    assert!(text.contains("Share of tickets per most likely cause"));
    assert!(text.contains("KB5034765"));
}

#[test]
fn the_fleet_script_exits_quietly_into_a_closed_pipe_and_keeps_a_db_the_cli_opens() {
    let Some(python) = python_with_duckdb() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ndjson = dir.path().join("fleet.ndjson");
    let o = wutriage(&["batch", "--out", ndjson.to_str().unwrap(), &bundles_dir()]);
    assert!(o.status.success());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fleet.py");

    // `fleet.py … | head -1`: the reader is gone before the script writes its tables.
    let mut child = Command::new(python)
        .arg(&script)
        .arg(&ndjson)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "exit {:?}", o.status);
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));

    // --db keeps the tables; the `duckdb` command opens the file even when it is an older
    // release than the Python package (pip's duckdb-cli often is).
    let db = dir.path().join("fleet.duckdb");
    let o = Command::new(python)
        .arg(&script)
        .args(["--db", db.to_str().unwrap()])
        .arg(&ndjson)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let count = Command::new(python)
        .args(["-c", "import duckdb,sys; print(duckdb.connect(sys.argv[1]).execute('SELECT count(*) FROM bundles').fetchall()[0][0])"])
        .arg(&db)
        .output()
        .unwrap();
    let bundles = fs::read_to_string(&ndjson).unwrap().lines().count();
    assert_eq!(String::from_utf8_lossy(&count.stdout).trim(), bundles.to_string());
    match Command::new("duckdb")
        .args(["-csv", "-noheader", db.to_str().unwrap(), "SELECT count(*) FROM bundles"])
        .output()
    {
        Ok(o) => {
            assert!(o.status.success(), "duckdb CLI: {}", String::from_utf8_lossy(&o.stderr));
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), bundles.to_string());
        }
        Err(_) => {
            eprintln!("skipped: the duckdb command not found (python3 -m pip install duckdb-cli)");
        }
    }
}
