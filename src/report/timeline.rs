//! `wutriage timeline`: the merged UTC timeline as rows that forensic timeline tools import.
//!
//! Every row carries the fields Timesketch requires (`message`, `datetime`, `timestamp`,
//! `timestamp_desc`) and the other columns of plaso's `dynamic` CSV output, in plaso's order,
//! followed by our own: where the row comes from, its level, codes, KB, the rules that
//! matched it, the causes they point to, and the incidents it belongs to.

use super::analyze::shown;
use super::lane;
use super::safe;
use crate::bundle::Bundle;
use crate::diagnose::{self, Diagnosis, Incident};
use crate::event::{Event, Pos, Source};
use crate::rules::Signal;
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::{self, Write};

/// Column order of the CSV output: plaso's `dynamic` fields first, then ours.
pub const CSV_COLUMNS: [&str; 22] = [
    "datetime",
    "timestamp_desc",
    "source",
    "source_long",
    "message",
    "parser",
    "display_name",
    "tag",
    "timestamp",
    "source_file",
    "line",
    "record",
    "source_kind",
    "level",
    "component",
    "event_id",
    "codes",
    "kb",
    "rule",
    "cause",
    "incident",
    "computer",
];

/// Which events become rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Incidents, rule signals, and the events they cite (failure records, wrapped failures).
    Cited,
    /// Every event on the timeline, plus the incident rows.
    All,
}

/// One row of the exported timeline.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Row {
    /// ISO 8601 with microseconds and an explicit offset (always `+00:00`).
    pub datetime: String,
    /// What the time means: `Event Logged`, `Log Entry Written` or `Update Failure`.
    pub timestamp_desc: &'static str,
    /// Short source type in plaso's sense: `LOG`, `EVT`, or `TRIAGE` for incident rows.
    pub source: &'static str,
    /// Longer source name: `CBS log`, `Event log: System`, `wutriage incident`.
    pub source_long: String,
    /// What happened, in one string.
    pub message: String,
    /// `wutriage/cbs`, `wutriage/evtx`, `wutriage/incident`, ….
    pub parser: &'static str,
    /// The bundle-relative file the row comes from.
    pub display_name: String,
    /// `update-failure`, `wrapped-failure`, `signal`.
    pub tag: Vec<&'static str>,
    /// Microseconds since the Unix epoch, UTC.
    pub timestamp: i64,
    /// Same as `display_name`, under our own name.
    pub source_file: String,
    /// 1-based line of a text log record.
    pub line: Option<u32>,
    /// evtx `EventRecordID`.
    pub record: Option<u64>,
    /// `cbs`, `dism`, `wu`, `evtx`, `evtx-export`, or `incident`.
    pub source_kind: &'static str,
    /// Normalized severity.
    pub level: &'static str,
    /// Component or provider.
    pub component: String,
    /// evtx event id.
    pub event_id: Option<u32>,
    /// Failure codes, as logs print them.
    pub codes: Vec<String>,
    /// KB number (`KB5034765`).
    pub kb: Option<String>,
    /// Ids of the rules that matched.
    pub rule: Vec<&'static str>,
    /// Causes those rules point to (for incident rows: the causes that touch it, best first).
    pub cause: Vec<&'static str>,
    /// Incidents the row belongs to.
    pub incident: Vec<u32>,
    /// The machine that wrote the record, as its event logs name it (empty for text logs,
    /// which do not say).
    pub computer: String,
}

/// The rows of a timeline, sorted by time; incident rows come before the records at the
/// same instant, then rows follow the timeline's own order.
pub fn rows(
    bundle: &Bundle,
    events: &[Event<'_>],
    d: &Diagnosis,
    signals: &[Signal],
    selection: Selection,
) -> Vec<Row> {
    let mut rules_of: Vec<Vec<&Signal>> = vec![Vec::new(); events.len()];
    for s in signals {
        if let Some(v) = rules_of.get_mut(s.event) {
            v.push(s);
        }
    }
    let mut incidents_of: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); events.len()];
    let mut records: BTreeSet<usize> = BTreeSet::new();
    let mut wrapped: BTreeSet<usize> = BTreeSet::new();
    for i in &d.incidents {
        for &ev in i.attempts.iter().flat_map(|a| &a.events) {
            records.insert(ev);
            if let Some(s) = incidents_of.get_mut(ev) {
                s.insert(i.id);
            }
        }
        if let Some((_, ev)) = diagnose::wrapped_code(i, events) {
            wrapped.insert(ev);
            if let Some(s) = incidents_of.get_mut(ev) {
                s.insert(i.id);
            }
        }
    }
    let mut out: Vec<(i64, u8, usize, Row)> = Vec::new();
    for i in &d.incidents {
        for (n, a) in i.attempts.iter().enumerate() {
            out.push((
                a.first.0,
                0,
                // Incident, then attempt: a retry loop has thousands of attempts.
                ((i.id as usize) << 32) | n,
                incident_row(bundle, events, d, i, n),
            ));
        }
    }
    for (idx, e) in events.iter().enumerate() {
        // A timeline tool needs a time for every row: events without one are left out.
        let Some(time) = e.time else { continue };
        let cited = !rules_of[idx].is_empty() || !incidents_of[idx].is_empty();
        if selection == Selection::Cited && !cited {
            continue;
        }
        let mut tag = Vec::new();
        if records.contains(&idx) {
            tag.push("update-failure");
        }
        if wrapped.contains(&idx) {
            tag.push("wrapped-failure");
        }
        if !rules_of[idx].is_empty() {
            tag.push("signal");
        }
        let mut cause: Vec<&'static str> = Vec::new();
        for s in &rules_of[idx] {
            if !cause.contains(&s.rule.category.id()) {
                cause.push(s.rule.category.id());
            }
        }
        let mut row = event_row(bundle, e, time);
        row.tag = tag;
        row.rule = rules_of[idx].iter().map(|s| s.rule.id).collect();
        row.cause = cause;
        row.incident = incidents_of[idx].iter().copied().collect();
        out.push((time.0, 1, idx, row));
    }
    out.sort_by_key(|a| (a.0, a.1, a.2));
    out.into_iter().map(|(_, _, _, r)| r).collect()
}

