//! ETW traces (.etl): the binary logs Windows 10 and later write instead of text, above all
//! `C:\Windows\Logs\WindowsUpdate\WindowsUpdate.*.etl`, which `Get-WindowsUpdateLog` turns
//! into WindowsUpdate.log on Windows. Read here on any OS, without Windows' decoder.
//!
//! What is read:
//! - the layout (`layout.rs`): WMI buffers and the trace records in them;
//! - the session's header (`session.rs`): the clock of the event times, the session's start
//!   in UTC, and the machine's time zone (`zone.rs`), which tells the offset of the
//!   local-time logs beside the trace (an offset vote, [`OffsetSource::EtlZone`]);
//! - `EVENT_HEADER` records (`record.rs`) and the TraceLogging metadata they carry
//!   (`tlg.rs`): field names and types, so their values decode without a manifest.
//!
//! What becomes of each record:
//! - The Windows Update client's TraceLogging events (provider `WUTraceLogging`) become
//!   WindowsUpdate.log events, as `Get-WindowsUpdateLog` renders them: component = the
//!   event name (`Agent`, `ComApi`, `Handler`, …), message = its `Info` field. Every rule
//!   and seed that reads WindowsUpdate.log reads them. Their level is the trace's own.
//! - Other TraceLogging events (the WaaSMedic traces, field `m`) become [`Source::Etl`]
//!   events: component = the provider's name, message = the value of a one-field event,
//!   else `event: name=value; …`; the event's name is its field [`EVENT_NAME_FIELD`].
//! - `EventWriteString` events: message = the string.
//! - Manifest-based events (Panther's setup.etl) need their providers' manifests, which
//!   only Windows has: they become events with their provider, id, level and time and no
//!   message text, and a [`IssueKind::Undecoded`] issue says how many there are. WPP
//!   messages (which need TMF files), classic MOF and kernel records are counted the same
//!   way, without events.
//!
//! Damage is data, as in evtx: a buffer whose header lies, or a record that runs past its
//! buffer, is a [`IssueKind::DamagedBuffer`] and the walk goes on at the next buffer; an
//! event whose own parts do not fit is a [`IssueKind::DamagedRecord`]. Every size read from
//! the file is checked against the bytes there, and a record is at most 64 KiB (its size is
//! 16 bits), so no input makes the reader allocate without bound.

mod layout;
mod record;
mod session;
mod tlg;
mod zone;

use super::{Ctx, IssueKind, Keep, OffsetSource, ParseIssue, Piece};
use crate::event::{Event, Field, Flags, Level, Location, Pos, Source, is_notable};
use crate::time::{TimeBase, Timestamp};
use layout::{Buffer, Buffers, RecordKind, Records, Step};
use record::{EventRecord, Guid};
use session::Session;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use tlg::{FieldMeta, Value};

/// The Windows Update client's TraceLogging provider (`WUTraceLogging`), as its traces
/// name it (`../shared/corpus/other/eyeofparadox__WindowsUpdate.*.etl`).
const WU_PROVIDER: Guid = Guid([
    0x19, 0x6f, 0x7a, 0x0b, 0xc4, 0x47, 0x4e, 0x45, 0x8c, 0x5c, 0xe8, 0x68, 0xd6, 0x37, 0xe4, 0xd8,
]);
const WU_PROVIDER_NAME: &[u8] = b"WUTraceLogging";
/// The field that holds a WindowsUpdate.log line's message.
const WU_MESSAGE_FIELD: &[u8] = b"Info";
/// The field that holds a TraceLogging event's name, on events other than Windows Update's
/// (whose name is their component).
pub const EVENT_NAME_FIELD: &str = "event";
/// Distinct names remembered per file.
const MAX_NAMES: usize = 64;
/// Damage reported one by one per file; the rest are summed up in one more issue.
const MAX_DAMAGE_ISSUES: usize = 32;

/// Parses one .etl file.
pub(crate) fn parse<'t>(bytes: &'t [u8], ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    let session = match Session::read(bytes) {
        Ok(s) => s,
        Err(why) => {
            piece.issue(IssueKind::BadHeader, None, format!("unreadable ETL header: {why}"));
            return piece;
        }
    };
    let mut r = Reader {
        ctx,
        piece,
        fields: Vec::new(),
        values: Vec::new(),
        pending: Vec::new(),
        text: Vec::new(),
        ordinal: 0,
        damage_issues: 0,
        damage_more: 0,
        undecoded: Undecoded::default(),
        zone_span: None,
        names: Vec::new(),
        session,
    };
    if let (Some(zone), Some(start)) =
        (&r.session.zone, session::to_micros(r.session.start).map(Timestamp))
    {
        let minutes = zone.offset_at(start);
        r.piece.offset_seen(OffsetSource::EtlZone, start.shifted(minutes), minutes);
    }
    for step in Buffers::new(bytes, r.session.buffer_size) {
        match step {
            Step::Empty => {}
            Step::Damaged { offset, why } => r.damage(
                IssueKind::DamagedBuffer,
                None,
                format!("buffer at offset 0x{offset:x}: {why}; its records are lost"),
            ),
            Step::Buffer(b) => r.buffer(&b),
        }
    }
    r.finish()
}

