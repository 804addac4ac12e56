//! Uids a user names, by the OperatorID Flink derives from each.

use std::collections::HashMap;

use super::OperatorId;

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
