//! Checkpointing: enabled, interval, timeout, pause, tolerated failures, retention, storage.

use std::time::Duration;

use super::{AuditRule, NEEDS_CONFIG};
use crate::audit::{Context, Evidence, Sink, Source};
use crate::check::Severity;
use crate::config::keys;
use crate::config::value::show_duration;

pub(super) static DISABLED: AuditRule = AuditRule {
    id: "checkpointing_disabled",
    severity: Severity::Error,
    summary: "checkpointing is disabled",
    explanation: "Without checkpoints a failure restarts the job from scratch (or, with the \
default restart strategy for jobs without checkpointing, not at all): all state is lost and \
sources start over. flinspect reads checkpointing from the job's graph (env.enableCheckpointing \
and execution.checkpointing.interval as the job runs with them), else the configuration (no \
interval: disabled, unless the job's code enables it), else the snapshots (checkpoints exist: \
enabled).",
    fix: "execution.checkpointing.interval (e.g. 1 min), or env.enableCheckpointing(60_000)",
    decided_by: "job, config, snapshot",
    check: check_disabled,
};

pub(super) static INTERVAL: AuditRule = AuditRule {
    id: "checkpoint_interval",
    severity: Severity::Warning,
    summary: "the checkpoint interval is longer than the recovery SLA",
    explanation: "After a failure Flink restores the last completed checkpoint and reprocesses \
everything since: up to one interval of input (plus the checkpoint's own duration), and \
exactly-once sinks publish only on checkpoints, so output lags by up to an interval too. The \
interval must not exceed recovery-sla (default 10 min: an outage that reprocesses more than \
ten minutes of input usually breaks a streaming SLA).",
    fix: "execution.checkpointing.interval at or below the SLA, or env.enableCheckpointing(ms)",
    decided_by: "job, config",
    check: check_interval,
};

pub(super) static TIMEOUT: AuditRule = AuditRule {
    id: "checkpoint_timeout",
    severity: Severity::Warning,
    summary: "the checkpoint timeout is longer than the recovery SLA",
    explanation: "A checkpoint may run until execution.checkpointing.timeout (default 10 min) \
before Flink declares it failed: while it runs the newest completed checkpoint ages, so the \
data at risk is interval + timeout. A timeout above recovery-sla (default 10 min) lets \
checkpoints complete too late to bound recovery by the SLA; fix slow checkpoints (backpressure, \
unaligned checkpoints, incremental RocksDB) rather than waiting longer.",
    fix: "execution.checkpointing.timeout at or below the SLA, or CheckpointConfig.setCheckpointTimeout",
    decided_by: "config",
    check: check_timeout,
};

pub(super) static MIN_PAUSE: AuditRule = AuditRule {
    id: "checkpoint_min_pause",
    severity: Severity::Info,
    summary: "no minimum pause between checkpoints",
    explanation: "With execution.checkpointing.min-pause 0 (the default) a checkpoint that takes \
longer than the interval is followed at once by the next: under load the job does little but \
checkpoint, which slows it further. A pause (commonly half the interval) guarantees progress \
between checkpoints.",
    fix: "execution.checkpointing.min-pause (e.g. half the interval), or CheckpointConfig.setMinPauseBetweenCheckpoints",
    decided_by: "config",
    check: check_min_pause,
};

pub(super) static TOLERABLE_FAILURES: AuditRule = AuditRule {
    id: "checkpoint_tolerable_failures",
    severity: Severity::Warning,
    summary: "a single failed checkpoint fails the job",
    explanation: "execution.checkpointing.tolerable-failed-checkpoints (default 0) is how many \
consecutive checkpoint failures (an expired checkpoint, a transient storage error) Flink \
tolerates before failing and restarting the job. At 0 one slow checkpoint restarts the job. The \
default threshold min-tolerable-failures 1 asks that at least one be tolerated; a few (3) is \
common.",
    fix: "execution.checkpointing.tolerable-failed-checkpoints (e.g. 3), or CheckpointConfig.setTolerableCheckpointFailureNumber",
    decided_by: "config",
    check: check_tolerable,
};

