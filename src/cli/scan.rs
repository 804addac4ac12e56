//! `flinspect scan ROOT…`: audit checkpoint/savepoint trees.
//!
//! Exit status: 2 when the scan could not run (no root readable) or could not check everything
//! (a directory or `_metadata` that could not be read or decoded, a reference to remote storage
//! that no `--map` covers), as ripgrep exits 2 on any error; otherwise 1 when a broken snapshot
//! was found; otherwise 0: every snapshot found is restorable.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use flinspect::render;
use flinspect::scan::{self, PathMap, Progress, Report};

use super::color::{is_dumb_terminal, ColorChoice};
use super::{emit_with, exit, Failure};

const AFTER_HELP: &str = "\
Nothing is ever deleted. Reclaimable files are files under a job's shared/, taskowned/ and chk-N/
that no _metadata found under the roots references; --print0-reclaimable lists them for your own
tooling (e.g. `xargs -0 ls -l`). A running job may still be writing such files. A job's list is
withheld (with the reason) unless every one of its snapshots is restorable: a broken, unverified
or unreadable snapshot may need exactly the files that look unreferenced.

A tree that was moved, copied, mounted elsewhere or downloaded from a bucket records paths where
Flink wrote it. When such references are missing, flinspect looks for the same files under the
roots by their trailing path (at least `shared/<name>`), reads them there and prints the --map
that says so; --exact-paths turns this off.

A running job's directory can be scanned: files it deletes meanwhile count as vanished, not as
errors, but a checkpoint it is subsuming may show as broken while its files are being deleted.

Exit status: 0 every snapshot found is restorable; 1 a broken snapshot was found (a referenced
file missing or shorter than recorded); 2 something could not be read or checked (a directory,
an undecodable _metadata, a remote path without --map).

Progress goes to stderr only when it is a terminal: the phase (walking, indexing, checking N/M
snapshots, relocating, grouping, writing the report), with an estimate of the time left only while
checking; with TERM=dumb one plain line per phase. Statuses are coloured when stdout is a terminal
(--color auto), unless NO_COLOR is set or TERM=dumb.

Examples:
  flinspect scan /checkpoints /savepoints
  flinspect scan --problems --quiet /checkpoints        only what needs attention
  flinspect scan --map s3://bucket/flink=/mnt/bucket/flink /mnt/bucket/flink
  flinspect scan --json /checkpoints | jq 'select(.type == \"snapshot\" and .status != \"restorable\")'
  flinspect scan --print0-reclaimable /checkpoints/7f3c… | xargs -0 du -ch";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Directories to audit: a checkpoint directory, a job directory, a savepoint directory, or
    /// any tree holding them
    #[arg(required = true, value_name = "ROOT")]
    roots: Vec<PathBuf>,
    /// Worker threads for walking and decoding [default: one per core]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Read recorded paths that start with PREFIX under LOCALDIR (repeatable; the longest
    /// matching prefix wins). `file:/x`, `file:///x` and `/x` are the same prefix
    #[arg(long = "map", value_name = "PREFIX=LOCALDIR", value_parser = PathMap::parse)]
    maps: Vec<PathMap>,
    /// Never infer where a moved or copied tree's recorded paths live now: read them where they
    /// say, or through --map (by default, missing absolute references are looked up under the
    /// roots by their trailing path, and the inferred --map is printed)
    #[arg(long)]
    exact_paths: bool,
    /// JSON Lines: a record per snapshot, per job, per error and a summary (schema documented
    /// in `flinspect::render::scan`)
    #[arg(long)]
    json: bool,
    /// Output format: human (the default), json (the same as --json), html (one self-contained
    /// report: per job a timeline of its snapshots with sizes, shared bytes and statuses, the
    /// newest restorable ones, reclaimable bytes; with -o FILE)
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with_all = ["json", "print0_reclaimable", "problems"])]
    format: Option<super::ReportFormat>,
    /// Write the HTML report to FILE instead of stdout (--format html)
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print only the reclaimable files' paths on stdout, each followed by a NUL byte (the
    /// summary and a warning go to stderr)
    #[arg(long, conflicts_with = "json")]
    print0_reclaimable: bool,
    /// Never draw the progress display (it is only drawn when stderr is a terminal, and never
    /// with --json; with TERM=dumb it is a plain line per phase, without control codes)
    #[arg(long)]
    no_progress: bool,
    /// No progress display, and no notes or summary on stderr; errors, and the warning that a
    /// job's reclaimable files are withheld, are still printed
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Human output for big trees: only jobs and snapshots that are not restorable, incomplete
    /// checkpoints, withheld reclaim lists and errors, then the summary line
    #[arg(long, conflicts_with_all = ["json", "print0_reclaimable"])]
    problems: bool,
    /// Colour statuses in the human output (restorable green, broken red, unverified and
    /// unreadable yellow): auto colours only when stdout is a terminal, NO_COLOR is unset and
    /// TERM is not dumb
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// A Flink configuration file (flink-conf.yaml or config.yaml) whose storage keys
    /// (`s3.endpoint`, `s3.path.style.access`, `s3.access-key`, `s3.secret-key`, …) are used
    /// for remote roots, on top of the environment's credentials
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    remote: super::remote::RemoteArgs,
}

