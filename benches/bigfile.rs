//! Large `_metadata` files: hundreds of operators × hundreds of subtasks, small state inlined,
//! unaligned-checkpoint channel state, as Flink 1.20.3's own writer produces them.
//!
//! The files are not in the repository. Generate them first (about a minute, Java 17):
//!
//! ```sh
//! testdata/generate/bigfile/generate.sh            # bench-data/big-{10mb,100mb,1gb}/_metadata
//! cargo bench --bench bigfile
//! FLINSPECT_BIGFILE=10mb,100mb cargo bench --bench bigfile   # only some of them
//! ```
//!
//! Without `bench-data/` the benchmarks are skipped with a message. Every benchmark checks its
//! result before it is timed and declares `Throughput::Bytes` (the file's length), so criterion
//! prints MB/s of `_metadata`:
//! - `parse/<file>`: `format::parse` of bytes already in memory (the borrowed model).
//! - `load/<file>/{mmap,read}`: `load::load_with` with each strategy, then `parse` (page cache
//!   warm): what mapping saves over copying the file into a `Vec`.
//! - `copy/<file>/{borrowed,owned}`: `parse` alone vs `parse` followed by a deep copy of every
//!   borrowed string, payload and offset array into `String`/`Vec` (what a copying reader would
//!   allocate): what zero-copy buys.
//! - `inspect-json/<file>`: `inspect --json` end to end through the library: load (auto),
//!   parse, `analysis::summarize`, `render::json::snapshot`, `serde_json` pretty-printed into a
//!   `Vec<u8>` sink.
//!
//! Sampling is flat with 10 samples, so the 1 GB file costs about ten loads per benchmark.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::Duration;

use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use flinspect::load::{self, Strategy};
use flinspect::model::*;

const SIZES: [&str; 3] = ["10mb", "100mb", "1gb"];

/// The generated files that exist, smallest first, restricted by `FLINSPECT_BIGFILE`.
fn files() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data");
    let only = std::env::var("FLINSPECT_BIGFILE").ok();
    SIZES
        .iter()
        .filter(|s| {
            only.as_deref()
                .is_none_or(|o| o.split(',').any(|x| x.trim() == **s))
        })
        .map(|s| {
            (
                s.to_string(),
                dir.join(format!("big-{s}")).join("_metadata"),
            )
        })
        .filter(|(_, p)| p.is_file())
        .collect()
}

/// Everything a copying reader would own: each borrowed string, payload and offset array of the
/// model, copied. The tree of structs around them exists in both readers and is not repeated.
#[derive(Default)]
struct Owned {
    strings: Vec<String>,
    payloads: Vec<Vec<u8>>,
    offsets: Vec<Vec<i64>>,
}

impl Owned {
    fn of(md: &Metadata<'_>) -> Owned {
        let mut o = Owned::default();
        for m in &md.master_states {
            o.string(&m.name);
            o.payloads.push(m.payload.to_vec());
        }
        for op in &md.operators {
            o.opt_string(&op.name);
            o.opt_string(&op.uid);
            if let Some(c) = &op.coordinator {
                o.stream(c);
            }
            for s in &op.subtasks {
                for h in s.managed_operator.iter().chain(s.raw_operator.as_deref()) {
                    o.operator(h);
                }
                for h in s.managed_keyed.iter().chain(s.raw_keyed.as_deref()) {
                    o.keyed(h);
                }
                for h in s.input_channels.iter().chain(s.output_channels.iter()) {
                    o.channel(h);
                }
            }
        }
        if let Some(p) = &md.properties {
            o.opt_string(&p.type_name);
            o.opt_string(&p.sharing_files_strategy);
            o.opt_string(&p.post_checkpoint_action);
        }
        o
    }

    fn string(&mut self, s: &JavaStr<'_>) {
        self.strings.push(s.to_str().into_owned());
    }

    fn opt_string(&mut self, s: &Option<JavaStr<'_>>) {
        if let Some(s) = s {
            self.string(s);
        }
    }

    fn stream(&mut self, h: &StreamHandle<'_>) {
        match h {
            StreamHandle::ByteStream { name, data } => {
                self.string(name);
                self.payloads.push(data.to_vec());
            }
            StreamHandle::File { path, .. } => self.string(path),
            StreamHandle::RelativeFile { relative_path, .. } => self.string(relative_path),
            StreamHandle::KeyGroups(kg) => self.key_groups(kg),
            StreamHandle::Segment {
                path,
                logical_file_id,
                ..
            } => {
                self.string(path);
                self.string(logical_file_id);
            }
            StreamHandle::EmptySegment => {}
        }
    }

    fn key_groups(&mut self, kg: &KeyGroupsHandle<'_>) {
        self.offsets.push(kg.offsets.offsets.to_vec());
        self.stream(&kg.delegate);
        self.opt_string(&kg.state_handle_id);
    }

