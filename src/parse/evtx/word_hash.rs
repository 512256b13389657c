//! A quick hash for the evtx caches, whose keys (value bytes, template keys, chunk offsets)
//! are looked up once or more per record.
//!
//! The standard hasher (`SipHash`) was most of the cost of those lookups. This one folds
//! eight bytes at a time with a multiply and mixes the result at the end. Keys come from
//! the file, so each table draws its own seed from the standard library's random keys:
//! crafted input cannot aim its keys at one bucket without knowing it (and every table is
//! capped, which bounds the damage anyway).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// Builds [`WordHasher`]s with one random seed.
#[derive(Debug, Clone)]
pub(crate) struct Seeded(u64);

impl Default for Seeded {
    fn default() -> Self {
        Seeded(RandomState::new().hash_one(0x5eed_u64) | 1)
    }
}

impl BuildHasher for Seeded {
    type Hasher = WordHasher;
    fn build_hasher(&self) -> WordHasher {
        WordHasher(self.0)
    }
}

/// Folds input eight bytes at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    fn fold(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(K);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Long keys (a record's value bytes run to hundreds) four words at a time in four
        // lanes: one chain of multiplies was as slow as its latency. The lanes start apart
        // and are folded in, in order, so words swapped between lanes hash apart.
        let mut rest = bytes;
        if bytes.len() >= 64 {
            let s = self.0;
            let mut lanes = [s, s ^ K, s.rotate_left(17), s.rotate_left(41) ^ K];
            let mut blocks = bytes.chunks_exact(32);
            for block in &mut blocks {
                for (lane, w) in lanes.iter_mut().zip(block.chunks_exact(8)) {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(w);
                    *lane = (lane.rotate_left(23) ^ u64::from_le_bytes(b)).wrapping_mul(K);
                }
            }
            for lane in lanes {
                self.fold(lane);
            }
            rest = blocks.remainder();
        }
        let mut words = rest.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.fold(u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            if let Some(head) = b.get_mut(..rest.len()) {
                head.copy_from_slice(rest);
            }
            // The length keeps "a" and "a\0" apart.
            self.fold(u64::from_le_bytes(b) ^ (rest.len() as u64) << 59);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.fold(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.fold(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.fold(n as u64);
    }

    fn finish(&self) -> u64 {
        // Every output bit depends on every input bit (the table uses both ends).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_that_differ_hash_apart_and_equal_keys_alike() {
        let s = Seeded::default();
        assert_eq!(s.hash_one(b"abc".to_vec()), s.hash_one(b"abc".to_vec()));
        assert_ne!(s.hash_one(b"a".to_vec()), s.hash_one(b"a\0".to_vec()));
        assert_ne!(s.hash_one(7u32), s.hash_one(8u32));
        let mut set: HashSet<Vec<u8>, Seeded> = HashSet::with_hasher(s.clone());
        for i in 0..1000u32 {
            set.insert(i.to_le_bytes().repeat(3));
        }
        assert!(set.contains(&7u32.to_le_bytes().repeat(3)));
        assert!(!set.contains(&1000u32.to_le_bytes().repeat(3)));
        // Long keys go through the lanes: a changed byte anywhere, or two words swapped
        // between lanes, hashes apart.
        let long: Vec<u8> = (0..200u8).collect();
        for at in [0, 7, 8, 31, 32, 63, 64, 130, 199] {
            let mut other = long.clone();
            other[at] ^= 1;
            assert_ne!(s.hash_one(&long), s.hash_one(&other), "byte {at}");
        }
        let mut swapped = long.clone();
        swapped[..8].copy_from_slice(&long[8..16]);
        swapped[8..16].copy_from_slice(&long[..8]);
        assert_ne!(s.hash_one(&long), s.hash_one(&swapped));
        assert_eq!(s.hash_one(&long), s.hash_one(long.as_slice()));
    }
}
