//! The shared layer of lenient reading: what copying a log into a ticket does to its lines,
//! undone, for any line grammar.
//!
//! On its way to a ticket a log line gains a copy prefix (Notepad++ "Find all" `\tLine 120: `,
//! `findstr /n` and grep `CBS.log:120:` or `120:`, mail and forum quoting `> `, list bullets),
//! loses its column padding (collapsed to one space, TABs turned into spaces, non-breaking
//! spaces), has its timestamp redacted (`<date> <time>,`) or cut off, and is wrapped. This
//! module strips the prefixes and reads the line as tokens (a date, a time, a level word, a
//! component word) instead of fixed columns; each grammar says which tokens make its header
//! ([`super::loose`]).
//!
//! Nothing here runs on a well-formed log: the strict grammars read those, and only lines
//! or files they cannot read come here.

use crate::event::Level;
use crate::time::Timestamp;

/// Whether `c` separates tokens: any Unicode space (TAB, NBSP, U+202F…) or a zero-width
/// character that pasting leaves behind.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{FEFF}')
}

/// `s` without leading spaces (in the sense of [`is_space`]).
pub(crate) fn trim_start(s: &str) -> &str {
    s.trim_start_matches(is_space)
}

/// Whether the line holds nothing but spaces, or is a Markdown code fence.
pub(crate) fn is_blank(s: &str) -> bool {
    let t = s.trim_matches(is_space);
    t.is_empty() || t.starts_with("```") || t.starts_with("~~~")
}

/// Removes the copy prefixes that cannot be part of any log line, however often they
/// repeat: a Notepad++ "Find all" `Line 120: `, a `findstr /n` or grep `120:`, a grep or
/// Select-String `CBS.log:120:` (or `CBS.log-121-` for context lines), and quote markers
/// (`> `, `>> `). Returns the rest of the line and whether anything was removed. Leading
/// spaces are kept: on a continuation line they say that it continues.
pub(crate) fn strip_copy(line: &str) -> (&str, bool) {
    let mut rest = line;
    let mut stripped = false;
    // Each kind of prefix at most once, in the order tools add them (a quoted grep line:
    // `> CBS.log:12:…`).
    for _ in 0..4 {
        let t = trim_start(rest);
        let next = quote(t)
            .or_else(|| notepad_line(t))
            .or_else(|| file_and_line(t))
            .or_else(|| line_number(t));
        match next {
            Some(r) => {
                rest = r;
                stripped = true;
            }
            None => break,
        }
    }
    (if stripped { rest } else { line }, stripped)
}

/// [`strip_copy`], then [`strip_list`]: for a line that is then read as a record header.
pub(crate) fn strip_record(line: &str) -> (&str, bool) {
    let (rest, copied) = strip_copy(line);
    let (t, listed) = strip_list(rest);
    // A bullet put in front of a quoted or numbered line (`- > CBS.log:12:…`).
    let (t, again) = if listed { strip_copy(t) } else { (t, false) };
    (t, copied || listed || again)
}

/// List bullets (`- `, `* `, `• `, `1. `) and indentation in front of what may be a record
/// header (a bullet in front of a continuation line could be its own text, so this is not
/// part of [`strip_copy`]). Returns the rest and whether anything was removed.
pub(crate) fn strip_list(rest: &str) -> (&str, bool) {
    let t = trim_start(rest);
    let bullet =
        BULLETS.iter().find_map(|b| t.strip_prefix(b)).or_else(|| numbered(t)).map(trim_start);
    match bullet {
        Some(b) => (b, true),
        None => (t, t.len() != rest.len()),
    }
}

/// What follows a list bullet and its one space, untrimmed (`body` itself without one).
pub(crate) fn after_bullet(body: &str) -> &str {
    let t = trim_start(body);
    BULLETS.iter().find_map(|b| t.strip_prefix(b)).unwrap_or(body)
}

const BULLETS: [&str; 6] = ["- ", "* ", "+ ", "• ", "· ", "– "];

/// `> ` or `>` quote markers (any depth).
fn quote(t: &str) -> Option<&str> {
    let r = t.strip_prefix('>')?;
    Some(r.trim_start_matches('>'))
}

