//! `flinspect scan` on copies of real Flink fixtures: what it finds when files go missing, get
//! truncated or pile up, and that it changes nothing and answers the same at any thread count.

use crate::scan_fixture;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use flinspect::analysis::{FileRef, SnapshotKind};
use flinspect::scan::{Area, Job, Layout, ProblemKind, Report, Snapshot, Status};
use scan_fixture::{
    all_cases, files_under, incremental_case, job_dir, newest_checkpoint, referenced_shared_file,
    references_of, Copy,
};

fn job<'r>(report: &'r Report, dir: &Path) -> &'r Job {
    report
        .jobs
        .iter()
        .find(|j| j.dir.as_deref() == Some(dir))
        .unwrap_or_else(|| panic!("no job for {}", dir.display()))
}

fn snapshot<'r>(report: &'r Report, metadata: &Path) -> &'r Snapshot {
    report
        .jobs
        .iter()
        .flat_map(|j| &j.snapshots)
        .find(|s| s.path == metadata)
        .unwrap_or_else(|| panic!("no snapshot {}", metadata.display()))
}

#[test]
fn every_fixture_copy_is_restorable() {
    let cases = all_cases();
    assert!(!cases.is_empty());
    let copy = Copy::new(&cases);
    let report = copy.scan(0);
    let t = report.totals();
    assert!(t.snapshots >= cases.len(), "{t:?}");
    for j in &report.jobs {
        for s in &j.snapshots {
            assert_eq!(
                s.status,
                Status::Restorable,
                "{}: {:?} {:?}",
                s.path.display(),
                s.error,
                s.problems
            );
            assert!(s.kind.is_some(), "{}", s.path.display());
        }
    }
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Every case has at least one job directory, and its savepoints (named after the JobID)
    // join it rather than forming a group of their own.
    assert!(report.jobs.len() >= cases.len());
    for j in &report.jobs {
        assert_eq!(j.layout, Layout::JobDir, "{}", j.key);
        assert!(j.job_id.as_deref().is_some_and(flinspect::scan::is_job_id));
        if j.snapshots
            .iter()
            .any(|s| s.kind == Some(SnapshotKind::Checkpoint))
        {
            assert!(j.newest_checkpoint.is_some(), "{}", j.key);
        }
    }
    let out = copy.cli(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn savepoints_join_their_job_and_the_newest_are_named() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let report = copy.scan(2);
    assert_eq!(report.jobs.len(), 1);
    let j = &report.jobs[0];
    assert_eq!(
        j.dir.as_deref(),
        Some(job_dir(&copy.case_dir(&case)).as_path())
    );
    let kinds: Vec<_> = j.snapshots.iter().map(|s| s.kind).collect();
    assert!(kinds.contains(&Some(SnapshotKind::Savepoint)));
    assert!(kinds.contains(&Some(SnapshotKind::Checkpoint)));
    let newest = &j.snapshots[j.newest_checkpoint.unwrap()];
    assert_eq!(
        newest.dir,
        newest_checkpoint(&job_dir(&copy.case_dir(&case)))
    );
    let sp = &j.snapshots[j.newest_savepoint.unwrap()];
    assert_eq!(sp.kind, Some(SnapshotKind::Savepoint));
    assert!(sp
        .dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("savepoint-"));
}

#[test]
fn deleted_shared_file_makes_the_checkpoint_broken_and_names_it() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let chk = newest_checkpoint(&job_dir(&copy.case_dir(&case)));
    let victim = referenced_shared_file(&copy, &chk);
    fs::remove_file(&victim).unwrap();

    let report = copy.scan(2);
    let s = snapshot(&report, &chk.join("_metadata"));
    assert_eq!(s.status, Status::Broken);
    let missing: Vec<_> = s
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Missing)
        .collect();
    assert_eq!(missing.len(), 1, "{:?}", s.problems);
    assert_eq!(missing[0].path.as_deref(), Some(victim.as_path()));
    assert!(missing[0]
        .recorded
        .starts_with("file:/tmp/flinspect-fixtures/"));
    assert!(report.totals().broken >= 1);
    let j = &report.jobs[0];
    assert_ne!(j.newest_checkpoint.map(|i| &j.snapshots[i].dir), Some(&chk));

    let out = copy.cli(&[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let victim_name = victim.file_name().unwrap().to_string_lossy();
    assert!(text.contains("missing"), "{text}");
    assert!(text.contains(&*victim_name), "{text}");

    // A broken snapshot may be repaired and restored: the files it still references, and the
    // ones beside them that look unreferenced, are never offered for deletion.
    let j = job(&report, &job_dir(&copy.case_dir(&case)));
    assert!(j.reclaimable.is_empty(), "{:?}", j.reclaimable);
    assert!(
        j.reclaimable_withheld
            .as_deref()
            .is_some_and(|w| w.contains("missing or short")),
        "{:?}",
        j.reclaimable_withheld
    );
    let out = copy.cli(&["--print0-reclaimable"]);
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Every file that a scan through the right map finds referenced, by path.
fn referenced_files(report: &Report) -> std::collections::BTreeSet<PathBuf> {
    let mut all = std::collections::BTreeSet::new();
    for s in report.jobs.iter().flat_map(|j| &j.snapshots) {
        let bytes = fs::read(&s.path).unwrap();
        let md = flinspect::format::parse(&bytes).unwrap();
        for r in flinspect::analysis::references(&md) {
            let p = match &r.file {
                flinspect::analysis::FileRef::Inline => continue,
                flinspect::analysis::FileRef::Relative(n) => s.dir.join(&*n.to_str()),
                flinspect::analysis::FileRef::Absolute(u)
                | flinspect::analysis::FileRef::Segment { path: u, .. } => {
                    match flinspect::scan::paths::resolve_absolute(&u.to_str(), &s.inferred_maps) {
                        flinspect::scan::paths::Resolved::Local(p) => p,
                        flinspect::scan::paths::Resolved::Unmapped => continue,
                    }
                }
            };
            all.insert(p);
        }
        all.insert(s.path.clone());
    }
    all
}

/// The data-safety case of issue 12: a copy of every fixture tree at another path (as after a
/// restore from backup, a remount or a bucket copy) and scanned without --map. The snapshots'
/// absolute references point where the jobs ran; the same files are here.
#[test]
fn a_relocated_copy_of_every_fixture_is_read_where_it_is_and_no_live_file_is_reclaimable() {
    let cases = all_cases();
    let copy = Copy::new(&cases);
    let mut o = copy.options(2);
    o.maps.clear();
    let mapped = copy.scan(2);
    let inferred = flinspect::scan::scan(&o, &Default::default()).unwrap();
    let t = inferred.totals();
    assert_eq!(t.restorable, t.snapshots, "{t:?}");
    assert_eq!(t, mapped.totals());
    // Every snapshot with an absolute reference says which map it inferred: the one a user
    // would have given.
    let with_maps: Vec<_> = inferred
        .jobs
        .iter()
        .flat_map(|j| &j.snapshots)
        .filter(|s| !s.inferred_maps.is_empty())
        .collect();
    assert!(!with_maps.is_empty());
    for s in &with_maps {
        assert_eq!(s.inferred_maps, vec![copy.map()], "{}", s.path.display());
    }
    assert_eq!(inferred.relocations.len(), 1);
    assert_eq!(inferred.relocations[0].map, copy.map());
    assert_eq!(inferred.relocations[0].snapshots, with_maps.len());
    // The same reclaim list as with the explicit map, and none of it is referenced.
    let listed = |r: &Report| -> Vec<PathBuf> {
        r.reclaimable()
            .into_iter()
            .map(|x| x.path.clone())
            .collect()
    };
    assert_eq!(listed(&inferred), listed(&mapped));
    let live = referenced_files(&inferred);
    for p in listed(&inferred) {
        assert!(!live.contains(&p), "live file listed: {}", p.display());
    }

    // The CLI says what it inferred and the --map that makes it explicit.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .arg("scan")
        .arg(copy.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!("--map {}", copy.map());
    assert!(err.contains(&want), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&want));

    // Told not to infer, the snapshots with absolute references are broken, and no job with a
    // broken snapshot lists anything: in particular not one live file.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(["scan", "--exact-paths", "--print0-reclaimable"])
        .arg(copy.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    for p in out.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(String::from_utf8_lossy(p).into_owned());
        assert!(!live.contains(&p), "live file listed: {}", p.display());
    }
    o.exact_paths = true;
    let exact = flinspect::scan::scan(&o, &Default::default()).unwrap();
    for j in &exact.jobs {
        if j.snapshots.iter().any(|s| s.status != Status::Restorable) {
            assert!(j.reclaimable.is_empty(), "{}", j.key);
        }
    }
}

/// Two copies of one job under the roots: each copy's snapshots are read in their own copy.
#[test]
fn with_two_copies_under_the_roots_each_snapshot_reads_its_own() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let second = copy.root().join("backup");
    fs::create_dir(&second).unwrap();
    fs::create_dir_all(second.join(&case.0)).unwrap();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(copy.case_dir(&case))
        .arg(second.join(&case.0))
        .status()
        .unwrap();
    assert!(status.success());
    // Break the backup: its own snapshots must see it, the original's must not.
    let backup_chk = newest_checkpoint(&job_dir(&second.join(&case.0).join(&case.1)));
    let victim = referenced_shared_file(&copy, &newest_checkpoint(&job_dir(&copy.case_dir(&case))));
    let rel = victim.strip_prefix(copy.root()).unwrap().to_path_buf();
    fs::remove_file(second.join(&rel)).unwrap();
    let mut o = copy.options(2);
    o.maps.clear();
    let report = flinspect::scan::scan(&o, &Default::default()).unwrap();
    let s = snapshot(&report, &backup_chk.join("_metadata"));
    assert_eq!(s.status, Status::Broken, "{:?}", s.problems);
    let orig = newest_checkpoint(&job_dir(&copy.case_dir(&case)));
    assert_eq!(
        snapshot(&report, &orig.join("_metadata")).status,
        Status::Restorable
    );
}

#[test]
fn truncated_file_is_short_and_breaks_the_checkpoint() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let chk = newest_checkpoint(&job_dir(&copy.case_dir(&case)));
    // A relative reference: a file inside chk-N named by the metadata.
    let (name, size) = references_of(&chk)
        .into_iter()
        .find_map(|(f, size)| match f {
            FileRef::Relative(n) if size > 1 => Some((n.to_str().into_owned(), size as u64)),
            _ => None,
        })
        .expect("a relative reference");
    let victim = chk.join(&name);
    let f = fs::OpenOptions::new().write(true).open(&victim).unwrap();
    f.set_len(size - 1).unwrap();
    drop(f);

    let report = copy.scan(1);
    let s = snapshot(&report, &chk.join("_metadata"));
    assert_eq!(s.status, Status::Broken);
    let p = s
        .problems
        .iter()
        .find(|p| p.path.as_deref() == Some(victim.as_path()))
        .expect("the truncated file is named");
    assert_eq!(p.kind, ProblemKind::Short);
    assert_eq!(p.found, Some(size - 1));
    assert_eq!(p.needed, Some(size));
    assert_eq!(p.recorded, name);
}

