//! Remote snapshots: `inspect`, `check` and `scan` read real Flink fixtures from real storage
//! servers on loopback (tests/it/remote_support), and say exactly what they say about the same
//! tree on local disk. Every test checks that the server's stored state is unchanged and that
//! flinspect sent only GET and HEAD requests.

use crate::remote_support::{self, *};
use crate::{common, scan_fixture};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use remote_support::proxy::{Fault, Proxy, Rule};
use scan_fixture::Copy;

/// Fixture cases uploaded for the comparisons: metadata V4 (1.20.3) and V5+ (2.3.0), full and
/// incremental, unaligned, changelog and ForSt. (Not file merging: s3s-fs keeps each object's
/// metadata in a file named by the base64 of its key, and the file-merging fixtures' keys of
/// ~200 characters exceed the file system's 255-byte name limit, so the server cannot store
/// them: HTTP 500 on PUT.)
fn cases() -> Vec<(String, String)> {
    let want = [
        ("flink-1.20.3", "hashmap"),
        ("flink-1.20.3", "rocksdb-incremental"),
        ("flink-1.20.3", "unaligned"),
        ("flink-1.20.3", "changelog"),
        ("flink-2.3.0", "rocksdb-incremental"),
        ("flink-2.3.0", "forst"),
    ];
    let all = scan_fixture::all_cases();
    want.iter()
        .map(|(v, c)| {
            all.iter()
                .find(|(av, ac)| av == v && ac == c)
                .cloned()
                .unwrap_or_else(|| panic!("fixture {v}/{c} missing"))
        })
        .collect()
}

/// A storage server of one kind holding the fixtures' copy under `<scheme>://flink/tree/`.
enum Server {
    S3(S3),
    Gcs(Gcs),
}

impl Server {
    fn addr(&self) -> SocketAddr {
        match self {
            Server::S3(s) => s.addr(),
            Server::Gcs(g) => g.addr(),
        }
    }

    fn state(&self) -> State {
        match self {
            Server::S3(s) => s.state(),
            Server::Gcs(g) => g.state(),
        }
    }

    /// The environment that points flinspect at the server through `endpoint` (a proxy).
    fn env(&self, endpoint: &str) -> Vec<(&'static str, String)> {
        match self {
            Server::S3(_) => s3_env(endpoint),
            Server::Gcs(_) => Gcs::env(endpoint),
        }
    }

    /// Where the copy's root is on the server.
    fn root(&self) -> &'static str {
        match self {
            Server::S3(_) => REMOTE_ROOT,
            Server::Gcs(_) => GCS_ROOT,
        }
    }

    /// Deletes the object `tree/<rel>` (the test deletes; flinspect never does).
    fn delete(&self, rel: &Path) {
        match self {
            Server::S3(s) => {
                std::fs::remove_file(s.dir.path().join(BUCKET).join("tree").join(rel)).unwrap()
            }
            Server::Gcs(g) => {
                let key = format!("tree/{}", rel.display());
                use object_store::ObjectStoreExt;
                runtime()
                    .block_on(
                        g.store()
                            .delete(&object_store::path::Path::from(key.as_str())),
                    )
                    .unwrap_or_else(|e| panic!("delete {key}: {e}"));
            }
        }
    }
}

/// A storage server holding a copy of the fixtures under `tree/`, and the same copy on local
/// disk.
struct World {
    server: Server,
    copy: Copy,
}

impl World {
    /// s3s-fs, the copy uploaded through the S3 API.
    fn s3() -> World {
        let s3 = S3::start();
        let copy = Copy::new(&cases());
        upload(&*s3.store(), &copy.root(), "tree");
        World {
            server: Server::S3(s3),
            copy,
        }
    }

    /// fake-gcs-server, the copy loaded by the server from its data directory (its XML API's
    /// PUT is the signed-URL upload, which wants JSON-API parameters `object_store` does not
    /// send).
    fn gcs() -> World {
        let copy = Copy::new(&cases());
        let gcs = Gcs::start(&copy.root(), "tree");
        World {
            server: Server::Gcs(gcs),
            copy,
        }
    }

    fn local(&self) -> String {
        self.copy.root().display().to_string()
    }

    fn root(&self) -> &'static str {
        self.server.root()
    }

    /// Every `_metadata` directory of the copy, relative to its root.
    fn snapshot_dirs(&self) -> Vec<PathBuf> {
        files_under(&self.copy.root())
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "_metadata"))
            .map(|p| p.parent().unwrap().to_path_buf())
            .collect()
    }

    /// The S3 server (the fault tests run against S3).
    fn s3_server(&self) -> &S3 {
        server_s3(&self.server)
    }
}

fn server_s3(server: &Server) -> &S3 {
    match server {
        Server::S3(s) => s,
        Server::Gcs(_) => panic!("not an S3 server"),
    }
}

const REMOTE_ROOT: &str = "s3://flink/tree";
const GCS_ROOT: &str = "gs://flink/tree";

/// Runs flinspect against the server and checks that nothing on it changed and that only GET
/// and HEAD were sent (through a proxy that logs every request).
fn run_read_only(
    server: &Server,
    args: &[&str],
    env_extra: &[(&str, String)],
) -> std::process::Output {
    let proxy = Proxy::start(server.addr());
    let before = server.state();
    let mut env = server.env(&proxy.url());
    env.extend(env_extra.iter().cloned());
    let out = flinspect(args, &env);
    assert_eq!(
        server.state(),
        before,
        "flinspect {args:?} changed the server's state"
    );
    let log = proxy.log();
    assert!(
        !log.is_empty(),
        "flinspect {args:?} sent no request through the proxy"
    );
    for l in &log {
        assert!(
            l.starts_with("GET ") || l.starts_with("HEAD "),
            "flinspect {args:?} sent {l}"
        );
    }
    out
}

