//! Grouping snapshots by job, and the housekeeping facts of each job directory.
//!
//! Flink lays out a job's checkpoints as `<checkpoint-dir>/<job-id>/{chk-N, shared, taskowned}`
//! (`FsCheckpointStorageAccess`) and its savepoints as
//! `<savepoint-dir>/savepoint-<first 6 hex digits of the job id>-<12 random hex digits>`
//! (`AbstractFsCheckpointStorageAccess.createSavepointDirectory`). A job directory is a directory
//! that holds a `chk-N` directory, or a JobID-named directory that holds `shared` or `taskowned`
//! (Flink creates both when the job starts, before any checkpoint completes).
//!
//! Savepoints join the job directory whose JobID starts with their prefix when exactly one does
//! (preferring one beside the savepoint when several do); otherwise they form a group of their
//! own. Any other `_metadata` is grouped with the others in the same parent directory.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::*;

enum Key {
    JobDir(PathBuf),
    Savepoints(PathBuf, String),
    Location(PathBuf),
}

impl Key {
    fn name(&self) -> String {
        match self {
            Key::JobDir(d) | Key::Location(d) => d.display().to_string(),
            Key::Savepoints(parent, prefix) => parent
                .join(format!("savepoint-{prefix}-*"))
                .display()
                .to_string(),
        }
    }
}

