//! `metadata_version_unsupported`: the target Flink release cannot read the snapshot's metadata
//! version.

use super::{Rule, RuleInfo};
use crate::check::job::first_reader;
use crate::check::{Context, Severity, Sink};

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "metadata_version_unsupported",
        severity: Severity::Error,
        summary: "the new job's Flink release cannot read the snapshot's metadata version",
        explanation: "\
The _metadata file starts with a format version (MetadataSerializers). Each Flink release reads
the versions up to the one it writes: V3 is read from 1.11, V4 from 1.16, V5 from 2.0, V6 from
2.1. A snapshot taken by a newer Flink cannot be restored by an older one (a downgrade), and
versions no current release reads (V1) cannot be restored at all. Flink fails at submission,
while loading the metadata. With --against, the new job's release is the range that writes the
other snapshot's version; a warning means only part of that range can read it.",
        flink_error: Some("Unrecognized checkpoint version number: %d"),
        other_flink_errors: &[],
        help: "restore with a Flink release that reads this version (at least the one that wrote it); to go back to an older release, take a savepoint with the older release's job before the upgrade",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let Some(target) = cx.job.flink_version else {
        out.not_checked(
            "the snapshot's metadata version against the new job's Flink release (the job does not state flink-version)",
            false,
        );
        return;
    };
    let v = cx.md.version;
    let written = v
        .written_by()
        .map_or_else(String::new, |w| format!(", written by Flink {w}"));
    let (severity, msg) = match first_reader(v) {
        None => (
            Severity::Error,
            format!("metadata version {v}{written} is not read by any current Flink release"),
        ),
        Some(first) if first > target.highest => (
            Severity::Error,
            format!("metadata version {v}{written} needs Flink {first} or newer; the new job runs on {target}"),
        ),
        Some(first) if first > target.lowest => (
            Severity::Warning,
            format!("metadata version {v}{written} needs Flink {first} or newer; the new job runs on {target}, of which only {first} and newer read it"),
        ),
        Some(_) => return,
    };
    let mut f = cx.finding(&RULE.info, None, msg);
    f.severity = severity;
    f.flink_error = Some(RULE.info.flink_message(&[&v.0]));
    out.push(f);
}
