//! The parallel, read-only directory walk under `flinspect scan`.
//!
//! Every directory is listed once, on whichever rayon worker is free, and the walk records every
//! regular file with its size and modification time. Directory symlinks inside a tree are never
//! followed (they are counted and reported instead), so a symlink loop cannot make the walk run
//! forever; the roots themselves are resolved once, the way `find -H` treats its operands. File
//! symlinks are followed for their size, because a referenced state file may legitimately be one.
//!
//! Errors (a directory that cannot be listed, an entry that cannot be stat'ed) are collected and
//! the walk goes on. An entry that disappears between being listed and being read is not an
//! error: a running job deletes subsumed checkpoints all the time. It is counted as vanished.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use super::Progress;

/// Directories nested deeper than this below a root are reported and not entered. Flink's own
/// layouts are at most a few levels deep; this only bounds pathological trees.
pub const MAX_DEPTH: usize = 256;

/// One regular file found by the walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub path: PathBuf,
    /// Size in bytes (of the target, for a file symlink).
    pub len: u64,
    pub modified: Option<SystemTime>,
}

/// Something the walk could not read, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

/// Everything one walk saw, sorted by path.
#[derive(Debug, Default)]
pub struct Tree {
    /// The roots actually walked: canonical, deduplicated, none inside another.
    pub roots: Vec<PathBuf>,
    /// Every regular file (and file symlink), sorted by path.
    pub files: Vec<FileEntry>,
    /// Every directory entered, roots included, sorted.
    pub dirs: Vec<PathBuf>,
    /// Directory symlinks that were not followed, sorted.
    pub skipped_symlinks: Vec<PathBuf>,
    /// Sorted.
    pub errors: Vec<WalkError>,
    /// Entries listed that were gone when the walk looked at them.
    pub vanished: u64,
}

