//! Feature updates (Windows Setup upgrade attempts): what each attempt tried, how far it
//! got and how it ended, read from the setup logs in *file order* (their clocks jump, so
//! time order would scramble them; FORMATS.md §6).
//!
//! The lines read, all Setup's own:
//! - the result: `SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]` (or
//!   `error event`), `ImageExit: Initializing SetupResult/Extended`, `Setup360Result`/
//!   `Setup360Extended` tracing, `CSetupHost::Execute(…): Result = …`;
//! - the real code behind the telemetry remap: `Finalize: Remapping install error [X] ->
//!   [0xC1900108] for telemetry` (X is the result; 0xC1900108 only what telemetry saw);
//! - where it was: a rollback's `Current phase : 3` / `Current op : 24` (decimal; the extend
//!   code's phase and operation), `Setup phase change: [A] -> [SetupPhaseError]`,
//!   `Executing operation: …` and `Operation failed: … Error: 0x…`;
//! - rollback (`Initiating rollback/uninstall, phase = N`) and user cancel (`User cancel
//!   confirmed`, `Cancel is requested`, a final `0x800704C7`);
//! - the build: `SetupHost: Setup build version is: …` (target), `Host OS Version [ … ]`.
//!
//! The logs of one attempt (Panther's and Rollback's `setupact.log` and `setuperr.log`)
//! are merged when their times overlap (within [`SAME_ATTEMPT_US`]). SetupDiag's own
//! verdict, when in the bundle, is attached to the attempt it describes, or stands for one
//! when no setup log is there (a verdict pasted into a ticket). A cancelled attempt is
//! reported as cancelled and not diagnosed; failed and rolled-back ones become incidents.

use super::incident::{Attempt, Incident, IncidentKind};
use crate::code::Code;
use crate::code::setup::{Extended, Operation, Phase};
use crate::event::{Event, Source};
use crate::time::Timestamp;
use serde::Serialize;

/// Logs of one attempt lie this close (or overlap): 4 hours, wide enough for a Safe OS
/// clock a few hours off and a rollback after a long first boot.
pub const SAME_ATTEMPT_US: i64 = 4 * 3600 * 1_000_000;

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Setup failed and rolled back to the previous Windows.
    RolledBack,
    /// Setup failed before changing the system (down-level), or its end is not logged.
    Failed,
    /// The user cancelled it.
    Cancelled,
}

impl Outcome {
    /// Words for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Outcome::RolledBack => "failed and rolled back",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "was cancelled by the user",
        }
    }
}

/// SetupDiag's verdict on an attempt, and whether wutriage agrees.
#[derive(Debug, Clone, Serialize)]
pub struct SetupDiagView {
    /// The verdict event (timeline index).
    #[serde(skip)]
    pub event: usize,
    /// The matching rule.
    pub profile: Option<String>,
    /// Its phase, as written.
    pub phase: Option<String>,
    /// Its operation, as written.
    pub operation: Option<String>,
    /// Its error, `0x8007000D-0x2000C`.
    pub error: Option<String>,
    /// wutriage reached the same phase, operation and code from the logs.
    pub agrees: Option<bool>,
}

