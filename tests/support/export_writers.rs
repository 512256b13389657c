//! Writers of event-log exports, for tests: the same events (as `EventSpec`s, which
//! `evtx_writer.rs` writes as an .evtx) as `wevtutil /f:text` in four languages, `wevtutil
//! /f:xml`, `Get-WinEvent | ConvertTo-Json` and Event Viewer's CSV and tab-delimited text.
//!
//! The translated labels, level names and date layouts follow localized Windows as far as we
//! know them; the readers take labels by their place, so a label spelled otherwise on a real
//! machine reads the same.
#![allow(dead_code, unreachable_pub, clippy::pedantic)]

use super::evtx_writer::{EventSpec, Payload};

/// A language of the machine that made the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
    De,
    Ja,
}

impl Lang {
    /// `wevtutil`'s block word and its twelve labels.
    fn labels(self) -> (&'static str, [&'static str; 12]) {
        match self {
            Lang::En => (
                "Event",
                [
                    "Log Name",
                    "Source",
                    "Date",
                    "Event ID",
                    "Task",
                    "Level",
                    "Opcode",
                    "Keyword",
                    "User",
                    "User Name",
                    "Computer",
                    "Description",
                ],
            ),
            Lang::Fr => (
                "Événement",
                [
                    "Nom du journal",
                    "Source",
                    "Date",
                    "ID de l\u{2019}événement",
                    "Tâche",
                    "Niveau",
                    "Opcode",
                    "Mot clé",
                    "Utilisateur",
                    "Nom d\u{2019}utilisateur",
                    "Ordinateur",
                    "Description",
                ],
            ),
            Lang::De => (
                "Ereignis",
                [
                    "Protokollname",
                    "Quelle",
                    "Datum",
                    "Ereignis-ID",
                    "Aufgabe",
                    "Ebene",
                    "Opcode",
                    "Schlüsselwort",
                    "Benutzer",
                    "Benutzername",
                    "Computer",
                    "Beschreibung",
                ],
            ),
            Lang::Ja => (
                "イベント",
                [
                    "ログの名前",
                    "ソース",
                    "日付",
                    "イベント ID",
                    "タスク",
                    "レベル",
                    "オペコード",
                    "キーワード",
                    "ユーザー",
                    "ユーザー名",
                    "コンピューター",
                    "説明",
                ],
            ),
        }
    }

    /// The level's name (evtx numbers).
    pub fn level(self, level: u8) -> &'static str {
        let names: [&str; 5] = match self {
            Lang::En => ["Critical", "Error", "Warning", "Information", "Verbose"],
            Lang::Fr => ["Critique", "Erreur", "Avertissement", "Information", "Commentaires"],
            Lang::De => ["Kritisch", "Fehler", "Warnung", "Informationen", "Ausführlich"],
            Lang::Ja => ["重大", "エラー", "警告", "情報", "詳細"],
        };
        match level {
            1 => names[0],
            2 => names[1],
            3 => names[2],
            5 => names[4],
            _ => names[3],
        }
    }

    /// Event Viewer's CSV header.
    fn csv_header(self) -> [&'static str; 5] {
        match self {
            Lang::En => ["Level", "Date and Time", "Source", "Event ID", "Task Category"],
            Lang::Fr => [
                "Niveau",
                "Date et heure",
                "Source",
                "ID de l\u{2019}événement",
                "Catégorie de la tâche",
            ],
            Lang::De => {
                ["Ebene", "Datum und Uhrzeit", "Quelle", "Ereignis-ID", "Aufgabenkategorie"]
            }
            Lang::Ja => ["レベル", "日付と時刻", "ソース", "イベント ID", "タスクのカテゴリ"],
        }
    }

    /// A local time as Event Viewer writes it in this language.
    fn viewer_date(self, local_micros: i64) -> String {
        let (y, mo, d, h, mi, s, _) = wutriage::time::Timestamp(local_micros).to_civil();
        match self {
            Lang::En => {
                let (h12, ampm) = match h {
                    0 => (12, "AM"),
                    1..=11 => (h, "AM"),
                    12 => (12, "PM"),
                    _ => (h - 12, "PM"),
                };
                format!("{mo}/{d}/{y} {h12}:{mi:02}:{s:02} {ampm}")
            }
            Lang::Fr => format!("{d:02}/{mo:02}/{y} {h:02}:{mi:02}:{s:02}"),
            Lang::De => format!("{d:02}.{mo:02}.{y} {h:02}:{mi:02}:{s:02}"),
            Lang::Ja => format!("{y}/{mo:02}/{d:02} {h}:{mi:02}:{s:02}"),
        }
    }
}

/// An event and the message Windows rendered for it in the export's language.
pub struct Rendered {
    pub spec: EventSpec,
    pub message: String,
}

fn iso(micros: i64, fraction7: bool) -> String {
    let (y, mo, d, h, mi, s, us) = wutriage::time::Timestamp(micros).to_civil();
    if fraction7 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}0Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z", us / 1000)
    }
}

/// `wevtutil qe … /f:text` on a machine in `lang` whose clock is `offset_min` east of UTC
/// (its `Date:` is local time written with a `Z`, as on the real export): UTF-8 with a BOM,
/// CRLF.
pub fn wevtutil_text(lang: Lang, events: &[Rendered], offset_min: i64) -> Vec<u8> {
    let (block, labels) = lang.labels();
    let mut out = String::from("\u{FEFF}");
    for (n, r) in events.iter().enumerate() {
        let e = &r.spec;
        let local = e.time_unix_micros + offset_min * 60_000_000;
        let values = [
            e.channel.clone(),
            e.provider.clone(),
            iso(local, true),
            e.event_id.to_string(),
            "N/A".into(),
            lang.level(e.level).into(),
            "Info".into(),
            "N/A".into(),
            "S-1-5-18".into(),
            "NT AUTHORITY\\SYSTEM".into(),
            e.computer.clone(),
            String::new(),
        ];
        out.push_str(&format!("{block}[{n}]:\r\n"));
        for (label, value) in labels.iter().zip(values) {
            out.push_str(&format!("  {label}: {value}\r\n"));
        }
        out.push_str(&r.message.replace('\n', "\r\n"));
        out.push_str("\r\n\r\n");
    }
    out.into_bytes()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\'', "&apos;")
}

