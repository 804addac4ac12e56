//! Opening inputs: a `_metadata` file or a snapshot directory, memory-mapped or read.
//!
//! Architecture invariant: this is the only module with `unsafe` besides the prefetch hint in
//! `format::reader` (an intrinsic that cannot fault), and it only ever opens files for reading.
//! flinspect never writes to its inputs.

use std::fs::File;
use std::io::Read;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files smaller than this are read into memory: mapping costs more than copying a few pages.
pub const MMAP_THRESHOLD: u64 = 64 * 1024;

/// The name Flink gives the metadata file inside a checkpoint or savepoint directory.
pub const METADATA_FILE_NAME: &str = "_metadata";

/// Maps at least this large get their page tables filled by a background thread while the
/// caller starts decoding (`MADV_POPULATE_READ`; best effort, Linux only).
pub const PREFAULT_THRESHOLD: u64 = 8 * 1024 * 1024;

/// The bytes of one input, mapped or owned. A map is shared with the thread that prefaults it.
pub enum Bytes {
    Mapped(Arc<memmap2::Mmap>),
    Owned(Vec<u8>),
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// How to get the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// mmap large files, read small ones (and fall back to reading when mapping fails).
    #[default]
    Auto,
    Mmap,
    Read,
}

/// A loaded input: where it came from and its bytes.
pub struct Loaded {
    /// The `_metadata` file actually read.
    pub path: PathBuf,
    /// The snapshot directory (the file's parent), against which relative handles resolve.
    pub dir: PathBuf,
    pub bytes: Bytes,
}

/// Why an input could not be opened: a [`crate::Error`] wrapped in the path
/// ([`crate::Error::WithPath`]).
pub type LoadError = crate::Error;

/// Resolves a user path to the `_metadata` file: the path itself, or `<dir>/_metadata`.
pub fn resolve(path: &Path) -> Result<PathBuf, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| crate::Error::from(e).with_path(path))?;
    if meta.is_dir() {
        let candidate = path.join(METADATA_FILE_NAME);
        if candidate.is_file() {
            Ok(candidate)
        } else {
            Err(crate::Error::Input(format!(
                "directory has no _metadata file (not a completed checkpoint or savepoint){}",
                snapshots_near(path)
            ))
            .with_path(path))
        }
    } else {
        Ok(path.to_owned())
    }
}

/// At most this many snapshot directories are named in a hint.
const HINT_NAMES: usize = 6;

/// For a directory without `_metadata` (typically a job directory, `<job id>/`): the snapshot
/// directories inside it (`chk-N`, `savepoint-*`, … holding a `_metadata`, checkpoints in
/// numeric order) and the savepoints beside it, as a hint to append to the error; empty when
/// there are none.
fn snapshots_near(dir: &Path) -> String {
    let inside = snapshot_dirs(dir, |_| true);
    let mut hint = String::new();
    if let Some(latest) = inside.iter().rev().find(|n| n.starts_with("chk-")) {
        hint = format!(
            "; snapshot directories inside: {}; inspect one, e.g. {}, or all with {}",
            names(&inside),
            dir.join(latest).display(),
            dir.join("chk-*").display()
        );
    } else if let Some(first) = inside.first() {
        hint = format!(
            "; snapshot directories inside: {}; inspect one, e.g. {}",
            names(&inside),
            dir.join(first).display()
        );
    }
    // A directory above job directories (`state.checkpoints.dir`): name the jobs with
    // checkpoints.
    if !inside.iter().any(|n| n.starts_with("chk-")) {
        let jobs: Vec<String> = subdirs(dir)
            .into_iter()
            .filter(|n| is_job_id(n))
            .filter_map(|n| {
                let chks = snapshot_dirs(&dir.join(&n), |c| c.starts_with("chk-"));
                let latest = chks.last()?;
                Some(format!("{}", dir.join(&n).join(latest).display()))
            })
            .collect();
        if !jobs.is_empty() {
            hint.push_str(&format!(
                "; job directories inside, with their newest checkpoint: {}",
                names(&jobs)
            ));
        }
    }
    // Flink names a savepoint `savepoint-<first 6 characters of the job id>-<random>`; a job
    // directory's savepoints are usually beside it (`state.savepoints.dir`).
    let job = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| is_job_id(n));
    if let (Some(job), Some(parent)) = (job, dir.parent()) {
        let prefix = format!("savepoint-{}-", &job[..6]);
        let beside = snapshot_dirs(parent, |n| n.starts_with(&prefix));
        if !beside.is_empty() {
            let shown: Vec<String> = beside
                .iter()
                .map(|n| parent.join(n).display().to_string())
                .collect();
            hint.push_str(&format!(
                "; savepoints of this job beside it: {}",
                names(&shown)
            ));
        }
    }
    hint
}

