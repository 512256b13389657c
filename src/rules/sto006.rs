use super::{Check, Hit, Rule, Severity, code_of, rule};
use crate::diagnose::Category;
use crate::event::Event;
use crate::knowledge;

pub(super) static RULE: Rule = rule! {
    /// A servicing log or event reports an I/O device error code.
    ///
    /// ## What it finds
    /// Codes that mean the disk returned bad data or failed a request, in any log:
    /// `ERROR_CRC` (0x80070017), `ERROR_IO_DEVICE` (0x8007045D), `STATUS_DEVICE_DATA_ERROR`
    /// (0xC000009C), `STATUS_DISK_OPERATION_FAILED` (0xC000016A), read and write faults,
    /// sector-not-found, in-page errors, and the weaker "file or disk corrupt" codes.
    ///
    /// ## Why it matters
    /// When CBS cannot read a component file because the disk returns damaged data, the
    /// update fails with whatever code wraps it (often the catch-all 0x80070306). The
    /// device-error codes are strong evidence; "file corrupt" codes are weaker because
    /// software can cause them too.
    id: "STO006",
    name: "io-error-code",
    category: Category::Storage,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    let code = code_of(e, Category::Storage)?;
    let strong = knowledge::describe(code).is_some_and(|d| d.strong);
    Some(Hit {
        severity: if strong { Severity::High } else { Severity::Medium },
        standing: false,
        strong,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn device_codes_are_strong_and_file_corrupt_is_not() {
        let e = text(
            Source::Cbs,
            Level::Error,
            "CSI",
            "(F) Hydration failed with error HRESULT_FROM_WIN32(ERROR_CRC)",
        );
        assert!(check(&e).unwrap().strong);
        let e = text(
            Source::Cbs,
            Level::Error,
            "CBS",
            "Failed [HRESULT = 0x80070570 - ERROR_FILE_CORRUPT]",
        );
        assert!(!check(&e).unwrap().strong);
        let e = text(
            Source::Cbs,
            Level::Error,
            "CBS",
            "Failed [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]",
        );
        assert!(check(&e).is_none());
    }
}
