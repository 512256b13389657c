use super::{Check, Hit, Rule, Severity, rule, setup_lines};
use crate::category::Category;
use crate::event::{Event, Level, Source};
use crate::knowledge::{self, Class};

pub(super) static RULE: Rule = rule! {
    /// Windows Setup ran out of disk space (down-level, Safe OS, or on the system partition).
    ///
    /// ## What it finds
    /// Setup's result codes for free space (`MOSETUP_E_INSTALLDISKSPACE_BLOCK` 0xC190020E,
    /// the download and unpack variants, `MOSETUP_E_DISK_FULL` 0xC19001DF) and
    /// `ERROR_DISK_FULL` as the result of an attempt (`0x80070070-0x50011`), in any phase;
    /// Setup's errors and compatibility blocks about disk or system-partition space.
    /// SetupDiag's `DiskSpaceBlockInDownLevel`, `DiskSpaceFailure` and
    /// `InsufficientSystemPartitionDiskSpaceHardblock` rules look for the same.
    ///
    /// ## Why it matters
    /// An upgrade needs about 20 GB free on a 64-bit system (Microsoft's figure); the
    /// system (EFI) partition needs room for the new boot files. Free space, or let Setup use
    /// an external drive, then retry. A full system partition needs other steps (removing
    /// fonts or old boot files from it) than a full C: drive.
    id: "DSK002",
    name: "setup-disk-space",
    category: Category::LowDiskSpace,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if !matches!(e.source, Source::Setup | Source::SetupDiag | Source::Compat) {
        return None;
    }
    // Restated results are left to this rule; other lines with these codes are DSK001's.
    let space_code = setup_lines::is_restatement(e)
        && e.codes.iter().any(|c| knowledge::class(*c) == Class::Cause(Category::LowDiskSpace));
    let says = e.level <= Level::Warning
        && setup_lines::says(
            e,
            &[
                "not enough disk space",
                "not enough free",
                "not enough space",
                "insufficient disk space",
                "insufficient free",
                "insufficientsystempartition",
                "out of disk space",
                "disk is full",
            ],
        );
    (space_code || says).then_some(Hit::at(Severity::High))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::text;

    #[test]
    fn space_in_setup() {
        let r = text(
            Source::Setup,
            Level::Info,
            "MOUPG",
            "SetupHost: Reporting error event -> [0x80070070, 0x50011]",
        );
        assert!(check(&r).is_some());
        let b = text(
            Source::Setup,
            Level::Error,
            "MOUPG",
            "CSetupManager::Execute(295): Result = 0xC190020E",
        );
        assert!(check(&b).is_some());
        let w = text(
            Source::Setup,
            Level::Warning,
            "SP",
            "Insufficient free space on the system partition",
        );
        assert!(check(&w).is_some());
        let declared = "DISKSPACEEXCEED: Operation consumed more disk space than declared. Exceeded by 4096 bytes";
        assert!(check(&text(Source::Setup, Level::Warning, "SP", declared)).is_none());
        assert!(check(&text(Source::Setup, Level::Info, "SP", "Checking free space")).is_none());
    }
}
