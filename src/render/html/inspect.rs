//! The `inspect --format html` page: the data is the `inspect --json` document
//! ([`crate::render::json::Snapshot`]), each operator's subtasks as compact columns (a 1,000 ×
//! 128 snapshot's page stays a few MB; the per-handle detail is in `inspect --json`), and a
//! summary of the files the snapshot references.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

use serde::Serialize;

use super::{write_page, PageHead, PageKind};
use crate::inspect::Inspection;
use crate::model::OperatorState;
use crate::render::json::{self, Snapshot};
use crate::render::UidLabels;

/// The page's data.
#[derive(Serialize)]
pub struct InspectPage<'x> {
    #[serde(flatten)]
    pub head: PageHead,
    /// The `inspect --json` document without `files` (summarized in [`InspectPage::files`]);
    /// each operator's `subtasks` is empty here and given as columns in
    /// [`InspectPage::subtasks`], in the same order as `operators`.
    pub snapshot: Snapshot<'x>,
    pub subtasks: Vec<SubtaskColumns>,
    pub files: FilesSummary,
}

/// One operator's subtasks (sorted by index), column by column.
#[derive(Serialize, Default)]
pub struct SubtaskColumns {
    /// `subtasks[i].index` of `inspect --json`.
    pub index: Vec<u32>,
    /// `subtasks[i].state_size`.
    pub state_size: Vec<i64>,
    /// The key groups the subtask's keyed handles cover, `[first, last]` over all of them;
    /// null for a subtask without keyed state (or only empty ranges).
    pub key_groups: Vec<Option<[i32; 2]>>,
    /// Indices of the subtasks that had finished.
    pub finished: Vec<u32>,
}

/// References of one kind: how many, and their recorded bytes (sizes not recorded excluded).
#[derive(Serialize, Default, Clone, Copy)]
pub struct CountBytes {
    pub count: usize,
    pub bytes: i64,
}

impl CountBytes {
    fn add(&mut self, size: i64) {
        self.count += 1;
        self.bytes = self.bytes.saturating_add(size.max(0));
    }
}

/// What `inspect --json --files` lists, summed.
#[derive(Serialize, Default)]
pub struct FilesSummary {
    /// Entries of `files` (inline ones too).
    pub references: usize,
    /// Distinct paths among the references that are files (absolute, relative, segment).
    pub distinct_files: usize,
    /// References whose size the metadata does not record (`size` −1).
    pub unknown_size: usize,
    /// By `storage`: "inline" | "absolute" | "relative" | "segment".
    pub by_storage: BTreeMap<&'static str, CountBytes>,
    /// By `role` ("keyed", "operator", "rocksdb-shared", …).
    pub by_role: BTreeMap<&'static str, CountBytes>,
    /// Per operator, in `operators` order: `[file references, their bytes, inline references,
    /// their bytes]`.
    pub operators: Vec<[i64; 4]>,
}

/// Builds the page operator by operator (the caller decodes them one at a time).
pub struct Builder<'l> {
    labels: &'l UidLabels,
    operators: Vec<json::Operator>,
    subtasks: Vec<SubtaskColumns>,
    files: FilesSummary,
    paths: HashSet<String>,
}

impl<'l> Builder<'l> {
    pub fn new(labels: &'l UidLabels) -> Self {
        Builder {
            labels,
            operators: Vec::new(),
            subtasks: Vec::new(),
            files: FilesSummary::default(),
            paths: HashSet::new(),
        }
    }

    /// Adds the next operator in file order.
    pub fn push(&mut self, op: &OperatorState<'_>) {
        let mut doc = json::operator(op, self.labels);
        self.subtasks.push(columns(&doc.subtasks));
        doc.subtasks = Vec::new();
        self.operators.push(doc);
        let mut per = [0i64; 4];
        for f in json::operator_files(op) {
            self.files.references += 1;
            if f.size < 0 {
                self.files.unknown_size += 1;
            }
            self.files
                .by_storage
                .entry(f.storage)
                .or_default()
                .add(f.size);
            self.files.by_role.entry(f.role).or_default().add(f.size);
            let slot = if f.storage == "inline" { 2 } else { 0 };
            per[slot] += 1;
            per[slot + 1] = per[slot + 1].saturating_add(f.size.max(0));
            if let Some(p) = f.path {
                self.paths.insert(p);
            }
        }
        self.files.operators.push(per);
    }

    /// The page's data: `snapshot` is the `inspect --json` header (its operators and files
    /// are replaced by the ones pushed here).
    pub fn finish<'x>(mut self, mut snapshot: Snapshot<'x>) -> InspectPage<'x> {
        snapshot.operators = json::Seq::Items(self.operators);
        snapshot.files = None;
        self.files.distinct_files = self.paths.len();
        InspectPage {
            head: PageHead::new(PageKind::Inspect),
            snapshot,
            subtasks: self.subtasks,
            files: self.files,
        }
    }
}

fn columns(subtasks: &[json::Subtask]) -> SubtaskColumns {
    let mut c = SubtaskColumns::default();
    for st in subtasks {
        c.index.push(st.index);
        c.state_size.push(st.state_size);
        let mut range: Option<[i32; 2]> = None;
        for h in st.managed_keyed.iter().chain(&st.raw_keyed) {
            if let Some([s, e]) = h.key_groups.filter(|[s, e]| e >= s) {
                range = Some(match range {
                    None => [s, e],
                    Some([a, b]) => [a.min(s), b.max(e)],
                });
            }
        }
        c.key_groups.push(range);
        if st.finished {
            c.finished.push(st.index);
        }
    }
    c
}

/// The page of an inspection: its `inspect --json` document, the operators decoded again.
pub fn page<'x>(found: &'x Inspection<'_>, labels: &'x UidLabels) -> InspectPage<'x> {
    let mut builder = Builder::new(labels);
    found.for_each_operator(|op| builder.push(&op));
    builder.finish(json::inspection(found, labels, false))
}

/// Writes the page.
pub fn write<W: Write + ?Sized>(w: &mut W, page: &InspectPage<'_>) -> io::Result<()> {
    let title = format!("flinspect inspect: {}", page.snapshot.path);
    write_page(w, &title, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(range: [i32; 2]) -> json::Handle {
        json::Handle {
            handle: "KeyGroupsStateHandle",
            code: Some(3),
            state_size: 10,
            key_groups: Some(range),
            states: None,
            storage: "inline",
            path: None,
            shared_files: None,
            private_files: None,
            checkpoint_id: None,
            channels: None,
        }
    }

    fn subtask(index: u32, size: i64, keyed: Vec<json::Handle>, finished: bool) -> json::Subtask {
        json::Subtask {
            index,
            finished,
            state_size: size,
            managed_keyed: keyed,
            raw_keyed: Vec::new(),
            managed_operator: Vec::new(),
            raw_operator: Vec::new(),
            input_channels: Vec::new(),
            result_subpartitions: Vec::new(),
        }
    }

    #[test]
    fn subtask_columns_span_every_keyed_handle_and_skip_empty_ranges() {
        let c = columns(&[
            subtask(0, 20, vec![keyed([0, 31]), keyed([32, 63])], false),
            subtask(1, 0, vec![keyed([0, -1])], true),
            subtask(2, 5, Vec::new(), false),
        ]);
        assert_eq!(c.index, [0, 1, 2]);
        assert_eq!(c.state_size, [20, 0, 5]);
        assert_eq!(c.key_groups, [Some([0, 63]), None, None]);
        assert_eq!(c.finished, [1]);
    }
}
