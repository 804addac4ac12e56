//! Trees that moved: inferring where a snapshot's recorded absolute paths live now.
//!
//! Flink records the absolute URI of every file it wrote outside the snapshot directory
//! (`shared/` files of incremental checkpoints, `FileStateHandle`s, file-merging segments):
//! `file:/mnt/flink/ckpt/<job>/shared/<uuid>`, `s3://bucket/ckpt/<job>/shared/<uuid>`. A tree
//! that was copied, restored from a backup, mounted at another path or downloaded from a bucket
//! still holds those files, but under another prefix. Read where they say, they are missing,
//! the snapshot looks broken and every file it references looks unreferenced: a reclaim list
//! built from that deletes live state.
//!
//! [`infer`] looks, for each recorded absolute path that is missing (or remote and unmapped),
//! for files found by the walk with the same name, and takes the longest run of trailing path
//! components they share (at least the file name and its directory, e.g. `shared/<uuid>`). What
//! precedes the shared run on each side is a prefix map `OLD=NEW`. The map that most references
//! agree on wins for each old prefix; a reference whose candidates disagree (two copies of the
//! tree under the roots) prefers the copy that holds the snapshot itself, and votes for nothing
//! when that does not decide. The snapshot is then checked again with those maps, and reports
//! them, so the user sees the `--map` that makes the inference explicit.
//!
//! Explicit `--map` prefixes always win: a reference one of them matches is never re-inferred.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::paths::{normalize_uri, PathMap};
use super::{FileEntry, ProblemKind, Snapshot};

/// The fewest trailing path components a recorded path and a found file must share (the file
/// name and its directory).
pub const MIN_SHARED_COMPONENTS: usize = 2;

/// Files found by the walk, by file name.
pub struct NameIndex<'a> {
    by_name: HashMap<&'a OsStr, Vec<&'a Path>>,
}

impl<'a> NameIndex<'a> {
    pub fn new(files: &'a [FileEntry]) -> Self {
        let mut by_name: HashMap<&OsStr, Vec<&Path>> = HashMap::new();
        for f in files {
            if let Some(n) = f.path.file_name() {
                by_name.entry(n).or_default().push(&f.path);
            }
        }
        NameIndex { by_name }
    }
}

/// Whether a problem's recorded path is one a relocation can explain: an absolute path (a URI,
/// or `/x`) that is missing, or a remote one that no map covers. Relative names resolve against
/// the snapshot directory and move with it.
fn relocatable(kind: ProblemKind, recorded: &str) -> bool {
    let absolute = recorded.starts_with('/') || recorded.contains(":/");
    absolute && matches!(kind, ProblemKind::Missing | ProblemKind::Unmapped)
}

/// Whether a snapshot has references a relocation could explain.
pub fn wants_inference(snap: &Snapshot, user_maps: &[PathMap]) -> bool {
    snap.problems.iter().any(|p| {
        relocatable(p.kind, &p.recorded)
            && !user_maps
                .iter()
                .any(|m| m.matches(&normalize_uri(&p.recorded)))
    })
}

/// The maps that explain a snapshot's missing or unmapped absolute references, sorted by
/// prefix; empty when none does.
pub fn infer(snap: &Snapshot, index: &NameIndex<'_>, user_maps: &[PathMap]) -> Vec<PathMap> {
    // (old prefix, new dir) → references that agree.
    let mut votes: BTreeMap<(String, PathBuf), usize> = BTreeMap::new();
    for p in &snap.problems {
        if !relocatable(p.kind, &p.recorded) {
            continue;
        }
        let uri = normalize_uri(&p.recorded);
        if user_maps.iter().any(|m| m.matches(&uri)) {
            continue;
        }
        if let Some(vote) = best_candidate(&uri, &snap.dir, index) {
            *votes.entry(vote).or_default() += 1;
        }
    }
    // Per old prefix, the new directory most references agree on (ties: the first in order, so
    // the result does not depend on hashing).
    let mut best: BTreeMap<String, (PathBuf, usize)> = BTreeMap::new();
    for ((prefix, dir), n) in votes {
        match best.get(&prefix) {
            Some((_, m)) if *m >= n => {}
            _ => {
                best.insert(prefix, (dir, n));
            }
        }
    }
    best.into_iter()
        .map(|(prefix, (dir, _))| PathMap::new(&prefix, &dir))
        .collect()
}

