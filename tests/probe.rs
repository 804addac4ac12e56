//! The state-file probe tells heap from RocksDB-full key-group files in every real Flink <= 1.15
//! snapshot whose handles alone cannot (codes 3/12), agreeing with the backend the generator ran.

mod common;

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
