//! Event logs: .evtx through the `evtx` crate, normalized into [`Event`]s.
//!
//! Damage is data: a chunk or record the crate cannot read becomes a [`super::ParseIssue`]
//! and the walk goes on; records carved from slack space are marked `recovered`.
//! Field access goes through `RawRecord` so that the rest of the program never sees the
//! crate's JSON layout (REFERENCE.md §6, DESIGN.md "The evtx crate, 0.15").
//!
//! The family: [`chunks`] checks chunk headers, [`walk`] finds record boundaries without
//! the crate, [`skip`] decides from raw bytes which records can be left out, [`prog`] and
//! [`direct`] read a kept record's fields straight from its binary XML, [`json`] is the
//! crate's JSON path for the records the direct reader leaves to it, and [`word_hash`]
//! hashes the names they compare.

mod chunks;
mod direct;
mod json;
mod prog;
mod skip;
mod walk;
mod word_hash;

use super::{Ctx, IssueKind, Keep, LeftOut, Piece, Retain, ident};
use crate::code::Code;
use crate::code::extract::CodeExtractor;
use crate::event::{Event, Field, Flags, Level, Location, Note, Pos, Source, is_notable};
use crate::time::{TimeBase, Timestamp};
pub(crate) use chunks::check_chunks;
use direct::Trees;
use evtx::{EvtxChunk, EvtxChunkData, EvtxParser, ParserSettings};
use json::Json;
use prog::View;
use rayon::prelude::*;
use skip::{Shapes, might_hold_code, read_instance_into};
use std::borrow::Cow;
use std::io::Cursor;
use std::sync::{Arc, Mutex};

/// Longest field value kept (characters); longer values are cut.
pub(crate) const MAX_FIELD_CHARS: usize = 2048;
/// Most fields kept per event.
pub(crate) const MAX_FIELDS: usize = 40;

/// A field name: borrowed when it is one of the [`COMMON`] strings, which most are.
pub(crate) type Name = Cow<'static, str>;

/// The fields of one record as name/value pairs, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawRecord {
    pub(crate) record_id: u64,
    pub(crate) time: Timestamp,
    pub(crate) recovered: bool,
    pub(crate) provider: String,
    pub(crate) event_id: Option<u32>,
    pub(crate) level: u64,
    pub(crate) computer: String,
    pub(crate) channel: String,
    pub(crate) fields: Vec<(Name, String)>,
}

fn scalar(v: &Json<'_>) -> Option<String> {
    match v {
        Json::String(s) => Some(s.to_string()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Object(_) => v.get("#text").and_then(scalar),
        Json::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(scalar).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Json::Null => None,
    }
}

pub(crate) fn cut(mut s: String) -> String {
    if s.len() > MAX_FIELD_CHARS {
        let mut at = MAX_FIELD_CHARS;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
        s.push('…');
    }
    s
}

pub(crate) const DATA_NAMES: [&str; 16] = [
    "data1", "data2", "data3", "data4", "data5", "data6", "data7", "data8", "data9", "data10",
    "data11", "data12", "data13", "data14", "data15", "data16",
];

/// Flattens `EventData` or one `UserData` element into name/value pairs. Unnamed `Data`
/// values (classic providers) become `data1`, `data2`, …
fn flatten(obj: &[(Cow<'_, str>, Json<'_>)], out: &mut Vec<(Name, String)>) {
    for (k, v) in obj {
        if k.ends_with("_attributes") || k == "#attributes" || out.len() >= MAX_FIELDS {
            continue;
        }
        if k == "Data" {
            let items: Vec<&Json<'_>> = match v {
                Json::Object(_) => match v.get("#text") {
                    Some(Json::Array(a)) => a.iter().collect(),
                    Some(t) => vec![t],
                    None => vec![],
                },
                Json::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for (i, item) in items.into_iter().enumerate() {
                if let (Some(name), Some(val)) = (DATA_NAMES.get(i), scalar(item)) {
                    out.push((Cow::Borrowed(*name), cut(val)));
                }
            }
        } else if let Some(val) = scalar(v) {
            out.push((name(k), cut(val)));
        }
    }
}

fn u64_of(v: Option<&Json<'_>>) -> Option<u64> {
    match v? {
        Json::Number(n) => n.as_u64(),
        Json::String(s) => s.trim().parse().ok(),
        o @ Json::Object(_) => u64_of(o.get("#text")),
        _ => None,
    }
}

/// Reads the fields wutriage needs from the crate's JSON (separated attributes).
pub(crate) fn from_json(
    v: &Json<'_>,
    record_id: u64,
    time: Timestamp,
    recovered: bool,
) -> RawRecord {
    let event = v.get("Event").unwrap_or(v);
    let system = event.get("System");
    let sys = |k: &str| system.and_then(|s| s.get(k));
    let provider = sys("Provider_attributes")
        .and_then(|p| p.get("Name"))
        .or_else(|| sys("Provider").and_then(|p| p.get("#attributes")).and_then(|a| a.get("Name")))
        .and_then(scalar)
        .unwrap_or_default();
    let mut fields = Vec::new();
    if let Some(Json::Object(ed)) = event.get("EventData") {
        flatten(ed, &mut fields);
    }
    if let Some(Json::Object(ud)) = event.get("UserData") {
        for (k, inner) in ud {
            if k.ends_with("_attributes") {
                continue;
            }
            fields.push((Cow::Borrowed("payload"), k.to_string()));
            if let Json::Object(o) = inner {
                flatten(o, &mut fields);
            }
        }
    }
    RawRecord {
        record_id,
        time,
        recovered,
        provider,
        event_id: u64_of(sys("EventID")).and_then(|n| u32::try_from(n).ok()),
        level: u64_of(sys("Level")).unwrap_or(4),
        computer: sys("Computer").and_then(scalar).unwrap_or_default(),
        channel: sys("Channel").and_then(scalar).unwrap_or_default(),
        fields,
    }
}

/// Provider families that diagnosis knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Microsoft-Windows-WindowsUpdateClient.
    WindowsUpdateClient,
    /// Microsoft-Windows-Servicing.
    Servicing,
    /// disk / Disk.
    Disk,
    /// Ntfs / Microsoft-Windows-Ntfs.
    Ntfs,
    /// volmgr.
    Volmgr,
    /// Storport and miniport drivers (storahci, stornvme, …) logging 129.
    Storage,
    /// Service Control Manager.
    ServiceControlManager,
    /// Kernel-Power, `EventLog`, Kernel-General: boots and unexpected shutdowns.
    System,
    /// Microsoft-Windows-Partition: a disk's bus and role as it arrives (event 1006).
    Partition,
    /// Kernel-PnP and `UserPnp`: devices configured, started and removed.
    Pnp,
    /// Anything else.
    Other,
}

