//! Parsing: artifacts become normalized [`Event`]s, [`ParseIssue`]s and [`Coverage`].
//!
//! Work is split into jobs (whole evtx files, and pieces of text files cut at record
//! boundaries) that run on rayon; results are merged back in file and piece order, so the
//! output is the same for any thread count. Parsers know nothing of rules.

pub mod cbs;
pub mod evtx;
mod evtx_json;
mod evtx_skip;
pub mod export;
pub mod ident;
mod lines;
mod prefilter;
pub mod wu;

use crate::bundle::{Bundle, Kind, decode::Decoded};
use crate::code::extract::CodeExtractor;
use crate::event::{Event, Pos, Source};
use crate::time::{TimeBase, Timestamp};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

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
    /// Of those, only events this accepts are kept; the others are counted (and their
    /// times kept, so counts over a time range stay right). The caller knows which events
    /// it reads (`analyze` passes [`crate::diagnose::reads`]); parsers know nothing of it.
    /// It sees each event before its location is final, so it must not read `at`.
    pub retain: Option<fn(&Event<'_>) -> bool>,
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
            piece_bytes: 8 << 20,
            max_events_per_artifact: DEFAULT_MAX_EVENTS,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// What kind of damage or limit a [`ParseIssue`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
}

/// A problem inside one artifact that did not stop the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
        self.lines += o.lines;
        self.records += o.records;
        self.recovered += o.recovered;
        self.unattributed_lines += o.unattributed_lines;
        self.damaged += o.damaged;
        self.replaced_chars += o.replaced_chars;
        self.events += o.events;
        if let Some(f) = o.first {
            self.see_time(f);
        }
        if let Some(l) = o.last {
            self.see_time(l);
        }
    }
}

/// Where an offset vote came from, in order of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OffsetSource {
    /// CSI lines carrying both the local and the UTC stamp.
    CsiStamp,
    /// The legacy WindowsUpdate.log `tz:` banner.
    WuBanner,
    /// Kernel-General 12 in a text export: boot time in UTC against the export's own date.
    BootEvent,
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
    /// Line terminators in this piece (to number the next piece's lines).
    pub(crate) newlines: u64,
    /// Records cut to the record cap.
    pub(crate) cut: u64,
    /// Events [`ParseOptions::retain`] left out: (place among the piece's events, time).
    pub(crate) left_out: Vec<(u64, LeftOut)>,
}

/// An event [`ParseOptions::retain`] left out: only its time is kept, to count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeftOut {
    /// When it happened, as the source wrote it.
    pub time: Timestamp,
    /// The time base the source wrote.
    pub time_base: TimeBase,
}

impl<'t> Piece<'t> {
    pub(crate) fn issue(&mut self, kind: IssueKind, pos: Option<Pos>, detail: impl Into<String>) {
        self.coverage.damaged += 1;
        self.issues.push(ParseIssue { kind, pos, detail: detail.into() });
    }

    pub(crate) fn push(&mut self, keep: Keep, event: Event<'t>, notable: bool) {
        if keep == Keep::All || notable {
            self.events.push(event);
        }
    }
}

pub(crate) use prefilter::Hits;

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
}

impl Ctx {
    /// A context with the default record cap.
    pub(crate) fn new(keep: Keep) -> Self {
        Ctx {
            extractor: CodeExtractor::new(),
            prefilter: prefilter::Prefilter::new(),
            keep,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
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

/// Decoded text of every text artifact, kept alive so that events can borrow from it.
#[derive(Debug)]
pub struct Texts<'b> {
    texts: Vec<Option<Decoded<'b>>>,
}

fn is_text_kind(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Cbs
            | Kind::Dism
            | Kind::WindowsUpdate
            | Kind::WindowsUpdateLegacy
            | Kind::EventExport
    )
}

impl<'b> Texts<'b> {
    /// Decodes every text artifact (in parallel).
    pub fn decode(bundle: &'b Bundle) -> Self {
        let texts =
            bundle.artifacts.par_iter().map(|a| is_text_kind(a.kind).then(|| a.text())).collect();
        Texts { texts }
    }

    fn get(&self, i: usize) -> Option<&Decoded<'b>> {
        self.texts.get(i).and_then(Option::as_ref)
    }
}

enum Job<'t> {
    Text { artifact: usize, kind: Kind, text: &'t str },
    Evtx { artifact: usize, bytes: &'t [u8] },
}

impl Job<'_> {
    fn artifact(&self) -> usize {
        match self {
            Job::Text { artifact, .. } | Job::Evtx { artifact, .. } => *artifact,
        }
    }
}

fn record_start(kind: Kind) -> fn(&[u8]) -> bool {
    match kind {
        Kind::Cbs | Kind::Dism => cbs::starts_record,
        Kind::WindowsUpdate | Kind::WindowsUpdateLegacy => wu::starts_record,
        _ => crate::shapes::is_export_block,
    }
}

fn run<'t>(job: &Job<'t>, ctx: &Ctx) -> Piece<'t> {
    match *job {
        Job::Text { kind: Kind::Cbs, text, .. } => cbs::parse(text, Source::Cbs, ctx),
        Job::Text { kind: Kind::Dism, text, .. } => cbs::parse(text, Source::Dism, ctx),
        Job::Text { kind: Kind::WindowsUpdate | Kind::WindowsUpdateLegacy, text, .. } => {
            wu::parse(text, ctx)
        }
        Job::Text { text, .. } => export::parse(text, ctx),
        Job::Evtx { bytes, .. } => evtx::parse(bytes, ctx),
    }
}

