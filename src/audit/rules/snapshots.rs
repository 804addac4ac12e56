//! What the job's snapshots show over time: size trend, unreclaimed shared state, skew, age.

use std::time::Duration;

use super::{AuditRule, NEEDS_SNAPSHOT};
use crate::audit::{Context, Evidence, Sink, Source};
use crate::check::Severity;
use crate::config::value::show_duration;
use crate::units::human_bytes;

const NEEDS_TREE: &str = "the job's checkpoint directory (a scan of its chk-N directories)";

pub(super) static SIZE_GROWTH: AuditRule = AuditRule {
    id: "checkpoint_size_growth",
    severity: Severity::Warning,
    summary: "checkpoint size keeps growing across the retained checkpoints",
    explanation: "State that grows without bound (keys never expire, windows never fire, a \
missing state TTL) ends in slower checkpoints and restores and, for the heap backend, in \
OutOfMemoryError. flinspect compares the newest retained checkpoint of each job with the oldest \
in the scanned directory: above growth-factor (default 2: doubling within the retention window, \
which usually spans minutes to hours) it reports the growth. A growing but bounded state (a new \
job filling its windows) is expected early in a job's life: accept it with an allow-list entry.",
    fix: "state TTL (StateTtlConfig, table.exec.state.ttl), timers that clear state, or bounded windows",
    decided_by: "snapshot",
    check: check_growth,
};

pub(super) static SHARED_UNRECLAIMED: AuditRule = AuditRule {
    id: "shared_state_unreclaimed",
    severity: Severity::Warning,
    summary: "incremental shared state that no retained checkpoint references keeps piling up",
    explanation: "Incremental checkpoints share SST files under shared/; Flink deletes a shared \
file once no retained checkpoint references it. Files it missed (a JobManager failover during \
subsumption, a checkpoint restored in LEGACY/NO_CLAIM mode by another job, a crash) stay \
forever. flinspect's scan lists the files under shared/ that no retained _metadata references; \
above unreclaimed-share (default 1: more orphaned than live bytes) the directory grows without \
bound. The scan withholds the list when a snapshot of the job is not restorable.",
    fix: "delete the listed files (flinspect scan --print0-reclaimable) after checking no other job restored from these checkpoints; claim mode (execution.state-recovery.claim-mode: CLAIM) lets Flink own them",
    decided_by: "snapshot",
    check: check_shared,
};

pub(super) static SKEW: AuditRule = AuditRule {
    id: "state_skew",
    severity: Severity::Warning,
    summary: "keyed state is skewed across subtasks or key groups",
    explanation: "Flink assigns each subtask an equal range of key groups, so uneven keyed state \
across subtasks means uneven keys (a hot key, a key with most of the data): the largest subtask \
bounds checkpoint time, recovery time and memory, and more parallelism does not help. \
flinspect compares each keyed operator's largest subtask in the newest snapshot with the mean, \
and, where the handles record key-group offsets (heap checkpoints, canonical and native heap \
savepoints, RocksDB full snapshots), its largest key group with the mean non-empty key group \
(one hot key shows there even when subtasks look even): above skew-factor (default 4) and skew-min-size \
(default 64 MiB, below which skew costs nothing) it reports the skew. RocksDB incremental and \
changelog handles record no per-key-group sizes.",
    fix: "a better-distributed key (salting a hot key, pre-aggregation before keyBy); Flink has no option that redistributes a key",
    decided_by: "snapshot",
    check: check_skew,
};

pub(super) static STALE: AuditRule = AuditRule {
    id: "checkpoint_stale",
    severity: Severity::Warning,
    summary: "the newest restorable checkpoint is much older than the interval",
    explanation: "A running job with checkpointing completes a checkpoint every interval. When \
the newest restorable checkpoint in the job's directory is older than stale-intervals (default \
3) intervals, checkpoints are failing or expiring (or the job stopped): a failure now \
reprocesses everything since. The age is the _metadata file's modification time against the \
time of the audit.",
    fix: "find why checkpoints fail (the web UI's checkpoint history, numberOfFailedCheckpoints); raise execution.checkpointing.timeout or enable unaligned checkpoints under backpressure",
    decided_by: "snapshot, with the interval from job or config",
    check: check_stale,
};

