//! Recognising an artifact: by content first, by name second.

use super::decode::{self, Encoding};
use super::setup_sniff;
use crate::shapes;
use serde::Serialize;

/// What an artifact is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// CBS.log / CbsPersist_*.log.
    Cbs,
    /// dism.log.
    Dism,
    /// WindowsUpdate.log from `Get-WindowsUpdateLog` (Windows 10+).
    WindowsUpdate,
    /// The legacy TAB-separated WindowsUpdate.log (Windows 7/8).
    WindowsUpdateLegacy,
    /// A binary .evtx event log.
    Evtx,
    /// A `wevtutil qe /f:text` export.
    EventExport,
    /// An ETW trace (.etl): Windows Update's own log on Windows 10 and later.
    Etl,
    /// Windows Setup's `setupact.log` / `setuperr.log` (Panther, Rollback), not the
    /// unrelated `C:\Windows\setupact.log` of device installers.
    SetupLog,
    /// `setupapi.dev.log`, `.app.log`, `.offline.log`, `.setup.log`: device installs.
    SetupApi,
    /// A compatibility report of Windows Setup (`CompatData_*.xml`, `ScanResult.xml`).
    CompatReport,
    /// Windows Setup's `diagerr.xml` / `diagwrn.xml` (rowset documents glued together).
    SetupErrorsXml,
    /// The output of SetupDiag (`SetupDiagResults.log`/`.xml`/`.json`, or its text pasted).
    SetupDiag,
    /// A memory dump (`setupmem.dmp`, a minidump, `MEMORY.DMP`): evidence, not parsed.
    MemoryDump,
    /// An archive that could not be opened.
    Archive,
    /// Anything else (skipped, with a reason).
    Unknown,
}

impl Kind {
    /// Short label for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cbs => "cbs",
            Kind::Dism => "dism",
            Kind::WindowsUpdate => "windowsupdate",
            Kind::WindowsUpdateLegacy => "windowsupdate-legacy",
            Kind::Evtx => "evtx",
            Kind::EventExport => "event-export",
            Kind::Etl => "etl",
            Kind::SetupLog => "setup",
            Kind::SetupApi => "setupapi",
            Kind::CompatReport => "compat-report",
            Kind::SetupErrorsXml => "setup-errors-xml",
            Kind::SetupDiag => "setupdiag",
            Kind::MemoryDump => "memory-dump",
            Kind::Archive => "archive",
            Kind::Unknown => "unknown",
        }
    }

    /// Whether wutriage parses this kind.
    pub fn is_parsed(self) -> bool {
        !matches!(self, Kind::Archive | Kind::Unknown)
    }
}

/// Container formats that are opened rather than parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    Zip,
    Cab,
}

/// The outcome of sniffing one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sniffed {
    pub(crate) kind: Kind,
    pub(crate) encoding: Encoding,
    /// Why the file is skipped, or a note on how to read it.
    pub(crate) note: Option<String>,
}

pub(crate) fn container(bytes: &[u8]) -> Option<Container> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some(Container::Zip)
    } else if bytes.starts_with(b"MSCF") {
        Some(Container::Cab)
    } else {
        None
    }
}

const HEAD_BYTES: usize = 64 * 1024;
const HEAD_LINES: usize = 400;
/// Lines allowed before the first record.
const MAX_HEADER_LINES: usize = 20;

