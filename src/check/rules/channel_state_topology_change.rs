//! `channel_state_topology_change`: in-flight data of an unaligned checkpoint, and a changed
//! topology.

use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "channel_state_topology_change",
        severity: Severity::Error,
        summary: "unaligned checkpoint with in-flight data, and the job's topology changed",
        explanation: "\
An unaligned checkpoint stores the records that were in flight between operators (input channel
and result subpartition state). Restoring them needs a mapping from the old channels to the new
ones: an operator added or removed, or a changed parallelism, changes the channels the data
belongs to. Flink redistributes in-flight data on rescaling only for some exchanges, and a
removed operator's in-flight data cannot be dropped without losing records.
flinspect has no recorded Flink message for these cases (no recorded run), and conservatively
reports any topology change with in-flight data as an error; the fix below always works.",
        flink_error: None,
        help: "restore this checkpoint with the unchanged job, then take a savepoint (savepoints are always aligned and hold no in-flight data) and restore the changed job from it",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    if !cx.summary.has_channel_state {
        return;
    }
    let mut changes = Vec::new();
    for op in &cx.md.operators {
        match cx.claimant(op) {
            None => changes.push(format!("operator {} removed", cx.snapshot_ref(op).label())),
            Some(j) => match cx.job.parallelism_of(j) {
                Some(p) if i64::from(p) != i64::from(op.parallelism) => changes.push(format!(
                    "operator {} parallelism {} -> {p}",
                    cx.snapshot_ref(op).label(),
                    op.parallelism
                )),
                Some(_) => {}
                None => out.not_checked(
                    format!(
                        "whether operator {} keeps its parallelism (the job gives none) while the snapshot holds in-flight data",
                        cx.snapshot_ref(op).label()
                    ),
                    true,
                ),
            },
        }
    }
    for j in &cx.job.operators {
        if cx.md.operator(&j.id).is_none() {
            changes.push(format!("operator {} added", cx.job_ref(j).label()));
        }
    }
    if changes.is_empty() {
        return;
    }
    let bytes: i64 = cx
        .md
        .operators
        .iter()
        .flat_map(|o| o.channel_handles())
        .map(|c| c.state_size)
        .fold(0i64, i64::wrapping_add);
    let mut f = cx.finding(
        &RULE.info,
        None,
        format!(
            "the snapshot holds in-flight data of an unaligned checkpoint ({}) and the topology changed ({} change{})",
            crate::units::human_bytes(bytes),
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        ),
    );
    f.notes = changes;
    out.push(f);
}
