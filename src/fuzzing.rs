//! Entry points for the fuzz targets in `fuzz/` and for `tests/fuzz_regressions.rs`, which
//! replays what the fuzzers found. Each one runs real code paths on arbitrary bytes and
//! checks properties that must hold for any input, beyond "does not panic".
//!
//! Not a stable API.

use crate::bundle::{Bundle, Kind, OpenOptions};
use crate::code::extract::CodeExtractor;
use crate::parse::{self, Keep, ParseOptions, ParsedArtifact, Texts};
use crate::timeline::Timeline;

/// Cap on archive output while fuzzing: large enough for real members, small enough that a
/// bomb is cheap.
const FUZZ_ARCHIVE_CAP: u64 = 16 << 20;

/// A fuzz target: its name (the folder of its findings) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, for the replay test.
pub const TARGETS: &[Target] = &[
    ("cbs", cbs),
    ("windowsupdate", windowsupdate),
    ("windowsupdate_legacy", windowsupdate_legacy),
    ("export", export),
    ("fragment", fragment),
    ("evtx", evtx),
    ("etl", etl),
    ("extract", extract),
    ("sniff", sniff),
    ("zip", zip),
    ("cab", cab),
    ("setup", setup),
    ("cmtrace", cmtrace),
    ("reportingevents", reportingevents),
    ("exports", exports),
];

/// A summary of one parse that must not depend on how the text was cut into pieces.
fn digest(p: &ParsedArtifact<'_>) -> String {
    format!("{:?}|{:?}|{:?}", p.coverage, p.issues, p.events)
}

/// Parses `data` as `kind`, whole and cut into small pieces, and checks that both agree.
fn grammar(kind: Kind, name: &str, data: &[u8]) {
    let c = grammar_pieces(kind, name, data);
    assert!(c.records <= c.lines, "more records than lines");
    assert!(c.events <= c.lines, "more events than lines");
}

/// [`grammar`]'s checks but the one record a line, for grammars whose records end at a
/// marker rather than at a line end; returns the coverage of the whole parse.
fn grammar_pieces(kind: Kind, name: &str, data: &[u8]) -> crate::parse::Coverage {
    let bundle = Bundle::from_memory_as(name, data.to_vec(), kind);
    let texts = Texts::decode(&bundle);
    let whole = ParseOptions { keep: Keep::All, ..ParseOptions::default() };
    let a = parse::parse(&bundle, &texts, &whole);
    let small = ParseOptions { piece_bytes: 64, ..whole };
    let b = parse::parse(&bundle, &texts, &small);
    assert_eq!(digest(&a[0]), digest(&b[0]), "pieces changed the result");
    // The prefilter may only skip records that could not be notable.
    let notable = ParseOptions { keep: Keep::Notable, ..ParseOptions::default() };
    let n = parse::parse(&bundle, &texts, &notable);
    let expected: Vec<_> = a[0].events.iter().filter(|e| e.is_notable()).collect();
    assert_eq!(
        format!("{:?}", n[0].events.iter().collect::<Vec<_>>()),
        format!("{expected:?}"),
        "keeping notable events is not the notable subset of all events"
    );
    a[0].coverage.clone()
}

/// Builds the timeline of one parsed artifact and diagnoses it (seeds, rules, incidents).
fn diagnose_one(parsed: &mut Vec<ParsedArtifact<'_>>) {
    let timeline = Timeline::build(parsed, None);
    let _ = crate::diagnose::diagnose(
        &timeline.events,
        &timeline.notes,
        &[],
        crate::diagnose::Options::default(),
    );
}

/// Configuration Manager (`CMTrace`) logs: whole or in pieces the same result (names of
/// updates given by one record to another's id included), the notable events the notable
/// subset of all, no more records than record ends (`]LOG]!>`), and diagnosis runs on them.
pub fn cmtrace(data: &[u8]) {
    let c = grammar_pieces(Kind::CmTrace, "UpdatesDeployment.log", data);
    // Text read as it is (not taken for UTF-16 or another encoding): each record has its end,
    // whole or cut by a wrap (a line break, then quote markers and spaces).
    if let Ok(text) = std::str::from_utf8(data)
        && !data.contains(&0)
    {
        let mut joined = String::with_capacity(text.len());
        for (k, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line = if k == 0 {
                line
            } else {
                line.trim_start_matches(|c| c == '>' || crate::shapes::lenient::is_space(c))
            };
            joined.push_str(line);
        }
        let ends = memchr::memmem::find_iter(joined.as_bytes(), b"]LOG]!>").count() as u64;
        assert!(c.records <= ends, "more records than record ends: {} > {ends}", c.records);
    }
    assert!(c.events <= c.records, "more events than records");
    let bundle = Bundle::from_memory_as("UpdatesDeployment.log", data.to_vec(), Kind::CmTrace);
    let texts = Texts::decode(&bundle);
    let mut parsed = parse::parse(&bundle, &texts, &ParseOptions::default());
    diagnose_one(&mut parsed);
}

