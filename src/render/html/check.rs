//! The `check --format html` and `diff --format html` page: the verdict first, each finding
//! with Flink's message, the operators of the side being restored with the affected ones
//! highlighted, and what allowNonRestoredState drops (the operators of `unmapped_state`
//! findings, with their bytes and state names).
//!
//! The data is the `check --json` document ([`crate::render::check::json::Document`]), or for
//! `diff` the `diff --json` document ([`crate::render::check::json::DiffDocument`]), built
//! from the [`Report`] and [`Meta`] every check format takes, and the operator table in
//! [`Meta::operators`] ([`OperatorRow`]s: the snapshot's operators for `check` and for `diff`
//! from a snapshot, the old graph's or old job file's operators for `diff` from two jobs).
//! Anything that produces a `Report` and a `Meta` renders with [`write`] (`Format::Html`).

use std::io::{self, Write};

use serde::Serialize;

use super::{write_page, PageHead, PageKind};
use crate::check::{Job, Report};
use crate::graph::GraphDocument;
use crate::model::state_meta::OperatorStates;
use crate::model::Metadata;
use crate::render::check::{json as check_json, Meta};
use crate::render::json;
use crate::render::UidLabels;

/// One row of the page's operator table: an operator of the side the restore reads (the
/// snapshot, or the old job of a `diff`).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct OperatorRow {
    /// OperatorID, 32 lowercase hex digits.
    pub id: String,
    pub uid: Option<String>,
    pub name: Option<String>,
    /// Null when the side does not say (a job file without a parallelism).
    pub parallelism: Option<i32>,
    /// The snapshot's max parallelism; for a job side the explicit one (null: Flink derives it).
    pub max_parallelism: Option<i32>,
    /// Bytes, as `inspect --json`'s `state_size`; null when not known (a graph written without
    /// `graph --snapshot`, a job file).
    pub state_size: Option<i64>,
    /// Operator (non-keyed) state names, from `_metadata` (`inspect --json`'s
    /// `operator_states`, with their distribution mode) or from the graph's recorded snapshot.
    pub operator_states: Vec<String>,
    /// The states the operator's state files declare in their headers (`keyed "count"
    /// (value)`, as `check`'s `unmapped_state` note names them); null when they were not read.
    pub file_states: Option<Vec<String>>,
    /// `inspect --json`'s `handle_kinds` (empty for a job side).
    pub handle_kinds: Vec<&'static str>,
    /// A graph side: the chain (JobGraph vertex) the operator runs in.
    pub chain: Option<String>,
    /// A graph side: why Flink can keep no state for the operator, when the companion knows.
    pub stateless: Option<String>,
}

/// The page's data.
#[derive(Serialize)]
pub struct CheckPage<'r, 'm> {
    #[serde(flatten)]
    pub head: PageHead,
    /// The `check --json` document, or the `diff --json` one (`page` is then `diff`).
    pub report: ReportDoc<'r>,
    /// The operator table ([`Meta::operators`]).
    pub operators: &'m [OperatorRow],
    /// What the operator table lists: `snapshot`, `graph` (the old graph of a diff) or `file`
    /// (the old job file of a diff).
    pub operators_from: &'static str,
}

/// `check --json` or `diff --json`.
#[derive(Serialize)]
#[serde(untagged)]
pub enum ReportDoc<'r> {
    Check(check_json::Document<'r>),
    Diff(check_json::DiffDocument<'r>),
}

/// The snapshot's operators for [`Meta::operators`], with the states of their state files
/// when `states` (the headers `check` read) is given.
pub fn snapshot_operators(
    md: &Metadata<'_>,
    states: Option<&[OperatorStates]>,
) -> Vec<OperatorRow> {
    let labels = UidLabels::default();
    md.operators
        .iter()
        .map(|op| {
            let doc = json::operator(op, &labels);
            OperatorRow {
                uid: doc.uid,
                name: doc.name,
                parallelism: Some(doc.parallelism),
                max_parallelism: Some(doc.max_parallelism),
                state_size: Some(doc.state_size),
                operator_states: doc
                    .operator_states
                    .iter()
                    .map(|s| format!("{} ({})", s.name, s.mode))
                    .collect(),
                file_states: states.map(|all| {
                    all.iter()
                        .find(|o| o.operator == op.id)
                        .map(OperatorStates::labels)
                        .unwrap_or_default()
                }),
                handle_kinds: doc.handle_kinds,
                chain: None,
                stateless: None,
                id: doc.id,
            }
        })
        .collect()
}

/// A graph document's operators for [`Meta::operators`] (the old side of a `diff`): state
/// size and operator-state names as its recorded snapshot (`graph --snapshot`) gives them.
pub fn graph_operators(doc: &GraphDocument) -> Vec<OperatorRow> {
    doc.operators
        .iter()
        .map(|o| OperatorRow {
            id: o.operator_id.clone(),
            uid: o.uid.clone(),
            name: Some(o.name.clone()),
            parallelism: Some(o.parallelism),
            max_parallelism: o.max_parallelism.and_then(|m| i32::try_from(m).ok()),
            state_size: o.state.as_ref().map(|s| s.state_size),
            operator_states: o
                .state
                .as_ref()
                .map(|s| s.operator_state.clone())
                .unwrap_or_default(),
            file_states: None,
            handle_kinds: Vec::new(),
            chain: doc
                .vertices
                .iter()
                .find(|v| v.id == o.vertex_id)
                .map(|v| v.name.clone()),
            stateless: o.stateless.clone(),
        })
        .collect()
}

/// A job file's operators for [`Meta::operators`] (the old side of a `diff`).
pub fn job_operators(job: &Job) -> Vec<OperatorRow> {
    job.operators
        .iter()
        .map(|o| OperatorRow {
            id: o.id.to_string(),
            uid: o.uid.clone(),
            name: o.name.clone(),
            parallelism: job.parallelism_of(o).and_then(|p| i32::try_from(p).ok()),
            max_parallelism: o
                .max_parallelism
                .or(job.max_parallelism)
                .and_then(|m| i32::try_from(m).ok()),
            state_size: None,
            operator_states: Vec::new(),
            file_states: None,
            handle_kinds: Vec::new(),
            chain: None,
            stateless: None,
        })
        .collect()
}

/// Writes the page for a report and its run's `meta` (whose `operators` fill the operator
/// table): `Format::Html`.
pub fn write(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    let (kind, doc, from, title) = match &meta.diff {
        Some(d) => (
            PageKind::Diff,
            ReportDoc::Diff(check_json::diff_document(report, meta, d)),
            d.old_kind,
            format!("flinspect diff: {} → {}", meta.snapshot, meta.job),
        ),
        None => (
            PageKind::Check,
            ReportDoc::Check(check_json::document(report, meta)),
            "snapshot",
            format!("flinspect check: {}", meta.snapshot),
        ),
    };
    let page = CheckPage {
        head: PageHead::new(kind),
        report: doc,
        operators: &meta.operators,
        operators_from: from,
    };
    write_page(w, &title, &page)
}
