//! `flinspect rules` and `flinspect rules explain ID`.

use flinspect::audit::rules as audit_rules;
use flinspect::check::rules;

use super::{emit, exit, Failure};

/// What every audit rule rests on: it judges a configuration, a job graph or snapshots against
/// Flink's own option declarations, not a restore outcome.
const AUDIT_BASIS: &str =
    "Basis: no recorded restore or job run. The option keys, their spellings \
and defaults are the ConfigOption declarations of each release, read from its jars \
(testdata/config/flink-<version>/option-keys.tsv), and each release's default configuration \
file is tested to give the expected findings (testdata/config/).";

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  flinspect rules\n  flinspect rules explain unmapped_state")]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// The catalogue as JSON: [{id, command, severity, summary, explanation, flink_error, help}]
    /// (audit rules: flink_error null, help the Flink option or API that fixes it)
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Explain one rule: what Flink does, the error it gives, how to fix it
    Explain {
        /// A rule id, as `flinspect rules` lists them
        id: String,
    },
}

pub fn run(a: Args) -> Result<i32, Failure> {
    match a.command {
        None if a.json => {
            let list: Vec<_> = rules::all_infos()
                .map(|i| {
                    serde_json::json!({
                        "id": i.id,
                        "command": "check",
                        "severity": i.severity,
                        "summary": i.summary,
                        "explanation": i.explanation,
                        "flink_error": i.flink_error,
                        "help": i.help,
                    })
                })
                .chain(audit_rules::RULES.iter().map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "command": "audit",
                        "severity": r.severity,
                        "summary": r.summary,
                        "explanation": r.explanation,
                        "flink_error": null,
                        "help": r.fix,
                    })
                }))
                .collect();
            let mut s =
                serde_json::to_string_pretty(&list).map_err(|e| Failure::Message(e.to_string()))?;
            s.push('\n');
            emit(&s)?;
        }
        None => {
            let width = rules::all_infos()
                .map(|i| i.id.len())
                .chain(audit_rules::RULES.iter().map(|r| r.id.len()))
                .max()
                .unwrap_or(0);
            let mut s =
                String::from("check and diff (will the new job restore from the snapshot):\n");
            for i in rules::all_infos() {
                s.push_str(&format!(
                    "{:<width$}  {:<7}  {}\n",
                    i.id,
                    i.severity.as_str(),
                    i.summary
                ));
            }
            s.push_str("\naudit (the production-readiness checklist):\n");
            for r in audit_rules::RULES {
                s.push_str(&format!(
                    "{:<width$}  {:<7}  {}\n",
                    r.id,
                    r.severity.as_str(),
                    r.summary
                ));
            }
            s.push_str("\n`flinspect rules explain ID` explains one rule.\n");
            emit(&s)?;
        }
        Some(Command::Explain { id }) => {
            if let Some(r) = audit_rules::find(&id) {
                let s = format!(
                    "{} (audit, {} by default; decided by {})\n\n{}\n\n{}\n\n{}\n\nFix:\n  {}\n",
                    r.id, r.severity, r.decided_by, r.summary, r.explanation, AUDIT_BASIS, r.fix
                );
                emit(&s)?;
                return Ok(exit::OK);
            }
            let Some(i) = rules::find_info(&id) else {
                return Err(Failure::Message(format!(
                    "no rule {id:?} (`flinspect rules` lists them)"
                )));
            };
            let mut s = format!(
                "{} ({} by default)\n\n{}\n\n{}\n",
                i.id, i.severity, i.summary, i.explanation
            );
            if let Some(e) = i.flink_error {
                s.push_str(&format!("\nFlink says:\n  {e}\n"));
            }
            s.push_str(&format!("\nFix:\n  {}\n", i.help));
            emit(&s)?;
        }
    }
    Ok(exit::OK)
}
