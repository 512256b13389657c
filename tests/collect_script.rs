//! `scripts/Collect-WutriageBundle.ps1` collects only what wutriage reads: every file its
//! source list names (and every event log it exports, and the decoded WindowsUpdate.log),
//! written here with a short sample of the kind the script declares and put where the
//! script puts it, is recognised by `wutriage inventory` as that kind.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;

use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

/// Kinds whose reader lands in another branch: until it does, this build skips such a file
/// or takes it for another kind (setupact.log for a CBS log), and the test says so instead of
/// failing. Once the reader is here, the file is recognised as the declared kind like every
/// other.
const AWAITING_READERS: &[&str] = &["reporting-events", "cmtrace"];

/// A few lines of each kind, in its grammar (written for this test).
fn sample(kind: &str) -> Vec<u8> {
    let text: &str = match kind {
        "cbs" => {
            "2024-02-14 03:00:05, Info                  CBS    TI: --- Initializing Trusted Installer ---\r\n\
                  2024-02-14 03:00:06, Info                  CBS    Starting TrustedInstaller initialization.\r\n"
        }
        "dism" => {
            "2024-02-14 03:00:05, Info                  DISM   DISM.EXE: <----- Starting Dism.exe session ----->\r\n\
                   2024-02-14 03:00:06, Info                  DISM   DISM.EXE: Host machine information: OS Version=10.0.22631\r\n"
        }
        "windowsupdate" => {
            "2024/02/14 03:00:05.1234567 1234  5678  Agent           * START * Finding updates\r\n\
                            2024/02/14 03:00:06.1234567 1234  5678  Agent           Found 0 updates\r\n"
        }
        "windowsupdate-legacy" => {
            "2014-02-14\t03:00:05:123\t 576\ta70\tMisc\t===========  Logging initialized  ===========\r\n\
                                   2014-02-14\t03:00:06:123\t 576\ta70\tAgent\t*************\r\n"
        }
        "reporting-events" => {
            "{7A5A3E6A-51B1-4C43-9A8E-1A2B3C4D5E6F}\t2024-02-14 03:00:05:123+0100\t1\t161\t101\t{00000000-0000-0000-0000-000000000000}\t0\t80240438\tUpdateOrchestrator\tFailure\tSoftware Synchronization\tWindows Update Client failed to detect with error 0x80240438.\r\n"
        }
        "setup" => {
            "2024-02-14 03:00:05, Info                  MOUPG  SetupHost::Initialize: CmdLine = [/Install /Media]\r\n\
                    2024-02-14 03:00:06, Error                 MOUPG  CSetupManager::Execute: Failed [0xC1900101]\r\n"
        }
        "compat-report" => {
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<CompatReport xmlns=\"http://www.microsoft.com/ApplicationExperience/UpgradeAdvisor/01012009\">\r\n<System><SystemInfo OSMajorVersion=\"10\"/></System>\r\n</CompatReport>\r\n"
        }
        "setup-errors-xml" => {
            "<xml xmlns:s=\"uuid:BDC6E3F0-6DA3-11d1-A2A3-00AA00C14882\" xmlns:rs=\"urn:schemas-microsoft-com:rowset\" xmlns:z=\"#RowsetSchema\">\n<rs:data>\n<z:row Message=\"Operation failed: 0x80070002\"/>\n</rs:data>\n</xml>\n"
        }
        "setupapi" => {
            "[Device Install Log]\r\n     OS Version = 10.0.22631\r\n\r\n>>>  [Device Install (Hardware initiated) - PCI\\VEN_8086]\r\n>>>  Section start 2024/02/14 03:00:05.123\r\n<<<  Section end 2024/02/14 03:00:06.456\r\n<<<  [Exit status: SUCCESS]\r\n"
        }
        "cmtrace" => {
            "<![LOG[Scan failed with error = 0x80240438.]LOG]!><time=\"03:00:05.123-60\" date=\"02-14-2024\" component=\"WUAHandler\" context=\"\" type=\"3\" thread=\"4242\" file=\"cwuahandler.cpp:3589\">\r\n"
        }
        // A trace is binary: the fixture's own (see below).
        "etl" => "",
        other => panic!("no sample for kind {other}"),
    };
    text.as_bytes().to_vec()
}

