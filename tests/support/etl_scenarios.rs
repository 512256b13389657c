//! Scenario bundles of modern machines, whose Windows Update log is a set of ETW traces
//! (written by `etl_writer.rs`) beside the text logs (written by `scenarios.rs`). Used by
//! `examples/make-fixtures.rs`, which writes them to fixtures/ with the other scenarios.
#![allow(dead_code, unreachable_pub, clippy::pedantic)]

use super::etl_writer::{Trace, Zone, waasmedic, wu};
use super::scenarios::{Civil, Log, at, micros};

/// One bundle to write: its name, README and files.
pub struct EtlScenario {
    pub name: &'static str,
    pub readme: &'static str,
    pub files: Vec<(String, Vec<u8>)>,
}

pub fn all() -> Vec<EtlScenario> {
    vec![windows11_etl()]
}

/// Local time `t` at `offset_min` east of UTC, as microseconds of UTC.
fn utc_micros(t: Civil, offset_min: i64) -> i64 {
    micros(t) - offset_min * 60_000_000
}

/// A Windows 11 24H2 laptop in US Pacific time (UTC-7 in April) whose cumulative update
/// cannot be downloaded through its proxy: the text logs are quiet, and the failure is only
/// in the Windows Update and WaaSMedic traces, as on the machine behind the eyeofparadox
/// logs of the corpus (SOURCES.md).
fn windows11_etl() -> EtlScenario {
    let off = -420;
    let t: Civil = (2025, 4, 26, 5, 20, 44);
    let title =
        "2025-04 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5055523)";

    // CBS and DISM: a servicing session an hour before that went well, and a health scan.
    let mut cbs = Log::new(true);
    let s = at(t, -3600);
    cbs.cbs(s, "Info", "CBS", "TI: --- Initializing Trusted Installer ---")
        .cbs(at(s, 1), "Info", "CBS", "Session: 31176634_1902345677 initialized by client UpdateAgentLCU, external staging directory: (null), external registry directory: (null)")
        .cbs(at(s, 2), "Info", "CBS", "Loaded Servicing Stack v10.0.26100.3764 with Core: C:\\WINDOWS\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.3764_none_4a0b6e1b2c3d4e5f\\cbscore.dll")
        .cbs(at(s, 40), "Info", "CBS", "Exec: Processing complete.  Session: 31176634_1902345677, Package: Package_for_ServicingStack_3764~31bf3856ad364e35~amd64~~26100.3764.1.1 [HRESULT = 0x00000000 - S_OK]")
        .cbs(at(s, 41), "Info", "CBS", "Session: 31176634_1902345677 finalized. Reboot required: no [HRESULT = 0x00000000 - S_OK]");
    let mut dism = Log::new(false);
    let d = at(t, -1800);
    dism.cbs(d, "Info", "DISM", "DISM.EXE: <----- Starting Dism.exe session ----->")
        .cbs(at(d, 1), "Info", "DISM", "DISM.EXE: Host machine information: OS Version=10.0.26100, Running architecture=amd64, Number of processors=16")
        .cbs(at(d, 90), "Info", "DISM", "DISM Package Manager: PID=9120 TID=9124 The component store is repairable. - CDISMPackageManager::Internal_Finalize")
        .cbs(at(d, 95), "Info", "DISM", "DISM.EXE: <----- Ending Dism.exe session ----->");

    // The Windows Update client's trace: the service starts, finds the update, and its
    // download fails at the proxy three times.
    let t0 = utc_micros(t, off);
    let mut trace = Trace::windows_update(t0, Zone::us_pacific());
    let ms = |n: i64| t0 + n * 1000;
    let mut e = vec![
        wu(ms(6), 4, "Shared", "* START * Service startup"),
        wu(
            ms(40),
            4,
            "Misc",
            "Load undocked module: UusId:wu.proxystubs.wups|hr:0x0|ModuleVer:1308.2408.1052.0|LoadProps:3|Path:C:\\WINDOWS\\uus\\AMD64\\wupscore.dll",
        ),
        wu(ms(600), 4, "ComApi", "* START * Search ClientId = UpdateOrchestrator"),
        wu(
            ms(2_100),
            4,
            "Agent",
            "Found 1 updates and 0 categories in search; evaluated appl. rules of 1842 out of 3190 deployed entities",
        ),
        wu(ms(2_200), 4, "Agent", &format!("  Title = {title}")),
        wu(ms(2_300), 4, "ComApi", "* START * Download ClientId = UpdateOrchestrator"),
    ];
    for k in 0..3 {
        let a = 3_000 + k * 300_000;
        e.extend([
            wu(ms(a), 3, "Misc", "*FAILED* [800703F0] Failed to get proxy settings token, not impersonating user"),
            wu(ms(a + 40), 3, "Misc", "*FAILED* [8024402C] WinHttp: SendRequestUsingProxy failed for <https://fe3cr.delivery.mp.microsoft.com/>"),
            wu(ms(a + 60), 2, "Agent", "*FAILED* [8024402C] wuauengcore.dll, C:\\__w\\1\\s\\src\\Client\\lib\\DownloadFile\\DownloadSession.cpp @853"),
            wu(ms(a + 80), 4, "DownloadManager", "Download call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)"),
            wu(ms(a + 90), 3, "ComApi", "Exit code = 0x00000000, Result code = 0x8024402C"),
        ]);
    }
    trace.events = e;

    // WaaSMedic checks the client meanwhile and cannot reach its settings either.
    let m0 = t0 + 18_000_000;
    let mut medic = Trace::waasmedic(m0, Zone::us_pacific());
    medic.events = vec![
        waasmedic(m0 + 8_000, 4, "** Service starting **"),
        waasmedic(m0 + 9_000, 4, "WaaSMedic service is now running."),
        waasmedic(m0 + 400_000, 2, "WaaSCurrencyDetector: stage 1 failed with hr = 0x8024402c."),
        waasmedic(
            m0 + 410_000,
            2,
            "[0x8024402c] onecore\\enduser\\waasmedic\\lib\\providers\\onesettingsprovider.cpp (112)",
        ),
    ];

    EtlScenario {
        name: "windows11-etl",
        readme: include_str!("scenario-readmes/windows11-etl.md"),
        files: vec![
            ("Logs/CBS/CBS.log".into(), cbs.bytes()),
            ("Logs/DISM/dism.log".into(), dism.bytes()),
            ("Logs/WindowsUpdate/WindowsUpdate.20250426.052044.386.1.etl".into(), trace.bytes()),
            ("Logs/waasmedic/waasmedic.20250426_122102_987.etl".into(), medic.bytes()),
        ],
    }
}
