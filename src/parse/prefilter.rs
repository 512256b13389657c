//! A search-tool style prefilter for text logs: one SIMD pass of a packed multi-literal
//! searcher (Teddy) over a whole piece finds the few places where a record can hold a failure
//! code or failure words. Records with no hit and an `Info` level are only counted; the
//! full code extraction runs on the rest.
//!
//! The anchors are chosen so that the prefilter never hides a record that
//! [`CodeExtractor`](crate::code::extract::CodeExtractor) or
//! [`has_failure_words`](crate::event::has_failure_words) would act on: each anchor is a
//! substring of a trigger (in every letter case the extractor accepts) or of a failure word.
//! False hits only cost a full look at one record.

use aho_corasick::{AhoCorasick, MatchKind, packed};

/// One anchor per trigger of the code extractor. The extractor's triggers are
/// case-insensitive, so these are searched in a lower-cased copy of the text (made a block
/// at a time). The two-byte `0x` and `%%` are searched apart with memmem, and `[` codes with
/// memchr: Teddy slows down with short anchors.
const CASELESS: &[&str] = &[
    // Each anchor is the rarest few bytes that its trigger must contain: Teddy's cost is
    // its false candidates, and those come from common leading bytes.
    "32(",         // NTSTATUS_FROM_WIN32( and HRESULT_FROM_WIN32(
    "_nt(",        // HRESULT_FROM_NT(
    "* [",         // *FAILED* [
    "lt = ",       // HRESULT =
    "sult=",       // HRESULT=
    "code:",       // ErrorCode:
    "mapped=",     // resultMapped=
    "mapping to ", // mapping to error
    "tus -",       // NTSTATUS - and status - (signed decimals)
    "ror -",       // error -
    "hr = ",       // hr =
    "hr=",         // hr=
    // Case-sensitive in the extractor and in `has_failure_words`; matching them in any case
    // only adds false hits. `STATUS_` names, failure words cut so that one anchor covers
    // both capitalisations, and the legacy WindowsUpdate.log banner with its UTC offset.
    "status_",
    "(f)",
    "fatal",
    "ailed",
    "orrupt",
    "cannot repair",
    "do not match",
    "h mismatch",
    "ollback",
    "required: yes",
    "g initialized",
];

/// Bytes lower-cased per step; blocks overlap by the longest anchor so none is cut.
const BLOCK: usize = 64 << 10;
const OVERLAP: usize = 32;

#[derive(Debug, Clone)]
enum Finder {
    Packed(packed::Searcher),
    /// Where Teddy is unavailable (no SSSE3): slower, same answers.
    Automaton(AhoCorasick),
}

impl Finder {
    fn find(&self, hay: &[u8]) -> Option<usize> {
        match self {
            Finder::Packed(s) => s.find(hay).map(|m| m.start()),
            Finder::Automaton(ac) => ac.find(hay).map(|m| m.start()),
        }
    }
}

/// The compiled anchor set. Build once and share.
#[derive(Debug, Clone)]
pub(crate) struct Prefilter {
    finder: Finder,
    hex: memchr::memmem::Finder<'static>,
    hex_upper: memchr::memmem::Finder<'static>,
    insertion: memchr::memmem::Finder<'static>,
}

impl Default for Prefilter {
    fn default() -> Self {
        Self::new()
    }
}

/// The searches, each with its own cursor in [`Hits`].
#[derive(Debug, Clone, Copy)]
enum Search {
    Anchors,
    Bracket,
    Hex,
    HexUpper,
    Insertion,
}

const SEARCHES: [Search; 5] =
    [Search::Anchors, Search::Bracket, Search::Hex, Search::HexUpper, Search::Insertion];

impl Prefilter {
    pub(crate) fn new() -> Self {
        debug_assert!(CASELESS.iter().all(|a| a.len() < OVERLAP && *a == a.to_lowercase()));
        let finder = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(CASELESS)
            .build()
            .map_or_else(
                || {
                    Finder::Automaton(
                        AhoCorasick::builder()
                            .match_kind(MatchKind::LeftmostFirst)
                            .build(CASELESS)
                            .expect("the anchor set is a fixed, valid pattern list"),
                    )
                },
                Finder::Packed,
            );
        Prefilter {
            finder,
            hex: memchr::memmem::Finder::new(b"0x"),
            hex_upper: memchr::memmem::Finder::new(b"0X"),
            insertion: memchr::memmem::Finder::new(b"%%"),
        }
    }

    /// A cursor over the hits in `text`, for records visited in order.
    pub(crate) fn hits<'t>(&'t self, text: &'t str) -> Hits<'t> {
        Hits {
            pre: self,
            text: text.as_bytes(),
            at: 0,
            next: [None; SEARCHES.len()],
            lower: Vec::new(),
            lower_at: 0,
        }
    }
}