/// Notepad++ "Find all" results: `Line 120: `.
fn notepad_line(t: &str) -> Option<&str> {
    let r = t.strip_prefix("Line ")?;
    let n = r.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then_some(())?;
    r.get(n..)?.strip_prefix(':')
}

/// `120:` as `findstr /n` and `grep -n` write it, but not the hours of a time (`10:00:00`).
fn line_number(t: &str) -> Option<&str> {
    let n = t.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || n > 9 {
        return None;
    }
    let r = t.get(n..)?.strip_prefix(':')?;
    let b = r.as_bytes();
    let time_like = b.len() >= 3 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b':';
    (!time_like).then_some(r)
}

/// `CBS.log:120:`, `C:\Windows\Logs\CBS\CBS.log:120:` or a context line `CBS.log-121-`.
fn file_and_line(t: &str) -> Option<&str> {
    let b = t.as_bytes();
    // A drive letter's colon belongs to the path.
    let from = if b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\' {
        2
    } else {
        0
    };
    let name_end = from + b.get(from..)?.iter().position(|&c| matches!(c, b':' | b' ' | b'\t'))?;
    let name = t.get(..name_end)?;
    let sep = *b.get(name_end)?;
    let lower = name.to_ascii_lowercase();
    let file_like =
        [".log", ".txt", ".out"].iter().any(|ext| lower.ends_with(ext)) && name.len() > 4;
    if file_like && sep == b':' {
        let r = t.get(name_end + 1..)?;
        // `file:120:` or plain `file:` (grep without -n).
        return Some(line_number(r).unwrap_or(r));
    }
    // `file-121-` (grep context lines): a name ending in .log, a dash, digits, a dash.
    let dash = lower.rfind(".log-").or_else(|| lower.rfind(".txt-"))? + 4;
    let digits = name.get(dash + 1..)?;
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || digits.as_bytes().get(n) != Some(&b'-') {
        return None;
    }
    t.get(dash + 1 + n + 1..)
}

/// `1. ` or `12) ` list numbering.
fn numbered(t: &str) -> Option<&str> {
    let n = t.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || n > 3 {
        return None;
    }
    let r = t.get(n..)?;
    r.strip_prefix(". ").or_else(|| r.strip_prefix(") "))
}

/// The whitespace-separated tokens of a line, with their byte offsets.
#[derive(Debug, Clone)]
pub(crate) struct Tokens<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    /// Tokens of `s` from its start.
    pub(crate) fn new(s: &'a str) -> Self {
        Tokens { s, pos: 0 }
    }

    /// Tokens of `s` from byte offset `pos`.
    pub(crate) fn at(s: &'a str, pos: usize) -> Self {
        Tokens { s, pos: pos.min(s.len()) }
    }

    /// Byte offset just after the last token returned.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Offset of the next token's start (or the end of the line).
    pub(crate) fn rest_start(&self) -> usize {
        let rest = self.s.get(self.pos..).unwrap_or_default();
        self.pos + (rest.len() - trim_start(rest).len())
    }

    /// The next token without taking it.
    pub(crate) fn peek(&self) -> Option<&'a str> {
        self.clone().next().map(|(_, t)| t)
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let start = self.rest_start();
        let rest = self.s.get(start..)?;
        if rest.is_empty() {
            self.pos = self.s.len();
            return None;
        }
        let len = rest.find(is_space).unwrap_or(rest.len());
        self.pos = start + len;
        Some((start, &rest[..len]))
    }
}

/// A record header read by its tokens (see the grammars' `loose_header`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    /// Local time; `None` when it was redacted or missing.
    pub(crate) time: Option<Timestamp>,
    /// Whether a time (or its placeholder) stood at the start of the line.
    pub(crate) stamped: bool,
    /// Severity.
    pub(crate) level: Level,
    /// A bracketed code in the level column (`Error [0x01806a]`).
    pub(crate) level_code: Option<u32>,
    /// Component word (may be empty).
    pub(crate) component: &'a str,
    /// Byte offset of the message in the line.
    pub(crate) message: usize,
}

/// What stood where a record's time belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// A date and time (local, as the log wrote it).
    At(Timestamp),
    /// A placeholder (`<date> <time>`, `xxxx-xx-xx`), or a time without its date.
    Redacted,
}

