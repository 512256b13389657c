//! Which disk each storage signal is on, which disk holds Windows, and which disks are
//! removable: a bad block on a USB stick says nothing about the disk that holds the
//! component store, and must not put "back up first, no DISM" before the repair C: needs.
//!
//! Devices are read from the events themselves: `\Device\Harddisk1\DR1` and "Disk 1" in
//! `disk` events (REFERENCE.md §6.3: 7, 51, 52 name the device in `%1`; 153/154 the disk
//! number in `%3`; 157 in `%2`), `\Device\HarddiskVolume3` and the drive letter in Ntfs
//! events (98 `DriveName`/`DeviceName`). What a disk is comes from, in this order: the
//! Partition/Diagnostic event 1006 a disk logs when it arrives (`DiskNumber`,
//! `IsSystemCritical`, `BusType`: field names from the OTRF OSSEM data dictionary of
//! Microsoft-Windows-Partition; bus numbers from `STORAGE_BUS_TYPE` in Microsoft's
//! winioctl.h), a surprise removal (157: the log that records it lives on the system disk,
//! which therefore stayed), errors that coincide with servicing's own I/O failures (that
//! disk holds the store), and a USB storage device (`USBSTOR`, from Kernel-PnP or `UserPnp`)
//! that arrived just before a disk other than disk 0 first appeared.

use super::{Category, Evidence};
use crate::event::{Event, Source};
use crate::parse::evtx::{Family, family};
use crate::rules::Signal;
use crate::time::Timestamp;
use serde::Serialize;
use std::fmt::Write as _;

/// Where a storage signal happened, as far as its event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Device {
    /// Disk number (`\Device\Harddisk1\DR1`, "Disk 1").
    pub disk: Option<u32>,
    /// Volume number (`\Device\HarddiskVolume3`).
    pub volume: Option<u32>,
    /// Drive letter (`C`).
    pub letter: Option<char>,
}

impl Device {
    /// Whether the event named no device.
    pub fn is_empty(&self) -> bool {
        self.disk.is_none() && self.volume.is_none() && self.letter.is_none()
    }
}

/// What a disk or volume is to the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// It holds Windows (C: and the component store).
    System,
    /// A removable or hot-plugged disk (USB, SD card, a disk that was surprise-removed).
    Removable,
    /// Another fixed disk or volume.
    Other,
    /// The logs do not say.
    Unknown,
}

impl Role {
    /// Whether storage evidence on it may put a backup before the repair of Windows.
    pub fn may_hold_windows(self) -> bool {
        matches!(self, Role::System | Role::Unknown)
    }
}

/// One disk the logs name.
#[derive(Debug, Clone, Serialize)]
pub struct Disk {
    /// Its number.
    pub number: u32,
    /// What it is.
    pub role: Role,
    /// Why, in words (empty when unknown).
    pub why: String,
    /// A USB storage device, as far as the logs say.
    pub usb: bool,
    /// Vendor and product, when an arrival event names them.
    pub model: Option<String>,
}

impl Disk {
    /// "disk 1, a USB device (`SanDisk Cruzer`)".
    pub fn describe(&self) -> String {
        let mut s = format!("disk {}", self.number);
        let what = match self.role {
            Role::System => "the disk that holds Windows",
            Role::Removable if self.usb => "a USB device",
            Role::Removable => "a removable device",
            Role::Other => "another disk",
            Role::Unknown => "",
        };
        if !what.is_empty() {
            let _ = write!(s, ", {what}");
        }
        if let Some(m) = &self.model {
            let _ = write!(s, " ({m})");
        }
        s
    }
}

/// The disks of a bundle and where each storage signal was.
#[derive(Debug, Clone, Default)]
pub struct Disks {
    /// Every disk the logs name, by number.
    pub disks: Vec<Disk>,
    /// The volume number of C:, when an Ntfs event gives it.
    pub system_volume: Option<u32>,
    /// The device of each storage signal's event that names one, by event index.
    pub devices: Vec<(usize, Device)>,
    /// Storage evidence on disks or volumes that do not hold Windows, strongest first: shown,
    /// never a cause of the update failures.
    pub elsewhere: Vec<Evidence>,
}

impl Disks {
    /// The device of event `event`, when it names one.
    pub fn device(&self, event: usize) -> Option<Device> {
        self.devices.binary_search_by_key(&event, |(e, _)| *e).ok().map(|k| self.devices[k].1)
    }

