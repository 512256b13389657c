use super::{Check, Hit, Rule, Severity, rule, setup_lines};
use crate::category::Category;
use crate::code::setup::Phase;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// Setup rolled back with `0xC1900101` after the first restart (Safe OS, first or second boot).
    ///
    /// ## What it finds
    /// The result Setup reports after a rollback (`SetupHost: Reporting post reboot event ->
    /// [0xC1900101, 0x30018]`, or SetupDiag's `Error = 0xC1900101-0x…`) whose extend code puts
    /// the failure after the first restart. Stronger when the operation is one where drivers
    /// load: sysprep (0x18), boot (0x17), first boot (0x1A), installing or adding drivers
    /// (0x07, 0x10) — `0xC1900101-0x30018` is Microsoft's example of a device driver that
    /// stopped responding, `0x20017` of a driver that stopped the Safe OS from booting
    /// ("Resolution procedures").
    ///
    /// ## Why it matters
    /// `0xC1900101` is generic, but Microsoft's guidance is that it usually means an
    /// incompatible driver. The phase says where to look: the new OS' `setupapi.dev.log`
    /// (saved under `$WINDOWS.~BT\Sources\Rollback\setupapi`), `setupmem.dmp`, the rollback's
    /// event logs. Disconnecting devices and updating drivers come before anything else.
    id: "DRV002",
    name: "rollback-after-restart",
    category: Category::Driver,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    let (result, ext) = setup_lines::result(e)?;
    let ext = ext?;
    let after_restart =
        matches!(ext.phase(), Some(Phase::SafeOs | Phase::FirstBoot | Phase::OobeBoot));
    if result != 0xC190_0101 || !after_restart {
        return None;
    }
    let driver_op = matches!(ext.operation().0, 0x07 | 0x10 | 0x17 | 0x18 | 0x1A);
    Some(Hit::at(if driver_op { Severity::High } else { Severity::Medium }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn phase_and_operation_decide() {
        let at = |m| check(&text(Source::Setup, Level::Info, "MOUPG", m)).map(|h| h.severity);
        assert_eq!(
            at("SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]"),
            Some(Severity::High)
        );
        assert_eq!(
            at("SetupHost: Reporting post reboot event -> [0xC1900101, 0x4000D]"),
            Some(Severity::Medium)
        );
        assert_eq!(at("SetupHost: Reporting error event -> [0xC1900101, 0x10006]"), None);
        assert_eq!(at("SetupHost: Reporting post reboot event -> [0x8007000D, 0x2000C]"), None);
    }
}
