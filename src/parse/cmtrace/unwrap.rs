//! `CMTrace` records wrapped on their way into a ticket, read whole again.
//!
//! A mail client or a forum breaks a long line at a space (or, with no space near, inside a
//! word) and may indent what follows, quote it with `> ` or put blank lines in between. A
//! record is longer than any such width (its attribute block alone is over 100 characters),
//! so the break falls in its message or in its attributes: `…component="WUAHandler"`, a
//! line break and indentation, then `context="" type="3" …>`.
//!
//! [`Joined`] is a stretch of the file with those breaks taken out, so that markers and
//! attribute values cut by one read whole again; [`message`] turns the breaks inside a
//! rejoined record's message back into the space they replaced. Only records the strict
//! reader could not read come here: a well-formed log never does.

use super::OPEN_STR;
use crate::shapes::lenient;
use std::borrow::Cow;

/// Whether a line holds nothing but spaces (a blank line a paste put between pieces).
fn blank(line: &str) -> bool {
    line.chars().all(lenient::is_space)
}

/// What a continuation line starts with once its quote markers and indentation are gone.
fn continuation(line: &str) -> &str {
    line.trim_start_matches(|c| c == '>' || lenient::is_space(c))
}

/// One line break of a wrap at byte `nl` (a `\n`) of `text`, before `to`: the bytes it takes
/// (the blank lines after it, then the next line's quote markers and indentation) up to where
/// the text goes on, or `None` when what follows is no continuation: the end of the
/// stretch, or another record.
fn wrap_break(text: &str, nl: usize, to: usize) -> Option<usize> {
    let mut at = nl + 1;
    loop {
        let rest = text.get(at..to)?;
        let line_end = memchr::memchr(b'\n', rest.as_bytes());
        let line = &rest[..line_end.unwrap_or(rest.len())];
        if !blank(line) {
            let (stripped, _) = lenient::strip_record(line);
            if stripped.starts_with(OPEN_STR) {
                return None;
            }
            return Some(at + (line.len() - continuation(line).len()));
        }
        at += line_end? + 1;
    }
}

/// A stretch of the file with the line breaks of a wrap taken out.
#[derive(Debug, Default)]
pub(super) struct Joined {
    /// The joined text.
    pub(super) text: String,
    /// Where each run of [`Joined::text`] starts: (offset in it, offset in the file).
    runs: Vec<(usize, usize)>,
    /// Line breaks taken out.
    pub(super) breaks: u64,
}

impl Joined {
    /// `text[from..to]` joined across at most `max_breaks` breaks. It stops early, before
    /// the break, at a line that begins another record (after any copy prefix).
    pub(super) fn new(text: &str, from: usize, to: usize, max_breaks: u64) -> Joined {
        let mut j = Joined { runs: vec![(0, from)], ..Joined::default() };
        let mut at = from;
        while let Some(k) = text.get(at..to).and_then(|r| memchr::memchr(b'\n', r.as_bytes())) {
            let nl = at + k;
            let end = if nl > at && text.as_bytes()[nl - 1] == b'\r' { nl - 1 } else { nl };
            j.text.push_str(&text[at..end]);
            let next = if j.breaks < max_breaks { wrap_break(text, nl, to) } else { None };
            let Some(next) = next else { return j };
            j.breaks += 1;
            j.runs.push((j.text.len(), next));
            at = next;
        }
        j.text.push_str(text.get(at..to).unwrap_or_default());
        j
    }

    /// The offset in the file of offset `at` of the joined text (at the seam of two runs,
    /// where the second begins).
    pub(super) fn original(&self, at: usize) -> usize {
        let i = self.runs.partition_point(|&(j, _)| j <= at).saturating_sub(1);
        let (j, o) = self.runs.get(i).copied().unwrap_or_default();
        o + (at - j)
    }
}

/// A rejoined record's message: each wrap break (a line break, blank lines, quote markers and
/// indentation) back to the one space it replaced; the number of breaks.
pub(super) fn message(m: &str) -> (Cow<'_, str>, u64) {
    if !m.contains('\n') {
        return (Cow::Borrowed(m), 0);
    }
    let mut out = String::with_capacity(m.len());
    let mut breaks = 0;
    for (k, line) in m.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = if k == 0 { line } else { continuation(line) };
        let line = line.trim_end_matches(lenient::is_space);
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            breaks += 1;
            out.push(' ');
        }
        out.push_str(line);
    }
    (Cow::Owned(out), breaks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_across_indentation_quotes_and_blank_lines() {
        let t = "ab\r\n        cd\r\n\r\n   \r\n> >  ef\ngh";
        let j = Joined::new(t, 0, t.len(), 8);
        assert_eq!(j.text, "abcdefgh");
        assert_eq!(j.breaks, 3);
        assert_eq!(&t[j.original(2)..j.original(2) + 2], "cd");
        assert_eq!(&t[j.original(5)..=j.original(5)], "f");
        assert_eq!(j.original(0), 0);
    }

    #[test]
    fn stops_at_another_record_and_at_the_cap() {
        let t = "ab\r\n  cd\r\n> 12:<![LOG[next";
        let j = Joined::new(t, 0, t.len(), 8);
        assert_eq!(j.text, "abcd", "a quoted, numbered record start is not a continuation");
        let j = Joined::new(t, 0, t.len(), 0);
        assert_eq!((j.text.as_str(), j.breaks), ("ab", 0));
        let t = "ab\r\n\r\n";
        assert_eq!(Joined::new(t, 0, t.len(), 8).text, "ab", "nothing after the break");
    }

    #[test]
    fn a_message_gets_its_spaces_back() {
        let (m, n) = message("Scan failed with\r\n        error = 0x80244010.\r\n\r\n> more\r\n");
        assert_eq!((m.as_ref(), n), ("Scan failed with error = 0x80244010. more", 2));
        assert!(matches!(message("one line").0, Cow::Borrowed("one line")));
    }
}