    /// The disk numbered `n`.
    pub fn disk(&self, n: u32) -> Option<&Disk> {
        self.disks.iter().find(|d| d.number == n)
    }

    /// The role of a device: its disk's, else its volume's.
    pub fn role(&self, d: Device) -> Role {
        if let Some(n) = d.disk {
            return self.disk(n).map_or(Role::Unknown, |k| k.role);
        }
        match (d.letter, d.volume, self.system_volume) {
            (Some('C'), _, _) => Role::System,
            (None, Some(v), Some(sys)) if v == sys => Role::System,
            (Some(_), _, _) | (None, Some(_), Some(_)) => Role::Other,
            _ => Role::Unknown,
        }
    }

    /// The device in words: "disk 1, a USB device" or "volume D:".
    pub fn describe(&self, d: Device) -> String {
        if let Some(n) = d.disk {
            return self.disk(n).map_or_else(|| format!("disk {n}"), Disk::describe);
        }
        match (d.letter, d.volume) {
            (Some(l), _) => format!("volume {l}:"),
            (None, Some(v)) if Some(v) == self.system_volume => {
                format!("volume {v} (C:, the Windows volume)")
            }
            (None, Some(v)) => format!("volume {v}"),
            (None, None) => String::new(),
        }
    }
}

/// What one event says about the machine's disks, found in diagnosis' one pass.
#[derive(Debug, Clone)]
pub(crate) enum Fact {
    /// A volume's drive letter, from an Ntfs event that names both.
    Letter { volume: u32, letter: char },
    /// Partition 1006: a disk arrived, with whether it is system-critical and its bus.
    Arrived { disk: u32, critical: Option<bool>, bus: Option<u32>, model: Option<String> },
    /// `disk` 157: the disk was surprise-removed.
    Removed { disk: u32 },
    /// A USB storage device (`USBSTOR`) was configured, started or named by a Plug and Play event.
    Usb { model: Option<String> },
}

/// Ids of the events [`fact`] reads: tested first, so that most events cost a comparison.
fn might_be_fact(id: u32) -> bool {
    matches!(
        id,
        50 | 55 | 98 | 130 | 137 | 140 | 157 | 219 | 225 | 400..=430 | 1006 | 20001 | 20003
    )
}

/// What `e` says about the disks, if anything.
pub(crate) fn fact(e: &Event<'_>) -> Option<Fact> {
    let id = e.event_id.filter(|&id| might_be_fact(id))?;
    if !matches!(e.source, Source::Evtx | Source::EventExport) {
        return None;
    }
    match family(&e.component) {
        Family::Ntfs => {
            let d = device_of(e);
            Some(Fact::Letter { volume: d.volume?, letter: d.letter? })
        }
        Family::Disk if id == 157 => Some(Fact::Removed { disk: device_of(e).disk? }),
        Family::Partition if id == 1006 => {
            let disk = e.field("DiskNumber")?.trim().parse().ok()?;
            let critical = e.field("IsSystemCritical").map(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("true") || v == "1"
            });
            let bus = e.field("BusType").and_then(|v| v.trim().parse().ok());
            let model = [e.field("Manufacturer"), e.field("Model")]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            Some(Fact::Arrived { disk, critical, bus, model: (!model.is_empty()).then_some(model) })
        }
        Family::Pnp => names_usb_storage(&e.message)
            .then(|| Fact::Usb { model: usb_model(&e.message) })
            .or_else(|| {
                e.fields
                    .iter()
                    .find(|f| names_usb_storage(&f.value))
                    .map(|f| Fact::Usb { model: usb_model(&f.value) })
            }),
        _ => None,
    }
}

/// Whether a text names a USB mass-storage device (`USBSTOR\Disk&Ven_…`, or the
/// `_??_USBSTOR#Disk…` path of its portable-device interface).
pub(crate) fn names_usb_storage(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"USBSTOR").is_some()
        || memchr::memmem::find(text.as_bytes(), b"usbstor").is_some()
}

/// `SanDisk Cruzer Blade` from `Ven_SanDisk&Prod_Cruzer_Blade`.
fn usb_model(text: &str) -> Option<String> {
    let field = |key: &str| -> Option<String> {
        let lower = text.to_ascii_lowercase();
        let at = lower.find(key)? + key.len();
        let v: String = text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect();
        let v = v.replace('_', " ").trim().to_string();
        (!v.is_empty()).then_some(v)
    };
    match (field("ven_"), field("prod_")) {
        (Some(v), Some(p)) => Some(format!("{v} {p}")),
        (v, p) => v.or(p),
    }
}

