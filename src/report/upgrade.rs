//! Feature updates in the `analyze` report: one view per attempt that did not succeed
//! (phase, operation, result and extend code, the real code behind a telemetry remap,
//! rollback, cancel, SetupDiag's verdict), and the verdict's sentences about them.

use super::analyze::{CodeView, EventRef};
use crate::bundle::Bundle;
use crate::code::setup::Phase;
use crate::diagnose::{Diagnosis, Outcome, Upgrade};
use crate::event::Event;
use serde::Serialize;
use std::fmt::Write as _;

/// What SetupDiag said, as the report shows it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SetupDiagRef {
    /// The rule that matched.
    pub profile: Option<String>,
    /// Its phase.
    pub phase: Option<String>,
    /// Its operation.
    pub operation: Option<String>,
    /// Its error.
    pub error: Option<String>,
    /// Whether wutriage, from the logs, reached the same phase, operation and code (absent
    /// when SetupDiag's verdict is all there is).
    pub agrees: Option<bool>,
    /// Where it is.
    pub at: String,
}

/// One feature-update attempt.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UpgradeView {
    /// 1-based.
    pub id: u32,
    /// `failed and rolled back`, `failed`, `cancelled by the user`.
    pub outcome: &'static str,
    /// The incident it became (not for a cancel).
    pub incident: Option<u32>,
    /// The build being installed.
    pub target: Option<String>,
    /// The build it was installed over.
    pub host: Option<String>,
    /// First record, UTC.
    pub first: String,
    /// Last record, UTC.
    pub last: String,
    /// `Safe OS`, `First Boot`, …
    pub phase: Option<&'static str>,
    /// `SP_EXECUTION_FIRST_BOOT`.
    pub phase_symbol: Option<&'static str>,
    /// What the phase is.
    pub phase_meaning: Option<&'static str>,
    /// `SYSPREP` (`SP_EXECUTION_OP_…`).
    pub operation: Option<String>,
    /// What the operation does.
    pub operation_meaning: Option<&'static str>,
    /// Setup's name for the failing operation.
    pub operation_name: Option<String>,
    /// `0xC1900101-0x30018`.
    pub code: Option<String>,
    /// The result code.
    pub result: Option<CodeView>,
    /// What Setup reported to telemetry instead (0xC1900108).
    pub reported: Option<String>,
    /// Whether it rolled back.
    pub rollback: bool,
    /// Whether the user cancelled it.
    pub cancelled: bool,
    /// A log's clock went backwards (times of different phases are not comparable).
    pub clock_jumps: bool,
    /// What Microsoft's resolution procedures say of this result–extend pair.
    pub known: Option<&'static str>,
    /// SetupDiag's verdict, when its output is in the bundle.
    pub setupdiag: Option<SetupDiagRef>,
    /// The lines that say how it ended.
    pub records: Vec<EventRef>,
}

