//! Renderers for `flinspect audit`, in the formats of `check`: human (rustc-style
//! diagnostics), JSON (schema below and `docs/schemas/audit.schema.json`), SARIF 2.1.0, JUnit
//! XML, GitHub Actions annotations, Markdown, and HTML (`crate::render::html::audit`, built
//! from this JSON document). Presentation only: every format carries every
//! item (findings, passes, not-checked) with the inputs that decided it.
//!
//! The JSON document (`--format json`), stable like `check --json`'s:
//!
//! ```jsonc
//! {
//!   "schema_version": 1,
//!   "inputs": {
//!     "job": { "kind": "program" | "graph" | "file", "path": "…" } | null,
//!     "config": { "path": "…", "format": "flat flink-conf.yaml" | "standard YAML config.yaml" } | null,
//!     "snapshots": ["…"]                  // the snapshot paths and directories given
//!   },
//!   "verdict": "ready" | "not-ready" | "unknown",
//!                                         // not-ready: a finding at or above fail_on (not
//!                                         //   allow-listed); unknown: none, but a rule at or
//!                                         //   above fail_on could not be checked
//!   "fail_on": "error" | "warning",
//!   "counts": { "error": 0, "warning": 3, "info": 1, "allowed": 0, "passed": 12, "not_checked": 4 },
//!   "items": [                            // findings (errors first), passes, not checked
//!     {
//!       "rule": "ha_disabled",            // stable id (`flinspect rules`)
//!       "status": "finding" | "passed" | "not_checked",
//!       "severity": "error" | "warning" | "info",   // the finding's, or the rule's default
//!       "subject": "uid \"keyed\" …" | null,        // the operator or job it is about
//!       "message": "…",
//!       "decided_by": [                   // the inputs that decided it (empty: not checked)
//!         { "source": "job" | "config" | "snapshot" | "logging", "detail": "…",
//!           "file": "conf/config.yaml" | null, "line": 12 | null }
//!       ],
//!       "needs": "…" | null,              // not checked: the input that would decide it
//!       "fix": "…" | null,                // findings: the Flink option or API that fixes it
//!       "notes": ["…"],
//!       "allowed": "reason" | null        // the --allow entry's reason
//!     }
//!   ]
//! }
//! ```

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};

use crate::audit::{Item, Report, Source, Status, Verdict, RULES};
use crate::check::Severity;
use crate::render::check::Format;
use crate::render::color::{Palette, Tone};

pub const SCHEMA_VERSION: u32 = 1;

/// What the run was given.
#[derive(Clone, Debug)]
pub struct Meta {
    /// The job's path and kind (`program`: --jar/--sql; `graph`: a graph document; `file`: a
    /// job file).
    pub job: Option<(String, &'static str)>,
    /// The configuration file and its format.
    pub config: Option<(String, &'static str)>,
    pub snapshots: Vec<String>,
    pub fail_on: Severity,
    pub color: Palette,
}

/// Writes the report in this format.
pub fn write(format: Format, w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    match format {
        Format::Human => human(w, report, meta),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &document(report, meta))
                .map_err(io::Error::from)?;
            w.write_all(b"\n")
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut *w, &sarif(report, meta)).map_err(io::Error::from)?;
            w.write_all(b"\n")
        }
        Format::Junit => junit(w, report, meta),
        Format::Github => github(w, report, meta),
        Format::Markdown => markdown(w, report, meta),
        Format::Html => crate::render::html::audit::write(w, report, meta),
    }
}

/// [`write`] into a string.
pub fn render(format: Format, report: &Report, meta: &Meta) -> String {
    let mut buf = Vec::new();
    let _ = write(format, &mut buf, report, meta);
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn plural(n: usize, w: &str) -> String {
    if n == 1 {
        format!("{n} {w}")
    } else {
        format!("{n} {w}s")
    }
}

/// "0 errors, 3 warnings, 1 info; 12 passed, 4 not checked".
pub fn counts(report: &Report) -> String {
    let passed = report
        .items
        .iter()
        .filter(|i| i.status == Status::Passed)
        .count();
    let nc = report
        .items
        .iter()
        .filter(|i| i.status == Status::NotChecked)
        .count();
    let allowed = report.findings().filter(|i| i.allowed.is_some()).count();
    let mut s = format!(
        "{}, {}, {}",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.count(Severity::Info), "info")
    );
    if allowed > 0 {
        s.push_str(&format!(", {allowed} allowed"));
    }
    s.push_str(&format!("; {passed} passed, {nc} not checked"));
    s
}

