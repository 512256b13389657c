//! Replays what the fuzzers found (`fuzz/regressions/<target>/*`, one file per finding,
//! named after what it found) and runs every fuzz target's checks on the project's fixtures,
//! so `cargo test` guards the same properties without libFuzzer.
#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use wutriage::fuzzing::TARGETS;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn findings_stay_fixed() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    for (name, target) in TARGETS {
        for f in files(&root.join(name)) {
            let bytes = fs::read(&f).unwrap();
            let run = std::panic::catch_unwind(|| target(&bytes));
            assert!(run.is_ok(), "{name}: {} fails again", f.display());
        }
    }
    // A finding filed under a name that no target has would never run.
    for dir in files(&root).iter().filter_map(|f| f.parent()) {
        let target = dir.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
        assert!(TARGETS.iter().any(|(n, _)| *n == target), "no fuzz target named {target}");
    }
}

#[test]
fn every_target_holds_on_the_fixtures() {
    let fixtures = files(&common::fixture("bundles"));
    assert!(fixtures.len() > 30);
    for f in fixtures.iter().filter(|f| !f.ends_with("README.md")) {
        let bytes = fs::read(f).unwrap();
        for (name, target) in TARGETS {
            let run = std::panic::catch_unwind(|| target(&bytes));
            assert!(run.is_ok(), "{name} fails on {}", f.display());
        }
    }
}
