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
use crate::parse::{Ctx, IssueKind, Keep, OffsetSource, Piece, ident};
use crate::shapes::lenient;
use crate::time::{TimeBase, Timestamp, parse_fraction_micros};
use memchr::memmem;
use std::borrow::Cow;
use std::collections::HashMap;

mod unwrap;

const OPEN_STR: &str = "<![LOG[";
const OPEN: &[u8] = OPEN_STR.as_bytes();
const CLOSE: &[u8] = b"]LOG]!>";
/// How many line breaks a wrapped attribute block may span, and how far it may reach: a
/// block is under 300 bytes, and every cut of a wrap takes at least a few characters.
const TAIL_BREAKS: u64 = 16;
const TAIL_BYTES: usize = 4096;

/// Whether a line begins a record (pieces are cut only there).
pub(crate) fn starts_record(b: &[u8]) -> bool {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b).starts_with(OPEN)
}

/// Whether the head of a file is a `CMTrace` log (called once per file, by sniff).
pub(crate) fn looks_like(head: &str) -> bool {
    // A record wrapped in a ticket may have its marker and first attribute on two lines.
    head.contains("]LOG]!><time=\"")
        || head.match_indices("]LOG]!>").any(|(i, m)| {
            let rest = &head[i + m.len()..];
            rest.trim_start_matches(|c| c == '>' || lenient::is_space(c)).starts_with("<time=\"")
        })
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
            if let Some((a, used)) = self.text.get(after..to).and_then(attrs) {
                self.record(pos, segment, &a, 0, Cow::Borrowed);
                pos = after + used;
                continue;
            }
            if let Some(end) = self.rejoin_tail(pos, close, to) {
                pos = end;
                continue;
            }
            // A marker without its attribute block: text inside a message, or a record
            // cut off by the end of the file.
            let line = self.line_of(close);
            self.piece.issue(
                IssueKind::DamagedRecord,
                Some(Pos::Line(line)),
                "a record end without its time and date attributes",
            );
            pos = after;
        }
        let tail = self.text.get(pos..to).unwrap_or_default();
        if let Some(i) = memmem::find(tail.as_bytes(), OPEN) {
            self.unended(pos + i, to);
        } else {
            self.piece.coverage.unattributed_lines += stray_lines(tail);
        }
    }

    /// Records from `at` (an opener) to `to` that have no end the strict reader could find:
    /// each is rejoined if a wrap cut its closing marker, else the first is reported.
    fn unended(&mut self, mut at: usize, to: usize) {
        loop {
            let next = self.next_open(at, to);
            if self.rejoin_region(at, next).is_none() {
                let line = self.line_of(at);
                self.piece.issue(
                    IssueKind::DamagedRecord,
                    Some(Pos::Line(line)),
                    "a record has no end (the log was cut off while it was written, or \
                     another record began before it ended)",
                );
                return;
            }
            if next >= to {
                return;
            }
            at = next;
        }
    }

    /// The next opener after the one at `at`, or `to`.
    fn next_open(&self, at: usize, to: usize) -> usize {
        let from = (at + OPEN.len()).min(to);
        memmem::find(&self.text.as_bytes()[from..to], OPEN).map_or(to, |k| from + k)
    }

    /// A record whose attribute block after the marker at `close` a wrap broke over lines:
    /// read from the block joined again (never past another marker or record), and the
    /// end of the block in the file. `None` when the joined block is no record's.
    fn rejoin_tail(&mut self, seg_start: usize, close: usize, to: usize) -> Option<usize> {
        let after = close + CLOSE.len();
        let reach = to.min(after + TAIL_BYTES);
        let hay = self.text.as_bytes().get(after..reach)?;
        // Never past the next marker or opener: each search ends where the next record's
        // begins, so hostile input stays linear.
        let hay = &hay[..memmem::find(hay, CLOSE).unwrap_or(hay.len())];
        let limit = after + memmem::find(hay, OPEN).unwrap_or(hay.len());
        let j = unwrap::Joined::new(self.text, after, limit, TAIL_BREAKS);
        if j.breaks == 0 {
            return None;
        }
        let (a, used) = attrs(&j.text)?;
        stamp(a.time, a.date)?;
        let end = j.original(used - 1) + 1;
        let segment = &self.text[seg_start..close];
        self.record(seg_start, segment, &a, j.breaks, |v: &str| Cow::Owned(v.to_owned()));
        Some(end)
    }

    /// A record from the opener at `from` whose closing marker the strict reader did not
    /// find before `to` (the next opener, or the end of the block): read if the marker and
    /// its attribute block are whole once the wrap is undone. Returns the end of the record
    /// in the file.
    fn rejoin_region(&mut self, from: usize, to: usize) -> Option<usize> {
        let j = unwrap::Joined::new(self.text, from, to, u64::MAX);
        if j.breaks == 0 {
            return None;
        }
        let jc = memmem::find(j.text.as_bytes(), CLOSE)?;
        let (a, used) = attrs(j.text.get(jc + CLOSE.len()..)?)?;
        stamp(a.time, a.date)?;
        let close = j.original(jc);
        let end = j.original(jc + CLOSE.len() + used - 1) + 1;
        let segment = self.text.get(from..close)?;
        self.record(from, segment, &a, j.breaks, |v: &str| Cow::Owned(v.to_owned()));
        self.piece.coverage.unattributed_lines += stray_lines(self.text.get(end..to)?);
        Some(end)
    }

    /// The text of a segment before its record's opener: lines outside any record, a copy
    /// prefix in front of the opener (`> `, `Line 12: `, `UpdatesHandler.log:12:`), or
    /// records whose end a wrap broke (their own opener is there; read them first).
    /// Whether the opener had a copy prefix (the record was pasted).
    fn stray(&mut self, seg_start: usize, stray: &'t str) -> bool {
        if let Some(k) = memmem::find(stray.as_bytes(), OPEN) {
            self.piece.coverage.unattributed_lines += stray_lines(&stray[..k]);
            let to = seg_start + stray.len();
            let mut at = seg_start + k;
            while at < to {
                let next = self.next_open(at, to);
                if self.rejoin_region(at, next).is_none() {
                    self.piece.coverage.unattributed_lines += stray_lines(&self.text[at..next]);
                }
                at = next;
            }
            return false;
        }
        let (before, prefix) = stray.rsplit_once('\n').unwrap_or(("", stray));
        if !lenient::is_blank(prefix) && lenient::is_blank(lenient::strip_record(prefix).0) {
            self.piece.coverage.repaired_lines += 1;
            self.piece.coverage.lenient = true;
            self.piece.coverage.unattributed_lines += stray_lines(before);
            true
        } else {
            self.piece.coverage.unattributed_lines += stray_lines(stray);
            false
        }
    }

    /// One record: `segment` runs from the end of the record before to this one's close;
    /// `a` is its attribute block, rejoined across `rejoined` line breaks (then its
    /// message is unwrapped too, and `own` copies the attributes). A record whose opener
    /// has a copy prefix has its message unwrapped as well.
    fn record<'a>(
        &mut self,
        seg_start: usize,
        segment: &'t str,
        a: &Attrs<'a>,
        mut rejoined: u64,
        own: impl Fn(&'a str) -> Cow<'t, str>,
    ) {
        self.piece.coverage.records += 1;
        let opener = memmem::rfind(segment.as_bytes(), OPEN);
        // A record pasted with a copy prefix: line breaks in its message are a wrap's.
        let mut pasted = false;
        let (message, start, damaged) = if let Some(o) = opener {
            if o > 0 {
                pasted = self.stray(seg_start, &segment[..o]);
            }
            (&segment[o + OPEN.len()..], seg_start + o, false)
        } else if let Some((o, m)) = self.split_opener(seg_start, segment) {
            // The opener itself was cut by a wrap.
            rejoined += 1;
            (m, o, false)
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
        let message = if rejoined > 0 || (pasted && message.contains('\n')) {
            let (m, breaks) = unwrap::message(message);
            self.piece.coverage.repaired_lines += rejoined + breaks;
            self.piece.coverage.lenient = true;
            m
        } else {
            Cow::Borrowed(message)
        };
        let level = level(a.kind);
        let codes = self.ctx.extractor.extract(&message);
        let notable = is_notable(&codes, level, false, &message);
        // Named whether kept or not: the failure that needs the name may be kept alone.
        let named = match &message {
            Cow::Borrowed(m) => update_name(m).map(|(i, n)| (Cow::Borrowed(i), Cow::Borrowed(n))),
            Cow::Owned(m) => {
                update_name(m).map(|(i, n)| (Cow::Owned(i.into()), Cow::Owned(n.into())))
            }
        };
        self.piece.update_names.extend(named);
        if self.ctx.keep == Keep::Notable && !notable {
            return;
        }
        let mut fields = Vec::with_capacity(4);
        for (name, value) in [("thread", a.thread), ("file", a.file), ("context", a.context)] {
            if !value.is_empty() {
                fields.push(Field { name: Cow::Borrowed(name), value: own(value) });
            }
        }
        let multi_line = message.contains('\n');
        let kb = ident::find_kb(&message);
        let message = match message {
            Cow::Borrowed(m) => Cow::Borrowed(m.trim_end()),
            Cow::Owned(m) => Cow::Owned(m),
        };
        let event = Event {
            time: Some(time),
            time_base,
            at: Location { artifact: 0, pos: Pos::Line(line) },
            source: Source::CmTrace,
            level,
            component: own(a.component),
            event_id: None,
            codes,
            kb,
            package: None,
            message,
            fields,
            flags: Flags { multi_line, ..Flags::default() },
        };
        self.piece.push(self.ctx.keep, event, notable);
    }

    /// A segment without an opener whose opener a wrap cut in two (`<![LO` at the end of
    /// one line, `G[…` on the next): where the opener starts, and the message after it.
    fn split_opener(&self, seg_start: usize, segment: &'t str) -> Option<(usize, &'t str)> {
        if !segment.contains('\n') {
            return None;
        }
        let j = unwrap::Joined::new(self.text, seg_start, seg_start + segment.len(), u64::MAX);
        let o = memmem::rfind(j.text.as_bytes(), OPEN)?;
        let start = j.original(o);
        let body = j.original(o + OPEN.len());
        Some((start, &self.text[body..seg_start + segment.len()]))
    }
}

