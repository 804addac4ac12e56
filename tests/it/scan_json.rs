//! The `scan --json` contract (schema version 1, documented in `flinspect::render::scan`).
//!
//! Every record type is mirrored here with `deny_unknown_fields`, and every record's key set is
//! compared with the documented list, so adding, removing or renaming a field fails this test
//! until the documentation, the schema version and this mirror agree.

use crate::scan_fixture;

use std::collections::BTreeSet;
use std::fs;

use serde::Deserialize;
use serde_json::Value;

use scan_fixture::{incremental_case, job_dir, newest_checkpoint, referenced_shared_file, Copy};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SnapshotRecord {
    #[serde(rename = "type")]
    record_type: String,
    schema_version: u32,
    job: String,
    path: String,
    dir: String,
    kind: Option<String>,
    format: Option<String>,
    checkpoint_id: Option<i64>,
    metadata_version: Option<i32>,
    modified: Option<String>,
    metadata_bytes: u64,
    operators: Option<usize>,
    state_size: Option<i64>,
    shared_state_size: Option<i64>,
    status: String,
    referenced_files: usize,
    problems: Vec<ProblemRecord>,
    error: Option<String>,
    inferred_maps: Vec<MapRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct MapRecord {
    prefix: String,
    dir: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RelocationRecord {
    prefix: String,
    dir: String,
    snapshots: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ProblemRecord {
    problem: String,
    path: Option<String>,
    recorded: String,
    needed: Option<u64>,
    found: Option<u64>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SnapshotRef {
    path: String,
    checkpoint_id: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct IncompleteRecord {
    dir: String,
    checkpoint_id: Option<i64>,
    files: u64,
    bytes: u64,
    last_modified: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ReclaimableRecord {
    path: String,
    size: u64,
    area: String,
    modified: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct JobRecord {
    #[serde(rename = "type")]
    record_type: String,
    schema_version: u32,
    job: String,
    layout: String,
    job_id: Option<String>,
    dir: Option<String>,
    snapshots: usize,
    restorable: usize,
    broken: usize,
    unverified: usize,
    errors: usize,
    newest_restorable_checkpoint: Option<SnapshotRef>,
    newest_restorable_savepoint: Option<SnapshotRef>,
    incomplete_checkpoints: Vec<IncompleteRecord>,
    reclaimable_files: usize,
    reclaimable_bytes: u64,
    reclaimable: Vec<ReclaimableRecord>,
    reclaimable_withheld: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ErrorRecord {
    #[serde(rename = "type")]
    record_type: String,
    schema_version: u32,
    path: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SummaryRecord {
    #[serde(rename = "type")]
    record_type: String,
    schema_version: u32,
    roots: Vec<String>,
    jobs: usize,
    snapshots: usize,
    restorable: usize,
    broken: usize,
    unverified: usize,
    metadata_errors: usize,
    walk_errors: usize,
    incomplete_checkpoints: usize,
    reclaimable_files: usize,
    reclaimable_bytes: u64,
    metadata_bytes: u64,
    dirs_walked: u64,
    files_walked: u64,
    skipped_symlinks: Vec<String>,
    vanished: u64,
    inferred_maps: Vec<RelocationRecord>,
}

/// The documented keys of each record, all always present (null when they do not apply).
fn keys(record_type: &str) -> &'static [&'static str] {
    match record_type {
        "snapshot" => &[
            "type",
            "schema_version",
            "job",
            "path",
            "dir",
            "kind",
            "format",
            "checkpoint_id",
            "metadata_version",
            "modified",
            "metadata_bytes",
            "operators",
            "state_size",
            "shared_state_size",
            "status",
            "referenced_files",
            "problems",
            "error",
            "inferred_maps",
        ],
        "job" => &[
            "type",
            "schema_version",
            "job",
            "layout",
            "job_id",
            "dir",
            "snapshots",
            "restorable",
            "broken",
            "unverified",
            "errors",
            "newest_restorable_checkpoint",
            "newest_restorable_savepoint",
            "incomplete_checkpoints",
            "reclaimable_files",
            "reclaimable_bytes",
            "reclaimable",
            "reclaimable_withheld",
        ],
        "error" => &["type", "schema_version", "path", "message"],
        "summary" => &[
            "type",
            "schema_version",
            "roots",
            "jobs",
            "snapshots",
            "restorable",
            "broken",
            "unverified",
            "metadata_errors",
            "walk_errors",
            "incomplete_checkpoints",
            "reclaimable_files",
            "reclaimable_bytes",
            "metadata_bytes",
            "dirs_walked",
            "files_walked",
            "skipped_symlinks",
            "vanished",
            "inferred_maps",
        ],
        other => panic!("undocumented record type {other:?}"),
    }
}

fn key_set(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Every element of the array `v[field]` (or the object, when not null) has exactly `keys`.
fn nested_keys(v: &Value, field: &str, keys: &[&str]) {
    let want: BTreeSet<String> = keys.iter().map(|k| k.to_string()).collect();
    let items: Vec<&Value> = match &v[field] {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    };
    for item in items {
        assert_eq!(key_set(item), want, "{field}: {item}");
    }
}

#[test]
fn every_record_matches_the_documented_schema() {
    let case = incremental_case();
    // A second, undamaged job: reclaimable files are only listed for a job whose snapshots are
    // all restorable.
    let healthy = (case.0.clone(), "hashmap".to_string());
    let copy = Copy::new(&[case.clone(), healthy.clone()]);
    let dir = copy.case_dir(&case);
    let jd = job_dir(&dir);
    let healthy_jd = job_dir(&copy.case_dir(&healthy));
    // Exercise every optional part: a missing file, an incomplete checkpoint, a reclaimable
    // file, an undecodable _metadata in a location group.
    fs::create_dir(healthy_jd.join("chk-42")).unwrap();
    fs::write(healthy_jd.join("chk-42").join("partial"), b"abc").unwrap();
    fs::create_dir_all(healthy_jd.join("shared")).unwrap();
    fs::write(healthy_jd.join("shared").join("orphan"), b"abcd").unwrap();
    let other = copy.root().join("elsewhere").join("snap");
    fs::create_dir_all(&other).unwrap();
    fs::write(other.join("_metadata"), b"not metadata").unwrap();
    let victim = referenced_shared_file(&copy, &newest_checkpoint(&jd));
    fs::remove_file(&victim).unwrap();
    let out = copy.cli(&["--json"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert!(text.ends_with('\n'));

    let mut seen = BTreeSet::new();
    let mut pending_job: Option<String> = None;
    for (i, v) in lines.iter().enumerate() {
        let t = v["type"].as_str().expect("a type field");
        assert_eq!(v["schema_version"], 1);
        let expected: BTreeSet<String> = keys(t).iter().map(|k| k.to_string()).collect();
        assert_eq!(key_set(v), expected, "line {i}: {v}");
        seen.insert(t.to_string());
        let line = v.to_string();
        match t {
            "snapshot" => {
                nested_keys(
                    v,
                    "problems",
                    &["problem", "path", "recorded", "needed", "found", "message"],
                );
                let r: SnapshotRecord = serde_json::from_str(&line).unwrap();
                // A job's snapshots come right before its job record.
                if let Some(j) = &pending_job {
                    assert_eq!(&r.job, j);
                }
                pending_job = Some(r.job.clone());
                assert!(
                    ["restorable", "broken", "unverified", "error"].contains(&r.status.as_str())
                );
                for p in &r.problems {
                    let known = ["missing", "short", "unmapped", "inaccessible"];
                    assert!(known.contains(&p.problem.as_str()));
                }
                if r.status == "error" {
                    assert!(r.error.is_some() && r.checkpoint_id.is_none());
                }
            }
            "job" => {
                for f in [
                    "newest_restorable_checkpoint",
                    "newest_restorable_savepoint",
                ] {
                    nested_keys(v, f, &["path", "checkpoint_id"]);
                }
                nested_keys(
                    v,
                    "incomplete_checkpoints",
                    &["dir", "checkpoint_id", "files", "bytes", "last_modified"],
                );
                nested_keys(v, "reclaimable", &["path", "size", "area", "modified"]);
                let r: JobRecord = serde_json::from_str(&line).unwrap();
                if let Some(j) = pending_job.take() {
                    assert_eq!(r.job, j);
                }
                assert!(["job-dir", "savepoints", "location"].contains(&r.layout.as_str()));
                assert_eq!(r.reclaimable.len(), r.reclaimable_files);
                assert_eq!(
                    r.reclaimable.iter().map(|f| f.size).sum::<u64>(),
                    r.reclaimable_bytes
                );
            }
            "error" => {
                let _: ErrorRecord = serde_json::from_str(&line).unwrap();
            }
            "summary" => {
                let r: SummaryRecord = serde_json::from_str(&line).unwrap();
                assert_eq!(i, lines.len() - 1, "the summary is last");
                assert!(r.broken >= 1);
                assert_eq!(r.metadata_errors, 1);
                assert_eq!(r.incomplete_checkpoints, 1);
            }
            other => panic!("undocumented record type {other}"),
        }
    }
    for t in ["snapshot", "job", "summary"] {
        assert!(seen.contains(t), "no {t} record");
    }
    assert_eq!(out.status.code(), Some(2));

    // The values the tests above set up, as JSON shows them.
    let damaged = lines
        .iter()
        .find(|v| v["type"] == "job" && v["dir"] == jd.display().to_string())
        .unwrap();
    assert!(damaged["reclaimable_withheld"]
        .as_str()
        .is_some_and(|w| w.contains("missing or short")));
    assert_eq!(damaged["reclaimable"], serde_json::json!([]));
    let jd = healthy_jd;
    let job = lines
        .iter()
        .find(|v| v["type"] == "job" && v["dir"] == jd.display().to_string())
        .unwrap();
    assert_eq!(job["layout"], "job-dir");
    assert_eq!(job["incomplete_checkpoints"][0]["checkpoint_id"], 42);
    assert_eq!(job["incomplete_checkpoints"][0]["files"], 1);
    assert!(job["incomplete_checkpoints"][0]["last_modified"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let orphan = jd.join("shared").join("orphan").display().to_string();
    assert!(job["reclaimable"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["path"] == orphan && r["size"] == 4 && r["area"] == "shared"));
    let missing = victim.display().to_string();
    assert!(lines.iter().any(|v| v["type"] == "snapshot"
        && v["status"] == "broken"
        && v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["problem"] == "missing" && p["path"] == missing)));
    let loc = lines
        .iter()
        .find(|v| v["type"] == "job" && v["layout"] == "location")
        .unwrap();
    assert_eq!(loc["errors"], 1);
    assert_eq!(loc["job_id"], Value::Null);
}

#[test]
fn walk_errors_are_records_too() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(["scan", "--json", "--map", &copy.map_arg()])
        .arg(copy.root())
        .arg(copy.root().join("no-such-root"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    let errors: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "error")
        .collect();
    assert_eq!(errors.len(), 1);
    let _: ErrorRecord = serde_json::from_str(&errors[0].to_string()).unwrap();
    assert!(errors[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("no-such-root"));
    assert_eq!(errors[0]["message"], "no such file or directory");
    let summary: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["walk_errors"], 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-root"));
}
