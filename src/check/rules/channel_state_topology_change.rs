//! `channel_state_topology_change`: in-flight data of an unaligned checkpoint, and a job whose
//! parallelism or operators changed. What Flink does with the in-flight buffers, and what a job
//! file cannot tell (partitioners, chaining).

use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink};
use crate::model::{ChannelDirection, OperatorState};
use crate::units::human_bytes;

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "channel_state_topology_change",
        severity: Severity::Warning,
        summary: "unaligned checkpoint with in-flight data, and a changed parallelism or an added operator",
        explanation: "\
An unaligned checkpoint stores the records that were in flight between tasks: the head operator
of a task holds its input channels' buffers (InputChannelStateHandle), the tail operator its
unsent output buffers (ResultSubpartitionStateHandle). Flink (StateAssignmentOperation,
TaskStateAssignment; the same logic in 1.20.3, 2.1.1 and 2.3.0) restores them as follows, and
flinspect's restore ground truth (testdata/restore, cases ua-*) recorded each:
- parallelism unchanged on both sides of an exchange: the buffers go back 1:1, with no check of
  the partitioner. Partitioner changed from rebalance to keyBy: the recovered records reach
  subtasks that may not own their key; the first such record fails the keyed operator behind
  the exchange (\"Key group 94 is not in KeyGroupRange{startKeyGroup=0, endKeyGroup=63}. …\",
  recorded in 2.3.0; key group 126 in 2.1.1); 1.20.3 restored (its checkpoint held only 324
  bytes on that edge): whether it fails depends on the records in flight. Changed to rescale (or forward without chaining): the old subpartition and channel indexes no longer
  exist and a task fails restoring its buffers (recorded: java.lang.ArrayIndexOutOfBoundsException:
  Index 1 out of bounds for length 1, for the upstream's result subpartition 1 in 1.20.3 and
  2.3.0, for the downstream's input channel 1 in 2.1.1). With a parallelism change as well, a
  keyBy exchange filters the recovered records by key group and restores (recorded).
- parallelism changed on either side of a keyBy or rebalance exchange: Flink maps the buffers by
  the partitioner of the new job (keyBy: key-group ranges, records filtered per subtask;
  rebalance/shuffle: round robin; global: first subtask; custom: all) and restores (recorded:
  raised and lowered on each side of both). A forward, rescale or broadcast partitioner cannot
  be rescaled: \"Cannot rescale the given pointwise partitioner.\" at submission, with or without
  allowNonRestoredState (recorded: rebalance changed to rescale together with a parallelism
  change).
- an exchange that held in-flight data and is now chained (an operator inserted so that the old
  head or tail of a task is no longer its head or tail): \"Cannot recover from unaligned
  checkpoint when topology changes, such that data exchanges with persisted data are now
  chained.\" at submission, with or without allowNonRestoredState (recorded).
- unaligned checkpoints switched off in the new job: restored (recorded), the in-flight data is
  recovered as usual.
Since 1.13 an operator with a forward, rescale or broadcast input takes aligned barriers on all
its inputs (StreamGraphGenerator), so only keyBy, rebalance/shuffle, global and custom exchanges
of the old job hold in-flight data; a job with a custom partitioner and unaligned checkpoints is
refused at submission unless they are forced (\"Unaligned checkpoints are currently not supported
for custom partitioners, as rescaling is not guaranteed to work correctly.\",
StreamingJobGraphGenerator; not recorded). A job file names neither partitioners nor chaining:
flinspect therefore lists the partitioners and chaining of the exchanges that hold in-flight data
as not checked (the verdict is at best \"unknown\"), and reports a changed parallelism (info) or an added operator (warning:
it may chain such an exchange). Not produced here: \"Cannot get old subtasks from a descriptor
that represents no state\", the regression of some 1.20 patch releases (a rescaled task with
several input gates of which only some hold data; the 1.20.3 source still throws it when asked
for the old subtasks of a gate without state, the 2.x sources return none; the recorded job has
one input gate per task), and releases 1.19 and earlier, which lack the per-gate mapping for
tasks with mixed exchanges (not recorded).
Removed operators that held in-flight data: see channel_state_dropped and unmapped_state.",
        flink_error: Some(
            "Cannot recover from unaligned checkpoint when topology changes, such that data exchanges with persisted data are now chained.\nThe following operators contain channel state: [%s]",
        ),
        other_flink_errors: &[],
        help: "restore this checkpoint with the unchanged job, then take a savepoint (savepoints are always aligned and hold no in-flight data) and restore the changed job from it",
    },
    check,
};

/// In-flight bytes of one operator: (input channels, result subpartitions).
pub(super) fn channel_bytes(op: &OperatorState<'_>) -> (i64, i64) {
    let mut input = 0i64;
    let mut output = 0i64;
    for c in op.channel_handles() {
        match c.direction {
            ChannelDirection::Input => input = input.wrapping_add(c.state_size),
            ChannelDirection::Output => output = output.wrapping_add(c.state_size),
        }
    }
    (input, output)
}

