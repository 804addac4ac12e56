//! `flinspect scan` output: a per-job table for people, JSON Lines for programs.
//!
//! # `scan --json`, schema version 1
//!
//! A public contract, pinned by `tests/it/scan_json.rs` with `deny_unknown_fields`: fields are only
//! ever added, and a change of meaning bumps [`SCHEMA_VERSION`]. The output is JSON Lines, one
//! object per line, each with a `"type"` and a `"schema_version"`. For each job in key order,
//! its [`SnapshotRecord`]s (`"type":"snapshot"`) come first and its [`JobRecord`]
//! (`"type":"job"`) after them; then one [`ErrorRecord`] (`"type":"error"`) per walk error; then
//! exactly one [`SummaryRecord`] (`"type":"summary"`), always last. Paths are absolute and
//! canonical (symlinks in the roots resolved). The output is identical at every `--threads`.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde::Serialize;

use super::color::{Palette, Tone};
use super::human_bytes;
use crate::scan::{self as scanning, rfc3339, Job, Progress, Report, Snapshot, Status};

/// The schema version of every `scan --json` record.
pub const SCHEMA_VERSION: u32 = 1;

/// One `_metadata` file found (`"type":"snapshot"`).
#[derive(Serialize)]
pub struct SnapshotRecord {
    /// Always "snapshot".
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// Always 1.
    pub schema_version: u32,
    /// The `job` key of the job record this snapshot belongs to.
    pub job: String,
    /// The `_metadata` file.
    pub path: String,
    /// The snapshot directory (relative handles resolve against it).
    pub dir: String,
    /// "checkpoint" | "savepoint": recorded in the file (metadata V4+), else inferred from the
    /// handles or the directory name; null when nothing tells, or the file could not be read.
    pub kind: Option<&'static str>,
    /// "canonical" | "native" for savepoints of metadata V4+; null otherwise.
    pub format: Option<&'static str>,
    /// The checkpoint id the file records (savepoints have one too); null if unreadable.
    pub checkpoint_id: Option<i64>,
    /// The metadata format version (one flinspect decodes, `model::LAYOUTS`); null if unreadable.
    pub metadata_version: Option<i32>,
    /// Modification time of `_metadata`, RFC 3339 UTC to the second; null if unknown.
    pub modified: Option<String>,
    /// Size of `_metadata` in bytes.
    pub metadata_bytes: u64,
    /// Number of operators; null if unreadable.
    pub operators: Option<usize>,
    /// Total state size in bytes (Flink's `getStateSize()`); null if unreadable.
    pub state_size: Option<i64>,
    /// Bytes of the incremental (RocksDB, ForSt) shared files it references, each distinct
    /// file once, as recorded: the part of `state_size` that other checkpoints of the job may
    /// share (0 for a full snapshot or a canonical savepoint); null if unreadable.
    pub shared_state_size: Option<i64>,
    /// "restorable" (every referenced file exists with at least its recorded size) | "broken"
    /// (a referenced file is missing or short) | "unverified" (nothing missing, but some
    /// references could not be checked: unmapped remote paths, files that cannot be stat'ed) |
    /// "error" (the `_metadata` could not be read or decoded; see `error`).
    pub status: &'static str,
    /// Distinct local files referenced (inline state is not counted).
    pub referenced_files: usize,
    /// What is wrong with referenced files, sorted by path; empty when restorable.
    pub problems: Vec<ProblemRecord>,
    /// Why the `_metadata` could not be read or decoded (status "error"); else null.
    pub error: Option<String>,
    /// Prefix maps flinspect inferred because the tree moved since Flink wrote it: the
    /// references under `prefix` were read under `dir` (empty when none was needed; `scan
    /// --exact-paths` never infers).
    pub inferred_maps: Vec<MapRecord>,
}

/// A prefix map: recorded paths under `prefix` are read under `dir` (as `--map prefix=dir`).
#[derive(Serialize)]
pub struct MapRecord {
    /// The recorded prefix, normalized (`file:/x` for local paths).
    pub prefix: String,
    /// The local directory.
    pub dir: String,
}

