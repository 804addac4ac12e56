//! Decoding errors: one boxed word carrying the kind, the absolute byte offset and the context
//! (operator, subtask, field) in which decoding stopped.

use std::fmt;

/// Why decoding stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The first four bytes are not `49 60 67 2D`.
    BadMagic { found: u32 },
    /// A version flinspect does not decode (see [`crate::model::LAYOUTS`]): V1 (Flink 1.1/1.2,
    /// which no current release reads) or one newer than the table.
    UnsupportedVersion { version: i32 },
    /// The input ends inside a field.
    Truncated {
        what: &'static str,
        needed: u64,
        remaining: u64,
    },
    /// A type code the position does not allow.
    UnknownHandle { position: &'static str, code: i64 },
    /// A value out of its legal range.
    Invalid {
        what: &'static str,
        found: i64,
        expected: &'static str,
    },
    /// A count or length above a named limit or above what the remaining bytes can hold.
    LimitExceeded {
        what: &'static str,
        found: i64,
        limit: u64,
    },
    /// The Java-serialized `CheckpointProperties` trailer could not be decoded.
    Trailer { reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    offset: u64,
    context: Vec<String>,
}

/// A decoding error. `Display` renders one line:
/// `truncated … at offset 0x1f3c (operator 2 (id …), subtask 1, managed keyed state)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

impl Error {
    pub(crate) fn new(kind: ErrorKind, offset: usize) -> Error {
        Error(Box::new(Inner {
            kind,
            offset: offset as u64,
            context: Vec::new(),
        }))
    }

    /// Adds an outer context frame (called on the error path only, innermost first).
    pub(crate) fn within(mut self, frame: impl Into<String>) -> Error {
        self.0.context.push(frame.into());
        self
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// Absolute byte offset in the file where the offending field starts.
    pub fn offset(&self) -> u64 {
        self.0.offset
    }

    /// Context frames, outermost first.
    pub fn context(&self) -> impl Iterator<Item = &str> {
        self.0.context.iter().rev().map(String::as_str)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::BadMagic { found } => write!(
                f,
                "not a Flink checkpoint/savepoint metadata file: expected magic number 0x4960672d, found {found:#010x}"
            ),
            ErrorKind::UnsupportedVersion { version } => {
                use crate::model::MetadataVersion;
                match MetadataVersion(*version).written_by() {
                    Some(by) => write!(
                        f,
                        "unsupported metadata version {version} (written by Flink {by}; no Flink release this tool covers can read it)"
                    ),
                    None => {
                        let (major, minor) = MetadataVersion::newest_writer();
                        let (lo, hi) = MetadataVersion::decoded_range();
                        write!(
                            f,
                            "unsupported metadata version {version} (written by Flink newer than {major}.{minor}, or not a metadata file); expected {} to {}",
                            lo.0, hi.0
                        )
                    }
                }
            }
            ErrorKind::Truncated { what, needed, remaining } => {
                write!(f, "truncated {what}: expected {needed} bytes, found {remaining}")
            }
            ErrorKind::UnknownHandle { position, code } => {
                write!(f, "unknown {position} handle type code {code}")
            }
            ErrorKind::Invalid { what, found, expected } => {
                write!(f, "invalid {what}: found {found}, expected {expected}")
            }
            ErrorKind::LimitExceeded { what, found, limit } => {
                write!(f, "{what} {found} exceeds the limit of {limit}")
            }
            ErrorKind::Trailer { reason } => write!(f, "unreadable checkpoint properties: {reason}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {:#x}", self.0.kind, self.0.offset)?;
        if !self.0.context.is_empty() {
            f.write_str(" (")?;
            for (i, frame) in self.context().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(frame)?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({self})")
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
