//! `scan`: audits whole checkpoint and savepoint trees.
//!
//! [`scan`] walks the roots in parallel ([`walk`]), reads and decodes every `_metadata` file on
//! the rayon pool, checks that every file each snapshot references exists with at least the
//! recorded size, groups the snapshots by job ([`group`]), and finds the files under a job's
//! `shared/`, `taskowned/` and `chk-N/` directories that no `_metadata` references.
//!
//! There is no ignore list: every file under `shared/`, `taskowned/` and `chk-N/` that no
//! `_metadata` references is reported, whatever its name, because a name says nothing about
//! whether Flink still needs a file. (The tests copy fixtures without flinspect's own
//! `expected.json`, `case.json` and `graph.json` for that reason.)
//!
//! Architecture invariant: this module only ever reads the file system. It never deletes,
//! renames, creates or writes anything, not even a lock or cache file; "reclaimable" is a list
//! for the user's own tooling. Per-file records are owned (`Snapshot` holds no borrow of the
//! bytes), so decoding stays inside the worker that read the file. Results are sorted before
//! they leave this module, so a scan at any thread count produces the same [`Report`].

pub mod group;
pub mod paths;
pub mod relocate;
pub mod walk;

use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::analysis::{self, FileRef, SnapshotKind};
use crate::load::{self, io_message, METADATA_FILE_NAME};
use crate::model::SavepointFormat;
pub use paths::PathMap;
pub use walk::{FileEntry, Tree, WalkError};

/// What to scan and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub roots: Vec<PathBuf>,
    /// Worker threads; 0 lets rayon choose (one per core).
    pub threads: usize,
    /// `--map PREFIX=LOCALDIR` rewrites of recorded absolute paths.
    pub maps: Vec<PathMap>,
    /// Never infer a relocation ([`relocate`]): read recorded paths only where they say, or
    /// through `maps`.
    pub exact_paths: bool,
}

/// Live counters a progress display may poll from another thread while [`scan`] runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// The `PHASE_*` the scan is in.
    pub phase: AtomicU8,
    pub dirs: AtomicU64,
    pub files: AtomicU64,
    /// `_metadata` files found (known once the walk ends).
    pub snapshots: AtomicU64,
    pub checked: AtomicU64,
    /// Snapshots checked again through inferred prefix maps, of `relocating` (during
    /// `PHASE_RELOCATE`).
    pub relocated: AtomicU64,
    pub relocating: AtomicU64,
}

/// Walking the roots: `dirs` and `files` count up.
pub const PHASE_WALK: u8 = 0;
/// Checking each `_metadata` and its files: `checked` counts up to `snapshots`.
pub const PHASE_CHECK: u8 = 1;
/// Grouping snapshots into jobs and finding reclaimable files.
pub const PHASE_GROUP: u8 = 2;
/// The scan has finished (a caller may go on to [`PHASE_WRITE`]).
pub const PHASE_DONE: u8 = 3;
/// Indexing the walked files by path, before checking.
pub const PHASE_INDEX: u8 = 4;
/// Checking snapshots again where the tree was moved: `relocated` counts up to `relocating`.
pub const PHASE_RELOCATE: u8 = 5;
/// Not set by [`scan`]: a caller rendering and writing the report sets it, so that a display
/// still running says so.
pub const PHASE_WRITE: u8 = 6;

/// Whether a snapshot can be restored, as far as its files tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Every referenced file exists with at least the recorded size.
    Restorable,
    /// A referenced file is missing or shorter than recorded.
    Broken,
    /// Nothing is missing, but some referenced files could not be checked (an unmapped remote
    /// path, a file that cannot be stat'ed).
    Unverified,
    /// The `_metadata` file could not be read or decoded.
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Restorable => "restorable",
            Status::Broken => "broken",
            Status::Unverified => "unverified",
            Status::Error => "error",
        }
    }
}

