//! SetupDiag's own output, when a user ran it or Windows Setup did (`SetupDiagResults.log`,
//! `.xml`, `.json`, or the text pasted into a ticket). FORMATS.md §6 and the samples of
//! Microsoft's SetupDiag page: a matching rule ("profile") with its GUID, a `System
//! Information` block of `Key = value` lines, then the finding: `Last Phase = …`,
//! `Last Operation = …`, `Error = 0x8007000D-0x2000C` (result-extend), `LogEntry: <a
//! setupact.log line>`. The XML and JSON forms carry the same in `ProfileName`,
//! `FailureData`, `FailureDetails` (`Err = …, LastOperation = …, LastPhase = …`) and
//! `LogErrorLine`; they are turned into the text form's lines and read the same way.
//!
//! A record is a verdict (one per `Matching Profile found:`); each becomes an event.

use super::owned_event;
use crate::code::{Code, setup as codes};
use crate::event::{Level, Source};
use crate::parse::{Ctx, IssueKind, Piece};
use crate::time::{TimeBase, Timestamp};
use quick_xml::Reader;
use quick_xml::events::Event as Xml;
use std::fmt::Write as _;

/// SetupDiag's verdict on one upgrade attempt, as it wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The rule that matched (`FindRollbackFailure`).
    pub profile: Option<String>,
    /// Its GUID.
    pub guid: Option<String>,
    /// The first `Error: SetupDiag reports …` sentence.
    pub summary: Option<String>,
    /// `Last Phase` as written (`Safe OS`).
    pub phase: Option<String>,
    /// `Last Operation` as written.
    pub operation: Option<String>,
    /// The result code.
    pub result: Option<u32>,
    /// The extend code.
    pub extended: Option<u32>,
    /// The setup log line it quotes.
    pub log_entry: Option<String>,
    /// `UpgradeStartTime`, as written.
    pub start: Option<String>,
    /// `UpgradeEndTime`, as written.
    pub end: Option<String>,
    /// `HostOSBuildString`.
    pub host_build: Option<String>,
    /// `TargetOSBuildString`.
    pub target_build: Option<String>,
}

impl Verdict {
    /// Whether the rule reports a failure (not a successful upgrade or a scan only).
    pub fn is_failure(&self) -> bool {
        !matches!(self.profile.as_deref(), None | Some("FindSuccessfulUpgrade" | "CompatScanOnly"))
    }
}

fn set(slot: &mut Option<String>, value: &str) {
    let v = value.trim();
    if slot.is_none() && !v.is_empty() {
        *slot = Some(v.to_string());
    }
}

fn hex(s: &str) -> Option<u32> {
    let t = s.trim().trim_end_matches(['.', ',']);
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"))?;
    let end = t.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(t.len());
    u32::from_str_radix(t.get(..end)?, 16).ok()
}

/// Reads the error value after `Error =`, `Error:` or `Err =`: a result, or result-extend.
fn error_value(v: &mut Verdict, s: &str) {
    if v.result.is_some() {
        return;
    }
    let s = s.trim();
    let token: String = s.chars().take_while(|c| !c.is_whitespace() || *c == ' ').collect();
    let first = token.split(',').next().unwrap_or("");
    if let Some((r, x)) = codes::parse_pair(first) {
        v.result = Some(r);
        v.extended = Some(x.0);
    } else if let Some(r) = hex(first.split_whitespace().next().unwrap_or("")) {
        v.result = Some(r);
    }
}

