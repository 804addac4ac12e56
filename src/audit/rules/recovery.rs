//! Recovery (HA, restart and failover strategy) and observability (metrics, logging).

use super::{AuditRule, NEEDS_CONFIG};
use crate::audit::{Context, Evidence, Sink, Source};
use crate::check::Severity;
use crate::config::keys;

pub(super) static HA_DISABLED: AuditRule = AuditRule {
    id: "ha_disabled",
    severity: Severity::Warning,
    summary: "JobManager high availability is not configured",
    explanation: "With high-availability.type NONE (the default; older key: high-availability) a \
JobManager failure ends every job on the cluster: nothing records which checkpoint to resume \
from, so the jobs must be restarted by hand from a retained checkpoint or savepoint. ZooKeeper \
or Kubernetes HA (with high-availability.storageDir on durable storage) lets a new JobManager \
resume them from the latest checkpoint.",
    fix: "high-availability.type: kubernetes | zookeeper (older: high-availability) and high-availability.storageDir",
    decided_by: "config",
    check: check_ha,
};

pub(super) static RESTART_STRATEGY: AuditRule = AuditRule {
    id: "restart_strategy",
    severity: Severity::Warning,
    summary: "failures are not restarted (restart strategy none, one attempt, or no checkpointing)",
    explanation: "restart-strategy.type (older: restart-strategy) decides what a task failure \
does. none/off/disable fails the job at the first error; fixed-delay with \
restart-strategy.fixed-delay.attempts 1 (its default) gives up after one retry. When unset, \
Flink restarts jobs with checkpointing enabled (exponential-delay in current releases) and does \
not restart jobs without it. flinspect reads the job's graph (its code's strategy and the \
configuration's) and the configuration.",
    fix: "restart-strategy.type: exponential-delay (or failure-rate / fixed-delay with enough attempts), or env.setRestartStrategy / the job's configuration",
    decided_by: "job, config",
    check: check_restart,
};

pub(super) static FAILOVER_STRATEGY: AuditRule = AuditRule {
    id: "failover_strategy",
    severity: Severity::Info,
    summary: "failover restarts the whole job instead of the failed region",
    explanation: "jobmanager.execution.failover-strategy: full restarts every task on any \
failure; region (the default) restarts only the pipelined region of the failed task, which for \
jobs of several independent pipelines or with blocking exchanges recovers faster and \
reprocesses less.",
    fix: "jobmanager.execution.failover-strategy: region",
    decided_by: "config",
    check: check_failover,
};

pub(super) static METRICS_REPORTER: AuditRule = AuditRule {
    id: "metrics_reporter_missing",
    severity: Severity::Warning,
    summary: "no metrics reporter configured",
    explanation: "Without a reporter (metrics.reporter.<name>.factory.class, listed in \
metrics.reporters when that is set) Flink's metrics — checkpoint durations and failures, \
backpressure, restarts, consumer lag — are only in the web UI: nothing alerts on a job that \
stopped checkpointing or keeps restarting.",
    fix: "metrics.reporter.<name>.factory.class (e.g. org.apache.flink.metrics.prometheus.PrometheusReporterFactory) and alerts on numberOfFailedCheckpoints, lastCheckpointDuration, numRestarts",
    decided_by: "config",
    check: check_metrics,
};

pub(super) static LOG_LEVEL: AuditRule = AuditRule {
    id: "log_level",
    severity: Severity::Warning,
    summary: "the root log level is not INFO or WARN",
    explanation: "Flink logs checkpoints, restores, failovers and their causes at INFO: ERROR or \
OFF hides them when they are needed. DEBUG, TRACE or ALL in production floods the logs, slows \
the job and can write record contents and credentials. flinspect reads rootLogger.level of the \
log4j.properties beside the configuration file (Flink's conf/ directory).",
    fix: "rootLogger.level = INFO in conf/log4j.properties (and log4j-console.properties for containers)",
    decided_by: "logging",
    check: check_log,
};

fn check_ha(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = cx.config(&keys::HA) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let v = s.value.clone().unwrap_or_else(|| "NONE".into());
    if v.eq_ignore_ascii_case("none") {
        sink.finding(
            None,
            "high availability is off: a JobManager failure ends the cluster's jobs",
            s.evidence,
        );
        return;
    }
    let mut ev = s.evidence;
    let storage = cx.config(&keys::HA_STORAGE_DIR);
    match storage.and_then(|st| {
        let v = st.value.clone();
        ev.extend(st.evidence);
        v
    }) {
        None => {
            sink.finding(
                None,
                format!("high availability is {v} but high-availability.storageDir is not set (the JobManager will not start)"),
                ev,
            );
        }
        Some(dir) if super::checkpointing::is_local(&dir) => {
            sink.finding(
                None,
                format!("high availability is {v} but its storage directory {dir} is on a local file system"),
                ev,
            );
        }
        Some(_) => {
            sink.passed(None, format!("high availability is {v}"), ev);
        }
    }
}

