//! Allocation statistics.
//!
//! A `Heap` keeps a [`Stats`] exactly, and `check_heap` verifies it against
//! a walk of the heap. `SharedHeap` keeps process-wide [`Totals`] in atomics;
//! threads count their operations in private [`Counters`] and fold them into
//! the totals on their slow paths (cache refills and flushes, locked
//! operations) once 256 operations or 64 KiB of net change have piled up,
//! and when they exit, so the fast path touches no shared cache line.

use std::sync::atomic::{AtomicIsize, AtomicU64, Ordering};

use crate::chunk::WORD;

/// A snapshot of a heap's statistics.
///
/// "Live" bytes are the usable bytes of allocated blocks (what callers may
/// touch, at least what they asked for); "mapped" bytes are what the heap
/// holds from the OS: committed segment memory including headers and
/// bitmaps, plus huge-block mappings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Blocks handed out (a `realloc` that moves counts one here).
    pub allocations: u64,
    /// Blocks returned (a `realloc` that moves counts one here).
    pub frees: u64,
    /// Calls to `realloc`, in place or not.
    pub reallocations: u64,
    /// Sum of all requested sizes, including `realloc`'s new sizes.
    pub requested_bytes: u64,
    pub live_bytes: usize,
    pub peak_live_bytes: usize,
    pub mapped_bytes: usize,
    pub peak_mapped_bytes: usize,
}

impl Stats {
    /// Blocks currently allocated.
    pub fn live_blocks(&self) -> u64 {
        self.allocations - self.frees
    }

    /// (mapped - live) / mapped: the share of memory taken from the OS that
    /// holds no live data (headers, free chunks, the unused top, metadata).
    pub fn fragmentation(&self) -> f64 {
        if self.mapped_bytes == 0 {
            return 0.0;
        }
        self.mapped_bytes.saturating_sub(self.live_bytes) as f64 / self.mapped_bytes as f64
    }

    pub(crate) fn record_alloc(&mut self, requested: usize, usable: usize) {
        self.allocations += 1;
        self.requested_bytes += requested as u64;
        self.live_bytes += usable;
        self.peak_live_bytes = self.peak_live_bytes.max(self.live_bytes);
    }

    pub(crate) fn record_free(&mut self, usable: usize) {
        self.frees += 1;
        self.live_bytes -= usable;
    }

    /// A `realloc` that resized in place (one that moved also records an
    /// allocation and a free).
    pub(crate) fn record_realloc(&mut self, requested: usize, old_usable: usize, new_usable: usize) {
        self.reallocations += 1;
        self.requested_bytes += requested as u64;
        self.live_bytes = self.live_bytes - old_usable + new_usable;
        self.peak_live_bytes = self.peak_live_bytes.max(self.live_bytes);
    }

    /// The extra count of a `realloc` that moved (its allocation and free
    /// are recorded as such).
    pub(crate) fn record_moved_realloc(&mut self) {
        self.reallocations += 1;
    }

    pub(crate) fn record_map(&mut self, bytes: usize) {
        self.mapped_bytes += bytes;
        self.peak_mapped_bytes = self.peak_mapped_bytes.max(self.mapped_bytes);
    }

    pub(crate) fn record_unmap(&mut self, bytes: usize) {
        self.mapped_bytes -= bytes;
    }
}

/// One thread's operations not yet folded into the shared [`Totals`].
///
/// Live bytes are kept as `held`: live bytes plus one word for every block
/// allocated and minus one for every block freed, i.e. the net change in
/// chunk sizes. The fast paths know a block's chunk size, so counting it is
/// one add, and the words are taken off again when the counters are folded.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counters {
    pub(crate) allocations: u64,
    pub(crate) frees: u64,
    pub(crate) reallocations: u64,
    pub(crate) requested: u64,
    /// Signed: a thread may free more than it allocated.
    pub(crate) held: isize,
}

