//! The `audit --format html` page: the verdict first, the inputs given, then the checklist:
//! each item with its rule id, title, severity and status (finding, passed, not checked), the
//! input that decided it or the one that would, the finding's message, evidence and fix.
//!
//! The data is the `audit --json` document ([`crate::render::audit::document`]) and the
//! catalogue's title of each rule it names (`flinspect rules`' summaries), so the numbers and
//! statuses a page shows are those of `audit --json` by construction.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use super::{write_page, PageHead, PageKind};
use crate::audit::{Report, RULES};
use crate::render::audit::{document, Meta};

/// The page's data.
#[derive(Serialize)]
pub struct AuditPage {
    #[serde(flatten)]
    pub head: PageHead,
    /// The `audit --json` document.
    pub report: Value,
    /// The one-line summary of each rule the document names (by rule id).
    pub titles: BTreeMap<&'static str, &'static str>,
}

pub fn page(report: &Report, meta: &Meta) -> AuditPage {
    let titles = RULES
        .iter()
        .filter(|r| report.items.iter().any(|i| i.rule == r.id))
        .map(|r| (r.id, r.summary))
        .collect();
    AuditPage {
        head: PageHead::new(PageKind::Audit),
        report: document(report, meta),
        titles,
    }
}

/// Writes the page.
pub fn write(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    let mut given = Vec::new();
    given.extend(meta.job.as_ref().map(|(p, _)| p.as_str()));
    given.extend(meta.config.as_ref().map(|(p, _)| p.as_str()));
    given.extend(meta.snapshots.iter().map(String::as_str));
    let title = format!("flinspect audit: {}", given.join(" "));
    write_page(w, &title, &page(report, meta))
}
