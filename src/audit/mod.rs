//! `audit`: Flink's production-readiness checklist, checked against whatever of the three
//! places its answers live the user gives — the job's graph (`flinspect graph`, or a job file),
//! the Flink configuration file ([`crate::config`]), and the snapshots the job has written.
//!
//! Entry point: [`audit`] runs every rule of the catalogue ([`rules::RULES`]) over the
//! [`Inputs`] and returns a [`Report`]. Each rule lives with its area under
//! `src/audit/rules/`, has a stable snake_case id (disjoint from `check`'s), a default severity,
//! a summary, an explanation that states and justifies its thresholds, and the Flink option or
//! API that fixes it. Every rule run ends in at least one [`Item`]: a finding, a pass, or
//! "not checked" with what would decide it — never silence; and every finding and pass names
//! the inputs that decided it ([`Evidence`]).
//!
//! Architecture invariant: `audit` reads inputs that are already loaded (a graph document, a
//! parsed configuration, decoded snapshots, a scan report); it opens no file and prints nothing.

pub mod rules;
mod settings;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::check::Severity;
use crate::config::Config;
use crate::graph::GraphDocument;

pub use rules::{AuditRule, RULES};
pub use settings::Setting;

/// Which input decided an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The job's graph (`--jar`/`--sql`, or a graph document or job file given with `--job`).
    Job,
    /// The Flink configuration file (`--config`), including a key it leaves unset (then Flink's
    /// default decides, and the evidence says so).
    Config,
    /// A snapshot's `_metadata`, or a scan of the directories given.
    Snapshot,
    /// Flink's `log4j.properties` next to the configuration file.
    Logging,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Job => "job",
            Source::Config => "config",
            Source::Snapshot => "snapshot",
            Source::Logging => "logging",
        }
    }
}

/// One fact an item rests on: the input and what it said (`execution.checkpointing.interval:
/// 3 min (conf/config.yaml:12)`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub source: Source,
    pub detail: String,
    /// The file and 1-based line that say it, when one line does (a configuration key).
    pub file: Option<String>,
    pub line: Option<usize>,
}

impl Evidence {
    pub fn new(source: Source, detail: impl Into<String>) -> Evidence {
        Evidence {
            source,
            detail: detail.into(),
            file: None,
            line: None,
        }
    }

    /// The same, located at a file's line.
    pub fn at(mut self, file: &str, line: Option<usize>) -> Evidence {
        self.file = Some(file.to_string());
        self.line = line;
        self
    }
}

/// The result of one rule for one subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Something on the checklist is not as it should be.
    Finding,
    /// Checked and as it should be.
    Passed,
    /// No input given can decide it.
    NotChecked,
}

/// One outcome of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub rule: &'static str,
    pub status: Status,
    /// For findings: the rule's severity (a rule may lower it for a case); for other items the
    /// rule's default, for reference.
    pub severity: Severity,
    /// The operator the item is about (`uid "keyed"`, `id 5712…`), if any.
    pub subject: Option<String>,
    /// What was found, with the values; for a not-checked item, why not.
    pub message: String,
    /// The inputs that decided it (empty for a not-checked item).
    pub decided_by: Vec<Evidence>,
    /// For a not-checked item: the input that would decide it.
    pub needs: Option<String>,
    /// The Flink option or API that fixes a finding.
    pub fix: Option<String>,
    pub notes: Vec<String>,
    /// The allow-list entry's reason, when one accepts the finding.
    pub allowed: Option<String>,
}

