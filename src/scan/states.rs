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

use rayon::prelude::*;

use super::paths::{resolve_absolute, resolve_relative, PathMap, Resolved};
use crate::format::state_meta::{keyed_header, operator_header};
use crate::load;
use crate::model::state_meta::{
    BackendMeta, HeaderSource, OperatorStates, SerializerSnapshot, StateEntry, StateFileMeta,
    StateScope,
};
use crate::model::{KeyedHandle, Metadata, OperatorId, StreamHandle};

/// Where a header's bytes are.
enum Place<'a> {
    Inline(&'a [u8]),
    File { path: PathBuf, start: u64 },
    Unreachable(String),
}

struct Request<'a> {
    operator: OperatorId,
    subtask: u32,
    source: HeaderSource,
    handle_class: &'static str,
    stream: Option<&'a StreamHandle<'a>>,
    /// Why there is no stream to read (change-log deltas only).
    note: Option<&'static str>,
}

/// Reads the state meta information of every operator of `md`, whose `_metadata` is at
/// `metadata` (relative handles resolve against its directory). `maps` are the user's prefix
/// maps; when absolute references are missing, the maps inferred by [`super::snapshot_files`]
/// are added. Operators without managed state are left out; the order is the file's.
pub fn operator_states(
    md: &Metadata<'_>,
    metadata: &Path,
    maps: &[PathMap],
) -> Vec<OperatorStates> {
    let dir = metadata.parent().unwrap_or(Path::new("."));
    let requests = requests(md);
    let mut maps = maps.to_vec();
    if requests.iter().filter_map(|r| r.stream).any(|s| {
        matches!(place(s, dir, &maps), Place::File { ref path, .. } if !path.exists())
            || matches!(place(s, dir, &maps), Place::Unreachable(_))
    }) {
        if let Ok(snap) = super::snapshot_files(metadata, &maps) {
            maps.extend(snap.inferred_maps);
        }
    }
    let headers: Vec<StateFileMeta> = requests.par_iter().map(|r| read(r, dir, &maps)).collect();
    merge(md, headers)
}

fn requests<'a>(md: &'a Metadata<'a>) -> Vec<Request<'a>> {
    let mut out = Vec::new();
    for op in &md.operators {
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

fn place<'a>(s: &'a StreamHandle<'a>, dir: &Path, maps: &[PathMap]) -> Place<'a> {
    let absolute = |recorded: &str, start: i64| match resolve_absolute(recorded, maps) {
        Resolved::Local(path) => match u64::try_from(start) {
            Ok(start) => Place::File { path, start },
            Err(_) => Place::Unreachable(format!("{recorded}: negative start position {start}")),
        },
        Resolved::Unmapped => Place::Unreachable(format!(
            "{recorded}: remote storage (give --map PREFIX=DIR to read a local copy)"
        )),
    };
    match s.innermost() {
        StreamHandle::ByteStream { data, .. } => Place::Inline(data),
        StreamHandle::RelativeFile { relative_path, .. } => Place::File {
            path: resolve_relative(dir, &relative_path.to_str()),
            start: 0,
        },
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

fn read(r: &Request<'_>, dir: &Path, maps: &[PathMap]) -> StateFileMeta {
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
    match place(stream, dir, maps) {
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
        Place::Unreachable(why) => {
            out.location = "-".to_string();
            out.meta = Err(why);
        }
    }
    out
}

fn merge(md: &Metadata<'_>, headers: Vec<StateFileMeta>) -> Vec<OperatorStates> {
    let mut out: Vec<OperatorStates> = md
        .operators
        .iter()
        .map(|op| OperatorStates {
            operator: op.id,
            key_serializers: Vec::new(),
            states: Vec::new(),
            headers: Vec::new(),
        })
        .collect();
    let index = |id: &OperatorId| md.operators.iter().position(|o| &o.id == id);
    for h in headers {
        let Some(i) = index(&h.operator) else {
            continue;
        };
        let ops = &mut out[i];
        if let Ok(meta) = &h.meta {
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
        ops.headers.push(h);
    }
    for ops in &mut out {
        ops.headers.sort_by_key(|h| (h.subtask, h.source));
        for e in &mut ops.states {
            e.subtasks.sort_unstable();
        }
        // Stable: equal (scope, name) keep their order of first appearance.
        ops.states
            .sort_by(|a, b| (a.scope, &a.meta.name).cmp(&(b.scope, &b.meta.name)));
    }
    out.retain(|o| !o.headers.is_empty());
    out
}

fn add_key_serializer(list: &mut Vec<SerializerSnapshot>, ks: &SerializerSnapshot) {
    if !list.contains(ks) {
        list.push(ks.clone());
    }
}
