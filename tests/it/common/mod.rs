//! Shared test helpers: finding fixtures, and converting flinspect's model into the shape of the
//! oracle's `expected.json` (testdata/generate/CONTRACT.md) so the two can be compared.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use flinspect::model::*;
use serde_json::{json, Value};

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Every `_metadata` under `testdata/`, outside `malformed/`, sorted.
pub fn all_metadata_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(&testdata(), &mut out);
    out.retain(|p| {
        !p.components()
            .any(|c| c.as_os_str() == "malformed" || c.as_os_str() == "generate")
    });
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.file_name().is_some_and(|n| n == "_metadata") {
            out.push(p);
        }
    }
}

fn s(j: &JavaStr<'_>) -> Value {
    Value::String(j.to_str().into_owned())
}

fn kg(r: KeyGroupRange) -> Value {
    json!([r.start, r.end])
}

pub fn stream(h: &StreamHandle<'_>) -> Value {
    let mut v = json!({"handle": h.class_name(), "state_size": h.state_size()});
    let m = v.as_object_mut().unwrap();
    match h {
        StreamHandle::ByteStream { name, data } => {
            m.insert("name".into(), s(name));
            m.insert("inline_bytes".into(), json!(data.len()));
        }
        StreamHandle::File { path, .. } => {
            m.insert("path".into(), s(path));
        }
        StreamHandle::RelativeFile { relative_path, .. } => {
            // The oracle's `path` is resolved against the directory at generation time; the
            // comparison checks it ends with the relative path.
            m.insert("relative_path".into(), s(relative_path));
        }
        StreamHandle::KeyGroups(k) => {
            m.insert("key_groups".into(), kg(k.offsets.range));
            m.insert("offsets".into(), json!(k.offsets.offsets.to_vec()));
            m.insert("delegate".into(), stream(&k.delegate));
        }
        StreamHandle::Segment {
            path,
            start_pos,
            scope,
            logical_file_id,
            ..
        } => {
            m.insert("path".into(), s(path));
            m.insert("start_pos".into(), json!(start_pos));
            m.insert("scope".into(), json!(scope.name()));
            m.insert("logical_file_id".into(), s(logical_file_id));
        }
        StreamHandle::EmptySegment => {}
    }
    v
}

