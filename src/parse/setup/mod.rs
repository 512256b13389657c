//! The files of a Windows feature update (Windows Setup), FORMATS.md §6 and §9:
//!
//! - [`panther`]: `setupact.log` and `setuperr.log` of `$WINDOWS.~BT\Sources\Panther`,
//!   `…\Rollback` and `C:\Windows\Panther` (the CBS columns; lines Setup's analysis reads
//!   are kept even when they carry no code);
//! - [`setupapi`]: `setupapi.dev.log`, `.app.log`, `.offline.log`, `.setup.log`: one
//!   record per device-install section, with its `!`/`!!!` lines and exit status;
//! - [`compat`]: `CompatData_*.xml` and `ScanResult.xml`, the compatibility scan's blocks;
//! - [`rowset`]: `diagerr.xml` and `diagwrn.xml`, several rowset documents glued together;
//! - [`setupdiag`]: SetupDiag's own verdict (text, XML or JSON, or its text pasted into a
//!   ticket);
//! - [`dump`]: memory dumps (`setupmem.dmp`), whose presence is evidence; only the header
//!   is read.
//!
//! These logs are not sorted by time here or anywhere: their clocks jump (the Safe OS
//! phase may run hours off), so the analysis of an attempt reads them in file order.

pub mod compat;
pub mod dump;
pub mod panther;
pub mod rowset;
pub mod setupapi;
pub mod setupdiag;

use crate::code::Code;
use crate::event::{Event, Field, Flags, Level, Location, Pos, Source};
use crate::time::{TimeBase, Timestamp};
use std::borrow::Cow;

/// An event of a setup reader, with owned text (these files are small and their text is
/// rebuilt from XML attributes or several lines).
#[allow(clippy::too_many_arguments, reason = "one place builds every owned setup event")]
pub(crate) fn owned_event(
    time: Timestamp,
    time_base: TimeBase,
    line: u32,
    source: Source,
    level: Level,
    component: &str,
    message: String,
    codes: Vec<Code>,
    fields: Vec<(&'static str, String)>,
) -> Event<'static> {
    Event {
        time: Some(time),
        time_base,
        at: Location { artifact: 0, pos: Pos::Line(line) },
        source,
        level,
        component: Cow::Owned(component.to_string()),
        event_id: None,
        codes,
        kb: None,
        package: None,
        message: Cow::Owned(message),
        fields: fields
            .into_iter()
            .map(|(k, v)| Field { name: Cow::Borrowed(k), value: Cow::Owned(v) })
            .collect(),
        flags: Flags::default(),
    }
}

/// The 1-based line of byte offset `at` in `text`.
pub(crate) fn line_of(text: &str, at: usize) -> u32 {
    let upto = text.as_bytes().get(..at.min(text.len())).unwrap_or_default();
    u32::try_from(memchr::memchr_iter(b'\n', upto).count() + 1).unwrap_or(u32::MAX)
}
