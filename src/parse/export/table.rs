//! PowerShell's console tables of event logs (`Format-Table`, the default view), saved with
//! `Out-File` or `>` (FORMATS.md §11):
//!
//! ```text
//!    Index Time          EntryType   Source                 InstanceID Message
//!    ----- ----          ---------   ------                 ---------- -------
//!    55767 déc. 02 14:24 Information Microsoft-Windows...           19 Installation réussie : …
//! ```
//!
//! Columns are placed by the dashes under the header. `Get-EventLog`'s `Time` is
//! `MMM dd HH:mm` in the machine's language, with **no year and no seconds**; its
//! `InstanceID` is the event id for manifest providers and the full 32-bit id for classic
//! ones (its low 16 bits are the id). Cells cut with `...` stay cut: a `Source` such as
//! `Microsoft-Windows...` names no provider, so it is kept as written and the event has
//! none of the provider's meaning. `Get-WinEvent`'s table (`TimeCreated Id
//! LevelDisplayName Message`, grouped under `ProviderName:` lines) has full dates.
//!
//! The year of a `Get-EventLog` table comes from the bundle: see [`date_yearless`]. Rows are
//! newest first, so the year steps back where the month grows going down.

use super::{csv::DateOrder, emit, lang};
use crate::event::{Level, Pos, Source};
use crate::parse::evtx::{Draft, family};
use crate::parse::{Ctx, IssueKind, ParseIssue, ParsedArtifact, Piece};
use crate::time::{TimeBase, Timestamp};

/// The year given to a `Get-EventLog` table's newest rows until [`date_yearless`] finds the
/// right one: a leap year, so that 29 February reads.
pub(crate) const PROVISIONAL_YEAR: i64 = 2000;

/// Whether the head of a file is one of these tables: a header line of known column names
/// with a line of dashes under it.
pub(crate) fn looks_like(head: &str) -> bool {
    let mut prev = "";
    for line in head.lines().take(40) {
        let t = line.trim();
        if !t.is_empty() && t.bytes().all(|b| b == b'-' || b == b' ') && t.contains("- -") {
            let cols: Vec<&str> = prev.split_whitespace().collect();
            let has = |c: &str| cols.contains(&c);
            return (has("EntryType") && has("Source") && has("Message"))
                || (has("TimeCreated") && has("Id") && has("Message"));
        }
        prev = line;
    }
    false
}

/// Abbreviated month names by month, the first three letters, lower case.
const NAMES: [&[&str]; 12] = [
    &["jan", "ene", "gen", "janv"],
    &["feb", "fév", "fev", "fév", "fee"],
    &["mar", "mär", "maa"],
    &["apr", "avr", "abr"],
    &["may", "mai", "mag", "mei"],
    &["jun", "jui", "giu"],
    &["jul", "lug"],
    &["aug", "aoû", "aou", "ago"],
    &["sep", "set"],
    &["oct", "okt", "ott", "out"],
    &["nov"],
    &["dec", "déc", "dez", "dic"],
];

/// Month numbers of abbreviated month names in the languages of [`lang`] (English, French,
/// German, Spanish, Italian, Portuguese, Dutch): the first three letters, lower case.
fn month(word: &str) -> Option<u32> {
    let w: String = word.trim_end_matches('.').chars().take(3).collect::<String>().to_lowercase();
    let numeric = word.trim_end_matches(['月', '.']);
    if let Ok(n) = numeric.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    // French `juin`/`juil.` share three letters: the fourth tells them apart.
    if w == "jui" {
        let l = word.to_lowercase();
        return Some(if l.starts_with("juil") { 7 } else { 6 });
    }
    NAMES.iter().position(|names| names.contains(&w.as_str())).map(|i| i as u32 + 1)
}

/// A column: where its dashes start (in characters), and its header.
#[derive(Debug, Clone)]
struct Column {
    start: usize,
    name: String,
}

