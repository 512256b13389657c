//! `wutriage batch`: many bundles, one NDJSON line each, for a fleet.
//!
//! Each sub-folder or `.zip` of the given folders is one bundle. At most `jobs` bundles are
//! analysed at a time, each on one thread, so memory is bounded by a few bundles whatever
//! the size of the fleet. Lines come out in bundle order, so the output is the same for any
//! number of jobs. A bundle that cannot be read, or whose analysis panics, gives a line with
//! `"status": "error"`; the batch goes on.

use crate::bundle::OpenOptions;
use crate::diagnose::{self, Diagnosis, IncidentKind};
use crate::error::Error;
use crate::machine::Machine;
use crate::parse::ParseOptions;
use crate::pipeline;
use crate::report::analyze::{CoverageView, Report};
use crate::report::problems;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Version of the NDJSON line contract.
pub const LINE_SCHEMA_VERSION: u32 = crate::report::SCHEMA_VERSION;

/// One bundle of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The folder or archive name without `.zip` (a ticket or machine name, usually).
    pub id: String,
    /// Where it is.
    pub path: PathBuf,
}

/// Options for [`run`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Bundles analysed at once (at least 1).
    pub jobs: usize,
    /// Correlation window, as for `analyze`.
    pub window_us: i64,
    /// How each bundle is opened (the archive cap applies per bundle).
    pub open: OpenOptions,
    /// How each bundle is parsed.
    pub parse: ParseOptions,
}

/// The bundles in `dirs`: every sub-folder and every `.zip` file, sorted by path. Hidden
/// entries (`.name`) and loose files are not bundles.
pub fn discover(dirs: &[PathBuf]) -> Result<Vec<Entry>, Error> {
    let mut out = Vec::new();
    for dir in dirs {
        if !dir.exists() {
            return Err(Error::NotFound { path: dir.clone() });
        }
        if !dir.is_dir() {
            return Err(Error::NotAFolder { path: dir.clone() });
        }
        let rd = fs::read_dir(dir).map_err(|source| Error::Io { path: dir.clone(), source })?;
        for item in rd {
            let item = item.map_err(|source| Error::Io { path: dir.clone(), source })?;
            let path = item.path();
            let name = item.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            // fs::metadata follows symlinks, so a linked bundle counts. Anything named
            // `.zip` is a bundle, even a pipe or a device: its line then says it cannot be
            // read, rather than the bundle vanishing from the output.
            let Ok(meta) = fs::metadata(&path) else { continue };
            let zip = !meta.is_dir() && name.to_ascii_lowercase().ends_with(".zip");
            if meta.is_dir() || zip {
                out.push(Entry { id: id_of(&path), path });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    unique_ids(&mut out);
    Ok(out)
}

/// Makes every bundle id unique, so that an index keyed by it overwrites nothing: a zip
/// beside a folder of the same name keeps its `.zip`, and any id still taken gets `~2`,
/// `~3`, … in path order.
fn unique_ids(entries: &mut [Entry]) {
    let mut count: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for e in entries.iter() {
        *count.entry(e.id.clone()).or_default() += 1;
    }
    for e in entries.iter_mut() {
        if count[&e.id] > 1 && !e.path.is_dir() {
            e.id = e.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        }
    }
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for e in entries.iter_mut() {
        let n = seen.entry(e.id.clone()).or_default();
        *n += 1;
        if *n > 1 {
            e.id = format!("{}~{n}", e.id);
        }
    }
}

/// One failure, flattened for analytics engines.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct IncidentLine {
    /// 1-based id within the bundle.
    pub id: u32,
    /// `install`, `download`, `rollback` or `dism`.
    pub kind: IncidentKind,
    /// The same in words: `install failed`.
    pub what: &'static str,
    /// KB, title or package.
    pub update: String,
    /// `KB5034765`.
    pub kb: Option<String>,
    /// Windows Update's id of the update, when a record gives it.
    pub update_id: Option<String>,
    /// `0x80070306`: the code of the latest attempt that has one.
    pub code: Option<String>,
    /// `ERROR_ERRORS_ENCOUNTERED`.
    pub code_name: Option<&'static str>,
    /// Every distinct failure code reported, in order of first appearance.
    pub codes: Vec<String>,
    /// The specific code a catch-all wraps.
    pub wraps: Option<String>,
    /// Its symbolic name.
    pub wraps_name: Option<&'static str>,
    /// The best-ranked cause whose evidence lies near this failure.
    pub cause: Option<&'static str>,
    /// Failed attempts.
    pub count: usize,
    /// First failure, UTC (`null` when no failure record has a time).
    pub first: Option<String>,
    /// Last failure, UTC (`null` when no failure record has a time).
    pub last: Option<String>,
}

/// One ranked cause, flattened.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CauseLine {
    /// 1 = most likely.
    pub rank: usize,
    /// The cause's id (`storage`).
    pub cause: &'static str,
    /// Its title.
    pub title: &'static str,
    /// `high`, `medium` or `low`.
    pub confidence: &'static str,
    /// Score.
    pub score: f64,
}

/// The NDJSON line of one bundle.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Line {
    /// Contract version of this line.
    pub schema_version: u32,
    /// Bundle id ([`Entry::id`]).
    pub bundle: String,
    /// Bundle path as found.
    pub path: String,
    /// `ok` (analysed) or `error` (nothing could be analysed).
    pub status: &'static str,
    /// The headline verdict, one sentence per entry, as `analyze` gives it (empty for a
    /// bundle that could not be analysed).
    pub verdict: Vec<String>,
    /// Category id of the most likely cause.
    pub top_cause: Option<&'static str>,
    /// Its title.
    pub top_cause_title: Option<&'static str>,
    /// Its confidence.
    pub confidence: Option<&'static str>,
    /// Back up before anything writes.
    pub storage_first: bool,
    /// Update failures.
    pub incidents: Vec<IncidentLine>,
    /// Every ranked cause.
    pub causes: Vec<CauseLine>,
    /// What was read.
    pub coverage: Option<CoverageView>,
    /// The UTC offset used for local-time logs (`+01:00`; the one most records took when
    /// the clock changed).
    pub utc_offset: Option<String>,
    /// The machine's time zone, when found (`Pacific Standard Time (America/Los_Angeles)`).
    pub time_zone: Option<String>,
    /// The machine: its computer name and build when the logs say, and its place when the
    /// bundle holds logs of several machines (then each has its line).
    pub machine: Option<Machine>,
    /// Inputs that could not be read, and damage met while reading.
    pub errors: Vec<String>,
}

