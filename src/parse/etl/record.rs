//! One `EVENT_HEADER` record (Microsoft Learn, "`EVENT_HEADER` structure (evntcons.h)" and
//! "`EVENT_HEADER_EXTENDED_DATA_ITEM`"): 0x50 bytes of header, then, when the header says
//! so, extended data items (each 8 bytes of header and its data, 8-byte aligned, the last
//! without the linkage bit), then the event's user data.

use super::layout::{i64_at, u16_at};
use std::fmt;

/// `EVENT_HEADER_FLAG_EXTENDED_INFO`.
const FLAG_EXTENDED_INFO: u16 = 0x0001;
/// `EVENT_HEADER_FLAG_STRING_ONLY`: the user data is one NUL-terminated UTF-16 string.
const FLAG_STRING_ONLY: u16 = 0x0004;
/// `EVENT_HEADER_EXT_TYPE_EVENT_SCHEMA_TL`: TraceLogging event metadata.
const EXT_SCHEMA_TL: u16 = 11;
/// `EVENT_HEADER_EXT_TYPE_PROV_TRAITS`: the provider's name and traits.
const EXT_PROV_TRAITS: u16 = 12;
const HEADER: usize = 0x50;

/// A GUID in its little-endian Windows layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub(crate) struct Guid(pub(crate) [u8; 16]);

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        let d1 = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let d2 = u16::from_le_bytes([b[4], b[5]]);
        let d3 = u16::from_le_bytes([b[6], b[7]]);
        write!(f, "{d1:08x}-{d2:04x}-{d3:04x}-{:02x}{:02x}-", b[8], b[9])?;
        b[10..].iter().try_for_each(|x| write!(f, "{x:02x}"))
    }
}

/// The fields of an `EVENT_HEADER` record that the reader uses.
#[derive(Debug, Clone, Copy)]
pub(super) struct EventRecord<'a> {
    pub(super) flags: u16,
    pub(super) stamp: i64,
    pub(super) provider: Guid,
    pub(super) id: u16,
    pub(super) version: u8,
    pub(super) level: u8,
    pub(super) opcode: u8,
    pub(super) task: u16,
    /// TraceLogging metadata, when the event carries it.
    pub(super) schema: Option<&'a [u8]>,
    /// Provider traits (name first), when the event carries them.
    pub(super) traits: Option<&'a [u8]>,
    /// The event's payload.
    pub(super) user: &'a [u8],
}

impl<'a> EventRecord<'a> {
    /// Reads a record the buffer walk framed as an event (at least 0x50 bytes).
    pub(super) fn read(r: &'a [u8]) -> Result<Self, String> {
        let short = || "the event header is cut short".to_string();
        let flags = u16_at(r, 4).ok_or_else(short)?;
        let provider: [u8; 16] =
            r.get(0x18..0x28).and_then(|g| g.try_into().ok()).ok_or_else(short)?;
        let d = r.get(0x28..0x38).ok_or_else(short)?;
        let mut e = EventRecord {
            flags,
            stamp: i64_at(r, 0x10).ok_or_else(short)?,
            provider: Guid(provider),
            id: u16_at(d, 0).ok_or_else(short)?,
            version: d[2],
            level: d[4],
            opcode: d[5],
            task: u16_at(d, 6).ok_or_else(short)?,
            schema: None,
            traits: None,
            user: &[],
        };
        let mut at = HEADER;
        if flags & FLAG_EXTENDED_INFO != 0 {
            loop {
                let item = r.get(at..at + 8).ok_or("an extended data item runs past the record")?;
                let kind = u16_at(item, 2).unwrap_or(0);
                let more = u16_at(item, 4).unwrap_or(0) & 1 != 0;
                let size = usize::from(u16_at(item, 6).unwrap_or(0));
                let data = r
                    .get(at + 8..at + 8 + size)
                    .ok_or("an extended data item runs past the record")?;
                match kind {
                    EXT_SCHEMA_TL => e.schema = Some(data),
                    EXT_PROV_TRAITS => e.traits = Some(data),
                    _ => {}
                }
                at = (at + 8 + size).next_multiple_of(8);
                if !more {
                    break;
                }
            }
        }
        e.user = r.get(at..).unwrap_or_default();
        Ok(e)
    }

    /// Whether the payload is one string (`EventWriteString`).
    pub(super) fn is_string_only(&self) -> bool {
        self.flags & FLAG_STRING_ONLY != 0
    }

    /// The provider's name from its traits (empty when they carry none).
    pub(super) fn provider_name(&self) -> Option<&'a [u8]> {
        // Traits: UINT16 size, the NUL-terminated name, then the traits themselves.
        let name = self.traits?.get(2..)?;
        let end = memchr::memchr(0, name)?;
        name.get(..end).filter(|n| !n.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_print_as_windows_does() {
        let g = Guid([
            0x19, 0x6f, 0x7a, 0x0b, 0xc4, 0x47, 0x4e, 0x45, 0x8c, 0x5c, 0xe8, 0x68, 0xd6, 0x37,
            0xe4, 0xd8,
        ]);
        assert_eq!(g.to_string(), "0b7a6f19-47c4-454e-8c5c-e868d637e4d8");
    }

    #[test]
    fn extended_items_that_overrun_are_damage() {
        let mut r = vec![0u8; 0x58];
        r[4] = 1; // extended info
        r[0x50 + 6] = 0x40; // a 64-byte item in 8 bytes
        assert!(EventRecord::read(&r).is_err());
        r[0x50 + 6] = 0;
        r[0x50 + 2] = 12;
        let e = EventRecord::read(&r).unwrap();
        assert_eq!(e.traits, Some(&[][..]));
        assert_eq!(e.provider_name(), None);
        assert!(e.user.is_empty());
    }
}
