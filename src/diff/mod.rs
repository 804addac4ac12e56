//! `diff`: will a savepoint of the old job restore into the new job? Decided from two job
//! graphs (or job files) alone, before any snapshot of the change exists: the CI gate on a pull
//! request.
//!
//! Entry point: [`diff`] compares an old and a new [`Side`] (each a `flinspect graph` document or
//! a job file) and returns the same [`Report`] that `check` returns, with `check`'s rule ids,
//! severities, help and Flink messages (each Flink message is the rule's template filled with
//! this case's values, `RuleInfo::flink_message`). Rules about the new job alone (`duplicate_operator_id`,
//! `missing_uid`, `job_setting_rejected`) run as `check` runs them; rules that compare the job
//! with the snapshot are decided here from the old job's graph, which stands for the snapshot it
//! will write. When the old side is a snapshot, the CLI runs `check` itself.
//!
//! What a graph does not know is said, never guessed in the job's favour:
//! - whether an operator holds state. An operator counts as stateful unless the old graph was
//!   recorded against a snapshot (`graph --snapshot`: the snapshot lists it without state) or
//!   it is not in that snapshot at all; the finding says which;
//! - the snapshot's own max parallelism when the old job adopted one on its own restore: the
//!   old graph's explicit value, else the value Flink derives from its parallelism, stands for
//!   it, unless `graph --snapshot` recorded the real one;
//! - the kind of snapshot the new job restores from ([`SnapshotKind`]): a canonical savepoint
//!   (`flink savepoint`/`stop`'s default) unless told otherwise; backend switches depend on it.
//!
//! Architecture invariant: `diff` never prints and never reads files; an incompatibility is a
//! [`Finding`], never an `Err`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::analysis::KeyedLayout;
use crate::check::rules::state_backend_mismatch::{flink_error_for, layout_backend, restores};
use crate::check::rules::{find_info, RuleInfo};
use crate::check::{
    Context, Finding, Group, Job, JobOperator, OperatorRef, Report, RestorePath, Severity, Sink,
    StateBackend, SCHEMA_NOT_CHECKED,
};
use crate::graph::{GraphDocument, Operator, OperatorStateRecord, Partitioner};
use crate::model::keygroups::default_max_parallelism;
use crate::model::{Metadata, MetadataVersion, OperatorId};
use crate::units::human_bytes;

/// The kind of snapshot of the old job that the new job will restore from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SnapshotKind {
    /// A canonical savepoint (`flink savepoint`, `flink stop --savepointPath`: the default
    /// format): keyed state in the backend-neutral layout.
    #[default]
    Canonical,
    /// A native savepoint (`--type native`): keyed state in the old backend's own layout.
    Native,
    /// A retained checkpoint (or the HA store's latest one): the old backend's own layout, and
    /// in-flight data when unaligned checkpoints are on.
    Checkpoint,
}

impl SnapshotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotKind::Canonical => "canonical",
            SnapshotKind::Native => "native",
            SnapshotKind::Checkpoint => "checkpoint",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            SnapshotKind::Canonical => "a canonical savepoint",
            SnapshotKind::Native => "a native savepoint",
            SnapshotKind::Checkpoint => "a retained checkpoint",
        }
    }
}

/// What `diff` was asked, beyond the two sides.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--allow-non-restored-state` as given (overrides the new job file's setting).
    pub allow_non_restored_state: Option<bool>,
    /// How the new job will be restored.
    pub restore_path: RestorePath,
    /// What the new job restores from.
    pub snapshot_kind: SnapshotKind,
}

/// One side of the comparison: a job as `check` reads it, and its graph when the side is a
/// `flinspect graph` document (operators in the document's order, as [`crate::graph::graph_to_job`]
/// builds them).
pub struct Side<'d> {
    pub job: Job,
    pub graph: Option<&'d GraphDocument>,
}

