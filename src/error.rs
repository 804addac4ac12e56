//! The one error type of the library outside the decoder, in the style of ripgrep's
//! `ignore::Error`: what went wrong (an OS error, bytes that do not decode, a job file or
//! allow-list that cannot be used, an input that is not a snapshot), wrapped in the path it is
//! about. `Display` is one line, `path: what`, as the CLI prints it after `flinspect: error: `.
//!
//! Decoding errors keep their own type ([`crate::format::Error`], with the byte offset and the
//! context); here they are one variant, so a caller that reads many files (`scan`) keeps the
//! offset instead of a string.
//!
//! To add a source of errors (remote storage: S3, GCS, Azure, HDFS): one variant here, its
//! `Display` arm, and a `From` impl for the backend's own error type next to the backend.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::format;

/// Why flinspect could not do what was asked with an input.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// An error about one input: `path: err`.
    WithPath { path: PathBuf, err: Box<Error> },
    /// An OS error while opening or reading an input (worded by [`io_message`]).
    Io(Arc<io::Error>),
    /// An input that is not what was expected, in one line (a directory without `_metadata`).
    Input(String),
    /// The bytes of a `_metadata` file do not decode; carries the byte offset and context.
    Decode(format::Error),
    /// A job file (`--job`, a graph document) that cannot be used; the message names the file.
    JobFile(String),
    /// An allow-list that cannot be used; the message names the file.
    AllowList(String),
}

impl Error {
    /// This error, about `path`.
    pub fn with_path(self, path: impl Into<PathBuf>) -> Error {
        Error::WithPath {
            path: path.into(),
            err: Box::new(self),
        }
    }

    /// The input this error is about, when it names one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::WithPath { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The error without its path.
    pub fn inner(&self) -> &Error {
        match self {
            Error::WithPath { err, .. } => err.inner(),
            other => other,
        }
    }

    /// The decoding error, when the bytes did not decode (its offset, context and kind).
    pub fn decode(&self) -> Option<&format::Error> {
        match self.inner() {
            Error::Decode(e) => Some(e),
            _ => None,
        }
    }

    /// The OS error, when an input could not be opened or read.
    pub fn io(&self) -> Option<&io::Error> {
        match self.inner() {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }

    /// The one line without the path: what went wrong.
    pub fn message(&self) -> String {
        self.inner().to_string()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WithPath { path, err } => write!(f, "{}: {err}", path.display()),
            Error::Io(e) => f.write_str(&io_message(e)),
            Error::Input(m) | Error::JobFile(m) | Error::AllowList(m) => f.write_str(m),
            Error::Decode(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::WithPath { err, .. } => Some(err.as_ref()),
            Error::Io(e) => Some(e.as_ref()),
            Error::Decode(e) => Some(e),
            _ => None,
        }
    }
}

/// Two errors are equal when they say the same thing about the same path (an OS error has no
/// equality of its own).
impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        match (self, other) {
            (Error::Decode(a), Error::Decode(b)) => a == b,
            _ => self.to_string() == other.to_string(),
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(Arc::new(e))
    }
}

impl From<format::Error> for Error {
    fn from(e: format::Error) -> Error {
        Error::Decode(e)
    }
}

/// An OS error in one lowercase line without a period: "no such file or directory",
/// "permission denied", or std's message (with its "(os error N)").
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            let mut c = s.chars();
            match c.next() {
                Some(first) => first.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
