//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
//! finding, located at the job file, then the verdict as a plain line.

use std::io::{self, Write};

use super::{verdict_line, FindingView, Meta};
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

pub fn write(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    for f in &report.findings {
        let level = match (f.severity, f.allowed.is_some()) {
            (_, true) | (Severity::Info, _) => "notice",
            (Severity::Warning, _) => "warning",
            (Severity::Error, _) => "error",
        };
        let v = FindingView::new(f);
        let mut msg = format!("{} [{}]", v.message, v.operator);
        for (label, text) in v.details() {
            msg.push_str(&format!("\n{label}: {text}"));
        }
        let line = meta
            .line_of(f)
            .map_or_else(String::new, |l| format!(",line={l}"));
        writeln!(
            w,
            "::{level} file={}{line},title={}::{}",
            prop(&super::shown_path(&meta.job)),
            prop(&format!("flinspect {}", v.rule)),
            data(&msg)
        )?;
    }
    writeln!(w, "{}", verdict_line(report, meta))
}
