//! `SharedHeap` mechanisms on one thread: the per-thread cache, validation
//! of pointers that pass through it, statistics, and `owner_of`.

use std::ptr::NonNull;

use berth_alloc::{AllocError, Heap, SharedHeap};

fn fresh() -> &'static SharedHeap {
    Box::leak(Box::new(SharedHeap::new()))
}

fn addr(ptr: NonNull<u8>) -> usize {
    ptr.as_ptr() as usize
}

#[test]
fn freed_small_blocks_are_reused_from_the_thread_cache() {
    let heap = fresh();
    let a = heap.alloc(40).unwrap();
    heap.free(a).unwrap();
    assert_eq!(heap.alloc(40).unwrap(), a, "the cache hands back the block just freed");
    heap.check_heap().unwrap();
}

#[test]
fn a_double_free_into_the_cache_is_caught() {
    let heap = fresh();
    let block = heap.alloc(100).unwrap();
    heap.free(block).unwrap();
    assert_eq!(heap.free(block), Err(AllocError::DoubleFree { addr: addr(block) }));
    assert_eq!(heap.realloc(block, 10), Err(AllocError::DoubleFree { addr: addr(block) }));
    heap.flush_thread_cache();
    assert_eq!(heap.free(block), Err(AllocError::DoubleFree { addr: addr(block) }), "caught by the arena too");
    heap.check_heap().unwrap();
}

#[test]
fn memory_that_held_cached_blocks_is_handed_out_clean() {
    // Cached blocks carry a marker word; when they go back to the arena and
    // the memory is carved again, the new blocks must not look cached.
    let heap = fresh();
    for size in [48, 2000, 48] {
        let blocks: Vec<_> = (0..200).map(|_| heap.alloc(48).unwrap()).collect();
        blocks.into_iter().for_each(|block| heap.free(block).unwrap());
        heap.flush_thread_cache();
        // Not written to: the stale marker would still be there.
        let again: Vec<_> = (0..200).map(|_| heap.alloc(size).unwrap()).collect();
        for block in again {
            heap.free(block).unwrap();
        }
        heap.flush_thread_cache();
    }
    heap.check_heap().unwrap();
}

#[test]
fn bad_pointers_are_reported() {
    let heap = fresh();
    assert_eq!(heap.alloc(0), Err(AllocError::ZeroSize));
    assert_eq!(heap.alloc(usize::MAX), Err(AllocError::TooLarge { size: usize::MAX }));
    let mut local = 0u64;
    let foreign = NonNull::from(&mut local).cast::<u8>();
    assert_eq!(heap.free(foreign), Err(AllocError::ForeignPointer { addr: addr(foreign) }));
    let mut other = Heap::new();
    let theirs = other.alloc(64).unwrap();
    assert_eq!(heap.free(theirs), Err(AllocError::ForeignPointer { addr: addr(theirs) }));
    let another = fresh();
    let elsewhere = another.alloc(64).unwrap();
    assert_eq!(heap.free(elsewhere), Err(AllocError::ForeignPointer { addr: addr(elsewhere) }));
    let block = heap.alloc(500).unwrap();
    let interior = NonNull::new(block.as_ptr().wrapping_add(32)).unwrap();
    assert_eq!(heap.free(interior), Err(AllocError::InteriorPointer { addr: addr(interior), start: addr(block) }));
    assert_eq!(heap.owner_of(addr(elsewhere)), None);
    assert_eq!(heap.owner_of(addr(block) + 499).map(|b| b.start), Some(block));
}

#[test]
fn statistics_count_what_the_program_sees() {
    let heap = fresh();
    let small: Vec<_> = (0..100).map(|_| heap.alloc(24).unwrap()).collect();
    let large = heap.alloc(5000).unwrap();
    let huge = heap.alloc(1 << 20).unwrap();
    let stats = heap.stats();
    assert_eq!(stats.allocations, 102);
    assert_eq!(stats.requested_bytes, 100 * 24 + 5000 + (1 << 20));
    // Live bytes are usable bytes: a mid-size request is rounded up to its class.
    let usable = |block| heap.owner_of(addr(block)).unwrap().size;
    assert_eq!(usable(large), 5112, "5000 bytes take a chunk of 5120");
    assert_eq!(stats.live_bytes, 100 * 24 + usable(large) + usable(huge));
    assert!(stats.mapped_bytes > 1 << 20);
    small.into_iter().for_each(|block| heap.free(block).unwrap());
    heap.free(large).unwrap();
    heap.free(huge).unwrap();
    // Freed small blocks sit in this thread's cache but count as free.
    let stats = heap.stats();
    assert_eq!((stats.frees, stats.live_bytes), (102, 0));
    assert!(stats.peak_live_bytes >= 100 * 24 + 5000 + (1 << 20));
    assert!(stats.mapped_bytes < stats.peak_mapped_bytes, "the huge block was unmapped");
    heap.check_heap().unwrap();
}

