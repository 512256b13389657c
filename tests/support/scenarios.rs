//! Scenario bundles: what each machine went through, as log lines and events we write
//! ourselves. Used by `examples/make-fixtures.rs` (which writes them to fixtures/) and by
//! tests that need a bundle in a temporary folder.
#![allow(dead_code, unreachable_pub, clippy::pedantic, clippy::too_many_arguments)]

use super::evtx_writer::{EventSpec, Payload, write_evtx};

/// A civil time: (year, month, day, hour, minute, second).
pub type Civil = (i64, u32, u32, u32, u32, u32);

/// Microseconds since the Unix epoch of a civil time.
pub fn micros(t: Civil) -> i64 {
    let (y, mo, d, h, mi, s) = t;
    wutriage::time::Timestamp::from_civil(y, mo, d, h, mi, s, 0)
        .expect("fixture times are valid")
        .as_micros()
}

fn civil(us: i64) -> Civil {
    let (y, mo, d, h, mi, s, _) = wutriage::time::Timestamp(us).to_civil();
    (y, mo, d, h, mi, s)
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

    /// The lines written so far, without terminators.
    pub fn lines(&self) -> &[String] {
        &self.lines
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

    /// `EventLog` 6013 (uptime) as Windows writes it: seven values, the last `<bias> <standard
    /// name>` (the name localized), and binary data of UTF-16 strings naming the product,
    /// `<version> Build <build>`, the build lab and the computer.
    pub fn uptime_6013(
        &mut self,
        utc: Civil,
        zone: &str,
        product: &str,
        version: &str,
    ) -> &mut Self {
        let build = version.rsplit('.').next().unwrap_or("");
        let build_text = format!("{version} Build {build}  ");
        let lab = format!("{build}.vb_release.191206-1406");
        let computer = self.computer.clone();
        let strings = [
            "1.1",
            "0",
            product,
            &build_text,
            "Multiprocessor Free",
            &lab,
            "5b3fb78d",
            "Not Available",
            "Not Available",
            "9",
            "2",
            "4096",
            "409",
            &computer,
            "",
            "",
        ];
        let mut binary = Vec::new();
        for s in strings {
            for u in s.encode_utf16().chain([0]) {
                binary.extend(u.to_le_bytes());
            }
        }
        let data = ["", "", "", "", "13", "60", zone].map(String::from).to_vec();
        self.push(
            "EventLog",
            None,
            6013,
            Some(0x8000),
            4,
            utc,
            "System",
            Payload::Classic { data, binary: Some(binary) },
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
    vec![
        storage_0x80070306(),
        clean(),
        store_corruption(),
        catchall_csi(),
        storage_and_corruption(),
        package_conflict(),
        update_cache(),
        security_software(),
        pending_reboot(),
        low_disk_space(),
        network(),
        time_offset(),
        usb_disk_beside_corrupt_store(),
        system_disk_beside_corrupt_store(),
    ]
}

/// Local time `t` at `offset_min` east of UTC, as UTC.
fn to_utc(t: Civil, offset_min: i64) -> Civil {
    at(t, -offset_min * 60)
}

fn session_start(cbs: &mut Log, t: Civil, id: &str) {
    cbs.cbs(t, "Info", "CBS", "TI: --- Initializing Trusted Installer ---").cbs(
        at(t, 1),
        "Info",
        "CBS",
        &format!("Session: {id} initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)"),
    );
}

fn install_attempt(wu: &mut Log, t: Civil, pid: u32, title: &str, result: &str) {
    wu.wu(at(t, -40), 1_000_000, pid, pid + 120, "Agent", "* START * Installing updates CallerId = UpdateOrchestrator")
        .wu(at(t, -39), 2_000_000, pid, pid + 120, "Agent", &format!("  Title = {title}"))
        .wu(at(t, 2), 3_000_000, pid, pid + 240, "Agent", &format!("LogHistory called. idUpdate={{7C1E2A90-3B5D-4F61-8A2C-9D0E1F2A3B4C}}.1, resultMapped={result}, resultUnMapped={result}"))
        .wu(at(t, 3), 4_000_000, pid, pid + 240, "ComApi", "Install call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)");
}

/// The component store is corrupt; DISM cannot find repair files.
fn store_corruption() -> Scenario {
    let off = -420;
    let t: Civil = (2024, 4, 10, 19, 12, 0);
    let title =
        "2024-04 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5036892)";
    let pkg = "Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.4291.1.10";
    let mut cbs = Log::new(true);
    session_start(&mut cbs, t, "31094410_3325716220");
    cbs.csi(at(t, 2), off, 1, "Info", "WcpInitialize: wcp.dll version 10.0.19041.4291 (WinBuild.160101.0800)")
        .cbs(at(t, 30), "Info", "CBS", "Store corruption, manifest missing for package: Package_1_for_KB5036892~31bf3856ad364e35~amd64~~19041.4291.1.10")
        .cbs(at(t, 30), "Error", "CBS", "Failed to resolve package 'Package_1_for_KB5036892~31bf3856ad364e35~amd64~~19041.4291.1.10' [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]")
        .cbs(at(t, 30), "Info", "CBS", "Mark store corruption flag because of package: Package_1_for_KB5036892~31bf3856ad364e35~amd64~~19041.4291.1.10. [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]")
        .cbs(at(t, 31), "Error", "CBS", "Failed to execute execution chain. [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]")
        .cbs(at(t, 31), "Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]")
        .cbs(at(t, 32), "Info", "CBS", &format!("WER: Generating failure report for package: {pkg}, status: 0x800f0831, failure source: Resolve, start state: Staged, target state: Installed, client id: WindowsUpdateAgent"))
        .cbs(at(t, 33), "Info", "CBS", "Session: 31094410_3325716220 finalized. Reboot required: no [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]");
    let later = at(t, 3600);
    cbs.cbs(later, "Info", "CBS", "Session: 31094411_112233445 initialized by client DISM Package Manager Provider, external staging directory: (null), external registry directory: (null)")
        .raw("Checking System Update Readiness.")
        .raw("")
        .raw("(p)\tCBS MUM Missing\t\t\t\t(n)\t\t\tPackage_1_for_KB5036892~31bf3856ad364e35~amd64~~19041.4291.1.10")
        .raw("")
        .raw("Summary:")
        .raw("Operation: Detect and Repair ")
        .raw("Operation result: 0x800f081f")
        .raw("Last Successful Step: Entire operation completes.")
        .raw("Total Detected Corruption:\t1")
        .raw("\tCBS Manifest Corruption:\t1")
        .raw("Total Repaired Corruption:\t0");
    let mut dism = Log::new(true);
    dism.cbs(later, "Info", "DISM", "DISM.EXE: Executing command line: DISM  /Online /Cleanup-Image /RestoreHealth")
        .cbs(at(later, 600), "Error", "DISM", "DISM Package Manager: PID=6204 TID=7112 Failed while processing command cleanup-image. - CPackageManagerCLIHandler::ExecuteCmdLine(hr:0x800f081f)")
        .cbs(at(later, 600), "Error", "DISM", "DISM Package Manager: PID=6204 TID=7112 The source files could not be found; their location must be specified using the /source option to restore the feature. - GetCbsErrorMsg")
        .cbs(at(later, 601), "Error", "DISM", "DISM.EXE: DISM Package Manager processed the command line but failed. HRESULT=800F081F");
    let mut wu = Log::new(true);
    install_attempt(&mut wu, at(t, 33), 4412, title, "800F0831");
    let mut sys = Events::new("SALES-LT22");
    sys.wu_client(43, to_utc(at(t, 5), off), title, None).wu_client(
        20,
        to_utc(at(t, 36), off),
        title,
        Some("0x800f0831"),
    );
    let mut setup = Events::new("SALES-LT22");
    setup.servicing(3, to_utc(at(t, 33), off), "KB5036892", "5112", "0x800f0831").data(
        "Microsoft-Windows-Servicing",
        1014,
        4,
        to_utc(at(t, 7200), off),
        "Setup",
        &[("ErrorCode", "0x0"), ("Repaired", "false"), ("TotalCorruption", "1")],
    );
    Scenario {
        name: "store-corruption",
        readme: include_str!("scenario-readmes/store-corruption.md"),
        text: vec![("CBS.log", cbs), ("dism.log", dism), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys), ("Setup.evtx", setup)],
    }
}

/// 0x80070306 wraps a CSI delta failure; the disk is healthy.
fn catchall_csi() -> Scenario {
    let off = 120;
    let t: Civil = (2023, 5, 17, 8, 40, 0);
    let title =
        "2023-05 Cumulative Update for Windows 11 Version 22H2 for x64-based Systems (KB5026372)";
    let pkg = "Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.1702.1.7";
    let mut cbs = Log::new(true);
    session_start(&mut cbs, t, "31036528_1928611504");
    cbs.csi(at(t, 2), off, 1, "Info", "WcpInitialize: wcp.dll version 10.0.22621.1702 (WinBuild.160101.0800)")
        .csi(at(t, 250), off, 7, "Info", "Hashes for file member [l:36]'Windows.Media.Speech.UXRes.dll' do not match.")
        .raw(" Expected: {l:32 ml:33 b:3f1a0c9e7d5b2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d}.")
        .raw(" Actual: {l:32 b:9b7c5d3e1f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d0e2f4a6b8c0d2e4f6a8b0c}.")
        .csi(at(t, 252), off, 8, "Error", "(F) onecore\\base\\wcp\\rtllib\\win32lib\\delta_library.cpp(351): Error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) originated in function Windows::Rtl::DeltaDecompressBuffer expression: g_pfnApplyDeltaB(( (DELTA_FLAG_TYPE)0x00000000 ), ReferenceInput, CompressedInput, &UncompressedOutput)")
        .csi(at(t, 253), off, 9, "Error", "(F) Hydration failed with error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) . Delta Type: Forward Delta , IntegrityState Valid: true , RetrievedChecksum: 239972166 , ComputedChecksum: 239972166[gle=0x80004005]")
        .cbs(at(t, 255), "Error", "CBS", &format!("Failed to stage execution package: {pkg} [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]"))
        .cbs(at(t, 256), "Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]")
        .cbs(at(t, 256), "Info", "CBS", &format!("WER: Generating failure report for package: {pkg}, status: 0x80070306, failure source: Execute, start state: Staged, target state: Installed, client id: WindowsUpdateAgent"));
    let mut wu = Log::new(false);
    install_attempt(&mut wu, at(t, 257), 7764, title, "80070306");
    let mut sys = Events::new("HOME-PC");
    sys.wu_client(43, to_utc(at(t, 3), off), title, None).wu_client(
        20,
        to_utc(at(t, 260), off),
        title,
        Some("0x80070306"),
    );
    Scenario {
        name: "catchall-csi",
        readme: include_str!("scenario-readmes/catchall-csi.md"),
        text: vec![("Logs/CBS/CBS.log", cbs), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys)],
    }
}

/// Heavy corruption evidence, and a disk that is failing underneath it.
fn storage_and_corruption() -> Scenario {
    let off = 0;
    let t: Civil = (2024, 6, 11, 21, 5, 0);
    let title =
        "2024-06 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5039212)";
    let mut cbs = Log::new(true);
    session_start(&mut cbs, t, "31113705_2211667381");
    cbs.csi(at(t, 2), off, 1, "Info", "WcpInitialize: wcp.dll version 10.0.22621.3733 (WinBuild.160101.0800)")
        .csi(at(t, 60), off, 0x11, "Info", "[SR] Cannot repair member file [l:11]'dwmcore.dll' of Microsoft-Windows-Dwm-Core, version 10.0.22621.3733, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch")
        .csi(at(t, 61), off, 0x12, "Info", "[SR] Cannot repair member file [l:12]'uxtheme.dll' of Microsoft-Windows-UxTheme, version 10.0.22621.3733, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch")
        .csi(at(t, 62), off, 0x13, "Info", "[SR] Cannot repair member file [l:10]'dnsapi.dll' of Microsoft-Windows-DNS-Client-MinWin, version 10.0.22621.3733, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch")
        .csi(at(t, 90), off, 0x14, "Error", "(F) Attempting to mark store corrupt with category [l:21 ml:22]'CorruptComponentValue'[gle=0x80004005]")
        .csi(at(t, 91), off, 0x15, "Error", "(F) STATUS_SXS_COMPONENT_STORE_CORRUPT #62038# from CCSDirectTransaction::OperateEnding at index 0 of 1 operations, disposition 0[gle=0xd015001a]")
        .csi(at(t, 92), off, 0x16, "Error", "(F) onecore\\base\\wcp\\componentstore\\storelayout.cpp(1942): Error STATUS_DEVICE_DATA_ERROR originated in function Windows::COM::CComponentStore::InternalReadFile expression: (null)[gle=0x80070017]")
        .cbs(at(t, 93), "Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]")
        .cbs(at(t, 94), "Info", "CBS", "Session: 31113705_2211667381 finalized. Reboot required: no [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]");
    let mut wu = Log::new(false);
    install_attempt(&mut wu, at(t, 95), 3304, title, "80073712");
    let mut sys = Events::new("CAD-WS04");
    let dev = "\\Device\\Harddisk1\\DR1";
    sys.classic("disk", 153, 3, at(t, 50), &[dev, "0x3a1c000", "1", "\\Device\\00000041"])
        .classic("disk", 153, 3, at(t, 88), &[dev, "0x3a1c010", "1", "\\Device\\00000041"])
        .classic("disk", 7, 2, at(t, 92), &[dev])
        .wu_client(43, at(t, 10), title, None)
        .wu_client(20, at(t, 96), title, Some("0x80073712"));
    sys.list.sort_by_key(|e| e.time_unix_micros);
    Scenario {
        name: "storage-and-corruption",
        readme: include_str!("scenario-readmes/storage-and-corruption.md"),
        text: vec![("CBS.log", cbs), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys)],
    }
}

