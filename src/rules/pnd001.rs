use super::{Check, Hit, Rule, Severity, code_where, evtx_event, has, rule};
use crate::category::Category;
use crate::event::{Event, Source};
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// A restart or a pending servicing operation blocks new updates.
    ///
    /// ## What it finds
    /// Servicing event 4 ("a reboot is necessary before package … can be changed"),
    /// `ERROR_FAIL_REBOOT_REQUIRED` (0x80070BC9), `ERROR_FAIL_REBOOT_INITIATED` (0x80070BCA),
    /// `CBS_E_PENDING` (0x800F0806), `CBS_E_PENDING_VICTIM` (0x800F0826),
    /// `WU_E_UH_POSTREBOOTSTILLPENDING` (0x80242014), `WU_E_INSTALL_NOT_ALLOWED` (0x80240016)
    /// and CBS sessions that end with "Reboot required: yes".
    ///
    /// ## Why it matters
    /// While an earlier operation waits for a restart, new servicing work is refused or rolled
    /// back. A full restart usually clears it; if the same pending operation survives
    /// restarts, reverting pending actions from the recovery environment does.
    id: "PND001",
    name: "restart-pending",
    category: Category::PendingReboot,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    let by_code = code_where(e, |c| {
        matches!(
            c.as_hresult(),
            0x8007_0BC9 | 0x8007_0BCA | 0x800F_0806 | 0x800F_0826 | 0x8024_2014 | 0x8024_0016
        )
    })
    .is_some();
    let by_text =
        matches!(e.source, Source::Cbs) && has!(e.message.as_bytes(), "Reboot required: yes");
    (by_code || by_text || evtx_event(e, Family::Servicing, &[4]))
        .then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::{evtx, text};

    #[test]
    fn pending_restart() {
        assert!(
            check(&evtx(
                "Microsoft-Windows-Servicing",
                4,
                Level::Info,
                &[("PackageIdentifier", "KB1")]
            ))
            .is_some()
        );
        assert!(
            check(&text(Source::Dism, Level::Error, "DISM", "failed. HRESULT=80070BC9")).is_some()
        );
        assert!(
            check(&text(
                Source::Cbs,
                Level::Info,
                "CBS",
                "Session: 1_2 finalized. Reboot required: no [HRESULT = 0x00000000 - S_OK]"
            ))
            .is_none()
        );
    }
}