/// How progress is shown on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProgressMode {
    Off,
    /// One plain line per phase, no control codes (`TERM=dumb`).
    Lines,
    /// A redrawn line.
    Bar,
}

fn progress_mode(
    a: &Args,
    stderr_is_terminal: bool,
    term: Option<&std::ffi::OsStr>,
) -> ProgressMode {
    if a.json || a.no_progress || a.quiet || !stderr_is_terminal {
        ProgressMode::Off
    } else if is_dumb_terminal(term) {
        ProgressMode::Lines
    } else {
        ProgressMode::Bar
    }
}

pub fn run(mut a: Args) -> Result<i32, Failure> {
    a.json |= a.format == Some(super::ReportFormat::Json);
    let html = a.format == Some(super::ReportFormat::Html);
    super::check_output_flag(a.output.as_deref(), html)?;
    a.remote.apply(a.config.as_deref())?;
    // A pre-signed URL names one object: nothing to list.
    if let Some(url) = a
        .roots
        .iter()
        .filter_map(|r| r.to_str())
        .find(|r| flinspect::storage::is_presigned(r))
    {
        return Err(Failure::Message(format!(
            "{}: {}",
            flinspect::storage::redact(url),
            flinspect::storage::PRESIGNED_NO_LISTING
        )));
    }
    let opts = scan::Options {
        roots: a.roots.clone(),
        threads: a.threads.map_or(0, usize::from),
        maps: a.maps.clone(),
        exact_paths: a.exact_paths,
    };
    let mode = progress_mode(
        &a,
        std::io::stderr().is_terminal(),
        std::env::var_os("TERM").as_deref(),
    );
    let progress = Progress::default();
    let human_opts = render::scan::HumanOptions {
        problems_only: a.problems,
        palette: a.color.for_stdout(),
    };
    // The report is rendered while the progress display still says so (a large tree's report
    // takes seconds), then the display is cleared and the report written.
    let work = || {
        let report = scan::scan(&opts, &progress)?;
        progress.phase.store(scan::PHASE_WRITE, Ordering::Release);
        let text = if report.roots.is_empty() || a.print0_reclaimable {
            None
        } else {
            let mut buf = Vec::new();
            let written = if html {
                render::html::scan::write(&mut buf, &report)
            } else if a.json {
                render::scan::write_json_lines(&mut buf, &report)
            } else {
                render::scan::write_human(&mut buf, &report, human_opts)
            };
            written.map_err(flinspect::Error::from)?;
            Some(buf)
        };
        Ok::<_, flinspect::Error>((report, text))
    };
    let (report, text) = match mode {
        ProgressMode::Off => work(),
        ProgressMode::Lines => with_progress_lines(&progress, work),
        ProgressMode::Bar => with_progress_bar(&progress, work),
    }
    .map_err(|e| Failure::Message(e.to_string()))?;

    if report.roots.is_empty() {
        let why = report
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.path.display(), e.message))
            .collect::<Vec<_>>()
            .join("; ");
        if a.json {
            // The error records and the summary, as for any scan: a program reading the JSON
            // Lines learns why nothing was scanned.
            emit_with(|w| render::scan::write_json_lines(w, &report))?;
        }
        return Err(Failure::Message(format!("nothing to scan: {why}")));
    }

    report_errors(&report, a.quiet);
    for r in report.relocations.iter().filter(|_| !a.quiet) {
        eprintln!(
            "flinspect: note: {} snapshot(s) record paths under {} that are not there; the same \
             files were found under {}, and read there (--map {}={} says so explicitly; \
             --exact-paths turns this off)",
            r.snapshots,
            r.map.prefix(),
            r.map.dir().display(),
            r.map.prefix(),
            r.map.dir().display()
        );
    }
    let totals = report.totals();
    if a.print0_reclaimable {
        let mut out = std::io::stdout().lock();
        for r in report.reclaimable() {
            out.write_all(r.path.as_os_str().as_encoded_bytes())?;
            out.write_all(b"\0")?;
        }
        out.flush()?;
        if !a.quiet {
            eprintln!(
                "flinspect: warning: {} reclaimable file(s), {} bytes, listed on stdout. They are \
             referenced by no _metadata found under the scanned roots, but a running job may \
             still be writing them (an in-progress checkpoint), and snapshots outside the \
             scanned roots may reference them. flinspect deleted nothing.",
                totals.reclaimable_files, totals.reclaimable_bytes
            );
        }
        let withheld = report
            .jobs
            .iter()
            .filter(|j| j.reclaimable_withheld.is_some())
            .count();
        if withheld > 0 {
            eprintln!(
                "flinspect: warning: reclaimable files of {withheld} job(s) are not listed (see \
                 the report without --print0-reclaimable)"
            );
        }
        if !a.quiet {
            let human = render::scan::human(&report);
            if let Some(last) = human.lines().last() {
                eprintln!("{last}");
            }
        }
    } else if let Some(text) = &text {
        if html {
            super::write_report(a.output.as_deref(), &[], |w| w.write_all(text))?;
        } else {
            emit_with(|w| w.write_all(text))?;
        }
    }
    if totals.unverified > 0 {
        eprintln!(
            "flinspect: {} snapshot(s) reference files that could not be checked; remote paths \
             (s3://, hdfs://, another host's file://) need --map PREFIX=LOCALDIR",
            totals.unverified
        );
    }
    Ok(exit_code(&report))
}