/// One update fails again and again in an advanced installer while others install.
fn package_conflict() -> Scenario {
    let off = 60;
    let t: Civil = (2024, 10, 8, 20, 50, 0);
    let title =
        "2024-10 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5044284)";
    let other = "2024-10 Cumulative Update for .NET Framework 3.5 and 4.8.1 for Windows 11, version 24H2 for x64 (KB5044033)";
    let mut cbs = Log::new(true);
    let mut wu = Log::new(true);
    let mut sys = Events::new("DEV-BOX3");
    let mut setup = Events::new("DEV-BOX3");
    for day in 0..3 {
        let d = at(t, day * 86_400);
        session_start(&mut cbs, d, &format!("3114512{day}_40032118{day}"));
        cbs.csi(at(d, 240), off, 0x4a, "Info", "End executing advanced installer (sequence 0)")
            .raw("    Completion status: HRESULT_FROM_WIN32(1753) ")
            .cbs(at(d, 300), "Error      [0x01806a]", "CSI", "0000004b (F) Failed execution of queue item Installer: Container Installer ({9edf0f01-ef44-4c87-ac5a-8aad730137ab}) with HRESULT HRESULT_FROM_WIN32(1753).  Failure will not be ignored: A rollback will be initiated after all the operations in the installer queue are completed; installer is reliable[gle=0x80004005]")
            .cbs(at(d, 334), "Info", "CBS", "Startup: Processing complete. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]")
            .cbs(at(d, 335), "Info", "CBS", "WER: Generating failure report for package: Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.2033.1.9, status: 0x800f0922, failure source: Execute, start state: Staged, target state: Installed, client id: WindowsUpdateAgent");
        install_attempt(&mut wu, at(d, 336), 5100 + day as u32, title, "800F0922");
        sys.wu_client(43, to_utc(at(d, 10), off), title, None).wu_client(
            20,
            to_utc(at(d, 340), off),
            title,
            Some("0x800f0922"),
        );
        setup.servicing(3, to_utc(at(d, 335), off), "KB5044284", "5112", "0x800f0922");
    }
    sys.wu_client(19, to_utc(at(t, 2 * 86_400 + 3600), off), other, None);
    sys.list.sort_by_key(|e| e.time_unix_micros);
    Scenario {
        name: "package-conflict",
        readme: include_str!("scenario-readmes/package-conflict.md"),
        text: vec![("CBS.log", cbs), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys), ("Setup.evtx", setup)],
    }
}

