//! Configuration Manager (CMTrace-format) logs: `WUAHandler.log`, `UpdatesDeployment.log`,
//! `UpdatesHandler.log`, `UpdatesStore.log`, `ccmsetup.log`, `smsts.log` and every other log
//! of the `ConfigMgr` client (FORMATS.md §8):
//!
//! ```text
//! <![LOG[message]LOG]!><time="HH:MM:SS.mmm+BIAS" date="MM-DD-YYYY" component="…" context="" type="N" thread="…" file="…">
//! ```
//!
//! A record is what lies between `<![LOG[` and the attribute block after `]LOG]!>`, not a
//! line: messages keep their own line breaks (CRLF or bare LF), and the closing marker can
//! open a line. Records are found by their closing marker, so one that lost its opener
//! (two writers at once) is still read, from the end of the record before it, and counted
//! as damaged.
//!
//! `BIAS` is the minutes to add to the local time to get UTC (`+240` is UTC−4, `-60` is
//! UTC+1; ccmsetup writes `+00`): each record carries its own, so its UTC time is exact
//! across a DST switch. Events are UTC, and each bias is a vote for the offset of the
//! bundle's local-time logs.

use crate::event::{Event, Field, Flags, Level, Location, Pos, Source, is_notable};
use crate::parse::text::lines::Nuls;
use crate::parse::{Ctx, IssueKind, Keep, OffsetSource, Piece, ident};
use crate::time::{TimeBase, Timestamp, parse_fraction_micros};
use memchr::memmem;
use std::borrow::Cow;
use std::collections::HashMap;

const OPEN: &[u8] = b"<![LOG[";
const CLOSE: &[u8] = b"]LOG]!>";

/// Whether a line begins a record (pieces are cut only there).
pub(crate) fn starts_record(b: &[u8]) -> bool {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b).starts_with(OPEN)
}

/// Whether the head of a file is a `CMTrace` log (called once per file, by sniff).
pub(crate) fn looks_like(head: &str) -> bool {
    head.contains("]LOG]!><time=\"")
}

/// The attributes after `]LOG]!>`, as written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attrs<'t> {
    pub(crate) time: &'t str,
    pub(crate) date: &'t str,
    pub(crate) component: &'t str,
    pub(crate) context: &'t str,
    pub(crate) kind: &'t str,
    pub(crate) thread: &'t str,
    pub(crate) file: &'t str,
}

/// Reads `<time="…" date="…" …>` at the start of `s`; returns the attributes and the bytes
/// used (through the closing `>`). `None` when the block is not closed on its line.
pub(crate) fn attrs(s: &str) -> Option<(Attrs<'_>, usize)> {
    let body = s.strip_prefix('<')?;
    let mut a = Attrs::default();
    let mut pos = 0;
    loop {
        let rest = body.get(pos..)?;
        let trimmed = rest.trim_start_matches(' ');
        pos += rest.len() - trimmed.len();
        if trimmed.starts_with('>') {
            return Some((a, 1 + pos + 1));
        }
        if trimmed.starts_with(['\r', '\n']) || trimmed.is_empty() {
            return None;
        }
        let eq = trimmed.find("=\"")?;
        let key = &trimmed[..eq];
        let value_start = eq + 2;
        let close = trimmed.get(value_start..)?.find('"')?;
        let value = &trimmed[value_start..value_start + close];
        if value.contains('\n') {
            return None;
        }
        match key {
            "time" => a.time = value,
            "date" => a.date = value,
            "component" => a.component = value,
            "context" => a.context = value,
            "type" => a.kind = value,
            "thread" => a.thread = value,
            "file" => a.file = value,
            _ => {}
        }
        pos += value_start + close + 1;
    }
}

