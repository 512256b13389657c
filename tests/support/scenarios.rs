//! Scenario bundles: what each machine went through, as log lines and events we write
//! ourselves. Used by `examples/make-fixtures.rs` (which writes them to fixtures/) and by
//! tests that need a bundle in a temporary folder.
#![allow(dead_code, unreachable_pub, clippy::pedantic, clippy::too_many_arguments)]

use super::evtx_writer::{EventSpec, Payload, write_evtx};

/// A civil time: (year, month, day, hour, minute, second).
pub type Civil = (i64, u32, u32, u32, u32, u32);

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// Microseconds since the Unix epoch of a civil time.
pub fn micros(t: Civil) -> i64 {
    let (y, mo, d, h, mi, s) = t;
    (days_from_civil(y, mo, d) * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s))
        * 1_000_000
}

fn civil(us: i64) -> Civil {
    let secs = us.div_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (sod / 3600) as u32, ((sod % 3600) / 60) as u32, (sod % 60) as u32)
}

/// A text log being written, with a clock in the machine's local time.
pub struct Log {
    lines: Vec<String>,
    bom: bool,
}

impl Log {
    pub fn new(bom: bool) -> Self {
        Log { lines: Vec::new(), bom }
    }

    fn stamp(t: Civil) -> String {
        format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", t.0, t.1, t.2, t.3, t.4, t.5)
    }

    /// A CBS/DISM record: fixed columns, level padded to 22, component to 7.
    pub fn cbs(&mut self, t: Civil, level: &str, component: &str, msg: &str) -> &mut Self {
        self.lines.push(format!("{}, {level:<22}{component:<7}{msg}", Self::stamp(t)));
        self
    }

    /// A CSI record with the UTC stamp after the sequence number (local = UTC + offset).
    pub fn csi(
        &mut self,
        t: Civil,
        offset_min: i64,
        seq: u32,
        level: &str,
        msg: &str,
    ) -> &mut Self {
        let utc = civil(micros(t) - offset_min * 60_000_000);
        let stamp = format!(
            "{}/{}/{}:{:02}:{:02}:{:02}.{:03}",
            utc.0,
            utc.1,
            utc.2,
            utc.3,
            utc.4,
            utc.5,
            (seq * 37) % 1000
        );
        self.lines.push(format!(
            "{}, {level:<22}{:<7}{seq:08x}@{stamp} {msg}",
            Self::stamp(t),
            "CSI"
        ));
        self
    }

    /// A line with no timestamp (continuation or report block).
    pub fn raw(&mut self, text: &str) -> &mut Self {
        self.lines.push(text.to_string());
        self
    }

    /// A Get-WindowsUpdateLog line (7 fractional digits, fixed columns).
    pub fn wu(
        &mut self,
        t: Civil,
        frac: u32,
        pid: u32,
        tid: u32,
        component: &str,
        msg: &str,
    ) -> &mut Self {
        self.lines.push(format!(
            "{:04}/{:02}/{:02} {:02}:{:02}:{:02}.{frac:07} {pid:<5} {tid:<5} {component:<15} {msg}",
            t.0, t.1, t.2, t.3, t.4, t.5
        ));
        self
    }

    /// CRLF-terminated bytes, with a UTF-8 BOM when asked.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = if self.bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
        for l in &self.lines {
            out.extend_from_slice(l.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out
    }
}

/// Moves a civil time by seconds.
pub fn at(t: Civil, secs: i64) -> Civil {
    civil(micros(t) + secs * 1_000_000)
}

pub const WU_GUID: &str = "{945a8954-c147-4acd-923f-40c45405a658}";
pub const SETUP_NS: &str = "http://manifests.microsoft.com/win/2004/08/windows/setup_provider";

/// Builders for the events the scenarios use.
pub struct Events {
    pub computer: String,
    pub list: Vec<EventSpec>,
}

impl Events {
    pub fn new(computer: &str) -> Self {
        Events { computer: computer.to_string(), list: Vec::new() }
    }

