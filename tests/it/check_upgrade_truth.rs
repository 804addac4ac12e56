//! `check --flink-version` against what real Flink did when a Flink 1.20.3 savepoint was
//! restored on 2.0.1, 2.1.1 and 2.3.0 (and, as the control, on 1.20.3 itself): every case under
//! `testdata/upgrade/flink-<version>/<case>/outcome.json` (written by
//! `testdata/generate/restore/upgrade/run-upgrade.sh`; layout in `testdata/upgrade/README.md`).
//!
//! Each case restored one operator holding one state shape (uid = the shape's name) with
//! allowNonRestoredState, and read every key's old value back. flinspect checks the same
//! savepoint against the same job (its operators by uid, the case's backend and release) and
//! must agree:
//!
//! * Flink restored and read every old value correctly ⇒ no upgrade finding for that operator,
//!   and the verdict is not "incompatible";
//! * Flink failed, or restored but read wrong values ⇒ the verdict is never "compatible", and an
//!   error finding of an upgrade rule names the operator, the state and its serializer path; for
//!   a failure, the finding quotes Flink's recorded exception message.
//!
//! The table (`cargo test --test it check_upgrade_truth -- --nocapture`) is the measured matrix.

use std::path::{Path, PathBuf};

use flinspect::check::{self, Job, Options, Severity, Verdict};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/upgrade")
}

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The `_metadata` of a snapshot directory under testdata/upgrade/snapshots.
fn metadata(snapshot: &str) -> PathBuf {
    let dir = root().join(snapshot);
    let info = read_json(&dir.join("snapshot.json"));
    dir.join(info["metadata_dir"].as_str().unwrap())
        .join("_metadata")
}

/// The restore job of a case: the source, its throttle, the one shape operator and its sink.
fn job_yaml(outcome: &Value) -> String {
    let version = outcome["flink_version"].as_str().unwrap();
    let minor: Vec<&str> = version.split('.').take(2).collect();
    let shape = outcome["uid"].as_str().unwrap();
    format!(
        "flink-version: \"{}\"\nstate-backend: {}\nparallelism: 2\nallow-non-restored-state: true\noperators:\n  - uid: src\n  - uid: throttle\n  - uid: {shape}\n  - uid: sink-{shape}\n",
        minor.join("."),
        outcome["state_backend"].as_str().unwrap()
    )
}

pub struct Judged {
    pub report: check::Report,
    pub verdict: Verdict,
}

fn judge(outcome: &Value) -> Judged {
    let md_path = metadata(outcome["snapshot"].as_str().unwrap());
    let bytes = std::fs::read(&md_path).unwrap();
    let md = flinspect::format::parse(&bytes).unwrap();
    let job = Job::from_yaml(&job_yaml(outcome), "job.yaml").unwrap();
    let options = Options {
        snapshot: md_path.parent().unwrap().display().to_string(),
        state_files: flinspect::scan::snapshot_files(&md_path, &[])
            .ok()
            .map(|s| s.state_files()),
        states: check::upgrade::state_meta_for(&md, &job, &md_path),
        ..Default::default()
    };
    let report = check::check(&md, &job, &options);
    let verdict = report.verdict(Severity::Error);
    Judged { report, verdict }
}

/// `Foo@1a2b3c` and `Foo@…` → `Foo@…`.
fn without_identities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '@' {
            out.push('…');
            while chars
                .peek()
                .is_some_and(|d| d.is_ascii_hexdigit() || *d == '…')
            {
                chars.next();
            }
        }
    }
    out
}