/// The verdict line every format ends with.
pub fn verdict_line(report: &Report, meta: &Meta) -> String {
    let v = report.verdict(meta.fail_on);
    let what = match v {
        Verdict::Ready => "the checklist passes for what was given",
        Verdict::NotReady if meta.fail_on == Severity::Error => {
            "items that lose state or availability"
        }
        Verdict::NotReady => "findings at or above --fail-on warning",
        Verdict::Unknown => "no finding blocks, but items that could were not checked",
    };
    format!("verdict: {}: {what} ({})", v.as_str(), counts(report))
}

fn inputs_line(meta: &Meta) -> String {
    let mut parts = Vec::new();
    if let Some((p, k)) = &meta.job {
        parts.push(format!("job {p} ({k})"));
    }
    if let Some((p, f)) = &meta.config {
        parts.push(format!("config {p} ({f})"));
    }
    for s in &meta.snapshots {
        parts.push(format!("snapshots {s}"));
    }
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join(", ")
    }
}

fn decided(i: &Item) -> String {
    i.decided_by
        .iter()
        .map(|e| format!("{}: {}", e.source.as_str(), e.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Labelled facts of an item, in the order every format shows them.
pub fn details(i: &Item) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for e in &i.decided_by {
        out.push(("decided by", format!("{}: {}", e.source.as_str(), e.detail)));
    }
    if let Some(n) = &i.needs {
        out.push(("needs", n.clone()));
    }
    for n in &i.notes {
        out.push(("note", n.clone()));
    }
    if let Some(f) = &i.fix {
        out.push(("fix", f.clone()));
    }
    if let Some(r) = &i.allowed {
        out.push(("allowed", r.clone()));
    }
    out
}

fn body(i: &Item) -> String {
    let mut s = i.message.clone();
    for (label, text) in details(i) {
        s.push_str(&format!("\n{label}: {text}"));
    }
    s
}

fn human(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    let mut s = format!("auditing {}\n\n", inputs_line(meta));
    for i in report.findings() {
        let tone = match i.severity {
            _ if i.allowed.is_some() => None,
            Severity::Error => Some(Tone::Bad),
            Severity::Warning => Some(Tone::Caution),
            Severity::Info => None,
        };
        let head = format!("{}[{}]", i.severity, i.rule);
        let head = match tone {
            Some(t) => meta.color.paint(t, &head),
            None => head,
        };
        s.push_str(&format!("{head}: {}\n", i.message));
        if let Some(subj) = &i.subject {
            s.push_str(&format!("  --> {subj}\n"));
        }
        for (label, text) in details(i) {
            s.push_str(&format!("   = {label}: {text}\n"));
        }
        s.push('\n');
    }
    let passed: Vec<&Item> = report
        .items
        .iter()
        .filter(|i| i.status == Status::Passed)
        .collect();
    if !passed.is_empty() {
        s.push_str("passed:\n");
        for i in passed {
            let subj = i
                .subject
                .as_deref()
                .map_or_else(String::new, |x| format!(" {x}:"));
            s.push_str(&format!(
                "  {} [{}]{subj} {} (decided by {})\n",
                meta.color.paint(Tone::Good, "ok"),
                i.rule,
                i.message,
                decided(i)
            ));
        }
        s.push('\n');
    }
    let nc: Vec<&Item> = report
        .items
        .iter()
        .filter(|i| i.status == Status::NotChecked)
        .collect();
    if !nc.is_empty() {
        s.push_str("not checked:\n");
        for i in nc {
            s.push_str(&format!(
                "  - [{}] {}; would be decided by {}\n",
                i.rule,
                i.message,
                i.needs.as_deref().unwrap_or("?")
            ));
        }
        s.push('\n');
    }
    let tone = match report.verdict(meta.fail_on) {
        Verdict::Ready => Tone::Good,
        Verdict::NotReady => Tone::Bad,
        Verdict::Unknown => Tone::Caution,
    };
    s.push_str(&meta.color.paint(tone, &verdict_line(report, meta)));
    s.push('\n');
    w.write_all(s.as_bytes())
}

#[derive(Serialize)]
struct Document<'r> {
    schema_version: u32,
    inputs: Value,
    verdict: Verdict,
    fail_on: Severity,
    counts: Value,
    items: Vec<ItemDoc<'r>>,
}

#[derive(Serialize)]
struct ItemDoc<'r> {
    rule: &'r str,
    status: &'r Status,
    severity: Severity,
    subject: Option<&'r str>,
    message: &'r str,
    decided_by: &'r [crate::audit::Evidence],
    needs: Option<&'r str>,
    fix: Option<&'r str>,
    notes: &'r [String],
    allowed: Option<&'r str>,
}