pub(super) static RETENTION: AuditRule = AuditRule {
    id: "checkpoint_retention",
    severity: Severity::Warning,
    summary: "checkpoints are deleted when the job is cancelled",
    explanation: "Unless checkpoints are retained on cancellation \
(execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION), \
cancelling the job (or an operator's upgrade gone wrong) deletes the last checkpoint, and the \
job can only start from an older savepoint or from scratch. Flink's default is \
NO_EXTERNALIZED_CHECKPOINTS.",
    fix: "execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION, or CheckpointConfig.setExternalizedCheckpointRetention",
    decided_by: "config",
    check: check_retention,
};

pub(super) static RETAINED: AuditRule = AuditRule {
    id: "checkpoints_retained",
    severity: Severity::Info,
    summary: "fewer completed checkpoints retained than the threshold",
    explanation: "Flink keeps execution.checkpointing.num-retained (older: \
state.checkpoints.num-retained; default 1) completed checkpoints. With one, a corrupt or \
accidentally deleted checkpoint leaves nothing to fall back to. The threshold min-retained \
(default 2) keeps one spare; incremental checkpoints share most files, so a spare costs little.",
    fix: "execution.checkpointing.num-retained (older: state.checkpoints.num-retained), e.g. 3",
    decided_by: "config",
    check: check_retained,
};

pub(super) static DIR_MISSING: AuditRule = AuditRule {
    id: "checkpoint_dir_missing",
    severity: Severity::Error,
    summary: "no checkpoint directory: checkpoints live in the JobManager's memory",
    explanation: "Without execution.checkpointing.dir (older: state.checkpoints.dir) and no \
storage set in the job's code, Flink uses JobManagerCheckpointStorage: checkpoints are kept in \
the JobManager's heap, are limited in size, and are lost with the JobManager. Snapshots found \
on disk show that the job's code sets a directory.",
    fix: "execution.checkpointing.dir (older: state.checkpoints.dir) on a durable file system (s3://, hdfs://, gs://, abfss://), or env.getCheckpointConfig().setCheckpointStorage(uri)",
    decided_by: "config, snapshot",
    check: check_dir_missing,
};

pub(super) static DIR_LOCAL: AuditRule = AuditRule {
    id: "checkpoint_dir_local",
    severity: Severity::Warning,
    summary: "checkpoints on a local file system",
    explanation: "A file: path (or a path without scheme) is local to each machine: a \
TaskManager or JobManager on another machine cannot read what this one wrote, and a lost disk \
loses the checkpoints. Unless it is a shared mount (NFS) that every JobManager and TaskManager \
sees at the same path, checkpoints belong on a distributed file system. flinspect reads the \
directory from the configuration and the paths recorded inside the snapshots.",
    fix: "execution.checkpointing.dir (older: state.checkpoints.dir) on s3://, hdfs://, gs://, abfss:// (or a shared mount)",
    decided_by: "config, snapshot",
    check: check_dir_local,
};

pub(super) static SAVEPOINT_DIR: AuditRule = AuditRule {
    id: "savepoint_dir",
    severity: Severity::Warning,
    summary: "no savepoint directory, or one on a local file system",
    explanation: "Without execution.checkpointing.savepoint-dir (older: state.savepoints.dir) \
every savepoint and stop-with-savepoint needs an explicit target, and an upgrade script that \
forgets it fails; a file: directory has the same problem as local checkpoints.",
    fix: "execution.checkpointing.savepoint-dir (older: state.savepoints.dir) on a durable file system",
    decided_by: "config, snapshot",
    check: check_savepoint_dir,
};

/// Whether a path or URI is on a machine-local file system.
pub(crate) fn is_local(path: &str) -> bool {
    let p = path.trim();
    let lower = p.to_ascii_lowercase();
    if lower.starts_with("file:") {
        return true;
    }
    match p.split_once(':') {
        // `s3://…`, `hdfs:///…`: a scheme (at least two letters, so not a drive letter).
        Some((scheme, _))
            if scheme.len() >= 2
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            false
        }
        _ => true,
    }
}

fn interval_or(cx: &Context<'_>, sink: &mut Sink<'_>) -> Option<(Duration, Vec<Evidence>)> {
    match cx.checkpointing() {
        Err(needs) => {
            sink.not_checked("whether checkpointing is enabled is not known", needs);
            None
        }
        Ok(s) => match s.value {
            None => {
                sink.not_checked(
                    "checkpointing is disabled (see checkpointing_disabled)",
                    "checkpointing enabled",
                );
                None
            }
            Some(None) => {
                sink.not_checked(
                    "checkpointing is enabled but its interval is not known",
                    "the job (--jar/--sql/--job) or the configuration (--config)",
                );
                None
            }
            Some(Some(d)) => Some((d, s.evidence)),
        },
    }
}

