//! Writes a generated Windows Update trace (.etl) of about the given size, for benchmarks
//! (`benches/parsers.rs`, `scripts/bench-vs-peers.sh`): lines in the shape of the client's,
//! about 2% of them failures, written by the test-support ETL writer. Same seed and size,
//! same bytes.
//!
//! Run: `cargo run --release --example make-trace -- --size 64MiB --seed 7 --out FILE.etl`

#![allow(clippy::print_stderr, reason = "a command-line tool")]

#[path = "../tests/support/etl_writer.rs"]
mod etl_writer;

use std::path::PathBuf;
use std::process::ExitCode;

fn size(s: &str) -> Option<usize> {
    let (n, unit) = s.find(|c: char| !c.is_ascii_digit()).map_or((s, ""), |i| s.split_at(i));
    let n: usize = n.parse().ok()?;
    Some(match unit {
        "" | "B" => n,
        "KiB" => n << 10,
        "MiB" => n << 20,
        "GiB" => n << 30,
        _ => return None,
    })
}

fn main() -> ExitCode {
    let (mut bytes, mut seed, mut out) = (16 << 20, 7, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        match (a.as_str(), v) {
            ("--size", Some(v)) if size(&v).is_some() => bytes = size(&v).unwrap_or(bytes),
            ("--seed", Some(v)) if v.parse::<u64>().is_ok() => seed = v.parse().unwrap_or(7),
            ("--out", Some(v)) => out = Some(PathBuf::from(v)),
            _ => {
                eprintln!("usage: make-trace --size 64MiB --seed 7 --out FILE.etl");
                return ExitCode::from(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("usage: make-trace --size 64MiB --seed 7 --out FILE.etl");
        return ExitCode::from(2);
    };
    // 2025-04-26T12:20:44Z.
    let trace = etl_writer::synthetic_wu(bytes, seed, 1_745_670_044_000_000);
    if let Err(e) = std::fs::write(&out, trace.bytes()) {
        eprintln!("{}: {e}", out.display());
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
