//! The new job, as `check` sees it: a job file (`--job`, YAML or JSON) or another snapshot
//! (`--against`).
//!
//! The job-file shape is a public contract; every key is optional except `operators`, and an
//! unknown key is an error so that a typo never silently weakens a check. Errors name the file
//! and, where it can be found, the line; a `flink-version` that is no release flinspect knows,
//! and a file that is binary or a Flink snapshot, are refused:
//!
//! ```yaml
//! flink-version: "1.20"            # the Flink release the new job runs on
//! state-backend: rocksdb           # hashmap | rocksdb | forst
//! parallelism: 4                   # job default
//! max-parallelism: 256             # explicit job-wide max parallelism (pipeline.max-parallelism)
//! allow-non-restored-state: false  # default false
//! operators:
//!   - uid: keyed-counter           # the operator's uid, or instead
//!     # uid-hash: ed63c6d066f83fc9a893ba13a9fb615d   (setUidHash, or an auto-generated OperatorID)
//!     name: Keyed counter          # optional
//!     parallelism: 4               # optional, else the job default
//!     max-parallelism: 256         # optional; absent means Flink derives it
//! ```

use std::fmt;

use serde::Deserialize;

use crate::analysis::{summarize, BackendFamily};
use crate::model::keygroups::default_max_parallelism;
use crate::model::{Metadata, MetadataVersion, OperatorId};

/// A Flink release as `major.minor` (a patch level, if given, is ignored: the rules depend
/// only on the minor release).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlinkVersion {
    pub major: u32,
    pub minor: u32,
}

impl FlinkVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        FlinkVersion { major, minor }
    }

    /// Parses `1.20`, `1.20.3`, `2.3`, `2.3.0`.
    pub fn parse(s: &str) -> Option<FlinkVersion> {
        let mut parts = s.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        match parts.next() {
            None => {}
            Some(p) if p.parse::<u32>().is_ok() && parts.next().is_none() => {}
            Some(_) => return None,
        }
        Some(FlinkVersion { major, minor })
    }
}

impl From<(u32, u32)> for FlinkVersion {
    fn from((major, minor): (u32, u32)) -> Self {
        FlinkVersion { major, minor }
    }
}

impl fmt::Display for FlinkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The Flink release(s) the new job may run on: one release from a job file, or the range of
/// releases that write the `--against` snapshot's metadata version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlinkVersions {
    pub lowest: FlinkVersion,
    pub highest: FlinkVersion,
}

impl FlinkVersions {
    pub fn exact(v: FlinkVersion) -> Self {
        FlinkVersions {
            lowest: v,
            highest: v,
        }
    }
}

impl fmt::Display for FlinkVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lowest == self.highest {
            write!(f, "{}", self.lowest)
        } else {
            write!(f, "{} – {}", self.lowest, self.highest)
        }
    }
}

/// `state.backend.type` of the new job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateBackend {
    Hashmap,
    Rocksdb,
    Forst,
}

impl StateBackend {
    pub fn as_str(self) -> &'static str {
        match self {
            StateBackend::Hashmap => "hashmap",
            StateBackend::Rocksdb => "rocksdb",
            StateBackend::Forst => "forst",
        }
    }
}

/// Where an operator's max parallelism comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxParallelism {
    /// Set on the operator (`setMaxParallelism`).
    Operator(u32),
    /// Set job-wide (`pipeline.max-parallelism`, `env.setMaxParallelism`).
    Job(u32),
    /// Not set: Flink derives it from the parallelism, and on restore adopts the snapshot's.
    Derived,
}

impl MaxParallelism {
    pub fn explicit(self) -> Option<u32> {
        match self {
            MaxParallelism::Operator(v) | MaxParallelism::Job(v) => Some(v),
            MaxParallelism::Derived => None,
        }
    }
}

/// One operator of the new job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobOperator {
    /// The uid (`.uid(…)`), when the job states one.
    pub uid: Option<String>,
    /// The OperatorID Flink gives it: the uid's hash, or the stated `uid-hash`.
    pub id: OperatorId,
    /// The id was given as a hash (`setUidHash`, or an auto-generated id), not as a uid.
    pub id_from_hash: bool,
    pub name: Option<String>,
    pub parallelism: Option<u32>,
    pub max_parallelism: Option<u32>,
}

