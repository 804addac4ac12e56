//! The `inspect --json` document, schema version 1.
//!
//! This is a public contract: other tools depend on these field names. Every field is documented
//! here; fields are only ever added (with a `schema_version` bump if a meaning changes), and
//! `tests/it/json_contract.rs` pins the shape with `deny_unknown_fields`.

use serde::Serialize;

use super::{text, uid_of, UidLabels, UidSource};
use crate::analysis::{self, FileRef, Inferred, Summary};
use crate::inspect::Inspection;
use crate::model::*;

/// The schema version of [`Snapshot`].
pub const SCHEMA_VERSION: u32 = 1;

/// Top level of `flinspect inspect --json`.
#[derive(Serialize)]
pub struct Snapshot<'x> {
    /// Always 1 for this layout.
    pub schema_version: u32,
    /// The `_metadata` file read.
    pub path: String,
    /// Size of the `_metadata` file in bytes.
    pub file_size: usize,
    /// Metadata format version (the i32 at offset 4): one flinspect decodes (`model::LAYOUTS`).
    pub metadata_version: i32,
    /// The Flink releases that write this metadata version, e.g. "1.16 – 1.20".
    pub flink_releases: Option<&'static str>,
    /// The checkpoint id (savepoints have one too).
    pub checkpoint_id: i64,
    /// What the file itself records in its V4+ trailer; both fields null where it records nothing.
    pub snapshot: RecordedKind,
    /// The whole V4+ `CheckpointProperties` trailer, null before V4.
    pub properties: Option<Properties>,
    /// What flinspect infers from the handles, each with its evidence.
    pub inferred: InferredFacts,
    /// Sum of every operator's state size (bytes, as Flink's `getStateSize()`).
    pub state_size: i64,
    /// Master states (checkpoint hooks), in file order.
    pub master_states: Vec<MasterStateJson>,
    /// Operators in file order.
    pub operators: Seq<'x, Operator>,
    /// Every referenced file, only with `--files` (null otherwise).
    pub files: Option<Seq<'x, FileJson>>,
    /// Only with `--states` (null otherwise): each operator's state meta information, read
    /// from the headers of its state files (see [`super::states`] for every field).
    pub states: Option<Vec<super::states::OperatorStatesJson>>,
    /// Bytes after the end of the metadata, which Flink ignores (normally 0).
    pub trailing_bytes: usize,
    /// Null for an intact file. With `inspect --lossy` on a damaged file: where decoding
    /// stopped; everything above is what was decoded before that point.
    pub damage: Option<Damage>,
}

/// `damage`: where and why a lossy decode stopped.
#[derive(Serialize)]
pub struct Damage {
    /// Absolute byte offset of the field that could not be decoded.
    pub offset: u64,
    /// The one-line reason, with its context (operator, subtask, field).
    pub message: String,
    /// Operators fully decoded before the damage (all of them are in `operators`; the damaged
    /// one is not).
    pub operators_decoded: usize,
}

/// Produces a sequence's elements by handing each to the sink, in order.
pub type Producer<'x, T> = Box<dyn Fn(&mut dyn FnMut(T)) + 'x>;

/// A JSON array given either as items, or as a producer that hands them over one at a time
/// while the array is being written (so a large snapshot is never held whole).
pub enum Seq<'x, T> {
    Items(Vec<T>),
    /// Called once, during serialization, with a sink for the elements in order.
    Stream(Producer<'x, T>),
}

impl<T: Serialize> Serialize for Seq<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        match self {
            Seq::Items(v) => v.serialize(serializer),
            Seq::Stream(produce) => {
                let mut seq = serializer.serialize_seq(None)?;
                let mut failed = None;
                produce(&mut |item| {
                    if failed.is_none() {
                        if let Err(e) = seq.serialize_element(&item) {
                            failed = Some(e);
                        }
                    }
                });
                match failed {
                    Some(e) => Err(e),
                    None => seq.end(),
                }
            }
        }
    }
}

/// `snapshot`: what the file records about itself.
#[derive(Serialize)]
pub struct RecordedKind {
    /// "checkpoint" | "savepoint" | null (V2/V3 files do not record it).
    pub kind: Option<&'static str>,
    /// "canonical" | "native" | null (checkpoints, and files before V4).
    pub format: Option<&'static str>,
}