fn name_of(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn new_job(key: &Key) -> Job {
    let (layout, job_id, dir) = match key {
        Key::JobDir(d) => {
            let n = name_of(d);
            let id = is_job_id(n).then(|| n.to_ascii_lowercase());
            (Layout::JobDir, id, Some(d.clone()))
        }
        Key::Savepoints(_, prefix) => (Layout::Savepoints, Some(prefix.clone()), None),
        Key::Location(_) => (Layout::Location, None, None),
    };
    Job {
        key: key.name(),
        layout,
        job_id,
        dir,
        snapshots: Vec::new(),
        newest_checkpoint: None,
        newest_savepoint: None,
        incomplete: Vec::new(),
        reclaimable: Vec::new(),
        reclaimable_withheld: None,
    }
}

/// Groups `snapshots` (checked against `tree`) into jobs, sorted by key. `referenced` is
/// parallel to `tree.files`: whether any `_metadata` references the file (or is it).
pub fn group(tree: &Tree, snapshots: Vec<Snapshot>, referenced: &[bool]) -> Vec<Job> {
    // Sets and maps of paths are keyed by their bytes: `Path` hashes component by component.
    let dir_set: HashSet<&OsStr> = tree.dirs.iter().map(|d| d.as_os_str()).collect();
    let mut job_dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for d in &tree.dirs {
        let n = name_of(d);
        let Some(parent) = d.parent() else { continue };
        if checkpoint_dir_id(n).is_some()
            || ((n == "shared" || n == "taskowned") && is_job_id(name_of(parent)))
        {
            job_dirs.insert(parent.to_path_buf());
        }
    }
    // A `chk-N` given as a root has a job directory that was not walked; it still names the job.
    for s in &snapshots {
        if checkpoint_dir_id(name_of(&s.dir)).is_some() {
            if let Some(p) = s.dir.parent() {
                job_dirs.insert(p.to_path_buf());
            }
        }
    }

    let mut jobs: BTreeMap<String, Job> = BTreeMap::new();
    let mut job_key: HashMap<&OsStr, String> = HashMap::new();
    for d in &job_dirs {
        let key = Key::JobDir(d.clone());
        jobs.insert(key.name(), new_job(&key));
        job_key.insert(d.as_os_str(), key.name());
    }

    let mut by_id: ById<'_> = BTreeMap::new();
    for d in &job_dirs {
        let n = name_of(d);
        if is_job_id(n) {
            by_id.entry(n.to_ascii_lowercase()).or_default().push(d);
        }
    }
    for s in snapshots {
        let key = snapshot_key(&s, &by_id);
        let name = key.name();
        jobs.entry(name)
            .or_insert_with(|| new_job(&key))
            .snapshots
            .push(s);
    }

    // Which job directory and area each file belongs to: the `shared`, `taskowned` and `chk-N`
    // directories directly under a job directory. Only job directories the walk entered count:
    // with a root inside a job directory (its `shared/` alone, say) the checkpoints that
    // reference those files were not read, and every file would look unreferenced.
    let mut areas: HashMap<&OsStr, (&Path, Area)> = HashMap::new();
    for d in &tree.dirs {
        let Some(parent) = d.parent() else { continue };
        if !job_dirs.contains(parent) || !dir_set.contains(parent.as_os_str()) {
            continue;
        }
        let n = name_of(d);
        let area = match n {
            "shared" => Area::Shared,
            "taskowned" => Area::TaskOwned,
            _ if checkpoint_dir_id(n).is_some() => Area::Checkpoint,
            _ => continue,
        };
        areas.insert(d.as_os_str(), (parent, area));
    }
    let files: HashSet<&OsStr> = tree.files.iter().map(|f| f.path.as_os_str()).collect();
    let mut incomplete: HashMap<&OsStr, Incomplete> = HashMap::new();
    for (dir, (_, area)) in &areas {
        let dir = Path::new(dir);
        if *area == Area::Checkpoint && !files.contains(dir.join(METADATA_FILE_NAME).as_os_str()) {
            incomplete.insert(
                dir.as_os_str(),
                Incomplete {
                    dir: dir.to_path_buf(),
                    checkpoint_id: checkpoint_dir_id(name_of(dir)),
                    files: 0,
                    bytes: 0,
                    last_modified: None,
                },
            );
        }
    }
    // The nearest ancestor that is an area directory, worked out once per directory.
    let mut class_of_dir: HashMap<&OsStr, Option<(&Path, &Path, Area)>> = HashMap::new();
    for (i, f) in tree.files.iter().enumerate() {
        let Some(parent) = f.path.parent() else {
            continue;
        };
        let class = *class_of_dir.entry(parent.as_os_str()).or_insert_with(|| {
            parent
                .ancestors()
                .take_while(|a| dir_set.contains(a.as_os_str()))
                .find_map(|a| areas.get(a.as_os_str()).map(|(j, ar)| (a, *j, *ar)))
        });
        let Some((area_dir, job_dir, area)) = class else {
            continue;
        };
        if let Some(inc) = incomplete.get_mut(area_dir.as_os_str()) {
            inc.files += 1;
            inc.bytes += f.len;
            inc.last_modified = inc.last_modified.max(f.modified);
        }
        if referenced.get(i).copied().unwrap_or(true) {
            continue;
        }
        if let Some(job) = job_key
            .get(job_dir.as_os_str())
            .and_then(|k| jobs.get_mut(k))
        {
            job.reclaimable.push(Reclaimable {
                path: f.path.clone(),
                len: f.len,
                area,
                modified: f.modified,
            });
        }
    }
    for inc in incomplete.into_values() {
        let key = inc.dir.parent().and_then(|p| job_key.get(p.as_os_str()));
        if let Some(job) = key.and_then(|k| jobs.get_mut(k)) {
            job.incomplete.push(inc);
        }
    }

    let errors = ErrorIndex::new(&tree.errors);
    for job in jobs.values_mut() {
        finish(job, &errors);
    }
    jobs.into_values().collect()
}

/// Job directories named by a JobID, by lowercase JobID (several copies of one job may exist).
type ById<'a> = BTreeMap<String, Vec<&'a PathBuf>>;

fn snapshot_key(s: &Snapshot, by_id: &ById<'_>) -> Key {
    let name = name_of(&s.dir);
    let parent = s.dir.parent().unwrap_or(&s.dir).to_path_buf();
    if checkpoint_dir_id(name).is_some() {
        return Key::JobDir(parent);
    }
    if let Some(prefix) = savepoint_dir_prefix(name) {
        let matching: Vec<&PathBuf> = by_id
            .range(prefix.clone()..)
            .take_while(|(id, _)| id.starts_with(&prefix))
            .flat_map(|(_, dirs)| dirs.iter().copied())
            .collect();
        let chosen = match matching.as_slice() {
            [one] => Some(*one),
            [] => None,
            many => {
                let beside: Vec<&&PathBuf> = many
                    .iter()
                    .filter(|d| d.parent() == Some(parent.as_path()))
                    .collect();
                match beside.as_slice() {
                    [one] => Some(**one),
                    _ => None,
                }
            }
        };
        return match chosen {
            Some(d) => Key::JobDir(d.clone()),
            None => Key::Savepoints(parent, prefix),
        };
    }
    Key::Location(parent)
}

fn kind_rank(s: &Snapshot) -> u8 {
    match s.kind {
        Some(SnapshotKind::Checkpoint) => 0,
        Some(SnapshotKind::Savepoint) => 1,
        None => 2,
    }
}

/// Walk errors by path, to ask "did anything in or above this directory fail?" without
/// comparing every job with every error.
struct ErrorIndex<'a> {
    /// Sorted by bytes, so everything under `d/` is one range.
    sorted: Vec<&'a [u8]>,
    exact: HashSet<&'a OsStr>,
}

