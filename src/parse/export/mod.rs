//! Event logs exported as text rather than sent as .evtx: each export becomes the same
//! events the .evtx would give, so rules never know which form they came from.
//!
//! - [`wevtutil`]: `wevtutil qe … /f:text`;
//! - [`viewer`]: events copied out of Event Viewer ("Copy details as text");
//! - [`format_list`]: `Get-WinEvent | Format-List` and `Get-EventLog | Format-List`.

pub(crate) mod block;
pub mod format_list;
pub mod viewer;
pub mod wevtutil;

pub(crate) use wevtutil::parse;
