//! `diff` of two job files against what real Flink did: for every recorded restore case under
//! `testdata/restore/flink-<version>/cases/` whose snapshot was taken by a job that the restore
//! harness also describes in a job file (the case `unchanged` for `hashmap-canonical`,
//! `unchanged-<snapshot>` for the other backend snapshots, `nouid-unchanged` for
//! `nouid-canonical`, `ha-unchanged` for the HA-store checkpoint), `flinspect diff OLD.yaml
//! NEW.yaml` predicts the restore of that kind of snapshot (`snapshot.json`: canonical or native
//! savepoint, checkpoint) and must equal Flink's outcome: restored ⇔ no error finding.
//!
//! Job files say nothing of state, so an operator whose id disappears counts as stateful: where
//! Flink restored because the vanished operator had no state, diff's error must say that its
//! statefulness was unknown (counted "conservative", never silently). The graph-vs-graph cases
//! with a snapshot recorded in the old graph are in tests/graph.rs.
//!
//! Not compared: the unaligned-checkpoint cases (`ua-*`: partitioners and in-flight data are not
//! in job files), the State Processor API cases (`spa-*`: their snapshots were rewritten, not
//! taken by a job) and `maxpar-derived` (its snapshot's job has no job file).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use flinspect::check::{Job, RestorePath, Severity, Verdict};
use flinspect::diff::{self, Side, SnapshotKind};
use serde_json::Value;

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The case whose job file is the job that took `snapshot`.
fn old_case(snapshot: &str) -> Option<String> {
    match snapshot {
        "hashmap-canonical" => Some("unchanged".into()),
        "nouid-canonical" => Some("nouid-unchanged".into()),
        "ha-checkpoint" => Some("ha-unchanged".into()),
        s if s.starts_with("spa-") || s == "unaligned-checkpoint" || s == "maxpar256" => None,
        s => Some(format!("unchanged-{s}")),
    }
}

fn same_task(graph: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_head: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for o in graph["operators"].as_array().into_iter().flatten() {
        let id = o["operator_id"].as_str().unwrap_or_default().to_string();
        let head = o["chained_into"].as_str().unwrap_or(&id).to_string();
        by_head.entry(head).or_default().insert(id);
    }
    let mut out = BTreeMap::new();
    for members in by_head.values() {
        for m in members {
            out.insert(m.clone(), members.clone());
        }
    }
    out
}

fn without_pointer(m: &str) -> String {
    const PREFIX: &str = "Failed to rollback to checkpoint/savepoint ";
    match m.strip_prefix(PREFIX) {
        Some(rest) => match rest.find(". ") {
            Some(i) => rest[i + 2..].to_string(),
            None => rest.to_string(),
        },
        None => m.to_string(),
    }
}

