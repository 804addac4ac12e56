//! Which streams of a snapshot hold state meta information, where they are on this machine, and
//! their headers decoded ([`crate::format::state_meta`]) and merged per operator.
//!
//! For every subtask of every operator:
//!
//! * managed keyed state: a `KeyGroupsStateHandle` / `KeyGroupsSavepointStateHandle` (heap
//!   checkpoints and native savepoints, canonical savepoints, RocksDB full checkpoints) starts
//!   with the keyed header at the head of its stream; an `IncrementalRemoteKeyedStateHandle`
//!   (RocksDB and ForSt incremental checkpoints and native savepoints) has it in its meta-data
//!   stream; a changelog handle's materialized part is one of those. Change-log deltas (DSTL)
//!   carry no header and are not read.
//! * managed operator state: the operator header at the head of the handle's stream.
//!
//! Raw keyed and raw operator state are written by user code without a header and are not read.
//! A stream is inline bytes of `_metadata`, a file relative to the snapshot directory, an
//! absolute path (through `--map`s, or the prefix maps [`super::snapshot_files`] infers when the
//! tree moved), or a byte range of a file-merging segment file. Files are mapped read-only and
//! only the header's pages are touched; headers are decoded in parallel.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;

use super::paths::{
    resolve_absolute, resolve_absolute_remote, resolve_relative, PathMap, Resolved,
};
use crate::fold::Fold;
use crate::format::state_meta::{keyed_header, operator_header};
use crate::load;
use crate::model::state_meta::{
    BackendMeta, HeaderSource, OperatorStates, SerializerSnapshot, StateEntry, StateFileMeta,
    StateScope,
};
use crate::model::{KeyedHandle, Metadata, OperatorId, OperatorState, StreamHandle};

/// Where a header's bytes are.
enum Place<'a> {
    Inline(&'a [u8]),
    File {
        path: PathBuf,
        start: u64,
    },
    /// An object of remote storage (a remote snapshot's own files, or a `--map` onto a remote
    /// prefix): only the header's bytes are fetched ([`read_remote`]).
    Remote {
        location: String,
        start: u64,
    },
    Unreachable(String),
}

/// The first fetch of a remote header; doubled while the header goes on past the bytes
/// fetched, up to [`REMOTE_HEADER_MAX`].
const REMOTE_HEADER_FIRST: u64 = 64 << 10;
/// The most bytes fetched for one remote header (serializer snapshots of big POJO and Kryo
/// types run to kilobytes; 16 MiB is far above any header Flink writes).
const REMOTE_HEADER_MAX: u64 = 16 << 20;

struct Request<'a> {
    operator: OperatorId,
    subtask: u32,
    source: HeaderSource,
    handle_class: &'static str,
    stream: Option<&'a StreamHandle<'a>>,
    /// Why there is no stream to read (change-log deltas only).
    note: Option<&'static str>,
}

/// Reads the state meta information of operators, one at a time, from the state files of the
/// snapshot whose `_metadata` is at `metadata` (relative handles resolve against its
/// directory). `maps` are the user's prefix maps; the first time an operator's absolute
/// references are missing, the maps [`super::snapshot_files`] infers for the moved tree are
/// added (once, for all operators). Safe to share between threads.
pub struct StatesReader {
    metadata: PathBuf,
    dir: PathBuf,
    /// The snapshot was given as a pre-signed URL of its `_metadata`.
    presigned: bool,
    maps: Vec<PathMap>,
    inferred: OnceLock<Vec<PathMap>>,
}

impl StatesReader {
    pub fn new(metadata: &Path, maps: &[PathMap]) -> Self {
        StatesReader {
            metadata: metadata.to_path_buf(),
            dir: metadata.parent().unwrap_or(Path::new(".")).to_path_buf(),
            presigned: crate::storage::is_presigned(&metadata.to_string_lossy()),
            maps: maps.to_vec(),
            inferred: OnceLock::new(),
        }
    }

