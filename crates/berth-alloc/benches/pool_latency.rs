//! Worst-case latency of the fixed-size pool against the general heaps:
//! one million timed operations (allocate or free, in the same random order
//! for every allocator), reported as median, p99, p99.9 and maximum.
//!
//! `cargo bench -p berth-alloc --bench pool_latency`
//!
//! Each operation is timed on its own with the CPU's time-stamp counter on
//! x86-64 (converted to nanoseconds against `Instant`), or with `Instant`
//! elsewhere. The cost of reading the timer is measured and reported too.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use berth_alloc::{BerthAlloc, Heap, Pool};
use common::Rng;
use mimalloc::MiMalloc;

const OPERATIONS: usize = 1_000_000;
const BLOCK: usize = 64;
const CAPACITY: usize = 4096;

#[cfg(target_arch = "x86_64")]
fn ticks() -> u64 {
    // SAFETY: RDTSC has no preconditions on x86-64; the fences keep the
    // timed operation from moving across the reads.
    unsafe {
        std::arch::x86_64::_mm_lfence();
        let t = std::arch::x86_64::_rdtsc();
        std::arch::x86_64::_mm_lfence();
        t
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn ticks() -> u64 {
    use std::sync::OnceLock;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Nanoseconds per tick, measured over 50 ms.
fn calibrate() -> f64 {
    let (start, t0) = (Instant::now(), ticks());
    std::thread::sleep(Duration::from_millis(50));
    let (elapsed, t1) = (start.elapsed(), ticks());
    elapsed.as_nanos() as f64 / (t1 - t0) as f64
}

/// The same sequence for everyone: true = allocate, false = free the
/// block at the given index of the live list.
fn script() -> Vec<(bool, usize)> {
    let mut rng = Rng::new(99);
    let mut live = 0usize;
    (0..OPERATIONS)
        .map(|_| {
            let alloc = live == 0 || (live < CAPACITY && rng.chance(0.5));
            let victim = if alloc { 0 } else { rng.range(0, live - 1) };
            live = if alloc { live + 1 } else { live - 1 };
            (alloc, victim)
        })
        .collect()
}

/// Runs the script on `state`, timing every operation; returns the ticks of each.
fn measure<S>(
    script: &[(bool, usize)],
    state: &mut S,
    alloc: impl Fn(&mut S) -> NonNull<u8>,
    free: impl Fn(&mut S, NonNull<u8>),
) -> Vec<u64> {
    let mut live = Vec::with_capacity(CAPACITY);
    let mut samples = Vec::with_capacity(script.len());
    for &(allocate, victim) in script {
        if allocate {
            let start = ticks();
            let block = alloc(state);
            samples.push(ticks() - start);
            live.push(block);
        } else {
            let block = live.swap_remove(victim);
            let start = ticks();
            free(state, block);
            samples.push(ticks() - start);
        }
    }
    for block in live {
        free(state, block);
    }
    samples
}

fn global<A: GlobalAlloc>(allocator: &A, script: &[(bool, usize)]) -> Vec<u64> {
    let layout = Layout::from_size_align(BLOCK, 16).unwrap();
    // SAFETY: every block is freed once, with the layout it was allocated with.
    measure(
        script,
        &mut (),
        |_| NonNull::new(unsafe { allocator.alloc(layout) }).unwrap(),
        |_, block| unsafe { allocator.dealloc(block.as_ptr(), layout) },
    )
}

const RUNS: usize = 5;

/// Prints one row: percentiles of the first (cold) run, the smallest
/// maximum over all runs (the worst case that recurs, rather than the one
/// an interrupt happened to hit), and how many operations of all runs took
/// over a microsecond.
fn report(name: &str, runs: Vec<Vec<u64>>, ns_per_tick: f64) {
    let ns = |ticks: u64| ticks as f64 * ns_per_tick;
    let mut first = runs[0].clone();
    first.sort_unstable();
    let at = |q: f64| ns(first[((first.len() - 1) as f64 * q) as usize]);
    let least_max = runs.iter().map(|run| *run.iter().max().unwrap()).min().unwrap();
    let slow = runs.iter().flatten().filter(|&&ticks| ns(ticks) > 1000.0).count();
    println!(
        "| {name} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {slow} |",
        at(0.5),
        at(0.99),
        at(0.999),
        at(0.9999),
        ns(*first.last().unwrap()),
        ns(least_max)
    );
}

fn main() {
    let ns_per_tick = calibrate();
    let script = script();
    let timer = (0..RUNS)
        .map(|_| {
            (0..OPERATIONS)
                .map(|_| {
                    let start = ticks();
                    black_box(());
                    ticks() - start
                })
                .collect()
        })
        .collect();
    // The pool and the heap are created once, so run 1 is cold and later
    // runs reuse what run 1 mapped, as a long-running program would.
    let mut pool = Pool::new(BLOCK, CAPACITY).unwrap();
    let pool_runs = (0..RUNS)
        .map(|_| measure(&script, &mut pool, |pool| pool.alloc().unwrap(), |pool, block| pool.free(block).unwrap()))
        .collect();
    let mut heap = Heap::new();
    let heap_runs = (0..RUNS)
        .map(|_| {
            measure(&script, &mut heap, |heap| heap.alloc(BLOCK).unwrap(), |heap, block| heap.free(block).unwrap())
        })
        .collect();
    let runs_of = |allocator: &dyn Fn() -> Vec<u64>| (0..RUNS).map(|_| allocator()).collect();

    println!("{OPERATIONS} operations of {BLOCK}-byte blocks, at most {CAPACITY} live, {RUNS} runs; nanoseconds");
    println!();
    println!("| allocator | median | p99 | p99.9 | p99.99 | max (run 1) | least max of {RUNS} runs | ops > 1 µs |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    report("timer alone", timer, ns_per_tick);
    report("berth Pool", pool_runs, ns_per_tick);
    report("berth Heap (best fit)", heap_runs, ns_per_tick);
    report("berth global (SharedHeap)", runs_of(&|| global(&BerthAlloc, &script)), ns_per_tick);
    report("glibc malloc", runs_of(&|| global(&System, &script)), ns_per_tick);
    report("mimalloc", runs_of(&|| global(&MiMalloc, &script)), ns_per_tick);
}