/// The family of a provider name (case-insensitive). No allocation: it runs per record.
pub fn family(provider: &str) -> Family {
    let is = |names: &[&str]| names.iter().any(|n| provider.eq_ignore_ascii_case(n));
    let p = provider.as_bytes();
    if is(&["microsoft-windows-windowsupdateclient"]) {
        Family::WindowsUpdateClient
    } else if is(&["microsoft-windows-servicing"]) {
        Family::Servicing
    } else if is(&["disk"]) {
        Family::Disk
    } else if is(&["ntfs", "microsoft-windows-ntfs"]) {
        Family::Ntfs
    } else if is(&["volmgr"]) {
        Family::Volmgr
    } else if is(&["service control manager"]) {
        Family::ServiceControlManager
    } else if is(&[
        "microsoft-windows-kernel-power",
        "eventlog",
        "microsoft-windows-kernel-general",
    ]) {
        Family::System
    } else if is(&["microsoft-windows-partition"]) {
        Family::Partition
    } else if is(&["microsoft-windows-kernel-pnp", "microsoft-windows-userpnp"]) {
        Family::Pnp
    } else if p.get(..4).is_some_and(|s| s.eq_ignore_ascii_case(b"stor"))
        // Only where an `s` starts: this runs per record, on names of 20 to 40 bytes.
        || p.windows(8).any(|w| w[0] | 0x20 == b's' && w.eq_ignore_ascii_case(b"storport"))
        || is(&["iastora", "iastorv"])
    {
        Family::Storage
    } else {
        Family::Other
    }
}

/// Whether `(provider, id)` is an event that servicing diagnosis looks at (REFERENCE.md §6).
pub fn is_known_event(provider: &str, id: u32) -> bool {
    is_known(family(provider), id)
}

/// [`is_known_event`] for a provider of family `fam`.
pub(crate) fn is_known(fam: Family, id: u32) -> bool {
    match fam {
        Family::WindowsUpdateClient => matches!(id, 16 | 18..=22 | 25 | 31 | 43 | 44),
        Family::Servicing => matches!(id, 1..=16 | 1013 | 1014),
        Family::Disk => matches!(id, 7 | 9 | 11 | 15 | 51 | 52 | 153 | 154 | 157),
        Family::Ntfs => matches!(id, 50 | 55 | 98 | 130 | 137 | 140),
        Family::Volmgr => matches!(id, 46 | 161),
        Family::Storage => id == 129 || (500..600).contains(&id),
        Family::ServiceControlManager => {
            matches!(id, 7000 | 7001 | 7009 | 7011 | 7022 | 7023 | 7024 | 7031 | 7032 | 7034 | 7043)
        }
        Family::System => matches!(id, 41 | 6008 | 12 | 13),
        Family::Partition => id == 1006,
        // Device configured, started, deleted or needing installation; driver installed.
        Family::Pnp => matches!(id, 400 | 410 | 420 | 430 | 20001 | 20003),
        Family::Other => false,
    }
}

/// Whether `(fam, id)` may tell of the clock or the machine (`EventLog` 6013, Kernel-General 1
/// and 24): such records are read even when nothing makes them notable.
pub(crate) fn is_clock(fam: Family, id: u32) -> bool {
    fam == Family::System && matches!(id, 1 | 24 | 6013)
}

/// The UTF-16LE strings of a hex `Binary` value, split at NULs.
fn utf16_strings(hex: &str) -> Vec<String> {
    let units: Vec<u16> = hex
        .as_bytes()
        .chunks_exact(4)
        .filter_map(|q| {
            let s = std::str::from_utf8(q).ok()?;
            let (lo, hi) = (
                u8::from_str_radix(s.get(..2)?, 16).ok()?,
                u8::from_str_radix(s.get(2..)?, 16).ok()?,
            );
            Some(u16::from_le_bytes([lo, hi]))
        })
        .collect();
    String::from_utf16_lossy(&units).split('\0').map(|s| s.trim().to_string()).collect()
}

/// What a record says of its machine and clock: the computer it names, and for `EventLog`
/// 6013 the zone (seventh value) and the build (binary data: product, `10.0.19045 Build
/// 19045`, computer name); for Kernel-General 24 the offset in force (its current bias);
/// for Kernel-General 1 a change of zone (reason 3, which records show with
/// "adjusted to the new time zone" and the setup programs that set the zone).
fn observe<'f>(
    piece: &mut Piece<'_>,
    fam: Option<Family>,
    (provider, id, computer): (&str, Option<u32>, &str),
    time: Timestamp,
    fields: impl Iterator<Item = (&'f str, &'f str)>,
) {
    use crate::clock::evidence::{ZoneFact, ZoneSource, parse_6013};
    if !computer.is_empty() {
        piece.machine.name(computer, time, TimeBase::Utc);
    }
    // The family only for the few ids that may tell of the clock: this runs per record.
    let Some(id) = id.filter(|&id| {
        matches!(id, 1 | 24 | 6013) && is_clock(fam.unwrap_or_else(|| family(provider)), id)
    }) else {
        return;
    };
    let general = provider.eq_ignore_ascii_case("Microsoft-Windows-Kernel-General");
    let mut fields = fields;
    match id {
        6013 if provider.eq_ignore_ascii_case("EventLog") => {
            for (k, v) in fields.by_ref() {
                if k == "data7"
                    && let Some(fact) = parse_6013(v)
                {
                    piece.clock.zone(ZoneSource::Event6013, fact, time, TimeBase::Utc);
                } else if k == "Binary" {
                    let parts = utf16_strings(v);
                    let at = |i: usize| parts.get(i).filter(|s| !s.is_empty());
                    if let Some(version) = at(3).and_then(|v| crate::machine::version_in(v)) {
                        piece.machine.build(crate::machine::BuildSeen {
                            version,
                            product: at(2).cloned(),
                            source: crate::machine::BuildSource::Event6013,
                            time: Some(time),
                            time_base: TimeBase::Utc,
                        });
                    }
                    if let Some(name) = at(13) {
                        piece.machine.name(name, time, TimeBase::Utc);
                    }
                }
            }
        }
        24 if general => {
            // The kernel's current bias, daylight time included (it changes at each switch,
            // and on a machine whose setup moved it from Pacific to Mountain time in May it
            // read 420 then 360): the offset in force at this instant.
            let bias = fields
                .find(|(k, _)| *k == "CurrentBias")
                .and_then(|(_, v)| v.trim().parse::<i32>().ok());
            if let Some(bias) = bias.filter(|b| b.abs() <= 14 * 60) {
                piece.offset_seen(super::OffsetSource::ZoneRefresh, time.shifted(-bias), -bias);
            }
        }
        1 if general && fields.any(|(k, v)| k == "Reason" && v.trim() == "3") => {
            piece.clock.zone(ZoneSource::KernelGeneral1, ZoneFact::Changed, time, TimeBase::Utc);
        }
        _ => {}
    }
}