#[test]
fn unreferenced_shared_file_is_reclaimable_with_its_size() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let jd = job_dir(&copy.case_dir(&case));
    let before = copy.scan(2);
    let before_bytes = job(&before, &jd).reclaimable_bytes();

    let orphan = jd.join("shared").join("orphan-0000");
    fs::write(&orphan, vec![7u8; 1234]).unwrap();
    let after = copy.scan(2);
    let j = job(&after, &jd);
    let r = j
        .reclaimable
        .iter()
        .find(|r| r.path == orphan)
        .expect("the orphan is reclaimable");
    assert_eq!(r.len, 1234);
    assert_eq!(r.area, Area::Shared);
    assert_eq!(j.reclaimable_bytes(), before_bytes + 1234);
    // Nothing a retained _metadata references is ever listed.
    let referenced: Vec<PathBuf> = j.snapshots.iter().map(|s| s.path.clone()).collect();
    assert!(j.reclaimable.iter().all(|r| !referenced.contains(&r.path)));
    for s in &j.snapshots {
        assert_eq!(s.status, Status::Restorable);
    }

    // --print0-reclaimable: the paths, NUL-terminated, on stdout; a warning on stderr.
    let out = copy.cli(&["--print0-reclaimable"]);
    assert_eq!(out.status.code(), Some(0));
    let listed: Vec<&[u8]> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .collect();
    assert!(out.stdout.ends_with(b"\0"));
    assert!(listed.contains(&orphan.as_os_str().as_encoded_bytes()));
    assert_eq!(listed.len(), after.totals().reclaimable_files);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning"), "{err}");
    assert!(err.contains("running job"), "{err}");
    assert!(orphan.exists(), "nothing is deleted");
}