fn check_restart(cx: &Context<'_>, sink: &mut Sink<'_>) {
    // The strategy set, by whom.
    let mut set: Option<(String, Vec<Evidence>)> = None;
    if let Some((g, path)) = &cx.inputs.graph {
        if let Some(j) = &g.restart_strategy.job {
            set = Some((
                j.clone(),
                vec![Evidence::new(
                    Source::Job,
                    format!("the job's restart strategy: {j} ({path})"),
                )],
            ));
        } else if let Some(c) = &g.restart_strategy.configuration {
            set = Some((
                c.clone(),
                vec![Evidence::new(
                    Source::Job,
                    format!("the job's graph: restart-strategy.type {c} ({path})"),
                )],
            ));
        }
    }
    let cfg = cx.config(&keys::RESTART_STRATEGY);
    if set.is_none() {
        if let Some(s) = &cfg {
            if let Some(v) = &s.value {
                set = Some((v.clone(), s.evidence.clone()));
            }
        }
    }
    match set {
        Some((v, mut ev)) => {
            let l = v.to_ascii_lowercase();
            if ["none", "off", "disable"].contains(&l.as_str()) || l.contains("norestart") {
                sink.finding(
                    None,
                    format!("restart strategy {v}: the first failure fails the job"),
                    ev,
                );
            } else if l == "fixed-delay" || l == "fixeddelay" {
                let attempts = cx.config_int(&keys::RESTART_FIXED_DELAY_ATTEMPTS);
                let n = attempts.as_ref().and_then(|a| a.value).unwrap_or(1);
                if let Some(a) = attempts {
                    ev.extend(a.evidence);
                }
                if n <= 1 {
                    sink.finding(
                        None,
                        format!("restart strategy fixed-delay with {n} attempt: the second failure fails the job"),
                        ev,
                    );
                } else {
                    sink.passed(
                        None,
                        format!("restart strategy fixed-delay, {n} attempts"),
                        ev,
                    );
                }
            } else {
                sink.passed(None, format!("restart strategy {v}"), ev);
            }
        }
        None => {
            // Unset: Flink's default follows checkpointing.
            if cx.inputs.graph.is_none() && cfg.is_none() {
                sink.not_checked(
                    "no job and no configuration given",
                    "the job (--jar/--sql/--job) or the configuration (--config)",
                );
                return;
            }
            let mut ev: Vec<Evidence> = cfg.map(|c| c.evidence).unwrap_or_default();
            match cx.checkpointing() {
                Ok(c) if c.value.is_some() => {
                    ev.extend(c.evidence);
                    sink.passed(
                        None,
                        "no restart strategy set: with checkpointing enabled Flink restarts failed jobs (exponential-delay by default)",
                        ev,
                    );
                }
                Ok(c) => {
                    ev.extend(c.evidence);
                    sink.finding(
                        None,
                        "no restart strategy set and checkpointing disabled: Flink does not restart the job after a failure",
                        ev,
                    );
                }
                Err(needs) => sink.not_checked(
                    "no restart strategy set: Flink's default depends on whether checkpointing is enabled",
                    needs,
                ),
            }
        }
    }
}

fn check_failover(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = cx.config(&keys::FAILOVER_STRATEGY) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let v = s.value.clone().unwrap_or_else(|| "region".into());
    if v.eq_ignore_ascii_case("full") {
        sink.finding(
            None,
            "failover strategy full: any failure restarts every task",
            s.evidence,
        );
    } else {
        sink.passed(None, format!("failover strategy {v}"), s.evidence);
    }
}

fn check_metrics(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(c) = &cx.inputs.config else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    // Reporters configured: metrics.reporter.<name>.factory.class (or .class before 2.0).
    let mut configured: Vec<(String, Evidence)> = Vec::new();
    for e in c.with_prefix(keys::METRICS_REPORTER_PREFIX) {
        let rest = &e.key[keys::METRICS_REPORTER_PREFIX.len()..];
        let name = rest
            .strip_suffix(".factory.class")
            .or_else(|| rest.strip_suffix(".class"));
        if let Some(name) = name {
            configured.push((
                name.to_string(),
                Evidence::new(
                    Source::Config,
                    format!(
                        "{}: {} ({}{})",
                        e.key,
                        e.value.text(),
                        c.path,
                        e.line.map_or_else(String::new, |l| format!(":{l}"))
                    ),
                ),
            ));
        }
    }
    let listed = c
        .get(&keys::METRICS_REPORTERS)
        .map(|f| f.entry.value.items());
    let active: Vec<&(String, Evidence)> = configured
        .iter()
        .filter(|(n, _)| listed.as_ref().is_none_or(|l| l.contains(n)))
        .collect();
    if active.is_empty() {
        let msg = if configured.is_empty() {
            "no metrics reporter is configured".to_string()
        } else {
            format!(
                "metrics.reporters lists {:?}, but none of them has a factory.class",
                listed.unwrap_or_default()
            )
        };
        sink.finding(
            None,
            msg,
            vec![Evidence::new(
                Source::Config,
                format!("no metrics.reporter.<name>.factory.class in {}", c.path),
            )],
        );
    } else {
        let names: Vec<&str> = active.iter().map(|(n, _)| n.as_str()).collect();
        sink.passed(
            None,
            format!("metrics reporters: {}", names.join(", ")),
            active.iter().map(|(_, e)| e.clone()).collect(),
        );
    }
}

fn check_log(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some((level, path)) = &cx.inputs.log_level else {
        sink.not_checked(
            "no log4j.properties found beside the configuration file",
            "the configuration (--config) in a directory with Flink's log4j.properties",
        );
        return;
    };
    let ev = vec![Evidence::new(
        Source::Logging,
        format!("rootLogger.level = {level} ({path})"),
    )];
    match level.to_ascii_uppercase().as_str() {
        "INFO" | "WARN" => {
            sink.passed(None, format!("the root log level is {level}"), ev);
        }
        other => {
            let why = match other {
                "DEBUG" | "TRACE" | "ALL" => {
                    "floods the logs and can write record contents and credentials"
                }
                _ => "hides the INFO lines about checkpoints, restores and failovers",
            };
            sink.finding(None, format!("the root log level is {level}: {why}"), ev);
        }
    }
}