/// The short service name held as UTF-16LE hex in an SCM `Binary` field.
pub(crate) fn service_from_binary(hex: &str) -> Option<String> {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    service_from_bytes(&bytes)
}

/// The short service name held as UTF-16LE in an SCM `Binary` value: printable ASCII up to
/// trailing NULs. Checked before anything is allocated, since most values are not one.
pub(crate) fn service_from_bytes(bytes: &[u8]) -> Option<String> {
    let units = bytes.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]]));
    let len = units.clone().rposition(|u| u != 0)? + 1;
    units
        .clone()
        .take(len)
        .all(|u| (0x21..0x7f).contains(&u))
        .then(|| units.take(len).map(|u| char::from(u as u8)).collect())
}

/// Parses an error code written as `0x80248007`, `800706d9` or decimal.
pub(crate) fn code_field(v: &str) -> Option<Code> {
    let v = v.trim();
    let n = if let Some(h) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()?
    } else if v.len() == 8 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        u32::from_str_radix(v, 16).ok()?
    } else {
        let d: i64 = v.parse().ok()?;
        u32::try_from(if d < 0 { d + (1 << 32) } else { d }).ok()?
    };
    let c = Code::classify(n);
    c.is_failure().then_some(c)
}

/// The value of the first field named `k`.
fn field<'f, K: AsRef<str>, S: AsRef<str>>(fields: &'f [(K, S)], k: &str) -> Option<&'f str> {
    fields.iter().find(|(n, _)| n.as_ref() == k).map(|(_, v)| v.as_ref())
}

/// A message in our words for the events diagnosis reads; other events list their fields.
fn synthesize<K: AsRef<str>, S: AsRef<str>>(fam: Family, id: u32, fields: &[(K, S)]) -> String {
    let f = |k: &str| field(fields, k);
    let get = |k: &str| field(fields, k).unwrap_or_default();
    // Joined, not formatted: this runs for most events made (a formatted message cost more
    // than its fields).
    match (fam, id) {
        (Family::WindowsUpdateClient, 19) => ["Update installed: ", get("updateTitle")].concat(),
        (Family::WindowsUpdateClient, 20) => {
            ["Update failed to install with ", get("errorCode"), ": ", get("updateTitle")].concat()
        }
        (Family::WindowsUpdateClient, 31) => {
            ["Update failed to download with ", get("errorCode"), ": ", get("updateTitle")].concat()
        }
        (Family::WindowsUpdateClient, 43) => {
            ["Update install started: ", get("updateTitle")].concat()
        }
        (Family::WindowsUpdateClient, 44) => {
            ["Update download started: ", get("updateTitle")].concat()
        }
        (Family::Servicing, 1) => [
            "Package ",
            get("PackageIdentifier"),
            ": changes started, target state ",
            get("IntendedPackageState"),
        ]
        .concat(),
        (Family::Servicing, 2) => {
            ["Package ", get("PackageIdentifier"), " reached state ", get("IntendedPackageState")]
                .concat()
        }
        (Family::Servicing, 3 | 6) => [
            "Package ",
            get("PackageIdentifier"),
            " failed to reach state ",
            get("IntendedPackageState"),
            " with ",
            get("ErrorCode"),
            if id == 6 { " and is now partially installed" } else { "" },
        ]
        .concat(),
        (Family::Servicing, 4) => [
            "Package ",
            get("PackageIdentifier"),
            " needs a restart before it can reach state ",
            get("IntendedPackageState"),
        ]
        .concat(),
        (Family::Servicing, 1013) => "Component store corruption repair started".to_string(),
        (Family::Servicing, 1014) => [
            "Component store corruption repair finished with ",
            get("ErrorCode"),
            ": repaired ",
            get("Repaired"),
            ", total corruption ",
            get("TotalCorruption"),
        ]
        .concat(),
        (Family::Disk, 7) => ["Bad block on ", get("data1")].concat(),
        (Family::Disk, 11) => ["Controller error on ", get("data1")].concat(),
        (Family::Disk, 51) => ["Error on ", get("data1"), " during a paging operation"].concat(),
        (Family::Disk, 52) => {
            ["Device ", get("data1"), " predicts its own failure (SMART)"].concat()
        }
        // The device is in `%1`, the disk number in `%3` (153/154) or `%2` (157).
        (Family::Disk, 9) => ["Timeout on ", get("data1")].concat(),
        (Family::Disk, 15) => ["Device ", get("data1"), " is not ready"].concat(),
        (Family::Disk, 153) => match f("data1") {
            Some(dev) => ["An I/O operation on ", dev, " was retried"].concat(),
            None => "An I/O operation was retried".to_string(),
        },
        (Family::Disk, 154) => match f("data1") {
            Some(dev) => ["An I/O operation on ", dev, " failed with a hardware error"].concat(),
            None => "An I/O operation failed with a hardware error".to_string(),
        },
        (Family::Disk, 157) => match f("data2").map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => ["Disk ", n, " was surprise-removed"].concat(),
            None => "A disk was surprise-removed".to_string(),
        },
        (Family::Storage, 129) => ["Storage reset issued to ", get("data1")].concat(),
        (Family::Ntfs, 55) => "File system structure on the volume is corrupt".to_string(),
        (Family::Ntfs, 98) if f("CorruptionActionState").is_none_or(|v| v.trim() == "0") => {
            ["Volume ", get("DriveName"), " is healthy"].concat()
        }
        (Family::Ntfs, 98) => {
            ["Volume ", get("DriveName"), " needs a file system repair (chkdsk)"].concat()
        }
        (Family::Ntfs, 140) => "The system failed to flush data to the transaction log".to_string(),
        _ => {
            // `k=v; k=v`, written in place (most kept events get this message).
            let listed = fields.iter().filter(|(k, _)| {
                !matches!(k.as_ref(), "payload" | "Binary" | "Computer" | "Channel")
            });
            let mut m = String::with_capacity(
                listed.clone().map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 3).sum::<usize>(),
            );
            for (k, v) in listed {
                if !m.is_empty() {
                    m.push_str("; ");
                }
                m.push_str(k.as_ref());
                m.push('=');
                m.push_str(v.as_ref());
            }
            m
        }
    }
}