/// `properties`: the Java-serialized `CheckpointProperties` trailer.
#[derive(Serialize)]
pub struct Properties {
    /// The `SnapshotType` class: "CheckpointType" | "SavepointType" | "unknown".
    pub snapshot_type: &'static str,
    /// `SnapshotType.getName()`, e.g. "Checkpoint", "Savepoint", "Terminate Savepoint".
    pub type_name: Option<String>,
    /// "CANONICAL" | "NATIVE" | null.
    pub format: Option<&'static str>,
    /// `CheckpointType.sharingFilesStrategy` (FORWARD_BACKWARD, FORWARD, NO_SHARING) or null.
    pub sharing_files_strategy: Option<String>,
    /// `SavepointType.postCheckpointAction` (NONE, SUSPEND, TERMINATE) or null.
    pub post_checkpoint_action: Option<String>,
    pub forced: bool,
    pub unclaimed: bool,
    pub discard_subsumed: bool,
    pub discard_finished: bool,
    pub discard_cancelled: bool,
    pub discard_failed: bool,
    pub discard_suspended: bool,
}

/// A derived value with the evidence for it.
#[derive(Serialize)]
pub struct Fact {
    pub value: &'static str,
    pub evidence: Vec<String>,
}

/// `inferred`: facts derived from the handles (never from guesses about the label).
#[derive(Serialize)]
pub struct InferredFacts {
    /// "checkpoint" | "savepoint", or null when nothing tells.
    pub kind: Option<Fact>,
    /// "canonical" | "native", or null.
    pub format: Option<Fact>,
    /// Backend family the keyed state implies: "portable" | "heap" | "rocksdb" |
    /// "heap-or-rocksdb" | "changelog" | "mixed"; null without keyed state.
    pub backend: Option<Fact>,
    /// "full" | "incremental" | "changelog"; null without keyed state.
    pub mode: Option<Fact>,
    /// Distinct keyed layouts: "canonical", "heap", "heap-or-rocksdb-full", "rocksdb", "changelog".
    pub keyed_layouts: Vec<&'static str>,
    /// In-flight channel state of an unaligned checkpoint is present.
    pub unaligned_channel_state: bool,
}

#[derive(Serialize)]
pub struct MasterStateJson {
    pub name: String,
    pub version: i32,
    pub bytes: usize,
}

/// One operator.
#[derive(Serialize, Clone, Debug)]
pub struct Operator {
    /// OperatorID: 32 lowercase hex digits, as Flink prints it.
    pub id: String,
    /// The uid: stored in the file (V5+) or matched from `--uid`/`--uids`; null when unknown.
    pub uid: Option<String>,
    /// Where `uid` came from: "metadata" | "user" | null.
    pub uid_source: Option<&'static str>,
    /// The operator name stored in the file (V5+), else null.
    pub name: Option<String>,
    pub parallelism: i32,
    pub max_parallelism: i32,
    /// Bytes, as Flink's `OperatorState.getStateSize()` (coordinator + subtasks).
    pub state_size: i64,
    /// Whether any subtask holds any handle, or coordinator state exists.
    pub has_state: bool,
    /// All subtasks had finished (Flink 1.14+).
    pub fully_finished: bool,
    /// Operator-coordinator state (e.g. a FLIP-27 source enumerator), null when absent.
    pub coordinator_state: Option<Handle>,
    /// Distinct handle class names used by this operator's subtasks.
    pub handle_kinds: Vec<&'static str>,
    /// Distinct operator-state names with their distribution mode.
    pub operator_states: Vec<NamedState>,
    /// Key-group coverage of the keyed state; null without keyed state.
    pub key_group_coverage: Option<CoverageJson>,
    /// Subtasks sorted by index.
    pub subtasks: Vec<Subtask>,
}

/// `key_group_coverage`.
#[derive(Serialize, Clone, Debug)]
pub struct CoverageJson {
    /// Every key group 0..max_parallelism-1 owned exactly once.
    pub complete: bool,
    /// [start, end] ranges owned by no subtask.
    pub missing: Vec<[i32; 2]>,
    /// [start, end] ranges owned by more than one subtask.
    pub overlapping: Vec<[i32; 2]>,
    /// [start, end] ranges beyond the max parallelism.
    pub out_of_range: Vec<[i32; 2]>,
}

