//! `flinspect graph` against real Flink.
//!
//! The companion (jvm/companion/) and the example jobs (jvm/example-jobs/: the topologies of the
//! fixture job and of the restore ground truth's job v1 and its variants) are built with Maven
//! for each Flink release under test, and run on that release's own jars (the PyPI
//! distribution testdata/generate/flink-jars.sh extracts). Their OperatorIDs, chains,
//! parallelism and max parallelism must equal what Flink's own StreamGraphHasherV2 computed when
//! the fixtures were generated (graph.json), and the IDs in the real snapshots those jobs wrote.
//!
//! Releases: FLINSPECT_GRAPH_VERSIONS (comma-separated), default 1.20.3 and 2.3.0. Needs Java and
//! Maven (the first run downloads Flink from Maven Central and PyPI); without them these tests
//! fail, they never skip. Builds are kept under jvm/*/target/flink-<release>/ and redone only
//! when a file under jvm/ is newer than the jar.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use flinspect::check::Job;
use flinspect::graph::{
    graph_to_job, run_graph, GraphDocument, GraphRequest, MaxParallelismSource, Partitioner,
};
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn versions() -> Vec<String> {
    std::env::var("FLINSPECT_GRAPH_VERSIONS")
        .unwrap_or_else(|_| "1.20.3,2.3.0".to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

struct Prepared {
    flink_home: PathBuf,
    examples: PathBuf,
}

fn newest_mtime(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = e.file_name();
            if name == "target" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(m) = e.metadata().and_then(|m| m.modified()) {
                newest = newest.max(m);
            }
        }
    }
    newest
}

fn run_tool(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run {:?}: {e}; the graph tests need Java 17 (`java`) and Maven (`mvn`) on PATH", cmd.get_program())
    });
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Flink's jars and the Maven builds for one release, once per test process.
fn prepare(version: &str) -> Arc<Prepared> {
    static DONE: OnceLock<Mutex<HashMap<String, Arc<Prepared>>>> = OnceLock::new();
    let mut done = DONE.get_or_init(Default::default).lock().unwrap();
    if let Some(p) = done.get(version) {
        return p.clone();
    }
    run_tool(Command::new("java").arg("-version"), "java -version");
    let root = Path::new(ROOT);
    let lib = run_tool(
        Command::new("bash")
            .arg(root.join("testdata/generate/flink-jars.sh"))
            .arg(version),
        &format!("fetching Flink {version}'s jars (testdata/generate/flink-jars.sh)"),
    );
    let flink_home = Path::new(lib.trim()).parent().unwrap().to_path_buf();
    let jvm = root.join("jvm");
    let companion = jvm.join(format!(
        "companion/target/flink-{version}/flinspect-companion.jar"
    ));
    let examples = jvm.join(format!(
        "example-jobs/target/flink-{version}/flinspect-example-jobs.jar"
    ));
    // Maven leaves a jar untouched when its content did not change, so the jars' times cannot
    // tell whether a build already saw the newest sources: a stamp written after each build can.
    let stamp = jvm.join(format!(
        "companion/target/flink-{version}/flinspect-build.stamp"
    ));
    let built = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let sources = newest_mtime(&jvm);
    let stale =
        !companion.is_file() || !examples.is_file() || built(&stamp).is_none_or(|t| t < sources);
    if stale {
        run_tool(
            Command::new("mvn")
                .args(["-B", "-q", "-T1", "-f"])
                .arg(jvm.join("pom.xml"))
                .arg(format!("-Dflink.version={version}"))
                .arg("package"),
            &format!("building the companion for Flink {version} (mvn package)"),
        );
        std::fs::write(&stamp, b"").unwrap();
    }
    let p = Arc::new(Prepared {
        flink_home,
        examples,
    });
    done.insert(version.to_string(), p.clone());
    p
}

/// At most two companion JVMs at a time (the machine has two cores).
struct Permit;

static PERMITS: (Mutex<usize>, std::sync::Condvar) = (Mutex::new(2), std::sync::Condvar::new());

impl Permit {
    fn take() -> Permit {
        let mut n = PERMITS.0.lock().unwrap();
        while *n == 0 {
            n = PERMITS.1.wait(n).unwrap();
        }
        *n -= 1;
        Permit
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        *PERMITS.0.lock().unwrap() += 1;
        PERMITS.1.notify_one();
    }
}

/// One companion run, remembered: the same job with the same arguments and configuration is
/// run once per test process.
#[derive(Clone)]
struct Run {
    doc: GraphDocument,
}

fn graph(version: &str, class: &str, args: &[&str], config: &[(&str, &str)]) -> Run {
    static RUNS: OnceLock<Mutex<HashMap<String, Run>>> = OnceLock::new();
    let key = format!("{version} {class} {args:?} {config:?}");
    if let Some(r) = RUNS.get_or_init(Default::default).lock().unwrap().get(&key) {
        return r.clone();
    }
    let p = prepare(version);
    let dir = tempfile::tempdir().unwrap();
    let config_file = (!config.is_empty()).then(|| {
        let f = dir.path().join("flinspect-test.yaml");
        let text: String = config.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
        std::fs::write(&f, text).unwrap();
        f
    });
    let permit = Permit::take();
    let out = run_graph(&GraphRequest {
        jar: p.examples.clone(),
        entry_class: Some(format!("flinspect.examples.{class}")),
        flink_home: Some(p.flink_home.clone()),
        config: config_file,
        args: args.iter().map(|s| s.to_string()).collect(),
        timeout: Some(std::time::Duration::from_secs(300)),
    })
    .unwrap_or_else(|e| panic!("Flink {version}: {class} {args:?}: {e}"));
    drop(permit);
    assert_schema(&out.json, &key);
    let r = Run { doc: out.document };
    RUNS.get_or_init(Default::default)
        .lock()
        .unwrap()
        .insert(key, r.clone());
    r
}

fn assert_schema(json: &str, what: &str) {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| {
        serde_json::from_str(
            &std::fs::read_to_string(Path::new(ROOT).join("docs/graph.schema.json")).unwrap(),
        )
        .unwrap()
    });
    let validator = jsonschema::draft7::new(schema).expect("docs/graph.schema.json is a schema");
    let value: Value = serde_json::from_str(json).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: the companion's output does not validate against docs/graph.schema.json:\n{}",
        errors.join("\n")
    );
}

/// graph.json as the fixture generators wrote it (Flink's StreamGraphHasherV2 on the very
/// StreamGraph that was submitted).
#[derive(serde::Deserialize, Debug)]
struct TruthGraph {
    operators: Vec<TruthOperator>,
}

#[derive(serde::Deserialize, Debug, PartialEq)]
struct TruthOperator {
    uid: Option<String>,
    name: String,
    operator_id: String,
    parallelism: i32,
    max_parallelism: i32,
    chained_into: String,
}