/// Field names, provider names and channels that recur in every log, sorted: an event
/// borrows these instead of owning a copy (most of an evtx event's allocations).
const COMMON: &[&str] = &[
    "Application",
    "Application Error",
    "Binary",
    "Channel",
    "Client",
    "Computer",
    "CorruptionActionState",
    "DriveName",
    "ErrorCode",
    "IntendedPackageState",
    "IntendedPackageStateTextized",
    "Microsoft-Windows-DistributedCOM",
    "Microsoft-Windows-Kernel-General",
    "Microsoft-Windows-Kernel-Power",
    "Microsoft-Windows-Ntfs",
    "Microsoft-Windows-Servicing",
    "Microsoft-Windows-User Profiles Service",
    "Microsoft-Windows-WindowsUpdateClient",
    "PackageIdentifier",
    "Repaired",
    "Security",
    "Service Control Manager",
    "Setup",
    "System",
    "TotalCorruption",
    "UpdateName",
    "data1",
    "data10",
    "data11",
    "data12",
    "data13",
    "data14",
    "data15",
    "data16",
    "data2",
    "data3",
    "data4",
    "data5",
    "data6",
    "data7",
    "data8",
    "data9",
    "disk",
    "errorCode",
    "param1",
    "param2",
    "param3",
    "param4",
    "param5",
    "param6",
    "param7",
    "param8",
    "payload",
    "service",
    "serviceGuid",
    "updateGuid",
    "updateRevisionNumber",
    "updateTitle",
    "updatelist",
    "volmgr",
];

/// The name `k`, borrowed from [`COMMON`] when it is one of those strings.
pub(crate) fn name(k: &str) -> Name {
    match COMMON.binary_search(&k) {
        Ok(i) => COMMON.get(i).map_or_else(|| Cow::Owned(k.to_string()), |c| Cow::Borrowed(*c)),
        Err(_) => Cow::Owned(k.to_string()),
    }
}

/// `s`, borrowed from [`COMMON`] when it is one of those strings.
fn common(s: String) -> Cow<'static, str> {
    match COMMON.binary_search(&s.as_str()) {
        Ok(i) => COMMON.get(i).map_or(Cow::Owned(s), |c| Cow::Borrowed(*c)),
        Err(_) => Cow::Owned(s),
    }
}

/// Everything needed to build an event from an evtx record or an export block.
pub(crate) struct Draft<'a> {
    pub(crate) source: Source,
    /// `None` for an exported event whose date was redacted.
    pub(crate) time: Option<Timestamp>,
    pub(crate) time_base: TimeBase,
    pub(crate) pos: Pos,
    pub(crate) provider: String,
    pub(crate) event_id: Option<u32>,
    pub(crate) level: Level,
    pub(crate) fields: Vec<(Name, String)>,
    /// A message when the source has one (text exports); otherwise one is written.
    pub(crate) message: Option<&'a str>,
    pub(crate) recovered: bool,
}

/// What decides whether an event is kept, worked out before the event itself is made.
struct Judged<'a> {
    fam: Family,
    fields: Vec<(Name, String)>,
    codes: Vec<Code>,
    message: Cow<'a, str>,
    notable: bool,
}

/// The codes, message and notability of a draft, whose fields it takes.
fn judge<'a>(d: &mut Draft<'a>, extractor: &CodeExtractor) -> Judged<'a> {
    let fam = family(&d.provider);
    let mut fields = std::mem::take(&mut d.fields);
    if fam == Family::ServiceControlManager
        && let Some(svc) =
            fields.iter().find(|(k, _)| k == "Binary").and_then(|(_, v)| service_from_binary(v))
    {
        fields.push((Cow::Borrowed("service"), svc));
    }
    let (codes, message, notable) =
        judge_fields(fam, d.event_id, d.level, &fields, d.message, extractor);
    Judged { fam, fields, codes, message, notable }
}

/// The codes, message and notability of an event of family `fam` with these fields (an SCM
/// event's `service` among them) and, for exports, this message.
fn judge_fields<'m, K: AsRef<str>, S: AsRef<str>>(
    fam: Family,
    event_id: Option<u32>,
    level: Level,
    fields: &[(K, S)],
    message: Option<&'m str>,
    extractor: &CodeExtractor,
) -> (Vec<Code>, Cow<'m, str>, bool) {
    let get = |k: &str| field(fields, k);
    let mut codes = Vec::new();
    for name in ["errorCode", "ErrorCode"] {
        if let Some(c) = get(name).and_then(code_field) {
            codes.push(c);
        }
    }
    for (k, v) in fields {
        let v = v.as_ref();
        if k.as_ref() != "Binary" && might_hold_code(v) {
            extractor.extract_into(v, &mut codes);
        }
    }
    if let Some(m) = message {
        extractor.extract_into(m, &mut codes);
    }
    let id = event_id.unwrap_or(u32::MAX);
    let message: Cow<'m, str> = match message {
        Some(m)
            if !matches!(fam, Family::WindowsUpdateClient | Family::Servicing)
                || get("updateTitle").is_none() && get("PackageIdentifier").is_none() =>
        {
            Cow::Borrowed(m)
        }
        _ => Cow::Owned(synthesize(fam, id, fields)),
    };
    let known = event_id.is_some_and(|id| is_known(fam, id));
    let notable = is_notable(&codes, level, known, &message);
    (codes, message, notable)
}

