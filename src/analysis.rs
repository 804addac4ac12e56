//! Facts flinspect derives from a decoded snapshot, each with the evidence it came from: what
//! kind of snapshot it is, the backend its keyed state implies, key-group coverage, and the
//! files it references.
//!
//! Architecture invariant: derived facts never overwrite what the file records. The V4+ trailer
//! says what the snapshot is; everything here is an inference and says so.

use std::collections::BTreeSet;

use crate::model::*;

/// A derived value and the evidence for it, in words a person can check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inferred<T> {
    pub value: T,
    pub evidence: Vec<String>,
}

/// Checkpoint or savepoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotKind {
    Checkpoint,
    Savepoint,
}

impl SnapshotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotKind::Checkpoint => "checkpoint",
            SnapshotKind::Savepoint => "savepoint",
        }
    }
}

/// How the keyed state is laid out, which decides which backends can restore it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyedLayout {
    /// Code 7: the canonical, backend-neutral layout. hashmap and RocksDB restore it; ForSt
    /// (Flink 2.x) restores only code 11/5 and fails on it (recorded with 2.0.1, 2.1.1 and 2.3.0).
    Canonical,
    /// Codes 3/12 in a V4+ file: the heap backend's own format.
    Heap,
    /// Codes 3/12 in a V2/V3 file: heap, or a RocksDB full checkpoint (≤1.15), which only the
    /// state files can tell apart.
    HeapOrRocksDbFull,
    /// Codes 5/11: RocksDB (or ForSt) native files. Nothing in a snapshot tells the two apart for
    /// sure (same handles, file names and keyed-backend meta file; only the OPTIONS files' settings
    /// differ by default), and both restore them (recorded with Flink 2.0.1, 2.1.1 and 2.3.0).
    RocksDb,
    /// Codes 3/12 whose state files hold RocksDB's full-snapshot layout (a RocksDB full
    /// checkpoint of Flink <= 1.15); only known after probing the files ([`crate::probe`]).
    RocksDbFull,
    /// Codes 8/14: the changelog backend wrapping another backend's materialized state.
    Changelog,
}

impl KeyedLayout {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyedLayout::Canonical => "canonical",
            KeyedLayout::Heap => "heap",
            KeyedLayout::HeapOrRocksDbFull => "heap-or-rocksdb-full",
            KeyedLayout::RocksDb => "rocksdb",
            KeyedLayout::RocksDbFull => "rocksdb-full",
            KeyedLayout::Changelog => "changelog",
        }
    }

    /// Backend-specific layouts cannot be restored by a different backend.
    pub fn is_portable(self) -> bool {
        self == KeyedLayout::Canonical
    }

    pub fn of(h: &KeyedHandle<'_>, version: MetadataVersion) -> KeyedLayout {
        match h {
            KeyedHandle::SavepointKeyGroups(_) => KeyedLayout::Canonical,
            KeyedHandle::KeyGroups { .. } if version >= MetadataVersion::V4 => KeyedLayout::Heap,
            KeyedHandle::KeyGroups { .. } => KeyedLayout::HeapOrRocksDbFull,
            KeyedHandle::Incremental { .. } => KeyedLayout::RocksDb,
            KeyedHandle::Changelog { .. }
            | KeyedHandle::ChangelogBytes(_)
            | KeyedHandle::ChangelogFile { .. } => KeyedLayout::Changelog,
        }
    }
}

/// The state backend family the keyed state implies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendFamily {
    /// Canonical layout: written by any backend, restorable by any.
    Portable,
    Heap,
    RocksDb,
    /// Heap or RocksDB (full checkpoints of Flink ≤ 1.15 use the same handle).
    HeapOrRocksDb,
    Changelog,
    /// Handles of more than one layout (e.g. a canonical savepoint mixed with native state).
    Mixed,
}

impl BackendFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendFamily::Portable => "portable",
            BackendFamily::Heap => "heap",
            BackendFamily::RocksDb => "rocksdb",
            BackendFamily::HeapOrRocksDb => "heap-or-rocksdb",
            BackendFamily::Changelog => "changelog",
            BackendFamily::Mixed => "mixed",
        }
    }
}

/// Full, incremental or changelog snapshot of the keyed state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotMode {
    Full,
    Incremental,
    Changelog,
}