/// A prefix map inferred for some snapshots, in the summary.
#[derive(Serialize)]
pub struct RelocationRecord {
    pub prefix: String,
    pub dir: String,
    /// How many snapshots' references were read through it.
    pub snapshots: usize,
}

/// One referenced file that is not fine.
#[derive(Serialize)]
pub struct ProblemRecord {
    /// "missing" | "short" (these two make the snapshot broken) | "unmapped" (a remote path no
    /// `--map` covers) | "inaccessible" (cannot be stat'ed).
    pub problem: &'static str,
    /// The local file checked; null for "unmapped".
    pub path: Option<String>,
    /// The path as the metadata records it: a URI, or a name relative to `dir`.
    pub recorded: String,
    /// Bytes the file must have at least: the recorded size, or for a file-merging segment its
    /// end offset; null when the metadata records no size.
    pub needed: Option<u64>,
    /// Bytes found on disk ("short" only); else null.
    pub found: Option<u64>,
    /// The OS error ("inaccessible" only); else null.
    pub message: Option<String>,
}

/// A `{path, checkpoint_id}` pointer to a snapshot record.
#[derive(Serialize)]
pub struct SnapshotRef {
    /// The `_metadata` file.
    pub path: String,
    pub checkpoint_id: Option<i64>,
}

/// A `chk-N` directory without `_metadata`.
#[derive(Serialize)]
pub struct IncompleteRecord {
    pub dir: String,
    /// N from the directory name.
    pub checkpoint_id: Option<i64>,
    /// Files inside (any depth).
    pub files: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The newest modification time of a file inside (RFC 3339 UTC); recent suggests a
    /// checkpoint still in progress. Null when the directory is empty.
    pub last_modified: Option<String>,
}

/// One reclaimable file.
#[derive(Serialize)]
pub struct ReclaimableRecord {
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// "shared" | "taskowned" | "chk" (inside a `chk-N` directory).
    pub area: &'static str,
    /// Modification time (RFC 3339 UTC); recent files may belong to a checkpoint still being
    /// written. Null when unknown.
    pub modified: Option<String>,
}

/// One job (`"type":"job"`), after its snapshot records.
#[derive(Serialize)]
pub struct JobRecord {
    /// Always "job".
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// Always 1.
    pub schema_version: u32,
    /// The group's key: the job's checkpoint directory, `<dir>/savepoint-<prefix>-*`, or the
    /// directory holding the snapshots. Unique within one output.
    pub job: String,
    /// "job-dir" (a `<job-id>/chk-N` checkpoint directory, with the job's savepoints when their
    /// names match its JobID) | "savepoints" (savepoint directories whose JobID prefix matches no
    /// job directory found) | "location" (any other layout, grouped by parent directory).
    pub layout: &'static str,
    /// The full JobID (32 hex digits) for a JobID-named job directory, the prefix from the
    /// directory names for "savepoints", else null.
    pub job_id: Option<String>,
    /// The job's checkpoint directory ("job-dir" only); else null.
    pub dir: Option<String>,
    /// Snapshot records of this job, and how many of each status.
    pub snapshots: usize,
    pub restorable: usize,
    pub broken: usize,
    pub unverified: usize,
    pub errors: usize,
    /// The restorable checkpoint with the highest checkpoint id; null if none.
    pub newest_restorable_checkpoint: Option<SnapshotRef>,
    /// The restorable savepoint with the highest checkpoint id (ties: the latest modified);
    /// null if none.
    pub newest_restorable_savepoint: Option<SnapshotRef>,
    /// `chk-N` directories without `_metadata` (failed, aborted or in-progress checkpoints),
    /// by checkpoint id.
    pub incomplete_checkpoints: Vec<IncompleteRecord>,
    /// Count and total bytes of `reclaimable`.
    pub reclaimable_files: usize,
    pub reclaimable_bytes: u64,
    /// Files under the job directory's `shared/`, `taskowned/` and `chk-N/` that no `_metadata`
    /// found references, by path. A running job may still be writing them, and snapshots
    /// outside the scanned roots may reference them; flinspect deletes nothing.
    pub reclaimable: Vec<ReclaimableRecord>,
    /// Why reclaimable files are not listed for this job (`reclaimable` is then empty, whether
    /// or not unreferenced files exist): a `_metadata` of the job could not be decoded, a
    /// snapshot is broken or unverified (it may need the files that look unreferenced), or part
    /// of the directory could not be read; else null.
    pub reclaimable_withheld: Option<String>,
}

