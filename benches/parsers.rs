//! Throughput of each parser (MB/s), of the code extractor, and of `analyze` end to end on
//! a generated 100 MiB bundle.
//!
//! Parser inputs: a file of each kind from `../shared/corpus` when it is there (set
//! `WUTRIAGE_CORPUS` to point elsewhere), repeated to about 16 MiB; otherwise the fixture
//! logs repeated. The ETL input is a generated 16 MiB Windows Update trace (the
//! test-support ETL writer's `synthetic_wu`, as `examples/make-trace` writes it). `CMTrace` and
//! ReportingEvents.log inputs: smsts.log and ReportingEvents.log of the corpus, or the
//! configmgr-deployment scenario's logs, repeated (ReportingEvents.log to 8 MiB of UTF-16LE).
//! Event exports read as whole documents (XML, JSON, PowerShell table, Event Viewer CSV):
//! written for the bench, about 8 MiB each.
//! The end-to-end bundle is written by the `make-bundle` example into
//! `$WUTRIAGE_BUNDLE` (default `../bench-data/bundle-100MiB`, made when missing).
//! Run: `cargo bench --bench parsers`.

#![allow(clippy::unwrap_used, reason = "test and tool code")]

#[path = "../tests/support/etl_writer.rs"]
mod etl_writer;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::fs;
use std::path::{Path, PathBuf};
use wutriage::code::extract::CodeExtractor;
use wutriage::diagnose;
use wutriage::parse::{Keep, ParseOptions};
use wutriage::pipeline::{self, Options};
use wutriage::report::analyze::Report;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("WUTRIAGE_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    );
    dir.is_dir().then_some(dir)
}

/// Repeats a text log's lines to at least `target` bytes.
fn grow(src: &[u8], target: usize) -> Vec<u8> {
    let body = src.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(src);
    let mut out = Vec::with_capacity(target + body.len());
    out.extend_from_slice(b"\xEF\xBB\xBF");
    while out.len() < target {
        out.extend_from_slice(body);
        if !body.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

fn inputs(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundles/storage-0x80070306");
    let c = corpus();
    let pick = |rel: &str, fallback: &Path| {
        c.as_ref().map_or_else(|| fallback.to_path_buf(), |c| c.join(rel))
    };
    let text = [
        ("cbs", pick("cbs/EhsanHasani1380__CBS.log", &fixture.join("Logs/CBS/CBS.log")), "CBS.log"),
        ("dism", pick("dism/krynddi__dism.log", &fixture.join("Logs/CBS/CBS.log")), "dism.log"),
        (
            "wu",
            pick(
                "windowsupdate/josemct__WindowsUpdate.log",
                &fixture.join("Logs/WindowsUpdate.log"),
            ),
            "WindowsUpdate.log",
        ),
    ];
    let mut v = Vec::new();
    let export_src = c
        .as_ref()
        .map(|c| c.join("other/Appostarsi__V2.zip__system-events.txt"))
        .filter(|p| p.exists());
    let export = match export_src {
        Some(p) => fs::read(p).unwrap(),
        None => SYNTHETIC_EXPORT.as_bytes().to_vec(),
    };
    let sub = dir.join("export");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("system-events.txt"), grow(&export, 16 << 20)).unwrap();
    v.push(("export", sub));
    for (name, src, file) in text {
        let sub = dir.join(name);
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(file), grow(&fs::read(src).unwrap(), 16 << 20)).unwrap();
        v.push((name, sub));
    }
    // ConfigMgr's smsts.log (CMTrace records over several lines among them), else the
    // scenario's UpdatesDeployment.log.
    let cm = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bundles/configmgr-deployment/CCM/Logs/UpdatesDeployment.log");
    let sub = dir.join("cmtrace");
    fs::create_dir_all(&sub).unwrap();
    let cm = pick("cmtrace/ErnestoLeon87__smsts.log", &cm);
    fs::write(sub.join("smsts.log"), grow(&fs::read(cm).unwrap(), 16 << 20)).unwrap();
    v.push(("cmtrace", sub));
    // ReportingEvents.log is UTF-16LE: grown as text, written back as Windows writes it.
    let re = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "fixtures/bundles/configmgr-deployment/Windows/SoftwareDistribution/ReportingEvents.log",
    );
    let re = fs::read(pick("reportingevents/dcheva__ReportingEvents.log", &re)).unwrap();
    let units: Vec<u16> =
        re[2..].chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
    let grown = grow(String::from_utf16_lossy(&units).as_bytes(), 8 << 20);
    let text =
        String::from_utf8_lossy(grown.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&grown)).into_owned();
    let utf16: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let sub = dir.join("reportingevents");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("ReportingEvents.log"), utf16).unwrap();
    v.push(("reportingevents", sub));
    exports(dir, &mut v);
    let evtx = c.map_or_else(
        || fixture.join("EventLogs/System.evtx"),
        |c| c.join("evtx/anotherc0ne__System.evtx"),
    );
    let sub = dir.join("evtx");
    fs::create_dir_all(&sub).unwrap();
    fs::copy(evtx, sub.join("System.evtx")).unwrap();
    v.push(("evtx", sub));
    let sub = dir.join("etl");
    fs::create_dir_all(&sub).unwrap();
    // 2025-04-26T12:20:44Z, seed 7: the trace `make-trace --size 16MiB --seed 7` writes.
    let trace = etl_writer::synthetic_wu(16 << 20, 7, 1_745_670_044_000_000);
    fs::write(sub.join("WindowsUpdate.20250426.052044.386.1.etl"), trace.bytes()).unwrap();
    v.push(("etl", sub));
    v
}

