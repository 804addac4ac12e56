//! `flinspect audit` of remote snapshots and trees: real Flink fixtures uploaded to s3s-fs on
//! loopback (tests/it/remote_support) are audited exactly as the same tree on local disk, the
//! storage keys may come from the audit's own `--config`, the server's state is unchanged and
//! only GET and HEAD are sent; a prefix that cannot be read is an error, never a verdict.

use crate::remote_support::{self, *};
use crate::scan_fixture::{self, Copy};

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use remote_support::proxy::Proxy;

const REMOTE_ROOT: &str = "s3://flink/tree";
const HARDENED: &str = "testdata/audit/hardened/config.yaml";

/// Incremental RocksDB checkpoints with savepoints (metadata V4) and a Flink 2.3.0 job (V5+).
fn cases() -> Vec<(String, String)> {
    let all = scan_fixture::all_cases();
    let mut out = vec![scan_fixture::incremental_case()];
    out.extend(
        all.iter()
            .find(|(v, c)| v == "flink-2.3.0" && c == "rocksdb-incremental")
            .cloned(),
    );
    out
}

/// The fixtures on the server under `s3://flink/tree/` and on local disk, with the same
/// modification times on both sides (the audit picks the newest snapshot by its time, and its
/// staleness rule reads it): the server's files are set to whole seconds first, then the local
/// copy to the same times.
struct World {
    s3: S3,
    copy: Copy,
}

impl World {
    fn new() -> World {
        let s3 = S3::start();
        let copy = Copy::new(&cases());
        upload(&*s3.store(), &copy.root(), "tree");
        let served = s3.dir.path().join(BUCKET).join("tree");
        let base = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_790_000_000);
        for (i, rel) in files_under(&copy.root()).iter().enumerate() {
            // Distinct times in the tree's own order, as a job writes its checkpoints.
            let t = base + std::time::Duration::from_secs(i as u64);
            for side in [served.join(rel), copy.root().join(rel)] {
                std::fs::File::options()
                    .write(true)
                    .open(&side)
                    .and_then(|f| f.set_modified(t))
                    .unwrap_or_else(|e| panic!("set the time of {}: {e}", side.display()));
            }
        }
        World { s3, copy }
    }

    fn local(&self) -> String {
        self.copy.root().display().to_string()
    }

    /// The newest checkpoint directory of the incremental job, relative to the root.
    fn a_checkpoint(&self) -> PathBuf {
        let (v, c) = scan_fixture::incremental_case();
        let job = scan_fixture::job_dir(&self.copy.root().join(&v).join(&c));
        let chk = scan_fixture::newest_checkpoint(&job);
        chk.strip_prefix(self.copy.root()).unwrap().to_path_buf()
    }
}

/// Runs flinspect through a proxy that logs every request; checks that the server's state did
/// not change and that only GET and HEAD were sent.
fn run_read_only(s3: &S3, args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let proxy = Proxy::start(s3.addr());
    let before = s3.state();
    let mut all = s3_env(&proxy.url());
    all.extend(env.iter().cloned());
    let out = flinspect(args, &all);
    check_read_only(s3, &proxy, &before, args);
    out
}

fn check_read_only(
    s3: &S3,
    proxy: &Proxy,
    before: &std::collections::BTreeMap<PathBuf, (u64, u64, Option<SystemTime>)>,
    args: &[&str],
) {
    assert_eq!(
        &s3.state(),
        before,
        "flinspect {args:?} changed the server's state"
    );
    let log = proxy.log();
    assert!(!log.is_empty(), "flinspect {args:?} sent no request");
    for l in &log {
        assert!(
            l.starts_with("GET ") || l.starts_with("HEAD "),
            "flinspect {args:?} sent {l}"
        );
    }
}

/// The audit's JSON document with what depends on when it ran taken out: the checkpoint ages
/// the staleness rule states ("written 73 d ago", "is 6312345 s old"; its status stays).
fn comparable(out: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("a JSON document ({e}): {}", text(out)));
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => {
                for marker in [" ago", " old"] {
                    let Some(end) = s.find(marker) else { continue };
                    // The duration is the two words before the marker: "<number> <unit>".
                    let cut = s[..end].rsplitn(3, ' ').nth(2).map(str::len).unwrap_or(0);
                    *s = format!("{} <AGE>{}", &s[..cut], &s[end..]);
                }
            }
            serde_json::Value::Object(m) => m.values_mut().for_each(strip),
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