/// A Flink JobID as a directory name: 32 hexadecimal digits.
fn is_job_id(name: &str) -> bool {
    name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Names of the entries of `dir` that are directories (UTF-8 names only), sorted; unreadable
/// entries are skipped.
fn subdirs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Names of the subdirectories of `dir` that hold a `_metadata` file and pass `keep`, sorted
/// with the numbers in `chk-N` compared as numbers. Unreadable entries are skipped.
fn snapshot_dirs(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found: Vec<String> = subdirs(dir)
        .into_iter()
        .filter(|n| keep(n) && dir.join(n).join(METADATA_FILE_NAME).is_file())
        .collect();
    let number = |n: &str| n.strip_prefix("chk-").and_then(|k| k.parse::<u64>().ok());
    found.sort_by(|a, b| match (number(a), number(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    });
    found
}

/// `a, b, c` or `a, b, … (N more)`.
fn names(all: &[String]) -> String {
    if all.len() <= HINT_NAMES {
        return all.join(", ");
    }
    format!(
        "{}, … ({} more)",
        all[..HINT_NAMES].join(", "),
        all.len() - HINT_NAMES
    )
}

/// Opens `path` (a `_metadata` file or a snapshot directory) read-only.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    load_with(path, Strategy::Auto)
}

pub fn load_with(path: &Path, strategy: Strategy) -> Result<Loaded, LoadError> {
    let file_path = resolve(path)?;
    let err = |e: std::io::Error| crate::Error::from(e).with_path(&file_path);
    let mut file = File::open(&file_path).map_err(err)?;
    let len = file.metadata().map_err(err)?.len();
    let want_map = match strategy {
        Strategy::Auto => len >= MMAP_THRESHOLD,
        Strategy::Mmap => true,
        Strategy::Read => false,
    };
    let bytes = match want_map.then(|| map(&file)).flatten() {
        Some(m) => {
            let m = Arc::new(m);
            if len >= PREFAULT_THRESHOLD {
                prefault(&m);
            }
            Bytes::Mapped(m)
        }
        None => {
            let mut v = Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(1 << 30));
            file.read_to_end(&mut v).map_err(err)?;
            Bytes::Owned(v)
        }
    };
    let dir = file_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(Loaded {
        path: file_path,
        dir,
        bytes,
    })
}

fn map(file: &File) -> Option<memmap2::Mmap> {
    // SAFETY: the map is read-only and lives no longer than the `Loaded` that owns it. The one
    // hazard of file-backed maps is another process truncating or rewriting the file while it
    // is mapped (a checkpoint being deleted under us), which can raise SIGBUS or show changed
    // bytes. flinspect reads completed, immutable snapshots; every read through the map is
    // bounds-checked against the length taken at map time, so changed bytes only ever produce a
    // decoding error, never undefined access within Rust's model beyond the OS-level fault that
    // any file-backed map shares.
    unsafe { memmap2::Mmap::map(file) }.ok()
}

/// Fills the page tables of a large map on another thread, front to back, while the caller
/// decodes from the front: the decoder then finds most pages mapped instead of taking a page
/// fault every 64 KiB (fault-around), and the kernel's share of a big `inspect` moves to the
/// second core. `MADV_POPULATE_READ` (Linux 5.14+) only maps pages of the page cache (reading
/// them from disk if needed); it never writes. Best effort: on other systems, on older
/// kernels, or when the thread cannot be started, the decoder faults pages in itself. The
/// thread holds the map, so the map outlives it, and stops once it is the map's last owner.
fn prefault(map: &Arc<memmap2::Mmap>) {
    #[cfg(target_os = "linux")]
    {
        let map = Arc::clone(map);
        let _ = std::thread::Builder::new()
            .name("prefault".into())
            .spawn(move || {
                // In slices, so the decoder's own faults never wait long behind one call.
                const SLICE: usize = 4 << 20;
                let mut at = 0;
                // Stops early once the caller has dropped its bytes (then this is the last owner).
                while at < map.len() && Arc::strong_count(&map) > 1 {
                    let n = SLICE.min(map.len() - at);
                    if map
                        .advise_range(memmap2::Advice::PopulateRead, at, n)
                        .is_err()
                    {
                        return;
                    }
                    at += n;
                }
            });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = map;
}

pub(crate) use crate::error::io_message;
