//! The state backend for the state size.

use super::{AuditRule, NEEDS_SNAPSHOT};
use crate::audit::{Context, Evidence, Sink, Source};
use crate::check::Severity;
use crate::config::keys;
use crate::units::human_bytes;

pub(super) static HEAP_LARGE_STATE: AuditRule = AuditRule {
    id: "heap_backend_large_state",
    severity: Severity::Warning,
    summary: "the heap (hashmap) backend with large keyed state per subtask",
    explanation: "The hashmap backend keeps keyed state as objects on the TaskManager's JVM heap: \
state near the heap's size means long GC pauses and OutOfMemoryError, and every checkpoint of \
it is a full copy. Above heap-state-per-subtask (default 1 GiB, a large share of a typical \
TaskManager heap per slot) the embedded RocksDB backend, which keeps state off-heap and on \
disk and checkpoints incrementally, is the backend for the size. flinspect takes the backend \
from the job's graph, else the configuration, else the snapshot's layout, and the largest \
subtask's keyed state from the newest snapshot.",
    fix: "state.backend.type: rocksdb (older: state.backend), or env.setStateBackend(new EmbeddedRocksDBStateBackend(true))",
    decided_by: "job or config (backend), snapshot (size)",
    check: check_heap,
};

pub(super) static ROCKSDB_FULL_CHECKPOINTS: AuditRule = AuditRule {
    id: "rocksdb_full_checkpoints",
    severity: Severity::Warning,
    summary: "RocksDB without incremental checkpoints, and large full checkpoints",
    explanation: "Without incremental checkpoints RocksDB uploads its whole state on every \
checkpoint: the time and the I/O grow with the state, not with what changed. Above \
full-checkpoint-size (default 1 GiB, where a full upload at typical object-store throughput \
takes tens of seconds per checkpoint) incremental checkpoints upload only new SST files. \
flinspect takes the backend and the incremental setting from the job's graph or the \
configuration, and the size of the newest full checkpoint from the snapshots.",
    fix: "execution.checkpointing.incremental: true (older: state.backend.incremental), or new EmbeddedRocksDBStateBackend(true)",
    decided_by: "job or config (backend, incremental), snapshot (size)",
    check: check_full,
};

pub(super) static ROCKSDB_MANAGED_MEMORY: AuditRule = AuditRule {
    id: "rocksdb_managed_memory",
    severity: Severity::Warning,
    summary: "RocksDB without Flink's managed memory",
    explanation: "By default RocksDB's block cache and write buffers are carved out of Flink's \
managed memory (state.backend.rocksdb.memory.managed: true, taskmanager.memory.managed.fraction \
0.4), which bounds its memory so a container is not killed for exceeding its limit. With \
managed memory off and no fixed size per slot (state.backend.rocksdb.memory.fixed-per-slot), or \
with managed memory set to zero, RocksDB's memory is unbounded or starved.",
    fix: "state.backend.rocksdb.memory.managed: true and a non-zero taskmanager.memory.managed.fraction (or .size)",
    decided_by: "config",
    check: check_managed,
};

/// The largest per-subtask keyed state of the newest snapshot, with the operator.
fn largest_subtask(cx: &Context<'_>) -> Option<(i64, String, Evidence)> {
    let s = cx.inputs.snapshot.as_ref()?;
    let mut best: Option<(i64, String)> = None;
    for o in &s.operators {
        for (i, &size) in o.keyed_per_subtask.iter().enumerate() {
            if best.as_ref().is_none_or(|(b, _)| size > *b) {
                best = Some((size, format!("operator {} subtask {i}", o.id)));
            }
        }
    }
    let (size, which) = best.unwrap_or((0, "no keyed state".into()));
    Some((
        size,
        which.clone(),
        Evidence::new(
            Source::Snapshot,
            format!(
                "{} (checkpoint {}): largest keyed state per subtask {} ({which})",
                s.path,
                s.checkpoint_id,
                human_bytes(size)
            ),
        ),
    ))
}

fn check_heap(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(backend) = cx.backend() else {
        sink.not_checked(
            "the state backend is not known",
            "the job (--jar/--sql/--job), the configuration (--config) or a snapshot",
        );
        return;
    };
    if backend.value != "hashmap" && backend.value != "filesystem" && backend.value != "jobmanager"
    {
        sink.passed(
            None,
            format!("the state backend is {}, not the heap", backend.value),
            backend.evidence,
        );
        return;
    }
    let Some((size, which, ev)) = largest_subtask(cx) else {
        sink.not_checked(
            format!(
                "the backend is {}, but the state size is not known",
                backend.value
            ),
            NEEDS_SNAPSHOT,
        );
        return;
    };
    let limit = cx.thresholds.heap_state_per_subtask;
    let mut evidence = backend.evidence;
    evidence.push(ev);
    if size as u64 > limit {
        let f = sink.finding(
            None,
            format!(
                "the {} backend holds {} of keyed state in one subtask ({which}), above {}",
                backend.value,
                human_bytes(size),
                human_bytes(limit as i64)
            ),
            evidence,
        );
        f.notes.extend(cx.code_may_override("env.setStateBackend"));
    } else {
        sink.passed(
            None,
            format!(
                "the {} backend's largest subtask holds {} of keyed state (threshold {})",
                backend.value,
                human_bytes(size),
                human_bytes(limit as i64)
            ),
            evidence,
        );
    }
}

