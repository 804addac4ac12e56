//! Presentation only: human text and JSON. Nothing here decodes bytes or touches the file system.

pub mod check;
pub mod color;
pub mod html;
pub mod human;
pub mod json;
pub mod pretty;
pub mod scan;

use std::collections::HashMap;

use crate::model::{JavaStr, OperatorId, OperatorState};

/// Uids the user supplied (`--uid`, `--uids`), looked up by the OperatorID Flink derives.
#[derive(Clone, Debug, Default)]
pub struct UidLabels {
    by_id: HashMap<OperatorId, String>,
}

impl UidLabels {
    pub fn new<I: IntoIterator<Item = String>>(uids: I) -> Self {
        let by_id = uids
            .into_iter()
            .map(|u| (OperatorId::from_uid(&u), u))
            .collect();
        UidLabels { by_id }
    }

    pub fn get(&self, id: &OperatorId) -> Option<&str> {
        self.by_id.get(id).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Every uid with its OperatorID, sorted by uid.
    pub fn all(&self) -> Vec<(&str, &OperatorId)> {
        let mut v: Vec<_> = self.by_id.iter().map(|(id, u)| (u.as_str(), id)).collect();
        v.sort();
        v
    }
}

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
