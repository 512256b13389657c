//! Round trips through `tests/support/evtx_writer.rs`: files it writes read back through the
//! `evtx` crate, with checksum validation on, with every value where it was put.
//!
//! Shapes the `evtx` crate (0.15.1) prints with `separate_json_attributes(true)`, as asserted
//! below (run with `-- --nocapture` to see `dump_shapes` print a few whole records):
//!
//! - attributes move to a sibling key named `<element>_attributes`:
//!   `"Provider_attributes": {"Name": "disk"}`, `"TimeCreated_attributes": {"SystemTime": ..}`,
//!   `"Event_attributes": {"xmlns": ..}` (beside `"Event"`, at the top level);
//! - so an `EventID` with qualifiers is `"EventID_attributes": {"Qualifiers": 49156}` beside
//!   `"EventID": 7`: the `{"#attributes": .., "#text": 7}` form is what the crate prints with
//!   `separate_json_attributes(false)`; qualifiers come out as decimal numbers;
//! - `TimeCreated/@SystemTime` is `"2024-05-14T15:20:00.1234560Z"` (seven fractional digits);
//! - named `Data` become keys of `EventData`; unnamed ones become `"Data": {"#text": "v"}`
//!   (one) or `"Data": {"#text": ["a", "b"]}` (several);
//! - `Binary` is upper-case hex without separators: `"Binary": "770075..."`;
//! - `UserData` is `{"CbsPackageChangeState_attributes": {"xmlns": ..},
//!   "CbsPackageChangeState": {"PackageIdentifier": "KB5037768", ..}}`;
//! - `Keywords` (hex u64) is a string `"0x8000000000000000"`; empty elements are `null`.
#![allow(clippy::unwrap_used, reason = "test and tool code")]

#[path = "support/evtx_writer.rs"]
mod evtx_writer;

use evtx_writer::{EventSpec, Payload, write_evtx};
use serde_json::{Value, json};

const WU_GUID: &str = "{945a8954-c147-4acd-923f-40c45405a658}";
const SCM_GUID: &str = "{555908d1-a6d7-4695-8e1e-26931d2012f4}";
const SETUP_XMLNS: &str = "http://manifests.microsoft.com/win/2004/08/windows/setup_provider";
/// 2024-05-14T15:20:00.123456Z.
const T0: i64 = 1_715_700_000_123_456;

fn settings() -> evtx::ParserSettings {
    evtx::ParserSettings::new().separate_json_attributes(true).validate_checksums(true)
}

/// Every record of `bytes` as (record id, header timestamp, JSON), failing on any error.
fn read_back(bytes: &[u8]) -> Vec<(u64, String, Value)> {
    let mut parser =
        evtx::EvtxParser::from_buffer(bytes.to_vec()).unwrap().with_configuration(settings());
    assert!(parser.header().validate_checksum(), "file header CRC");
    parser
        .records_json_value()
        .map(|record| {
            let record = record.unwrap();
            (record.event_record_id, record.timestamp.to_string(), record.data)
        })
        .collect()
}

