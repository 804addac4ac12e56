//! `flinspect check` and `flinspect rules` as a user runs them: exit statuses, every output
//! format (golden files, a JSON contract, SARIF structure, JUnit parsed as XML), allow-lists.
//!
//! Golden files live in tests/data/check/golden/; refresh them with
//! `FLINSPECT_BLESS=1 cargo test --test check_cli` and review the diff.

use crate::check_support;

use std::path::Path;
use std::process::{Command, Output};

use check_support::*;
use serde::Deserialize;

fn flinspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run flinspect")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit status")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn tmp_job(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn snapshot() -> String {
    fixture("1.20.3", "hashmap", Which::Canonical)
        .display()
        .to_string()
}

/// The fixture job without my-keyed: one unmapped_state error (stable paths, for goldens).
const BROKEN_JOB: &str = "tests/data/check/fixture-job-keyed-removed.yaml";

/// `check` of the bundled snapshot against the job that removed its keyed operator, in `format`.
fn broken_job_as(format: &str) -> Output {
    flinspect(&[
        "check",
        &snapshot(),
        "--job",
        BROKEN_JOB,
        "--format",
        format,
    ])
}
const OK_JOB: &str = "tests/data/check/fixture-job.yaml";

fn golden(name: &str, actual: &str) {
    let path = root().join("tests/data/check/golden").join(name);
    if std::env::var_os("FLINSPECT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with FLINSPECT_BLESS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual, expected,
        "{name} differs from its golden file (FLINSPECT_BLESS=1 to refresh)"
    );
}

#[test]
fn exit_statuses() {
    let s = snapshot();
    // 0: the unchanged job restores (a warning for no-uid-map does not fail at the default
    // threshold).
    let o = flinspect(&["check", &s, "--job", OK_JOB]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o)
            .trim_end()
            .ends_with("(0 errors, 1 warning, 1 info)")
            || stdout(&o).contains("verdict: compatible"),
        "{}",
        stdout(&o)
    );
    // 1 with --fail-on warning.
    let o = flinspect(&["check", &s, "--job", OK_JOB, "--fail-on", "warning"]);
    assert_eq!(code(&o), 1);
    // 1: a stateful operator removed.
    let o = flinspect(&["check", &s, "--job", BROKEN_JOB]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("error[unmapped_state]"));
    // ... and 0 with --allow-non-restored-state on the command line (overriding the file).
    let o = flinspect(&[
        "check",
        &s,
        "--job",
        BROKEN_JOB,
        "--allow-non-restored-state",
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("warning[unmapped_state]"));
    // --against the snapshot itself: 0.
    let o = flinspect(&["check", &s, "--against", &s]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn could_not_judge_is_exit_2_and_never_compatible() {
    let dir = tempfile::tempdir().unwrap();
    let s = snapshot();
    // A job file with an unknown key.
    let o = flinspect(&[
        "check",
        &s,
        "--job",
        "tests/data/check/bad-unknown-key.yaml",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("paralelism"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    // A missing snapshot and a missing job file.
    let o = flinspect(&["check", "does/not/exist", "--job", OK_JOB]);
    assert_eq!(code(&o), 2);
    let o = flinspect(&["check", &s, "--job", "does/not/exist.yaml"]);
    assert_eq!(code(&o), 2);
    // A truncated _metadata: exit 2 in every format; nothing on stdout for people, an error
    // document (never a verdict) for the machine formats.
    let bytes = read(Path::new(&s));
    let cut = dir.path().join("_metadata");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        let o = flinspect(&[
            "check",
            cut.to_str().unwrap(),
            "--job",
            OK_JOB,
            "--format",
            format,
        ]);
        assert_eq!(code(&o), 2, "{format}");
        assert_eq!(
            stdout(&o).is_empty(),
            format == "human",
            "{format}: {}",
            stdout(&o)
        );
        assert!(
            !stdout(&o).contains("compatible"),
            "{format}: {}",
            stdout(&o)
        );
        assert!(stderr(&o).contains("cannot judge"), "{}", stderr(&o));
    }
    // Neither --job nor --against.
    let o = flinspect(&["check", &s]);
    assert_eq!(code(&o), 2);
    // An unquoted flink-version.
    let job = tmp_job(&dir, "j.yaml", "flink-version: 1.20\noperators: []\n");
    let o = flinspect(&["check", &s, "--job", &job]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("quoted"), "{}", stderr(&o));
}

#[test]
fn allow_list_needs_reasons_and_accepts_findings() {
    let s = snapshot();
    let o = flinspect(&[
        "check",
        &s,
        "--job",
        BROKEN_JOB,
        "--allow",
        "tests/data/check/allow-no-reason.yaml",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("reason is required"), "{}", stderr(&o));
    // The allow-list accepts losing my-keyed's state, but Flink refuses the restore without
    // allowNonRestoredState whatever a file of flinspect's says: the verdict stays
    // incompatible, and the finding says how to make the restore pass.
    let o = flinspect(&[
        "check",
        &s,
        "--job",
        BROKEN_JOB,
        "--allow",
        "tests/data/check/allow.yaml",
        "--json",
    ]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verdict"], "incompatible");
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unmapped_state")
        .unwrap();
    assert_eq!(f["severity"], "error");
    assert!(f["allowed"].is_null());
    let notes = f["notes"].to_string();
    assert!(notes.contains("was not applied"), "{notes}");
    assert!(notes.contains("--allow-non-restored-state"), "{notes}");
    // No warning that the entry matched nothing: it matched, and was refused.
    assert!(!stderr(&o).contains("matched no finding"), "{}", stderr(&o));
    // With allowNonRestoredState, Flink drops the state (a warning), and the allow-list
    // accepts that consequence, also at --fail-on warning.
    for extra in [&[][..], &["--fail-on", "error"][..]] {
        let mut args = vec![
            "check",
            &s,
            "--job",
            BROKEN_JOB,
            "--allow-non-restored-state",
            "--allow",
            "tests/data/check/allow.yaml",
            "--json",
        ];
        args.extend_from_slice(extra);
        let o = flinspect(&args);
        assert_eq!(code(&o), 0, "{extra:?}: {}", stdout(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["verdict"], "compatible");
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "unmapped_state")
            .unwrap();
        assert_eq!(f["severity"], "warning");
        assert!(f["allowed"].as_str().unwrap().contains("rebuilt"));
    }
    // The same warning without the allow-list fails --fail-on warning.
    let o = flinspect(&[
        "check",
        &s,
        "--job",
        BROKEN_JOB,
        "--allow-non-restored-state",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    // An unknown rule id in an allow-list is an error.
    let dir = tempfile::tempdir().unwrap();
    let bad = tmp_job(&dir, "a.yaml", "- rule: unmaped_state\n  reason: typo\n");
    let o = flinspect(&["check", &s, "--job", BROKEN_JOB, "--allow", &bad]);
    assert_eq!(code(&o), 2);
}

// --- JSON contract ---------------------------------------------------------------------------

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    schema_version: u32,
    snapshot: SnapshotDoc,
    job: JobDoc,
    verdict: String,
    fail_on: String,
    allow_non_restored_state: bool,
    counts: Counts,
    findings: Vec<FindingDoc>,
    not_checked: Vec<String>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotDoc {
    path: String,
    metadata_version: i32,
    checkpoint_id: i64,
    kind: Option<String>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobDoc {
    kind: String,
    path: String,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Counts {
    error: usize,
    warning: usize,
    info: usize,
    allowed: usize,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingDoc {
    rule: String,
    severity: String,
    operator_id: Option<String>,
    uid: Option<String>,
    name: Option<String>,
    message: String,
    flink_error: Option<String>,
    help: Option<String>,
    notes: Vec<String>,
    operators: Vec<OperatorDoc>,
    allowed: Option<String>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorDoc {
    operator_id: String,
    uid: Option<String>,
    name: Option<String>,
}

#[test]
fn json_contract() {
    let o = flinspect(&["check", &snapshot(), "--job", BROKEN_JOB, "--json"]);
    assert_eq!(code(&o), 1);
    let doc: Doc = serde_json::from_str(&stdout(&o)).expect("matches the documented schema");
    assert_eq!(doc.schema_version, 1);
    assert_eq!(doc.verdict, "incompatible");
    assert_eq!(doc.fail_on, "error");
    assert_eq!(doc.job.kind, "file");
    assert_eq!(doc.snapshot.metadata_version, 4);
    assert_eq!(doc.counts.error, 1);
    let f = &doc.findings[0];
    assert_eq!(f.rule, "unmapped_state");
    assert_eq!(f.severity, "error");
    assert_eq!(
        f.operator_id.as_deref(),
        Some("38e7541c9b1074a2ac9abb34ce40e725")
    );
    // A V4 snapshot does not record uids, and no operator of the job claims this one.
    assert_eq!(f.uid, None);
    assert!(f.flink_error.is_some() && f.help.is_some());
    for f in &doc.findings {
        assert!(["error", "warning", "info"].contains(&f.severity.as_str()));
        if let Some(id) = &f.operator_id {
            assert_eq!(id.len(), 32);
        }
    }
    assert!(doc.not_checked.iter().any(|n| n.contains("serializer")));
    // --format json is the same document.
    let o2 = broken_job_as("json");
    assert_eq!(stdout(&o), stdout(&o2));
    golden("keyed-removed.json", &stdout(&o));
}

// --- SARIF -------------------------------------------------------------------------------------

/// Validates a SARIF log against the official OASIS SARIF 2.1.0 JSON schema (vendored as
/// tests/data/check/sarif-schema-2.1.0.json from oasis-tcs/sarif-spec,
/// `sarif-2.1/schema/sarif-schema-2.1.0.json`), then checks what the schema cannot express:
/// `ruleIndex` agrees with `ruleId`, and URIs are URI references.
fn validate_sarif(v: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(&data("sarif-schema-2.1.0.json")).expect("schema is JSON");
    let validator = jsonschema::draft4::new(&schema).expect("a valid draft-04 schema");
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert!(!driver["name"].as_str().expect("driver.name").is_empty());
        let rules = driver["rules"].as_array().expect("rules");
        let ids: Vec<&str> = rules
            .iter()
            .map(|r| r["id"].as_str().expect("rule.id"))
            .collect();
        for r in rules {
            assert!(r["shortDescription"]["text"].is_string());
            assert!(["none", "note", "warning", "error"]
                .contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
        }
        for res in run["results"].as_array().expect("results") {
            let rule = res["ruleId"].as_str().expect("ruleId");
            let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(ids[idx], rule);
            assert!(["none", "note", "warning", "error"].contains(&res["level"].as_str().unwrap()));
            assert!(!res["message"]["text"]
                .as_str()
                .expect("message.text")
                .is_empty());
            for loc in res["locations"].as_array().expect("locations") {
                let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .expect("uri");
                assert!(!uri.contains(' ') && !uri.contains('\\'));
            }
            if let Some(sup) = res.get("suppressions") {
                for s in sup.as_array().unwrap() {
                    assert!(["inSource", "external"].contains(&s["kind"].as_str().unwrap()));
                }
            }
        }
    }
}

#[test]
fn sarif_is_valid_and_carries_every_rule() {
    let o = broken_job_as("sarif");
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    validate_sarif(&v);
    // The schema check has teeth: a level outside the closed set is rejected.
    let schema: serde_json::Value = serde_json::from_str(&data("sarif-schema-2.1.0.json")).unwrap();
    let mut broken = v.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!jsonschema::draft4::is_valid(&schema, &broken));
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), flinspect::check::RULES.len());
    let results = v["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "unmapped_state")
        .unwrap();
    assert_eq!(r["level"], "error");
    assert_eq!(
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "38e7541c9b1074a2ac9abb34ce40e725"
    );
    // An allow-listed finding is a suppressed result.
    let o = flinspect(&[
        "check",
        &snapshot(),
        "--job",
        BROKEN_JOB,
        "--allow-non-restored-state",
        "--format",
        "sarif",
        "--allow",
        "tests/data/check/allow.yaml",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    validate_sarif(&v);
    let r = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "unmapped_state")
        .unwrap()
        .clone();
    assert_eq!(r["suppressions"][0]["kind"], "external");
}

// --- JUnit -------------------------------------------------------------------------------------

#[test]
fn junit_parses_and_counts_failures() {
    use quick_xml::events::Event;
    let o = broken_job_as("junit");
    assert_eq!(code(&o), 1);
    let xml = stdout(&o);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures, mut declared) = (0usize, 0usize, None);
    let mut failing_names = Vec::new();
    let mut current = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == name.as_bytes())
                        .map(|a| a.unescape_value().unwrap().into_owned())
                };
                match e.name().as_ref() {
                    b"testsuite" => {
                        declared = Some((
                            attr("tests").unwrap().parse::<usize>().unwrap(),
                            attr("failures").unwrap().parse::<usize>().unwrap(),
                        ))
                    }
                    b"testcase" => {
                        cases += 1;
                        current = attr("name").unwrap();
                    }
                    b"failure" => {
                        failures += 1;
                        failing_names.push(current.clone());
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(declared, Some((cases, failures)));
    assert_eq!(failures, 1);
    assert!(
        failing_names[0].starts_with("unmapped_state: "),
        "{failing_names:?}"
    );
    assert!(cases >= flinspect::check::RULES.len());
}

// --- GitHub, Markdown, human goldens -----------------------------------------------------------

#[test]
fn github_annotations() {
    let o = broken_job_as("github");
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "::error file={BROKEN_JOB},title=flinspect unmapped_state::"
        )),
        "{first}"
    );
    // One annotation per finding, each on one line (newlines escaped), then the verdict.
    let annotations = out.lines().filter(|l| l.starts_with("::")).count();
    let v: serde_json::Value = serde_json::from_str(&stdout(&flinspect(&[
        "check",
        &snapshot(),
        "--job",
        BROKEN_JOB,
        "--json",
    ])))
    .unwrap();
    assert_eq!(annotations, v["findings"].as_array().unwrap().len());
    assert!(out
        .lines()
        .last()
        .unwrap()
        .starts_with("verdict: incompatible"));
    golden("keyed-removed.github.txt", &out);
}

#[test]
fn human_and_markdown_goldens() {
    let o = flinspect(&["check", &snapshot(), "--job", BROKEN_JOB]);
    let out = stdout(&o);
    assert!(out
        .lines()
        .last()
        .unwrap()
        .starts_with("verdict: incompatible"));
    golden("keyed-removed.txt", &out);
    let o = flinspect(&["check", &snapshot(), "--job", OK_JOB]);
    golden("unchanged.txt", &stdout(&o));
    let o = flinspect(&[
        "check",
        &snapshot(),
        "--job",
        BROKEN_JOB,
        "--allow-non-restored-state",
    ]);
    golden("keyed-removed-allow.txt", &stdout(&o));
    let o = broken_job_as("markdown");
    let md = stdout(&o);
    assert!(
        md.starts_with("## flinspect check: ❌ incompatible"),
        "{md}"
    );
    golden("keyed-removed.md", &md);
}

#[test]
fn rules_command() {
    let o = flinspect(&["rules"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    for r in flinspect::check::RULES {
        assert!(out.contains(r.info.id), "{} not listed", r.info.id);
    }
    let o = flinspect(&["rules", "explain", "max_parallelism_changed"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("Max parallelism mismatch"));
    assert!(stdout(&o).contains("Fix:"));
    let o = flinspect(&["rules", "explain", "no_such_rule"]);
    assert_eq!(code(&o), 2);
    let o = flinspect(&["rules", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), flinspect::check::RULES.len());
    let o = flinspect(&["check", "--help"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("Examples:"));
    assert!(stdout(&o).contains("--against"));
}

/// "unknown" is "could not judge" (exit 3), never a pass, and not "could not read" (exit 2): a
/// RocksDB checkpoint (backend-specific layout) against a job file that does not say which
/// backend the new job uses.
#[test]
fn unknown_verdict_exits_3() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/restore/flink-2.3.0/cases/unchanged-rocksdb-checkpoint");
    let outcome: serde_json::Value =
        serde_json::from_slice(&std::fs::read(case.join("outcome.json")).unwrap()).unwrap();
    let snapshot_dir = case
        .join("../..")
        .join(outcome["snapshot"].as_str().unwrap());
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snapshot_dir.join("snapshot.json")).unwrap())
            .unwrap();
    let snapshot = snapshot_dir.join(info["metadata_dir"].as_str().unwrap());
    let job = std::fs::read_to_string(case.join("job.yaml")).unwrap();
    let without_backend: String = job
        .lines()
        .filter(|l| !l.starts_with("state-backend:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(
        job.len(),
        without_backend.len(),
        "job.yaml names its backend"
    );
    let dir = tempfile::tempdir().unwrap();
    let job_path = dir.path().join("job.yaml");
    std::fs::write(&job_path, without_backend).unwrap();
    let run = |job: &Path| {
        Command::new(env!("CARGO_BIN_EXE_flinspect"))
            .arg("check")
            .arg(&snapshot)
            .arg("--job")
            .arg(job)
            .arg("--json")
            .output()
            .unwrap()
    };
    let o = run(&job_path);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["verdict"], "unknown", "{doc}");
    assert_eq!(o.status.code(), Some(3));
    // With the backend stated, the same check is decided and passes.
    let o = run(&case.join("job.yaml"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

// --- failed runs in every format ----------------------------------------------------------------

/// A run that cannot finish (an unreadable snapshot, a job file that is a snapshot) still prints a
/// valid document in every machine format, naming the cause; the exit status is 2.
#[test]
fn every_machine_format_prints_a_valid_document_when_the_run_fails() {
    use quick_xml::events::Event;
    let dir = tempfile::tempdir().unwrap();
    let corrupt = tmp_job(&dir, "_metadata", "not a snapshot at all");
    let s = snapshot();
    let cases: [(Vec<&str>, &str); 3] = [
        (vec!["check", &corrupt, "--job", OK_JOB], "magic number"),
        // A snapshot given as the job file.
        (
            vec!["check", &s, "--job", &s],
            "looks like a Flink snapshot",
        ),
        (
            vec!["check", &s, "--job", "no/such/job.yaml"],
            "cannot read",
        ),
    ];
    for (args, cause) in &cases {
        for format in ["json", "sarif", "junit", "github", "markdown"] {
            let mut a = args.clone();
            a.extend_from_slice(&["--format", format]);
            let o = flinspect(&a);
            assert_eq!(code(&o), 2, "{format} {args:?}");
            assert!(stderr(&o).contains(cause), "{format}: {}", stderr(&o));
            let out = stdout(&o);
            assert!(out.contains(cause), "{format} carries the cause: {out}");
            match format {
                "json" => {
                    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                    assert_eq!(v["schema_version"], 1);
                    assert!(v["error"]["message"].as_str().unwrap().contains(cause));
                    assert!(v.get("verdict").is_none(), "nothing was judged: {v}");
                }
                "sarif" => {
                    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                    validate_sarif(&v);
                    let inv = &v["runs"][0]["invocations"][0];
                    assert_eq!(inv["executionSuccessful"], false);
                    let n = &inv["toolExecutionNotifications"][0];
                    assert_eq!(n["level"], "error");
                    assert!(n["message"]["text"].as_str().unwrap().contains(cause));
                }
                "junit" => {
                    let mut r = quick_xml::Reader::from_str(&out);
                    let mut errors = 0;
                    loop {
                        match r.read_event().expect("well-formed XML") {
                            Event::Eof => break,
                            Event::Start(e) if e.name().as_ref() == b"error" => errors += 1,
                            _ => {}
                        }
                    }
                    assert_eq!(errors, 1, "{out}");
                }
                "github" => {
                    assert!(out.starts_with("::error "), "{out}");
                }
                _ => assert!(out.starts_with("## flinspect check"), "{out}"),
            }
        }
        // Human output: the error on stderr only.
        let o = flinspect(args);
        assert_eq!(code(&o), 2);
        assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    }
}

/// Every format carries the same facts of a finding: its message, Flink's message, every note
/// and the fix (the notes say how much state is lost).
#[test]
fn every_format_carries_every_note_flinks_message_and_the_help() {
    let o = flinspect(&["check", &snapshot(), "--job", BROKEN_JOB, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unmapped_state")
        .unwrap()
        .clone();
    let mut facts: Vec<String> = vec![
        f["message"].as_str().unwrap().into(),
        f["flink_error"].as_str().unwrap().into(),
        f["help"].as_str().unwrap().into(),
    ];
    let notes: Vec<String> = f["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert!(!notes.is_empty());
    facts.extend(notes);
    for format in ["human", "sarif", "junit", "github", "markdown"] {
        let out = stdout(&broken_job_as(format));
        // Each format escapes in its own way; compare a distinctive stretch of each fact.
        let unescape = |s: &str| {
            s.replace("\\\"", "\"")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
                .replace("%2C", ",")
                .replace("%3A", ":")
                .replace("%0A", "\n")
                .replace("%25", "%")
                .replace("\\|", "|")
        };
        let out = unescape(&out);
        for fact in &facts {
            let probe: String = fact.chars().take(60).collect();
            assert!(out.contains(&probe), "{format} lacks {probe:?}:\n{out}");
        }
    }
}

/// A job that Flink will not start (parallelism 129 above an explicit max parallelism 128) is a
/// finding with exit 1 in every format, not an unreadable job file (exit 2).
#[test]
fn a_job_flink_will_not_start_is_a_finding_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(OK_JOB))
        .unwrap()
        .replace(
            "parallelism: 2\n",
            "parallelism: 129\nmax-parallelism: 128\n",
        );
    let job = tmp_job(&dir, "job.yaml", &text);
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        let o = flinspect(&["check", &snapshot(), "--job", &job, "--format", format]);
        assert_eq!(code(&o), 1, "{format}: {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("job_setting_rejected"), "{format}");
        assert!(
            stdout(&o).contains("is higher than the max parallelism (128)"),
            "{format}: {}",
            stdout(&o)
        );
    }
}

/// The reproduction: a savepoint copy with one state file deleted was "compatible". It
/// is now incompatible with state_files_missing; a copy of _metadata alone says the files were
/// not checked.
#[test]
fn a_savepoint_copy_missing_a_state_file_is_incompatible() {
    let src = root().join(snapshot());
    let (_tmp, copy, victim) = savepoint_copy_without_one_file(&src);
    let shown = copy.parent().unwrap().display().to_string();
    let o = flinspect(&["check", &shown, "--job", OK_JOB]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("state_files_missing"), "{}", stdout(&o));
    assert!(stdout(&o).contains(&victim), "{}", stdout(&o));

    let alone = tempfile::tempdir().unwrap();
    std::fs::copy(src, alone.path().join("_metadata")).unwrap();
    let o = flinspect(&[
        "check",
        &alone.path().display().to_string(),
        "--job",
        OK_JOB,
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("only _metadata copied"),
        "{}",
        stdout(&o)
    );
}

/// One job-wide cause is one finding: a job-wide max parallelism that differs from every
/// operator's is reported once with the operators it affects, not once per operator.
#[test]
fn a_job_wide_change_is_one_finding_with_its_operators() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(OK_JOB))
        .unwrap()
        .replace("parallelism: 2\n", "parallelism: 2\nmax-parallelism: 256\n");
    let job = tmp_job(&dir, "job.yaml", &text);
    let o = flinspect(&["check", &snapshot(), "--job", &job, "--json"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let f: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "max_parallelism_changed")
        .collect();
    assert_eq!(f.len(), 1, "{f:#?}");
    let ops = f[0]["operators"].as_array().unwrap();
    assert!(ops.len() >= 5, "{ops:?}");
    assert!(f[0]["operator_id"].is_null());
    assert!(f[0]["message"].as_str().unwrap().contains("job-wide"));
    assert!(f[0]["notes"][0].as_str().unwrap().starts_with("affects "));
    let o = flinspect(&["check", &snapshot(), "--job", &job]);
    let text = stdout(&o);
    assert_eq!(
        text.matches("error[max_parallelism_changed]").count(),
        1,
        "{text}"
    );
}

/// SARIF and GitHub annotations point at the job file, at the operator's line, and name the
/// snapshot relative to the working directory when it is inside it.
#[test]
fn locations_point_at_the_job_files_line_and_a_relative_snapshot() {
    let abs = root().join(snapshot()).display().to_string();
    let o = flinspect(&["check", &abs, "--job", BROKEN_JOB, "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    validate_sarif(&v);
    let results = v["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "missing_uid")
        .unwrap();
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], BROKEN_JOB);
    // `- uid-hash: d87b…` of no-uid-map is line 17 of the job file.
    assert_eq!(loc["region"]["startLine"], 17);
    let snap = r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(snap.starts_with("testdata/"), "{snap}");
    let o = flinspect(&["check", &abs, "--job", BROKEN_JOB, "--format", "github"]);
    assert!(
        stdout(&o).contains(&format!("file={BROKEN_JOB},line=17,")),
        "{}",
        stdout(&o)
    );
}

/// Colour in human output only when asked (or on a terminal without NO_COLOR); never in the
/// machine formats.
#[test]
fn colour_is_for_people_only() {
    let o = flinspect(&[
        "check",
        &snapshot(),
        "--job",
        BROKEN_JOB,
        "--color",
        "always",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("\x1b[31merror[unmapped_state]\x1b[0m"),
        "{text}"
    );
    assert!(text.contains("\x1b[31mverdict: incompatible"), "{text}");
    // The default (auto) on a pipe, and NO_COLOR with auto: plain.
    let o = flinspect(&["check", &snapshot(), "--job", BROKEN_JOB]);
    assert!(!stdout(&o).contains('\x1b'));
    for format in ["json", "sarif", "junit", "github", "markdown"] {
        let o = flinspect(&[
            "check",
            &snapshot(),
            "--job",
            BROKEN_JOB,
            "--color",
            "always",
            "--format",
            format,
        ]);
        assert!(!stdout(&o).contains('\x1b'), "{format}");
    }
}

/// `--restore-path ha`: a removed stateless operator that a savepoint restore skips fails a
/// restore from the HA store, with Flink's message, whatever allowNonRestoredState says
/// (recorded: testdata/restore/flink-2.3.0/cases/ha-stateless-removed*).
#[test]
fn the_ha_restore_path_requires_every_operator() {
    let base = "testdata/restore/flink-2.3.0";
    let chk = format!(
        "{base}/snapshots/ha-checkpoint/checkpoints/0000000000000000000000000000f1a5/chk-2"
    );
    let job = format!("{base}/cases/ha-stateless-removed/job.yaml");
    let o = flinspect(&["check", &chk, "--job", &job]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    for extra in [&[][..], &["--allow-non-restored-state"][..]] {
        let mut args = vec!["check", &chk, "--job", &job, "--restore-path", "ha"];
        args.extend_from_slice(extra);
        let o = flinspect(&args);
        assert_eq!(code(&o), 1, "{extra:?}: {}", stdout(&o));
        assert!(
            stdout(&o)
                .contains("There is no operator for the state d0789e9215b62d82b2c539b86e82c353"),
            "{}",
            stdout(&o)
        );
    }
}
