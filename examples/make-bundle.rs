//! Writes a realistic bundle of any size, for benchmarks: a year of CBS history (CbsPersist
//! files and CBS.log, with CSI multi-line records, bare-LF continuations and a UTF-8 BOM),
//! dism.log, WindowsUpdate.log in both formats, System/Setup/Application .evtx files (written
//! by the test-support EVTX writer) and a UTF-16LE `wevtutil` text export.
//!
//! Run: `cargo run --release --example make-bundle -- --size 1GiB --seed 7 --out DIR`
//!
//! Every line is synthesised here from templates; the mix of line kinds and the rates of
//! warning, error and HRESULT lines follow the real logs in `../shared/corpus` (COUNTS.md):
//! about 2% of CBS records carry an `HRESULT = `, 0.3% are `Error`, 1% `Warning`, 4% of lines
//! continue a record; dism.log has 3–5% warnings and errors. Three incidents from the
//! scenario fixtures (storage failure 0x80070306, package conflict 0x800f0922, network
//! 0x80072ee2) are planted at their dates with all their evidence. Same seed and size, same
//! bytes.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "a command-line tool"
)]

#[path = "../tests/support/evtx_writer.rs"]
mod evtx_writer;
#[path = "../tests/support/scenarios.rs"]
mod scenarios;

use evtx_writer::{EventSpec, Payload, write_evtx};
use scenarios::{Civil, micros};
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The machine's offset (minutes east of UTC), shared with the planted scenarios.
const OFFSET_MIN: i64 = 60;
/// The history covered: local time, first and last instant.
const START: Civil = (2024, 2, 1, 0, 0, 0);
const END: Civil = (2025, 3, 15, 0, 0, 0);
/// The planted incidents: scenario fixtures written at the same offset.
const PLANTED: [&str; 3] = ["storage-0x80070306", "package-conflict", "network"];
/// CbsPersist files are cut at this size, as CBS does when it rotates the log.
const PERSIST_BYTES: u64 = 48 << 20;
const COMPUTER: &str = "FINANCE-PC07";
/// Background CBS records this close to a planted one are plain (one hour).
const QUIET_MICROS: i64 = 3_600_000_000;

/// splitmix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `per_10k` / 10 000.
    fn chance(&mut self, per_10k: u64) -> bool {
        self.below(10_000) < per_10k
    }
    fn pick<'a, T: ?Sized>(&mut self, v: &[&'a T]) -> &'a T {
        v[self.below(v.len() as u64) as usize]
    }
    fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits);
        while s.len() < digits {
            let _ = write!(s, "{:016x}", self.next());
        }
        s.truncate(digits);
        s
    }
}

fn civil(us: i64) -> Civil {
    let (y, mo, d, h, mi, s, _) = wutriage::time::Timestamp(us).to_civil();
    (y, mo, d, h, mi, s)
}

/// The local time a fraction `f` of the way through the history.
fn clock(f: f64) -> i64 {
    let (a, b) = (micros(START), micros(END));
    a + ((b - a) as f64 * f.clamp(0.0, 1.0)) as i64
}

fn cbs_stamp(t: Civil) -> String {
    format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", t.0, t.1, t.2, t.3, t.4, t.5)
}

/// A record of a planted log: its local time and its lines.
struct Planted {
    time: i64,
    lines: Vec<String>,
}

/// Groups planted lines into records (a stamped line and the lines after it).
fn planted_records(lines: &[String], stamp: fn(&str) -> Option<i64>) -> Vec<Planted> {
    let mut out: Vec<Planted> = Vec::new();
    for l in lines {
        match (stamp(l), out.last_mut()) {
            (Some(time), _) => out.push(Planted { time, lines: vec![l.clone()] }),
            (None, Some(p)) => p.lines.push(l.clone()),
            (None, None) => {}
        }
    }
    out.sort_by_key(|p| p.time);
    out
}

fn num(s: &str) -> Option<u32> {
    s.parse().ok()
}

fn dash_stamp(l: &str) -> Option<i64> {
    let b = l.as_bytes();
    if !wutriage::shapes::is_cbs_record(b) && !wutriage::shapes::is_wu_record(b) {
        return None;
    }
    let t = (
        i64::from(num(l.get(0..4)?)?),
        num(l.get(5..7)?)?,
        num(l.get(8..10)?)?,
        num(l.get(11..13)?)?,
        num(l.get(14..16)?)?,
        num(l.get(17..19)?)?,
    );
    Some(micros(t))
}

/// One text file being written, with the planted records still to place.
struct Out {
    w: BufWriter<File>,
    written: u64,
}

impl Out {
    fn create(path: &Path, bom: bool) -> io::Result<Self> {
        if let Some(p) = path.parent() {
            fs::create_dir_all(p)?;
        }
        let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let mut written = 0;
        if bom {
            w.write_all(b"\xEF\xBB\xBF")?;
            written = 3;
        }
        Ok(Out { w, written })
    }
    fn put(&mut self, s: &str) -> io::Result<()> {
        self.written += s.len() as u64;
        self.w.write_all(s.as_bytes())
    }
}

/// Writes planted records due by `now` (CRLF-terminated, as the fixtures are).
fn flush_planted(out: &mut Out, planted: &mut Vec<Planted>, now: i64) -> io::Result<()> {
    while planted.first().is_some_and(|p| p.time <= now) {
        let p = planted.remove(0);
        for l in &p.lines {
            out.put(l)?;
            out.put("\r\n")?;
        }
    }
    Ok(())
}

