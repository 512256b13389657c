//! Physical lines of a text buffer: CRLF, LF, and bare LF inside CRLF files all end a line.

/// One physical line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    /// Byte offset of the line start in the buffer.
    pub(crate) start: usize,
    /// The line without its terminator (a trailing CR is removed).
    pub(crate) text: &'a str,
}

impl Line<'_> {
    /// Byte offset just past the line's text (before its terminator).
    pub(crate) fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

/// NUL bytes in a text: what a log looks like where the machine stopped while writing it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Nuls {
    /// How many.
    pub(crate) count: u64,
    /// Line terminators before the first one.
    pub(crate) first_after: Option<u64>,
    /// Line terminators in the whole text (to place the first NUL of a later piece).
    pub(crate) newlines: u64,
}

impl Nuls {
    /// By a plain scan (for a piece whose parser panicked, and for tests).
    pub(crate) fn scan(text: &[u8]) -> Self {
        let first = memchr::memchr(0, text);
        Nuls {
            count: memchr::memchr_iter(0, text).count() as u64,
            first_after: first.map(|i| memchr::memchr_iter(b'\n', &text[..i]).count() as u64),
            newlines: memchr::memchr_iter(b'\n', text).count() as u64,
        }
    }
}

/// Iterates the lines of `text`; `newlines()` afterwards tells how many terminators it saw,
/// `nuls()` the NUL bytes it passed.
pub(crate) struct Lines<'a> {
    text: &'a str,
    pos: usize,
    newlines: u64,
    nuls: Nuls,
    /// One SIMD search for all line ends (restarting `memchr` per line costs twice as much),
    /// and for NUL bytes, which would otherwise take a pass of their own.
    stops: memchr::Memchr2<'a>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Lines {
            text,
            pos: 0,
            newlines: 0,
            nuls: Nuls::default(),
            stops: memchr::memchr2_iter(b'\n', 0, text.as_bytes()),
        }
    }

    /// Line terminators seen so far.
    pub(crate) fn newlines(&self) -> u64 {
        self.newlines
    }

    /// NUL bytes passed so far.
    pub(crate) fn nuls(&self) -> Nuls {
        Nuls { newlines: self.newlines, ..self.nuls }
    }

    /// The next line end, counting the NUL bytes before it.
    fn next_end(&mut self) -> Option<usize> {
        for i in self.stops.by_ref() {
            if self.text.as_bytes().get(i) == Some(&b'\n') {
                return Some(i);
            }
            self.nuls.count += 1;
            self.nuls.first_after.get_or_insert(self.newlines);
        }
        None
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        let start = self.pos;
        if start >= self.text.len() {
            return None;
        }
        let end = if let Some(i) = self.next_end() {
            self.newlines += 1;
            i
        } else {
            self.text.len()
        };
        self.pos = end + 1;
        // A `\n` is always a character boundary.
        let line = self.text.get(start..end).unwrap_or_default();
        let line = line.strip_suffix('\r').unwrap_or(line);
        Some(Line { start, text: line })
    }
}

/// One physical line as record assembly sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumberedLine<'a> {
    /// 1-based line number within the piece.
    pub(crate) no: u32,
    /// Byte offset of `body` in the piece.
    pub(crate) start: usize,
    /// The line without terminator, and without a UTF-8 BOM at its start.
    pub(crate) body: &'a str,
    /// Byte offset just past the line's text.
    pub(crate) end: usize,
}

/// A record that grows by continuation lines.
pub(crate) trait Record {
    /// A continuation line ending at `end` belongs to this record.
    fn extend_to(&mut self, end: usize);
}

/// One text grammar: which lines start records, and what to do with finished ones.
pub(crate) trait Grammar<'t> {
    type Rec: Record;
    /// Returns a new record if `line` starts one; may update `current` (export key lines).
    fn begin(
        &mut self,
        line: NumberedLine<'t>,
        current: Option<&mut Self::Rec>,
    ) -> Option<Self::Rec>;
    /// A record is complete.
    fn finish(&mut self, rec: Self::Rec);
}

