//! `flinspect inspect PATH`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use flinspect::render::{self, UidLabels};
use flinspect::{analysis, format, load, probe, split};

use super::{
    check_output_flag, emit, emit_json, emit_json_line, exit, read_uid_file, write_report, Failure,
    ReportFormat,
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
}

impl Args {
    fn html(&self) -> bool {
        self.format == Some(ReportFormat::Html)
    }
}

/// What the decoding pass keeps of one operator.
struct Digest {
    summary: analysis::Summarizer,
    probe: probe::ProbeRecord,
    row: Option<render::human::Row>,
    state_size: i64,
    id: flinspect::model::OperatorId,
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
                    path: path.display().to_string(),
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
            emit(&format!("{gap}==> {} <==\n", path.display()))?;
        }
        let status = match run_one(&a, path, &labels, a.json) {
            Ok(code) => code,
            Err(Failure::BrokenPipe) => return Err(Failure::BrokenPipe),
            Err(Failure::Message(m)) | Err(Failure::Input { message: m, .. }) => {
                eprintln!("flinspect: error: {m}");
                if a.json {
                    emit_json_line(&PathError {
                        path: path.display().to_string(),
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
    let shown = loaded.path.display().to_string();
    let location = loaded
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());

    // One pass decodes, summarizes, probes and (for text) renders operator by operator, so
    // memory stays at one operator whatever the file's size. JSON is written in a second pass
    // only after the first has decoded the file (or, with --lossy, found where it stops), so a
    // damaged file never yields half a document.
    let bytes: &[u8] = &loaded.bytes;
    let version = match format::read_version(bytes) {
        Ok(v) => v,
        Err(e) => return Err(Failure::Message(format!("{shown}: {e}"))),
    };
    let opts = render::human::Options {
        subtasks: a.subtasks,
        files: a.files,
    };
    // Each operator becomes a digest (its summary, probe record and text row), possibly on a
    // second thread for a large file (`flinspect::split`); digests are taken in file order.
    // The key-group probe of V2/V3 snapshots reads state files within a budget that earlier
    // operators use up, so those files are decoded on one thread, each operator recorded with
    // the budget the ones before it left.
    let mut prober = probe::Prober::new(version, &loaded.dir);
    let recorder = probe::Prober::new(version, &loaded.dir);
    let budget = AtomicUsize::new(prober.budget());
    let text_opts = (!a.json && !a.html()).then_some(opts);
    let digest = |op: flinspect::model::OperatorState<'_>| {
        let mut summary = analysis::Summarizer::new(version);
        summary.add(&op);
        Digest {
            summary,
            probe: recorder.record(&op, budget.load(Ordering::Relaxed)),
            row: text_opts.map(|o| render::human::Text::row(&o, &op, labels)),
            state_size: op.state_size(),
            id: op.id,
        }
    };
    let mut summarizer = analysis::Summarizer::new(version);
    let mut text = text_opts.map(render::human::Text::new);
    let mut decoded = 0usize;
    let mut state_size = 0i64;
    let mut seen = std::collections::HashSet::new();
    let one_thread = a.lossy || prober.is_enabled();
    let mut sink = |d: Digest| {
        summarizer.merge(d.summary);
        prober.absorb(d.probe);
        budget.store(prober.budget(), Ordering::Relaxed);
        if let (Some(t), Some(row)) = (text.as_mut(), d.row) {
            t.push(row);
        }
        decoded += 1;
        state_size = state_size.wrapping_add(d.state_size);
        if !labels.is_empty() {
            seen.insert(d.id);
        }
    };
    let (md, error) = if a.lossy {
        let l = format::parse_each_lossy(bytes, |op| sink(digest(op)));
        (l.metadata, l.error)
    } else {
        let decoded = if one_thread {
            format::parse_each(bytes, |op| sink(digest(op)))
        } else {
            split::parse_digests(bytes, &digest, sink)
        };
        match decoded {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(e)),
        }
    };
    if md.is_some() {
        // A uid the user named that labels nothing is almost always a typo or the wrong job.
        let scope = if error.is_some() {
            "no operator decoded before the damage"
        } else {
            "no operator of this snapshot"
        };
        for (uid, id) in labels.all() {
            if !seen.contains(id) {
                eprintln!(
                    "flinspect: warning: {shown}: uid {uid:?} (OperatorID {id}) matches {scope}"
                );
            }
        }
    }
    if let Some(md) = &md {
        let mut summary = summarizer.finish(md, location.as_deref());
        if let Some(probed) = prober.finish() {
            analysis::apply_probe(&mut summary, &probed);
        }
        // The operators that decoded (all of them unless --lossy met damage), again.
        let replay = |sink: &mut dyn FnMut(flinspect::model::OperatorState<'_>)| {
            let mut left = decoded;
            let _ = format::parse_each_lossy(bytes, |op| {
                if left > 0 {
                    left -= 1;
                    sink(op);
                }
            });
        };
        if let Some(mut text) = text {
            if let Some(e) = &error {
                text.stopped_at(e);
            }
            let mut out = text.finish(&shown, md, &summary);
            if let Some(e) = &error {
                out.push_str(&format!(
                    "\nDAMAGED     decoding stopped: {e}\n            the {decoded} operator(s) above were decoded before it; the rest of the file is unread\n"
                ));
            }
            emit(&out)?;
        } else if a.html() {
            // The page holds every operator's document (subtasks as columns), built in a
            // second pass as --json builds them.
            let mut doc = render::json::snapshot(&shown, md, &summary, labels, false);
            doc.state_size = state_size;
            doc.damage = error.as_ref().map(|e| render::json::Damage {
                offset: e.offset(),
                message: e.to_string(),
                operators_decoded: decoded,
            });
            let mut page = render::html::inspect::Builder::new(labels);
            replay(&mut |op| page.push(&op));
            let page = page.finish(doc);
            write_report(a.output.as_deref(), &[&loaded.path], |w| {
                render::html::inspect::write(w, &page)
            })?;
        } else {
            let mut doc = render::json::snapshot(&shown, md, &summary, labels, false);
            doc.state_size = state_size;
            // Decoding and building each operator's document runs on a second thread while
            // this one writes the previous ones.
            doc.operators = render::json::Seq::Stream(Box::new(|sink| {
                pipelined(
                    |send| replay(&mut |op| send(render::json::operator(&op, labels))),
                    sink,
                )
            }));
            if a.files {
                doc.files = Some(render::json::Seq::Stream(Box::new(|sink| {
                    pipelined(
                        |send| replay(&mut |op| send(render::json::operator_files(&op))),
                        &mut |files: Vec<render::json::FileJson>| {
                            files.into_iter().for_each(&mut *sink)
                        },
                    )
                })));
            }
            doc.damage = error.as_ref().map(|e| render::json::Damage {
                offset: e.offset(),
                message: e.to_string(),
                operators_decoded: decoded,
            });
            if json_lines {
                emit_json_line(&doc)?;
            } else {
                emit_json(&doc)?;
            }
        }
    }
    match error {
        None => Ok(exit::OK),
        Some(e) if md.is_some() => {
            eprintln!("flinspect: error: {shown}: decoding stopped: {e}");
            Ok(exit::ERROR)
        }
        Some(e) => Err(Failure::Message(format!("{shown}: {e}"))),
    }
}

/// Runs `produce` on a second thread and hands what it sends to `consume` here, in order, with
/// at most a few items in flight (memory stays at a few operators). Without a second thread
/// (it could not be started) `produce` runs here.
fn pipelined<T: Send>(produce: impl FnOnce(&mut dyn FnMut(T)) + Send, consume: &mut dyn FnMut(T)) {
    let produce = std::sync::Mutex::new(Some(produce));
    let (tx, rx) = std::sync::mpsc::sync_channel::<T>(2);
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("json-producer".into())
            .spawn_scoped(scope, || {
                let produce = produce.lock().ok().and_then(|mut p| p.take());
                if let Some(produce) = produce {
                    // A send fails only once this side has stopped receiving.
                    produce(&mut |item| drop(tx.send(item)));
                }
                drop(tx);
            });
        match spawned {
            Ok(_) => rx.into_iter().for_each(&mut *consume),
            Err(_) => {
                let produce = produce.lock().ok().and_then(|mut p| p.take());
                if let Some(produce) = produce {
                    produce(consume);
                }
            }
        }
    });
}
