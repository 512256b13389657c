//! `wutriage analyze`: the verdict, incidents, ranked causes with evidence, remedies and
//! coverage, as a table, JSON or Markdown. Built from a [`Diagnosis`]; decides nothing.

use super::SCHEMA_VERSION;
use super::grid::{GLUE, Grid, GridCell, Tint};
use super::inventory::{Inventory, Row, machine_line};
use super::markdown as md;
use super::safe;
use crate::bundle::Bundle;
use crate::clock::ClockView;
use crate::code::Code;
use crate::diagnose::{self, Diagnosis, Incident, IncidentKind, ScoreParts};
use crate::event::Event;
use crate::machine::Machine;
use crate::parse::ParsedArtifact;
use crate::remedy::{Remedy, Risk};
use crate::timeline::{OffsetChoice, Timeline};
use anstyle::{AnsiColor, Style};
use serde::Serialize;
use std::io::{self, Write};

/// A reference to one event, checkable line by line.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EventRef {
    /// `CBS.log:1234` or `System.evtx#48211`.
    pub at: String,
    /// UTC time; `null` when the line had no time.
    pub time: Option<String>,
    /// The first line of the message, shortened.
    pub excerpt: String,
}

/// A code with its name and meaning.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CodeView {
    /// `0x80070306`.
    pub code: String,
    /// Symbolic name, if known.
    pub name: Option<&'static str>,
    /// What it means, in our words.
    pub meaning: Option<&'static str>,
}

/// How a code is shown: NTSTATUS as itself, everything else in the HRESULT form logs print.
pub(crate) fn shown(c: Code) -> String {
    match c.kind() {
        crate::code::CodeKind::Ntstatus => c.to_string(),
        _ => format!("0x{:08X}", c.as_hresult()),
    }
}

impl CodeView {
    pub(crate) fn new(c: Code) -> Self {
        CodeView {
            code: shown(c),
            name: c.name(),
            meaning: crate::knowledge::describe(c).map(|d| d.text),
        }
    }
}

/// One incident. Its fields are named as in `batch` lines, which carry a subset of them.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct IncidentView {
    /// 1-based id.
    pub id: u32,
    /// What failed: `install`, `download`, `rollback`, `dism`, `feature-update` or `scan`.
    pub kind: IncidentKind,
    /// The same in words: `install failed`.
    pub what: &'static str,
    /// KB, title or package.
    pub update: String,
    /// KB number.
    pub kb: Option<String>,
    /// Update title.
    pub title: Option<String>,
    /// CBS package identity.
    pub package: Option<String>,
    /// Windows Update's id of the update (its `updateGuid` / `idUpdate`), when a record
    /// gives it.
    pub update_id: Option<String>,
    /// The code of the latest attempt that has one, as logs print it: `0x80070306`.
    pub code: Option<String>,
    /// Its symbolic name: `ERROR_ERRORS_ENCOUNTERED`.
    pub code_name: Option<&'static str>,
    /// What it means, in our words.
    pub code_meaning: Option<&'static str>,
    /// Every distinct failure code reported, in order of first appearance (at most
    /// [`LISTED`]).
    pub codes: Vec<String>,
    /// How many separate attempts failed.
    pub count: usize,
    /// The attempts, oldest first: all of them up to [`LISTED`], else the first and the last
    /// [`LISTED`]` / 2` (`attempts_omitted` says how many lie between).
    pub attempts: Vec<AttemptView>,
    /// Attempts not listed in `attempts`.
    pub attempts_omitted: usize,
    /// First failure, UTC (`null` when no failure record has a time).
    pub first: Option<String>,
    /// Last failure, UTC (`null` when no failure record has a time).
    pub last: Option<String>,
    /// The code is 0x80070306, 0x80070006 or 0xC0000008.
    pub invalid_handle_family: bool,
    /// The specific earlier code that a catch-all wraps.
    pub wraps: Option<String>,
    /// Its symbolic name.
    pub wraps_name: Option<&'static str>,
    /// Where that earlier failure is.
    pub wraps_at: Option<EventRef>,
    /// The best-ranked cause whose evidence lies near this failure.
    pub cause: Option<&'static str>,
    /// The failure records of the attempts listed, at most [`LISTED`].
    pub records: Vec<EventRef>,
    /// Failure records not listed in `records`.
    pub records_omitted: usize,
    /// Every failure record is a line of text in no known format (the last-resort reader):
    /// the failure is weak evidence.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub weak: bool,
}

/// How many attempts, and how many failure records, an incident lists: a retry loop of a
/// thousand attempts is a count, not a thousand rows.
pub const LISTED: usize = 20;

/// How many pieces of evidence a cause, the warnings and the other disks list, strongest
/// first: a log that repeats one failure a million times is still read whole, but its report
/// is a count, not a million rows.
pub const EVIDENCE_LISTED: usize = 50;

/// One failed attempt.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AttemptView {
    /// Its first failure record, UTC.
    pub first: String,
    /// Its last failure record, UTC.
    pub last: String,
    /// Its code (of its most authoritative record that has one), as logs print it.
    pub code: Option<String>,
    /// Its symbolic name.
    pub code_name: Option<&'static str>,
    /// What it means, in our words.
    pub code_meaning: Option<&'static str>,
    /// How many records of it the logs hold.
    pub records: usize,
}

/// One piece of evidence.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EvidenceView {
    /// Rule id (several joined with `+` when rules matched the same event).
    pub rule: String,
    /// Rule name.
    pub name: &'static str,
    /// Where and what.
    #[serde(flatten)]
    pub event: EventRef,
    /// Points contributed.
    pub weight: f64,
    /// Inside the correlation window of a failure.
    pub in_window: bool,
    /// Standing evidence (counts anywhere, with less weight far from a failure).
    pub standing: bool,
    /// Read from text in no known format (the last-resort reader): weak evidence.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub weak: bool,
    /// The disk or volume a storage signal was on, when its event names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// A disk the logs name.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DiskView {
    /// Its number.
    pub number: u32,
    /// `system`, `removable`, `other` or `unknown`.
    pub role: diagnose::disks::Role,
    /// Why, in words (empty when the logs do not say).
    pub why: String,
    /// In words: "disk 1, a USB device (a vendor and product)".
    pub description: String,
    /// Its vendor and product as the logs name them.
    pub model: Option<String>,
    /// Events on the timeline that name it (its errors, arrival, removal).
    pub events: usize,
}

/// One ranked cause.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CauseView {
    /// 1 = most likely.
    pub rank: usize,
    /// The cause's id (`storage`), as in `batch` lines.
    pub cause: &'static str,
    /// Its title.
    pub title: &'static str,
    /// Score.
    pub score: f64,
    /// How the score was made.
    pub score_parts: ScoreParts,
    /// Confidence in words.
    pub confidence: &'static str,
    /// Incidents it touches.
    pub incidents: Vec<u32>,
    /// Evidence, strongest first, one entry per event: at most [`EVIDENCE_LISTED`].
    pub evidence: Vec<EvidenceView>,
    /// Events of evidence not listed in `evidence`.
    pub evidence_omitted: usize,
    /// Facts that speak against it.
    pub against: Vec<String>,
    /// Why it is ranked where it is, when that is not the score alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    /// What it rests on, when that is not evidence of its own in the logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<BasisView>,
}

/// A cause that rests on the failures' codes rather than evidence of its own.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct BasisView {
    /// `failure-records` (rules matched only the failure records) or `failure-code` (no rule
    /// matched; the cause is what the code means).
    pub rests_on: &'static str,
    /// The code, for `failure-code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeView>,
    /// Why the code points to the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<&'static str>,
    /// Where that comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
    /// In words, for the reports.
    pub words: String,
}

