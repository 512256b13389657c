use super::{Check, Hit, Rule, Severity, code_where, rule};
use crate::category::Category;
use crate::event::{Event, Source};
use crate::knowledge::{self, Class};

pub(super) static RULE: Rule = rule! {
    /// Windows Update's data store or its service locator (SLS) calls failed.
    ///
    /// ## What it finds
    /// WindowsUpdate.log lines of the `DataStore` (legacy `DtaStor`) and `SLS` components that
    /// report a failure (`*FAILED* [code]`, `FATAL:`, "Failed to …") with a code that is not a
    /// network error (NET001's), a data store or cache code (CAC001's, CAC002's) nor routine
    /// noise: any other code (class not registered, access denied, …) there means the client
    /// could not open, read or write its data store, or could not use the service
    /// configuration the service locator caches in it. Components: REFERENCE.md §5.3 and Microsoft's "Windows Update
    /// log files".
    ///
    /// ## Why it matters
    /// The data store (SoftwareDistribution\DataStore) holds the client's view of updates and
    /// of the services it talks to; when calls into it fail, scans and installs fail in turn,
    /// whatever the update. Resetting the update components rebuilds the store
    /// (REFERENCE.md §7 R4).
    id: "CAC004",
    name: "datastore-or-sls-failing",
    category: Category::UpdateCache,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if e.source != Source::WindowsUpdate
        || !matches!(e.component.as_ref(), "DataStore" | "DtaStor" | "SLS")
    {
        return None;
    }
    let m = &e.message;
    let failed = m.contains("*FAILED*") || m.starts_with("FATAL") || m.contains("Failed to");
    if !failed {
        return None;
    }
    // Network codes are NET001's; data store and cache codes already CAC001's and CAC002's.
    code_where(e, |c| {
        !matches!(
            knowledge::class(c),
            Class::Cause(Category::Network | Category::UpdateCache) | Class::Benign
        )
    })
    .map(|_| Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::text;

    #[test]
    fn store_and_locator_failures_but_not_network_ones() {
        let wu = |c, m| text(Source::WindowsUpdate, Level::Info, c, m);
        assert!(
            check(&wu("DataStore", "*FAILED* [80040154] Method failed [CDataStore::Init]"))
                .is_some()
        );
        assert!(
            check(&wu("SLS", "*FAILED* [80004005] Method failed [CSLSClient::GetResponse:637]"))
                .is_some()
        );
        assert!(
            check(&wu("DtaStor", "FATAL: Failed to initialize datastore, error = 0x80070005"))
                .is_some()
        );
        // Data store codes are CAC001's.
        assert!(
            check(&wu("DtaStor", "FATAL: Failed to initialize datastore, error = 0x8024800F"))
                .is_none()
        );
        // Network errors are another rule's, lookup misses are noise, other components and
        // lines without a failure are not this rule's.
        assert!(
            check(&wu("SLS", "*FAILED* [8024402C] Method failed [CSLSClient::GetResponse:637]"))
                .is_none()
        );
        assert!(check(&wu("DataStore", "*FAILED* [80248007] lookup")).is_none());
        assert!(check(&wu("Agent", "*FAILED* [80040154] x")).is_none());
        assert!(check(&wu("SLS", "Get response for service 9482F4B4 [80040154]")).is_none());
    }
}
