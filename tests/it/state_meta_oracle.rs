//! flinspect's reading of the state headers of every real fixture equals Flink's own
//! (`KeyedBackendSerializationProxy` / `OperatorBackendSerializationProxy` and each snapshot
//! class's `readSnapshot`, recorded in `expected-states.json` by
//! testdata/generate/oracle/run-states-oracle.sh): per header, its version and compression
//! flag, the key serializer, and every state's name, backend state type, options and serializer
//! snapshot trees (class, version, outer version, named class, nested snapshots, POJO fields,
//! Kryo registrations).

use std::path::Path;

use crate::common::*;
use flinspect::model::state_meta::{BackendMeta, SerializerSnapshot, StateMetaInfo, StateScope};
use flinspect::scan::paths::PathMap;
use serde_json::Value;

/// Where the generators wrote each tree (CONTRACT.md), for the absolute paths recorded in it.
fn maps() -> Vec<PathMap> {
    let mut out = Vec::new();
    for (local, recorded) in [
        ("", "/tmp/flinspect-fixtures"),
        ("restore", "/tmp/flinspect-restore"),
        ("sql", "/tmp/flinspect-sql"),
        ("sql/plan", "/tmp/flinspect-plan"),
    ] {
        out.push(PathMap::new(
            &format!("file:{recorded}"),
            &testdata().join(local),
        ));
    }
    out.push(PathMap::new(
        "s3p://flink/fixtures/flink-2.3.0/s3-presto",
        &testdata().join("remote/flink-2.3.0/s3-presto"),
    ));
    out
}

fn compare_snapshot(
    at: &str,
    ours: Option<&SerializerSnapshot>,
    exp: &Value,
    diffs: &mut Vec<String>,
) {
    let Some(s) = ours else {
        if !exp.is_null() {
            diffs.push(format!(
                "{at}: flinspect has no snapshot, Flink has {}",
                exp["class"]
            ));
        }
        return;
    };
    if exp.is_null() {
        diffs.push(format!(
            "{at}: Flink has no snapshot, flinspect has {}",
            s.class_name
        ));
        return;
    }
    let mut eq = |what: &str, a: Value, b: &Value| {
        if &a != b {
            diffs.push(format!("{at}.{what}: flinspect {a}, Flink {b}"));
        }
    };
    eq("class", Value::from(s.class_name.clone()), &exp["class"]);
    eq("version", Value::from(s.version), &exp["version"]);
    eq(
        "outer_version",
        s.outer_version.map_or(Value::Null, Value::from),
        &exp["outer_version"],
    );
    eq(
        "type_class",
        s.type_class.clone().map_or(Value::Null, Value::from),
        &exp["type_class"],
    );
    let fields = s.pojo.as_ref().map(|p| {
        let mut v: Vec<String> = p.fields.clone();
        v.extend(
            p.registered_subclasses
                .iter()
                .map(|c| format!("subclass {c}")),
        );
        v.extend(
            p.non_registered_subclasses
                .iter()
                .map(|c| format!("unregistered subclass {c}")),
        );
        Value::from(v)
    });
    eq(
        "pojo_fields",
        fields.unwrap_or(Value::Null),
        &exp["pojo_fields"],
    );
    let kryo = s.kryo.as_ref().map(|k| {
        Value::from(
            k.registrations
                .iter()
                .map(|r| r.name.clone())
                .collect::<Vec<_>>(),
        )
    });
    eq(
        "kryo_registrations",
        kryo.unwrap_or(Value::Null),
        &exp["kryo_registrations"],
    );
    let nested = exp["nested"].as_array().cloned().unwrap_or_default();
    if nested.len() != s.children.len() {
        diffs.push(format!(
            "{at}: flinspect has {} nested snapshots, Flink {}",
            s.children.len(),
            nested.len()
        ));
        return;
    }
    for (c, e) in s.children.iter().zip(&nested) {
        compare_snapshot(
            &format!("{at} › {}", c.label()),
            c.snapshot.as_ref(),
            e,
            diffs,
        );
    }
}

