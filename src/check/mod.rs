//! `check`: can a new job restore from this snapshot? Flink's restore-time checks, predicted from
//! `_metadata` and a description of the new job, without a JVM.
//!
//! Entry point: [`check`] runs every rule of the catalogue ([`rules::RULES`]) over a decoded
//! snapshot and a [`Job`] and returns a [`Report`]. Each rule lives in its own file under
//! `src/check/rules/`, has a stable snake_case id that is never reused, a default severity, a
//! one-line summary, a long explanation, the Flink error it predicts and a fix.
//!
//! Architecture invariant: an incompatibility is a [`Finding`], never an `Err`. Errors are kept
//! for inputs flinspect cannot judge (a job file it cannot read); a snapshot that does not parse
//! never reaches this module, so a parse failure can never read as "compatible".
//!
//! What `check` does not see: state schemas and serializers (they live in the state files and
//! the job's classes). A "compatible" verdict means Flink's checks that depend on `_metadata`
//! and the job's shape pass; [`Report::not_checked`] lists what was not judged.

pub mod allow;
pub mod job;
pub mod rules;
pub mod upgrade;

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::analysis::{summarize, Summary};
use crate::model::{Metadata, OperatorId, OperatorState};

pub use crate::analysis::StateFiles;
pub use allow::{AllowEntry, AllowList};
pub use job::{FlinkVersion, FlinkVersions, Job, JobError, JobOperator, JobSource, StateBackend};
pub use rules::state_files_missing::describe_state_files;
pub use rules::{Rule, RuleInfo, RULES};

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; the restore goes on.
    Info,
    /// The restore goes on, but something is lost, or flinspect cannot be sure it works.
    Warning,
    /// Flink will refuse the restore or fail while restoring.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The operator a finding is about: its id, and its uid and name when known (from the snapshot
/// V5+, or from the job).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorRef {
    pub id: OperatorId,
    pub uid: Option<String>,
    pub name: Option<String>,
}

impl OperatorRef {
    /// `"uid" (name), id …` for messages, or just the id when neither uid nor name is known.
    pub fn describe(&self) -> String {
        match (&self.uid, &self.name) {
            (None, None) => self.id.to_hex(),
            (None, Some(n)) => format!("{} ({n})", self.id),
            (Some(_), _) => format!("{}, id {}", self.label(), self.id),
        }
    }

    /// `"uid" (name)` for messages, or the id when no uid is known.
    pub fn label(&self) -> String {
        let mut s = match &self.uid {
            Some(u) => format!("{u:?}"),
            None => format!("{}", self.id),
        };
        if let Some(n) = &self.name {
            if self.uid.as_deref() != Some(n.as_str()) {
                s.push_str(&format!(" ({n})"));
            }
        }
        s
    }
}

/// One prediction about the restore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable id.
    pub rule: &'static str,
    pub severity: Severity,
    pub operator: Option<OperatorRef>,
    /// What is wrong, in one sentence, with the values found.
    pub message: String,
    /// The message Flink will give, filled in with this case's values, when the rule predicts a
    /// failure and the message is known.
    pub flink_error: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    /// Further lines (what will be dropped, evidence).
    pub notes: Vec<String>,
    /// Every operator a grouped finding is about (see [`Finding::group`]); empty for a finding
    /// about one operator (`operator`) or the whole job.
    pub operators: Vec<OperatorRef>,
    /// Set by a rule when one cause produces this finding for many operators (a job-wide
    /// setting): findings of the same rule, severity and group key are reported once, with
    /// the group's message and every operator in `operators`.
    pub group: Option<Group>,
    /// Set when an `--allow` entry accepts this finding: its reason. An allowed finding is
    /// still reported but does not fail the check. Only warnings and infos are ever allowed
    /// (see [`Report::apply_allow_list`]).
    pub allowed: Option<String>,
}

/// How findings that share one cause are reported together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Findings with equal rule, severity and key are one.
    pub key: String,
    /// The message of the grouped finding (`{n}` is replaced by the number of operators).
    pub message: String,
}