/// ReportingEvents.log (as given, and as UTF-16LE with its byte-order mark, as Windows
/// writes it): one record a line, whole or in pieces the same, notable a subset, and
/// diagnosis runs on it.
pub fn reportingevents(data: &[u8]) {
    grammar(Kind::ReportingEvents, "ReportingEvents.log", data);
    let text = String::from_utf8_lossy(data);
    let utf16: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    grammar(Kind::ReportingEvents, "ReportingEvents.log", &utf16);
    for bytes in [data.to_vec(), utf16] {
        let bundle = Bundle::from_memory_as("ReportingEvents.log", bytes, Kind::ReportingEvents);
        let texts = Texts::decode(&bundle);
        let mut parsed = parse::parse(&bundle, &texts, &ParseOptions::default());
        diagnose_one(&mut parsed);
    }
}

/// Event-log exports read as whole documents: `wevtutil /f:xml`, PowerShell JSON and table
/// text, Event Viewer CSV and tab text. No more events than records, the notable events the
/// notable subset of all, and the same result whatever the piece size; then diagnosis.
/// Sniffing under their usual names picks some reader without failing.
pub fn exports(data: &[u8]) {
    let kinds = [
        (Kind::EventXml, "System.xml"),
        (Kind::EventJson, "System.json"),
        (Kind::EventTable, "System.txt"),
        (Kind::EventCsv, "System.csv"),
    ];
    for (kind, name) in kinds {
        let c = grammar_pieces(kind, name, data);
        assert!(c.events <= c.records, "{name}: more events than records");
        let bundle = Bundle::from_memory_as(name, data.to_vec(), kind);
        let texts = Texts::decode(&bundle);
        let mut parsed = parse::parse(&bundle, &texts, &ParseOptions::default());
        diagnose_one(&mut parsed);
        let sniffed = Bundle::from_memory(name, data.to_vec(), &fuzz_open());
        assert!(!sniffed.artifacts.is_empty(), "a file vanished");
        run_all(&sniffed);
    }
}

/// CBS.log / CbsPersist / dism.log grammar.
pub fn cbs(data: &[u8]) {
    grammar(Kind::Cbs, "CBS.log", data);
    grammar(Kind::Dism, "dism.log", data);
}

/// Windows 10+ WindowsUpdate.log grammar.
pub fn windowsupdate(data: &[u8]) {
    grammar(Kind::WindowsUpdate, "WindowsUpdate.log", data);
}

/// Windows 7/8 WindowsUpdate.log grammar.
pub fn windowsupdate_legacy(data: &[u8]) {
    grammar(Kind::WindowsUpdateLegacy, "WindowsUpdate.log", data);
}

/// `wevtutil qe /f:text` exports.
pub fn export(data: &[u8]) {
    grammar(Kind::EventExport, "System.txt", data);
}

/// The lenient readers of pasted text: fragments of any line grammar and text of no known
/// format, events copied out of Event Viewer, PowerShell event lists. Every event kept by
/// default is one kept when all are, no more records or events than lines, and the
/// diagnosis (where untimed records seed incidents) runs on what they read.
pub fn fragment(data: &[u8]) {
    for kind in [Kind::Text, Kind::EventViewerText, Kind::EventList] {
        let bundle = Bundle::from_memory_as("ticket.txt", data.to_vec(), kind);
        let texts = Texts::decode(&bundle);
        let all = ParseOptions { keep: Keep::All, ..ParseOptions::default() };
        let a = parse::parse(&bundle, &texts, &all);
        let n = parse::parse(&bundle, &texts, &ParseOptions { keep: Keep::Notable, ..all });
        let every: Vec<String> = a[0].events.iter().map(|e| format!("{e:?}")).collect();
        for e in &n[0].events {
            assert!(every.contains(&format!("{e:?}")), "{kind:?}: a kept event is not among all");
        }
        let c = &a[0].coverage;
        assert!(c.records <= c.lines.max(1), "{kind:?}: more records than lines");
        assert!(c.events <= c.lines.max(1), "{kind:?}: more events than lines");
        assert!(c.untimed <= c.records, "{kind:?}: more records without a time than records");
        let timeline = Timeline::build(&mut parse::parse(&bundle, &texts, &all), None);
        let d = crate::diagnose::diagnose(
            &timeline.events,
            &timeline.notes,
            &[],
            crate::diagnose::Options::default(),
        );
        for i in &d.incidents {
            let n = timeline.events.len();
            assert!(i.headline_event < n, "{kind:?}: a headline past the events");
            assert!(
                i.untimed.iter().all(|&e| e < n),
                "{kind:?}: an untimed record past the events"
            );
        }
    }
}

