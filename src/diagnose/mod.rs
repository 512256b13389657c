//! Diagnosis: incidents, the signals around them, causes ranked by an explainable score,
//! and remedies in the order in which they are safe to try.
//!
//! This stage decides; it prints nothing. Inputs are the sorted timeline and a little
//! coverage (which event logs were read, over which period).

mod configmgr;
pub mod disks;
mod headline;
pub mod incident;
mod reads;
pub mod states;
pub mod upgrade;

pub use crate::category::Category;
pub use configmgr::is_update_component;
pub use incident::{Incident, IncidentKind};
pub use reads::{note, reads, retain, unread_evtx};
pub use states::{State, StateKind};
pub use upgrade::{Outcome, Upgrade};

use crate::code::Code;
use crate::event::{Event, Note, Source};
use crate::parse::evtx::{Family, family};
use crate::remedy::{self, Remedy, RemedyId};
use crate::rules::{self, Signal};
use crate::time::Timestamp;
use memchr::memmem;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// Options for [`diagnose`].
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Evidence within this distance of a failure counts fully (default 30 minutes).
    pub window_us: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options { window_us: 30 * 60 * 1_000_000 }
    }
}

/// A period covered by an event log, so absence of evidence can be weighed.
#[derive(Debug, Clone, Copy)]
pub struct LogSpan {
    /// Whether it is a System log (where disk, NTFS and storport events go).
    pub system_log: bool,
    /// First record, UTC.
    pub first: Timestamp,
    /// Last record, UTC.
    pub last: Timestamp,
}

/// How sure the ranking is, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Corroborated by several sources, or decisive.
    High,
    /// Clear evidence from one source, or weaker evidence from several.
    Medium,
    /// A hint only.
    Low,
}

impl Confidence {
    /// Lower-case word.
    pub fn word(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// One piece of evidence for a cause.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The rule that matched.
    pub rule: &'static rules::Rule,
    /// Timeline index of the event.
    pub event: usize,
    /// Points it contributes before repetition and agreement.
    pub weight: f64,
    /// Whether it lies inside the correlation window of a failure.
    pub in_window: bool,
    /// Whether it is standing evidence.
    pub standing: bool,
    /// Its event is a line of text in no known format (the last-resort reader): it counts
    /// as weak whatever the rule says, and never decides that storage is failing.
    pub weak: bool,
}

/// How a cause's score was made, so the report can explain it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ScoreParts {
    /// Sum over rules of severity × closeness × repetition.
    pub evidence: f64,
    /// Number of independent sources that agree.
    pub sources: usize,
    /// Multiplier for agreement (1 + 0.25 per extra source, at most 2).
    pub agreement: f64,
    /// Number of matching events.
    pub events: usize,
}

/// A ranked cause.
#[derive(Debug, Clone)]
pub struct Cause {
    /// Which cause.
    pub category: Category,
    /// The score (higher is more likely).
    pub score: f64,
    /// How it was computed.
    pub parts: ScoreParts,
    /// Confidence in words.
    pub confidence: Confidence,
    /// Evidence, strongest first.
    pub evidence: Vec<Evidence>,
    /// Facts that speak against it.
    pub against: Vec<String>,
    /// Incidents it touches.
    pub incidents: Vec<u32>,
    /// What it rests on.
    pub basis: Basis,
}

/// What a cause rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Basis {
    /// Evidence that rules found in the logs.
    Evidence,
    /// Rules matched the failure records themselves and nothing else: the cause rests on
    /// the failures' own codes, so its confidence is low.
    FailureRecords,
    /// No rule found evidence: the cause is what the failure code means by itself (the
    /// knowledge base's code → cause table), at low confidence.
    Code(CodeBasis),
}

/// The failure code a cause was ranked from, and why it points there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeBasis {
    /// The code.
    pub code: Code,
    /// What it means for the cause.
    pub why: &'static str,
    /// Where that comes from.
    pub source: &'static str,
}

/// The verdict on a bundle.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// Update failures, in order of first failure.
    pub incidents: Vec<Incident>,
    /// Causes, most likely first.
    pub causes: Vec<Cause>,
    /// Remedies in the order in which they are safe to try.
    pub remedies: Vec<Remedy>,
    /// Storage failure is corroborated: back up before anything writes.
    pub storage_first: bool,
    /// Standing warnings that hold even without an update failure (e.g. SMART).
    pub warnings: Vec<Evidence>,
    /// States that block the next attempt and still hold when the logs end (a pending
    /// restart, a store flagged corrupt).
    pub states: Vec<State>,
    /// The correlation window used.
    pub window_us: i64,
    /// The incident the verdict leads with (an index into `incidents`): the update that
    /// matters most (see [`headline`]).
    pub headline: Option<usize>,
    /// The cause stated for that incident (an index into `causes`): the best-ranked cause
    /// whose evidence lies near it.
    pub headline_cause: Option<usize>,
    /// The disks the logs name, the device of each storage signal, and the storage evidence
    /// on disks that do not hold Windows.
    pub disks: disks::Disks,
    /// Feature-update attempts that did not succeed (failed, rolled back, cancelled).
    pub upgrades: Vec<Upgrade>,
}

/// Score multiplier for repeated matches of one rule: 1 for one, approaching 1.6.
fn repetition(n: usize) -> f64 {
    1.0 + 0.6 * (1.0 - (-((n as f64) - 1.0) / 3.0).exp())
}

/// A key for "independent source": a text log kind, or an event provider family.
fn source_key(e: &Event<'_>) -> String {
    match e.source {
        Source::Evtx | Source::EventExport => match family(&e.component) {
            Family::Other => format!("evtx:{}", e.component.to_ascii_lowercase()),
            f => format!("evtx:{f:?}"),
        },
        s => s.as_str().to_string(),
    }
}

/// Attempts sorted by start, for the distance from a time to the nearest of them in
/// logarithmic time (a retry loop has thousands of attempts, a bundle thousands of signals).
struct Spans {
    first: Vec<i64>,
    /// The latest end among the attempts up to each one.
    max_last: Vec<i64>,
}

