//! Errors that stop a whole input from being read. Damage *inside* a file is not an error:
//! it becomes a [`crate::parse::ParseIssue`] and the run goes on.

use std::io;
use std::path::PathBuf;

/// A failure to read an input at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path given by the user does not exist.
    #[error("{}: no such file or folder", path.display())]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// A path exists but could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The path as given or found.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// `batch` was given a file where it takes folders of bundles.
    #[error(
        "{}: batch takes folders whose sub-folders and .zip files are bundles, not a file; \
         analyse one bundle with `wutriage analyze {}`, or put it in a folder",
        path.display(),
        path.display()
    )]
    NotAFolder {
        /// The path as given.
        path: PathBuf,
    },
    /// A path is a pipe, socket or device, which could block or never end.
    #[error("{}: not a regular file or folder (pipe, socket or device); not read", path.display())]
    NotRegular {
        /// The path as given.
        path: PathBuf,
    },
    /// Nothing in the inputs could be analysed.
    #[error("no log files to analyse in {inputs}")]
    EmptyBundle {
        /// The inputs, joined for display.
        inputs: String,
    },
}

impl Error {
    /// The same error again (an I/O cause keeps its kind and message): for reports that
    /// each list the inputs that could not be opened.
    #[must_use]
    pub fn duplicate(&self) -> Error {
        match self {
            Error::NotFound { path } => Error::NotFound { path: path.clone() },
            Error::Io { path, source } => Error::Io {
                path: path.clone(),
                source: io::Error::new(source.kind(), source.to_string()),
            },
            Error::NotAFolder { path } => Error::NotAFolder { path: path.clone() },
            Error::NotRegular { path } => Error::NotRegular { path: path.clone() },
            Error::EmptyBundle { inputs } => Error::EmptyBundle { inputs: inputs.clone() },
        }
    }
}