/// Numbers rules compare against, each with a default the rule's explanation justifies;
/// `--threshold NAME=VALUE` changes one.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// How much input the job may reprocess after a failure, as time: the checkpoint interval
    /// must not exceed it (`recovery-sla`, default 10 min).
    pub recovery_sla: Duration,
    /// The share of max parallelism above which parallelism has too little headroom
    /// (`max-parallelism-share`, default 0.5).
    pub max_parallelism_share: f64,
    /// Max parallelism above this many times the parallelism (and above 1024) is far beyond
    /// any plausible need (`max-parallelism-ratio`, default 64).
    pub max_parallelism_ratio: u32,
    /// Keyed state per subtask above which the heap backend is the wrong one
    /// (`heap-state-per-subtask`, default 1 GiB).
    pub heap_state_per_subtask: u64,
    /// A full RocksDB checkpoint above this size should be incremental
    /// (`full-checkpoint-size`, default 1 GiB).
    pub full_checkpoint_size: u64,
    /// Fewest retained checkpoints (`min-retained`, default 2).
    pub min_retained: u32,
    /// Fewest tolerable checkpoint failures (`min-tolerable-failures`, default 1).
    pub min_tolerable_failures: u32,
    /// Largest subtask over the mean subtask state (`skew-factor`, default 4).
    pub skew_factor: f64,
    /// Subtask state below this is too small to call skewed (`skew-min-size`, default 64 MiB).
    pub skew_min_size: u64,
    /// Newest over oldest retained checkpoint size (`growth-factor`, default 2).
    pub growth_factor: f64,
    /// Unreferenced shared files over the newest checkpoint's size (`unreclaimed-share`,
    /// default 1).
    pub unreclaimed_share: f64,
    /// Newest restorable checkpoint older than this many intervals (`stale-intervals`,
    /// default 3).
    pub stale_intervals: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            recovery_sla: Duration::from_secs(600),
            max_parallelism_share: 0.5,
            max_parallelism_ratio: 64,
            heap_state_per_subtask: 1 << 30,
            full_checkpoint_size: 1 << 30,
            min_retained: 2,
            min_tolerable_failures: 1,
            skew_factor: 4.0,
            skew_min_size: 64 << 20,
            growth_factor: 2.0,
            unreclaimed_share: 1.0,
            stale_intervals: 3,
        }
    }
}

/// The names `--threshold` takes, with what each is.
pub const THRESHOLD_NAMES: &[(&str, &str)] = &[
    ("recovery-sla", "duration (10 min)"),
    ("max-parallelism-share", "fraction (0.5)"),
    ("max-parallelism-ratio", "number (64)"),
    ("heap-state-per-subtask", "memory size (1 gb)"),
    ("full-checkpoint-size", "memory size (1 gb)"),
    ("min-retained", "number (2)"),
    ("min-tolerable-failures", "number (1)"),
    ("skew-factor", "number (4)"),
    ("skew-min-size", "memory size (64 mb)"),
    ("growth-factor", "number (2)"),
    ("unreclaimed-share", "number (1)"),
    ("stale-intervals", "number (3)"),
];