fn check_disabled(cx: &Context<'_>, sink: &mut Sink<'_>) {
    match cx.checkpointing() {
        Err(needs) => sink.not_checked("nothing given says whether checkpointing is on", needs),
        Ok(s) => match s.value {
            None => {
                let f = sink.finding(None, "checkpointing is disabled", s.evidence);
                f.notes
                    .extend(cx.code_may_override("env.enableCheckpointing"));
            }
            Some(i) => {
                sink.passed(
                    None,
                    match i {
                        Some(d) => format!("checkpointing is enabled every {}", show_duration(d)),
                        None => "checkpointing is enabled".into(),
                    },
                    s.evidence,
                );
            }
        },
    }
}

fn check_interval(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some((d, evidence)) = interval_or(cx, sink) else {
        return;
    };
    let sla = cx.thresholds.recovery_sla;
    if d > sla {
        sink.finding(
            None,
            format!(
                "the checkpoint interval {} is longer than the recovery SLA {}",
                show_duration(d),
                show_duration(sla)
            ),
            evidence,
        );
    } else {
        sink.passed(
            None,
            format!(
                "the checkpoint interval {} is within the recovery SLA {}",
                show_duration(d),
                show_duration(sla)
            ),
            evidence,
        );
    }
}

fn check_timeout(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = cx.config_duration(&keys::CHECKPOINT_TIMEOUT) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let d = s.value.unwrap_or(Duration::from_secs(600));
    let sla = cx.thresholds.recovery_sla;
    if d > sla {
        let f = sink.finding(
            None,
            format!(
                "checkpoints may run for {} before they fail, longer than the recovery SLA {}",
                show_duration(d),
                show_duration(sla)
            ),
            s.evidence,
        );
        f.notes
            .extend(cx.code_may_override("CheckpointConfig.setCheckpointTimeout"));
    } else {
        sink.passed(
            None,
            format!(
                "the checkpoint timeout {} is within the recovery SLA {}",
                show_duration(d),
                show_duration(sla)
            ),
            s.evidence,
        );
    }
}

fn check_min_pause(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = cx.config_duration(&keys::CHECKPOINT_MIN_PAUSE) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let d = s.value.unwrap_or(Duration::ZERO);
    if d.is_zero() {
        let f = sink.finding(
            None,
            "no minimum pause between checkpoints: a slow checkpoint is followed at once by the next",
            s.evidence,
        );
        f.notes
            .extend(cx.code_may_override("CheckpointConfig.setMinPauseBetweenCheckpoints"));
    } else {
        sink.passed(
            None,
            format!("at least {} between checkpoints", show_duration(d)),
            s.evidence,
        );
    }
}

fn check_tolerable(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = cx.config_int(&keys::TOLERABLE_FAILURES) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let n = s.value.unwrap_or(0);
    let min = cx.thresholds.min_tolerable_failures as i64;
    if n < min {
        let f = sink.finding(
            None,
            format!("{n} failed checkpoints are tolerated (threshold {min}): one failed checkpoint restarts the job"),
            s.evidence,
        );
        f.notes
            .extend(cx.code_may_override("CheckpointConfig.setTolerableCheckpointFailureNumber"));
    } else {
        sink.passed(
            None,
            format!("{n} consecutive failed checkpoints are tolerated"),
            s.evidence,
        );
    }
}

fn check_retention(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = cx.config(&keys::EXTERNALIZED_RETENTION) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let v = s.value.unwrap_or_default();
    if v.eq_ignore_ascii_case("RETAIN_ON_CANCELLATION") {
        sink.passed(None, "checkpoints are retained on cancellation", s.evidence);
    } else {
        let f = sink.finding(
            None,
            format!("externalized checkpoint retention is {v}: cancelling the job deletes its checkpoints"),
            s.evidence,
        );
        f.notes
            .extend(cx.code_may_override("CheckpointConfig.setExternalizedCheckpointRetention"));
    }
}

fn check_retained(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = cx.config_int(&keys::NUM_RETAINED) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let n = s.value.unwrap_or(1);
    let min = cx.thresholds.min_retained as i64;
    if n < min {
        sink.finding(
            None,
            format!(
                "{n} completed checkpoint{} retained (threshold {min})",
                if n == 1 { " is" } else { "s are" }
            ),
            s.evidence,
        );
    } else {
        sink.passed(
            None,
            format!("{n} completed checkpoints are retained"),
            s.evidence,
        );
    }
}

