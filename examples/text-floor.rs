//! What the text read path costs before it parses anything: the UTF-8 check, the walk over
//! every line end, and the prefilter's scan, each timed alone on one thread over files read
//! into memory (so without the page faults of a mapping). Their sum is a floor under
//! `analyze` on the same files, which also reads every record's header, extracts codes from
//! the records the prefilter flags, and diagnoses.
//!
//! Run: `cargo run --release --example text-floor -- FILE...` (UTF-8 text logs; other
//! files are skipped). `text-floor --anchors` prints the prefilter's anchors instead, one
//! per line, for a search tool's `-i -F -f`.

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a measuring tool")]

use std::time::Instant;

const RUNS: usize = 5;

/// Median wall time in milliseconds of `f` over the texts, and its last result.
fn median_ms(texts: &[String], f: impl Fn(&str) -> usize) -> (f64, usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut out = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        out = texts.iter().map(|t| f(t)).sum();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[RUNS / 2], out)
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--anchors") {
        wutriage::measure::prefilter_anchors().for_each(|a| println!("{a}"));
        return;
    }
    let mut texts = Vec::new();
    for path in std::env::args().skip(1) {
        match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(t)) => texts.push(t),
            Ok(Err(_)) => eprintln!("skipped (not UTF-8): {path}"),
            Err(e) => eprintln!("skipped ({e}): {path}"),
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "{} files, {:.1} MiB, one thread, median of {RUNS}",
        texts.len(),
        bytes as f64 / f64::from(1 << 20)
    );
    let utf8 = median_ms(&texts, |t| usize::from(simdutf8::basic::from_utf8(t.as_bytes()).is_ok()));
    let lines = median_ms(&texts, |t| memchr::memchr2_iter(b'\n', 0, t.as_bytes()).count());
    let scan = median_ms(&texts, wutriage::measure::prefilter_hits);
    println!("UTF-8 check        {:8.1} ms", utf8.0);
    println!("line walk          {:8.1} ms  ({} line ends)", lines.0, lines.1);
    println!("prefilter scan     {:8.1} ms  ({} hits)", scan.0, scan.1);
    println!("sum                {:8.1} ms", utf8.0 + lines.0 + scan.0);
}
