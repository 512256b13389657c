//! Incidents: update failures found in any source, grouped into attempts (one failure seen
//! by several logs) and attempts grouped into incidents (the same update failing again).

use crate::code::Code;
use crate::event::{Event, Source};
use crate::knowledge;
use crate::parse::evtx::{Family, family};
use crate::rules;
use crate::time::Timestamp;
use serde::Serialize;

/// What failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentKind {
    /// An update failed to install.
    Install,
    /// An update failed to download.
    Download,
    /// Servicing rolled a package back.
    Rollback,
    /// A DISM command failed.
    Dism,
    /// A feature update (Windows Setup upgrade) failed or rolled back.
    FeatureUpdate,
}

impl IncidentKind {
    /// Words for reports.
    pub fn describe(self) -> &'static str {
        match self {
            IncidentKind::Install => "install failed",
            IncidentKind::Download => "download failed",
            IncidentKind::Rollback => "rolled back",
            IncidentKind::Dism => "DISM command failed",
            IncidentKind::FeatureUpdate => "feature update failed",
        }
    }
}

/// An event that records a failure, and how authoritative it is (lower is better).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seed {
    pub(crate) event: usize,
    pub(crate) kind: IncidentKind,
    pub(crate) code: Option<Code>,
    rank: u8,
}