const EDITIONS: [&str; 4] = ["Professional", "Enterprise", "Core", "Education"];
const COMPONENTS: [&str; 10] = [
    "microsoft-windows-shell32",
    "microsoft-windows-kernel32",
    "microsoft-windows-d3d10level9",
    "microsoft-windows-user32",
    "microsoft-windows-gdi32",
    "microsoft-windows-ntdll",
    "microsoft-windows-winsock-core",
    "microsoft-windows-msxml60",
    "microsoft-windows-bcrypt-dll",
    "microsoft-windows-printing-spooler-core",
];
const FILES: [&str; 8] = [
    "shell32.dll",
    "kernel32.dll",
    "d3d10level9.dll",
    "user32.dll",
    "gdi32full.dll",
    "msxml6.dll",
    "bcrypt.dll",
    "spoolsv.exe",
];

/// State of the machine's servicing stack while CBS history is written.
struct Cbs {
    seq: u32,
    session: u64,
    build: u32,
    kb: u32,
    txn: u32,
}

impl Cbs {
    fn package(&self, r: &mut Rng) -> String {
        match r.below(4) {
            0 => format!("Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.{}.1.7", self.build),
            1 => format!(
                "Package_for_KB{}~31bf3856ad364e35~amd64~~19041.{}.1.2",
                self.kb, self.build
            ),
            2 => format!(
                "Microsoft-Windows-{}-Package~31bf3856ad364e35~amd64~~10.0.19041.{}",
                [
                    "Client-LanguagePack",
                    "NetFx3-OnDemand",
                    "InternetExplorer-Optional",
                    "Hello-Face"
                ][r.below(4) as usize],
                r.below(4000)
            ),
            _ => format!(
                "Package_{}_for_KB{}~31bf3856ad364e35~amd64~~19041.{}.1.2",
                r.below(3000),
                self.kb - r.below(900) as u32,
                self.build
            ),
        }
    }

    fn csi_head(&mut self, r: &mut Rng, t: i64, level: &str) -> String {
        self.seq += 1;
        let mut s = format!("{}, {level:<22}{:<7}{:08x}", cbs_stamp(civil(t)), "CSI", self.seq);
        if r.chance(1500) {
            let u = civil(t - OFFSET_MIN * 60_000_000);
            let _ = write!(
                s,
                "@{}/{}/{}:{:02}:{:02}:{:02}.{:03}",
                u.0,
                u.1,
                u.2,
                u.3,
                u.4,
                u.5,
                r.below(1000)
            );
        }
        s.push(' ');
        s
    }

