//! The session's header: the first record of the first buffer is a `SYSTEM_TRACE_HEADER`
//! (0x20 bytes) whose payload is a `TRACE_LOGFILE_HEADER` (Microsoft Learn,
//! "`TRACE_LOGFILE_HEADER` structure (evntrace.h)"). It gives the clock the event times count
//! in, the session's start in UTC, and the machine's time zone.

use super::layout::{BUFFER_HEADER, i64_at, u16_at, u32_at, u64_at};
use super::zone::Zone;
use crate::time::Timestamp;

/// `SYSTEM_TRACE_HEADER` before the logfile header.
const SYSTEM_HEADER: usize = 0x20;
/// `TIME_ZONE_INFORMATION`: `Bias`, `StandardName[32]`, `StandardDate`, `StandardBias`,
/// `DaylightName[32]`, `DaylightDate`, `DaylightBias`.
pub(super) const ZONE_BYTES: usize = 172;
/// 100-ns intervals from 1601-01-01 to 1970-01-01.
const FILETIME_UNIX: i64 = 116_444_736_000_000_000;
/// The last microsecond of 9999-12-31, the end of the timeline's range.
const MAX_MICROS: i64 = 253_402_300_799_999_999;

/// How event time stamps count (`ReservedFlags` of the logfile header, the session's
/// `ClientContext` clock type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Clock {
    /// A counter of `freq` ticks a second that read `origin` when the session started.
    Counter {
        /// Ticks a second.
        freq: u64,
        /// The counter at the session's start (the header event's own stamp).
        origin: i64,
    },
    /// Stamps are FILETIMEs (`ReservedFlags` 2, system time).
    SystemTime,
}

/// What the header says about the session.
#[derive(Debug, Clone)]
pub(super) struct Session {
    /// Every buffer's size.
    pub(super) buffer_size: usize,
    /// The session's start, UTC FILETIME.
    pub(super) start: i64,
    /// How event stamps count.
    pub(super) clock: Clock,
    /// The machine's time zone, when the header's is plausible.
    pub(super) zone: Option<Zone>,
    /// The session (logger) name, e.g. `WindowsUpdate_trace_log`.
    pub(super) logger: String,
    /// Events and buffers the session lost while tracing (`EventsLost`, `BuffersLost`).
    pub(super) lost: (u32, u32),
}

impl Session {
    /// Reads the header of the file that starts with `bytes`.
    pub(super) fn read(bytes: &[u8]) -> Result<Session, String> {
        let rec = BUFFER_HEADER;
        let [_, _, marker, flags] = bytes
            .get(rec..rec + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .ok_or("the file is shorter than its first buffer header")?;
        if !matches!(marker, 1 | 2) || flags != 0xC0 {
            return Err("the first record is not the session's header event".into());
        }
        let size = usize::from(u16_at(bytes, rec + 4).unwrap_or(0));
        let h = bytes
            .get(rec + SYSTEM_HEADER..rec + size.max(SYSTEM_HEADER))
            .filter(|h| h.len() >= 0x40)
            .ok_or(format!("the header event is too short ({size} bytes)"))?;
        let field = |at| u32_at(h, at).ok_or("the logfile header is cut short");
        let buffer_size = field(0)? as usize;
        let pointer = match field(0x2C)? {
            p @ (4 | 8) => p as usize,
            _ if marker == 1 => 4,
            _ => 8,
        };
        let events_lost = field(0x30)?;
        let cpu_mhz = u64::from(field(0x34)?);
        let zone_at = 0x38 + 2 * pointer;
        let after_zone = (zone_at + ZONE_BYTES).next_multiple_of(8);
        let wide = |at: usize| i64_at(h, at).ok_or("the logfile header is cut short");
        // BootTime (8 bytes) comes first.
        let perf_freq = u64_at(h, after_zone + 8).ok_or("the logfile header is cut short")?;
        let start = wide(after_zone + 16)?;
        let clock_type = field(after_zone + 24)?;
        let buffers_lost = field(after_zone + 28)?;
        let origin = i64_at(bytes, rec + 0x10).ok_or("the header event is cut short")?;
        let clock = match clock_type {
            2 => Clock::SystemTime,
            3 if cpu_mhz > 0 => Clock::Counter { freq: cpu_mhz * 1_000_000, origin },
            _ if perf_freq > 0 => Clock::Counter { freq: perf_freq, origin },
            other => {
                return Err(format!(
                    "clock type {other} with no frequency: event times cannot be converted"
                ));
            }
        };
        if to_micros(start).is_none() {
            return Err(format!("the session's start time ({start}) is not a date"));
        }
        let zone = h.get(zone_at..zone_at + ZONE_BYTES).and_then(Zone::read);
        let strings = h.get(after_zone + 32..).unwrap_or_default();
        let logger = utf16z(strings);
        Ok(Session { buffer_size, start, clock, zone, logger, lost: (events_lost, buffers_lost) })
    }

    /// The UTC time of an event stamp, or `None` when it is no date.
    pub(super) fn time(&self, stamp: i64) -> Option<Timestamp> {
        let filetime = match self.clock {
            Clock::SystemTime => stamp,
            Clock::Counter { freq, origin } => {
                let ticks = i128::from(stamp) - i128::from(origin);
                let delta = ticks * 10_000_000 / i128::from(freq);
                i64::try_from(i128::from(self.start) + delta).ok()?
            }
        };
        to_micros(filetime).map(Timestamp)
    }
}

/// Microseconds since 1970 of a FILETIME, within the timeline's range.
pub(super) fn to_micros(filetime: i64) -> Option<i64> {
    let micros = filetime.checked_sub(FILETIME_UNIX)?.div_euclid(10);
    (filetime >= 0 && micros <= MAX_MICROS).then_some(micros)
}

/// A NUL-terminated UTF-16LE string at the start of `b` (all of `b` without a NUL).
pub(super) fn utf16z(b: &[u8]) -> String {
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    char::decode_utf16(units.take_while(|&u| u != 0))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetimes_become_unix_micros() {
        // 2025-04-26T12:20:44.390184Z, the start of a real WindowsUpdate trace.
        let t = to_micros(0x01DB_B6A5_A227_3F96).map(Timestamp).unwrap();
        assert_eq!(t.to_string(), "2025-04-26T12:20:44.390184+00:00");
        assert_eq!(to_micros(-1), None);
        assert_eq!(to_micros(i64::MAX), None);
    }

    #[test]
    fn counter_stamps_count_from_the_session_start() {
        let s = Session {
            buffer_size: 4096,
            start: 0x01DB_B6A5_A227_3F96,
            clock: Clock::Counter { freq: 10_000_000, origin: 144_452_450 },
            zone: None,
            logger: String::new(),
            lost: (0, 0),
        };
        assert_eq!(s.time(144_458_501).unwrap().to_string(), "2025-04-26T12:20:44.390789+00:00");
        assert_eq!(s.time(i64::MIN), None);
        let fast = Session { clock: Clock::Counter { freq: 1, origin: 0 }, ..s };
        assert_eq!(fast.time(i64::MAX), None, "out of range, not wrapped");
    }
}
