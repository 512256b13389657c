use super::{Check, Hit, Rule, Severity, code_where, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// Files were held open or locked by another process during servicing.
    ///
    /// ## What it finds
    /// `ERROR_SHARING_VIOLATION` (0x80070020), `ERROR_LOCK_VIOLATION` (0x80070021),
    /// `STATUS_SHARING_VIOLATION` (0xC0000043) and `STATUS_FILE_LOCK_CONFLICT` (0xC0000054).
    ///
    /// ## Why it matters
    /// Microsoft attributes sharing violations during updates mostly to non-Microsoft filter
    /// drivers such as antivirus. A clean boot, or pausing the antivirus, and a retry show
    /// whether that is the case; Process Monitor names the process holding the file.
    id: "SEC001",
    name: "file-in-use",
    category: Category::SecuritySoftware,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_where(e, |c| {
        matches!(c.as_hresult(), 0x8007_0020 | 0x8007_0021 | 0xD000_0043 | 0xD000_0054)
    })
    .map(|_| Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn sharing_violations() {
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CSI",
                "(F) Failed to open file [gle=0x80070020]"
            ))
            .is_some()
        );
        assert!(
            check(&text(
                Source::Cbs,
                Level::Error,
                "CSI",
                "(F) STATUS_SHARING_VIOLATION #123# from X"
            ))
            .is_some()
        );
        assert!(check(&text(Source::Cbs, Level::Error, "CSI", "(F) x [gle=0x80070005]")).is_none());
    }
}
