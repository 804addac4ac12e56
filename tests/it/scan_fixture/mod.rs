//! Copies of real Flink fixtures for the scan tests, in a temporary directory.
//!
//! `testdata/flink-<version>/<case>/` holds what a Flink job wrote plus flinspect's own test
//! files (`expected.json`, `case.json`, `graph.json`). Those are not Flink state, so the copy
//! leaves them out: `scan` reports every unreferenced file under `chk-N/` as reclaimable, and
//! test files there would read as reclaimable clutter. Absolute paths inside the metadata say
//! `file:/tmp/flinspect-fixtures/flink-<version>/<case>/…`; [`Copy::map_arg`] maps them onto
//! the copy.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flinspect::analysis::{self, FileRef};

/// Where the fixture jobs wrote their absolute paths.
pub const RECORDED_ROOT: &str = "file:/tmp/flinspect-fixtures";

/// flinspect's own test files, never Flink state.
pub const TEST_FILES: [&str; 3] = ["expected.json", "case.json", "graph.json"];

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Every `flink-<version>/<case>` with a complete fixture (its `case.json` is written last).
pub fn all_cases() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(versions) = fs::read_dir(testdata()) else {
        return out;
    };
    for v in versions.flatten() {
        let vname = v.file_name().to_string_lossy().into_owned();
        if !vname.starts_with("flink-") {
            continue;
        }
        for c in fs::read_dir(v.path()).into_iter().flatten().flatten() {
            if c.path().join("case.json").is_file() {
                out.push((vname.clone(), c.file_name().to_string_lossy().into_owned()));
            }
        }
    }
    out.sort();
    out
}

/// The case the mutation tests use: incremental RocksDB checkpoints (shared files referenced by
/// absolute path, metadata files by relative path) with savepoints beside the job directory.
pub fn incremental_case() -> (String, String) {
    let cases = all_cases();
    let pick = |v: &str| {
        cases
            .iter()
            .find(|(ver, c)| ver == v && c == "rocksdb-incremental")
            .cloned()
    };
    pick("flink-1.20.3")
        .or_else(|| {
            cases
                .iter()
                .find(|(_, c)| c == "rocksdb-incremental")
                .cloned()
        })
        .expect("testdata has a rocksdb-incremental fixture")
}

/// A temporary copy of some fixture cases.
pub struct Copy {
    pub tmp: tempfile::TempDir,
}

impl Copy {
    pub fn new(cases: &[(String, String)]) -> Copy {
        let tmp = tempfile::tempdir().expect("temp dir");
        for (v, c) in cases {
            copy_tree(&testdata().join(v).join(c), &tmp.path().join(v).join(c));
        }
        Copy { tmp }
    }

    /// The copy's root (canonical, as the scan reports paths).
    pub fn root(&self) -> PathBuf {
        fs::canonicalize(self.tmp.path()).expect("canonical temp dir")
    }

    pub fn case_dir(&self, case: &(String, String)) -> PathBuf {
        self.root().join(&case.0).join(&case.1)
    }

    /// `--map` value that sends the recorded absolute paths into this copy.
    pub fn map_arg(&self) -> String {
        format!("{RECORDED_ROOT}={}", self.root().display())
    }

    pub fn map(&self) -> flinspect::scan::PathMap {
        flinspect::scan::PathMap::new(RECORDED_ROOT, &self.root())
    }

    pub fn options(&self, threads: usize) -> flinspect::scan::Options {
        flinspect::scan::Options {
            roots: vec![self.root()],
            threads,
            maps: vec![self.map()],
            exact_paths: false,
        }
    }

    pub fn scan(&self, threads: usize) -> flinspect::scan::Report {
        flinspect::scan::scan(&self.options(threads), &Default::default()).expect("scan runs")
    }

    /// Runs the binary: `flinspect scan --map … ARGS… ROOT`.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_flinspect"))
            .arg("scan")
            .arg("--map")
            .arg(self.map_arg())
            .args(args)
            .arg(self.root())
            .output()
            .expect("run flinspect")
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for e in fs::read_dir(from).expect("read fixture dir").flatten() {
        let name = e.file_name();
        let target = to.join(&name);
        let ft = e.file_type().expect("file type");
        if ft.is_dir() {
            copy_tree(&e.path(), &target);
        } else if !TEST_FILES.iter().any(|t| name == *t) {
            fs::copy(e.path(), &target).expect("copy file");
        }
    }
}

/// All regular files under `dir`, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let ft = e.file_type().expect("file type");
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// The JobID-named directory of a case.
pub fn job_dir(case_dir: &Path) -> PathBuf {
    fs::read_dir(case_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| flinspect::scan::is_job_id(&p.file_name().unwrap().to_string_lossy()))
        .expect("a JobID-named directory")
}

/// The highest `chk-N` directory holding a `_metadata`.
pub fn newest_checkpoint(job_dir: &Path) -> PathBuf {
    fs::read_dir(job_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("_metadata").is_file())
        .filter_map(|p| {
            let n = p.file_name()?.to_str()?;
            Some((flinspect::scan::checkpoint_dir_id(n)?, p))
        })
        .max()
        .expect("a completed checkpoint")
        .1
}

/// The files a snapshot references, as (recorded absolute path or relative name, size).
pub fn references_of(chk: &Path) -> Vec<(FileRef<'static>, i64)> {
    let bytes: &'static [u8] =
        Box::leak(fs::read(chk.join("_metadata")).unwrap().into_boxed_slice());
    let md: &'static _ = Box::leak(Box::new(flinspect::format::parse(bytes).unwrap()));
    analysis::references(md)
        .into_iter()
        .map(|r| (r.file, r.size))
        .collect()
}

/// A shared file the checkpoint references by absolute path, mapped into the copy.
pub fn referenced_shared_file(copy: &Copy, chk: &Path) -> PathBuf {
    let root = copy.root();
    references_of(chk)
        .into_iter()
        .find_map(|(f, size)| match f {
            FileRef::Absolute(p) if size > 0 => {
                let s = p.to_str().into_owned();
                let rest = s.strip_prefix(RECORDED_ROOT)?;
                rest.contains("/shared/")
                    .then(|| root.join(rest.trim_start_matches('/')))
            }
            _ => None,
        })
        .expect("an absolute reference into shared/")
}
