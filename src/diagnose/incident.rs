//! Incidents: update failures found in any source, grouped into attempts (one failure seen
//! by several logs) and attempts grouped into incidents (the same update failing again).

use crate::code::Code;
use crate::event::{Event, Source};
use crate::knowledge;
use crate::parse::evtx::{Family, family};
use crate::rules;
use crate::time::Timestamp;
use memchr::memmem;
use serde::Serialize;
use std::sync::LazyLock;

/// What failed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
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
            IncidentKind::FeatureUpdate => "feature update failed",
            IncidentKind::Scan => "checking for updates failed",
        }
    }
}

/// Seeds of this rank and above support an attempt rather than mark one: a log writes
/// several of them for one failure (CSI errors, `Processing complete`, a scan's result
/// line), so another one of their class later in the same attempt is no new attempt.
const SUPPORTING: u8 = 5;
/// The rank of a failure line in text of no known format.
const WEAKEST: u8 = 9;

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

/// What both keys of [`code_after`] that [`seed`] asks for end with: one scan by a searcher
/// built once rules out most lines before two.
static CODE_IS: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("code = "));

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
            // A repair of the store (DISM /RestoreHealth) ends its session the same way; its
            // DISM command's own record, when present, makes the attempt a DISM one.
            if m.contains("Processing complete") && !m.starts_with("TI:") {
                return mk(IncidentKind::Install, Some(code), SUPPORTING);
            }
            let install = m.starts_with("Failed to process single phase execution")
                || m.starts_with("Failed to pin deployment")
                || (m.starts_with("(F) Installer:") && m.contains("ErrorCode"));
            if install {
                return mk(IncidentKind::Install, Some(code), SUPPORTING + 1);
            }
            let payload = m.starts_with("Failed to pre- stage package")
                || m.starts_with("Failed to gather all missing files");
            payload.then_some(())?;
            mk(IncidentKind::Install, Some(code), SUPPORTING + 2)
        }
        Source::Dism => {
            // Both kinds of record below carry their code.
            if e.codes.is_empty() {
                return None;
            }
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
            mk(IncidentKind::Dism, Some(code), SUPPORTING)
        }
        Source::CmTrace => super::configmgr::cmtrace_seed(e).and_then(|(k, c, r)| mk(k, c, r)),
        Source::ReportingEvents => {
            super::configmgr::reporting_seed(e).and_then(|(k, c, r)| mk(k, c, r))
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
            if e.codes.is_empty() {
                return None;
            }
            if m.starts_with("FATAL") {
                // The handler's, agent's and AU's FATAL end an install; other components'
                // say as plainly that something failed, with less authority.
                let rank = if matches!(e.component.as_ref(), "Handler" | "Agent" | "AU") {
                    3
                } else {
                    SUPPORTING + 1
                };
                return first_real_code(e).and_then(|c| mk(IncidentKind::Install, Some(c), rank));
            }
            if m.contains("Skipping scan") || m.contains("self-update check returned") {
                return failure_code(e).and_then(|c| mk(IncidentKind::Scan, Some(c), SUPPORTING));
            }
            // A call that ended with a failing code: a search (scan), a download or an
            // install, by what the line says.
            let ended = CODE_IS.find(m.as_bytes()).is_some();
            if ended
                && let Some(c) =
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
                let rank = if kind == IncidentKind::Scan { SUPPORTING } else { SUPPORTING + 1 };
                return mk(kind, Some(c), rank);
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
                return mk(kind, Some(c), SUPPORTING + 2);
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
            mk(text_kind(m), Some(code), WEAKEST)
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
    /// The code of its most authoritative record that carries one.
    pub code: Option<Code>,
    /// The failure records (timeline indices), in timeline order.
    #[serde(skip)]
    pub events: Vec<usize>,
    /// Its most authoritative record (timeline index).
    #[serde(skip)]
    pub head: usize,
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
    /// Windows Update's id of the update (a GUID, upper case, without braces).
    pub update_id: Option<String>,
    /// The code of the latest attempt that has one: the state the machine was left in.
    pub code: Option<Code>,
    /// Every distinct failure code reported for it, in order of first appearance.
    pub codes: Vec<Code>,
    /// The attempts, oldest first (failure records with a time).
    pub attempts: Vec<Attempt>,
    /// Failure records that carry no time (a redacted or cut-off paste), timeline indices:
    /// they name this failure but cannot be placed in an attempt.
    pub untimed: Vec<usize>,
    /// The earlier, specific failure a catch-all code wraps (timeline index).
    pub wrapped: Option<usize>,
    /// The most authoritative record of the latest attempt (timeline index).
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
        self.attempts.iter().map(|a| a.last).max()
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

    /// A short name for the update: KB, title, package or Windows Update id.
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
        if let Some(id) = &self.update_id {
            return format!("update {id}");
        }
        match self.kind {
            IncidentKind::Dism => "DISM".to_string(),
            IncidentKind::FeatureUpdate => "Windows".to_string(),
            IncidentKind::Scan => "Windows Update scan".to_string(),
            _ => "an update".to_string(),
        }
    }

    /// The codes of its attempts in order, a run of equal codes as one `(code, times)`.
    pub fn code_runs(&self) -> Vec<(Option<Code>, usize)> {
        let mut runs: Vec<(Option<Code>, usize)> = Vec::new();
        for a in &self.attempts {
            let c = a.code.map(Code::as_hresult);
            match runs.last_mut() {
                Some((last, n)) if last.map(Code::as_hresult) == c => *n += 1,
                _ => runs.push((a.code, 1)),
            }
        }
        runs
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

/// How many events without a time, before a failure record in the same file, are read for
/// its code or for the specific failure a catch-all wraps.
const UNTIMED_LOOKBACK: usize = 64;

const SEC: i64 = 1_000_000;
const MIN: i64 = 60 * SEC;

/// Records of one attempt lie at most this far apart when they are in the same log or name
/// the same update: CBS reports the failure, rolls back (which can take minutes), ends its
/// session, and Windows Update then logs its history line and event 20.
const JOIN_GAP_US: i64 = 10 * MIN;
/// Records in different logs that do not name the same update join only this close:
/// Windows Update writes its log line and event 20 within milliseconds of each other.
const NEAR_US: i64 = 2 * MIN;
/// Event 20/31 and Servicing 3/6 are the event log's verdict on an attempt; the other logs
/// write theirs within seconds of it. A later record belongs to another attempt.
const VERDICT_TAIL_US: i64 = 2 * MIN;
/// The same kind of record from the same log this close is one record written twice
/// (Windows Update writes each "call complete" line twice, DISM its failure twice).
const DUPLICATE_US: i64 = 5 * SEC;
/// How many of the latest attempts a record may join: bounded, so grouping stays linear.
const OPEN_ATTEMPTS: usize = 32;
/// How far back in the same log a Windows Update "call complete" line looks for its code.
const CONTEXT_US: i64 = 60 * SEC;
/// How many events that look-back reads at most: a flood of lines in one second must not
/// make it quadratic.
const CONTEXT_EVENTS: usize = 2048;

/// What names the update a record is about.
#[derive(Debug, Clone, Default)]
struct Names {
    kb: Option<u32>,
    title: Option<String>,
    /// The update id WindowsUpdate.log gives (`idUpdate=`, a failed download).
    update_id: Option<String>,
    /// The update id an event gives (`updateGuid`). Kept apart from `update_id`: two ids
    /// from the same kind of log that differ are two updates, but an event log and a text
    /// log are not always from the same catalog.
    event_id: Option<String>,
    package: Option<String>,
}

impl Names {
    fn of(e: &Event<'_>) -> Names {
        Names {
            kb: update_kb(e),
            title: e.field("updateTitle").map(str::trim).filter(|t| !t.is_empty()).map(Into::into),
            update_id: e.message.find("idUpdate=").and_then(|i| guid(&e.message[i + 9..])),
            event_id: e.field("updateGuid").and_then(guid),
            package: e.package.as_deref().filter(|p| p.contains('~')).map(str::to_string),
        }
    }

    fn is_empty(&self) -> bool {
        self.kb.is_none()
            && self.title.is_none()
            && self.update_id.is_none()
            && self.event_id.is_none()
            && self.package.is_none()
    }

    /// Whether both name an update and the names say they are different updates. A KB
    /// named by both decides alone: titles are reworded and ids differ between catalogs.
    fn conflicts(&self, o: &Names) -> bool {
        fn differ<T: PartialEq>(a: Option<&T>, b: Option<&T>) -> bool {
            matches!((a, b), (Some(a), Some(b)) if a != b)
        }
        if let (Some(a), Some(b)) = (self.kb, o.kb) {
            return a != b;
        }
        differ(self.update_id.as_ref(), o.update_id.as_ref())
            || differ(self.event_id.as_ref(), o.event_id.as_ref())
            || differ(self.title.as_ref(), o.title.as_ref())
            || differ(self.package.as_ref(), o.package.as_ref())
    }

    /// Whether they share a name.
    fn shares(&self, o: &Names) -> bool {
        fn same<T: PartialEq>(a: Option<&T>, b: Option<&T>) -> bool {
            matches!((a, b), (Some(a), Some(b)) if a == b)
        }
        let ids = [self.update_id.as_ref(), self.event_id.as_ref()];
        let other = [o.update_id.as_ref(), o.event_id.as_ref()];
        same(self.kb.as_ref(), o.kb.as_ref())
            || ids.iter().any(|a| other.iter().any(|b| same(*a, *b)))
            || same(self.title.as_ref(), o.title.as_ref())
            || same(self.package.as_ref(), o.package.as_ref())
    }

    fn absorb(&mut self, o: &Names) {
        self.kb = self.kb.or(o.kb);
        if self.title.is_none() {
            self.title.clone_from(&o.title);
        }
        if self.update_id.is_none() {
            self.update_id.clone_from(&o.update_id);
        }
        if self.event_id.is_none() {
            self.event_id.clone_from(&o.event_id);
        }
        if self.package.is_none() {
            self.package.clone_from(&o.package);
        }
    }

    /// Keys an incident is found by, most telling first.
    fn keys(&self) -> impl Iterator<Item = NameKey> + '_ {
        [
            self.kb.map(NameKey::Kb),
            self.update_id.clone().map(NameKey::Id),
            self.event_id.clone().map(NameKey::Id),
            self.title.clone().map(NameKey::Title),
            self.package.clone().map(NameKey::Package),
        ]
        .into_iter()
        .flatten()
    }
}

