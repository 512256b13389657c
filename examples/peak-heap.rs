//! Runs the `analyze` read path and report on a bundle under a counting allocator and prints
//! the peak of heap bytes in use. Mapped file pages are not heap, so this is the memory the
//! program itself asks for (RSS would count the page cache too).
//!
//! Run: `cargo run --release --example peak-heap -- [--threads N] [--phases] BUNDLE...`
//! (`--phases` also prints the heap in use, and the peak so far, after each stage).

#![allow(clippy::print_stdout, clippy::unwrap_used, reason = "a measuring tool")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use wutriage::diagnose;
use wutriage::parse::ParseOptions;
use wutriage::pipeline::{self, Options};
use wutriage::report::analyze::Report;

/// The system allocator, counting bytes in use and their peak.
struct Counting {
    now: AtomicUsize,
    peak: AtomicUsize,
}

#[expect(unsafe_code, reason = "a GlobalAlloc wrapper is unsafe by definition")]
// SAFETY: every call is forwarded unchanged to the system allocator; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            self.grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        self.now.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            self.now.fetch_sub(layout.size(), Ordering::Relaxed);
            self.grow(new_size);
        }
        p
    }
}

impl Counting {
    fn grow(&self, n: usize) {
        let now = self.now.fetch_add(n, Ordering::Relaxed) + n;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }
}

#[global_allocator]
static HEAP: Counting = Counting { now: AtomicUsize::new(0), peak: AtomicUsize::new(0) };

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut threads = None;
    if let Some(i) = args.iter().position(|a| a == "--threads") {
        threads = args.get(i + 1).and_then(|n| n.parse().ok());
        args.drain(i..(i + 2).min(args.len()));
    }
    let phases = args.iter().any(|a| a == "--phases");
    args.retain(|a| a != "--phases");
    let inputs: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    // As `analyze` reads: only the events diagnosis reads are kept.
    let parse = ParseOptions {
        retain: Some(diagnose::retain),
        retain_unread: Some(diagnose::unread_evtx),
        ..ParseOptions::default()
    };
    let opts = Options { threads, parse, ..Options::default() };
    let start = std::time::Instant::now();
    let mark = |what: &str| {
        if phases {
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            let mib = |n: usize| n as f64 / f64::from(1 << 20);
            let (now, peak) = (HEAP.now.load(Ordering::Relaxed), HEAP.peak.load(Ordering::Relaxed));
            println!(
                "{what:>10}: in use {:7.1} MiB, peak so far {:7.1} MiB, at {ms:7.1} ms",
                mib(now),
                mib(peak)
            );
        }
    };
    let ((events, left_out), bytes) = pipeline::run(&inputs, &opts, |a| {
        mark("timeline");
        let spans = a.log_spans();
        let d = diagnose::diagnose(
            &a.timeline.events,
            &a.timeline.notes,
            &spans,
            diagnose::Options::default(),
        );
        mark("diagnosis");
        let report = Report::new(a.bundle, a.parsed, a.timeline, &d);
        let mut out = Vec::new();
        report.write_table(&mut out).unwrap();
        mark("report");
        ((a.timeline.events.len(), a.timeline.left_out.len()), out.len())
    });
    mark("end");
    let peak = HEAP.peak.load(Ordering::Relaxed);
    println!(
        "peak heap: {:.1} MiB ({peak} bytes); {events} events kept, {left_out} left out, report \
         {bytes} bytes",
        peak as f64 / f64::from(1 << 20)
    );
}