    fn keyed(&mut self, h: &KeyedHandle<'_>) {
        match h {
            KeyedHandle::KeyGroups { handle, .. } | KeyedHandle::SavepointKeyGroups(handle) => {
                self.key_groups(handle)
            }
            KeyedHandle::Incremental { handle, .. } => {
                self.string(&handle.backend_id);
                self.stream(&handle.meta);
                for f in handle.shared.iter().chain(handle.private.iter()) {
                    self.string(&f.local_path);
                    self.stream(&f.handle);
                }
                self.opt_string(&handle.state_handle_id);
            }
            KeyedHandle::Changelog { handle, .. } => {
                for k in handle
                    .materialized
                    .iter()
                    .chain(handle.non_materialized.iter())
                {
                    self.keyed(k);
                }
                self.opt_string(&handle.state_handle_id);
            }
            KeyedHandle::ChangelogBytes(h) => {
                for c in &h.changes {
                    self.payloads.push(c.data.to_vec());
                }
                self.opt_string(&h.state_handle_id);
            }
            KeyedHandle::ChangelogFile { handle, .. } => {
                for (_, s) in &handle.handles {
                    self.stream(s);
                }
                self.opt_string(&handle.state_handle_id);
                self.opt_string(&handle.storage_identifier);
            }
        }
    }

    fn operator(&mut self, h: &OperatorHandle<'_>) {
        for s in &h.states {
            self.string(&s.name);
            self.offsets.push(s.offsets.to_vec());
        }
        if let Some(d) = &h.file_merging {
            self.string(&d.task_owned_dir);
            self.string(&d.shared_dir);
        }
        self.stream(&h.delegate);
    }

    fn channel(&mut self, h: &ChannelHandle<'_>) {
        match &h.body {
            ChannelBody::Single { offsets, .. } => self.offsets.push(offsets.to_vec()),
            ChannelBody::Merged { blob, .. } => self.payloads.push(blob.to_vec()),
        }
        self.stream(&h.delegate);
    }

    fn payload_bytes(&self) -> usize {
        self.payloads.iter().map(Vec::len).sum()
    }
}

/// Every inline payload of the model, summed: what the deep copy must reproduce.
fn inline_bytes(md: &Metadata<'_>) -> usize {
    Owned::of(md).payload_bytes()
}

/// The system allocator, counting live heap bytes while `COUNTING` is on (only around one
/// parse in the checks, never while timing; off, it costs one relaxed load per call).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Heap bytes a freshly parsed model holds (vectors and boxes of operators, subtasks and
/// handles): every string and payload borrows from `bytes`, so this is all parsing adds.
fn model_heap(bytes: &[u8]) -> usize {
    LIVE.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::SeqCst);
    let md = flinspect::format::parse(bytes).expect("parse");
    let live = LIVE.load(Ordering::SeqCst);
    COUNTING.store(false, Ordering::SeqCst);
    drop(black_box(md));
    live.max(0) as usize
}

/// `inspect --json` as the binary does it, into a byte sink.
fn inspect_json(path: &Path) -> Vec<u8> {
    let loaded = load::load(path).expect("load");
    let md = flinspect::format::parse(&loaded.bytes).expect("parse");
    let location = loaded
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let summary = flinspect::analysis::summarize(&md, location.as_deref());
    let labels = flinspect::render::UidLabels::new(Vec::<String>::new());
    let shown = loaded.path.display().to_string();
    let doc = flinspect::render::json::snapshot(&shown, &md, &summary, &labels, false);
    let mut out = Vec::with_capacity(1 << 20);
    flinspect::render::pretty::to_writer_pretty(&mut out, &doc).expect("json");
    out.push(b'\n');
    out
}

fn md_state_size(bytes: &[u8]) -> i64 {
    flinspect::format::parse(bytes).unwrap().state_size()
}

