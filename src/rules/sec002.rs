use super::{Check, Hit, Rule, Severity, code_where, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// Access to servicing files or folders was denied.
    ///
    /// ## What it finds
    /// `E_ACCESSDENIED` (0x80070005) and `STATUS_ACCESS_DENIED` (0xC0000022) in the
    /// servicing logs, policy blocks (0x800704EC), and `WU_E_ALL_UPDATES_FAILED`
    /// (0x80240022), which Microsoft most often sees when antivirus blocks
    /// SoftwareDistribution.
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
    code_where(e, |c| {
        matches!(c.as_hresult(), 0x8007_0005 | 0xD000_0022 | 0x8007_04EC | 0x8024_0022)
    })
    .map(|_| Hit::at(Severity::Low))
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