    /// Appends one background record (its lines and terminators) to `s`. A `quiet` record is
    /// a plain CSI line, so that noise does not sit next to the evidence of a planted incident.
    fn record(&mut self, r: &mut Rng, t: i64, quiet: bool, s: &mut String) {
        let stamp = cbs_stamp(civil(t));
        let line = |s: &mut String, level: &str, comp: &str, msg: &str| {
            let _ = write!(s, "{stamp}, {level:<22}{comp:<7}{msg}\r\n");
        };
        let roll = if quiet { 637 + r.below(4000) } else { r.below(10_000) };
        match roll {
            // A new TrustedInstaller session: the CSI sequence restarts.
            0..=24 => {
                self.session += 1;
                self.seq = 0;
                if r.chance(300) {
                    self.build += 1 + r.below(40) as u32;
                    self.kb += 1 + r.below(90) as u32;
                }
                line(s, "Info", "CBS", "TI: --- Initializing Trusted Installer ---");
                line(s, "Info", "CBS", "Starting TrustedInstaller initialization.");
                line(
                    s,
                    "Info",
                    "CBS",
                    &format!(
                        "Loaded Servicing Stack v10.0.19041.{} with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.{}_none_{}\\cbscore.dll",
                        self.build,
                        self.build,
                        r.hex(16)
                    ),
                );
                line(
                    s,
                    "Info",
                    "CBS",
                    &format!(
                        "Session: {}_{} initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)",
                        31_100_000 + self.session,
                        r.below(4_000_000_000)
                    ),
                );
                let h = self.csi_head(r, t, "Info");
                let _ = write!(
                    s,
                    "{h}WcpInitialize: wcp.dll version 10.0.19041.{} (WinBuild.160101.0800)\r\n",
                    self.build
                );
            }
            // Routine CBS_E_INVALID_PACKAGE probes and friends: Info lines with an HRESULT.
            25..=174 => {
                let (code, name) = [
                    ("0x800f0805", "CBS_E_INVALID_PACKAGE"),
                    ("0x800f080c", "CBS_E_UNKNOWN_UPDATE"),
                    ("0x80070002", "ERROR_FILE_NOT_FOUND"),
                    ("0x800f0805", "CBS_E_INVALID_PACKAGE"),
                ][r.below(4) as usize];
                let what = [
                    "Failed to internally open package.",
                    "Failed to get session package state.",
                    "Failed to FinalizeEx using worker session",
                    "Failed to open package file",
                ][r.below(4) as usize];
                line(s, "Info", "CBS", &format!("{what} [HRESULT = {code} - {name}]"));
            }
            // Warnings (about 1%), some with an HRESULT.
            175..=274 => {
                if r.below(2) == 0 {
                    line(s, "Warning", "CBS", "Unrecognized packageExtended attribute.");
                } else {
                    line(
                        s,
                        "Warning",
                        "CBS",
                        &format!(
                            "Current tick count: {} lower than last tick count: {}. [HRESULT = 0x8007000d - ERROR_INVALID_DATA]",
                            r.below(2000),
                            2000 + r.below(2000)
                        ),
                    );
                }
            }
            // Errors (about 0.3%): noisy, routine ones.
            275..=304 => {
                let pkg = self.package(r);
                line(
                    s,
                    "Error",
                    "CBS",
                    &format!(
                        "Failed to check whether package is partially installed, package: {pkg} [HRESULT = 0x80070490 - ERROR_NOT_FOUND]"
                    ),
                );
            }
            // Multi-line CSI records whose inner breaks are bare LF.
            305..=564 => {
                let h = self.csi_head(r, t, "Info");
                let n = 1 + r.below(2);
                let _ = write!(s, "{h}Performing {n} operations as follows:");
                for i in 0..n {
                    let c = r.pick(&COMPONENTS);
                    let _ = write!(
                        s,
                        "\n  ({i})  LockComponentPath: flags: 0 path: \\SystemRoot\\WinSxS\\amd64_{c}_31bf3856ad364e35_10.0.19041.{}_none_{} pathid: {{l:16 b:{}}}",
                        self.build,
                        r.hex(16),
                        r.hex(32)
                    );
                }
                s.push_str("\r\n");
            }
            565..=634 => {
                let h = self.csi_head(r, t, "Info");
                let _ = write!(
                    s,
                    "{h}End executing advanced installer (sequence {})\n    Completion status: S_OK \r\n",
                    r.below(400)
                );
            }
            // A hash mismatch with its Expected/Actual lines (rare; a failure word).
            635..=636 => {
                let h = self.csi_head(r, t, "Info");
                let f = r.pick(&FILES);
                let _ = write!(
                    s,
                    "{h}Hashes for file member [l:{}]'{f}' do not match.\n Expected: {{l:32 ml:33 b:{}}}.\n Actual: {{l:32 b:{}}}.\r\n",
                    f.len(),
                    r.hex(64),
                    r.hex(64)
                );
            }
            // Plain CSI lines.
            637..=4899 => {
                let h = self.csi_head(r, t, "Info");
                self.txn += 1;
                let c = r.pick(&COMPONENTS);
                let msg = match r.below(8) {
                    0 => format!(
                        "Creating NT transaction (seq {}), objectname [6]\"(null)\"",
                        self.txn
                    ),
                    1 => format!(
                        "Created NT transaction (seq {}) result 0x00000000, handle @0x{:x}",
                        self.txn,
                        0x100 + r.below(0x2000)
                    ),
                    2 => format!(
                        "CSI Transaction @0x{} initialized for deployment engine {{d16d444c-56d8-11d5-882d-0080c847b195}} with flags 00000002 and client id [10]\"TI5.{}\"",
                        r.hex(12),
                        self.session
                    ),
                    3 => format!(
                        "Begin executing advanced installer phase {} index {} (sequence {})",
                        30 + r.below(20),
                        r.below(90),
                        r.below(400)
                    ),
                    4 => "Store coherency cookie matches last scavenge cookie, skipping scavenge."
                        .to_string(),
                    5 => "Poqexec successfully registered in [l:12 ml:13]\"SetupExecute\""
                        .to_string(),
                    6 => format!(
                        "Component change list: amd64_{c}_31bf3856ad364e35_10.0.19041.{}_none_{} (absent) -> amd64_{c}_31bf3856ad364e35_10.0.19041.{}_none_{} (installed)",
                        self.build - 1,
                        r.hex(16),
                        self.build,
                        r.hex(16)
                    ),
                    _ => format!(
                        "Ending the TransactionalOperations phase, {} operations processed",
                        r.below(5000)
                    ),
                };
                s.push_str(&h);
                s.push_str(&msg);
                s.push_str("\r\n");
            }
            // A feature line with a blank component column.
            4900..=5099 => {
                let f = [
                    "Windows.HyperV.OptionalFeature.VirtualMachinePlatform.Client.Disabled",
                    "Microsoft.Windows.Notepad.System",
                    "Microsoft.Windows.PowerShell.ISE",
                    "Print.Fax.Scan",
                ][r.below(4) as usize];
                line(s, "Info", "", &format!("Feature: {f}~ found. Adding packages to it"));
            }
            5100..=5299 => {
                let phase =
                    ["Resume and Download Job", "Apply Deltas Provided In File", "Extract Files"]
                        [r.below(3) as usize];
                let verb = if r.below(2) == 0 { "Started" } else { "Ending" };
                line(s, "Info", "DPX", &format!("{verb} DPX phase: {phase}"));
            }
            // A failure word on an Info line (about 1%).
            5300..=5399 => {
                line(
                    s,
                    "Info",
                    "CBS",
                    &format!(
                        "Exec: Failed to find a matching servicing stack for the package: {}, will retry after the next boot.",
                        self.package(r)
                    ),
                );
            }
            _ => {
                let pkg = self.package(r);
                let ed = r.pick(&EDITIONS);
                let msg = match r.below(7) {
                    0 => format!(
                        "Appl: detect Parent, Package: {pkg}, Parent: Microsoft-Windows-{ed}Edition~31bf3856ad364e35~amd64~~10.0.19041.{}, Disposition = Detect, VersionComp: EQ, BuildComp: EQ, RevisionComp: GE, Exist: present",
                        self.build
                    ),
                    1 => format!(
                        "Appl: detectParent: package: {pkg}, parent found: Microsoft-Windows-{ed}Edition~31bf3856ad364e35~amd64~~10.0.19041.{}, state: Installed",
                        self.build
                    ),
                    2 => format!(
                        "Appl: Evaluating package applicability for package {pkg}, applicable state: Installed"
                    ),
                    3 => format!(
                        "Plan: Package: {pkg}, Update: {}, current: Installed, pending: Default, start: Installed, applicable: Installed, targeted: Installed, limit: Installed, selected: Default",
                        r.pick(&FILES)
                    ),
                    4 => format!(
                        "Read out cached package applicability for package: {pkg}, ApplicableState: 112, CurrentState:112"
                    ),
                    5 => format!(
                        "Exec: Processing started.  Client: WindowsUpdateAgent, Session(Id): {}_{}, Package: {pkg}",
                        31_100_000 + self.session,
                        r.below(4_000_000_000)
                    ),
                    _ => [
                        "SQM: Initializing online with Windows opt-in: False",
                        "Reboot mark refs: 0",
                        "CbsCoreFinalize: ExecutionEngineFinalize",
                        "Ending TrustedInstaller finalization.",
                        "NonStart: Checking to ensure startup processing was not required.",
                    ][r.below(5) as usize]
                        .to_string(),
                };
                line(s, "Info", "CBS", &msg);
            }
        }
    }
}

