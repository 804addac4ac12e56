//! Every rule of the `check` catalogue against real Flink snapshots (testdata/flink-*/ and
//! testdata/restore/) and small job files (tests/data/check/): a fixture that triggers it and
//! near misses that must not, in the manner of cargo-semver-checks. The catalogue test fails when
//! a registered rule has no triggering case here, and the sweep runs every rule over every
//! snapshot under testdata.

use crate::check_support;

use std::collections::BTreeSet;

use check_support::*;
use flinspect::check::{self, FlinkVersion, FlinkVersions, Job, Report, Severity, RULES};
use flinspect::model::MetadataVersion;

fn hashmap_canonical() -> std::path::PathBuf {
    fixture("1.20.3", "hashmap", Which::Canonical)
}

fn unchanged() -> String {
    fixture_job(&[])
}

fn assert_none(r: &Report, rule: &str) {
    let f = of(r, rule);
    assert!(f.is_empty(), "{rule} fired unexpectedly: {f:#?}");
}

// --- triggers, one per rule: each returns a report in which the rule fires -------------------

fn trigger_unmapped_state() -> Report {
    run(
        &hashmap_canonical(),
        &fixture_job(&[("  - uid: my-keyed\n    name: keyed\n", "")]),
    )
}

fn trigger_unmapped_stateless() -> Report {
    // An operator of the snapshot without state, removed from the job.
    let snap = hashmap_canonical();
    let bytes = read(&snap);
    let md = flinspect::format::parse(&bytes).unwrap();
    let uids = [
        "my-source",
        "my-map",
        "my-rules",
        "my-broadcast",
        "my-keyed",
        "my-window",
        "my-sink",
    ];
    let stateless = uids
        .iter()
        .find(|u| {
            md.operator(&flinspect::model::OperatorId::from_uid(u))
                .is_some_and(|o| !o.has_state())
        })
        .expect("the fixture job has a stateless operator with a uid");
    let job = unchanged().replace(
        &format!("  - uid: {stateless}\n"),
        "  - uid: renamed-away\n",
    );
    run(&snap, &job)
}

fn trigger_operator_added() -> Report {
    run(
        &hashmap_canonical(),
        &format!("{}  - uid: brand-new\n    name: brand new\n", unchanged()),
    )
}

fn trigger_duplicate_operator_id() -> Report {
    run(
        &hashmap_canonical(),
        &format!(
            "{}  - uid: my-map\n    name: copy of counting-map\n",
            unchanged()
        ),
    )
}

fn trigger_max_parallelism_changed() -> Report {
    run(
        &hashmap_canonical(),
        &fixture_job(&[("parallelism: 2\n", "parallelism: 2\nmax-parallelism: 256\n")]),
    )
}

fn trigger_max_parallelism_adopted() -> Report {
    run(
        &fixture("1.20.3", "maxpar256", Which::Canonical),
        &unchanged(),
    )
}

fn trigger_parallelism_above_max_parallelism() -> Report {
    run(
        &hashmap_canonical(),
        &fixture_job(&[("parallelism: 2\n", "parallelism: 130\n")]),
    )
}

/// A copy of a savepoint with one referenced state file deleted.
fn trigger_state_files_missing() -> Report {
    let (_tmp, metadata, _) = savepoint_copy_without_one_file(&hashmap_canonical());
    run_with_files(&metadata, &unchanged())
}

/// `check` as the CLI runs it: with the referenced files as scan finds them.
fn run_with_files(metadata: &std::path::Path, job: &str) -> Report {
    let bytes = std::fs::read(metadata).unwrap();
    let md = flinspect::format::parse(&bytes).unwrap();
    let job = Job::from_yaml(job, "job").unwrap();
    let options = check::Options {
        snapshot: metadata.parent().unwrap().display().to_string(),
        allow_non_restored_state: None,
        restore_path: Default::default(),
        key_groups_layout: None,
        state_files: Some(
            flinspect::scan::snapshot_files(metadata, &[])
                .unwrap()
                .state_files(),
        ),
    };
    check::check(&md, &job, &options)
}