impl<'d> Side<'d> {
    /// A graph document as a side (`source` names it in messages).
    pub fn from_graph(
        doc: &'d GraphDocument,
        source: &str,
    ) -> Result<Side<'d>, crate::graph::GraphError> {
        Ok(Side {
            job: crate::graph::graph_to_job(doc, source, false)?,
            graph: Some(doc),
        })
    }

    /// A job file as a side.
    pub fn from_job(job: Job) -> Side<'static> {
        Side { job, graph: None }
    }

    fn graph_op(&self, i: usize) -> Option<&'d Operator> {
        self.graph.and_then(|g| g.operators.get(i))
    }

    /// Every operator as the rules see it.
    fn view(&self) -> Vec<OpView<'_>> {
        let doc = self.graph;
        let vertex_of =
            |o: &Operator| doc.and_then(|d| d.vertices.iter().find(|v| v.id == o.vertex_id));
        self.job
            .operators
            .iter()
            .enumerate()
            .map(|(i, j)| {
                let g = self.graph_op(i);
                let vertex = g.and_then(vertex_of);
                let parallelism = match vertex {
                    Some(v) => u32::try_from(v.parallelism).ok().filter(|p| *p > 0),
                    None => self.job.parallelism_of(j),
                };
                // The task's max parallelism is its vertex's (the chain head's setting; one set
                // on an operator chained behind another is ignored): known from a graph, and for
                // a job file the operator's or the job's setting.
                let (explicit_max, job_wide) = match (g, vertex) {
                    (Some(_), Some(v)) => (
                        v.max_parallelism,
                        doc.and_then(|d| d.max_parallelism).is_some()
                            && v.max_parallelism == doc.and_then(|d| d.max_parallelism),
                    ),
                    _ => {
                        let m = self.job.max_parallelism_of(j);
                        (
                            m.explicit(),
                            matches!(m, crate::check::job::MaxParallelism::Job(_)),
                        )
                    }
                };
                let state = match g.and_then(|g| g.state.as_ref()) {
                    Some(r) if !r.in_snapshot => Statefulness::NotInSnapshot,
                    Some(r) if r.has_state => Statefulness::Recorded(r),
                    Some(r) => Statefulness::RecordedEmpty(r),
                    None => match g.and_then(|g| g.stateless.as_deref()) {
                        Some(why) => Statefulness::Stateless(why),
                        None => Statefulness::Unknown,
                    },
                };
                OpView {
                    op: j,
                    graph: g,
                    vertex_id: g
                        .and_then(|g| OperatorId::from_hex(&g.vertex_id))
                        .unwrap_or(j.id),
                    parallelism,
                    explicit_max,
                    job_wide,
                    keyed: g.map(|g| g.inputs.iter().any(|i| i.partitioner == Partitioner::Hash)),
                    state,
                }
            })
            .collect()
    }

    fn effective_backend(&self) -> Option<StateBackend> {
        self.job.state_backend
    }
}

/// What is known of an old operator's state.
#[derive(Clone, Copy, Debug)]
enum Statefulness<'d> {
    /// `graph --snapshot`: the snapshot holds state for it.
    Recorded(&'d OperatorStateRecord),
    /// `graph --snapshot`: the snapshot lists it without state.
    RecordedEmpty(&'d OperatorStateRecord),
    /// `graph --snapshot`: the snapshot has no entry for it.
    NotInSnapshot,
    /// The graph says Flink can keep no state for it, and why.
    Stateless(&'d str),
    /// No snapshot was recorded: a graph cannot tell, so it counts as stateful.
    Unknown,
}

/// One operator of a side, with what its graph adds to the job description.
struct OpView<'s> {
    op: &'s JobOperator,
    graph: Option<&'s Operator>,
    /// The JobVertexID of its task (the chain head's generated id), or its own id without a graph.
    vertex_id: OperatorId,
    parallelism: Option<u32>,
    /// The task's explicit max parallelism.
    explicit_max: Option<u32>,
    /// `explicit_max` comes from the job-wide setting.
    job_wide: bool,
    /// It reads a keyBy exchange (graph only).
    keyed: Option<bool>,
    state: Statefulness<'s>,
}

impl OpView<'_> {
    fn reference(&self) -> OperatorRef {
        OperatorRef {
            id: self.op.id,
            uid: self.op.uid.clone(),
            name: self.op.name.clone(),
        }
    }

    fn name(&self) -> Option<&str> {
        self.op.name.as_deref()
    }
}

fn info(id: &str) -> &'static RuleInfo {
    // Every id used here is in the catalogue; `tests` in this module pin that.
    find_info(id).unwrap_or_else(|| unreachable!("rule {id} is in the catalogue"))
}

fn finding(rule: &RuleInfo, operator: Option<OperatorRef>, message: String) -> Finding {
    Finding {
        rule: rule.id,
        severity: rule.severity,
        operator,
        message,
        flink_error: None,
        help: Some(rule.help.to_string()),
        notes: Vec::new(),
        operators: Vec::new(),
        group: None,
        allowed: None,
    }
}

/// How Flink's messages name the snapshot the new job restores from, which a graph cannot know.
pub const SNAPSHOT_PLACEHOLDER: &str = "<savepoint of the old job>";

