//! Time-zone names and their rules: a Windows zone id (`Pacific Standard Time`), the English
//! standard-time name event 6013 carries (`Coordinated Universal Time`), or an IANA name
//! (`America/Los_Angeles`), resolved to the rules of the tz database embedded in the binary
//! (jiff's bundled copy, so the answer does not depend on the host's zoneinfo).
//!
//! The Windows→IANA table is CLDR's (`data/windows-zones.tsv` says which version).

use crate::time::{Timestamp, UtcOffset};
use jiff::tz::{TimeZone, TimeZoneDatabase};

/// The Windows zone table: `kind \t name \t target` rows (see the file's header).
const TABLE: &str = include_str!("../../data/windows-zones.tsv");

/// One row of [`TABLE`].
#[derive(Debug, Clone, Copy)]
struct Row {
    kind: RowKind,
    name: &'static str,
    target: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    /// A current Windows zone id and its golden IANA zone.
    Zone,
    /// A Windows zone id of older releases and its IANA zone.
    Legacy,
    /// An English standard-time name that differs from its zone id, and that id.
    Std,
}

fn rows() -> impl Iterator<Item = Row> {
    TABLE.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).filter_map(|l| {
        let mut it = l.split('\t');
        let kind = match it.next()? {
            "zone" => RowKind::Zone,
            "legacy" => RowKind::Legacy,
            "std" => RowKind::Std,
            _ => return None,
        };
        Some(Row { kind, name: it.next()?, target: it.next()? })
    })
}

/// A zone whose rules are known.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The Windows zone id, when the zone came from one (or maps back to one).
    pub windows: Option<&'static str>,
    /// The IANA zone whose rules apply.
    pub iana: String,
    tz: TimeZone,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.windows == other.windows && self.iana == other.iana
    }
}

impl Eq for Zone {}

/// A change of offset in a zone's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The UTC instant of the change.
    pub at: Timestamp,
    /// The offset from then on.
    pub offset: UtcOffset,
    /// Whether that offset is daylight saving time.
    pub dst: bool,
}

fn jiff_ts(t: Timestamp) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_microsecond(t.as_micros()).ok()
}

fn minutes(o: jiff::tz::Offset) -> UtcOffset {
    // Local mean time offsets before 1900 have seconds; logs are far later.
    UtcOffset::from_minutes(o.seconds().div_euclid(60)).unwrap_or(UtcOffset::UTC)
}

