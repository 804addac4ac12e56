//! Pins the `inspect --json` schema (version 1): every field other tools depend on, with its
//! name and type. A mirror of the schema with `deny_unknown_fields` fails on any renamed,
//! removed or undocumented field; values are cross-checked against Flink's `expected.json`.

use crate::common;

use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Snapshot {
    schema_version: u32,
    path: String,
    file_size: u64,
    metadata_version: i32,
    flink_releases: Option<String>,
    checkpoint_id: i64,
    snapshot: Recorded,
    properties: Option<Properties>,
    inferred: Inferred,
    state_size: i64,
    master_states: Vec<MasterState>,
    operators: Vec<Operator>,
    files: Option<Vec<FileRef>>,
    trailing_bytes: u64,
    damage: Option<Damage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Damage {
    offset: u64,
    message: String,
    operators_decoded: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Recorded {
    kind: Option<String>,
    format: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Properties {
    snapshot_type: String,
    type_name: Option<String>,
    format: Option<String>,
    sharing_files_strategy: Option<String>,
    post_checkpoint_action: Option<String>,
    forced: bool,
    unclaimed: bool,
    discard_subsumed: bool,
    discard_finished: bool,
    discard_cancelled: bool,
    discard_failed: bool,
    discard_suspended: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Fact {
    value: String,
    evidence: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Inferred {
    kind: Option<Fact>,
    format: Option<Fact>,
    backend: Option<Fact>,
    mode: Option<Fact>,
    keyed_layouts: Vec<String>,
    unaligned_channel_state: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct MasterState {
    name: String,
    version: i32,
    bytes: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Operator {
    id: String,
    uid: Option<String>,
    uid_source: Option<String>,
    name: Option<String>,
    parallelism: i32,
    max_parallelism: i32,
    state_size: i64,
    has_state: bool,
    fully_finished: bool,
    coordinator_state: Option<Handle>,
    handle_kinds: Vec<String>,
    operator_states: Vec<NamedState>,
    key_group_coverage: Option<Coverage>,
    subtasks: Vec<Subtask>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Coverage {
    complete: bool,
    missing: Vec<[i32; 2]>,
    overlapping: Vec<[i32; 2]>,
    out_of_range: Vec<[i32; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Subtask {
    index: u32,
    finished: bool,
    state_size: i64,
    managed_keyed: Vec<Handle>,
    raw_keyed: Vec<Handle>,
    managed_operator: Vec<Handle>,
    raw_operator: Vec<Handle>,
    input_channels: Vec<Handle>,
    result_subpartitions: Vec<Handle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Handle {
    handle: String,
    code: Option<u8>,
    state_size: i64,
    key_groups: Option<[i32; 2]>,
    states: Option<Vec<NamedState>>,
    storage: String,
    path: Option<String>,
    shared_files: Option<u64>,
    private_files: Option<u64>,
    checkpoint_id: Option<i64>,
    channels: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NamedState {
    name: String,
    mode: String,
    elements: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FileRef {
    operator: String,
    subtask: Option<u32>,
    role: String,
    storage: String,
    path: Option<String>,
    offset: Option<i64>,
    size: i64,
}

fn inspect_json(path: &std::path::Path, extra: &[&str]) -> (Snapshot, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .arg("inspect")
        .arg(path)
        .arg("--json")
        .args(extra)
        .output()
        .expect("run flinspect");
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let typed: Snapshot = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: JSON does not match schema v1: {e}", path.display()));
    (typed, serde_json::from_slice(&out.stdout).unwrap())
}

/// The schema holds on every fixture, and its values agree with Flink's reading.
#[test]
fn json_schema_v1_on_every_fixture_agrees_with_flink() {
    let files = common::all_metadata_files();
    assert!(!files.is_empty());
    for path in &files {
        let (doc, _) = inspect_json(path, &["--files"]);
        let Ok(expected) = std::fs::read(path.with_file_name("expected.json")) else {
            continue;
        };
        let expected: serde_json::Value = serde_json::from_slice(&expected).unwrap();
        let p = path.display();
        assert_eq!(doc.schema_version, 1);
        assert!(
            doc.damage.is_none(),
            "{p}: an intact file reports no damage"
        );
        assert_eq!(
            doc.metadata_version as i64,
            expected["metadata_version"].as_i64().unwrap(),
            "{p}"
        );
        assert_eq!(
            doc.checkpoint_id,
            expected["checkpoint_id"].as_i64().unwrap(),
            "{p}"
        );
        let props = &expected["properties"];
        let (kind, format) = if props.is_null() {
            (None, None)
        } else {
            (
                props["kind"].as_str().map(String::from),
                props["format"].as_str().map(str::to_lowercase),
            )
        };
        assert_eq!(doc.snapshot.kind, kind, "{p}: snapshot.kind");
        assert_eq!(doc.snapshot.format, format, "{p}: snapshot.format");
        let mut ops: Vec<&Operator> = doc.operators.iter().collect();
        ops.sort_by(|a, b| a.id.cmp(&b.id));
        let eops = expected["operators"].as_array().unwrap();
        assert_eq!(ops.len(), eops.len(), "{p}");
        for (o, e) in ops.iter().zip(eops) {
            assert_eq!(o.id.len(), 32, "{p}");
            assert!(
                o.id.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{p}: id {}",
                o.id
            );
            assert_eq!(o.id, e["id"].as_str().unwrap(), "{p}");
            assert_eq!(
                o.parallelism as i64,
                e["parallelism"].as_i64().unwrap(),
                "{p} {}",
                o.id
            );
            assert_eq!(
                o.max_parallelism as i64,
                e["max_parallelism"].as_i64().unwrap(),
                "{p} {}",
                o.id
            );
            assert_eq!(
                o.state_size,
                e["state_size"].as_i64().unwrap(),
                "{p} {}",
                o.id
            );
            assert_eq!(o.uid.as_deref(), e["uid"].as_str(), "{p} {}", o.id);
            assert_eq!(o.name.as_deref(), e["name"].as_str(), "{p} {}", o.id);
            let esubs = e["subtasks"].as_array().unwrap();
            assert_eq!(o.subtasks.len(), esubs.len(), "{p} {}", o.id);
            for (s, es) in o.subtasks.iter().zip(esubs) {
                assert_eq!(s.index as i64, es["index"].as_i64().unwrap());
                assert_eq!(s.finished, es["finished"].as_bool().unwrap());
                assert_eq!(s.state_size, es["state_size"].as_i64().unwrap());
                for (field, efield) in [
                    (&s.managed_keyed, "managed_keyed"),
                    (&s.raw_keyed, "raw_keyed"),
                    (&s.managed_operator, "managed_operator"),
                    (&s.raw_operator, "raw_operator"),
                    (&s.input_channels, "input_channel"),
                    (&s.result_subpartitions, "result_subpartition"),
                ] {
                    let eh = es[efield].as_array().unwrap();
                    assert_eq!(field.len(), eh.len(), "{p} {} #{} {efield}", o.id, s.index);
                    for (h, e) in field.iter().zip(eh) {
                        assert_eq!(
                            h.handle,
                            e["handle"].as_str().unwrap(),
                            "{p} {} #{} {efield}",
                            o.id,
                            s.index
                        );
                        assert_eq!(h.state_size, e["state_size"].as_i64().unwrap());
                        if let Some(kg) = e.get("key_groups").filter(|_| efield.ends_with("keyed"))
                        {
                            let kg = [
                                kg[0].as_i64().unwrap() as i32,
                                kg[1].as_i64().unwrap() as i32,
                            ];
                            assert_eq!(h.key_groups, Some(kg), "{p} {} #{}", o.id, s.index);
                        }
                        if let Some(states) = e.get("states") {
                            let mine: Vec<(String, String)> = h
                                .states
                                .as_ref()
                                .unwrap()
                                .iter()
                                .map(|s| (s.name.clone(), s.mode.clone()))
                                .collect();
                            let theirs: Vec<(String, String)> = states
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|s| {
                                    (
                                        s["name"].as_str().unwrap().into(),
                                        s["mode"].as_str().unwrap().into(),
                                    )
                                })
                                .collect();
                            assert_eq!(mine, theirs, "{p} {} #{}", o.id, s.index);
                        }
                    }
                }
            }
        }
    }
}

/// The required field names of the issue, checked on the raw JSON (not just the mirror).
#[test]
fn required_field_names_are_present() {
    let files = common::all_metadata_files();
    let path = files
        .iter()
        .find(|p| p.to_string_lossy().contains("savepoint"))
        .expect("a savepoint fixture");
    let (_, raw) = inspect_json(path, &[]);
    for k in [
        "schema_version",
        "metadata_version",
        "checkpoint_id",
        "snapshot",
        "operators",
    ] {
        assert!(raw.get(k).is_some(), "missing top-level {k}");
    }
    for k in ["kind", "format"] {
        assert!(raw["snapshot"].get(k).is_some(), "missing snapshot.{k}");
    }
    let op = &raw["operators"][0];
    for k in [
        "id",
        "uid",
        "name",
        "parallelism",
        "max_parallelism",
        "state_size",
        "subtasks",
    ] {
        assert!(op.get(k).is_some(), "missing operator.{k}");
    }
    let st = &op["subtasks"][0];
    for k in [
        "index",
        "finished",
        "state_size",
        "managed_keyed",
        "raw_keyed",
        "managed_operator",
        "raw_operator",
    ] {
        assert!(st.get(k).is_some(), "missing subtask.{k}");
    }
    let mut saw_keyed = false;
    let mut saw_operator = false;
    for op in raw["operators"].as_array().unwrap() {
        for st in op["subtasks"].as_array().unwrap() {
            for h in st["managed_keyed"].as_array().unwrap() {
                saw_keyed = true;
                assert!(
                    h["handle"].is_string()
                        && h["state_size"].is_i64()
                        && h["key_groups"].is_array()
                );
            }
            for h in st["managed_operator"].as_array().unwrap() {
                saw_operator = true;
                assert!(h["handle"].is_string() && h["state_size"].is_i64());
                for s in h["states"].as_array().unwrap() {
                    assert!(s["name"].is_string());
                    assert!(["SPLIT_DISTRIBUTE", "UNION", "BROADCAST"]
                        .contains(&s["mode"].as_str().unwrap()));
                }
            }
        }
    }
    assert!(
        saw_keyed && saw_operator,
        "fixture should have keyed and operator state"
    );
}

/// `--uid` labels operators by the hash Flink derives, and says where the label came from.
#[test]
fn uid_flag_labels_operators() {
    let files = common::all_metadata_files();
    let path = files
        .iter()
        .find(|p| p.to_string_lossy().contains("flink-1.20.3"))
        .expect("a 1.20.3 fixture");
    let (doc, _) = inspect_json(path, &["--uid", "my-source", "--uid", "no-such-operator"]);
    let src = doc
        .operators
        .iter()
        .find(|o| o.id == "5712e5a8bfbfa8943a95ff796efbcfa9")
        .expect("my-source");
    assert_eq!(src.uid.as_deref(), Some("my-source"));
    assert_eq!(src.uid_source.as_deref(), Some("user"));
    assert_eq!(doc.operators.iter().filter(|o| o.uid.is_some()).count(), 1);
}
