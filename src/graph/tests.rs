use std::ffi::OsString;
use std::path::Path;

use super::*;

/// A document as the companion writes it for a two-operator job (IDs of the uids "src" and
/// "map", and one uid-less sink with a made-up generated ID).
fn sample() -> String {
    let src = OperatorId::from_uid("src").to_hex();
    let map = OperatorId::from_uid("map").to_hex();
    let sink = "0123456789abcdef0123456789abcdef";
    format!(
        r#"{{
  "schema_version": 1, "flink_version": "1.20.3", "entry_class": "Job", "job_name": "j",
  "captured": "first_execute", "default_parallelism": 1, "parallelism": 2, "max_parallelism": null,
  "state_backend": {{"job": null, "job_class": null, "configuration": "rocksdb", "effective": "rocksdb"}},
  "changelog": {{"job": null, "configuration": null, "effective": false}},
  "checkpointing": {{"enabled": true, "interval_ms": 1000, "mode": "exactly_once", "unaligned": false,
     "incremental": {{"job": null, "configuration": true, "effective": true}}}},
  "restart_strategy": {{"job": null, "configuration": "none"}},
  "vertices": [{{"id": "{src}", "name": "v", "parallelism": 2, "max_parallelism": null, "operators": ["{src}", "{map}", "{sink}"]}}],
  "operators": [
    {{"operator_id": "{src}", "generated_operator_id": "{src}", "user_operator_id": null, "uid": "src", "name": "Source: src",
      "parallelism": 2, "max_parallelism": null, "max_parallelism_source": null, "vertex_id": "{src}", "chain_position": 0, "inputs": []}},
    {{"operator_id": "{map}", "generated_operator_id": "{map}", "user_operator_id": null, "uid": "map", "name": "map",
      "parallelism": 2, "max_parallelism": 256, "max_parallelism_source": "operator", "vertex_id": "{src}", "chain_position": 1,
      "inputs": [{{"operator_id": "{src}", "partitioner": "forward", "partitioner_class": "F", "side_output": null}}]}},
    {{"operator_id": "{sink}", "generated_operator_id": "{sink}", "user_operator_id": null, "uid": null, "name": "sink",
      "parallelism": 2, "max_parallelism": null, "max_parallelism_source": null, "vertex_id": "{src}", "chain_position": 2,
      "inputs": [{{"operator_id": "{map}", "partitioner": "forward", "partitioner_class": "F", "side_output": null}}]}}
  ]
}}"#
    )
}

#[test]
fn sample_document_converts_to_a_job() {
    let doc = GraphDocument::from_json(&sample(), "g.json").unwrap();
    let job = graph_to_job(&doc, "job.jar", true).unwrap();
    assert_eq!(
        job.flink_version,
        Some(FlinkVersions::exact(FlinkVersion::new(1, 20)))
    );
    assert_eq!(job.state_backend, Some(StateBackend::Rocksdb));
    assert_eq!(job.parallelism, Some(2));
    assert_eq!(job.max_parallelism, None);
    assert!(job.allow_non_restored_state);
    let ops: Vec<(Option<&str>, bool, Option<u32>)> = job
        .operators
        .iter()
        .map(|o| (o.uid.as_deref(), o.id_from_hash, o.max_parallelism))
        .collect();
    assert_eq!(
        ops,
        vec![
            (Some("src"), false, None),
            (Some("map"), false, Some(256)),
            (None, true, None)
        ]
    );
    assert_eq!(
        job.operators[2].id.to_hex(),
        "0123456789abcdef0123456789abcdef"
    );
}