impl Stamp {
    /// The time, if there was one.
    pub(crate) fn time(self) -> Option<Timestamp> {
        match self {
            Stamp::At(t) => Some(t),
            Stamp::Redacted => None,
        }
    }
}

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY/M/D` or `YYYY.MM.DD` (year, month, day).
pub(crate) fn ymd(t: &str) -> Option<(i64, u32, u32)> {
    let sep = t.as_bytes().get(4).copied().filter(|c| matches!(c, b'-' | b'/' | b'.'))?;
    let mut parts = t.split(sep as char);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || !(1..=2).contains(&m.len()) {
        return None;
    }
    if !(1..=2).contains(&d.len())
        || ![y, m, d].iter().all(|p| p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?))
}

/// `H:MM:SS` with an optional fraction after `.` or `,`, or milliseconds after a third `:`
/// (legacy WindowsUpdate.log): (hour, minute, second, microseconds).
pub(crate) fn hms(t: &str) -> Option<(u32, u32, u32, u32)> {
    let mut parts = t.splitn(4, ':');
    let (h, m, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let ms = parts.next();
    let (s, frac) = match rest.find(['.', ',']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let digits = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit())
    };
    if !digits(h, 1..=2) || !digits(m, 2..=2) || !digits(s, 2..=2) {
        return None;
    }
    let micros = match (frac, ms) {
        (Some(f), None) if digits(f, 1..=9) => crate::time::parse_fraction_micros(f)?,
        (None, Some(ms)) if digits(ms, 3..=3) => ms.parse::<u32>().ok()? * 1000,
        (None, None) => 0,
        _ => return None,
    };
    Some((h.parse().ok()?, m.parse().ok()?, s.parse().ok()?, micros))
}

/// A redaction placeholder in a date or time position: `<date>`, `[time]`, `{timestamp}`,
/// `<date><time>`, `xxxx-xx-xx`, `XX:XX:XX`, `YYYY-MM-DD`, `HH:MM:SS`, `##:##`, `DATE`.
pub(crate) fn is_placeholder(t: &str) -> bool {
    let t = t.trim_end_matches(',');
    if t.is_empty() || t.len() > 40 || t.bytes().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let bracketed = |open: char, close: char| t.starts_with(open) && t.ends_with(close);
    if bracketed('<', '>') || bracketed('[', ']') || bracketed('{', '}') {
        let inner = t[1..t.len() - 1].to_ascii_lowercase();
        return ["date", "time", "stamp", "redact", "removed", "hidden"]
            .iter()
            .any(|w| inner.contains(w));
    }
    let lower = t.to_ascii_lowercase();
    if ["date", "time", "datetime", "timestamp", "redacted"].contains(&lower.as_str()) {
        return true;
    }
    t.len() >= 2
        && t.bytes().any(|c| matches!(c, b'-' | b'/' | b':' | b'.'))
        && t.bytes().all(|c| b"xX#*?_-/:.YMDHSymdhs".contains(&c))
}

/// Reads the date and time at the start of `s` (after spaces): `2024-03-01 10:00:00`,
/// `2024/03/01 10:00:00.1234567`, `2024-03-01T10:00:00`, the legacy `10:00:00:123`, a
/// placeholder for either or both, with an optional comma after. Returns the stamp and the
/// offset just past it (and past the comma).
pub(crate) fn leading_stamp(s: &str) -> Option<(Stamp, usize)> {
    let mut tokens = Tokens::new(s);
    let (_, first) = tokens.next()?;
    let first_clean = first.trim_end_matches(',');
    let done = |tokens: &Tokens<'_>, stamp| Some((stamp, skip_comma(s, tokens.pos())));
    // `2024-03-01T10:00:00` in one token.
    if let Some((d, t)) = first_clean.split_once('T')
        && let (Some((y, mo, da)), Some((h, mi, se, us))) = (ymd(d), hms(t.trim_end_matches('Z')))
    {
        return done(&tokens, at(y, mo, da, h, mi, se, us));
    }
    if let Some((y, mo, da)) = ymd(first_clean) {
        if first.ends_with(',') {
            return None;
        }
        let (_, second) = tokens.next()?;
        let second_clean = second.trim_end_matches(',');
        if let Some((h, mi, se, us)) = hms(second_clean) {
            return done(&tokens, at(y, mo, da, h, mi, se, us));
        }
        return if is_placeholder(second) { done(&tokens, Stamp::Redacted) } else { None };
    }
    if is_placeholder(first) {
        // A second placeholder or a time may follow (`<date> <time>`, `<date> 10:00:00`).
        if !first.ends_with(',')
            && let Some(second) = tokens.peek()
            && (is_placeholder(second) || hms(second.trim_end_matches(',')).is_some())
        {
            tokens.next();
        }
        return done(&tokens, Stamp::Redacted);
    }
    None
}

