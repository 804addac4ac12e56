//! JUnit XML, for CI systems that show test reports: one test suite, one test case per finding
//! (failing when the finding fails the check) and one passing case per rule without findings.

use std::io::{self, Write};

use super::{verdict_line, FindingView, Meta};
use crate::check::{Report, RULES};

pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub fn write(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    let mut cases = Vec::new();
    let mut failures = 0usize;
    for f in &report.findings {
        let v = FindingView::new(f);
        let name = format!("{}: {}", v.rule, v.operator);
        let blocking = v.severity >= meta.fail_on && v.allowed.is_none();
        let body = v.body();
        let case = if blocking {
            failures += 1;
            format!(
                "    <testcase classname=\"flinspect.check.{rule}\" name=\"{name}\">\n      <failure type=\"{sev}\" message=\"{msg}\">{body}</failure>\n    </testcase>\n",
                rule = esc(f.rule),
                name = esc(&name),
                sev = f.severity,
                msg = esc(&f.message),
                body = esc(&body)
            )
        } else {
            format!(
                "    <testcase classname=\"flinspect.check.{rule}\" name=\"{name}\">\n      <system-out>{sev}: {body}</system-out>\n    </testcase>\n",
                rule = esc(f.rule),
                name = esc(&name),
                sev = f.severity,
                body = esc(&body)
            )
        };
        cases.push(case);
    }
    for r in RULES {
        if report.findings.iter().any(|f| f.rule == r.info.id) {
            continue;
        }
        cases.push(format!(
            "    <testcase classname=\"flinspect.check.{id}\" name=\"{id}\"/>\n",
            id = esc(r.info.id)
        ));
    }
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    write!(
        w,
        "<testsuites name=\"flinspect check\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\">\n  <testsuite name=\"{snap}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
        n = cases.len(),
        snap = esc(&meta.snapshot)
    )?;
    write!(
        w,
        "    <properties>\n      <property name=\"verdict\" value=\"{}\"/>\n      <property name=\"job\" value=\"{}\"/>\n    </properties>\n",
        report.verdict(meta.fail_on).as_str(),
        esc(&meta.job)
    )?;
    for c in cases {
        w.write_all(c.as_bytes())?;
    }
    write!(
        w,
        "    <system-out>{}</system-out>\n  </testsuite>\n</testsuites>\n",
        esc(&verdict_line(report, meta))
    )
}
