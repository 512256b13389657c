//! Rules: each turns an event into a [`Signal`] for one cause. One rule per file, each with a
//! stable id (`STO001`); the rule's doc comment is its user documentation, shown by
//! `wutriage rules` and `wutriage explain STO001`. Rules return data, never errors, and
//! print nothing.

use crate::category::Category;
use crate::code::Code;
use crate::event::{Event, Source};
use crate::knowledge::{self, Class};
use crate::parse::evtx::{Family, family};
use rayon::prelude::*;
use serde::Serialize;

mod app001;
mod cac001;
mod cac002;
mod cac003;
mod cac004;
mod cor001;
mod cor002;
mod cor003;
mod cor004;
mod cor005;
mod cor006;
mod drv001;
mod drv002;
mod drv003;
mod drv004;
mod dsk001;
mod dsk002;
mod hwr001;
mod med001;
mod med002;
mod mig001;
mod mig002;
mod net001;
pub mod pkg001;
mod pkg002;
pub mod pkg003;
mod pkg004;
pub mod pkg005;
mod pkg006;
mod pnd001;
mod pnd002;
mod pnd003;
pub(crate) mod pnd004;
mod sec001;
pub(crate) mod sec002;
mod sec003;
pub(crate) mod sec004;
pub(crate) mod setup_lines;
mod sto001;
mod sto002;
mod sto003;
mod sto004;
mod sto005;
mod sto006;
mod sto007;

/// How much one matching event weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Alone enough to act on (SMART failure predicted).
    Critical,
    /// Strong evidence.
    High,
    /// Evidence that needs company.
    Medium,
    /// Weak on its own.
    Low,
}

impl Severity {
    /// Points for the score.
    pub fn weight(self) -> f64 {
        match self {
            Severity::Critical => 5.0,
            Severity::High => 3.0,
            Severity::Medium => 2.0,
            Severity::Low => 1.0,
        }
    }
}

/// What a rule says about one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Severity for this match (may differ from the rule's default).
    pub severity: Severity,
    /// Evidence that stands anywhere in the bundle, not only near a failure
    /// (a SMART prediction, a store-corruption flag).
    pub standing: bool,
    /// For storage: strong enough to count as corroboration on its own.
    pub strong: bool,
}

impl Hit {
    /// A plain hit at `severity`.
    pub fn at(severity: Severity) -> Self {
        Hit { severity, standing: false, strong: false }
    }
}

/// How a rule is evaluated.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// Looks at one event at a time.
    Event(fn(&Event<'_>) -> Option<Hit>),
    /// Looks at the incidents as a whole (see [`pkg005`]).
    Incidents,
}

/// One rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, e.g. `STO001`.
    pub id: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// The cause it is evidence for.
    pub category: Category,
    /// Default severity.
    pub severity: Severity,
    /// User documentation (the rule's doc comment).
    pub doc: &'static str,
    /// How it is evaluated.
    pub check: Check,
}

impl Rule {
    /// The first sentence of the documentation.
    pub fn summary(&self) -> &'static str {
        self.doc.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("")
    }
}

/// Declares a rule; the doc comments written inside become [`Rule::doc`].
macro_rules! rule {
    ($(#[doc = $doc:literal])* id: $id:literal, name: $name:literal, category: $cat:expr,
     severity: $sev:expr, check: $check:expr $(,)?) => {
        $crate::rules::Rule {
            id: $id,
            name: $name,
            category: $cat,
            severity: $sev,
            doc: concat!($($doc, "\n"),*),
            check: $check,
        }
    };
}
pub(crate) use rule;

/// Whether `$hay` (a `str`) holds the literal `$needle`, by a searcher set up once for the
/// call site: rules run on every event, and `str::contains` sets its searcher up at each
/// call, which on a log line costs more than the search.
macro_rules! has {
    ($hay:expr, $needle:literal) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        FINDER.find(AsRef::<[u8]>::as_ref($hay)).is_some()
    }};
}
pub(crate) use has;

/// Every rule, in id order.
pub static RULES: &[&Rule] = &[
    &app001::RULE,
    &cac001::RULE,
    &cac002::RULE,
    &cac003::RULE,
    &cac004::RULE,
    &cor001::RULE,
    &cor002::RULE,
    &cor003::RULE,
    &cor004::RULE,
    &cor005::RULE,
    &cor006::RULE,
    &drv001::RULE,
    &drv002::RULE,
    &drv003::RULE,
    &drv004::RULE,
    &dsk001::RULE,
    &dsk002::RULE,
    &hwr001::RULE,
    &med001::RULE,
    &med002::RULE,
    &mig001::RULE,
    &mig002::RULE,
    &net001::RULE,
    &pkg001::RULE,
    &pkg002::RULE,
    &pkg003::RULE,
    &pkg004::RULE,
    &pkg005::RULE,
    &pkg006::RULE,
    &pnd001::RULE,
    &pnd002::RULE,
    &pnd003::RULE,
    &pnd004::RULE,
    &sec001::RULE,
    &sec002::RULE,
    &sec003::RULE,
    &sec004::RULE,
    &sto001::RULE,
    &sto002::RULE,
    &sto003::RULE,
    &sto004::RULE,
    &sto005::RULE,
    &sto006::RULE,
    &sto007::RULE,
];

/// A rule by id (case-insensitive).
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// One event matched by one rule.
#[derive(Debug, Clone, Copy)]
pub struct Signal {
    /// The rule.
    pub rule: &'static Rule,
    /// Index of the event in the timeline.
    pub event: usize,
    /// What the rule said.
    pub hit: Hit,
}

/// Events per task when rules run in parallel.
pub(crate) const EVENTS_PER_TASK: usize = 4096;