/// Compares the old job with the new one and predicts the restore of a snapshot of the old job
/// into the new one.
pub fn diff(old: &Side<'_>, new: &Side<'_>, options: &Options) -> Report {
    let ha = options.restore_path == RestorePath::Ha;
    let allow_non_restored_state = !ha
        && options
            .allow_non_restored_state
            .unwrap_or(new.job.allow_non_restored_state);
    let mut sink = Sink::default();
    let olds = old.view();
    let news = new.view();
    let new_by_id: HashMap<OperatorId, &OpView<'_>> = news.iter().map(|o| (o.op.id, o)).collect();
    let old_ids: BTreeSet<OperatorId> = olds.iter().map(|o| o.op.id).collect();

    new_job_rules(new, options, &mut sink);
    vanished(
        old,
        new,
        &olds,
        &news,
        ha,
        allow_non_restored_state,
        &mut sink,
    );
    recorded_unclaimed(old, &new_by_id, ha, allow_non_restored_state, &mut sink);
    for n in &news {
        if !old_ids.contains(&n.op.id) {
            let r = n.reference();
            let msg = format!(
                "operator {} is not in the old job; it starts with empty state",
                r.describe()
            );
            sink.push(finding(info("operator_added"), Some(r), msg));
        }
    }
    max_parallelism(&olds, &new_by_id, new, ha, &mut sink);
    backend(old, new, &olds, options, &mut sink);
    settings(old, new, options, &mut sink);
    chaining(old, new, &olds, options, &mut sink);

    if old.graph.is_some_and(|g| g.snapshot.is_none()) || old.graph.is_none() {
        sink.not_checked(
            "which operators of the old job hold state: no snapshot was recorded with the old graph (`flinspect graph … --snapshot SNAPSHOT`), so an operator whose id disappears counts as stateful unless its graph says Flink can keep no state for it",
            false,
        );
    }
    sink.not_checked(
        format!(
            "the snapshot itself (its files, in-flight data, metadata version): diff judges the two jobs for {} of the old job; `flinspect check SNAPSHOT --job NEW` judges a real one",
            options.snapshot_kind.describe()
        ),
        false,
    );
    let mut report = crate::check::report(sink, allow_non_restored_state);
    report.not_checked.retain(|n| n != SCHEMA_NOT_CHECKED);
    report.not_checked.push(SCHEMA_NOT_CHECKED.to_string());
    report
}

/// The rules about the new job alone, run as `check` runs them (against no snapshot operator).
fn new_job_rules(new: &Side<'_>, options: &Options, out: &mut Sink) {
    let md = Metadata {
        version: MetadataVersion(0),
        checkpoint_id: 0,
        master_states: Vec::new(),
        operators: Vec::new(),
        properties: None,
        properties_null: false,
        trailing_bytes: 0,
        len: 0,
    };
    let check_options = crate::check::Options {
        restore_path: options.restore_path,
        ..Default::default()
    };
    let cx = Context::new(&md, &new.job, &check_options);
    for id in [
        "duplicate_operator_id",
        "missing_uid",
        "job_setting_rejected",
    ] {
        if let Some(rule) = crate::check::rules::find(id) {
            (rule.check)(&cx, out);
        }
    }
}

