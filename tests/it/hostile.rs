//! Hostile and damaged input: every malformed file gives its one-line error (golden), counts and
//! lengths are bounded before anything is allocated (measured with a counting allocator), and a
//! sweep of truncations and byte flips over every real fixture never panics.

use crate::common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Counts live bytes and the peak since the last reset, to prove that a file's claims do not
/// size allocations. Counted per thread: the suites share one test binary and run in parallel,
/// so only the measuring thread's own allocations count (the decoder runs on the caller's
/// thread; `format` starts none).
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}
/// Tests that measure allocation take this lock so their long sweeps do not run side by side.
static MEASURE: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            // `try_with`: a thread's locals may already be gone while it exits.
            let _ = LIVE.try_with(|live| {
                let now = live.get().saturating_add(layout.size() as isize);
                live.set(now);
                let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
            });
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(layout.size() as isize)));
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak bytes this thread allocated above its starting level while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    (
        out,
        PEAK.with(Cell::get).saturating_sub(base).max(0) as usize,
    )
}

fn malformed_dir() -> PathBuf {
    common::testdata().join("malformed")
}

fn malformed_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(malformed_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    v.sort();
    v
}

/// Every malformed file fails with exactly the recorded one-line message (offset and context
/// included), through the CLI, with exit status 2.
#[test]
fn malformed_files_give_their_golden_errors() {
    let _g = MEASURE.lock().unwrap();
    let mut actual = String::new();
    for p in malformed_files() {
        let rel = Path::new("testdata/malformed").join(p.file_name().unwrap());
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_flinspect"))
            .arg("inspect")
            .arg(&rel)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", rel.display());
        let e = String::from_utf8(o.stderr).unwrap();
        assert_eq!(e.lines().count(), 1, "{}: {e}", rel.display());
        actual.push_str(&e);
    }
    let golden = malformed_dir().join("errors.golden");
    if std::env::var_os("FLINSPECT_BLESS").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    }
    let expected =
        std::fs::read_to_string(&golden).expect("errors.golden (FLINSPECT_BLESS=1 to create)");
    for (e, a) in expected.lines().zip(actual.lines()) {
        assert_eq!(a, e, "error message changed (FLINSPECT_BLESS=1 to accept)");
    }
    assert_eq!(expected.lines().count(), actual.lines().count());
}

/// A file that claims 2^31 operators, subtasks, key groups or inline bytes costs nothing: the
/// decoder allocates a few KiB at most on every malformed file.
#[test]
fn claimed_counts_do_not_size_allocations() {
    let _g = MEASURE.lock().unwrap();
    for p in malformed_files() {
        let bytes = std::fs::read(&p).unwrap();
        let (r, peak) = peak_during(|| flinspect::format::parse(&bytes).map(|m| m.operators.len()));
        assert!(r.is_err(), "{} should not parse", p.display());
        // Nesting 10,000 deep is refused at depth 8/16; nothing may scale with a claimed count.
        assert!(
            peak < 64 * 1024,
            "{}: peak allocation {peak} bytes",
            p.display()
        );
    }
}

fn exercise(bytes: &[u8]) -> bool {
    match flinspect::format::parse(bytes) {
        Ok(md) => {
            // Walk every handle the way the renderers do: sizes, coverage, references, output.
            let summary = flinspect::analysis::summarize(&md, None);
            let labels = flinspect::render::UidLabels::default();
            let doc = flinspect::render::json::snapshot("x", &md, &summary, &labels, true);
            let _ = serde_json::to_vec(&doc).unwrap();
            let opts = flinspect::render::human::Options {
                subtasks: true,
                files: true,
            };
            let _ = flinspect::render::human::inspect("x", &md, &summary, &labels, opts);
            true
        }
        Err(e) => {
            let _ = e.to_string();
            let l = flinspect::format::parse_lossy(bytes);
            assert!(l.error.is_some());
            false
        }
    }
}

/// Every truncation length of every real fixture, and single-byte changes at many positions:
/// the reader returns a value or an error, never panics, and stays within bounded memory.
#[test]
fn truncation_and_flip_sweep_never_panics() {
    let _g = MEASURE.lock().unwrap();
    let files = common::all_metadata_files();
    assert!(!files.is_empty());
    let start = Instant::now();
    let (mut inputs, mut worst_peak) = (0usize, 0usize);
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        // Truncations: every length (files are kilobytes).
        for len in 0..bytes.len() {
            let (ok, peak) = peak_during(|| exercise(&bytes[..len]));
            assert!(
                !ok || len >= bytes.len() - 1 || bytes.len() < 8,
                "{}: truncation to {len} parsed",
                p.display()
            );
            worst_peak = worst_peak.max(peak);
            inputs += 1;
        }
        // Byte flips: ~400 positions per file, three replacement values each.
        let step = (bytes.len() / 400).max(1);
        let mut m = bytes.clone();
        for pos in (0..bytes.len()).step_by(step) {
            for v in [bytes[pos] ^ 0xFF, 0x7F, 0x80] {
                m[pos] = v;
                let (_, peak) = peak_during(|| exercise(&m));
                worst_peak = worst_peak.max(peak);
                inputs += 1;
            }
            m[pos] = bytes[pos];
        }
    }
    eprintln!(
        "sweep: {inputs} inputs from {} fixtures in {:.1?}, worst peak allocation {} KiB",
        files.len(),
        start.elapsed(),
        worst_peak / 1024
    );
    assert!(
        worst_peak < 16 * 1024 * 1024,
        "peak allocation {worst_peak} bytes"
    );
}

/// Inputs that once broke the reader (testdata/malformed/regressions/: found by the sweep or the
/// fuzzers, minimized): each now yields a value or an error, within the same memory bound.
#[test]
fn regressions_replay_without_panics() {
    let _g = MEASURE.lock().unwrap();
    let dir = malformed_dir().join("regressions");
    let mut replayed = 0;
    for p in std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
    {
        let bytes = std::fs::read(&p).unwrap();
        let (_, peak) = peak_during(|| exercise(&bytes));
        assert!(
            peak < 16 * 1024 * 1024,
            "{}: peak allocation {peak} bytes",
            p.display()
        );
        replayed += 1;
    }
    assert!(replayed > 0, "no regression inputs in {}", dir.display());
}

/// A truncated file never yields metadata: strict parsing of every proper prefix fails.
#[test]
fn no_prefix_of_a_real_file_parses() {
    for p in common::all_metadata_files().iter().take(12) {
        let bytes = std::fs::read(p).unwrap();
        for len in (0..bytes.len()).step_by(7) {
            assert!(
                flinspect::format::parse(&bytes[..len]).is_err(),
                "{} prefix {len}",
                p.display()
            );
        }
    }
}