#[test]
fn document_errors_name_the_source_and_the_problem() {
    let e = GraphDocument::from_json("{", "g.json").unwrap_err();
    assert!(
        e.message.starts_with("g.json: not a graph document (JSON)"),
        "{e}"
    );
    let e = GraphDocument::from_json(
        &sample().replace("\"schema_version\": 1", "\"schema_version\": 9"),
        "g.json",
    )
    .unwrap_err();
    assert!(e.message.contains("schema_version 9, expected 1"), "{e}");
    let e = GraphDocument::from_json(
        &sample().replace("\"job_name\"", "\"surprise\": 1, \"job_name\""),
        "g.json",
    )
    .unwrap_err();
    assert!(e.message.contains("unknown field `surprise`"), "{e}");
    let e = GraphDocument::from_json(
        &sample().replace("0123456789abcdef0123456789abcdef", "xyz"),
        "g.json",
    )
    .unwrap_err();
    assert!(
        e.message.contains("\"xyz\" is not 32 hexadecimal digits"),
        "{e}"
    );
    let bad_input = sample().replacen(
        &format!(
            "\"inputs\": [{{\"operator_id\": \"{}\"",
            OperatorId::from_uid("src").to_hex()
        ),
        "\"inputs\": [{\"operator_id\": \"ffffffffffffffffffffffffffffffff\"",
        1,
    );
    let e = GraphDocument::from_json(&bad_input, "g.json").unwrap_err();
    assert!(
        e.message
            .contains("input ffffffffffffffffffffffffffffffff is no operator"),
        "{e}"
    );
}

#[test]
fn an_operator_id_that_is_not_its_uids_hash_is_refused() {
    let text = sample().replace("\"uid\": \"map\"", "\"uid\": \"not-map\"");
    let doc = GraphDocument::from_json(&text, "g.json").unwrap();
    let e = graph_to_job(&doc, "job.jar", false).unwrap_err();
    assert!(
        e.message.contains("is not the hash of its uid \"not-map\""),
        "{e}"
    );
}

#[test]
fn an_unknown_state_backend_is_refused() {
    let text = sample().replace(
        "\"effective\": \"rocksdb\"",
        "\"effective\": \"com.example.MyBackend\"",
    );
    let doc = GraphDocument::from_json(&text, "g.json").unwrap();
    let e = graph_to_job(&doc, "job.jar", false).unwrap_err();
    assert!(
        e.message
            .contains("\"com.example.MyBackend\" is none of hashmap, rocksdb, forst"),
        "{e}"
    );
}