/// `t` as ISO 8601 with microseconds and an offset: UTC for every four-digit year. A local
/// time near the end of year 9999 can land in year 10000 once made UTC; such an instant is
/// written with the smallest negative offset that keeps four digits, so it is still a valid
/// ISO 8601 / RFC 3339 value for the same instant and the row is not lost on import.
pub fn datetime(t: Timestamp) -> String {
    /// 9999-12-31T23:59:59.999999Z.
    const LAST: i64 = 253_402_300_799_999_999;
    const MINUTE: i64 = 60_000_000;
    if t.0 <= LAST {
        return t.to_string();
    }
    let behind = (t.0 - LAST + MINUTE - 1) / MINUTE;
    if behind >= 24 * 60 {
        return t.to_string();
    }
    let (y, mo, d, h, mi, s, us) = t.shifted(-(behind as i32)).to_civil();
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}-{:02}:{:02}",
        behind / 60,
        behind % 60
    )
}

fn parser_of(s: Source) -> &'static str {
    match s {
        Source::Cbs => "wutriage/cbs",
        Source::Dism => "wutriage/dism",
        Source::WindowsUpdate => "wutriage/wu",
        Source::Evtx => "wutriage/evtx",
        Source::EventExport => "wutriage/evtx-export",
        Source::Setup => "wutriage/setup",
        Source::SetupApi => "wutriage/setupapi",
        Source::Compat => "wutriage/compat",
        Source::SetupDiag => "wutriage/setupdiag",
        Source::CmTrace => "wutriage/cmtrace",
        Source::ReportingEvents => "wutriage/reportingevents",
        Source::Etl => "wutriage/etl",
        Source::Text => "wutriage/text",
    }
}

fn event_row(bundle: &Bundle, e: &Event<'_>, time: Timestamp) -> Row {
    let file = bundle.artifacts.get(e.at.artifact as usize).map_or("?", |a| a.path.as_str());
    let lane = lane::of_artifact(bundle, e.at.artifact as usize).unwrap_or_default();
    let evtx = matches!(e.source, Source::Evtx | Source::EventExport);
    let (line, record) = match e.at.pos {
        Pos::Line(n) => (Some(n), None),
        Pos::Record(n) => (None, Some(n)),
    };
    let text = e.message.replace("\r\n", "\n");
    let message = match (evtx, e.event_id) {
        (true, Some(id)) => format!("[{} {id}] {text}", e.component),
        _ if e.component.is_empty() => text,
        _ => format!("[{}] {text}", e.component),
    };
    Row {
        datetime: datetime(time),
        timestamp_desc: if evtx { "Event Logged" } else { "Log Entry Written" },
        source: if evtx { "EVT" } else { "LOG" },
        source_long: if evtx {
            // The channel the record itself names (a wevtutil export may be called
            // anything), else the one its file name says.
            format!("Event log: {}", e.field("Channel").filter(|c| !c.is_empty()).unwrap_or(&lane))
        } else if lane.to_ascii_lowercase().ends_with(".log") {
            lane
        } else {
            format!("{lane} log")
        },
        message,
        parser: parser_of(e.source),
        display_name: file.to_string(),
        tag: Vec::new(),
        timestamp: time.as_micros(),
        source_file: file.to_string(),
        line,
        record,
        source_kind: e.source.as_str(),
        level: e.level.as_str(),
        component: e.component.to_string(),
        event_id: e.event_id,
        codes: e.codes.iter().map(|c| shown(*c)).collect(),
        kb: e.kb.map(|k| format!("KB{k}")),
        rule: Vec::new(),
        cause: Vec::new(),
        incident: Vec::new(),
        computer: e.field("Computer").unwrap_or_default().to_string(),
    }
}