fn read_truth(path: &Path) -> TruthGraph {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The companion's document in graph.json's shape: raw max parallelism (-1 when unset), the
/// vertex each operator is chained into.
fn as_truth(doc: &GraphDocument) -> Vec<TruthOperator> {
    doc.operators
        .iter()
        .map(|o| TruthOperator {
            uid: o.uid.clone(),
            name: o.name.clone(),
            operator_id: o.operator_id.clone(),
            parallelism: o.parallelism,
            max_parallelism: o.max_parallelism.map_or(-1, |m| m as i32),
            chained_into: o.vertex_id.clone(),
        })
        .collect()
}

/// The OperatorIDs of a real snapshot, read by flinspect.
fn snapshot_ids(metadata: &Path) -> BTreeSet<String> {
    let loaded = flinspect::load::load(metadata).unwrap();
    let md = flinspect::format::parse(&loaded.bytes).unwrap();
    md.operators.iter().map(|o| o.id.to_hex()).collect()
}

fn metadata_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "_metadata") {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

fn ids(doc: &GraphDocument) -> BTreeSet<String> {
    doc.operators
        .iter()
        .map(|o| o.operator_id.clone())
        .collect()
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// The backend of a fixture case: case.json says `changelog-hashmap` for the hashmap backend
/// with changelog on (the generator configures `hashmap` and the changelog keys).
fn fixture_backend(case: &Value) -> String {
    let b = case["backend"].as_str().unwrap();
    b.strip_prefix("changelog-").unwrap_or(b).to_string()
}

fn fixture_config(case: &Value) -> Vec<(&'static str, String)> {
    let backend = fixture_backend(case);
    let b = |k: &str| case[k].as_bool().unwrap().to_string();
    let mut c = vec![
        ("state.backend", backend.clone()),
        ("state.backend.type", backend),
        ("state.backend.incremental", b("incremental")),
        ("execution.checkpointing.incremental", b("incremental")),
        ("execution.checkpointing.interval", "1 s".to_string()),
        ("execution.checkpointing.unaligned", b("unaligned")),
        ("execution.checkpointing.unaligned.enabled", b("unaligned")),
        ("restart-strategy", "none".to_string()),
        ("restart-strategy.type", "none".to_string()),
    ];
    if case["changelog"].as_bool().unwrap() {
        c.push(("state.backend.changelog.enabled", "true".to_string()));
        c.push(("state.changelog.enabled", "true".to_string()));
    }
    c
}

/// Every fixture case of every release under test: the FixtureTopology example job, given the
/// case's parallelism, max parallelism and configuration (case.json), has Flink's OperatorIDs,
/// chains and max parallelism (graph.json), exactly the OperatorIDs of every snapshot of the
/// case, and the case's settings.
#[test]
fn fixture_job_ids_equal_flinks_and_the_real_snapshots() {
    let mut checked = Vec::new();
    for version in versions() {
        let base = Path::new(ROOT).join(format!("testdata/flink-{version}"));
        for case_dir in subdirs(&base) {
            let case_name = case_dir.file_name().unwrap().to_string_lossy().into_owned();
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(case_dir.join("case.json")).unwrap())
                    .unwrap();
            let mut args: Vec<String> = vec![
                "--parallelism".into(),
                case["parallelism"].as_i64().unwrap().to_string(),
            ];
            if let Some(m) = case["max_parallelism"].as_i64() {
                args.extend(["--max-parallelism".into(), m.to_string()]);
            }
            for (uid, m) in case["operator_max_parallelism"].as_object().unwrap() {
                assert_eq!(
                    uid, "my-keyed",
                    "{case_name}: FixtureTopology sets only my-keyed's"
                );
                args.extend(["--op-max-parallelism".into(), m.to_string()]);
            }
            let config = fixture_config(&case);
            let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
            let config_ref: Vec<(&str, &str)> =
                config.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let run = graph(&version, "FixtureTopology", &args_ref, &config_ref);
            let what = format!("Flink {version} fixture {case_name}");

            let truth = read_truth(&case_dir.join("graph.json"));
            assert_eq!(as_truth(&run.doc), truth.operators, "{what}: graph.json");
            for md in metadata_files(&case_dir) {
                assert_eq!(snapshot_ids(&md), ids(&run.doc), "{what}: {}", md.display());
            }
            // Settings, as the configuration of the case set them.
            let d = &run.doc;
            assert_eq!(d.flink_version, version, "{what}");
            let backend = fixture_backend(&case);
            assert_eq!(d.state_backend.effective, backend, "{what}");
            assert_eq!(
                d.state_backend.configuration.as_deref(),
                Some(backend.as_str()),
                "{what}"
            );
            assert_eq!(
                d.changelog.effective,
                case["changelog"].as_bool().unwrap(),
                "{what}"
            );
            assert!(d.checkpointing.enabled, "{what}");
            assert_eq!(d.checkpointing.interval_ms, Some(1000), "{what}");
            assert_eq!(
                d.checkpointing.unaligned,
                case["unaligned"].as_bool().unwrap(),
                "{what}"
            );
            assert_eq!(
                d.checkpointing.incremental.effective,
                case["incremental"].as_bool().unwrap(),
                "{what}"
            );
            assert_eq!(
                d.restart_strategy.configuration.as_deref(),
                Some("none"),
                "{what}"
            );
            assert_eq!(
                d.parallelism,
                case["parallelism"].as_i64().unwrap() as i32,
                "{what}"
            );
            assert_eq!(
                d.max_parallelism.map(i64::from),
                case["max_parallelism"].as_i64(),
                "{what}"
            );
            checked.push(format!("{version}/{case_name}"));
        }
    }
    eprintln!("fixture cases checked: {}", checked.join(" "));
    assert!(!checked.is_empty());
}

/// The restore ground truth's job variants and the example job's arguments that build them
/// (testdata/generate/restore/src/RestoreGroundTruth.java, cases()).
/// `None` for cases whose job RestoreTopology does not build: the unaligned cases (`ua-*`) run a
/// job of their own, and the HA-store cases (`ha-*`) a v1 with a restart strategy and an extra
/// stateless map that the example job does not have.
/// `nouid-pinned` pins the keyed operator to its OperatorID in the real snapshot
/// `nouid-canonical` (setUidHash).
fn restore_args(version: &str, case: &str) -> Option<Vec<String>> {
    let base = case.strip_suffix("-allow").unwrap_or(case);
    if base == "nouid-pinned" {
        let truth = read_truth(&Path::new(ROOT).join(format!(
            "testdata/restore/flink-{version}/snapshots/nouid-canonical/graph.json"
        )));
        let keyed = truth.operators.iter().find(|o| o.name == "keyed").unwrap();
        return Some(vec![
            "--no-uid".into(),
            "keyed".into(),
            "--pre-map".into(),
            "--uid-hash".into(),
            format!("keyed={}", keyed.operator_id),
        ]);
    }
    restore_args_fixed(case).map(|v| v.into_iter().map(String::from).collect())
}

fn restore_args_fixed(case: &str) -> Option<Vec<&'static str>> {
    let base = case.strip_suffix("-allow").unwrap_or(case);
    if base.starts_with("ua-") || base.starts_with("ha-") {
        return None;
    }
    if base.starts_with("unchanged")
        || base.starts_with("backend-")
        || base == "maxpar-derived"
        || matches!(
            base,
            "spa-uid-repair-unchanged"
                | "spa-bootstrap-unchanged"
                | "spa-bootstrap-backend-rocksdb"
                | "spa-removed-unchanged"
        )
    {
        return Some(vec![]);
    }
    Some(match base {
        "spa-uid-repair-restore" => vec!["--keyed-uid", "keyed-v2"],
        "spa-removed-stateful-removed" => vec!["--no-op-state"],
        "uid-renamed" => vec!["--keyed-uid", "keyed-v2"],
        "stateful-removed" => vec!["--no-op-state"],
        "stateless-added" => vec!["--new-map"],
        "stateless-uid-removed" => vec!["--no-uid", "stateless"],
        "keyed-uid-removed" => vec!["--no-uid", "keyed"],
        "rescaled-up" => vec!["--parallelism", "3"],
        "rescaled-down" => vec!["--parallelism", "1"],
        "maxpar-explicit-changed" => vec!["--max-parallelism", "256"],
        "maxpar-explicit-changed-keyed" => vec!["--op-max-parallelism", "keyed=256"],
        "maxpar-explicit-changed-stateless" => vec!["--op-max-parallelism", "stateless=256"],
        "maxpar-explicit-same" => vec!["--max-parallelism", "128"],
        "parallelism-above-maxpar" => vec!["--parallelism", "130"],
        "parallelism-above-maxpar-keyed" => vec!["--op-parallelism", "keyed=130"],
        "nouid-unchanged" => vec!["--no-uid", "keyed"],
        "nouid-shifted" => vec!["--no-uid", "keyed", "--pre-map"],
        other => panic!("restore case {other}: no RestoreTopology arguments known; add them here"),
    })
}