    /// One operator's states, its headers read in parallel; `None` when it has no managed
    /// state with a header.
    pub fn operator(&self, op: &OperatorState<'_>) -> Option<OperatorStates> {
        let requests = requests(op);
        if requests.is_empty() {
            return None;
        }
        let missing = |maps: &[PathMap]| {
            requests.iter().filter_map(|r| r.stream).any(|s| {
                match place(s, &self.dir, self.presigned, maps) {
                    Place::File { path, .. } => !path.exists(),
                    // A remote object that is missing is named by its read; no tree to infer.
                    Place::Remote { .. } => false,
                    Place::Unreachable(_) => true,
                    Place::Inline(_) => false,
                }
            })
        };
        let maps: Vec<PathMap> = if missing(&self.maps) {
            let inferred = self.inferred.get_or_init(|| {
                super::snapshot_files(&self.metadata, &self.maps)
                    .map(|s| s.inferred_maps)
                    .unwrap_or_default()
            });
            self.maps.iter().chain(inferred).cloned().collect()
        } else {
            self.maps.clone()
        };
        let headers: Vec<StateFileMeta> = requests
            .par_iter()
            .map(|r| read(r, &self.dir, self.presigned, &maps))
            .collect();
        Some(merge(op.id, headers))
    }
}

/// Reads the state meta information of every operator of `md` ([`StatesReader`]). Operators
/// without managed state are left out; the order is the file's.
pub fn operator_states(
    md: &Metadata<'_>,
    metadata: &Path,
    maps: &[PathMap],
) -> Vec<OperatorStates> {
    let reader = StatesReader::new(metadata, maps);
    md.operators
        .iter()
        .filter_map(|op| reader.operator(op))
        .collect()
}

/// One operator's states with the labels the file gives it (V5+ uid and name), as the
/// [`StatesFold`] collects them.
#[derive(Clone, Debug)]
pub struct LabeledStates {
    pub states: OperatorStates,
    /// The uid recorded in the file (V5+), else `None`.
    pub uid: Option<String>,
    /// The operator name recorded in the file (V5+), else `None`.
    pub name: Option<String>,
}

/// `inspect --states` as one more fold of the decoding pass: each operator's headers are read
/// when the operator is decoded (on whichever thread decodes it), and kept in file order.
pub struct StatesFold {
    reader: StatesReader,
    pub found: Vec<LabeledStates>,
}

impl StatesFold {
    pub fn new(metadata: &Path, maps: &[PathMap]) -> Self {
        StatesFold {
            reader: StatesReader::new(metadata, maps),
            found: Vec::new(),
        }
    }
}

impl<'a> Fold<'a> for StatesFold {
    type Part = Option<LabeledStates>;
    fn part(&self, op: &OperatorState<'a>) -> Self::Part {
        self.reader.operator(op).map(|states| LabeledStates {
            states,
            uid: op.uid.as_ref().map(|u| u.to_str().into_owned()),
            name: op.name.as_ref().map(|n| n.to_str().into_owned()),
        })
    }
    fn absorb(&mut self, part: Self::Part) {
        self.found.extend(part);
    }
}

fn requests<'s>(op: &'s OperatorState<'_>) -> Vec<Request<'s>> {
    let mut out = Vec::new();
    for st in &op.subtasks {
        if let Some(h) = &st.managed_keyed {
            keyed_requests(op.id, st.index, h, h.class_name(), &mut out);
        }
        // An empty file-merging handle wrote no bytes: the operator had no operator state.
        if let Some(h) = st
            .managed_operator
            .as_ref()
            .filter(|h| !matches!(h.delegate.innermost(), StreamHandle::EmptySegment))
        {
            out.push(Request {
                operator: op.id,
                subtask: st.index,
                source: HeaderSource::Operator,
                handle_class: h.class_name(),
                stream: Some(&h.delegate),
                note: None,
            });
        }
    }
    out
}