/// One feature-update attempt that did not succeed.
#[derive(Debug, Clone, Serialize)]
pub struct Upgrade {
    /// 1-based, in time order.
    pub id: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// The incident it became (failed and rolled-back attempts).
    pub incident: Option<u32>,
    /// The build being installed (`10.0.19041.963 (vb_release_svc_prod3.210421-1314)`).
    pub target: Option<String>,
    /// The build it was installed over.
    pub host: Option<String>,
    /// First record (UTC on the timeline; the logs' own clocks may jump).
    #[serde(serialize_with = "ser_time")]
    pub first: Timestamp,
    /// Last record.
    #[serde(serialize_with = "ser_time")]
    pub last: Timestamp,
    /// The phase it failed in.
    pub phase: Option<Phase>,
    /// The operation that failed, from the extend code or the rollback's current operation.
    #[serde(serialize_with = "ser_op")]
    pub operation: Option<Operation>,
    /// The name Setup gave the operation that failed (`Run sysprep specialization …`).
    pub operation_name: Option<String>,
    /// The result: the real code, after undoing a telemetry remap.
    pub result: Option<Code>,
    /// The extend code.
    #[serde(serialize_with = "ser_ext")]
    pub extended: Option<Extended>,
    /// What Setup reported for telemetry instead (0xC1900108), when it remapped.
    pub reported: Option<Code>,
    /// Whether it rolled back.
    pub rollback: bool,
    /// Whether the user cancelled it.
    pub cancelled: bool,
    /// A log of it has times that go backwards (a clock switch between phases).
    pub clock_jumps: bool,
    /// The line that carries the result (timeline index).
    #[serde(skip)]
    pub result_event: Option<usize>,
    /// The lines that say how it ended (timeline indices), in file order.
    #[serde(skip)]
    pub events: Vec<usize>,
    /// SetupDiag's verdict, when its output is in the bundle.
    pub setupdiag: Option<SetupDiagView>,
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's serialize_with signature")]
fn ser_time<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

#[allow(
    clippy::ref_option,
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with signature"
)]
fn ser_op<S: serde::Serializer>(o: &Option<Operation>, s: S) -> Result<S::Ok, S::Error> {
    match o {
        Some(op) => s.collect_str(op),
        None => s.serialize_none(),
    }
}

#[allow(
    clippy::ref_option,
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with signature"
)]
fn ser_ext<S: serde::Serializer>(x: &Option<Extended>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => s.collect_str(x),
        None => s.serialize_none(),
    }
}

impl Upgrade {
    /// `0xC1900101-0x30018`, or the result alone.
    pub fn code_text(&self) -> Option<String> {
        let r = self.result?;
        Some(match self.extended {
            Some(x) => format!("0x{:08X}-{x}", r.as_hresult()),
            None => format!("0x{:08X}", r.as_hresult()),
        })
    }
}

/// What one setup log says, read in file order.
#[derive(Debug, Default)]
#[allow(clippy::struct_excessive_bools, reason = "independent facts a log states or not")]
struct Scan {
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    prev: Option<Timestamp>,
    clock_jumps: bool,
    target: Option<String>,
    host: Option<String>,
    /// `[result, extend]` of a reporting event or ImageExit/Setup360 tracing.
    reported_result: Option<u32>,
    reported_ext: Option<u32>,
    result_event: Option<usize>,
    /// `Remapping install error [X] -> [M]`.
    remap: Option<(u32, u32)>,
    /// `CSetupHost::Execute(…): Result = R`, `ExecuteDownlevelMode(…): Result = R`.
    host_result: Option<u32>,
    downlevel_failed: Option<u32>,
    error_phase: bool,
    sp_phase: Option<u32>,
    sp_op: Option<u32>,
    phase_string: Option<Phase>,
    current_result: Option<u32>,
    rollback: bool,
    cancel: bool,
    last_op: Option<String>,
    failed_op: Option<(String, usize)>,
    events: Vec<usize>,
}

/// The hex value inside the first `[…]` after `key`.
fn bracket_after(m: &str, key: &str) -> Option<u32> {
    let rest = &m[m.find(key)? + key.len()..];
    let open = rest.find('[')?;
    let inner = &rest[open + 1..];
    hex(inner.get(..inner.find([']', ','])?)?)
}

fn hex(s: &str) -> Option<u32> {
    let t = s.trim();
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"))?;
    u32::from_str_radix(t, 16).ok()
}

/// `Result = 0x…` at the end of a MOUPG error line.
fn result_value(m: &str) -> Option<u32> {
    hex(m.rsplit_once("Result = ")?.1.split(['[', ' ']).next()?)
}

/// The number after `key :` (`Current phase : 3`).
fn number_after(m: &str, key: &str) -> Option<u32> {
    let rest = m.strip_prefix(key)?.trim_start();
    let rest = rest.strip_prefix(':')?.trim();
    rest.parse().ok()
}