/// A date and time as a stamp; an impossible one is treated as redacted (the line is still
/// read, without a time).
fn at(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> Stamp {
    Timestamp::from_civil(y, mo, d, h, mi, s, us).map_or(Stamp::Redacted, Stamp::At)
}

/// `pos`, or just past a comma that follows it after spaces.
fn skip_comma(s: &str, pos: usize) -> usize {
    let rest = s.get(pos..).unwrap_or_default();
    let t = trim_start(rest);
    t.strip_prefix(',').map_or(pos, |after| s.len() - after.len())
}

/// The first date and time anywhere in `s` (for lines of unknown format): an ISO-like date
/// (`YYYY-MM-DD`, `YYYY/MM/DD`) followed by a time.
pub(crate) fn find_stamp(s: &str) -> Option<Timestamp> {
    let mut tokens = Tokens::new(s);
    let mut prev: Option<(i64, u32, u32)> = None;
    for (_, tok) in tokens.by_ref().take(40) {
        let tok = tok.trim_matches(|c: char| matches!(c, ',' | '[' | ']' | '(' | ')' | '"' | '\''));
        if let Some((d, t)) = tok.split_once('T')
            && let (Some((y, mo, da)), Some((h, mi, se, us))) =
                (ymd(d), hms(t.trim_end_matches('Z')))
        {
            return Timestamp::from_civil(y, mo, da, h, mi, se, us);
        }
        if let Some((y, mo, da)) = prev
            && let Some((h, mi, se, us)) = hms(tok)
        {
            return Timestamp::from_civil(y, mo, da, h, mi, se, us);
        }
        prev = ymd(tok);
    }
    None
}

/// Which comes first in a file's dates written for a locale, the month or the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayOrder {
    /// `5/22/2023` (en-US).
    MonthFirst,
    /// `22/05/2023`, `22.05.2023`.
    DayFirst,
}

/// The three numbers of a date written for a locale with the year last (`5/22/2023`,
/// `22.05.2023`, `22-05-2023`).
fn year_last(t: &str) -> Option<(u32, u32, i64)> {
    let mut parts = t.split(['/', '.', '-']);
    let (a, b, y) = (parts.next()?, parts.next()?, parts.next()?);
    let ok = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit())
    };
    if parts.next().is_some() || !ok(a, 1..=2) || !ok(b, 1..=2) || !ok(y, 4..=4) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?, y.parse().ok()?))
}

/// The day order of a file's dates: a first number over 12 is a day, a second one over
/// 12 a day too; when no date tells, `AM`/`PM` points to the US order and anything else
/// (a dotted date, a 24-hour clock) to the day first.
pub(crate) fn day_order<'a>(stamps: impl Iterator<Item = &'a str>) -> DayOrder {
    let (mut day_first, mut month_first, mut ampm) = (0, 0, false);
    for s in stamps {
        let mut tokens = Tokens::new(s);
        let Some((_, date)) = tokens.next() else { continue };
        ampm |= tokens.any(|(_, t)| t.eq_ignore_ascii_case("AM") || t.eq_ignore_ascii_case("PM"));
        if let Some((a, b, _)) = year_last(date) {
            if a > 12 {
                day_first += 1;
            } else if b > 12 {
                month_first += 1;
            }
        }
    }
    if day_first > month_first || (day_first == month_first && !ampm) {
        DayOrder::DayFirst
    } else {
        DayOrder::MonthFirst
    }
}

