use super::{Check, Hit, Rule, Severity, code_where, has, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// The update needs a newer servicing stack than the machine has.
    ///
    /// ## What it finds
    /// `CBS_E_NEW_SERVICING_STACK_REQUIRED` (0x800F0823), `WU_E_UH_NEW_SERVICING_STACK_REQUIRED`
    /// (0x80242017), and CBS lines saying a package "requires Servicing Stack v…".
    ///
    /// ## Why it matters
    /// The cumulative update cannot install until the servicing stack update (SSU) for this
    /// Windows version is installed. The manual-install remedy then names the SSU first.
    id: "PKG001",
    name: "servicing-stack-required",
    category: Category::PackageConflict,
    severity: Severity::High,
    check: Check::Event(check),
};

/// Whether the event says a newer servicing stack is needed.
pub(crate) fn needs_stack(e: &Event<'_>) -> bool {
    code_where(e, |c| matches!(c.as_hresult(), 0x800F_0823 | 0x8024_2017)).is_some()
        || has!(e.message.as_bytes(), "requires Servicing Stack")
}

fn check(e: &Event<'_>) -> Option<Hit> {
    needs_stack(e).then_some(Hit::at(Severity::High))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn stack_required() {
        assert!(check(&text(Source::Cbs, Level::Error, "CBS", "Package \"Package_for_KB5012170~31bf3856ad364e35~amd64~~14393.5285.1.4\" requires Servicing Stack v10.0.14393.5285 but current Servicing Stack is v10.0.14393.4349. [HRESULT = 0x800f0823 - CBS_E_NEW_SERVICING_STACK_REQUIRED]")).is_some());
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CBS",
                "x [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]"
            ))
            .is_none()
        );
    }
}
