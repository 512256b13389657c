//! Per-line fast paths of the text parsers. Each gives exactly the result of the plain code it
//! replaces (tests compare both); it only avoids work that millions of routine lines repeat:
//! Unicode-aware trimming of ASCII padding and calendar arithmetic for a day already seen.

use crate::time::Timestamp;

/// Digits as a number (wrapping; callers have checked the digit positions).
pub(crate) fn num(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |a, &d| a.wrapping_mul(10).wrapping_add(u32::from(d.wrapping_sub(b'0'))))
}

/// Whether an ASCII byte is a `char::is_whitespace` character.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r')
}

/// `s.trim()`, with ASCII padding removed byte by byte. Anything non-ASCII left at an edge
/// goes through `str::trim`, which knows the other Unicode spaces.
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|&c| !is_ascii_space(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !is_ascii_space(c)).map_or(start, |i| i + 1);
    // Both cuts are next to ASCII bytes, so they are character boundaries.
    let t = s.get(start..end).unwrap_or_default();
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(&f), Some(&l)) if f >= 0x80 || l >= 0x80 => t.trim(),
        _ => t,
    }
}

/// Remembers the last day read from a `YYYY?MM?DD?HH?MM?SS` stamp. Records come in time
/// order, so most share the day of the one before and skip the calendar arithmetic.
#[derive(Debug, Default)]
pub(crate) struct DayCache {
    /// The date bytes and that day's midnight (`None` for an impossible date).
    last: Option<([u8; 10], Option<Timestamp>)>,
}

impl DayCache {
    /// Exactly `Timestamp::from_civil` of the fields at the fixed columns of `b` (year 0..4,
    /// month 5..7, day 8..10, hour 11..13, minute 14..16, second 17..19) and `micros`.
    pub(crate) fn time(&mut self, b: &[u8], micros: u32) -> Option<Timestamp> {
        let b = b.first_chunk::<19>()?;
        let key: [u8; 10] = *b.first_chunk::<10>()?;
        let (h, mi, s) = (num(&b[11..13]), num(&b[14..16]), num(&b[17..19]));
        let midnight = match self.last {
            Some((k, day)) if k == key => day,
            _ => {
                let day = Timestamp::from_civil(
                    i64::from(num(&key[0..4])),
                    num(&key[5..7]),
                    num(&key[8..10]),
                    0,
                    0,
                    0,
                    0,
                );
                self.last = Some((key, day));
                day
            }
        }?;
        if h > 23 || mi > 59 || s > 60 || micros >= 1_000_000 {
            return None;
        }
        let secs = i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
        Some(Timestamp(midnight.0 + secs * 1_000_000 + i64::from(micros)))
    }
}

/// Eight ASCII hex digits as a number (`None` if any is not one).
pub(crate) fn hex8(b: [u8; 8]) -> Option<u32> {
    b.iter().try_fold(0u32, |v, &c| Some(v << 4 | char::from(c).to_digit(16)?))
}

/// Reads `min..=max` ASCII digits at `*at`; the value and the new position.
fn digits(b: &[u8], at: &mut usize, min: usize, max: usize) -> Option<u32> {
    let run = b.get(*at..)?.iter().take(max + 1).take_while(|c| c.is_ascii_digit()).count();
    if run < min || run > max {
        return None;
    }
    let v = num(&b[*at..*at + run]);
    *at += run;
    Some(v)
}

fn expect(b: &[u8], at: &mut usize, c: u8) -> Option<()> {
    (b.get(*at) == Some(&c)).then(|| *at += 1)
}