fn columns(header: &str, dashes: &str) -> Vec<Column> {
    let chars: Vec<char> = dashes.chars().collect();
    let head: Vec<char> = header.chars().collect();
    let mut cols = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '-' {
            let start = i;
            while i < chars.len() && chars[i] == '-' {
                i += 1;
            }
            let name: String =
                head.get(start..i.min(head.len())).unwrap_or_default().iter().collect();
            cols.push(Column { start, name: name.trim().to_string() });
        } else {
            i += 1;
        }
    }
    cols
}

/// The words of a line with their byte offsets.
fn words(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// The cells of a row: each column runs from its start to the next one's (the last to the
/// end of the line).
fn cells(row: &str, cols: &[Column]) -> Vec<String> {
    let chars: Vec<char> = row.chars().collect();
    let mut out = Vec::with_capacity(cols.len());
    for (i, c) in cols.iter().enumerate() {
        let to = cols.get(i + 1).map_or(chars.len(), |n| n.start.min(chars.len()));
        let from = c.start.min(to);
        out.push(
            chars.get(from..to).unwrap_or_default().iter().collect::<String>().trim().to_string(),
        );
    }
    out
}

struct Table {
    cols: Vec<Column>,
    /// `Get-EventLog` (yearless times) or `Get-WinEvent`.
    eventlog: bool,
}

/// Parses a whole table.
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut table: Option<Table> = None;
    let mut provider_group = String::new();
    let mut year = PROVISIONAL_YEAR;
    let mut last_month: Option<u32> = None;
    let order = DateOrder::of(lines.iter().copied());
    let mut yearless = false;
    for (n, raw) in lines.iter().enumerate() {
        let no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let line = raw.trim_start_matches('\u{FEFF}').trim_end();
        let t = line.trim();
        if let Some(p) = t.strip_prefix("ProviderName:") {
            provider_group = p.trim().to_string();
            table = None;
            continue;
        }
        if !t.is_empty() && t.bytes().all(|b| b == b'-' || b == b' ') && t.contains('-') {
            if let Some(header) = n.checked_sub(1).and_then(|i| lines.get(i)) {
                let cols = columns(header.trim_end(), line);
                let eventlog = cols.iter().any(|c| c.name == "EntryType");
                table = Some(Table { cols, eventlog });
            }
            continue;
        }
        let Some(tab) = &table else { continue };
        if t.is_empty() || lines.get(n + 1).is_some_and(|l| l.trim().starts_with("---")) {
            continue;
        }
        let (time, provider, id, level, message) = if tab.eventlog {
            // By words, not by place: a longer month name (`janv.`) shifts the row.
            let words = words(line);
            let [_, (_, m), (_, d), (_, hm), (_, entry), rest @ ..] = words.as_slice() else {
                piece.issue(IssueKind::BadTimestamp, Some(Pos::Line(no)), "a row without its time");
                continue;
            };
            let stamp = month(m).zip(d.parse::<u32>().ok()).zip(hm.split_once(':'));
            let Some(((mo, day), (h, mi))) = stamp else {
                piece.issue(
                    IssueKind::BadTimestamp,
                    Some(Pos::Line(no)),
                    format!("unreadable Time {:?}", format!("{m} {d} {hm}")),
                );
                continue;
            };
            if last_month.is_some_and(|lm| mo > lm) {
                year -= 1;
            }
            last_month = Some(mo);
            yearless = true;
            let time = h
                .parse()
                .ok()
                .zip(mi.parse().ok())
                .and_then(|(h, mi)| Timestamp::from_civil(year, mo, day, h, mi, 0, 0));
            // Source words up to the InstanceID, a number; the message after it.
            let at = rest.iter().position(|(_, w)| w.bytes().all(|b| b.is_ascii_digit()));
            let (source, id, message) = match at {
                Some(k) => {
                    let source: Vec<&str> = rest[..k].iter().map(|(_, w)| *w).collect();
                    let (pos, idw) = rest[k];
                    let id = idw.parse::<u64>().ok().map(|v| (v & 0xFFFF) as u32);
                    (source.join(" "), id, line.get(pos + idw.len()..).unwrap_or("").trim())
                }
                None => (String::new(), None, ""),
            };
            (time, source, id, lang::entry_type(entry), message.to_string())
        } else {
            let cells = cells(line, &tab.cols);
            let get = |name: &str| {
                tab.cols
                    .iter()
                    .position(|c| c.name == name)
                    .and_then(|i| cells.get(i))
                    .map(String::as_str)
            };
            let time = get("TimeCreated").and_then(|s| order.parse(s));
            let id = get("Id").and_then(|s| s.parse::<u32>().ok());
            let level = get("LevelDisplayName").and_then(lang::level).unwrap_or(Level::Info);
            let message = get("Message").unwrap_or("").to_string();
            (time, provider_group.clone(), id, level, message)
        };
        let message = message.trim_end_matches("...").trim().to_string();
        let Some(time) = time else {
            piece.issue(IssueKind::BadTimestamp, Some(Pos::Line(no)), "unreadable time");
            continue;
        };
        piece.coverage.records += 1;
        piece.coverage.see_time(time);
        let cut = provider.ends_with("...");
        let mut fields = super::text_fields(family(&provider), id, &message);
        if cut {
            fields.push(("sourceCut".into(), provider.clone()));
        }
        let draft = Draft {
            source: Source::EventExport,
            time: Some(time),
            time_base: TimeBase::Local,
            pos: Pos::Line(no),
            // A cut name is no provider's: it stays as written, so no rule mistakes it.
            provider,
            event_id: id,
            level,
            fields,
            message: None,
            recovered: false,
        };
        emit(&mut piece, ctx, draft, Some(message));
    }
    if yearless {
        piece.issues.push(ParseIssue {
            kind: IssueKind::BadTimestamp,
            pos: None,
            detail: YEARLESS.into(),
        });
    }
    piece.coverage.lines = lines.len() as u64;
    piece.newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64;
    piece
}