/// A small `wevtutil qe /f:text` export written for the bench (used without the corpus).
const SYNTHETIC_EXPORT: &str = "Event[0]:\r\n  Log Name: System\r\n  Source: Microsoft-Windows-WindowsUpdateClient\r\n  Date: 2024-02-14T03:01:48.0000000Z\r\n  Event ID: 20\r\n  Task: Windows Update Agent\r\n  Level: Error\r\n  Computer: PC\r\n  Description: \r\nInstallation Failure: Windows failed to install the following update with error 0x80070306: 2024-02 Cumulative Update (KB5034765).\r\n\r\nEvent[1]:\r\n  Log Name: System\r\n  Source: Service Control Manager\r\n  Date: 2024-02-14T03:02:00.0000000Z\r\n  Event ID: 7036\r\n  Level: Information\r\n  Computer: PC\r\n  Description: \r\nThe Windows Update service entered the stopped state.\r\n\r\n";

/// The event exports read as whole documents, each written for the bench to about 8 MiB:
/// `wevtutil /f:xml` (concatenated `<Event>` elements), `Get-WinEvent | ConvertTo-Json` (one
/// array), `Get-EventLog` as a console table, and Event Viewer's CSV.
fn exports(dir: &Path, v: &mut Vec<(&'static str, PathBuf)>) {
    const SIZE: usize = 8 << 20;
    let repeat = |head: &str, item: &str, sep: &str, tail: &str| {
        let mut out = String::from(head);
        while out.len() < SIZE {
            out.push_str(item);
            out.push_str(sep);
        }
        out.truncate(out.len() - sep.len());
        out.push_str(tail);
        out
    };
    let xml = repeat("", XML_EVENTS, "\r\n", "\r\n");
    let json = repeat("[\r\n", JSON_EVENT, ",\r\n", "\r\n]\r\n");
    let table = repeat(TABLE_HEAD, TABLE_ROWS, "", "");
    let csv = repeat(CSV_HEAD, CSV_ROWS, "", "");
    for (name, file, text) in [
        ("export-xml", "System.xml", xml),
        ("export-json", "System.json", json),
        ("export-table", "System.txt", table),
        ("export-csv", "System.csv", csv),
    ] {
        let sub = dir.join(name);
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(file), text).unwrap();
        v.push((name, sub));
    }
}

const XML_EVENTS: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-WindowsUpdateClient'/><EventID>20</EventID><Level>2</Level><TimeCreated SystemTime='2024-02-14T02:01:44.1230000Z'/><EventRecordID>7</EventRecordID><Channel>System</Channel><Computer>PC1</Computer></System><EventData><Data Name='errorCode'>0x80070306</Data><Data Name='updateTitle'>KB5034765</Data></EventData></Event>\r\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Service Control Manager'/><EventID Qualifiers='16384'>7036</EventID><Level>4</Level><TimeCreated SystemTime='2024-02-14T02:02:00.0000000Z'/><Channel>System</Channel><Computer>PC1</Computer></System><EventData><Data Name='param1'>Windows Update</Data><Data Name='param2'>stopped</Data></EventData></Event>";

const JSON_EVENT: &str = "    {\r\n        \"TimeGenerated\":  \"\\/Date(1707876104000)\\/\",\r\n        \"EntryType\":  1,\r\n        \"Source\":  \"Microsoft-Windows-WindowsUpdateClient\",\r\n        \"EventID\":  20,\r\n        \"Message\":  \"Installation Failure: Windows failed to install the following update with error 0x80070306: KB5034765.\"\r\n    }";