fn inspect_reads_every_snapshot_as_from_disk(w: &World) {
    let dirs = w.snapshot_dirs();
    assert!(dirs.len() >= 15, "{} snapshots", dirs.len());
    for rel in &dirs {
        let local = w.copy.root().join(rel);
        let remote = format!("{}/{}", w.root(), rel.display());
        // `--states` reads the state files' headers where they are: ranges of remote objects.
        for (json, states) in [(false, false), (true, false), (false, true), (true, true)] {
            let mut args = vec!["inspect", "--files", "--subtasks"];
            if json {
                args.push("--json");
            }
            if states {
                args.push("--states");
            }
            let want = flinspect(&[args.as_slice(), &[local.to_str().unwrap()]].concat(), &[]);
            assert!(want.status.success(), "{}", text(&want.stderr));
            // The directory, and the `_metadata` object itself.
            for target in [remote.clone(), format!("{remote}/_metadata")] {
                let got = run_read_only(
                    &w.server,
                    &[args.as_slice(), &[target.as_str()]].concat(),
                    &[],
                );
                assert!(got.status.success(), "{target}: {}", text(&got.stderr));
                let want = text(&want.stdout).replace(&w.local(), w.root());
                assert_eq!(
                    text(&got.stdout),
                    want,
                    "{target} (json: {json}, states: {states})"
                );
            }
        }
    }
}

#[test]
fn inspect_reads_every_snapshot_from_s3_as_from_disk() {
    inspect_reads_every_snapshot_as_from_disk(&World::s3());
}

#[test]
fn inspect_reads_every_snapshot_from_gcs_as_from_disk() {
    inspect_reads_every_snapshot_as_from_disk(&World::gcs());
}

#[test]
fn inspect_takes_credentials_and_endpoint_from_a_flink_config_and_s3a_s3p_schemes() {
    let w = World::s3();
    let rel = &w.snapshot_dirs()[0];
    let local = w.copy.root().join(rel);
    let want = flinspect(&["inspect", "--json", local.to_str().unwrap()], &[]);
    let proxy = Proxy::start(w.s3_server().addr());
    let tmp = tempfile::tempdir().unwrap();
    // Flink 2.x's nested config.yaml and Flink 1.x's flat flink-conf.yaml.
    let nested = tmp.path().join("config.yaml");
    std::fs::write(
        &nested,
        format!(
            "s3:\n  endpoint: {}\n  path:\n    style:\n      access: true\n  access-key: {ACCESS_KEY}\n  secret-key: {SECRET_KEY}\n",
            proxy.url()
        ),
    )
    .unwrap();
    let flat = tmp.path().join("flink-conf.yaml");
    std::fs::write(
        &flat,
        format!(
            "s3.endpoint: {}\ns3.path.style.access: true\ns3.access-key: {ACCESS_KEY}\ns3.secret-key: {SECRET_KEY}\n",
            proxy.url()
        ),
    )
    .unwrap();
    let before = w.s3_server().state();
    for (conf, scheme) in [(&nested, "s3a"), (&flat, "s3p"), (&nested, "s3")] {
        let remote = format!("{scheme}://flink/tree/{}", rel.display());
        // Only a region in the environment: endpoint and keys come from the file.
        let out = flinspect(
            &[
                "inspect",
                "--json",
                "--config",
                conf.to_str().unwrap(),
                &remote,
            ],
            &[("AWS_REGION", "us-east-1".into())],
        );
        assert!(out.status.success(), "{remote}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            text(&want.stdout).replace(&w.local(), REMOTE_ROOT),
            "{remote}"
        );
    }
    // Without the file there are no credentials for this server.
    let out = flinspect(
        &["inspect", &format!("s3://flink/tree/{}", rel.display())],
        &[
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", proxy.url()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", "wrong-secret".into()),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("s3://flink/tree/{}", rel.display()))
            && err.contains("access denied (HTTP 403)"),
        "{err}"
    );
    assert!(err.lines().count() == 1, "one line: {err}");
    assert_eq!(w.s3_server().state(), before);
    assert!(proxy
        .log()
        .iter()
        .all(|l| l.starts_with("GET ") || l.starts_with("HEAD ")));
}

#[test]
fn gcs_endpoint_and_key_come_from_the_environment_or_a_flink_config() {
    let w = World::gcs();
    let rel = &w.snapshot_dirs()[0];
    let local = w.copy.root().join(rel);
    let want = flinspect(&["inspect", "--json", local.to_str().unwrap()], &[]);
    let want = text(&want.stdout).replace(&w.local(), GCS_ROOT);
    let remote = format!("{GCS_ROOT}/{}", rel.display());
    let proxy = Proxy::start(w.server.addr());
    let before = w.server.state();
    // object_store's variables: GOOGLE_BASE_URL, GOOGLE_SERVICE_ACCOUNT_KEY (the key itself)…
    let out = flinspect(&["inspect", "--json", &remote], &Gcs::env(&proxy.url()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), want);
    // … or GOOGLE_SERVICE_ACCOUNT (a key file's path).
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("key.json");
    std::fs::write(&key, GCS_EMULATOR_KEY).unwrap();
    let out = flinspect(
        &["inspect", "--json", &remote],
        &[
            ("GOOGLE_BASE_URL", proxy.url()),
            ("GOOGLE_SERVICE_ACCOUNT", key.display().to_string()),
            ("GOOGLE_ALLOW_HTTP", "true".into()),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), want);
    // Flink's own keys (flink-gs-fs-hadoop hands `gs.*` to the GCS connector as `fs.gs.*`):
    // the connector's root URL and the service account's key file, nothing in the environment.
    for conf in [
        format!(
            "gs.storage.root.url: {}/\ngs.auth.service.account.json.keyfile: {}\n",
            proxy.url(),
            key.display()
        ),
        format!(
            "fs:\n  gs:\n    storage.root.url: {}\n    auth.service.account.json.keyfile: {}\n",
            proxy.url(),
            key.display()
        ),
    ] {
        let file = tmp.path().join("config.yaml");
        std::fs::write(&file, &conf).unwrap();
        let out = flinspect(
            &[
                "inspect",
                "--json",
                "--config",
                file.to_str().unwrap(),
                &remote,
            ],
            &[],
        );
        assert!(out.status.success(), "{conf}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), want, "{conf}");
    }
    assert_eq!(w.server.state(), before, "the emulator's state changed");
    let log = proxy.log();
    assert!(log.len() >= 4, "{log:?}");
    assert!(
        log.iter()
            .all(|l| l.starts_with("GET ") || l.starts_with("HEAD ")),
        "{log:?}"
    );
}

/// `scan --json` with everything that depends on where the tree is or when it was written
/// taken out: the root's spelling and modification times.
fn comparable_scan(out: &[u8], root: &str) -> Vec<serde_json::Value> {
    text(out)
        .replace(root, "ROOT")
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            strip_times(&mut v);
            v
        })
        .collect()
}