fn compare_state(
    at: &str,
    scope: StateScope,
    s: &StateMetaInfo,
    exp: &Value,
    diffs: &mut Vec<String>,
) {
    let at = format!("{at} › {:?}", s.name);
    if exp["scope"] != scope.as_str() {
        diffs.push(format!(
            "{at}: scope {}, Flink {}",
            scope.as_str(),
            exp["scope"]
        ));
    }
    if exp["name"] != s.name.as_str() {
        diffs.push(format!("{at}: Flink's state here is {}", exp["name"]));
        return;
    }
    if exp["backend_state_type_ordinal"] != s.backend_type.0 {
        diffs.push(format!(
            "{at}: backend state type {}, Flink {}",
            s.backend_type.0, exp["backend_state_type_ordinal"]
        ));
    }
    if exp["backend_state_type"].as_str() != s.backend_type.name() {
        diffs.push(format!(
            "{at}: backend state type name differs: Flink {}",
            exp["backend_state_type"]
        ));
    }
    let options: serde_json::Map<String, Value> = s
        .options
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
        .collect();
    if Value::Object(options) != exp["options"] {
        diffs.push(format!(
            "{at}: options {:?}, Flink {}",
            s.options, exp["options"]
        ));
    }
    let empty = serde_json::Map::new();
    let exp_sers = exp["serializers"].as_object().unwrap_or(&empty);
    let roles: Vec<&str> = s.serializers.iter().map(|(r, _)| r.as_str()).collect();
    let mut exp_roles: Vec<&str> = exp_sers.keys().map(String::as_str).collect();
    let mut our_roles = roles.clone();
    our_roles.sort_unstable();
    exp_roles.sort_unstable();
    if our_roles != exp_roles {
        diffs.push(format!(
            "{at}: serializer roles {our_roles:?}, Flink {exp_roles:?}"
        ));
        return;
    }
    for (role, snap) in &s.serializers {
        compare_snapshot(
            &format!("{at} › {role}"),
            Some(snap),
            &exp_sers[role],
            diffs,
        );
    }
}

