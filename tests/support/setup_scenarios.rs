//! Feature-update bundles: Windows Setup's logs of one upgrade attempt each, written by us
//! in the grammar of FORMATS.md §6 and §9 (no corpus text). One per SetupDiag-class rule
//! family: a compatibility block, disk space, a driver at first boot, a bug check with a
//! setup memory dump, a migration failure, and a cancel. Written to `fixtures/upgrades/`
//! by `examples/make-fixtures.rs`.
#![allow(dead_code, unreachable_pub, clippy::pedantic)]

use super::scenarios::{Civil, Events, Log, at, micros};

/// One bundle: its name, its README, and its files (bundle path, bytes).
pub struct SetupScenario {
    pub name: &'static str,
    pub readme: &'static str,
    pub files: Vec<(&'static str, Vec<u8>)>,
}

const TARGET: &str = "10.0.22631.2428 (ni_release_svc_prod3.231018-1809)";

/// The opening lines every SetupHost run writes.
fn host_start(log: &mut Log, t: Civil, cmdline: &str) {
    log.cbs(
        t,
        "Info",
        "MOUPG",
        &format!("SetupHost::Initialize: CmdLine                = [{cmdline}]"),
    )
    .cbs(t, "Info", "MOUPG", &format!("SetupHost: Setup build version is: {TARGET}"))
    .cbs(
        at(t, 1),
        "Info",
        "CONX",
        "Host OS version: 10.0.19045.0  (0.0) Platform 0x2, SuiteMask 0x100, ProdType 0x1",
    )
    .cbs(at(t, 1), "Info", "MOUPG", "    Host OS Version         [ 10.0.19045 ]");
}

/// The end of a run that failed down-level with `result` (and extend code `ext`).
fn downlevel_end(log: &mut Log, t: Civil, result: &str, ext: Option<&str>) {
    log.cbs(
        t,
        "Error",
        "MOUPG",
        &format!("CSetupManager::ExecuteDownlevelMode(410): Result = {result}"),
    )
    .cbs(t, "Info", "MOUPG", "Setup phase change: [SetupPhaseInstall] -> [SetupPhaseError]")
    .cbs(
        at(t, 1),
        "Info",
        "MOUPG",
        &format!("ImageExit: Initializing SetupResult: [{}]", result.to_lowercase()),
    );
    if let Some(x) = ext {
        log.cbs(at(t, 1), "Info", "MOUPG", &format!("ImageExit: Initializing Extended:    [{x}]"));
    }
    log.cbs(
        at(t, 30),
        "Info",
        "MOUPG",
        &format!("Finalize: Remapping install error [{result}] -> [0xC1900108] for telemetry."),
    )
    .cbs(at(t, 31), "Error", "MOUPG", &format!("CSetupHost::Execute(433): Result = {result}"));
}

/// A rollback log: the Safe OS part (phase 0, its clock two hours behind) then the restored
/// OS reporting the result.
fn rollback_log(
    t: Civil,
    phase: u32,
    op: u32,
    extra: &[(&str, &str, &str)],
    result: &str,
    ext: &str,
) -> Log {
    let mut log = Log::new(true);
    log.cbs(t, "Info", "SP", "Initiating rollback/uninstall, phase = 0")
        .cbs(t, "Info", "SP", &format!("Current phase : {phase}"))
        .cbs(t, "Info", "SP", &format!("Current op    : {op}"))
        .cbs(t, "Info", "SP", "Current result: Unknown");
    for (level, comp, msg) in extra {
        log.cbs(at(t, 1), level, comp, msg);
    }
    log.cbs(at(t, 60), "Info", "SP", "Rollback completed successfully.");
    // The restored OS' clock: two hours ahead of the Safe OS'.
    let r = at(t, 2 * 3600 + 120);
    log.cbs(r, "Info", "SP", "Initiating rollback/uninstall, phase = 1");
    host_start(&mut log, r, "/RollbackSys /Media /ClientId Media360");
    log.cbs(
        at(r, 5),
        "Info",
        "MOUPG",
        &format!("SetupHost: Reporting post reboot event -> [{result}, {ext}]"),
    )
    .cbs(
        at(r, 5),
        "Info",
        "MOUPG",
        &format!("ImageExit: Initializing SetupResult: [{}]", result.to_lowercase()),
    )
    .cbs(
        at(r, 5),
        "Info",
        "MOUPG",
        &format!("ImageExit: Initializing Extended:    [{}]", ext.to_lowercase()),
    )
    .cbs(
        at(r, 9),
        "Info",
        "MOUPG",
        &format!("Finalize: Remapping install error [{result}] -> [0xC1900108] for telemetry."),
    )
    // A line written with the Safe OS' clock after the restored OS' ones: time goes back.
    .cbs(at(t, 61), "Error", "SP", "Failed to merge telemetry file: . hr = 0X80070057");
    log
}

/// A setupapi log: a header, a boot session, then the sections given as (title, lines,
/// exit status or `None` for a section that never ended).
fn setupapi(boot: Civil, sections: &[(&str, &[&str], Option<&str>)]) -> Vec<u8> {
    let stamp = |t: Civil| {
        format!("{:04}/{:02}/{:02} {:02}:{:02}:{:02}.{:03}", t.0, t.1, t.2, t.3, t.4, t.5, 250)
    };
    let mut out = String::from(
        "[Device Install Log]\r\n     OS Version = 10.0.22631\r\n     Service Pack = 0.0\r\n\r\n[BeginLog]\r\n\r\n",
    );
    out.push_str(&format!("[Boot Session: {}]\r\n\r\n", stamp(boot)));
    for (k, (title, body, exit)) in sections.iter().enumerate() {
        let t = at(boot, 60 + 30 * k as i64);
        out.push_str(&format!(">>>  [{title}]\r\n>>>  Section start {}\r\n", stamp(t)));
        for l in *body {
            out.push_str(l);
            out.push_str("\r\n");
        }
        if let Some(x) = exit {
            out.push_str(&format!(
                "<<<  Section end {}\r\n<<<  [Exit status: {x}]\r\n\r\n",
                stamp(at(t, 12))
            ));
        }
    }
    out.into_bytes()
}

/// A minidump header (`MINIDUMP_HEADER`: signature, version, no streams, the time).
fn minidump(utc: Civil) -> Vec<u8> {
    let mut d = b"MDMP".to_vec();
    d.extend_from_slice(&0x0000_A793u32.to_le_bytes());
    d.extend_from_slice(&[0; 12]);
    d.extend_from_slice(&((micros(utc) / 1_000_000) as u32).to_le_bytes());
    d.resize(4096, 0);
    d
}

fn compat_report(items: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<CompatReport xmlns=\"http://www.microsoft.com/ApplicationExperience/UpgradeAdvisor/01012009\"><System X64Capable=\"True\" X64Running=\"True\"/>{items}</CompatReport>\r\n"
    )
    .into_bytes()
}