/// The device a storage event names: disk, volume and letter, from its fields and message.
/// Only events of the storage providers name one; servicing logs and other events do not.
pub fn device_of(e: &Event<'_>) -> Device {
    let mut d = Device::default();
    if !matches!(e.source, Source::Evtx | Source::EventExport) {
        return d;
    }
    let fam = family(&e.component);
    if !matches!(
        fam,
        Family::Disk | Family::Ntfs | Family::Storage | Family::Volmgr | Family::Partition
    ) {
        return d;
    }
    for f in &e.fields {
        scan(&f.value, fam, &mut d);
    }
    scan(&e.message, fam, &mut d);
    if let Some(l) = e.field("DriveName").and_then(|v| letter_at(v.trim().as_bytes(), 0)) {
        d.letter = Some(l);
    }
    if fam == Family::Disk && d.disk.is_none() {
        // 153/154 give the number in `%3`, 157 in `%2` (REFERENCE.md §6.3).
        let slot = match e.event_id {
            Some(153 | 154) => "data3",
            Some(157) => "data2",
            _ => "",
        };
        d.disk = e.field(slot).and_then(|v| v.trim().parse().ok());
    }
    d
}

/// Reads `\Device\HarddiskN\DRN`, `\Device\HarddiskVolumeN`, "Disk N" (disk events) and
/// `Volume C:` / `VolumeId: C:` / `C:\` (Ntfs events) from `text`.
fn scan(text: &str, fam: Family, d: &mut Device) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(k) = memchr::memmem::find(&b[from..], b"Harddisk") {
        let at = from + k + 8;
        if b[at..].starts_with(b"Volume") {
            d.volume = d.volume.or_else(|| number_at(b, at + 6));
        } else {
            d.disk = d.disk.or_else(|| number_at(b, at));
        }
        from = at;
    }
    if fam == Family::Disk && d.disk.is_none() {
        let mut from = 0;
        while let Some(k) = memchr::memmem::find(&b[from..], b"Disk ") {
            let at = from + k;
            let word_start = at == 0 || !b[at - 1].is_ascii_alphanumeric();
            if word_start && let Some(n) = number_at(b, at + 5) {
                d.disk = Some(n);
                break;
            }
            from = at + 5;
        }
    }
    if fam == Family::Ntfs && d.letter.is_none() {
        for key in [&b"olume "[..], b"olumeId: ", b"olume: "] {
            if let Some(k) = memchr::memmem::find(b, key)
                && let Some(l) = letter_at(b, k + key.len())
            {
                d.letter = Some(l);
                return;
            }
        }
        // A path such as `C:\$Mft` in a delayed-write failure.
        if let Some(k) = memchr::memmem::find(b, b":\\")
            && k > 0
            && (k == 1 || !b[k - 2].is_ascii_alphanumeric())
        {
            d.letter = letter_at(b, k - 1);
        }
    }
}

fn number_at(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..)?.iter().take_while(|c| c.is_ascii_digit()).take(6).count();
    std::str::from_utf8(b.get(at..at + digits)?).ok()?.parse().ok()
}

/// A drive letter `X:` at `at`.
fn letter_at(b: &[u8], at: usize) -> Option<char> {
    match (b.get(at), b.get(at + 1)) {
        (Some(c), Some(b':')) if c.is_ascii_alphabetic() => {
            Some(char::from(c.to_ascii_uppercase()))
        }
        _ => None,
    }
}

/// Servicing's own I/O failures and a disk's errors this close are one failure.
const COINCIDE_US: i64 = 5 * 60 * 1_000_000;
/// A disk that first appears this soon after a USB storage device arrived is that device.
/// (Disk 0 is left out: it is the first disk found at boot, nearly always the one Windows
/// started from.)
const ARRIVAL_US: i64 = 10 * 60 * 1_000_000;
/// A disk known to be removable is called the USB device that arrived before it within this.
const SAME_DAY_US: i64 = 24 * 60 * 60 * 1_000_000;

/// `STORAGE_BUS_TYPE` values of removable buses: 1394, USB, SD, MMC (winioctl.h).
fn removable_bus(bus: u32) -> Option<&'static str> {
    match bus {
        4 => Some("FireWire"),
        7 => Some("USB"),
        12 => Some("SD"),
        13 => Some("MMC"),
        _ => None,
    }
}

