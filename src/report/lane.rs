//! Which log an event belongs to, in the words a person uses for it: `CBS`, `DISM`,
//! `WindowsUpdate.log`, or the channel of an event log (`System`, `Setup`, …). The HTML
//! timeline draws one lane per name, and the timeline export names its `source_long` by it.

use crate::bundle::{Bundle, Kind};
use crate::event::Event;
use std::cmp::Ordering;

/// The lane of an artifact, or `None` for a file that is not parsed.
pub fn of_artifact(bundle: &Bundle, artifact: usize) -> Option<String> {
    let a = bundle.artifacts.get(artifact)?;
    Some(match a.kind {
        Kind::Cbs => "CBS".to_string(),
        Kind::Dism => "DISM".to_string(),
        Kind::WindowsUpdate | Kind::WindowsUpdateLegacy => "WindowsUpdate.log".to_string(),
        Kind::Evtx
        | Kind::EventExport
        | Kind::EventXml
        | Kind::EventJson
        | Kind::EventTable
        | Kind::EventCsv
        | Kind::Text
        | Kind::EventViewerText
        | Kind::EventList => channel(&a.path),
        Kind::SetupLog | Kind::SetupErrorsXml | Kind::CompatReport | Kind::MemoryDump => {
            "Panther".to_string()
        }
        Kind::SetupApi => "setupapi".to_string(),
        Kind::SetupDiag => "SetupDiag".to_string(),
        // One lane per ConfigMgr log: `WUAHandler.log`, `smsts.log`.
        Kind::CmTrace => a.path.rsplit('/').next().unwrap_or(&a.path).to_string(),
        Kind::ReportingEvents => "ReportingEvents.log".to_string(),
        Kind::Etl => trace(&a.path),
        Kind::Archive | Kind::Unknown => return None,
    })
}

/// `EventLogs/Microsoft-Windows-WindowsUpdateClient%4Operational.evtx` →
/// `WindowsUpdateClient/Operational`; `System.evtx` → `System`.
fn channel(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let stem = stem.replace("%4", "/");
    let short = stem.strip_prefix("Microsoft-Windows-").unwrap_or(&stem);
    if short.is_empty() { "events".to_string() } else { short.to_string() }
}

/// The lane of an event: an event-log record by the channel it names itself (a `wevtutil`
/// export may be called anything), else its artifact's.
pub fn of_event(bundle: &Bundle, e: &Event<'_>) -> Option<String> {
    let a = bundle.artifacts.get(e.at.artifact as usize)?;
    let own = of_artifact(bundle, e.at.artifact as usize)?;
    match e.field("Channel").filter(|c| !c.is_empty()) {
        Some(c) if matches!(a.kind, Kind::Evtx | Kind::EventExport) => {
            Some(c.strip_prefix("Microsoft-Windows-").unwrap_or(c).to_string())
        }
        _ => Some(own),
    }
}

/// Every lane of the events, each once, in the order of [`all`]; a parsed file without
/// events keeps the lane of its name.
pub fn all_of(bundle: &Bundle, events: &[Event<'_>]) -> Vec<String> {
    let mut has_events = vec![false; bundle.artifacts.len()];
    let mut lanes: Vec<String> = Vec::new();
    for e in events {
        if let Some(h) = has_events.get_mut(e.at.artifact as usize) {
            *h = true;
        }
        if let Some(l) = of_event(bundle, e)
            && !lanes.contains(&l)
        {
            lanes.push(l);
        }
    }
    for (i, _) in has_events.iter().enumerate().filter(|(_, h)| !**h) {
        lanes.extend(of_artifact(bundle, i));
    }
    lanes.sort_by(|a, b| order(a, b));
    lanes.dedup();
    lanes
}

/// `WindowsUpdate.20250426.052044.386.1.etl` → `WindowsUpdate.log` (the log the trace is
/// rendered as); `waasmedic.20250426_122102_987.etl` → `waasmedic (ETW)`.
fn trace(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    if stem.eq_ignore_ascii_case("windowsupdate") {
        "WindowsUpdate.log".to_string()
    } else if stem.is_empty() {
        "ETW".to_string()
    } else {
        format!("{stem} (ETW)")
    }
}

/// Every lane of a bundle, each once, in reading order: text logs first (CBS, DISM,
/// WindowsUpdate.log), then System, Setup, Application, then other channels by name.
pub fn all(bundle: &Bundle) -> Vec<String> {
    let mut lanes: Vec<String> =
        (0..bundle.artifacts.len()).filter_map(|i| of_artifact(bundle, i)).collect();
    lanes.sort_by(|a, b| order(a, b));
    lanes.dedup();
    lanes
}

fn rank(lane: &str) -> usize {
    const FIRST: [&str; 6] = ["CBS", "DISM", "WindowsUpdate.log", "System", "Setup", "Application"];
    FIRST.iter().position(|f| f.eq_ignore_ascii_case(lane)).unwrap_or(FIRST.len())
}

/// The lane order of [`all`].
pub fn order(a: &str, b: &str) -> Ordering {
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_named_as_people_say_them() {
        assert_eq!(channel("EventLogs/System.evtx"), "System");
        assert_eq!(channel("x.zip/Setup.evtx"), "Setup");
        assert_eq!(
            channel("Microsoft-Windows-WindowsUpdateClient%4Operational.evtx"),
            "WindowsUpdateClient/Operational"
        );
        assert_eq!(channel("exports/System.txt"), "System");
        assert_eq!(channel(".evtx"), "events");
        assert_eq!(trace("Logs/WindowsUpdate.20250426.052044.386.1.etl"), "WindowsUpdate.log");
        assert_eq!(trace("waasmedic.20250426_122102_987.etl"), "waasmedic (ETW)");
    }

    #[test]
    fn text_logs_come_first_then_the_usual_channels() {
        let mut v = vec!["Zeta", "Setup", "DISM", "Application", "CBS", "System", "Alpha"];
        v.sort_by(|a, b| order(a, b));
        assert_eq!(v, ["CBS", "DISM", "System", "Setup", "Application", "Alpha", "Zeta"]);
    }
}
