//! `keyed_handle_unsupported`: a V3 snapshot with keyed handle codes older releases do not know.

use std::collections::BTreeSet;

use super::{Rule, RuleInfo};
use crate::check::job::FlinkVersion;
use crate::check::{Context, Severity, Sink};
use crate::model::{HandleCode, MetadataVersion};

/// The release that introduced keyed handle codes 11 and 12 within metadata V3.
const CODES_11_12_SINCE: FlinkVersion = FlinkVersion::new(1, 15);

pub(super) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "keyed_handle_unsupported",
        severity: Severity::Error,
        summary:
            "a V3 snapshot uses keyed handle codes (11, 12) that Flink before 1.15 cannot read",
        explanation: "\
Flink 1.15 kept metadata version V3 but added keyed state handle codes 11
(IncrementalRemoteKeyedStateHandle with a checkpointed size and handle id) and 12
(KeyGroupsStateHandle with a handle id). Flink 1.11 – 1.14 read V3 files but not these codes, so
a snapshot written by 1.15 fails to load on 1.13 or 1.14 even though its version number is one
they accept.",
        flink_error: Some("Reading invalid KeyedStateHandle, type: %d"),
        other_flink_errors: &[],
        help: "restore with Flink 1.15 or newer",
    },
    check,
};

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    if cx.md.version > MetadataVersion::V3 {
        return;
    }
    let codes: BTreeSet<u8> = cx
        .md
        .operators
        .iter()
        .flat_map(|o| o.keyed_handles())
        .map(|h| h.code())
        .filter(|c| *c == HandleCode::INCREMENTAL_KEY_GROUPS_V2 || *c == HandleCode::KEY_GROUPS_V2)
        .map(|c| c.0)
        .collect();
    let Some(&first) = codes.iter().next() else {
        return;
    };
    let Some(target) = cx.job.flink_version else {
        out.not_checked(
            "keyed handle codes 11/12 of this V3 snapshot need Flink 1.15 or newer (the job does not state flink-version)",
            false,
        );
        return;
    };
    if target.lowest >= CODES_11_12_SINCE {
        return;
    }
    let mut f = cx.finding(
        &RULE.info,
        None,
        format!(
            "the snapshot uses keyed handle code(s) {:?}, which Flink reads from {CODES_11_12_SINCE}; the new job runs on {target}",
            codes
        ),
    );
    if target.highest >= CODES_11_12_SINCE {
        f.severity = Severity::Warning;
    }
    f.flink_error = Some(RULE.info.flink_message(&[&first]));
    out.push(f);
}