fn job(path: &Path) -> Job {
    Job::from_yaml(&std::fs::read_to_string(path).unwrap(), "job.yaml")
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn diff_of_job_files_agrees_with_flink_on_every_recorded_restore() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/restore");
    let mut cases: Vec<(String, PathBuf, PathBuf)> = Vec::new();
    for v in std::fs::read_dir(&base).unwrap().flatten() {
        let root = v.path();
        let Some(version) = root
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("flink-"))
            .map(String::from)
        else {
            continue;
        };
        for c in std::fs::read_dir(root.join("cases"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if c.path().join("outcome.json").is_file() {
                cases.push((version.clone(), root.clone(), c.path()));
            }
        }
    }
    cases.sort();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut messages = 0usize;
    for (version, root, dir) in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = read_json(&dir.join("outcome.json"));
        let snapshot = outcome["snapshot"]
            .as_str()
            .unwrap()
            .trim_start_matches("snapshots/")
            .to_string();
        if name.starts_with("ua-") {
            continue;
        }
        let Some(old_name) = old_case(&snapshot) else {
            continue;
        };
        let old_path = root.join("cases").join(&old_name).join("job.yaml");
        if !old_path.is_file() {
            continue;
        }
        let info = read_json(&root.join("snapshots").join(&snapshot).join("snapshot.json"));
        let kind = match (info["kind"].as_str(), info["format"].as_str()) {
            (Some("savepoint"), Some("NATIVE")) => SnapshotKind::Native,
            (Some("savepoint"), _) => SnapshotKind::Canonical,
            _ => SnapshotKind::Checkpoint,
        };
        let restored = outcome["restored"].as_bool().unwrap();
        let inconclusive = !restored
            && outcome["exception_class"].is_null()
            && outcome["phase"].as_str() == Some("restored");
        let old = Side::from_job(job(&old_path));
        let new = Side::from_job(job(&dir.join("job.yaml")));
        let options = diff::Options {
            allow_non_restored_state: outcome["allow_non_restored_state"].as_bool(),
            restore_path: match outcome["restore_path"].as_str() {
                Some("ha") => RestorePath::Ha,
                _ => RestorePath::Savepoint,
            },
            snapshot_kind: kind,
        };
        let report = diff::diff(&old, &new, &options);
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        let predicted = errors.is_empty();
        let verdict = report.verdict(Severity::Error);
        // diff may decline to decide ("unknown"), never claim "compatible" for a failure.
        let undecided = predicted && verdict == Verdict::Unknown;
        // Flink restored, diff refused only because a vanished operator's statefulness is
        // unknown (job files say nothing of state), and says so.
        let conservative = restored
            && !predicted
            && errors.iter().all(|f| {
                f.rule == "unmapped_state"
                    && f.notes
                        .iter()
                        .any(|n| n.contains("whether it holds state is unknown"))
            });
        let mut ok = predicted == restored || inconclusive || undecided || conservative;
        let mut note = String::new();
        if let (false, Some(want)) = (restored, outcome["operator_id"].as_str()) {
            let graph = read_json(&dir.join("graph.json"));
            let task = same_task(&graph);
            let accepted = task
                .get(want)
                .cloned()
                .unwrap_or_else(|| BTreeSet::from([want.to_string()]));
            let named = errors.iter().any(|f| {
                f.operator
                    .iter()
                    .chain(&f.operators)
                    .any(|o| accepted.contains(&o.id.to_hex()))
                    || (f.operator.is_none() && f.operators.is_empty())
            });
            if !named && !errors.is_empty() {
                ok = false;
                note = format!(" (Flink names {want}; no error finding names its task)");
            }
            if let (Some(message), Some("submission")) =
                (outcome["message"].as_str(), outcome["phase"].as_str())
            {
                for f in &errors {
                    let exact = f.operator.as_ref().is_some_and(|o| o.id.to_hex() == want);
                    if let (true, Some(ours)) = (exact, f.flink_error.as_deref()) {
                        if without_pointer(ours) == without_pointer(message) {
                            messages += 1;
                        } else {
                            ok = false;
                            note =
                                format!(" (message differs:\n  Flink: {message}\n  ours:  {ours})");
                        }
                    }
                }
            }
        }
        let ours = if predicted && verdict == Verdict::Unknown {
            "unknown".to_string()
        } else if predicted {
            "restores".to_string()
        } else {
            let rules: BTreeSet<&str> = errors.iter().map(|f| f.rule).collect();
            format!(
                "fails: {}",
                rules.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        let flink = if restored {
            "restored".to_string()
        } else if inconclusive {
            "running, no checkpoint".to_string()
        } else {
            format!("failed at {}", outcome["phase"].as_str().unwrap_or("?"))
        };
        let judged = if !ok {
            "DISAGREE"
        } else if conservative {
            "conservative (statefulness unknown)"
        } else if inconclusive {
            "inconclusive"
        } else if undecided {
            "undecided"
        } else {
            "agree"
        };
        rows.push((name.clone(), version.clone(), flink, ours, judged));
        if !ok {
            failures.push(format!(
                "{version}/{name}: Flink restored={restored}, diff errors={:?}{note}",
                errors
                    .iter()
                    .map(|f| (&f.rule, &f.message))
                    .collect::<Vec<_>>()
            ));
        }
    }
    for (case, v, flink, ours, judged) in &rows {
        eprintln!("{case:<45} {v:<7} {flink:<28} {ours:<50} {judged}");
    }
    let count = |w: &str| rows.iter().filter(|r| r.4 == w).count();
    eprintln!(
        "{} cases: {} agree, {} conservative (statefulness unknown), {} undecided, {} inconclusive, {} disagree; {messages} predicted Flink messages equal Flink's",
        rows.len(),
        count("agree"),
        count("conservative (statefulness unknown)"),
        count("undecided"),
        count("inconclusive"),
        count("DISAGREE")
    );
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
    assert!(rows.len() > 50, "too few cases compared: {}", rows.len());
    assert!(messages > 0);
    for required in [
        "uid-renamed",
        "nouid-shifted",
        "stateless-added",
        "maxpar-explicit-changed",
        "parallelism-above-maxpar",
        "backend-hashmap-to-rocksdb-canonical",
    ] {
        for v in ["1.20.3", "2.3.0"] {
            assert!(
                rows.iter()
                    .any(|r| r.0 == required && r.1 == v && r.4 == "agree"),
                "{v}/{required} not compared or not agreeing"
            );
        }
    }
}