/// An application's hard block stops the upgrade in the compatibility scan.
fn compat_block() -> SetupScenario {
    let t: Civil = (2024, 2, 20, 10, 15, 0);
    let mut act = Log::new(true);
    host_start(&mut act, t, "/Install /Media");
    act.cbs(
        at(t, 2),
        "Info",
        "MOUPG",
        "Setup phase change: [SetupPhaseUnknown] -> [SetupPhasePrepare]",
    )
    .cbs(at(t, 20), "Info", "CONX", "Compatibility scan finished; 1 blocking issue(s) found.")
    .cbs(
        at(t, 30),
        "Info",
        "MOUPG",
        "Setup phase change: [SetupPhasePrepare] -> [SetupPhaseInstall]",
    );
    downlevel_end(&mut act, at(t, 31), "0xC1900208", None);
    let report = compat_report(
        "<Hardware><HardwareItem HardwareType=\"Setup_SecureBoot\"><CompatibilityInfo BlockingType=\"None\"/></HardwareItem></Hardware>\r\n<Programs><Program Name=\"Contoso VPN Client 4.2\"><CompatibilityInfo BlockingType=\"Hard\" Title=\"Contoso VPN Client 4.2\" Message=\"This app doesn't work with this version of Windows.\"/><Action Name=\"UninstallApp\" ResolveState=\"Soft\"/></Program></Programs>",
    );
    SetupScenario {
        name: "compat-block",
        readme: "# compat-block\n\nAn in-place upgrade to 10.0.22631 from media stops in the compatibility scan:\n`CompatData_*.xml` hard-blocks an application (Contoso VPN Client 4.2) and Setup ends with\n`MOSETUP_E_COMPAT_INSTALLREQ_BLOCK` (0xC1900208), reported to telemetry as 0xC1900108.\n\nExpected: a down-level failure, cause an incompatible application; update or uninstall it.\n",
        files: vec![
            ("$WINDOWS.~BT/Sources/Panther/setupact.log", act.bytes()),
            ("$WINDOWS.~BT/Sources/Panther/CompatData_2024_02_20_10_15_20_0_0006000f.xml", report),
        ],
    }
}

