//! Windows Setup's result codes and the extended code that comes with them.
//!
//! A failed upgrade reports two values, written `0xC1900101 - 0x30018`: the **result code**
//! (a Win32/HRESULT value, or one of Setup's own `MOSETUP_E_*` codes in `0xC19…`) and the
//! **extend code**, whose first hex digit is the *phase* and whose last two are the
//! *operation* that was running. Sources, as in REFERENCE.md §10:
//! - \[UEC\] "Upgrade error codes", `windows/deployment/upgrade/upgrade-error-codes.md` in
//!   MicrosoftDocs/windows-itpro-docs: the phase and operation tables (`SP_EXECUTION_*`,
//!   `SP_EXECUTION_OP_*`) and the compatibility result codes;
//! - \[RP\] "Resolution procedures", `windows/deployment/upgrade/resolution-procedures.md` in
//!   the same repository: the "Modern setup errors" list (`MOSETUP_E_*` names) and the
//!   codes explained one by one (`0xC1900101 - 0x30018`, `0xC1800118`, …);
//! - \[F6\] the real setup logs of the corpus (FORMATS.md §6), for what the documents leave
//!   out: the `0xC18001xx` values logged with a user cancel have no public name.
//!
//! Names and values are facts from those pages; the descriptions of what they mean for a
//! support engineer are in [`crate::knowledge`], in our words.

use serde::Serialize;
use std::fmt;

/// The phase of an upgrade, the first hex digit of the extend code \[UEC\].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// `SP_EXECUTION_UNKNOWN`.
    Unknown,
    /// `SP_EXECUTION_DOWNLEVEL`: in the old OS, before the first restart.
    Downlevel,
    /// `SP_EXECUTION_SAFE_OS`: in the Safe OS (WinRE-based) after the first restart.
    SafeOs,
    /// `SP_EXECUTION_FIRST_BOOT`: the first boot of the new OS (drivers, sysprep).
    FirstBoot,
    /// `SP_EXECUTION_OOBE_BOOT`: the second boot, OOBE (data migration, profiles).
    OobeBoot,
    /// `SP_EXECUTION_UNINSTALL`: rolling back or uninstalling.
    Uninstall,
}

impl Phase {
    /// The phase of digit `n`.
    pub fn from_digit(n: u32) -> Option<Self> {
        Some(match n {
            0 => Phase::Unknown,
            1 => Phase::Downlevel,
            2 => Phase::SafeOs,
            3 => Phase::FirstBoot,
            4 => Phase::OobeBoot,
            5 => Phase::Uninstall,
            _ => return None,
        })
    }

