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
    /// Checking for updates (a scan) failed.
    Scan,
}

impl IncidentKind {
    /// Words for reports.
    pub fn describe(self) -> &'static str {
        match self {
            IncidentKind::Install => "install failed",
            IncidentKind::Download => "download failed",
            IncidentKind::Rollback => "rolled back",
            IncidentKind::Dism => "DISM command failed",
            IncidentKind::Scan => "checking for updates failed",
        }
    }

    /// Failures of this kind are grouped apart from update installs and downloads: a DISM
    /// command or a scan is its own operation, not an attempt at some update.
    fn lane(self) -> u8 {
        match self {
            IncidentKind::Install | IncidentKind::Download | IncidentKind::Rollback => 0,
            IncidentKind::Dism => 1,
            IncidentKind::Scan => 2,
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

/// Codes that end a servicing operation without a failure to diagnose: a success that needs
/// a restart (`ERROR_SUCCESS_REBOOT_REQUIRED`, `…_RESTART_REQUIRED`) and a cancellation by
/// the user (`CBS_E_CANCEL`).
fn is_not_a_failure(c: Code) -> bool {
    matches!(c.as_hresult(), 0x8007_0BC2 | 0x8007_0BC3 | 0x800F_0820)
}

/// The first code of `e` that records a failure: not routine noise there, not a success.
fn failure_code(e: &Event<'_>) -> Option<Code> {
    e.codes
        .iter()
        .copied()
        .find(|&c| !is_not_a_failure(c) && !knowledge::is_benign_here(c, &e.message))
}

/// The code written after `key` (`Exit code = 0x8024402F`), when it records a failure.
fn code_after(e: &Event<'_>, key: &str) -> Option<Code> {
    let at = e.message.find(key)? + key.len();
    let rest = e
        .message
        .get(at..)?
        .strip_prefix("0x")
        .or_else(|| e.message.get(at..)?.strip_prefix("0X"))?;
    let hex = rest.get(..8)?;
    let code = Code::classify(u32::from_str_radix(hex, 16).ok()?);
    (code.is_failure() && !is_not_a_failure(code) && !knowledge::is_benign_here(code, &e.message))
        .then_some(code)
}

/// What a line of free text (the last-resort reader) says failed, from its words.
fn text_kind(m: &str) -> IncidentKind {
    let lower = m.to_ascii_lowercase();
    if lower.contains("dism") {
        IncidentKind::Dism
    } else if ["scan", "search", "check for updates", "checking for updates", "detect"]
        .iter()
        .any(|w| lower.contains(w))
    {
        IncidentKind::Scan
    } else if lower.contains("download") {
        IncidentKind::Download
    } else {
        IncidentKind::Install
    }
}

/// Whether `e` records an update failure (REFERENCE.md §3.6, §5, §6). Besides the summary
/// lines (a WER report, a session finalized with a failing code, a failed DISM command,
/// WindowsUpdateClient 20/31), the other lines that say as plainly that something failed,
/// since a ticket's fragment often holds only those.
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
                // Operational 25: Windows Update failed to check for updates.
                (Family::WindowsUpdateClient, 25) => mk(IncidentKind::Scan, first_real_code(e), 0),
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
            // The other failure records carry the failing code.
            let code = failure_code(e)?;
            if m.contains("Processing complete") && !m.starts_with("TI:") {
                // A repair or scan of the store (DISM /RestoreHealth, SFC) runs as a session
                // of its own.
                let repair = m.contains("session(Corruption");
                let kind = if repair { IncidentKind::Dism } else { IncidentKind::Install };
                return mk(kind, Some(code), 3);
            }
            let install = m.starts_with("Failed to process single phase execution")
                || m.starts_with("Failed to pin deployment")
                || (m.starts_with("(F) Installer:") && m.contains("ErrorCode"));
            if install {
                return mk(IncidentKind::Install, Some(code), 3);
            }
            let payload = m.starts_with("Failed to pre- stage package")
                || m.starts_with("Failed to gather all missing files");
            payload.then_some(())?;
            mk(IncidentKind::Install, Some(code), 4)
        }
        Source::Dism => {
            let m = &e.message;
            let failed = crate::event::has_text(m, "processed the command line but failed")
                || (m.contains("Failed while processing command") && !e.codes.is_empty());
            if failed {
                return first_real_code(e).and_then(|c| mk(IncidentKind::Dism, Some(c), 2));
            }
            // A DISM session that could not start.
            let code = failure_code(e)?;
            let no_session = (m.contains("Failed to create")
                && (m.contains("ession") || m.contains("dismhost")))
                || m.contains("Failed to load the image session")
                || m.contains("CreateImageSession failed");
            no_session.then_some(())?;
            mk(IncidentKind::Dism, Some(code), 2)
        }
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
            if e.codes.is_empty() {
                return None;
            }
            if m.starts_with("FATAL") {
                return first_real_code(e).and_then(|c| mk(IncidentKind::Install, Some(c), 3));
            }
            if m.contains("Skipping scan") || m.contains("self-update check returned") {
                return failure_code(e).and_then(|c| mk(IncidentKind::Scan, Some(c), 2));
            }
            // A call that ended with a failing code: a search (scan), a download or an
            // install, by what the line says.
            if let Some(c) =
                code_after(e, "Exit code = ").or_else(|| code_after(e, "Result code = "))
            {
                let kind = if m.contains("Finding updates")
                    || m.contains("Result code")
                    || m.contains("Search")
                {
                    IncidentKind::Scan
                } else if m.contains("Download") {
                    IncidentKind::Download
                } else {
                    IncidentKind::Install
                };
                return mk(kind, Some(c), if kind == IncidentKind::Scan { 2 } else { 3 });
            }
            if e.component == "ComApi" && m.starts_with("*FAILED*") {
                let c = failure_code(e)?;
                let kind = if m.contains("Search") {
                    IncidentKind::Scan
                } else if m.contains("UpdateInstaller") {
                    IncidentKind::Install
                } else if m.contains("Download") {
                    IncidentKind::Download
                } else {
                    return None;
                };
                return mk(kind, Some(c), 4);
            }
            None
        }
        // A line of free text with a failure word and a failing code: weakest of all.
        Source::Text => {
            let code = failure_code(e)?;
            let m = &e.message;
            let lower = m.to_ascii_lowercase();
            let failed = ["fail", "error", "fatal", "could not", "cannot", "unable"]
                .iter()
                .any(|w| lower.contains(w));
            failed.then_some(())?;
            mk(text_kind(m), Some(code), 5)
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
    /// The attempts, oldest first (failure records with a time).
    pub attempts: Vec<Attempt>,
    /// Failure records that carry no time (a redacted or cut-off paste), timeline indices:
    /// they name this failure but cannot be placed in an attempt.
    pub untimed: Vec<usize>,
    /// The earlier, specific failure a catch-all code wraps (timeline index).
    pub wrapped: Option<usize>,
    /// The most authoritative failure record (timeline index).
    pub headline_event: usize,
}