/// A Windows Update id (`{4E95DCBD-E67C-46AF-985B-F29D655C3480}` or without braces) at the
/// start of `s`, upper case without braces.
fn guid(s: &str) -> Option<String> {
    let s = s.trim_start().trim_start_matches('{');
    let g = s.get(..36)?;
    let ok = g.bytes().enumerate().all(|(i, b)| {
        if matches!(i, 8 | 13 | 18 | 23) { b == b'-' } else { b.is_ascii_hexdigit() }
    });
    ok.then(|| g.to_ascii_uppercase())
}

/// How an incident is looked up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum NameKey {
    Kb(u32),
    Id(String),
    Title(String),
    Package(String),
    /// An attempt that names no update: found by its code.
    Unnamed(Option<u32>),
}

/// Kinds whose records describe one attempt: a rollback is part of an install.
fn family_of(kind: IncidentKind) -> IncidentKind {
    match kind {
        IncidentKind::Rollback => IncidentKind::Install,
        k => k,
    }
}

/// Which kind of record a seed is: two of one class from the same log are two attempts,
/// unless they are one record written twice.
type Class = (u32, u8, IncidentKind);

fn class(events: &[Event<'_>], s: &Seed) -> Class {
    (events[s.event].at.artifact, s.rank, s.kind)
}

/// Where a record comes from, as far as grouping cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// CBS.log.
    Cbs,
    /// A WindowsUpdate.log history line (`LogHistory called`).
    History,
    /// Anything else.
    Other,
}

