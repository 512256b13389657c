use super::{Check, Hit, Rule, Severity, evtx_event, rule};
use crate::category::Category;
use crate::event::Event;
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// The drive predicted its own failure (SMART, `disk` event 52).
    ///
    /// ## What it finds
    /// `disk` event 52: the drive's self-monitoring says it is likely to fail soon.
    ///
    /// ## Why it matters
    /// This is standing evidence: it counts wherever it appears in the bundle, not only near
    /// a failed update. Windows itself tells the user to back up immediately. On its own it
    /// is enough to put a backup before any repair.
    ///
    /// ## Which disk
    /// The report names the disk the event is on. Errors on a disk that does not hold
    /// Windows (a USB stick, a surprise-removed disk, one Partition event 1006 puts on a
    /// removable bus) are listed apart and neither rank nor put a backup first.
    id: "STO002",
    name: "smart-failure-predicted",
    category: Category::Storage,
    severity: Severity::Critical,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    evtx_event(e, Family::Disk, &[52]).then_some(Hit {
        severity: Severity::Critical,
        standing: true,
        strong: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::evtx;

    #[test]
    fn smart_is_standing_and_strong() {
        let h = check(&evtx("disk", 52, Level::Warning, &[])).unwrap();
        assert!(h.standing && h.strong);
        assert!(check(&evtx("disk", 7, Level::Error, &[])).is_none());
    }
}
