//! Getting a file's bytes: memory-mapped when large, read otherwise, always read-only.

use super::guard::GuardedMap;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;

/// Files at least this large are mapped (below it, a read is cheaper than a mapping).
pub(crate) const MMAP_THRESHOLD: u64 = 1 << 20;

/// How to get file bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadMode {
    /// Map large files, read small ones.
    #[default]
    Auto,
    /// Map every non-empty file (falls back to reading if mapping fails).
    Mmap,
    /// Read every file into memory.
    Read,
}

/// The bytes of one input file or archive member.
#[derive(Debug)]
pub(crate) enum Content {
    Mapped(GuardedMap),
    Owned(Vec<u8>),
}

impl Content {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Content::Mapped(m) => m.bytes(),
            Content::Owned(v) => v,
        }
    }

    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self, Content::Mapped(_))
    }

    /// Whether a mapped file shrank while it was read.
    pub(crate) fn shrank(&self) -> bool {
        matches!(self, Content::Mapped(m) if m.shrank())
    }
}

/// Opens `path` read-only and returns its bytes.
pub(crate) fn load(path: &Path, mode: ReadMode) -> io::Result<Content> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let want_map = match mode {
        ReadMode::Auto => len >= MMAP_THRESHOLD,
        ReadMode::Mmap => len > 0,
        ReadMode::Read => false,
    };
    if want_map && let Ok(map) = GuardedMap::map(&file) {
        return Ok(Content::Mapped(map));
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut buf)?;
    Ok(Content::Owned(buf))
}

/// The bytes of a temporary file this process wrote (a large archive member): mapped, or
/// read back if mapping fails.
pub(crate) fn from_spilled(file: &mut File, len: u64) -> io::Result<Content> {
    if let Ok(map) = GuardedMap::map(file) {
        return Ok(Content::Mapped(map));
    }
    file.rewind()?;
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut buf)?;
    Ok(Content::Owned(buf))
}
