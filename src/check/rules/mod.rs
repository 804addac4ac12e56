//! The rule catalogue: one file per rule, each with a stable snake_case id that is never reused
//! for a different meaning (a retired rule keeps its id reserved).
//!
//! To add a rule: write `src/check/rules/<id>.rs` with a `pub(super) const RULE: Rule`, add it
//! to [`RULES`], and give it a triggering fixture and a near miss in `tests/it/check_rules.rs`
//! (the catalogue test fails until both exist).

mod channel_state_dropped;
mod channel_state_topology_change;
mod duplicate_operator_id;
mod job_setting_rejected;
mod keyed_handle_unsupported;
mod max_parallelism_adopted;
mod max_parallelism_changed;
mod metadata_version_unsupported;
mod missing_uid;
mod operator_added;
mod parallelism_above_max_parallelism;
mod state_backend_mismatch;
mod state_backend_portable;
pub(super) mod state_files_missing;
mod unmapped_state;
mod unmapped_stateless;

use super::{Context, Severity, Sink};

/// What a rule is, for `flinspect rules` and for every renderer.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable snake_case id.
    pub id: &'static str,
    /// Default severity (a rule may lower it for a case, e.g. `unmapped_state` with
    /// `--allow-non-restored-state`).
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// Why, in full sentences: what Flink does and what flinspect looks at.
    pub explanation: &'static str,
    /// The Flink error message (template, as Flink's source writes it: `%s`/`%d` stand for the
    /// values) the rule predicts. The only place the sentence exists: findings fill it with
    /// [`RuleInfo::flink_message`].
    pub flink_error: Option<&'static str>,
    /// The other messages Flink gives in some of the rule's cases (another restore path, a
    /// recorded root cause), templates like `flink_error`; findings fill them with
    /// [`RuleInfo::other_flink_message`]. Not listed by `flinspect rules --json`.
    pub other_flink_errors: &'static [&'static str],
    /// How to fix it.
    pub help: &'static str,
}

impl RuleInfo {
    /// [`RuleInfo::flink_error`] filled with `args`, in order.
    pub fn flink_message(&self, args: &[&dyn std::fmt::Display]) -> String {
        fill(self.flink_error.unwrap_or_default(), args)
    }

    /// The `i`th of [`RuleInfo::other_flink_errors`] filled with `args`, in order.
    pub fn other_flink_message(&self, i: usize, args: &[&dyn std::fmt::Display]) -> String {
        fill(
            self.other_flink_errors.get(i).copied().unwrap_or_default(),
            args,
        )
    }
}

/// A Flink message template with each `%s` / `%d` replaced by the next argument, as Java's
/// `String.format` (Flink's `Preconditions` and `%s`-only `format`) fills it.
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(template.len() + 16 * args.len());
    let mut args = args.iter();
    let mut rest = template;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let spec = rest.get(i + 1..i + 2);
        match spec {
            Some("s" | "d") => {
                let arg = args.next();
                debug_assert!(arg.is_some(), "too few values for {template:?}");
                if let Some(a) = arg {
                    let _ = write!(out, "{a}");
                }
                rest = &rest[i + 2..];
            }
            _ => {
                out.push('%');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    debug_assert!(args.next().is_none(), "too many values for {template:?}");
    out
}

/// A rule: its description and its check.
pub struct Rule {
    pub info: RuleInfo,
    pub check: fn(&Context<'_, '_>, &mut Sink),
}

/// Every rule, in the order `flinspect rules` lists them.
pub static RULES: &[&Rule] = &[
    &unmapped_state::RULE,
    &unmapped_stateless::RULE,
    &operator_added::RULE,
    &duplicate_operator_id::RULE,
    &max_parallelism_changed::RULE,
    &max_parallelism_adopted::RULE,
    &parallelism_above_max_parallelism::RULE,
    &job_setting_rejected::RULE,
    &state_backend_mismatch::RULE,
    &state_backend_portable::RULE,
    &channel_state_topology_change::RULE,
    &state_files_missing::RULE,
    &channel_state_dropped::RULE,
    &missing_uid::RULE,
    &metadata_version_unsupported::RULE,
    &keyed_handle_unsupported::RULE,
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.info.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_in_order_and_other_percent_signs_kept() {
        assert_eq!(fill("a %s b %d c", &[&"x", &7]), "a x b 7 c");
        assert_eq!(fill("100% sure: %s", &[&"yes"]), "100% sure: yes");
        assert_eq!(fill("none", &[]), "none");
    }

    /// Every rule's templates name their values with `%s`/`%d` only, so `fill` covers them.
    #[test]
    fn every_template_uses_only_s_and_d() {
        for r in RULES {
            let i = &r.info;
            for t in i.flink_error.iter().chain(i.other_flink_errors) {
                let mut rest = *t;
                while let Some(at) = rest.find('%') {
                    let spec = rest.get(at + 1..at + 2).unwrap_or("");
                    assert!(
                        matches!(spec, "s" | "d")
                            || spec.starts_with(|c: char| !c.is_ascii_alphabetic()),
                        "{}: {t:?}",
                        i.id
                    );
                    rest = &rest[at + 1..];
                }
            }
        }
    }
}