impl Thresholds {
    /// Applies one `NAME=VALUE`.
    pub fn set(&mut self, spec: &str) -> Result<(), String> {
        use crate::config::value::{parse_duration, parse_memory};
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| format!("--threshold {spec:?}: expected NAME=VALUE"))?;
        let num = |v: &str| -> Result<f64, String> {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .ok_or_else(|| format!("--threshold {name}: {v:?} is not a non-negative number"))
        };
        let whole = |v: &str| -> Result<u32, String> {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("--threshold {name}: {v:?} is not a whole number"))
        };
        let e = |m: String| format!("--threshold {name}: {m}");
        match name.trim() {
            "recovery-sla" => self.recovery_sla = parse_duration(value).map_err(e)?,
            "max-parallelism-share" => {
                let f = num(value)?;
                if f > 1.0 {
                    return Err(format!("--threshold {name}: {f} is above 1"));
                }
                self.max_parallelism_share = f
            }
            "max-parallelism-ratio" => self.max_parallelism_ratio = whole(value)?,
            "heap-state-per-subtask" => {
                self.heap_state_per_subtask = parse_memory(value).map_err(e)?
            }
            "full-checkpoint-size" => self.full_checkpoint_size = parse_memory(value).map_err(e)?,
            "min-retained" => self.min_retained = whole(value)?,
            "min-tolerable-failures" => self.min_tolerable_failures = whole(value)?,
            "skew-factor" => self.skew_factor = num(value)?,
            "skew-min-size" => self.skew_min_size = parse_memory(value).map_err(e)?,
            "growth-factor" => self.growth_factor = num(value)?,
            "unreclaimed-share" => self.unreclaimed_share = num(value)?,
            "stale-intervals" => self.stale_intervals = whole(value)?,
            other => {
                let names: Vec<&str> = THRESHOLD_NAMES.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "--threshold: unknown name {other:?} (one of {})",
                    names.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// One snapshot as the snapshot rules need it: facts taken from its decoded `_metadata`
/// (owned, so many can be held).
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotFacts {
    /// The `_metadata` file.
    pub path: String,
    pub checkpoint_id: i64,
    pub metadata_version: i32,
    /// `checkpoint` / `savepoint`, when known.
    pub kind: Option<String>,
    /// `heap`, `rocksdb`, `portable`, … ([`crate::analysis::BackendFamily`]).
    pub backend: Option<String>,
    /// `full`, `incremental`, `changelog`.
    pub mode: Option<String>,
    pub modified: Option<SystemTime>,
    pub state_size: i64,
    pub operators: Vec<OperatorFacts>,
    /// Absolute paths the snapshot records for its state files (distinct directories).
    pub recorded_dirs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OperatorFacts {
    pub id: String,
    /// Recorded uid (metadata V5+); `None` when the format cannot record one or none was set.
    pub uid: Option<String>,
    pub name: Option<String>,
    pub parallelism: i32,
    pub max_parallelism: i32,
    pub has_state: bool,
    pub has_keyed_state: bool,
    /// Keyed state size per subtask, by subtask index.
    pub keyed_per_subtask: Vec<i64>,
    /// Total state size per subtask, by subtask index.
    pub state_per_subtask: Vec<i64>,
    /// Per-key-group sizes, where the handles record them (key-group offsets of heap and
    /// canonical snapshots): the largest key group and its size, how many non-empty key groups
    /// were measured and their bytes in total. `None` for handles without offsets (RocksDB
    /// incremental, changelog).
    pub key_groups: Option<KeyGroupSizes>,
}

/// Sizes of the key groups of one operator, from the offsets its keyed handles record.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyGroupSizes {
    pub largest: (u32, i64),
    pub measured: u32,
    pub total: i64,
}

/// The non-empty key groups of a handle with key-group offsets and their bytes. A key group's
/// data runs from its offset to the next larger offset (the last to the end of the stream).
/// Canonical savepoints leave the offset of a key group without data at 0 (the stream starts
/// with the state meta data, so no data is at 0); heap checkpoints give an empty key group the
/// offset of the next one. Both come out as empty, and empty key groups are left out.
fn key_group_sizes(h: &crate::model::KeyGroupsHandle<'_>, out: &mut Vec<(u32, i64)>) {
    let end = h.delegate.state_size();
    let start = h.offsets.range.start.max(0) as u32;
    let mut at: Vec<(i64, u32)> = h
        .offsets
        .offsets
        .iter()
        .enumerate()
        .filter(|(_, o)| *o > 0)
        .map(|(i, o)| (o, start.saturating_add(i as u32)))
        .collect();
    at.sort_unstable();
    for (i, &(offset, group)) in at.iter().enumerate() {
        let next = at[i + 1..]
            .iter()
            .map(|n| n.0)
            .find(|&n| n > offset)
            .unwrap_or(end);
        let size = next.saturating_sub(offset);
        if size > 0 {
            out.push((group, size));
        }
    }
}

impl SnapshotFacts {
    /// Facts of a decoded snapshot.
    pub fn of(
        md: &crate::model::Metadata<'_>,
        path: &str,
        modified: Option<SystemTime>,
    ) -> SnapshotFacts {
        let dir_name = std::path::Path::new(path)
            .parent()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        let summary = crate::analysis::summarize(md, dir_name.as_deref());
        let mut operators = Vec::new();
        for op in &md.operators {
            let n = op.parallelism.max(0) as usize;
            let mut keyed = vec![0i64; n];
            let mut total = vec![0i64; n];
            let mut groups: Vec<(u32, i64)> = Vec::new();
            for h in op.keyed_handles() {
                match h {
                    crate::model::KeyedHandle::KeyGroups { handle, .. }
                    | crate::model::KeyedHandle::SavepointKeyGroups(handle) => {
                        key_group_sizes(handle, &mut groups)
                    }
                    _ => {}
                }
            }
            let key_groups = groups
                .iter()
                .copied()
                .max_by_key(|g| (g.1, std::cmp::Reverse(g.0)))
                .map(|largest| KeyGroupSizes {
                    largest,
                    measured: groups.len() as u32,
                    total: groups.iter().map(|g| g.1).fold(0i64, i64::saturating_add),
                });
            for s in &op.subtasks {
                let i = s.index as usize;
                if i < n {
                    total[i] = total[i].saturating_add(s.state_size());
                    let k: i64 = s
                        .managed_keyed
                        .iter()
                        .chain(s.raw_keyed.as_deref())
                        .map(|h| h.state_size())
                        .sum();
                    keyed[i] = keyed[i].saturating_add(k);
                }
            }
            let text = |s: &Option<crate::model::JavaStr<'_>>| {
                s.as_ref()
                    .map(|u| u.to_str().into_owned())
                    .filter(|u| !u.is_empty())
            };
            operators.push(OperatorFacts {
                id: op.id.to_hex(),
                uid: text(&op.uid),
                name: text(&op.name),
                parallelism: op.parallelism,
                max_parallelism: op.max_parallelism,
                has_state: op.has_state(),
                has_keyed_state: op.has_keyed_state(),
                keyed_per_subtask: keyed,
                state_per_subtask: total,
                key_groups,
            });
        }
        let mut dirs = std::collections::BTreeSet::new();
        for r in crate::analysis::references(md) {
            if let crate::analysis::FileRef::Absolute(p)
            | crate::analysis::FileRef::Segment { path: p, .. } = &r.file
            {
                let p = p.to_str().into_owned();
                let dir = match p.rfind('/') {
                    Some(i) if i > 0 => p[..i].to_string(),
                    _ => p,
                };
                dirs.insert(dir);
            }
        }
        SnapshotFacts {
            path: path.to_string(),
            checkpoint_id: md.checkpoint_id,
            metadata_version: md.version.0,
            kind: summary.kind.map(|k| k.value.as_str().to_string()),
            backend: summary.backend.map(|b| b.value.as_str().to_string()),
            mode: summary.mode.map(|m| m.value.as_str().to_string()),
            modified,
            state_size: md.state_size(),
            operators,
            recorded_dirs: dirs.into_iter().collect(),
        }
    }
}

/// One job's snapshots as a scan found them, for the trend rules.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// The job's directory (or key) as the scan names it.
    pub job: String,
    /// Checkpoints (not savepoints), oldest first: (checkpoint id, state size, restorable,
    /// `_metadata` modification time).
    pub checkpoints: Vec<(i64, i64, bool, Option<SystemTime>)>,
    /// Bytes of files under `shared/` that no retained `_metadata` references; `None` when the
    /// scan withheld the list (the reason).
    pub unreferenced_shared: Result<u64, String>,
}