fn bigfile(c: &mut Criterion) {
    let files = files();
    if files.is_empty() {
        eprintln!(
            "bigfile: skipped: no bench-data/big-*/_metadata; generate them with \
             testdata/generate/bigfile/generate.sh (see BENCHMARKS.md)"
        );
        return;
    }
    for (name, path) in &files {
        let bytes = std::fs::read(path).expect("read");
        let len = bytes.len() as u64;

        // Check what is about to be timed: the whole file decodes, and every view agrees.
        let md = flinspect::format::parse(&bytes).expect("generated file parses");
        assert_eq!(md.trailing_bytes, 0);
        assert!(!md.operators.is_empty());
        let subtasks: usize = md.operators.iter().map(|o| o.subtasks.len()).sum();
        let owned = Owned::of(&md);
        assert!(owned.payload_bytes() > 0 && owned.payload_bytes() == inline_bytes(&md));
        let json = inspect_json(path);
        let doc: serde_json::Value = serde_json::from_slice(&json).expect("valid json");
        assert_eq!(doc["state_size"].as_i64(), Some(md.state_size()));
        assert_eq!(doc["file_size"].as_u64(), Some(len));
        eprintln!(
            "bigfile {name}: {len} bytes, {} operators, {subtasks} subtasks, {} inline payloads \
             ({} bytes), {} strings, {} offset arrays; inspect --json writes {} bytes",
            md.operators.len(),
            owned.payloads.len(),
            owned.payload_bytes(),
            owned.strings.len(),
            owned.offsets.len(),
            json.len()
        );
        drop((md, owned, doc, json));
        let model_heap = model_heap(&bytes);
        eprintln!(
            "bigfile {name}: the parsed model holds {:.1} MiB of heap ({:.0} bytes per subtask); \
             size_of SubtaskState {}, KeyedHandle {}, OperatorHandle {}, ChannelHandle {}, \
             StreamHandle {}",
            model_heap as f64 / (1 << 20) as f64,
            model_heap as f64 / subtasks as f64,
            std::mem::size_of::<SubtaskState<'_>>(),
            std::mem::size_of::<KeyedHandle<'_>>(),
            std::mem::size_of::<OperatorHandle<'_>>(),
            std::mem::size_of::<ChannelHandle<'_>>(),
            std::mem::size_of::<StreamHandle<'_>>(),
        );

        let mut g = c.benchmark_group("parse");
        g.sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Bytes(len));
        g.bench_with_input(BenchmarkId::from_parameter(name), &bytes, |b, bytes| {
            b.iter(|| {
                flinspect::format::parse(black_box(bytes))
                    .unwrap()
                    .operators
                    .len()
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("load/{name}"));
        g.sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Bytes(len));
        for (label, strategy) in [("mmap", Strategy::Mmap), ("read", Strategy::Read)] {
            let l = load::load_with(path, strategy).expect("load");
            assert_eq!(
                matches!(l.bytes, load::Bytes::Mapped(_)),
                strategy == Strategy::Mmap
            );
            assert_eq!(&*l.bytes, &bytes[..]);
            drop(l);
            g.bench_function(label, |b| {
                b.iter(|| {
                    let l = load::load_with(black_box(path), strategy).unwrap();
                    flinspect::format::parse(&l.bytes).unwrap().state_size()
                })
            });
        }
        g.finish();

        // One decoding thread vs two (flinspect::split): the operator-by-operator decode that
        // inspect runs, with a digest of one number per operator.
        let digest = |op: flinspect::model::OperatorState<'_>| op.state_size();
        let sequential = || {
            let mut sum = 0i64;
            let mut records = flinspect::format::Records::new(black_box(&bytes)).unwrap();
            while let Some(op) = records.next_operator().unwrap() {
                sum += digest(op);
            }
            records.finish().unwrap();
            sum
        };
        let adaptive = || {
            let mut sum = 0i64;
            flinspect::split::parse_digests(black_box(&bytes), &digest, |d| sum += d).unwrap();
            sum
        };
        let halves = || {
            let mut sum = 0i64;
            let from = bytes.len() / 2;
            flinspect::split::parse_digests_split_at(black_box(&bytes), from, &digest, |d| {
                sum += d
            })
            .unwrap();
            sum
        };
        assert_eq!(sequential(), md_state_size(&bytes));
        assert_eq!(adaptive(), md_state_size(&bytes));
        assert_eq!(halves(), md_state_size(&bytes));
        let mut g = c.benchmark_group(format!("threads/{name}"));
        g.sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Bytes(len));
        g.bench_function("one", |b| b.iter(sequential));
        g.bench_function("split", |b| b.iter(adaptive));
        g.bench_function("split-forced", |b| b.iter(halves));
        g.finish();

        let mut g = c.benchmark_group(format!("copy/{name}"));
        g.sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Bytes(len));
        g.bench_function("borrowed", |b| {
            b.iter(|| {
                let md = flinspect::format::parse(black_box(&bytes)).unwrap();
                md.state_size()
            })
        });
        g.bench_function("owned", |b| {
            b.iter(|| {
                let md = flinspect::format::parse(black_box(&bytes)).unwrap();
                let o = Owned::of(&md);
                (md.state_size(), o.strings.len(), o.payloads.len())
            })
        });
        g.finish();
        drop(bytes);

        let mut g = c.benchmark_group("inspect-json");
        g.sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Bytes(len));
        g.bench_with_input(BenchmarkId::from_parameter(name), path, |b, path| {
            b.iter(|| inspect_json(black_box(path)).len())
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    targets = bigfile
}
criterion_main!(benches);
