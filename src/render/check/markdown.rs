//! A Markdown summary (e.g. for `$GITHUB_STEP_SUMMARY` or a merge-request comment).

use super::{counts, Meta};
use crate::check::{Report, Verdict};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

pub fn render(report: &Report, meta: &Meta) -> String {
    let v = report.verdict(meta.fail_on);
    let mark = match v {
        Verdict::Compatible => "✅",
        Verdict::Incompatible => "❌",
        Verdict::Unknown => "❔",
    };
    let mut s = match &meta.diff {
        Some(d) => format!(
            "## flinspect diff: {mark} {}\n\nOld {} `{}` against new {} `{}` ({} restored into the new job): {}.\n\n",
            v.as_str(),
            d.old_kind,
            meta.snapshot,
            meta.job_kind,
            meta.job,
            d.restored_from(),
            counts(report)
        ),
        None => format!(
            "## flinspect check: {mark} {}\n\nSnapshot `{}` (metadata V{}, checkpoint {}) against {} `{}`: {}.\n\n",
            v.as_str(),
            meta.snapshot,
            meta.metadata_version,
            meta.checkpoint_id,
            meta.job_kind,
            meta.job,
            counts(report)
        ),
    };
    if !report.findings.is_empty() {
        s.push_str("| severity | rule | operator | finding | Flink will say | help |\n");
        s.push_str("|---|---|---|---|---|---|\n");
        for f in &report.findings {
            let op = f.operator.as_ref().map_or_else(
                || "job".to_string(),
                |o| match &o.uid {
                    Some(u) => format!("`{u}`<br>`{}`", o.id),
                    None => format!("`{}`", o.id),
                },
            );
            let sev = match &f.allowed {
                Some(r) => format!("{} (allowed: {})", f.severity, cell(r)),
                None => f.severity.to_string(),
            };
            let mut finding = f.message.clone();
            for n in &f.notes {
                finding.push_str(&format!("\nnote: {n}"));
            }
            s.push_str(&format!(
                "| {sev} | `{}` | {op} | {} | {} | {} |\n",
                f.rule,
                cell(&finding),
                f.flink_error.as_deref().map_or_else(String::new, cell),
                f.help.as_deref().map_or_else(String::new, cell)
            ));
        }
        s.push('\n');
    }
    if !report.not_checked.is_empty() {
        s.push_str("Not checked:\n\n");
        for n in &report.not_checked {
            s.push_str(&format!("- {}\n", n));
        }
    }
    s
}
