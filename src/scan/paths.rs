//! From a path recorded in `_metadata` to a file on this machine.
//!
//! A `FileStateHandle` records the URI the job wrote to (`Path.toString()` in Flink): `file:/…`
//! for a local or mounted file system, `s3://bucket/…`, `hdfs://namenode/…`, and so on. Flink's
//! `Path` prints a local path as `file:/x`; users write `file:///x` or plain `/x`. All three mean
//! `/x` here, both in the recorded path and in a `--map` prefix.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// One `--map PREFIX=LOCALDIR`: recorded paths starting with `PREFIX` are read under `LOCALDIR`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathMap {
    /// The prefix in normalized form (see [`normalize_uri`]), without a trailing `/`.
    prefix: String,
    dir: PathBuf,
}

impl PathMap {
    /// Builds a mapping. `dir` is made absolute (and canonical, when it exists) so that mapped
    /// paths compare equal to the paths the walk finds.
    pub fn new(prefix: &str, dir: &Path) -> PathMap {
        let mut prefix = normalize_uri(prefix);
        while prefix.ends_with('/') && !prefix.ends_with(":/") && !prefix.ends_with("//") {
            prefix.pop();
        }
        if let Some(remote) = dir.to_str().filter(|d| crate::storage::is_remote(d)) {
            return PathMap {
                prefix,
                dir: PathBuf::from(crate::storage::normalize(remote)),
            };
        }
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| {
            std::path::absolute(dir)
                .map(|p| clean(&p))
                .unwrap_or_else(|_| dir.to_owned())
        });
        PathMap { prefix, dir }
    }

    /// Parses `PREFIX=LOCALDIR` (split at the first `=`).
    pub fn parse(arg: &str) -> Result<PathMap, String> {
        match arg.split_once('=') {
            Some((p, d)) if !p.is_empty() && !d.is_empty() => Ok(PathMap::new(p, Path::new(d))),
            _ => Err(format!("expected PREFIX=LOCALDIR, found {arg:?}")),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether this prefix matches `uri` (normalized, see [`normalize_uri`]) at a path
    /// component boundary.
    pub fn matches(&self, uri: &str) -> bool {
        self.strip(uri).is_some()
    }

    /// The rest of `uri` (normalized) after this prefix, when the prefix matches at a path
    /// component boundary.
    fn strip<'u>(&self, uri: &'u str) -> Option<&'u str> {
        let rest = uri.strip_prefix(self.prefix.as_str())?;
        if rest.is_empty() || rest.starts_with('/') || self.prefix.ends_with('/') {
            Some(rest)
        } else {
            None
        }
    }
}

impl fmt::Display for PathMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.prefix, self.dir.display())
    }
}

/// Rewrites the spellings of a local path to one: `file:///x`, `file://localhost/x` and `/x`
/// become `file:/x`. Anything else (another scheme, a `file://host/` URI) is kept as it is.
pub fn normalize_uri(s: &str) -> String {
    if let Some(rest) = s.strip_prefix("file://") {
        if rest.starts_with('/') {
            return format!("file:{rest}");
        }
        if let Some(r) = rest.strip_prefix("localhost/") {
            return format!("file:/{r}");
        }
        return s.to_string();
    }
    if s.starts_with("file:/") {
        return s.to_string();
    }
    if s.starts_with('/') {
        return format!("file:{s}");
    }
    s.to_string()
}

/// Where a recorded absolute path lives on this machine, or why flinspect cannot tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    Local(PathBuf),
    /// A remote scheme (or a `file://` URI of another host) that no `--map` covers.
    Unmapped,
}

/// Resolves a recorded absolute path: the longest matching `--map` prefix wins; a `file:` path
/// with no mapping is read where it says.
pub fn resolve_absolute(recorded: &str, maps: &[PathMap]) -> Resolved {
    let uri = normalize_uri(recorded);
    let best = maps
        .iter()
        .filter_map(|m| m.strip(&uri).map(|rest| (m, rest)))
        .max_by_key(|(m, _)| m.prefix.len());
    if let Some((m, rest)) = best {
        return Resolved::Local(clean(&m.dir.join(rest.trim_start_matches('/'))));
    }
    match uri.strip_prefix("file:") {
        // `file://host/x` (another machine) stays unmapped; normalization removed every local
        // authority, so a remaining `//` names a host.
        Some(p) if p.starts_with('/') && !p.starts_with("//") => {
            Resolved::Local(clean(Path::new(p)))
        }
        _ => Resolved::Unmapped,
    }
}

/// Resolves a recorded absolute path for a scan that reads remote roots too: a remote URI that
/// no `--map` covers is read where it says (its identity, [`crate::storage::normalize`]).
pub fn resolve_absolute_remote(recorded: &str, maps: &[PathMap]) -> Resolved {
    match resolve_absolute(recorded, maps) {
        Resolved::Unmapped if crate::storage::is_remote(recorded) => {
            Resolved::Local(PathBuf::from(crate::storage::normalize(recorded)))
        }
        r => r,
    }
}

/// Resolves a `RelativeFileStateHandle` name against the snapshot directory.
pub fn resolve_relative(dir: &Path, name: &str) -> PathBuf {
    clean(&dir.join(name))
}

