//! Renderers for `flinspect check`: human (rustc-style diagnostics), JSON (schema in [`json`]),
//! SARIF 2.1.0, JUnit XML, GitHub Actions annotations, Markdown.
//!
//! Presentation only: every renderer reads a [`Report`] and the [`Meta`] of the run and returns
//! a string; nothing here decides a verdict.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use crate::check::{Finding, Report, Severity, Verdict};

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
    /// `file` or `snapshot`.
    pub job_kind: &'static str,
    pub fail_on: Severity,
}

/// The one-line verdict every format ends with.
pub fn verdict_line(report: &Report, meta: &Meta) -> String {
    let v = report.verdict(meta.fail_on);
    let counts = counts(report);
    let what = match v {
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
