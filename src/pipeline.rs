//! The whole read path in one call: open → decode → parse → machines → timeline, on a thread
//! pool of the requested size. The results borrow from each other, so they are handed to a
//! closure, once per machine found in the inputs.

use crate::bundle::{Bundle, OpenOptions};
use crate::clock::infer::UserClock;
use crate::clock::zone::Zone;
use crate::machine::{self, Machine, name_key};
use crate::parse::{self, ParseOptions, ParsedArtifact, Texts};
use crate::time::UtcOffset;
use crate::timeline::Timeline;
use std::path::PathBuf;

/// Options for [`run`] and [`run_each`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How inputs are opened.
    pub open: OpenOptions,
    /// How artifacts are parsed.
    pub parse: ParseOptions,
    /// Offset for local times, overriding inference.
    pub utc_offset: Option<UtcOffset>,
    /// Time zone for local times, overriding inference (ignored with `utc_offset`).
    pub timezone: Option<Zone>,
    /// Only the machine of this name (or alias, any case); `None`: every machine.
    pub machine: Option<String>,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// The process exits right after [`run`]: its events are not freed.
    pub exit_after: bool,
}

/// One machine found in the inputs, and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineFiles {
    /// What its logs say of it.
    pub machine: Machine,
    /// Its files (bundle paths).
    pub files: Vec<String>,
    /// Whether none of its logs names a computer (files tied to no machine).
    pub unidentified: bool,
}

impl MachineFiles {
    /// `DESKTOP-1 (build 10.0.19045): CBS.log, System.evtx`, for messages.
    pub fn describe(&self) -> String {
        let who = if self.unidentified {
            "files that name no machine".to_string()
        } else {
            self.machine.describe()
        };
        let mut files: Vec<&str> = self.files.iter().map(String::as_str).take(6).collect();
        if self.files.len() > 6 {
            files.push("…");
        }
        format!("{who}: {}", files.join(", "))
    }
}

/// Everything the read path produced for one machine.
#[derive(Debug)]
pub struct Analysis<'a, 't> {
    /// The opened inputs (only this machine's files when several machines were given).
    pub bundle: &'a Bundle,
    /// Coverage and issues per artifact (events have moved to the timeline).
    pub parsed: &'a [ParsedArtifact<'t>],
    /// The merged UTC timeline; its `machine` says which machine it is.
    pub timeline: &'a mut Timeline<'t>,
    /// Every machine found in the inputs, in order (one when they are all one machine's).
    pub machines: &'a [MachineFiles],
    /// The thread pool of the read path (`None` if it could not start).
    pool: Option<&'a rayon::ThreadPool>,
}

impl Analysis<'_, '_> {
    /// Runs `job` on the read path's thread pool, so that parallel work in it (diagnosis)
    /// uses the requested number of threads.
    pub fn in_pool<R: Send>(&self, job: impl FnOnce() -> R + Send) -> R {
        match self.pool {
            Some(p) => p.install(job),
            None => job(),
        }
    }

    /// The periods covered by event logs, for weighing the absence of evidence.
    pub fn log_spans(&self) -> Vec<crate::diagnose::LogSpan> {
        self.bundle
            .artifacts
            .iter()
            .enumerate()
            .filter(|(_, a)| a.kind.is_event_log())
            .filter_map(|(i, a)| {
                let c = &self.parsed.get(i)?.coverage;
                let utc = |t: crate::time::Timestamp| self.timeline.clocks.to_utc(i, t);
                let name = a.path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
                Some(crate::diagnose::LogSpan {
                    system_log: name.contains("system"),
                    first: utc(c.first?),
                    last: utc(c.last?),
                })
            })
            .collect()
    }
}

/// What [`run_each`] returns: one result per machine analysed, and every machine found.
#[derive(Debug)]
pub struct Each<R> {
    /// One per machine analysed, in order.
    pub results: Vec<R>,
    /// Every machine found (also those `Options::machine` left out).
    pub machines: Vec<MachineFiles>,
}

/// Whether machine `m` is the one `name` names: by its name or an alias (any case), else
/// by its number in the list (`2`).
fn named(m: &Machine, name: &str, all: &[machine::Group]) -> bool {
    let by_name = |g: &Machine| {
        let Some(want) = name_key(name) else { return false };
        g.name.iter().chain(&g.aliases).any(|n| name_key(n).as_deref() == Some(want.as_str()))
    };
    if all.iter().any(|g| by_name(&g.machine)) {
        return by_name(m);
    }
    name.trim()
        .parse::<usize>()
        .is_ok_and(|k| m.part.is_some_and(|p| p.0 == k) || (all.len() == 1 && k == 1))
}

/// Runs the read path over `inputs` and hands `f` one analysis per machine (the one
/// `opts.machine` names, or all), on the calling thread, in order; stops at the first error
/// `f` returns. Logs of different machines are never merged: each gets its own timeline,
/// clock and report.
pub fn run_each<R, E>(
    inputs: &[PathBuf],
    opts: &Options,
    f: impl FnMut(Analysis<'_, '_>) -> Result<R, E>,
) -> Result<Each<R>, E> {
    read(inputs, opts, false, f)
}

