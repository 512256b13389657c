//! The file's layout: a sequence of WMI buffers, each a `WMI_BUFFER_HEADER` and then trace
//! records, 8-byte aligned, up to the buffer's filled offset. Sizes in headers are checked
//! against the bytes there: a buffer whose header lies is damaged and the walk goes on at
//! the next buffer boundary; a record that runs past its buffer ends that buffer.

/// Size of `WMI_BUFFER_HEADER` (Geoff Chappell, "`WMI_BUFFER_HEADER`"; Microsoft's
/// `ETW_BUFFER_HEADER` documents the same 0x48 bytes with most fields reserved).
pub(super) const BUFFER_HEADER: usize = 0x48;
/// Largest buffer believed (real sessions use 4 KiB to a few MiB).
pub(super) const MAX_BUFFER: usize = 1 << 30;
/// `BufferType` of the buffer that holds the session's header (`ETW_BUFFER_TYPE_HEADER`).
const BUFFER_TYPE_HEADER: u16 = 4;
/// `BufferFlag` of a buffer whose records are compressed (`ETW_BUFFER_FLAG_COMPRESSED`).
const BUFFER_FLAG_COMPRESSED: u16 = 0x40;

pub(super) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at.checked_add(2)?).and_then(|s| s.try_into().ok()).map(u16::from_le_bytes)
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?).and_then(|s| s.try_into().ok()).map(u32::from_le_bytes)
}

pub(super) fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at.checked_add(8)?).and_then(|s| s.try_into().ok()).map(u64::from_le_bytes)
}

pub(super) fn i64_at(b: &[u8], at: usize) -> Option<i64> {
    u64_at(b, at).map(|v| v as i64)
}

/// One buffer of the file.
#[derive(Debug, Clone, Copy)]
pub(super) struct Buffer<'a> {
    /// Where it starts in the file.
    pub(super) offset: usize,
    /// Its bytes from its header to its filled offset (or to the end of the file).
    pub(super) data: &'a [u8],
    /// The buffer that holds the session's header.
    pub(super) is_header: bool,
    /// Its records are compressed.
    pub(super) compressed: bool,
    /// The file ends inside it: bytes its header counts are missing.
    pub(super) cut: bool,
}

/// What the walk found at one buffer boundary.
#[derive(Debug)]
pub(super) enum Step<'a> {
    /// A buffer to read.
    Buffer(Buffer<'a>),
    /// Zeros where a buffer would be (space a logger reserved and never filled).
    Empty,
    /// A buffer whose header cannot be believed; its records are lost.
    Damaged {
        /// Where it starts in the file.
        offset: usize,
        /// What is wrong with it.
        why: String,
    },
}

/// The buffers of a file, walked from its start.
#[derive(Debug)]
pub(super) struct Buffers<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The session's buffer size (from its header): where to look for the next buffer
    /// when one's own size cannot be believed.
    nominal: usize,
}

impl<'a> Buffers<'a> {
    pub(super) fn new(bytes: &'a [u8], nominal: usize) -> Self {
        Buffers { bytes, at: 0, nominal: nominal.clamp(BUFFER_HEADER, MAX_BUFFER) }
    }
}

fn all_zero(b: &[u8]) -> bool {
    b.iter().all(|&x| x == 0)
}

impl<'a> Iterator for Buffers<'a> {
    type Item = Step<'a>;