#[derive(Default)]
struct Sink {
    files: Mutex<Vec<FileEntry>>,
    dirs: Mutex<Vec<PathBuf>>,
    symlinks: Mutex<Vec<PathBuf>>,
    errors: Mutex<Vec<WalkError>>,
    vanished: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means another worker panicked mid-push; the data is still a Vec.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Sink {
    /// Records an error, or counts a vanished entry (not found after it was listed).
    fn gone_or_error(&self, path: &Path, e: &std::io::Error) {
        if e.kind() == std::io::ErrorKind::NotFound {
            self.vanished.fetch_add(1, Ordering::Relaxed);
        } else {
            self.error(path, e);
        }
    }

    fn error(&self, path: &Path, e: &std::io::Error) {
        lock(&self.errors).push(WalkError {
            path: path.to_owned(),
            message: crate::load::io_message(e),
        });
    }
}

/// Walks `roots` on the current rayon pool (call it inside `ThreadPool::install`).
pub fn walk(roots: &[PathBuf], progress: &Progress) -> Tree {
    let sink = Sink::default();
    let mut walked = Vec::new();
    for root in roots {
        match fs::canonicalize(root) {
            Ok(c) => walked.push(c),
            Err(e) => sink.error(root, &e),
        }
    }
    walked.sort();
    walked.dedup();
    // A root inside another root would be walked twice.
    let mut kept: Vec<PathBuf> = Vec::new();
    for r in walked {
        if !kept.iter().any(|k| r.starts_with(k)) {
            kept.push(r);
        }
    }
    rayon::scope(|s| {
        for root in &kept {
            let sink = &sink;
            match fs::metadata(root) {
                Ok(m) if m.is_dir() => {
                    lock(&sink.dirs).push(root.clone());
                    s.spawn(move |s| visit(s, root.clone(), 0, sink, progress));
                }
                Ok(m) => {
                    progress.files.fetch_add(1, Ordering::Relaxed);
                    lock(&sink.files).push(FileEntry {
                        path: root.clone(),
                        len: m.len(),
                        modified: m.modified().ok(),
                    });
                }
                Err(e) => sink.error(root, &e),
            }
        }
    });
    let mut tree = Tree {
        roots: kept,
        files: sink.files.into_inner().unwrap_or_else(|p| p.into_inner()),
        dirs: sink.dirs.into_inner().unwrap_or_else(|p| p.into_inner()),
        skipped_symlinks: sink
            .symlinks
            .into_inner()
            .unwrap_or_else(|p| p.into_inner()),
        errors: sink.errors.into_inner().unwrap_or_else(|p| p.into_inner()),
        vanished: sink.vanished.into_inner(),
    };
    // Sorted by the path's bytes: as deterministic as `Path`'s component order, and far cheaper
    // on a hundred thousand paths.
    tree.files
        .sort_unstable_by(|a, b| a.path.as_os_str().cmp(b.path.as_os_str()));
    tree.files
        .dedup_by(|a, b| a.path.as_os_str() == b.path.as_os_str());
    tree.dirs
        .sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    tree.dirs.dedup();
    tree.skipped_symlinks.sort();
    tree.errors.sort();
    tree
}

fn visit<'s>(
    scope: &rayon::Scope<'s>,
    dir: PathBuf,
    depth: usize,
    sink: &'s Sink,
    progress: &'s Progress,
) {
    progress.dirs.fetch_add(1, Ordering::Relaxed);
    let entries = match fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) => return sink.gone_or_error(&dir, &e),
    };
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                sink.error(&dir, &e);
                continue;
            }
        };
        let path = entry.path();
        // `DirEntry::file_type` does not follow symlinks (and is free on most file systems).
        let ft = match entry.file_type() {
            Ok(t) => t,
            Err(e) => {
                sink.gone_or_error(&path, &e);
                continue;
            }
        };
        if ft.is_dir() {
            dirs.push(path);
        } else if ft.is_file() {
            match entry.metadata() {
                Ok(m) => files.push(FileEntry {
                    path,
                    len: m.len(),
                    modified: m.modified().ok(),
                }),
                Err(e) => sink.gone_or_error(&path, &e),
            }
        } else if ft.is_symlink() {
            match fs::metadata(&path) {
                Ok(m) if m.is_file() => files.push(FileEntry {
                    path,
                    len: m.len(),
                    modified: m.modified().ok(),
                }),
                Ok(m) if m.is_dir() => lock(&sink.symlinks).push(path),
                // A dangling symlink or one to a socket or device: not state, and not an error
                // of the walk; a snapshot that references it reports it as missing.
                _ => {}
            }
        }
    }
    progress
        .files
        .fetch_add(files.len() as u64, Ordering::Relaxed);
    if !files.is_empty() {
        lock(&sink.files).append(&mut files);
    }
    if dirs.is_empty() {
        return;
    }
    if depth + 1 > MAX_DEPTH {
        lock(&sink.errors).push(WalkError {
            path: dir,
            message: format!(
                "directories nested more than {MAX_DEPTH} levels deep were not entered"
            ),
        });
        return;
    }
    lock(&sink.dirs).extend(dirs.iter().cloned());
    for d in dirs {
        scope.spawn(move |s| visit(s, d, depth + 1, sink, progress));
    }
}

/// Adds another tree's contents (e.g. remote roots' listings) to `tree`, keeping every list
/// sorted.
pub fn merge(tree: &mut Tree, other: Tree) {
    tree.roots.extend(other.roots);
    tree.files.extend(other.files);
    tree.dirs.extend(other.dirs);
    tree.skipped_symlinks.extend(other.skipped_symlinks);
    tree.errors.extend(other.errors);
    tree.vanished += other.vanished;
    tree.roots.sort();
    tree.files
        .sort_unstable_by(|a, b| a.path.as_os_str().cmp(b.path.as_os_str()));
    tree.files
        .dedup_by(|a, b| a.path.as_os_str() == b.path.as_os_str());
    tree.dirs
        .sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    tree.dirs.dedup();
    tree.skipped_symlinks.sort();
    tree.errors.sort();
}
