//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
//! finding, located at the job file, then the verdict as a plain line.

use super::{details, operator_text, verdict_line, Meta};
use crate::check::{Report, Severity};

/// Escapes a message (`%`, CR, LF) as the runner expects.
pub(crate) fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: also `:` and `,`.
pub(crate) fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report, meta: &Meta) -> String {
    let mut s = String::new();
    for f in &report.findings {
        let level = match (f.severity, f.allowed.is_some()) {
            (_, true) | (Severity::Info, _) => "notice",
            (Severity::Warning, _) => "warning",
            (Severity::Error, _) => "error",
        };
        let mut msg = format!("{} [{}]", f.message, operator_text(f));
        for (label, text) in details(f) {
            msg.push_str(&format!("\n{label}: {text}"));
        }
        let line = meta
            .line_of(f)
            .map_or_else(String::new, |l| format!(",line={l}"));
        s.push_str(&format!(
            "::{level} file={}{line},title={}::{}\n",
            prop(&super::shown_path(&meta.job)),
            prop(&format!("flinspect {}", f.rule)),
            data(&msg)
        ));
    }
    s.push_str(&verdict_line(report, meta));
    s.push('\n');
    s
}
