//! Compile time of the whole pipeline (front end and Cranelift code
//! generation to an object file, without linking): every example, and a
//! generated program of 100,000 lines.
//! `cargo bench -p berth-benches --bench pipeline`.

use berth_benches::{compile_to_object, generate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn pipeline(c: &mut Criterion) {
    let source = generate::program(100_000);
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(source.lines().count() as u64));
    group.sample_size(10);
    group.bench_function("compile_100k_lines", |b| b.iter(|| compile_to_object(&source)));
    group.finish();

    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut paths: Vec<_> = std::fs::read_dir(&examples)
        .expect("examples/ exists")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "berth"))
        .collect();
    paths.sort();
    let mut group = c.benchmark_group("examples");
    for path in paths {
        let source = std::fs::read_to_string(&path).expect("readable");
        let name = path.file_stem().expect("a name").to_string_lossy().into_owned();
        group.throughput(Throughput::Elements(source.lines().count() as u64));
        group.bench_function(name, |b| b.iter(|| compile_to_object(&source)));
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