impl SnapshotMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotMode::Full => "full",
            SnapshotMode::Incremental => "incremental",
            SnapshotMode::Changelog => "changelog",
        }
    }
}

/// Replaces the ambiguous heap-or-RocksDB-full layout with what [`crate::probe`] read in the
/// state files, and updates the backend accordingly.
pub fn apply_probe(summary: &mut Summary, probed: &Inferred<KeyedLayout>) {
    if !summary
        .keyed_layouts
        .remove(&KeyedLayout::HeapOrRocksDbFull)
    {
        return;
    }
    summary.keyed_layouts.insert(probed.value);
    if summary.keyed_layouts.len() == 1 {
        let value = if probed.value == KeyedLayout::Heap {
            BackendFamily::Heap
        } else {
            BackendFamily::RocksDb
        };
        summary.backend = Some(Inferred {
            value,
            evidence: probed.evidence.clone(),
        });
    }
}

/// Every key group `0..max_parallelism` of a keyed operator, owned exactly once?
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub complete: bool,
    /// Key-group ranges owned by no subtask (e.g. finished subtasks).
    pub missing: Vec<KeyGroupRange>,
    /// Key-group ranges owned by more than one subtask.
    pub overlapping: Vec<KeyGroupRange>,
    /// Key groups outside `0..max_parallelism`.
    pub out_of_range: Vec<KeyGroupRange>,
}

/// Key-group coverage of one operator's keyed state, or `None` when it has no keyed state.
///
/// Works on the subtasks' ranges (sorted and swept), so its cost depends on the number of
/// subtasks, never on the max parallelism a file claims.
pub fn key_group_coverage(op: &OperatorState<'_>) -> Option<Coverage> {
    if !op.has_keyed_state() {
        return None;
    }
    let maxp = i64::from(op.max_parallelism.max(0));
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    let mut out_of_range = Vec::new();
    for st in &op.subtasks {
        // Managed and raw keyed state of one subtask cover the same range; count it once.
        let Some(h) = st.managed_keyed.as_ref().or(st.raw_keyed.as_deref()) else {
            continue;
        };
        let r = h.key_groups();
        if r.is_empty() {
            continue;
        }
        if r.start < 0 || i64::from(r.end) >= maxp {
            out_of_range.push(r);
        }
        let (lo, hi) = (i64::from(r.start).max(0), i64::from(r.end).min(maxp - 1));
        if hi >= lo {
            ranges.push((lo, hi));
        }
    }
    ranges.sort_unstable();
    let (mut missing, mut overlapping) = (Vec::new(), Vec::new());
    // `covered` is the end of the union so far; an overlap is the part of a range at or
    // below it.
    let mut covered = -1i64;
    for &(lo, hi) in &ranges {
        if lo > covered + 1 {
            missing.push(kg_range(covered + 1, lo - 1));
        }
        if lo <= covered {
            push_merged(&mut overlapping, lo, hi.min(covered));
        }
        covered = covered.max(hi);
    }
    if covered < maxp - 1 {
        missing.push(kg_range(covered + 1, maxp - 1));
    }
    Some(Coverage {
        complete: missing.is_empty() && overlapping.is_empty() && out_of_range.is_empty(),
        missing,
        overlapping,
        out_of_range,
    })
}

fn kg_range(lo: i64, hi: i64) -> KeyGroupRange {
    KeyGroupRange {
        start: lo as i32,
        end: hi as i32,
    }
}

/// Appends [lo, hi] to sorted, disjoint ranges, merging with the last one when they touch.
fn push_merged(v: &mut Vec<KeyGroupRange>, lo: i64, hi: i64) {
    if let Some(last) = v.last_mut() {
        if lo <= i64::from(last.end) + 1 {
            last.end = last.end.max(hi as i32);
            return;
        }
    }
    v.push(kg_range(lo, hi));
}

#[cfg(test)]
mod coverage_tests {
    use super::*;

