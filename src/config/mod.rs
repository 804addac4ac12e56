//! The Flink configuration file, read as Flink reads it, with every key looked up by any of
//! its spellings.
//!
//! Two formats (`GlobalConfiguration.loadConfiguration`):
//! - the legacy flat `flink-conf.yaml` (up to 1.20): one `key: value` per line, `#` starts a
//!   comment, no nesting and no quoting rules (Flink splits each line at its first `": "`);
//! - the standard YAML `config.yaml` (1.19+, the only one in 2.x): real YAML, nested mappings
//!   whose key paths are joined with `.`, and lists.
//!
//! A file named `config.yaml` is read as standard YAML and one named `flink-conf.yaml` as the
//! flat format; any other name as standard YAML when it parses as YAML with a nested mapping
//! or a list, else as the flat format.
//!
//! A key flinspect does not know is kept and can be looked up ([`Config::raw`]); it is never an
//! error. A value Flink would reject is reported by [`Config::invalid`], not at read time.
//!
//! Small and standalone on purpose: it depends on nothing else in the crate, so remote storage
//! (`s3.endpoint`, …) and `audit` read the same file the same way.

pub mod keys;
pub mod value;

use std::path::Path;

pub use keys::{Key, Release, Spelling, Type};

/// Which of the two formats a file was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `flink-conf.yaml`: flat `key: value` lines.
    Flat,
    /// `config.yaml`: standard YAML with nested keys and lists.
    Standard,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Flat => "flat flink-conf.yaml",
            Format::Standard => "standard YAML config.yaml",
        }
    }
}

/// A value as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Scalar(String),
    /// A YAML list (standard format only).
    List(Vec<String>),
}

impl Value {
    /// The value as Flink's string conversion sees it (a list joined with `;`).
    pub fn text(&self) -> String {
        match self {
            Value::Scalar(s) => s.clone(),
            Value::List(l) => l.join(";"),
        }
    }

    /// The items of a list value; a flat value split at `;` and `,`.
    pub fn items(&self) -> Vec<String> {
        match self {
            Value::List(l) => l.clone(),
            Value::Scalar(s) => s
                .split([';', ','])
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
        }
    }
}

/// One setting of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key as written (dotted path for nested standard YAML).
    pub key: String,
    pub value: Value,
    /// The 1-based line where the key (or its last path component) is written, when known.
    pub line: Option<usize>,
}

/// A configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The file as given.
    pub path: String,
    pub format: Format,
    /// In file order; a later entry with the same key wins, as in Flink.
    pub entries: Vec<Entry>,
}

/// A file that could not be read at all (not a value Flink would reject: that is a finding).
/// Displayed as `path: message`; `flinspect::Error` takes it as `Error::Config` with the path
/// (the conversion lives in `audit`, so this module depends on nothing of the crate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    /// What is wrong, without the path.
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A key's value found in the file, and the spelling it was found under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found<'c> {
    pub entry: &'c Entry,
    /// The spelling the file uses.
    pub spelling: &'c str,
}

impl Found<'_> {
    pub fn text(&self) -> String {
        self.entry.value.text()
    }
}

/// A value Flink would reject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub key: String,
    pub value: String,
    pub line: Option<usize>,
    /// What Flink expects.
    pub reason: String,
}

