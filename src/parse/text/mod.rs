//! The line grammars: logs whose records start with a timestamp at the head of a line.
//!
//! - [`cbs`]: CBS.log, CbsPersist and dism.log (`YYYY-MM-DD HH:MM:SS, Level Component message`,
//!   with multi-line CSI records);
//! - [`wu`]: WindowsUpdate.log, both the `Get-WindowsUpdateLog` columns and the legacy
//!   TAB-separated Windows 7/8 layout;
//! - [`reporting`]: ReportingEvents.log, the client's TAB-separated record of each
//!   detection, download and install, with its own UTC offset per line.
//!
//! [`lines`] cuts text into numbered lines and records, [`prefilter`] finds the few lines
//! worth a full parse, and [`fast`] reads the fixed-width stamps without allocating.

pub mod cbs;
pub(crate) mod fast;
pub(crate) mod fragment;
pub(crate) mod lines;
pub(crate) mod prefilter;
pub mod reporting;
pub mod wu;