/// Removes `.` and `..` components without touching the file system (`..` at the root stays at
/// the root), so that equal files get equal paths.
pub fn clean(p: &Path) -> PathBuf {
    // A remote location (`s3://bucket/…`): its `//` is not an empty component.
    if let Some(s) = p.to_str().filter(|s| crate::storage::is_remote(s)) {
        if let Some((head, rest)) = s.split_once("://") {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let cleaned = clean(&Path::new("/").join(path));
            let cleaned = cleaned.to_string_lossy();
            let tail = cleaned.trim_start_matches('/');
            return if tail.is_empty() {
                PathBuf::from(format!("{head}://{authority}"))
            } else {
                PathBuf::from(format!("{head}://{authority}/{tail}"))
            };
        }
    }
    if is_clean(p.as_os_str().as_encoded_bytes()) {
        return p.to_path_buf();
    }
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if out.file_name().is_some() {
                    // Up from a named component.
                    out.pop();
                } else if !out.has_root() {
                    // A relative path that starts above its base keeps its leading `..`s.
                    out.push(c);
                }
                // `..` at the root stays at the root.
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether a path is already in the form [`clean`] gives: no empty, `.` or `..` component and
/// no trailing `/` (checked on bytes; almost every recorded path is, and parsing components for
/// each of a million references is measurable).
fn is_clean(b: &[u8]) -> bool {
    if b.is_empty() || b == b"/" {
        return true;
    }
    if b.ends_with(b"/") {
        return false;
    }
    b.split(|c| *c == b'/')
        .enumerate()
        .all(|(i, seg)| match seg {
            b"" => i == 0,
            b"." | b".." => false,
            _ => true,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uri_spellings_are_one_path() {
        for s in [
            "file:/tmp/x",
            "file:///tmp/x",
            "file://localhost/tmp/x",
            "/tmp/x",
        ] {
            assert_eq!(
                resolve_absolute(s, &[]),
                Resolved::Local(PathBuf::from("/tmp/x")),
                "{s}"
            );
        }
        assert_eq!(resolve_absolute("s3://b/x", &[]), Resolved::Unmapped);
        assert_eq!(resolve_absolute("file://host/x", &[]), Resolved::Unmapped);
    }

    #[test]
    fn longest_prefix_at_a_component_boundary_wins() {
        let maps = [
            PathMap::new("s3://bucket", Path::new("/mnt/a")),
            PathMap::new("s3://bucket/ckpt/", Path::new("/mnt/b")),
            PathMap::new("file:///tmp/fix", Path::new("/copy")),
        ];
        assert_eq!(
            resolve_absolute("s3://bucket/ckpt/job/shared/f", &maps),
            Resolved::Local(PathBuf::from("/mnt/b/job/shared/f"))
        );
        assert_eq!(
            resolve_absolute("s3://bucket/other/f", &maps),
            Resolved::Local(PathBuf::from("/mnt/a/other/f"))
        );
        assert_eq!(
            resolve_absolute("s3://bucketx/f", &maps),
            Resolved::Unmapped,
            "a prefix matches whole components only"
        );
        assert_eq!(
            resolve_absolute("file:/tmp/fix/a/../b", &maps),
            Resolved::Local(PathBuf::from("/copy/b"))
        );
        assert_eq!(
            resolve_absolute("file:/tmp/fixtures/b", &maps),
            Resolved::Local(PathBuf::from("/tmp/fixtures/b"))
        );
    }

    #[test]
    fn clean_paths_are_kept_and_others_normalized() {
        for p in ["/a/b", "/", "a/b", "/a/.b/..c"] {
            assert!(is_clean(p.as_bytes()), "{p}");
            assert_eq!(clean(Path::new(p)), PathBuf::from(p));
        }
        for (p, want) in [
            ("/a//b", "/a/b"),
            ("/a/./b", "/a/b"),
            ("/a/b/../c", "/a/c"),
            ("/a/b/", "/a/b"),
            ("/a/b/.", "/a/b"),
            ("/..", "/"),
            ("a/../../b", "../b"),
        ] {
            assert!(!is_clean(p.as_bytes()), "{p}");
            assert_eq!(clean(Path::new(p)), PathBuf::from(want), "{p}");
        }
    }

    #[test]
    fn remote_locations_keep_their_authority() {
        assert_eq!(
            clean(Path::new("s3://b/job/chk-1/../shared/x")),
            PathBuf::from("s3://b/job/shared/x")
        );
        assert_eq!(
            resolve_relative(Path::new("s3://b/sp-1"), "a-b"),
            PathBuf::from("s3://b/sp-1/a-b")
        );
        assert_eq!(
            clean(Path::new("hdfs://nn:8020/")),
            PathBuf::from("hdfs://nn:8020")
        );
        assert_eq!(
            resolve_absolute_remote("s3p://b//x", &[]),
            Resolved::Local(PathBuf::from("s3://b/x"))
        );
        assert_eq!(
            resolve_absolute_remote("file://host/x", &[]),
            Resolved::Unmapped
        );
    }

    #[test]
    fn map_argument_splits_at_the_first_equals_sign() {
        let m = PathMap::parse("hdfs://nn:8020/flink=/data/x=y").unwrap();
        assert_eq!(m.prefix(), "hdfs://nn:8020/flink");
        assert_eq!(m.dir(), Path::new("/data/x=y"));
        assert!(PathMap::parse("nothing").is_err());
        assert!(PathMap::parse("=x").is_err());
    }
}
