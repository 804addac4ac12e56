//! `unmapped_state`: the snapshot holds state for an operator no operator of the new job claims.

use std::collections::BTreeSet;

use super::{Rule, RuleInfo};
use crate::check::{Context, RestorePath, Severity, Sink};
use crate::units::human_bytes;

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "unmapped_state",
        severity: Severity::Error,
        summary: "state in the snapshot that no operator of the new job claims",
        explanation: "\
Flink maps snapshot state to the new job by OperatorID: the hash of the operator's uid, or the
id given with setUidHash, or (without either) a hash of the operator's position in the graph.
When an operator of the snapshot holds state (keyed, operator, coordinator or in-flight data) and
no operator of the new job has its id, Flink refuses the restore at submission
(StateAssignmentOperation.checkStateMappingCompleteness) unless --allowNonRestoredState is given.
With it, the restore goes on and that state is dropped for good: this rule then reports a warning
that lists what is lost (operator state names, keyed state bytes, coordinator state such as a
source's split enumerator).

Restored from the HA store instead (`check --restore-path ha`: JobManager failover, the
Kubernetes operator's last-state upgrade), Flink passes allowNonRestoredState = false whatever the
job says and requires every operator of the checkpoint, with or without state: \"There is no
operator for the state <id>\" (CheckpointCoordinator.restoreInitialCheckpointIfPresent,
StateAssignmentOperation.checkStateMappingCompleteness). Recorded with Flink 1.20.3, 2.1.1 and
2.3.0 (testdata/restore, cases ha-*: a stateful and a stateless operator removed, a uid renamed,
each with and without allowNonRestoredState).",
        flink_error: Some(
            "Failed to rollback to checkpoint/savepoint %s. Cannot map checkpoint/savepoint state for operator %s to the new program, because the operator is not available in the new program. If you want to allow to skip this, you can set the --allowNonRestoredState option on the CLI.",
        ),
        other_flink_errors: &[
            "There is no operator for the state %s",
        ],
        help: "give the operator that should own this state the same uid as before (`.uid(\"…\")`), or `setUidHash(\"<id>\")` when the old operator had no uid; or move the state to the new uid with the State Processor API (`changeOperatorIdentifier`); or drop it on purpose with --allowNonRestoredState",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let ha = cx.options.restore_path == RestorePath::Ha;
    for op in &cx.md.operators {
        // From the HA store Flink requires every operator of the checkpoint, stateless ones too.
        if (!op.has_state() && !ha) || cx.claimant(op).is_some() {
            continue;
        }
        let r = cx.snapshot_ref(op);
        let mut f = cx.finding(&RULE.info, Some(r.clone()), String::new());
        let mut names: BTreeSet<String> = BTreeSet::new();
        for h in op.operator_handles() {
            for s in &h.states {
                names.insert(s.name.to_str().into_owned());
            }
        }
        let keyed = crate::model::sum_sizes(op.keyed_handles().map(|h| h.state_size()));
        let channel = crate::model::sum_sizes(op.channel_handles().map(|h| h.state_size));
        let coordinator = op.coordinator.as_ref().map(|c| c.state_size());
        let mut what = Vec::new();
        if !names.is_empty() {
            what.push(format!(
                "operator state {}",
                names
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if op.has_keyed_state() {
            what.push(format!("keyed state ({})", human_bytes(keyed)));
        }
        if let Some(c) = coordinator {
            what.push(format!(
                "coordinator state ({}; for a source, its split enumerator: which splits are assigned or pending)",
                human_bytes(c)
            ));
        }
        if channel > 0 {
            what.push(format!("in-flight channel data ({})", human_bytes(channel)));
        }
        f.notes.push(format!(
            "state: {} in total: {}",
            human_bytes(op.state_size()),
            what.join("; ")
        ));
        if let Some(states) = cx
            .options
            .states
            .as_ref()
            .and_then(|all| all.iter().find(|o| o.operator == op.id))
            .filter(|o| !o.states.is_empty())
        {
            let named = states.labels();
            f.notes
                .push(format!("states in the state files: {}", named.join(", ")));
        }
        if let Some(n) = r.name.as_deref() {
            if let Some(j) = cx
                .job
                .operators
                .iter()
                .find(|j| j.name.as_deref() == Some(n) && cx.md.operator(&j.id).is_none())
            {
                f.notes.push(format!(
                    "the new job has an operator with the same name {n:?} and a different id {} (uid {}): was its uid changed?",
                    j.id,
                    j.uid.as_deref().map_or_else(|| "not given".to_string(), |u| format!("{u:?}"))
                ));
            }
        }
        if ha {
            f.message = format!(
                "operator {} of the checkpoint is not in the new job, and a restore from the HA store accepts no missing operator{}",
                r.describe(),
                if op.has_state() { "" } else { ", even one without state" }
            );
            f.flink_error = Some(RULE.info.other_flink_message(0, &[&op.id]));
            f.notes.push(
                "restored from the HA store (JobManager failover, the Kubernetes operator's last-state upgrade): Flink ignores allowNonRestoredState there and refuses the job at submission (StateAssignmentOperation.checkStateMappingCompleteness)".into(),
            );
            f.help = Some("restore from a savepoint (`-s`, or the Kubernetes operator's `savepoint` upgrade mode) with the operator's old uid or with --allowNonRestoredState; or keep the operator (with its uid) in the new job".into());
        } else if cx.allow_non_restored_state {
            f.severity = Severity::Warning;
            f.message = format!(
                "state of operator {} will be dropped (--allow-non-restored-state): no operator of the new job claims it",
                r.describe()
            );
            f.help = Some("if this state is still needed, give its new operator the old uid or move it with the State Processor API (`changeOperatorIdentifier`) before restoring".into());
        } else {
            f.message = format!(
                "operator {} has state in the snapshot, but no operator of the new job claims it",
                r.describe()
            );
            f.flink_error = Some(RULE.info.flink_message(&[&cx.options.snapshot, &op.id]));
            f.notes.push("Flink refuses the job at submission".into());
        }
        out.push(f);
    }
}
