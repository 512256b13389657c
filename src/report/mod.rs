//! Rendering: turns bundle, parse and timeline data into tables and JSON. Reports decide
//! nothing; they only present what earlier stages found.

pub mod analyze;
pub mod events;
pub mod explain;
pub mod grid;
pub mod html;
pub mod inventory;
pub mod lane;
pub mod markdown;
pub mod picture;
pub mod problems;
pub mod safe;
pub mod timeline;
pub mod upgrade;

use crate::bundle::Bundle;
use crate::event::Location;

/// Version of the JSON output contract, shared by every JSON document and line. 2: one
/// vocabulary for `analyze` and `batch` (incident `kind` an id with `what` in words, `code`
/// and `wraps` as strings with `code_name` / `wraps_name`, causes named `cause`, the verdict a
/// list, `utc_offset` in both).
pub const SCHEMA_VERSION: u32 = 2;

/// `CBS.log:1234` or `System.evtx#48211`.
pub fn location(bundle: &Bundle, at: Location) -> String {
    let path = bundle.artifacts.get(at.artifact as usize).map_or("?", |a| a.path.as_str());
    format!("{path}{}", at.pos)
}

/// `1 file`, `2 files`.
pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