impl BasisView {
    fn new(basis: diagnose::Basis) -> Option<Self> {
        match basis {
            diagnose::Basis::Evidence => None,
            diagnose::Basis::FailureRecords => Some(BasisView {
                rests_on: "failure-records",
                code: None,
                why: None,
                source: None,
                words: "it rests on the failure records' own codes; no other line in the logs supports it".to_string(),
            }),
            diagnose::Basis::Code(b) => Some(BasisView {
                rests_on: "failure-code",
                words: format!(
                    "it rests on the failure code alone: {}{} means that {}; no rule found evidence in the logs",
                    shown(b.code),
                    b.code.name().map(|n| format!(" {n}")).unwrap_or_default(),
                    b.why.trim_end_matches('.').to_lowercase_first(),
                ),
                code: Some(CodeView::new(b.code)),
                why: Some(b.why),
                source: Some(b.source),
            }),
        }
    }
}

/// Lower-cases the first letter of a sentence that is put inside another.
trait LowerFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowerFirst for str {
    fn to_lowercase_first(&self) -> String {
        let mut c = self.chars();
        c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
    }
}

/// A state that blocks the next attempt (a pending restart, a store flagged corrupt).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct StateView {
    /// `pending-restart` or `store-corrupt`.
    pub state: &'static str,
    /// When its first sign (since it last did not hold) was logged, UTC.
    pub since: Option<String>,
    /// How many signs of it.
    pub signs: usize,
    /// The first sign.
    pub first: EventRef,
    /// In words: "a restart has been pending since … (CBS.log:123)".
    pub words: String,
}

impl StateView {
    fn new(bundle: &Bundle, events: &[Event<'_>], st: &diagnose::State) -> Self {
        let first = event_ref(bundle, events, st.event);
        let what = match st.kind {
            diagnose::StateKind::PendingRestart => {
                ("a restart has been pending", "a restart is pending")
            }
            diagnose::StateKind::StoreCorrupt => (
                "the component store has been flagged corrupt",
                "the component store is flagged corrupt",
            ),
        };
        let words = match st.since {
            Some(t) => format!("{} since {} UTC ({})", what.0, day(t), first.at),
            None => format!("{} ({}; the line has no time)", what.1, first.at),
        };
        StateView {
            state: st.kind.id(),
            since: st.since.map(|t| t.to_string()),
            signs: st.signs,
            first,
            words,
        }
    }
}

/// Totals over the files.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CoverageView {
    /// Files in the bundle.
    pub files: usize,
    /// Files parsed.
    pub parsed: usize,
    /// Files skipped (with reasons in `files`).
    pub skipped: usize,
    /// Records read.
    pub records: u64,
    /// evtx records recovered from slack space.
    pub recovered: u64,
    /// Damaged parts found.
    pub damaged: u64,
    /// Lines outside any record.
    pub unattributed_lines: u64,
    /// Events on the timeline.
    pub events: usize,
    /// Files read leniently (their lines had been changed on the way to a ticket), with how.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub lenient: Vec<String>,
    /// Lines whose layout was repaired, over all files.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub repaired_lines: u64,
    /// Records without a time, over all files (not on the timeline).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub untimed: u64,
    /// Files in no known format, read by the last-resort reader (weak evidence).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub last_resort: Vec<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if signature")]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The whole analysis report.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// JSON contract version.
    pub schema_version: u32,
    /// Headline verdict, one sentence per line.
    pub verdict: Vec<String>,
    /// The same sentences in Markdown, what came from the logs in code spans.
    #[serde(skip)]
    verdict_markdown: Vec<String>,
    /// The machine the logs come from.
    pub machine: Machine,
    /// The UTC offset used for local-time logs (`+01:00`), as in `batch` lines; the one
    /// most records took when the clock changed.
    pub utc_offset: String,
    /// That offset and where it comes from.
    pub offset: OffsetChoice,
    /// The time base, in words.
    pub clock: String,
    /// The machine's time zone and the offsets applied over time.
    pub time_zone: ClockView,
    /// Correlation window, minutes.
    pub window_minutes: i64,
    /// Storage failure is corroborated: back up first.
    pub storage_first: bool,
    /// Update failures.
    pub incidents: Vec<IncidentView>,
    /// Feature-update attempts that failed, rolled back or were cancelled.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub upgrades: Vec<super::upgrade::UpgradeView>,
    /// Causes, most likely first.
    pub causes: Vec<CauseView>,
    /// Remedies, safest first.
    pub remedies: Vec<Remedy>,
    /// Standing warnings found without an update failure: at most [`EVIDENCE_LISTED`].
    pub warnings: Vec<EvidenceView>,
    /// Warnings not listed in `warnings`.
    pub warnings_omitted: usize,
    /// States that block the next attempt and still hold when the logs end.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub states: Vec<StateView>,
    /// The disks the storage evidence names, and what each is to the machine.
    pub disks: Vec<DiskView>,
    /// Storage evidence on disks or volumes that do not hold Windows: shown, never a cause;
    /// one entry per event, at most [`EVIDENCE_LISTED`].
    pub other_disks: Vec<EvidenceView>,
    /// Events of such evidence not listed in `other_disks`.
    pub other_disks_omitted: usize,
    /// Totals.
    pub coverage: CoverageView,
    /// Every file.
    pub files: Vec<Row>,
}

fn excerpt(e: &Event<'_>) -> String {
    let first = e.message.lines().next().unwrap_or("").trim();
    // Control characters (an ESC sequence in a crafted log line) must not reach a terminal.
    let mut s: String = first
        .chars()
        .take(200)
        .map(|c| if c.is_control() && c != '\t' { '\u{FFFD}' } else { c })
        .collect();
    if first.chars().count() > 200 {
        s.push('…');
    }
    s
}