impl Scan {
    fn see(&mut self, e: &Event<'_>, i: usize) {
        // A setup line pasted without its time still counts; it is simply not placed.
        if let Some(t) = e.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
            if self.prev.is_some_and(|p| t.0 < p.0 - 60_000_000) {
                self.clock_jumps = true;
            }
            self.prev = Some(t);
        }
        let m = e.message.as_ref();
        let mut key = false;
        if let Some(rest) = m.split_once("Setup build version is:").map(|x| x.1) {
            self.target.get_or_insert_with(|| rest.trim().to_string());
        } else if let Some(rest) = m.split_once("Build version is ").map(|x| x.1) {
            self.target.get_or_insert_with(|| rest.trim().to_string());
        } else if let Some(rest) = m.split_once("Target OS version:").map(|x| x.1) {
            self.target.get_or_insert_with(|| rest.trim().to_string());
        } else if let Some(rest) = m.trim_start().strip_prefix("Host OS Version") {
            let v = rest.trim().trim_start_matches('[').trim_end_matches(']').trim();
            self.host.get_or_insert_with(|| v.to_string());
        } else if m.contains("Reporting post reboot event") || m.contains("Reporting error event") {
            let r = bracket_after(m, "event");
            let x = m.split_once(',').and_then(|(_, b)| hex(b.split(']').next()?));
            if let Some(r) = r.filter(|&r| r != 0) {
                self.reported_result = Some(r);
                self.reported_ext = x.or(self.reported_ext);
                self.result_event = Some(i);
                key = true;
            }
        } else if m.contains("ImageExit: Initializing SetupResult") {
            if let Some(r) = bracket_after(m, "SetupResult").filter(|&r| r != 0) {
                self.reported_result.get_or_insert(r);
                self.result_event.get_or_insert(i);
                key = true;
            }
        } else if m.contains("ImageExit: Initializing Extended") {
            if let Some(x) = bracket_after(m, "Extended").filter(|&x| x != 0) {
                self.reported_ext.get_or_insert(x);
            }
        } else if m.contains("[Setup360Result]=") {
            if let Some(r) = bracket_after(m, "[Setup360Result]=").filter(|&r| r != 0) {
                self.reported_result.get_or_insert(r);
                self.result_event.get_or_insert(i);
            }
        } else if m.contains("[Setup360Extended]=") {
            if let Some(x) = bracket_after(m, "[Setup360Extended]=").filter(|&x| x != 0) {
                self.reported_ext.get_or_insert(x);
            }
        } else if m.contains("Remapping install error") {
            if let (Some(x), Some(to)) = (bracket_after(m, "install error"), bracket_after(m, "->"))
            {
                self.remap = Some((x, to));
                key = true;
            }
        } else if m.contains("CSetupHost::Execute(") || m.contains("CSetupManager::Execute(") {
            if let Some(r) = result_value(m).filter(|&r| r != 0) {
                self.host_result = Some(r);
                key = true;
            }
        } else if m.contains("ExecuteDownlevelMode(") {
            if let Some(r) = result_value(m).filter(|&r| r != 0) {
                self.downlevel_failed.get_or_insert(r);
            }
        } else if let Some(rest) = m.split_once("Setup phase change:").map(|x| x.1) {
            if rest.trim_end().ends_with("[SetupPhaseError]") {
                self.error_phase = true;
                key = true;
            }
        } else if m.starts_with("Current phase string") {
            let v = m.split_once(':').map_or("", |x| x.1);
            self.phase_string = self.phase_string.or_else(|| Phase::from_name(v));
        } else if let Some(n) = number_after(m, "Current phase") {
            self.sp_phase = Some(n);
        } else if let Some(n) = number_after(m, "Current op") {
            self.sp_op = Some(n);
        } else if m.starts_with("Current result:") {
            self.current_result = m.split_once(':').and_then(|x| hex(x.1)).filter(|&r| r != 0);
        } else if m.starts_with("Initiating rollback/uninstall") {
            self.rollback = true;
            key = true;
        } else if m.contains("User cancel confirmed")
            || m.contains("Cancel is requested")
            || m.contains("Remapping internal cancellation")
        {
            self.cancel = true;
            key = true;
        } else if let Some(rest) = m.strip_prefix("Executing operation:") {
            self.last_op = Some(rest.trim().to_string());
        } else if let Some(rest) = m.strip_prefix("Operation failed:") {
            let name = rest.rsplit_once(". Error").map_or(rest, |x| x.0).trim();
            self.failed_op = Some((name.to_string(), i));
            key = true;
        }
        if key {
            self.events.push(i);
        }
    }
}

