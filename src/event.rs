//! The normalized event: one record from any source, on one timeline.
//!
//! Events borrow their text from the bundle (mapped bytes or decoded text) instead of
//! copying lines; only evtx fields, which the evtx crate renders, are owned.

use crate::code::Code;
use crate::time::{TimeBase, Timestamp};
use aho_corasick::AhoCorasick;
use memchr::memmem;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

/// Which kind of log an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// CBS.log / CbsPersist.
    Cbs,
    /// dism.log.
    Dism,
    /// WindowsUpdate.log (either format).
    #[serde(rename = "wu")]
    WindowsUpdate,
    /// An .evtx event log.
    Evtx,
    /// A `wevtutil qe /f:text` export of an event log.
    #[serde(rename = "evtx-export")]
    EventExport,
    /// Windows Setup: `setupact.log`, `setuperr.log`, `diagerr.xml`, memory dumps.
    Setup,
    /// A setupapi device-install log.
    SetupApi,
    /// A compatibility report of Windows Setup (`CompatData_*.xml`, `ScanResult.xml`).
    Compat,
    /// The output of SetupDiag.
    SetupDiag,
    /// A Configuration Manager (`CMTrace`-format) log.
    #[serde(rename = "cmtrace")]
    CmTrace,
    /// `ReportingEvents.log` of the Windows Update client.
    #[serde(rename = "reportingevents")]
    ReportingEvents,
    /// An ETW trace (.etl) other than the Windows Update client's (whose events are
    /// [`Source::WindowsUpdate`]).
    Etl,
    /// A line of text that no grammar recognised, read for failure codes and failure words
    /// by the last-resort reader: weak evidence.
    Text,
}

impl Source {
    /// Short lower-case name used on the command line and in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cbs => "cbs",
            Source::Dism => "dism",
            Source::WindowsUpdate => "wu",
            Source::Evtx => "evtx",
            Source::EventExport => "evtx-export",
            Source::Setup => "setup",
            Source::SetupApi => "setupapi",
            Source::Compat => "compat",
            Source::SetupDiag => "setupdiag",
            Source::CmTrace => "cmtrace",
            Source::ReportingEvents => "reportingevents",
            Source::Etl => "etl",
            Source::Text => "text",
        }
    }
}

/// Severity, normalized across sources (ordered from most to least severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// evtx level 1.
    Critical,
    /// `Error` column, evtx level 2, legacy WU `FATAL:`.
    Error,
    /// `Warning` column, evtx level 3, legacy WU `WARNING:`.
    Warning,
    /// Everything else that is informational.
    Info,
    /// evtx level 5, CBS `Perf`.
    Verbose,
}

impl Level {
    /// Maps an evtx `Level` value (0 = LogAlways is informational).
    pub fn from_evtx(level: u64) -> Self {
        match level {
            1 => Level::Critical,
            2 => Level::Error,
            3 => Level::Warning,
            5 => Level::Verbose,
            _ => Level::Info,
        }
    }

    /// Whether this is a warning or worse.
    pub fn is_warning_or_worse(self) -> bool {
        self <= Level::Warning
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Critical => "critical",
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
            Level::Verbose => "verbose",
        }
    }
}

/// Where in the bundle an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Index of the artifact in the bundle.
    pub artifact: u32,
    /// Line or record inside it.
    pub pos: Pos,
}

/// A position inside one artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pos {
    /// 1-based line number of a text log (the record's first line).
    Line(u32),
    /// evtx `EventRecordID`.
    Record(u64),
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pos::Line(n) => write!(f, ":{n}"),
            Pos::Record(n) => write!(f, "#{n}"),
        }
    }
}

/// A named value carried by an event (evtx `EventData`/`UserData` fields and the like).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// Field name as the source spells it (`errorCode`, `PackageIdentifier`, `param1`).
    pub name: Cow<'a, str>,
    /// Its value, as text.
    pub value: Cow<'a, str>,
}

