use super::{Check, Hit, Rule, Severity, rule};
use crate::category::Category;
use crate::event::{Event, Level, Source};

pub(super) static RULE: Rule = rule! {
    /// A file the update needs is missing from the component store or from the package.
    ///
    /// ## What it finds
    /// CBS and DISM lines of the staging step that could not collect a package's files, with
    /// a failing code: "Failed to find file: <component>\<file>", "Failed to gather all
    /// required files", "Failed to gather all missing files for package: …" and "Failed to
    /// pre- stage package: …" (seen in CBS.log with install failures of cumulative updates and
    /// Internet Explorer 11, typically with 0x80070002 `ERROR_FILE_NOT_FOUND`).
    ///
    /// ## Why it matters
    /// Before an update changes anything, CBS stages the files of each of its components.
    /// When one is neither in the component store nor in the package, the install stops
    /// there, and every retry stops at the same file: the store or an earlier package it
    /// depends on is damaged or half removed. A store repair (DISM RestoreHealth, with a
    /// source of the same build when Windows Update cannot supply the file) or removing and
    /// reinstalling the package named in the line mends it.
    id: "COR006",
    name: "payload-file-missing",
    category: Category::Corruption,
    severity: Severity::Medium,
    check: Check::Event(check),
};

/// The beginnings of the staging lines that report a missing file.
const MISSING: [&str; 4] = [
    "Failed to find file",
    "Failed to gather all required files",
    "Failed to gather all missing files",
    "Failed to pre- stage package",
];

fn check(e: &Event<'_>) -> Option<Hit> {
    if !matches!(e.source, Source::Cbs | Source::Dism) || e.codes.is_empty() {
        return None;
    }
    MISSING
        .iter()
        .any(|m| e.message.starts_with(m))
        .then(|| Hit::at(if e.level <= Level::Error { Severity::High } else { Severity::Medium }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::text;

    #[test]
    fn missing_payload_files() {
        let cbs = |level, m| text(Source::Cbs, level, "CBS", m);
        let found = |e: &Event<'_>| check(e).map(|h| h.severity);
        assert_eq!(
            found(&cbs(
                Level::Info,
                "Failed to find file: amd64_x_31bf3856ad364e35_6.1.1.0_none_ab\\x.dll [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]"
            )),
            Some(Severity::Medium)
        );
        assert_eq!(
            found(&cbs(
                Level::Error,
                "Failed to pre- stage package: X-Package~31bf3856ad364e35~amd64~~1.0 [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]"
            )),
            Some(Severity::High)
        );
        assert!(found(&cbs(Level::Info, "Failed to gather all missing files for package: X~31bf3856ad364e35~amd64~~1.0 [HRESULT = 0x800f081f - CBS_E_SOURCE_MISSING]")).is_some());
        // No code, another wording, another log: not this rule.
        assert!(found(&cbs(Level::Info, "Failed to find file: x.dll")).is_none());
        assert!(
            found(&cbs(
                Level::Info,
                "Failed to query DisableWerReporting flag. [HRESULT = 0x80070002]"
            ))
            .is_none()
        );
        assert!(
            found(&text(
                Source::WindowsUpdate,
                Level::Info,
                "Agent",
                "Failed to find file x [80070002]"
            ))
            .is_none()
        );
    }
}
