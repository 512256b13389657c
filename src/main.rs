//! The `wutriage` binary: argument parsing, exit codes and error display.

mod cli;

use anyhow::{Context, Result, bail};
use clap::Parser;
use cli::{Cli, Command, InputArgs, InventoryFormat, ReadModeArg, SourceArg};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use wutriage::bundle::{Kind, OpenOptions, ReadMode};
use wutriage::event::Source;
use wutriage::parse::{Keep, ParseOptions};
use wutriage::pipeline::{self, Analysis, Options};
use wutriage::report::{events, inventory::Inventory};
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
        parse: ParseOptions { keep, ..ParseOptions::default() },
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

/// Warnings about inputs, and whether they make the run fail.
#[expect(clippy::print_stderr, reason = "diagnostics go to stderr")]
fn diagnose(a: &Analysis<'_, '_>, strict: bool) -> bool {
    let mut failed = !a.bundle.errors.is_empty();
    for e in &a.bundle.errors {
        eprintln!("wutriage: error: {e}");
    }
    for (i, art) in a.bundle.artifacts.iter().enumerate() {
        if let Some(note) = &art.note
            && (art.kind == Kind::Archive || (art.kind == Kind::Unknown && art.named_like_log()))
        {
            eprintln!("wutriage: warning: {}: {note}", art.path);
            failed |= strict;
        }
        if let Some(p) = a.parsed.get(i)
            && !p.issues.is_empty()
        {
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

fn run(cli: Cli) -> Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let code = match cli.command {
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