impl Line {
    fn failed(entry: &Entry, errors: Vec<String>) -> Self {
        Line {
            schema_version: LINE_SCHEMA_VERSION,
            bundle: entry.id.clone(),
            path: entry.path.display().to_string(),
            status: "error",
            verdict: Vec::new(),
            top_cause: None,
            top_cause_title: None,
            confidence: None,
            storage_first: false,
            incidents: Vec::new(),
            causes: Vec::new(),
            coverage: None,
            utc_offset: None,
            time_zone: None,
            machine: None,
            errors,
        }
    }

    fn from_report(entry: &Entry, d: &Diagnosis, r: Report, errors: Vec<String>) -> Self {
        let top = r.causes.first();
        Line {
            schema_version: LINE_SCHEMA_VERSION,
            bundle: entry.id.clone(),
            path: entry.path.display().to_string(),
            status: "ok",
            verdict: r.verdict.clone(),
            top_cause: top.map(|c| c.cause),
            top_cause_title: top.map(|c| c.title),
            confidence: top.map(|c| c.confidence),
            storage_first: r.storage_first,
            incidents: r
                .incidents
                .iter()
                .zip(&d.incidents)
                .map(|(i, di)| IncidentLine {
                    id: i.id,
                    kind: di.kind,
                    what: i.what,
                    update: i.update.clone(),
                    kb: i.kb.clone(),
                    update_id: i.update_id.clone(),
                    code: i.code.clone(),
                    code_name: i.code_name,
                    codes: i.codes.clone(),
                    wraps: i.wraps.clone(),
                    wraps_name: i.wraps_name,
                    cause: i.cause,
                    count: i.count,
                    first: i.first.clone(),
                    last: i.last.clone(),
                })
                .collect(),
            causes: r
                .causes
                .iter()
                .map(|c| CauseLine {
                    rank: c.rank,
                    cause: c.cause,
                    title: c.title,
                    confidence: c.confidence,
                    score: c.score,
                })
                .collect(),
            utc_offset: Some(r.utc_offset.clone()),
            time_zone: r.time_zone.zone.clone(),
            machine: Some(r.machine.clone()),
            coverage: Some(r.coverage),
            errors,
        }
    }
}