/// Reads the lines of the text form into `v`.
fn read_lines<'a>(v: &mut Verdict, lines: impl Iterator<Item = &'a str>) {
    for raw in lines {
        let line = raw.trim();
        if let Some(rest) = line.strip_prefix("Matching Profile found:") {
            let (name, guid) = rest.rsplit_once(" - ").unwrap_or((rest, ""));
            set(&mut v.profile, name);
            set(&mut v.guid, guid);
        } else if let Some(rest) = line.strip_prefix("LogEntry:") {
            set(&mut v.log_entry, rest);
        } else if let Some(rest) = line.strip_prefix("Error: SetupDiag reports") {
            set(&mut v.summary, &format!("SetupDiag reports{rest}"));
            // `…, Operation: Finalize, Error: 0x8007001F - 0x50015`
            if let Some(at) = rest.find("Operation: ") {
                let op = &rest[at + 11..];
                set(&mut v.operation, op.split(", Error").next().unwrap_or(op));
            }
            if let Some(at) = rest.rfind("Error: ") {
                error_value(v, &rest[at + 7..]);
            }
        } else if let Some(rest) = line.strip_prefix("Err = ") {
            // FailureDetails: `Err = 0x57, LastOperation = Gather data, scope: X, LastPhase = Downlevel`
            error_value(v, rest);
            if let Some(at) = rest.find("LastPhase = ") {
                set(&mut v.phase, &rest[at + 12..]);
            }
            if let Some(at) = rest.find("LastOperation = ") {
                let op = &rest[at + 16..];
                set(&mut v.operation, op.split(", LastPhase").next().unwrap_or(op));
            }
        } else if let Some((key, value)) = line.split_once(" = ").or_else(|| line.split_once(": "))
        {
            match key.trim() {
                "Last Phase" | "Last Setup Phase" | "LastPhase" | "Phase Name" => {
                    set(&mut v.phase, value);
                }
                "Last Operation" | "Last Setup Operation" | "LastOperation" | "Operation Name" => {
                    set(&mut v.operation, value);
                }
                "Error" | "Err" => error_value(v, value),
                "UpgradeStartTime" => set(&mut v.start, value),
                "UpgradeEndTime" => set(&mut v.end, value),
                "HostOSBuildString" => set(&mut v.host_build, value),
                "TargetOSBuildString" => set(&mut v.target_build, value),
                _ => {}
            }
        }
    }
}

/// The text form's lines from the XML form: `<ProfileName>` → `Matching Profile found:`,
/// `<LogErrorLine>` → `LogEntry:`, `<FailureData>`'s own lines, `SystemInfo` children as
/// `Key = value`.
fn xml_lines(text: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = false;
    let (mut tag, mut name, mut guid) = (String::new(), String::new(), String::new());
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Xml::Start(e)) => {
                tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
            }
            Ok(Xml::Text(t)) => {
                let value = t.decode().map(std::borrow::Cow::into_owned).unwrap_or_default();
                let value = quick_xml::escape::unescape(&value)
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or(value);
                match tag.as_str() {
                    "ProfileName" => name = value,
                    "ProfileGuid" => guid = value,
                    "LogErrorLine" => out.push(format!("LogEntry: {value}")),
                    "FailureData" | "FailureDetails" => {
                        out.extend(value.lines().map(str::to_string));
                    }
                    "" => {}
                    k => out.push(format!("{k} = {value}")),
                }
            }
            Ok(Xml::End(_)) => tag.clear(),
            Ok(Xml::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    if !name.is_empty() {
        out.insert(0, format!("Matching Profile found: {name} - {guid}"));
    }
    Ok(out)
}

/// The text form's lines from the JSON form.
fn json_lines(text: &str) -> Result<Vec<String>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let s = |k: &str| v.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
    let mut out =
        vec![format!("Matching Profile found: {} - {}", s("ProfileName"), s("ProfileGuid"))];
    if let Some(line) = v.get("LogErrorLine").and_then(serde_json::Value::as_str) {
        out.push(format!("LogEntry: {line}"));
    }
    for d in v.get("FailureData").and_then(serde_json::Value::as_array).into_iter().flatten() {
        out.extend(d.as_str().unwrap_or("").lines().map(str::to_string));
    }
    out.extend(s("FailureDetails").lines().map(str::to_string));
    if let Some(info) = v.get("SystemInfo").and_then(serde_json::Value::as_object) {
        for (k, val) in info {
            if let Some(t) = val.as_str() {
                out.push(format!("{k} = {t}"));
            }
        }
    }
    Ok(out)
}

/// Every verdict in SetupDiag output of any form; `Err` with the reason when an XML or
/// JSON document does not parse.
pub fn read(text: &str) -> Result<Vec<Verdict>, String> {
    let body = text.trim_start_matches('\u{FEFF}').trim_start();
    let lines: Vec<String> = if body.starts_with('<') {
        xml_lines(body)?
    } else if body.starts_with('{') {
        json_lines(body)?
    } else {
        body.lines().map(str::to_string).collect()
    };
    // One verdict per profile; text before the first belongs to it.
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("Matching Profile found:"))
        .map(|(i, _)| i)
        .collect();
    let bounds: Vec<(usize, usize)> = if starts.is_empty() {
        vec![(0, lines.len())]
    } else {
        starts
            .iter()
            .enumerate()
            .map(|(k, &s)| {
                (if k == 0 { 0 } else { s }, starts.get(k + 1).copied().unwrap_or(lines.len()))
            })
            .collect()
    };
    Ok(bounds
        .into_iter()
        .map(|(a, b)| {
            let mut v = Verdict::default();
            read_lines(&mut v, lines.get(a..b).unwrap_or_default().iter().map(String::as_str));
            v
        })
        .filter(|v| v.profile.is_some() || v.result.is_some())
        .collect())
}