/// Whether an event is a line of a Windows Setup log (not a `diagerr.xml` row or a dump).
fn is_setup_log_line(e: &Event<'_>) -> bool {
    e.source == Source::Setup && e.field("function").is_none() && e.field("dump").is_none()
}

/// The final code of a cancelled run (`ERROR_CANCELLED`, `ERROR_REQUEST_ABORTED`).
fn is_cancel_code(r: u32) -> bool {
    matches!(r, 0x8007_04C7 | 0x8007_04D3)
}

/// Merges the scans of one attempt into an upgrade, or `None` when it did not fail.
fn conclude(scans: &[Scan]) -> Option<Upgrade> {
    let first_some = |f: &dyn Fn(&Scan) -> Option<u32>| scans.iter().find_map(f);
    let remap = scans.iter().find_map(|s| s.remap);
    let reported_result = first_some(&|s| s.reported_result);
    let host_result = first_some(&|s| s.host_result);
    let rollback = scans.iter().any(|s| s.rollback);
    let cancel_marker = scans.iter().any(|s| s.cancel);
    let error_phase = scans.iter().any(|s| s.error_phase);
    let downlevel_failed = first_some(&|s| s.downlevel_failed);
    let failed_op = scans.iter().find_map(|s| s.failed_op.clone());
    let real = remap
        .map(|r| r.0)
        .or(reported_result)
        .or(host_result)
        .or(downlevel_failed)
        .or_else(|| first_some(&|s| s.current_result));
    let failed = rollback
        || error_phase
        || failed_op.is_some()
        || real.is_some_and(|r| Code::classify(r).is_failure());
    if !failed && !cancel_marker {
        return None;
    }
    let cancelled =
        cancel_marker && !rollback && real.is_none_or(|r| is_cancel_code(r) || r == 0xC190_0108);
    let outcome = if cancelled {
        Outcome::Cancelled
    } else if rollback {
        Outcome::RolledBack
    } else {
        Outcome::Failed
    };
    let sp = scans.iter().find(|s| s.sp_phase.is_some());
    let extended = first_some(&|s| s.reported_ext).map(Extended).or_else(|| {
        let s = sp?;
        let phase = Phase::from_digit(s.sp_phase?)?;
        Some(Extended::of(phase, Operation(s.sp_op?)))
    });
    // Setup reports a down-level failure with an extend code whose phase digit is 5; like
    // SetupDiag, call it down-level when nothing ran after the first restart.
    let downlevel = !rollback && (downlevel_failed.is_some() || error_phase) && sp.is_none();
    let phase = if downlevel {
        Some(Phase::Downlevel)
    } else {
        extended.and_then(Extended::phase).or_else(|| scans.iter().find_map(|s| s.phase_string))
    };
    // A down-level failure's extend code (phase digit 5) does not name the operation in
    // the table's terms (SetupDiag's own example: `0x8007001F - 0x50015` at "Finalize");
    // the failed operation's name is what the logs give then.
    let operation = extended
        .filter(|x| !(downlevel && x.phase() == Some(Phase::Uninstall)))
        .map(Extended::operation);
    let operation_name = failed_op.as_ref().map(|f| f.0.clone()).or_else(|| {
        if downlevel { scans.iter().rev().find_map(|s| s.last_op.clone()) } else { None }
    });
    let mut events: Vec<usize> = scans.iter().flat_map(|s| s.events.iter().copied()).collect();
    events.dedup();
    let result_event = scans
        .iter()
        .find_map(|s| s.result_event)
        .or(failed_op.map(|f| f.1))
        .or_else(|| events.last().copied());
    Some(Upgrade {
        id: 0,
        outcome,
        incident: None,
        target: scans.iter().find_map(|s| s.target.clone()),
        host: scans.iter().find_map(|s| s.host.clone()),
        first: scans.iter().filter_map(|s| s.first).min().unwrap_or(Timestamp(0)),
        last: scans.iter().filter_map(|s| s.last).max().unwrap_or(Timestamp(0)),
        phase,
        operation,
        operation_name,
        result: real.map(Code::classify),
        extended,
        reported: remap.map(|r| Code::classify(r.1)).filter(|m| Some(m.as_hresult()) != real),
        rollback,
        cancelled,
        clock_jumps: scans.iter().any(|s| s.clock_jumps),
        result_event,
        events,
        setupdiag: None,
    })
}

