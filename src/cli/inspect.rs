//! `flinspect inspect PATH`.

use std::path::{Path, PathBuf};

use flinspect::render::{self, UidLabels};
use flinspect::{inspect, load};

use super::{
    check_output_flag, emit, emit_json, emit_json_line, emit_with, exit, read_uid_file,
    write_report, Failure, ReportFormat,
};

#[derive(clap::Args)]
pub struct Args {
    /// `_metadata` files, or checkpoint/savepoint directories holding one (several: each is
    /// shown in turn under a `==> PATH <==` line; the exit status is the worst of them)
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// One JSON document (schema documented in `flinspect::render::json`); with several paths,
    /// JSON Lines: one compact document per path, in order, and for a path that could not be
    /// read `{"path": …, "error": …}`
    #[arg(long)]
    json: bool,
    /// Output format: human (the default), json (the same as --json), html (one self-contained
    /// report: header facts, a sortable operator table, state size per operator and per subtask
    /// with the skew, key-group ranges, referenced files; one PATH; with -o FILE)
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "json")]
    format: Option<ReportFormat>,
    /// Write the HTML report to FILE instead of stdout (--format html)
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Add a row per subtask: key-group range, size, handles
    #[arg(long)]
    subtasks: bool,
    /// List every referenced file (absolute, relative, inline) with its size
    #[arg(long)]
    files: bool,
    /// Label operators whose OperatorID is this uid's hash (repeatable); a uid that matches no
    /// operator is named, with its hash, in a warning on stderr
    #[arg(long = "uid", value_name = "UID")]
    uids: Vec<String>,
    /// Read uids from a file, one per line
    #[arg(long = "uids", value_name = "FILE")]
    uid_file: Option<PathBuf>,
    /// On a damaged file, show what was decoded before the damage and where decoding stopped
    /// (the exit status is still 2)
    #[arg(long)]
    lossy: bool,
    /// Read the state files' headers and show each operator's states: name, kind (value, list,
    /// map, reducing, aggregating, timers, operator list/union, broadcast), TTL, and the key,
    /// namespace and value serializer snapshots (class, version, nested serializers, POJO
    /// fields, Kryo registrations). Reads only the head of each file; no state value
    #[arg(long)]
    states: bool,
    /// With --states: read recorded paths that start with PREFIX under LOCALDIR (repeatable;
    /// the longest matching prefix wins). Without it, missing absolute references are looked up
    /// near the snapshot by their trailing path
    #[arg(long = "map", value_name = "PREFIX=LOCALDIR", value_parser = flinspect::scan::paths::PathMap::parse)]
    maps: Vec<flinspect::scan::paths::PathMap>,
    /// A Flink configuration file (flink-conf.yaml or config.yaml) whose storage keys
    /// (`s3.endpoint`, `s3.path.style.access`, `s3.access-key`, `s3.secret-key`, …) are used
    /// for remote locations, on top of the environment's credentials
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    remote: super::remote::RemoteArgs,
}

impl Args {
    fn html(&self) -> bool {
        self.format == Some(ReportFormat::Html)
    }
}

