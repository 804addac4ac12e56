//! `flinspect diff` as a command: its inputs (graph documents, job files, a snapshot as OLD),
//! exit codes, error documents, allow-lists and the reasons it gives, on the restore harness's
//! job files and snapshots (the graph documents of real jobs are exercised in tests/graph.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn cases() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/restore/flink-2.3.0/cases")
}

fn case(name: &str) -> String {
    cases().join(name).join("job.yaml").display().to_string()
}

fn flinspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(args)
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// The savepoint the harness's job v1 took, whose restore cases these job files are.
fn v1_savepoint() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/restore/flink-2.3.0/snapshots/hashmap-canonical");
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("snapshot.json")).unwrap()).unwrap();
    dir.join(info["metadata_dir"].as_str().unwrap())
        .display()
        .to_string()
}

#[test]
fn a_snapshot_as_old_is_check() {
    let sp = v1_savepoint();
    for new in [
        "uid-renamed",
        "unchanged",
        "stateful-removed",
        "rescaled-up",
    ] {
        let by_diff = flinspect(&["diff", &sp, &case(new), "--json"]);
        let by_check = flinspect(&["check", &sp, "--job", &case(new), "--json"]);
        assert_eq!(by_diff.status.code(), by_check.status.code(), "{new}");
        let d = json(&by_diff);
        let c = json(&by_check);
        assert_eq!(d["old"]["kind"], "snapshot");
        assert_eq!(d["snapshot_kind"], "snapshot");
        assert_eq!(d["old"]["checkpoint_id"], c["snapshot"]["checkpoint_id"]);
        assert_eq!(d["findings"], c["findings"], "{new}");
        assert_eq!(d["verdict"], c["verdict"], "{new}");
    }
}

