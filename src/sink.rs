//! Where a command's output goes: standard output, or `--output FILE`, written to a
//! temporary file beside it and renamed into place only once it is complete, so a failed
//! or interrupted run never leaves half a report. A file is never written inside a
//! bundle being read: wutriage does not write beside the evidence.

use anyhow::{Context, Result, bail};
use std::fs;
use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// An output being written.
#[derive(Debug)]
pub(crate) enum Sink<'a> {
    /// Standard output.
    Stdout(BufWriter<StdoutLock<'a>>),
    /// A temporary file, renamed to `path` by [`Sink::finish`].
    File { w: BufWriter<NamedTempFile>, path: PathBuf },
}

impl<'a> Sink<'a> {
    /// Standard output, or a temporary file beside `output` after checking that it is not
    /// inside any of `inputs`.
    pub(crate) fn open(
        output: Option<&Path>,
        inputs: &[PathBuf],
        stdout: StdoutLock<'a>,
    ) -> Result<Self> {
        let Some(path) = output else { return Ok(Sink::Stdout(BufWriter::new(stdout))) };
        let name = path
            .file_name()
            .with_context(|| format!("--output {}: not a file name", path.display()))?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = fs::canonicalize(&parent)
            .with_context(|| format!("--output {}: folder {}", path.display(), parent.display()))?;
        let target = dir.join(name);
        if target.is_dir() {
            bail!("--output {}: is a folder", path.display());
        }
        for input in inputs {
            let Ok(real) = fs::canonicalize(input) else { continue };
            let inside = if real.is_dir() { target.starts_with(&real) } else { target == real };
            if inside {
                bail!(
                    "--output {}: inside the input {}; wutriage never writes beside the evidence, \
                     choose a file elsewhere",
                    path.display(),
                    input.display()
                );
            }
        }
        let mut builder = tempfile::Builder::new();
        builder.prefix(".wutriage-").suffix(".part");
        // A report is for sharing: the usual mode of a new file (less the umask), not the
        // owner-only mode of a temporary one.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let tmp = builder.tempfile_in(&dir).with_context(|| {
            format!("--output {}: cannot write in {}", path.display(), dir.display())
        })?;
        Ok(Sink::File { w: BufWriter::new(tmp), path: path.to_path_buf() })
    }

    /// Flushes; a file is renamed into place. Not calling this leaves no file.
    pub(crate) fn finish(self) -> Result<()> {
        match self {
            Sink::Stdout(mut w) => Ok(w.flush()?),
            Sink::File { w, path } => {
                let tmp = w.into_inner().map_err(io::IntoInnerError::into_error)?;
                tmp.as_file().sync_all().ok();
                tmp.persist(&path).with_context(|| format!("--output {}", path.display()))?;
                Ok(())
            }
        }
    }

    /// Whether the output is a file (no colour, no terminal width).
    pub(crate) fn is_file(&self) -> bool {
        matches!(self, Sink::File { .. })
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File { w, .. } => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File { w, .. } => w.flush(),
        }
    }
}