/// The local time of a record and its bias (minutes to add to get UTC), from
/// `time="HH:MM:SS.mmm+BIAS"` and `date="MM-DD-YYYY"`. The bias is `None` when it is
/// missing or impossible.
pub(crate) fn stamp(time: &str, date: &str) -> Option<(Timestamp, Option<i32>)> {
    let mut d = date.split('-');
    let month: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let year: i64 = d.next()?.parse().ok()?;
    if d.next().is_some() {
        return None;
    }
    let sign = time.find(['+', '-']);
    let (clock, bias) = match sign {
        Some(i) => (&time[..i], time.get(i..)),
        None => (time, None),
    };
    let mut c = clock.split(':');
    let h: u32 = c.next()?.parse().ok()?;
    let m: u32 = c.next()?.parse().ok()?;
    let sec_frac = c.next()?;
    if c.next().is_some() {
        return None;
    }
    let (sec, frac) = sec_frac.split_once('.').unwrap_or((sec_frac, ""));
    let s: u32 = sec.parse().ok()?;
    let micros = if frac.is_empty() { 0 } else { parse_fraction_micros(frac)? };
    let local = Timestamp::from_civil(year, month, day, h, m, s, micros)?;
    let bias = bias.and_then(|b| {
        let v: i32 = b.strip_prefix('+').unwrap_or(b).parse().ok()?;
        (v.abs() <= 18 * 60).then_some(v)
    });
    Some((local, bias))
}

/// `type="N"`: 0 verbose, 1 information, 2 warning, 3 error.
fn level(kind: &str) -> Level {
    match kind {
        "0" => Level::Verbose,
        "2" => Level::Warning,
        "3" => Level::Error,
        _ => Level::Info,
    }
}

struct Reader<'t, 'c> {
    text: &'t str,
    ctx: &'c Ctx,
    piece: Piece<'t>,
    /// Line terminators before `line_at`.
    lines_before: u64,
    line_at: usize,
}

/// Lines of text outside any record (blank ones and the ends of records' lines aside).
fn stray_lines(s: &str) -> u64 {
    s.split('\n')
        .filter(|l| !l.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}').is_empty())
        .count() as u64
}

/// `Update (ID) Name (NAME) ArticleID (…)`: the id and the name.
fn update_name(m: &str) -> Option<(&str, &str)> {
    let rest = m.strip_prefix("Update (")?;
    let (id, rest) = rest.split_once(") Name (")?;
    let end = rest.rfind(") ArticleID").or_else(|| rest.rfind(')'))?;
    Some((id, &rest[..end]))
}

/// `Update (ID) …`: the id.
fn update_id(m: &str) -> Option<&str> {
    m.strip_prefix("Update (")?.split_once(')').map(|x| x.0)
}

