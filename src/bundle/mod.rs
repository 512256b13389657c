//! Opening a bundle: folders, loose files, zips and cabs become a flat list of [`Artifact`]s,
//! each recognised by content ([`Kind`]) and holding its bytes (mapped or in memory).
//!
//! This module reads bytes and decides what they are; it knows nothing of log grammars
//! beyond the first-line shapes in [`crate::shapes`].

mod archive;
pub mod decode;
mod guard;
mod input;
mod setup_sniff;
mod sniff;

pub use decode::Encoding;
pub use input::ReadMode;
pub use sniff::Kind;

use crate::error::Error;
use input::{Content, Loaded, Loader};
use std::fs;
use std::path::{Path, PathBuf};

/// Options for [`Bundle::open`].
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// How file bytes are obtained.
    pub read_mode: ReadMode,
    /// Cap on the bytes decompressed from archives, over the whole bundle.
    pub max_archive_bytes: u64,
    /// How deep folders and nested archives are followed.
    pub max_depth: usize,
    /// Cap on the bytes read or mapped of one file on disk; a longer log is read up to it.
    pub max_file_bytes: u64,
    /// Cap on the bytes read or mapped of files on disk, over the whole bundle.
    pub max_bundle_bytes: u64,
}

/// Default archive cap: 4 GiB of decompressed members.
pub const DEFAULT_MAX_ARCHIVE_BYTES: u64 = 4 << 30;

/// Default cap per file on disk: 4 GiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 << 30;

/// Default cap per bundle of files on disk: 16 GiB.
pub const DEFAULT_MAX_BUNDLE_BYTES: u64 = 16 << 30;

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            read_mode: ReadMode::Auto,
            max_archive_bytes: DEFAULT_MAX_ARCHIVE_BYTES,
            max_depth: 32,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_bundle_bytes: DEFAULT_MAX_BUNDLE_BYTES,
        }
    }
}

/// One input file or archive member.
#[derive(Debug)]
pub struct Artifact {
    /// Path relative to the bundle root, with `/` separators (archive members as
    /// `logs.zip/CBS.log`).
    pub path: String,
    /// Size in bytes (decompressed size for archive members).
    pub size: u64,
    /// What it is.
    pub kind: Kind,
    /// Its text encoding (or `Binary`).
    pub encoding: Encoding,
    /// Why it was skipped, or a note on it (sanitized archive names).
    pub note: Option<String>,
    /// Whether the note is a problem to show the user (unreadable, damaged, misnamed or
    /// renamed), not just information.
    pub warn: bool,
    /// Its lines were changed on the way to a ticket (copy prefixes, spacing, redacted
    /// times): it is read by the lenient reader of fragments.
    pub lenient: bool,
    /// Documentation in no log format, read only when the bundle has nothing else.
    doc: bool,
    content: Content,
    /// Where UTF-16LE text appended to this UTF-8 file starts.
    utf16_from: Option<usize>,
}

impl Artifact {
    /// The raw bytes.
    pub fn bytes(&self) -> &[u8] {
        self.content.bytes()
    }

    /// Whether the file was mapped and part of it vanished while it was read (another
    /// process truncated it); the vanished bytes read as zeros.
    pub fn shrank_while_read(&self) -> bool {
        self.content.shrank()
    }

    /// Whether the bytes are memory-mapped.
    pub fn is_mapped(&self) -> bool {
        self.content.is_mapped()
    }

