//! `wutriage inventory`: what was found, read and skipped.

use super::SCHEMA_VERSION;
use super::grid::{Grid, GridCell};
use crate::bundle::Bundle;
use crate::clock::ClockView;
use crate::machine::Machine;
use crate::parse::{Coverage, ParseIssue, ParsedArtifact};
use crate::time::{Timestamp, UtcOffset};
use crate::timeline::{OffsetChoice, Timeline};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};

/// One artifact's row.
#[derive(Debug, Serialize, schemars::JsonSchema)]
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
    /// Offset applied to local times in this file (the one most of its records took).
    pub offset: Option<OffsetChoice>,
    /// Every offset its records took, in time order, when the clock changed inside it.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub offsets: Vec<UtcOffset>,
    /// Why the file was skipped, or a note.
    pub note: Option<String>,
    /// Damage and limits met while parsing.
    pub issues: Vec<ParseIssue>,
}

/// The inventory of a bundle.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Inventory {
    /// JSON contract version.
    pub schema_version: u32,
    /// The machine the logs come from.
    pub machine: Machine,
    /// Bundle-wide offset used for local times (the one most records took).
    pub offset: OffsetChoice,
    /// The machine's time zone and the offsets applied over time.
    pub time_zone: ClockView,
    /// Whether any file writes local time (otherwise the offset is unused).
    pub local_logs: bool,
    /// One row per artifact.
    pub files: Vec<Row>,
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
                let utc = |t: Option<Timestamp>| Some(timeline.clocks.to_utc(i, t?).to_string());
                Row {
                    path: a.path.clone(),
                    kind: a.kind.as_str(),
                    size: a.size,
                    encoding: a.encoding.as_str(),
                    first: utc(coverage.first),
                    last: utc(coverage.last),
                    coverage,
                    offset,
                    offsets: timeline.clocks.offsets_used(i),
                    note: a.note.clone(),
                    issues: p.map(|p| p.issues.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let local_logs = timeline.artifact_offsets.iter().any(Option::is_some);
        Inventory {
            schema_version: SCHEMA_VERSION,
            machine: timeline.machine.clone(),
            offset: timeline.bundle_offset,
            time_zone: timeline.clocks.view(),
            local_logs,
            files,
        }
    }

    /// Writes the JSON document.
    pub fn write_json(&self, w: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        writeln!(w)
    }

    /// Writes the human table, 160 columns wide.
    pub fn write_table(&self, w: &mut dyn Write) -> io::Result<()> {
        self.write_table_sized(w, TABLE_WIDTH)
    }

    /// Writes the human table in `width` columns (one block per file when too narrow).
    pub fn write_table_sized(&self, w: &mut dyn Write, width: usize) -> io::Result<()> {
        if let Some(line) = machine_line(&self.machine) {
            for line in textwrap::wrap(&line, width.max(20)) {
                writeln!(w, "{line}")?;
            }
        }
        let mut t = Grid::new(&[
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
        ])
        .label("");
        for r in &self.files {
            let range = match (&r.first, &r.last) {
                (Some(a), Some(b)) => range(a, b),
                _ => Vec::new(),
            };
            let records = if r.coverage.recovered > 0 {
                vec![
                    r.coverage.records.to_string(),
                    format!("(+{} recovered)", r.coverage.recovered),
                ]
            } else {
                vec![r.coverage.records.to_string()]
            };
            let mut note = r.note.clone().unwrap_or_default();
            if let Some(l) = lenient_note(&r.coverage) {
                if !note.is_empty() {
                    note.push_str("; ");
                }
                note.push_str(&l);
            }
            for i in r.issues.iter().take(3) {
                if !note.is_empty() {
                    note.push_str("; ");
                }
                note.push_str(&i.detail);
            }
            if r.issues.len() > 3 {
                let _ = write!(note, "; … {} more", r.issues.len() - 3);
            }
            // Offsets over time, one unit: a change is never cut in two.
            let offsets = if r.offsets.is_empty() {
                r.offset.map(|o| o.offset.to_string()).unwrap_or_default()
            } else {
                r.offsets.iter().map(ToString::to_string).collect::<Vec<_>>().join(" → ")
            };
            t.row(vec![
                GridCell::units(&[super::safe::name(&r.path)]),
                GridCell::new(r.kind.to_string()),
                GridCell::units(&[human_size(r.size)]),
                GridCell::new(r.encoding.to_string()),
                GridCell::units(&range),
                GridCell::units(&records),
                GridCell::new(r.coverage.unattributed_lines.to_string()),
                GridCell::new(r.coverage.damaged.to_string()),
                GridCell::units(&[offsets]),
                GridCell::new(super::safe::name(&note)),
            ]);
        }
        write!(w, "{}", t.render(width, false))?;
        for line in textwrap::wrap(&self.clock(), width.max(20)) {
            writeln!(w, "{line}")?;
        }
        let lines = self.time_zone.lines();
        // One period is what the sentence above says already.
        let more = self.time_zone.zone.is_some() || self.time_zone.periods.len() > 1;
        for line in
            lines.iter().filter(|_| more).filter(|l| !l.starts_with("Local-time logs taken"))
        {
            for part in textwrap::wrap(line, width.max(20)) {
                writeln!(w, "{part}")?;
            }
        }
        Ok(())
    }

    /// One sentence on the time base.
    pub fn clock(&self) -> String {
        let tz = &self.time_zone;
        if !self.local_logs {
            return "Times in UTC; every source writes UTC.".to_string();
        }
        if tz.periods.len() > 1 {
            return format!(
                "Times in UTC; local-time logs converted with the offset in force at each \
                 instant, {} ({}).",
                tz.distinct_offsets().join(" or "),
                self.offset.origin.describe(),
            );
        }
        format!(
            "Times in UTC; local-time logs taken at {} ({}).",
            self.offset.offset,
            self.offset.origin.describe()
        )
    }
}

