//! What servicing codes mean, in our own words: a class (which cause they point to) and a
//! short description, for the codes that matter to Windows Update (REFERENCE.md §2).
//! Values and names are facts from the SDK headers; the sentences are ours.

pub mod by_code;

use crate::category::Category;
use crate::code::Code;
use crate::remedy::RemedyId;
use serde::Serialize;

/// What a code points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// One of the eight causes.
    Cause(Category),
    /// A wrapper that hides the real failure (0x80070306, `E_FAIL`, …).
    CatchAll,
    /// The invalid-handle codes that the 0x80070306 myth is about.
    InvalidHandle,
    /// Seen by the hundred on healthy machines; never a failure by itself.
    Benign,
    /// A general error without a clear cause.
    General,
}

/// A described code.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    /// HRESULT form of the value (NTSTATUS values as themselves).
    pub value: u32,
    /// What it points to.
    pub class: Class,
    /// For storage codes: strong evidence of failing media on its own.
    pub strong: bool,
    /// Our description.
    pub text: &'static str,
}

const fn c(value: u32, class: Class, text: &'static str) -> CodeInfo {
    CodeInfo { value, class, strong: false, text }
}

const fn strong(value: u32, class: Class, text: &'static str) -> CodeInfo {
    CodeInfo { value, class, strong: true, text }
}

use Category::{
    Corruption as COR, LowDiskSpace as DSK, Network as NET, PackageConflict as PKG,
    PendingReboot as PND, SecuritySoftware as SEC, Storage as STO, UpdateCache as CAC,
};
use Category::{Driver as DRV, Hardware as HW, IncompatibleApp as APP, SetupMedia as MED};
use Class::{Benign, CatchAll, Cause, General, InvalidHandle};

