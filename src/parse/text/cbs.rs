//! CBS.log, CbsPersist and dism.log: fixed columns (level 21–42, component 43–49, message
//! from 50), multi-line records, untimestamped report blocks and CSI dual time stamps.
//! Grammar: FORMATS.md §1–2, REFERENCE.md §3.

use super::fast::{self, DayCache, num};
use super::lines::{Grammar, NumberedLine, Record};
use crate::event::{
    Event, Flags, Level, Location, Pos, Source, is_notable, may_say_restart_pending,
};
use crate::parse::{Collect, Ctx, Hits, IssueKind, Keep, OffsetSource, Piece, ident};
use crate::shapes::{self, loose};
use crate::time::{TimeBase, Timestamp};
use std::borrow::Cow;

/// A record being assembled from its header line and continuation lines.
struct Rec<'t> {
    line: u32,
    time: Timestamp,
    level: Level,
    level_code: Option<u32>,
    component: &'t str,
    msg_start: usize,
    end: usize,
    multi: bool,
    report: bool,
    seq: Option<u32>,
}

/// Whether a line (the rest of the buffer from its start) begins a record whatever came
/// before it: the shape and a possible date. Pieces are cut only there, so that a cut never
/// turns a continuation into an orphan line.
pub(crate) fn starts_record(b: &[u8]) -> bool {
    shapes::is_cbs_record(b) && header_time(b).is_some()
}

/// The local time of a `YYYY-MM-DD HH:MM:SS` prefix (shape already checked).
fn header_time(b: &[u8]) -> Option<Timestamp> {
    Timestamp::from_civil(
        i64::from(num(b.get(0..4)?)),
        num(b.get(5..7)?),
        num(b.get(8..10)?),
        num(b.get(11..13)?),
        num(b.get(14..16)?),
        num(b.get(17..19)?),
        0,
    )
}

fn level_of(word: &str) -> Level {
    match word {
        "Error" => Level::Error,
        "Warning" => Level::Warning,
        "Perf" => Level::Verbose,
        _ => Level::Info,
    }
}

/// The level column (21..43) of nearly every line.
const INFO_COLUMN: &str = "Info                  ";

/// `Error      [0x01806a]` → (Error, Some(0x1806a)).
fn split_level(field: &str) -> (Level, Option<u32>) {
    if field == INFO_COLUMN {
        return (Level::Info, None);
    }
    let field = fast::trim(field);
    match field.split_once('[') {
        Some((word, rest)) => {
            let hex = fast::trim(rest.trim_end_matches(']'));
            let hex = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X")).unwrap_or(hex);
            (level_of(fast::trim(word)), u32::from_str_radix(hex, 16).ok())
        }
        None => (level_of(field), None),
    }
}

/// A level column that holds a level word and nothing else but padding and a bracketed
/// code: `Error`, `Warning      `, `Error      [0x01806a] `.
fn strict_level(field: &str) -> Option<(Level, Option<u32>)> {
    let t = fast::trim(field);
    let (word, code) = match t.split_once('[') {
        Some((word, rest)) => {
            let hex = fast::trim(rest.strip_suffix(']')?);
            let hex = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X"))?;
            (fast::trim(word), Some(u32::from_str_radix(hex, 16).ok()?))
        }
        None => (t, None),
    };
    let level = match word {
        "Info" => Level::Info,
        "Error" => Level::Error,
        "Warning" => Level::Warning,
        "Perf" => Level::Verbose,
        _ => return None,
    };
    Some((level, code))
}

/// Whether a line is a CBS or DISM record header that the strict grammar reads as it is:
/// the timestamp shape, and level and component columns that hold what they should.
pub(crate) fn is_strict(line: &str) -> bool {
    if !shapes::is_cbs_record(line.as_bytes()) {
        return false;
    }
    if line.as_bytes().get(21..43) == Some(INFO_COLUMN.as_bytes()) {
        return true;
    }
    let field = line.get(21..floor_boundary(line, 43)).unwrap_or("");
    strict_level(field).is_some() && line.as_bytes().get(49).is_none_or(|&c| c == b' ')
}