#[test]
fn checkpoint_directory_without_metadata_is_reported() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let jd = job_dir(&copy.case_dir(&case));
    let failed = jd.join("chk-99");
    fs::create_dir(&failed).unwrap();
    fs::write(failed.join("partial-state"), b"0123456789").unwrap();
    fs::create_dir(jd.join("chk-100")).unwrap();

    let report = copy.scan(2);
    let j = job(&report, &jd);
    let ids: Vec<_> = j.incomplete.iter().map(|i| i.checkpoint_id).collect();
    assert_eq!(ids, [Some(99), Some(100)]);
    assert_eq!((j.incomplete[0].files, j.incomplete[0].bytes), (1, 10));
    assert_eq!(j.incomplete[0].dir, failed);
    let r = j
        .reclaimable
        .iter()
        .find(|r| r.path == failed.join("partial-state"))
        .expect("its files are reclaimable");
    assert_eq!(r.area, Area::Checkpoint);
    assert_eq!(report.totals().incomplete, 2);

    let out = copy.cli(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("chk-99 has no _metadata"), "{text}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "an incomplete checkpoint is not broken"
    );
}

#[test]
fn corrupt_metadata_is_an_error_and_the_scan_goes_on() {
    let cases = all_cases();
    let copy = Copy::new(&cases);
    let case = incremental_case();
    let jd = job_dir(&copy.case_dir(&case));
    let chk = newest_checkpoint(&jd);
    let clean = copy.scan(2);
    fs::write(
        chk.join("_metadata"),
        b"\x00\x00\x00\x04 definitely not a checkpoint",
    )
    .unwrap();
    // An orphan that would be reclaimable, were every _metadata readable.
    fs::write(jd.join("shared").join("orphan"), b"x").unwrap();

    let report = copy.scan(2);
    let s = snapshot(&report, &chk.join("_metadata"));
    assert_eq!(s.status, Status::Error);
    assert!(s.error.is_some());
    let t = report.totals();
    assert_eq!(t.metadata_errors, 1);
    assert_eq!(
        t.snapshots,
        clean.totals().snapshots,
        "every other snapshot is still checked"
    );
    assert_eq!(t.restorable, clean.totals().restorable - 1);
    let j = job(&report, &jd);
    assert!(j.reclaimable.is_empty());
    assert!(j.reclaimable_withheld.is_some());

    let out = copy.cli(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&*chk.join("_metadata").to_string_lossy()),
        "{err}"
    );
}