/// Where the job description came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobSource {
    File(String),
    /// Another snapshot (`--against`): operators, parallelism and max parallelism as recorded.
    Snapshot(String),
}

/// The new job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub source: JobSource,
    pub flink_version: Option<FlinkVersions>,
    pub state_backend: Option<StateBackend>,
    pub parallelism: Option<u32>,
    pub max_parallelism: Option<u32>,
    pub allow_non_restored_state: bool,
    pub operators: Vec<JobOperator>,
    /// `--against` only: whether the snapshot records uids (V5+), so that a missing uid is
    /// visible.
    pub uids_known: bool,
}

impl Job {
    /// The parallelism an operator runs with, if the job says.
    pub fn parallelism_of(&self, op: &JobOperator) -> Option<u32> {
        op.parallelism.or(self.parallelism)
    }

    /// The max parallelism an operator runs with, and where it comes from.
    pub fn max_parallelism_of(&self, op: &JobOperator) -> MaxParallelism {
        match (op.max_parallelism, self.max_parallelism) {
            (Some(v), _) => MaxParallelism::Operator(v),
            (None, Some(v)) => MaxParallelism::Job(v),
            (None, None) => MaxParallelism::Derived,
        }
    }

    /// The operator that claims `id`, if any (the first, when ids collide).
    pub fn operator(&self, id: &OperatorId) -> Option<&JobOperator> {
        self.operators.iter().find(|o| &o.id == id)
    }

    /// Parses a job file (YAML; JSON is accepted as YAML's subset). `source` names it in
    /// messages.
    pub fn from_yaml(text: &str, source: &str) -> Result<Job, JobError> {
        if let Some(why) = not_a_job_file(text.as_bytes()) {
            return Err(JobError {
                message: format!("{source}: {why}"),
            });
        }
        if text.trim().is_empty() {
            return Err(JobError {
                message: format!(
                    "{source}: the job file is empty; expected YAML (or JSON) with at least an `operators` list"
                ),
            });
        }
        // serde_norway's messages end with `at line L column C` where it knows the place.
        let raw: RawJob = serde_norway::from_str(text).map_err(|e| JobError {
            message: format!("{source}: {}", lower_first(&e.to_string())),
        })?;
        raw.validate(source).map_err(|(m, at)| {
            let place = match &at {
                Some(a @ At::Key(_)) => a.line(text).map(|l| format!(" at line {l}")),
                Some(a @ At::Operator(_)) => {
                    a.line(text).map(|l| format!(" (the operator at line {l})"))
                }
                None => None,
            };
            JobError {
                message: format!("{source}: {m}{}", place.unwrap_or_default()),
            }
        })
    }

