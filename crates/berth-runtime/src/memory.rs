//! Heap allocation for generated code and the runtime, over the bundled
//! allocator (`berth-alloc`), with the counts `berth run --stats` reports.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::context::ThreadContext;
use crate::errors;

/// Counters for `--stats`.
pub static HEAP_ALLOCS: AtomicU64 = AtomicU64::new(0);
pub static HEAP_BYTES: AtomicU64 = AtomicU64::new(0);
pub static ARENA_OBJECTS: AtomicU64 = AtomicU64::new(0);
pub static STACK_OBJECTS: AtomicU64 = AtomicU64::new(0);
pub static SCALAR_OBJECTS: AtomicU64 = AtomicU64::new(0);

/// `size` bytes from the heap, 16-aligned, not zeroed; out of memory is a
/// runtime error. Not counted: for the runtime's own bookkeeping.
pub fn alloc_raw(size: usize) -> usize {
    match berth_alloc::global().alloc(size.max(1)) {
        Ok(p) => p.as_ptr() as usize,
        Err(_) => errors::out_of_memory(size),
    }
}

pub fn free_raw(addr: usize) {
    if let Some(p) = std::ptr::NonNull::new(addr as *mut u8) {
        // Freeing what `alloc_raw` returned cannot fail.
        let _ = berth_alloc::global().free(p);
    }
}

/// A heap object of `size` bytes (header included) with its header set;
/// the rest is zeroed when `zero` (struct objects are filled by generated
/// code and need no zeroing). Counted in the statistics.
pub fn alloc_object(size: usize, type_id: u32, zero: bool) -> usize {
    let addr = alloc_raw(size);
    // SAFETY: `alloc_raw` returned `size` writable bytes, 16-aligned.
    unsafe {
        if zero {
            std::ptr::write_bytes(addr as *mut u8, 0, size);
        }
        *(addr as *mut u64) = u64::from(type_id);
    }
    count_heap(size);
    addr
}

thread_local! {
    /// This thread's share of the heap counts, added to the totals in
    /// batches so allocation does not contend on shared counters.
    static PENDING: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
}

fn count_heap(size: usize) {
    PENDING.with(|p| {
        let (allocs, bytes) = p.get();
        let (allocs, bytes) = (allocs + 1, bytes + size as u64);
        if allocs < 4096 {
            p.set((allocs, bytes));
        } else {
            HEAP_ALLOCS.fetch_add(allocs, Relaxed);
            HEAP_BYTES.fetch_add(bytes, Relaxed);
            p.set((0, 0));
        }
    });
}

/// Adds this thread's pending heap counts to the totals; when a Berth
/// thread ends and before statistics are read.
pub fn flush_counts() {
    PENDING.with(|p| {
        let (allocs, bytes) = p.replace((0, 0));
        HEAP_ALLOCS.fetch_add(allocs, Relaxed);
        HEAP_BYTES.fetch_add(bytes, Relaxed);
    });
}

/// An object in the thread's frame arena, header set, rest zeroed.
pub fn arena_object(ctx: &mut ThreadContext, size: usize, type_id: u32) -> usize {
    let size = size.next_multiple_of(8);
    let addr = ctx.arena_alloc(size);
    // SAFETY: the arena returned `size` writable bytes, 8-aligned.
    unsafe {
        std::ptr::write_bytes(addr as *mut u8, 0, size);
        *(addr as *mut u64) = u64::from(type_id);
    }
    ARENA_OBJECTS.fetch_add(1, Relaxed);
    addr
}

/// `berth_alloc(ctx, size, type_id) -> ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn berth_alloc(_ctx: *mut ThreadContext, size: u64, type_id: u32) -> u64 {
    alloc_object(size as usize, type_id, false) as u64
}

/// `berth_arena_alloc(ctx, size, type_id) -> ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn berth_arena_alloc(ctx: *mut ThreadContext, size: u64, type_id: u32) -> u64 {
    // SAFETY: generated code passes its own thread's live context.
    let ctx = unsafe { &mut *ctx };
    arena_object(ctx, size as usize, type_id) as u64
}

/// `berth_arena_mark(ctx) -> mark`.
#[unsafe(no_mangle)]
pub extern "C" fn berth_arena_mark(ctx: *mut ThreadContext) -> u64 {
    // SAFETY: as above.
    let ctx = unsafe { &mut *ctx };
    ctx.arena_mark() as u64
}

/// `berth_arena_release(ctx, mark)`.
#[unsafe(no_mangle)]
pub extern "C" fn berth_arena_release(ctx: *mut ThreadContext, mark: u64) {
    // SAFETY: as above.
    let ctx = unsafe { &mut *ctx };
    ctx.arena_release(mark as usize);
}
