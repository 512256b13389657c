//! Single passes of the text read path, for `examples/text-floor`, which measures what it
//! costs to look at every byte and every line before any record is parsed.
//!
//! Not a stable API.

/// Runs the prefilter over all of `text`, as the text parsers do piece by piece, and
/// returns how many anchor hits it found.
pub fn prefilter_hits(text: &str) -> usize {
    crate::parse::prefilter_hits(text)
}

/// The prefilter's anchors, each searched in any letter case, so that a search tool can be
/// given the same search (`scripts/bench-vs-peers.sh`).
pub fn prefilter_anchors() -> impl Iterator<Item = &'static str> {
    crate::parse::prefilter_anchors()
}
