//! Workloads shared by the benchmarks: a small deterministic RNG and
//! allocation traces (sequences of alloc / free / realloc on numbered slots)
//! generated from a few shapes, so every allocator replays exactly the same
//! operations.

// Each bench binary uses a different subset of these workloads.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// xorshift64*: fast, deterministic, good enough for workload shapes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `low..=high`.
    pub fn range(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() % (high - low + 1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Op {
    Alloc { slot: u32, size: u32 },
    Free { slot: u32 },
    Realloc { slot: u32, size: u32 },
}

pub struct Trace {
    pub name: &'static str,
    pub ops: Vec<Op>,
    /// Number of distinct slots the trace uses.
    pub slots: usize,
}

/// How a trace behaves.
pub struct Shape {
    pub name: &'static str,
    /// Draws a request size.
    pub size: fn(&mut Rng) -> usize,
    /// Target number of live blocks after `op` of `total` operations.
    pub live: fn(op: usize, total: usize) -> usize,
    /// Probability that a free takes the youngest block (stack-like lifetimes).
    pub lifo: f64,
    /// Probability that an operation grows a live block with realloc.
    pub realloc: f64,
}

fn sawtooth(op: usize, period: usize, low: usize, high: usize) -> usize {
    low + (op % period) * (high - low) / period
}

/// Small objects of 16-128 bytes replaced at random around 1000 live.
pub const SMALL_CHURN: Shape =
    Shape { name: "small-churn", size: |rng| rng.range(16, 128), live: |_, _| 1000, lifo: 0.0, realloc: 0.0 };

/// After mimalloc-bench's cfrac/espresso: mostly tiny short-lived blocks
/// with stack-like lifetimes, some medium ones, a few large, growing
/// buffers, and a live set that rises and collapses in phases.
pub const MIXED: Shape = Shape {
    name: "mixed",
    size: |rng| match rng.range(0, 99) {
        0..=49 => rng.range(8, 32),
        50..=79 => rng.range(33, 128),
        80..=94 => rng.range(129, 1024),
        _ => rng.range(1025, 16384),
    },
    live: |op, _| sawtooth(op, 20_000, 500, 3000),
    lifo: 0.6,
    realloc: 0.03,
};

/// Sizes uniform in 16-4096 with random lifetimes around 2000 live.
pub const UNIFORM: Shape =
    Shape { name: "uniform", size: |rng| rng.range(16, 4096), live: |_, _| 2000, lifo: 0.0, realloc: 0.0 };

/// Small and large blocks mixed, with the live set ramping up and dropping.
pub const BIMODAL: Shape = Shape {
    name: "bimodal-phases",
    size: |rng| if rng.chance(0.5) { rng.range(16, 64) } else { rng.range(1024, 8192) },
    live: |op, _| sawtooth(op, 10_000, 200, 4000),
    lifo: 0.3,
    realloc: 0.0,
};

/// Berth-like objects (a header word and 1-8 fields) and growing arrays.
pub const OBJECTS: Shape = Shape {
    name: "berth-objects",
    size: |rng| 8 + 8 * rng.range(1, 8),
    live: |op, total| 1000 + 4000 * op / total,
    lifo: 0.5,
    realloc: 0.05,
};

/// Generates `ops` operations of `shape`, with the live-set target
/// multiplied by `scale`.
pub fn generate(shape: &Shape, ops: usize, seed: u64, scale: usize) -> Trace {
    let mut rng = Rng::new(seed);
    let mut live: Vec<(u32, u32)> = Vec::new();
    let mut free_slots: Vec<u32> = Vec::new();
    let mut slots = 0u32;
    let mut trace = Vec::with_capacity(ops);
    for op in 0..ops {
        let target = (shape.live)(op, ops) * scale;
        if !live.is_empty() && rng.chance(shape.realloc) {
            let index = rng.range(0, live.len() - 1);
            let (slot, size) = live[index];
            let grown = (size as usize * rng.range(3, 4) / 2).min(200_000) as u32;
            live[index].1 = grown;
            trace.push(Op::Realloc { slot, size: grown });
        } else if live.len() < target || (live.len() == target && rng.chance(0.5)) {
            let slot = free_slots.pop().unwrap_or_else(|| {
                slots += 1;
                slots - 1
            });
            let size = (shape.size)(&mut rng) as u32;
            live.push((slot, size));
            trace.push(Op::Alloc { slot, size });
        } else {
            let index = if rng.chance(shape.lifo) { live.len() - 1 } else { rng.range(0, live.len() - 1) };
            let (slot, _) = live.swap_remove(index);
            free_slots.push(slot);
            trace.push(Op::Free { slot });
        }
    }
    for (slot, _) in live {
        trace.push(Op::Free { slot });
    }
    Trace { name: shape.name, ops: trace, slots: slots as usize }
}

/// Replays a trace through a `GlobalAlloc`, touching the first and last
/// byte of every block as a program would.
pub fn replay<A: GlobalAlloc>(alloc: &A, trace: &Trace, slots: &mut Vec<(*mut u8, usize)>) {
    slots.clear();
    slots.resize(trace.slots, (std::ptr::null_mut(), 0));
    let layout = |size: usize| Layout::from_size_align(size, 8).unwrap();
    for op in &trace.ops {
        // SAFETY: the trace frees and reallocs only live slots, with the
        // layout they were allocated with.
        unsafe {
            match *op {
                Op::Alloc { slot, size } => {
                    let block = alloc.alloc(layout(size as usize));
                    block.write(slot as u8);
                    block.add(size as usize - 1).write(1);
                    slots[slot as usize] = (block, size as usize);
                }
                Op::Free { slot } => {
                    let (block, size) = slots[slot as usize];
                    black_box(block.read());
                    alloc.dealloc(block, layout(size));
                }
                Op::Realloc { slot, size } => {
                    let (block, old) = slots[slot as usize];
                    let grown = alloc.realloc(block, layout(old), size as usize);
                    grown.add(size as usize - 1).write(2);
                    slots[slot as usize] = (grown, size as usize);
                }
            }
        }
    }
}

/// A bounded single-producer single-consumer ring of block addresses.
pub struct Ring {
    slots: Vec<AtomicUsize>,
    head: AtomicUsize,
    tail: AtomicUsize,
}

impl Ring {
    fn new(capacity: usize) -> Ring {
        Ring { slots: (0..capacity).map(|_| AtomicUsize::new(0)).collect(), head: 0.into(), tail: 0.into() }
    }

    fn push(&self, value: usize) {
        let tail = self.tail.load(Ordering::Relaxed);
        while tail - self.head.load(Ordering::Acquire) == self.slots.len() {
            thread::yield_now();
        }
        self.slots[tail % self.slots.len()].store(value, Ordering::Relaxed);
        self.tail.store(tail + 1, Ordering::Release);
    }

    fn pop(&self) -> usize {
        let head = self.head.load(Ordering::Relaxed);
        while self.tail.load(Ordering::Acquire) == head {
            thread::yield_now();
        }
        let value = self.slots[head % self.slots.len()].load(Ordering::Relaxed);
        self.head.store(head + 1, Ordering::Release);
        value
    }
}

pub const MESSAGES: usize = 20_000;

/// One thread allocates blocks of 16-256 bytes and hands them over; another
/// frees them, so every block is freed on a thread other than its allocator's.
pub fn producer_consumer<A: GlobalAlloc + Sync>(alloc: &A, sizes: &[usize]) {
    let ring = Ring::new(1024);
    thread::scope(|scope| {
        scope.spawn(|| {
            for &size in sizes {
                // SAFETY: a non-zero layout; the consumer frees the block with it.
                let block = unsafe { alloc.alloc(Layout::from_size_align(size, 8).unwrap()) };
                // SAFETY: the block has at least one byte.
                unsafe { block.write(size as u8) };
                ring.push(block as usize);
            }
        });
        for &size in sizes {
            let block = ring.pop() as *mut u8;
            // SAFETY: the producer allocated the block with this layout.
            unsafe {
                black_box(block.read());
                alloc.dealloc(block, Layout::from_size_align(size, 8).unwrap());
            }
        }
    });
}