/// What is wrong with one referenced file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// Not there.
    Missing,
    /// Shorter than the metadata records.
    Short,
    /// A remote path (`s3://`, `hdfs://`, another host's `file://`) that no `--map` covers.
    Unmapped,
    /// Exists, perhaps, but cannot be stat'ed (e.g. permission denied).
    Inaccessible,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Missing => "missing",
            ProblemKind::Short => "short",
            ProblemKind::Unmapped => "unmapped",
            ProblemKind::Inaccessible => "inaccessible",
        }
    }

    /// Missing and short files make a snapshot broken; the others leave it unverified.
    pub fn is_broken(self) -> bool {
        matches!(self, ProblemKind::Missing | ProblemKind::Short)
    }
}

/// One referenced file that is not fine.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The local path checked (null for an unmapped remote path).
    pub path: Option<PathBuf>,
    pub kind: ProblemKind,
    /// The path as the metadata records it (a URI, or a name relative to the snapshot).
    pub recorded: String,
    /// The size the file needs: the recorded size, or a segment's end offset (null if unknown).
    pub needed: Option<u64>,
    /// The size found on disk (for `short`).
    pub found: Option<u64>,
    /// The OS error (for `inaccessible`).
    pub message: Option<String>,
}

/// One `_metadata` file and what the scan found out about it. Owned: built inside the worker
/// that read the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The `_metadata` file.
    pub path: PathBuf,
    /// The snapshot directory (against which relative handles resolve).
    pub dir: PathBuf,
    pub kind: Option<SnapshotKind>,
    pub format: Option<SavepointFormat>,
    pub checkpoint_id: Option<i64>,
    pub metadata_version: Option<i32>,
    /// Modification time of the `_metadata` file.
    pub modified: Option<SystemTime>,
    pub metadata_bytes: u64,
    pub operators: Option<usize>,
    pub state_size: Option<i64>,
    /// Bytes of the incremental (RocksDB, ForSt) shared files it references, each distinct
    /// file once, as recorded: the part of `state_size` other checkpoints of the job may share.
    pub shared_state_size: Option<i64>,
    /// Distinct local files the metadata references (inline state excluded).
    pub referenced_files: usize,
    /// References that resolved to no local file (unmapped remote paths).
    pub unmapped_references: usize,
    pub status: Status,
    /// Sorted by path.
    pub problems: Vec<Problem>,
    /// Why the `_metadata` could not be read or decoded.
    pub error: Option<String>,
    /// Prefix maps flinspect inferred because the tree moved since Flink wrote it (see
    /// [`relocate`]); the references were checked through them. Empty when none was needed.
    pub inferred_maps: Vec<PathMap>,
}

impl Snapshot {
    /// Its referenced files in the form `check` judges.
    pub fn state_files(&self) -> analysis::StateFiles {
        let mut f = analysis::StateFiles {
            referenced: self.referenced_files,
            inferred_maps: self.inferred_maps.iter().map(|m| m.to_string()).collect(),
            ..Default::default()
        };
        let mut not_found = 0;
        for p in &self.problems {
            let shown = p
                .path
                .as_ref()
                .map_or_else(|| p.recorded.clone(), |x| x.display().to_string());
            match p.kind {
                ProblemKind::Missing => {
                    not_found += 1;
                    f.broken.push(("missing".into(), shown));
                }
                ProblemKind::Short => f.broken.push((
                    format!(
                        "short: {} bytes on disk, {} needed",
                        p.found.unwrap_or(0),
                        p.needed.unwrap_or(0)
                    ),
                    shown,
                )),
                ProblemKind::Unmapped => f.unmapped.push(p.recorded.clone()),
                ProblemKind::Inaccessible => f.inaccessible.push(shown),
            }
        }
        f.found = f
            .referenced
            .saturating_sub(not_found + f.inaccessible.len());
        f
    }
}

/// How a job group was recognized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layout {
    /// A job's checkpoint directory: `<job-id>/chk-N`, `shared/`, `taskowned/`.
    JobDir,
    /// `savepoint-<job-id-prefix>-<random>` directories of a job whose checkpoint directory was
    /// not found.
    Savepoints,
    /// Any other layout: snapshots grouped by their parent directory.
    Location,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::JobDir => "job-dir",
            Layout::Savepoints => "savepoints",
            Layout::Location => "location",
        }
    }
}

