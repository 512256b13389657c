//! The remedy catalogue, in our own words, with exact commands, a risk level and the
//! conditions under which each must wait (REFERENCE.md §7).

use serde::Serialize;

/// Identifies a remedy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RemedyId {
    /// Copy the data off a failing disk.
    BackUpDisk,
    /// Read-only disk and SMART checks.
    CheckDiskReadOnly,
    /// `chkdsk /r`: repairs that write.
    RepairDisk,
    /// The built-in Windows Update troubleshooter.
    Troubleshooter,
    /// Restart, then revert pending actions if needed.
    Restart,
    /// Free disk space.
    FreeSpace,
    /// Clean boot or pause third-party antivirus.
    CleanBoot,
    /// Check the network path to the update service.
    CheckNetwork,
    /// Reset the Windows Update components.
    ResetComponents,
    /// DISM `RestoreHealth`.
    RestoreHealth,
    /// System File Checker.
    Sfc,
    /// Install the update by hand from the Microsoft Update Catalog.
    ManualInstall,
    /// In-place upgrade (repair install).
    RepairInstall,
    /// Check the machine against the new version's hardware requirements.
    CheckRequirements,
    /// Disconnect peripherals and extra drives before retrying an upgrade.
    DisconnectDevices,
    /// Update or remove the driver a failed upgrade names.
    UpdateDrivers,
    /// Uninstall or update the application that blocks an upgrade.
    UninstallApp,
    /// Fresh installation media, and setup's old working files cleared.
    FreshMedia,
    /// Remove stale user profiles that break migration.
    RepairProfiles,
    /// Find the Defender attack surface reduction rule that blocked the installer, and set
    /// it to audit for the update.
    ReviewAsrRule,
}

/// How much a remedy changes the machine.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    /// Reads only.
    ReadOnly,
    /// Changes settings or restarts, easy to undo.
    Low,
    /// Writes system files or the component store.
    ChangesSystem,
    /// Heavy writes or long full-disk reads: harmful on a failing disk.
    RiskyOnFailingStorage,
}

impl Risk {
    /// Words for reports.
    pub fn label(self) -> &'static str {
        match self {
            Risk::ReadOnly => "read-only",
            Risk::Low => "low",
            Risk::ChangesSystem => "changes the system",
            Risk::RiskyOnFailingStorage => "risky on a failing disk",
        }
    }
}

/// The shell a command is written for: it works there as it is, pasted into an elevated
/// window of that shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Shell {
    /// Command Prompt (`cmd.exe`): `%VAR%`, `&&`.
    Cmd,
    /// Windows PowerShell 5.1 or PowerShell 7: cmdlets and pipelines of objects.
    PowerShell,
}

impl Shell {
    /// How reports name it.
    pub fn label(self) -> &'static str {
        match self {
            Shell::Cmd => "elevated Command Prompt",
            Shell::PowerShell => "elevated PowerShell",
        }
    }
}

/// One step of a remedy: what to do, and the exact command when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Step {
    /// What the step does.
    pub what: String,
    /// The command to run, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The shell the command is written for (set whenever there is a command).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shell: Option<Shell>,
}

/// A remedy as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Remedy {
    /// Which remedy.
    pub id: RemedyId,
    /// One-line title.
    pub title: String,
    /// Why it is suggested here.
    pub why: String,
    /// How much it changes the machine.
    pub risk: Risk,
    /// What must be true before it is run (empty: can be run now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait: Option<String>,
    /// The steps.
    pub steps: Vec<Step>,
}

/// What the catalogue needs to fill in a remedy.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// KB numbers of the failing updates.
    pub kbs: Vec<u32>,
    /// The logs show that DISM could not find repair files.
    pub source_missing: bool,
    /// A newer servicing stack is required.
    pub servicing_stack_required: bool,
    /// Storage is failing (corroborated): writing remedies wait for a backup.
    pub storage_failing: bool,
    /// Drivers or devices a failed upgrade names (`oem1.inf`, a device instance).
    pub drivers: Vec<String>,
    /// Applications a compatibility scan names.
    pub apps: Vec<String>,
    /// The GUID of the Defender attack surface reduction rule that blocked the installer.
    pub asr_rule: Option<String>,
}

/// A step whose command (if any) is for Command Prompt.
fn step(what: &str, command: Option<&str>) -> Step {
    Step {
        what: what.to_string(),
        command: command.map(str::to_string),
        shell: command.map(|_| Shell::Cmd),
    }
}

