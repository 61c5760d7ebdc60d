//! Unit tests of `Heap`'s mechanisms through its public API. Every test
//! runs `check_heap` after each step that changes the heap.

use std::ptr::NonNull;

use berth_alloc::{AllocError, Corruption, Heap, HeapConfig, Policy};

fn addr(ptr: NonNull<u8>) -> usize {
    ptr.as_ptr() as usize
}

fn checked(heap: &mut Heap) {
    if let Err(corruption) = heap.check_heap() {
        panic!("heap corrupted: {corruption}");
    }
}

fn alloc(heap: &mut Heap, size: usize) -> NonNull<u8> {
    let block = heap.alloc(size).expect("allocation failed");
    checked(heap);
    block
}

fn free(heap: &mut Heap, block: NonNull<u8>) {
    heap.free(block).expect("free failed");
    checked(heap);
}

fn fill(block: NonNull<u8>, len: usize, byte: u8) {
    // SAFETY: tests only fill blocks they own, within the requested size.
    unsafe { block.as_ptr().write_bytes(byte, len) };
}

fn holds(block: NonNull<u8>, len: usize, byte: u8) -> bool {
    // SAFETY: as for `fill`.
    unsafe { std::slice::from_raw_parts(block.as_ptr(), len) }.iter().all(|&b| b == byte)
}

#[test]
fn blocks_are_aligned_distinct_and_large_enough() {
    let mut heap = Heap::new();
    let sizes = [1, 8, 16, 24, 25, 100, 255, 256, 257, 1000, 4096, 70_000];
    let blocks: Vec<_> = sizes.iter().map(|&size| (alloc(&mut heap, size), size)).collect();
    for (i, &(block, size)) in blocks.iter().enumerate() {
        assert_eq!(addr(block) % 16, 0, "block of {size} bytes is not 16-aligned");
        fill(block, size, i as u8);
        let owner = heap.owner_of(addr(block)).expect("allocated block has an owner");
        assert_eq!(owner.start, block);
        assert!(owner.size >= size && owner.size < size.max(24) + 16);
    }
    for (i, &(block, size)) in blocks.iter().enumerate() {
        assert!(holds(block, size, i as u8), "block {i} was overwritten");
    }
}

#[test]
fn freeing_coalesces_with_both_neighbours() {
    let mut heap = Heap::new();
    let a = alloc(&mut heap, 200);
    let b = alloc(&mut heap, 200);
    let c = alloc(&mut heap, 200);
    let _guard = alloc(&mut heap, 16);
    free(&mut heap, a);
    free(&mut heap, c);
    // a and c are separate free chunks; freeing b must merge all three, so a
    // request for their combined payload fits exactly where a was.
    free(&mut heap, b);
    let merged = alloc(&mut heap, 3 * 208 - 8);
    assert_eq!(merged, a);
}

#[test]
fn freeing_next_to_the_top_merges_into_it() {
    let mut heap = Heap::new();
    let a = alloc(&mut heap, 100);
    let b = alloc(&mut heap, 100);
    free(&mut heap, b);
    free(&mut heap, a);
    // Everything merged back into the top: the next request starts at `a` again.
    assert_eq!(alloc(&mut heap, 5000), a);
}

#[test]
fn split_remainders_are_reused() {
    let mut heap = Heap::new();
    let big = alloc(&mut heap, 1000);
    let _guard = alloc(&mut heap, 16);
    free(&mut heap, big);
    let first = alloc(&mut heap, 400);
    let second = alloc(&mut heap, 400);
    assert_eq!(first, big, "the request is carved from the front of the free chunk");
    assert_eq!(addr(second), addr(first) + 416, "the remainder serves the next request");
}

#[test]
fn the_top_grows_on_demand_and_new_segments_follow() {
    let mut heap = Heap::new();
    let first = alloc(&mut heap, 100);
    let mapped_at_start = heap.stats().mapped_bytes;
    assert!(mapped_at_start < 256 << 10, "a fresh heap commits little: {mapped_at_start}");
    // 10 MB of 200 KiB blocks: more than two 4 MiB segments.
    let blocks: Vec<_> = (0..50).map(|_| heap.alloc(200 << 10).unwrap()).collect();
    checked(&mut heap);
    let stats = heap.stats();
    assert!(stats.mapped_bytes > 50 * (200 << 10));
    assert!(stats.mapped_bytes < (10 << 20) + (1 << 20), "mapped {} for 10 MB", stats.mapped_bytes);
    for block in blocks {
        heap.free(block).unwrap();
    }
    checked(&mut heap);
    free(&mut heap, first);
}

#[test]
fn a_large_free_top_is_trimmed_back_to_the_os() {
    let trim_threshold = 128 << 10;
    let mut heap = Heap::with_config(HeapConfig { trim_threshold, ..HeapConfig::default() });
    let blocks: Vec<_> = (0..1000).map(|_| heap.alloc(3000).unwrap()).collect();
    let grown = heap.stats().mapped_bytes;
    assert!(grown > 3_000_000);
    for block in blocks.into_iter().rev() {
        heap.free(block).unwrap();
    }
    checked(&mut heap);
    let trimmed = heap.stats();
    // What remains: the segment header and bitmap, and a top of at most the threshold.
    assert!(trimmed.mapped_bytes < trim_threshold + (64 << 10), "top not trimmed: {} mapped", trimmed.mapped_bytes);
    assert_eq!(trimmed.peak_mapped_bytes, grown);
}