/// Something the walk could not read (`"type":"error"`).
#[derive(Serialize)]
pub struct ErrorRecord {
    /// Always "error".
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// Always 1.
    pub schema_version: u32,
    pub path: String,
    pub message: String,
}

/// Totals, always the last line (`"type":"summary"`).
#[derive(Serialize)]
pub struct SummaryRecord {
    /// Always "summary".
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// Always 1.
    pub schema_version: u32,
    /// The roots walked (canonical; a root inside another is walked once).
    pub roots: Vec<String>,
    pub jobs: usize,
    pub snapshots: usize,
    pub restorable: usize,
    pub broken: usize,
    pub unverified: usize,
    /// Snapshots whose `_metadata` could not be read or decoded.
    pub metadata_errors: usize,
    /// Error records (directories that could not be read, roots that do not exist).
    pub walk_errors: usize,
    pub incomplete_checkpoints: usize,
    pub reclaimable_files: usize,
    pub reclaimable_bytes: u64,
    /// Total bytes of every `_metadata` read.
    pub metadata_bytes: u64,
    pub dirs_walked: u64,
    pub files_walked: u64,
    /// Directory symlinks found and not followed.
    pub skipped_symlinks: Vec<String>,
    /// Files and directories listed by the walk that were gone when read (a running job
    /// deleting subsumed checkpoints). Not errors.
    pub vanished: u64,
    /// Every prefix map inferred for some snapshot, sorted; empty when none was.
    pub inferred_maps: Vec<RelocationRecord>,
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

pub fn snapshot_record(job: &Job, sn: &Snapshot) -> SnapshotRecord {
    SnapshotRecord {
        record_type: "snapshot",
        schema_version: SCHEMA_VERSION,
        job: job.key.clone(),
        path: s(&sn.path),
        dir: s(&sn.dir),
        kind: sn.kind.map(|k| k.as_str()),
        format: sn.format.map(|f| f.as_str()),
        checkpoint_id: sn.checkpoint_id,
        metadata_version: sn.metadata_version,
        modified: sn.modified.map(rfc3339),
        metadata_bytes: sn.metadata_bytes,
        operators: sn.operators,
        state_size: sn.state_size,
        shared_state_size: sn.shared_state_size,
        status: sn.status.as_str(),
        referenced_files: sn.referenced_files,
        problems: sn
            .problems
            .iter()
            .map(|p| ProblemRecord {
                problem: p.kind.as_str(),
                path: p.path.as_deref().map(s),
                recorded: p.recorded.clone(),
                needed: p.needed,
                found: p.found,
                message: p.message.clone(),
            })
            .collect(),
        error: sn.error.as_ref().map(ToString::to_string),
        inferred_maps: sn
            .inferred_maps
            .iter()
            .map(|m| MapRecord {
                prefix: m.prefix().to_string(),
                dir: s(m.dir()),
            })
            .collect(),
    }
}

fn snapshot_ref(job: &Job, i: Option<usize>) -> Option<SnapshotRef> {
    let sn = job.snapshots.get(i?)?;
    Some(SnapshotRef {
        path: s(&sn.path),
        checkpoint_id: sn.checkpoint_id,
    })
}

pub fn job_record(job: &Job) -> JobRecord {
    JobRecord {
        record_type: "job",
        schema_version: SCHEMA_VERSION,
        job: job.key.clone(),
        layout: job.layout.as_str(),
        job_id: job.job_id.clone(),
        dir: job.dir.as_deref().map(s),
        snapshots: job.snapshots.len(),
        restorable: job.count(Status::Restorable),
        broken: job.count(Status::Broken),
        unverified: job.count(Status::Unverified),
        errors: job.count(Status::Error),
        newest_restorable_checkpoint: snapshot_ref(job, job.newest_checkpoint),
        newest_restorable_savepoint: snapshot_ref(job, job.newest_savepoint),
        incomplete_checkpoints: job
            .incomplete
            .iter()
            .map(|i| IncompleteRecord {
                dir: s(&i.dir),
                checkpoint_id: i.checkpoint_id,
                files: i.files,
                bytes: i.bytes,
                last_modified: i.last_modified.map(rfc3339),
            })
            .collect(),
        reclaimable_files: job.reclaimable.len(),
        reclaimable_bytes: job.reclaimable_bytes(),
        reclaimable: job
            .reclaimable
            .iter()
            .map(|r| ReclaimableRecord {
                path: s(&r.path),
                size: r.len,
                area: r.area.as_str(),
                modified: r.modified.map(rfc3339),
            })
            .collect(),
        reclaimable_withheld: job.reclaimable_withheld.clone(),
    }
}

pub fn summary_record(report: &Report) -> SummaryRecord {
    let t = report.totals();
    SummaryRecord {
        record_type: "summary",
        schema_version: SCHEMA_VERSION,
        roots: report.roots.iter().map(|r| s(r)).collect(),
        jobs: t.jobs,
        snapshots: t.snapshots,
        restorable: t.restorable,
        broken: t.broken,
        unverified: t.unverified,
        metadata_errors: t.metadata_errors,
        walk_errors: t.walk_errors,
        incomplete_checkpoints: t.incomplete,
        reclaimable_files: t.reclaimable_files,
        reclaimable_bytes: t.reclaimable_bytes,
        metadata_bytes: t.metadata_bytes,
        dirs_walked: report.dirs_walked,
        files_walked: report.files_walked,
        skipped_symlinks: report.skipped_symlinks.iter().map(|p| s(p)).collect(),
        vanished: report.vanished,
        inferred_maps: report
            .relocations
            .iter()
            .map(|r| RelocationRecord {
                prefix: r.map.prefix().to_string(),
                dir: s(r.map.dir()),
                snapshots: r.snapshots,
            })
            .collect(),
    }
}

/// The whole report as JSON Lines (each line ends with `\n`).
pub fn json_lines(report: &Report) -> String {
    let mut buf = Vec::new();
    let _ = write_json_lines(&mut buf, report);
    String::from_utf8(buf).unwrap_or_default()
}

/// Writes the whole report as JSON Lines: for each job its snapshot records and then its job
/// record, then one error record per walk error, then the summary record.
pub fn write_json_lines(w: &mut dyn io::Write, report: &Report) -> io::Result<()> {
    for job in &report.jobs {
        for sn in &job.snapshots {
            line(w, &snapshot_record(job, sn))?;
        }
        line(w, &job_record(job))?;
    }
    for e in &report.errors {
        line(
            w,
            &ErrorRecord {
                record_type: "error",
                schema_version: SCHEMA_VERSION,
                path: s(&e.path),
                message: e.message.clone(),
            },
        )?;
    }
    line(w, &summary_record(report))
}

/// Writes one record and a newline. Records hold only strings, numbers and lists of them,
/// which `serde_json` always serializes.
fn line<T: Serialize>(w: &mut dyn io::Write, v: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *w, v)?;
    w.write_all(b"\n")
}

