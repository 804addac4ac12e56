//! `flinspect audit` against real inputs: each Flink release's own default configuration
//! (testdata/config/, from the distribution's jars), hardened configurations written to the
//! checklist (testdata/audit/hardened*/), graph documents the companion built with Flink 2.3.0
//! (testdata/audit/graphs/, generate.sh), and snapshots real Flink wrote.
//!
//! Every rule has a trigger and a near miss here (`every_rule_has_a_trigger_and_a_near_miss`
//! fails when one is missing). Thresholds are lowered in some triggers so that the small real
//! fixtures cross them; the near miss is the same input at the default.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use flinspect::audit::{self, History, Inputs, SnapshotFacts, Status, Thresholds, RULES};
use flinspect::config::Config;
use flinspect::graph::GraphDocument;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const RELEASES: &[&str] = &[
    "1.15.4", "1.16.3", "1.18.1", "1.20.3", "2.0.1", "2.1.1", "2.3.0",
];

fn root() -> &'static Path {
    Path::new(ROOT)
}

fn default_config(v: &str) -> Config {
    let dir = root().join(format!("testdata/config/flink-{v}"));
    let path = ["config.yaml", "flink-conf.yaml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
        .unwrap();
    Config::load(&path).unwrap()
}

fn hardened() -> Config {
    Config::load(&root().join("testdata/audit/hardened/config.yaml")).unwrap()
}

fn hardened_flat() -> Config {
    Config::load(&root().join("testdata/audit/hardened-flat/flink-conf.yaml")).unwrap()
}

/// A standard-YAML configuration from text.
fn cfg(text: &str) -> Config {
    Config::parse(text, "test/config.yaml", "config.yaml").unwrap()
}

/// The hardened configuration with some lines replaced or added (flat keys win: later entries).
fn hardened_with(extra: &str) -> Config {
    let mut c = hardened();
    c.entries.extend(
        Config::parse(extra, "extra", "flink-conf.yaml")
            .unwrap()
            .entries,
    );
    c
}

fn graph(name: &str) -> (GraphDocument, String) {
    let path = format!("testdata/audit/graphs/{name}.json");
    let text = std::fs::read_to_string(root().join(&path)).unwrap();
    (GraphDocument::from_json(&text, &path).unwrap(), path)
}

fn snapshot(rel: &str) -> SnapshotFacts {
    let loaded = flinspect::load::load(&root().join(rel)).unwrap();
    let md = flinspect::format::parse(&loaded.bytes).unwrap();
    let modified = std::fs::metadata(&loaded.path)
        .and_then(|m| m.modified())
        .ok();
    SnapshotFacts::of(&md, &loaded.path.display().to_string(), modified)
}

fn scan(dir: &Path) -> (Vec<History>, Option<PathBuf>) {
    let opts = flinspect::scan::Options {
        roots: vec![dir.to_path_buf()],
        ..Default::default()
    };
    let r = flinspect::scan::scan(&opts, &flinspect::scan::Progress::default()).unwrap();
    (History::from_scan(&r), History::newest_snapshot(&r))
}

const HASHMAP_SAVEPOINT: &str =
    "testdata/restore/flink-2.3.0/snapshots/hashmap-canonical/savepoint-5ff306-405f35f060a6";
const INCREMENTAL_JOB: &str =
    "testdata/flink-2.3.0/rocksdb-incremental/0ebdf9c33c3062d424ae8e1aa8d7a578";
const ROCKSDB_FULL_CHECKPOINT: &str =
    "testdata/restore/flink-2.3.0/snapshots/rocksdb-checkpoint/190575021c51bebc9fd07fa7278ee919/chk-5";

fn with_config(c: Config) -> Inputs {
    Inputs {
        config: Some(c),
        ..Inputs::default()
    }
}

fn statuses(inputs: &Inputs, t: &Thresholds, rule: &str) -> Vec<Status> {
    audit::audit(inputs, t)
        .items
        .into_iter()
        .filter(|i| i.rule == rule)
        .map(|i| i.status)
        .collect()
}

fn findings(inputs: &Inputs) -> BTreeSet<&'static str> {
    audit::audit(inputs, &Thresholds::default())
        .findings()
        .map(|i| i.rule)
        .collect()
}

fn thresholds(specs: &[&str]) -> Thresholds {
    let mut t = Thresholds::default();
    for s in specs {
        t.set(s).unwrap();
    }
    t
}

