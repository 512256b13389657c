//! The whole read path in one call: open → decode → parse → timeline, on a thread pool of
//! the requested size. The results borrow from each other, so they are handed to a closure.

use crate::bundle::{Bundle, OpenOptions};
use crate::parse::{self, ParseOptions, ParsedArtifact, Texts};
use crate::time::UtcOffset;
use crate::timeline::Timeline;
use std::path::PathBuf;

/// Options for [`run`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How inputs are opened.
    pub open: OpenOptions,
    /// How artifacts are parsed.
    pub parse: ParseOptions,
    /// Offset for local times, overriding inference.
    pub utc_offset: Option<UtcOffset>,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// The process exits right after [`run`]: its events are not freed.
    pub exit_after: bool,
}

/// Everything the read path produced.
#[derive(Debug)]
pub struct Analysis<'a, 't> {
    /// The opened inputs.
    pub bundle: &'a Bundle,
    /// Coverage and issues per artifact (events have moved to the timeline).
    pub parsed: &'a [ParsedArtifact<'t>],
    /// The merged UTC timeline.
    pub timeline: &'a mut Timeline<'t>,
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
                let offset = self.timeline.artifact_offsets.get(i).copied().flatten();
                let utc = |t: crate::time::Timestamp| offset.map_or(t, |o| o.offset.to_utc(t));
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

/// Runs the read path over `inputs` and hands the results to `f` (on the calling thread).
pub fn run<R>(inputs: &[PathBuf], opts: &Options, f: impl FnOnce(Analysis<'_, '_>) -> R) -> R {
    // A pool can fail to start only when threads cannot be spawned; then work runs inline.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(opts.threads.unwrap_or(0)).build().ok();
    let install = |job: &mut (dyn FnMut() + Send)| match &pool {
        Some(p) => p.install(job),
        None => job(),
    };
    let bundle = Bundle::open(inputs, &opts.open);
    let mut texts = None;
    install(&mut || texts = Some(Texts::decode(&bundle)));
    let texts = texts.unwrap_or_else(|| Texts::decode(&bundle));
    let mut parsed = Vec::new();
    install(&mut || parsed = parse::parse(&bundle, &texts, &opts.parse));
    let mut timeline = None;
    install(&mut || timeline = Some(Timeline::build(&mut parsed, opts.utc_offset)));
    let mut timeline = timeline.unwrap_or_else(|| Timeline::build(&mut parsed, opts.utc_offset));
    let out = f(Analysis {
        bundle: &bundle,
        parsed: &parsed,
        timeline: &mut timeline,
        pool: pool.as_ref(),
    });
    if opts.exit_after {
        // Freeing every event one by one only delays the exit that frees them all at once.
        std::mem::forget(timeline);
        std::mem::forget(parsed);
        // Unmapping the files here, with the pool's threads alive, flushed every other
        // thread's view of each range; the exit tears the mappings down without that.
        std::mem::forget(texts);
        std::mem::forget(bundle);
    }
    out
}