    /// Parses a job file from its bytes, as read: a file that is not text (binary, or a Flink
    /// snapshot passed by mistake) is refused with what it looks like, before any YAML parsing.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Job, JobError> {
        Job::from_yaml(text_of(bytes, source, "a job file")?, source)
    }

    /// Describes the new job by another snapshot (e.g. one taken by the staging deployment of
    /// the new job).
    ///
    /// Decisions, documented because the snapshot cannot say:
    /// - every operator is identified by its OperatorID (as `uid-hash`); V5+ snapshots also
    ///   give the uid, and an empty uid there means the operator had none;
    /// - an operator's max parallelism counts as *explicit* when it differs from what Flink
    ///   derives from its parallelism (`default_max_parallelism`), and as *derived* otherwise.
    ///   A value Flink derives is indistinguishable from the same value set by hand, and a
    ///   different value can only come from a setting (or from a restore that adopted it).
    ///   When every operator has the same explicit value, it counts as job-wide;
    /// - the Flink release is the range that writes the snapshot's metadata version;
    /// - the state backend is the one its keyed state layout shows (heap → hashmap, RocksDB
    ///   files → rocksdb), and unknown for canonical savepoints or no keyed state;
    /// - `allow-non-restored-state` is false unless given on the command line.
    pub fn from_snapshot(md: &Metadata<'_>, source: &str) -> Job {
        let mut operators: Vec<JobOperator> = md
            .operators
            .iter()
            .map(|o| {
                let p = u32::try_from(o.parallelism).ok().filter(|&p| p > 0);
                let maxp = u32::try_from(o.max_parallelism).ok().filter(|&m| m > 0);
                let explicit = match (p, maxp) {
                    (Some(p), Some(m)) if m != default_max_parallelism(p) => Some(m),
                    _ => None,
                };
                JobOperator {
                    uid: o
                        .uid
                        .as_ref()
                        .map(|u| u.to_str().into_owned())
                        .filter(|u| !u.is_empty()),
                    id: o.id,
                    id_from_hash: true,
                    name: o
                        .name
                        .as_ref()
                        .map(|n| n.to_str().into_owned())
                        .filter(|n| !n.is_empty()),
                    parallelism: p,
                    max_parallelism: explicit,
                }
            })
            .collect();
        // Every operator with the same non-derived value: that is what a job-wide setting
        // (pipeline.max-parallelism) produces, and it reaches every task of the new job.
        let explicit: Vec<Option<u32>> = operators.iter().map(|o| o.max_parallelism).collect();
        let job_wide = match explicit.first() {
            Some(Some(v)) if explicit.iter().all(|e| *e == Some(*v)) => Some(*v),
            _ => None,
        };
        if job_wide.is_some() {
            for o in &mut operators {
                o.max_parallelism = None;
            }
        }
        let flink_version = md.version.writer_range().map(|(lo, hi)| FlinkVersions {
            lowest: lo.into(),
            highest: hi.into(),
        });
        let state_backend = summarize(md, None).backend.and_then(|b| match b.value {
            BackendFamily::Heap => Some(StateBackend::Hashmap),
            BackendFamily::RocksDb => Some(StateBackend::Rocksdb),
            _ => None,
        });
        Job {
            source: JobSource::Snapshot(source.to_string()),
            flink_version,
            state_backend,
            parallelism: None,
            max_parallelism: job_wide,
            allow_non_restored_state: false,
            operators,
            uids_known: md.version.has_operator_names(),
        }
    }
}

/// A job file that cannot be used: flinspect cannot judge (exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobError {
    pub message: String,
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JobError {}

impl From<JobError> for crate::Error {
    fn from(e: JobError) -> crate::Error {
        crate::Error::JobFile(e.message)
    }
}

/// Flink's checkpoint metadata magic number (`MetadataSerializers`), big-endian.
const SNAPSHOT_MAGIC: [u8; 4] = [0x49, 0x60, 0x67, 0x2d];

/// Why `bytes` cannot be a job file, if they plainly cannot: a Flink snapshot, or binary data
/// (a NUL byte, which no YAML or JSON text holds).
/// The text of a job file or allow-list as read, refused with what it looks like when it is not
/// text (a Flink snapshot passed by mistake, binary data, invalid UTF-8).
pub(crate) fn text_of<'b>(bytes: &'b [u8], source: &str, what: &str) -> Result<&'b str, JobError> {
    if let Some(why) = not_a_job_file(bytes) {
        return Err(JobError {
            message: format!("{source}: {why}"),
        });
    }
    std::str::from_utf8(bytes).map_err(|e| JobError {
        message: format!(
            "{source}: not {what}: invalid UTF-8 at offset {:#x}; expected a YAML (or JSON) text file",
            e.valid_up_to()
        ),
    })
}

/// Why `bytes` cannot be a job file (or an allow-list): a Flink snapshot, or binary data.
pub(crate) fn not_a_job_file(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(&SNAPSHOT_MAGIC) {
        return Some(
            "this looks like a Flink snapshot (_metadata), not a job file: it starts with the metadata magic number 0x4960672d at offset 0x0; pass the snapshot as SNAPSHOT (or to --against) and describe the new job in YAML with --job"
                .into(),
        );
    }
    bytes.iter().position(|&b| b == 0).map(|at| {
        format!(
            "not a job file: binary data (a NUL byte at offset {at:#x}); expected a YAML (or JSON) text file"
        )
    })
}

/// The Flink releases flinspect knows: those that write a metadata version it reads or names.
fn is_known_release(v: FlinkVersion) -> bool {
    (1..=6).any(|n| {
        MetadataVersion(n)
            .writer_range()
            .is_some_and(|(lo, hi)| (lo..=hi).contains(&(v.major, v.minor)))
    })
}