fn cases() -> Vec<(String, PathBuf, Value)> {
    let mut out = Vec::new();
    for v in std::fs::read_dir(root()).unwrap().flatten() {
        let name = v.file_name().to_string_lossy().into_owned();
        if !name.starts_with("flink-") {
            continue;
        }
        for c in std::fs::read_dir(v.path()).unwrap().flatten() {
            let o = c.path().join("outcome.json");
            if o.is_file() {
                out.push((
                    format!("{}/{}", &name[6..], c.file_name().to_string_lossy()),
                    c.path(),
                    read_json(&o),
                ));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn upgrade_rules_equal_every_recorded_cross_version_restore() {
    let cases = cases();
    assert!(cases.len() >= 60, "too few recorded cases: {}", cases.len());
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut messages_matched = 0;
    let (mut flagged, mut clean, mut undecided) = (0, 0, 0);
    for (name, _dir, outcome) in &cases {
        let shape = outcome["uid"].as_str().unwrap();
        let shape_id = flinspect::model::OperatorId::from_uid(shape);
        let ok = outcome["restored"].as_bool() == Some(true)
            && outcome["reads_correctly"].as_bool() == Some(true);
        let j = judge(outcome);
        let upgrade: Vec<&check::Finding> = j
            .report
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("upgrade_"))
            .collect();
        let on_shape: Vec<&&check::Finding> = upgrade
            .iter()
            .filter(|f| f.operator.as_ref().is_some_and(|o| o.id == shape_id))
            .collect();
        let flink = if ok {
            "restored, reads correctly".to_string()
        } else if outcome["restored"].as_bool() == Some(true) {
            "restored, reads WRONG values".to_string()
        } else {
            format!(
                "FAILED at {}: {}",
                outcome["phase"].as_str().unwrap_or("?"),
                outcome["exception_class"]
                    .as_str()
                    .unwrap_or("?")
                    .rsplit('.')
                    .next()
                    .unwrap_or("?")
            )
        };
        let ours = match j.verdict {
            Verdict::Compatible => "compatible".to_string(),
            Verdict::Unknown => "unknown".to_string(),
            Verdict::Incompatible => format!(
                "incompatible: {}",
                j.report
                    .blocking(Severity::Error)
                    .map(|f| f.rule)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut agree = true;
        let mut why = String::new();
        if ok {
            // No finding for state that restores and reads correctly.
            if !upgrade.is_empty() || j.verdict == Verdict::Incompatible {
                agree = false;
                why = format!(
                    "Flink read the state correctly, flinspect: {:?}",
                    j.report
                        .findings
                        .iter()
                        .map(|f| (&f.rule, &f.message))
                        .collect::<Vec<_>>()
                );
            }
            if j.verdict == Verdict::Compatible {
                clean += 1;
            } else {
                undecided += 1;
            }
        } else {
            if j.verdict == Verdict::Compatible {
                agree = false;
                why = "Flink failed or read wrong values, flinspect says compatible".into();
            }
            let errors: Vec<_> = on_shape
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            if errors.is_empty() {
                if j.verdict == Verdict::Unknown {
                    undecided += 1;
                } else {
                    agree = false;
                    why = format!("no upgrade error names operator {shape}");
                }
            } else {
                flagged += 1;
                let state = outcome["state"].as_str().unwrap();
                for f in &errors {
                    if !f.message.contains(&format!("{state:?}")) || !f.message.contains(" › ") {
                        agree = false;
                        why = format!(
                            "the finding does not name state {state:?} and its serializer path: {}",
                            f.message
                        );
                    }
                }
                // A failure's finding quotes Flink's recorded message; a wrong read's says so.
                match (outcome["restored"].as_bool(), outcome["message"].as_str()) {
                    (Some(false), Some(message)) => {
                        // Java object identities (`PojoSerializer@f3357eab`) differ per run.
                        let message = without_identities(message);
                        if errors.iter().any(|f| {
                            f.flink_error
                                .as_deref()
                                .is_some_and(|m| without_identities(m).contains(&message))
                                || f.notes
                                    .iter()
                                    .any(|n| without_identities(n).contains(&message))
                        }) {
                            messages_matched += 1;
                        } else {
                            agree = false;
                            why = format!(
                                "Flink's message {message:?} is not quoted by {:?}",
                                errors.iter().map(|f| &f.flink_error).collect::<Vec<_>>()
                            );
                        }
                    }
                    _ => {
                        if !errors
                            .iter()
                            .any(|f| f.message.contains("wrong") || f.message.contains("silently"))
                        {
                            agree = false;
                            why = "a wrong read is not called one".into();
                        }
                    }
                }
            }
        }
        if !agree {
            failures.push(format!("{name}: {why}"));
        }
        rows.push((
            name.clone(),
            flink,
            ours,
            if agree { "agree" } else { "DISAGREE" },
        ));
    }
    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(4);
    eprintln!(
        "{:<w$}  {:<44}  {:<50}  match",
        "case", "Flink", "flinspect"
    );
    for (case, flink, ours, m) in &rows {
        eprintln!("{case:<w$}  {flink:<44}  {ours:<50}  {m}");
    }
    eprintln!(
        "{} cases: {flagged} failures/wrong reads flagged by an upgrade rule, {clean} correct reads judged compatible, {undecided} unknown, {} disagree; {messages_matched} recorded Flink messages quoted",
        rows.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
    assert!(flagged > 0 && clean > 0, "the matrix exercises both sides");
}

/// The same-release control: every shape restores and reads correctly on 1.20.3 itself, and the
/// upgrade rules stay silent there (no upgrade without a major release change).
#[test]
fn the_control_restores_on_the_release_that_wrote_the_savepoint() {
    let controls: Vec<_> = cases()
        .into_iter()
        .filter(|(n, _, _)| n.starts_with("1.20.3/"))
        .collect();
    assert!(!controls.is_empty(), "no 1.20.3 control cases recorded");
    for (name, _, outcome) in controls {
        assert_eq!(outcome["restored"], true, "{name}");
        assert_eq!(outcome["reads_correctly"], true, "{name}");
        let j = judge(&outcome);
        assert!(
            j.report
                .findings
                .iter()
                .all(|f| !f.rule.starts_with("upgrade_")),
            "{name}"
        );
        assert_eq!(j.verdict, Verdict::Compatible, "{name}: {:#?}", j.report);
    }
}
