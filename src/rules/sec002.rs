use super::{Check, Hit, Rule, Severity, code_where, rule};
use crate::category::Category;
use crate::code::Code;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// Access to servicing files or folders was denied.
    ///
    /// ## What it finds
    /// `E_ACCESSDENIED` (0x80070005) and `STATUS_ACCESS_DENIED` (0xC0000022) in the
    /// servicing logs, policy blocks (0x800704EC), and `WU_E_ALL_UPDATES_FAILED`
    /// (0x80240022), which Microsoft most often sees when antivirus blocks
    /// SoftwareDistribution. That code only sums up a call whose updates all failed: near
    /// a failure whose own code is known, it is not counted.
    ///
    /// ## Why it matters
    /// Access denied on WinSxS, SoftwareDistribution or catroot2 usually means security
    /// software or changed permissions. It is weak evidence alone: some access checks fail
    /// routinely.
    id: "SEC002",
    name: "access-denied",
    category: Category::SecuritySoftware,
    severity: Severity::Low,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_where(e, |c| denied(c) || is_the_summary(c)).map(|_| Hit::at(Severity::Low))
}

fn denied(c: Code) -> bool {
    matches!(c.as_hresult(), 0x8007_0005 | 0xD000_0022 | 0x8007_04EC)
}

/// `WU_E_ALL_UPDATES_FAILED`: the operation failed for every update it had.
pub(crate) fn is_the_summary(c: Code) -> bool {
    c.as_hresult() == 0x8024_0022
}

/// Whether SEC002 matches `e` by `WU_E_ALL_UPDATES_FAILED` alone, with no access denied.
pub(crate) fn only_the_summary(e: &Event<'_>) -> bool {
    code_where(e, denied).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn access_denied() {
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CBS",
                "Failed [HRESULT = 0x80070005 - E_ACCESSDENIED]"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::WindowsUpdate,
                Level::Info,
                "Agent",
                "LogHistory called. resultMapped=80240022"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CBS",
                "Failed [HRESULT = 0x80070020 - ERROR_SHARING_VIOLATION]"
            ))
            .is_none()
        );
    }
}