    /// Setup's own symbol \[UEC\].
    pub fn symbol(self) -> &'static str {
        match self {
            Phase::Unknown => "SP_EXECUTION_UNKNOWN",
            Phase::Downlevel => "SP_EXECUTION_DOWNLEVEL",
            Phase::SafeOs => "SP_EXECUTION_SAFE_OS",
            Phase::FirstBoot => "SP_EXECUTION_FIRST_BOOT",
            Phase::OobeBoot => "SP_EXECUTION_OOBE_BOOT",
            Phase::Uninstall => "SP_EXECUTION_UNINSTALL",
        }
    }

    /// Short name, as SetupDiag prints it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Unknown => "Unknown",
            Phase::Downlevel => "Downlevel",
            Phase::SafeOs => "Safe OS",
            Phase::FirstBoot => "First Boot",
            Phase::OobeBoot => "Second Boot (OOBE)",
            Phase::Uninstall => "Uninstall",
        }
    }

    /// What the phase is, for a reader who does not know Setup.
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Unknown => "phase not recorded",
            Phase::Downlevel => {
                "down-level: still in the old Windows, before the first restart (copying and preparing)"
            }
            Phase::SafeOs => {
                "Safe OS: after the first restart, in the minimal setup environment that applies the new image"
            }
            Phase::FirstBoot => {
                "first boot of the new Windows: drivers are installed and the system is specialised"
            }
            Phase::OobeBoot => {
                "second boot (OOBE): settings, apps and user profiles are migrated into the new Windows"
            }
            Phase::Uninstall => "rolling back to, or uninstalling towards, the previous Windows",
        }
    }

    /// The phase named by text in a log or SetupDiag report (`Safe OS`, `SafeOS`,
    /// `FirstBoot`, `Downlevel`, `Second Boot`, `OOBE`, …).
    pub fn from_name(text: &str) -> Option<Self> {
        let t: String = text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match t.as_str() {
            s if s.starts_with("downlevel") || s.starts_with("predownload") => Phase::Downlevel,
            s if s.starts_with("safeos") || s.starts_with("winpe") => Phase::SafeOs,
            s if s.starts_with("firstboot") => Phase::FirstBoot,
            s if s.starts_with("secondboot") || s.starts_with("oobe") => Phase::OobeBoot,
            s if s.starts_with("uninstall") || s.starts_with("rollback") => Phase::Uninstall,
            _ => return None,
        })
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The operations of the extend code's last two digits \[UEC\], by value.
const OPERATIONS: [(&str, &str); 33] = [
    ("UNKNOWN", "unknown operation"),
    ("COPY_PAYLOAD", "copying the setup payload"),
    ("DOWNLOAD_UPDATES", "downloading updates"),
    ("INSTALL_UPDATES", "installing updates"),
    ("INSTALL_RECOVERY_ENVIRONMENT", "installing the recovery environment"),
    ("INSTALL_RECOVERY_IMAGE", "installing the recovery image"),
    ("REPLICATE_OC", "replicating optional components"),
    // Spelled `INSTALL_DRVIERS` on the page.
    ("INSTALL_DRIVERS", "installing drivers"),
    ("PREPARE_SAFE_OS", "preparing the Safe OS"),
    ("PREPARE_ROLLBACK", "preparing the rollback"),
    ("PREPARE_FIRST_BOOT", "preparing the first boot"),
    ("PREPARE_OOBE_BOOT", "preparing the OOBE boot"),
    ("APPLY_IMAGE", "applying the new OS image (WIM)"),
    ("MIGRATE_DATA", "migrating data (settings, apps, profiles)"),
    ("SET_PRODUCT_KEY", "setting the product key"),
    ("ADD_UNATTEND", "adding the answer file"),
    ("ADD_DRIVER", "adding a driver"),
    ("ENABLE_FEATURE", "enabling a feature"),
    ("DISABLE_FEATURE", "disabling a feature"),
    ("REGISTER_ASYNC_PROCESS", "registering an asynchronous process"),
    ("REGISTER_SYNC_PROCESS", "registering a synchronous process"),
    ("CREATE_FILE", "creating a file"),
    ("CREATE_REGISTRY", "creating registry data"),
    ("BOOT", "booting"),
    ("SYSPREP", "running sysprep (specialising the new OS; drivers load here)"),
    ("OOBE", "running OOBE"),
    ("BEGIN_FIRST_BOOT", "beginning the first boot"),
    ("END_FIRST_BOOT", "ending the first boot"),
    ("BEGIN_OOBE_BOOT", "beginning the OOBE boot"),
    ("END_OOBE_BOOT", "ending the OOBE boot"),
    ("PRE_OOBE", "the pre-OOBE step"),
    ("POST_OOBE", "the post-OOBE step"),
    ("ADD_PROVISIONING_PACKAGE", "adding a provisioning package"),
];

/// An operation of the extend code (`SP_EXECUTION_OP_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Operation(pub u32);

impl Operation {
    /// `APPLY_IMAGE` (without the `SP_EXECUTION_OP_` prefix), if documented.
    pub fn symbol(self) -> Option<&'static str> {
        OPERATIONS.get(self.0 as usize).map(|o| o.0)
    }

    /// What it does, in words.
    pub fn describe(self) -> Option<&'static str> {
        OPERATIONS.get(self.0 as usize).map(|o| o.1)
    }

    /// The operation that a free-text name in a log or SetupDiag report belongs to
    /// (`Apply WIM file …` → `APPLY_IMAGE`); `None` when no keyword fits.
    pub fn from_text(text: &str) -> Option<Self> {
        let t = text.to_ascii_lowercase();
        let op =
            |name: &str| OPERATIONS.iter().position(|o| o.0 == name).map(|i| Operation(i as u32));
        let pairs: [(&[&str], &str); 10] = [
            (
                &["apply wim", "apply image", "extract files from wim", "complete new os apply"],
                "APPLY_IMAGE",
            ),
            (&["sysprep"], "SYSPREP"),
            (&["migrat", "gather data", "apply data"], "MIGRATE_DATA"),
            (&["add driver", "inject driver"], "ADD_DRIVER"),
            (&["install driver"], "INSTALL_DRIVERS"),
            (&["recovery environment", "winre"], "INSTALL_RECOVERY_ENVIRONMENT"),
            (&["download"], "DOWNLOAD_UPDATES"),
            (&["install update", "dynamic update"], "INSTALL_UPDATES"),
            (&["copy payload", "copy files"], "COPY_PAYLOAD"),
            (&["provisioning package"], "ADD_PROVISIONING_PACKAGE"),
        ];
        pairs.iter().find(|(keys, _)| keys.iter().any(|k| t.contains(k))).and_then(|(_, n)| op(n))
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.symbol() {
            Some(s) => f.write_str(s),
            None => write!(f, "operation 0x{:X}", self.0),
        }
    }
}