    fn push(
        &mut self,
        provider: &str,
        guid: Option<&str>,
        id: u16,
        qualifiers: Option<u16>,
        level: u8,
        utc: Civil,
        channel: &str,
        payload: Payload,
    ) -> &mut Self {
        self.list.push(EventSpec {
            provider: provider.into(),
            provider_guid: guid.map(Into::into),
            event_id: id,
            qualifiers,
            level,
            time_unix_micros: micros(utc),
            channel: channel.into(),
            computer: self.computer.clone(),
            payload,
        });
        self
    }

    fn named(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect()
    }

    /// WindowsUpdateClient 19/20/43/44 (System channel).
    pub fn wu_client(
        &mut self,
        id: u16,
        utc: Civil,
        title: &str,
        error: Option<&str>,
    ) -> &mut Self {
        let mut f = Vec::new();
        if let Some(e) = error {
            f.push(("errorCode", e));
        }
        f.extend([
            ("updateTitle", title),
            ("updateGuid", "{5d2a7b1e-41c4-4c1b-9f0e-2a7c0b9e6d11}"),
            ("updateRevisionNumber", "1"),
        ]);
        let level = if id == 20 || id == 31 { 2 } else { 4 };
        self.push(
            "Microsoft-Windows-WindowsUpdateClient",
            Some(WU_GUID),
            id,
            None,
            level,
            utc,
            "System",
            Payload::EventData(Self::named(&f)),
        )
    }

    /// Servicing events (Setup channel, UserData/CbsPackageChangeState).
    pub fn servicing(
        &mut self,
        id: u16,
        utc: Civil,
        package: &str,
        state: &str,
        error: &str,
    ) -> &mut Self {
        let f = Self::named(&[
            ("PackageIdentifier", package),
            ("IntendedPackageState", state),
            ("IntendedPackageStateTextized", "Installed"),
            ("ErrorCode", error),
            ("Client", "WindowsUpdateAgent"),
        ]);
        self.push(
            "Microsoft-Windows-Servicing",
            Some("{bd12f3b8-fc40-4a61-a307-b7a013a069c1}"),
            id,
            None,
            0,
            utc,
            "Setup",
            Payload::UserData {
                element: "CbsPackageChangeState".into(),
                xmlns: SETUP_NS.into(),
                fields: f,
            },
        )
    }

    /// A classic storage event: unnamed Data plus a Binary blob.
    pub fn classic(
        &mut self,
        provider: &str,
        id: u16,
        level: u8,
        utc: Civil,
        data: &[&str],
    ) -> &mut Self {
        let q = if level <= 2 { 0xC004 } else { 0x8004 };
        self.push(
            provider,
            None,
            id,
            Some(q),
            level,
            utc,
            "System",
            Payload::Classic {
                data: data.iter().map(|s| (*s).to_string()).collect(),
                binary: Some(vec![0x03, 0x00, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00]),
            },
        )
    }

    /// Named EventData with any provider.
    pub fn data(
        &mut self,
        provider: &str,
        id: u16,
        level: u8,
        utc: Civil,
        channel: &str,
        fields: &[(&str, &str)],
    ) -> &mut Self {
        self.push(
            provider,
            None,
            id,
            None,
            level,
            utc,
            channel,
            Payload::EventData(Self::named(fields)),
        )
    }

