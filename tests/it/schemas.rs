//! The JSON Schema files of `docs/schemas/` against the real binary's output.
//!
//! `inspect --json` (plain, with `--subtasks --files`, and `--lossy` on the damaged inputs of
//! `testdata/malformed/`), `scan --json` (every fixture tree, and a copy with every kind of
//! problem in it) and `check --json` (every fixture against a job file, every restore case
//! against its own job file) must validate, line by line for the JSON Lines of `scan`. The
//! schemas close every object (`"additionalProperties": false`) and type every value, which the
//! mutation test proves on real documents: an added field anywhere, or any value of the wrong
//! type, fails validation. So a renamed, added or retyped field fails here until the schema
//! file says so too.

use crate::common;
use crate::scan_fixture;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use jsonschema::{Draft, Validator};
use serde_json::{json, Value};

use scan_fixture::{incremental_case, job_dir, newest_checkpoint, referenced_shared_file, Copy};

const SCHEMAS: [&str; 3] = [
    "inspect.schema.json",
    "scan.schema.json",
    "check.schema.json",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema_text(name: &str) -> Value {
    let path = root().join("docs/schemas").join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// A validator for one schema file, checking `format` too (the scan timestamps are
/// `date-time`).
fn validator(name: &str) -> Validator {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema_text(name))
        .unwrap_or_else(|e| panic!("docs/schemas/{name} does not compile: {e}"))
}

/// Every violation of `doc`, one per line, empty when it validates.
fn violations(v: &Validator, doc: &Value) -> String {
    v.iter_errors(doc)
        .take(10)
        .map(|e| format!("  {e} at {}\n", e.instance_path()))
        .collect()
}

fn assert_valid(v: &Validator, schema: &str, doc: &Value, what: &str) {
    let errors = violations(v, doc);
    assert!(
        errors.is_empty(),
        "{what}: does not match docs/schemas/{schema}:\n{errors}"
    );
}

fn flinspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run flinspect")
}

/// The one JSON document on stdout; every run here prints one whatever its exit status.
fn document(args: &[&str]) -> Value {
    let out = flinspect(args);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "flinspect {}: no JSON document on stdout ({e}); stderr: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `f` over `items` on a few threads (each item runs the binary), results in input order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect()
}

/// Every `"type": "object"` schema in `v` closes itself and declares what it requires.
fn check_objects_closed(file: &str, at: &str, v: &Value, objects: &mut usize) {
    match v {
        Value::Object(m) => {
            if m.get("type") == Some(&json!("object")) {
                *objects += 1;
                assert_eq!(
                    m.get("additionalProperties"),
                    Some(&json!(false)),
                    "{file}{at}: an object schema must set \"additionalProperties\": false"
                );
                let props = m
                    .get("properties")
                    .and_then(Value::as_object)
                    .unwrap_or_else(|| panic!("{file}{at}: an object schema lists its properties"));
                for r in m
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let r = r.as_str().unwrap();
                    assert!(
                        props.contains_key(r),
                        "{file}{at}: required {r:?} is not a property"
                    );
                }
                for p in props.keys() {
                    assert!(
                        !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                        "{file}{at}: property {p:?} is not snake_case"
                    );
                }
            }
            for (k, child) in m {
                check_objects_closed(file, &format!("{at}/{k}"), child, objects);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                check_objects_closed(file, &format!("{at}/{i}"), child, objects);
            }
        }
        _ => {}
    }
}

/// The schema files are valid draft 2020-12 schemas (checked against the meta-schema), compile,
/// and close every object they describe.
#[test]
fn schema_files_are_valid_draft_2020_12_schemas() {
    for name in SCHEMAS {
        let schema = schema_text(name);
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
            panic!("docs/schemas/{name} is not a valid draft 2020-12 schema: {e}");
        }
        validator(name);
        let mut objects = 0;
        check_objects_closed(name, "#", &schema, &mut objects);
        assert!(objects > 0, "{name} describes no object");
    }
    // The meta-schema check can fail: a misspelt type is not a schema.
    assert!(jsonschema::draft202012::meta::validate(&json!({"type": "strnig"})).is_err());
    assert!(jsonschema::draft202012::meta::validate(&json!({"required": "path"})).is_err());
}