impl Spans {
    fn new<'i>(attempts: impl Iterator<Item = &'i incident::Attempt>) -> Spans {
        let mut v: Vec<(i64, i64)> = attempts.map(|a| (a.first.0, a.last.0)).collect();
        v.sort_unstable();
        let mut max = i64::MIN;
        let max_last = v
            .iter()
            .map(|&(_, l)| {
                max = max.max(l);
                max
            })
            .collect();
        Spans { first: v.into_iter().map(|(f, _)| f).collect(), max_last }
    }

    /// Distance from `t` to the nearest attempt (0 inside one), `None` without attempts.
    fn distance(&self, t: Timestamp) -> Option<i64> {
        let started = self.first.partition_point(|&f| f <= t.0);
        let before = started.checked_sub(1).map(|k| (t.0 - self.max_last[k]).max(0));
        let after = self.first.get(started).map(|f| f - t.0);
        match (before, after) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Weight for standing evidence far from any failure.
const STANDING_WEIGHT: f64 = 0.35;

/// Weight for evidence without a time while there are failures: it may have been next to one
/// or far from all, so it counts as if at the edge of the window.
const UNTIMED_WEIGHT: f64 = 0.5;

fn evidence_for(
    signals: &[Signal],
    events: &[Event<'_>],
    incidents: &[Incident],
    window_us: i64,
) -> Vec<Evidence> {
    let spans = Spans::new(incidents.iter().flat_map(|i| &i.attempts));
    signals
        .iter()
        .filter_map(|s| {
            let e = &events[s.event];
            let d = e.time.and_then(|t| spans.distance(t));
            let in_window = d.is_some_and(|d| d <= window_us);
            let closeness = match d {
                Some(d) if in_window => 1.0 - 0.5 * (d as f64 / window_us as f64),
                _ if e.time.is_none() && !incidents.is_empty() => {
                    if s.hit.standing {
                        UNTIMED_WEIGHT.max(STANDING_WEIGHT)
                    } else {
                        UNTIMED_WEIGHT
                    }
                }
                _ if s.hit.standing => STANDING_WEIGHT,
                _ => return None,
            };
            let weak = e.source == Source::Text;
            let severity = if weak { rules::Severity::Low } else { s.hit.severity };
            Some(Evidence {
                rule: s.rule,
                event: s.event,
                weight: severity.weight() * closeness,
                in_window,
                standing: s.hit.standing,
                weak,
            })
        })
        .collect()
}

/// Sums evidence per rule with saturation, then applies agreement between sources.
fn score(evidence: &[Evidence], events: &[Event<'_>]) -> (f64, ScoreParts) {
    let rules: BTreeSet<&str> = evidence.iter().map(|e| e.rule.id).collect();
    let mut total = 0.0;
    for id in rules {
        let of_rule: Vec<&Evidence> = evidence.iter().filter(|e| e.rule.id == id).collect();
        let best = of_rule.iter().map(|e| e.weight).fold(0.0, f64::max);
        total += best * repetition(of_rule.len());
    }
    // Weak evidence (text in no known format) is no independent source: it agrees with
    // nothing, unless it is all there is.
    let strong_only = evidence.iter().any(|e| !e.weak);
    let sources: BTreeSet<String> = evidence
        .iter()
        .filter(|e| !(strong_only && e.weak))
        .map(|e| source_key(&events[e.event]))
        .collect();
    let agreement = (1.0 + 0.25 * (sources.len().saturating_sub(1)) as f64).min(2.0);
    let score = (total * agreement * 100.0).round() / 100.0;
    (
        score,
        ScoreParts {
            evidence: (total * 100.0).round() / 100.0,
            sources: sources.len(),
            agreement,
            events: evidence.len(),
        },
    )
}

/// Storage evidence is corroborated when a strong signal has company (another signal or a
/// SMART prediction) or when weak signals come from several rules. One weak signal is not.
/// `strong` lists the strong storage hits as (event, rule id), sorted. Weak evidence (from
/// unrecognised text) corroborates nothing.
fn storage_corroborated(evidence: &[Evidence], strong: &[(usize, &str)]) -> bool {
    let evidence: Vec<&Evidence> = evidence.iter().filter(|e| !e.weak).collect();
    let strong =
        evidence.iter().filter(|e| strong.binary_search(&(e.event, e.rule.id)).is_ok()).count();
    let critical = evidence.iter().any(|e| e.rule.severity == rules::Severity::Critical);
    let rules: BTreeSet<&str> = evidence.iter().map(|e| e.rule.id).collect();
    critical || (strong >= 1 && evidence.len() >= 2) || (evidence.len() >= 3 && rules.len() >= 2)
}

fn against(
    category: Category,
    evidence: &[Evidence],
    events: &[Event<'_>],
    notes: &[(Timestamp, Note)],
    incidents: &[Incident],
    spans: &[LogSpan],
) -> Vec<String> {
    let mut out = Vec::new();
    let from_evtx = evidence
        .iter()
        .any(|e| matches!(events[e.event].source, Source::Evtx | Source::EventExport));
    match category {
        Category::Storage if !from_evtx => {
            let covered = incidents.iter().flat_map(|i| &i.attempts).any(|a| {
                spans.iter().any(|s| s.system_log && s.first <= a.first && s.last >= a.last)
            });
            if covered {
                out.push("The System event log covers the failures and records no disk, NTFS or storport errors.".to_string());
            }
        }
        Category::Corruption => {
            // Only failures with a time can be followed by a scan.
            if let Some(last_failure) = incidents.iter().filter_map(Incident::last).max() {
                // The timeline is sorted: only what follows the last failure is read.
                let after = events.partition_point(|e| e.time.is_none_or(|t| t <= last_failure));
                let clean_scan = fetched(events.get(after..).unwrap_or_default())
                    .find(|e| reports_healthy_store(e))
                    .and_then(|e| e.time);
                if let Some(t) = clean_scan {
                    out.push(format!("A later scan or repair reported a healthy store ({t})."));
                }
            }
        }
        Category::PendingReboot => {
            let boots = events.iter().filter(|e| is_boot(e));
            let first_pending = evidence.iter().filter_map(|e| events[e.event].time).min();
            let last_failure = incidents.iter().filter_map(Incident::last).max();
            if let (Some(p), Some(f)) = (first_pending, last_failure)
                && let Some(b) = boots.filter_map(|e| e.time).find(|t| *t > p && *t < f)
            {
                out.push(format!("The machine restarted at {b} after the pending operation was logged, and the update still failed."));
            }
        }
        Category::Network => {
            let installing = incidents.iter().any(|i| {
                i.kb.is_some()
                    && (events.iter().any(|e| is_install_start(e) && e.kb == i.kb)
                        || notes.iter().any(
                            |(_, n)| matches!(n, Note::InstallStarted { kb } if Some(*kb) == i.kb),
                        ))
            });
            if installing {
                out.push(
                    "The failing update downloaded and reached the install stage.".to_string(),
                );
            }
        }
        _ => {}
    }
    out
}

/// A scan or repair that found the component store healthy.
pub(crate) fn reports_healthy_store(e: &Event<'_>) -> bool {
    let m = e.message.as_bytes();
    HEALTHY.iter().any(|f| f.find(m).is_some())
}

/// The texts of [`reports_healthy_store`], as searchers set up once: it is asked of every
/// event when parsing decides what to keep, and of those after a failure or a store flag.
static HEALTHY: LazyLock<[memmem::Finder<'static>; 3]> = LazyLock::new(|| {
    [
        "The restore operation completed successfully",
        "did not find any integrity violations",
        "Total Detected Corruption:\t0",
    ]
    .map(memmem::Finder::new)
});

/// A boot (Kernel-General 12, `EventLog` 6005 or 6009).
pub(crate) fn is_boot(e: &Event<'_>) -> bool {
    // The id first: the provider's family is looked up by name.
    matches!(e.source, Source::Evtx | Source::EventExport)
        && match e.event_id {
            Some(12) => family(&e.component) == Family::System,
            Some(6005 | 6009) => e.component.eq_ignore_ascii_case("EventLog"),
            _ => false,
        }
}

/// WindowsUpdateClient 43: an update's installation started.
pub(crate) fn is_install_start(e: &Event<'_>) -> bool {
    e.event_id == Some(43) && family(&e.component) == Family::WindowsUpdateClient
}

/// WindowsUpdateClient 19: an update installed.
pub(crate) fn is_installed(e: &Event<'_>) -> bool {
    e.event_id == Some(19) && family(&e.component) == Family::WindowsUpdateClient
}

fn confidence(score: f64, sources: usize, decisive: bool) -> Confidence {
    if decisive || (score >= 6.0 && sources >= 2) {
        Confidence::High
    } else if score >= 3.0 {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

/// Incidents a piece of evidence is near. Evidence without a time is near the incidents
/// with failure records without a time (a redacted paste), or, when there are none, near
/// every incident: how far it was cannot be known.
fn touched(
    evidence: &[Evidence],
    events: &[Event<'_>],
    incidents: &[Incident],
    window_us: i64,
    category: Category,
) -> Vec<u32> {
    let any_untimed = incidents.iter().any(|i| !i.untimed.is_empty());
    incidents
        .iter()
        .filter(|i| category != Category::PendingReboot || a_restart_blocks(i.kind))
        .filter(|i| {
            let spans = Spans::new(i.attempts.iter());
            evidence.iter().any(|e| match events[e.event].time {
                Some(t) => spans.distance(t).is_some_and(|d| d <= window_us),
                None => !any_untimed || !i.untimed.is_empty(),
            })
        })
        .map(|i| i.id)
        .collect()
}

/// Whether a pending restart can be why an incident of this kind failed: servicing refuses
/// an install, or rolls it back, while a restart is pending; downloads and scans go on.
fn a_restart_blocks(kind: IncidentKind) -> bool {
    !matches!(kind, IncidentKind::Download | IncidentKind::Scan)
}

/// Whether evidence of `category` bears on a failure near it:
/// - a pending restart near a failed download or scan does not ([`a_restart_blocks`]);
/// - `WU_E_ALL_UPDATES_FAILED` (SEC002's weakest form) only sums up a call whose updates all
///   failed: near failures whose own code is known, that code is the evidence, not the sum.
fn bears_on_a_failure(
    e: &Evidence,
    category: Category,
    events: &[Event<'_>],
    incidents: &[Incident],
    window_us: i64,
) -> bool {
    let summary_only = e.rule.id == "SEC002" && rules::sec002::only_the_summary(&events[e.event]);
    if e.standing || !(category == Category::PendingReboot || summary_only) {
        return true;
    }
    let near = touched(std::slice::from_ref(e), events, incidents, window_us, category);
    if !summary_only {
        return !near.is_empty();
    }
    incidents
        .iter()
        .filter(|i| near.contains(&i.id))
        .any(|i| i.code.is_none_or(rules::sec002::is_the_summary))
}

/// PKG005: the same update failing repeatedly while others installed.
fn repeated_failures(
    incidents: &[Incident],
    events: &[Event<'_>],
    notes: &[(Timestamp, Note)],
) -> Vec<Evidence> {
    let others_installed =
        events.iter().any(is_installed) || notes.iter().any(|(_, n)| *n == Note::UpdateInstalled);
    if !others_installed {
        return Vec::new();
    }
    incidents
        .iter()
        .filter(|i| i.kb.is_some() && i.count() >= 2 && i.kind == IncidentKind::Install)
        .map(|i| Evidence {
            rule: rules::pkg005::rule(),
            event: i.headline_event,
            weight: rules::Severity::Medium.weight(),
            in_window: true,
            standing: false,
            weak: false,
        })
        .collect()
}

/// Diagnoses a sorted UTC timeline: its events, and the notes of those it left out
/// ([`crate::timeline::Timeline::notes`]).
pub fn diagnose(
    events: &[Event<'_>],
    notes: &[(Timestamp, Note)],
    spans: &[LogSpan],
    opts: Options,
) -> Diagnosis {
    let window = opts.window_us.max(1);
    let (seeds, signals, facts) = seeds_and_signals(events);
    let incidents = incident::from_seeds(events, seeds, window);
    let (upgrades, incidents) = with_upgrades(events, incidents);
    let mut all = evidence_for(&signals, events, &incidents, window);
    all.extend(repeated_failures(&incidents, events, notes));
    let pending = pending_at_failures(&incidents, events, &signals, &all);
    all.extend(pending);
    // Storage evidence on a disk that does not hold Windows is shown, not weighed.
    let disks = disks::assess(events, &facts, &signals, &mut all);
    let mut strong: Vec<(usize, &str)> = signals
        .iter()
        .filter(|s| s.hit.strong && s.rule.category == Category::Storage)
        .map(|s| (s.event, s.rule.id))
        .collect();
    strong.sort_unstable();

    let mut causes = Vec::new();
    let mut storage_first = false;
    if !incidents.is_empty() {
        for category in Category::ALL {
            let mut ev: Vec<Evidence> =
                all.iter().filter(|e| e.rule.category == category).cloned().collect();
            ev.retain(|e| bears_on_a_failure(e, category, events, &incidents, window));
            if ev.is_empty() {
                continue;
            }
            let (score, parts) = score(&ev, events);
            let decisive = category == Category::Storage && storage_corroborated(&ev, &strong);
            storage_first |= decisive;
            ev.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.event.cmp(&b.event)));
            causes.push(Cause {
                category,
                score,
                parts,
                confidence: confidence(score, parts.sources, decisive),
                against: against(category, &ev, events, notes, &incidents, spans),
                incidents: touched(&ev, events, &incidents, window, category),
                evidence: ev,
                basis: Basis::Evidence,
            });
        }
        // A cause whose only evidence is the failure records themselves rests on their codes.
        // Setup's records of a feature update name its phase and operation: more than a code.
        let records: BTreeSet<usize> = incidents
            .iter()
            .filter(|i| i.kind != IncidentKind::FeatureUpdate)
            .flat_map(Incident::records)
            .collect();
        for c in &mut causes {
            if c.evidence.iter().all(|e| records.contains(&e.event)) {
                c.basis = Basis::FailureRecords;
                if !(storage_first && c.category == Category::Storage) {
                    c.confidence = Confidence::Low;
                }
            }
        }
        code_driven(&mut causes, &incidents, events);
        // Total order: corroborated storage first, then score, then the fixed category order.
        causes.sort_by(|a, b| {
            let sa = storage_first && a.category == Category::Storage;
            let sb = storage_first && b.category == Category::Storage;
            sb.cmp(&sa).then(b.score.total_cmp(&a.score)).then(a.category.cmp(&b.category))
        });
    }
    let warnings = if incidents.is_empty() {
        let mut w: Vec<Evidence> =
            all.iter().chain(&disks.elsewhere).filter(|e| e.standing).cloned().collect();
        w.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.event.cmp(&b.event)));
        w
    } else {
        Vec::new()
    };
    let states = states::find(events, &signals);
    let remedies = if incidents.is_empty() {
        state_remedies(&states)
    } else {
        plan(&causes, &incidents, &all, events, storage_first)
    };
    let headline = headline::incident(&incidents, events);
    let headline_cause = headline.and_then(|h| headline::cause(&causes, incidents[h].id));
    Diagnosis {
        incidents,
        causes,
        remedies,
        storage_first,
        warnings,
        states,
        window_us: window,
        headline,
        headline_cause,
        disks,
        upgrades,
    }
}

/// The feature-update attempts of the timeline, and their incidents numbered with the
/// others in order of first failure.
fn with_upgrades(
    events: &[Event<'_>],
    mut incidents: Vec<Incident>,
) -> (Vec<Upgrade>, Vec<Incident>) {
    let (mut upgrades, extra) = upgrade::find(events);
    if extra.is_empty() {
        return (upgrades, incidents);
    }
    // Upgrade incidents are marked by their place in `extra` until numbered.
    let base = incidents.len() as u32;
    incidents.extend(extra);
    let mut order: Vec<u32> = (0..incidents.len() as u32).collect();
    order.sort_by_key(|&k| (incidents[k as usize].first(), k));
    let mut new_id = vec![0u32; incidents.len()];
    for (n, &k) in order.iter().enumerate() {
        new_id[k as usize] = n as u32 + 1;
    }
    for u in &mut upgrades {
        u.incident = u.incident.map(|k| new_id[(base + k - 1) as usize]);
    }
    let mut sorted: Vec<Incident> = Vec::with_capacity(incidents.len());
    for k in order {
        let mut inc = incidents[k as usize].clone();
        inc.id = new_id[k as usize];
        sorted.push(inc);
    }
    (upgrades, sorted)
}

/// What the one pass over the events finds, in event order.
type Found = (Vec<incident::Seed>, Vec<Signal>, Vec<(usize, disks::Fact)>);

/// The failures that seed incidents, the signals of every event rule and what events say
/// about the disks, in event order: one pass on the current rayon pool, so that each event's
/// message is fetched into cache once for all three.
fn seeds_and_signals(events: &[Event<'_>]) -> Found {
    let parts: Vec<Found> = events
        .par_chunks(rules::EVENTS_PER_TASK)
        .enumerate()
        .map(|(k, chunk)| {
            let (mut seeds, mut signals, mut facts) = (Vec::new(), Vec::new(), Vec::new());
            for (j, e) in fetched(chunk).enumerate() {
                let i = k * rules::EVENTS_PER_TASK + j;
                // A record of several lines is read as one, so that a wrapped line still
                // says what it said (rare: only records with continuation lines).
                let joined = if e.flags.multi_line { e.unwrapped() } else { None };
                let e = joined.as_ref().unwrap_or(e);
                seeds.extend(incident::seed(e, i));
                signals.extend(rules::of_event(e, i));
                if let Some(f) = disks::fact(e) {
                    facts.push((i, f));
                }
            }
            (seeds, signals, facts)
        })
        .collect();
    let (mut seeds, mut signals, mut facts) = (Vec::new(), Vec::new(), Vec::new());
    for (mut s, mut g, mut f) in parts {
        seeds.append(&mut s);
        signals.append(&mut g);
        facts.append(&mut f);
    }
    (seeds, signals, facts)
}

/// Events whose messages [`fetched`] brings into cache together.
const FETCH_GROUP: usize = 16;

/// `events` in order, for a pass that reads their messages. Those point into log files
/// parsed long before and are out of every cache; read one event at a time, each costs a
/// wait on memory. So, as the pass enters each group of events, one byte at each end of
/// every message in the group is read in a loop of its own: loads that do not wait for each
/// other are fetched from memory at the same time.
fn fetched<'a, 'e>(events: &'a [Event<'e>]) -> impl Iterator<Item = &'a Event<'e>> {
    events.chunks(FETCH_GROUP).flat_map(|group| {
        let ends = group.iter().fold(0u8, |acc, e| {
            let m = e.message.as_bytes();
            acc ^ m.first().copied().unwrap_or(0) ^ m.last().copied().unwrap_or(0)
        });
        std::hint::black_box(ends);
        group
    })
}

/// A restart pending when a failure started, whose sign lies outside the window (the signs
/// inside it count already): standing evidence for a pending restart, since no boot came
/// between the sign and the failure.
fn pending_at_failures(
    incidents: &[Incident],
    events: &[Event<'_>],
    signals: &[Signal],
    evidence: &[Evidence],
) -> Vec<Evidence> {
    let (periods, _) = states::pending_periods(events, signals);
    periods
        .iter()
        .filter(|p| !evidence.iter().any(|e| e.event == p.event))
        .filter(|p| {
            incidents
                .iter()
                .filter(|i| a_restart_blocks(i.kind))
                .flat_map(|i| &i.attempts)
                .any(|a| p.from < a.first && p.until.is_none_or(|u| u > a.first))
        })
        .filter_map(|p| {
            let s = signals.iter().find(|s| s.event == p.event)?;
            Some(Evidence {
                rule: s.rule,
                event: p.event,
                weight: s.hit.severity.weight() * STANDING_WEIGHT,
                in_window: false,
                standing: true,
                weak: events[p.event].source == Source::Text,
            })
        })
        .collect()
}

/// Remedies for the states that hold when nothing failed: restart for a pending restart,
/// a store repair for a store flagged corrupt.
fn state_remedies(states: &[State]) -> Vec<Remedy> {
    let ctx = remedy::Context::default();
    states
        .iter()
        .map(|s| match s.kind {
            StateKind::PendingRestart => RemedyId::Restart.build(&ctx, "for: a restart is pending"),
            StateKind::StoreCorrupt => {
                RemedyId::RestoreHealth.build(&ctx, "for: the component store is flagged corrupt")
            }
        })
        .collect()
}

/// Score of a cause ranked from one failure code alone: that of one weak piece of evidence
/// at the edge of the window, so any cause with evidence of its own ranks above it.
const CODE_ALONE_SCORE: f64 = 0.5;

/// Incidents that no cause touches get the cause their failure code points to by its own
/// meaning (the specific failure behind a catch-all first), at low confidence: one cause per
/// category, or the incident joins a cause of that category that rules already found.
fn code_driven(causes: &mut Vec<Cause>, incidents: &[Incident], events: &[Event<'_>]) {
    let mut found: Vec<Cause> = Vec::new();
    for i in incidents {
        if causes.iter().any(|c| c.incidents.contains(&i.id)) {
            continue;
        }
        let mut candidates = wrapped_code(i, events)
            .map(|(c, _)| c)
            .into_iter()
            .chain(i.code)
            .chain(i.codes.iter().copied());
        let Some((code, cc)) =
            candidates.find_map(|c| crate::knowledge::by_code::cause_of(c).map(|cc| (c, cc)))
        else {
            continue;
        };
        if let Some(c) = causes.iter_mut().chain(found.iter_mut()).find(|c| c.category == cc.cause)
        {
            c.incidents.push(i.id);
            if matches!(c.basis, Basis::Code(_)) {
                c.score =
                    (CODE_ALONE_SCORE * repetition(c.incidents.len()) * 100.0).round() / 100.0;
                c.parts.evidence = c.score;
            }
            continue;
        }
        found.push(Cause {
            category: cc.cause,
            score: CODE_ALONE_SCORE,
            parts: ScoreParts { evidence: CODE_ALONE_SCORE, sources: 1, agreement: 1.0, events: 0 },
            confidence: Confidence::Low,
            evidence: Vec::new(),
            against: Vec::new(),
            incidents: vec![i.id],
            basis: Basis::Code(CodeBasis { code, why: cc.why, source: cc.source }),
        });
    }
    causes.append(&mut found);
}

/// Remedies for the ranked causes, safest first.
fn plan(
    causes: &[Cause],
    incidents: &[Incident],
    evidence: &[Evidence],
    events: &[Event<'_>],
    storage_first: bool,
) -> Vec<Remedy> {
    let Some(top) = causes.first() else { return Vec::new() };
    let mut kbs: Vec<u32> = incidents.iter().filter_map(|i| i.kb).collect();
    kbs.dedup();
    let ctx = remedy::Context {
        kbs,
        source_missing: evidence.iter().any(|e| e.rule.id == "COR004"),
        servicing_stack_required: evidence
            .iter()
            .any(|e| rules::pkg001::needs_stack(&events[e.event])),
        storage_failing: storage_first,
        asr_rule: evidence
            .iter()
            .filter(|e| e.rule.id == "SEC004")
            .find_map(|e| rules::sec004::rule_id(&events[e.event])),
        drivers: named(evidence, events, Category::Driver),
        apps: [Category::IncompatibleApp, Category::Migration]
            .into_iter()
            .flat_map(|c| named(evidence, events, c))
            .collect(),
    };
    // Causes worth acting on: the top one, others with at least a quarter of its score, and
    // under failing storage every cause (their writing remedies are then marked to wait).
    let relevant: Vec<&Cause> = causes
        .iter()
        .filter(|c| storage_first || c.score * 4.0 >= top.score || std::ptr::eq(*c, top))
        .take(3)
        .collect();
    let mut picked: Vec<(RemedyId, usize, &'static str)> = Vec::new();
    for (rank, cause) in relevant.iter().enumerate() {
        for &id in crate::knowledge::remedies_for(cause.category) {
            if !picked.iter().any(|(p, _, _)| *p == id) {
                picked.push((id, rank, cause.category.title()));
            }
        }
    }
    // A block by Defender's attack surface reduction is fixed on that rule, not by a clean
    // boot: its own remedy goes with the security-software cause.
    if let Some(rank) = relevant.iter().position(|c| {
        c.category == Category::SecuritySoftware && c.evidence.iter().any(|e| e.rule.id == "SEC004")
    }) {
        let at = picked.iter().position(|(id, _, _)| *id == RemedyId::CleanBoot);
        let asr = (RemedyId::ReviewAsrRule, rank, Category::SecuritySoftware.title());
        picked.insert(at.unwrap_or(picked.len()), asr);
    }
    if storage_first {
        // Backup and read-only checks come before everything, whatever else ranked high.
        picked
            .retain(|(id, _, _)| !matches!(id, RemedyId::BackUpDisk | RemedyId::CheckDiskReadOnly));
        picked.insert(0, (RemedyId::CheckDiskReadOnly, 0, Category::Storage.title()));
        picked.insert(0, (RemedyId::BackUpDisk, 0, Category::Storage.title()));
    }
    // Safe first: by risk, then by the rank of the cause that asked for it.
    picked.sort_by_key(|(id, rank, _)| (id.risk(), *rank));
    picked.into_iter().map(|(id, _, why)| id.build(&ctx, &format!("for: {why}"))).collect()
}

/// Whether every failure record of an incident is a line of text in no known format (the
/// last-resort reader): then the failure itself is weak evidence.
pub fn is_weak(incident: &Incident, events: &[Event<'_>]) -> bool {
    incident.records().all(|i| events.get(i).is_some_and(|e| e.source == Source::Text))
}

/// What the evidence of a cause names (drivers, devices, applications), for its remedies:
/// a compatibility report's item, a device's INF (`oem42.inf`), a crashing module.
fn named(evidence: &[Evidence], events: &[Event<'_>], category: Category) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ev in evidence.iter().filter(|e| e.rule.category == category) {
        let e = &events[ev.event];
        let name = if e.source == Source::Compat {
            e.field("name").map(str::to_string)
        } else {
            // The first file a driver or plug-in is known by: `oem42.inf`, `x.sys`, `x.dll`.
            [".inf", ".sys", ".dll"]
                .iter()
                .filter_map(|ext| Some((e.message.find(ext)?, ext)))
                .min()
                .map(|(at, ext)| {
                    let head = &e.message[..at];
                    let start =
                        head.rfind(['[', ' ', '\\', '\'', '"', '=', ':']).map_or(0, |i| i + 1);
                    format!("{}{ext}", &head[start..])
                })
        };
        if let Some(n) = name.filter(|n| n.len() > 4 && !out.contains(n)) {
            out.push(n);
        }
    }
    out.truncate(3);
    out
}

/// The code and event that a report should name as the specific failure of an incident.
pub fn wrapped_code(incident: &Incident, events: &[Event<'_>]) -> Option<(Code, usize)> {
    let i = incident.wrapped?;
    let e = events.get(i)?;
    e.codes
        .iter()
        .copied()
        .find(|c| {
            !crate::knowledge::is_catch_all(*c) && !crate::knowledge::is_benign_here(*c, &e.message)
        })
        .map(|c| (c, i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, Level};
    use crate::rules::testing::{evtx, text};
    use crate::time::Timestamp;

    const MIN: i64 = 60_000_000;

    fn at(mut e: Event<'static>, minutes: i64) -> Event<'static> {
        e.time = Some(Timestamp(1_700_000_000_000_000 + minutes * MIN));
        e
    }

    fn failure(minutes: i64, code: &'static str) -> Event<'static> {
        at(
            evtx(
                "Microsoft-Windows-WindowsUpdateClient",
                20,
                Level::Error,
                &[("errorCode", code), ("updateTitle", "Update (KB5034765)")],
            ),
            minutes,
        )
    }

    fn run(mut events: Vec<Event<'static>>) -> Diagnosis {
        events.sort_by_key(|e| e.time);
        diagnose(&events, &[], &[], Options::default())
    }

    /// A restart pending near a failed install is evidence for it; near a failed download
    /// it is not (downloads go on while a restart is pending).
    #[test]
    fn a_pending_restart_covers_installs_not_downloads() {
        let sign =
            |m| at(text(Source::WindowsUpdate, Level::Info, "ComApi", "Reboot required = True"), m);
        let download = |m| {
            at(
                evtx(
                    "Microsoft-Windows-WindowsUpdateClient",
                    31,
                    Level::Error,
                    &[("errorCode", "0x80096004"), ("updateTitle", "Update (KB5034765)")],
                ),
                m,
            )
        };
        let d = run(vec![sign(-2), download(0)]);
        assert_eq!(d.incidents.len(), 1);
        assert_eq!(d.incidents[0].kind, IncidentKind::Download);
        assert!(d.causes.iter().all(|c| c.category != Category::PendingReboot), "{:?}", d.causes);
        let d = run(vec![sign(-2), failure(0, "0x80096004")]);
        let pending = d.causes.iter().find(|c| c.category == Category::PendingReboot);
        assert_eq!(pending.map(|c| c.incidents.clone()), Some(vec![1]));
    }

    #[test]
    fn one_weak_storage_signal_does_not_put_backup_first() {
        let d = run(vec![at(evtx("disk", 153, Level::Warning, &[]), -5), failure(0, "0x80070306")]);
        assert!(!d.storage_first);
        assert_eq!(d.causes[0].category, Category::Storage);
        assert_ne!(d.causes[0].confidence, Confidence::High);
        assert!(d.remedies.iter().all(|r| r.wait.is_none()));
    }

    #[test]
    fn corroborated_storage_reorders_remedies() {
        let d = run(vec![
            at(evtx("disk", 153, Level::Warning, &[]), -6),
            at(evtx("disk", 7, Level::Error, &[]), -5),
            at(
                text(
                    Source::Cbs,
                    Level::Error,
                    "CBS",
                    "Failed [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]",
                ),
                -1,
            ),
            at(
                text(
                    Source::Cbs,
                    Level::Error,
                    "CBS",
                    "Failed again [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]",
                ),
                -1,
            ),
            failure(0, "0x80073712"),
        ]);
        assert!(d.storage_first);
        assert_eq!(d.causes[0].category, Category::Storage);
        assert_eq!(d.remedies[0].id, RemedyId::BackUpDisk);
        let dism = d.remedies.iter().find(|r| r.id == RemedyId::RestoreHealth).unwrap();
        assert!(dism.wait.is_some());
    }

    #[test]
    fn smart_alone_is_enough_even_far_away() {
        let d = run(vec![
            at(evtx("disk", 52, Level::Warning, &[]), -7 * 24 * 60),
            failure(0, "0x80070306"),
        ]);
        assert!(d.storage_first);
        assert!(!d.causes[0].evidence[0].in_window);
    }

    #[test]
    fn evidence_outside_the_window_is_ignored_unless_standing() {
        let d = run(vec![at(evtx("disk", 7, Level::Error, &[]), -120), failure(0, "0x80070306")]);
        assert!(d.causes.iter().all(|c| c.category != Category::Storage));
        let wide = {
            let mut ev =
                vec![at(evtx("disk", 7, Level::Error, &[]), -120), failure(0, "0x80070306")];
            ev.sort_by_key(|e| e.time);
            diagnose(&ev, &[], &[], Options { window_us: 180 * MIN })
        };
        assert_eq!(wide.causes[0].category, Category::Storage);
    }

    #[test]
    fn closeness_and_repetition_raise_the_score() {
        let near =
            run(vec![at(evtx("disk", 153, Level::Warning, &[]), -1), failure(0, "0x80070306")]);
        let far =
            run(vec![at(evtx("disk", 153, Level::Warning, &[]), -25), failure(0, "0x80070306")]);
        assert!(near.causes[0].score > far.causes[0].score);
        let many = run((0..5)
            .map(|i| at(evtx("disk", 153, Level::Warning, &[]), -1 - i))
            .chain([failure(0, "0x80070306")])
            .collect());
        assert!(many.causes[0].score > near.causes[0].score);
        assert!(many.causes[0].score < near.causes[0].score * 1.61, "saturates");
    }

    #[test]
    fn ranking_is_a_total_order() {
        // Equal evidence for two causes: the fixed category order breaks the tie.
        let d = run(vec![
            at(
                text(Source::WindowsUpdate, Level::Info, "Agent", "*FAILED* [80072EE2] download"),
                -1,
            ),
            at(text(Source::WindowsUpdate, Level::Info, "Agent", "*FAILED* [80070020] open"), -1),
            failure(0, "0x80240022"),
        ]);
        let order: Vec<Category> = d.causes.iter().map(|c| c.category).collect();
        let again: Vec<Category> = run(vec![
            at(text(Source::WindowsUpdate, Level::Info, "Agent", "*FAILED* [80070020] open"), -1),
            at(
                text(Source::WindowsUpdate, Level::Info, "Agent", "*FAILED* [80072EE2] download"),
                -1,
            ),
            failure(0, "0x80240022"),
        ])
        .causes
        .iter()
        .map(|c| c.category)
        .collect();
        assert_eq!(order, again);
    }

    #[test]
    fn benign_noise_never_makes_an_incident() {
        let d = run(vec![
            at(
                text(
                    Source::WindowsUpdate,
                    Level::Info,
                    "ComApi",
                    "*FAILED* [80248007] ISusInternal:: GetUpdateMetadata3",
                ),
                0,
            ),
            at(
                text(
                    Source::Cbs,
                    Level::Info,
                    "CBS",
                    "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]",
                ),
                1,
            ),
            at(
                text(
                    Source::WindowsUpdate,
                    Level::Info,
                    "Agent",
                    "LogHistory called. idUpdate={X}.1, resultMapped=80248007, resultUnMapped=0",
                ),
                2,
            ),
        ]);
        assert!(d.incidents.is_empty());
    }

    #[test]
    fn notes_of_events_left_out_count_like_the_events() {
        // Two failed attempts at one update, 3 hours apart, while another update installed;
        // the install of the failing one had started.
        let fails: Vec<Event<'static>> =
            [0, 180].map(|m| Event { kb: Some(5_034_765), ..failure(m, "0x80070306") }).into();
        let installed = at(evtx("Microsoft-Windows-WindowsUpdateClient", 19, Level::Info, &[]), 90);
        let mut started =
            at(evtx("Microsoft-Windows-WindowsUpdateClient", 43, Level::Info, &[]), -10);
        started.kb = Some(5_034_765);
        let with_events = run([fails.clone(), vec![installed.clone(), started.clone()]].concat());
        let notes = [
            (started.time.unwrap(), Note::InstallStarted { kb: 5_034_765 }),
            (installed.time.unwrap(), Note::UpdateInstalled),
        ];
        let with_notes = diagnose(&fails, &notes, &[], Options::default());
        let without = diagnose(&fails, &[], &[], Options::default());
        let repeated = |d: &Diagnosis| {
            d.causes.iter().flat_map(|c| &c.evidence).any(|e| e.rule.id == "PKG005")
        };
        assert!(repeated(&with_events) && repeated(&with_notes) && !repeated(&without));
        // The install stage was reached: said against a network cause, from either.
        let incidents = &with_notes.incidents;
        let said = |events: &[Event<'_>], notes: &[(Timestamp, Note)]| {
            against(Category::Network, &[], events, notes, incidents, &[])
        };
        assert_eq!(said(&[started.clone()], &[]).len(), 1);
        assert_eq!(said(&[], &notes), said(&[started], &[]));
        assert!(said(&[], &[]).is_empty());
        let other_kb = [(Timestamp(0), Note::InstallStarted { kb: 1 })];
        assert!(said(&[], &other_kb).is_empty());
    }

    fn corrupt_store() -> Vec<Event<'static>> {
        vec![
            at(
                text(
                    Source::Cbs,
                    Level::Error,
                    "CBS",
                    "Failed to process single phase execution. [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]",
                ),
                -1,
            ),
            at(
                text(
                    Source::Cbs,
                    Level::Info,
                    "CSI",
                    "(F) STATUS_SXS_COMPONENT_STORE_CORRUPT #62038# from CCSDirectTransaction::OperateEnding at index 0 of 1 operations, disposition 0[gle=0xd015001a]",
                ),
                -1,
            ),
            failure(0, "0x80073712"),
        ]
    }

    fn disk_errors(dev: &'static str, n: &'static str) -> Vec<Event<'static>> {
        vec![
            at(
                evtx(
                    "disk",
                    153,
                    Level::Warning,
                    &[("data1", dev), ("data2", "0x3a1c000"), ("data3", n)],
                ),
                -6,
            ),
            at(
                evtx(
                    "disk",
                    153,
                    Level::Warning,
                    &[("data1", dev), ("data2", "0x3a1c010"), ("data3", n)],
                ),
                -4,
            ),
            at(evtx("disk", 7, Level::Error, &[("data1", dev)]), -3),
        ]
    }

    #[test]
    fn errors_on_a_usb_disk_do_not_put_backup_before_the_store_repair() {
        let mut events = corrupt_store();
        events.extend(disk_errors("\\Device\\Harddisk1\\DR1", "1"));
        events.push(at(
            evtx(
                "Microsoft-Windows-Kernel-PnP",
                410,
                Level::Info,
                &[(
                    "DeviceInstanceId",
                    "USBSTOR\\Disk&Ven_SanDisk&Prod_Cruzer_Blade&Rev_1.00\\4C53",
                )],
            ),
            -30,
        ));
        events.push(at(
            evtx(
                "disk",
                157,
                Level::Warning,
                &[("data1", "\\Device\\Harddisk1\\DR1"), ("data2", "1")],
            ),
            20,
        ));
        let d = run(events.clone());
        assert!(!d.storage_first);
        assert_eq!(d.causes[0].category, Category::Corruption);
        assert!(d.causes.iter().all(|c| c.category != Category::Storage), "{:?}", d.causes);
        assert!(d.remedies.iter().all(|r| r.wait.is_none()));
        assert!(d.remedies.iter().any(|r| r.id == RemedyId::RestoreHealth));
        assert!(d.remedies.iter().all(|r| r.id != RemedyId::BackUpDisk));
        let disk = d.disks.disk(1).unwrap();
        assert_eq!(disk.role, disks::Role::Removable);
        assert!(disk.usb);
        assert_eq!(disk.model.as_deref(), Some("SanDisk Cruzer Blade"));
        assert_eq!(d.disks.elsewhere.len(), 4, "three errors and the removal");
        // Without the removal and the arrival, nothing says disk 1 is not Windows' disk.
        let unknown: Vec<Event<'static>> =
            events.into_iter().filter(|e| !matches!(e.event_id, Some(157 | 410))).collect();
        let d = run(unknown);
        assert!(d.storage_first);
        assert_eq!(d.disks.disk(1).unwrap().role, disks::Role::Unknown);
    }

    #[test]
    fn errors_on_the_system_disk_put_backup_first() {
        let mut events = corrupt_store();
        events.extend(disk_errors("\\Device\\Harddisk0\\DR0", "0"));
        // Servicing itself failed to read at the same time.
        events.push(at(
            text(
                Source::Cbs,
                Level::Error,
                "CSI",
                "(F) onecore\\base\\wcp\\componentstore\\storelayout.cpp(1942): Error STATUS_DEVICE_DATA_ERROR originated in function Windows::COM::CComponentStore::InternalReadFile expression: (null)[gle=0x80070017]",
            ),
            -3,
        ));
        let d = run(events);
        assert!(d.storage_first);
        assert_eq!(d.causes[0].category, Category::Storage);
        assert_eq!(d.remedies[0].id, RemedyId::BackUpDisk);
        let disk = d.disks.disk(0).unwrap();
        assert_eq!(disk.role, disks::Role::System);
        assert!(d.disks.elsewhere.is_empty());
    }

    #[test]
    fn partition_events_and_volumes_say_which_disk_is_which() {
        let arrived = |n: &'static str, critical: &'static str, bus: &'static str| {
            at(
                evtx(
                    "Microsoft-Windows-Partition",
                    1006,
                    Level::Info,
                    &[
                        ("DiskNumber", n),
                        ("IsSystemCritical", critical),
                        ("BusType", bus),
                        ("Manufacturer", "Kingston"),
                        ("Model", "DataTraveler"),
                    ],
                ),
                -60,
            )
        };
        let mut events = corrupt_store();
        events.extend(disk_errors("\\Device\\Harddisk2\\DR2", "2"));
        events.push(arrived("2", "false", "7"));
        events.push(arrived("0", "true", "17"));
        // NTFS damage on D: and a healthy C: naming its volume.
        events.push(at(
            evtx(
                "Microsoft-Windows-Ntfs",
                98,
                Level::Info,
                &[
                    ("DriveName", "C:"),
                    ("DeviceName", "\\Device\\HarddiskVolume3"),
                    ("CorruptionActionState", "0"),
                ],
            ),
            -50,
        ));
        events.push(at(
            evtx(
                "Microsoft-Windows-Ntfs",
                55,
                Level::Error,
                &[("DriveName", "D:"), ("DeviceName", "\\Device\\HarddiskVolume6")],
            ),
            -2,
        ));
        let d = run(events);
        assert!(!d.storage_first);
        assert_eq!(d.disks.system_volume, Some(3));
        assert_eq!(d.disks.disk(0).unwrap().role, disks::Role::System);
        let usb = d.disks.disk(2).unwrap();
        assert_eq!((usb.role, usb.usb), (disks::Role::Removable, true));
        assert!(usb.describe().contains("USB"), "{}", usb.describe());
        assert_eq!(d.disks.elsewhere.len(), 4, "three disk errors and the NTFS damage on D:");
        assert_eq!(d.causes[0].category, Category::Corruption);
    }
}
