use super::{Check, Hit, Rule, Severity, code_where, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// Antivirus blocked or removed a file that servicing needed.
    ///
    /// ## What it finds
    /// `ERROR_VIRUS_INFECTED` (0x800700E1), `ERROR_VIRUS_DELETED` (0x800700E2) and
    /// `STATUS_VIRUS_INFECTED` (0xC0000906).
    ///
    /// ## Why it matters
    /// The file was flagged as malware and the operation stopped. Either the antivirus has
    /// a false positive on a Microsoft file (check its quarantine and exclusions) or the
    /// machine is infected and needs cleaning before servicing.
    id: "SEC003",
    name: "blocked-as-malware",
    category: Category::SecuritySoftware,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_where(e, |c| matches!(c.as_hresult(), 0x8007_00E1 | 0x8007_00E2 | 0xD000_0906))
        .map(|_| Hit::at(Severity::High))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn malware_blocks() {
        assert!(check(&text(Source::Cbs, Level::Error, "CSI", "(F) x [gle=0x800700e1]")).is_some());
        assert!(check(&text(Source::Cbs, Level::Error, "CSI", "(F) x [gle=0x80070005]")).is_none());
    }
}