/// The update data store is damaged and downloads fail verification.
fn update_cache() -> Scenario {
    let off = -300;
    let t: Civil = (2024, 1, 9, 14, 0, 0);
    let title =
        "2024-01 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5034122)";
    let mut wu = Log::new(false);
    wu.wu(t, 1_000_000, 2216, 3320, "DataStore", "*FAILED* [80248003] Open table tbUpdates")
        .wu(at(t, 1), 2_000_000, 2216, 3320, "Agent", "*FAILED* [80248007] ISusInternal:: GetUpdateMetadata3")
        .wu(at(t, 30), 3_000_000, 2216, 3400, "DownloadManager", "*FAILED* [80246002] File hash verification failed for update 7C1E2A90-3B5D-4F61-8A2C-9D0E1F2A3B4C")
        .wu(at(t, 31), 4_000_000, 2216, 3400, "DownloadManager", "Download call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)")
        .wu(at(t, 32), 5_000_000, 2216, 3400, "Agent", "LogHistory called. idUpdate={7C1E2A90-3B5D-4F61-8A2C-9D0E1F2A3B4C}.1, resultMapped=80246002, resultUnMapped=80246002");
    let mut sys = Events::new("FRONTDESK-01");
    sys.data(
        "Service Control Manager",
        7031,
        2,
        to_utc(at(t, -600), off),
        "System",
        &[
            ("param1", "Windows Update"),
            ("param2", "1"),
            ("param3", "120000"),
            ("param4", "1"),
            ("param5", "Restart the service"),
        ],
    )
    .wu_client(31, to_utc(at(t, 33), off), title, Some("0x80246002"));
    let mut cbs = Log::new(true);
    cbs.csi(
        at(t, -3600),
        off,
        1,
        "Info",
        "WcpInitialize: wcp.dll version 10.0.19041.3803 (WinBuild.160101.0800)",
    )
    .cbs(
        at(t, -3599),
        "Info",
        "CBS",
        "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]",
    );
    Scenario {
        name: "update-cache",
        readme: include_str!("scenario-readmes/update-cache.md"),
        text: vec![("CBS.log", cbs), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys)],
    }
}

