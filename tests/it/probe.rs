//! The state-file probe tells heap from RocksDB-full key-group files in every real Flink <= 1.15
//! snapshot whose handles alone cannot (codes 3/12), agreeing with the backend the generator ran.

use crate::common;

use flinspect::analysis::KeyedLayout;
use flinspect::model::KeyedHandle;

#[test]
fn probe_agrees_with_the_backend_that_wrote_every_v3_fixture() {
    let mut checked = 0;
    for path in common::all_metadata_files() {
        let Some(case_dir) = path.ancestors().find(|a| a.join("case.json").is_file()) else {
            continue;
        };
        let case: serde_json::Value =
            serde_json::from_slice(&std::fs::read(case_dir.join("case.json")).unwrap()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let md = flinspect::format::parse(&bytes).unwrap();
        let ambiguous = md
            .operators
            .iter()
            .flat_map(|o| o.keyed_handles())
            .any(|h| matches!(h, KeyedHandle::KeyGroups { .. }));
        let probed = flinspect::probe::key_groups_layout(&md, path.parent().unwrap());
        if md.version.0 > 3 || !ambiguous {
            assert!(probed.is_none(), "{}: nothing to probe", path.display());
            continue;
        }
        let expected = match case["backend"].as_str().unwrap() {
            "hashmap" => KeyedLayout::Heap,
            "rocksdb" => KeyedLayout::RocksDbFull,
            other => panic!(
                "{}: unexpected backend {other} with code 3/12 handles",
                path.display()
            ),
        };
        let probed = probed.unwrap_or_else(|| panic!("{}: probe could not decide", path.display()));
        assert_eq!(
            probed.value,
            expected,
            "{}: {:?}",
            path.display(),
            probed.evidence
        );
        checked += 1;
    }
    assert!(
        checked >= 10,
        "only {checked} ambiguous V3 snapshots probed"
    );
    eprintln!("probe agreed with the writing backend on {checked} snapshots");
}

#[test]
fn inspect_reports_the_probed_backend() {
    let dir = common::testdata().join("flink-1.13.6/rocksdb-full");
    let chk = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .flat_map(|j| {
            std::fs::read_dir(j)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
        })
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("chk-"))
        })
        .expect("a 1.13.6 RocksDB full checkpoint");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .arg("inspect")
        .arg(&chk)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("backend     rocksdb (inferred:")
            && text.contains("RocksDB full-snapshot layout"),
        "{text}"
    );
}

/// Probing operators elsewhere (`Prober::record`, as the two-thread decode does) and absorbing
/// the records in order gives what adding the operators in order gives, also when the files
/// cannot be read (a wrong snapshot directory).
#[test]
fn recorded_probes_absorbed_in_order_equal_probes_added_in_order() {
    let mut compared = 0;
    for path in common::all_metadata_files() {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(md) = flinspect::format::parse(&bytes) else {
            continue;
        };
        if md.version.0 > 3 {
            continue;
        }
        let elsewhere = std::env::temp_dir();
        for dir in [path.parent().unwrap(), elsewhere.as_path()] {
            let mut added = flinspect::probe::Prober::new(md.version, dir);
            let recorder = flinspect::probe::Prober::new(md.version, dir);
            let mut absorbed = flinspect::probe::Prober::new(md.version, dir);
            for op in &md.operators {
                added.add(op);
                absorbed.absorb(recorder.record(op, absorbed.budget()));
            }
            assert_eq!(
                format!("{:?}", added.finish()),
                format!("{:?}", absorbed.finish()),
                "{} probed in {}",
                path.display(),
                dir.display()
            );
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} V3 snapshots compared");
}

/// A key-group file replaced by a named pipe (a damaged or hostile snapshot) makes the probe
/// give up on that snapshot instead of blocking in `open`, which a pipe with no writer does.
#[cfg(unix)]
#[test]
fn a_named_pipe_where_a_state_file_should_be_is_not_opened() {
    use flinspect::model::StreamHandle;
    let found = common::all_metadata_files().into_iter().find_map(|path| {
        let bytes = std::fs::read(&path).unwrap();
        let md = flinspect::format::parse(&bytes).ok()?;
        if md.version.0 > 3 {
            return None;
        }
        let name = md
            .operators
            .iter()
            .flat_map(|o| o.keyed_handles())
            .find_map(|h| {
                let KeyedHandle::KeyGroups { handle, .. } = h else {
                    return None;
                };
                match handle.delegate.innermost() {
                    StreamHandle::RelativeFile { relative_path, .. } => {
                        Some(relative_path.to_str().into_owned())
                    }
                    _ => None,
                }
            })?;
        Some((path, name))
    });
    let (path, name) = found.expect("a V3 fixture with a relative key-groups file");
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(path.parent().unwrap()).unwrap().flatten() {
        if e.file_name().to_string_lossy() != name {
            std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
        }
    }
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join(&name))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let bytes = std::fs::read(dir.path().join("_metadata")).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let probe_dir = dir.path().to_path_buf();
    std::thread::spawn(move || {
        let md = flinspect::format::parse(&bytes).unwrap();
        tx.send(format!(
            "{:?}",
            flinspect::probe::key_groups_layout(&md, &probe_dir)
        ))
        .unwrap();
    });
    let probed = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the probe returned instead of blocking on the pipe");
    assert_eq!(probed, "None");
}