fn check_growth(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let jobs: Vec<_> = cx
        .inputs
        .histories
        .iter()
        .filter(|h| h.checkpoints.len() >= 2)
        .collect();
    if jobs.is_empty() {
        sink.not_checked("fewer than two checkpoints of one job given", NEEDS_TREE);
        return;
    }
    let factor = cx.thresholds.growth_factor;
    for h in jobs {
        let (first, last) = (h.checkpoints[0], h.checkpoints[h.checkpoints.len() - 1]);
        let ratio = if first.1 > 0 {
            last.1 as f64 / first.1 as f64
        } else {
            1.0
        };
        let ev = vec![Evidence::new(
            Source::Snapshot,
            format!(
                "{}: checkpoint {} {} → checkpoint {} {} ({} retained)",
                h.job,
                first.0,
                human_bytes(first.1),
                last.0,
                human_bytes(last.1),
                h.checkpoints.len()
            ),
        )];
        if ratio > factor {
            sink.finding(
                Some(h.job.clone()),
                format!(
                    "checkpoint size grew {ratio:.1}x from checkpoint {} to {} (threshold {factor}x)",
                    first.0, last.0
                ),
                ev,
            );
        } else {
            sink.passed(
                Some(h.job.clone()),
                format!("checkpoint size changed {ratio:.2}x over the retained checkpoints"),
                ev,
            );
        }
    }
}

fn check_shared(cx: &Context<'_>, sink: &mut Sink<'_>) {
    if cx.inputs.histories.is_empty() {
        sink.not_checked("no checkpoint directory scanned", NEEDS_TREE);
        return;
    }
    let share = cx.thresholds.unreclaimed_share;
    for h in &cx.inputs.histories {
        let Some(newest) = h.checkpoints.last() else {
            continue;
        };
        match &h.unreferenced_shared {
            Err(reason) => sink.not_checked(
                format!(
                    "{}: the scan withheld its list of unreferenced files: {reason}",
                    h.job
                ),
                "every snapshot of the job restorable",
            ),
            Ok(bytes) => {
                let ev = vec![Evidence::new(
                    Source::Snapshot,
                    format!(
                        "{}: {} under shared/ referenced by no retained checkpoint; newest checkpoint {} is {}",
                        h.job,
                        human_bytes(*bytes as i64),
                        newest.0,
                        human_bytes(newest.1)
                    ),
                )];
                if *bytes as f64 > share * newest.1.max(0) as f64 && *bytes > 0 {
                    sink.finding(
                        Some(h.job.clone()),
                        format!(
                            "{} of shared state is referenced by no retained checkpoint ({:.1}x the newest checkpoint, threshold {share}x)",
                            human_bytes(*bytes as i64),
                            *bytes as f64 / newest.1.max(1) as f64
                        ),
                        ev,
                    );
                } else {
                    sink.passed(
                        Some(h.job.clone()),
                        format!(
                            "{} of unreferenced shared state",
                            human_bytes(*bytes as i64)
                        ),
                        ev,
                    );
                }
            }
        }
    }
    if !cx
        .inputs
        .histories
        .iter()
        .any(|h| !h.checkpoints.is_empty())
    {
        sink.not_checked("the scanned directories hold no checkpoint", NEEDS_TREE);
    }
}

