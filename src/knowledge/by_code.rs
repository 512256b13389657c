//! The cause a failure code points to by its own meaning, for when no rule finds evidence
//! (a ticket's fragment often holds little more than the failing line). Each entry says
//! where its fact comes from; the sentences are ours. Ranking from the code alone is
//! always reported as such, at low confidence.
//!
//! First the described codes ([`super::CODES`], REFERENCE.md §2), then families of codes by
//! their numeric range, whose members share a meaning in the SDK headers (`codes.tsv`) and in
//! Microsoft's "Windows Update error codes by component" ([WUREF] in REFERENCE.md §0).

use super::{Class, class, describe};
use crate::category::Category;
use crate::code::Code;

/// Why a code points to a cause, and where that comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeCause {
    /// The cause.
    pub cause: Category,
    /// Why, in a few words.
    pub why: &'static str,
    /// Where the fact comes from.
    pub source: &'static str,
}

/// A family of codes: an inclusive range of HRESULT values.
#[derive(Debug)]
struct Family {
    lo: u32,
    hi: u32,
    cause: Category,
    why: &'static str,
    source: &'static str,
}

const fn family(
    lo: u32,
    hi: u32,
    cause: Category,
    why: &'static str,
    source: &'static str,
) -> Family {
    Family { lo, hi, cause, why, source }
}

use Category::{Corruption, Network, PackageConflict, PendingReboot, UpdateCache};

/// Families, most specific first (the first that holds a code decides).
static FAMILIES: &[Family] = &[
    family(
        0x8007_0BC9,
        0x8007_0BCA,
        PendingReboot,
        "the operation failed and a restart is needed to roll it back",
        "REFERENCE.md §2.3 (ERROR_FAIL_REBOOT_REQUIRED, ERROR_FAIL_REBOOT_INITIATED)",
    ),
    family(
        0x8007_04C7,
        0x8007_04C7,
        PendingReboot,
        "the operation was cancelled before it finished (by the user or a shutdown): it was interrupted, not refused",
        "codes.tsv: Win32 1223 ERROR_CANCELLED",
    ),
    // Win32 1641 (0x80070669) is ERROR_SUCCESS_REBOOT_INITIATED, not a failure.
    family(
        0x8007_0641,
        0x8007_0668,
        PackageConflict,
        "an update's own installer (Windows Installer) failed",
        "codes.tsv: Win32 1601-1640, ERROR_INSTALL_* and the other Windows Installer errors",
    ),
    family(
        0x8007_066A,
        0x8007_0672,
        PackageConflict,
        "an update's own installer (Windows Installer) failed on a patch",
        "codes.tsv: Win32 1642-1650, ERROR_PATCH_* and ERROR_INSTALL_*",
    ),
    family(
        0x8007_36B0,
        0x8007_371F,
        Corruption,
        "a side-by-side assembly or manifest is missing or inconsistent",
        "codes.tsv: Win32 14000-14111, ERROR_SXS_*",
    ),
    family(
        0x8007_2EE0,
        0x8007_2FFF,
        Network,
        "an internet (WinINet or WinHTTP) connection failed",
        "codes.tsv: WININET_E_* (Win32 12001-12175)",
    ),
    family(
        0x8019_0000,
        0x8019_FFFF,
        Network,
        "the server answered with an HTTP error status",
        "codes.tsv: HTTP_E_STATUS_* (FACILITY_HTTP)",
    ),
    family(
        0x8024_4000,
        0x8024_4FFF,
        Network,
        "talking to the update service (protocol talker, HTTP or SOAP) failed",
        "codes.tsv: WU_E_PT_*; [WUREF] protocol talker errors",
    ),
    family(
        0x8024_6000,
        0x8024_6FFF,
        Network,
        "the download manager could not fetch the update",
        "codes.tsv: WU_E_DM_*; [WUREF] download manager errors",
    ),
    family(
        0x8024_8000,
        0x8024_8FFF,
        UpdateCache,
        "the Windows Update data store failed",
        "codes.tsv: WU_E_DS_*; [WUREF] data store errors; REFERENCE.md §7 R4",
    ),
    family(
        0x8024_A000,
        0x8024_AFFF,
        UpdateCache,
        "the Automatic Updates service could not serve the request",
        "codes.tsv: WU_E_AU_*; [WUREF] Automatic Updates errors",
    ),
    family(
        0x8024_D000,
        0x8024_DFFF,
        UpdateCache,
        "the Windows Update agent could not update itself",
        "codes.tsv: WU_E_SETUP_*; [WUREF] setup (self-update) errors",
    ),
    family(
        0x8024_2000,
        0x8024_2FFF,
        PackageConflict,
        "the update handler could not apply the update",
        "codes.tsv: WU_E_UH_*; [WUREF] update handler errors",
    ),
    family(
        0x8024_C000,
        0x8024_CFFF,
        PackageConflict,
        "the driver in the update could not be installed",
        "codes.tsv: WU_E_DRV_*; [WUREF] driver errors",
    ),
    family(
        0x8024_E000,
        0x8024_EFFF,
        PackageConflict,
        "the update's applicability rules could not be evaluated",
        "codes.tsv: WU_E_EE_*; [WUREF] expression evaluator errors",
    ),
    family(
        0x800B_0100,
        0x800B_01FF,
        UpdateCache,
        "a signature or certificate check failed on a downloaded or cached file",
        "codes.tsv: TRUST_E_*, CERT_E_*",
    ),
    family(
        0x8009_2000,
        0x8009_20FF,
        UpdateCache,
        "the cryptographic service failed on a catalog or a cached file",
        "codes.tsv: CRYPT_E_*",
    ),
];

