//! `wutriage analyze`: the verdict, incidents, ranked causes with evidence, remedies and
//! coverage, as a table, JSON or Markdown. Built from a [`Diagnosis`]; decides nothing.

use super::SCHEMA_VERSION;
use super::grid::{GLUE, Grid, GridCell, Tint};
use super::inventory::{Inventory, Row};
use super::markdown as md;
use crate::bundle::Bundle;
use crate::code::Code;
use crate::diagnose::{self, Diagnosis, Incident, IncidentKind, ScoreParts};
use crate::event::Event;
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
    /// UTC time.
    pub time: String,
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
    /// What failed: `install`, `download`, `rollback` or `dism`.
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
    /// The reported code, as logs print it: `0x80070306`.
    pub code: Option<String>,
    /// Its symbolic name: `ERROR_ERRORS_ENCOUNTERED`.
    pub code_name: Option<&'static str>,
    /// What it means, in our words.
    pub code_meaning: Option<&'static str>,
    /// Every distinct failure code reported.
    pub codes: Vec<String>,
    /// How many separate attempts failed.
    pub count: usize,
    /// First failure, UTC.
    pub first: String,
    /// Last failure, UTC.
    pub last: String,
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
    /// The failure records of every attempt.
    pub records: Vec<EventRef>,
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
    /// Evidence, strongest first.
    pub evidence: Vec<EvidenceView>,
    /// Facts that speak against it.
    pub against: Vec<String>,
    /// Why it is ranked where it is, when that is not the score alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
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
    /// The UTC offset used for local-time logs (`+01:00`), as in `batch` lines.
    pub utc_offset: String,
    /// That offset and where it comes from.
    pub offset: OffsetChoice,
    /// The time base, in words.
    pub clock: String,
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
    /// Standing warnings found without an update failure.
    pub warnings: Vec<EvidenceView>,
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
    EventRef { at: super::location(bundle, e.at), time: e.time.to_string(), excerpt: excerpt(e) }
}

fn code_sentence(c: Code) -> String {
    match c.as_hresult() {
        0x8007_0306 => "0x80070306 is ERROR_ERRORS_ENCOUNTERED (Win32 774, \"one or more errors occurred\"): a catch-all, often mislabelled \"the handle is invalid\", which is really 0x80070006 or 0xC0000008.".to_string(),
        0x8007_0006 => "0x80070006 is E_HANDLE (Win32 6): the handle is invalid.".to_string(),
        0xD000_0008 => "0xC0000008 is STATUS_INVALID_HANDLE: an invalid handle was given.".to_string(),
        _ => match (c.name(), crate::knowledge::describe(c)) {
            (Some(n), Some(d)) => format!("0x{:08X} is {n}: {}", c.as_hresult(), d.text),
            (Some(n), None) => format!("0x{:08X} is {n}.", c.as_hresult()),
            (None, Some(d)) => format!("0x{:08X}: {}", c.as_hresult(), d.text),
            (None, None) => format!("0x{:08X} has no public name.", c.as_hresult()),
        },
    }
}