/// How many problem files to name per snapshot in the human output.
const PROBLEMS_SHOWN: usize = 5;

/// A path for display: relative to `base` when under it, `../x` when beside it, else whole.
fn short<'p>(p: &'p Path, base: Option<&Path>) -> std::borrow::Cow<'p, str> {
    if let Some(b) = base {
        if let Ok(r) = p.strip_prefix(b) {
            if !r.as_os_str().is_empty() {
                return r.to_string_lossy();
            }
        }
        if let Some(r) = b.parent().and_then(|parent| p.strip_prefix(parent).ok()) {
            if !r.as_os_str().is_empty() {
                return format!("../{}", r.to_string_lossy()).into();
            }
        }
    }
    p.to_string_lossy()
}

/// Choices for the human report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HumanOptions {
    /// Only what needs attention (`scan --problems`): jobs with a snapshot that is not
    /// restorable, an incomplete checkpoint or a withheld reclaim list, and in them only those
    /// snapshots and lines; then the summary line.
    pub problems_only: bool,
    /// Colour for statuses (restorable green, broken red, unverified and error yellow).
    pub palette: Palette,
}

/// The tone of a snapshot status.
pub fn status_tone(status: Status) -> Tone {
    match status {
        Status::Restorable => Tone::Good,
        Status::Broken => Tone::Bad,
        Status::Unverified | Status::Error => Tone::Caution,
    }
}