/// .evtx through the evtx crate and our field mapping.
pub fn evtx(data: &[u8]) {
    let bundle = Bundle::from_memory_as("System.evtx", data.to_vec(), Kind::Evtx);
    let texts = Texts::decode(&bundle);
    let opts = ParseOptions { keep: Keep::All, ..ParseOptions::default() };
    let mut parsed = parse::parse(&bundle, &texts, &opts);
    // Records judged from their BinXML alone may only be ones that could not be notable.
    let notable = parse::parse(&bundle, &texts, &ParseOptions { keep: Keep::Notable, ..opts });
    let expected: Vec<_> = parsed[0].events.iter().filter(|e| e.is_notable()).collect();
    assert_eq!(
        format!("{:?}", notable[0].events.iter().collect::<Vec<_>>()),
        format!("{expected:?}"),
        "keeping notable events is not the notable subset of all events"
    );
    // Events left out before they are built are the ones `retain` would leave out after.
    for keep in [Keep::All, Keep::Notable] {
        let late = ParseOptions { keep, retain: Some(crate::diagnose::retain), ..opts.clone() };
        let early =
            ParseOptions { retain_unread: Some(crate::diagnose::unread_evtx), ..late.clone() };
        let sum = |o: &ParseOptions| {
            let p = parse::parse(&bundle, &texts, o);
            format!("{}|{:?}", digest(&p[0]), p[0].left_out)
        };
        assert_eq!(sum(&early), sum(&late), "events left out early differ ({keep:?})");
    }
    let _ = Timeline::build(&mut parsed, None);
    if let Err(e) = evtx_built_records(data) {
        panic!("{e}");
    }
}

/// ETW traces (.etl): the buffer walk, the session header, events and TraceLogging. No more
/// records than the bytes can hold, events only from records, damage counted as reported
/// (one by one up to a cap), and the notable events the notable subset of all.
pub fn etl(data: &[u8]) {
    let bundle = Bundle::from_memory_as("WindowsUpdate.etl", data.to_vec(), Kind::Etl);
    let texts = Texts::decode(&bundle);
    let opts = ParseOptions { keep: Keep::All, ..ParseOptions::default() };
    let mut parsed = parse::parse(&bundle, &texts, &opts);
    let p = &parsed[0];
    let c = &p.coverage;
    assert!(c.events <= c.records, "more events than records");
    assert!(c.undecoded <= c.records, "more undecoded records than records");
    // A record takes at least 8 bytes.
    assert!(c.records <= data.len() as u64 / 8, "more records than the bytes can hold");
    let damage = p
        .issues
        .iter()
        .filter(|i| {
            !matches!(
                i.kind,
                parse::IssueKind::Undecoded
                    | parse::IssueKind::NoRecords
                    | parse::IssueKind::LongRecord
                    | parse::IssueKind::EventCap
                    | parse::IssueKind::EventsLost
            )
        })
        .count();
    assert_eq!(c.damaged == 0, damage == 0, "damage reported and counted differ");
    assert!(damage <= 34, "damage reported one by one beyond the cap: {damage}");
    let notable = parse::parse(&bundle, &texts, &ParseOptions { keep: Keep::Notable, ..opts });
    let expected: Vec<_> = p.events.iter().filter(|e| e.is_notable()).collect();
    assert_eq!(
        format!("{:?}", notable[0].events.iter().collect::<Vec<_>>()),
        format!("{expected:?}"),
        "keeping notable events is not the notable subset of all events"
    );
    assert_eq!(notable[0].coverage.records, c.records, "keeping changed the records read");
    let _ = Timeline::build(&mut parsed, None);
}