/// Every restore case of every release under test that has restore ground truth: the
/// RestoreTopology example job with the case's variant has Flink's OperatorIDs, chains and max
/// parallelism (graph.json), and graph_to_job gives the very Job that the case's job.yaml
/// (written by the same harness) describes.
#[test]
fn restore_variants_equal_flinks_graphs_and_job_files() {
    let mut checked = Vec::new();
    for version in versions() {
        let base = Path::new(ROOT).join(format!("testdata/restore/flink-{version}"));
        if !base.is_dir() {
            continue;
        }
        let v1 = base.join("snapshots/hashmap-canonical");
        let v1_ids = snapshot_ids(&metadata_files(&v1)[0]);
        for case_dir in subdirs(&base.join("cases")) {
            let case = case_dir.file_name().unwrap().to_string_lossy().into_owned();
            let details: Value = serde_json::from_str(
                &std::fs::read_to_string(case_dir.join("details.json")).unwrap(),
            )
            .unwrap();
            let backend = details["backend"].as_str().unwrap();
            let incremental = details["incremental"].as_bool().unwrap().to_string();
            let config = [
                ("state.backend", backend),
                ("state.backend.type", backend),
                ("state.backend.incremental", incremental.as_str()),
                ("execution.checkpointing.incremental", incremental.as_str()),
                ("restart-strategy", "none"),
                ("restart-strategy.type", "none"),
            ];
            let Some(args) = restore_args(&version, &case) else {
                continue;
            };
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = graph(&version, "RestoreTopology", &args, &config);
            let what = format!("Flink {version} restore case {case}");
            let truth = read_truth(&case_dir.join("graph.json"));
            assert_eq!(as_truth(&run.doc), truth.operators, "{what}: graph.json");

            let yaml_path = case_dir.join("job.yaml");
            let mut expected =
                Job::from_yaml(&std::fs::read_to_string(&yaml_path).unwrap(), "job.yaml").unwrap();
            let got = graph_to_job(&run.doc, "job.yaml", case.ends_with("-allow")).unwrap();
            expected.source = got.source.clone();
            assert_eq!(got, expected, "{what}: graph_to_job vs job.yaml");
            if case == "unchanged" {
                assert_eq!(ids(&run.doc), v1_ids, "{what}: v1's snapshot");
            }
            if case == "nouid-unchanged" {
                let nouid = base.join("snapshots/nouid-canonical");
                assert_eq!(
                    ids(&run.doc),
                    snapshot_ids(&metadata_files(&nouid)[0]),
                    "{what}: the nouid-canonical snapshot"
                );
            }
            checked.push(format!("{version}/{case}"));
        }
    }
    eprintln!("restore cases checked: {}", checked.join(" "));
}

/// Inserting one stateless operator upstream of a uid-less operator moves its generated
/// OperatorID away from the one in the real snapshot (the restore hazard `graph` exists for),
/// while every operator with a uid keeps its ID.
#[test]
fn an_inserted_operator_moves_the_generated_ids() {
    for version in versions() {
        let case_dir = Path::new(ROOT).join(format!("testdata/flink-{version}/hashmap"));
        let truth = read_truth(&case_dir.join("graph.json"));
        let snapshot = snapshot_ids(&metadata_files(&case_dir)[0]);
        let before = truth
            .operators
            .iter()
            .find(|o| o.name == "no-uid-map")
            .unwrap();
        assert!(before.uid.is_none() && snapshot.contains(&before.operator_id));

        let run = graph(&version, "FixtureTopology", &["--insert-map"], &[]);
        let after = run
            .doc
            .operators
            .iter()
            .find(|o| o.name == "no-uid-map")
            .unwrap();
        assert_ne!(after.operator_id, before.operator_id, "Flink {version}");
        assert!(!snapshot.contains(&after.operator_id), "Flink {version}");
        for o in run.doc.operators.iter().filter(|o| o.uid.is_some()) {
            assert!(
                snapshot.contains(&o.operator_id),
                "Flink {version}: {}",
                o.name
            );
        }

        let restore = Path::new(ROOT).join(format!(
            "testdata/restore/flink-{version}/cases/stateless-uid-removed/graph.json"
        ));
        if restore.is_file() {
            let truth = read_truth(&restore);
            let before = truth
                .operators
                .iter()
                .find(|o| o.name == "stateless")
                .unwrap();
            let run = graph(
                &version,
                "RestoreTopology",
                &["--no-uid", "stateless", "--new-map"],
                &[],
            );
            let after = run
                .doc
                .operators
                .iter()
                .find(|o| o.name == "stateless")
                .unwrap();
            assert!(after.uid.is_none());
            assert_ne!(after.operator_id, before.operator_id, "Flink {version}");
        }
    }
}