fn strip_times(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            // An object store has no empty directories (Flink leaves `taskowned/` empty).
            m.retain(|k, _| !k.contains("modified") && k != "elapsed_ms" && k != "dirs_walked");
            m.values_mut().for_each(strip_times);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_times),
        _ => {}
    }
}

fn scan_of_a_bucket_prefix_equals_the_scan_on_disk(w: &World) {
    let local = flinspect(&["scan", "--json", &w.local()], &[]);
    let want = comparable_scan(&local.stdout, &w.local());
    for concurrency in ["1", "8", "64"] {
        let remote = run_read_only(
            &w.server,
            &["scan", "--json", "--concurrency", concurrency, w.root()],
            &[],
        );
        assert_eq!(
            remote.status.code(),
            local.status.code(),
            "{}",
            text(&remote.stderr)
        );
        let got = comparable_scan(&remote.stdout, w.root());
        assert_eq!(got, want, "--concurrency {concurrency}");
    }
    // The summary really counts snapshots, and reclaimable files exist in these fixtures.
    let summary = want.last().unwrap();
    assert!(
        summary["snapshots"].as_u64().unwrap_or(0) >= 15,
        "{summary}"
    );
}

#[test]
fn scan_of_a_bucket_prefix_equals_the_scan_of_the_same_tree_on_disk() {
    scan_of_a_bucket_prefix_equals_the_scan_on_disk(&World::s3());
}

#[test]
fn scan_of_a_gcs_prefix_equals_the_scan_of_the_same_tree_on_disk() {
    scan_of_a_bucket_prefix_equals_the_scan_on_disk(&World::gcs());
}

fn scan_finds_a_deleted_state_file(w: &World) {
    let (v, c) = scan_fixture::incremental_case();
    // Delete one referenced shared/ file on both sides (the test deletes; flinspect never does).
    let shared: Vec<PathBuf> = files_under(&w.copy.root())
        .into_iter()
        .filter(|p| {
            p.starts_with(Path::new(&v).join(&c))
                && p.components().any(|c| c.as_os_str() == "shared")
        })
        .collect();
    let victim = shared.first().expect("a shared file").clone();
    std::fs::remove_file(w.copy.root().join(&victim)).unwrap();
    w.server.delete(&victim);
    let local = flinspect(&["scan", "--json", &w.local()], &[]);
    let remote = run_read_only(&w.server, &["scan", "--json", w.root()], &[]);
    assert_eq!(
        local.status.code(),
        Some(1),
        "a broken snapshot: {}",
        text(&local.stderr)
    );
    assert_eq!(remote.status.code(), Some(1), "{}", text(&remote.stderr));
    assert_eq!(
        comparable_scan(&remote.stdout, w.root()),
        comparable_scan(&local.stdout, &w.local())
    );
    let missing = format!("{}/{}", w.root(), victim.display());
    assert!(text(&remote.stdout).contains(&missing), "names {missing}");
}

#[test]
fn scan_finds_a_deleted_state_file_from_the_listing() {
    scan_finds_a_deleted_state_file(&World::s3());
}

#[test]
fn scan_finds_a_state_file_deleted_from_gcs_from_the_listing() {
    scan_finds_a_deleted_state_file(&World::gcs());
}

fn check_judges_a_remote_snapshot_as_a_local_one(w: &World) {
    let (v, c) = scan_fixture::incremental_case();
    let dirs: Vec<PathBuf> = w
        .snapshot_dirs()
        .into_iter()
        .filter(|d| d.starts_with(Path::new(&v).join(&c)))
        .collect();
    assert!(dirs.len() >= 2);
    // Each snapshot judged against the job as the newest other snapshot of it describes it.
    let other = dirs.last().unwrap();
    for rel in &dirs[..dirs.len() - 1] {
        let local = w.copy.root().join(rel);
        let local_other = w.copy.root().join(other);
        let remote = format!("{}/{}", w.root(), rel.display());
        let remote_other = format!("{}/{}", w.root(), other.display());
        let want = flinspect(
            &[
                "check",
                local.to_str().unwrap(),
                "--against",
                local_other.to_str().unwrap(),
                "--format",
                "json",
            ],
            &[],
        );
        assert!(
            matches!(want.status.code(), Some(0 | 1 | 3)),
            "a verdict: {}",
            text(&want.stderr)
        );
        let got = run_read_only(
            &w.server,
            &[
                "check",
                &remote,
                "--against",
                &remote_other,
                "--format",
                "json",
            ],
            &[],
        );
        assert_eq!(
            got.status.code(),
            want.status.code(),
            "{remote}: {}",
            text(&got.stderr)
        );
        let want = text(&want.stdout).replace(&w.local(), w.root());
        assert_eq!(text(&got.stdout), want, "{remote}");
        let doc: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
        assert!(doc.get("verdict").is_some(), "{doc}");
    }
}

