//! `check` against what real Flink did: every recorded restore case under
//! `testdata/restore/flink-<version>/cases/<case>/` (layout in testdata/generate/CONTRACT.md,
//! section "Restore ground truth") is checked with the library API, and flinspect's verdict must
//! equal Flink's outcome: restored ⇔ no error-level finding. For a failure whose message names an
//! operator, an error finding must name that operator, or an operator chained into the same task
//! (Flink names whichever operator of the failing task it meets first in a hash map, and the job
//! file does not describe chaining; the case's graph.json does).
//!
//! Two outcomes are not counted as disagreement, and are printed as such: flinspect answering
//! "unknown" (a check it cannot decide from `_metadata`, e.g. heap or RocksDB full checkpoints of
//! Flink <= 1.15 share one handle type) for a restore Flink refused, and a Flink run that reached
//! RUNNING with no exception but completed no checkpoint in time (the harness records it as not
//! restored; it says nothing about the restore).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use flinspect::check::{self, Job, Options, Severity};
use serde_json::Value;

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn find_metadata(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            find_metadata(&p, out);
        } else if p.file_name().is_some_and(|n| n == "_metadata") {
            out.push(p);
        }
    }
}

/// The `_metadata` of a case's snapshot: `details.json`'s `snapshot_metadata_dir` when present,
/// else the only `_metadata` under the snapshot directory.
fn metadata_of(root: &Path, case_dir: &Path, outcome: &Value) -> PathBuf {
    let details = case_dir.join("details.json");
    if details.is_file() {
        if let Some(d) = read_json(&details)["snapshot_metadata_dir"].as_str() {
            let p = root.join(d).join("_metadata");
            if p.is_file() {
                return p;
            }
        }
    }
    let snap = root.join(outcome["snapshot"].as_str().expect("outcome.snapshot"));
    let mut found = Vec::new();
    find_metadata(&snap, &mut found);
    assert_eq!(
        found.len(),
        1,
        "{}: expected one _metadata under {}, found {found:?}",
        case_dir.display(),
        snap.display()
    );
    found.remove(0)
}

