//! Recognising the files of a Windows feature update (Windows Setup): Panther logs, the
//! setupapi device-install logs, Panther's XML reports, SetupDiag's output and memory
//! dumps (FORMATS.md §6, §9). Called once per file by [`super::sniff`]; nothing here runs
//! per line of a log.

use super::sniff::Kind;

/// Components that only Windows Setup writes in the CBS-like column layout (FORMATS.md §6):
/// SetupHost, SetupPlatform, migration, WinPE setup, sysprep, Panther diagnostics, dynamic
/// update. `CONX` is left out: dism.log carries it too.
const SETUP_COMPONENTS: [&[u8]; 10] = [
    b"MOUPG",
    b"SP",
    b"MIG",
    b"IBS",
    b"IBSLIB",
    b"PANTHR",
    b"SYSPRP",
    b"DIAGER",
    b"DU",
    b"SETUPUGC",
];

/// Whether the trimmed component column of a CBS-shaped line is one of Windows Setup's.
pub(crate) fn is_setup_component(c: &[u8]) -> bool {
    SETUP_COMPONENTS.contains(&c)
}

/// Whether a file name is one of Windows Setup's two logs (`setupact.log`, `SetupAct.log`,
/// `setuperr.log`, and copies such as `setupact_rollback.log` or `PC1__setupact.log`).
fn named_like_setup_log(lower: &str) -> bool {
    lower.contains("setupact") || lower.contains("setuperr")
}

/// A log in the CBS column layout is Windows Setup's when its name says so, or when Setup's
/// own components outnumber the servicing ones (a renamed copy). A DISM or CBS log never
/// names SetupHost or SetupPlatform.
pub(crate) fn is_setup_log(lower: &str, setup: u32, servicing: u32) -> bool {
    named_like_setup_log(lower) || setup > servicing
}

/// Memory dumps: a user-mode or setup minidump (`MDMP`) or a kernel dump (`PAGEDUMP`,
/// `PAGEDU64`).
pub(crate) fn is_dump(bytes: &[u8]) -> bool {
    bytes.starts_with(b"MDMP") || bytes.starts_with(b"PAGEDU64") || bytes.starts_with(b"PAGEDUMP")
}

/// Lines of the head looked at.
const HEAD_LINES: usize = 400;

/// Text kinds of Windows Setup that are not in the CBS column layout, from the head of the
/// file (`text`) and its lower-case name.
pub(crate) fn text_kind(text: &str, lower: &str) -> Option<Kind> {
    // SetupDiag output: its text report, XML or JSON, or the text pasted into a ticket.
    if text.contains("Matching Profile found:")
        || text.contains("SetupDiag reports")
        || text.contains("<SetupDiag ")
        || (text.contains("\"ProfileName\"") && text.contains("\"ProfileGuid\""))
    {
        return Some(Kind::SetupDiag);
    }
    if text.contains("<CompatReport") {
        return Some(Kind::CompatReport);
    }
    if text.contains("#RowsetSchema") && text.contains("<xml") {
        return Some(Kind::SetupErrorsXml);
    }
    let setupapi = text.lines().take(HEAD_LINES).any(|l| {
        let l = l.trim_start_matches('\u{FEFF}');
        l.starts_with("[Device Install Log]")
            || l.starts_with(">>>  Section start ")
            || (l.starts_with(">>>  [") && lower.starts_with("setupapi"))
            || l.starts_with("[Boot Session: ")
    });
    setupapi.then_some(Kind::SetupApi)
}

/// A note shown with a recognised setup file.
pub(crate) fn note(kind: Kind, _lower: &str) -> Option<String> {
    (kind == Kind::MemoryDump).then(|| {
        "memory dump: evidence of a crash; wutriage reads only its header (open it with \
         WinDbg, `!analyze -v`, on Windows)"
            .to_string()
    })
}

