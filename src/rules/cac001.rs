use super::{Check, Hit, Rule, Severity, code_where, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// The Windows Update data store or its cached metadata is damaged.
    ///
    /// ## What it finds
    /// Data store errors `WU_E_DS_*` (0x80248002, 0x80248003, 0x80248006, 0x8024800F,
    /// 0x80248010, 0x80248FFF), invalid metadata (0x80242006), "needs another download"
    /// (0x8024200D), `WU_E_XML_INVALID` (0x8024000E) as a final result, and Automatic Updates
    /// not serving requests (0x8024A000). The routine lookup miss 0x80248007 is ignored.
    ///
    /// ## Why it matters
    /// The data store (SoftwareDistribution\DataStore) and the download cache keep state
    /// between attempts; when they are damaged, every attempt fails the same way. Resetting
    /// the update components rebuilds them.
    id: "CAC001",
    name: "update-datastore-damaged",
    category: Category::UpdateCache,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_where(e, |c| {
        let h = c.as_hresult();
        (h & 0xFFFF_F000 == 0x8024_8000 && h != 0x8024_8007)
            || matches!(h, 0x8024_2006 | 0x8024_200D | 0x8024_A000 | 0x8024_000E)
    })
    .map(|_| Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn datastore_errors_but_not_lookup_misses() {
        assert!(
            check(&text(
                Source::WindowsUpdate,
                Level::Info,
                "DataStore",
                "*FAILED* [80248003] Open table"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::WindowsUpdate,
                Level::Info,
                "ComApi",
                "*FAILED* [80248007] ISusInternal"
            ))
            .is_none()
        );
        assert!(
            check(&text(
                Source::WindowsUpdate,
                Level::Info,
                "Agent",
                "*FAILED* [8024000E] routine"
            ))
            .is_none()
        );
        assert!(
            check(&text(
                Source::WindowsUpdate,
                Level::Info,
                "Agent",
                "LogHistory called. resultMapped=8024000E"
            ))
            .is_some()
        );
    }
}
