//! A chunk's live records found without the crate, for chunks laid out plainly.
//!
//! The crate's record iterator builds every record's content before handing it over, which
//! was a fifth of the evtx time. Here the record headers are walked as the crate walks them
//! (from the chunk header to the last record or the free space) and only their binary XML
//! windows are returned. Anything the crate would treat specially gives `None` and the
//! chunk goes through the crate: a header that does not read, a record past the chunk, a
//! time the crate cannot represent, or a record magic in the space after the live records,
//! where the crate would carve stale records.

use crate::time::Timestamp;
use evtx::EvtxChunkHeader;

/// Bytes before a chunk's first record.
const CHUNK_HEADER: usize = 512;
/// Magic, size, record id, written time.
const RECORD_HEADER: usize = 24;
const MAGIC: &[u8; 4] = b"\x2a\x2a\x00\x00";
/// FILETIME ticks from 1601-01-01 to 1970-01-01.
const UNIX_EPOCH_TICKS: u64 = 116_444_736_000_000_000;
/// FILETIME ticks to 9999-12-30, the last day every time type can hold.
const LAST_TICKS: u64 = 2_650_467_456_000_000_000;

/// One live record: its id, written time and binary XML window in the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) id: u64,
    pub(crate) time: Timestamp,
    pub(crate) start: usize,
    pub(crate) len: usize,
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// The live records of a chunk, or `None` when the crate should read it.
pub(crate) fn records(data: &[u8], header: &EvtxChunkHeader) -> Option<Vec<Window>> {
    let live_end = (header.free_space_offset as usize).min(data.len());
    let mut out = Vec::with_capacity(128);
    let mut at = CHUNK_HEADER;
    let carve_from = loop {
        if at >= live_end {
            break at;
        }
        if data.get(at..at + 4)? != MAGIC {
            return None;
        }
        let size = u32_at(data, at + 4)? as usize;
        let id = u64_at(data, at + 8)?;
        let ticks = u64_at(data, at + 16)?;
        if !(UNIX_EPOCH_TICKS..LAST_TICKS).contains(&ticks) {
            return None;
        }
        let micros = i64::try_from((ticks - UNIX_EPOCH_TICKS) / 10).ok()?;
        let len = size.checked_sub(RECORD_HEADER + 4)?;
        let start = at + RECORD_HEADER;
        if start + len > data.len() {
            return None;
        }
        out.push(Window { id, time: Timestamp(micros), start, len });
        at += size;
        if id == header.last_event_record_id {
            break at;
        }
    };
    let slack = data.get(carve_from..).unwrap_or_default();
    if memchr::memmem::find(slack, MAGIC).is_some() {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunk with records of the given ids (each 40 bytes, written time 2024-01-01).
    fn chunk(ids: &[u64], last: u64) -> Vec<u8> {
        let mut data = vec![0u8; 4096];
        data[..8].copy_from_slice(b"ElfChnk\0");
        data[32..40].copy_from_slice(&last.to_le_bytes());
        let mut at = CHUNK_HEADER;
        for id in ids {
            data[at..at + 4].copy_from_slice(MAGIC);
            data[at + 4..at + 8].copy_from_slice(&40u32.to_le_bytes());
            data[at + 8..at + 16].copy_from_slice(&id.to_le_bytes());
            let ticks = UNIX_EPOCH_TICKS + 1_704_067_200 * 10_000_000;
            data[at + 16..at + 24].copy_from_slice(&ticks.to_le_bytes());
            data[at + 36..at + 40].copy_from_slice(&40u32.to_le_bytes());
            at += 40;
        }
        data[48..52].copy_from_slice(&u32::try_from(at).unwrap().to_le_bytes());
        data
    }

    fn walk(data: &[u8]) -> Option<Vec<Window>> {
        records(data, &EvtxChunkHeader::from_bytes(data).unwrap())
    }

    #[test]
    fn plain_chunks_are_walked_to_the_last_record() {
        let w = walk(&chunk(&[7, 8, 9], 9)).unwrap();
        assert_eq!(w.iter().map(|w| w.id).collect::<Vec<_>>(), [7, 8, 9]);
        assert_eq!(
            w[0],
            Window { id: 7, time: Timestamp(1_704_067_200_000_000), start: 536, len: 12 }
        );
    }

    #[test]
    fn anything_unusual_goes_to_the_crate() {
        // A stale record after the live ones, which the crate carves.
        let mut data = chunk(&[1, 2], 1);
        assert!(walk(&data).is_none());
        // A damaged header.
        data = chunk(&[1, 2], 2);
        data[CHUNK_HEADER + 40] = b'x';
        assert!(walk(&data).is_none());
        // A size below a record header's.
        data = chunk(&[1], 1);
        data[CHUNK_HEADER + 4..CHUNK_HEADER + 8].copy_from_slice(&20u32.to_le_bytes());
        assert!(walk(&data).is_none());
        // A time before 1970.
        data = chunk(&[1], 1);
        data[CHUNK_HEADER + 16..CHUNK_HEADER + 24].copy_from_slice(&1u64.to_le_bytes());
        assert!(walk(&data).is_none());
    }
}