/// Whether a job has anything [`HumanOptions::problems_only`] shows.
pub fn job_has_problems(job: &Job) -> bool {
    job.snapshots.iter().any(|s| s.status != Status::Restorable)
        || !job.incomplete.is_empty()
        || job.reclaimable_withheld.is_some()
}

/// The human report: one block per job, then a summary line.
pub fn human(report: &Report) -> String {
    human_with(report, HumanOptions::default())
}

/// Writes the human report with [`HumanOptions`]. (The report is laid out whole first: its
/// column widths and its last line depend on everything above them.)
pub fn write_human(w: &mut dyn io::Write, report: &Report, opts: HumanOptions) -> io::Result<()> {
    w.write_all(human_with(report, opts).as_bytes())
}

/// The human report with [`HumanOptions`].
pub fn human_with(report: &Report, opts: HumanOptions) -> String {
    let mut out = String::new();
    for r in &report.relocations {
        let _ = writeln!(
            out,
            "relocated: {} snapshot(s) record paths under {}; read under {} (--map {}={})",
            r.snapshots,
            r.map.prefix(),
            r.map.dir().display(),
            r.map.prefix(),
            r.map.dir().display()
        );
    }
    if !report.relocations.is_empty() {
        out.push('\n');
    }
    for job in &report.jobs {
        if opts.problems_only && !job_has_problems(job) {
            continue;
        }
        job_block(&mut out, job, opts);
        out.push('\n');
    }
    let t = report.totals();
    // A count is coloured only when it is not zero, so that colour draws the eye to problems.
    let count = |n: usize, status: Status| {
        let label = match status {
            Status::Error => "unreadable",
            other => other.as_str(),
        };
        let text = format!("{n} {label}");
        if n == 0 {
            text
        } else {
            opts.palette.paint(status_tone(status), &text)
        }
    };
    let _ = writeln!(
        out,
        "{} job(s), {} snapshot(s): {}, {}, {}, {}; \
         {} incomplete checkpoint(s); {} reclaimable file(s) ({}); {} error(s)",
        t.jobs,
        t.snapshots,
        count(t.restorable, Status::Restorable),
        count(t.broken, Status::Broken),
        count(t.unverified, Status::Unverified),
        count(t.metadata_errors, Status::Error),
        t.incomplete,
        t.reclaimable_files,
        human_bytes(t.reclaimable_bytes as i64),
        t.walk_errors + t.metadata_errors,
    );
    if report.vanished > 0 {
        // Keep the summary one line: `--print0-reclaimable` shows only the last line.
        out.pop();
        let _ = writeln!(
            out,
            "; {} file(s) vanished during the scan (a running job?)",
            report.vanished
        );
    }
    out
}