/// Works out the disks from the facts of the pass and the storage evidence, and takes out
/// of `evidence` the storage evidence that lies on a disk or volume not holding Windows
/// (it goes to [`Disks::elsewhere`]).
pub(crate) fn assess(
    events: &[Event<'_>],
    facts: &[(usize, Fact)],
    signals: &[Signal],
    evidence: &mut Vec<Evidence>,
) -> Disks {
    let mut out = Disks::default();
    // The devices of the storage signals (few: one per storage event).
    let mut devices: Vec<(usize, Device)> = signals
        .iter()
        .filter(|s| s.rule.category == Category::Storage)
        .map(|s| s.event)
        .chain(facts.iter().map(|(e, _)| *e))
        .map(|e| (e, device_of(&events[e])))
        .filter(|(_, d)| !d.is_empty())
        .collect();
    devices.sort_by_key(|(e, _)| *e);
    devices.dedup_by_key(|(e, _)| *e);
    for (_, f) in facts {
        if let Fact::Letter { volume, letter: 'C' } = f {
            out.system_volume = Some(*volume);
        }
    }
    let mut numbers: Vec<u32> = devices.iter().filter_map(|(_, d)| d.disk).collect();
    numbers.extend(facts.iter().filter_map(|(_, f)| match f {
        Fact::Arrived { disk, .. } | Fact::Removed { disk } => Some(*disk),
        _ => None,
    }));
    numbers.sort_unstable();
    numbers.dedup();
    // Servicing's own I/O failures: strong I/O codes in servicing logs (STO006).
    let servicing_io: Vec<Timestamp> = signals
        .iter()
        .filter(|s| s.rule.id == "STO006" && s.hit.strong)
        .filter_map(|s| events[s.event].time)
        .collect();
    let usb_arrivals: Vec<(Timestamp, Option<&String>)> = facts
        .iter()
        .filter_map(|(e, f)| match f {
            Fact::Usb { model } => Some((events[*e].time?, model.as_ref())),
            _ => None,
        })
        .collect();
    for n in numbers {
        let on_disk: Vec<usize> =
            devices.iter().filter(|(_, d)| d.disk == Some(n)).map(|(e, _)| *e).collect();
        let first_seen = on_disk.iter().filter_map(|&e| events[e].time).min();
        let mut disk =
            Disk { number: n, role: Role::Unknown, why: String::new(), usb: false, model: None };
        let arrived = facts.iter().find_map(|(e, f)| match f {
            Fact::Arrived { disk, critical, bus, model } if *disk == n => {
                Some((*e, *critical, *bus, model.clone()))
            }
            _ => None,
        });
        let removed = facts.iter().find_map(|(e, f)| match f {
            Fact::Removed { disk } if *disk == n => Some(*e),
            _ => None,
        });
        // `servicing_io` is in timeline order.
        let coincides = on_disk.iter().filter_map(|&e| events[e].time).find(|t| {
            let k = servicing_io.partition_point(|s| s.0 < t.0 - COINCIDE_US);
            servicing_io.get(k).is_some_and(|s| s.0 <= t.0 + COINCIDE_US)
        });
        // The last USB storage device that arrived before the disk was first seen.
        let usb_before = first_seen.and_then(|t| {
            usb_arrivals.iter().rev().find(|(a, _)| *a <= t && t.0 - a.0 <= SAME_DAY_US)
        });
        if let Some((e, critical, bus, model)) = arrived {
            disk.model = model;
            let at = when(events[e].time);
            if critical == Some(true) {
                disk.role = Role::System;
                disk.why = format!("Partition event 1006 at {at} marks it system-critical");
            } else if let Some(name) = bus.and_then(removable_bus) {
                disk.role = Role::Removable;
                disk.usb = name == "USB";
                disk.why = format!("Partition event 1006 at {at} puts it on the {name} bus");
            } else if critical == Some(false) {
                disk.role = Role::Other;
                disk.why = format!("Partition event 1006 at {at} says it is not system-critical");
            }
        }
        if disk.role == Role::Unknown
            && let Some(e) = removed
        {
            // The log that recorded the removal lives on the disk that holds Windows, which
            // therefore stayed: the removed disk is another one.
            disk.role = Role::Removable;
            let at = when(events[e].time);
            disk.why = format!("it was surprise-removed at {at} (disk event 157)");
        }
        if disk.role == Role::Unknown
            && let Some(t) = coincides
        {
            disk.role = Role::System;
            disk.why =
                format!("its errors coincide with servicing's own I/O failures (around {t})");
        }
        if disk.role == Role::Unknown
            && n != 0
            && let Some((a, _)) = usb_before
            && first_seen.is_some_and(|t| t.0 - a.0 <= ARRIVAL_US)
        {
            disk.role = Role::Removable;
            disk.why = format!("it first appeared just after a USB storage device arrived at {a}");
        }
        if disk.role == Role::Removable
            && let Some((a, model)) = usb_before
        {
            disk.usb = true;
            if disk.model.is_none() {
                disk.model = model.cloned();
            }
            if !disk.why.contains("USB") {
                let _ = write!(disk.why, "; a USB storage device arrived at {a}");
            }
        }
        if disk.role == Role::Unknown {
            disk.why = "nothing in the logs says whether it holds Windows, so its errors count as if it did".to_string();
        }
        out.disks.push(disk);
    }
    out.devices = devices;
    // Storage evidence on a disk or volume that does not hold Windows is set aside.
    let mut kept = Vec::with_capacity(evidence.len());
    for e in evidence.drain(..) {
        let elsewhere = e.rule.category == Category::Storage
            && out.device(e.event).is_some_and(|d| !out.role(d).may_hold_windows());
        if elsewhere {
            out.elsewhere.push(e);
        } else {
            kept.push(e);
        }
    }
    *evidence = kept;
    out.elsewhere.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.event.cmp(&b.event)));
    out
}