pub(crate) fn event_ref(bundle: &Bundle, events: &[Event<'_>], i: usize) -> EventRef {
    let e = &events[i];
    EventRef {
        at: super::location(bundle, e.at),
        time: e.time.map(|t| t.to_string()),
        excerpt: excerpt(e),
    }
}

fn code_sentence(c: Code) -> String {
    match c.as_hresult() {
        0x8007_0306 => "0x80070306 is ERROR_ERRORS_ENCOUNTERED (Win32 774, \"one or more errors occurred\"): a catch-all, often mislabelled \"the handle is invalid\", which is really 0x80070006 or 0xC0000008.".to_string(),
        0x8007_0006 => "0x80070006 is E_HANDLE (Win32 6): the handle is invalid.".to_string(),
        0xD000_0008 => "0xC0000008 is STATUS_INVALID_HANDLE: an invalid handle was given.".to_string(),
        _ => match (c.name(), crate::knowledge::describe(c)) {
            (Some(n), Some(d)) => format!("{} is {n}: {}", shown(c), d.text),
            (Some(n), None) => format!("{} is {n}.", shown(c)),
            (None, Some(d)) => format!("{}: {}", shown(c), d.text),
            (None, None) => format!("{} has no public name.", shown(c)),
        },
    }
}

fn day(t: crate::time::Timestamp) -> String {
    t.to_string().get(..16).unwrap_or("").replace('T', " ")
}

/// One incident as the report shows it: every attempt counted, at most [`LISTED`] listed.
fn incident_view(
    bundle: &Bundle,
    events: &[Event<'_>],
    d: &Diagnosis,
    i: &Incident,
) -> IncidentView {
    let n = i.attempts.len();
    let listed: Vec<&diagnose::incident::Attempt> = if n <= LISTED {
        i.attempts.iter().collect()
    } else {
        i.attempts[..LISTED / 2].iter().chain(&i.attempts[n - LISTED / 2..]).collect()
    };
    let all_records: usize =
        i.attempts.iter().map(|a| a.events.len()).sum::<usize>() + i.untimed.len();
    let records: Vec<EventRef> = listed
        .iter()
        .flat_map(|a| &a.events)
        .chain(&i.untimed)
        .take(LISTED)
        .map(|&ev| event_ref(bundle, events, ev))
        .collect();
    let wrapped = diagnose::wrapped_code(i, events);
    let code = i.code.map(CodeView::new);
    IncidentView {
        id: i.id,
        kind: i.kind,
        what: i.kind.describe(),
        update: i.update_name(),
        kb: i.kb.map(|k| format!("KB{k}")),
        title: i.title.clone(),
        package: i.package.clone(),
        update_id: i.update_id.clone(),
        code_name: code.as_ref().and_then(|c| c.name),
        code_meaning: code.as_ref().and_then(|c| c.meaning),
        code: code.map(|c| c.code),
        codes: i.codes.iter().take(LISTED).map(|c| shown(*c)).collect(),
        count: i.count(),
        attempts: listed
            .iter()
            .map(|a| {
                let code = a.code.map(CodeView::new);
                AttemptView {
                    first: a.first.to_string(),
                    last: a.last.to_string(),
                    code_name: code.as_ref().and_then(|c| c.name),
                    code_meaning: code.as_ref().and_then(|c| c.meaning),
                    code: code.map(|c| c.code),
                    records: a.events.len(),
                }
            })
            .collect(),
        attempts_omitted: n - listed.len(),
        first: i.first().map(|t| t.to_string()),
        last: i.last().map(|t| t.to_string()),
        invalid_handle_family: i.invalid_handle_family(),
        wraps: wrapped.map(|(c, _)| shown(c)),
        wraps_name: wrapped.and_then(|(c, _)| c.name()),
        wraps_at: wrapped.map(|(_, ev)| event_ref(bundle, events, ev)),
        cause: d.causes.iter().find(|c| c.incidents.contains(&i.id)).map(|c| c.category.id()),
        records_omitted: all_records - records.len(),
        records,
        weak: diagnose::is_weak(i, events),
    }
}

impl Report {
    /// Builds the report.
    pub fn new(
        bundle: &Bundle,
        parsed: &[ParsedArtifact<'_>],
        timeline: &Timeline<'_>,
        d: &Diagnosis,
    ) -> Self {
        let events = &timeline.events;
        let incidents: Vec<IncidentView> =
            d.incidents.iter().map(|i| incident_view(bundle, events, d, i)).collect();
        let ev_view = |e: &diagnose::Evidence| EvidenceView {
            rule: e.rule.id.to_string(),
            name: e.rule.name,
            event: event_ref(bundle, events, e.event),
            weight: (e.weight * 100.0).round() / 100.0,
            in_window: e.in_window,
            standing: e.standing,
            weak: e.weak,
            device: d
                .disks
                .device(e.event)
                .map(|dev| d.disks.describe(dev))
                .filter(|s| !s.is_empty()),
        };
        let causes = d
            .causes
            .iter()
            .enumerate()
            .map(|(n, c)| {
                let (evidence, evidence_omitted) = listed_evidence(&c.evidence, &ev_view);
                CauseView {
                rank: n + 1,
                cause: c.category.id(),
                title: c.category.title(),
                score: c.score,
                score_parts: c.parts,
                confidence: c.confidence.word(),
                incidents: c.incidents.clone(),
                evidence,
                evidence_omitted,
                against: c.against.clone(),
                note: (d.storage_first && c.category == diagnose::Category::Storage).then_some(
                    "ranked first whatever its score: the storage failure is corroborated, and a failing disk must be dealt with before any repair",
                ),
                basis: BasisView::new(c.basis),
            }})
            .collect();
        let inv = Inventory::new(bundle, parsed, timeline);
        let coverage = CoverageView {
            files: inv.files.len(),
            parsed: bundle.parsed().count(),
            skipped: bundle.artifacts.iter().filter(|a| !a.kind.is_parsed()).count(),
            records: inv.files.iter().map(|f| f.coverage.records).sum(),
            recovered: inv.files.iter().map(|f| f.coverage.recovered).sum(),
            damaged: inv.files.iter().map(|f| f.coverage.damaged).sum(),
            unattributed_lines: inv.files.iter().map(|f| f.coverage.unattributed_lines).sum(),
            events: timeline.event_count(),
            lenient: inv
                .files
                .iter()
                .filter_map(|f| {
                    super::inventory::lenient_details(&f.coverage).map(|n| {
                        if n.is_empty() { f.path.clone() } else { format!("{} ({n})", f.path) }
                    })
                })
                .collect(),
            repaired_lines: inv.files.iter().map(|f| f.coverage.repaired_lines).sum(),
            untimed: inv.files.iter().map(|f| f.coverage.untimed).sum(),
            last_resort: inv
                .files
                .iter()
                .filter(|f| f.kind == crate::bundle::Kind::Text.as_str())
                .map(|f| f.path.clone())
                .collect(),
        };
        let upgrades = super::upgrade::views(d, bundle, events);
        let sentences = verdict(d, events, bundle, &upgrades);
        let (other_disks, other_disks_omitted) = listed_evidence(&d.disks.elsewhere, &ev_view);
        Report {
            schema_version: SCHEMA_VERSION,
            verdict: sentences.iter().map(Sentence::plain).collect(),
            verdict_markdown: sentences.iter().map(Sentence::markdown).collect(),
            machine: inv.machine.clone(),
            utc_offset: inv.offset.offset.to_string(),
            offset: inv.offset,
            clock: inv.clock(),
            time_zone: inv.time_zone.clone(),
            window_minutes: d.window_us / 60_000_000,
            storage_first: d.storage_first,
            incidents,
            upgrades,
            causes,
            remedies: d.remedies.clone(),
            warnings: d.warnings.iter().take(EVIDENCE_LISTED).map(ev_view).collect(),
            warnings_omitted: d.warnings.len().saturating_sub(EVIDENCE_LISTED),
            states: d.states.iter().map(|st| StateView::new(bundle, events, st)).collect(),
            disks: d
                .disks
                .disks
                .iter()
                .map(|k| DiskView {
                    number: k.number,
                    role: k.role,
                    why: k.why.clone(),
                    description: k.describe(),
                    model: k.model.clone(),
                    events: d
                        .disks
                        .devices
                        .iter()
                        .filter(|(_, x)| x.disk == Some(k.number))
                        .count(),
                })
                .collect(),
            other_disks,
            other_disks_omitted,
            coverage,
            files: inv.files,
        }
    }

    /// JSON.
    pub fn write_json(&self, w: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        writeln!(w)
    }

    /// Human tables, without colour, 140 columns wide.
    pub fn write_table(&self, w: &mut dyn Write) -> io::Result<()> {
        self.write_table_styled(w, false, 140)
    }

    /// Human tables in `width` columns; with `color`, the verdict, headings, confidence and
    /// risk are coloured with ANSI escapes. Tables too wide for `width` become blocks of
    /// `field: value` lines.
    pub fn write_table_styled(
        &self,
        w: &mut dyn Write,
        color: bool,
        width: usize,
    ) -> io::Result<()> {
        let paint = |style: Style, text: &str| -> String {
            if color {
                format!("{}{text}{}", style.render(), style.render_reset())
            } else {
                text.to_string()
            }
        };
        let bold = Style::new().bold();
        let alarm = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
        let heading = |text: &str| paint(Style::new().bold().underline(), text);
        let width = width.max(20);
        // Wrapped between words only: a code or a path longer than the line stays whole.
        let wrap = |text: &str, first: &str, rest: &str| -> Vec<String> {
            let opts = textwrap::Options::new(width)
                .initial_indent(first)
                .subsequent_indent(rest)
                .break_words(false)
                .word_separator(textwrap::WordSeparator::AsciiSpace)
                .word_splitter(textwrap::WordSplitter::NoHyphenation);
            textwrap::wrap(text, opts).into_iter().map(std::borrow::Cow::into_owned).collect()
        };
        // Several machines given together: each report opens with its machine. One machine:
        // the verdict stays the first line, and the machine follows it.
        let machine = machine_line(&self.machine);
        let heading_first = self.machine.part.is_some_and(|p| p.1 > 1);
        if heading_first && let Some(line) = &machine {
            for part in wrap(line, "", "") {
                writeln!(w, "{}", paint(bold, &part))?;
            }
        }
        for (n, line) in self.verdict.iter().enumerate() {
            let style = if line.starts_with("Back up") || line.starts_with("But ") {
                alarm
            } else if n == 0 || line.starts_with("Most likely cause") {
                bold
            } else {
                Style::new()
            };
            for part in wrap(&safe::line(line), "", "") {
                writeln!(w, "{}", paint(style, &part))?;
            }
        }
        if !heading_first && let Some(line) = &machine {
            for part in wrap(line, "", "") {
                writeln!(w, "{part}")?;
            }
        }
        writeln!(w)?;
        if !self.incidents.is_empty() {
            let mut t =
                Grid::new(&["#", "update", "what", "code", "times", "first → last (UTC)", "wraps"])
                    .label("Incident");
            for i in &self.incidents {
                let at = i.wraps_at.as_ref().map(|at| safe::line(&at.at));
                let wraps: Vec<&str> = match (&i.wraps, &at) {
                    (Some(c), Some(at)) => {
                        std::iter::once(c.as_str()).chain(i.wraps_name).chain(["at", at]).collect()
                    }
                    _ => Vec::new(),
                };
                t.row(vec![
                    GridCell::new(i.id.to_string()),
                    GridCell::units(&[safe::line(&i.update)]),
                    GridCell::new(i.what),
                    GridCell::new(code_cell(i)).tint(Some(Tint::Red)),
                    GridCell::new(i.count.to_string()),
                    GridCell::units(&span_units(i.first.as_deref(), i.last.as_deref())),
                    GridCell::units(&wraps).tint(Some(Tint::Red)),
                ]);
            }
            write!(w, "{}\n{}\n", heading("Update failures"), t.render(width, color))?;
        }
        if !self.upgrades.is_empty() {
            let mut t = Grid::new(&[
                "#",
                "feature update",
                "outcome",
                "phase",
                "operation",
                "code",
                "telemetry",
                "first → last (UTC)",
            ])
            .label("Feature update");
            for u in &self.upgrades {
                t.row(vec![
                    GridCell::new(u.id.to_string()),
                    GridCell::new(safe::line(u.version())),
                    GridCell::new(u.outcome),
                    GridCell::new(u.phase.unwrap_or("")),
                    GridCell::new(safe::line(&match (&u.operation, &u.operation_name) {
                        (Some(o), Some(n)) => format!("{o}: {n}"),
                        (Some(o), None) => o.clone(),
                        (None, Some(n)) => n.clone(),
                        (None, None) => String::new(),
                    })),
                    GridCell::units(&[u.code.clone().unwrap_or_default()]).tint(Some(Tint::Red)),
                    GridCell::units(&[u.reported.clone().unwrap_or_default()]),
                    GridCell::units(&[format!("{} →", short(&u.first)), short(&u.last)]),
                ]);
            }
            write!(
                w,
                "{}\n{}\n",
                heading("Feature updates (Windows Setup)"),
                t.render(width, color)
            )?;
        }
        if !self.causes.is_empty() {
            let mut t = Grid::new(&["rank", "cause", "confidence", "score", "strongest evidence"])
                .label("Cause");
            for c in &self.causes {
                let mut ev: Vec<String> = Vec::new();
                if let Some(n) = c.note {
                    ev.push(format!("({n})"));
                }
                if let Some(b) = &c.basis {
                    ev.push(format!("({})", b.words));
                }
                for e in c.evidence.iter().take(3) {
                    let weak = if e.weak { " (weak: text in no known format)" } else { "" };
                    // The rule and the place are one unit; the excerpt wraps.
                    ev.push(format!(
                        "{}{GLUE}{}: {}{weak}",
                        e.rule,
                        safe::line(&e.event.at).replace(' ', &GLUE.to_string()),
                        safe::line(&e.event.excerpt)
                    ));
                }
                for a in &c.against {
                    ev.push(format!("against: {}", safe::line(a)));
                }
                let conf = match c.confidence {
                    "high" => Some(Tint::Red),
                    "medium" => Some(Tint::Yellow),
                    _ => None,
                };
                t.row(vec![
                    GridCell::new(c.rank.to_string()).bold(c.rank == 1),
                    GridCell::new(c.title).bold(c.rank == 1),
                    GridCell::new(c.confidence).tint(conf),
                    GridCell::new(format!("{:.1}", c.score)),
                    GridCell::new(ev.join("\n")),
                ]);
            }
            write!(w, "{}\n{}\n", heading("Likely causes"), t.render(width, color))?;
        }
        if !self.disks.is_empty() {
            let mut t = Grid::new(&["disk", "what it is", "why", "events"]);
            for k in &self.disks {
                t.row(vec![
                    GridCell::new(k.number.to_string()),
                    GridCell::new(&k.description),
                    GridCell::new(&k.why),
                    GridCell::new(k.events.to_string()),
                ]);
            }
            for e in &self.other_disks {
                t.row(vec![
                    GridCell::new(""),
                    GridCell::new(e.device.as_deref().unwrap_or("")),
                    // The rule and the place are one unit; the excerpt wraps.
                    GridCell::new(format!(
                        "{}{GLUE}{}: {}",
                        e.rule,
                        safe::line(&e.event.at).replace(' ', &GLUE.to_string()),
                        safe::line(&e.event.excerpt)
                    )),
                    GridCell::new(""),
                ]);
            }
            write!(w, "{}\n{}\n", heading("Disks"), t.render(width, color))?;
        }
        if !self.warnings.is_empty() {
            let mut t = Grid::new(&["rule", "where", "what"]);
            for e in &self.warnings {
                t.row(vec![
                    GridCell::new(e.rule.clone()),
                    GridCell::units(&[safe::line(&e.event.at)]),
                    GridCell::new(safe::line(&e.event.excerpt)),
                ]);
            }
            write!(w, "{}\n{}\n", heading("Warnings"), t.render(width, color))?;
        }
        if !self.remedies.is_empty() {
            // A list, not a table: commands stay on one line each, unwrapped and without
            // borders, so they can be copied from the terminal as they are.
            for part in wrap("Remedies, in the order in which they are safe to try", "", "") {
                writeln!(w, "{}", heading(&part))?;
            }
            writeln!(w)?;
            for (n, r) in self.remedies.iter().enumerate() {
                let risk = match r.risk {
                    Risk::ReadOnly | Risk::Low => AnsiColor::Green,
                    Risk::ChangesSystem => AnsiColor::Yellow,
                    Risk::RiskyOnFailingStorage => AnsiColor::Red,
                };
                // textwrap measures text without the colour escapes.
                let title = format!(
                    "{} [{}] ({})",
                    paint(bold, &format!("{:>2}. {}", n + 1, r.title)),
                    paint(Style::new().fg_color(Some(risk.into())), r.risk.label()),
                    r.why
                );
                let text = |w: &mut dyn Write, first: &str, rest: &str, text: &str| {
                    wrap(text, first, rest).iter().try_for_each(|l| writeln!(w, "{l}"))
                };
                text(w, "", "    ", &title)?;
                if let Some(wait) = &r.wait {
                    text(w, "    ", "      ", &paint(alarm, &format!("Wait: {wait}")))?;
                }
                for st in &r.steps {
                    let what = match st.shell {
                        Some(sh) if st.command.is_some() => {
                            format!("{} (in an {}):", st.what.trim_end_matches('.'), sh.label())
                        }
                        _ => st.what.clone(),
                    };
                    text(w, "    - ", "      ", &what)?;
                    if let Some(c) = &st.command {
                        writeln!(
                            w,
                            "        {}",
                            paint(Style::new().fg_color(Some(AnsiColor::Cyan.into())), c)
                        )?;
                    }
                }
            }
            writeln!(w)?;
        }
        let c = &self.coverage;
        let read = format!(
            "Read {} of {} files ({} records, {} damaged parts, {} skipped); times in UTC, local logs {}.",
            c.parsed,
            c.files,
            c.records,
            c.damaged,
            c.skipped,
            self.local_clock()
        );
        wrap(&read, "", "").iter().try_for_each(|l| writeln!(w, "{l}"))?;
        for line in self.clock_notes() {
            wrap(&line, "", "").iter().try_for_each(|l| writeln!(w, "{l}"))?;
        }
        for line in self.coverage.leniency() {
            wrap(&line, "", "").iter().try_for_each(|l| writeln!(w, "{l}"))?;
        }
        for line in self.incomplete() {
            wrap(&format!("Incomplete: {}", safe::line(&line)), "", "")
                .iter()
                .try_for_each(|l| writeln!(w, "{l}"))?;
        }
        Ok(())
    }
    /// How local times were placed: `at +09:00 (from CSI lines …)`, or the offsets over time.
    fn local_clock(&self) -> String {
        let tz = &self.time_zone;
        if tz.periods.len() > 1 {
            return format!(
                "at the offset in force at each instant, {} ({})",
                tz.distinct_offsets().join(" or "),
                self.offset.origin.describe()
            );
        }
        format!("at {} ({})", self.offset.offset, self.offset.origin.describe())
    }

    /// The zone, and what could not be placed for certain, when there is something to say.
    fn clock_notes(&self) -> Vec<String> {
        let tz = &self.time_zone;
        tz.lines()
            .into_iter()
            .filter(|l| {
                let zone_line = l.starts_with("Time zone:") || l.starts_with("Its rules");
                let detail = l.starts_with("Local-time logs") || l.starts_with("  ");
                (zone_line && tz.zone.is_some()) || !(zone_line || detail)
            })
            .collect()
    }

    /// One line per file whose reading hit a limit or found it changed: the results for it
    /// are partial, and the reader must know.
    fn incomplete(&self) -> Vec<String> {
        self.incomplete_parts().into_iter().map(|(path, what)| format!("{path}: {what}")).collect()
    }

    /// [`Self::incomplete`] as (file, what was hit).
    fn incomplete_parts(&self) -> Vec<(&str, String)> {
        use crate::parse::IssueKind;
        self.files
            .iter()
            .filter_map(|f| {
                let hit: Vec<&str> = f
                    .issues
                    .iter()
                    .filter(|i| {
                        matches!(
                            i.kind,
                            IssueKind::EventCap | IssueKind::LongRecord | IssueKind::FileChanged
                        )
                    })
                    .map(|i| i.detail.as_str())
                    .collect();
                (!hit.is_empty()).then(|| (f.path.as_str(), hit.join("; ")))
            })
            .collect()
    }

    /// A disk's description in Markdown: our words escaped, its model as the logs name it
    /// in a code span.
    fn device_markdown(&self, description: &str) -> String {
        let model = self
            .disks
            .iter()
            .find(|k| k.description == description)
            .and_then(|k| k.model.as_deref());
        Sentence::marked(description, model).markdown()
    }

    /// [`machine_line`] in Markdown: the name, product, build and aliases as the logs give
    /// them, in code spans.
    fn machine_markdown(&self) -> Option<String> {
        let m = &self.machine;
        machine_line(m)?;
        let head = match m.part.filter(|p| p.1 > 1) {
            Some((k, n)) => format!("Machine {k} of {n}: "),
            None => "Machine: ".to_string(),
        };
        let name = m.name.as_deref().map_or_else(|| md::text("not named in the logs"), md::code);
        let mut what = Vec::new();
        if let Some(p) = &m.product {
            what.push(md::code(p));
        }
        if let Some(b) = &m.build {
            what.push(format!("build {}", md::code(b)));
        }
        let what = if what.is_empty() { String::new() } else { format!(" ({})", what.join(", ")) };
        let aliases = if m.aliases.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = m.aliases.iter().map(|a| md::code(a)).collect();
            format!("; also named {} in these logs", names.join(", "))
        };
        Some(format!("{}{name}{what}{aliases}", md::text(&head)))
    }

    /// Markdown for a support ticket: what came from the logs (names, codes, places,
    /// excerpts) in code spans, our words escaped, so that no renderer turns log text into
    /// markup and every `file:line` stays as written.
    pub fn write_markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "## Windows Update triage\n")?;
        // As in the table: several machines, each report opens with its machine; one, the
        // verdict comes first and the machine follows it.
        let machine = self.machine_markdown();
        let heading_first = self.machine.part.is_some_and(|p| p.1 > 1);
        if heading_first && let Some(line) = &machine {
            writeln!(w, "**{line}**\n")?;
        }
        for line in &self.verdict_markdown {
            // Two trailing spaces: a line break, so each sentence keeps its own line.
            writeln!(w, "{line}  ")?;
        }
        writeln!(w)?;
        if !heading_first && let Some(line) = &machine {
            writeln!(w, "{line}\n")?;
        }
        if !self.incidents.is_empty() {
            writeln!(w, "### Update failures\n")?;
            writeln!(
                w,
                "| # | update | what | code | times | first → last (UTC) |\n|---|---|---|---|---|---|"
            )?;
            for i in &self.incidents {
                let mut code = i.code.as_ref().map_or_else(String::new, |c| {
                    let mut s = md::code_cell(c);
                    if let Some(n) = i.code_name {
                        s = format!("{s} {}", md::code_cell(n));
                    }
                    s
                });
                let earlier = earlier_codes(i);
                if !earlier.is_empty() {
                    let also: Vec<String> = earlier.iter().map(|c| md::code_cell(c)).collect();
                    code = format!("{code}; also {}", also.join(", "));
                }
                writeln!(
                    w,
                    "| {} | {} | {} | {code} | {} | {} |",
                    i.id,
                    md::code_cell(&i.update),
                    md::text(i.what),
                    i.count,
                    span(i.first.as_deref(), i.last.as_deref())
                )?;
            }
            for i in &self.incidents {
                if let (Some(c), Some(at)) = (&i.wraps, &i.wraps_at) {
                    let name =
                        i.wraps_name.map(|n| format!(" {}", md::code(n))).unwrap_or_default();
                    writeln!(
                        w,
                        "\nIncident {} wraps {}{name} at {}: {}",
                        i.id,
                        md::code(c),
                        md::code(&at.at),
                        md::code(&at.excerpt)
                    )?;
                }
            }
            writeln!(w)?;
        }
        if !self.upgrades.is_empty() {
            writeln!(w, "### Feature updates (Windows Setup)\n")?;
            writeln!(
                w,
                "| # | feature update | outcome | phase | operation | code | telemetry |\n|---|---|---|---|---|---|---|"
            )?;
            for u in &self.upgrades {
                writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    u.id,
                    md::code_cell(u.version()),
                    md::text(u.outcome),
                    md::text(u.phase.unwrap_or("")),
                    md::code_cell(&match (&u.operation, &u.operation_name) {
                        (Some(o), Some(n)) => format!("{o}: {n}"),
                        (Some(o), None) => o.clone(),
                        (None, Some(n)) => n.clone(),
                        (None, None) => String::new(),
                    }),
                    md::code_cell(u.code.as_deref().unwrap_or("")),
                    md::code_cell(u.reported.as_deref().unwrap_or(""))
                )?;
            }
            writeln!(w)?;
        }
        if !self.causes.is_empty() {
            writeln!(w, "### Likely causes\n")?;
            for c in &self.causes {
                writeln!(
                    w,
                    "{}. **{}** — {} confidence (score {:.1}, {})",
                    c.rank,
                    md::text(c.title),
                    c.confidence,
                    c.score,
                    super::count(c.score_parts.sources as u64, "source", "sources")
                )?;
                if let Some(b) = &c.basis {
                    let source = b.source.map(|s| format!(" (source: {s})")).unwrap_or_default();
                    writeln!(w, "   - {}{}", md::text(&b.words), md::text(&source))?;
                }
                for e in c.evidence.iter().take(5) {
                    let weak = if e.weak { " (weak: text in no known format)" } else { "" };
                    writeln!(
                        w,
                        "   - {} {} — {}{}",
                        md::code(&e.event.at),
                        md::code(&e.rule),
                        md::code(&e.event.excerpt),
                        md::text(weak)
                    )?;
                }
                for a in &c.against {
                    writeln!(w, "   - against: {}", md::text(a))?;
                }
            }
            writeln!(w)?;
        }
        if !self.disks.is_empty() {
            writeln!(w, "### Disks\n")?;
            for k in &self.disks {
                let why = if k.why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", md::text(&k.why))
                };
                writeln!(w, "- {}{why}", self.device_markdown(&k.description))?;
            }
            for e in &self.other_disks {
                writeln!(
                    w,
                    "- not Windows' disk, {}: {} {} — {}",
                    self.device_markdown(e.device.as_deref().unwrap_or("")),
                    md::code(&e.event.at),
                    md::code(&e.rule),
                    md::code(&e.event.excerpt)
                )?;
            }
            writeln!(w)?;
        }
        if !self.warnings.is_empty() {
            writeln!(w, "### Warnings\n")?;
            for e in &self.warnings {
                writeln!(
                    w,
                    "- {} {} — {}",
                    md::code(&e.event.at),
                    md::code(&e.rule),
                    md::code(&e.event.excerpt)
                )?;
            }
            writeln!(w)?;
        }
        if !self.remedies.is_empty() {
            writeln!(w, "### What to do, safest first\n")?;
            for (n, r) in self.remedies.iter().enumerate() {
                writeln!(
                    w,
                    "{}. **{}** ({}; {})",
                    n + 1,
                    md::text(&r.title),
                    md::text(r.risk.label()),
                    md::text(&r.why)
                )?;
                if let Some(wait) = &r.wait {
                    writeln!(w, "   - **Wait:** {}", md::text(wait))?;
                }
                for s in &r.steps {
                    match &s.command {
                        Some(c) => writeln!(
                            w,
                            "   - {} (in an {}): {}",
                            md::text(s.what.trim_end_matches('.')),
                            s.shell.map_or("elevated prompt", crate::remedy::Shell::label),
                            md::code(c)
                        )?,
                        None => writeln!(w, "   - {}", md::text(&s.what))?,
                    }
                }
            }
            writeln!(w)?;
        }
        let c = &self.coverage;
        writeln!(
            w,
            "{}",
            md::text(&format!(
                "Read {} of {} ({}, {}). Times in UTC; local logs {}.",
                c.parsed,
                super::count(c.files as u64, "file", "files"),
                super::count(c.records, "record", "records"),
                super::count(c.damaged, "damaged part", "damaged parts"),
                self.local_clock()
            ))
        )?;
        for line in self.clock_notes() {
            writeln!(w, "\n{}", md::text(&line))?;
        }
        for line in self.coverage.leniency() {
            writeln!(w, "\n_{}_", md::text(&line))?;
        }
        for (path, what) in self.incomplete_parts() {
            writeln!(w, "\n**Incomplete:** {}: {}", md::code(path), md::text(&what))?;
        }
        Ok(())
    }
}