/// A CSI UTC stamp in the one shape Windows writes, `YYYY/M/D:H:M:S.fff` (digits only, then
/// a space, a tab or the end), as its fields and the fraction's digits; `None` for any other
/// shape, which the general parser then reads.
pub(crate) fn csi_fields(s: &str) -> Option<([u32; 6], &str, usize)> {
    let b = s.as_bytes();
    let mut at = 0;
    let y = digits(b, &mut at, 4, 4)?;
    expect(b, &mut at, b'/')?;
    let mo = digits(b, &mut at, 1, 2)?;
    expect(b, &mut at, b'/')?;
    let d = digits(b, &mut at, 1, 2)?;
    expect(b, &mut at, b':')?;
    let h = digits(b, &mut at, 1, 2)?;
    expect(b, &mut at, b':')?;
    let mi = digits(b, &mut at, 1, 2)?;
    expect(b, &mut at, b':')?;
    let sec = digits(b, &mut at, 1, 2)?;
    expect(b, &mut at, b'.')?;
    let frac_start = at;
    let frac = b.get(at..)?.iter().take_while(|c| c.is_ascii_digit()).count();
    at += frac;
    if frac == 0 || !matches!(b.get(at), None | Some(b' ' | b'\t')) {
        return None;
    }
    Some(([y, mo, d, h, mi, sec], s.get(frac_start..at)?, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_is_str_trim() {
        for s in [
            "",
            " ",
            "Info                  ",
            "  CBS  ",
            "\u{b}x\u{b}",
            "\u{a0}Info\u{a0}",
            " \u{3000} x \u{2028}",
            "é ",
            " é",
            "\u{85}",
            "a\u{feff}",
            "\t\r\n\u{c}mid dle\u{c}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    fn plain(b: &[u8], micros: u32) -> Option<Timestamp> {
        Timestamp::from_civil(
            i64::from(num(&b[0..4])),
            num(&b[5..7]),
            num(&b[8..10]),
            num(&b[11..13]),
            num(&b[14..16]),
            num(&b[17..19]),
            micros,
        )
    }

    #[test]
    fn day_cache_is_from_civil() {
        let stamps = [
            "2024-02-28 23:59:59",
            "2024-02-29 00:00:00",
            "2024-02-29 23:59:60",
            "2023-02-29 12:00:00",
            "2023-02-29 12:00:01",
            "2024-02-29 24:00:00",
            "2024-02-29 23:60:00",
            "2024-02-29 23:00:61",
            "2024-13-01 00:00:00",
            "2024-00-10 00:00:00",
            "1600-12-31 00:00:00",
            "1601-01-01 00:00:00",
            "9999-12-31 23:59:59",
            "2024/02/29 01:02:03",
            "2024-02-29 01:02:03",
        ];
        let mut cache = DayCache::default();
        for micros in [0, 999_999, 1_000_000] {
            for s in stamps.iter().chain(stamps.iter().rev()) {
                let b = s.as_bytes();
                assert_eq!(cache.time(b, micros), plain(b, micros), "{s} {micros}");
            }
        }
        assert_eq!(cache.time(b"2024-02-29", 0), None);
    }

    #[test]
    fn hex8_is_from_str_radix() {
        for s in [
            "00000000",
            "0000004b",
            "FFFFFFFF",
            "deadBEEF",
            "0000004g",
            "+0000004",
            " 0000004",
            "0000004\u{e9}",
        ] {
            let Some(b) = s.as_bytes().first_chunk::<8>() else { continue };
            let plain = b
                .iter()
                .all(u8::is_ascii_hexdigit)
                .then(|| u32::from_str_radix(&s[..8], 16).ok())
                .flatten();
            assert_eq!(hex8(*b), plain, "{s}");
        }
    }

    #[test]
    fn csi_fields_shape() {
        let (f, frac, end) = csi_fields("2016/9/27:20:30:31.455 WcpInitialize").unwrap();
        assert_eq!((f, frac, end), ([2016, 9, 27, 20, 30, 31], "455", 22));
        assert!(csi_fields("2016/9/27:20:30:31.455").is_some());
        assert!(csi_fields("2016/9/27:20:30:31.455\tx").is_some());
        for s in [
            "2016/9/27:20:30:31",
            "2016/9/27:20:30:31.",
            "2016/9/27:20:30:31.4x",
            "2016/+9/27:20:30:31.4",
            "16/9/27:20:30:31.4",
            "2016/9/27/1:20:30:31.4",
            "2016/9/27:20:30:31:4.5",
            "2016/123/27:20:30:31.4",
        ] {
            assert!(csi_fields(s).is_none(), "{s}");
        }
    }
}
