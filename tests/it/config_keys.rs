//! Every configuration key flinspect reads, against the `ConfigOption` keys of the Flink releases
//! it claims, so no misspelt or out-of-range key passes.
//!
//! The keys of each release are `testdata/config/flink-<release>/option-keys.tsv`, read from
//! that release's jars by `testdata/config/OptionKeys.java` (reflection over every public
//! `*Options` class; `testdata/generate/flink-config.sh` regenerates them). For Flink 1.20.3
//! and 2.3.0, the releases `.ci/run` downloads, this test runs the same program on the jars
//! (testdata/generate/flink-jars.sh) and requires the committed list to equal what it prints.
//! Needs Java 11+; without it this test fails, it never skips.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use flinspect::config::keys::{self, Release, TESTED};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn release_dirs() -> Vec<(Release, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(Path::new(ROOT).join("testdata/config")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(v) = name.strip_prefix("flink-") {
            out.push((Release::parse(v).unwrap(), v.to_string()));
        }
    }
    out.sort();
    out
}

/// key → role ("key", "deprecated", "fallback") for one release.
fn read_keys(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(|l| {
            let mut f = l.split('\t');
            (
                f.next().unwrap().to_string(),
                f.next().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn every_release_with_a_key_list_is_one_flinspect_claims() {
    let have: Vec<Release> = release_dirs().into_iter().map(|(r, _)| r).collect();
    assert_eq!(have, TESTED, "testdata/config/ and keys::TESTED disagree");
}

#[test]
fn every_spelling_is_a_config_option_key_of_exactly_the_releases_it_claims() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for (release, v) in release_dirs() {
        let text = std::fs::read_to_string(
            Path::new(ROOT).join(format!("testdata/config/flink-{v}/option-keys.tsv")),
        )
        .unwrap();
        let known = read_keys(&text);
        for key in keys::ALL {
            for s in key.spellings {
                let present = known.contains_key(s.key);
                checked += 1;
                if s.read_by(release) && !present {
                    problems.push(format!(
                        "{}: claimed for {release} but Flink {v} has no such option key",
                        s.key
                    ));
                }
                // The range is exact: a release after `until` or before `from` (when `from` is
                // a tested release after the first) must not know it.
                if !s.read_by(release) && present && (release > s.from || s.from > TESTED[0]) {
                    problems.push(format!(
                        "{}: Flink {v} reads it ({}), but its range {}..{:?} says not",
                        s.key, known[s.key], s.from, s.until
                    ));
                }
            }
        }
        let f = keys::METRICS_REPORTER_FACTORY;
        if f.read_by(release) != known.contains_key(f.key) {
            problems.push(format!("metrics reporter option {}: Flink {v}", f.key));
        }
    }
    assert!(checked > 250, "{checked}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn defaults_flinspect_assumes_are_flinks() {
    // The default a rule assumes when a key is absent, against the option's default value in
    // the newest tested release (durations as java.time.Duration prints them).
    let text = std::fs::read_to_string(
        Path::new(ROOT).join("testdata/config/flink-2.3.0/option-keys.tsv"),
    )
    .unwrap();
    let defaults: HashMap<&str, &str> = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.get(1) == Some(&"key")).then(|| (f[0], f.get(3).copied().unwrap_or("")))
        })
        .collect();
    let mut problems = Vec::new();
    for key in keys::ALL {
        let flink = defaults.get(key.name()).copied().unwrap_or("");
        let ours = key.default.unwrap_or("");
        let same = match key.ty {
            keys::Type::Duration => {
                let a = (!ours.is_empty())
                    .then(|| flinspect::config::value::parse_duration(ours).unwrap());
                let b = (!flink.is_empty())
                    .then(|| flinspect::config::value::parse_duration(flink).unwrap());
                a == b
            }
            _ => ours.eq_ignore_ascii_case(flink),
        };
        if !same {
            problems.push(format!(
                "{}: flinspect assumes {ours:?}, Flink 2.3.0 declares {flink:?}",
                key.name()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "{what}: cannot run {:?}: {e} (needs Java 11+)",
            cmd.get_program()
        )
    });
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn committed_key_lists_equal_the_jars_of_the_releases_ci_downloads() {
    let root = Path::new(ROOT);
    for v in ["1.20.3", "2.3.0"] {
        let lib = run(
            Command::new("bash")
                .arg(root.join("testdata/generate/flink-jars.sh"))
                .arg(v),
            &format!("fetching Flink {v}'s jars"),
        );
        let lib = Path::new(lib.trim());
        let mut jars: Vec<_> = std::fs::read_dir(lib)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "jar"))
            .collect();
        jars.sort();
        let live = run(
            Command::new("java")
                .arg("-cp")
                .arg(lib.join("*"))
                .arg(root.join("testdata/config/OptionKeys.java"))
                .args(&jars),
            &format!("OptionKeys.java on Flink {v}"),
        );
        let committed = std::fs::read_to_string(
            root.join(format!("testdata/config/flink-{v}/option-keys.tsv")),
        )
        .unwrap();
        let a: BTreeSet<&str> = live.lines().collect();
        let b: BTreeSet<&str> = committed.lines().collect();
        assert!(
            a.len() > 1000,
            "Flink {v}: only {} option keys read",
            a.len()
        );
        assert_eq!(
            a.difference(&b).collect::<Vec<_>>(),
            b.difference(&a).collect::<Vec<_>>(),
            "Flink {v}: the committed option-keys.tsv differs from the jars (run testdata/generate/flink-config.sh {v})"
        );
    }
}

/// Every configuration key the audit rules name in their texts (summary, explanation, fix) is a
/// key of some release (or, for a `<name>` template, has a known prefix), so the advice never
/// names a misspelt option.
#[test]
fn every_key_the_audit_rules_name_exists() {
    let mut known = BTreeSet::new();
    for (_, v) in release_dirs() {
        let text = std::fs::read_to_string(
            Path::new(ROOT).join(format!("testdata/config/flink-{v}/option-keys.tsv")),
        )
        .unwrap();
        known.extend(read_keys(&text).into_keys());
    }
    let roots = [
        "state.",
        "execution.",
        "high-availability",
        "restart-strategy",
        "jobmanager.",
        "taskmanager.",
        "metrics.",
        "rest.",
        "security.",
        "pipeline.",
        "parallelism.",
        "table.",
    ];
    let mut named = 0;
    let mut problems = Vec::new();
    for r in flinspect::audit::RULES {
        for text in [r.summary, r.explanation, r.fix] {
            for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || "._-<>".contains(c))) {
                let t = token.trim_end_matches(['.', '-']);
                if !t.contains('.') || !roots.iter().any(|p| t.starts_with(p)) {
                    continue;
                }
                named += 1;
                if let Some((prefix, _)) = t.split_once(".<") {
                    // `metrics.reporter.<name>.factory.class`: the prefix flinspect matches and
                    // the option under it.
                    assert_eq!(prefix, "metrics.reporter", "{}: {t}", r.id);
                    assert!(
                        t.ends_with(".factory.class") || t == "metrics.reporter.<name>",
                        "{}: {t}",
                        r.id
                    );
                    continue;
                }
                if !known.contains(t) {
                    problems.push(format!("{}: {t}", r.id));
                }
            }
        }
    }
    assert!(named > 40, "{named}");
    assert!(
        problems.is_empty(),
        "keys no release declares:\n{}",
        problems.join("\n")
    );
}