/// After a `CSI` component: the 8-hex-digit sequence number and the UTC `@` stamp glued to
/// it, if any, and how many bytes of `m` they take (with the space after them).
pub(crate) fn csi_head(m: &str) -> (Option<u32>, Option<Timestamp>, usize) {
    let mb = m.as_bytes();
    let Some(v) = mb.first_chunk::<8>().and_then(|h| fast::hex8(*h)).filter(|_| mb.len() >= 9)
    else {
        return (None, None, 0);
    };
    match mb[8] {
        b'@' => match m.get(9..).and_then(csi_stamp) {
            Some((utc, used)) => {
                (Some(v), Some(utc), 9 + used + usize::from(mb.get(9 + used) == Some(&b' ')))
            }
            None => (Some(v), None, 0),
        },
        b' ' => (Some(v), None, 9),
        _ => (Some(v), None, 0),
    }
}

/// A CSI UTC stamp `YYYY/M/D:HH:MM:SS.mmm` (month and day not padded).
pub(crate) fn csi_stamp(s: &str) -> Option<(Timestamp, usize)> {
    if let Some(([y, mo, d, h, mi, sec], frac, end)) = fast::csi_fields(s) {
        let micros = crate::time::parse_fraction_micros(frac)?;
        return Some((Timestamp::from_civil(i64::from(y), mo, d, h, mi, sec, micros)?, end));
    }
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    let stamp = s.get(..end)?;
    let (date, time) = stamp.split_once(':')?;
    let mut d = date.split('/');
    let (y, mo, da) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let mut t = time.split(':');
    let (h, mi) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let (sec, ms) = t.next()?.split_once('.').unwrap_or((t.next().unwrap_or("0"), "0"));
    let micros = crate::time::parse_fraction_micros(ms)?;
    Some((Timestamp::from_civil(y, mo, da, h, mi, sec.parse().ok()?, micros)?, end))
}

/// Byte index at or before `i` that is a char boundary of `s`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Rounds a local − UTC difference to the nearest quarter hour.
pub(crate) fn quarter_hours(local: Timestamp, utc: Timestamp) -> Option<i32> {
    let secs = (local.0 - utc.0) / 1_000_000;
    let q = ((secs as f64) / 900.0).round() as i64 * 15;
    (q.abs() <= 18 * 60).then_some(q as i32)
}

struct Parser<'t, 'c> {
    text: &'t str,
    source: Source,
    /// Messages kept under [`Keep::Notable`] although not notable (a grammar that shares
    /// these columns and reads lines CBS does not, such as Windows Setup's logs).
    also_keep: Option<fn(&str) -> bool>,
    ctx: &'c Ctx,
    hits: Hits<'c>,
    days: DayCache,
    piece: Piece<'t>,
}

