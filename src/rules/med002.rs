use super::{Check, Hit, Rule, Severity, rule};
use crate::category::Category;
use crate::event::{Event, Level, Source};

pub(super) static RULE: Rule = rule! {
    /// The update agent could not expand the downloaded upgrade (DPX expander failure).
    ///
    /// ## What it finds
    /// Errors of the `DPX` component (the expander that unpacks downloaded payloads) in
    /// Windows Setup's logs, and errors that name expanding or the expander, in the
    /// down-level phase of an upgrade offered by Windows Update. SetupDiag's
    /// `UpdateAgentExpanderFailure` rule looks for the same.
    ///
    /// ## Why it matters
    /// The downloaded payload is damaged or incomplete, or the disk filled up while it was
    /// unpacked. Clearing Setup's working files (`$WINDOWS.~BT`) and the download, then
    /// retrying (or using the media instead), is the fix.
    id: "MED002",
    name: "expander-failed",
    category: Category::SetupMedia,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if e.source != Source::Setup || e.level > Level::Error {
        return None;
    }
    let m = e.message.as_ref();
    (e.component == "DPX" || m.contains("Expander") || m.contains("expander"))
        .then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::text;

    #[test]
    fn expander_errors() {
        assert!(
            check(&text(
                Source::Setup,
                Level::Error,
                "DPX",
                "CDpxExpandJob::Expand failed [0x80070570]"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::Setup,
                Level::Info,
                "DPX",
                "Started DPX phase: Resume and Download Job"
            ))
            .is_none()
        );
        assert!(check(&text(Source::Cbs, Level::Error, "DPX", "x")).is_none());
    }
}
