//! Which events diagnosis and the analyze report read, so that `analyze` need not keep the
//! others. Every scan over the whole timeline in this module's parent, in the rules and in
//! the report must be covered here: an event for which [`reads`] is false must be one that
//! no part of diagnosis would ever look at, or the report would change, except through
//! the [`Note`] that [`note`] keeps of it. [`unread_evtx`] must follow: it says ahead of
//! time, for an .evtx event with no code, that [`reads`] is false and what [`note`] is.

use super::{incident, is_boot, is_install_start, is_installed, reports_healthy_store};
use crate::event::{Event, Note};
use crate::parse::Retain;
use crate::parse::evtx::Family;
use crate::rules::{Check, RULES};
use memchr::memmem::Finder;
use std::sync::LazyLock;

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
        || super::disks::fact(e).is_some()
        || super::upgrade::reads(e)
}

/// What diagnosis still reads of an event [`reads`] leaves out: installs that started, by
/// KB, and that an update installed (thousands of each in a year of event logs).
pub fn note(e: &Event<'_>) -> Note {
    if is_installed(e) {
        Note::UpdateInstalled
    } else if is_install_start(e)
        && let Some(kb) = e.kb
    {
        Note::InstallStarted { kb }
    } else {
        Note::Counted
    }
}

/// [`reads`] and [`note`] as [`crate::parse::ParseOptions::retain`] asks.
pub fn retain(e: &Event<'_>) -> Retain {
    if reads(e) { Retain::Keep } else { Retain::Leave(note(e)) }
}

/// Texts of a message that [`reads`] looks for in any event, whatever its source.
const READ_TEXTS: [&str; 5] = [
    "The restore operation completed successfully",
    "did not find any integrity violations",
    "Total Detected Corruption:",
    "requires Servicing Stack",
    "Failed execution of queue item Installer",
];

/// For an .evtx event with no code: `Some` when [`reads`] is false whatever its fields, from
/// its provider's family, its id and its message alone (seeds, rules and scans read other
/// events by family and id, or by their codes, or by these texts), with the [`note`] it
/// gives; `kb` is the KB the event's fields name, asked of an install start only. The evtx
/// parser asks this before it builds such an event, so that it need not build one only to
/// drop it.
pub fn unread_evtx(
    fam: Family,
    id: Option<u32>,
    message: &str,
    kb: &dyn Fn() -> Option<u32>,
) -> Option<Note> {
    let kind = id.is_some_and(|id| match fam {
        Family::WindowsUpdateClient => matches!(id, 20 | 22 | 25 | 31),
        Family::Servicing => matches!(id, 3 | 4 | 6 | 1014),
        Family::Disk => matches!(id, 7 | 9 | 11 | 15 | 51 | 52 | 153 | 154 | 157),
        Family::Ntfs => matches!(id, 50 | 55 | 98 | 140),
        Family::Storage => id == 129,
        // `EventLog` is of this family.
        Family::System => matches!(id, 12 | 41 | 6005 | 6008 | 6009),
        // Its rules read the fields.
        Family::ServiceControlManager => true,
        // A disk's bus and role as it arrives.
        Family::Partition => id == 1006,
        // Defender's attack surface reduction events (SEC004) are of no family of their own.
        Family::Other => matches!(id, 1121 | 1122),
        // Read only when they name a USB storage device (below).
        Family::Pnp | Family::Volmgr => false,
    });
    let usb = fam == Family::Pnp && super::disks::names_usb_storage(message);
    if kind || usb || READ.iter().any(|f| f.find(message.as_bytes()).is_some()) {
        return None;
    }
    Some(match (fam, id) {
        (Family::WindowsUpdateClient, Some(19)) => Note::UpdateInstalled,
        (Family::WindowsUpdateClient, Some(43)) => {
            kb().map_or(Note::Counted, |kb| Note::InstallStarted { kb })
        }
        _ => Note::Counted,
    })
}