/// `diff SNAPSHOT NEW` with the snapshot on the server: the same document as with the local
/// copy. NEW keeps every operator of the snapshot but the first (by id), so the first one's
/// state is not mapped.
fn diff_takes_a_remote_snapshot_as_old(w: &World) {
    let (v, c) = scan_fixture::incremental_case();
    let rel = w
        .snapshot_dirs()
        .into_iter()
        .find(|d| d.starts_with(Path::new(&v).join(&c)))
        .unwrap();
    let local = w.copy.root().join(&rel);
    let remote = format!("{}/{}", w.root(), rel.display());
    let doc = flinspect(&["inspect", "--json", local.to_str().unwrap()], &[]);
    let doc: serde_json::Value = serde_json::from_slice(&doc.stdout).unwrap();
    let ops = doc["operators"].as_array().unwrap();
    assert!(ops.len() >= 2, "{doc}");
    let mut job = String::from("operators:\n");
    for op in &ops[1..] {
        job.push_str(&format!("  - uid-hash: {}\n", op["id"].as_str().unwrap()));
    }
    let dir = tempfile::tempdir().unwrap();
    let job_path = dir.path().join("new.yaml");
    std::fs::write(&job_path, job).unwrap();
    let job_path = job_path.to_str().unwrap();
    let want = flinspect(&["diff", local.to_str().unwrap(), job_path, "--json"], &[]);
    assert!(
        matches!(want.status.code(), Some(0 | 1 | 3)),
        "{}",
        text(&want.stderr)
    );
    let got = run_read_only(&w.server, &["diff", &remote, job_path, "--json"], &[]);
    assert_eq!(
        got.status.code(),
        want.status.code(),
        "{remote}: {}",
        text(&got.stderr)
    );
    let want = text(&want.stdout).replace(&w.local(), w.root());
    assert_eq!(text(&got.stdout), want, "{remote}");
}

#[test]
fn diff_takes_a_remote_snapshot_as_old_from_s3_and_gcs() {
    diff_takes_a_remote_snapshot_as_old(&World::s3());
    diff_takes_a_remote_snapshot_as_old(&World::gcs());
}

#[test]
fn check_judges_a_remote_snapshot_as_the_local_one() {
    check_judges_a_remote_snapshot_as_a_local_one(&World::s3());
}

#[test]
fn check_judges_a_gcs_snapshot_as_the_local_one() {
    check_judges_a_remote_snapshot_as_a_local_one(&World::gcs());
}

/// One snapshot through the fault proxy, with short timeouts and few retries.
fn through_faults(w: &World, proxy: &Proxy, args: &[&str]) -> std::process::Output {
    let before = w.s3_server().state();
    let out = flinspect(args, &s3_env(&proxy.url()));
    assert_eq!(w.s3_server().state(), before);
    for l in proxy.log() {
        assert!(l.starts_with("GET ") || l.starts_with("HEAD "), "{l}");
    }
    out
}

#[test]
fn faults_are_retried_with_backoff_and_then_named_in_one_line() {
    let w = World::s3();
    let rel = w.snapshot_dirs()[0].clone();
    let local = w.copy.root().join(&rel);
    let remote = format!("{REMOTE_ROOT}/{}", rel.display());
    let want = flinspect(&["inspect", "--json", local.to_str().unwrap()], &[]);
    let want = text(&want.stdout).replace(&w.local(), REMOTE_ROOT);
    let proxy = Proxy::start(w.s3_server().addr());
    let args = [
        "inspect",
        "--json",
        "--retries",
        "3",
        "--remote-timeout",
        "2",
        &remote,
    ];
    let get = |fault: Fault, times: usize| Rule {
        method: Some("GET"),
        path: Some("_metadata".into()),
        fault,
        times,
    };
    // Transient faults, fewer than the retries: the snapshot is read whole and equal.
    for (fault, times) in [
        (Fault::SlowDown, 2),
        (Fault::Status(500, "InternalError"), 2),
        (Fault::Reset, 2),
        (Fault::Truncate(100), 2),
        (Fault::Delay(Duration::from_secs(4)), 1),
    ] {
        proxy.clear();
        proxy.add(get(fault.clone(), times));
        let out = through_faults(&w, &proxy, &args);
        assert!(out.status.success(), "{fault:?}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), want, "{fault:?}");
        let gets = proxy.log().iter().filter(|l| l.starts_with("GET ")).count();
        assert!(gets > times, "{fault:?}: retried ({gets} GETs)");
    }
    // Faults that persist: one clear line naming the location and the cause, exit 2, and no
    // document that could pass for a readable snapshot.
    for (fault, cause) in [
        (Fault::SlowDown, "throttled or unavailable"),
        (Fault::Reset, "connection reset"),
        (Fault::Truncate(100), "truncated body"),
        (Fault::Delay(Duration::from_secs(4)), "timed out"),
        (
            Fault::Status(403, "AccessDenied"),
            "access denied (HTTP 403)",
        ),
        (Fault::Status(404, "NoSuchKey"), "no such object"),
    ] {
        proxy.clear();
        proxy.add(get(fault.clone(), usize::MAX));
        let started = std::time::Instant::now();
        let out = through_faults(&w, &proxy, &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{fault:?}: {}",
            text(&out.stdout)
        );
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{remote}/_metadata")),
            "{fault:?} names the object: {err}"
        );
        assert!(err.contains(cause), "{fault:?}: {cause:?} in {err}");
        let doc: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("an error document");
        assert!(
            doc.get("error").is_some() && doc.get("operators").is_none(),
            "{doc}"
        );
        // Bounded: 3 retries with backoff, each attempt at most the 2 s timeout.
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "{fault:?} took {:?}",
            started.elapsed()
        );
        let gets = proxy.log().iter().filter(|l| l.starts_with("GET ")).count();
        let expected_max = if matches!(fault, Fault::Status(..)) {
            1
        } else {
            4
        };
        assert!(gets <= expected_max + 1, "{fault:?}: {gets} GETs");
    }
}

