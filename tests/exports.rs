//! Event-log exports written by our own writers (`tests/support/export_writers.rs`) read as the
//! same events as the .evtx of the same events: provider, id, level, codes, KB and the
//! fields rules read, whatever the form (XML, JSON, CSV, tab-delimited, `wevtutil` text)
//! and whatever the machine's language (English, French, German, Japanese).

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

#[path = "support/evtx_writer.rs"]
mod evtx_writer;
#[path = "support/export_writers.rs"]
mod export_writers;

use evtx_writer::{EventSpec, Payload, write_evtx};
use export_writers::{Lang, Rendered};
use wutriage::bundle::Kind;
use wutriage::parse::{Keep, ParseOptions};
use wutriage::pipeline::{self, Options};
use wutriage::time::{Timestamp, UtcOffset};

const TITLE: &str =
    "2023-03 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5023696)";

fn at(h: u32, m: u32, s: u32) -> i64 {
    Timestamp::from_civil(2023, 3, 15, h, m, s, 0).unwrap().as_micros()
}

fn spec(provider: &str, id: u16, level: u8, t: i64, payload: Payload) -> EventSpec {
    EventSpec {
        provider: provider.into(),
        provider_guid: None,
        event_id: id,
        qualifiers: None,
        level,
        time_unix_micros: t,
        channel: "System".into(),
        computer: "PC1".into(),
        payload,
    }
}

fn named(f: &[(&str, &str)]) -> Payload {
    Payload::EventData(f.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect())
}

/// Four events and their messages in `lang`: an install failure, an install, a disk error
/// and event 6013, whose text holds the machine's time-zone name on an indented line that
/// looks like a label (it is data).
fn events(lang: Lang) -> Vec<Rendered> {
    let failed = match lang {
        Lang::En => format!(
            "Installation Failure: Windows failed to install the following update with error 0x80070070: {TITLE}."
        ),
        Lang::Fr => format!(
            "Échec de l\u{2019}installation\u{a0}: l\u{2019}installation de la mise à jour suivante a échoué avec l\u{2019}erreur 0x80070070\u{a0}: {TITLE}."
        ),
        Lang::De => format!(
            "Installationsfehler: Windows konnte das folgende Update mit Fehler 0x80070070 nicht installieren: {TITLE}."
        ),
        Lang::Ja => format!(
            "インストール エラー: 次の更新プログラムをインストールできませんでした。エラー 0x80070070: {TITLE}。"
        ),
    };
    let installed = match lang {
        Lang::En => format!(
            "Installation Successful: Windows successfully installed the following update: {TITLE}"
        ),
        Lang::Fr => format!(
            "Installation réussie\u{a0}: Windows a installé la mise à jour suivante\u{a0}: {TITLE}"
        ),
        Lang::De => format!(
            "Installation erfolgreich: Das folgende Update wurde von Windows installiert: {TITLE}"
        ),
        Lang::Ja => {
            format!("インストールの成功: 次の更新プログラムが正常にインストールされました: {TITLE}")
        }
    };
    let disk = match lang {
        Lang::En => "The device, \\Device\\Harddisk1\\DR1, has a bad block.",
        Lang::Fr => "Le périphérique \\Device\\Harddisk1\\DR1 a un bloc défectueux.",
        Lang::De => "Das Gerät \\Device\\Harddisk1\\DR1 hat einen fehlerhaften Block.",
        Lang::Ja => "デバイス \\Device\\Harddisk1\\DR1 に不良ブロックがあります。",
    };
    let zone = match lang {
        Lang::En => "60 W. Europe Standard Time",
        Lang::Fr => "60 Paris, Madrid",
        Lang::De => "60 Mitteleuropäische Zeit",
        Lang::Ja => "60 西ヨーロッパ標準時",
    };
    let uptime = match lang {
        Lang::En => format!("The system uptime is 3600 seconds.\n  Time zone: {zone}"),
        Lang::Fr => format!(
            "La durée de fonctionnement du système est de 3600 secondes.\n  Fuseau horaire\u{a0}: {zone}"
        ),
        Lang::De => format!("Die Systembetriebszeit beträgt 3600 Sekunden.\n  Zeitzone: {zone}"),
        Lang::Ja => format!("システム起動時間は 3600 秒です。\n  タイム ゾーン: {zone}"),
    };
    let wu = "Microsoft-Windows-WindowsUpdateClient";
    let guid = "{5d2a7b1e-41c4-4c1b-9f0e-2a7c0b9e6d11}";
    vec![
        Rendered {
            spec: spec(
                wu,
                20,
                2,
                at(9, 0, 1),
                named(&[
                    ("errorCode", "0x80070070"),
                    ("updateTitle", TITLE),
                    ("updateGuid", guid),
                    ("updateRevisionNumber", "1"),
                    ("serviceGuid", guid),
                ]),
            ),
            message: failed,
        },
        Rendered {
            spec: spec(
                wu,
                19,
                4,
                at(9, 30, 0),
                named(&[
                    ("updateTitle", TITLE),
                    ("updateGuid", guid),
                    ("updateRevisionNumber", "1"),
                    ("serviceGuid", guid),
                ]),
            ),
            message: installed,
        },
        Rendered {
            spec: EventSpec {
                qualifiers: Some(0xC004),
                ..spec(
                    "disk",
                    7,
                    2,
                    at(9, 45, 0),
                    Payload::Classic {
                        data: vec!["\\Device\\Harddisk1\\DR1".into()],
                        binary: None,
                    },
                )
            },
            message: disk.into(),
        },
        Rendered {
            spec: EventSpec {
                qualifiers: Some(0x8000),
                ..spec(
                    "EventLog",
                    6013,
                    4,
                    at(12, 0, 0),
                    Payload::Classic {
                        data: vec![
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                            "3600".into(),
                            zone.into(),
                        ],
                        binary: None,
                    },
                )
            },
            message: uptime,
        },
    ]
}

