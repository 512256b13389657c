//! Parsing: artifacts become normalized [`Event`]s, [`ParseIssue`]s and [`Coverage`].
//!
//! Work is split into jobs (whole evtx files, and pieces of text files cut at record
//! boundaries) that run on rayon; results are merged back in file and piece order, so the
//! output is the same for any thread count. Parsers know nothing of rules.

pub mod cmtrace;
pub mod etl;
pub mod evtx;
pub mod export;
pub mod ident;
pub mod setup;
pub mod text;

use text::fragment::Hint;
pub use text::{cbs, wu};
use text::{lines, prefilter};

use crate::bundle::{Artifact, Bundle, Kind, decode, decode::Decoded};
use crate::clock::evidence::ClockClues;
use crate::code::extract::CodeExtractor;
use crate::event::{Event, Note, Pos, Source};
use crate::machine::MachineClues;
use crate::time::{TimeBase, Timestamp};
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

/// Which events to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// Every record becomes an event.
    All,
    /// Only events with a code, a warning-or-worse level, a known event id or failure words
    /// ([`Event::is_notable`]); the rest are only counted.
    #[default]
    Notable,
}

/// Options for [`parse`].
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Which events to keep.
    pub keep: Keep,
    /// Of those, only events this keeps are kept; the others are counted (and their times
    /// kept, so counts over a time range stay right) with the [`Note`] it gives. The caller
    /// knows which events it reads (`analyze` passes [`crate::diagnose::retain`]); parsers
    /// know nothing of it. It sees each event before its location is final, so it must not
    /// read `at`.
    pub retain: Option<fn(&Event<'_>) -> Retain>,
    /// With `retain`: for an .evtx event with no code, `Some(note)` from this (given its
    /// provider's family, its id, its message and a way to its KB) must mean that `retain`
    /// leaves it out with that note; such events are then left out before they are built
    /// (`analyze` passes [`crate::diagnose::unread_evtx`]).
    pub retain_unread: Option<evtx::Unread>,
    /// Text files larger than this are split into pieces parsed in parallel.
    pub piece_bytes: usize,
    /// At most this many events are kept per artifact; the coverage says when the cap hit.
    pub max_events_per_artifact: usize,
    /// Records (a line and its continuation lines) longer than this are cut to it, at a
    /// character boundary, before codes are looked for.
    pub max_record_bytes: usize,
}

/// Default cap on events kept per artifact.
pub const DEFAULT_MAX_EVENTS: usize = 5_000_000;

/// Default cap on one record's length: far above any real CBS, DISM or WindowsUpdate record.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            keep: Keep::Notable,
            retain: None,
            retain_unread: None,
            // Small enough that a piece checked as UTF-8 is still in cache when it is parsed.
            piece_bytes: 1 << 20,
            max_events_per_artifact: DEFAULT_MAX_EVENTS,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// What kind of damage or limit a [`ParseIssue`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IssueKind {
    /// A line looked like a record header but its date or time is impossible.
    BadTimestamp,
    /// A file of a known kind held no record at all.
    NoRecords,
    /// The evtx file header could not be read.
    BadHeader,
    /// An evtx chunk could not be read; its records are lost.
    DamagedChunk,
    /// An evtx record could not be read.
    DamagedRecord,
    /// The parser panicked on this input (a bug); the rest of the bundle was still read.
    ParserPanicked,
    /// The per-artifact event cap was reached; later events were counted but not kept.
    EventCap,
    /// Records longer than the record cap were cut.
    LongRecord,
    /// The file shrank while it was read (another process truncated it).
    FileChanged,
    /// NUL bytes in a text log: what a log looks like when the machine stopped while it
    /// was being written.
    NulBytes,
    /// A document (XML, JSON) does not parse from some point on; what came before was read.
    Malformed,
    /// An .etl buffer could not be read (its header lies, or a record runs past it); its
    /// records, or those after the damage, are lost.
    DamagedBuffer,
    /// Records counted but not decoded: an .etl's manifest-based events, WPP messages or
    /// compressed buffers, which need what only Windows has.
    Undecoded,
    /// The tracing session lost events or buffers while it wrote the .etl (its header
    /// counts them): the trace has gaps that no reader can fill.
    EventsLost,
}

/// A problem inside one artifact that did not stop the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ParseIssue {
    /// What happened.
    pub kind: IssueKind,
    /// Where, when known.
    #[serde(skip)]
    pub pos: Option<Pos>,
    /// A short description.
    pub detail: String,
}

