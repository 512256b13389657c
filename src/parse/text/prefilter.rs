//! A search-tool style prefilter for text logs. A piece is read in blocks: each block is
//! folded into a small buffer that stays in cache (`| 0x20`, which lower-cases ASCII
//! letters), and every search runs over that buffer: one SIMD pass of a packed
//! multi-literal searcher (Teddy) for the long anchors, one for the short ones, and a memchr
//! for brackets. Records with no hit and an `Info` level are only counted; the full code
//! extraction runs on the rest.
//!
//! The anchors are chosen so that the prefilter never hides a record that
//! [`CodeExtractor`](crate::code::extract::CodeExtractor) or
//! [`has_failure_words`](crate::event::has_failure_words) would act on: each anchor is a
//! substring of a trigger (in every letter case the extractor accepts) or of a failure word.
//! Folding maps some other bytes together too (`\r` and `-`, NUL and space, `[` and `{`),
//! which can only add hits. False hits only cost a full look at one record.

use aho_corasick::{AhoCorasick, MatchKind, packed};

/// Anchors for Teddy, searched in lower case. All are at least 4 bytes long, so that Teddy
/// compares 4-byte fingerprints: with a 3-byte anchor among them, common trigrams of
/// routine lines make most of Teddy's time (measured: 2.2× slower on the generated bundle).
/// Each starts with bytes that are rare in routine lines, for the same reason.
const LONG: &[&str] = &[
    "_from_",      // NTSTATUS_FROM_WIN32(, HRESULT_FROM_WIN32(, HRESULT_FROM_NT(
    "hresult",     // HRESULT = and HRESULT=
    "rcode:",      // ErrorCode:
    "mapped=",     // resultMapped=
    "mapping to ", // mapping to error
    "tus -",       // NTSTATUS - and status - (signed decimals)
    "or -",        // error -
    "hr = ",       // hr =
    "tus_",        // STATUS_ names (case-sensitive in the extractor)
    // Failure words are case-sensitive in `has_failure_words`; matching them in any case
    // only adds false hits. Cut so that one anchor covers both capitalisations. `*FAILED* [`
    // is covered by `ailed`.
    "fatal",
    "ailed",
    "orrupt",
    "cannot repair",
    "ot match", // do not match
    "mismatch", // hash mismatch
    "ollback",
    "d: yes",              // Reboot required: yes
    "logging initialized", // the legacy WindowsUpdate.log banner with its UTC offset
];

/// Anchors shorter than 4 bytes, searched by a second Teddy (of 2-byte fingerprints; with
/// the long ones it would slow every search). `0x` hits are kept only before a value the
/// extractor could read as a failure.
const SHORT: &[&str] = &[
    "hr=", "(f)", // the failure word (F)
    "%%",  // insertion strings
    HEX,
];

const HEX: &str = "0x";

/// The fold every block and anchor goes through: ASCII letters to lower case, and bit 5
/// set on every other byte too, which is one vector OR (a real lower-casing costs a compare
/// and a blend per byte).
fn fold(b: u8) -> u8 {
    b | 0x20
}

/// Bytes folded and searched per step: small enough to stay in L2 between the fold and
/// the searches (Teddy over text that is not in cache ran at a fifth of its in-cache speed).
const BLOCK: usize = 64 << 10;
/// Bytes read past a block so that an anchor starting in it is seen whole; longer than
/// every anchor.
const OVERLAP: usize = 32;

#[derive(Debug, Clone)]
enum Finder {
    Packed(packed::Searcher),
    /// Where Teddy is unavailable (no SSSE3): slower, same answers.
    Automaton(AhoCorasick),
}