impl Zone {
    /// Resolves a Windows zone id, an English standard-time name or an IANA name (any case).
    pub fn resolve(name: &str) -> Option<Zone> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let db = TimeZoneDatabase::bundled();
        let windows =
            |id: &str| rows().find(|r| r.kind != RowKind::Std && r.name.eq_ignore_ascii_case(id));
        let row = windows(name).or_else(|| {
            let std = rows().find(|r| r.kind == RowKind::Std && r.name.eq_ignore_ascii_case(name));
            std.and_then(|r| windows(r.target))
        });
        if let Some(r) = row {
            let tz = db.get(r.target).ok()?;
            return Some(Zone { windows: Some(r.name), iana: r.target.to_string(), tz });
        }
        // An IANA name; given the Windows id whose golden zone it is, when there is one.
        let tz = db.get(name).ok()?;
        let iana = tz.iana_name().unwrap_or(name).to_string();
        let windows = rows()
            .find(|r| r.kind == RowKind::Zone && r.target.eq_ignore_ascii_case(&iana))
            .map(|r| r.name);
        Some(Zone { windows, iana, tz })
    }

    /// Every current Windows zone (one per id, in the table's order).
    pub fn windows_zones() -> Vec<Zone> {
        let db = TimeZoneDatabase::bundled();
        rows()
            .filter(|r| r.kind == RowKind::Zone)
            .filter_map(|r| {
                let tz = db.get(r.target).ok()?;
                Some(Zone { windows: Some(r.name), iana: r.target.to_string(), tz })
            })
            .collect()
    }

    /// How the zone is named in reports: `Pacific Standard Time (America/Los_Angeles)`.
    pub fn label(&self) -> String {
        match self.windows {
            Some(w) => format!("{w} ({})", self.iana),
            None => self.iana.clone(),
        }
    }

    /// The offset in force at UTC instant `t`, and whether it is daylight saving time.
    pub fn offset_at(&self, t: Timestamp) -> (UtcOffset, bool) {
        let Some(ts) = jiff_ts(t) else { return (UtcOffset::UTC, false) };
        let info = self.tz.to_offset_info(ts);
        (minutes(info.offset()), info.dst().is_dst())
    }

    /// The standard (not daylight saving) offset in force around `t`: the offset at `t` when
    /// that is standard time, else the one before the last change into daylight time.
    pub fn standard_offset(&self, t: Timestamp) -> UtcOffset {
        let (offset, dst) = self.offset_at(t);
        if !dst {
            return offset;
        }
        let Some(ts) = jiff_ts(t) else { return offset };
        // A few steps back reach standard time in every zone (double summer time included).
        for tr in self.tz.preceding(ts).take(4) {
            let Some(before) = tr.timestamp().checked_sub(jiff::SignedDuration::from_secs(1)).ok()
            else {
                break;
            };
            let info = self.tz.to_offset_info(before);
            if !info.dst().is_dst() {
                return minutes(info.offset());
            }
        }
        offset
    }

    /// The changes of offset after `from` and up to `until`, in order.
    pub fn transitions(&self, from: Timestamp, until: Timestamp) -> Vec<Transition> {
        let (Some(a), Some(b)) = (jiff_ts(from), jiff_ts(until)) else { return Vec::new() };
        self.tz
            .following(a)
            .take_while(|tr| tr.timestamp() <= b)
            // Bounded: a zone changes at most a few times a year, and the span is the logs'.
            .take(10_000)
            .map(|tr| Transition {
                at: Timestamp(tr.timestamp().as_microsecond()),
                offset: minutes(tr.offset()),
                dst: tr.dst().is_dst(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, mo: u32, d: u32, h: u32) -> Timestamp {
        Timestamp::from_civil(y, mo, d, h, 0, 0, 0).unwrap()
    }

    #[test]
    fn every_table_row_resolves() {
        for r in rows() {
            let zone = Zone::resolve(r.name);
            assert!(zone.is_some(), "{} does not resolve", r.name);
        }
        assert_eq!(Zone::windows_zones().len(), rows().filter(|r| r.kind == RowKind::Zone).count());
    }

    #[test]
    fn windows_ids_standard_names_and_iana_names() {
        let z = Zone::resolve("pacific standard time").unwrap();
        assert_eq!(
            (z.windows, z.iana.as_str()),
            (Some("Pacific Standard Time"), "America/Los_Angeles")
        );
        let z = Zone::resolve("Coordinated Universal Time").unwrap();
        assert_eq!(z.windows, Some("UTC"));
        let z = Zone::resolve("Russia TZ 2 Standard Time").unwrap();
        assert_eq!(z.iana, "Europe/Moscow");
        let z = Zone::resolve("Europe/Istanbul").unwrap();
        assert_eq!(z.windows, Some("Turkey Standard Time"));
        let z = Zone::resolve("America/Boise").unwrap();
        assert_eq!((z.windows, z.iana.as_str()), (None, "America/Boise"));
        assert!(Zone::resolve("Türkiye Standart Saati").is_none());
        assert!(Zone::resolve("").is_none());
    }

    #[test]
    fn offsets_and_changes() {
        let la = Zone::resolve("Pacific Standard Time").unwrap();
        assert_eq!(
            la.offset_at(at(2023, 1, 10, 12)),
            (UtcOffset::from_minutes(-480).unwrap(), false)
        );
        assert_eq!(
            la.offset_at(at(2023, 7, 10, 12)),
            (UtcOffset::from_minutes(-420).unwrap(), true)
        );
        assert_eq!(la.standard_offset(at(2023, 7, 10, 12)).minutes(), -480);
        // 2023: 12 March 10:00 UTC to daylight time, 5 November 09:00 UTC back.
        let t = la.transitions(at(2023, 1, 1, 0), at(2023, 12, 31, 0));
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].at, t[0].offset.minutes(), t[0].dst), (at(2023, 3, 12, 10), -420, true));
        assert_eq!((t[1].at, t[1].offset.minutes(), t[1].dst), (at(2023, 11, 5, 9), -480, false));
        // Southern hemisphere: Sydney is on daylight time in January.
        let syd = Zone::resolve("AUS Eastern Standard Time").unwrap();
        assert_eq!(syd.offset_at(at(2024, 1, 15, 0)).0.minutes(), 660);
        assert_eq!(syd.standard_offset(at(2024, 1, 15, 0)).minutes(), 600);
        // No daylight saving time: Tokyo, Istanbul since 2016.
        let tokyo = Zone::resolve("Tokyo Standard Time").unwrap();
        assert!(tokyo.transitions(at(2020, 1, 1, 0), at(2024, 1, 1, 0)).is_empty());
        let ist = Zone::resolve("Turkey Standard Time").unwrap();
        assert_eq!(ist.standard_offset(at(2024, 11, 11, 0)).minutes(), 180);
    }
}