/// An attempt being put together.
struct Draft {
    seeds: Vec<Seed>,
    names: Names,
    family: IncidentKind,
    /// Every record came from CBS: a DISM command's session may join it.
    only_cbs: bool,
    /// Every record is a Windows Update history line, which is written for failed
    /// downloads and installs alike: a download's records may join it.
    only_history: bool,
    first: Timestamp,
    last: Timestamp,
    /// The latest event-log verdict on it (event 20/31, Servicing 3/6).
    verdict: Option<Timestamp>,
    /// The time of the first record of each class.
    classes: Vec<(Class, Timestamp)>,
    /// Its most authoritative record that has a code: rank, event and code.
    coded: Option<(u8, usize, Code)>,
}

impl Draft {
    fn new(family: IncidentKind, t: Timestamp) -> Draft {
        Draft {
            seeds: Vec::new(),
            names: Names::default(),
            family,
            only_cbs: true,
            only_history: true,
            first: t,
            last: t,
            verdict: None,
            classes: Vec::new(),
            coded: None,
        }
    }

    fn code(&self) -> Option<Code> {
        self.coded.map(|(_, _, c)| c)
    }

    /// Whether the seed `s` (with `names`, at `t`, of `origin`) may be a record of this
    /// attempt.
    fn admits(&self, s: &Seed, names: &Names, origin: Origin, class: Class, t: Timestamp) -> bool {
        let same_log = self.classes.iter().any(|(c, _)| c.0 == class.0);
        let reach = if same_log || names.shares(&self.names) { JOIN_GAP_US } else { NEAR_US };
        if t.0 - self.last.0 > reach || names.conflicts(&self.names) {
            return false;
        }
        let family = family_of(s.kind);
        let same_code = || {
            s.code.is_some() && s.code.map(Code::as_hresult) == self.code().map(Code::as_hresult)
        };
        // A DISM command's own CBS session records the same failure with the same code.
        let kind_fits = family == self.family
            || (family == IncidentKind::Dism && self.only_cbs && same_code())
            || (self.family == IncidentKind::Dism && origin == Origin::Cbs && same_code())
            // A history line is written the moment a download fails.
            || (t.0 - self.last.0 <= DUPLICATE_US
                && ((family == IncidentKind::Download && self.only_history)
                    || (self.family == IncidentKind::Download && origin == Origin::History)));
        if !kind_fits {
            return false;
        }
        if self.verdict.is_some_and(|v| t.0 - v.0 > VERDICT_TAIL_US) {
            return false;
        }
        // A record of a class this attempt already has is another attempt, unless it is
        // the same record written twice (within a few seconds of the first of its class, so
        // that a fast retry loop does not chain into one attempt).
        self.classes
            .iter()
            .all(|&(c, at)| c != class || class.1 >= SUPPORTING || t.0 - at.0 <= DUPLICATE_US)
    }

    fn add(&mut self, s: Seed, names: &Names, origin: Origin, class: Class, t: Timestamp) {
        self.names.absorb(names);
        self.only_cbs &= origin == Origin::Cbs;
        self.only_history &= origin == Origin::History;
        if matches!(family_of(s.kind), IncidentKind::Dism | IncidentKind::Download) {
            self.family = family_of(s.kind);
        }
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        if s.rank <= 1 {
            self.verdict = Some(self.verdict.map_or(t, |v| v.max(t)));
        }
        if !self.classes.iter().any(|(c, _)| *c == class) {
            self.classes.push((class, t));
        }
        if let Some(code) = s.code
            && self.coded.is_none_or(|(rank, event, _)| (s.rank, s.event) < (rank, event))
        {
            self.coded = Some((s.rank, s.event, code));
        }
        self.seeds.push(s);
    }
}