#[test]
fn state_files_missing_fires_on_a_broken_copy_and_not_on_metadata_alone() {
    let r = trigger_state_files_missing();
    let f = of(&r, "state_files_missing");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.starts_with("1 of the "), "{}", f[0].message);
    assert_eq!(r.verdict(Severity::Error), check::Verdict::Incompatible);
    // Near miss: only _metadata copied. Nothing is found, so nothing is judged broken; the
    // check is listed as not done.
    let tmp = tempfile::tempdir().unwrap();
    let alone = tmp.path().join("_metadata");
    std::fs::copy(hashmap_canonical(), &alone).unwrap();
    let r = run_with_files(&alone, &unchanged());
    assert_none(&r, "state_files_missing");
    assert!(
        r.not_checked
            .iter()
            .any(|n| n.contains("only _metadata copied")),
        "{:?}",
        r.not_checked
    );
    // And the whole savepoint: nothing to report.
    let r = run_with_files(&hashmap_canonical(), &unchanged());
    assert_none(&r, "state_files_missing");
    assert!(!r.not_checked.iter().any(|n| n.starts_with("state files")));
}

/// Parallelism 129 with an explicit job-wide max parallelism 128: a job Flink will not start
/// (issue 13: a finding with Flink's message, not an unreadable job file).
fn trigger_job_setting_rejected() -> Report {
    run(
        &hashmap_canonical(),
        &fixture_job(&[(
            "parallelism: 2\n",
            "parallelism: 129\nmax-parallelism: 128\n",
        )]),
    )
}

fn trigger_state_backend_mismatch() -> Report {
    run(
        &fixture("1.20.3", "rocksdb-incremental", Which::Checkpoint),
        &unchanged(),
    )
}

fn trigger_state_backend_portable() -> Report {
    run(
        &fixture("1.20.3", "hashmap", Which::Canonical),
        &fixture_job(&[("state-backend: hashmap", "state-backend: rocksdb")]),
    )
}

fn trigger_channel_state_topology_change() -> Report {
    run(
        &fixture("1.20.3", "unaligned", Which::FirstCheckpoint),
        &fixture_job(&[("parallelism: 2\n", "parallelism: 3\n")]),
    )
}

/// A recorded case's job file (testdata/restore/flink-VER/cases/CASE/job.yaml).
fn restore_case_job(version: &str, case: &str) -> String {
    std::fs::read_to_string(root().join(format!(
        "testdata/restore/flink-{version}/cases/{case}/job.yaml"
    )))
    .unwrap()
}

/// The recorded ua-pre-removed-allow case: pre, which held unsent output buffers, removed with
/// allowNonRestoredState (Flink: EOFException reading keyed's recovered input).
fn trigger_channel_state_dropped() -> Report {
    run(
        &restore_snapshot("1.20.3", "unaligned-checkpoint"),
        &restore_case_job("1.20.3", "ua-pre-removed-allow"),
    )
}

fn trigger_missing_uid() -> Report {
    // The fixture job's no-uid-map has no uid; the job file can only give its hash.
    run(&hashmap_canonical(), &unchanged())
}

fn trigger_metadata_version_unsupported() -> Report {
    // A Flink 2.1.1 (V6) savepoint restored by Flink 1.20: a downgrade.
    run(&fixture("2.1.1", "hashmap", Which::Canonical), &unchanged())
}

fn trigger_keyed_handle_unsupported() -> Report {
    // Keyed handle code 11 inside a V3 file, as Flink 1.15 writes it, read by Flink 1.14. No
    // 1.15 fixture exists yet, so a real 1.20.3 RocksDB checkpoint (code 11) is relabelled V3 in
    // memory: the rule looks only at the version and the handle codes.
    let snap = fixture("1.20.3", "rocksdb-incremental", Which::Checkpoint);
    let bytes = read(&snap);
    let mut md = flinspect::format::parse(&bytes).unwrap();
    md.version = MetadataVersion::V3;
    let job = Job::from_yaml(
        &fixture_job(&[
            ("flink-version: \"1.20\"", "flink-version: \"1.14\""),
            ("state-backend: hashmap", "state-backend: rocksdb"),
        ]),
        "job.yaml",
    )
    .unwrap();
    check::check(&md, &job, &check::Options::default())
}

