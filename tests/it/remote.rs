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

/// An S3 server holding a copy of the fixtures under `s3://flink/tree/`, and the same copy on
/// local disk.
struct World {
    s3: S3,
    copy: Copy,
}

impl World {
    fn new() -> World {
        let s3 = S3::start();
        let copy = Copy::new(&cases());
        upload(&*s3.store(), &copy.root(), "tree");
        World { s3, copy }
    }

    fn local(&self) -> String {
        self.copy.root().display().to_string()
    }

    /// Every `_metadata` directory of the copy, relative to its root.
    fn snapshot_dirs(&self) -> Vec<PathBuf> {
        files_under(&self.copy.root())
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "_metadata"))
            .map(|p| p.parent().unwrap().to_path_buf())
            .collect()
    }
}

const REMOTE_ROOT: &str = "s3://flink/tree";

/// Runs flinspect against the server and checks that nothing on it changed and that only GET
/// and HEAD were sent (through a proxy that logs every request).
fn run_read_only(s3: &S3, args: &[&str], env_extra: &[(&str, String)]) -> std::process::Output {
    let proxy = Proxy::start(s3.addr());
    let before = s3.state();
    let mut env = s3_env(&proxy.url());
    env.extend(env_extra.iter().cloned());
    let out = flinspect(args, &env);
    assert_eq!(
        s3.state(),
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

#[test]
fn inspect_reads_every_snapshot_from_s3_as_from_disk() {
    let w = World::new();
    let dirs = w.snapshot_dirs();
    assert!(dirs.len() >= 15, "{} snapshots", dirs.len());
    for rel in &dirs {
        let local = w.copy.root().join(rel);
        let remote = format!("{REMOTE_ROOT}/{}", rel.display());
        for json in [false, true] {
            let mut args = vec!["inspect", "--files", "--subtasks"];
            if json {
                args.push("--json");
            }
            let want = flinspect(&[args.as_slice(), &[local.to_str().unwrap()]].concat(), &[]);
            assert!(want.status.success(), "{}", text(&want.stderr));
            // The directory, and the `_metadata` object itself.
            for target in [remote.clone(), format!("{remote}/_metadata")] {
                let got =
                    run_read_only(&w.s3, &[args.as_slice(), &[target.as_str()]].concat(), &[]);
                assert!(got.status.success(), "{target}: {}", text(&got.stderr));
                let want = text(&want.stdout).replace(&w.local(), REMOTE_ROOT);
                assert_eq!(text(&got.stdout), want, "{target} (json: {json})");
            }
        }
    }
}

#[test]
fn inspect_takes_credentials_and_endpoint_from_a_flink_config_and_s3a_s3p_schemes() {
    let w = World::new();
    let rel = &w.snapshot_dirs()[0];
    let local = w.copy.root().join(rel);
    let want = flinspect(&["inspect", "--json", local.to_str().unwrap()], &[]);
    let proxy = Proxy::start(w.s3.addr());
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
    let before = w.s3.state();
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
    assert_eq!(w.s3.state(), before);
    assert!(proxy
        .log()
        .iter()
        .all(|l| l.starts_with("GET ") || l.starts_with("HEAD ")));
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

#[test]
fn scan_of_a_bucket_prefix_equals_the_scan_of_the_same_tree_on_disk() {
    let w = World::new();
    let local = flinspect(&["scan", "--json", &w.local()], &[]);
    let want = comparable_scan(&local.stdout, &w.local());
    for concurrency in ["1", "8", "64"] {
        let remote = run_read_only(
            &w.s3,
            &["scan", "--json", "--concurrency", concurrency, REMOTE_ROOT],
            &[],
        );
        assert_eq!(
            remote.status.code(),
            local.status.code(),
            "{}",
            text(&remote.stderr)
        );
        let got = comparable_scan(&remote.stdout, REMOTE_ROOT);
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
fn scan_finds_a_deleted_state_file_from_the_listing() {
    let w = World::new();
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
    std::fs::remove_file(w.s3.dir.path().join(BUCKET).join("tree").join(&victim)).unwrap();
    let local = flinspect(&["scan", "--json", &w.local()], &[]);
    let remote = run_read_only(&w.s3, &["scan", "--json", REMOTE_ROOT], &[]);
    assert_eq!(
        local.status.code(),
        Some(1),
        "a broken snapshot: {}",
        text(&local.stderr)
    );
    assert_eq!(remote.status.code(), Some(1), "{}", text(&remote.stderr));
    assert_eq!(
        comparable_scan(&remote.stdout, REMOTE_ROOT),
        comparable_scan(&local.stdout, &w.local())
    );
    let missing = format!("{REMOTE_ROOT}/{}", victim.display());
    assert!(text(&remote.stdout).contains(&missing), "names {missing}");
}

#[test]
fn check_judges_a_remote_snapshot_as_the_local_one() {
    let w = World::new();
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
        let remote = format!("{REMOTE_ROOT}/{}", rel.display());
        let remote_other = format!("{REMOTE_ROOT}/{}", other.display());
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
            &w.s3,
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
        let want = text(&want.stdout).replace(&w.local(), REMOTE_ROOT);
        assert_eq!(text(&got.stdout), want, "{remote}");
        let doc: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
        assert!(doc.get("verdict").is_some(), "{doc}");
    }
}

/// One snapshot through the fault proxy, with short timeouts and few retries.
fn through_faults(w: &World, proxy: &Proxy, args: &[&str]) -> std::process::Output {
    let before = w.s3.state();
    let out = flinspect(args, &s3_env(&proxy.url()));
    assert_eq!(w.s3.state(), before);
    for l in proxy.log() {
        assert!(l.starts_with("GET ") || l.starts_with("HEAD "), "{l}");
    }
    out
}

#[test]
fn faults_are_retried_with_backoff_and_then_named_in_one_line() {
    let w = World::new();
    let rel = w.snapshot_dirs()[0].clone();
    let local = w.copy.root().join(&rel);
    let remote = format!("{REMOTE_ROOT}/{}", rel.display());
    let want = flinspect(&["inspect", "--json", local.to_str().unwrap()], &[]);
    let want = text(&want.stdout).replace(&w.local(), REMOTE_ROOT);
    let proxy = Proxy::start(w.s3.addr());
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
    let w = World::new();
    let proxy = Proxy::start(w.s3.addr());
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
        let want = flinspect(
            &["inspect", "--json", "--files", local.to_str().unwrap()],
            &[],
        );
        assert!(want.status.success());
        let remote = format!("{remote_root}/{}", rel.display());
        let got = flinspect(&["inspect", "--json", "--files", &remote], env);
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
    // A pre-signed URL (a query string) is refused with the reason, not misread.
    let out = flinspect(
        &[
            "inspect",
            &format!("{}/x/_metadata?X-Amz-Signature=abc", proxy.url()),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("pre-signed"),
        "{}",
        text(&out.stderr)
    );
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
    let out = run_read_only(&s3, &["scan", "--json", FLINK_S3_ROOT], &[]);
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
        &s3,
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
    // Deleting one shared file on the server makes its checkpoints broken, named by location.
    let shared = files_under(s3.dir.path())
        .into_iter()
        .find(|p| p.components().any(|c| c.as_os_str() == "shared"))
        .expect("a shared/ object");
    std::fs::remove_file(s3.dir.path().join(&shared)).unwrap();
    let out = run_read_only(&s3, &["scan", "--json", FLINK_S3_ROOT], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let gone = format!("s3://{}", shared.display());
    assert!(text(&out.stdout).contains(&gone), "{gone} named");
}
