//! flinspect never writes to its inputs: after every command, every file of the input trees has
//! the same content and modification time as before.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut out = BTreeMap::new();
    fn walk(d: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, SystemTime)>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                let m = std::fs::metadata(&p).unwrap().modified().unwrap();
                out.insert(p.clone(), (std::fs::read(&p).unwrap(), m));
            }
        }
    }
    walk(root, &mut out);
    out
}

#[test]
fn no_command_changes_its_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let case = common::testdata().join("flink-1.20.3/rocksdb-incremental");
    let root = tmp.path().join("tree");
    copy_tree(&case, &root);
    let job_yaml = tmp.path().join("job.yaml");
    std::fs::write(&job_yaml, "operators:\n  - uid: my-keyed\n").unwrap();
    let before = snapshot(tmp.path());
    assert!(before.len() > 5);

    let metadata: Vec<PathBuf> = before
        .keys()
        .filter(|p| p.ends_with("_metadata"))
        .cloned()
        .collect();
    let bin = env!("CARGO_BIN_EXE_flinspect");
    let mut runs = 0;
    for md in &metadata {
        let m = md.to_str().unwrap();
        let dir = md.parent().unwrap().to_str().unwrap();
        for args in [
            vec!["inspect", m],
            vec!["inspect", dir, "--json", "--files", "--subtasks"],
            vec![
                "inspect",
                m,
                "--lossy",
                "--uids",
                job_yaml.to_str().unwrap(),
            ],
            vec!["check", m, "--job", job_yaml.to_str().unwrap()],
            vec!["check", m, "--against", m, "--format", "sarif"],
        ] {
            let o = Command::new(bin).args(&args).output().unwrap();
            assert!(o.status.code().is_some(), "{args:?} was killed");
            runs += 1;
        }
    }
    let o = Command::new(bin)
        .args(["scan", root.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(o.status.code().is_some());
    runs += 1;

    let after = snapshot(tmp.path());
    assert_eq!(before.len(), after.len(), "files were added or removed");
    for (p, (content, mtime)) in &before {
        let (c2, m2) = &after[p];
        assert!(content == c2, "{} changed", p.display());
        assert_eq!(mtime, m2, "{} modification time changed", p.display());
    }
    assert!(runs > 10);
}
