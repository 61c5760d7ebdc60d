//! Time of the escape analysis alone on generated programs of 10,000 and
//! 100,000 lines, to show that it grows linearly with program size.
//! `cargo bench -p berth-benches --bench escape`.

use berth_benches::{generate, lower};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn escape(c: &mut Criterion) {
    let mut group = c.benchmark_group("escape");
    group.sample_size(10);
    for lines in [10_000, 100_000] {
        let source = generate::program(lines);
        let module = lower(&source);
        group.throughput(Throughput::Elements(source.lines().count() as u64));
        group.bench_function(format!("analyze_{}k_lines", lines / 1000), |b| {
            b.iter_batched(|| module.clone(), |mut m| berth_escape::analyze(&mut m), BatchSize::LargeInput)
        });
    }
    group.finish();
}

criterion_group!(benches, escape);
criterion_main!(benches);
