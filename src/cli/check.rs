//! `flinspect check SNAPSHOT --job FILE | --against OTHER`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use flinspect::analysis;
use flinspect::check::{self, AllowList, Job, Options, Severity};
use flinspect::render::check as out;
use flinspect::{load, split};

use super::{emit, exit, Failure};

const EXAMPLES: &str = "\
Examples:
  flinspect check /savepoints/savepoint-7f3c21-5e0c9a8d1b2f --job job.yaml
  flinspect check chk-42/_metadata --job job.yaml --allow-non-restored-state
  flinspect check prod-savepoint/ --against staging-savepoint/    the new job as staging ran it
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

Exit status: 0 the restore will succeed (verdict compatible), 1 it will fail (findings at or
above --fail-on), 2 flinspect could not judge (verdict unknown, or an unreadable snapshot or job
file). `flinspect rules` lists
the rules.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
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
        required_unless_present = "against",
        conflicts_with = "against"
    )]
    job: Option<PathBuf>,
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
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: OutputFormat,
    /// Same as --format json (schema documented in `flinspect::render::check::json`)
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Lowest severity that fails the check (exit status 1)
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Accepted findings: YAML list of {rule, operator, reason}; a reason is required
    #[arg(long, value_name = "FILE")]
    allow: Option<PathBuf>,
}

fn read_text(path: &Path, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Message(format!("{}: cannot read {what}: {e}", path.display())))
}

pub fn run(a: Args) -> Result<i32, Failure> {
    let fail_on = match a.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    let format = if a.json { OutputFormat::Json } else { a.format };

    let loaded = load::load(&a.snapshot).map_err(|e| Failure::Message(e.to_string()))?;
    let shown = loaded.path.display().to_string();
    let md = split::parse(&loaded.bytes)
        .map_err(|e| Failure::Message(format!("{shown}: {e} (cannot judge the restore)")))?;

    let other_loaded;
    let (job, job_shown, job_kind) = match (&a.job, &a.against) {
        (Some(path), _) => {
            let text = read_text(path, "job file")?;
            let shown = path.display().to_string();
            let job = Job::from_yaml(&text, &shown).map_err(|e| Failure::Message(e.message))?;
            (job, shown, "file")
        }
        (None, Some(path)) => {
            other_loaded = load::load(path).map_err(|e| Failure::Message(e.to_string()))?;
            let shown = other_loaded.path.display().to_string();
            let other = split::parse(&other_loaded.bytes).map_err(|e| {
                Failure::Message(format!("{shown}: {e} (cannot describe the new job)"))
            })?;
            (Job::from_snapshot(&other, &shown), shown, "snapshot")
        }
        (None, None) => {
            return Err(Failure::Message(
                "give --job FILE or --against OTHER".into(),
            ))
        }
    };

    let allow = match &a.allow {
        Some(path) => {
            let text = read_text(path, "allow-list")?;
            AllowList::from_yaml(&text, &path.display().to_string())
                .map_err(|e| Failure::Message(e.message))?
        }
        None => AllowList::default(),
    };

    let options = Options {
        snapshot: loaded.dir.display().to_string(),
        allow_non_restored_state: a.allow_non_restored_state,
        key_groups_layout: flinspect::probe::key_groups_layout(&md, &loaded.dir),
    };
    let mut report = check::check(&md, &job, &options);
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
    };
    let text = match format {
        OutputFormat::Human => out::human::render(&report, &meta),
        OutputFormat::Json => out::json::render(&report, &meta),
        OutputFormat::Sarif => out::sarif::render(&report, &meta),
        OutputFormat::Junit => out::junit::render(&report, &meta),
        OutputFormat::Github => out::github::render(&report, &meta),
        OutputFormat::Markdown => out::markdown::render(&report, &meta),
    };
    emit(&text)?;
    // 0 only when the restore will succeed as far as `_metadata` can tell; "unknown" (a check
    // that can fail a restore could not run) is "could not judge", never a pass.
    Ok(match report.verdict(fail_on) {
        flinspect::check::Verdict::Incompatible => exit::FINDINGS,
        flinspect::check::Verdict::Unknown => exit::ERROR,
        flinspect::check::Verdict::Compatible => exit::OK,
    })
}
