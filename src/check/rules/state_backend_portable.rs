//! `state_backend_portable`: the keyed state is in the canonical layout, so any backend restores
//! it.

use super::state_backend_mismatch::op_layouts;
use super::{Rule, RuleInfo};
use crate::analysis::KeyedLayout;
use crate::check::{Context, Severity, Sink};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "state_backend_portable",
        severity: Severity::Info,
        summary: "keyed state in the canonical layout: any state backend restores it",
        explanation: "\
Canonical savepoints store keyed state in a backend-neutral layout (KeyGroupsSavepointStateHandle,
handle code 7), which hashmap, RocksDB and ForSt all restore. Flink 1.15 also writes native
RocksDB savepoints in this layout when incremental checkpoints are off. flinspect reports this
when the job states a state-backend, so that a backend switch is confirmed safe by the handle
types rather than by the snapshot's label. Recorded with Flink 1.20.3 and 2.3.0 (testdata/restore,
cases backend-*-canonical).",
        flink_error: None,
        help: "nothing to do: switching the state backend from this snapshot is supported",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let Some(backend) = cx.job.state_backend else {
        return;
    };
    let mut keyed = 0usize;
    for (op, _) in cx.claimed() {
        let layouts = op_layouts(cx, op);
        if layouts.is_empty() {
            continue;
        }
        if layouts.iter().any(|l| *l != KeyedLayout::Canonical) {
            return;
        }
        keyed += 1;
    }
    if keyed > 0 {
        out.push(cx.finding(
            &RULE.info,
            None,
            format!(
                "the keyed state of {keyed} operator(s) is in the canonical layout (handle code 7), which {} restores",
                backend.as_str()
            ),
        ));
    }
}
