//! WindowsUpdate.log in both formats (FORMATS.md §3): the Windows 10+ fixed-column output
//! of `Get-WindowsUpdateLog`, and the legacy TAB-separated log with its `tz:` banner.

use super::fast::{self, DayCache, num};
use super::lines::{Grammar, NumberedLine, Record};
use crate::event::{
    Event, Flags, Level, Location, Pos, Source, is_notable, may_say_restart_pending,
};
use crate::parse::{Collect, Ctx, Hits, Keep, OffsetSource, Piece, ident};
use crate::shapes;
use crate::time::{TimeBase, Timestamp, UtcOffset};
use std::borrow::Cow;

struct Rec<'t> {
    line: u32,
    time: Timestamp,
    level: Level,
    component: &'t str,
    msg_start: usize,
    end: usize,
    multi: bool,
}

/// Where the message starts: column 56 when the component is padded to it, else one
/// space after the component.
const MESSAGE_COLUMN: usize = 56;

fn modern<'a>(line: &'a str, start: usize, line_no: u32, days: &mut DayCache) -> Option<Rec<'a>> {
    let b = line.as_bytes();
    // 7 fractional digits (100 ns); keep microseconds.
    let time = days.time(b, num(b.get(20..26)?))?;
    let mut i = 28;
    let mut token = || {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        let s = i;
        while b.get(i).is_some_and(|c| *c != b' ') {
            i += 1;
        }
        (s, i)
    };
    let _pid = token();
    let _tid = token();
    let (cs, ce) = token();
    let component = line.get(cs..ce)?;
    let msg = if ce <= MESSAGE_COLUMN
        && b.get(ce..MESSAGE_COLUMN).is_some_and(|r| r.iter().all(|c| *c == b' '))
    {
        MESSAGE_COLUMN
    } else {
        (ce + 1).min(b.len())
    };
    let msg = if line.is_char_boundary(msg) { msg } else { ce };
    Some(Rec {
        line: line_no,
        time,
        level: Level::Info,
        component,
        msg_start: start + msg,
        end: start + b.len(),
        multi: false,
    })
}

/// Whether a line (the rest of the buffer from its start) begins a record whatever came
/// before it; pieces are cut only there.
pub(crate) fn starts_record(rest: &[u8]) -> bool {
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
    let Ok(line) = std::str::from_utf8(&rest[..end]) else { return false };
    let line = line.strip_suffix('\r').unwrap_or(line);
    let b = line.as_bytes();
    let days = &mut DayCache::default();
    (shapes::is_wu_record(b) && modern(line, 0, 0, days).is_some())
        || (shapes::is_wu_legacy_record(b) && legacy(line, 0, 0, days).is_some())
}

fn legacy<'a>(line: &'a str, start: usize, line_no: u32, days: &mut DayCache) -> Option<Rec<'a>> {
    let b = line.as_bytes();
    let time = days.time(b, num(b.get(20..23)?) * 1000)?;
    let mut fields = line.splitn(6, '\t');
    let (_, _, _, _) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
    let component = fields.next()?;
    let message = fields.next().unwrap_or("");
    let msg_start = start + (line.len() - message.len());
    let level = if message.starts_with("FATAL") {
        Level::Error
    } else if message.starts_with("WARNING") {
        Level::Warning
    } else {
        Level::Info
    };
    Some(Rec {
        line: line_no,
        time,
        level,
        component: fast::trim(component),
        msg_start,
        end: start + b.len(),
        multi: false,
    })
}

/// Whether a line is a record header that the strict grammar reads as it is.
pub(crate) fn is_strict(line: &str) -> bool {
    let b = line.as_bytes();
    shapes::is_wu_record(b) || shapes::is_wu_legacy_record(b)
}

/// The offset in a `Logging initialized (build: …, tz: +0530)` banner.
pub(crate) fn banner_offset(message: &str) -> Option<UtcOffset> {
    let at = message.find("tz: ")?;
    let rest = message.get(at + 4..)?;
    let end = rest.find(|c: char| c == ')' || c.is_whitespace()).unwrap_or(rest.len());
    UtcOffset::parse(rest.get(..end)?)
}

struct Parser<'t, 'c> {
    text: &'t str,
    ctx: &'c Ctx,
    hits: Hits<'c>,
    days: DayCache,
    piece: Piece<'t>,
}