/// A date and time as Event Viewer and PowerShell write them for the machine's locale
/// (local time): `5/22/2023 8:22:20 AM`, `22/05/2023 14:22:20`, `22.05.2023 14:22:20`,
/// `2023-05-22 14:22:20`, `2023-05-22T14:22:20.0760000Z`.
pub(crate) fn local_datetime(s: &str, order: DayOrder) -> Option<Timestamp> {
    let s = s.trim_matches(|c: char| is_space(c) || c == '\u{200E}' || c == '?');
    if let Some((Stamp::At(t), _)) = leading_stamp(s) {
        return Some(t);
    }
    let mut tokens = Tokens::new(s);
    let (_, date) = tokens.next()?;
    let (_, time) = tokens.next()?;
    let (a, b, y) = year_last(date.trim_end_matches(','))?;
    let (mo, d) = match order {
        _ if a > 12 => (b, a),
        _ if b > 12 => (a, b),
        DayOrder::MonthFirst => (a, b),
        DayOrder::DayFirst => (b, a),
    };
    let (mut h, mi, se, us) = hms(time)?;
    match tokens.next().map(|(_, t)| t.to_ascii_uppercase()) {
        Some(p) if p == "PM" && h < 12 => h += 12,
        Some(p) if p == "AM" && h == 12 => h = 0,
        _ => {}
    }
    Timestamp::from_civil(y, mo, d, h, mi, se, us)
}

/// A CBS / DISM level word, in any letter case.
pub(crate) fn level_word(t: &str) -> Option<Level> {
    let t = t.trim_end_matches(',');
    [
        ("Info", Level::Info),
        ("Error", Level::Error),
        ("Warning", Level::Warning),
        ("Perf", Level::Verbose),
    ]
    .iter()
    .find(|(w, _)| t.eq_ignore_ascii_case(w))
    .map(|&(_, l)| l)
}

/// `[0x01806a]`: the code newer builds put in the CBS level column.
pub(crate) fn bracket_code(t: &str) -> Option<u32> {
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    let hex = inner.strip_prefix("0x").or_else(|| inner.strip_prefix("0X"))?;
    u32::from_str_radix(hex, 16).ok()
}

