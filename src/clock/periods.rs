//! Offsets over time, and local wall-clock times turned into UTC with the offset in force at
//! that instant.
//!
//! An [`Offsets`] is worked out once per machine (from a zone's rules or from dual stamps);
//! each local time then costs a binary search over its few changes. Where the clock went
//! back (the repeated autumn hour), a local time names two instants: a [`Sequence`] of records
//! in the order they were written picks the one that keeps time moving forward, and counts
//! the records it could not place for certain.

use crate::time::{Timestamp, UtcOffset};
use serde::Serialize;

const MINUTE: i64 = 60_000_000;

/// A change of offset at a UTC instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// When the offset changed (UTC).
    pub at: Timestamp,
    /// The offset before.
    pub before: UtcOffset,
    /// The offset from then on.
    pub after: UtcOffset,
    /// Whether the new offset is daylight saving time, when the rules say.
    pub dst: Option<bool>,
    /// When the change was inferred from evidence, the UTC stretch it happened in: records
    /// inside it are counted as uncertain.
    pub within: Option<(Timestamp, Timestamp)>,
}

impl Change {
    /// The local times the change leaves doubtful: `[lo, hi)` is skipped (clock forward) or
    /// repeated (clock back).
    fn window(&self) -> (i64, i64) {
        let (a, b) =
            (self.at.shifted(self.before.minutes()), self.at.shifted(self.after.minutes()));
        (a.0.min(b.0), a.0.max(b.0))
    }
}

/// The offsets of one clock: one before the first change, then one after each change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offsets {
    first: UtcOffset,
    first_dst: Option<bool>,
    changes: Vec<Change>,
}

/// Where a local time falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Inside period `n` (0 before the first change).
    In(usize),
    /// Skipped by change `n` (clock forward): it never showed on the clock.
    Gap(usize),
    /// Repeated by change `n` (clock back): it showed twice.
    Fold(usize),
}

/// One period of an [`Offsets`], for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Period {
    /// Start (UTC), or `None` before the first change.
    pub from: Option<String>,
    /// End (UTC), or `None` after the last change.
    pub until: Option<String>,
    /// The offset in force.
    pub offset: UtcOffset,
    /// Whether it is daylight saving time, when known.
    pub dst: Option<bool>,
    /// Local-time events (kept, or counted for diagnosis) placed in it.
    pub events: u64,
}

impl Offsets {
    /// One offset, always.
    pub fn fixed(offset: UtcOffset) -> Self {
        Offsets { first: offset, first_dst: None, changes: Vec::new() }
    }

    /// Starts with `first`; changes are added in time order with [`Offsets::push`].
    pub fn starting(first: UtcOffset, dst: Option<bool>) -> Self {
        Offsets { first, first_dst: dst, changes: Vec::new() }
    }

    /// Adds a change after the last one; a change that would overlap the last one's doubtful
    /// local times (two changes within hours of each other), or that changes nothing, is
    /// folded into it. Returns whether a change was added.
    pub fn push(&mut self, mut c: Change) -> bool {
        c.before = self.last();
        if c.before == c.after {
            return false;
        }
        if let Some(prev) = self.changes.last()
            && (c.at <= prev.at || c.window().0 < prev.window().1)
        {
            // Too close: the later offset wins from the earlier change on.
            let merged = Change { after: c.after, dst: c.dst, ..*prev };
            self.changes.pop();
            if merged.before != merged.after {
                self.changes.push(merged);
            }
            return false;
        }
        self.changes.push(c);
        true
    }

    /// The offset after the last change.
    pub fn last(&self) -> UtcOffset {
        self.changes.last().map_or(self.first, |c| c.after)
    }

    /// Whether there is only one offset.
    pub fn is_fixed(&self) -> bool {
        self.changes.is_empty()
    }

    /// The changes, in order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Moves inferred change `i` to `at`, inside the stretch it was known to lie in, and
    /// sets how uncertain it still is.
    pub fn narrow(&mut self, i: usize, at: Timestamp, within: Option<(Timestamp, Timestamp)>) {
        if let Some(c) = self.changes.get_mut(i)
            && c.within.is_some_and(|(a, b)| at >= a && at <= b)
        {
            c.at = at;
            c.within = within;
        }
    }