impl UpgradeView {
    /// The report's view of an attempt.
    pub(crate) fn new(u: &Upgrade, bundle: &Bundle, events: &[Event<'_>]) -> Self {
        let at = |i: usize| super::analyze::event_ref(bundle, events, i);
        UpgradeView {
            id: u.id,
            outcome: u.outcome.describe(),
            incident: u.incident,
            target: u.target.clone(),
            host: u.host.clone(),
            first: u.first.to_string(),
            last: u.last.to_string(),
            phase: u.phase.map(Phase::name),
            phase_symbol: u.phase.map(Phase::symbol),
            phase_meaning: u.phase.map(Phase::describe),
            operation: u.operation.map(|o| o.to_string()),
            operation_meaning: u.operation.and_then(crate::code::setup::Operation::describe),
            operation_name: u.operation_name.clone(),
            code: u.code_text(),
            result: u.result.map(CodeView::new),
            reported: u.reported.map(super::analyze::shown),
            rollback: u.rollback,
            cancelled: u.cancelled,
            clock_jumps: u.clock_jumps,
            known: match (u.result, u.extended) {
                (Some(r), Some(x)) => crate::code::setup::known_pair(r.as_hresult(), x),
                _ => None,
            },
            setupdiag: u.setupdiag.as_ref().map(|s| SetupDiagRef {
                profile: s.profile.clone(),
                phase: s.phase.clone(),
                operation: s.operation.clone(),
                error: s.error.clone(),
                agrees: s.agrees,
                at: super::location(bundle, events[s.event].at),
            }),
            records: u.events.iter().take(12).map(|&i| at(i)).collect(),
        }
    }

    /// The target build's version (`10.0.19041.963`), or `?`.
    pub(crate) fn version(&self) -> &str {
        self.target.as_deref().and_then(|t| t.split_whitespace().next()).unwrap_or("?")
    }

    /// One sentence: what happened, where, with which code.
    pub(crate) fn sentence(&self) -> String {
        let target = self
            .target
            .as_deref()
            .map_or(String::new(), |t| format!(" to {}", t.split_whitespace().next().unwrap_or(t)));
        let mut s = format!("The feature update{target} {}", self.outcome);
        if self.cancelled {
            let _ = write!(
                s,
                " ({}); a cancel is not a failure, so it is not diagnosed.",
                short(&self.last)
            );
            return s;
        }
        if let Some(p) = self.phase {
            let _ = write!(s, " in the {p} phase");
        }
        match (&self.operation_name, &self.operation, self.operation_meaning) {
            (Some(n), Some(op), _) => {
                let _ = write!(s, ", operation {op} ({n})");
            }
            (Some(n), None, _) => {
                let _ = write!(s, ", at \"{n}\"");
            }
            (None, Some(op), Some(m)) => {
                let _ = write!(s, ", operation {op} ({m})");
            }
            _ => {}
        }
        if let Some(c) = &self.code {
            let _ = write!(s, ": {c}");
        }
        s.push('.');
        if let (Some(r), Some(res)) = (&self.reported, &self.result) {
            let _ =
                write!(s, " Setup reported {r} for telemetry; the real result is {}.", res.code);
        }
        s
    }
}

fn short(iso: &str) -> String {
    iso.get(..16).unwrap_or(iso).replace('T', " ")
}

/// The report's views of the bundle's attempts.
pub(crate) fn views(d: &Diagnosis, bundle: &Bundle, events: &[Event<'_>]) -> Vec<UpgradeView> {
    d.upgrades.iter().map(|u| UpgradeView::new(u, bundle, events)).collect()
}

/// Sentences for the verdict about feature updates: each failed attempt's phase,
/// operation and code, what SetupDiag said, and each cancel.
pub(crate) fn verdict_lines(views: &[UpgradeView]) -> Vec<String> {
    let mut out = Vec::new();
    for v in views {
        out.push(v.sentence());
        if let Some(k) = v.known {
            out.push(format!(
                "Microsoft's resolution procedures on {}: {k}.",
                v.code.as_deref().unwrap_or("it")
            ));
        }
        if let Some(sd) = &v.setupdiag {
            match sd.agrees {
                Some(true) => out.push(format!(
                    "SetupDiag's verdict in the bundle ({}) agrees: {}, {}, {}.",
                    sd.profile.as_deref().unwrap_or("no rule"),
                    sd.phase.as_deref().unwrap_or("?"),
                    sd.operation.as_deref().unwrap_or("?"),
                    sd.error.as_deref().unwrap_or("?")
                )),
                Some(false) => out.push(format!(
                    "SetupDiag's verdict in the bundle ({}) differs: {}, {}, {}.",
                    sd.profile.as_deref().unwrap_or("no rule"),
                    sd.phase.as_deref().unwrap_or("?"),
                    sd.operation.as_deref().unwrap_or("?"),
                    sd.error.as_deref().unwrap_or("?")
                )),
                None => {}
            }
        }
    }
    out
}

/// Whether every attempt in the bundle was cancelled (and nothing else failed).
pub(crate) fn only_cancelled(views: &[UpgradeView]) -> bool {
    !views.is_empty() && views.iter().all(|v| v.outcome == Outcome::Cancelled.describe())
}