/// Antivirus holds files open during servicing.
fn security_software() -> Scenario {
    let off = 330;
    let t: Civil = (2024, 8, 14, 11, 20, 0);
    let title =
        "2024-08 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5041585)";
    let mut cbs = Log::new(true);
    session_start(&mut cbs, t, "31124418_998877665");
    cbs.csi(at(t, 2), off, 1, "Info", "WcpInitialize: wcp.dll version 10.0.22621.4036 (WinBuild.160101.0800)")
        .csi(at(t, 120), off, 0x30, "Error", "(F) Failed to open file [l:64]'\\SystemRoot\\WinSxS\\Temp\\PendingRenames\\e1b2c3_ntdll.dll'[gle=0x80070020]")
        .csi(at(t, 121), off, 0x31, "Error", "(F) STATUS_SHARING_VIOLATION #4421# from Windows::Rtl::SystemImplementation::DirectFileSystemProvider::SysCreateFile[gle=0xd0000043]")
        .cbs(at(t, 122), "Error", "CBS", "Exec: Failed to commit CSI transaction to execute changes. [HRESULT = 0x80070020 - ERROR_SHARING_VIOLATION]")
        .cbs(at(t, 123), "Info", "CBS", "WER: Generating failure report for package: Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.4037.1.12, status: 0x80070020, failure source: Execute, start state: Staged, target state: Installed, client id: WindowsUpdateAgent");
    let mut wu = Log::new(false);
    install_attempt(&mut wu, at(t, 124), 6020, title, "80070020");
    let mut sys = Events::new("CLINIC-RX2");
    sys.wu_client(43, to_utc(at(t, 3), off), title, None).wu_client(
        20,
        to_utc(at(t, 126), off),
        title,
        Some("0x80070020"),
    );
    Scenario {
        name: "security-software",
        readme: include_str!("scenario-readmes/security-software.md"),
        text: vec![("CBS.log", cbs), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys)],
    }
}