    fn offset_of(&self, period: usize) -> UtcOffset {
        match period.checked_sub(1) {
            None => self.first,
            Some(i) => self.changes.get(i).map_or(self.first, |c| c.after),
        }
    }

    /// The offset in force at UTC instant `t`.
    pub fn at_utc(&self, t: Timestamp) -> UtcOffset {
        let n = self.changes.partition_point(|c| c.at <= t);
        self.offset_of(n)
    }

    fn place(&self, local: Timestamp) -> Place {
        let n = self.changes.partition_point(|c| c.window().0 <= local.0);
        let Some(i) = n.checked_sub(1) else { return Place::In(0) };
        let Some(c) = self.changes.get(i) else { return Place::In(0) };
        if local.0 < c.window().1 {
            if c.after > c.before { Place::Gap(i) } else { Place::Fold(i) }
        } else {
            Place::In(n)
        }
    }

    /// The one period (its index and offset) every local time from `first` to `last` falls
    /// in, if no change falls between them: then records can be shifted in any order, in
    /// parallel. An inferred change's doubtful stretch counts as a change.
    pub fn single(&self, first: Timestamp, last: Timestamp) -> Option<(usize, UtcOffset)> {
        match (self.place(first), self.place(last)) {
            (Place::In(a), Place::In(b)) if a == b => {
                let o = self.offset_of(a);
                let near = |c: Option<&Change>| {
                    c.and_then(|c| c.within).is_some_and(|(x, y)| {
                        first.shifted(-o.minutes()) < y && last.shifted(-o.minutes()) >= x
                    })
                };
                let edges =
                    [a.checked_sub(1).and_then(|i| self.changes.get(i)), self.changes.get(a)];
                (!edges.into_iter().any(near)).then_some((a, o))
            }
            _ => None,
        }
    }

    /// The periods, with the records each was given (`counts` from [`Sequence`]s).
    pub fn periods(&self, counts: &[u64]) -> Vec<Period> {
        let mut out = Vec::with_capacity(self.changes.len() + 1);
        let mut from = None;
        let mut dst = self.first_dst;
        for (i, c) in self.changes.iter().enumerate() {
            out.push(Period {
                from: from.take(),
                until: Some(c.at.to_string()),
                offset: self.offset_of(i),
                dst,
                events: counts.get(i).copied().unwrap_or(0),
            });
            from = Some(c.at.to_string());
            dst = c.dst;
        }
        out.push(Period {
            from,
            until: None,
            offset: self.last(),
            dst,
            events: counts.get(self.changes.len()).copied().unwrap_or(0),
        });
        out
    }
}

/// What converting local times found, summed over every sequence of one clock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records per period.
    pub counts: Vec<u64>,
    /// Records in a repeated hour with nothing to tell which pass they belong to (taken
    /// as the first pass).
    pub uncertain_fold: u64,
    /// Records stamped with a local time the clock skipped (taken with the earlier offset).
    pub in_gap: u64,
    /// Records inside the stretch where an inferred change happened.
    pub uncertain_change: u64,
}

impl Tally {
    /// Adds another tally of the same clock.
    pub fn absorb(&mut self, o: &Tally) {
        if self.counts.len() < o.counts.len() {
            self.counts.resize(o.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        self.uncertain_fold += o.uncertain_fold;
        self.in_gap += o.in_gap;
        self.uncertain_change += o.uncertain_change;
    }
}

/// Local times of one log, converted in the order they were written.
#[derive(Debug)]
pub struct Sequence<'o> {
    offsets: &'o Offsets,
    prev: Option<Timestamp>,
    /// Records placed in the first pass of a repeated hour, by change, until the log shows
    /// the clock going back (which confirms them).
    pending: Vec<(usize, u64)>,
    tally: Tally,
}

impl<'o> Sequence<'o> {
    /// A sequence with nothing seen yet.
    pub fn new(offsets: &'o Offsets) -> Self {
        Sequence {
            offsets,
            prev: None,
            pending: Vec::new(),
            tally: Tally { counts: vec![0; offsets.changes.len() + 1], ..Tally::default() },
        }
    }

