//! `flinspect check SNAPSHOT --job FILE | --against OTHER`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use flinspect::analysis;
use flinspect::check::{self, AllowList, Job, Options, Severity};
use flinspect::render::check as out;
use flinspect::{load, split};

use super::{exit, Failure};

const EXAMPLES: &str = "\
Examples:
  flinspect check /savepoints/savepoint-7f3c21-5e0c9a8d1b2f --job job.yaml
  flinspect check chk-42/_metadata --job job.yaml --allow-non-restored-state
  flinspect check prod-savepoint/ --against staging-savepoint/    the new job as staging ran it
  flinspect check sp/ --jar my-job.jar --flink-home /opt/flink-2.3.0 -- --input x   the job itself
  flinspect check sp/ --job flinspect.lock.json                    a `flinspect graph` output
  flinspect check chk-42 --job job.yaml --restore-path ha          a last-state upgrade (HA store)
  flinspect check sp-1.20/ --job job.yaml --flink-version 2.3      the 1.x -> 2.x upgrade: state serializers too
  flinspect check sp/ --job job.yaml --format sarif > flinspect.sarif
  flinspect check sp/ --job job.yaml --fail-on warning --allow accepted.yaml

Job file (YAML, or JSON; unknown keys are an error):
  flink-version: \"1.20\"            # the Flink release the new job runs on
  state-backend: rocksdb           # hashmap | rocksdb | forst
  parallelism: 4                   # job default
  max-parallelism: 256             # explicit job-wide max parallelism
  allow-non-restored-state: false
  operators:
    - uid: keyed-counter           # or uid-hash: <32 hex> (setUidHash / auto-generated id)
      name: Keyed counter
      parallelism: 4
      max-parallelism: 256         # absent: Flink derives it (and adopts the snapshot's)

Allow-list (--allow): a YAML list of {rule, operator (uid or id, optional), reason (required)}.

Verdict: compatible (Flink's restore checks that depend on _metadata pass; state schemas and
serializers are never checked), incompatible, or unknown (nothing blocks the restore, but a check
could not run, e.g. a checkpoint in a backend-specific layout and no state-backend in the job).

Allow-list entries accept consequences Flink lets happen (warnings and infos: state dropped with
allowNonRestoredState, a missing uid); a failure Flink enforces (an error) stays an error, with a
note on how to make the restore pass.

Exit status: 0 the restore will succeed (verdict compatible); 1 it will fail (findings at or
above --fail-on: incompatible); 2 flinspect could not do its job (an unreadable snapshot or job
file, bad arguments); 3 everything was read but a check that can fail the restore could not be
decided (verdict unknown). With --format json|sarif|junit|github|markdown a failed run still
prints a valid document that carries the error. `flinspect rules` lists the rules.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
    /// One self-contained HTML report (with -o FILE). check and diff: the verdict, each
    /// finding with Flink's message, the operators with the affected ones highlighted, what
    /// allowNonRestoredState drops; audit: the verdict and the checklist, item by item
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RestorePathArg {
    Savepoint,
    Ha,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The snapshot to restore from: a `_metadata` file or a checkpoint/savepoint directory
    snapshot: PathBuf,
    /// The new job, described in a YAML (or JSON) file
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["against", "jar", "sql"],
        conflicts_with_all = ["against", "jar", "sql"]
    )]
    job: Option<PathBuf>,
    /// The new job's jar: its graph is taken with `flinspect graph` (the same as running
    /// `graph` and then `check --job` on its output)
    #[arg(long, value_name = "JOB.jar", conflicts_with_all = ["against", "sql"])]
    jar: Option<PathBuf>,
    /// The new job as a SQL script or a compiled plan (`COMPILE PLAN` JSON), planned by Flink's
    /// own planner (as `flinspect graph`)
    #[arg(long, value_name = "SCRIPT.sql|PLAN.json", conflicts_with = "against")]
    sql: Option<PathBuf>,
    /// With --jar/--sql: how the program runs (as `flinspect graph`)
    #[command(flatten)]
    program: super::graph::ProgramArgs,
    /// With --jar: arguments of the job's main()
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<String>,
    /// The new job, described by one of its own snapshots (e.g. from staging): operator ids,
    /// uids (metadata V5+), parallelism and max parallelism as recorded there
    #[arg(long, value_name = "OTHER")]
    against: Option<PathBuf>,
    /// Restore with --allowNonRestoredState (overrides the job file; `=false` to force it off)
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    allow_non_restored_state: Option<bool>,
    /// The Flink release the new job runs on (`2.3`, `2.3.0`; overrides the job file's
    /// flink-version). From a Flink 1.x snapshot to a 2.x release, the state files' serializer
    /// snapshots are read and judged by the 1.x → 2.x upgrade rules (`flinspect rules`)
    #[arg(long, value_name = "VERSION", value_parser = parse_flink_version)]
    flink_version: Option<check::FlinkVersion>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: OutputFormat,
    /// Same as --format json (schema documented in `flinspect::render::check::json`)
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
    /// How the new job will be restored: `savepoint` (-s / execution.state-recovery.path, the
    /// default) or `ha` (from the HA store: JobManager failover, the Kubernetes operator's
    /// last-state upgrade; Flink then ignores allowNonRestoredState and requires every operator)
    #[arg(long, value_enum, default_value = "savepoint")]
    restore_path: RestorePathArg,
    /// Colour severities and the verdict in human output: auto (a terminal, NO_COLOR unset,
    /// TERM not dumb), always, never
    #[arg(long, value_enum, default_value = "auto")]
    color: super::color::ColorChoice,
    /// Remote snapshots: their storage keys come from --config (`s3.endpoint`, …)
    #[command(flatten)]
    remote: super::remote::RemoteArgs,
}