/// Everything `audit` was given. Any subset may be absent.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// The job's graph (from the companion or a graph document), and how it was named.
    pub graph: Option<(GraphDocument, String)>,
    /// A `check` job file (YAML/JSON), when `--job` was one.
    pub job_file: Option<(crate::check::Job, String)>,
    pub config: Option<Config>,
    /// `rootLogger.level` of `log4j.properties` beside the configuration, and that file.
    pub log_level: Option<(String, String)>,
    /// The newest snapshot given or found (by checkpoint id, then time).
    pub snapshot: Option<SnapshotFacts>,
    /// Per job found by scanning the directories given.
    pub histories: Vec<History>,
    /// "now", for ages.
    pub now: Option<SystemTime>,
}

/// Everything `audit` found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Findings first (errors first, then rule id), then passes, then not-checked items, each
    /// in catalogue order.
    pub items: Vec<Item>,
}

impl Report {
    pub fn findings(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.status == Status::Finding)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings().filter(|i| i.severity == severity).count()
    }

    /// Findings at or above the threshold that no allow-list entry accepts.
    pub fn blocking(&self, fail_on: Severity) -> impl Iterator<Item = &Item> {
        self.findings()
            .filter(move |i| i.severity >= fail_on && i.allowed.is_none())
    }

    /// The verdict for a failure threshold: `ready` (no blocking finding, and every rule that
    /// could raise an error was decided), `not-ready`, or `unknown` (no blocking finding, but a
    /// rule whose default severity is at or above the threshold could not be checked).
    pub fn verdict(&self, fail_on: Severity) -> Verdict {
        if self.blocking(fail_on).next().is_some() {
            Verdict::NotReady
        } else if self
            .items
            .iter()
            .any(|i| i.status == Status::NotChecked && i.severity >= fail_on)
        {
            Verdict::Unknown
        } else {
            Verdict::Ready
        }
    }

    /// Marks findings the allow-list accepts (warnings and infos only, as in `check`); returns
    /// the entries that matched nothing. An entry that matches an error leaves it blocking
    /// and adds a note.
    pub fn apply_allow_list(
        &mut self,
        allow: &crate::check::AllowList,
    ) -> Vec<crate::check::AllowEntry> {
        let mut used = vec![false; allow.entries.len()];
        for item in self
            .items
            .iter_mut()
            .filter(|i| i.status == Status::Finding)
        {
            for (n, e) in allow.entries.iter().enumerate() {
                if e.rule != item.rule {
                    continue;
                }
                if let Some(want) = &e.operator {
                    if !item
                        .subject
                        .as_deref()
                        .is_some_and(|s| subject_names(s, want))
                    {
                        continue;
                    }
                }
                used[n] = true;
                if item.severity >= Severity::Error {
                    item.notes.push(format!(
                        "the allow-list entry for {} (\"{}\") was not applied: an allow-list accepts warnings and infos; this one stays until the cause is fixed (see fix)",
                        item.rule, e.reason
                    ));
                } else {
                    item.allowed = Some(e.reason.clone());
                }
                break;
            }
        }
        allow
            .entries
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(e, _)| e.clone())
            .collect()
    }
}

