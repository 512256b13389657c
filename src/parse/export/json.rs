//! PowerShell's `Get-EventLog … | ConvertTo-Json` and `Get-WinEvent … | ConvertTo-Json`:
//! an array of objects (or one object), UTF-16 when written by Windows PowerShell's
//! `Out-File` (FORMATS.md §11).
//!
//! Times are `"\/Date(<Unix ms, UTC>)\/"` (Windows PowerShell), an ISO string with an
//! offset (PowerShell 7), or an object whose `value` is one of those. `Get-EventLog` names
//! the level `EntryType` (1 Error, 2 Warning, 4 Information, 0 for critical events) and its
//! id `EventID` or `InstanceId` (whose low 16 bits are the id); `Get-WinEvent` uses `Id`,
//! `Level` (the evtx numbers), `ProviderName`, `LogName` and `Properties`. A selection
//! without an id (`Select-Object TimeGenerated, EntryType, Source, Message`) keeps
//! WindowsUpdateClient's install results recognisable from their message (see
//! [`super::lang::wu_event_id`]).

use super::{emit, lang};
use crate::event::{Level, Pos, Source};
use crate::parse::evtx::{DATA_NAMES, Draft, Family, Name, family};
use crate::parse::{Ctx, IssueKind, Piece};
use crate::time::{TimeBase, Timestamp};
use serde_json::Value;
use std::borrow::Cow;

/// Whether a trimmed head starts a JSON event export.
pub(crate) fn looks_like(start: &str) -> bool {
    start.starts_with(['[', '{'])
        && ["\"TimeGenerated\"", "\"TimeCreated\"", "\"TimeWritten\""]
            .iter()
            .any(|k| start.contains(k))
}

/// `/Date(1701265742000)/`, an ISO time, or an object whose `value` is one.
fn time_of(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix("/Date(").or_else(|| s.strip_prefix("\\/Date(")) {
                let digits: &str = rest.split([')', '+']).next()?;
                let ms: i64 = digits.parse().ok()?;
                return Some(Timestamp(ms.checked_mul(1000)?));
            }
            Timestamp::parse_user(s)
        }
        Value::Object(o) => o.get("value").and_then(time_of),
        _ => None,
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("value").or_else(|| o.get("Value")).and_then(text_of),
        _ => None,
    }
}

fn one(o: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| o.get(*k).and_then(text_of)).filter(|s| !s.is_empty())
}

/// The names of the data of the events diagnosis reads by field, in their manifest order:
/// `Properties` and `ReplacementStrings` are values only.
fn property_names(fam: Family, id: Option<u32>) -> Option<&'static [&'static str]> {
    const FAILED: [&str; 5] =
        ["errorCode", "updateTitle", "updateGuid", "updateRevisionNumber", "serviceGuid"];
    const DONE: [&str; 4] = ["updateTitle", "updateGuid", "updateRevisionNumber", "serviceGuid"];
    const SERVICING: [&str; 5] = [
        "PackageIdentifier",
        "IntendedPackageState",
        "IntendedPackageStateTextized",
        "ErrorCode",
        "Client",
    ];
    match (fam, id?) {
        (Family::WindowsUpdateClient, 20 | 31) => Some(&FAILED),
        (Family::WindowsUpdateClient, 19 | 43 | 44) => Some(&DONE),
        (Family::Servicing, _) => Some(&SERVICING),
        _ => None,
    }
}

fn record(piece: &mut Piece<'_>, ctx: &Ctx, o: &serde_json::Map<String, Value>, n: u32) {
    let Some(time) = ["TimeCreated", "TimeGenerated", "TimeWritten"]
        .iter()
        .find_map(|k| o.get(*k).and_then(time_of))
    else {
        piece.issue(
            IssueKind::BadTimestamp,
            None,
            format!("item {n} has no readable TimeCreated or TimeGenerated"),
        );
        return;
    };
    piece.coverage.records += 1;
    piece.coverage.see_time(time);
    let provider = one(o, &["ProviderName", "Source"]).unwrap_or_default();
    let message = one(o, &["Message"]);
    let level = if let Some(t) = one(o, &["EntryType"]) {
        lang::entry_type(&t)
    } else if let Some(l) = o.get("Level").and_then(Value::as_u64) {
        Level::from_evtx(l)
    } else {
        one(o, &["LevelDisplayName"]).and_then(|w| lang::level(&w)).unwrap_or(Level::Info)
    };
    let mut id: Option<u32> =
        one(o, &["Id", "EventID"]).and_then(|s| s.parse().ok()).or_else(|| {
            one(o, &["InstanceId"]).and_then(|s| s.parse::<u64>().ok()).map(|v| (v & 0xFFFF) as u32)
        });
    let mut fields: Vec<(Name, String)> = Vec::new();
    let fam = family(&provider);
    let data = o.get("Properties").or_else(|| o.get("ReplacementStrings"));
    if let Some(Value::Array(items)) = data {
        let names = property_names(fam, id).unwrap_or(&DATA_NAMES);
        for (item, name) in items.iter().zip(names) {
            // Empty values keep their place, as in the .evtx.
            fields.push((Cow::Borrowed(name), text_of(item).unwrap_or_default()));
        }
    }
    if id.is_none()
        && fam == Family::WindowsUpdateClient
        && let Some(m) = &message
    {
        id = lang::wu_event_id(m);
        if id.is_some() {
            fields.push((Cow::Borrowed("eventIdFrom"), "message".into()));
        }
    }
    // Without values (a selection of properties), from the message.
    if data.is_none()
        && let Some(m) = &message
    {
        fields.extend(super::text_fields(fam, id, m));
    }
    if let Some(c) = one(o, &["MachineName"]) {
        fields.push((Cow::Borrowed("Computer"), c));
    }
    if let Some(c) = one(o, &["LogName"]) {
        fields.push((Cow::Borrowed("Channel"), c));
    }
    let draft = Draft {
        source: Source::EventExport,
        time: Some(time),
        time_base: TimeBase::Utc,
        pos: one(o, &["RecordId", "Index"])
            .and_then(|s| s.parse().ok())
            .map_or(Pos::Record(u64::from(n)), Pos::Record),
        provider,
        event_id: id,
        level,
        fields,
        message: None,
        recovered: false,
    };
    emit(piece, ctx, draft, message);
}

