//! Same bundle, same events: mmap or read, 1 or N threads, small or large pieces, UTF-8 or
//! UTF-16.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test and tool code")]

mod common;
#[path = "support/evtx_writer.rs"]
mod evtx_writer;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use wutriage::bundle::{OpenOptions, ReadMode};
use wutriage::event::{Event, Note};
use wutriage::parse::{Keep, ParseOptions, Retain};
use wutriage::pipeline::{self, Options};
use wutriage::report::analyze::Report;
use wutriage::report::events::write_jsonl;
use wutriage::time::Timestamp;
use wutriage::{batch, diagnose};

/// Events (JSON lines) and per-file record counts.
fn render(inputs: &[PathBuf], opts: &Options) -> (String, Vec<(String, u64, u64)>) {
    pipeline::run(inputs, opts, |a| {
        let mut out = Vec::new();
        write_jsonl(a.bundle, a.timeline.events.iter(), &mut out).unwrap();
        let counts = a
            .bundle
            .artifacts
            .iter()
            .zip(a.parsed)
            .map(|(art, p)| (art.path.clone(), p.coverage.records, p.coverage.lines))
            .collect();
        (String::from_utf8(out).unwrap(), counts)
    })
}

fn opts(read_mode: ReadMode, threads: usize, piece_bytes: usize, keep: Keep) -> Options {
    Options {
        open: OpenOptions { read_mode, ..OpenOptions::default() },
        parse: ParseOptions { keep, piece_bytes, ..ParseOptions::default() },
        threads: Some(threads),
        exit_after: false,
        ..Options::default()
    }
}

/// A CBS log of a few MB made by repeating the fixture's lines with advancing dates.
fn big_cbs(dir: &Path) -> PathBuf {
    let src =
        fs::read_to_string(common::fixture("bundles/storage-0x80070306/Logs/CBS/CBS.log")).unwrap();
    let mut out = String::from("\u{FEFF}");
    for day in 1..=28 {
        for rep in 0..40 {
            let body = src
                .trim_start_matches('\u{FEFF}')
                .replace("2024-02-14", &format!("2024-03-{day:02}"));
            let body = body.replace("2024-02-15", &format!("2024-04-{day:02}"));
            out.push_str(&body);
            // A bare-LF continuation, as in untouched CBS logs.
            let _ = write!(
                out,
                "2024-03-{day:02} 05:00:00, Info                  CSI    0000{rep:04x} Record with\n a bare LF continuation\r\n"
            );
        }
    }
    let p = dir.join("CBS.log");
    fs::write(&p, out).unwrap();
    p
}

#[test]
fn mmap_and_read_give_the_same_events() {
    let mut inputs = vec![common::fixture("bundles/storage-0x80070306")];
    if let Some(c) = common::corpus() {
        inputs.push(c.join("cbs/Appostarsi__CBS.log"));
        inputs.push(c.join("evtx/omerbenamram__system.evtx"));
    }
    for keep in [Keep::Notable, Keep::All] {
        let a = render(&inputs, &opts(ReadMode::Mmap, 2, 8 << 20, keep));
        let b = render(&inputs, &opts(ReadMode::Read, 2, 8 << 20, keep));
        assert!(!a.0.is_empty());
        assert!(a == b, "mmap and read differ ({keep:?})");
    }
}

#[test]
fn thread_count_and_piece_size_do_not_change_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let cbs = big_cbs(dir.path());
    let mut inputs = vec![cbs, common::fixture("bundles/storage-0x80070306")];
    if let Some(c) = common::corpus() {
        inputs.push(c.join("dism/krynddi__dism.log"));
        inputs.push(c.join("windowsupdate/josemct__WindowsUpdate.log"));
        inputs.push(c.join("other/Appostarsi__V2.zip__system-events.txt"));
        // Many chunks, parsed as parallel tasks, and damaged ones.
        inputs.push(c.join("evtx/anotherc0ne__System.evtx"));
        inputs.push(c.join("evtx/omerbenamram__sample_with_a_bad_chunk_magic.evtx"));
    }
    let reference = render(&inputs, &opts(ReadMode::Auto, 1, usize::MAX, Keep::All));
    let big = reference.1.iter().find(|(p, _, _)| p == "CBS.log").unwrap();
    assert!(big.1 > 15_000, "the big log has many records: {big:?}");
    for (threads, piece) in [(2, usize::MAX), (1, 64 << 10), (2, 64 << 10), (2, 4096)] {
        let got = render(&inputs, &opts(ReadMode::Auto, threads, piece, Keep::All));
        assert!(got == reference, "threads {threads}, pieces of {piece} bytes differ");
    }
}

fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut v = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    for u in text.encode_utf16() {
        v.extend_from_slice(&u.to_le_bytes());
    }
    v
}

#[test]
fn utf16_copies_give_the_same_events_as_utf8() {
    let src = common::fixture("bundles/storage-0x80070306");
    for rel in ["Logs/CBS/CBS.log", "Logs/WindowsUpdate.log"] {
        let text = fs::read_to_string(src.join(rel)).unwrap();
        let text = text.trim_start_matches('\u{FEFF}');
        let reference = {
            let d = tempfile::tempdir().unwrap();
            fs::write(d.path().join("log.txt"), text).unwrap();
            render(&[d.path().to_path_buf()], &opts(ReadMode::Auto, 2, 8 << 20, Keep::All))
        };
        assert!(!reference.0.is_empty());
        for bom in [true, false] {
            let d = tempfile::tempdir().unwrap();
            fs::write(d.path().join("log.txt"), utf16le(text, bom)).unwrap();
            let got =
                render(&[d.path().to_path_buf()], &opts(ReadMode::Auto, 2, 8 << 20, Keep::All));
            assert!(got == reference, "{rel}: UTF-16LE (bom: {bom}) differs from UTF-8");
        }
    }
}

/// The text prefilter only skips records that could not be notable: keeping notable events
/// gives exactly the notable subset of keeping them all.
#[test]
fn notable_events_are_the_notable_subset_of_all_events() {
    let mut inputs = vec![common::fixture("bundles/storage-0x80070306")];
    if let Some(c) = common::corpus() {
        for sub in ["cbs", "dism", "windowsupdate", "other"] {
            inputs.push(c.join(sub));
        }
    }
    let events = |keep: Keep, filter: bool| {
        pipeline::run(&inputs, &opts(ReadMode::Auto, 2, 8 << 20, keep), |a| {
            let mut out = Vec::new();
            let kept = a.timeline.events.iter().filter(|e| !filter || e.is_notable());
            write_jsonl(a.bundle, kept, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        })
    };
    let notable = events(Keep::Notable, false);
    let all_filtered = events(Keep::All, true);
    assert!(notable.lines().count() > 10, "the inputs have notable events");
    assert!(notable == all_filtered, "the prefilter dropped or added events");
}

/// Events a parse option leaves out are counted where they stood: the kept events are the
/// accepted subset of all events, and the event cap cuts at the same place.
fn left_out_events_are_counted_where_they_stood(inputs: &[PathBuf]) {
    // Not by line: a filter sees events before their line numbers are final.
    fn even_seconds(e: &Event<'_>) -> bool {
        e.time.is_some_and(|t| t.0 / 1_000_000 % 2 == 0)
    }
    fn retain_even(e: &Event<'_>) -> Retain {
        if even_seconds(e) { Retain::Keep } else { Retain::Leave(Note::Counted) }
    }
    let run = |retain: Option<fn(&Event<'_>) -> Retain>, max: usize| {
        let mut o = opts(ReadMode::Auto, 2, 64 << 10, Keep::Notable);
        o.parse.retain = retain;
        o.parse.max_events_per_artifact = max;
        pipeline::run(inputs, &o, |a| {
            let events: Vec<_> =
                a.timeline.events.iter().map(|e| (e.at, e.time, even_seconds(e))).collect();
            let mut left = a.timeline.left_out.clone();
            left.sort_unstable();
            let parsed: Vec<_> =
                a.parsed.iter().map(|p| (p.coverage.clone(), p.issues.clone())).collect();
            (events, left, parsed, a.timeline.event_count())
        })
    };
    let n = run(None, usize::MAX).0.len();
    assert!(n > 1000, "the big log has many notable events: {n}");
    for max in [usize::MAX, n, n - 1, n / 3, 1] {
        let all = run(None, max);
        let part = run(Some(retain_even), max);
        let kept: Vec<_> = all.0.iter().filter(|e| e.2).copied().collect();
        let mut left: Vec<_> = all.0.iter().filter(|e| !e.2).filter_map(|e| e.1).collect();
        left.sort_unstable();
        assert!(!kept.is_empty() && !left.is_empty() || max == 1);
        assert_eq!(part.0, kept, "kept events, cap {max}");
        assert_eq!(part.1, left, "left-out times, cap {max}");
        assert_eq!(part.2, all.2, "coverage and issues, cap {max}");
        assert_eq!(part.3, all.3, "event count, cap {max}");
    }
}

#[test]
fn left_out_text_events_are_counted_where_they_stood() {
    let dir = tempfile::tempdir().unwrap();
    left_out_events_are_counted_where_they_stood(&[big_cbs(dir.path())]);
}

/// The evtx parser leaves events out chunk by chunk, in parallel runs of chunks.
#[test]
fn left_out_evtx_events_are_counted_where_they_stood() {
    use evtx_writer::{EventSpec, Payload, write_evtx};
    let events: Vec<EventSpec> = (0..6000i64)
        .map(|i| EventSpec {
            provider: "Microsoft-Windows-DistributedCOM".into(),
            provider_guid: None,
            event_id: 10016,
            qualifiers: None,
            level: 3,
            // 1.5 s apart: even and odd seconds alternate in runs.
            time_unix_micros: 1_709_251_200_000_000 + i * 1_500_000,
            channel: "System".into(),
            computer: "PC".into(),
            payload: Payload::EventData(vec![("param1".into(), format!("value {i}"))]),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("System.evtx");
    fs::write(&p, write_evtx(&events)).unwrap();
    left_out_events_are_counted_where_they_stood(&[p]);
}

/// `analyze` keeps only the events diagnosis reads; its report is the same as from all
/// notable events, over the whole timeline or part of it.
#[test]
fn analyze_report_is_the_same_from_the_events_diagnosis_reads() {
    let mut inputs: Vec<PathBuf> =
        fs::read_dir(common::fixture("bundles")).unwrap().map(|e| e.unwrap().path()).collect();
    inputs.sort();
    if let Some(c) = common::corpus() {
        inputs.push(c.join("evtx"));
        inputs.push(c);
    }
    let report = |input: &PathBuf, retain: Option<fn(&Event<'_>) -> Retain>, since: Option<i64>| {
        let mut o = opts(ReadMode::Auto, 2, 8 << 20, Keep::Notable);
        o.parse.retain = retain;
        pipeline::run(std::slice::from_ref(input), &o, |a| {
            a.timeline.restrict(since.map(Timestamp), None);
            let d = diagnose::diagnose(
                &a.timeline.events,
                &a.timeline.notes,
                &a.log_spans(),
                diagnose::Options::default(),
            );
            let mut json = Vec::new();
            Report::new(a.bundle, a.parsed, a.timeline, &d).write_json(&mut json).unwrap();
            (String::from_utf8(json).unwrap(), a.timeline.left_out.len())
        })
    };
    let mut left_out = 0;
    for input in &inputs {
        // 2017-06-01, inside the corpus's event logs.
        for since in [None, Some(1_496_275_200_000_000)] {
            let all = report(input, None, since);
            let part = report(input, Some(diagnose::retain), since);
            assert!(all.0 == part.0, "{} (since {since:?}) differs", input.display());
            left_out += part.1;
        }
    }
    eprintln!("{left_out} events left out");
}

/// `batch` keeps only the events diagnosis reads too; each bundle's line is the same as from
/// all notable events.
#[test]
fn batch_lines_are_the_same_from_the_events_diagnosis_reads() {
    let mut dirs = vec![common::fixture("bundles")];
    dirs.extend(common::corpus());
    let entries = batch::discover(&dirs).unwrap();
    assert!(entries.len() > 3, "bundles to compare: {}", entries.len());
    let line = |entry: &batch::Entry, retain: Option<fn(&Event<'_>) -> Retain>| {
        let o = batch::Options {
            jobs: 1,
            window_us: diagnose::Options::default().window_us,
            open: OpenOptions::default(),
            parse: ParseOptions { keep: Keep::Notable, retain, ..ParseOptions::default() },
        };
        serde_json::to_string(&batch::analyse(entry, &o)).unwrap()
    };
    for e in &entries {
        assert_eq!(line(e, None), line(e, Some(diagnose::retain)), "{}", e.path.display());
    }
}