    pub fn bytes(&self) -> Vec<u8> {
        write_evtx(&self.list)
    }
}

/// One bundle to write.
pub struct Scenario {
    pub name: &'static str,
    pub readme: &'static str,
    pub text: Vec<(&'static str, Log)>,
    pub evtx: Vec<(&'static str, Events)>,
}

impl Scenario {
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> =
            self.text.iter().map(|(p, l)| ((*p).to_string(), l.bytes())).collect();
        v.extend(self.evtx.iter().map(|(p, e)| ((*p).to_string(), e.bytes())));
        v
    }
}

pub fn all() -> Vec<Scenario> {
    vec![storage_0x80070306(), clean()]
}

const KB_FEB: &str =
    "2024-02 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5034765)";
const PKG_FEB: &str = "Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.3155.1.6";

/// Headline: a disk going bad makes the cumulative update fail with the catch-all 0x80070306.
fn storage_0x80070306() -> Scenario {
    let off = 60; // the machine runs at UTC+1
    let day1: Civil = (2024, 2, 14, 3, 0, 5);
    let mut cbs = Log::new(true);
    cbs.cbs(day1, "Info", "CBS", "TI: --- Initializing Trusted Installer ---")
        .cbs(at(day1, 1), "Info", "CBS", "Session: 31090224_1523109442 initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)")
        .csi(at(day1, 2), off, 1, "Info", "WcpInitialize: wcp.dll version 10.0.22621.3155 (WinBuild.160101.0800)")
        .cbs(at(day1, 40), "Info", "CBS", &format!("Exec: Installing package {PKG_FEB}, target state: Installed"))
        .csi(at(day1, 95), off, 0x2a, "Info", "Hashes for file member [l:12]'ntoskrnl.exe' do not match.")
        .raw(" Expected: {l:32 ml:33 b:6c0f3a61e0d2a1b4a8e9c7f6d5b4a39281706f5e4d3c2b1a0998877665544332}.")
        .raw(" Actual: {l:32 b:0000000000000000000000000000000000000000000000000000000000000000}.")
        .csi(at(day1, 96), off, 0x2b, "Error", "(F) onecore\\base\\wcp\\componentstore\\storelayout.cpp(1942): Error STATUS_DEVICE_DATA_ERROR originated in function Windows::COM::CComponentStore::InternalReadFile expression: (null)[gle=0x80070017]")
        .csi(at(day1, 96), off, 0x2c, "Error", "(F) Hydration failed with error HRESULT_FROM_WIN32(ERROR_CRC) . Delta Type: Forward Delta , IntegrityState Valid: true[gle=0x80070017]")
        .cbs(at(day1, 97), "Error", "CBS", &format!("Failed to stage package {PKG_FEB} [HRESULT = 0x80070017 - ERROR_CRC]"))
        .cbs(at(day1, 97), "Info", "CBS", &format!("WER: Generating failure report for package: {PKG_FEB}, status: 0x80070306, failure source: Execute, start state: Staged, target state: Installed, client id: WindowsUpdateAgent"))
        .cbs(at(day1, 98), "Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]")
        .cbs(at(day1, 99), "Info", "CBS", "Session: 31090224_1523109442 finalized. Reboot required: no [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]");
    let day2 = at(day1, 86_400);
    cbs.cbs(day2, "Info", "CBS", "Session: 31090248_884120021 initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)")
        .csi(at(day2, 60), off, 0x19, "Error", "(F) onecore\\base\\wcp\\componentstore\\storelayout.cpp(1942): Error STATUS_DEVICE_DATA_ERROR originated in function Windows::COM::CComponentStore::InternalReadFile expression: (null)[gle=0x80070017]")
        .cbs(at(day2, 61), "Info", "CBS", &format!("WER: Generating failure report for package: {PKG_FEB}, status: 0x80070306, failure source: Execute, start state: Staged, target state: Installed, client id: WindowsUpdateAgent"))
        .cbs(at(day2, 62), "Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]");

    let mut wu = Log::new(false);
    wu.wu(at(day1, -30), 1_234_567, 4120, 5528, "Agent", "* START * Installing updates CallerId = UpdateOrchestrator")
        .wu(at(day1, -29), 2_000_001, 4120, 5528, "Agent", &format!("  Title = {KB_FEB}"))
        .wu(at(day1, -10), 3_210_000, 4120, 5528, "ComApi", "*FAILED* [80248007] ISusInternal:: GetUpdateMetadata3")
        .wu(at(day1, 101), 4_100_000, 4120, 6012, "Handler", "CBS called Error with 0x80070306, ")
        .wu(at(day1, 102), 5_000_000, 4120, 6012, "Agent", "LogHistory called. idUpdate={5D2A7B1E-41C4-4C1B-9F0E-2A7C0B9E6D11}.1, resultMapped=80070306, resultUnMapped=80070306")
        .wu(at(day1, 103), 6_000_000, 4120, 6012, "ComApi", "Install call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)")
        .wu(at(day2, 64), 1_000_000, 3988, 7044, "Agent", "LogHistory called. idUpdate={5D2A7B1E-41C4-4C1B-9F0E-2A7C0B9E6D11}.1, resultMapped=80070306, resultUnMapped=80070306")
        .wu(at(day2, 65), 2_000_000, 3988, 7044, "ComApi", "Install call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)");

    let utc = |t: Civil| at(t, -off * 60);
    let mut sys = Events::new("FINANCE-PC07");
    let dev = "\\Device\\Harddisk0\\DR0";
    sys.classic("disk", 52, 3, at(utc(day1), -6 * 86_400), &[dev])
        .classic(
            "disk",
            153,
            3,
            at(utc(day1), -300),
            &[dev, "0x1c8f2a0", "0", "\\Device\\00000034"],
        )
        .classic(
            "disk",
            153,
            3,
            at(utc(day1), -120),
            &[dev, "0x1c8f2b8", "0", "\\Device\\00000034"],
        )
        .classic("disk", 7, 2, at(utc(day1), 90), &[dev])
        .classic("disk", 7, 2, at(utc(day1), 96), &[dev])
        .classic("storahci", 129, 3, at(utc(day1), 99), &["\\Device\\RaidPort0"])
        .wu_client(43, at(utc(day1), 30), KB_FEB, None)
        .wu_client(20, at(utc(day1), 103), KB_FEB, Some("0x80070306"))
        .classic("disk", 7, 2, at(utc(day2), 58), &[dev])
        .wu_client(20, at(utc(day2), 66), KB_FEB, Some("0x80070306"));
    sys.list.sort_by_key(|e| e.time_unix_micros);
    let mut setup = Events::new("FINANCE-PC07");
    setup.servicing(3, at(utc(day1), 99), "KB5034765", "5112", "0x80070306").servicing(
        3,
        at(utc(day2), 63),
        "KB5034765",
        "5112",
        "0x80070306",
    );

    Scenario {
        name: "storage-0x80070306",
        readme: include_str!("scenario-readmes/storage-0x80070306.md"),
        text: vec![("Logs/CBS/CBS.log", cbs), ("Logs/WindowsUpdate.log", wu)],
        evtx: vec![("EventLogs/System.evtx", sys), ("EventLogs/Setup.evtx", setup)],
    }
}

/// A healthy machine: updates install, noise only.
fn clean() -> Scenario {
    let off = -300; // UTC−5
    let t: Civil = (2024, 3, 12, 22, 14, 2);
    let mut cbs = Log::new(true);
    cbs.cbs(t, "Info", "CBS", "TI: --- Initializing Trusted Installer ---")
        .cbs(at(t, 1), "Info", "CBS", "Session: 31096641_2144417810 initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)")
        .csi(at(t, 2), off, 1, "Info", "WcpInitialize: wcp.dll version 10.0.22621.3296 (WinBuild.160101.0800)")
        .cbs(at(t, 3), "Info", "CBS", "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]")
        .cbs(at(t, 4), "Info", "CBS", "Not able to add pending.xml to Windows Error Report. [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]")
        .cbs(at(t, 60), "Info", "CBS", "Exec: Processing complete.  Session: 31096641_2144417810, Package: Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.3296.1.10 [HRESULT = 0x00000000 - S_OK]")
        .cbs(at(t, 61), "Info", "CBS", "Session: 31096641_2144417810 finalized. Reboot required: no [HRESULT = 0x00000000 - S_OK]");
    let mut wu = Log::new(false);
    wu.wu(at(t, -20), 1_000_000, 3100, 4400, "ComApi", "*FAILED* [80248007] ISusInternal:: GetUpdateMetadata3")
        .wu(at(t, 62), 2_000_000, 3100, 4400, "ComApi", "Install call complete (succeeded = 1, succeeded with errors = 0, failed = 0, cancelled = 0, unaccounted = 0)");
    let utc = |x: Civil| at(x, -off * 60);
    let title =
        "2024-03 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5035853)";
    let mut sys = Events::new("LAB-WS12");
    sys.wu_client(43, utc(at(t, 1)), title, None).wu_client(19, utc(at(t, 62)), title, None);
    Scenario {
        name: "clean",
        readme: include_str!("scenario-readmes/clean.md"),
        text: vec![("CBS.log", cbs), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys)],
    }
}
