use super::{Check, Hit, Rule, Severity, code_where, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// A downloaded update or the catalog store failed an integrity or signature check.
    ///
    /// ## What it finds
    /// `WU_E_DM_INCORRECTFILEHASH` (0x80246002), `CRYPT_E_FILE_ERROR` (0x80092003),
    /// `TRUST_E_NOSIGNATURE` (0x800B0100), `TRUST_E_BAD_DIGEST` (0x80096010),
    /// `CRYPT_E_HASH_VALUE` (0x80091007), `TRUST_E_SUBJECT_NOT_TRUSTED` (0x800B0004) and
    /// `CRYPT_E_NOT_FOUND` (0x80092004).
    ///
    /// ## Why it matters
    /// The files in the download cache or the signature catalogs (catroot2) are damaged, so
    /// Windows refuses them. Resetting the update components clears both; if it keeps
    /// happening, something on the network path alters downloads.
    id: "CAC002",
    name: "download-integrity",
    category: Category::UpdateCache,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_where(e, |c| {
        matches!(
            c.as_hresult(),
            0x8024_6002
                | 0x8009_2003
                | 0x800B_0100
                | 0x8009_6010
                | 0x8009_1007
                | 0x800B_0004
                | 0x8009_2004
        )
    })
    .map(|_| Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn signature_failures() {
        assert!(
            check(&text(
                Source::WindowsUpdate,
                Level::Info,
                "DownloadManager",
                "*FAILED* [80246002] Download verification"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CBS",
                "x [HRESULT = 0x800b0100 - TRUST_E_NOSIGNATURE]"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CBS",
                "x [HRESULT = 0x80070005 - E_ACCESSDENIED]"
            ))
            .is_none()
        );
    }
}
