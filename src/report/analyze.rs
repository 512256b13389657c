//! `wutriage analyze`: the verdict, incidents, ranked causes with evidence, remedies and
//! coverage, as a table, JSON or Markdown. Built from a [`Diagnosis`]; decides nothing.

use super::SCHEMA_VERSION;
use super::inventory::{Inventory, Row};
use super::safe;
use crate::bundle::Bundle;
use crate::code::Code;
use crate::diagnose::{self, Diagnosis, Incident, ScoreParts};
use crate::event::Event;
use crate::parse::ParsedArtifact;
use crate::remedy::{Remedy, Risk};
use crate::timeline::{OffsetChoice, Timeline};
use anstyle::{AnsiColor, Style};
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets::UTF8_BORDERS_ONLY};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};

/// A reference to one event, checkable line by line.
#[derive(Debug, Serialize)]
pub struct EventRef {
    /// `CBS.log:1234` or `System.evtx#48211`.
    pub at: String,
    /// UTC time.
    pub time: String,
    /// The first line of the message, shortened.
    pub excerpt: String,
}

/// A code with its name and meaning.
#[derive(Debug, Serialize)]
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

/// One incident.
#[derive(Debug, Serialize)]
pub struct IncidentView {
    /// 1-based id.
    pub id: u32,
    /// What failed.
    pub kind: &'static str,
    /// KB, title or package.
    pub update: String,
    /// KB number.
    pub kb: Option<String>,
    /// Update title.
    pub title: Option<String>,
    /// CBS package identity.
    pub package: Option<String>,
    /// The reported code.
    pub code: Option<CodeView>,
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
    /// The specific earlier failure that a catch-all code wraps.
    pub wraps: Option<Wrapped>,
    /// The failure records of the attempts: all of them, or the first and last
    /// [`LISTED`]` / 2` when there are more (see `records_total`).
    pub records: Vec<EventRef>,
    /// How many failure records there are in all.
    pub records_total: usize,
}

/// The failure behind a catch-all.
#[derive(Debug, Serialize)]
pub struct Wrapped {
    /// Its code.
    pub code: CodeView,
    /// Where it is.
    #[serde(flatten)]
    pub event: EventRef,
}

