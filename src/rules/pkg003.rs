use super::{Check, Hit, Rule, Severity, evtx_event, rule};
use crate::category::Category;
use crate::event::{Event, Source};
use crate::parse::evtx::Family;
use memchr::memmem;
use std::sync::LazyLock;

pub(super) static RULE: Rule = rule! {
    /// Servicing rolled the update back, or left it partially installed.
    ///
    /// ## What it finds
    /// CBS and CSI lines announcing a rollback ("A rollback will be initiated", "Rolling back",
    /// "Performing rollback", "A rollback transaction will be created", an `ExecuteState`
    /// line that names `InitiateRollback`) and Servicing event 6 (package partially
    /// installed).
    ///
    /// ## Why it matters
    /// A rollback means the package got far enough to change the system and then could not
    /// finish. The earlier failure that triggered it is the real cause; the rollback itself
    /// says the package and this machine do not fit as things stand.
    id: "PKG003",
    name: "rollback",
    category: Category::PackageConflict,
    severity: Severity::Medium,
    check: Check::Event(check),
};

static BACK: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("back"));

/// Whether a CBS/CSI line announces a rollback.
pub(crate) fn is_rollback(e: &Event<'_>) -> bool {
    let m = &e.message;
    // Every wording below holds "ollback" or "Rolling back", so "back": one scan by a
    // searcher built once rules out the rest, as this runs on every CBS and DISM record, for
    // the incidents' seeds and for this rule (callgrind: 61 M of 1,298 M instructions on a
    // 100 MiB bundle before the first prefilter).
    matches!(e.source, Source::Cbs | Source::Dism)
        && BACK.find(m.as_bytes()).is_some()
        && (m.contains("ollback") || m.contains("Rolling back"))
        && (e.message.contains("rollback will be initiated")
            || e.message.contains("Rolling back")
            || e.message.contains("Performing rollback")
            || e.message.contains("rollback transaction will be created")
            || e.message.contains("InitiateRollback"))
}

fn check(e: &Event<'_>) -> Option<Hit> {
    (is_rollback(e) || evtx_event(e, Family::Servicing, &[6])).then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::{evtx, text};

    #[test]
    fn rollbacks() {
        assert!(check(&text(Source::Cbs, Level::Error, "CSI", "(F) Failed execution ... Failure will not be ignored: A rollback will be initiated after all the operations")).is_some());
        assert!(
            check(&evtx(
                "Microsoft-Windows-Servicing",
                6,
                Level::Info,
                &[("ErrorCode", "0x800f0922")]
            ))
            .is_some()
        );
        assert!(check(&text(Source::Cbs, Level::Info, "CBS", "Session initialized")).is_none());
    }
}
