//! The storage keys of a Flink configuration file, as the storage layer takes them.
//!
//! The file is read by [`crate::config`], the one reader of Flink's configuration in flinspect
//! (flat `flink-conf.yaml` and standard YAML `config.yaml`, the format chosen as Flink chooses
//! it); this module only turns what it read into a flat map of keys to the values Flink would
//! use, so `inspect`/`check`/`scan` (`--config`) and `audit` see the same keys with the same
//! values. The storage code looks keys up in that map by every spelling Flink's file-system
//! plugins accept (`s3.path.style.access`, `fs.s3a.path.style.access`, …).

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Config;

/// Keys as written (dotted paths for nested YAML) to the values Flink would use (the last one
/// written; a list joined with `;` as Flink's string conversion does).
pub type FlinkConf = BTreeMap<String, String>;

/// The largest configuration file read: Flink's are a few KiB.
const MAX_CONFIG_BYTES: u64 = 4 << 20;

/// Reads a Flink configuration file through [`Config::load`]; an error is one line naming the
/// file.
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
    Config::load(path)
        .map(|c| of(&c))
        .map_err(|e| e.to_string())
}

/// The keys of a configuration already read (`audit` reads it for its rules, then hands the
/// same [`Config`] to the storage layer).
pub fn of(config: &Config) -> FlinkConf {
    // In file order: a later entry with the same key replaces an earlier one, as in Flink.
    config
        .entries
        .iter()
        .map(|e| (e.key.clone(), e.value.text()))
        .collect()
}

/// Parses the text of a configuration file named `name` (which decides the format as
/// [`Config::parse`] says).
pub fn parse(text: &str, name: &str) -> Result<FlinkConf, String> {
    Config::parse(text, name, name)
        .map(|c| of(&c))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_and_nested_give_the_same_keys() {
        let flat = "# Flink 1.x\ns3.endpoint: http://127.0.0.1:9000\ns3.path.style.access: true\ns3.access-key: ak\n";
        let nested = "s3:\n  endpoint: http://127.0.0.1:9000\n  path:\n    style:\n      access: true\n  access-key: 'ak'\n";
        let a = parse(flat, "flink-conf.yaml").unwrap();
        let b = parse(nested, "config.yaml").unwrap();
        assert_eq!(a, b);
        assert_eq!(a["s3.endpoint"], "http://127.0.0.1:9000");
        assert_eq!(a["s3.path.style.access"], "true");
        assert_eq!(a["s3.access-key"], "ak");
        // Any other name: the content decides.
        assert_eq!(parse(nested, "prod.yaml").unwrap(), a);
        assert_eq!(parse(flat, "prod.yaml").unwrap(), a);
    }

    #[test]
    fn flat_lines_as_flink_reads_them() {
        // Flink's flat parser splits at the first ": ", cuts at `#`, keeps quotes and skips
        // (with a warning) lines without a separator.
        let c = parse(
            "a.b: x: y\n\tkey: v\ns3.secret-key: 'quoted' # comment\nno separator here\n: :\n",
            "flink-conf.yaml",
        )
        .unwrap();
        assert_eq!(c["a.b"], "x: y");
        assert_eq!(c["key"], "v");
        assert_eq!(c["s3.secret-key"], "'quoted'");
        assert_eq!(c.len(), 3);
        assert!(parse("", "flink-conf.yaml").unwrap().is_empty());
        assert!(parse("", "config.yaml").unwrap().is_empty());
        // A later key wins; a list is joined as Flink's string conversion joins it.
        let c = parse("a: [x, y]\nb: 1\nb: 2\n", "config.yaml");
        // (Duplicate keys are not valid YAML: the standard format reports them.)
        assert!(c.is_err());
        let c = parse("a: [x, y]\nb: 1\n", "config.yaml").unwrap();
        assert_eq!(c["a"], "x;y");
        let c = parse("b: 1\nb: 2\n", "flink-conf.yaml").unwrap();
        assert_eq!(c["b"], "2");
    }

    #[test]
    fn unreadable_files_are_one_line_naming_the_file() {
        let e = parse("a:\n  - [\n", "config.yaml").unwrap_err();
        assert!(e.starts_with("config.yaml: not valid YAML"), "{e}");
        let e = read(Path::new("/nonexistent/flink-conf.yaml")).unwrap_err();
        assert!(
            e.starts_with("/nonexistent/flink-conf.yaml: cannot read"),
            "{e}"
        );
    }
}
