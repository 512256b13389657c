//! Making text that came from evidence safe for each output. Log lines, update titles, file
//! and archive member names are written by whoever made the bundle; shown raw they could
//! clear a terminal, write to its clipboard (OSC 52), retitle it, hide or reorder text
//! (bidirectional overrides), forge a line of stderr, or start a spreadsheet formula.
//!
//! - Terminal and tables: [`line`] for text, [`name`] for names, every table cell through
//!   [`cell`] (`grid`), and [`Guard`] around the whole stream, so that no escape sequence
//!   reaches the terminal from any field.
//! - Markdown: `markdown::code` and `markdown::text` start from [`line`], and the stream
//!   goes through a [`Guard`] as well.
//! - stderr: each message through [`name`], so it stays one line.
//! - HTML: its own escaping (`html::esc`) with [`is_unsafe`].
//! - CSV cells: [`csv_cell`] (controls shown, formulas neutralised as OWASP advises).
//! - JSON stays faithful: `serde_json` escapes every control character itself.
//!
//! Characters are shown, not dropped: `\u{1b}` in place of ESC, so the evidence can still be
//! read and searched for.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Whether `c` must not reach an output as it is: C0 and C1 controls, DEL, and the
/// characters that reorder or hide text (bidirectional marks, embeddings, overrides and
/// isolates; line and paragraph separators).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

/// Appends the visible form of an unsafe character: `\n`, `\r`, `\t`, else `\u{1b}`.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `s` with every unsafe character replaced by `keep(c)` or, when that is `None`, by its
/// visible form. Borrows when nothing changes (the usual case).
fn map_unsafe(s: &str, keep: impl Fn(char) -> Option<char>) -> Cow<'_, str> {
    let Some(first) = s.find(is_unsafe) else { return Cow::Borrowed(s) };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if let Some(k) = keep(c) {
            out.push(k);
        } else {
            push_escaped(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// Log text for one line of a terminal, table cell or Markdown: tabs and line breaks become
/// spaces (a record's continuation lines read on), every other unsafe character is shown
/// as `\u{…}`.
pub fn line(s: &str) -> Cow<'_, str> {
    map_unsafe(s, |c| matches!(c, '\t' | '\n' | '\r').then_some(' '))
}

/// A table cell: its own line breaks kept (wutriage breaks cells on purpose), tabs and
/// carriage returns made spaces, every other unsafe character shown as `\u{…}`, so that
/// the width a table measures is the width the terminal shows.
pub fn cell(s: &str) -> Cow<'_, str> {
    map_unsafe(s, |c| match c {
        '\n' => Some('\n'),
        '\t' | '\r' => Some(' '),
        _ => None,
    })
}

/// A name (file, archive member, update title in a message): every unsafe character is
/// shown, line breaks as `\n`, so a name can neither hide part of itself nor start a new
/// line of output.
pub fn name(s: &str) -> Cow<'_, str> {
    map_unsafe(s, |_| None)
}

/// A CSV cell for a spreadsheet: unsafe characters shown as [`line`] shows them, but tabs
/// and line breaks kept (a quoted cell holds them), then a `'` before a cell that a spreadsheet
/// would read as a formula, i.e. one starting with `=`, `+`, `-`, `@`, tab, carriage
/// return or line feed (OWASP, "CSV Injection"). Separators and quotes inside a cell are
/// the CSV writer's to quote, so they cannot start a cell of their own. A plain number
/// (`-5`, `12.5`) is left alone: it is a value, not a formula.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    let shown = map_unsafe(s, |c| matches!(c, '\t' | '\n' | '\r').then_some(c));
    let starts_formula = s.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']);
    if starts_formula && !is_plain_number(s) { Cow::Owned(format!("'{shown}")) } else { shown }
}

fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A writer for text meant for a terminal (tables, Markdown, inventory) that shows every
/// unsafe character as [`name`] does, except line feeds and tabs. With `colour`, it lets
/// through the colour sequences (SGR: `ESC [ … m`) that wutriage writes (see
/// [`sgr_params_safe`]), and nothing else: no clearing, cursor movement, titles, clipboard,
/// hyperlinks, background colours, or hidden text.
///
/// It is the last line of defence: whatever field a piece of evidence ends up in, it cannot
/// reach the terminal as a control sequence.
#[derive(Debug)]
pub struct Guard<W: Write> {
    inner: W,
    colour: bool,
    /// Bytes of an unfinished character or escape sequence, kept for the next write.
    carry: Vec<u8>,
}

