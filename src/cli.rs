//! Command-line definition (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Offline triage of Windows Update failures from CBS, DISM, WindowsUpdate.log and event logs.
#[derive(Debug, Parser)]
#[command(name = "wutriage", version, about, propagate_version = true)]
pub(crate) struct Cli {
    /// When to colour tables: on a terminal (auto), always, or never. `NO_COLOR` turns
    /// `auto` off.
    #[arg(long, value_enum, global = true, default_value_t = ColorArg::Auto)]
    pub(crate) color: ColorArg,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Find each update failure, rank its likely causes with evidence, and list remedies in
    /// the order in which they are safe to try.
    Analyze {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = AnalyzeFormat::Table)]
        format: AnalyzeFormat,
        /// Correlation window around each failure, with its unit: 30m, 2h, 1d (at least 1m).
        #[arg(long, value_name = "D", default_value = "30m")]
        window: String,
        #[command(flatten)]
        range: TimeRange,
        /// Exit with 1 when an update failure was found (like `git diff --exit-code`).
        #[arg(long)]
        exit_code: bool,
        /// Write the output to FILE instead of standard output: whole or not at all (a
        /// failed run leaves no file), and never inside a bundle being read.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Export the merged UTC timeline for a forensic timeline tool (Timesketch, plaso-style
    /// CSV): incidents, rule signals and the events they cite, or every event with --all.
    Timeline {
        #[command(flatten)]
        input: InputArgs,
        /// Output format: JSON lines (Timesketch) or CSV (plaso `dynamic` column order).
        #[arg(long, value_enum, default_value_t = TimelineFormat::Jsonl)]
        format: TimelineFormat,
        /// Every event, not only incidents, signals and the events they cite.
        #[arg(long)]
        all: bool,
        /// Correlation window around each failure, with its unit: 30m, 2h, 1d (at least 1m).
        #[arg(long, value_name = "D", default_value = "30m")]
        window: String,
        #[command(flatten)]
        range: TimeRange,
        /// Write the output to FILE instead of standard output: whole or not at all (a
        /// failed run leaves no file), and never inside a bundle being read.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Analyse every sub-folder or .zip of the given folders as one bundle each, in
    /// parallel, and write one NDJSON line per bundle.
    Batch {
        /// Folders whose sub-folders and .zip files are bundles.
        #[arg(value_name = "DIR", required = true)]
        dirs: Vec<PathBuf>,
        /// Bundles analysed at once (default: one per core).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Write the lines to FILE instead of standard output: whole or not at all, and
        /// never inside a bundle being read.
        #[arg(long, visible_alias = "output", short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
        /// Correlation window around each failure, with its unit: 30m, 2h, 1d (at least 1m).
        #[arg(long, value_name = "D", default_value = "30m")]
        window: String,
        /// How to read files: map large ones (auto), map all, or read all into memory.
        #[arg(long, value_enum, default_value_t = ReadModeArg::Auto)]
        read_mode: ReadModeArg,
        /// Cap on bytes decompressed from archives, per bundle (e.g. 8GiB, 500MB).
        #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = size)]
        max_archive_bytes: u64,
        /// Cap on bytes read of one file on disk; a longer log is read up to it, and the
        /// line says so.
        #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = size)]
        max_file_bytes: u64,
        /// Cap on bytes read of files on disk, per bundle; later files are cut or skipped.
        #[arg(long, value_name = "SIZE", default_value = "16GiB", value_parser = size)]
        max_bundle_bytes: u64,
        /// Longest record kept whole; longer ones are cut, and the line says so.
        #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = size)]
        max_record_bytes: u64,
        /// Most events kept per file.
        #[arg(long, value_name = "N", default_value_t = wutriage::parse::DEFAULT_MAX_EVENTS)]
        max_events: usize,
    },
    /// Print a shell completion script (e.g. `wutriage completions bash > /etc/bash_completion.d/wutriage`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `wutriage man | man -l -`; with --dir, write
    /// wutriage.1 and one page per command into DIR.
    Man {
        /// Folder for every page (e.g. /usr/local/share/man/man1).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Decode error codes (hex, decimal, signed, or names) or show a rule's documentation.
    Explain {
        /// Codes such as 0x80070306, -2147023143, `ERROR_ERRORS_ENCOUNTERED`, or rule ids (STO001).
        #[arg(required = true, value_name = "CODE", allow_negative_numbers = true)]
        items: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
    /// List the built-in rules.
    Rules,
    /// List every file in the bundle: kind, size, encoding, time range, records, damage.
    Inventory {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = InventoryFormat::Table)]
        format: InventoryFormat,
        /// Write the output to FILE instead of standard output: whole or not at all (a
        /// failed run leaves no file), and never inside a bundle being read.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print normalized events as JSON lines, on one UTC timeline.
    Events {
        #[command(flatten)]
        input: InputArgs,
        /// Only these sources (repeatable).
        #[arg(long, value_enum)]
        source: Vec<SourceArg>,
        /// Print every event, not only those with a code, a warning or error level, a known
        /// event id or failure words.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        range: TimeRange,
    },
}

/// `--since` / `--until`, shared by the commands that read a timeline.
#[derive(Debug, Args)]
pub(crate) struct TimeRange {
    /// Only events at or after this time (ISO 8601; UTC unless an offset is given).
    #[arg(long, value_name = "T")]
    pub(crate) since: Option<String>,
    /// Only events at or before this time.
    #[arg(long, value_name = "T")]
    pub(crate) until: Option<String>,
}

/// Options shared by every command that reads a bundle.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Bundle folders, log files or .zip archives.
    #[arg(value_name = "BUNDLE", required = true)]
    pub(crate) bundles: Vec<PathBuf>,
    /// UTC offset of the machine's local time (e.g. +09:00), the same all year; overrides
    /// inference.
    #[arg(long, value_name = "±HH:MM", allow_hyphen_values = true)]
    pub(crate) utc_offset: Option<String>,
    /// Time zone of the machine's local time, with its daylight saving rules: a Windows zone
    /// ("W. Europe Standard Time") or an IANA name (Europe/Berlin); overrides inference.
    #[arg(long, value_name = "NAME", conflicts_with = "utc_offset")]
    pub(crate) timezone: Option<String>,
    /// When the inputs hold logs of several machines, only this one: its computer name, or
    /// its number in the order they are listed (1, 2, …).
    #[arg(long, value_name = "NAME")]
    pub(crate) machine: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,
    /// How to read files: map large ones (auto), map all, or read all into memory.
    #[arg(long, value_enum, default_value_t = ReadModeArg::Auto)]
    pub(crate) read_mode: ReadModeArg,
    /// Cap on bytes decompressed from archives, for the whole bundle (e.g. 8GiB, 500MB).
    #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = size)]
    pub(crate) max_archive_bytes: u64,
    /// Cap on bytes read of one file on disk (e.g. 1GiB); a longer log is read up to it,
    /// and the report says so.
    #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = size)]
    pub(crate) max_file_bytes: u64,
    /// Cap on bytes read of files on disk, for the whole bundle; files past it are cut or
    /// skipped, and the report says so.
    #[arg(long, value_name = "SIZE", default_value = "16GiB", value_parser = size)]
    pub(crate) max_bundle_bytes: u64,
    /// Longest record (a line and its continuation lines) kept whole; longer ones are cut,
    /// and the report says so.
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = size)]
    pub(crate) max_record_bytes: u64,
    /// Most events kept per file; beyond it events are counted but not kept, and the
    /// report says so.
    #[arg(long, value_name = "N", default_value_t = wutriage::parse::DEFAULT_MAX_EVENTS)]
    pub(crate) max_events: usize,
    /// Treat any damaged or unreadable part as an error (exit code 2).
    #[arg(long)]
    pub(crate) strict: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum AnalyzeFormat {
    Table,
    Json,
    Markdown,
    /// One self-contained page (no scripts, no fetches) with an SVG timeline.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExplainFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum TimelineFormat {
    Jsonl,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum InventoryFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SourceArg {
    Cbs,
    Dism,
    Wu,
    Evtx,
    /// Windows Setup: setupact/setuperr, diagerr, compatibility reports, SetupDiag, dumps.
    Setup,
    /// setupapi device-install logs.
    Setupapi,
    Etl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ReadModeArg {
    Auto,
    Mmap,
    Read,
}

impl From<ReadModeArg> for wutriage::bundle::ReadMode {
    fn from(m: ReadModeArg) -> Self {
        match m {
            ReadModeArg::Auto => Self::Auto,
            ReadModeArg::Mmap => Self::Mmap,
            ReadModeArg::Read => Self::Read,
        }
    }
}

/// A byte size such as `4GiB` (see [`wutriage::units::parse_size`]).
fn size(s: &str) -> Result<u64, String> {
    wutriage::units::parse_size(s)
}
