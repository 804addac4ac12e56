//! The ceiling for `scan` over a remote prefix (BENCHMARKS.md): list the prefix, then GET every
//! `_metadata` with N requests in flight and nothing else (no decoding, no state-file checks).
//! Uses the same storage layer and credentials as flinspect.
//!
//!   cargo run --release --example parallel_get -- s3://bench/tree 64

use std::sync::atomic::Ordering;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args
        .next()
        .expect("usage: parallel_get LOCATION [CONCURRENCY]");
    let n: usize = args.next().map_or(64, |s| s.parse().expect("a number"));
    let storage = flinspect::storage::Storage::new(flinspect::storage::Config {
        concurrency: n,
        ..Default::default()
    })
    .expect("storage");
    let started = Instant::now();
    let objects = storage.list(&root, &|_, _| {}).expect("list");
    let metadata: Vec<_> = objects
        .into_iter()
        .filter(|o| o.location.ends_with("/_metadata"))
        .collect();
    let listed = started.elapsed();
    let bytes = std::sync::atomic::AtomicU64::new(0);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(o) = metadata.get(i) else { break };
                let b = storage.read(o).expect("read");
                bytes.fetch_add(b.len() as u64, Ordering::Relaxed);
            });
        }
    });
    let total = started.elapsed();
    let r = &storage.requests;
    println!(
        "{} _metadata objects, {} bytes; list {:.3}s, total {:.3}s; requests: {} list, {} get, {} head",
        metadata.len(),
        bytes.load(Ordering::Relaxed),
        listed.as_secs_f64(),
        total.as_secs_f64(),
        r.list.load(Ordering::Relaxed),
        r.get.load(Ordering::Relaxed),
        r.head.load(Ordering::Relaxed)
    );
}
