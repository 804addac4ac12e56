//! `unmapped_stateless`: an operator of the snapshot without state that the new job lacks.

use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "unmapped_stateless",
        severity: Severity::Info,
        summary: "an operator of the snapshot without state is not in the new job (Flink skips it)",
        explanation: "\
Snapshots list every operator of the old job, also those without state (a stateless map, a
sink without state). When the new job has no operator with such an id, Flink skips the entry
silently: there is nothing to restore, so --allowNonRestoredState is not needed. flinspect
reports it because a stateless operator that lost its uid often means a stateful neighbour lost
its uid too.",
        flink_error: None,
        other_flink_errors: &[],
        help: "nothing to do, unless the operator was meant to keep its id",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    // From the HA store a missing stateless operator fails the restore: unmapped_state says so.
    if cx.options.restore_path == crate::check::RestorePath::Ha {
        return;
    }
    for op in &cx.md.operators {
        if op.has_state() || cx.claimant(op).is_some() {
            continue;
        }
        let r = cx.snapshot_ref(op);
        let msg = format!(
            "operator {} holds no state and is not in the new job; Flink skips it",
            r.describe()
        );
        out.push(cx.finding(&RULE.info, Some(r), msg));
    }
}
