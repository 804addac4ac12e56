//! `state_backend_mismatch`: keyed state in one backend's own layout, restored with another
//! backend.

use std::collections::BTreeSet;

use super::{Rule, RuleInfo};
use crate::analysis::KeyedLayout;
use crate::check::{Context, Severity, Sink, StateBackend};
use crate::model::{KeyedHandle, MetadataVersion};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "state_backend_mismatch",
        severity: Severity::Error,
        summary: "keyed state in a layout the new job's state backend does not restore",
        explanation: "\
Checkpoints and native savepoints store keyed state in the writing backend's own layout: the
heap (hashmap) backend writes KeyGroupsStateHandle files, RocksDB and ForSt write their SST files
(IncrementalRemoteKeyedStateHandle). Canonical savepoints (KeyGroupsSavepointStateHandle, handle
code 7; also Flink 1.15 native RocksDB savepoints taken without incremental checkpoints) are
portable between hashmap and RocksDB. flinspect decides by the handle types in _metadata, not by
labels.

ForSt (Flink 2.x, state.backend.type: forst) restores only IncrementalRemoteKeyedStateHandle:
RocksDB's and its own native savepoints and checkpoints. Any other keyed handle, canonical
savepoints included, fails at task restore with \"Not support restoring yet for
ForStStateBackend\" (UnsupportedOperationException, ForStSyncKeyedStateBackendBuilder: the
recorded job uses the synchronous state API). RocksDB restores ForSt's native savepoints and
checkpoints, and hashmap refuses them like RocksDB's.
Recorded with Flink 2.0.1, 2.1.1 and 2.3.0 (cases backend-*-forst-*, backend-forst-*, unchanged-forst-*):

  snapshot of job v1             restored with: hashmap     rocksdb       forst
  hashmap canonical                             restored    restored      FAILED (a)
  hashmap native, checkpoint                    restored    FAILED (b)    FAILED (a)
  rocksdb canonical                             restored    restored      FAILED (a)
  rocksdb native, checkpoint                    FAILED (c)  restored      restored
  forst native, checkpoint                      FAILED (c)  restored      restored
  (a) UnsupportedOperationException: Not support restoring yet for ForStStateBackend
  (b) EOFException: Caught unexpected exception., or ArrayIndexOutOfBoundsException: Index 0
      out of bounds for length 0 (per subtask and run)
  (c) IllegalStateException: Unexpected state handle type, ... but found: class
      org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle. ...

ForSt takes no canonical savepoint: asked for one, its tasks fail the checkpoint with
\"Configured state backend (ForStStateBackend{...}) does not support CANONICAL savepoints\", and the
job fails (restart strategy none). Nothing in a snapshot tells ForSt's native files from RocksDB's
for sure (same handle types, file names, directory layout, keyed-backend meta file, OPTIONS key
set and rocksdb_version 8.10.0; only ForSt's default settings differ), and flinspect does not need
to: the two restore each other's native files.

Restoring a backend-specific layout with another backend is not caught at submission: the job is
accepted, its tasks fail while restoring state, and with a restart strategy the job restarts in a
loop. hashmap restoring RocksDB files fails with \"Unexpected state handle type\"; RocksDB
restoring heap files reads them as its own full format and fails with a low-level error (recorded:
Flink 1.20.3 ArrayIndexOutOfBoundsException \"Index 0 out of bounds for length 0\", Flink 2.3.0
EOFException). Recorded in testdata/restore, cases backend-*. The rule runs only when the job
states its state-backend.

Up to Flink 1.15 (metadata V2/V3) the heap backend and RocksDB full (non-incremental)
checkpoints write the same handle type, so only the state files tell them apart. flinspect reads
4 bytes per key group from them (the heap layout starts every key group with its id); when the
files cannot be read it reports a warning and the verdict \"unknown\" (recorded with Flink
1.13.6: a heap checkpoint restored with RocksDB fails at task restore).",
        flink_error: Some(
            "Unexpected state handle type, expected one of: %s, but found: %s. This can mostly happen when a different StateBackend from the one that was used for taking a checkpoint/savepoint is used when restoring.",
        ),
        other_flink_errors: &[
            "Not support restoring yet for ForStStateBackend (java.lang.UnsupportedOperationException: ForSt restores only IncrementalRemoteKeyedStateHandle, the native files of RocksDB and ForSt; recorded with Flink 2.0.1, 2.1.1 and 2.3.0)",
            "Unexpected key-group in restore. (the heap backend reads RocksDB's full-snapshot files; recorded with Flink 1.13.6)",
            "Caught unexpected exception. (RocksDB reads the heap backend's files as its own full-snapshot format; recorded root causes: java.lang.ArrayIndexOutOfBoundsException: Index 0 out of bounds for length 0 on Flink 1.20.3, java.io.EOFException on Flink 2.3.0)",
        ],
        help: "restore with the backend that wrote the snapshot, then take a canonical savepoint (`flink savepoint --type canonical`, the default) and restore that with the new backend; to move to ForSt, which restores no canonical savepoint, restore with RocksDB and take a native savepoint (`--type native`) or checkpoint instead",
    },
    check,
};

/// The layouts an operator's keyed state is in, looking through changelog handles to their
/// materialized part.
///
/// Where the state files were probed ([`crate::probe`]), the ambiguous heap-or-RocksDB-full
/// layout of Flink <= 1.15 is replaced by what the files showed.
pub(super) fn op_layouts(
    cx: &Context<'_, '_>,
    op: &crate::model::OperatorState<'_>,
) -> BTreeSet<KeyedLayout> {
    let v = cx.md.version;
    let probed = cx.options.key_groups_layout.as_ref().map(|p| p.value);
    fn add(h: &KeyedHandle<'_>, v: MetadataVersion, out: &mut BTreeSet<KeyedLayout>) {
        match h {
            KeyedHandle::Changelog { handle, .. } => {
                out.insert(KeyedLayout::Changelog);
                for m in &handle.materialized {
                    add(m, v, out);
                }
            }
            other => {
                out.insert(KeyedLayout::of(other, v));
            }
        }
    }
    let mut out = BTreeSet::new();
    for h in op.keyed_handles() {
        add(h, v, &mut out);
    }
    if let Some(p) = probed {
        if out.remove(&KeyedLayout::HeapOrRocksDbFull) {
            out.insert(p);
        }
    }
    out
}