/// Classifies a file from its bytes and (second) its file name.
pub(crate) fn sniff(name: &str, bytes: &[u8]) -> Sniffed {
    let lower = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    if bytes.starts_with(b"ElfFile\0") {
        return Sniffed { kind: Kind::Evtx, encoding: Encoding::Binary, note: None };
    }
    if setup_sniff::is_dump(bytes) {
        let note = setup_sniff::note(Kind::MemoryDump, &lower);
        return Sniffed { kind: Kind::MemoryDump, encoding: Encoding::Binary, note };
    }
    if shapes::is_etl(bytes) {
        return Sniffed { kind: Kind::Etl, encoding: Encoding::Binary, note: None };
    }
    let encoding = decode::detect(bytes);
    if bytes.is_empty() {
        return skipped(encoding, "empty file");
    }
    // Archives are opened before sniffing; one that reaches here lacks the signature.
    if has_ext(&lower, "zip") {
        return skipped(encoding, "not a zip archive (no zip signature at its start)");
    }
    if has_ext(&lower, "cab") {
        return skipped(encoding, "not a cabinet archive (no MSCF signature at its start)");
    }
    if encoding == Encoding::Binary {
        let hint = name_hint(&lower);
        return match hint {
            Some(Kind::Evtx) => {
                skipped(encoding, "named like an event log, but has no EVTX header")
            }
            Some(Kind::Etl) => {
                skipped(encoding, "named like an ETW trace, but has no trace header")
            }
            Some(k) => skipped(
                encoding,
                &format!("named like a {} log, but the content is binary, not text", k.as_str()),
            ),
            None => skipped(encoding, "binary file of unknown format"),
        };
    }
    let head_len = match encoding {
        Encoding::Utf16Le | Encoding::Utf16LeBom | Encoding::Utf16BeBom => HEAD_BYTES * 2,
        _ => HEAD_BYTES,
    };
    let head = bytes.get(..bytes.len().min(head_len)).unwrap_or_default();
    let text = decode::decode(head, encoding).text;
    let kind = classify_text(&text, &lower).or_else(|| setup_sniff::text_kind(&text, &lower));
    if let Some(kind) = kind {
        Sniffed { kind, encoding, note: setup_sniff::note(kind, &lower) }
    } else {
        let reason = if text.contains("<![LOG[") {
            "CMTrace (Configuration Manager) log; not analysed".to_string()
        } else if let Some(why) = setup_sniff::not_setup(&lower) {
            why.to_string()
        } else if let Some(k) = name_hint(&lower) {
            format!("named like a {} log, but no line has its layout", k.as_str())
        } else {
            "text of an unrecognised format".to_string()
        };
        skipped(encoding, &reason)
    }
}

fn skipped(encoding: Encoding, reason: &str) -> Sniffed {
    Sniffed { kind: Kind::Unknown, encoding, note: Some(reason.to_string()) }
}