/// Builds the normalized event: codes, KB, package and message from the fields.
pub(crate) fn build<'a>(mut d: Draft<'a>, extractor: &CodeExtractor) -> (Event<'a>, bool) {
    let j = judge(&mut d, extractor);
    let notable = j.notable;
    (finish(d, j), notable)
}

/// The event of a judged draft.
fn finish<'a>(d: Draft<'a>, j: Judged<'a>) -> Event<'a> {
    let Judged { fields, codes, message, .. } = j;
    let get = |k: &str| field(&fields, k);
    let kb = kb_in(&fields).or_else(|| d.message.and_then(ident::find_kb));
    let package = get("PackageIdentifier").map(|p| Cow::Owned(p.to_string()));
    Event {
        time: d.time,
        time_base: d.time_base,
        at: Location { artifact: 0, pos: d.pos },
        source: d.source,
        level: d.level,
        component: common(d.provider),
        event_id: d.event_id,
        codes,
        kb,
        package,
        message,
        fields: {
            // Collecting in place keeps the capacity the pushes grew to; kept events last.
            let mut f: Vec<Field<'a>> = fields
                .into_iter()
                .map(|(k, v)| {
                    let value = if k == "Channel" { common(v) } else { Cow::Owned(v) };
                    let name = match k {
                        Cow::Owned(k) => common(k),
                        borrowed @ Cow::Borrowed(_) => borrowed,
                    };
                    Field { name, value }
                })
                .collect();
            f.shrink_to_fit();
            f
        },
        flags: Flags { recovered: d.recovered, ..Flags::default() },
    }
}

/// The KB number an event's fields name, the first of the fields that name updates.
fn kb_in<K: AsRef<str>, S: AsRef<str>>(fields: &[(K, S)]) -> Option<u32> {
    ["updateTitle", "PackageIdentifier", "updatelist", "UpdateName"]
        .iter()
        .find_map(|k| field(fields, k).and_then(ident::find_kb))
}

/// Renders an error with its chain of causes.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Chunks parsed in one parallel pass (64 KiB each, 32 MiB in all): a barrier seldom
/// enough not to idle a thread, while the file's kept events are held twice only a
/// window's worth at a time.
const CHUNK_WINDOW: usize = 512;
/// Fewest chunks one task walks in a row.
const CHUNK_RUN: usize = 8;

/// Reads one record into its fields; `Ok(Err(..))` is a record whose rendering is unreadable.
fn read_record(
    rec: evtx::err::Result<evtx::EvtxRecord<'_>>,
) -> evtx::err::Result<Result<RawRecord, String>> {
    let rec = rec?;
    let (id, recovered) = (rec.event_record_id, rec.recovered);
    let time = Timestamp(rec.timestamp.as_microsecond());
    let mut json = rec.into_json_bytes()?.data;
    if let Ok(v) = serde_json::from_slice::<Json<'_>>(&json) {
        return Ok(Ok(from_json(&v, id, time, recovered)));
    }
    // The crate can leave raw control characters inside strings; blank them.
    for b in &mut json {
        if *b < 0x20 {
            *b = b' ';
        }
    }
    Ok(match serde_json::from_slice::<Json<'_>>(&json) {
        Ok(v) => Ok(from_json(&v, id, time, recovered)),
        Err(e) => Err(format!("record {id}: rendered JSON is unreadable: {e}")),
    })
}

/// The issue for an error of the crate.
fn damage(piece: &mut Piece<'_>, e: &evtx::err::EvtxError) {
    let kind = if matches!(e, evtx::err::EvtxError::FailedToParseChunk { .. }) {
        IssueKind::DamagedChunk
    } else {
        IssueKind::DamagedRecord
    };
    piece.issue(kind, None, chain(e));
}

/// What one task learns of templates and values as it walks its chunks.
#[derive(Debug, Default)]
struct Walk {
    shapes: Shapes,
    trees: Trees,
    /// The chunk being walked, copied in one pass: walked where the file lies, its cold
    /// bytes cost more than the copy.
    chunk: Vec<u8>,
    /// The texts of the record being read, kept from record to record.
    view: View,
    /// The memory of the list of a viewed record's fields, kept from record to record.
    fields: Vec<(&'static str, &'static str)>,
}

/// Parses chunk `number` of the file `bytes`, as the crate's own record iterator would
/// yield its records.
fn parse_chunk<'t>(
    bytes: &[u8],
    number: u64,
    settings: &Arc<ParserSettings>,
    ctx: &Ctx,
    walk: &mut Walk,
) -> Piece<'t> {
    let mut piece = Piece::default();
    let (data, header) = match chunks::read(bytes, number) {
        Ok(None) => return piece,
        Ok(Some(read)) => read,
        Err(e) => {
            damage(&mut piece, &e);
            return piece;
        }
    };
    let mut copy = std::mem::take(&mut walk.chunk);
    copy.clear();
    copy.extend_from_slice(data);
    let piece = parse_read_chunk(&copy, header, number, settings, ctx, walk);
    walk.chunk = copy;
    piece
}