    fn op_with(maxp: i32, ranges: &[(i32, i32)]) -> OperatorState<'static> {
        static DATA: [u8; 1] = [0];
        let subtasks = ranges
            .iter()
            .enumerate()
            .map(|(i, &(s, e))| SubtaskState {
                index: i as u32,
                managed_keyed: Some(KeyedHandle::SavepointKeyGroups(KeyGroupsHandle {
                    offsets: KeyGroupRangeOffsets {
                        range: KeyGroupRange { start: s, end: e },
                        offsets: BeI64s::default(),
                    },
                    delegate: StreamHandle::ByteStream {
                        name: JavaStr(b"x"),
                        data: &DATA,
                    },
                    state_handle_id: None,
                })),
                ..Default::default()
            })
            .collect();
        OperatorState {
            id: OperatorId([0; 16]),
            name: None,
            uid: None,
            parallelism: ranges.len() as i32,
            max_parallelism: maxp,
            coordinator: None,
            fully_finished: false,
            subtasks,
        }
    }

    #[test]
    fn complete_gaps_and_overlaps() {
        let c = key_group_coverage(&op_with(128, &[(0, 63), (64, 127)])).unwrap();
        assert!(c.complete);
        let c = key_group_coverage(&op_with(128, &[(0, 42), (86, 127)])).unwrap();
        assert_eq!(c.missing, vec![KeyGroupRange { start: 43, end: 85 }]);
        let c = key_group_coverage(&op_with(128, &[(0, 70), (60, 127), (65, 66)])).unwrap();
        assert_eq!(c.overlapping, vec![KeyGroupRange { start: 60, end: 70 }]);
        assert!(c.missing.is_empty());
        let c = key_group_coverage(&op_with(128, &[(0, 63)])).unwrap();
        assert_eq!(
            c.missing,
            vec![KeyGroupRange {
                start: 64,
                end: 127
            }]
        );
    }

    #[test]
    fn a_huge_claimed_max_parallelism_costs_nothing() {
        let c = key_group_coverage(&op_with(i32::MAX, &[(0, 63)])).unwrap();
        assert_eq!(
            c.missing,
            vec![KeyGroupRange {
                start: 64,
                end: i32::MAX - 1
            }]
        );
        let c = key_group_coverage(&op_with(16, &[(0, 63)])).unwrap();
        assert_eq!(c.out_of_range, vec![KeyGroupRange { start: 0, end: 63 }]);
    }
}

/// Everything derived about one snapshot.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Checkpoint or savepoint: from the trailer when present, else inferred.
    pub kind: Option<Inferred<SnapshotKind>>,
    pub format: Option<Inferred<SavepointFormat>>,
    pub backend: Option<Inferred<BackendFamily>>,
    pub mode: Option<Inferred<SnapshotMode>>,
    /// Distinct keyed layouts present.
    pub keyed_layouts: BTreeSet<KeyedLayout>,
    /// In-flight channel state of an unaligned checkpoint is present.
    pub has_channel_state: bool,
}

/// Derives the summary. `location` is the snapshot directory's name, used only as weak evidence
/// for files that do not record their kind (V2/V3).
pub fn summarize(md: &Metadata<'_>, location: Option<&str>) -> Summary {
    let mut s = Summarizer::new(md.version);
    for op in &md.operators {
        s.add(op);
    }
    s.finish(md, location)
}

/// [`summarize`] one operator at a time, for decoding that does not keep the operators
/// ([`crate::format::parse_each`]).
#[derive(Clone, Debug)]
pub struct Summarizer {
    version: MetadataVersion,
    layouts: BTreeSet<KeyedLayout>,
    codes: BTreeSet<u8>,
    shared_files: usize,
    incremental_handles: usize,
    has_channel_state: bool,
}

impl Summarizer {
    pub fn new(version: MetadataVersion) -> Self {
        Summarizer {
            version,
            layouts: BTreeSet::new(),
            codes: BTreeSet::new(),
            shared_files: 0,
            incremental_handles: 0,
            has_channel_state: false,
        }
    }

    pub fn add(&mut self, op: &OperatorState<'_>) {
        for h in op.keyed_handles() {
            self.layouts.insert(KeyedLayout::of(h, self.version));
            self.codes.insert(h.code().0);
            if let KeyedHandle::Incremental { handle, .. } = h {
                self.incremental_handles += 1;
                self.shared_files += handle
                    .shared
                    .iter()
                    .filter(|f| matches!(f.handle, StreamHandle::File { .. }))
                    .count();
            }
        }
        self.has_channel_state |= op.channel_handles().next().is_some();
    }