fn day(t: crate::time::Timestamp) -> String {
    t.to_string().get(..16).unwrap_or("").replace('T', " ")
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
        let incidents: Vec<IncidentView> = d
            .incidents
            .iter()
            .map(|i| {
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
                    code_name: code.as_ref().and_then(|c| c.name),
                    code_meaning: code.as_ref().and_then(|c| c.meaning),
                    code: code.map(|c| c.code),
                    codes: i.codes.iter().map(|c| shown(*c)).collect(),
                    count: i.count(),
                    first: i.first().to_string(),
                    last: i.last().to_string(),
                    invalid_handle_family: i.invalid_handle_family(),
                    wraps: wrapped.map(|(c, _)| shown(c)),
                    wraps_name: wrapped.and_then(|(c, _)| c.name()),
                    wraps_at: wrapped.map(|(_, ev)| event_ref(bundle, events, ev)),
                    cause: d
                        .causes
                        .iter()
                        .find(|c| c.incidents.contains(&i.id))
                        .map(|c| c.category.id()),
                    records: i
                        .attempts
                        .iter()
                        .flat_map(|a| &a.events)
                        .map(|&ev| event_ref(bundle, events, ev))
                        .collect(),
                }
            })
            .collect();
        let ev_view = |e: &diagnose::Evidence| EvidenceView {
            rule: e.rule.id.to_string(),
            name: e.rule.name,
            event: event_ref(bundle, events, e.event),
            weight: (e.weight * 100.0).round() / 100.0,
            in_window: e.in_window,
            standing: e.standing,
        };
        let causes = d
            .causes
            .iter()
            .enumerate()
            .map(|(n, c)| CauseView {
                rank: n + 1,
                cause: c.category.id(),
                title: c.category.title(),
                score: c.score,
                score_parts: c.parts,
                confidence: c.confidence.word(),
                incidents: c.incidents.clone(),
                evidence: merge_by_event(c.evidence.iter().map(|e| (e.event, ev_view(e))).collect()),
                against: c.against.clone(),
                note: (d.storage_first && c.category == diagnose::Category::Storage).then_some(
                    "ranked first whatever its score: the storage failure is corroborated, and a failing disk must be dealt with before any repair",
                ),
            })
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
        };
        let upgrades = super::upgrade::views(d, bundle, events);
        let sentences = verdict(d, events, bundle, &upgrades);
        Report {
            schema_version: SCHEMA_VERSION,
            verdict: sentences.iter().map(Sentence::plain).collect(),
            verdict_markdown: sentences.iter().map(Sentence::markdown).collect(),
            utc_offset: inv.offset.offset.to_string(),
            offset: inv.offset,
            clock: inv.clock(),
            window_minutes: d.window_us / 60_000_000,
            storage_first: d.storage_first,
            incidents,
            upgrades,
            causes,
            remedies: d.remedies.clone(),
            warnings: d.warnings.iter().map(ev_view).collect(),
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
        for (n, line) in self.verdict.iter().enumerate() {
            let style = if line.starts_with("Back up") || line.starts_with("But the disk") {
                alarm
            } else if n == 0 || line.starts_with("Most likely cause") {
                bold
            } else {
                Style::new()
            };
            for part in wrap(line, "", "") {
                writeln!(w, "{}", paint(style, &part))?;
            }
        }
        writeln!(w)?;
        if !self.incidents.is_empty() {
            let mut t =
                Grid::new(&["#", "update", "what", "code", "times", "first → last (UTC)", "wraps"])
                    .label("Incident");
            for i in &self.incidents {
                let code: Vec<&str> =
                    i.code.iter().map(String::as_str).chain(i.code_name).collect();
                let wraps: Vec<&str> = match (&i.wraps, &i.wraps_at) {
                    (Some(c), Some(at)) => std::iter::once(c.as_str())
                        .chain(i.wraps_name)
                        .chain(["at", at.at.as_str()])
                        .collect(),
                    _ => Vec::new(),
                };
                t.row(vec![
                    GridCell::new(i.id.to_string()),
                    GridCell::units(&[&i.update]),
                    GridCell::new(i.what),
                    GridCell::units(&code).tint(Some(Tint::Red)),
                    GridCell::new(i.count.to_string()),
                    GridCell::units(&[format!("{} →", short(&i.first)), short(&i.last)]),
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
                    GridCell::new(u.version()),
                    GridCell::new(u.outcome),
                    GridCell::new(u.phase.unwrap_or("")),
                    GridCell::new(match (&u.operation, &u.operation_name) {
                        (Some(o), Some(n)) => format!("{o}: {n}"),
                        (Some(o), None) => o.clone(),
                        (None, Some(n)) => n.clone(),
                        (None, None) => String::new(),
                    }),
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
                for e in c.evidence.iter().take(3) {
                    // The rule and the place are one unit; the excerpt wraps.
                    ev.push(format!(
                        "{}{GLUE}{}: {}",
                        e.rule,
                        e.event.at.replace(' ', &GLUE.to_string()),
                        e.event.excerpt
                    ));
                }
                for a in &c.against {
                    ev.push(format!("against: {a}"));
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
        if !self.warnings.is_empty() {
            let mut t = Grid::new(&["rule", "where", "what"]);
            for e in &self.warnings {
                t.row(vec![
                    GridCell::new(e.rule.clone()),
                    GridCell::units(&[&e.event.at]),
                    GridCell::new(e.event.excerpt.clone()),
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
            "Read {} of {} files ({} records, {} damaged parts, {} skipped); times in UTC, local logs at {} ({}).",
            c.parsed,
            c.files,
            c.records,
            c.damaged,
            c.skipped,
            self.offset.offset,
            self.offset.origin.describe()
        );
        wrap(&read, "", "").iter().try_for_each(|l| writeln!(w, "{l}"))?;
        for line in self.incomplete() {
            wrap(&format!("Incomplete: {line}"), "", "")
                .iter()
                .try_for_each(|l| writeln!(w, "{l}"))?;
        }
        Ok(())
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

    /// Markdown for a support ticket: what came from the logs (names, codes, places,
    /// excerpts) in code spans, our words escaped, so that no renderer turns log text into
    /// markup and every `file:line` stays as written.
    pub fn write_markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "## Windows Update triage\n")?;
        for line in &self.verdict_markdown {
            // Two trailing spaces: a line break, so each sentence keeps its own line.
            writeln!(w, "{line}  ")?;
        }
        writeln!(w)?;
        if !self.incidents.is_empty() {
            writeln!(w, "### Update failures\n")?;
            writeln!(
                w,
                "| # | update | what | code | times | first → last (UTC) |\n|---|---|---|---|---|---|"
            )?;
            for i in &self.incidents {
                let code = i.code.as_ref().map_or_else(String::new, |c| {
                    let mut s = md::code_cell(c);
                    if let Some(n) = i.code_name {
                        s = format!("{s} {}", md::code_cell(n));
                    }
                    s
                });
                writeln!(
                    w,
                    "| {} | {} | {} | {code} | {} | {} → {} |",
                    i.id,
                    md::code_cell(&i.update),
                    md::text(i.what),
                    i.count,
                    short(&i.first),
                    short(&i.last)
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
                for e in c.evidence.iter().take(5) {
                    writeln!(
                        w,
                        "   - {} {} — {}",
                        md::code(&e.event.at),
                        md::code(&e.rule),
                        md::code(&e.event.excerpt)
                    )?;
                }
                for a in &c.against {
                    writeln!(w, "   - against: {}", md::text(a))?;
                }
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
                "Read {} of {} ({}, {}). Times in UTC; local logs at {} ({}).",
                c.parsed,
                super::count(c.files as u64, "file", "files"),
                super::count(c.records, "record", "records"),
                super::count(c.damaged, "damaged part", "damaged parts"),
                self.offset.offset,
                self.offset.origin.describe()
            ))
        )?;
        for (path, what) in self.incomplete_parts() {
            writeln!(w, "\n**Incomplete:** {}: {}", md::code(path), md::text(&what))?;
        }
        Ok(())
    }
}

/// One entry per event: when several rules matched the same line, their ids are joined.
fn merge_by_event(items: Vec<(usize, EvidenceView)>) -> Vec<EvidenceView> {
    let mut out: Vec<(usize, EvidenceView)> = Vec::new();
    for (ev, view) in items {
        match out.iter_mut().find(|(e, _)| *e == ev) {
            Some((_, existing)) => {
                existing.rule = format!("{}+{}", existing.rule, view.rule);
                existing.weight = existing.weight.max(view.weight);
            }
            None => out.push((ev, view)),
        }
    }
    out.into_iter().map(|(_, v)| v).collect()
}

fn short(iso: &str) -> String {
    iso.get(..16).unwrap_or(iso).replace('T', " ")
}

/// A sentence of the verdict: our words, and values taken from the logs (names, codes,
/// places), which Markdown shows as code.
#[derive(Debug, Default)]
struct Sentence(Vec<(bool, String)>);

impl Sentence {
    fn new(words: &str) -> Self {
        Sentence(vec![(false, words.to_string())])
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

/// The headline: what failed, what its code really means, what it wraps, and the top cause.
fn verdict(
    d: &Diagnosis,
    events: &[Event<'_>],
    bundle: &Bundle,
    upgrades: &[super::upgrade::UpgradeView],
) -> Vec<Sentence> {
    let mut out = Vec::new();
    if d.incidents.is_empty() {
        if super::upgrade::only_cancelled(upgrades) {
            out.extend(super::upgrade::verdict_lines(upgrades).iter().map(|l| Sentence::new(l)));
        } else {
            out.push(Sentence::new("No update failure found in these logs."));
        }
        if d.warnings.iter().any(|w| w.rule.category == diagnose::Category::Storage) {
            out.push(Sentence::new("But the disk shows signs of failing: back up the data now, before any repair or update."));
        }
        return out;
    }
    let top = d.causes.first();
    let main: &Incident = d
        .incidents
        .iter()
        .filter(|i| top.is_none_or(|c| c.incidents.contains(&i.id)))
        // Update failures before DISM runs, then the most repeated, then the earliest.
        .max_by_key(|i| {
            (i.kind != diagnose::IncidentKind::Dism, i.count(), std::cmp::Reverse(i.id))
        })
        .unwrap_or(&d.incidents[0]);
    let times =
        if main.count() == 1 { "once".to_string() } else { format!("{} times", main.count()) };
    let subject = match main.kind {
        diagnose::IncidentKind::Dism => Sentence::new("A DISM command failed"),
        k => {
            let name = main.update_name();
            let mut c = name.chars();
            let name: String =
                c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
            Sentence::default().value(&name).words(&format!(" {}", k.describe()))
        }
    };
    let mut first =
        subject.words(&format!(" {times} ({} → {} UTC)", day(main.first()), day(main.last())));
    if let Some(c) = main.code {
        first = first.words(" with ").value(&shown(c));
    }
    out.push(first.words("."));
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
    if let Some(c) = main.code {
        // A code routine in WindowsUpdate.log is a real result when Setup reports it.
        let routine = crate::knowledge::class(c) == crate::knowledge::Class::Benign;
        out.push(match c.name() {
            Some(n) if feature && routine => {
                Sentence::default().value(&shown(c)).words(" is ").value(n).words(".")
            }
            _ => Sentence::new(&code_sentence(c)),
        });
    }
    if let Some((c, i)) = diagnose::wrapped_code(main, events) {
        let mut s = Sentence::new("It wraps an earlier, specific failure: ").value(&shown(c));
        if let Some(n) = c.name() {
            s = s.words(" ").value(n);
        }
        out.push(s.words(" at ").value(&super::location(bundle, events[i].at)).words("."));
    }
    match top {
        Some(c) => out.push(Sentence::new(&format!("Most likely cause: {} ({} confidence).", c.category.title().to_lowercase(), c.confidence.word()))),
        None => out.push(Sentence::new("No rule found evidence for a cause; the incident list and the logs are the place to look.")),
    }
    if d.storage_first {
        out.push(Sentence::new("Back up or image the disk before anything that writes: no DISM, SFC, chkdsk /r, repair install or further update retries until the data is safe."));
    }
    out
}