/// The read path; with `merge` (and no machine chosen), every input is one analysis.
fn read<R, E>(
    inputs: &[PathBuf],
    opts: &Options,
    merge: bool,
    mut f: impl FnMut(Analysis<'_, '_>) -> Result<R, E>,
) -> Result<Each<R>, E> {
    // A pool can fail to start only when threads cannot be spawned; then work runs inline.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(opts.threads.unwrap_or(0)).build().ok();
    let install = |job: &mut (dyn FnMut() + Send)| match &pool {
        Some(p) => p.install(job),
        None => job(),
    };
    let user = match (opts.utc_offset, &opts.timezone) {
        (Some(o), _) => UserClock::Offset(o),
        (None, Some(z)) => UserClock::Zone(z.clone()),
        (None, None) => UserClock::Infer,
    };
    let bundle = Bundle::open(inputs, &opts.open);
    let mut texts = None;
    install(&mut || texts = Some(Texts::decode(&bundle)));
    let texts = texts.unwrap_or_else(|| Texts::decode(&bundle));
    let mut parsed = Vec::new();
    install(&mut || parsed = parse::parse(&bundle, &texts, &opts.parse));
    let groups = machine::groups(&bundle, &parsed);
    let machines: Vec<MachineFiles> = groups
        .iter()
        .map(|g| MachineFiles {
            machine: g.machine.clone(),
            files: g
                .artifacts
                .iter()
                .filter_map(|&i| bundle.artifacts.get(i).map(|a| a.path.clone()))
                .collect(),
            unidentified: g.unidentified,
        })
        .collect();
    let chosen: Vec<usize> = (0..groups.len())
        .filter(|&k| opts.machine.as_deref().is_none_or(|n| named(&groups[k].machine, n, &groups)))
        .collect();
    let whole = merge && opts.machine.is_none();
    let mut results = Vec::with_capacity(chosen.len());
    let mut keep = Vec::new();
    if whole || (groups.len() == 1 && chosen == [0]) {
        // One machine, or every input as one on request: the bundle as it is.
        let mut timeline = None;
        install(&mut || timeline = Some(Timeline::build_with(&mut parsed, &user)));
        let mut timeline = timeline.unwrap_or_else(|| Timeline::build_with(&mut parsed, &user));
        if let [group] = groups.as_slice() {
            timeline.machine = group.machine.clone();
        }
        let r = f(Analysis {
            bundle: &bundle,
            parsed: &parsed,
            timeline: &mut timeline,
            machines: &machines,
            pool: pool.as_ref(),
        });
        keep.push(timeline);
        results.push(r?);
    } else {
        for (n, &k) in chosen.iter().enumerate() {
            let g = &groups[k];
            // This machine's share: its files (without their bytes, which are parsed) and
            // their results, renumbered in that order.
            let sub = Bundle {
                artifacts: g
                    .artifacts
                    .iter()
                    .filter_map(|&i| bundle.artifacts.get(i).map(crate::bundle::Artifact::stub))
                    .collect(),
                errors: if n == 0 {
                    bundle.errors.iter().map(crate::error::Error::duplicate).collect()
                } else {
                    Vec::new()
                },
            };
            let mut share: Vec<ParsedArtifact<'_>> = g
                .artifacts
                .iter()
                .enumerate()
                .map(|(j, &i)| {
                    let mut p = parsed.get_mut(i).map(std::mem::take).unwrap_or_default();
                    for e in &mut p.events {
                        e.at.artifact = j as u32;
                    }
                    p
                })
                .collect();
            let mut timeline = None;
            install(&mut || timeline = Some(Timeline::build_with(&mut share, &user)));
            let mut timeline = timeline.unwrap_or_else(|| Timeline::build_with(&mut share, &user));
            timeline.machine = g.machine.clone();
            let r = f(Analysis {
                bundle: &sub,
                parsed: &share,
                timeline: &mut timeline,
                machines: &machines,
                pool: pool.as_ref(),
            });
            keep.push(timeline);
            if opts.exit_after {
                std::mem::forget(share);
            }
            results.push(r?);
        }
    }
    if opts.exit_after {
        // Freeing every event one by one only delays the exit that frees them all at once.
        std::mem::forget(keep);
        std::mem::forget(parsed);
        // Unmapping the files here, with the pool's threads alive, flushed every other
        // thread's view of each range; the exit tears the mappings down without that.
        std::mem::forget(texts);
        std::mem::forget(bundle);
    }
    Ok(Each { results, machines })
}

/// Runs the read path over `inputs` and hands `f` one analysis: of the machine
/// `opts.machine` names, or else of every input together, as one timeline with one clock,
/// whatever machines they hold (for tests and measurements over many logs at once).
/// `Analysis::machines` lists the machines found; the commands use [`run_each`], which never
/// merges machines.
pub fn run<R>(inputs: &[PathBuf], opts: &Options, f: impl FnOnce(Analysis<'_, '_>) -> R) -> R {
    let mut f = Some(f);
    let mut out = None;
    let all = Options { machine: None, ..opts.clone() };
    // No machine of that name: every input.
    for opts in [opts, &all] {
        let _ = read(inputs, opts, true, |a| {
            if let Some(f) = f.take() {
                out = Some(f(a));
            }
            // One analysis is all this caller wants.
            Err::<(), ()>(())
        });
        if let Some(out) = out.take() {
            return out;
        }
    }
    unreachable!("read analyses every input together when no machine is named")
}