    /// The decoded text (borrowed when the bytes are valid UTF-8); a UTF-8 file with
    /// UTF-16 appended is decoded part by part.
    pub fn text(&self) -> decode::Decoded<'_> {
        match self.utf16_from {
            Some(at) => decode::decode_mixed(self.bytes(), at),
            None => decode::decode(self.bytes(), self.encoding),
        }
    }

    /// Whether the text is one encoding throughout, so that its bytes can be parsed as
    /// they are (UTF-8) or decoded whole.
    pub fn is_one_encoding(&self) -> bool {
        self.utf16_from.is_none()
    }

    /// The same artifact without its bytes: what a report of one machine's share of a
    /// bundle needs (path, kind, size, notes) once its events are parsed.
    pub(crate) fn stub(&self) -> Artifact {
        Artifact {
            path: self.path.clone(),
            size: self.size,
            kind: self.kind,
            encoding: self.encoding,
            note: self.note.clone(),
            warn: self.warn,
            lenient: self.lenient,
            doc: self.doc,
            content: Content::Owned(Vec::new()),
            utf16_from: None,
        }
    }

    fn new(path: String, data: Content, note: Option<String>) -> Self {
        let s = sniff::sniff(&path, data.bytes());
        Artifact::sniffed(path, data, note, s)
    }

    /// [`Artifact::new`] with what sniffing found.
    fn sniffed(path: String, data: Content, note: Option<String>, s: sniff::Sniffed) -> Self {
        // A log that is not read by its own reader (named like one, or a .log/.etl/.evtx file
        // of a format wutriage does not analyse) is worth a warning, also when the last-resort
        // reader looks at it; other skipped files (README.txt) only get a note in the inventory.
        let warn = note.is_some()
            || ((!s.kind.is_parsed() || s.kind == Kind::Text)
                && s.note.is_some()
                && named_like_log(&path));
        let utf16_from = (s.kind.is_parsed()
            && matches!(s.encoding, Encoding::Utf8 | Encoding::Utf8Bom))
        .then(|| decode::utf16_tail(data.bytes()))
        .flatten();
        let mixed = utf16_from.map(|at| {
            format!("UTF-16 text appended from byte {at} (PowerShell's >>); each part read in its own encoding")
        });
        let note = [s.note, note, mixed].into_iter().flatten().collect::<Vec<_>>();
        let note = (!note.is_empty()).then(|| note.join("; "));
        Artifact {
            path,
            size: data.bytes().len() as u64,
            kind: s.kind,
            encoding: s.encoding,
            note,
            warn,
            lenient: s.lenient,
            doc: s.doc,
            content: data,
            utf16_from,
        }
    }

    fn failed(path: String, kind: Kind, size: u64, note: String) -> Self {
        Artifact {
            path,
            size,
            kind,
            encoding: Encoding::Binary,
            note: Some(note),
            warn: true,
            lenient: false,
            doc: false,
            content: Content::Owned(Vec::new()),
            utf16_from: None,
        }
    }
}

/// When nothing in a bundle can be read, its documentation (Markdown, HTML) is read by the
/// last-resort reader after all: a pasted ticket saved as `.md` must not be answered with
/// "no log files" while a line of it holds a failure code.
fn last_resort(artifacts: &mut [Artifact]) {
    if artifacts.iter().any(|a| a.kind.is_parsed()) {
        return;
    }
    for a in artifacts.iter_mut().filter(|a| a.doc) {
        a.kind = Kind::Text;
        a.note = Some(format!(
            "{}: {} (the bundle holds nothing else to read)",
            a.note.as_deref().unwrap_or("text"),
            sniff::LAST_RESORT
        ));
    }
}

/// All artifacts of one run, sorted by bundle path.
#[derive(Debug, Default)]
pub struct Bundle {
    /// The artifacts; an event's `Location::artifact` indexes this.
    pub artifacts: Vec<Artifact>,
    /// Inputs that could not be opened at all.
    pub errors: Vec<Error>,
}

/// Decompression budget shared by every archive in a bundle.
#[derive(Debug)]
pub(crate) struct Budget {
    cap: u64,
    /// The most one member may decompress to.
    member_cap: u64,
    used: u64,
    /// Bytes of members kept on the heap (the rest went to temporary files).
    in_memory: u64,
}

/// Heap kept for archive members over a whole bundle; past it every member goes to a
/// temporary file, whatever its size.
const MEMBER_HEAP: u64 = 256 << 20;

impl Budget {
    fn new(cap: u64, member_cap: u64) -> Self {
        Budget { cap, member_cap, used: 0, in_memory: 0 }
    }

    fn remaining(&self) -> u64 {
        self.cap - self.used
    }