/// What a state record says, for notes.
fn describe_record(r: &OperatorStateRecord) -> String {
    let mut what = Vec::new();
    if !r.operator_state.is_empty() {
        what.push(format!(
            "operator state {}",
            r.operator_state
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if r.keyed_state_size > 0 {
        what.push(format!("keyed state ({})", human_bytes(r.keyed_state_size)));
    }
    if let Some(c) = r.coordinator_state_size {
        what.push(format!("coordinator state ({})", human_bytes(c)));
    }
    if r.channel_state_size > 0 {
        what.push(format!(
            "in-flight channel data ({})",
            human_bytes(r.channel_state_size)
        ));
    }
    if what.is_empty() {
        what.push("empty state handles".into());
    }
    format!(
        "{} in total: {}",
        human_bytes(r.state_size),
        what.join("; ")
    )
}

/// Operators of the old job whose id the new job lacks: `unmapped_state` (state, or not known
/// to have none) or `unmapped_stateless`, each with the reason the id disappeared.
#[allow(clippy::too_many_arguments)]
fn vanished(
    old: &Side<'_>,
    new: &Side<'_>,
    olds: &[OpView<'_>],
    news: &[OpView<'_>],
    ha: bool,
    allow_non_restored_state: bool,
    out: &mut Sink,
) {
    let new_ids: BTreeSet<OperatorId> = news.iter().map(|o| o.op.id).collect();
    let old_ids: BTreeSet<OperatorId> = olds.iter().map(|o| o.op.id).collect();
    let recorded = old.graph.and_then(|g| g.snapshot.as_ref());
    for o in olds.iter().filter(|o| !new_ids.contains(&o.op.id)) {
        let r = o.reference();
        let (stateful, state_note) = match o.state {
            Statefulness::Recorded(rec) => (
                true,
                format!(
                    "state in the snapshot recorded with the old graph ({}): {}",
                    recorded.map_or("?", |s| s.path.as_str()),
                    describe_record(rec)
                ),
            ),
            Statefulness::RecordedEmpty(_) => (
                false,
                "the snapshot recorded with the old graph lists it without state".to_string(),
            ),
            Statefulness::NotInSnapshot => (
                false,
                "the snapshot recorded with the old graph has no entry for it".to_string(),
            ),
            Statefulness::Stateless(why) => (
                false,
                format!("the old graph says it can hold no state: {why}"),
            ),
            Statefulness::Unknown => (
                true,
                "whether it holds state is unknown: no snapshot was recorded with the old graph (`flinspect graph … --snapshot SNAPSHOT`), so it counts as stateful".to_string(),
            ),
        };
        let (reason, pin) = why_vanished(o, olds, news, &old_ids, old, new);
        let mut f;
        if ha {
            // From the HA store Flink requires every operator of the checkpoint, stateless too.
            f = finding(info("unmapped_state"), Some(r.clone()), format!(
                "operator {} of the old job is not in the new job ({reason}), and a restore from the HA store accepts no missing operator{}",
                r.describe(),
                if stateful { "" } else { ", even one without state" }
            ));
            f.flink_error = Some(info("unmapped_state").other_flink_message(0, &[&o.op.id]));
            f.notes.push("restored from the HA store (JobManager failover, the Kubernetes operator's last-state upgrade): Flink ignores allowNonRestoredState there and refuses the job at submission".into());
        } else if !stateful {
            f = finding(
                info("unmapped_stateless"),
                Some(r.clone()),
                format!(
                "operator {} holds no state and is not in the new job ({reason}); Flink skips it",
                r.describe()
            ),
            );
        } else if allow_non_restored_state {
            f = finding(info("unmapped_state"), Some(r.clone()), format!(
                "state of operator {} will be dropped (--allow-non-restored-state): no operator of the new job has its id ({reason})",
                r.describe()
            ));
            f.severity = Severity::Warning;
        } else {
            f = finding(info("unmapped_state"), Some(r.clone()), format!(
                "operator {} of the old job is not in the new job ({reason}); its state blocks the restore",
                r.describe()
            ));
            f.flink_error =
                Some(info("unmapped_state").flink_message(&[&SNAPSHOT_PLACEHOLDER, &o.op.id]));
            f.notes.push("Flink refuses the job at submission".into());
        }
        f.notes.push(state_note);
        if let Some(p) = pin {
            f.help = Some(p);
        }
        out.push(f);
    }
}

/// The operator of the new job that stands where `o` stood: the same uid, else the same name
/// (unique on both sides) among operators whose id is new.
fn counterpart<'a>(
    o: &OpView<'_>,
    olds: &[OpView<'_>],
    news: &'a [OpView<'a>],
    old_ids: &BTreeSet<OperatorId>,
) -> Option<&'a OpView<'a>> {
    if let Some(u) = &o.op.uid {
        if let Some(n) = news.iter().find(|n| n.op.uid.as_ref() == Some(u)) {
            return Some(n);
        }
    }
    let name = o.name()?;
    if olds.iter().filter(|x| x.name() == Some(name)).count() != 1 {
        return None;
    }
    let mut same = news
        .iter()
        .filter(|n| n.name() == Some(name) && !old_ids.contains(&n.op.id));
    match (same.next(), same.next()) {
        (Some(n), None) => Some(n),
        _ => None,
    }
}

/// Names of the operators upstream of operator `i` of a graph (transitively), by uid or name.
fn upstream_names(doc: &GraphDocument, id: &str) -> BTreeSet<String> {
    let by_id: HashMap<&str, &Operator> = doc
        .operators
        .iter()
        .map(|o| (o.operator_id.as_str(), o))
        .collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&str> = by_id
        .get(id)
        .map(|o| o.inputs.iter().map(|i| i.operator_id.as_str()).collect())
        .unwrap_or_default();
    let mut out = BTreeSet::new();
    while let Some(u) = stack.pop() {
        if !seen.insert(u) {
            continue;
        }
        if let Some(o) = by_id.get(u) {
            out.insert(o.uid.clone().unwrap_or_else(|| o.name.clone()));
            stack.extend(o.inputs.iter().map(|i| i.operator_id.as_str()));
        }
    }
    out
}

/// Why an old operator's id is not in the new job, and the help that keeps its state.
fn why_vanished(
    o: &OpView<'_>,
    olds: &[OpView<'_>],
    news: &[OpView<'_>],
    old_ids: &BTreeSet<OperatorId>,
    old: &Side<'_>,
    new: &Side<'_>,
) -> (String, Option<String>) {
    let id = o.op.id;
    let pin = |what: &str| {
        format!(
            "{what}; or pin the old id with `setUidHash(\"{id}\")` on the operator; or move the state with the State Processor API (`changeOperatorIdentifier`); or drop it on purpose with --allowNonRestoredState"
        )
    };
    let Some(n) = counterpart(o, olds, news, old_ids) else {
        return (
            format!(
                "operator removed: the new job has no operator {}",
                match (&o.op.uid, o.name()) {
                    (Some(u), _) => format!("with uid {u:?}"),
                    (None, Some(name)) => format!("named {name:?}"),
                    (None, None) => "in its place".to_string(),
                }
            ),
            None,
        );
    };
    let old_user_hash = o.graph.is_some_and(|g| g.user_operator_id.is_some())
        || (o.graph.is_none() && o.op.id_from_hash && o.op.uid.is_some());
    let new_user_hash = n.graph.is_some_and(|g| g.user_operator_id.is_some());
    match (&o.op.uid, &n.op.uid) {
        (Some(a), Some(b)) if a != b => (
            format!("uid renamed: {a:?} -> {b:?}, new id {}", n.op.id),
            Some(pin(&format!("give the operator its old uid back (`.uid({a:?})`)"))),
        ),
        (Some(a), Some(_)) if old_user_hash || new_user_hash => (
            format!("uid {a:?} kept, but setUidHash changed its id to {}", n.op.id),
            Some(pin("remove the new setUidHash")),
        ),
        (Some(a), None) => (
            format!(
                "uid removed: {a:?} is gone and Flink now generates the id {} from the graph",
                n.op.id
            ),
            Some(pin(&format!("give the operator its uid back (`.uid({a:?})`)"))),
        ),
        (None, Some(b)) => (
            format!(
                "uid added: the old job had no uid here and its state is under the generated id {id}; the new uid {b:?} has id {}",
                n.op.id
            ),
            Some(format!(
                "keep the state by pinning the old id with `setUidHash(\"{id}\")` instead of (or, from the release after, as well as) the new uid for this upgrade; or move the state to the new uid with the State Processor API (`changeOperatorIdentifier(forUid… / forOperatorId(\"{id}\"), forUid({b:?}))`); or drop it on purpose with --allowNonRestoredState"
            )),
        ),
        (None, None) if n.graph.is_some_and(|g| g.user_operator_id.is_some()) || o.graph.is_some_and(|g| g.user_operator_id.is_some()) => (
            format!("setUidHash changed: id {id} -> {}", n.op.id),
            Some(pin("set the old hash again")),
        ),
        _ => {
            // Auto-generated on both sides: the topology before it (or the chaining after it)
            // changed, and StreamGraphHasherV2 hashed a different position.
            let edits = match (old.graph, new.graph, o.graph, n.graph) {
                (Some(og), Some(ng), Some(oo), Some(no)) => {
                    let before = upstream_names(og, &oo.operator_id);
                    let after = upstream_names(ng, &no.operator_id);
                    let inserted: Vec<String> = after.difference(&before).map(|s| format!("{s:?}")).collect();
                    let removed: Vec<String> = before.difference(&after).map(|s| format!("{s:?}")).collect();
                    let mut e = Vec::new();
                    if !inserted.is_empty() {
                        e.push(format!("operator {} inserted upstream", inserted.join(", ")));
                    }
                    if !removed.is_empty() {
                        e.push(format!("operator {} removed upstream", removed.join(", ")));
                    }
                    if e.is_empty() {
                        "the graph around it changed (an upstream operator's id, its position, or the operators chained to it)".to_string()
                    } else {
                        e.join(", ")
                    }
                }
                _ => "the job files do not describe the topology that shifted it".to_string(),
            };
            (
                format!(
                    "auto-generated id shifted: the operator has no uid, and its generated id moved from {id} to {} because {edits}",
                    n.op.id
                ),
                Some(format!(
                    "pin the old id with `setUidHash(\"{id}\")` on the operator (Flink's hash of its old position), and give it a uid through the State Processor API (`changeOperatorIdentifier`) before the next change; or drop its state on purpose with --allowNonRestoredState"
                )),
            )
        }
    }
}

/// Operators of the recorded snapshot that the old graph itself did not claim: they are state
/// no job restores (a restore of that snapshot into the new job meets them too).
fn recorded_unclaimed(
    old: &Side<'_>,
    new_by_id: &HashMap<OperatorId, &OpView<'_>>,
    ha: bool,
    allow_non_restored_state: bool,
    out: &mut Sink,
) {
    let Some(snap) = old.graph.and_then(|g| g.snapshot.as_ref()) else {
        return;
    };
    for u in &snap.unclaimed {
        let Some(id) = OperatorId::from_hex(&u.operator_id) else {
            continue;
        };
        if new_by_id.contains_key(&id) || (!u.has_state && !ha) {
            continue;
        }
        let r = OperatorRef {
            id,
            uid: u.uid.clone(),
            name: None,
        };
        let mut f = finding(
            info("unmapped_state"),
            Some(r.clone()),
            format!(
                "the snapshot recorded with the old graph ({}) holds state for operator {}, which neither the old graph nor the new job has",
                snap.path,
                r.describe()
            ),
        );
        f.notes
            .push(format!("state: {}", human_bytes(u.state_size)));
        if ha {
            f.flink_error = Some(info("unmapped_state").other_flink_message(0, &[&id]));
        } else if allow_non_restored_state {
            f.severity = Severity::Warning;
        } else {
            f.flink_error =
                Some(info("unmapped_state").flink_message(&[&SNAPSHOT_PLACEHOLDER, &id]));
        }
        out.push(f);
    }
}

/// The max parallelism the old job's snapshot will record for an operator, and where it comes
/// from.
fn old_max_parallelism(o: &OpView<'_>) -> Option<(u32, String)> {
    if let Statefulness::Recorded(r) | Statefulness::RecordedEmpty(r) = o.state {
        if let Some(m) = r.max_parallelism.and_then(|m| u32::try_from(m).ok()) {
            return Some((m, "recorded in the snapshot".into()));
        }
    }
    if let Some(m) = o.explicit_max {
        return Some((
            m,
            if o.job_wide {
                "set job-wide in the old job".into()
            } else {
                "set on the operator's task in the old job".into()
            },
        ));
    }
    let p = o.parallelism?;
    Some((
        default_max_parallelism(p),
        format!("not set in the old job: derived from its parallelism {p}"),
    ))
}

/// `max_parallelism_changed`, `parallelism_above_max_parallelism`, `max_parallelism_adopted`.
fn max_parallelism(
    olds: &[OpView<'_>],
    new_by_id: &HashMap<OperatorId, &OpView<'_>>,
    new: &Side<'_>,
    ha: bool,
    out: &mut Sink,
) {
    let mut unknown = Vec::new();
    for o in olds {
        let Some(n) = new_by_id.get(&o.op.id) else {
            continue;
        };
        let Some((old_max, whence)) = old_max_parallelism(o) else {
            unknown.push(o.reference().label());
            continue;
        };
        let r = n.reference();
        if let Some(m) = n.explicit_max {
            if m != old_max {
                let rule = info("max_parallelism_changed");
                let mut f = finding(
                    rule,
                    Some(r.clone()),
                    format!(
                        "operator {} has max parallelism {old_max} in the old job ({whence}); the new job sets {m} ({})",
                        r.label(),
                        if n.job_wide { "job-wide" } else { "on its task" }
                    ),
                );
                if n.job_wide {
                    f.group = Some(Group {
                        key: format!("job-wide {m} over {old_max}"),
                        message: format!(
                            "the new job sets max parallelism {m} job-wide; {{n}} operators have max parallelism {old_max} in the old job"
                        ),
                    });
                }
                f.flink_error = Some(if ha {
                    rule.other_flink_message(0, &[&old_max, &m])
                } else {
                    rule.flink_message(&[&"Checkpoint Metadata", &o.op.id, &old_max, &m])
                });
                if new.graph.is_some() || n.job_wide || n.keyed == Some(true) {
                    f.notes.push("Flink refuses the job at submission; --allowNonRestoredState does not help".into());
                } else {
                    f.severity = Severity::Warning;
                    f.notes.push("Flink fails only if this operator heads its task (first operator of its chain); behind another operator in a chain the setting is ignored. The new job file does not say how operators chain (a `flinspect graph` document does)".into());
                    out.not_checked(
                        format!(
                            "whether operator {} heads its task, which decides whether its max parallelism {m} fails the restore: job files do not describe chaining (give `flinspect graph` documents)",
                            r.label()
                        ),
                        true,
                    );
                }
                out.push(f);
                continue;
            }
        }
        let Some(p) = n.parallelism else {
            continue;
        };
        if p > old_max {
            // Flink checks every task that holds an operator of the snapshot with subtask
            // state records; without a recorded snapshot that is every task.
            if let Statefulness::RecordedEmpty(rec) = o.state {
                if rec.subtask_states == 0 {
                    continue;
                }
            }
            let rule = info("parallelism_above_max_parallelism");
            let mut f = finding(
                rule,
                Some(r.clone()),
                format!(
                    "operator {} would run with parallelism {p}, above the max parallelism {old_max} of the old job's state ({whence})",
                    r.label()
                ),
            );
            if n.explicit_max.is_none() {
                f.notes.push(format!("the new job sets no max parallelism, so Flink adopts the state's {old_max} rather than deriving {} from parallelism {p}, and a parallelism above it cannot restore (Flink derives 128 up to parallelism 85, else roundUpToPowerOfTwo(1.5 × parallelism), at most 32768)", default_max_parallelism(p)));
            }
            f.group = Some(Group {
                key: format!("parallelism {p} over {old_max}"),
                message: format!(
                    "parallelism {p} is above the max parallelism {old_max} of the old job's state ({whence}) for {{n}} operators"
                ),
            });
            f.flink_error = Some(rule.flink_message(&[&n.vertex_id, &old_max, &p]));
            f.notes.push(
                "Flink refuses the job at submission and names the task by its first operator's id"
                    .into(),
            );
            out.push(f);
        } else if n.explicit_max.is_none() && default_max_parallelism(p) != old_max {
            let rule = info("max_parallelism_adopted");
            let mut f = finding(
                rule,
                Some(r.clone()),
                format!(
                    "operator {} does not set a max parallelism: Flink adopts the old job's {old_max} ({whence}) instead of deriving {} from parallelism {p}",
                    r.label(),
                    default_max_parallelism(p)
                ),
            );
            f.group = Some(Group {
                key: format!("{old_max} instead of {}", default_max_parallelism(p)),
                message: format!(
                    "{{n}} operators do not set a max parallelism: Flink adopts the old job's {old_max} instead of deriving {} from parallelism {p}",
                    default_max_parallelism(p)
                ),
            });
            out.push(f);
        }
    }
    if !unknown.is_empty() {
        out.not_checked(
            format!(
                "max parallelism and parallelism of {} operator(s) of the old job ({}): its job file gives neither a parallelism nor a max parallelism",
                unknown.len(),
                unknown.join(", ")
            ),
            true,
        );
    }
}

/// `state_backend_mismatch` / `state_backend_portable` for the kind of snapshot restored.
fn backend(old: &Side<'_>, new: &Side<'_>, olds: &[OpView<'_>], options: &Options, out: &mut Sink) {
    let (Some(from), Some(to)) = (old.effective_backend(), new.effective_backend()) else {
        if old.effective_backend() != new.effective_backend() || old.effective_backend().is_none() {
            out.not_checked(
                "state backend: a job file does not state one, so a backend switch cannot be judged",
                options.snapshot_kind != SnapshotKind::Canonical,
            );
        }
        return;
    };
    // Operators that may hold keyed state: recorded, or reading a keyBy exchange (a graph), or
    // any operator (a job file).
    let keyed: Vec<&OpView<'_>> = olds
        .iter()
        .filter(|o| match o.state {
            Statefulness::Recorded(r) => r.keyed_state_size > 0,
            Statefulness::RecordedEmpty(_)
            | Statefulness::NotInSnapshot
            | Statefulness::Stateless(_) => false,
            Statefulness::Unknown => o.keyed != Some(false),
        })
        .collect();
    if from == to || keyed.is_empty() {
        return;
    }
    let layout = match (options.snapshot_kind, from) {
        (SnapshotKind::Canonical, _) => KeyedLayout::Canonical,
        (_, StateBackend::Hashmap) => KeyedLayout::Heap,
        (_, StateBackend::Rocksdb | StateBackend::Forst) => KeyedLayout::RocksDb,
    };
    let names: Vec<String> = keyed.iter().map(|o| o.reference().label()).collect();
    match restores(layout, to) {
        Some(true) => {
            let mut f = finding(
                info("state_backend_portable"),
                None,
                format!(
                    "the state backend changes from {} to {}: {} of the old job ({} layout) restores with {}",
                    from.as_str(),
                    to.as_str(),
                    options.snapshot_kind.describe(),
                    layout.as_str(),
                    to.as_str()
                ),
            );
            f.notes
                .push(format!("operators with keyed state: {}", names.join(", ")));
            if options.snapshot_kind == SnapshotKind::Canonical {
                f.notes.push(format!("only a canonical savepoint moves between backends: a native savepoint or a checkpoint of the old job (a last-state upgrade from the HA store restores a checkpoint) would be in {} layout, which {} {} restore", layout_backend(match from { StateBackend::Hashmap => KeyedLayout::Heap, _ => KeyedLayout::RocksDb }), to.as_str(), if restores(match from { StateBackend::Hashmap => KeyedLayout::Heap, _ => KeyedLayout::RocksDb }, to) == Some(true) { "does" } else { "does not" }));
            }
            if from == StateBackend::Forst && options.snapshot_kind == SnapshotKind::Canonical {
                f.notes.push("ForSt takes no canonical savepoint (its tasks refuse it: \"does not support CANONICAL savepoints\"); restore the old job with RocksDB first, or take a native savepoint".into());
            }
            out.push(f);
        }
        verdict => {
            let mut f = finding(
                info("state_backend_mismatch"),
                None,
                format!(
                    "the state backend changes from {} to {}: {} of the old job holds keyed state in {} layout ({}), which {} does not restore",
                    from.as_str(),
                    to.as_str(),
                    options.snapshot_kind.describe(),
                    layout_backend(layout),
                    layout.as_str(),
                    to.as_str()
                ),
            );
            f.flink_error = flink_error_for(layout, to);
            f.notes
                .push(format!("operators with keyed state: {}", names.join(", ")));
            f.notes.push("the job is accepted at submission and its tasks fail while restoring; with a restart strategy it restarts in a loop".into());
            if verdict.is_none() {
                f.severity = Severity::Warning;
            }
            out.push(f);
        }
    }
}

/// `checkpoint_settings_changed`: changelog and unaligned checkpoints, from two graphs.
fn settings(old: &Side<'_>, new: &Side<'_>, options: &Options, out: &mut Sink) {
    let (Some(o), Some(n)) = (old.graph, new.graph) else {
        return;
    };
    let rule = info("checkpoint_settings_changed");
    if o.changelog.effective != n.changelog.effective {
        let mut f = finding(
            rule,
            None,
            format!(
                "the changelog state backend is switched {} (state.changelog.enabled {} -> {})",
                if n.changelog.effective { "on" } else { "off" },
                o.changelog.effective,
                n.changelog.effective
            ),
        );
        f.notes.push(match options.snapshot_kind {
            SnapshotKind::Canonical => "a canonical savepoint holds no changelog handles: nothing changes for this restore".into(),
            _ => "a checkpoint or native savepoint of the old job holds changelog handles when the changelog was on; Flink 1.16+ restores them with the changelog on or off (from Flink's source; not recorded in testdata/restore)".to_string(),
        });
        out.push(f);
    }
    if o.checkpointing.unaligned != n.checkpointing.unaligned {
        let mut f = finding(
            rule,
            None,
            format!(
                "unaligned checkpoints are switched {}",
                if n.checkpointing.unaligned {
                    "on"
                } else {
                    "off"
                }
            ),
        );
        f.notes.push(match options.snapshot_kind {
            SnapshotKind::Checkpoint => "an unaligned checkpoint's in-flight data is recovered also with unaligned checkpoints off (recorded: testdata/restore, cases ua-unaligned-off*)".into(),
            _ => "a savepoint is always aligned and holds no in-flight data: nothing changes for this restore".to_string(),
        });
        out.push(f);
    }
}

/// `channel_state_topology_change` for a restore from a checkpoint of an old job with unaligned
/// checkpoints: a task whose head or tail changed.
fn chaining(
    old: &Side<'_>,
    new: &Side<'_>,
    olds: &[OpView<'_>],
    options: &Options,
    out: &mut Sink,
) {
    let (Some(og), Some(ng)) = (old.graph, new.graph) else {
        return;
    };
    if options.snapshot_kind != SnapshotKind::Checkpoint || !og.checkpointing.unaligned {
        return;
    }
    // Old tasks whose first or last operator is no longer first or last of its task.
    let chain_of = |g: &GraphDocument| -> BTreeMap<String, Vec<String>> {
        g.vertices
            .iter()
            .map(|v| (v.id.clone(), v.operators.clone()))
            .collect()
    };
    let old_chains = chain_of(og);
    let new_chains = chain_of(ng);
    let new_vertex_of: HashMap<&str, &str> = ng
        .operators
        .iter()
        .map(|o| (o.operator_id.as_str(), o.vertex_id.as_str()))
        .collect();
    let mut changed = Vec::new();
    for ops in old_chains.values() {
        let (Some(head), Some(tail)) = (ops.first(), ops.last()) else {
            continue;
        };
        let place = |id: &str| -> Option<(bool, bool)> {
            let v = new_vertex_of.get(id)?;
            let chain = new_chains.get(*v)?;
            Some((
                chain.first().map(String::as_str) == Some(id),
                chain.last().map(String::as_str) == Some(id),
            ))
        };
        let head_ok = place(head).is_none_or(|(h, _)| h);
        let tail_ok = place(tail).is_none_or(|(_, t)| t);
        if !head_ok || !tail_ok {
            let name = olds
                .iter()
                .find(|o| o.op.id.to_hex() == *head)
                .map_or_else(|| head.clone(), |o| o.reference().label());
            changed.push(format!(
                "the task headed by {name} {}",
                match (head_ok, tail_ok) {
                    (false, false) => "has another first and last operator",
                    (false, true) => "has another first operator",
                    _ => "has another last operator",
                }
            ));
        }
    }
    if changed.is_empty() {
        return;
    }
    let rule = info("channel_state_topology_change");
    let mut f = finding(
        rule,
        None,
        format!(
            "the old job takes unaligned checkpoints, and the chaining changed: {}; if that task's exchange held in-flight data in the checkpoint, Flink refuses the restore",
            changed.join("; ")
        ),
    );
    f.flink_error = Some(rule.flink_message(&[&"<operators with channel state>"]));
    f.notes.push("only a checkpoint holds in-flight data: restore from a savepoint (always aligned) to avoid this".into());
    out.push(f);
    out.not_checked(
        "whether the checkpoint holds in-flight data on the exchanges of the tasks whose chaining changed: only the checkpoint shows it (`flinspect check CHECKPOINT --job NEW`)",
        true,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_diff_uses_is_in_the_catalogue() {
        for id in [
            "unmapped_state",
            "unmapped_stateless",
            "operator_added",
            "max_parallelism_changed",
            "max_parallelism_adopted",
            "parallelism_above_max_parallelism",
            "state_backend_mismatch",
            "state_backend_portable",
            "checkpoint_settings_changed",
            "channel_state_topology_change",
            "duplicate_operator_id",
            "missing_uid",
            "job_setting_rejected",
        ] {
            assert!(find_info(id).is_some(), "{id}");
        }
    }
}