impl Config {
    /// Reads a file (read-only).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ConfigError {
            path: shown.clone(),
            message: format!("cannot read the configuration: {}", io_message(&e)),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfigError {
            path: shown.clone(),
            message: format!(
                "not UTF-8 text at byte offset {} (a Flink configuration file is YAML)",
                e.utf8_error().valid_up_to()
            ),
        })?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        Config::parse(&text, &path.display().to_string(), name)
    }

    /// Reads a file's text; `name` (the file name) decides the format as described above.
    pub fn parse(text: &str, path: &str, name: &str) -> Result<Config, ConfigError> {
        let format = match name {
            "flink-conf.yaml" => Format::Flat,
            "config.yaml" => Format::Standard,
            _ if looks_nested(text) => Format::Standard,
            _ => Format::Flat,
        };
        let entries = match format {
            Format::Flat => parse_flat(text),
            Format::Standard => parse_standard(text, path)?,
        };
        Ok(Config {
            path: path.to_string(),
            format,
            entries,
        })
    }

    /// The value under exactly this key as written (the last one, as Flink keeps it).
    pub fn raw(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }

    /// A known key under any of its spellings; the newest spelling wins when several are set
    /// (Flink reads an option's own key before its fallback keys).
    pub fn get(&self, key: &'static Key) -> Option<Found<'_>> {
        key.spellings.iter().find_map(|s| {
            self.raw(s.key).map(|entry| Found {
                entry,
                spelling: s.key,
            })
        })
    }

    /// Looks up any name: a spelling of a key flinspect knows resolves through all of that
    /// key's spellings; any other name is looked up as written.
    pub fn lookup(&self, name: &str) -> Option<Found<'_>> {
        match keys::find(name) {
            Some(k) => self.get(k),
            None => self.raw(name).map(|entry| Found {
                entry,
                spelling: &entry.key,
            }),
        }
    }

    /// Keys under a prefix (`metrics.reporter.`), as written.
    pub fn with_prefix<'c>(&'c self, prefix: &'c str) -> impl Iterator<Item = &'c Entry> + 'c {
        self.entries
            .iter()
            .filter(move |e| e.key.starts_with(prefix))
    }

    /// Every value of a known key Flink would reject, in file order.
    pub fn invalid(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        for e in &self.entries {
            let Some(k) = keys::find(&e.key) else {
                continue;
            };
            // Only the value Flink uses: a later duplicate wins.
            if self.raw(&e.key).map(|l| l as *const Entry) != Some(e as *const Entry) {
                continue;
            }
            if let Value::List(_) = e.value {
                if k.ty != Type::List {
                    out.push(Invalid {
                        key: e.key.clone(),
                        value: e.value.text(),
                        line: e.line,
                        reason: "a list where Flink expects one value".into(),
                    });
                }
                continue;
            }
            if let Err(reason) = value::validate(k.ty, &e.value.text()) {
                out.push(Invalid {
                    key: e.key.clone(),
                    value: e.value.text(),
                    line: e.line,
                    reason,
                });
            }
        }
        out
    }
}

/// An OS error in one lowercase line (as `flinspect::error::io_message`, which this standalone
/// module cannot use).
fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Whether text has YAML structure the flat format cannot have: an indented key under a key
/// with no value, or a list item.
fn looks_nested(text: &str) -> bool {
    let mut prev_open = false;
    for line in text.lines() {
        let t = line.split(" #").next().unwrap_or("");
        if t.trim().is_empty() || t.trim_start().starts_with('#') {
            continue;
        }
        let indented = t.starts_with(' ') || t.starts_with('\t');
        if indented && (prev_open || t.trim_start().starts_with("- ")) {
            return true;
        }
        prev_open = t.trim_end().ends_with(':');
    }
    false
}

/// `GlobalConfiguration.loadYAMLResource` (the flat format): per line, drop what follows `#`,
/// split at the first `": "`, trim both sides; lines without it are skipped (Flink logs a
/// warning).
fn parse_flat(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let Some((k, v)) = line.split_once(": ") else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() || v.is_empty() {
            continue;
        }
        out.push(Entry {
            key: k.to_string(),
            value: Value::Scalar(v.to_string()),
            line: Some(i + 1),
        });
    }
    out
}

/// The standard format: YAML, nested mappings flattened with `.` (Flink's
/// `YamlParserUtils` + `flatten`), scalars as their text, lists kept.
fn parse_standard(text: &str, path: &str) -> Result<Vec<Entry>, ConfigError> {
    use serde_norway::Value as Y;
    let doc: Y = serde_norway::from_str(text).map_err(|e| ConfigError {
        path: path.to_string(),
        message: format!("not valid YAML: {e}"),
    })?;
    let mut out = Vec::new();
    let lines = key_lines(text);
    fn scalar(v: &Y) -> Option<String> {
        match v {
            Y::String(s) => Some(s.clone()),
            Y::Bool(b) => Some(b.to_string()),
            Y::Number(n) => Some(n.to_string()),
            Y::Null => None,
            _ => None,
        }
    }
    fn walk(
        prefix: &str,
        v: &Y,
        out: &mut Vec<Entry>,
        lines: &std::collections::HashMap<String, usize>,
        path: &str,
    ) -> Result<(), ConfigError> {
        match v {
            Y::Mapping(m) => {
                for (k, v) in m {
                    let k = scalar(k).ok_or_else(|| ConfigError {
                        path: path.to_string(),
                        message: format!("a key under {prefix:?} is not a string"),
                    })?;
                    let full = if prefix.is_empty() {
                        k
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&full, v, out, lines, path)?;
                }
            }
            Y::Sequence(items) => {
                let list = items
                    .iter()
                    .map(|i| scalar(i).unwrap_or_default())
                    .collect();
                out.push(Entry {
                    key: prefix.to_string(),
                    line: lines.get(prefix).copied(),
                    value: Value::List(list),
                });
            }
            Y::Null => {}
            other => {
                if let Some(s) = scalar(other) {
                    out.push(Entry {
                        key: prefix.to_string(),
                        line: lines.get(prefix).copied(),
                        value: Value::Scalar(s),
                    });
                }
            }
        }
        Ok(())
    }
    if !matches!(doc, Y::Mapping(_) | Y::Null) {
        return Err(ConfigError {
            path: path.to_string(),
            message: "the configuration is not a YAML mapping of keys".into(),
        });
    }
    walk("", &doc, &mut out, &lines, path)?;
    Ok(out)
}