/// A time for the words of a disk's role (events pasted without a time have none).
fn when(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "an unknown time".to_string(), |t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Level;
    use crate::rules::testing::evtx;

    #[test]
    fn devices_from_fields_and_messages() {
        let e = evtx("disk", 7, Level::Error, &[("data1", "\\Device\\Harddisk1\\DR1")]);
        assert_eq!(device_of(&e), Device { disk: Some(1), ..Device::default() });
        let e = evtx(
            "disk",
            153,
            Level::Warning,
            &[("data1", "\\Device\\Harddisk0\\DR0"), ("data2", "0x1c8f2a0"), ("data3", "0")],
        );
        assert_eq!(device_of(&e).disk, Some(0));
        let e = evtx(
            "disk",
            157,
            Level::Warning,
            &[("data1", "\\Device\\Harddisk2\\DR5"), ("data2", "2")],
        );
        assert_eq!(device_of(&e).disk, Some(2));
        let mut e = evtx("disk", 157, Level::Warning, &[]);
        e.message = "Disk 3 has been surprise removed.".into();
        assert_eq!(device_of(&e).disk, Some(3));
        let e = evtx(
            "Microsoft-Windows-Ntfs",
            98,
            Level::Error,
            &[("DriveName", "D:"), ("DeviceName", "\\Device\\HarddiskVolume6")],
        );
        assert_eq!(device_of(&e), Device { disk: None, volume: Some(6), letter: Some('D') });
        let mut e = evtx("Ntfs", 140, Level::Warning, &[]);
        e.message = "The system failed to flush data to the transaction log. Corruption may occur in VolumeId: C:, DeviceName: \\Device\\HarddiskVolume3.".into();
        assert_eq!(device_of(&e), Device { disk: None, volume: Some(3), letter: Some('C') });
        // Storport names a port, not a disk; servicing logs name none.
        let e = evtx("storahci", 129, Level::Warning, &[("data1", "\\Device\\RaidPort0")]);
        assert!(device_of(&e).is_empty());
        let e = evtx("Application Popup", 26, Level::Info, &[("data1", "C:\\x\\Harddisk1")]);
        assert!(device_of(&e).is_empty());
    }

    #[test]
    fn usb_storage_is_named() {
        let e = evtx(
            "Microsoft-Windows-Kernel-PnP",
            410,
            Level::Info,
            &[(
                "DeviceInstanceId",
                "USBSTOR\\Disk&Ven_SanDisk&Prod_Cruzer_Blade&Rev_1.00\\4C5300011",
            )],
        );
        let Some(Fact::Usb { model }) = fact(&e) else { panic!("no fact") };
        assert_eq!(model.as_deref(), Some("SanDisk Cruzer Blade"));
        let other = evtx(
            "Microsoft-Windows-Kernel-PnP",
            410,
            Level::Info,
            &[("DeviceInstanceId", "PCI\\VEN_8086&DEV_A102")],
        );
        assert!(fact(&other).is_none());
    }
}
