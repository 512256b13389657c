use super::{Check, Hit, Rule, Severity, code_where, evtx_event, rule};
use crate::category::Category;
use crate::event::Event;
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// A service that Windows Update needs failed, crashed or is disabled.
    ///
    /// ## What it finds
    /// Service Control Manager events 7000, 7001, 7009, 7011, 7022, 7023, 7024, 7031 and 7034
    /// for `wuauserv`, `BITS`, `CryptSvc`, `TrustedInstaller`, `UsoSvc` or `DoSvc` (the short
    /// name is read from the event's binary data, so localized display names still match),
    /// and `ERROR_SERVICE_DISABLED` (0x80070422).
    ///
    /// ## Why it matters
    /// Without these services updates cannot be searched, downloaded, verified or installed.
    /// Crashes of wuauserv often come from a damaged data store; a disabled service from a
    /// "tuning" tool or policy.
    id: "CAC003",
    name: "update-service-failed",
    category: Category::UpdateCache,
    severity: Severity::Medium,
    check: Check::Event(check),
};

const SERVICES: [&str; 6] = ["wuauserv", "bits", "cryptsvc", "trustedinstaller", "usosvc", "dosvc"];

fn check(e: &Event<'_>) -> Option<Hit> {
    if evtx_event(
        e,
        Family::ServiceControlManager,
        &[7000, 7001, 7009, 7011, 7022, 7023, 7024, 7031, 7034],
    ) {
        let named =
            e.field("service").or_else(|| e.field("param1")).unwrap_or("").to_ascii_lowercase();
        let display = e.field("param1").unwrap_or("");
        let ours = SERVICES.contains(&named.as_str())
            || [
                "Windows Update",
                "Background Intelligent Transfer Service",
                "Cryptographic Services",
                "Windows Modules Installer",
            ]
            .contains(&display);
        return ours.then_some(Hit::at(Severity::Medium));
    }
    code_where(e, |c| c.as_hresult() == 0x8007_0422).map(|_| Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::evtx;

    #[test]
    fn update_services_only() {
        let e = evtx(
            "Service Control Manager",
            7031,
            Level::Error,
            &[("param1", "Windows Update"), ("service", "wuauserv")],
        );
        assert!(check(&e).is_some());
        let e = evtx(
            "Service Control Manager",
            7031,
            Level::Error,
            &[("param1", "Print Spooler"), ("service", "Spooler")],
        );
        assert!(check(&e).is_none());
    }
}
