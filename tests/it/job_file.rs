//! Job files (`check --job`): what is not a job file, releases that do not exist, and errors
//! that point at the line.

use crate::common;

use std::process::{Command, Output};

use flinspect::check::job::Job;

fn check_with_job(text: &str) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job.yaml");
    std::fs::write(&job, text).unwrap();
    let snapshot = common::testdata().join("flink-2.3.0/hashmap/savepoint-a43d48-428e29ac503a");
    let o = Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(["check", snapshot.to_str().unwrap(), "--job"])
        .arg(&job)
        .output()
        .unwrap();
    (o, dir)
}

fn one_line_error(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(2), "a job file flinspect cannot use");
    let e = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("job.yaml: "), "names the file: {e}");
    e
}

#[test]
fn a_flink_version_that_is_no_release_is_rejected_with_the_known_ones() {
    let (o, _d) = check_with_job("operators: []\nflink-version: \"3.0\"\n");
    let e = one_line_error(&o);
    assert!(
        e.contains("flink-version \"3.0\" is not a Flink release")
            && e.contains("1.1 – 1.20, 2.0 – 2.3")
            && e.contains("at line 2"),
        "{e}"
    );
    // Indented JSON: the key is still found.
    let e = Job::from_yaml("{\"operators\": [],\n  \"flink-version\": \"1.21\"}", "j").unwrap_err();
    assert!(
        e.message.contains("\"1.21\"") && e.message.ends_with("at line 2"),
        "{e}"
    );
    for ok in ["1.1", "1.20", "1.20.3", "2.0", "2.3.0"] {
        let text = format!("flink-version: \"{ok}\"\noperators: []\n");
        assert!(Job::from_yaml(&text, "j").is_ok(), "{ok}");
    }
}

#[test]
fn a_snapshot_given_as_job_file_is_named_as_such() {
    let md = common::testdata().join("flink-2.3.0/hashmap/savepoint-a43d48-428e29ac503a/_metadata");
    let bytes = std::fs::read(&md).unwrap();
    let e = Job::from_bytes(&bytes, "sp/_metadata").unwrap_err();
    assert!(
        e.message.starts_with(
            "sp/_metadata: this looks like a Flink snapshot (_metadata), not a job file"
        ) && e.message.contains("0x4960672d"),
        "{e}"
    );
    // Also when its bytes happen to be valid text (a tiny snapshot header).
    let e = Job::from_yaml("I`g-\0\0\0\u{6}", "j").unwrap_err();
    assert!(e.message.contains("looks like a Flink snapshot"), "{e}");
    // Other binary data: named, with the offset of the first NUL byte.
    let e = Job::from_bytes(b"PK\x03\x04\x14\x00", "j.zip").unwrap_err();
    assert!(
        e.message.contains("binary data (a NUL byte at offset 0x5)"),
        "{e}"
    );
    let e = Job::from_bytes(b"operators: []\n\xff\xfe", "j").unwrap_err();
    assert!(e.message.contains("invalid UTF-8 at offset 0xe"), "{e}");
    let e = Job::from_bytes(b"  \n", "j").unwrap_err();
    assert!(e.message.contains("empty"), "{e}");
    assert!(Job::from_bytes(b"operators:\n  - uid: a\n", "j").is_ok());
}

#[test]
fn errors_carry_the_line_number() {
    // Unknown keys, at the top and inside an operator.
    let (o, _d) = check_with_job("operators: []\nparalelism: 2\n");
    let e = one_line_error(&o);
    assert!(
        e.contains("unknown field `paralelism`") && e.contains("at line 2"),
        "{e}"
    );
    let (o, _d) = check_with_job("operators:\n  - uid: a\n  - uid: b\n    paralelism: 2\n");
    let e = one_line_error(&o);
    assert!(
        e.contains("operators[1]: unknown field") && e.contains("at line 4"),
        "{e}"
    );
    // A parallelism Flink rejects is a job that will not start: a finding, not a bad job file.
    let (o, _d) = check_with_job("parallelism: 0\noperators: []\n");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("job_setting_rejected"));
    // Values the YAML parser accepts but flinspect does not.
    let (o, _d) = check_with_job(
        "operators:\n  - uid: a\n\n  # the old source\n  - uid-hash: zz\n    name: x\n",
    );
    let e = one_line_error(&o);
    assert!(
        e.contains(
            "operators[1]: uid-hash \"zz\" is not 32 hexadecimal digits (the operator at line 5)"
        ),
        "{e}"
    );
}
