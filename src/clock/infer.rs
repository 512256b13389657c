//! Choosing the clock of each local-time log of one machine.
//!
//! In order: the user's `--utc-offset` or `--timezone`; the zone the machine reported
//! (event 6013: a name whose rules are known, else its bias matched to the Windows zones
//! with that standard offset that agree with the dual stamps); the dual stamps alone (a
//! change of offset between two stretches is a switch, placed between them); the old single
//! offset of the most trusted evidence; codes seen in both UTC and local logs; UTC.
//! A log whose own stamps contradict the machine's clock (a WindowsUpdate.log converted on
//! another machine) keeps its own.

use super::evidence::{ClockClues, OffsetRun, ZoneFact, ZoneSource};
use super::periods::{Change, Offsets};
use super::zone::Zone;
use crate::parse::{OffsetSource, ParsedArtifact};
use crate::time::{TimeBase, Timestamp, UtcOffset};
use crate::timeline::OffsetOrigin;
use serde::Serialize;

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;

/// What the user said of the clock.
#[derive(Debug, Clone, Default)]
pub enum UserClock {
    /// Nothing: infer.
    #[default]
    Infer,
    /// `--utc-offset`: one offset for every local time.
    Offset(UtcOffset),
    /// `--timezone`: these rules for every local time.
    Zone(Zone),
}

/// A clock applied to local times, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// Offsets over time.
    pub offsets: Offsets,
    /// Where they came from.
    pub origin: OffsetOrigin,
    /// Observations behind them.
    pub support: u64,
}

/// How the machine's zone was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneHow {
    /// Given with `--timezone`.
    User,
    /// The name the machine reported is a Windows zone whose standard offset is its bias.
    Named,
    /// The name is localized (or unknown): the Windows zones with the reported standard
    /// offset agree on every offset over the logs' span, once the stamps are heeded.
    BiasAgreed,
    /// Only the standard offset is known: daylight periods come from the stamps.
    BiasOnly,
}

/// The machine's time zone as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneFinding {
    /// The rules applied, when a zone's rules are known.
    pub zone: Option<Zone>,
    /// The Windows zones that agreed, for [`ZoneHow::BiasAgreed`] (at most a few named).
    pub agreeing: Vec<&'static str>,
    /// How many agreed.
    pub agreeing_count: usize,
    /// The standard-time name the machine reported, as written (localized).
    pub reported: Option<String>,
    /// The standard offset (from the reported bias, or the zone's).
    pub standard: Option<UtcOffset>,
    /// How.
    pub how: ZoneHow,
    /// The record that told it, and how many times.
    pub source: Option<(ZoneSource, u64)>,
    /// Why it was not used, when the stamps contradict it.
    pub rejected: Option<String>,
}

/// The clocks of one machine's logs.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Distinct clocks.
    pub clocks: Vec<Clock>,
    /// Per artifact, the index of its clock (`None` for UTC sources and skipped files).
    pub of: Vec<Option<usize>>,
    /// The machine's zone, when found (also when the stamps overruled it).
    pub zone: Option<ZoneFinding>,
    /// Which clock is the machine's (applies to logs with no evidence of their own).
    pub machine: Option<usize>,
    /// Notes for the report (zone changes seen, evidence set aside).
    pub notes: Vec<String>,
}

/// Sources written by the machine itself, in its zone: what the zone must agree with.
fn machine_written(s: OffsetSource) -> bool {
    matches!(
        s,
        OffsetSource::CsiStamp
            | OffsetSource::WuBanner
            | OffsetSource::EtlZone
            | OffsetSource::RecordOffset
            | OffsetSource::ZoneRefresh
    )
}