/// Line counts from [`assemble`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineCounts {
    /// Physical lines.
    pub(crate) lines: u32,
    /// Line terminators (to number the next piece's lines).
    pub(crate) newlines: u64,
    /// Lines before the first record.
    pub(crate) unattributed: u64,
    /// NUL bytes.
    pub(crate) nuls: Nuls,
}

/// Assembles the records of `text`: every line starts a record or continues the current
/// one.
pub(crate) fn assemble<'t, G: Grammar<'t>>(text: &'t str, g: &mut G) -> LineCounts {
    let mut unattributed = 0;
    let mut lines = Lines::new(text);
    let mut no: u32 = 0;
    let mut cur: Option<G::Rec> = None;
    for line in lines.by_ref() {
        no = no.saturating_add(1);
        let body = line.text.strip_prefix('\u{FEFF}').unwrap_or(line.text);
        let start = line.end() - body.len();
        let nl = NumberedLine { no, start, body, end: line.end() };
        if let Some(rec) = g.begin(nl, cur.as_mut()) {
            if let Some(prev) = cur.replace(rec) {
                g.finish(prev);
            }
            continue;
        }
        match cur.as_mut() {
            Some(r) => r.extend_to(line.end()),
            None => unattributed += 1,
        }
    }
    if let Some(r) = cur {
        g.finish(r);
    }
    LineCounts { lines: no, newlines: lines.newlines(), unattributed, nuls: lines.nuls() }
}

/// Splits `text` into about `parts` pieces, each starting at a line for which `is_start`
/// holds (so no record straddles two pieces). Returns the byte offsets where pieces begin.
pub(crate) fn split_points(bytes: &[u8], parts: usize, is_start: fn(&[u8]) -> bool) -> Vec<usize> {
    let mut points = vec![0];
    if parts <= 1 {
        return points;
    }
    let step = bytes.len() / parts;
    for k in 1..parts {
        let target = (k * step).max(points.last().copied().unwrap_or(0) + 1);
        let mut pos = target;
        let mut found = None;
        while let Some(i) = bytes.get(pos..).and_then(|b| memchr::memchr(b'\n', b)) {
            let line_start = pos + i + 1;
            let Some(line) = bytes.get(line_start..) else { break };
            if line.is_empty() {
                break;
            }
            if is_start(line) {
                found = Some(line_start);
                break;
            }
            pos = line_start;
            // Give up on a piece boundary rather than scan far: the piece just grows.
            if pos > target + (step.max(1 << 20)) {
                break;
            }
        }
        match found {
            Some(p) if p > *points.last().unwrap_or(&0) => points.push(p),
            _ => {}
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings() {
        let t = "a\r\nb\nc\r\n\nlast";
        let mut it = Lines::new(t);
        let v: Vec<&str> = it.by_ref().map(|l| l.text).collect();
        assert_eq!(v, ["a", "b", "c", "", "last"]);
        assert_eq!(it.newlines(), 4);
    }

    /// NUL bytes counted on the way agree with a plain scan, wherever they are.
    #[test]
    fn nuls_on_the_way() {
        for t in ["", "\0", "a\n\0\0b\r\n\0", "\n\n\0", "x\0\ny\0", "abc\n", "\0\n", "a\nb"] {
            let mut it = Lines::new(t);
            it.by_ref().for_each(drop);
            assert_eq!(it.nuls(), Nuls::scan(t.as_bytes()), "{t:?}");
        }
    }

    #[test]
    fn split_at_record_starts() {
        let t = "R1\nx\nR2\nR3\nx\nx\nR4\n";
        let pts = split_points(t.as_bytes(), 3, |l| l.first() == Some(&b'R'));
        assert_eq!(pts[0], 0);
        for p in &pts[1..] {
            assert_eq!(t.as_bytes()[*p], b'R');
        }
        assert!(pts.windows(2).all(|w| w[0] < w[1]));
    }
}
