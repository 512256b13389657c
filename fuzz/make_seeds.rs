//! Writes starting corpora for every fuzz target from the project's own fixtures (and a few
//! lines of our own for the grammars no fixture uses): `cargo run --bin make-seeds` from
//! `fuzz/`. Output goes to `fuzz/corpus/<target>/`, which git ignores.

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

const LEGACY_WU: &str = "2024-02-14\t02:00:01:123\t 1000\t1a2c\tMisc\t===========  Logging initialized (build: 7.6.7601.24436, tz: -0800)  ===========\r\n\
2024-02-14\t02:00:05:456\t 1000\t1a2c\tAgent\tWARNING: Install failed, error = 0x80070306 / 0x00000000\r\n\
2024-02-14\t02:00:06:000\t 1000\t1a2c\tHandler\tFATAL: CBS called Error with 0x800f0922,\r\n";

const EXPORT: &str = "Event[0]:\r\n  Log Name: System\r\n  Source: Microsoft-Windows-WindowsUpdateClient\r\n  Date: 2024-02-14T02:01:44.1230000Z\r\n  Event ID: 20\r\n  Task: N/A\r\n  Level: Error\r\n  Opcode: N/A\r\n  Keyword: N/A\r\n  User: S-1-5-18\r\n  User Name: NT AUTHORITY\\SYSTEM\r\n  Computer: PC1\r\n  Description: \r\nInstallation Failure: Windows failed to install the following update with error 0x80070306: KB5034765.\r\n\r\nEvent[1]:\r\n  Log Name: System\r\n  Source: disk\r\n  Date: 2024-02-14T02:01:41.0000000Z\r\n  Event ID: 7\r\n  Level: Error\r\n  Computer: PC1\r\n  Description: \r\nThe device, \\Device\\Harddisk0\\DR0, has a bad block.\r\n";

const CMTRACE: &str = "<![LOG[Update (Site_1/SUM_7f) Name (2024-02 Cumulative Update (KB5034763)) ArticleID (5034763) added to the targeted list of deployment ({A})]LOG]!><time=\"01:59:58.000+300\" date=\"03-10-2024\" component=\"UpdatesDeploymentAgent\" context=\"\" type=\"1\" thread=\"1\" file=\"x.cpp:1\">\r\n\
<![LOG[Update (Site_1/SUM_7f) Progress: Status = ciStateError, PercentComplete = 0, DownloadSize = 0, Result = 0x80070070\r\nsecond line]LOG]!><time=\"03:00:01.000+240\" date=\"03-10-2024\" component=\"UpdatesDeploymentAgent\" context=\"\" type=\"3\" thread=\"1\" file=\"x.cpp:2\">\r\n\
Scan failed with error = 0x8024402c.]LOG]!><time=\"03:00:02.000+240\" date=\"03-10-2024\" component=\"WUAHandler\" context=\"\" type=\"3\" thread=\"2\" file=\"y.cpp:3\">\r\n";

const REPORTING: &str = "{11111111-2222-3333-4444-555555555555}\t2024-02-14 08:00:47:511-0500\t1\t148 [AGENT_DETECTION_FAILED]\t101\t{00000000-0000-0000-0000-000000000000}\t0\t8024402c\tCcmExec\tFailure\tSoftware Synchronization\tWindows Update Client failed to detect with error 0x8024402c.\tabc.1.0\r\n\
{11111111-2222-3333-4444-555555555556}\t2024-02-14 10:14:01:950+0130\t1\t182 [AGENT_INSTALLING_FAILED]\t101\t{9B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9}\t1\t80070070\tCcmExec\tFailure\tContent Install\tInstallation Failure: Windows failed to install the following update with error 0x80070070: 2024-02 Cumulative Update (KB5034763).\tdef.1.0\r\n";

