//! `state_files_missing`: files the snapshot references that are not there.

use super::{Rule, RuleInfo};
use crate::check::{Context, Severity, Sink, StateFiles};

pub(in crate::check) const RULE: Rule = Rule {
    info: RuleInfo {
        id: "state_files_missing",
        severity: Severity::Error,
        summary: "a state file the snapshot references is missing or shorter than recorded",
        explanation: "\
A snapshot is its _metadata file and the state files it references: relative ones beside it
(savepoints), absolute ones under the job's checkpoint directory (shared/ files of incremental
checkpoints, chk-N/ files, file-merging segments), wherever Flink wrote them. Every one is read
when the tasks restore, so a missing or truncated file fails the restore, or, with a restart
strategy, makes the job loop in RESTARTING. flinspect checks each referenced file as `scan` does
(it exists, with at least the recorded size or segment end), after inferring where a moved tree's
recorded absolute paths live now. No restore with a missing file is recorded in testdata/, so
there is no recorded Flink message for this case (the exception is the file system's, e.g.
java.io.FileNotFoundException naming the path); the files' existence is what is checked.

When none of the referenced files is found (only _metadata was copied), or they are on remote
storage, they are not checked: that is listed under \"not checked\", and the verdict speaks only
of the job's shape.",
        flink_error: None,
        other_flink_errors: &[],
        help: "restore from a complete copy of the snapshot (every file it references, at the recorded paths or mounted at a prefix), or from another retained checkpoint or savepoint; `flinspect scan` lists the newest restorable one",
    },
    check,
};

/// What `check` says about the state files when it does not report them as a finding: the
/// "not checked" lines, if any.
pub fn describe_state_files(files: Option<&StateFiles>) -> Vec<String> {
    let Some(f) = files else {
        return vec!["state files: not looked at (only _metadata was read)".into()];
    };
    let mut out = Vec::new();
    if f.referenced > 0 && f.found == 0 && f.inaccessible.is_empty() {
        out.push(format!(
            "state files: none of the {} file(s) the snapshot references was found beside _metadata or at its recorded path (only _metadata copied?); a restore needs them all: give the whole snapshot directory (for a checkpoint, the job's directory with shared/) to have them checked",
            f.referenced
        ));
    }
    if !f.unmapped.is_empty() {
        out.push(format!(
            "state files: {} reference(s) to remote storage not checked (e.g. {})",
            f.unmapped.len(),
            f.unmapped[0]
        ));
    }
    if !f.inaccessible.is_empty() {
        out.push(format!(
            "state files: {} file(s) could not be examined (e.g. {})",
            f.inaccessible.len(),
            f.inaccessible[0]
        ));
    }
    out
}

fn check(cx: &Context<'_, '_>, out: &mut Sink) {
    let files = cx.options.state_files.as_ref();
    for line in describe_state_files(files) {
        out.not_checked(line, false);
    }
    let Some(f) = files else { return };
    // Nothing found at all: a copy of _metadata alone, not a broken snapshot.
    if f.broken.is_empty() || (f.found == 0 && f.inaccessible.is_empty()) {
        return;
    }
    let mut finding = cx.finding(
        &RULE.info,
        None,
        format!(
            "{} of the {} state file(s) the snapshot references are missing or shorter than recorded, e.g. {} ({})",
            f.broken.len(),
            f.referenced,
            f.broken[0].1,
            f.broken[0].0
        ),
    );
    for (what, path) in f.broken.iter().skip(1).take(9) {
        finding.notes.push(format!("{what}: {path}"));
    }
    if f.broken.len() > 10 {
        finding.notes.push(format!(
            "… and {} more (`flinspect scan` lists them all)",
            f.broken.len() - 10
        ));
    }
    for m in &f.inferred_maps {
        finding.notes.push(format!(
            "recorded paths were read through the inferred --map {m} (the tree moved since Flink wrote it)"
        ));
    }
    finding.notes.push(
        "the tasks fail while restoring when they open the file; with a restart strategy the job loops in RESTARTING".into(),
    );
    out.push(finding);
}