fn job_block(out: &mut String, job: &Job, opts: HumanOptions) {
    let shown: Vec<&Snapshot> = job
        .snapshots
        .iter()
        .filter(|s| !opts.problems_only || s.status != Status::Restorable)
        .collect();
    let base = job.dir.as_deref().or_else(|| {
        // Savepoint and location groups: show paths relative to the directory holding them.
        job.snapshots.first().and_then(|s| s.dir.parent())
    });
    let title = match (&job.job_id, job.layout) {
        (Some(id), crate::scan::Layout::JobDir) => format!("job {id}"),
        (Some(id), _) => format!("savepoints of job {id}…"),
        (None, _) => "snapshots".to_string(),
    };
    let _ = writeln!(out, "{title}  {}", job.key);
    if !shown.is_empty() {
        let rows: Vec<[String; 9]> = shown
            .iter()
            .map(|sn| {
                [
                    sn.kind.map_or("?", |k| k.as_str()).to_string(),
                    sn.format.map_or("-", |f| f.as_str()).to_string(),
                    sn.checkpoint_id.map_or("-".into(), |i| i.to_string()),
                    sn.status.as_str().to_string(),
                    sn.modified.map_or("-".into(), rfc3339),
                    sn.metadata_version.map_or("-".into(), |v| format!("V{v}")),
                    sn.operators.map_or("-".into(), |n| n.to_string()),
                    sn.state_size.map_or("-".into(), human_bytes),
                    short(&sn.dir, base).into_owned(),
                ]
            })
            .collect();
        let header = [
            "KIND", "FORMAT", "ID", "STATUS", "MODIFIED", "VER", "OPS", "STATE", "PATH",
        ];
        let mut w = header.map(str::len);
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let right = [false, false, true, false, false, false, true, true, false];
        // The status cell is padded first and coloured after, so colour never shifts columns.
        let fmt_row = |cells: &[&str], status: Option<Status>| {
            let mut line = String::from(" ");
            for (i, c) in cells.iter().enumerate() {
                line.push(' ');
                if i + 1 == cells.len() {
                    line.push_str(c);
                } else if right[i] {
                    let _ = write!(line, "{c:>width$} ", width = w[i]);
                } else if let (3, Some(st)) = (i, status) {
                    let padding = " ".repeat(w[i].saturating_sub(c.chars().count()) + 1);
                    line.push_str(&opts.palette.paint(status_tone(st), c));
                    line.push_str(&padding);
                } else {
                    let _ = write!(line, "{c:<width$} ", width = w[i]);
                }
            }
            line.trim_end().to_string()
        };
        let _ = writeln!(out, "{}", fmt_row(&header, None));
        for (r, sn) in rows.iter().zip(shown.iter().copied()) {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            let _ = writeln!(out, "{}", fmt_row(&cells, Some(sn.status)));
            if let Some(e) = &sn.error {
                let _ = writeln!(out, "      error: {e}");
            }
            for p in sn.problems.iter().take(PROBLEMS_SHOWN) {
                let what = match &p.path {
                    Some(path) => short(path, base).into_owned(),
                    None => p.recorded.clone(),
                };
                let detail = match (p.found, p.needed, &p.message) {
                    (Some(f), Some(n), _) => format!(
                        " ({} on disk, {} recorded)",
                        human_bytes(f as i64),
                        human_bytes(n as i64)
                    ),
                    (_, _, Some(m)) => format!(" ({m})"),
                    _ => String::new(),
                };
                let _ = writeln!(out, "      {:<12} {what}{detail}", p.kind.as_str());
            }
            if sn.problems.len() > PROBLEMS_SHOWN {
                let _ = writeln!(
                    out,
                    "      … and {} more (--json lists them all)",
                    sn.problems.len() - PROBLEMS_SHOWN
                );
            }
        }
    }
    let newest = |i: Option<usize>| {
        i.and_then(|i| job.snapshots.get(i))
            .map_or("none".to_string(), |sn| {
                format!(
                    "{} (id {})",
                    short(&sn.dir, base),
                    sn.checkpoint_id.unwrap_or_default()
                )
            })
    };
    let _ = writeln!(
        out,
        "  newest restorable checkpoint: {}; savepoint: {}",
        newest(job.newest_checkpoint),
        newest(job.newest_savepoint)
    );
    for inc in &job.incomplete {
        let _ = writeln!(
            out,
            "  incomplete: {} has no _metadata ({} file(s), {}{})",
            short(&inc.dir, base),
            inc.files,
            human_bytes(inc.bytes as i64),
            inc.last_modified
                .map_or(String::new(), |t| format!(", last written {}", rfc3339(t)))
        );
    }
    if let Some(why) = &job.reclaimable_withheld {
        let _ = writeln!(out, "  reclaimable: not listed: {why}");
    } else if !job.reclaimable.is_empty() && !opts.problems_only {
        let mut by_area = std::collections::BTreeMap::new();
        for r in &job.reclaimable {
            *by_area.entry(r.area.as_str()).or_insert(0usize) += 1;
        }
        let areas = by_area
            .iter()
            .map(|(a, n)| format!("{n} in {a}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "  reclaimable: {} file(s), {} ({areas}); list them with --print0-reclaimable",
            job.reclaimable.len(),
            human_bytes(job.reclaimable_bytes() as i64)
        );
    }
}

/// One line saying what a running scan is doing, from its [`Progress`] counters and how long it
/// has been in the current phase; no control codes. An estimate of the time left is given only
/// while checking snapshots, once enough of them have been checked for it to mean something.
pub fn progress_line(progress: &Progress, in_phase: std::time::Duration) -> String {
    use std::sync::atomic::Ordering::{Acquire, Relaxed};
    let phase = progress.phase.load(Acquire);
    let n = |c: &std::sync::atomic::AtomicU64| c.load(Relaxed);
    match phase {
        scanning::PHASE_WALK => format!(
            "walking: {} directories, {} files",
            n(&progress.dirs),
            n(&progress.files)
        ),
        scanning::PHASE_INDEX => format!("indexing {} files", n(&progress.files)),
        scanning::PHASE_CHECK => {
            let (done, all) = (n(&progress.checked), n(&progress.snapshots));
            let mut line = format!("checking {done}/{all} snapshots {}", bar(done, all));
            if let Some(left) = time_left(done, all, in_phase) {
                let _ = write!(line, ", about {left} left");
            }
            line
        }
        scanning::PHASE_RELOCATE => {
            let (done, all) = (n(&progress.relocated), n(&progress.relocating));
            format!("relocating: checking {done}/{all} snapshots again where the tree was moved")
        }
        scanning::PHASE_GROUP => format!(
            "grouping {} snapshots into jobs, finding reclaimable files",
            n(&progress.snapshots)
        ),
        scanning::PHASE_WRITE => "writing the report".to_string(),
        _ => "done".to_string(),
    }
}

/// `[#####-----]`, 20 wide.
fn bar(done: u64, all: u64) -> String {
    const WIDTH: u64 = 20;
    let filled = (done.min(all) * WIDTH).checked_div(all).unwrap_or(WIDTH);
    format!(
        "[{}{}]",
        "#".repeat(filled as usize),
        "-".repeat((WIDTH - filled) as usize)
    )
}

/// The time left at the rate so far, e.g. `12s` or `3m 5s`: only after two seconds and 1 % of
/// the work, and never once everything is done (what follows is another phase).
fn time_left(done: u64, all: u64, elapsed: std::time::Duration) -> Option<String> {
    if done == 0 || done >= all || elapsed.as_secs() < 2 || done * 100 < all {
        return None;
    }
    let secs = (elapsed.as_secs_f64() * (all - done) as f64 / done as f64).ceil() as u64;
    Some(if secs >= 60 {
        format!("{}m {}s", secs / 60, secs % 60)
    } else {
        format!("{}s", secs.max(1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    #[test]
    fn progress_names_the_phase_and_estimates_only_while_checking() {
        let p = Progress::default();
        p.dirs.store(3, Ordering::Relaxed);
        p.files.store(10, Ordering::Relaxed);
        assert_eq!(
            progress_line(&p, Duration::from_secs(9)),
            "walking: 3 directories, 10 files"
        );
        p.phase.store(scanning::PHASE_CHECK, Ordering::Relaxed);
        p.snapshots.store(100, Ordering::Relaxed);
        p.checked.store(50, Ordering::Relaxed);
        let line = progress_line(&p, Duration::from_secs(10));
        assert!(
            line.starts_with("checking 50/100 snapshots [##########----------]"),
            "{line}"
        );
        assert!(line.ends_with(", about 10s left"), "{line}");
        // Too early to tell: no estimate.
        assert!(!progress_line(&p, Duration::from_secs(1)).contains("left"));
        // All checked: no "0s left" while the scan goes on.
        p.checked.store(100, Ordering::Relaxed);
        assert!(!progress_line(&p, Duration::from_secs(10)).contains("left"));
        for (phase, starts) in [
            (scanning::PHASE_INDEX, "indexing 10 files"),
            (scanning::PHASE_RELOCATE, "relocating: checking 0/0"),
            (scanning::PHASE_GROUP, "grouping 100 snapshots"),
            (scanning::PHASE_WRITE, "writing the report"),
        ] {
            p.phase.store(phase, Ordering::Relaxed);
            let line = progress_line(&p, Duration::from_secs(30));
            assert!(line.starts_with(starts) && !line.contains("left"), "{line}");
        }
        assert!(!progress_line(&p, Duration::from_secs(30)).contains('\x1b'));
    }
}