/// The rule ids of `check.schema.json` are exactly the catalogue's.
#[test]
fn check_schema_lists_every_rule() {
    let schema = schema_text("check.schema.json");
    let listed: BTreeSet<&str> = schema["$defs"]["rule"]["enum"]
        .as_array()
        .expect("$defs.rule.enum")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let rules: BTreeSet<&str> = flinspect::check::RULES.iter().map(|r| r.info.id).collect();
    assert_eq!(
        listed, rules,
        "docs/schemas/check.schema.json $defs.rule.enum must list every rule id"
    );
}

/// `inspect --json`, plain and with `--subtasks --files`, on every committed fixture; `--uid`
/// on one; `--lossy` on every damaged input that still yields a document.
#[test]
fn inspect_json_of_every_fixture_matches_the_schema() {
    let v = validator("inspect.schema.json");
    let files = common::all_metadata_files();
    assert!(files.len() > 100, "fixtures found: {}", files.len());
    let docs = par_map(&files, |p| {
        let plain = document(&["inspect", s(p), "--json"]);
        let full = document(&["inspect", s(p), "--json", "--subtasks", "--files"]);
        assert_valid(&v, "inspect.schema.json", &plain, s(p));
        assert_valid(
            &v,
            "inspect.schema.json",
            &full,
            &format!("{} --files", s(p)),
        );
        assert!(
            plain["files"].is_null() && full["files"].is_array(),
            "{}",
            s(p)
        );
        full
    });
    // The schema's optional parts are exercised: channel state, coordinators, segments.
    let all = Value::Array(docs);
    let text = all.to_string();
    for needle in [
        "\"storage\":\"segment\"",
        "\"channels\":",
        "\"shared_files\":",
        "\"role\":\"coordinator\"",
        "\"uid_source\":\"metadata\"",
        "\"snapshot_type\":\"SavepointType\"",
    ] {
        assert!(text.contains(needle), "no fixture output has {needle}");
    }

    let labelled = files
        .iter()
        .find(|p| s(p).contains("flink-1.20.3"))
        .expect("a 1.20.3 fixture");
    let doc = document(&["inspect", s(labelled), "--json", "--uid", "my-source"]);
    assert_valid(&v, "inspect.schema.json", &doc, "--uid my-source");
    assert!(doc.to_string().contains("\"uid_source\":\"user\""));

    let mut damaged: Vec<PathBuf> = fs::read_dir(common::testdata().join("malformed"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    damaged.sort();
    let mut with_damage = 0;
    for p in &damaged {
        let out = flinspect(&["inspect", "--lossy", "--json", s(p)]);
        // Damage before the first operator (a bad header) leaves nothing to show.
        let Ok(doc) = serde_json::from_slice::<Value>(&out.stdout) else {
            continue;
        };
        assert_valid(
            &v,
            "inspect.schema.json",
            &doc,
            &format!("--lossy {}", s(p)),
        );
        with_damage += usize::from(doc["damage"].is_object());
    }
    assert!(with_damage > 10, "damage documents: {with_damage}");
}

/// Every line of `scan --json` over the fixture trees (absolute references not mapped, so
/// broken snapshots too; plus a root that does not exist), and over a copy holding a missing
/// and a short file, an incomplete checkpoint, a reclaimable file, an undecodable `_metadata`
/// and a savepoint away from its job.
#[test]
fn scan_json_lines_match_the_schema() {
    let v = validator("scan.schema.json");
    let mut trees: Vec<PathBuf> = fs::read_dir(common::testdata())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("flink-")
        })
        .collect();
    trees.sort();
    assert!(trees.len() >= 2, "fixture trees: {trees:?}");
    let gone = tempfile::tempdir().unwrap();
    let gone = gone.path().join("does-not-exist");
    let mut args = vec!["scan", "--json"];
    args.extend(trees.iter().map(|t| s(t)));
    args.push(s(&gone));
    let mut lines = json_lines(&flinspect(&args));

    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let dir = copy.case_dir(&case);
    let jd = job_dir(&dir);
    fs::create_dir(jd.join("chk-42")).unwrap();
    fs::write(jd.join("chk-42").join("partial"), b"abc").unwrap();
    fs::write(jd.join("shared").join("orphan"), b"abcd").unwrap();
    let victim = referenced_shared_file(&copy, &newest_checkpoint(&jd));
    fs::remove_file(&victim).unwrap();
    let savepoint = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("savepoint-")
        })
        .min()
        .expect("a savepoint beside the job");
    let largest = fs::read_dir(&savepoint)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != "_metadata")
        .max_by_key(|e| e.metadata().unwrap().len())
        .expect("a state file in the savepoint")
        .path();
    // A savepoint whose JobID prefix matches no job directory, copied before the truncation.
    let lonely = copy
        .root()
        .join("elsewhere")
        .join("savepoint-fedcba-0123456789ab");
    fs::create_dir_all(&lonely).unwrap();
    for e in fs::read_dir(&savepoint).unwrap().flatten() {
        fs::copy(e.path(), lonely.join(e.file_name())).unwrap();
    }
    fs::write(&largest, b"x").unwrap();
    let undecodable = copy.root().join("other").join("snap");
    fs::create_dir_all(&undecodable).unwrap();
    fs::write(undecodable.join("_metadata"), b"not metadata").unwrap();
    lines.extend(json_lines(&copy.cli(&["--json"])));

    let mut seen = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        let doc: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {i} is not one JSON object ({e}): {line}"));
        assert_valid(&v, "scan.schema.json", &doc, &format!("line {i}: {line}"));
        seen.insert(format!("type {}", doc["type"].as_str().unwrap()));
        if let Some(status) = doc["status"].as_str() {
            seen.insert(format!("status {status}"));
        }
        if let Some(layout) = doc["layout"].as_str() {
            seen.insert(format!("layout {layout}"));
        }
        for p in doc["problems"].as_array().into_iter().flatten() {
            seen.insert(format!("problem {}", p["problem"].as_str().unwrap()));
        }
        if doc["incomplete_checkpoints"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            seen.insert("incomplete".into());
        }
    }
    for want in [
        "type snapshot",
        "type job",
        "type error",
        "type summary",
        "status restorable",
        "status broken",
        "status error",
        "layout job-dir",
        "layout savepoints",
        "layout location",
        "problem missing",
        "problem short",
        "incomplete",
    ] {
        assert!(seen.contains(want), "no scan record with {want}: {seen:?}");
    }
}