/// The offset the records of machine-written sources give most often over the bundle
/// (ties to the earlier source, then the smaller offset): the machine's offset when no log
/// needs converting.
fn written_offset(parsed: &[ParsedArtifact<'_>]) -> Option<Clock> {
    let mut votes: std::collections::BTreeMap<(OffsetSource, i32), u64> =
        std::collections::BTreeMap::new();
    for a in parsed {
        for (&(source, minutes), &n) in &a.offsets {
            if machine_written(source) {
                *votes.entry((source, minutes)).or_default() += n;
            }
        }
    }
    let (&(source, minutes), &support) =
        votes.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
    Some(Clock {
        offsets: Offsets::fixed(UtcOffset::from_minutes(minutes)?),
        origin: source.into(),
        support,
    })
}

/// The span of local times of the local-time logs, widened by a day on each side (and by
/// the widest offsets, to cover it in UTC whatever the zone).
fn span(parsed: &[ParsedArtifact<'_>]) -> Option<(Timestamp, Timestamp)> {
    let mut range: Option<(Timestamp, Timestamp)> = None;
    let mut see = |t: Timestamp| {
        range = Some(range.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
    };
    for a in parsed.iter().filter(|a| a.time_base == Some(TimeBase::Local)) {
        if let (Some(f), Some(l)) = (a.coverage.first, a.coverage.last) {
            see(f);
            see(l);
        } else {
            // Parsers always count their records; events made elsewhere may not be.
            a.events
                .iter()
                .filter_map(|e| e.time)
                .chain(a.left_out.iter().filter_map(|l| l.time))
                .for_each(&mut see);
        }
    }
    let (first, last) = range?;
    Some((Timestamp(first.0 - 15 * HOUR - DAY), Timestamp(last.0 + 15 * HOUR + DAY)))
}

/// Share of `runs`' points whose offset `offsets` gives at their time: (agreeing, total).
fn agreement(offsets: &Offsets, runs: &[OffsetRun]) -> (u64, u64) {
    let (mut yes, mut all) = (0, 0);
    for r in runs {
        all += r.count;
        let ok = |local: Timestamp| {
            let utc = local.shifted(-r.minutes);
            offsets.at_utc(utc).minutes() == r.minutes
        };
        // Both ends of a run agreeing is taken as the whole run agreeing.
        if ok(r.first) && ok(r.last) {
            yes += r.count;
        }
    }
    (yes, all)
}

fn agrees(offsets: &Offsets, runs: &[OffsetRun]) -> bool {
    let (yes, all) = agreement(offsets, runs);
    all == 0 || yes * 10 >= all * 9
}

/// A zone's offsets over `[from, until]`.
pub fn zone_offsets(zone: &Zone, from: Timestamp, until: Timestamp) -> Offsets {
    let (first, dst) = zone.offset_at(from);
    let mut o = Offsets::starting(first, Some(dst));
    for t in zone.transitions(from, until) {
        o.push(Change { at: t.at, before: first, after: t.offset, dst: Some(t.dst), within: None });
    }
    o
}

/// Offsets from runs of dual stamps in local-time order: each change of offset between two
/// runs is a switch somewhere between them (at a zone change the machine recorded there,
/// if any).
pub fn runs_offsets(runs: &[OffsetRun], markers: &[Timestamp]) -> Option<Offsets> {
    let mut runs: Vec<OffsetRun> = runs.to_vec();
    runs.sort_by_key(|r| (r.first, r.last));
    let mut merged: Vec<OffsetRun> = Vec::new();
    for r in runs {
        match merged.last_mut() {
            Some(m) if m.minutes == r.minutes => {
                m.last = m.last.max(r.last);
                m.count += r.count;
            }
            _ => merged.push(r),
        }
    }
    // One odd point between two stretches that agree is noise, not two switches.
    let mut i = 1;
    while i + 1 < merged.len() {
        if merged[i].count == 1 && merged[i - 1].minutes == merged[i + 1].minutes {
            let next = merged.remove(i + 1);
            merged.remove(i);
            let m = &mut merged[i - 1];
            m.last = m.last.max(next.last);
            m.count += next.count;
        } else {
            i += 1;
        }
    }
    let first = merged.first()?;
    let mut o = Offsets::starting(UtcOffset::from_minutes(first.minutes)?, None);
    for w in merged.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let from = a.last.shifted(-a.minutes);
        let until = b.first.shifted(-b.minutes).max(from);
        let after = UtcOffset::from_minutes(b.minutes)?;
        let change = match markers.iter().find(|m| **m >= from && **m <= until) {
            Some(&at) => Change { at, before: after, after, dst: None, within: None },
            None => Change {
                at: Timestamp(from.0 + (until.0 - from.0) / 2),
                before: after,
                after,
                dst: None,
                within: Some((from, until)),
            },
        };
        o.push(change);
    }
    Some(o)
}

/// A zone clue's time in UTC (a text export's local time moved by the clue's own bias).
fn clue_utc(time: Timestamp, base: TimeBase, bias: i32) -> Timestamp {
    match base {
        TimeBase::Utc => time,
        TimeBase::Local => time.shifted(bias),
    }
}

/// A reported zone: the record, the bias, the name, when (UTC) and how many times.
type Told = (ZoneSource, i32, Option<String>, Timestamp, u64);

/// A stretch of time over which event 6013 reported one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Epoch {
    bias: i32,
    name: Option<String>,
    /// First and last report (UTC).
    first: Timestamp,
    last: Timestamp,
    count: u64,
}

/// The zones event 6013 reported, in time order (one, unless the zone was changed).
fn epochs(clues: &[&ClockClues]) -> Vec<Epoch> {
    let mut told: Vec<Epoch> = Vec::new();
    for c in clues {
        for z in c.zones.iter().filter(|z| z.source == ZoneSource::Event6013) {
            if let ZoneFact::Standard { bias, name } = &z.fact {
                let (first, last) =
                    (clue_utc(z.first, z.time_base, *bias), clue_utc(z.last, z.time_base, *bias));
                told.push(Epoch { bias: *bias, name: name.clone(), first, last, count: z.count });
            }
        }
    }
    told.sort_by_key(|e| (e.first, e.last));
    let mut out: Vec<Epoch> = Vec::new();
    for e in told {
        match out.last_mut() {
            Some(o) if (o.bias, &o.name) == (e.bias, &e.name) => {
                o.last = o.last.max(e.last);
                o.count += e.count;
            }
            _ => out.push(e),
        }
    }
    out
}

/// The reported zone: the latest one, and how often it was told.
fn reported(clues: &[&ClockClues], notes: &mut Vec<String>) -> Option<Told> {
    let all = epochs(clues);
    let last = all.last()?;
    for w in all.windows(2) {
        let label = |e: &Epoch| {
            format!(
                "bias {}{}",
                e.bias,
                e.name.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default()
            )
        };
        notes.push(format!(
            "the machine reported {} until {}, then {} from {}",
            label(&w[0]),
            day(w[0].last),
            label(&w[1]),
            day(w[1].first)
        ));
    }
    Some((ZoneSource::Event6013, last.bias, last.name.clone(), last.last, last.count))
}

/// The offsets of the zones the machine reported one after the other, each over its own
/// stretch: the switch from one to the next at a zone change recorded between them
/// (Kernel-General 1), else at the first report of the new zone (uncertain back to the
/// last report of the old). `latest` are the last zone's offsets.
fn splice(
    all: &[Epoch],
    latest: &Offsets,
    (from, until): (Timestamp, Timestamp),
    markers: &[Timestamp],
) -> Offsets {
    let rules: Vec<Offsets> = all
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if i + 1 == all.len() {
                return latest.clone();
            }
            let standard = UtcOffset::from_minutes(-e.bias).unwrap_or(UtcOffset::UTC);
            match e.name.as_deref().and_then(Zone::resolve) {
                Some(z) if z.standard_offset(e.last) == standard => zone_offsets(&z, from, until),
                // Only the standard offset is known for this stretch.
                _ => Offsets::fixed(standard),
            }
        })
        .collect();
    let switch = |i: usize| -> (Timestamp, Option<(Timestamp, Timestamp)>) {
        let (before, after) = (&all[i - 1], &all[i]);
        match markers.iter().rev().find(|m| **m >= before.last && **m <= after.first) {
            Some(&m) => (m, None),
            None => (after.first, Some((before.last, Timestamp(after.first.0 + 1)))),
        }
    };
    let first = rules.first().map_or(latest.last(), |r| r.at_utc(from));
    let mut out = Offsets::starting(first, None);
    for (i, r) in rules.iter().enumerate() {
        let (lo, within) = if i == 0 { (from, None) } else { switch(i) };
        let hi = if i + 1 < rules.len() { switch(i + 1).0 } else { until };
        if i > 0 {
            out.push(Change { at: lo, before: first, after: r.at_utc(lo), dst: None, within });
        }
        for c in r.changes().iter().filter(|c| c.at > lo && c.at < hi) {
            out.push(*c);
        }
    }
    out
}