impl<'a> ErrorIndex<'a> {
    fn new(errors: &'a [WalkError]) -> Self {
        let mut sorted: Vec<&[u8]> = errors
            .iter()
            .map(|e| e.path.as_os_str().as_encoded_bytes())
            .collect();
        sorted.sort_unstable();
        ErrorIndex {
            sorted,
            exact: errors.iter().map(|e| e.path.as_os_str()).collect(),
        }
    }

    /// An error at `d`, inside it, or at one of its ancestors.
    fn touches(&self, d: &Path) -> bool {
        if d.ancestors().any(|a| self.exact.contains(a.as_os_str())) {
            return true;
        }
        let mut prefix = d.as_os_str().as_encoded_bytes().to_vec();
        prefix.push(b'/');
        let i = self.sorted.partition_point(|p| *p < prefix.as_slice());
        self.sorted.get(i).is_some_and(|p| p.starts_with(&prefix))
    }
}

fn finish(job: &mut Job, walk_errors: &ErrorIndex<'_>) {
    job.snapshots.sort_by(|a, b| {
        kind_rank(a)
            .cmp(&kind_rank(b))
            .then(
                a.checkpoint_id
                    .unwrap_or(i64::MAX)
                    .cmp(&b.checkpoint_id.unwrap_or(i64::MAX)),
            )
            .then_with(|| a.path.cmp(&b.path))
    });
    let restorable = |kind| {
        job.snapshots
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.status == Status::Restorable && s.kind == Some(kind))
    };
    // Checkpoint ids grow within a job, savepoints included (a job restored from a savepoint
    // continues from its id), so they order snapshots even in copies whose mtimes are new.
    let newest = |kind| {
        restorable(kind)
            .max_by(|(_, a), (_, b)| {
                (a.checkpoint_id, a.modified, &a.path).cmp(&(b.checkpoint_id, b.modified, &b.path))
            })
            .map(|(i, _)| i)
    };
    job.newest_checkpoint = newest(SnapshotKind::Checkpoint);
    job.newest_savepoint = newest(SnapshotKind::Savepoint);
    job.incomplete
        .sort_by(|a, b| (a.checkpoint_id, &a.dir).cmp(&(b.checkpoint_id, &b.dir)));
    job.reclaimable.sort_by(|a, b| a.path.cmp(&b.path));

    // Listing a file as reclaimable is only safe when every `_metadata` that might reference it
    // was read and every reference it makes was resolved to a file that exists: a snapshot
    // that is broken (a reference missing: perhaps read at the wrong path), unverified (a
    // reference that could not be checked: perhaps to one of these files) or unreadable may
    // still be restored, or restored after a repair, and need exactly the files that look
    // unreferenced. Within the job directory we can tell when that is not so.
    let count = |st| job.snapshots.iter().filter(|s| s.status == st).count();
    let (undecodable, broken, unverified) = (
        count(Status::Error),
        count(Status::Broken),
        count(Status::Unverified),
    );
    let unreadable = job.dir.as_ref().is_some_and(|d| walk_errors.touches(d));
    let mut why = Vec::new();
    if undecodable > 0 {
        why.push(format!(
            "{undecodable} _metadata file(s) of this job could not be decoded, so the files they reference are unknown"
        ));
    }
    if broken > 0 {
        why.push(format!(
            "{broken} snapshot(s) of this job reference files that are missing or short; if the tree was moved or copied, give --map OLD=NEW so their references are read where they are now"
        ));
    }
    if unverified > 0 {
        why.push(format!(
            "{unverified} snapshot(s) of this job reference files that could not be checked (remote paths without --map, or files that cannot be read)"
        ));
    }
    if unreadable {
        why.push("part of the job directory could not be read (see errors)".into());
    }
    if !why.is_empty() && job.layout == Layout::JobDir {
        job.reclaimable_withheld = Some(why.join("; "));
        job.reclaimable.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_errors_in_above_and_beside_a_directory() {
        let errors: Vec<WalkError> = ["/a/job/chk-3", "/a/jobx/y", "/c"]
            .iter()
            .map(|p| WalkError {
                path: PathBuf::from(p),
                message: "permission denied".into(),
            })
            .collect();
        let idx = ErrorIndex::new(&errors);
        assert!(idx.touches(Path::new("/a/job")), "an error inside");
        assert!(idx.touches(Path::new("/a/job/chk-3")), "an error at");
        assert!(idx.touches(Path::new("/c/d/job")), "an error above");
        assert!(
            !idx.touches(Path::new("/a/jo")),
            "a name prefix is not a parent"
        );
        assert!(!idx.touches(Path::new("/a/job-2")));
        assert!(!idx.touches(Path::new("/b")));
    }
}