/// The system drive fills up before the first restart.
fn disk_space() -> SetupScenario {
    let t: Civil = (2024, 3, 5, 14, 2, 0);
    let mut act = Log::new(true);
    host_start(&mut act, t, "/Install /Media /Auto Upgrade");
    act.cbs(at(t, 2), "Info", "MOUPG", "Setup phase change: [SetupPhasePrepare] -> [SetupPhaseInstall]")
        .cbs(at(t, 40), "Info", "SP", "Executing operation: Apply WIM file PathForNewOSFile (compact), index 3 to C:\\$WINDOWS.~BT\\NewOS")
        .cbs(at(t, 410), "Error", "SP", "CApplyWimOperation: Not enough disk space on C: to apply the image (needed 20480 MB, free 6022 MB).")
        .cbs(at(t, 410), "Error", "SP", "Operation failed: Apply WIM file PathForNewOSFile (compact), index 3 to C:\\$WINDOWS.~BT\\NewOS. Error: 0x80070070[gle=0x00000070]");
    downlevel_end(&mut act, at(t, 412), "0x80070070", Some("0x50011"));
    let err: Log = {
        let mut e = Log::new(true);
        e.cbs(at(t, 410), "Error", "SP", "CApplyWimOperation: Not enough disk space on C: to apply the image (needed 20480 MB, free 6022 MB).")
            .cbs(at(t, 410), "Error", "SP", "Operation failed: Apply WIM file PathForNewOSFile (compact), index 3 to C:\\$WINDOWS.~BT\\NewOS. Error: 0x80070070[gle=0x00000070]");
        e
    };
    SetupScenario {
        name: "disk-space",
        readme: "# disk-space\n\nAn upgrade to 10.0.22631 fails down-level while applying the new image: the system\ndrive has 6 GB free of the 20 GB needed; Setup ends with `0x80070070-0x50011`\n(`ERROR_DISK_FULL`), reported to telemetry as 0xC1900108.\n\nExpected: cause low disk space; free about 20 GB and retry.\n",
        files: vec![
            ("$WINDOWS.~BT/Sources/Panther/setupact.log", act.bytes()),
            ("$WINDOWS.~BT/Sources/Panther/setuperr.log", err.bytes()),
        ],
    }
}