/// Every rule's triggering case. The catalogue test requires one entry per registered rule.
/// A rule id and a case that makes it fire.
type Trigger = (&'static str, fn() -> Report);

const TRIGGERS: &[Trigger] = &[
    ("unmapped_state", trigger_unmapped_state),
    ("unmapped_stateless", trigger_unmapped_stateless),
    ("operator_added", trigger_operator_added),
    ("duplicate_operator_id", trigger_duplicate_operator_id),
    ("max_parallelism_changed", trigger_max_parallelism_changed),
    ("max_parallelism_adopted", trigger_max_parallelism_adopted),
    (
        "parallelism_above_max_parallelism",
        trigger_parallelism_above_max_parallelism,
    ),
    ("job_setting_rejected", trigger_job_setting_rejected),
    ("state_files_missing", trigger_state_files_missing),
    ("state_backend_mismatch", trigger_state_backend_mismatch),
    ("state_backend_portable", trigger_state_backend_portable),
    (
        "channel_state_topology_change",
        trigger_channel_state_topology_change,
    ),
    ("channel_state_dropped", trigger_channel_state_dropped),
    ("missing_uid", trigger_missing_uid),
    (
        "metadata_version_unsupported",
        trigger_metadata_version_unsupported,
    ),
    ("keyed_handle_unsupported", trigger_keyed_handle_unsupported),
];

#[test]
fn every_registered_rule_has_a_trigger_and_a_description() {
    let registered: BTreeSet<&str> = RULES.iter().map(|r| r.info.id).collect();
    assert_eq!(registered.len(), RULES.len(), "duplicate rule ids");
    let triggered: BTreeSet<&str> = TRIGGERS.iter().map(|t| t.0).collect();
    assert_eq!(
        registered, triggered,
        "every registered rule needs a triggering case in TRIGGERS, and every case a rule"
    );
    for r in RULES {
        let i = &r.info;
        assert!(
            i.id.chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()),
            "{} is not snake_case",
            i.id
        );
        assert!(
            !i.summary.is_empty() && !i.summary.ends_with('.'),
            "{}",
            i.id
        );
        assert!(i.explanation.len() > 100, "{}: explain more", i.id);
        assert!(!i.help.is_empty(), "{}", i.id);
        if i.severity == Severity::Error {
            assert!(
                i.flink_error.is_some() || i.explanation.contains("no recorded Flink message"),
                "{}: an error rule names the Flink error it predicts",
                i.id
            );
        }
    }
    for (id, trigger) in TRIGGERS {
        let r = trigger();
        assert!(!of(&r, id).is_empty(), "{id}: its trigger does not fire it");
    }
}

// --- near misses and details, rule by rule ---------------------------------------------------

#[test]
fn job_setting_rejected_names_flinks_message_and_its_near_misses_do_not_fire() {
    let r = trigger_job_setting_rejected();
    let f = of(&r, "job_setting_rejected");
    // Every operator of the job runs at 129 against 128.
    assert!(!f.is_empty());
    assert!(f.iter().all(|f| f.severity == Severity::Error));
    let e = f[0].flink_error.as_deref().unwrap();
    assert!(
        e.ends_with("'s parallelism (129) is higher than the max parallelism (128). Please lower the parallelism or increase the max parallelism."),
        "{e}"
    );
    // With allowNonRestoredState too: the job does not start at all.
    let anrs = run(
        &hashmap_canonical(),
        &fixture_job(&[
            (
                "parallelism: 2\n",
                "parallelism: 129\nmax-parallelism: 128\n",
            ),
            (
                "allow-non-restored-state: false",
                "allow-non-restored-state: true",
            ),
        ]),
    );
    assert!(!of(&anrs, "job_setting_rejected").is_empty());
    // Near misses: parallelism equal to the explicit max parallelism; a parallelism above
    // the default 128 with no explicit max parallelism (Flink then derives a larger one).
    for edit in [
        "parallelism: 128\nmax-parallelism: 128\n",
        "parallelism: 129\n",
    ] {
        let r = run(
            &hashmap_canonical(),
            &fixture_job(&[("parallelism: 2\n", edit)]),
        );
        assert_none(&r, "job_setting_rejected");
    }
    // Out of range max parallelism, job-wide and on an operator, is a finding too.
    for (from, to) in [
        (
            "parallelism: 2\n",
            "parallelism: 2\nmax-parallelism: 40000\n",
        ),
        (
            "    name: keyed\n",
            "    name: keyed\n    max-parallelism: 0\n",
        ),
    ] {
        let r = run(&hashmap_canonical(), &fixture_job(&[(from, to)]));
        let f = of(&r, "job_setting_rejected");
        assert_eq!(f.len(), 1, "{to}: {f:#?}");
        assert!(
            f[0].message.contains("outside Flink's range"),
            "{}",
            f[0].message
        );
    }
}

