//! `flinspect scan ROOT…`: audit checkpoint/savepoint trees.
//!
//! Exit status: 2 when the scan could not run (no root readable) or could not check everything
//! (a directory or `_metadata` that could not be read or decoded, a reference to remote storage
//! that no `--map` covers), as ripgrep exits 2 on any error; otherwise 1 when a broken snapshot
//! was found; otherwise 0: every snapshot found is restorable.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use flinspect::render;
use flinspect::scan::{self, PathMap, Progress, Report};

use super::{emit, exit, Failure};

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

Examples:
  flinspect scan /checkpoints /savepoints
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
    /// Print only the reclaimable files' paths on stdout, each followed by a NUL byte (the
    /// summary and a warning go to stderr)
    #[arg(long, conflicts_with = "json")]
    print0_reclaimable: bool,
    /// Never draw the progress bar (it is only drawn when stderr is a terminal, and never with
    /// --json)
    #[arg(long)]
    no_progress: bool,
}

pub fn run(a: Args) -> Result<i32, Failure> {
    let opts = scan::Options {
        roots: a.roots.clone(),
        threads: a.threads.map_or(0, usize::from),
        maps: a.maps.clone(),
        exact_paths: a.exact_paths,
    };
    let show_progress = !a.json && !a.no_progress && std::io::stderr().is_terminal();
    let progress = Progress::default();
    let report = if show_progress {
        with_progress_bar(&progress, || scan::scan(&opts, &progress))
    } else {
        scan::scan(&opts, &progress)
    }
    .map_err(Failure::Message)?;

    if report.roots.is_empty() {
        let why = report
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.path.display(), e.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Failure::Message(format!("nothing to scan: {why}")));
    }

    report_errors(&report);
    for r in &report.relocations {
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
        eprintln!(
            "flinspect: warning: {} reclaimable file(s), {} bytes, listed on stdout. They are \
             referenced by no _metadata found under the scanned roots, but a running job may \
             still be writing them (an in-progress checkpoint), and snapshots outside the \
             scanned roots may reference them. flinspect deleted nothing.",
            totals.reclaimable_files, totals.reclaimable_bytes
        );
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
        let human = render::scan::human(&report);
        if let Some(last) = human.lines().last() {
            eprintln!("{last}");
        }
    } else if a.json {
        emit(&render::scan::json_lines(&report))?;
    } else {
        emit(&render::scan::human(&report))?;
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
fn report_errors(report: &Report) {
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
    if !report.skipped_symlinks.is_empty() {
        eprintln!(
            "flinspect: note: {} directory symlink(s) not followed (pass their targets as roots \
             to scan them), e.g. {}",
            report.skipped_symlinks.len(),
            report.skipped_symlinks[0].display()
        );
    }
}

/// Runs `f` while a thread redraws a progress bar on stderr from the scan's counters.
fn with_progress_bar<T>(progress: &Progress, f: impl FnOnce() -> T) -> T {
    use indicatif::{ProgressBar, ProgressStyle};
    let done = AtomicBool::new(false);
    let bar = ProgressBar::new_spinner();
    std::thread::scope(|s| {
        let ticker = s.spawn(|| {
            let walking = ProgressStyle::with_template("{spinner} walking: {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let checking = ProgressStyle::with_template(
                "{spinner} checking {bar:20} {pos}/{len} snapshots, {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(walking);
            let mut phase = scan::PHASE_WALK;
            while !done.load(Ordering::Relaxed) {
                let now = progress.phase.load(Ordering::Acquire);
                if now == scan::PHASE_WALK {
                    bar.set_message(format!(
                        "{} directories, {} files",
                        progress.dirs.load(Ordering::Relaxed),
                        progress.files.load(Ordering::Relaxed)
                    ));
                } else {
                    if phase == scan::PHASE_WALK {
                        bar.set_style(checking.clone());
                        bar.set_length(progress.snapshots.load(Ordering::Acquire));
                        bar.reset_eta();
                    }
                    bar.set_position(progress.checked.load(Ordering::Relaxed));
                }
                phase = now;
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