/// Equal documents, or a failure that shows the first item that differs.
fn assert_same(got: &serde_json::Value, want: &serde_json::Value, what: &str) {
    if got == want {
        return;
    }
    let (g, w) = (got["items"].as_array(), want["items"].as_array());
    if let (Some(g), Some(w)) = (g, w) {
        for (a, b) in g.iter().zip(w) {
            assert_eq!(a, b, "{what}: first item that differs (got, want)");
        }
        assert_eq!(g.len(), w.len(), "{what}: items");
    }
    let mut g = got.clone();
    let mut w = want.clone();
    g["items"] = serde_json::Value::Null;
    w["items"] = serde_json::Value::Null;
    assert_eq!(g, w, "{what}: the document apart from its items");
}

fn replaced(out: &[u8], from: &str, to: &str) -> Vec<u8> {
    text(out).replace(from, to).into_bytes()
}

fn status(v: &serde_json::Value, rule: &str) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["rule"] == rule)
        .map(|i| i["status"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn audit_of_a_bucket_prefix_equals_the_audit_of_the_same_tree_on_disk() {
    let w = World::new();
    let chk = w.a_checkpoint();
    let local_chk = w.copy.root().join(&chk).display().to_string();
    let remote_chk = format!("{REMOTE_ROOT}/{}", chk.display());
    // The whole tree (scanned), one checkpoint (the newest state), and both.
    for (local, remote) in [
        (vec![w.local()], vec![REMOTE_ROOT.to_string()]),
        (vec![local_chk.clone()], vec![remote_chk.clone()]),
        (
            vec![local_chk.clone(), w.local()],
            vec![format!("{remote_chk}/_metadata"), REMOTE_ROOT.to_string()],
        ),
    ] {
        let args = |paths: &[String]| -> Vec<String> {
            let mut a: Vec<String> = ["audit", "--config", HARDENED, "--format", "json"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            a.extend(paths.iter().cloned());
            a
        };
        let la = args(&local);
        let want = flinspect(&la.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
        assert!(
            matches!(want.status.code(), Some(0 | 1 | 3)),
            "a verdict on disk: {}",
            text(&want.stderr)
        );
        let ra = args(&remote);
        let got = run_read_only(
            &w.s3,
            &ra.iter().map(String::as_str).collect::<Vec<_>>(),
            &[],
        );
        assert_eq!(
            got.status.code(),
            want.status.code(),
            "{remote:?}: {}",
            text(&got.stderr)
        );
        let mut want_doc = comparable(&replaced(&want.stdout, &w.local(), REMOTE_ROOT));
        let mut got_doc = comparable(&got.stdout);
        assert_eq!(got_doc["inputs"]["snapshots"], serde_json::json!(remote));
        // The snapshots as given (the `_metadata` object vs the directory).
        want_doc["inputs"]["snapshots"] = serde_json::Value::Null;
        got_doc["inputs"]["snapshots"] = serde_json::Value::Null;
        assert_same(&got_doc, &want_doc, &format!("{remote:?}"));
        // The snapshot items were decided by the remote snapshots, not left unchecked: the
        // newest state's (skew) always, a tree's history (growth, staleness) when one is given.
        let tree = remote.iter().any(|r| r == REMOTE_ROOT);
        let rules: &[&str] = if tree {
            &["state_skew", "checkpoint_size_growth", "checkpoint_stale"]
        } else {
            &["state_skew"]
        };
        for rule in rules {
            let s = status(&got_doc, rule);
            assert!(
                !s.is_empty() && s.iter().all(|s| s != "not_checked"),
                "{rule}: {s:?} for {remote:?}"
            );
        }
    }
}

#[test]
fn the_audits_config_is_also_the_storage_configuration() {
    let w = World::new();
    let proxy = Proxy::start(w.s3.addr());
    let tmp = tempfile::tempdir().unwrap();
    // The hardened configuration with the S3 plugin's keys added, as the Flink job would have
    // them (a flat file with the same settings would be read the same way).
    let hardened =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(HARDENED)).unwrap();
    let conf = tmp.path().join("config.yaml");
    std::fs::write(
        &conf,
        format!(
            "{hardened}\ns3.endpoint: {}\ns3.path.style.access: true\ns3.access-key: {ACCESS_KEY}\ns3.secret-key: {SECRET_KEY}\n",
            proxy.url()
        ),
    )
    .unwrap();
    let conf = conf.to_str().unwrap();
    let want = flinspect(
        &["audit", "--config", conf, "--format", "json", &w.local()],
        &[],
    );
    assert!(
        matches!(want.status.code(), Some(0 | 1 | 3)),
        "{}",
        text(&want.stderr)
    );
    let before = w.s3.state();
    // Only a region in the environment: endpoint and keys come from the file; the remote
    // options as the other commands have them.
    let got = flinspect(
        &[
            "audit",
            "--config",
            conf,
            "--format",
            "json",
            "--concurrency",
            "4",
            "--remote-timeout",
            "20",
            "--retries",
            "2",
            "s3a://flink/tree",
        ],
        &[("AWS_REGION", "us-east-1".into())],
    );
    check_read_only(&w.s3, &proxy, &before, &["audit", "s3a://flink/tree"]);
    assert_eq!(
        got.status.code(),
        want.status.code(),
        "{}",
        text(&got.stderr)
    );
    let mut want_doc = comparable(&replaced(&want.stdout, &w.local(), REMOTE_ROOT));
    let mut got_doc = comparable(&got.stdout);
    want_doc["inputs"]["snapshots"] = serde_json::Value::Null;
    got_doc["inputs"]["snapshots"] = serde_json::Value::Null;
    assert_same(
        &got_doc,
        &want_doc,
        "s3a://flink/tree with keys from --config",
    );
    // Without the keys there are no credentials for this server: an error naming the
    // location, no verdict.
    let got = flinspect(
        &[
            "audit",
            "--config",
            HARDENED,
            "--format",
            "json",
            REMOTE_ROOT,
        ],
        &[
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", w.s3.endpoint()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ],
    );
    assert_eq!(got.status.code(), Some(2), "{}", text(&got.stderr));
    let v: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert!(
        v.get("verdict").is_none() && v.get("items").is_none(),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(REMOTE_ROOT)),
        "{v}"
    );
}

#[test]
fn a_missing_or_forbidden_prefix_is_an_error_and_never_ready() {
    let w = World::new();
    let chk = w.a_checkpoint();
    let missing = "s3://flink/no-such-prefix";
    let missing_chk = format!("{REMOTE_ROOT}/{}-gone", chk.display());
    for target in [missing.to_string(), missing_chk.clone()] {
        for format in ["json", "human"] {
            let out = run_read_only(
                &w.s3,
                &["audit", "--config", HARDENED, "--format", format, &target],
                &[],
            );
            assert_eq!(
                out.status.code(),
                Some(2),
                "{target}: {}",
                text(&out.stderr)
            );
            let err = text(&out.stderr);
            assert!(
                err.contains(&target) && err.contains("no objects under this prefix"),
                "{target}: {err}"
            );
            assert_eq!(err.lines().count(), 1, "one line: {err}");
            assert!(
                !text(&out.stdout).to_lowercase().contains("ready"),
                "{}",
                text(&out.stdout)
            );
            if format == "json" {
                let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert!(v.get("verdict").is_none(), "{v}");
                assert!(
                    v["error"]["message"]
                        .as_str()
                        .is_some_and(|m| m.contains(&target)),
                    "{v}"
                );
            }
        }
    }
    // 403: the right key with the wrong secret, for a tree and for a snapshot.
    let remote_chk = format!("{REMOTE_ROOT}/{}", chk.display());
    for target in [REMOTE_ROOT.to_string(), remote_chk] {
        let out = run_read_only(
            &w.s3,
            &["audit", "--config", HARDENED, "--format", "json", &target],
            &[("AWS_SECRET_ACCESS_KEY", "wrong-secret".into())],
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{target}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(
            err.contains(&target) && err.contains("access denied (HTTP 403)"),
            "{target}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            v.get("verdict").is_none() && v.get("items").is_none(),
            "{v}"
        );
    }
}
