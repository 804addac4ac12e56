//! flinspect's reading of every real fixture equals Flink's own
//! (`Checkpoints.loadCheckpointMetadata`, recorded in `expected.json` by testdata/generate/oracle).

use crate::common;

use common::*;

#[test]
fn every_fixture_matches_flinks_reading() {
    let files = all_metadata_files();
    assert!(
        !files.is_empty(),
        "no _metadata fixtures found under testdata/"
    );
    let mut failures = Vec::new();
    let mut compared = 0;
    for path in &files {
        let rel = path
            .strip_prefix(testdata())
            .unwrap_or(path)
            .display()
            .to_string();
        let expected_path = path.with_file_name("expected.json");
        let Ok(expected) = std::fs::read(&expected_path) else {
            failures.push(format!(
                "{rel}: no expected.json beside it (run the oracle)"
            ));
            continue;
        };
        let expected: serde_json::Value = match serde_json::from_slice(&expected) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{rel}: expected.json is not JSON: {e}"));
                continue;
            }
        };
        let bytes = std::fs::read(path).unwrap();
        let md = match flinspect::format::parse(&bytes) {
            Ok(md) => md,
            Err(e) => {
                failures.push(format!("{rel}: flinspect could not read it: {e}"));
                continue;
            }
        };
        if md.trailing_bytes != 0 {
            failures.push(format!(
                "{rel}: {} bytes left after the metadata",
                md.trailing_bytes
            ));
        }
        let ours = oracle_shape(&md);
        let mut diffs = Vec::new();
        compare("", &ours, &expected, &mut diffs);
        if !diffs.is_empty() {
            let shown: Vec<_> = diffs.iter().take(8).cloned().collect();
            failures.push(format!(
                "{rel}: {} differences:\n    {}",
                diffs.len(),
                shown.join("\n    ")
            ));
        }
        compared += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ from Flink:\n  {}",
        failures.len(),
        files.len(),
        failures.join("\n  ")
    );
    eprintln!("{compared} fixtures match Flink's reading");
}
