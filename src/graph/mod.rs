//! The new job's graph, taken from the job itself (`flinspect graph`).
//!
//! A JVM companion (`jvm/companion/`, Java) loads the user's job jar with Flink's own client
//! classes, takes the `StreamGraph` that `main()` builds (Flink's plan environment captures it at
//! the first `execute()`/`executeAsync()` and aborts `main()` there), derives the `JobGraph` as
//! Flink does at submission and writes one JSON document: the [`GraphDocument`]. This module
//! holds that document's types (the format is a public contract, documented field by field here
//! and in `docs/graph.schema.json`), [`run_graph`] which finds `java`, Flink's jars and the
//! companion and runs it, and [`graph_to_job`] which turns a document into the
//! [`crate::check::Job`] that `check` judges.
//!
//! Architecture invariant: nothing here prints; every failure is one [`GraphError`] line that
//! says what was missing and how to provide it.

mod run;

#[cfg(test)]
use run::failure_message;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::check::{FlinkVersion, FlinkVersions, Job, JobOperator, JobSource, StateBackend};
use crate::model::keygroups::UPPER_BOUND_MAX_PARALLELISM;
use crate::model::OperatorId;

pub use run::{
    companion_jar_name, find_companion, find_flink, find_java, is_compiled_plan, run_graph,
    FlinkHome, GraphOutput, GraphRequest, COMPANION_JAR_ENV,
};

/// The `schema_version` this crate reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// One graph document: what the companion prints for a job jar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphDocument {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The Flink release whose classes built the graph (`EnvironmentInformation.getVersion()`).
    pub flink_version: String,
    /// The job's main class.
    pub entry_class: String,
    /// The name given to `execute(name)`, or Flink's default.
    pub job_name: Option<String>,
    /// Which `execute()` the graph comes from: always `first_execute` (the plan environment
    /// aborts `main()` at its first `execute()`/`executeAsync()`, later calls are never reached).
    pub captured: Captured,
    /// `parallelism.default` of the configuration (Flink's default 1 when unset).
    pub default_parallelism: i32,
    /// The job's default parallelism (`env.setParallelism`, else `default_parallelism`).
    pub parallelism: i32,
    /// Job-wide max parallelism, when set (`env.setMaxParallelism`, `pipeline.max-parallelism`).
    pub max_parallelism: Option<u32>,
    pub state_backend: StateBackendSetting,
    pub changelog: BoolSetting,
    pub checkpointing: Checkpointing,
    pub restart_strategy: RestartStrategy,
    /// The JobGraph's vertices (chains), sources first.
    pub vertices: Vec<Vertex>,
    /// Every operator of the StreamGraph, in the order Flink created them.
    pub operators: Vec<Operator>,
    /// `graph --snapshot`: the snapshot whose state each operator's `state` describes. Absent
    /// from the companion's own output and from a graph taken without `--snapshot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotRecord>,
}

/// The snapshot a graph was recorded against (`flinspect graph … --snapshot SNAPSHOT`): a
/// savepoint or checkpoint of the job the graph describes, so that a later `diff` knows which
/// operators hold state and how much.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRecord {
    /// The `_metadata` file as given (or resolved from its directory).
    pub path: String,
    pub checkpoint_id: i64,
    /// The format version at byte offset 4.
    pub metadata_version: i32,
    /// `checkpoint` or `savepoint`, when known.
    pub kind: Option<String>,
    /// Operators of the snapshot that no operator of the graph has (by OperatorID): state the
    /// job the graph describes would not restore.
    pub unclaimed: Vec<UnclaimedState>,
}

/// A snapshot operator no graph operator claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnclaimedState {
    pub operator_id: String,
    /// The uid the snapshot records (metadata V5+), when it has one.
    pub uid: Option<String>,
    /// `OperatorState.getStateSize()`.
    pub state_size: i64,
    /// Whether Flink needs an operator for it (it has state or coordinator state).
    pub has_state: bool,
}

/// What the snapshot holds for one operator (`graph --snapshot`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorStateRecord {
    /// The snapshot has an entry with this operator's OperatorID.
    pub in_snapshot: bool,
    /// Whether Flink needs an operator for the entry on restore (any handle or coordinator
    /// state: `OperatorState` with state); false for an operator the snapshot lists without state.
    pub has_state: bool,
    /// `OperatorState.getStateSize()`, bytes.
    pub state_size: i64,
    /// Keyed state, bytes (managed and raw).
    pub keyed_state_size: i64,
    /// Names of its operator (non-keyed) state.
    pub operator_state: Vec<String>,
    /// Coordinator state (e.g. a source's split enumerator), bytes.
    pub coordinator_state_size: Option<i64>,
    /// In-flight data of an unaligned checkpoint, bytes.
    pub channel_state_size: i64,
    /// Subtask state records (Flink checks the parallelism of a task against the state's max
    /// parallelism only when one of its operators has some).
    pub subtask_states: u32,
    /// The parallelism and max parallelism the snapshot records for the operator.
    pub parallelism: Option<i32>,
    pub max_parallelism: Option<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Captured {
    FirstExecute,
}

