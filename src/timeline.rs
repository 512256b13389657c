//! One UTC timeline: choose each artifact's clock, convert local times to UTC with the
//! offset in force at each instant, and sort every event into a total order.
//!
//! Clocks are chosen by [`crate::clock::infer`]: the user's `--utc-offset` or `--timezone`;
//! the zone the machine reported (event 6013) checked against its dual stamps; the stamps
//! themselves (CSI lines with both stamps, the legacy `tz:` banner of each session), where a
//! change of offset between two stretches is a switch; Kernel-General 12 or 1 in a text
//! export; error codes that appear both in an evtx record and in a text line a whole number
//! of quarter hours apart; and finally UTC, with a warning.

use crate::clock::Clocks;
use crate::clock::infer::{self, UserClock};
use crate::clock::periods::{Sequence, Tally};
use crate::event::{Event, Location, Note};
use crate::machine::Machine;
use crate::parse::{OffsetSource, OffsetVotes, ParsedArtifact};
use crate::time::{TimeBase, Timestamp, UtcOffset};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// How an offset was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OffsetOrigin {
    /// Given with `--utc-offset`.
    User,
    /// CSI lines carrying both a local and a UTC stamp.
    CsiStamp,
    /// The legacy WindowsUpdate.log `tz:` banner.
    WuBanner,
    /// Kernel-General 12 in a text export.
    BootEvent,
    /// The machine's time zone in an .etl header.
    EtlZone,
    /// The same error codes in evtx (UTC) and text logs (local).
    EventMatch,
    /// No evidence: local times were taken as UTC.
    Assumed,
    /// The rules of the time zone the machine reported (event 6013).
    TimeZone,
    /// The reported zone's standard offset, with the rules the Windows zones of that offset
    /// share (or daylight time from the stamps).
    ZoneBias,
    /// The rules of the zone given with `--timezone`.
    UserZone,
    /// Kernel-General 1 (time changed) in a text export.
    TimeChange,
    /// The offsets that `CMTrace` and ReportingEvents.log records carry.
    RecordOffset,
    /// The kernel's current bias in Kernel-General 24 events.
    ZoneRefresh,
}

impl OffsetOrigin {
    /// Words for reports.
    pub fn describe(self) -> &'static str {
        match self {
            OffsetOrigin::User => "given with --utc-offset",
            OffsetOrigin::CsiStamp => "from CSI lines with both local and UTC stamps",
            OffsetOrigin::WuBanner => "from the WindowsUpdate.log tz: banner",
            OffsetOrigin::BootEvent => "from the boot event (Kernel-General 12) of a text export",
            OffsetOrigin::EtlZone => "from the machine's time zone in an ETW trace (.etl) header",
            OffsetOrigin::EventMatch => "from error codes seen both in event logs and in text logs",
            OffsetOrigin::Assumed => "no evidence; local times taken as UTC",
            OffsetOrigin::TimeZone => "from the rules of the time zone the machine reported",
            OffsetOrigin::ZoneBias => {
                "from the standard offset the machine reported and the rules that fit its stamps or \
                 the records matched across logs"
            }
            OffsetOrigin::UserZone => "from the rules of the zone given with --timezone",
            OffsetOrigin::TimeChange => {
                "from the time-change event (Kernel-General 1) of a text export"
            }
            OffsetOrigin::RecordOffset => {
                "from the offsets in ConfigMgr (CMTrace) and ReportingEvents.log records"
            }
            OffsetOrigin::ZoneRefresh => {
                "from the kernel's current bias in its zone-refresh events (Kernel-General 24)"
            }
        }
    }
}