/// The `--format json` document.
pub fn document(report: &Report, meta: &Meta) -> Value {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        inputs: json!({
            "job": meta.job.as_ref().map(|(p, k)| json!({"kind": k, "path": p})),
            "config": meta.config.as_ref().map(|(p, f)| json!({"path": p, "format": f})),
            "snapshots": meta.snapshots,
        }),
        verdict: report.verdict(meta.fail_on),
        fail_on: meta.fail_on,
        counts: json!({
            "error": report.count(Severity::Error),
            "warning": report.count(Severity::Warning),
            "info": report.count(Severity::Info),
            "allowed": report.findings().filter(|i| i.allowed.is_some()).count(),
            "passed": report.items.iter().filter(|i| i.status == Status::Passed).count(),
            "not_checked": report.items.iter().filter(|i| i.status == Status::NotChecked).count(),
        }),
        items: report
            .items
            .iter()
            .map(|i| ItemDoc {
                rule: i.rule,
                status: &i.status,
                severity: i.severity,
                subject: i.subject.as_deref(),
                message: &i.message,
                decided_by: &i.decided_by,
                needs: i.needs.as_deref(),
                fix: i.fix.as_deref(),
                notes: &i.notes,
                allowed: i.allowed.as_deref(),
            })
            .collect(),
    };
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Where an item points: the configuration line that decided it, else the input file.
fn location(i: &Item, meta: &Meta) -> Option<(String, Option<usize>)> {
    if let Some(e) = i.decided_by.iter().find(|e| e.file.is_some()) {
        return Some((e.file.clone().unwrap_or_default(), e.line));
    }
    let src = i.decided_by.first().map(|e| e.source);
    match src {
        Some(Source::Job) => meta.job.as_ref().map(|(p, _)| (p.clone(), None)),
        Some(Source::Config) => meta.config.as_ref().map(|(p, _)| (p.clone(), None)),
        Some(Source::Snapshot) => meta.snapshots.first().map(|p| (p.clone(), None)),
        _ => None,
    }
}

fn sarif(report: &Report, meta: &Meta) -> Value {
    use crate::render::check::sarif::uri;
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.explanation },
                "help": { "text": r.fix },
                "defaultConfiguration": { "level": level(r.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings()
        .map(|i| {
            let mut r = json!({
                "ruleId": i.rule,
                "ruleIndex": RULES.iter().position(|r| r.id == i.rule).unwrap_or(0),
                "level": level(i.severity),
                "message": { "text": body(i) },
                "properties": { "subject": i.subject, "decidedBy": i.decided_by, "notes": i.notes },
            });
            if let Some((file, line)) = location(i, meta) {
                let mut phys = json!({ "artifactLocation": { "uri": uri(&crate::render::check::shown_path(&file)) } });
                if let Some(l) = line {
                    phys["region"] = json!({ "startLine": l });
                }
                r["locations"] = json!([{ "physicalLocation": phys }]);
            }
            if let Some(reason) = &i.allowed {
                r["suppressions"] = json!([{ "kind": "external", "justification": reason }]);
            }
            r
        })
        .collect();
    let not_checked: Vec<Value> = report
        .items
        .iter()
        .filter(|i| i.status == Status::NotChecked)
        .map(|i| json!({ "rule": i.rule, "message": i.message, "needs": i.needs }))
        .collect();
    json!({
        "$schema": crate::render::check::sarif::SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "flinspect",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
            "properties": {
                "verdict": report.verdict(meta.fail_on).as_str(),
                "notChecked": not_checked,
            },
        }],
    })
}

