//! Getting a file's bytes: memory-mapped when large, read otherwise, always read-only.
//!
//! Nothing is allocated from a size the file claims. The first [`PROBE`] bytes are read
//! first and classified ([`super::sniff`] looks no further); of a binary file that is not a
//! log, an archive or a dump only the first [`KEPT_OF_BINARY`] bytes are kept, of a memory
//! dump the probe (its reader wants the header). Of any other file, at most `max_file_bytes` and what is left of the bundle's
//! `max_bundle_bytes` are mapped or read, and never more than the size the file system
//! reports (a `/proc` file that says 0 and never ends gives nothing).

use super::decode::Encoding;
use super::guard::GuardedMap;
use super::sniff::{self, Kind};
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;

/// Bytes read of every file before deciding whether to read the rest: enough for every
/// decision [`sniff::sniff`] makes (64 KiB of text, 128 KiB of UTF-16).
pub(crate) const PROBE: u64 = 128 << 10;

/// Bytes kept of a binary file that nothing reads (its signature, for whoever looks).
const KEPT_OF_BINARY: usize = 4 << 10;

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

/// Whether sniffing a whole file gives what sniffing its probe `head` gave, `kind`: the
/// probe is whole, [`sniff::sniff`] reads no further than it (64 KiB for the encoding from
/// the start of the text, 128 KiB of UTF-16), and the answer does not come from the scan of
/// the whole file for a digit that decides between unrecognised text and the last-resort
/// reader. A file that starts with NULs is left out: the encoding is chosen after them.
fn probe_decides(head: &[u8], kind: Kind) -> bool {
    head.len() as u64 == PROBE
        && head.first().is_some_and(|&b| b != 0)
        && !matches!(kind, Kind::Unknown | Kind::Text)
}

/// How files on disk are read, and what is left of the bundle's byte budget.
#[derive(Debug)]
pub(crate) struct Loader {
    pub(crate) mode: ReadMode,
    pub(crate) max_file_bytes: u64,
    /// Bytes the bundle may still read or map.
    pub(crate) bundle_left: u64,
    /// The bundle's cap, for messages.
    pub(crate) max_bundle_bytes: u64,
}

/// One file's bytes as loaded.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) content: Content,
    /// Its size on disk.
    pub(crate) size: u64,
    /// What was left unread of a log, and why (a problem to show).
    pub(crate) cut: Option<String>,
    /// What the probe found, when the rest was not read (sniffing what was kept could
    /// give another answer) or when the probe alone decides it.
    pub(crate) sniffed: Option<sniff::Sniffed>,
}

impl Loader {
    /// Opens `path` read-only and loads what is worth reading of it (see the module docs).
    pub(crate) fn load(&mut self, path: &Path) -> io::Result<Loaded> {
        let mut file = File::open(path)?;
        let size = file.metadata()?.len();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut head = Vec::new();
        (&mut file).take(PROBE.min(size).min(self.bundle_left)).read_to_end(&mut head)?;
        let probed = head.len() as u64;
        self.bundle_left -= probed;
        if probed >= size {
            return Ok(Loaded { content: Content::Owned(head), size, cut: None, sniffed: None });
        }
        let mut sniffed = None;
        if sniff::container(&head).is_none() {
            let s = sniff::sniff(&name, &head);
            // Text of a format not recognised is still read: a lenient reader may want it.
            let binary = s.kind == Kind::Unknown && s.encoding == Encoding::Binary;
            if binary || s.kind == Kind::MemoryDump {
                if binary {
                    head.truncate(KEPT_OF_BINARY);
                    head.shrink_to_fit();
                }
                let content = Content::Owned(head);
                return Ok(Loaded { content, size, cut: None, sniffed: Some(s) });
            }
            // The answer stands for the whole file when it rests on the probe alone (see
            // [`probe_decides`]): the file is not sniffed a second time.
            sniffed = probe_decides(&head, s.kind).then_some(s);
        }
        let want = size.min(self.max_file_bytes).min(self.bundle_left + probed);
        let cut = (want < size).then(|| self.cut_note(want, size));
        let want_map = match self.mode {
            ReadMode::Auto => want >= MMAP_THRESHOLD,
            ReadMode::Mmap => true,
            ReadMode::Read => false,
        };
        if want_map && let Ok(map) = GuardedMap::map(&file, want) {
            self.bundle_left -= want - probed;
            return Ok(Loaded { content: Content::Mapped(map), size, cut, sniffed });
        }
        // Read on from the end of the probe; the buffer grows with what is really there.
        (&mut file).take(want - probed).read_to_end(&mut head)?;
        self.bundle_left = self.bundle_left.saturating_sub(head.len() as u64 - probed);
        Ok(Loaded { content: Content::Owned(head), size, cut, sniffed })
    }

    /// Why only `read` bytes of a log of `size` are read.
    fn cut_note(&self, read: u64, size: u64) -> String {
        let (what, flag, cap) = if read >= self.max_file_bytes {
            ("the per-file", "--max-file-bytes", self.max_file_bytes)
        } else {
            ("the bundle's", "--max-bundle-bytes", self.max_bundle_bytes)
        };
        format!(
            "only the first {} of {} read: {what} limit of {} was reached (raise it with {flag})",
            human(read),
            human(size),
            human(cap)
        )
    }
}

/// A byte count for messages: `64 GiB`, `1.5 MiB`, `512 bytes`.
pub(crate) fn human(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if n >= unit {
            #[expect(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
            let v = n as f64 / unit as f64;
            return if n.is_multiple_of(unit) {
                format!("{} {name}", n / unit)
            } else {
                format!("{v:.1} {name}")
            };
        }
    }
    format!("{n} bytes")
}

/// The bytes of a temporary file this process wrote (a large archive member): mapped, or
/// read back if mapping fails.
pub(crate) fn from_spilled(file: &mut File, len: u64) -> io::Result<Content> {
    if let Ok(map) = GuardedMap::map(file, len) {
        return Ok(Content::Mapped(map));
    }
    file.rewind()?;
    let mut buf = Vec::new();
    file.take(len).read_to_end(&mut buf)?;
    Ok(Content::Owned(buf))
}