impl CoverageView {
    /// What was read leniently and by the last-resort reader, one sentence each (none for a
    /// bundle read as it was written).
    pub fn leniency(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.lenient.is_empty() {
            out.push(format!(
                "Read leniently (lines changed on the way to a ticket): {}.",
                self.lenient.join("; ")
            ));
        }
        if !self.last_resort.is_empty() {
            out.push(format!(
                "Read line by line for failure codes and failure words only, as text in no known format (weak evidence): {}.",
                self.last_resort.join(", ")
            ));
        }
        out
    }
}

/// The codes of an incident's listed attempts other than its latest code, in order of
/// first appearance.
pub(crate) fn earlier_codes(i: &IncidentView) -> Vec<&str> {
    let latest = i.code.as_deref();
    let mut earlier: Vec<&str> = Vec::new();
    for c in i.attempts.iter().filter_map(|a| a.code.as_deref()) {
        if Some(c) != latest && !earlier.contains(&c) {
            earlier.push(c);
        }
    }
    earlier
}

/// The code column of an incident: its latest code with its name (wrapped only between
/// the two), and on a line of its own the others it failed with.
fn code_cell(i: &IncidentView) -> String {
    let mut s =
        [i.code.as_deref(), i.code_name].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let earlier = earlier_codes(i);
    if !earlier.is_empty() {
        s.push_str("\nalso: ");
        s.push_str(&earlier.join(", "));
    }
    s
}

