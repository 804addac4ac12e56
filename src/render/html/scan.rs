//! The `scan --format html` page: per job a timeline of its checkpoints and savepoints (state
//! size, incremental shared bytes, status), the newest restorable ones and the reclaimable
//! bytes; the data is the `scan --json` records ([`crate::render::scan`]) in one document.

use std::io::{self, Write};

use serde::Serialize;

use super::{write_page, PageHead, PageKind};
use crate::render::scan::{
    job_record, snapshot_record, summary_record, ErrorRecord, JobRecord, SnapshotRecord,
    SummaryRecord, SCHEMA_VERSION,
};
use crate::scan::Report;

/// The page's data: the records `scan --json` prints, grouped by type.
#[derive(Serialize)]
pub struct ScanPage {
    #[serde(flatten)]
    pub head: PageHead,
    /// Every `"type":"snapshot"` record, in output order.
    pub snapshots: Vec<SnapshotRecord>,
    /// Every `"type":"job"` record, in output order.
    pub jobs: Vec<JobRecord>,
    /// Every `"type":"error"` record.
    pub errors: Vec<ErrorRecord>,
    /// The `"type":"summary"` record.
    pub summary: SummaryRecord,
}

pub fn page(report: &Report) -> ScanPage {
    ScanPage {
        head: PageHead::new(PageKind::Scan),
        snapshots: report
            .jobs
            .iter()
            .flat_map(|j| j.snapshots.iter().map(move |s| snapshot_record(j, s)))
            .collect(),
        jobs: report.jobs.iter().map(job_record).collect(),
        errors: report
            .errors
            .iter()
            .map(|e| ErrorRecord {
                record_type: "error",
                schema_version: SCHEMA_VERSION,
                path: e.path.display().to_string(),
                message: e.message.clone(),
            })
            .collect(),
        summary: summary_record(report),
    }
}

/// Writes the page.
pub fn write<W: Write + ?Sized>(w: &mut W, report: &Report) -> io::Result<()> {
    let roots: Vec<String> = report
        .roots
        .iter()
        .map(|r| r.display().to_string())
        .collect();
    let title = format!("flinspect scan: {}", roots.join(" "));
    write_page(w, &title, &page(report))
}
