use super::{Check, Hit, Rule, Severity, code_of, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// The disk ran out of space.
    ///
    /// ## What it finds
    /// `ERROR_DISK_FULL` (0x80070070), `ERROR_HANDLE_DISK_FULL` (0x80070027),
    /// `STATUS_DISK_FULL` (0xC000007F) and `CBS_E_INSUFFICIENT_DISK_SPACE` (0x800F0828).
    ///
    /// ## Why it matters
    /// Cumulative updates need several gigabytes to stage and to keep a rollback copy.
    /// Freeing space (about 20 GB on the system drive) and retrying is safe and usually
    /// enough.
    id: "DSK001",
    name: "disk-full",
    category: Category::LowDiskSpace,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_of(e, Category::LowDiskSpace).map(|_| Hit::at(Severity::High))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::{evtx, text};

    #[test]
    fn disk_full() {
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CBS",
                "x [HRESULT = 0x80070070 - ERROR_DISK_FULL]"
            ))
            .is_some()
        );
        assert!(
            check(&evtx(
                "Microsoft-Windows-WindowsUpdateClient",
                20,
                Level::Error,
                &[("errorCode", "0x80070070")]
            ))
            .is_some()
        );
        assert!(
            check(&text(Source::Cbs, Level::Error, "CBS", "x [HRESULT = 0x80070017 - ERROR_CRC]"))
                .is_none()
        );
    }
}
