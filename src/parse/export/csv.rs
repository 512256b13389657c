//! Event Viewer's "Save All Events As…" in its two text forms: comma-separated (.csv) and
//! tab-delimited (.txt). The header names five columns in the machine's language (`Level,
//! Date and Time, Source, Event ID, Task Category`; `Ebene,Datum und Uhrzeit,Quelle,…`)
//! and every row has a sixth, the message, which may hold line breaks inside quotes.
//!
//! The order of the columns is fixed, so they are read by place and any language works;
//! the level is translated by [`super::lang`], and the local date is read in the order
//! the file shows (`5/22/2023 8:05:16 PM`, `22.05.2023 20:05:16`, `2023/05/22 20:05:16`),
//! see [`DateOrder`].

use super::{emit, lang};
use crate::event::{Level, Pos, Source};
use crate::parse::evtx::{Draft, family};
use crate::parse::{Ctx, IssueKind, Piece};
use crate::time::{TimeBase, Timestamp};

/// Whether the head of a file is such an export: a first line of five cells split by
/// commas or TABs, and a row whose fourth cell is a number and second a date and time.
pub(crate) fn looks_like(head: &str) -> bool {
    let mut lines = head.lines().map(|l| l.trim_start_matches('\u{FEFF}'));
    let Some(header) = lines.next() else { return false };
    let delim = delimiter(header);
    if header.split(delim).count() != 5 {
        return false;
    }
    lines.next().is_some_and(|row| {
        let cells: Vec<&str> = row.split(delim).collect();
        cells.len() >= 5
            && cells[3].trim().bytes().all(|b| b.is_ascii_digit())
            && !cells[3].trim().is_empty()
            && (DateOrder::DayFirst.parse(cells[1].trim_matches('"')).is_some()
                || DateOrder::MonthFirst.parse(cells[1].trim_matches('"')).is_some())
    })
}

fn delimiter(header: &str) -> char {
    if header.matches('\t').count() >= 4 { '\t' } else { ',' }
}

/// How a file writes its dates when the year is last: day first (most languages) or month
/// first (English, United States). Dates with the year first are read as year, month, day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateOrder {
    /// `22/05/2023`, `22.05.2023`.
    DayFirst,
    /// `5/22/2023`.
    MonthFirst,
}

/// A date and time as written: the date's three numbers and whether the year is first, the
/// time's, and whether it is afternoon (`PM`, `午後`, `오후`), morning, or neither.
type Written = ([u32; 3], bool, [u32; 3], Option<bool>);

fn pieces(s: &str) -> Option<Written> {
    let mut date: Option<([u32; 3], bool)> = None;
    let mut time: Option<[u32; 3]> = None;
    let mut pm = None;
    for w in s.split_whitespace() {
        let lw = w.to_lowercase();
        if ["pm", "p.m.", "午後", "오후"].contains(&lw.as_str()) {
            pm = Some(true);
        } else if ["am", "a.m.", "午前", "오전"].contains(&lw.as_str()) {
            pm = Some(false);
        } else if w.contains(':') {
            let mut t = [0u32; 3];
            for (i, p) in w.split(':').enumerate() {
                let p = p.split('.').next()?;
                *t.get_mut(i)? = p.parse().ok()?;
            }
            time = Some(t);
        } else if w.contains(['/', '.', '-']) {
            let parts: Vec<&str> = w.split(['/', '.', '-']).filter(|p| !p.is_empty()).collect();
            let [a, b, c] = parts.as_slice() else { return None };
            let year_first = a.len() == 4;
            date = Some(([a.parse().ok()?, b.parse().ok()?, c.parse().ok()?], year_first));
        }
    }
    let (d, year_first) = date?;
    Some((d, year_first, time?, pm))
}

impl DateOrder {
    /// The order a file's dates show: day first if a first number passes 12, month first
    /// if a second one does or the times are written with AM/PM, else day first.
    pub(crate) fn of<'a>(lines: impl Iterator<Item = &'a str>) -> Self {
        let mut ampm = false;
        for line in lines {
            for w in line.split([' ', ',', '\t', '"']) {
                let parts: Vec<&str> = w.split(['/', '.', '-']).collect();
                if let [a, b, c] = parts.as_slice()
                    && c.len() == 4
                    && let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>())
                {
                    if a > 12 && b <= 12 {
                        return DateOrder::DayFirst;
                    }
                    if b > 12 && a <= 12 {
                        return DateOrder::MonthFirst;
                    }
                }
                ampm |= w == "AM" || w == "PM";
            }
        }
        if ampm { DateOrder::MonthFirst } else { DateOrder::DayFirst }
    }

    /// A local date and time in this order.
    pub(crate) fn parse(self, s: &str) -> Option<Timestamp> {
        let (d, year_first, t, pm) = pieces(s)?;
        let (y, m, day) = if year_first {
            (d[0], d[1], d[2])
        } else if self == DateOrder::MonthFirst {
            (d[2], d[0], d[1])
        } else {
            (d[2], d[1], d[0])
        };
        let hour = match pm {
            Some(true) if t[0] < 12 => t[0] + 12,
            Some(false) if t[0] == 12 => 0,
            _ => t[0],
        };
        Timestamp::from_civil(i64::from(y), m, day, hour, t[1], t[2], 0)
    }
}