/// A device driver fails at the first boot of the new OS; setup rolls back (0x30018).
fn driver_first_boot() -> SetupScenario {
    let t: Civil = (2024, 4, 9, 1, 40, 0);
    let roll = rollback_log(t, 3, 24, &[], "0xC1900101", "0x30018");
    let api = setupapi(
        at(t, -900),
        &[
            (
                "Setup online Device Install (Hardware initiated) - PCI\\VEN_1B21&DEV_2142\\4&2ad3f1c&0&00E4",
                &[
                    "     dvi: {Build Driver List} 01:25:01.340",
                    "!    inf: NH section [PciASPMOptIn] found in included INF \"pci.inf\", not referenced from [Fabrikam_Inst.NT]. Code = 0xE000022D",
                    "!    set: PCI\\VEN_1B21&DEV_2142\\4&2ad3f1c&0&00E4 -> Configured [oem42.inf:PCI\\VEN_1B21&DEV_2142] and unstarted with problem CM_PROB_FAILED_INSTALL (28) [0xC0000490] (ConfigFlags = 0x00000040).",
                ],
                Some("SUCCESS"),
            ),
            (
                "Sysprep Specialize - {94105898-e6d3-5c5e-a7c5-32077ec3d4d4}",
                &["     set: System Information:", "     set:      BIOS Vendor: Fabrikam"],
                None,
            ),
        ],
    );
    SetupScenario {
        name: "driver-first-boot",
        readme: "# driver-first-boot\n\nAn upgrade to 10.0.22631 rolls back from the first boot of the new OS, in sysprep:\n`0xC1900101-0x30018`. The rollback saved the new OS' `setupapi.dev.log`: a USB controller\n(oem42.inf) failed to install (`CM_PROB_FAILED_INSTALL`) and the sysprep device install\nnever ended. The rollback log's clock jumps two hours between the Safe OS and the\nrestored OS.\n\nExpected: phase first boot, operation SYSPREP, cause a driver; disconnect devices, update\nor remove the driver.\n",
        files: vec![
            ("$WINDOWS.~BT/Sources/Rollback/setupact.log", roll.bytes()),
            ("$WINDOWS.~BT/Sources/Rollback/setupapi/setupapi.dev.log", api),
        ],
    }
}

/// The machine bug-checks in the second boot; Setup extracted setupmem.dmp.
fn bugcheck_dump() -> SetupScenario {
    let t: Civil = (2024, 5, 14, 23, 5, 0);
    let roll = rollback_log(
        t,
        4,
        13,
        &[
            (
                "Info",
                "SP",
                "Current bugcheck string: 0x7E,0xFFFFFFFFC0000005,0xFFFFF8015BC0036A,0xFFFFD000E5D23728,0xFFFFD000E5D22F40",
            ),
            ("Info", "SP", "Crash 0x0000007E detected"),
            ("Info", "SP", "  Module name           : contosoflt.sys"),
            ("Info", "SP", "  Bugcheck parameter 1  : 0xFFFFFFFFC0000005"),
            ("Info", "SP", "Cannot recover the system."),
        ],
        "0xC1900101",
        "0x4000D",
    );
    let mut sys = Events::new("FIN-WS114");
    // The restored OS' clock is local time at UTC+2: its 01:07 is 23:07 UTC.
    sys.data(
        "Microsoft-Windows-Kernel-Power",
        41,
        1,
        at(t, 122),
        "System",
        &[
            ("BugcheckCode", "126"),
            ("BugcheckParameter1", "0xffffffffc0000005"),
            ("SleepInProgress", "0"),
            ("PowerButtonTimestamp", "0"),
        ],
    );
    SetupScenario {
        name: "bugcheck-dump",
        readme: "# bugcheck-dump\n\nAn upgrade to 10.0.22631 bug-checks (0x7E, in a third-party filter driver) during the\nsecond boot while migrating data; Setup rolls back with `0xC1900101-0x4000D` and extracts\n`setupmem.dmp`. The System log records the restart with the bug check code (Kernel-Power 41).\n\nExpected: phase second boot (OOBE), cause a driver (the crash, the dump and the event agree),\nahead of migration.\n",
        files: vec![
            ("$WINDOWS.~BT/Sources/Rollback/setupact.log", roll.bytes()),
            ("$WINDOWS.~BT/Sources/Rollback/setupmem.dmp", minidump(at(t, 30))),
            ("System.evtx", sys.bytes()),
        ],
    }
}

