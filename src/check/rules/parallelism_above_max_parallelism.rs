//! `parallelism_above_max_parallelism`: the new parallelism exceeds the snapshot's max
//! parallelism.

use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "parallelism_above_max_parallelism",
        severity: Severity::Error,
        summary: "parallelism above the snapshot's max parallelism",
        explanation: "\
Keyed state is split into max-parallelism key groups, and each subtask needs at least one, so a
task cannot run with more subtasks than the snapshot's max parallelism. Flink checks this at
submission for every task that holds an operator of the snapshot with subtask state records,
stateless operators included (StateAssignmentOperation.checkParallelismPreconditions), and
--allowNonRestoredState does not relax it. Flink names the task by its JobVertexID, which is the
OperatorID of the task's first operator; flinspect names the operator. Recorded with Flink 1.20.3
and 2.3.0 (testdata/restore, cases parallelism-above-maxpar*).",
        flink_error: Some(
            "The state for task %s can not be restored. The maximum parallelism (%d) of the restored state is lower than the configured parallelism (%d). Please reduce the parallelism of the task to be lower or equal to the maximum parallelism.",
        ),
        other_flink_errors: &[],
        help: "lower the parallelism to at most the snapshot's max parallelism; raising the max parallelism needs the State Processor API (rewrite the state with a higher max parallelism)",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let mut unknown = 0usize;
    for (op, job_op) in cx.claimed() {
        if op.subtasks.is_empty() || op.fully_finished {
            continue;
        }
        let Some(p) = cx.job.parallelism_of(job_op) else {
            unknown += 1;
            continue;
        };
        if i64::from(p) <= i64::from(op.max_parallelism) {
            continue;
        }
        let r = cx.snapshot_ref(op);
        let mut f = cx.finding(
            &RULE.info,
            Some(r.clone()),
            format!(
                "operator {} would run with parallelism {p}, above the snapshot's max parallelism {}",
                r.label(),
                op.max_parallelism
            ),
        );
        if job_op.parallelism.is_none() {
            f.group = Some(crate::check::Group {
                key: format!("job parallelism {p} over {}", op.max_parallelism),
                message: format!(
                    "the job's parallelism {p} is above the snapshot's max parallelism {} of {{n}} operators",
                    op.max_parallelism
                ),
            });
        }
        f.flink_error = Some(RULE.info.flink_message(&[&op.id, &op.max_parallelism, &p]));
        f.notes.push(
            "Flink refuses the job at submission and names the task by its first operator's id"
                .into(),
        );
        out.push(f);
    }
    if unknown > 0 {
        out.not_checked(
            format!("parallelism against the snapshot's max parallelism for {unknown} operator(s): the job gives no parallelism (Flink then uses -p or parallelism.default)"),
            false,
        );
    }
}
