//! `flinspect diff OLD NEW`: will a snapshot of the old job restore into the new job, judged
//! from the two jobs (graph documents or job files), or from OLD's snapshot itself.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use flinspect::analysis;
use flinspect::check::{self, AllowList, Job, Severity};
use flinspect::diff::{self, Side, SnapshotKind};
use flinspect::graph::{is_graph_document, GraphDocument};
use flinspect::render::check as out;
use flinspect::{load, split};

use super::check::{input, read_bytes, state_files, FailOn, OutputFormat, RestorePathArg};
use super::{exit, Failure};

const EXAMPLES: &str = "\
Examples:
  flinspect graph job.jar --flink-home /opt/flink -o flinspect.lock.json     once, committed
  flinspect graph job.jar --flink-home /opt/flink -o new.json && \\
    flinspect diff flinspect.lock.json new.json                             the CI step
  flinspect diff old-job.yaml new-job.yaml --format github
  flinspect diff flinspect.lock.json new.json --snapshot-kind checkpoint      a last-state upgrade
  flinspect diff /savepoints/savepoint-7f3c21-5e0c9a8d1b2f new.json           the same as check
  flinspect diff s3://flink/savepoints/savepoint-7f3c21-5e0c9a8d1b2f new.json --config config.yaml
  flinspect diff flinspect.lock.json new.json --format html -o diff.html     a page for the ticket

OLD is what runs today: a `flinspect graph` document (the graph lock), a job file (YAML or JSON,
as for check --job), or a snapshot (a _metadata file or a checkpoint/savepoint directory, local
or remote as for check: then diff is `check OLD --job NEW`). NEW is the changed job: a graph document or a job file.

From two jobs, diff predicts the restore of a snapshot of the old job into the new one with
check's rules (`flinspect rules`): an operator id that disappears (and why: uid renamed, uid
removed, operator removed, or an auto-generated id shifted by an upstream edit, with the
setUidHash that pins it), max parallelism (changed, or adopted by the new job so that a higher
parallelism fails), parallelism above it, the state backend (for --snapshot-kind), changelog and
unaligned checkpoints, and chaining (for a checkpoint with in-flight data). Whether an operator
holds state is known only when the lock was written with `graph --snapshot SNAPSHOT`; otherwise
an operator whose id disappears counts as stateful, and the finding says so.

Exit status: 0 the restore will succeed (verdict compatible); 1 it will fail (findings at or
above --fail-on); 2 flinspect could not do its job (an unreadable input, bad arguments); 3 a
check that can fail the restore could not be decided (verdict unknown). With
--format json|sarif|junit|github|markdown a failed run still prints a valid document that
carries the error. The JSON format is docs/schemas/diff.schema.json. --format html writes one
self-contained page (-o FILE, else stdout): the verdict, each finding with Flink's message, the old
side's operators (the graph's, the job file's or the snapshot's) with the affected ones
highlighted, and what allowNonRestoredState would drop; a failed run writes no page.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SnapshotKindArg {
    /// A canonical savepoint (`flink savepoint`/`flink stop`'s default format)
    Canonical,
    /// A native savepoint (`--type native`)
    Native,
    /// A retained checkpoint, or the HA store's latest (a last-state upgrade)
    Checkpoint,
}

#[derive(clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// What runs today: a `flinspect graph` document (the graph lock), a job file, or a snapshot
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The changed job: a `flinspect graph` document or a job file
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Restore with --allowNonRestoredState (overrides the NEW job file; `=false` to force it off)
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    allow_non_restored_state: Option<bool>,
    /// What of the old job the new job restores from (ignored when OLD is a snapshot)
    #[arg(long, value_enum, default_value = "canonical")]
    snapshot_kind: SnapshotKindArg,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: OutputFormat,
    /// Same as --format json (schema docs/schemas/diff.schema.json)
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Write the HTML report to FILE instead of stdout (--format html)
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest severity that fails the check (exit status 1)
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Accepted findings: YAML list of {rule, operator, reason}; a reason is required
    #[arg(long, value_name = "FILE")]
    allow: Option<PathBuf>,
    /// How the new job will be restored: `savepoint` (-s, the default) or `ha` (from the HA
    /// store: Flink then ignores allowNonRestoredState and requires every operator)
    #[arg(long, value_enum, default_value = "savepoint")]
    restore_path: RestorePathArg,
    /// With OLD a remote snapshot (s3://, gs://, abfss://, hdfs://, https://): the Flink
    /// configuration whose storage keys read it (`s3.endpoint`, `s3.access-key`, …), on top of
    /// the environment's credentials
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Remote snapshots: requests in flight, timeout, retries
    #[command(flatten)]
    remote: super::remote::RemoteArgs,
    /// Colour severities and the verdict in human output: auto, always, never
    #[arg(long, value_enum, default_value = "auto")]
    color: super::color::ColorChoice,
}

