//! Real storage servers on loopback for the remote tests, started here and stopped on drop:
//! s3s-fs (S3), fake-gcs-server (GCS), Azurite (Azure Blob), Hadoop's MiniDFSCluster (HDFS) and
//! Python's http.server. They are installed by `testdata/remote/servers.sh` into `target/remote-servers/`
//! (`.ci/run` does it; a test that finds one missing runs the script itself). A server that
//! cannot be installed or started fails the test with the reason.

#![allow(dead_code)]

pub mod proxy;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use object_store::ObjectStoreExt;

pub const ACCESS_KEY: &str = "flinspect-test-key";
pub const SECRET_KEY: &str = "flinspect-test-secret";
pub const BUCKET: &str = "flink";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn servers_dir() -> PathBuf {
    std::env::var_os("FLINSPECT_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/remote-servers"))
}

static INSTALL: Mutex<()> = Mutex::new(());

/// Makes sure `what` (an argument of servers.sh) is installed; panics with the reason if not.
pub fn ensure(what: &str, marker: &Path) {
    let _guard = INSTALL.lock().unwrap_or_else(|p| p.into_inner());
    if marker.exists() {
        return;
    }
    let out = Command::new("bash")
        .arg(root().join("testdata/remote/servers.sh"))
        .arg(what)
        .output()
        .expect("run testdata/remote/servers.sh");
    assert!(
        out.status.success() && marker.exists(),
        "cannot install the {what} server (testdata/remote/servers.sh {what}): {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, child: &mut Child, what: &str, within: Duration) {
    let start = Instant::now();
    while start.elapsed() < within {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the {what} server exited before it served: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the {what} server did not listen on 127.0.0.1:{port} within {within:?}");
}

/// What a server stores: relative path → (length, content hash, modification time).
pub type State = BTreeMap<PathBuf, (u64, u64, Option<std::time::SystemTime>)>;

/// Kills its process on drop.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Everything stored under a directory: relative path → (length, content hash, mtime). Equal
/// before and after a command means the server's state did not change.
pub fn dir_state(dir: &Path) -> BTreeMap<PathBuf, (u64, u64, Option<std::time::SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if m.is_dir() {
                out.insert(rel, (0, 0, m.modified().ok()));
                stack.push(p);
            } else {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                std::fs::read(&p).unwrap_or_default().hash(&mut h);
                out.insert(rel, (m.len(), h.finish(), m.modified().ok()));
            }
        }
    }
    out
}

/// Files under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Uploads every file under `dir` to `store` under `prefix/` (the test writes; flinspect
/// never does).
pub fn upload(store: &dyn object_store::ObjectStore, dir: &Path, prefix: &str) {
    let rt = runtime();
    rt.block_on(async {
        for rel in files_under(dir) {
            let data = std::fs::read(dir.join(&rel)).unwrap();
            let key = format!("{prefix}/{}", rel.to_string_lossy());
            let key = key.trim_start_matches('/').to_string();
            store
                .put(&object_store::path::Path::from(key.as_str()), data.into())
                .await
                .unwrap_or_else(|e| panic!("upload {key}: {e}"));
        }
    });
}

/// s3s-fs, with SigV4 authentication on, serving a temporary directory.
pub struct S3 {
    pub dir: tempfile::TempDir,
    pub port: u16,
    _proc: Running,
}

impl S3 {
    pub fn start() -> S3 {
        let bin = servers_dir().join("bin/s3s-fs");
        ensure("s3", &bin);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(BUCKET)).unwrap();
        let port = free_port();
        let mut child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        wait_for_port(port, &mut child, "s3s-fs", Duration::from_secs(20));
        S3 {
            dir,
            port,
            _proc: Running(child),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn store(&self) -> Arc<dyn object_store::ObjectStore> {
        Arc::new(
            object_store::aws::AmazonS3Builder::new()
                .with_bucket_name(BUCKET)
                .with_endpoint(self.endpoint())
                .with_allow_http(true)
                .with_region("us-east-1")
                .with_access_key_id(ACCESS_KEY)
                .with_secret_access_key(SECRET_KEY)
                .build()
                .unwrap(),
        )
    }

    /// What the server stores (its data directory).
    pub fn state(&self) -> BTreeMap<PathBuf, (u64, u64, Option<std::time::SystemTime>)> {
        dir_state(self.dir.path())
    }
}

/// Runs flinspect with exactly these environment variables (plus PATH), none inherited.
pub fn flinspect(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flinspect"));
    c.args(args).env_clear();
    if let Some(p) = std::env::var_os("PATH") {
        c.env("PATH", p);
    }
    // Nothing from this machine's own cloud configuration.
    c.env("HOME", "/nonexistent");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run flinspect")
}

/// The environment of an S3 client of `endpoint` with the test's keys.
pub fn s3_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT_URL", endpoint.into()),
        ("AWS_ALLOW_HTTP", "true".into()),
    ]
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Reads a child's stdout lines until one starts with `prefix`; returns the rest of it.
pub fn read_line_with(child: &mut Child, prefix: &str, within: Duration) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    wait_for_line(stdout, prefix, within)
}

