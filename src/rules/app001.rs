use super::{Check, Hit, Rule, Severity, code_where, rule, setup_lines};
use crate::category::Category;
use crate::event::{Event, Level, Source};
use crate::knowledge::{self, Class};

pub(super) static RULE: Rule = rule! {
    /// Windows Setup's compatibility scan blocked the upgrade on an application.
    ///
    /// ## What it finds
    /// `Program` items of a compatibility report (`CompatData_*.xml`, `ScanResult.xml`)
    /// with `BlockingType="Hard"` (blocks) or `"Soft"` (warns), and Setup's result codes
    /// for a failed compatibility scan: `MOSETUP_E_COMPAT_INSTALLREQ_BLOCK` (0xC1900208),
    /// `…_CANCEL` (0xC1900209), a failed preinstall script (0xC19001E2). SetupDiag's
    /// `CompatBlockedApplication*` rules look for the same.
    ///
    /// ## Why it matters
    /// Setup will not upgrade while an application it knows to break on the new version is
    /// installed. The report names the application; updating or uninstalling it, then
    /// retrying, is the fix. Nothing is wrong with Windows itself.
    id: "APP001",
    name: "compat-blocked-app",
    category: Category::IncompatibleApp,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if e.source == Source::Compat && e.field("item") == Some("Program") {
        return match e.level {
            Level::Error => Some(Hit::at(Severity::High)),
            Level::Warning => Some(Hit::at(Severity::Low)),
            _ => None,
        };
    }
    if !matches!(e.source, Source::Setup | Source::SetupDiag) {
        return None;
    }
    let by_code = if setup_lines::is_restatement(e) {
        e.codes.iter().any(|c| knowledge::class(*c) == Class::Cause(Category::IncompatibleApp))
    } else {
        code_where(e, |c| knowledge::class(c) == Class::Cause(Category::IncompatibleApp)).is_some()
    };
    by_code.then_some(Hit::at(Severity::High))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::setup::compat;
    use crate::parse::{Ctx, Keep};
    use crate::rules::testing::text;

    #[test]
    fn blocked_programs_and_codes() {
        let xml = "<CompatReport><Programs><Program Name=\"Old VPN\"><CompatibilityInfo BlockingType=\"Hard\"/></Program><Program Name=\"Tool\"><CompatibilityInfo BlockingType=\"None\"/></Program></Programs></CompatReport>";
        let p = compat::parse(xml, "CompatData_2024_01_02_03_04_05_0.xml", &Ctx::new(Keep::All));
        let hits: Vec<_> = p.events.iter().filter_map(check).collect();
        assert_eq!(hits, [Hit::at(Severity::High)]);
        let e = text(
            Source::Setup,
            Level::Info,
            "MOUPG",
            "SetupHost: Reporting error event -> [0xC1900208, 0x10006]",
        );
        assert!(check(&e).is_some());
        let other = text(Source::Cbs, Level::Error, "CBS", "Failed [HRESULT = 0xC1900208]");
        assert!(check(&other).is_none());
    }
}