/// Writes the CBS history: CbsPersist files, then CBS.log.
fn write_cbs(
    dir: &Path,
    bytes: u64,
    r: &mut Rng,
    planted: &mut Vec<Planted>,
) -> io::Result<Vec<PathBuf>> {
    let mut sizes = Vec::new();
    let mut left = bytes;
    while left > PERSIST_BYTES + PERSIST_BYTES / 4 {
        sizes.push(PERSIST_BYTES);
        left -= PERSIST_BYTES;
    }
    sizes.push(left);
    let mut st = Cbs { seq: 0, session: 0, build: 3930, kb: 5_034_100, txn: 0 };
    let mut done = 0u64;
    let mut paths = Vec::new();
    let mut buf = String::new();
    for (i, &size) in sizes.iter().enumerate() {
        let last = i + 1 == sizes.len();
        let end = civil(clock((done + size) as f64 / bytes as f64));
        let name = if last {
            "CBS.log".to_string()
        } else {
            format!(
                "CbsPersist_{:04}{:02}{:02}{:02}{:02}{:02}.log",
                end.0, end.1, end.2, end.3, end.4, end.5
            )
        };
        let path = dir.join(name);
        let mut out = Out::create(&path, true)?;
        while out.written < size {
            let now = clock((done + out.written) as f64 / bytes as f64);
            if last && out.written + 4096 >= size {
                // The rest of the planted history goes at the end of the current log.
                flush_planted(&mut out, planted, i64::MAX)?;
            } else {
                flush_planted(&mut out, planted, now)?;
            }
            buf.clear();
            let quiet = planted.first().is_some_and(|p| (p.time - now).abs() < QUIET_MICROS);
            st.record(r, now, quiet, &mut buf);
            out.put(&buf)?;
        }
        out.w.flush()?;
        done += out.written;
        paths.push(path);
    }
    Ok(paths)
}