#[test]
fn results_are_identical_at_one_and_many_threads() {
    let cases = all_cases();
    let copy = Copy::new(&cases);
    // Some damage too, so the comparison covers problems, incomplete and reclaimable files.
    let case = incremental_case();
    let jd = job_dir(&copy.case_dir(&case));
    let victim = referenced_shared_file(&copy, &newest_checkpoint(&jd));
    fs::remove_file(victim).unwrap();
    fs::create_dir(jd.join("chk-77")).unwrap();
    fs::write(jd.join("shared").join("orphan"), b"abc").unwrap();

    let one = copy.scan(1);
    for threads in [2, 4, 8] {
        assert_eq!(copy.scan(threads), one, "threads={threads}");
    }
    let a = copy.cli(&["--json", "--threads", "1"]);
    let b = copy.cli(&["--json", "--threads", "4"]);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.status.code(), Some(1));
    let a = copy.cli(&["--threads", "1"]);
    let b = copy.cli(&["--threads", "3"]);
    assert_eq!(a.stdout, b.stdout);
}

fn fingerprint(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    files_under(root)
        .into_iter()
        .map(|p| {
            let m = fs::metadata(&p).unwrap();
            let bytes = fs::read(&p).unwrap();
            (p, (bytes, m.modified().unwrap()))
        })
        .collect()
}

