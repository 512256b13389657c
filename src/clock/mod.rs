//! Clocks: how each log's local wall-clock times map to UTC.
//!
//! Readers record what they see ([`evidence`]); [`infer`] chooses each log's clock once per
//! machine (a zone's rules from [`zone`], or the switches its dual stamps show); the timeline
//! converts every local time with the offset in force at that instant ([`periods`]), in
//! sorted sweeps, and [`Clocks`] keeps what it found for the reports.

pub mod evidence;
pub mod infer;
pub mod periods;
pub mod zone;

use crate::time::{Timestamp, UtcOffset};
use crate::timeline::{OffsetChoice, OffsetOrigin};
use evidence::ZoneSource;
use infer::{Plan, ZoneHow};
use periods::{Period, Sequence, Tally};
use serde::Serialize;

/// The clocks of one timeline and what converting with them found.
#[derive(Debug, Clone, Default)]
pub struct Clocks {
    /// The chosen clocks.
    pub plan: Plan,
    /// Per artifact, what converting its local times found.
    pub tallies: Vec<Tally>,
}

impl Clocks {
    /// The clock of artifact `i`, if its times are local.
    pub fn of(&self, artifact: usize) -> Option<&infer::Clock> {
        let c = self.plan.of.get(artifact).copied().flatten()?;
        self.plan.clocks.get(c)
    }

    /// A local time of artifact `i` in UTC, on its own (in a repeated hour, the first pass).
    pub fn to_utc(&self, artifact: usize, local: Timestamp) -> Timestamp {
        match self.of(artifact) {
            Some(c) => Sequence::new(&c.offsets).to_utc(local),
            None => local,
        }
    }

    /// What converting clock `c`'s artifacts found.
    fn tally(&self, c: usize) -> Tally {
        let mut t = Tally::default();
        for (i, a) in self.tallies.iter().enumerate() {
            if self.plan.of.get(i).copied().flatten() == Some(c) {
                t.absorb(a);
            }
        }
        t
    }

    /// The offset most of clock `c`'s records took, and where it came from.
    fn main(&self, c: usize) -> Option<OffsetChoice> {
        let clock = self.plan.clocks.get(c)?;
        let t = self.tally(c);
        let periods = clock.offsets.periods(&t.counts);
        // Most records; on a tie the later period.
        let offset = periods
            .iter()
            .enumerate()
            .max_by_key(|(i, p)| (p.events, *i))
            .map_or(clock.offsets.last(), |(_, p)| p.offset);
        Some(OffsetChoice { offset, origin: clock.origin, support: clock.support })
    }

    /// The main offset of each artifact's clock.
    pub fn artifact_offsets(&self) -> Vec<Option<OffsetChoice>> {
        self.plan.of.iter().map(|c| c.and_then(|c| self.main(c))).collect()
    }

    /// The machine's main offset (UTC, assumed, when no log writes local time and none
    /// carries its offset on each record).
    pub fn machine_offset(&self) -> OffsetChoice {
        self.plan.machine.and_then(|c| self.main(c)).unwrap_or(OffsetChoice {
            offset: UtcOffset::UTC,
            origin: OffsetOrigin::Assumed,
            support: 0,
        })
    }

    /// The distinct offsets artifact `i`'s records took, in time order (empty when one).
    pub fn offsets_used(&self, artifact: usize) -> Vec<UtcOffset> {
        let (Some(clock), Some(t)) = (self.of(artifact), self.tallies.get(artifact)) else {
            return Vec::new();
        };
        let mut out: Vec<UtcOffset> = Vec::new();
        for p in clock.offsets.periods(&t.counts).into_iter().filter(|p| p.events > 0) {
            if out.last() != Some(&p.offset) {
                out.push(p.offset);
            }
        }
        if out.len() > 1 { out } else { Vec::new() }
    }

    /// The machine's clock for reports.
    pub fn view(&self) -> ClockView {
        let machine = self.plan.machine.and_then(|c| Some((c, self.plan.clocks.get(c)?)));
        let tally = machine.map(|(c, _)| self.tally(c)).unwrap_or_default();
        let periods = machine.map(|(_, m)| m.offsets.periods(&tally.counts)).unwrap_or_default();
        let z = self.plan.zone.as_ref();
        let zone = z.and_then(|z| z.zone.as_ref());
        let local_logs = self.plan.of.iter().any(Option::is_some);
        ClockView {
            zone: zone
                .map(zone::Zone::label)
                .or_else(|| z.and_then(|z| z.standard).map(|s| format!("UTC{s}"))),
            windows: zone.and_then(|z| z.windows),
            iana: zone.map(|z| z.iana.clone()),
            reported: z.and_then(|z| z.reported.clone()),
            standard_offset: z.and_then(|z| z.standard),
            how: z.map(|z| z.how),
            source: z.and_then(|z| z.source.map(|s| s.0)),
            told: z.and_then(|z| z.source.map(|s| s.1)).unwrap_or(0),
            agreeing: z.map(|z| z.agreeing.clone()).unwrap_or_default(),
            agreeing_count: z.map_or(0, |z| z.agreeing_count),
            rejected: z.and_then(|z| z.rejected.clone()),
            origin: machine.map(|(_, m)| m.origin),
            periods: if local_logs { periods } else { Vec::new() },
            uncertain_repeated: tally.uncertain_fold,
            skipped_hour: tally.in_gap,
            uncertain_switch: tally.uncertain_change,
            notes: self.plan.notes.clone(),
            own_clocks: self
                .plan
                .of
                .iter()
                .filter(|c| c.is_some() && **c != self.plan.machine)
                .count(),
        }
    }
}