#[test]
fn huge_requests_get_their_own_mapping_and_unmap_on_free() {
    let mut heap = Heap::new();
    let small = alloc(&mut heap, 64);
    let before = heap.stats().mapped_bytes;
    let huge = alloc(&mut heap, HeapConfig::DEFAULT_HUGE_THRESHOLD);
    let with_huge = heap.stats().mapped_bytes;
    assert!(with_huge - before >= HeapConfig::DEFAULT_HUGE_THRESHOLD);
    assert!(with_huge - before < HeapConfig::DEFAULT_HUGE_THRESHOLD + 8192);
    fill(huge, HeapConfig::DEFAULT_HUGE_THRESHOLD, 0xAB);
    let interior = addr(huge) + 100_000;
    assert_eq!(heap.owner_of(interior).map(|b| b.start), Some(huge));
    free(&mut heap, huge);
    assert_eq!(heap.stats().mapped_bytes, before);
    assert_eq!(heap.owner_of(interior), None);
    free(&mut heap, small);
}

#[test]
fn the_huge_threshold_is_configurable() {
    let mut heap = Heap::with_config(HeapConfig { huge_threshold: 8192, ..HeapConfig::default() });
    let before = heap.stats().mapped_bytes;
    let block = alloc(&mut heap, 10_000);
    assert!(heap.stats().mapped_bytes - before >= 10_000, "10 000 bytes went to a segment");
    free(&mut heap, block);
}

#[test]
fn aligned_requests_are_aligned_in_segments_and_huge_mappings() {
    let mut heap = Heap::new();
    let _skew = alloc(&mut heap, 40);
    for align in [32, 64, 256, 4096, 65536] {
        let block = heap.alloc_aligned(300, align).unwrap();
        checked(&mut heap);
        assert_eq!(addr(block) % align, 0, "alignment {align}");
        fill(block, 300, 7);
        let huge = heap.alloc_aligned(300 << 10, align).unwrap();
        assert_eq!(addr(huge) % align, 0, "huge alignment {align}");
        free(&mut heap, huge);
        free(&mut heap, block);
    }
    assert_eq!(heap.alloc_aligned(8, 24), Err(AllocError::InvalidAlignment { align: 24 }));
}

#[test]
fn realloc_grows_and_shrinks_in_place_when_it_can() {
    let mut heap = Heap::new();
    let block = alloc(&mut heap, 100);
    fill(block, 100, 3);
    // The block borders the top, so it can grow into it.
    let grown = heap.realloc(block, 5000).unwrap();
    checked(&mut heap);
    assert_eq!(grown, block);
    assert!(holds(grown, 100, 3));
    let shrunk = heap.realloc(grown, 50).unwrap();
    checked(&mut heap);
    assert_eq!(shrunk, block);
    assert!(heap.owner_of(addr(block)).unwrap().size < 100);

    // A block followed by a free chunk grows into that chunk.
    let a = alloc(&mut heap, 100);
    let b = alloc(&mut heap, 300);
    let _guard = alloc(&mut heap, 16);
    free(&mut heap, b);
    assert_eq!(heap.realloc(a, 350).unwrap(), a);
    checked(&mut heap);
    let stats = heap.stats();
    assert_eq!(stats.reallocations, 3);
}

#[test]
fn realloc_moves_when_boxed_in_and_keeps_the_contents() {
    let mut heap = Heap::new();
    let a = alloc(&mut heap, 100);
    fill(a, 100, 9);
    let _guard = alloc(&mut heap, 16);
    let moved = heap.realloc(a, 1000).unwrap();
    checked(&mut heap);
    assert_ne!(moved, a);
    assert!(holds(moved, 100, 9));
    assert_eq!(heap.free(a), Err(AllocError::DoubleFree { addr: addr(a) }), "the old block was freed");
    // Growing a boxed-in block past the huge threshold moves it to a mapping.
    // (The guard is too big for the free chunk `a` left behind.)
    let _guard = alloc(&mut heap, 500);
    let huge = heap.realloc(moved, 1 << 20).unwrap();
    checked(&mut heap);
    assert!(holds(huge, 100, 9));
    assert!(heap.stats().mapped_bytes > 1 << 20);
    // Shrinking a huge block to a fraction of its mapping moves it back.
    let small = heap.realloc(huge, 64).unwrap();
    checked(&mut heap);
    assert!(holds(small, 64, 9));
    let stats = heap.stats();
    assert!(stats.mapped_bytes < 1 << 20);
    assert_eq!((stats.allocations, stats.frees, stats.reallocations), (6, 3, 3));
}