/// A setting the job's code may make and the configuration may make; `effective` is what Flink
/// uses (the job's, else the configuration's, else Flink's default).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateBackendSetting {
    /// From the job: `env.setStateBackend(…)` (or, 1.19+, the job's own configuration).
    pub job: Option<String>,
    /// The class of the backend object the job set.
    pub job_class: Option<String>,
    /// `state.backend.type` (or the older `state.backend`) of the configuration.
    pub configuration: Option<String>,
    /// `hashmap`, `rocksdb`, `forst`, or another name Flink was given.
    pub effective: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoolSetting {
    pub job: Option<bool>,
    pub configuration: Option<bool>,
    pub effective: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpointing {
    pub enabled: bool,
    /// The checkpoint interval when checkpointing is enabled.
    pub interval_ms: Option<u64>,
    /// `exactly_once` or `at_least_once`.
    pub mode: Option<String>,
    pub unaligned: bool,
    pub incremental: BoolSetting,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestartStrategy {
    /// What the job's code set (its description), if anything.
    pub job: Option<String>,
    /// `restart-strategy.type` (or `restart-strategy`) of the configuration.
    pub configuration: Option<String>,
}

/// A JobGraph vertex: one chain of operators that runs as one task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vertex {
    /// The JobVertexID (the chain head's generated OperatorID).
    pub id: String,
    pub name: String,
    pub parallelism: i32,
    /// The vertex's raw max parallelism; absent when Flink will derive it (or adopt the
    /// snapshot's on restore).
    pub max_parallelism: Option<u32>,
    /// The OperatorIDs of the chain, head first.
    pub operators: Vec<String>,
}

/// One operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    /// The OperatorID Flink restores this operator's state with: `user_operator_id` when set,
    /// else `generated_operator_id`.
    pub operator_id: String,
    /// `StreamGraphHasherV2`'s ID: the uid's hash, or one derived from the topology when the
    /// operator has no uid.
    pub generated_operator_id: String,
    /// The hash given with `setUidHash`.
    pub user_operator_id: Option<String>,
    pub uid: Option<String>,
    pub name: String,
    pub parallelism: i32,
    /// Max parallelism when it is explicit (see `max_parallelism_source`), else absent.
    pub max_parallelism: Option<u32>,
    pub max_parallelism_source: Option<MaxParallelismSource>,
    /// The JobVertexID of the chain this operator runs in.
    pub vertex_id: String,
    /// 0 for the chain head.
    pub chain_position: u32,
    pub inputs: Vec<Input>,
    /// Why Flink can keep no state for this operator (a map, filter, flatMap or sink whose
    /// function implements no state interface, and on a keyed stream is no RichFunction; a
    /// Sink V2 writer without writer state or committer), or absent when it may hold state or
    /// the companion cannot tell. Absent in documents of companions before this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stateless: Option<String>,
    /// `graph --snapshot`: what the snapshot holds for this operator. Absent without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<OperatorStateRecord>,
}

/// Where an explicit max parallelism comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxParallelismSource {
    /// `setMaxParallelism` on the operator, or `forceNonParallel` (1).
    Operator,
    /// `env.setMaxParallelism` or `pipeline.max-parallelism`.
    Job,
}

/// One input edge of an operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The upstream operator's OperatorID.
    pub operator_id: String,
    pub partitioner: Partitioner,
    /// Flink's partitioner class.
    pub partitioner_class: String,
    /// The side output's id, when the edge carries one.
    pub side_output: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Partitioner {
    Forward,
    Rebalance,
    Hash,
    Broadcast,
    Rescale,
    Shuffle,
    Global,
    Custom,
    /// A partitioner class this schema does not name (see `partitioner_class`).
    Other,
}

/// Why there is no graph (exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphError {
    pub message: String,
}

impl GraphError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        GraphError {
            message: message.into(),
        }
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for GraphError {}

