//! States that block the next update attempt although nothing failed yet: a restart that
//! is pending, a component store flagged corrupt. Reported when there is no failure ("a
//! restart has been pending since …"), and weighed when there is one.

use super::{is_boot, reports_healthy_store};
use crate::event::Event;
use crate::rules::Signal;
use crate::time::Timestamp;

/// What blocks the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StateKind {
    /// A restart is pending (PND001, PND004): no restart was logged after the first sign.
    PendingRestart,
    /// The component store is flagged corrupt (COR003) and no later scan found it healthy.
    StoreCorrupt,
}

impl StateKind {
    /// Kebab-case id, as in JSON.
    pub fn id(self) -> &'static str {
        match self {
            StateKind::PendingRestart => "pending-restart",
            StateKind::StoreCorrupt => "store-corrupt",
        }
    }
}

/// One state that holds at the end of the logs.
#[derive(Debug, Clone)]
pub struct State {
    /// Which.
    pub kind: StateKind,
    /// The first sign of it since it last did not hold (timeline index).
    pub event: usize,
    /// When that sign was logged (`None`: its line has no time).
    pub since: Option<Timestamp>,
    /// How many signs of it there are in that period.
    pub signs: usize,
}

/// A period during which a restart was pending: from its first sign until the next boot
/// (`None`: still pending when the logs end).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pending {
    pub(crate) event: usize,
    pub(crate) from: Timestamp,
    pub(crate) until: Option<Timestamp>,
}

fn is_restart_sign(s: &Signal) -> bool {
    matches!(s.rule.id, "PND001" | "PND004")
}

/// The periods of pending restarts on the timeline (signs with a time only), and the
/// first sign without a time, if any.
pub(crate) fn pending_periods(
    events: &[Event<'_>],
    signals: &[Signal],
) -> (Vec<Pending>, Option<usize>) {
    let mut signs: Vec<usize> =
        signals.iter().filter(|s| is_restart_sign(s)).map(|s| s.event).collect();
    signs.dedup();
    let untimed = signs.iter().copied().find(|&i| events[i].time.is_none());
    let mut timed = signs.into_iter().filter_map(|i| Some((events[i].time?, i))).peekable();
    let boots: Vec<Timestamp> =
        events.iter().filter(|e| is_boot(e)).filter_map(|e| e.time).collect();
    let mut periods = Vec::new();
    while let Some((from, event)) = timed.next() {
        // The first boot after this sign ends the period; the signs before it belong to it.
        let until = boots.iter().copied().find(|&b| b > from);
        while timed.peek().is_some_and(|&(t, _)| until.is_none_or(|u| t < u)) {
            timed.next();
        }
        periods.push(Pending { event, from, until });
    }
    (periods, untimed)
}

/// The states that hold when the logs end.
pub(crate) fn find(events: &[Event<'_>], signals: &[Signal]) -> Vec<State> {
    let mut out = Vec::new();
    let (periods, untimed) = pending_periods(events, signals);
    let signs_from = |from: Option<Timestamp>| {
        signals
            .iter()
            .filter(|s| is_restart_sign(s))
            .filter(|s| from.is_none_or(|f| events[s.event].time.is_some_and(|t| t >= f)))
            .count()
    };
    if let Some(p) = periods.last().filter(|p| p.until.is_none()) {
        out.push(State {
            kind: StateKind::PendingRestart,
            event: p.event,
            since: Some(p.from),
            signs: signs_from(Some(p.from)),
        });
    } else if let Some(event) = untimed.filter(|_| periods.is_empty()) {
        out.push(State {
            kind: StateKind::PendingRestart,
            event,
            since: None,
            signs: signs_from(None),
        });
    }
    // The store flag, unless a later scan or repair found the store healthy.
    let flags: Vec<usize> =
        signals.iter().filter(|s| s.rule.id == "COR003").map(|s| s.event).collect();
    if let Some(&first) = flags.first() {
        let last_flag = flags.iter().filter_map(|&i| events[i].time).max();
        // The timeline is sorted (events without a time first): only what follows the last
        // flag is read.
        let healed = last_flag.is_some_and(|t| {
            let after = events.partition_point(|e| e.time.is_none_or(|et| et <= t));
            events[after..].iter().any(reports_healthy_store)
        });
        if !healed {
            out.push(State {
                kind: StateKind::StoreCorrupt,
                event: first,
                since: events[first].time,
                signs: flags.len(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::{evtx, text};

    const MIN: i64 = 60_000_000;

    fn at(mut e: Event<'static>, minutes: Option<i64>) -> Event<'static> {
        e.time = minutes.map(|m| Timestamp(1_700_000_000_000_000 + m * MIN));
        e
    }

    fn states(events: &[Event<'static>]) -> Vec<State> {
        find(events, &crate::rules::signals(events))
    }

    #[test]
    fn a_restart_pending_until_a_boot() {
        let sign = |m| {
            at(
                text(
                    Source::Cbs,
                    Level::Info,
                    "CBS",
                    "TI: CBS has signaled that a reboot is required.",
                ),
                m,
            )
        };
        let boot = |m| at(evtx("Microsoft-Windows-Kernel-General", 12, Level::Info, &[]), m);
        let s = states(&[sign(Some(0)), sign(Some(5))]);
        assert_eq!(s.len(), 1);
        assert_eq!(
            (s[0].kind, s[0].since, s[0].signs),
            (StateKind::PendingRestart, Some(Timestamp(1_700_000_000_000_000)), 2)
        );
        // A boot after the sign clears it; a sign after the boot starts it again.
        assert!(states(&[sign(Some(0)), boot(Some(10))]).is_empty());
        let again = states(&[sign(Some(0)), boot(Some(10)), sign(Some(20))]);
        assert_eq!(again[0].event, 2);
        // Without times, the sign is all there is.
        let untimed = states(&[sign(None)]);
        assert_eq!((untimed[0].since, untimed[0].event), (None, 0));
    }

    #[test]
    fn a_store_flag_until_a_healthy_scan() {
        let flag = |m| {
            at(
                text(
                    Source::Cbs,
                    Level::Info,
                    "CBS",
                    "Mark store corruption flag because of package: X",
                ),
                Some(m),
            )
        };
        let healthy = |m| {
            at(
                text(
                    Source::Cbs,
                    Level::Info,
                    "CBS",
                    "Repair: The restore operation completed successfully.",
                ),
                Some(m),
            )
        };
        assert_eq!(states(&[flag(0)])[0].kind, StateKind::StoreCorrupt);
        assert!(states(&[flag(0), healthy(5)]).is_empty());
    }
}