/// One piece of evidence.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub struct CauseView {
    /// 1 = most likely.
    pub rank: usize,
    /// Category id.
    pub category: &'static str,
    /// Category title.
    pub title: &'static str,
    /// Score.
    pub score: f64,
    /// How the score was made.
    pub score_parts: ScoreParts,
    /// Confidence in words.
    pub confidence: &'static str,
    /// Incidents it touches.
    pub incidents: Vec<u32>,
    /// Evidence, strongest first, one entry per event: at most [`LISTED`] (see
    /// `evidence_total`).
    pub evidence: Vec<EvidenceView>,
    /// How many events are evidence for it in all.
    pub evidence_total: usize,
    /// Facts that speak against it.
    pub against: Vec<String>,
    /// Why it is ranked where it is, when that is not the score alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// Totals over the files.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub struct Report {
    /// JSON contract version.
    pub schema_version: u32,
    /// Headline verdict, one sentence per line.
    pub verdict: Vec<String>,
    /// Offset used for local times.
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upgrades: Vec<super::upgrade::UpgradeView>,
    /// Causes, most likely first.
    pub causes: Vec<CauseView>,
    /// Remedies, safest first.
    pub remedies: Vec<Remedy>,
    /// Standing warnings found without an update failure: at most [`LISTED`].
    pub warnings: Vec<EvidenceView>,
    /// How many warnings there are in all.
    pub warnings_total: usize,
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
            .map(|i| IncidentView {
                id: i.id,
                kind: i.kind.describe(),
                update: i.update_name(),
                kb: i.kb.map(|k| format!("KB{k}")),
                title: i.title.clone(),
                package: i.package.clone(),
                code: i.code.map(CodeView::new),
                codes: i.codes.iter().map(|c| shown(*c)).collect(),
                count: i.count(),
                first: i.first().to_string(),
                last: i.last().to_string(),
                invalid_handle_family: i.invalid_handle_family(),
                wraps: diagnose::wrapped_code(i, events).map(|(c, ev)| Wrapped {
                    code: CodeView::new(c),
                    event: event_ref(bundle, events, ev),
                }),
                records: ends(i.attempts.iter().flat_map(|a| &a.events), LISTED)
                    .map(|&ev| event_ref(bundle, events, ev))
                    .collect(),
                records_total: i.attempts.iter().map(|a| a.events.len()).sum(),
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
            .map(|(n, c)| (n, c, merge_by_event(&c.evidence)))
            .map(|(n, c, merged)| CauseView {
                rank: n + 1,
                category: c.category.id(),
                title: c.category.title(),
                score: c.score,
                score_parts: c.parts,
                confidence: c.confidence.word(),
                incidents: c.incidents.clone(),
                evidence: merged
                    .iter()
                    .take(LISTED)
                    .map(|(first, rules, weight)| EvidenceView {
                        rule: rules.clone(),
                        weight: (weight * 100.0).round() / 100.0,
                        ..ev_view(first)
                    })
                    .collect(),
                evidence_total: merged.len(),
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
        Report {
            schema_version: SCHEMA_VERSION,
            verdict: verdict(d, events, bundle, &upgrades),
            offset: inv.offset,
            clock: inv.clock(),
            window_minutes: d.window_us / 60_000_000,
            storage_first: d.storage_first,
            incidents,
            upgrades,
            causes,
            remedies: d.remedies.clone(),
            warnings: d.warnings.iter().take(LISTED).map(ev_view).collect(),
            warnings_total: d.warnings.len(),
            coverage,
            files: inv.files,
        }
    }

    /// JSON.
    pub fn write_json(&self, w: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        writeln!(w)
    }

    /// Human tables, without colour.
    pub fn write_table(&self, w: &mut dyn Write) -> io::Result<()> {
        self.write_table_styled(w, false)
    }

    /// Human tables; with `color`, the verdict, headings, confidence and risk are coloured
    /// with ANSI escapes.
    pub fn write_table_styled(&self, w: &mut dyn Write, color: bool) -> io::Result<()> {
        let paint = |style: Style, text: &str| -> String {
            if color {
                format!("{}{text}{}", style.render(), style.render_reset())
            } else {
                text.to_string()
            }
        };
        let bold = Style::new().bold();
        let alarm = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
        let table = |header: &[&str]| {
            let mut t = table(header);
            if color {
                t.enforce_styling();
            }
            t
        };
        let heading = |text: &str| paint(Style::new().bold().underline(), text);
        // The width of the tables: the terminal's, or 140 columns in a pipe.
        let width = usize::from(table(&[]).width().unwrap_or(140));
        for (n, line) in self.verdict.iter().enumerate() {
            let style = if line.starts_with("Back up") || line.starts_with("But the disk") {
                alarm
            } else if n == 0 || line.starts_with("Most likely cause") {
                bold
            } else {
                Style::new()
            };
            for part in textwrap::wrap(&safe::line(line), width) {
                writeln!(w, "{}", paint(style, &part))?;
            }
        }
        writeln!(w)?;
        let cell = |text: String, c: Option<Color>| match (color, c) {
            (true, Some(c)) => Cell::new(text).fg(c),
            _ => Cell::new(text),
        };
        if !self.incidents.is_empty() {
            let mut t =
                table(&["#", "update", "what", "code", "times", "first → last (UTC)", "wraps"]);
            for i in &self.incidents {
                t.add_row([
                    Cell::new(i.id),
                    Cell::new(safe::line(&i.update)),
                    Cell::new(i.kind),
                    cell(
                        i.code
                            .as_ref()
                            .map(|c| format!("{} {}", c.code, c.name.unwrap_or("")))
                            .unwrap_or_default(),
                        Some(Color::Red),
                    ),
                    Cell::new(i.count),
                    Cell::new(format!("{} → {}", short(&i.first), short(&i.last))),
                    cell(
                        i.wraps
                            .as_ref()
                            .map(|x| {
                                format!(
                                    "{} {} at {}",
                                    x.code.code,
                                    x.code.name.unwrap_or(""),
                                    safe::line(&x.event.at)
                                )
                            })
                            .unwrap_or_default(),
                        Some(Color::Red),
                    ),
                ]);
            }
            writeln!(w, "{}\n{t}\n", heading("Update failures"))?;
        }
        if !self.upgrades.is_empty() {
            let mut t = table(&[
                "#",
                "feature update",
                "outcome",
                "phase",
                "operation",
                "code",
                "telemetry",
                "first → last (UTC)",
            ]);
            for u in &self.upgrades {
                t.add_row([
                    Cell::new(u.id),
                    Cell::new(safe::line(u.version())),
                    Cell::new(u.outcome),
                    Cell::new(u.phase.unwrap_or("")),
                    Cell::new(match (&u.operation, &u.operation_name) {
                        (Some(o), Some(n)) => format!("{o}: {n}"),
                        (Some(o), None) => o.clone(),
                        (None, Some(n)) => n.clone(),
                        (None, None) => String::new(),
                    }),
                    cell(u.code.clone().unwrap_or_default(), Some(Color::Red)),
                    Cell::new(u.reported.clone().unwrap_or_default()),
                    Cell::new(format!("{} → {}", short(&u.first), short(&u.last))),
                ]);
            }
            writeln!(w, "{}\n{t}\n", heading("Feature updates (Windows Setup)"))?;
        }
        if !self.causes.is_empty() {
            let mut t = table(&["rank", "cause", "confidence", "score", "strongest evidence"]);
            for c in &self.causes {
                let ev: Vec<String> = c
                    .evidence
                    .iter()
                    .take(3)
                    .map(|e| {
                        format!(
                            "{} {}: {}",
                            e.rule,
                            safe::line(&e.event.at),
                            safe::line(&e.event.excerpt)
                        )
                    })
                    .collect();
                let mut ev = ev.join("\n");
                if let Some(n) = c.note {
                    ev = format!("({n})\n{ev}");
                }
                for a in &c.against {
                    let _ = write!(ev, "\nagainst: {}", safe::line(a));
                }
                let conf = match c.confidence {
                    "high" => Some(Color::Red),
                    "medium" => Some(Color::Yellow),
                    _ => None,
                };
                let title = if c.rank == 1 && color {
                    Cell::new(c.title).add_attribute(Attribute::Bold)
                } else {
                    Cell::new(c.title)
                };
                t.add_row([
                    Cell::new(c.rank),
                    title,
                    cell(c.confidence.to_string(), conf),
                    Cell::new(format!("{:.1}", c.score)),
                    Cell::new(ev),
                ]);
            }
            writeln!(w, "{}\n{t}\n", heading("Likely causes"))?;
        }
        if !self.warnings.is_empty() {
            let mut t = table(&["rule", "where", "what"]);
            for e in &self.warnings {
                t.add_row([
                    e.rule.clone(),
                    safe::line(&e.event.at).into_owned(),
                    safe::line(&e.event.excerpt).into_owned(),
                ]);
            }
            writeln!(w, "{}\n{t}\n", heading("Warnings"))?;
        }
        if !self.remedies.is_empty() {
            // A list, not a table: commands stay on one line each, unwrapped and without
            // borders, so they can be copied from the terminal as they are.
            writeln!(w, "{}\n", heading("Remedies, in the order in which they are safe to try"))?;
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
                    let opts =
                        textwrap::Options::new(width).initial_indent(first).subsequent_indent(rest);
                    textwrap::wrap(text, opts).iter().try_for_each(|l| writeln!(w, "{l}"))
                };
                text(w, "", "    ", &title)?;
                if let Some(wait) = &r.wait {
                    text(w, "    ", "      ", &paint(alarm, &format!("Wait: {wait}")))?;
                }
                for st in &r.steps {
                    text(w, "    - ", "      ", &st.what)?;
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
        textwrap::wrap(&read, width).iter().try_for_each(|l| writeln!(w, "{l}"))?;
        for line in self.incomplete() {
            textwrap::wrap(&format!("Incomplete: {}", safe::line(&line)), width)
                .iter()
                .try_for_each(|l| writeln!(w, "{l}"))?;
        }
        Ok(())
    }
    /// One line per file whose reading hit a limit or found it changed: the results for it
    /// are partial, and the reader must know.
    fn incomplete(&self) -> Vec<String> {
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
                (!hit.is_empty()).then(|| format!("{}: {}", f.path, hit.join("; ")))
            })
            .collect()
    }

    /// Markdown for a support ticket.
    pub fn write_markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "## Windows Update triage\n")?;
        for line in &self.verdict {
            writeln!(w, "{}  ", safe::markdown_text(line))?;
        }
        writeln!(w)?;
        if !self.incidents.is_empty() {
            writeln!(w, "### Update failures\n")?;
            writeln!(
                w,
                "| # | update | what | code | times | first → last (UTC) |\n|---|---|---|---|---|---|"
            )?;
            for i in &self.incidents {
                writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} → {} |",
                    i.id,
                    safe::markdown_code(&i.update, true),
                    i.kind,
                    i.code
                        .as_ref()
                        .map(|c| format!("`{}` {}", c.code, c.name.unwrap_or("")))
                        .unwrap_or_default(),
                    i.count,
                    short(&i.first),
                    short(&i.last)
                )?;
            }
            for i in &self.incidents {
                if let Some(x) = &i.wraps {
                    writeln!(
                        w,
                        "\nIncident {} wraps `{}` {} at {}: {}",
                        i.id,
                        x.code.code,
                        x.code.name.unwrap_or(""),
                        safe::markdown_code(&x.event.at, false),
                        safe::markdown_code(&x.event.excerpt, false)
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
                    "| {} | {} | {} | {} | {} | `{}` | {} |",
                    u.id,
                    safe::markdown_code(u.version(), true),
                    u.outcome,
                    u.phase.unwrap_or(""),
                    safe::markdown_code(
                        &match (&u.operation, &u.operation_name) {
                            (Some(o), Some(n)) => format!("{o}: {n}"),
                            (Some(o), None) => o.clone(),
                            (None, Some(n)) => n.clone(),
                            (None, None) => String::new(),
                        },
                        true
                    ),
                    u.code.as_deref().unwrap_or(""),
                    u.reported.as_deref().unwrap_or("")
                )?;
            }
            writeln!(w)?;
        }
        if !self.causes.is_empty() {
            writeln!(w, "### Likely causes\n")?;
            for c in &self.causes {
                writeln!(
                    w,
                    "{}. **{}** — {} confidence (score {:.1}, {} sources)",
                    c.rank, c.title, c.confidence, c.score, c.score_parts.sources
                )?;
                for e in c.evidence.iter().take(5) {
                    writeln!(
                        w,
                        "   - {} {} — {}",
                        safe::markdown_code(&e.event.at, false),
                        e.rule,
                        safe::markdown_code(&e.event.excerpt, false)
                    )?;
                }
                for a in &c.against {
                    writeln!(w, "   - against: {}", safe::markdown_code(a, false))?;
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
                    safe::markdown_code(&e.event.at, false),
                    e.rule,
                    safe::markdown_code(&e.event.excerpt, false)
                )?;
            }
            writeln!(w)?;
        }
        if !self.remedies.is_empty() {
            writeln!(w, "### What to do, safest first\n")?;
            for (n, r) in self.remedies.iter().enumerate() {
                writeln!(w, "{}. **{}** ({}; {})", n + 1, r.title, r.risk.label(), r.why)?;
                if let Some(wait) = &r.wait {
                    writeln!(w, "   - **Wait:** {wait}")?;
                }
                for s in &r.steps {
                    match &s.command {
                        Some(c) => writeln!(w, "   - {}: `{c}`", s.what.trim_end_matches('.'))?,
                        None => writeln!(w, "   - {}", s.what)?,
                    }
                }
            }
            writeln!(w)?;
        }
        let c = &self.coverage;
        writeln!(
            w,
            "_Read {} of {} files ({} records, {} damaged parts). Times in UTC; local logs at {} ({})._",
            c.parsed,
            c.files,
            c.records,
            c.damaged,
            self.offset.offset,
            self.offset.origin.describe()
        )?;
        for line in self.incomplete() {
            writeln!(w, "\n**Incomplete:** {}", safe::markdown_code(&line, false))?;
        }
        Ok(())
    }
}