#[test]
fn a_snapshot_whose_metadata_cannot_be_read_is_never_restorable() {
    let w = World::s3();
    let proxy = Proxy::start(w.s3_server().addr());
    let rel = w.snapshot_dirs()[0].clone();
    proxy.add(Rule {
        method: Some("GET"),
        path: Some(format!("{}/_metadata", rel.display())),
        fault: Fault::Truncate(50),
        times: usize::MAX,
    });
    let out = through_faults(
        &w,
        &proxy,
        &["scan", "--json", "--retries", "1", REMOTE_ROOT],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let bad = format!("{REMOTE_ROOT}/{}/_metadata", rel.display());
    let record = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["type"] == "snapshot" && v["path"] == bad.as_str())
        .unwrap_or_else(|| panic!("a record for {bad}"));
    assert_eq!(record["status"], "error", "{record}");
    assert!(
        record["error"].as_str().unwrap().contains("truncated body"),
        "{record}"
    );
    // And `check` gives no verdict for it, against a readable snapshot of the same job that
    // alone gives one.
    let other = w
        .snapshot_dirs()
        .into_iter()
        .find(|d| d != &rel && d.starts_with(rel.iter().take(2).collect::<PathBuf>()))
        .expect("another snapshot of the case");
    let readable = through_faults(
        &w,
        &proxy,
        &[
            "check",
            "--retries",
            "1",
            &format!("{REMOTE_ROOT}/{}", other.display()),
            "--against",
            &format!("{REMOTE_ROOT}/{}", other.display()),
        ],
    );
    assert!(
        matches!(readable.status.code(), Some(0 | 1 | 3)),
        "{}",
        text(&readable.stderr)
    );
    let out = through_faults(
        &w,
        &proxy,
        &[
            "check",
            "--retries",
            "1",
            &format!("{REMOTE_ROOT}/{}", rel.display()),
            "--against",
            &format!("{REMOTE_ROOT}/{}", other.display()),
        ],
    );
    assert!(
        text(&out.stderr).contains("truncated body"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        !text(&out.stdout).contains("compatible"),
        "{}",
        text(&out.stdout)
    );
}

/// The same fixtures, read from another kind of server: `inspect` of each snapshot equals the
/// local one, and `scan` of the tree equals the local scan.
fn compare_with_local(copy: &Copy, remote_root: &str, env: &[(&str, String)], scan: bool) {
    let local_root = copy.root().display().to_string();
    let dirs: Vec<PathBuf> = files_under(&copy.root())
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "_metadata"))
        .map(|p| p.parent().unwrap().to_path_buf())
        .collect();
    assert!(!dirs.is_empty());
    for rel in &dirs {
        let local = copy.root().join(rel);
        // --states: the state files' headers too, fetched as ranges.
        let want = flinspect(
            &[
                "inspect",
                "--json",
                "--files",
                "--states",
                local.to_str().unwrap(),
            ],
            &[],
        );
        assert!(want.status.success());
        let remote = format!("{remote_root}/{}", rel.display());
        let got = flinspect(&["inspect", "--json", "--files", "--states", &remote], env);
        assert!(got.status.success(), "{remote}: {}", text(&got.stderr));
        assert_eq!(
            text(&got.stdout),
            text(&want.stdout).replace(&local_root, remote_root),
            "{remote}"
        );
    }
    if scan {
        let want = flinspect(&["scan", "--json", &local_root], &[]);
        let got = flinspect(&["scan", "--json", remote_root], env);
        assert_eq!(
            got.status.code(),
            want.status.code(),
            "{}",
            text(&got.stderr)
        );
        assert_eq!(
            comparable_scan(&got.stdout, remote_root),
            comparable_scan(&want.stdout, &local_root)
        );
    }
}

fn small_cases() -> Vec<(String, String)> {
    cases().into_iter().take(2).collect()
}

#[test]
fn azure_blob_through_azurite_as_on_disk() {
    let az = Azurite::start();
    az.create_container();
    let copy = Copy::new(&small_cases());
    upload(&*az.store(), &copy.root(), "tree");
    let proxy = Proxy::start(SocketAddr::from(([127, 0, 0, 1], az.port)));
    let env = az.env(&proxy.url());
    let before = az.state();
    // object_store's `az://container/path` form, with the account from the environment.
    let mut env_az = env.clone();
    env_az.push(("AZURE_STORAGE_ACCOUNT_NAME", AZURE_ACCOUNT.into()));
    compare_with_local(
        &copy,
        &format!("az://{AZURE_CONTAINER}/tree"),
        &env_az,
        true,
    );
    // Flink's own form: abfs[s]://container@account.dfs.core.windows.net/path.
    compare_with_local(
        &copy,
        &format!("abfs://{AZURE_CONTAINER}@{AZURE_ACCOUNT}.dfs.core.windows.net/tree"),
        &env,
        false,
    );
    assert_eq!(az.state(), before, "Azurite's state changed");
    for l in proxy.log() {
        assert!(l.starts_with("GET ") || l.starts_with("HEAD "), "{l}");
    }
}

#[test]
fn hdfs_through_a_minidfscluster_as_on_disk() {
    let copy = Copy::new(&small_cases());
    let hdfs = Hdfs::start(&copy.root());
    let before = hdfs.state();
    assert!(
        !before.is_empty(),
        "the DataNode stores the fixtures' blocks"
    );
    let env = [("USER", "flinspect".to_string())];
    compare_with_local(&copy, &format!("{}/tree", hdfs.uri), &env, true);
    assert_eq!(hdfs.state(), before, "HDFS blocks changed");
}

#[test]
fn https_and_http_urls_of_an_http_server() {
    let copy = Copy::new(&small_cases());
    let server = HttpDir::start(&copy.root());
    let proxy = Proxy::start(SocketAddr::from(([127, 0, 0, 1], server.port)));
    let before = dir_state(&copy.root());
    // A plain HTTP server has no listing: inspect reads single snapshots (scan needs WebDAV).
    compare_with_local(&copy, &proxy.url(), &[], false);
    assert_eq!(dir_state(&copy.root()), before);
    for l in proxy.log() {
        assert!(l.starts_with("GET ") || l.starts_with("HEAD "), "{l}");
    }
    // A URL with a query string is fetched with its query intact (this server ignores it) and
    // shown with the query's values redacted.
    let rel = &files_under(&copy.root())
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "_metadata"))
        .unwrap();
    let url = format!("{}/{}?token=s3cr3t-t0ken", proxy.url(), rel.display());
    let shown = format!("{}/{}?token=REDACTED", proxy.url(), rel.display());
    let out = flinspect(&["inspect", "--json", &url], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["path"], shown.as_str());
    assert!(!text(&out.stdout).contains("s3cr3t"));
    assert!(proxy
        .log()
        .iter()
        .any(|l| l.contains("?token=s3cr3t-t0ken")));
}