fn read_one(event: EventSpec) -> Value {
    let records = read_back(&write_evtx(&[event]));
    assert_eq!(records.len(), 1);
    records.into_iter().next().unwrap().2
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn wu_event_20(time_unix_micros: i64, title: &str) -> EventSpec {
    EventSpec {
        provider: "Microsoft-Windows-WindowsUpdateClient".to_owned(),
        provider_guid: Some(WU_GUID.to_owned()),
        event_id: 20,
        qualifiers: None,
        level: 2,
        time_unix_micros,
        channel: "System".to_owned(),
        computer: "WS-0042.corp.example".to_owned(),
        payload: Payload::EventData(pairs(&[
            ("errorCode", "0x80070306"),
            ("updateTitle", title),
            ("updateGuid", "{a1b2c3d4-0000-4000-8000-123456789abc}"),
            ("updateRevisionNumber", "1"),
        ])),
    }
}

fn disk_event_7(time_unix_micros: i64) -> EventSpec {
    EventSpec {
        provider: "disk".to_owned(),
        provider_guid: None,
        event_id: 7,
        qualifiers: Some(0xC004),
        level: 2,
        time_unix_micros,
        channel: "System".to_owned(),
        computer: "WS-0042.corp.example".to_owned(),
        payload: Payload::Classic {
            data: vec!["\\Device\\Harddisk0\\DR0".to_owned()],
            binary: Some(vec![
                0x03, 0x00, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00,
                0x04, 0xC0,
            ]),
        },
    }
}

fn servicing_event_3(time_unix_micros: i64) -> EventSpec {
    EventSpec {
        provider: "Microsoft-Windows-Servicing".to_owned(),
        provider_guid: Some("{bd12f3b8-fc40-4a61-a307-b7a013a069c1}".to_owned()),
        event_id: 3,
        qualifiers: None,
        level: 0,
        time_unix_micros,
        channel: "Setup".to_owned(),
        computer: "WS-0042.corp.example".to_owned(),
        payload: Payload::UserData {
            element: "CbsPackageChangeState".to_owned(),
            xmlns: SETUP_XMLNS.to_owned(),
            fields: pairs(&[
                ("PackageIdentifier", "KB5037768"),
                ("IntendedPackageState", "5112"),
                ("ErrorCode", "0x80070306"),
                ("Client", "WindowsUpdateAgent"),
            ]),
        },
    }
}

fn utf16le_z(text: &str) -> Vec<u8> {
    text.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
}

fn scm_event_7031(time_unix_micros: i64) -> EventSpec {
    EventSpec {
        provider: "Service Control Manager".to_owned(),
        provider_guid: Some(SCM_GUID.to_owned()),
        event_id: 7031,
        qualifiers: Some(0xC000),
        level: 2,
        time_unix_micros,
        channel: "System".to_owned(),
        computer: "WS-0042.corp.example".to_owned(),
        payload: Payload::Classic {
            data: vec![
                "Windows Update".to_owned(),
                "1".to_owned(),
                "120000".to_owned(),
                "1".to_owned(),
                "Restart the service".to_owned(),
            ],
            binary: Some(utf16le_z("wuauserv")),
        },
    }
}

#[test]
fn dump_shapes() {
    let bytes = write_evtx(&[disk_event_7(T0), servicing_event_3(T0)]);
    for (_, _, json) in read_back(&bytes) {
        println!("{}", serde_json::to_string_pretty(&json).unwrap());
    }
}

#[test]
fn windows_update_event_20_reads_back() {
    let title = "2024-05 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems \
                 (KB5037768)";
    let bytes = write_evtx(&[wu_event_20(T0, title)]);
    let records = read_back(&bytes);
    assert_eq!(records.len(), 1);
    let (record_id, timestamp, json) = &records[0];
    assert_eq!(*record_id, 1);
    // The record header's written time is the event's time too.
    assert_eq!(timestamp, "2024-05-14T15:20:00.123456Z");

    assert_eq!(
        json["Event_attributes"]["xmlns"],
        "http://schemas.microsoft.com/win/2004/08/events/event"
    );
    let system = &json["Event"]["System"];
    assert_eq!(
        system["Provider_attributes"],
        json!({"Name": "Microsoft-Windows-WindowsUpdateClient", "Guid": WU_GUID})
    );
    assert_eq!(system["EventID"], json!(20));
    assert!(system.get("EventID_attributes").is_none());
    assert_eq!(system["Level"], json!(2));
    assert_eq!(system["EventRecordID"], json!(1));
    assert_eq!(system["TimeCreated_attributes"]["SystemTime"], "2024-05-14T15:20:00.1234560Z");
    assert_eq!(system["Channel"], "System");
    assert_eq!(system["Computer"], "WS-0042.corp.example");
    assert_eq!(system["Keywords"], "0x8000000000000000");
    assert_eq!(system["Version"], json!(0));

    assert_eq!(
        json["Event"]["EventData"],
        json!({
            "errorCode": "0x80070306",
            "updateTitle": title,
            "updateGuid": "{a1b2c3d4-0000-4000-8000-123456789abc}",
            "updateRevisionNumber": "1",
        })
    );
}

#[test]
fn classic_disk_event_7_reads_back() {
    let json = read_one(disk_event_7(T0));
    let system = &json["Event"]["System"];
    assert_eq!(system["Provider_attributes"], json!({"Name": "disk"}));
    // With separate_json_attributes(true) the qualifiers sit beside EventID, in decimal.
    assert_eq!(system["EventID_attributes"], json!({"Qualifiers": 0xC004}));
    assert_eq!(system["EventID_attributes"]["Qualifiers"], json!(49156));
    assert_eq!(system["EventID"], json!(7));
    assert_eq!(system["Level"], json!(2));
    assert_eq!(system["Keywords"], "0x80000000000000");
    assert_eq!(
        json["Event"]["EventData"],
        json!({
            "Data": {"#text": "\\Device\\Harddisk0\\DR0"},
            "Binary": "030080000100000000000000070004C0",
        })
    );
}

#[test]
fn qualifiers_without_separate_attributes() {
    // The other JSON form, for reference: attributes inline under "#attributes".
    let bytes = write_evtx(&[disk_event_7(T0)]);
    let mut parser = evtx::EvtxParser::from_buffer(bytes)
        .unwrap()
        .with_configuration(evtx::ParserSettings::new().validate_checksums(true));
    let json = parser.records_json_value().next().unwrap().unwrap().data;
    assert_eq!(
        json["Event"]["System"]["EventID"],
        json!({"#attributes": {"Qualifiers": 49156}, "#text": 7})
    );
}

#[test]
fn servicing_event_3_user_data_reads_back() {
    let json = read_one(servicing_event_3(T0));
    let system = &json["Event"]["System"];
    assert_eq!(system["EventID"], json!(3));
    assert_eq!(system["Level"], json!(0));
    assert_eq!(system["Channel"], "Setup");
    let user_data = &json["Event"]["UserData"];
    assert_eq!(user_data["CbsPackageChangeState_attributes"], json!({"xmlns": SETUP_XMLNS}));
    assert_eq!(
        user_data["CbsPackageChangeState"],
        json!({
            "PackageIdentifier": "KB5037768",
            "IntendedPackageState": "5112",
            "ErrorCode": "0x80070306",
            "Client": "WindowsUpdateAgent",
        })
    );
    assert!(json["Event"].get("EventData").is_none());
}

#[test]
fn scm_7031_binary_reads_back() {
    let json = read_one(scm_event_7031(T0));
    let system = &json["Event"]["System"];
    assert_eq!(
        system["Provider_attributes"],
        json!({"Name": "Service Control Manager", "Guid": SCM_GUID})
    );
    assert_eq!(system["EventID_attributes"]["Qualifiers"], json!(49152));
    assert_eq!(system["EventID"], json!(7031));
    let event_data = &json["Event"]["EventData"];
    assert_eq!(
        event_data["Data"]["#text"],
        json!(["Windows Update", "1", "120000", "1", "Restart the service"])
    );
    // UTF-16LE "wuauserv\0", as the crate prints binary values: upper-case hex.
    assert_eq!(event_data["Binary"], "770075006100750073006500720076000000");
}

#[test]
fn payload_none_and_empty_values() {
    let mut event = wu_event_20(T0, "");
    event.payload = Payload::None;
    let json = read_one(event);
    assert!(json["Event"].get("EventData").is_none());
    assert!(json["Event"].get("UserData").is_none());

    let json = read_one(wu_event_20(T0, ""));
    assert_eq!(json["Event"]["EventData"]["updateTitle"], "");
}

#[test]
fn times_before_1970_and_fractions() {
    // 1969-12-31T23:59:59.999999Z and the FILETIME epoch itself.
    let json = read_one(wu_event_20(-1, "t"));
    assert_eq!(
        json["Event"]["System"]["TimeCreated_attributes"]["SystemTime"],
        "1969-12-31T23:59:59.9999990Z"
    );
    let json = read_one(wu_event_20(-11_644_473_600_000_000, "t"));
    assert_eq!(
        json["Event"]["System"]["TimeCreated_attributes"]["SystemTime"],
        "1601-01-01T00:00:00.0000000Z"
    );
}

#[test]
fn large_events_fill_one_chunk_each() {
    // 60,000 bytes of UTF-16 each: one event per chunk, the chunks nearly full.
    let events: Vec<EventSpec> = (0..5).map(|i| wu_event_20(T0 + i, &"x".repeat(30_000))).collect();
    let bytes = write_evtx(&events);
    assert_eq!(bytes.len(), 4096 + 5 * 65_536);
    let records = read_back(&bytes);
    assert_eq!(records.len(), 5);
    for (_, _, json) in &records {
        let title = json["Event"]["EventData"]["updateTitle"].as_str().unwrap();
        assert_eq!(title.len(), 30_000);
    }
}

#[test]
#[should_panic(expected = "more than a chunk holds")]
fn an_event_larger_than_a_chunk_panics() {
    let mut event = wu_event_20(T0, &"x".repeat(30_000));
    event.payload =
        Payload::EventData(pairs(&[("a", &"x".repeat(30_000)), ("b", &"y".repeat(30_000))]));
    let _ = write_evtx(&[event]);
}

#[test]
fn no_events_is_a_header_alone() {
    let bytes = write_evtx(&[]);
    assert_eq!(bytes.len(), 4096);
    assert!(read_back(&bytes).is_empty());
}

#[test]
fn three_thousand_events_span_many_chunks() {
    const N: usize = 3_000;
    let events: Vec<EventSpec> = (0..N)
        .map(|i| {
            let t = T0 + i as i64 * 1_000_003;
            match i % 4 {
                0 => wu_event_20(t, &format!("Update number {i} (KB{})", 5_000_000 + i)),
                1 => disk_event_7(t),
                2 => servicing_event_3(t),
                _ => scm_event_7031(t),
            }
        })
        .collect();
    let bytes = write_evtx(&events);

    let chunk_count = (bytes.len() - 4096) / 65_536;
    assert_eq!(bytes.len(), 4096 + chunk_count * 65_536);
    assert!(chunk_count > 10, "only {chunk_count} chunks");
    println!("{N} events in {chunk_count} chunks");
    assert_eq!(u16::from_le_bytes([bytes[42], bytes[43]]) as usize, chunk_count);
    assert_eq!(u64::from_le_bytes(bytes[24..32].try_into().unwrap()), N as u64 + 1);
    // Chunk headers: contiguous record ranges, and CRCs as `evtx` computes them.
    let mut next_id = 1;
    let mut parser = evtx::EvtxParser::from_buffer(bytes.clone()).unwrap();
    for chunk in parser.chunks() {
        let chunk = chunk.unwrap();
        assert!(chunk.validate_checksum());
        assert_eq!(chunk.header.first_event_record_id, next_id);
        assert_eq!(chunk.header.first_event_record_number, next_id);
        assert!(chunk.header.last_event_record_id >= next_id);
        next_id = chunk.header.last_event_record_id + 1;
    }
    assert_eq!(next_id, N as u64 + 1);

    let records = read_back(&bytes);
    assert_eq!(records.len(), N);
    for (i, (record_id, _, json)) in records.iter().enumerate() {
        let id = i as u64 + 1;
        assert_eq!(*record_id, id);
        let system = &json["Event"]["System"];
        assert_eq!(system["EventRecordID"], json!(id));
        let expected_event_id = [20, 7, 3, 7031][i % 4];
        assert_eq!(system["EventID"], json!(expected_event_id), "record {id}");
        if i % 4 == 0 {
            assert_eq!(
                json["Event"]["EventData"]["updateTitle"],
                format!("Update number {i} (KB{})", 5_000_000 + i)
            );
        }
    }
    // Times are in order, as written.
    let times: Vec<&str> = records
        .iter()
        .map(|r| r.2["Event"]["System"]["TimeCreated_attributes"]["SystemTime"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn corrupted_record_data_fails_checksum_validation() {
    let mut bytes = write_evtx(&[wu_event_20(T0, "x"), disk_event_7(T0)]);
    // The first UTF-16 "0x80070306" is the errorCode value of record 1: make it "1x80070306",
    // which still parses, but no longer matches the chunk's record-data CRC.
    let needle: Vec<u8> = "0x80070306".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let at = bytes.windows(needle.len()).position(|w| w == needle.as_slice()).unwrap();
    bytes[at] = b'1';

    let mut lenient = evtx::EvtxParser::from_buffer(bytes.clone())
        .unwrap()
        .with_configuration(evtx::ParserSettings::new().separate_json_attributes(true));
    let first = lenient.records_json_value().next().unwrap().unwrap();
    assert_eq!(first.data["Event"]["EventData"]["errorCode"], "1x80070306");

    let mut strict = evtx::EvtxParser::from_buffer(bytes).unwrap().with_configuration(settings());
    assert!(strict.records_json_value().any(|r| r.is_err()));
}