/// How much of an artifact was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Coverage {
    /// Physical lines (text) — 0 for evtx.
    pub lines: u64,
    /// Records read (timestamped records in text; undamaged records in evtx).
    pub records: u64,
    /// Records carved from evtx slack space.
    pub recovered: u64,
    /// Lines that belong to no record (before the first one).
    pub unattributed_lines: u64,
    /// Damaged parts (bad lines, chunks, records).
    pub damaged: u64,
    /// Invalid text sequences replaced while decoding.
    pub replaced_chars: u64,
    /// Events kept for the timeline.
    pub events: u64,
    /// Records counted but not decoded (.etl records that need a manifest).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub undecoded: u64,
    /// Read by the lenient reader of pasted fragments: copy prefixes, changed spacing,
    /// redacted times and wrapped lines were expected.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub lenient: bool,
    /// Lines whose layout had been changed on the way (a copy prefix, collapsed or shortened
    /// padding, TABs or other spaces, a redacted time) and that were read by their tokens.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub repaired_lines: u64,
    /// Records without a time (redacted or cut off): read, but not on the timeline.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub untimed: u64,
    /// Earliest record time, in the source's time base.
    #[serde(skip)]
    pub first: Option<Timestamp>,
    /// Latest record time, in the source's time base.
    #[serde(skip)]
    pub last: Option<Timestamp>,
}

impl Coverage {
    fn see_time(&mut self, t: Timestamp) {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
    }

    fn absorb(&mut self, o: &Coverage) {
        self.lenient |= o.lenient;
        self.repaired_lines += o.repaired_lines;
        self.untimed += o.untimed;
        self.lines += o.lines;
        self.records += o.records;
        self.recovered += o.recovered;
        self.unattributed_lines += o.unattributed_lines;
        self.damaged += o.damaged;
        self.replaced_chars += o.replaced_chars;
        self.events += o.events;
        self.undecoded += o.undecoded;
        if let Some(f) = o.first {
            self.see_time(f);
        }
        if let Some(l) = o.last {
            self.see_time(l);
        }
    }
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if signature")]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Where an offset vote came from, in order of trust.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum OffsetSource {
    /// CSI lines carrying both the local and the UTC stamp.
    CsiStamp,
    /// The legacy WindowsUpdate.log `tz:` banner.
    WuBanner,
    /// Kernel-General 12 in a text export: boot time in UTC against the export's own date.
    BootEvent,
    /// The machine's time zone in an .etl header, at the times of the trace's events.
    EtlZone,
    /// Kernel-General 1 in a text export: the new system time in UTC against the export's
    /// own date.
    TimeChange,
    /// A reader's own per-record offset (e.g. `CMTrace`'s `time="08:52:46.695+240"`, the
    /// `+0300` of ReportingEvents.log), given through `Piece::offset_seen`.
    RecordOffset,
    /// Kernel-General 24 in an .evtx: the kernel's current bias (daylight time included) when
    /// it refreshed its zone information, at a UTC instant.
    ZoneRefresh,
}

/// Evidence about an artifact's UTC offset: (source, minutes east) → count.
pub type OffsetVotes = BTreeMap<(OffsetSource, i32), u64>;

/// Everything parsed from one artifact.
#[derive(Debug, Default)]
pub struct ParsedArtifact<'t> {
    /// Events in file order.
    pub events: Vec<Event<'t>>,
    /// The events [`ParseOptions::retain`] left out, in file order.
    pub left_out: Vec<LeftOut>,
    /// How much was read.
    pub coverage: Coverage,
    /// Problems found.
    pub issues: Vec<ParseIssue>,
    /// Offset evidence.
    pub offsets: OffsetVotes,
    /// The same evidence in file order with its local times, and zone clues.
    pub clock: ClockClues,
    /// What names the machine and its build.
    pub machine: MachineClues,
    /// Whether the source writes local time.
    pub time_base: Option<TimeBase>,
}

/// One piece of work's result, before merging.
#[derive(Debug, Default)]
pub(crate) struct Piece<'t> {
    pub(crate) events: Vec<Event<'t>>,
    pub(crate) coverage: Coverage,
    pub(crate) issues: Vec<ParseIssue>,
    pub(crate) offsets: OffsetVotes,
    pub(crate) clock: ClockClues,
    pub(crate) machine: MachineClues,
    /// Line terminators in this piece (to number the next piece's lines).
    pub(crate) newlines: u64,
    /// NUL bytes in this piece's text.
    pub(crate) nuls: lines::Nuls,
    /// Records cut to the record cap.
    pub(crate) cut: u64,
    /// Events [`ParseOptions::retain`] left out: (place among the piece's events, time).
    pub(crate) left_out: Vec<(u64, LeftOut)>,
    /// `ConfigMgr` update ids and the names they are given in this piece (see
    /// [`cmtrace::name_updates`]).
    pub(crate) update_names: Vec<(Cow<'t, str>, Cow<'t, str>)>,
}

/// What [`ParseOptions::retain`] decides for an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retain {
    /// Keep the event whole.
    Keep,
    /// Leave it out: only its time, to count it, and this note are kept.
    Leave(Note),
}

/// An event [`ParseOptions::retain`] left out: only its time is kept, to count it, and
/// what it notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeftOut {
    /// When it happened, as the source wrote it (`None`: no time, see [`Event::time`]).
    pub time: Option<Timestamp>,
    /// The time base the source wrote.
    pub time_base: TimeBase,
    /// What diagnosis still reads of it.
    pub note: Note,
}

