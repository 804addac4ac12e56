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
//! `expected.json`, `expected-states.json`, `case.json` and `graph.json` for that reason.)
//!
//! Architecture invariant: this module only ever reads the file system. It never deletes,
//! renames, creates or writes anything, not even a lock or cache file; "reclaimable" is a list
//! for the user's own tooling. Per-file records are owned (`Snapshot` holds no borrow of the
//! bytes), so decoding stays inside the worker that read the file. Results are sorted before
//! they leave this module, so a scan at any thread count produces the same [`Report`].

pub mod group;
pub mod paths;
pub mod relocate;
pub mod remote;
pub mod states;
pub mod walk;

mod names;
mod report;
mod snapshot;

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};

use rayon::prelude::*;

use crate::analysis::SnapshotKind;
use crate::load::METADATA_FILE_NAME;
pub use names::*;
pub use paths::PathMap;
pub use report::*;
pub use snapshot::*;
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

/// Scans `opts.roots`. Fails only when the thread pool cannot be built; everything that goes
/// wrong with a file or directory is in the report.
pub fn scan(opts: &Options, progress: &Progress) -> crate::Result<Report> {
    let mut builder = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("flinspect-scan-{i}"))
        // Deep trees recurse through rayon jobs; give each worker room.
        .stack_size(8 << 20);
    let remote = opts.roots.iter().any(|r| is_remote_path(r));
    if opts.threads > 0 {
        builder = builder.num_threads(opts.threads);
    } else if remote {
        // Remote reads block their worker on the network: as many workers as requests may be
        // in flight (`--concurrency`); decoding still takes only the cores it needs.
        let n = crate::storage::global()
            .map(|s| s.config().concurrency)
            .unwrap_or(1);
        builder =
            builder.num_threads(n.max(std::thread::available_parallelism().map_or(1, |c| c.get())));
    }
    let pool = builder.build().map_err(|e| {
        crate::Error::from(std::io::Error::other(format!(
            "cannot start worker threads: {e}"
        )))
    })?;
    Ok(pool.install(|| scan_in_pool(opts, progress)))
}

fn scan_in_pool(opts: &Options, progress: &Progress) -> Report {
    progress.phase.store(PHASE_WALK, Ordering::Relaxed);
    let (remote_roots, local_roots): (Vec<PathBuf>, Vec<PathBuf>) =
        opts.roots.iter().cloned().partition(|r| is_remote_path(r));
    let mut tree = walk::walk(&local_roots, progress);
    if !remote_roots.is_empty() {
        walk::merge(&mut tree, remote::list_roots(&remote_roots, progress));
    }
    let tree = tree;
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
        remote: !remote_roots.is_empty(),
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
            remote: ctx.remote,
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

/// Whether a root or file is a remote location ([`crate::storage`]).
pub fn is_remote_path(p: &Path) -> bool {
    p.to_str().is_some_and(crate::storage::is_remote)
}
