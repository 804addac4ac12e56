//! `flinspect graph`: the new job's graph, OperatorIDs included, from its jar, SQL script or
//! compiled plan.

use std::path::PathBuf;

use flinspect::graph::{run_graph, GraphRequest};

use super::{emit, exit, Failure};

#[derive(clap::Args)]
#[command(after_help = "\
Runs the job's main() in a JVM with Flink's client classes (the companion, jvm/companion/) only \
until its first execute(): no cluster is started and the job never runs. Needs java (JAVA_HOME \
or PATH), a Flink distribution (--flink-home or FLINK_HOME) and the companion jar built for that \
Flink release (FLINSPECT_COMPANION_JAR, next to the flinspect binary, or \
jvm/companion/target/flink-RELEASE/ in a source checkout). A SQL script (.sql) runs through \
Flink's planner; a compiled plan (the JSON COMPILE PLAN writes, recognized by its flinkVersion \
and nodes) is loaded with TableEnvironment.loadPlan, and its operators carry the uids the planner \
derives from the plan's nodes. The JSON format is docs/graph.schema.json.

Examples:
  flinspect graph my-job.jar --flink-home /opt/flink-1.20.3
  flinspect graph my-job.jar --class com.example.Job -o graph.json -- --input s3://bucket/in
  flinspect graph pipeline.sql --flink-home /opt/flink-2.3.0 --config prod.yaml
  flinspect graph plan.json --flink-home /opt/flink-2.3.0
  flinspect graph my-job.jar -o flinspect.lock.json --snapshot /savepoints/savepoint-7f3c21-5e0c9a8d1b2f
                                      the graph lock, with what the job's savepoint holds per operator")]
pub struct Args {
    /// The job jar, a SQL script (.sql), or a compiled plan (COMPILE PLAN JSON)
    #[arg(value_name = "JOB.jar|SCRIPT.sql|PLAN.json")]
    jar: PathBuf,
    #[command(flatten)]
    program: ProgramArgs,
    /// Write the JSON to FILE instead of stdout (committed next to the job as the graph lock,
    /// `flinspect.lock.json`, it is what `flinspect diff` compares a change with)
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// A snapshot of this job (a savepoint or checkpoint directory, or its _metadata): record
    /// per operator whether it holds state there and how much (`state`), and the snapshot's
    /// operators the graph lacks (`snapshot.unclaimed`), so that `diff` knows which removed
    /// operators lose state
    #[arg(long, value_name = "SNAPSHOT")]
    snapshot: Option<PathBuf>,
    /// A remote --snapshot (s3://, gs://, …): requests in flight, timeout, retries; its storage
    /// keys come from --config
    #[command(flatten)]
    remote: super::remote::RemoteArgs,
    /// Give up when the job's main() has not reached execute() after SECS seconds
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    timeout: u64,
    /// Arguments of the job's main()
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<String>,
}

/// How the job's program is run: shared by `graph` and `check --jar/--sql`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ProgramArgs {
    /// The main class, when the jar's manifest does not name it
    #[arg(long = "class", value_name = "MAIN")]
    pub class: Option<String>,
    /// A Flink distribution (its lib/ and conf/); default: FLINK_HOME
    #[arg(long, value_name = "DIR")]
    pub flink_home: Option<PathBuf>,
    /// A Flink configuration file applied on top of the distribution's conf/ (`check` and
    /// `graph --snapshot` also read a remote snapshot with its storage keys: `s3.endpoint`,
    /// `s3.access-key`, …)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl ProgramArgs {
    /// The companion's request for `program` with these settings.
    pub fn request(&self, program: PathBuf, args: Vec<String>, timeout_secs: u64) -> GraphRequest {
        GraphRequest {
            jar: program,
            entry_class: self.class.clone(),
            flink_home: self.flink_home.clone(),
            config: self.config.clone(),
            args,
            timeout: Some(std::time::Duration::from_secs(timeout_secs)),
        }
    }
}

pub fn run(a: Args) -> Result<i32, Failure> {
    if a.snapshot.is_some() {
        a.remote.apply(a.program.config.as_deref())?;
    }
    let req = a.program.request(a.jar, a.args, a.timeout);
    let mut out = run_graph(&req).map_err(|e| Failure::Message(e.message))?;
    if let Some(path) = &a.snapshot {
        let loaded = flinspect::load::load(path).map_err(|e| Failure::Message(e.to_string()))?;
        let shown = loaded.path.display().to_string();
        let md = flinspect::split::parse(&loaded.bytes)
            .map_err(|e| Failure::Message(format!("{shown}: {e} (cannot record its state)")))?;
        let location = loaded
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let kind = flinspect::analysis::summarize(&md, location.as_deref())
            .kind
            .map(|k| k.value.as_str());
        out.document.record_snapshot(&md, &shown, kind);
        if let Some(s) = &out.document.snapshot {
            let with_state: Vec<&str> = s
                .unclaimed
                .iter()
                .filter(|u| u.has_state)
                .map(|u| u.uid.as_deref().unwrap_or(u.operator_id.as_str()))
                .collect();
            if !with_state.is_empty() {
                eprintln!(
                    "flinspect: warning: {shown} holds state for {} operator(s) this job does not have ({}): is it a snapshot of this job?",
                    with_state.len(),
                    with_state.join(", ")
                );
            }
        }
    }
    let text = serde_json::to_string_pretty(&out.document)
        .map_err(|e| Failure::Message(format!("writing JSON: {e}")))?
        + "\n";
    match a.output {
        Some(path) => {
            std::fs::write(&path, text).map_err(|e| {
                Failure::Message(format!("{}: cannot write the graph: {e}", path.display()))
            })?;
        }
        None => emit(&text)?,
    }
    Ok(exit::OK)
}
