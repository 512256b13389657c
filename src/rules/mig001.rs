use super::{Check, Hit, Rule, Severity, rule, setup_lines};
use crate::category::Category;
use crate::event::{Event, Level, Source};

pub(super) static RULE: Rule = rule! {
    /// Setup's migration of settings and applications failed.
    ///
    /// ## What it finds
    /// In Windows Setup's logs: a result whose extend code names the data migration
    /// operation (`0x…000D`, e.g. `0xC1900101-0x4000D`); migration aborted because of a
    /// plug-in; a migration plug-in or gather/apply unit that failed (`MIG`/`SP` errors such
    /// as `Failure while calling IPostApply` or `Error WRITE, 0x… while gathering/applying
    /// object`). Single object errors are weak: Setup tolerates many of them. SetupDiag's
    /// `FindMigApplyUnitFailure`, `FindMigGatherUnitFailure`, `FindMigGatherApplyFailure` and
    /// `MigrationAbortedDueToPluginFailure` rules look for the same.
    ///
    /// ## Why it matters
    /// Migration copies the old system's settings, applications and data into the new one at
    /// the first and second boots. The failing plug-in or object is named in the line; it is
    /// usually an application's or a component's migration (uninstall or update that
    /// application) or damaged data it reads.
    id: "MIG001",
    name: "migration-failed",
    category: Category::Migration,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if let Some((_, Some(x))) = setup_lines::result(e) {
        return (x.operation().0 == 0x0D).then_some(Hit::at(Severity::High));
    }
    if e.source != Source::Setup || e.level > Level::Error {
        return None;
    }
    if setup_lines::says(e, &["migration aborted", "aborting migration", "abandoning apply"]) {
        return Some(Hit::at(Severity::High));
    }
    if setup_lines::says(
        e,
        &["failure while calling ipost", "plugin failed", "plug-in failed", "unit failed"],
    ) {
        return Some(Hit::at(Severity::Medium));
    }
    // Setup tolerates many single-object and plug-in trace errors.
    (setup_lines::says(e, &["while gathering/applying object", "gather failed", "apply failed"])
        || (e.component == "MIG" && setup_lines::says(e, &["plugin"])))
    .then_some(Hit::at(Severity::Low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::text;

    #[test]
    fn migration_failures_by_weight() {
        let at = |level, comp, m| check(&text(Source::Setup, level, comp, m)).map(|h| h.severity);
        assert_eq!(
            at(
                Level::Info,
                "MOUPG",
                "SetupHost: Reporting post reboot event -> [0xC1900101, 0x4000D]"
            ),
            Some(Severity::High)
        );
        assert_eq!(
            at(
                Level::Error,
                "MIG",
                "Failure while calling IPostApply->ApplySuccess for Plugin={X}. Error: 0x80070002"
            ),
            Some(Severity::Medium)
        );
        assert_eq!(
            at(
                Level::Error,
                "SP",
                "Error WRITE, 0x0000065E while gathering/applying object: State, X"
            ),
            Some(Severity::Low)
        );
        assert_eq!(
            at(
                Level::Info,
                "SP",
                "Error WRITE, 0x0000065E while gathering/applying object: State, X"
            ),
            None
        );
        assert_eq!(
            at(
                Level::Info,
                "MOUPG",
                "SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]"
            ),
            None
        );
    }
}
