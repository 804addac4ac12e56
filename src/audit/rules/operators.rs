//! Operators: explicit uids, and max parallelism (explicit, headroom, excess).

use super::{AuditRule, NEEDS_JOB};
use crate::audit::{Context, Evidence, Sink, Source};
use crate::check::Severity;
use crate::config::keys;
use crate::graph::{MaxParallelismSource, Partitioner};
use crate::model::keygroups::default_max_parallelism;

pub(super) static UID_MISSING: AuditRule = AuditRule {
    id: "uid_missing",
    severity: Severity::Warning,
    summary: "a stateful operator without an explicit uid",
    explanation: "Without .uid(…) Flink derives an operator's id from the topology \
(StreamGraphHasherV2): adding, removing or reordering an operator upstream changes the id, and \
the state saved under the old id no longer maps to it (the restore fails, or drops the state \
with allowNonRestoredState). From the job's graph flinspect treats as stateful every operator \
that reads a keyed stream, every source, and every operator that holds state in a snapshot \
given alongside. A snapshot alone tells which operators hold state; metadata V5+ (Flink 1.15+ \
savepoints and checkpoints, 2.x) also records each operator's uid, so an operator with state \
and no uid is visible; V3/V4 files record no uids, so a snapshot of Flink 1.14 or older cannot \
tell whether an id came from a uid.",
    fix: "DataStream API: .uid(\"stable-name\") on every stateful operator (and sources and sinks); SQL: the planner's uids (table.exec.uid.generation = PLAN_ONLY, compiled plans)",
    decided_by: "job, snapshot (metadata V5+)",
    check: check_uid,
};

pub(super) static MAX_PARALLELISM_DERIVED: AuditRule = AuditRule {
    id: "max_parallelism_derived",
    severity: Severity::Warning,
    summary: "max parallelism is not set explicitly: Flink derives it from the first parallelism",
    explanation: "The max parallelism is the number of key groups keyed state is split into; it \
is fixed by the first run that writes state. When it is not set, Flink derives it from the \
parallelism (KeyGroupRangeAssignment.computeDefaultMaxParallelism: 1.5 x parallelism rounded \
up to a power of two, at least 128) and the job can never scale beyond it without losing its \
state. flinspect reads pipeline.max-parallelism from the configuration and env/operator \
setMaxParallelism from the job's graph; a snapshot records the value in force, not whether it \
was set.",
    fix: "pipeline.max-parallelism (configuration), or env.setMaxParallelism(n) / operator.setMaxParallelism(n)",
    decided_by: "job, config",
    check: check_derived,
};

pub(super) static MAX_PARALLELISM_HEADROOM: AuditRule = AuditRule {
    id: "max_parallelism_headroom",
    severity: Severity::Warning,
    summary: "a keyed operator's parallelism is close to its max parallelism",
    explanation: "An operator with keyed state can scale up to its max parallelism and no \
further; each subtask owns max parallelism / parallelism key groups. Above the threshold share \
(max-parallelism-share, default 0.5: the job cannot even double its parallelism) the headroom \
is too small to absorb growth, and raising max parallelism later discards the keyed state. \
flinspect reads parallelism and max parallelism from the job's graph (derived as Flink derives \
it when not set), else from the newest snapshot, else from parallelism.default and \
pipeline.max-parallelism of the configuration.",
    fix: "a larger pipeline.max-parallelism / setMaxParallelism (only before the first run, or with a state migration through the State Processor API)",
    decided_by: "job, snapshot, config",
    check: check_headroom,
};

pub(super) static MAX_PARALLELISM_EXCESSIVE: AuditRule = AuditRule {
    id: "max_parallelism_excessive",
    severity: Severity::Info,
    summary: "max parallelism far above any plausible need",
    explanation: "Every key group costs something in every checkpoint and at run time: a \
key-group offset (8 bytes) per key group in each keyed state handle of _metadata, key-group \
prefixes on every RocksDB key (2 bytes above 128 key groups), and per-key-group iteration on \
snapshot and restore. A max parallelism above max-parallelism-ratio (default 64) times the \
parallelism and above 1024 buys scale-out the job is unlikely to need (64x its current size) at \
that cost on every checkpoint; 32768 is Flink's limit.",
    fix: "a smaller pipeline.max-parallelism / setMaxParallelism (only for a new job: changing it discards keyed state)",
    decided_by: "job, snapshot, config",
    check: check_excessive,
};

