//! What the feature-update rules read in Windows Setup's lines (FORMATS.md §6): the
//! attempt's result with its extend code, and which lines merely restate that result.
//! Helpers only; the rules are the `APP`, `DRV`, `HWR`, `MED`, `MIG` files and a few others.

use crate::code::setup::Extended;
use crate::event::{Event, Source};

/// The attempt's result and extend code, from a line that reports it
/// (`SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]`, `Reporting error
/// event`) or from SetupDiag's verdict.
#[inline]
pub(crate) fn result(e: &Event<'_>) -> Option<(u32, Option<Extended>)> {
    // Asked of every event by several rules: the other sources leave at once.
    if !matches!(e.source, Source::Setup | Source::SetupDiag) {
        return None;
    }
    result_of_setup(e)
}

#[inline(never)]
fn result_of_setup(e: &Event<'_>) -> Option<(u32, Option<Extended>)> {
    match e.source {
        Source::SetupDiag => {
            let r = e.codes.first()?.as_hresult();
            let x = e.field("extended").and_then(|v| {
                u32::from_str_radix(v.trim_start_matches("0x").trim_start_matches("0X"), 16).ok()
            });
            Some((r, x.map(Extended)))
        }
        Source::Setup => {
            let m = e.message.as_ref();
            let at = m
                .find("Reporting post reboot event")
                .or_else(|| m.find("Reporting error event"))?;
            let inner = m.get(at..)?.split_once('[')?.1.split_once(']')?.0;
            let (r, x) = crate::code::setup::parse_pair(inner)?;
            (r != 0).then_some((r, Some(x)))
        }
        _ => None,
    }
}

/// Texts of Setup lines that restate the attempt's result rather than report a failure of
/// their own.
const RESTATEMENTS: [&str; 12] = [
    "Reporting post reboot event",
    "Reporting error event",
    "Reporting result value",
    "ImageExit: Initializing",
    "Setup360",
    "Remapping install error",
    "Current result",
    "CSetupHost::Execute(",
    "CSetupManager::Execute(",
    "Rollback: ",
    "Rollback Error [",
    "Tracing Data",
];

/// Whether `e` restates a setup attempt's result (or is SetupDiag's verdict). The same code
/// repeated there is one fact, not evidence of a cause: the rules that read codes leave
/// these lines to the feature-update rules, which read the result with its phase.
#[inline]
pub(crate) fn is_restatement(e: &Event<'_>) -> bool {
    // Asked of every event with a code by the code-driven rules: kept inline and cheap.
    match e.source {
        Source::SetupDiag => true,
        Source::Setup => restates(&e.message),
        _ => false,
    }
}

#[inline(never)]
fn restates(message: &str) -> bool {
    RESTATEMENTS.iter().any(|r| message.contains(r))
}

/// Whether a setup or SetupDiag message says `text` (ASCII, any case).
pub(crate) fn says(e: &Event<'_>, texts: &[&str]) -> bool {
    let m = e.message.to_ascii_lowercase();
    texts.iter().any(|t| m.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::text;

    #[test]
    fn results_and_restatements() {
        let e = text(
            Source::Setup,
            Level::Info,
            "MOUPG",
            "SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]",
        );
        assert_eq!(result(&e), Some((0xC190_0101, Some(Extended(0x30018)))));
        assert!(is_restatement(&e));
        let f = text(Source::Setup, Level::Error, "SP", "Operation failed: X. Error: 0x80070005");
        assert_eq!(result(&f), None);
        assert!(!is_restatement(&f));
        let c = text(Source::Cbs, Level::Error, "CBS", "Current result: 0x8007000D");
        assert!(!is_restatement(&c), "only Setup's lines");
    }
}
