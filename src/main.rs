//! The `wutriage` binary: argument parsing, exit codes and error display.

mod cli;

use anyhow::{Context, Result, bail};
use clap::Parser;
use cli::{AnalyzeFormat, Cli, Command, InputArgs, InventoryFormat, ReadModeArg, SourceArg};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use wutriage::bundle::{OpenOptions, ReadMode};
use wutriage::diagnose;
use wutriage::event::Source;
use wutriage::parse::{Keep, ParseOptions};
use wutriage::pipeline::{self, Analysis, Options};
use wutriage::report::{analyze::Report, events, explain, inventory::Inventory};
use wutriage::time::{Timestamp, UtcOffset};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            #[expect(clippy::print_stderr, reason = "the one place errors reach the user")]
            {
                eprintln!("wutriage: error: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}

fn options(input: &InputArgs, keep: Keep) -> Result<Options> {
    let utc_offset = match &input.utc_offset {
        Some(s) => Some(
            UtcOffset::parse(s).with_context(|| format!("--utc-offset {s:?}: expected ±HH:MM"))?,
        ),
        None => None,
    };
    if input.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    Ok(Options {
        open: OpenOptions {
            read_mode: match input.read_mode {
                ReadModeArg::Auto => ReadMode::Auto,
                ReadModeArg::Mmap => ReadMode::Mmap,
                ReadModeArg::Read => ReadMode::Read,
            },
            max_archive_bytes: input.max_archive_bytes,
            ..OpenOptions::default()
        },
        parse: ParseOptions {
            keep,
            max_events_per_artifact: input.max_events,
            max_record_bytes: usize::try_from(input.max_record_bytes).unwrap_or(usize::MAX),
            ..ParseOptions::default()
        },
        utc_offset,
        threads: input.threads,
    })
}

fn user_time(s: Option<&String>, flag: &str) -> Result<Option<Timestamp>> {
    s.map(|s| {
        Timestamp::parse_user(s).with_context(|| format!("{flag} {s:?}: expected an ISO 8601 time"))
    })
    .transpose()
}

/// Prints warnings about the inputs; returns whether they make the run fail.
#[expect(clippy::print_stderr, reason = "diagnostics go to stderr")]
fn diagnose(a: &Analysis<'_, '_>, strict: bool) -> bool {
    let mut failed = !a.bundle.errors.is_empty();
    for e in &a.bundle.errors {
        eprintln!("wutriage: error: {e}");
    }
    for (i, art) in a.bundle.artifacts.iter().enumerate() {
        if let Some(note) = art.note.as_ref().filter(|_| art.warn) {
            eprintln!("wutriage: warning: {}: {note}", art.path);
            failed |= strict;
        }
        let Some(p) = a.parsed.get(i) else { continue };
        if p.coverage.replaced_chars > 0 {
            eprintln!(
                "wutriage: warning: {}: {} invalid {} sequence(s) replaced with U+FFFD",
                art.path,
                p.coverage.replaced_chars,
                art.encoding.family()
            );
        }
        if !p.issues.is_empty() {
            let first = &p.issues[0].detail;
            eprintln!(
                "wutriage: warning: {}: {} problem(s) while reading, first: {first}",
                art.path,
                p.issues.len()
            );
            failed |= strict;
        }
    }
    if a.bundle.parsed().next().is_none() && a.bundle.errors.is_empty() {
        eprintln!("wutriage: error: no log files to analyse in the given input");
        failed = true;
    }
    failed
}

/// `30m`, `2h`, `90s`, or a bare number of minutes.
fn window(s: &str) -> Result<i64> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "m"),
    };
    let n: f64 = num
        .trim()
        .parse()
        .with_context(|| format!("--window {s:?}: expected a duration such as 30m"))?;
    let secs = match unit {
        "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86_400.0,
        _ => bail!("--window {s:?}: unit must be s, m, h or d"),
    };
    if !(secs.is_finite() && secs > 0.0 && secs <= 30.0 * 86_400.0) {
        bail!("--window {s:?}: must be between 1 second and 30 days");
    }
    Ok((secs * 1e6) as i64)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let code = match cli.command {
        Command::Analyze { input, format, window: w, since, until, exit_code } => {
            let opts = options(&input, Keep::Notable)?;
            let window_us = window(&w)?;
            let since = user_time(since.as_ref(), "--since")?;
            let until = user_time(until.as_ref(), "--until")?;
            let (failed, found) =
                pipeline::run(&input.bundles, &opts, |a| -> Result<(bool, bool)> {
                    let failed = diagnose(&a, input.strict);
                    if a.bundle.parsed().next().is_none() {
                        // Nothing was read: a report would only say "no failure found".
                        return Ok((true, false));
                    }
                    a.timeline.restrict(since, until);
                    let spans = a.log_spans();
                    let d = diagnose::diagnose(
                        &a.timeline.events,
                        &spans,
                        diagnose::Options { window_us },
                    );
                    let report = Report::new(a.bundle, a.parsed, a.timeline, &d);
                    match format {
                        AnalyzeFormat::Table => report.write_table(&mut out)?,
                        AnalyzeFormat::Json => report.write_json(&mut out)?,
                        AnalyzeFormat::Markdown => report.write_markdown(&mut out)?,
                    }
                    Ok((failed, !d.incidents.is_empty()))
                })?;
            out.flush()?;
            return Ok(if failed {
                ExitCode::from(2)
            } else if exit_code && found {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
        Command::Explain { items } => {
            let mut unknown = Vec::new();
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    writeln!(out)?;
                }
                if let Some(rule) = explain::as_rule(item) {
                    explain::write_rule(rule, &mut out)?;
                } else if let Some(code) = explain::parse_code(item) {
                    explain::write_code(code, &mut out)?;
                } else {
                    unknown.push(item.clone());
                }
            }
            out.flush()?;
            if !unknown.is_empty() {
                bail!("not a code, code name or rule id: {}", unknown.join(", "));
            }
            false
        }
        Command::Rules => {
            explain::write_rules(&mut out)?;
            false
        }
        Command::Inventory { input, format } => {
            let opts = options(&input, Keep::Notable)?;
            pipeline::run(&input.bundles, &opts, |a| -> Result<bool> {
                let failed = diagnose(&a, input.strict);
                let inv = Inventory::new(a.bundle, a.parsed, a.timeline);
                match format {
                    InventoryFormat::Table => inv.write_table(&mut out)?,
                    InventoryFormat::Json => inv.write_json(&mut out)?,
                }
                Ok(failed)
            })?
        }
        Command::Events { input, source, all, since, until } => {
            let opts = options(&input, if all { Keep::All } else { Keep::Notable })?;
            let since = user_time(since.as_ref(), "--since")?;
            let until = user_time(until.as_ref(), "--until")?;
            pipeline::run(&input.bundles, &opts, |a| -> Result<bool> {
                let failed = diagnose(&a, input.strict);
                a.timeline.restrict(since, until);
                let wanted = |s: Source| {
                    source.is_empty()
                        || source.iter().any(|f| match f {
                            SourceArg::Cbs => s == Source::Cbs,
                            SourceArg::Dism => s == Source::Dism,
                            SourceArg::Wu => s == Source::WindowsUpdate,
                            SourceArg::Evtx => matches!(s, Source::Evtx | Source::EventExport),
                        })
                };
                let selected = a.timeline.events.iter().filter(|e| wanted(e.source));
                events::write_jsonl(a.bundle, selected, &mut out)?;
                Ok(failed)
            })?
        }
    };
    out.flush()?;
    Ok(if code { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
