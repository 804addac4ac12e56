//! A Markdown summary (e.g. for `$GITHUB_STEP_SUMMARY` or a merge-request comment).

use std::io::{self, Write};

use super::{counts, FindingView, Meta};
use crate::check::{Report, Verdict};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

pub fn write(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    let v = report.verdict(meta.fail_on);
    let mark = match v {
        Verdict::Compatible => "✅",
        Verdict::Incompatible => "❌",
        Verdict::Unknown => "❔",
    };
    write!(
        w,
        "## flinspect check: {mark} {}\n\nSnapshot `{}` (metadata V{}, checkpoint {}) against {} `{}`: {}.\n\n",
        v.as_str(),
        meta.snapshot,
        meta.metadata_version,
        meta.checkpoint_id,
        meta.job_kind,
        meta.job,
        counts(report)
    )?;
    if !report.findings.is_empty() {
        writeln!(
            w,
            "| severity | rule | operator | finding | Flink will say | help |"
        )?;
        writeln!(w, "|---|---|---|---|---|---|")?;
        for f in &report.findings {
            let v = FindingView::new(f);
            let op = f.operator.as_ref().map_or_else(
                || "job".to_string(),
                |o| match &o.uid {
                    Some(u) => format!("`{u}`<br>`{}`", o.id),
                    None => format!("`{}`", o.id),
                },
            );
            let sev = match v.allowed {
                Some(r) => format!("{} (allowed: {})", v.severity, cell(r)),
                None => v.severity.to_string(),
            };
            let mut finding = v.message.to_string();
            for n in v.notes {
                finding.push_str(&format!("\nnote: {n}"));
            }
            writeln!(
                w,
                "| {sev} | `{}` | {op} | {} | {} | {} |",
                v.rule,
                cell(&finding),
                v.flink.map_or_else(String::new, cell),
                v.help.map_or_else(String::new, cell)
            )?;
        }
        writeln!(w)?;
    }
    if !report.not_checked.is_empty() {
        write!(w, "Not checked:\n\n")?;
        for n in &report.not_checked {
            writeln!(w, "- {}", n)?;
        }
    }
    Ok(())
}
