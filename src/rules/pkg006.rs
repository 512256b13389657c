use super::{Check, Hit, Rule, Severity, rule, setup_lines};
use crate::category::Category;
use crate::event::{Event, Level, Source};

pub(super) static RULE: Rule = rule! {
    /// An advanced installer, optional component or package failed inside Windows Setup.
    ///
    /// ## What it finds
    /// Errors in Windows Setup's logs from an advanced installer (a component's installer
    /// run by servicing: `AdvancedInstaller`, `Failed execution of queue item Installer`),
    /// from migrating optional components (`OptionalComponent…`, opening an OC package), or
    /// from adding a package with DISM during the upgrade (`AddPackage` failed). SetupDiag's
    /// `AdvancedInstallerFailed`, `AdvancedInstallerGenericFailure`,
    /// `OptionalComponent*` and `DISMAddPackageFailed` rules look for the same.
    ///
    /// ## Why it matters
    /// The line names the installer (its executable or component) and the code. Such
    /// failures usually come from a feature or an application that hooks into servicing;
    /// removing or updating it (or the optional feature, in Windows Features), then retrying
    /// from a clean boot, is the usual fix.
    id: "PKG006",
    name: "setup-installer-failed",
    category: Category::PackageConflict,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    (e.source == Source::Setup
        && e.level <= Level::Error
        && setup_lines::says(
            e,
            &[
                "advancedinstaller",
                "advanced installer",
                "queue item installer",
                "optionalcomponent",
                "optional component",
                "oc package",
                "addpackage",
                "add package",
            ],
        ))
    .then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::text;

    #[test]
    fn installer_failures_in_setup() {
        let e = text(
            Source::Setup,
            Level::Error,
            "CSI",
            "00000003 (F) Failed execution of queue item Installer: Generic Command ({x}) with HRESULT 0x8007041d",
        );
        assert!(check(&e).is_some());
        let cbs =
            text(Source::Cbs, Level::Error, "CSI", "Failed execution of queue item Installer: x");
        assert!(check(&cbs).is_none(), "CBS has its own rule (PKG002)");
    }
}
