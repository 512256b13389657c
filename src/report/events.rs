//! `wutriage events`: normalized events as JSON lines.

use crate::bundle::Bundle;
use crate::event::Event;
use crate::time::TimeBase;
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::{self, Write};

/// The JSON view of one event.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EventView<'a> {
    /// UTC time, ISO 8601 with microseconds (an instant past the end of year 9999 in UTC
    /// keeps four digits by carrying its own offset, as in the timeline export); `null` when
    /// the line had no time (redacted or cut off).
    pub time: Option<String>,
    /// `utc` or `local` (the base the source wrote; `time` is always UTC).
    pub time_base: &'static str,
    /// `CBS.log:1234`, `System.evtx#48211`.
    pub at: String,
    /// Source kind.
    pub source: &'static str,
    /// Severity.
    pub level: &'static str,
    /// Component or provider.
    pub component: &'a str,
    /// evtx event id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<u32>,
    /// Failure codes.
    pub codes: &'a [crate::code::Code],
    /// KB number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kb: Option<String>,
    /// Package identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<&'a str>,
    /// Message text (multi-line records joined with `\n`).
    pub message: String,
    /// Named fields.
    #[serde(skip_serializing_if = "Map::is_empty", default)]
    pub fields: Map<String, Value>,
    /// Notes on how the record was read.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub flags: Vec<&'static str>,
}

impl<'a> EventView<'a> {
    /// The view of `e`.
    pub fn new(bundle: &Bundle, e: &'a Event<'_>) -> Self {
        let mut flags = Vec::new();
        if e.flags.multi_line {
            flags.push("multi-line");
        }
        if e.flags.report_block {
            flags.push("report-block");
        }
        if e.flags.recovered {
            flags.push("recovered");
        }
        let fields = e
            .fields
            .iter()
            .map(|f| (f.name.to_string(), Value::String(f.value.to_string())))
            .collect();
        EventView {
            time: e.time.map(super::timeline::datetime),
            time_base: match e.time_base {
                TimeBase::Utc => "utc",
                TimeBase::Local => "local",
            },
            at: super::location(bundle, e.at),
            source: e.source.as_str(),
            level: e.level.as_str(),
            component: &e.component,
            event_id: e.event_id,
            codes: &e.codes,
            kb: e.kb.map(|k| format!("KB{k}")),
            package: e.package.as_deref(),
            message: e.message.replace("\r\n", "\n"),
            fields,
            flags,
        }
    }
}

/// Writes one JSON object per line.
pub fn write_jsonl<'e>(
    bundle: &Bundle,
    events: impl IntoIterator<Item = &'e Event<'e>>,
    w: &mut dyn Write,
) -> io::Result<()> {
    for e in events {
        serde_json::to_writer(&mut *w, &EventView::new(bundle, e))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}