/// A `chk-N` directory without a `_metadata` file: a failed, aborted or in-progress checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incomplete {
    pub dir: PathBuf,
    pub checkpoint_id: Option<i64>,
    pub files: u64,
    pub bytes: u64,
    /// The newest modification time of a file inside: recent means perhaps still in progress.
    pub last_modified: Option<SystemTime>,
}

/// Where under a job directory a reclaimable file lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    Shared,
    TaskOwned,
    Checkpoint,
}

impl Area {
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Shared => "shared",
            Area::TaskOwned => "taskowned",
            Area::Checkpoint => "chk",
        }
    }
}

/// A file under `shared/`, `taskowned/` or `chk-N/` that no `_metadata` found references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reclaimable {
    pub path: PathBuf,
    pub len: u64,
    pub area: Area,
    /// Recent files may belong to a checkpoint still being written.
    pub modified: Option<SystemTime>,
}

/// Snapshots of one job (or one location), with its housekeeping facts.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// A stable name for the group: the job directory, `<dir>/savepoint-<prefix>-*`, or the
    /// parent directory of the snapshots.
    pub key: String,
    pub layout: Layout,
    /// The full JobID (32 hex digits) when the job directory is named by it, else the prefix of
    /// its savepoint directories' names, else none.
    pub job_id: Option<String>,
    /// The job's checkpoint directory (layout `JobDir`).
    pub dir: Option<PathBuf>,
    /// Checkpoints first (by id), then savepoints, then the rest; ties by path.
    pub snapshots: Vec<Snapshot>,
    /// Index into `snapshots`: the restorable checkpoint with the highest id (then the latest
    /// modification time).
    pub newest_checkpoint: Option<usize>,
    /// Index into `snapshots`: the restorable savepoint with the highest id (then the latest
    /// modification time).
    pub newest_savepoint: Option<usize>,
    /// Sorted by checkpoint id.
    pub incomplete: Vec<Incomplete>,
    /// Sorted by path.
    pub reclaimable: Vec<Reclaimable>,
    /// Why reclaimable files are not listed for this job, when listing them would not be safe
    /// (set whether or not unreferenced files exist).
    pub reclaimable_withheld: Option<String>,
}

impl Job {
    pub fn reclaimable_bytes(&self) -> u64 {
        self.reclaimable.iter().map(|r| r.len).sum()
    }

    pub fn count(&self, status: Status) -> usize {
        self.snapshots.iter().filter(|s| s.status == status).count()
    }
}

/// Totals over a whole report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub jobs: usize,
    pub snapshots: usize,
    pub restorable: usize,
    pub broken: usize,
    pub unverified: usize,
    pub metadata_errors: usize,
    pub walk_errors: usize,
    pub incomplete: usize,
    pub reclaimable_files: usize,
    pub reclaimable_bytes: u64,
    pub metadata_bytes: u64,
}

/// The result of one scan. Everything is sorted; equal inputs give equal reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// The roots walked (canonical).
    pub roots: Vec<PathBuf>,
    /// Sorted by key.
    pub jobs: Vec<Job>,
    /// Walk errors (unreadable directories, missing roots), sorted by path.
    pub errors: Vec<WalkError>,
    /// Directory symlinks not followed.
    pub skipped_symlinks: Vec<PathBuf>,
    pub dirs_walked: u64,
    pub files_walked: u64,
    /// Files and directories that disappeared while the scan ran (a running job deleting
    /// subsumed checkpoints); not errors.
    pub vanished: u64,
    /// Every prefix map inferred for some snapshot, with how many snapshots used it; sorted.
    pub relocations: Vec<Relocation>,
}

/// A prefix map inferred because a tree moved ([`relocate`]), and how many snapshots' references
/// were read through it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relocation {
    pub map: PathMap,
    pub snapshots: usize,
}