/// How a file was read leniently, in words: `read leniently: 12 line(s) repaired, 3
/// record(s) without a time`; `None` for a file read as it was written.
pub(crate) fn lenient_note(c: &Coverage) -> Option<String> {
    let details = lenient_details(c)?;
    Some(if details.is_empty() {
        "read leniently".to_string()
    } else {
        format!("read leniently: {details}")
    })
}

/// `12 line(s) repaired, 3 record(s) without a time` (possibly empty), or `None` for a file
/// read as it was written.
pub(crate) fn lenient_details(c: &Coverage) -> Option<String> {
    if !c.lenient && c.repaired_lines == 0 && c.untimed == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if c.repaired_lines > 0 {
        parts.push(format!("{} line(s) repaired", c.repaired_lines));
    }
    if c.untimed > 0 {
        parts.push(format!("{} record(s) without a time", c.untimed));
    }
    Some(parts.join(", "))
}

/// `Machine: DESKTOP-1N4R894 (Windows 10 Enterprise, build 10.0.17134)`, with its place
/// when several machines were given together; `None` when the logs name nothing.
pub fn machine_line(m: &Machine) -> Option<String> {
    let several = m.part.filter(|p| p.1 > 1);
    if m.name.is_none() && m.build.is_none() && several.is_none() {
        return None;
    }
    let head = match several {
        Some((k, n)) => format!("Machine {k} of {n}"),
        None => "Machine".to_string(),
    };
    let aliases = if m.aliases.is_empty() {
        String::new()
    } else {
        format!("; also named {} in these logs", m.aliases.join(", "))
    };
    Some(format!("{head}: {}{aliases}", m.describe()))
}

/// Width of [`Inventory::write_table`].
const TABLE_WIDTH: usize = 160;

/// `2023-05-22 08:05 →` `09:10`, or with both dates when they differ: two units, each
/// kept on one line.
fn range(a: &str, b: &str) -> Vec<String> {
    let (Some(da), Some(db)) = (a.get(..10), b.get(..10)) else { return Vec::new() };
    let (ta, tb) = (a.get(11..16).unwrap_or(""), b.get(11..16).unwrap_or(""));
    let end = if da == db { tb.to_string() } else { format!("{db} {tb}") };
    vec![format!("{da} {ta} →"), end]
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