/// A URL pre-signed for GET by `object_store`'s own S3 signer (`Signer::signed_url`, AWS
/// Signature V4 in the query string) with the test's keys, for the server behind `endpoint`.
fn presign(endpoint: &str, key: &str, expires: Duration) -> String {
    use object_store::signer::{Method, Signer};
    let signer = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(SECRET_KEY)
        .build()
        .unwrap();
    let path = object_store::path::Path::from(key);
    runtime()
        .block_on(signer.signed_url(Method::GET, &path, expires))
        .unwrap()
        .to_string()
}

/// How flinspect shows a pre-signed URL: the credential and the signature redacted, the
/// algorithm, date, lifetime and signed headers kept.
fn redacted(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            match k {
                "X-Amz-Credential" | "X-Amz-Signature" | "X-Amz-Security-Token" => {
                    format!("{k}=REDACTED")
                }
                _ => format!("{k}={v}"),
            }
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

/// The query's secret values, which no output may hold.
fn secrets_of(url: &str) -> Vec<String> {
    let (_, query) = url.split_once('?').unwrap();
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| *k == "X-Amz-Credential" || *k == "X-Amz-Signature")
        .flat_map(|(_, v)| [v.to_string(), v.replace("%2F", "/")])
        .collect()
}

fn assert_no_secret(url: &str, out: &std::process::Output) {
    for secret in secrets_of(url) {
        for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert!(
                !text(stream).contains(&secret),
                "{name} holds the URL's secret {secret}: {}",
                text(stream)
            );
        }
    }
}