fn check_full(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(backend) = cx.backend() else {
        sink.not_checked(
            "the state backend is not known",
            "the job (--jar/--sql/--job), the configuration (--config) or a snapshot",
        );
        return;
    };
    if backend.value != "rocksdb" {
        sink.passed(
            None,
            format!("the state backend is {}, not RocksDB", backend.value),
            backend.evidence,
        );
        return;
    }
    let Some(incr) = cx.incremental() else {
        sink.not_checked(
            "whether checkpoints are incremental is not known",
            "the job (--jar/--sql/--job), the configuration (--config) or a snapshot",
        );
        return;
    };
    let mut evidence = backend.evidence;
    evidence.extend(incr.evidence);
    if incr.value {
        sink.passed(None, "RocksDB checkpoints are incremental", evidence);
        return;
    }
    // The newest checkpoint's size: from the history, else the snapshot given.
    let size = cx
        .inputs
        .histories
        .iter()
        .filter_map(|h| h.checkpoints.last().map(|c| (c.1, h.job.clone())))
        .max()
        .map(|(s, job)| {
            (
                s,
                Evidence::new(
                    Source::Snapshot,
                    format!("newest checkpoint of {job}: {}", human_bytes(s)),
                ),
            )
        })
        .or_else(|| {
            cx.inputs.snapshot.as_ref().map(|s| {
                (
                    s.state_size,
                    Evidence::new(
                        Source::Snapshot,
                        format!("{}: {}", s.path, human_bytes(s.state_size)),
                    ),
                )
            })
        });
    let Some((size, ev)) = size else {
        sink.not_checked(
            "RocksDB checkpoints are full (not incremental), but their size is not known",
            NEEDS_SNAPSHOT,
        );
        return;
    };
    evidence.push(ev);
    let limit = cx.thresholds.full_checkpoint_size;
    if size as u64 > limit {
        sink.finding(
            None,
            format!(
                "RocksDB uploads full checkpoints of {} each, above {}",
                human_bytes(size),
                human_bytes(limit as i64)
            ),
            evidence,
        );
    } else {
        sink.passed(
            None,
            format!(
                "RocksDB checkpoints are full but {} (threshold {})",
                human_bytes(size),
                human_bytes(limit as i64)
            ),
            evidence,
        );
    }
}

fn check_managed(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let (Some(managed), Some(fraction), Some(size)) = (
        cx.config_bool(&keys::ROCKSDB_MEMORY_MANAGED),
        cx.config(&keys::MANAGED_MEMORY_FRACTION),
        cx.config(&keys::MANAGED_MEMORY_SIZE),
    ) else {
        sink.not_checked("no configuration file given", super::NEEDS_CONFIG);
        return;
    };
    let backend = cx.backend();
    if let Some(b) = &backend {
        if b.value != "rocksdb" && b.value != "forst" {
            sink.passed(
                None,
                format!(
                    "the state backend is {}: managed memory does not apply",
                    b.value
                ),
                b.evidence.clone(),
            );
            return;
        }
    }
    let fixed = cx
        .inputs
        .config
        .as_ref()
        .and_then(|c| c.get(&keys::ROCKSDB_MEMORY_FIXED_PER_SLOT))
        .is_some();
    let zero_size = size
        .value
        .as_deref()
        .and_then(|v| crate::config::value::parse_memory(v).ok())
        == Some(0);
    let zero_fraction = size.value.is_none()
        && fraction
            .value
            .as_deref()
            .and_then(|v| v.trim().parse::<f64>().ok())
            == Some(0.0);
    let mut evidence = managed.evidence;
    let problem = if managed.value == Some(false) && !fixed {
        Some("state.backend.rocksdb.memory.managed is false and no fixed-per-slot size is set: RocksDB's memory is unbounded")
    } else if managed.value != Some(false) && (zero_size || zero_fraction) {
        evidence.extend(if zero_size {
            size.evidence
        } else {
            fraction.evidence
        });
        Some("RocksDB uses managed memory, but the TaskManagers have none")
    } else {
        None
    };
    let note = match &backend {
        Some(b) => format!("the backend is {}", b.value),
        None => "applies if the job uses RocksDB".into(),
    };
    match problem {
        Some(p) => {
            let f = sink.finding(None, p, evidence);
            f.notes.push(note);
        }
        None => {
            sink.passed(
                None,
                format!("RocksDB's memory is bounded by managed memory ({note})"),
                evidence,
            );
        }
    }
}