fn write_dism(path: &Path, bytes: u64, r: &mut Rng, planted: &mut Vec<Planted>) -> io::Result<()> {
    let mut out = Out::create(path, true)?;
    let mut s = String::new();
    let (mut pid, mut tid) = (6000u64, 7000u64);
    while out.written < bytes {
        let now = clock(out.written as f64 / bytes as f64);
        flush_planted(&mut out, planted, now)?;
        let stamp = cbs_stamp(civil(now));
        s.clear();
        let mut line = |level: &str, comp: &str, msg: &str| {
            let _ = write!(s, "{stamp}, {level:<22}{comp:<7}{msg}\r\n");
        };
        match r.below(1000) {
            0..=9 => {
                pid = 1000 + r.below(15_000);
                tid = 1000 + r.below(15_000);
                line(
                    "Info",
                    "DISM",
                    &format!(
                        "API: PID={pid} TID={tid} DismApi.dll: <----- Starting DismApi.dll session -----> - DismInitializeInternal"
                    ),
                );
                line(
                    "Info",
                    "DISM",
                    &format!(
                        "DISM.EXE: Host machine information: OS Version=10.0.19045, Running architecture=amd64, Number of processors={}",
                        2 + 2 * r.below(8)
                    ),
                );
            }
            10..=39 => {
                let p = [
                    "OSProvider",
                    "SmiProvider",
                    "IBSProvider",
                    "FfuProvider",
                    "MetaDeployProvider",
                ][r.below(5) as usize];
                line(
                    "Warning",
                    "DISM",
                    &format!(
                        "DISM Provider Store: PID={pid} TID={tid} Failed to Load the provider: C:\\Windows\\System32\\Dism\\{p}.dll. - CDISMProviderStore::Internal_GetProvider(hr:0x8007007e)"
                    ),
                );
            }
            40..=79 => {
                let d = ["$Windows.~BT", "$Windows.~WS", "ESD\\Download", "Windows.old"]
                    [r.below(4) as usize];
                line(
                    "Error",
                    "",
                    &format!(
                        "EnumeratePathEx: FindFirstFile failed for [C:\\{d}\\*]; GLE = 0x3[gle=0x00000003]"
                    ),
                );
            }
            80..=89 => {
                line(
                    "Warning",
                    "DISM",
                    &format!(
                        "DISM Package Manager: PID={pid} TID={tid} CBS AddSource failed with HRESULT=0x8007007b! - CDISMPackageManager::Internal_Finalize"
                    ),
                );
                let _ = write!(
                    s,
                    "[{pid}] [0x8007007b] FIOReadFileIntoBuffer:(1381): Не удается найти указанный файл.\n[{pid}.{tid}] [0xc142011c] UnmarshallImageHandleFromDirectory:(641)\r\n"
                );
            }
            _ => {
                let msg = match r.below(6) {
                    0 => format!(
                        "DISM Provider Store: PID={pid} TID={tid} Getting the collection of providers from a local provider store type. - CDISMProviderStore::GetProviderCollection"
                    ),
                    1 => format!(
                        "DISM Provider Store: PID={pid} TID={tid} Provider has previously been initialized.  Skipping... - CDISMProviderStore::Internal_LoadProvider"
                    ),
                    2 => format!(
                        "DISM Manager: PID={pid} TID={tid} Successfully loaded the ImageSession at \"C:\\Windows\\System32\\Dism\" - CDISMManager::LoadLocalImageSession"
                    ),
                    3 => format!(
                        "DISM Package Manager: PID={pid} TID={tid} Processing the top level command token(cleanup-image). - CPackageManagerCLIHandler::Private_ValidateCmdLine"
                    ),
                    4 => format!(
                        "DISM OS Provider: PID={pid} TID={tid} Determined System directory to be C:\\Windows\\System32 - CDISMOSServiceManager::get_SystemDirectory"
                    ),
                    _ => format!(
                        "DISM Image Session: PID={pid} TID={tid} Instantiating the service provider - CDISMImageSession::get_ServiceProvider"
                    ),
                };
                line("Info", "DISM", &msg);
            }
        }
        out.put(&s)?;
    }
    flush_planted(&mut out, planted, i64::MAX)?;
    out.w.flush()
}