/// A migration plug-in fails at first boot; setup rolls back (0x3000D).
fn migration() -> SetupScenario {
    let t: Civil = (2024, 6, 3, 3, 20, 0);
    let mut err = Log::new(true);
    err.cbs(at(t, -600), "Error", "MIG", "Failure while calling IPostApply->ApplySuccess for Plugin={ServerPath=\"%windir%\\system32\\migration\\contosomig.dll\", CLSID={8A3D2C11-5B7E-4F0A-9C21-3E4F5A6B7C8D}, Module=contosomig.dll}. Error: 0x80070002")
        .cbs(at(t, -600), "Error", "SP", "Error WRITE, 0x00000002 while gathering/applying object: Apply, Plugin, contosomig.dll. Will return 0[gle=0x00000002]")
        .cbs(at(t, -598), "Error", "MIG", "Migration aborted: the apply of plug-in contosomig.dll failed. Error: 0x80070002");
    let roll = rollback_log(t, 3, 13, &[], "0xC1900101", "0x3000D");
    SetupScenario {
        name: "migration",
        readme: "# migration\n\nAn upgrade to 10.0.22631 fails at first boot while migrating data: an application's\nmigration plug-in (contosomig.dll) fails to apply, migration is aborted and Setup rolls back\nwith `0xC1900101-0x3000D`.\n\nExpected: phase first boot, operation MIGRATE_DATA, cause a migration failure (the plug-in is\nnamed), ahead of drivers.\n",
        files: vec![
            ("$WINDOWS.~BT/Sources/Panther/setuperr.log", err.bytes()),
            ("$WINDOWS.~BT/Sources/Rollback/setupact.log", roll.bytes()),
        ],
    }
}

/// The user cancels the Media Creation Tool download.
fn cancelled() -> SetupScenario {
    let t: Civil = (2024, 7, 1, 9, 0, 0);
    let mut act = Log::new(false);
    host_start(&mut act, t, "/Download /Web");
    act.cbs(
        at(t, 4),
        "Info",
        "MOUPG",
        "Setup phase change: [SetupPhaseUnknown] -> [SetupPhasePreDownload]",
    )
    .cbs(at(t, 140), "Info", "MOUPG", "CInstallUI::ConfirmCanceled: User cancel confirmed")
    .cbs(
        at(t, 140),
        "Info",
        "MOUPG",
        "CInstallUI::OnProgressChanged: Cancel is requested. Returning ERROR_REQUEST_ABORTED",
    )
    .cbs(at(t, 140), "Error", "MOUPG", "CDlpTask::Cancel(984): Result = 0xC1800108")
    .cbs(
        at(t, 185),
        "Info",
        "MOUPG",
        "Setup phase change: [SetupPhasePreDownload] -> [SetupPhaseError]",
    )
    .cbs(
        at(t, 200),
        "Info",
        "MOUPG",
        "SetupNotify::Remapping internal cancellation request [0x800704D3] -> [0x800704C7]",
    )
    .cbs(at(t, 201), "Error", "MOUPG", "CSetupHost::Execute(433): Result = 0x800704C7");
    SetupScenario {
        name: "cancelled",
        readme: "# cancelled\n\nThe user starts the Media Creation Tool for 10.0.22631 and cancels the download two\nminutes later; Setup ends with `ERROR_CANCELLED` (0x800704C7) and logs cancel codes\n(0xC1800108).\n\nExpected: reported as cancelled by the user; no incident, no cause.\n",
        files: vec![("$Windows.~WS/Sources/Panther/setupact.log", act.bytes())],
    }
}

pub fn all() -> Vec<SetupScenario> {
    vec![
        compat_block(),
        disk_space(),
        driver_first_boot(),
        bugcheck_dump(),
        migration(),
        cancelled(),
    ]
}