/// SetupDiag's verdict as the report shows it, compared with an attempt read from the logs.
fn setupdiag_view(e: &Event<'_>, i: usize, up: Option<&Upgrade>) -> SetupDiagView {
    let phase = e.field("phase").map(str::to_string);
    let operation = e.field("operation").map(str::to_string);
    let result = e.codes.first().map(|c| c.as_hresult());
    let ext = e.field("extended").and_then(hex);
    let error = result.map(|r| match ext {
        Some(x) => format!("0x{r:08X}-0x{x:X}"),
        None => format!("0x{r:08X}"),
    });
    let agrees = up.map(|u| {
        let same_phase = phase.as_deref().and_then(Phase::from_name) == u.phase;
        let same_op = match (operation.as_deref().and_then(Operation::from_text), u.operation) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        let same_code = result == u.result.map(Code::as_hresult)
            && ext.is_none_or(|x| Some(x) == u.extended.map(|e| e.0));
        same_phase && same_op && same_code
    });
    SetupDiagView {
        event: i,
        profile: e.field("profile").map(str::to_string),
        phase,
        operation,
        error,
        agrees,
    }
}

/// An attempt known only from SetupDiag's verdict (its output pasted into a ticket).
fn from_setupdiag(e: &Event<'_>, i: usize) -> Option<Upgrade> {
    let result = e.codes.first().copied()?;
    let time = e.time?;
    let extended = e.field("extended").and_then(hex).map(Extended);
    let rollback = e.field("profile").is_some_and(|p| p.contains("Rollback"));
    Some(Upgrade {
        id: 0,
        outcome: if rollback { Outcome::RolledBack } else { Outcome::Failed },
        incident: None,
        target: e.field("target-build").map(str::to_string),
        host: None,
        first: time,
        last: time,
        phase: e.field("phase").and_then(Phase::from_name).or_else(|| extended?.phase()),
        operation: extended
            .map(Extended::operation)
            .or_else(|| e.field("operation").and_then(Operation::from_text)),
        operation_name: e.field("operation").map(str::to_string),
        result: Some(result),
        extended,
        reported: None,
        rollback,
        cancelled: false,
        clock_jumps: false,
        result_event: Some(i),
        events: vec![i],
        setupdiag: Some(setupdiag_view(e, i, None)),
    })
}

