//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), for code-scanning UIs.
//!
//! One run; the driver lists every rule of the catalogue; each finding is a result located at
//! the `_metadata` file (physical location) and at the operator (logical location). Allow-listed
//! findings carry an external suppression with the reason. Levels: error → `error`,
//! warning → `warning`, info → `note`.

use serde_json::{json, Value};

use super::Meta;
use crate::check::{Report, Severity, RULES};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The driver's rule descriptors: every rule of the catalogue.
pub(crate) fn rules() -> Vec<Value> {
    RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.info.id,
                "name": r.info.id,
                "shortDescription": { "text": r.info.summary },
                "fullDescription": { "text": r.info.explanation },
                "help": { "text": r.info.help },
                "defaultConfiguration": { "level": level(r.info.severity) },
            })
        })
        .collect()
}

pub fn document(report: &Report, meta: &Meta) -> Value {
    let rules = rules();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let text = super::body(f);
            // The job file, at the operator's line when the file names it; the snapshot as a
            // related location.
            let mut location = match (meta.job_kind, meta.line_of(f)) {
                ("file", Some(line)) => json!({
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&super::shown_path(&meta.job)) },
                        "region": { "startLine": line },
                    }
                }),
                _ => json!({
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&super::shown_path(&meta.job)) }
                    }
                }),
            };
            let logical: Vec<Value> = f
                .operator
                .iter()
                .chain(&f.operators)
                .map(|o| {
                    json!({
                        "name": o.uid.clone().unwrap_or_else(|| o.id.to_hex()),
                        "fullyQualifiedName": o.id.to_hex(),
                        "kind": "object",
                    })
                })
                .collect();
            if !logical.is_empty() {
                location["logicalLocations"] = json!(logical);
            }
            let mut r = json!({
                "relatedLocations": [{
                    "id": 0,
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&super::shown_path(&meta.snapshot)) }
                    },
                    "message": { "text": "the snapshot" },
                }],
                "ruleId": f.rule,
                "ruleIndex": RULES.iter().position(|r| r.info.id == f.rule).unwrap_or(0),
                "level": level(f.severity),
                "message": { "text": text },
                "locations": [location],
                "properties": {
                    "operatorId": f.operator.as_ref().map(|o| o.id.to_hex()),
                    "flinkError": f.flink_error,
                    "notes": f.notes,
                },
            });
            if let Some(reason) = &f.allowed {
                r["suppressions"] = json!([{ "kind": "external", "justification": reason }]);
            }
            r
        })
        .collect();
    let mut run = run(rules, results);
    run["properties"] = json!({
        "verdict": report.verdict(meta.fail_on).as_str(),
        "notChecked": report.not_checked,
    });
    log(run)
}

/// One run of flinspect: the driver with every rule, and the results.
pub(crate) fn run(rules: Vec<Value>, results: Vec<Value>) -> Value {
    json!({
        "tool": { "driver": {
            "name": "flinspect",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }},
        "results": results,
    })
}

/// The SARIF log around one run.
pub(crate) fn log(run: Value) -> Value {
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}

/// A relative path as SARIF wants it: forward slashes, percent-encoding of what URIs forbid.
pub(crate) fn uri(path: &str) -> String {
    let mut s = String::new();
    for c in path.replace('\\', "/").chars() {
        match c {
            ' ' => s.push_str("%20"),
            '%' => s.push_str("%25"),
            '#' => s.push_str("%23"),
            '?' => s.push_str("%3F"),
            c => s.push(c),
        }
    }
    s
}

pub fn write(w: &mut dyn std::io::Write, report: &Report, meta: &Meta) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &document(report, meta))?;
    writeln!(w)
}
