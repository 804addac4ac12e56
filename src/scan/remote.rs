//! Remote roots of a scan: the listing of a bucket prefix (or container, or HDFS directory)
//! stands in for the directory walk, and state files are checked against it, so a snapshot
//! costs one GET (its `_metadata`) and no request per referenced file that the listing covers.
//! Only references outside the listed prefixes are asked for with a HEAD.
//!
//! Object stores have no directories: the "directories" of the tree are the prefixes of the
//! listed objects' keys below the root, which is what the grouping (job directories, `chk-N`,
//! `shared/`) needs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::walk::{FileEntry, Tree, WalkError};
use super::Progress;
use crate::load::{Bytes, Loaded};
use crate::storage::{self, ObjectInfo};

/// Lists every remote root (normalized, deduplicated, none inside another) into a tree.
pub fn list_roots(roots: &[PathBuf], progress: &Progress) -> Tree {
    let mut tree = Tree::default();
    let mut wanted: Vec<String> = roots
        .iter()
        .map(|r| storage::normalize(&r.to_string_lossy()))
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut kept: Vec<String> = Vec::new();
    for r in wanted {
        if !kept.iter().any(|k| r.starts_with(&format!("{k}/"))) {
            kept.push(r);
        }
    }
    let storage = match storage::global() {
        Ok(s) => s,
        Err(e) => {
            tree.errors.extend(kept.iter().map(|r| WalkError {
                path: PathBuf::from(r),
                message: e.message.clone(),
            }));
            return tree;
        }
    };
    let mut dirs = BTreeSet::new();
    for root in kept {
        let seen = |d: u64, f: u64| {
            progress.dirs.fetch_add(d, Ordering::Relaxed);
            progress.files.fetch_add(f, Ordering::Relaxed);
        };
        match storage.list(&root, &seen) {
            Ok(objects) if objects.is_empty() => {
                // Not a prefix with objects under it: perhaps one object (a `_metadata`).
                match storage.head(&root) {
                    Ok(Some(o)) => {
                        tree.files.push(entry(o));
                        tree.roots.push(PathBuf::from(&root));
                    }
                    Ok(None) => tree.errors.push(WalkError {
                        path: PathBuf::from(&root),
                        message: "no objects under this prefix".into(),
                    }),
                    Err(e) => tree.errors.push(WalkError {
                        path: PathBuf::from(&root),
                        message: e.message,
                    }),
                }
            }
            Ok(objects) => {
                dirs.insert(root.clone());
                for o in objects {
                    // Every prefix between the root and the object is a "directory".
                    let mut d = o.location.as_str();
                    while let Some((parent, _)) = d.rsplit_once('/') {
                        if parent.len() <= root.len() || !dirs.insert(parent.to_string()) {
                            break;
                        }
                        d = parent;
                    }
                    // A "directory marker" some tools write (`key/`, size 0) is no file.
                    if !o.location.ends_with('/') {
                        tree.files.push(entry(o));
                    }
                }
                tree.roots.push(PathBuf::from(&root));
            }
            Err(e) => tree.errors.push(WalkError {
                path: PathBuf::from(&root),
                message: e.message,
            }),
        }
    }
    tree.dirs = dirs.into_iter().map(PathBuf::from).collect();
    tree
}

fn entry(o: ObjectInfo) -> FileEntry {
    FileEntry {
        path: PathBuf::from(o.location),
        len: o.size,
        modified: o.modified,
    }
}

/// Reads a listed `_metadata` object (its size known from the listing).
pub fn read_listed(file: &FileEntry) -> Result<Loaded, storage::Error> {
    let storage = storage::global()?;
    let location = file.path.to_string_lossy().into_owned();
    let object = ObjectInfo {
        location: location.clone(),
        size: file.len,
        modified: file.modified,
        e_tag: None,
    };
    let bytes = storage.read(&object)?;
    let dir = file
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok(Loaded {
        path: file.path.clone(),
        dir,
        bytes: Bytes::Owned(bytes),
    })
}

/// The size of a referenced remote file outside the listing, as `std::fs::metadata` would
/// answer for a local one: not found, or another error with its message.
pub fn head(path: &Path) -> Result<u64, std::io::Error> {
    let location = path.to_string_lossy();
    let storage = storage::global().map_err(|e| std::io::Error::other(e.message))?;
    match storage.head(&location) {
        Ok(Some(o)) => Ok(o.size),
        Ok(None) => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        Err(e) if e.kind == storage::ErrorKind::NotFound => {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        }
        Err(e) => Err(std::io::Error::other(e.message)),
    }
}
