//! Record headers read by their tokens rather than their columns, one reader per line
//! grammar, on top of the shared layer in [`super::lenient`]: for lines whose layout was
//! changed on the way to a ticket. Sniffing uses them to recognise a pasted log, the
//! grammars to read one.

use super::lenient::{Header, Tokens, bracket_code, is_ellipsis, leading_stamp, level_word};
use crate::event::Level;

/// Components of CBS and dism.log lines (FORMATS.md §1–2); a header without a time is read
/// only when one of these follows its level word.
const CBS_COMPONENTS: [&str; 7] = ["CBS", "CSI", "DISM", "DPX", "DEPLOY", "SXS", "CONX"];

/// Whether a token can be a component: a known one, or a short upper-case word.
fn is_component(t: &str) -> bool {
    CBS_COMPONENTS.contains(&t)
        || ((2..=7).contains(&t.len())
            && t.as_bytes()[0].is_ascii_uppercase()
            && t.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
}

/// A CBS or DISM record header read by its tokens rather than its columns, for lines whose
/// layout changed on the way to a ticket: `2024-03-01 10:00:00, Info CBS Exec: …` (padding
/// collapsed), `<date> <time>, Error CBS …` (time redacted), `Info CSI 0000004b (F) …` (time
/// cut off; then a known component must follow the level word). `None` for a line that
/// has no level word where one belongs.
pub(crate) fn cbs_header(line: &str) -> Option<Header<'_>> {
    let (time, at, stamped) = match leading_stamp(line) {
        Some((stamp, at)) => (stamp.time(), at, true),
        None => (None, 0, false),
    };
    let mut tokens = Tokens::at(line, at);
    let mut tok = tokens.next()?.1;
    if tok == "," {
        tok = tokens.next()?.1;
    }
    let level = if is_ellipsis(tok) { Level::Info } else { level_word(tok)? };
    let mut level_code = None;
    if let Some(code) = tokens.peek().and_then(bracket_code) {
        tokens.next();
        level_code = Some(code);
    }
    let mut component = "";
    if let Some(t) = tokens.peek().filter(|t| is_component(t)) {
        tokens.next();
        component = t;
    }
    if !stamped && !CBS_COMPONENTS.contains(&component) {
        return None;
    }
    Some(Header { time, stamped, level, level_code, component, message: tokens.rest_start() })
}

/// Components of WindowsUpdate.log lines (FORMATS.md §3, REFERENCE.md §5); a header without
/// a time is read only when one of these follows its two numbers.
const WU_COMPONENTS: [&str; 36] = [
    "Agent",
    "AU",
    "AUClnt",
    "Api",
    "CDM",
    "COMAPI",
    "ComApi",
    "DataStore",
    "Deployment",
    "DnldMgr",
    "DownloadManager",
    "Driver",
    "DtaStor",
    "EEHandler",
    "Handler",
    "IdleTimer",
    "Metadata",
    "Misc",
    "PT",
    "ProtocolTalker",
    "Report",
    "Reporter",
    "Service",
    "Setup",
    "Shared",
    "Shutdwn",
    "SLS",
    "Test",
    "UDP",
    "WebServices",
    "WIL",
    "WuTask",
    "AUCLNT",
    "DRIVER",
    "HANDLER",
    "AGENT",
];

