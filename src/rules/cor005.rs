use super::{Check, Hit, Rule, Severity, rule, setup_lines};
use crate::category::Category;
use crate::event::{Event, Level, Source};

pub(super) static RULE: Rule = rule! {
    /// Setup could not start DISM, WMI or the servicing stack of the running Windows.
    ///
    /// ## What it finds
    /// Errors in Windows Setup's logs that DISM's host or a DISM provider could not start,
    /// that a DISM image session failed, that the servicing session (CBS) could not be
    /// initialised, or that WMI or disk provisioning was unavailable (`Failed to create
    /// DismHostManager`, `Failed to get the IDismImage instance`, `Disk provisioning is not
    /// available`). SetupDiag's `DISMproviderFailure`, `DISMImageSessionFailure` and
    /// `OptionalComponentInitCBSSessionFailed` (servicing stack corruption) rules look for
    /// the same.
    ///
    /// ## Why it matters
    /// Setup drives the upgrade through the old Windows' own servicing and management
    /// components; when they are broken (unregistered COM classes, damaged system files),
    /// it fails down-level. Repairing the running Windows (DISM `RestoreHealth`, SFC) and
    /// restarting come before another attempt.
    id: "COR005",
    name: "setup-servicing-broken",
    category: Category::Corruption,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    (e.source == Source::Setup
        && e.level <= Level::Error
        && setup_lines::says(
            e,
            &[
                "dismhostmanager",
                "idismimage",
                "dism provider",
                "image session",
                "cbs session",
                "disk provisioning is not available",
                "failed to connect to wmi",
                "wmi",
            ],
        ))
    .then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::text;

    #[test]
    fn broken_servicing_in_setup() {
        let e = text(
            Source::Setup,
            Level::Error,
            "SP",
            "CSetupPlatform::Initialize: Disk provisioning is not available; hr = 0x80070032",
        );
        assert!(check(&e).is_some());
        let d = text(
            Source::Setup,
            Level::Error,
            "DISM",
            "DismHostLib: Failed to create DismHostManager remote object (hr:0x80040154)",
        );
        assert!(check(&d).is_some());
        assert!(check(&text(Source::Setup, Level::Info, "SP", "Connecting to WMI")).is_none());
    }
}