/// Whether `backend` restores `layout`: Some(true) yes, Some(false) no, None unknown.
pub(super) fn restores(layout: KeyedLayout, backend: StateBackend) -> Option<bool> {
    match (layout, backend) {
        // ForSt restores IncrementalRemoteKeyedStateHandle only (recorded: Flink 2.0.1, 2.1.1, 2.3.0).
        (KeyedLayout::Canonical, StateBackend::Forst) => Some(false),
        (KeyedLayout::Canonical, _) => Some(true),
        (KeyedLayout::Heap, StateBackend::Hashmap) => Some(true),
        (KeyedLayout::Heap, _) => Some(false),
        // RocksDB and ForSt restore each other's native files (recorded: Flink 2.0.1, 2.1.1, 2.3.0).
        (KeyedLayout::RocksDb, StateBackend::Rocksdb | StateBackend::Forst) => Some(true),
        (KeyedLayout::RocksDb, StateBackend::Hashmap) => Some(false),
        (KeyedLayout::RocksDbFull, StateBackend::Rocksdb) => Some(true),
        (KeyedLayout::RocksDbFull, StateBackend::Hashmap) => Some(false),
        // KeyGroupsStateHandle, whichever backend wrote it: ForSt refuses the handle type.
        (KeyedLayout::RocksDbFull | KeyedLayout::HeapOrRocksDbFull, StateBackend::Forst) => {
            Some(false)
        }
        (KeyedLayout::HeapOrRocksDbFull, _) => None,
        // The changelog wrapper itself restores with changelog on or off (from Flink 1.16);
        // its materialized part is judged by its own layout.
        (KeyedLayout::Changelog, _) => Some(true),
    }
}

fn layout_backend(layout: KeyedLayout) -> &'static str {
    match layout {
        KeyedLayout::Heap => "the heap (hashmap) backend's",
        KeyedLayout::RocksDb => "RocksDB's (or ForSt's) native",
        KeyedLayout::RocksDbFull => "RocksDB's full-snapshot",
        KeyedLayout::HeapOrRocksDbFull => "the heap backend's or a RocksDB full checkpoint's",
        KeyedLayout::Changelog => "the changelog backend's",
        KeyedLayout::Canonical => "the canonical",
    }
}

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let Some(backend) = cx.job.state_backend else {
        let specific: BTreeSet<_> = cx
            .md
            .operators
            .iter()
            .flat_map(|o| op_layouts(cx, o))
            .filter(|l| !l.is_portable() && *l != KeyedLayout::Changelog)
            .collect();
        if !specific.is_empty() {
            let names: Vec<_> = specific.iter().map(|l| l.as_str()).collect();
            out.not_checked(
                format!(
                    "state backend: the job does not state one, and the snapshot's keyed state is in a backend-specific layout ({}) that only the same backend restores",
                    names.join(", ")
                ),
                true,
            );
        }
        return;
    };
    for (op, _) in cx.claimed() {
        for layout in op_layouts(cx, op) {
            let verdict = restores(layout, backend);
            if verdict == Some(true) {
                continue;
            }
            let r = cx.snapshot_ref(op);
            let mut f = cx.finding(
                &RULE.info,
                Some(r.clone()),
                format!(
                    "operator {} has keyed state in {} layout ({}), and the new job uses {}",
                    r.label(),
                    layout_backend(layout),
                    layout.as_str(),
                    backend.as_str()
                ),
            );
            match (layout, backend) {
                (_, StateBackend::Forst) => {
                    f.flink_error = Some(RULE.info.other_flink_message(0, &[]));
                }
                (KeyedLayout::RocksDb, StateBackend::Hashmap) => {
                    f.flink_error = Some(RULE.info.flink_message(&[
                        &"class org.apache.flink.runtime.state.KeyGroupsStateHandle",
                        &"class org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle",
                    ]));
                }
                (KeyedLayout::RocksDbFull, StateBackend::Hashmap) => {
                    f.flink_error = Some(RULE.info.other_flink_message(1, &[]));
                }
                (KeyedLayout::Heap, StateBackend::Rocksdb) => {
                    f.flink_error = Some(RULE.info.other_flink_message(2, &[]));
                }
                _ => {}
            }
            if verdict.is_none() {
                out.not_checked(
                    format!(
                        "whether {} restores the {} keyed state of operator {} (only the state files tell)",
                        backend.as_str(),
                        layout.as_str(),
                        r.describe()
                    ),
                    true,
                );
                f.severity = Severity::Warning;
                f.notes.push("handle codes 3/12 in a V2/V3 file are written by the heap backend and by RocksDB full checkpoints alike; only the state files tell them apart".to_string());
            } else {
                if layout == KeyedLayout::Canonical {
                    f.notes.push("ForSt restores only native RocksDB/ForSt files (IncrementalRemoteKeyedStateHandle), not canonical savepoints; restore with hashmap or RocksDB, then take a native savepoint or checkpoint with RocksDB and restore that with ForSt".into());
                }
                f.notes.push("the job is accepted at submission and its tasks fail while restoring; with a restart strategy it restarts in a loop".into());
            }
            out.push(f);
        }
    }
}