impl<'t> Parser<'t, '_> {
    fn finish(&mut self, rec: Option<Rec<'t>>) {
        let Some(r) = rec else { return };
        // Without a prefilter hit (the legacy banner is an anchor too) a record is routine,
        // unless it says that a restart is pending.
        if self.ctx.keep == Keep::Notable
            && !r.level.is_warning_or_worse()
            && !self.hits.any_in(r.msg_start, r.end)
            && !may_say_restart_pending(self.text.as_bytes(), r.msg_start)
        {
            return;
        }
        self.build(&r);
    }

    /// The event of a record that passed the routine test. Out of line, so that `finish`
    /// stays small enough to be inlined into the line loop (see `cbs::Parser::build`).
    #[inline(never)]
    fn build(&mut self, r: &Rec<'t>) {
        let message =
            self.text.get(r.msg_start..r.end).unwrap_or("").trim_end_matches(['\r', '\n']);
        let message = self.ctx.capped(message, &mut self.piece.cut);
        if let Some(off) =
            banner_offset(message).filter(|_| message.contains("Logging initialized"))
        {
            self.piece.offset_seen(OffsetSource::WuBanner, r.time, off.minutes());
        }
        let codes = self.ctx.extractor.extract(message);
        let notable = is_notable(&codes, r.level, false, message);
        if self.ctx.keep == Keep::Notable && !notable {
            return;
        }
        let event = Event {
            time: Some(r.time),
            time_base: TimeBase::Local,
            at: Location { artifact: 0, pos: Pos::Line(r.line) },
            source: Source::WindowsUpdate,
            level: r.level,
            component: Cow::Borrowed(r.component),
            event_id: None,
            codes,
            kb: ident::find_kb(message),
            package: ident::find_package(message).map(Cow::Borrowed),
            message: Cow::Borrowed(message),
            fields: Vec::new(),
            flags: Flags { multi_line: r.multi, ..Flags::default() },
        };
        self.piece.push(self.ctx.keep, event, notable);
    }
}

impl Record for Rec<'_> {
    fn extend_to(&mut self, end: usize) {
        self.end = end;
        self.multi = true;
    }
}

impl<'t> Grammar<'t> for Parser<'t, '_> {
    type Rec = Rec<'t>;

    fn begin(&mut self, line: NumberedLine<'t>, _: Option<&mut Rec<'t>>) -> Option<Rec<'t>> {
        let b = line.body.as_bytes();
        let rec = if shapes::is_wu_record(b) {
            modern(line.body, line.start, line.no, &mut self.days)
        } else if shapes::is_wu_legacy_record(b) {
            legacy(line.body, line.start, line.no, &mut self.days)
        } else {
            None
        }?;
        self.piece.coverage.records += 1;
        self.piece.coverage.see_time(rec.time);
        Some(rec)
    }

    fn finish(&mut self, rec: Rec<'t>) {
        Parser::finish(self, Some(rec));
    }
}

impl<'t> crate::parse::Collect<'t> for Parser<'t, '_> {
    fn into_piece(self) -> Piece<'t> {
        self.piece
    }
}

/// Parses one piece of a WindowsUpdate.log (either format; each line is checked).
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let hits = ctx.prefilter.hits(text);
    let p = Parser { text, ctx, hits, days: DayCache::default(), piece: Piece::default() };
    p.collect(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Piece<'_> {
        parse(text, &Ctx::new(Keep::All))
    }

    #[test]
    fn modern_columns() {
        let t = "\u{FEFF}2023/05/22 08:22:20.0686513 2288  2488  Handler         *FAILED* [800F024B] Driver Install (mapping to error 8024200B)\r\n\
2024-04-11 12:48:04.9148910 1980  8444  Agent             Title = 9NBLGGH537C2-Microsoft.XboxGameOverlay\r\n\
2023/05/22 08:14:23.3215006 1180  1240  DownloadManager Download call complete (succeeded = 0, failed = 1)\r\n";
        let p = all(t);
        assert_eq!(p.coverage.records, 3);
        let e = &p.events;
        assert_eq!(e[0].component, "Handler");
        assert_eq!(e[0].time.unwrap().to_string(), "2023-05-22T08:22:20.068651+00:00");
        assert_eq!(e[0].codes.len(), 2);
        assert_eq!(e[1].message, "  Title = 9NBLGGH537C2-Microsoft.XboxGameOverlay");
        assert_eq!(e[2].component, "DownloadManager");
        assert!(e[2].message.starts_with("Download call complete"));
    }

    #[test]
    fn legacy_tabs_and_banner() {
        let t = "2021-08-28\t11:05:07:920\t 576\ta70\tMisc\t===========  Logging initialized (build: 7.6.7600.256, tz: +0530)  ===========\r\n\
2016-10-19\t11:23:58:516\t1532\t1f40\tHandler\tFATAL: UH: 0x80070057: EvaluateApplicability failed\r\n\
2016-10-19\t11:23:58:547\t1532\t1f40\tAgent\tWARNING: Failed to evaluate Installed rule, hr = 80070057\r\n";
        let p = all(t);
        assert_eq!(p.coverage.records, 3);
        assert_eq!(p.offset_votes().get(&(OffsetSource::WuBanner, 330)), Some(&1));
        assert_eq!(p.events[1].level, Level::Error);
        assert_eq!(p.events[1].component, "Handler");
        assert_eq!(p.events[2].level, Level::Warning);
        assert_eq!(p.events[0].time.unwrap().to_string(), "2021-08-28T11:05:07.920000+00:00");
    }
}