/// A pending operation waits for a restart that never happened.
fn pending_reboot() -> Scenario {
    let _off = 0;
    let t: Civil = (2024, 3, 20, 9, 0, 0);
    let title =
        "2024-03 Cumulative Update for Windows Server 2022 for x64-based Systems (KB5035857)";
    let mut cbs = Log::new(true);
    session_start(&mut cbs, t, "31097020_1100220033");
    cbs.cbs(at(t, 20), "Info", "CBS", "Exec: Processing complete, session(Corruption Repairing): 31097020_1100220033 [HRESULT = 0x80070bc9 - ERROR_FAIL_REBOOT_REQUIRED]")
        .cbs(at(t, 21), "Info", "CBS", "Session: 31097020_1100220033 finalized. Reboot required: yes [HRESULT = 0x80070bc9 - ERROR_FAIL_REBOOT_REQUIRED]");
    let mut dism = Log::new(true);
    dism.cbs(at(t, 600), "Error", "DISM", "DISM Package Manager: PID=2284 TID=4410 Failed processing package changes with session option CbsSessionOptionDetectStoreCorruption - CDISMPackageManager::ScanHealth(hr:0x80070bc9)")
        .cbs(at(t, 601), "Error", "DISM", "DISM.EXE: DISM Package Manager processed the command line but failed. HRESULT=80070BC9");
    let mut wu = Log::new(false);
    install_attempt(&mut wu, at(t, 22), 1880, title, "80070BC9");
    let mut setup = Events::new("FS-02");
    setup.servicing(4, at(t, -86_400), "KB5034439", "5112", "0x0").servicing(
        3,
        at(t, 21),
        "KB5035857",
        "5112",
        "0x80070bc9",
    );
    let mut sys = Events::new("FS-02");
    sys.wu_client(20, at(t, 25), title, Some("0x80070bc9"));
    Scenario {
        name: "pending-reboot",
        readme: include_str!("scenario-readmes/pending-reboot.md"),
        text: vec![("CBS.log", cbs), ("dism.log", dism), ("WindowsUpdate.log", wu)],
        evtx: vec![("Setup.evtx", setup), ("System.evtx", sys)],
    }
}