const EXPORT_XML: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-WindowsUpdateClient'/><EventID>20</EventID><Level>2</Level><TimeCreated SystemTime='2024-02-14T02:01:44.1230000Z'/><EventRecordID>7</EventRecordID><Channel>System</Channel><Computer>PC1</Computer></System><EventData><Data Name='errorCode'>0x80070306</Data><Data Name='updateTitle'>KB5034765</Data><Data/></EventData></Event>\r\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='disk'/><EventID Qualifiers='49156'>7</EventID><Level>2</Level><TimeCreated SystemTime='2024-02-14T02:01:41.0000000Z'/><Channel>System</Channel><Computer>PC1</Computer></System><EventData><Data>\\Device\\Harddisk0\\DR0</Data></EventData></Event>";

const EXPORT_JSON: &str = "[\r\n    {\r\n        \"TimeGenerated\":  \"\\/Date(1707876104000)\\/\",\r\n        \"EntryType\":  1,\r\n        \"Source\":  \"Microsoft-Windows-WindowsUpdateClient\",\r\n        \"EventID\":  20,\r\n        \"Message\":  \"Installation Failure: Windows failed to install the following update with error 0x80070306: KB5034765.\"\r\n    }\r\n]\r\n";

const EXPORT_TABLE: &str = "\r\n   Index Time          EntryType   Source                 InstanceID Message\r\n   ----- ----          ---------   ------                 ---------- -------\r\n     812 Feb 14 02:01  Error       Microsoft-Windows...           20 Installation Failure: Windows failed to install the following update with error 0x80070306: KB5...\r\n     811 Feb 14 02:01  Error       disk                   3221487623 The device, \\Device\\Harddisk0\\DR0, has a bad block.\r\n";

