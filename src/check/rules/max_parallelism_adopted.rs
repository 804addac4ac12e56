//! `max_parallelism_adopted`: the max parallelism is derived, and Flink takes the snapshot's.

use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink};
use crate::model::keygroups::default_max_parallelism;

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "max_parallelism_adopted",
        severity: Severity::Info,
        summary: "max parallelism not set: Flink adopts the snapshot's value, not the one it would derive",
        explanation: "\
When an operator's max parallelism is not set, Flink derives one from the parallelism
(roundUpToPowerOfTwo(p + p/2), between 128 and 32768). On restore, if the snapshot's max
parallelism differs and is at least the new parallelism, Flink adopts the snapshot's value
(ExecutionJobVertex.setMaxParallelism in StateAssignmentOperation), so the restore succeeds and
the job keeps the snapshot's number of key groups. Recorded with Flink 1.20.3 and 2.3.0
(testdata/restore, case maxpar-derived).",
        flink_error: None,
        other_flink_errors: &[],
        help: "nothing to do; set the max parallelism explicitly to the snapshot's value to make it visible in the job",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    for (op, job_op) in cx.claimed() {
        if cx.job.max_parallelism_of(job_op).explicit().is_some() || op.subtasks.is_empty() {
            continue;
        }
        let Some(p) = cx.job.parallelism_of(job_op) else {
            continue;
        };
        let derived = default_max_parallelism(p);
        if i64::from(derived) == i64::from(op.max_parallelism)
            || i64::from(p) > i64::from(op.max_parallelism)
        {
            continue;
        }
        let r = cx.snapshot_ref(op);
        let msg = format!(
            "operator {} does not set a max parallelism: Flink adopts the snapshot's {} instead of deriving {derived} from parallelism {p}",
            r.label(),
            op.max_parallelism
        );
        let mut f = cx.finding(&RULE.info, Some(r), msg);
        if job_op.parallelism.is_none() {
            f.group = Some(crate::check::Group {
                key: format!("{} instead of {derived}", op.max_parallelism),
                message: format!(
                    "{{n}} operators do not set a max parallelism: Flink adopts the snapshot's {} instead of deriving {derived} from the job's parallelism {p}",
                    op.max_parallelism
                ),
            });
        }
        out.push(f);
    }
}