/// Reads lines of `stream` until one contains `marker`; returns what follows it. The stream is
/// drained to its end on another thread (so a chatty server never blocks on a full pipe).
pub fn wait_for_line(
    stream: impl std::io::Read + Send + 'static,
    marker: &str,
    within: Duration,
) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    let wanted = marker.to_string();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Some((_, rest)) = line.split_once(wanted.as_str()) {
                let _ = tx.send(rest.to_string());
            }
        }
    });
    rx.recv_timeout(within)
        .unwrap_or_else(|_| panic!("no line with {marker:?} within {within:?}"))
}

/// fake-gcs-server (Go module), a Google Cloud Storage emulator with a file-system backend,
/// holding a directory's files as objects of the bucket `flink`.
///
/// `-public-host 127.0.0.1` is what makes it answer `object_store`: its XML-API routes (the
/// listing `GET /<bucket>?list-type=2` and `GET`/`HEAD /<bucket>/<object>`, the URLs
/// `object_store`'s GCS client requests under `GOOGLE_BASE_URL`) match only requests whose
/// `Host` header is the public host (by default `storage.googleapis.com`; without a port in the
/// flag, any port of it). With the default, `Host: 127.0.0.1:PORT` falls through to the route
/// that takes the host name for a bucket name, and every request is a 404.
pub struct Gcs {
    /// The server's file-system root: what it stores.
    pub root: tempfile::TempDir,
    pub port: u16,
    _seed: tempfile::TempDir,
    _proc: Running,
}

/// A service-account key that tells `object_store` to send no OAuth token (an emulator's).
pub const GCS_EMULATOR_KEY: &str =
    r#"{"disable_oauth": true, "client_email": "", "private_key": "", "private_key_id": ""}"#;