    fn next(&mut self) -> Option<Step<'a>> {
        let offset = self.at;
        let rest = self.bytes.get(offset..).filter(|r| !r.is_empty())?;
        if rest.len() < BUFFER_HEADER {
            self.at = self.bytes.len();
            return Some(if all_zero(rest) {
                Step::Empty
            } else {
                Step::Damaged {
                    offset,
                    why: format!("the file ends {} bytes into a buffer header", rest.len()),
                }
            });
        }
        let size = u32_at(rest, 0).unwrap_or(0) as usize;
        if !(BUFFER_HEADER..=MAX_BUFFER).contains(&size) || !size.is_multiple_of(8) {
            let skip = self.nominal.min(rest.len());
            self.at = offset + skip;
            return Some(if all_zero(rest.get(..skip).unwrap_or_default()) {
                Step::Empty
            } else {
                Step::Damaged {
                    offset,
                    why: format!("its header gives an impossible size ({size})"),
                }
            });
        }
        let avail = size.min(rest.len());
        self.at = offset + avail;
        // `Offset` (0x30, documented as `FilledBytes` of ETW_BUFFER_HEADER) is the end of
        // the records; `SavedOffset` (0x04) is the same in every buffer but the header one,
        // where it stops before the session's build and symbol records.
        let filled = [0x30, 0x04]
            .into_iter()
            .filter_map(|at| u32_at(rest, at))
            .map(|f| f as usize)
            .find(|f| (BUFFER_HEADER..=size).contains(f));
        let Some(filled) = filled else {
            return Some(Step::Damaged {
                offset,
                why: format!(
                    "its filled offset ({}) lies outside the buffer ({size} bytes)",
                    u32_at(rest, 0x30).unwrap_or(0)
                ),
            });
        };
        let flags = u16_at(rest, 0x34).unwrap_or(0);
        Some(Step::Buffer(Buffer {
            offset,
            data: rest.get(..filled.min(avail)).unwrap_or_default(),
            is_header: offset == 0 || u16_at(rest, 0x36) == Some(BUFFER_TYPE_HEADER),
            compressed: flags & BUFFER_FLAG_COMPRESSED != 0,
            cut: size > avail,
        }))
    }
}

/// What a trace record is, from the type and flags bytes of its header (Geoff Chappell,
/// "Trace Headers": `TRACE_HEADER_FLAG` 0x80, `TRACE_HEADER_EVENT_TRACE` 0x40, and the
/// header types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RecordKind {
    /// `EVENT_HEADER` (types 0x12, 0x13): a manifest-based or TraceLogging event.
    Event,
    /// `SYSTEM_TRACE_HEADER` or its compact form (types 1–4): the kernel logger's records
    /// and the session's own.
    System,
    /// `PERFINFO_TRACE_HEADER` (types 0x10, 0x11).
    PerfInfo,
    /// `EVENT_TRACE_HEADER` and its relatives (types 0x0A–0x0F, 0x14, 0x15): classic
    /// MOF-described events.
    Classic,
    /// `MESSAGE_TRACE_HEADER`: a WPP message, which only its TMF files describe.
    Message,
}

/// One record of a buffer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Record<'a> {
    pub(super) kind: RecordKind,
    pub(super) bytes: &'a [u8],
}

/// The records of one buffer; after a record that cannot be framed, one `Err` with what is
/// wrong and nothing more.
#[derive(Debug)]
pub(super) struct Records<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Records<'a> {
    pub(super) fn new(buffer: &Buffer<'a>) -> Self {
        Records { data: buffer.data, at: BUFFER_HEADER }
    }
}

