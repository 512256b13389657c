//! `ReportingEvents.log` (`C:\Windows\SoftwareDistribution\ReportingEvents.log`): the Windows
//! Update client's own record of each detection, download and install, one TAB-separated
//! line of 13 fields per event, UTF-16LE (FORMATS.md §10):
//!
//! ```text
//! {record GUID} <YYYY-MM-DD HH:MM:SS:mmm±HHMM> 1 <id> [<AGENT_… name>] 101 {update GUID} <revision>
//! <hr, hex without 0x> <caller> <Success|Failure> <category> <text> <correlation vector>
//! ```
//!
//! Each stamp carries its own offset, so events are UTC and vote for the offset of the
//! bundle's local-time logs. A `Failure` is an Error with its hr as the code; a `Success`
//! keeps a non-zero hr (a cancelled download's `8024000b`) only as a field.

use crate::code::Code;
use crate::event::{Event, Field, Flags, Level, Location, Pos, Source, is_notable};
use crate::parse::text::lines::{Grammar, NumberedLine, Record};
use crate::parse::{Collect, Ctx, IssueKind, Keep, OffsetSource, Piece, ident};
use crate::time::{TimeBase, Timestamp, UtcOffset, parse_fraction_micros};
use std::borrow::Cow;

/// Whether a line begins a record: `{GUID}` then a TAB.
pub(crate) fn starts_record(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    b.len() > 39 && b[0] == b'{' && b[37] == b'}' && b[38] == b'\t'
}

/// Whether the head of a file (decoded) is a ReportingEvents.log: its first record line has
/// the GUID, the stamp with its offset and 13 fields.
pub(crate) fn looks_like(head: &str) -> bool {
    head.lines().take(5).any(|l| {
        let l = l.trim_start_matches('\u{FEFF}');
        starts_record(l.as_bytes())
            && l.split('\t').nth(1).is_some_and(|s| stamp(s).is_some())
            && l.split('\t').count() >= 12
    })
}

/// `2023-06-28 04:15:45:293+0300`: the UTC time and the offset (minutes east).
pub(crate) fn stamp(s: &str) -> Option<(Timestamp, i32)> {
    let b = s.as_bytes();
    if b.len() < 24 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[19] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let micros = parse_fraction_micros(s.get(20..23)?)?;
    let local = Timestamp::from_civil(
        i64::from(n(0..4)?),
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
        micros,
    )?;
    let offset = UtcOffset::parse(s.get(23..)?)?;
    Some((offset.to_utc(local), offset.minutes()))
}

/// One line's fields (the record is one line; a wrapped text continues it).
struct Line {
    no: u32,
    start: usize,
    end: usize,
}

impl Record for Line {
    fn extend_to(&mut self, end: usize) {
        self.end = end;
    }
}

struct Parser<'t, 'c> {
    text: &'t str,
    ctx: &'c Ctx,
    piece: Piece<'t>,
}

/// Field names given to the 13 columns (after the GUID and the stamp).
const NAMES: [&str; 13] = [
    "recordId",
    "time",
    "version",
    "eventId",
    "agentEvent",
    "updateId",
    "revision",
    "hr",
    "caller",
    "status",
    "category",
    "text",
    "correlation",
];

impl<'t> Parser<'t, '_> {
    fn record(&mut self, l: &Line) {
        let Some(raw) = self.text.get(l.start..l.end) else { return };
        let raw = raw.trim_start_matches('\u{FEFF}').trim_end();
        let cols: Vec<&'t str> = raw.splitn(13, '\t').collect();
        let Some((time, offset)) = cols.get(1).and_then(|s| stamp(s)) else {
            self.piece.issue(
                IssueKind::BadTimestamp,
                Some(Pos::Line(l.no)),
                format!("unreadable stamp {:?}", cols.get(1).copied().unwrap_or("")),
            );
            return;
        };
        self.piece.coverage.records += 1;
        self.piece.coverage.see_time(time);
        // The local time the line wrote, and its offset: a point in the machine's clock.
        self.piece.offset_seen(OffsetSource::RecordOffset, time.shifted(offset), offset);
        let get = |i: usize| cols.get(i).copied().unwrap_or("").trim();
        let status = get(9);
        let failed = status.eq_ignore_ascii_case("Failure");
        let hr = u32::from_str_radix(get(7), 16).ok().filter(|&v| v != 0);
        let text = self.ctx.capped(get(11), &mut self.piece.cut);
        let mut codes: Vec<Code> = Vec::new();
        if failed {
            if let Some(v) = hr {
                codes.push(Code::classify(v));
            }
            self.ctx.extractor.extract_into(text, &mut codes);
            codes.dedup();
        }
        let level = if failed { Level::Error } else { Level::Info };
        let notable = failed || is_notable(&codes, level, false, text);
        if self.ctx.keep == Keep::Notable && !notable {
            return;
        }
        // `148 [AGENT_DETECTION_FAILED]`: the number and the name apart.
        let (id, name) = get(3).split_once(' ').unwrap_or((get(3), ""));
        let name = name.trim().trim_start_matches('[').trim_end_matches(']');
        let mut fields: Vec<Field<'t>> = Vec::with_capacity(10);
        for (i, value) in [(0, get(0)), (3, id), (4, name), (5, get(5)), (6, get(6))]
            .into_iter()
            .chain([(7, get(7)), (8, get(8)), (9, status), (12, get(12))])
        {
            if !value.is_empty() && value != "(null)" {
                fields.push(Field { name: Cow::Borrowed(NAMES[i]), value: Cow::Borrowed(value) });
            }
        }
        // `…the following update: TITLE` or `…the following update with error 0x…: TITLE`.
        if let Some((_, rest)) = text.split_once("following update")
            && let Some((_, title)) = rest.split_once(": ")
        {
            let title = title.trim().trim_end_matches('.');
            fields.push(Field { name: Cow::Borrowed("updateTitle"), value: Cow::Borrowed(title) });
        }
        let event = Event {
            time: Some(time),
            time_base: TimeBase::Utc,
            at: Location { artifact: 0, pos: Pos::Line(l.no) },
            source: Source::ReportingEvents,
            level,
            component: Cow::Borrowed(get(10)),
            event_id: None,
            codes,
            kb: ident::find_kb(text),
            package: None,
            message: Cow::Borrowed(text),
            fields,
            flags: Flags::default(),
        };
        self.piece.push(self.ctx.keep, event, notable);
    }
}

