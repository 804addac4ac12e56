//! Finding `java`, a Flink distribution and the companion jar, and running the companion.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{GraphDocument, GraphError};

/// The environment variable that names the companion jar.
pub const COMPANION_JAR_ENV: &str = "FLINSPECT_COMPANION_JAR";

/// The JDK packages Flink 1.x reflects into; without these `--add-opens` a Java 17 JVM refuses
/// the reflection (the same list the fixture generator uses).
const ADD_OPENS: &[&str] = &[
    "java.base/java.util",
    "java.base/java.lang",
    "java.base/java.lang.reflect",
    "java.base/java.lang.invoke",
    "java.base/java.net",
    "java.base/java.io",
    "java.base/java.nio",
    "java.base/sun.nio.ch",
    "java.base/java.util.concurrent",
    "java.base/java.util.concurrent.atomic",
    "java.base/java.text",
    "java.base/java.time",
    "java.base/java.math",
    "java.base/java.security",
];

/// What to run the companion on.
#[derive(Clone, Debug, Default)]
pub struct GraphRequest {
    /// The job: a jar, a SQL script (`.sql`: CREATE/SET statements and INSERTs, alone or in
    /// a statement set, planned by Flink's own planner), or a compiled plan (`COMPILE PLAN` JSON,
    /// recognized by its content: [`is_compiled_plan`]).
    pub jar: PathBuf,
    /// The main class, when the jar's manifest does not name it (or to pick another).
    pub entry_class: Option<String>,
    /// A Flink distribution; else `FLINK_HOME`.
    pub flink_home: Option<PathBuf>,
    /// A Flink configuration file applied on top of the distribution's `conf/`.
    pub config: Option<PathBuf>,
    /// The arguments of the job's `main()`.
    pub args: Vec<String>,
    /// Stop the companion (and fail) when the job's `main()` has not reached `execute()` by then.
    pub timeout: Option<Duration>,
}

/// A Flink distribution: its `lib/` (on the companion's class path), its `conf/` when present,
/// and the release its `flink-dist` jar names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlinkHome {
    pub home: PathBuf,
    pub lib: PathBuf,
    pub conf: Option<PathBuf>,
    pub version: Option<String>,
}

/// The companion's answer.
#[derive(Clone, Debug)]
pub struct GraphOutput {
    pub document: GraphDocument,
    /// The document as the companion wrote it.
    pub json: String,
    /// What the JVM wrote to stderr: the job's own output and Flink's logging.
    pub stderr: String,
}

/// `java` from `JAVA_HOME`, else from `PATH`. `env` reads an environment variable (the
/// process's own in [`run_graph`]).
pub fn find_java(env: &dyn Fn(&str) -> Option<OsString>) -> Result<PathBuf, GraphError> {
    let exe = if cfg!(windows) { "java.exe" } else { "java" };
    if let Some(home) = env("JAVA_HOME").filter(|h| !h.is_empty()) {
        let java = PathBuf::from(&home).join("bin").join(exe);
        return if java.is_file() {
            Ok(java)
        } else {
            Err(GraphError::new(format!(
                "JAVA_HOME is {} but it has no bin/{exe}: point JAVA_HOME at a JDK or JRE (Java 11 or later; 17 for Flink 2.x)",
                Path::new(&home).display()
            )))
        };
    }
    if let Some(path) = env("PATH") {
        for dir in std::env::split_paths(&path) {
            let java = dir.join(exe);
            if java.is_file() {
                return Ok(java);
            }
        }
    }
    Err(GraphError::new(
        "no java found: set JAVA_HOME or put java on PATH (Java 11 or later; 17 for Flink 2.x)",
    ))
}

/// The Flink distribution: `given` (`--flink-home`), else `FLINK_HOME`. It must have
/// `lib/flink-dist*.jar`.
pub fn find_flink(
    given: Option<&Path>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<FlinkHome, GraphError> {
    let (home, how) = match given {
        Some(p) => (p.to_path_buf(), "--flink-home"),
        None => match env("FLINK_HOME").filter(|h| !h.is_empty()) {
            Some(h) => (PathBuf::from(h), "FLINK_HOME"),
            None => {
                return Err(GraphError::new(
                    "no Flink distribution given: pass --flink-home DIR or set FLINK_HOME (a Flink distribution, with lib/flink-dist-*.jar, of the release the job runs on)",
                ))
            }
        },
    };
    let lib = home.join("lib");
    let entries = std::fs::read_dir(&lib).map_err(|e| {
        GraphError::new(format!(
            "{} ({how}): not a Flink distribution: cannot read {}: {e}",
            home.display(),
            lib.display()
        ))
    })?;
    let mut version = None;
    let mut dist = false;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(rest) = name.strip_prefix("flink-dist") {
            if let Some(v) = rest.strip_suffix(".jar") {
                dist = true;
                // flink-dist-1.20.3.jar, flink-dist_2.12-1.15.4.jar
                let v = v.rsplit('-').next().unwrap_or("");
                if v.starts_with(|c: char| c.is_ascii_digit()) {
                    version = Some(v.to_string());
                }
            }
        }
    }
    if !dist {
        return Err(GraphError::new(format!(
            "{} ({how}): not a Flink distribution: no lib/flink-dist*.jar",
            home.display()
        )));
    }
    let conf = home.join("conf");
    let conf = ["config.yaml", "flink-conf.yaml"]
        .iter()
        .any(|f| conf.join(f).is_file())
        .then_some(conf);
    Ok(FlinkHome {
        home,
        lib,
        conf,
        version,
    })
}

