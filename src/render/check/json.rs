//! The JSON document of `flinspect check --json` (`--format json`). Stable: fields are only ever
//! added, and `schema_version` changes when a field changes meaning or goes away.
//!
//! ```jsonc
//! {
//!   "schema_version": 1,
//!   "snapshot": {                       // the snapshot checked
//!     "path": "…/_metadata",
//!     "metadata_version": 6,            // the format version at byte offset 4
//!     "checkpoint_id": 3,
//!     "kind": "savepoint" | "checkpoint" | null
//!   },
//!   "job": { "kind": "file" | "snapshot" | "program", "path": "job.yaml" },
//!                                       // program: --jar/--sql, the graph taken by the companion
//!   "verdict": "compatible" | "incompatible" | "unknown",
//!                                       // incompatible: a finding at or above fail_on (and not
//!                                       //   allow-listed); unknown: none, but a check that can
//!                                       //   fail a restore could not run (see not_checked)
//!   "fail_on": "error" | "warning",
//!   "allow_non_restored_state": false,  // as applied (command line over job file)
//!   "counts": { "error": 1, "warning": 0, "info": 3, "allowed": 0 },
//!   "findings": [                       // errors first, then by rule id, then operator id
//!     {
//!       "rule": "unmapped_state",       // stable id (`flinspect rules`)
//!       "severity": "error" | "warning" | "info",
//!       "operator_id": "e7beec23fd9f6ed5e1b8395129d43728" | null,   // null: about the whole job
//!       "uid": "keyed" | null,          // from the snapshot (V5+) or the job
//!       "name": "keyed" | null,
//!       "message": "…",                 // what is wrong, with the values found
//!       "flink_error": "…" | null,      // the message Flink will give, when known
//!       "help": "…" | null,             // how to fix it
//!       "notes": ["…"],                 // further facts (what is dropped, evidence)
//!       "operators": [                  // a finding with one cause for many operators (a
//!         { "operator_id": "…", "uid": "…" | null, "name": "…" | null }  // job-wide setting):
//!       ],                              //   every operator; empty otherwise (operator_id null)
//!       "allowed": "reason" | null      // the --allow entry's reason, when allow-listed
//!     }
//!   ],
//!   "not_checked": ["…"]                // what could not be judged, always including state
//!                                       // schemas and serializers
//! }
//! ```

use serde::Serialize;

use super::Meta;
use crate::check::{Report, Severity, Verdict};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
pub struct Document<'r> {
    pub schema_version: u32,
    pub snapshot: SnapshotDoc,
    pub job: JobDoc,
    pub verdict: Verdict,
    pub fail_on: Severity,
    pub allow_non_restored_state: bool,
    pub counts: Counts,
    pub findings: Vec<FindingDoc<'r>>,
    pub not_checked: &'r [String],
}

#[derive(Serialize)]
pub struct SnapshotDoc {
    pub path: String,
    pub metadata_version: i32,
    pub checkpoint_id: i64,
    pub kind: Option<String>,
}

#[derive(Serialize)]
pub struct JobDoc {
    pub kind: &'static str,
    pub path: String,
}

#[derive(Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub allowed: usize,
}

#[derive(Serialize)]
pub struct FindingDoc<'r> {
    pub rule: &'static str,
    pub severity: Severity,
    pub operator_id: Option<String>,
    pub uid: Option<&'r str>,
    pub name: Option<&'r str>,
    pub message: &'r str,
    pub flink_error: Option<&'r str>,
    pub help: Option<&'r str>,
    pub notes: &'r [String],
    pub operators: Vec<OperatorDoc<'r>>,
    pub allowed: Option<&'r str>,
}

#[derive(Serialize)]
pub struct OperatorDoc<'r> {
    pub operator_id: String,
    pub uid: Option<&'r str>,
    pub name: Option<&'r str>,
}

pub fn document<'r>(report: &'r Report, meta: &Meta) -> Document<'r> {
    Document {
        schema_version: SCHEMA_VERSION,
        snapshot: SnapshotDoc {
            path: meta.snapshot.clone(),
            metadata_version: meta.metadata_version,
            checkpoint_id: meta.checkpoint_id,
            kind: meta.kind.clone(),
        },
        job: JobDoc {
            kind: meta.job_kind,
            path: meta.job.clone(),
        },
        verdict: report.verdict(meta.fail_on),
        fail_on: meta.fail_on,
        allow_non_restored_state: report.allow_non_restored_state,
        counts: Counts {
            error: report.count(Severity::Error),
            warning: report.count(Severity::Warning),
            info: report.count(Severity::Info),
            allowed: report
                .findings
                .iter()
                .filter(|f| f.allowed.is_some())
                .count(),
        },
        findings: report
            .findings
            .iter()
            .map(|f| FindingDoc {
                rule: f.rule,
                severity: f.severity,
                operator_id: f.operator.as_ref().map(|o| o.id.to_hex()),
                uid: f.operator.as_ref().and_then(|o| o.uid.as_deref()),
                name: f.operator.as_ref().and_then(|o| o.name.as_deref()),
                message: &f.message,
                flink_error: f.flink_error.as_deref(),
                help: f.help.as_deref(),
                notes: &f.notes,
                operators: f
                    .operators
                    .iter()
                    .map(|o| OperatorDoc {
                        operator_id: o.id.to_hex(),
                        uid: o.uid.as_deref(),
                        name: o.name.as_deref(),
                    })
                    .collect(),
                allowed: f.allowed.as_deref(),
            })
            .collect(),
        not_checked: &report.not_checked,
    }
}

pub fn write(w: &mut dyn std::io::Write, report: &Report, meta: &Meta) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &document(report, meta))?;
    writeln!(w)
}