fn incident_row(
    bundle: &Bundle,
    events: &[Event<'_>],
    d: &Diagnosis,
    i: &Incident,
    attempt: usize,
) -> Row {
    let a = &i.attempts[attempt];
    // The row points at the attempt's earliest failure record.
    let first = a.events.iter().copied().min_by_key(|&ev| (events[ev].time, events[ev].at));
    let anchor = event_row(bundle, &events[first.unwrap_or(i.headline_event)], a.first);
    let causes: Vec<&'static str> =
        d.causes.iter().filter(|c| c.incidents.contains(&i.id)).map(|c| c.category.id()).collect();
    let code = a
        .code
        .or(i.code)
        .map(|c| {
            format!(" with {}{}", shown(c), c.name().map(|n| format!(" {n}")).unwrap_or_default())
        })
        .unwrap_or_default();
    let cause_words = d
        .causes
        .iter()
        .find(|c| c.incidents.contains(&i.id))
        .map(|c| {
            format!("; likely cause: {} ({} confidence)", c.category.title(), c.confidence.word())
        })
        .unwrap_or_default();
    Row {
        datetime: datetime(a.first),
        timestamp_desc: "Update Failure",
        source: "TRIAGE",
        source_long: "wutriage incident".to_string(),
        message: format!(
            "Update failure {} (attempt {} of {}): {} {}{code}{cause_words}",
            i.id,
            attempt + 1,
            i.count(),
            i.update_name(),
            i.kind.describe(),
        ),
        parser: "wutriage/incident",
        tag: vec!["update-failure"],
        timestamp: a.first.as_micros(),
        source_kind: "incident",
        level: "error",
        component: String::new(),
        event_id: None,
        codes: i.codes.iter().map(|c| shown(*c)).collect(),
        kb: i.kb.map(|k| format!("KB{k}")),
        rule: Vec::new(),
        cause: causes,
        incident: vec![i.id],
        ..anchor
    }
}

/// One JSON object per line (Timesketch's JSONL import).
pub fn write_jsonl(rows: &[Row], w: &mut dyn Write) -> io::Result<()> {
    for r in rows {
        serde_json::to_writer(&mut *w, r)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// CSV with a header, columns in [`CSV_COLUMNS`] order; lists are joined with `;`.
pub fn write_csv(rows: &[Row], w: &mut dyn Write) -> io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(CSV_COLUMNS).map_err(io_error)?;
    for r in rows {
        let opt = |v: Option<String>| v.unwrap_or_default();
        // Every cell, ours or not, as a spreadsheet may open the file.
        let cells = [
            r.datetime.clone(),
            r.timestamp_desc.to_string(),
            r.source.to_string(),
            r.source_long.clone(),
            r.message.clone(),
            r.parser.to_string(),
            r.display_name.clone(),
            r.tag.join(";"),
            r.timestamp.to_string(),
            r.source_file.clone(),
            opt(r.line.map(|n| n.to_string())),
            opt(r.record.map(|n| n.to_string())),
            r.source_kind.to_string(),
            r.level.to_string(),
            r.component.clone(),
            opt(r.event_id.map(|n| n.to_string())),
            r.codes.join(";"),
            opt(r.kb.clone()),
            r.rule.join(";"),
            r.cause.join(";"),
            r.incident.iter().map(u32::to_string).collect::<Vec<_>>().join(";"),
            r.computer.clone(),
        ];
        c.write_record(cells.iter().map(|cell| safe::csv_cell(cell).into_owned()))
            .map_err(io_error)?;
    }
    c.flush()
}

/// The writer's own error back, so that a closed pipe is still seen as one.
fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_round_trip_even_past_year_9999() {
        for t in [
            Timestamp::from_civil(2024, 2, 14, 2, 1, 42, 123_456).unwrap(),
            Timestamp::from_civil(1601, 1, 1, 0, 0, 0, 0).unwrap(),
            Timestamp::from_civil(9999, 12, 31, 23, 59, 59, 999_999).unwrap(),
            // 9999-12-31 23:59:59 local at UTC-05:00.
            Timestamp::from_civil(9999, 12, 31, 23, 59, 59, 0).unwrap().shifted(300),
        ] {
            let s = datetime(t);
            assert!(s.starts_with(|c: char| c.is_ascii_digit()) && s.len() == 32, "{s}");
            assert_eq!(Timestamp::parse_user(&s), Some(t), "{s}");
        }
        let late = Timestamp::from_civil(9999, 12, 31, 23, 59, 59, 0).unwrap().shifted(300);
        assert_eq!(datetime(late), "9999-12-31T23:59:59.000000-05:00");
    }
}