#[test]
fn unmapped_state_error_then_warning_with_what_is_dropped() {
    let r = trigger_unmapped_state();
    let f = of(&r, "unmapped_state");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(
        f[0].operator.as_ref().unwrap().id.to_hex(),
        "38e7541c9b1074a2ac9abb34ce40e725"
    );
    assert!(f[0]
        .flink_error
        .as_deref()
        .unwrap()
        .contains("Cannot map checkpoint/savepoint state for operator 38e7541c9b1074a2ac9abb34ce40e725 to the new program"));

    // With --allow-non-restored-state: a warning listing the dropped keyed state.
    let r = run_with(
        &hashmap_canonical(),
        &fixture_job(&[("  - uid: my-keyed\n    name: keyed\n", "")]),
        Some(true),
    );
    let f = of(&r, "unmapped_state");
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(f[0].flink_error.is_none());
    assert!(
        f[0].notes.iter().any(|n| n.contains("keyed state")),
        "{f:#?}"
    );
    assert_eq!(r.verdict(Severity::Error), check::Verdict::Compatible);
    assert_eq!(r.verdict(Severity::Warning), check::Verdict::Incompatible);

    // The job file's own allow-non-restored-state, and the command line overriding it.
    let job = fixture_job(&[
        ("  - uid: my-keyed\n    name: keyed\n", ""),
        (
            "allow-non-restored-state: false",
            "allow-non-restored-state: true",
        ),
    ]);
    let r = run(&hashmap_canonical(), &job);
    assert_eq!(of(&r, "unmapped_state")[0].severity, Severity::Warning);
    let r = run_with(&hashmap_canonical(), &job, Some(false));
    assert_eq!(of(&r, "unmapped_state")[0].severity, Severity::Error);

    // Dropping the source lists its coordinator (split enumerator) state and operator state.
    let r = run_with(
        &hashmap_canonical(),
        &fixture_job(&[("  - uid: my-source\n    name: \"Source: seq\"\n", "")]),
        Some(true),
    );
    let f = of(&r, "unmapped_state");
    assert!(f[0].notes[0].contains("coordinator state"), "{f:#?}");
    assert!(f[0].notes[0].contains("operator state"), "{f:#?}");

    // Near miss: the unchanged job claims everything.
    assert_none(&run(&hashmap_canonical(), &unchanged()), "unmapped_state");
}

#[test]
fn unmapped_stateless_is_info_and_only_for_stateless() {
    let r = trigger_unmapped_stateless();
    let f = of(&r, "unmapped_stateless");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
    assert_none(&r, "unmapped_state");
    // Near miss: a stateful operator removed is unmapped_state, not unmapped_stateless.
    assert_none(&trigger_unmapped_state(), "unmapped_stateless");
}

#[test]
fn operator_added_and_duplicates() {
    let r = trigger_operator_added();
    let f = of(&r, "operator_added");
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].operator.as_ref().unwrap().uid.as_deref(),
        Some("brand-new")
    );
    assert_none(&run(&hashmap_canonical(), &unchanged()), "operator_added");

    let r = trigger_duplicate_operator_id();
    let f = of(&r, "duplicate_operator_id");
    assert_eq!(f.len(), 1);
    assert!(f[0]
        .flink_error
        .as_deref()
        .unwrap()
        .starts_with("Hash collision on user-specified ID \"my-map\""));
    // A uid-hash equal to another operator's uid hash collides too.
    let r = run(
        &hashmap_canonical(),
        &format!(
            "{}  - uid-hash: 46fe65c20d95ac360c296fef8820108c\n",
            unchanged()
        ),
    );
    assert_eq!(of(&r, "duplicate_operator_id").len(), 1);
    assert_none(
        &run(&hashmap_canonical(), &unchanged()),
        "duplicate_operator_id",
    );
}

#[test]
fn max_parallelism_changed_job_wide_operator_and_chain_uncertainty() {
    // Job-wide 256 against 128: errors for the operators with state, even with
    // allow-non-restored-state.
    let r = trigger_max_parallelism_changed();
    let errors: Vec<_> = of(&r, "max_parallelism_changed")
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(!errors.is_empty());
    assert!(errors[0]
        .flink_error
        .as_deref()
        .unwrap()
        .contains("Max parallelism mismatch"));
    let job = fixture_job(&[("parallelism: 2\n", "parallelism: 2\nmax-parallelism: 256\n")]);
    let r = run_with(&hashmap_canonical(), &job, Some(true));
    assert!(r
        .blocking(Severity::Error)
        .any(|f| f.rule == "max_parallelism_changed"));

    // On the keyed operator (a chain head): error.
    let job = fixture_job(&[(
        "  - uid: my-keyed\n    name: keyed\n",
        "  - uid: my-keyed\n    name: keyed\n    max-parallelism: 256\n",
    )]);
    let f = run(&hashmap_canonical(), &job);
    let f = of(&f, "max_parallelism_changed");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);

    // On an operator that may be chained behind another: a warning (Flink ignores it there).
    let job = fixture_job(&[(
        "  - uid: my-map\n    name: counting-map\n",
        "  - uid: my-map\n    name: counting-map\n    max-parallelism: 256\n",
    )]);
    let r = run(&hashmap_canonical(), &job);
    let f = of(&r, "max_parallelism_changed");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);

    // Near misses: the same value set explicitly; the op-maxpar fixture (my-keyed at 512) with
    // 512 on the operator.
    let same = fixture_job(&[("parallelism: 2\n", "parallelism: 2\nmax-parallelism: 128\n")]);
    assert_none(&run(&hashmap_canonical(), &same), "max_parallelism_changed");
    let op512 = fixture_job(&[(
        "  - uid: my-keyed\n    name: keyed\n",
        "  - uid: my-keyed\n    name: keyed\n    max-parallelism: 512\n",
    )]);
    assert_none(
        &run(&fixture("1.20.3", "op-maxpar", Which::Canonical), &op512),
        "max_parallelism_changed",
    );
}