/// Merges findings of the same rule, severity and group key into one, keeping the order of
/// the first; a group of one stays as it is.
fn group_findings(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut index: HashMap<(&'static str, Severity, String), usize> = HashMap::new();
    let mut members: Vec<usize> = Vec::new();
    for f in findings {
        let Some(g) = &f.group else {
            out.push(f);
            members.push(0);
            continue;
        };
        let key = (f.rule, f.severity, g.key.clone());
        match index.get(&key) {
            Some(&i) => {
                if let Some(o) = f.operator {
                    out[i].operators.push(o);
                }
                members[i] += 1;
            }
            None => {
                index.insert(key, out.len());
                let mut f = f;
                if let Some(o) = f.operator.clone() {
                    f.operators.push(o);
                }
                out.push(f);
                members.push(1);
            }
        }
    }
    for (f, n) in out.iter_mut().zip(members) {
        if n > 1 {
            let g = f.group.clone().unwrap_or(Group {
                key: String::new(),
                message: String::new(),
            });
            f.message = g.message.replace("{n}", &n.to_string());
            f.operator = None;
            let names: Vec<String> = f.operators.iter().map(|o| o.label()).collect();
            f.notes
                .insert(0, format!("affects {n} operators: {}", names.join(", ")));
            if f.flink_error.is_some() {
                f.notes
                    .push("Flink stops at the first operator it checks and names that one".into());
            }
        } else {
            f.operators.clear();
        }
    }
    out
}

/// Overall answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No finding at or above the failure threshold, and every check had its input.
    Compatible,
    /// A finding at or above the failure threshold: the restore will fail (or, with
    /// `--fail-on warning`, lose something).
    Incompatible,
    /// No finding at or above the threshold, but a check that matters could not run (see
    /// [`Report::not_checked`]).
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compatible => "compatible",
            Verdict::Incompatible => "incompatible",
            Verdict::Unknown => "unknown",
        }
    }
}

/// What `check` was asked, beyond the job.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// How Flink would name the snapshot in its messages (the path given).
    pub snapshot: String,
    /// `--allow-non-restored-state` given on the command line (overrides the job file).
    pub allow_non_restored_state: Option<bool>,
    /// What the state files showed about ambiguous V2/V3 key-group handles
    /// ([`crate::probe::key_groups_layout`]); `None` when not probed.
    pub key_groups_layout: Option<crate::analysis::Inferred<crate::analysis::KeyedLayout>>,
    /// How the new job will be restored (see [`RestorePath`]).
    pub restore_path: RestorePath,
    /// What was found of the files the snapshot references (`None`: not looked at, e.g. only
    /// `_metadata` was given to the library). The CLI fills it in with [`crate::scan`].
    pub state_files: Option<StateFiles>,
    /// The state meta information of the snapshot's operators, read from the headers of their
    /// state files ([`crate::scan::states::operator_states`]): findings that drop state name
    /// the states (name, kind), and the 1.x → 2.x upgrade rules judge their serializers
    /// ([`upgrade`]). `None`: not read; for such an upgrade that makes the verdict unknown,
    /// never compatible.
    pub states: Option<Vec<crate::model::state_meta::OperatorStates>>,
}

/// The way the new job is restored, which decides what Flink checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RestorePath {
    /// `-s` / `execution.state-recovery.path` (savepoint or retained checkpoint given to the
    /// job): `Checkpoints.loadAndValidateCheckpoint` validates first (max parallelism; state no
    /// operator claims, relaxed by allowNonRestoredState; operators without state skipped).
    #[default]
    Savepoint,
    /// From the HA store (JobManager failover; the Kubernetes operator's `last-state` upgrade):
    /// `CheckpointCoordinator.restoreInitialCheckpointIfPresent` passes allowNonRestoredState =
    /// false whatever the job says, and `StateAssignmentOperation` requires every operator of the
    /// checkpoint, with or without state, to be in the new job. Recorded with Flink 1.20.3, 2.1.1
    /// and 2.3.0 (testdata/restore, cases ha-*).
    Ha,
}

impl RestorePath {
    pub fn as_str(self) -> &'static str {
        match self {
            RestorePath::Savepoint => "savepoint",
            RestorePath::Ha => "ha",
        }
    }
}