pub fn run(mut a: Args) -> Result<i32, Failure> {
    a.json |= a.format == Some(ReportFormat::Json);
    check_output_flag(a.output.as_deref(), a.html())?;
    if a.html() && a.paths.len() > 1 {
        return Err(Failure::Message(format!(
            "--format html reports one snapshot; {} paths given",
            a.paths.len()
        )));
    }
    a.remote.apply(a.config.as_deref())?;
    let mut uids = a.uids.clone();
    if let Some(f) = &a.uid_file {
        uids.extend(read_uid_file(f)?);
    }
    let labels = UidLabels::new(uids);
    if let [path] = a.paths.as_slice() {
        return match run_one(&a, path, &labels, false) {
            // A program reading the JSON gets an error object instead of nothing.
            Err(Failure::Message(m)) | Err(Failure::Input { message: m, .. }) if a.json => {
                emit_json(&PathError {
                    path: flinspect::storage::shown(&path.display().to_string()),
                    error: m.clone(),
                })?;
                Err(Failure::Message(m))
            }
            other => other,
        };
    }
    // Several paths: each in turn; one that fails is reported and the next one read.
    let mut worst = exit::OK;
    for (i, path) in a.paths.iter().enumerate() {
        if !a.json {
            let gap = if i > 0 { "\n" } else { "" };
            let shown = flinspect::storage::shown(&path.display().to_string());
            emit(&format!("{gap}==> {shown} <==\n"))?;
        }
        let status = match run_one(&a, path, &labels, a.json) {
            Ok(code) => code,
            Err(Failure::BrokenPipe) => return Err(Failure::BrokenPipe),
            Err(Failure::Message(m)) | Err(Failure::Input { message: m, .. }) => {
                eprintln!("flinspect: error: {m}");
                if a.json {
                    emit_json_line(&PathError {
                        path: flinspect::storage::shown(&path.display().to_string()),
                        error: m,
                    })?;
                }
                exit::ERROR
            }
        };
        worst = worst.max(status);
    }
    Ok(worst)
}

/// The JSON Lines entry of a path that could not be read (several paths with `--json`).
#[derive(serde::Serialize)]
struct PathError {
    path: String,
    error: String,
}

/// Inspects one path; `json_lines` writes its JSON document on one line.
fn run_one(a: &Args, path: &Path, labels: &UidLabels, json_lines: bool) -> Result<i32, Failure> {
    let loaded = load::load(path).map_err(|e| Failure::Message(e.to_string()))?;
    let options = inspect::Options {
        lossy: a.lossy,
        uids: labels.clone(),
    };
    // Text is rendered operator by operator in the decoding pass; JSON is written after it
    // (so a damaged file never yields half a document), decoding the operators again.
    let mut text = (!a.json && !a.html()).then(|| {
        let opts = render::human::Options {
            subtasks: a.subtasks,
            files: a.files,
        };
        render::human::Text::with_labels(opts, labels)
    });
    // `--states`: each operator's state headers are read as the operator is decoded.
    let mut states = a
        .states
        .then(|| flinspect::scan::states::StatesFold::new(&loaded.path, &a.maps));
    let found = inspect::inspect_with(&loaded, &options, &mut (&mut text, &mut states))
        .map_err(|e| Failure::Message(e.to_string()))?;
    // A uid the user named that labels nothing is almost always a typo or the wrong job.
    let scope = if found.error.is_some() {
        "no operator decoded before the damage"
    } else {
        "no operator of this snapshot"
    };
    for (uid, id) in &found.unmatched_uids {
        eprintln!(
            "flinspect: warning: {}: uid {uid:?} (OperatorID {id}) matches {scope}",
            found.path
        );
    }
    match text {
        Some(text) => {
            emit_with(|w| render::human::write_inspection(w, text, &found))?;
            if let Some(states) = &states {
                emit(&render::states::human(&states.found, labels))?;
            }
        }
        // The page holds every operator's document (subtasks as columns), built as --json
        // builds them, from the operators decoded again.
        None if a.html() => {
            let page = render::html::inspect::page(&found, labels);
            write_report(a.output.as_deref(), &[&loaded.path], |w| {
                render::html::inspect::write(w, &page)
            })?;
        }
        None => {
            let mut doc = render::json::inspection(&found, labels, a.files);
            doc.states = states
                .as_ref()
                .map(|s| render::states::json(&s.found, labels));
            if json_lines {
                emit_json_line(&doc)?;
            } else {
                emit_json(&doc)?;
            }
        }
    }
    match &found.error {
        None => Ok(exit::OK),
        Some(e) => {
            eprintln!("flinspect: error: {}: decoding stopped: {e}", found.path);
            Ok(exit::ERROR)
        }
    }
}
