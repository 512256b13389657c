use super::{Check, Hit, Rule, Severity, code_of, is_hard_failure, rule};
use crate::category::Category;
use crate::event::{Event, Source};

pub(super) static RULE: Rule = rule! {
    /// A component-store or system-file corruption code.
    ///
    /// ## What it finds
    /// Codes such as `ERROR_SXS_COMPONENT_STORE_CORRUPT` (0x80073712),
    /// `CBS_E_STORE_CORRUPTION` (0x800F0831), `STATUS_SXS_COMPONENT_STORE_CORRUPT`
    /// (0xC015001A, or 0xD015001A as a CSI `gle`), the PSFX hydration and delta codes
    /// (0x800F0982–0x800F0991), `ERROR_INVALID_DATA` in CSI failures, assembly-missing and
    /// hash-mismatch codes, and `CBS_E_SOURCE_MISSING` (0x800F081F).
    ///
    /// ## Why it matters
    /// The component store (WinSxS) is where every update is built from. When a manifest or
    /// payload in it is damaged, updates fail until DISM repairs it, and SFC can only repair
    /// system files once the store is whole. Hard failures (`Error` lines and CSI `(F)`
    /// records) weigh more than informational mentions.
    id: "COR001",
    name: "store-corruption-code",
    category: Category::Corruption,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_of(e, Category::Corruption)?;
    let hard = is_hard_failure(e) || !matches!(e.source, Source::Cbs | Source::Dism);
    Some(Hit::at(if hard { Severity::High } else { Severity::Medium }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::text;

    #[test]
    fn store_codes() {
        let e = text(
            Source::Cbs,
            Level::Error,
            "CBS",
            "Failed to process single phase execution. [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]",
        );
        assert_eq!(check(&e).unwrap().severity, Severity::High);
        let e = text(
            Source::Cbs,
            Level::Info,
            "CBS",
            "Mark store corruption flag because of package: X [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]",
        );
        assert_eq!(check(&e).unwrap().severity, Severity::Medium);
        let e = text(
            Source::Cbs,
            Level::Info,
            "CBS",
            "Failed to get next element [HRESULT = 0x800f080d - CBS_E_MANIFEST_INVALID_ITEM]",
        );
        assert!(check(&e).is_none(), "routine noise");
    }
}
