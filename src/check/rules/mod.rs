//! The rule catalogue: one file per rule, each with a stable snake_case id that is never reused
//! for a different meaning (a retired rule keeps its id reserved).
//!
//! To add a rule: write `src/check/rules/<id>.rs` with a `pub(super) const RULE: Rule`, add it
//! to [`RULES`], and give it a triggering fixture and a near miss in `tests/check_rules.rs`
//! (the catalogue test fails until both exist).

mod channel_state_dropped;
mod channel_state_topology_change;
pub(crate) mod checkpoint_settings_changed;
mod duplicate_operator_id;
mod job_setting_rejected;
mod keyed_handle_unsupported;
mod max_parallelism_adopted;
mod max_parallelism_changed;
mod metadata_version_unsupported;
mod missing_uid;
mod operator_added;
mod parallelism_above_max_parallelism;
pub(crate) mod state_backend_mismatch;
mod state_backend_portable;
pub(super) mod state_files_missing;
mod unmapped_state;
mod unmapped_stateless;

use super::{Context, Severity, Sink};

/// What a rule is, for `flinspect rules` and for every renderer.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable snake_case id.
    pub id: &'static str,
    /// Default severity (a rule may lower it for a case, e.g. `unmapped_state` with
    /// `--allow-non-restored-state`).
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// Why, in full sentences: what Flink does and what flinspect looks at.
    pub explanation: &'static str,
    /// The Flink error message (template, as Flink's source writes it) the rule predicts.
    pub flink_error: Option<&'static str>,
    /// How to fix it.
    pub help: &'static str,
}

/// A rule: its description and its check.
pub struct Rule {
    pub info: RuleInfo,
    pub check: fn(&Context<'_, '_>, &mut Sink),
}

/// Every rule, in the order `flinspect rules` lists them.
pub static RULES: &[&Rule] = &[
    &unmapped_state::RULE,
    &unmapped_stateless::RULE,
    &operator_added::RULE,
    &duplicate_operator_id::RULE,
    &max_parallelism_changed::RULE,
    &max_parallelism_adopted::RULE,
    &parallelism_above_max_parallelism::RULE,
    &job_setting_rejected::RULE,
    &state_backend_mismatch::RULE,
    &state_backend_portable::RULE,
    &channel_state_topology_change::RULE,
    &state_files_missing::RULE,
    &channel_state_dropped::RULE,
    &missing_uid::RULE,
    &metadata_version_unsupported::RULE,
    &keyed_handle_unsupported::RULE,
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.info.id == id)
}

/// Rules only `flinspect diff` decides (they compare two job graphs; a snapshot shows their
/// effect through the rules above). Listed by `flinspect rules` after [`RULES`].
pub static DIFF_ONLY: &[&RuleInfo] = &[&checkpoint_settings_changed::INFO];

/// The description of the rule with this id, of [`RULES`] or [`DIFF_ONLY`].
pub fn find_info(id: &str) -> Option<&'static RuleInfo> {
    find(id)
        .map(|r| &r.info)
        .or_else(|| DIFF_ONLY.iter().copied().find(|i| i.id == id))
}

/// Every rule's description: [`RULES`], then [`DIFF_ONLY`].
pub fn all_infos() -> impl Iterator<Item = &'static RuleInfo> {
    RULES
        .iter()
        .map(|r| &r.info)
        .chain(DIFF_ONLY.iter().copied())
}