impl<'t> Parser<'t, '_> {
    fn start(&mut self, line: &'t str, start: usize, line_no: u32, time: Timestamp) -> Rec<'t> {
        let len = line.len();
        // The level column of nearly every line is `Info` and padding, which ends on ASCII.
        let (level, level_code, component, msg) =
            if line.as_bytes().get(21..43) == Some(INFO_COLUMN.as_bytes()) {
                let comp_end = floor_boundary(line, 50);
                (Level::Info, None, line.get(43..comp_end).map_or("", fast::trim), comp_end)
            } else {
                self.columns(line)
            };
        let mut msg = msg;
        let mut seq = None;
        if component == "CSI" {
            let (s, utc, skip) = csi_head(line.get(msg..).unwrap_or(""));
            seq = s;
            if let Some(q) = utc.and_then(|utc| quarter_hours(time, utc)) {
                self.piece.offset_seen(OffsetSource::CsiStamp, time, q);
            }
            msg += skip;
        }
        let msg = msg.min(len);
        Rec {
            line: line_no,
            time,
            level,
            level_code,
            component,
            msg_start: start + msg,
            end: start + len,
            multi: false,
            report: false,
            seq,
        }
    }

    /// Level, level code, component and message offset of a header that is not the common
    /// `Info` one: by its columns when they hold what they should, else, when its padding
    /// was collapsed or shortened on the way to a ticket, by its tokens (the line counts as
    /// repaired). A line neither reads is read by its columns, as it always was.
    fn columns(&mut self, line: &'t str) -> (Level, Option<u32>, &'t str, usize) {
        let end = floor_boundary(line, 43);
        let comp_end = floor_boundary(line, 50);
        let field = line.get(21..end).unwrap_or("");
        let padded = line.as_bytes().get(49).is_none_or(|&c| c == b' ');
        if let Some((level, code)) = strict_level(field).filter(|_| padded) {
            return (level, code, line.get(end..comp_end).map_or("", fast::trim), comp_end);
        }
        if let Some(h) = loose::cbs_header(line) {
            self.piece.coverage.repaired_lines += 1;
            return (h.level, h.level_code, h.component, h.message);
        }
        let (level, code) = split_level(field);
        (level, code, line.get(end..comp_end).map_or("", fast::trim), comp_end)
    }

    fn finish(&mut self, rec: Option<Rec<'t>>) {
        let Some(r) = rec else { return };
        // Most records are routine: without a prefilter hit they cannot be notable, unless
        // they say that a restart is pending.
        let mut kept = false;
        if self.ctx.keep == Keep::Notable
            && !r.level.is_warning_or_worse()
            && !self.hits.any_in(r.msg_start, r.end)
            && !may_say_restart_pending(self.text.as_bytes(), r.msg_start)
        {
            let Some(also) = self.also_keep else { return };
            if !also(self.text.get(r.msg_start..r.end).unwrap_or("")) {
                return;
            }
            kept = true;
        }
        self.build(&r, kept);
    }

    /// The event of a record that passed the routine test; `kept` when `also_keep` kept it.
    // Out of line: `finish` runs on every record and stays small enough to be inlined into
    // the line loop (with this body inlined too, the restart test cost a call per record:
    // +14.0 M instructions on the 100 MiB generated bundle, callgrind, dist, --threads 1).
    #[inline(never)]
    fn build(&mut self, r: &Rec<'t>, kept: bool) {
        let message = self.text.get(r.msg_start..r.end).unwrap_or("");
        let message = message.trim_end_matches(['\r', '\n']);
        let message = self.ctx.capped(message, &mut self.piece.cut);
        let codes = self.ctx.extractor.extract(message);
        let notable = is_notable(&codes, r.level, false, message)
            || kept
            || self.also_keep.is_some_and(|also| also(message));
        if self.ctx.keep == Keep::Notable && !notable {
            return;
        }
        let event = Event {
            time: Some(r.time),
            time_base: TimeBase::Local,
            at: Location { artifact: 0, pos: Pos::Line(r.line) },
            source: self.source,
            level: r.level,
            component: Cow::Borrowed(r.component),
            event_id: None,
            codes,
            kb: ident::find_kb(message),
            package: ident::find_package(message).map(Cow::Borrowed),
            message: Cow::Borrowed(message),
            fields: Vec::new(),
            flags: Flags {
                multi_line: r.multi,
                report_block: r.report,
                recovered: false,
                level_code: r.level_code,
                csi_seq: r.seq,
            },
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

    fn begin(&mut self, line: NumberedLine<'t>, current: Option<&mut Rec<'t>>) -> Option<Rec<'t>> {
        let body = line.body;
        if shapes::is_cbs_record(body.as_bytes()) {
            if let Some(time) = self.days.time(body.as_bytes(), 0) {
                self.piece.coverage.records += 1;
                self.piece.coverage.see_time(time);
                return Some(self.start(body, line.start, line.no, time));
            }
            self.piece.issue(
                IssueKind::BadTimestamp,
                Some(Pos::Line(line.no)),
                "impossible date or time in a record header",
            );
            return None;
        }
        // An untimestamped DISM health summary: its own event, dated from the record before.
        if fast::trim(body) == "Checking System Update Readiness."
            && let Some(prev) = current
        {
            return Some(Rec {
                line: line.no,
                time: prev.time,
                level: Level::Info,
                level_code: None,
                component: "",
                msg_start: line.start,
                end: line.end,
                multi: true,
                report: true,
                seq: None,
            });
        }
        None
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

/// Parses one piece of a CBS-family log (pieces start at a record or at the file start).
pub(crate) fn parse<'t>(text: &'t str, source: Source, ctx: &Ctx) -> Piece<'t> {
    parse_with(text, source, None, ctx)
}

/// [`parse`] for a log in the same columns that also keeps, under [`Keep::Notable`], the
/// records whose message `also_keep` accepts.
// A function of its own: inlined into rayon's parse job, fat LTO compiles its line loop to
// ~4.0 M more instructions (1,207.8 M against 1,203.8 M, 0.3%) on a 100 MiB make-bundle
// bundle (callgrind, dist profile, --threads 1 and default alike).
#[inline(never)]
pub(crate) fn parse_with<'t>(
    text: &'t str,
    source: Source,
    also_keep: Option<fn(&str) -> bool>,
    ctx: &Ctx,
) -> Piece<'t> {
    let hits = ctx.prefilter.hits(text);
    let p = Parser {
        text,
        source,
        also_keep,
        ctx,
        hits,
        days: DayCache::default(),
        piece: Piece::default(),
    };
    p.collect(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(keep: Keep) -> Ctx {
        Ctx::new(keep)
    }

    const LOG: &str = "\
2023-05-17 08:44:12, Info                  CSI    00000007 Hashes for file member [l:44]'x.dll' do not match.\r
 Expected: {l:32 ml:33 b:a9}.\n Actual: {l:32 b:25}.\r
2023-05-17 08:44:12, Error                 CSI    00000008@2023/5/17:15:44:12.956 (F) Error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) originated in function X\r
2025-04-26 05:21:55, Info                         Feature: x~ found. Adding packages to it\r
2026-10-08 20:55:05, Error      [0x01806a] CSI    0000004b (F) Failed execution with HRESULT HRESULT_FROM_WIN32(1753).[gle=0x80004005]\r
2019-02-24 20:46:50, Error                 CBS    Failed to check, package: Windows7SP1-KB976933~31bf3856ad364e35~x86~~6.1.1.17514 [HRESULT = 0x80070490 - ERROR_NOT_FOUND]\r
Checking System Update Readiness.\r
\r
Summary:\r
Operation result: 0x800f081f\r
2019-02-24 20:47:00, Info                  CBS    Ending TrustedInstaller finalization.\r
";

    #[test]
    fn records_columns_and_continuations() {
        let p = parse(LOG, Source::Cbs, &ctx(Keep::All));
        assert_eq!(p.coverage.records, 6);
        assert_eq!(p.coverage.lines, 12);
        let e = &p.events;
        assert_eq!(e.len(), 7);
        assert!(e[0].flags.multi_line);
        assert!(e[0].message.contains("Actual: {l:32 b:25}."));
        assert_eq!(e[0].flags.csi_seq, Some(7));
        assert_eq!(e[1].level, Level::Error);
        assert_eq!(e[1].component, "CSI");
        assert!(e[1].message.starts_with("(F) Error NTSTATUS_FROM_WIN32"));
        assert_eq!(e[1].codes[0].to_string(), "0xC007000D");
        assert_eq!(e[2].component, "");
        assert!(e[2].message.starts_with("Feature:"));
        assert_eq!(e[3].flags.level_code, Some(0x0001_806a));
        assert_eq!(e[3].level, Level::Error);
        assert_eq!(
            e[3].codes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["0x800706D9", "0x80004005"]
        );
        assert_eq!(e[4].kb, Some(976_933));
        assert_eq!(
            e[4].package.as_deref(),
            Some("Windows7SP1-KB976933~31bf3856ad364e35~x86~~6.1.1.17514")
        );
        assert_eq!(e[4].at.pos, Pos::Line(7));
        assert!(e[5].flags.report_block);
        assert_eq!(e[5].at.pos, Pos::Line(8));
        assert_eq!(e[5].codes[0].to_string(), "0x800F081F");
        assert_eq!(p.offset_votes().get(&(OffsetSource::CsiStamp, -420)), Some(&1));
    }

    #[test]
    fn notable_filter_and_unattributed_lines() {
        let text = "Checking C:\\CBS.log for SFC entries\n . . .\n2023-05-17 08:53:11, Info                  CSI    00000072 [SR] Cannot repair member file\n2023-05-17 08:53:12, Info                  CBS    routine line\n";
        let p = parse(text, Source::Cbs, &ctx(Keep::Notable));
        assert_eq!(p.coverage.unattributed_lines, 2);
        assert_eq!(p.coverage.records, 2);
        assert_eq!(p.events.len(), 1);
        assert_eq!(p.events[0].at.pos, Pos::Line(3));
    }

    #[test]
    fn bad_timestamps_are_issues_not_records() {
        let p = parse(
            "2023-13-45 99:00:00, Info                  CBS    x\n",
            Source::Cbs,
            &ctx(Keep::All),
        );
        assert_eq!(p.coverage.records, 0);
        assert_eq!(p.issues[0].kind, IssueKind::BadTimestamp);
    }

    #[test]
    fn short_and_non_ascii_lines_do_not_panic() {
        for t in [
            "2023-05-17 08:53:11, Info",
            "2023-05-17 08:53:11, Inféééééééééééééééééééééééééééééé CBS x",
            "2023-05-17 08:53:11, ",
        ] {
            let p = parse(t, Source::Cbs, &ctx(Keep::All));
            assert_eq!(p.coverage.records, 1, "{t}");
        }
    }

    #[test]
    fn dism_continuations_with_localized_text() {
        let text = "2023-05-22 12:47:34, Warning               DISM   DISM Package Manager: PID=6844 TID=7344 CBS AddSource failed with HRESULT=0x8007007b! - CDISMPackageManager::Internal_Finalize\r\n\
[13388] [0x8007007b] FIOReadFileIntoBuffer:(1381): Синтаксическая ошибка в имени файла.\r\n\
[6556.5572] [0xc142011c] UnmarshallImageHandleFromDirectory:(641)\r\n\
2023-05-22 12:48:44, Error                 DISM   DISM Package Manager: PID=6844 TID=7344 Failed while processing command cleanup-image. - CPackageManagerCLIHandler::ExecuteCmdLine(hr:0x800f081f)\r\n";
        let p = parse(text, Source::Dism, &ctx(Keep::All));
        assert_eq!(p.coverage.records, 2);
        let e = &p.events[0];
        assert_eq!(e.source, Source::Dism);
        assert_eq!(e.component, "DISM");
        assert!(e.flags.multi_line);
        assert!(e.message.contains("Синтаксическая"));
        let codes: Vec<String> = e.codes.iter().map(ToString::to_string).collect();
        assert_eq!(codes, ["0x8007007B", "0xC142011C"]);
        assert_eq!(p.events[1].at.pos, Pos::Line(4));
        assert_eq!(p.events[1].codes[0].to_string(), "0x800F081F");
    }

    /// Padding collapsed or shortened on the way to a ticket: the level, component and
    /// message are still split where they belong, and the lines count as repaired.
    #[test]
    fn collapsed_columns_are_read_by_their_tokens() {
        let text = "2024-03-01 10:00:00, Info CBS Exec: Processing complete [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]\r\n\
2024-03-01 10:00:01, Error  CSI  00000008@2024/3/1:09:00:01.956 (F) Failed [gle=0x80004005]\r\n\
2024-03-01 10:00:02, Error [0x01806a] CSI 0000004b (F) Installer failed\r\n\
2024-03-01 10:00:03, Info Feature: x~ found\r\n\
2024-03-01 10:00:04, Error                 CBS    untouched\r\n";
        let p = parse(text, Source::Cbs, &ctx(Keep::All));
        let e = &p.events;
        assert_eq!(p.coverage.records, 5);
        assert_eq!(p.coverage.repaired_lines, 4);
        assert_eq!((e[0].level, e[0].component.as_ref()), (Level::Info, "CBS"));
        assert!(e[0].message.starts_with("Exec: Processing complete"), "{}", e[0].message);
        assert_eq!((e[1].level, e[1].component.as_ref()), (Level::Error, "CSI"));
        assert_eq!(e[1].flags.csi_seq, Some(8));
        assert!(e[1].message.starts_with("(F) Failed"), "{}", e[1].message);
        assert_eq!(p.offset_votes().get(&(OffsetSource::CsiStamp, 60)), Some(&1));
        assert_eq!((e[2].flags.level_code, e[2].flags.csi_seq), (Some(0x0001_806a), Some(0x4b)));
        assert_eq!(e[3].component, "");
        assert!(e[3].message.starts_with("Feature:"));
        assert!(is_strict("2024-03-01 10:00:04, Error                 CBS    untouched"));
        assert!(!is_strict("2024-03-01 10:00:00, Info CBS Exec"));
    }

    #[test]
    fn csi_stamps() {
        let (t, used) = csi_stamp("2016/9/27:20:30:31.455 WcpInitialize").unwrap();
        assert_eq!(t.to_string(), "2016-09-27T20:30:31.455000+00:00");
        assert_eq!(used, 22);
        assert!(csi_stamp("garbage").is_none());
    }
}
