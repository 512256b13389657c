use super::{Check, Hit, Rule, Severity, evtx_event, rule};
use crate::category::Category;
use crate::event::Event;
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// NTFS found the file system damaged or could not flush its log.
    ///
    /// ## What it finds
    /// `Ntfs` events 55 (file system structure corrupt), 98 (volume needs a full chkdsk),
    /// 50 (delayed write failed) and 140 (failed to flush data to the transaction log).
    ///
    /// ## Why it matters
    /// Damaged file system metadata makes servicing read wrong data or fail to write.
    /// It often follows disk errors; on its own it can also come from power loss. Events 55
    /// and 98 describe a standing state of the volume, so they count anywhere in the bundle.
    id: "STO005",
    name: "ntfs-corruption",
    category: Category::Storage,
    severity: Severity::Medium,
    check: Check::Event(check),
};

/// Ntfs 98 is also logged for healthy volumes ("… is healthy. No action is needed.").
fn healthy(e: &Event<'_>) -> bool {
    e.message.contains("is healthy")
        || (e.level >= crate::event::Level::Info
            && e.field("CorruptionActionState").is_some_and(|v| v.trim() == "0"))
}

fn check(e: &Event<'_>) -> Option<Hit> {
    if evtx_event(e, Family::Ntfs, &[98]) && healthy(e) {
        return None;
    }
    if evtx_event(e, Family::Ntfs, &[55, 98]) {
        return Some(Hit { severity: Severity::Medium, standing: true, strong: false });
    }
    evtx_event(e, Family::Ntfs, &[50, 140]).then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::evtx;

    #[test]
    fn ntfs_events() {
        assert!(
            check(&evtx("Microsoft-Windows-Ntfs", 98, Level::Error, &[("DriveName", "C:")]))
                .unwrap()
                .standing
        );
        assert!(!check(&evtx("Ntfs", 140, Level::Warning, &[])).unwrap().standing);
        assert!(check(&evtx("Ntfs", 130, Level::Info, &[])).is_none());
    }
}