/// setUidHash, forceNonParallel, per-operator max parallelism and every partitioner.
#[test]
fn partitioners_uid_hash_and_max_parallelism() {
    for version in versions() {
        let run = graph(&version, "Hazards", &["partitioners"], &[]);
        let by_name: BTreeMap<&str, &flinspect::graph::Operator> = run
            .doc
            .operators
            .iter()
            .map(|o| (o.name.as_str(), o))
            .collect();
        let kind = |name: &str| by_name[name].inputs[0].partitioner;
        assert_eq!(kind("p-forward"), Partitioner::Forward);
        assert_eq!(kind("p-rebalance"), Partitioner::Rebalance);
        assert_eq!(kind("p-rescale"), Partitioner::Rescale);
        assert_eq!(kind("p-shuffle"), Partitioner::Shuffle);
        assert_eq!(kind("p-broadcast"), Partitioner::Broadcast);
        assert_eq!(kind("p-custom"), Partitioner::Custom);
        assert_eq!(kind("p-hash"), Partitioner::Hash);
        assert_eq!(kind("p-global"), Partitioner::Global);
        let global = by_name["p-global"];
        assert_eq!(global.uid, None);
        assert_eq!(
            global.user_operator_id.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(global.operator_id, "0123456789abcdef0123456789abcdef");
        assert_ne!(global.generated_operator_id, global.operator_id);
        let hash = by_name["p-hash"];
        assert_eq!(
            (hash.max_parallelism, hash.max_parallelism_source),
            (Some(64), Some(MaxParallelismSource::Operator))
        );
        let single = by_name["p-single"];
        assert_eq!(
            (
                single.parallelism,
                single.max_parallelism,
                single.max_parallelism_source
            ),
            (1, Some(1), Some(MaxParallelismSource::Operator))
        );
        assert_eq!(by_name["p-forward"].chain_position, 1);
        assert_eq!(
            by_name["p-forward"].vertex_id,
            by_name["Source: p-src"].vertex_id
        );
        // The uid-hash operator's vertex is named by its generated ID, as Flink does.
        assert!(run
            .doc
            .vertices
            .iter()
            .any(|v| v.id == global.generated_operator_id));
        let job = graph_to_job(&run.doc, "partitioners", false).unwrap();
        let g = job
            .operators
            .iter()
            .find(|o| o.name.as_deref() == Some("p-global"))
            .unwrap();
        assert!(g.id_from_hash);
        assert_eq!(g.id.to_hex(), "0123456789abcdef0123456789abcdef");
    }
}

/// A Flink distribution with a conf/ directory: its configuration is read, and --config goes on
/// top of it.
#[test]
fn distribution_conf_and_config_file() {
    for version in versions() {
        let p = prepare(&version);
        let home = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(p.flink_home.join("lib"), home.path().join("lib")).unwrap();
        std::fs::create_dir(home.path().join("conf")).unwrap();
        let legacy = version.starts_with("1.") && version.as_str() < "1.19";
        let name = if legacy {
            "flink-conf.yaml"
        } else {
            "config.yaml"
        };
        std::fs::write(
            home.path().join("conf").join(name),
            "parallelism.default: 3\nstate.backend.type: rocksdb\nexecution.checkpointing.interval: 7 s\n",
        )
        .unwrap();
        let extra = home.path().join("extra.yaml");
        std::fs::write(
            &extra,
            "pipeline.max-parallelism: 64\nstate.backend.type: hashmap\n",
        )
        .unwrap();
        let run = |config: Option<PathBuf>| {
            let _permit = Permit::take();
            run_graph(&GraphRequest {
                jar: p.examples.clone(),
                entry_class: Some("flinspect.examples.Hazards".into()),
                flink_home: Some(home.path().to_path_buf()),
                config,
                args: vec!["print".into()],
                timeout: Some(std::time::Duration::from_secs(300)),
            })
            .unwrap_or_else(|e| panic!("Flink {version}: {e}"))
        };
        let plain = run(None).document;
        assert_eq!(plain.default_parallelism, 3, "Flink {version}");
        assert_eq!(plain.state_backend.effective, "rocksdb", "Flink {version}");
        assert_eq!(
            plain.checkpointing.interval_ms,
            Some(7000),
            "Flink {version}"
        );
        assert_eq!(plain.max_parallelism, None, "Flink {version}");
        let layered = run(Some(extra)).document;
        assert_eq!(
            layered.state_backend.effective, "hashmap",
            "Flink {version}"
        );
        assert_eq!(layered.max_parallelism, Some(64), "Flink {version}");
        assert!(layered
            .operators
            .iter()
            .all(|o| o.max_parallelism == Some(64)
                && o.max_parallelism_source == Some(MaxParallelismSource::Job)));
        assert_eq!(
            layered.checkpointing.interval_ms,
            Some(7000),
            "Flink {version}"
        );
    }
}

fn cli(version: &str, args: &[&str]) -> (i32, String, String) {
    cli_class(version, "flinspect.examples.Hazards", args)
}

fn cli_class(version: &str, class: &str, args: &[&str]) -> (i32, String, String) {
    let p = prepare(version);
    let _permit = Permit::take();
    let out = Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .arg("graph")
        .arg(&p.examples)
        .arg("--class")
        .arg(class)
        .arg("--flink-home")
        .arg(&p.flink_home)
        .args(args)
        .env_remove("FLINK_HOME")
        .env_remove(flinspect::graph::COMPANION_JAR_ENV)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What a job's main() may do: print, fail, exit, never execute, execute twice, executeAsync;
/// stdout carries the document only, and a failure is exit 2 with the job's own message.
#[test]
fn cli_keeps_the_jobs_output_out_and_reports_its_failures() {
    for version in versions() {
        let v = version.as_str();
        let (code, stdout, stderr) = cli(v, &["--", "print"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stdout.contains("hello from the job"), "{stdout}");
        let doc = GraphDocument::from_json(&stdout, "stdout").unwrap();
        assert_eq!(doc.job_name.as_deref(), Some("print"));
        assert_schema(&stdout, "cli print");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("g.json");
        let (code, stdout, stderr) = cli(v, &["-o", file.to_str().unwrap(), "--", "twice"]);
        assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
        let doc =
            GraphDocument::from_json(&std::fs::read_to_string(&file).unwrap(), "g.json").unwrap();
        assert_eq!(
            doc.job_name.as_deref(),
            Some("first-job"),
            "the first execute() is taken"
        );
        assert!(
            doc.operators.iter().all(|o| o.name.contains("first")),
            "{doc:?}"
        );

        let (code, stdout, _) = cli(v, &["--", "execute-async"]);
        assert_eq!(code, 0);
        assert_eq!(
            GraphDocument::from_json(&stdout, "stdout")
                .unwrap()
                .job_name
                .as_deref(),
            Some("async-job")
        );

        let (code, stdout, stderr) = cli(v, &["--", "fail"]);
        assert_eq!((code, stdout.as_str()), (2, ""));
        assert!(
            stderr.contains("failed: java.lang.IllegalStateException: the job refuses to build: missing --input"),
            "{stderr}"
        );
        let (code, _, stderr) = cli(v, &["--", "exit"]);
        assert_eq!(code, 2);
        assert!(
            stderr.contains("called System.exit() before it called execute()"),
            "{stderr}"
        );
        let (code, _, stderr) = cli(v, &["--", "no-execute"]);
        assert_eq!(code, 2);
        assert!(
            stderr.contains("without calling execute() or executeAsync()"),
            "{stderr}"
        );
        let (code, _, stderr) = cli(v, &["--", "dataset"]);
        assert_eq!(code, 2);
        if v.starts_with("1.") {
            assert!(
                stderr.contains("(a DataSet program): only DataStream jobs are supported"),
                "{stderr}"
            );
        }
        let started = std::time::Instant::now();
        let (code, _, stderr) = cli(v, &["--timeout", "4", "--", "hang"]);
        assert_eq!(code, 2);
        assert!(
            stderr.contains("did not reach execute() within 4 s"),
            "{stderr}"
        );
        assert!(
            started.elapsed().as_secs() < 30,
            "the companion was not stopped"
        );
        let (code, _, stderr) = cli_class(v, "no.such.Main", &[]);
        assert_eq!(code, 2);
        assert!(stderr.contains("cannot load the job"), "{stderr}");
    }
}

/// Missing pieces are one clear error each, exit 2 (no JVM needed).
#[test]
fn cli_missing_pieces() {
    let bin = env!("CARGO_BIN_EXE_flinspect");
    let jar = Path::new(ROOT).join("Cargo.toml");
    let out = Command::new(bin)
        .args(["graph"])
        .arg(&jar)
        .env_remove("FLINK_HOME")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pass --flink-home DIR or set FLINK_HOME"),
        "{err}"
    );
    let out = Command::new(bin)
        .args(["graph", "missing.jar"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "flinspect: error: missing.jar: no such file (expected a job jar)"
    );
}

/// A SQL script (testdata/sql/job.sql), planned by Flink's own planner in the companion, has the
/// OperatorIDs of the real savepoint the same script wrote on a MiniCluster of that release
/// (testdata/generate/sql/run-sql.sh). No operator has a uid: every ID is a topology hash.
#[test]
fn sql_script_ids_equal_the_real_savepoint() {
    let mut checked = Vec::new();
    for version in versions() {
        let dir = Path::new(ROOT).join(format!("testdata/sql/flink-{version}"));
        if !dir.is_dir() {
            continue;
        }
        let p = prepare(&version);
        let conf = tempfile::tempdir().unwrap();
        let config = conf.path().join("sql.yaml");
        std::fs::write(&config, "parallelism.default: 2\n").unwrap();
        let out = {
            let _permit = Permit::take();
            run_graph(&GraphRequest {
                jar: Path::new(ROOT).join("testdata/sql/job.sql"),
                entry_class: None,
                flink_home: Some(p.flink_home.clone()),
                config: Some(config),
                args: vec![],
                timeout: Some(std::time::Duration::from_secs(300)),
            })
            .unwrap_or_else(|e| panic!("Flink {version}: {e}"))
        };
        assert_schema(&out.json, "sql");
        let doc = out.document;
        let snapshots = metadata_files(&dir);
        assert_eq!(snapshots.len(), 1, "{}", dir.display());
        assert_eq!(
            snapshot_ids(&snapshots[0]),
            ids(&doc),
            "Flink {version} SQL"
        );
        assert!(doc.operators.iter().all(|o| o.uid.is_none()));
        let agg = doc
            .operators
            .iter()
            .find(|o| o.name.starts_with("GroupAggregate"))
            .unwrap();
        assert_eq!(agg.inputs[0].partitioner, Partitioner::Hash);
        let job = graph_to_job(&doc, "job.sql", false).unwrap();
        assert!(job.operators.iter().all(|o| o.id_from_hash));
        checked.push(version);
    }
    eprintln!("SQL checked: {}", checked.join(" "));
}

/// A compiled plan (testdata/sql/plan/flink-RELEASE/plan.json: Flink's own `COMPILE PLAN` of
/// job.sql's INSERT), loaded by the companion with `TableEnvironment.loadPlan`, has exactly the
/// OperatorIDs of the real savepoint that plan wrote when Flink ran it
/// (testdata/generate/sql/run-plan.sh), and every operator carries the uid the planner derives
/// from its plan node (`<id>_<transformation>` from 1.16, `<id>_<type>_<version>_<transformation>`
/// in 1.15). `check SAVEPOINT --sql PLAN.json` equals `graph` + `check --job` and finds the plan
/// restorable, as the generator's restore of the plan from that savepoint was.
#[test]
fn compiled_plan_ids_and_uids_equal_the_real_savepoint() {
    let bin = env!("CARGO_BIN_EXE_flinspect");
    let mut checked = Vec::new();
    for version in versions() {
        let dir = Path::new(ROOT).join(format!("testdata/sql/plan/flink-{version}"));
        if !dir.is_dir() {
            continue;
        }
        let p = prepare(&version);
        let conf = tempfile::tempdir().unwrap();
        let config = conf.path().join("sql.yaml");
        std::fs::write(&config, "parallelism.default: 2\n").unwrap();
        let plan_file = dir.join("plan.json");
        let plan_text = std::fs::read_to_string(&plan_file).unwrap();
        assert!(flinspect::graph::is_compiled_plan(&plan_text));
        let plan: Value = serde_json::from_str(&plan_text).unwrap();
        let out = {
            let _permit = Permit::take();
            run_graph(&GraphRequest {
                jar: plan_file.clone(),
                entry_class: None,
                flink_home: Some(p.flink_home.clone()),
                config: Some(config.clone()),
                args: vec![],
                timeout: Some(std::time::Duration::from_secs(300)),
            })
            .unwrap_or_else(|e| panic!("Flink {version}: {e}"))
        };
        assert_schema(&out.json, "plan");
        let doc = out.document;
        assert_eq!(doc.entry_class, "flinspect.companion.SqlPlan");
        let snapshots = metadata_files(&dir);
        assert_eq!(snapshots.len(), 1, "{}", dir.display());
        assert_eq!(
            snapshot_ids(&snapshots[0]),
            ids(&doc),
            "Flink {version} compiled plan"
        );
        // The planner's uids: one per operator, each naming a node of the plan.
        let nodes: Vec<(u64, String)> = plan["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["id"].as_u64().unwrap(),
                    n["type"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut uids = Vec::new();
        for o in &doc.operators {
            let uid = o
                .uid
                .clone()
                .unwrap_or_else(|| panic!("Flink {version}: {} has no uid", o.name));
            let (id, ty) = nodes
                .iter()
                .find(|(id, _)| uid.starts_with(&format!("{id}_")))
                .unwrap_or_else(|| panic!("Flink {version}: uid {uid} names no plan node"));
            let rest = &uid[format!("{id}_").len()..];
            if version.starts_with("1.15.") {
                // <id>_<type>_<version>_<transformation>; the plan's type is <type>_<version>
                assert!(
                    rest.starts_with(&format!("{ty}_")),
                    "Flink {version}: {uid}"
                );
            } else {
                assert!(
                    !rest.is_empty() && !rest.contains(&ty[..]) && !rest.contains('_'),
                    "Flink {version}: {uid} is not <id>_<transformation>"
                );
            }
            uids.push(uid);
        }
        let job = graph_to_job(&doc, "plan.json", false).unwrap();
        assert!(job.operators.iter().all(|o| !o.id_from_hash));

        // check SAVEPOINT --sql PLAN.json: the graph, then the verdict on the real savepoint.
        let savepoint = snapshots[0].parent().unwrap();
        let permit = Permit::take();
        let by_plan = Command::new(bin)
            .arg("check")
            .arg(savepoint)
            .arg("--sql")
            .arg(&plan_file)
            .arg("--flink-home")
            .arg(&p.flink_home)
            .arg("--config")
            .arg(&config)
            .arg("--json")
            .output()
            .unwrap();
        let lock = conf.path().join("plan.lock.json");
        let graph_run = Command::new(bin)
            .arg("graph")
            .arg(&plan_file)
            .arg("--flink-home")
            .arg(&p.flink_home)
            .arg("--config")
            .arg(&config)
            .arg("-o")
            .arg(&lock)
            .output()
            .unwrap();
        drop(permit);
        assert!(
            graph_run.status.success(),
            "{}",
            String::from_utf8_lossy(&graph_run.stderr)
        );
        let by_lock = Command::new(bin)
            .arg("check")
            .arg(savepoint)
            .arg("--job")
            .arg(&lock)
            .arg("--json")
            .output()
            .unwrap();
        let what = format!("Flink {version} check --sql plan.json");
        assert_eq!(
            by_plan.status.code(),
            Some(0),
            "{what}: {}{}",
            String::from_utf8_lossy(&by_plan.stdout),
            String::from_utf8_lossy(&by_plan.stderr)
        );
        assert_eq!(by_lock.status.code(), Some(0), "{what}");
        let mut a: Value = serde_json::from_slice(&by_plan.stdout).unwrap();
        let mut b: Value = serde_json::from_slice(&by_lock.stdout).unwrap();
        assert_eq!(a["job"]["kind"], "program");
        a["job"] = Value::Null;
        b["job"] = Value::Null;
        assert_eq!(a, b, "{what}: check --sql and graph + check --job");
        checked.push(format!("{version} ({})", uids.join(" ")));
    }
    eprintln!("compiled plans checked: {}", checked.join(", "));
}

/// `check SNAPSHOT --jar JOB.jar` equals running `graph` and then `check --job` on its output,
/// and both equal the real restore outcome: for the restore cases `unchanged` and `uid-renamed`
/// (with and without allowNonRestoredState) of every release under test.
#[test]
fn check_jar_equals_graph_then_check_job_and_flinks_outcome() {
    let bin = env!("CARGO_BIN_EXE_flinspect");
    for version in versions() {
        let base = Path::new(ROOT).join(format!("testdata/restore/flink-{version}"));
        if !base.is_dir() {
            continue;
        }
        let p = prepare(&version);
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("conf.yaml");
        std::fs::write(
            &config,
            "state.backend: hashmap\nstate.backend.type: hashmap\nrestart-strategy: none\nrestart-strategy.type: none\n",
        )
        .unwrap();
        for case in ["unchanged", "uid-renamed", "uid-renamed-allow"] {
            let case_dir = base.join("cases").join(case);
            let outcome: Value = serde_json::from_str(
                &std::fs::read_to_string(case_dir.join("outcome.json")).unwrap(),
            )
            .unwrap();
            let snap_dir = base.join(outcome["snapshot"].as_str().unwrap());
            let info: Value = serde_json::from_str(
                &std::fs::read_to_string(snap_dir.join("snapshot.json")).unwrap(),
            )
            .unwrap();
            let snapshot = snap_dir.join(info["metadata_dir"].as_str().unwrap());
            let allow = if case.ends_with("-allow") {
                "--allow-non-restored-state=true"
            } else {
                "--allow-non-restored-state=false"
            };
            let args = restore_args(&version, case).unwrap();
            let permit = Permit::take();
            let by_jar = Command::new(bin)
                .arg("check")
                .arg(&snapshot)
                .arg("--jar")
                .arg(&p.examples)
                .args(["--class", "flinspect.examples.RestoreTopology"])
                .arg("--flink-home")
                .arg(&p.flink_home)
                .arg("--config")
                .arg(&config)
                .args([allow, "--json", "--"])
                .args(&args)
                .output()
                .unwrap();
            let lock = dir.path().join(format!("{case}.lock.json"));
            let graph_run = Command::new(bin)
                .arg("graph")
                .arg(&p.examples)
                .args(["--class", "flinspect.examples.RestoreTopology"])
                .arg("--flink-home")
                .arg(&p.flink_home)
                .arg("--config")
                .arg(&config)
                .arg("-o")
                .arg(&lock)
                .arg("--")
                .args(&args)
                .output()
                .unwrap();
            drop(permit);
            assert!(
                graph_run.status.success(),
                "{}",
                String::from_utf8_lossy(&graph_run.stderr)
            );
            let by_lock = Command::new(bin)
                .arg("check")
                .arg(&snapshot)
                .arg("--job")
                .arg(&lock)
                .args([allow, "--json"])
                .output()
                .unwrap();
            let what = format!("Flink {version} {case}");
            let want = if outcome["restored"] == true { 0 } else { 1 };
            assert_eq!(
                by_jar.status.code(),
                Some(want),
                "{what}: {}{}",
                String::from_utf8_lossy(&by_jar.stdout),
                String::from_utf8_lossy(&by_jar.stderr)
            );
            assert_eq!(by_lock.status.code(), Some(want), "{what}");
            let mut a: Value = serde_json::from_slice(&by_jar.stdout).unwrap();
            let mut b: Value = serde_json::from_slice(&by_lock.stdout).unwrap();
            assert_eq!(a["job"]["kind"], "program");
            a["job"] = Value::Null;
            b["job"] = Value::Null;
            assert_eq!(a, b, "{what}: check --jar and graph + check --job");
        }
    }
}

/// The companion configuration of a restore-harness job on `backend`.
fn harness_config(backend: &str, incremental: bool) -> Vec<(&'static str, String)> {
    let b = backend.to_string();
    let i = incremental.to_string();
    vec![
        ("state.backend", b.clone()),
        ("state.backend.type", b),
        ("state.backend.incremental", i.clone()),
        ("execution.checkpointing.incremental", i),
        ("restart-strategy", "none".into()),
        ("restart-strategy.type", "none".into()),
    ]
}

/// The job (RestoreTopology arguments) that took a restore snapshot, and the case whose job it is.
fn snapshot_job(snapshot: &str) -> Option<Vec<&'static str>> {
    match snapshot {
        "nouid-canonical" => Some(vec!["--no-uid", "keyed"]),
        s if s.starts_with("hashmap-") || s.starts_with("rocksdb-") || s.starts_with("forst-") => {
            Some(vec![])
        }
        _ => None,
    }
}

/// What every output format of one `diff` run says, reduced to the verdict.
fn verdict_of(format: &str, out: &str) -> String {
    match format {
        "human" | "github" => out
            .lines()
            .last()
            .and_then(|l| l.strip_prefix("verdict: "))
            .and_then(|l| l.split(':').next())
            .unwrap_or("?")
            .to_string(),
        "markdown" => out
            .lines()
            .next()
            .and_then(|l| l.rsplit(' ').next())
            .unwrap_or("?")
            .to_string(),
        "json" => serde_json::from_str::<Value>(out).unwrap()["verdict"]
            .as_str()
            .unwrap()
            .to_string(),
        "sarif" => serde_json::from_str::<Value>(out).unwrap()["runs"][0]["properties"]["verdict"]
            .as_str()
            .unwrap()
            .to_string(),
        "junit" => {
            let start = out.find("name=\"verdict\" value=\"").unwrap() + 22;
            out[start..].split('"').next().unwrap().to_string()
        }
        other => panic!("{other}"),
    }
}

/// `flinspect diff OLD.json NEW.json` of the restore harness's job graphs, as `flinspect graph`
/// takes them from the RestoreTopology example job, against what real Flink did when the new job
/// restored the old job's snapshot (testdata/restore): every case whose old job the example job
/// builds (the snapshots of job v1 on each backend, and of v1 without the keyed uid), for every
/// release under test, in every output format, with the old graph as `graph` writes it and as
/// `graph --snapshot` writes it (the snapshot's per-operator state recorded). The verdict must
/// equal Flink's outcome in each; the one exception allowed is a graph without a recorded
/// snapshot whose vanished operator had no state (diff then counts it as stateful and says so).
/// Prints the matrix (case × release × Flink × diff).
#[test]
fn diff_of_graphs_equals_flinks_restores_in_every_format() {
    let bin = env!("CARGO_BIN_EXE_flinspect");
    let dir = tempfile::tempdir().unwrap();
    let mut rows: Vec<String> = Vec::new();
    let mut failures = Vec::new();
    let mut compared = 0usize;
    for version in versions() {
        let base = Path::new(ROOT).join(format!("testdata/restore/flink-{version}"));
        if !base.is_dir() {
            continue;
        }
        for case_dir in subdirs(&base.join("cases")) {
            let case = case_dir.file_name().unwrap().to_string_lossy().into_owned();
            let outcome: Value = serde_json::from_str(
                &std::fs::read_to_string(case_dir.join("outcome.json")).unwrap(),
            )
            .unwrap();
            let snapshot = outcome["snapshot"]
                .as_str()
                .unwrap()
                .trim_start_matches("snapshots/")
                .to_string();
            let (Some(old_args), Some(new_args)) =
                (snapshot_job(&snapshot), restore_args(&version, &case))
            else {
                continue;
            };
            let snap_dir = base.join("snapshots").join(&snapshot);
            let info: Value = serde_json::from_str(
                &std::fs::read_to_string(snap_dir.join("snapshot.json")).unwrap(),
            )
            .unwrap();
            let details: Value = serde_json::from_str(
                &std::fs::read_to_string(case_dir.join("details.json")).unwrap(),
            )
            .unwrap();
            let old_config = harness_config(
                info["backend"].as_str().unwrap(),
                info["incremental"].as_bool().unwrap(),
            );
            let new_config = harness_config(
                details["backend"].as_str().unwrap(),
                details["incremental"].as_bool().unwrap(),
            );
            fn cfg<'a>(c: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
                c.iter().map(|(k, v)| (*k, v.as_str())).collect()
            }
            let old = graph(&version, "RestoreTopology", &old_args, &cfg(&old_config));
            let new_args: Vec<&str> = new_args.iter().map(String::as_str).collect();
            let new = graph(&version, "RestoreTopology", &new_args, &cfg(&new_config));
            let kind = match (info["kind"].as_str(), info["format"].as_str()) {
                (Some("savepoint"), Some("NATIVE")) => "native",
                (Some("savepoint"), _) => "canonical",
                _ => "checkpoint",
            };
            let restored = outcome["restored"].as_bool().unwrap();
            let inconclusive = !restored && outcome["exception_class"].is_null();

            let tag = format!("{version}-{case}");
            let new_path = dir.path().join(format!("{tag}.new.json"));
            std::fs::write(&new_path, serde_json::to_string_pretty(&new.doc).unwrap()).unwrap();
            let plain = dir.path().join(format!("{tag}.lock.json"));
            std::fs::write(&plain, serde_json::to_string_pretty(&old.doc).unwrap()).unwrap();
            let metadata = metadata_files(&snap_dir)[0].clone();
            let loaded = flinspect::load::load(&metadata).unwrap();
            let md = flinspect::format::parse(&loaded.bytes).unwrap();
            let mut recorded_doc = old.doc.clone();
            recorded_doc.record_snapshot(&md, &metadata.display().to_string(), Some(kind));
            let recorded = dir.path().join(format!("{tag}.recorded.lock.json"));
            std::fs::write(
                &recorded,
                serde_json::to_string_pretty(&recorded_doc).unwrap(),
            )
            .unwrap();

            for (lock, lock_kind) in [(&plain, "graph"), (&recorded, "graph --snapshot")] {
                let mut verdicts = BTreeSet::new();
                let mut code = None;
                for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
                    let out = Command::new(bin)
                        .arg("diff")
                        .arg(lock)
                        .arg(&new_path)
                        .args(["--format", format, "--snapshot-kind", kind])
                        .arg(format!(
                            "--allow-non-restored-state={}",
                            outcome["allow_non_restored_state"].as_bool().unwrap()
                        ))
                        .args(["--color", "never"])
                        .output()
                        .unwrap();
                    let text = String::from_utf8_lossy(&out.stdout).into_owned();
                    verdicts.insert(verdict_of(format, &text));
                    if code.is_some_and(|c| Some(c) != out.status.code()) {
                        failures.push(format!("{tag} {lock_kind}: exit codes differ by format"));
                    }
                    code = out.status.code();
                    if format == "json" && case == "nouid-shifted" {
                        // The reason names the upstream edit and the pin.
                        let doc: Value = serde_json::from_str(&text).unwrap();
                        let keyed = doc["findings"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|f| f["rule"] == "unmapped_state")
                            .expect("the shifted keyed operator");
                        let m = keyed["message"].as_str().unwrap();
                        if !m.contains("auto-generated id shifted")
                            || !m.contains("\"pre-map\" inserted upstream")
                            || !keyed["help"].as_str().unwrap().contains(&format!(
                                "setUidHash(\"{}\")",
                                outcome["operator_id"].as_str().unwrap_or("?")
                            ))
                        {
                            failures.push(format!(
                                "{tag}: the reason does not name the edit and the pin: {keyed}"
                            ));
                        }
                    }
                    if format == "json" && !restored {
                        let doc: Value = serde_json::from_str(&text).unwrap();
                        check_named_operator(&doc, &outcome, &case_dir, &tag, &mut failures);
                    }
                }
                let verdict = verdicts.iter().next().cloned().unwrap_or_default();
                if verdicts.len() != 1 {
                    failures.push(format!("{tag} {lock_kind}: formats disagree: {verdicts:?}"));
                }
                let expected = if restored {
                    "compatible"
                } else {
                    "incompatible"
                };
                let want_code = if restored { 0 } else { 1 };
                // Without a recorded snapshot, a vanished operator counts as stateful.
                let conservative =
                    lock_kind == "graph" && restored && verdict == "incompatible" && {
                        let out = Command::new(bin)
                            .arg("diff")
                            .arg(lock)
                            .arg(&new_path)
                            .args(["--json", "--snapshot-kind", kind])
                            .output()
                            .unwrap();
                        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
                        doc["findings"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter(|f| f["severity"] == "error")
                            .all(|f| {
                                f["rule"] == "unmapped_state"
                                    && f["notes"].as_array().unwrap().iter().any(|n| {
                                        n.as_str()
                                            .unwrap()
                                            .contains("whether it holds state is unknown")
                                    })
                            })
                    };
                let agree = inconclusive || (verdict == expected && code == Some(want_code));
                if !agree && !conservative {
                    failures.push(format!(
                        "{tag} ({lock_kind}, {kind}): Flink restored={restored}, diff {verdict} (exit {code:?})"
                    ));
                }
                compared += 1;
                rows.push(format!(
                    "{case:<40} {version:<7} {lock_kind:<17} {kind:<10} {:<30} {verdict:<13} {}",
                    if restored {
                        "restored".to_string()
                    } else if inconclusive {
                        "no checkpoint in time".to_string()
                    } else {
                        format!("failed at {}", outcome["phase"].as_str().unwrap_or("?"))
                    },
                    if agree {
                        "agree"
                    } else if conservative {
                        "conservative (statefulness unknown)"
                    } else {
                        "DISAGREE"
                    }
                ));
            }
        }
    }
    eprintln!(
        "{:<40} {:<7} {:<17} {:<10} {:<30} {:<13} match",
        "case", "flink", "old graph", "snapshot", "Flink", "diff"
    );
    for r in &rows {
        eprintln!("{r}");
    }
    eprintln!("{compared} comparisons, each in 6 formats");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for required in [
        "uid-renamed",
        "nouid-shifted",
        "stateless-added",
        "maxpar-explicit-changed",
        "parallelism-above-maxpar",
        "backend-hashmap-to-rocksdb-canonical",
    ] {
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("{required} "))),
            "{required} was not compared"
        );
    }
}