/// The known releases as ranges, e.g. `1.1 – 1.20, 2.0 – 2.3`.
fn known_releases() -> String {
    let mut ranges: Vec<((u32, u32), (u32, u32))> = Vec::new();
    for n in 1..=6 {
        if let Some((lo, hi)) = MetadataVersion(n).writer_range() {
            match ranges.last_mut() {
                Some(last) if last.1 .0 == lo.0 && last.1 .1 + 1 == lo.1 => last.1 = hi,
                _ => ranges.push((lo, hi)),
            }
        }
    }
    ranges
        .iter()
        .map(|(lo, hi)| format!("{}.{} – {}.{}", lo.0, lo.1, hi.0, hi.1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where in the job file a validation error belongs, found again in the text (the YAML parser
/// keeps no positions once deserialized).
enum At {
    /// A top-level key.
    Key(&'static str),
    /// The `i`-th entry of `operators` (block-style YAML only).
    Operator(usize),
}

impl At {
    /// The 1-based line, when it can be found unambiguously.
    fn line(&self, text: &str) -> Option<usize> {
        match self {
            At::Key(key) => {
                let lines_of = |indented: bool| -> Vec<usize> {
                    text.lines()
                        .enumerate()
                        .filter(|(_, l)| {
                            is_key_line(if indented { l.trim_start() } else { l }, key)
                        })
                        .map(|(i, _)| i + 1)
                        .collect()
                };
                let mut found = lines_of(false);
                // JSON (or indented YAML) puts top-level keys anywhere; only keys no operator
                // has are then unambiguous.
                if found.is_empty() && !["parallelism", "max-parallelism"].contains(key) {
                    found = lines_of(true);
                }
                match found.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                }
            }
            At::Operator(i) => {
                let lines: Vec<&str> = text.lines().collect();
                let start = lines.iter().position(|l| is_key_line(l, "operators"))?;
                if !lines[start].trim_end().ends_with(':') {
                    return None; // flow style (`operators: [...]`, JSON)
                }
                let items: Vec<(usize, usize)> = lines
                    .iter()
                    .enumerate()
                    .skip(start + 1)
                    .take_while(|(_, l)| {
                        l.trim().is_empty()
                            || l.trim_start().starts_with('#')
                            || l.starts_with(' ')
                            || l.starts_with('-')
                    })
                    .filter(|(_, l)| {
                        let t = l.trim_start();
                        t == "-" || t.starts_with("- ")
                    })
                    .map(|(n, l)| (n + 1, l.len() - l.trim_start().len()))
                    .collect();
                let indent = items.first()?.1;
                items
                    .iter()
                    .filter(|(_, d)| *d == indent)
                    .nth(*i)
                    .map(|(n, _)| *n)
            }
        }
    }
}

/// A line that starts (at column 0) with `key:` or a quoted `"key":`.
fn is_key_line(line: &str, key: &str) -> bool {
    let rest = line
        .strip_prefix(key)
        .or_else(|| {
            line.strip_prefix('"')
                .and_then(|l| l.strip_prefix(key))
                .and_then(|l| l.strip_prefix('"'))
        })
        .or_else(|| {
            line.strip_prefix('\'')
                .and_then(|l| l.strip_prefix(key))
                .and_then(|l| l.strip_prefix('\''))
        });
    rest.is_some_and(|r| r.trim_start().starts_with(':'))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A scalar that YAML may read as a string or a number (`flink-version: 1.20` is the number
/// 1.2 to YAML; it is rejected with a hint rather than misread).
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(f64),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawJob {
    flink_version: Option<Scalar>,
    state_backend: Option<StateBackend>,
    parallelism: Option<u32>,
    max_parallelism: Option<u32>,
    #[serde(default)]
    allow_non_restored_state: bool,
    operators: Vec<RawOperator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOperator {
    uid: Option<String>,
    uid_hash: Option<String>,
    name: Option<String>,
    parallelism: Option<u32>,
    max_parallelism: Option<u32>,
}

impl RawJob {
    /// The job, or why not and where in the file.
    fn validate(self, source: &str) -> Result<Job, (String, Option<At>)> {
        let flink_version = match self.flink_version {
            None => None,
            Some(Scalar::Text(s)) => {
                let at = || Some(At::Key("flink-version"));
                let v = FlinkVersion::parse(&s).ok_or_else(|| {
                    (
                        format!("flink-version {s:?} is not a release such as \"1.20\" or \"2.1.1\""),
                        at(),
                    )
                })?;
                if !is_known_release(v) {
                    return Err((
                        format!(
                            "flink-version {s:?} is not a Flink release flinspect knows; expected one of {}",
                            known_releases()
                        ),
                        at(),
                    ));
                }
                Some(FlinkVersions::exact(v))
            }
            Some(Scalar::Number(n)) => {
                return Err((format!(
                    "flink-version {n} must be a quoted string such as \"1.20\" (YAML reads 1.20 as the number 1.2)"
                ), Some(At::Key("flink-version"))))
            }
        };
        // Parallelism and max parallelism that Flink rejects (0, above 32768, a parallelism
        // above its explicit max parallelism) describe a job that will not start: the rule
        // job_setting_rejected reports them as findings, not as an unreadable job file.
        let mut operators = Vec::with_capacity(self.operators.len());
        for (i, o) in self.operators.into_iter().enumerate() {
            let err = |m: String| (m, Some(At::Operator(i)));
            let at = format!("operators[{i}]");
            let (id, uid, from_hash) = match (o.uid, o.uid_hash) {
                (Some(u), None) => (OperatorId::from_uid(&u), Some(u), false),
                (None, Some(h)) => {
                    let id = OperatorId::from_hex(&h).ok_or_else(|| {
                        err(format!("{at}: uid-hash {h:?} is not 32 hexadecimal digits"))
                    })?;
                    (id, None, true)
                }
                (Some(_), Some(_)) => {
                    return Err(err(format!("{at}: give either uid or uid-hash, not both")))
                }
                (None, None) => return Err(err(format!("{at}: needs a uid or a uid-hash"))),
            };
            operators.push(JobOperator {
                uid,
                id,
                id_from_hash: from_hash,
                name: o.name,
                parallelism: o.parallelism,
                max_parallelism: o.max_parallelism,
            });
        }
        Ok(Job {
            source: JobSource::File(source.to_string()),
            flink_version,
            state_backend: self.state_backend,
            parallelism: self.parallelism,
            max_parallelism: self.max_parallelism,
            allow_non_restored_state: self.allow_non_restored_state,
            operators,
            uids_known: true,
        })
    }
}

/// The metadata version a snapshot has, for rules that compare it with a Flink release.
pub fn first_reader(v: MetadataVersion) -> Option<FlinkVersion> {
    v.first_reader().map(FlinkVersion::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(FlinkVersion::parse("1.20"), Some(FlinkVersion::new(1, 20)));
        assert_eq!(FlinkVersion::parse("2.1.1"), Some(FlinkVersion::new(2, 1)));
        assert_eq!(FlinkVersion::parse("2"), None);
        assert_eq!(FlinkVersion::parse("1.x"), None);
        assert!(FlinkVersion::new(1, 9) < FlinkVersion::new(1, 20));
    }

    #[test]
    fn unknown_keys_and_unquoted_versions_are_errors() {
        let e = Job::from_yaml("operators: []\nparalelism: 2\n", "j").unwrap_err();
        assert!(e.message.contains("paralelism"), "{e}");
        let e = Job::from_yaml("flink-version: 1.20\noperators: []\n", "j").unwrap_err();
        assert!(e.message.contains("quoted"), "{e}");
        let e = Job::from_yaml("operators:\n  - name: x\n", "j").unwrap_err();
        assert!(e.message.contains("uid"), "{e}");
    }

    #[test]
    fn json_is_accepted() {
        let j = Job::from_yaml(
            r#"{"flink-version": "2.3", "operators": [{"uid": "my-source", "parallelism": 2}]}"#,
            "j",
        )
        .unwrap();
        assert_eq!(
            j.operators[0].id.to_hex(),
            "5712e5a8bfbfa8943a95ff796efbcfa9"
        );
        assert_eq!(
            j.flink_version,
            Some(FlinkVersions::exact(FlinkVersion::new(2, 3)))
        );
    }
}