/// The line of every dotted key path of a block-style YAML file, from indentation (only to
/// point findings at a line; the values come from the YAML parser).
fn key_lines(text: &str) -> std::collections::HashMap<String, usize> {
    let mut out = std::collections::HashMap::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('-') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let Some((k, _)) = trimmed.split_once(':') else {
            continue;
        };
        let k = k.trim().trim_matches('"').trim_matches('\'');
        while stack.last().is_some_and(|(d, _)| *d >= indent) {
            stack.pop();
        }
        let full = match stack.last() {
            Some((_, p)) => format!("{p}.{k}"),
            None => k.to_string(),
        };
        out.entry(full.clone()).or_insert(i + 1);
        stack.push((indent, full));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_format_lines() {
        let c = Config::parse(
            "# comment\nstate.backend: rocksdb   # trailing\nexecution.checkpointing.interval: 3min\nnot a setting\n",
            "f",
            "flink-conf.yaml",
        )
        .unwrap();
        assert_eq!(c.format, Format::Flat);
        let b = c.get(&keys::STATE_BACKEND).unwrap();
        assert_eq!(
            (b.text().as_str(), b.spelling),
            ("rocksdb", "state.backend")
        );
        assert_eq!(b.entry.line, Some(2));
        assert_eq!(c.entries.len(), 2);
    }

    #[test]
    fn standard_format_nests_and_lists() {
        let text = "state:\n  backend:\n    type: rocksdb\nexecution:\n  checkpointing:\n    interval: 1 min\n    incremental: true\nmetrics:\n  reporters: [prom, jmx]\npipeline.max-parallelism: 512\n";
        let c = Config::parse(text, "c", "config.yaml").unwrap();
        assert_eq!(c.format, Format::Standard);
        let b = c.get(&keys::STATE_BACKEND).unwrap();
        assert_eq!(
            (b.text().as_str(), b.spelling),
            ("rocksdb", "state.backend.type")
        );
        assert_eq!(b.entry.line, Some(3));
        assert_eq!(
            c.lookup("state.backend.incremental").unwrap().text(),
            "true",
            "lookup by the old spelling finds the new one"
        );
        assert_eq!(
            c.get(&keys::METRICS_REPORTERS).unwrap().entry.value.items(),
            vec!["prom", "jmx"]
        );
        assert_eq!(
            c.raw("pipeline.max-parallelism").unwrap().value.text(),
            "512"
        );
        // Another file name: the content decides.
        assert_eq!(
            Config::parse(text, "c", "prod.yaml").unwrap().format,
            Format::Standard
        );
        assert_eq!(
            Config::parse("a.b: c\n", "c", "prod.yaml").unwrap().format,
            Format::Flat
        );
    }

    #[test]
    fn unknown_keys_are_kept_and_bad_values_reported() {
        let c = Config::parse(
            "s3.endpoint: http://127.0.0.1:9000\nexecution.checkpointing.interval: often\nrestart-strategy.type: sometimes\n",
            "f",
            "flink-conf.yaml",
        )
        .unwrap();
        assert_eq!(
            c.lookup("s3.endpoint").unwrap().text(),
            "http://127.0.0.1:9000"
        );
        let bad: Vec<_> = c.invalid().into_iter().map(|i| i.key).collect();
        assert_eq!(
            bad,
            vec!["execution.checkpointing.interval", "restart-strategy.type"]
        );
    }

    #[test]
    fn broken_yaml_is_an_error_naming_the_file() {
        let e = Config::parse("a:\n  - [\n", "conf/config.yaml", "config.yaml").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("conf/config.yaml: not valid YAML")
                && e.path == "conf/config.yaml",
            "{e}"
        );
    }
}