#[test]
fn max_parallelism_adopted_only_when_derived_differs() {
    let r = trigger_max_parallelism_adopted();
    let f = of(&r, "max_parallelism_adopted");
    assert!(!f.is_empty());
    assert!(f.iter().all(|f| f.severity == Severity::Info));
    assert!(f[0].message.contains("256"), "{}", f[0].message);
    assert_eq!(r.verdict(Severity::Error), check::Verdict::Compatible);
    // Near misses: 128 is what Flink derives for parallelism 2; an explicit 256 is not derived.
    assert_none(
        &run(&hashmap_canonical(), &unchanged()),
        "max_parallelism_adopted",
    );
    let explicit = fixture_job(&[("parallelism: 2\n", "parallelism: 2\nmax-parallelism: 256\n")]);
    assert_none(
        &run(&fixture("1.20.3", "maxpar256", Which::Canonical), &explicit),
        "max_parallelism_adopted",
    );
}

#[test]
fn parallelism_above_max_parallelism_boundary() {
    let r = trigger_parallelism_above_max_parallelism();
    let f = of(&r, "parallelism_above_max_parallelism");
    assert!(!f.is_empty());
    assert!(f[0].flink_error.as_deref().unwrap().contains("(128)"));
    assert!(f[0].flink_error.as_deref().unwrap().contains("(130)"));
    // Near miss: exactly the max parallelism.
    let at = fixture_job(&[("parallelism: 2\n", "parallelism: 128\n")]);
    assert_none(
        &run(&hashmap_canonical(), &at),
        "parallelism_above_max_parallelism",
    );
    // maxpar256: 130 fits.
    let r = run(
        &fixture("1.20.3", "maxpar256", Which::Canonical),
        &fixture_job(&[("parallelism: 2\n", "parallelism: 130\n")]),
    );
    assert_none(&r, "parallelism_above_max_parallelism");
}

#[test]
fn state_backend_by_handle_types() {
    // RocksDB checkpoint into hashmap, and heap checkpoint / native savepoint into RocksDB.
    let f = trigger_state_backend_mismatch();
    let f = of(&f, "state_backend_mismatch");
    assert!(!f.is_empty());
    assert!(f[0]
        .flink_error
        .as_deref()
        .unwrap()
        .contains("Unexpected state handle type"));
    let rocks = fixture_job(&[("state-backend: hashmap", "state-backend: rocksdb")]);
    for which in [Which::Checkpoint, Which::Native] {
        let r = run(&fixture("1.20.3", "hashmap", which), &rocks);
        assert!(
            of(&r, "state_backend_mismatch")
                .iter()
                .all(|f| f.severity == Severity::Error),
            "{which:?}"
        );
        assert!(!of(&r, "state_backend_mismatch").is_empty(), "{which:?}");
    }
    // RocksDB native savepoint (Flink 2.1.1) into hashmap.
    let r = run(
        &fixture("2.1.1", "rocksdb-incremental", Which::Native),
        &fixture_job(&[("flink-version: \"1.20\"", "flink-version: \"2.1\"")]),
    );
    assert!(!of(&r, "state_backend_mismatch").is_empty());

    // Near misses: the same backend; a canonical savepoint into another backend; no
    // state-backend stated (then the check is listed as not run, and the verdict is unknown).
    assert_none(
        &run(
            &fixture("1.20.3", "hashmap", Which::Checkpoint),
            &unchanged(),
        ),
        "state_backend_mismatch",
    );
    assert_none(
        &run(
            &fixture("1.20.3", "rocksdb-incremental", Which::Checkpoint),
            &rocks,
        ),
        "state_backend_mismatch",
    );
    let r = run(
        &fixture("1.20.3", "rocksdb-full", Which::Canonical),
        &unchanged(),
    );
    assert_none(&r, "state_backend_mismatch");
    let no_backend = fixture_job(&[("state-backend: hashmap\n", "")]);
    let r = run(
        &fixture("1.20.3", "rocksdb-incremental", Which::Checkpoint),
        &no_backend,
    );
    assert_none(&r, "state_backend_mismatch");
    assert_eq!(r.verdict(Severity::Error), check::Verdict::Unknown);
    assert!(r.not_checked.iter().any(|n| n.contains("state backend")));
}