/// `wevtutil qe … /f:xml`: `<Event>` elements one after another, UTF-8 without a root.
pub fn wevtutil_xml(events: &[EventSpec]) -> Vec<u8> {
    let mut out = String::new();
    for (n, e) in events.iter().enumerate() {
        out.push_str(
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>",
        );
        match &e.provider_guid {
            Some(g) => out.push_str(&format!("<Provider Name='{}' Guid='{g}'/>", e.provider)),
            None => out.push_str(&format!("<Provider Name='{}'/>", e.provider)),
        }
        match e.qualifiers {
            Some(q) => out.push_str(&format!("<EventID Qualifiers='{q}'>{}</EventID>", e.event_id)),
            None => out.push_str(&format!("<EventID>{}</EventID>", e.event_id)),
        }
        out.push_str(&format!(
            "<Version>0</Version><Level>{}</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='{}'/><EventRecordID>{}</EventRecordID><Correlation/><Execution ProcessID='4' ThreadID='8'/><Channel>{}</Channel><Computer>{}</Computer><Security/></System>",
            e.level,
            iso(e.time_unix_micros, true),
            n + 1,
            e.channel,
            e.computer
        ));
        match &e.payload {
            Payload::None => {}
            Payload::EventData(fields) => {
                out.push_str("<EventData>");
                for (k, v) in fields {
                    out.push_str(&format!("<Data Name='{k}'>{}</Data>", xml_escape(v)));
                }
                out.push_str("</EventData>");
            }
            Payload::Classic { data, binary } => {
                out.push_str("<EventData>");
                for v in data {
                    out.push_str(&format!("<Data>{}</Data>", xml_escape(v)));
                }
                if let Some(b) = binary {
                    let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
                    out.push_str(&format!("<Binary>{hex}</Binary>"));
                }
                out.push_str("</EventData>");
            }
            Payload::UserData { element, xmlns, fields } => {
                out.push_str(&format!("<UserData><{element} xmlns='{xmlns}'>"));
                for (k, v) in fields {
                    out.push_str(&format!("<{k}>{}</{k}>", xml_escape(v)));
                }
                out.push_str(&format!("</{element}></UserData>"));
            }
        }
        out.push_str("</Event>");
    }
    out.into_bytes()
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn utf16le_bom(s: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// `Get-WinEvent … | ConvertTo-Json` written by Windows PowerShell's `Out-File`: UTF-16LE
/// with a BOM, `/Date(ms)/` times, `Properties` in the event's data order.
pub fn winevent_json(events: &[Rendered]) -> Vec<u8> {
    let mut items = Vec::new();
    for (n, r) in events.iter().enumerate() {
        let e = &r.spec;
        let values: Vec<String> = match &e.payload {
            Payload::None => Vec::new(),
            Payload::EventData(f) | Payload::UserData { fields: f, .. } => {
                f.iter().map(|(_, v)| v.clone()).collect()
            }
            Payload::Classic { data, .. } => data.clone(),
        };
        let props: Vec<String> = values
            .iter()
            .map(|v| format!("{{\r\n \"Value\":  {}\r\n }}", json_string(v)))
            .collect();
        items.push(format!(
            "    {{\r\n        \"Id\":  {},\r\n        \"Level\":  {},\r\n        \"ProviderName\":  {},\r\n        \"LogName\":  {},\r\n        \"MachineName\":  {},\r\n        \"RecordId\":  {},\r\n        \"TimeCreated\":  \"\\/Date({})\\/\",\r\n        \"Message\":  {},\r\n        \"Properties\":  [\r\n{}\r\n        ]\r\n    }}",
            e.event_id,
            e.level,
            json_string(&e.provider),
            json_string(&e.channel),
            json_string(&e.computer),
            n + 1,
            e.time_unix_micros / 1000,
            json_string(&r.message),
            props.join(",\r\n")
        ));
    }
    utf16le_bom(&format!("[\r\n{}\r\n]\r\n", items.join(",\r\n")))
}

fn csv_quote(s: &str, delim: char) -> String {
    if s.contains([delim, '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Event Viewer's "Save All Events As…" CSV (`tab` false) or tab-delimited text, on a
/// machine in `lang` at `offset_min` east of UTC: a five-column header and six-cell rows.
pub fn viewer_csv(lang: Lang, tab: bool, events: &[Rendered], offset_min: i64) -> Vec<u8> {
    let delim = if tab { '\t' } else { ',' };
    let mut out = lang.csv_header().join(&delim.to_string());
    out.push_str("\r\n");
    for r in events {
        let e = &r.spec;
        let local = e.time_unix_micros + offset_min * 60_000_000;
        let cells = [
            lang.level(e.level).to_string(),
            lang.viewer_date(local),
            e.provider.clone(),
            e.event_id.to_string(),
            "None".to_string(),
            r.message.replace('\n', "\r\n"),
        ];
        let row: Vec<String> = cells.iter().map(|c| csv_quote(c, delim)).collect();
        out.push_str(&row.join(&delim.to_string()));
        out.push_str("\r\n");
    }
    if tab { utf16le_bom(&out) } else { format!("\u{FEFF}{out}").into_bytes() }
}
