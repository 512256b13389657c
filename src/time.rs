//! Time values: one UTC timeline in microseconds, plus the UTC offsets of local-time logs.
//!
//! CBS, DISM and WindowsUpdate.log write local wall-clock time with no zone; evtx is UTC.
//! Parsers produce [`Timestamp`]s in whichever base their source uses and say which
//! ([`TimeBase`]); the timeline stage shifts local times by the bundle's [`UtcOffset`].

use std::fmt;

/// Microseconds since 1970-01-01T00:00:00 (UTC once normalised, wall-clock before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

const MICROS_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl Timestamp {
    /// Builds a timestamp from calendar fields; `None` when a field is out of range.
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        micros: u32,
    ) -> Option<Self> {
        if !(1601..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
            || micros >= 1_000_000
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = days * SECS_PER_DAY
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second);
        Some(Timestamp(secs * MICROS_PER_SEC + i64::from(micros)))
    }

    /// Microseconds since the Unix epoch.
    pub fn as_micros(self) -> i64 {
        self.0
    }

    /// Calendar fields `(year, month, day, hour, minute, second, micros)`.
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let secs = self.0.div_euclid(MICROS_PER_SEC);
        let micros = self.0.rem_euclid(MICROS_PER_SEC) as u32;
        let days = secs.div_euclid(SECS_PER_DAY);
        let sod = secs.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        (y, m, d, (sod / 3600) as u32, ((sod % 3600) / 60) as u32, (sod % 60) as u32, micros)
    }

    /// This instant moved by `minutes`.
    #[must_use]
    pub fn shifted(self, minutes: i32) -> Self {
        Timestamp(self.0 + i64::from(minutes) * 60 * MICROS_PER_SEC)
    }

    /// ISO 8601 with microseconds and an explicit offset, e.g. `2023-05-22T08:12:18.978000+00:00`.
    pub fn iso(self) -> String {
        self.to_string()
    }

    /// Parses `YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|±HH:MM]` as used on the command line.
    /// A trailing offset is applied so the result is UTC; without one the value is taken as UTC.
    pub fn parse_user(s: &str) -> Option<Self> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 10 {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let (y, mo, d) = (i64::from(num(0..4)?), num(5..7)?, num(8..10)?);
        let mut rest = s.get(10..)?;
        let (mut h, mut mi, mut se, mut us) = (0, 0, 0, 0);
        if let Some(t) = rest.strip_prefix(['T', ' ']) {
            h = t.get(0..2)?.parse().ok()?;
            if t.as_bytes().get(2) != Some(&b':') {
                return None;
            }
            mi = t.get(3..5)?.parse().ok()?;
            rest = t.get(5..)?;
            if let Some(t) = rest.strip_prefix(':') {
                se = t.get(0..2)?.parse().ok()?;
                rest = t.get(2..)?;
                if let Some(t) = rest.strip_prefix('.') {
                    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
                    let frac = t.get(..digits)?;
                    us = parse_fraction_micros(frac)?;
                    rest = t.get(digits..)?;
                }
            }
        }
        let ts = Timestamp::from_civil(y, mo, d, h, mi, se, us)?;
        if rest.is_empty() || rest == "Z" || rest == "z" {
            return Some(ts);
        }
        let off = UtcOffset::parse(rest)?;
        Some(ts.shifted(-off.minutes()))
    }
}

/// Reads up to six fractional digits as microseconds (more digits are truncated).
pub(crate) fn parse_fraction_micros(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: u32 = 0;
    for (i, c) in digits.bytes().take(6).enumerate() {
        let _ = i;
        v = v * 10 + u32::from(c - b'0');
    }
    for _ in digits.len().min(6)..6 {
        v *= 10;
    }
    Some(v)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s, us) = self.to_civil();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}+00:00")
    }
}

/// A fixed offset from UTC, in minutes east (local = UTC + offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UtcOffset(i32);

impl UtcOffset {
    /// UTC itself.
    pub const UTC: UtcOffset = UtcOffset(0);

    /// An offset of `minutes` east of UTC; `None` outside ±18 hours.
    pub fn from_minutes(minutes: i32) -> Option<Self> {
        (minutes.abs() <= 18 * 60).then_some(UtcOffset(minutes))
    }