/// The system drive is full.
fn low_disk_space() -> Scenario {
    let off = 600;
    let t: Civil = (2024, 9, 11, 2, 0, 0);
    let title =
        "2024-09 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5043076)";
    let mut cbs = Log::new(true);
    session_start(&mut cbs, t, "31135502_776655443");
    cbs.csi(at(t, 2), off, 1, "Info", "WcpInitialize: wcp.dll version 10.0.22621.4169 (WinBuild.160101.0800)")
        .csi(at(t, 200), off, 0x20, "Error", "(F) Failed to write file [l:26]'\\SystemRoot\\WinSxS\\Temp\\x.cat'[gle=0x80070070]")
        .cbs(at(t, 201), "Error", "CBS", "Failed to stage package Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.4169.1.10 [HRESULT = 0x80070070 - ERROR_DISK_FULL]")
        .cbs(at(t, 202), "Info", "CBS", "WER: Generating failure report for package: Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.4169.1.10, status: 0x80070070, failure source: Stage, start state: Absent, target state: Installed, client id: WindowsUpdateAgent");
    let mut wu = Log::new(false);
    install_attempt(&mut wu, at(t, 203), 3000, title, "80070070");
    let mut sys = Events::new("KIOSK-7");
    sys.wu_client(20, to_utc(at(t, 205), off), title, Some("0x80070070"));
    Scenario {
        name: "low-disk-space",
        readme: include_str!("scenario-readmes/low-disk-space.md"),
        text: vec![("CBS.log", cbs), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys)],
    }
}

/// Downloads time out behind a proxy.
fn network() -> Scenario {
    let off = 60;
    let t: Civil = (2025, 2, 26, 15, 35, 0);
    let title =
        "2025-02 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5051987)";
    let mut wu = Log::new(false);
    for k in 0..3 {
        let d = at(t, k * 1200);
        wu.wu(d, 4_405_516, 6508, 4364, "Agent", "*FAILED* [80072EE2] wuauengcore.dll, C:\\__w\\1\\s\\src\\Client\\lib\\DownloadFile\\DownloadSession.cpp @853")
            .wu(at(d, 1), 100_000, 6508, 4364, "DownloadManager", "Download call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)");
    }
    let mut sys = Events::new("REMOTE-LT9");
    sys.wu_client(31, to_utc(at(t, 2), off), title, Some("0x80072ee2"));
    let mut cbs = Log::new(true);
    cbs.csi(
        at(t, -7200),
        off,
        1,
        "Info",
        "WcpInitialize: wcp.dll version 10.0.26100.3194 (WinBuild.160101.0800)",
    );
    Scenario {
        name: "network",
        readme: include_str!("scenario-readmes/network.md"),
        text: vec![("CBS.log", cbs), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys)],
    }
}