    /// Takes in what another summarizer saw (operators added elsewhere, e.g. on another
    /// thread): the result is the same as having added them all here. Order does not matter.
    pub fn merge(&mut self, other: Summarizer) {
        self.layouts.extend(other.layouts);
        self.codes.extend(other.codes);
        self.shared_files += other.shared_files;
        self.incremental_handles += other.incremental_handles;
        self.has_channel_state |= other.has_channel_state;
    }

    /// The summary; `md` supplies the version and properties (its operators are not read).
    pub fn finish(self, md: &Metadata<'_>, location: Option<&str>) -> Summary {
        let Summarizer {
            layouts,
            codes,
            shared_files,
            incremental_handles,
            has_channel_state,
            ..
        } = self;
        let codes_text = codes
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ");

        let (kind, format) = match &md.properties {
            Some(p) => {
                let ev = vec![format!(
                    "recorded in the file's CheckpointProperties trailer ({})",
                    p.type_name
                        .map_or_else(|| "unnamed type".to_string(), |n| n.to_str().into_owned())
                )];
                let kind = match p.snapshot_class {
                    SnapshotClass::Checkpoint => Some(SnapshotKind::Checkpoint),
                    SnapshotClass::Savepoint => Some(SnapshotKind::Savepoint),
                    SnapshotClass::Unknown => None,
                };
                (
                    kind.map(|value| Inferred {
                        value,
                        evidence: ev.clone(),
                    }),
                    p.format.map(|value| Inferred {
                        value,
                        evidence: ev,
                    }),
                )
            }
            None if md.properties_null => infer_kind_state_processor(&layouts),
            None => infer_kind_v3(
                has_channel_state,
                &layouts,
                location,
                md.version.has_properties(),
            ),
        };

        let backend = if layouts.is_empty() {
            None
        } else {
            let value = if layouts.len() > 1 {
                BackendFamily::Mixed
            } else {
                match layouts.iter().next().copied() {
                    Some(KeyedLayout::Canonical) => BackendFamily::Portable,
                    Some(KeyedLayout::Heap) => BackendFamily::Heap,
                    Some(KeyedLayout::HeapOrRocksDbFull) => BackendFamily::HeapOrRocksDb,
                    Some(KeyedLayout::RocksDb | KeyedLayout::RocksDbFull) => BackendFamily::RocksDb,
                    _ => BackendFamily::Changelog,
                }
            };
            let why = match value {
            BackendFamily::Portable => "keyed state handle code 7 (KeyGroupsSavepointStateHandle): canonical layout hashmap and RocksDB restore, ForSt does not",
            BackendFamily::Heap => "keyed state handle code 12/3 (KeyGroupsStateHandle) in a V4+ file: the heap backend's format",
            BackendFamily::HeapOrRocksDb => "keyed state handle code 12/3 (KeyGroupsStateHandle) in a V2/V3 file: heap, or a RocksDB full checkpoint of Flink <= 1.15",
            BackendFamily::RocksDb => "keyed state handle code 11/5 (IncrementalRemoteKeyedStateHandle): RocksDB (or ForSt) native files",
            BackendFamily::Changelog => "keyed state handle code 14/8 (ChangelogStateBackendHandle): the changelog state backend",
            BackendFamily::Mixed => "keyed state handles of more than one layout",
        };
            Some(Inferred {
                value,
                evidence: vec![format!("{why}; codes present: {codes_text}")],
            })
        };

        let mode = if layouts.contains(&KeyedLayout::Changelog) {
            Some(Inferred {
                value: SnapshotMode::Changelog,
                evidence: vec!["changelog keyed state handles".into()],
            })
        } else if incremental_handles > 0
            && shared_files > 0
            && kind
                .as_ref()
                .is_none_or(|k| k.value == SnapshotKind::Checkpoint)
        {
            Some(Inferred {
            value: SnapshotMode::Incremental,
            evidence: vec![format!(
                "{shared_files} shared files referenced by absolute path from {incremental_handles} IncrementalRemoteKeyedStateHandle(s)"
            )],
        })
        } else if !layouts.is_empty() {
            let why = if incremental_handles > 0 {
                "RocksDB handles reference no shared files by absolute path: a self-contained full snapshot"
            } else {
                "keyed state in full key-group files"
            };
            Some(Inferred {
                value: SnapshotMode::Full,
                evidence: vec![why.into()],
            })
        } else {
            None
        };

        Summary {
            kind,
            format,
            backend,
            mode,
            keyed_layouts: layouts,
            has_channel_state,
        }
    }
}

