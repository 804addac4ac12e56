//! Command-line interface: one module per subcommand, exit codes decided here.
//!
//! Exit status: 0 success (and, for `check`, a restore that will succeed); 1 findings at or above
//! the failure threshold (`check`) or broken snapshots (`scan`); 2 flinspect could not do its
//! job (bad arguments, unreadable or corrupt input); 3 (`check`) everything was read but a check
//! that can fail the restore could not be decided. A broken pipe on stdout exits quietly.

mod audit;
mod check;
mod color;
mod diff;
mod forensics;
mod graph;
mod inspect;
mod remote;
mod rules;
mod scan;

use std::io::{self, Write};
use std::path::Path;

use clap::{Parser, Subcommand};

/// Exit statuses, in one place.
pub mod exit {
    /// Success; for `check`, the restore will succeed.
    pub const OK: i32 = 0;
    /// Findings: `check` the restore will fail; `scan` broken snapshots.
    pub const FINDINGS: i32 = 1;
    /// flinspect could not do its job: bad arguments, an unreadable or corrupt input.
    pub const ERROR: i32 = 2;
    /// `check`: everything was read, but a check that can fail the restore could not be
    /// decided (verdict "unknown").
    pub const UNDECIDED: i32 = 3;
}

const EXAMPLES: &str = "\
Examples:
  flinspect inspect /checkpoints/7f3c…/chk-42            a checkpoint directory
  flinspect inspect savepoint-7f3c21-5e0c9a8d1b2f/_metadata --subtasks --files
  flinspect inspect _metadata --json --uid my-source --uid my-keyed
  flinspect inspect /checkpoints/7f3c…/chk-*             each in turn (JSON Lines with --json)
  flinspect inspect sp/ --format html -o sp.html          a report to look at (also check, scan)
  flinspect check savepoint-7f3c21-5e0c9a8d1b2f --job new-job.yaml   will the new job restore?
  flinspect check sp/ --job job.yaml --format sarif > flinspect.sarif   CI code scanning
  flinspect diff flinspect.lock.json new-graph.json       CI gate: the job graph lock vs the change
  flinspect rules explain unmapped_state
  flinspect audit --config conf/config.yaml /checkpoints/<job-id>   production readiness
  flinspect scan /checkpoints /savepoints                restorable, broken, reclaimable
  flinspect uid-hash my-source my-keyed                  Flink's OperatorID for each uid
  flinspect max-parallelism 100                          default max parallelism and key groups";

/// Read Apache Flink checkpoint and savepoint `_metadata` files without a JVM.
#[derive(Parser)]
#[command(name = "flinspect", version, about, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show what a checkpoint or savepoint holds
    Inspect(inspect::Args),
    /// Predict whether a new job can restore from a snapshot (pre-upgrade check, CI gate)
    Check(check::Args),
    /// Compare the old and the new job's graphs (or job files): will the old job's savepoint restore?
    Diff(diff::Args),
    /// Check the production-readiness checklist against the job, its configuration and its
    /// snapshots
    Audit(audit::Args),
    /// Print the new job's graph (OperatorIDs, chains, settings) from its jar
    Graph(graph::Args),
    /// List the compatibility rules, or explain one
    Rules(rules::Args),
    /// Audit checkpoint/savepoint directory trees: restorable, broken, reclaimable
    Scan(scan::Args),
    /// Print Flink's OperatorID for each uid (MurmurHash3 x64 128 of the UTF-8 uid)
    UidHash(forensics::UidHashArgs),
    /// Print Flink's default max parallelism for a parallelism, and each subtask's key groups
    MaxParallelism(forensics::MaxParallelismArgs),
}

/// Parses arguments and runs the command; returns the exit status.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Inspect(a) => inspect::run(a),
        Command::Check(a) => check::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Rules(a) => rules::run(a),
        Command::Scan(a) => scan::run(a),
        Command::UidHash(a) => forensics::uid_hash(a),
        Command::MaxParallelism(a) => forensics::max_parallelism(a),
    };
    match result {
        Ok(code) => code,
        Err(Failure::BrokenPipe) => exit::OK,
        Err(Failure::Message(m)) | Err(Failure::Input { message: m, .. }) => {
            eprintln!("flinspect: error: {m}");
            exit::ERROR
        }
    }
}