const EXPORT_CSV: &str = "Level,Date and Time,Source,Event ID,Task Category\r\nError,2/14/2024 2:01:44 AM,Microsoft-Windows-WindowsUpdateClient,20,Windows Update Agent,\"Installation Failure: Windows failed to install the following update with error 0x80070306: KB5034765.\"\r\nError,2/14/2024 2:01:41 AM,disk,7,None,\"The device, \\Device\\Harddisk0\\DR0, has a bad block.\r\nSecond line.\"\r\n";
/// Text as it reaches a ticket: collapsed columns, copy prefixes, redacted times, wrapped
/// lines, Event Viewer and Format-List copies.
const FRAGMENTS: &[&str] = &[
    "2024-03-01 10:00:00, Info CBS Exec: Processing complete [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]\n> CBS.log:12:<date> <time>, Error CSI 0000004b (F) Installer: x ErrorCode: 0x80070005\n  wrapped 0x80070005\n",
    "\tLine 7: 2016-10-19 11:23:58:516 1532 1f40 Handler FATAL: 0x80070057\n- 2016-10-19 11:23:59:000 1532 1f40 AU Exit code = 0x8024402C\n\n",
    "Log Name: System\nSource: Microsoft-Windows-WindowsUpdateClient\nDate: 5/22/2023 8:22:20 AM\nEvent ID: 20\nLevel: Error\nDescription:\nInstallation Failure: Windows failed to install the following update with error 0x80240009: KB5034765.\nEvent Xml:\n<TimeCreated SystemTime=\"2023-05-22T14:22:20Z\" />\n",
    "TimeCreated  : 22/05/2023 14:22:20\nProviderName : Microsoft-Windows-WindowsUpdateClient\nId           : 20\nMessage      : Installation Failure: error 0x80240009\n               KB5034765\n",
    "The update could not be installed, error 0x800f081f. Checking for updates failed 0x8024402c\n",
];

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("../fixtures/bundles");
    let out = root.join("corpus");
    let mut files = Vec::new();
    walk(&fixtures, &mut files);
    files.sort();
    let mut n = 0;
    let mut put = |target: &str, name: &str, bytes: &[u8]| {
        let dir = out.join(target);
        fs::create_dir_all(&dir).expect("create corpus folder");
        fs::write(dir.join(name), bytes).expect("write seed");
        n += 1;
    };
    for f in &files {
        let rel = f.strip_prefix(&fixtures).unwrap_or(f).to_string_lossy().replace('/', "_");
        let bytes = fs::read(f).expect("read fixture");
        let lower = rel.to_ascii_lowercase();
        if lower.ends_with("readme.md") {
            continue;
        }
        put("sniff", &rel, &bytes);
        if lower.ends_with(".evtx") {
            put("evtx", &rel, &bytes);
            continue;
        }
        if lower.ends_with(".etl") {
            put("etl", &rel, &bytes);
            continue;
        }
        put("extract", &rel, &bytes);
        if lower.contains("cbs") || lower.contains("dism") {
            put("cbs", &rel, &bytes);
        }
        if lower.contains("windowsupdate") {
            put("windowsupdate", &rel, &bytes);
        }
        if bytes.windows(7).any(|w| w == b"]LOG]!>") {
            put("cmtrace", &rel, &bytes);
        }
        if lower.contains("reportingevents") {
            put("reportingevents", &rel, &bytes);
        }
        if lower.ends_with(".log") || lower.ends_with(".txt") {
            put("fragment", &rel, &bytes);
        }
    }
    put("windowsupdate_legacy", "legacy.log", LEGACY_WU.as_bytes());
    put("export", "export.txt", EXPORT.as_bytes());
    put("sniff", "legacy.log", LEGACY_WU.as_bytes());
    put("sniff", "export.txt", EXPORT.as_bytes());
    put("cmtrace", "updates.log", CMTRACE.as_bytes());
    put("reportingevents", "reporting.log", REPORTING.as_bytes());
    let tab = EXPORT_CSV.replace(',', "\t");
    for (name, text) in [
        ("wevtutil.xml", EXPORT_XML),
        ("get-eventlog.json", EXPORT_JSON),
        ("format-table.txt", EXPORT_TABLE),
        ("event-viewer.csv", EXPORT_CSV),
        ("event-viewer.txt", tab.as_str()),
    ] {
        put("exports", name, text.as_bytes());
        put("sniff", name, text.as_bytes());
    }
    for (i, seed) in FRAGMENTS.iter().enumerate() {
        put("fragment", &format!("pasted-{i}.txt"), seed.as_bytes());
        put("sniff", &format!("pasted-{i}.txt"), seed.as_bytes());
    }

    let cbs = files.iter().find(|f| f.ends_with("Logs/CBS/CBS.log")).expect("demo CBS.log");
    let cbs_bytes = fs::read(cbs).expect("read CBS.log");
    put("zip", "demo.zip", &zip_of(&files, &fixtures, "storage-0x80070306"));
    put("zip", "clean.zip", &zip_of(&files, &fixtures, "clean"));
    put("cab", "mszip.cab", &cab_of(&cbs_bytes, cab::CompressionType::MsZip));
    put("cab", "stored.cab", &cab_of(&cbs_bytes, cab::CompressionType::None));
    println!("wrote {n} seeds under {}", out.display());
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("read fixtures").flatten() {
        let p = e.path();
        if p.is_dir() { walk(&p, out) } else { out.push(p) }
    }
}

fn zip_of(files: &[PathBuf], fixtures: &Path, bundle: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for f in files.iter().filter(|f| f.starts_with(fixtures.join(bundle))) {
        let name = f.strip_prefix(fixtures.join(bundle)).expect("inside").to_string_lossy();
        w.start_file(name, opts).expect("zip entry");
        w.write_all(&fs::read(f).expect("read")).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

fn cab_of(bytes: &[u8], compression: cab::CompressionType) -> Vec<u8> {
    let mut builder = cab::CabinetBuilder::new();
    builder.add_folder(compression).add_file("CBS.log");
    let mut writer = builder.build(Cursor::new(Vec::new())).expect("cab build");
    while let Some(mut w) = writer.next_file().expect("cab file") {
        w.write_all(bytes).expect("cab write");
    }
    writer.finish().expect("cab finish").into_inner()
}