impl Incident {
    /// How many times it failed (records without a time count as one attempt when there is
    /// no other).
    pub fn count(&self) -> usize {
        self.attempts.len().max(usize::from(!self.untimed.is_empty()))
    }

    /// First failure time (`None` when no failure record has a time).
    pub fn first(&self) -> Option<Timestamp> {
        self.attempts.first().map(|a| a.first)
    }

    /// Last failure time (`None` when no failure record has a time).
    pub fn last(&self) -> Option<Timestamp> {
        self.attempts.last().map(|a| a.last)
    }

    /// Every failure record: those of the attempts, then those without a time.
    pub fn records(&self) -> impl Iterator<Item = usize> + '_ {
        self.attempts
            .iter()
            .flat_map(|a| a.events.iter().copied())
            .chain(self.untimed.iter().copied())
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
            IncidentKind::Scan => "Windows Update scan".to_string(),
            _ => "an update".to_string(),
        }
    }
}

/// The KB of the update a failure record is about. CBS names a feature-on-demand or other
/// OS package with a placeholder identifier (`Package: Microsoft-Windows-…-Package~…,
/// Identifier: KB777778`, the same for every such package): that number does not name the
/// update, the package does.
fn update_kb(e: &Event<'_>) -> Option<u32> {
    let kb = e.kb?;
    let placeholder = e
        .package
        .as_deref()
        .is_some_and(|p| !p.starts_with("Package_") && !p.contains(&format!("KB{kb}")))
        && e.message.contains(&format!("Identifier: KB{kb}"));
    (!placeholder).then_some(kb)
}

