//! The `wutriage` binary: argument parsing, exit codes and error display.

mod cli;
mod sink;
mod term;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser};
use cli::{
    AnalyzeFormat, Cli, Command, ExplainFormat, InputArgs, InventoryFormat, SourceArg, TimeRange,
    TimelineFormat,
};
use sink::Sink;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use term::Progress;
use wutriage::batch;
use wutriage::bundle::OpenOptions;
use wutriage::clock::zone::Zone;
use wutriage::diagnose::{self, Diagnosis};
use wutriage::event::Source;
use wutriage::parse::{Keep, ParseOptions};
use wutriage::pipeline::MachineFiles;
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
            // A closed pipe, however deep a writer (csv, serde_json) wrapped it.
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
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
    let timezone = match &input.timezone {
        Some(s) => Some(Zone::resolve(s).with_context(|| {
            format!(
                "--timezone {s:?}: not a Windows time zone (e.g. \"Pacific Standard Time\", as \
                 `tzutil /l` lists them) or an IANA zone (e.g. America/Los_Angeles)"
            )
        })?),
        None => None,
    };
    if input.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    Ok(Options {
        timezone,
        machine: input.machine.clone(),
        open: OpenOptions {
            read_mode: input.read_mode.into(),
            max_archive_bytes: input.max_archive_bytes,
            max_file_bytes: input.max_file_bytes,
            max_bundle_bytes: input.max_bundle_bytes,
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

/// The parsed `--since` / `--until`; a range that ends before it starts is refused.
fn time_range(r: &TimeRange) -> Result<(Option<Timestamp>, Option<Timestamp>)> {
    let (since, until) =
        (user_time(r.since.as_ref(), "--since")?, user_time(r.until.as_ref(), "--until")?);
    if let (Some(a), Some(b)) = (since, until)
        && a > b
    {
        bail!(
            "--since {} is after --until {}: the range would hold nothing",
            r.since.as_deref().unwrap_or_default(),
            r.until.as_deref().unwrap_or_default()
        );
    }
    Ok((since, until))
}

/// Prints warnings about the inputs; returns whether they make the run fail.
#[expect(clippy::print_stderr, reason = "diagnostics go to stderr")]
fn warn(a: &Analysis<'_, '_>, strict: bool) -> bool {
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

/// Refuses to write `what` (one machine's output) when the inputs hold several machines and
/// none was chosen: merged, their logs would mislead.
fn one_machine(machines: &[MachineFiles], chosen: Option<&String>, what: &str) -> Result<()> {
    if machines.len() > 1 && chosen.is_none() {
        let list: Vec<String> = machines
            .iter()
            .enumerate()
            .map(|(k, m)| format!("  {}. {}", k + 1, m.describe()))
            .collect();
        bail!(
            "the inputs hold logs of {} machines, and {what} covers one machine:\n{}\nGive each \
             machine's logs on their own, or choose one with --machine NAME (or its number).",
            machines.len(),
            list.join("\n")
        );
    }
    Ok(())
}

/// An error when `--machine` chose none of the machines found.
fn chose_none(machines: &[MachineFiles], chosen: Option<&String>) -> Result<()> {
    if let Some(name) = chosen {
        let list: Vec<String> = machines
            .iter()
            .enumerate()
            .map(|(k, m)| format!("  {}. {}", k + 1, m.describe()))
            .collect();
        bail!(
            "--machine {name:?}: no such machine in the inputs, which hold:\n{}",
            list.join("\n")
        );
    }
    Ok(())
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
/// Examples for a page: (command line, what it does).
fn examples(page: &str) -> &'static [(&'static str, &'static str)] {
    match page {
        "wutriage" | "wutriage-analyze" => &[
            (
                "wutriage analyze bundle.zip",
                "Diagnose a collected bundle: verdict, update failures, likely causes with their evidence, remedies safest first.",
            ),
            (
                "wutriage analyze --format markdown -o ticket.md C:\\cases\\4711",
                "A report to paste into a ticket, written whole to ticket.md.",
            ),
            (
                "wutriage analyze --format html -o report.html bundle.zip",
                "One self-contained page with a timeline picture.",
            ),
            (
                "wutriage analyze --since 2024-02-14 --window 2h bundle.zip",
                "Only what happened since 14 February, with a wider window around each failure.",
            ),
        ],
        "wutriage-timeline" => &[
            (
                "wutriage timeline bundle.zip > timeline.jsonl",
                "Incidents, rule signals and the records they cite, for Timesketch.",
            ),
            (
                "wutriage timeline --all --format csv -o all.csv bundle.zip",
                "Every event, in plaso's column order.",
            ),
        ],
        "wutriage-batch" => &[
            (
                "wutriage batch /cases/incoming -o fleet.ndjson",
                "One JSON line per bundle (sub-folder or .zip) of the folder.",
            ),
            (
                "python3 scripts/fleet.py fleet.ndjson",
                "Fleet questions answered from those lines in DuckDB.",
            ),
        ],
        "wutriage-inventory" => &[
            (
                "wutriage inventory bundle.zip",
                "Every file: kind, size, encoding, time range, records, damage, why it was skipped.",
            ),
            ("wutriage inventory --strict bundle.zip", "Exit 2 when a log could not be read."),
        ],
        "wutriage-events" => &[(
            "wutriage events --source evtx bundle.zip",
            "Notable event-log records as JSON lines on one UTC timeline.",
        )],
        "wutriage-explain" => &[
            (
                "wutriage explain 0x80070306",
                "What a code means (here: a catch-all, not 'the handle is invalid').",
            ),
            (
                "wutriage explain -2147023143 ERROR_CRC STO001",
                "Signed decimal codes, names and rule ids.",
            ),
            ("wutriage explain --format json 0x80D02002", "The same as JSON."),
        ],
        "wutriage-rules" => {
            &[("wutriage rules", "The built-in rules; `wutriage explain RULE` for one.")]
        }
        "wutriage-completions" => &[(
            "wutriage completions bash > /etc/bash_completion.d/wutriage",
            "Completion for bash (also zsh, fish, powershell, elvish).",
        )],
        "wutriage-man" => &[
            ("wutriage man | man -l -", "Read this manual."),
            ("wutriage man --dir /usr/local/share/man/man1", "Install every page."),
        ],
        _ => &[],
    }
}

/// Exit codes, shared by every page.
const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "The output was produced (a closed pipe counts as success)."),
    ("1", "With analyze --exit-code: an update failure was found."),
    (
        "2",
        "A usage error, an input that does not exist, a bundle with nothing to read (stdout stays empty), or with --strict a log that was damaged or not read.",
    ),
];

/// Text for a roff line: backslashes and hyphens escaped, no leading control character.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with(['.', '\'']) { format!("\\&{t}") } else { t }
}

/// The manual page of `cmd` (named `page`), with EXAMPLES and EXIT STATUS sections.
fn render_man(cmd: clap::Command, page: &str, w: &mut dyn Write) -> io::Result<()> {
    let has_args = cmd.get_arguments().any(|a| !a.is_hide_set());
    let has_subs = cmd.has_subcommands();
    let man = clap_mangen::Man::new(cmd);
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if has_args {
        man.render_options_section(w)?;
    }
    if has_subs {
        man.render_subcommands_section(w)?;
    }
    let ex = examples(page);
    if !ex.is_empty() {
        writeln!(w, ".SH EXAMPLES")?;
        for (line, what) in ex {
            writeln!(w, ".TP\n\\fB{}\\fR\n{}", roff(line), roff(what))?;
        }
    }
    writeln!(w, ".SH \"EXIT STATUS\"")?;
    for (code, what) in EXIT_STATUS {
        writeln!(w, ".TP\n\\fB{code}\\fR\n{}", roff(what))?;
    }
    man.render_version_section(w)
}

fn write_man_pages(dir: &std::path::Path) -> Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let write = |name: &str, page: clap::Command| -> Result<()> {
        let path = dir.join(format!("{name}.1"));
        let mut buf = Vec::new();
        render_man(page, name, &mut buf)?;
        std::fs::write(&path, buf).with_context(|| format!("--dir: writing {}", path.display()))
    };
    write("wutriage", cmd.clone())?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("wutriage-{}", sub.get_name());
        write(&name, sub.clone().name(name.clone()))?;
    }
    Ok(())
}