/// One normalized log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// When it happened: UTC once the timeline has applied the offset ([`Event::time_base`]
    /// says what the source wrote). `None` when the source line carried no time (redacted
    /// as `<date> <time>` or cut off in a pasted fragment): such an event is not on the
    /// timeline, but it can still record a failure and be evidence.
    pub time: Option<Timestamp>,
    /// The time base the source wrote.
    pub time_base: TimeBase,
    /// Where it came from.
    pub at: Location,
    /// Which kind of log.
    pub source: Source,
    /// Normalized severity.
    pub level: Level,
    /// CBS/DISM component (`CBS`, `CSI`, `DISM`, may be empty), WU component, or evtx provider.
    pub component: Cow<'a, str>,
    /// evtx event id.
    pub event_id: Option<u32>,
    /// Every failure code found in the record, in order of appearance.
    pub codes: Vec<Code>,
    /// The first KB number mentioned.
    pub kb: Option<u32>,
    /// A servicing package identity, kept whole.
    pub package: Option<Cow<'a, str>>,
    /// The message (for multi-line records, all of their lines).
    pub message: Cow<'a, str>,
    /// Extra named values.
    pub fields: Vec<Field<'a>>,
    /// Flags such as "recovered" or "continued".
    pub flags: Flags,
}

/// What diagnosis still reads of an event it did not keep (see
/// [`crate::parse::ParseOptions::retain`]): a few kinds of event matter only as "one
/// happened", and there are thousands of them in a year of logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Note {
    /// Nothing: the event is only counted.
    #[default]
    Counted,
    /// An update installed (WindowsUpdateClient 19).
    UpdateInstalled,
    /// The installation of this KB started (WindowsUpdateClient 43).
    InstallStarted {
        /// The update's KB number.
        kb: u32,
    },
}

/// Small facts about how an event was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// The record continued on lines without a timestamp.
    pub multi_line: bool,
    /// An untimestamped report block (DISM health summary) dated from the record before it.
    pub report_block: bool,
    /// Carved by the evtx crate from slack space.
    pub recovered: bool,
    /// The bracketed code in a CBS level column (`Error      [0x01806a]`).
    pub level_code: Option<u32>,
    /// CSI per-session sequence number.
    pub csi_seq: Option<u32>,
}

impl Event<'_> {
    /// The event with every text owned (for an event built from text assembled on the way,
    /// which cannot outlive the parse).
    pub fn into_owned(self) -> Event<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        Event {
            time: self.time,
            time_base: self.time_base,
            at: self.at,
            source: self.source,
            level: self.level,
            component: own(self.component),
            event_id: self.event_id,
            codes: self.codes,
            kb: self.kb,
            package: self.package.map(own),
            message: own(self.message),
            fields: self
                .fields
                .into_iter()
                .map(|f| Field { name: own(f.name), value: own(f.value) })
                .collect(),
            flags: self.flags,
        }
    }

    /// A record of several lines as one line, for the tests that read its words: each line
    /// break with the indentation after it becomes one space. A line wrapped on its way into
    /// a ticket ("processed the command line / but failed") then reads as it was written.
    /// `None` for a message of one line.
    pub fn unwrapped(&self) -> Option<Event<'static>> {
        if !self.flags.multi_line || !self.message.contains('\n') {
            return None;
        }
        let mut joined = String::with_capacity(self.message.len());
        for (k, line) in self.message.split('\n').enumerate() {
            let line = line.trim_end_matches('\r');
            let line = if k == 0 { line } else { line.trim_start() };
            if line.is_empty() {
                continue;
            }
            if !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(line);
        }
        let mut e = self.clone().into_owned();
        e.message = Cow::Owned(joined);
        Some(e)
    }

    /// The value of a field by name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.name == name).map(|f| f.value.as_ref())
    }

    /// Whether `events` shows this event by default: it carries a failure code, a warning or
    /// error level, a known evtx event id, or words that servicing uses for failures.
    pub fn is_notable(&self) -> bool {
        let known =
            self.event_id.is_some_and(|id| crate::parse::evtx::is_known_event(&self.component, id));
        is_notable(&self.codes, self.level, known, &self.message)
    }
}