/// The most a report lists of one thing (records of an incident, evidence of a cause,
/// warnings); the JSON says how many there are in all. A log that repeats one failure a
/// million times is still read whole, but its report is not a million rows.
pub const LISTED: usize = 50;

/// All of `items` when there are at most `n`, else the first and last `n / 2`.
fn ends<T>(items: impl Iterator<Item = T>, n: usize) -> impl Iterator<Item = T> {
    let all: Vec<T> = items.collect();
    let len = all.len();
    let half = n / 2;
    all.into_iter()
        .enumerate()
        .filter(move |(i, _)| len <= n || *i < half || *i >= len - half)
        .map(|(_, t)| t)
}

/// One entry per event, in order of first appearance: when several rules matched the same
/// line, their ids are joined with `+` and the weight is the largest. Linear in the
/// evidence, however many rules and events.
fn merge_by_event(evidence: &[diagnose::Evidence]) -> Vec<(&diagnose::Evidence, String, f64)> {
    merge_by(
        evidence.iter().map(|e| (e, e.rule.id.to_string(), e.weight)),
        |(e, _, _)| e.event,
        |kept, (_, rule, weight)| {
            kept.1 = format!("{}+{rule}", kept.1);
            kept.2 = kept.2.max(weight);
        },
    )
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

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY).set_content_arrangement(ContentArrangement::Dynamic);
    if t.width().is_none() {
        t.set_width(140);
    }
    t.set_header(header.iter().copied());
    t
}

