//! The fixed-size pool: constant-time blocks, exhaustion, and bad frees.

use std::collections::HashSet;
use std::ptr::NonNull;

use berth_alloc::{AllocError, Pool};

fn addr(ptr: NonNull<u8>) -> usize {
    ptr.as_ptr() as usize
}

#[test]
fn blocks_are_aligned_distinct_and_rounded_up() {
    let mut pool = Pool::new(40, 100).unwrap();
    assert_eq!((pool.block_size(), pool.capacity(), pool.in_use()), (48, 100, 0));
    let blocks: Vec<_> = (0..100).map(|_| pool.alloc().unwrap()).collect();
    assert_eq!(pool.in_use(), 100);
    let distinct: HashSet<_> = blocks.iter().map(|&b| addr(b)).collect();
    assert_eq!(distinct.len(), 100);
    for (i, &block) in blocks.iter().enumerate() {
        assert_eq!(addr(block) % 16, 0);
        // SAFETY: each block is 48 bytes and owned by the test.
        unsafe { block.as_ptr().write_bytes(i as u8, 48) };
    }
    for (i, &block) in blocks.iter().enumerate() {
        // SAFETY: as above.
        let bytes = unsafe { std::slice::from_raw_parts(block.as_ptr(), 48) };
        assert!(bytes.iter().all(|&b| b == i as u8), "block {i} overlaps another");
    }
}

#[test]
fn exhaustion_is_an_error_and_freed_blocks_come_back_lifo() {
    let mut pool = Pool::new(64, 3).unwrap();
    let a = pool.alloc().unwrap();
    let b = pool.alloc().unwrap();
    let c = pool.alloc().unwrap();
    assert_eq!(pool.alloc(), Err(AllocError::PoolExhausted { capacity: 3 }));
    pool.free(b).unwrap();
    pool.free(a).unwrap();
    assert_eq!(pool.alloc().unwrap(), a);
    assert_eq!(pool.alloc().unwrap(), b);
    assert_eq!(pool.in_use(), 3);
    pool.free(c).unwrap();
    assert_eq!(pool.in_use(), 2);
}

#[test]
fn bad_frees_are_reported() {
    let mut pool = Pool::new(32, 10).unwrap();
    let block = pool.alloc().unwrap();
    let interior = NonNull::new(block.as_ptr().wrapping_add(8)).unwrap();
    assert_eq!(pool.free(interior), Err(AllocError::InteriorPointer { addr: addr(interior), start: addr(block) }));
    let never_allocated = NonNull::new(block.as_ptr().wrapping_add(64)).unwrap();
    assert_eq!(pool.free(never_allocated), Err(AllocError::DoubleFree { addr: addr(never_allocated) }));
    pool.free(block).unwrap();
    assert_eq!(pool.free(block), Err(AllocError::DoubleFree { addr: addr(block) }));
    let mut local = 0u64;
    let foreign = NonNull::from(&mut local).cast::<u8>();
    assert_eq!(pool.free(foreign), Err(AllocError::ForeignPointer { addr: addr(foreign) }));
    let past_the_end = NonNull::new(block.as_ptr().wrapping_add(32 * 10)).unwrap();
    assert_eq!(pool.free(past_the_end), Err(AllocError::ForeignPointer { addr: addr(past_the_end) }));
    assert_eq!(pool.in_use(), 0);
}

#[test]
fn bad_configurations_are_reported() {
    assert!(matches!(Pool::new(0, 10), Err(AllocError::ZeroSize)));
    assert!(matches!(Pool::new(16, 0), Err(AllocError::ZeroSize)));
    assert!(matches!(Pool::new(usize::MAX, 2), Err(AllocError::TooLarge { .. })));
    assert!(matches!(Pool::new(1 << 40, 1 << 20), Err(AllocError::TooLarge { .. } | AllocError::OutOfMemory { .. })));
}

#[test]
fn a_million_operations_keep_the_pool_consistent() {
    let mut pool = Pool::new(64, 1024).unwrap();
    let mut live = Vec::new();
    let mut state = 0x1234_5678_u64;
    for _ in 0..1_000_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if live.is_empty() || (!state.is_multiple_of(3) && live.len() < 1024) {
            live.push(pool.alloc().unwrap());
        } else {
            let victim = live.swap_remove(state as usize % live.len());
            pool.free(victim).unwrap();
        }
    }
    assert_eq!(pool.in_use(), live.len());
}
