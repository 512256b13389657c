use super::{Check, Hit, Rule, Severity, evtx_event, rule};
use crate::category::Category;
use crate::event::Event;
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// The disk reported a bad block (System log, `disk` event 7).
    ///
    /// ## What it finds
    /// `disk` event 7, "the device has a bad block": the drive could not read or write a
    /// sector even after its own retries.
    ///
    /// ## Why it matters
    /// A bad block near a failed update means the update read damaged data from the disk.
    /// Repairs that write (DISM, SFC, `chkdsk /r`, a repair install) and repeated retries
    /// put more load on a disk that is losing sectors, so the data must be copied first.
    ///
    /// Strong evidence: together with any other storage signal it makes the report put a
    /// backup first.
    ///
    /// ## Which disk
    /// The report names the disk the event is on. Errors on a disk that does not hold
    /// Windows (a USB stick, a surprise-removed disk, one Partition event 1006 puts on a
    /// removable bus) are listed apart and neither rank nor put a backup first.
    id: "STO001",
    name: "disk-bad-block",
    category: Category::Storage,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    evtx_event(e, Family::Disk, &[7]).then_some(Hit {
        severity: Severity::High,
        standing: false,
        strong: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::evtx;

    #[test]
    fn matches_disk_7_only() {
        assert!(
            check(&evtx("disk", 7, Level::Error, &[("data1", "\\Device\\Harddisk0\\DR0")]))
                .is_some()
        );
        assert!(check(&evtx("Disk", 7, Level::Error, &[])).is_some());
        assert!(check(&evtx("disk", 51, Level::Warning, &[])).is_none());
        assert!(check(&evtx("Ntfs", 7, Level::Error, &[])).is_none());
    }
}
