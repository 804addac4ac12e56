//! Renderers for `flinspect check`: human (rustc-style diagnostics), JSON (schema in [`json`]),
//! SARIF 2.1.0, JUnit XML, GitHub Actions annotations, Markdown.
//!
//! Presentation only: every renderer reads a [`Report`] and the [`Meta`] of the run and writes
//! to an [`io::Write`]; each finding is shown through its [`FindingView`]; [`Format`] owns the
//! dispatch. Nothing here decides a verdict. A new format is one module and one `Format`
//! variant (its arms in `write` and `write_failed`).

pub mod failed;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use std::io::{self, Write};

use crate::check::{Finding, Report, Severity, Verdict};

/// The output formats of `check`: each variant is one module here, and the two matches below
/// are the only places that know every format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
    /// One self-contained HTML page (`crate::render::html::check`).
    Html,
}

impl Format {
    /// Writes the report in this format.
    pub fn write(self, w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
        match self {
            Format::Human => human::write(w, report, meta),
            Format::Json => json::write(w, report, meta),
            Format::Sarif => sarif::write(w, report, meta),
            Format::Junit => junit::write(w, report, meta),
            Format::Github => github::write(w, report, meta),
            Format::Markdown => markdown::write(w, report, meta),
            Format::Html => crate::render::html::check::write(w, report, meta),
        }
    }

    /// Writes the document of a run that could not finish, in this format; `false` (nothing
    /// written) for human output, whose error goes to stderr alone.
    pub fn write_failed(self, w: &mut dyn Write, e: &failed::RunError) -> io::Result<bool> {
        match self {
            // People read these: the error goes to stderr alone, and no page is written.
            Format::Human | Format::Html => return Ok(false),
            Format::Json => failed::json(w, e)?,
            Format::Sarif => failed::sarif(w, e)?,
            Format::Junit => failed::junit(w, e)?,
            Format::Github => failed::github(w, e)?,
            Format::Markdown => failed::markdown(w, e)?,
        }
        Ok(true)
    }

    /// [`Format::write`] into a string.
    pub fn render(self, report: &Report, meta: &Meta) -> String {
        to_string(|w| self.write(w, report, meta))
    }

    /// [`Format::write_failed`] into a string; `None` for human output.
    pub fn render_failed(self, e: &failed::RunError) -> Option<String> {
        let mut written = false;
        let s = to_string(|w| {
            written = self.write_failed(w, e)?;
            Ok(())
        });
        written.then_some(s)
    }
}

