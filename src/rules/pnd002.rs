use super::{Check, Hit, Rule, Severity, code_where, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// Servicing was interrupted: busy, shutting down or timed out.
    ///
    /// ## What it finds
    /// `ERROR_INSTALL_ALREADY_RUNNING` (0x80070652), `ERROR_SHUTDOWN_IN_PROGRESS`
    /// (0x8007045B), `WU_E_SERVICE_STOP` (0x8024001E), `CBS_E_ABORT` (0x800F0821),
    /// `CBS_E_HANG_DETECTED` (0x800F0920) and the orchestrator shutting down (0x8024A10A).
    ///
    /// ## Why it matters
    /// The attempt did not fail on its own merits: another installer ran, the machine shut
    /// down, or the transaction timed out. Weak evidence; a restart and one clean retry
    /// usually settle it.
    id: "PND002",
    name: "servicing-interrupted",
    category: Category::PendingReboot,
    severity: Severity::Low,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_where(e, |c| {
        matches!(
            c.as_hresult(),
            0x8007_0652 | 0x8007_045B | 0x8024_001E | 0x800F_0821 | 0x800F_0920 | 0x8024_A10A
        )
    })
    .map(|_| Hit::at(Severity::Low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn interruptions() {
        assert!(
            check(&text(
                Source::WindowsUpdate,
                Level::Info,
                "Agent",
                "*FAILED* [8024001E] Service stopping"
            ))
            .is_some()
        );
        assert!(
            check(&text(Source::WindowsUpdate, Level::Info, "Agent", "*FAILED* [80248007] lookup"))
                .is_none()
        );
    }
}