/// Records counted but not decoded, by why.
#[derive(Debug, Default)]
struct Undecoded {
    /// Manifest-based events, and their providers.
    manifest: u64,
    providers: BTreeSet<Guid>,
    /// WPP messages.
    messages: u64,
    /// Classic (MOF) and kernel records.
    classic: u64,
    /// Compressed buffers.
    compressed: u64,
}

/// An event read from a buffer, waiting for the prefilter's look at its buffer's text.
#[derive(Debug)]
struct Pending<'t> {
    ordinal: u64,
    time: Timestamp,
    level: Level,
    source: Source,
    component: Cow<'t, str>,
    event_id: Option<u32>,
    /// Its message in [`Reader::text`].
    message: std::ops::Range<usize>,
    /// The message is ours (a manifest-based event described), not the trace's text.
    described: bool,
    fields: Vec<Field<'t>>,
}

struct Reader<'t, 'c> {
    ctx: &'c Ctx,
    session: Session,
    piece: Piece<'t>,
    /// The schema and values of the event being read (reused).
    fields: Vec<FieldMeta<'t>>,
    values: Vec<Value<'t>>,
    /// The current buffer's events and their messages (UTF-8), one per line.
    pending: Vec<Pending<'t>>,
    text: Vec<u8>,
    /// Records seen so far (the position of the next one is this + 1).
    ordinal: u64,
    damage_issues: usize,
    damage_more: u64,
    undecoded: Undecoded,
    /// The last offset looked up, and the span in which it holds.
    zone_span: Option<(i32, std::ops::Range<i64>)>,
    /// Names seen, as text (see [`Reader::name`]).
    names: Vec<(&'t [u8], &'t str)>,
}

/// Text of a name from the trace: borrowed when it is UTF-8, as names are.
fn name(b: &[u8]) -> Cow<'_, str> {
    std::str::from_utf8(b).map_or_else(|_| String::from_utf8_lossy(b), Cow::Borrowed)
}

