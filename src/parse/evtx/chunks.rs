//! The chunks of an .evtx file, found as the crate's chunk iterator finds them but read
//! straight from the file's bytes: the chunks of one file can then go to the pool as soon
//! as their numbers are known, with no serial read (and copy) of each 64 KiB ahead of them.
//!
//! The crate's rules (evtx 0.15.1, `EvtxParser::chunks`): chunks are numbered from the end
//! of the 4 KiB file header; there are `(file size - header block size) / 64 KiB` of them;
//! the walk starts at the chunk whose header names the lowest record ID, goes on past the
//! counted chunks while whole, readable ones follow, then wraps around to the first chunk;
//! all-zero chunks are skipped. [`check_chunks`] compares this with the crate's iterator.

use evtx::EvtxChunkHeader;
use evtx::err::{ChunkError, EvtxError};

/// Bytes in one chunk.
pub(crate) const CHUNK_SIZE: usize = 65536;
/// Where the first chunk starts, whatever the file header says its size is.
const FIRST_CHUNK: usize = 4096;
/// Bytes in a chunk header.
const CHUNK_HEADER_SIZE: usize = 512;

/// The bytes of chunk `number`, when the file holds all of them.
fn bytes_of(bytes: &[u8], number: u64) -> Option<&[u8]> {
    let start = usize::try_from(number).ok()?.checked_mul(CHUNK_SIZE)?.checked_add(FIRST_CHUNK)?;
    bytes.get(start..start.checked_add(CHUNK_SIZE)?)
}

/// Reads chunk `number` and its header: the crate's checks, without checksums (wutriage
/// never asks for them), with the errors it gives; `None` for an all-zero chunk, which the
/// crate's iterator skips.
pub(crate) fn read(
    bytes: &[u8],
    number: u64,
) -> Result<Option<(&[u8], EvtxChunkHeader)>, EvtxError> {
    let chunk_error =
        |e: ChunkError| EvtxError::FailedToParseChunk { chunk_id: number, source: Box::new(e) };
    let data = bytes_of(bytes, number).ok_or_else(|| chunk_error(ChunkError::IncompleteChunk))?;
    if data.iter().all(|b| *b == 0) {
        return Ok(None);
    }
    let header = EvtxChunkHeader::from_bytes(data)
        .map_err(|e| chunk_error(ChunkError::FailedToParseChunkHeader(e)))?;
    Ok(Some((data, header)))
}

/// The numbers of the chunks the crate's iterator reads, in its order, for a file whose
/// header block is `header_block_size` bytes (the file header read).
pub(crate) fn numbers(bytes: &[u8], header_block_size: u16) -> Vec<u64> {
    let count = (bytes.len().saturating_sub(usize::from(header_block_size)) / CHUNK_SIZE) as u64;
    let oldest = oldest(bytes, count);
    let mut out: Vec<u64> = (oldest..count).collect();
    // Past the counted chunks, the iterator goes on while chunks are whole and read, and
    // stops at the first that is not (only possible with a header block over 4 KiB).
    let mut n = count;
    while bytes_of(bytes, n).is_some() {
        match read(bytes, n) {
            Ok(None) => {}
            Ok(Some(_)) => out.push(n),
            Err(_) => break,
        }
        n += 1;
    }
    out.extend(0..oldest);
    out
}

/// The counted chunk whose header names the lowest record ID (the first such), where the
/// crate starts; 0 when none does.
fn oldest(bytes: &[u8], count: u64) -> u64 {
    let mut oldest = (u64::MAX, 0);
    for n in 0..count {
        let Some(header) = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(CHUNK_SIZE)?.checked_add(FIRST_CHUNK))
            .and_then(|at| bytes.get(at..at.checked_add(CHUNK_HEADER_SIZE)?))
        else {
            break;
        };
        if let Ok(h) = EvtxChunkHeader::from_bytes(header)
            && h.first_event_record_id <= h.last_event_record_id
            && h.first_event_record_id < oldest.0
        {
            oldest = (h.first_event_record_id, n);
        }
    }
    oldest.1
}

/// Checks that [`numbers`] and [`read`] find the chunks the crate's iterator yields, in its
/// order, with the same bytes or the same error. Returns how many chunks it yielded.
pub(crate) fn check_chunks(bytes: &[u8]) -> Result<usize, String> {
    let Ok(mut parser) = evtx::EvtxParser::from_read_seek(std::io::Cursor::new(bytes)) else {
        return Ok(0);
    };
    let ours: Vec<Result<(u64, &[u8]), String>> = numbers(bytes, parser.header().header_block_size)
        .into_iter()
        .filter_map(|n| match read(bytes, n) {
            Ok(None) => None,
            Ok(Some((bytes, _))) => Some(Ok((n, bytes))),
            Err(e) => Some(Err(format!("{e:?}"))),
        })
        .collect();
    let theirs: Vec<Result<(u64, Vec<u8>), String>> = parser
        .chunks()
        .map(|c| match c {
            Ok(c) => Ok((c.number.unwrap_or(u64::MAX), c.data)),
            Err(e) => Err(format!("{e:?}")),
        })
        .collect();
    if ours.len() != theirs.len() {
        return Err(format!("{} chunks found, the crate read {}", ours.len(), theirs.len()));
    }
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        let same = match (a, b) {
            (Ok((n, d)), Ok((m, e))) => n == m && d == &e.as_slice(),
            (Err(x), Err(y)) => x == y,
            _ => false,
        };
        if !same {
            let show = |r: Result<u64, &String>| format!("{r:?}");
            return Err(format!(
                "chunk {i}: found {}, the crate read {}",
                show(a.as_ref().map(|(n, _)| *n)),
                show(b.as_ref().map(|(n, _)| *n))
            ));
        }
    }
    Ok(theirs.len())
}