fn junit(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    use crate::render::check::junit::esc;
    let mut cases = Vec::new();
    let (mut failures, mut skipped) = (0, 0);
    for i in &report.items {
        let name = match &i.subject {
            Some(s) => format!("{}: {s}", i.rule),
            None => i.rule.to_string(),
        };
        let open = format!(
            "    <testcase classname=\"flinspect.audit.{}\" name=\"{}\">\n",
            esc(i.rule),
            esc(&name)
        );
        let inner = match i.status {
            Status::Finding if i.severity >= meta.fail_on && i.allowed.is_none() => {
                failures += 1;
                format!(
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                    i.severity,
                    esc(&i.message),
                    esc(&body(i))
                )
            }
            Status::Finding | Status::Passed => {
                format!("      <system-out>{}</system-out>\n", esc(&body(i)))
            }
            Status::NotChecked => {
                skipped += 1;
                format!("      <skipped message=\"{}\"/>\n", esc(&body(i)))
            }
        };
        cases.push(format!("{open}{inner}    </testcase>\n"));
    }
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"flinspect audit\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\">\n  <testsuite name=\"{inputs}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n",
        n = cases.len(),
        inputs = esc(&inputs_line(meta))
    ));
    s.push_str(&format!(
        "    <properties>\n      <property name=\"verdict\" value=\"{}\"/>\n    </properties>\n",
        report.verdict(meta.fail_on).as_str()
    ));
    for c in cases {
        s.push_str(&c);
    }
    s.push_str(&format!(
        "    <system-out>{}</system-out>\n  </testsuite>\n</testsuites>\n",
        esc(&verdict_line(report, meta))
    ));
    w.write_all(s.as_bytes())
}

fn github(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    use crate::render::check::github::{data, prop};
    let mut s = String::new();
    for i in report.findings() {
        let level = match (i.severity, i.allowed.is_some()) {
            (_, true) | (Severity::Info, _) => "notice",
            (Severity::Warning, _) => "warning",
            (Severity::Error, _) => "error",
        };
        let mut props = String::new();
        if let Some((file, line)) = location(i, meta) {
            props.push_str(&format!(
                "file={}",
                prop(&crate::render::check::shown_path(&file))
            ));
            if let Some(l) = line {
                props.push_str(&format!(",line={l}"));
            }
            props.push(',');
        }
        s.push_str(&format!(
            "::{level} {props}title={}::{}\n",
            prop(&format!("flinspect {}", i.rule)),
            data(&body(i))
        ));
    }
    for i in report
        .items
        .iter()
        .filter(|i| i.status == Status::NotChecked)
    {
        s.push_str(&format!(
            "::notice title={}::{}\n",
            prop(&format!("flinspect {} not checked", i.rule)),
            data(&body(i))
        ));
    }
    s.push_str(&verdict_line(report, meta));
    s.push('\n');
    w.write_all(s.as_bytes())
}

fn markdown(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', "<br>");
    let v = report.verdict(meta.fail_on);
    let mark = match v {
        Verdict::Ready => "✅",
        Verdict::NotReady => "❌",
        Verdict::Unknown => "❔",
    };
    let mut s = format!(
        "## flinspect audit: {mark} {}\n\nAuditing {}: {}.\n\n",
        v.as_str(),
        inputs_line(meta),
        counts(report)
    );
    s.push_str("| status | severity | rule | subject | result | decided by | fix |\n");
    s.push_str("|---|---|---|---|---|---|---|\n");
    for i in &report.items {
        let status = match i.status {
            Status::Finding => "finding",
            Status::Passed => "passed",
            Status::NotChecked => "not checked",
        };
        let sev = match &i.allowed {
            Some(r) => format!("{} (allowed: {})", i.severity, cell(r)),
            None => i.severity.to_string(),
        };
        let mut msg = i.message.clone();
        for n in &i.notes {
            msg.push_str(&format!("\nnote: {n}"));
        }
        let by = match &i.needs {
            Some(n) => format!("needs {n}"),
            None => decided(i),
        };
        s.push_str(&format!(
            "| {status} | {sev} | `{}` | {} | {} | {} | {} |\n",
            i.rule,
            cell(i.subject.as_deref().unwrap_or("job")),
            cell(&msg),
            cell(&by),
            cell(i.fix.as_deref().unwrap_or(""))
        ));
    }
    w.write_all(s.as_bytes())
}
