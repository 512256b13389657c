//! Event logs exported as text rather than sent as .evtx: each export becomes the same
//! events the .evtx would give, so rules never know which form they came from.
//!
//! - [`wevtutil`]: `wevtutil qe … /f:text`.

pub mod wevtutil;

pub(crate) use wevtutil::parse;