/// The issue of a table whose times have no year, replaced once the year is known.
const YEARLESS: &str = "Get-EventLog's table writes no year and no seconds";

/// Gives the yearless tables of a bundle their year: the one that puts the table's newest
/// row nearest to, and not after, the newest record of the bundle's other logs (a table is
/// saved when the logs are collected). Without other logs the provisional year stays and
/// the issue says so.
pub(crate) fn date_yearless(out: &mut [ParsedArtifact<'_>], kinds: &[crate::bundle::Kind]) {
    use crate::bundle::Kind;
    let latest = out
        .iter()
        .zip(kinds)
        .filter(|(_, k)| **k != Kind::EventTable)
        .filter_map(|(p, _)| p.coverage.last)
        .max();
    for (p, k) in out.iter_mut().zip(kinds) {
        let Some(issue) = p.issues.iter_mut().find(|i| i.detail == YEARLESS) else { continue };
        if *k != Kind::EventTable {
            continue;
        }
        let (Some(latest), Some(newest)) = (latest, p.coverage.last) else {
            issue.detail = format!(
                "{YEARLESS}, and no other log of the bundle dates it: its rows are placed in \
                 {PROVISIONAL_YEAR} (their order and spacing are right, their year is not)"
            );
            continue;
        };
        let (ly, ..) = latest.to_civil();
        let mut years = ly - newest.to_civil().0;
        if with_year(newest, years).is_some_and(|t| t > latest.shifted(24 * 60)) {
            years -= 1;
        }
        for e in &mut p.events {
            e.time = e.time.map(|t| with_year(t, years).unwrap_or(t));
        }
        for l in &mut p.left_out {
            l.time = l.time.map(|t| with_year(t, years).unwrap_or(t));
        }
        p.coverage.first = p.coverage.first.and_then(|t| with_year(t, years));
        p.coverage.last = p.coverage.last.and_then(|t| with_year(t, years));
        issue.detail = format!(
            "{YEARLESS}: the year is taken from the bundle's other logs (newest row {})",
            p.coverage.last.map_or_else(String::new, |t| t.to_string())
        );
    }
}

/// `t` moved by whole calendar years (29 February becomes the 28th in a common year).
fn with_year(t: Timestamp, years: i64) -> Option<Timestamp> {
    let (y, mo, d, h, mi, s, us) = t.to_civil();
    Timestamp::from_civil(y + years, mo, d, h, mi, s, us)
        .or_else(|| Timestamp::from_civil(y + years, mo, d - 1, h, mi, s, us))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Keep;

    /// A table in the layout of FORMATS.md §11 (rows written for this test), across a new
    /// year.
    const TABLE: &str = "\u{FEFF}\r
   Index Time          EntryType   Source                 InstanceID Message\r
   ----- ----          ---------   ------                 ---------- -------\r
   55772 janv. 02 14:32 Error       Microsoft-Windows...           20 Échec de l’installation : l’installation de la mise à jour suivante a échoue avec l’erreur 0x80073d02 : Xbox...\r
   55766 déc. 31 14:24 Information Service Control M...   1073748869 Un service a été installé sur le système....\r
   55608 déc. 01 10:44 0           Microsoft-Windows...           41 Le système a redémarré sans s’arrêter correctement. Cette erreur p...\r
   55607 nov. 31 10:44 Error       DCOM                        10010 impossible date\r
";

    #[test]
    fn rows_by_the_dashes() {
        assert!(looks_like(TABLE));
        let p = parse(TABLE, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 3, "{:?}", p.issues);
        let e = &p.events[0];
        assert_eq!(e.time.unwrap().to_string(), "2000-01-02T14:32:00.000000+00:00");
        assert_eq!(e.event_id, Some(20));
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.component, "Microsoft-Windows...");
        assert_eq!(e.codes[0].to_string(), "0x80073D02");
        let scm = &p.events[1];
        assert_eq!(
            scm.time.unwrap().to_string(),
            "1999-12-31T14:24:00.000000+00:00",
            "the year before"
        );
        assert_eq!(scm.event_id, Some(7045));
        assert_eq!(scm.component, "Service Control M...");
        assert_eq!(p.events[2].level, Level::Critical);
        assert_eq!(p.issues.iter().filter(|i| i.kind == IssueKind::BadTimestamp).count(), 2);
    }

    #[test]
    fn month_names() {
        for (w, m) in [
            ("déc.", 12),
            ("janv.", 1),
            ("juil.", 7),
            ("juin", 6),
            ("Mär", 3),
            ("Dec", 12),
            ("12月", 12),
            ("févr.", 2),
        ] {
            assert_eq!(month(w), Some(m), "{w}");
        }
        assert_eq!(month("xyz"), None);
    }

    #[test]
    fn the_year_comes_from_the_bundle() {
        let p = parse(TABLE, &Ctx::new(Keep::All));
        let mut other = ParsedArtifact::default();
        other.coverage.last = Timestamp::from_civil(2024, 1, 2, 20, 0, 0, 0);
        let mut table = ParsedArtifact {
            events: p.events,
            issues: p.issues,
            coverage: p.coverage,
            ..ParsedArtifact::default()
        };
        table.coverage.events = 3;
        let mut out = [other, table];
        date_yearless(&mut out, &[crate::bundle::Kind::Cbs, crate::bundle::Kind::EventTable]);
        assert_eq!(out[1].events[0].time.unwrap().to_string(), "2024-01-02T14:32:00.000000+00:00");
        assert_eq!(out[1].events[1].time.unwrap().to_string(), "2023-12-31T14:24:00.000000+00:00");
        assert!(out[1].issues.iter().any(|i| i.detail.contains("taken from the bundle")));
    }
}