impl Counters {
    pub(crate) const ZERO: Counters = Counters { allocations: 0, frees: 0, reallocations: 0, requested: 0, held: 0 };

    #[inline]
    pub(crate) fn alloc(requested: usize, usable: usize) -> Counters {
        Counters { allocations: 1, requested: requested as u64, held: (usable + WORD) as isize, ..Counters::ZERO }
    }

    #[inline]
    pub(crate) fn free(usable: usize) -> Counters {
        Counters { frees: 1, held: -((usable + WORD) as isize), ..Counters::ZERO }
    }

    #[inline]
    pub(crate) fn realloc(requested: usize, old_usable: usize, new_usable: usize) -> Counters {
        Counters {
            reallocations: 1,
            requested: requested as u64,
            held: new_usable as isize - old_usable as isize,
            ..Counters::ZERO
        }
    }

    /// The net change in live bytes.
    pub(crate) fn live(&self) -> isize {
        self.held - (self.allocations as isize - self.frees as isize) * WORD as isize
    }

    /// Whether enough has accumulated to fold into the totals: bounded
    /// staleness for the totals and their peaks, yet the atomic
    /// read-modify-writes of a fold are paid only once per many operations.
    #[inline]
    pub(crate) fn is_due(&self) -> bool {
        const OPERATIONS: u64 = 256;
        const BYTES: isize = 64 << 10;
        self.allocations + self.frees + self.reallocations >= OPERATIONS || self.live().abs() >= BYTES
    }

    #[inline]
    pub(crate) fn add(&mut self, other: Counters) {
        self.allocations += other.allocations;
        self.frees += other.frees;
        self.reallocations += other.reallocations;
        self.requested += other.requested;
        self.held += other.held;
    }
}

/// Process-wide statistics of a `SharedHeap`. Peaks are sampled when
/// counters are folded in, so the peak may be missed by up to 64 KiB plus
/// the contents of its cache per running thread.
pub(crate) struct Totals {
    allocations: AtomicU64,
    frees: AtomicU64,
    reallocations: AtomicU64,
    requested: AtomicU64,
    live: AtomicIsize,
    peak_live: AtomicIsize,
    mapped: AtomicIsize,
    peak_mapped: AtomicIsize,
}

impl Totals {
    pub(crate) const fn new() -> Totals {
        Totals {
            allocations: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            reallocations: AtomicU64::new(0),
            requested: AtomicU64::new(0),
            live: AtomicIsize::new(0),
            peak_live: AtomicIsize::new(0),
            mapped: AtomicIsize::new(0),
            peak_mapped: AtomicIsize::new(0),
        }
    }

    pub(crate) fn fold(&self, counters: Counters) {
        let relaxed = Ordering::Relaxed;
        self.allocations.fetch_add(counters.allocations, relaxed);
        self.frees.fetch_add(counters.frees, relaxed);
        self.reallocations.fetch_add(counters.reallocations, relaxed);
        self.requested.fetch_add(counters.requested, relaxed);
        let delta = counters.live();
        let live = self.live.fetch_add(delta, relaxed) + delta;
        self.peak_live.fetch_max(live, relaxed);
    }

    pub(crate) fn add_mapped(&self, delta: isize) {
        let mapped = self.mapped.fetch_add(delta, Ordering::Relaxed) + delta;
        self.peak_mapped.fetch_max(mapped, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let relaxed = Ordering::Relaxed;
        let unsigned = |value: isize| value.max(0) as usize;
        Stats {
            allocations: self.allocations.load(relaxed),
            frees: self.frees.load(relaxed),
            reallocations: self.reallocations.load(relaxed),
            requested_bytes: self.requested.load(relaxed),
            live_bytes: unsigned(self.live.load(relaxed)),
            peak_live_bytes: unsigned(self.peak_live.load(relaxed)),
            mapped_bytes: unsigned(self.mapped.load(relaxed)),
            peak_mapped_bytes: unsigned(self.peak_mapped.load(relaxed)),
        }
    }
}