/// A V4+ file whose trailer is a Java null: only the State Processor API writes that
/// (`CheckpointMetadata` built without properties), and what it writes is a savepoint. Its new
/// and bootstrapped operators are written in the canonical layout; operators it copies from the
/// savepoint it started from keep their handles, so the format is read off the keyed handles.
fn infer_kind_state_processor(
    layouts: &BTreeSet<KeyedLayout>,
) -> (
    Option<Inferred<SnapshotKind>>,
    Option<Inferred<SavepointFormat>>,
) {
    const NOT_RECORDED: &str = "the file records no CheckpointProperties (its trailer is a Java null, as the State Processor API writes it), so kind and format are not recorded in the file";
    let kind = Inferred {
        value: SnapshotKind::Savepoint,
        evidence: vec![
            NOT_RECORDED.into(),
            "only the State Processor API (SavepointWriter, and tools built on it) writes such files, and it writes savepoints".into(),
        ],
    };
    let native = layouts.iter().any(|l| {
        matches!(
            l,
            KeyedLayout::Heap
                | KeyedLayout::RocksDb
                | KeyedLayout::RocksDbFull
                | KeyedLayout::Changelog
        )
    });
    let format = if native {
        Inferred {
            value: SavepointFormat::Native,
            evidence: vec![
                NOT_RECORDED.into(),
                "keyed state in a backend's native layout (copied from a native savepoint)".into(),
            ],
        }
    } else {
        Inferred {
            value: SavepointFormat::Canonical,
            evidence: vec![
                NOT_RECORDED.into(),
                if layouts.is_empty() {
                    "no keyed state; the State Processor API writes the canonical format".into()
                } else {
                    "keyed state in the canonical layout (KeyGroupsSavepointStateHandle), as the State Processor API writes it".into()
                },
            ],
        }
    };
    (Some(kind), Some(format))
}

/// V2/V3 files record neither kind nor format (and a damaged V4+ file may end before the trailer
/// that records them). Code 7 only appears in savepoints (canonical in 1.13/1.14; in 1.15 also
/// native RocksDB savepoints without incremental checkpoints); channel state only in
/// checkpoints; otherwise the directory name is the only hint.
fn infer_kind_v3(
    has_channel_state: bool,
    layouts: &BTreeSet<KeyedLayout>,
    location: Option<&str>,
    has_trailer: bool,
) -> (
    Option<Inferred<SnapshotKind>>,
    Option<Inferred<SavepointFormat>>,
) {
    if layouts.contains(&KeyedLayout::Canonical) {
        let kind = Inferred {
            value: SnapshotKind::Savepoint,
            evidence: vec!["keyed state handle code 7 (KeyGroupsSavepointStateHandle) is written only into savepoints".into()],
        };
        return (Some(kind), None);
    }
    if has_channel_state {
        let kind = Inferred {
            value: SnapshotKind::Checkpoint,
            evidence: vec![
                "in-flight channel state is written only into (unaligned) checkpoints".into(),
            ],
        };
        return (Some(kind), None);
    }
    let why = if has_trailer {
        "the CheckpointProperties trailer that records the kind was not read"
    } else {
        "the file itself does not record its kind before metadata V4"
    };
    match location {
        Some(name) if name.starts_with("chk-") => (
            Some(Inferred {
                value: SnapshotKind::Checkpoint,
                evidence: vec![format!("directory name {name:?} ({why})")],
            }),
            None,
        ),
        Some(name) if name.starts_with("savepoint-") => (
            Some(Inferred {
                value: SnapshotKind::Savepoint,
                evidence: vec![format!("directory name {name:?} ({why})")],
            }),
            None,
        ),
        _ => (None, None),
    }
}