/// Whether an item's subject (`uid "keyed", id …`) is the operator an allow-list entry names
/// (a uid, or an OperatorID).
fn subject_names(subject: &str, want: &str) -> bool {
    subject.contains(&format!("uid {want:?}"))
        || subject.contains(&format!("id {}", want.to_ascii_lowercase()))
        || subject.contains(&format!(
            "id {}",
            crate::model::OperatorId::from_uid(want).to_hex()
        ))
}

/// The overall answer of an audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ready,
    NotReady,
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotReady => "not-ready",
            Verdict::Unknown => "unknown",
        }
    }
}

/// What the rules read: the inputs, the settings resolved from them, the thresholds.
pub struct Context<'i> {
    pub inputs: &'i Inputs,
    pub thresholds: &'i Thresholds,
    /// The Flink release the graph was built with, or the job file names.
    pub release: Option<crate::config::Release>,
}

/// Where a rule puts its items.
pub struct Sink<'r> {
    rule: &'r AuditRule,
    pub items: Vec<Item>,
}

impl<'r> Sink<'r> {
    fn item(&self, status: Status, subject: Option<String>, message: String) -> Item {
        Item {
            rule: self.rule.id,
            status,
            severity: self.rule.severity,
            subject,
            message,
            decided_by: Vec::new(),
            needs: None,
            fix: None,
            notes: Vec::new(),
            allowed: None,
        }
    }

    /// A finding at the rule's severity.
    pub fn finding(
        &mut self,
        subject: Option<String>,
        message: impl Into<String>,
        decided_by: Vec<Evidence>,
    ) -> &mut Item {
        let mut i = self.item(Status::Finding, subject, message.into());
        i.decided_by = decided_by;
        i.fix = Some(self.rule.fix.to_string());
        self.items.push(i);
        self.items.last_mut().expect("just pushed")
    }

    /// Checked and fine.
    pub fn passed(
        &mut self,
        subject: Option<String>,
        message: impl Into<String>,
        decided_by: Vec<Evidence>,
    ) -> &mut Item {
        let mut i = self.item(Status::Passed, subject, message.into());
        i.decided_by = decided_by;
        self.items.push(i);
        self.items.last_mut().expect("just pushed")
    }

