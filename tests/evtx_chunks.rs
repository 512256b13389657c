//! The chunks wutriage finds in an .evtx file straight from its bytes are the ones the
//! crate's chunk iterator yields (`src/parse/evtx/chunks.rs`): on the fixtures, on written
//! files bent the ways a dirty log is (wrapped, emptied, damaged, cut short), and on the
//! corpus.
#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "test code")]

mod common;
#[path = "support/evtx_writer.rs"]
mod evtx_writer;

use evtx_writer::{EventSpec, Payload, write_evtx};

const CHUNK: usize = 65_536;
const FIRST: usize = 4096;

fn same_chunks(bytes: &[u8]) -> usize {
    wutriage::fuzzing::evtx_chunks(bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// A log of a few chunks.
fn written() -> Vec<u8> {
    let events: Vec<EventSpec> = (0..1500_i64)
        .map(|i| EventSpec {
            provider: "disk".to_owned(),
            provider_guid: None,
            event_id: 7,
            qualifiers: Some(0xC004),
            level: 2,
            time_unix_micros: 1_715_700_000_000_000 + i * 1_000_003,
            channel: "System".to_owned(),
            computer: "WS-0042.corp.example".to_owned(),
            payload: Payload::Classic {
                data: vec![format!("\\Device\\Harddisk{i}\\DR0")],
                binary: None,
            },
        })
        .collect();
    let bytes = write_evtx(&events);
    assert!((bytes.len() - FIRST) / CHUNK >= 4, "too few chunks");
    bytes
}

fn chunk(bytes: &mut [u8], n: usize) -> &mut [u8] {
    &mut bytes[FIRST + n * CHUNK..FIRST + (n + 1) * CHUNK]
}

#[test]
fn fixtures() {
    let mut seen = 0;
    let mut dirs = vec![common::fixture("bundles")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "evtx") {
                same_chunks(&std::fs::read(&p).unwrap());
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "no .evtx fixture");
}

#[test]
fn written_and_bent() {
    let clean = written();
    let n = (clean.len() - FIRST) / CHUNK;
    assert_eq!(same_chunks(&clean), n);

    // Wrapped around: the oldest chunk is in the middle of the file.
    let mut wrapped = clean.clone();
    let (head, tail) = wrapped[FIRST..].split_at_mut(2 * CHUNK);
    let mut rotated = tail.to_vec();
    rotated.extend_from_slice(head);
    wrapped[FIRST..].copy_from_slice(&rotated);
    assert_eq!(same_chunks(&wrapped), n);

    // An empty chunk in the middle, one with a bad magic, and both in a wrapped log.
    let mut dirty = wrapped.clone();
    chunk(&mut dirty, 1).fill(0);
    chunk(&mut dirty, 3)[..8].copy_from_slice(b"NotChnk\0");
    assert_eq!(same_chunks(&dirty), n - 1);

    // Cut short inside the last chunk, and with trailing bytes after it.
    same_chunks(&clean[..clean.len() - 100]);
    let mut long = clean.clone();
    long.extend_from_slice(&[0x41; 3000]);
    same_chunks(&long);

    // A header block over 4 KiB: the iterator reads past the counted chunks; and under it:
    // the last counted chunk is incomplete.
    for size in [8192_u16, 65535, 1024, 128] {
        let mut odd = clean.clone();
        odd[40..42].copy_from_slice(&size.to_le_bytes());
        same_chunks(&odd);
        let mut odd_dirty = dirty.clone();
        odd_dirty[40..42].copy_from_slice(&size.to_le_bytes());
        odd_dirty.extend_from_slice(&vec![0; CHUNK]);
        odd_dirty.extend_from_slice(&clean[FIRST..FIRST + CHUNK]);
        same_chunks(&odd_dirty);
    }

    // No chunk at all, and a header alone.
    same_chunks(&clean[..FIRST]);
    same_chunks(&clean[..FIRST + 100]);
}

#[test]
fn corpus() {
    let Some(dir) = common::corpus() else { return };
    let mut seen = 0;
    for e in std::fs::read_dir(dir.join("evtx")).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "evtx") {
            let n = same_chunks(&std::fs::read(&p).unwrap());
            eprintln!("{}: {n} chunks", p.display());
            seen += 1;
        }
    }
    assert!(seen > 0, "no .evtx file in the corpus");
}