/// `evidence` as the report lists it: one entry per event, in order of first appearance
/// (strongest first, as the diagnosis sorts it); when several rules matched the same line,
/// their ids are joined with `+` and the weight is the largest. At most [`EVIDENCE_LISTED`]
/// entries, with the number of events left out. Linear in the evidence: one hash lookup
/// per item, and only the listed entries are built.
fn listed_evidence(
    evidence: &[diagnose::Evidence],
    view: &dyn Fn(&diagnose::Evidence) -> EvidenceView,
) -> (Vec<EvidenceView>, usize) {
    let merged = merge_by(
        evidence.iter().map(|e| (e, e.rule.id.to_string(), e.weight)),
        |(e, _, _)| e.event,
        |kept, (_, rule, weight)| {
            kept.1 = format!("{}+{rule}", kept.1);
            kept.2 = kept.2.max(weight);
        },
    );
    let omitted = merged.len().saturating_sub(EVIDENCE_LISTED);
    let listed = merged
        .into_iter()
        .take(EVIDENCE_LISTED)
        .map(|(first, rule, weight)| EvidenceView {
            rule,
            weight: (weight * 100.0).round() / 100.0,
            ..view(first)
        })
        .collect();
    (listed, omitted)
}

/// `items` with those of equal `key` merged into the first of them, in order of first
/// appearance; one hash lookup per item.
fn merge_by<T, K: std::hash::Hash + Eq>(
    items: impl Iterator<Item = T>,
    key: impl Fn(&T) -> K,
    mut merge: impl FnMut(&mut T, T),
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    let mut at: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
    for item in items {
        match at.entry(key(&item)) {
            std::collections::hash_map::Entry::Occupied(o) => merge(&mut out[*o.get()], item),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(out.len());
                out.push(item);
            }
        }
    }
    out
}