fn keyed_requests<'a>(
    operator: OperatorId,
    subtask: u32,
    h: &'a KeyedHandle<'a>,
    class: &'static str,
    out: &mut Vec<Request<'a>>,
) {
    let mut push = |stream: Option<&'a StreamHandle<'a>>, note| {
        out.push(Request {
            operator,
            subtask,
            source: HeaderSource::Keyed,
            handle_class: class,
            stream,
            note,
        })
    };
    match h {
        KeyedHandle::KeyGroups { handle, .. } | KeyedHandle::SavepointKeyGroups(handle) => {
            push(Some(&handle.delegate), None)
        }
        KeyedHandle::Incremental { handle, .. } => push(Some(&handle.meta), None),
        KeyedHandle::Changelog { handle, .. } => {
            if handle.materialized.is_empty() {
                push(
                    None,
                    Some("only change-log deltas (nothing materialized yet): they record state meta information in change records, which flinspect does not read"),
                );
            }
            for m in &handle.materialized {
                keyed_requests(operator, subtask, m, m.class_name(), out);
            }
        }
        KeyedHandle::ChangelogBytes(_) | KeyedHandle::ChangelogFile { .. } => push(
            None,
            Some("a change-log delta: it records state meta information in change records, which flinspect does not read"),
        ),
    }
}

fn place<'a>(s: &'a StreamHandle<'a>, dir: &Path, presigned: bool, maps: &[PathMap]) -> Place<'a> {
    let dir_str = dir.to_string_lossy();
    // A pre-signed URL signs one object: the state files beside it need URLs of their own.
    if presigned && !matches!(s.innermost(), StreamHandle::ByteStream { .. }) {
        return Place::Unreachable(
            "the snapshot was given as a pre-signed URL, which signs only its _metadata; the state files need URLs of their own".to_string(),
        );
    }
    // A remote snapshot's files are read where they are recorded; a local snapshot's remote
    // references only through a --map (never a request the user did not point at).
    let remote_snapshot = crate::storage::is_remote(&dir_str);
    let file = |path: PathBuf, start: u64| match path.to_str() {
        Some(p) if crate::storage::is_remote(p) => Place::Remote {
            location: p.to_string(),
            start,
        },
        _ => Place::File { path, start },
    };
    let absolute = |recorded: &str, start: i64| {
        let resolved = if remote_snapshot {
            resolve_absolute_remote(recorded, maps)
        } else {
            resolve_absolute(recorded, maps)
        };
        match resolved {
            Resolved::Local(path) => match u64::try_from(start) {
                Ok(start) => file(path, start),
                Err(_) => {
                    Place::Unreachable(format!("{recorded}: negative start position {start}"))
                }
            },
            Resolved::Unmapped => Place::Unreachable(format!(
                "{recorded}: remote storage (give --map PREFIX=DIR to read a local copy)"
            )),
        }
    };
    match s.innermost() {
        StreamHandle::ByteStream { data, .. } => Place::Inline(data),
        StreamHandle::RelativeFile { relative_path, .. } => {
            file(resolve_relative(dir, &relative_path.to_str()), 0)
        }
        StreamHandle::File { path, .. } => absolute(&path.to_str(), 0),
        StreamHandle::Segment {
            path, start_pos, ..
        } => absolute(&path.to_str(), *start_pos),
        StreamHandle::EmptySegment | StreamHandle::KeyGroups(_) => {
            Place::Unreachable("an empty segment: no bytes were written".to_string())
        }
    }
}

fn decode(source: HeaderSource, data: &[u8], start: usize) -> BackendMeta {
    match source {
        HeaderSource::Keyed => BackendMeta::Keyed(keyed_header(data, start)),
        HeaderSource::Operator => BackendMeta::Operator(operator_header(data, start)),
    }
}