/// That the chunks wutriage finds in an .evtx file, straight from its bytes, are the ones
/// the crate's chunk iterator yields, in its order, with the same bytes or error. Returns
/// how many chunks it yielded.
pub fn evtx_chunks(data: &[u8]) -> Result<usize, String> {
    parse::evtx::check_chunks(data)
}

/// For every record of an .evtx file that is built from its template values, that the
/// record equals the one read from the crate's JSON rendering. Returns how many records
/// were built and how many read.
pub fn evtx_built_records(data: &[u8]) -> Result<(usize, usize), String> {
    parse::evtx::check_built_records(data)
}

/// The code extractor: every code it returns appears in the text it was given.
pub fn extract(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let ex = CodeExtractor::new();
    let codes = ex.extract(&text);
    assert!(codes.len() <= text.len(), "more codes than bytes");
}

/// Content sniffing and decoding under a few names, then whatever parser it chose.
pub fn sniff(data: &[u8]) {
    for name in ["CBS.log", "dism.log", "WindowsUpdate.log", "System.evtx", "notes.txt"] {
        let bundle = Bundle::from_memory(name, data.to_vec(), &fuzz_open());
        assert!(!bundle.artifacts.is_empty(), "a file vanished");
        run_all(&bundle);
    }
}

/// Zip archives (members are sniffed and parsed too).
pub fn zip(data: &[u8]) {
    let bundle = Bundle::from_memory("upload.zip", data.to_vec(), &fuzz_open());
    check_archive(&bundle);
    run_all(&bundle);
}

/// Cabinet archives (CbsPersist_*.cab).
pub fn cab(data: &[u8]) {
    let bundle = Bundle::from_memory("CbsPersist_1.cab", data.to_vec(), &fuzz_open());
    check_archive(&bundle);
    run_all(&bundle);
}

fn fuzz_open() -> OpenOptions {
    OpenOptions { max_archive_bytes: FUZZ_ARCHIVE_CAP, ..OpenOptions::default() }
}

fn check_archive(bundle: &Bundle) {
    let total: u64 = bundle.artifacts.iter().map(|a| a.bytes().len() as u64).sum();
    assert!(total <= FUZZ_ARCHIVE_CAP, "archive cap exceeded: {total}");
    for a in &bundle.artifacts {
        assert!(
            !a.path.split('/').any(|c| c == ".." || c == "."),
            "unsafe member path {:?}",
            a.path
        );
    }
}

/// Windows Setup's files: setupact/setuperr and setupapi (cut into pieces or whole, the same
/// result), the compatibility report, diagerr and SetupDiag readers (whole documents); what
/// `Keep::Notable` keeps is a subset of what `Keep::All` keeps; and the feature-update
/// analysis and its rules run on the result without panicking.
pub fn setup(data: &[u8]) {
    let kinds = [
        (Kind::SetupLog, "setupact.log"),
        (Kind::SetupApi, "setupapi.dev.log"),
        (Kind::CompatReport, "CompatData_2024_01_02_03_04_05_0.xml"),
        (Kind::SetupErrorsXml, "diagerr.xml"),
        (Kind::SetupDiag, "SetupDiagResults.log"),
    ];
    for (kind, name) in kinds {
        let bundle = Bundle::from_memory_as(name, data.to_vec(), kind);
        let texts = Texts::decode(&bundle);
        let whole = ParseOptions { keep: Keep::All, ..ParseOptions::default() };
        let mut a = parse::parse(&bundle, &texts, &whole);
        let small = ParseOptions { piece_bytes: 64, ..whole.clone() };
        let b = parse::parse(&bundle, &texts, &small);
        assert_eq!(digest(&a[0]), digest(&b[0]), "pieces changed the result ({name})");
        let n = parse::parse(&bundle, &texts, &ParseOptions { keep: Keep::Notable, ..whole });
        let all: Vec<String> = a[0].events.iter().map(|e| format!("{e:?}")).collect();
        for e in &n[0].events {
            assert!(all.contains(&format!("{e:?}")), "{name}: a notable event not in all events");
        }
        let c = &a[0].coverage;
        assert!(c.records <= c.lines.max(1), "{name}: more records than lines");
        let timeline = Timeline::build(&mut a, None);
        let _ = crate::diagnose::diagnose(
            &timeline.events,
            &timeline.notes,
            &[],
            crate::diagnose::Options::default(),
        );
    }
}

fn run_all(bundle: &Bundle) {
    let texts = Texts::decode(bundle);
    let mut parsed = parse::parse(bundle, &texts, &ParseOptions::default());
    let _ = Timeline::build(&mut parsed, None);
}