/// Finds the feature-update attempts in a sorted timeline. Returns every attempt that did
/// not succeed, and an incident (ids from `next_id`) for each that failed.
pub(crate) fn find(events: &[Event<'_>]) -> (Vec<Upgrade>, Vec<Incident>) {
    // Each setup log's lines, in file order.
    let mut files: Vec<(u32, Vec<(u32, usize)>)> = Vec::new();
    let mut verdicts: Vec<usize> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.source == Source::SetupDiag && e.level.is_warning_or_worse() {
            verdicts.push(i);
        }
        if !is_setup_log_line(e) {
            continue;
        }
        let line = match e.at.pos {
            crate::event::Pos::Line(n) => n,
            crate::event::Pos::Record(_) => 0,
        };
        match files.iter_mut().find(|(a, _)| *a == e.at.artifact) {
            Some((_, v)) => v.push((line, i)),
            None => files.push((e.at.artifact, vec![(line, i)])),
        }
    }
    let mut scans: Vec<Scan> = files
        .into_iter()
        .map(|(_, mut lines)| {
            lines.sort_unstable();
            let mut s = Scan::default();
            for (_, i) in lines {
                s.see(&events[i], i);
            }
            s
        })
        .collect();
    // Attempts: logs whose spans overlap or lie close.
    scans.sort_by_key(|s| s.first);
    let mut groups: Vec<Vec<Scan>> = Vec::new();
    for s in scans {
        let (Some(f), Some(_)) = (s.first, s.last) else { continue };
        match groups.last_mut() {
            Some(g)
                if g.iter()
                    .filter_map(|x| x.last)
                    .max()
                    .is_some_and(|l| f.0 - l.0 <= SAME_ATTEMPT_US) =>
            {
                g.push(s);
            }
            _ => groups.push(vec![s]),
        }
    }
    let mut upgrades: Vec<Upgrade> = groups.iter().filter_map(|g| conclude(g)).collect();
    // SetupDiag's verdicts: attached to the attempt they describe, or standing for one.
    for i in verdicts {
        let e = &events[i];
        let near = upgrades.iter_mut().find(|u| {
            u.setupdiag.is_none()
                && e.time.is_some_and(|t| {
                    t.0 >= u.first.0 - SAME_ATTEMPT_US && t.0 <= u.last.0 + SAME_ATTEMPT_US
                })
        });
        match near {
            Some(u) => {
                let view = setupdiag_view(e, i, Some(u));
                u.setupdiag = Some(view);
            }
            None => upgrades.extend(from_setupdiag(e, i)),
        }
    }
    upgrades.sort_by_key(|u| (u.first, u.last));
    let mut incidents = Vec::new();
    for (n, u) in upgrades.iter_mut().enumerate() {
        u.id = n as u32 + 1;
        if u.outcome == Outcome::Cancelled {
            continue;
        }
        let mut codes: Vec<Code> = u.result.into_iter().chain(u.reported).collect();
        codes.dedup();
        let headline = u.result_event.or_else(|| u.events.first().copied()).unwrap_or(0);
        let mut attempt_events = u.events.clone();
        if attempt_events.is_empty() {
            attempt_events.push(headline);
        }
        incidents.push(Incident {
            id: 0,
            kind: IncidentKind::FeatureUpdate,
            title: Some(u.target.as_deref().map_or_else(
                || "Windows".to_string(),
                |t| format!("Windows {}", t.split_whitespace().next().unwrap_or(t)),
            )),
            kb: None,
            package: None,
            update_id: None,
            code: u.result,
            codes,
            untimed: Vec::new(),
            attempts: vec![Attempt {
                first: u.first,
                last: u.last,
                code: u.result,
                events: attempt_events,
                head: headline,
            }],
            wrapped: None,
            headline_event: headline,
        });
        // The incident's id is set when the incidents are numbered together.
        u.incident = Some(incidents.len() as u32);
    }
    (upgrades, incidents)
}