#[test]
fn presigned_s3_urls_are_read_as_the_object_and_never_shown() {
    let w = World::s3();
    let proxy = Proxy::start(w.server.addr());
    let before = w.server.state();
    let local_root = w.local();
    let hour = Duration::from_secs(3600);
    let dirs = w.snapshot_dirs();
    for rel in &dirs {
        let url = presign(
            &proxy.url(),
            &format!("tree/{}/_metadata", rel.display()),
            hour,
        );
        let shown = redacted(&url);
        assert_ne!(url, shown);
        let local = w.copy.root().join(rel).join("_metadata");
        for json in [true, false] {
            let mut args = vec!["inspect", "--files", "--subtasks"];
            if json {
                args.push("--json");
            }
            let want = flinspect(&[args.as_slice(), &[local.to_str().unwrap()]].concat(), &[]);
            assert!(want.status.success(), "{}", text(&want.stderr));
            proxy.clear();
            // Nothing in the environment: the URL carries its credentials.
            let got = flinspect(&[args.as_slice(), &[url.as_str()]].concat(), &[]);
            assert!(got.status.success(), "{shown}: {}", text(&got.stderr));
            let want = text(&want.stdout)
                .replace(local.to_str().unwrap(), &shown)
                .replace(&local_root, &format!("{}/flink/tree", proxy.url()));
            assert_eq!(text(&got.stdout), want, "{shown} (json: {json})");
            assert_no_secret(&url, &got);
            // One GET of the URL as signed, the query intact (a ranged GET whose answer gives
            // the size; these objects fit in its range); no HEAD (the signature covers the
            // method), no listing.
            let log = proxy.log();
            let target = url.split_once(&proxy.url()).unwrap().1;
            assert_eq!(log, vec![format!("GET {target}")]);
        }
        // --states: the URL signs the `_metadata` only, so every header in a state file is
        // "not read" with that reason (no unsigned request for it); inline ones are read.
        proxy.clear();
        let got = flinspect(&["inspect", "--states", "--json", url.as_str()], &[]);
        assert!(got.status.success(), "{shown}: {}", text(&got.stderr));
        assert_no_secret(&url, &got);
        let target = url.split_once(&proxy.url()).unwrap().1;
        assert_eq!(proxy.log(), vec![format!("GET {target}")], "{shown}");
        let want = flinspect(
            &["inspect", "--states", "--json", local.to_str().unwrap()],
            &[],
        );
        let headers = |out: &std::process::Output| -> Vec<serde_json::Value> {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            doc["states"]
                .as_array()
                .map(|ops| {
                    ops.iter()
                        .flat_map(|o| o["headers"].as_array().cloned().unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default()
        };
        let (got_h, want_h) = (headers(&got), headers(&want));
        assert_eq!(got_h.len(), want_h.len(), "{shown}");
        for (g, w) in got_h.iter().zip(&want_h) {
            match w["location"].as_str() {
                Some("inline") | Some("-") => assert_eq!(g["error"], w["error"], "{shown}"),
                _ => assert!(
                    g["error"]
                        .as_str()
                        .is_some_and(|e| e.contains("signs only its _metadata")),
                    "{shown}: {g}"
                ),
            }
        }
    }
    assert_eq!(w.server.state(), before);

    // check: the same findings as on disk, but the state files' existence is not checked, so
    // the verdict is never "compatible" (unknown, exit 3, unless a finding fails it anyway).
    let (v, c) = scan_fixture::incremental_case();
    let case: Vec<&PathBuf> = dirs
        .iter()
        .filter(|d| d.starts_with(Path::new(&v).join(&c)))
        .collect();
    let other = case.last().unwrap();
    let other_url = presign(
        &proxy.url(),
        &format!("tree/{}/_metadata", other.display()),
        hour,
    );
    let local_other = w.copy.root().join(other).join("_metadata");
    let mut compatible_locally = 0;
    for rel in &case[..case.len() - 1] {
        let url = presign(
            &proxy.url(),
            &format!("tree/{}/_metadata", rel.display()),
            hour,
        );
        let local = w.copy.root().join(rel).join("_metadata");
        let want = flinspect(
            &[
                "check",
                local.to_str().unwrap(),
                "--against",
                local_other.to_str().unwrap(),
                "--format",
                "json",
            ],
            &[],
        );
        let got = flinspect(
            &["check", &url, "--against", &other_url, "--format", "json"],
            &[],
        );
        assert_no_secret(&url, &got);
        assert_no_secret(&other_url, &got);
        let want_doc: serde_json::Value = serde_json::from_str(
            &text(&want.stdout)
                .replace(local.to_str().unwrap(), &redacted(&url))
                .replace(local_other.to_str().unwrap(), &redacted(&other_url))
                .replace(&local_root, &format!("{}/flink/tree", proxy.url())),
        )
        .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&got.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", text(&got.stderr)));
        assert_eq!(doc["snapshot"], want_doc["snapshot"]);
        assert_eq!(doc["job"], want_doc["job"]);
        assert_eq!(doc["findings"], want_doc["findings"], "{}", redacted(&url));
        let not_checked = doc["not_checked"].to_string();
        assert!(
            not_checked.contains("a pre-signed URL names only _metadata"),
            "{doc}"
        );
        match want.status.code() {
            Some(1) => {
                assert_eq!(got.status.code(), Some(1));
                assert_eq!(doc["verdict"], "incompatible");
            }
            Some(0 | 3) => {
                compatible_locally += usize::from(want.status.code() == Some(0));
                assert_eq!(got.status.code(), Some(3), "{doc}");
                assert_eq!(doc["verdict"], "unknown");
            }
            other => panic!("local check: {other:?} {}", text(&want.stderr)),
        }
    }
    assert!(compatible_locally > 0, "a snapshot compatible on disk");

    // scan needs a listing: one line, the URL redacted, exit 2.
    let url = presign(&proxy.url(), "tree", hour);
    let out = flinspect(&["scan", &url], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&redacted(&url)) && err.contains("cannot be listed"),
        "{err}"
    );
    assert_no_secret(&url, &out);
    assert_eq!(w.server.state(), before);
    for l in proxy.log() {
        assert!(l.starts_with("GET "), "{l}");
    }
}

#[test]
fn a_large_presigned_object_is_read_in_ranges_with_its_query_intact() {
    let s3 = S3::start();
    // 20 MiB + 3 bytes of varying content: the probe's first 8 MiB range, then the rest in
    // 8 MiB ranges.
    let len = (20 << 20) + 3;
    let data: Vec<u8> = (0..len)
        .map(|i| (i % 251) as u8 ^ (i >> 16) as u8)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big"), &data).unwrap();
    upload(&*s3.store(), dir.path(), "large");
    let proxy = Proxy::start(s3.addr());
    let url = presign(&proxy.url(), "large/big", Duration::from_secs(3600));
    let before = s3.state();
    let storage = flinspect::storage::Storage::new(flinspect::storage::Config::default()).unwrap();
    let object = storage.open_snapshot(&url).unwrap();
    assert_eq!(object.location, redacted(&url));
    assert_eq!(object.size, len as u64);
    let bytes = storage.read(&object).unwrap();
    assert!(bytes == data, "the bytes read are the object's");
    use std::sync::atomic::Ordering::Relaxed;
    assert_eq!(
        storage.requests.get.load(Relaxed),
        3,
        "one GET per 8 MiB range"
    );
    assert_eq!(storage.requests.head.load(Relaxed), 0);
    let target = url.split_once(&proxy.url()).unwrap().1;
    let log = proxy.log();
    assert_eq!(log.len(), 3, "{log:?}");
    for l in &log {
        assert_eq!(l, &format!("GET {target}"));
    }
    assert_eq!(s3.state(), before);
}

#[test]
fn a_tampered_or_expired_presigned_url_is_one_line_naming_it_and_the_403() {
    let w = World::s3();
    let proxy = Proxy::start(w.server.addr());
    let rel = &w.snapshot_dirs()[0];
    let key = format!("tree/{}/_metadata", rel.display());
    let good = presign(&proxy.url(), &key, Duration::from_secs(3600));
    // One hex digit of the signature changed.
    let (head, sig) = good.rsplit_once("X-Amz-Signature=").unwrap();
    let last = sig.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{head}X-Amz-Signature={}{flipped}", &sig[..sig.len() - 1]);
    let expiring = presign(&proxy.url(), &key, Duration::from_secs(1));
    std::thread::sleep(Duration::from_secs(2));
    let before = w.server.state();
    for (url, cause) in [(&tampered, "SignatureDoesNotMatch"), (&expiring, "expired")] {
        for args in [
            vec!["inspect", url.as_str()],
            vec!["inspect", "--json", url.as_str()],
            vec!["check", url.as_str(), "--against", good.as_str()],
        ] {
            let out = flinspect(&args, &[]);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{args:?}: {}",
                text(&out.stdout)
            );
            let err = text(&out.stderr);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains(&redacted(url)), "names the URL: {err}");
            assert!(err.contains("access denied (HTTP 403)"), "{err}");
            assert!(err.contains(cause), "{cause}: {err}");
            assert_no_secret(url, &out);
            assert_no_secret(&good, &out);
            if args.contains(&"--json") {
                let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert!(doc.get("error").is_some() && doc.get("operators").is_none());
            }
        }
    }
    // And the untouched URL reads.
    let out = flinspect(&["inspect", &good], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(w.server.state(), before);
    for l in proxy.log() {
        assert!(l.starts_with("GET "), "{l}");
    }
}

/// The fixture real Flink 2.3.0 wrote to the S3 server itself, through flink-s3-fs-presto
/// (`s3p://flink/fixtures/flink-2.3.0/s3-presto/…`, testdata/generate/remote/run-s3.sh).
fn flink_s3_fixture() -> PathBuf {
    scan_fixture::testdata().join("remote/flink-2.3.0/s3-presto")
}

/// Puts the real Flink fixture back where Flink wrote it, on a fresh server.
fn serve_flink_fixture() -> (S3, tempfile::TempDir) {
    let s3 = S3::start();
    let copy = tempfile::tempdir().unwrap();
    scan_fixture::copy_tree(&flink_s3_fixture(), copy.path());
    for f in scan_fixture::TEST_FILES {
        let _ = std::fs::remove_file(copy.path().join(f));
    }
    for f in files_under(copy.path()) {
        if scan_fixture::TEST_FILES.iter().any(|t| f.ends_with(t)) {
            std::fs::remove_file(copy.path().join(f)).unwrap();
        }
    }
    upload(&*s3.store(), copy.path(), "fixtures/flink-2.3.0/s3-presto");
    (s3, copy)
}

const FLINK_S3_ROOT: &str = "s3://flink/fixtures/flink-2.3.0/s3-presto";

#[test]
fn real_flink_wrote_to_s3_and_flinspect_reads_it_there_as_flink_does() {
    let (s3, _copy) = serve_flink_fixture();
    let server = Server::S3(s3);
    let s3 = server_s3(&server);
    let case: serde_json::Value = serde_json::from_slice(
        &std::fs::read(flink_s3_fixture().join("case.json")).expect("case.json of the S3 fixture"),
    )
    .unwrap();
    let snapshots = case["snapshots"].as_array().unwrap();
    assert!(snapshots.len() >= 3, "checkpoints and a savepoint: {case}");
    assert!(
        snapshots.iter().any(|s| s["kind"] == "savepoint"),
        "a savepoint: {case}"
    );
    // The library reads each `_metadata` from the server exactly as Flink's own reader did
    // (the oracle's expected.json).
    let mut flink = flinspect::storage::FlinkConf::new();
    flink.insert("s3.endpoint".into(), s3.endpoint());
    flink.insert("s3.path.style.access".into(), "true".into());
    flink.insert("s3.access-key".into(), ACCESS_KEY.into());
    flink.insert("s3.secret-key".into(), SECRET_KEY.into());
    let storage = flinspect::storage::Storage::new(flinspect::storage::Config {
        flink,
        ..Default::default()
    })
    .unwrap();
    for s in snapshots {
        let rel = s["path"].as_str().unwrap();
        let location = format!("s3p://flink/fixtures/flink-2.3.0/s3-presto/{rel}");
        let object = storage.open_snapshot(&location).unwrap();
        assert_eq!(object.location, format!("{FLINK_S3_ROOT}/{rel}/_metadata"));
        let bytes = storage.read(&object).unwrap();
        assert_eq!(bytes.len() as u64, object.size);
        let md = flinspect::format::parse(&bytes).unwrap();
        let expected: serde_json::Value = serde_json::from_slice(
            &std::fs::read(flink_s3_fixture().join(rel).join("expected.json")).unwrap(),
        )
        .unwrap();
        let mut diffs = Vec::new();
        common::compare("", &common::oracle_shape(&md), &expected, &mut diffs);
        assert!(diffs.is_empty(), "{location}: {diffs:?}");
    }
    // Flink recorded its shared/ files by absolute s3p:// URI: scan finds every one of them in
    // the listing, with no request per file, and every snapshot is restorable.
    let out = run_read_only(&server, &["scan", "--json", FLINK_S3_ROOT], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let records: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let snaps: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["type"] == "snapshot").collect();
    assert_eq!(snaps.len(), snapshots.len(), "{records:?}");
    for r in &snaps {
        assert_eq!(r["status"], "restorable", "{r}");
    }
    let referenced: u64 = snaps
        .iter()
        .map(|r| r["referenced_files"].as_u64().unwrap_or(0))
        .sum();
    assert!(
        referenced > 0,
        "the RocksDB snapshots reference state files"
    );
    // check: the savepoint against the job as its newest checkpoint describes it (the same
    // job): compatible, read entirely from the server.
    let savepoint = snapshots.iter().find(|s| s["kind"] == "savepoint").unwrap();
    let newest = snapshots
        .iter()
        .rfind(|s| s["kind"] == "checkpoint")
        .unwrap();
    let target = format!("{FLINK_S3_ROOT}/{}", savepoint["path"].as_str().unwrap());
    let against = format!("{FLINK_S3_ROOT}/{}", newest["path"].as_str().unwrap());
    let out = run_read_only(
        &server,
        &["check", &target, "--against", &against, "--format", "json"],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["verdict"], "compatible", "{doc}");
    // `inspect --states` reads every state header from the server (ranges of the state files,
    // relative and absolute `s3p://` ones): the same states as the local copy read with a
    // --map, which state_meta_oracle.rs holds to Flink's own reading (expected-states.json).
    for s in snapshots {
        let rel = s["path"].as_str().unwrap();
        let out = run_read_only(
            &server,
            &[
                "inspect",
                "--states",
                "--json",
                &format!("{FLINK_S3_ROOT}/{rel}"),
            ],
            &[],
        );
        assert!(out.status.success(), "{rel}: {}", text(&out.stderr));
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let local = flink_s3_fixture();
        let map = format!(
            "s3p://flink/fixtures/flink-2.3.0/s3-presto={}",
            local.display()
        );
        let want = flinspect(
            &[
                "inspect",
                "--states",
                "--json",
                "--map",
                &map,
                local.join(rel).to_str().unwrap(),
            ],
            &[],
        );
        assert!(want.status.success(), "{rel}: {}", text(&want.stderr));
        let want: serde_json::Value = serde_json::from_str(
            &text(&want.stdout).replace(&local.display().to_string(), FLINK_S3_ROOT),
        )
        .unwrap();
        let states = got["states"].as_array().expect("a states list");
        assert!(
            states
                .iter()
                .any(|o| o["states"].as_array().is_some_and(|v| !v.is_empty())),
            "{rel}: states read from the server: {got}"
        );
        assert_eq!(got["states"], want["states"], "{rel}");
    }
    // Deleting one shared file on the server makes its checkpoints broken, named by location.
    let shared = files_under(s3.dir.path())
        .into_iter()
        .find(|p| p.components().any(|c| c.as_os_str() == "shared"))
        .expect("a shared/ object");
    std::fs::remove_file(s3.dir.path().join(&shared)).unwrap();
    let out = run_read_only(&server, &["scan", "--json", FLINK_S3_ROOT], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let gone = format!("s3://{}", shared.display());
    assert!(text(&out.stdout).contains(&gone), "{gone} named");
}