fn failed_count(message: &str, call: &str) -> Option<u32> {
    if !message.contains(call) {
        return None;
    }
    let at = message.find("failed = ")?;
    let digits: String = message[at + 9..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn first_real_code(e: &Event<'_>) -> Option<Code> {
    e.codes.iter().copied().find(|c| !knowledge::is_benign_here(*c, &e.message))
}

/// Whether `e` records an update failure (REFERENCE.md §3.6, §5, §6).
pub(crate) fn seed(e: &Event<'_>, event: usize) -> Option<Seed> {
    let mk = |kind, code, rank| Some(Seed { event, kind, code, rank });
    match e.source {
        Source::Evtx | Source::EventExport => {
            let id = e.event_id?;
            match (family(&e.component), id) {
                (Family::WindowsUpdateClient, 20) => {
                    mk(IncidentKind::Install, first_real_code(e), 0)
                }
                (Family::WindowsUpdateClient, 31) => {
                    mk(IncidentKind::Download, first_real_code(e), 0)
                }
                (Family::Servicing, 3 | 6) => {
                    let code = first_real_code(e)?;
                    mk(IncidentKind::Install, Some(code), 1)
                }
                _ => None,
            }
        }
        Source::Cbs => {
            let m = &e.message;
            if m.starts_with("WER: Generating failure report for package") {
                return first_real_code(e).and_then(|c| mk(IncidentKind::Install, Some(c), 2));
            }
            if m.starts_with("Session:") && m.contains("finalized") {
                return first_real_code(e).and_then(|c| mk(IncidentKind::Install, Some(c), 3));
            }
            if rules::pkg003::is_rollback(e) {
                return mk(IncidentKind::Rollback, first_real_code(e), 3);
            }
            None
        }
        Source::Dism => {
            let m = &e.message;
            let failed = crate::event::has_text(m, "processed the command line but failed")
                || (m.contains("Failed while processing command") && !e.codes.is_empty());
            if failed {
                first_real_code(e).and_then(|c| mk(IncidentKind::Dism, Some(c), 2))
            } else {
                None
            }
        }
        // Feature updates become incidents in `upgrade`, from whole setup logs; other traces
        // (WaaSMedic) report on repairs, not on installs.
        Source::Setup | Source::SetupApi | Source::Compat | Source::SetupDiag | Source::Etl => None,
        Source::WindowsUpdate => {
            let m = &e.message;
            if m.contains("LogHistory called") && m.contains("resultMapped=") {
                return first_real_code(e).and_then(|c| mk(IncidentKind::Install, Some(c), 2));
            }
            if failed_count(m, "Install call complete").is_some_and(|n| n > 0) {
                return mk(IncidentKind::Install, None, 4);
            }
            if failed_count(m, "Download call complete").is_some_and(|n| n > 0) {
                return mk(IncidentKind::Download, None, 4);
            }
            if m.starts_with("FATAL:") && matches!(e.component.as_ref(), "Handler" | "Agent" | "AU")
            {
                return first_real_code(e).and_then(|c| mk(IncidentKind::Install, Some(c), 3));
            }
            None
        }
    }
}

/// One failed attempt, as seen by every log that recorded it.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// Earliest failure record.
    #[serde(serialize_with = "ser_time")]
    pub first: Timestamp,
    /// Latest failure record.
    #[serde(serialize_with = "ser_time")]
    pub last: Timestamp,
    /// The failure records (timeline indices).
    #[serde(skip)]
    pub events: Vec<usize>,
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's serialize_with signature")]
fn ser_time<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

/// One update failure, possibly repeated.
#[derive(Debug, Clone)]
pub struct Incident {
    /// 1-based, in order of first failure.
    pub id: u32,
    /// What failed.
    pub kind: IncidentKind,
    /// Update title, when a log gives one.
    pub title: Option<String>,
    /// KB number.
    pub kb: Option<u32>,
    /// Package identity from CBS.
    pub package: Option<String>,
    /// The code the failure was reported with (from the most authoritative record).
    pub code: Option<Code>,
    /// Every distinct failure code reported for it.
    pub codes: Vec<Code>,
    /// The attempts, oldest first.
    pub attempts: Vec<Attempt>,
    /// The earlier, specific failure a catch-all code wraps (timeline index).
    pub wrapped: Option<usize>,
    /// The most authoritative failure record (timeline index).
    pub headline_event: usize,
}

impl Incident {
    /// How many times it failed.
    pub fn count(&self) -> usize {
        self.attempts.len()
    }

    /// First failure time.
    pub fn first(&self) -> Timestamp {
        self.attempts.first().map_or(Timestamp(0), |a| a.first)
    }

    /// Last failure time.
    pub fn last(&self) -> Timestamp {
        self.attempts.last().map_or(Timestamp(0), |a| a.last)
    }

    /// Whether its code is in the invalid-handle family (0x80070306, 0x80070006, 0xC0000008).
    pub fn invalid_handle_family(&self) -> bool {
        self.code.is_some_and(Code::is_invalid_handle_family)
    }

    /// A short name for the update: KB, title or package.
    pub fn update_name(&self) -> String {
        if let Some(kb) = self.kb {
            return format!("KB{kb}");
        }
        if let Some(t) = &self.title {
            return t.clone();
        }
        if let Some(p) = &self.package {
            return p.clone();
        }
        match self.kind {
            IncidentKind::Dism => "DISM".to_string(),
            IncidentKind::FeatureUpdate => "Windows".to_string(),
            _ => "an update".to_string(),
        }
    }
}

/// WindowsUpdate.log's "call complete … failed = 1" carries no code; the `*FAILED*` line
/// just before it, in the same log, does.
fn code_just_before(events: &[Event<'_>], i: usize) -> Option<Code> {
    let e = &events[i];
    events[..i]
        .iter()
        .rev()
        .take_while(|p| e.time.0 - p.time.0 <= 60_000_000)
        .filter(|p| p.at.artifact == e.at.artifact)
        .find_map(first_real_code)
}

/// Seeds closer than this belong to the same attempt.
const ATTEMPT_GAP_US: i64 = 15 * 60 * 1_000_000;

struct Draft {
    seeds: Vec<Seed>,
    kb: Option<u32>,
    dism: bool,
    first: Timestamp,
    last: Timestamp,
}

/// Finds the incidents in a sorted timeline, given the failures that seed them ([`seed`] of
/// each event, in event order). `window_us` bounds the search for the specific failure
/// behind a catch-all code.
pub(crate) fn from_seeds(
    events: &[Event<'_>],
    mut seeds: Vec<Seed>,
    window_us: i64,
) -> Vec<Incident> {
    for s in &mut seeds {
        if s.code.is_none() {
            s.code = code_just_before(events, s.event);
        }
    }
    // Attempts: seeds close in time, for the same update.
    let mut drafts: Vec<Draft> = Vec::new();
    for s in seeds {
        let e = &events[s.event];
        let dism = s.kind == IncidentKind::Dism;
        let joined = drafts.iter_mut().rev().take(4).find(|d| {
            e.time.0 - d.last.0 <= ATTEMPT_GAP_US
                && d.dism == dism
                && !(d.kb.is_some() && e.kb.is_some() && d.kb != e.kb)
        });
        match joined {
            Some(d) => {
                d.last = d.last.max(e.time);
                d.kb = d.kb.or(e.kb);
                d.seeds.push(s);
            }
            None => {
                drafts.push(Draft { seeds: vec![s], kb: e.kb, dism, first: e.time, last: e.time });
            }
        }
    }
    // Incidents: attempts for the same update.
    let mut incidents: Vec<Incident> = Vec::new();
    for d in drafts {
        let head = *d.seeds.iter().min_by_key(|s| (s.rank, s.event)).unwrap_or(&d.seeds[0]);
        let kind = head.kind;
        let title =
            d.seeds.iter().find_map(|s| events[s.event].field("updateTitle").map(str::to_string));
        let package = d.seeds.iter().find_map(|s| {
            events[s.event].package.as_deref().filter(|p| p.contains('~')).map(str::to_string)
        });
        let code = head.code.or_else(|| d.seeds.iter().find_map(|s| s.code));
        let mut codes: Vec<Code> = Vec::new();
        for c in d.seeds.iter().filter_map(|s| s.code) {
            if !codes.iter().any(|x| x.as_hresult() == c.as_hresult()) {
                codes.push(c);
            }
        }
        let key = |i: &Incident| -> bool {
            if i.kind == IncidentKind::Dism || kind == IncidentKind::Dism {
                return i.kind == kind
                    && i.code.map(Code::as_hresult) == code.map(Code::as_hresult);
            }
            let same_code = i.code.map(Code::as_hresult) == code.map(Code::as_hresult);
            // An attempt that names no update joins one of the same kind and code.
            if d.kb.is_none() && title.is_none() && package.is_none() {
                return i.kind == kind && same_code;
            }
            match (i.kb, d.kb) {
                (Some(a), Some(b)) => a == b,
                (None, None) => match (&i.title, &title) {
                    (Some(a), Some(b)) => a == b,
                    (None, None) => {
                        i.package == package
                            && i.code.map(Code::as_hresult) == code.map(Code::as_hresult)
                    }
                    _ => false,
                },
                _ => false,
            }
        };
        let attempt = Attempt {
            first: d.first,
            last: d.last,
            events: d.seeds.iter().map(|s| s.event).collect(),
        };
        if let Some(existing) = incidents.iter_mut().find(|i| key(i)) {
            existing.attempts.push(attempt);
            for c in codes {
                if !existing.codes.iter().any(|x| x.as_hresult() == c.as_hresult()) {
                    existing.codes.push(c);
                }
            }
            existing.title = existing.title.take().or(title);
            existing.package = existing.package.take().or(package);
            continue;
        }
        incidents.push(Incident {
            id: 0,
            kind,
            title,
            kb: d.kb,
            package,
            code,
            codes,
            attempts: vec![attempt],
            wrapped: None,
            headline_event: head.event,
        });
    }
    for (n, inc) in incidents.iter_mut().enumerate() {
        inc.id = n as u32 + 1;
        if inc.code.is_none_or(knowledge::is_catch_all) {
            inc.wrapped = wrapped_failure(events, inc, window_us);
        }
    }
    incidents
}

/// The first specific failure in CBS or DISM shortly before an attempt: an `Error` line or
/// CSI `(F)` record with a code that is neither a catch-all nor routine noise.
fn wrapped_failure(events: &[Event<'_>], inc: &Incident, window_us: i64) -> Option<usize> {
    for a in &inc.attempts {
        // The timeline is sorted: only the window itself is read.
        let from = events.partition_point(|e| e.time.0 < a.first.0 - window_us);
        let found = events
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|e| e.time <= a.last)
            .position(|e| {
                matches!(e.source, Source::Cbs | Source::Dism)
                    && rules::is_hard_failure(e)
                    && e.codes.iter().any(|c| {
                        !knowledge::is_catch_all(*c) && !knowledge::is_benign_here(*c, &e.message)
                    })
            });
        if let Some(i) = found {
            return Some(from + i);
        }
    }
    None
}