fn check_skew(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = &cx.inputs.snapshot else {
        sink.not_checked("no snapshot given", NEEDS_SNAPSHOT);
        return;
    };
    let factor = cx.thresholds.skew_factor;
    let min = cx.thresholds.skew_min_size;
    let mut any = false;
    for o in s.operators.iter().filter(|o| o.has_keyed_state) {
        any = true;
        let sizes = &o.keyed_per_subtask;
        let max = sizes.iter().copied().max().unwrap_or(0);
        let mean = sizes.iter().sum::<i64>() as f64 / sizes.len().max(1) as f64;
        let ratio = if mean > 0.0 { max as f64 / mean } else { 1.0 };
        let subject = match &o.uid {
            Some(u) => format!("uid {u:?} id {}", o.id),
            None => format!("id {}", o.id),
        };
        let ev = vec![Evidence::new(
            Source::Snapshot,
            format!(
                "{}: keyed state per subtask {}",
                s.path,
                sizes
                    .iter()
                    .map(|b| human_bytes(*b))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )];
        if ratio > factor && max as u64 >= min {
            sink.finding(
                Some(subject.clone()),
                format!(
                    "the largest subtask holds {} of keyed state, {ratio:.1}x the mean {} (threshold {factor}x)",
                    human_bytes(max),
                    human_bytes(mean as i64)
                ),
                ev,
            );
        } else {
            sink.passed(
                Some(subject.clone()),
                format!(
                    "largest subtask {} is {ratio:.2}x the mean (threshold {factor}x above {})",
                    human_bytes(max),
                    human_bytes(min as i64)
                ),
                ev,
            );
        }
        // Within the operator: one key group against the mean key group, where the handles
        // record key-group offsets.
        if let Some(kg) = &o.key_groups {
            let mean = kg.total as f64 / kg.measured.max(1) as f64;
            let (group, size) = kg.largest;
            let ratio = if mean > 0.0 { size as f64 / mean } else { 1.0 };
            let ev = vec![Evidence::new(
                Source::Snapshot,
                format!(
                    "{}: {} non-empty key groups measured from their offsets, {} in all; key group {group} holds {}",
                    s.path,
                    kg.measured,
                    human_bytes(kg.total),
                    human_bytes(size)
                ),
            )];
            if ratio > factor && size as u64 >= min {
                sink.finding(
                    Some(subject),
                    format!(
                        "key group {group} holds {}, {ratio:.1}x the mean non-empty key group {} (threshold {factor}x): a hot key",
                        human_bytes(size),
                        human_bytes(mean as i64)
                    ),
                    ev,
                );
            } else {
                sink.passed(
                    Some(subject),
                    format!("the largest key group ({group}) is {ratio:.2}x the mean non-empty key group"),
                    ev,
                );
            }
        }
    }
    if !any {
        sink.passed(
            None,
            "the snapshot holds no keyed state",
            vec![Evidence::new(Source::Snapshot, s.path.clone())],
        );
    }
}

fn check_stale(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let newest: Vec<_> = cx
        .inputs
        .histories
        .iter()
        .filter_map(|h| {
            h.checkpoints
                .iter()
                .rev()
                .find(|c| c.2)
                .map(|c| (h.job.clone(), c.0, c.3))
        })
        .collect();
    if newest.is_empty() {
        sink.not_checked("no restorable checkpoint found", NEEDS_TREE);
        return;
    }
    let interval = match cx.checkpointing() {
        Ok(s) => match s.value {
            Some(Some(d)) => Some((d, s.evidence)),
            _ => None,
        },
        Err(_) => None,
    };
    let Some((interval, iev)) = interval else {
        sink.not_checked(
            "the checkpoint interval is not known",
            "the job (--jar/--sql/--job) or the configuration (--config) with an interval",
        );
        return;
    };
    let now = cx.inputs.now.unwrap_or_else(std::time::SystemTime::now);
    let limit = interval * cx.thresholds.stale_intervals;
    for (job, id, modified) in newest {
        let Some(age) = modified.and_then(|m| now.duration_since(m).ok()) else {
            sink.not_checked(
                format!("{job}: the age of checkpoint {id} is not known"),
                "a file system that records modification times",
            );
            continue;
        };
        let age = Duration::from_secs(age.as_secs());
        let mut ev = vec![Evidence::new(
            Source::Snapshot,
            format!(
                "{job}: newest restorable checkpoint {id}, written {} ago",
                show_duration(age)
            ),
        )];
        ev.extend(iev.clone());
        if age > limit {
            sink.finding(
                Some(job),
                format!(
                    "the newest restorable checkpoint ({id}) is {} old, more than {} intervals of {}",
                    show_duration(age),
                    cx.thresholds.stale_intervals,
                    show_duration(interval)
                ),
                ev,
            );
        } else {
            sink.passed(
                Some(job),
                format!(
                    "the newest restorable checkpoint ({id}) is {} old",
                    show_duration(age)
                ),
                ev,
            );
        }
    }
}
