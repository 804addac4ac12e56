//! Settings as the job will run with them, from the inputs in order of precedence: the job's
//! graph (its code's settings, and the configuration the companion applied), the configuration
//! file (a key it leaves unset means Flink's default), and what the snapshots show. Each comes
//! with the evidence of where it was decided.

use std::time::Duration;

use super::{Context, Evidence, Source};
use crate::config::{value, Key};

/// A value and the inputs that decided it.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting<T> {
    pub value: T,
    pub evidence: Vec<Evidence>,
}

impl<T> Setting<T> {
    pub fn new(value: T, evidence: Evidence) -> Setting<T> {
        Setting {
            value,
            evidence: vec![evidence],
        }
    }
}

impl Context<'_> {
    /// A key of the configuration file: its text when set, Flink's default (or `None`) when
    /// not, with the evidence; `None` when no configuration was given.
    pub fn config(&self, key: &'static Key) -> Option<Setting<Option<String>>> {
        let c = self.inputs.config.as_ref()?;
        Some(match c.get(key) {
            Some(found) => {
                let line = found
                    .entry
                    .line
                    .map_or_else(String::new, |l| format!(":{l}"));
                Setting::new(
                    Some(found.text()),
                    Evidence::new(
                        Source::Config,
                        format!("{}: {} ({}{line})", found.spelling, found.text(), c.path),
                    )
                    .at(&c.path, found.entry.line),
                )
            }
            None => Setting::new(
                key.default.map(String::from),
                Evidence::new(
                    Source::Config,
                    format!(
                        "{} not set in {}: {}",
                        key.name_for(self.release),
                        c.path,
                        match key.default {
                            Some(d) => format!("Flink's default {d}"),
                            None => "Flink has no default".into(),
                        }
                    ),
                )
                .at(&c.path, None),
            ),
        })
    }

    /// A configuration key parsed with `parse`; a value Flink would reject counts as unset
    /// (`config_value_invalid` reports it).
    pub fn config_parsed<T>(
        &self,
        key: &'static Key,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Setting<Option<T>>> {
        let s = self.config(key)?;
        Some(Setting {
            value: s.value.as_deref().and_then(|v| parse(v).ok()),
            evidence: s.evidence,
        })
    }

    pub fn config_duration(&self, key: &'static Key) -> Option<Setting<Option<Duration>>> {
        self.config_parsed(key, value::parse_duration)
    }

    pub fn config_bool(&self, key: &'static Key) -> Option<Setting<Option<bool>>> {
        self.config_parsed(key, value::parse_bool)
    }

    pub fn config_int(&self, key: &'static Key) -> Option<Setting<Option<i64>>> {
        self.config_parsed(key, |v| value::parse_int(v, i64::MIN, i64::MAX))
    }

    fn graph_evidence(&self, detail: String) -> Evidence {
        let path = self.inputs.graph.as_ref().map_or("", |(_, p)| p.as_str());
        Evidence::new(Source::Job, format!("{detail} ({path})"))
    }

    /// Checkpointing: `Some(interval)` when enabled, `None` when disabled; `Err` when no input
    /// can tell. From the graph, else the configuration (which the job's code may override:
    /// noted), else the snapshots (checkpoints exist: enabled, interval unknown).
    pub fn checkpointing(&self) -> Result<Setting<Option<Option<Duration>>>, String> {
        if let Some((g, _)) = &self.inputs.graph {
            let c = &g.checkpointing;
            let detail = if c.enabled {
                format!(
                    "checkpointing enabled, interval {}",
                    c.interval_ms
                        .map_or("unknown".into(), |ms| value::show_duration(
                            Duration::from_millis(ms)
                        ))
                )
            } else {
                "checkpointing disabled".into()
            };
            let interval = c.interval_ms.map(Duration::from_millis);
            return Ok(Setting::new(
                c.enabled.then_some(interval),
                self.graph_evidence(format!("the job's graph: {detail}")),
            ));
        }
        if let Some(s) = self.config_duration(&crate::config::keys::CHECKPOINT_INTERVAL) {
            let mut s = Setting {
                value: s.value.map(Some),
                evidence: s.evidence,
            };
            if self.has_checkpoints() && s.value.is_none() {
                s.value = Some(None);
                s.evidence.push(Evidence::new(
                    Source::Snapshot,
                    "the snapshots include checkpoints, so the job's code enables checkpointing",
                ));
            }
            return Ok(s);
        }
        if self.has_checkpoints() {
            return Ok(Setting::new(
                Some(None),
                Evidence::new(Source::Snapshot, "the snapshots include checkpoints"),
            ));
        }
        Err("the job (--jar/--sql/--job) or the configuration (--config)".into())
    }

    fn has_checkpoints(&self) -> bool {
        self.inputs
            .histories
            .iter()
            .any(|h| !h.checkpoints.is_empty())
            || self
                .inputs
                .snapshot
                .as_ref()
                .is_some_and(|s| s.kind.as_deref() == Some("checkpoint"))
    }

    /// The state backend's name (`hashmap`, `rocksdb`, `forst`, …), from the graph, else the
    /// configuration, else the newest snapshot's keyed state.
    pub fn backend(&self) -> Option<Setting<String>> {
        if let Some((g, _)) = &self.inputs.graph {
            let b = &g.state_backend;
            let from = if b.job.is_some() {
                "set by the job's code"
            } else if b.configuration.is_some() {
                "from the configuration"
            } else {
                "Flink's default"
            };
            return Some(Setting::new(
                b.effective.to_ascii_lowercase(),
                self.graph_evidence(format!(
                    "the job's graph: state backend {} ({from})",
                    b.effective
                )),
            ));
        }
        if let Some(j) = self
            .inputs
            .job_file
            .as_ref()
            .and_then(|(j, p)| j.state_backend.map(|b| (b, p)))
        {
            return Some(Setting::new(
                j.0.as_str().to_string(),
                Evidence::new(
                    Source::Job,
                    format!("state-backend: {} ({})", j.0.as_str(), j.1),
                ),
            ));
        }
        if let Some(s) = self.config(&crate::config::keys::STATE_BACKEND) {
            let v = s
                .value
                .unwrap_or_else(|| "hashmap".into())
                .to_ascii_lowercase();
            return Some(Setting {
                value: v,
                evidence: s.evidence,
            });
        }
        let snap = self.inputs.snapshot.as_ref()?;
        let b = snap.backend.as_deref()?;
        let name = match b {
            "heap" => "hashmap",
            "rocksdb" => "rocksdb",
            _ => return None,
        };
        Some(Setting::new(
            name.to_string(),
            Evidence::new(
                Source::Snapshot,
                format!("{}: keyed state in the {b} backend's layout", snap.path),
            ),
        ))
    }

    /// Whether checkpoints are incremental: the graph, else the configuration, else the
    /// newest snapshot's mode.
    pub fn incremental(&self) -> Option<Setting<bool>> {
        if let Some((g, _)) = &self.inputs.graph {
            let i = &g.checkpointing.incremental;
            return Some(Setting::new(
                i.effective,
                self.graph_evidence(format!(
                    "the job's graph: incremental checkpoints {}",
                    if i.effective { "on" } else { "off" }
                )),
            ));
        }
        if let Some(s) = self.config_bool(&crate::config::keys::INCREMENTAL) {
            return Some(Setting {
                value: s.value.unwrap_or(false),
                evidence: s.evidence,
            });
        }
        let snap = self.inputs.snapshot.as_ref()?;
        let mode = snap.mode.as_deref()?;
        Some(Setting::new(
            mode == "incremental",
            Evidence::new(
                Source::Snapshot,
                format!("{}: a {mode} snapshot", snap.path),
            ),
        ))
    }

    /// A note for settings the job's code can override when only the configuration decided.
    pub fn code_may_override(&self, api: &str) -> Option<String> {
        (self.inputs.graph.is_none() && self.inputs.config.is_some()).then(|| {
            format!("decided from the configuration alone: the job's code can override it ({api}); give --jar/--sql/--job to include the job's own settings")
        })
    }
}