impl Report {
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            jobs: self.jobs.len(),
            walk_errors: self.errors.len(),
            ..Totals::default()
        };
        for j in &self.jobs {
            for s in &j.snapshots {
                t.snapshots += 1;
                t.metadata_bytes += s.metadata_bytes;
                match s.status {
                    Status::Restorable => t.restorable += 1,
                    Status::Broken => t.broken += 1,
                    Status::Unverified => t.unverified += 1,
                    Status::Error => t.metadata_errors += 1,
                }
            }
            t.incomplete += j.incomplete.len();
            t.reclaimable_files += j.reclaimable.len();
            t.reclaimable_bytes += j.reclaimable_bytes();
        }
        t
    }

    /// Every reclaimable file of every job, sorted by path.
    pub fn reclaimable(&self) -> Vec<&Reclaimable> {
        let mut all: Vec<&Reclaimable> = self.jobs.iter().flat_map(|j| &j.reclaimable).collect();
        all.sort_by(|a, b| a.path.cmp(&b.path));
        all
    }
}

/// Scans `opts.roots`. Fails only when the thread pool cannot be built; everything that goes
/// wrong with a file or directory is in the report.
pub fn scan(opts: &Options, progress: &Progress) -> Result<Report, String> {
    let mut builder = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("flinspect-scan-{i}"))
        // Deep trees recurse through rayon jobs; give each worker room.
        .stack_size(8 << 20);
    if opts.threads > 0 {
        builder = builder.num_threads(opts.threads);
    }
    let pool = builder
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    Ok(pool.install(|| scan_in_pool(opts, progress)))
}

fn scan_in_pool(opts: &Options, progress: &Progress) -> Report {
    progress.phase.store(PHASE_WALK, Ordering::Relaxed);
    let tree = walk::walk(&opts.roots, progress);
    progress.phase.store(PHASE_INDEX, Ordering::Relaxed);

    let index: HashMap<&OsStr, usize> = tree
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_os_str(), i))
        .collect();
    let marks: Vec<AtomicBool> = tree.files.iter().map(|_| AtomicBool::new(false)).collect();
    let metadata: Vec<&FileEntry> = tree
        .files
        .iter()
        .filter(|f| f.path.file_name().is_some_and(|n| n == METADATA_FILE_NAME))
        .collect();
    // The count first: a display that sees the new phase reads it.
    progress
        .snapshots
        .store(metadata.len() as u64, Ordering::Release);
    progress.phase.store(PHASE_CHECK, Ordering::Release);
    let ctx = CheckContext {
        files: &tree.files,
        index: &index,
        referenced: &marks,
        maps: &opts.maps,
    };
    let checked: Vec<Option<Snapshot>> = metadata
        .par_iter()
        .map(|f| {
            let s = check_snapshot(f, &ctx);
            progress.checked.fetch_add(1, Ordering::Relaxed);
            s
        })
        .collect();
    let vanished = checked.iter().filter(|s| s.is_none()).count() as u64;
    let mut snapshots: Vec<Snapshot> = checked.into_iter().flatten().collect();
    if !opts.exact_paths {
        relocate_all(&mut snapshots, &ctx, progress);
    }

    progress.phase.store(PHASE_GROUP, Ordering::Relaxed);
    let referenced: Vec<bool> = marks.into_iter().map(AtomicBool::into_inner).collect();
    let jobs = group::group(&tree, snapshots, &referenced);
    let mut relocations: BTreeMap<(String, PathBuf), usize> = BTreeMap::new();
    for s in jobs.iter().flat_map(|j| &j.snapshots) {
        for m in &s.inferred_maps {
            *relocations
                .entry((m.prefix().to_string(), m.dir().to_path_buf()))
                .or_default() += 1;
        }
    }
    let relocations = relocations
        .into_iter()
        .map(|((prefix, dir), snapshots)| Relocation {
            map: PathMap::new(&prefix, &dir),
            snapshots,
        })
        .collect();
    progress.phase.store(PHASE_DONE, Ordering::Relaxed);
    Report {
        roots: tree.roots.clone(),
        jobs,
        dirs_walked: tree.dirs.len() as u64,
        files_walked: tree.files.len() as u64,
        errors: tree.errors,
        skipped_symlinks: tree.skipped_symlinks,
        vanished: tree.vanished + vanished,
        relocations,
    }
}