impl<'t> Piece<'t> {
    /// The line counts of a piece read as one document (not line by line): its newlines,
    /// its lines (a last line without a newline counts) and its NUL runs.
    pub(crate) fn count_lines(mut self, text: &str) -> Self {
        let nuls = text::lines::Nuls::scan(text.as_bytes());
        self.newlines = nuls.newlines;
        self.coverage.lines = nuls.newlines + u64::from(!text.is_empty() && !text.ends_with('\n'));
        self.nuls = nuls;
        self
    }

    pub(crate) fn issue(&mut self, kind: IssueKind, pos: Option<Pos>, detail: impl Into<String>) {
        self.coverage.damaged += 1;
        self.issues.push(ParseIssue { kind, pos, detail: detail.into() });
    }

    /// Notes that at `local` (the record's local time) the offset was `minutes` east of UTC,
    /// as `source` tells: a point in its clock's history (a change between stretches is a DST
    /// switch, not noise), and a vote for the artifact's offset once the pieces are merged.
    /// Readers whose records carry their own offset call this per record.
    pub(crate) fn offset_seen(&mut self, source: OffsetSource, local: Timestamp, minutes: i32) {
        self.clock.point(source, local, minutes);
    }

    /// The votes for an offset: those cast directly, and the points of [`Piece::offset_seen`].
    #[cfg(test)]
    pub(crate) fn offset_votes(&self) -> OffsetVotes {
        let mut v = self.offsets.clone();
        self.clock.votes_into(&mut v);
        v
    }

    pub(crate) fn push(&mut self, keep: Keep, event: Event<'t>, notable: bool) {
        if keep == Keep::All || notable {
            self.events.push(event);
        }
    }
}

pub(crate) use prefilter::Hits;

/// See [`crate::measure::prefilter_hits`].
pub(crate) fn prefilter_hits(text: &str) -> usize {
    prefilter::Prefilter::new().hits(text).count_all()
}

/// See [`crate::measure::prefilter_anchors`].
pub(crate) fn prefilter_anchors() -> impl Iterator<Item = &'static str> {
    prefilter::anchors()
}

/// A grammar whose records collect into a [`Piece`].
pub(crate) trait Collect<'t>: lines::Grammar<'t> + Sized {
    /// The piece being filled.
    fn into_piece(self) -> Piece<'t>;

    /// Assembles `text` and returns the piece with its line counts.
    fn collect(mut self, text: &'t str) -> Piece<'t> {
        let counts = lines::assemble(text, &mut self);
        let mut p = self.into_piece();
        p.coverage.lines = u64::from(counts.lines);
        p.coverage.unattributed_lines += counts.unattributed;
        p.newlines = counts.newlines;
        p.nuls = counts.nuls;
        p
    }
}

/// Shared, read-only state for all jobs.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) extractor: CodeExtractor,
    pub(crate) prefilter: prefilter::Prefilter,
    pub(crate) keep: Keep,
    pub(crate) max_record_bytes: usize,
    /// Events to keep of those parsed (`ParseOptions::retain`); parsers that build many
    /// events per job apply it as they go, so that a large file's events are not all held.
    pub(crate) retain: Option<fn(&Event<'_>) -> Retain>,
    /// [`ParseOptions::retain_unread`].
    pub(crate) retain_unread: Option<evtx::Unread>,
}

impl Ctx {
    /// A context with the default record cap.
    pub(crate) fn new(keep: Keep) -> Self {
        Ctx {
            extractor: CodeExtractor::new(),
            prefilter: prefilter::Prefilter::new(),
            keep,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            retain: None,
            retain_unread: None,
        }
    }

    /// `record` cut to the record cap at a character boundary; `cut` counts the cuts. Cutting
    /// before extraction bounds the work and memory one hostile line can cause.
    pub(crate) fn capped<'t>(&self, record: &'t str, cut: &mut u64) -> &'t str {
        if record.len() <= self.max_record_bytes {
            return record;
        }
        *cut += 1;
        let mut end = self.max_record_bytes;
        while !record.is_char_boundary(end) {
            end -= 1;
        }
        &record[..end]
    }
}

/// Text of every text artifact, kept alive so that events can borrow from it.
#[derive(Debug)]
pub struct Texts<'b> {
    texts: Vec<Option<Text<'b>>>,
}

/// One artifact's text.
#[derive(Debug)]
enum Text<'b> {
    /// UTF-8 as read (without its BOM). Each piece is checked where it is parsed, while it
    /// is in cache, instead of in a pass of its own over the file; a file with an invalid
    /// piece is decoded whole (invalid sequences replaced) and parsed again.
    Utf8 { bytes: &'b [u8], lossy: OnceLock<Decoded<'b>> },
    /// UTF-16, decoded by [`parse`] while it parses the other artifacts (decoding a large
    /// event export first held every other file back).
    Utf16 { artifact: &'b Artifact, decoded: OnceLock<Decoded<'b>> },
}

