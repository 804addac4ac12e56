//! Presentation only: human text and JSON. Nothing here decodes bytes or touches the file system.

pub mod audit;
pub mod check;
pub mod color;
pub mod html;
pub mod human;
pub mod json;
pub mod pretty;
pub mod scan;
pub mod states;

pub use crate::model::UidLabels;
use crate::model::{JavaStr, OperatorState};

/// Where an operator's uid label came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UidSource {
    /// Stored in the file (metadata V5+).
    Metadata,
    /// Supplied by the user and matched by its hash.
    User,
}

/// The uid to show for an operator, and where it came from.
pub fn uid_of<'a>(op: &'a OperatorState<'_>, labels: &'a UidLabels) -> Option<(String, UidSource)> {
    if let Some(u) = op.uid.as_ref() {
        return Some((u.to_str().into_owned(), UidSource::Metadata));
    }
    labels.get(&op.id).map(|u| (u.to_string(), UidSource::User))
}

pub(crate) fn text(s: &JavaStr<'_>) -> String {
    s.to_str().into_owned()
}

pub use crate::units::human_bytes;
