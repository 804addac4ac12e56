//! `channel_state_dropped`: an operator that held in-flight data of an unaligned checkpoint is
//! gone, and allowNonRestoredState drops its buffers.

use super::channel_state_topology_change::{channel_bytes, describe_bytes, holds};
use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink};
use crate::model::ChannelDirection;

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "channel_state_dropped",
        severity: Severity::Error,
        summary: "in-flight data of a removed operator is dropped (allowNonRestoredState)",
        explanation: "\
An operator's state includes the in-flight data an unaligned checkpoint stored for it: as the head
of a task its input channels' buffers, as the tail its unsent output buffers. Removing such an
operator blocks the restore without allowNonRestoredState even when it had no other state
(unmapped_state: \"Cannot map checkpoint/savepoint state for operator …\"). With
allowNonRestoredState Flink drops the buffers without a word (StateAssignmentOperation assigns
only the operators of the new job). What happens next was recorded (testdata/restore, cases
ua-stateful-removed-allow and ua-pre-removed-allow, Flink 1.20.3, 2.1.1 and 2.3.0): the
dropped operator was the tail of its task, so its unsent buffers were the second half of the
records whose first half the downstream task had already received and restores; that task
fails reading its recovered input: \"Can't get next record for channel
InputChannelInfo{gateIdx=…, inputChannelIdx=…}\" (java.io.EOFException; 1.20.3, 2.3.0) or
\"Serializer consumed more bytes than the record had. …\" (IndexOutOfBoundsException; 2.1.1).
Where the removed operator sat between two exchanges (ua-pre-removed-allow), its upstream's
restored output buffers, partitioned for the removed operator, now go to the next operator
through another exchange: in 2.1.1 and 2.3.0 the keyed operator failed first on a misplaced
record (\"Key group 94 is not in KeyGroupRange{…}\"), in 1.20.3 with the EOFException. No such
restore went through. flinspect
reports this as an error when a removed operator held unsent output buffers and an operator of
the new job holds received input buffers (the snapshot does not record which task consumed
which; the recorded cases had exactly this shape). When a removed operator held only received
input buffers, or no operator of the new job holds received buffers, the records are dropped
silently: a warning that says how many bytes.",
        flink_error: Some("Can't get next record for channel InputChannelInfo{gateIdx=%d, inputChannelIdx=%d}"),
        other_flink_errors: &[],
        help: "restore this checkpoint with the unchanged job, then take a savepoint (no in-flight data) and restore the job without the operator from it",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    if !cx.summary.has_channel_state || !cx.allow_non_restored_state {
        // without allowNonRestoredState the removed operator blocks the restore: unmapped_state
        return;
    }
    let receivers: Vec<String> = cx
        .claimed()
        .filter(|(o, _)| holds(o, ChannelDirection::Input))
        .map(|(o, _)| cx.snapshot_ref(o).label())
        .collect();
    for op in &cx.md.operators {
        if cx.claimant(op).is_some() || op.channel_handles().next().is_none() {
            continue;
        }
        let (input, output) = channel_bytes(op);
        let r = cx.snapshot_ref(op);
        let mut f = cx.finding(&RULE.info, Some(r.clone()), String::new());
        f.notes.push(format!(
            "in-flight data of {} dropped: {}",
            r.label(),
            describe_bytes(input, output)
        ));
        if holds(op, ChannelDirection::Output) && !receivers.is_empty() {
            f.message = format!(
                "operator {} is removed and its unsent output buffers ({}) are dropped (--allow-non-restored-state): the downstream task restores the first half of records whose second half is gone, and fails reading its recovered input",
                r.describe(),
                crate::units::human_bytes(output)
            );
            f.notes.push(format!(
                "operators of the new job that restore received in-flight buffers: {}",
                receivers.join(", ")
            ));
            f.notes.push("Flink fails the task after submission with \"Can't get next record for channel InputChannelInfo{gateIdx=…, inputChannelIdx=…}\" (java.io.EOFException) or \"Serializer consumed more bytes than the record had. …\", or, when restored output buffers of another operator now reach a keyed operator, \"Key group … is not in KeyGroupRange{…}\"; recorded in Flink 1.20.3, 2.1.1 and 2.3.0".into());
        } else {
            f.severity = Severity::Warning;
            f.message = format!(
                "operator {} is removed and its in-flight records ({}) are dropped without a word (--allow-non-restored-state)",
                r.describe(),
                crate::units::human_bytes(input.wrapping_add(output))
            );
        }
        out.push(f);
    }
}
