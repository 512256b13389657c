//! Memory dumps: `setupmem.dmp` (the minidump Windows Setup extracts when the machine
//! stopped with a bug check during an upgrade), other minidumps, `MEMORY.DMP`. Their
//! presence is evidence; their content needs a debugger. Only the header is read: the
//! signature, and the time (and, for a kernel dump, the bug check code) when the header
//! holds them at their documented places.
//!
//! - Minidump (`MINIDUMP_HEADER`, minidumpapiset.h): `MDMP`, then `TimeDateStamp` (seconds
//!   since 1970, UTC) at offset 20.
//! - 64-bit kernel dump (`DUMP_HEADER64`): `PAGEDU64`, `BugCheckCode` at 0x38, `SystemTime`
//!   (a FILETIME) at 0xFA8. 32-bit (`PAGEDUMP`): `BugCheckCode` at 0x20.
//!
//! A time outside 2000–2100 is not believed (a header damaged or laid out otherwise); then
//! the dump is counted but gets no event, and an issue says so.

use crate::event::{Level, Pos, Source};
use crate::parse::{Ctx, IssueKind, Piece};
use crate::time::{TimeBase, Timestamp};
use std::fmt::Write as _;

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Microseconds since 1970 from seconds, when the year is plausible.
fn plausible(micros: i64) -> Option<Timestamp> {
    // 2000-01-01 and 2100-01-01 in seconds since 1970.
    ((946_684_800_000_000..4_102_444_800_000_000).contains(&micros)).then_some(Timestamp(micros))
}

/// What a dump's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// Kernel dump rather than minidump.
    pub(crate) kernel: bool,
    /// When it was written (UTC).
    pub(crate) time: Option<Timestamp>,
    /// The bug check code (kernel dumps).
    pub(crate) bugcheck: Option<u32>,
}

pub(crate) fn header(bytes: &[u8]) -> Option<Header> {
    if bytes.starts_with(b"MDMP") {
        let time = u32_at(bytes, 20).and_then(|s| plausible(i64::from(s) * 1_000_000));
        return Some(Header { kernel: false, time, bugcheck: None });
    }
    if bytes.starts_with(b"PAGEDU64") {
        // FILETIME: 100 ns since 1601.
        let time = u64_at(bytes, 0xFA8)
            .and_then(|ft| i64::try_from(ft / 10).ok())
            .and_then(|us| plausible(us - 11_644_473_600_000_000));
        return Some(Header { kernel: true, time, bugcheck: u32_at(bytes, 0x38) });
    }
    if bytes.starts_with(b"PAGEDUMP") {
        return Some(Header { kernel: true, time: None, bugcheck: u32_at(bytes, 0x20) });
    }
    None
}

/// A size for people: `740 KiB`, `1.2 GiB`.
fn human(n: usize) -> String {
    let n = n as f64;
    match n {
        n if n >= f64::from(1u32 << 30) => format!("{:.1} GiB", n / f64::from(1u32 << 30)),
        n if n >= f64::from(1u32 << 20) => format!("{:.1} MiB", n / f64::from(1u32 << 20)),
        n if n >= 1024.0 => format!("{:.0} KiB", n / 1024.0),
        n => format!("{n} bytes"),
    }
}

/// Reads a dump's header (`bytes`; the dump is `size` bytes on disk) into one event.
pub(crate) fn parse<'t>(bytes: &[u8], size: u64, ctx: &Ctx) -> Piece<'t> {
    let mut piece = Piece::default();
    let Some(h) = header(bytes) else { return piece };
    piece.coverage.records = 1;
    let size = human(usize::try_from(size).unwrap_or(usize::MAX));
    let what = if h.kernel { "kernel memory dump" } else { "minidump" };
    let Some(time) = h.time else {
        piece.issue(
            IssueKind::BadHeader,
            None,
            format!("{what} of {size} with no believable time in its header: counted, not placed on the timeline"),
        );
        return piece;
    };
    piece.coverage.see_time(time);
    let mut message =
        format!("Memory dump present ({what}, {size}): the system or a process crashed");
    let mut fields = vec![("dump", if h.kernel { "kernel" } else { "minidump" }.to_string())];
    if let Some(code) = h.bugcheck.filter(|&c| c != 0) {
        let _ = write!(message, "; bug check 0x{code:08X}");
        fields.push(("bugcheck", format!("0x{code:08X}")));
    }
    let e = super::owned_event(
        time,
        TimeBase::Utc,
        1,
        Source::Setup,
        Level::Warning,
        "dump",
        message,
        Vec::new(),
        fields,
    );
    debug_assert_eq!(e.at.pos, Pos::Line(1));
    piece.push(ctx.keep, e, true);
    piece
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Keep;

    #[test]
    fn minidump_time_and_kernel_bugcheck() {
        let mut md = b"MDMP\x93\xa7\0\0".to_vec();
        md.resize(32, 0);
        md[20..24].copy_from_slice(&1_621_307_000u32.to_le_bytes());
        let p = parse(&md, md.len() as u64, &Ctx::new(Keep::Notable));
        assert_eq!(p.events.len(), 1);
        assert_eq!(p.events[0].time.unwrap().to_string(), "2021-05-18T03:03:20.000000+00:00");
        assert_eq!(p.events[0].source, Source::Setup);
        let mut k = b"PAGEDU64".to_vec();
        k.resize(0x1000, 0);
        k[0x38..0x3C].copy_from_slice(&0x7Eu32.to_le_bytes());
        let ft = (1_621_307_000u64 + 11_644_473_600) * 10_000_000;
        k[0xFA8..0xFB0].copy_from_slice(&ft.to_le_bytes());
        let p = parse(&k, k.len() as u64, &Ctx::new(Keep::Notable));
        assert_eq!(p.events[0].field("bugcheck"), Some("0x0000007E"));
        // A header without a believable time: counted, no event.
        let p = parse(b"MDMP\0\0\0\0", 8, &Ctx::new(Keep::Notable));
        assert_eq!((p.coverage.records, p.events.len(), p.issues.len()), (1, 0, 1));
    }
}
