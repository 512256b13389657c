//! Getting a file's bytes: memory-mapped when large, read otherwise, always read-only.

use memmap2::Mmap;
use std::fs::File;
use std::io::{self, Read};
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
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Content {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Content::Mapped(m) => m,
            Content::Owned(v) => v,
        }
    }

    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self, Content::Mapped(_))
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
    if want_map && let Ok(map) = map_file(&file) {
        return Ok(Content::Mapped(map));
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut buf)?;
    Ok(Content::Owned(buf))
}

#[expect(unsafe_code, reason = "memmap2 cannot make mapping a file safe; see SAFETY below")]
fn map_file(file: &File) -> io::Result<Mmap> {
    // SAFETY: the mapping is read-only and private to this process. The real risk is another
    // process truncating or rewriting the file while it is mapped: reads past a truncation
    // raise SIGBUS, and rewrites change bytes under our feet. Evidence bundles are copies at
    // rest, and `ReadMode::Read` exists for inputs that may still be written to.
    unsafe { Mmap::map(file) }
}