/// A failure that names an operator: an error finding of diff's JSON names it or an operator of
/// its task (graph.json), and where it names exactly that operator, its Flink message is Flink's
/// (the snapshot pointer aside).
fn check_named_operator(
    doc: &Value,
    outcome: &Value,
    case_dir: &Path,
    tag: &str,
    failures: &mut Vec<String>,
) {
    let Some(want) = outcome["operator_id"].as_str() else {
        return;
    };
    let truth = read_truth(&case_dir.join("graph.json"));
    let head = truth
        .operators
        .iter()
        .find(|o| o.operator_id == want)
        .map(|o| o.chained_into.clone());
    // The new job's graph has the operator only when it kept its id.
    let mut task: BTreeSet<String> = truth
        .operators
        .iter()
        .filter(|o| Some(&o.chained_into) == head.as_ref())
        .map(|o| o.operator_id.clone())
        .collect();
    task.insert(want.to_string());
    let errors: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    let named = errors.iter().any(|f| {
        f["operator_id"].is_null() && f["operators"].as_array().unwrap().is_empty()
            || std::iter::once(&f["operator_id"])
                .chain(
                    f["operators"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|o| &o["operator_id"]),
                )
                .any(|id| id.as_str().is_some_and(|id| task.contains(id)))
    });
    if !errors.is_empty() && !named {
        failures.push(format!(
            "{tag}: Flink names {want}; no error finding names its task"
        ));
    }
    let strip = |m: &str| -> String {
        match m.strip_prefix("Failed to rollback to checkpoint/savepoint ") {
            Some(rest) => rest.split_once(". ").map_or(rest, |(_, r)| r).to_string(),
            None => m.to_string(),
        }
    };
    if outcome["phase"] != "submission" {
        return;
    }
    let message = outcome["message"].as_str().unwrap_or_default();
    for f in &errors {
        if f["operator_id"].as_str() == Some(want) {
            if let Some(ours) = f["flink_error"].as_str() {
                if strip(ours) != strip(message) {
                    failures.push(format!(
                        "{tag}: message differs:\n  Flink: {message}\n  ours:  {ours}"
                    ));
                }
            }
        }
    }
}