    /// No input decides it; `needs` says which would.
    pub fn not_checked(&mut self, message: impl Into<String>, needs: impl Into<String>) {
        let mut i = self.item(Status::NotChecked, None, message.into());
        i.needs = Some(needs.into());
        self.items.push(i);
    }
}

/// Runs every rule of the catalogue.
pub fn audit(inputs: &Inputs, thresholds: &Thresholds) -> Report {
    let release = inputs
        .graph
        .as_ref()
        .and_then(|(g, _)| crate::config::Release::parse(&g.flink_version))
        .or_else(|| {
            inputs.job_file.as_ref().and_then(|(j, _)| {
                j.flink_version.as_ref().map(|v| {
                    crate::config::Release(
                        v.highest.major.min(255) as u8,
                        v.highest.minor.min(255) as u8,
                    )
                })
            })
        });
    let cx = Context {
        inputs,
        thresholds,
        release,
    };
    let mut items = Vec::new();
    for rule in RULES {
        let mut sink = Sink {
            rule,
            items: Vec::new(),
        };
        (rule.check)(&cx, &mut sink);
        if sink.items.is_empty() {
            // A rule that says nothing would read as "fine": make the gap visible instead.
            sink.not_checked(
                "the rule produced no result for these inputs",
                "report this as a flinspect bug",
            );
        }
        items.extend(sink.items);
    }
    let order: BTreeMap<&str, usize> = RULES.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let rank = |s: &Status| match s {
        Status::Finding => 0,
        Status::Passed => 1,
        Status::NotChecked => 2,
    };
    items.sort_by(|a, b| {
        rank(&a.status)
            .cmp(&rank(&b.status))
            .then_with(|| {
                if a.status == Status::Finding {
                    b.severity.cmp(&a.severity)
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then_with(|| order[a.rule].cmp(&order[b.rule]))
    });
    Report { items }
}

impl From<crate::config::ConfigError> for crate::Error {
    fn from(e: crate::config::ConfigError) -> crate::Error {
        crate::Error::Config(e.message).with_path(e.path)
    }
}

impl History {
    /// Each job of a scan as the trend rules need it.
    pub fn from_scan(report: &crate::scan::Report) -> Vec<History> {
        report
            .jobs
            .iter()
            .map(|job| {
                let mut checkpoints: Vec<_> = job
                    .snapshots
                    .iter()
                    .filter(|s| s.kind == Some(crate::analysis::SnapshotKind::Checkpoint))
                    .filter_map(|s| {
                        s.checkpoint_id.map(|id| {
                            (
                                id,
                                s.state_size.unwrap_or(0),
                                s.status == crate::scan::Status::Restorable,
                                s.modified,
                            )
                        })
                    })
                    .collect();
                checkpoints.sort_by_key(|c| c.0);
                let shared: u64 = job
                    .reclaimable
                    .iter()
                    .filter(|r| r.area == crate::scan::Area::Shared)
                    .map(|r| r.len)
                    .sum();
                History {
                    job: job
                        .dir
                        .as_ref()
                        .map_or_else(|| job.key.clone(), |d| d.display().to_string()),
                    checkpoints,
                    unreferenced_shared: match &job.reclaimable_withheld {
                        Some(reason) => Err(reason.clone()),
                        None => Ok(shared),
                    },
                }
            })
            .collect()
    }

    /// The `_metadata` of the newest restorable checkpoint or savepoint a scan found (by
    /// modification time, then checkpoint id).
    pub fn newest_snapshot(report: &crate::scan::Report) -> Option<std::path::PathBuf> {
        let mut best: Option<(Option<SystemTime>, i64, &std::path::PathBuf)> = None;
        for job in &report.jobs {
            for i in [job.newest_checkpoint, job.newest_savepoint]
                .into_iter()
                .flatten()
            {
                let Some(s) = job.snapshots.get(i) else {
                    continue;
                };
                let key = (s.modified, s.checkpoint_id.unwrap_or(-1));
                if best.as_ref().is_none_or(|(t, id, _)| key > (*t, *id)) {
                    best = Some((key.0, key.1, &s.path));
                }
            }
        }
        best.map(|(_, _, p)| p.clone())
    }
}