/// Operator id → the ids of every operator in the same task, from the case's graph.json.
fn same_task(graph: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_head: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let ops = graph["operators"].as_array().cloned().unwrap_or_default();
    for o in &ops {
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

/// Flink names the snapshot by its external pointer (`file:/tmp/…/savepoint-…`, or
/// "Checkpoint Metadata"); flinspect by the path it read. Drop that part before comparing.
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

#[test]
fn check_agrees_with_flink_on_every_recorded_restore() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/restore");
    let mut cases = Vec::new();
    for v in std::fs::read_dir(&base)
        .expect("testdata/restore")
        .flatten()
    {
        let root = v.path();
        let Some(version) = root
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("flink-"))
            .map(String::from)
        else {
            continue;
        };
        let Ok(rd) = std::fs::read_dir(root.join("cases")) else {
            continue;
        };
        for c in rd.flatten() {
            if c.path().join("outcome.json").is_file() && c.path().join("job.yaml").is_file() {
                cases.push((version.clone(), root.clone(), c.path()));
            }
        }
    }
    cases.sort();
    assert!(
        !cases.is_empty(),
        "no restore cases under {}",
        base.display()
    );

    let mut rows = Vec::new();
    let mut messages_matched = 0usize;
    let mut ids_checked = 0usize;
    let mut failures = Vec::new();
    for (version, root, dir) in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = read_json(&dir.join("outcome.json"));
        let restored = outcome["restored"].as_bool().expect("outcome.restored");
        let text = std::fs::read_to_string(dir.join("job.yaml")).unwrap();
        let job = Job::from_yaml(&text, "job.yaml")
            .unwrap_or_else(|e| panic!("{}: job.yaml: {e}", dir.display()));
        // The ids flinspect derives for the job file's operators are the ids Flink computed.
        let graph_path = dir.join("graph.json");
        if graph_path.is_file() {
            let graph = read_json(&graph_path);
            for node in graph["operators"].as_array().into_iter().flatten() {
                let Some(uid) = node["uid"].as_str() else {
                    continue;
                };
                let ours = job
                    .operators
                    .iter()
                    .find(|o| o.uid.as_deref() == Some(uid))
                    .unwrap_or_else(|| panic!("{}: job.yaml lacks uid {uid}", dir.display()));
                assert_eq!(
                    Some(ours.id.to_hex().as_str()),
                    node["operator_id"].as_str(),
                    "{}: uid {uid}",
                    dir.display()
                );
                ids_checked += 1;
            }
        }
        let metadata = metadata_of(root, dir, &outcome);
        let bytes = std::fs::read(&metadata).unwrap();
        let md = flinspect::format::parse(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", metadata.display()));
        let options = Options {
            snapshot: metadata.parent().unwrap().display().to_string(),
            allow_non_restored_state: outcome["allow_non_restored_state"].as_bool(),
            // Absent: the savepoint path (-s); "ha": restored from the HA store.
            restore_path: match outcome["restore_path"].as_str() {
                Some("ha") => check::RestorePath::Ha,
                _ => check::RestorePath::Savepoint,
            },
            // As the CLI does: settle heap vs RocksDB-full from the state files.
            key_groups_layout: flinspect::probe::key_groups_layout(&md, metadata.parent().unwrap()),
            // As the CLI does: the referenced files, as scan finds them.
            state_files: flinspect::scan::snapshot_files(&metadata, &[])
                .ok()
                .map(|s| s.state_files()),
        };
        let report = check::check(&md, &job, &options);
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        let predicted_restore = errors.is_empty();
        let rules: BTreeSet<&str> = errors.iter().map(|f| f.rule).collect();
        let verdict = report.verdict(Severity::Error);
        // Flink's harness records restored=false without any failure when the job ran but no
        // checkpoint completed in time: that says nothing about the restore itself.
        let inconclusive = !restored
            && outcome["exception_class"].is_null()
            && outcome["phase"].as_str() == Some("restored");
        // flinspect may decline to decide ("unknown"), never claim "compatible" for a failure.
        let undecided = !restored && predicted_restore && verdict == check::Verdict::Unknown;
        let mut verdict_ok = predicted_restore == restored || inconclusive || undecided;
        let mut operator_note = String::new();
        if let (false, Some(want)) = (restored, outcome["operator_id"].as_str()) {
            let graph = dir.join("graph.json");
            let task = if graph.is_file() {
                same_task(&read_json(&graph))
            } else {
                BTreeMap::new()
            };
            let accepted: BTreeSet<String> = task
                .get(want)
                .cloned()
                .unwrap_or_else(|| BTreeSet::from([want.to_string()]));
            let named = errors.iter().any(|f| match &f.operator {
                Some(o) => accepted.contains(&o.id.to_hex()),
                None => true,
            });
            // Where an error finding names exactly the operator Flink names, its predicted Flink
            // message must be Flink's message (the snapshot pointer aside).
            if let Some(message) = outcome["message"].as_str() {
                for f in &errors {
                    let same_op = f.operator.as_ref().is_some_and(|o| o.id.to_hex() == want);
                    if let (true, Some(ours)) = (same_op, f.flink_error.as_deref()) {
                        if outcome["phase"] == "submission" {
                            if without_pointer(ours) != without_pointer(message) {
                                verdict_ok = false;
                                operator_note = format!(
                                    " (message differs:\n  Flink: {message}\n  ours:  {ours})"
                                );
                            } else {
                                messages_matched += 1;
                            }
                        }
                    }
                }
            }
            if !named && !errors.is_empty() {
                verdict_ok = false;
                operator_note = format!(" (Flink names {want}; no error finding names its task)");
            }
        }
        let flink = if restored {
            "restored".to_string()
        } else if inconclusive {
            "running, no checkpoint".to_string()
        } else {
            format!(
                "failed at {} ({})",
                outcome["phase"].as_str().unwrap_or("?"),
                outcome["exception_class"]
                    .as_str()
                    .unwrap_or("?")
                    .rsplit('.')
                    .next()
                    .unwrap_or("?")
            )
        };
        let ours = if predicted_restore && verdict == check::Verdict::Unknown {
            "unknown (a check could not decide)".to_string()
        } else if predicted_restore {
            "restores".to_string()
        } else {
            format!(
                "fails: {}",
                rules.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        rows.push((
            name.clone(),
            version.clone(),
            flink,
            ours,
            if !verdict_ok {
                "DISAGREE"
            } else if inconclusive {
                "inconclusive (Flink ran, no checkpoint in time)"
            } else if undecided {
                "undecided"
            } else if predicted_restore != restored {
                unreachable!()
            } else {
                "agree"
            },
        ));
        if !verdict_ok {
            failures.push(format!(
                "{version}/{name}: Flink restored={restored}, flinspect errors={:?}{operator_note}",
                errors
                    .iter()
                    .map(|f| (&f.rule, &f.message))
                    .collect::<Vec<_>>()
            ));
        }
    }
    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(4);
    eprintln!(
        "{:<w$}  {:<7}  {:<40}  {:<60}  match",
        "case", "flink", "Flink", "flinspect"
    );
    for (case, v, flink, ours, ok) in &rows {
        eprintln!("{case:<w$}  {v:<7}  {flink:<40}  {ours:<60}  {ok}");
    }
    eprintln!(
        "{} cases: {} agree, {} undecided (flinspect: unknown), {} inconclusive on Flink's side, {} disagree",
        rows.len(),
        rows.iter().filter(|r| r.4 == "agree").count(),
        rows.iter().filter(|r| r.4 == "undecided").count(),
        rows.iter().filter(|r| r.4.starts_with("inconclusive")).count(),
        rows.iter().filter(|r| r.4 == "DISAGREE").count()
    );
    eprintln!("{messages_matched} predicted Flink messages equal Flink's own");
    eprintln!("{ids_checked} operator ids derived from job.yaml uids equal Flink's (graph.json)");
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
    assert!(
        messages_matched > 0,
        "no predicted message was compared with Flink's"
    );
}
