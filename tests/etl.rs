//! The ETL reader on traces written by `tests/support/etl_writer.rs`: events, times and
//! offsets where they were put, damage reported and survived, and what cannot be decoded
//! counted and said.
#![allow(clippy::unwrap_used, reason = "test code")]

#[path = "support/etl_writer.rs"]
mod etl_writer;

use etl_writer::{Body, Trace, TraceEvent, Value, Zone, guid, waasmedic, wu};
use wutriage::bundle::{Bundle, Kind, OpenOptions};
use wutriage::event::{Level, Pos, Source};
use wutriage::parse::{self, IssueKind, Keep, OffsetSource, ParseOptions, ParsedArtifact, Texts};
use wutriage::time::Timestamp;

fn at(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    Timestamp::from_civil(y, mo, d, h, mi, s, 0).unwrap().as_micros()
}

/// Parses `bytes` as a file named `name`, recognised by content, keeping every event.
fn read(name: &str, bytes: Vec<u8>, keep: Keep) -> (Kind, ParsedArtifact<'static>) {
    let bundle: &'static Bundle =
        Box::leak(Box::new(Bundle::from_memory(name, bytes, &OpenOptions::default())));
    let texts: &'static Texts<'static> = Box::leak(Box::new(Texts::decode(bundle)));
    let opts = ParseOptions { keep, ..ParseOptions::default() };
    let kind = bundle.artifacts[0].kind;
    (kind, parse::parse(bundle, texts, &opts).remove(0))
}

fn sample() -> Trace {
    let t0 = at(2025, 4, 26, 12, 20, 44);
    let mut t = Trace::windows_update(t0, Zone::us_pacific());
    t.events = vec![
        wu(t0 + 6_051, 4, "Shared", "* START * Service startup"),
        wu(t0 + 750_000, 2, "Agent", "*FAILED* [80070002] wuauengcore.dll, fileutil.cpp @1030"),
        wu(
            t0 + 2_000_000,
            4,
            "ComApi",
            "Install call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)",
        ),
        waasmedic(t0 + 3_000_000, 2, "WaaSCurrencyDetector: stage 1 failed with hr = 0x800704cf."),
    ];
    t
}

#[test]
fn windows_update_events_read_as_the_text_log_gives_them() {
    let (kind, p) = read("WindowsUpdate.20250426.052044.386.1.etl", sample().bytes(), Keep::All);
    assert_eq!(kind, Kind::Etl);
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    assert_eq!(p.coverage.records, 4);
    assert_eq!(p.events.len(), 4);
    let e = &p.events;
    assert_eq!(e[0].source, Source::WindowsUpdate);
    assert_eq!(e[0].component, "Shared");
    assert_eq!(e[0].message, "* START * Service startup");
    assert_eq!(e[0].time.unwrap().to_string(), "2025-04-26T12:20:44.006051+00:00");
    assert_eq!(e[0].at.pos, Pos::Record(1));
    assert_eq!(e[1].level, Level::Error);
    assert_eq!(e[1].codes[0].as_hresult(), 0x8007_0002);
    assert_eq!(e[2].level, Level::Info);
    // WaaSMedic: the provider is the component, `m` the message, the name a field.
    assert_eq!(e[3].source, Source::Etl);
    assert_eq!(e[3].component, "Microsoft.Windows.WaaSMedic.Local");
    assert_eq!(e[3].field("event"), Some("Error"));
    assert_eq!(e[3].codes[0].as_hresult(), 0x8007_04CF);
    // The machine was at UTC-7 (Pacific daylight time): every event says so.
    assert_eq!(p.offsets.get(&(OffsetSource::EtlZone, -420)), Some(&5));
    assert_eq!(p.offsets.len(), 1);
}

#[test]
fn keeping_notable_events_keeps_the_failures() {
    let (_, all) = read("x.etl", sample().bytes(), Keep::All);
    let (_, notable) = read("x.etl", sample().bytes(), Keep::Notable);
    let want: Vec<_> = all.events.iter().filter(|e| e.is_notable()).collect();
    assert_eq!(notable.events.iter().collect::<Vec<_>>(), want);
    assert_eq!(notable.events.len(), 3, "the startup line is routine");
    assert_eq!(notable.coverage.records, 4);
}