fn has_ext(name: &str, ext: &str) -> bool {
    std::path::Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

pub(crate) fn name_hint(lower: &str) -> Option<Kind> {
    if has_ext(lower, "evtx") {
        Some(Kind::Evtx)
    } else if has_ext(lower, "etl") {
        Some(Kind::Etl)
    } else if lower.starts_with("cbs") {
        Some(Kind::Cbs)
    } else if lower.starts_with("dism") {
        Some(Kind::Dism)
    } else if lower.starts_with("windowsupdate") {
        Some(Kind::WindowsUpdate)
    } else {
        None
    }
}

fn classify_text(text: &str, lower: &str) -> Option<Kind> {
    let (mut cbs_family, mut dism_component, mut cbs_component) = (0u32, 0u32, 0u32);
    let mut setup_component = 0u32;
    let (mut wu, mut wu_legacy, mut export) = (0u32, 0u32, 0u32);
    let mut first_match = None;
    for (n, line) in text.lines().take(HEAD_LINES).enumerate() {
        let b = line.trim_start_matches('\u{FEFF}').as_bytes();
        let any = shapes::is_cbs_record(b)
            || shapes::is_wu_record(b)
            || shapes::is_wu_legacy_record(b)
            || shapes::is_export_block(b);
        if any && first_match.is_none() {
            first_match = Some(n);
        }
        if shapes::is_cbs_record(b) {
            cbs_family += 1;
            match b.get(43..50).map(<[u8]>::trim_ascii) {
                Some(b"DISM") => dism_component += 1,
                Some(b"CBS" | b"CSI" | b"DPX" | b"DEPLOY" | b"SXS") => cbs_component += 1,
                Some(c) if setup_sniff::is_setup_component(c) => setup_component += 1,
                _ => {}
            }
        } else if shapes::is_wu_record(b) {
            wu += 1;
        } else if shapes::is_wu_legacy_record(b) {
            wu_legacy += 1;
        } else if shapes::is_export_block(b) {
            export += 1;
        }
    }
    let best = [cbs_family, wu, wu_legacy, export].into_iter().max().unwrap_or(0);
    // A log starts with records (after at most a short header, as in filtered SFC
    // extracts); a document that merely quotes log lines does not.
    if best == 0 || first_match.is_none_or(|n| n >= MAX_HEADER_LINES) {
        return None;
    }
    Some(if best == cbs_family {
        if setup_sniff::is_setup_log(lower, setup_component, cbs_component + dism_component) {
            Kind::SetupLog
        } else if dism_component > cbs_component
            || (dism_component == cbs_component && lower.starts_with("dism"))
        {
            Kind::Dism
        } else {
            Kind::Cbs
        }
    } else if best == wu {
        Kind::WindowsUpdate
    } else if best == wu_legacy {
        Kind::WindowsUpdateLegacy
    } else {
        Kind::EventExport
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content_first() {
        let cbs = b"2023-05-23 10:02:36, Info                  CBS    TI: start\r\n";
        assert_eq!(sniff("CBS (2).log", cbs).kind, Kind::Cbs);
        assert_eq!(sniff("renamed.txt", cbs).kind, Kind::Cbs);
        let dism = b"2023-05-22 07:23:32, Info                  DISM   DISM.EXE: x\r\n";
        assert_eq!(sniff("whatever.log", dism).kind, Kind::Dism);
        let wu = b"2023/05/22 08:08:32.6295131 8096  8116  Shared          InitializeSus\r\n";
        assert_eq!(sniff("x.log", wu).kind, Kind::WindowsUpdate);
        let legacy = b"2021-08-28\t11:05:07:920\t 576\ta70\tMisc\tLogging initialized\r\n";
        assert_eq!(sniff("x.log", legacy).kind, Kind::WindowsUpdateLegacy);
        let export = "\u{FEFF}Event[0]:\r\n  Log Name: System\r\n";
        assert_eq!(sniff("events.txt", export.as_bytes()).kind, Kind::EventExport);
        assert_eq!(sniff("System.evtx", b"ElfFile\0rest").kind, Kind::Evtx);
    }

    #[test]
    fn skips_with_reasons() {
        let s = sniff("CBS.log", &[0u8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0xFF, 0x10]);
        assert_eq!(s.kind, Kind::Unknown);
        assert!(s.note.unwrap().contains("binary"));
        // Recognised by its header, not its name.
        let s = sniff("WindowsUpdate.20250426.etl", b"\x00\x01");
        assert_eq!(s.kind, Kind::Unknown);
        assert!(s.note.unwrap().contains("no trace header"));
        let mut etl = vec![0u8; 0x200];
        etl[..4].copy_from_slice(&0x200u32.to_le_bytes());
        etl[0x48..0x50].copy_from_slice(&[2, 0, 2, 0xC0, 0xF4, 1, 0, 0]);
        etl[0x68..0x6C].copy_from_slice(&0x200u32.to_le_bytes());
        assert_eq!(sniff("trace.bin", &etl).kind, Kind::Etl);
        assert_eq!(sniff("empty.log", b"").note.as_deref(), Some("empty file"));
        assert!(sniff("bundle.zip", b"hello\n").note.unwrap().starts_with("not a zip archive"));
        assert!(sniff("notes.txt", b"hello\n").note.unwrap().contains("unrecognised"));
        let mut doc = "# notes\n".repeat(30);
        doc.push_str("2023-05-23 10:02:36, Info                  CBS    quoted line\n");
        assert_eq!(sniff("FORMATS.md", doc.as_bytes()).kind, Kind::Unknown);
    }
}
