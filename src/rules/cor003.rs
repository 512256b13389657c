use super::{Check, Hit, Rule, Severity, evtx_event, has, rule};
use crate::category::Category;
use crate::event::{Event, Source};
use crate::parse::evtx::Family;

pub(super) static RULE: Rule = rule! {
    /// Windows has flagged its component store as corrupt.
    ///
    /// ## What it finds
    /// CBS `Mark store corruption flag`, CSI `Attempting to mark store corrupt`, a DISM health
    /// summary with a non-zero `Total Detected Corruption`, and Servicing event 1014 (the
    /// automatic store repair) reporting corruption that was not repaired.
    ///
    /// ## Why it matters
    /// The flag stays set until a repair succeeds, so this is standing evidence: it counts
    /// anywhere in the bundle, with less weight when far from the failure.
    id: "COR003",
    name: "store-corruption-flagged",
    category: Category::Corruption,
    severity: Severity::High,
    check: Check::Event(check),
};

fn nonzero_after(m: &str, key: &str) -> bool {
    // `contains` first: `find` sets up a Two-Way searcher on every call.
    m.contains(key)
        && m.find(key).is_some_and(|i| {
            m[i + key.len()..]
                .trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() && c != '0')
        })
}

fn check(e: &Event<'_>) -> Option<Hit> {
    let standing = Hit { severity: Severity::High, standing: true, strong: false };
    if matches!(e.source, Source::Cbs | Source::Dism) {
        let m = &e.message;
        let flagged = has!(m.as_bytes(), "Mark store corruption flag")
            || has!(m.as_bytes(), "mark store corrupt")
            || has!(m.as_bytes(), "Total Detected Corruption:")
                && nonzero_after(m, "Total Detected Corruption:")
                && !nonzero_after(m, "Total Repaired Corruption:");
        return flagged.then_some(standing);
    }
    if evtx_event(e, Family::Servicing, &[1014]) {
        let total =
            e.field("TotalCorruption").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
        let repaired =
            e.field("Repaired").is_some_and(|v| matches!(v.trim(), "true" | "1" | "True"));
        return (total > 0 && !repaired).then_some(standing);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::{evtx, text};

    #[test]
    fn flags_and_repair_results() {
        assert!(
            check(&text(
                Source::Cbs,
                Level::Info,
                "CBS",
                "Mark store corruption flag because of package: X"
            ))
            .unwrap()
            .standing
        );
        assert!(
            check(&text(
                Source::Cbs,
                Level::Info,
                "",
                "Summary:\nTotal Detected Corruption:\t4\nTotal Repaired Corruption:\t0"
            ))
            .is_some()
        );
        assert!(
            check(&text(Source::Cbs, Level::Info, "", "Summary:\nTotal Detected Corruption:\t0"))
                .is_none()
        );
        assert!(
            check(&evtx(
                "Microsoft-Windows-Servicing",
                1014,
                Level::Info,
                &[("ErrorCode", "0x0"), ("Repaired", "false"), ("TotalCorruption", "3")]
            ))
            .is_some()
        );
        assert!(
            check(&evtx(
                "Microsoft-Windows-Servicing",
                1014,
                Level::Info,
                &[("ErrorCode", "0x0"), ("Repaired", "true"), ("TotalCorruption", "3")]
            ))
            .is_none()
        );
    }
}
