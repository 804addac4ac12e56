//! `config_value_invalid`: a value Flink would reject.

use super::{AuditRule, NEEDS_CONFIG};
use crate::audit::{Context, Evidence, Sink, Source};
use crate::check::Severity;

pub(super) static RULE: AuditRule = AuditRule {
    id: "config_value_invalid",
    severity: Severity::Error,
    summary: "a configuration value Flink rejects (bad duration, size, boolean, number or name)",
    explanation: "Flink parses a configuration value when the option is first read: a duration \
without a known unit (TimeUtils.parseDuration), a memory size with an unknown unit \
(MemorySize.parse), a boolean other than true/false, a number out of range, or a name no \
factory knows (state backend, restart strategy, failover strategy, HA mode) fails the \
cluster's or the job's start with an IllegalArgumentException or IllegalConfigurationException. \
flinspect checks every value of the keys it knows (every spelling, 1.13 - 2.3); a key it does \
not know is never an error.",
    fix: "correct the value to the option's type (Flink's configuration reference lists each option's type and accepted values)",
    decided_by: "config",
    check,
};

fn check(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(c) = &cx.inputs.config else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let bad = c.invalid();
    if bad.is_empty() {
        sink.passed(
            None,
            format!(
                "every value of the {} keys flinspect knows parses as Flink parses it",
                c.entries
                    .iter()
                    .filter(|e| crate::config::keys::find(&e.key).is_some())
                    .count()
            ),
            vec![Evidence::new(
                Source::Config,
                format!("{} ({})", c.path, c.format.as_str()),
            )],
        );
    }
    for b in bad {
        let at = b.line.map_or_else(String::new, |l| format!(":{l}"));
        sink.finding(
            None,
            format!("{}: {} — {}", b.key, b.value, b.reason),
            vec![Evidence::new(
                Source::Config,
                format!("{}: {} ({}{at})", b.key, b.value, c.path),
            )
            .at(&c.path, b.line)],
        );
    }
}