/// The described codes, sorted by value (checked by a test).
pub static CODES: &[CodeInfo] = &[
    c(0x0024_0005, Benign, "Success; the machine must restart to finish installing."),
    c(0x8000_4004, General, "The operation was aborted."),
    c(
        0x8000_4005,
        CatchAll,
        "Unspecified failure. On its own it says nothing; look for a specific code logged just before it.",
    ),
    c(
        0x8000_FFFF,
        CatchAll,
        "An unexpected internal failure; look for the specific error logged before it.",
    ),
    c(
        0x8007_0002,
        General,
        "A file was not found. After a download it points to a damaged update cache; in CBS it is often routine.",
    ),
    c(
        0x8007_0003,
        General,
        "A path was not found; often a missing folder in SoftwareDistribution or WinSxS.",
    ),
    c(
        0x8007_0005,
        Cause(SEC),
        "Access denied. On servicing paths this is often antivirus or changed permissions.",
    ),
    c(
        0x8007_0006,
        InvalidHandle,
        "The handle is invalid (Win32 6, E_HANDLE). This, not 0x80070306, is the code that means \"the handle is invalid\".",
    ),
    c(
        0x8007_000D,
        Cause(COR),
        "The data is invalid; in CSI hydration or delta failures it means a damaged payload or manifest.",
    ),
    c(0x8007_000E, General, "Out of memory or other resources."),
    c(0x8007_0013, Cause(STO), "The media is write protected."),
    c(0x8007_0015, Cause(STO), "The device is not ready."),
    strong(
        0x8007_0017,
        Cause(STO),
        "Cyclic redundancy check failed: the disk returned damaged data. A sign of failing media.",
    ),
    strong(
        0x8007_001B,
        Cause(STO),
        "The drive cannot find the sector requested: a sign of failing media.",
    ),
    strong(0x8007_001D, Cause(STO), "The system cannot write to the device."),
    strong(0x8007_001E, Cause(STO), "The system cannot read from the device."),
    c(
        0x8007_0020,
        Cause(SEC),
        "Sharing violation: another process holds the file open. Usually antivirus or another filter driver.",
    ),
    c(0x8007_0021, Cause(SEC), "Lock violation: another process has locked part of the file."),
    c(0x8007_0027, Cause(DSK), "The disk is full."),
    c(0x8007_0032, Benign, "Not supported; logged routinely by Windows Update."),
    c(
        0x8007_0057,
        General,
        "An argument was invalid; in WindowsUpdate.log usually an applicability check that failed.",
    ),
    c(0x8007_0070, Cause(DSK), "There is not enough space on the disk."),
    c(
        0x8007_0079,
        Cause(STO),
        "A device did not answer in time (semaphore timeout); can point to storage or driver trouble.",
    ),
    c(0x8007_00AA, Cause(SEC), "The resource is busy; another program may be using it."),
    c(
        0x8007_00E1,
        Cause(SEC),
        "The file was flagged as malware or unwanted software, so the operation stopped.",
    ),
    c(0x8007_00E2, Cause(SEC), "The file was flagged as malware and removed."),
    c(0x8007_0246, Cause(COR), "An illegal character was met while reading data: a damaged file."),
    c(
        0x8007_0306,
        CatchAll,
        "One or more errors occurred (ERROR_ERRORS_ENCOUNTERED, Win32 774). A catch-all: it names no resource and is NOT \"the handle is invalid\". The cause is an earlier, specific failure.",
    ),
    c(
        0x8007_0308,
        Cause(PKG),
        "A request arrived out of sequence; seen when a servicing transaction cannot be analysed or committed.",
    ),
    strong(0x8007_03EE, Cause(STO), "The volume holding an open file was changed underneath it."),
    c(0x8007_0422, Cause(CAC), "A service is disabled (often wuauserv, BITS or CryptSvc)."),
    c(0x8007_045B, Cause(PND), "A shutdown was in progress."),
    strong(
        0x8007_045D,
        Cause(STO),
        "An I/O device error: the disk or its controller failed the request.",
    ),
    strong(0x8007_0467, Cause(STO), "A disk operation failed even after retries."),
    c(0x8007_048F, Cause(STO), "The device is not connected."),
    c(
        0x8007_0490,
        General,
        "Element not found; in servicing often a missing component or driver registration.",
    ),
    c(0x8007_04EC, Cause(SEC), "Blocked by group policy."),
    c(
        0x8007_0570,
        Cause(STO),
        "A file or folder is corrupt and unreadable; check the disk before repairing software.",
    ),
    c(0x8007_0571, Cause(STO), "The disk structure is corrupt and unreadable."),
    c(0x8007_05AA, General, "Not enough system resources to finish."),
    c(
        0x8007_05B9,
        Cause(COR),
        "XML data could not be parsed: a damaged manifest or metadata file.",
    ),
    c(
        0x8007_0643,
        Cause(PKG),
        "Fatal error during installation by an MSI-based installer (.NET, Defender, Office updates); its own log has the cause.",
    ),
    c(0x8007_0652, Cause(PND), "Another installation is already running."),
    c(0x8007_06A6, InvalidHandle, "The RPC binding handle is invalid."),
    c(
        0x8007_06BA,
        General,
        "The RPC server is unavailable: a service the installer needs is not running.",
    ),
    c(0x8007_06BE, General, "A remote procedure call failed."),
    c(
        0x8007_06D9,
        Cause(PKG),
        "No endpoints are available from the endpoint mapper: a service an advanced installer needs (often Windows Firewall) is not running.",
    ),
    c(0x8007_0BC2, Cause(PND), "Success, but a restart is needed before the change takes effect."),
    c(
        0x8007_0BC9,
        Cause(PND),
        "The operation failed and a restart is needed to roll back its changes.",
    ),
    c(0x8007_0BCA, Cause(PND), "The operation failed and a restart was started to roll it back."),
    c(
        0x8007_1AB1,
        Cause(STO),
        "The transaction log could not grow: low space or a file system problem.",
    ),
    c(0x8007_2EE2, Cause(NET), "A connection to the update service timed out."),
    c(0x8007_2EE7, Cause(NET), "The server name could not be resolved."),
    c(0x8007_2EFD, Cause(NET), "A connection to the server could not be made."),
    c(0x8007_2EFE, Cause(NET), "The connection was cut off."),
    c(0x8007_2F78, Cause(NET), "The server returned an invalid response."),
    c(
        0x8007_2F8F,
        Cause(NET),
        "TLS or content decoding failed; check the clock, proxy and TLS inspection.",
    ),
    c(
        0x8007_36B3,
        Cause(COR),
        "A referenced assembly is not installed: the component store is inconsistent.",
    ),
    c(0x8007_36CC, Cause(COR), "A component file does not match its manifest hash."),
    c(0x8007_3701, Cause(COR), "A referenced assembly is missing from the component store."),
    c(0x8007_370D, Cause(COR), "An assembly identity string is malformed."),
    c(0x8007_3712, Cause(COR), "The component store is corrupt."),
    c(0x8007_371B, Cause(COR), "Required members of a servicing transaction are missing."),
    c(0x8009_1007, Cause(CAC), "A hash value is wrong: a downloaded or cached file is damaged."),
    c(
        0x8009_2003,
        Cause(CAC),
        "The cryptographic service could not read or write a file, often in catroot2.",
    ),
    c(0x8009_2004, Cause(CAC), "A cryptographic object or property was not found."),
    c(
        0x8009_2013,
        Cause(NET),
        "Certificate revocation could not be checked because the revocation server was offline.",
    ),
    c(0x8009_6010, Cause(CAC), "A digital signature did not verify: a damaged download."),
    c(0x800B_0004, Cause(CAC), "The file is not trusted for this action."),
    c(0x800B_0100, Cause(CAC), "No signature was present: a damaged download or catalog."),
    c(0x800B_0101, Cause(NET), "A certificate is outside its validity period; check the clock."),
    c(
        0x800B_0109,
        Cause(NET),
        "A certificate chain ends in an untrusted root; often TLS inspection or missing root updates.",
    ),
    c(
        0x800F_0805,
        Benign,
        "The package is not valid. Routine in CBS.log when CBS probes packages.",
    ),
    c(
        0x800F_0806,
        Cause(PND),
        "Resources are locked; the change is queued until the next restart.",
    ),
    c(
        0x800F_080D,
        Cause(COR),
        "An invalid item in a CBS manifest. Also routine noise after \"Unrecognized packageExtended attribute\".",
    ),
    c(
        0x800F_0816,
        Benign,
        "The delta download job saved its state: an intermediate status, not a failure.",
    ),
    c(
        0x800F_081E,
        Cause(PKG),
        "The package does not apply to this image (often: already superseded).",
    ),
    c(
        0x800F_081F,
        Cause(COR),
        "The source files for a repair or feature were not found; DISM needs a /Source.",
    ),
    c(0x800F_0821, Cause(PND), "The servicing operation timed out and was aborted."),
    c(
        0x800F_0823,
        Cause(PKG),
        "The package needs a newer servicing stack; install the latest servicing stack update first.",
    ),
    c(
        0x800F_0825,
        Cause(COR),
        "The package cannot be uninstalled, usually because a component is half installed.",
    ),
    c(0x800F_0826, Cause(PND), "The package failed because another pending package failed."),
    c(0x800F_0828, Cause(DSK), "Not enough disk space for servicing."),
    c(
        0x800F_0830,
        Cause(COR),
        "The image can no longer be serviced; a repair install is usually needed.",
    ),
    c(
        0x800F_0831,
        Cause(COR),
        "The component store is corrupt: a package or its manifest is missing.",
    ),
    c(0x800F_0832, Cause(COR), "Too much corruption in the component store to repair in place."),
    c(0x800F_0900, Cause(COR), "An XML parsing failure in servicing metadata."),
    c(0x800F_0904, Cause(PKG), "The update metadata names more than one active edition."),
    c(0x800F_0905, Cause(PKG), "No active edition was found for the update."),
    c(
        0x800F_0906,
        Cause(NET),
        "Repair or feature files could not be downloaded; give DISM a /Source or fix access to Windows Update.",
    ),
    c(
        0x800F_0907,
        Cause(NET),
        "Group policy forbids downloading repair content from Windows Update.",
    ),
    c(0x800F_0911, Cause(PKG), "Package sources were modified and must be downloaded again."),
    c(0x800F_0920, Cause(PND), "A hang was detected during servicing (follows a timeout)."),
    c(
        0x800F_0922,
        Cause(PKG),
        "An advanced installer or generic command failed while installing the package.",
    ),
    c(0x800F_0982, Cause(COR), "No matching component was found to rebuild a file from a delta."),
    c(
        0x800F_0984,
        Cause(COR),
        "The component folder exists but the file to rebuild from is missing.",
    ),
    c(0x800F_0985, Cause(COR), "Applying a reverse delta failed."),
    c(0x800F_0986, Cause(COR), "Applying a forward delta failed."),
    c(0x800F_0987, Cause(COR), "Rebuilding a file from a null delta failed."),
    c(
        0x800F_0988,
        Cause(PKG),
        "The combination of deltas in the update is invalid for this machine.",
    ),
    c(0x800F_0989, Cause(COR), "A reverse delta is missing from the component store."),
    c(0x800F_0991, Cause(COR), "A payload file is missing."),
    // BITS, the service that downloads updates for Windows Update and ConfigMgr: its HTTP
    // statuses (0x8019xxxx) and its own codes (0x8020xxxx). Values and names from
    // Microsoft Learn, "BITS Return Values" (bitsmsg.h); the sentences are ours.
    c(
        0x8019_0190,
        Cause(NET),
        "BITS: the server rejected the download request as malformed (HTTP 400).",
    ),
    c(
        0x8019_0191,
        Cause(NET),
        "BITS: the server requires credentials the download did not give (HTTP 401).",
    ),
    c(
        0x8019_0194,
        Cause(NET),
        "BITS: the file to download is not on the server (HTTP 404); a stale update source or a proxy answering for it.",
    ),
    c(
        0x8019_0197,
        Cause(NET),
        "BITS: the proxy requires authentication (HTTP 407); the service account cannot pass it.",
    ),
    c(0x8019_019E, Cause(NET), "BITS: the server refused the address as too long (HTTP 414)."),
    c(
        0x8019_01F5,
        Cause(NET),
        "BITS: the server does not support what the download asked for (HTTP 501).",
    ),
    c(
        0x8019_01F7,
        Cause(NET),
        "BITS: the server was unavailable (HTTP 503); often transient, or a distribution point under load.",
    ),
    c(
        0x8019_01F8,
        Cause(NET),
        "BITS: a gateway or proxy timed out waiting for the server (HTTP 504).",
    ),
    c(
        0x8019_01F9,
        Cause(NET),
        "BITS: the server does not support the HTTP version used (HTTP 505).",
    ),
    c(0x8020_0001, General, "BITS: the transfer job asked for no longer exists."),
    c(
        0x8020_0002,
        General,
        "BITS: the request is not allowed in the transfer job's current state.",
    ),
    c(0x8020_0003, General, "BITS: the transfer job holds no file to transfer."),
    c(
        0x8020_0004,
        General,
        "BITS: the error is not tied to a local or remote file, so no file information exists.",
    ),
    c(
        0x8020_0005,
        General,
        "BITS: the error is not tied to the transfer protocol, so no protocol information exists.",
    ),
    c(
        0x8020_000D,
        General,
        "BITS: the volume the download is written to is locked (for example by BitLocker or a disk tool).",
    ),
    c(0x8020_000E, General, "BITS: the volume the download is written to was replaced by another."),
    c(0x8020_000F, General, "BITS: no error information is left for the transfer job."),
    c(
        0x8020_0010,
        Cause(NET),
        "BITS: the network adapter is disconnected or inactive; transfers wait for a connection.",
    ),
    c(
        0x8020_0011,
        Cause(NET),
        "BITS: the server sent no file size; BITS downloads only static content, so a proxy or server serving it dynamically breaks the transfer.",
    ),
    c(0x8020_0012, Cause(NET), "BITS: the server or a proxy on the way does not speak HTTP/1.1."),
    c(
        0x8020_0013,
        Cause(NET),
        "BITS: the server or a proxy on the way does not honour byte ranges; proxies that strip Content-Range headers cause it.",
    ),
    c(
        0x8020_0014,
        General,
        "BITS: the transfer was started from a remote session, which BITS does not support.",
    ),
    c(
        0x8020_0053,
        Cause(NET),
        "BITS could not validate the downloaded content; a proxy or filter may alter downloads.",
    ),
    c(0x8024_000B, Benign, "The call was cancelled."),
    c(
        0x8024_000E,
        Cause(CAC),
        "Invalid XML in the update's metadata. Routine in WindowsUpdate.log; a real failure only as a final result.",
    ),
    c(
        0x8024_0016,
        Cause(PND),
        "An install was refused because another one was running or a restart is pending.",
    ),
    c(0x8024_0017, Cause(PKG), "The update does not apply to this machine."),
    c(0x8024_001E, Cause(PND), "The update service or the system was shutting down."),
    c(0x8024_001F, Cause(NET), "No network connection was available."),
    c(
        0x8024_0022,
        Cause(SEC),
        "Every update in the operation failed; often something blocks access to SoftwareDistribution.",
    ),
    c(0x8024_0034, Cause(NET), "The update failed to download."),
    c(
        0x8024_0FFF,
        CatchAll,
        "An unexpected Windows Update failure; look for the specific error before it.",
    ),
    c(0x8024_2006, Cause(CAC), "The update's metadata is invalid; the cached copy may be damaged."),
    c(0x8024_200B, CatchAll, "The installer (CBS) failed; the cause is in CBS.log."),
    c(0x8024_200D, Cause(CAC), "The update must be downloaded again."),
    c(0x8024_2012, CatchAll, "Windows Update got an unexpected answer from CBS."),
    c(0x8024_2014, Cause(PND), "The post-restart part of the update is still pending; restart."),
    c(0x8024_2016, Cause(PKG), "After its post-restart work the update is in an unexpected state."),
    c(0x8024_2017, Cause(PKG), "The servicing stack must be updated before this update."),
    c(0x8024_4007, Cause(NET), "The update service returned a SOAP fault."),
    c(0x8024_4018, Cause(NET), "The update server refused the request (HTTP 403)."),
    c(0x8024_4019, Cause(NET), "The update server did not find the content (HTTP 404)."),
    c(0x8024_401B, Cause(NET), "The proxy requires authentication (HTTP 407)."),
    c(0x8024_4022, Cause(NET), "The update service was unavailable (HTTP 503)."),
    c(0x8024_402C, Cause(NET), "The proxy or server name could not be resolved."),
    c(0x8024_402F, Cause(NET), "Processing of an external cab file finished with errors."),
    c(
        0x8024_6002,
        Cause(CAC),
        "A downloaded file's digest did not match: damaged download or cache.",
    ),
    c(0x8024_6007, Benign, "The update has not been downloaded yet. Routine in WindowsUpdate.log."),
    c(0x8024_6008, Cause(CAC), "The download manager could not connect to BITS."),
    c(0x8024_6009, Cause(NET), "A BITS transfer failed."),
    c(0x8024_8002, Cause(CAC), "The update data store is in an unexpected state."),
    c(0x8024_8003, Cause(CAC), "A table is missing from the update data store."),
    c(0x8024_8006, Cause(CAC), "The update data store has the wrong version."),
    c(
        0x8024_8007,
        Benign,
        "The data store has no such entry: a lookup miss, routine on healthy machines.",
    ),
    c(0x8024_800F, Cause(CAC), "The update data store is locked by another process."),
    c(0x8024_8010, Cause(CAC), "The update data store could not be registered."),
    c(0x8024_8FFF, Cause(CAC), "An unexpected data store error."),
    c(0x8024_A000, Cause(CAC), "Automatic Updates could not serve requests."),
    c(0x8024_A10A, Cause(PND), "The update orchestrator was shutting down."),
    // Delivery Optimization, which downloads Windows updates and Store apps from Microsoft
    // and from peers. Values and names from Microsoft Learn, "Delivery Optimization Return
    // Values"; the sentences are ours.
    c(
        0x80D0_1001,
        Cause(CAC),
        "Delivery Optimization could not provide its service; the DoSvc service may be disabled or failing.",
    ),
    c(
        0x80D0_2002,
        Cause(NET),
        "Delivery Optimization: a download made no progress for too long (no source, a blocked or very slow connection).",
    ),
    c(0x80D0_2003, General, "Delivery Optimization: the download job it expected was not found."),
    c(0x80D0_2004, General, "Delivery Optimization: the download job holds no file."),
    c(0x80D0_200D, General, "Delivery Optimization: no local path was given for the download."),
    c(0x80D0_2010, Cause(NET), "Delivery Optimization: no source of the file could be used."),
    c(
        0x80D0_2011,
        General,
        "Delivery Optimization: a caller asked for a property that does not exist.",
    ),
    c(
        0x80D0_2012,
        General,
        "Delivery Optimization: a caller tried to change a read-only property.",
    ),
    c(
        0x80D0_2013,
        General,
        "Delivery Optimization: the request is not allowed in the job's state (cancelled or already finished).",
    ),
    c(0x80D0_2014, Benign, "Delivery Optimization: no error has occurred."),
    c(
        0x80D0_3002,
        General,
        "Delivery Optimization: user or administrator settings do not allow the download.",
    ),
    c(
        0x80D0_3801,
        Benign,
        "Delivery Optimization paused the download because of a cost (metered network) policy; it resumes by itself.",
    ),
    c(
        0x80D0_3803,
        Benign,
        "Delivery Optimization paused the download on a cellular network because of policy; it resumes by itself.",
    ),
    c(
        0x80D0_3804,
        Benign,
        "Delivery Optimization paused the download on battery power; it resumes on AC power.",
    ),
    c(
        0x80D0_3805,
        Cause(NET),
        "Delivery Optimization paused the download because the network connection was lost.",
    ),
    c(
        0x80D0_3807,
        Benign,
        "Delivery Optimization paused the download on a VPN connection because of policy.",
    ),
    c(
        0x80D0_3808,
        Benign,
        "Delivery Optimization paused the download because the system is short of memory.",
    ),
    c(
        0x80D0_5001,
        Cause(NET),
        "Delivery Optimization: the HTTP server returned a block of another size than asked for; a proxy or cache may alter content.",
    ),
    c(0x80D0_5010, General, "Delivery Optimization: the byte range asked for is invalid."),
    c(
        0x80D0_5011,
        Cause(NET),
        "Delivery Optimization: the server or a proxy does not support HTTP byte ranges, which Delivery Optimization needs.",
    ),
    c(
        0x8E5E_03FA,
        Cause(PKG),
        "Reported with failed cumulative updates in Servicing event 3; no public name. Look at CBS.log for the failure.",
    ),
    strong(
        0xC000_0006,
        Cause(STO),
        "An in-page I/O error: data could not be read from disk into memory.",
    ),
    c(0xC000_0008, InvalidHandle, "An invalid handle was given (NTSTATUS)."),
    c(0xC000_000E, Cause(STO), "A device that does not exist was named."),
    c(0xC000_0022, Cause(SEC), "Access denied (NTSTATUS)."),
    c(0xC000_0024, InvalidHandle, "An object of the wrong type was given."),
    c(0xC000_0032, Cause(STO), "The file system structure on the disk is corrupt."),
    strong(0xC000_003F, Cause(STO), "A CRC check failed: the disk returned damaged data."),
    c(0xC000_0043, Cause(SEC), "A sharing violation (NTSTATUS): another process holds the file."),
    c(0xC000_0054, Cause(SEC), "A file lock conflict."),
    c(0xC000_007F, Cause(DSK), "The disk is full (NTSTATUS)."),
    strong(0xC000_009C, Cause(STO), "The device reported a data error, typically bad sectors."),
    c(
        0xC000_009D,
        Cause(STO),
        "The device is not connected: loose cable, controller or dying disk.",
    ),
    c(0xC000_00B5, Cause(STO), "A device did not complete an I/O in time."),
    c(0xC000_0102, Cause(STO), "A file is corrupt and unreadable; run a read-only disk check."),
    strong(0xC000_016A, Cause(STO), "A disk operation failed even after retries."),
    strong(0xC000_0185, Cause(STO), "The I/O device reported an error."),
    c(0xC000_0906, Cause(SEC), "The file was flagged as malware (NTSTATUS)."),
    c(
        0xC007_000D,
        Cause(COR),
        "Invalid data (as NTSTATUS): a damaged payload met during hydration or delta application.",
    ),
    c(0xC015_001A, Cause(COR), "The component store is corrupt (NTSTATUS)."),
    // Windows Setup's result codes. Names and where each fact comes from are in
    // `code::setup` ([RP] resolution-procedures.md, [UEC] upgrade-error-codes.md, [F6] the
    // corpus' setup logs); the sentences are ours.
    c(
        0xC180_0104,
        Benign,
        "No public name. Logged when setup's download task is cancelled or suspended (after a user cancel, or before setup restarts itself); not a failure by itself.",
    ),
    c(
        0xC180_0108,
        Benign,
        "No public name. Logged when setup's download task is cancelled, typically after the user cancelled; not a failure by itself.",
    ),
    c(
        0xC180_0109,
        Benign,
        "No public name. Logged when setup's download task is cancelled after a user cancel; not a failure by itself.",
    ),
    c(
        0xC180_0118,
        Cause(NET),
        "WSUS has downloaded upgrade content it cannot use because the decryption key is missing; the fix is on the WSUS server.",
    ),
    c(
        0xC190_0100,
        Cause(MED),
        "Setup found binaries of an unexpected version: the setup files do not match each other.",
    ),
    c(
        0xC190_0101,
        CatchAll,
        "Setup rolled back. A generic code: most often a driver that fails in the new OS; the extend code after it says in which phase and operation.",
    ),
    c(0xC190_0103, General, "Compatibility issues were not resolved within setup's time limit."),
    c(0xC190_0104, General, "The installation did not finish within setup's time limit."),
    c(0xC190_0106, General, "The installation process was terminated."),
    c(
        0xC190_0107,
        Cause(PND),
        "The cleanup of an earlier upgrade attempt is still pending: restart, then retry (clear old setup files if it persists).",
    ),
    c(
        0xC190_0108,
        CatchAll,
        "A telemetry remap: setup reports this in place of the real result. The real code is the one in `Remapping install error [X]`.",
    ),
    c(0xC190_0109, General, "The installation was stopped during the compatibility phase."),
    c(
        0xC190_010B,
        Cause(MED),
        "The installation image (install.wim/esd) was not found in the media.",
    ),
    c(0xC190_0110, Benign, "The user cancelled at the license agreement."),
    c(0xC190_0111, Benign, "The user cancelled at the offer screen."),
    c(0xC190_0112, General, "Setup could not find a drive to install to."),
    c(0xC190_0113, Benign, "The user declined the license terms."),
    c(0xC190_011F, General, "The setup process crashed."),
    c(0xC190_0122, Cause(DSK), "Not enough free space to download, and it was not freed in time."),
    c(0xC190_0123, Cause(DSK), "Not enough free space to install, and it was not freed in time."),
    c(0xC190_0127, Benign, "The user stopped setup to keep the option of going back."),
    c(0xC190_01DF, Cause(DSK), "The system ran out of disk space during the upgrade."),
    c(0xC190_01E1, General, "The installation process was suspended."),
    c(
        0xC190_01E2,
        Cause(APP),
        "A preinstall script (a deployment tool's or an application's) failed.",
    ),
    c(
        0xC190_0200,
        Cause(HW),
        "The machine does not meet the minimum requirements of the new version.",
    ),
    c(
        0xC190_0201,
        Cause(HW),
        "The machine does not meet the minimum requirements, and setup was cancelled because of it.",
    ),
    c(0xC190_0202, Cause(HW), "The machine does not meet the requirements to download the update."),
    c(
        0xC190_0204,
        Cause(PKG),
        "The migration choice asked for is not possible (another edition, language or architecture).",
    ),
    c(
        0xC190_0206,
        Cause(DRV),
        "A device failed the device scan: its driver does not fit the new version.",
    ),
    c(
        0xC190_0208,
        Cause(APP),
        "The compatibility scan found something to act on first, typically an incompatible application.",
    ),
    c(
        0xC190_0209,
        Cause(APP),
        "Setup stopped because the compatibility scan failed, typically on an application that cannot be migrated.",
    ),
    c(0xC190_020A, Cause(HW), "The machine does not meet the requirements to recover Windows."),
    c(0xC190_020C, Cause(DSK), "Not enough free space to download the payload."),
    c(0xC190_020E, Cause(DSK), "Not enough free space to install the upgrade."),
    c(
        0xC190_020F,
        Cause(DSK),
        "Setup was cancelled because there is not enough free space to install.",
    ),
    c(
        0xC190_0210,
        Benign,
        "A compatibility scan only (`/Compat ScanOnly`); nothing was installed.",
    ),
    c(0xC190_0211, Cause(DSK), "Not enough free space to download and unpack the media."),
    c(0xC190_0215, Cause(MED), "The media has no install image for this edition or language."),
    c(0xC190_0216, Cause(PND), "A rollback of an earlier upgrade is still pending."),
    c(0xC190_0403, Cause(MED), "The downloaded payload files are corrupt."),
    c(0xC190_0405, General, "The installation process ended unexpectedly."),
];