/// The test behind [`Event::is_notable`], for parsers that decide before building an event.
pub fn is_notable(codes: &[Code], level: Level, known_event: bool, message: &str) -> bool {
    !codes.is_empty()
        || level.is_warning_or_worse()
        || known_event
        || has_failure_words(message)
        || says_restart_pending(message)
}

/// `hay.contains(needle)`. The standard library searches needles of up to 32 bytes with SIMD
/// but sets up a Two-Way searcher per call for longer ones, which costs more than the search
/// on a log message; a long needle's first 32 bytes are looked for first.
pub(crate) fn has_text(hay: &str, needle: &str) -> bool {
    match needle.get(..32) {
        Some(head) if needle.len() > 32 => hay.contains(head) && hay.contains(needle),
        _ => hay.contains(needle),
    }
}

/// Words that mark a failure in servicing logs even on an `Info` line.
pub fn has_failure_words(message: &str) -> bool {
    let m = message.as_bytes();
    FAILURE_FINDERS.iter().any(|f| f.find(m).is_some())
}

/// [`FAILURE_WORDS`] as searchers set up once: this runs on every line a text parser builds
/// a record of, and `str::contains` sets its searcher up at each call, which on a log line
/// cost more than the search. (One automaton for all the words is slower still on lines
/// this short; it suits the long values of [`crate::parse::evtx`].)
static FAILURE_FINDERS: LazyLock<[memmem::Finder<'static>; FAILURE_WORDS.len()]> =
    LazyLock::new(|| std::array::from_fn(|i| memmem::Finder::new(FAILURE_WORDS[i])));

/// [`FAILURE_WORDS`] as one automaton, for long texts searched for all the words at once.
pub(crate) static FAILURE: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::new(FAILURE_WORDS).expect("the failure words are a fixed, valid pattern list")
});

/// Whether a servicing line says that a restart is pending: CBS signalling a reboot or
/// delaying execution to the next one, pending operations queued for the next boot
/// (`poqexec` added to `SetupExecute`), a DISM session closed with a reboot required, the
/// Windows Update client finding its `RebootRequired` key or an update requiring a restart.
/// Only prefixes are compared: this can run on every event.
pub fn says_restart_pending(message: &str) -> bool {
    // Rules and the notable test ask this of every event: eight bytes rule most out.
    if !may_say_restart_pending(message.as_bytes(), 0) {
        return false;
    }
    RESTART_PREFIXES.iter().any(|p| message.starts_with(p))
        || (message.starts_with(DISM_CLOSED) && message.contains("Reboot required=yes"))
        || (message.starts_with(WU_REBOOT_REQUIRED) && message.trim_end().ends_with("= Yes"))
}

/// Line beginnings behind [`says_restart_pending`] (REFERENCE.md §3.6, the corpus' CBS and
/// WindowsUpdate.log files).
const RESTART_PREFIXES: [&str; 6] = [
    "TI: CBS has signaled that a reboot is required",
    "Exec: Execution Skipped for now",
    "Exec: Scheduled TrustedInstaller for auto-start because session was delayed",
    "Added poqexec to SetupExecute",
    "Reboot required = True",
    "The volatile RebootRequired key exists",
];
const DISM_CLOSED: &str = "DISM.EXE: Image session has been closed";
const WU_REBOOT_REQUIRED: &str = "IUpdate::get_RebootRequired exited";

/// The first eight bytes of every line [`says_restart_pending`] accepts.
const RESTART_HEADS: [u64; RESTART_PREFIXES.len() + 2] = {
    const fn head(s: &str) -> u64 {
        let b = s.as_bytes();
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    }
    let mut out = [0; RESTART_PREFIXES.len() + 2];
    let mut i = 0;
    while i < RESTART_PREFIXES.len() {
        out[i] = head(RESTART_PREFIXES[i]);
        i += 1;
    }
    out[i] = head(DISM_CLOSED);
    out[i + 1] = head(WU_REBOOT_REQUIRED);
    out
};

