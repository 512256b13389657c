use super::{Check, Hit, Rule, Severity, evtx_event, rule};
use crate::category::Category;
use crate::event::Event;
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// I/O retries, timeouts, resets and controller errors on the storage path.
    ///
    /// ## What it finds
    /// `disk` events 153 (I/O retried), 9 (timeout), 11 (controller error) and 15 (not
    /// ready), and event 129 (reset to device) from storport or a miniport driver
    /// (`storahci`, `stornvme`, …).
    ///
    /// ## Why it matters
    /// Each one means a request to the disk did not finish in time. One is weak evidence:
    /// cables, drivers and power management cause them too. Several, or one together with
    /// a bad block or a CRC error in the servicing logs, point at failing storage. A machine
    /// that "has grown slow" before its updates failed often shows these.
    ///
    /// ## Which disk
    /// The report names the disk the event is on. Errors on a disk that does not hold
    /// Windows (a USB stick, a surprise-removed disk, one Partition event 1006 puts on a
    /// removable bus) are listed apart and neither rank nor put a backup first.
    id: "STO003",
    name: "io-retry-or-reset",
    category: Category::Storage,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    (evtx_event(e, Family::Disk, &[9, 11, 15, 153]) || evtx_event(e, Family::Storage, &[129]))
        .then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::evtx;

    #[test]
    fn retries_and_resets_are_weak() {
        let h = check(&evtx("disk", 153, Level::Warning, &[])).unwrap();
        assert!(!h.strong);
        assert!(check(&evtx("stornvme", 129, Level::Warning, &[])).is_some());
        assert!(check(&evtx("disk", 7, Level::Error, &[])).is_none());
    }
}