fn time_base(kind: Kind) -> Option<TimeBase> {
    match kind {
        Kind::Evtx => Some(TimeBase::Utc),
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
    let ctx = Ctx { max_record_bytes: opts.max_record_bytes.max(1), ..Ctx::new(opts.keep) };
    let mut jobs = Vec::new();
    for (i, a) in bundle.artifacts.iter().enumerate() {
        match a.kind {
            Kind::Evtx => jobs.push(Job::Evtx { artifact: i, bytes: a.bytes() }),
            k if is_text_kind(k) => {
                let Some(decoded) = texts.get(i) else { continue };
                let text: &str = &decoded.text;
                let parts = (text.len() / opts.piece_bytes.max(1)).max(1);
                let points = lines::split_points(text, parts, record_start(k));
                for (j, &start) in points.iter().enumerate() {
                    let end = points.get(j + 1).copied().unwrap_or(text.len());
                    if let Some(piece) = text.get(start..end) {
                        jobs.push(Job::Text { artifact: i, kind: k, text: piece });
                    }
                }
            }
            _ => {}
        }
    }
    let pieces: Vec<(usize, Piece<'t>)> = jobs
        .par_iter()
        // One job per task: otherwise a thread runs a whole run of jobs (evtx files among
        // them) that another thread, once idle, cannot take from it.
        .with_max_len(1)
        .map(|job| {
            let piece = catch_unwind(AssertUnwindSafe(|| run(job, &ctx))).unwrap_or_else(|_| {
                let mut p = Piece::default();
                p.issue(
                    IssueKind::ParserPanicked,
                    None,
                    "the parser panicked on this file (a bug)",
                );
                p
            });
            // Pieces wait for each other before merging: hold them at their exact size.
            let mut piece = piece;
            if let Some(retain) = opts.retain {
                leave_out(&mut piece, retain);
            }
            piece.events.shrink_to_fit();
            (job.artifact(), piece)
        })
        .collect();
    // Each artifact's events are gathered into a vector of exactly their number.
    let mut totals: Vec<usize> = vec![0; bundle.artifacts.len()];
    for (i, piece) in &pieces {
        if let Some(t) = totals.get_mut(*i) {
            *t += piece.events.len();
        }
    }

    // A scan of every text byte: one task per artifact.
    let nuls: Vec<Option<ParseIssue>> = (0..bundle.artifacts.len())
        .into_par_iter()
        .map(|i| texts.get(i).and_then(|d| nul_bytes(&d.text)))
        .collect();
    let mut out: Vec<ParsedArtifact<'t>> = bundle
        .artifacts
        .iter()
        .map(|a| ParsedArtifact { time_base: time_base(a.kind), ..ParsedArtifact::default() })
        .collect();
    let mut line_base: Vec<u64> = vec![0; bundle.artifacts.len()];
    let mut cut: Vec<u64> = vec![0; bundle.artifacts.len()];
    // Left-out events with their place among the artifact's events (kept or not).
    let mut left_out: Vec<Vec<(u64, LeftOut)>> = vec![Vec::new(); bundle.artifacts.len()];
    let mut seen: Vec<u64> = vec![0; bundle.artifacts.len()];
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
        if let Some(c) = cut.get_mut(i) {
            *c += piece.cut;
        }
        for e in &mut piece.events {
            e.at.artifact = i as u32;
        }
        dst.coverage.absorb(&piece.coverage);
        dst.issues.append(&mut piece.issues);
        for (k, v) in piece.offsets {
            *dst.offsets.entry(k).or_default() += v;
        }
        if dst.events.is_empty() {
            dst.events = std::mem::take(&mut piece.events);
            dst.events.reserve_exact(totals.get(i).map_or(0, |t| t - dst.events.len()));
        } else {
            dst.events.append(&mut piece.events);
        }
    }
    for (i, dst) in out.iter_mut().enumerate() {
        if let Some(d) = texts.get(i) {
            dst.coverage.replaced_chars = d.replaced;
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
        if let Some(issue) = nuls.get(i).cloned().flatten() {
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
    out
}

/// Moves the events `retain` rejects out of `piece`, noting their place and time.
fn leave_out(piece: &mut Piece<'_>, retain: fn(&Event<'_>) -> bool) {
    let mut n = 0u64;
    let left = &mut piece.left_out;
    piece.events.retain(|e| {
        let keep = retain(e);
        if !keep {
            left.push((n, LeftOut { time: e.time, time_base: e.time_base }));
        }
        n += 1;
        keep
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

/// One issue for all NUL bytes in `text`, with the line of the first.
fn nul_bytes(text: &str) -> Option<ParseIssue> {
    let bytes = text.as_bytes();
    let first = memchr::memchr(0, bytes)?;
    let count = memchr::memchr_iter(0, bytes).count();
    let line = memchr::memchr_iter(b'\n', &bytes[..first]).count() + 1;
    Some(ParseIssue {
        kind: IssueKind::NulBytes,
        pos: Some(Pos::Line(u32::try_from(line).unwrap_or(u32::MAX))),
        detail: format!(
            "{count} NUL byte(s), the first on line {line}: the machine probably stopped while \
             this log was being written, so records around them may be lost"
        ),
    })
}