/// Counts one up when dropped, whichever way the work it guards ends.
struct Counted<'a>(&'a AtomicU64);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Checks again, through inferred prefix maps, every snapshot whose missing or unmapped
/// absolute references a relocation of the tree explains ([`relocate`]).
fn relocate_all(snapshots: &mut [Snapshot], ctx: &CheckContext<'_>, progress: &Progress) {
    if !snapshots
        .iter()
        .any(|s| relocate::wants_inference(s, ctx.maps))
    {
        return;
    }
    let wanted = snapshots
        .iter()
        .filter(|s| relocate::wants_inference(s, ctx.maps))
        .count();
    progress.relocated.store(0, Ordering::Relaxed);
    progress.relocating.store(wanted as u64, Ordering::Release);
    progress.phase.store(PHASE_RELOCATE, Ordering::Release);
    let index = relocate::NameIndex::new(ctx.files);
    snapshots.par_iter_mut().for_each(|snap| {
        if !relocate::wants_inference(snap, ctx.maps) {
            return;
        }
        let _count = Counted(&progress.relocated);
        let inferred = relocate::infer(snap, &index, ctx.maps);
        if inferred.is_empty() {
            return;
        }
        let mut maps = ctx.maps.to_vec();
        maps.extend(inferred.iter().cloned());
        let again = CheckContext {
            files: ctx.files,
            index: ctx.index,
            referenced: ctx.referenced,
            maps: &maps,
        };
        let entry = FileEntry {
            path: snap.path.clone(),
            len: snap.metadata_bytes,
            modified: snap.modified,
        };
        if let Some(mut s) = check_snapshot(&entry, &again) {
            s.inferred_maps = inferred;
            *snap = s;
        }
    });
}

/// What a snapshot check may look at: the walk's files, an index of them by path, one
/// "referenced" mark per file that checks set, and the path mappings.
///
/// Paths are compared as bytes (`OsStr`), not as `Path`, whose hashing and comparison parse
/// components and dominated the scan's profile. Both sides are normal forms: the walk joins
/// plain names to canonical roots, and references are [`paths::clean`]ed. The marks replace a
/// set of every referenced path: a check marks what it finds, and whatever under `shared/`,
/// `taskowned/` and `chk-N/` stays unmarked is reclaimable.
pub struct CheckContext<'a> {
    pub files: &'a [FileEntry],
    /// Index into `files` by path.
    pub index: &'a HashMap<&'a OsStr, usize>,
    /// Parallel to `files`.
    pub referenced: &'a [AtomicBool],
    pub maps: &'a [PathMap],
}

impl CheckContext<'_> {
    /// The size the walk saw, marking the file referenced.
    fn find(&self, path: &OsStr) -> Option<u64> {
        let i = *self.index.get(path)?;
        if let Some(m) = self.referenced.get(i) {
            m.store(true, Ordering::Relaxed);
        }
        self.files.get(i).map(|f| f.len)
    }
}

