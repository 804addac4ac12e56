//! `duplicate_operator_id`: two operators of the new job with one id.

use std::collections::BTreeMap;

use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "duplicate_operator_id",
        severity: Severity::Error,
        summary: "two operators of the new job have the same uid or OperatorID",
        explanation: "\
Flink derives an operator's id from its uid. Two operators with the same uid get the same id, and
Flink refuses to build the job graph (StreamGraphHasherV2 throws before any restore is tried).
Two operators given the same id with setUidHash (or a uid-hash equal to another operator's uid
hash) would both claim one snapshot operator's state; flinspect treats that as an error as well.",
        flink_error: Some(
            "Hash collision on user-specified ID \"%s\". Most likely cause is a non-unique ID. Please check that all IDs specified via `uid(String)` are unique.",
        ),
        other_flink_errors: &[],
        help: "give every operator a unique uid",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let mut by_id: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for op in &cx.job.operators {
        by_id.entry(op.id).or_default().push(op);
    }
    for (id, ops) in by_id {
        if ops.len() < 2 {
            continue;
        }
        let labels: Vec<String> = ops.iter().map(|o| cx.job_ref(o).label()).collect();
        let mut f = cx.finding(
            &RULE.info,
            Some(cx.job_ref(ops[0])),
            format!(
                "{} operators of the new job have id {id}: {}",
                ops.len(),
                labels.join(", ")
            ),
        );
        if let Some(uid) = ops.iter().find_map(|o| o.uid.as_deref()) {
            f.flink_error = Some(RULE.info.flink_message(&[&uid]));
        }
        out.push(f);
    }
}
