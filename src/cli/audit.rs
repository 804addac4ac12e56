//! `flinspect audit [--jar … | --sql … | --job FILE] [--config FILE] [SNAPSHOT_OR_DIR…]`.

use std::path::{Path, PathBuf};

use flinspect::audit::{self, History, Inputs, SnapshotFacts, Thresholds};
use flinspect::check::{AllowList, Severity};
use flinspect::config::Config;
use flinspect::render::audit as out;
use flinspect::render::check::Format;
use flinspect::storage;

use super::check::{FailOn, OutputFormat};
use super::{exit, Failure};

const EXAMPLES: &str = "\
Examples:
  flinspect audit --config /opt/flink/conf/config.yaml               the configuration alone
  flinspect audit --jar my-job.jar --flink-home /opt/flink-2.3.0 --config prod.yaml /checkpoints/<job-id>
  flinspect audit --job flinspect.lock.json --config prod.yaml s3-mirror/chk-42
  flinspect audit /checkpoints/<job-id> --format sarif > audit.sarif
  flinspect audit --job flinspect.lock.json --config prod.yaml chk-42 --format html -o audit.html
  flinspect audit --config prod.yaml s3://bucket/checkpoints/<job-id>    remote, keys from prod.yaml
  flinspect audit --config prod.yaml --threshold recovery-sla=5min --allow accepted.yaml