/// One rule's trigger and near miss.
struct Case {
    rule: &'static str,
    trigger: fn() -> (Inputs, Thresholds),
    near_miss: fn() -> (Inputs, Thresholds),
}

fn d() -> Thresholds {
    Thresholds::default()
}

fn hardened_graph_inputs() -> Inputs {
    Inputs {
        graph: Some(graph("hardened")),
        config: Some(hardened()),
        ..Inputs::default()
    }
}

fn incremental_tree(extra_cfg: &str) -> Inputs {
    let (h, newest) = scan(&root().join(INCREMENTAL_JOB));
    Inputs {
        config: Some(hardened_with(extra_cfg)),
        histories: h,
        snapshot: newest.map(|p| snapshot(&p.display().to_string())),
        ..Inputs::default()
    }
}

static CASES: &[Case] = &[
    Case {
        rule: "config_value_invalid",
        trigger: || {
            (
                with_config(hardened_with(
                    "execution.checkpointing.interval: 10 minutez\n",
                )),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with(
                    "execution.checkpointing.interval: 10 minutes\n",
                )),
                d(),
            )
        },
    },
    Case {
        rule: "uid_missing",
        trigger: || {
            (
                Inputs {
                    graph: Some(graph("no-uid")),
                    ..Inputs::default()
                },
                d(),
            )
        },
        near_miss: || {
            (
                Inputs {
                    graph: Some(graph("default")),
                    ..Inputs::default()
                },
                d(),
            )
        },
    },
    Case {
        rule: "max_parallelism_derived",
        trigger: || {
            (
                Inputs {
                    graph: Some(graph("default")),
                    ..Inputs::default()
                },
                d(),
            )
        },
        near_miss: || {
            (
                Inputs {
                    graph: Some(graph("hardened")),
                    ..Inputs::default()
                },
                d(),
            )
        },
    },
    Case {
        rule: "max_parallelism_headroom",
        trigger: || {
            (
                Inputs {
                    graph: Some(graph("tight")),
                    ..Inputs::default()
                },
                d(),
            )
        },
        near_miss: || {
            (
                Inputs {
                    graph: Some(graph("default")),
                    ..Inputs::default()
                },
                d(),
            )
        },
    },
    Case {
        rule: "max_parallelism_excessive",
        trigger: || {
            (
                Inputs {
                    graph: Some(graph("excessive")),
                    ..Inputs::default()
                },
                d(),
            )
        },
        near_miss: || {
            (
                Inputs {
                    graph: Some(graph("hardened")),
                    ..Inputs::default()
                },
                d(),
            )
        },
    },
    Case {
        rule: "heap_backend_large_state",
        // The savepoint's largest subtask holds 1.3 KiB of keyed state.
        trigger: || {
            (
                Inputs {
                    graph: Some(graph("default")),
                    snapshot: Some(snapshot(HASHMAP_SAVEPOINT)),
                    ..Inputs::default()
                },
                thresholds(&["heap-state-per-subtask=1kb"]),
            )
        },
        near_miss: || {
            (
                Inputs {
                    graph: Some(graph("default")),
                    snapshot: Some(snapshot(HASHMAP_SAVEPOINT)),
                    ..Inputs::default()
                },
                thresholds(&["heap-state-per-subtask=2kb"]),
            )
        },
    },
    Case {
        rule: "rocksdb_full_checkpoints",
        trigger: || {
            (
                Inputs {
                    config: Some(hardened_with(
                        "execution.checkpointing.incremental: false\n",
                    )),
                    snapshot: Some(snapshot(ROCKSDB_FULL_CHECKPOINT)),
                    ..Inputs::default()
                },
                thresholds(&["full-checkpoint-size=1kb"]),
            )
        },
        near_miss: || {
            (
                Inputs {
                    config: Some(hardened()),
                    snapshot: Some(snapshot(ROCKSDB_FULL_CHECKPOINT)),
                    ..Inputs::default()
                },
                thresholds(&["full-checkpoint-size=1kb"]),
            )
        },
    },
    Case {
        rule: "rocksdb_managed_memory",
        trigger: || {
            (
                with_config(hardened_with(
                    "state.backend.rocksdb.memory.managed: false\n",
                )),
                d(),
            )
        },
        near_miss: || {
            (with_config(hardened_with("state.backend.rocksdb.memory.managed: false\nstate.backend.rocksdb.memory.fixed-per-slot: 512mb\n")), d())
        },
    },
    Case {
        rule: "checkpointing_disabled",
        trigger: || {
            (
                Inputs {
                    graph: Some(graph("default")),
                    ..Inputs::default()
                },
                d(),
            )
        },
        near_miss: || {
            (
                Inputs {
                    graph: Some(graph("hardened")),
                    ..Inputs::default()
                },
                d(),
            )
        },
    },
    Case {
        rule: "checkpoint_interval",
        trigger: || {
            (
                with_config(hardened_with("execution.checkpointing.interval: 11 min\n")),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with("execution.checkpointing.interval: 10 min\n")),
                d(),
            )
        },
    },
    Case {
        rule: "checkpoint_timeout",
        trigger: || {
            (
                with_config(hardened_with("execution.checkpointing.timeout: 30 min\n")),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with("execution.checkpointing.timeout: 10 min\n")),
                d(),
            )
        },
    },
    Case {
        rule: "checkpoint_min_pause",
        trigger: || {
            (
                with_config(hardened_with("execution.checkpointing.min-pause: 0\n")),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with("execution.checkpointing.min-pause: 1 ms\n")),
                d(),
            )
        },
    },
    Case {
        rule: "checkpoint_tolerable_failures",
        trigger: || {
            (
                with_config(hardened_with(
                    "execution.checkpointing.tolerable-failed-checkpoints: 0\n",
                )),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with(
                    "execution.checkpointing.tolerable-failed-checkpoints: 1\n",
                )),
                d(),
            )
        },
    },
    Case {
        rule: "checkpoint_retention",
        trigger: || {
            (with_config(hardened_with("execution.checkpointing.externalized-checkpoint-retention: DELETE_ON_CANCELLATION\n")), d())
        },
        near_miss: || {
            (with_config(hardened_with("execution.checkpointing.externalized-checkpoint-retention: retain_on_cancellation\n")), d())
        },
    },
    Case {
        rule: "checkpoints_retained",
        trigger: || {
            (
                with_config(hardened_with("execution.checkpointing.num-retained: 1\n")),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with("execution.checkpointing.num-retained: 2\n")),
                d(),
            )
        },
    },
    Case {
        rule: "checkpoint_dir_missing",
        trigger: || (with_config(default_config("2.3.0")), d()),
        // The same configuration, with the job's snapshots on disk: its code sets a directory.
        near_miss: || {
            (
                Inputs {
                    config: Some(default_config("2.3.0")),
                    snapshot: Some(snapshot(HASHMAP_SAVEPOINT)),
                    ..Inputs::default()
                },
                d(),
            )
        },
    },
    Case {
        rule: "checkpoint_dir_local",
        trigger: || {
            (
                with_config(hardened_with(
                    "execution.checkpointing.dir: file:///var/flink/checkpoints\n",
                )),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with(
                    "execution.checkpointing.dir: hdfs:///flink/checkpoints\n",
                )),
                d(),
            )
        },
    },
    Case {
        rule: "savepoint_dir",
        trigger: || {
            (
                with_config(hardened_with(
                    "execution.checkpointing.savepoint-dir: /var/flink/savepoints\n",
                )),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with(
                    "execution.checkpointing.savepoint-dir: gs://bucket/savepoints\n",
                )),
                d(),
            )
        },
    },
    Case {
        rule: "ha_disabled",
        trigger: || {
            (
                with_config(hardened_with("high-availability.type: NONE\n")),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with("high-availability.type: zookeeper\n")),
                d(),
            )
        },
    },
    Case {
        rule: "restart_strategy",
        trigger: || {
            (
                with_config(hardened_with("restart-strategy.type: none\n")),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with("restart-strategy.type: failure-rate\n")),
                d(),
            )
        },
    },
    Case {
        rule: "failover_strategy",
        trigger: || {
            (
                with_config(hardened_with(
                    "jobmanager.execution.failover-strategy: full\n",
                )),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with(
                    "jobmanager.execution.failover-strategy: Region\n",
                )),
                d(),
            )
        },
    },
    Case {
        rule: "metrics_reporter_missing",
        // Listed in metrics.reporters, but the listed one has no factory.
        trigger: || (with_config(hardened_with("metrics.reporters: jmx\n")), d()),
        near_miss: || {
            (
                with_config(hardened_with("metrics.reporters: prom,jmx\n")),
                d(),
            )
        },
    },
    Case {
        rule: "log_level",
        trigger: || {
            (
                Inputs {
                    config: Some(hardened()),
                    log_level: Some(("DEBUG".into(), "log4j.properties".into())),
                    ..Inputs::default()
                },
                d(),
            )
        },
        near_miss: || {
            (
                Inputs {
                    config: Some(hardened()),
                    log_level: Some(("WARN".into(), "log4j.properties".into())),
                    ..Inputs::default()
                },
                d(),
            )
        },
    },
    Case {
        rule: "rest_exposed",
        trigger: || {
            (
                with_config(hardened_with(
                    "security.ssl.rest.authentication-enabled: false\n",
                )),
                d(),
            )
        },
        near_miss: || {
            (
                with_config(hardened_with(
                    "security.ssl.rest.enabled: false\nrest.bind-address: 127.0.0.1\n",
                )),
                d(),
            )
        },
    },
    Case {
        rule: "internal_tls_disabled",
        trigger: || {
            (
                with_config(hardened_with("security.ssl.internal.enabled: false\n")),
                d(),
            )
        },
        near_miss: || (with_config(hardened_flat()), d()),
    },
    Case {
        rule: "kerberos_incomplete",
        trigger: || {
            (
                with_config(hardened_with(
                    "security.kerberos.login.keytab: /etc/flink.keytab\n",
                )),
                d(),
            )
        },
        near_miss: || {
            (with_config(hardened_with("security.kerberos.login.keytab: /etc/flink.keytab\nsecurity.kerberos.login.principal: flink@EXAMPLE.COM\n")), d())
        },
    },
    Case {
        rule: "checkpoint_size_growth",
        // Real checkpoints 2 and 5 of one job: 141.9 KiB, then 151.3 KiB (1.07x).
        trigger: || (incremental_tree(""), thresholds(&["growth-factor=1.05"])),
        near_miss: || (incremental_tree(""), thresholds(&["growth-factor=1.1"])),
    },
    Case {
        rule: "shared_state_unreclaimed",
        trigger: || (orphaned_tree().0, thresholds(&["unreclaimed-share=0"])),
        near_miss: || (incremental_tree(""), thresholds(&["unreclaimed-share=0"])),
    },
    Case {
        rule: "state_skew",
        // Keyed state per subtask 1.1 KiB and 1.3 KiB: 1.09x the mean; the largest key group
        // 1.68x the mean non-empty one.
        trigger: || {
            (
                Inputs {
                    snapshot: Some(snapshot(HASHMAP_SAVEPOINT)),
                    ..Inputs::default()
                },
                thresholds(&["skew-factor=1.05", "skew-min-size=0"]),
            )
        },
        near_miss: || {
            (
                Inputs {
                    snapshot: Some(snapshot(HASHMAP_SAVEPOINT)),
                    ..Inputs::default()
                },
                thresholds(&["skew-factor=1.7", "skew-min-size=0"]),
            )
        },
    },
    Case {
        rule: "checkpoint_stale",
        trigger: || {
            let mut i = incremental_tree("execution.checkpointing.interval: 1 min\n");
            i.now = Some(newest_mtime(&i) + Duration::from_secs(181));
            (i, d())
        },
        near_miss: || {
            let mut i = incremental_tree("execution.checkpointing.interval: 1 min\n");
            i.now = Some(newest_mtime(&i) + Duration::from_secs(179));
            (i, d())
        },
    },
];