impl Gcs {
    /// Starts the emulator holding every file under `dir` as `gs://flink/<prefix>/<path>`
    /// (loaded by the server itself from its `-data` directory).
    pub fn start(dir: &Path, prefix: &str) -> Gcs {
        let bin = servers_dir().join("bin/fake-gcs-server");
        ensure("gcs", &bin);
        let seed = tempfile::tempdir().unwrap();
        let into = seed.path().join(BUCKET).join(prefix);
        for rel in files_under(dir) {
            let to = into.join(&rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(dir.join(&rel), &to).unwrap();
        }
        let root = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut child = Command::new(&bin)
            .args([
                "-scheme",
                "http",
                "-host",
                "127.0.0.1",
                "-port",
                &port.to_string(),
            ])
            .args(["-public-host", "127.0.0.1"])
            .args(["-backend", "filesystem", "-filesystem-root"])
            .arg(root.path())
            .arg("-data")
            .arg(seed.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        // Logged once the data is loaded and the listener serves.
        let stderr = child.stderr.take().expect("piped stderr");
        let proc = Running(child);
        wait_for_line(stderr, "server started at", Duration::from_secs(60));
        Gcs {
            root,
            port,
            _seed: seed,
            _proc: proc,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The environment of a GCS client of the emulator at `endpoint` (object_store's variables).
    pub fn env(endpoint: &str) -> Vec<(&'static str, String)> {
        vec![
            ("GOOGLE_BASE_URL", endpoint.into()),
            ("GOOGLE_SERVICE_ACCOUNT_KEY", GCS_EMULATOR_KEY.into()),
            ("GOOGLE_ALLOW_HTTP", "true".into()),
        ]
    }

    /// A client of the emulator, for the tests' own changes (flinspect never makes any).
    pub fn store(&self) -> Arc<dyn object_store::ObjectStore> {
        Arc::new(
            object_store::gcp::GoogleCloudStorageBuilder::new()
                .with_bucket_name(BUCKET)
                .with_base_url(&format!("http://127.0.0.1:{}", self.port))
                .with_service_account_key(GCS_EMULATOR_KEY)
                .with_client_options(object_store::ClientOptions::new().with_allow_http(true))
                .build()
                .unwrap(),
        )
    }

    /// What the server stores: its file-system root (the objects' bytes), and every object's
    /// size, entity tag and update time as the server reports them (it keeps an object's
    /// metadata in extended attributes, which the directory's state does not show).
    pub fn state(&self) -> State {
        let mut s = dir_state(self.root.path());
        let store = self.store();
        let listed: Vec<object_store::ObjectMeta> = runtime().block_on(async {
            use futures::TryStreamExt;
            store.list(None).try_collect().await.unwrap()
        });
        assert!(!listed.is_empty(), "the emulator lists its objects");
        for m in listed {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (&m.e_tag, &m.version).hash(&mut h);
            s.insert(
                PathBuf::from(format!("object:{}", m.location)),
                (m.size, h.finish(), Some(m.last_modified.into())),
            );
        }
        s
    }
}

/// Azurite's blob service (the Azure Storage emulator), with its well-known development
/// account `devstoreaccount1`.
pub struct Azurite {
    pub dir: tempfile::TempDir,
    pub port: u16,
    _proc: Running,
}

pub const AZURE_ACCOUNT: &str = "devstoreaccount1";
pub const AZURE_CONTAINER: &str = "flink";
/// Azurite's published development account key.
pub const AZURE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

impl Azurite {
    pub fn start() -> Azurite {
        let bin = servers_dir().join("azurite/node_modules/.bin/azurite-blob");
        ensure("azure", &bin);
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut child = Command::new(&bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .arg("--location")
            .arg(dir.path())
            .args(["--silent", "--skipApiVersionCheck", "--loose"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        wait_for_port(port, &mut child, "Azurite", Duration::from_secs(30));
        Azurite {
            dir,
            port,
            _proc: Running(child),
        }
    }

    /// The blob endpoint, `http://127.0.0.1:PORT` (the account is the first path segment).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn store(&self) -> Arc<dyn object_store::ObjectStore> {
        let rt = runtime();
        let _g = rt.enter();
        let s = object_store::azure::MicrosoftAzureBuilder::new()
            .with_account(AZURE_ACCOUNT)
            .with_access_key(AZURE_KEY)
            .with_allow_http(true)
            .with_container_name(AZURE_CONTAINER)
            .with_config(
                object_store::azure::AzureConfigKey::Endpoint,
                format!("{}/{AZURE_ACCOUNT}", self.url()),
            )
            .build()
            .unwrap();
        Arc::new(s)
    }

    /// Creates the container (Azurite starts empty) with Azure's JavaScript SDK.
    pub fn create_container(&self) {
        let modules = servers_dir().join("azurite/node_modules");
        let out = Command::new("node")
            .arg(root().join("testdata/remote/azure-container.js"))
            .arg(format!("{}/{AZURE_ACCOUNT}", self.url()))
            .arg(AZURE_CONTAINER)
            .env("NODE_PATH", &modules)
            .output()
            .expect("run node");
        assert!(
            out.status.success(),
            "create the container: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Every blob with its size, entity tag and modification time as the service reports
    /// them, and the extent files that hold their bytes. (Azurite's metadata database is
    /// written to disk lazily, so its file is not compared.)
    pub fn state(&self) -> BTreeMap<PathBuf, (u64, u64, Option<std::time::SystemTime>)> {
        let mut s = dir_state(&self.dir.path().join("__blobstorage__"));
        let store = self.store();
        let rt = runtime();
        let listed: Vec<object_store::ObjectMeta> = rt.block_on(async {
            use futures::TryStreamExt;
            store.list(None).try_collect().await.unwrap()
        });
        for m in listed {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            m.e_tag.hash(&mut h);
            s.insert(
                PathBuf::from(format!("blob:{}", m.location)),
                (m.size, h.finish(), Some(m.last_modified.into())),
            );
        }
        s
    }

    pub fn env(&self, endpoint: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AZURE_STORAGE_USE_EMULATOR", "true".into()),
            ("AZURITE_BLOB_STORAGE_URL", endpoint.into()),
        ]
    }
}

/// Hadoop's MiniDFSCluster (one NameNode, one DataNode) with a local directory copied in.
pub struct Hdfs {
    pub uri: String,
    pub dir: tempfile::TempDir,
    _proc: Running,
}

impl Hdfs {
    /// Starts HDFS holding `local` at `/tree`.
    pub fn start(local: &Path) -> Hdfs {
        let base = servers_dir().join("hdfs");
        let cp_file = base.join("classpath.txt");
        ensure("hdfs", &cp_file);
        let cp = format!(
            "{}:{}",
            base.join("classes").display(),
            std::fs::read_to_string(&cp_file).unwrap().trim()
        );
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("java")
            .args(["-Xmx512m", "-cp", &cp, "MiniHdfs"])
            .arg(dir.path())
            .arg(local)
            .arg("/tree")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start java for the MiniDFSCluster");
        let uri = read_line_with(&mut child, "HDFS_URI=", Duration::from_secs(120));
        Hdfs {
            uri,
            dir,
            _proc: Running(child),
        }
    }

    /// What the DataNode and NameNode store (blocks and the namespace image).
    pub fn state(&self) -> BTreeMap<PathBuf, (u64, u64, Option<std::time::SystemTime>)> {
        let mut s = dir_state(self.dir.path());
        // The NameNode's edit log in progress and the DataNodes' heartbeat bookkeeping change
        // on their own; block files and the finalized image do not.
        s.retain(|p, _| {
            let p = p.to_string_lossy();
            p.contains("/finalized/") && p.contains("blk_")
        });
        s
    }
}

/// Python's standard-library HTTP server over a directory.
pub struct HttpDir {
    pub port: u16,
    _proc: Running,
}

impl HttpDir {
    pub fn start(dir: &Path) -> HttpDir {
        let port = free_port();
        let mut child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 -m http.server");
        wait_for_port(
            port,
            &mut child,
            "python http.server",
            Duration::from_secs(20),
        );
        HttpDir {
            port,
            _proc: Running(child),
        }
    }
}