#[test]
fn a_damaged_buffer_is_reported_and_the_rest_is_read() {
    let t0 = at(2024, 11, 3, 9, 0, 0);
    let mut t = Trace::windows_update(t0, Zone::fixed(60, "W. Europe"));
    // About 30 events a buffer: five buffers of events.
    for i in 0..150 {
        t.events.push(wu(
            t0 + i * 1_000_000,
            4,
            "Agent",
            &format!("routine line number {i} of the session, padded to a realistic length"),
        ));
    }
    let clean = t.bytes();
    let buffers = clean.len() / t.buffer_size;
    assert!(buffers >= 5, "{buffers}");
    let (_, whole) = read("x.etl", clean.clone(), Keep::All);
    assert_eq!(whole.coverage.records, 150);

    // A record that claims to run past its buffer loses that buffer's records.
    let mut bad = clean.clone();
    etl_writer::break_first_record(&mut bad, t.buffer_size, 2);
    let (kind, p) = read("x.etl", bad, Keep::All);
    assert_eq!(kind, Kind::Etl);
    let damaged: Vec<_> = p.issues.iter().filter(|i| i.kind == IssueKind::DamagedBuffer).collect();
    assert_eq!(damaged.len(), 1, "{:?}", p.issues);
    assert!(damaged[0].detail.contains("buffer at offset 0x2000"), "{}", damaged[0].detail);
    assert_eq!(p.coverage.damaged, 1);
    let lost = whole.coverage.records - p.coverage.records;
    assert!(lost > 10 && lost < 60, "{lost}");
    // The events after the damaged buffer are there, in order and on time.
    let last = p.events.last().unwrap();
    assert_eq!(last.message, whole.events.last().unwrap().message);
    assert_eq!(last.time, whole.events.last().unwrap().time);

    // A buffer header that lies about its size: the next buffer is found by the session's
    // buffer size.
    let mut bad = clean.clone();
    etl_writer::break_buffer_size(&mut bad, t.buffer_size, 3);
    let (_, p) = read("x.etl", bad, Keep::All);
    assert_eq!(p.issues.len(), 1, "{:?}", p.issues);
    assert!(p.issues[0].detail.contains("impossible size"));
    assert_eq!(p.events.last().unwrap().message, whole.events.last().unwrap().message);

    // A compressed buffer (which needs Windows' decompressor) is said, not read as records.
    let mut squeezed = clean.clone();
    let flag = etl_writer::buffer_offset(t.buffer_size, 2) + 0x34;
    squeezed[flag] |= 0x40;
    let (_, p) = read("x.etl", squeezed, Keep::All);
    assert_eq!(p.coverage.damaged, 0);
    assert_eq!(p.issues.len(), 1, "{:?}", p.issues);
    assert_eq!(p.issues[0].kind, IssueKind::Undecoded);
    assert!(p.issues[0].detail.starts_with("1 compressed buffer(s)"), "{}", p.issues[0].detail);
    assert!(p.coverage.records < whole.coverage.records);

    // Events the session lost while tracing are said: the trace has gaps.
    let mut gappy = clean.clone();
    gappy[0x68 + 0x30..0x68 + 0x34].copy_from_slice(&17u32.to_le_bytes());
    let (_, p) = read("x.etl", gappy, Keep::All);
    assert_eq!((p.coverage.damaged, p.coverage.records), (0, whole.coverage.records));
    assert_eq!(p.issues.len(), 1, "{:?}", p.issues);
    assert_eq!(p.issues[0].kind, IssueKind::EventsLost);
    assert!(p.issues[0].detail.contains("lost 17 event(s) and 0 buffer(s)"));

    // A trace cut short reads up to the cut.
    let mut cut = clean;
    cut.truncate(cut.len() - t.buffer_size / 2);
    let (_, p) = read("x.etl", cut, Keep::All);
    assert!(p.issues.iter().any(|i| i.detail.contains("ends inside it")), "{:?}", p.issues);
    assert!(p.coverage.records > 100);
}