/// One subtask.
#[derive(Serialize, Clone, Debug)]
pub struct Subtask {
    pub index: u32,
    /// The subtask had finished when the snapshot was taken (no state).
    pub finished: bool,
    /// Bytes, as Flink's `OperatorSubtaskState.getStateSize()`.
    pub state_size: i64,
    pub managed_keyed: Vec<Handle>,
    pub raw_keyed: Vec<Handle>,
    pub managed_operator: Vec<Handle>,
    pub raw_operator: Vec<Handle>,
    /// In-flight input data (unaligned checkpoints).
    pub input_channels: Vec<Handle>,
    /// In-flight output data (unaligned checkpoints).
    pub result_subpartitions: Vec<Handle>,
}

/// A state handle.
#[derive(Serialize, Clone, Debug)]
pub struct Handle {
    /// Flink's simple class name, e.g. "KeyGroupsSavepointStateHandle".
    pub handle: &'static str,
    /// The wire type code (null for channel handles before V6 and for stream-only positions).
    pub code: Option<u8>,
    /// Bytes, as the handle's `getStateSize()`.
    pub state_size: i64,
    /// Keyed handles: [start, end] inclusive ([0, -1] is the empty range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_groups: Option<[i32; 2]>,
    /// Operator handles: the named states and their distribution modes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub states: Option<Vec<NamedState>>,
    /// Where the bytes are: "inline" | "absolute" | "relative" | "segment" | "composite".
    pub storage: &'static str,
    /// The path (absolute URI, or relative file name) where `storage` is a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Incremental (RocksDB) handles: number of shared and private files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_files: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_files: Option<usize>,
    /// Incremental handles: the checkpoint that wrote them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_id: Option<i64>,
    /// Channel handles: the number of channels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<u32>,
}

/// An operator state name and its distribution mode.
#[derive(Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NamedState {
    pub name: String,
    /// "SPLIT_DISTRIBUTE" | "UNION" | "BROADCAST".
    pub mode: &'static str,
    /// Number of list elements (offsets) this subtask stores; omitted in operator summaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elements: Option<usize>,
}

/// One referenced file (`--files`).
#[derive(Serialize)]
pub struct FileJson {
    pub operator: String,
    pub subtask: Option<u32>,
    /// "keyed" | "operator" | "rocksdb-meta" | "rocksdb-shared" | "rocksdb-private" |
    /// "changelog" | "channel" | "coordinator".
    pub role: &'static str,
    /// "inline" | "absolute" | "relative" | "segment".
    pub storage: &'static str,
    /// Null for inline bytes.
    pub path: Option<String>,
    /// Byte offset within a segment's physical file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// Size recorded in the metadata (−1 = unknown).
    pub size: i64,
}

fn fact<T: Copy>(f: &Option<Inferred<T>>, name: impl Fn(T) -> &'static str) -> Option<Fact> {
    f.as_ref().map(|i| Fact {
        value: name(i.value),
        evidence: i.evidence.clone(),
    })
}