/// Parses one chunk whose header reads (see [`parse_chunk`]).
fn parse_read_chunk<'t>(
    data: &[u8],
    header: evtx::EvtxChunkHeader,
    number: u64,
    settings: &Arc<ParserSettings>,
    ctx: &Ctx,
    walk: &mut Walk,
) -> Piece<'t> {
    let mut piece = Piece::default();
    let bad_chunk = |piece: &mut Piece<'_>, source| {
        damage(piece, &evtx::err::EvtxError::FailedToParseChunk { chunk_id: number, source });
    };
    // The crate reads the chunk's string table before any record: a chunk whose table does
    // not read is damaged, however plain its records.
    if let Err(source) = EvtxChunk::new(data, &header, Arc::clone(settings)) {
        bad_chunk(&mut piece, Box::new(source));
        return piece;
    }
    walk.shapes.next_chunk();
    walk.trees.next_chunk();
    if let Some(piece) = walk_plain(data, &header, ctx, walk) {
        return piece;
    }
    // The crate's record errors name the chunk, which only a chunk of its own carries.
    let mut owned = EvtxChunkData { header, data: data.to_vec(), number: Some(number) };
    let mut chunk = match owned.parse(Arc::clone(settings)) {
        Ok(c) => c,
        Err(source) => {
            bad_chunk(&mut piece, Box::new(source));
            return piece;
        }
    };
    for rec in chunk.iter() {
        // Records that cannot be notable are only counted, never rendered. Carved records
        // always render: the crate's iterator drops the ones that fail to.
        if ctx.keep == Keep::Notable
            && let Ok(r) = &rec
            && !r.recovered
            && usize::try_from(r.binxml_offset).is_ok_and(|start| {
                walk.shapes.is_quiet(r.chunk.data, start, r.binxml_size as usize, &ctx.extractor)
            })
        {
            piece.coverage.records += 1;
            piece.coverage.see_time(Timestamp(r.timestamp.as_microsecond()));
            continue;
        }
        let recovered = rec.as_ref().is_ok_and(|r| r.recovered);
        let built = rec.as_ref().ok().filter(|r| !r.recovered).and_then(|r| {
            let start = usize::try_from(r.binxml_offset).ok()?;
            let time = Timestamp(r.timestamp.as_microsecond());
            walk.trees.record(r.chunk.data, start, r.binxml_size as usize, r.event_record_id, time)
        });
        let raw = match built {
            Some(raw) => Ok(Ok(raw)),
            None => read_record(rec),
        };
        match raw {
            Ok(Ok(raw)) => keep(&mut piece, raw, ctx),
            Ok(Err(msg)) => piece.issue(IssueKind::DamagedRecord, None, msg),
            // Carved hits that fail to render are noise, as the crate's iterator treats them.
            Err(_) if recovered => {}
            Err(e) => damage(&mut piece, &e),
        }
    }
    piece
}

/// Counts or builds a record read from the crate or built from its template values; an
/// event `ctx.retain` leaves out is only noted at its place.
fn keep(piece: &mut Piece<'_>, raw: RawRecord, ctx: &Ctx) {
    count(piece, raw.recovered, raw.time);
    observe(
        piece,
        None,
        (&raw.provider, raw.event_id, &raw.computer),
        raw.time,
        raw.fields.iter().map(|(k, v)| (k.as_ref(), v.as_str())),
    );
    let mut draft = draft(raw);
    let j = judge(&mut draft, &ctx.extractor);
    if ctx.keep == Keep::Notable && !j.notable {
        return;
    }
    // Left out before the event is made, where `retain_unread` can tell.
    if let (Some(_), Some(unread)) = (ctx.retain, ctx.retain_unread)
        && j.codes.is_empty()
        && let Some(note) = unread(j.fam, draft.event_id, &j.message, &|| kb_in(&j.fields))
    {
        leave(piece, draft.time, note);
        return;
    }
    make(piece, draft, j, ctx);
}

/// A record read into a view: judged from its texts where `retain_unread` may leave its
/// event out, so that most events `analyze` drops need no string at all; made into strings
/// and kept as [`keep`] keeps it otherwise.
fn keep_view(
    piece: &mut Piece<'_>,
    view: &View,
    spare: &mut Vec<(&'static str, &'static str)>,
    id: u64,
    time: Timestamp,
    ctx: &Ctx,
) {
    let fam = family(view.provider());
    // An SCM event gains a `service` field from `Binary`; `unread_evtx` never leaves one out.
    let (Some(_), Some(unread)) = (ctx.retain, ctx.retain_unread) else {
        return keep(piece, view.to_raw(id, time), ctx);
    };
    if fam == Family::ServiceControlManager {
        return keep(piece, view.to_raw(id, time), ctx);
    }
    count(piece, false, time);
    let system = (view.provider(), view.event_id, view.computer());
    observe(piece, Some(fam), system, time, view.fields().map(|(k, v)| (k.as_ref(), v)));
    // The fields `with_system` gives the event, borrowed from the view, in a list whose
    // memory goes from record to record: one allocation, and its growth, per record made
    // the two threads queue on the allocator's lock.
    let mut fields: Vec<(&str, &str)> = std::mem::take(spare);
    fields.extend(view.fields().map(|(k, v)| (k.as_ref(), v)));
    for (k, v) in [("Computer", view.computer()), ("Channel", view.channel())] {
        if !v.is_empty() {
            fields.push((k, v));
        }
    }
    let level = Level::from_evtx(view.level);
    let (codes, message, notable) =
        judge_fields(fam, view.event_id, level, &fields, None, &ctx.extractor);
    let dropped = ctx.keep == Keep::Notable && !notable;
    let note = if !dropped && codes.is_empty() {
        unread(fam, view.event_id, &message, &|| kb_in(&fields))
    } else {
        None
    };
    fields.clear();
    // Empty, so nothing is mapped: the list is only handed back, with its capacity.
    *spare = fields.into_iter().map(|_| ("", "")).collect();
    if dropped {
        return;
    }
    if let Some(note) = note {
        return leave(piece, Some(time), note);
    }
    let mut draft = draft(view.to_raw(id, time));
    let fields = std::mem::take(&mut draft.fields);
    make(piece, draft, Judged { fam, fields, codes, message, notable }, ctx);
}

/// Counts a record.
fn count(piece: &mut Piece<'_>, recovered: bool, time: Timestamp) {
    if recovered {
        piece.coverage.recovered += 1;
    } else {
        piece.coverage.records += 1;
    }
    piece.coverage.see_time(time);
}