impl From<OffsetSource> for OffsetOrigin {
    fn from(s: OffsetSource) -> Self {
        match s {
            OffsetSource::CsiStamp => OffsetOrigin::CsiStamp,
            OffsetSource::WuBanner => OffsetOrigin::WuBanner,
            OffsetSource::BootEvent => OffsetOrigin::BootEvent,
            OffsetSource::EtlZone => OffsetOrigin::EtlZone,
            OffsetSource::TimeChange => OffsetOrigin::TimeChange,
            OffsetSource::RecordOffset => OffsetOrigin::RecordOffset,
            OffsetSource::ZoneRefresh => OffsetOrigin::ZoneRefresh,
        }
    }
}

/// The offset used for local times, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct OffsetChoice {
    /// Minutes east of UTC (the offset most records took, when the clock changed).
    pub offset: UtcOffset,
    /// Where it came from.
    pub origin: OffsetOrigin,
    /// How many observations supported it.
    pub support: u64,
}

/// The most supported offset of the most trusted source present in `votes`.
pub(crate) fn best(votes: &OffsetVotes) -> Option<OffsetChoice> {
    let source = votes.keys().map(|(s, _)| *s).min()?;
    let (minutes, support) = votes
        .iter()
        .filter(|((s, _), _)| *s == source)
        .map(|((_, m), n)| (*m, *n))
        // Most votes; on a tie, the smaller offset, so the choice is stable.
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    Some(OffsetChoice { offset: UtcOffset::from_minutes(minutes)?, origin: source.into(), support })
}

/// Whether the bundle may hold both UTC and local events, which [`match_codes_at`] needs: an
/// artifact's events are all in its time base (an artifact without one may hold either).
pub(crate) fn mixed(parsed: &[ParsedArtifact<'_>]) -> bool {
    let has =
        |base| parsed.iter().any(|a| a.time_base.is_none_or(|b| b == base) && !a.events.is_empty());
    has(TimeBase::Utc) && has(TimeBase::Local)
}

/// Votes for an offset from codes found in both UTC and local events; with it, the UTC
/// instants of the pairs that gave it (where that offset was in force).
pub(crate) fn match_codes_at(
    parsed: &[ParsedArtifact<'_>],
) -> Option<(OffsetChoice, Vec<Timestamp>)> {
    let mut utc: BTreeMap<u32, Vec<Timestamp>> = BTreeMap::new();
    let mut local: BTreeMap<u32, Vec<Timestamp>> = BTreeMap::new();
    for a in parsed {
        for e in &a.events {
            let Some(time) = e.time else { continue };
            let map = if e.time_base == TimeBase::Utc { &mut utc } else { &mut local };
            for c in &e.codes {
                let v = map.entry(c.as_hresult()).or_default();
                if v.len() < 512 {
                    v.push(time);
                }
            }
        }
    }
    let mut votes: BTreeMap<i32, u64> = BTreeMap::new();
    let mut instants: BTreeMap<i32, Vec<Timestamp>> = BTreeMap::new();
    for (code, us) in &utc {
        let Some(ls) = local.get(code) else { continue };
        for u in us {
            for l in ls {
                let secs = (l.0 - u.0) / 1_000_000;
                let q = ((secs as f64) / 900.0).round() as i64;
                if q.abs() <= 14 * 4 && (secs - q * 900).abs() <= 120 {
                    *votes.entry((q * 15) as i32).or_default() += 1;
                    let at = instants.entry((q * 15) as i32).or_default();
                    if at.len() < 64 {
                        at.push(*u);
                    }
                }
            }
        }
    }
    let mut ranked: Vec<(i32, u64)> = votes.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.abs().cmp(&b.0.abs())).then(a.0.cmp(&b.0)));
    let (&(minutes, support), runner_up) = (ranked.first()?, ranked.get(1).map_or(0, |r| r.1));
    let choice = OffsetChoice {
        offset: UtcOffset::from_minutes(minutes).unwrap_or(UtcOffset::UTC),
        origin: OffsetOrigin::EventMatch,
        support,
    };
    (support >= 2 && support >= 2 * runner_up)
        .then(|| (choice, instants.remove(&minutes).unwrap_or_default()))
}