fn read(r: &Request<'_>, dir: &Path, presigned: bool, maps: &[PathMap]) -> StateFileMeta {
    let mut out = StateFileMeta {
        operator: r.operator,
        subtask: r.subtask,
        source: r.source,
        handle_class: r.handle_class,
        location: String::new(),
        meta: Err(String::new()),
    };
    let Some(stream) = r.stream else {
        out.location = "-".to_string();
        out.meta = Err(r.note.unwrap_or("no stream").to_string());
        return out;
    };
    match place(stream, dir, presigned, maps) {
        Place::Inline(data) => {
            out.location = "inline".to_string();
            out.meta = Ok(decode(r.source, data, 0));
        }
        Place::File { path, start } => {
            out.location = if start > 0 {
                format!("{}@{start}", path.display())
            } else {
                path.display().to_string()
            };
            out.meta = match load::map_file(&path) {
                Err(e) => Err(e.to_string()),
                Ok(bytes) => match usize::try_from(start) {
                    Ok(start) if start <= bytes.len() => Ok(decode(r.source, &bytes, start)),
                    _ => Err(format!(
                        "{}: start position {start} is past the end of the file ({} bytes)",
                        path.display(),
                        bytes.len()
                    )),
                },
            };
        }
        Place::Remote { location, start } => {
            out.location = if start > 0 {
                format!("{location}@{start}")
            } else {
                location.clone()
            };
            out.meta = read_remote(r.source, &location, start);
        }
        Place::Unreachable(why) => {
            out.location = "-".to_string();
            out.meta = Err(why);
        }
    }
    out
}

fn merge(operator: OperatorId, mut headers: Vec<StateFileMeta>) -> OperatorStates {
    let mut ops = OperatorStates {
        operator,
        key_serializers: Vec::new(),
        states: Vec::new(),
        headers: Vec::new(),
    };
    headers.sort_by_key(|h| (h.subtask, h.source));
    for h in &headers {
        let Ok(meta) = &h.meta else {
            continue;
        };
        let scoped: Vec<(StateScope, &crate::model::state_meta::StateMetaInfo)> = match meta {
            BackendMeta::Keyed(k) => {
                if let Some(ks) = &k.key_serializer {
                    add_key_serializer(&mut ops.key_serializers, ks);
                }
                k.states.iter().map(|s| (StateScope::Keyed, s)).collect()
            }
            BackendMeta::Operator(o) => o
                .operator_states
                .iter()
                .map(|s| (StateScope::Operator, s))
                .chain(
                    o.broadcast_states
                        .iter()
                        .map(|s| (StateScope::Broadcast, s)),
                )
                .collect(),
        };
        for (scope, s) in scoped {
            match ops
                .states
                .iter_mut()
                .find(|e| e.scope == scope && &e.meta == s)
            {
                Some(e) => {
                    if !e.subtasks.contains(&h.subtask) {
                        e.subtasks.push(h.subtask);
                    }
                }
                None => ops.states.push(StateEntry {
                    scope,
                    meta: s.clone(),
                    subtasks: vec![h.subtask],
                }),
            }
        }
    }
    ops.headers = headers;
    for e in &mut ops.states {
        e.subtasks.sort_unstable();
    }
    // Stable: equal (scope, name) keep their order of first appearance.
    ops.states
        .sort_by(|a, b| (a.scope, &a.meta.name).cmp(&(b.scope, &b.meta.name)));
    ops
}

fn add_key_serializer(list: &mut Vec<SerializerSnapshot>, ks: &SerializerSnapshot) {
    if !list.contains(ks) {
        list.push(ks.clone());
    }
}

/// A header of a remote object: its first bytes from `start`, fetched again with twice as many
/// while decoding runs past them (up to [`REMOTE_HEADER_MAX`]). Offsets in the result are
/// positions in the object, as for a local file.
fn read_remote(source: HeaderSource, location: &str, start: u64) -> Result<BackendMeta, String> {
    let storage = crate::storage::global().map_err(|e| e.to_string())?;
    let mut len = REMOTE_HEADER_FIRST;
    loop {
        let (bytes, size) = storage
            .read_at(location, start, len)
            .map_err(|e| e.to_string())?;
        let mut meta = decode(source, &bytes, 0);
        let cut_short = (bytes.len() as u64) < size - start;
        if meta.stopped().is_some() && cut_short && len < REMOTE_HEADER_MAX {
            len = (len * 2).min(REMOTE_HEADER_MAX);
            continue;
        }
        match &mut meta {
            BackendMeta::Keyed(k) => shift(&mut k.stopped, start),
            BackendMeta::Operator(o) => shift(&mut o.stopped, start),
        }
        return Ok(meta);
    }
}

fn shift(stopped: &mut Option<crate::model::state_meta::Stopped>, by: u64) {
    if let Some(s) = stopped {
        s.offset += by;
    }
}
