use super::{Check, Hit, Rule, Severity, has, rule};
use crate::category::Category;
use crate::code::Code;
use crate::event::{Event, Source};

pub(super) static RULE: Rule = rule! {
    /// DISM could not find the files it needs to repair the store.
    ///
    /// ## What it finds
    /// `CBS_E_SOURCE_MISSING` (0x800F081F) in dism.log or CBS.log, and DISM's own message
    /// that "the source files could not be found".
    ///
    /// ## Why it matters
    /// RestoreHealth downloads replacement files from Windows Update unless told otherwise.
    /// When that fails, the repair needs `/Source` pointing at install media of the same
    /// build, with `/LimitAccess` to keep it off Windows Update. The report switches the DISM
    /// remedy to that form when this rule fires.
    id: "COR004",
    name: "repair-source-missing",
    category: Category::Corruption,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if !matches!(e.source, Source::Cbs | Source::Dism) {
        return None;
    }
    let missing = e.codes.iter().any(|c| c.as_hresult() == Code::hresult(0x800F_081F).as_hresult())
        || has!(e.message.as_bytes(), "source files could not be found");
    missing.then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::text;

    #[test]
    fn source_missing() {
        assert!(
            check(&text(
                Source::Dism,
                Level::Error,
                "DISM",
                "Failed while processing command cleanup-image. - X(hr:0x800f081f)"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::Dism,
                Level::Error,
                "DISM",
                "The source files could not be found; their location must be specified"
            ))
            .is_some()
        );
        assert!(
            check(&text(Source::Dism, Level::Error, "DISM", "Failed (hr:0x800f0922)")).is_none()
        );
    }
}
