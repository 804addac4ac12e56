//! Human-readable `inspect` output: a header, an operator table, and optionally per-subtask rows
//! and the referenced files.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io;

use super::{human_bytes, text, uid_of, UidLabels, UidSource};
use crate::analysis::{self, FileRef, Summary};
use crate::fold::Fold;
use crate::inspect::Inspection;
use crate::model::*;

/// Which optional sections to print.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub subtasks: bool,
    pub files: bool,
}

/// Renders the whole report.
pub fn inspect(
    path: &str,
    md: &Metadata<'_>,
    summary: &Summary,
    labels: &UidLabels,
    opts: Options,
) -> String {
    let mut text = Text::new(opts);
    for op in &md.operators {
        text.add(op, labels);
    }
    text.finish(path, md, summary)
}

/// The report built one operator at a time, so that a caller that decodes one operator at a
/// time never holds more than one. Only the rendered rows are kept. As a [`Fold`] (see
/// [`crate::inspect::inspect_with`]) its parts are [`Row`]s, rendered on any thread.
pub struct Text {
    opts: Options,
    labels: UidLabels,
    rows: Vec<([String; 7], Vec<String>)>,
    file_lines: Vec<String>,
    operators: usize,
    with_state: usize,
    state_size: i64,
    damage: Option<crate::format::Error>,
}

/// One operator of the report, rendered: see [`Text::row`].
pub struct Row {
    has_state: bool,
    state_size: i64,
    cells: ([String; 7], Vec<String>),
    file_lines: Vec<String>,
}

impl Text {
    pub fn new(opts: Options) -> Self {
        Text::with_labels(opts, &UidLabels::default())
    }

    /// A report whose rows label operators with the user's uids.
    pub fn with_labels(opts: Options, labels: &UidLabels) -> Self {
        Text {
            opts,
            labels: labels.clone(),
            rows: Vec::new(),
            file_lines: Vec::new(),
            operators: 0,
            with_state: 0,
            state_size: 0,
            damage: None,
        }
    }

    /// Records where a lossy decode stopped, so that the header can say why the facts after that
    /// point (the V4+ trailer's snapshot kind) are missing.
    pub fn stopped_at(&mut self, error: &crate::format::Error) {
        self.damage = Some(error.clone());
    }

    pub fn add(&mut self, op: &OperatorState<'_>, labels: &UidLabels) {
        let row = Text::row(&self.opts, op, labels);
        self.push(row);
    }

