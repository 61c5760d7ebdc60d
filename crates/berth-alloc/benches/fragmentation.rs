//! Fragmentation of each placement policy on the same traces: peak mapped
//! bytes over peak live bytes. Prints a Markdown table.
//!
//! `cargo bench -p berth-alloc --bench fragmentation`

mod common;

use std::ptr::NonNull;
use std::time::Instant;

use berth_alloc::{Heap, Policy, Stats};
use common::{BIMODAL, MIXED, OBJECTS, Op, SMALL_CHURN, Trace, UNIFORM, generate};

struct Outcome {
    stats: Stats,
    /// Peak of the sum of requested sizes of live blocks.
    peak_requested: usize,
    millis: f64,
}

fn run(trace: &Trace, policy: Policy) -> Outcome {
    let mut heap = Heap::with_policy(policy);
    let mut slots: Vec<(Option<NonNull<u8>>, usize)> = vec![(None, 0); trace.slots];
    let (mut requested, mut peak_requested) = (0usize, 0usize);
    let start = Instant::now();
    for op in &trace.ops {
        match *op {
            Op::Alloc { slot, size } => {
                slots[slot as usize] = (Some(heap.alloc(size as usize).unwrap()), size as usize);
                requested += size as usize;
            }
            Op::Free { slot } => {
                let (block, size) = slots[slot as usize];
                heap.free(block.unwrap()).unwrap();
                requested -= size;
            }
            Op::Realloc { slot, size } => {
                let (block, old) = slots[slot as usize];
                slots[slot as usize] = (Some(heap.realloc(block.unwrap(), size as usize).unwrap()), size as usize);
                requested = requested - old + size as usize;
            }
        }
        peak_requested = peak_requested.max(requested);
    }
    let millis = start.elapsed().as_secs_f64() * 1e3;
    heap.check_heap().expect("heap consistent after the trace");
    Outcome { stats: heap.stats(), peak_requested, millis }
}

fn main() {
    // Live sets ten times those of the throughput benchmarks, so that fixed
    // costs (a segment header, a 64 KiB top) do not dominate.
    let traces = [
        generate(&SMALL_CHURN, 300_000, 11, 10),
        generate(&OBJECTS, 300_000, 12, 10),
        generate(&MIXED, 300_000, 13, 10),
        generate(&UNIFORM, 300_000, 14, 10),
        generate(&BIMODAL, 300_000, 15, 10),
    ];
    println!(
        "| trace | policy | peak live KiB | peak requested KiB | peak mapped KiB | mapped / live | mapped / requested | time ms |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for trace in &traces {
        for policy in Policy::ALL {
            let outcome = run(trace, policy);
            let stats = outcome.stats;
            println!(
                "| {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.0} |",
                trace.name,
                policy.name(),
                stats.peak_live_bytes / 1024,
                outcome.peak_requested / 1024,
                stats.peak_mapped_bytes / 1024,
                stats.peak_mapped_bytes as f64 / stats.peak_live_bytes as f64,
                stats.peak_mapped_bytes as f64 / outcome.peak_requested as f64,
                outcome.millis,
            );
        }
    }
}
