//! The machine's time zone as the trace header records it (`TIME_ZONE_INFORMATION`,
//! Microsoft Learn, "`TIME_ZONE_INFORMATION` structure (timezoneapi.h)"): a bias, and for
//! zones with daylight saving time the rule for each switch. With it a UTC trace says which
//! offset the machine's local-time logs were written at, at any instant.

use super::layout::{u16_at, u32_at};
use crate::time::Timestamp;

/// When a switch happens: month, the nth (5 = last) weekday of it, and the local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    /// A year for a one-time switch, 0 for every year.
    year: u16,
    month: u32,
    weekday: u32,
    /// nth weekday of the month (1–5, 5 = last) for a yearly rule; the day for a one-time one.
    day: u32,
    /// Minutes after local midnight.
    minute: i64,
}

impl Rule {
    /// Reads a `SYSTEMTIME`; `None` for an unused (month 0) or impossible one.
    fn read(b: &[u8]) -> Option<Rule> {
        let w = |i: usize| u16_at(b, i * 2);
        let (year, month, weekday, day, hour, minute) = (w(0)?, w(1)?, w(2)?, w(3)?, w(4)?, w(5)?);
        let ok = (1..=12).contains(&month)
            && weekday <= 6
            && (1..=31).contains(&day)
            && (year != 0 || day <= 5)
            && hour <= 23
            && minute <= 59;
        ok.then_some(Rule {
            year,
            month: u32::from(month),
            weekday: u32::from(weekday),
            day: u32::from(day),
            minute: i64::from(hour) * 60 + i64::from(minute),
        })
    }

    /// The switch in `year`, as microseconds of local wall-clock time since 1970.
    fn local(self, year: i64) -> Option<i64> {
        if self.year != 0 && i64::from(self.year) != year {
            return None;
        }
        let midnight = |d: u32| Timestamp::from_civil(year, self.month, d, 0, 0, 0, 0);
        let day = if self.year != 0 {
            self.day
        } else {
            // 1970-01-01 was a Thursday (weekday 4, Sunday 0).
            let first = midnight(1)?;
            let wd = (first.as_micros().div_euclid(86_400_000_000) + 4).rem_euclid(7) as u32;
            let mut d = 1 + (self.weekday + 7 - wd) % 7 + 7 * (self.day - 1);
            while midnight(d).is_none() {
                d -= 7;
            }
            d
        };
        Some(midnight(day)?.as_micros() + self.minute * 60_000_000)
    }
}

/// A time zone: UTC = local + bias (minutes), plus the daylight rules when it has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Zone {
    bias: i32,
    standard_bias: i32,
    daylight_bias: i32,
    /// (to standard time, to daylight time).
    rules: Option<(Rule, Rule)>,
    /// The zone's standard name as Windows stored it (often `@tzres.dll,-212`).
    pub(crate) name: String,
}

impl Zone {
    /// Reads the 172 bytes of a `TIME_ZONE_INFORMATION`; `None` when a bias is impossible.
    pub(super) fn read(b: &[u8]) -> Option<Zone> {
        let bias = u32_at(b, 0)? as i32;
        let standard_bias = u32_at(b, 84)? as i32;
        let daylight_bias = u32_at(b, 168)? as i32;
        let plausible = |m: i32| (-16 * 60..=16 * 60).contains(&m);
        if !plausible(bias) || !plausible(standard_bias) || !plausible(daylight_bias) {
            return None;
        }
        let rules = Rule::read(b.get(68..84)?).zip(Rule::read(b.get(152..168)?));
        let name = super::session::utf16z(b.get(4..68)?);
        Some(Zone { bias, standard_bias, daylight_bias, rules, name })
    }

    /// Minutes east of UTC at the UTC instant `t`.
    pub(crate) fn offset_at(&self, t: Timestamp) -> i32 {
        self.offset_span(t).0
    }