/// The headline: what failed, what its code really means, what it wraps, and the top cause.
fn verdict(
    d: &Diagnosis,
    events: &[Event<'_>],
    bundle: &Bundle,
    upgrades: &[super::upgrade::UpgradeView],
) -> Vec<String> {
    let mut out = Vec::new();
    if d.incidents.is_empty() {
        if super::upgrade::only_cancelled(upgrades) {
            out.extend(super::upgrade::verdict_lines(upgrades));
        } else {
            out.push("No update failure found in these logs.".to_string());
        }
        if d.warnings.iter().any(|w| w.rule.category == diagnose::Category::Storage) {
            out.push("But the disk shows signs of failing: back up the data now, before any repair or update.".to_string());
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
    let code = main.code.map(|c| format!(" with {}", shown(c))).unwrap_or_default();
    let subject = match main.kind {
        diagnose::IncidentKind::Dism => "A DISM command failed".to_string(),
        k => {
            let name = main.update_name();
            let mut c = name.chars();
            let name: String =
                c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
            format!("{name} {}", k.describe())
        }
    };
    out.push(format!(
        "{subject} {times} ({} → {} UTC){code}.",
        day(main.first()),
        day(main.last())
    ));
    if d.incidents.len() > 1 {
        out.push(format!("{} update failures in all; see the table below.", d.incidents.len()));
    }
    let feature = main.kind == diagnose::IncidentKind::FeatureUpdate;
    if feature {
        out.extend(super::upgrade::verdict_lines(upgrades));
    } else {
        // Feature updates that are not the headline still get their sentence.
        out.extend(upgrades.iter().map(super::upgrade::UpgradeView::sentence));
    }
    if let Some(c) = main.code {
        // A code routine in WindowsUpdate.log is a real result when Setup reports it.
        let routine = crate::knowledge::class(c) == crate::knowledge::Class::Benign;
        out.push(match c.name() {
            Some(n) if feature && routine => format!("0x{:08X} is {n}.", c.as_hresult()),
            _ => code_sentence(c),
        });
    }
    if let Some((c, i)) = diagnose::wrapped_code(main, events) {
        out.push(format!(
            "It wraps an earlier, specific failure: {} {} at {}.",
            shown(c),
            c.name().unwrap_or(""),
            super::location(bundle, events[i].at)
        ));
    }
    match top {
        Some(c) => out.push(format!("Most likely cause: {} ({} confidence).", c.category.title().to_lowercase(), c.confidence.word())),
        None => out.push("No rule found evidence for a cause; the incident list and the logs are the place to look.".to_string()),
    }
    if d.storage_first {
        out.push("Back up or image the disk before anything that writes: no DISM, SFC, chkdsk /r, repair install or further update retries until the data is safe.".to_string());
    }
    out
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

    #[test]
    fn long_lists_keep_their_ends() {
        let v: Vec<usize> = ends(0..1000, LISTED).collect();
        assert_eq!(v.len(), LISTED);
        assert_eq!(v[..LISTED / 2], (0..LISTED / 2).collect::<Vec<_>>()[..]);
        assert_eq!(v[LISTED / 2..], (1000 - LISTED / 2..1000).collect::<Vec<_>>()[..]);
        assert_eq!(ends(0..10, LISTED).count(), 10);
    }
}
