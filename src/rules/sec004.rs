use super::{Check, Hit, Rule, Severity, rule};
use crate::category::Category;
use crate::event::{Event, Source};

pub(super) static RULE: Rule = rule! {
    /// Microsoft Defender attack surface reduction (Exploit Guard) blocked the installer.
    ///
    /// ## What it finds
    /// Events 1121 (a rule fired in block mode) and 1122 (in audit mode) of
    /// `Microsoft-Windows-Windows Defender` (channel `…/Operational`), in an .evtx file or an
    /// export, and the same event's text pasted anywhere: "Microsoft Defender Exploit Guard
    /// has blocked an operation that is not allowed by your IT administrator" (event ids and
    /// wording: Microsoft Defender for Endpoint documentation, "attack surface reduction
    /// rules", and Microsoft's support article on cluster-aware updating runs that fail when
    /// the rule blocking process creation from WMI is set to block).
    ///
    /// ## Why it matters
    /// An attack surface reduction rule stops a process before it starts: PowerShell,
    /// `wusa`, `dismhost`, an installer launched through WMI. The update then fails with
    /// access denied (0x80070005) or a failure to launch, and retries fail alike. A block
    /// whose path or process is part of servicing weighs high; another block near the
    /// failure weighs medium; an audit event (the rule only logged) weighs low, because it
    /// did not stop anything. The fix is a change of that one rule (audit mode, or an
    /// exclusion for the installer), not a clean boot: Defender is part of Windows.
    id: "SEC004",
    name: "defender-asr-block",
    category: Category::SecuritySoftware,
    severity: Severity::High,
    check: Check::Event(check),
};

/// Processes and paths of servicing that a blocked operation may name.
const SERVICING: [&str; 16] = [
    "powershell",
    "wusa",
    "dism",
    "tiworker",
    "trustedinstaller",
    "msiexec",
    "setup",
    ".msu",
    "cau",
    "wuauclt",
    "usoclient",
    "mousocoreworker",
    "wmiprvse",
    "softwaredistribution",
    "\\servicing\\",
    "winsxs",
];

/// Whether a provider is Microsoft Defender's.
fn is_defender(provider: &str) -> bool {
    provider.eq_ignore_ascii_case("Microsoft-Windows-Windows Defender")
        || provider.eq_ignore_ascii_case("Windows Defender")
}

/// Block (`Some(true)`) or audit (`Some(false)`) by an attack surface reduction rule.
fn asr(e: &Event<'_>) -> Option<bool> {
    if matches!(e.source, Source::Evtx | Source::EventExport) && is_defender(&e.component) {
        return match e.event_id {
            Some(1121) => Some(true),
            Some(1122) => Some(false),
            _ => None,
        };
    }
    // Pasted event text: logs of servicing never hold it, so they are not searched.
    if !matches!(e.source, Source::Text | Source::EventExport) {
        return None;
    }
    let m = &e.message;
    if !m.contains("Exploit Guard") {
        return None;
    }
    if m.contains("has blocked an operation") {
        Some(true)
    } else if m.contains("audited an operation") {
        Some(false)
    } else {
        None
    }
}

fn check(e: &Event<'_>) -> Option<Hit> {
    let blocked = asr(e)?;
    if !blocked {
        return Some(Hit::at(Severity::Low));
    }
    let text = e.fields.iter().map(|f| f.value.as_ref()).chain([e.message.as_ref()]);
    let servicing =
        text.map(str::to_ascii_lowercase).any(|t| SERVICING.iter().any(|s| t.contains(s)));
    Some(Hit::at(if servicing { Severity::High } else { Severity::Medium }))
}

/// The GUID of the rule that fired (`ID: D1E49AAC-…` in the text, or the `ID` field).
pub(crate) fn rule_id(e: &Event<'_>) -> Option<String> {
    asr(e)?;
    let guid = |s: &str| {
        let s = s.trim().trim_matches(['{', '}']);
        (s.len() == 36 && s.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-'))
            .then(|| s.to_ascii_uppercase())
    };
    if let Some(v) = e.field("ID").and_then(guid) {
        return Some(v);
    }
    let at = e.message.find("ID:")? + 3;
    guid(e.message.get(at..)?.trim_start().get(..36)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::{evtx, text};

    #[test]
    fn blocks_weigh_by_what_they_stopped() {
        let block = evtx(
            "Microsoft-Windows-Windows Defender",
            1121,
            Level::Warning,
            &[
                ("ID", "D1E49AAC-8F56-4280-B9BA-993A6D77406C"),
                ("Path", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"),
            ],
        );
        assert_eq!(check(&block).map(|h| h.severity), Some(Severity::High));
        assert_eq!(rule_id(&block).as_deref(), Some("D1E49AAC-8F56-4280-B9BA-993A6D77406C"));
        let other = evtx(
            "Microsoft-Windows-Windows Defender",
            1121,
            Level::Warning,
            &[("Path", "C:\\Tools\\app.exe")],
        );
        assert_eq!(check(&other).map(|h| h.severity), Some(Severity::Medium));
        let audit = evtx("Microsoft-Windows-Windows Defender", 1122, Level::Info, &[]);
        assert_eq!(check(&audit).map(|h| h.severity), Some(Severity::Low));
        assert!(
            check(&evtx("Microsoft-Windows-Windows Defender", 1116, Level::Warning, &[])).is_none()
        );
        assert!(check(&evtx("Other", 1121, Level::Warning, &[])).is_none());
    }

    #[test]
    fn pasted_text_of_the_event() {
        let t = text(
            Source::Text,
            Level::Info,
            "",
            "Microsoft Defender Exploit Guard has blocked an operation that is not allowed by your IT administrator. ID: d1e49aac-8f56-4280-b9ba-993a6d77406c Process Name: C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
        );
        assert_eq!(check(&t).map(|h| h.severity), Some(Severity::High));
        assert_eq!(rule_id(&t).as_deref(), Some("D1E49AAC-8F56-4280-B9BA-993A6D77406C"));
        assert!(
            check(&text(Source::Text, Level::Info, "", "Exploit Guard is configured")).is_none()
        );
    }
}
