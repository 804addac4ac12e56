//! Parse throughput on real fixtures: one benchmark per metadata version and layout, checked
//! for correctness before it is timed, reported as bytes per second.

use std::path::{Path, PathBuf};

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.file_name().is_some_and(|n| n == "_metadata") {
                out.push(p);
            }
        }
    }
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"),
        &mut out,
    );
    out.retain(|p| !p.to_string_lossy().contains("malformed"));
    out.sort();
    out
}

fn parse_fixtures(c: &mut Criterion) {
    let files = fixtures();
    assert!(!files.is_empty(), "no fixtures");
    // One representative per (Flink version, case, kind): the largest file of each case.
    let mut picked: Vec<(String, Vec<u8>)> = Vec::new();
    for p in &files {
        let rel = p
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"))
            .unwrap();
        let mut parts = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let (v, case) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        let kind = if rel.to_string_lossy().contains("/chk-") {
            "chk"
        } else {
            "sp"
        };
        let name = format!("{v}/{case}/{kind}");
        let bytes = std::fs::read(p).unwrap();
        match picked.iter_mut().find(|(n, _)| *n == name) {
            Some((_, b)) if b.len() < bytes.len() => *b = bytes,
            Some(_) => {}
            None => picked.push((name, bytes)),
        }
    }
    let mut g = c.benchmark_group("parse");
    for (name, bytes) in &picked {
        let md = flinspect::format::parse(bytes).expect("fixture parses");
        assert_eq!(md.trailing_bytes, 0);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), bytes, |b, bytes| {
            b.iter(|| {
                flinspect::format::parse(black_box(bytes))
                    .unwrap()
                    .operators
                    .len()
            })
        });
    }
    g.finish();

    // The whole corpus in one go: total bytes per second over every fixture.
    let all: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let total: u64 = all.iter().map(|b| b.len() as u64).sum();
    let mut g = c.benchmark_group("corpus");
    g.throughput(Throughput::Bytes(total));
    g.bench_function(format!("{}-files", all.len()), |b| {
        b.iter(|| {
            all.iter()
                .map(|x| {
                    flinspect::format::parse(black_box(x))
                        .unwrap()
                        .operators
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function(format!("{}-files+analysis", all.len()), |b| {
        b.iter(|| {
            all.iter()
                .map(|x| {
                    let md = flinspect::format::parse(black_box(x)).unwrap();
                    let s = flinspect::analysis::summarize(&md, None);
                    flinspect::analysis::references(&md).len() + s.keyed_layouts.len()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = parse_fixtures
}
criterion_main!(benches);