/// `5/23/2023 12:32:46 AM` (local), `2019-06-06T22:21:49` (local) or `/Date(ms±hhmm)/` (UTC).
fn time_of(s: &str) -> Option<(Timestamp, TimeBase)> {
    let s = s.trim();
    if let Some(ms) = s.strip_prefix("/Date(") {
        let digits: String = ms.chars().take_while(char::is_ascii_digit).collect();
        let ms: i64 = digits.parse().ok()?;
        return (ms > 0).then_some((Timestamp(ms * 1000), TimeBase::Utc));
    }
    let n = |t: &str| t.parse::<u32>().ok();
    if s.as_bytes().get(10) == Some(&b'T') {
        let t = Timestamp::from_civil(
            i64::from(n(s.get(0..4)?)?),
            n(s.get(5..7)?)?,
            n(s.get(8..10)?)?,
            n(s.get(11..13)?)?,
            n(s.get(14..16)?)?,
            n(s.get(17..19)?)?,
            0,
        )?;
        return (t.to_civil().0 > 1).then_some((t, TimeBase::Local));
    }
    let (date, rest) = s.split_once(' ')?;
    let mut d = date.split('/');
    let (mo, day, y) = (n(d.next()?)?, n(d.next()?)?, n(d.next()?)?);
    let (clock, ampm) = rest.split_once(' ').unwrap_or((rest, ""));
    let mut c = clock.split(':');
    let (mut h, mi, sec) = (n(c.next()?)?, n(c.next()?)?, n(c.next()?)?);
    match ampm.trim() {
        "PM" if h < 12 => h += 12,
        "AM" if h == 12 => h = 0,
        _ => {}
    }
    (y > 1).then_some(())?;
    Some((Timestamp::from_civil(i64::from(y), mo, day, h, mi, sec, 0)?, TimeBase::Local))
}

/// The time of a quoted setup log line (`2023-05-23 00:32:46, Error …`), local.
fn log_time(line: &str) -> Option<Timestamp> {
    let b = line.as_bytes();
    if !crate::shapes::is_cbs_record(b) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| line.get(r)?.parse::<u32>().ok();
    Timestamp::from_civil(
        i64::from(n(0..4)?),
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
        0,
    )
}

