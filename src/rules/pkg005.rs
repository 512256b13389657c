//! Incident-level rule: one update keeps failing while others install.

use super::{Check, Rule, Severity, rule};
use crate::category::Category;

pub(super) static RULE: Rule = rule! {
    /// The same update fails again and again while other updates install.
    ///
    /// ## What it finds
    /// An update (one KB) that failed in two or more separate attempts, in a bundle where
    /// other updates installed successfully (WindowsUpdateClient event 19) in the same
    /// period.
    ///
    /// ## Why it matters
    /// Failures limited to one cumulative update, repeating after restarts, point at that
    /// package and this machine's servicing state rather than at the update service or the
    /// network. It is evidence for a package conflict; retries alone will not fix it.
    /// Installing that KB by hand from the Update Catalog shows the failure directly.
    id: "PKG005",
    name: "repeated-single-update-failure",
    category: Category::PackageConflict,
    severity: Severity::Medium,
    check: Check::Incidents,
};

/// The rule, for the diagnosis to cite.
pub(crate) fn rule() -> &'static Rule {
    &RULE
}