/// Why a file named like a Windows Setup log is not one (it has no record of the setup
/// layout): `C:\Windows\setupact.log` of device installers (FORMATS.md §6).
pub(crate) fn not_setup(lower: &str) -> Option<&'static str> {
    named_like_setup_log(lower).then_some(
        "not Windows Setup's log: no timestamped setup records (C:\\Windows\\setupact.log is \
         written by device and driver installers, not by Windows Setup)",
    )
}

#[cfg(test)]
mod tests {
    use super::super::sniff::sniff;
    use super::*;

    const SETUP: &str = "2021-05-18 05:12:43, Info                  MOUPG  SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]\r\n\
2021-05-18 05:12:42, Info                  SP     Initiating rollback/uninstall, phase = 1\r\n";

    #[test]
    fn setup_logs_by_content_and_name() {
        assert_eq!(sniff("setupact.log", SETUP.as_bytes()).kind, Kind::SetupLog);
        assert_eq!(sniff("renamed.txt", SETUP.as_bytes()).kind, Kind::SetupLog);
        // DISM lines in Panther's log (first boot) do not make it a DISM log.
        let mixed = "2025-05-02 15:17:35, Info                  DISM   DISM Provider Store: x\r\n";
        assert_eq!(sniff("SetupAct.log", mixed.as_bytes()).kind, Kind::SetupLog);
        assert_eq!(sniff("dism.log", mixed.as_bytes()).kind, Kind::Dism);
        let cbs = "2023-05-23 10:02:36, Info                  CBS    TI: start\r\n";
        assert_eq!(sniff("CBS.log", cbs.as_bytes()).kind, Kind::Cbs);
        assert_eq!(sniff("setuperr.log", b"2025-05-02 15:20:18, Error                        Failed to delete x. hr = 0x80070005\r\n").kind, Kind::SetupLog);
    }

    #[test]
    fn device_installer_setupact_is_not_setup() {
        let text = "AudMig: Initializing upgrade diagnostics for first run\r\n[05/12/2025 07:44.06.575] WudfCoInstaller: ReadWdfSection: Checking\n\r\n";
        let s = sniff("setupact.log", text.as_bytes());
        // Not a setup log: read by the last-resort reader only when nothing else is.
        assert_eq!(s.kind, Kind::Unknown);
        assert!(s.doc);
        assert!(s.note.unwrap().contains("not Windows Setup's log"));
    }

    #[test]
    fn other_setup_files() {
        let api = "[Device Install Log]\r\n     OS Version = 10.0.10240\r\n>>>  [Device Install (Hardware initiated) - X]\r\n>>>  Section start 2015/11/22 17:59:28.110\r\n";
        assert_eq!(sniff("setupapi.dev.log", api.as_bytes()).kind, Kind::SetupApi);
        assert_eq!(sniff("whatever.txt", api.as_bytes()).kind, Kind::SetupApi);
        let compat = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<CompatReport xmlns=\"x\"><Hardware/></CompatReport>\r\n";
        assert_eq!(sniff("ScanResult.xml", compat.as_bytes()).kind, Kind::CompatReport);
        let diag = "<xml xmlns:s=\"uuid:BDC6E3F0\" xmlns:z=\"#RowsetSchema\">\n<rs:data>\n</rs:data>\n</xml>\n";
        assert_eq!(sniff("diagerr.xml", diag.as_bytes()).kind, Kind::SetupErrorsXml);
        let sd = "\nMatching Profile found: FindRollbackFailure - 3A43C9B5-05B3-4F7C-A955-88F991BB5A48\n";
        assert_eq!(sniff("SetupDiagResults.log", sd.as_bytes()).kind, Kind::SetupDiag);
        let s = sniff("setupmem.dmp", b"MDMP\x93\xa7\0\0rest");
        assert_eq!(s.kind, Kind::MemoryDump);
        assert!(s.note.unwrap().contains("WinDbg"));
    }
}