/// The cause `code` points to by its meaning alone, if any: a described code of a cause
/// class (its description says why), else its family.
pub fn cause_of(code: Code) -> Option<CodeCause> {
    if let Class::Cause(cause) = class(code) {
        let why = describe(code).map_or("", |d| d.text);
        return Some(CodeCause { cause, why, source: "REFERENCE.md §2 (the described codes)" });
    }
    if matches!(class(code), Class::Benign | Class::CatchAll | Class::InvalidHandle) {
        return None;
    }
    let h = code.as_hresult();
    FAMILIES.iter().find(|f| (f.lo..=f.hi).contains(&h)).map(|f| CodeCause {
        cause: f.cause,
        why: f.why,
        source: f.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_point_to_causes() {
        let cause = |h: u32| cause_of(Code::hresult(h)).map(|c| c.cause);
        // Described codes first.
        assert_eq!(cause(0x8007_2EE2), Some(Network));
        assert_eq!(cause(0x8024_8003), Some(UpdateCache));
        // Families of codes not described one by one.
        assert_eq!(cause(0x8007_064C), Some(PackageConflict), "an MSI installer exit code");
        assert_eq!(cause(0x8007_36B7), Some(Corruption), "an SXS code");
        assert_eq!(cause(0x8007_2F05), Some(Network), "WININET_E_SEC_CERT_DATE_INVALID");
        assert_eq!(cause(0x8019_0194), Some(Network), "HTTP 404");
        assert_eq!(cause(0x8024_4010), Some(Network), "WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS");
        assert_eq!(cause(0x8024_D007), Some(UpdateCache), "a failed self-update");
        assert_eq!(cause(0x8024_C004), Some(PackageConflict), "a driver error");
        assert_eq!(cause(0x8007_04C7), Some(PendingReboot), "ERROR_CANCELLED");
        // Catch-alls, routine noise and codes with no family point nowhere.
        assert_eq!(cause(0x8007_0306), None);
        assert_eq!(cause(0x8024_8007), None);
        assert_eq!(cause(0x8007_0057), None);
        assert!(cause_of(Code::hresult(0x8007_0BC9)).unwrap().source.contains("REFERENCE.md"));
    }

    #[test]
    fn families_are_well_formed() {
        for f in FAMILIES {
            assert!(f.lo <= f.hi && f.lo >> 31 == 1, "{:#x}", f.lo);
            assert!(!f.why.is_empty() && !f.source.is_empty());
        }
    }
}
