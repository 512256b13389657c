//! Recognising an artifact: by content first, by name second.

use super::decode::{self, Encoding};
use super::setup_sniff;
use crate::shapes::{self, lenient, loose};
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
    /// A Configuration Manager log in the `CMTrace` format (`WUAHandler.log`, `smsts.log`, …).
    CmTrace,
    /// `ReportingEvents.log` of the Windows Update client (TAB-separated, UTF-16).
    ReportingEvents,
    /// `wevtutil qe /f:xml` or Event Viewer's "Save as XML": `<Event>` elements.
    EventXml,
    /// PowerShell `Get-EventLog` / `Get-WinEvent` piped to `ConvertTo-Json`.
    EventJson,
    /// PowerShell `Get-EventLog` / `Get-WinEvent` console table (`Format-Table`).
    EventTable,
    /// Event Viewer's "Save as" comma-separated (.csv) or tab-delimited (.txt) text.
    EventCsv,
    /// An archive that could not be opened.
    Archive,
    /// Anything else (skipped, with a reason).
    Unknown,
    /// Text in no known format, read line by line for failure codes and failure words (the
    /// last-resort reader; its evidence is weak).
    Text,
    /// Events copied out of Event Viewer ("Copy details as text").
    EventViewerText,
    /// Events listed by PowerShell (`Get-WinEvent | Format-List`, `Get-EventLog | Format-List`).
    EventList,
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
            Kind::CmTrace => "cmtrace",
            Kind::ReportingEvents => "reportingevents",
            Kind::EventXml => "event-xml",
            Kind::EventJson => "event-json",
            Kind::EventTable => "event-table",
            Kind::EventCsv => "event-csv",
            Kind::Archive => "archive",
            Kind::Unknown => "unknown",
            Kind::Text => "text",
            Kind::EventViewerText => "event-viewer-text",
            Kind::EventList => "event-list",
        }
    }

    /// Whether this is an event log, as .evtx or as one of its exports.
    pub fn is_event_log(self) -> bool {
        matches!(
            self,
            Kind::Evtx
                | Kind::EventExport
                | Kind::EventXml
                | Kind::EventJson
                | Kind::EventTable
                | Kind::EventCsv
        )
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
    /// Its lines were changed on the way (copy prefixes, spacing, redacted times): it is read
    /// by the lenient reader of fragments.
    pub(crate) lenient: bool,
    /// Documentation (Markdown, HTML) in no log format: read by the last-resort reader only
    /// when a bundle has nothing else to read.
    pub(crate) doc: bool,
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
        return Sniffed { kind: Kind::Evtx, ..skipped(Encoding::Binary, "") };
    }
    if setup_sniff::is_dump(bytes) {
        let note = setup_sniff::note(Kind::MemoryDump, &lower);
        return Sniffed { kind: Kind::MemoryDump, note, ..skipped(Encoding::Binary, "") };
    }
    if shapes::is_etl(bytes) {
        return Sniffed { kind: Kind::Etl, ..skipped(Encoding::Binary, "") };
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
    // Formats their head tells apart come first: a CMTrace line or an export's row could
    // otherwise pass for a pasted fragment of another log.
    let kind = decisive(&text).map(|k| (k, false)).or_else(|| classify_text(&text, &lower));
    if let Some((kind, lenient)) = kind {
        return Sniffed {
            kind,
            encoding,
            note: setup_sniff::note(kind, &lower),
            lenient,
            doc: false,
        };
    }
    let what = if text.contains("<![LOG[") {
        "CMTrace (Configuration Manager) log".to_string()
    } else if let Some(why) = setup_sniff::not_setup(&lower) {
        why.to_string()
    } else if let Some(k) = name_hint(&lower) {
        format!("named like a {} log, but no line has its layout", k.as_str())
    } else {
        "text of an unrecognised format".to_string()
    };
    // Notes beside the logs, and a log known not to be about updates (the device
    // installers' setupact.log), are read only when the bundle holds nothing else.
    if is_doc(&lower) || setup_sniff::not_setup(&lower).is_some() {
        return Sniffed { doc: true, ..skipped(encoding, &what) };
    }
    // A damaged archive or a program is not text that was meant to be read.
    if ["zip", "cab", "7z", "rar", "gz", "tgz", "tar", "msu", "exe", "dll"]
        .iter()
        .any(|e| has_ext(&lower, e))
    {
        return skipped(encoding, &what);
    }
    // Without a digit there is no failure code, and nothing for the last-resort reader.
    if !bytes.iter().any(u8::is_ascii_digit) {
        return skipped(encoding, &what);
    }
    Sniffed {
        kind: Kind::Text,
        note: Some(format!("{what}: {LAST_RESORT}")),
        ..skipped(encoding, "")
    }
}

/// Formats that their head alone tells apart, whatever the name: `ConfigMgr`'s `CMTrace`
/// records, ReportingEvents.log's lines, and the event exports other than `wevtutil` text.
fn decisive(head: &str) -> Option<Kind> {
    if crate::parse::cmtrace::looks_like(head) {
        Some(Kind::CmTrace)
    } else if crate::parse::text::reporting::looks_like(head) {
        Some(Kind::ReportingEvents)
    } else {
        crate::parse::export::kind_of(head)
    }
}

