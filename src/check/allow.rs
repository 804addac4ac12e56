//! `--allow FILE`: accepted findings, each with a reason.
//!
//! ```yaml
//! - rule: unmapped_state
//!   operator: legacy-dedup          # a uid or a 32-hex OperatorID; omit to match every operator
//!   reason: "dedup state is rebuilt from the source within a day (TICKET-123)"
//! ```
//!
//! A reason is required: an allow-list entry is a decision someone made and must explain. An
//! entry naming an unknown rule is an error, so a typo cannot silently allow nothing.

use serde::Deserialize;

use super::{rules, Finding, JobError};
use crate::model::OperatorId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowEntry {
    pub rule: String,
    /// As written: a uid or an OperatorID.
    pub operator: Option<String>,
    pub reason: String,
}

impl AllowEntry {
    pub fn matches(&self, f: &Finding) -> bool {
        if self.rule != f.rule {
            return false;
        }
        let Some(want) = &self.operator else {
            return true;
        };
        // A grouped finding (one job-wide cause) is matched through any operator it affects.
        f.operator
            .iter()
            .chain(&f.operators)
            .any(|op| Self::names(want, op))
    }

    fn names(want: &str, op: &super::OperatorRef) -> bool {
        if op.uid.as_deref() == Some(want) {
            return true;
        }
        match OperatorId::from_hex(want) {
            Some(id) => id == op.id,
            None => OperatorId::from_uid(want) == op.id,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    pub entries: Vec<AllowEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    rule: String,
    operator: Option<String>,
    reason: Option<String>,
}

impl AllowList {
    /// Reads an allow-list file's bytes: refuses a snapshot or binary data before parsing.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<AllowList, JobError> {
        AllowList::from_yaml(super::job::text_of(bytes, source, "an allow-list")?, source)
    }

    pub fn from_yaml(text: &str, source: &str) -> Result<AllowList, JobError> {
        AllowList::from_yaml_for(text, source, &|id| rules::find_info(id).is_some())
    }

    /// An allow-list for another catalogue (`audit`'s): `known` says which rule ids exist.
    pub fn from_bytes_for(
        bytes: &[u8],
        source: &str,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<AllowList, JobError> {
        AllowList::from_yaml_for(
            super::job::text_of(bytes, source, "an allow-list")?,
            source,
            known,
        )
    }

    pub fn from_yaml_for(
        text: &str,
        source: &str,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<AllowList, JobError> {
        let err = |m: String| JobError {
            message: format!("{source}: {m}"),
        };
        let raw: Option<Vec<RawEntry>> =
            serde_norway::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut entries = Vec::new();
        for (i, e) in raw.unwrap_or_default().into_iter().enumerate() {
            if !known(&e.rule) {
                return Err(err(format!(
                    "entry {i}: unknown rule {:?} (see `flinspect rules`)",
                    e.rule
                )));
            }
            let reason = e
                .reason
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| err(format!("entry {i} ({}): a reason is required", e.rule)))?;
            entries.push(AllowEntry {
                rule: e.rule,
                operator: e.operator,
                reason,
            });
        }
        Ok(AllowList { entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{OperatorRef, Severity};

    fn finding(rule: &'static str, uid: Option<&str>, id: OperatorId) -> Finding {
        Finding {
            rule,
            severity: Severity::Error,
            operator: Some(OperatorRef {
                id,
                uid: uid.map(String::from),
                name: None,
            }),
            message: String::new(),
            flink_error: None,
            help: None,
            notes: Vec::new(),
            operators: Vec::new(),
            group: None,
            allowed: None,
        }
    }

    #[test]
    fn entries_match_by_uid_id_or_uid_hash() {
        let id = OperatorId::from_uid("my-keyed");
        let list = AllowList::from_yaml(
            "- rule: unmapped_state\n  operator: my-keyed\n  reason: r\n",
            "a",
        )
        .unwrap();
        let e = &list.entries[0];
        // By the uid the finding carries, and by the uid's hash when the finding has only the id.
        assert!(e.matches(&finding("unmapped_state", Some("my-keyed"), id)));
        assert!(e.matches(&finding("unmapped_state", None, id)));
        assert!(!e.matches(&finding("operator_added", None, id)));
        assert!(!e.matches(&finding("unmapped_state", None, OperatorId::from_uid("x"))));
        let by_id = AllowEntry {
            rule: "unmapped_state".into(),
            operator: Some(id.to_hex()),
            reason: "r".into(),
        };
        assert!(by_id.matches(&finding("unmapped_state", None, id)));
        let any = AllowEntry {
            rule: "unmapped_state".into(),
            operator: None,
            reason: "r".into(),
        };
        assert!(any.matches(&finding("unmapped_state", None, id)));
    }

    #[test]
    fn reasons_and_known_rules_are_required() {
        let e =
            AllowList::from_yaml("- rule: unmapped_state\n  reason: \"  \"\n", "a").unwrap_err();
        assert!(e.message.contains("reason is required"), "{e}");
        let e = AllowList::from_yaml("- rule: nope\n  reason: r\n", "a").unwrap_err();
        assert!(e.message.contains("unknown rule"), "{e}");
        let e = AllowList::from_yaml("- rule: unmapped_state\n  reason: r\n  why: x\n", "a")
            .unwrap_err();
        assert!(e.message.contains("why"), "{e}");
        assert!(AllowList::from_yaml("", "a").unwrap().entries.is_empty());
    }
}
