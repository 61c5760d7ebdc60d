//! Front-end throughput: lex + parse + check + lower a generated program of
//! 100,000 lines. `cargo bench -p berth-benches --bench frontend`.

use berth_benches::{front_end, generate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn frontend(c: &mut Criterion) {
    let source = generate::program(100_000);
    let lines = source.lines().count() as u64;
    let mut group = c.benchmark_group("frontend");
    group.throughput(Throughput::Elements(lines));
    group.sample_size(20);
    group.bench_function("lex_parse_check_lower_100k_lines", |b| b.iter(|| front_end(&source)));
    group.finish();
}

criterion_group!(benches, frontend);
criterion_main!(benches);