fn short(iso: &str) -> String {
    iso.get(..16).unwrap_or(iso).replace('T', " ")
}

/// `first → last`, or words saying that the failure records had no time.
pub(crate) fn span(first: Option<&str>, last: Option<&str>) -> String {
    match (first, last) {
        (Some(a), Some(b)) => format!("{} → {}", short(a), short(b)),
        _ => "time unknown".to_string(),
    }
}

/// `first →` and `last` as units of a table cell, or words saying that the failure records
/// had no time.
pub(crate) fn span_units(first: Option<&str>, last: Option<&str>) -> Vec<String> {
    match (first, last) {
        (Some(a), Some(b)) => vec![format!("{} →", short(a)), short(b)],
        _ => vec!["time unknown".to_string()],
    }
}

/// A sentence of the verdict: our words, and values taken from the logs (names, codes,
/// places), which Markdown shows as code.
#[derive(Debug, Default)]
struct Sentence(Vec<(bool, String)>);

impl Sentence {
    fn new(words: &str) -> Self {
        Sentence(vec![(false, words.to_string())])
    }
    /// `words` with the first occurrence of `value` in them marked as a value.
    fn marked(words: &str, value: Option<&str>) -> Self {
        match value.filter(|v| !v.is_empty()).and_then(|v| Some((v, words.split_once(v)?))) {
            Some((v, (before, after))) => Sentence::new(before).value(v).words(after),
            None => Sentence::new(words),
        }
    }
    fn words(mut self, words: &str) -> Self {
        self.0.push((false, words.to_string()));
        self
    }
    fn value(mut self, value: &str) -> Self {
        self.0.push((true, value.to_string()));
        self
    }
    fn plain(&self) -> String {
        self.0.iter().map(|(_, s)| s.as_str()).collect()
    }
    fn markdown(&self) -> String {
        self.0.iter().map(|(value, s)| if *value { md::code(s) } else { md::text(s) }).collect()
    }
}

