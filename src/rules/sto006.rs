use super::{Check, Hit, Rule, Severity, code_of, rule};
use crate::category::Category;
use crate::event::{Event, Source};
use crate::knowledge;
use crate::parse::evtx::{Family, family};

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
    /// device-error codes are strong evidence when servicing itself logged them; "file
    /// corrupt" codes, and codes quoted by unrelated programs (an application popup), are
    /// weaker.
    id: "STO006",
    name: "io-error-code",
    category: Category::Storage,
    severity: Severity::High,
    check: Check::Event(check),
};

/// Whether the event comes from servicing (CBS, DISM, Windows Update, Servicing), where an
/// I/O code means servicing itself met the error. Elsewhere (an application popup quoting
/// a code) it is weaker.
fn from_servicing(e: &Event<'_>) -> bool {
    match e.source {
        Source::Cbs
        | Source::Dism
        | Source::WindowsUpdate
        | Source::Setup
        | Source::SetupApi
        | Source::ReportingEvents => true,
        // Other traces (WaaSMedic, setup.etl) may quote a code they did not meet themselves;
        // unrecognised text is weak whatever it says.
        Source::Compat | Source::SetupDiag | Source::Etl | Source::Text => false,
        Source::CmTrace => crate::diagnose::is_update_component(&e.component),
        Source::Evtx | Source::EventExport => {
            matches!(family(&e.component), Family::WindowsUpdateClient | Family::Servicing)
        }
    }
}

fn check(e: &Event<'_>) -> Option<Hit> {
    let code = code_of(e, Category::Storage)?;
    let strong = from_servicing(e) && knowledge::describe(code).is_some_and(|d| d.strong);
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
        let e = crate::rules::testing::evtx(
            "Application Popup",
            26,
            Level::Info,
            &[("data1", "The application was unable to start correctly (0xc0000006).")],
        );
        assert!(!check(&e).unwrap().strong);
    }
}
