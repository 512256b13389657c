//! Writes the scenario bundles under `fixtures/bundles/` (all content written by us).
//!
//! Run: `cargo run --example make-fixtures` (writes into `fixtures/bundles`). The output is
//! deterministic and committed; tests read the committed files.

#![allow(clippy::print_stdout, reason = "a command-line tool that reports what it wrote")]

#[path = "../tests/support/etl_scenarios.rs"]
mod etl_scenarios;
#[path = "../tests/support/etl_writer.rs"]
mod etl_writer;
#[path = "../tests/support/evtx_writer.rs"]
mod evtx_writer;
#[path = "../tests/support/scenarios.rs"]
mod scenarios;
#[path = "../tests/support/setup_scenarios.rs"]
mod setup_scenarios;

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let out = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundles"),
        PathBuf::from,
    );
    let text = scenarios::all().into_iter().map(|s| (s.name, s.readme, s.files()));
    let etl = etl_scenarios::all().into_iter().map(|s| (s.name, s.readme, s.files));
    for (name, readme, files) in text.chain(etl) {
        let dir = out.join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("README.md"), readme)?;
        for (rel, bytes) in files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, bytes)?;
        }
        println!("wrote {}", dir.display());
    }
    // Feature-update bundles, beside the others (not under bundles/, which every report
    // test walks).
    let upgrades = out.parent().map_or_else(|| out.join("upgrades"), |p| p.join("upgrades"));
    for s in setup_scenarios::all() {
        let dir = upgrades.join(s.name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("README.md"), s.readme)?;
        for (rel, bytes) in s.files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, bytes)?;
        }
        println!("wrote {}", dir.display());
    }
    Ok(())
}