/// Reads, decodes and checks one `_metadata` file; `None` when it disappeared since the walk
/// saw it (a subsumed checkpoint deleted by a running job).
pub fn check_snapshot(file: &FileEntry, ctx: &CheckContext<'_>) -> Option<Snapshot> {
    let dir = file
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut snap = Snapshot {
        path: file.path.clone(),
        dir: dir.clone(),
        kind: None,
        format: None,
        checkpoint_id: None,
        metadata_version: None,
        modified: file.modified,
        metadata_bytes: file.len,
        operators: None,
        state_size: None,
        shared_state_size: None,
        referenced_files: 0,
        unmapped_references: 0,
        status: Status::Error,
        problems: Vec::new(),
        error: None,
        inferred_maps: Vec::new(),
    };
    // The `_metadata` itself is part of the snapshot, readable or not.
    ctx.find(file.path.as_os_str());
    let loaded = match load::load(&file.path) {
        Ok(l) => l,
        Err(e) => {
            if std::fs::symlink_metadata(&file.path)
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
            {
                return None;
            }
            snap.error = Some(e.message);
            return Some(snap);
        }
    };
    snap.metadata_bytes = loaded.bytes.len() as u64;
    let md = match crate::format::parse(&loaded.bytes) {
        Ok(m) => m,
        Err(e) => {
            snap.error = Some(e.to_string());
            return Some(snap);
        }
    };
    let location = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let summary = analysis::summarize(&md, location.as_deref());
    snap.kind = summary.kind.map(|k| k.value);
    snap.format = summary.format.map(|f| f.value);
    snap.checkpoint_id = Some(md.checkpoint_id);
    snap.metadata_version = Some(md.version.0);
    snap.operators = Some(md.operators.len());
    snap.state_size = Some(md.state_size());
    snap.shared_state_size = Some(shared_state_size(&md));

    // Each local file once, needing the largest size any reference needs. The recorded string
    // of the first reference is kept for the report.
    let mut needed: HashMap<OsString, (Option<u64>, String)> = HashMap::new();
    for r in analysis::references(&md) {
        let (recorded, path, need) = match &r.file {
            FileRef::Inline => continue,
            FileRef::Relative(name) => {
                let name = name.to_str();
                let p = paths::resolve_relative(&dir, &name);
                (name.into_owned(), Some(p), u64::try_from(r.size).ok())
            }
            FileRef::Absolute(uri) => {
                let uri = uri.to_str().into_owned();
                let p = match paths::resolve_absolute(&uri, ctx.maps) {
                    paths::Resolved::Local(p) => Some(p),
                    paths::Resolved::Unmapped => None,
                };
                (uri, p, u64::try_from(r.size).ok())
            }
            FileRef::Segment { path, start } => {
                let uri = path.to_str().into_owned();
                let p = match paths::resolve_absolute(&uri, ctx.maps) {
                    paths::Resolved::Local(p) => Some(p),
                    paths::Resolved::Unmapped => None,
                };
                let end = u64::try_from(*start)
                    .ok()
                    .zip(u64::try_from(r.size).ok())
                    .and_then(|(s, n)| s.checked_add(n));
                (uri, p, end)
            }
        };
        match path {
            Some(p) => {
                let e = needed.entry(p.into_os_string()).or_insert((None, recorded));
                e.0 = e.0.max(need);
            }
            None => {
                snap.unmapped_references += 1;
                snap.problems.push(Problem {
                    path: None,
                    kind: ProblemKind::Unmapped,
                    recorded,
                    needed: need,
                    found: None,
                    message: None,
                });
            }
        }
    }
    snap.referenced_files = needed.len();
    for (path, (need, recorded)) in needed {
        let path = PathBuf::from(path);
        let found = match ctx.find(path.as_os_str()) {
            Some(len) => Ok(len),
            // Not seen by the walk: outside the roots, behind a symlinked directory, in an
            // unreadable directory, or missing. Ask the file system.
            None => match std::fs::metadata(&path) {
                // A directory where a state file should be is no state file.
                Ok(m) if m.is_dir() => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
                Ok(m) => {
                    // Mark the canonical spelling, so a file reached through a symlink is
                    // never listed as reclaimable under its real path.
                    if let Ok(c) = std::fs::canonicalize(&path) {
                        ctx.find(c.as_os_str());
                    }
                    Ok(m.len())
                }
                Err(e) => Err(e),
            },
        };
        let problem = match found {
            Ok(len) if need.is_some_and(|n| len < n) => Some((ProblemKind::Short, Some(len), None)),
            Ok(_) => None,
            // A path through a regular file (`a/file/x`) does not exist either.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                Some((ProblemKind::Missing, None, None))
            }
            Err(e) => Some((ProblemKind::Inaccessible, None, Some(io_message(&e)))),
        };
        if let Some((kind, found, message)) = problem {
            snap.problems.push(Problem {
                path: Some(path.clone()),
                kind,
                recorded,
                needed: need,
                found,
                message,
            });
        }
    }
    snap.problems.sort();
    snap.status = if snap.problems.iter().any(|p| p.kind.is_broken()) {
        Status::Broken
    } else if snap.problems.is_empty() {
        Status::Restorable
    } else {
        Status::Unverified
    };
    Some(snap)
}