/// The companion jar's file name for a Flink release.
pub fn companion_jar_name(flink_version: &str) -> String {
    format!("flinspect-companion-{flink_version}.jar")
}

/// The companion jar: `FLINSPECT_COMPANION_JAR`; else, next to the flinspect binary,
/// `flinspect-companion-<release>.jar` or `flinspect-companion.jar`; else, in a source checkout,
/// `jvm/companion/target/flink-<release>/flinspect-companion.jar` (what `mvn -f jvm/pom.xml
/// -Dflink.version=<release> package` builds).
pub fn find_companion(
    flink: &FlinkHome,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<PathBuf, GraphError> {
    if let Some(p) = env(COMPANION_JAR_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(GraphError::new(format!(
                "{COMPANION_JAR_ENV} is {} but there is no such file: build the companion (mvn -f jvm/pom.xml -Dflink.version=RELEASE package) and point {COMPANION_JAR_ENV} at jvm/companion/target/flink-RELEASE/flinspect-companion.jar",
                p.display()
            )))
        };
    }
    let release = flink.version.as_deref();
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        if let Some(v) = release {
            candidates.push(dir.join(companion_jar_name(v)));
        }
        candidates.push(dir.join("flinspect-companion.jar"));
    }
    if let Some(v) = release {
        candidates.push(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("jvm/companion/target")
                .join(format!("flink-{v}"))
                .join("flinspect-companion.jar"),
        );
    }
    if let Some(found) = candidates.iter().find(|c| c.is_file()) {
        return Ok(found.clone());
    }
    let v = release.unwrap_or("RELEASE");
    Err(GraphError::new(format!(
        "no companion jar for Flink {v}: build it with `mvn -f jvm/pom.xml -Dflink.version={v} package` and set {COMPANION_JAR_ENV}=jvm/companion/target/flink-{v}/flinspect-companion.jar (or put it next to the flinspect binary as {})",
        companion_jar_name(v)
    )))
}

fn process_env(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// What kind of job a file is: by its `.sql` extension, else by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JobKind {
    Jar,
    SqlScript,
    CompiledPlan,
}

impl JobKind {
    fn companion_option(self) -> &'static str {
        match self {
            JobKind::Jar => "--jar",
            JobKind::SqlScript => "--sql",
            JobKind::CompiledPlan => "--plan",
        }
    }
}

/// A compiled plan (what Flink's `COMPILE PLAN ... FOR INSERT ...` writes, 1.15+): a JSON object
/// with `flinkVersion` and `nodes`.
pub fn is_compiled_plan(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("flinkVersion").is_some() && v.get("nodes").is_some())
}

/// The kind of job at `path` (which exists): `.sql` is a script; a file whose content is JSON is a
/// compiled plan when it has `flinkVersion` and `nodes`, else an error (a `graph` document or
/// another JSON file is not a job); anything else is taken as a job jar.
fn job_kind(path: &Path, shown: &str) -> Result<JobKind, GraphError> {
    if path.extension().is_some_and(|e| e == "sql") {
        return Ok(JobKind::SqlScript);
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| GraphError::new(format!("{shown}: cannot read it: {e}")))?;
    let json_like = head[..n]
        .iter()
        .find(|b| !b" \t\r\n".contains(b))
        .is_some_and(|&b| b == b'{');
    if !json_like {
        return Ok(JobKind::Jar);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| GraphError::new(format!("{shown}: cannot read it: {e}")))?;
    if is_compiled_plan(&text) {
        Ok(JobKind::CompiledPlan)
    } else if super::is_graph_document(&text) {
        Err(GraphError::new(format!(
            "{shown}: a flinspect graph document, not a job (give it to `check --job`)"
        )))
    } else {
        Err(GraphError::new(format!(
            "{shown}: a JSON file but not a compiled plan (no flinkVersion and nodes): expected a job jar, a SQL script (.sql) or a compiled plan (COMPILE PLAN JSON)"
        )))
    }
}

