//! The binary's contract: exit statuses, one-line errors naming path and offset, and the
//! forensics commands.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn flinspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run flinspect")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn first_savepoint() -> PathBuf {
    common::all_metadata_files()
        .into_iter()
        .find(|p| {
            p.parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n.to_string_lossy().starts_with("savepoint-"))
        })
        .expect("a savepoint fixture")
}

fn write_temp(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("_metadata");
    std::fs::write(&p, bytes).unwrap();
    (dir, p)
}

#[test]
fn inspect_succeeds_on_a_file_and_on_its_directory() {
    let sp = first_savepoint();
    let a = flinspect(&["inspect", sp.to_str().unwrap()]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let b = flinspect(&["inspect", sp.parent().unwrap().to_str().unwrap()]);
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(a.stdout, b.stdout, "a directory reads its _metadata");
    let text = String::from_utf8_lossy(&a.stdout);
    assert!(text.contains("kind        savepoint"), "{text}");
    assert!(text.contains("OPERATOR"), "{text}");
}

#[test]
fn missing_path_exits_2_with_one_line() {
    let o = flinspect(&["inspect", "no/such/_metadata"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("no/such/_metadata") && e.contains("no such file"),
        "{e}"
    );
}

#[test]
fn directory_without_metadata_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = flinspect(&["inspect", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no _metadata"), "{}", stderr(&o));
}

#[test]
fn wrong_magic_names_the_offset_and_what_was_expected() {
    let (_d, p) = write_temp(b"PK\x03\x04 this is a zip file, not a savepoint");
    let o = flinspect(&["inspect", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1);
    assert!(e.contains(p.to_str().unwrap()), "{e}");
    assert!(
        e.contains("expected magic number 0x4960672d, found 0x504b0304 at offset 0x0"),
        "{e}"
    );
}

#[test]
fn truncated_file_names_the_field_and_offset() {
    let bytes = std::fs::read(first_savepoint()).unwrap();
    let (_d, p) = write_temp(&bytes[..bytes.len() / 2]);
    let o = flinspect(&["inspect", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("truncated") && e.contains("at offset 0x") && e.contains("operator"),
        "{e}"
    );
}

#[test]
fn unsupported_versions_are_named() {
    let (_d, p) = write_temp(&[0x49, 0x60, 0x67, 0x2D, 0, 0, 0, 1, 0, 0]);
    let e = stderr(&flinspect(&["inspect", p.to_str().unwrap()]));
    assert!(
        e.contains("unsupported metadata version 1 (written by Flink 1.1 – 1.2"),
        "{e}"
    );
    let (_d, p) = write_temp(&[0x49, 0x60, 0x67, 0x2D, 0, 0, 0, 9]);
    let e = stderr(&flinspect(&["inspect", p.to_str().unwrap()]));
    assert!(e.contains("unsupported metadata version 9"), "{e}");
}

#[test]
fn lossy_inspect_shows_the_operators_before_the_damage() {
    let sp = first_savepoint();
    let bytes = std::fs::read(&sp).unwrap();
    let md = flinspect::format::parse(&bytes).unwrap();
    assert!(md.operators.len() >= 2);
    let (_d, p) = write_temp(&bytes[..bytes.len() * 3 / 4]);
    let o = flinspect(&["inspect", "--lossy", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "damage is still an error");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("OPERATOR"), "{out}");
    assert!(stderr(&o).contains("decoding stopped"), "{}", stderr(&o));
    assert!(
        out.contains("DAMAGED     decoding stopped:") && out.contains("at offset 0x"),
        "{out}"
    );
    // The JSON says the same, with the offset as a number.
    let o = flinspect(&["inspect", "--lossy", "--json", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let damage = &v["damage"];
    assert!(
        damage["offset"].as_u64().unwrap() > 0
            && damage["offset"].as_u64().unwrap() < bytes.len() as u64
    );
    assert!(
        damage["message"].as_str().unwrap().contains("truncated"),
        "{damage}"
    );
    assert_eq!(
        damage["operators_decoded"].as_u64().unwrap() as usize,
        v["operators"].as_array().unwrap().len()
    );
}

#[test]
fn uid_hash_prints_flinks_operator_ids() {
    let o = flinspect(&["uid-hash", "my-source", "my-keyed"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "5712e5a8bfbfa8943a95ff796efbcfa9  my-source\n38e7541c9b1074a2ac9abb34ce40e725  my-keyed\n"
    );
}

/// Every uid the generator used, as Flink computed it (graph.json), equals `uid-hash`.
#[test]
fn uid_hash_agrees_with_every_graph_flink_built() {
    let mut checked = 0;
    for md in common::all_metadata_files() {
        let Some(case) = md.ancestors().find(|a| a.join("graph.json").is_file()) else {
            continue;
        };
        let graph: serde_json::Value =
            serde_json::from_slice(&std::fs::read(case.join("graph.json")).unwrap()).unwrap();
        for op in graph["operators"].as_array().unwrap() {
            if let (Some(uid), Some(id)) = (op["uid"].as_str(), op["operator_id"].as_str()) {
                assert_eq!(
                    flinspect::model::OperatorId::from_uid(uid).to_hex(),
                    id,
                    "{}",
                    case.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "no graph.json with uids found");
}

#[test]
fn max_parallelism_prints_default_and_ranges() {
    let o = flinspect(&["max-parallelism", "3"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(out.contains("default max parallelism is 128"), "{out}");
    assert!(out.contains("key groups    43 - 85"), "{out}");
    let o = flinspect(&["max-parallelism", "100", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["default_max_parallelism"], 256);
    assert_eq!(v["subtasks"].as_array().unwrap().len(), 100);
    assert_eq!(flinspect(&["max-parallelism", "0"]).status.code(), Some(2));
}

#[test]
fn help_has_examples_and_bad_arguments_exit_2() {
    let o = flinspect(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Examples:"));
    assert_eq!(flinspect(&["inspect"]).status.code(), Some(2));
    assert_eq!(flinspect(&["no-such-command"]).status.code(), Some(2));
}

/// Savepoints written by the State Processor API (a Java null where runtime-written files have
/// CheckpointProperties) are read by every command as Flink reads them: inspect says the kind is
/// not recorded and what it infers, scan calls them restorable, check judges them.
#[test]
fn state_processor_api_savepoints_are_read_by_every_command() {
    let spa: Vec<PathBuf> = common::all_metadata_files()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("/savepoint-spa/"))
        .collect();
    assert!(
        spa.len() >= 15,
        "{} State Processor API savepoints",
        spa.len()
    );
    for p in &spa {
        let bytes = std::fs::read(p).unwrap();
        assert!(
            bytes.ends_with(&[0xac, 0xed, 0x00, 0x05, 0x70]),
            "{}",
            p.display()
        );
        let shown = p.display().to_string();
        let o = flinspect(&["inspect", &shown, "--json"]);
        assert_eq!(o.status.code(), Some(0), "{shown}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(v["properties"].is_null());
        assert!(v["snapshot"]["kind"].is_null(), "not recorded in the file");
        assert_eq!(v["inferred"]["kind"]["value"], "savepoint");
        assert_eq!(v["inferred"]["format"]["value"], "canonical");
        let evidence = v["inferred"]["kind"]["evidence"].to_string();
        assert!(evidence.contains("State Processor API"), "{evidence}");
        let o = flinspect(&["inspect", &shown]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("not recorded in the file"), "{text}");

        let dir = p.parent().unwrap().display().to_string();
        let o = flinspect(&["scan", "--json", &dir]);
        assert_eq!(o.status.code(), Some(0), "{dir}: {}", stderr(&o));
        let first: serde_json::Value =
            serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().next().unwrap())
                .unwrap();
        assert_eq!(first["status"], "restorable");
        assert_eq!(first["kind"], "savepoint");
    }
}

/// A V6 file cut where its `CheckpointProperties` trailer begins: the header says the trailer
/// could not be read and where the file ends, not that the format lacks it.
#[test]
fn lossy_inspect_of_a_v6_file_cut_before_its_trailer_gives_the_real_reason() {
    let src = common::testdata()
        .join("flink-2.3.0/hashmap/a43d48bf6883a0846629f2a4c563557b/chk-5/_metadata");
    let bytes = std::fs::read(&src).unwrap();
    let full = flinspect::format::parse(&bytes).unwrap();
    assert_eq!(full.version.0, 6);
    assert!(full.properties.is_some());
    // The shortest prefix that still holds every operator ends where the trailer starts.
    let cut = (0..bytes.len())
        .find(|&n| {
            flinspect::format::parse_lossy(&bytes[..n])
                .metadata
                .is_some_and(|m| m.operators.len() == full.operators.len())
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for name in ["copy", "chk-5"] {
        let d = dir.path().join(name);
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("_metadata"), &bytes[..cut]).unwrap();
        let o = flinspect(&["inspect", "--lossy", d.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        let out = String::from_utf8_lossy(&o.stdout);
        let kind = out.lines().find(|l| l.starts_with("kind ")).unwrap();
        assert!(!kind.contains("before"), "{kind}");
        assert!(kind.contains("CheckpointProperties trailer"), "{kind}");
        if name == "copy" {
            assert!(
                kind.contains(&format!("the file ends at offset {cut:#x}")),
                "{kind}"
            );
        }
    }
}

fn hashmap_job() -> PathBuf {
    common::testdata().join("flink-2.3.0/hashmap/a43d48bf6883a0846629f2a4c563557b")
}

#[test]
fn a_job_directory_names_the_snapshots_inside_and_beside_it() {
    let job = hashmap_job();
    let o = flinspect(&["inspect", job.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("no _metadata"), "{e}");
    assert!(
        e.contains("snapshot directories inside: chk-2, chk-5"),
        "{e}"
    );
    assert!(e.contains(&job.join("chk-5").display().to_string()), "{e}");
    assert!(
        e.contains("savepoints of this job beside it:") && e.contains("savepoint-a43d48-"),
        "{e}"
    );
    // The directory above: its savepoints, and the job directories with their newest checkpoint.
    let o = flinspect(&["inspect", job.parent().unwrap().to_str().unwrap()]);
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("snapshot directories inside: savepoint-a43d48-")
            && e.contains(&format!(
                "job directories inside, with their newest checkpoint: {}",
                job.join("chk-5").display()
            )),
        "{e}"
    );
}

#[test]
fn several_paths_are_inspected_in_turn_and_the_worst_status_wins() {
    let job = hashmap_job();
    let (a, b) = (job.join("chk-2"), job.join("chk-5"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let o = flinspect(&["inspect", a, b]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with(&format!("==> {a} <==\n")), "{out}");
    assert!(out.contains(&format!("\n\n==> {b} <==\n")), "{out}");
    assert_eq!(out.matches("\nOPERATOR ").count(), 2, "{out}");
    // One unreadable path: reported, the others still shown, exit 2.
    let o = flinspect(&["inspect", a, "no/such/dir", b]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no/such/dir: no such file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).matches("==> ").count(),
        3
    );
}

#[test]
fn several_paths_with_json_are_json_lines_and_one_path_is_unchanged() {
    let job = hashmap_job();
    let (a, b) = (job.join("chk-2"), job.join("chk-5"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let o = flinspect(&["inspect", "--json", a, "no/such/dir", b]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    let docs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line one JSON document"))
        .collect();
    assert_eq!(docs.len(), 3, "{out}");
    assert_eq!(docs[0]["checkpoint_id"], 2);
    assert_eq!(docs[2]["checkpoint_id"], 5);
    assert_eq!(docs[1]["path"], "no/such/dir");
    assert!(docs[1]["error"].as_str().unwrap().contains("no such file"));
    // The document of a path alone is the same value, pretty-printed as before.
    let one = flinspect(&["inspect", "--json", a]);
    assert_eq!(one.status.code(), Some(0));
    assert!(one.stdout.starts_with(b"{\n  \"schema_version\""));
    let v: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(v, docs[0]);
}

#[test]
fn a_uid_that_matches_no_operator_is_named_with_its_hash() {
    let sp = first_savepoint();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("uids.txt");
    std::fs::write(&list, "# uids\nmy-keyed\nno-such-uid-in-file\n").unwrap();
    let o = flinspect(&[
        "inspect",
        "--uid",
        "my-source",
        "--uid",
        "my-sauce",
        "--uids",
        list.to_str().unwrap(),
        sp.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "a warning, not an error");
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 2, "{e}");
    for uid in ["my-sauce", "no-such-uid-in-file"] {
        let hash = flinspect::model::OperatorId::from_uid(uid).to_hex();
        assert!(
            e.lines().any(|l| l.starts_with("flinspect: warning: ")
                && l.contains(&format!(
                    "uid \"{uid}\" (OperatorID {hash}) matches no operator"
                ))),
            "{e}"
        );
    }
    assert!(!e.contains("my-source") && !e.contains("my-keyed"), "{e}");
    // The same with --json, whose stdout stays one document.
    let o = flinspect(&[
        "inspect",
        "--json",
        "--uid",
        "my-sauce",
        sp.to_str().unwrap(),
    ]);
    assert!(stderr(&o).contains("\"my-sauce\""), "{}", stderr(&o));
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
}

/// `--json` runs that cannot read their input still print JSON: inspect an error object, scan
/// its error records and summary.
#[test]
fn json_runs_that_fail_print_json() {
    let o = flinspect(&["inspect", "--json", "no/such/_metadata"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["path"], "no/such/_metadata");
    assert!(v["error"].as_str().unwrap().contains("no/such"), "{v}");
    let o = flinspect(&["scan", "--json", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.first().unwrap()["type"], "error");
    assert_eq!(lines.last().unwrap()["type"], "summary");
}