#[test]
fn state_backend_portable_only_for_canonical() {
    let r = trigger_state_backend_portable();
    assert_eq!(of(&r, "state_backend_portable").len(), 1);
    assert_none(&r, "state_backend_mismatch");
    // Near misses: a checkpoint; a canonical savepoint without a stated backend.
    let rocks = fixture_job(&[("state-backend: hashmap", "state-backend: rocksdb")]);
    assert_none(
        &run(
            &fixture("1.20.3", "rocksdb-incremental", Which::Checkpoint),
            &rocks,
        ),
        "state_backend_portable",
    );
    let no_backend = fixture_job(&[("state-backend: hashmap\n", "")]);
    assert_none(
        &run(&hashmap_canonical(), &no_backend),
        "state_backend_portable",
    );
}

#[test]
fn channel_state_with_topology_changes() {
    // Rescaled: Flink re-maps the buffers and restores (recorded ua-*-up/-down): an info, and
    // the verdict is "unknown" since a job file names no partitioners.
    let r = trigger_channel_state_topology_change();
    let f = of(&r, "channel_state_topology_change");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
    assert_eq!(r.blocking(Severity::Error).count(), 0, "{:#?}", r.findings);
    assert_eq!(r.verdict(Severity::Error), check::Verdict::Unknown);
    // An operator added may chain an exchange with in-flight data (recorded
    // ua-inserted-after-pre: Flink refuses): a warning naming Flink's message.
    let r = run(
        &restore_snapshot("1.20.3", "unaligned-checkpoint"),
        &restore_case_job("1.20.3", "ua-inserted-after-pre"),
    );
    let f = of(&r, "channel_state_topology_change");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(f[0]
        .notes
        .iter()
        .any(|n| n.contains("now chained") && n.contains("80031080b3c617ef87674e2fe16fcf41")));
    assert_eq!(r.verdict(Severity::Error), check::Verdict::Unknown);
    // Near misses: the same topology (still "unknown": partitioners are not in the job file); a
    // removed operator without channel state (recorded ua-stateless-removed: restored).
    let r = run(
        &restore_snapshot("1.20.3", "unaligned-checkpoint"),
        &restore_case_job("1.20.3", "ua-unchanged"),
    );
    assert_none(&r, "channel_state_topology_change");
    assert_eq!(r.verdict(Severity::Error), check::Verdict::Unknown);
    assert_none(
        &run(
            &restore_snapshot("1.20.3", "unaligned-checkpoint"),
            &restore_case_job("1.20.3", "ua-stateless-removed-allow"),
        ),
        "channel_state_topology_change",
    );
    assert_none(
        &run(
            &fixture("1.20.3", "unaligned", Which::FirstCheckpoint),
            &unchanged(),
        ),
        "channel_state_topology_change",
    );
    let p3 = fixture_job(&[("parallelism: 2\n", "parallelism: 3\n")]);
    assert_none(
        &run(&fixture("1.20.3", "hashmap", Which::Checkpoint), &p3),
        "channel_state_topology_change",
    );
    assert_none(
        &run(&fixture("1.20.3", "unaligned", Which::Canonical), &p3),
        "channel_state_topology_change",
    );
}

#[test]
fn channel_state_of_removed_operators() {
    // pre held unsent output buffers and keyed restores received ones: Flink's task fails.
    let r = trigger_channel_state_dropped();
    let f = of(&r, "channel_state_dropped");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(
        f[0].operator.as_ref().unwrap().id.to_hex(),
        "80031080b3c617ef87674e2fe16fcf41"
    );
    // The same for op-state (operator state and unsent output buffers).
    let r = run(
        &restore_snapshot("1.20.3", "unaligned-checkpoint"),
        &restore_case_job("1.20.3", "ua-stateful-removed-allow"),
    );
    assert_eq!(of(&r, "channel_state_dropped")[0].severity, Severity::Error);
    // Near misses: without allowNonRestoredState unmapped_state refuses instead (Flink's
    // submission message); a removed operator without in-flight data.
    let r = run(
        &restore_snapshot("1.20.3", "unaligned-checkpoint"),
        &restore_case_job("1.20.3", "ua-pre-removed"),
    );
    assert_none(&r, "channel_state_dropped");
    assert_eq!(of(&r, "unmapped_state")[0].severity, Severity::Error);
    assert_none(
        &run(
            &restore_snapshot("1.20.3", "unaligned-checkpoint"),
            &restore_case_job("1.20.3", "ua-stateless-removed-allow"),
        ),
        "channel_state_dropped",
    );
    // The fixture's unaligned checkpoint without its sink (allowNonRestoredState): the sink
    // holds no unsent buffers, only what it received, so the records are dropped: a warning.
    let r = run_with(
        &fixture("1.20.3", "unaligned", Which::FirstCheckpoint),
        &fixture_job(&[("  - uid: my-sink\n    name: \"Sink: sink\"\n", "")]),
        Some(true),
    );
    for f in of(&r, "channel_state_dropped") {
        assert_eq!(f.severity, Severity::Warning, "{f:#?}");
    }
}