/// The draft of an event from a record's fields.
fn draft<'a>(raw: RawRecord) -> Draft<'a> {
    Draft {
        source: Source::Evtx,
        time: Some(raw.time),
        time_base: TimeBase::Utc,
        pos: Pos::Record(raw.record_id),
        provider: raw.provider,
        event_id: raw.event_id,
        level: Level::from_evtx(raw.level),
        fields: with_system(raw.fields, raw.computer, raw.channel),
        message: None,
        recovered: raw.recovered,
    }
}

/// Notes an event left out at its place among the piece's events.
fn leave(piece: &mut Piece<'_>, time: Option<Timestamp>, note: Note) {
    let place = (piece.events.len() + piece.left_out.len()) as u64;
    piece.left_out.push((place, LeftOut { time, time_base: TimeBase::Utc, note }));
}

/// Makes a judged event, and keeps it or leaves it out as `ctx.retain` says.
fn make<'t>(piece: &mut Piece<'t>, draft: Draft<'t>, j: Judged<'t>, ctx: &Ctx) {
    let time = draft.time;
    let event = finish(draft, j);
    match ctx.retain.map(|retain| retain(&event)) {
        Some(Retain::Leave(note)) => leave(piece, time, note),
        _ => piece.events.push(event),
    }
}

/// `Some(note)` when [`super::ParseOptions::retain`] leaves out an event with no code, with
/// that note, from its family, id, message and (asked only when needed) the KB its fields
/// name (see [`super::ParseOptions::retain_unread`]).
pub type Unread = fn(Family, Option<u32>, &str, &dyn Fn() -> Option<u32>) -> Option<Note>;

/// A plainly laid out chunk whose records are all counted or built from their template
/// values, without the crate's record iterator; `None` sends the chunk through the crate.
fn walk_plain<'t>(
    data: &[u8],
    header: &evtx::EvtxChunkHeader,
    ctx: &Ctx,
    walk: &mut Walk,
) -> Option<Piece<'t>> {
    let windows = walk::records(data, header)?;
    let mut piece = Piece::default();
    // One list of values for the chunk's records: one allocation per chunk, not per record.
    let mut spare = Vec::new();
    for w in windows {
        // Read once: a record that is not quiet goes on to its program with these values.
        let inst = read_instance_into(data, w.start, w.len, std::mem::take(&mut spare));
        let quiet = ctx.keep == Keep::Notable
            && inst
                .as_ref()
                .is_some_and(|i| walk.shapes.is_quiet_instance(data, i, &ctx.extractor));
        // Through the program into the walk's view, or else through the template's tree.
        let viewed = !quiet
            && inst.as_ref().is_some_and(|i| walk.trees.view_of(data, i, &mut walk.view).is_some());
        if let Some(inst) = inst {
            spare = inst.values;
        }
        if quiet {
            count(&mut piece, false, w.time);
        } else if viewed {
            keep_view(&mut piece, &walk.view, &mut walk.fields, w.id, w.time, ctx);
        } else {
            let raw = walk.trees.expanded(data, w.start, w.len, w.id, w.time)?;
            keep(&mut piece, raw, ctx);
        }
    }
    Some(piece)
}

type Parser<'b> = EvtxParser<Cursor<&'b [u8]>>;

/// A parser of `bytes` set up as wutriage reads every file: attributes apart, carved records
/// recovered, chunks handed to our own pool.
fn open(bytes: &[u8]) -> evtx::err::Result<(Parser<'_>, Arc<ParserSettings>)> {
    let settings =
        ParserSettings::new().separate_json_attributes(true).num_threads(1).recover_records(true);
    let parser = EvtxParser::from_read_seek(Cursor::new(bytes))?;
    Ok((parser.with_configuration(settings.clone()), Arc::new(settings)))
}

/// Parses one .evtx file: its chunks are parsed as tasks on the current rayon pool (not
/// the crate's own pool, which would block inside ours) straight from the file's bytes,
/// then merged back in the crate's chunk order.
pub(crate) fn parse<'t>(bytes: &'t [u8], ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    let (parser, settings) = match open(bytes) {
        Ok(p) => p,
        Err(e) => {
            piece.issue(
                IssueKind::BadHeader,
                None,
                format!("unreadable EVTX file header: {}", chain(&e)),
            );
            return piece;
        }
    };
    let numbers = chunks::numbers(bytes, parser.header().header_block_size);
    // What tasks learnt of templates and quiet values, handed from task to task: each task
    // would otherwise start cold, and dropping its caches on another thread than the one
    // that grew them made the threads wait on each other's allocator.
    let walks: Mutex<Vec<Walk>> = Mutex::new(Vec::new());
    let take = || walks.lock().ok().and_then(|mut w| w.pop()).unwrap_or_default();
    let give = |walk: Walk| {
        if let Ok(mut w) = walks.lock() {
            w.push(walk);
        }
    };
    // Windows of many chunks, merged one after the other: the pieces of one window and the
    // merged events are all that is held twice.
    for window in numbers.chunks(CHUNK_WINDOW) {
        // Each task walks a run of chunks with one `Walk`; runs keep the chunk order. Events
        // left out are dropped as they are built.
        let runs: Vec<Vec<Piece<'t>>> = window
            .par_iter()
            .with_min_len(CHUNK_RUN)
            .fold(
                || (take(), Vec::new()),
                |(mut walk, mut pieces), &n| {
                    pieces.push(parse_chunk(bytes, n, &settings, ctx, &mut walk));
                    (walk, pieces)
                },
            )
            .map(|(walk, pieces)| {
                give(walk);
                pieces
            })
            .collect();
        for mut part in runs.into_iter().flatten() {
            piece.coverage.absorb(&part.coverage);
            piece.issues.append(&mut part.issues);
            piece.clock.absorb(std::mem::take(&mut part.clock));
            piece.machine.absorb(std::mem::take(&mut part.machine));
            // Left-out events are numbered within the file's events, kept ones included.
            let before = (piece.events.len() + piece.left_out.len()) as u64;
            piece.left_out.extend(part.left_out.iter().map(|&(n, t)| (n + before, t)));
            piece.events.append(&mut part.events);
        }
    }
    piece
}

/// One record as the crate's iterator yielded it, for [`check_built_records`].
#[derive(Debug)]
enum Seen {
    Read(walk::Window),
    /// Its header read but its content did not.
    Content(u64),
    /// Unreadable, or carved from slack space.
    Unread,
}

