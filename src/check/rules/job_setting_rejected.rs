//! `job_setting_rejected`: a job that Flink will not start at all, whatever the snapshot.

use super::{Rule, RuleInfo};
use crate::check::{Context, OperatorRef, Severity, Sink};
use crate::model::keygroups::UPPER_BOUND_MAX_PARALLELISM;

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "job_setting_rejected",
        severity: Severity::Error,
        summary: "a parallelism or max parallelism the new job cannot run with",
        explanation: "\
Some settings make a job that Flink will not start, with or without a snapshot and with or
without --allowNonRestoredState. This is not a malformed job description: it is a job that will
not start, so flinspect reports it as a finding with Flink's message.

- A parallelism above the operator's explicit max parallelism (set on the operator or job-wide):
  the scheduler refuses the vertex when it builds the execution graph (ExecutionJobVertex, in
  every release 1.13 - 2.3): \"Vertex …'s parallelism (129) is higher than the max parallelism
  (128). Please lower the parallelism or increase the max parallelism.\" Flink names the vertex
  (its chained operators' names); flinspect names the operator.
- A max parallelism outside 1 - 32768 (KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM): the
  job's main() fails in setMaxParallelism (\"Maximum parallelism must be between 1 and 32768.
  Found: …\"), so no job is submitted.
- A parallelism below 1: setParallelism rejects it in main().

No run with these settings is recorded in testdata/: the messages are taken from Flink's source
(ExecutionJobVertex's constructor; Transformation.setMaxParallelism's precondition), not from a
recorded restore.",
        flink_error: Some(
            "Vertex %s's parallelism (%s) is higher than the max parallelism (%s). Please lower the parallelism or increase the max parallelism.",
        ),
        other_flink_errors: &[
            "Maximum parallelism must be between 1 and %d. Found: %d",
        ],
        help: "set a parallelism of at most the max parallelism, or raise the explicit max parallelism (only before the first snapshot: it is fixed for the state's lifetime); max parallelism must be within 1 - 32768",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let job = cx.job;
    if let Some(m) = job.max_parallelism {
        if m == 0 || m > UPPER_BOUND_MAX_PARALLELISM {
            let mut f = cx.finding(
                &RULE.info,
                None,
                format!("the job-wide max parallelism {m} is outside Flink's range 1..={UPPER_BOUND_MAX_PARALLELISM}"),
            );
            f.flink_error = Some(
                RULE.info
                    .other_flink_message(0, &[&UPPER_BOUND_MAX_PARALLELISM, &m]),
            );
            f.notes
                .push("the job's main() fails before anything is submitted".into());
            out.push(f);
        }
    }
    if job.parallelism == Some(0) {
        let mut f = cx.finding(
            &RULE.info,
            None,
            "the job-wide parallelism 0 is below 1".into(),
        );
        f.notes
            .push("the job's main() fails before anything is submitted".into());
        out.push(f);
    }
    for op in &job.operators {
        let r = cx.job_ref(op);
        if let Some(m) = op.max_parallelism {
            if m == 0 || m > UPPER_BOUND_MAX_PARALLELISM {
                let mut f = cx.finding(
                    &RULE.info,
                    Some(r.clone()),
                    format!(
                        "operator {} sets max parallelism {m}, outside Flink's range 1..={UPPER_BOUND_MAX_PARALLELISM}",
                        r.label()
                    ),
                );
                f.flink_error = Some(
                    RULE.info
                        .other_flink_message(0, &[&UPPER_BOUND_MAX_PARALLELISM, &m]),
                );
                f.notes
                    .push("the job's main() fails before anything is submitted".into());
                out.push(f);
                continue;
            }
        }
        if op.parallelism == Some(0) {
            let mut f = cx.finding(
                &RULE.info,
                Some(r.clone()),
                format!("operator {} has parallelism 0", r.label()),
            );
            f.notes
                .push("the job's main() fails before anything is submitted".into());
            out.push(f);
            continue;
        }
        let (Some(p), Some(m)) = (
            job.parallelism_of(op),
            job.max_parallelism_of(op).explicit(),
        ) else {
            continue;
        };
        if p <= m || m == 0 || m > UPPER_BOUND_MAX_PARALLELISM {
            continue;
        }
        let mut f = cx.finding(
            &RULE.info,
            Some(r.clone()),
            format!(
                "operator {} would run with parallelism {p}, above its explicit max parallelism {m}",
                r.label()
            ),
        );
        if op.parallelism.is_none() && op.max_parallelism.is_none() {
            f.group = Some(crate::check::Group {
                key: format!("job {p} over {m}"),
                message: format!(
                    "the job's parallelism {p} is above its job-wide max parallelism {m}, for {{n}} operators"
                ),
            });
        }
        f.flink_error = Some(RULE.info.flink_message(&[&vertex_name(&r), &p, &m]));
        f.notes.push(
            "Flink refuses the job when it builds the execution graph, with or without a snapshot and with or without --allowNonRestoredState".into(),
        );
        out.push(f);
    }
}

/// How Flink names the vertex in its message: the chained operators' names; the job file knows
/// this operator's only.
fn vertex_name(r: &OperatorRef) -> String {
    r.name
        .clone()
        .or_else(|| r.uid.clone())
        .unwrap_or_else(|| r.id.to_hex())
}