/// The kind, the offset of its 16-bit size in the header, and the smallest size of a record
/// whose header starts with `head` (its first four bytes).
fn frame(head: [u8; 4]) -> Option<(RecordKind, usize, usize)> {
    let [_, _, kind, flags] = head;
    if flags & 0xC0 == 0xC0 {
        Some(match kind {
            1 | 2 => (RecordKind::System, 4, 0x20),
            3 | 4 => (RecordKind::System, 4, 0x18),
            0x10 | 0x11 => (RecordKind::PerfInfo, 4, 0x10),
            0x12 | 0x13 => (RecordKind::Event, 0, 0x50),
            0x0A..=0x0F | 0x14 | 0x15 => (RecordKind::Classic, 0, 0x30),
            _ => return None,
        })
    } else if flags & 0xC0 == 0x80 {
        Some((RecordKind::Message, 0, 8))
    } else {
        None
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.at;
        let rest = self.data.get(at..).filter(|r| !r.is_empty())?;
        // Stop for good after this record, whatever it is.
        self.at = self.data.len();
        if all_zero(rest) {
            return None;
        }
        let Some(&head) = rest.first_chunk::<4>() else {
            return Some(Err(format!("{} stray bytes at its end", rest.len())));
        };
        let Some((kind, size_at, min)) = frame(head) else {
            return Some(Err(format!(
                "unknown record header {:02x} {:02x} at offset 0x{at:x}",
                head[2], head[3]
            )));
        };
        let size = usize::from(u16_at(rest, size_at).unwrap_or(0));
        if size < min || size > rest.len() {
            return Some(Err(format!(
                "a record at offset 0x{at:x} gives a size of {size} bytes, {}",
                if size < min { "shorter than its header" } else { "past the buffer's end" }
            )));
        }
        self.at = at + size.next_multiple_of(8);
        Some(Ok(Record { kind, bytes: rest.get(..size).unwrap_or_default() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(size: usize, filled: usize, records: &[&[u8]]) -> Vec<u8> {
        let mut b = vec![0u8; size];
        b[..4].copy_from_slice(&(size as u32).to_le_bytes());
        b[4..8].copy_from_slice(&(filled as u32).to_le_bytes());
        b[0x30..0x34].copy_from_slice(&(filled as u32).to_le_bytes());
        let mut at = BUFFER_HEADER;
        for r in records {
            b[at..at + r.len()].copy_from_slice(r);
            at += r.len().next_multiple_of(8);
        }
        b
    }

    fn event(size: u16) -> Vec<u8> {
        let mut r = vec![0u8; usize::from(size)];
        r[..4].copy_from_slice(&[size.to_le_bytes()[0], size.to_le_bytes()[1], 0x13, 0xC0]);
        r
    }

    #[test]
    fn records_are_framed_by_their_headers() {
        let e = event(0x52);
        let b = buffer(0x200, BUFFER_HEADER + 0x58 * 2, &[&e, &e]);
        let Some(Step::Buffer(buf)) = Buffers::new(&b, 0x200).next() else { panic!() };
        let recs: Vec<_> = Records::new(&buf).collect();
        assert_eq!(recs.len(), 2);
        assert!(recs.iter().all(|r| r.as_ref().is_ok_and(|r| r.kind == RecordKind::Event)));
    }

    #[test]
    fn a_lying_record_ends_its_buffer() {
        let mut e = event(0x60);
        e[..2].copy_from_slice(&0x60F0u16.to_le_bytes()); // past the buffer
        let b = buffer(0x200, 0x1F0, &[&event(0x50), &e]);
        let Some(Step::Buffer(buf)) = Buffers::new(&b, 0x200).next() else { panic!() };
        let recs: Vec<_> = Records::new(&buf).collect();
        assert_eq!(recs.len(), 2);
        assert!(recs[1].as_ref().is_err_and(|e| e.contains("past the buffer's end")));
    }

    #[test]
    fn a_lying_buffer_is_skipped_by_the_nominal_size() {
        let mut file = buffer(0x200, 0x50 + BUFFER_HEADER, &[&event(0x50)]);
        let mut bad = buffer(0x200, 0x98, &[]);
        bad[..4].copy_from_slice(&7u32.to_le_bytes());
        file.extend_from_slice(&bad);
        file.extend_from_slice(&vec![0u8; 0x200]);
        file.extend_from_slice(&buffer(0x200, 0x50 + BUFFER_HEADER, &[&event(0x50)]));
        let steps: Vec<_> = Buffers::new(&file, 0x200).collect();
        assert!(matches!(steps[0], Step::Buffer(_)));
        assert!(matches!(&steps[1], Step::Damaged { offset: 0x200, why } if why.contains("(7)")));
        assert!(matches!(steps[2], Step::Empty));
        assert!(matches!(steps[3], Step::Buffer(Buffer { offset: 0x600, .. })));
        assert_eq!(steps.len(), 4);
    }

    #[test]
    fn a_cut_file_reads_what_is_there() {
        let mut file = buffer(0x200, 0x1F8, &[&event(0x50), &event(0x50)]);
        file.truncate(0xA0);
        let Some(Step::Buffer(buf)) = Buffers::new(&file, 0x200).next() else { panic!() };
        assert!(buf.cut);
        assert_eq!(Records::new(&buf).flatten().count(), 1);
    }
}