fn json_lines(out: &Output) -> Vec<String> {
    let text = String::from_utf8(out.stdout.clone()).expect("UTF-8 output");
    assert!(
        text.ends_with('\n'),
        "scan --json ends with a newline: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines().map(String::from).collect()
}

/// The snapshot of a restore case: `cases/<name>/outcome.json` names it, its
/// `snapshot.json` names the directory holding `_metadata`.
fn restore_case_snapshot(case: &Path) -> PathBuf {
    let read = |p: PathBuf| -> Value {
        serde_json::from_slice(&fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
            .unwrap()
    };
    let outcome = read(case.join("outcome.json"));
    let dir = case
        .join("../..")
        .join(outcome["snapshot"].as_str().expect("outcome.snapshot"));
    let info = read(dir.join("snapshot.json"));
    dir.join(
        info["metadata_dir"]
            .as_str()
            .expect("snapshot.metadata_dir"),
    )
    .join("_metadata")
}

/// `check --json` of every fixture against a job file (the fixture job without its keyed
/// operator, with an allow-list), of every restore case against its job file, `--against` a
/// snapshot and `--fail-on warning`.
#[test]
fn check_json_matches_the_schema() {
    let v = validator("check.schema.json");
    let job = "tests/data/check/fixture-job-keyed-removed.yaml";
    let allow = "tests/data/check/allow.yaml";
    let files = common::all_metadata_files();
    let mut runs: Vec<Vec<String>> = files
        .iter()
        .map(|p| {
            ["check", s(p), "--job", job, "--allow", allow, "--json"]
                .map(String::from)
                .to_vec()
        })
        .collect();
    let mut cases: Vec<PathBuf> = Vec::new();
    for version in fs::read_dir(common::testdata().join("restore"))
        .unwrap()
        .flatten()
    {
        if let Ok(rd) = fs::read_dir(version.path().join("cases")) {
            cases.extend(rd.flatten().map(|e| e.path()));
        }
    }
    cases.sort();
    assert!(cases.len() > 20, "restore cases: {}", cases.len());
    for case in &cases {
        let snapshot = restore_case_snapshot(case);
        let job = case.join("job.yaml");
        runs.push(
            ["check", s(&snapshot), "--job", s(&job), "--json"]
                .map(String::from)
                .to_vec(),
        );
    }
    // Verdict "unknown": a RocksDB checkpoint against its job file without the state backend.
    let tmp = tempfile::tempdir().unwrap();
    let rocks = common::testdata().join("restore/flink-2.3.0/cases/unchanged-rocksdb-checkpoint");
    let no_backend: String = fs::read_to_string(rocks.join("job.yaml"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("state-backend:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let no_backend_job = tmp.path().join("job.yaml");
    fs::write(&no_backend_job, no_backend).unwrap();
    runs.push(
        [
            "check",
            s(&restore_case_snapshot(&rocks)),
            "--job",
            s(&no_backend_job),
            "--json",
        ]
        .map(String::from)
        .to_vec(),
    );
    let first = s(&files[0]).to_string();
    let last = s(files.last().unwrap()).to_string();
    // An allow-listed finding: allow-lists accept consequences Flink lets happen, such as
    // state dropped with allowNonRestoredState.
    let hashmap_savepoint = files
        .iter()
        .map(|p| s(p).to_string())
        .find(|p| p.contains("flink-1.20.3/hashmap/savepoint-"))
        .expect("the 1.20.3 hashmap savepoint");
    runs.push(
        [
            "check",
            &hashmap_savepoint,
            "--job",
            job,
            "--allow",
            allow,
            "--allow-non-restored-state",
            "--json",
        ]
        .map(String::from)
        .to_vec(),
    );
    // A run that could not judge: the error document.
    runs.push(
        ["check", "no/such/snapshot", "--job", job, "--json"]
            .map(String::from)
            .to_vec(),
    );
    runs.push(
        ["check", &first, "--against", &last, "--json"]
            .map(String::from)
            .to_vec(),
    );
    runs.push(
        [
            "check",
            &last,
            "--job",
            "tests/data/check/fixture-job.yaml",
            "--fail-on",
            "warning",
            "--format",
            "json",
        ]
        .map(String::from)
        .to_vec(),
    );
    let docs = par_map(&runs, |args| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let doc = document(&args);
        assert_valid(&v, "check.schema.json", &doc, &args.join(" "));
        doc
    });
    let mut seen = BTreeSet::new();
    for d in &docs {
        if d.get("error").is_some() {
            seen.insert("error document".into());
            continue;
        }
        seen.insert(format!("verdict {}", d["verdict"].as_str().unwrap()));
        seen.insert(format!("job {}", d["job"]["kind"].as_str().unwrap()));
        seen.insert(format!("fail_on {}", d["fail_on"].as_str().unwrap()));
        for f in d["findings"].as_array().unwrap() {
            seen.insert(format!("severity {}", f["severity"].as_str().unwrap()));
            if f["allowed"].is_string() {
                seen.insert("allowed".into());
            }
        }
    }
    for want in [
        "verdict compatible",
        "verdict incompatible",
        "verdict unknown",
        "error document",
        "job file",
        "job snapshot",
        "fail_on error",
        "fail_on warning",
        "severity error",
        "severity warning",
        "severity info",
        "allowed",
    ] {
        assert!(
            seen.contains(want),
            "no check document with {want}: {seen:?}"
        );
    }
}

/// Every node of `doc`, as a JSON pointer.
fn pointers(doc: &Value, at: String, out: &mut Vec<String>) {
    match doc {
        Value::Object(m) => {
            for (k, v) in m {
                pointers(v, format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// A value of another JSON type than `v`'s, which no field of any schema accepts in its place.
fn wrong_type(v: &Value) -> Value {
    match v {
        Value::String(_) => json!(7),
        Value::Number(_) => json!("7"),
        Value::Bool(b) => json!(b.to_string()),
        Value::Null | Value::Array(_) => json!({}),
        Value::Object(_) => json!([]),
    }
}

/// Every mutation of a valid document fails: an extra field in any object, and any value
/// (object, array, string, number, boolean or null) replaced by one of another type. Also a
/// missing required field, an unknown enum value and an unknown record type.
fn assert_mutations_fail(v: &Validator, schema: &str, doc: &Value, what: &str) -> usize {
    assert_valid(v, schema, doc, what);
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let mut tried = 0;
    for p in &all {
        let mut changed = doc.clone();
        let node = changed.pointer_mut(p).unwrap();
        if let Value::Object(m) = node {
            m.insert("unexpected_field".into(), json!(1));
            assert!(
                !v.is_valid(&changed),
                "{what}: an extra field at {p:?} still validates against {schema}"
            );
            tried += 1;
        }
        if p.is_empty() {
            continue;
        }
        let mut changed = doc.clone();
        let node = changed.pointer_mut(p).unwrap();
        *node = wrong_type(node);
        assert!(
            !v.is_valid(&changed),
            "{what}: {p} of another type ({}) still validates against {schema}",
            changed.pointer(p).unwrap()
        );
        tried += 1;
    }
    tried
}

fn removed(doc: &Value, field: &str) -> Value {
    let mut d = doc.clone();
    d.as_object_mut().unwrap().remove(field);
    d
}

fn with(doc: &Value, pointer: &str, value: Value) -> Value {
    let mut d = doc.clone();
    *d.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}")) = value;
    d
}

/// The schemas reject what they should: every mutation of real documents fails validation.
#[test]
fn mutated_documents_fail_validation() {
    let fixture = |version: &str, case: &str| -> PathBuf {
        common::all_metadata_files()
            .into_iter()
            .find(|p| {
                let p = s(p);
                p.contains(&format!("/flink-{version}/{case}/")) && p.contains("/savepoint-")
            })
            .unwrap_or_else(|| panic!("a {version} {case} savepoint"))
    };

    let iv = validator("inspect.schema.json");
    let sp = fixture("1.20.3", "hashmap");
    let doc = document(&["inspect", s(&sp), "--json", "--files"]);
    let tried = assert_mutations_fail(&iv, "inspect.schema.json", &doc, s(&sp));
    assert!(tried > 100, "inspect mutations: {tried}");
    for bad in [
        removed(&doc, "checkpoint_id"),
        with(&doc, "/schema_version", json!(2)),
        with(&doc, "/snapshot/kind", json!("snapshot")),
        with(&doc, "/operators/0/id", json!("not-hex")),
        with(&doc, "/metadata_version", json!(7)),
    ] {
        assert!(!iv.is_valid(&bad), "still valid: {}", bad);
    }

    let sv = validator("scan.schema.json");
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let jd = job_dir(&copy.case_dir(&case));
    fs::create_dir(jd.join("chk-42")).unwrap();
    fs::write(jd.join("shared").join("orphan"), b"abcd").unwrap();
    fs::remove_file(referenced_shared_file(&copy, &newest_checkpoint(&jd))).unwrap();
    let lines = json_lines(&copy.cli(&["--json"]));
    let mut types = BTreeSet::new();
    for line in &lines {
        let record: Value = serde_json::from_str(line).unwrap();
        let t = record["type"].as_str().unwrap().to_string();
        // One record of each type, the first with problems or incomplete checkpoints if any.
        let rich = record["problems"].as_array().is_some_and(|a| !a.is_empty())
            || record["incomplete_checkpoints"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
            || t == "summary";
        if !rich || !types.insert(t.clone()) {
            continue;
        }
        assert_mutations_fail(&sv, "scan.schema.json", &record, line);
        let wrong_type = with(&record, "/type", json!("snapshots"));
        assert!(!sv.is_valid(&wrong_type), "unknown record type validates");
        let other = if t == "job" { "summary" } else { "job" };
        let swapped = with(&record, "/type", json!(other));
        assert!(!sv.is_valid(&swapped), "a {t} record validates as {other}");
    }
    assert!(
        types.len() == 3,
        "snapshot, job and summary records mutated: {types:?}"
    );

    let cv = validator("check.schema.json");
    let doc = document(&[
        "check",
        s(&sp),
        "--job",
        "tests/data/check/fixture-job-keyed-removed.yaml",
        "--allow",
        "tests/data/check/allow.yaml",
        "--json",
    ]);
    assert!(!doc["findings"].as_array().unwrap().is_empty());
    assert_mutations_fail(&cv, "check.schema.json", &doc, "check --json");
    for bad in [
        removed(&doc, "verdict"),
        with(&doc, "/verdict", json!("maybe")),
        with(&doc, "/findings/0/rule", json!("no_such_rule")),
        with(&doc, "/findings/0/severity", json!("fatal")),
    ] {
        assert!(!cv.is_valid(&bad), "still valid: {}", bad);
    }
}

/// The documents of runs that could not read their input validate too: inspect's path error
/// (alone and as a JSON Lines entry) and scan's error and summary records.
#[test]
fn failed_runs_print_documents_that_match_the_schemas() {
    let inspect = validator("inspect.schema.json");
    let o = flinspect(&["inspect", "--json", "no/such/_metadata"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_valid(
        &inspect,
        "inspect.schema.json",
        &doc,
        "inspect of a missing path",
    );
    let first = common::all_metadata_files()[0].display().to_string();
    let o = flinspect(&["inspect", "--json", &first, "no/such/_metadata"]);
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        assert_valid(&inspect, "inspect.schema.json", &doc, line);
    }
    let scan = validator("scan.schema.json");
    let o = flinspect(&["scan", "--json", "no/such/dir"]);
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        assert_valid(&scan, "scan.schema.json", &doc, line);
    }
}
