//! The `check --format html` page: the verdict first, each finding with Flink's message, the
//! snapshot's operators with the affected ones highlighted, and what allowNonRestoredState
//! drops (the operators of `unmapped_state` findings, with their bytes and state names).
//!
//! The data is the `check --json` document ([`crate::render::check::json::Document`], built
//! from the [`Report`] and [`Meta`] every check format takes) and the snapshot's operators as
//! `inspect --json` shows them (without subtasks, in [`Meta::operators`]). Anything that
//! produces a `Report` and a `Meta` renders with [`write`] (`Format::Html`).

use std::io::{self, Write};

use serde::Serialize;

use super::{write_page, PageHead, PageKind};
use crate::check::Report;
use crate::model::Metadata;
use crate::render::check::{json as check_json, Meta};
use crate::render::json::{self, Operator};
use crate::render::UidLabels;

/// The page's data.
#[derive(Serialize)]
pub struct CheckPage<'r, 'm> {
    #[serde(flatten)]
    pub head: PageHead,
    /// The `check --json` document.
    pub report: check_json::Document<'r>,
    /// The snapshot's operators as `inspect --json` shows them, with `subtasks` empty.
    pub operators: &'m [Operator],
}

/// The snapshot's operators for [`write`]: `inspect --json`'s operator documents, subtasks
/// left out.
pub fn snapshot_operators(md: &Metadata<'_>) -> Vec<Operator> {
    let labels = UidLabels::default();
    md.operators
        .iter()
        .map(|op| {
            let mut doc = json::operator(op, &labels);
            doc.subtasks = Vec::new();
            doc
        })
        .collect()
}

/// Writes the page for a report and its run's `meta` (whose `operators` fill the operator
/// table): `Format::Html`.
pub fn write(w: &mut dyn Write, report: &Report, meta: &Meta) -> io::Result<()> {
    let page = CheckPage {
        head: PageHead::new(PageKind::Check),
        report: check_json::document(report, meta),
        operators: &meta.operators,
    };
    let title = format!("flinspect check: {}", meta.snapshot);
    write_page(w, &title, &page)
}
