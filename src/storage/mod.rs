//! Remote locations: S3 (and Flink's `s3a`/`s3p`), Google Cloud Storage, Azure Blob/ADLS,
//! HDFS and plain HTTP(S), behind one small API that every command uses:
//!
//! - [`Storage::open_snapshot`]: a location (a `_metadata` object or a snapshot "directory") to
//!   its `_metadata` object, with its size;
//! - [`Storage::read`]: that object's bytes, fetched in ranges straight into one buffer (the
//!   buffer the zero-copy parser then borrows from; no second copy);
//! - [`Storage::list`]: every object under a prefix (concurrent per top-level "directory");
//! - [`Storage::head`]: one object's size, or that it does not exist.
//!
//! Signing, credential chains and retries of failed requests are Apache Arrow's `object_store`
//! (and `hdfs-native` for HDFS); this module picks the store for a URL, applies the Flink
//! configuration's keys (`--config`), bounds concurrency, resumes truncated bodies, and turns
//! every failure into one [`Error`] naming the location and the cause.
//!
//! Architecture invariant: this module only ever reads. It issues GET, HEAD and LIST requests
//! and nothing else: no PUT, DELETE, COPY, multipart or marker object, ever.
//!
//! A location's identity is its URL string with Flink's S3 scheme aliases folded into `s3://`
//! (`s3a://b/k` and `s3p://b/k` name the object `s3://b/k`), no trailing `/` and no empty path
//! segment; scans and `_metadata` references compare these strings.
//!
//! Pre-signed URLs (`http(s)://…?X-Amz-Signature=…`, GCS's `X-Goog-Signature`, Azure SAS) name
//! one object and carry their credentials in the query string. They are fetched exactly as
//! given (the query intact; ranged GETs, as for every store; no HEAD, which a URL signed for
//! GET does not allow), never listed, and shown everywhere — results, errors, JSON — in their
//! redacted form ([`redact`]: every query value but the algorithm, date, expiry and signed
//! headers replaced by `REDACTED`). The redacted form is the location's identity inside the
//! process; the storage layer alone maps it back to the URL.

pub mod flink_conf;

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};

pub use flink_conf::FlinkConf;

/// The name Flink gives the metadata file inside a snapshot directory.
const METADATA: &str = "_metadata";

/// The largest `_metadata` fetched: a length the server reports is checked against this before
/// a buffer is allocated for it.
pub const MAX_METADATA_BYTES: u64 = 4 << 30;

/// `_metadata` objects larger than this are fetched as concurrent ranges of this size.
pub const RANGE_BYTES: u64 = 8 << 20;

/// How the storage layer behaves; the CLI fills it from `--config`, `--concurrency`,
/// `--timeout` and `--retries`.
#[derive(Clone, Debug)]
pub struct Config {
    /// Keys of the Flink configuration (`s3.endpoint`, `s3.path.style.access`, …), applied on
    /// top of the environment's credential chain.
    pub flink: FlinkConf,
    /// Requests in flight at once (listing, HEAD and GET together), at least 1.
    pub concurrency: usize,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Retries of one failed request (throttling, 5xx, timeouts, resets, truncated bodies),
    /// with exponential backoff.
    pub retries: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            flink: FlinkConf::new(),
            concurrency: 32,
            timeout: Duration::from_secs(30),
            retries: 4,
        }
    }
}

/// The kind of a remote location.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    S3,
    Gcs,
    Azure,
    Hdfs,
    Http,
}

/// Whether `s` names a remote location flinspect reads through this module.
pub fn is_remote(s: &str) -> bool {
    scheme_of(s).is_some()
}

fn scheme_of(s: &str) -> Option<Scheme> {
    let (scheme, rest) = s.split_once("://")?;
    if rest.is_empty() {
        return None;
    }
    Some(match scheme.to_ascii_lowercase().as_str() {
        "s3" | "s3a" | "s3p" | "s3n" => Scheme::S3,
        "gs" => Scheme::Gcs,
        "abfs" | "abfss" | "wasb" | "wasbs" | "az" | "adl" | "azure" => Scheme::Azure,
        "hdfs" | "viewfs" => Scheme::Hdfs,
        "http" | "https" => Scheme::Http,
        _ => return None,
    })
}