/// The fenced block that follows `<!-- marker -->` in the README.
fn readme_block(marker: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let at = readme
        .find(&format!("<!-- {marker} -->"))
        .unwrap_or_else(|| panic!("README.md has no <!-- {marker} -->"));
    let rest = &readme[at..];
    let open = rest.find("```").unwrap();
    let body = &rest[open..];
    let start = body.find('\n').unwrap() + 1;
    let end = body[start..].find("```").unwrap();
    body[start..start + end].to_string()
}

/// A workspace where the README's relative paths resolve (jvm/, testdata/ of this checkout) and
/// whatever the commands write stays out of the checkout.
fn readme_workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    for d in ["jvm", "testdata"] {
        std::os::unix::fs::symlink(Path::new(ROOT).join(d), ws.path().join(d)).unwrap();
    }
    ws
}

/// `bash -c SCRIPT` in `dir` with `flinspect` (this build) first on PATH and `env` set;
/// returns (exit status, stdout, stderr).
fn shell(dir: &Path, script: &str, env: &[(String, String)]) -> (i32, String, String) {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_flinspect")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let permit = Permit::take();
    let out = Command::new("bash")
        .args(["-e", "-o", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    drop(permit);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The README's CI recipe, its GitHub Actions gate step and its GitLab CI script, run exactly as
/// written (Flink 2.3.0, the release the README uses): the lock from the real savepoint, then an
/// unchanged job passes and a renamed uid fails, with the annotation / JUnit failure to show.
#[test]
fn readme_ci_recipes_run_as_written() {
    let p = prepare("2.3.0");
    let ws = readme_workspace();
    let flink_home = vec![("FLINK_HOME".to_string(), p.flink_home.display().to_string())];

    // The recipe: one command per line; `# exit N` says the status it must end with.
    let recipe = readme_block("ci-recipe");
    let mut ran = 0;
    for line in recipe
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
    {
        let want = line
            .split("# exit ")
            .nth(1)
            .map_or(0, |n| n.trim().parse::<i32>().unwrap());
        let (code, out, err) = shell(ws.path(), line, &[]);
        assert_eq!(code, want, "README recipe: {line}\n{out}\n{err}");
        if want == 1 {
            assert!(
                out.contains("uid renamed: \"keyed\" -> \"keyed-v2\""),
                "{out}"
            );
            assert!(out.contains("Cannot map checkpoint/savepoint state for operator e7beec23fd9f6ed5e1b8395129d43728"), "{out}");
        }
        ran += 1;
    }
    assert_eq!(ran, 5);
    let lock: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("flinspect.lock.json")).unwrap(),
    )
    .unwrap();
    assert_schema(&lock.to_string(), "the README's lock");
    assert!(lock["snapshot"]["path"].is_string());
    let keyed = lock["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "keyed")
        .unwrap();
    assert_eq!(keyed["state"]["has_state"], true);
    assert!(keyed["state"]["keyed_state_size"].as_i64().unwrap() > 0);

    // GitHub Actions: the gate step with the workflow's env.
    let workflow: serde_norway::Value =
        serde_norway::from_str(&readme_block("github-actions")).unwrap();
    let job = &workflow["jobs"]["flinspect"];
    let step = job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str() == Some("flinspect restore gate"))
        .expect("the gate step");
    let script = step["run"].as_str().unwrap();
    let mut env: Vec<(String, String)> = job["env"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                v.as_str().unwrap().to_string(),
            )
        })
        .collect();
    env.extend(flink_home.clone());
    let (code, out, err) = shell(ws.path(), script, &env);
    assert_eq!(code, 0, "GitHub gate, unchanged job:\n{out}\n{err}");
    assert!(!out.contains("::error"), "{out}");
    let renamed: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| {
            let v = if k == "JOB_ARGS" {
                "--keyed-uid keyed-v2".to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    let (code, out, err) = shell(ws.path(), script, &renamed);
    assert_eq!(code, 1, "GitHub gate, renamed uid:\n{out}\n{err}");
    assert!(out.contains("::error file=new.json"), "{out}");
    assert!(out.contains("title=flinspect unmapped_state::"), "{out}");

    // GitLab CI: `script` with the job's variables.
    let ci: serde_norway::Value = serde_norway::from_str(&readme_block("gitlab-ci")).unwrap();
    let job = &ci["flinspect-restore-gate"];
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let mut vars: Vec<(String, String)> = job["variables"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                v.as_str().unwrap().to_string(),
            )
        })
        .collect();
    vars.extend(flink_home);
    let report = job["artifacts"]["reports"]["junit"].as_str().unwrap();
    let (code, out, err) = shell(ws.path(), &script.join("\n"), &vars);
    assert_eq!(code, 0, "GitLab gate, unchanged job:\n{out}\n{err}");
    let xml = std::fs::read_to_string(ws.path().join(report)).unwrap();
    assert!(xml.contains("failures=\"0\""), "{xml}");
    for (k, v) in vars.iter_mut() {
        if k == "JOB_ARGS" {
            *v = "--keyed-uid keyed-v2".into();
        }
    }
    let (code, out, err) = shell(ws.path(), &script.join("\n"), &vars);
    assert_eq!(code, 1, "GitLab gate, renamed uid:\n{out}\n{err}");
    let xml = std::fs::read_to_string(ws.path().join(report)).unwrap();
    assert!(xml.contains("<failure type=\"error\""), "{xml}");
    assert!(
        xml.contains("classname=\"flinspect.diff.unmapped_state\""),
        "{xml}"
    );
}