/// The merged, sorted timeline.
#[derive(Debug)]
pub struct Timeline<'t> {
    /// Every kept event, in UTC, sorted by (time, location): those without a time first, in
    /// file order; they are not on the timeline proper, but diagnosis reads them.
    pub events: Vec<Event<'t>>,
    /// UTC times of the events parsing left out ([`crate::parse::ParseOptions::retain`]).
    pub left_out: Vec<Timestamp>,
    /// How many of the events parsing left out had no time.
    pub untimed_left_out: u64,
    /// The notes of those left-out events that note something ([`Note`]), at their UTC
    /// times, in artifact order.
    pub notes: Vec<(Timestamp, Note)>,
    /// The machine's offset for local times (the one most records took).
    pub bundle_offset: OffsetChoice,
    /// The offset applied to each artifact (None for UTC sources and skipped files): the
    /// one most of its records took.
    pub artifact_offsets: Vec<Option<OffsetChoice>>,
    /// The clocks applied, and what converting with them found.
    pub clocks: Clocks,
    /// The machine the events come from, as far as its logs say (filled by the pipeline).
    pub machine: Machine,
}

/// Converts the local times of one artifact's events (in file order) with its clock.
fn convert(
    events: &mut [Event<'_>],
    clock: &infer::Clock,
    one: Option<(usize, UtcOffset)>,
    tally: &mut Tally,
) {
    if let Some((period, offset)) = one {
        // One offset for every record: shifted in any order, on the pool.
        events.par_iter_mut().for_each(|e| {
            if let (TimeBase::Local, Some(t)) = (e.time_base, e.time) {
                e.time = Some(offset.to_utc(t));
            }
        });
        if let Some(c) = tally.counts.get_mut(period) {
            *c += events
                .iter()
                .filter(|e| e.time_base == TimeBase::Local && e.time.is_some())
                .count() as u64;
        }
        return;
    }
    // A change falls inside the log: in file order, so a repeated hour is told by order.
    // Records without a time stay without one.
    let mut seq = Sequence::new(&clock.offsets);
    for e in events.iter_mut().filter(|e| e.time_base == TimeBase::Local) {
        if let Some(t) = e.time {
            e.time = Some(seq.to_utc(t));
        }
    }
    tally.absorb(&seq.finish());
}

impl<'t> Timeline<'t> {
    /// Chooses offsets, shifts local times to UTC and sorts. Events are moved out of
    /// `parsed`; its coverage and issues stay.
    pub fn build(parsed: &mut [ParsedArtifact<'t>], user: Option<UtcOffset>) -> Timeline<'t> {
        let user = user.map_or(UserClock::Infer, UserClock::Offset);
        Self::build_with(parsed, &user)
    }

    /// [`Timeline::build`] with a user zone as well as a user offset.
    pub fn build_with(parsed: &mut [ParsedArtifact<'t>], user: &UserClock) -> Timeline<'t> {
        let plan = infer::plan(parsed, user);
        let mut tallies = vec![Tally::default(); parsed.len()];
        // Grown by exact steps, not allocated whole up front: a whole second buffer beside
        // the artifacts' would double the peak, while a growing one is extended in place
        // (or remapped) as each artifact's buffer is freed.
        let mut events: Vec<Event<'t>> = Vec::new();
        let mut left_out = Vec::new();
        let mut untimed_left_out = 0;
        let mut notes = Vec::new();
        for (i, a) in parsed.iter_mut().enumerate() {
            let clock = plan.of.get(i).copied().flatten().and_then(|c| plan.clocks.get(c));
            let one = clock.and_then(|c| c.offsets.single(a.coverage.first?, a.coverage.last?));
            let tally = &mut tallies[i];
            if let Some(c) = clock {
                *tally =
                    Tally { counts: vec![0; c.offsets.changes().len() + 1], ..Tally::default() };
            }
            // Taken, not drained: each artifact's buffer is freed as soon as it is moved. The
            // first artifact with events lends its buffer itself, and later ones are moved in
            // whole, and shifted, on the pool: that copy is mostly first touches of fresh pages.
            let moved = std::mem::take(&mut a.events);
            let start = if events.is_empty() {
                events = moved;
                0
            } else {
                let start = events.len();
                events.reserve_exact(moved.len());
                if let (Some(_), Some((period, offset))) = (clock, one) {
                    // The common case: shifted as they are moved.
                    events.par_extend(moved.into_par_iter().map(|mut e| {
                        if let (TimeBase::Local, Some(t)) = (e.time_base, e.time) {
                            e.time = Some(offset.to_utc(t));
                        }
                        e
                    }));
                    if let Some(c) = tally.counts.get_mut(period) {
                        *c += events[start..]
                            .iter()
                            .filter(|e| e.time_base == TimeBase::Local && e.time.is_some())
                            .count() as u64;
                    }
                    events.len()
                } else {
                    events.par_extend(moved.into_par_iter());
                    start
                }
            };
            if let Some(c) = clock
                && start < events.len()
            {
                convert(&mut events[start..], c, one, tally);
            }
            left_out.reserve(a.left_out.len());
            let mut seq = clock.map(|c| Sequence::new(&c.offsets));
            let mut fast = 0u64;
            for l in std::mem::take(&mut a.left_out) {
                let Some(l_time) = l.time else {
                    untimed_left_out += 1;
                    continue;
                };
                let time = match (l.time_base, seq.as_mut(), one) {
                    (TimeBase::Local, Some(_), Some((_, offset))) => {
                        fast += 1;
                        offset.to_utc(l_time)
                    }
                    (TimeBase::Local, Some(s), None) => s.to_utc(l_time),
                    _ => l_time,
                };
                left_out.push(time);
                if l.note != Note::Counted {
                    notes.push((time, l.note));
                }
            }
            if let Some(s) = seq {
                tally.absorb(&s.finish());
            }
            if let Some((period, _)) = one
                && let Some(c) = tally.counts.get_mut(period)
            {
                *c += fast;
            }
        }
        sort_in_place(&mut events);
        let clocks = Clocks { plan, tallies };
        Timeline {
            events,
            left_out,
            untimed_left_out,
            notes,
            bundle_offset: clocks.machine_offset(),
            artifact_offsets: clocks.artifact_offsets(),
            clocks,
            machine: Machine::default(),
        }
    }

    /// Keeps only events inside `[since, until]`. Events without a time cannot be shown to
    /// be inside, so a bound drops them.
    pub fn restrict(&mut self, since: Option<Timestamp>, until: Option<Timestamp>) {
        if since.is_none() && until.is_none() {
            return;
        }
        let inside = |t: Timestamp| since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u);
        self.events.retain(|e| e.time.is_some_and(inside));
        self.left_out.retain(|&t| inside(t));
        self.untimed_left_out = 0;
        self.notes.retain(|&(t, _)| inside(t));
    }

    /// How many events the timeline holds, counting those parsing left out.
    pub fn event_count(&self) -> usize {
        self.events.len() + self.left_out.len() + self.untimed_left_out as usize
    }

    /// How many events have no time (kept or left out).
    pub fn untimed_count(&self) -> usize {
        self.events.iter().take_while(|e| e.time.is_none()).count() + self.untimed_left_out as usize
    }
}

/// Sorts by (time, location), keeping the input order of equal keys, as a stable sort
/// would, but without its scratch buffer of half the events: an index permutation is
/// sorted and then applied by swaps.
fn sort_in_place(events: &mut [Event<'_>]) {
    let Ok(n) = u32::try_from(events.len()) else {
        events.sort_by(|a, b| a.time.cmp(&b.time).then(a.at.cmp(&b.at)));
        return;
    };
    // The keys are copied out so that comparisons read one contiguous array instead of
    // chasing into events of a few hundred bytes each. In parallel on the current rayon pool;
    // the index breaks ties, so any sort is stable.
    let mut keys: Vec<(Option<Timestamp>, Location, u32)> =
        events.par_iter().zip(0..n).map(|(e, i)| (e.time, e.at, i)).collect();
    keys.par_sort_unstable();
    let mut order: Vec<u32> = keys.into_par_iter().map(|(_, _, i)| i).collect();
    // order[j] is the index of the event that belongs at j; follow each cycle once.
    for i in 0..order.len() {
        let mut j = i;
        loop {
            let k = order[j] as usize;
            order[j] = j as u32;
            if k == i {
                break;
            }
            events.swap(j, k);
            j = k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_in_place_matches_a_stable_sort() {
        use crate::event::{Flags, Level, Location, Pos, Source};
        let event = |t: i64, pos: u64, msg: &'static str| Event {
            time: Some(Timestamp(t)),
            time_base: TimeBase::Utc,
            at: Location { artifact: 0, pos: Pos::Record(pos) },
            source: Source::Evtx,
            level: Level::Info,
            component: "".into(),
            event_id: None,
            codes: vec![],
            kb: None,
            package: None,
            message: msg.into(),
            fields: vec![],
            flags: Flags::default(),
        };
        // Equal keys (a repeated record id) keep their input order.
        let mut events: Vec<Event<'_>> = (0..200)
            .map(|i: i64| {
                event((i * 7919) % 31, (i % 13) as u64, if i % 2 == 0 { "a" } else { "b" })
            })
            .collect();
        let mut expected = events.clone();
        expected.sort_by(|a, b| a.time.cmp(&b.time).then(a.at.cmp(&b.at)));
        sort_in_place(&mut events);
        assert_eq!(events, expected);
    }

    #[test]
    fn best_prefers_trusted_sources_and_majorities() {
        let mut v = OffsetVotes::new();
        v.insert((OffsetSource::BootEvent, 60), 9);
        v.insert((OffsetSource::CsiStamp, -420), 5);
        v.insert((OffsetSource::CsiStamp, -360), 2);
        let b = best(&v).unwrap();
        assert_eq!(b.offset.minutes(), -420);
        assert_eq!(b.origin, OffsetOrigin::CsiStamp);
        assert_eq!(b.support, 5);
        assert!(best(&OffsetVotes::new()).is_none());
    }
}

#[cfg(test)]
mod match_tests {
    use super::*;
    use crate::code::Code;
    use crate::event::{Event, Flags, Level, Location, Pos, Source};
    use std::borrow::Cow;

    fn ev(base: TimeBase, secs: i64, code: u32) -> Event<'static> {
        Event {
            time: Some(Timestamp(secs * 1_000_000)),
            time_base: base,
            at: Location { artifact: 0, pos: Pos::Line(1) },
            source: if base == TimeBase::Utc { Source::Evtx } else { Source::WindowsUpdate },
            level: Level::Error,
            component: Cow::Borrowed(""),
            event_id: None,
            codes: vec![Code::hresult(code)],
            kb: None,
            package: None,
            message: Cow::Borrowed(""),
            fields: Vec::new(),
            flags: Flags::default(),
        }
    }

    #[test]
    fn codes_seen_in_both_clocks_give_the_offset() {
        // Text logs at UTC+9: local = UTC + 9 h (a few seconds of logging skew).
        let nine = 9 * 3600;
        let utc =
            vec![ev(TimeBase::Utc, 1000, 0x8007_0306), ev(TimeBase::Utc, 90_000, 0x8024_0022)];
        let local = vec![
            ev(TimeBase::Local, 1003 + nine, 0x8007_0306),
            ev(TimeBase::Local, 90_010 + nine, 0x8024_0022),
        ];
        let parsed = vec![
            ParsedArtifact {
                events: utc,
                time_base: Some(TimeBase::Utc),
                ..ParsedArtifact::default()
            },
            ParsedArtifact {
                events: local,
                time_base: Some(TimeBase::Local),
                ..ParsedArtifact::default()
            },
        ];
        let (m, _) = match_codes_at(&parsed).unwrap();
        assert_eq!(m.offset.minutes(), 540);
        assert_eq!(m.origin, OffsetOrigin::EventMatch);
        let mut parsed = parsed;
        let t = Timeline::build(&mut parsed, None);
        assert_eq!(t.bundle_offset.origin, OffsetOrigin::EventMatch);
        // The two records of 0x80070306 now sit seconds apart on the UTC timeline.
        let twins: Vec<i64> = t
            .events
            .iter()
            .filter(|e| e.codes[0].value() == 0x8007_0306)
            .map(|e| e.time.unwrap().0)
            .collect();
        assert_eq!(twins.len(), 2);
        assert!((twins[0] - twins[1]).abs() <= 10_000_000);
    }

    #[test]
    fn left_out_local_times_are_shifted_like_kept_ones() {
        use crate::parse::LeftOut;
        let left = |base, secs: i64, note| LeftOut {
            time: Some(Timestamp(secs * 1_000_000)),
            time_base: base,
            note,
        };
        let installed = Note::UpdateInstalled;
        let mut parsed = vec![
            ParsedArtifact {
                left_out: vec![left(TimeBase::Utc, 100, Note::Counted)],
                time_base: Some(TimeBase::Utc),
                ..ParsedArtifact::default()
            },
            ParsedArtifact {
                events: vec![ev(TimeBase::Local, 7300, 0x8007_0306)],
                left_out: vec![left(TimeBase::Local, 7200, installed)],
                time_base: Some(TimeBase::Local),
                ..ParsedArtifact::default()
            },
        ];
        let mut t = Timeline::build(&mut parsed, UtcOffset::from_minutes(120));
        assert_eq!(t.events[0].time, Some(Timestamp(100 * 1_000_000)));
        assert_eq!(t.left_out, vec![Timestamp(100 * 1_000_000), Timestamp(0)]);
        // Notes go with their event's shifted time, and only those that note something.
        assert_eq!(t.notes, vec![(Timestamp(0), installed)]);
        assert_eq!(t.event_count(), 3);
        t.restrict(Some(Timestamp(50 * 1_000_000)), None);
        assert_eq!(t.event_count(), 2);
        assert!(t.notes.is_empty());
    }

    #[test]
    fn each_artifact_is_shifted_by_its_own_offset() {
        // The first artifact's buffer becomes the timeline's; each later one is shifted
        // after it is moved in, and only it.
        let local = |minutes: i32, secs: i64| ParsedArtifact {
            events: vec![ev(TimeBase::Local, secs, 0x8007_0306)],
            offsets: OffsetVotes::from([((OffsetSource::CsiStamp, minutes), 3)]),
            time_base: Some(TimeBase::Local),
            ..ParsedArtifact::default()
        };
        let mut parsed = vec![
            local(60, 3600 + 10),
            local(120, 7200 + 20),
            ParsedArtifact {
                events: vec![ev(TimeBase::Utc, 15, 0x8024_0022)],
                time_base: Some(TimeBase::Utc),
                ..ParsedArtifact::default()
            },
            local(-60, 30 - 3600),
        ];
        let t = Timeline::build(&mut parsed, None);
        let times: Vec<i64> = t.events.iter().map(|e| e.time.unwrap().0 / 1_000_000).collect();
        assert_eq!(times, vec![10, 15, 20, 30]);
        assert!(parsed.iter().all(|a| a.events.is_empty()));
    }

    #[test]
    fn one_coincidence_is_not_enough() {
        let parsed = vec![
            ParsedArtifact {
                events: vec![ev(TimeBase::Utc, 1000, 0x8007_0306)],
                ..ParsedArtifact::default()
            },
            ParsedArtifact {
                events: vec![ev(TimeBase::Local, 4600, 0x8007_0306)],
                ..ParsedArtifact::default()
            },
        ];
        assert!(match_codes_at(&parsed).is_none());
    }
}