    fn spend(&mut self, n: u64, on_heap: bool) {
        self.used = (self.used + n).min(self.cap);
        if on_heap {
            self.in_memory += n;
        }
    }

    /// Heap left for members before they must spill.
    fn heap_left(&self) -> u64 {
        MEMBER_HEAP.saturating_sub(self.in_memory)
    }
}

/// One decompressed archive member.
#[derive(Debug)]
pub(crate) struct Member {
    name: String,
    data: Content,
}

struct Opener<'o> {
    opts: &'o OpenOptions,
    budget: Budget,
    loader: Loader,
    out: Vec<Artifact>,
    /// The folder being walked, links resolved: links that leave it are noted.
    root: Option<PathBuf>,
}

impl<'o> Opener<'o> {
    fn new(opts: &'o OpenOptions) -> Self {
        Opener {
            opts,
            budget: Budget::new(opts.max_archive_bytes, opts.max_file_bytes),
            loader: Loader {
                mode: opts.read_mode,
                max_file_bytes: opts.max_file_bytes,
                bundle_left: opts.max_bundle_bytes,
                max_bundle_bytes: opts.max_bundle_bytes,
            },
            out: Vec::new(),
            root: None,
        }
    }
}

impl Bundle {
    /// Opens every input. A missing or unreadable input is recorded in [`Bundle::errors`] and
    /// the others are still opened; damaged archives and unreadable files inside folders
    /// become artifacts with a note.
    pub fn open(inputs: &[PathBuf], opts: &OpenOptions) -> Bundle {
        let mut opener = Opener::new(opts);
        let mut errors = Vec::new();
        let prefix_inputs = inputs.len() > 1;
        for input in inputs {
            let meta = match fs::metadata(input) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    errors.push(Error::NotFound { path: input.clone() });
                    continue;
                }
                Err(source) => {
                    errors.push(Error::Io { path: input.clone(), source });
                    continue;
                }
            };
            let label = input
                .file_name()
                .map_or_else(|| input.display().to_string(), |n| n.to_string_lossy().into_owned());
            if meta.is_dir() {
                let root = if prefix_inputs { label } else { String::new() };
                opener.root = fs::canonicalize(input).ok();
                opener.walk(input, &root, 0);
            } else if !meta.is_file() {
                errors.push(Error::NotRegular { path: input.clone() });
            } else {
                match opener.loader.load(input) {
                    // A lone archive is the bundle root: its members keep their own paths.
                    Ok(l) if !prefix_inputs && sniff::container(l.content.bytes()).is_some() => {
                        opener.add_archive("", label, &l.content, 0);
                    }
                    Ok(l) => opener.add_loaded(label, l, 0, None),
                    Err(source) => errors.push(Error::Io { path: input.clone(), source }),
                }
            }
        }
        let mut artifacts = opener.out;
        // Path order, whatever the packaging (folder, zip, cab), so reports do not depend
        // on how a bundle was collected.
        artifacts.sort_by(|a, b| a.path.cmp(&b.path));
        last_resort(&mut artifacts);
        Bundle { artifacts, errors }
    }

    /// A bundle of one file held in memory, opened as if found in a folder: recognised by
    /// content, and opened when it is an archive.
    pub fn from_memory(name: &str, bytes: Vec<u8>, opts: &OpenOptions) -> Bundle {
        let mut opener = Opener::new(opts);
        let (clean, _) = archive::sanitize(name);
        opener.add(clean, Content::Owned(bytes), 0, None);
        let mut artifacts = opener.out;
        artifacts.sort_by(|a, b| a.path.cmp(&b.path));
        last_resort(&mut artifacts);
        Bundle { artifacts, errors: Vec::new() }
    }

    /// A bundle of one in-memory log read as `kind` whatever its content says (for fuzzing
    /// one grammar at a time). Text that is not UTF-16 is read as UTF-8.
    #[doc(hidden)]
    pub fn from_memory_as(name: &str, bytes: Vec<u8>, kind: Kind) -> Bundle {
        let encoding = match decode::detect(&bytes) {
            _ if matches!(kind, Kind::Evtx | Kind::Etl) => Encoding::Binary,
            Encoding::Binary => Encoding::Utf8,
            e => e,
        };
        let artifact = Artifact {
            path: name.to_string(),
            size: bytes.len() as u64,
            kind,
            encoding,
            note: None,
            warn: false,
            lenient: false,
            doc: false,
            content: Content::Owned(bytes),
            utf16_from: None,
        };
        Bundle { artifacts: vec![artifact], errors: Vec::new() }
    }

    /// Artifacts that a parser reads.
    pub fn parsed(&self) -> impl Iterator<Item = (usize, &Artifact)> {
        self.artifacts.iter().enumerate().filter(|(_, a)| a.kind.is_parsed())
    }
}