/// An extend code (`0x30018`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Extended(pub u32);

impl Extended {
    /// The phase: the first hex digit of the five (bits 16–19) \[UEC\].
    pub fn phase(self) -> Option<Phase> {
        Phase::from_digit(self.0 >> 16)
    }

    /// The operation: the last two hex digits \[UEC\].
    pub fn operation(self) -> Operation {
        Operation(self.0 & 0xFF)
    }

    /// The extend code of a phase and an operation.
    pub fn of(phase: Phase, op: Operation) -> Self {
        let digit = match phase {
            Phase::Unknown => 0,
            Phase::Downlevel => 1,
            Phase::SafeOs => 2,
            Phase::FirstBoot => 3,
            Phase::OobeBoot => 4,
            Phase::Uninstall => 5,
        };
        Extended((digit << 16) | (op.0 & 0xFF))
    }
}

impl fmt::Display for Extended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:X}", self.0)
    }
}

/// Reads `0xC1900101-0x30018`, `0xC1900101 - 0x30018` or `0x8007000D, 0x2000C` (as setup
/// logs and SetupDiag write them): the result value and the extend code.
pub fn parse_pair(s: &str) -> Option<(u32, Extended)> {
    let s = s.trim();
    let (a, b) = s.split_once(['-', ',']).or_else(|| s.split_once(' '))?;
    let hex = |t: &str| {
        let t = t.trim();
        let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
        (!t.is_empty() && t.len() <= 8).then(|| u32::from_str_radix(t, 16).ok()).flatten()
    };
    let ext = hex(b)?;
    (ext <= 0xF_FFFF).then_some((hex(a)?, Extended(ext)))
}

/// A Windows Setup result code with its name and where the name comes from.
#[derive(Debug, Clone, Copy)]
pub struct SetupCode {
    /// The value.
    pub value: u32,
    /// Setup's symbol, when public.
    pub name: Option<&'static str>,
    /// Where the fact comes from (`[RP]`, `[UEC]`, `[F6]`).
    pub source: &'static str,
}

const fn rp(value: u32, name: &'static str) -> SetupCode {
    SetupCode {
        value,
        name: Some(name),
        source: "[RP] resolution-procedures.md, Modern setup errors",
    }
}