/// Bytes of the incremental shared files `md` references: each distinct recorded path once,
/// with the largest size recorded for it (sizes Flink does not record count as 0).
fn shared_state_size(md: &crate::model::Metadata<'_>) -> i64 {
    let mut seen: HashMap<Vec<u8>, i64> = HashMap::new();
    for r in analysis::references(md) {
        if r.role != crate::model::StreamRole::RocksShared {
            continue;
        }
        let key = match &r.file {
            FileRef::Inline => continue,
            FileRef::Relative(p) | FileRef::Absolute(p) => p.0.to_vec(),
            FileRef::Segment { path, start } => {
                let mut k = path.0.to_vec();
                k.extend_from_slice(format!("@{start}").as_bytes());
                k
            }
        };
        let e = seen.entry(key).or_insert(0);
        *e = (*e).max(r.size.max(0));
    }
    seen.values().fold(0i64, |a, b| a.saturating_add(*b))
}

/// Checks the files one snapshot references, as [`scan`] checks them, relocation inference
/// included: the walk covers the snapshot's directory, and for a `chk-N` directory its job
/// directory (where `shared/` and `taskowned/` live). Returns the snapshot's record, or why the
/// walk could not produce one.
pub fn snapshot_files(metadata: &Path, maps: &[PathMap]) -> Result<Snapshot, String> {
    let metadata = std::fs::canonicalize(metadata)
        .map_err(|e| format!("{}: {}", metadata.display(), io_message(&e)))?;
    let dir = metadata.parent().unwrap_or(Path::new("/"));
    let root = match dir.file_name().and_then(|n| n.to_str()) {
        Some(n) if checkpoint_dir_id(n).is_some() => dir.parent().unwrap_or(dir),
        _ => dir,
    };
    let opts = Options {
        roots: vec![root.to_path_buf()],
        threads: 0,
        maps: maps.to_vec(),
        exact_paths: false,
    };
    let report = scan(&opts, &Progress::default())?;
    report
        .jobs
        .into_iter()
        .flat_map(|j| j.snapshots)
        .find(|s| s.path == metadata)
        .ok_or_else(|| format!("{}: not found by the walk", metadata.display()))
}

/// `chk-<N>` → N.
pub fn checkpoint_dir_id(name: &str) -> Option<i64> {
    let digits = name.strip_prefix("chk-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `savepoint-<hex prefix>-<random>` → the prefix (lowercase), as
/// `AbstractFsCheckpointStorageAccess.createSavepointDirectory` names them.
pub fn savepoint_dir_prefix(name: &str) -> Option<String> {
    let rest = name.strip_prefix("savepoint-")?;
    let (prefix, random) = rest.split_once('-')?;
    if prefix.is_empty()
        || prefix.len() > 32
        || random.is_empty()
        || !prefix.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    Some(prefix.to_ascii_lowercase())
}

/// A JobID as Flink prints it: 32 hex digits.
pub fn is_job_id(name: &str) -> bool {
    name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Formats a time as RFC 3339 UTC with second precision (`2024-05-01T12:00:00Z`).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64) - i64::from(e.duration().subsec_nanos() > 0),
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn names() {
        assert_eq!(checkpoint_dir_id("chk-42"), Some(42));
        assert_eq!(checkpoint_dir_id("chk-"), None);
        assert_eq!(checkpoint_dir_id("chk-4x"), None);
        assert_eq!(
            savepoint_dir_prefix("savepoint-258a11-410717a82ad9").as_deref(),
            Some("258a11")
        );
        assert_eq!(savepoint_dir_prefix("savepoint-xyz-1"), None);
        assert_eq!(savepoint_dir_prefix("savepoint-abc"), None);
        assert!(is_job_id("258a115d13f3ee1aee8eca7ca587d341"));
        assert!(!is_job_id("258a115d13f3ee1aee8eca7ca587d34"));
    }

    #[test]
    fn rfc3339_dates() {
        let t = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(rfc3339(t(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(t(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(t(1_795_244_361)), "2026-11-21T06:59:21Z");
    }
}