/// Whether the file name says it is a log or archive wutriage reads (`CBS*`, `dism*`,
/// `WindowsUpdate*`, `*.evtx`, `*.zip`, `*.cab`), whatever its content turned out to be.
fn named_like_log(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    sniff::name_hint(&name).is_some()
        || [".zip", ".cab", ".log", ".etl", ".evtx"].iter().any(|ext| name.ends_with(ext))
}

/// Whether `path` (after following links) is a plain file.
fn is_regular(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file())
}

fn join(root: &str, name: &str) -> String {
    if root.is_empty() { name.to_string() } else { format!("{root}/{name}") }
}

impl Opener<'_> {
    fn walk(&mut self, dir: &Path, rel: &str, depth: usize) {
        let entries = match fs::read_dir(dir) {
            Ok(rd) => {
                let mut v: Vec<_> = rd.filter_map(Result::ok).collect();
                v.sort_by_key(std::fs::DirEntry::file_name);
                v
            }
            Err(e) => {
                let shown = if rel.is_empty() { ".".to_string() } else { rel.to_string() };
                self.out.push(Artifact::failed(
                    shown,
                    Kind::Unknown,
                    0,
                    format!("cannot read folder: {e}"),
                ));
                return;
            }
        };
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let shown = join(rel, &name);
            let Ok(ft) = entry.file_type() else { continue };
            let mut link_note = None;
            let is_dir = if ft.is_symlink() {
                match fs::metadata(&path) {
                    Ok(m) if m.is_dir() => {
                        self.out.push(Artifact::failed(
                            shown,
                            Kind::Unknown,
                            0,
                            "symbolic link to a folder; not followed".into(),
                        ));
                        continue;
                    }
                    // Pipes and devices are refused below, whatever leads to them.
                    Ok(m) if !m.is_file() => false,
                    Ok(_) => match self.link_target(&path) {
                        Ok(note) => {
                            link_note = note;
                            false
                        }
                        Err(why) => {
                            self.out.push(Artifact::failed(shown, Kind::Unknown, 0, why));
                            continue;
                        }
                    },
                    Err(e) => {
                        self.out.push(Artifact::failed(
                            shown,
                            Kind::Unknown,
                            0,
                            format!("broken link: {e}"),
                        ));
                        continue;
                    }
                }
            } else {
                ft.is_dir()
            };
            if !is_dir && !is_regular(&path) {
                // FIFOs block on open and devices never end: neither is evidence to read.
                self.out.push(Artifact::failed(
                    shown,
                    Kind::Unknown,
                    0,
                    "not a regular file (pipe, socket or device); not read".into(),
                ));
                continue;
            }
            if is_dir {
                if depth + 1 >= self.opts.max_depth {
                    self.out.push(Artifact::failed(
                        shown,
                        Kind::Unknown,
                        0,
                        format!(
                            "folder nested deeper than {} levels; not read",
                            self.opts.max_depth
                        ),
                    ));
                } else {
                    self.walk(&path, &shown, depth + 1);
                }
                continue;
            }
            match self.loader.load(&path) {
                Ok(l) => self.add_loaded(shown, l, depth, link_note),
                Err(e) => {
                    let size = entry.metadata().map_or(0, |m| m.len());
                    self.out.push(Artifact::failed(
                        shown,
                        Kind::Unknown,
                        size,
                        format!("cannot read: {e}"),
                    ));
                }
            }
        }
    }

    /// Where a link to a file leads: `Err` with why it is not read (a system file under
    /// `/proc`, `/sys` or `/dev`: not evidence, and possibly endless), `Ok(Some)` with a note
    /// when it leads outside the folder being read (still read, but said).
    fn link_target(&self, path: &Path) -> Result<Option<String>, String> {
        let Ok(target) = fs::canonicalize(path) else { return Ok(None) };
        let shown = target.display().to_string();
        if cfg!(unix) && ["/proc", "/sys", "/dev"].iter().any(|p| target.starts_with(p)) {
            return Err(format!("link to {shown}, a system file, not evidence; not read"));
        }
        Ok(self
            .root
            .as_ref()
            .filter(|root| !target.starts_with(root))
            .map(|_| format!("link to a file outside the bundle ({shown}); read")))
    }

    /// Adds a file loaded from disk: its size on disk, and what was left unread of it.
    fn add_loaded(&mut self, shown: String, l: Loaded, depth: usize, note: Option<String>) {
        let Loaded { content, size, cut, sniffed } = l;
        let cut = match (cut, note) {
            (Some(c), Some(n)) => Some(format!("{n}; {c}")),
            (c, n) => c.or(n),
        };
        let before = self.out.len();
        let archive = sniff::container(content.bytes()).is_some();
        match sniffed {
            Some(s) => self.out.push(Artifact::sniffed(shown, content, cut, s)),
            None => self.add(shown, content, depth, cut),
        }
        // An archive gives its members; a file gives one artifact, of its size on disk.
        if !archive && let Some(a) = self.out.get_mut(before) {
            a.size = size;
        }
    }

    /// Adds a file, opening it if it is an archive.
    fn add(&mut self, shown: String, content: Content, depth: usize, note: Option<String>) {
        if sniff::container(content.bytes()).is_none() {
            self.out.push(Artifact::new(shown, content, note));
            return;
        }
        self.add_archive(&shown.clone(), shown, &content, depth);
    }

    /// Opens an archive whose members are shown under `root`; `shown` names the archive
    /// itself in messages.
    fn add_archive(&mut self, root: &str, shown: String, content: &Content, depth: usize) {
        let Some(container) = sniff::container(content.bytes()) else { return };
        let size = content.bytes().len() as u64;
        if depth + 1 >= self.opts.max_depth {
            self.out.push(Artifact::failed(
                shown,
                Kind::Archive,
                size,
                "archive nested too deeply; not opened".into(),
            ));
            return;
        }
        let members = match container {
            sniff::Container::Zip => archive::zip_members(content.bytes(), &mut self.budget),
            sniff::Container::Cab => archive::cab_members(content.bytes(), &mut self.budget),
        };
        match members {
            Ok(members) => {
                // Two members of one name are both kept, the later ones renamed.
                let mut names: std::collections::HashMap<String, usize> =
                    std::collections::HashMap::new();
                for m in members {
                    match m {
                        Ok(Member { name, data }) => {
                            let (clean, changed) = archive::sanitize(&name);
                            let mut note = changed.then(|| {
                                format!(
                                    "archive member name {name:?} was unsafe; shown as {clean:?}"
                                )
                            });
                            let seen = names.entry(clean.to_ascii_lowercase()).or_default();
                            *seen += 1;
                            let clean = if *seen > 1 {
                                let renamed = format!("{clean}~{seen}");
                                note = Some(format!(
                                    "member {seen} of this archive named {clean:?}; shown as {renamed:?}"
                                ));
                                renamed
                            } else {
                                clean
                            };
                            let inner = join(root, &clean);
                            self.add(inner, data, depth + 1, note);
                        }
                        Err(e) => {
                            self.out.push(Artifact::failed(
                                shown.clone(),
                                Kind::Archive,
                                size,
                                e.to_string(),
                            ));
                        }
                    }
                }
            }
            Err(e) => self.out.push(Artifact::failed(shown, Kind::Archive, size, e.to_string())),
        }
    }
}
