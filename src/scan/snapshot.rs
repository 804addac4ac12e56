//! One snapshot's check: read and decode its `_metadata`, find every file it references among
//! the walked ones (through the path maps), and judge whether it can be restored.

use super::names::checkpoint_dir_id;
use super::report::{Problem, ProblemKind, Snapshot, Status};
use super::{paths, scan, FileEntry, Options, PathMap, Progress};
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::analysis::{self, FileRef};
use crate::load::{self, io_message};

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
    /// Remote roots are scanned: recorded remote URIs that no map covers are read where they
    /// say, not reported as unmapped.
    pub remote: bool,
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
    let loaded = if super::is_remote_path(&file.path) {
        // The listing gave the size: one GET, no HEAD.
        match super::remote::read_listed(file) {
            Ok(l) => l,
            Err(e) if e.kind == crate::storage::ErrorKind::NotFound => return None,
            Err(e) => {
                snap.error = Some(crate::Error::Remote(e));
                return Some(snap);
            }
        }
    } else {
        match load::load(&file.path) {
            Ok(l) => l,
            Err(e) => {
                if std::fs::symlink_metadata(&file.path)
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                {
                    return None;
                }
                snap.error = Some(e.inner().clone());
                return Some(snap);
            }
        }
    };
    snap.metadata_bytes = loaded.bytes.len() as u64;
    let md = match crate::format::parse(&loaded.bytes) {
        Ok(m) => m,
        Err(e) => {
            snap.error = Some(e.into());
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
    let resolve = |uri: &str| {
        if ctx.remote {
            paths::resolve_absolute_remote(uri, ctx.maps)
        } else {
            paths::resolve_absolute(uri, ctx.maps)
        }
    };
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
                let p = match resolve(&uri) {
                    paths::Resolved::Local(p) => Some(p),
                    paths::Resolved::Unmapped => None,
                };
                (uri, p, u64::try_from(r.size).ok())
            }
            FileRef::Segment { path, start } => {
                let uri = path.to_str().into_owned();
                let p = match resolve(&uri) {
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
            None if super::is_remote_path(&path) => super::remote::head(&path),
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

/// Checks the files one snapshot references, as [`scan`] checks them, relocation inference
/// included: the walk covers the snapshot's directory, and for a `chk-N` directory its job
/// directory (where `shared/` and `taskowned/` live). Returns the snapshot's record, or why the
/// walk could not produce one.
pub fn snapshot_files(metadata: &Path, maps: &[PathMap]) -> crate::Result<Snapshot> {
    // A pre-signed URL's directory is not listed (nor asked for without the signature).
    if metadata.to_str().is_some_and(crate::storage::is_presigned) {
        return Err(
            crate::Error::Input(crate::storage::PRESIGNED_NO_LISTING.into()).with_path(metadata),
        );
    }
    let metadata = if super::is_remote_path(metadata) {
        PathBuf::from(crate::storage::normalize(&metadata.to_string_lossy()))
    } else {
        std::fs::canonicalize(metadata).map_err(|e| crate::Error::from(e).with_path(metadata))?
    };
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
        .ok_or_else(|| crate::Error::Input("not found by the walk".into()).with_path(&metadata))
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
