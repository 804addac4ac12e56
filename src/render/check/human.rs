//! Human output, in the style of rustc/cargo diagnostics.
//!
//! ```text
//! error[unmapped_state]: operator "keyed" has state in the snapshot but no operator of the new job has id e7be…
//!   --> uid "keyed" id e7beec23fd9f6ed5e1b8395129d43728
//!    = flink: Failed to rollback to checkpoint/savepoint …
//!    = note: state: 2.5 KiB in total: keyed state (2.5 KiB)
//!    = help: give the operator that should own this state the same uid as before …
//!
//! verdict: incompatible: Flink will not restore this job from this snapshot (1 error, 0 warnings, 4 infos)
//! ```

use std::io::{self, Write};

use super::{verdict_line, FindingView, Meta};
use crate::check::Report;

pub fn write(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    write!(
        w,
        "checking {} (metadata V{}, checkpoint {}{}) against {} {}\n\n",
        meta.snapshot,
        meta.metadata_version,
        meta.checkpoint_id,
        meta.kind
            .as_deref()
            .map_or_else(String::new, |k| format!(", {k}")),
        meta.job_kind,
        meta.job
    )?;
    use crate::check::{Severity, Verdict};
    use crate::render::color::Tone;
    for f in &report.findings {
        let tone = match f.severity {
            _ if f.allowed.is_some() => None,
            Severity::Error => Some(Tone::Bad),
            Severity::Warning => Some(Tone::Caution),
            Severity::Info => None,
        };
        let v = FindingView::new(f);
        let head = format!("{}[{}]", v.severity, v.rule);
        let head = match tone {
            Some(t) => meta.color.paint(t, &head),
            None => head,
        };
        writeln!(w, "{head}: {}", v.message)?;
        writeln!(w, "  --> {}", v.operator)?;
        if let Some(e) = v.flink {
            writeln!(w, "   = flink: {e}")?;
        }
        for n in v.notes {
            writeln!(w, "   = note: {n}")?;
        }
        if let Some(h) = v.help {
            writeln!(w, "   = help: {h}")?;
        }
        if let Some(r) = v.allowed {
            writeln!(w, "   = allowed: {r}")?;
        }
        writeln!(w)?;
    }
    if !report.not_checked.is_empty() {
        writeln!(w, "not checked:")?;
        for n in &report.not_checked {
            writeln!(w, "  - {n}")?;
        }
        writeln!(w)?;
    }
    let tone = match report.verdict(meta.fail_on) {
        Verdict::Compatible => Tone::Good,
        Verdict::Incompatible => Tone::Bad,
        Verdict::Unknown => Tone::Caution,
    };
    writeln!(w, "{}", meta.color.paint(tone, &verdict_line(report, meta)))
}