fn day(t: Timestamp) -> String {
    t.to_string().get(..16).unwrap_or("").replace('T', " ")
}

/// What [`find_zone`] found: the finding, the rules' offsets when they are known, and else
/// the offsets of every Windows zone with the reported bias that fits the stamps (they
/// disagree, but tell where a switch the stamps show can have happened).
type Found = (ZoneFinding, Option<Offsets>, Vec<Candidate>);

/// A Windows zone with the reported standard offset (its id), and its offsets over the span.
type Candidate = (Option<&'static str>, Offsets);

/// The machine's zone from what it reported, checked against its own stamps.
fn find_zone(
    told: Told,
    stamps: &[OffsetRun],
    (from, until): (Timestamp, Timestamp),
) -> Option<Found> {
    let (source, bias, name, at, count) = told;
    let standard = UtcOffset::from_minutes(-bias)?;
    let mut finding = ZoneFinding {
        zone: None,
        agreeing: Vec::new(),
        agreeing_count: 0,
        reported: name.clone(),
        standard: Some(standard),
        how: ZoneHow::BiasOnly,
        source: Some((source, count)),
        rejected: None,
    };
    // The name, when it is a known zone with this standard offset.
    if let Some(zone) = name.as_deref().and_then(Zone::resolve)
        && zone.standard_offset(at) == standard
    {
        let offsets = zone_offsets(&zone, from, until);
        finding.zone = Some(zone);
        finding.how = ZoneHow::Named;
        if agrees(&offsets, stamps) {
            return Some((finding, Some(offsets), Vec::new()));
        }
        finding.rejected = Some(rejected(stamps, &offsets));
        return Some((finding, None, Vec::new()));
    }
    // Else the Windows zones with this standard offset that agree with the stamps; their
    // rules are used when they all give the same offsets over the span.
    let candidates: Vec<(Zone, Offsets)> = Zone::windows_zones()
        .into_iter()
        .filter(|z| z.standard_offset(at) == standard)
        .map(|z| {
            let o = zone_offsets(&z, from, until);
            (z, o)
        })
        .filter(|(_, o)| agrees(o, stamps))
        .collect();
    let same = candidates.windows(2).all(|w| same_offsets(&w[0].1, &w[1].1));
    if let Some((zone, offsets)) = candidates.first()
        && same
    {
        finding.how = ZoneHow::BiasAgreed;
        finding.agreeing = candidates.iter().filter_map(|(z, _)| z.windows).take(4).collect();
        finding.agreeing_count = candidates.len();
        // The rules stand for the offsets, not for a place: no zone is named.
        let _ = zone;
        return Some((finding, Some(offsets.clone()), Vec::new()));
    }
    finding.agreeing_count = candidates.len();
    Some((finding, None, candidates.into_iter().map(|(z, o)| (z.windows, o)).collect()))
}

/// Narrows each switch the stamps show (somewhere between two stamps) to where the zones
/// that fit the stamps make that same switch: from their earliest such instant to their
/// latest, placed at their median.
fn narrow(offsets: &mut Offsets, candidates: &[Candidate]) {
    for i in 0..offsets.changes().len() {
        let c = offsets.changes()[i];
        let Some((from, until)) = c.within else { continue };
        let mut at: Vec<Timestamp> = candidates
            .iter()
            .flat_map(|(_, o)| o.changes().iter())
            .filter(|t| t.at >= from && t.at <= until && t.before == c.before && t.after == c.after)
            .map(|t| t.at)
            .collect();
        at.sort_unstable();
        let (Some(&lo), Some(&hi)) = (at.first(), at.last()) else { continue };
        let median = at[at.len() / 2];
        let within = (lo < hi).then_some((lo, Timestamp(hi.0 + 1)));
        offsets.narrow(i, median, within);
    }
}

/// Whether two zones give the same offsets at the same instants.
fn same_offsets(a: &Offsets, b: &Offsets) -> bool {
    let key = |o: &Offsets| -> Vec<(Timestamp, i32)> {
        o.changes().iter().map(|c| (c.at, c.after.minutes())).collect()
    };
    a.at_utc(Timestamp(i64::MIN / 2)) == b.at_utc(Timestamp(i64::MIN / 2)) && key(a) == key(b)
}

fn rejected(stamps: &[OffsetRun], offsets: &Offsets) -> String {
    let (yes, all) = agreement(offsets, stamps);
    format!("{} of {all} dual stamps disagree with its rules; the stamps were used", all - yes)
}

/// The clocks of one machine's artifacts.
pub fn plan(parsed: &[ParsedArtifact<'_>], user: &UserClock) -> Plan {
    let mut plan = Plan { of: vec![None; parsed.len()], ..Plan::default() };
    let local: Vec<usize> = (0..parsed.len())
        .filter(|&i| parsed.get(i).is_some_and(|a| a.time_base == Some(TimeBase::Local)))
        .collect();
    let Some((from, until)) = span(parsed) else {
        // No local time to convert; the zone is still worth reporting.
        if matches!(user, UserClock::Infer) {
            let clues: Vec<&ClockClues> = parsed.iter().map(|a| &a.clock).collect();
            let mut notes = Vec::new();
            if let Some(told) = reported(&clues, &mut notes) {
                let around = (Timestamp(told.3.0 - DAY), Timestamp(told.3.0 + DAY));
                plan.zone = find_zone(told, &kernel_bias(parsed), around).map(|z| z.0);
                plan.notes = notes;
            }
            // Logs that carry their own offset on each record (CMTrace, ReportingEvents.log)
            // still tell the machine's offset, for the report.
            if let Some(clock) = written_offset(parsed) {
                plan.clocks.push(clock);
                plan.machine = Some(plan.clocks.len() - 1);
            }
        }
        return plan;
    };
    let machine = match user {
        UserClock::Offset(o) => {
            Clock { offsets: Offsets::fixed(*o), origin: OffsetOrigin::User, support: 0 }
        }
        UserClock::Zone(z) => {
            plan.zone = Some(ZoneFinding {
                zone: Some(z.clone()),
                agreeing: Vec::new(),
                agreeing_count: 0,
                reported: None,
                standard: Some(z.standard_offset(from)),
                how: ZoneHow::User,
                source: None,
                rejected: None,
            });
            Clock {
                offsets: zone_offsets(z, from, until),
                origin: OffsetOrigin::UserZone,
                support: 0,
            }
        }
        UserClock::Infer => infer_machine(parsed, &local, (from, until), &mut plan),
    };
    let user_given = !matches!(user, UserClock::Infer);
    plan.clocks.push(machine);
    plan.machine = Some(0);
    for &i in &local {
        let Some(a) = parsed.get(i) else { continue };
        plan.of[i] = Some(0);
        if user_given {
            continue;
        }
        let Some(own) = own_clock(a) else { continue };
        let Some(machine) = plan.clocks.first() else { continue };
        let fits = if a.clock.runs.is_empty() {
            // Votes without times: the machine's clock must give that offset over the log.
            let o = own.offsets.last();
            match (a.coverage.first, a.coverage.last) {
                (Some(f), Some(l)) => machine.offsets.single(f, l).is_some_and(|(_, m)| m == o),
                _ => machine.offsets.is_fixed() && machine.offsets.last() == o,
            }
        } else {
            agrees(&machine.offsets, &a.clock.runs)
        };
        if !fits {
            // Its own evidence says otherwise: its own clock.
            plan.clocks.push(own);
            plan.of[i] = Some(plan.clocks.len() - 1);
        }
    }
    plan
}

/// The clock a log's own evidence gives: its stamps' switches, or (for readers that only
/// vote) the most supported offset of its most trusted source.
fn own_clock(a: &ParsedArtifact<'_>) -> Option<Clock> {
    if a.clock.runs.is_empty() {
        let c = crate::timeline::best(&a.offsets)?;
        return Some(Clock {
            offsets: Offsets::fixed(c.offset),
            origin: c.origin,
            support: c.support,
        });
    }
    let runs = best_source(&a.clock.runs);
    let offsets = runs_offsets(&runs, &changes(&[&a.clock]))?;
    let source = runs.first().map_or(OffsetSource::CsiStamp, |r| r.source);
    let support = runs.iter().map(|r| r.count).sum();
    Some(Clock { offsets, origin: source.into(), support })
}

/// The runs of the most trusted source among `runs`.
fn best_source(runs: &[OffsetRun]) -> Vec<OffsetRun> {
    let Some(best) = runs.iter().map(|r| r.source).min() else { return Vec::new() };
    runs.iter().filter(|r| r.source == best).copied().collect()
}

/// Sources that give the offset at UTC instants of logs in UTC (an .evtx, an .etl): they
/// speak for the machine's clock, not for their own log's times.
fn at_instants(s: OffsetSource) -> bool {
    matches!(s, OffsetSource::ZoneRefresh | OffsetSource::EtlZone)
}

/// The offsets the event logs and traces give at their instants, as runs.
fn kernel_bias(parsed: &[ParsedArtifact<'_>]) -> Vec<OffsetRun> {
    parsed
        .iter()
        .flat_map(|a| a.clock.runs.iter().filter(|r| at_instants(r.source)))
        .copied()
        .collect()
}

/// The instants (UTC) where the machine recorded a change of zone.
fn changes(clues: &[&ClockClues]) -> Vec<Timestamp> {
    let mut out: Vec<Timestamp> = clues
        .iter()
        .flat_map(|c| c.zones.iter())
        .filter(|z| z.fact == ZoneFact::Changed && z.time_base == TimeBase::Utc)
        .flat_map(|z| [z.first, z.last])
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The machine's own clock, from what its logs say.
fn infer_machine(
    parsed: &[ParsedArtifact<'_>],
    local: &[usize],
    span: (Timestamp, Timestamp),
    plan: &mut Plan,
) -> Clock {
    let clues: Vec<&ClockClues> = parsed.iter().map(|a| &a.clock).collect();
    // Stamps written by the machine in its own zone: those of its local-time logs, and the
    // kernel's bias from its event logs.
    let stamps: Vec<OffsetRun> = best_source(
        &parsed
            .iter()
            .enumerate()
            .flat_map(|(i, a)| {
                let local = local.contains(&i);
                a.clock
                    .runs
                    .iter()
                    .filter(move |r| machine_written(r.source) && (local || at_instants(r.source)))
            })
            .copied()
            .collect::<Vec<_>>(),
    );
    let support: u64 = stamps.iter().map(|r| r.count).sum();
    let told = reported(&clues, &mut plan.notes);
    let markers = changes(&clues);
    let mut candidates = Vec::new();
    if let Some((finding, offsets, others)) = told.and_then(|t| find_zone(t, &stamps, span)) {
        let how = finding.how;
        let told = finding.source.map_or(0, |s| s.1);
        plan.zone = Some(finding);
        if let Some(offsets) = offsets {
            let origin =
                if how == ZoneHow::Named { OffsetOrigin::TimeZone } else { OffsetOrigin::ZoneBias };
            // The zone was changed while the logs were written: each zone over its stretch.
            let all = epochs(&clues);
            if all.len() > 1 {
                let spliced = splice(&all, &offsets, span, &markers);
                if agrees(&spliced, &stamps) {
                    return Clock { offsets: spliced, origin, support: told + support };
                }
            }
            return Clock { offsets, origin, support: told + support };
        }
        candidates = others;
    }
    if let Some(mut offsets) = runs_offsets(&stamps, &markers) {
        narrow(&mut offsets, &candidates);
        let source = stamps.first().map_or(OffsetSource::CsiStamp, |r| r.source);
        return Clock { offsets, origin: source.into(), support };
    }
    let mut pooled = crate::parse::OffsetVotes::new();
    for a in parsed {
        for (k, v) in &a.offsets {
            *pooled.entry(*k).or_default() += v;
        }
    }
    if let Some(c) = crate::timeline::best(&pooled) {
        return Clock { offsets: Offsets::fixed(c.offset), origin: c.origin, support: c.support };
    }
    let matched = crate::timeline::mixed(parsed).then(|| crate::timeline::match_codes_at(parsed));
    if let Some((c, instants)) = matched.flatten() {
        // Only the standard offset was known, and the records matched show the offset in
        // force at their instants: the zones of that offset whose rules give it there, when
        // they agree, place every local time (a switch included), not that offset alone.
        let fit: Vec<&Candidate> = candidates
            .iter()
            .filter(|(_, o)| {
                !instants.is_empty() && instants.iter().all(|t| o.at_utc(*t) == c.offset)
            })
            .collect();
        let same = fit.windows(2).all(|w| same_offsets(&w[0].1, &w[1].1));
        if same
            && let Some((_, offsets)) = fit.first()
            && let Some(z) = plan.zone.as_mut()
        {
            z.how = ZoneHow::BiasAgreed;
            z.agreeing = fit.iter().filter_map(|(name, _)| *name).take(4).collect();
            z.agreeing_count = fit.len();
            let told = z.source.map_or(0, |s| s.1);
            return Clock {
                offsets: offsets.clone(),
                origin: OffsetOrigin::ZoneBias,
                support: told + c.support,
            };
        }
        return Clock { offsets: Offsets::fixed(c.offset), origin: c.origin, support: c.support };
    }
    // Only standard time is known (no stamps): it stands, and the report says so.
    if let Some(z) = &plan.zone
        && let Some(std) = z.standard
    {
        let told = z.source.map_or(0, |s| s.1);
        plan.notes.push(
            "nothing in the logs tells when daylight time was in force: standard time was used"
                .to_string(),
        );
        return Clock {
            offsets: Offsets::fixed(std),
            origin: OffsetOrigin::ZoneBias,
            support: told,
        };
    }
    Clock { offsets: Offsets::fixed(UtcOffset::UTC), origin: OffsetOrigin::Assumed, support: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(minutes: i32, first: Timestamp, last: Timestamp, count: u64) -> OffsetRun {
        OffsetRun { source: OffsetSource::CsiStamp, minutes, first, last, count }
    }
    fn t(y: i64, mo: u32, d: u32, h: u32) -> Timestamp {
        Timestamp::from_civil(y, mo, d, h, 0, 0, 0).unwrap()
    }

    #[test]
    fn stamps_give_a_switch_between_stretches() {
        let runs = [
            run(60, t(2024, 3, 28, 9), t(2024, 3, 30, 22), 40),
            run(120, t(2024, 4, 2, 9), t(2024, 4, 3, 9), 30),
        ];
        let o = runs_offsets(&runs, &[]).unwrap();
        assert_eq!(o.changes().len(), 1);
        let c = o.changes()[0];
        assert_eq!(c.within, Some((t(2024, 3, 30, 21), t(2024, 4, 2, 7))));
        assert_eq!(o.at_utc(t(2024, 3, 29, 0)).minutes(), 60);
        assert_eq!(o.at_utc(t(2024, 4, 3, 0)).minutes(), 120);
        // A recorded zone change between them pins it.
        let o = runs_offsets(&runs, &[t(2024, 4, 1, 5)]).unwrap();
        assert_eq!((o.changes()[0].at, o.changes()[0].within), (t(2024, 4, 1, 5), None));
    }

    #[test]
    fn one_odd_stamp_is_noise() {
        let runs = [
            run(60, t(2024, 1, 1, 0), t(2024, 1, 2, 0), 50),
            run(0, t(2024, 1, 2, 1), t(2024, 1, 2, 1), 1),
            run(60, t(2024, 1, 2, 2), t(2024, 1, 3, 0), 50),
        ];
        let o = runs_offsets(&runs, &[]).unwrap();
        assert!(o.is_fixed());
        assert_eq!(o.last().minutes(), 60);
    }

    #[test]
    fn zone_offsets_follow_the_rules() {
        let z = Zone::resolve("W. Europe Standard Time").unwrap();
        let o = zone_offsets(&z, t(2024, 3, 1, 0), t(2024, 11, 30, 0));
        let at: Vec<(Timestamp, i32)> =
            o.changes().iter().map(|c| (c.at, c.after.minutes())).collect();
        assert_eq!(at, vec![(t(2024, 3, 31, 1), 120), (t(2024, 10, 27, 1), 60)]);
        let stamps = [run(120, t(2024, 7, 1, 10), t(2024, 7, 2, 10), 9)];
        assert!(agrees(&o, &stamps));
        let wrong = [run(60, t(2024, 7, 1, 10), t(2024, 7, 2, 10), 9)];
        assert!(!agrees(&o, &wrong));
    }
}