/// `30m`, `2h`, `1d`, `90s`: a number with its unit, at least a minute (a narrower window
/// would miss records of the same failure written seconds apart by different logs).
fn window(s: &str) -> Result<i64> {
    let s = s.trim();
    let Some(at) = s.find(|c: char| c.is_ascii_alphabetic()) else {
        bail!("--window {s:?}: needs a unit, e.g. {s}m (s, m, h or d)");
    };
    let (num, unit) = s.split_at(at);
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
    if !(secs.is_finite() && (60.0..=30.0 * 86_400.0).contains(&secs)) {
        bail!("--window {s:?}: must be between 1 minute and 30 days");
    }
    Ok((secs * 1e6) as i64)
}

/// Whether any machine's run failed; an error when `--machine` chose none. The output is
/// finished (a file put in place) when some run wrote to it.
fn settled(
    each: &pipeline::Each<(bool, bool)>,
    chosen: Option<&String>,
    out: Sink<'_>,
) -> Result<bool> {
    if each.results.is_empty() {
        chose_none(&each.machines, chosen)?;
    }
    if each.results.iter().any(|r| r.1) {
        out.finish()?;
    }
    Ok(each.results.iter().any(|r| r.0))
}

/// `storage-0x80070306` for `/cases/in/storage-0x80070306/` or `./storage-0x80070306`.
fn bundle_name(p: &std::path::Path) -> String {
    std::fs::canonicalize(p)
        .ok()
        .as_deref()
        .unwrap_or(p)
        .file_name()
        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Whether a command writes nothing because nothing could be read: an error on stderr
/// and an empty stdout, never an empty report.
fn unreadable(a: &Analysis<'_, '_>) -> bool {
    a.bundle.parsed().next().is_none()
}

fn run(cli: Cli) -> Result<ExitCode> {
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let columns = std::env::var("COLUMNS").ok();
    // Colour and the terminal's width only for a terminal, not for --output.
    let color_for = |sink: &Sink<'_>| {
        term::use_color(
            cli.color,
            terminal && !sink.is_file(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
    };
    let width_for = |sink: &Sink<'_>| {
        term::width(term::terminal_width(terminal && !sink.is_file()), columns.as_deref())
    };
    let failed = match cli.command {
        Command::Analyze { input, format, window: w, range, exit_code, output } => {
            let mut opts = options(&input, Keep::Notable)?;
            // The picture draws every kept event; the other formats show only what
            // diagnosis reads, and counts.
            if !matches!(format, AnalyzeFormat::Html) {
                opts.parse.retain = Some(diagnose::retain);
                opts.parse.retain_unread = Some(diagnose::unread_evtx);
            }
            let window_us = window(&w)?;
            let (since, until) = time_range(&range)?;
            let mut out = Sink::open(output.as_deref(), &input.bundles, stdout.lock())?;
            let (color, width) = (color_for(&out), width_for(&out));
            let mut progress = Some(reading(&input.bundles));
            let each =
                pipeline::run_each(&input.bundles, &opts, |mut a| -> Result<(bool, bool, bool)> {
                    drop(progress.take());
                    if matches!(format, AnalyzeFormat::Json | AnalyzeFormat::Html) {
                        one_machine(a.machines, input.machine.as_ref(), "this format")?;
                    }
                    let failed = warn(&a, input.strict);
                    if unreadable(&a) {
                        // Nothing was read: a report would only say "no failure found".
                        return Ok((true, false, false));
                    }
                    let d = diagnosed(&mut a, window_us, since, until);
                    let report = Report::new(a.bundle, a.parsed, a.timeline, &d);
                    let next = a.timeline.machine.part.is_some_and(|(k, _)| k > 1);
                    match format {
                        AnalyzeFormat::Table => {
                            if next {
                                writeln!(out, "\n{}\n", "═".repeat(40))?;
                            }
                            guarded(&mut out, color, |w| {
                                report.write_table_styled(w, color, width)
                            })?;
                        }
                        AnalyzeFormat::Json => report.write_json(&mut out)?,
                        AnalyzeFormat::Markdown => {
                            if next {
                                writeln!(out, "\n---\n")?;
                            }
                            guarded(&mut out, false, |w| report.write_markdown(w))?;
                        }
                        AnalyzeFormat::Html => {
                            let picture = Picture::new(a.bundle, &a.timeline.events, &d);
                            // The bundles' own names: a path would tell the ticket's
                            // readers about the analyst's disk, not the machine.
                            let names: Vec<String> =
                                input.bundles.iter().map(|p| bundle_name(p)).collect();
                            html::write(&report, &picture, &names, &mut out)?;
                        }
                    }
                    Ok((failed, !d.incidents.is_empty(), true))
                })?;
            if each.results.is_empty() {
                chose_none(&each.machines, input.machine.as_ref())?;
            }
            let failed = each.results.iter().any(|r| r.0);
            let found = each.results.iter().any(|r| r.1);
            if each.results.iter().any(|r| r.2) {
                out.finish()?;
            }
            return Ok(if failed {
                ExitCode::from(2)
            } else if exit_code && found {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
        Command::Timeline { input, format, all, window: w, range, output } => {
            let opts = options(&input, if all { Keep::All } else { Keep::Notable })?;
            let window_us = window(&w)?;
            let (since, until) = time_range(&range)?;
            let mut out = Sink::open(output.as_deref(), &input.bundles, stdout.lock())?;
            let mut progress = Some(reading(&input.bundles));
            let each =
                pipeline::run_each(&input.bundles, &opts, |mut a| -> Result<(bool, bool)> {
                    drop(progress.take());
                    one_machine(a.machines, input.machine.as_ref(), "a timeline export")?;
                    let failed = warn(&a, input.strict);
                    if unreadable(&a) {
                        return Ok((true, false));
                    }
                    let d = diagnosed(&mut a, window_us, since, until);
                    let events = &a.timeline.events;
                    let signals = a.in_pool(|| rules::signals(events));
                    let selection = if all { Selection::All } else { Selection::Cited };
                    let rows =
                        timeline::rows(a.bundle, &a.timeline.events, &d, &signals, selection);
                    match format {
                        TimelineFormat::Jsonl => timeline::write_jsonl(&rows, &mut out)?,
                        TimelineFormat::Csv => timeline::write_csv(&rows, &mut out)?,
                    }
                    Ok((failed, true))
                })?;
            settled(&each, input.machine.as_ref(), out)?
        }
        Command::Batch {
            dirs,
            jobs,
            out: path,
            window: w,
            read_mode,
            max_archive_bytes,
            max_file_bytes,
            max_bundle_bytes,
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
                    max_file_bytes,
                    max_bundle_bytes,
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
            // Beside the bundles is fine (a loose file is not a bundle); inside one is not.
            let bundles: Vec<PathBuf> = entries.iter().map(|e| e.path.clone()).collect();
            let mut sink = Sink::open(path.as_deref(), &bundles, stdout.lock())?;
            let progress = Progress::bar(entries.len() as u64, "bundles".to_string());
            // Lines to the terminal the bar is drawn on: lift the bar while each is written.
            let shared = !sink.is_file() && terminal;
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
            sink.finish()?;
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
            // Generated whole first: clap_complete panics when a write fails, and a closed
            // pipe (`| head`) is not an error.
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "wutriage", &mut buf);
            let mut out = stdout.lock();
            out.write_all(&buf)?;
            out.flush()?;
            false
        }
        Command::Man { dir } => {
            let Some(dir) = dir else {
                let mut buf = Vec::new();
                render_man(Cli::command(), "wutriage", &mut buf)?;
                let mut out = stdout.lock();
                out.write_all(&buf)?;
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
            };
            write_man_pages(&dir)?;
            false
        }
        Command::Explain { items, format } => {
            // Every argument understood before anything is written.
            let mut unknown = Vec::new();
            let mut explained = Vec::new();
            for item in &items {
                if let Some(rule) = explain::as_rule(item) {
                    explained.push(explain::Explained::Rule(explain::RuleInfo::new(rule)));
                } else if let Some((code, ext)) = explain::parse_setup_pair(item) {
                    let mut text = Vec::new();
                    explain::write_setup_pair(code, ext, &mut text)?;
                    explained.push(explain::Explained::SetupPair(explain::SetupPairInfo {
                        code: format!("0x{:08X}-{ext}", code.as_hresult()),
                        text: String::from_utf8_lossy(&text).trim_end().to_string(),
                    }));
                } else if let Some(code) = explain::parse_code(item) {
                    explained.push(explain::Explained::Code(explain::CodeInfo::new(code)));
                } else {
                    unknown.push(item.clone());
                }
            }
            if !unknown.is_empty() {
                bail!("not a code, code name or rule id: {}", unknown.join(", "));
            }
            let mut out = Sink::open(None, &[], stdout.lock())?;
            if format == ExplainFormat::Json {
                let doc = explain::Explanation {
                    schema_version: wutriage::report::SCHEMA_VERSION,
                    items: explained,
                };
                serde_json::to_writer_pretty(&mut out, &doc)?;
                writeln!(out)?;
            } else {
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
                    }
                }
            }
            out.finish()?;
            false
        }
        Command::Rules => {
            let mut out = Sink::open(None, &[], stdout.lock())?;
            let width = width_for(&out);
            explain::write_rules(&mut out, width)?;
            out.finish()?;
            false
        }
        Command::Inventory { input, format, output } => {
            let opts = options(&input, Keep::Notable)?;
            let mut out = Sink::open(output.as_deref(), &input.bundles, stdout.lock())?;
            let width = width_for(&out);
            let mut progress = Some(reading(&input.bundles));
            let each = pipeline::run_each(&input.bundles, &opts, |a| -> Result<(bool, bool)> {
                drop(progress.take());
                if matches!(format, InventoryFormat::Json) {
                    one_machine(a.machines, input.machine.as_ref(), "JSON output")?;
                }
                let failed = warn(&a, input.strict);
                // A bundle of files none of which is read still deserves the list that
                // says why; inputs that gave no file at all, an empty table.
                if a.bundle.artifacts.is_empty() {
                    return Ok((true, false));
                }
                let inv = Inventory::new(a.bundle, a.parsed, a.timeline);
                match format {
                    InventoryFormat::Table => {
                        if a.timeline.machine.part.is_some_and(|(k, _)| k > 1) {
                            writeln!(out)?;
                        }
                        guarded(&mut out, false, |w| inv.write_table_sized(w, width))?;
                    }
                    InventoryFormat::Json => inv.write_json(&mut out)?,
                }
                Ok((failed, true))
            })?;
            settled(&each, input.machine.as_ref(), out)?
        }
        Command::Events { input, source, all, range } => {
            let opts = options(&input, if all { Keep::All } else { Keep::Notable })?;
            let (since, until) = time_range(&range)?;
            let mut out = Sink::open(None, &[], stdout.lock())?;
            let mut progress = Some(reading(&input.bundles));
            let each = pipeline::run_each(&input.bundles, &opts, |a| -> Result<(bool, bool)> {
                drop(progress.take());
                one_machine(a.machines, input.machine.as_ref(), "an event list")?;
                let failed = warn(&a, input.strict);
                if unreadable(&a) {
                    return Ok((true, false));
                }
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
                Ok((failed, true))
            })?;
            settled(&each, input.machine.as_ref(), out)?
        }
    };
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