/// Runs every event rule over the timeline, in parallel on the current rayon pool; the
/// signals come out in event order.
pub fn signals(events: &[Event<'_>]) -> Vec<Signal> {
    events
        .par_chunks(EVENTS_PER_TASK)
        .enumerate()
        .flat_map_iter(|(k, chunk)| {
            chunk.iter().enumerate().flat_map(move |(j, e)| of_event(e, k * EVENTS_PER_TASK + j))
        })
        .collect()
}

/// What every event rule says of `e`, the event at index `event` of the timeline.
pub(crate) fn of_event<'e>(e: &'e Event<'_>, event: usize) -> impl Iterator<Item = Signal> + 'e {
    RULES.iter().filter_map(move |&rule| match rule.check {
        Check::Event(f) => f(e).map(|hit| Signal { rule, event, hit }),
        Check::Incidents => None,
    })
}

// ---- helpers shared by the rules -------------------------------------------------------

/// The first code on the event that `pred` accepts and that is not routine noise there.
/// `pred` goes first: it is mostly a comparison of values, and the noise test looks the
/// code up and may search the message.
pub(crate) fn code_where(e: &Event<'_>, pred: impl Fn(Code) -> bool) -> Option<Code> {
    if setup_lines::is_restatement(e) {
        return None;
    }
    e.codes.iter().copied().find(|&c| pred(c) && !knowledge::is_benign_here(c, &e.message))
}

/// The first non-noise code of a cause class on the event (its class looked up once).
pub(crate) fn code_of(e: &Event<'_>, category: Category) -> Option<Code> {
    if setup_lines::is_restatement(e) {
        return None;
    }
    let cause = Class::Cause(category);
    e.codes.iter().copied().find(|&c| {
        let class = knowledge::class(c);
        class == cause && !knowledge::is_benign_as(c, class, &e.message)
    })
}

/// Whether the event is an evtx (or exported) event of `fam` with one of `ids`.
pub(crate) fn evtx_event(e: &Event<'_>, fam: Family, ids: &[u32]) -> bool {
    matches!(e.source, Source::Evtx | Source::EventExport)
        && e.event_id.is_some_and(|id| ids.contains(&id))
        && family(&e.component) == fam
}

/// Whether a CBS/DISM line reports a hard failure: `Error` level or a CSI `(F)` record.
pub(crate) fn is_hard_failure(e: &Event<'_>) -> bool {
    e.level <= crate::event::Level::Error || e.message.contains("(F)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_documented() {
        assert!(RULES.windows(2).all(|w| w[0].id < w[1].id));
        for r in RULES {
            assert_eq!(r.id.len(), 6, "{}", r.id);
            assert!(r.doc.len() > 80, "{} needs documentation", r.id);
            assert!(!r.summary().is_empty());
        }
        assert_eq!(find("sto001").map(|r| r.id), Some("STO001"));
    }

    #[test]
    fn signals_keep_event_order_across_tasks() {
        use crate::event::Level;
        let hit = testing::text(Source::Cbs, Level::Error, "CBS", "Read failed: 0x80070017");
        let quiet = testing::text(Source::Cbs, Level::Info, "CBS", "Loaded Servicing Stack");
        let events: Vec<Event<'_>> = (0..3 * EVENTS_PER_TASK + 5)
            .map(|i| if i % 1000 == 999 { hit.clone() } else { quiet.clone() })
            .collect();
        let got: Vec<(usize, &str)> =
            signals(&events).iter().map(|s| (s.event, s.rule.id)).collect();
        let mut want = Vec::new();
        for (i, e) in events.iter().enumerate() {
            for rule in RULES {
                if let Check::Event(f) = rule.check
                    && f(e).is_some()
                {
                    want.push((i, rule.id));
                }
            }
        }
        assert_eq!(want.len(), 12 * signals(std::slice::from_ref(&hit)).len());
        assert!(!want.is_empty());
        assert_eq!(got, want);
    }
}

/// Building events for rule tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::code::extract::CodeExtractor;
    use crate::event::{Event, Field, Flags, Level, Location, Pos, Source};
    use crate::time::{TimeBase, Timestamp};
    use std::borrow::Cow;

    /// A text-log event whose codes are extracted from `message`.
    pub(crate) fn text(
        source: Source,
        level: Level,
        component: &'static str,
        message: &'static str,
    ) -> Event<'static> {
        Event {
            time: Some(Timestamp(0)),
            time_base: TimeBase::Local,
            at: Location { artifact: 0, pos: Pos::Line(1) },
            source,
            level,
            component: Cow::Borrowed(component),
            event_id: None,
            codes: CodeExtractor::new().extract(message),
            kb: None,
            package: None,
            message: Cow::Borrowed(message),
            fields: Vec::new(),
            flags: Flags::default(),
        }
    }

    /// An evtx event with named fields; codes from the fields.
    pub(crate) fn evtx(
        provider: &'static str,
        id: u32,
        level: Level,
        fields: &[(&'static str, &'static str)],
    ) -> Event<'static> {
        let ex = CodeExtractor::new();
        let mut codes = Vec::new();
        for (_, v) in fields {
            ex.extract_into(v, &mut codes);
        }
        Event {
            time: Some(Timestamp(0)),
            time_base: TimeBase::Utc,
            at: Location { artifact: 0, pos: Pos::Record(1) },
            source: Source::Evtx,
            level,
            component: Cow::Borrowed(provider),
            event_id: Some(id),
            codes,
            kb: None,
            package: None,
            message: Cow::Borrowed(""),
            fields: fields
                .iter()
                .map(|(k, v)| Field { name: Cow::Borrowed(k), value: Cow::Borrowed(v) })
                .collect(),
            flags: Flags::default(),
        }
    }
}