impl Finder {
    /// Searches the folded forms of `anchors`.
    fn new(anchors: &[&str]) -> Self {
        let folded: Vec<Vec<u8>> = anchors.iter().map(|a| a.bytes().map(fold).collect()).collect();
        packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&folded)
            .build()
            .map_or_else(
                || {
                    Finder::Automaton(
                        AhoCorasick::builder()
                            .match_kind(MatchKind::LeftmostFirst)
                            .build(&folded)
                            .expect("the anchor set is a fixed, valid pattern list"),
                    )
                },
                Finder::Packed,
            )
    }

    /// Start and anchor index of the first match.
    fn find(&self, hay: &[u8]) -> Option<(usize, usize)> {
        match self {
            Finder::Packed(s) => s.find(hay).map(|m| (m.start(), m.pattern().as_usize())),
            Finder::Automaton(ac) => ac.find(hay).map(|m| (m.start(), m.pattern().as_usize())),
        }
    }

    /// Pushes `from + start` of every match that starts before `limit` and passes `keep`
    /// (given the anchor index and the start in `hay`).
    fn collect(
        &self,
        hay: &[u8],
        limit: usize,
        from: usize,
        found: &mut Vec<usize>,
        mut keep: impl FnMut(usize, usize) -> bool,
    ) {
        let mut at = 0;
        while let Some((i, pattern)) = hay.get(at..).and_then(|h| self.find(h)) {
            let start = at + i;
            if start >= limit {
                break;
            }
            if keep(pattern, start) {
                found.push(from + start);
            }
            at = start + 1;
        }
    }
}

/// The compiled anchor set. Build once and share.
#[derive(Debug, Clone)]
pub(crate) struct Prefilter {
    long: Finder,
    short: Finder,
}

impl Default for Prefilter {
    fn default() -> Self {
        Self::new()
    }
}

impl Prefilter {
    pub(crate) fn new() -> Self {
        debug_assert!(LONG.iter().all(|a| a.len() >= 4 && a.len() < OVERLAP));
        debug_assert!(LONG.iter().chain(SHORT).all(|a| *a == a.to_lowercase()));
        Prefilter { long: Finder::new(LONG), short: Finder::new(SHORT) }
    }

    /// A cursor over the hits in `text`, for records visited in order.
    pub(crate) fn hits<'t>(&'t self, text: &'t str) -> Hits<'t> {
        Hits {
            pre: self,
            text: text.as_bytes(),
            block: BLOCK,
            found: Vec::new(),
            next: 0,
            scanned: 0,
            folded: Vec::new(),
        }
    }
}

/// Every anchor the scan searches, in lower case (`0x` and `[` before their checks).
pub(crate) fn anchors() -> impl Iterator<Item = &'static str> {
    LONG.iter().chain(SHORT).copied().chain(["["])
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

/// Hits in one text, asked about in increasing order of position.
#[derive(Debug)]
pub(crate) struct Hits<'t> {
    pre: &'t Prefilter,
    text: &'t [u8],
    /// Bytes scanned per step.
    block: usize,
    /// Start of every hit in the last scanned block, ascending.
    found: Vec<usize>,
    /// Index in `found` of the first hit not yet passed.
    next: usize,
    /// Every hit that starts before `scanned` and at or after the last asked start is in
    /// `found`.
    scanned: usize,
    /// The folded block (reused).
    folded: Vec<u8>,
}