/// Whether the message at `at` in `text` can say that a restart is pending, from its first
/// eight bytes (they may run past the message: [`says_restart_pending`] decides): one load
/// and a few compares, for the routine records that the text prefilter passes over (an
/// anchor for each form made the prefilter 2.4% slower on the generated bundle).
#[inline]
pub(crate) fn may_say_restart_pending(text: &[u8], at: usize) -> bool {
    text.get(at..)
        .and_then(<[u8]>::first_chunk::<8>)
        .is_some_and(|h| RESTART_HEADS.contains(&u64::from_le_bytes(*h)))
}

/// The words behind [`has_failure_words`].
pub(crate) const FAILURE_WORDS: &[&str] = &[
    "(F)",
    "FATAL",
    "Failed",
    "failed",
    "Corrupt",
    "corrupt",
    "Cannot repair",
    "do not match",
    "hash mismatch",
    "rollback",
    "Rollback",
    "Reboot required: yes",
];

#[cfg(test)]
mod tests {
    use super::{Event, Flags, has_text, may_say_restart_pending, says_restart_pending};

    /// A wrapped record reads as one line; a record of one line is left alone.
    #[test]
    fn wrapped_records_read_as_one_line() {
        use crate::event::Source;
        use crate::rules::testing::text;
        let mut e = text(
            Source::Dism,
            super::Level::Error,
            "DISM",
            "DISM.EXE: DISM Package Manager processed the command line\r\n        but failed.\r\n\r\n\tHRESULT=80070BC9",
        );
        assert!(e.unwrapped().is_none(), "not marked as a record of several lines");
        e.flags.multi_line = true;
        let u = e.unwrapped().unwrap();
        assert_eq!(
            u.message,
            "DISM.EXE: DISM Package Manager processed the command line but failed. HRESULT=80070BC9"
        );
        assert_eq!((u.codes.len(), u.at), (e.codes.len(), e.at));
        let one = text(Source::Dism, super::Level::Error, "DISM", "one line");
        assert!(
            Event { flags: Flags { multi_line: true, ..one.flags }, ..one }.unwrapped().is_none()
        );
    }

    /// Every line that says a restart is pending passes the cheap test that the strict
    /// readers put before it; routine lines mostly do not.
    #[test]
    fn restart_lines_pass_the_head_test() {
        for m in [
            "TI: CBS has signaled that a reboot is required.",
            "Exec: Execution Skipped for now.",
            "Exec: Scheduled TrustedInstaller for auto-start because session was delayed.",
            "Added poqexec to SetupExecute. Cmdline: poqexec.exe /display_progress pending.xml",
            "Reboot required = True",
            "The volatile RebootRequired key exists",
            "DISM.EXE: Image session has been closed. Reboot required=yes.",
            "IUpdate::get_RebootRequired exited for update 1234.1, reboot required = Yes",
        ] {
            assert!(says_restart_pending(m), "{m}");
            assert!(may_say_restart_pending(m.as_bytes(), 0), "{m}");
        }
        for m in ["Loaded Servicing Stack v10.0", "Exec: Processing started.", "TI: Last boot", ""]
        {
            assert!(!may_say_restart_pending(m.as_bytes(), 0), "{m}");
        }
    }

    #[test]
    fn failure_words_found_in_one_pass_as_one_by_one() {
        let texts =
            ["", "all fine\n", "x\nFailed\n", "(F) y", "a rollback", "Reboot required: yes"];
        for t in texts.into_iter().chain(super::FAILURE_WORDS.iter().copied()) {
            let one_by_one = super::FAILURE_WORDS.iter().any(|w| t.contains(w));
            assert_eq!(super::has_failure_words(t), one_by_one, "{t}");
        }
        assert!(!super::has_failure_words("Reboot required: no\nfail\nCORRUPT"));
    }

    #[test]
    fn has_text_is_contains() {
        let long = "did not find any integrity violations at all";
        for hay in [
            "",
            "did not find any integrity violations",
            long,
            "x did not find any integrity violations at all!",
            "did not find any integrity violations at alX",
        ] {
            for needle in [long, "integrity", ""] {
                assert_eq!(has_text(hay, needle), hay.contains(needle), "{hay:?} {needle:?}");
            }
        }
    }
}