/// Text logs at UTC+9, event logs in UTC: the disk errors line up only once the offset is found.
fn time_offset() -> Scenario {
    let off = 540;
    let t: Civil = (2024, 7, 10, 10, 0, 0);
    let mut cbs = Log::new(true);
    session_start(&mut cbs, t, "31116910_5544332211");
    cbs.csi(at(t, 2), off, 1, "Info", "WcpInitialize: wcp.dll version 10.0.22621.3880 (WinBuild.160101.0800)")
        .csi(at(t, 100), off, 0x21, "Info", "Manifest hash for component [ml:280{140}]'amd64_microsoft-windows-kernel32_31bf3856ad364e35_10.0.22621.3880_none_a1b2c3d4e5f60718' could not be verified")
        .cbs(at(t, 101), "Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x80070306 - ERROR_ERRORS_ENCOUNTERED]")
        .cbs(at(t, 102), "Info", "CBS", "WER: Generating failure report for package: Package_for_RollupFix~31bf3856ad364e35~amd64~~22631.3880.1.8, status: 0x80070306, failure source: Execute, start state: Staged, target state: Installed, client id: WindowsUpdateAgent");
    let mut wu = Log::new(false);
    wu.wu(at(t, 103), 1_000_000, 4100, 4200, "ComApi", "Install call complete (succeeded = 0, succeeded with errors = 0, failed = 1, cancelled = 0, unaccounted = 0)");
    let mut sys = Events::new("TOKYO-OPS1");
    let dev = "\\Device\\Harddisk0\\DR0";
    let u = |s: i64| to_utc(at(t, s), off);
    sys.classic("disk", 153, 3, u(40), &[dev, "0x91a2b30", "0", "\\Device\\00000033"])
        .classic("disk", 153, 3, u(70), &[dev, "0x91a2b48", "0", "\\Device\\00000033"])
        .classic("disk", 7, 2, u(99), &[dev])
        .classic("storahci", 129, 3, u(100), &["\\Device\\RaidPort0"]);
    Scenario {
        name: "time-offset",
        readme: include_str!("scenario-readmes/time-offset.md"),
        text: vec![("CBS.log", cbs), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys)],
    }
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

/// A corrupt component store whose update fails at local `t` (UTC+1), a DISM run that
/// cannot find repair files, and bad blocks on `\Device\Harddisk{disk}\DR{disk}` during the
/// failure. Returns the text logs and the System events (UTC).
fn corrupt_store_with_disk_errors(t: Civil, disk: u32) -> (Log, Log, Log, Events) {
    let off = 60;
    let title =
        "2025-03 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems (KB5053598)";
    let pkg = "Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.3476.1.13";
    let mut cbs = Log::new(true);
    session_start(&mut cbs, t, "31170311_2280144127");
    cbs.csi(at(t, 2), off, 1, "Info", "WcpInitialize: wcp.dll version 10.0.26100.3476 (WinBuild.160101.0800)")
        .cbs(at(t, 40), "Info", "CBS", "Store corruption, manifest missing for package: Package_3_for_KB5053598~31bf3856ad364e35~amd64~~26100.3476.1.13")
        .cbs(at(t, 40), "Error", "CBS", "Failed to resolve package 'Package_3_for_KB5053598~31bf3856ad364e35~amd64~~26100.3476.1.13' [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]")
        .cbs(at(t, 41), "Info", "CBS", "Mark store corruption flag because of package: Package_3_for_KB5053598~31bf3856ad364e35~amd64~~26100.3476.1.13. [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]")
        .cbs(at(t, 42), "Error", "CBS", "Failed to execute execution chain. [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]")
        .cbs(at(t, 43), "Info", "CBS", &format!("WER: Generating failure report for package: {pkg}, status: 0x800f0831, failure source: Resolve, start state: Staged, target state: Installed, client id: WindowsUpdateAgent"))
        .cbs(at(t, 44), "Info", "CBS", "Session: 31170311_2280144127 finalized. Reboot required: no [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]");
    let later = at(t, 1800);
    let mut dism = Log::new(true);
    dism.cbs(later, "Info", "DISM", "DISM.EXE: Executing command line: DISM  /Online /Cleanup-Image /RestoreHealth")
        .cbs(at(later, 420), "Error", "DISM", "DISM Package Manager: PID=7340 TID=7716 Failed while processing command cleanup-image. - CPackageManagerCLIHandler::ExecuteCmdLine(hr:0x800f081f)")
        .cbs(at(later, 420), "Error", "DISM", "DISM Package Manager: PID=7340 TID=7716 The source files could not be found; their location must be specified using the /source option to restore the feature. - GetCbsErrorMsg")
        .cbs(at(later, 421), "Error", "DISM", "DISM.EXE: DISM Package Manager processed the command line but failed. HRESULT=800F081F");
    let mut wu = Log::new(false);
    install_attempt(&mut wu, at(t, 45), 5512, title, "800F0831");
    let mut sys = Events::new("STUDIO-PC3");
    let dev = format!("\\Device\\Harddisk{disk}\\DR{disk}");
    let n = disk.to_string();
    let u = |s: i64| to_utc(at(t, s), off);
    sys.wu_client(43, u(5), title, None)
        .classic("disk", 153, 3, u(20), &[&dev, "0x1d2c400", &n, "\\Device\\00000052"])
        .classic("disk", 153, 3, u(31), &[&dev, "0x1d2c418", &n, "\\Device\\00000052"])
        .classic("disk", 7, 2, u(38), &[&dev])
        .wu_client(20, u(48), title, Some("0x800f0831"));
    (cbs, dism, wu, sys)
}

