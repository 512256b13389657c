//! Memory-mapped inputs that shrink while we read them.
//!
//! On Unix, reading a mapped page that lies past the end of a file that was truncated after
//! mapping raises `SIGBUS`, which kills the process. Evidence bundles are usually copies at
//! rest, but a log that is still being written, or a copy on a failing share, can shrink. This
//! module installs one `SIGBUS` handler that, for faults inside a mapping it registered,
//! replaces the vanished page with a page of zeros and marks the mapping as changed; the read
//! then completes, and the parser reports the file as changed while read. Faults anywhere else
//! get the default action, as if no handler were installed.
//!
//! The registry is process-wide because signal dispositions are: it is a fixed table of
//! atomics, since a signal handler may not lock or allocate. When the table is full, callers
//! read the file instead of mapping it.
//!
//! Windows needs none of this: it refuses to truncate a file while a view of it is mapped.

use memmap2::Mmap;
use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Mappings that can be watched at once.
const SLOTS: usize = 1024;

struct Slot {
    used: AtomicBool,
    start: AtomicUsize,
    end: AtomicUsize,
    faulted: AtomicBool,
}

impl Slot {
    const fn new() -> Self {
        Slot {
            used: AtomicBool::new(false),
            start: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
            faulted: AtomicBool::new(false),
        }
    }
}

static TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];

/// A read-only mapping of a file, watched for truncation.
#[derive(Debug)]
pub(crate) struct GuardedMap {
    map: Mmap,
    slot: Option<usize>,
}

impl GuardedMap {
    /// Maps the first `len` bytes of `file` read-only (at most its size). Fails when the
    /// file cannot be mapped or, on Unix, when no watch slot is free (the caller then reads
    /// the file).
    pub(crate) fn map(file: &File, len: u64) -> io::Result<Self> {
        let len = len.min(file.metadata()?.len());
        let map = map_file(file, usize::try_from(len).map_err(io::Error::other)?)?;
        if map.is_empty() {
            return Ok(GuardedMap { map, slot: None });
        }
        let slot = sys::watch(map.as_ptr() as usize, map.len())?;
        Ok(GuardedMap { map, slot })
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Whether part of the file vanished while mapped (those bytes read as zeros).
    pub(crate) fn shrank(&self) -> bool {
        self.slot.is_some_and(|i| TABLE[i].faulted.load(Ordering::Acquire))
    }
}

impl Drop for GuardedMap {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            let s = &TABLE[i];
            s.end.store(0, Ordering::Release);
            s.start.store(0, Ordering::Release);
            s.faulted.store(false, Ordering::Release);
            s.used.store(false, Ordering::Release);
        }
    }
}

#[expect(unsafe_code, reason = "memmap2 cannot make mapping a file safe; see SAFETY below")]
fn map_file(file: &File, len: usize) -> io::Result<Mmap> {
    // SAFETY: the mapping is read-only and private to this process. Truncation by another
    // process is caught by the SIGBUS guard in this module. Rewrites in place by another
    // process would change bytes under us; evidence bundles are copies at rest, and
    // `ReadMode::Read` exists for logs that are still being written.
    unsafe { memmap2::MmapOptions::new().len(len).map(file) }
}

#[cfg(unix)]
#[expect(unsafe_code, reason = "installing a signal handler and remapping a page need libc")]
mod sys {
    use super::{SLOTS, TABLE};
    use std::io;
    use std::sync::Once;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static INSTALL: Once = Once::new();
    static INSTALLED: AtomicUsize = AtomicUsize::new(0);
    static PAGE: AtomicUsize = AtomicUsize::new(4096);

    /// Registers `[start, start+len)`; `Ok(None)` is never returned on Unix.
    pub(super) fn watch(start: usize, len: usize) -> io::Result<Option<usize>> {
        INSTALL.call_once(install);
        if INSTALLED.load(Ordering::Acquire) == 0 {
            return Err(io::Error::other("cannot install the SIGBUS guard"));
        }
        for (i, s) in TABLE.iter().enumerate() {
            if s.used.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                s.faulted.store(false, Ordering::Release);
                s.start.store(start, Ordering::Release);
                s.end.store(start + len, Ordering::Release);
                return Ok(Some(i));
            }
        }
        Err(io::Error::other(format!("more than {SLOTS} files mapped at once")))
    }

    fn install() {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if let Ok(p) = usize::try_from(page)
            && p.is_power_of_two()
        {
            PAGE.store(p, Ordering::Release);
        }
        // SAFETY: a zeroed sigaction is a valid starting value; the handler has the
        // SA_SIGINFO signature and only uses async-signal-safe operations (atomics, mmap).
        let ok = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigbus as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            libc::sigemptyset(&raw mut sa.sa_mask);
            libc::sigaction(libc::SIGBUS, &raw const sa, std::ptr::null_mut()) == 0
        };
        INSTALLED.store(usize::from(ok), Ordering::Release);
    }

    extern "C" fn on_sigbus(
        _sig: libc::c_int,
        info: *mut libc::siginfo_t,
        _ctx: *mut libc::c_void,
    ) {
        // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
        let addr = unsafe { (*info).si_addr() } as usize;
        let page = PAGE.load(Ordering::Acquire);
        for s in &TABLE {
            if !s.used.load(Ordering::Acquire) {
                continue;
            }
            let (lo, hi) = (s.start.load(Ordering::Acquire), s.end.load(Ordering::Acquire));
            if lo <= addr && addr < hi {
                let at = addr & !(page - 1);
                // SAFETY: the page lies inside a live read-only mapping that this module
                // registered; replacing it with zeros changes no memory that Rust code owns
                // mutably, and the faulting read is retried on the new page.
                let r = unsafe {
                    libc::mmap(
                        at as *mut libc::c_void,
                        page,
                        libc::PROT_READ,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                        -1,
                        0,
                    )
                };
                if r != libc::MAP_FAILED {
                    s.faulted.store(true, Ordering::Release);
                    return;
                }
            }
        }
        // Not ours: fall back to the default action; returning re-runs the faulting access.
        // SAFETY: resetting a disposition to SIG_DFL is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
        }
    }
}

#[cfg(not(unix))]
mod sys {
    use std::io;

    /// Nothing to watch: the OS refuses to truncate mapped files.
    pub(super) fn watch(_start: usize, _len: usize) -> io::Result<Option<usize>> {
        Ok(None)
    }
}
