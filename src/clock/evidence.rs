//! What readers find about a machine's clock, kept in file order with the time it was seen:
//! offsets in force at points of local time (CSI lines with both stamps, the legacy
//! WindowsUpdate.log banner of each session, boot and time-change events of a text export, a
//! reader's per-record offset such as `CMTrace`'s `+240`, the kernel's current bias when it
//! refreshed its zone information), and the time zone the machine reported (event 6013) or
//! changed (Kernel-General 1).
//!
//! Readers only record; [`super::infer`] decides.

use crate::parse::{OffsetSource, OffsetVotes};
use crate::time::{TimeBase, Timestamp};

/// Most runs kept per artifact: an offset that changes on every line is hostile or broken
/// input, and past this only the votes are counted.
const MAX_RUNS: usize = 4096;
/// Most zone clues kept per artifact (repeats of the same clue extend the last one).
const MAX_ZONE_CLUES: usize = 4096;

/// Points in a row, from one source, that agree on the offset: a stretch of local time
/// during which that offset was in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetRun {
    /// Where the points came from.
    pub source: OffsetSource,
    /// Minutes east of UTC.
    pub minutes: i32,
    /// Local time of the earliest point.
    pub first: Timestamp,
    /// Local time of the latest point.
    pub last: Timestamp,
    /// How many points.
    pub count: u64,
}

/// Which record told of the machine's time zone.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneSource {
    /// `EventLog` 6013 (daily uptime): its seventh value is `<standard bias> <standard name>`.
    Event6013,
    /// Kernel-General 1 (system time changed) "adjusted to the new time zone".
    KernelGeneral1,
}

/// What a zone clue says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneFact {
    /// The zone's standard bias (minutes west: UTC = local + bias) and its standard-time
    /// name as Windows wrote it (localized), when the record has one.
    Standard {
        /// Minutes west of UTC.
        bias: i32,
        /// The standard-time name, when the record has one.
        name: Option<String>,
    },
    /// The zone was set or changed here.
    Changed,
}

/// A clue to the machine's time zone, repeated `count` times from `first` to `last`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneClue {
    /// The record that told it.
    pub source: ZoneSource,
    /// What it says.
    pub fact: ZoneFact,
    /// When it was first told, in `time_base`.
    pub first: Timestamp,
    /// When it was last told.
    pub last: Timestamp,
    /// Whether those times are UTC (.evtx) or local (a text export).
    pub time_base: TimeBase,
    /// How many records told it in a row.
    pub count: u64,
}

/// Everything one artifact (or one piece of it) says about the clock, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClockClues {
    /// Offsets seen, as runs.
    pub runs: Vec<OffsetRun>,
    /// Zone clues.
    pub zones: Vec<ZoneClue>,
    /// Whether runs or clues past the caps were only counted.
    pub cut: bool,
    /// Points past the run cap, counted only.
    overflow: OffsetVotes,
}

impl ClockClues {
    /// Notes that at local time `local` the offset `minutes` was in force, by `source`.
    pub fn point(&mut self, source: OffsetSource, local: Timestamp, minutes: i32) {
        if let Some(r) = self.runs.last_mut()
            && r.source == source
            && r.minutes == minutes
        {
            r.first = r.first.min(local);
            r.last = r.last.max(local);
            r.count += 1;
            return;
        }
        if self.runs.len() >= MAX_RUNS {
            self.cut = true;
            *self.overflow.entry((source, minutes)).or_default() += 1;
            return;
        }
        self.runs.push(OffsetRun { source, minutes, first: local, last: local, count: 1 });
    }

    /// Adds every point seen to `votes` ((source, minutes) → count), the runs' and the
    /// counted ones past the cap.
    pub fn votes_into(&self, votes: &mut OffsetVotes) {
        for r in &self.runs {
            *votes.entry((r.source, r.minutes)).or_default() += r.count;
        }
        for (k, v) in &self.overflow {
            *votes.entry(*k).or_default() += v;
        }
    }

    /// Notes a zone clue told at `time`.
    pub fn zone(&mut self, source: ZoneSource, fact: ZoneFact, time: Timestamp, base: TimeBase) {
        if let Some(z) = self.zones.last_mut()
            && z.source == source
            && z.fact == fact
            && z.time_base == base
        {
            z.first = z.first.min(time);
            z.last = z.last.max(time);
            z.count += 1;
            return;
        }
        if self.zones.len() >= MAX_ZONE_CLUES {
            self.cut = true;
            return;
        }
        self.zones.push(ZoneClue {
            source,
            fact,
            first: time,
            last: time,
            time_base: base,
            count: 1,
        });
    }