/// Parses SetupDiag output.
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    piece.coverage.lines = super::line_of(text, text.len()).into();
    let verdicts = match read(text) {
        Ok(v) => v,
        Err(why) => {
            piece.issue(
                IssueKind::Malformed,
                None,
                format!("SetupDiag output that does not parse: {why}"),
            );
            return piece;
        }
    };
    for v in verdicts {
        piece.coverage.records += 1;
        let when = v
            .log_entry
            .as_deref()
            .and_then(log_time)
            .map(|t| (t, TimeBase::Local))
            .or_else(|| v.end.as_deref().and_then(time_of))
            .or_else(|| v.start.as_deref().and_then(time_of));
        let Some((time, base)) = when else {
            piece.issue(
                IssueKind::BadTimestamp,
                None,
                "a SetupDiag verdict with no time: not placed on the timeline",
            );
            continue;
        };
        piece.coverage.see_time(time);
        let mut message =
            format!("SetupDiag: {}", v.profile.as_deref().unwrap_or("no rule matched"));
        for (label, value) in [("Last Phase", &v.phase), ("Last Operation", &v.operation)] {
            if let Some(x) = value {
                let _ = write!(message, "; {label} = {x}");
            }
        }
        if let Some(r) = v.result {
            let _ = write!(message, "; Error = 0x{r:08X}");
            if let Some(x) = v.extended {
                let _ = write!(message, "-0x{x:X}");
            }
        }
        if let Some(s) = &v.summary {
            let _ = write!(message, " ({s})");
        }
        let codes: Vec<Code> =
            v.result.filter(|_| v.is_failure()).map(Code::classify).into_iter().collect();
        let mut fields: Vec<(&'static str, String)> = Vec::new();
        for (k, val) in [
            ("profile", &v.profile),
            ("phase", &v.phase),
            ("operation", &v.operation),
            ("log-entry", &v.log_entry),
            ("target-build", &v.target_build),
        ] {
            if let Some(x) = val {
                fields.push((k, x.clone()));
            }
        }
        if let Some(x) = v.extended {
            fields.push(("extended", format!("0x{x:X}")));
        }
        let level = if v.is_failure() { Level::Error } else { Level::Info };
        let e = owned_event(
            time,
            base,
            1,
            Source::SetupDiag,
            level,
            "SetupDiag",
            message,
            codes,
            fields,
        );
        piece.push(ctx.keep, e, true);
    }
    piece
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Keep;

    /// A report in the layout of FORMATS.md §6 (values invented for the test).
    const TEXT: &str = "\nMatching Profile found: FindRollbackFailure - 3A43C9B5-05B3-4F7C-A955-88F991BB5A48\nSetupDiag version: 1.6.2107.27002\r\nSystem Information:\r\n\tMachine Name = PC1\r\n\tUpgradeStartTime = 5/23/2023 12:21:30 AM\r\n\tUpgradeEndTime = 5/23/2023 12:32:46 AM\r\n\r\nError: SetupDiag reports rollback failure found.\nLast Phase = Safe OS\nLast Operation = Apply WIM file X, index 6 to D:\\$WINDOWS.~BT\\NewOS\nError = 0x8007000D-0x2000C\r\nLogEntry: 2023-05-23 00:32:46, Error                 SP     ExecuteOperations: Main operation execution failed. Error: 0x8007000D\r\n";

    #[test]
    fn text_report() {
        let v = read(TEXT).unwrap();
        assert_eq!(v.len(), 1);
        let v = &v[0];
        assert_eq!(v.profile.as_deref(), Some("FindRollbackFailure"));
        assert_eq!(v.phase.as_deref(), Some("Safe OS"));
        assert!(v.operation.as_deref().unwrap().starts_with("Apply WIM file"));
        assert_eq!((v.result, v.extended), (Some(0x8007_000D), Some(0x2000C)));
        let p = parse(TEXT, &Ctx::new(Keep::Notable));
        assert_eq!(p.coverage.records, 1);
        let e = &p.events[0];
        assert_eq!(e.time.unwrap().to_string(), "2023-05-23T00:32:46.000000+00:00");
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.codes[0].to_string(), "0x8007000D");
        assert_eq!(e.field("extended"), Some("0x2000C"));
    }

    #[test]
    fn xml_and_json_forms() {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<SetupDiag xmlns=\"https://docs.microsoft.com/windows/deployment/upgrade/setupdiag\">\n  <ProfileName>FindSPFatalError</ProfileName>\n  <ProfileGuid>A4028172-1B09-48F8-AD3B-86CDD7D55852</ProfileGuid>\n  <SystemInfo><UpgradeStartTime>2019-06-06T21:19:10</UpgradeStartTime><UpgradeEndTime>2019-06-06T22:21:49</UpgradeEndTime></SystemInfo>\n  <FailureDetails>Err = 0x00000057, LastOperation = Gather data, scope: EVERYTHING, LastPhase = Downlevel</FailureDetails>\n</SetupDiag>\n";
        let v = &read(xml).unwrap()[0];
        assert_eq!(v.profile.as_deref(), Some("FindSPFatalError"));
        assert_eq!(v.phase.as_deref(), Some("Downlevel"));
        assert_eq!(v.operation.as_deref(), Some("Gather data, scope: EVERYTHING"));
        assert_eq!(v.result, Some(0x57));
        assert_eq!(
            time_of(v.end.as_deref().unwrap()).unwrap().0.to_string(),
            "2019-06-06T22:21:49.000000+00:00"
        );
        let json = r#"{"Version":"1.6.0.0","ProfileName":"FindSPFatalError","ProfileGuid":"A4028172","SystemInfo":{"UpgradeEndTime":"\/Date(1559884909000-0700)\/"},"FailureData":["\u000aError: SetupDiag reports Fatal Error.\u000aLast Setup Phase = Downlevel\u000aLast Setup Operation: Gather data, scope: EVERYTHING\u000aError: 0x00000057"],"FailureDetails":"Err = 0x00000057, LastOperation = Gather data, scope: EVERYTHING, LastPhase = Downlevel"}"#;
        let v = &read(json).unwrap()[0];
        assert_eq!(v.phase.as_deref(), Some("Downlevel"));
        assert_eq!(v.result, Some(0x57));
        let (t, base) = time_of(v.end.as_deref().unwrap()).unwrap();
        assert_eq!(
            (t.to_string().as_str(), base),
            ("2019-06-07T05:21:49.000000+00:00", TimeBase::Utc)
        );
        assert!(read("{ not json").is_err());
    }
}