const TABLE_HEAD: &str = "\r\n   Index Time          EntryType   Source                 InstanceID Message\r\n   ----- ----          ---------   ------                 ---------- -------\r\n";

const TABLE_ROWS: &str = "     812 Feb 14 02:01  Error       Microsoft-Windows...           20 Installation Failure: Windows failed to install the following update with error 0x80070306: KB5...\r\n     811 Feb 14 02:01  Information Service Control M...     1073748860 The Windows Update service entered the stopped state.\r\n";

const CSV_HEAD: &str = "Level,Date and Time,Source,Event ID,Task Category\r\n";

const CSV_ROWS: &str = "Error,2/14/2024 2:01:44 AM,Microsoft-Windows-WindowsUpdateClient,20,Windows Update Agent,\"Installation Failure: Windows failed to install the following update with error 0x80070306: KB5034765.\"\r\nInformation,2/14/2024 2:02:00 AM,Service Control Manager,7036,None,\"The Windows Update service entered the stopped state.\"\r\n";

fn dir_bytes(d: &Path) -> u64 {
    fs::read_dir(d).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum()
}

fn parsers(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = c.benchmark_group("parse");
    g.sample_size(10);
    for (name, dir) in inputs(tmp.path()) {
        g.throughput(Throughput::Bytes(dir_bytes(&dir)));
        for threads in [1, 2] {
            let opts = Options {
                parse: ParseOptions { keep: Keep::Notable, ..ParseOptions::default() },
                threads: Some(threads),
                ..Options::default()
            };
            g.bench_with_input(BenchmarkId::new(name, format!("{threads}t")), &dir, |b, dir| {
                b.iter(|| {
                    pipeline::run(std::slice::from_ref(dir), &opts, |a| a.timeline.events.len())
                });
            });
        }
    }
    g.finish();
}

fn extraction(c: &mut Criterion) {
    let lines = [
        "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]",
        "00000008@2023/5/17:15:44:12.956 (F) Error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) originated in function X[gle=0x80004005]",
        "*FAILED* [80248007] ISusInternal:: GetUpdateMetadata3",
        "Loaded Servicing Stack v10.0.19041.2905 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack\\cbscore.dll",
        "Appl: detect Parent, Package: Package_for_KB5026039~31bf3856ad364e35~amd64~~22621.1554.1.1, Parent: Microsoft-Windows-ContainerOSPlusEdition",
    ];
    let text: String = lines.iter().cycle().take(50_000).flat_map(|l| [*l, "\n"]).collect();
    let ex = CodeExtractor::new();
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("codes", |b| {
        b.iter(|| text.lines().map(|l| ex.extract(l).len()).sum::<usize>());
    });
    g.finish();
}

/// The generated 100 MiB bundle, made with the `make-bundle` example when missing.
fn bundle_100mib() -> PathBuf {
    let dir = std::env::var_os("WUTRIAGE_BUNDLE").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bench-data/bundle-100MiB"),
        PathBuf::from,
    );
    if !dir.is_dir() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["run", "--release", "--quiet", "--example", "make-bundle", "--"])
            .args(["--size", "100MiB", "--seed", "7", "--out"])
            .arg(&dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "make-bundle failed");
    }
    dir
}

fn tree_bytes(d: &Path) -> u64 {
    fs::read_dir(d)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                tree_bytes(&e.path())
            } else {
                e.metadata().unwrap().len()
            }
        })
        .sum()
}

fn end_to_end(c: &mut Criterion) {
    let dir = bundle_100mib();
    let mut g = c.benchmark_group("analyze");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(tree_bytes(&dir)));
    for threads in [1, 2] {
        let opts = Options { threads: Some(threads), ..Options::default() };
        g.bench_with_input(
            BenchmarkId::new("bundle-100MiB", format!("{threads}t")),
            &dir,
            |b, d| {
                b.iter(|| {
                    pipeline::run(std::slice::from_ref(d), &opts, |a| {
                        let spans = a.log_spans();
                        let d = diagnose::diagnose(
                            &a.timeline.events,
                            &a.timeline.notes,
                            &spans,
                            diagnose::Options::default(),
                        );
                        let mut out = Vec::new();
                        Report::new(a.bundle, a.parsed, a.timeline, &d)
                            .write_table(&mut out)
                            .unwrap();
                        out.len()
                    })
                });
            },
        );
    }
    g.finish();
}

criterion_group!(benches, parsers, extraction, end_to_end);
criterion_main!(benches);
