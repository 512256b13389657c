use super::{Check, Hit, Rule, Severity, rule, setup_lines};
use crate::category::Category;
use crate::event::{Event, Level, Source};

pub(super) static RULE: Rule = rule! {
    /// Setup could not create or migrate a user profile.
    ///
    /// ## What it finds
    /// Errors in Windows Setup's logs about user profiles (creating, loading or migrating a
    /// profile, the `ProfileList` key), and `0x8007001F` with a data migration extend code
    /// at first boot (`0x8007001F-0x3000D`), which Microsoft ties to stale profiles.
    /// SetupDiag's `UserProfileCreationFailureDuringOnlineApply` and `…DuringFinalize` rules
    /// look for the same.
    ///
    /// ## Why it matters
    /// A profile left behind by a deleted account (a `.bak` entry under `ProfileList`, a
    /// folder under `C:\Users` without an owner, leftovers in `Windows.old\Users` from an
    /// earlier attempt) stops migration, and Setup rolls back. Removing the stale profile
    /// properly (after saving its data) is the fix.
    id: "MIG002",
    name: "user-profile-failed",
    category: Category::Migration,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if let Some((r, Some(x))) = setup_lines::result(e) {
        return (r == 0x8007_001F && x.0 == 0x3000D).then_some(Hit::at(Severity::High));
    }
    (e.source == Source::Setup
        && e.level <= Level::Error
        && setup_lines::says(e, &["user profile", "userprofile", "profilelist", "createprofile"]))
    .then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::text;

    #[test]
    fn profile_failures() {
        let e = text(
            Source::Setup,
            Level::Error,
            "SP",
            "CUserProfileMigration: Failed to create user profile for S-1-5-21-1. Error: 0x8007001F",
        );
        assert!(check(&e).is_some());
        let r = text(
            Source::Setup,
            Level::Info,
            "MOUPG",
            "SetupHost: Reporting post reboot event -> [0x8007001F, 0x3000D]",
        );
        assert_eq!(check(&r).map(|h| h.severity), Some(Severity::High));
        let info = text(Source::Setup, Level::Info, "MIG", "Processing user profile S-1-5-21-1");
        assert!(check(&info).is_none());
    }
}