fn guid(r: &mut Rng) -> String {
    let h = r.hex(32).to_ascii_uppercase();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn write_wu(path: &Path, bytes: u64, r: &mut Rng, planted: &mut Vec<Planted>) -> io::Result<()> {
    let mut out = Out::create(path, false)?;
    let mut s = String::new();
    let (mut pid, mut call) = (4000u64, 1u64);
    while out.written < bytes {
        let now = clock(out.written as f64 / bytes as f64);
        flush_planted(&mut out, planted, now)?;
        let t = civil(now);
        let frac = r.below(10_000_000);
        let tid = pid + 4 * r.below(900);
        s.clear();
        let (comp, msg) = match r.below(1000) {
            0..=4 => {
                pid = 1000 + 4 * r.below(4000);
                call += 1;
                ("Agent", format!("* START * Finding updates CallerId = UpdateOrchestrator  Id = {call}"))
            }
            5..=14 => ("ComApi", "*FAILED* [80248007] ISusInternal:: GetUpdateMetadata3".to_string()),
            15..=19 => ("Agent", format!("*FAILED* [8024000E] file = onecore\\enduser\\windowsupdate\\client\\engine\\handler\\handlerbase.cpp, line = {}", 200 + r.below(900))),
            20..=99 => ("Agent", format!("  Title = {}-{:02} Update for Windows Security platform (KB{})", 2024, 1 + r.below(12), 5_000_000 + r.below(90_000))),
            100..=179 => ("Agent", format!("  UpdateId = {}.{}", guid(r), 1 + r.below(200))),
            180..=259 => ("Agent", format!("    Bundles {} updates:", 1 + r.below(3))),
            260..=339 => ("Misc", "Got WSUS Client/Server URL: https://fe3cr.delivery.mp.microsoft.com/ClientWebService/client.asmx".to_string()),
            340..=419 => ("ProtocolTalker", "OK to reuse existing configuration".to_string()),
            420..=499 => ("DownloadManager", format!("Download job {} resumed.", guid(r))),
            500..=579 => ("Shared", "Effective power state: AC".to_string()),
            580..=659 => ("IdleTimer", format!("WU operation (SR.Device Driver Retrieval Client ID {}) started; operation # {}; does use network: 1, is at background priority: 0", r.below(90), r.below(9000))),
            660..=739 => ("SLS", format!("Get response for service {} - forceExpire[False] asyncRefreshOnExpiry[True]", guid(r))),
            740..=819 => ("Agent", "Online = Yes; Interactive = No; AllowCachedResults = No; Ignore download priority = No".to_string()),
            820..=899 => ("Agent", format!("* END * Finding updates CallerId = UpdateOrchestrator, Id = {call}, Exit code = 0x00000000")),
            _ => ("Misc", format!("Load undocked module: UusId:wu.wuaucltcore|hr:0x0|ModuleVer:1214.2401.{}.1|LoadProps:3", r.below(30_000))),
        };
        let _ = write!(
            s,
            "{:04}/{:02}/{:02} {:02}:{:02}:{:02}.{frac:07} {pid:<5} {tid:<5} {comp:<15} {msg}\r\n",
            t.0, t.1, t.2, t.3, t.4, t.5
        );
        out.put(&s)?;
    }
    flush_planted(&mut out, planted, i64::MAX)?;
    out.w.flush()
}

/// The legacy, TAB-separated WindowsUpdate.log of the same machine before its upgrade.
fn write_wu_legacy(path: &Path, bytes: u64, r: &mut Rng) -> io::Result<()> {
    let mut out = Out::create(path, false)?;
    let mut s = String::new();
    let mut pid = 900u64;
    while out.written < bytes {
        // The Windows 7 era: the year before the history starts.
        let now = clock(out.written as f64 / bytes as f64) - 400 * 86_400_000_000;
        let t = civil(now);
        let tid = 0x100 + r.below(0x2000);
        s.clear();
        let (comp, msg) = match r.below(1000) {
            0..=4 => {
                pid = 500 + 4 * r.below(2000);
                ("Misc", "===========  Logging initialized (build: 7.6.7601.24085, tz: +0100)  ===========".to_string())
            }
            5..=9 => {
                ("AU", "###########  AU: Initializing Automatic Updates  ###########".to_string())
            }
            10..=14 => (
                "Agent",
                format!(
                    "WARNING: Failed to evaluate Installed rule, updateId = {{{}}}.{}, hr = 80070057",
                    guid(r),
                    100 + r.below(200)
                ),
            ),
            15..=199 => ("Agent", "*************".to_string()),
            200..=399 => (
                "Agent",
                "** START **  Agent: Finding updates [CallerId = AutomaticUpdates]".to_string(),
            ),
            400..=599 => (
                "AU",
                format!(
                    "AU setting next detection timeout to {}-{:02}-{:02} {:02}:{:02}:{:02}",
                    t.0,
                    t.1,
                    t.2,
                    (t.3 + 4) % 24,
                    t.4,
                    t.5
                ),
            ),
            600..=799 => (
                "Report",
                format!(
                    "REPORT EVENT: {{{}}}\t{}-{:02}-{:02} {:02}:{:02}:{:02}:{:03}+0100\t1\t147 [AGENT_DETECTION_FINISHED]\t101\t{{00000000-0000-0000-0000-000000000000}}\t0\t0\tAutomaticUpdates\tSuccess\tSoftware Synchronization\tWindows Update Client successfully detected {} updates.",
                    guid(r),
                    t.0,
                    t.1,
                    t.2,
                    t.3,
                    t.4,
                    t.5,
                    r.below(1000),
                    r.below(9)
                ),
            ),
            _ => ("DnldMgr", format!("  * Call ID: {{{}}}", guid(r))),
        };
        let _ = write!(
            s,
            "{:04}-{:02}-{:02}\t{:02}:{:02}:{:02}:{:03}\t{pid:>4}\t{tid:x}\t{comp}\t{msg}\r\n",
            t.0,
            t.1,
            t.2,
            t.3,
            t.4,
            t.5,
            r.below(1000)
        );
        out.put(&s)?;
    }
    out.w.flush()
}

/// An Application log exported with `wevtutil qe /f:text`, saved as UTF-16LE with a BOM.
fn write_export(path: &Path, bytes: u64, r: &mut Rng) -> io::Result<()> {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p)?;
    }
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    w.write_all(&[0xFF, 0xFE])?;
    let mut written = 2u64;
    let mut s = String::new();
    let mut units = Vec::new();
    let mut n = 0u64;
    while written < bytes {
        let now = clock(written as f64 / bytes as f64);
        let t = civil(now);
        let (source, id, level, desc) = match r.below(1000) {
            0..=4 => ("Application Error", 1000, "Error", format!("Faulting application name: updater.exe, version: 3.{}.0.0, time stamp: 0x{}\r\nFaulting module name: ntdll.dll, version: 10.0.19041.3930\r\nException code: 0xc0000005", r.below(9), r.hex(8))),
            5..=34 => ("Microsoft-Windows-User Profiles Service", 1530, "Warning", "Windows detected your registry file is still in use by other applications or services. The file will be unloaded now.".to_string()),
            35..=299 => ("Microsoft-Windows-Security-SPP", 16384, "Information", format!("Successfully scheduled Software Protection service for re-start at {}-{:02}-{:02}T{:02}:{:02}:{:02}Z. Reason: RulesEngine.", t.0, t.1, t.2, (t.3 + 1) % 24, t.4, t.5)),
            300..=499 => ("ESENT", 326, "Information", format!("svchost ({}) SRUJet: The database engine attached a database (1, C:\\WINDOWS\\system32\\SRU\\SRUDB.dat). (Time={} seconds)", r.below(9000), r.below(3))),
            500..=699 => ("VSS", 8224, "Information", "The VSS service is shutting down due to idle timeout.".to_string()),
            700..=849 => ("MsiInstaller", 1035, "Information", format!("Windows Installer reconfigured the product. Product Name: Runtime Components {}. Product Version: 14.{}.0. Reconfiguration success or error status: 0.", r.below(9), r.below(40))),
            _ => ("Microsoft-Windows-RestartManager", 10000, "Information", format!("Starting session {} - {}-{:02}-{:02}T{:02}:{:02}:{:02}.{}Z.", r.below(4), t.0, t.1, t.2, t.3, t.4, t.5, r.below(1_000_000))),
        };
        s.clear();
        let _ = write!(
            s,
            "Event[{n}]:\r\n  Log Name: Application\r\n  Source: {source}\r\n  Date: {:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}0000Z\r\n  Event ID: {id}\r\n  Task: N/A\r\n  Level: {level}\r\n  Opcode: Info\r\n  Keyword: Classic\r\n  User: N/A\r\n  User Name: N/A\r\n  Computer: {COMPUTER}\r\n  Description: \r\n{desc}\r\n\r\n",
            t.0,
            t.1,
            t.2,
            t.3,
            t.4,
            t.5,
            r.below(1000)
        );
        n += 1;
        units.clear();
        for u in s.encode_utf16() {
            units.extend_from_slice(&u.to_le_bytes());
        }
        w.write_all(&units)?;
        written += units.len() as u64;
    }
    w.flush()
}

