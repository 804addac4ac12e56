//! `checkpoint_settings_changed`: the changelog state backend or unaligned checkpoints switched
//! between two job graphs. Decided by `diff` only: a snapshot shows the effect (changelog
//! handles, in-flight data), which `check` judges through other rules.

use super::RuleInfo;
use crate::check::Severity;

pub(crate) const INFO: RuleInfo = RuleInfo {
    id: "checkpoint_settings_changed",
    severity: Severity::Info,
    summary: "the changelog state backend or unaligned checkpoints are switched on or off (diff)",
    explanation: "\
`flinspect diff` compares the checkpoint settings of the two job graphs.

Changelog state backend (state.changelog.enabled): a checkpoint or native savepoint taken with
the changelog on holds ChangelogStateBackendHandle keyed state. From Flink 1.16 a job restores
it with the changelog on or off (Flink's DeactivatedChangelogStateBackend reads the materialized
part and replays the rest); switching it on restores any snapshot its inner backend restores.
Canonical savepoints never hold changelog handles. What `check` does with a real snapshot:
state_backend_mismatch judges the materialized part's layout. Not recorded in testdata/restore:
taken from Flink's source (ChangelogStateBackend, DeactivatedChangelogStateBackend).

Unaligned checkpoints (execution.checkpointing.unaligned.enabled): a savepoint is always aligned
and holds no in-flight data, so switching them changes nothing for a restore from a savepoint.
An unaligned checkpoint's in-flight data is recovered also with unaligned checkpoints off
(recorded: testdata/restore, cases ua-unaligned-off*), but an exchange that held in-flight data
and is now chained fails the restore (channel_state_topology_change).",
    flink_error: None,
    other_flink_errors: &[],
    help: "nothing to do for a restore from a savepoint; for a restore from a checkpoint of the old job, see the notes",
};