fn is_text_kind(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Cbs
            | Kind::Dism
            | Kind::WindowsUpdate
            | Kind::WindowsUpdateLegacy
            | Kind::EventExport
            | Kind::SetupLog
            | Kind::SetupApi
            | Kind::CompatReport
            | Kind::SetupErrorsXml
            | Kind::SetupDiag
            | Kind::CmTrace
            | Kind::ReportingEvents
            | Kind::EventXml
            | Kind::EventJson
            | Kind::EventTable
            | Kind::EventCsv
            | Kind::Text
            | Kind::EventViewerText
            | Kind::EventList
    )
}

impl<'b> Texts<'b> {
    /// Holds every text artifact for [`parse`], which checks UTF-8 piece by piece as it
    /// parses it and decodes UTF-16 while it parses the other artifacts.
    pub fn decode(bundle: &'b Bundle) -> Self {
        let texts = bundle
            .artifacts
            .iter()
            .map(|a| {
                is_text_kind(a.kind).then(|| {
                    match decode::utf8_payload(a.bytes(), a.encoding)
                        .filter(|_| a.is_one_encoding())
                    {
                        Some(bytes) => Text::Utf8 { bytes, lossy: OnceLock::new() },
                        // UTF-16, or UTF-8 with UTF-16 appended: decoded before parsing.
                        None => Text::Utf16 { artifact: a, decoded: OnceLock::new() },
                    }
                })
            })
            .collect();
        Texts { texts }
    }

    /// Whether artifact `i` is UTF-16 not yet decoded.
    fn undecoded(&self, i: usize) -> bool {
        matches!(self.get(i), Some(Text::Utf16 { decoded, .. }) if decoded.get().is_none())
    }

    /// Decodes UTF-16 artifact `i` (once).
    fn decode_utf16(&self, i: usize) {
        if let Some(Text::Utf16 { artifact, decoded }) = self.get(i) {
            decoded.get_or_init(|| artifact.text());
        }
    }

    fn get(&self, i: usize) -> Option<&Text<'b>> {
        self.texts.get(i).and_then(Option::as_ref)
    }

    /// Artifact `i` as text to parse: its bytes, still to be checked, or its decoded text.
    fn source(&self, i: usize) -> Option<Src<'_>> {
        Some(match self.get(i)? {
            Text::Utf8 { lossy, bytes } => match lossy.get() {
                Some(d) => Src::Text(&d.text),
                None => Src::Unchecked(bytes),
            },
            Text::Utf16 { decoded, .. } => Src::Text(&decoded.get()?.text),
        })
    }

    /// Decodes artifact `i` with invalid UTF-8 replaced (once); its source is then that text.
    fn decode_lossy(&self, i: usize) {
        if let Some(Text::Utf8 { bytes, lossy }) = self.get(i) {
            lossy.get_or_init(|| decode::decode_utf8(bytes));
        }
    }

    /// Invalid sequences replaced in artifact `i`.
    fn replaced(&self, i: usize) -> u64 {
        match self.get(i) {
            Some(Text::Utf8 { lossy, .. }) => lossy.get().map_or(0, |d| d.replaced),
            Some(Text::Utf16 { decoded, .. }) => decoded.get().map_or(0, |d| d.replaced),
            None => 0,
        }
    }
}

/// Text to parse.
#[derive(Debug, Clone, Copy)]
enum Src<'t> {
    /// UTF-8 not yet checked.
    Unchecked(&'t [u8]),
    /// Known-good text.
    Text(&'t str),
}

impl<'t> Src<'t> {
    fn bytes(self) -> &'t [u8] {
        match self {
            Src::Unchecked(b) => b,
            Src::Text(t) => t.as_bytes(),
        }
    }

    /// The text of `range` (a range of whole lines), or `None` if it is not valid UTF-8.
    fn text(self, range: std::ops::Range<usize>) -> Option<&'t str> {
        match self {
            Src::Unchecked(b) => simdutf8::basic::from_utf8(b.get(range)?).ok(),
            Src::Text(t) => t.get(range),
        }
    }
}

enum Job<'t> {
    Text {
        artifact: usize,
        kind: Kind,
        /// Read by the lenient reader of fragments (the whole file in one job).
        lenient: bool,
        /// The bundle path (some setup files are dated by their name).
        name: &'t str,
        src: Src<'t>,
        range: std::ops::Range<usize>,
    },
    Evtx {
        artifact: usize,
        bytes: &'t [u8],
    },
    /// A memory dump: only its header is read.
    Dump {
        artifact: usize,
        /// Its header (only that is loaded).
        bytes: &'t [u8],
        /// Its size on disk.
        size: u64,
    },
    Etl {
        artifact: usize,
        bytes: &'t [u8],
    },
}

impl Job<'_> {
    fn artifact(&self) -> usize {
        match self {
            Job::Text { artifact, .. }
            | Job::Evtx { artifact, .. }
            | Job::Dump { artifact, .. }
            | Job::Etl { artifact, .. } => *artifact,
        }
    }

    /// The job's bytes, for text jobs.
    fn text_bytes(&self) -> Option<&[u8]> {
        match self {
            Job::Text { src, range, .. } => src.bytes().get(range.clone()),
            Job::Evtx { .. } | Job::Dump { .. } | Job::Etl { .. } => None,
        }
    }
}