/// [`READ_TEXTS`] as searchers set up once: asked of most .evtx events `analyze` leaves out,
/// a search set up per call cost more than the search.
static READ: LazyLock<[Finder<'static>; 5]> = LazyLock::new(|| READ_TEXTS.map(Finder::new));

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
        for e in [&seed, &disk, &code, &boot] {
            assert!(reads(e), "{} {:?}", e.component, e.event_id);
            assert_eq!(retain(e), Retain::Keep);
        }
        // Installs started and updates installed are scanned for as notes, not kept.
        let mut started = evtx("Microsoft-Windows-WindowsUpdateClient", 43, Level::Info, &[]);
        assert_eq!(retain(&started), Retain::Leave(Note::Counted));
        started.kb = Some(5_034_441);
        assert_eq!(retain(&started), Retain::Leave(Note::InstallStarted { kb: 5_034_441 }));
        let installed = evtx("Microsoft-Windows-WindowsUpdateClient", 19, Level::Info, &[]);
        assert_eq!(retain(&installed), Retain::Leave(Note::UpdateInstalled));
        let dcom = evtx("Microsoft-Windows-DistributedCOM", 10016, Level::Warning, &[]);
        assert_eq!(retain(&dcom), Retain::Leave(Note::Counted));
        let mut healthy = evtx("Some-Provider", 1, Level::Info, &[]);
        healthy.message = "The restore operation completed successfully.".into();
        assert!(reads(&healthy));
        // Text events: those with a code, seeds and rule hits are kept, not the rest.
        let cbs = |m| text(Source::Cbs, Level::Warning, "CBS", m);
        assert!(reads(&cbs("Failed to get session package state [HRESULT = 0x80070002]")));
        assert!(reads(&cbs("Performing rollback of the session")));
        assert!(!reads(&cbs("Failed to load the component list")));
    }

    #[test]
    fn unread_evtx_events_are_not_read() {
        // Every family, every id up to 1,100 and the higher ones diagnosis knows, messages with
        // and without what diagnosis looks for: when `unread_evtx` says so, `reads` agrees.
        let providers = [
            "Microsoft-Windows-WindowsUpdateClient",
            "Microsoft-Windows-Servicing",
            "disk",
            "Ntfs",
            "volmgr",
            "storahci",
            "Service Control Manager",
            "Microsoft-Windows-Kernel-General",
            "EventLog",
            "Microsoft-Windows-DistributedCOM",
        ];
        // Messages without the texts `reads` looks for; with one, the answer is no.
        let messages = ["", "Package KB1 reached state 5112", "x=1; y=Failed"];
        let no_kb = || None;
        for t in READ_TEXTS {
            assert!(unread_evtx(Family::Other, Some(1), &format!("a {t}\t0 b"), &no_kb).is_none());
        }
        let (mut unread, mut read) = (0, 0);
        for provider in providers {
            let fam = crate::parse::evtx::family(provider);
            let high = [6005, 6008, 6009, 7036, 10016, 65_535, u32::MAX];
            for id in (0..=1100).chain(7000..=7050).chain(high) {
                for m in messages {
                    for kb in [None, Some(5_034_441)] {
                        let mut e = evtx(provider, id, Level::Warning, &[]);
                        e.message = m.into();
                        e.kb = kb;
                        if let Some(n) = unread_evtx(fam, Some(id), m, &|| kb) {
                            unread += 1;
                            assert!(!reads(&e), "{provider} {id} {m:?}");
                            assert_eq!(note(&e), n, "{provider} {id} {m:?} {kb:?}");
                        } else {
                            read += 1;
                        }
                    }
                }
            }
        }
        assert!(unread > 60_000 && read > 2000, "{unread} {read}");
        // The ones the parser drops before building them.
        let fam = crate::parse::evtx::family;
        let unread = |p, id, m: &str| unread_evtx(fam(p), id, m, &no_kb);
        assert_eq!(
            unread("Microsoft-Windows-Servicing", Some(2), "Package KB1 reached"),
            Some(Note::Counted)
        );
        assert!(unread("Microsoft-Windows-DistributedCOM", Some(10016), "param1=x").is_some());
        assert!(unread("Microsoft-Windows-Servicing", Some(6), "").is_none());
        assert!(unread("Other", None, "requires Servicing Stack v1").is_none());
        let wu = fam("Microsoft-Windows-WindowsUpdateClient");
        assert_eq!(unread_evtx(wu, Some(19), "", &no_kb), Some(Note::UpdateInstalled));
        assert_eq!(
            unread_evtx(wu, Some(43), "", &|| Some(7)),
            Some(Note::InstallStarted { kb: 7 })
        );
        assert_eq!(unread_evtx(wu, Some(20), "", &no_kb), None);
    }
}
