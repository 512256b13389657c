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

/// Iterates the lines of `text`; `newlines()` afterwards tells how many terminators it saw.
pub(crate) struct Lines<'a> {
    text: &'a str,
    pos: usize,
    newlines: u64,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Lines { text, pos: 0, newlines: 0 }
    }

    /// Line terminators seen so far.
    pub(crate) fn newlines(&self) -> u64 {
        self.newlines
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        let rest = self.text.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let start = self.pos;
        let (line, advance) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => {
                self.newlines += 1;
                (&rest[..i], i + 1)
            }
            None => (rest, rest.len()),
        };
        self.pos += advance;
        let line = line.strip_suffix('\r').unwrap_or(line);
        Some(Line { start, text: line })
    }
}

/// Splits `text` into about `parts` pieces, each starting at a line for which `is_start`
/// holds (so no record straddles two pieces). Returns the byte offsets where pieces begin.
pub(crate) fn split_points(text: &str, parts: usize, is_start: fn(&[u8]) -> bool) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut points = vec![0];
    if parts <= 1 {
        return points;
    }
    let step = text.len() / parts;
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

    #[test]
    fn split_at_record_starts() {
        let t = "R1\nx\nR2\nR3\nx\nx\nR4\n";
        let pts = split_points(t, 3, |l| l.first() == Some(&b'R'));
        assert_eq!(pts[0], 0);
        for p in &pts[1..] {
            assert_eq!(t.as_bytes()[*p], b'R');
        }
        assert!(pts.windows(2).all(|w| w[0] < w[1]));
    }
}
