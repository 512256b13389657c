use super::{Check, Hit, Rule, Severity, rule};
use crate::category::Category;
use crate::event::{Event, Source};

pub(super) static RULE: Rule = rule! {
    /// An earlier upgrade attempt's cleanup or rollback is still pending.
    ///
    /// ## What it finds
    /// Setup's `MOSETUP_E_CLEANUP_PENDING` (0xC1900107) and `MOSETUP_E_ROLLBACK_PENDING`
    /// (0xC1900216) in Windows Setup's logs or SetupDiag's verdict.
    ///
    /// ## Why it matters
    /// Setup will not start again until the previous attempt is cleaned up. Microsoft's
    /// guidance: restart and run Setup again; if that is not enough, remove the previous
    /// attempt's files with Disk Cleanup (system files).
    id: "PND003",
    name: "setup-cleanup-pending",
    category: Category::PendingReboot,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    (matches!(e.source, Source::Setup | Source::SetupDiag)
        && e.codes.iter().any(|c| matches!(c.as_hresult(), 0xC190_0107 | 0xC190_0216)))
    .then_some(Hit::at(Severity::High))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::text;

    #[test]
    fn pending_cleanup() {
        let e = text(
            Source::Setup,
            Level::Error,
            "MOUPG",
            "CSetupHost::Execute(433): Result = 0xC1900107",
        );
        assert!(check(&e).is_some());
        assert!(check(&text(Source::Cbs, Level::Error, "CBS", "0xC1900107")).is_none());
    }
}