/// Setup's result codes, sorted by value (checked by a test).
pub static SETUP_CODES: &[SetupCode] = &[
    SetupCode {
        value: 0xC180_0104,
        name: None,
        source: "[F6] logged by CDlpTask::Cancel and a suspended attempt",
    },
    SetupCode {
        value: 0xC180_0108,
        name: None,
        source: "[F6] logged by CDlpTask::Cancel after a user cancel",
    },
    SetupCode {
        value: 0xC180_0109,
        name: None,
        source: "[F6] logged by CDlpTask::Cancel after a user cancel",
    },
    SetupCode {
        value: 0xC180_0118,
        name: None,
        source: "[RP] resolution-procedures.md, Other result codes",
    },
    rp(0xC190_0100, "MOSETUP_E_VERSION_MISMATCH"),
    rp(0xC190_0101, "MOSETUP_E_SETUP_PLATFORM"),
    rp(0xC190_0102, "MOSETUP_E_SHUTDOWN_BLOCK"),
    rp(0xC190_0103, "MOSETUP_E_COMPAT_TIMEOUT"),
    rp(0xC190_0104, "MOSETUP_E_PROCESS_TIMEOUT"),
    rp(0xC190_0105, "MOSETUP_E_TEST_MODE"),
    rp(0xC190_0106, "MOSETUP_E_TERMINATE_PROCESS"),
    rp(0xC190_0107, "MOSETUP_E_CLEANUP_PENDING"),
    rp(0xC190_0108, "MOSETUP_E_REPORTING"),
    rp(0xC190_0109, "MOSETUP_E_COMPAT_TERMINATE"),
    rp(0xC190_010A, "MOSETUP_E_UNKNOWN_CMD_LINE"),
    rp(0xC190_010B, "MOSETUP_E_INSTALL_IMAGE_NOT_FOUND"),
    rp(0xC190_010C, "MOSETUP_E_AUTOMATION_INVALID"),
    rp(0xC190_010D, "MOSETUP_E_INVALID_CMD_LINE"),
    rp(0xC190_010E, "MOSETUP_E_EULA_ACCEPT_REQUIRED"),
    rp(0xC190_0110, "MOSETUP_E_EULA_CANCEL"),
    rp(0xC190_0111, "MOSETUP_E_ADVERTISE_CANCEL"),
    rp(0xC190_0112, "MOSETUP_E_TARGET_DRIVE_NOT_FOUND"),
    rp(0xC190_0113, "MOSETUP_E_EULA_DECLINED"),
    rp(0xC190_011E, "MOSETUP_E_FLIGHTING_BVT"),
    rp(0xC190_011F, "MOSETUP_E_PROCESS_CRASHED"),
    rp(0xC190_0120, "MOSETUP_E_EULA_TIMEOUT"),
    rp(0xC190_0121, "MOSETUP_E_ADVERTISE_TIMEOUT"),
    rp(0xC190_0122, "MOSETUP_E_DOWNLOADDISKSPACE_TIMEOUT"),
    rp(0xC190_0123, "MOSETUP_E_INSTALLDISKSPACE_TIMEOUT"),
    rp(0xC190_0124, "MOSETUP_E_COMPAT_SYSREQ_TIMEOUT"),
    rp(0xC190_0125, "MOSETUP_E_COMPAT_DOWNLOADREQ_TIMEOUT"),
    rp(0xC190_0126, "MOSETUP_E_GATHER_OS_STATE_SIGNATURE"),
    rp(0xC190_0127, "MOSETUP_E_UNINSTALL_ALLOWED_ABORT"),
    rp(0xC190_0128, "MOSETUP_E_MISSING_TASK"),
    rp(0xC190_0129, "MOSETUP_E_UPDATEMEDIA_REQUESTED"),
    rp(0xC190_012F, "MOSETUP_E_FINALIZE_ALREADY_REQUESTED"),
    rp(0xC190_0130, "MOSETUP_E_INSTALL_HASH_MISSING"),
    rp(0xC190_0131, "MOSETUP_E_INSTALL_HASH_MISMATCH"),
    rp(0xC190_01DF, "MOSETUP_E_DISK_FULL"),
    rp(0xC190_01E0, "MOSETUP_E_GATHER_OS_STATE_FAILED"),
    rp(0xC190_01E1, "MOSETUP_E_PROCESS_SUSPENDED"),
    rp(0xC190_01E2, "MOSETUP_E_PREINSTALL_SCRIPT_FAILED"),
    rp(0xC190_01E3, "MOSETUP_E_PRECOMMIT_SCRIPT_FAILED"),
    rp(0xC190_01E4, "MOSETUP_E_FAILURE_SCRIPT_FAILED"),
    rp(0xC190_01E5, "MOSETUP_E_SCRIPT_TIMEOUT"),
    rp(0xC190_0200, "MOSETUP_E_COMPAT_SYSREQ_BLOCK"),
    rp(0xC190_0201, "MOSETUP_E_COMPAT_SYSREQ_CANCEL"),
    rp(0xC190_0202, "MOSETUP_E_COMPAT_DOWNLOADREQ_BLOCK"),
    rp(0xC190_0203, "MOSETUP_E_COMPAT_DOWNLOADREQ_CANCEL"),
    rp(0xC190_0204, "MOSETUP_E_COMPAT_MIGCHOICE_BLOCK"),
    rp(0xC190_0205, "MOSETUP_E_COMPAT_MIGCHOICE_CANCEL"),
    rp(0xC190_0206, "MOSETUP_E_COMPAT_DEVICEREQ_BLOCK"),
    rp(0xC190_0207, "MOSETUP_E_COMPAT_DEVICEREQ_CANCEL"),
    rp(0xC190_0208, "MOSETUP_E_COMPAT_INSTALLREQ_BLOCK"),
    rp(0xC190_0209, "MOSETUP_E_COMPAT_INSTALLREQ_CANCEL"),
    rp(0xC190_020A, "MOSETUP_E_COMPAT_RECOVERYREQ_BLOCK"),
    rp(0xC190_020B, "MOSETUP_E_COMPAT_RECOVERYREQ_CANCEL"),
    rp(0xC190_020C, "MOSETUP_E_DOWNLOADDISKSPACE_BLOCK"),
    rp(0xC190_020D, "MOSETUP_E_DOWNLOADDISKSPACE_CANCEL"),
    rp(0xC190_020E, "MOSETUP_E_INSTALLDISKSPACE_BLOCK"),
    rp(0xC190_020F, "MOSETUP_E_INSTALLDISKSPACE_CANCEL"),
    rp(0xC190_0210, "MOSETUP_E_COMPAT_SCANONLY"),
    rp(0xC190_0211, "MOSETUP_E_DOWNLOAD_UNPACK_DISKSPACE_BLOCK"),
    rp(0xC190_0212, "MOSETUP_E_DOWNLOAD_UNPACK_DISKSPACE_MULTIARCH_BLOCK"),
    rp(0xC190_0213, "MOSETUP_E_NO_OFFER_FOUND"),
    rp(0xC190_0214, "MOSETUP_E_UNSUPPORTED_VERSION"),
    rp(0xC190_0215, "MOSETUP_E_NO_MATCHING_INSTALL_IMAGE"),
    rp(0xC190_0216, "MOSETUP_E_ROLLBACK_PENDING"),
    rp(0xC190_0220, "MOSETUP_E_COMPAT_REPORT_NOT_DISPLAYED"),
    rp(0xC190_0400, "MOSETUP_E_UA_VERSION_MISMATCH"),
    rp(0xC190_0401, "MOSETUP_E_UA_NO_PACKAGES_TO_DOWNLOAD"),
    rp(0xC190_0402, "MOSETUP_E_UA_UPDATE_CANNOT_BE_MERGED"),
    rp(0xC190_0403, "MOSETUP_E_UA_CORRUPT_PAYLOAD_FILES"),
    rp(0xC190_0404, "MOSETUP_E_UA_BOX_NOT_FOUND"),
    rp(0xC190_0405, "MOSETUP_E_UA_BOX_CRASHED"),
];