pub fn run(a: Args) -> Result<i32, Failure> {
    let format = a.format.resolve(a.json);
    super::check_output_flag(a.output.as_deref(), format == out::Format::Html)?;
    match judge(&a, format) {
        Err(Failure::Input { path, message }) => {
            let e = out::failed::RunError { message, path };
            super::emit_with(|w| format.write_failed(w, &e).map(drop))?;
            Err(Failure::Input {
                path: e.path,
                message: e.message,
            })
        }
        other => other,
    }
}

/// A job side read from a file: a graph document or a job file.
enum Read {
    Graph(Box<GraphDocument>),
    File(Job),
}

/// Reads a graph document or a job file (`role` names the side in messages).
fn read_side(path: &Path, role: &str) -> Result<(Read, String), Failure> {
    let bytes = read_bytes(path, &format!("{role} job"))?;
    let shown = path.display().to_string();
    let text = std::str::from_utf8(&bytes).ok();
    let read = match text {
        Some(t) if is_graph_document(t) => Read::Graph(Box::new(
            GraphDocument::from_json(t, &shown).map_err(|e| input(path, e.message))?,
        )),
        _ => Read::File(
            Job::from_bytes(&bytes, &shown).map_err(|e| input(path, flinspect::Error::from(e)))?,
        ),
    };
    Ok((read, String::from_utf8_lossy(&bytes).into_owned()))
}

/// Whether OLD is a snapshot: a remote location, a directory, or a file that starts with
/// Flink's metadata magic.
fn is_snapshot(path: &Path) -> bool {
    if path.is_dir() || path.to_str().is_some_and(flinspect::storage::is_remote) {
        return true;
    }
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && head == [0x49, 0x60, 0x67, 0x2d]
}

