use super::{Check, Hit, Rule, Severity, code_where, evtx_event, rule};
use crate::category::Category;
use crate::event::{Event, says_restart_pending};
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// A restart is pending: servicing finished its part and waits for the next boot.
    ///
    /// ## What it finds
    /// `ERROR_SUCCESS_REBOOT_REQUIRED` (0x80070BC2) and `ERROR_SUCCESS_RESTART_REQUIRED`
    /// (0x80070BC3), WindowsUpdateClient event 22 (restart required), and the lines that
    /// say so in words: "TI: CBS has signaled that a reboot is required", "Exec: Execution
    /// Skipped for now" (the session was delayed to the next boot), "Added poqexec to
    /// SetupExecute" (pending.xml queued for the next boot), a DISM session "closed. Reboot
    /// required=yes", the Windows Update client's "The volatile RebootRequired key exists"
    /// and "Reboot required = True". Codes: REFERENCE.md §2.3; events: §6.1.
    ///
    /// ## Why it matters
    /// Nothing failed yet, but until the machine restarts the next update is refused or
    /// rolled back, and a repair run now works on a half-finished store. Alone it is a
    /// state, reported with the time since when it holds; near a failure it is evidence for
    /// a pending restart, and a restart is the first thing to try.
    id: "PND004",
    name: "restart-signalled",
    category: Category::PendingReboot,
    severity: Severity::Low,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    let by_code = code_where(e, |c| matches!(c.as_hresult(), 0x8007_0BC2 | 0x8007_0BC3)).is_some();
    (by_code
        || says_restart_pending(&e.message)
        || evtx_event(e, Family::WindowsUpdateClient, &[22]))
    .then_some(Hit::at(Severity::Low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::{evtx, text};

    #[test]
    fn restart_signals() {
        let cbs = |m| text(Source::Cbs, Level::Info, "CBS", m);
        for e in [
            cbs("TI: CBS has signaled that a reboot is required."),
            cbs("Exec: Execution Skipped for now."),
            cbs(
                "Added poqexec to SetupExecute. Cmdline: C:\\Windows\\System32\\poqexec.exe /display_progress \\SystemRoot\\WinSxS\\pending.xml.",
            ),
            cbs(
                "Startup: Processing complete. [HRESULT = 0x80070bc2 - ERROR_SUCCESS_REBOOT_REQUIRED]",
            ),
            text(
                Source::Dism,
                Level::Info,
                "DISM",
                "DISM.EXE: Image session has been closed. Reboot required=yes.",
            ),
            text(
                Source::WindowsUpdate,
                Level::Info,
                "Misc",
                "The volatile RebootRequired key exists",
            ),
            text(Source::WindowsUpdate, Level::Info, "ComApi", "Reboot required = True"),
            text(
                Source::WindowsUpdate,
                Level::Info,
                "ComApi",
                "IUpdate::get_RebootRequired exited for update 1234.1, reboot required = Yes",
            ),
            evtx("Microsoft-Windows-WindowsUpdateClient", 22, Level::Info, &[]),
        ] {
            assert!(check(&e).is_some(), "{}", e.message);
        }
        for e in [
            text(
                Source::Dism,
                Level::Info,
                "DISM",
                "DISM.EXE: Image session has been closed. Reboot required=no.",
            ),
            text(Source::WindowsUpdate, Level::Info, "ComApi", "Reboot required = False"),
            text(
                Source::WindowsUpdate,
                Level::Info,
                "ComApi",
                "IUpdate::get_RebootRequired exited for update 1234.1, reboot required = No",
            ),
            cbs("Session: 1_2 finalized. Reboot required: no [HRESULT = 0x00000000 - S_OK]"),
        ] {
            assert!(check(&e).is_none(), "{}", e.message);
        }
    }
}
