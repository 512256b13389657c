use super::{Check, Hit, Rule, Severity, evtx_event, rule};
use crate::category::Category;
use crate::event::{Event, Source};
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// The machine crashed (bug check) during the upgrade, or a memory dump of Setup is there.
    ///
    /// ## What it finds
    /// What a rollback records of a crash (`SP Crash 0x0000007E detected`, the bug check
    /// parameters, a `Current bugcheck string` that is not `NULL`), a memory dump in the
    /// bundle (`setupmem.dmp`, which Setup extracts when a bug check stopped the upgrade,
    /// or another dump; only its header is read), and the System log's record of the
    /// restart: Kernel-Power 41 with a bug check code (strong), without one or EventLog 6008
    /// (the machine stopped unexpectedly; weak). SetupDiag's
    /// `FindDebugInfoFromRollbackLog` and `DebugSetupMemoryDump` rules look for the same.
    ///
    /// ## Why it matters
    /// A bug check during an upgrade is almost always a driver (a filter driver of antivirus
    /// or disk encryption, storage, display). The stop code and, on Windows, the dump
    /// (`!analyze -v` in WinDbg) name it; Microsoft's guidance is to update or remove that
    /// driver, check BIOS updates and disk space, and retry from a clean boot.
    id: "DRV004",
    name: "bugcheck-during-setup",
    category: Category::Driver,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    let m = e.message.as_ref();
    let hit = match e.source {
        Source::Setup => {
            e.field("dump").is_some()
                || (m.starts_with("Crash 0x") && m.contains("detected"))
                || m.contains("Bugcheck parameter")
                || m.trim_start()
                    .strip_prefix("Module name")
                    .and_then(|r| r.split_once(':'))
                    .is_some_and(|(_, v)| !v.trim().is_empty())
                || m.strip_prefix("Current bugcheck string")
                    .and_then(|r| r.split_once(':'))
                    .is_some_and(|(_, v)| !matches!(v.trim(), "" | "NULL"))
        }
        Source::Evtx | Source::EventExport => {
            // Kernel-Power 41 (the machine restarted without shutting down cleanly) names
            // the bug check that stopped it, if one did; EventLog 6008 only says it stopped.
            if evtx_event(e, Family::System, &[41]) {
                let bugcheck =
                    e.field("BugcheckCode").is_some_and(|v| !matches!(v.trim(), "" | "0"));
                return Some(Hit::at(if bugcheck { Severity::High } else { Severity::Low }));
            }
            return evtx_event(e, Family::System, &[6008]).then_some(Hit::at(Severity::Low));
        }
        _ => false,
    };
    hit.then_some(Hit::at(Severity::High))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::{evtx, text};

    #[test]
    fn crashes_dumps_and_bugcheck_reboots() {
        let s = |m| text(Source::Setup, Level::Info, "SP", m);
        assert!(check(&s("Crash 0x0000007E detected")).is_some());
        assert!(check(&s("Current bugcheck string: 0x7E,0xC0000005")).is_some());
        assert!(check(&s("Current bugcheck string: NULL")).is_none());
        assert!(
            check(&s("No crash detected. Try to get the binary info of last crash dump."))
                .is_none()
        );
        let kp = |code| {
            evtx("Microsoft-Windows-Kernel-Power", 41, Level::Critical, &[("BugcheckCode", code)])
        };
        assert_eq!(check(&kp("126")).map(|h| h.severity), Some(Severity::High));
        assert_eq!(check(&kp("0")).map(|h| h.severity), Some(Severity::Low));
        assert!(check(&evtx("EventLog", 6008, Level::Error, &[])).is_some());
    }
}