/// Everything `check` found.
#[derive(Clone, Debug)]
pub struct Report {
    /// Sorted: severity (errors first), then rule id, then operator id.
    pub findings: Vec<Finding>,
    /// Checks that could not run for lack of input, and aspects no `_metadata` can show.
    pub not_checked: Vec<String>,
    /// Whether some `not_checked` entry concerns a check that can fail a restore (this makes
    /// the verdict "unknown" rather than "compatible").
    pub incomplete: bool,
    pub allow_non_restored_state: bool,
}

impl Report {
    /// The verdict for a failure threshold.
    pub fn verdict(&self, fail_on: Severity) -> Verdict {
        if self.blocking(fail_on).next().is_some() {
            Verdict::Incompatible
        } else if self.incomplete {
            Verdict::Unknown
        } else {
            Verdict::Compatible
        }
    }

    /// Findings that fail the check at this threshold (not allow-listed).
    pub fn blocking(&self, fail_on: Severity) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.severity >= fail_on && f.allowed.is_none())
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Marks findings an allow-list accepts; returns the entries that matched nothing.
    ///
    /// An allow-list entry is the user's decision to accept a consequence Flink lets happen
    /// (state dropped with allowNonRestoredState, an operator without uid, a warning), never a
    /// prediction that Flink accepts the job. So it applies to warnings and infos only: an
    /// error finding is a failure Flink enforces, and stays blocking whatever the allow-list
    /// says. Such a match is not silent either: the finding gets a note that the entry was not
    /// applied and how to make the restore pass, and the entry counts as used.
    pub fn apply_allow_list(&mut self, allow: &AllowList) -> Vec<AllowEntry> {
        let mut used = vec![false; allow.entries.len()];
        for f in &mut self.findings {
            for (i, e) in allow.entries.iter().enumerate() {
                if !e.matches(f) {
                    continue;
                }
                used[i] = true;
                if f.severity >= Severity::Error {
                    let how = match f.rule {
                        "unmapped_state" => "restore with --allowNonRestoredState (flinspect: --allow-non-restored-state, or `allow-non-restored-state: true` in the job file) to have Flink drop this state",
                        _ => "the restore passes only once the cause is fixed (see help)",
                    };
                    f.notes.push(format!(
                        "the allow-list entry for {} (\"{}\") was not applied: an allow-list accepts consequences Flink lets happen, and Flink refuses this restore whatever it says; {how}",
                        f.rule, e.reason
                    ));
                } else {
                    f.allowed = Some(e.reason.clone());
                }
                break;
            }
        }
        allow
            .entries
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(e, _)| e.clone())
            .collect()
    }
}

/// What every rule reads: the snapshot, the job, and which job operator claims which snapshot
/// operator.
pub struct Context<'m, 'a> {
    pub md: &'m Metadata<'a>,
    pub job: &'m Job,
    pub summary: Summary,
    pub options: &'m Options,
    /// `--allow-non-restored-state` as it applies (command line over job file).
    pub allow_non_restored_state: bool,
    claims: HashMap<OperatorId, usize>,
}

impl<'m, 'a> Context<'m, 'a> {
    pub fn new(md: &'m Metadata<'a>, job: &'m Job, options: &'m Options) -> Self {
        let mut claims = HashMap::new();
        for (i, o) in job.operators.iter().enumerate() {
            claims.entry(o.id).or_insert(i);
        }
        let location = std::path::Path::new(&options.snapshot)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        Context {
            md,
            job,
            summary: summarize(md, location.as_deref()),
            options,
            // The HA path passes false to Flink's checks whatever the job says.
            allow_non_restored_state: options.restore_path == RestorePath::Savepoint
                && options
                    .allow_non_restored_state
                    .unwrap_or(job.allow_non_restored_state),
            claims,
        }
    }