#[test]
fn every_file_the_script_collects_is_one_wutriage_reads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = fs::read_to_string(root.join("scripts/Collect-WutriageBundle.ps1")).unwrap();
    let entry = Regex::new(
        r"@\{\s*Kind\s*=\s*'([^']+)';\s*Dir\s*=\s*'([^']+)';\s*Files\s*=\s*((?:'[^']+'\s*,?\s*)+);\s*Into\s*=\s*'([^']+)'\s*\}",
    )
    .unwrap();
    let quoted = Regex::new(r"'([^']+)'").unwrap();
    let bundle = tempfile::tempdir().unwrap();
    // Bundle path → the kind the script declares for it.
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    for c in entry.captures_iter(&script) {
        let kind = &c[1];
        for f in quoted.captures_iter(&c[3]) {
            let name = f[1].replace('*', "20240214");
            let rel = format!("{}/{name}", c[4].replace('\\', "/"));
            let path = bundle.path().join(&rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            if Path::new(&name).extension().is_some_and(|e| e.eq_ignore_ascii_case("cab")) {
                continue; // a cabinet is opened, not sniffed; its CbsPersist logs are the cbs kind
            }
            let bytes = if kind == "etl" {
                fs::read(common::fixture(
                    "bundles/windows11-etl/Logs/WindowsUpdate/WindowsUpdate.20250426.052044.386.1.etl",
                ))
                .unwrap()
            } else {
                sample(kind)
            };
            fs::write(&path, bytes).unwrap();
            want.insert(rel, kind.to_string());
        }
    }
    assert!(want.len() >= 20, "the source list was not found in the script: {want:?}");
    for k in ["cbs", "dism", "etl", "setup", "setupapi", "cmtrace", "reporting-events"] {
        assert!(want.values().any(|v| v == k), "the script collects no {k} log");
    }

    // The event logs, exported under their channel's name, are .evtx files.
    let channels = Regex::new(r"\$Channels\s*=\s*@\(([^)]*)\)").unwrap();
    let list = &channels.captures(&script).expect("$Channels")[1];
    let evtx =
        fs::read(common::fixture("bundles/storage-0x80070306/EventLogs/System.evtx")).unwrap();
    let mut n = 0;
    for ch in quoted.captures_iter(list) {
        let rel = format!("EventLogs/{}.evtx", ch[1].replace('/', "%4"));
        fs::create_dir_all(bundle.path().join("EventLogs")).unwrap();
        fs::write(bundle.path().join(&rel), &evtx).unwrap();
        want.insert(rel, "evtx".into());
        n += 1;
    }
    assert_eq!(n, 4, "System, Setup, Application and WindowsUpdateClient/Operational");
    assert!(script.contains("wevtutil.exe epl $channel"));

    // Get-WindowsUpdateLog's output.
    assert!(script.contains(r"Join-Path $stage 'Logs\WindowsUpdate.log'"));
    fs::write(bundle.path().join("Logs/WindowsUpdate.log"), sample("windowsupdate")).unwrap();
    want.insert("Logs/WindowsUpdate.log".into(), "windowsupdate".into());

    let o = Command::new(env!("CARGO_BIN_EXE_wutriage"))
        .args(["inventory", "--format", "json"])
        .arg(bundle.path())
        .output()
        .unwrap();
    let inv: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    let got: BTreeMap<String, String> = inv["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["kind"].as_str().unwrap().to_string()))
        .collect();
    for (path, kind) in &want {
        let seen = got.get(path).unwrap_or_else(|| panic!("{path} not listed: {got:?}"));
        if seen == kind {
            continue;
        }
        assert!(
            AWAITING_READERS.contains(&kind.as_str()),
            "{path}: the script collects it as {kind}, wutriage reads it as {seen}"
        );
        eprintln!("note: {path}: no {kind} reader in this build yet (read as {seen})");
    }
}