/// Builds the document.
pub fn snapshot<'x>(
    path: &str,
    md: &Metadata<'_>,
    summary: &Summary,
    labels: &UidLabels,
    with_files: bool,
) -> Snapshot<'x> {
    let props = md.properties.as_ref();
    Snapshot {
        schema_version: SCHEMA_VERSION,
        path: path.to_string(),
        file_size: md.len,
        metadata_version: md.version.0,
        flink_releases: md.version.written_by(),
        checkpoint_id: md.checkpoint_id,
        snapshot: RecordedKind {
            kind: props.and_then(|p| match p.snapshot_class {
                SnapshotClass::Checkpoint => Some("checkpoint"),
                SnapshotClass::Savepoint => Some("savepoint"),
                SnapshotClass::Unknown => None,
            }),
            format: props.and_then(|p| p.format.map(SavepointFormat::as_str)),
        },
        properties: props.map(|p| Properties {
            snapshot_type: match p.snapshot_class {
                SnapshotClass::Checkpoint => "CheckpointType",
                SnapshotClass::Savepoint => "SavepointType",
                SnapshotClass::Unknown => "unknown",
            },
            type_name: p.type_name.as_ref().map(text),
            format: p.format.map(|f| match f {
                SavepointFormat::Canonical => "CANONICAL",
                SavepointFormat::Native => "NATIVE",
            }),
            sharing_files_strategy: p.sharing_files_strategy.as_ref().map(text),
            post_checkpoint_action: p.post_checkpoint_action.as_ref().map(text),
            forced: p.forced,
            unclaimed: p.unclaimed,
            discard_subsumed: p.discard_subsumed,
            discard_finished: p.discard_finished,
            discard_cancelled: p.discard_cancelled,
            discard_failed: p.discard_failed,
            discard_suspended: p.discard_suspended,
        }),
        inferred: InferredFacts {
            kind: fact(&summary.kind, analysis::SnapshotKind::as_str),
            format: fact(&summary.format, SavepointFormat::as_str),
            backend: fact(&summary.backend, analysis::BackendFamily::as_str),
            mode: fact(&summary.mode, analysis::SnapshotMode::as_str),
            keyed_layouts: summary.keyed_layouts.iter().map(|l| l.as_str()).collect(),
            unaligned_channel_state: summary.has_channel_state,
        },
        state_size: md.state_size(),
        master_states: md
            .master_states
            .iter()
            .map(|m| MasterStateJson {
                name: text(&m.name),
                version: m.version,
                bytes: m.payload.len(),
            })
            .collect(),
        operators: Seq::Items(md.operators.iter().map(|op| operator(op, labels)).collect()),
        files: with_files
            .then(|| Seq::Items(md.operators.iter().flat_map(operator_files).collect())),
        states: None,
        trailing_bytes: md.trailing_bytes,
        damage: None,
    }
}

/// The document of what [`crate::inspect::inspect`] found: the operators (and with
/// `with_files` the files) are decoded again while the document is written, on a second
/// thread ([`Inspection::map_operators`]), so a large snapshot is never held whole.
pub fn inspection<'x>(
    insp: &'x Inspection<'_>,
    labels: &'x UidLabels,
    with_files: bool,
) -> Snapshot<'x> {
    let mut doc = snapshot(&insp.path, &insp.metadata, &insp.summary, labels, false);
    doc.state_size = insp.state_size;
    doc.operators = Seq::Stream(Box::new(move |sink| {
        insp.map_operators(|op| operator(op, labels), sink)
    }));
    if with_files {
        doc.files = Some(Seq::Stream(Box::new(move |sink| {
            insp.map_operators(operator_files, &mut |files: Vec<FileJson>| {
                files.into_iter().for_each(&mut *sink)
            })
        })));
    }
    doc.damage = insp.error.as_ref().map(|e| Damage {
        offset: e.offset(),
        message: e.to_string(),
        operators_decoded: insp.operators,
    });
    doc
}

/// One operator's entry of `operators`.
pub fn operator(op: &OperatorState<'_>, labels: &UidLabels) -> Operator {
    let uid = uid_of(op, labels);
    let contents = analysis::operator_contents(op);
    let kinds: Vec<&'static str> = contents.handle_classes.into_iter().collect();
    let mut states: Vec<NamedState> = contents
        .state_names
        .into_iter()
        .map(|(name, mode)| NamedState {
            name: text(&JavaStr(name)),
            mode: DistributionMode(mode).name().unwrap_or("UNKNOWN"),
            elements: None,
        })
        .collect();
    states.sort();
    states.dedup();
    Operator {
        id: op.id.to_hex(),
        uid_source: uid.as_ref().map(|(_, s)| match s {
            UidSource::Metadata => "metadata",
            UidSource::User => "user",
        }),
        uid: uid.map(|(u, _)| u),
        name: op.name.as_ref().map(text),
        parallelism: op.parallelism,
        max_parallelism: op.max_parallelism,
        state_size: op.state_size(),
        has_state: op.has_state(),
        fully_finished: op.fully_finished,
        coordinator_state: op.coordinator.as_ref().map(|c| stream_handle(c, Some(1))),
        handle_kinds: kinds,
        operator_states: states,
        key_group_coverage: analysis::key_group_coverage(op).map(|c| CoverageJson {
            complete: c.complete,
            missing: c.missing.iter().map(|r| [r.start, r.end]).collect(),
            overlapping: c.overlapping.iter().map(|r| [r.start, r.end]).collect(),
            out_of_range: c.out_of_range.iter().map(|r| [r.start, r.end]).collect(),
        }),
        subtasks: op.subtasks.iter().map(subtask).collect(),
    }
}