impl<'t> Reader<'t, '_> {
    /// The 1-based line of byte `at` (which only moves forward).
    fn line_of(&mut self, at: usize) -> u32 {
        let at = at.max(self.line_at);
        let between = self.text.as_bytes().get(self.line_at..at).unwrap_or_default();
        self.lines_before += memchr::memchr_iter(b'\n', between).count() as u64;
        self.line_at = at;
        u32::try_from(self.lines_before + 1).unwrap_or(u32::MAX)
    }

    /// Reads block by block: a block runs from a line that begins a record to the next
    /// such line, the places where the file may be cut into pieces, so that a record never
    /// reaches back across one and the result is the same whatever the pieces.
    fn read(&mut self) {
        let bytes = self.text.as_bytes();
        let mut from = 0;
        for open in memmem::find_iter(bytes, OPEN) {
            let line = bytes[..open].strip_suffix(b"\xEF\xBB\xBF").unwrap_or(&bytes[..open]);
            if line.len() > from && line.ends_with(b"\n") {
                self.read_block(from, line.len());
                from = line.len();
            }
        }
        self.read_block(from, bytes.len());
    }

    fn read_block(&mut self, from: usize, to: usize) {
        let bytes = &self.text.as_bytes()[..to];
        let closes = memmem::Finder::new(CLOSE);
        let mut pos = from;
        while let Some(i) = closes.find(bytes.get(pos..).unwrap_or_default()) {
            let close = pos + i;
            let segment = &self.text[pos..close];
            let after = close + CLOSE.len();
            let Some((a, used)) = self.text.get(after..to).and_then(attrs) else {
                // A marker without its attribute block: text inside a message, or a record
                // cut off by the end of the file.
                let line = self.line_of(close);
                self.piece.issue(
                    IssueKind::DamagedRecord,
                    Some(Pos::Line(line)),
                    "a record end without its time and date attributes",
                );
                pos = after;
                continue;
            };
            self.record(pos, segment, &a);
            pos = after + used;
        }
        let tail = self.text.get(pos..to).unwrap_or_default();
        if let Some(i) = memmem::find(tail.as_bytes(), OPEN) {
            let line = self.line_of(pos + i);
            self.piece.issue(
                IssueKind::DamagedRecord,
                Some(Pos::Line(line)),
                "a record has no end (the log was cut off while it was written, or another \
                 record began before it ended)",
            );
        } else {
            self.piece.coverage.unattributed_lines += stray_lines(tail);
        }
    }

    /// One record: `segment` runs from the end of the record before to this one's close.
    fn record(&mut self, seg_start: usize, segment: &'t str, a: &Attrs<'t>) {
        self.piece.coverage.records += 1;
        let opener = memmem::rfind(segment.as_bytes(), OPEN);
        let (message, start, damaged) = if let Some(o) = opener {
            self.piece.coverage.unattributed_lines += stray_lines(&segment[..o]);
            (&segment[o + OPEN.len()..], seg_start + o, false)
        } else {
            let lead = segment.len() - segment.trim_start().len();
            (segment.trim_start(), seg_start + lead, true)
        };
        let line = self.line_of(start);
        if damaged {
            self.piece.issue(
                IssueKind::DamagedRecord,
                Some(Pos::Line(line)),
                "a record lost its opening <![LOG[ marker (two writers at once); read from \
                 the end of the record before it",
            );
        }
        let Some((local, bias)) = stamp(a.time, a.date) else {
            self.piece.issue(
                IssueKind::BadTimestamp,
                Some(Pos::Line(line)),
                format!("impossible time or date: time={:?} date={:?}", a.time, a.date),
            );
            return;
        };
        let (time, time_base) = match bias {
            Some(b) => {
                // The bias is minutes to add to get UTC; an offset is minutes east of UTC.
                self.piece.offset_seen(OffsetSource::RecordOffset, local, -b);
                (local.shifted(b), TimeBase::Utc)
            }
            None => (local, TimeBase::Local),
        };
        self.piece.coverage.see_time(time);
        let message = self.ctx.capped(message, &mut self.piece.cut);
        let level = level(a.kind);
        let codes = self.ctx.extractor.extract(message);
        let notable = is_notable(&codes, level, false, message);
        // Named whether kept or not: the failure that needs the name may be kept alone.
        if let Some(named) = update_name(message) {
            self.piece.update_names.push(named);
        }
        if self.ctx.keep == Keep::Notable && !notable {
            return;
        }
        let mut fields = Vec::with_capacity(4);
        for (name, value) in [("thread", a.thread), ("file", a.file), ("context", a.context)] {
            if !value.is_empty() {
                fields.push(Field { name: Cow::Borrowed(name), value: Cow::Borrowed(value) });
            }
        }
        let event = Event {
            time: Some(time),
            time_base,
            at: Location { artifact: 0, pos: Pos::Line(line) },
            source: Source::CmTrace,
            level,
            component: Cow::Borrowed(a.component),
            event_id: None,
            codes,
            kb: ident::find_kb(message),
            package: None,
            message: Cow::Borrowed(message.trim_end()),
            fields,
            flags: Flags { multi_line: message.contains('\n'), ..Flags::default() },
        };
        self.piece.push(self.ctx.keep, event, notable);
    }
}

/// Names the updates of `events` (one artifact's, in order) that give only their id
/// (`Update (Site_…/SUM_…) Progress: … Result = 0x…`) by the name another record of the
/// same log gives that id (`Update (ID) Name (…)`, the first one): an `updateTitle` field,
/// and the KB the name holds. Done once the pieces are merged, so that where the file was
/// cut, and whether the naming record was kept, make no difference.
pub(crate) fn name_updates<'t>(events: &mut [Event<'t>], names: &[(&'t str, &'t str)]) {
    let mut by_id: HashMap<&str, &'t str> = HashMap::with_capacity(names.len());
    for &(id, name) in names {
        by_id.entry(id).or_insert(name);
    }
    for e in events.iter_mut().filter(|e| e.source == Source::CmTrace) {
        let Some(&name) = update_id(&e.message).and_then(|id| by_id.get(id)) else { continue };
        if e.field("updateTitle").is_some() {
            continue;
        }
        e.fields.push(Field { name: Cow::Borrowed("updateTitle"), value: Cow::Borrowed(name) });
        if e.kb.is_none() {
            e.kb = ident::find_kb(name);
        }
    }
}