/// 2 when something could not be read or checked, else 1 when something is broken, else 0.
pub fn exit_code(report: &Report) -> i32 {
    let t = report.totals();
    if t.walk_errors + t.metadata_errors + t.unverified > 0 {
        exit::ERROR
    } else if t.broken > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

/// Diagnostics on stderr, sorted: directories that could not be read, `_metadata` files that
/// could not be decoded.
fn report_errors(report: &Report, quiet: bool) {
    for e in &report.errors {
        eprintln!("flinspect: error: {}: {}", e.path.display(), e.message);
    }
    for j in &report.jobs {
        for s in &j.snapshots {
            if let Some(e) = &s.error {
                eprintln!("flinspect: error: {}: {e}", s.path.display());
            }
        }
    }
    if !report.skipped_symlinks.is_empty() && !quiet {
        eprintln!(
            "flinspect: note: {} directory symlink(s) not followed (pass their targets as roots \
             to scan them), e.g. {}",
            report.skipped_symlinks.len(),
            report.skipped_symlinks[0].display()
        );
    }
}

/// Runs `f` while a thread redraws one line on stderr saying what the scan is doing
/// ([`render::scan::progress_line`]).
fn with_progress_bar<T>(progress: &Progress, f: impl FnOnce() -> T) -> T {
    use indicatif::{ProgressBar, ProgressStyle};
    let done = AtomicBool::new(false);
    let bar = ProgressBar::new_spinner();
    std::thread::scope(|s| {
        let ticker = s.spawn(|| {
            bar.set_style(
                ProgressStyle::with_template("{spinner} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            let mut phase = progress.phase.load(Ordering::Acquire);
            let mut since = Instant::now();
            while !done.load(Ordering::Relaxed) {
                let now = progress.phase.load(Ordering::Acquire);
                if now != phase {
                    phase = now;
                    since = Instant::now();
                }
                bar.set_message(render::scan::progress_line(progress, since.elapsed()));
                bar.tick();
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        let out = f();
        done.store(true, Ordering::Relaxed);
        let _ = ticker.join();
        out
    })
}

/// Runs `f` while a thread prints a plain line on stderr each time the scan enters a new phase:
/// for terminals that understand no control codes (`TERM=dumb`).
fn with_progress_lines<T>(progress: &Progress, f: impl FnOnce() -> T) -> T {
    let done = AtomicBool::new(false);
    // The first line at once, however quick the scan.
    let first = progress.phase.load(Ordering::Acquire);
    eprintln!("flinspect: {}", phase_line(progress));
    std::thread::scope(|s| {
        let ticker = s.spawn(|| {
            let mut shown = Some(first);
            loop {
                let finished = done.load(Ordering::Acquire);
                let now = progress.phase.load(Ordering::Acquire);
                if shown != Some(now) && now != scan::PHASE_DONE && !finished {
                    eprintln!("flinspect: {}", phase_line(progress));
                    shown = Some(now);
                }
                if finished {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let out = f();
        done.store(true, Ordering::Release);
        let _ = ticker.join();
        out
    })
}

/// What a phase is about, as it starts (the counters that matter are known by then).
fn phase_line(progress: &Progress) -> String {
    let n = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    match progress.phase.load(Ordering::Acquire) {
        scan::PHASE_WALK => "walking the roots".into(),
        scan::PHASE_INDEX => format!("indexing {} files", n(&progress.files)),
        scan::PHASE_CHECK => format!("checking {} snapshots", n(&progress.snapshots)),
        scan::PHASE_RELOCATE => format!(
            "relocating: checking {} snapshots again where the tree was moved",
            n(&progress.relocating)
        ),
        scan::PHASE_GROUP => "grouping snapshots into jobs, finding reclaimable files".into(),
        scan::PHASE_WRITE => "writing the report".into(),
        _ => "done".into(),
    }
}
