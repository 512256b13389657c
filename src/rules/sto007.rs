use super::{Check, Hit, Rule, Severity, evtx_event, rule};
use crate::category::Category;
use crate::event::Event;
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// A disk disappeared while in use (`disk` event 157).
    ///
    /// ## What it finds
    /// `disk` event 157, "disk has been surprise removed".
    ///
    /// ## Why it matters
    /// For a removable drive this is harmless. For the system disk it means the device
    /// dropped off the bus (cable, controller, power or a dying drive), which interrupts
    /// servicing mid-write.
    ///
    /// ## Which disk
    /// The event names the disk. A disk removed while the machine went on logging is taken
    /// as removable (the log itself lives on the disk that holds Windows): its errors, this
    /// removal included, are listed apart and neither rank nor put a backup first.
    id: "STO007",
    name: "disk-surprise-removed",
    category: Category::Storage,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    evtx_event(e, Family::Disk, &[157]).then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::evtx;

    #[test]
    fn surprise_removal() {
        assert!(check(&evtx("disk", 157, Level::Warning, &[])).is_some());
        assert!(check(&evtx("disk", 158, Level::Warning, &[])).is_none());
    }
}
