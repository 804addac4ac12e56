//! A minimal reader of Flink's configuration file for the storage keys only.
//!
//! Flink 1.x writes `flink-conf.yaml` as flat `key: value` lines; Flink 2.x's `config.yaml` is
//! standard YAML whose keys may be nested (`s3: {endpoint: …}`). Both become one flat map of
//! dotted keys to string values here. Only this map crosses the module boundary, so a fuller
//! Flink configuration module can replace this reader without touching the storage code.

use std::collections::BTreeMap;
use std::path::Path;

/// Dotted keys (`s3.endpoint`) to their values as strings.
pub type FlinkConf = BTreeMap<String, String>;

/// The largest configuration file read: Flink's are a few KiB.
const MAX_CONFIG_BYTES: u64 = 4 << 20;

/// Reads a Flink configuration file (flat or nested YAML).
pub fn read(path: &Path) -> Result<FlinkConf, String> {
    let shown = path.display();
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{shown}: cannot read the Flink configuration: {e}"))?
        .len();
    if len > MAX_CONFIG_BYTES {
        return Err(format!(
            "{shown}: {len} bytes is larger than a Flink configuration file can be ({MAX_CONFIG_BYTES} bytes at most)"
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{shown}: cannot read the Flink configuration: {e}"))?;
    parse(&text).map_err(|e| format!("{shown}: {e}"))
}

/// Parses the text of a Flink configuration file.
pub fn parse(text: &str) -> Result<FlinkConf, String> {
    let mut out = FlinkConf::new();
    match serde_norway::from_str::<serde_norway::Value>(text) {
        Ok(serde_norway::Value::Null) => {}
        Ok(serde_norway::Value::Mapping(m)) => {
            flatten("", &serde_norway::Value::Mapping(m), &mut out)
        }
        Ok(_) => return Err("not a YAML mapping of configuration keys".into()),
        // Flink 1.x's own parser reads `key: value` lines and is more lenient than YAML
        // (`a: b: c` is the key `a` with the value `b: c`).
        Err(_) => {
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let Some((k, v)) = line.split_once(": ") else {
                    return Err(format!(
                        "line {}: expected `key: value`, found {line:?}",
                        n + 1
                    ));
                };
                out.insert(k.trim().to_string(), unquote(v.trim()).to_string());
            }
        }
    }
    Ok(out)
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

fn flatten(prefix: &str, v: &serde_norway::Value, out: &mut FlinkConf) {
    use serde_norway::Value;
    match v {
        Value::Mapping(m) => {
            for (k, v) in m {
                let k = match k {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => continue,
                };
                let key = if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        Value::Bool(b) => {
            out.insert(prefix.to_string(), b.to_string());
        }
        Value::Number(n) => {
            out.insert(prefix.to_string(), n.to_string());
        }
        Value::Sequence(items) => {
            // Flink writes lists as `a;b` in the flat format.
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| match i {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                })
                .collect();
            out.insert(prefix.to_string(), parts.join(";"));
        }
        Value::Null | Value::Tagged(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_and_nested_give_the_same_keys() {
        let flat = "# Flink 1.x\ns3.endpoint: http://127.0.0.1:9000\ns3.path.style.access: true\ns3.access-key: 'ak'\n";
        let nested = "s3:\n  endpoint: http://127.0.0.1:9000\n  path:\n    style:\n      access: true\n  access-key: ak\n";
        let a = parse(flat).unwrap();
        let b = parse(nested).unwrap();
        assert_eq!(a, b);
        assert_eq!(a["s3.endpoint"], "http://127.0.0.1:9000");
        assert_eq!(a["s3.path.style.access"], "true");
        assert_eq!(a["s3.access-key"], "ak");
    }

    #[test]
    fn lenient_flat_lines_when_not_yaml() {
        let c = parse("a.b: x: y\n\tkey: v\n").unwrap();
        assert_eq!(c["a.b"], "x: y");
        assert_eq!(c["key"], "v");
        assert!(parse("no separator here\n: :\n\t").is_err());
        assert!(parse("").unwrap().is_empty());
    }
}
