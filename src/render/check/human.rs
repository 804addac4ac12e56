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

use super::{operator_text, verdict_line, Meta};
use crate::check::Report;

pub fn render(report: &Report, meta: &Meta) -> String {
    let mut s = String::new();
    s.push_str(&super::subject(meta));
    s.push_str("\n\n");
    use crate::check::{Severity, Verdict};
    use crate::render::color::Tone;
    for f in &report.findings {
        let tone = match f.severity {
            _ if f.allowed.is_some() => None,
            Severity::Error => Some(Tone::Bad),
            Severity::Warning => Some(Tone::Caution),
            Severity::Info => None,
        };
        let head = format!("{}[{}]", f.severity, f.rule);
        let head = match tone {
            Some(t) => meta.color.paint(t, &head),
            None => head,
        };
        s.push_str(&format!("{head}: {}\n", f.message));
        s.push_str(&format!("  --> {}\n", operator_text(f)));
        if let Some(e) = &f.flink_error {
            s.push_str(&format!("   = flink: {e}\n"));
        }
        for n in &f.notes {
            s.push_str(&format!("   = note: {n}\n"));
        }
        if let Some(h) = &f.help {
            s.push_str(&format!("   = help: {h}\n"));
        }
        if let Some(r) = &f.allowed {
            s.push_str(&format!("   = allowed: {r}\n"));
        }
        s.push('\n');
    }
    if !report.not_checked.is_empty() {
        s.push_str("not checked:\n");
        for n in &report.not_checked {
            s.push_str(&format!("  - {n}\n"));
        }
        s.push('\n');
    }
    let tone = match report.verdict(meta.fail_on) {
        Verdict::Compatible => Tone::Good,
        Verdict::Incompatible => Tone::Bad,
        Verdict::Unknown => Tone::Caution,
    };
    s.push_str(&meta.color.paint(tone, &verdict_line(report, meta)));
    s.push('\n');
    s
}