fn newest_mtime(i: &Inputs) -> SystemTime {
    i.histories
        .iter()
        .flat_map(|h| h.checkpoints.iter().filter(|c| c.2).filter_map(|c| c.3))
        .max()
        .unwrap()
}

/// A copy of the real incremental job directory whose older checkpoint lost its `_metadata`:
/// the shared files only that checkpoint referenced are now referenced by none (what a crash
/// during subsumption leaves behind).
fn orphaned_tree() -> (Inputs, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("0ebdf9c33c3062d424ae8e1aa8d7a578");
    copy_dir(&root().join(INCREMENTAL_JOB), &dst);
    std::fs::remove_file(dst.join("chk-2/_metadata")).unwrap();
    let (h, newest) = scan(&dst);
    let i = Inputs {
        histories: h,
        snapshot: newest.map(|p| snapshot(&p.display().to_string())),
        ..Inputs::default()
    };
    // The tree must outlive the scan only: the inputs are owned.
    (i, tmp)
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &dst.join(e.file_name()));
        } else {
            std::fs::copy(&p, dst.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn every_rule_has_a_trigger_and_a_near_miss() {
    let covered: BTreeSet<&str> = CASES.iter().map(|c| c.rule).collect();
    let all: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(
        covered, all,
        "rules without a case (or cases without a rule)"
    );
    let mut problems = Vec::new();
    for c in CASES {
        let (i, t) = (c.trigger)();
        let s = statuses(&i, &t, c.rule);
        if !s.contains(&Status::Finding) {
            problems.push(format!("{}: the trigger gives {s:?}", c.rule));
        }
        let (i, t) = (c.near_miss)();
        let s = statuses(&i, &t, c.rule);
        if s.contains(&Status::Finding) || !s.contains(&Status::Passed) {
            problems.push(format!("{}: the near miss gives {s:?}", c.rule));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn audit_and_check_rule_ids_are_disjoint_and_snake_case() {
    for r in RULES {
        assert!(
            flinspect::check::rules::find(r.id).is_none(),
            "{} is also a check rule",
            r.id
        );
        assert!(
            r.id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{}",
            r.id
        );
        assert!(!r.explanation.is_empty() && !r.fix.is_empty() && !r.summary.is_empty());
    }
    let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), RULES.len(), "duplicate ids");
}

/// What a new user gets from each release's own default configuration file, alone.
#[test]
fn each_release_default_configuration_gives_the_findings_a_new_user_expects() {
    let common: BTreeSet<&str> = [
        "checkpointing_disabled",
        "checkpoint_dir_missing",
        "max_parallelism_derived",
        "checkpoint_min_pause",
        "checkpoint_tolerable_failures",
        "checkpoint_retention",
        "checkpoints_retained",
        "savepoint_dir",
        "ha_disabled",
        "restart_strategy",
        "metrics_reporter_missing",
        "internal_tls_disabled",
    ]
    .into_iter()
    .collect();
    for v in RELEASES {
        let got = findings(&with_config(default_config(v)));
        let mut want = common.clone();
        // 1.13/1.14's flink-conf.yaml and 2.x's config.yaml leave rest.bind-address unset (2.x:
        // commented out): the REST server binds every interface. 1.15 – 1.20 set localhost.
        if v.starts_with("2.") || v.starts_with("1.13") || v.starts_with("1.14") {
            want.insert("rest_exposed");
        }
        assert_eq!(got, want, "Flink {v}'s default configuration");
    }
}

#[test]
fn hardened_configurations_give_no_finding() {
    for (name, c) in [
        ("hardened/config.yaml", hardened()),
        ("hardened-flat/flink-conf.yaml", hardened_flat()),
    ] {
        let report = audit::audit(&with_config(c), &Thresholds::default());
        let f: Vec<String> = report
            .findings()
            .map(|i| format!("{}: {}", i.rule, i.message))
            .collect();
        assert!(f.is_empty(), "{name}: {f:#?}");
    }
    // With the job's graph built under the hardened configuration too.
    let report = audit::audit(&hardened_graph_inputs(), &Thresholds::default());
    let f: Vec<String> = report
        .findings()
        .map(|i| format!("{}: {}", i.rule, i.message))
        .collect();
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn both_formats_and_every_spelling_read_the_same() {
    // Old and new spellings of the same settings, flat and standard, decide the same.
    let flat = Config::parse(
        "state.backend: rocksdb\nstate.checkpoints.dir: file:///x\nstate.backend.incremental: true\nhigh-availability: zookeeper\nrestart-strategy: none\nstate.checkpoints.num-retained: 5\n",
        "f",
        "flink-conf.yaml",
    )
    .unwrap();
    let nested = cfg("state:\n  backend:\n    type: rocksdb\nexecution:\n  checkpointing:\n    dir: file:///x\n    incremental: true\n    num-retained: 5\nhigh-availability:\n  type: zookeeper\nrestart-strategy:\n  type: none\n");
    assert_eq!(findings(&with_config(flat)), findings(&with_config(nested)));
}

#[test]
fn every_item_names_what_decided_it_or_what_would() {
    let combos: Vec<Inputs> = vec![
        Inputs::default(),
        with_config(default_config("1.18.1")),
        Inputs {
            graph: Some(graph("default")),
            ..Inputs::default()
        },
        Inputs {
            snapshot: Some(snapshot(
                "testdata/flink-1.13.6/hashmap/savepoint-200253-ceb1a0c00d2b",
            )),
            ..Inputs::default()
        },
        incremental_tree(""),
        hardened_graph_inputs(),
    ];
    for i in &combos {
        let report = audit::audit(i, &Thresholds::default());
        for r in RULES {
            assert!(
                report.items.iter().any(|x| x.rule == r.id),
                "{} gave no item",
                r.id
            );
        }
        for x in &report.items {
            match x.status {
                Status::NotChecked => assert!(x.needs.is_some(), "{x:?}"),
                _ => assert!(
                    !x.decided_by.is_empty() || x.message.contains("no keyed operator"),
                    "{x:?}"
                ),
            }
            assert!(!x.message.contains("flinspect bug"), "{x:?}");
        }
    }
    // Nothing given: nothing decided.
    let none = audit::audit(&Inputs::default(), &Thresholds::default());
    assert!(none.items.iter().all(|x| x.status == Status::NotChecked));
}

#[test]
fn uids_from_snapshots_what_can_and_cannot_be_told() {
    // Metadata V6 (Flink 2.3.0) records uids: every stateful operator of the fixture has one.
    let s = statuses(
        &Inputs {
            snapshot: Some(snapshot(HASHMAP_SAVEPOINT)),
            ..Inputs::default()
        },
        &d(),
        "uid_missing",
    );
    assert_eq!(s, vec![Status::Passed]);
    // Metadata V3 (Flink 1.13.6) records none: not checked, and says why.
    let report = audit::audit(
        &Inputs {
            snapshot: Some(snapshot(
                "testdata/flink-1.13.6/hashmap/savepoint-200253-ceb1a0c00d2b",
            )),
            ..Inputs::default()
        },
        &d(),
    );
    let item = report
        .items
        .iter()
        .find(|i| i.rule == "uid_missing")
        .unwrap();
    assert_eq!(item.status, Status::NotChecked);
    assert!(item.message.contains("records no uids"), "{}", item.message);
}

#[test]
fn recorded_local_paths_in_a_snapshot_are_a_finding() {
    // The real checkpoint records its state files under file:/tmp/flinspect-fixtures/…, where
    // the generator ran Flink.
    let i = Inputs {
        snapshot: Some(snapshot(&format!("{INCREMENTAL_JOB}/chk-5"))),
        ..Inputs::default()
    };
    let report = audit::audit(&i, &d());
    let item = report
        .items
        .iter()
        .find(|i| i.rule == "checkpoint_dir_local")
        .unwrap();
    assert_eq!(item.status, Status::Finding, "{item:?}");
    assert!(
        item.message.contains("/tmp/flinspect-fixtures"),
        "{}",
        item.message
    );
}

#[test]
fn job_settings_override_the_configuration() {
    // The default graph (checkpointing off in the job) with the hardened configuration as a
    // file: the graph, which is what the job runs with, decides.
    let i = Inputs {
        graph: Some(graph("default")),
        config: Some(hardened()),
        ..Inputs::default()
    };
    let report = audit::audit(&i, &d());
    let item = report
        .items
        .iter()
        .find(|i| i.rule == "checkpointing_disabled")
        .unwrap();
    assert_eq!(item.status, Status::Finding);
    assert_eq!(item.decided_by[0].source, audit::Source::Job);
}

#[test]
fn thresholds_parse_and_reject() {
    let mut t = Thresholds::default();
    t.set("recovery-sla=5 min").unwrap();
    assert_eq!(t.recovery_sla, Duration::from_secs(300));
    assert!(t.set("recovery-sla=soon").is_err());
    assert!(t.set("nope=1").unwrap_err().contains("unknown name"));
    assert!(t.set("max-parallelism-share=2").is_err());
}

// ---- the command line ----

fn flinspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run flinspect")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

const QUICK_START: &[&str] = &[
    "audit",
    "--job",
    "testdata/audit/graphs/default.json",
    "--config",
    "testdata/config/flink-2.3.0/config.yaml",
    HASHMAP_SAVEPOINT,
];

#[test]
fn quick_start_in_every_format() {
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        let mut args = QUICK_START.to_vec();
        args.extend(["--format", format]);
        let o = flinspect(&args);
        let out = String::from_utf8(o.stdout.clone()).unwrap();
        assert_eq!(
            code(&o),
            1,
            "{format}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        // Every format carries the error finding, its deciding input and its fix.
        assert!(out.contains("checkpointing_disabled"), "{format}: {out}");
        assert!(out.contains("env.enableCheckpointing"), "{format}: {out}");
        match format {
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                assert_eq!(v["verdict"], "not-ready");
                assert_eq!(v["counts"]["error"], 1);
                let items = v["items"].as_array().unwrap();
                let rules: BTreeSet<&str> =
                    items.iter().map(|i| i["rule"].as_str().unwrap()).collect();
                assert_eq!(rules.len(), RULES.len(), "every rule reports");
                validate_audit_schema(&v);
            }
            "sarif" => {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                let schema: serde_json::Value = serde_json::from_str(
                    &std::fs::read_to_string(
                        root().join("tests/data/check/sarif-schema-2.1.0.json"),
                    )
                    .unwrap(),
                )
                .unwrap();
                let validator = jsonschema::draft4::new(&schema).unwrap();
                let errors: Vec<String> =
                    validator.iter_errors(&v).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{errors:#?}");
                let results = v["runs"][0]["results"].as_array().unwrap();
                // A configuration finding points at the configuration file.
                let ha = results
                    .iter()
                    .find(|r| r["ruleId"] == "ha_disabled")
                    .unwrap();
                assert_eq!(
                    ha["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                    "testdata/config/flink-2.3.0/config.yaml"
                );
            }
            "junit" => {
                let mut reader = quick_xml::Reader::from_str(&out);
                let mut failures = 0;
                let mut skipped = 0;
                loop {
                    match reader.read_event().unwrap() {
                        quick_xml::events::Event::Eof => break,
                        quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                            match e.name().as_ref() {
                                b"failure" => failures += 1,
                                b"skipped" => skipped += 1,
                                _ => {}
                            }
                        }
                        _ => {}
                    }
                }
                assert_eq!(failures, 1, "{out}");
                assert!(skipped > 0, "{out}");
            }
            "github" => {
                assert!(
                    out.lines()
                        .any(|l| l.starts_with("::error file=testdata/audit/graphs/default.json")),
                    "{out}"
                );
                assert!(
                    out.lines()
                        .any(|l| l
                            .starts_with("::warning file=testdata/config/flink-2.3.0/config.yaml")),
                    "{out}"
                );
            }
            "markdown" => assert!(out.starts_with("## flinspect audit: ❌ not-ready"), "{out}"),
            _ => {
                assert!(out.contains("error[checkpointing_disabled]"), "{out}");
                assert!(out.contains("not checked:"), "{out}");
            }
        }
    }
}

fn validate_audit_schema(v: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/schemas/audit.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn exit_statuses() {
    // Hardened configuration and graph: ready.
    let o = flinspect(&[
        "audit",
        "--job",
        "testdata/audit/graphs/hardened.json",
        "--config",
        "testdata/audit/hardened/config.yaml",
    ]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    // The configuration alone: no blocking finding, but uid_missing/… could not be decided at
    // --fail-on warning: unknown (3).
    let o = flinspect(&[
        "audit",
        "--config",
        "testdata/audit/hardened/config.yaml",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(code(&o), 3, "{}", String::from_utf8_lossy(&o.stdout));
    // Findings: 1.
    let o = flinspect(&[
        "audit",
        "--config",
        "testdata/config/flink-1.20.3/config.yaml",
    ]);
    assert_eq!(code(&o), 1);
    // An unreadable input: 2, and a valid JSON document with the error.
    let o = flinspect(&[
        "audit",
        "--config",
        "testdata/audit/nope.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 2);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nope.yaml"),
        "{v}"
    );
    // A bad threshold: 2.
    let o = flinspect(&[
        "audit",
        "--config",
        "testdata/audit/hardened/config.yaml",
        "--threshold",
        "nope=1",
    ]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown name"));
    // Nothing to audit: 2.
    let o = flinspect(&["audit"]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to audit"));
}

#[test]
fn log_level_is_read_beside_the_configuration() {
    let o = flinspect(&[
        "audit",
        "--config",
        "testdata/audit/hardened/config.yaml",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let item = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["rule"] == "log_level")
        .unwrap();
    assert_eq!(item["status"], "passed", "{item}");
    assert_eq!(item["decided_by"][0]["source"], "logging");
}

#[test]
fn allow_list_accepts_warnings_with_reasons_but_never_errors() {
    let dir = tempfile::tempdir().unwrap();
    let allow = dir.path().join("allow.yaml");
    std::fs::write(
        &allow,
        "- rule: ha_disabled\n  reason: single-node test cluster\n- rule: checkpointing_disabled\n  reason: batch job\n",
    )
    .unwrap();
    let o = flinspect(&[
        "audit",
        "--config",
        "testdata/config/flink-2.3.0/config.yaml",
        "--allow",
        allow.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let item = |r: &str| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["rule"] == r)
            .unwrap()
            .clone()
    };
    assert_eq!(item("ha_disabled")["allowed"], "single-node test cluster");
    assert!(item("checkpointing_disabled")["allowed"].is_null());
    assert!(item("checkpointing_disabled")["notes"]
        .to_string()
        .contains("was not applied"));
    assert_eq!(code(&o), 1);
    // A check rule id is not an audit rule.
    std::fs::write(&allow, "- rule: unmapped_state\n  reason: r\n").unwrap();
    let o = flinspect(&[
        "audit",
        "--config",
        "testdata/config/flink-2.3.0/config.yaml",
        "--allow",
        allow.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown rule"));
}

#[test]
fn rules_explain_lists_audit_rules() {
    let o = flinspect(&["rules"]);
    let out = String::from_utf8(o.stdout).unwrap();
    for r in RULES {
        assert!(out.contains(r.id), "{}", r.id);
    }
    let o = flinspect(&["rules", "explain", "rest_exposed"]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("security.ssl.rest.authentication-enabled"),
        "{out}"
    );
    assert_eq!(code(&flinspect(&["rules", "explain", "unmapped_state"])), 0);
}

#[test]
fn a_scanned_tree_decides_the_snapshot_items() {
    let o = flinspect(&[
        "audit",
        "--config",
        "testdata/audit/hardened/config.yaml",
        INCREMENTAL_JOB,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let item = |r: &str| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["rule"] == r)
            .unwrap()
            .clone()
    };
    assert_eq!(item("checkpoint_size_growth")["status"], "passed");
    assert_eq!(item("shared_state_unreclaimed")["status"], "passed");
    assert_eq!(
        item("checkpoint_dir_local")["status"],
        "finding",
        "{}",
        item("checkpoint_dir_local")
    );
}

#[test]
fn a_job_file_decides_what_it_can() {
    // The fixture job's file names one operator by uid-hash only (no-uid-map): a job file cannot
    // tell setUidHash from a generated id, so uids are not checked; it sets no max-parallelism.
    let path = "tests/data/check/fixture-job.yaml";
    let job = flinspect::check::Job::from_bytes(&std::fs::read(root().join(path)).unwrap(), path)
        .unwrap();
    let i = Inputs {
        job_file: Some((job, path.into())),
        ..Inputs::default()
    };
    assert_eq!(statuses(&i, &d(), "uid_missing"), vec![Status::NotChecked]);
    assert_eq!(
        statuses(&i, &d(), "max_parallelism_derived"),
        vec![Status::Finding]
    );
}

#[test]
fn key_group_skew_from_the_recorded_offsets() {
    // The canonical savepoint's keyed operator records offsets 1040 (kg 7) and 1098 (kg 18) in
    // a 1156-byte stream for subtask 0, and 1040, 1098, 1156, 1266, 1324 (kg 86, 94, 113, 126,
    // 127) in a 1382-byte stream for subtask 1; every other offset is 0 (no data). So 7
    // non-empty key groups, 458 bytes, the largest kg 113 with 110 bytes: 1.68x the mean.
    let s = snapshot(HASHMAP_SAVEPOINT);
    let op = s.operators.iter().find(|o| o.has_keyed_state).unwrap();
    let kg = op.key_groups.as_ref().unwrap();
    assert_eq!((kg.largest, kg.measured, kg.total), ((113, 110), 7, 458));
    // Subtasks even (1.09x), one key group above 1.5x: a finding about the key group only.
    let report = audit::audit(
        &Inputs {
            snapshot: Some(s),
            ..Inputs::default()
        },
        &thresholds(&["skew-factor=1.5", "skew-min-size=0"]),
    );
    let f: Vec<_> = report
        .findings()
        .filter(|i| i.rule == "state_skew")
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].message.starts_with("key group 113 holds 110 B"),
        "{}",
        f[0].message
    );
}