/// Where a referenced stream lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRef<'a> {
    /// An absolute path (URI string) as recorded.
    Absolute(JavaStr<'a>),
    /// A file name relative to the snapshot directory.
    Relative(JavaStr<'a>),
    /// Bytes inline in `_metadata`.
    Inline,
    /// A byte range of a shared physical file (file merging).
    Segment { path: JavaStr<'a>, start: i64 },
}

/// One referenced stream with its place in the snapshot.
#[derive(Clone, Debug)]
pub struct Reference<'a> {
    pub operator: OperatorId,
    pub subtask: Option<u32>,
    pub role: StreamRole,
    pub file: FileRef<'a>,
    /// The size the metadata records (−1 when unknown).
    pub size: i64,
}

/// Every stream the snapshot references, in file order.
pub fn references<'a>(md: &'a Metadata<'a>) -> Vec<Reference<'a>> {
    md.operators.iter().flat_map(operator_references).collect()
}

/// What an operator's subtasks hold, each thing once: the handle classes (Flink's simple class
/// names) and the named operator states as (modified UTF-8 name, distribution mode ordinal).
/// Every subtask usually repeats the same few, so renderers format the distinct ones only.
#[derive(Debug, Default)]
pub struct OperatorContents<'a> {
    pub handle_classes: BTreeSet<&'static str>,
    pub state_names: BTreeSet<(&'a [u8], u8)>,
}

pub fn operator_contents<'a>(op: &OperatorState<'a>) -> OperatorContents<'a> {
    let mut c = OperatorContents::default();
    for st in &op.subtasks {
        for h in st.managed_keyed.iter().chain(st.raw_keyed.as_deref()) {
            c.handle_classes.insert(h.class_name());
        }
        for h in st.managed_operator.iter().chain(st.raw_operator.as_deref()) {
            c.handle_classes.insert(h.class_name());
            for s in &h.states {
                c.state_names.insert((s.name.0, s.mode.0));
            }
        }
        for ch in st.input_channels.iter().chain(st.output_channels.iter()) {
            c.handle_classes.insert(ch.class_name());
        }
    }
    c
}

/// Every stream one operator references, in file order.
pub fn operator_references<'a>(op: &'a OperatorState<'a>) -> Vec<Reference<'a>> {
    let mut out = Vec::new();
    if let Some(c) = &op.coordinator {
        push_stream(&mut out, op.id, None, StreamRole::Coordinator, c);
    }
    for st in &op.subtasks {
        for h in st.managed_operator.iter().chain(st.raw_operator.as_deref()) {
            push_stream(
                &mut out,
                op.id,
                Some(st.index),
                StreamRole::OperatorData,
                &h.delegate,
            );
        }
        for h in st.managed_keyed.iter().chain(st.raw_keyed.as_deref()) {
            h.for_each_stream(&mut |role, s| push_stream(&mut out, op.id, Some(st.index), role, s));
        }
        for c in st.input_channels.iter().chain(st.output_channels.iter()) {
            push_stream(
                &mut out,
                op.id,
                Some(st.index),
                StreamRole::ChannelState,
                &c.delegate,
            );
        }
    }
    out
}

fn push_stream<'a>(
    out: &mut Vec<Reference<'a>>,
    op: OperatorId,
    subtask: Option<u32>,
    role: StreamRole,
    s: &'a StreamHandle<'a>,
) {
    let file = match s.innermost() {
        StreamHandle::ByteStream { .. } => FileRef::Inline,
        StreamHandle::File { path, .. } => FileRef::Absolute(*path),
        StreamHandle::RelativeFile { relative_path, .. } => FileRef::Relative(*relative_path),
        StreamHandle::Segment {
            path, start_pos, ..
        } => FileRef::Segment {
            path: *path,
            start: *start_pos,
        },
        StreamHandle::EmptySegment | StreamHandle::KeyGroups(_) => return,
    };
    out.push(Reference {
        operator: op,
        subtask,
        role,
        file,
        size: s.innermost().state_size(),
    });
}

/// The files a snapshot references, as found on this machine (data: `scan` finds them,
/// `check` judges them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateFiles {
    /// Distinct local files referenced (inline state excluded).
    pub referenced: usize,
    /// Referenced files that exist with at least the recorded size.
    pub found: usize,
    /// Missing or shorter than recorded: `(what, path as recorded or resolved)`, sorted.
    pub broken: Vec<(String, String)>,
    /// References to remote storage (`s3://`, `hdfs://`, …) that no map covers.
    pub unmapped: Vec<String>,
    /// Files that exist but could not be examined (e.g. permission denied).
    pub inaccessible: Vec<String>,
    /// `--map`s inferred because the tree moved (`OLD=NEW`).
    pub inferred_maps: Vec<String>,
}
