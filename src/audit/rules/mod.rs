//! The audit catalogue: one entry per checklist item, grouped by area (one file per area).
//! Ids are stable snake_case names, never reused, and disjoint from `check`'s rule ids
//! (`tests/it/audit.rs` checks both).
//!
//! To add a rule: write its `pub(super) static RULE: AuditRule` in the area's file, add it to
//! [`RULES`], and give it a trigger and a near miss in `tests/it/audit.rs` (the catalogue test
//! fails until both exist).

mod backend;
mod checkpointing;
mod config_value;
mod operators;
mod recovery;
mod security;
mod snapshots;

use super::{Context, Sink};
use crate::check::Severity;

/// One checklist item.
#[derive(Debug)]
pub struct AuditRule {
    /// Stable snake_case id.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// Why, what flinspect reads, and each threshold's default and the reason for it.
    pub explanation: &'static str,
    /// The Flink configuration option or API that fixes a finding.
    pub fix: &'static str,
    /// The inputs that can decide it.
    pub decided_by: &'static str,
    pub check: fn(&Context<'_>, &mut Sink<'_>),
}

/// Every audit rule, in the order `flinspect rules` lists them.
pub static RULES: &[&AuditRule] = &[
    &config_value::RULE,
    &operators::UID_MISSING,
    &operators::MAX_PARALLELISM_DERIVED,
    &operators::MAX_PARALLELISM_HEADROOM,
    &operators::MAX_PARALLELISM_EXCESSIVE,
    &backend::HEAP_LARGE_STATE,
    &backend::ROCKSDB_FULL_CHECKPOINTS,
    &backend::ROCKSDB_MANAGED_MEMORY,
    &checkpointing::DISABLED,
    &checkpointing::INTERVAL,
    &checkpointing::TIMEOUT,
    &checkpointing::MIN_PAUSE,
    &checkpointing::TOLERABLE_FAILURES,
    &checkpointing::RETENTION,
    &checkpointing::RETAINED,
    &checkpointing::DIR_MISSING,
    &checkpointing::DIR_LOCAL,
    &checkpointing::SAVEPOINT_DIR,
    &recovery::HA_DISABLED,
    &recovery::RESTART_STRATEGY,
    &recovery::FAILOVER_STRATEGY,
    &recovery::METRICS_REPORTER,
    &recovery::LOG_LEVEL,
    &security::REST_EXPOSED,
    &security::INTERNAL_TLS,
    &security::KERBEROS,
    &snapshots::SIZE_GROWTH,
    &snapshots::SHARED_UNRECLAIMED,
    &snapshots::SKEW,
    &snapshots::STALE,
];

/// The audit rule with this id.
pub fn find(id: &str) -> Option<&'static AuditRule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// What to give when only a configuration is missing.
pub(crate) const NEEDS_CONFIG: &str = "the Flink configuration file (--config)";
pub(crate) const NEEDS_JOB: &str = "the job (--jar/--sql/--job)";
pub(crate) const NEEDS_SNAPSHOT: &str = "a snapshot or the job's checkpoint directory";
