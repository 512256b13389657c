//! Evidence integrity: reading a bundle changes nothing in it. Every command that reads a
//! bundle runs on a copy of a fixture (loose logs, a zip and a cab); afterwards every byte,
//! size, permission and modification time is the same, and no file was added or removed.
#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

#[derive(Debug, PartialEq, Eq)]
struct Seen {
    is_dir: bool,
    len: u64,
    modified: SystemTime,
    readonly: bool,
    bytes: Vec<u8>,
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, Seen> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            let m = fs::symlink_metadata(&p).unwrap();
            let bytes = if m.is_file() { fs::read(&p).unwrap() } else { Vec::new() };
            if m.is_dir() {
                stack.push(p.clone());
            }
            let seen = Seen {
                is_dir: m.is_dir(),
                len: m.len(),
                modified: m.modified().unwrap(),
                readonly: m.permissions().readonly(),
                bytes,
            };
            out.insert(p.strip_prefix(root).unwrap().to_path_buf(), seen);
        }
    }
    out
}

/// The demo bundle, plus the clean bundle's text logs and a copy of the demo's System.evtx
/// as a zip (the clean bundle's own event log names another machine, which would be
/// analysed on its own), and its CBS.log in a cab.
fn bundle(root: &Path) {
    let demo = common::fixture("bundles/storage-0x80070306");
    common::copy_tree(&demo, root);
    let clean = common::fixture("bundles/clean");
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, from) in [
        ("CBS.log", clean.join("CBS.log")),
        ("System.evtx", demo.join("EventLogs/System.evtx")),
        ("WindowsUpdate.log", clean.join("WindowsUpdate.log")),
    ] {
        w.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(&fs::read(from).unwrap()).unwrap();
    }
    fs::write(root.join("clean.zip"), w.finish().unwrap().into_inner()).unwrap();
    let mut b = cab::CabinetBuilder::new();
    b.add_folder(cab::CompressionType::MsZip).add_file("CbsPersist_20240101000000.log");
    let mut cw = b.build(Cursor::new(Vec::new())).unwrap();
    while let Some(mut f) = cw.next_file().unwrap() {
        f.write_all(&fs::read(clean.join("CBS.log")).unwrap()).unwrap();
    }
    fs::write(root.join("CbsPersist_20240101000000.cab"), cw.finish().unwrap().into_inner())
        .unwrap();
}

const RUNS: &[&[&str]] = &[
    &["analyze"],
    &["analyze", "--format", "json"],
    &["analyze", "--format", "markdown"],
    &["analyze", "--read-mode", "mmap"],
    &["analyze", "--read-mode", "read", "--threads", "1"],
    &["inventory"],
    &["inventory", "--format", "json"],
    &["events"],
    &["events", "--all"],
];

#[test]
fn reading_a_bundle_changes_nothing_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bundle");
    bundle(&root);
    // Old, distinctive times: a write or touch would replace them with "now".
    let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    for p in snapshot(&root).keys() {
        let f = fs::File::open(root.join(p)).unwrap();
        f.set_modified(old).ok();
    }
    let before = snapshot(&root);
    assert!(before.len() >= 8, "{:?}", before.keys());
    for args in RUNS {
        let out = Command::new(env!("CARGO_BIN_EXE_wutriage"))
            .args(*args)
            .arg(&root)
            .current_dir(&root)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{args:?} printed nothing");
        let after = snapshot(&root);
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "{args:?} added or removed files"
        );
        for (p, seen) in &before {
            assert!(after.get(p) == Some(seen), "{args:?} changed {}", p.display());
        }
    }
}

/// No write access is needed: the same commands succeed as an unprivileged user on a bundle
/// that is read-only for everyone.
#[cfg(unix)]
#[test]
fn a_read_only_bundle_is_enough() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bundle");
    bundle(&root);
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let mut paths: Vec<_> = snapshot(&root).into_iter().collect();
    // Files first, then folders deepest first, so that every chmod can still reach its path.
    paths.sort_by_key(|(p, s)| (s.is_dir, std::cmp::Reverse(p.components().count())));
    for (p, s) in paths {
        let mode = if s.is_dir { 0o555 } else { 0o444 };
        fs::set_permissions(root.join(p), fs::Permissions::from_mode(mode)).unwrap();
    }
    fs::set_permissions(&root, fs::Permissions::from_mode(0o555)).unwrap();
    let as_nobody = fs::File::options().write(true).open(root.join("clean.zip")).is_ok();
    for args in RUNS {
        let mut cmd = if as_nobody {
            // Root may write anything: run as nobody so that the read-only bits bite.
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
            c.arg(env!("CARGO_BIN_EXE_wutriage"));
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_wutriage"))
        };
        let Ok(out) = cmd.args(*args).arg(&root).current_dir("/").output() else {
            eprintln!("skipped: setpriv not found");
            return;
        };
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for q in snapshot(&root).keys() {
        fs::set_permissions(root.join(q), fs::Permissions::from_mode(0o755)).ok();
    }
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
}
