use super::{Check, Hit, Rule, Severity, evtx_event, rule};
use crate::category::Category;
use crate::event::Event;
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// The disk failed an operation with a hardware error or during paging.
    ///
    /// ## What it finds
    /// `disk` event 154 (an I/O at a logical block address failed due to a hardware error)
    /// and event 51 (an error during a paging operation).
    ///
    /// ## Why it matters
    /// Both mean the device itself failed the request, not a timeout that a retry fixed.
    /// Strong evidence of failing media.
    ///
    /// ## Which disk
    /// The report names the disk the event is on. Errors on a disk that does not hold
    /// Windows (a USB stick, a surprise-removed disk, one Partition event 1006 puts on a
    /// removable bus) are listed apart and neither rank nor put a backup first.
    id: "STO004",
    name: "disk-hardware-error",
    category: Category::Storage,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    evtx_event(e, Family::Disk, &[51, 154]).then_some(Hit {
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
    fn hardware_errors_are_strong() {
        assert!(check(&evtx("disk", 154, Level::Error, &[])).unwrap().strong);
        assert!(check(&evtx("disk", 51, Level::Warning, &[])).is_some());
        assert!(check(&evtx("disk", 153, Level::Warning, &[])).is_none());
    }
}