impl Hits<'_> {
    /// Whether an anchor starts in `start..end`. Calls must come with non-decreasing `start`.
    pub(crate) fn any_in(&mut self, start: usize, end: usize) -> bool {
        loop {
            while self.found.get(self.next).is_some_and(|&h| h < start) {
                self.next += 1;
            }
            if let Some(&h) = self.found.get(self.next) {
                return h < end;
            }
            if end <= self.scanned || self.scanned >= self.text.len() {
                return false;
            }
            // Nothing before `start` matters any more, so the scan may skip to it.
            self.scan(start.max(self.scanned));
        }
    }

    /// Scans the whole text and returns how many hits it holds (for measuring the scan).
    pub(crate) fn count_all(mut self) -> usize {
        let mut n = 0;
        while self.scanned < self.text.len() {
            self.scan(self.scanned);
            n += self.found.len();
        }
        n
    }

    /// Collects the hits that start in the block at `from`.
    fn scan(&mut self, from: usize) {
        let len = self.text.len();
        let stop = from.saturating_add(self.block).min(len);
        let end = stop.saturating_add(OVERLAP).min(len);
        let text = self.text;
        self.folded.clear();
        self.folded.extend(text.get(from..end).unwrap_or_default().iter().map(|&b| fold(b)));
        self.found.clear();
        self.next = 0;
        self.scanned = stop;
        let hay = &self.folded[..];
        // Matches starting in the overlap belong to the next block.
        let limit = stop - from;
        let found = &mut self.found;
        self.pre.long.collect(hay, limit, from, found, |_, _| true);
        let hex = SHORT.len() - 1;
        // Verified against the original text: `gle` may sit just before the block.
        self.pre
            .short
            .collect(hay, limit, from, found, |p, i| p != hex || is_hex_code(text, from + i));
        // `[` folds to `{`, so this finds both; the check reads the original.
        found.extend(
            memchr::memchr_iter(fold(b'['), hay)
                .take_while(|&i| i < limit)
                .map(|i| from + i)
                .filter(|&i| is_bracket_code(text, i)),
        );
        found.sort_unstable();
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

    /// Each trigger of the extractor and each failure word holds an anchor (`0x` and `[`
    /// are searched on their own).
    #[test]
    fn every_trigger_holds_an_anchor() {
        let words = crate::code::extract::TRIGGERS.iter().chain(crate::event::FAILURE_WORDS);
        for w in words.filter(|w| !matches!(**w, "0x" | "[")) {
            let l = w.to_lowercase();
            assert!(LONG.iter().chain(SHORT).any(|a| l.contains(a)), "no anchor in {w}");
        }
        assert!(LONG.iter().any(|a| "logging initialized".contains(a)));
    }

    /// Every position where some search matches, by brute force.
    fn naive_hits(text: &[u8]) -> Vec<bool> {
        let folded: Vec<u8> = text.iter().map(|&b| fold(b)).collect();
        let starts =
            |rest: &[u8], a: &str| rest.iter().copied().take(a.len()).eq(a.bytes().map(fold));
        (0..text.len())
            .map(|p| {
                let rest = &folded[p..];
                LONG.iter().chain(SHORT.iter().filter(|a| **a != HEX)).any(|a| starts(rest, a))
                    || (starts(rest, HEX) && is_hex_code(text, p))
                    || (rest.first() == Some(&fold(b'[')) && is_bracket_code(text, p))
            })
            .collect()
    }

    /// Scanning in blocks of any size answers as a brute-force search does, for records
    /// asked about in order (ends may run past later starts, as CBS records do not, but
    /// export blocks may).
    #[test]
    fn blocks_agree_with_brute_force() {
        const PARTS: &[&str] = &[
            "a",
            "Z",
            " ",
            "\r\n",
            "\n",
            "0x",
            "0X",
            "80070002",
            "DEADBEEF",
            "[",
            "]",
            "gle=",
            "GLE",
            "%%",
            "hr=",
            "HR = ",
            "(F)",
            "(f)",
            "Failed",
            "STATUS_X",
            "tus -",
            "error -",
            "HRESULT",
            "resultMapped=",
            "Do not match",
            "hash mismatch",
            "Rollback",
            "Reboot required: yes",
            "Logging initialized",
            "_FROM_",
            "é",
            "mapping to ",
        ];
        let pre = Prefilter::new();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..400 {
            let text: String = (0..rand(120)).map(|_| PARTS[rand(PARTS.len())]).collect();
            let expected = naive_hits(text.as_bytes());
            assert_eq!(pre.hits(&text).count_all(), expected.iter().filter(|&&h| h).count());
            for block in [1, 3, 7, 16, 64, BLOCK] {
                let mut h = pre.hits(&text);
                h.block = block;
                let mut start = 0;
                while start < text.len() {
                    let end = (start + rand(40)).min(text.len() + 1);
                    let want =
                        expected.get(start..end.min(text.len())).is_some_and(|w| w.contains(&true));
                    assert_eq!(
                        h.any_in(start, end),
                        want,
                        "round {round}, block {block}: {text:?} {start}..{end}"
                    );
                    start += rand(30);
                }
            }
        }
    }
}