#[test]
fn missing_uid_from_job_file_and_from_v6_snapshots() {
    let r = trigger_missing_uid();
    let f = of(&r, "missing_uid");
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].operator.as_ref().unwrap().id.to_hex(),
        "d87b50e8e4d286260008fa4c80ff86be"
    );
    // --against a V6 snapshot of the same job: the snapshot records no-uid-map without a uid.
    let other = fixture("2.1.1", "hashmap", Which::Canonical);
    let bytes = read(&other);
    let md = flinspect::format::parse(&bytes).unwrap();
    let job = Job::from_snapshot(&md, "other");
    let r = run_job(&other, &job, None);
    let f = of(&r, "missing_uid");
    assert_eq!(f.len(), 1, "{f:#?}");
    // --against a V4 snapshot: uids are not recorded, so the check is listed as not run.
    let v4 = fixture("1.20.3", "hashmap", Which::Canonical);
    let bytes = read(&v4);
    let md = flinspect::format::parse(&bytes).unwrap();
    let r = run_job(&v4, &Job::from_snapshot(&md, "other"), None);
    assert_none(&r, "missing_uid");
    assert!(r.not_checked.iter().any(|n| n.contains("uids")));
    // Near miss: the restore-truth job gives every operator a uid.
    let snap = restore_snapshot("2.3.0", "hashmap-canonical");
    assert_none(&run(&snap, &data("restore-job.yaml")), "missing_uid");
}

#[test]
fn metadata_version_against_the_target_release() {
    let r = trigger_metadata_version_unsupported();
    let f = of(&r, "metadata_version_unsupported");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(
        f[0].flink_error.as_deref(),
        Some("Unrecognized checkpoint version number: 6")
    );
    // Near misses: the release that wrote it; a newer one; an old V4 snapshot on 2.3.
    let v21 = fixture_job(&[("flink-version: \"1.20\"", "flink-version: \"2.1\"")]);
    assert_none(
        &run(&fixture("2.1.1", "hashmap", Which::Canonical), &v21),
        "metadata_version_unsupported",
    );
    let v23 = fixture_job(&[("flink-version: \"1.20\"", "flink-version: \"2.3.0\"")]);
    assert_none(
        &run(&fixture("2.1.1", "hashmap", Which::Canonical), &v23),
        "metadata_version_unsupported",
    );
    assert_none(
        &run(&hashmap_canonical(), &v23),
        "metadata_version_unsupported",
    );
    // A range of target releases (as --against gives) that only partly reads V6: a warning.
    let mut job = Job::from_yaml(&unchanged(), "job.yaml").unwrap();
    job.flink_version = Some(FlinkVersions {
        lowest: FlinkVersion::new(2, 0),
        highest: FlinkVersion::new(2, 0),
    });
    let r = run_job(&fixture("2.1.1", "hashmap", Which::Canonical), &job, None);
    assert_eq!(
        of(&r, "metadata_version_unsupported")[0].severity,
        Severity::Error
    );
    job.flink_version = Some(FlinkVersions {
        lowest: FlinkVersion::new(2, 0),
        highest: FlinkVersion::new(2, 3),
    });
    let r = run_job(&fixture("2.1.1", "hashmap", Which::Canonical), &job, None);
    assert_eq!(
        of(&r, "metadata_version_unsupported")[0].severity,
        Severity::Warning
    );
}

#[test]
fn keyed_handle_codes_of_v3_files() {
    let r = trigger_keyed_handle_unsupported();
    let f = of(&r, "keyed_handle_unsupported");
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].flink_error.as_deref(),
        Some("Reading invalid KeyedStateHandle, type: 11")
    );
    // Near miss: a real Flink 1.13.6 V3 snapshot (codes 3/5) on Flink 1.13.
    for name in ["hashmap-checkpoint", "rocksdb-checkpoint"] {
        let snap = restore_snapshot("1.13.6", name);
        let job = std::fs::read_to_string(
            root().join("testdata/restore/flink-1.13.6/cases/unchanged/job.yaml"),
        )
        .unwrap();
        let r = run(&snap, &job);
        assert_none(&r, "keyed_handle_unsupported");
        assert_none(&r, "metadata_version_unsupported");
    }
}

