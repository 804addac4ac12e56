//! `max_parallelism_changed`: an explicit max parallelism that differs from the snapshot's.

use super::{Rule, RuleInfo};
use crate::check::job::MaxParallelism;
use crate::check::{Context, Severity, Sink};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "max_parallelism_changed",
        severity: Severity::Error,
        summary: "max parallelism set explicitly to a value other than the snapshot's",
        explanation: "\
The max parallelism fixes the number of key groups, and keyed state is stored by key group, so it
cannot change across a restore. When the new job sets it explicitly (on the operator with
setMaxParallelism, or job-wide with pipeline.max-parallelism) to a value other than the
snapshot's, Flink refuses the restore at submission (Checkpoints.loadAndValidateCheckpoint). It
checks every operator of the snapshot that the new job has, with or without state, and
--allowNonRestoredState does not relax it. When the max parallelism is not set, Flink adopts the
snapshot's value instead (see max_parallelism_adopted).

Flink compares against the task's max parallelism, which is the one of the first operator of the
chain (the chain head); a setMaxParallelism on an operator chained behind another is ignored. The
job file does not describe chaining, so flinspect reports an error where the operator must head
its task (it has keyed state, which follows a keyBy, or coordinator state, as sources do) or the
setting is job-wide (it then reaches every task), and a warning otherwise: Flink then fails only
if the operator heads its task. Recorded with Flink 1.20.3 and 2.3.0 (testdata/restore, cases
maxpar-explicit-changed*). Restored from the HA store (`--restore-path ha`), the same change fails
in StateAssignmentOperation.checkParallelismPreconditions with \"The maximum parallelism (128) with
which the latest checkpoint of the execution job vertex … has been taken and the current maximum
parallelism (256) changed. This is currently not supported.\" (recorded with 1.20.3, 2.1.1, 2.3.0,
cases ha-maxpar-explicit-changed*).",
        flink_error: Some(
            "Failed to rollback to checkpoint/savepoint %s. Max parallelism mismatch between checkpoint/savepoint state and new program. Cannot map operator %s with max parallelism %d to new program with max parallelism %d. This indicates that the program has been changed in a non-compatible way after the checkpoint/savepoint.",
        ),
        other_flink_errors: &[
            "The maximum parallelism (%d) with which the latest checkpoint of the execution job vertex <vertex> has been taken and the current maximum parallelism (%d) changed. This is currently not supported.",
        ],
        help: "set the max parallelism back to the snapshot's value (`setMaxParallelism(…)` / pipeline.max-parallelism), or remove the setting so Flink adopts it; changing it for real needs the State Processor API (rewrite the state with the new max parallelism)",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    for (op, job_op) in cx.claimed() {
        let setting = cx.job.max_parallelism_of(job_op);
        let Some(m) = setting.explicit() else {
            continue;
        };
        if i64::from(m) == i64::from(op.max_parallelism) {
            continue;
        }
        let r = cx.snapshot_ref(op);
        let where_set = match setting {
            MaxParallelism::Operator(_) => "on the operator",
            _ => "job-wide",
        };
        let head = op.has_keyed_state() || op.coordinator.is_some();
        let certain = head || matches!(setting, MaxParallelism::Job(_));
        let mut f = cx.finding(
            &RULE.info,
            Some(r.clone()),
            format!(
                "operator {} has max parallelism {} in the snapshot; the new job sets {m} ({where_set})",
                r.label(),
                op.max_parallelism
            ),
        );
        if let MaxParallelism::Job(_) = setting {
            f.group = Some(crate::check::Group {
                key: format!("job-wide {m} over {}", op.max_parallelism),
                message: format!(
                    "the new job sets max parallelism {m} job-wide; {{n}} operators have max parallelism {} in the snapshot",
                    op.max_parallelism
                ),
            });
        }
        f.flink_error = Some(
            if cx.options.restore_path == crate::check::RestorePath::Ha {
                // StateAssignmentOperation.checkParallelismPreconditions; Flink prints the vertex
                // object's identity hash where `<vertex>` stands.
                RULE.info.other_flink_message(0, &[&op.max_parallelism, &m])
            } else {
                RULE.info
                    .flink_message(&[&"Checkpoint Metadata", &op.id, &op.max_parallelism, &m])
            },
        );
        if certain {
            f.notes.push(
                "Flink refuses the job at submission; --allowNonRestoredState does not help".into(),
            );
        } else {
            f.severity = Severity::Warning;
            f.notes.push(
                "Flink fails only if this operator heads its task (first operator of its chain); behind another operator in a chain the setting is ignored. The job file does not say how operators chain".into(),
            );
        }
        out.push(f);
    }
}