/// Queues the pieces of text artifact `i` (pieces start at records, so that none straddles
/// two pieces, and at line starts, so that each piece is whole UTF-8 characters). A file
/// read leniently is one job: a record may start on any kind of line there; so are
/// documents (XML, JSON, SetupDiag's report).
fn text_jobs<'t>(
    jobs: &mut Vec<Job<'t>>,
    i: usize,
    a: &'t Artifact,
    src: Src<'t>,
    piece_bytes: usize,
) {
    let whole = matches!(a.kind, Kind::Text | Kind::EventViewerText | Kind::EventList);
    let (kind, lenient, name) = (a.kind, a.lenient || whole, a.path.as_str());
    let bytes = src.bytes();
    if lenient {
        jobs.push(Job::Text { artifact: i, kind, lenient, name, src, range: 0..bytes.len() });
        return;
    }
    // Documents (XML, JSON, SetupDiag's report) are read whole.
    // So are the exports whose records cannot be found from a line alone (a table's columns
    // are placed by its header, CSV fields may hold line breaks).
    let document = matches!(
        kind,
        Kind::CompatReport
            | Kind::SetupErrorsXml
            | Kind::SetupDiag
            | Kind::EventXml
            | Kind::EventJson
            | Kind::EventTable
            | Kind::EventCsv
    );
    let parts = if document { 1 } else { (bytes.len() / piece_bytes.max(1)).max(1) };
    let points = lines::split_points(bytes, parts, record_start(kind));
    for (j, &start) in points.iter().enumerate() {
        let end = points.get(j + 1).copied().unwrap_or(bytes.len());
        jobs.push(Job::Text { artifact: i, kind, lenient, name, src, range: start..end });
    }
}

fn record_start(kind: Kind) -> fn(&[u8]) -> bool {
    match kind {
        Kind::Cbs | Kind::Dism | Kind::SetupLog => cbs::starts_record,
        Kind::WindowsUpdate | Kind::WindowsUpdateLegacy => wu::starts_record,
        Kind::SetupApi => setup::setupapi::starts_record,
        Kind::CmTrace => cmtrace::starts_record,
        Kind::ReportingEvents => text::reporting::starts_record,
        _ => crate::shapes::is_export_block,
    }
}

/// Parses one job; `None` for a text piece that is not valid UTF-8.
fn run<'t>(job: &Job<'t>, ctx: &Ctx) -> Option<Piece<'t>> {
    let (kind, lenient, name, text) = match job {
        Job::Text { kind, lenient, name, src, range, .. } => {
            (*kind, *lenient, *name, src.text(range.clone())?)
        }
        Job::Evtx { bytes, .. } => return Some(evtx::parse(bytes, ctx)),
        Job::Dump { bytes, size, .. } => return Some(setup::dump::parse(bytes, *size, ctx)),
        Job::Etl { bytes, .. } => return Some(etl::parse(bytes, ctx)),
    };
    let hint = |h| text::fragment::parse(text, h, ctx);
    Some(match (kind, lenient) {
        (Kind::Text, _) => hint(Hint::Text),
        (Kind::EventViewerText, _) => export::viewer::parse(text, ctx),
        (Kind::EventList, _) => export::format_list::parse(text, ctx),
        (Kind::Cbs, true) => hint(Hint::Cbs),
        (Kind::Dism, true) => hint(Hint::Dism),
        (Kind::WindowsUpdate | Kind::WindowsUpdateLegacy, true) => hint(Hint::WindowsUpdate),
        (Kind::Cbs, false) => cbs::parse(text, Source::Cbs, ctx),
        (Kind::Dism, false) => cbs::parse(text, Source::Dism, ctx),
        (Kind::WindowsUpdate | Kind::WindowsUpdateLegacy, false) => wu::parse(text, ctx),
        (Kind::SetupLog, _) => setup::panther::parse(text, ctx),
        (Kind::SetupApi, _) => setup::setupapi::parse(text, ctx),
        (Kind::CompatReport, _) => setup::compat::parse(text, name, ctx),
        (Kind::SetupErrorsXml, _) => setup::rowset::parse(text, name, ctx),
        (Kind::SetupDiag, _) => setup::setupdiag::parse(text, ctx),
        (Kind::CmTrace, _) => cmtrace::parse(text, ctx),
        (Kind::ReportingEvents, _) => text::reporting::parse(text, ctx),
        (Kind::EventXml, _) => export::xml::parse(text, ctx),
        (Kind::EventJson, _) => export::json::parse(text, ctx),
        (Kind::EventTable, _) => export::table::parse(text, ctx),
        (Kind::EventCsv, _) => export::csv::parse(text, ctx),
        (_, lenient) => export::parse(text, lenient, ctx),
    })
}