/// Longest colour sequence let through; a longer one is shown, not obeyed.
const MAX_SGR: usize = 32;

impl<W: Write> Guard<W> {
    /// Wraps `inner`; `colour` lets wutriage's own colours through.
    pub fn new(inner: W, colour: bool) -> Self {
        Guard { inner, colour, carry: Vec::new() }
    }

    /// Filters `bytes`; when `end` is false, an unfinished tail stays in `carry`.
    fn filter(&mut self, bytes: &[u8], end: bool) -> io::Result<()> {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(bytes);
        let mut out = String::with_capacity(data.len() + 16);
        let mut i = 0;
        while i < data.len() {
            let rest = &data[i..];
            if rest[0] == 0x1B && self.colour {
                match sgr_len(rest) {
                    Sgr::Safe(n) => {
                        // An SGR sequence is ASCII.
                        out.push_str(std::str::from_utf8(&rest[..n]).unwrap_or_default());
                        i += n;
                        continue;
                    }
                    Sgr::Unfinished if !end => break,
                    Sgr::Unfinished | Sgr::No => {}
                }
            }
            let width = utf8_width(rest[0]);
            if rest.len() < width && !end {
                break;
            }
            let (c, n) = match std::str::from_utf8(&rest[..width.min(rest.len())]) {
                Ok(s) => (s.chars().next().unwrap_or('\u{FFFD}'), width),
                Err(_) => ('\u{FFFD}', 1),
            };
            if is_unsafe(c) && c != '\n' && c != '\t' {
                push_escaped(&mut out, c);
            } else {
                out.push(c);
            }
            i += n;
        }
        self.carry = data[i..].to_vec();
        self.inner.write_all(out.as_bytes())
    }
}

enum Sgr {
    /// A colour sequence of this many bytes, safe to pass.
    Safe(usize),
    /// It could still become one.
    Unfinished,
    /// Not one, or not a safe one.
    No,
}

/// Whether `b` (starting with ESC) begins a safe SGR sequence.
fn sgr_len(b: &[u8]) -> Sgr {
    if b.len() < 2 {
        return Sgr::Unfinished;
    }
    if b[1] != b'[' {
        return Sgr::No;
    }
    let Some(end) =
        b.iter().take(MAX_SGR).skip(2).position(|&x| !(x.is_ascii_digit() || x == b';'))
    else {
        return if b.len() < MAX_SGR { Sgr::Unfinished } else { Sgr::No };
    };
    let end = end + 2;
    if b[end] != b'm' {
        return Sgr::No;
    }
    let params = std::str::from_utf8(&b[2..end]).unwrap_or("x");
    if sgr_params_safe(params) { Sgr::Safe(end + 1) } else { Sgr::No }
}