#[test]
fn every_state_header_matches_flinks_reading() {
    let maps = maps();
    let mut failures = Vec::new();
    let (mut files, mut headers, mut states) = (0usize, 0usize, 0usize);
    let mut missing = Vec::new();
    // The checkpoints Flink wrote to S3 itself (testdata/remote/) record their shared files at
    // `s3p://flink/fixtures/…`: read here from their local copy (and from the S3 server in
    // remote.rs), as run-states-oracle.sh reads them.
    for path in all_metadata_files() {
        let rel = path
            .strip_prefix(testdata())
            .unwrap_or(&path)
            .display()
            .to_string();
        let Ok(expected) = std::fs::read(path.with_file_name("expected-states.json")) else {
            missing.push(rel);
            continue;
        };
        let expected: Value =
            serde_json::from_slice(&expected).expect("expected-states.json is JSON");
        let bytes = std::fs::read(&path).unwrap();
        let md = flinspect::format::parse(&bytes).expect("the oracle read it, so can flinspect");
        let ours = flinspect::scan::states::operator_states(&md, Path::new(&path), &maps);
        // Headers that were read (change-log deltas have none; the oracle lists none for them).
        let ours: Vec<_> = ours
            .iter()
            .flat_map(|o| o.headers.iter())
            .filter(|h| h.location != "-")
            .collect();
        let exp = expected["headers"].as_array().cloned().unwrap_or_default();
        let mut diffs = Vec::new();
        if ours.len() != exp.len() {
            diffs.push(format!(
                "flinspect read {} headers, Flink {}",
                ours.len(),
                exp.len()
            ));
        }
        // Both sides list operators by id, subtasks ascending, keyed before operator.
        let mut ours_sorted = ours.clone();
        ours_sorted.sort_by_key(|h| (h.operator.to_string(), h.subtask, h.source));
        for (h, e) in ours_sorted.iter().zip(&exp) {
            let at = format!("{} subtask {} {}", h.operator, h.subtask, h.source.as_str());
            if e["operator"] != h.operator.to_string().as_str()
                || e["subtask"] != h.subtask
                || e["source"] != h.source.as_str()
            {
                diffs.push(format!(
                    "{at}: Flink's header here is {} {} {}",
                    e["operator"], e["subtask"], e["source"]
                ));
                continue;
            }
            headers += 1;
            let meta = match &h.meta {
                Ok(m) => m,
                Err(err) => {
                    diffs.push(format!(
                        "{at}: flinspect could not read it: {err}; Flink: {}",
                        e["error"]
                    ));
                    continue;
                }
            };
            if let Some(s) = meta.stopped() {
                // A job's own snapshot class (not Flink's) records no length and cannot be
                // decoded by design (testdata/upgrade: a hand-written TypeSerializer): the stop
                // must name the class Flink read there; the rest of that header is not compared.
                let user = s
                    .message
                    .strip_prefix("cannot decode serializer snapshot class ")
                    .and_then(|m| m.split(' ').next())
                    .filter(|c| !c.starts_with("org.apache.flink.") && !c.starts_with("java."));
                if let Some(class) = user {
                    if e.to_string().contains(&format!("\"{class}\"")) {
                        continue;
                    }
                }
                diffs.push(format!(
                    "{at}: flinspect stopped at {:#x}: {}; Flink: {}",
                    s.offset, s.message, e["error"]
                ));
            }
            if !e["error"].is_null() {
                diffs.push(format!("{at}: Flink failed: {}", e["error"]));
                continue;
            }
            let scoped: Vec<(StateScope, &StateMetaInfo)> = match meta {
                BackendMeta::Keyed(k) => {
                    if e["version"] != k.version || e["compression"] != k.compression {
                        diffs.push(format!(
                            "{at}: version/compression {} {}, Flink {} {}",
                            k.version, k.compression, e["version"], e["compression"]
                        ));
                    }
                    compare_snapshot(
                        &format!("{at} › key"),
                        k.key_serializer.as_ref(),
                        &e["key_serializer"],
                        &mut diffs,
                    );
                    k.states.iter().map(|s| (StateScope::Keyed, s)).collect()
                }
                BackendMeta::Operator(o) => {
                    if e["version"] != o.version
                        || e["compression"] != o.compression.map_or(Value::Null, Value::from)
                    {
                        diffs.push(format!(
                            "{at}: version/compression {} {:?}, Flink {} {}",
                            o.version, o.compression, e["version"], e["compression"]
                        ));
                    }
                    o.operator_states
                        .iter()
                        .map(|s| (StateScope::Operator, s))
                        .chain(
                            o.broadcast_states
                                .iter()
                                .map(|s| (StateScope::Broadcast, s)),
                        )
                        .collect()
                }
            };
            let exp_states = e["states"].as_array().cloned().unwrap_or_default();
            if scoped.len() != exp_states.len() {
                diffs.push(format!(
                    "{at}: {} states, Flink {}",
                    scoped.len(),
                    exp_states.len()
                ));
                continue;
            }
            for ((scope, s), es) in scoped.into_iter().zip(&exp_states) {
                compare_state(&at, scope, s, es, &mut diffs);
                states += 1;
            }
        }
        files += 1;
        if !diffs.is_empty() {
            let shown: Vec<_> = diffs.iter().take(8).cloned().collect();
            failures.push(format!(
                "{rel}: {} differences:\n    {}",
                diffs.len(),
                shown.join("\n    ")
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "{} fixtures have no expected-states.json (run testdata/generate/oracle/run-states-oracle.sh): {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(
        failures.is_empty(),
        "{} of {files} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{files} snapshots, {headers} headers, {states} states: all equal to Flink's reading"
    );
    // A real comparison happened: every fixture case holds keyed and operator state.
    assert!(
        files > 200 && headers > 1000 && states > 3000,
        "{files} {headers} {states}"
    );
}

/// Every serializer snapshot of the zoo (testdata/serializers/flink-<v>/: POJOs with nested POJOs,
/// Java collections and generic fields, registered POJO subclasses, Kryo types with
/// registrations of every kind and default serializers, tuples, rows, Either, enums, arrays,
/// Value types, Nullable, TTL, Scala Option), written by Flink's own classes of each release,
/// decodes completely, ends exactly where Flink's reader ended, and equals Flink's reading.
#[test]
fn every_zoo_snapshot_matches_flinks_reading() {
    let root = testdata().join("serializers");
    let mut versions: Vec<_> = std::fs::read_dir(&root)
        .expect("testdata/serializers (run testdata/generate/oracle/run-serializer-zoo.sh)")
        .flatten()
        .map(|e| e.path())
        .collect();
    versions.sort();
    let mut failures = Vec::new();
    let mut compared = 0;
    for dir in &versions {
        let bin = std::fs::read(dir.join("snapshots.bin")).unwrap();
        let expected: Value =
            serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
        let v = dir.file_name().unwrap().to_string_lossy().into_owned();
        for e in expected["entries"].as_array().unwrap() {
            let name = e["name"].as_str().unwrap();
            let start = e["offset"].as_u64().unwrap() as usize;
            let len = e["length"].as_u64().unwrap() as usize;
            let (snap, stopped, end) =
                flinspect::format::state_meta::serializer_snapshot_at(&bin, start);
            let at = format!("{v} {name}");
            if let Some(s) = stopped {
                failures.push(format!("{at}: stopped at {:#x}: {}", s.offset, s.message));
                continue;
            }
            if end != start + len {
                failures.push(format!("{at}: read {} bytes, Flink {len}", end - start));
            }
            let mut diffs = Vec::new();
            compare_snapshot(&at, snap.as_ref(), &e["snapshot"], &mut diffs);
            if let Some(s) = &snap {
                if s.has_unknown() {
                    diffs.push(format!("{at}: an undecoded node"));
                }
            }
            failures.extend(diffs);
            compared += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!(
        "{compared} zoo snapshots over {} releases equal Flink's reading",
        versions.len()
    );
    assert!(compared >= 8 * 14, "{compared}");
}