/// Runs `jobs` in parallel; each result keeps its job's artifact and order.
fn run_all<'t>(
    jobs: &[Job<'t>],
    ctx: &Ctx,
    retain: Option<fn(&Event<'_>) -> Retain>,
) -> Vec<(usize, Option<Piece<'t>>)> {
    jobs.par_iter()
        // One job per task: otherwise a thread runs a whole run of jobs (evtx files among
        // them) that another thread, once idle, cannot take from it.
        .with_max_len(1)
        .map(|job| {
            let piece = catch_unwind(AssertUnwindSafe(|| run(job, ctx))).unwrap_or_else(|_| {
                let mut p = Piece::default();
                p.issue(
                    IssueKind::ParserPanicked,
                    None,
                    "the parser panicked on this file (a bug)",
                );
                p.nuls = job.text_bytes().map(lines::Nuls::scan).unwrap_or_default();
                Some(p)
            });
            // Pieces wait for each other before merging: hold them at their exact size.
            let piece = piece.map(|mut p| {
                // The evtx parser leaves events out as it builds them.
                if let Some(retain) = retain
                    && matches!(job, Job::Text { .. } | Job::Etl { .. })
                {
                    leave_out(&mut p, retain);
                }
                p.events.shrink_to_fit();
                p
            });
            (job.artifact(), piece)
        })
        .collect()
}

fn time_base(kind: Kind) -> Option<TimeBase> {
    match kind {
        // CMTrace and ReportingEvents records carry their offset; XML and JSON exports write
        // UTC (`SystemTime`, `/Date(ms)/`).
        Kind::Evtx
        | Kind::MemoryDump
        | Kind::Etl
        | Kind::CmTrace
        | Kind::ReportingEvents
        | Kind::EventXml
        | Kind::EventJson => Some(TimeBase::Utc),
        k if is_text_kind(k) => Some(TimeBase::Local),
        _ => None,
    }
}

/// Parses every artifact of `bundle`. The result has one entry per artifact, in bundle
/// order (empty for skipped kinds); event locations carry the artifact index.
pub fn parse<'t>(
    bundle: &'t Bundle,
    texts: &'t Texts<'_>,
    opts: &ParseOptions,
) -> Vec<ParsedArtifact<'t>> {
    let ctx = Ctx {
        max_record_bytes: opts.max_record_bytes.max(1),
        retain: opts.retain,
        retain_unread: opts.retain_unread,
        ..Ctx::new(opts.keep)
    };
    let mut jobs = Vec::new();
    let mut undecoded = Vec::new();
    for (i, a) in bundle.artifacts.iter().enumerate() {
        match a.kind {
            Kind::Evtx => jobs.push(Job::Evtx { artifact: i, bytes: a.bytes() }),
            Kind::MemoryDump => {
                jobs.push(Job::Dump { artifact: i, bytes: a.bytes(), size: a.size });
            }
            Kind::Etl => jobs.push(Job::Etl { artifact: i, bytes: a.bytes() }),
            k if is_text_kind(k) && texts.undecoded(i) => undecoded.push(i),
            k if is_text_kind(k) => {
                let Some(src) = texts.source(i) else { continue };
                text_jobs(&mut jobs, i, a, src, opts.piece_bytes);
            }
            _ => {}
        }
    }
    // UTF-16 files are decoded while the other jobs run, then parsed in pieces like them.
    let (mut results, ()) = rayon::join(
        || run_all(&jobs, &ctx, opts.retain),
        || undecoded.par_iter().for_each(|&i| texts.decode_utf16(i)),
    );
    if !undecoded.is_empty() {
        let mut decoded = Vec::new();
        for &i in &undecoded {
            if let (Some(a), Some(src)) = (bundle.artifacts.get(i), texts.source(i)) {
                text_jobs(&mut decoded, i, a, src, opts.piece_bytes);
            }
        }
        results.extend(run_all(&decoded, &ctx, opts.retain));
    }
    // Files with a piece that is not valid UTF-8 are decoded whole and parsed again.
    let invalid: Vec<usize> = results.iter().filter(|(_, p)| p.is_none()).map(|r| r.0).collect();
    if !invalid.is_empty() {
        let mut again = Vec::new();
        for (i, a) in bundle.artifacts.iter().enumerate().filter(|(i, _)| invalid.contains(i)) {
            texts.decode_lossy(i);
            if let Some(src) = texts.source(i) {
                text_jobs(&mut again, i, a, src, opts.piece_bytes);
            }
        }
        results.retain(|(i, _)| !invalid.contains(i));
        results.extend(run_all(&again, &ctx, opts.retain));
    }
    let pieces: Vec<(usize, Piece<'t>)> =
        results.into_iter().filter_map(|(i, p)| Some((i, p?))).collect();
    // Each artifact's events are gathered into a vector of exactly their number.
    let mut totals: Vec<usize> = vec![0; bundle.artifacts.len()];
    for (i, piece) in &pieces {
        if let Some(t) = totals.get_mut(*i) {
            *t += piece.events.len();
        }
    }

    let mut out: Vec<ParsedArtifact<'t>> = bundle
        .artifacts
        .iter()
        .map(|a| ParsedArtifact { time_base: time_base(a.kind), ..ParsedArtifact::default() })
        .collect();
    let mut line_base: Vec<u64> = vec![0; bundle.artifacts.len()];
    // Per artifact: NUL bytes, the line of the first, and line ends before the next piece.
    let mut nuls: Vec<(u64, Option<u64>, u64)> = vec![(0, None, 0); bundle.artifacts.len()];
    let mut cut: Vec<u64> = vec![0; bundle.artifacts.len()];
    // Left-out events with their place among the artifact's events (kept or not).
    let mut left_out: Vec<Vec<(u64, LeftOut)>> = vec![Vec::new(); bundle.artifacts.len()];
    let mut seen: Vec<u64> = vec![0; bundle.artifacts.len()];
    let mut update_names: Vec<Vec<(Cow<'t, str>, Cow<'t, str>)>> =
        vec![Vec::new(); bundle.artifacts.len()];
    for (i, mut piece) in pieces {
        let (Some(dst), Some(base)) = (out.get_mut(i), line_base.get_mut(i)) else { continue };
        if let (Some(left), Some(seen)) = (left_out.get_mut(i), seen.get_mut(i)) {
            left.extend(piece.left_out.iter().map(|&(n, t)| (n + *seen, t)));
            *seen += (piece.events.len() + piece.left_out.len()) as u64;
        }
        if *base > 0 {
            let shift = |p: &mut Pos| {
                if let Pos::Line(n) = p {
                    *n = n.saturating_add(u32::try_from(*base).unwrap_or(u32::MAX));
                }
            };
            for e in &mut piece.events {
                shift(&mut e.at.pos);
            }
            for iss in &mut piece.issues {
                if let Some(p) = iss.pos.as_mut() {
                    shift(p);
                }
            }
        }
        *base += piece.newlines;
        if let Some((count, first, seen)) = nuls.get_mut(i) {
            let n = piece.nuls;
            *count += n.count;
            if first.is_none() {
                *first = n.first_after.map(|a| *seen + a + 1);
            }
            *seen += n.newlines;
        }
        if let Some(c) = cut.get_mut(i) {
            *c += piece.cut;
        }
        if let Some(names) = update_names.get_mut(i) {
            names.append(&mut piece.update_names);
        }
        for e in &mut piece.events {
            e.at.artifact = i as u32;
        }
        dst.coverage.absorb(&piece.coverage);
        dst.issues.append(&mut piece.issues);
        for (k, v) in piece.offsets {
            *dst.offsets.entry(k).or_default() += v;
        }
        // Points become votes here, once per piece, rather than one map entry per line.
        piece.clock.votes_into(&mut dst.offsets);
        dst.clock.absorb(std::mem::take(&mut piece.clock));
        dst.machine.absorb(std::mem::take(&mut piece.machine));
        if dst.events.is_empty() {
            dst.events = std::mem::take(&mut piece.events);
            dst.events.reserve_exact(totals.get(i).map_or(0, |t| t - dst.events.len()));
        } else {
            dst.events.append(&mut piece.events);
        }
    }
    for (i, dst) in out.iter_mut().enumerate() {
        if let Some(names) = update_names.get(i).filter(|n| !n.is_empty()) {
            cmtrace::name_updates(&mut dst.events, names);
        }
        if texts.get(i).is_some() {
            dst.coverage.replaced_chars = texts.replaced(i);
        }
        if let (Some(a), Some(src)) = (bundle.artifacts.get(i), texts.source(i))
            && let Some(b) = crate::machine::scan::build_of(
                a.kind,
                src.bytes(),
                dst.coverage.first,
                dst.coverage.last,
            )
        {
            dst.machine.build(b);
        }
        if let Some(&n) = cut.get(i).filter(|&&n| n > 0) {
            dst.issues.push(ParseIssue {
                kind: IssueKind::LongRecord,
                pos: None,
                detail: format!(
                    "{n} record(s) longer than {} bytes were cut to that length (raise with \
                     --max-record-bytes)",
                    ctx.max_record_bytes
                ),
            });
        }
        if texts.get(i).is_some()
            && let Some(&(count, Some(line), _)) = nuls.get(i)
        {
            let issue = nul_bytes(count, line);
            dst.coverage.damaged += 1;
            dst.issues.push(issue);
        }
        if bundle.artifacts.get(i).is_some_and(crate::bundle::Artifact::shrank_while_read) {
            dst.coverage.damaged += 1;
            dst.issues.push(ParseIssue {
                kind: IssueKind::FileChanged,
                pos: None,
                detail: "the file shrank while it was read (another program truncated it); the \
                         missing part read as zeros, so results for this file are incomplete"
                    .into(),
            });
        }
        let kind = bundle.artifacts.get(i).map(|a| a.kind);
        if kind.is_some_and(Kind::is_parsed)
            && dst.coverage.records == 0
            && !dst.issues.iter().any(|x| x.kind == IssueKind::BadHeader)
        {
            dst.issues.push(ParseIssue {
                kind: IssueKind::NoRecords,
                pos: None,
                detail: "no records found".into(),
            });
        }
        let left = left_out.get_mut(i).map(std::mem::take).unwrap_or_default();
        if dst.events.len() + left.len() > opts.max_events_per_artifact {
            cap(dst, left, opts.max_events_per_artifact);
            dst.issues.push(ParseIssue {
                kind: IssueKind::EventCap,
                pos: None,
                detail: format!(
                    "more than {} events; the rest were counted but not kept (raise with --max-events)",
                    opts.max_events_per_artifact
                ),
            });
        } else {
            dst.left_out = left.into_iter().map(|(_, t)| t).collect();
        }
        dst.coverage.events = (dst.events.len() + dst.left_out.len()) as u64;
    }
    let kinds: Vec<Kind> = bundle.artifacts.iter().map(|a| a.kind).collect();
    setup::compat::date_undated(&mut out, &kinds);
    export::table::date_yearless(&mut out, &kinds);
    out
}

