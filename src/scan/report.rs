//! What a scan reports: per-snapshot records with their status and problems, jobs with their
//! reclaimable files, totals. Owned data, sorted before it leaves [`super::scan`].

use super::{PathMap, WalkError};
use std::path::PathBuf;
use std::time::SystemTime;

use crate::analysis::{self, SnapshotKind};
use crate::model::SavepointFormat;

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
    /// Why the `_metadata` could not be read or decoded (without the path, which is
    /// [`Snapshot::path`]); a decoding error keeps its byte offset ([`crate::Error::decode`]).
    pub error: Option<crate::Error>,
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