/// The sequences wutriage itself writes: reset, bold, underline (and their undoing), and
/// red, green, yellow and cyan text, plainly or as 256-colour indexes. None of them can hide
/// text (no black, white, background or concealed text), so evidence that carries one
/// could only colour itself.
fn sgr_params_safe(params: &str) -> bool {
    let p: Vec<&str> = params.split(';').collect();
    let mut k = 0;
    while k < p.len() {
        match p[k] {
            "" | "0" | "1" | "4" | "22" | "24" | "39" | "31" | "32" | "33" | "36" | "91" | "92"
            | "93" | "96" => k += 1,
            "38" if p.get(k + 1) == Some(&"5")
                && p.get(k + 2).is_some_and(|n| {
                    matches!(*n, "1" | "2" | "3" | "6" | "9" | "10" | "11" | "14")
                }) =>
            {
                k += 3;
            }
            _ => return false,
        }
    }
    true
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

impl<W: Write> Write for Guard<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.filter(buf, false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.carry.is_empty() {
            self.filter(&[], true)?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_reordering_characters_are_shown() {
        assert_eq!(line("plain text"), "plain text");
        assert!(matches!(line("plain"), Cow::Borrowed(_)));
        assert_eq!(line("KB1 \u{1b}[2J title"), "KB1 \\u{1b}[2J title");
        assert_eq!(line("a\tb\r\nc"), "a b  c");
        assert_eq!(line("osc\u{1b}]52;c;ZXZpbA==\u{7}"), "osc\\u{1b}]52;c;ZXZpbA==\\u{7}");
        assert_eq!(line("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(line("abc\u{202e}fdp.exe"), "abc\\u{202e}fdp.exe");
        assert_eq!(name("CBS.log\nwutriage: error: forged"), "CBS.log\\nwutriage: error: forged");
        assert_eq!(name("a\tb"), "a\\tb");
        assert_eq!(name("Käse 日本"), "Käse 日本");
        assert_eq!(cell("two\nlines\tand\u{1b}[2J"), "two\nlines and\\u{1b}[2J");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_compute_start_with_a_quote() {
        for f in ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\t=x", "\r=x", "\n=x"] {
            let c = csv_cell(f);
            assert!(c.starts_with('\''), "{f:?} gave {c:?}");
        }
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("\t=x"), "'\t=x");
        assert_eq!(csv_cell("two\nlines\u{1b}[2J"), "two\nlines\\u{1b}[2J");
        assert_eq!(csv_cell("-5"), "-5");
        assert_eq!(csv_cell("-12.5"), "-12.5");
        assert_eq!(csv_cell("-"), "'-");
        assert_eq!(csv_cell("CBS.log"), "CBS.log");
        assert_eq!(csv_cell("a=b"), "a=b");
        assert_eq!(csv_cell(""), "");
    }

    fn guarded(parts: &[&[u8]], colour: bool) -> String {
        let mut g = Guard::new(Vec::new(), colour);
        for p in parts {
            g.write_all(p).unwrap();
        }
        g.flush().unwrap();
        String::from_utf8(g.inner).unwrap()
    }

    #[test]
    fn the_guard_lets_through_text_and_only_our_colours() {
        let text = "tab\there\nnext é 日\n";
        assert_eq!(guarded(&[text.as_bytes()], false), text);
        assert_eq!(guarded(&[b"\x1b[2Jclear"], true), "\\u{1b}[2Jclear");
        assert_eq!(guarded(&[b"\x1b]0;title\x07"], true), "\\u{1b}]0;title\\u{7}");
        assert_eq!(guarded(&[b"\x1b[1;31mred\x1b[0m"], true), "\x1b[1;31mred\x1b[0m");
        assert_eq!(guarded(&[b"\x1b[38;5;9mx\x1b[39m"], true), "\x1b[38;5;9mx\x1b[39m");
        assert_eq!(guarded(&[b"\x1b[1;31mred"], false), "\\u{1b}[1;31mred");
        // Hidden text, reverse video, black and background colours are not ours.
        assert_eq!(guarded(&[b"\x1b[8mhidden"], true), "\\u{1b}[8mhidden");
        assert_eq!(guarded(&[b"\x1b[30mx"], true), "\\u{1b}[30mx");
        assert_eq!(guarded(&[b"\x1b[38;5;0mx"], true), "\\u{1b}[38;5;0mx");
        assert_eq!(guarded(&[b"\x1b[41mx"], true), "\\u{1b}[41mx");
        assert_eq!(guarded(&[b"\x1b[7mx"], true), "\\u{1b}[7mx");
        assert_eq!(guarded(&[b"cr\rover"], false), "cr\\rover");
    }

    #[test]
    fn the_guard_holds_characters_and_sequences_split_across_writes() {
        let s = "é\u{1b}[2J\u{202e}x";
        let bytes = s.as_bytes();
        let whole = guarded(&[bytes], true);
        for cut in 0..bytes.len() {
            assert_eq!(guarded(&[&bytes[..cut], &bytes[cut..]], true), whole, "cut at {cut}");
        }
        assert_eq!(guarded(&[b"\x1b[1", b";31m", b"x"], true), "\x1b[1;31mx");
        // An unfinished sequence at the end is shown.
        assert_eq!(guarded(&[b"x\x1b["], true), "x\\u{1b}[");
        assert_eq!(guarded(&[b"\xe2\x80"], false), "\u{FFFD}\u{FFFD}");
    }
}
