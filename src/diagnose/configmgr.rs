//! Update failures recorded by Configuration Manager's client (`CMTrace` logs) and by
//! ReportingEvents.log, as incident seeds: (kind, code, rank), rank as in
//! [`super::incident::seed`] (lower is more authoritative).
//!
//! The `ConfigMgr` wordings are those Microsoft's troubleshooting articles quote for the
//! client's update logs (Troubleshoot software update management, KB 4505440; Track the
//! software update deployment process, KB 3090265; the software update health dashboard):
//!
//! - `WUAHandler.log`: `Scan failed with error = 0x…` and `OnSearchComplete - Failed to end
//!   search job. Error = 0x…` (the scan through the Windows Update Agent failed);
//! - `UpdatesHandler.log`: `Updates scan completion received, result = 0x…`;
//! - `UpdatesDeployment.log`: `Update (Site_…/SUM_…) Progress: Status = ciStateError, …,
//!   Result = 0x…` (an update failed to install) and the state message
//!   `StateName = CI_ENFORCEMENT_UPDATE_FAILED`;
//! - `WUAHandler.log`: `Update N (…) finished installing (0x…)` with a failing code;
//! - configuration item (CI) evaluation: `… failed to evaluate …` / `CI evaluation …
//!   failed` lines with a code, in the update agents' logs.
//!
//! ReportingEvents.log's `Failure` lines are seeds by their category: `Software
//! Synchronization` is a scan (detection), `Content Download` a download and `Content
//! Install` an install.

use super::incident::IncidentKind;
use crate::code::Code;
use crate::event::{Event, Level};
use crate::knowledge;

/// The `ConfigMgr` client's update components.
const UPDATE_COMPONENTS: [&str; 5] =
    ["WUAHandler", "UpdatesDeploymentAgent", "UpdatesHandler", "UpdatesStore", "CIAgent"];

/// The first code of `e` that is not routine noise in its message.
fn real_code(e: &Event<'_>) -> Option<Code> {
    e.codes.iter().copied().find(|c| !knowledge::is_benign_here(*c, &e.message))
}

/// Whether a component is one of the client's update agents.
pub fn is_update_component(component: &str) -> bool {
    UPDATE_COMPONENTS.iter().any(|c| component.eq_ignore_ascii_case(c))
}

/// The seed a `CMTrace` record gives.
pub(crate) fn cmtrace_seed(e: &Event<'_>) -> Option<(IncidentKind, Option<Code>, u8)> {
    let m = e.message.as_ref();
    let code = real_code(e);
    if m.contains("Scan failed with error") {
        return Some((IncidentKind::Scan, code, 1));
    }
    if m.contains("OnSearchComplete - Failed to end search job")
        || (m.contains("scan completion received") && code.is_some())
    {
        return code.map(|c| (IncidentKind::Scan, Some(c), 2));
    }
    if m.contains("Status = ciStateError") || m.contains("CI_ENFORCEMENT_UPDATE_FAILED") {
        return Some((IncidentKind::Install, code, 1));
    }
    if m.contains("finished installing (") && code.is_some() {
        return Some((IncidentKind::Install, code, 2));
    }
    let evaluation = m.contains("CI evaluation") || m.contains("failed to evaluate");
    if evaluation && e.level <= Level::Error && is_update_component(&e.component) {
        return code.map(|c| (IncidentKind::Scan, Some(c), 3));
    }
    None
}

/// The seed a ReportingEvents.log record gives: its failures, by category.
pub(crate) fn reporting_seed(e: &Event<'_>) -> Option<(IncidentKind, Option<Code>, u8)> {
    if e.field("status") != Some("Failure") {
        return None;
    }
    let kind = match e.component.as_ref() {
        "Software Synchronization" => IncidentKind::Scan,
        "Content Download" => IncidentKind::Download,
        _ => IncidentKind::Install,
    };
    Some((kind, real_code(e), 1))
}