/// WindowsUpdate.log's "call complete … failed = 1" carries no code; the `*FAILED*` line
/// just before it, in the same log, does.
fn code_just_before(events: &[Event<'_>], i: usize) -> Option<Code> {
    let e = &events[i];
    let before = events[..i].iter().rev();
    match e.time {
        Some(t) => before
            .take_while(|p| p.time.is_some_and(|pt| t.0 - pt.0 <= 60_000_000))
            .filter(|p| p.at.artifact == e.at.artifact)
            .find_map(first_real_code),
        // Without times, the lines just before it in the same file (events without a time
        // come first on the timeline, in file order).
        None => before
            .take_while(|p| p.time.is_none() && p.at.artifact == e.at.artifact)
            .take(UNTIMED_LOOKBACK)
            .find_map(first_real_code),
    }
}

/// How many events without a time, before a failure record in the same file, are read for
/// its code or for the specific failure a catch-all wraps.
const UNTIMED_LOOKBACK: usize = 64;

/// Seeds closer than this belong to the same attempt.
const ATTEMPT_GAP_US: i64 = 15 * 60 * 1_000_000;

struct Draft {
    seeds: Vec<Seed>,
    kb: Option<u32>,
    lane: u8,
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
    // Records without a time cannot be placed in an attempt: they join an incident below.
    let (timed, untimed): (Vec<(Seed, Timestamp)>, Vec<Seed>) = {
        let mut timed = Vec::with_capacity(seeds.len());
        let mut untimed = Vec::new();
        for s in seeds {
            match events[s.event].time {
                Some(t) => timed.push((s, t)),
                None => untimed.push(s),
            }
        }
        (timed, untimed)
    };
    // Attempts: seeds close in time, for the same update.
    let mut drafts: Vec<Draft> = Vec::new();
    for (s, t) in timed {
        let e = &events[s.event];
        let lane = s.kind.lane();
        let joined = drafts.iter_mut().rev().take(4).find(|d| {
            t.0 - d.last.0 <= ATTEMPT_GAP_US
                && d.lane == lane
                && !(d.kb.is_some() && update_kb(e).is_some() && d.kb != update_kb(e))
        });
        match joined {
            Some(d) => {
                d.last = d.last.max(t);
                d.kb = d.kb.or(update_kb(e));
                d.seeds.push(s);
            }
            None => {
                drafts.push(Draft { seeds: vec![s], kb: update_kb(e), lane, first: t, last: t });
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
            same_failure(i, kind, d.kb, title.as_deref(), package.as_deref(), code)
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
            untimed: Vec::new(),
            wrapped: None,
            headline_event: head.event,
        });
    }
    join_untimed(events, &mut incidents, untimed);
    for (n, inc) in incidents.iter_mut().enumerate() {
        inc.id = n as u32 + 1;
        if inc.code.is_none_or(knowledge::is_catch_all) {
            inc.wrapped = wrapped_failure(events, inc, window_us)
                .or_else(|| wrapped_untimed(events, &inc.untimed));
        }
    }
    incidents
}

/// Whether an attempt of `kind` at the update named by `kb`, `title` or `package` (or, when
/// it names none, failing with `code`) is another failure of incident `i`.
fn same_failure(
    i: &Incident,
    kind: IncidentKind,
    kb: Option<u32>,
    title: Option<&str>,
    package: Option<&str>,
    code: Option<Code>,
) -> bool {
    let same_code = i.code.map(Code::as_hresult) == code.map(Code::as_hresult);
    if i.kind.lane() != 0 || kind.lane() != 0 {
        return i.kind == kind && same_code;
    }
    // An attempt that names no update joins one of the same kind and code.
    if kb.is_none() && title.is_none() && package.is_none() {
        return i.kind == kind && same_code;
    }
    match (i.kb, kb) {
        (Some(a), Some(b)) => a == b,
        (None, None) => match (i.title.as_deref(), title) {
            (Some(a), Some(b)) => a == b,
            (None, None) => i.package.as_deref() == package && same_code,
            _ => false,
        },
        _ => false,
    }
}

/// Failure records without a time join the incident of the same update (or operation and
/// code) as one more record of it, without counting an attempt; the others make incidents
/// of their own, one per update or operation, with no attempt.
fn join_untimed(events: &[Event<'_>], incidents: &mut Vec<Incident>, untimed: Vec<Seed>) {
    for s in untimed {
        let e = &events[s.event];
        let title = e.field("updateTitle");
        let package = e.package.as_deref().filter(|p| p.contains('~'));
        if let Some(i) =
            incidents.iter_mut().find(|i| same_failure(i, s.kind, e.kb, title, package, s.code))
        {
            if let Some(c) = s.code
                && !i.codes.iter().any(|x| x.as_hresult() == c.as_hresult())
            {
                i.codes.push(c);
            }
            // Among records without a time, the most authoritative names the failure.
            if i.attempts.is_empty()
                && seed_rank(events, i.headline_event).is_none_or(|r| s.rank < r)
            {
                i.headline_event = s.event;
                i.kind = s.kind;
                i.code = s.code.or(i.code);
            }
            i.untimed.push(s.event);
            continue;
        }
        incidents.push(Incident {
            id: 0,
            kind: s.kind,
            title: title.map(str::to_string),
            kb: update_kb(e),
            package: package.map(str::to_string),
            code: s.code,
            codes: s.code.into_iter().collect(),
            attempts: Vec::new(),
            untimed: vec![s.event],
            wrapped: None,
            headline_event: s.event,
        });
    }
}

/// The rank of the seed at `event`, if it is one.
fn seed_rank(events: &[Event<'_>], event: usize) -> Option<u8> {
    events.get(event).and_then(|e| seed(e, event)).map(|s| s.rank)
}

/// For failure records without a time: the first specific failure before one of them in
/// the same file, as [`wrapped_failure`] finds one within the window of a timed attempt.
fn wrapped_untimed(events: &[Event<'_>], untimed: &[usize]) -> Option<usize> {
    untimed.iter().find_map(|&r| {
        let e = events.get(r)?;
        let start = events[..r]
            .iter()
            .rev()
            .take_while(|p| p.time.is_none() && p.at.artifact == e.at.artifact)
            .take(UNTIMED_LOOKBACK)
            .count();
        (r - start..r).find(|&i| is_specific_failure(&events[i]))
    })
}

/// A CBS or DISM hard failure with a code that is neither a catch-all nor routine noise.
fn is_specific_failure(e: &Event<'_>) -> bool {
    matches!(e.source, Source::Cbs | Source::Dism)
        && rules::is_hard_failure(e)
        && e.codes
            .iter()
            .any(|c| !knowledge::is_catch_all(*c) && !knowledge::is_benign_here(*c, &e.message))
}

/// The first specific failure in CBS or DISM shortly before an attempt: an `Error` line or
/// CSI `(F)` record with a code that is neither a catch-all nor routine noise.
fn wrapped_failure(events: &[Event<'_>], inc: &Incident, window_us: i64) -> Option<usize> {
    for a in &inc.attempts {
        // The timeline is sorted (events without a time first): only the window is read.
        let start = Timestamp(a.first.0 - window_us);
        let from = events.partition_point(|e| e.time.is_none_or(|t| t < start));
        let found = events
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|e| e.time.is_some_and(|t| t <= a.last))
            .position(is_specific_failure);
        if let Some(i) = found {
            return Some(from + i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::{evtx, text};

    fn kind_of(e: &Event<'_>) -> Option<(IncidentKind, Option<String>)> {
        seed(e, 0).map(|s| (s.kind, s.code.map(|c| format!("0x{:08X}", c.as_hresult()))))
    }

    /// Every line that says plainly that something failed seeds an incident of its kind.
    #[test]
    fn failure_records_seed() {
        use IncidentKind::{Dism, Install, Rollback, Scan};
        let cbs = |m: &'static str| text(Source::Cbs, Level::Info, "CBS", m);
        let wu = |c: &'static str, m: &'static str| text(Source::WindowsUpdate, Level::Info, c, m);
        let cases: Vec<(Event<'static>, IncidentKind, &str)> = vec![
            (
                cbs(
                    "Exec: Processing complete.  Session: 1_2, Package: Package_for_KB5034441~31bf3856ad364e35~amd64~~1.0, Identifier: KB5034441 [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]",
                ),
                Install,
                "0x800F0922",
            ),
            (
                cbs(
                    "Exec: Processing complete, session(Corruption Repairing): 3_1 [HRESULT = 0x800f081f - CBS_E_SOURCE_MISSING]",
                ),
                Dism,
                "0x800F081F",
            ),
            (
                cbs(
                    "Startup: Processing complete. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]",
                ),
                Install,
                "0x800F0922",
            ),
            (
                text(
                    Source::Cbs,
                    Level::Error,
                    "CBS",
                    "Failed to process single phase execution. [HRESULT = 0x8024402c - Unknown Error]",
                ),
                Install,
                "0x8024402C",
            ),
            (
                text(
                    Source::Cbs,
                    Level::Error,
                    "CBS",
                    "Startup: Failed to process advanced operation queue, startupPhase: 0.  A rollback transaction will be created. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]",
                ),
                Rollback,
                "0x800F0922",
            ),
            (
                cbs(
                    "Failed to pin deployment while resolving Update: X~31bf3856ad364e35~amd64~~1.0 from file: (null) [HRESULT = 0x80073701 - ERROR_SXS_ASSEMBLY_MISSING]",
                ),
                Install,
                "0x80073701",
            ),
            (
                text(
                    Source::Cbs,
                    Level::Error,
                    "CSI",
                    "(F) Installer: Container Installer\tBinary Name: containerai.dll\tErrorCode: 800706d9\tPhase: 39",
                ),
                Install,
                "0x800706D9",
            ),
            (
                text(
                    Source::Dism,
                    Level::Error,
                    "DISM",
                    "DismHostLib: PID=1 TID=2 Failed to create dismhost.exe servicing process. - DismCreateObjectInHostFromCLSID(hr:0x80070005)",
                ),
                Dism,
                "0x80070005",
            ),
            (
                text(
                    Source::Dism,
                    Level::Error,
                    "DISM",
                    "DISM Manager: PID=1 TID=2 Failed to create Dism Image Session in host. - CDISMManager::LoadRemoteImageSession(hr:0x80070005)",
                ),
                Dism,
                "0x80070005",
            ),
            (
                wu(
                    "Agent",
                    "* END * Finding updates CallerId = MoUpdateOrchestrator, Id = 5, Exit code = 0x8024402F (cV = x)",
                ),
                Scan,
                "0x8024402F",
            ),
            (
                wu("ComApi", "Exit code = 0x00000000, Result code = 0x8024402C (cV = x)"),
                Scan,
                "0x8024402C",
            ),
            (
                wu("Agent", "Skipping scan, self-update check returned 0x80072EE2"),
                Scan,
                "0x80072EE2",
            ),
            (wu("Handler", "Exit code = 0x8024200B"), Install, "0x8024200B"),
            (
                wu("Misc", "FATAL: Failed to initialize datastore, error = 0x80248003"),
                Install,
                "0x80248003",
            ),
            (
                wu(
                    "ComApi",
                    "*FAILED* [80070005] wuapicore.dll, C:\\src\\Client\\comapi\\UpdateInstaller.cpp @572",
                ),
                Install,
                "0x80070005",
            ),
            (
                wu(
                    "ComApi",
                    "*FAILED* [8024402C] wuapicore.dll, C:\\src\\Client\\comapi\\UpdateSearcher.cpp @523",
                ),
                Scan,
                "0x8024402C",
            ),
            (
                text(
                    Source::Text,
                    Level::Error,
                    "",
                    "[0] 85F4::<date><time> : [ 6]: Fail to launch installer. Error code: 0x80070005",
                ),
                Install,
                "0x80070005",
            ),
            (
                evtx(
                    "Microsoft-Windows-WindowsUpdateClient",
                    25,
                    Level::Error,
                    &[("errorCode", "0x8024402c")],
                ),
                Scan,
                "0x8024402C",
            ),
        ];
        for (e, kind, code) in cases {
            assert_eq!(kind_of(&e), Some((kind, Some(code.to_string()))), "{}", e.message);
        }
    }

    /// Successes, cancellations, routine noise and lines without a failing code do not.
    #[test]
    fn other_lines_do_not_seed() {
        let cbs = |m: &'static str| text(Source::Cbs, Level::Info, "CBS", m);
        let wu = |c: &'static str, m: &'static str| text(Source::WindowsUpdate, Level::Info, c, m);
        for e in [
            cbs(
                "Exec: Processing complete.  Session: 1_2, Package: P~31bf3856ad364e35~amd64~~1.0 [HRESULT = 0x00000000 - S_OK]",
            ),
            cbs(
                "Startup: Processing complete. [HRESULT = 0x80070bc2 - ERROR_SUCCESS_REBOOT_REQUIRED]",
            ),
            cbs(
                "Exec: Processing complete, session(Corruption Repairing): 3_1 [HRESULT = 0x800f0820 - CBS_E_CANCEL]",
            ),
            cbs("TI: Startup Processing completes, release startup processing lock."),
            cbs(
                "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]",
            ),
            wu(
                "Agent",
                "* END * Finding updates CallerId = X, Id = 52, Exit code = 0x8024000B (cV = y)",
            ),
            wu("Service", "* END * Service exit Exit code = 0x240001"),
            wu(
                "ComApi",
                "ClientId = MoUpdateOrchestrator: Exit code = 0x00000000; Call error code = 0x80240022",
            ),
            wu("ComApi", "*FAILED* [80248007] ISusInternal:: GetUpdateMetadata3"),
            wu("ComApi", "*FAILED* [800704C6] CheckNetworkCostForCostPolicy"),
            text(Source::Text, Level::Info, "", "See KB5034441 for 0x800f0922 details"),
        ] {
            assert_eq!(kind_of(&e), None, "{}", e.message);
        }
    }

    fn at(mut e: Event<'static>, line: u32, minutes: Option<i64>) -> Event<'static> {
        e.at.pos = crate::event::Pos::Line(line);
        e.time = minutes.map(|m| Timestamp(1_700_000_000_000_000 + m * 60_000_000));
        e
    }

    /// Records without a time join the incident of their update without counting an attempt,
    /// or make one incident per update of their own; a placeholder identifier is no KB.
    #[test]
    fn untimed_records_join_or_make_incidents() {
        let wer = |kb: &'static str| {
            let mut e = text(Source::Cbs, Level::Info, "CBS", kb);
            e.kb = crate::parse::ident::find_kb(kb);
            e
        };
        let timed = at(
            wer(
                "WER: Generating failure report for package: Package_for_KB5034441~31bf3856ad364e35~amd64~~1.0, status: 0x800f0922",
            ),
            10,
            Some(0),
        );
        let untimed_same = at(
            wer(
                "Failed to process single phase execution. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED] KB5034441",
            ),
            3,
            None,
        );
        let untimed_other = at(
            wer(
                "WER: Generating failure report for package: Package_for_KB5031356~31bf3856ad364e35~amd64~~1.0, status: 0x80073712",
            ),
            4,
            None,
        );
        let events = vec![untimed_same, untimed_other, timed];
        let seeds: Vec<Seed> = events.iter().enumerate().filter_map(|(i, e)| seed(e, i)).collect();
        let inc = from_seeds(&events, seeds, 30 * 60_000_000);
        assert_eq!(inc.len(), 2);
        assert_eq!(
            (inc[0].kb, inc[0].count(), inc[0].untimed.clone()),
            (Some(5_034_441), 1, vec![0])
        );
        assert!(inc[0].first().is_some());
        assert_eq!((inc[1].kb, inc[1].count(), inc[1].first()), (Some(5_031_356), 1, None));
        // `Identifier: KB777778` names every feature-on-demand package alike.
        let mut fod = text(
            Source::Cbs,
            Level::Info,
            "CBS",
            "Exec: Processing complete.  Session: 1_2, Package: Microsoft-Windows-X-Package~31bf3856ad364e35~amd64~~10.0.1, Identifier: KB777778 [HRESULT = 0x8024402c]",
        );
        fod.kb = Some(777_778);
        fod.package = Some(std::borrow::Cow::Borrowed(
            "Microsoft-Windows-X-Package~31bf3856ad364e35~amd64~~10.0.1",
        ));
        assert_eq!(update_kb(&fod), None);
        fod.package = None;
        assert_eq!(update_kb(&fod), Some(777_778));
    }
}