/// What a renderer wrote into memory (writing to a `Vec` cannot fail; renderers write UTF-8).
fn to_string(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> String {
    let mut buf = Vec::new();
    let _ = write(&mut buf);
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// One finding as every format shows it: the one view of its facts, so that no format knows
/// less than another. Formats lay the fields out their own way; [`FindingView::details`] is
/// the labelled list in the order every format shows them (Flink's message, the notes, the
/// fix, the allow-list reason).
#[derive(Clone, Debug)]
pub struct FindingView<'f> {
    pub rule: &'f str,
    pub severity: Severity,
    pub message: &'f str,
    /// `uid "x" name "y" id …`, or `job` / `job (n operators)` for job-wide findings.
    pub operator: String,
    /// The message Flink will give.
    pub flink: Option<&'f str>,
    pub notes: &'f [String],
    pub help: Option<&'f str>,
    /// The allow-list entry's reason, when one accepted the finding.
    pub allowed: Option<&'f str>,
    pub finding: &'f Finding,
}

impl<'f> FindingView<'f> {
    pub fn new(f: &'f Finding) -> Self {
        FindingView {
            rule: f.rule,
            severity: f.severity,
            message: &f.message,
            operator: operator_text(f),
            flink: f.flink_error.as_deref(),
            notes: &f.notes,
            help: f.help.as_deref(),
            allowed: f.allowed.as_deref(),
            finding: f,
        }
    }

    /// The facts beyond the message, labelled, in the order every format shows them.
    pub fn details(&self) -> Vec<(&'static str, &'f str)> {
        let mut out = Vec::new();
        if let Some(e) = self.flink {
            out.push(("Flink", e));
        }
        for n in self.notes {
            out.push(("note", n.as_str()));
        }
        if let Some(h) = self.help {
            out.push(("help", h));
        }
        if let Some(r) = self.allowed {
            out.push(("allowed", r));
        }
        out
    }

    /// The finding as plain text: its message, then one `label: text` line per detail.
    pub fn body(&self) -> String {
        let mut s = self.message.to_string();
        for (label, text) in self.details() {
            s.push_str(&format!("\n{label}: {text}"));
        }
        s
    }
}

/// [`FindingView::details`] of a finding.
pub fn details(f: &Finding) -> Vec<(&'static str, &str)> {
    FindingView::new(f).details()
}

/// [`FindingView::body`] of a finding.
pub fn body(f: &Finding) -> String {
    FindingView::new(f).body()
}

/// What the run was about, for headers and locations.
#[derive(Clone, Debug)]
pub struct Meta {
    /// The `_metadata` file read (as given or resolved).
    pub snapshot: String,
    pub metadata_version: i32,
    pub checkpoint_id: i64,
    /// "checkpoint" / "savepoint", when known.
    pub kind: Option<String>,
    /// The job file or `--against` snapshot.
    pub job: String,
    /// `file`, `snapshot` or `program` (`--jar`/`--sql`).
    pub job_kind: &'static str,
    pub fail_on: Severity,
    /// The line of each job-file operator (by OperatorID, 32 hex digits), for locations.
    pub job_lines: std::collections::BTreeMap<String, usize>,
    /// Colour for the human format (severities and the verdict); off for every other format.
    pub color: crate::render::color::Palette,
    /// Set for `flinspect diff`: `snapshot` is then the OLD side's path (a graph, a job file or
    /// a snapshot) and `job` the NEW side's.
    pub diff: Option<DiffMeta>,
    /// The HTML report's operator table: the snapshot's operators
    /// ([`crate::render::html::check::snapshot_operators`]), or for `diff` from two jobs the
    /// old graph's or job file's ([`crate::render::html::check::graph_operators`],
    /// [`crate::render::html::check::job_operators`]). Empty for the other formats, which do
    /// not show them.
    pub operators: Vec<crate::render::html::check::OperatorRow>,
}

/// What a `diff` run compared.
#[derive(Clone, Debug)]
pub struct DiffMeta {
    /// `graph`, `file` or `snapshot`: what OLD is.
    pub old_kind: &'static str,
    /// What the new job restores from: `canonical`, `native`, `checkpoint` (for an OLD graph
    /// or job file), or `snapshot` (OLD is the snapshot itself).
    pub snapshot_kind: &'static str,
    /// `savepoint` or `ha`.
    pub restore_path: &'static str,
}

impl DiffMeta {
    /// "a canonical savepoint of the old job", or the snapshot itself.
    pub fn restored_from(&self) -> &'static str {
        match self.snapshot_kind {
            "native" => "a native savepoint of the old job",
            "checkpoint" => "a checkpoint of the old job",
            "snapshot" => "the old job's snapshot",
            _ => "a canonical savepoint of the old job",
        }
    }
}

/// The rules a format lists (SARIF's driver, JUnit's passing cases): `check`'s catalogue, and
/// for `diff` the rules only it decides as well.
pub fn catalogue(meta: &Meta) -> Vec<&'static crate::check::RuleInfo> {
    match meta.diff {
        Some(_) => crate::check::rules::all_infos().collect(),
        None => crate::check::RULES.iter().map(|r| &r.info).collect(),
    }
}

/// The header line of the human and Markdown formats: what was compared.
pub fn subject(meta: &Meta) -> String {
    match &meta.diff {
        Some(d) => format!(
            "comparing {} {} with {} {} ({} restored into the new job{})",
            d.old_kind,
            meta.snapshot,
            meta.job_kind,
            meta.job,
            d.restored_from(),
            if d.restore_path == "ha" {
                ", from the HA store"
            } else {
                ""
            }
        ),
        None => format!(
            "checking {} (metadata V{}, checkpoint {}{}) against {} {}",
            meta.snapshot,
            meta.metadata_version,
            meta.checkpoint_id,
            meta.kind
                .as_deref()
                .map_or_else(String::new, |k| format!(", {k}")),
            meta.job_kind,
            meta.job
        ),
    }
}

