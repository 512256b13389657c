//! The `wutriage` binary: argument parsing, exit codes and error display.

mod cli;
mod term;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser};
use cli::{
    AnalyzeFormat, Cli, Command, InputArgs, InventoryFormat, SourceArg, TimeRange, TimelineFormat,
};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use term::Progress;
use wutriage::batch;
use wutriage::bundle::OpenOptions;
use wutriage::diagnose::{self, Diagnosis};
use wutriage::event::Source;
use wutriage::parse::{Keep, ParseOptions};
use wutriage::pipeline::{self, Analysis, Options};
use wutriage::report::picture::Picture;
use wutriage::report::problems::{self, Severity};
use wutriage::report::safe::{self, Guard};
use wutriage::report::timeline::{self, Selection};
use wutriage::report::{analyze::Report, events, explain, html, inventory::Inventory};
use wutriage::rules;
use wutriage::time::{Timestamp, UtcOffset};

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

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
                eprintln!("wutriage: error: {}", safe::name(&format!("{e:#}")));
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
            read_mode: input.read_mode.into(),
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
        exit_after: true,
    })
}

fn user_time(s: Option<&String>, flag: &str) -> Result<Option<Timestamp>> {
    s.map(|s| {
        Timestamp::parse_user(s).with_context(|| format!("{flag} {s:?}: expected an ISO 8601 time"))
    })
    .transpose()
}

/// The parsed `--since` / `--until`.
fn time_range(r: &TimeRange) -> Result<(Option<Timestamp>, Option<Timestamp>)> {
    Ok((user_time(r.since.as_ref(), "--since")?, user_time(r.until.as_ref(), "--until")?))
}

/// Prints warnings about the inputs; returns whether they make the run fail.
#[expect(clippy::print_stderr, reason = "diagnostics go to stderr")]
fn diagnose(a: &Analysis<'_, '_>, strict: bool) -> bool {
    let mut failed = false;
    for p in problems::of(a.bundle, a.parsed) {
        match p.severity {
            Severity::Error => {
                eprintln!("wutriage: error: {}", safe::name(&p.text));
                failed = true;
            }
            Severity::Warning => {
                eprintln!("wutriage: warning: {}", safe::name(&p.text));
                failed |= strict;
            }
        }
    }
    failed
}

