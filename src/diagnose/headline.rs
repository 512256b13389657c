//! Which incident the verdict leads with, and the cause it states for it.
//!
//! The update that matters most to the machine comes first: Windows itself (a feature
//! update, a cumulative or security update, a servicing-stack update, a CBS package), then
//! other named updates (drivers, Defender definitions, Store apps), then updates known only
//! by an id or not at all, then failed DISM commands (the repairs someone ran). Within one
//! of these, an update that failed in the last day of that kind's failures comes before
//! older ones, then the one that failed most often, then the most recent.

use super::{Cause, Incident, IncidentKind};
use crate::event::Event;

/// Words of update titles that name Windows itself.
const OS_TITLES: &[&str] = &[
    "feature update",
    "cumulative update",
    "windows 11, version",
    "windows 10, version",
    "windows 11 version",
    "windows 10 version",
    "upgrade to windows",
    "security update for windows",
    "update for windows",
    "servicing stack update",
    "quality rollup",
    "security only quality update",
    "windows server",
];

/// How much the update matters to the machine: 0 is Windows itself, 3 a DISM command.
pub(crate) fn weight(i: &Incident) -> u8 {
    match i.kind {
        IncidentKind::Dism => return 3,
        // Setup's own record of a feature update: Windows itself, whatever its title says.
        IncidentKind::FeatureUpdate => return 0,
        _ => {}
    }
    match &i.title {
        Some(t) => {
            let t = t.to_ascii_lowercase();
            let os = OS_TITLES.iter().any(|w| t.contains(w));
            // Defender definitions are titled "… Update for Microsoft Defender …".
            u8::from(!os || t.contains("defender"))
        }
        // A KB or a CBS package without a title is a servicing package: Windows itself.
        None if i.kb.is_some() || i.package.is_some() => 0,
        None => 2,
    }
}

const DAY_US: i64 = 24 * 60 * 60 * 1_000_000;

/// The incident the verdict leads with (an index into `incidents`). Failures read from
/// logs come before those read only from text in no known format (weak evidence).
pub(crate) fn incident(incidents: &[Incident], events: &[Event<'_>]) -> Option<usize> {
    let last = |i: &Incident| i.last().map_or(i64::MIN, |t| t.0);
    let mut latest = [i64::MIN; 4];
    for i in incidents {
        let w = usize::from(weight(i));
        latest[w] = latest[w].max(last(i));
    }
    incidents
        .iter()
        .enumerate()
        .min_by_key(|(n, i)| {
            let w = weight(i);
            let recent = last(i) >= latest[usize::from(w)].saturating_sub(DAY_US);
            let weak = super::is_weak(i, events);
            (weak, w, !recent, std::cmp::Reverse(i.count()), std::cmp::Reverse(last(i)), *n)
        })
        .map(|(n, _)| n)
}

/// The best-ranked cause whose evidence lies near incident `id` (an index into `causes`).
pub(crate) fn cause(causes: &[Cause], id: u32) -> Option<usize> {
    causes.iter().position(|c| c.incidents.contains(&id))
}