/// How the last-resort reader reads a file, for its note.
pub(crate) const LAST_RESORT: &str =
    "read line by line for failure codes and failure words (last resort; weak evidence)";

/// Markdown and HTML: notes beside the logs, whose quoted codes are not failures.
fn is_doc(lower: &str) -> bool {
    ["md", "markdown", "htm", "html", "rst"].iter().any(|e| has_ext(lower, e))
}

fn skipped(encoding: Encoding, reason: &str) -> Sniffed {
    Sniffed {
        kind: Kind::Unknown,
        encoding,
        note: (!reason.is_empty()).then(|| reason.to_string()),
        lenient: false,
        doc: false,
    }
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

/// The kind of a text log from its first lines, and whether its lines were changed on the
/// way (then it is read leniently).
fn classify_text(text: &str, lower: &str) -> Option<(Kind, bool)> {
    match classify_strict(text, lower) {
        Some(kind) => Some((kind, LENIENT_KINDS.contains(&kind) && needs_lenient(text, kind))),
        // Windows Setup's own files before the lenient readers, which would take their
        // timestamped lines for pasted CBS ones.
        None => setup_sniff::text_kind(text, lower)
            .map(|k| (k, false))
            .or_else(|| classify_lenient(text, lower).map(|k| (k, true))),
    }
}

/// The line grammars whose pasted forms the fragment reader knows.
const LENIENT_KINDS: [Kind; 5] =
    [Kind::Cbs, Kind::Dism, Kind::WindowsUpdate, Kind::WindowsUpdateLegacy, Kind::EventExport];

fn classify_strict(text: &str, lower: &str) -> Option<Kind> {
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
            let column = b.get(43..50).map(<[u8]>::trim_ascii);
            // Padding collapsed on the way to a ticket: the component is found by its token.
            let known = |c: &&[u8]| {
                matches!(*c, b"DISM" | b"CBS" | b"CSI" | b"DPX" | b"DEPLOY" | b"SXS")
                    || setup_sniff::is_setup_component(c)
            };
            let component = column.filter(known).or_else(|| {
                loose::cbs_header(line.trim_start_matches('\u{FEFF}'))
                    .map(|h| h.component.as_bytes())
            });
            match component {
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
    let components = (dism_component, cbs_component, setup_component);
    pick([cbs_family, wu, wu_legacy, export], components, first_match, lower)
}

/// The kind with the most matching lines, when a log starts with records (after at most a
/// short header, as in filtered SFC extracts): a document that merely quotes log lines does
/// not.
fn pick(
    [cbs_family, wu, wu_legacy, export]: [u32; 4],
    (dism_component, cbs_component, setup_component): (u32, u32, u32),
    first_match: Option<usize>,
    lower: &str,
) -> Option<Kind> {
    let best = [cbs_family, wu, wu_legacy, export].into_iter().max().unwrap_or(0);
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

/// Whether a log the strict shapes recognise also holds, in its first lines, records whose
/// layout was changed on the way (a copy prefix, a redacted time, TABs for spaces): then
/// it is read leniently as a whole. Lines of the strict shape are not looked at again (a
/// CBS header whose padding collapsed is repaired by the strict grammar itself).
fn needs_lenient(text: &str, kind: Kind) -> bool {
    text.lines().take(HEAD_LINES).any(|line| {
        let line = line.trim_start_matches('\u{FEFF}');
        let b = line.as_bytes();
        if shapes::is_cbs_record(b)
            || shapes::is_wu_record(b)
            || shapes::is_wu_legacy_record(b)
            || shapes::is_export_block(b)
        {
            // Non-breaking spaces in the columns: the fixed grammars split on ASCII spaces.
            return has_nbsp(b.get(..b.len().min(HEADER_BYTES)).unwrap_or_default());
        }
        let (head, _) = lenient::strip_record(line);
        match kind {
            Kind::EventExport => shapes::is_export_block(head.as_bytes()),
            _ => loose::cbs_header(head).is_some() || loose::wu_header(head).is_some(),
        }
    })
}

/// Bytes of a record's header (date, time, level, ids, component) where a non-breaking
/// space means the line was pasted, not written so.
const HEADER_BYTES: usize = 96;

fn has_nbsp(b: &[u8]) -> bool {
    b.windows(2).any(|w| w == [0xC2, 0xA0])
}

/// Events copied out of Event Viewer or listed by PowerShell: one of their key lines among
/// the first lines, and more of them than record headers of any log grammar.
fn classify_events(text: &str) -> Option<Kind> {
    let (mut viewer, mut list, mut first) = (0u32, 0u32, None);
    for (n, line) in text.lines().take(HEAD_LINES).enumerate() {
        let (body, _) = lenient::strip_copy(line.trim_start_matches('\u{FEFF}'));
        // A `wevtutil` export has `Log Name:` lines too, under its `Event[N]:` ones.
        if shapes::is_export_block(lenient::trim_start(body).as_bytes()) {
            return None;
        }
        if loose::is_viewer_block(body) {
            viewer += 1;
        } else if loose::is_event_list_line(body) {
            list += 1;
        } else {
            continue;
        }
        first.get_or_insert(n);
    }
    if first.is_none_or(|n| n >= MAX_HEADER_LINES) {
        return None;
    }
    Some(if viewer >= list { Kind::EventViewerText } else { Kind::EventList })
}

/// The kind of a log whose lines were changed on the way, from their tokens.
fn classify_lenient(text: &str, lower: &str) -> Option<Kind> {
    if let Some(kind) = classify_events(text) {
        return Some(kind);
    }
    let (mut cbs_family, mut dism_component, mut cbs_component) = (0u32, 0u32, 0u32);
    let (mut wu, mut wu_legacy, mut export) = (0u32, 0u32, 0u32);
    let mut first_match = None;
    for (n, line) in text.lines().take(HEAD_LINES).enumerate() {
        let (head, _) = lenient::strip_record(line.trim_start_matches('\u{FEFF}'));
        let found = if shapes::is_export_block(head.as_bytes()) {
            export += 1;
            true
        } else if let Some(h) = loose::cbs_header(head) {
            cbs_family += 1;
            match h.component {
                "DISM" => dism_component += 1,
                "" => {}
                _ => cbs_component += 1,
            }
            true
        } else if loose::wu_header(head).is_some() {
            // The legacy layout writes milliseconds after a third colon.
            let legacy = lenient::Tokens::new(head)
                .nth(1)
                .is_some_and(|(_, t)| t.bytes().filter(|&c| c == b':').count() == 3);
            if legacy {
                wu_legacy += 1;
            } else {
                wu += 1;
            }
            true
        } else {
            false
        };
        if found && first_match.is_none() {
            first_match = Some(n);
        }
    }
    pick(
        [cbs_family, wu, wu_legacy, export],
        (dism_component, cbs_component, 0),
        first_match,
        lower,
    )
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
        let notes = sniff("notes.txt", b"update failed with 0x80070005\n");
        assert_eq!(notes.kind, Kind::Text, "text nobody recognises gets the last-resort reader");
        assert!(notes.note.unwrap().contains("unrecognised"));
        // No digit, no code: nothing for it to read.
        assert_eq!(sniff("notes.txt", b"hello\n").kind, Kind::Unknown);
        let mut doc = "# notes\n".repeat(30);
        doc.push_str("2023-05-23 10:02:36, Info                  CBS    quoted line\n");
        let doc = sniff("FORMATS.md", doc.as_bytes());
        assert_eq!((doc.kind, doc.doc), (Kind::Unknown, true));
    }

    #[test]
    fn pasted_logs_are_recognised_and_read_leniently() {
        let cases: [(&str, Kind); 8] = [
            (
                "> 2024-03-01 10:00:00, Info CBS Exec: x\n> 2024-03-01 10:00:01, Error CBS y\n",
                Kind::Cbs,
            ),
            ("\tLine 120: <date> <time>, Error DISM DISM Package Manager: x\n", Kind::Dism),
            ("2016-10-19 11:23:58:516 1532 1f40 Handler FATAL: x\n", Kind::WindowsUpdateLegacy),
            (
                "WindowsUpdate.log:3:2023/05/22 08:22:20.0686513 2288 2488 Handler x\n",
                Kind::WindowsUpdate,
            ),
            ("Hi,\nmy log:\n- 2024-03-01 10:00:00 Info CSI 00000001 x\n", Kind::Cbs),
            ("> Event[0]:\n>   Log Name: System\n", Kind::EventExport),
            (
                "Log Name:      System\nSource:        Microsoft-Windows-WindowsUpdateClient\n",
                Kind::EventViewerText,
            ),
            ("\nTimeCreated  : 5/22/2023 8:22:20 AM\nProviderName : X\n", Kind::EventList),
        ];
        for (text, kind) in cases {
            let s = sniff("ticket.txt", text.as_bytes());
            assert_eq!((s.kind, s.lenient), (kind, true), "{text:?}");
        }
        // A well-formed log with one pasted line in its head is read leniently as a whole;
        // one with collapsed padding only is not (the strict grammar repairs that).
        let mixed = "2023-05-23 10:02:36, Info                  CBS    TI: start\n<date> <time>, Info CBS x\n";
        assert!(sniff("CBS.log", mixed.as_bytes()).lenient);
        let collapsed = "2023-05-23 10:02:36, Info CBS TI: start\n";
        assert_eq!(
            (
                sniff("CBS.log", collapsed.as_bytes()).kind,
                sniff("CBS.log", collapsed.as_bytes()).lenient
            ),
            (Kind::Cbs, false)
        );
        let clean = b"2023-05-23 10:02:36, Info                  CBS    TI: start\r\n";
        assert!(!sniff("CBS.log", clean).lenient);
    }
}