impl<'t> Reader<'t, '_> {
    /// A name from the trace (event or provider): each event carries its own copy, and
    /// there are few distinct ones, so each is checked as UTF-8 once and then borrowed from
    /// where it was first seen.
    fn name(&mut self, b: &'t [u8]) -> Cow<'t, str> {
        if let Some((_, s)) = self.names.iter().find(|(n, _)| *n == b) {
            return Cow::Borrowed(s);
        }
        let s = name(b);
        if let Cow::Borrowed(s) = s
            && self.names.len() < MAX_NAMES
        {
            self.names.push((b, s));
        }
        s
    }

    /// The provider's name, or its GUID in braces.
    fn provider(&mut self, e: &EventRecord<'t>) -> Cow<'t, str> {
        match e.provider_name() {
            Some(n) => self.name(n),
            None => Cow::Owned(format!("{{{}}}", e.provider)),
        }
    }

    /// Votes for the machine's offset at `time` (the zone's rules looked up once per span
    /// in which the offset holds).
    fn vote_at(&mut self, time: Timestamp) {
        let Some(zone) = &self.session.zone else { return };
        let minutes = match &self.zone_span {
            Some((m, span)) if span.contains(&time.as_micros()) => *m,
            _ => {
                let (m, span) = zone.offset_span(time);
                self.zone_span = Some((m, span));
                m
            }
        };
        // A point of the machine's clock at this instant, which also counts as a vote.
        self.piece.offset_seen(OffsetSource::EtlZone, time.shifted(minutes), minutes);
    }

    fn damage(&mut self, kind: IssueKind, pos: Option<Pos>, detail: String) {
        if self.damage_issues < MAX_DAMAGE_ISSUES {
            self.damage_issues += 1;
            self.piece.issue(kind, pos, detail);
        } else {
            self.piece.coverage.damaged += 1;
            self.damage_more += 1;
        }
    }

    fn buffer(&mut self, b: &Buffer<'t>) {
        if b.compressed {
            self.undecoded.compressed += 1;
            return;
        }
        let mut problem = None;
        for rec in Records::new(b) {
            match rec {
                // The header buffer holds the session's own records, not log records.
                Ok(_) if b.is_header => {}
                Ok(rec) => self.record(rec.kind, rec.bytes),
                Err(why) => problem = Some(why),
            }
        }
        if b.cut {
            problem = Some("the file ends inside it".into());
        }
        if let Some(why) = problem {
            self.damage(
                IssueKind::DamagedBuffer,
                None,
                format!("buffer at offset 0x{:x}: {why}; the records after it are lost", b.offset),
            );
        }
        self.flush();
    }

    fn record(&mut self, kind: RecordKind, bytes: &'t [u8]) {
        self.ordinal += 1;
        self.piece.coverage.records += 1;
        match kind {
            RecordKind::Event => self.event(bytes),
            RecordKind::Message => self.undecoded.messages += 1,
            RecordKind::System | RecordKind::PerfInfo | RecordKind::Classic => {
                self.undecoded.classic += 1;
            }
        }
    }

    fn event(&mut self, bytes: &'t [u8]) {
        let pos = Pos::Record(self.ordinal);
        let e = match EventRecord::read(bytes) {
            Ok(e) => e,
            Err(why) => {
                self.damage(IssueKind::DamagedRecord, Some(pos), format!("record {pos}: {why}"));
                return;
            }
        };
        let Some(time) = self.session.time(e.stamp) else {
            self.damage(
                IssueKind::BadTimestamp,
                Some(pos),
                format!("record {pos}: its time stamp ({}) is no date", e.stamp),
            );
            return;
        };
        self.piece.coverage.see_time(time);
        self.vote_at(time);
        let start = self.text.len();
        let mut p = Pending {
            ordinal: self.ordinal,
            time,
            level: Level::from_evtx(u64::from(e.level)),
            source: Source::Etl,
            component: Cow::Borrowed(""),
            event_id: None,
            message: start..start,
            described: false,
            fields: Vec::new(),
        };
        if let Some(schema) = e.schema {
            if !self.tracelogging(&e, schema, &mut p) {
                return;
            }
        } else if e.is_string_only() {
            p.component = self.provider(&e);
            let mut s = String::new();
            tlg::push_utf16(utf16_until_nul(e.user), &mut s);
            self.text.extend_from_slice(s.as_bytes());
        } else {
            self.undecoded.manifest += 1;
            self.undecoded.providers.insert(e.provider);
            p.component = self.provider(&e);
            p.event_id = Some(u32::from(e.id));
            p.described = true;
            let _ = write!(
                self.text,
                "event {} (version {}, task {}, opcode {}) of a manifest-based provider: its \
                 fields need the provider's manifest",
                e.id, e.version, e.task, e.opcode
            );
        }
        p.message = start..self.text.len();
        self.text.push(b'\n');
        self.pending.push(p);
    }

    /// Decodes a TraceLogging event into `p` and the text; `false` when its schema does not
    /// read (the event is then damage).
    fn tracelogging(&mut self, e: &EventRecord<'t>, schema: &'t [u8], p: &mut Pending<'t>) -> bool {
        let pos = Pos::Record(p.ordinal);
        let event = match tlg::read_schema(schema, &mut self.fields) {
            Ok(n) => n,
            Err(why) => {
                self.damage(IssueKind::DamagedRecord, Some(pos), format!("record {pos}: {why}"));
                return false;
            }
        };
        let wu = e.provider == WU_PROVIDER || e.provider_name() == Some(WU_PROVIDER_NAME);
        // Windows Update's shape, nearly every event of its traces: one string, `Info`.
        if let [f] = self.fields.as_slice()
            && wu
            && f.name == WU_MESSAGE_FIELD
            && f.is_wide_string()
            && tlg::utf16z_into(e.user, &mut self.text).is_some()
        {
            p.source = Source::WindowsUpdate;
            p.component = self.name(event);
            return true;
        }
        self.values.clear();
        let max = crate::parse::evtx::MAX_FIELDS;
        if let Err(why) = tlg::decode(&self.fields, e.user, max, &mut self.values) {
            // What decoded before the problem is kept with the event.
            self.damage(IssueKind::DamagedRecord, Some(pos), format!("record {pos}: {why}"));
        }
        let info = self.values.iter().position(|v| v.name == WU_MESSAGE_FIELD);
        if let (true, Some(i)) = (wu, info) {
            p.source = Source::WindowsUpdate;
            p.component = self.name(event);
            self.text.extend_from_slice(self.values.swap_remove(i).text.as_bytes());
            return true;
        }
        if wu {
            p.source = Source::WindowsUpdate;
            p.component = self.name(event);
        } else {
            p.component = self.provider(e);
            p.fields.push(Field { name: Cow::Borrowed(EVENT_NAME_FIELD), value: self.name(event) });
        }
        match self.values.as_slice() {
            [only] => self.text.extend_from_slice(only.text.as_bytes()),
            values => {
                self.text.extend_from_slice(name(event).as_bytes());
                for (k, v) in values.iter().enumerate() {
                    self.text.extend_from_slice(if k == 0 { b": " } else { b"; " });
                    let _ = write!(self.text, "{}={}", name(v.name), v.text);
                }
                p.fields.extend(self.values.drain(..).map(|v| Field {
                    name: name(v.name),
                    value: Cow::Owned(crate::parse::evtx::cut(v.text)),
                }));
            }
        }
        true
    }

    /// Keeps the current buffer's events that are kept, now that its text is whole.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let ctx = self.ctx;
        let arena = std::mem::take(&mut self.text);
        // Built from whole characters and valid names; a name that was not UTF-8 went in
        // replaced, so this cannot fail, but a failure would only cost the buffer's text.
        let text = std::str::from_utf8(&arena).unwrap_or_default();
        let mut hits = ctx.prefilter.hits(text);
        for p in self.pending.drain(..) {
            let (s, end) = (p.message.start, p.message.end);
            let known =
                p.event_id.is_some_and(|id| crate::parse::evtx::is_known_event(&p.component, id));
            // Without a prefilter hit an event is routine unless its level or id says not.
            if ctx.keep == Keep::Notable
                && !p.level.is_warning_or_worse()
                && !known
                && (p.described || !hits.any_in(s, end))
            {
                continue;
            }
            let mut message = text.get(s..end).unwrap_or_default();
            if message.len() > ctx.max_record_bytes {
                message = ctx.capped(message, &mut self.piece.cut);
            }
            // A described event's message is ours, so it carries no code of the trace's.
            let codes = if p.described { Vec::new() } else { ctx.extractor.extract(message) };
            let notable = is_notable(&codes, p.level, known, message);
            if ctx.keep == Keep::Notable && !notable {
                continue;
            }
            let event = Event {
                time: Some(p.time),
                time_base: TimeBase::Utc,
                at: Location { artifact: 0, pos: Pos::Record(p.ordinal) },
                source: p.source,
                level: p.level,
                component: p.component,
                event_id: p.event_id,
                codes,
                kb: crate::parse::ident::find_kb(message),
                package: crate::parse::ident::find_package(message)
                    .map(|s| Cow::Owned(s.to_string())),
                message: Cow::Owned(message.to_string()),
                fields: p.fields,
                flags: Flags::default(),
            };
            self.piece.events.push(event);
        }
        drop(hits);
        self.text = arena;
        self.text.clear();
    }

    fn finish(mut self) -> Piece<'t> {
        self.flush();
        if self.damage_more > 0 {
            self.piece.issues.push(ParseIssue {
                kind: IssueKind::DamagedBuffer,
                pos: None,
                detail: format!("… and {} more damaged buffers or records", self.damage_more),
            });
        }
        let (events, buffers) = self.session.lost;
        if events > 0 || buffers > 0 {
            self.piece.issues.push(ParseIssue {
                kind: IssueKind::EventsLost,
                pos: None,
                detail: format!(
                    "the tracing session lost {events} event(s) and {buffers} buffer(s) while \
                     it wrote this trace (its header counts them): the trace has gaps"
                ),
            });
        }
        let u = &self.undecoded;
        let n = u.manifest + u.messages + u.classic;
        if n > 0 || u.compressed > 0 {
            let mut parts = Vec::new();
            if u.manifest > 0 {
                let first = u.providers.iter().next().map(Guid::to_string).unwrap_or_default();
                parts.push(format!(
                    "{} manifest-based events of {} provider(s) ({first}{}), whose fields need \
                     the providers' manifests (read: time, provider, id and level)",
                    u.manifest,
                    u.providers.len(),
                    if u.providers.len() > 1 { ", …" } else { "" }
                ));
            }
            if u.messages > 0 {
                parts.push(format!("{} WPP messages, which need their TMF files", u.messages));
            }
            if u.classic > 0 {
                parts.push(format!("{} classic or kernel records", u.classic));
            }
            self.piece.coverage.undecoded = n;
            let session = match self.session.logger.as_str() {
                "" => String::new(),
                l => format!(" (session {l})"),
            };
            let mut detail = if n > 0 {
                format!(
                    "{n} of {} records{session} not decoded: {}",
                    self.piece.coverage.records,
                    parts.join("; ")
                )
            } else {
                String::new()
            };
            if u.compressed > 0 {
                if !detail.is_empty() {
                    detail.push_str("; ");
                }
                let _ = write!(
                    detail,
                    "{} compressed buffer(s){session} not read: their records are neither \
                     decoded nor counted",
                    u.compressed
                );
            }
            self.piece.issues.push(ParseIssue { kind: IssueKind::Undecoded, pos: None, detail });
        }
        self.piece
    }
}

/// UTF-16 code units up to the first NUL (or the end).
fn utf16_until_nul(b: &[u8]) -> &[u8] {
    let units = b.chunks_exact(2).position(|c| c == [0, 0]).unwrap_or(b.len() / 2);
    b.get(..units * 2).unwrap_or_default()
}