/// Windows Update's "call complete … failed = 1" carries no code and names no update; the
/// `*FAILED*` line just before it in the same log does (the nearest with a code), and a
/// failed download or history line names the update.
fn context_before(events: &[Event<'_>], i: usize) -> (Option<Code>, Option<String>) {
    let e = &events[i];
    let (mut code, mut id) = (None, None);
    for p in events[..i]
        .iter()
        .rev()
        .take(CONTEXT_EVENTS)
        .take_while(|p| match (e.time, p.time) {
            (Some(t), Some(pt)) => t.0 - pt.0 <= CONTEXT_US,
            // Without times, the lines just before it in the same file (events without a
            // time come first on the timeline, in file order).
            (None, None) => p.at.artifact == e.at.artifact,
            _ => false,
        })
        .take(if e.time.is_some() { CONTEXT_EVENTS } else { UNTIMED_LOOKBACK })
        .filter(|p| p.at.artifact == e.at.artifact)
    {
        if code.is_none() {
            code = first_real_code(p);
        }
        if id.is_none() && (p.message.contains("*FAILED*") || p.message.contains("LogHistory")) {
            id = update_id_in(&p.message);
        }
        if code.is_some() && id.is_some() {
            break;
        }
    }
    (code, id)
}

/// How soon after a "call complete" line the agent reports the call's error.
const CALLBACK_US: i64 = 5 * SEC;

/// The error the agent reports for a call just after its "call complete" line (`WU client
/// calls back to download call {…} with code Call complete and error 0x8007000e`), for when
/// no line before it carries the code: an excerpt that starts at the end of the call. Else
/// the call's own summary (`Call error code = 0x80240022`), which is all such an excerpt
/// may hold.
fn callback_after(events: &[Event<'_>], i: usize) -> Option<Code> {
    let e = &events[i];
    let mut summary = None;
    for p in events
        .get(i + 1..)?
        .iter()
        .take(CONTEXT_EVENTS)
        .filter(|p| p.at.artifact == e.at.artifact)
        .take_while(|p| match (e.time, p.time) {
            (Some(t), Some(pt)) => pt.0 - t.0 <= CALLBACK_US,
            (None, None) => true,
            _ => false,
        })
        .take(UNTIMED_LOOKBACK)
    {
        if p.message.contains("calls back to") && p.message.contains(" call") {
            if let Some(c) = failure_code(p) {
                return Some(c);
            }
        } else if summary.is_none() {
            summary = code_after(p, "Call error code = ");
        }
    }
    summary
}

/// Windows Update's `Exit code = …, Result code = …` line names no operation: taken for a
/// scan's, unless a download or install call completed just before it in the same log.
fn call_before(events: &[Event<'_>], s: &Seed) -> Option<IncidentKind> {
    let e = &events[s.event];
    if s.kind != IncidentKind::Scan
        || e.source != Source::WindowsUpdate
        || !e.message.starts_with("Exit code = ")
    {
        return None;
    }
    events[..s.event]
        .iter()
        .rev()
        .take(64)
        .filter(|p| p.at.artifact == e.at.artifact)
        .take(4)
        .find_map(|p| {
            if p.message.contains("Download call complete") {
                Some(IncidentKind::Download)
            } else if p.message.contains("Install call complete") {
                Some(IncidentKind::Install)
            } else {
                None
            }
        })
}

/// The update a failed-download or history line names.
fn update_id_in(m: &str) -> Option<String> {
    ["idUpdate=", "downloading update ", "updateId = "]
        .iter()
        .find_map(|k| m.find(k).and_then(|i| guid(&m[i + k.len()..])))
}

/// Finds the incidents in a sorted timeline, given the failures that seed them ([`seed`] of
/// each event, in event order). `window_us` bounds the search for the specific failure
/// behind a catch-all code.
///
/// Attempts are counted by their own records: each event 20, WER report, CBS session end,
/// history line or failed DISM command is one attempt, joined by the records other logs
/// wrote of the same failure (close in time, compatible update names, a class of record the
/// attempt does not have yet). Attempts of the same update make one incident; an attempt
/// that names no update joins only others that name none, with the same kind and code.
pub(crate) fn from_seeds(
    events: &[Event<'_>],
    mut seeds: Vec<Seed>,
    window_us: i64,
) -> Vec<Incident> {
    for s in &mut seeds {
        if let Some(kind) = call_before(events, s) {
            s.kind = kind;
            s.rank = SUPPORTING + 1;
        }
    }
    let mut extra: Vec<Option<String>> = vec![None; seeds.len()];
    for (s, id) in seeds.iter_mut().zip(&mut extra) {
        if s.code.is_none() && events[s.event].source == Source::WindowsUpdate {
            let (code, update) = context_before(events, s.event);
            s.code = code.or_else(|| callback_after(events, s.event));
            *id = update;
        } else if s.code.is_none() {
            s.code = context_before(events, s.event).0;
        }
    }
    let mut drafts: Vec<Draft> = Vec::new();
    // Records without a time cannot be placed in an attempt: they join an incident below.
    let mut untimed: Vec<(Seed, Option<String>)> = Vec::new();
    for (s, id) in seeds.into_iter().zip(extra) {
        let e = &events[s.event];
        let Some(t) = e.time else {
            untimed.push((s, id));
            continue;
        };
        let mut names = Names::of(e);
        if names.update_id.is_none() {
            names.update_id = id;
        }
        let origin = if e.source == Source::Cbs {
            Origin::Cbs
        } else if e.source == Source::WindowsUpdate && e.message.contains("LogHistory called") {
            Origin::History
        } else {
            Origin::Other
        };
        let class = class(events, &s);
        let from = drafts.len().saturating_sub(OPEN_ATTEMPTS);
        let candidates = drafts[from..].iter().enumerate().rev();
        // The closest attempt that admits the record; one that names the same update wins
        // over a closer one only within seconds of it.
        let mut fits: Vec<(i64, bool, usize)> = candidates
            .filter(|(_, d)| d.admits(&s, &names, origin, class, t))
            .map(|(k, d)| (t.0 - d.last.0, names.shares(&d.names), from + k))
            .collect();
        fits.sort_by_key(|&(gap, _, k)| (gap, std::cmp::Reverse(k)));
        let best = fits.first().map(|&(gap, _, k)| {
            fits.iter()
                .find(|&&(g, shares, _)| shares && g - gap <= DUPLICATE_US)
                .map_or(k, |&(_, _, k)| k)
        });
        if let Some(k) = best {
            drafts[k].add(s, &names, origin, class, t);
        } else {
            let mut d = Draft::new(family_of(s.kind), t);
            d.add(s, &names, origin, class, t);
            drafts.push(d);
        }
    }
    let mut incidents = adopt_unnamed(group(drafts));
    name_downloads(&mut incidents);
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

/// Failure records without a time join the incident of the same update (or, when they
/// name none, of the same kind and code) as one more record of it, without counting an
/// attempt; the others make incidents of their own, one per update or operation, with no
/// attempt.
fn join_untimed(
    events: &[Event<'_>],
    incidents: &mut Vec<Incident>,
    untimed: Vec<(Seed, Option<String>)>,
) {
    for (s, id) in untimed {
        let e = &events[s.event];
        let mut names = Names::of(e);
        if names.update_id.is_none() {
            names.update_id = id;
        }
        let family = family_of(s.kind);
        let fits = |i: &Incident| {
            if family_of(i.kind) != family {
                return false;
            }
            let theirs = Names {
                kb: i.kb,
                title: i.title.clone(),
                update_id: i.update_id.clone(),
                event_id: None,
                package: i.package.clone(),
            };
            if names.is_empty() || theirs.is_empty() {
                let code = s.code.map(Code::as_hresult);
                names.is_empty() == theirs.is_empty() && i.code.map(Code::as_hresult) == code
            } else {
                names.shares(&theirs) && !names.conflicts(&theirs)
            }
        };
        if let Some(i) = incidents.iter_mut().find(|i| fits(i)) {
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
            i.kb = i.kb.or(names.kb);
            if i.title.is_none() {
                i.title = names.title.take();
            }
            if i.package.is_none() {
                i.package = names.package.take();
            }
            if i.update_id.is_none() {
                i.update_id = names.update_id.take().or(names.event_id.take());
            }
            i.untimed.push(s.event);
            continue;
        }
        incidents.push(Incident {
            id: 0,
            kind: s.kind,
            title: names.title,
            kb: names.kb,
            package: names.package,
            update_id: names.update_id.or(names.event_id),
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

/// Attempts of the same update, kind and (for attempts that name none) code become one
/// incident, in order of first failure.
fn group(drafts: Vec<Draft>) -> Vec<Incident> {
    let mut incidents: Vec<Incident> = Vec::new();
    let mut names: Vec<Names> = Vec::new();
    let mut index: std::collections::BTreeMap<(IncidentKind, NameKey), usize> =
        std::collections::BTreeMap::new();
    for mut d in drafts {
        d.seeds.sort_by_key(|s| s.event);
        let head = *d.seeds.iter().min_by_key(|s| (s.rank, s.event)).unwrap_or(&d.seeds[0]);
        let kind = if family_of(head.kind) == d.family { head.kind } else { d.family };
        let code = d.code();
        let attempt = Attempt {
            first: d.first,
            last: d.last,
            code,
            events: d.seeds.iter().map(|s| s.event).collect(),
            head: head.event,
        };
        let family = family_of(kind);
        let keys: Vec<NameKey> = if d.names.is_empty() {
            vec![NameKey::Unnamed(code.map(Code::as_hresult))]
        } else {
            d.names.keys().collect()
        };
        // The first incident a key finds whose names do not say it is another update (two
        // updates can share an id or a title, never a KB).
        let found = keys
            .iter()
            .filter_map(|k| index.get(&(family, k.clone())).copied())
            .find(|&at| !names[at].conflicts(&d.names));
        let at = if let Some(at) = found {
            incidents[at].attempts.push(attempt);
            names[at].absorb(&d.names);
            at
        } else {
            incidents.push(Incident {
                id: 0,
                kind,
                title: None,
                kb: None,
                package: None,
                update_id: None,
                code: None,
                codes: Vec::new(),
                attempts: vec![attempt],
                untimed: Vec::new(),
                wrapped: None,
                headline_event: head.event,
            });
            names.push(d.names.clone());
            incidents.len() - 1
        };
        for k in keys {
            index.entry((family, k)).or_insert(at);
        }
        let inc = &mut incidents[at];
        for c in d.seeds.iter().filter_map(|s| s.code) {
            if !inc.codes.iter().any(|x| x.as_hresult() == c.as_hresult()) {
                inc.codes.push(c);
            }
        }
        if code.is_some() {
            inc.code = code;
        }
        inc.headline_event = head.event;
    }
    for (inc, n) in incidents.iter_mut().zip(names) {
        inc.kb = n.kb;
        inc.title = n.title;
        inc.package = n.package;
        inc.update_id = n.update_id.or(n.event_id);
        // Attempts can interleave with another incident's, never with their own: sorted.
        inc.attempts.sort_by_key(|a| (a.first, a.head));
    }
    incidents
}

/// An incident whose attempts name no update joins the one named incident of its kind that
/// failed with its code, when there is exactly one: Windows Update's "call complete" lines
/// name no update, the event of the same failure does. With two candidates it stays apart.
fn adopt_unnamed(incidents: Vec<Incident>) -> Vec<Incident> {
    let named = |i: &Incident| {
        i.kb.is_some() || i.title.is_some() || i.package.is_some() || i.update_id.is_some()
    };
    let mut into: Vec<Option<usize>> = vec![None; incidents.len()];
    for (u, inc) in incidents.iter().enumerate().filter(|(_, i)| !named(i)) {
        let Some(code) = inc.code.map(Code::as_hresult) else { continue };
        let mut fits = incidents.iter().enumerate().filter(|(_, i)| {
            named(i)
                && family_of(i.kind) == family_of(inc.kind)
                && i.codes.iter().any(|c| c.as_hresult() == code)
        });
        if let (Some((n, _)), None) = (fits.next(), fits.next()) {
            into[u] = Some(n);
        }
    }
    let mut out: Vec<Option<Incident>> = incidents.into_iter().map(Some).collect();
    for u in 0..out.len() {
        let Some(n) = into[u] else { continue };
        let Some(adopted) = out[u].take() else { continue };
        if let Some(inc) = out[n].as_mut() {
            inc.attempts.extend(adopted.attempts);
            inc.attempts.sort_by_key(|a| (a.first, a.head));
            if let Some(latest) = inc.attempts.iter().rev().find(|a| a.code.is_some()) {
                inc.code = latest.code;
            }
            inc.headline_event = inc.attempts.last().map_or(inc.headline_event, |a| a.head);
            for c in adopted.codes {
                if !inc.codes.iter().any(|x| x.as_hresult() == c.as_hresult()) {
                    inc.codes.push(c);
                }
            }
        }
    }
    let mut out: Vec<Incident> = out.into_iter().flatten().collect();
    // In order of first failure again (stable: ties keep their order).
    out.sort_by_key(Incident::first);
    out
}

/// A download that failed names the update only by its id; the install of the same update
/// gives its title and KB.
fn name_downloads(incidents: &mut [Incident]) {
    let named: Vec<(String, Option<String>, Option<u32>)> = incidents
        .iter()
        .filter(|i| i.title.is_some() || i.kb.is_some())
        .filter_map(|i| Some((i.update_id.clone()?, i.title.clone(), i.kb)))
        .collect();
    for inc in incidents.iter_mut().filter(|i| i.title.is_none() && i.kb.is_none()) {
        if let Some((_, title, kb)) =
            named.iter().find(|(id, _, _)| inc.update_id.as_deref() == Some(id.as_str()))
        {
            inc.title.clone_from(title);
            inc.kb = *kb;
        }
    }
}

/// The first specific failure in CBS or DISM shortly before an attempt: an `Error` line or
/// CSI `(F)` record with a code that is neither a catch-all nor routine noise.
fn wrapped_failure(events: &[Event<'_>], inc: &Incident, window_us: i64) -> Option<usize> {
    // The attempts are in time order and the timeline is sorted: each event is read once,
    // however many attempts' windows overlap.
    let mut read_to = 0;
    for a in &inc.attempts {
        // Events without a time come first on the timeline: they are never in a window.
        let start = a.first.0 - window_us;
        let from = events.partition_point(|e| e.time.is_none_or(|t| t.0 < start)).max(read_to);
        let to = from
            + events
                .get(from..)
                .unwrap_or_default()
                .partition_point(|e| e.time.is_some_and(|t| t <= a.last));
        read_to = to;
        let found = events.get(from..to).unwrap_or_default().iter().position(is_specific_failure);
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
                // A repair session's attempt becomes a DISM one when its command's record
                // joins it (main's grouping); the CBS line alone says only that it failed.
                Install,
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

    use std::borrow::Cow;

    const T0: i64 = 1_700_000_000_000_000;

    fn on(mut e: Event<'static>, us: i64, artifact: u32) -> Event<'static> {
        e.time = Some(Timestamp(T0 + us));
        e.at.artifact = artifact;
        e
    }

    /// Event 20 for `title` with `code`, in the System log (artifact 0).
    fn event20(us: i64, title: &'static str, code: &'static str) -> Event<'static> {
        let mut e = evtx(
            "Microsoft-Windows-WindowsUpdateClient",
            20,
            Level::Error,
            &[("errorCode", code), ("updateTitle", title)],
        );
        e.kb = crate::parse::ident::find_kb(title);
        on(e, us, 0)
    }

    /// A WindowsUpdate.log line (artifact 1).
    fn wu(us: i64, message: &'static str) -> Event<'static> {
        on(text(Source::WindowsUpdate, Level::Info, "Agent", message), us, 1)
    }

    /// A CBS.log line (artifact 2).
    fn cbs(us: i64, message: &'static str) -> Event<'static> {
        let mut e = text(Source::Cbs, Level::Info, "CBS", message);
        e.kb = crate::parse::ident::find_kb(message);
        e.package = crate::parse::ident::find_package(message).map(Cow::Borrowed);
        on(e, us, 2)
    }

    fn incidents(mut events: Vec<Event<'static>>) -> Vec<Incident> {
        events.sort_by_key(|e| (e.time, e.at));
        let seeds: Vec<Seed> = events.iter().enumerate().filter_map(|(i, e)| seed(e, i)).collect();
        from_seeds(&events, seeds, 30 * MIN)
    }

    /// A "call complete" line with no code before it takes the error the agent reports for
    /// the call just after it; a later one, or another log's, is not taken.
    #[test]
    fn a_call_takes_the_error_the_agent_reports_after_it() {
        const CALLBACK: &str = "WU client calls back to download call {BAA0DA32-3373-4447-8C47-9D355697D7A6} with code Call complete and error 0x8007000e";
        let code = |events| {
            let got = incidents(events);
            assert_eq!(got.len(), 1);
            got[0].code.map(Code::as_hresult)
        };
        assert_eq!(code(vec![wu(0, DOWNLOAD_DONE), wu(SEC, CALLBACK)]), Some(0x8007_000E));
        assert_eq!(code(vec![wu(0, DOWNLOAD_DONE), wu(10 * SEC, CALLBACK)]), None);
        let other_log = on(text(Source::WindowsUpdate, Level::Info, "Agent", CALLBACK), SEC, 3);
        assert_eq!(code(vec![wu(0, DOWNLOAD_DONE), other_log]), None);
        // The call's own summary when the agent's line is not there; never before it.
        let summary =
            "ClientId = MoUpdateOrchestrator: Exit code = 0x00000000; Call error code = 0x80240022";
        assert_eq!(code(vec![wu(0, DOWNLOAD_DONE), wu(SEC, summary)]), Some(0x8024_0022));
        assert_eq!(
            code(vec![wu(0, DOWNLOAD_DONE), wu(SEC, summary), wu(2 * SEC, CALLBACK)]),
            Some(0x8007_000E)
        );
    }

    const KB_TITLE: &str = "2024-02 Cumulative Update for Windows 11 Version 23H2 (KB5034765)";
    const HISTORY_A: &str = "LogHistory called. idUpdate={5BF7CC19-A5C4-4D20-9477-9024B92F9546}.1, resultMapped=80070306, resultUnMapped=0";
    const HISTORY_B: &str = "LogHistory called. idUpdate={4E95DCBD-E67C-46AF-985B-F29D655C3480}.1, resultMapped=80240009, resultUnMapped=0";
    const INSTALL_DONE: &str = "Install call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)";
    const DOWNLOAD_DONE: &str = "Download call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)";

    #[test]
    fn a_retry_loop_is_as_many_attempts_as_it_has_records() {
        for minutes in [1, 14, 60, 24 * 60] {
            let step = minutes * MIN;
            let events: Vec<Event<'static>> = (0..1000)
                .flat_map(|k| {
                    let t = k * step;
                    [
                        event20(t, KB_TITLE, "0x80070306"),
                        wu(t + 1_000, HISTORY_A),
                        wu(t + 2_000, INSTALL_DONE),
                        wu(t + 2_200, INSTALL_DONE),
                    ]
                })
                .collect();
            let inc = incidents(events);
            assert_eq!(inc.len(), 1, "every {minutes} min: {inc:#?}");
            let i = &inc[0];
            assert_eq!(i.count(), 1000, "every {minutes} min");
            assert!(i.attempts.iter().all(|a| a.events.len() == 4), "every {minutes} min");
            assert_eq!(
                i.last().unwrap().0 - i.first().unwrap().0,
                999 * step + 2_200,
                "every {minutes} min"
            );
            assert_eq!(i.kb, Some(5_034_765));
        }
    }

    #[test]
    fn updates_that_share_an_id_but_not_a_kb_stay_apart() {
        let with_guid = |us: i64, title: &'static str| {
            let mut e = event20(us, title, "0x80070306");
            e.fields.push(crate::event::Field {
                name: Cow::Borrowed("updateGuid"),
                value: Cow::Borrowed("{5d2a7b1e-41c4-4c1b-9f0e-2a7c0b9e6d11}"),
            });
            e
        };
        let inc = incidents(vec![
            with_guid(0, "2024-02 Cumulative Update (KB5034765)"),
            with_guid(DAY, "2024-10 Cumulative Update (KB5044284)"),
        ]);
        assert_eq!(inc.len(), 2, "{inc:#?}");
    }

    const DAY: i64 = 24 * 60 * MIN;

    #[test]
    fn attempts_keep_their_codes_in_order() {
        let title = "Windows 11, version 22H2";
        let inc = incidents(vec![
            event20(0, title, "0xC1900131"),
            event20(10 * MIN, title, "0x80070002"),
            event20(21 * MIN, title, "0x80070570"),
        ]);
        assert_eq!(inc.len(), 1);
        let codes: Vec<u32> =
            inc[0].attempts.iter().filter_map(|a| a.code.map(Code::value)).collect();
        assert_eq!(codes, [0xC190_0131, 0x8007_0002, 0x8007_0570]);
        assert_eq!(inc[0].code.map(Code::value), Some(0x8007_0570), "the latest");
        assert_eq!(inc[0].code_runs().len(), 3);
    }

    #[test]
    fn another_updates_history_line_stays_apart() {
        // Update A's history line, then four minutes later update B fails: its event, its
        // history line and the install call, within milliseconds.
        let b_title = "NVIDIA - Display - 31.0.15.1694";
        let inc = incidents(vec![
            wu(0, HISTORY_A),
            event20(4 * MIN, b_title, "0x80240009"),
            wu(4 * MIN + 900, HISTORY_B),
            wu(4 * MIN + 1_400, INSTALL_DONE),
        ]);
        assert_eq!(inc.len(), 2, "{inc:#?}");
        let a = inc.iter().find(|i| i.title.is_none()).unwrap();
        let b = inc.iter().find(|i| i.title.as_deref() == Some(b_title)).unwrap();
        assert_eq!(a.attempts[0].events.len(), 1);
        assert_eq!(a.update_id.as_deref(), Some("5BF7CC19-A5C4-4D20-9477-9024B92F9546"));
        assert_eq!(b.attempts[0].events.len(), 3);
        assert_eq!(b.update_id.as_deref(), Some("4E95DCBD-E67C-46AF-985B-F29D655C3480"));
    }

    #[test]
    fn downloads_and_installs_are_separate_incidents() {
        let failed_download = "*FAILED* [80240061] Error occurred while downloading update 4E95DCBD-E67C-46AF-985B-F29D655C3480.1; notifying dependent calls.";
        let title = "NVIDIA - Display - 31.0.15.1694";
        let mut events = Vec::new();
        for k in 0..5 {
            let t = k * 40 * SEC;
            events.push(wu(t, failed_download));
            events.push(wu(t + 2_000, DOWNLOAD_DONE));
            events.push(wu(t + 2_200, DOWNLOAD_DONE));
        }
        events.push(event20(5 * MIN, title, "0x80240009"));
        events.push(wu(5 * MIN + 900, HISTORY_B));
        let inc = incidents(events);
        assert_eq!(inc.len(), 2, "{inc:#?}");
        let download = inc.iter().find(|i| i.kind == IncidentKind::Download).unwrap();
        assert_eq!(download.count(), 5);
        assert!(download.attempts.iter().all(|a| a.events.len() == 2), "each line written twice");
        assert_eq!(download.code.map(Code::value), Some(0x8024_0061), "from the line before");
        assert_eq!(download.title.as_deref(), Some(title), "named after the install");
        let install = inc.iter().find(|i| i.kind == IncidentKind::Install).unwrap();
        assert_eq!(install.count(), 1);
        assert_eq!(install.attempts[0].events.len(), 2);
    }

    #[test]
    fn records_of_one_failure_join_across_logs_and_minutes() {
        // CBS reports the failure, rolls back for eight minutes and ends its session; then
        // Windows Update writes its history line and event 20.
        let wer = "WER: Generating failure report for package: Package_for_KB5034765~31bf3856ad364e35~amd64~~22621.3155.1.6, status: 0x80070306, failure source: Execute, start state: Staged, target state: Installed, client id: WindowsUpdateAgent";
        let end = "Session: 31090224_1523109442 finalized. Reboot required: no [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]";
        let inc = incidents(vec![
            cbs(0, wer),
            cbs(8 * MIN, end),
            wu(8 * MIN + 3 * SEC, HISTORY_A),
            event20(8 * MIN + 4 * SEC, KB_TITLE, "0x80070306"),
        ]);
        assert_eq!(inc.len(), 1, "{inc:#?}");
        assert_eq!(inc[0].count(), 1);
        assert_eq!(inc[0].attempts[0].events.len(), 4);
    }

    #[test]
    fn dism_runs_are_attempts_and_their_cbs_sessions_join_them() {
        let dism =
            |us: i64, m: &'static str| on(text(Source::Dism, Level::Error, "DISM", m), us, 3);
        let failed = "DISM.EXE: DISM Package Manager processed the command line but failed. HRESULT=80070BC9";
        let processing = "DISM Package Manager: PID=15000 TID=3328 Failed while processing command cleanup-image. - CPackageManagerCLIHandler::ExecuteCmdLine(hr:0x80070bc9)";
        let end = "Session: 31034769_4265380821 finalized. Reboot required: no [HRESULT = 0x80070bc9 - ERROR_FAIL_REBOOT_REQUIRED]";
        let inc = incidents(vec![
            cbs(0, end),
            dism(0, processing),
            dism(SEC, failed),
            cbs(64 * SEC, end),
            dism(64 * SEC, processing),
            dism(65 * SEC, failed),
        ]);
        assert_eq!(inc.len(), 1, "{inc:#?}");
        assert_eq!(inc[0].kind, IncidentKind::Dism);
        assert_eq!(inc[0].count(), 2);
        assert!(inc[0].attempts.iter().all(|a| a.events.len() == 3));
    }

    #[test]
    fn unnamed_attempts_join_the_one_update_that_failed_so() {
        let timeout = "*FAILED* [80072EE2] wuauengcore.dll, DownloadSession.cpp @853";
        let mut events = vec![
            evtx_download(2 * SEC, "Update (KB5051987)", "0x80072ee2"),
            wu(0, timeout),
            wu(SEC, DOWNLOAD_DONE),
        ];
        for k in 1..3 {
            events.push(wu(k * 20 * MIN, timeout));
            events.push(wu(k * 20 * MIN + SEC, DOWNLOAD_DONE));
        }
        let inc = incidents(events.clone());
        assert_eq!(inc.len(), 1, "{inc:#?}");
        assert_eq!(inc[0].count(), 3);
        // With two updates that failed so, the unnamed ones stay apart.
        events.push(evtx_download(3 * MIN, "Update (KB5051988)", "0x80072ee2"));
        let inc = incidents(events);
        assert_eq!(inc.len(), 3, "{inc:#?}");
    }

    fn evtx_download(us: i64, title: &'static str, code: &'static str) -> Event<'static> {
        let mut e = evtx(
            "Microsoft-Windows-WindowsUpdateClient",
            31,
            Level::Error,
            &[("errorCode", code), ("updateTitle", title)],
        );
        e.kb = crate::parse::ident::find_kb(title);
        on(e, us, 0)
    }

    #[test]
    fn a_flood_of_one_line_stays_bounded() {
        // 50,000 identical lines in the same second: duplicates within seconds of the first
        // of their class are one attempt; later ones another, and so on.
        let events: Vec<Event<'static>> = (0..50_000).map(|k| wu(k * 200, HISTORY_A)).collect();
        let inc = incidents(events);
        assert_eq!(inc.len(), 1);
        // 10 s of lines, 5 s per attempt (a record exactly 5 s after the first still joins).
        assert_eq!(inc[0].count(), 2);
        assert_eq!(inc[0].attempts.iter().map(|a| a.events.len()).sum::<usize>(), 50_000);
    }
}