#[test]
fn inputs_are_unchanged_after_a_scan() {
    let cases = all_cases();
    let copy = Copy::new(&cases);
    let jd = job_dir(&copy.case_dir(&incremental_case()));
    fs::create_dir(jd.join("chk-50")).unwrap();
    fs::write(jd.join("shared").join("orphan"), b"abc").unwrap();
    let before = fingerprint(&copy.root());
    let dirs_before: Vec<_> = dirs_under(&copy.root());

    copy.scan(2);
    for args in [
        &[][..],
        &["--json"],
        &["--print0-reclaimable"],
        &["--threads", "1"],
    ] {
        copy.cli(args);
    }
    assert_eq!(fingerprint(&copy.root()), before);
    assert_eq!(dirs_under(&copy.root()), dirs_before);
}

fn dirs_under(root: &Path) -> Vec<(PathBuf, SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        out.push((d.clone(), fs::metadata(&d).unwrap().modified().unwrap()));
        for e in fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
#[test]
fn directory_symlink_loops_are_not_followed() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let jd = job_dir(&copy.case_dir(&case));
    let lp = jd.join("shared").join("loop");
    std::os::unix::fs::symlink(&jd, &lp).unwrap();
    std::os::unix::fs::symlink(copy.root(), copy.root().join("up")).unwrap();

    let plain = Copy::new(std::slice::from_ref(&case)).scan(2).totals();
    let report = copy.scan(2);
    assert_eq!(report.totals().snapshots, plain.snapshots);
    assert!(report.skipped_symlinks.contains(&lp));
    assert!(report.errors.is_empty());
}

#[test]
fn file_uri_spellings_in_map_prefixes_are_the_same() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let root = copy.root();
    let spelled = |prefix: &str| {
        let mut o = copy.options(2);
        o.maps = vec![flinspect::scan::PathMap::new(prefix, &root)];
        flinspect::scan::scan(&o, &Default::default()).unwrap()
    };
    let a = spelled("file:/tmp/flinspect-fixtures");
    assert_eq!(a.totals().restorable, a.totals().snapshots);
    assert_eq!(spelled("file:///tmp/flinspect-fixtures/"), a);
    assert_eq!(spelled("/tmp/flinspect-fixtures"), a);
}

#[test]
fn without_a_map_absolute_paths_are_read_where_they_say() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let mut o = copy.options(2);
    o.maps.clear();
    o.exact_paths = true;
    let report = flinspect::scan::scan(&o, &Default::default()).unwrap();
    let chk = newest_checkpoint(&job_dir(&copy.case_dir(&case)));
    let s = snapshot(&report, &chk.join("_metadata"));
    // /tmp/flinspect-fixtures is where the job ran, not this copy.
    if !Path::new("/tmp/flinspect-fixtures").exists() {
        assert_eq!(s.status, Status::Broken);
        assert!(s.problems.iter().all(|p| p
            .path
            .as_ref()
            .is_some_and(|p| p.starts_with("/tmp/flinspect-fixtures"))));
    }
}