/// Three dots that a writer put where text was cut (`...`, `…`).
pub(crate) fn is_ellipsis(t: &str) -> bool {
    matches!(t, "..." | "…" | "[...]" | "(...)" | "[…]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_prefixes_come_off() {
        let line = "2024-03-01 10:00:00, Info CBS x";
        for pasted in [
            "\tLine 120: 2024-03-01 10:00:00, Info CBS x",
            "  Line 7: 2024-03-01 10:00:00, Info CBS x",
            "120:2024-03-01 10:00:00, Info CBS x",
            "CBS.log:120:2024-03-01 10:00:00, Info CBS x",
            "C:\\Windows\\Logs\\CBS\\CBS.log:120:2024-03-01 10:00:00, Info CBS x",
            "CBS.log-121-2024-03-01 10:00:00, Info CBS x",
            "> 2024-03-01 10:00:00, Info CBS x",
            ">> 2024-03-01 10:00:00, Info CBS x",
            "> CBS.log:12:2024-03-01 10:00:00, Info CBS x",
            "CBS.log:2024-03-01 10:00:00, Info CBS x",
        ] {
            let (rest, stripped) = strip_copy(pasted);
            assert!(stripped, "{pasted:?}");
            assert_eq!(trim_start(rest), line, "{pasted:?}");
        }
        for bulleted in [
            "- 2024-03-01 10:00:00, Info CBS x",
            "• 2024-03-01 10:00:00, Info CBS x",
            "3. 2024-03-01 10:00:00, Info CBS x",
            "    2024-03-01 10:00:00, Info CBS x",
        ] {
            assert_eq!(strip_record(bulleted), (line, true), "{bulleted:?}");
        }
        // Not prefixes: a time, a plain line, a continuation's own text.
        for own in
            ["10:00:00 started", " Expected: {l:32}", "Summary:", "2024-03-01 10:00:00, Info"]
        {
            assert_eq!(strip_copy(own), (own, false), "{own:?}");
        }
        assert_eq!(strip_record(line), (line, false));
    }

    #[test]
    fn tokens_split_on_any_space() {
        let t: Vec<&str> = Tokens::new("a\u{00A0}b\t\tc  d\u{202F}e").map(|(_, t)| t).collect();
        assert_eq!(t, ["a", "b", "c", "d", "e"]);
        let mut it = Tokens::new("  ab  cd");
        assert_eq!(it.next(), Some((2, "ab")));
        assert_eq!(it.rest_start(), 6);
    }

    #[test]
    fn stamps() {
        let t = |y, mo, d, h, mi, s, us| {
            Stamp::At(Timestamp::from_civil(y, mo, d, h, mi, s, us).unwrap())
        };
        assert_eq!(
            leading_stamp("2024-03-01 10:00:00, Info"),
            Some((t(2024, 3, 1, 10, 0, 0, 0), 20))
        );
        assert_eq!(
            leading_stamp("2024-03-01\u{00A0}10:00:00 , Info").unwrap().0,
            t(2024, 3, 1, 10, 0, 0, 0)
        );
        assert_eq!(
            leading_stamp("2023/05/22 08:22:20.0686513 2288").unwrap(),
            (t(2023, 5, 22, 8, 22, 20, 68_651), 27)
        );
        assert_eq!(
            leading_stamp("2016-10-19 11:23:58:516 1532").unwrap().0,
            t(2016, 10, 19, 11, 23, 58, 516_000)
        );
        assert_eq!(leading_stamp("2024-03-01T10:00:00Z x").unwrap().0, t(2024, 3, 1, 10, 0, 0, 0));
        for redacted in [
            "<date> <time>, Info",
            "<date><time>, Info",
            "xxxx-xx-xx xx:xx:xx, Info",
            "[REDACTED], Info",
            "YYYY-MM-DD HH:MM:SS, Info",
            "<date> 10:00:00, Info",
            "2024-03-01 <time>, Info",
        ] {
            let (stamp, at) = leading_stamp(redacted).unwrap();
            assert_eq!(stamp, Stamp::Redacted, "{redacted}");
            assert_eq!(trim_start(&redacted[at..]), "Info", "{redacted}");
        }
        assert_eq!(leading_stamp("2024-13-45 10:00:00, Info").unwrap().0, Stamp::Redacted);
        for not in ["Info CBS", "Expected: {l:32}", "2024-03-01, Info", ""] {
            assert_eq!(leading_stamp(not), None, "{not}");
        }
    }

    #[test]
    fn dates_for_a_locale() {
        let t = |s, o| local_datetime(s, o).map(|t| t.to_string());
        let want = Some("2023-05-22T14:22:20.000000+00:00".to_string());
        assert_eq!(t("5/22/2023 2:22:20 PM", DayOrder::MonthFirst), want);
        assert_eq!(t("22/05/2023 14:22:20", DayOrder::DayFirst), want);
        assert_eq!(t("22.05.2023 14:22:20", DayOrder::MonthFirst), want, "22 cannot be a month");
        assert_eq!(t("2023-05-22 14:22:20", DayOrder::DayFirst), want);
        assert_eq!(t("2023-05-22T14:22:20Z", DayOrder::DayFirst), want);
        assert_eq!(
            t("05/06/2023 12:00:00 AM", DayOrder::MonthFirst).unwrap(),
            "2023-05-06T00:00:00.000000+00:00"
        );
        assert_eq!(t("<date>", DayOrder::DayFirst), None);
        assert_eq!(
            day_order(["5/22/2023 8:22:20 AM", "6/1/2023 9:00:00 AM"].into_iter()),
            DayOrder::MonthFirst
        );
        assert_eq!(day_order(["01/06/2023 09:00:00"].into_iter()), DayOrder::DayFirst);
        assert_eq!(
            day_order(["01/06/2023 09:00:00", "06/13/2023 10:00:00"].into_iter()),
            DayOrder::MonthFirst
        );
    }

    #[test]
    fn stamps_anywhere() {
        assert_eq!(
            find_stamp("[0] 85F4 [2024-03-01 10:00:00.5] Fail").map(|t| t.to_string()),
            Some("2024-03-01T10:00:00.500000+00:00".to_string())
        );
        assert_eq!(find_stamp("[0] 85F4.6FEC::<date><time> : Fail"), None);
    }
}