#[test]
fn aligned_and_reallocated_blocks() {
    let heap = fresh();
    let aligned = heap.alloc_aligned(100, 512).unwrap();
    assert_eq!(addr(aligned) % 512, 0);
    // SAFETY: the block has 100 bytes.
    unsafe { aligned.as_ptr().write_bytes(3, 100) };
    let grown = heap.realloc(aligned, 3000).unwrap();
    // SAFETY: the first 100 bytes were copied or kept.
    assert!(unsafe { std::slice::from_raw_parts(grown.as_ptr(), 100) }.iter().all(|&b| b == 3));
    let stats = heap.stats();
    assert_eq!(stats.reallocations, 1);
    assert_eq!(stats.live_blocks(), 1);
    heap.free(grown).unwrap();
    heap.check_heap().unwrap();
}

#[test]
fn realloc_keeps_a_block_that_still_fits_and_moves_one_that_does_not() {
    let heap = fresh();
    let block = heap.alloc(100).unwrap();
    let usable = heap.owner_of(addr(block)).unwrap().size;
    // SAFETY: the block has `usable` bytes.
    unsafe { block.as_ptr().write_bytes(9, usable) };
    assert_eq!(heap.realloc(block, usable).unwrap(), block, "still fits");
    assert_eq!(heap.realloc(block, usable / 2 + 1).unwrap(), block, "not twice too big");
    let shrunk = heap.realloc(block, usable / 2).unwrap();
    assert_ne!(shrunk, block, "twice too big: moved to a smaller class");
    let grown = heap.realloc(shrunk, 3000).unwrap();
    // SAFETY: the first `usable / 2` bytes were copied along.
    assert!(unsafe { std::slice::from_raw_parts(grown.as_ptr(), usable / 2) }.iter().all(|&b| b == 9));
    let stats = heap.stats();
    assert_eq!((stats.reallocations, stats.allocations, stats.frees), (4, 3, 2));
    assert_eq!(stats.live_bytes, heap.owner_of(addr(grown)).unwrap().size);
    assert_eq!(heap.free(shrunk), Err(AllocError::DoubleFree { addr: addr(shrunk) }), "the moved-from block is cached");
    heap.free(grown).unwrap();
    heap.check_heap().unwrap();
}

#[test]
fn mid_size_blocks_are_cached_by_class() {
    let heap = fresh();
    let block = heap.alloc(5000).unwrap();
    heap.free(block).unwrap();
    assert_eq!(heap.alloc(4900).unwrap(), block, "5000 and 4900 bytes share the 5120-byte class");
    let large = heap.alloc(40_000).unwrap();
    heap.free(large).unwrap();
    assert_eq!(heap.free(large), Err(AllocError::DoubleFree { addr: addr(large) }), "freed into the heap");
    heap.check_heap().unwrap();
}

#[test]
fn returned_blocks_are_freed_into_the_heap_before_it_grows() {
    let heap = fresh();
    let blocks: Vec<_> = (0..2000).map(|_| heap.alloc(1000).unwrap()).collect();
    // Freed in allocation order: all but the last magazines' worth go back to
    // the arena as batches, still allocated as far as its heap knows.
    blocks.into_iter().for_each(|block| heap.free(block).unwrap());
    let mapped = heap.stats().mapped_bytes;
    // Blocks too large to cache need the heap, which must free the returned
    // batches (coalescing them) rather than map more.
    let large: Vec<_> = (0..8).map(|_| heap.alloc(200_000).unwrap()).collect();
    assert!(heap.stats().mapped_bytes <= mapped, "{} > {mapped}", heap.stats().mapped_bytes);
    heap.check_heap().unwrap();
    large.into_iter().for_each(|block| heap.free(block).unwrap());
    heap.check_heap().unwrap();
}