/// Analyses one bundle: one line, or one per machine when it holds logs of several (their
/// `bundle` is the bundle's id, `/`, and the machine's name or number). Never panics (a
/// panic inside becomes an error line).
pub fn analyse(entry: &Entry, opts: &Options) -> Vec<Line> {
    let popts = pipeline::Options {
        open: opts.open.clone(),
        parse: opts.parse.clone(),
        threads: Some(1),
        exit_after: false,
        ..pipeline::Options::default()
    };
    let run = || {
        let each = pipeline::run_each(std::slice::from_ref(&entry.path), &popts, |a| {
            let errors: Vec<String> =
                problems::of(a.bundle, a.parsed).into_iter().map(|p| p.text).collect();
            let mut entry = entry.clone();
            if let Some((k, _)) = a.timeline.machine.part.filter(|p| p.1 > 1) {
                let name =
                    a.timeline.machine.name.clone().unwrap_or_else(|| format!("machine-{k}"));
                entry.id = format!("{}/{name}", entry.id);
            }
            if a.bundle.parsed().next().is_none() {
                return Ok::<Line, std::convert::Infallible>(Line::failed(&entry, errors));
            }
            let spans = a.log_spans();
            let (events, notes) = (&a.timeline.events, &a.timeline.notes);
            let d = a.in_pool(|| {
                let opts = diagnose::Options { window_us: opts.window_us };
                diagnose::diagnose(events, notes, &spans, opts)
            });
            let report = Report::new(a.bundle, a.parsed, a.timeline, &d);
            Ok(Line::from_report(&entry, &d, report, errors))
        });
        match each {
            Ok(each) => each.results,
            Err(never) => match never {},
        }
    };
    guarded(entry, run)
}

/// Runs `f`, turning a panic into an error line for `entry`.
fn guarded(entry: &Entry, f: impl FnOnce() -> Vec<Line>) -> Vec<Line> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(lines) => lines,
        Err(p) => {
            let why = p
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown reason".to_string());
            vec![Line::failed(
                entry,
                vec![format!("the analysis stopped on an internal error: {why}")],
            )]
        }
    }
}

/// Analyses every entry, `opts.jobs` at a time. `done` is called from the workers as each
/// bundle finishes (for progress); `emit` is called on the calling thread with the lines in
/// entry order. An error from `emit` stops the batch and is returned.
pub fn run<E>(
    entries: &[Entry],
    opts: &Options,
    done: &(dyn Fn(&Entry) + Sync),
    mut emit: impl FnMut(&Line) -> Result<(), E>,
) -> Result<(), E> {
    let jobs = opts.jobs.clamp(1, entries.len().max(1));
    let next = AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Vec<Line>)>();
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(entry) = entries.get(i) else { break };
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let lines = analyse(entry, opts);
                    done(entry);
                    if tx.send((i, lines)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Lines finish out of order; hold the early finishers until their turn.
        let mut pending: BTreeMap<usize, Vec<Line>> = BTreeMap::new();
        let mut turn = 0;
        for (i, lines) in rx {
            pending.insert(i, lines);
            while let Some(lines) = pending.remove(&turn) {
                for line in &lines {
                    if let Err(e) = emit(line) {
                        stop.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
                turn += 1;
            }
        }
        Ok(())
    })
}

/// The id a path would get as a bundle (its name, without `.zip`).
pub fn id_of(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // ASCII lower-casing keeps byte offsets, so the cut lands on a char boundary.
    match name.to_ascii_lowercase().strip_suffix(".zip") {
        Some(stem) => name[..stem.len()].to_string(),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_line() {
        let entry = Entry { id: "pc42".to_string(), path: PathBuf::from("/cases/pc42.zip") };
        let line = guarded(&entry, || panic!("index out of bounds")).remove(0);
        assert_eq!(line.status, "error");
        assert_eq!(line.bundle, "pc42");
        assert!(line.errors[0].contains("index out of bounds"), "{:?}", line.errors);
        let owned = guarded(&entry, || panic!("{} went wrong", "it")).remove(0);
        assert!(owned.errors[0].contains("it went wrong"));
    }

    #[test]
    fn ids_drop_only_a_zip_extension() {
        assert_eq!(id_of(Path::new("/x/ticket-1.ZIP")), "ticket-1");
        assert_eq!(id_of(Path::new("/x/ticket-2")), "ticket-2");
        assert_eq!(id_of(Path::new("/x/é.zip")), "é");
        assert_eq!(id_of(Path::new("/x/logs.zip.d")), "logs.zip.d");
    }
}