/// Whether a value is in Setup's ranges (`0xC18…`, `0xC19…`): Setup's own codes, which
/// look like NTSTATUS values but are not in `ntstatus.h`.
pub fn is_setup_range(value: u32) -> bool {
    matches!(value >> 20, 0xC18 | 0xC19)
}

/// The setup code of a value, if listed.
pub fn find(value: u32) -> Option<&'static SetupCode> {
    SETUP_CODES.binary_search_by_key(&value, |c| c.value).ok().and_then(|i| SETUP_CODES.get(i))
}

/// A setup code by its name (`MOSETUP_E_SETUP_PLATFORM`).
pub fn by_name(name: &str) -> Option<&'static SetupCode> {
    SETUP_CODES.iter().find(|c| c.name.is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

/// Result–extend pairs that Microsoft's "Resolution procedures" \[RP\] explains one by one,
/// with what they point to, in our words.
pub static KNOWN_PAIRS: &[(u32, u32, &str)] = &[
    (
        0x8007_0002,
        0x20009,
        "partition checks failed in the Safe OS: often two system partitions (an old system disk still connected); disconnect the unused one",
    ),
    (0x8007_0003, 0x20007, "a driver failed to install in the Safe OS; the setup logs name it"),
    (
        0x8007_0004,
        0x3000D,
        "data migration failed at first boot; the setup logs name what could not be migrated",
    ),
    (0x8007_0004, 0x50012, "setup could not open a file; the setup logs name it"),
    (
        0x8007_0005,
        0x4000D,
        "access was denied while migrating data at the second boot; the setup logs name the object",
    ),
    (
        0x8007_001F,
        0x3000D,
        "data migration failed at first boot, often on a broken user profile (stale ProfileList entries, invalid files under \\Users)",
    ),
    (
        0x8007_001F,
        0x4000D,
        "a device attached to the machine does not work; the setup logs name it",
    ),
    (0x8007_0070, 0x50011, "not enough free disk space"),
    (0x8007_0070, 0x50012, "not enough free disk space"),
    (0x8007_0070, 0x60000, "not enough free disk space"),
    (0x8007_025D, 0x2000C, "the installation media's image is damaged: download the media again"),
    (
        0x8007_042B,
        0x4000D,
        "migration failed at the second boot on a file system, application or driver problem",
    ),
    (
        0x8007_042B,
        0x4001E,
        "the pre-OOBE step failed at the second boot; several causes are possible",
    ),
    (0x8007_0490, 0x20007, "an incompatible device driver is present"),
    (
        0x8007_04B8,
        0x3001A,
        "an extended error at first boot: retry from a clean boot, without third-party antivirus and extra devices",
    ),
    (0x8007_3B92, 0x20009, "partition checks failed in the Safe OS: often two system partitions"),
    (0x8007_3BC3, 0x20009, "partition checks failed in the Safe OS: often two system partitions"),
    (
        0xC190_0101,
        0x20004,
        "the recovery environment could not be installed in the Safe OS, usually because of old drivers (or antivirus, or unused SATA devices)",
    ),
    (
        0xC190_0101,
        0x2000C,
        "applying the new image in the Safe OS failed: an old driver or a damaged disk",
    ),
    (
        0xC190_0101,
        0x20017,
        "a driver stopped the Safe OS from booting (drivers or third-party disk encryption)",
    ),
    (
        0xC190_0101,
        0x30018,
        "a device driver stopped responding during the first boot (sysprep); setupapi.dev.log of the new OS names the device",
    ),
    (0xC190_0101, 0x3000D, "migration failed at first boot, for instance on a display driver"),
    (
        0xC190_0101,
        0x4000D,
        "a driver failed during migration at the second boot; look for a crash and setupmem.dmp in the rollback logs",
    ),
    (
        0xC190_0101,
        0x40017,
        "the second boot failed, usually on a faulty driver such as an antivirus or encryption filter",
    ),
    (0xC190_0101, 0x4001E, "the pre-OOBE step failed at the second boot"),
    (0xC190_0200, 0x20008, "the machine does not meet the minimum requirements"),
];

/// What \[RP\] says of a result–extend pair, if it is listed.
pub fn known_pair(result: u32, extended: Extended) -> Option<&'static str> {
    KNOWN_PAIRS.iter().find(|(r, x, _)| *r == result && *x == extended.0).map(|p| p.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_in_range() {
        assert!(SETUP_CODES.windows(2).all(|w| w[0].value < w[1].value));
        assert!(SETUP_CODES.iter().all(|c| is_setup_range(c.value)));
        assert_eq!(find(0xC190_0101).and_then(|c| c.name), Some("MOSETUP_E_SETUP_PLATFORM"));
        assert_eq!(by_name("mosetup_e_reporting").map(|c| c.value), Some(0xC190_0108));
    }

    #[test]
    fn extend_codes_decode() {
        let (r, x) = parse_pair("0xC1900101-0x30018").unwrap();
        assert_eq!(r, 0xC190_0101);
        assert_eq!(x.phase(), Some(Phase::FirstBoot));
        assert_eq!(x.operation().symbol(), Some("SYSPREP"));
        let (r, x) = parse_pair("0x8007000D, 0x2000C").unwrap();
        assert_eq!(r, 0x8007_000D);
        assert_eq!((x.phase(), x.operation().symbol()), (Some(Phase::SafeOs), Some("APPLY_IMAGE")));
        assert_eq!(
            parse_pair("0xC1900101 - 0x4000D").unwrap().1.operation().symbol(),
            Some("MIGRATE_DATA")
        );
        assert_eq!(Extended::of(Phase::SafeOs, Operation(0xC)), Extended(0x2000C));
        assert!(parse_pair("0xC1900101").is_none());
        assert_eq!(Extended(0x50013).operation().symbol(), Some("REGISTER_ASYNC_PROCESS"));
        assert!(known_pair(0xC190_0101, Extended(0x30018)).unwrap().contains("sysprep"));
        // The page lists 0x60000 (a phase its own table does not have) for disk space.
        assert!(
            KNOWN_PAIRS.iter().filter(|p| p.1 != 0x60000).all(|p| Extended(p.1).phase().is_some())
        );
    }

    #[test]
    fn names_in_logs_and_reports() {
        assert_eq!(Phase::from_name("Safe OS"), Some(Phase::SafeOs));
        assert_eq!(Phase::from_name("SafeOS,Start"), Some(Phase::SafeOs));
        assert_eq!(Phase::from_name("FirstBoot,Start"), Some(Phase::FirstBoot));
        assert_eq!(Phase::from_name("Downlevel"), Some(Phase::Downlevel));
        assert_eq!(
            Operation::from_text(
                "Apply WIM file PathForNewOSFile, index 6 to D:\\$WINDOWS.~BT\\NewOS"
            )
            .and_then(Operation::symbol),
            Some("APPLY_IMAGE")
        );
        assert_eq!(
            Operation::from_text("Run sysprep specialization offline").and_then(Operation::symbol),
            Some("SYSPREP")
        );
    }
}
