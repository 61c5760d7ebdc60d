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
    assert_eq!(stats.live_bytes, 100 * 24 + 5000 + heap.owner_of(addr(huge)).unwrap().size);
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