    /// The job operator that claims a snapshot operator.
    pub fn claimant(&self, op: &OperatorState<'_>) -> Option<&'m JobOperator> {
        self.claims.get(&op.id).map(|&i| &self.job.operators[i])
    }

    /// Snapshot operators with the job operator claiming each.
    pub fn claimed(&self) -> impl Iterator<Item = (&'m OperatorState<'a>, &'m JobOperator)> + '_ {
        self.md
            .operators
            .iter()
            .filter_map(move |o| self.claimant(o).map(|j| (o, j)))
    }

    /// A snapshot operator as a finding names it: uid and name from the file (V5+), else from
    /// the job operator that claims it.
    pub fn snapshot_ref(&self, op: &OperatorState<'_>) -> OperatorRef {
        let job = self.claimant(op);
        let uid = op
            .uid
            .as_ref()
            .map(|u| u.to_str().into_owned())
            .filter(|u| !u.is_empty())
            .or_else(|| job.and_then(|j| j.uid.clone()));
        let name = op
            .name
            .as_ref()
            .map(|n| n.to_str().into_owned())
            .filter(|n| !n.is_empty())
            .or_else(|| job.and_then(|j| j.name.clone()));
        OperatorRef {
            id: op.id,
            uid,
            name,
        }
    }

    /// A job operator as a finding names it.
    pub fn job_ref(&self, op: &JobOperator) -> OperatorRef {
        let snap = self.md.operator(&op.id);
        let name = op.name.clone().or_else(|| {
            snap.and_then(|s| s.name.as_ref())
                .map(|n| n.to_str().into_owned())
                .filter(|n| !n.is_empty())
        });
        OperatorRef {
            id: op.id,
            uid: op.uid.clone(),
            name,
        }
    }

    /// A finding of `rule` at its default severity.
    pub fn finding(
        &self,
        rule: &RuleInfo,
        operator: Option<OperatorRef>,
        message: String,
    ) -> Finding {
        Finding {
            rule: rule.id,
            severity: rule.severity,
            operator,
            message,
            flink_error: None,
            help: Some(rule.help.to_string()),
            notes: Vec::new(),
            operators: Vec::new(),
            group: None,
            allowed: None,
        }
    }
}

/// What a rule reports besides findings: a check it could not run.
#[derive(Default)]
pub struct Sink {
    pub findings: Vec<Finding>,
    pub not_checked: Vec<(String, bool)>,
}

impl Sink {
    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// A check that could not run. `matters`: a failure it would predict is possible, so the
    /// verdict cannot be "compatible".
    pub fn not_checked(&mut self, what: impl Into<String>, matters: bool) {
        self.not_checked.push((what.into(), matters));
    }
}

/// The aspect no `_metadata` can judge, always listed.
pub const SCHEMA_NOT_CHECKED: &str = "state schema and serializer compatibility (state names, types, serializers live in the state files and the job's classes, not in _metadata)";

/// Runs every rule of the catalogue.
pub fn check(md: &Metadata<'_>, job: &Job, options: &Options) -> Report {
    let cx = Context::new(md, job, options);
    let mut sink = Sink::default();
    for rule in RULES {
        (rule.check)(&cx, &mut sink);
    }
    upgrade::not_checked(&cx, &mut sink);
    report(sink, cx.allow_non_restored_state)
}

/// The report of what rules put in `sink`: findings of one job-wide cause grouped, sorted
/// (errors first, then rule id, operator id, message), and the not-checked list with the state
/// schemas always last. Shared by `check` and `diff`.
pub fn report(sink: Sink, allow_non_restored_state: bool) -> Report {
    let mut findings = sink.findings;
    findings.sort_by(|a, b| {
        a.operator
            .as_ref()
            .map(|o| o.id)
            .cmp(&b.operator.as_ref().map(|o| o.id))
    });
    let mut findings = group_findings(findings);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| {
                a.operator
                    .as_ref()
                    .map(|o| o.id)
                    .cmp(&b.operator.as_ref().map(|o| o.id))
            })
            .then_with(|| a.message.cmp(&b.message))
    });
    let incomplete = sink.not_checked.iter().any(|(_, m)| *m);
    let mut not_checked: Vec<String> = sink.not_checked.into_iter().map(|(w, _)| w).collect();
    not_checked.push(SCHEMA_NOT_CHECKED.to_string());
    Report {
        findings,
        not_checked,
        incomplete,
        allow_non_restored_state,
    }
}