#[test]
fn reasons_and_pins() {
    let v1 = case("unchanged");
    let o = flinspect(&["diff", &v1, &case("uid-renamed"), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let d = json(&o);
    let f = &d["findings"][0];
    assert_eq!(f["rule"], "unmapped_state");
    assert_eq!(f["operator_id"], "e7beec23fd9f6ed5e1b8395129d43728");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("uid renamed: \"keyed\" -> \"keyed-v2\""));
    assert!(f["help"]
        .as_str()
        .unwrap()
        .contains("setUidHash(\"e7beec23fd9f6ed5e1b8395129d43728\")"));
    assert!(f["flink_error"].as_str().unwrap().contains(
        "Cannot map checkpoint/savepoint state for operator e7beec23fd9f6ed5e1b8395129d43728"
    ));

    let d = json(&flinspect(&[
        "diff",
        &v1,
        &case("keyed-uid-removed"),
        "--json",
    ]));
    assert!(
        d["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("uid removed: \"keyed\" is gone"),
        "{d}"
    );

    let d = json(&flinspect(&[
        "diff",
        &v1,
        &case("stateful-removed"),
        "--json",
    ]));
    let f = &d["findings"][0];
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("operator removed: the new job has no operator with uid \"op-state\""),
        "{d}"
    );
    // Job files say nothing of state: it counts as stateful, and says so.
    assert!(f["notes"].as_array().unwrap().iter().any(|n| n
        .as_str()
        .unwrap()
        .contains("whether it holds state is unknown")));

    // The generated id of a uid-less operator moved: named, with the setUidHash that pins it.
    let d = json(&flinspect(&[
        "diff",
        &case("nouid-unchanged"),
        &case("nouid-shifted"),
        "--json",
    ]));
    let f = &d["findings"][0];
    assert_eq!(f["rule"], "unmapped_state");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("auto-generated id shifted"),
        "{d}"
    );
    assert!(
        f["help"]
            .as_str()
            .unwrap()
            .contains("setUidHash(\"b682b151ac85f93b7544ad379aa8edf6\")"),
        "{d}"
    );
    // ... and pinned, it restores.
    let o = flinspect(&["diff", &case("nouid-unchanged"), &case("nouid-pinned")]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn max_parallelism_and_backend() {
    let v1 = case("unchanged");
    let d = json(&flinspect(&[
        "diff",
        &v1,
        &case("maxpar-explicit-changed"),
        "--json",
    ]));
    assert_eq!(d["verdict"], "incompatible");
    let f = &d["findings"][0];
    assert_eq!(f["rule"], "max_parallelism_changed");
    assert_eq!(
        f["operators"].as_array().unwrap().len(),
        5,
        "one job-wide cause, one finding"
    );
    let d = json(&flinspect(&[
        "diff",
        &v1,
        &case("parallelism-above-maxpar"),
        "--json",
    ]));
    let f = &d["findings"][0];
    assert_eq!(f["rule"], "parallelism_above_max_parallelism");
    assert!(f["flink_error"].as_str().unwrap().contains("The maximum parallelism (128) of the restored state is lower than the configured parallelism (130)"));
    let d = json(&flinspect(&["diff", &v1, &case("rescaled-up"), "--json"]));
    assert_eq!(d["verdict"], "compatible");

    // hashmap -> RocksDB: a canonical savepoint moves, a native one and a checkpoint do not.
    let rocks = case("backend-hashmap-to-rocksdb-canonical");
    let d = json(&flinspect(&["diff", &v1, &rocks, "--json"]));
    assert_eq!(d["verdict"], "compatible");
    assert_eq!(d["findings"][0]["rule"], "state_backend_portable");
    for kind in ["native", "checkpoint"] {
        let o = flinspect(&["diff", &v1, &rocks, "--json", "--snapshot-kind", kind]);
        assert_eq!(o.status.code(), Some(1), "{kind}");
        assert_eq!(json(&o)["findings"][0]["rule"], "state_backend_mismatch");
    }
    // A job file without a backend cannot say: unknown for a checkpoint.
    let tmp = tempfile::tempdir().unwrap();
    let no_backend = tmp.path().join("job.yaml");
    let text: String = std::fs::read_to_string(&rocks)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("state-backend"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&no_backend, text).unwrap();
    let o = flinspect(&[
        "diff",
        &v1,
        no_backend.to_str().unwrap(),
        "--snapshot-kind",
        "checkpoint",
    ]);
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn allow_lists_ha_and_errors() {
    let v1 = case("unchanged");
    let renamed = case("uid-renamed");
    // With allowNonRestoredState the state is dropped: a warning, which an allow-list accepts.
    let tmp = tempfile::tempdir().unwrap();
    let allow = tmp.path().join("allow.yaml");
    std::fs::write(
        &allow,
        "- rule: unmapped_state\n  operator: keyed\n  reason: rebuilt from the source\n",
    )
    .unwrap();
    let o = flinspect(&[
        "diff",
        &v1,
        &renamed,
        "--allow-non-restored-state",
        "--fail-on",
        "warning",
        "--json",
        "--allow",
        allow.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        json(&o)["findings"][0]["allowed"],
        "rebuilt from the source"
    );
    // Without the flag the allow-list does not make a failure pass.
    let o = flinspect(&["diff", &v1, &renamed, "--allow", allow.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    // From the HA store, even a stateless operator must stay.
    let o = flinspect(&[
        "diff",
        &v1,
        &case("stateless-uid-removed"),
        "--restore-path",
        "ha",
        "--allow-non-restored-state",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(json(&o)["findings"][0]["flink_error"]
        .as_str()
        .unwrap()
        .starts_with("There is no operator for the state"));
    // Unreadable inputs: exit 2, and a document of the format asked for.
    for format in ["json", "sarif", "junit", "github", "markdown"] {
        let o = flinspect(&["diff", "no/such/lock.json", &renamed, "--format", format]);
        assert_eq!(o.status.code(), Some(2), "{format}");
        assert!(!o.stdout.is_empty(), "{format}");
    }
    let o = flinspect(&["diff", &v1, "no/such/new.json", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(json(&o)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no/such/new.json"));
    let garbage = tmp.path().join("new.json");
    std::fs::write(
        &garbage,
        "{\"schema_version\": 1, \"captured\": \"first_execute\"}",
    )
    .unwrap();
    let o = flinspect(&["diff", &v1, garbage.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("graph document"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = flinspect(&["diff", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("flinspect.lock.json"));
}

/// Graphs the companion wrote for the RestoreTopology example job on Flink 2.3.0 with unaligned
/// checkpoints on (tests/data/diff/): v1, and v1 with a map chained behind op-state.
fn diff_data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/diff")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn chaining_and_checkpoint_settings_between_graphs() {
    let old = diff_data("v1-unaligned.json");
    let new = diff_data("pre-map-unaligned.json");
    // A checkpoint of the old job may hold in-flight data on the exchange whose task changed.
    let o = flinspect(&[
        "diff",
        &old,
        &new,
        "--snapshot-kind",
        "checkpoint",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let d = json(&o);
    assert!(
        d["findings"].as_array().unwrap().iter().any(|f| f["rule"]
            == "channel_state_topology_change"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("has another last operator")),
        "{d}"
    );
    // A savepoint holds none; the added stateless map is an info, its graph says why.
    let o = flinspect(&["diff", &old, &new, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let d = json(&o);
    assert!(d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "channel_state_topology_change"));
    // Unaligned checkpoints switched off: an info.
    let tmp = tempfile::tempdir().unwrap();
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&new).unwrap()).unwrap();
    doc["checkpointing"]["unaligned"] = Value::Bool(false);
    let off = tmp.path().join("off.json");
    std::fs::write(&off, doc.to_string()).unwrap();
    let o = flinspect(&["diff", &old, off.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let d = json(&o);
    assert!(
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "checkpoint_settings_changed" && f["severity"] == "info"),
        "{d}"
    );
    // The removed stateless map of the graph is known to be stateless: an info, not an error.
    let o = flinspect(&["diff", &new, &old, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let d = json(&o);
    let f = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unmapped_stateless")
        .expect("pre-map");
    assert!(
        f["notes"][0]
            .as_str()
            .unwrap()
            .contains("can hold no state: StreamMap"),
        "{f}"
    );
}