    /// Appends what a later piece of the same artifact found.
    pub fn absorb(&mut self, other: ClockClues) {
        self.cut |= other.cut;
        for (k, v) in other.overflow {
            *self.overflow.entry(k).or_default() += v;
        }
        let mut runs = other.runs.into_iter();
        if let (Some(last), Some(next)) = (self.runs.last_mut(), runs.as_slice().first())
            && (last.source, last.minutes) == (next.source, next.minutes)
        {
            last.first = last.first.min(next.first);
            last.last = last.last.max(next.last);
            last.count += next.count;
            runs.next();
        }
        let room = MAX_RUNS.saturating_sub(self.runs.len());
        for r in runs.by_ref().take(room) {
            self.runs.push(r);
        }
        for r in runs {
            self.cut = true;
            *self.overflow.entry((r.source, r.minutes)).or_default() += r.count;
        }
        let mut zones = other.zones.into_iter();
        if let (Some(last), Some(next)) = (self.zones.last_mut(), zones.as_slice().first())
            && (last.source, &last.fact, last.time_base)
                == (next.source, &next.fact, next.time_base)
        {
            last.first = last.first.min(next.first);
            last.last = last.last.max(next.last);
            last.count += next.count;
            zones.next();
        }
        self.zones.extend(zones.take(MAX_ZONE_CLUES.saturating_sub(self.zones.len())));
    }
}

/// Parses the seventh value of event 6013, `<bias> <standard name>` (e.g. `480 Pacific
/// Standard Time`, `-540 東京 (標準時)`); the name may be missing.
pub fn parse_6013(value: &str) -> Option<ZoneFact> {
    let v = value.trim();
    let (bias, name) = match v.split_once(char::is_whitespace) {
        Some((b, n)) => (b, n.trim()),
        None => (v, ""),
    };
    let bias: i32 = bias.parse().ok()?;
    // Real zones lie within 14 hours of UTC.
    if bias.abs() > 14 * 60 {
        return None;
    }
    let name = (!name.is_empty()).then(|| name.chars().take(128).collect());
    Some(ZoneFact::Standard { bias, name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_become_runs_and_pieces_join() {
        let t = |s: i64| Timestamp(s * 1_000_000);
        let mut a = ClockClues::default();
        a.point(OffsetSource::CsiStamp, t(10), -420);
        a.point(OffsetSource::CsiStamp, t(20), -420);
        let mut b = ClockClues::default();
        b.point(OffsetSource::CsiStamp, t(30), -420);
        b.point(OffsetSource::CsiStamp, t(40), -480);
        a.absorb(b);
        assert_eq!(a.runs.len(), 2);
        assert_eq!((a.runs[0].first, a.runs[0].last, a.runs[0].count), (t(10), t(30), 3));
        assert_eq!((a.runs[1].minutes, a.runs[1].count), (-480, 1));
    }

    #[test]
    fn runs_are_capped() {
        let mut c = ClockClues::default();
        for i in 0..(MAX_RUNS as i64 + 10) {
            c.point(OffsetSource::CsiStamp, Timestamp(i), if i % 2 == 0 { 60 } else { 120 });
        }
        assert_eq!(c.runs.len(), MAX_RUNS);
        assert!(c.cut);
        // Points past the cap still count as votes.
        let mut votes = OffsetVotes::new();
        c.votes_into(&mut votes);
        assert_eq!(votes.values().sum::<u64>(), MAX_RUNS as u64 + 10);
    }

    #[test]
    fn event_6013_values() {
        let std =
            |bias, name: Option<&str>| ZoneFact::Standard { bias, name: name.map(Into::into) };
        assert_eq!(
            parse_6013("480 Pacific Standard Time"),
            Some(std(480, Some("Pacific Standard Time")))
        );
        assert_eq!(
            parse_6013("-180 Türkiye Standart Saati"),
            Some(std(-180, Some("Türkiye Standart Saati")))
        );
        assert_eq!(parse_6013("-540 東京 (標準時)"), Some(std(-540, Some("東京 (標準時)"))));
        assert_eq!(parse_6013("0"), Some(std(0, None)));
        assert_eq!(parse_6013("Pacific"), None);
        assert_eq!(parse_6013("99999 Nowhere"), None);
    }
}
