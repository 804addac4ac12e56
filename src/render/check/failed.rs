//! What every `check` format prints when the run could not finish (an unreadable snapshot, a
//! job file that cannot be read): a valid document of that format that carries the error, so a
//! CI step that uploads or parses the output reports the cause instead of a parse error.
//!
//! - JSON: `{"schema_version": 1, "error": {"message": "…", "path": "…" | null}}` (no
//!   `verdict`: nothing was judged);
//! - SARIF 2.1.0: one run with no results, an invocation with `executionSuccessful: false` and
//!   the error as a tool execution notification located at the file;
//! - JUnit XML: one test suite with one errored test case;
//! - GitHub Actions: one `::error` annotation at the file;
//! - Markdown: a heading that says the check could not run, and the error.

use std::io::{self, Write};

use serde_json::json;

use super::json::SCHEMA_VERSION;
use super::sarif::uri;

/// Why the run failed: one line, and the file it is about when there is one.
#[derive(Clone, Debug)]
pub struct RunError {
    pub message: String,
    pub path: Option<String>,
}

pub fn json(w: &mut dyn Write, e: &RunError) -> io::Result<()> {
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "error": { "message": e.message, "path": e.path },
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

pub fn sarif(w: &mut dyn Write, e: &RunError) -> io::Result<()> {
    let mut notification = json!({
        "level": "error",
        "message": { "text": e.message },
    });
    if let Some(p) = &e.path {
        notification["locations"] = json!([{
            "physicalLocation": { "artifactLocation": { "uri": uri(p) } }
        }]);
    }
    let mut run = super::sarif::run(super::sarif::rules(), Vec::new());
    run["invocations"] = json!([{
        "executionSuccessful": false,
        "toolExecutionNotifications": [notification],
    }]);
    let doc = super::sarif::log(run);
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

pub fn junit(w: &mut dyn Write, e: &RunError) -> io::Result<()> {
    let esc = super::junit::esc;
    write!(
        w,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"flinspect check\" tests=\"1\" failures=\"0\" errors=\"1\">\n  <testsuite name=\"flinspect check\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase classname=\"flinspect.check\" name=\"run\">\n      <error type=\"error\" message=\"{msg}\">{body}</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
        msg = esc(&e.message),
        body = esc(&format!(
            "flinspect could not judge the restore: {}",
            e.message
        ))
    )
}

pub fn github(w: &mut dyn Write, e: &RunError) -> io::Result<()> {
    let file = e
        .path
        .as_deref()
        .map(|p| format!("file={},", super::github::prop(p)))
        .unwrap_or_default();
    write!(
        w,
        "::error {file}title=flinspect check could not run::{}\nverdict: none: flinspect could not judge the restore\n",
        super::github::data(&e.message)
    )
}

pub fn markdown(w: &mut dyn Write, e: &RunError) -> io::Result<()> {
    write!(
        w,
        "## flinspect check: ⚠️ could not run\n\n{}\n\nNo verdict: flinspect could not judge the restore.\n",
        e.message.replace('\n', " ")
    )
}
