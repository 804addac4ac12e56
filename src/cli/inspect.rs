//! `flinspect inspect PATH`.

use std::path::PathBuf;

use flinspect::render::{self, UidLabels};
use flinspect::{analysis, format, load};

use super::{emit, emit_json, exit, read_uid_file, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// A `_metadata` file, or a checkpoint/savepoint directory holding one
    path: PathBuf,
    /// One JSON document (schema documented in `flinspect::render::json`)
    #[arg(long)]
    json: bool,
    /// Add a row per subtask: key-group range, size, handles
    #[arg(long)]
    subtasks: bool,
    /// List every referenced file (absolute, relative, inline) with its size
    #[arg(long)]
    files: bool,
    /// Label operators whose OperatorID is this uid's hash (repeatable)
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

pub fn run(a: Args) -> Result<i32, Failure> {
    let mut uids = a.uids.clone();
    if let Some(f) = &a.uid_file {
        uids.extend(read_uid_file(f)?);
    }
    let labels = UidLabels::new(uids);
    let loaded = load::load(&a.path).map_err(|e| Failure::Message(e.to_string()))?;
    let shown = loaded.path.display().to_string();
    let location = loaded
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());

    let (md, error) = if a.lossy {
        let l = format::parse_lossy(&loaded.bytes);
        (l.metadata, l.error)
    } else {
        match format::parse(&loaded.bytes) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(e)),
        }
    };
    if let Some(md) = &md {
        let mut summary = analysis::summarize(md, location.as_deref());
        if let Some(probed) = flinspect::probe::key_groups_layout(md, &loaded.dir) {
            analysis::apply_probe(&mut summary, &probed);
        }
        if a.json {
            let mut doc = render::json::snapshot(&shown, md, &summary, &labels, a.files);
            doc.damage = error.as_ref().map(|e| render::json::Damage {
                offset: e.offset(),
                message: e.to_string(),
                operators_decoded: md.operators.len(),
            });
            emit_json(&doc)?;
        } else {
            let opts = render::human::Options {
                subtasks: a.subtasks,
                files: a.files,
            };
            let mut text = render::human::inspect(&shown, md, &summary, &labels, opts);
            if let Some(e) = &error {
                text.push_str(&format!(
                    "\nDAMAGED     decoding stopped: {e}\n            the {} operator(s) above were decoded before it; the rest of the file is unread\n",
                    md.operators.len()
                ));
            }
            emit(&text)?;
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
