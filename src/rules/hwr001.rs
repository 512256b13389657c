use super::{Check, Hit, Rule, Severity, rule};
use crate::category::Category;
use crate::event::{Event, Level, Source};
use crate::knowledge::{self, Class};

pub(super) static RULE: Rule = rule! {
    /// The machine does not meet the new version's requirements, or Setup hard-blocked it.
    ///
    /// ## What it finds
    /// `HardwareItem` hard blocks in a compatibility report (TPM, Secure Boot, processor,
    /// BitLocker without target support, a language or edition mismatch, a pre-release build
    /// with Secure Boot: the items SetupDiag's `*Hardblock` rules name), and Setup's result
    /// codes for failed requirements: `MOSETUP_E_COMPAT_SYSREQ_BLOCK` (0xC1900200), its
    /// cancel (0xC1900201), the download requirements (0xC1900202) and the recovery
    /// requirements (0xC190020A).
    ///
    /// ## Why it matters
    /// No repair inside Windows helps: the fix is in the firmware settings (TPM, Secure
    /// Boot), the hardware, or the choice of target version. Reading the block saves the
    /// customer repeated attempts that cannot succeed.
    id: "HWR001",
    name: "requirements-not-met",
    category: Category::Hardware,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if e.source == Source::Compat {
        return (e.field("item") == Some("HardwareItem") && e.level == Level::Error)
            .then_some(Hit::at(Severity::High));
    }
    let setup = matches!(e.source, Source::Setup | Source::SetupDiag);
    (setup && e.codes.iter().any(|c| knowledge::class(*c) == Class::Cause(Category::Hardware)))
        .then_some(Hit::at(Severity::High))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::setup::compat;
    use crate::parse::{Ctx, Keep};
    use crate::rules::testing::text;

    #[test]
    fn hardware_blocks() {
        let xml = "<CompatReport><Hardware><HardwareItem HardwareType=\"Setup_Tpm\"><CompatibilityInfo BlockingType=\"Hard\"/></HardwareItem><HardwareItem HardwareType=\"Setup_SecureBoot\"><CompatibilityInfo BlockingType=\"None\"/></HardwareItem></Hardware></CompatReport>";
        let p = compat::parse(xml, "CompatData_2024_01_02_03_04_05_0.xml", &Ctx::new(Keep::All));
        assert_eq!(p.events.iter().filter(|e| check(e).is_some()).count(), 1);
        let e = text(
            Source::Setup,
            Level::Error,
            "MOUPG",
            "CSetupHost::Execute(433): Result = 0xC1900200",
        );
        assert!(check(&e).is_some());
    }
}