/// A step whose command is for PowerShell.
fn ps_step(what: &str, command: &str) -> Step {
    Step {
        what: what.to_string(),
        command: Some(command.to_string()),
        shell: Some(Shell::PowerShell),
    }
}

impl RemedyId {
    /// The remedy's risk.
    pub fn risk(self) -> Risk {
        match self {
            RemedyId::BackUpDisk
            | RemedyId::CheckDiskReadOnly
            | RemedyId::CheckNetwork
            | RemedyId::CheckRequirements => Risk::ReadOnly,
            RemedyId::Troubleshooter
            | RemedyId::Restart
            | RemedyId::FreeSpace
            | RemedyId::CleanBoot
            | RemedyId::DisconnectDevices
            | RemedyId::FreshMedia
            | RemedyId::ReviewAsrRule => Risk::Low,
            RemedyId::ResetComponents
            | RemedyId::ManualInstall
            | RemedyId::UpdateDrivers
            | RemedyId::UninstallApp
            | RemedyId::RepairProfiles => Risk::ChangesSystem,
            RemedyId::RepairDisk
            | RemedyId::RestoreHealth
            | RemedyId::Sfc
            | RemedyId::RepairInstall => Risk::RiskyOnFailingStorage,
        }
    }

    /// The full remedy for this context.
    pub fn build(self, ctx: &Context, why: &str) -> Remedy {
        let kb = ctx.kbs.first().map(|k| format!("KB{k}"));
        let kb_text = kb.clone().unwrap_or_else(|| "the failing update".to_string());
        let (title, steps): (String, Vec<Step>) = match self {
            RemedyId::BackUpDisk => (
                "Back up or image the disk before anything else".into(),
                vec![
                    step(
                        "Copy the user's data to another drive first, most important files first; stop at the first sign of the disk getting worse.",
                        None,
                    ),
                    step(
                        "If the disk must be kept, take a sector image with a tool that skips unreadable areas and retries them last (for example GNU ddrescue from a rescue USB stick).",
                        None,
                    ),
                    step(
                        "Do not run repairs, updates or full-disk scans on this disk until the copy is safe.",
                        None,
                    ),
                ],
            ),
            RemedyId::CheckDiskReadOnly => (
                "Check the disk and its health without writing to it".into(),
                vec![
                    ps_step(
                        "Ask the drive for its own health counters (SMART).",
                        "Get-PhysicalDisk | Get-StorageReliabilityCounter | Format-List *",
                    ),
                    step("Run an online, read-only file system scan.", Some("chkdsk C: /scan")),
                    step("See whether the volume is flagged dirty.", Some("fsutil dirty query C:")),
                    step(
                        "Run the disk vendor's diagnostics; replace the disk if it reports reallocated or pending sectors.",
                        None,
                    ),
                ],
            ),
            RemedyId::RepairDisk => (
                "Repair the file system and map out bad sectors".into(),
                vec![step(
                    "Reads every sector and rewrites file system metadata; takes hours on a large disk.",
                    Some("chkdsk C: /r"),
                )],
            ),
            RemedyId::Troubleshooter => (
                "Run the Windows Update troubleshooter".into(),
                vec![step(
                    "Settings > System > Troubleshoot > Other troubleshooters > Windows Update (Windows 11), or Settings > Update & Security > Troubleshoot (Windows 10).",
                    None,
                )],
            ),
            RemedyId::Restart => (
                "Restart to finish pending servicing work, then retry".into(),
                vec![
                    step(
                        "Restart the machine (a full restart, not shut down with fast startup).",
                        Some("shutdown /r /t 0"),
                    ),
                    step(
                        "If the next attempt still reports a pending operation, revert the pending actions from the recovery environment (WinRE command prompt; the Windows drive letter may differ there).",
                        Some("dism /Image:C:\\ /Cleanup-Image /RevertPendingActions"),
                    ),
                ],
            ),
            RemedyId::FreeSpace => (
                "Free disk space on the system drive (aim for 20 GB)".into(),
                vec![
                    step(
                        "Remove superseded components from the store.",
                        Some("DISM /Online /Cleanup-Image /StartComponentCleanup"),
                    ),
                    step(
                        "Run Disk Cleanup for system files, or Storage Sense.",
                        Some("cleanmgr /d C:"),
                    ),
                    step("Move large user files elsewhere, then retry the update.", None),
                ],
            ),
            RemedyId::CleanBoot => (
                "Retry from a clean boot, with third-party antivirus paused".into(),
                vec![
                    step(
                        "Disable non-Microsoft services and startup items (System Configuration > Services > Hide all Microsoft services > Disable all), then restart.",
                        Some("msconfig"),
                    ),
                    step(
                        "Pause or temporarily uninstall third-party antivirus and disk filter software.",
                        None,
                    ),
                    step("Retry the update, then restore the services and the antivirus.", None),
                ],
            ),
            RemedyId::CheckNetwork => (
                "Check the path to the update service".into(),
                vec![
                    step(
                        "Show the WinHTTP proxy that Windows Update uses.",
                        Some("netsh winhttp show proxy"),
                    ),
                    ps_step(
                        "Check name resolution and HTTPS to the update service.",
                        "Test-NetConnection -ComputerName download.windowsupdate.com -Port 443",
                    ),
                    step(
                        "Check whether a WSUS server is configured (WUServer under the WindowsUpdate policy key) and reachable.",
                        Some(
                            "reg query HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate",
                        ),
                    ),
                    step(
                        "Check the clock: TLS and signature checks fail when it is far off.",
                        Some("w32tm /query /status"),
                    ),
                ],
            ),
            RemedyId::ResetComponents => (
                "Reset the Windows Update components".into(),
                vec![
                    step(
                        "Stop the transfer, update and cryptographic services.",
                        Some("net stop bits && net stop wuauserv && net stop cryptsvc"),
                    ),
                    step(
                        "Delete the BITS job queue.",
                        Some(
                            "del \"%ALLUSERSPROFILE%\\Application Data\\Microsoft\\Network\\Downloader\\qmgr*.dat\"",
                        ),
                    ),
                    step(
                        "Set the update data store, the download cache and the catalog store aside (this also clears the update history list).",
                        Some(
                            "ren %SystemRoot%\\SoftwareDistribution\\DataStore DataStore.bak && ren %SystemRoot%\\SoftwareDistribution\\Download Download.bak && ren %SystemRoot%\\System32\\catroot2 catroot2.bak",
                        ),
                    ),
                    step(
                        "Start the services again, then retry the update.",
                        Some("net start cryptsvc && net start wuauserv && net start bits"),
                    ),
                    step(
                        "Many guides also stop msiserver and rename the whole SoftwareDistribution folder; Microsoft's procedure does not need it.",
                        None,
                    ),
                ],
            ),
            RemedyId::RestoreHealth => {
                let mut steps = vec![step(
                    "Repair the component store from Windows Update.",
                    Some("DISM /Online /Cleanup-Image /RestoreHealth"),
                )];
                if ctx.source_missing {
                    steps.push(step(
                        "The logs show DISM could not find repair files: point it at the install image of the same Windows version and build (mounted ISO as D: here), and keep it off Windows Update.",
                        Some("DISM /Online /Cleanup-Image /RestoreHealth /Source:WIM:D:\\sources\\install.wim:1 /LimitAccess"),
                    ));
                }
                steps.push(step(
                    "Confirm the store is healthy.",
                    Some("DISM /Online /Cleanup-Image /ScanHealth"),
                ));
                ("Repair the component store with DISM".into(), steps)
            }
            RemedyId::Sfc => (
                "Repair system files with SFC (after DISM)".into(),
                vec![
                    step(
                        "SFC repairs files from the component store, so run it after DISM has fixed the store.",
                        Some("sfc /scannow"),
                    ),
                    step(
                        "List what SFC could not repair.",
                        Some(
                            "findstr /c:\"[SR]\" %windir%\\Logs\\CBS\\CBS.log > %userprofile%\\Desktop\\sfcdetails.txt",
                        ),
                    ),
                ],
            ),
            RemedyId::ManualInstall => {
                let mut steps = Vec::new();
                if ctx.servicing_stack_required {
                    steps.push(step(
                        "Install the latest servicing stack update for this Windows version first.",
                        None,
                    ));
                }
                steps.push(step(
                    &format!("Download {kb_text} for this Windows version and architecture from the Microsoft Update Catalog (catalog.update.microsoft.com)."),
                    None,
                ));
                steps.push(step(
                    "Install the downloaded package.",
                    Some(&match &kb {
                        Some(k) => format!("wusa.exe windows-{}-x64.msu", k.to_lowercase()),
                        None => "wusa.exe <downloaded-file>.msu".to_string(),
                    }),
                ));
                steps.push(step(
                    "Or add the .cab inside it with DISM.",
                    Some("DISM /Online /Add-Package /PackagePath:<extracted-file>.cab"),
                ));
                (format!("Install {kb_text} by hand from the Update Catalog"), steps)
            }
            RemedyId::ReviewAsrRule => {
                let id = ctx.asr_rule.clone().unwrap_or_else(|| "<rule GUID>".to_string());
                (
                    "Check the Defender attack surface reduction rule that blocked the installer"
                        .into(),
                    vec![
                        step(
                            "List the blocks: each names the rule (ID), the blocked program (Path) and what started it (Process Name).",
                            Some(
                                "powershell -Command \"Get-WinEvent -LogName 'Microsoft-Windows-Windows Defender/Operational' -FilterXPath '*[System[(EventID=1121)]]' -MaxEvents 20 | Format-List\"",
                            ),
                        ),
                        step(
                            "See which rules are set and how (1 block, 2 audit, 6 warn).",
                            Some(
                                "powershell -Command \"Get-MpPreference | Select-Object AttackSurfaceReductionRules_Ids, AttackSurfaceReductionRules_Actions\"",
                            ),
                        ),
                        step(
                            "Set that rule to audit for the update (or exclude the installer), retry, then set it back. Where Intune, Group Policy or Configuration Manager sets the rule, change it there: a local change is overwritten.",
                            Some(&format!(
                                "powershell -Command \"Add-MpPreference -AttackSurfaceReductionRules_Ids {id} -AttackSurfaceReductionRules_Actions AuditMode\""
                            )),
                        ),
                    ],
                )
            }
            RemedyId::RepairInstall => (
                "Repair install (in-place upgrade) keeping files and apps".into(),
                vec![
                    step("Mount an ISO of the same Windows edition, version and language.", None),
                    step(
                        "Run setup from it and choose to keep personal files and apps.",
                        Some("D:\\setup.exe /auto upgrade /dynamicupdate disable"),
                    ),
                ],
            ),
            RemedyId::CheckRequirements => (
                "Check the machine against the new version's requirements".into(),
                vec![
                    ps_step(
                        "See whether a TPM is present and ready, and which version it is (Windows 11 needs TPM 2.0).",
                        "Get-Tpm; Get-CimInstance -Namespace root/cimv2/security/microsofttpm -ClassName Win32_Tpm | Select-Object SpecVersion",
                    ),
                    ps_step(
                        "See whether the firmware is UEFI with Secure Boot on (an error here means legacy BIOS mode).",
                        "Confirm-SecureBootUEFI",
                    ),
                    step(
                        "Read the processor, memory and free space, and compare them with the published requirements of the target version.",
                        Some("msinfo32"),
                    ),
                    step(
                        "If a requirement is not met, the fix is in the firmware settings (enable TPM/PTT and Secure Boot) or the hardware, not in Windows; until then stay on the current version.",
                        None,
                    ),
                ],
            ),
            RemedyId::DisconnectDevices => (
                "Disconnect peripherals and extra drives, then retry the upgrade".into(),
                vec![
                    step(
                        "Unplug everything but the keyboard, mouse and display: docks, USB drives, card readers, printers, extra internal disks that are not needed.",
                        None,
                    ),
                    step(
                        "Let setup download updates when it offers to (they carry driver fixes), then retry.",
                        None,
                    ),
                ],
            ),
            RemedyId::UpdateDrivers => {
                let named = if ctx.drivers.is_empty() {
                    "the driver or device the logs name".to_string()
                } else {
                    ctx.drivers.join(", ")
                };
                (
                    "Update or remove the driver that breaks the upgrade".into(),
                    vec![
                        step(
                            &format!(
                                "Find {named} among the installed third-party drivers (published name oemNN.inf, provider, version)."
                            ),
                            Some("pnputil /enum-drivers"),
                        ),
                        step(
                            "Install the device maker's current driver for this device and the target Windows version, and the latest BIOS/UEFI firmware.",
                            None,
                        ),
                        step(
                            "If there is no fixed driver and the device is not needed, remove its driver package before retrying (use its published name).",
                            Some(&format!(
                                "pnputil /delete-driver {} /uninstall",
                                ctx.drivers
                                    .iter()
                                    .find(|d| {
                                        d.to_ascii_lowercase().starts_with("oem")
                                            && std::path::Path::new(d)
                                                .extension()
                                                .is_some_and(|x| x.eq_ignore_ascii_case("inf"))
                                    })
                                    .map_or("oemNN.inf", String::as_str)
                            )),
                        ),
                        step(
                            "Antivirus and disk-encryption filter drivers are common culprits: update them or uninstall the product for the upgrade.",
                            None,
                        ),
                    ],
                )
            }
            RemedyId::UninstallApp => {
                let named = if ctx.apps.is_empty() {
                    "the application the compatibility report or the setup logs name".to_string()
                } else {
                    ctx.apps.join(", ")
                };
                (
                    "Uninstall or update the application that blocks the upgrade".into(),
                    vec![
                        step(
                            &format!(
                                "Update {named} (or the application it belongs to) to a version its maker supports on the target Windows, or uninstall it for the upgrade."
                            ),
                            Some("appwiz.cpl"),
                        ),
                        step(
                            "Retry the upgrade; reinstall the application afterwards if needed.",
                            None,
                        ),
                    ],
                )
            }
            RemedyId::FreshMedia => (
                "Retry with fresh installation media".into(),
                vec![
                    step(
                        "Delete setup's previous working files: Disk Cleanup > Clean up system files > Temporary Windows installation files (C:\\$WINDOWS.~BT).",
                        Some("cleanmgr /d C:"),
                    ),
                    step(
                        "Download the installation media again (Media Creation Tool or ISO from Microsoft) and check the ISO's SHA-256 against the published value.",
                        Some("certutil -hashfile D:\\Win.iso SHA256"),
                    ),
                    step("Run setup from the new media.", Some("D:\\setup.exe")),
                ],
            ),
            RemedyId::RepairProfiles => (
                "Remove stale user profiles before retrying".into(),
                vec![
                    step(
                        "List the profiles Windows knows; entries ending in .bak or pointing to folders that no longer exist are stale.",
                        Some(
                            "reg query \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\" /s /v ProfileImagePath",
                        ),
                    ),
                    step(
                        "Delete unused accounts' profiles from System Properties > Advanced > User Profiles (not by deleting folders), after backing up their data.",
                        Some("SystemPropertiesAdvanced"),
                    ),
                    step("Retry the upgrade from a clean boot.", None),
                ],
            ),
        };
        let risk = self.risk();
        let wait = (ctx.storage_failing && risk >= Risk::ChangesSystem)
            .then(|| "only after the data is safe (backup or image done) and the disk is checked or replaced".to_string());
        Remedy { id: self, title, why: why.to_string(), risk, wait, steps }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_command_names_its_shell_and_is_written_for_it() {
        let ctx = Context {
            kbs: vec![5_034_765],
            source_missing: true,
            servicing_stack_required: true,
            storage_failing: true,
            ..Context::default()
        };
        let all = [
            RemedyId::BackUpDisk,
            RemedyId::CheckDiskReadOnly,
            RemedyId::RepairDisk,
            RemedyId::Troubleshooter,
            RemedyId::Restart,
            RemedyId::FreeSpace,
            RemedyId::CleanBoot,
            RemedyId::CheckNetwork,
            RemedyId::ResetComponents,
            RemedyId::RestoreHealth,
            RemedyId::Sfc,
            RemedyId::ManualInstall,
            RemedyId::RepairInstall,
            RemedyId::CheckRequirements,
            RemedyId::DisconnectDevices,
            RemedyId::UpdateDrivers,
            RemedyId::UninstallApp,
            RemedyId::FreshMedia,
            RemedyId::RepairProfiles,
        ];
        for id in all {
            for st in id.build(&ctx, "").steps {
                let Some(c) = st.command else { continue };
                match st.shell {
                    // cmd has no $variables or cmdlets; PowerShell 5.1 has no && and does not
                    // expand %VAR%.
                    Some(Shell::Cmd) => assert!(!c.contains('$') && !c.contains("Get-"), "{c}"),
                    Some(Shell::PowerShell) => {
                        assert!(!c.contains("&&") && !c.contains('%'), "{c}");
                    }
                    None => panic!("{c}: no shell"),
                }
            }
        }
    }

    use super::*;

    #[test]
    fn storage_makes_writing_remedies_wait() {
        let ctx = Context { storage_failing: true, ..Context::default() };
        assert!(RemedyId::RestoreHealth.build(&ctx, "").wait.is_some());
        assert!(RemedyId::RepairDisk.build(&ctx, "").wait.is_some());
        assert!(RemedyId::CheckDiskReadOnly.build(&ctx, "").wait.is_none());
        assert!(RemedyId::RestoreHealth.build(&Context::default(), "").wait.is_none());
    }

    #[test]
    fn variants_follow_the_context() {
        let ctx = Context { source_missing: true, kbs: vec![5_034_765], ..Context::default() };
        let r = RemedyId::RestoreHealth.build(&ctx, "");
        assert!(
            r.steps
                .iter()
                .any(|s| s.command.as_deref().is_some_and(|c| c.contains("/LimitAccess")))
        );
        let m = RemedyId::ManualInstall.build(&ctx, "");
        assert!(m.title.contains("KB5034765"));
    }
}
