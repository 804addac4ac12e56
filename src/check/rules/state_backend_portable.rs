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
        summary: "keyed state in the canonical layout: hashmap and RocksDB restore it",
        explanation: "\
Canonical savepoints store keyed state in a backend-neutral layout (KeyGroupsSavepointStateHandle,
handle code 7), which hashmap and RocksDB both restore. Flink 1.15 also writes native RocksDB
savepoints in this layout when incremental checkpoints are off. flinspect reports this when the
job states hashmap or rocksdb, so that a backend switch is confirmed safe by the handle types
rather than by the snapshot's label. Recorded with Flink 1.13.6, 1.20.3, 2.0.1, 2.1.1 and 2.3.0
(testdata/restore, cases backend-*-canonical).

ForSt (Flink 2.x) does not restore canonical savepoints: the task fails with \"Not support
restoring yet for ForStStateBackend\" (recorded with 2.0.1, 2.1.1 and 2.3.0, cases
backend-hashmap-to-forst-canonical and backend-rocksdb-to-forst-canonical); state_backend_mismatch
reports that. ForSt also takes no canonical savepoint itself.",
        flink_error: None,
        other_flink_errors: &[],
        help: "nothing to do: switching the state backend from this snapshot is supported",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let Some(backend) = cx.job.state_backend else {
        return;
    };
    // ForSt restores no canonical savepoint (state_backend_mismatch says so)
    if backend == crate::check::StateBackend::Forst {
        return;
    }
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