fn spec(
    provider: &str,
    id: u16,
    level: u8,
    local: i64,
    channel: &str,
    payload: Payload,
) -> EventSpec {
    EventSpec {
        provider: provider.into(),
        provider_guid: None,
        event_id: id,
        qualifiers: None,
        level,
        time_unix_micros: local - OFFSET_MIN * 60_000_000,
        channel: channel.into(),
        computer: COMPUTER.into(),
        payload,
    }
}

fn named(f: &[(&str, String)]) -> Payload {
    Payload::EventData(f.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect())
}

/// One background event of a channel at local time `t`.
fn background_event(channel: &str, r: &mut Rng, t: i64) -> EventSpec {
    match channel {
        "System" => match r.below(100) {
            0..=49 => {
                let svc = [
                    "Windows Modules Installer",
                    "Windows Update",
                    "Background Intelligent Transfer Service",
                    "Delivery Optimization",
                    "Windows Error Reporting Service",
                ][r.below(5) as usize];
                let state = if r.below(2) == 0 { "running" } else { "stopped" };
                let mut e = spec(
                    "Service Control Manager",
                    7036,
                    4,
                    t,
                    "System",
                    Payload::Classic {
                        data: vec![svc.to_string(), state.to_string()],
                        binary: Some(b"w\0u\0a\0u\0s\0e\0r\0v\0/\x004\0\0\0".to_vec()),
                    },
                );
                e.qualifiers = Some(0x4000);
                e
            }
            50..=59 => spec(
                "Microsoft-Windows-DistributedCOM",
                10016,
                3,
                t,
                "System",
                named(&[
                    ("param1", "application-specific".into()),
                    ("param2", "Local".into()),
                    ("param3", "Activation".into()),
                    ("param4", format!("{{{}}}", guid(r))),
                ]),
            ),
            60..=74 => spec(
                "Microsoft-Windows-Kernel-General",
                16,
                4,
                t,
                "System",
                named(&[
                    ("Hive", "\\??\\C:\\Users\\user\\ntuser.dat".into()),
                    ("KeysUpdated", r.below(90).to_string()),
                    ("DirtyPages", r.below(500).to_string()),
                ]),
            ),
            75..=84 => spec(
                "Microsoft-Windows-Time-Service",
                37,
                4,
                t,
                "System",
                named(&[(
                    "TimeSource",
                    "time.windows.com,0x9 (ntp.m|0x9|0.0.0.0:123->40.119.6.228:123)".into(),
                )]),
            ),
            _ => {
                let kb = 5_000_000 + r.below(90_000);
                let title = format!(
                    "Security Intelligence Update for Microsoft Defender Antivirus - KB{kb} (Version 1.40{}.{}.0)",
                    r.below(9),
                    r.below(900)
                );
                let id = [43u16, 44, 19][r.below(3) as usize];
                let mut f = vec![
                    ("updateTitle", title),
                    ("updateGuid", format!("{{{}}}", guid(r).to_ascii_lowercase())),
                    ("updateRevisionNumber", "200".to_string()),
                ];
                if id == 19 {
                    f.push(("serviceGuid", "{9482f4b4-e343-43b6-b170-9a65bc822c77}".into()));
                }
                let mut e =
                    spec("Microsoft-Windows-WindowsUpdateClient", id, 4, t, "System", named(&f));
                e.provider_guid = Some(scenarios::WU_GUID.into());
                e
            }
        },
        "Setup" => {
            let kb = format!("KB{}", 5_030_000 + r.below(20_000));
            let id = [1u16, 2, 2, 4][r.below(4) as usize];
            spec(
                "Microsoft-Windows-Servicing",
                id,
                0,
                t,
                "Setup",
                Payload::UserData {
                    element: "CbsPackageChangeState".into(),
                    xmlns: scenarios::SETUP_NS.into(),
                    fields: vec![
                        ("PackageIdentifier".into(), kb),
                        ("IntendedPackageState".into(), "5112".into()),
                        ("IntendedPackageStateTextized".into(), "Installed".into()),
                        ("ErrorCode".into(), "0x0".into()),
                        ("Client".into(), "UpdateAgentLCU".into()),
                    ],
                },
            )
        }
        _ => match r.below(100) {
            0 => spec(
                "Application Error",
                1000,
                2,
                t,
                "Application",
                Payload::Classic {
                    data: vec![
                        "updater.exe".into(),
                        "3.1.0.0".into(),
                        r.hex(8),
                        "ntdll.dll".into(),
                        "0xc0000005".into(),
                    ],
                    binary: None,
                },
            ),
            1..=40 => spec(
                "Microsoft-Windows-Security-SPP",
                16384,
                4,
                t,
                "Application",
                named(&[
                    ("param1", "2025-01-01T00:00:00Z".into()),
                    ("param2", "RulesEngine".into()),
                ]),
            ),
            41..=70 => spec(
                "ESENT",
                326,
                4,
                t,
                "Application",
                Payload::Classic {
                    data: vec![
                        "svchost".into(),
                        r.below(9000).to_string(),
                        "SRUJet: ".into(),
                        "1".into(),
                        "C:\\WINDOWS\\system32\\SRU\\SRUDB.dat".into(),
                        "0".into(),
                    ],
                    binary: None,
                },
            ),
            _ => spec(
                "VSS",
                8224,
                4,
                t,
                "Application",
                Payload::Classic { data: vec![], binary: Some(r.hex(16).into_bytes()) },
            ),
        },
    }
}