/// The identity of a location (see the module docs): `s3a://b//k/` → `s3://b/k`.
pub fn normalize(s: &str) -> String {
    let Some((scheme, rest)) = s.split_once("://") else {
        return s.to_string();
    };
    // A signed URL is signed over its exact path and query.
    if is_presigned(s) {
        return s.to_string();
    }
    let lower = scheme.to_ascii_lowercase();
    let scheme = match lower.as_str() {
        "s3a" | "s3p" | "s3n" => "s3",
        other => other,
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    let authority = segs.next().unwrap_or("");
    let mut out = format!("{scheme}://{authority}");
    for s in segs {
        out.push('/');
        out.push_str(s);
    }
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Whether `s` is an `http(s)://` URL with a query string: a pre-signed URL (S3's
/// `X-Amz-Signature`, GCS's `X-Goog-Signature`, an Azure SAS), which names one object and
/// carries its credentials.
pub fn is_presigned(s: &str) -> bool {
    scheme_of(s) == Some(Scheme::Http) && s.split_once('?').is_some_and(|(_, q)| !q.is_empty())
}

/// Query parameters of pre-signed URLs whose values are no secret and help to tell why a URL
/// is refused (an expired one): the algorithm, signing date, lifetime and signed headers, and
/// an Azure SAS's start, expiry, permissions, version, resource and protocol.
const PRESIGNED_PUBLIC: &[&str] = &[
    "x-amz-algorithm",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-signedheaders",
    "x-goog-algorithm",
    "x-goog-date",
    "x-goog-expires",
    "x-goog-signedheaders",
    "expires",
    "st",
    "se",
    "sp",
    "sv",
    "sr",
    "spr",
    "srt",
    "ss",
];

/// The form of a URL shown to the user: every query value but [`PRESIGNED_PUBLIC`]'s replaced
/// by `REDACTED` (the signature, the credential, a session token). A URL without a query is
/// returned as it is.
pub fn redact(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    // A fragment is never sent.
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) if PRESIGNED_PUBLIC.contains(&k.to_ascii_lowercase().as_str()) => {
                // Never a raw `/` after the path: the location's "directory" is what precedes
                // its last `/`.
                format!("{k}={}", v.replace('/', "%2F"))
            }
            Some((k, _)) => format!("{k}=REDACTED"),
            None => p.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// How a location the user gave is shown: a pre-signed URL [`redact`]ed, anything else as it
/// is.
pub fn shown(location: &str) -> String {
    if is_presigned(location) {
        redact(location)
    } else {
        location.to_string()
    }
}

/// The secret parts of a pre-signed URL, as they may appear in an error message: the whole
/// URL (as given and as the HTTP client prints it) and every redacted query value (as given
/// and percent-decoded).
fn presigned_secrets(url: &str) -> Vec<String> {
    let mut out = vec![url.to_string()];
    if let Ok(u) = url::Url::parse(url) {
        out.push(u.to_string());
    }
    if let Some((_, query)) = url.split_once('?') {
        for p in query.split('&') {
            if let Some((k, v)) = p.split_once('=') {
                if PRESIGNED_PUBLIC.contains(&k.to_ascii_lowercase().as_str()) || v.len() < 4 {
                    continue;
                }
                out.push(v.to_string());
                let decoded: String = url::form_urlencoded::parse(format!("v={v}").as_bytes())
                    .map(|(_, v)| v.into_owned())
                    .collect();
                if decoded != v {
                    out.push(decoded);
                }
            }
        }
    }
    // Longest first, so a URL is replaced whole before its parts.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// One remote object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its identity (see [`normalize`]).
    pub location: String,
    pub size: u64,
    pub modified: Option<SystemTime>,
    /// The server's entity tag; ranged reads require it, so an object replaced mid-read fails
    /// instead of mixing two versions.
    pub e_tag: Option<String>,
}

/// Why a remote operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    PermissionDenied,
    /// Throttling, 5xx, timeouts, resets, truncated bodies: still failing after the retries.
    Unavailable,
    /// A bad URL or configuration.
    Config,
    /// The object changed or is larger than flinspect reads.
    Invalid,
}

/// A failed remote operation: the location, and the cause in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub location: String,
    pub kind: ErrorKind,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for Error {}

fn err(location: &str, kind: ErrorKind, message: impl Into<String>) -> Error {
    Error {
        location: location.to_string(),
        kind,
        message: message.into(),
    }
}

/// Counters of the requests this process made, for benchmarks and tests.
#[derive(Debug, Default)]
pub struct Requests {
    pub list: AtomicU64,
    pub head: AtomicU64,
    pub get: AtomicU64,
}

/// The storage layer: a tokio runtime, one store per bucket/container/namenode, the
/// configuration and a bound on requests in flight.
pub struct Storage {
    runtime: tokio::runtime::Runtime,
    config: Config,
    stores: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
    /// Pre-signed URLs met so far: their redacted form (the location's identity) → the URL.
    presigned: Mutex<HashMap<String, String>>,
    /// What must never appear in a message: the pre-signed URLs' secret parts.
    secrets: Mutex<Vec<String>>,
    /// Pre-signed objects whose first range the probe fetched ([`Storage::open_snapshot`]):
    /// the object's buffer and how many of its bytes are filled, for [`Storage::read`].
    prefetched: Mutex<HashMap<String, (Vec<u8>, usize)>>,
    permits: Arc<tokio::sync::Semaphore>,
    pub requests: Requests,
}

static GLOBAL: OnceLock<Storage> = OnceLock::new();
static GLOBAL_CONFIG: Mutex<Option<Config>> = Mutex::new(None);

/// Sets the configuration the process-wide [`global`] storage is built with. The CLI calls it
/// before any command touches a remote location; a call after that first use has no effect
/// and returns `false`.
pub fn configure(config: Config) -> bool {
    if GLOBAL.get().is_some() {
        return false;
    }
    if let Ok(mut c) = GLOBAL_CONFIG.lock() {
        *c = Some(config);
    }
    true
}

/// The process-wide storage (built on first use from [`configure`]'s configuration, else
/// [`Config::default`]), used by `load`, `scan` and `check` for remote locations.
pub fn global() -> Result<&'static Storage, Error> {
    if let Some(s) = GLOBAL.get() {
        return Ok(s);
    }
    let config = GLOBAL_CONFIG
        .lock()
        .ok()
        .and_then(|mut c| c.take())
        .unwrap_or_default();
    let s = Storage::new(config)?;
    Ok(GLOBAL.get_or_init(|| s))
}

impl Storage {
    pub fn new(config: Config) -> Result<Storage, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("flinspect-io")
            .enable_all()
            .build()
            .map_err(|e| {
                err(
                    "",
                    ErrorKind::Config,
                    format!("cannot start I/O threads: {e}"),
                )
            })?;
        let permits = Arc::new(tokio::sync::Semaphore::new(config.concurrency.max(1)));
        Ok(Storage {
            runtime,
            config,
            stores: Mutex::new(HashMap::new()),
            presigned: Mutex::new(HashMap::new()),
            secrets: Mutex::new(Vec::new()),
            prefetched: Mutex::new(HashMap::new()),
            permits,
            requests: Requests::default(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs a future on the I/O runtime from a plain (non-async) thread.
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// A pre-signed URL (as given, or its redacted form met before): its redacted form and
    /// the URL itself.
    fn presigned_url(&self, location: &str) -> Option<(String, String)> {
        if !is_presigned(location) {
            return None;
        }
        let mut known = self.presigned.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(url) = known.get(location) {
            return Some((location.to_string(), url.clone()));
        }
        let shown = redact(location);
        if !known.contains_key(&shown) {
            known.insert(shown.clone(), location.to_string());
            let mut secrets = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
            secrets.extend(presigned_secrets(location));
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
            secrets.dedup();
        }
        let url = known.get(&shown).cloned().unwrap_or_default();
        Some((shown, url))
    }

    /// An error with every secret part of a pre-signed URL replaced by its redacted form.
    fn scrub(&self, mut e: Error) -> Error {
        e.location = self.scrub_text(&e.location);
        e.message = self.scrub_text(&e.message);
        e
    }

    /// `text` with every pre-signed URL met so far replaced by its redacted form, and any
    /// other appearance of their secret values by `REDACTED`.
    fn scrub_text(&self, text: &str) -> String {
        // Locked in the order `presigned_url` locks them.
        let known = self.presigned.lock().unwrap_or_else(|p| p.into_inner());
        let secrets = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        if secrets.is_empty() {
            return text.to_string();
        }
        let mut out = text.to_string();
        for s in secrets.iter() {
            if !out.contains(s.as_str()) {
                continue;
            }
            // A whole URL (as given, or as the HTTP client prints it) becomes its redacted form.
            let shown = known
                .iter()
                .find(|(_, url)| *url == s || url::Url::parse(url).is_ok_and(|u| u.as_str() == s))
                .map(|(shown, _)| shown.as_str())
                .unwrap_or("REDACTED");
            out = out.replace(s.as_str(), shown);
        }
        out
    }

    /// An `object_store` error as one line about `location` ([`classify_detail`]), the secret
    /// parts of pre-signed URLs taken out of its text before it is shortened, and a pre-signed
    /// URL the location already names not repeated in the detail.
    fn classify(&self, location: &str, e: &object_store::Error) -> Error {
        let mut text = self.scrub_text(&e.to_string());
        if is_presigned(location) {
            text = text.replace(location, "the URL");
        }
        classify_detail(location, e, short(&text))
    }

    /// The store serving `location`, and the object path inside it.
    fn store_for(&self, location: &str) -> Result<(Arc<dyn ObjectStore>, ObjectPath), Error> {
        if let Some((shown, url)) = self.presigned_url(location) {
            return self.presigned_store(&shown, &url);
        }
        let location = normalize(location);
        let scheme = scheme_of(&location).ok_or_else(|| {
            err(&location, ErrorKind::Config, "not a remote location (s3, s3a, s3p, gs, abfs, abfss, wasbs, az, hdfs, http, https)")
        })?;
        let url = url::Url::parse(&location).map_err(|e| {
            err(
                &location,
                ErrorKind::Config,
                format!("not a valid URL: {e}"),
            )
        })?;
        let (key, path) = match scheme {
            // One store per origin; the whole path is the object's.
            Scheme::Http => {
                let origin = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""))
                    + &url.port().map(|p| format!(":{p}")).unwrap_or_default();
                (origin, url.path().to_string())
            }
            _ => {
                let (_, rest) = location.split_once("://").unwrap_or(("", ""));
                let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
                (format!("{}://{authority}", url.scheme()), path.to_string())
            }
        };
        let store = {
            let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
            match stores.get(&key) {
                Some(s) => Arc::clone(s),
                None => {
                    let s = self.build_store(scheme, &key, &url)?;
                    stores.insert(key, Arc::clone(&s));
                    s
                }
            }
        };
        let path = ObjectPath::from_url_path(path.trim_start_matches('/')).map_err(|e| {
            err(
                &location,
                ErrorKind::Config,
                format!("not a valid object path: {e}"),
            )
        })?;
        Ok((store, path))
    }

    /// The store of one pre-signed URL: an HTTP store whose base URL is the whole URL, so that
    /// the empty object path requests it exactly, query string and all.
    fn presigned_store(
        &self,
        shown: &str,
        url: &str,
    ) -> Result<(Arc<dyn ObjectStore>, ObjectPath), Error> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = stores.get(url) {
            return Ok((Arc::clone(s), ObjectPath::default()));
        }
        let parsed = url::Url::parse(url)
            .map_err(|e| err(shown, ErrorKind::Config, format!("not a valid URL: {e}")))?;
        let s: Arc<dyn ObjectStore> = Arc::new(
            object_store::http::HttpBuilder::new()
                .with_url(parsed.as_str())
                .with_retry(self.retry())
                .with_client_options(self.client_options(parsed.scheme() == "http"))
                .build()
                .map_err(|e| err(shown, ErrorKind::Config, short(&e.to_string())))?,
        );
        stores.insert(url.to_string(), Arc::clone(&s));
        Ok((s, ObjectPath::default()))
    }

    fn retry(&self) -> object_store::RetryConfig {
        object_store::RetryConfig {
            backoff: object_store::BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(5),
                base: 2.0,
            },
            max_retries: self.config.retries,
            retry_timeout: Duration::from_secs(120),
        }
    }

    fn timeout_value(&self) -> String {
        format!("{}ms", self.config.timeout.as_millis())
    }

    fn client_options(&self, allow_http: bool) -> object_store::ClientOptions {
        object_store::ClientOptions::new()
            .with_timeout(self.config.timeout)
            .with_connect_timeout(self.config.timeout.min(Duration::from_secs(10)))
            .with_allow_http(allow_http)
    }

    fn build_store(
        &self,
        scheme: Scheme,
        key: &str,
        url: &url::Url,
    ) -> Result<Arc<dyn ObjectStore>, Error> {
        let conf = &self.config.flink;
        let get = |keys: &[&str]| keys.iter().find_map(|k| conf.get(*k).cloned());
        let env_true = |k: &str| {
            std::env::var(k).is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1"))
        };
        let fail = |e: object_store::Error| err(key, ErrorKind::Config, short(&e.to_string()));
        Ok(match scheme {
            Scheme::S3 => {
                use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
                let bucket = url.host_str().unwrap_or("");
                let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
                let mut endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
                    .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
                    .or_else(|_| std::env::var("AWS_ENDPOINT"))
                    .ok();
                if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
                    if let Some(p) = aws_profile() {
                        if let Some(k) = p.get("aws_access_key_id") {
                            b = b.with_access_key_id(k);
                        }
                        if let Some(k) = p.get("aws_secret_access_key") {
                            b = b.with_secret_access_key(k);
                        }
                        if let Some(k) = p.get("aws_session_token") {
                            b = b.with_token(k);
                        }
                        if let (Some(r), true) =
                            (p.get("region"), std::env::var_os("AWS_REGION").is_none())
                        {
                            b = b.with_region(r);
                        }
                        if endpoint.is_none() {
                            endpoint = p.get("endpoint_url").cloned();
                        }
                    }
                }
                // The keys Flink's S3 plugins read (flink-s3-fs-hadoop mirrors `s3.*` to
                // `fs.s3a.*`, flink-s3-fs-presto to `presto.s3.*`).
                if let Some(e) = get(&["s3.endpoint", "fs.s3a.endpoint", "presto.s3.endpoint"]) {
                    endpoint = Some(e);
                }
                if let Some(k) = get(&[
                    "s3.access-key",
                    "s3.access.key",
                    "fs.s3a.access.key",
                    "presto.s3.access-key",
                ]) {
                    b = b.with_access_key_id(k);
                }
                if let Some(k) = get(&[
                    "s3.secret-key",
                    "s3.secret.key",
                    "fs.s3a.secret.key",
                    "presto.s3.secret-key",
                ]) {
                    b = b.with_secret_access_key(k);
                }
                if let Some(r) = get(&["s3.region", "fs.s3a.endpoint.region", "presto.s3.region"]) {
                    b = b.with_region(r);
                }
                let mut allow_http = env_true("AWS_ALLOW_HTTP");
                if let Some(e) = endpoint {
                    // Flink accepts a host without a scheme; its plugins default to https.
                    let e = if e.contains("://") {
                        e
                    } else {
                        let ssl = get(&[
                            "s3.ssl.enabled",
                            "fs.s3a.connection.ssl.enabled",
                            "presto.s3.ssl.enabled",
                        ])
                        .is_none_or(|v| v != "false");
                        format!("{}://{e}", if ssl { "https" } else { "http" })
                    };
                    allow_http |= e.starts_with("http://");
                    b = b.with_endpoint(e);
                    // A custom endpoint is addressed path-style unless the configuration asks
                    // for virtual hosts.
                    b = b.with_virtual_hosted_style_request(false);
                }
                if let Some(v) = get(&[
                    "s3.path.style.access",
                    "s3.path-style-access",
                    "fs.s3a.path.style.access",
                    "presto.s3.path-style-access",
                ]) {
                    b = b.with_virtual_hosted_style_request(v != "true");
                }
                b = b
                    .with_config(
                        AmazonS3ConfigKey::Client(object_store::ClientConfigKey::Timeout),
                        self.timeout_value(),
                    )
                    .with_retry(self.retry());
                if allow_http {
                    b = b.with_allow_http(true);
                }
                Arc::new(b.build().map_err(fail)?)
            }
            Scheme::Gcs => {
                use object_store::gcp::GoogleCloudStorageBuilder;
                let bucket = url.host_str().unwrap_or("");
                use object_store::gcp::GoogleConfigKey;
                // The environment's client settings stay (GOOGLE_BASE_URL and plain http for
                // an emulator); only the timeout is ours.
                let mut b = GoogleCloudStorageBuilder::from_env()
                    .with_bucket_name(bucket)
                    .with_retry(self.retry())
                    .with_config(
                        GoogleConfigKey::Client(object_store::ClientConfigKey::Timeout),
                        self.timeout_value(),
                    );
                // The keys Flink's GCS plugin (flink-gs-fs-hadoop) hands to the GCS connector
                // (`gs.*` as `fs.gs.*`): its API root URL (an emulator's) and key file.
                if let Some(k) = get(&[
                    "gs.auth.service.account.json.keyfile",
                    "fs.gs.auth.service.account.json.keyfile",
                ]) {
                    b = b.with_service_account_path(k);
                }
                if let Some(u) = get(&["gs.storage.root.url", "fs.gs.storage.root.url"]) {
                    if u.starts_with("http://") {
                        b = b.with_config(
                            GoogleConfigKey::Client(object_store::ClientConfigKey::AllowHttp),
                            "true",
                        );
                    }
                    b = b.with_base_url(u.trim_end_matches('/'));
                }
                Arc::new(b.build().map_err(fail)?)
            }
            Scheme::Azure => {
                use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
                // The environment's client settings stay (AZURE_STORAGE_USE_EMULATOR with
                // AZURITE_BLOB_STORAGE_URL for Azurite, AZURE_ALLOW_HTTP); only the timeout is
                // ours.
                let mut b = MicrosoftAzureBuilder::from_env()
                    .with_url(url.as_str())
                    .with_retry(self.retry())
                    .with_config(
                        AzureConfigKey::Client(object_store::ClientConfigKey::Timeout),
                        self.timeout_value(),
                    );
                // Flink's Azure plugin reads `fs.azure.account.key.<account>.<host>`.
                let account = url
                    .host_str()
                    .and_then(|h| h.split('.').next())
                    .map(str::to_string);
                if let Some(account) = account.filter(|_| {
                    url.username().is_empty() || url.host_str().is_some_and(|h| h.contains('.'))
                }) {
                    let prefix = format!("fs.azure.account.key.{account}.");
                    if let Some((_, v)) = conf.iter().find(|(k, _)| k.starts_with(&prefix)) {
                        b = b.with_access_key(v);
                    }
                }
                Arc::new(b.build().map_err(fail)?)
            }
            Scheme::Hdfs => {
                // Flink hands `flink.hadoop.*` keys to Hadoop's configuration.
                let hadoop: HashMap<String, String> = conf
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((k.strip_prefix("flink.hadoop.")?.to_string(), v.clone()))
                    })
                    .collect();
                let _guard = self.runtime.enter();
                let s = hdfs_native_object_store::HdfsObjectStoreBuilder::new()
                    .with_url(key)
                    .with_config(hadoop)
                    .with_io_runtime(self.runtime.handle().clone())
                    .build()
                    .map_err(fail)?;
                Arc::new(s)
            }
            Scheme::Http => {
                let b = object_store::http::HttpBuilder::new()
                    .with_url(key)
                    .with_retry(self.retry())
                    .with_client_options(self.client_options(key.starts_with("http://")));
                Arc::new(b.build().map_err(fail)?)
            }
        })
    }

    /// One object's metadata, or `None` when it does not exist.
    pub fn head(&self, location: &str) -> Result<Option<ObjectInfo>, Error> {
        self.head_inner(location).map_err(|e| self.scrub(e))
    }

    fn head_inner(&self, location: &str) -> Result<Option<ObjectInfo>, Error> {
        if let Some((shown, _)) = self.presigned_url(location) {
            return self.probe_presigned(&shown, false);
        }
        let location = normalize(location);
        let (store, path) = self.store_for(&location)?;
        self.block_on(async {
            let _permit = self.permits.acquire().await;
            self.requests.head.fetch_add(1, Ordering::Relaxed);
            match store.head(&path).await {
                Ok(m) => Ok(Some(ObjectInfo {
                    location: location.clone(),
                    size: m.size,
                    modified: Some(m.last_modified.into()),
                    e_tag: m.e_tag,
                })),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(self.classify(&location, &e)),
            }
        })
    }

    /// A pre-signed URL's object, asked for with a ranged GET: a URL signed for GET is refused
    /// for HEAD (the signature covers the method). The answer's `Content-Range` gives the
    /// object's size, and its entity tag pins the later reads. With `keep`, the first
    /// [`RANGE_BYTES`] are fetched into the object's buffer and kept for [`Storage::read`]
    /// (a `_metadata` of up to 8 MiB costs one request); without, only the first byte. A server
    /// that ignores ranges (a plain HTTP server) answers with the whole object.
    fn probe_presigned(&self, shown: &str, keep: bool) -> Result<Option<ObjectInfo>, Error> {
        let (store, path) = self.store_for(shown)?;
        let first = if keep { RANGE_BYTES } else { 1 };
        self.block_on(async {
            let _permit = self.permits.acquire().await;
            self.requests.get.fetch_add(1, Ordering::Relaxed);
            let ranged = GetOptions {
                range: Some(GetRange::Bounded(0..first)),
                ..GetOptions::default()
            };
            let got = match store.get_opts(&path, ranged).await {
                Ok(got) => got,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(object_store::Error::NotSupported { .. }) => {
                    self.requests.get.fetch_add(1, Ordering::Relaxed);
                    match store.get_opts(&path, GetOptions::default()).await {
                        Ok(got) => got,
                        Err(object_store::Error::NotFound { .. }) => return Ok(None),
                        Err(e) => return Err(self.classify(shown, &e)),
                    }
                }
                Err(e) => {
                    let e = self.classify(shown, &e);
                    if e.message.contains("HTTP 416") {
                        return Err(err(
                            shown,
                            ErrorKind::Invalid,
                            "an empty object (its first byte is out of range: HTTP 416)",
                        ));
                    }
                    return Err(e);
                }
            };
            let object = ObjectInfo {
                location: shown.to_string(),
                size: got.meta.size,
                modified: Some(got.meta.last_modified.into()),
                e_tag: got.meta.e_tag.clone(),
            };
            if !keep {
                got.bytes().await.map_err(|e| self.classify(shown, &e))?;
                return Ok(Some(object));
            }
            let size = self.checked_size(&object)?;
            let mut buf = vec![0u8; size];
            let mut filled = 0usize;
            let mut stream = got.into_stream();
            while let Some(part) = stream.next().await {
                // A body cut short: the read resumes from where it stopped.
                let Ok(part) = part else { break };
                let Some(dest) = buf.get_mut(filled..filled + part.len()) else {
                    return Err(err(
                        shown,
                        ErrorKind::Invalid,
                        "the server sent more bytes than the object has",
                    ));
                };
                dest.copy_from_slice(&part);
                filled += part.len();
            }
            self.prefetched
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(shown.to_string(), (buf, filled));
            Ok(Some(object))
        })
    }

    /// Resolves a user's location to its `_metadata` object: the location itself when it
    /// names one, else `<location>/_metadata`, else the location as an object of another
    /// name. A pre-signed URL is always the object itself.
    pub fn open_snapshot(&self, location: &str) -> Result<ObjectInfo, Error> {
        self.open_snapshot_inner(location)
            .map_err(|e| self.scrub(e))
    }

    fn open_snapshot_inner(&self, location: &str) -> Result<ObjectInfo, Error> {
        if let Some((shown, _)) = self.presigned_url(location) {
            return self
                .probe_presigned(&shown, true)?
                .ok_or_else(|| err(&shown, ErrorKind::NotFound, "no such object (HTTP 404)"));
        }
        let location = normalize(location);
        if location.rsplit('/').next() == Some(METADATA) {
            return self
                .head(&location)?
                .ok_or_else(|| err(&location, ErrorKind::NotFound, "no such object"));
        }
        let candidate = format!("{location}/{METADATA}");
        if let Some(o) = self.head(&candidate)? {
            return Ok(o);
        }
        // A "directory" (objects under it)? Asked with one listing, not a HEAD of the
        // directory's key, which some servers answer with an error instead of 404.
        let inside = self.children(&location)?;
        if inside.is_empty() {
            if let Some(o) = self.head(&location)? {
                return Ok(o);
            }
            return Err(err(
                &location,
                ErrorKind::NotFound,
                format!("no object {candidate} and nothing under this location"),
            ));
        }
        let mut snapshots: Vec<&String> = inside
            .iter()
            .filter(|n| n.starts_with("chk-") || n.starts_with("savepoint-"))
            .collect();
        let number = |n: &str| n.strip_prefix("chk-").and_then(|k| k.parse::<u64>().ok());
        snapshots.sort_by_key(|n| (number(n).is_none(), number(n), n.to_string()));
        let hint = match snapshots.last() {
            Some(_) => format!(
                "; snapshot directories inside: {}; inspect one, e.g. {location}/{}",
                snapshots
                    .iter()
                    .take(6)
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                snapshots
                    .iter()
                    .rev()
                    .find(|n| n.starts_with("chk-"))
                    .unwrap_or(&snapshots[0])
            ),
            None => String::new(),
        };
        Err(err(
            &location,
            ErrorKind::NotFound,
            format!("no object {candidate} (not a completed checkpoint or savepoint){hint}"),
        ))
    }

    /// The names of the "directories" and objects directly under a location (one listing
    /// page with a delimiter).
    fn children(&self, location: &str) -> Result<Vec<String>, Error> {
        let (store, path) = self.store_for(location)?;
        self.block_on(async {
            let _permit = self.permits.acquire().await;
            self.requests.list.fetch_add(1, Ordering::Relaxed);
            let r = store
                .list_with_delimiter(Some(&path))
                .await
                .map_err(|e| self.classify(location, &e))?;
            Ok(r.common_prefixes
                .iter()
                .filter_map(|p| p.filename().map(str::to_string))
                .chain(
                    r.objects
                        .iter()
                        .filter_map(|o| o.location.filename().map(str::to_string)),
                )
                .collect())
        })
    }

    /// Reads a whole object into one buffer of exactly its size. Objects larger than
    /// [`RANGE_BYTES`] are fetched as concurrent ranges written in place; a body cut short is
    /// resumed from where it stopped (up to the configured retries), and an object that
    /// changed meanwhile (another entity tag, more bytes) is an error.
    pub fn read(&self, object: &ObjectInfo) -> Result<Vec<u8>, Error> {
        self.read_inner(object).map_err(|e| self.scrub(e))
    }

    fn read_inner(&self, object: &ObjectInfo) -> Result<Vec<u8>, Error> {
        let size = self.checked_size(object)?;
        let (store, path) = self.store_for(&object.location)?;
        // A pre-signed object's first range came with its probe.
        let prefetched = self
            .prefetched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&object.location);
        let (mut buf, from) = match prefetched {
            Some((buf, filled)) if buf.len() == size => (buf, filled),
            _ => (vec![0u8; size], 0),
        };
        let chunk = RANGE_BYTES as usize;
        if let Some(rest) = buf.get_mut(from..).filter(|r| !r.is_empty()) {
            self.block_on(async {
                let parts = rest.chunks_mut(chunk).enumerate().map(|(i, slice)| {
                    let start = (from + i * chunk) as u64;
                    let store = Arc::clone(&store);
                    let path = path.clone();
                    async move { self.read_range(&*store, &path, object, start, slice).await }
                });
                let mut results = futures::stream::iter(parts).buffer_unordered(4);
                while let Some(r) = results.next().await {
                    r?;
                }
                Ok::<(), Error>(())
            })?;
        }
        Ok(buf)
    }

    /// Up to `len` bytes of the object at `location` from byte `start` (fewer where the object
    /// ends), with the object's size: the head of a state file, never the whole file. One HEAD
    /// and one ranged GET; `len` is the caller's bound on the buffer.
    pub fn read_at(&self, location: &str, start: u64, len: u64) -> Result<(Vec<u8>, u64), Error> {
        self.read_at_inner(location, start, len)
            .map_err(|e| self.scrub(e))
    }

    fn read_at_inner(&self, location: &str, start: u64, len: u64) -> Result<(Vec<u8>, u64), Error> {
        let object = self
            .head(location)?
            .ok_or_else(|| err(&normalize(location), ErrorKind::NotFound, "no such object"))?;
        if start > object.size {
            return Err(err(
                &object.location,
                ErrorKind::Invalid,
                format!(
                    "start position {start} is past the end of the object ({} bytes)",
                    object.size
                ),
            ));
        }
        let end = object.size.min(start.saturating_add(len));
        let n = usize::try_from(end - start).map_err(|_| {
            err(
                &object.location,
                ErrorKind::Invalid,
                "too large for this machine",
            )
        })?;
        let mut buf = vec![0u8; n];
        if n > 0 {
            let (store, path) = self.store_for(&object.location)?;
            self.block_on(self.read_range(&*store, &path, &object, start, &mut buf))?;
        }
        Ok((buf, object.size))
    }

    /// The object's size as a buffer length, refused above [`MAX_METADATA_BYTES`].
    fn checked_size(&self, object: &ObjectInfo) -> Result<usize, Error> {
        let location = &object.location;
        if object.size > MAX_METADATA_BYTES {
            return Err(err(
                location,
                ErrorKind::Invalid,
                format!(
                    "{} bytes is more than flinspect reads for one _metadata ({MAX_METADATA_BYTES} bytes)",
                    object.size
                ),
            ));
        }
        usize::try_from(object.size)
            .map_err(|_| err(location, ErrorKind::Invalid, "too large for this machine"))
    }

    /// Fills `out` with the object's bytes from `start`, resuming after a cut-off body.
    async fn read_range(
        &self,
        store: &dyn ObjectStore,
        path: &ObjectPath,
        object: &ObjectInfo,
        start: u64,
        out: &mut [u8],
    ) -> Result<(), Error> {
        let location = &object.location;
        let mut filled = 0usize;
        let mut attempts = 0usize;
        let mut backoff = Duration::from_millis(100);
        loop {
            let range: Range<u64> = start + filled as u64..start + out.len() as u64;
            let before = filled;
            // Whether the failure came after the response's headers: a body cut short.
            let mut in_body = false;
            let attempt = async {
                let _permit = self.permits.acquire().await;
                self.requests.get.fetch_add(1, Ordering::Relaxed);
                let opts = GetOptions {
                    // A whole small object is asked for without a range, as any client would.
                    range: if range.start == 0 && range.end == object.size {
                        None
                    } else {
                        Some(GetRange::Bounded(range.clone()))
                    },
                    if_match: object.e_tag.clone(),
                    ..GetOptions::default()
                };
                let got = store
                    .get_opts(path, opts)
                    .await
                    .map_err(|e| self.classify(location, &e))?;
                if got.meta.size != object.size {
                    return Err(err(
                        location,
                        ErrorKind::Invalid,
                        format!(
                            "the object changed while it was read ({} bytes, then {})",
                            object.size, got.meta.size
                        ),
                    ));
                }
                in_body = true;
                let mut stream = got.into_stream();
                while let Some(part) = stream.next().await {
                    let part = part.map_err(|e| self.classify(location, &e))?;
                    let Some(dest) = out.get_mut(filled..filled + part.len()) else {
                        return Err(err(
                            location,
                            ErrorKind::Invalid,
                            "the server sent more bytes than the object has",
                        ));
                    };
                    dest.copy_from_slice(&part);
                    filled += part.len();
                }
                Ok(())
            }
            .await;
            attempts += 1;
            // object_store has already retried failed requests and, for objects with an entity
            // tag, bodies cut short (resuming with a range, within the same retry budget).
            let failure = match attempt {
                Ok(()) if filled == out.len() => return Ok(()),
                // The body ended early without an error: resume from where it stopped.
                Ok(()) => err(location, ErrorKind::Unavailable, "the body ended early"),
                Err(e) if e.kind == ErrorKind::Unavailable && in_body => {
                    return Err(err(
                        location,
                        ErrorKind::Unavailable,
                        format!(
                            "truncated body: {} of {} bytes from offset {start} arrived; {}",
                            filled,
                            out.len(),
                            e.message
                        ),
                    ))
                }
                Err(e) => return Err(e),
            };
            if attempts > self.config.retries {
                let message = if in_body || filled > 0 {
                    format!(
                        "truncated body: {} of {} bytes from offset {start} arrived in {attempts} attempt(s); last: {}",
                        filled,
                        out.len(),
                        failure.message
                    )
                } else {
                    format!("{} ({attempts} attempt(s))", failure.message)
                };
                return Err(err(location, ErrorKind::Unavailable, message));
            }
            // Progress resets the backoff: the connection works, it was cut.
            if filled > before {
                backoff = Duration::from_millis(100);
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    /// Every object under `prefix`, page by page, holding one permit per page.
    async fn list_flat(
        &self,
        store: &dyn ObjectStore,
        prefix: Option<&ObjectPath>,
        seen: &(dyn Fn(u64, u64) + Sync),
    ) -> object_store::Result<Vec<object_store::ObjectMeta>> {
        let mut found = Vec::new();
        let mut stream = store.list(prefix);
        let mut permit = None;
        loop {
            // A new page is fetched every 1000 entries: take a permit for it.
            if found.len() % 1000 == 0 {
                // Released first: with one permit in all, holding it would wait forever.
                drop(permit.take());
                permit = Some(self.permits.acquire().await);
                self.requests.list.fetch_add(1, Ordering::Relaxed);
            }
            match stream.try_next().await? {
                Some(m) => {
                    found.push(m);
                    if found.len() % 100 == 0 {
                        seen(0, 100);
                    }
                }
                None => break,
            }
        }
        drop(permit);
        seen(1, (found.len() % 100) as u64);
        Ok(found)
    }

    /// Every object under `prefix` (a "directory": `prefix/…`), sorted by location. The
    /// top-level "directories" are listed concurrently; `seen` is called with each page's
    /// object count as it arrives (for progress).
    pub fn list(
        &self,
        prefix: &str,
        seen: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Vec<ObjectInfo>, Error> {
        if let Some((shown, _)) = self.presigned_url(prefix) {
            return Err(err(&shown, ErrorKind::Config, PRESIGNED_NO_LISTING));
        }
        let prefix = normalize(prefix);
        let (store, path) = self.store_for(&prefix)?;
        let base = object_base(&prefix, &path);
        let to_info = |m: object_store::ObjectMeta| ObjectInfo {
            location: format!("{base}{}", m.location),
            size: m.size,
            modified: Some(m.last_modified.into()),
            e_tag: m.e_tag,
        };
        let root = (!path.as_ref().is_empty()).then_some(&path);
        let mut out = self.block_on(async {
            let top = {
                let _permit = self.permits.acquire().await;
                let top = store
                    .list_with_delimiter(root)
                    .await
                    .map_err(|e| self.classify(&prefix, &e))?;
                self.requests.list.fetch_add(
                    pages(top.objects.len() + top.common_prefixes.len()),
                    Ordering::Relaxed,
                );
                top
            };
            // Few top-level "directories" (job directories): list each on its own, all at
            // once. Many (thousands of snapshot directories): one flat listing of the whole
            // prefix takes far fewer requests than one listing per directory.
            let subs = if top.common_prefixes.len() <= self.config.concurrency.max(1) {
                seen(top.common_prefixes.len() as u64, top.objects.len() as u64);
                let mut all: Vec<ObjectInfo> = top.objects.into_iter().map(to_info).collect();
                let lists = top.common_prefixes.into_iter().map(|p| {
                    let store = Arc::clone(&store);
                    let prefix = &prefix;
                    async move {
                        let found = self.list_flat(&*store, Some(&p), seen).await;
                        found.map_err(|e| self.classify(&format!("{prefix}/{p}"), &e))
                    }
                });
                let mut lists =
                    futures::stream::iter(lists).buffer_unordered(self.config.concurrency.max(1));
                while let Some(found) = lists.next().await {
                    all.extend(found?.into_iter().map(to_info));
                }
                all
            } else {
                self.list_flat(&*store, root, seen)
                    .await
                    .map_err(|e| self.classify(&prefix, &e))?
                    .into_iter()
                    .map(to_info)
                    .collect()
            };
            Ok::<_, Error>(subs)
        })?;
        out.sort_unstable_by(|a, b| a.location.cmp(&b.location));
        out.dedup_by(|a, b| a.location == b.location);
        Ok(out)
    }
}

/// Why a pre-signed URL cannot be scanned (or its snapshot's other files looked for).
pub const PRESIGNED_NO_LISTING: &str = "a pre-signed URL names one object and cannot be listed: `scan` needs the snapshot's directory (s3://bucket/…, gs://…, abfss://…) with credentials; `inspect` and `check` read the pre-signed _metadata itself";

/// The requests a listing of `n` entries took (S3, GCS and Azure return up to 1000 a page).
fn pages(n: usize) -> u64 {
    (n.max(1) as u64).div_ceil(1000)
}

/// `scheme://authority/` of a location whose object path is `path` (for turning listed
/// object paths back into locations).
fn object_base(location: &str, path: &ObjectPath) -> String {
    let p = path.as_ref();
    let base = location
        .split('?')
        .next()
        .unwrap_or(location)
        .strip_suffix(p)
        .unwrap_or(location);
    let base = base.trim_end_matches('/');
    format!("{base}/")
}

/// Reads `[profile]` (or `[default]`) of `~/.aws/credentials` and `~/.aws/config` (or the
/// files `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` name): static keys, region and
/// endpoint only. Nothing else of the profile format (SSO, roles, processes) is read.
fn aws_profile() -> Option<HashMap<String, String>> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let creds = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".aws/credentials")));
    let config = std::env::var_os("AWS_CONFIG_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".aws/config")));
    let mut out = HashMap::new();
    for (file, section) in [
        (
            config,
            if profile == "default" {
                "default".to_string()
            } else {
                format!("profile {profile}")
            },
        ),
        (creds, profile.clone()),
    ] {
        let Some(text) = file.and_then(|f| std::fs::read_to_string(f).ok()) else {
            continue;
        };
        let mut inside = false;
        for line in text.lines() {
            let line = line.trim();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                inside = name.trim() == section;
            } else if inside {
                if let Some((k, v)) = line.split_once('=') {
                    out.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// An `object_store` error as one line: the cause in plain words, then `detail` (the error's
/// text, scrubbed of secrets and shortened).
fn classify_detail(location: &str, e: &object_store::Error, detail: String) -> Error {
    use object_store::Error as E;
    match e {
        E::NotFound { .. } => err(location, ErrorKind::NotFound, "no such object (HTTP 404)"),
        E::PermissionDenied { .. } => err(
            location,
            ErrorKind::PermissionDenied,
            format!("access denied (HTTP 403): {detail}"),
        ),
        E::Unauthenticated { .. } => err(
            location,
            ErrorKind::PermissionDenied,
            format!("not authenticated (HTTP 401): {detail}"),
        ),
        E::Precondition { .. } => err(
            location,
            ErrorKind::Invalid,
            "the object changed while it was read (its entity tag no longer matches)",
        ),
        _ => {
            // The cause from the error's chain: the HTTP status object_store reports, the
            // transport's kind of failure, or an I/O error underneath.
            let mut http = None;
            let mut io = None;
            let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
            while let Some(x) = cur {
                if let Some(h) = x.downcast_ref::<object_store::client::HttpError>() {
                    http = Some(h.kind());
                }
                if let Some(i) = x.downcast_ref::<std::io::Error>() {
                    io = Some(i.kind());
                }
                cur = x.source();
            }
            let status = detail
                .split("status code: ")
                .nth(1)
                .and_then(|r| r.get(..3))
                .and_then(|c| c.parse::<u16>().ok());
            use object_store::client::HttpErrorKind as K;
            use std::io::ErrorKind as Io;
            let cause = match (status, http, io) {
                (Some(503 | 429), _, _) => {
                    "throttled or unavailable (HTTP 503/429, e.g. SlowDown)".to_string()
                }
                (Some(code), _, _) => format!("server error (HTTP {code})"),
                (_, Some(K::Timeout), _) | (_, _, Some(Io::TimedOut)) => "timed out".to_string(),
                (
                    _,
                    _,
                    Some(
                        Io::ConnectionReset
                        | Io::ConnectionAborted
                        | Io::BrokenPipe
                        | Io::UnexpectedEof,
                    ),
                ) => "connection reset".to_string(),
                (_, Some(K::Connect), _) | (_, _, Some(Io::ConnectionRefused)) => {
                    "cannot connect".to_string()
                }
                (_, Some(K::Interrupted), _) => "connection reset".to_string(),
                (_, Some(K::Decode), _) => "response body cut short or undecodable".to_string(),
                (_, Some(K::Request), _) => {
                    "request failed (connection closed or reset)".to_string()
                }
                _ => "request failed".to_string(),
            };
            err(
                location,
                ErrorKind::Unavailable,
                format!("{cause}: {detail}"),
            )
        }
    }
}

/// An error message on one line, without the long request dumps some errors carry.
fn short(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 400 {
        let cut: String = one.chars().take(400).collect();
        format!("{cut}…")
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_identities() {
        for s in [
            "s3://b/k",
            "s3a://b/k",
            "s3p://b/k",
            "gs://b/k",
            "abfss://c@a.dfs.core.windows.net/k",
            "wasbs://c@a.blob.core.windows.net/k",
            "az://c/k",
            "hdfs://nn:8020/k",
            "https://h/k",
            "http://h:1/k",
        ] {
            assert!(is_remote(s), "{s}");
        }
        for s in [
            "/tmp/x",
            "file:///tmp/x",
            "file:/x",
            "s3://",
            "ftp://h/x",
            "chk-1",
        ] {
            assert!(!is_remote(s), "{s}");
        }
        assert_eq!(normalize("s3a://b//ckpt/chk-1/"), "s3://b/ckpt/chk-1");
        assert_eq!(normalize("S3P://b/x"), "s3://b/x");
        assert_eq!(normalize("hdfs://nn:8020/a/b"), "hdfs://nn:8020/a/b");
        assert_eq!(
            normalize("https://h/a/b?X-Amz-Signature=1"),
            "https://h/a/b?X-Amz-Signature=1"
        );
    }

    #[test]
    fn presigned_urls_are_kept_as_given_and_shown_redacted() {
        let url = "https://b.s3.amazonaws.com/ckpt//chk-1/_metadata?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261203%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261203T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok%2Fen&X-Amz-Signature=abcdef0123";
        assert!(is_presigned(url));
        assert!(!is_presigned("https://h/a/_metadata"));
        assert!(!is_presigned("https://h/a/_metadata?"));
        assert!(!is_presigned("s3://b/k?x=1"));
        // Signed over its exact path: not normalized.
        assert_eq!(normalize(url), url);
        let shown = redact(url);
        assert_eq!(
            shown,
            "https://b.s3.amazonaws.com/ckpt//chk-1/_metadata?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&X-Amz-Date=20261203T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED"
        );
        assert_eq!(self::shown(url), shown);
        assert_eq!(self::shown("/tmp/a?b=c"), "/tmp/a?b=c");
        // An Azure SAS keeps its validity window and permissions, not its signature.
        assert_eq!(
            redact("https://a.blob.core.windows.net/c/_metadata?sv=2022-11-02&se=2026-12-03T10:00:00Z&sr=b&sp=r&sig=c2lnbmF0dXJl%3D"),
            "https://a.blob.core.windows.net/c/_metadata?sv=2022-11-02&se=2026-12-03T10:00:00Z&sr=b&sp=r&sig=REDACTED"
        );
        // A kept value never adds a `/` after the path.
        assert_eq!(redact("http://h/x?se=a/b"), "http://h/x?se=a%2Fb");
        let secrets = presigned_secrets(url);
        assert_eq!(secrets[0], url);
        for s in [
            "abcdef0123",
            "AKIA%2F20261203%2Fus-east-1%2Fs3%2Faws4_request",
            "AKIA/20261203/us-east-1/s3/aws4_request",
            "tok/en",
        ] {
            assert!(secrets.iter().any(|x| x == s), "{s} in {secrets:?}");
        }
        assert!(!secrets.iter().any(|x| x == "3600" || x == "host"));
    }

    #[test]
    fn errors_about_a_presigned_url_never_hold_its_secrets() {
        let storage = Storage::new(Config::default()).unwrap();
        let url = "http://127.0.0.1:9/b/_metadata?X-Amz-Credential=KEY%2Fday&X-Amz-Signature=0123456789abcdef";
        let (shown, real) = storage.presigned_url(url).unwrap();
        assert_eq!(real, url);
        assert_eq!(shown, redact(url));
        // Its redacted form finds the URL again.
        assert_eq!(storage.presigned_url(&shown).unwrap().1, url);
        let e = storage.scrub(err(
            url,
            ErrorKind::PermissionDenied,
            format!("GET {url} failed: <SignatureProvided>0123456789abcdef</SignatureProvided> for KEY/day"),
        ));
        assert_eq!(e.location, shown);
        assert_eq!(
            e.message,
            format!(
                "GET {shown} failed: <SignatureProvided>REDACTED</SignatureProvided> for REDACTED"
            )
        );
        // Nothing listens on port 9: the connection error names the redacted URL only.
        let e = storage.open_snapshot(url).unwrap_err();
        assert_eq!(e.location, shown);
        assert!(!e.to_string().contains("0123456789abcdef"), "{e}");
        assert!(!e.to_string().contains("KEY%2Fday"), "{e}");
        let e = storage.list(url, &|_, _| {}).unwrap_err();
        assert_eq!(e.location, shown);
        assert_eq!(e.kind, ErrorKind::Config);
    }

    #[test]
    fn listed_paths_become_locations() {
        let p = ObjectPath::from("ckpt/job");
        assert_eq!(object_base("s3://b/ckpt/job", &p), "s3://b/");
        assert_eq!(object_base("s3://b", &ObjectPath::from("")), "s3://b/");
        assert_eq!(
            object_base("http://h:1/x", &ObjectPath::from("x")),
            "http://h:1/"
        );
    }
}