    /// Minutes east of UTC at `t`, and the span of UTC microseconds around `t` in which they
    /// hold (within `t`'s year), so that a reader of many events computes the rules once.
    pub(crate) fn offset_span(&self, t: Timestamp) -> (i32, std::ops::Range<i64>) {
        let standard = -(self.bias + self.standard_bias);
        let Some((to_standard, to_daylight)) = self.rules else {
            return (standard, i64::MIN..i64::MAX);
        };
        let daylight = -(self.bias + self.daylight_bias);
        let year = t.shifted(standard).to_civil().0;
        let utc_of_local = |l: i64, off: i32| l - i64::from(off) * 60_000_000;
        let new_year =
            |y: i64| Timestamp::from_civil(y, 1, 1, 0, 0, 0, 0).map(Timestamp::as_micros);
        let lo = new_year(year).map_or(i64::MIN, |l| utc_of_local(l, standard));
        let hi = new_year(year + 1).map_or(i64::MAX, |l| utc_of_local(l, standard));
        // Each switch is given in the wall-clock time in force just before it.
        let switch = |rule: Rule, before: i32| rule.local(year).map(|l| utc_of_local(l, before));
        let (Some(start), Some(end)) =
            (switch(to_daylight, standard), switch(to_standard, daylight))
        else {
            return (standard, lo..hi);
        };
        let t = t.as_micros();
        let (first, second) = (start.min(end), start.max(end));
        let span = if t < first {
            lo..first
        } else if t < second {
            first..second
        } else {
            second..hi
        };
        let in_daylight = if start < end { start <= t && t < end } else { t >= start || t < end };
        (if in_daylight { daylight } else { standard }, span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// US Pacific as Windows records it: bias 480, DST from the second Sunday of March at
    /// 02:00 to the first Sunday of November at 02:00, daylight bias -60.
    fn pacific() -> Vec<u8> {
        let mut b = vec![0u8; 172];
        b[0..4].copy_from_slice(&480i32.to_le_bytes());
        for (at, st) in [(68, [0u16, 11, 0, 1, 2, 0, 0, 0]), (152, [0, 3, 0, 2, 2, 0, 0, 0])] {
            for (i, w) in st.iter().enumerate() {
                b[at + 2 * i..at + 2 * i + 2].copy_from_slice(&w.to_le_bytes());
            }
        }
        b[168..172].copy_from_slice(&(-60i32).to_le_bytes());
        b
    }

    fn utc(y: i64, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
        Timestamp::from_civil(y, mo, d, h, mi, 0, 0).unwrap()
    }

    #[test]
    fn daylight_time_follows_the_rules() {
        let z = Zone::read(&pacific()).unwrap();
        assert_eq!(z.offset_at(utc(2025, 4, 26, 12, 20)), -420);
        assert_eq!(z.offset_at(utc(2025, 1, 15, 12, 0)), -480);
        // 2025-03-09 02:00 PST = 10:00 UTC; 2025-11-02 02:00 PDT = 09:00 UTC.
        assert_eq!(z.offset_at(utc(2025, 3, 9, 9, 59)), -480);
        assert_eq!(z.offset_at(utc(2025, 3, 9, 10, 0)), -420);
        assert_eq!(z.offset_at(utc(2025, 11, 2, 8, 59)), -420);
        assert_eq!(z.offset_at(utc(2025, 11, 2, 9, 0)), -480);
        // The span around an instant is where its offset holds.
        let (m, span) = z.offset_span(utc(2025, 4, 26, 12, 20));
        assert_eq!(m, -420);
        assert_eq!(span.start, utc(2025, 3, 9, 10, 0).as_micros());
        assert_eq!(span.end, utc(2025, 11, 2, 9, 0).as_micros());
        for t in [span.start, span.end - 1, i64::midpoint(span.start, span.end)] {
            assert_eq!(z.offset_at(Timestamp(t)), -420);
        }
        let (m, span) = z.offset_span(utc(2025, 12, 24, 0, 0));
        assert_eq!((m, span.start), (-480, utc(2025, 11, 2, 9, 0).as_micros()));
        assert_eq!(span.end, utc(2026, 1, 1, 8, 0).as_micros());
    }

    #[test]
    fn southern_and_fixed_zones() {
        // Fixed UTC+09:00.
        let mut b = vec![0u8; 172];
        b[0..4].copy_from_slice(&(-540i32).to_le_bytes());
        assert_eq!(Zone::read(&b).unwrap().offset_at(utc(2024, 7, 10, 1, 0)), 540);
        // A southern zone (UTC+10, daylight from October to April) is in daylight in January.
        let mut s = pacific();
        s[0..4].copy_from_slice(&(-600i32).to_le_bytes());
        s[70..72].copy_from_slice(&4u16.to_le_bytes());
        s[154..156].copy_from_slice(&10u16.to_le_bytes());
        let z = Zone::read(&s).unwrap();
        assert_eq!(z.offset_at(utc(2024, 1, 10, 0, 0)), 660);
        assert_eq!(z.offset_at(utc(2024, 7, 10, 0, 0)), 600);
        // A bias of days is no zone.
        b[0..4].copy_from_slice(&100_000i32.to_le_bytes());
        assert_eq!(Zone::read(&b), None);
    }
}