fn files(list: &[LocalFile<'_>]) -> Value {
    let mut v: Vec<(String, Value)> = list
        .iter()
        .map(|f| (f.local_path.to_str().into_owned(), stream(&f.handle)))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Array(
        v.into_iter()
            .map(|(p, h)| json!({"local_path": p, "handle": h}))
            .collect(),
    )
}

pub fn keyed(h: &KeyedHandle<'_>) -> Value {
    let mut v = json!({"handle": h.class_name(), "state_size": h.state_size()});
    let m = v.as_object_mut().unwrap();
    match h {
        KeyedHandle::KeyGroups { handle, .. } | KeyedHandle::SavepointKeyGroups(handle) => {
            m.insert("key_groups".into(), kg(handle.offsets.range));
            m.insert("offsets".into(), json!(handle.offsets.offsets.to_vec()));
            m.insert("delegate".into(), stream(&handle.delegate));
        }
        KeyedHandle::Incremental { handle, .. } => {
            m.insert("key_groups".into(), kg(handle.key_groups));
            m.insert("checkpoint_id".into(), json!(handle.checkpoint_id));
            m.insert("backend_id".into(), s(&handle.backend_id));
            if let Some(c) = handle.checkpointed_size {
                m.insert("checkpointed_size".into(), json!(c));
            }
            m.insert("meta".into(), stream(&handle.meta));
            m.insert("shared".into(), files(&handle.shared));
            m.insert("private".into(), files(&handle.private));
        }
        KeyedHandle::Changelog { handle, .. } => {
            m.insert("key_groups".into(), kg(handle.key_groups));
            if let Some(x) = handle.materialization_id {
                m.insert("materialization_id".into(), json!(x));
            }
            if let Some(x) = handle.checkpoint_id {
                m.insert("checkpoint_id".into(), json!(x));
            }
            if let Some(x) = handle.checkpointed_size {
                m.insert("checkpointed_size".into(), json!(x));
            }
            m.insert(
                "materialized".into(),
                handle.materialized.iter().map(keyed).collect(),
            );
            m.insert(
                "non_materialized".into(),
                handle.non_materialized.iter().map(keyed).collect(),
            );
        }
        KeyedHandle::ChangelogBytes(h) => {
            m.insert("key_groups".into(), kg(h.key_groups));
            m.insert("from".into(), json!(h.from));
            m.insert("to".into(), json!(h.to));
            m.insert("changes".into(), json!(h.changes.len()));
        }
        KeyedHandle::ChangelogFile { handle, .. } => {
            m.insert("key_groups".into(), kg(handle.key_groups));
            if let Some(x) = handle.checkpointed_size {
                m.insert("checkpointed_size".into(), json!(x));
            }
            // Code 10 (Flink 1.15) stores no identifier, and Flink reports none either.
            let id = handle.storage_identifier.as_ref().map_or(Value::Null, s);
            m.insert("storage_identifier".into(), id);
            m.insert(
                "handles".into(),
                handle
                    .handles
                    .iter()
                    .map(|(o, h)| json!({"offset": o, "handle": stream(h)}))
                    .collect(),
            );
        }
    }
    v
}

pub fn operator_handle(h: &OperatorHandle<'_>) -> Value {
    let mut states: Vec<Value> = h
        .states
        .iter()
        .map(|st| json!({"name": st.name.to_str(), "mode": st.mode.name(), "offsets": st.offsets.to_vec()}))
        .collect();
    states.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let mut v = json!({
        "handle": h.class_name(), "state_size": h.state_size(),
        "states": states, "delegate": stream(&h.delegate),
    });
    if let Some(d) = &h.file_merging {
        v["task_owned_dir"] = s(&d.task_owned_dir);
        v["shared_dir"] = s(&d.shared_dir);
    }
    v
}

pub fn channel(h: &ChannelHandle<'_>) -> Value {
    let mut v = json!({
        "handle": h.class_name(), "state_size": h.state_size,
        "subtask_index": h.subtask_index, "delegate": stream(&h.delegate),
    });
    match &h.body {
        ChannelBody::Single { info, offsets } => {
            v["info"] = json!([info.0, info.1]);
            v["offsets"] = json!(offsets.to_vec());
        }
        ChannelBody::Merged { channels, .. } => {
            v["channels"] = json!(channels);
        }
    }
    v
}

/// The model in the oracle's `expected.json` shape.
pub fn oracle_shape(md: &Metadata<'_>) -> Value {
    let mut ops: Vec<&OperatorState<'_>> = md.operators.iter().collect();
    ops.sort_by_key(|o| o.id);
    json!({
        "metadata_version": md.version.0,
        "checkpoint_id": md.checkpoint_id,
        "properties": md.properties.as_ref().map(|p| json!({
            "kind": match p.snapshot_class {
                SnapshotClass::Savepoint => "savepoint",
                SnapshotClass::Checkpoint => "checkpoint",
                SnapshotClass::Unknown => "unknown",
            },
            "format": p.format.map(|f| f.as_str().to_uppercase()),
            "type_name": p.type_name.as_ref().map(|x| x.to_str()),
            "sharing_files_strategy": p.sharing_files_strategy.as_ref().map(|x| x.to_str()),
            "post_checkpoint_action": p.post_checkpoint_action.as_ref().map(|x| x.to_str()),
            "forced": p.forced, "unclaimed": p.unclaimed,
            "discard_subsumed": p.discard_subsumed, "discard_finished": p.discard_finished,
            "discard_cancelled": p.discard_cancelled, "discard_failed": p.discard_failed,
            "discard_suspended": p.discard_suspended,
        })),
        "master_states": md.master_states.iter().map(|m| json!({
            "name": m.name.to_str(), "version": m.version, "bytes": m.payload.len(),
        })).collect::<Vec<_>>(),
        "operators": ops.iter().map(|o| json!({
            "id": o.id.to_hex(),
            "name": o.name.as_ref().map(|x| x.to_str()),
            "uid": o.uid.as_ref().map(|x| x.to_str()),
            "parallelism": o.parallelism,
            "max_parallelism": o.max_parallelism,
            "state_size": o.state_size(),
            "fully_finished": o.fully_finished,
            "coordinator_state": o.coordinator.as_ref().map(stream),
            "subtasks": o.subtasks.iter().map(|st| json!({
                "index": st.index,
                "finished": st.finished,
                "state_size": st.state_size(),
                "managed_keyed": st.managed_keyed.iter().map(keyed).collect::<Vec<_>>(),
                "raw_keyed": st.raw_keyed.as_deref().into_iter().map(keyed).collect::<Vec<_>>(),
                "managed_operator": st.managed_operator.iter().map(operator_handle).collect::<Vec<_>>(),
                "raw_operator": st.raw_operator.as_deref().into_iter().map(operator_handle).collect::<Vec<_>>(),
                "input_channel": st.input_channels.iter().map(channel).collect::<Vec<_>>(),
                "result_subpartition": st.output_channels.iter().map(channel).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Compares `ours` against `expected` (Flink's reading). Every key of `ours` must match; keys
/// only the oracle has are checked where they carry data we decode (see the special cases).
/// Returns the list of differences as "path: flinspect X, Flink Y".
pub fn compare(path: &str, ours: &Value, expected: &Value, diffs: &mut Vec<String>) {
    match (ours, expected) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, av) in a {
                let p = format!("{path}.{k}");
                match b.get(k) {
                    Some(bv) => compare(&p, av, bv, diffs),
                    None => diffs.push(format!("{p}: flinspect {av}, Flink has no such field")),
                }
            }
            for (k, bv) in b {
                if a.contains_key(k) {
                    continue;
                }
                let p = format!("{path}.{k}");
                match k.as_str() {
                    // Resolved by Flink against the generation-time directory: it must be that
                    // directory joined with the stored relative path.
                    "path" if a.contains_key("relative_path") => {
                        let rel = a["relative_path"].as_str().unwrap_or_default();
                        if !bv
                            .as_str()
                            .unwrap_or_default()
                            .ends_with(&format!("/{rel}"))
                        {
                            diffs.push(format!(
                                "{p}: Flink resolved {bv}, which does not end with /{rel}"
                            ));
                        }
                    }
                    "oracle_flink_version" | "unknown" => {}
                    // Fields the oracle could not obtain are null; anything else must be ours too.
                    _ if bv.is_null() => {}
                    _ => diffs.push(format!("{p}: Flink {bv}, flinspect has no such field")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                diffs.push(format!(
                    "{path}: flinspect has {} elements, Flink {}",
                    a.len(),
                    b.len()
                ));
            }
            for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                compare(&format!("{path}[{i}]"), x, y, diffs);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            if x.as_f64() != y.as_f64() {
                diffs.push(format!("{path}: flinspect {x}, Flink {y}"));
            }
        }
        (x, y) => {
            if x != y {
                diffs.push(format!("{path}: flinspect {x}, Flink {y}"));
            }
        }
    }
}