#[test]
fn owner_of_maps_interior_addresses_to_their_block_and_nothing_else() {
    let mut heap = Heap::new();
    let a = alloc(&mut heap, 100);
    let b = alloc(&mut heap, 1000);
    let c = alloc(&mut heap, 40);
    for offset in [0, 1, 50, 99, 103] {
        let owner = heap.owner_of(addr(b) + offset).unwrap();
        assert_eq!((owner.start, owner.size), (b, 1000));
    }
    assert_eq!(heap.owner_of(addr(b) - 8), None, "a header word belongs to no block");
    assert_eq!(heap.owner_of(addr(a) + 50).unwrap().start, a);
    free(&mut heap, b);
    assert_eq!(heap.owner_of(addr(b) + 10), None, "freed memory belongs to no block");
    assert_eq!(heap.owner_of(addr(c) + 2000), None, "the top belongs to no block");
    let local = 5u64;
    assert_eq!(heap.owner_of(&local as *const u64 as usize), None, "a stack address is foreign");
    assert_eq!(heap.owner_of(0), None);
    assert_eq!(heap.owner_of(usize::MAX), None);
    let mut other = Heap::new();
    let theirs = alloc(&mut other, 100);
    assert_eq!(heap.owner_of(addr(theirs)), None, "another heap's block is foreign");
}

#[test]
fn bad_requests_and_bad_pointers_are_reported() {
    let mut heap = Heap::new();
    assert_eq!(heap.alloc(0), Err(AllocError::ZeroSize));
    assert_eq!(heap.alloc(usize::MAX), Err(AllocError::TooLarge { size: usize::MAX }));
    assert!(matches!(heap.alloc(1 << 60), Err(AllocError::OutOfMemory { .. })));
    let block = alloc(&mut heap, 100);
    let interior = NonNull::new(block.as_ptr().wrapping_add(16)).unwrap();
    assert_eq!(heap.free(interior), Err(AllocError::InteriorPointer { addr: addr(interior), start: addr(block) }));
    assert_eq!(heap.realloc(block, 0), Err(AllocError::ZeroSize));
    free(&mut heap, block);
    assert_eq!(heap.free(block), Err(AllocError::DoubleFree { addr: addr(block) }));
    assert_eq!(heap.realloc(block, 10), Err(AllocError::DoubleFree { addr: addr(block) }));
    let mut local = 0u64;
    let foreign = NonNull::from(&mut local).cast::<u8>();
    assert_eq!(heap.free(foreign), Err(AllocError::ForeignPointer { addr: addr(foreign) }));
    let mut other = Heap::new();
    let theirs = alloc(&mut other, 100);
    assert_eq!(heap.free(theirs), Err(AllocError::ForeignPointer { addr: addr(theirs) }));
    let huge = alloc(&mut heap, 300 << 10);
    free(&mut heap, huge);
    assert_eq!(heap.free(huge), Err(AllocError::ForeignPointer { addr: addr(huge) }), "unmapped");
    checked(&mut heap);
    assert_eq!(heap.stats().live_blocks(), 0);
    let message = AllocError::DoubleFree { addr: 0x1000 }.to_string();
    assert!(message.contains("0x1000") && message.contains("double free"), "{message}");
}

#[test]
fn statistics_follow_the_program() {
    let mut heap = Heap::with_policy(Policy::FirstFit);
    let a = alloc(&mut heap, 100);
    let b = alloc(&mut heap, 1000);
    let stats = heap.stats();
    assert_eq!((stats.allocations, stats.frees, stats.requested_bytes), (2, 0, 1100));
    assert_eq!(stats.live_bytes, 104 + 1000);
    assert_eq!(stats.peak_live_bytes, stats.live_bytes);
    assert!(stats.mapped_bytes >= stats.live_bytes);
    let fragmentation = stats.fragmentation();
    assert!((0.0..1.0).contains(&fragmentation));
    assert_eq!(fragmentation, (stats.mapped_bytes - stats.live_bytes) as f64 / stats.mapped_bytes as f64);
    free(&mut heap, b);
    let stats = heap.stats();
    assert_eq!((stats.frees, stats.live_bytes, stats.peak_live_bytes), (1, 104, 1104));
    assert_eq!(stats.live_blocks(), 1);
    free(&mut heap, a);
    assert_eq!(heap.stats().live_bytes, 0);
}

#[test]
fn check_heap_catches_a_write_after_free() {
    let mut heap = Heap::new();
    let a = alloc(&mut heap, 200);
    let b = alloc(&mut heap, 200);
    let _c = alloc(&mut heap, 200);
    free(&mut heap, b);
    // The program writes through a dangling pointer over b's footer.
    // SAFETY: the write stays inside memory the heap owns (b's old chunk).
    unsafe { (b.as_ptr().add(192) as *mut usize).write(12345) };
    assert!(matches!(heap.check_heap(), Err(Corruption::FooterMismatch { .. })));
    // SAFETY: as above; restore the footer (b's chunk is 208 bytes).
    unsafe { (b.as_ptr().add(192) as *mut usize).write(208) };
    checked(&mut heap);
    // Clobbering an allocated chunk's header is caught by the walk too.
    // SAFETY: a's header word lies in heap memory.
    unsafe { (a.as_ptr().sub(8) as *mut usize).write(0x10_0003) };
    assert!(heap.check_heap().is_err());
}