/// Whether an operator holds input-channel (head of a task) or result-subpartition (tail of a
/// task) state.
pub(super) fn holds(op: &OperatorState<'_>, d: ChannelDirection) -> bool {
    op.subtasks.iter().any(|s| match d {
        ChannelDirection::Input => !s.input_channels.is_empty(),
        ChannelDirection::Output => !s.output_channels.is_empty(),
    })
}

/// "12 KiB received (input channels) + 3 KiB unsent (result subpartitions)".
pub(super) fn describe_bytes(input: i64, output: i64) -> String {
    match (input > 0, output > 0) {
        (true, true) => format!(
            "{} received (input channels) and {} unsent (result subpartitions)",
            human_bytes(input),
            human_bytes(output)
        ),
        (true, false) => format!("{} received (input channels)", human_bytes(input)),
        (false, true) => format!("{} unsent (result subpartitions)", human_bytes(output)),
        (false, false) => "no bytes (empty channel handles)".to_string(),
    }
}

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    if !cx.summary.has_channel_state {
        return;
    }
    let holders: Vec<&OperatorState<'_>> = cx
        .md
        .operators
        .iter()
        .filter(|o| o.channel_handles().next().is_some())
        .collect();
    // The exchanges the new job still has: operators of the snapshot that it claims.
    let holder_list = holders
        .iter()
        .filter(|o| cx.claimant(o).is_some())
        .map(|o| {
            let (i, x) = channel_bytes(o);
            format!("{}: {}", cx.snapshot_ref(o).label(), describe_bytes(i, x))
        })
        .collect::<Vec<_>>()
        .join("; ");
    if holder_list.is_empty() {
        // every operator with in-flight data is gone: channel_state_dropped, unmapped_state
        return;
    }
    out.not_checked(
        format!(
            "the partitioners and chaining of the exchanges that hold in-flight data ({holder_list}): a job file does not describe them, and Flink fails the restore when such an exchange is now chained, becomes forward/rescale/broadcast, or (parallelism unchanged) loses channels; with the parallelism unchanged, a partitioner changed to keyBy sends recovered records to subtasks that may not own their key (the keyed operator then fails: \"Key group … is not in KeyGroupRange …\")"
        ),
        true,
    );

    let mut rescaled = Vec::new();
    for op in &cx.md.operators {
        let Some(j) = cx.claimant(op) else { continue };
        match cx.job.parallelism_of(j) {
            Some(p) if i64::from(p) != i64::from(op.parallelism) => rescaled.push(format!(
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
        }
    }
    let added: Vec<String> = cx
        .job
        .operators
        .iter()
        .filter(|j| cx.md.operator(&j.id).is_none())
        .map(|j| format!("operator {} added", cx.job_ref(j).label()))
        .collect();
    if rescaled.is_empty() && added.is_empty() {
        return;
    }
    let bytes: i64 = holders
        .iter()
        .map(|o| {
            let (i, x) = channel_bytes(o);
            i.wrapping_add(x)
        })
        .fold(0i64, i64::wrapping_add);
    let mut f = cx.finding(&RULE.info, None, String::new());
    if added.is_empty() {
        f.severity = Severity::Info;
        f.message = format!(
            "the snapshot holds in-flight data of an unaligned checkpoint ({}) and the parallelism changed: Flink re-distributes the buffers by the new job's partitioners (keyBy: by key-group range; rebalance/shuffle: round robin) and restores, unless an exchange that held data is now forward, rescale or broadcast",
            human_bytes(bytes)
        );
    } else {
        let heads_tails: Vec<String> = holders
            .iter()
            .filter(|o| cx.claimant(o).is_some())
            .map(|o| o.id.to_hex())
            .collect();
        f.message = format!(
            "the snapshot holds in-flight data of an unaligned checkpoint ({}) and the job adds {} operator{}: if {} chained next to an operator that held in-flight data, so that it is no longer the head (input data) or tail (output data) of its task, Flink refuses the restore, with or without allowNonRestoredState",
            human_bytes(bytes),
            added.len(),
            if added.len() == 1 { "" } else { "s" },
            if added.len() == 1 { "it is" } else { "one is" }
        );
        f.notes.push(format!(
            "Flink's message then: \"Cannot recover from unaligned checkpoint when topology changes, such that data exchanges with persisted data are now chained.\\nThe following operators contain channel state: [<id>]\", <id> one of {}",
            heads_tails.join(", ")
        ));
    }
    f.notes.extend(rescaled);
    f.notes.extend(added);
    f.notes.push(format!(
        "in-flight data of operators the new job keeps: {holder_list}"
    ));
    out.push(f);
}
