//! Self-contained HTML reports (`--format html`): one file with its CSS, script and charts
//! inline, readable offline (no network access at view time, no vendored library).
//!
//! Every page is the same shell: a stylesheet, the page's data as one JSON document inside a
//! `<script type="application/json" id="flinspect-data">` element, and one script
//! (`report.js`) that renders it in the browser: tables (sortable, filterable, paged, so only a
//! page of rows is ever in the DOM), SVG bar charts and timelines. The data is built from the
//! same serializable documents the JSON outputs print (`render::json` for `inspect`,
//! `render::check::json` for `check` and `diff`, `render::scan` records for `scan`,
//! `render::audit::document` for `audit`), so the numbers a page
//! shows are those of `--json` by construction; `tests/it/html.rs` checks them in Chromium.
//!
//! - [`inspect`]: the `inspect --json` header and operators, each operator's subtasks as
//!   columns (index, state size, key-group range) and a summary of the referenced files.
//! - [`check`]: the `check --json` document, or `diff --json`'s for `diff` (takes a
//!   [`crate::check::Report`] and [`crate::render::check::Meta`] like every check format, so
//!   any command that produces a `Report` renders with it) and the operators of the side the
//!   restore reads (the snapshot's, or the old graph's or job file's).
//! - [`scan`]: the `scan --json` records of every snapshot, job, error, and the summary.
//! - [`audit`]: the `audit --json` document: the verdict, the inputs and every checklist item.

pub mod audit;
pub mod check;
pub mod inspect;
pub mod scan;

use std::io::{self, Write};

use serde::Serialize;

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// Which renderer the page's script runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    Inspect,
    Check,
    Diff,
    Scan,
    Audit,
}

/// What every page's data starts with.
#[derive(Serialize)]
pub struct PageHead {
    /// Which renderer the page's script runs.
    pub page: PageKind,
    /// `flinspect <version>`.
    pub generator: String,
}

impl PageHead {
    pub fn new(page: PageKind) -> Self {
        PageHead {
            page,
            generator: format!("flinspect {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Writes one page: `title` in the head, `data` as the JSON document the script renders.
pub fn write_page<W: Write + ?Sized, T: Serialize>(
    w: &mut W,
    title: &str,
    data: &T,
) -> io::Result<()> {
    write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
         <noscript><p>This flinspect report is drawn by its inline script; enable JavaScript to \
         read it (the data is in the flinspect-data element of this file).</p></noscript>\n\
         <main id=\"app\"></main>\n\
         <script type=\"application/json\" id=\"flinspect-data\">",
        escape(title)
    )?;
    let mut out = ScriptSafe(&mut *w);
    serde_json::to_writer(&mut out, data).map_err(io::Error::other)?;
    write!(w, "</script>\n<script>\n{JS}</script>\n</body>\n</html>\n")
}

/// Writes JSON so that it cannot end the `<script>` element that holds it: every `<` (which
/// JSON only has inside strings) becomes `\u003c`.
struct ScriptSafe<'w, W: Write + ?Sized>(&'w mut W);

impl<W: Write + ?Sized> Write for ScriptSafe<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|&b| b == b'<') {
            self.0.write_all(&rest[..i])?;
            self.0.write_all(b"\\u003c")?;
            rest = &rest[i + 1..];
        }
        self.0.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let mut out = Vec::new();
        let data = serde_json::json!({"name": "</script><script>alert(1)</script>"});
        write_page(&mut out, "a <b> & \"c\"", &data).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(html.contains("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"));
        let start = html.find("id=\"flinspect-data\">").unwrap() + 20;
        let end = start + html[start..].find("</script>").unwrap();
        let v: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(v, data);
    }
}