/// Writes an .evtx of about `bytes` with background events plus `planted` ones, in time order.
fn write_evtx_file(
    path: &Path,
    channel: &str,
    bytes: u64,
    r: &mut Rng,
    planted: Vec<EventSpec>,
) -> io::Result<()> {
    // Measure the writer's bytes per event on a sample, then write the real count.
    let sample: Vec<EventSpec> =
        (0..2000).map(|i| background_event(channel, &mut Rng(i), clock(0.5))).collect();
    let per_event = (write_evtx(&sample).len() as f64 / 2000.0).max(1.0);
    let n = ((bytes as f64 / per_event) as u64).max(1);
    let mut events: Vec<EventSpec> =
        (0..n).map(|i| background_event(channel, r, clock(i as f64 / n as f64))).collect();
    events.extend(planted);
    events.sort_by_key(|e| e.time_unix_micros);
    if let Some(p) = path.parent() {
        fs::create_dir_all(p)?;
    }
    fs::write(path, write_evtx(&events))
}

struct Args {
    size: u64,
    seed: u64,
    out: PathBuf,
}

fn args() -> Result<Args, String> {
    let mut a = Args { size: 100 << 20, seed: 7, out: PathBuf::new() };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or_else(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--size" => a.size = wutriage::units::parse_size(&v)?,
            "--seed" => a.seed = v.parse().map_err(|_| format!("bad seed {v:?}"))?,
            "--out" => a.out = PathBuf::from(v),
            _ => return Err(format!("unknown option {k}")),
        }
    }
    if a.out.as_os_str().is_empty() {
        return Err("usage: make-bundle --size 1GiB [--seed 7] --out DIR".into());
    }
    Ok(a)
}

fn main() -> io::Result<()> {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if a.out.exists() {
        fs::remove_dir_all(&a.out)?;
    }
    let mut r = Rng(a.seed);
    let share = |f: f64| (a.size as f64 * f) as u64;
    let (mut cbs_p, mut dism_p, mut wu_p) = (Vec::new(), Vec::new(), Vec::new());
    let (mut sys_p, mut setup_p) = (Vec::new(), Vec::new());
    for s in scenarios::all().into_iter().filter(|s| PLANTED.contains(&s.name)) {
        for (path, log) in &s.text {
            let recs = planted_records(log.lines(), dash_stamp);
            match path.rsplit('/').next().unwrap_or(path) {
                "CBS.log" => cbs_p.extend(recs),
                "dism.log" => dism_p.extend(recs),
                _ => wu_p.extend(recs),
            }
        }
        for (path, ev) in &s.evtx {
            if path.ends_with("Setup.evtx") {
                setup_p.extend(ev.list.iter().cloned());
            } else {
                sys_p.extend(ev.list.iter().cloned());
            }
        }
        println!("planted: {}", s.name);
    }
    for p in [&mut cbs_p, &mut dism_p, &mut wu_p] {
        p.sort_by_key(|x| x.time);
    }
    let logs = a.out.join("Logs");
    let cbs = write_cbs(&logs.join("CBS"), share(0.66), &mut r, &mut cbs_p)?;
    write_dism(&logs.join("DISM/dism.log"), share(0.07), &mut r, &mut dism_p)?;
    write_wu(&logs.join("WindowsUpdate.log"), share(0.07), &mut r, &mut wu_p)?;
    write_wu_legacy(&logs.join("Windows7/WindowsUpdate.log"), share(0.02), &mut r)?;
    let ev = a.out.join("EventLogs");
    write_export(&ev.join("Application-export.txt"), share(0.02), &mut r)?;
    write_evtx_file(&ev.join("System.evtx"), "System", share(0.09), &mut r, sys_p)?;
    write_evtx_file(&ev.join("Setup.evtx"), "Setup", share(0.02), &mut r, setup_p)?;
    write_evtx_file(&ev.join("Application.evtx"), "Application", share(0.05), &mut r, Vec::new())?;
    println!("wrote {} ({} CBS files)", a.out.display(), cbs.len());
    Ok(())
}
