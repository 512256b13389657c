//! Windows Setup's `setupact.log` and `setuperr.log` (Panther, Rollback): the CBS columns
//! (`YYYY-MM-DD HH:MM:SS, Level [0x……] Component message`, FORMATS.md §6), read by the CBS
//! grammar. Besides the lines every log keeps (codes, warnings, failure words), the lines
//! that say where setup was and how it ended are kept although they carry no code: phase
//! changes, the current phase and operation of a rollback, the result, the build, a
//! cancel, a crash.

use crate::event::Source;
use crate::parse::text::cbs;
use crate::parse::{Ctx, Piece};
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// Texts of the Info lines the analysis of an upgrade attempt reads
/// ([`crate::diagnose::upgrade`]); the phrases are Setup's own (FORMATS.md §6, and the
/// rollback analysis Microsoft shows in "Resolution procedures").
pub(crate) const MARKERS: [&str; 23] = [
    "Setup phase change:",
    "Current phase",
    "Current op",
    "Current result",
    "Current bugcheck",
    "Initiating rollback",
    "Reporting post reboot event",
    "Reporting error event",
    "ImageExit: Initializing",
    "Remapping install error",
    "Remapping internal cancellation",
    "Setup build version is",
    "Build version is",
    "Host OS Version",
    "Target OS version",
    "User cancel confirmed",
    "Cancel is requested",
    "Executing operation:",
    "Execution phase [",
    " detected",
    "Cannot recover the system",
    "SetupHost::Initialize: CmdLine",
    "Module name",
];

static FINDER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| AhoCorasick::new(MARKERS).ok());

/// Whether a setup log message is one the upgrade analysis reads.
pub(crate) fn is_marker(message: &str) -> bool {
    FINDER.as_ref().is_some_and(|f| f.is_match(message))
}

/// Parses one piece of a Windows Setup log.
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    cbs::parse_with(text, Source::Setup, Some(is_marker), ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::parse::Keep;

    /// Lines in the style of FORMATS.md §6, written for this test.
    const LOG: &str = "\u{FEFF}2021-05-18 03:11:02, Info                  SP     Initiating rollback/uninstall, phase = 0\r
2021-05-18 03:11:02, Info                  SP     Current phase : 3\r
2021-05-18 03:11:02, Info                  SP     Some routine line\r
2021-05-18 05:12:43, Info                  MOUPG  SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]\r
\u{FEFF}2021-05-18 04:47:32, Error      [0x064183] IBSLIB Copy failed.[gle=0x00000005]\r
2021-05-18 04:47:33, Info                  SP     Host system information:\r
                                   VM: NO\n\
2025-05-02 15:20:18, Error                        Failed to delete x. hr = 0x80070005\r
";

    #[test]
    fn keeps_what_the_analysis_reads() {
        let p = parse(LOG, &Ctx::new(Keep::Notable));
        assert_eq!(p.coverage.records, 7, "a BOM in mid-file still starts a record");
        let msgs: Vec<&str> = p.events.iter().map(|e| e.message.as_ref()).collect();
        assert!(msgs.iter().any(|m| m.starts_with("Current phase : 3")));
        assert!(msgs.iter().any(|m| m.starts_with("Initiating rollback")));
        assert!(!msgs.iter().any(|m| m.contains("routine")));
        let err = p.events.iter().find(|e| e.component == "IBSLIB").unwrap();
        assert_eq!(err.level, Level::Error);
        assert_eq!(err.flags.level_code, Some(0x0006_4183));
        assert!(p.events.iter().all(|e| e.source == Source::Setup));
        let blank = p.events.last().unwrap();
        assert_eq!(blank.component, "");
        assert_eq!(blank.codes[0].to_string(), "0x80070005");
    }
}
