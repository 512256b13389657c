//! The ETL reader against an independent decoder: `etl2xml` from the `PyPI` package
//! `etl-parser` (pure Python, decodes TraceLogging off Windows). On every .etl of the corpus
//! and on traces from `tests/support/etl_writer.rs`, both must find the same events, in the
//! same order, with the same names and the same text.
//!
//! Without python or the package the test prints "skipped: etl2xml not found", except under
//! CI (`CI` set), where it fails: .ci/run installs the package. `ETL2XML` may name the
//! script.
#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;
#[path = "support/etl_writer.rs"]
mod etl_writer;

use etl_writer::{Trace, Zone, waasmedic, wu};
use quick_xml::events::Event as Xml;
use std::path::{Path, PathBuf};
use std::process::Command;
use wutriage::bundle::{Bundle, OpenOptions};
use wutriage::event::Source;
use wutriage::parse::{self, Keep, ParseOptions, Texts};

/// The `etl2xml` script: `$ETL2XML`, on the PATH, or beside the python3 that has the package.
fn etl2xml() -> Option<PathBuf> {
    let runs = |p: &Path| Command::new(p).arg("--help").output().is_ok_and(|o| o.status.success());
    let from_env = std::env::var_os("ETL2XML").map(PathBuf::from);
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).map(|d| d.join("etl2xml")).find(|p| p.is_file())
    });
    let beside_python = Command::new("python3")
        .args([
            "-c",
            "import etl.parsers.tracelogging, sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("etl2xml"));
    let found = [from_env, on_path, beside_python].into_iter().flatten().find(|p| runs(p));
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "etl2xml not found, and CI must run the cross-check (.ci/run installs etl-parser)"
        );
        eprintln!("skipped: etl2xml not found (python3 -m pip install etl-parser==1.0.1)");
    }
    found
}

/// (event name, its first attribute's value) of every TraceLogging event etl2xml wrote, in
/// order; `None` when etl2xml fails on the file.
fn decode_with_etl2xml(tool: &Path, etl: &Path, dir: &Path) -> Option<Vec<(String, String)>> {
    let xml = dir.join("out.xml");
    let out = Command::new(tool).arg("-i").arg(etl).arg("-o").arg(&xml).output().unwrap();
    if !out.status.success() {
        return None;
    }
    let text = std::fs::read_to_string(&xml).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut events = Vec::new();
    let mut name = None;
    loop {
        match reader.read_event().unwrap() {
            Xml::Start(e) | Xml::Empty(e) => match e.name().as_ref() {
                b"tracelogging" => {
                    let a = e.try_get_attribute("name").unwrap().unwrap();
                    name = Some(a.unescape_value().unwrap().into_owned());
                }
                b"attribute" if name.is_some() => {
                    let a = e.try_get_attribute("value").unwrap().unwrap();
                    let v = a.unescape_value().unwrap().into_owned();
                    events.push((name.take().unwrap(), v));
                }
                _ => {}
            },
            Xml::End(e) if e.name().as_ref() == b"tracelogging" => {
                // An event without fields.
                if let Some(n) = name.take() {
                    events.push((n, String::new()));
                }
            }
            Xml::Eof => break,
            _ => {}
        }
    }
    Some(events)
}

/// The same from our reader: WindowsUpdate events by component, others by their `event`
/// field; manifest-based events (which etl2xml cannot decode either) are left out.
fn decode_with_wutriage(bytes: Vec<u8>) -> (u64, Vec<(String, String)>) {
    let bundle = Bundle::from_memory("trace.etl", bytes, &OpenOptions::default());
    let texts = Texts::decode(&bundle);
    let opts = ParseOptions { keep: Keep::All, ..ParseOptions::default() };
    let p = parse::parse(&bundle, &texts, &opts).remove(0);
    assert_eq!(p.coverage.damaged, 0, "{:?}", p.issues);
    let events = p
        .events
        .iter()
        .filter(|e| e.event_id.is_none())
        .map(|e| match e.source {
            Source::WindowsUpdate => (e.component.to_string(), e.message.to_string()),
            _ => (e.field("event").unwrap_or_default().to_string(), e.message.to_string()),
        })
        .collect();
    (p.coverage.records, events)
}

fn compare(tool: &Path, file: &Path, bytes: Vec<u8>) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let (records, ours) = decode_with_wutriage(bytes);
    let Some(theirs) = decode_with_etl2xml(tool, file, dir.path()) else {
        // etl2xml 1.0.1 crashes on manifest-based traces (COUNTS.md); ours counts them.
        eprintln!("{}: etl2xml failed; wutriage read {records} records", file.display());
        assert!(records > 0, "{}", file.display());
        return 0;
    };
    assert_eq!(ours.len(), theirs.len(), "{}: event counts", file.display());
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "{}: event {i}", file.display());
    }
    eprintln!("{}: {} events agree", file.display(), ours.len());
    ours.len()
}

#[test]
fn the_corpus_traces_decode_as_etl2xml_decodes_them() {
    let Some(dir) = common::corpus() else { return };
    let Some(tool) = etl2xml() else { return };
    let mut files: Vec<PathBuf> = ["other", "etl"]
        .iter()
        .flat_map(|d| std::fs::read_dir(dir.join(d)).unwrap().flatten().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "etl"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    let agreed: usize = files.iter().map(|f| compare(&tool, f, std::fs::read(f).unwrap())).sum();
    // 173 + 127 Windows Update events and 39 WaaSMedic ones (COUNTS.md).
    assert_eq!(agreed, 339);
}

#[test]
fn written_traces_decode_as_etl2xml_decodes_them() {
    let Some(tool) = etl2xml() else { return };
    let dir = tempfile::tempdir().unwrap();
    let t0 = 1_745_670_044_000_000;
    let mut t = Trace::windows_update(t0, Zone::central_europe());
    t.events = vec![
        wu(t0, 4, "Shared", "* START * Service startup"),
        wu(
            t0 + 10,
            2,
            "Agent",
            "*FAILED* [80070306] Install failed for KB5055523 — “quoted” & <tagged>",
        ),
        wu(t0 + 20, 4, "Handler", "multi-line\r\nmessage\twith a tab"),
        waasmedic(t0 + 30, 2, "WaaSCurrencyDetector: stage 3 failed with hr = 0x80070002."),
    ];
    // Enough events to fill several buffers.
    for i in 0..400 {
        t.events.push(wu(t0 + 100 + i, 4, "Misc", &format!("routine line {i}")));
    }
    let mut total = 0;
    for (name, trace) in [("small", t), ("generated", etl_writer::synthetic_wu(1 << 20, 7, t0))] {
        let path = dir.path().join(format!("{name}.etl"));
        let bytes = trace.bytes();
        std::fs::write(&path, &bytes).unwrap();
        total += compare(&tool, &path, bytes);
    }
    assert!(total > 2000, "{total}");
}