/// Parses a whole export.
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    let body = text.trim_start_matches('\u{FEFF}');
    let header = body.lines().next().unwrap_or("");
    let delim = delimiter(header);
    let order = DateOrder::of(body.lines().take(2000));
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(u8::try_from(delim).unwrap_or(b','))
        .flexible(true)
        .has_headers(true)
        .from_reader(body.as_bytes());
    let mut rec = ::csv::StringRecord::new();
    // Lines counted up to each record's first byte (the crate's own count starts elsewhere).
    let (mut line_at, mut lines_before) = (0usize, 0u64);
    loop {
        match reader.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, ::csv::Position::line);
                piece.issue(
                    IssueKind::Malformed,
                    Some(Pos::Line(u32::try_from(line).unwrap_or(u32::MAX))),
                    format!("the export does not parse from line {line} on ({e})"),
                );
                break;
            }
        }
        let at = rec.position().map_or(line_at, |p| usize::try_from(p.byte()).unwrap_or(0));
        let mut at = at.clamp(line_at, body.len());
        // The crate's record can begin at the line end of the one before.
        while matches!(body.as_bytes().get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        lines_before += memchr::memchr_iter(b'\n', &body.as_bytes()[line_at..at]).count() as u64;
        line_at = at;
        let line = u32::try_from(lines_before + 1).unwrap_or(u32::MAX);
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(time) = order.parse(get(1)) else {
            piece.issue(
                IssueKind::BadTimestamp,
                Some(Pos::Line(line)),
                format!("unreadable date and time {:?}", get(1)),
            );
            continue;
        };
        piece.coverage.records += 1;
        piece.coverage.see_time(time);
        let level = lang::level(get(0)).unwrap_or(Level::Info);
        let id = get(3).parse().ok();
        let mut fields = super::text_fields(family(get(2)), id, get(5));
        if !get(4).is_empty() {
            fields.push(("Task".into(), get(4).to_string()));
        }
        let draft = Draft {
            source: Source::EventExport,
            time: Some(time),
            time_base: TimeBase::Local,
            pos: Pos::Line(line),
            provider: get(2).to_string(),
            event_id: id,
            level,
            fields,
            message: None,
            recovered: false,
        };
        let message = get(5).to_string();
        emit(&mut piece, ctx, draft, (!message.is_empty()).then_some(message));
    }
    piece.count_lines(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Keep;

    /// Written for this test in Event Viewer's layout, in three languages.
    const EN: &str = "Level,Date and Time,Source,Event ID,Task Category\r
Error,5/22/2023 2:22:20 PM,Microsoft-Windows-WindowsUpdateClient,20,Windows Update Agent,\"Installation Failure: Windows failed to install the following update with error 0x80240009: NVIDIA - Display - 31.0.15.1694.\"\r
Information,5/22/2023 8:05:16 AM,Microsoft-Windows-Kernel-General,12,None,\"The operating system started at system time \u{200e}2023\u{200e}-\u{200e}05\u{200e}-\u{200e}22T14:05:16.500000000Z.\r
Second line.\"\r
";
    const DE: &str = "Ebene\tDatum und Uhrzeit\tQuelle\tEreignis-ID\tAufgabenkategorie\r
Fehler\t22.05.2023 14:22:20\tMicrosoft-Windows-WindowsUpdateClient\t20\tWindows Update-Agent\tInstallationsfehler: Windows konnte das folgende Update mit Fehler 0x80240009 nicht installieren: NVIDIA - Display.\r
";
    const JA: &str = "レベル,日付と時刻,ソース,イベント ID,タスクのカテゴリ\r
エラー,2023/05/22 14:22:20,Microsoft-Windows-WindowsUpdateClient,20,Windows Update エージェント,\"インストール エラー: 次の更新プログラムをインストール中にエラー 0x80240009 が発生しました: NVIDIA - Display。\"\r
";

    #[test]
    fn any_language_reads_the_same_event() {
        for text in [EN, DE, JA] {
            assert!(looks_like(text), "{text}");
            let p = parse(text, &Ctx::new(Keep::All));
            let e = &p.events[0];
            assert_eq!(e.time.unwrap().to_string(), "2023-05-22T14:22:20.000000+00:00", "{text}");
            assert_eq!(e.level, Level::Error);
            assert_eq!(e.event_id, Some(20));
            assert_eq!(e.component, "Microsoft-Windows-WindowsUpdateClient");
            assert_eq!(e.codes[0].to_string(), "0x80240009");
            assert_eq!(e.time_base, TimeBase::Local);
        }
        let p = parse(EN, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 2);
        assert_eq!(p.events[1].time.unwrap().to_string(), "2023-05-22T08:05:16.000000+00:00");
        assert!(p.events[1].message.ends_with("Second line."));
        assert_eq!(p.events[1].at.pos, Pos::Line(3));
    }

    #[test]
    fn date_orders() {
        assert_eq!(DateOrder::of(["1/2/2023 1:00:00 PM"].into_iter()), DateOrder::MonthFirst);
        assert_eq!(DateOrder::of(["13/02/2023 13:00:00"].into_iter()), DateOrder::DayFirst);
        let t = DateOrder::DayFirst.parse("01.02.2023 00:00:01").unwrap();
        assert_eq!(t.to_string(), "2023-02-01T00:00:01.000000+00:00");
        let t = DateOrder::MonthFirst.parse("2/1/2023 12:30:00 AM").unwrap();
        assert_eq!(t.to_string(), "2023-02-01T00:30:00.000000+00:00");
        assert!(DateOrder::DayFirst.parse("no date").is_none());
    }
}