impl Meta {
    /// The job-file line of the operator a finding is about, when the job file names it.
    pub fn line_of(&self, f: &Finding) -> Option<usize> {
        f.operator
            .iter()
            .chain(&f.operators)
            .find_map(|o| self.job_lines.get(&o.id.to_hex()).copied())
    }
}

/// The line (1-based) where each operator of a YAML or JSON job file starts, by OperatorID:
/// the line of its `uid:` / `uid-hash:` key (`"uid": …` in JSON). A line scan, not a parse: the
/// file was parsed already, this only finds where to point.
pub fn job_file_lines(text: &str) -> std::collections::BTreeMap<String, usize> {
    use crate::model::OperatorId;
    let mut out = std::collections::BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        let t = t.trim_start_matches('{').trim_start();
        let (key, rest) = match t.split_once(':') {
            Some((k, r)) => (k.trim().trim_matches('"'), r),
            None => continue,
        };
        // A YAML comment after the value.
        let rest = rest.split(" #").next().unwrap_or(rest);
        let value = rest
            .trim()
            .trim_end_matches(',')
            .trim_end_matches('}')
            .trim()
            .trim_matches('"')
            .trim_matches('\'');
        let id = match key {
            "uid" => Some(OperatorId::from_uid(value)),
            // a `flinspect graph` document: each operator's entry (its first mention: inputs
            // name only operators created before it)
            "uid-hash" | "operator_id" => OperatorId::from_hex(value),
            _ => None,
        };
        if let Some(id) = id {
            out.entry(id.to_hex()).or_insert(i + 1);
        }
    }
    out
}

/// A path as locations show it: relative to the working directory when it is inside it.
pub fn shown_path(path: &str) -> String {
    let p = std::path::Path::new(path);
    if p.is_absolute() {
        if let Ok(cwd) = std::env::current_dir() {
            if let Ok(rel) = p.strip_prefix(&cwd) {
                if !rel.as_os_str().is_empty() {
                    return rel.display().to_string();
                }
            }
        }
    }
    path.to_string()
}

/// The one-line verdict every format ends with.
pub fn verdict_line(report: &Report, meta: &Meta) -> String {
    let v = report.verdict(meta.fail_on);
    let counts = counts(report);
    let what = match v {
        Verdict::Incompatible if meta.fail_on == Severity::Error && meta.diff.is_some() => {
            "Flink will not restore the new job from a snapshot of the old job"
        }
        Verdict::Incompatible if meta.fail_on == Severity::Error => {
            "Flink will not restore this job from this snapshot"
        }
        Verdict::Incompatible => "findings at or above --fail-on warning",
        Verdict::Compatible => {
            "Flink's restore checks pass (state schemas and serializers are not checked)"
        }
        Verdict::Unknown => "nothing blocks the restore, but some checks could not run",
    };
    format!("verdict: {}: {what} ({counts})", v.as_str())
}

/// "1 error, 2 warnings, 3 infos" (and allowed ones).
pub fn counts(report: &Report) -> String {
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let mut s = format!(
        "{}, {}, {}",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.count(Severity::Info), "info")
    );
    let allowed = report
        .findings
        .iter()
        .filter(|f| f.allowed.is_some())
        .count();
    if allowed > 0 {
        s.push_str(&format!(", {allowed} allowed"));
    }
    s
}

/// The operator part of a finding, `uid "x" (name) id`, or "job" for job-wide findings.
pub fn operator_text(f: &Finding) -> String {
    match &f.operator {
        None if !f.operators.is_empty() => format!("job ({} operators)", f.operators.len()),
        None => "job".into(),
        Some(o) => {
            let mut s = String::new();
            if let Some(u) = &o.uid {
                s.push_str(&format!("uid {u:?} "));
            }
            if let Some(n) = &o.name {
                s.push_str(&format!("name {n:?} "));
            }
            s.push_str(&format!("id {}", o.id));
            s
        }
    }
}
