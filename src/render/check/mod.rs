//! Renderers for `flinspect check`: human (rustc-style diagnostics), JSON (schema in [`json`]),
//! SARIF 2.1.0, JUnit XML, GitHub Actions annotations, Markdown.
//!
//! Presentation only: every renderer reads a [`Report`] and the [`Meta`] of the run and returns
//! a string; nothing here decides a verdict.

pub mod failed;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use crate::check::{Finding, Report, Severity, Verdict};

/// The output formats of `check`: each variant is one module here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
}

impl Format {
    /// The report in this format.
    pub fn render(self, report: &Report, meta: &Meta) -> String {
        match self {
            Format::Human => human::render(report, meta),
            Format::Json => json::render(report, meta),
            Format::Sarif => sarif::render(report, meta),
            Format::Junit => junit::render(report, meta),
            Format::Github => github::render(report, meta),
            Format::Markdown => markdown::render(report, meta),
        }
    }

    /// A run that could not finish, in this format; `None` for human output (the error goes
    /// to stderr alone).
    pub fn render_failed(self, e: &failed::RunError) -> Option<String> {
        match self {
            Format::Human => None,
            Format::Json => Some(failed::json(e)),
            Format::Sarif => Some(failed::sarif(e)),
            Format::Junit => Some(failed::junit(e)),
            Format::Github => Some(failed::github(e)),
            Format::Markdown => Some(failed::markdown(e)),
        }
    }
}

/// The facts of a finding beyond its message, labelled, in the order every format shows them:
/// Flink's message, the notes, the fix, and the allow-list reason. Every format carries all of
/// them (in its own layout), so no format knows less than another.
pub fn details(f: &Finding) -> Vec<(&'static str, &str)> {
    let mut out = Vec::new();
    if let Some(e) = &f.flink_error {
        out.push(("Flink", e.as_str()));
    }
    for n in &f.notes {
        out.push(("note", n.as_str()));
    }
    if let Some(h) = &f.help {
        out.push(("help", h.as_str()));
    }
    if let Some(r) = &f.allowed {
        out.push(("allowed", r.as_str()));
    }
    out
}

/// A finding as plain text: its message, then one `label: text` line per detail.
pub fn body(f: &Finding) -> String {
    let mut s = f.message.clone();
    for (label, text) in details(f) {
        s.push_str(&format!("\n{label}: {text}"));
    }
    s
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
