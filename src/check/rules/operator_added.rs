//! `operator_added`: an operator of the new job that the snapshot does not know.

use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "operator_added",
        severity: Severity::Info,
        summary: "an operator of the new job has no state in the snapshot (it starts empty)",
        explanation: "\
An operator whose id the snapshot does not contain starts with empty state. That is what a newly
added operator should do; for an operator that existed before, it means its id changed (a new or
changed uid, or an auto-generated id that moved with the graph) and its old state is either
dropped (--allowNonRestoredState) or blocks the restore (see unmapped_state).",
        flink_error: None,
        other_flink_errors: &[],
        help: "if the operator existed in the old job, give it its old uid (`.uid(\"…\")`) or `setUidHash(\"<old id>\")`",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    for op in &cx.job.operators {
        if cx.md.operator(&op.id).is_some() {
            continue;
        }
        let r = cx.job_ref(op);
        let msg = format!(
            "operator {} is not in the snapshot; it starts with empty state",
            r.describe()
        );
        out.push(cx.finding(&RULE.info, Some(r), msg));
    }
}