/// The headline: what failed, what its code really means, what it wraps, and the cause of
/// that failure.
fn verdict(
    d: &Diagnosis,
    events: &[Event<'_>],
    bundle: &Bundle,
    upgrades: &[super::upgrade::UpgradeView],
) -> Vec<Sentence> {
    let mut out = Vec::new();
    let states: Vec<String> =
        d.states.iter().map(|st| StateView::new(bundle, events, st).words).collect();
    if d.incidents.is_empty() {
        if super::upgrade::only_cancelled(upgrades) {
            out.extend(super::upgrade::verdict_lines(upgrades).iter().map(|l| Sentence::new(l)));
        } else if states.is_empty() {
            out.push(Sentence::new("No update failure found in these logs."));
        } else {
            out.push(Sentence::new(&format!(
                "No update failure found; {}.",
                states.join("; and ")
            )));
        }
        let storage =
            || d.warnings.iter().filter(|w| w.rule.category == diagnose::Category::Storage);
        if storage().next().is_some() {
            // The first storage warning whose event names its disk or volume says which.
            let failing = storage()
                .filter_map(|w| d.disks.device(w.event))
                .map(|dev| (d.disks.describe(dev), model_of(d, dev)))
                .find(|(name, _)| !name.is_empty());
            out.push(match failing {
                Some((dev, model)) => Sentence::marked(&format!("But {dev} shows signs of failing: back up its data now, before any repair or update."), model),
                None => Sentence::new("But the disk shows signs of failing: back up the data now, before any repair or update."),
            });
        }
        return out;
    }
    let main: &Incident = &d.incidents[d.headline.unwrap_or(0).min(d.incidents.len() - 1)];
    let times =
        if main.count() == 1 { "once".to_string() } else { format!("{} times", main.count()) };
    let subject = match main.kind {
        diagnose::IncidentKind::Dism => Sentence::new("A DISM command failed"),
        diagnose::IncidentKind::Scan => Sentence::new("Checking for updates failed"),
        k => {
            let name = main.update_name();
            let mut c = name.chars();
            let name: String =
                c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
            Sentence::default().value(&name).words(&format!(" {}", k.describe()))
        }
    };
    let when = match (main.first(), main.last()) {
        (Some(a), Some(b)) => format!("{} → {} UTC", day(a), day(b)),
        _ => "time unknown: the lines carry no time".to_string(),
    };
    let first = subject.words(&format!(" {times} ({when})"));
    out.push(code_words(first, main).words("."));
    if diagnose::is_weak(main, events) {
        out.push(Sentence::new("This failure was read from text in no known format (a line that names a failure and a code), so it is weak evidence: read the line itself before acting on it."));
    }
    if d.incidents.len() > 1 {
        out.push(Sentence::new(&format!(
            "{} update failures in all; see the table below.",
            d.incidents.len()
        )));
    }
    let feature = main.kind == diagnose::IncidentKind::FeatureUpdate;
    if feature {
        out.extend(super::upgrade::verdict_lines(upgrades).iter().map(|l| Sentence::new(l)));
    } else {
        // Feature updates that are not the headline still get their sentence.
        out.extend(upgrades.iter().map(|u| Sentence::new(&u.sentence())));
    }
    let mut explained: Vec<u32> = Vec::new();
    for c in main.code_runs().into_iter().filter_map(|(c, _)| c) {
        if explained.len() < 3 && !explained.contains(&c.as_hresult()) {
            explained.push(c.as_hresult());
            // A code routine in WindowsUpdate.log is a real result when Setup reports it.
            let routine = crate::knowledge::class(c) == crate::knowledge::Class::Benign;
            out.push(match c.name() {
                Some(n) if feature && routine => {
                    Sentence::default().value(&shown(c)).words(" is ").value(n).words(".")
                }
                _ => Sentence::new(&code_sentence(c)),
            });
        }
    }
    if let Some((c, i)) = diagnose::wrapped_code(main, events) {
        let mut s = Sentence::new("It wraps an earlier, specific failure: ").value(&shown(c));
        if let Some(n) = c.name() {
            s = s.words(" ").value(n);
        }
        out.push(s.words(" at ").value(&super::location(bundle, events[i].at)).words("."));
    }
    out.extend(cause_words(d, main).iter().map(|l| Sentence::new(l)));
    for (st, words) in d.states.iter().zip(&states) {
        let advice = match st.kind {
            diagnose::StateKind::PendingRestart => ": restart before the next attempt",
            diagnose::StateKind::StoreCorrupt => "",
        };
        out.push(Sentence::new(&format!("Also, when the logs end, {words}{advice}.")));
    }
    if d.storage_first {
        let system = d.disks.disks.iter().find(|k| k.role == diagnose::disks::Role::System);
        let disk = system.map_or_else(
            || "the disk".to_string(),
            |k| format!("the disk that holds Windows (disk {})", k.number),
        );
        out.push(Sentence::new(&format!("Back up or image {disk} before anything that writes: no DISM, SFC, chkdsk /r, repair install or further update retries until the data is safe.")));
    }
    out.extend(elsewhere_words(d, events));
    out
}

/// The codes of an incident's attempts after `s`: " with 0x…" when they all had one code,
/// else the codes in order (": 0xC1900131, then 0x80070002, then 0x80070570").
fn code_words(s: Sentence, i: &Incident) -> Sentence {
    let runs = i.code_runs();
    let one = |s: Sentence, (c, n): &(Option<Code>, usize)| {
        let s = match c {
            Some(c) => s.value(&shown(*c)),
            None => s.words("no code"),
        };
        if *n > 1 { s.words(&format!(" ({n} times)")) } else { s }
    };
    let list = |s: Sentence, runs: &[(Option<Code>, usize)]| {
        runs.iter()
            .enumerate()
            .fold(s, |s, (k, r)| one(if k == 0 { s } else { s.words(", then ") }, r))
    };
    match runs.as_slice() {
        // Failure records without a time make no attempt; their code is the incident's.
        [] => match i.code {
            Some(c) => s.words(" with ").value(&shown(c)),
            None => s,
        },
        [(None, _)] => s,
        [(Some(c), _)] => s.words(" with ").value(&shown(*c)),
        [head @ .., _] if head.len() <= 5 => list(s.words(": "), &runs),
        [head @ .., last] => {
            let s = list(s.words(": "), &head[..4.min(head.len())]);
            one(s.words(", …, then "), last)
        }
    }
}

/// "incident 4", "incidents 1, 4 and 5".
fn incident_list(ids: &[u32]) -> String {
    let shown: Vec<String> = ids.iter().take(6).map(u32::to_string).collect();
    let more = ids.len().saturating_sub(6);
    match (shown.as_slice(), more) {
        ([one], 0) => format!("incident {one}"),
        ([head @ .., last], 0) => format!("incidents {} and {last}", head.join(", ")),
        (all, more) => format!("incidents {} and {more} more", all.join(", ")),
    }
}

/// The cause of the headline incident, and whether it also covers other failures.
fn cause_words(d: &Diagnosis, main: &Incident) -> Vec<String> {
    let describe = |c: &diagnose::Cause| {
        // A cause that rests on the failure's code alone says so.
        let basis = match c.basis {
            diagnose::Basis::Evidence => String::new(),
            b => BasisView::new(b).map(|v| format!(": {}", v.words)).unwrap_or_default(),
        };
        format!("{} ({} confidence{basis})", c.category.title().to_lowercase(), c.confidence.word())
    };
    let Some(top) = d.causes.first() else {
        return vec!["No rule found evidence for a cause; the incident list and the logs are the place to look.".to_string()];
    };
    let Some(k) = d.headline_cause else {
        return vec![format!(
            "No rule found evidence near this failure. For the other failures ({}), the most likely cause is {}.",
            incident_list(&top.incidents),
            describe(top)
        )];
    };
    let c = &d.causes[k];
    let others: Vec<u32> = c.incidents.iter().copied().filter(|&x| x != main.id).collect();
    let covers = if others.is_empty() {
        String::new()
    } else {
        format!("; it also covers {}", incident_list(&others))
    };
    if k == 0 {
        vec![format!("Most likely cause: {}{covers}.", describe(c))]
    } else {
        vec![
            format!("Most likely cause of this failure: {}{covers}.", describe(c)),
            format!(
                "Across all failures the top cause is {}, for {}.",
                describe(top),
                incident_list(&top.incidents)
            ),
        ]
    }
}

/// What disks that do not hold Windows reported: shown so that nobody wonders, and said not
/// to change the repair of Windows.
fn elsewhere_words(d: &Diagnosis, events: &[Event<'_>]) -> Vec<Sentence> {
    let mut by_device: Vec<(String, Option<&str>, Vec<&diagnose::Evidence>)> = Vec::new();
    for e in &d.disks.elsewhere {
        let dev = d.disks.device(e.event);
        let name = dev.map(|x| d.disks.describe(x)).unwrap_or_default();
        match by_device.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, _, v)) => v.push(e),
            None => by_device.push((name, dev.and_then(|x| model_of(d, x)), vec![e])),
        }
    }
    by_device
        .into_iter()
        .map(|(name, model, ev)| {
            let mut what: Vec<&str> = Vec::new();
            for e in &ev {
                let w = match e.rule.id {
                    "STO001" => "bad blocks",
                    "STO002" => "a predicted failure (SMART)",
                    "STO003" => "I/O retries or resets",
                    "STO004" => "hardware errors",
                    "STO005" => "file system damage",
                    "STO007" => "a surprise removal",
                    _ => "I/O errors",
                };
                if !what.contains(&w) {
                    what.push(w);
                }
            }
            let what = match what.as_slice() {
                [one] => (*one).to_string(),
                [head @ .., last] => format!("{} and {last}", head.join(", ")),
                [] => String::new(),
            };
            let when = if ev.iter().any(|e| e.in_window) {
                "at the same time".to_string()
            } else {
                match ev.iter().filter_map(|e| events[e.event].time).min() {
                    Some(t) => format!("at {}", day(t)),
                    None => "at a time the logs do not give".to_string(),
                }
            };
            let mut name = name;
            if let Some(f) = name.get_mut(..1) {
                f.make_ascii_uppercase();
            }
            // "Disk 1, a USB device, reported …": the apposition closes with a comma.
            if name.contains(", ") {
                name.push(',');
            }
            Sentence::marked(&format!("{name} reported {what} {when}; it does not hold Windows, so this changes nothing in the repair of Windows (copy what matters off it)."), model)
        })
        .collect()
}