/// The machine's clock as reports show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ClockView {
    /// The zone: `Pacific Standard Time (America/Los_Angeles)`, or `UTC+03:00` when only its
    /// standard offset is known.
    pub zone: Option<String>,
    /// The Windows zone id, when known.
    pub windows: Option<&'static str>,
    /// The IANA zone whose rules were applied, when known.
    pub iana: Option<String>,
    /// The standard-time name the machine reported (event 6013), as written.
    pub reported: Option<String>,
    /// The zone's standard offset.
    pub standard_offset: Option<UtcOffset>,
    /// How the zone was found.
    pub how: Option<ZoneHow>,
    /// The record that told it.
    pub source: Option<ZoneSource>,
    /// How many such records.
    pub told: u64,
    /// Windows zones with the reported bias whose rules agreed (a few named).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub agreeing: Vec<&'static str>,
    /// How many agreed.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub agreeing_count: usize,
    /// Why the reported zone was set aside, when the stamps contradict it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    /// Where the offsets applied to local times came from.
    pub origin: Option<OffsetOrigin>,
    /// The offsets applied over time, with the local-time records each took.
    pub periods: Vec<Period>,
    /// Records in a repeated (autumn) hour with nothing to tell which pass: taken as the
    /// first.
    pub uncertain_repeated: u64,
    /// Records stamped in a skipped (spring) hour: taken with the earlier offset.
    pub skipped_hour: u64,
    /// Records in the stretch between two stamps where a switch inferred from them happened.
    pub uncertain_switch: u64,
    /// Other things found (an earlier zone, evidence set aside).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
    /// Logs that kept a clock of their own (their stamps contradict the machine's).
    pub own_clocks: usize,
}

// Serde's skip predicate takes a reference.
#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if signature")]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ClockView {
    /// The offsets of the periods, each once, in the order they first apply.
    pub fn distinct_offsets(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.periods {
            let o = p.offset.to_string();
            if !out.contains(&o) {
                out.push(o);
            }
        }
        out
    }

    /// Sentences for the tables: the zone, where it came from, each period, and what could
    /// not be placed for certain.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(zone) = &self.zone {
            let from = match (self.how, self.source) {
                (Some(ZoneHow::User), _) => "given with --timezone".to_string(),
                (_, Some(s)) => {
                    let what = match s {
                        ZoneSource::Event6013 => "event 6013",
                        ZoneSource::KernelGeneral1 => "Kernel-General 1",
                    };
                    let reported =
                        self.reported.as_ref().map(|r| format!(" \"{r}\"")).unwrap_or_default();
                    format!("reported by {what}{reported} ({} record(s))", self.told)
                }
                _ => "reported by the machine".to_string(),
            };
            let how = match self.how {
                Some(ZoneHow::BiasAgreed) => format!(
                    "; the name is localized, so the rules applied are those all {} Windows \
                     zones with this standard offset that fit the logs share (e.g. {})",
                    self.agreeing_count,
                    self.agreeing.join(", ")
                ),
                Some(ZoneHow::BiasOnly) => {
                    "; only its standard offset is known: daylight time comes from the stamps"
                        .to_string()
                }
                _ => String::new(),
            };
            out.push(format!("Time zone: {zone}, {from}{how}."));
            if let Some(r) = &self.rejected {
                out.push(format!("Its rules were not applied: {r}."));
            }
        }
        match self.periods.as_slice() {
            [] => {}
            [one] => {
                let origin = self.origin.map_or("", OffsetOrigin::describe);
                out.push(format!("Local-time logs taken at {} ({origin}).", one.offset));
            }
            many => {
                let origin = self.origin.map_or("", OffsetOrigin::describe);
                out.push(format!(
                    "Local-time logs converted with the offset in force at each instant ({origin}):"
                ));
                for p in many {
                    let from = p.from.as_deref().map_or("…".to_string(), short);
                    let until = p.until.as_deref().map_or("…".to_string(), short);
                    let dst = match p.dst {
                        Some(true) => " daylight time",
                        Some(false) => " standard time",
                        None => "",
                    };
                    out.push(format!(
                        "  {from} → {until} UTC: {}{dst}, {} event(s)",
                        p.offset, p.events
                    ));
                }
            }
        }
        if self.uncertain_repeated > 0 {
            out.push(format!(
                "{} event(s) fell in a repeated hour (clock set back) with nothing before them \
                 to tell which pass they belong to; taken as the first pass.",
                self.uncertain_repeated
            ));
        }
        if self.skipped_hour > 0 {
            out.push(format!(
                "{} event(s) carry a local time the clock skipped (set forward); taken with the \
                 earlier offset.",
                self.skipped_hour
            ));
        }
        if self.uncertain_switch > 0 {
            out.push(format!(
                "{} event(s) fall between the last stamp before a switch and the first after \
                 it, so their offset is a guess (the midpoint is used).",
                self.uncertain_switch
            ));
        }
        if self.own_clocks > 0 {
            out.push(format!(
                "{} log(s) whose own stamps disagree with this clock keep their own offsets \
                 (see the files).",
                self.own_clocks
            ));
        }
        for n in &self.notes {
            out.push(format!("Note: {n}."));
        }
        out
    }
}

/// `2023-03-12T10:00:00.000000+00:00` → `2023-03-12 10:00`.
fn short(iso: &str) -> String {
    iso.get(..16).unwrap_or(iso).replace('T', " ")
}