/// Snapshot evidence of where checkpoints are: the directories recorded in the newest
/// snapshot, and the scanned trees.
fn snapshot_dirs(cx: &Context<'_>) -> Vec<(String, Evidence)> {
    let mut out = Vec::new();
    if let Some(s) = &cx.inputs.snapshot {
        for d in &s.recorded_dirs {
            out.push((
                d.clone(),
                Evidence::new(
                    Source::Snapshot,
                    format!("{}: state files recorded under {d}", s.path),
                ),
            ));
        }
    }
    out
}

fn check_dir_missing(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let on_disk = !cx.inputs.histories.is_empty() || cx.inputs.snapshot.is_some();
    match cx.config(&keys::CHECKPOINT_DIR) {
        Some(s) if s.value.is_some() => {
            sink.passed(None, "a checkpoint directory is configured", s.evidence);
        }
        Some(s) if on_disk => {
            let mut ev = s.evidence;
            ev.push(Evidence::new(
                Source::Snapshot,
                "snapshots exist on a file system: the job's code sets a checkpoint directory",
            ));
            sink.passed(None, "checkpoints are written to a directory", ev);
        }
        Some(s) => {
            let f = sink.finding(
                None,
                "no checkpoint directory is configured: checkpoints are kept in the JobManager's heap",
                s.evidence,
            );
            f.notes
                .extend(cx.code_may_override("env.getCheckpointConfig().setCheckpointStorage"));
        }
        None if on_disk => {
            sink.passed(
                None,
                "checkpoints are written to a directory",
                vec![Evidence::new(
                    Source::Snapshot,
                    "snapshots exist on a file system",
                )],
            );
        }
        None => sink.not_checked("no configuration file and no snapshot given", NEEDS_CONFIG),
    }
}

fn check_dir_local(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let mut decided = false;
    if let Some(s) = cx.config(&keys::CHECKPOINT_DIR) {
        if let Some(dir) = s.value.clone() {
            decided = true;
            if is_local(&dir) {
                sink.finding(
                    None,
                    format!("the checkpoint directory {dir} is on a local file system"),
                    s.evidence,
                );
            } else {
                sink.passed(
                    None,
                    format!("the checkpoint directory {dir} is not local"),
                    s.evidence,
                );
            }
        }
    }
    let dirs = snapshot_dirs(cx);
    let local: Vec<_> = dirs.iter().filter(|(d, _)| is_local(d)).collect();
    if !dirs.is_empty() {
        decided = true;
        if local.is_empty() {
            sink.passed(
                None,
                "the snapshot's state files are recorded on a non-local file system",
                dirs.iter().take(3).map(|(_, e)| e.clone()).collect(),
            );
        } else {
            let f = sink.finding(
                None,
                format!(
                    "the snapshot records state files on a local file system ({})",
                    local[0].0
                ),
                local.iter().take(3).map(|(_, e)| e.clone()).collect(),
            );
            if local.len() > 3 {
                f.notes
                    .push(format!("{} local directories in all", local.len()));
            }
        }
    }
    if !decided {
        sink.not_checked(
            "no checkpoint directory known (none configured, no file paths recorded in a snapshot)",
            "the configuration with a checkpoint directory, or a snapshot whose state is in files",
        );
    }
}

fn check_savepoint_dir(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = cx.config(&keys::SAVEPOINT_DIR) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    match s.value.clone() {
        None => {
            sink.finding(
                None,
                "no savepoint directory is configured: every savepoint needs an explicit target",
                s.evidence,
            );
        }
        Some(d) if is_local(&d) => {
            sink.finding(
                None,
                format!("the savepoint directory {d} is on a local file system"),
                s.evidence,
            );
        }
        Some(d) => {
            sink.passed(None, format!("savepoints go to {d}"), s.evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn local_paths() {
        for p in ["file:///tmp/x", "file:/x", "/data/chk", "chk", "C:/x"] {
            assert!(super::is_local(p), "{p}");
        }
        for p in [
            "s3://b/x",
            "hdfs:///x",
            "gs://b",
            "abfss://c@a.dfs.core.windows.net/x",
            "s3p://b",
        ] {
            assert!(!super::is_local(p), "{p}");
        }
    }
}