impl<'t> Grammar<'t> for Parser<'t, '_> {
    type Rec = Line;

    fn begin(&mut self, line: NumberedLine<'t>, _current: Option<&mut Line>) -> Option<Line> {
        starts_record(line.body.as_bytes()).then_some(Line {
            no: line.no,
            start: line.start,
            end: line.end,
        })
    }

    fn finish(&mut self, rec: Line) {
        self.record(&rec);
    }
}

impl<'t> Collect<'t> for Parser<'t, '_> {
    fn into_piece(self) -> Piece<'t> {
        self.piece
    }
}

/// Parses one piece of a ReportingEvents.log (pieces start at a record or at the file start).
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    Parser { text, ctx, piece: Piece::default() }.collect(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines written for this test in the layout of FORMATS.md §10.
    const LOG: &str = "\u{FEFF}{11111111-2222-3333-4444-555555555555}\t2023-06-28 04:15:45:293+0300\t1\t148 [AGENT_DETECTION_FAILED]\t101\t{8B24B027-1DEE-BABB-9A95-3517DFB9C552}\t0\t80240438\t<<PROCESS>>: DllHost.exe\tFailure\tSoftware Synchronization\tWindows Update Client failed to detect with error 0x80240438.\tabc.1.0\r
{11111111-2222-3333-4444-555555555556}\t2023-06-28 13:08:29:127+0300\t1\t163 [AGENT_DOWNLOAD_CANCELED]\t101\t{C7B927C8-6B48-4E6D-8C0B-8F0DA7ED9959}\t201\t8024000b\tMoUpdateOrchestrator\tSuccess\tContent Download\tDownload canceled.\tdef.1.0\r
{11111111-2222-3333-4444-555555555557}\t2023-06-29 10:57:11:584-0130\t1\t182 [AGENT_INSTALLING_FAILED]\t101\t{213FAD25-6621-4AD6-B82C-38EFC14C5C72}\t1\t80073712\tUpdateOrchestrator\tFailure\tContent Install\tInstallation Failure: Windows failed to install the following update with error 0x80073712: 2023-06 Cumulative Update (KB5027231).\tghi.1.0\r
{11111111-2222-3333-4444-555555555558}\t2023-99-29 10:57:11:584+0300\t1\t183\t101\r
";

    #[test]
    fn lines_become_utc_events() {
        let p = parse(LOG, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 3);
        assert_eq!(p.coverage.damaged, 1, "the impossible date");
        let e = &p.events[0];
        assert_eq!(e.source, Source::ReportingEvents);
        assert_eq!(e.time.unwrap().to_string(), "2023-06-28T01:15:45.293000+00:00");
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.component, "Software Synchronization");
        assert_eq!(e.codes[0].to_string(), "0x80240438");
        assert_eq!(e.field("agentEvent"), Some("AGENT_DETECTION_FAILED"));
        assert_eq!(e.field("eventId"), Some("148"));
        let cancel = &p.events[1];
        assert_eq!(cancel.level, Level::Info);
        assert!(cancel.codes.is_empty(), "a success's hr is not a failure code");
        assert_eq!(cancel.field("hr"), Some("8024000b"));
        let install = &p.events[2];
        assert_eq!(install.time.unwrap().to_string(), "2023-06-29T12:27:11.584000+00:00", "-0130");
        assert_eq!(install.kb, Some(5_027_231));
        assert_eq!(install.field("updateTitle"), Some("2023-06 Cumulative Update (KB5027231)"));
        let votes = p.offset_votes();
        assert_eq!(votes.get(&(OffsetSource::RecordOffset, 180)), Some(&2));
        assert_eq!(votes.get(&(OffsetSource::RecordOffset, -90)), Some(&1));
        assert_eq!(parse(LOG, &Ctx::new(Keep::Notable)).events.len(), 2);
        assert!(looks_like(LOG));
        assert!(!looks_like("{not a guid}\tx\n"));
    }
}