fn env_of(pairs: Vec<(&'static str, OsString)>) -> impl Fn(&str) -> Option<OsString> {
    move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
}

#[test]
fn missing_java_says_how_to_provide_it() {
    let e = find_java(&env_of(vec![("PATH", OsString::from("/nonexistent-dir"))])).unwrap_err();
    assert!(
        e.message.contains("set JAVA_HOME or put java on PATH"),
        "{e}"
    );
    let e = find_java(&env_of(vec![(
        "JAVA_HOME",
        OsString::from("/nonexistent-jdk"),
    )]))
    .unwrap_err();
    assert!(
        e.message
            .contains("JAVA_HOME is /nonexistent-jdk but it has no bin/java"),
        "{e}"
    );
}

#[test]
fn missing_flink_says_how_to_provide_it() {
    let e = find_flink(None, &env_of(vec![])).unwrap_err();
    assert!(
        e.message
            .contains("pass --flink-home DIR or set FLINK_HOME"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let e = find_flink(Some(dir.path()), &env_of(vec![])).unwrap_err();
    assert!(
        e.message
            .contains("(--flink-home): not a Flink distribution: cannot read"),
        "{e}"
    );
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    let e = find_flink(
        None,
        &env_of(vec![("FLINK_HOME", dir.path().as_os_str().to_owned())]),
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("(FLINK_HOME): not a Flink distribution: no lib/flink-dist*.jar"),
        "{e}"
    );
    std::fs::write(dir.path().join("lib/flink-dist-1.20.3.jar"), b"").unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    let f = find_flink(Some(dir.path()), &env_of(vec![])).unwrap();
    assert_eq!(f.version.as_deref(), Some("1.20.3"));
    assert_eq!(
        f.conf, None,
        "a conf/ without a configuration file is not used"
    );
    std::fs::write(dir.path().join("conf/config.yaml"), b"").unwrap();
    let f = find_flink(Some(dir.path()), &env_of(vec![])).unwrap();
    assert_eq!(f.conf.as_deref(), Some(dir.path().join("conf").as_path()));
}

#[test]
fn missing_companion_says_how_to_build_it() {
    let flink = FlinkHome {
        home: Path::new("/x").into(),
        lib: Path::new("/x/lib").into(),
        conf: None,
        version: Some("9.9.9".into()),
    };
    let e = find_companion(&flink, &env_of(vec![])).unwrap_err();
    assert!(
        e.message.contains("no companion jar for Flink 9.9.9: build it with `mvn -f jvm/pom.xml -Dflink.version=9.9.9 package`"),
        "{e}"
    );
    let e = find_companion(
        &flink,
        &env_of(vec![(COMPANION_JAR_ENV, OsString::from("/nope.jar"))]),
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("FLINSPECT_COMPANION_JAR is /nope.jar but there is no such file"),
        "{e}"
    );
}

#[test]
fn a_python_job_is_refused_before_any_jvm_starts() {
    let e = run_graph(&GraphRequest {
        jar: "job.py".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        e.message,
        "job.py: Python jobs are not supported (only DataStream job jars)"
    );
    let e = run_graph(&GraphRequest {
        jar: "/nonexistent/job.jar".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        e.message,
        "/nonexistent/job.jar: no such file (expected a job jar)"
    );
}

#[test]
fn graph_documents_are_told_from_job_files() {
    assert!(is_graph_document(&sample()));
    assert!(!is_graph_document("operators:\n  - uid: a\n"));
    assert!(!is_graph_document(r#"{"operators": [{"uid": "a"}]}"#));
    let job = job_from_graph_json(&sample(), "graph.json", false).unwrap();
    assert_eq!(job.source, JobSource::File("graph.json".into()));
    assert_eq!(job.operators.len(), 3);
    let e = job_from_graph_json("{}", "graph.json", false).unwrap_err();
    assert_eq!(
        e.message,
        "graph.json: not a graph document: no schema_version"
    );
}

#[test]
fn companion_failures_become_one_explanation() {
    let c = Path::new("/x/companion.jar");
    assert_eq!(
        failure_message(
            "j.jar",
            c,
            Some(2),
            "log line\nflinspect-companion: j.jar: the job's main() (M) failed: boom\n"
        ),
        "j.jar: the job's main() (M) failed: boom"
    );
    let m = failure_message(
        "j.jar",
        c,
        Some(1),
        "Error: Could not find or load main class flinspect.companion.Graph\n",
    );
    assert!(
        m.starts_with("/x/companion.jar: not the flinspect companion jar"),
        "{m}"
    );
    let m = failure_message(
        "j.jar",
        c,
        Some(1),
        "Exception in thread \"main\" java.lang.NoClassDefFoundError: org/apache/flink/Foo\n\tat x\n",
    );
    assert!(m.contains("does not fit the Flink jars it runs with (Exception in thread \"main\" java.lang.NoClassDefFoundError: org/apache/flink/Foo)"), "{m}");
    let m = failure_message("j.jar", c, None, "a\nb\n");
    assert_eq!(m, "j.jar: the companion JVM failed (exit a signal) without explaining; its last output:\na\nb");
}

#[test]
fn a_sql_script_takes_no_main_class() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sql/job.sql");
    let e = run_graph(&GraphRequest {
        jar: script.clone(),
        entry_class: Some("Main".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        e.message
            .ends_with("--class applies to job jars, not to SQL scripts"),
        "{e}"
    );
    let e = run_graph(&GraphRequest {
        jar: "missing.sql".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        e.message,
        "missing.sql: no such file (expected a SQL script)"
    );
}

#[test]
fn a_compiled_plan_is_recognized_by_its_content() {
    let plan =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sql/plan/flink-2.3.0/plan.json");
    assert!(is_compiled_plan(&std::fs::read_to_string(&plan).unwrap()));
    let e = run_graph(&GraphRequest {
        jar: plan,
        entry_class: Some("Main".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        e.message
            .ends_with("--class applies to job jars, not to compiled plans"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("graph.json");
    std::fs::write(
        &doc,
        "{\"schema_version\": 1, \"captured\": \"first_execute\"}",
    )
    .unwrap();
    let e = run_graph(&GraphRequest {
        jar: doc,
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        e.message
            .ends_with("a flinspect graph document, not a job (give it to `check --job`)"),
        "{e}"
    );
    let other = dir.path().join("other.json");
    std::fs::write(&other, " {\"flinkVersion\": \"1.20\"}").unwrap();
    let e = run_graph(&GraphRequest {
        jar: other,
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        e.message.contains("a JSON file but not a compiled plan"),
        "{e}"
    );
}
