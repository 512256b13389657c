use super::{Check, Hit, Rule, Severity, rule, setup_lines};
use crate::category::Category;
use crate::event::{Event, Level, Source};
use crate::knowledge::{self, Class};

pub(super) static RULE: Rule = rule! {
    /// Setup could not mount, extract or apply the new OS image (WIM/ESD).
    ///
    /// ## What it finds
    /// A result whose extend code names the apply-image operation (`0x…000C`, e.g.
    /// `0x8007000D-0x2000C`), stronger with the codes of damaged data (`ERROR_INVALID_DATA`
    /// 0x8007000D, `ERROR_FILE_CORRUPT`-like 0x8007025D) or an I/O error; errors of Setup about
    /// mounting or applying a WIM (`WIMMountImage`, `Apply WIM`, `Extract files from WIM`,
    /// `wimmount`); and Setup's codes for a missing or corrupt image (0xC190010B, 0xC1900215,
    /// 0xC1900403). SetupDiag's `WimMountFailure`, `WimApplyExtractFailure` and
    /// `WimMountDriverIssue` rules look for the same.
    ///
    /// ## Why it matters
    /// The image is read from the media or the download in `$WINDOWS.~BT`. Invalid data
    /// there means a damaged ISO or download, or a disk that returns bad data: Microsoft's
    /// guidance for `0xC1900101-0x2000C` is a disk check and fresh media, and for
    /// `0x8007025D-0x2000C` a new download. Check the disk read-only first, then retry with
    /// new media.
    id: "MED001",
    name: "image-apply-failed",
    category: Category::SetupMedia,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if let Some((r, Some(x))) = setup_lines::result(e) {
        if x.operation().0 != 0x0C {
            return None;
        }
        let bad_data = matches!(r, 0x8007_000D | 0x8007_025D | 0x8007_0017 | 0x8007_045D);
        return Some(Hit::at(if bad_data { Severity::High } else { Severity::Medium }));
    }
    if !matches!(e.source, Source::Setup | Source::SetupDiag) {
        return None;
    }
    if e.codes.iter().any(|c| knowledge::class(*c) == Class::Cause(Category::SetupMedia)) {
        return Some(Hit::at(Severity::High));
    }
    (e.level <= Level::Error
        && setup_lines::says(
            e,
            &[
                "wimmount",
                "wimapplyimage",
                "apply wim",
                "extract files from wim",
                "mount wim",
                "failed to mount",
            ],
        ))
    .then_some(Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::text;

    #[test]
    fn image_failures() {
        let r = text(
            Source::Setup,
            Level::Info,
            "MOUPG",
            "SetupHost: Reporting post reboot event -> [0x8007000D, 0x2000C]",
        );
        assert_eq!(check(&r).map(|h| h.severity), Some(Severity::High));
        let m = text(
            Source::Setup,
            Level::Error,
            "SP",
            "Operation failed: Apply WIM file PathForNewOSFile, index 6 to D:\\NewOS. Error: 0x8007000D",
        );
        assert_eq!(check(&m).map(|h| h.severity), Some(Severity::Medium));
        let other = text(
            Source::Setup,
            Level::Info,
            "MOUPG",
            "SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]",
        );
        assert!(check(&other).is_none());
    }
}