/// A keyed operator's parallelism and max parallelism, as one input says.
struct Keyed {
    subject: String,
    parallelism: u32,
    max_parallelism: u32,
    /// Set explicitly (Some(true)), derived (Some(false)), or unknown (snapshot: None).
    explicit: Option<bool>,
    evidence: Evidence,
}

fn graph_subject(uid: Option<&str>, name: &str, id: &str) -> String {
    match uid {
        Some(u) => format!("uid {u:?} name {name:?} id {id}"),
        None => format!("name {name:?} id {id}"),
    }
}

fn keyed_operators(cx: &Context<'_>) -> Option<Vec<Keyed>> {
    if let Some((g, path)) = &cx.inputs.graph {
        let mut out = Vec::new();
        for o in &g.operators {
            if !o.inputs.iter().any(|i| i.partitioner == Partitioner::Hash) {
                continue;
            }
            let p = o.parallelism.max(1) as u32;
            let (m, explicit) = match o.max_parallelism {
                Some(m) => (m, true),
                None => (
                    g.max_parallelism.unwrap_or(default_max_parallelism(p)),
                    g.max_parallelism.is_some(),
                ),
            };
            out.push(Keyed {
                subject: graph_subject(o.uid.as_deref(), &o.name, &o.operator_id),
                parallelism: p,
                max_parallelism: m,
                explicit: Some(explicit),
                evidence: Evidence::new(
                    Source::Job,
                    format!(
                        "{}: parallelism {p}, max parallelism {m}{} ({path})",
                        o.name,
                        if explicit { "" } else { " (derived)" }
                    ),
                ),
            });
        }
        return Some(out);
    }
    if let Some(s) = &cx.inputs.snapshot {
        return Some(
            s.operators
                .iter()
                .filter(|o| o.has_keyed_state)
                .map(|o| Keyed {
                    subject: match &o.uid {
                        Some(u) => format!("uid {u:?} id {}", o.id),
                        None => format!("id {}", o.id),
                    },
                    parallelism: o.parallelism.max(1) as u32,
                    max_parallelism: o.max_parallelism.max(1) as u32,
                    explicit: None,
                    evidence: Evidence::new(
                        Source::Snapshot,
                        format!(
                            "{}: operator {} parallelism {}, max parallelism {}",
                            s.path, o.id, o.parallelism, o.max_parallelism
                        ),
                    ),
                })
                .collect(),
        );
    }
    let p = cx.config_int(&keys::PARALLELISM)?;
    let m = cx.config_int(&keys::MAX_PARALLELISM)?;
    let parallelism = p.value.unwrap_or(1).clamp(1, 32768) as u32;
    let (max_parallelism, explicit) = match m.value {
        Some(v) if v > 0 => (v.min(32768) as u32, true),
        _ => (default_max_parallelism(parallelism), false),
    };
    let mut evidence = p.evidence;
    evidence.extend(m.evidence);
    Some(vec![Keyed {
        subject: "the job (default parallelism)".into(),
        parallelism,
        max_parallelism,
        explicit: Some(explicit),
        evidence: Evidence::new(
            Source::Config,
            evidence
                .into_iter()
                .map(|e| e.detail)
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }])
}

fn check_uid(cx: &Context<'_>, sink: &mut Sink<'_>) {
    if let Some((g, path)) = &cx.inputs.graph {
        let with_state: std::collections::HashSet<&str> = cx
            .inputs
            .snapshot
            .iter()
            .flat_map(|s| {
                s.operators
                    .iter()
                    .filter(|o| o.has_state)
                    .map(|o| o.id.as_str())
            })
            .collect();
        let mut missing = 0;
        for o in &g.operators {
            if o.uid.is_some() || o.user_operator_id.is_some() {
                continue;
            }
            let why = if with_state.contains(o.operator_id.as_str()) {
                Some("it holds state in the snapshot")
            } else if o.inputs.iter().any(|i| i.partitioner == Partitioner::Hash) {
                Some("it reads a keyed stream")
            } else if o.inputs.is_empty() {
                Some("it is a source (sources keep their position as state)")
            } else {
                None
            };
            let Some(why) = why else { continue };
            missing += 1;
            sink.finding(
                Some(graph_subject(None, &o.name, &o.operator_id)),
                format!(
                    "operator {:?} has no uid and {why}: its id {} comes from the topology",
                    o.name, o.operator_id
                ),
                vec![Evidence::new(
                    Source::Job,
                    format!("{}: no uid, no setUidHash ({path})", o.name),
                )],
            );
        }
        if missing == 0 {
            sink.passed(
                None,
                format!(
                    "every stateful operator of the job has a uid ({} operators)",
                    g.operators.len()
                ),
                vec![Evidence::new(
                    Source::Job,
                    format!("the job's graph ({path})"),
                )],
            );
        }
        return;
    }
    if let Some((job, path)) = &cx.inputs.job_file {
        // A `uid-hash` entry is setUidHash or an id Flink generated: a job file cannot say which.
        let hashed = job.operators.iter().filter(|o| o.id_from_hash).count();
        if hashed == 0 {
            sink.passed(
                None,
                format!(
                    "the job file names all {} operators by uid",
                    job.operators.len()
                ),
                vec![Evidence::new(Source::Job, path.clone())],
            );
        } else {
            sink.not_checked(
                format!("{path} gives {hashed} operators by uid-hash only: setUidHash or an id Flink generated from the topology, which a job file cannot tell apart"),
                "the job's graph (--jar/--sql, or a `flinspect graph` document with --job)",
            );
        }
        return;
    }
    if let Some(s) = &cx.inputs.snapshot {
        if s.metadata_version < 5 {
            let n = s.operators.iter().filter(|o| o.has_state).count();
            sink.not_checked(
                format!(
                    "{} is metadata V{}, which records no uids: it shows that {n} operators hold state, not whether their ids come from uids",
                    s.path, s.metadata_version
                ),
                NEEDS_JOB,
            );
            return;
        }
        let mut missing = 0;
        for o in s
            .operators
            .iter()
            .filter(|o| o.has_state && o.uid.is_none())
        {
            missing += 1;
            sink.finding(
                Some(format!("id {}", o.id)),
                format!(
                    "operator {}{} holds state but the snapshot records no uid for it",
                    o.id,
                    o.name
                        .as_deref()
                        .map_or_else(String::new, |n| format!(" ({n})"))
                ),
                vec![Evidence::new(
                    Source::Snapshot,
                    format!(
                        "{} (metadata V{}): no uid recorded",
                        s.path, s.metadata_version
                    ),
                )],
            );
        }
        if missing == 0 {
            sink.passed(
                None,
                "every operator with state has a uid recorded in the snapshot",
                vec![Evidence::new(
                    Source::Snapshot,
                    format!("{} (metadata V{})", s.path, s.metadata_version),
                )],
            );
        }
        return;
    }
    sink.not_checked("no job and no snapshot given", NEEDS_JOB);
}

fn check_derived(cx: &Context<'_>, sink: &mut Sink<'_>) {
    if let Some((g, path)) = &cx.inputs.graph {
        if let Some(m) = g.max_parallelism {
            sink.passed(
                None,
                format!("the job sets max parallelism {m}"),
                vec![Evidence::new(
                    Source::Job,
                    format!("job-wide max parallelism {m} ({path})"),
                )],
            );
            return;
        }
        let derived: Vec<&crate::graph::Operator> = g
            .operators
            .iter()
            .filter(|o| o.inputs.iter().any(|i| i.partitioner == Partitioner::Hash))
            .filter(|o| o.max_parallelism_source != Some(MaxParallelismSource::Operator))
            .collect();
        if derived.is_empty() {
            sink.passed(
                None,
                "every keyed operator sets its max parallelism",
                vec![Evidence::new(
                    Source::Job,
                    format!("the job's graph ({path})"),
                )],
            );
        }
        for o in derived {
            let p = o.parallelism.max(1) as u32;
            sink.finding(
                Some(graph_subject(o.uid.as_deref(), &o.name, &o.operator_id)),
                format!(
                    "keyed operator {:?} has no explicit max parallelism: Flink derives {} from parallelism {p}",
                    o.name,
                    default_max_parallelism(p)
                ),
                vec![Evidence::new(
                    Source::Job,
                    format!("no setMaxParallelism, no pipeline.max-parallelism ({path})"),
                )],
            );
        }
        return;
    }
    if let Some((j, path)) = &cx.inputs.job_file {
        let ev = vec![Evidence::new(Source::Job, path.clone())];
        match j.max_parallelism {
            Some(m) => {
                sink.passed(None, format!("the job file sets max-parallelism {m}"), ev);
            }
            None => {
                sink.finding(None, "the job file sets no max-parallelism", ev);
            }
        }
        return;
    }
    if let Some(s) = cx.config_int(&keys::MAX_PARALLELISM) {
        match s.value {
            Some(m) if m > 0 => {
                sink.passed(None, format!("pipeline.max-parallelism is {m}"), s.evidence);
            }
            _ => {
                let f = sink.finding(
                    None,
                    "pipeline.max-parallelism is not set: Flink derives max parallelism from the first run's parallelism",
                    s.evidence,
                );
                f.notes
                    .extend(cx.code_may_override("env.setMaxParallelism"));
            }
        }
        return;
    }
    let needs = if cx.inputs.snapshot.is_some() {
        "the job (--jar/--sql/--job) or the configuration (--config): a snapshot records the max parallelism in force, not whether it was set"
    } else {
        "the job (--jar/--sql/--job) or the configuration (--config)"
    };
    sink.not_checked("nothing given says how max parallelism is set", needs);
}

fn check_headroom(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(ops) = keyed_operators(cx) else {
        sink.not_checked(
            "no parallelism known",
            "the job (--jar/--sql/--job), a snapshot, or the configuration (--config)",
        );
        return;
    };
    if ops.is_empty() {
        sink.passed(None, "the job has no keyed operator", vec![]);
        return;
    }
    let share = cx.thresholds.max_parallelism_share;
    for k in ops {
        let used = k.parallelism as f64 / k.max_parallelism as f64;
        let per = k.max_parallelism.div_ceil(k.parallelism);
        let note = format!(
            "{} key groups per subtask now; the largest parallelism it can reach is {} ({:.0} % used)",
            per,
            k.max_parallelism,
            used * 100.0
        );
        if used > share {
            let f = sink.finding(
                Some(k.subject.clone()),
                format!(
                    "parallelism {} is {:.0} % of max parallelism {}, above the {:.0} % threshold",
                    k.parallelism,
                    used * 100.0,
                    k.max_parallelism,
                    share * 100.0
                ),
                vec![k.evidence],
            );
            f.notes.push(note);
            if k.explicit == Some(false) {
                f.notes.push("the max parallelism is derived: it was fixed by the first run that wrote state".into());
            }
        } else {
            sink.passed(Some(k.subject.clone()), note, vec![k.evidence]);
        }
    }
}

fn check_excessive(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(ops) = keyed_operators(cx) else {
        sink.not_checked(
            "no max parallelism known",
            "the job (--jar/--sql/--job), a snapshot, or the configuration (--config)",
        );
        return;
    };
    if ops.is_empty() {
        sink.passed(None, "the job has no keyed operator", vec![]);
        return;
    }
    let ratio = cx.thresholds.max_parallelism_ratio.max(1);
    for k in ops {
        if k.max_parallelism > 1024 && k.max_parallelism / k.parallelism > ratio {
            sink.finding(
                Some(k.subject.clone()),
                format!(
                    "max parallelism {} is {}x the parallelism {} (threshold {ratio}x, above 1024)",
                    k.max_parallelism,
                    k.max_parallelism / k.parallelism,
                    k.parallelism
                ),
                vec![k.evidence],
            );
        } else {
            sink.passed(
                Some(k.subject.clone()),
                format!(
                    "max parallelism {} for parallelism {}",
                    k.max_parallelism, k.parallelism
                ),
                vec![k.evidence],
            );
        }
    }
}
