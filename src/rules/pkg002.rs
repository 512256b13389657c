use super::{Check, Hit, Rule, Severity, code_where, has, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// An advanced installer or an MSI-based installer inside the update failed.
    ///
    /// ## What it finds
    /// `CBS_E_INSTALLERS_FAILED` (0x800F0922), CSI `Failed execution of queue item Installer`,
    /// and `ERROR_INSTALL_FAILURE` (0x80070643) from MSI-based updates.
    ///
    /// ## Why it matters
    /// Part of the package ran a custom installer that failed, often because a service it
    /// needs is stopped (the firewall service for `EPT_S_NOT_REGISTERED`, 0x800706D9) or a
    /// driver or app blocks it. The installer's own record names it; installing the KB by
    /// hand shows the error interactively.
    id: "PKG002",
    name: "installer-failed",
    category: Category::PackageConflict,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    let by_code = code_where(e, |c| matches!(c.as_hresult(), 0x800F_0922 | 0x8007_0643)).is_some();
    (by_code || has!(e.message.as_bytes(), "Failed execution of queue item Installer"))
        .then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn installer_failures() {
        assert!(
            check(&text(
                Source::Cbs,
                Level::Info,
                "CBS",
                "Startup: Processing complete. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]"
            ))
            .is_some()
        );
        assert!(check(&text(Source::Cbs, Level::Error, "CSI", "(F) Failed execution of queue item Installer: Container Installer with HRESULT HRESULT_FROM_WIN32(1753).")).is_some());
        assert!(
            check(&text(Source::Cbs, Level::Info, "CBS", "Exec: Processing complete.")).is_none()
        );
    }
}