/// The graph documents `flinspect audit`'s tests read (testdata/audit/graphs/, written by
/// testdata/audit/generate.sh with Flink 2.3.0) are what the companion prints today, and
/// `audit --jar` is `graph` then `audit --job`. Cost: one companion run per variant (five) and
/// one `audit --jar`, Flink 2.3.0 only.
#[test]
fn audit_graphs_equal_the_companion_and_audit_jar_equals_audit_job() {
    if !versions().iter().any(|v| v == "2.3.0") {
        return;
    }
    let root = Path::new(ROOT);
    let committed = |name: &str| {
        let path = root.join(format!("testdata/audit/graphs/{name}.json"));
        GraphDocument::from_json(&std::fs::read_to_string(&path).unwrap(), name).unwrap()
    };
    for (name, args) in [
        ("default", vec![]),
        ("no-uid", vec!["--no-uid", "keyed", "--no-uid", "src"]),
        (
            "tight",
            vec!["--parallelism", "3", "--max-parallelism", "4"],
        ),
        ("excessive", vec!["--max-parallelism", "32768"]),
    ] {
        let live = graph("2.3.0", "RestoreTopology", &args, &[]);
        assert_eq!(
            live.doc,
            committed(name),
            "testdata/audit/graphs/{name}.json is stale: run testdata/audit/generate.sh"
        );
    }
    let p = prepare("2.3.0");
    let hardened = root.join("testdata/audit/hardened/config.yaml");
    let permit = Permit::take();
    let live = run_graph(&GraphRequest {
        jar: p.examples.clone(),
        entry_class: Some("flinspect.examples.RestoreTopology".into()),
        flink_home: Some(p.flink_home.clone()),
        config: Some(hardened.clone()),
        args: vec![],
        timeout: Some(std::time::Duration::from_secs(300)),
    })
    .unwrap();
    drop(permit);
    assert_eq!(
        live.document,
        committed("hardened"),
        "run testdata/audit/generate.sh"
    );

    let bin = env!("CARGO_BIN_EXE_flinspect");
    let permit = Permit::take();
    let by_jar = Command::new(bin)
        .arg("audit")
        .arg("--jar")
        .arg(&p.examples)
        .args(["--class", "flinspect.examples.RestoreTopology"])
        .arg("--flink-home")
        .arg(&p.flink_home)
        .arg("--config")
        .arg(&hardened)
        .args(["--format", "json"])
        .current_dir(root)
        .output()
        .unwrap();
    drop(permit);
    let by_job = Command::new(bin)
        .args([
            "audit",
            "--job",
            "testdata/audit/graphs/hardened.json",
            "--config",
        ])
        .arg(&hardened)
        .args(["--format", "json"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(
        by_jar.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&by_jar.stderr)
    );
    let a: Value = serde_json::from_slice(&by_jar.stdout).unwrap();
    let b: Value = serde_json::from_slice(&by_job.stdout).unwrap();
    // The same items; only the job's path and kind differ, inside evidence texts too.
    let strip = |v: &Value, job: &str| v["items"].to_string().replace(job, "JOB");
    assert_eq!(
        strip(&a, &p.examples.display().to_string()),
        strip(&b, "testdata/audit/graphs/hardened.json")
    );
    assert_eq!(a["verdict"], "ready");
}

/// `graph --snapshot` of a savepoint on an S3 server records what the same savepoint on disk
/// records (the state per operator), the storage keys taken from the environment.
#[test]
fn graph_records_a_remote_snapshot_as_the_local_one() {
    use crate::remote_support::{flinspect, s3_env, text, upload, S3};
    let p = prepare("2.3.0");
    let rel =
        "testdata/restore/flink-2.3.0/snapshots/hashmap-canonical/savepoint-5ff306-405f35f060a6";
    let local = Path::new(ROOT).join(rel);
    let s3 = S3::start();
    upload(&*s3.store(), &local, "sp");
    let remote = "s3://flink/sp";
    let dir = tempfile::tempdir().unwrap();
    let run = |snapshot: &str, out: &Path| {
        let jar = p.examples.display().to_string();
        let home = p.flink_home.display().to_string();
        let o = flinspect(
            &[
                "graph",
                &jar,
                "--class",
                "flinspect.examples.RestoreTopology",
                "--flink-home",
                &home,
                "--snapshot",
                snapshot,
                "-o",
                out.to_str().unwrap(),
            ],
            &s3_env(&s3.endpoint()),
        );
        assert!(o.status.success(), "{snapshot}: {}", text(&o.stderr));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
        doc
    };
    let want = run(local.to_str().unwrap(), &dir.path().join("local.json"));
    let got = run(remote, &dir.path().join("remote.json"));
    assert_eq!(
        got["snapshot"]["path"],
        format!("{remote}/_metadata"),
        "{got}"
    );
    assert!(
        got["operators"]
            .as_array()
            .unwrap()
            .iter()
            .any(|op| op["state"]["state_size"].as_i64().is_some_and(|b| b > 0)),
        "state recorded: {got}"
    );
    let mut want = want;
    want["snapshot"]["path"] = got["snapshot"]["path"].clone();
    assert_eq!(got, want);
}
