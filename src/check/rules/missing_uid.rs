//! `missing_uid`: an operator of the new job without an explicit uid.

use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "missing_uid",
        severity: Severity::Warning,
        summary: "an operator of the new job has no explicit uid",
        explanation: "\
Without a uid, Flink derives an operator's id from its position in the job graph, so adding,
removing or reordering operators upstream changes the id and orphans its state on the next
restore. setUidHash pins an existing id but hides what it means. flinspect warns for operators
the job file gives only by uid-hash, and, with --against, for operators a V5+ snapshot records
without a uid.",
        flink_error: None,
        other_flink_errors: &[],
        help: "set `.uid(\"…\")` on every stateful operator; to keep the state of an operator that had no uid, use `setUidHash(\"<id>\")` once, or move the state to a uid with the State Processor API (`changeOperatorIdentifier`)",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    if !cx.job.uids_known {
        out.not_checked(
            "uids of the new job's operators (the --against snapshot predates metadata V5, which records them)",
            false,
        );
        return;
    }
    for op in &cx.job.operators {
        if op.uid.is_some() {
            continue;
        }
        let r = cx.job_ref(op);
        let msg = format!(
            "operator {} has no uid: its id depends on the job graph's shape",
            r.describe()
        );
        out.push(cx.finding(&RULE.info, Some(r), msg));
    }
}
