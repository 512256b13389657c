use super::{Check, Hit, Rule, Severity, has, rule};
use crate::category::Category;
use crate::event::{Event, Source};

pub(super) static RULE: Rule = rule! {
    /// Files in the store or on the system do not match their expected hashes.
    ///
    /// ## What it finds
    /// CSI `Hashes for file member … do not match`, SFC `[SR] Cannot repair member file … hash
    /// mismatch`, `DEPLOY [Pnp] Corrupt file:`, and DISM health-report rows for
    /// `CSI Payload Corrupt`, `CSI Manifest Corrupt` and `CBS MUM Missing` that were not fixed.
    ///
    /// ## Why it matters
    /// A payload whose hash does not match is damaged: by a bad disk, a bad download or a
    /// tool that replaced a system file. If the disk is healthy, DISM RestoreHealth and then
    /// SFC repair it; if storage is failing, the mismatch is a symptom of the disk.
    id: "COR002",
    name: "payload-hash-mismatch",
    category: Category::Corruption,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if !matches!(e.source, Source::Cbs | Source::Dism) {
        return None;
    }
    let m = &e.message;
    let m = m.as_bytes();
    let mismatch = (has!(m, "Hashes for file member") && has!(m, "do not match"))
        || has!(m, "[SR] Cannot repair")
        || has!(m, "[Pnp] Corrupt file")
        || (has!(m, "(p)")
            && (has!(m, "Payload Corrupt")
                || has!(m, "Manifest Corrupt")
                || has!(m, "MUM Missing"))
            && has!(m, "(n)"));
    mismatch.then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::text;

    #[test]
    fn mismatch_lines() {
        assert!(
            check(&text(
                Source::Cbs,
                Level::Info,
                "CSI",
                "Hashes for file member [l:44]'x.dll' do not match.\n Expected: {}"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::Cbs,
                Level::Info,
                "CSI",
                "[SR] Cannot repair member file [l:10]'dnsapi.dll' of X in the store, hash mismatch"
            ))
            .is_some()
        );
        assert!(check(&text(Source::Cbs, Level::Info, "CSI", "[SR] Repair complete")).is_none());
        assert!(
            check(&text(
                Source::Cbs,
                Level::Info,
                "",
                "Checking System Update Readiness.\n(p)\tCSI Payload Corrupt\t\t\t(n)\tx.dll"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::Cbs,
                Level::Info,
                "",
                "(p)\tCSI Manifest Corrupt\t\t(w)\t(Fixed)\tx"
            ))
            .is_none()
        );
    }
}