#[test]
fn other_layouts_are_grouped_by_location() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    // A savepoint copied under a name of the user's choosing.
    let sp = fs::read_dir(copy.case_dir(&case))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("savepoint-")
        })
        .unwrap();
    let backups = copy.root().join("backups");
    fs::create_dir_all(backups.join("before-upgrade")).unwrap();
    for f in files_under(&sp) {
        fs::copy(
            &f,
            backups.join("before-upgrade").join(f.file_name().unwrap()),
        )
        .unwrap();
    }
    let report = copy.scan(2);
    let j = report
        .jobs
        .iter()
        .find(|j| j.layout == Layout::Location)
        .expect("a location group");
    assert_eq!(j.key, backups.display().to_string());
    assert_eq!(j.snapshots.len(), 1);
    assert_eq!(j.snapshots[0].status, Status::Restorable);
    assert_eq!(j.snapshots[0].kind, Some(SnapshotKind::Savepoint));
}

#[test]
fn a_missing_root_is_an_error_but_others_are_scanned() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(["scan", "--map", &copy.map_arg()])
        .arg(copy.root())
        .arg(copy.root().join("does-not-exist"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("restorable"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(["scan", "/does/not/exist"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_is_an_error_and_withholds_reclaimable_files() {
    use std::os::unix::fs::PermissionsExt;
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let jd = job_dir(&copy.case_dir(&case));
    fs::write(jd.join("shared").join("orphan"), b"abc").unwrap();
    let locked = jd.join("chk-60");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads any directory whatever its mode; then there is nothing to test here.
    let readable = fs::read_dir(&locked).is_ok();
    let report = copy.scan(2);
    let out = copy.cli(&[]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    if readable {
        return;
    }
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].path, locked);
    assert_eq!(report.errors[0].message, "permission denied");
    let j = job(&report, &jd);
    assert!(
        j.reclaimable.is_empty(),
        "a chk-N that cannot be read may hold a _metadata"
    );
    assert!(j.reclaimable_withheld.is_some());
    assert!(j.snapshots.iter().all(|s| s.status == Status::Restorable));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("permission denied"));
}

/// Rewrites every `file:/tmp/` in the copy's `_metadata` files to `s3://bkt1/` (same length, so
/// Java's length-prefixed strings stay valid): the metadata of a job that wrote to S3.
fn as_if_written_to_s3(root: &Path) {
    for f in files_under(root) {
        if f.file_name().is_some_and(|n| n == "_metadata") {
            let mut bytes = fs::read(&f).unwrap();
            let (from, to) = (b"file:/tmp/", b"s3://bkt1/");
            let mut i = 0;
            while let Some(at) = bytes[i..].windows(from.len()).position(|w| w == from) {
                bytes[i + at..i + at + to.len()].copy_from_slice(to);
                i += at + to.len();
            }
            fs::write(&f, bytes).unwrap();
        }
    }
}

#[test]
fn remote_paths_are_unverified_until_mapped() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    as_if_written_to_s3(&copy.root());
    let chk = newest_checkpoint(&job_dir(&copy.case_dir(&case)));

    let mut o = copy.options(2);
    o.maps.clear();
    o.exact_paths = true;
    let report = flinspect::scan::scan(&o, &Default::default()).unwrap();
    let s = snapshot(&report, &chk.join("_metadata"));
    assert_eq!(s.status, Status::Unverified, "{:?}", s.problems);
    assert!(s.problems.iter().all(|p| p.kind == ProblemKind::Unmapped
        && p.path.is_none()
        && p.recorded.starts_with("s3://bkt1/flinspect-fixtures/")));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(["scan", "--exact-paths"])
        .arg(copy.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--map"));

    // Without --exact-paths, the bucket's files are found in this downloaded copy by their
    // trailing path, and the inferred map is printed.
    o.exact_paths = false;
    let report = flinspect::scan::scan(&o, &Default::default()).unwrap();
    let s = snapshot(&report, &chk.join("_metadata"));
    assert_eq!(s.status, Status::Restorable, "{:?}", s.problems);
    assert_eq!(s.inferred_maps.len(), 1);
    assert_eq!(s.inferred_maps[0].prefix(), "s3://bkt1/flinspect-fixtures");
    assert_eq!(
        s.inferred_maps[0].dir(),
        copy.root().canonicalize().unwrap()
    );

    o.maps = vec![flinspect::scan::PathMap::new(
        "s3://bkt1/flinspect-fixtures",
        &copy.root(),
    )];
    let report = flinspect::scan::scan(&o, &Default::default()).unwrap();
    let t = report.totals();
    assert_eq!(t.restorable, t.snapshots, "{t:?}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(["scan", "--map"])
        .arg(format!(
            "s3://bkt1/flinspect-fixtures={}",
            copy.root().display()
        ))
        .arg(copy.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_metadata_deleted_after_the_walk_has_vanished_not_failed() {
    use flinspect::scan::{check_snapshot, CheckContext, FileEntry};
    let tmp = tempfile::tempdir().unwrap();
    let gone = FileEntry {
        path: tmp.path().join("chk-1").join("_metadata"),
        len: 100,
        modified: None,
    };
    let index = std::collections::HashMap::new();
    let ctx = CheckContext {
        files: &[],
        index: &index,
        referenced: &[],
        maps: &[],
    };
    assert_eq!(check_snapshot(&gone, &ctx), None);
    fs::create_dir(tmp.path().join("chk-1")).unwrap();
    fs::write(&gone.path, b"junk").unwrap();
    let s = check_snapshot(&gone, &ctx).expect("present");
    assert_eq!(s.status, Status::Error);
}

#[test]
fn a_root_inside_a_job_directory_lists_nothing_as_reclaimable() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let jd = job_dir(&copy.case_dir(&case));
    for root in [jd.join("shared"), newest_checkpoint(&jd)] {
        let o = flinspect::scan::Options {
            roots: vec![root.clone()],
            threads: 2,
            maps: vec![copy.map()],
            exact_paths: false,
        };
        let report = flinspect::scan::scan(&o, &Default::default()).unwrap();
        let t = report.totals();
        assert_eq!(t.reclaimable_files, 0, "{}", root.display());
        assert_eq!(t.broken, 0);
    }
}

#[test]
fn a_tree_too_deep_to_enter_is_an_error_that_withholds_reclaimable_files() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let jd = job_dir(&copy.case_dir(&case));
    fs::write(jd.join("shared").join("orphan"), b"abc").unwrap();
    let mut deep = jd.join("chk-70");
    for _ in 0..flinspect::scan::walk::MAX_DEPTH + 4 {
        deep.push("d");
    }
    fs::create_dir_all(&deep).unwrap();

    let report = copy.scan(2);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(report.errors[0].path.starts_with(&jd));
    assert!(report.errors[0].message.contains("levels deep"));
    let j = job(&report, &jd);
    assert!(j.reclaimable.is_empty());
    assert!(j.reclaimable_withheld.is_some());
    let out = copy.cli(&["--json"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"type\":\"error\""), "{text}");
}

/// A directory where a referenced state file should be is not the file: the snapshot is broken.
#[test]
fn a_directory_in_place_of_a_state_file_is_missing() {
    let case = incremental_case();
    let copy = Copy::new(std::slice::from_ref(&case));
    let chk = newest_checkpoint(&job_dir(&copy.case_dir(&case)));
    let victim = referenced_shared_file(&copy, &chk);
    fs::remove_file(&victim).unwrap();
    fs::create_dir(&victim).unwrap();
    // Big enough that a size check alone would pass.
    for i in 0..64 {
        fs::write(victim.join(format!("f{i}")), [0u8; 64]).unwrap();
    }
    let report = copy.scan(2);
    let s = snapshot(&report, &chk.join("_metadata"));
    assert_eq!(s.status, Status::Broken, "{:?}", s.problems);
}