/// What must agree between forms: provider, id, level, UTC time, codes, KB and the fields
/// rules read.
type Digest = (String, Option<u32>, String, Option<String>, Vec<String>, Option<u32>, Vec<String>);

fn read(name: &str, bytes: &[u8], offset: Option<i32>) -> (Kind, Vec<Digest>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let opts = Options {
        parse: ParseOptions { keep: Keep::All, ..ParseOptions::default() },
        utc_offset: offset.and_then(UtcOffset::from_minutes),
        ..Options::default()
    };
    pipeline::run(&[dir.path().to_path_buf()], &opts, |a| {
        let kind = a.bundle.artifacts[0].kind;
        assert!(a.parsed[0].issues.is_empty(), "{name}: {:?}", a.parsed[0].issues);
        let digests = a
            .timeline
            .events
            .iter()
            .map(|e| {
                let mut codes: Vec<String> = e.codes.iter().map(ToString::to_string).collect();
                codes.sort();
                let fields = ["errorCode", "updateTitle", "data1", "PackageIdentifier"]
                    .iter()
                    .filter_map(|k| e.field(k).map(|v| format!("{k}={v}")))
                    .collect();
                (
                    e.component.to_string(),
                    e.event_id,
                    e.level.as_str().to_string(),
                    e.time.map(|t| t.to_string()),
                    codes,
                    e.kb,
                    fields,
                )
            })
            .collect();
        (kind, digests)
    })
}

#[test]
fn every_form_and_language_gives_the_evtx_events() {
    let specs: Vec<EventSpec> = events(Lang::En).into_iter().map(|r| r.spec).collect();
    let (kind, want) = read("System.evtx", &write_evtx(&specs), None);
    assert_eq!(kind, Kind::Evtx);
    assert_eq!(want.len(), 4);
    let (kind, got) = read("System.xml", &export_writers::wevtutil_xml(&specs), None);
    assert_eq!((kind, &got), (Kind::EventXml, &want), "wevtutil /f:xml");
    for lang in [Lang::En, Lang::Fr, Lang::De, Lang::Ja] {
        let ev = events(lang);
        // The local forms are written at UTC+1 and read with that offset.
        let forms: [(&str, Vec<u8>, Kind, Option<i32>); 4] = [
            ("System.json", export_writers::winevent_json(&ev), Kind::EventJson, None),
            (
                "System.txt",
                export_writers::wevtutil_text(lang, &ev, 60),
                Kind::EventExport,
                Some(60),
            ),
            (
                "System.csv",
                export_writers::viewer_csv(lang, false, &ev, 60),
                Kind::EventCsv,
                Some(60),
            ),
            (
                "System-tab.txt",
                export_writers::viewer_csv(lang, true, &ev, 60),
                Kind::EventCsv,
                Some(60),
            ),
        ];
        for (name, bytes, want_kind, offset) in forms {
            let (kind, got) = read(name, &bytes, offset);
            assert_eq!(kind, want_kind, "{lang:?} {name}");
            // Data the form does not carry (a table's unnamed classic data) is not compared.
            let strip = |d: &[Digest]| -> Vec<Digest> {
                d.iter()
                    .map(|x| {
                        let mut x = x.clone();
                        x.6.retain(|f| !f.starts_with("data1=") || name == "System.json");
                        x
                    })
                    .collect()
            };
            assert_eq!(strip(&got), strip(&want), "{lang:?} {name}");
        }
    }
}