/// `[` + 8 hex digits + `]` with the top bit set: the extractor's bracketed code.
fn is_bracket_code(text: &[u8], at: usize) -> bool {
    let Some(v) = text.get(at + 1..at + 10) else { return false };
    v[..8].iter().all(u8::is_ascii_hexdigit)
        && v[8] == b']'
        && matches!(v[0], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
}

/// `0x` at `at` that the extractor could read as a failure: 8 hex digits with the top bit
/// set, or any value after `gle` (a Win32 last-error).
fn is_hex_code(text: &[u8], at: usize) -> bool {
    let top = text.get(at + 2..at + 10).is_some_and(|v| {
        v.iter().all(u8::is_ascii_hexdigit)
            && matches!(v[0], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
    });
    top || text
        .get(at.saturating_sub(8)..at)
        .is_some_and(|b| b.windows(3).any(|w| w.eq_ignore_ascii_case(b"gle")))
}

/// Hits in one text, consumed in increasing order of position.
#[derive(Debug)]
pub(crate) struct Hits<'t> {
    pre: &'t Prefilter,
    text: &'t [u8],
    /// Everything before `at` has been passed.
    at: usize,
    /// Per search, its first hit at or after `at` (the text length when there is none).
    next: [Option<usize>; SEARCHES.len()],
    /// A lower-cased block of the text, starting at `lower_at`.
    lower: Vec<u8>,
    lower_at: usize,
}

impl Hits<'_> {
    /// Whether an anchor starts in `start..end`. Calls must come with non-decreasing `start`.
    pub(crate) fn any_in(&mut self, start: usize, end: usize) -> bool {
        self.at = self.at.max(start);
        for (i, search) in SEARCHES.into_iter().enumerate() {
            let next = match self.next[i] {
                Some(n) if n >= self.at => n,
                _ => {
                    let n = self.find(search, self.at).unwrap_or(self.text.len());
                    self.next[i] = Some(n);
                    n
                }
            };
            if next < end {
                return true;
            }
        }
        false
    }

    /// The first hit of `search` at or after `at`.
    fn find(&mut self, search: Search, at: usize) -> Option<usize> {
        let text = self.text;
        let verified = |finder: &memchr::memmem::Finder<'_>, ok: fn(&[u8], usize) -> bool| {
            let mut from = at;
            loop {
                let i = from + finder.find(text.get(from..)?)?;
                if ok(text, i) {
                    return Some(i);
                }
                from = i + 1;
            }
        };
        match search {
            Search::Anchors => self.find_anchor(at),
            Search::Bracket => {
                let mut from = at;
                loop {
                    let i = from + memchr::memchr(b'[', text.get(from..)?)?;
                    if is_bracket_code(text, i) {
                        return Some(i);
                    }
                    from = i + 1;
                }
            }
            Search::Hex => verified(&self.pre.hex, is_hex_code),
            Search::HexUpper => verified(&self.pre.hex_upper, is_hex_code),
            Search::Insertion => verified(&self.pre.insertion, |_, _| true),
        }
    }

    /// The first anchor at or after `at`, searched block by block in lower case. A block is
    /// lower-cased once and searched again from later positions until the search leaves it.
    fn find_anchor(&mut self, mut at: usize) -> Option<usize> {
        let len = self.text.len();
        while at < len {
            let window_end = self.lower_at + self.lower.len();
            // Matches may start anywhere but in the overlap kept for the next block.
            let usable_end =
                if window_end == len { len } else { window_end.saturating_sub(OVERLAP) };
            if self.lower.is_empty() || at < self.lower_at || at >= usable_end {
                let end = (at + BLOCK + OVERLAP).min(len);
                self.lower.clear();
                self.lower.extend(self.text.get(at..end)?.iter().map(u8::to_ascii_lowercase));
                self.lower_at = at;
                continue;
            }
            let from = at - self.lower_at;
            if let Some(i) = self.pre.finder.find(self.lower.get(from..)?)
                && at + i < usable_end
            {
                return Some(at + i);
            }
            at = usable_end;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::extract::CodeExtractor;
    use crate::event::has_failure_words;

    /// Every line with a code or failure words has a hit; routine lines mostly do not.
    #[test]
    fn hits_where_the_extractor_finds_codes() {
        let lines = [
            "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]",
            "processed the command line but failed. hresult=80070BC9",
            "*FAILED* [80248007] ISusInternal:: GetUpdateMetadata3",
            "Binary Name: containerai.dll\tERRORCODE: 800706d9\tPhase: 39",
            "(F) Failed execution with HRESULT hresult_from_win32(1753).",
            "Error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) originated",
            "(F) HRESULT_FROM_NT(STATUS_INVALID_HANDLE) #1# from Y",
            "Operation failed with Status -2147023143",
            "completed with NTSTATUS -1073283059",
            "LogHistory called. ResultMapped=80240017, resultUnMapped=0",
            "Driver Install (Mapping To Error 8024200B)",
            "Failed to evaluate Installed rule, HR = 80070057",
            "Complete the request URL with [80072F8F] and http status code[0]",
            "param2 = %%2147942414",
            "got STATUS_OBJECT_PATH_NOT_FOUND",
            "Hashes for file member do not match.",
            "Session finalized. Reboot required: yes",
            "A rollback will be initiated",
        ];
        let ex = CodeExtractor::new();
        let pre = Prefilter::new();
        for l in lines {
            assert!(!ex.extract(l).is_empty() || has_failure_words(l), "test line is notable: {l}");
            assert!(pre.hits(l).any_in(0, l.len()), "no hit: {l}");
        }
        for l in [
            "Appl: detect Parent, Package: Package_for_KB5034765~31bf3856ad364e35~amd64~~22631.3155.1.6, Disposition = Detect",
            "Creating NT transaction (seq 3), objectname [6]\"(null)\"",
            "Plan: Package: x, current: Installed, pending: Default",
        ] {
            assert!(ex.extract(l).is_empty() && !has_failure_words(l));
            assert!(!pre.hits(l).any_in(0, l.len()), "false hit: {l}");
        }
    }

    #[test]
    fn cursor_moves_forward_through_records() {
        let text = "plain one\nhas 0x80070002 here\nplain two\n[80072F8F] bracket\nplain\n";
        let pre = Prefilter::new();
        let mut h = pre.hits(text);
        let mut start = 0;
        let mut got = Vec::new();
        for line in text.split_inclusive('\n') {
            got.push(h.any_in(start, start + line.len()));
            start += line.len();
        }
        assert_eq!(got, [false, true, false, true, false]);
    }
}
