//! Which events diagnosis and the analyze report read, so that `analyze` need not keep the
//! others. Every scan over the whole timeline in this module's parent, in the rules and in
//! the report must be covered here: an event for which [`reads`] is false must be one that
//! no part of diagnosis would ever look at, or the report would change.

use super::{incident, is_boot, is_install_start, is_installed, reports_healthy_store};
use crate::event::Event;
use crate::rules::{Check, RULES};

/// Whether diagnosis (incidents, rules, causes, remedies) or the analyze report may read
/// `e`. Events with a code are always read: offset inference matches codes across logs,
/// and the scans for the code just before a failure or the specific failure a catch-all
/// wraps look at every event with a code near it.
pub fn reads(e: &Event<'_>) -> bool {
    !e.codes.is_empty()
        || incident::seed(e, 0).is_some()
        || RULES.iter().any(|r| matches!(r.check, Check::Event(f) if f(e).is_some()))
        || reports_healthy_store(e)
        || is_boot(e)
        || is_install_start(e)
        || is_installed(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::{evtx, text};

    #[test]
    fn unread_evtx_events_are_left_out() {
        let dcom = evtx(
            "Microsoft-Windows-DistributedCOM",
            10016,
            Level::Warning,
            &[("param1", "application-specific")],
        );
        assert!(!reads(&dcom));
        let servicing = evtx(
            "Microsoft-Windows-Servicing",
            2,
            Level::Info,
            &[("PackageIdentifier", "KB5034441"), ("IntendedPackageState", "5112")],
        );
        assert!(!reads(&servicing));
    }

    #[test]
    fn events_any_scan_reads_are_kept() {
        // A seed, a rule hit, a code, and each whole-timeline scan of diagnosis.
        let seed = evtx("Microsoft-Windows-WindowsUpdateClient", 20, Level::Error, &[]);
        let disk = evtx("disk", 7, Level::Error, &[("DeviceName", "\\Device\\Harddisk0\\DR0")]);
        let code = evtx("Application Error", 1000, Level::Error, &[("x", "0x80070005")]);
        let boot = evtx("Microsoft-Windows-Kernel-General", 12, Level::Info, &[]);
        let started = evtx("Microsoft-Windows-WindowsUpdateClient", 43, Level::Info, &[]);
        let installed = evtx("Microsoft-Windows-WindowsUpdateClient", 19, Level::Info, &[]);
        for e in [&seed, &disk, &code, &boot, &started, &installed] {
            assert!(reads(e), "{} {:?}", e.component, e.event_id);
        }
        let mut healthy = evtx("Some-Provider", 1, Level::Info, &[]);
        healthy.message = "The restore operation completed successfully.".into();
        assert!(reads(&healthy));
        // Text events: those with a code, seeds and rule hits are kept, not the rest.
        let cbs = |m| text(Source::Cbs, Level::Warning, "CBS", m);
        assert!(reads(&cbs("Failed to get session package state [HRESULT = 0x80070002]")));
        assert!(reads(&cbs("Performing rollback of the session")));
        assert!(!reads(&cbs("Failed to load the component list")));
    }
}