/// Parses one piece of a `CMTrace` log (pieces start at a record or at the file start).
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let mut r = Reader { text, ctx, piece: Piece::default(), lines_before: 0, line_at: 0 };
    r.read();
    let mut piece = r.piece;
    let nuls = Nuls::scan(text.as_bytes());
    piece.newlines = nuls.newlines;
    piece.coverage.lines = nuls.newlines + u64::from(!text.is_empty() && !text.ends_with('\n'));
    piece.nuls = nuls;
    piece
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written for this test in the grammar of FORMATS.md §8: one-line records, a record over
    /// three lines with bare LF inside, a record whose end opens a line, and one that lost
    /// its opener.
    const LOG: &str = "\u{FEFF}<![LOG[Scan failed with error = 0x80244010.]LOG]!><time=\"08:53:44.534+240\" date=\"07-14-2021\" component=\"WUAHandler\" context=\"\" type=\"3\" thread=\"7308\" file=\"cwuahandler.cpp:2358\">\r
<![LOG[Successfully completed scan.]LOG]!><time=\"08:57:54.179+240\" date=\"07-14-2021\" component=\"WUAHandler\" context=\"\" type=\"1\" thread=\"7308\" file=\"cwuahandler.cpp:3016\">\r
<![LOG[Step failed.\nThe parameter is incorrect. (Error: 80070057; Source: Windows)\n]LOG]!><time=\"16:53:52.899-60\" date=\"02-07-2024\" component=\"TSManager\" context=\"\" type=\"3\" thread=\"1328\" file=\"executionenv.cxx:836\">\r
ding file /pkg/src/x.dll range 0-455847]LOG]!><time=\"10:19:30.535+00\" date=\"10-18-2019\" component=\"RunPowerShellScript\" context=\"\" type=\"0\" thread=\"1100\" file=\"main.cpp:31\">\r
";

    #[test]
    fn records_span_lines_and_survive_a_lost_opener() {
        let p = parse(LOG, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 4);
        assert_eq!(p.coverage.damaged, 1, "{:?}", p.issues);
        assert_eq!(p.events.len(), 4);
        let e = &p.events[0];
        assert_eq!(e.source, Source::CmTrace);
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.component, "WUAHandler");
        assert_eq!(e.message, "Scan failed with error = 0x80244010.");
        assert_eq!(e.codes[0].to_string(), "0x80244010");
        // 08:53:44.534 local, bias +240: 12:53:44.534 UTC.
        assert_eq!(e.time_base, TimeBase::Utc);
        assert_eq!(e.time.unwrap().to_string(), "2021-07-14T12:53:44.534000+00:00");
        assert_eq!(e.field("thread"), Some("7308"));
        let multi = &p.events[2];
        assert_eq!(multi.at.pos, Pos::Line(3));
        assert!(multi.flags.multi_line);
        assert!(multi.message.ends_with("Source: Windows)"));
        assert_eq!(
            multi.time.unwrap().to_string(),
            "2024-02-07T15:53:52.899000+00:00",
            "bias -60: UTC+1"
        );
        let lost = &p.events[3];
        assert_eq!(lost.at.pos, Pos::Line(6));
        assert!(lost.message.starts_with("ding file"));
        assert_eq!(lost.level, Level::Verbose);
        assert_eq!(p.issues[0].kind, IssueKind::DamagedRecord);
        assert_eq!(p.issues[0].pos, Some(Pos::Line(6)));
        assert_eq!(p.offset_votes().get(&(OffsetSource::RecordOffset, -240)), Some(&2));
        assert_eq!(p.offset_votes().get(&(OffsetSource::RecordOffset, 60)), Some(&1));
        assert_eq!(p.offset_votes().get(&(OffsetSource::RecordOffset, 0)), Some(&1));
        assert_eq!(p.coverage.lines, 6);
        let notable = parse(LOG, &Ctx::new(Keep::Notable));
        assert_eq!(notable.events.len(), 2, "the errors; routine lines are counted");
    }

    #[test]
    fn cut_and_bad_records_are_issues_not_panics() {
        let cut = "<![LOG[first]LOG]!><time=\"08:53:44.534+240\" date=\"07-14-2021\" component=\"A\" context=\"\" type=\"1\" thread=\"1\" file=\"\">\r\n<![LOG[half a rec";
        let p = parse(cut, &Ctx::new(Keep::All));
        assert_eq!((p.coverage.records, p.coverage.damaged), (1, 1));
        let bad = "<![LOG[x]LOG]!><time=\"25:61:00.000+240\" date=\"13-40-2021\" component=\"A\" type=\"1\">\r\n<![LOG[y]LOG]!><time=\"\r\n";
        let p = parse(bad, &Ctx::new(Keep::All));
        assert_eq!(p.events.len(), 0);
        assert_eq!(p.issues.len(), 2, "{:?}", p.issues);
        for s in ["", "]LOG]!>", "<![LOG[", "]LOG]!><", "]LOG]!><time=\"1"] {
            let _ = parse(s, &Ctx::new(Keep::All));
        }
    }

    /// A failure that gives only the update's id is named by the record that names it,
    /// wherever the file is cut and whether or not the naming record is kept.
    #[test]
    fn a_failure_is_named_by_the_update_another_record_names() {
        use crate::bundle::{Bundle, Kind};
        use crate::parse::{ParseOptions, Texts};
        let rec = |m: &str, time: &str, kind: u8| {
            format!(
                "<![LOG[{m}]LOG]!><time=\"{time}\" date=\"03-12-2023\" component=\"UpdatesDeploymentAgent\" context=\"\" type=\"{kind}\" thread=\"1\" file=\"x\">\r\n"
            )
        };
        let log = [
            rec("Update (Site_1/SUM_7f) Name (2023-03 Cumulative Update (KB5023696)) ArticleID (5023696) added to the targeted list of deployment ({A})", "01:59:58.000+300", 1),
            rec("Update (Site_1/SUM_99) Name (Other) ArticleID (1) added to the targeted list of deployment ({A})", "01:59:59.000+300", 1),
            rec("Update (Site_1/SUM_7f) Progress: Status = ciStateError, PercentComplete = 0, DownloadSize = 0, Result = 0x80070070", "03:00:01.000+240", 3),
            rec("Update (Site_1/SUM_00) Progress: Status = ciStateError, PercentComplete = 0, DownloadSize = 0, Result = 0x80070005", "03:00:02.000+240", 3),
        ]
        .concat();
        let bundle =
            Bundle::from_memory_as("UpdatesDeployment.log", log.into_bytes(), Kind::CmTrace);
        let texts = Texts::decode(&bundle);
        for keep in [Keep::All, Keep::Notable] {
            for piece_bytes in [1, 64, 1 << 20] {
                let opts = ParseOptions { keep, piece_bytes, ..ParseOptions::default() };
                let p = crate::parse::parse(&bundle, &texts, &opts).remove(0);
                let failed: Vec<_> =
                    p.events.iter().filter(|e| e.message.contains("ciStateError")).collect();
                assert_eq!(failed.len(), 2, "{keep:?} {piece_bytes}");
                let e = failed[0];
                let title = e.field("updateTitle");
                assert_eq!(title, Some("2023-03 Cumulative Update (KB5023696)"), "{piece_bytes}");
                assert_eq!(e.kb, Some(5_023_696));
                assert_eq!(e.codes[0].to_string(), "0x80070070");
                // Across the switch to daylight time the UTC time still follows the first.
                assert_eq!(e.time.unwrap().to_string(), "2023-03-12T07:00:01.000000+00:00");
                // An id no record names stays unnamed.
                assert_eq!((failed[1].field("updateTitle"), failed[1].kb), (None, None));
            }
        }
    }

    #[test]
    fn stamps_and_biases() {
        let (t, b) = stamp("15:10:29.068+00", "02-04-2020").unwrap();
        assert_eq!((t.to_string().as_str(), b), ("2020-02-04T15:10:29.068000+00:00", Some(0)));
        assert_eq!(stamp("1:2:3.4-330", "2-4-2020").unwrap().1, Some(-330));
        assert_eq!(stamp("01:02:03.400", "02-04-2020").unwrap().1, None);
        assert_eq!(stamp("01:02:03.400+9999", "02-04-2020").unwrap().1, None);
        assert!(stamp("01:02", "02-04-2020").is_none());
        assert!(stamp("01:02:03", "2020-02-04").is_none());
    }
}