/// Why a command could not finish.
pub enum Failure {
    /// The reader of stdout went away (e.g. `| head`): not an error.
    BrokenPipe,
    /// One line for stderr.
    Message(String),
    /// An input that could not be read or understood: one line for stderr, and the file it is
    /// about (for the machine formats' error documents).
    Input {
        path: Option<String>,
        message: String,
    },
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Message(format!("writing output: {e}"))
        }
    }
}

impl From<flinspect::Error> for Failure {
    /// An input that could not be used: its path (for the machine formats' error documents)
    /// and the one line `path: what`.
    fn from(e: flinspect::Error) -> Self {
        Failure::Input {
            path: e.path().map(|p| p.display().to_string()),
            message: e.to_string(),
        }
    }
}

/// Runs a renderer on stdout through a buffer, then flushes.
pub fn emit_with(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Failure> {
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    write(&mut out)?;
    out.flush()?;
    Ok(())
}

/// Writes a whole string to stdout.
pub fn emit(s: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Streams a value as pretty JSON (and a newline) to stdout through a buffer, without building
/// the whole document in memory first.
pub fn emit_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    flinspect::render::pretty::to_writer_pretty(&mut out, value).map_err(|e| {
        match e.io_error_kind() {
            Some(kind) => Failure::from(io::Error::from(kind)),
            None => Failure::Message(format!("writing JSON: {e}")),
        }
    })?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Writes a value as compact JSON on one line (JSON Lines) to stdout.
pub fn emit_json_line<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    serde_json::to_writer(&mut out, value).map_err(|e| match e.io_error_kind() {
        Some(kind) => Failure::from(io::Error::from(kind)),
        None => Failure::Message(format!("writing JSON: {e}")),
    })?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Output formats of `inspect` and `scan` (`check` has its own list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Text for people (the default)
    Human,
    /// The JSON output (as --json)
    Json,
    /// One self-contained HTML file (inline CSS, script and charts; no network access when
    /// viewed); with -o FILE
    Html,
}

/// `-o FILE` is for the HTML report; every other format goes to stdout.
pub fn check_output_flag(output: Option<&Path>, html: bool) -> Result<(), Failure> {
    match output {
        Some(o) if !html => Err(Failure::Message(format!(
            "-o {}: --output is for --format html; the other formats go to stdout",
            o.display()
        ))),
        _ => Ok(()),
    }
}

/// Writes a report to `output` (`-o FILE`) or, without one, to stdout. Refuses to write over
/// one of `inputs`: flinspect never changes what it reads.
pub fn write_report(
    output: Option<&Path>,
    inputs: &[&Path],
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    let Some(path) = output else {
        let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
        write(&mut out)?;
        out.flush()?;
        return Ok(());
    };
    if let Ok(target) = std::fs::canonicalize(path) {
        if inputs
            .iter()
            .any(|i| std::fs::canonicalize(i).is_ok_and(|c| c == target))
        {
            return Err(Failure::Message(format!(
                "-o {}: that is an input of this run; flinspect never writes to its inputs",
                path.display()
            )));
        }
    }
    let failed = |e: io::Error| {
        Failure::Message(format!("{}: cannot write the report: {e}", path.display()))
    };
    let file = std::fs::File::create(path).map_err(failed)?;
    let mut out = io::BufWriter::with_capacity(1 << 16, file);
    write(&mut out).map_err(failed)?;
    out.flush().map_err(failed)?;
    Ok(())
}

/// Reads a uid list: one per line, blank lines and `#` comments ignored.
pub fn read_uid_file(path: &std::path::Path) -> Result<Vec<String>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Message(format!("{}: cannot read uid list: {e}", path.display())))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect())
}
