//! Throughput of `BerthAlloc` against the system allocator (glibc) and
//! mimalloc, all called through `GlobalAlloc` on identical workloads.
//!
//! `cargo bench -p berth-alloc --bench throughput`

mod common;

use std::alloc::System;
use std::time::Duration;

use berth_alloc::BerthAlloc;
use common::{MESSAGES, MIXED, Rng, SMALL_CHURN, Trace, generate, producer_consumer, replay};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mimalloc::MiMalloc;

fn trace_bench(c: &mut Criterion, trace: &Trace) {
    let mut group = c.benchmark_group(trace.name);
    group.throughput(Throughput::Elements(trace.ops.len() as u64));
    let mut slots = Vec::new();
    group.bench_function(BenchmarkId::from_parameter("glibc"), |b| b.iter(|| replay(&System, trace, &mut slots)));
    group.bench_function(BenchmarkId::from_parameter("mimalloc"), |b| b.iter(|| replay(&MiMalloc, trace, &mut slots)));
    group.bench_function(BenchmarkId::from_parameter("berth"), |b| b.iter(|| replay(&BerthAlloc, trace, &mut slots)));
    group.finish();
}

fn small_churn(c: &mut Criterion) {
    trace_bench(c, &generate(&SMALL_CHURN, 20_000, 1, 1));
}

fn mixed(c: &mut Criterion) {
    trace_bench(c, &generate(&MIXED, 40_000, 2, 1));
}

fn cross_thread(c: &mut Criterion) {
    let mut rng = Rng::new(3);
    let sizes: Vec<usize> = (0..MESSAGES).map(|_| rng.range(16, 256)).collect();
    let mut group = c.benchmark_group("producer-consumer");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function("glibc", |b| b.iter(|| producer_consumer(&System, &sizes)));
    group.bench_function("mimalloc", |b| b.iter(|| producer_consumer(&MiMalloc, &sizes)));
    group.bench_function("berth", |b| b.iter(|| producer_consumer(&BerthAlloc, &sizes)));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = small_churn, mixed, cross_thread
}
criterion_main!(benches);
