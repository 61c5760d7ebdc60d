//! The throughput workloads again, timed in rounds that alternate the
//! three allocators (glibc, mimalloc, berth, glibc, ...), reporting the
//! minimum and median per allocator. On a shared, noisy machine the
//! minimum of interleaved rounds is far steadier than consecutive criterion
//! runs, because load that comes and goes hits all three alike.
//!
//! `cargo bench -p berth-alloc --bench interleaved`

mod common;

use std::alloc::{GlobalAlloc, System};
use std::time::Instant;

use berth_alloc::BerthAlloc;
use common::{MESSAGES, MIXED, Rng, SMALL_CHURN, generate, producer_consumer, replay};
use mimalloc::MiMalloc;

const ROUNDS: usize = 15;
const ITERATIONS: usize = 20;

/// Microseconds per iteration of `work`, averaged over `ITERATIONS`.
fn time(work: &dyn Fn()) -> f64 {
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        work();
    }
    start.elapsed().as_secs_f64() * 1e6 / ITERATIONS as f64
}

/// Runs `ROUNDS` interleaved rounds of `work` on each allocator and prints a table row.
fn compare(name: &str, work: &dyn Fn(&dyn Allocator)) {
    let allocators: [&dyn Allocator; 3] = [&System, &MiMalloc, &BerthAlloc];
    let mut samples = [const { Vec::new() }; 3];
    for _ in 0..ROUNDS {
        for (allocator, samples) in allocators.iter().zip(samples.iter_mut()) {
            samples.push(time(&|| work(*allocator)));
        }
    }
    let [glibc, mimalloc, berth] = samples.map(|mut s| {
        s.sort_by(f64::total_cmp);
        (s[0], s[ROUNDS / 2])
    });
    println!(
        "| {name} | {:.0} / {:.0} | {:.0} / {:.0} | {:.0} / {:.0} | {:.2} / {:.2} | {:.2} / {:.2} |",
        glibc.0,
        glibc.1,
        mimalloc.0,
        mimalloc.1,
        berth.0,
        berth.1,
        berth.0 / mimalloc.0,
        berth.1 / mimalloc.1,
        berth.0 / glibc.0,
        berth.1 / glibc.1,
    );
}

/// The `GlobalAlloc`s compared, usable as one trait object type.
trait Allocator: Sync {
    fn replay(&self, trace: &common::Trace, slots: &mut Vec<(*mut u8, usize)>);
    fn producer_consumer(&self, sizes: &[usize]);
}

impl<A: GlobalAlloc + Sync> Allocator for A {
    fn replay(&self, trace: &common::Trace, slots: &mut Vec<(*mut u8, usize)>) {
        replay(self, trace, slots);
    }
    fn producer_consumer(&self, sizes: &[usize]) {
        producer_consumer(self, sizes);
    }
}

fn main() {
    println!("{ROUNDS} interleaved rounds of {ITERATIONS} iterations; microseconds per iteration, min / median");
    println!();
    println!("| workload | glibc | mimalloc | berth | berth / mimalloc | berth / glibc |");
    println!("|---|---:|---:|---:|---:|---:|");
    for trace in [generate(&SMALL_CHURN, 20_000, 1, 1), generate(&MIXED, 40_000, 2, 1)] {
        compare(trace.name, &|allocator| allocator.replay(&trace, &mut Vec::new()));
    }
    let mut rng = Rng::new(3);
    let sizes: Vec<usize> = (0..MESSAGES).map(|_| rng.range(16, 256)).collect();
    compare("producer-consumer", &|allocator| allocator.producer_consumer(&sizes));
}