impl GraphDocument {
    /// Parses and validates a graph document (`source` names it in messages): the schema
    /// version, every OperatorID as 32 hex digits, and every reference (vertex, input) resolving.
    pub fn from_json(text: &str, source: &str) -> Result<GraphDocument, GraphError> {
        let version: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| GraphError::new(format!("{source}: not a graph document (JSON): {e}")))?;
        match version.get("schema_version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(GraphError::new(format!(
                    "{source}: graph document schema_version {v}, expected {SCHEMA_VERSION} (a companion and a flinspect of different releases?)"
                )))
            }
            None => {
                return Err(GraphError::new(format!(
                    "{source}: not a graph document: no schema_version"
                )))
            }
        }
        let doc: GraphDocument = serde_json::from_value(version)
            .map_err(|e| GraphError::new(format!("{source}: graph document: {e}")))?;
        doc.validate(source)?;
        Ok(doc)
    }

    fn validate(&self, source: &str) -> Result<(), GraphError> {
        let err = |m: String| GraphError::new(format!("{source}: graph document: {m}"));
        let hex = |what: &str, s: &str| {
            OperatorId::from_hex(s)
                .map(|_| ())
                .ok_or_else(|| err(format!("{what} {s:?} is not 32 hexadecimal digits")))
        };
        for v in &self.vertices {
            hex("vertex id", &v.id)?;
            for o in &v.operators {
                hex("vertex operator", o)?;
            }
        }
        for (i, o) in self.operators.iter().enumerate() {
            let at = format!("operators[{i}] ({})", o.name);
            hex(&format!("{at} operator_id"), &o.operator_id)?;
            hex(
                &format!("{at} generated_operator_id"),
                &o.generated_operator_id,
            )?;
            if let Some(u) = &o.user_operator_id {
                hex(&format!("{at} user_operator_id"), u)?;
            }
            if !self.vertices.iter().any(|v| v.id == o.vertex_id) {
                return Err(err(format!("{at}: vertex_id {} is no vertex", o.vertex_id)));
            }
            for input in &o.inputs {
                if !self
                    .operators
                    .iter()
                    .any(|p| p.operator_id == input.operator_id)
                {
                    return Err(err(format!(
                        "{at}: input {} is no operator",
                        input.operator_id
                    )));
                }
            }
            if let Some(m) = o.max_parallelism {
                if m == 0 || m > UPPER_BOUND_MAX_PARALLELISM {
                    return Err(err(format!(
                        "{at}: max_parallelism {m} is outside Flink's range 1..={UPPER_BOUND_MAX_PARALLELISM}"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Turns a graph document into the new job that `check` judges (`source` names the job in
/// findings, e.g. the jar's path). `allow_non_restored_state` is the submission's
/// `--allowNonRestoredState`, which the job itself cannot say.
///
/// Decisions:
/// - every operator keeps its OperatorID exactly as Flink computed it; an operator with a uid
///   and no `setUidHash` is given by its uid (and its ID is checked to be the uid's hash), any
///   other by its ID (`uid-hash` in the YAML form);
/// - an operator's max parallelism is kept only when it was set on the operator (or by
///   `forceNonParallel`); the job-wide value is the job's `max_parallelism`;
/// - the state backend is the effective one; a backend name flinspect does not know is an error
///   (it cannot judge a restore into it);
/// - the Flink release is the companion's (major.minor).
pub fn graph_to_job(
    doc: &GraphDocument,
    source: &str,
    allow_non_restored_state: bool,
) -> Result<Job, GraphError> {
    let err = |m: String| GraphError::new(format!("{source}: {m}"));
    let version = FlinkVersion::parse(&doc.flink_version)
        .or_else(|| {
            // Snapshot builds: "2.3-SNAPSHOT", "1.20.3-rc1".
            let core: String = doc
                .flink_version
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            FlinkVersion::parse(core.trim_end_matches('.'))
        })
        .ok_or_else(|| {
            err(format!(
                "flink_version {:?} is not a Flink release",
                doc.flink_version
            ))
        })?;
    let state_backend = match doc.state_backend.effective.as_str() {
        "hashmap" => StateBackend::Hashmap,
        "rocksdb" => StateBackend::Rocksdb,
        "forst" => StateBackend::Forst,
        other => {
            return Err(err(format!(
                "state backend {other:?} is none of hashmap, rocksdb, forst"
            )))
        }
    };
    let positive = |v: i32| u32::try_from(v).ok().filter(|&p| p > 0);
    let mut operators = Vec::with_capacity(doc.operators.len());
    for o in &doc.operators {
        let id = OperatorId::from_hex(&o.operator_id).ok_or_else(|| {
            err(format!(
                "operator {}: operator_id {:?} is not 32 hexadecimal digits",
                o.name, o.operator_id
            ))
        })?;
        let from_hash = match (&o.uid, &o.user_operator_id) {
            (Some(uid), None) => {
                if OperatorId::from_uid(uid) != id {
                    return Err(err(format!(
                        "operator {}: operator_id {} is not the hash of its uid {uid:?}",
                        o.name, o.operator_id
                    )));
                }
                false
            }
            _ => true,
        };
        let max_parallelism = match o.max_parallelism_source {
            Some(MaxParallelismSource::Operator) => o.max_parallelism,
            _ => None,
        };
        operators.push(JobOperator {
            uid: o.uid.clone(),
            id,
            id_from_hash: from_hash,
            name: Some(o.name.clone()),
            parallelism: positive(o.parallelism),
            max_parallelism,
        });
    }
    Ok(Job {
        source: JobSource::File(source.to_string()),
        flink_version: Some(FlinkVersions::exact(version)),
        state_backend: Some(state_backend),
        parallelism: positive(doc.parallelism),
        max_parallelism: doc.max_parallelism,
        allow_non_restored_state,
        operators,
        uids_known: true,
    })
}

/// Whether a job file's text is a graph document (JSON with `schema_version` and `captured`),
/// as opposed to the hand-written YAML/JSON job file `Job::from_yaml` reads. For `check --job`,
/// which accepts both.
pub fn is_graph_document(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("schema_version").is_some() && v.get("captured").is_some())
}

/// [`GraphDocument::from_json`] then [`graph_to_job`]: a `graph` output file as the new job.
pub fn job_from_graph_json(
    text: &str,
    source: &str,
    allow_non_restored_state: bool,
) -> Result<Job, GraphError> {
    let doc = GraphDocument::from_json(text, source)?;
    graph_to_job(&doc, source, allow_non_restored_state)
}

impl GraphDocument {
    /// Records, per operator, what `md` (a snapshot of the job this graph describes) holds for
    /// it, and the snapshot's operators that no graph operator claims (`graph --snapshot`).
    /// `path` and `kind` name the snapshot.
    pub fn record_snapshot(
        &mut self,
        md: &crate::model::Metadata<'_>,
        path: &str,
        kind: Option<&str>,
    ) {
        use std::collections::BTreeSet;
        let mut claimed: BTreeSet<OperatorId> = BTreeSet::new();
        for o in &mut self.operators {
            let Some(id) = OperatorId::from_hex(&o.operator_id) else {
                continue;
            };
            claimed.insert(id);
            o.state = Some(match md.operator(&id) {
                None => OperatorStateRecord {
                    in_snapshot: false,
                    has_state: false,
                    state_size: 0,
                    keyed_state_size: 0,
                    operator_state: Vec::new(),
                    coordinator_state_size: None,
                    channel_state_size: 0,
                    subtask_states: 0,
                    parallelism: None,
                    max_parallelism: None,
                },
                Some(op) => {
                    let names: BTreeSet<String> = op
                        .operator_handles()
                        .flat_map(|h| h.states.iter().map(|s| s.name.to_str().into_owned()))
                        .collect();
                    OperatorStateRecord {
                        in_snapshot: true,
                        has_state: op.has_state(),
                        state_size: op.state_size(),
                        keyed_state_size: crate::model::sum_sizes(
                            op.keyed_handles().map(|h| h.state_size()),
                        ),
                        operator_state: names.into_iter().collect(),
                        coordinator_state_size: op.coordinator.as_ref().map(|c| c.state_size()),
                        channel_state_size: crate::model::sum_sizes(
                            op.channel_handles().map(|h| h.state_size),
                        ),
                        subtask_states: u32::try_from(op.subtasks.len()).unwrap_or(u32::MAX),
                        parallelism: Some(op.parallelism),
                        max_parallelism: Some(op.max_parallelism),
                    }
                }
            });
        }
        let unclaimed = md
            .operators
            .iter()
            .filter(|o| !claimed.contains(&o.id))
            .map(|o| UnclaimedState {
                operator_id: o.id.to_hex(),
                uid: o
                    .uid
                    .as_ref()
                    .map(|u| u.to_str().into_owned())
                    .filter(|u| !u.is_empty()),
                state_size: o.state_size(),
                has_state: o.has_state(),
            })
            .collect();
        self.snapshot = Some(SnapshotRecord {
            path: path.to_string(),
            checkpoint_id: md.checkpoint_id,
            metadata_version: md.version.0,
            kind: kind.map(String::from),
            unclaimed,
        });
    }
}

#[cfg(test)]
mod tests;
