//! `wutriage inventory`: what was found, read and skipped.

use super::SCHEMA_VERSION;
use crate::bundle::Bundle;
use crate::parse::{Coverage, ParseIssue, ParsedArtifact};
use crate::time::Timestamp;
use crate::timeline::{OffsetChoice, Timeline};
use comfy_table::{ContentArrangement, Table, presets::UTF8_BORDERS_ONLY};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};

/// One artifact's row.
#[derive(Debug, Serialize)]
pub struct Row {
    /// Bundle-relative path.
    pub path: String,
    /// Kind label.
    pub kind: &'static str,
    /// Bytes.
    pub size: u64,
    /// Text encoding label.
    pub encoding: &'static str,
    /// First record time, UTC.
    pub first: Option<String>,
    /// Last record time, UTC.
    pub last: Option<String>,
    /// Counts.
    #[serde(flatten)]
    pub coverage: Coverage,
    /// Offset applied to local times in this file.
    pub offset: Option<OffsetChoice>,
    /// Why the file was skipped, or a note.
    pub note: Option<String>,
    /// Damage and limits met while parsing.
    pub issues: Vec<ParseIssue>,
}

/// The inventory of a bundle.
#[derive(Debug, Serialize)]
pub struct Inventory {
    /// JSON contract version.
    pub schema_version: u32,
    /// Bundle-wide offset used for local times.
    pub offset: OffsetChoice,
    /// Whether any file writes local time (otherwise the offset is unused).
    pub local_logs: bool,
    /// One row per artifact.
    pub files: Vec<Row>,
}

fn utc(t: Option<Timestamp>, offset: Option<OffsetChoice>) -> Option<String> {
    let t = t?;
    let t = offset.map_or(t, |o| o.offset.to_utc(t));
    Some(t.to_string())
}

impl Inventory {
    /// Builds the rows from the earlier stages.
    pub fn new(bundle: &Bundle, parsed: &[ParsedArtifact<'_>], timeline: &Timeline<'_>) -> Self {
        let files = bundle
            .artifacts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let p = parsed.get(i);
                let offset = timeline.artifact_offsets.get(i).copied().flatten();
                let coverage = p.map(|p| p.coverage.clone()).unwrap_or_default();
                Row {
                    path: a.path.clone(),
                    kind: a.kind.as_str(),
                    size: a.size,
                    encoding: a.encoding.as_str(),
                    first: utc(coverage.first, offset),
                    last: utc(coverage.last, offset),
                    coverage,
                    offset,
                    note: a.note.clone(),
                    issues: p.map(|p| p.issues.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let local_logs = timeline.artifact_offsets.iter().any(Option::is_some);
        Inventory {
            schema_version: SCHEMA_VERSION,
            offset: timeline.bundle_offset,
            local_logs,
            files,
        }
    }

    /// Writes the JSON document.
    pub fn write_json(&self, w: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        writeln!(w)
    }

    /// Writes the human table.
    pub fn write_table(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut t = Table::new();
        t.load_preset(UTF8_BORDERS_ONLY).set_content_arrangement(ContentArrangement::Dynamic);
        if t.width().is_none() {
            t.set_width(TABLE_WIDTH);
        }
        t.set_header([
            "file",
            "kind",
            "size",
            "enc",
            "time range (UTC)",
            "records",
            "unattr.",
            "damaged",
            "offset",
            "note",
        ]);
        for r in &self.files {
            let range = match (&r.first, &r.last) {
                (Some(a), Some(b)) => range(a, b),
                _ => String::new(),
            };
            let records = if r.coverage.recovered > 0 {
                format!("{} (+{} recovered)", r.coverage.records, r.coverage.recovered)
            } else {
                r.coverage.records.to_string()
            };
            let mut note = r.note.clone().unwrap_or_default();
            for i in r.issues.iter().take(3) {
                if !note.is_empty() {
                    note.push_str("; ");
                }
                note.push_str(&i.detail);
            }
            if r.issues.len() > 3 {
                let _ = write!(note, "; … {} more", r.issues.len() - 3);
            }
            t.add_row([
                super::safe::name(&r.path).into_owned(),
                r.kind.to_string(),
                human_size(r.size),
                r.encoding.to_string(),
                range,
                records,
                r.coverage.unattributed_lines.to_string(),
                r.coverage.damaged.to_string(),
                r.offset.map(|o| o.offset.to_string()).unwrap_or_default(),
                super::safe::name(&note).into_owned(),
            ]);
        }
        if let Some(c) = t.column_mut(0) {
            c.set_constraint(comfy_table::ColumnConstraint::LowerBoundary(
                comfy_table::Width::Fixed(28),
            ));
        }
        writeln!(w, "{t}")?;
        writeln!(w, "{}", self.clock())
    }

    /// One sentence on the time base.
    pub fn clock(&self) -> String {
        if self.local_logs {
            format!(
                "Times in UTC; local-time logs taken at {} ({}).",
                self.offset.offset,
                self.offset.origin.describe()
            )
        } else {
            "Times in UTC; every source writes UTC.".to_string()
        }
    }
}

/// Width used when the output is not a terminal.
const TABLE_WIDTH: u16 = 160;

/// `2023-05-22 08:05 → 09:10`, or with both dates when they differ.
fn range(a: &str, b: &str) -> String {
    let (Some(da), Some(db)) = (a.get(..10), b.get(..10)) else { return String::new() };
    let (ta, tb) = (a.get(11..16).unwrap_or(""), b.get(11..16).unwrap_or(""));
    if da == db { format!("{da} {ta} → {tb}") } else { format!("{da} {ta} → {db} {tb}") }
}

/// `1380935` → `1.3 MiB`.
fn human_size(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}