    /// What was found: records of a repeated hour still unconfirmed are uncertain.
    pub fn finish(mut self) -> Tally {
        self.tally.uncertain_fold += self.pending.iter().map(|p| p.1).sum::<u64>();
        self.tally
    }

    fn hold(&mut self, change: usize) {
        match self.pending.iter_mut().find(|p| p.0 == change) {
            Some(p) => p.1 += 1,
            None => self.pending.push((change, 1)),
        }
    }

    fn count(&mut self, period: usize) {
        if let Some(c) = self.tally.counts.get_mut(period) {
            *c += 1;
        }
    }

    /// The UTC instant of the next local time written.
    pub fn to_utc(&mut self, local: Timestamp) -> Timestamp {
        let o = self.offsets;
        let utc = match o.place(local) {
            Place::In(p) => {
                self.count(p);
                let utc = local.shifted(-o.offset_of(p).minutes());
                if let Some(c) = p.checked_sub(1).and_then(|i| o.changes.get(i))
                    && let Some((a, b)) = c.within
                    && utc >= a
                    && utc < b
                {
                    self.tally.uncertain_change += 1;
                }
                if let Some(c) = o.changes.get(p)
                    && let Some((a, b)) = c.within
                    && utc >= a
                    && utc < b
                {
                    self.tally.uncertain_change += 1;
                }
                utc
            }
            Place::Gap(i) => {
                let c = o.changes[i];
                self.count(i);
                self.tally.in_gap += 1;
                local.shifted(-c.before.minutes())
            }
            Place::Fold(i) => {
                let c = o.changes[i];
                let first = local.shifted(-c.before.minutes());
                let second = local.shifted(-c.after.minutes());
                let delta = i64::from(c.before.minutes() - c.after.minutes()) * MINUTE;
                // Records a few minutes out of order (threads writing one log) are common.
                let tolerance = (10 * MINUTE).min(delta / 3);
                let pick_second = match self.prev {
                    // Already past the change: the second pass.
                    Some(p) if p >= c.at => true,
                    // The clock went back: this and what follows is the second pass, and
                    // what came before in this hour was the first.
                    Some(p) if first.0 < p.0 - tolerance => {
                        self.pending.retain(|q| q.0 != i);
                        true
                    }
                    // Time moving forward the least: the first pass, though until the clock
                    // is seen going back nothing confirms it.
                    _ => {
                        self.hold(i);
                        false
                    }
                };
                self.count(if pick_second { i + 1 } else { i });
                if pick_second { second } else { first }
            }
        };
        // Only time moving forward tells passes apart; a stray older record does not undo it.
        self.prev = Some(self.prev.map_or(utc, |p| p.max(utc)));
        utc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(y: i64, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
        Timestamp::from_civil(y, mo, d, h, mi, 0, 0).unwrap()
    }
    fn off(m: i32) -> UtcOffset {
        UtcOffset::from_minutes(m).unwrap()
    }

    /// New York 2023: 12 March 07:00 UTC forward to −4, 5 November 06:00 UTC back to −5.
    fn new_york() -> Offsets {
        let mut o = Offsets::starting(off(-300), Some(false));
        let change = |at, after, dst| Change { at, before: off(0), after, dst, within: None };
        assert!(o.push(change(t(2023, 3, 12, 7, 0), off(-240), Some(true))));
        assert!(o.push(change(t(2023, 11, 5, 6, 0), off(-300), Some(false))));
        o
    }

    #[test]
    fn spring_forward() {
        let o = new_york();
        let mut s = Sequence::new(&o);
        assert_eq!(s.to_utc(t(2023, 3, 12, 1, 30)), t(2023, 3, 12, 6, 30));
        // 02:30 never showed; taken with the earlier offset, and counted.
        assert_eq!(s.to_utc(t(2023, 3, 12, 2, 30)), t(2023, 3, 12, 7, 30));
        assert_eq!(s.to_utc(t(2023, 3, 12, 3, 30)), t(2023, 3, 12, 7, 30));
        let tally = s.finish();
        assert_eq!(tally.in_gap, 1);
        assert_eq!(tally.counts, vec![2, 1, 0]);
        assert_eq!(o.single(t(2023, 3, 1, 0, 0), t(2023, 3, 12, 1, 59)), Some((0, off(-300))));
        assert_eq!(o.single(t(2023, 3, 1, 0, 0), t(2023, 3, 12, 3, 0)), None);
    }

    #[test]
    fn autumn_repeated_hour_in_write_order() {
        let o = new_york();
        let mut s = Sequence::new(&o);
        let local = [(0, 50), (1, 10), (1, 40), (1, 5), (1, 30), (2, 10)];
        let utc: Vec<Timestamp> =
            local.iter().map(|&(h, m)| s.to_utc(t(2023, 11, 5, h, m))).collect();
        assert_eq!(
            utc,
            vec![
                t(2023, 11, 5, 4, 50),
                t(2023, 11, 5, 5, 10),
                t(2023, 11, 5, 5, 40),
                // The clock went back: 01:05 again, an hour later.
                t(2023, 11, 5, 6, 5),
                t(2023, 11, 5, 6, 30),
                t(2023, 11, 5, 7, 10),
            ]
        );
        // The clock seen going back confirms both passes.
        let tally = s.finish();
        assert_eq!(tally.uncertain_fold, 0);
        assert_eq!(tally.counts, vec![0, 3, 3]);
        // A log in the repeated hour that never shows the clock going back cannot tell:
        // first pass, counted as uncertain.
        let mut s = Sequence::new(&o);
        s.to_utc(t(2023, 11, 4, 22, 0));
        assert_eq!(s.to_utc(t(2023, 11, 5, 1, 20)), t(2023, 11, 5, 5, 20));
        assert_eq!(s.to_utc(t(2023, 11, 5, 1, 50)), t(2023, 11, 5, 5, 50));
        assert_eq!(s.finish().uncertain_fold, 2);
        // A record a few minutes out of order stays in its pass.
        let mut s = Sequence::new(&o);
        s.to_utc(t(2023, 11, 5, 1, 40));
        assert_eq!(s.to_utc(t(2023, 11, 5, 1, 35)), t(2023, 11, 5, 5, 35));
        // Once past the change, the repeated hour can only be the second pass.
        let mut s = Sequence::new(&o);
        s.to_utc(t(2023, 11, 5, 2, 10));
        assert_eq!(s.to_utc(t(2023, 11, 5, 1, 59)), t(2023, 11, 5, 6, 59));
        assert_eq!(s.finish().uncertain_fold, 0);
    }

    #[test]
    fn changes_too_close_merge_and_periods_list() {
        let mut o = Offsets::starting(off(60), None);
        let c =
            |at, after| Change { at, before: off(0), after: off(after), dst: None, within: None };
        assert!(o.push(c(t(2024, 3, 31, 1, 0), 120)));
        // Back thirty minutes later: its repeated hour overlaps the first change's skipped
        // hour, so the two make one change, and here none.
        assert!(!o.push(c(t(2024, 3, 31, 1, 30), 60)));
        assert!(o.is_fixed());
        assert!(o.push(c(t(2024, 3, 31, 1, 0), 120)));
        assert!(!o.push(c(t(2024, 3, 31, 1, 0), 180)));
        assert_eq!((o.changes().len(), o.last()), (1, off(180)));
        assert!(!o.push(c(t(2024, 6, 1, 0, 0), 180)));
        let p = o.periods(&[3, 4]);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].offset, p[0].events, p[1].offset, p[1].events), (off(60), 3, off(180), 4));
        assert_eq!(o.at_utc(t(2024, 4, 1, 0, 0)), off(180));
    }
}
