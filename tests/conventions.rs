//! Conventions every command keeps: a closed pipe is not an error; an error comes before
//! any output and leaves stdout empty; options are checked before anything is read;
//! `--strict` fails on a log that was not read, which is always warned about; `--output`
//! writes a whole file or none, never inside a bundle; `explain --format json`.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;

use std::fs;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wutriage"));
    c.env_remove("COLUMNS").env("NO_COLOR", "1");
    c
}

fn wutriage(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn storage() -> String {
    common::fixture("bundles/storage-0x80070306").display().to_string()
}

#[test]
fn a_closed_pipe_is_not_an_error_for_any_command() {
    let b = storage();
    let commands: Vec<Vec<&str>> = vec![
        vec!["analyze", &b],
        vec!["analyze", "--format", "json", &b],
        vec!["analyze", "--format", "markdown", &b],
        vec!["analyze", "--format", "html", &b],
        vec!["timeline", &b],
        vec!["timeline", "--format", "csv", "--all", &b],
        vec!["inventory", &b],
        vec!["events", "--all", &b],
        vec!["explain", "0x80070306", "STO001"],
        vec!["explain", "--format", "json", "0x80070306"],
        vec!["rules"],
        vec!["completions", "bash"],
        vec!["completions", "powershell"],
        vec!["man"],
        vec!["--help"],
    ];
    for args in commands {
        let mut child =
            bin().args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        // The reader goes away before the command writes (`wutriage … | head -0`).
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.to_lowercase().contains("broken pipe"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn errors_come_before_any_output_and_leave_stdout_empty() {
    let b = storage();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["inventory", "/nonexistent"], "no such file"),
        (vec!["analyze", "/nonexistent"], "no such file"),
        (vec!["timeline", "/nonexistent"], "no such file"),
        (vec!["events", "/nonexistent"], "no such file"),
        (vec!["analyze", "--since", "2024-02-16", "--until", "2024-02-15", &b], "after --until"),
        (
            vec!["events", "--since", "2024-02-16T00:00", "--until", "2024-02-15", &b],
            "after --until",
        ),
        (vec!["analyze", "--window", "30", &b], "needs a unit"),
        (vec!["analyze", "--window", "30s", &b], "at least"),
        (vec!["timeline", "--window", "0m", &b], "at least"),
        (vec!["explain", "0x80070306", "nonsense"], "nonsense"),
        (vec!["explain", "--format", "json", "nonsense"], "nonsense"),
    ];
    for (args, says) in cases {
        let o = wutriage(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?} wrote: {}", String::from_utf8_lossy(&o.stdout));
        let err = stderr(&o).replace("between 1 minute", "at least");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(wutriage(&["analyze", "--window", "1m", &b]).status.code(), Some(0));
    assert_eq!(wutriage(&["analyze", "--window", "2h", &b]).status.code(), Some(0));
}

#[test]
fn batch_given_a_zip_and_a_zip_that_is_not_one_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("bundle.zip");
    fs::write(&zip, b"plain text, not an archive\n").unwrap();
    let o = wutriage(&["batch", zip.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("batch takes folders"), "{}", stderr(&o));
    assert!(stderr(&o).contains("wutriage analyze"), "{}", stderr(&o));
    let o = wutriage(&["analyze", zip.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bundle.zip: not a zip archive"), "{}", stderr(&o));
}

#[test]
fn strict_fails_on_a_log_that_was_not_read_and_every_one_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::fixture("bundles/network"), dir.path());
    fs::write(dir.path().join("notes-from-the-user.log"), "the update failed again\n").unwrap();
    let p = dir.path().to_str().unwrap();
    let o = wutriage(&["analyze", p]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("warning: notes-from-the-user.log:"), "{}", stderr(&o));
    for cmd in ["analyze", "inventory", "timeline", "events"] {
        let o = wutriage(&[cmd, "--strict", p]);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stderr(&o));
        assert!(stderr(&o).contains("notes-from-the-user.log"), "{cmd}");
    }
    // A README beside the logs is not a log: no warning.
    let o = wutriage(&[
        "analyze",
        "--strict",
        &common::fixture("bundles/network").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn output_is_written_whole_or_not_at_all_and_never_inside_a_bundle() {
    let b = storage();
    let dir = tempfile::tempdir().unwrap();
    for (cmd, extra) in
        [("analyze", "--format=json"), ("timeline", "--format=csv"), ("inventory", "--format=json")]
    {
        let file = dir.path().join(format!("{cmd}.out"));
        let o = wutriage(&[cmd, extra, "--output", file.to_str().unwrap(), &b]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
        let piped = wutriage(&[cmd, extra, &b]);
        assert_eq!(fs::read(&file).unwrap(), piped.stdout, "{cmd}");
    }
    // A failed run leaves nothing, not even a temporary file; an old report stays.
    let file = dir.path().join("failed.json");
    let o = wutriage(&["analyze", "-o", file.to_str().unwrap(), "/nonexistent"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!file.exists());
    let old = dir.path().join("analyze.out");
    let before = fs::read(&old).unwrap();
    let o = wutriage(&["analyze", "-o", old.to_str().unwrap(), "--window", "5", &b]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(fs::read(&old).unwrap(), before);
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".wutriage-")), "{names:?}");

    // Never inside a bundle being read, however the path is spelled.
    let copy = tempfile::tempdir().unwrap();
    common::copy_tree(&common::fixture("bundles/storage-0x80070306"), copy.path());
    let before: Vec<_> =
        fs::read_dir(copy.path().join("Logs")).unwrap().map(|e| e.unwrap().path()).collect();
    for target in ["report.md", "Logs/report.md", "Logs/../Logs/CBS/r.md"] {
        let inside = copy.path().join(target);
        let o =
            wutriage(&["analyze", "-o", inside.to_str().unwrap(), copy.path().to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{target}");
        assert!(stderr(&o).contains("never writes beside the evidence"), "{}", stderr(&o));
        assert!(!inside.exists());
    }
    let after: Vec<_> =
        fs::read_dir(copy.path().join("Logs")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(before, after);
    let cbs = copy.path().join("Logs/CBS/CBS.log");
    let o = wutriage(&["inventory", "-o", cbs.to_str().unwrap(), cbs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn explain_speaks_json() {
    let o = wutriage(&[
        "explain",
        "--format",
        "json",
        "0x80070306",
        "-2147023143",
        "STO001",
        "ERROR_CRC",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["type"], "code");
    assert_eq!(items[0]["name"], "ERROR_ERRORS_ENCOUNTERED");
    assert_eq!(items[0]["win32"], 774);
    assert_eq!(items[0]["invalid_handle_family"], true);
    assert_eq!(items[1]["hresult"], "0x800706D9");
    assert_eq!(items[2]["type"], "rule");
    assert_eq!(items[2]["id"], "STO001");
    assert_eq!(items[2]["cause"], "storage");
    assert!(items[2]["doc"].as_str().unwrap().contains("bad block"));
    assert_eq!(items[3]["hresult"], "0x80070017");
    // Flags after the codes are flags, and negative numbers are codes.
    let o = wutriage(&["explain", "-2147023143", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn man_pages_have_examples_and_exit_status() {
    let o = wutriage(&["man"]);
    assert!(o.status.success());
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.contains(".SH EXAMPLES"), "{page}");
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
    assert!(page.contains("wutriage analyze bundle.zip"));
    let dir = tempfile::tempdir().unwrap();
    assert!(wutriage(&["man", "--dir", dir.path().to_str().unwrap()]).status.success());
    let mut pages = 0;
    for e in fs::read_dir(dir.path()).unwrap() {
        let text = fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(text.contains(".SH \"EXIT STATUS\""));
        assert!(text.contains(".SH EXAMPLES"), "{text}");
        pages += 1;
    }
    assert!(pages >= 10);
}