#[test]
fn manifest_based_events_are_counted_and_said_to_be_undecoded() {
    let t0 = at(2019, 6, 5, 20, 4, 0);
    let mut t = Trace::windows_update(t0, Zone::us_pacific());
    t.logger = "Microsoft-Windows-Setup".into();
    t.clock = etl_writer::Clock::SystemTime;
    let setup = |s: i64, level, id| TraceEvent {
        time_unix_micros: t0 + s * 1_000_000,
        provider: guid(etl_writer::SETUP_PROVIDER),
        provider_name: None,
        level,
        pid: 1,
        tid: 2,
        body: Body::Manifest {
            id,
            version: 0,
            task: 1000,
            opcode: 0,
            payload: b"\x13\x01\0\0opaque\0".to_vec(),
        },
    };
    t.events = vec![setup(1, 4, 3), setup(2, 2, 7), setup(3, 4, 3)];
    t.events.push(TraceEvent { body: Body::Text("a plain string event".into()), ..setup(4, 4, 0) });
    let (_, p) = read("setup.etl", t.bytes(), Keep::All);
    assert_eq!(p.coverage.records, 4);
    assert_eq!(p.coverage.undecoded, 3);
    let undecoded: Vec<_> = p.issues.iter().filter(|i| i.kind == IssueKind::Undecoded).collect();
    assert_eq!(undecoded.len(), 1);
    let d = &undecoded[0].detail;
    assert!(d.starts_with("3 of 4 records (session Microsoft-Windows-Setup) not decoded"), "{d}");
    assert!(d.contains("75ebc33e-d017-4d0f-93ab-0b4f86579164"), "{d}");
    assert_eq!(p.coverage.damaged, 0);
    // Their time, provider, id and level are read; their payload is not guessed at.
    let e = &p.events[1];
    assert_eq!(e.event_id, Some(7));
    assert_eq!(e.level, Level::Error);
    assert_eq!(e.component, "{75ebc33e-d017-4d0f-93ab-0b4f86579164}");
    assert!(e.codes.is_empty() && !e.message.contains("opaque"));
    assert_eq!(e.time.unwrap().as_micros(), t0 + 2_000_000);
    assert_eq!(p.events[3].message, "a plain string event");
    // Under the default, the error is kept and the routine ones are only counted.
    let (_, n) = read("setup.etl", t.bytes(), Keep::Notable);
    assert_eq!(n.events.len(), 1);
}

#[test]
fn typed_tracelogging_fields_are_named_and_rendered() {
    let t0 = at(2025, 1, 10, 8, 0, 0);
    let mut t = Trace::waasmedic(t0, Zone::fixed(540, "Tokyo"));
    t.events.push(TraceEvent {
        time_unix_micros: t0,
        provider: guid("11111111-2222-3333-4444-555555555555"),
        provider_name: Some("Contoso.Updater".into()),
        level: 3,
        pid: 1,
        tid: 1,
        body: Body::TraceLogging {
            event: "InstallResult".into(),
            fields: vec![
                ("kb".into(), Value::U32(5_034_765)),
                ("hr".into(), Value::HResult(0x8007_0306)),
                ("ok".into(), Value::Bool(false)),
                ("when".into(), Value::FileTime(t0)),
                ("title".into(), Value::Counted("2024-02 Cumulative Update".into())),
            ],
        },
    });
    let (_, p) = read("contoso.etl", t.bytes(), Keep::All);
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    let e = &p.events[0];
    assert_eq!(e.component, "Contoso.Updater");
    assert_eq!(
        e.message,
        "InstallResult: kb=5034765; hr=0x80070306; ok=false; when=2025-01-10T08:00:00.000000+00:00; title=2024-02 Cumulative Update"
    );
    assert_eq!(e.field("hr"), Some("0x80070306"));
    assert_eq!(e.field("event"), Some("InstallResult"));
    assert_eq!(e.codes[0].as_hresult(), 0x8007_0306);
    assert_eq!(e.level, Level::Warning);
    assert_eq!(p.offsets.get(&(OffsetSource::EtlZone, 540)), Some(&2));
}

#[test]
fn a_file_named_etl_that_is_not_a_trace_is_skipped_with_a_reason() {
    let bundle =
        Bundle::from_memory("WindowsUpdate.20250426.etl", vec![7; 9000], &OpenOptions::default());
    let a = &bundle.artifacts[0];
    assert_eq!(a.kind, Kind::Unknown);
    assert!(a.note.as_deref().unwrap().contains("no trace header"));
    assert!(a.warn);
}