/// Runs the companion on a job jar, a SQL script or a compiled plan and returns its document. Never starts a cluster: the job's
/// `main()` runs in the companion's JVM only until its first `execute()`.
pub fn run_graph(req: &GraphRequest) -> Result<GraphOutput, GraphError> {
    let jar_name = req.jar.display().to_string();
    if req.jar.extension().is_some_and(|e| e == "py") {
        return Err(GraphError::new(format!(
            "{jar_name}: Python jobs are not supported (only DataStream job jars)"
        )));
    }
    if !req.jar.is_file() {
        let expected = if req.jar.extension().is_some_and(|e| e == "sql") {
            "a SQL script"
        } else {
            "a job jar"
        };
        return Err(GraphError::new(format!(
            "{jar_name}: no such file (expected {expected})"
        )));
    }
    let kind = job_kind(&req.jar, &jar_name)?;
    if kind != JobKind::Jar && req.entry_class.is_some() {
        let what = match kind {
            JobKind::CompiledPlan => "compiled plans",
            _ => "SQL scripts",
        };
        return Err(GraphError::new(format!(
            "{jar_name}: --class applies to job jars, not to {what}"
        )));
    }
    if let Some(c) = &req.config {
        if !c.is_file() {
            return Err(GraphError::new(format!(
                "{}: no such file (expected a Flink configuration file for --config)",
                c.display()
            )));
        }
    }
    let java = find_java(&process_env)?;
    let flink = find_flink(req.flink_home.as_deref(), &process_env)?;
    let companion = find_companion(&flink, &process_env)?;

    let out = std::env::temp_dir().join(format!(
        "flinspect-graph-{}-{}.json",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let mut classpath = OsString::from(companion.as_os_str());
    classpath.push(if cfg!(windows) { ";" } else { ":" });
    classpath.push(flink.lib.join("*").as_os_str());

    let mut cmd = Command::new(&java);
    cmd.arg("-XX:+UseSerialGC")
        .arg("-XX:TieredStopAtLevel=1")
        .arg("-Xss4m");
    for p in ADD_OPENS {
        cmd.arg("--add-opens").arg(format!("{p}=ALL-UNNAMED"));
    }
    cmd.arg("-cp")
        .arg(&classpath)
        .arg("flinspect.companion.Graph")
        .arg(kind.companion_option())
        .arg(&req.jar)
        .arg("--output")
        .arg(&out);
    if let Some(c) = &req.entry_class {
        cmd.arg("--class").arg(c);
    }
    if let Some(conf) = &flink.conf {
        cmd.arg("--conf-dir").arg(conf);
    }
    if let Some(c) = &req.config {
        cmd.arg("--config").arg(c);
    }
    cmd.arg("--").args(&req.args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        GraphError::new(format!(
            "cannot run {}: {e} (set JAVA_HOME or put java on PATH)",
            java.display()
        ))
    })?;
    // Drain both pipes on their own threads so a chatty job cannot block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_thread = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_thread = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = req.timeout.map(|t| Instant::now() + t);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                let _ = child.kill();
                return Err(GraphError::new(format!(
                    "{jar_name}: waiting for the companion: {e}"
                )));
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(&out);
            let secs = req.timeout.map_or(0, |t| t.as_secs());
            return Err(GraphError::new(format!(
                "{jar_name}: the job's main() did not reach execute() within {secs} s (does it wait for input or a service?); the companion was stopped (raise the limit with --timeout)"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = out_thread.join();
    let stderr = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
    let text = std::fs::read_to_string(&out);
    let _ = std::fs::remove_file(&out);
    if !status.success() {
        return Err(GraphError::new(failure_message(
            &jar_name,
            &companion,
            status.code(),
            &stderr,
        )));
    }
    let text = text.map_err(|e| {
        GraphError::new(format!(
            "{jar_name}: the companion exited 0 but wrote no document ({}: {e})",
            out.display()
        ))
    })?;
    let document = GraphDocument::from_json(&text, &format!("{jar_name} (companion output)"))?;
    Ok(GraphOutput {
        document,
        json: text,
        stderr,
    })
}

/// The companion's own explanation (the lines after `flinspect-companion: `, which name the
/// file they are about), else what the JVM said, made specific where it is recognizable.
pub(super) fn failure_message(
    jar: &str,
    companion: &Path,
    code: Option<i32>,
    stderr: &str,
) -> String {
    const TAG: &str = "flinspect-companion: ";
    if let Some(pos) = stderr.find(TAG) {
        let msg = stderr[pos + TAG.len()..].trim_end();
        // A stack trace follows an internal error: keep its first lines only.
        let msg: Vec<&str> = msg.lines().take(12).collect();
        return msg.join("\n");
    }
    if stderr.contains("Could not find or load main class flinspect.companion.Graph") {
        return format!(
            "{}: not the flinspect companion jar (it has no flinspect.companion.Graph): build it with `mvn -f jvm/pom.xml -Dflink.version=RELEASE package`",
            companion.display()
        );
    }
    if let Some(line) = stderr
        .lines()
        .find(|l| l.contains("NoClassDefFoundError") || l.contains("NoSuchMethodError"))
    {
        return format!(
            "{jar}: the companion {} does not fit the Flink jars it runs with ({}): build it for the distribution's release (mvn -f jvm/pom.xml -Dflink.version=RELEASE package)",
            companion.display(),
            line.trim()
        );
    }
    let tail: Vec<&str> = stderr.trim_end().lines().rev().take(6).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    let code = code.map_or_else(|| "a signal".to_string(), |c| c.to_string());
    format!(
        "{jar}: the companion JVM failed (exit {code}) without explaining; its last output:\n{}",
        tail.join("\n")
    )
}