fn subtask(st: &SubtaskState<'_>) -> Subtask {
    Subtask {
        index: st.index,
        finished: st.finished,
        state_size: st.state_size(),
        managed_keyed: st.managed_keyed.iter().map(keyed_handle).collect(),
        raw_keyed: st
            .raw_keyed
            .as_deref()
            .into_iter()
            .map(keyed_handle)
            .collect(),
        managed_operator: st.managed_operator.iter().map(operator_handle).collect(),
        raw_operator: st
            .raw_operator
            .as_deref()
            .into_iter()
            .map(operator_handle)
            .collect(),
        input_channels: st.input_channels.iter().map(channel_handle).collect(),
        result_subpartitions: st.output_channels.iter().map(channel_handle).collect(),
    }
}

fn blank(handle: &'static str, code: Option<u8>, state_size: i64, storage: &'static str) -> Handle {
    Handle {
        handle,
        code,
        state_size,
        key_groups: None,
        states: None,
        storage,
        path: None,
        shared_files: None,
        private_files: None,
        checkpoint_id: None,
        channels: None,
    }
}

fn storage_of(s: &StreamHandle<'_>) -> (&'static str, Option<String>) {
    match s.innermost() {
        StreamHandle::ByteStream { .. } => ("inline", None),
        StreamHandle::File { path, .. } => ("absolute", Some(text(path))),
        StreamHandle::RelativeFile { relative_path, .. } => ("relative", Some(text(relative_path))),
        StreamHandle::Segment { path, .. } => ("segment", Some(text(path))),
        StreamHandle::EmptySegment | StreamHandle::KeyGroups(_) => ("inline", None),
    }
}

fn stream_handle(s: &StreamHandle<'_>, code: Option<u8>) -> Handle {
    let (storage, path) = storage_of(s);
    let mut h = blank(s.class_name(), code, s.state_size(), storage);
    h.path = path;
    h
}

fn keyed_handle(k: &KeyedHandle<'_>) -> Handle {
    let r = k.key_groups();
    let (storage, path) = match k {
        KeyedHandle::KeyGroups { handle, .. } | KeyedHandle::SavepointKeyGroups(handle) => {
            storage_of(&handle.delegate)
        }
        _ => ("composite", None),
    };
    let mut h = blank(k.class_name(), Some(k.code().0), k.state_size(), storage);
    h.key_groups = Some([r.start, r.end]);
    h.path = path;
    if let KeyedHandle::Incremental { handle, .. } = k {
        h.shared_files = Some(handle.shared.len());
        h.private_files = Some(handle.private.len());
        h.checkpoint_id = Some(handle.checkpoint_id);
    }
    h
}

fn operator_handle(o: &OperatorHandle<'_>) -> Handle {
    let (storage, path) = storage_of(&o.delegate);
    let mut h = blank(o.class_name(), Some(o.code.0), o.state_size(), storage);
    h.path = path;
    let mut states: Vec<NamedState> = o
        .states
        .iter()
        .map(|s| NamedState {
            name: text(&s.name),
            mode: s.mode.name().unwrap_or("UNKNOWN"),
            elements: Some(s.offsets.len()),
        })
        .collect();
    states.sort();
    h.states = Some(states);
    h
}

fn channel_handle(c: &ChannelHandle<'_>) -> Handle {
    let (storage, path) = storage_of(&c.delegate);
    let mut h = blank(c.class_name(), None, c.state_size, storage);
    h.path = path;
    h.channels = Some(match &c.body {
        ChannelBody::Single { .. } => 1,
        ChannelBody::Merged { channels, .. } => *channels,
    });
    h
}

/// One operator's entries of `files`.
pub fn operator_files(op: &OperatorState<'_>) -> Vec<FileJson> {
    analysis::operator_references(op)
        .into_iter()
        .map(|r| {
            let (storage, path, offset) = match r.file {
                FileRef::Absolute(p) => ("absolute", Some(text(&p)), None),
                FileRef::Relative(p) => ("relative", Some(text(&p)), None),
                FileRef::Inline => ("inline", None, None),
                FileRef::Segment { path, start } => ("segment", Some(text(&path)), Some(start)),
            };
            FileJson {
                operator: r.operator.to_hex(),
                subtask: r.subtask,
                role: r.role.as_str(),
                storage,
                path,
                offset,
                size: r.size,
            }
        })
        .collect()
}