/// A USB stick with bad blocks beside a corrupt component store on C:.
fn usb_disk_beside_corrupt_store() -> Scenario {
    let t: Civil = (2025, 3, 12, 9, 30, 0);
    let (cbs, dism, wu, mut sys) = corrupt_store_with_disk_errors(t, 1);
    let u = |s: i64| to_utc(at(t, s), 60);
    sys.classic("disk", 157, 3, u(900), &["\\Device\\Harddisk1\\DR1", "1"]);
    let mut pnp = Events::new("STUDIO-PC3");
    let usb = "USBSTOR\\Disk&Ven_SanDisk&Prod_Cruzer_Blade&Rev_1.00\\4C530001230921117215&0";
    pnp.data(
        "Microsoft-Windows-Kernel-PnP",
        400,
        4,
        u(-600),
        "Microsoft-Windows-Kernel-PnP/Configuration",
        &[("DeviceInstanceId", usb), ("DriverName", "disk.inf"), ("Status", "0")],
    )
    .data(
        "Microsoft-Windows-Kernel-PnP",
        410,
        4,
        u(-599),
        "Microsoft-Windows-Kernel-PnP/Configuration",
        &[("DeviceInstanceId", usb), ("DriverName", "disk.inf"), ("Status", "0")],
    );
    Scenario {
        name: "usb-disk-beside-corrupt-store",
        readme: include_str!("scenario-readmes/usb-disk-beside-corrupt-store.md"),
        text: vec![("CBS.log", cbs), ("dism.log", dism), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys), ("Microsoft-Windows-Kernel-PnP%4Configuration.evtx", pnp)],
    }
}

/// The same failure with the same disk errors, on the disk that holds Windows.
fn system_disk_beside_corrupt_store() -> Scenario {
    let t: Civil = (2025, 3, 12, 9, 30, 0);
    let (cbs, dism, wu, sys) = corrupt_store_with_disk_errors(t, 0);
    let mut part = Events::new("STUDIO-PC3");
    part.data(
        "Microsoft-Windows-Partition",
        1006,
        4,
        to_utc(at(t, -7200), 60),
        "Microsoft-Windows-Partition/Diagnostic",
        &[
            ("DiskNumber", "0"),
            ("IsSystemCritical", "true"),
            ("BusType", "11"),
            ("Manufacturer", "Samsung"),
            ("Model", "SSD 870 EVO 500GB"),
        ],
    );
    Scenario {
        name: "system-disk-beside-corrupt-store",
        readme: include_str!("scenario-readmes/system-disk-beside-corrupt-store.md"),
        text: vec![("CBS.log", cbs), ("dism.log", dism), ("WindowsUpdate.log", wu)],
        evtx: vec![("System.evtx", sys), ("Microsoft-Windows-Partition%4Diagnostic.evtx", part)],
    }
}