/// For one recorded URI: `(old prefix, new dir)` from the found file with the longest shared
/// trailing run, or `None` when no file shares enough or the best candidates disagree.
fn best_candidate(
    uri: &str,
    snapshot_dir: &Path,
    index: &NameIndex<'_>,
) -> Option<(String, PathBuf)> {
    let name = uri.rsplit('/').next()?;
    if name.is_empty() {
        return None;
    }
    let candidates = index.by_name.get(OsStr::new(name))?;
    let mut best: Vec<(usize, &Path)> = Vec::new();
    for &c in candidates {
        let k = shared_suffix(uri, c);
        if k < MIN_SHARED_COMPONENTS {
            continue;
        }
        match best.first() {
            Some((bk, _)) if *bk > k => {}
            Some((bk, _)) if *bk == k => best.push((k, c)),
            _ => best = vec![(k, c)],
        }
    }
    let (k, chosen) = match best.as_slice() {
        [] => return None,
        [one] => *one,
        many => {
            // Several copies: the one that holds the snapshot itself, if exactly one does.
            let near = |p: &Path| {
                p.components()
                    .zip(snapshot_dir.components())
                    .take_while(|(a, b)| a == b)
                    .count()
            };
            let top = many.iter().map(|(_, p)| near(p)).max()?;
            let nearest: Vec<&(usize, &Path)> =
                many.iter().filter(|(_, p)| near(p) == top).collect();
            match nearest.as_slice() {
                [one] => **one,
                _ => return None,
            }
        }
    };
    let prefix = strip_components(uri, k)?;
    let mut dir = chosen.to_path_buf();
    for _ in 0..k {
        dir.pop();
    }
    Some((prefix, dir))
}

/// How many trailing `/`-separated components `uri` and `path` share, stopping before the
/// URI's scheme and authority (`file:`, `s3://bucket`), which a map must keep.
fn shared_suffix(uri: &str, path: &Path) -> usize {
    let body = uri_path_part(uri);
    let mut u = body.rsplit('/').filter(|s| !s.is_empty());
    let mut p = path.components().rev().filter_map(|c| match c {
        std::path::Component::Normal(n) => Some(n),
        _ => None,
    });
    let mut k = 0;
    loop {
        match (u.next(), p.next()) {
            (Some(a), Some(b)) if OsStr::new(a) == b => k += 1,
            _ => return k,
        }
    }
}

/// The part of a normalized URI after its scheme and authority: `/x/y` of `file:/x/y`, `/k/y`
/// of `s3://bucket/k/y`.
fn uri_path_part(uri: &str) -> &str {
    if let Some(rest) = uri.strip_prefix("file:") {
        return rest;
    }
    match uri.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => uri,
    }
}

/// `uri` without its last `k` components (and the `/` before them).
fn strip_components(uri: &str, k: usize) -> Option<String> {
    let mut end = uri.len();
    for _ in 0..k {
        let trimmed = uri[..end].trim_end_matches('/');
        end = trimmed.rfind('/')?;
    }
    let prefix = &uri[..end];
    // Keep at least the scheme's root: `file:/` rather than `file:`.
    if prefix.ends_with(':') {
        return Some(format!("{prefix}/"));
    }
    Some(prefix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_runs_stop_at_the_authority() {
        assert_eq!(
            shared_suffix(
                "file:/tmp/fx/v/job/shared/u1",
                Path::new("/w/testdata/v/job/shared/u1")
            ),
            4
        );
        assert_eq!(
            shared_suffix(
                "s3://bkt/ck/job/shared/u1",
                Path::new("/x/bkt/ck/job/shared/u1")
            ),
            4,
            "the bucket is the authority, never a path component"
        );
        assert_eq!(shared_suffix("file:/a/u1", Path::new("/b/u2")), 0);
    }

    #[test]
    fn prefixes_keep_the_scheme_root() {
        assert_eq!(
            strip_components("file:/tmp/fx/job/shared/u1", 3).as_deref(),
            Some("file:/tmp/fx")
        );
        assert_eq!(
            strip_components("file:/job/u1", 2).as_deref(),
            Some("file:/")
        );
        assert_eq!(
            strip_components("s3://bkt/ck/job/u1", 2).as_deref(),
            Some("s3://bkt/ck")
        );
        assert_eq!(
            strip_components("s3://bkt/job/u1", 2).as_deref(),
            Some("s3://bkt")
        );
    }
}
