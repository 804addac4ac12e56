//! Golden tests of `inspect` output (human, `--subtasks --files`, and `--json`) on a few real
//! fixtures. Refresh after an intended change with `FLINSPECT_BLESS=1 cargo test --test golden`
//! and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (golden name, fixture case directory, snapshot kind/format from case.json, extra args)
const CASES: &[(&str, &str, &str, &[&str])] = &[
    (
        "1.20.3-hashmap-canonical",
        "flink-1.20.3/hashmap",
        "CANONICAL",
        &["--subtasks"],
    ),
    (
        "1.20.3-rocksdb-incremental-checkpoint",
        "flink-1.20.3/rocksdb-incremental",
        "checkpoint",
        &["--subtasks", "--files"],
    ),
    (
        "2.1.1-rocksdb-full-native",
        "flink-2.1.1/rocksdb-full",
        "NATIVE",
        &["--uid", "my-keyed"],
    ),
    (
        "2.1.1-p3-canonical",
        "flink-2.1.1/p3",
        "CANONICAL",
        &["--subtasks"],
    ),
    (
        "1.20.3-unaligned-checkpoint",
        "flink-1.20.3/unaligned",
        "checkpoint",
        &["--subtasks"],
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The snapshot of a case with the given format (or the newest checkpoint), from its case.json.
fn pick(case: &str, want: &str) -> Option<String> {
    let case_dir = Path::new("testdata").join(case);
    let text = std::fs::read(root().join(&case_dir).join("case.json")).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let snaps = v["snapshots"].as_array()?;
    let hit = snaps.iter().rev().find(|s| {
        if want == "checkpoint" {
            s["kind"] == "checkpoint"
        } else {
            s["format"] == want
        }
    })?;
    Some(
        case_dir
            .join(hit["path"].as_str()?)
            .join("_metadata")
            .to_string_lossy()
            .into_owned(),
    )
}

fn run(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn check(name: &str, actual: &str) -> Option<String> {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("FLINSPECT_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => None,
        Ok(expected) => {
            let first = expected
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            Some(format!(
                "{name}: output differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n(FLINSPECT_BLESS=1 to refresh)",
                first + 1,
                expected.lines().nth(first).unwrap_or(""),
                actual.lines().nth(first).unwrap_or("")
            ))
        }
        Err(_) => Some(format!(
            "{name}: no golden file (FLINSPECT_BLESS=1 to create it)"
        )),
    }
}

#[test]
fn inspect_output_matches_golden_files() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, case, want, extra) in CASES {
        let Some(path) = pick(case, want) else {
            failures.push(format!("{name}: fixture {case} ({want}) not found"));
            continue;
        };
        let mut args = vec!["inspect", path.as_str()];
        args.extend_from_slice(extra);
        failures.extend(check(&format!("{name}.txt"), &run(&args)));
        let mut jargs = vec!["inspect", path.as_str(), "--json"];
        jargs.extend_from_slice(extra);
        failures.extend(check(&format!("{name}.json"), &run(&jargs)));
        ran += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(ran, CASES.len());
}
