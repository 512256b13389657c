use super::{Check, Hit, Rule, Severity, rule};
use crate::category::Category;
use crate::event::{Event, Level, Source};

pub(super) static RULE: Rule = rule! {
    /// A device install failed or never finished (setupapi).
    ///
    /// ## What it finds
    /// In `setupapi.dev.log` (and `.app`, `.offline`, `.setup`): a section that ended with
    /// `FAILURE(0x…)`, a section that never ended (the machine stopped in the middle of a
    /// device install), `!!!` error lines, and `!` lines reporting a device problem
    /// (`… unstarted with problem CM_PROB_FAILED_INSTALL (28)`). The rollback of a feature
    /// update saves the new OS' log under `$WINDOWS.~BT\Sources\Rollback\setupapi`.
    ///
    /// ## Why it matters
    /// During a feature update, devices are installed at first boot; a driver that fails or
    /// hangs there rolls the upgrade back with `0xC1900101` (Microsoft names the device
    /// install log as the place to look when the extend code is 0x30018). For a cumulative
    /// update, a driver that rides on it can fail the same way. The log names the device
    /// and the INF.
    id: "DRV003",
    name: "device-install-failed",
    category: Category::Driver,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if e.source != Source::SetupApi {
        return None;
    }
    match (e.component.as_ref(), e.level) {
        ("section", Level::Error) => Some(Hit::at(Severity::High)),
        // Never ended: a device install cut off by a crash or a hang.
        ("section", Level::Warning) => Some(Hit::at(Severity::Medium)),
        (_, Level::Error) if e.field("mark") == Some("!!!") => Some(Hit::at(Severity::Medium)),
        (_, Level::Warning) if e.field("problem").is_some() => Some(Hit::at(Severity::Medium)),
        (_, Level::Warning) if e.field("mark").is_some() => Some(Hit::at(Severity::Low)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::setup::setupapi;
    use crate::parse::{Ctx, Keep};

    #[test]
    fn failed_unfinished_and_problem_devices() {
        let log = ">>>  [Device Install (Hardware initiated) - USB\\VID_1]\r\n>>>  Section start 2021/05/18 05:09:22.337\r\n!    set: USB\\VID_1 -> Configured [null] and unstarted with problem CM_PROB_FAILED_INSTALL (28) [0xC0000490].\r\n!    inf: Section [X] not referenced. Code = 0xE000022D\r\n<<<  Section end 2021/05/18 05:09:37.142\r\n<<<  [Exit status: SUCCESS]\r\n>>>  [Sysprep Specialize - {1}]\r\n>>>  Section start 2021/05/18 05:11:00.000\r\n";
        let p = setupapi::parse(log, &Ctx::new(Keep::All));
        let hits: Vec<Severity> = p.events.iter().filter_map(check).map(|h| h.severity).collect();
        assert_eq!(
            hits,
            [Severity::Medium, Severity::Medium],
            "the problem line and the unfinished section; not the lint"
        );
    }
}