    /// Minutes east of UTC.
    pub fn minutes(self) -> i32 {
        self.0
    }

    /// Parses `+09:00`, `+0900`, `-7`, `+5:30`, `UTC`, `Z`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("utc") || s == "Z" || s == "z" {
            return Some(UtcOffset::UTC);
        }
        let (sign, rest) = match s.as_bytes().first()? {
            b'+' => (1, s.get(1..)?),
            b'-' => (-1, s.get(1..)?),
            _ => return None,
        };
        let (h, m) = if let Some((h, m)) = rest.split_once(':') {
            (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?)
        } else if rest.len() == 4 {
            (rest.get(0..2)?.parse().ok()?, rest.get(2..4)?.parse().ok()?)
        } else {
            (rest.parse::<i32>().ok()?, 0)
        };
        if !(0..60).contains(&m) || rest.is_empty() {
            return None;
        }
        // Checked: a mangled stamp can hold any number of hours, and a wrapped product could
        // land inside the valid range.
        UtcOffset::from_minutes(sign * h.checked_mul(60)?.checked_add(m)?)
    }

    /// Converts a local wall-clock time in this offset to UTC.
    pub fn to_utc(self, local: Timestamp) -> Timestamp {
        local.shifted(-self.0)
    }
}

impl fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let a = self.0.abs();
        write!(f, "{sign}{:02}:{:02}", a / 60, a % 60)
    }
}

impl schemars::JsonSchema for UtcOffset {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "UtcOffset".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[+-][0-9]{2}:[0-9]{2}$" })
    }
}

impl serde::Serialize for UtcOffset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Whether a parsed time is already UTC or is local wall-clock time awaiting an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimeBase {
    /// UTC (evtx, CSI `@` stamps).
    Utc,
    /// Local wall-clock time with no zone (CBS, DISM, WindowsUpdate.log, text exports).
    Local,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        let t = Timestamp::from_civil(2023, 5, 17, 15, 44, 12, 956_000).unwrap();
        assert_eq!(t.to_string(), "2023-05-17T15:44:12.956000+00:00");
        assert_eq!(t.to_civil(), (2023, 5, 17, 15, 44, 12, 956_000));
        assert_eq!(Timestamp::from_civil(1970, 1, 1, 0, 0, 0, 0).unwrap().0, 0);
        assert_eq!(Timestamp::from_civil(2024, 2, 29, 0, 0, 0, 0).unwrap().to_civil().2, 29);
        assert!(Timestamp::from_civil(2023, 2, 29, 0, 0, 0, 0).is_none());
        assert!(Timestamp::from_civil(2023, 13, 1, 0, 0, 0, 0).is_none());
    }

    #[test]
    fn offsets_parse_and_print() {
        assert_eq!(UtcOffset::parse("+09:00").unwrap().minutes(), 540);
        assert_eq!(UtcOffset::parse("+0530").unwrap().minutes(), 330);
        assert_eq!(UtcOffset::parse("-7").unwrap().minutes(), -420);
        assert_eq!(UtcOffset::parse("-07:30").unwrap().to_string(), "-07:30");
        assert!(UtcOffset::parse("+25:00").is_none());
        assert!(UtcOffset::parse("0900").is_none());
        // 71582789 h is 48 min once wrapped to 32 bits; 35791395 h overflows on its own.
        assert!(UtcOffset::parse("+71582789:04").is_none());
        assert!(UtcOffset::parse("-35791395").is_none());
    }

    #[test]
    fn user_times() {
        let t = Timestamp::parse_user("2023-05-22T08:00:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2023-05-22T06:00:00.000000+00:00");
        let t = Timestamp::parse_user("2023-05-22").unwrap();
        assert_eq!(t.to_string(), "2023-05-22T00:00:00.000000+00:00");
        let t = Timestamp::parse_user("2023-05-22 10:11:12.5Z").unwrap();
        assert_eq!(t.to_string(), "2023-05-22T10:11:12.500000+00:00");
        assert!(Timestamp::parse_user("yesterday").is_none());
    }

    #[test]
    fn fractions() {
        assert_eq!(parse_fraction_micros("9780000"), Some(978_000));
        assert_eq!(parse_fraction_micros("5"), Some(500_000));
        assert_eq!(parse_fraction_micros(""), None);
    }
}
