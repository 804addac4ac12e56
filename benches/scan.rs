//! `flinspect scan` over a generated tree of at least 10,000 snapshots.
//!
//! The tree is made of copies of every fixture case in `testdata/` (hard links where the file
//! system allows, so it costs no disk), without flinspect's own `*.json` test files, in a
//! temporary directory under cargo's target dir that is removed afterwards. Absolute paths in
//! the metadata are mapped onto the first copy, as `--map` would.
//!
//! Benchmarks, all with `Throughput::Elements` = `_metadata` files, so criterion prints
//! files/s; the setup line prints the total `_metadata` bytes to turn that into MB/s:
//! - `scan/threads=N`: the whole scan (walk, read, decode, check every reference, group).
//! - `raw/threads=N`: the floor: the same walk, then reading every `_metadata` (mmap or read,
//!   as `scan` does) without decoding or checking anything.
//!
//! Run with `cargo bench --bench scan`; the default run takes a few minutes on two cores.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rayon::prelude::*;

use flinspect::scan::{self, Options, PathMap, Progress};

const TARGET_SNAPSHOTS: usize = 10_000;
const TEST_FILES: [&str; 3] = ["expected.json", "case.json", "graph.json"];

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Every complete fixture case: `flink-<version>/<case>` with its `case.json`.
fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for v in fs::read_dir(testdata()).expect("testdata").flatten() {
        if !v.file_name().to_string_lossy().starts_with("flink-") {
            continue;
        }
        for c in fs::read_dir(v.path()).into_iter().flatten().flatten() {
            if c.path().join("case.json").is_file() {
                out.push(c.path());
            }
        }
    }
    out.sort();
    out
}

fn link_tree(from: &Path, to: &Path, snapshots: &mut usize) {
    fs::create_dir_all(to).expect("create dir");
    for e in fs::read_dir(from).expect("read dir").flatten() {
        let name = e.file_name();
        let target = to.join(&name);
        if e.file_type().expect("file type").is_dir() {
            link_tree(&e.path(), &target, snapshots);
        } else if !TEST_FILES.iter().any(|t| name == *t) {
            if name == "_metadata" {
                *snapshots += 1;
            }
            if fs::hard_link(e.path(), &target).is_err() {
                fs::copy(e.path(), &target).expect("copy file");
            }
        }
    }
}

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
    snapshots: usize,
    metadata_bytes: u64,
    files: u64,
}

fn generate() -> Tree {
    let started = Instant::now();
    let cases = cases();
    assert!(!cases.is_empty(), "no fixtures under testdata/");
    let tmp = tempfile::Builder::new()
        .prefix("flinspect-scan-bench-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temp dir");
    let root = fs::canonicalize(tmp.path()).expect("canonical");
    let td = testdata();
    let mut snapshots = 0;
    let mut copy = 0;
    while snapshots < TARGET_SNAPSHOTS {
        for c in &cases {
            let rel = c.strip_prefix(&td).expect("under testdata");
            link_tree(
                c,
                &root.join(format!("copy-{copy:04}")).join(rel),
                &mut snapshots,
            );
        }
        copy += 1;
    }
    let tree = scan_tree(&root);
    let t = tree.totals();
    assert_eq!(t.snapshots, snapshots);
    eprintln!(
        "scan bench tree: {} snapshots ({} copies of {} cases), {} files, {} bytes of _metadata \
         ({:.1} KiB average), generated in {:.1?}",
        snapshots,
        copy,
        cases.len(),
        tree.files_walked,
        t.metadata_bytes,
        t.metadata_bytes as f64 / snapshots as f64 / 1024.0,
        started.elapsed()
    );
    Tree {
        _dir: tmp,
        root,
        snapshots,
        metadata_bytes: t.metadata_bytes,
        files: tree.files_walked,
    }
}

fn options(root: &Path, threads: usize) -> Options {
    Options {
        roots: vec![root.to_path_buf()],
        threads,
        maps: vec![PathMap::new(
            "file:/tmp/flinspect-fixtures",
            &root.join("copy-0000"),
        )],
        exact_paths: false,
    }
}

fn scan_tree(root: &Path) -> scan::Report {
    scan::scan(&options(root, 0), &Progress::default()).expect("scan")
}

/// The floor under `scan`: the same walk, then every `_metadata` read, nothing decoded.
fn raw_read(root: &Path, pool: &rayon::ThreadPool) -> (usize, u64) {
    pool.install(|| {
        let tree = scan::walk::walk(&[root.to_path_buf()], &Progress::default());
        tree.files
            .par_iter()
            .filter(|f| f.path.file_name().is_some_and(|n| n == "_metadata"))
            .map(|f| {
                let l = flinspect::load::load(&f.path).expect("read _metadata");
                (1, l.bytes.len() as u64)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    })
}

fn bench(c: &mut Criterion) {
    let tree = generate();
    let mut g = c.benchmark_group("scan");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(tree.snapshots as u64));
    for threads in [1usize, 2] {
        // Check the result before timing it: everything restorable, nothing unreadable.
        let opts = options(&tree.root, threads);
        let report = scan::scan(&opts, &Progress::default()).expect("scan");
        let t = report.totals();
        assert_eq!(t.snapshots, tree.snapshots);
        assert_eq!(t.restorable, tree.snapshots, "{t:?}");
        assert_eq!(report.files_walked, tree.files);
        g.bench_function(format!("scan/threads={threads}"), |b| {
            b.iter(|| {
                let r = scan::scan(&opts, &Progress::default()).expect("scan");
                assert_eq!(r.jobs.len(), report.jobs.len());
                r
            })
        });

        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        assert_eq!(
            raw_read(&tree.root, &pool),
            (tree.snapshots, tree.metadata_bytes)
        );
        g.bench_function(format!("raw/threads={threads}"), |b| {
            b.iter(|| raw_read(&tree.root, &pool))
        });
    }
    g.finish();
    eprintln!(
        "MB/s = files/s x {:.0} bytes per _metadata / 1e6",
        tree.metadata_bytes as f64 / tree.snapshots as f64
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
