//! Helpers shared by the `check` tests: locate fixture snapshots by what `case.json` says they
//! are, and run `check` with a job given as YAML text.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use flinspect::check::{self, Job, Options, Report};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Which snapshot of a fixture case.
#[derive(Clone, Copy, Debug)]
pub enum Which {
    /// The last retained checkpoint.
    Checkpoint,
    /// The first retained checkpoint.
    FirstCheckpoint,
    Canonical,
    Native,
}

/// The `_metadata` of `testdata/flink-<version>/<case>/`, chosen by `case.json`. Paths are
/// relative to the crate root (the tests run there).
pub fn fixture(version: &str, case: &str, which: Which) -> PathBuf {
    let dir = Path::new("testdata")
        .join(format!("flink-{version}"))
        .join(case);
    let text = std::fs::read_to_string(root().join(&dir).join("case.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let snaps = v["snapshots"].as_array().unwrap();
    let pick = |kind: &str, format: Option<&str>| {
        snaps
            .iter()
            .filter(|s| {
                s["kind"] == kind && format.is_none_or(|f| s["format"].as_str().unwrap_or("") == f)
            })
            .map(|s| s["path"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let path = match which {
        Which::Checkpoint => pick("checkpoint", None).last().cloned(),
        Which::FirstCheckpoint => pick("checkpoint", None).first().cloned(),
        Which::Canonical => pick("savepoint", Some("CANONICAL")).first().cloned(),
        Which::Native => pick("savepoint", Some("NATIVE")).first().cloned(),
    }
    .unwrap_or_else(|| panic!("{}: no {which:?} snapshot", dir.display()));
    dir.join(path).join("_metadata")
}

/// The `_metadata` of a restore-truth snapshot `testdata/restore/flink-<v>/snapshots/<name>/`.
pub fn restore_snapshot(version: &str, name: &str) -> PathBuf {
    let dir = Path::new("testdata/restore")
        .join(format!("flink-{version}"))
        .join("snapshots")
        .join(name);
    let text = std::fs::read_to_string(root().join(&dir).join("snapshot.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let m = v["metadata_dir"].as_str().unwrap();
    dir.join(m).join("_metadata")
}

pub fn data(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/data/check").join(name)).unwrap()
}

/// The fixture job (tests/data/check/fixture-job.yaml) with single-line replacements.
pub fn fixture_job(edits: &[(&str, &str)]) -> String {
    let mut s = data("fixture-job.yaml");
    for (from, to) in edits {
        assert!(s.contains(from), "fixture-job.yaml has no {from:?}");
        s = s.replacen(from, to, 1);
    }
    s
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `check` on a snapshot and a job file's text.
pub fn run(snapshot: &Path, job_yaml: &str) -> Report {
    run_with(snapshot, job_yaml, None)
}

pub fn run_with(snapshot: &Path, job_yaml: &str, allow_nrs: Option<bool>) -> Report {
    let job = Job::from_yaml(job_yaml, "job.yaml").unwrap_or_else(|e| panic!("{e}"));
    run_job(snapshot, &job, allow_nrs)
}

pub fn run_job(snapshot: &Path, job: &Job, allow_nrs: Option<bool>) -> Report {
    let bytes = read(snapshot);
    let md = flinspect::format::parse(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let options = Options {
        snapshot: snapshot.parent().unwrap().display().to_string(),
        allow_non_restored_state: allow_nrs,
        restore_path: Default::default(),
        key_groups_layout: flinspect::probe::key_groups_layout(&md, snapshot.parent().unwrap()),
        state_files: None,
    };
    check::check(&md, job, &options)
}

/// The findings of one rule.
pub fn of<'r>(r: &'r Report, rule: &str) -> Vec<&'r check::Finding> {
    r.findings.iter().filter(|f| f.rule == rule).collect()
}

/// Every `_metadata` under testdata (fixtures and restore snapshots).
pub fn all_metadata() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                if p.file_name()
                    .is_some_and(|n| n == "generate" || n == "malformed")
                {
                    continue;
                }
                walk(&p, out);
            } else if p.file_name().is_some_and(|n| n == "_metadata") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("testdata"), &mut out);
    out
}

/// A temporary copy of a savepoint directory without one of its state files (and without
/// flinspect's own `expected.json`): the temp dir (keep it alive), the copy's `_metadata`, and the
/// name of the file left out.
pub fn savepoint_copy_without_one_file(
    metadata: &Path,
) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("savepoint-copy");
    std::fs::create_dir(&dir).unwrap();
    let mut victim = None;
    for e in std::fs::read_dir(metadata.parent().unwrap())
        .unwrap()
        .flatten()
    {
        let name = e.file_name();
        if name == "expected.json" {
            continue;
        }
        if victim.is_none() && name != "_metadata" {
            victim = Some(name.to_string_lossy().into_owned());
            continue;
        }
        std::fs::copy(e.path(), dir.join(&name)).unwrap();
    }
    let victim = victim.expect("the savepoint has state files");
    (tmp, dir.join("_metadata"), victim)
}