/// Names the updates of `events` (one artifact's, in order) that give only their id
/// (`Update (Site_…/SUM_…) Progress: … Result = 0x…`) by the name another record of the
/// same log gives that id (`Update (ID) Name (…)`, the first one): an `updateTitle` field,
/// and the KB the name holds. Done once the pieces are merged, so that where the file was
/// cut, and whether the naming record was kept, make no difference.
pub(crate) fn name_updates<'t>(events: &mut [Event<'t>], names: &[(Cow<'t, str>, Cow<'t, str>)]) {
    let mut by_id: HashMap<&str, &Cow<'t, str>> = HashMap::with_capacity(names.len());
    for (id, name) in names {
        by_id.entry(id).or_insert(name);
    }
    for e in events.iter_mut().filter(|e| e.source == Source::CmTrace) {
        let Some(&name) = update_id(&e.message).and_then(|id| by_id.get(id)) else { continue };
        if e.field("updateTitle").is_some() {
            continue;
        }
        if e.kb.is_none() {
            e.kb = ident::find_kb(name);
        }
        e.fields.push(Field { name: Cow::Borrowed("updateTitle"), value: name.clone() });
    }
}

/// Parses one piece of a `CMTrace` log (pieces start at a record or at the file start).
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let mut r = Reader { text, ctx, piece: Piece::default(), lines_before: 0, line_at: 0 };
    r.read();
    r.piece.count_lines(text)
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

    /// One record as the client writes it (our own wording, FORMATS.md §8 grammar).
    fn line(message: &str, time: &str, kind: u8) -> String {
        format!(
            "<![LOG[{message}]LOG]!><time=\"{time}+240\" date=\"07-14-2021\" component=\"WUAHandler\" context=\"\" type=\"{kind}\" thread=\"7308\" file=\"cwuahandler.cpp:2358\">"
        )
    }

    const FAILED: &str = "Scan failed with error = 0x80244010.";

    /// `text` cut into pieces of every size gives the same result as whole (the property
    /// the fuzz target checks), then the events of the whole.
    fn read(text: &str) -> Piece<'_> {
        crate::fuzzing::cmtrace(text.as_bytes());
        parse(text, &Ctx::new(Keep::All))
    }

    /// The failure record of a wrapped log, read whole again.
    fn assert_failure(p: &Piece<'_>, line_no: u32) {
        let e = p.events.iter().find(|e| e.level == Level::Error).expect("the failure");
        assert_eq!(e.message, FAILED);
        assert_eq!(e.component, "WUAHandler");
        assert_eq!(e.codes[0].to_string(), "0x80244010");
        assert_eq!(e.time.unwrap().to_string(), "2021-07-14T12:53:44.534000+00:00");
        assert_eq!(e.field("file"), Some("cwuahandler.cpp:2358"));
        assert_eq!(e.at.pos, Pos::Line(line_no));
        assert!(!e.flags.multi_line);
    }

    /// `record` broken before each of `cuts` (byte offsets into it): the text before the cut
    /// ends a line, `lead` starts the next one.
    fn broken(record: &str, cuts: &[usize], lead: &str) -> String {
        let mut out = String::new();
        let mut from = 0;
        for &c in cuts {
            out.push_str(record[from..c].trim_end_matches(' '));
            out.push_str("\r\n");
            out.push_str(lead);
            from = c;
            while record.as_bytes().get(from) == Some(&b' ') {
                from += 1;
            }
        }
        out.push_str(&record[from..]);
        out
    }

    /// Every shape a wrap gives a record (broken in its message, between attributes, right
    /// after the marker, inside a value, inside either marker), with each lead a paste gives
    /// the continuation (indentation of spaces, a TAB, NBSP, a quote marker, blank lines,
    /// none): read as the record it was, between two whole records.
    #[test]
    fn a_wrapped_record_is_read_whole_again() {
        let ok1 = line("Async searching of updates using WUAgent started.", "08:53:40.000", 1);
        let ok2 = line("Successfully completed scan.", "08:57:54.179", 1);
        let record = line(FAILED, "08:53:44.534", 3);
        let at = |s: &str| record.find(s).unwrap();
        let shapes: [(&str, Vec<usize>); 7] = [
            ("between attributes", vec![at("context=")]),
            ("message and attributes", vec![at("error ="), at("type="), at("file=")]),
            ("after the marker", vec![at("<time=")]),
            ("inside the time", vec![at(":44.534")]),
            ("inside the date", vec![at("14-2021")]),
            ("inside the close marker", vec![at("G]!><time")]),
            ("inside the opener", vec![at("G[Scan")]),
        ];
        let leads = ["        ", "\t", "\u{a0}\u{a0}", "> ", "\r\n\r\n  ", "\r\n \r\n", ""];
        for (shape, cuts) in &shapes {
            for lead in leads {
                let text = format!("{ok1}\r\n{}\r\n{ok2}\r\n", broken(&record, cuts, lead));
                let p = read(&text);
                let what = format!("{shape} {lead:?}:\n{text}");
                assert_eq!((p.coverage.records, p.coverage.damaged), (3, 0), "{what}");
                assert_eq!(p.events.len(), 3, "{what}");
                assert_failure(&p, 2);
                assert_eq!(p.events[2].message, "Successfully completed scan.", "{what}");
                assert!(p.coverage.lenient, "{what}");
                let lines = text.lines().count() as u64;
                assert!(p.coverage.repaired_lines >= cuts.len() as u64, "{what}");
                assert!(p.coverage.repaired_lines < lines, "{what}");
            }
        }
    }

    /// The copy prefixes of the mangler in front of a wrapped record (the continuation
    /// indented), in UTF-16 too: read whole, the prefix counted as repaired, not as a line
    /// outside the records.
    #[test]
    fn copy_prefixes_in_front_of_a_wrapped_record() {
        use crate::bundle::{Bundle, Kind};
        use crate::parse::{ParseOptions, Texts};
        let record = line(FAILED, "08:53:44.534", 3);
        let wrapped = broken(
            &record,
            &[record.find("error =").unwrap(), record.find("type=").unwrap()],
            "        ",
        );
        for prefix in
            ["\tLine 12: ", "WUAHandler.log:12:", "12:", "> ", "- ", "> WUAHandler.log:12:"]
        {
            let text = format!("{prefix}{wrapped}\r\n");
            let p = read(&text);
            assert_failure(&p, 1);
            assert_eq!(p.coverage.unattributed_lines, 0, "{prefix:?}");
            assert_eq!(p.coverage.repaired_lines, 3, "{prefix:?}: the prefix and two breaks");
            let utf16: Vec<u8> = [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect();
            let bundle = Bundle::from_memory_as("WUAHandler.log", utf16, Kind::CmTrace);
            let texts = Texts::decode(&bundle);
            let opts = ParseOptions { keep: Keep::All, ..ParseOptions::default() };
            let parsed = crate::parse::parse(&bundle, &texts, &opts).remove(0);
            assert_eq!(parsed.events.len(), 1, "{prefix:?} UTF-16");
            assert_eq!(parsed.events[0].message, FAILED);
        }
        // A pasted record's message broken alone (its attributes whole) is unwrapped too.
        let text = format!("> {}\r\n", broken(&record, &[record.find("with").unwrap()], "> "));
        assert_failure(&read(&text), 1);
    }

    /// A wrap is never taken for two records joined, nor the other way round: a record cut
    /// off inside its attributes stays damaged when the next record follows, quoted or not,
    /// and a whole log's own multi-line message keeps its lines.
    #[test]
    fn two_records_are_never_joined() {
        let record = line(FAILED, "08:53:44.534", 3);
        let cut = &record[..record.find(" type=").unwrap()];
        let next = line("Successfully completed scan.", "08:57:54.179", 1);
        for (a, b) in [("", ""), ("> ", "> "), ("", "    "), ("12:", "13:")] {
            let text = format!("{a}{cut}\r\n{b}{next}\r\n");
            let p = read(&text);
            assert_eq!(p.events.len(), 1, "{text}");
            assert_eq!(p.events[0].message, "Successfully completed scan.");
            assert_eq!(p.coverage.damaged, 1, "{text}");
        }
        // An opener cut off with no end before the next record: one record, one issue.
        let text = format!("<![LOG[half a rec\r\n   ord]LOG]!><time=\"08:5\r\n{next}\r\n");
        let p = read(&text);
        assert_eq!((p.events.len(), p.coverage.damaged), (1, 1), "{:?}", p.issues);
        // A whole log's multi-line message, indented, is not a wrap: read as written.
        let multi = format!(
            "<![LOG[Raising event:\r\n\tClientID = \"GUID:1\";\r\n]LOG]!>{}",
            &next[next.find("<time").unwrap()..]
        );
        let p = read(&multi);
        assert_eq!(p.events[0].message, "Raising event:\r\n\tClientID = \"GUID:1\";");
        assert!(p.events[0].flags.multi_line);
        assert!(!p.coverage.lenient && p.coverage.repaired_lines == 0);
        assert!(!read(LOG).coverage.lenient);
    }

    /// Hostile wrapped input: thousands of markers whose attribute blocks never close, each
    /// followed by indented lines, openers cut in two and quoted blank lines. The repair is
    /// bounded (each search stops at the next marker or record), so this reads in linear
    /// time, with no more records than markers and no event without a record.
    #[test]
    fn hostile_wrapped_input_stays_bounded() {
        let mut text = String::new();
        for i in 0..4000 {
            match i % 4 {
                0 => text.push_str("]LOG]!><time=\"08:53:4\r\n        "),
                1 => text.push_str("<![LO\r\n  G[x]LO\r\n> \r\n>  G]!>\r\n  <time=\"1\" date=\"\r\n"),
                2 => text.push_str("> <![LOG[\r\n\r\n\r\n        ]LOG]!><time=\"08:53:44.534+240\" date=\"07-14-2021\"\r\n"),
                _ => text.push_str(&" \r\n".repeat(64)),
            }
        }
        let p = parse(&text, &Ctx::new(Keep::All));
        let markers = memmem::find_iter(text.as_bytes(), CLOSE).count() as u64;
        assert!(p.coverage.records <= markers + 1000);
        assert!(p.events.len() as u64 <= p.coverage.records);
        assert!(p.coverage.damaged > 0);
        crate::fuzzing::cmtrace(&text.as_bytes()[..20_000]);
    }

    #[test]
    fn a_wrapped_head_is_still_cmtrace() {
        assert!(looks_like(LOG));
        assert!(looks_like(
            "<![LOG[x]LOG]!>\r\n>        <time=\"08:53:44.534+240\" date=\"07-14-2021\""
        ));
        // A note that names both markers is no log.
        assert!(!looks_like("a record is `<![LOG[` … `]LOG]!><time=…>`; counted `]LOG]!>`"));
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