/// Restricts the timeline to `[since, until]` and diagnoses what is left.
fn diagnosed(
    a: &mut Analysis<'_, '_>,
    window_us: i64,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Diagnosis {
    a.timeline.restrict(since, until);
    let spans = a.log_spans();
    let (events, notes) = (&a.timeline.events, &a.timeline.notes);
    a.in_pool(|| diagnose::diagnose(events, notes, &spans, diagnose::Options { window_us }))
}

/// A spinner for reading the bundles, shown only on a terminal after a second.
fn reading(inputs: &[PathBuf]) -> Progress {
    let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    Progress::spinner(format!("reading {}", safe::name(&names.join(", "))))
}

/// Runs `write` on `out` through a [`Guard`], so that nothing from the evidence reaches a
/// terminal (or a file later shown on one) as a control sequence.
fn guarded(
    out: &mut dyn Write,
    color: bool,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut g = Guard::new(out, color);
    write(&mut g)?;
    g.flush()
}

/// wutriage.1 and wutriage-COMMAND.1 for each command, as the main page refers to them.
fn write_man_pages(dir: &std::path::Path) -> Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let write = |name: &str, page: clap_mangen::Man| -> Result<()> {
        let path = dir.join(format!("{name}.1"));
        let mut buf = Vec::new();
        page.render(&mut buf)?;
        std::fs::write(&path, buf).with_context(|| format!("--dir: writing {}", path.display()))
    };
    write("wutriage", clap_mangen::Man::new(cmd.clone()))?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("wutriage-{}", sub.get_name());
        write(&name, clap_mangen::Man::new(sub.clone().name(name.clone())))?;
    }
    Ok(())
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
    let color =
        term::use_color(cli.color, stdout.is_terminal(), std::env::var_os("NO_COLOR").as_deref());
    let mut out = BufWriter::new(stdout.lock());
    let code = match cli.command {
        Command::Analyze { input, format, window: w, range, exit_code } => {
            let mut opts = options(&input, Keep::Notable)?;
            // The picture draws every kept event; the other formats show only what
            // diagnosis reads, and counts.
            if !matches!(format, AnalyzeFormat::Html) {
                opts.parse.retain = Some(diagnose::retain);
                opts.parse.retain_unread = Some(diagnose::unread_evtx);
            }
            let window_us = window(&w)?;
            let (since, until) = time_range(&range)?;
            let progress = reading(&input.bundles);
            let (failed, found) =
                pipeline::run(&input.bundles, &opts, |mut a| -> Result<(bool, bool)> {
                    drop(progress);
                    let failed = diagnose(&a, input.strict);
                    if a.bundle.parsed().next().is_none() {
                        // Nothing was read: a report would only say "no failure found".
                        return Ok((true, false));
                    }
                    let d = diagnosed(&mut a, window_us, since, until);
                    let report = Report::new(a.bundle, a.parsed, a.timeline, &d);
                    match format {
                        AnalyzeFormat::Table => {
                            guarded(&mut out, color, |w| report.write_table_styled(w, color))?;
                        }
                        AnalyzeFormat::Json => report.write_json(&mut out)?,
                        AnalyzeFormat::Markdown => {
                            guarded(&mut out, false, |w| report.write_markdown(w))?;
                        }
                        AnalyzeFormat::Html => {
                            let picture = Picture::new(a.bundle, &a.timeline.events, &d);
                            let names: Vec<String> =
                                input.bundles.iter().map(|p| p.display().to_string()).collect();
                            html::write(&report, &picture, &names, &mut out)?;
                        }
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
        Command::Timeline { input, format, all, window: w, range } => {
            let opts = options(&input, if all { Keep::All } else { Keep::Notable })?;
            let window_us = window(&w)?;
            let (since, until) = time_range(&range)?;
            let progress = reading(&input.bundles);
            pipeline::run(&input.bundles, &opts, |mut a| -> Result<bool> {
                drop(progress);
                let failed = diagnose(&a, input.strict);
                let d = diagnosed(&mut a, window_us, since, until);
                let events = &a.timeline.events;
                let signals = a.in_pool(|| rules::signals(events));
                let selection = if all { Selection::All } else { Selection::Cited };
                let rows = timeline::rows(a.bundle, &a.timeline.events, &d, &signals, selection);
                match format {
                    TimelineFormat::Jsonl => timeline::write_jsonl(&rows, &mut out)?,
                    TimelineFormat::Csv => timeline::write_csv(&rows, &mut out)?,
                }
                Ok(failed)
            })?
        }
        Command::Batch {
            dirs,
            jobs,
            out: path,
            window: w,
            read_mode,
            max_archive_bytes,
            max_record_bytes,
            max_events,
        } => {
            if jobs == Some(0) {
                bail!("--jobs must be at least 1");
            }
            let opts = batch::Options {
                jobs: jobs.unwrap_or_else(|| {
                    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
                }),
                window_us: window(&w)?,
                open: OpenOptions {
                    read_mode: read_mode.into(),
                    max_archive_bytes,
                    ..OpenOptions::default()
                },
                // A batch line is drawn from the same report as `analyze`, so it needs only
                // what diagnosis reads.
                parse: ParseOptions {
                    keep: Keep::Notable,
                    max_events_per_artifact: max_events,
                    max_record_bytes: usize::try_from(max_record_bytes).unwrap_or(usize::MAX),
                    retain: Some(diagnose::retain),
                    retain_unread: Some(diagnose::unread_evtx),
                    ..ParseOptions::default()
                },
            };
            let entries = batch::discover(&dirs)?;
            if entries.is_empty() {
                bail!("no bundle (sub-folder or .zip) in {}", list(&dirs));
            }
            let mut sink: Box<dyn Write> = match &path {
                Some(p) => Box::new(BufWriter::new(
                    File::create(p).with_context(|| format!("--out {}", p.display()))?,
                )),
                None => Box::new(&mut out),
            };
            let progress = Progress::bar(entries.len() as u64, "bundles".to_string());
            // Lines to the terminal the bar is drawn on: lift the bar while each is written.
            let shared = path.is_none() && io::stdout().is_terminal();
            let mut broken = Vec::new();
            batch::run(&entries, &opts, &|_| progress.inc(), |line| -> io::Result<()> {
                if line.status != "ok" {
                    broken.push((line.bundle.clone(), line.errors.first().cloned()));
                }
                let mut write = || -> io::Result<()> {
                    serde_json::to_writer(&mut sink, line)?;
                    sink.write_all(b"\n")?;
                    if shared { sink.flush() } else { Ok(()) }
                };
                if shared { progress.suspend(write) } else { write() }
            })?;
            sink.flush()?;
            drop(sink);
            drop(progress);
            #[expect(clippy::print_stderr, reason = "diagnostics go to stderr")]
            for (id, why) in broken {
                eprintln!(
                    "wutriage: warning: bundle {}: {}",
                    safe::name(&id),
                    safe::name(&why.unwrap_or_else(|| "could not be analysed".to_string()))
                );
            }
            false
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "wutriage", &mut out);
            false
        }
        Command::Man { dir } => {
            let Some(dir) = dir else {
                clap_mangen::Man::new(Cli::command()).render(&mut out)?;
                return Ok(ExitCode::SUCCESS);
            };
            write_man_pages(&dir)?;
            false
        }
        Command::Explain { items } => {
            let mut unknown = Vec::new();
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    writeln!(out)?;
                }
                if let Some(rule) = explain::as_rule(item) {
                    explain::write_rule(rule, &mut out)?;
                } else if let Some((code, ext)) = explain::parse_setup_pair(item) {
                    explain::write_setup_pair(code, ext, &mut out)?;
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
            let progress = reading(&input.bundles);
            pipeline::run(&input.bundles, &opts, |a| -> Result<bool> {
                drop(progress);
                let failed = diagnose(&a, input.strict);
                let inv = Inventory::new(a.bundle, a.parsed, a.timeline);
                match format {
                    InventoryFormat::Table => guarded(&mut out, false, |w| inv.write_table(w))?,
                    InventoryFormat::Json => inv.write_json(&mut out)?,
                }
                Ok(failed)
            })?
        }
        Command::Events { input, source, all, range } => {
            let opts = options(&input, if all { Keep::All } else { Keep::Notable })?;
            let (since, until) = time_range(&range)?;
            let progress = reading(&input.bundles);
            pipeline::run(&input.bundles, &opts, |a| -> Result<bool> {
                drop(progress);
                let failed = diagnose(&a, input.strict);
                a.timeline.restrict(since, until);
                let wanted = |s: Source| {
                    source.is_empty()
                        || source.iter().any(|f| match f {
                            SourceArg::Cbs => s == Source::Cbs,
                            SourceArg::Dism => s == Source::Dism,
                            SourceArg::Wu => s == Source::WindowsUpdate,
                            SourceArg::Evtx => matches!(s, Source::Evtx | Source::EventExport),
                            SourceArg::Setup => {
                                matches!(s, Source::Setup | Source::Compat | Source::SetupDiag)
                            }
                            SourceArg::Setupapi => s == Source::SetupApi,
                            SourceArg::Etl => s == Source::Etl,
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