/// Moves the events `retain` leaves out of `piece`, noting their place, time and note.
pub(crate) fn leave_out(piece: &mut Piece<'_>, retain: fn(&Event<'_>) -> Retain) {
    let mut n = 0u64;
    let left = &mut piece.left_out;
    piece.events.retain(|e| {
        let verdict = retain(e);
        if let Retain::Leave(note) = verdict {
            left.push((n, LeftOut { time: e.time, time_base: e.time_base, note }));
        }
        n += 1;
        verdict == Retain::Keep
    });
}

/// Keeps the first `max` events of the artifact, counting left-out ones at their place, as
/// if all had been kept and the list cut.
fn cap(dst: &mut ParsedArtifact<'_>, mut left: Vec<(u64, LeftOut)>, max: usize) {
    let left_before = left.iter().take_while(|(n, _)| *n < max as u64).count();
    left.truncate(left_before);
    dst.events.truncate(max - left_before);
    dst.left_out = left.into_iter().map(|(_, t)| t).collect();
}

/// One issue for all `count` NUL bytes of a text, the first on `line` (counted while its
/// lines were read: a pass of its own over every text cost as much as a tenth of a run).
fn nul_bytes(count: u64, line: u64) -> ParseIssue {
    ParseIssue {
        kind: IssueKind::NulBytes,
        pos: Some(Pos::Line(u32::try_from(line).unwrap_or(u32::MAX))),
        detail: format!(
            "{count} NUL byte(s), the first on line {line}: the machine probably stopped while \
             this log was being written, so records around them may be lost"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NUL bytes counted piece by piece give the issue a scan of the whole text gives.
    #[test]
    fn nul_issue_does_not_depend_on_pieces() {
        let line = "2023-05-17 08:44:12, Info                  CBS    routine line\r\n";
        let mut text = line.repeat(40);
        text.insert_str(line.len() * 7 + 5, "\0\0");
        text.insert(line.len() * 30, '\0');
        text.push('\0');
        let bundle = Bundle::from_memory_as("CBS.log", text.clone().into_bytes(), Kind::Cbs);
        let texts = Texts::decode(&bundle);
        let nuls = lines::Nuls::scan(text.as_bytes());
        let line_of_first = nuls.first_after.unwrap() + 1;
        assert_eq!((nuls.count, line_of_first), (4, 8));
        let expected = nul_bytes(nuls.count, line_of_first);
        for piece_bytes in [1, 64, 100, 1 << 20] {
            let opts = ParseOptions { piece_bytes, ..ParseOptions::default() };
            let parsed = parse(&bundle, &texts, &opts);
            let issues: Vec<_> =
                parsed[0].issues.iter().filter(|i| i.kind == IssueKind::NulBytes).collect();
            assert_eq!(issues, [&expected], "pieces of {piece_bytes} bytes");
        }
    }

    /// A file with invalid UTF-8 in one piece reads as its lossy decoding does, whatever
    /// the pieces.
    #[test]
    fn invalid_utf8_piece_reads_as_the_lossy_text() {
        let line =
            "2023-05-17 08:44:12, Error                 CBS    Failed [HRESULT = 0x800f0805]\r\n";
        let mut bytes = line.repeat(30).into_bytes();
        bytes.splice(line.len() * 20 + 60..line.len() * 20 + 60, [0xE2, 0x82]);
        bytes.splice(line.len() * 3 + 70..line.len() * 3 + 70, [0xFF]);
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        let digest = |bundle: &Bundle, piece_bytes: usize| {
            let texts = Texts::decode(bundle);
            let opts = ParseOptions { keep: Keep::All, piece_bytes, ..ParseOptions::default() };
            let p = parse(bundle, &texts, &opts).remove(0);
            (format!("{:?}|{:?}", p.issues, p.events), p.coverage)
        };
        let clean = Bundle::from_memory_as("CBS.log", lossy.into_bytes(), Kind::Cbs);
        let (want, mut want_cov) = digest(&clean, 1 << 20);
        want_cov.replaced_chars = 2;
        let bad = Bundle::from_memory_as("CBS.log", bytes, Kind::Cbs);
        for piece_bytes in [1, 100, 1000, 1 << 20] {
            assert_eq!(
                digest(&bad, piece_bytes),
                (want.clone(), want_cov.clone()),
                "{piece_bytes}"
            );
        }
    }
}