/// A WindowsUpdate.log record header read by its tokens rather than its columns, for
/// either layout as it reaches a ticket: spacing collapsed, TABs turned into spaces,
/// `<date> <time>` for the time, or no time at all (then a known component must follow
/// the process and thread ids). `None` when no process id, thread id and component follow.
pub(crate) fn wu_header(line: &str) -> Option<Header<'_>> {
    let (time, at, stamped) = match leading_stamp(line) {
        Some((stamp, at)) => (stamp.time(), at, true),
        None => (None, 0, false),
    };
    let mut tokens = Tokens::at(line, at);
    let (_, pid) = tokens.next()?;
    let (_, tid) = tokens.next()?;
    let ids = (1..=6).contains(&pid.len())
        && pid.bytes().all(|c| c.is_ascii_digit())
        && (1..=8).contains(&tid.len())
        && tid.bytes().all(|c| c.is_ascii_hexdigit());
    let Some((_, component)) = tokens.next() else {
        // Wrapped right after the thread id: the component is on the next line.
        return (stamped && ids).then_some(Header {
            time,
            stamped,
            level: Level::Info,
            level_code: None,
            component: "",
            message: line.len(),
        });
    };
    let word = component.len() <= 24
        && component.as_bytes()[0].is_ascii_alphabetic()
        && component.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
    if !ids || !word || (!stamped && !WU_COMPONENTS.contains(&component)) {
        return None;
    }
    let message = tokens.rest_start();
    let text = line.get(message..).unwrap_or("");
    let level = if text.starts_with("FATAL") {
        Level::Error
    } else if text.starts_with("WARNING") {
        Level::Warning
    } else {
        Level::Info
    };
    Some(Header { time, stamped, level, level_code: None, component, message })
}

/// The first line of an event copied out of Event Viewer ("Copy details as text").
pub(crate) fn is_viewer_block(line: &str) -> bool {
    super::lenient::trim_start(line).starts_with("Log Name:")
}

/// A line of a PowerShell list of events that only such lists have: `TimeCreated :`,
/// `ProviderName :` (`Get-WinEvent`), `TimeGenerated :`, `InstanceId :`, `EntryType :`
/// (`Get-EventLog`), the name padded before its colon.
pub(crate) fn is_event_list_line(line: &str) -> bool {
    let t = super::lenient::trim_start(line);
    ["TimeCreated", "ProviderName", "TimeGenerated", "InstanceId", "EntryType"]
        .iter()
        .any(|n| t.strip_prefix(n).is_some_and(|r| r.trim_start_matches(' ').starts_with(':')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbs_headers() {
        let h = cbs_header("<date> <time>, Error CBS Failed [HRESULT = 0x800f0922]").unwrap();
        assert_eq!((h.time, h.level, h.component), (None, Level::Error, "CBS"));
        assert_eq!(
            &"<date> <time>, Error CBS Failed [HRESULT = 0x800f0922]"[h.message..],
            "Failed [HRESULT = 0x800f0922]"
        );
        let h = cbs_header("Info CSI 0000004b (F) x").unwrap();
        assert_eq!((h.time, h.stamped, h.component), (None, false, "CSI"));
        assert!(cbs_header("Info about the update").is_none());
        assert!(cbs_header("2023/05/22 08:22:20.0686513 2288 2488 Handler x").is_none());
        let h = cbs_header("2024-03-01\t10:00:00,\u{a0}Warning\tDISM\tDISM Package Manager: x")
            .unwrap();
        assert_eq!((h.level, h.component), (Level::Warning, "DISM"));
        assert!(h.time.is_some());
    }

    #[test]
    fn wu_headers() {
        let h = wu_header("2016-10-19 11:23:58:516 1532 1f40 Handler FATAL: UH: 0x80070057: x")
            .unwrap();
        assert_eq!((h.level, h.component), (Level::Error, "Handler"));
        assert_eq!(h.time.unwrap().to_string(), "2016-10-19T11:23:58.516000+00:00");
        let line = "<date> <time> 1180 1240 ComApi Download call complete (failed = 1)";
        let h = wu_header(line).unwrap();
        assert_eq!((h.time, h.component), (None, "ComApi"));
        assert_eq!(&line[h.message..], "Download call complete (failed = 1)");
        assert!(wu_header("1180 1240 ComApi x").is_some());
        assert!(wu_header("1180 1240 Whatever x").is_none());
        assert!(wu_header("2024-03-01 10:00:00, Info CBS x").is_none());
    }
}