/// Whether diagnosis reads a setup event (all of them: the readers keep only what matters).
pub(crate) fn reads(e: &Event<'_>) -> bool {
    matches!(e.source, Source::Setup | Source::SetupApi | Source::Compat | Source::SetupDiag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Location, Pos};
    use crate::rules::testing::text;

    /// A setup log event at `line` of artifact `a`, `min` minutes into the day.
    fn line(
        a: u32,
        n: u32,
        min: i64,
        level: Level,
        comp: &'static str,
        msg: &'static str,
    ) -> Event<'static> {
        let mut e = text(Source::Setup, level, comp, msg);
        e.at = Location { artifact: a, pos: Pos::Line(n) };
        e.time = Some(Timestamp(1_621_300_000_000_000 + min * 60_000_000));
        e
    }

    fn sorted(mut v: Vec<Event<'static>>) -> Vec<Event<'static>> {
        v.sort_by_key(|e| (e.time, e.at));
        v
    }

    #[test]
    fn a_rollback_with_a_clock_jump_and_a_telemetry_remap() {
        let events = sorted(vec![
            line(0, 1, 0, Level::Info, "SP", "Initiating rollback/uninstall, phase = 0"),
            line(0, 2, 0, Level::Info, "SP", "Current phase : 3"),
            line(0, 3, 0, Level::Info, "SP", "Current op    : 24"),
            // The restored OS' clock runs two hours ahead of the Safe OS'.
            line(
                0,
                4,
                120,
                Level::Info,
                "MOUPG",
                "SetupHost: Setup build version is: 10.0.19041.963 (vb_release)",
            ),
            line(
                0,
                5,
                121,
                Level::Info,
                "MOUPG",
                "SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]",
            ),
            line(
                0,
                6,
                121,
                Level::Info,
                "MOUPG",
                "Finalize: Remapping install error [0xC1900101] -> [0xC1900108] for telemetry.",
            ),
            line(
                1,
                1,
                95,
                Level::Error,
                "SP",
                "Operation failed: Run sysprep specialization offline on C:\\$WINDOWS.~BT\\NewOS. Error: 0x80070005[gle=0x000000b7]",
            ),
        ]);
        let (ups, incs) = find(&events);
        assert_eq!(ups.len(), 1, "two logs, one attempt");
        let u = &ups[0];
        assert_eq!(u.outcome, Outcome::RolledBack);
        assert_eq!(u.result.map(Code::as_hresult), Some(0xC190_0101));
        assert_eq!(u.extended, Some(Extended(0x30018)));
        assert_eq!(u.phase, Some(Phase::FirstBoot));
        assert_eq!(u.operation.and_then(Operation::symbol), Some("SYSPREP"));
        assert_eq!(u.reported.map(Code::as_hresult), Some(0xC190_0108));
        assert!(u.operation_name.as_deref().unwrap().starts_with("Run sysprep"));
        assert_eq!(u.target.as_deref(), Some("10.0.19041.963 (vb_release)"));
        assert_eq!(incs.len(), 1);
        assert_eq!(incs[0].kind, IncidentKind::FeatureUpdate);
        assert_eq!(incs[0].title.as_deref(), Some("Windows 10.0.19041.963"));
    }

    #[test]
    fn a_downlevel_failure_and_a_cancel() {
        let down = sorted(vec![
            line(
                0,
                1,
                0,
                Level::Info,
                "SP",
                "Executing operation: Set boot command for phase DismOnError",
            ),
            line(
                0,
                2,
                1,
                Level::Error,
                "MOUPG",
                "CSetupManager::ExecuteDownlevelMode(410): Result = 0x80070032",
            ),
            line(
                0,
                3,
                1,
                Level::Info,
                "MOUPG",
                "Setup phase change: [SetupPhaseInstall] -> [SetupPhaseError]",
            ),
            line(
                0,
                4,
                1,
                Level::Info,
                "MOUPG",
                "ImageExit: Initializing SetupResult: [0x80070032]",
            ),
            line(0, 5, 1, Level::Info, "MOUPG", "ImageExit: Initializing Extended:    [0x50013]"),
            line(
                0,
                6,
                2,
                Level::Info,
                "MOUPG",
                "Finalize: Remapping install error [0x80070032] -> [0xC1900108] for telemetry.",
            ),
        ]);
        let (ups, incs) = find(&down);
        assert_eq!(ups[0].outcome, Outcome::Failed);
        assert_eq!(ups[0].phase, Some(Phase::Downlevel));
        assert_eq!(ups[0].code_text().as_deref(), Some("0x80070032-0x50013"));
        assert_eq!(incs.len(), 1);
        let cancel = sorted(vec![
            line(
                0,
                1,
                0,
                Level::Info,
                "MOUPG",
                "CInstallUI::ConfirmCanceled: User cancel confirmed",
            ),
            line(0, 2, 0, Level::Error, "MOUPG", "CDlpTask::Cancel(984): Result = 0xC1800108"),
            line(
                0,
                3,
                1,
                Level::Info,
                "MOUPG",
                "Setup phase change: [SetupPhasePreDownload] -> [SetupPhaseError]",
            ),
            line(0, 4, 1, Level::Error, "MOUPG", "CSetupHost::Execute(433): Result = 0x800704C7"),
        ]);
        let (ups, incs) = find(&cancel);
        assert_eq!(ups[0].outcome, Outcome::Cancelled);
        assert!(incs.is_empty(), "a cancel is not diagnosed");
    }

    #[test]
    fn a_successful_run_full_of_errors_is_no_attempt() {
        let ok = sorted(vec![
            line(
                0,
                1,
                0,
                Level::Error,
                "",
                "Failed to delete \\\\?\\C:\\windows.old\\x.dll. hr = 0x80070005",
            ),
            line(
                0,
                2,
                1,
                Level::Info,
                "SP",
                "Execution phase [Post OOBE] exiting with HRESULT [0x00000000]",
            ),
        ]);
        assert!(find(&ok).0.is_empty());
    }
}