/// The vendor and product of the disk a device is on, as the logs name them.
fn model_of(d: &Diagnosis, dev: diagnose::disks::Device) -> Option<&str> {
    dev.disk.and_then(|n| d.disks.disk(n)).and_then(|k| k.model.as_deref())
}

#[cfg(test)]
mod bound_tests {
    use super::*;
    use std::cell::Cell;
    use std::hash::{Hash, Hasher};

    /// A key that counts how often it is hashed or compared.
    #[derive(Debug)]
    struct Counted<'c>(usize, &'c Cell<u64>);

    impl Hash for Counted<'_> {
        fn hash<H: Hasher>(&self, h: &mut H) {
            self.1.set(self.1.get() + 1);
            self.0.hash(h);
        }
    }

    impl PartialEq for Counted<'_> {
        fn eq(&self, o: &Self) -> bool {
            self.1.set(self.1.get() + 1);
            self.0 == o.0
        }
    }

    impl Eq for Counted<'_> {}

    /// Counted, not timed: a merge that looks each item up among those kept so far (the
    /// old one) makes about n²/2 comparisons, 2·10¹⁰ for 200,000 events.
    #[test]
    fn merging_evidence_by_event_is_linear() {
        for n in [1_000usize, 200_000] {
            let ops = Cell::new(0);
            // Every event matched by two rules, as a log repeating one line gives.
            let items = (0..2 * n).map(|i| (i / 2, 1u32));
            let merged = merge_by(items, |&(ev, _)| Counted(ev, &ops), |k, (_, w)| k.1 += w);
            assert_eq!(merged.len(), n);
            assert!(merged.iter().all(|&(_, w)| w == 2));
            assert!(merged.windows(2).all(|w| w[0].0 < w[1].0), "order of first appearance");
            let per_item = ops.get() as f64 / (2 * n) as f64;
            assert!(per_item < 3.0, "{n} events: {per_item:.1} operations per item");
        }
    }
}