/// The description of a code, if it is one that matters to servicing.
pub fn describe(code: Code) -> Option<&'static CodeInfo> {
    let key = if code.kind() == crate::code::CodeKind::Ntstatus {
        code.value()
    } else {
        let h = code.as_hresult();
        // HRESULT_FROM_NT values are described under their NTSTATUS.
        if h & 0x1000_0000 != 0 && h >> 31 == 1 { h & !0x1000_0000 } else { h }
    };
    CODES.binary_search_by_key(&key, |c| c.value).ok().and_then(|i| CODES.get(i))
}

/// The class of a code (`General` when it is not described).
pub fn class(code: Code) -> Class {
    describe(code).map_or(Class::General, |c| c.class)
}

/// The cause a code points to, if any.
pub fn category(code: Code) -> Option<Category> {
    match class(code) {
        Class::Cause(c) => Some(c),
        _ => None,
    }
}

/// Whether the code hides the real failure.
pub fn is_catch_all(code: Code) -> bool {
    matches!(class(code), Class::CatchAll | Class::InvalidHandle)
}

/// Whether this code, on this line, is routine noise (REFERENCE.md §2.3).
pub fn is_benign_here(code: Code, message: &str) -> bool {
    is_benign_as(code, class(code), message)
}

/// [`is_benign_here`] for a code whose [`class`] is known.
pub(crate) fn is_benign_as(code: Code, class: Class, message: &str) -> bool {
    match class {
        Class::Benign => return true,
        Class::General if code.as_hresult() == 0x8007_0002 => {
            return message.contains("DisableWerReporting") || message.contains("pending.xml");
        }
        _ => {}
    }
    match code.as_hresult() {
        0x8000_4005 => message.contains("SQM:"),
        0x800F_080D => message.contains("packageExtended") || message.contains("next element"),
        // Routine in WindowsUpdate.log *FAILED* lines on healthy machines.
        0x8024_000E => message.contains("*FAILED*"),
        // CBS cleaning its temp folder at start-up; it deletes in place instead.
        0x8007_0020 => message.contains("CbsTemp"),
        // No account token to attach to a scan; routine on machines without one.
        0x8009_2004 => message.contains("auth token"),
        _ => false,
    }
}

