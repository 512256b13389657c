//! Rendering: turns bundle, parse and timeline data into tables and JSON. Reports decide
//! nothing; they only present what earlier stages found.

pub mod analyze;
pub mod events;
pub mod explain;
pub mod html;
pub mod inventory;
pub mod lane;
pub mod picture;
pub mod problems;
pub mod safe;
pub mod timeline;
pub mod upgrade;

use crate::bundle::Bundle;
use crate::event::Location;

/// Version of the JSON output contract.
pub const SCHEMA_VERSION: u32 = 1;

/// `CBS.log:1234` or `System.evtx#48211`.
pub fn location(bundle: &Bundle, at: Location) -> String {
    let path = bundle.artifacts.get(at.artifact as usize).map_or("?", |a| a.path.as_str());
    format!("{path}{}", at.pos)
}