    /// What [`Text::add`] keeps of `op`, rendered (on any thread) to be [`Text::push`]ed later.
    pub fn row(opts: &Options, op: &OperatorState<'_>, labels: &UidLabels) -> Row {
        Row {
            has_state: op.has_state(),
            state_size: op.state_size(),
            cells: operator_row(op, labels, opts.subtasks),
            file_lines: if opts.files {
                analysis::operator_references(op)
                    .iter()
                    .map(file_line)
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Appends a rendered operator: the same as [`Text::add`] of the operator it came from.
    pub fn push(&mut self, row: Row) {
        self.operators += 1;
        self.with_state += usize::from(row.has_state);
        self.state_size = self.state_size.wrapping_add(row.state_size);
        self.rows.push(row.cells);
        self.file_lines.extend(row.file_lines);
    }

    /// The report; `md` supplies everything but the operators (which are not read).
    pub fn finish(self, path: &str, md: &Metadata<'_>, summary: &Summary) -> String {
        let mut buf = Vec::new();
        let _ = self.write(&mut buf, path, md, summary);
        String::from_utf8(buf).unwrap_or_default()
    }

    /// Writes the report; `md` supplies everything but the operators (which are not read).
    pub fn write(
        self,
        w: &mut dyn io::Write,
        path: &str,
        md: &Metadata<'_>,
        summary: &Summary,
    ) -> io::Result<()> {
        // The header and the table are laid out whole (the table's column widths depend on
        // every row); the file lines go out one by one.
        let mut out = String::new();
        header(
            &mut out,
            path,
            md,
            summary,
            (self.operators, self.with_state, self.state_size),
            self.damage.as_ref(),
        );
        out.push('\n');
        operator_table(&mut out, &self.rows);
        w.write_all(out.as_bytes())?;
        if self.opts.files {
            writeln!(w, "\nFILES ({} references)", self.file_lines.len())?;
            for l in &self.file_lines {
                w.write_all(l.as_bytes())?;
            }
        }
        Ok(())
    }
}

impl Fold<'_> for Text {
    type Part = Row;
    fn part(&self, op: &OperatorState<'_>) -> Row {
        Text::row(&self.opts, op, &self.labels)
    }
    fn absorb(&mut self, row: Row) {
        self.push(row);
    }
}

/// Writes what [`crate::inspect::inspect_with`] found, with `text` as its fold: the report,
/// and after it, when a lossy decode met damage, where decoding stopped.
pub fn write_inspection(
    w: &mut dyn io::Write,
    mut text: Text,
    inspection: &Inspection<'_>,
) -> io::Result<()> {
    if let Some(e) = &inspection.error {
        text.stopped_at(e);
    }
    text.write(
        w,
        &inspection.path,
        &inspection.metadata,
        &inspection.summary,
    )?;
    if let Some(e) = &inspection.error {
        write!(
            w,
            "\nDAMAGED     decoding stopped: {e}\n            the {} operator(s) above were decoded before it; the rest of the file is unread\n",
            inspection.operators
        )?;
    }
    Ok(())
}

fn header(
    out: &mut String,
    path: &str,
    md: &Metadata<'_>,
    s: &Summary,
    totals: (usize, usize, i64),
    damage: Option<&crate::format::Error>,
) {
    let (operators, with_state, state_size) = totals;
    let releases = md
        .version
        .written_by()
        .map_or_else(String::new, |r| format!(", written by Flink {r}"));
    let _ = writeln!(out, "snapshot    {path} ({})", human_bytes(md.len as i64));
    let _ = writeln!(out, "metadata    {}{releases}", md.version);
    let _ = writeln!(out, "checkpoint  {}", md.checkpoint_id);
    let kind = match (&s.kind, &md.properties) {
        (Some(k), Some(_)) => match &s.format {
            Some(f) => format!(
                "{}, {} (recorded in the file)",
                k.value.as_str(),
                f.value.as_str()
            ),
            None => format!("{} (recorded in the file)", k.value.as_str()),
        },
        (Some(k), None) => match &s.format {
            Some(f) => format!(
                "{}, {} (inferred: {})",
                k.value.as_str(),
                f.value.as_str(),
                k.evidence.join("; ")
            ),
            None => format!("{} (inferred: {})", k.value.as_str(), k.evidence.join("; ")),
        },
        (None, _) if md.version.has_properties() => {
            format!("unknown ({})", unread_trailer(md, damage))
        }
        (None, _) => "unknown (metadata before V4 does not record it)".to_string(),
    };
    let _ = writeln!(out, "kind        {kind}");
    if let Some(b) = &s.backend {
        let _ = writeln!(
            out,
            "backend     {} (inferred: {})",
            b.value.as_str(),
            b.evidence.join("; ")
        );
    } else {
        let _ = writeln!(out, "backend     none (no keyed state)");
    }
    if let Some(m) = &s.mode {
        let _ = writeln!(
            out,
            "mode        {} ({})",
            m.value.as_str(),
            m.evidence.join("; ")
        );
    }
    if s.has_channel_state {
        let _ = writeln!(
            out,
            "in-flight   unaligned checkpoint: channel state present"
        );
    }
    let _ = writeln!(
        out,
        "state       {} in {} operators ({} with state)",
        human_bytes(state_size),
        operators,
        with_state
    );
    if !md.master_states.is_empty() {
        let names: Vec<String> = md.master_states.iter().map(|m| text(&m.name)).collect();
        let _ = writeln!(out, "master      {}", names.join(", "));
    }
    if md.trailing_bytes > 0 {
        let _ = writeln!(
            out,
            "warning     {} bytes after the end of the metadata (Flink ignores them)",
            md.trailing_bytes
        );
    }
}

/// Why a V4+ file's `CheckpointProperties` trailer, which records the snapshot kind, is missing.
fn unread_trailer(md: &Metadata<'_>, damage: Option<&crate::format::Error>) -> String {
    use crate::format::ErrorKind;
    let Some(e) = damage else {
        return "the CheckpointProperties trailer that records it was not read".into();
    };
    let in_trailer = e.context().next() == Some("checkpoint properties");
    match e.kind() {
        ErrorKind::Truncated { .. } => format!(
            "the CheckpointProperties trailer that records it could not be read: the file ends at offset {:#x}{}",
            md.len,
            if in_trailer { ", inside the trailer" } else { ", before the trailer" }
        ),
        _ if in_trailer => format!(
            "the CheckpointProperties trailer that records it is unreadable at offset {:#x}",
            e.offset()
        ),
        _ => format!(
            "the CheckpointProperties trailer that records it was not reached: decoding stopped at offset {:#x}",
            e.offset()
        ),
    }
}

fn short_kind(class: &str) -> &str {
    class.strip_suffix("StateHandle").unwrap_or(class)
}

/// One operator's table row and, with `--subtasks`, its subtask lines.
fn operator_row(
    op: &OperatorState<'_>,
    labels: &UidLabels,
    with_subtasks: bool,
) -> ([String; 7], Vec<String>) {
    let label = match (uid_of(op, labels), &op.name) {
        (Some((u, UidSource::Metadata)), _) => u,
        (Some((u, UidSource::User)), _) => format!("{u} (--uid)"),
        (None, Some(n)) => format!("[{}]", text(n)),
        (None, None) => "-".into(),
    };
    let contents = analysis::operator_contents(op);
    let mut kinds: BTreeSet<&str> = contents
        .handle_classes
        .iter()
        .map(|c| short_kind(c))
        .collect();
    if op.coordinator.is_some() {
        kinds.insert("coordinator");
    }
    let mut states: Vec<String> = contents
        .state_names
        .into_iter()
        .map(|(name, mode)| {
            format!(
                "{} ({})",
                text(&JavaStr(name)),
                mode_short(DistributionMode(mode))
            )
        })
        .collect();
    states.sort();
    states.dedup();
    let size = if op.fully_finished {
        "finished".to_string()
    } else {
        human_bytes(op.state_size())
    };
    let row = [
        label,
        op.id.to_hex(),
        op.parallelism.to_string(),
        op.max_parallelism.to_string(),
        size,
        if kinds.is_empty() {
            "-".into()
        } else {
            kinds.into_iter().collect::<Vec<_>>().join(", ")
        },
        if states.is_empty() {
            "-".into()
        } else {
            states.join(", ")
        },
    ];
    let mut subs = Vec::new();
    if with_subtasks {
        for st in &op.subtasks {
            subs.push(subtask_line(st));
        }
        if let Some(c) = analysis::key_group_coverage(op) {
            if !c.complete {
                let fmt = |v: &[KeyGroupRange]| {
                    v.iter()
                        .map(|r| format!("{}-{}", r.start, r.end))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                subs.push(format!(
                    "  key groups: missing [{}] overlapping [{}] out of range [{}]",
                    fmt(&c.missing),
                    fmt(&c.overlapping),
                    fmt(&c.out_of_range)
                ));
            }
        }
    }
    (row, subs)
}

fn operator_table(out: &mut String, rows: &[([String; 7], Vec<String>)]) {
    let headers = [
        "OPERATOR",
        "ID",
        "PAR",
        "MAXP",
        "STATE",
        "HANDLES",
        "OPERATOR STATES",
    ];
    let mut widths = headers.map(str::len);
    for (r, _) in rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[&str]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            if i == cells.len() - 1 {
                s.push_str(c);
            } else if (2..=4).contains(&i) {
                let _ = write!(s, "{}{}  ", " ".repeat(pad), c);
            } else {
                let _ = write!(s, "{}{}  ", c, " ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", s.trim_end());
    };
    line(out, &headers);
    for (r, subs) in rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(out, &cells);
        for s in subs {
            let _ = writeln!(out, "{s}");
        }
    }
}

fn mode_short(m: DistributionMode) -> &'static str {
    match m.0 {
        0 => "split",
        1 => "union",
        2 => "broadcast",
        _ => "unknown mode",
    }
}

fn subtask_line(st: &SubtaskState<'_>) -> String {
    if st.finished {
        return format!("  #{:<4} finished", st.index);
    }
    let mut parts = Vec::new();
    if let Some(r) = st
        .managed_keyed
        .as_ref()
        .or(st.raw_keyed.as_deref())
        .map(|h| h.key_groups())
    {
        parts.push(if r.is_empty() {
            "key groups empty".to_string()
        } else {
            format!("key groups {}-{}", r.start, r.end)
        });
    }
    for h in st.managed_keyed.iter().chain(st.raw_keyed.as_deref()) {
        parts.push(format!(
            "{} {}",
            short_kind(h.class_name()),
            human_bytes(h.state_size())
        ));
    }
    for h in st.managed_operator.iter().chain(st.raw_operator.as_deref()) {
        parts.push(format!(
            "{} {}",
            short_kind(h.class_name()),
            human_bytes(h.state_size())
        ));
    }
    if !st.input_channels.is_empty() || !st.output_channels.is_empty() {
        let ch = sum_sizes(
            st.input_channels
                .iter()
                .chain(st.output_channels.iter())
                .map(|c| c.state_size),
        );
        parts.push(format!(
            "channels {} in / {} out {}",
            st.input_channels.len(),
            st.output_channels.len(),
            human_bytes(ch)
        ));
    }
    format!(
        "  #{:<4} {:>10}  {}",
        st.index,
        human_bytes(st.state_size()),
        if parts.is_empty() {
            "no state".into()
        } else {
            parts.join(", ")
        }
    )
}

fn file_line(r: &analysis::Reference<'_>) -> String {
    let place = match r.subtask {
        Some(i) => format!("{}#{}", &r.operator.to_hex()[..8], i),
        None => r.operator.to_hex()[..8].to_string(),
    };
    let (storage, path) = match r.file {
        FileRef::Absolute(p) => ("absolute", text(&p)),
        FileRef::Relative(p) => ("relative", text(&p)),
        FileRef::Inline => ("inline", String::new()),
        FileRef::Segment { path, start } => ("segment", format!("{} @{start}", text(&path))),
    };
    format!(
        "  {place:<12} {:<16} {storage:<8} {:>10}  {path}\n",
        r.role.as_str(),
        human_bytes(r.size)
    )
}