/// Remedies a class of code usually calls for, most fitting first.
pub fn remedies_for(category: Category) -> &'static [RemedyId] {
    match category {
        Category::Storage => {
            &[RemedyId::BackUpDisk, RemedyId::CheckDiskReadOnly, RemedyId::RepairDisk]
        }
        Category::Corruption => &[RemedyId::RestoreHealth, RemedyId::Sfc, RemedyId::RepairInstall],
        Category::PackageConflict => {
            &[RemedyId::ManualInstall, RemedyId::Troubleshooter, RemedyId::RepairInstall]
        }
        Category::UpdateCache => &[RemedyId::Troubleshooter, RemedyId::ResetComponents],
        Category::SecuritySoftware => &[RemedyId::CleanBoot],
        Category::PendingReboot => &[RemedyId::Restart],
        Category::LowDiskSpace => &[RemedyId::FreeSpace],
        Category::Network => {
            &[RemedyId::CheckNetwork, RemedyId::Troubleshooter, RemedyId::ResetComponents]
        }
        Category::Driver => {
            &[RemedyId::DisconnectDevices, RemedyId::CleanBoot, RemedyId::UpdateDrivers]
        }
        Category::IncompatibleApp => &[RemedyId::UninstallApp, RemedyId::CleanBoot],
        Category::Hardware => &[RemedyId::CheckRequirements],
        Category::Migration => {
            &[RemedyId::CleanBoot, RemedyId::UninstallApp, RemedyId::RepairProfiles]
        }
        Category::SetupMedia => &[RemedyId::CheckDiskReadOnly, RemedyId::FreshMedia],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_optimization_and_bits_codes_have_names_and_meanings() {
        for (v, name, class) in [
            (0x80D0_2002, "DO_E_DOWNLOAD_NO_PROGRESS", Class::Cause(Category::Network)),
            (0x80D0_3804, "DO_E_BLOCKED_BY_POWER_STATE", Class::Benign),
            (0x8020_0010, "BG_E_NETWORK_DISCONNECTED", Class::Cause(Category::Network)),
            // winerror.h names the same value HTTP_E_STATUS_PROXY_AUTH_REQ; that name comes
            // first, and BITS's own name still finds it (below).
            (0x8019_0197, "HTTP_E_STATUS_PROXY_AUTH_REQ", Class::Cause(Category::Network)),
            (0x8020_0053, "BG_E_VALIDATION_FAILED", Class::Cause(Category::Network)),
        ] {
            let code = Code::hresult(v);
            assert_eq!(code.name(), Some(name), "{code}");
            let d = describe(code).unwrap_or_else(|| panic!("{code} has no meaning"));
            assert_eq!(d.class, class, "{code}");
        }
        assert_eq!(Code::from_name("DO_E_NO_SERVICE").map(Code::as_hresult), Some(0x80D0_1001));
        assert_eq!(Code::from_name("BG_E_HTTP_ERROR_407").map(Code::as_hresult), Some(0x8019_0197));
    }

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(CODES.windows(2).all(|w| w[0].value < w[1].value), "CODES must be sorted by value");
        assert!(CODES.len() >= 150, "{} described codes", CODES.len());
        // Every described setup code is one Setup's table lists.
        for c in CODES.iter().filter(|c| crate::code::setup::is_setup_range(c.value)) {
            assert!(crate::code::setup::find(c.value).is_some(), "0x{:08X}", c.value);
        }
    }

    #[test]
    fn classes() {
        assert_eq!(class(Code::hresult(0x8007_0306)), Class::CatchAll);
        assert_eq!(class(Code::hresult(0x8007_0006)), Class::InvalidHandle);
        assert_eq!(class(Code::ntstatus(0xC000_0008)), Class::InvalidHandle);
        assert_eq!(category(Code::hresult(0xD015_001A)), Some(Category::Corruption));
        assert_eq!(category(Code::win32(112)), Some(Category::LowDiskSpace));
        assert!(describe(Code::hresult(0x8007_0017)).unwrap().strong);
        assert!(is_benign_here(Code::hresult(0x8024_8007), "anything"));
        assert!(is_benign_here(
            Code::hresult(0x8007_0002),
            "Not able to add pending.xml to Windows Error Report."
        ));
        assert!(!is_benign_here(Code::hresult(0x8007_0002), "Download failed"));
    }
}