fn judge(a: &Args, format: out::Format) -> Result<i32, Failure> {
    let fail_on = match a.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    let restore_path = match a.restore_path {
        RestorePathArg::Savepoint => check::RestorePath::Savepoint,
        RestorePathArg::Ha => check::RestorePath::Ha,
    };
    let (new_read, new_text) = read_side(&a.new, "new")?;
    let new_shown = a.new.display().to_string();
    let job_lines = out::job_file_lines(&new_text);
    let allow = match &a.allow {
        Some(path) => {
            let bytes = read_bytes(path, "allow-list")?;
            AllowList::from_bytes(&bytes, &path.display().to_string())
                .map_err(|e| input(path, flinspect::Error::AllowList(e.message)))?
        }
        None => AllowList::default(),
    };
    let (new_job, new_graph, new_kind) = match &new_read {
        Read::Graph(doc) => (
            flinspect::graph::graph_to_job(doc, &new_shown, false)
                .map_err(|e| input(&a.new, e.message))?,
            Some(&**doc),
            "graph",
        ),
        Read::File(job) => (job.clone(), None, "file"),
    };

    let html = format == out::Format::Html;
    // The HTML report's operator table: the operators of the side the restore reads.
    let mut operators = Vec::new();
    let (mut report, old_shown, old_kind, snapshot_kind, version, checkpoint_id, kind) =
        if is_snapshot(&a.old) {
            a.remote.apply(a.config.as_deref())?;
            let loaded = load::load(&a.old).map_err(Failure::from)?;
            let shown = loaded.path.display().to_string();
            let md = split::parse(&loaded.bytes).map_err(|e| {
                input(
                    &loaded.path,
                    format!("{shown}: {e} (cannot judge the restore)"),
                )
            })?;
            let options = check::Options {
                snapshot: loaded.dir.display().to_string(),
                allow_non_restored_state: a.allow_non_restored_state,
                restore_path,
                key_groups_layout: flinspect::probe::key_groups_layout(&md, &loaded.dir),
                state_files: state_files(&loaded.path),
                // as `check` does: the state files' headers (the states a finding drops, and
                // the 1.x → 2.x upgrade rules when the new job names its release)
                states: Some(flinspect::scan::states::operator_states(
                    &md,
                    &loaded.path,
                    &[],
                )),
            };
            let mut report = check::check(&md, &new_job, &options);
            super::check::presigned_coverage(&mut report, &md, &loaded.path);
            if html {
                operators = flinspect::render::html::check::snapshot_operators(
                    &md,
                    options.states.as_deref(),
                );
            }
            let location = loaded
                .dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            let kind = analysis::summarize(&md, location.as_deref())
                .kind
                .map(|k| k.value.as_str().to_string());
            (
                report,
                shown,
                "snapshot",
                "snapshot",
                md.version.0,
                md.checkpoint_id,
                kind,
            )
        } else {
            let (old_read, _) = read_side(&a.old, "old")?;
            let old_shown = a.old.display().to_string();
            let (old_side, old_kind) = match &old_read {
                Read::Graph(doc) => (
                    Side::from_graph(doc, &old_shown).map_err(|e| input(&a.old, e.message))?,
                    "graph",
                ),
                Read::File(job) => (Side::from_job(job.clone()), "file"),
            };
            if html {
                operators = match &old_read {
                    Read::Graph(doc) => flinspect::render::html::check::graph_operators(doc),
                    Read::File(job) => flinspect::render::html::check::job_operators(job),
                };
            }
            let new_side = Side {
                job: new_job.clone(),
                graph: new_graph,
            };
            let snapshot_kind = match a.snapshot_kind {
                SnapshotKindArg::Canonical => SnapshotKind::Canonical,
                SnapshotKindArg::Native => SnapshotKind::Native,
                SnapshotKindArg::Checkpoint => SnapshotKind::Checkpoint,
            };
            let options = diff::Options {
                allow_non_restored_state: a.allow_non_restored_state,
                restore_path,
                snapshot_kind,
            };
            let report = diff::diff(&old_side, &new_side, &options);
            (
                report,
                old_shown,
                old_kind,
                snapshot_kind.as_str(),
                0,
                0,
                None,
            )
        };
    for e in report.apply_allow_list(&allow) {
        eprintln!(
            "flinspect: warning: allow-list entry for rule {}{} matched no finding",
            e.rule,
            e.operator
                .as_deref()
                .map_or_else(String::new, |o| format!(", operator {o:?}"))
        );
    }
    let meta = out::Meta {
        operators,
        snapshot: old_shown,
        metadata_version: version,
        checkpoint_id,
        kind,
        job: new_shown,
        job_kind: new_kind,
        fail_on,
        job_lines,
        color: match format {
            out::Format::Human => a.color.for_stdout(),
            _ => flinspect::render::color::Palette::OFF,
        },
        diff: Some(out::DiffMeta {
            old_kind,
            snapshot_kind,
            restore_path: restore_path.as_str(),
        }),
    };
    if html {
        let mut inputs = vec![a.old.as_path(), a.new.as_path()];
        inputs.extend(a.allow.as_deref());
        super::write_report(a.output.as_deref(), &inputs, |w| {
            format.write(w, &report, &meta)
        })?;
    } else {
        super::emit_with(|w| format.write(w, &report, &meta))?;
    }
    Ok(match report.verdict(fail_on) {
        check::Verdict::Incompatible => exit::FINDINGS,
        check::Verdict::Unknown => exit::UNDECIDED,
        check::Verdict::Compatible => exit::OK,
    })
}