/// Parses a whole JSON export.
pub(crate) fn parse<'t>(text: &'t str, ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    let body = text.trim_start_matches('\u{FEFF}');
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Array(items)) => {
            for (n, item) in items.iter().enumerate() {
                if let Value::Object(o) = item {
                    record(&mut piece, ctx, o, u32::try_from(n + 1).unwrap_or(u32::MAX));
                }
            }
        }
        Ok(Value::Object(o)) => record(&mut piece, ctx, &o, 1),
        Ok(_) => piece.issue(IssueKind::Malformed, None, "JSON that is not an array of events"),
        Err(e) => piece.issue(
            IssueKind::Malformed,
            Some(Pos::Line(u32::try_from(e.line()).unwrap_or(u32::MAX))),
            format!("the JSON does not parse ({e}); no event was read from it"),
        ),
    }
    piece.count_lines(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Keep;

    /// In the shape of FORMATS.md §11 (written for this test): `Get-EventLog` with a
    /// selection of four properties, French messages.
    const GET_EVENTLOG: &str = "\u{FEFF}[\r
    {\r
        \"TimeGenerated\":  \"\\/Date(1701265742000)\\/\",\r
        \"EntryType\":  1,\r
        \"Source\":  \"Microsoft-Windows-WindowsUpdateClient\",\r
        \"Message\":  \"Échec de l\u{2019}installation\u{a0}: l\u{2019}installation de la mise à jour suivante a échoué avec l\u{2019}erreur 0x80073d02\u{a0}: 9NZKPSTSNW4P-Microsoft.XboxGamingOverlay.\"\r
    },\r
    {\r
        \"TimeGenerated\":  \"\\/Date(1701265743000)\\/\",\r
        \"EntryType\":  0,\r
        \"Source\":  \"Microsoft-Windows-Kernel-Power\",\r
        \"Message\":  \"Le système a redémarré sans s\\u0027arrêter correctement.\"\r
    }\r
]\r
";

    #[test]
    fn get_eventlog_items() {
        let p = parse(GET_EVENTLOG, &Ctx::new(Keep::All));
        assert_eq!(p.coverage.records, 2, "{:?}", p.issues);
        let e = &p.events[0];
        assert_eq!(e.time.unwrap().to_string(), "2023-11-29T13:49:02.000000+00:00");
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.event_id, Some(20), "inferred from the message");
        assert_eq!(e.field("errorCode"), Some("0x80073D02"));
        assert_eq!(e.field("updateTitle"), Some("9NZKPSTSNW4P-Microsoft.XboxGamingOverlay"));
        assert_eq!(e.codes[0].to_string(), "0x80073D02");
        assert_eq!(p.events[1].level, Level::Critical);
        assert!(p.events[1].message.contains("s'arrêter"));
    }

    #[test]
    fn get_winevent_items_and_bad_json() {
        let winevent = r#"{"Id": 7, "Level": 2, "ProviderName": "disk", "LogName": "System", "MachineName": "PC1", "RecordId": 77, "TimeCreated": {"value": "/Date(1701265742000)/", "DateTime": "x"}, "Message": "The device, \\Device\\Harddisk1\\DR1, has a bad block.", "Properties": [{"Value": "\\Device\\Harddisk1\\DR1"}]}"#;
        let p = parse(winevent, &Ctx::new(Keep::All));
        let e = &p.events[0];
        assert_eq!((e.component.as_ref(), e.event_id, e.level), ("disk", Some(7), Level::Error));
        assert_eq!(e.field("data1"), Some("\\Device\\Harddisk1\\DR1"));
        assert_eq!(e.field("Channel"), Some("System"));
        assert_eq!(e.at.pos, Pos::Record(77));
        let bad = parse("[{\"TimeGenerated\": \"\\/Date(1)\\/\", ", &Ctx::new(Keep::All));
        assert_eq!(bad.issues[0].kind, IssueKind::Malformed);
        assert!(bad.events.is_empty());
    }
}