fn parse_flink_version(s: &str) -> Result<check::FlinkVersion, String> {
    check::FlinkVersion::parse(s)
        .filter(|v| check::job::is_known_release(*v))
        .ok_or_else(|| {
            format!("{s:?} is not a Flink release flinspect knows (1.1 – 1.20, 2.0 – 2.3; e.g. 2.3 or 2.3.0)")
        })
}

pub(super) fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| input(path, format!("{}: cannot read {what}: {e}", path.display())))
}

impl OutputFormat {
    /// The renderer's format this value (or `--json`, which wins) names; `check`, `diff` and
    /// `audit` share it.
    pub(super) fn resolve(self, json: bool) -> out::Format {
        match (json, self) {
            (true, _) | (false, OutputFormat::Json) => out::Format::Json,
            (false, OutputFormat::Human) => out::Format::Human,
            (false, OutputFormat::Sarif) => out::Format::Sarif,
            (false, OutputFormat::Junit) => out::Format::Junit,
            (false, OutputFormat::Github) => out::Format::Github,
            (false, OutputFormat::Markdown) => out::Format::Markdown,
            (false, OutputFormat::Html) => out::Format::Html,
        }
    }
}

pub fn run(a: Args) -> Result<i32, Failure> {
    let format = a.format.resolve(a.json);
    super::check_output_flag(a.output.as_deref(), a.html())?;
    match judge(&a, format) {
        Err(Failure::Input { path, message }) => {
            // A CI step that parses or uploads the output gets a valid document with the cause.
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

impl Args {
    fn html(&self) -> bool {
        !self.json && self.format == OutputFormat::Html
    }
}

/// The snapshot's referenced files as `scan` finds them (`None` when the walk could not run).
pub(super) fn state_files(metadata: &Path) -> Option<check::StateFiles> {
    flinspect::scan::snapshot_files(metadata, &[])
        .ok()
        .map(|s| s.state_files())
}

/// A pre-signed URL names the `_metadata` alone: the state files it references cannot be
/// listed or asked for, so their existence is not checked, and a verdict that would rest on it
/// is "unknown", never "compatible".
pub(super) fn presigned_coverage(
    report: &mut check::Report,
    md: &flinspect::model::Metadata<'_>,
    path: &Path,
) {
    if !path.to_str().is_some_and(flinspect::storage::is_presigned) {
        return;
    }
    let files: std::collections::BTreeSet<String> = analysis::references(md)
        .into_iter()
        .filter_map(|r| match r.file {
            analysis::FileRef::Inline => None,
            analysis::FileRef::Relative(p) | analysis::FileRef::Absolute(p) => Some(p.to_string()),
            analysis::FileRef::Segment { path, .. } => Some(path.to_string()),
        })
        .collect();
    if files.is_empty() {
        return;
    }
    let generic = check::describe_state_files(None);
    report.not_checked.retain(|l| !generic.contains(l));
    report.not_checked.insert(
        0,
        format!(
            "state files: existence of the {} file(s) the snapshot references not checked: a pre-signed URL names only _metadata and cannot be listed; check the snapshot's directory (s3://…, gs://…) to have them checked",
            files.len()
        ),
    );
    report.incomplete = true;
}

pub(super) fn input(path: &Path, message: impl std::fmt::Display) -> Failure {
    Failure::Input {
        path: Some(path.display().to_string()),
        message: message.to_string(),
    }
}

fn judge(a: &Args, format: out::Format) -> Result<i32, Failure> {
    let fail_on = match a.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };

    a.remote.apply(a.program.config.as_deref())?;
    let loaded = load::load(&a.snapshot).map_err(Failure::from)?;
    let shown = loaded.path.display().to_string();
    let md = split::parse(&loaded.bytes).map_err(|e| {
        input(
            &loaded.path,
            format!("{shown}: {e} (cannot judge the restore)"),
        )
    })?;

    let other_loaded;
    let mut job_lines = Default::default();
    let program = a.jar.as_ref().or(a.sql.as_ref());
    let (job, job_shown, job_kind) = match (&a.job, &a.against) {
        (Some(path), _) => {
            let bytes = read_bytes(path, "job file")?;
            let shown = path.display().to_string();
            let text = std::str::from_utf8(&bytes).ok();
            let job = match text {
                // A `flinspect graph` document (the committed graph lock, say).
                Some(t) if flinspect::graph::is_graph_document(t) => {
                    flinspect::graph::job_from_graph_json(t, &shown, false)
                        .map_err(|e| input(path, e.message))?
                }
                _ => Job::from_bytes(&bytes, &shown)
                    .map_err(|e| input(path, flinspect::Error::from(e)))?,
            };
            job_lines = out::job_file_lines(&String::from_utf8_lossy(&bytes));
            (job, shown, "file")
        }
        (None, None) if program.is_some() => {
            let path = program.cloned().unwrap_or_default();
            let req = a.program.request(path.clone(), a.args.clone(), 300);
            let shown = path.display().to_string();
            let out = flinspect::graph::run_graph(&req).map_err(|e| input(&path, e.message))?;
            let job = flinspect::graph::graph_to_job(&out.document, &shown, false)
                .map_err(|e| input(&path, e.message))?;
            (job, shown, "program")
        }
        (None, Some(path)) => {
            other_loaded = load::load(path).map_err(Failure::from)?;
            let shown = other_loaded.path.display().to_string();
            let other = split::parse(&other_loaded.bytes).map_err(|e| {
                input(
                    &other_loaded.path,
                    format!("{shown}: {e} (cannot describe the new job)"),
                )
            })?;
            (Job::from_snapshot(&other, &shown), shown, "snapshot")
        }
        (None, None) => {
            return Err(Failure::Input {
                path: None,
                message: "give --job FILE, --jar JOB.jar, --sql SCRIPT.sql or --against OTHER"
                    .into(),
            })
        }
    };

    let mut job = job;
    if let Some(v) = a.flink_version {
        job.flink_version = Some(check::FlinkVersions::exact(v));
    }

    let allow = match &a.allow {
        Some(path) => {
            let bytes = read_bytes(path, "allow-list")?;
            AllowList::from_bytes(&bytes, &path.display().to_string())
                .map_err(|e| input(path, flinspect::Error::AllowList(e.message)))?
        }
        None => AllowList::default(),
    };

    let options = Options {
        snapshot: loaded.dir.display().to_string(),
        allow_non_restored_state: a.allow_non_restored_state,
        restore_path: match a.restore_path {
            RestorePathArg::Savepoint => check::RestorePath::Savepoint,
            RestorePathArg::Ha => check::RestorePath::Ha,
        },
        key_groups_layout: flinspect::probe::key_groups_layout(&md, &loaded.dir),
        state_files: state_files(&loaded.path),
        states: Some(flinspect::scan::states::operator_states(
            &md,
            &loaded.path,
            &[],
        )),
    };
    let mut report = check::check(&md, &job, &options);
    presigned_coverage(&mut report, &md, &loaded.path);
    for e in report.apply_allow_list(&allow) {
        eprintln!(
            "flinspect: warning: allow-list entry for rule {}{} matched no finding",
            e.rule,
            e.operator
                .as_deref()
                .map_or_else(String::new, |o| format!(", operator {o:?}"))
        );
    }

    let location = loaded
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let kind = analysis::summarize(&md, location.as_deref())
        .kind
        .map(|k| k.value.as_str().to_string());
    let meta = out::Meta {
        snapshot: shown,
        metadata_version: md.version.0,
        checkpoint_id: md.checkpoint_id,
        kind,
        job: job_shown,
        job_kind,
        fail_on,
        job_lines,
        color: match format {
            out::Format::Human => a.color.for_stdout(),
            _ => flinspect::render::color::Palette::OFF,
        },
        diff: None,
        // The HTML report's operator table.
        operators: match format {
            out::Format::Html => {
                flinspect::render::html::check::snapshot_operators(&md, options.states.as_deref())
            }
            _ => Vec::new(),
        },
    };
    if format == out::Format::Html {
        let mut inputs = vec![loaded.path.as_path()];
        for given in [&a.job, &a.jar, &a.sql, &a.against, &a.allow] {
            inputs.extend(given.as_deref());
        }
        super::write_report(a.output.as_deref(), &inputs, |w| {
            format.write(w, &report, &meta)
        })?;
    } else {
        super::emit_with(|w| format.write(w, &report, &meta))?;
    }
    // 0 only when the restore will succeed as far as flinspect can tell; "unknown" (a check
    // that can fail a restore could not run) is "could not judge", never a pass.
    Ok(match report.verdict(fail_on) {
        flinspect::check::Verdict::Incompatible => exit::FINDINGS,
        flinspect::check::Verdict::Unknown => exit::UNDECIDED,
        flinspect::check::Verdict::Compatible => exit::OK,
    })
}