// --- every rule over every snapshot ------------------------------------------------------------

/// Every snapshot under testdata, checked against itself (as `--against` would describe it), an
/// empty job and the fixture job: nothing panics, and no snapshot is incompatible with its own
/// job (a false positive shows up here).
#[test]
fn every_rule_over_every_snapshot() {
    let all = all_metadata();
    assert!(all.len() > 20, "too few snapshots found: {}", all.len());
    let empty = Job::from_yaml("operators: []\n", "empty").unwrap();
    let fixture = Job::from_yaml(&unchanged(), "fixture").unwrap();
    let mut fired: BTreeSet<&str> = BTreeSet::new();
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        let Ok(md) = flinspect::format::parse(&bytes) else {
            continue;
        };
        let options = check::Options {
            snapshot: path.display().to_string(),
            allow_non_restored_state: None,
            restore_path: Default::default(),
            key_groups_layout: flinspect::probe::key_groups_layout(&md, path.parent().unwrap()),
            // Every fixture's files are there (read through an inferred map where the tree
            // moved): no state_files_missing on any of them.
            state_files: Some(
                flinspect::scan::snapshot_files(path, &[])
                    .unwrap()
                    .state_files(),
            ),
        };
        let own = Job::from_snapshot(&md, "self");
        let r = check::check(&md, &own, &options);
        let errors: Vec<_> = r.blocking(Severity::Error).collect();
        assert!(
            errors.is_empty(),
            "{}: incompatible with itself: {errors:#?}",
            path.display()
        );
        for job in [&empty, &fixture] {
            let r = check::check(&md, job, &options);
            fired.extend(r.findings.iter().map(|f| f.rule));
        }
    }
    eprintln!("rules fired over {} snapshots: {fired:?}", all.len());
}

// --- --against: the new job described by another snapshot -------------------------------------

fn against(snapshot: &std::path::Path, other: &std::path::Path) -> Report {
    let bytes = read(other);
    let md = flinspect::format::parse(&bytes).unwrap();
    let job = Job::from_snapshot(&md, "other");
    run_job(snapshot, &job, None)
}

#[test]
fn against_another_snapshot() {
    // The backend comes from the other snapshot's keyed state layout: a RocksDB checkpoint
    // against a heap checkpoint of the new job is the recorded backend-rocksdb-to-hashmap case.
    let r = against(
        &restore_snapshot("2.3.0", "rocksdb-checkpoint"),
        &restore_snapshot("2.3.0", "hashmap-checkpoint"),
    );
    assert_eq!(r.blocking(Severity::Error).count(), 1, "{:#?}", r.findings);
    assert_eq!(of(&r, "state_backend_mismatch").len(), 1);
    // A max parallelism that differs from the one Flink derives counts as explicit: 256 for
    // parallelism 2 (maxpar256) against a snapshot with 128 is an error on the keyed operator.
    let r = against(
        &hashmap_canonical(),
        &fixture("1.20.3", "maxpar256", Which::Canonical),
    );
    let f = of(&r, "max_parallelism_changed");
    assert!(f.iter().any(|f| f.severity == Severity::Error
        && f.operator
            .iter()
            .chain(&f.operators)
            .any(|o| o.id.to_hex() == "38e7541c9b1074a2ac9abb34ce40e725")));
    // The other way round, 128 is what Flink derives: it adopts the snapshot's 256.
    let r = against(
        &fixture("1.20.3", "maxpar256", Which::Canonical),
        &hashmap_canonical(),
    );
    assert_none(&r, "max_parallelism_changed");
    assert!(!of(&r, "max_parallelism_adopted").is_empty());
    // A rescaled job (p3) against the unaligned checkpoint with in-flight data.
    let r = against(
        &fixture("1.20.3", "unaligned", Which::FirstCheckpoint),
        &fixture("1.20.3", "p3", Which::Canonical),
    );
    assert_eq!(of(&r, "channel_state_topology_change").len(), 1);
    // A V4 snapshot as the new job: releases 1.16 - 1.20, which cannot read a V6 snapshot.
    let r = against(
        &fixture("2.1.1", "hashmap", Which::Canonical),
        &hashmap_canonical(),
    );
    assert_eq!(
        of(&r, "metadata_version_unsupported")[0].severity,
        Severity::Error
    );
}
