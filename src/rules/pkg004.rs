use super::{Check, Hit, Rule, Severity, code_where, rule};
use crate::category::Category;
use crate::event::Event;
use crate::knowledge::{self, Class};

pub(super) static RULE: Rule = rule! {
    /// A code that says the package does not fit this machine.
    ///
    /// ## What it finds
    /// Package-level codes other than the servicing-stack and installer ones: an invalid
    /// delta combination (0x800F0988), not applicable (0x800F081E, 0x80240017), edition
    /// mismatches (0x800F0904, 0x800F0905), an unexpected post-restart state (0x80242016),
    /// an out-of-sequence transaction (0x80070308), and the unnamed 0x8E5E03FA that
    /// Servicing reports for failed cumulative updates.
    ///
    /// ## Why it matters
    /// These point at the relation between the update and the installed system (its build,
    /// edition or earlier updates) rather than at damaged files. Installing the KB by hand,
    /// after the latest servicing stack, settles most of them; a repair install the rest.
    id: "PKG004",
    name: "package-mismatch-code",
    category: Category::PackageConflict,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_where(e, |c| {
        knowledge::class(c) == Class::Cause(Category::PackageConflict)
            && !matches!(c.as_hresult(), 0x800F_0823 | 0x8024_2017 | 0x800F_0922 | 0x8007_0643)
    })
    .map(|c| Hit::at(if c.as_hresult() == 0x800F_081E { Severity::Low } else { Severity::Medium }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn package_codes() {
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CBS",
                "x [HRESULT = 0x800f0988 - PSFX_E_INVALID_DELTA_COMBINATION]"
            ))
            .is_some()
        );
        assert_eq!(
            check(&text(Source::Dism, Level::Error, "DISM", "not applicable (hr:0x800f081e)"))
                .unwrap()
                .severity,
            Severity::Low
        );
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CBS",
                "x [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]"
            ))
            .is_none()
        );
    }
}
