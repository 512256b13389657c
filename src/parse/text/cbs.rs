//! CBS.log, CbsPersist and dism.log: fixed columns (level 21–42, component 43–49, message
//! from 50), multi-line records, untimestamped report blocks and CSI dual time stamps.
//! Grammar: FORMATS.md §1–2, REFERENCE.md §3.

use super::fast::{self, DayCache, num};
use super::lines::{Grammar, NumberedLine, Record};
use crate::event::{Event, Flags, Level, Location, Pos, Source, is_notable};
use crate::parse::{Collect, Ctx, Hits, IssueKind, Keep, OffsetSource, Piece, ident};
use crate::shapes;
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
        let (lvl_end, (level, level_code)) =
            if line.as_bytes().get(21..43) == Some(INFO_COLUMN.as_bytes()) {
                (43, (Level::Info, None))
            } else {
                let end = floor_boundary(line, 43);
                (end, split_level(line.get(21..end).unwrap_or("")))
            };
        let comp_end = floor_boundary(line, 50);
        let component = line.get(lvl_end..comp_end).map_or("", fast::trim);
        let mut msg = comp_end;
        let mut seq = None;
        if component == "CSI" {
            let m = line.get(msg..).unwrap_or("");
            let mb = m.as_bytes();
            if let Some(v) = mb.first_chunk::<8>().and_then(|h| fast::hex8(*h))
                && mb.len() >= 9
            {
                seq = Some(v);
                match mb[8] {
                    b'@' => {
                        if let Some((utc, used)) = csi_stamp(&m[9..]) {
                            if let Some(q) = quarter_hours(time, utc) {
                                self.piece.offset_seen(OffsetSource::CsiStamp, time, q);
                            }
                            msg +=
                                9 + used + usize::from(m.as_bytes().get(9 + used) == Some(&b' '));
                        }
                    }
                    b' ' => msg += 9,
                    _ => {}
                }
            }
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

    fn finish(&mut self, rec: Option<Rec<'t>>) {
        let Some(r) = rec else { return };
        // Most records are routine: without a prefilter hit they cannot be notable.
        let mut kept = false;
        if self.ctx.keep == Keep::Notable
            && !r.level.is_warning_or_worse()
            && !self.hits.any_in(r.msg_start, r.end)
        {
            let Some(also) = self.also_keep else { return };
            if !also(self.text.get(r.msg_start..r.end).unwrap_or("")) {
                return;
            }
            kept = true;
        }
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
            time: r.time,
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

    #[test]
    fn csi_stamps() {
        let (t, used) = csi_stamp("2016/9/27:20:30:31.455 WcpInitialize").unwrap();
        assert_eq!(t.to_string(), "2016-09-27T20:30:31.455000+00:00");
        assert_eq!(used, 22);
        assert!(csi_stamp("garbage").is_none());
    }
}