Give any subset of the inputs: the job (--jar/--sql run through Flink's client classes as
`flinspect graph` does; --job a graph document or a `check` job file), the Flink configuration
(--config; else --flink-home's conf/), and snapshots: a `_metadata` file or snapshot directory is
read as the newest state; any other directory is scanned as `flinspect scan` does (per job:
checkpoint size trend, unreferenced shared files, the newest restorable checkpoint's age).
Snapshots and directories may be remote (s3://, s3a://, s3p://, gs://, abfss://, wasbs://, az://,
hdfs://, https://) as for `inspect` and `scan`: a location holding a `_metadata` is read as the
newest state, any other prefix is listed and scanned; the configuration's storage keys
(s3.endpoint, s3.path.style.access, s3.access-key, …) and the environment's credentials are used
to read them. A location that cannot be listed or read is an error (exit 2). Every
item says which input decided it; an item no input given can decide is listed as not checked
with the input that would. `flinspect rules` lists the audit rules with their thresholds.

Thresholds (--threshold NAME=VALUE, repeatable): recovery-sla (10 min), max-parallelism-share
(0.5), max-parallelism-ratio (64), heap-state-per-subtask (1 gb), full-checkpoint-size (1 gb),
min-retained (2), min-tolerable-failures (1), skew-factor (4), skew-min-size (64 mb),
growth-factor (2), unreclaimed-share (1), stale-intervals (3).

Exit status: 0 ready (no finding at or above --fail-on, every rule at or above it decided);
1 findings at or above --fail-on; 2 flinspect could not do its job (an unreadable input, bad
arguments); 3 no blocking finding, but a rule at or above --fail-on could not be checked
(verdict unknown). With --format json|sarif|junit|github|markdown a failed run still prints a
valid document that carries the error. --format html writes one self-contained page (-o FILE,
else stdout): the verdict, the inputs, and the checklist with each item's status, severity and the
input that decided it; a failed run writes no page.";

#[derive(clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Snapshots (`_metadata` files or snapshot directories) and directories to scan, local or
    /// remote (s3://bucket/prefix, …)
    #[arg(value_name = "SNAPSHOT_OR_DIR")]
    paths: Vec<PathBuf>,
    /// The job as a graph document (`flinspect graph` output) or a job file (YAML/JSON)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["jar", "sql"])]
    job: Option<PathBuf>,
    /// The job's jar: its graph is taken as `flinspect graph` takes it
    #[arg(long, value_name = "JOB.jar", conflicts_with = "sql")]
    jar: Option<PathBuf>,
    /// The job as a SQL script or a compiled plan, planned by Flink's own planner
    #[arg(long, value_name = "SCRIPT.sql|PLAN.json")]
    sql: Option<PathBuf>,
    /// How the job's program runs (as `flinspect graph`); --config is also the configuration
    /// the audit reads
    #[command(flatten)]
    program: super::graph::ProgramArgs,
    /// With --jar: arguments of the job's main()
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<String>,
    /// Change a threshold: NAME=VALUE (see below)
    #[arg(long, value_name = "NAME=VALUE")]
    threshold: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: OutputFormat,
    /// Same as --format json (schema documented in `flinspect::render::audit`)
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Write the HTML report to FILE instead of stdout (--format html)
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest severity that fails the audit (exit status 1)
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Accepted findings: YAML list of {rule, operator, reason}; a reason is required
    #[arg(long, value_name = "FILE")]
    allow: Option<PathBuf>,
    /// Colour severities and the verdict in human output: auto, always, never
    #[arg(long, value_enum, default_value = "auto")]
    color: super::color::ColorChoice,
    /// Remote snapshots and trees: their storage keys come from the configuration (--config)
    #[command(flatten)]
    remote: super::remote::RemoteArgs,
}

fn input(path: &Path, message: String) -> Failure {
    Failure::Input {
        path: Some(path.display().to_string()),
        message,
    }
}

pub fn run(a: Args) -> Result<i32, Failure> {
    let format = a.format.resolve(a.json);
    super::check_output_flag(a.output.as_deref(), format == Format::Html)?;
    match judge(&a, format) {
        Err(Failure::Input { path, message }) => {
            let e = flinspect::render::check::failed::RunError { message, path };
            super::emit_with(|w| format.write_failed(w, &e).map(drop))?;
            Err(Failure::Input {
                path: e.path,
                message: e.message,
            })
        }
        other => other,
    }
}

/// The configuration file: --config, else the distribution's conf/ (--flink-home).
fn config_path(a: &Args) -> Option<PathBuf> {
    if let Some(c) = &a.program.config {
        return Some(c.clone());
    }
    let home = a.program.flink_home.as_ref()?;
    ["config.yaml", "flink-conf.yaml"]
        .iter()
        .map(|n| home.join("conf").join(n))
        .find(|p| p.is_file())
}

/// `rootLogger.level` (log4j 2 properties) or the level of `log4j.rootLogger` (log4j 1).
fn log_level(config: &Path) -> Option<(String, String)> {
    let path = config.parent()?.join("log4j.properties");
    let text = std::fs::read_to_string(&path).ok()?;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || t.starts_with('!') {
            continue;
        }
        let Some((k, v)) = t.split_once(['=', ':']) else {
            continue;
        };
        let k = k.trim();
        if k == "rootLogger.level" || k == "log4j.rootLogger" {
            let level = v.split(',').next().unwrap_or("").trim().to_string();
            if !level.is_empty() {
                return Some((level, path.display().to_string()));
            }
        }
    }
    None
}

fn snapshot_facts(path: &Path) -> Result<SnapshotFacts, Failure> {
    if let Some(location) = remote_location(path) {
        return remote_snapshot_facts(path, location);
    }
    let loaded = flinspect::load::load(path).map_err(Failure::from)?;
    let shown = loaded.path.display().to_string();
    let md = flinspect::split::parse(&loaded.bytes)
        .map_err(|e| input(&loaded.path, format!("{shown}: {e} (cannot audit it)")))?;
    let modified = std::fs::metadata(&loaded.path)
        .and_then(|m| m.modified())
        .ok();
    Ok(SnapshotFacts::of(&md, &shown, modified))
}

/// The location when `path` names a remote one (`s3://…`, `hdfs://…`, …).
fn remote_location(path: &Path) -> Option<&str> {
    path.to_str().filter(|s| storage::is_remote(s))
}

fn remote_failure(path: &Path, e: &storage::Error) -> Failure {
    input(path, format!("{e} (cannot audit it)"))
}

/// A remote snapshot: its `_metadata` object read into one buffer, its modification time the
/// object's.
fn remote_snapshot_facts(path: &Path, location: &str) -> Result<SnapshotFacts, Failure> {
    let storage = storage::global().map_err(|e| remote_failure(path, &e))?;
    let object = storage
        .open_snapshot(location)
        .map_err(|e| remote_failure(path, &e))?;
    let bytes = storage
        .read(&object)
        .map_err(|e| remote_failure(path, &e))?;
    let shown = object.location.as_str();
    let md = flinspect::split::parse(&bytes)
        .map_err(|e| input(path, format!("{shown}: {e} (cannot audit it)")))?;
    Ok(SnapshotFacts::of(&md, shown, object.modified))
}

/// Whether a remote location is a snapshot (a `_metadata` object, or a prefix holding one
/// directly) rather than a tree to scan: one HEAD of its `_metadata`. A location that cannot
/// be asked (403, unreachable) is an error naming it.
fn remote_is_snapshot(path: &Path, location: &str) -> Result<bool, Failure> {
    let storage = storage::global().map_err(|e| remote_failure(path, &e))?;
    let location = storage::normalize(location);
    let metadata = if location.rsplit('/').next() == Some("_metadata") {
        location
    } else {
        format!("{location}/_metadata")
    };
    storage.head(&metadata).map(|o| o.is_some()).map_err(|e| {
        // Named by the location given (the `_metadata` asked for is in the detail).
        input(
            path,
            format!("{}: {} (cannot audit it)", path.display(), e.message),
        )
    })
}

fn judge(a: &Args, format: Format) -> Result<i32, Failure> {
    let fail_on = match a.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    if a.job.is_none()
        && a.jar.is_none()
        && a.sql.is_none()
        && config_path(a).is_none()
        && a.paths.is_empty()
    {
        return Err(Failure::Input {
            path: None,
            message: "nothing to audit: give the job (--jar/--sql/--job), the configuration (--config or --flink-home) or snapshots".into(),
        });
    }
    let mut thresholds = Thresholds::default();
    for t in &a.threshold {
        thresholds.set(t).map_err(Failure::Message)?;
    }
    let mut inputs = Inputs {
        now: Some(std::time::SystemTime::now()),
        ..Inputs::default()
    };
    let mut job_meta = None;

    // The job.
    let program = a.jar.as_ref().or(a.sql.as_ref());
    if let Some(path) = &a.job {
        let bytes = std::fs::read(path).map_err(|e| {
            input(
                path,
                format!("{}: cannot read the job: {e}", path.display()),
            )
        })?;
        let shown = path.display().to_string();
        let text = std::str::from_utf8(&bytes).ok();
        match text {
            Some(t) if flinspect::graph::is_graph_document(t) => {
                let g = flinspect::graph::GraphDocument::from_json(t, &shown)
                    .map_err(|e| input(path, e.message))?;
                inputs.graph = Some((g, shown.clone()));
                job_meta = Some((shown, "graph"));
            }
            _ => {
                let j = flinspect::check::Job::from_bytes(&bytes, &shown)
                    .map_err(|e| input(path, e.message))?;
                inputs.job_file = Some((j, shown.clone()));
                job_meta = Some((shown, "file"));
            }
        }
    } else if let Some(path) = program {
        let req = a.program.request(path.clone(), a.args.clone(), 300);
        let outp = flinspect::graph::run_graph(&req).map_err(|e| input(path, e.message))?;
        let shown = path.display().to_string();
        inputs.graph = Some((outp.document, shown.clone()));
        job_meta = Some((shown, "program"));
    }

    // The configuration.
    let mut config_meta = None;
    let mut flink = storage::FlinkConf::new();
    if let Some(path) = config_path(a) {
        let c = Config::load(&path).map_err(|e| Failure::from(flinspect::Error::from(e)))?;
        flink = storage::flink_conf::of(&c);
        config_meta = Some((c.path.clone(), c.format.as_str()));
        inputs.log_level = log_level(&path);
        inputs.config = Some(c);
    }

    // The same keys read remote snapshots and trees (configured before any is touched).
    a.remote.configure(flink);

    // Snapshots and trees.
    let mut direct: Vec<SnapshotFacts> = Vec::new();
    let mut roots = Vec::new();
    for p in &a.paths {
        if let Some(location) = remote_location(p) {
            if remote_is_snapshot(p, location)? {
                direct.push(remote_snapshot_facts(p, location)?);
            } else {
                roots.push(p.clone());
            }
        } else if p.is_file() || p.join("_metadata").is_file() {
            direct.push(snapshot_facts(p)?);
        } else if p.is_dir() {
            roots.push(p.clone());
        } else {
            return Err(input(
                p,
                format!(
                    "{}: not a _metadata file, a snapshot directory or a directory to scan",
                    p.display()
                ),
            ));
        }
    }
    let mut newest_found = None;
    if !roots.is_empty() {
        let opts = flinspect::scan::Options {
            roots: roots.clone(),
            ..Default::default()
        };
        let report = flinspect::scan::scan(&opts, &flinspect::scan::Progress::default())
            .map_err(Failure::from)?;
        // A tree that could not be listed or walked whole gives no history to judge: its
        // trend, reclaimable files and newest checkpoint would rest on part of it.
        if let Some(e) = report.errors.first() {
            let shown = e.path.display().to_string();
            let message = if e.message.starts_with(&shown) {
                e.message.clone()
            } else {
                format!("{shown}: {}", e.message)
            };
            return Err(input(&e.path, format!("{message} (cannot audit it)")));
        }
        inputs.histories = History::from_scan(&report);
        newest_found = History::newest_snapshot(&report);
    }
    inputs.snapshot = match direct
        .into_iter()
        .max_by_key(|s| (s.modified, s.checkpoint_id))
    {
        Some(s) => Some(s),
        None => match newest_found {
            Some(p) => Some(snapshot_facts(&p)?),
            None => None,
        },
    };

    let allow = match &a.allow {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                input(
                    path,
                    format!("{}: cannot read allow-list: {e}", path.display()),
                )
            })?;
            AllowList::from_bytes_for(&bytes, &path.display().to_string(), &|id| {
                audit::rules::find(id).is_some()
            })
            .map_err(|e| input(path, e.message))?
        }
        None => AllowList::default(),
    };

    let mut report = audit::audit(&inputs, &thresholds);
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
        job: job_meta,
        config: config_meta,
        snapshots: a.paths.iter().map(|p| p.display().to_string()).collect(),
        fail_on,
        color: match format {
            Format::Human => a.color.for_stdout(),
            _ => flinspect::render::color::Palette::OFF,
        },
    };
    if format == Format::Html {
        let mut given: Vec<&Path> = a.paths.iter().map(PathBuf::as_path).collect();
        given.extend(a.job.as_deref());
        given.extend(a.jar.as_deref());
        given.extend(a.sql.as_deref());
        let config = config_path(a);
        given.extend(config.as_deref());
        given.extend(a.allow.as_deref());
        super::write_report(a.output.as_deref(), &given, |w| {
            out::write(format, w, &report, &meta)
        })?;
    } else {
        super::emit_with(|w| out::write(format, w, &report, &meta))?;
    }
    Ok(match report.verdict(fail_on) {
        audit::Verdict::NotReady => exit::FINDINGS,
        audit::Verdict::Unknown => exit::UNDECIDED,
        audit::Verdict::Ready => exit::OK,
    })
}