/// Checks that [`parse`] finds the chunks of an .evtx file that the crate's iterator
/// yields, then, on every record, that a record built from its template values
/// equals the record read from its JSON rendering, and on every chunk walked without the
/// crate that the walk finds the records the crate's iterator yields. Returns how many
/// records were built and how many were read, or the first difference.
pub(crate) fn check_built_records(bytes: &[u8]) -> Result<(usize, usize), String> {
    // `parse` finds the chunks itself: they must be the ones the crate's iterator yields.
    chunks::check_chunks(bytes)?;
    let Ok((mut parser, settings)) = open(bytes) else { return Ok((0, 0)) };
    let (mut built, mut total) = (0, 0);
    let mut trees = Trees::default();
    for chunk in parser.chunks() {
        let Ok(mut data) = chunk else { continue };
        let Ok(mut chunk) = data.parse(Arc::clone(&settings)) else { continue };
        trees.next_chunk();
        let walked = walk::records(chunk.data, chunk.header);
        // What the crate read of each record: its window, or for a record whose header read
        // but whose content did not, its id (the walk reads headers only; such a record
        // is then counted or built, or its chunk goes to the crate, by the same rules).
        let mut seen = Vec::new();
        for rec in chunk.iter() {
            let rec = match rec {
                Ok(rec) => rec,
                Err(evtx::err::EvtxError::FailedToParseRecord { record_id, .. }) => {
                    seen.push(Seen::Content(record_id));
                    continue;
                }
                Err(_) => {
                    seen.push(Seen::Unread);
                    continue;
                }
            };
            total += 1;
            let start = usize::try_from(rec.binxml_offset).unwrap_or(usize::MAX);
            let time = Timestamp(rec.timestamp.as_microsecond());
            let len = rec.binxml_size as usize;
            seen.push(if rec.recovered {
                Seen::Unread
            } else {
                Seen::Read(walk::Window { id: rec.event_record_id, time, start, len })
            });
            if rec.recovered {
                continue;
            }
            let data = rec.chunk.data;
            let id = rec.event_record_id;
            // Where the template's program answers, the tree must give the same record.
            let compiled = trees.compiled(data, start, len, id, time);
            let expanded = trees.expanded(data, start, len, id, time);
            if let Some(c) = &compiled
                && compiled != expanded
            {
                return Err(format!("record {id}: compiled {c:?}, expanded {expanded:?}"));
            }
            let Some(b) = compiled.or(expanded) else {
                continue;
            };
            built += 1;
            match read_record(Ok(rec)) {
                Ok(Ok(r)) if r == b => {}
                other => return Err(format!("record {id}: built {b:?}, rendered {other:?}")),
            }
        }
        let same = |s: &Seen, w: &walk::Window| match s {
            Seen::Read(r) => r == w,
            Seen::Content(id) => *id == w.id,
            Seen::Unread => false,
        };
        if let Some(w) = &walked
            && (seen.len() != w.len() || seen.iter().zip(w).any(|(s, w)| !same(s, w)))
        {
            return Err(format!("chunk {:?}: walked {w:?}, the crate read {seen:?}", data.number));
        }
        // A record the crate cannot render is not built here either: its chunk then goes
        // through the crate, which reports it as damaged.
        for (s, w) in seen.iter().zip(walked.iter().flatten()) {
            if let Seen::Content(id) = s
                && let Some(b) = trees.record(chunk.data, w.start, w.len, w.id, w.time)
            {
                return Err(format!("record {id}: built {b:?}, the crate could not render it"));
            }
        }
    }
    Ok((built, total))
}

fn with_system(
    mut fields: Vec<(Name, String)>,
    computer: String,
    channel: String,
) -> Vec<(Name, String)> {
    if !computer.is_empty() {
        fields.push((Cow::Borrowed("Computer"), computer));
    }
    if !channel.is_empty() {
        fields.push((Cow::Borrowed("Channel"), channel));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_known_ids() {
        assert!(is_known_event("Microsoft-Windows-WindowsUpdateClient", 20));
        assert!(is_known_event("Disk", 7));
        assert!(is_known_event("disk", 52));
        assert!(is_known_event("storahci", 129));
        assert!(!is_known_event("Microsoft-Windows-WindowsUpdateClient", 26));
        assert!(!is_known_event("SomethingElse", 7));
        // `storport` anywhere, in any case; an `s` alone is not enough.
        assert_eq!(family("Microsoft-Windows-StorPort"), Family::Storage);
        assert_eq!(family("xSTORPORT"), Family::Storage);
        assert_eq!(family("Microsoft-Windows-Sysport"), Family::Other);
        assert_eq!(family("storahci"), Family::Storage);
    }

    #[test]
    fn common_strings_are_sorted() {
        assert!(COMMON.windows(2).all(|w| w[0] < w[1]));
        assert!(matches!(common("errorCode".into()), Cow::Borrowed(_)));
        assert!(matches!(common("Other".into()), Cow::Owned(_)));
    }

    #[test]
    fn code_fields() {
        assert_eq!(code_field("0x80248007"), Some(Code::hresult(0x8024_8007)));
        assert_eq!(code_field("800706d9"), Some(Code::hresult(0x8007_06D9)));
        assert_eq!(code_field("0x0"), None);
        assert_eq!(code_field("-2147023143"), Some(Code::hresult(0x8007_06D9)));
    }

    #[test]
    fn service_names_from_binary() {
        assert_eq!(
            service_from_binary("770075006100750073006500720076000000").as_deref(),
            Some("wuauserv")
        );
        assert_eq!(service_from_binary("zz"), None);
        // Trailing NULs go; anything but printable ASCII before them is not a name.
        assert_eq!(service_from_bytes(b"a\0b\0\0\0\0\0").as_deref(), Some("ab"));
        assert_eq!(service_from_bytes(b"a\0\0\0b\0"), None);
        assert_eq!(service_from_bytes(b"a\0 \0"), None);
        assert_eq!(service_from_bytes(b"\xe9\0"), None);
        assert_eq!(service_from_bytes(b"\0\0"), None);
        assert_eq!(service_from_bytes(b"a"), None);
    }
}
