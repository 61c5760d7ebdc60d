//! Model-based property test: random alloc / free / realloc / owner_of
//! sequences replayed against a simple model (a list of live blocks and the
//! byte each is filled with), for every policy of `Heap` and for the
//! thread-safe `SharedHeap`. After every operation the heap must pass
//! `check_heap`, its statistics must match the model, and the blocks the
//! operation touched must still hold their bytes; at the end every block is
//! checked, so one block overwriting another is caught.

use std::ptr::NonNull;

use berth_alloc::{AllocError, Block, Corruption, Heap, Policy, SharedHeap, Stats};
use proptest::prelude::*;

/// The operations the model test drives, common to `Heap` and `SharedHeap`.
trait Allocator {
    fn alloc(&mut self, size: usize) -> Result<NonNull<u8>, AllocError>;
    fn free(&mut self, block: NonNull<u8>) -> Result<(), AllocError>;
    fn realloc(&mut self, block: NonNull<u8>, size: usize) -> Result<NonNull<u8>, AllocError>;
    fn owner_of(&mut self, addr: usize) -> Option<Block>;
    fn check_heap(&mut self) -> Result<(), Corruption>;
    fn stats(&mut self) -> Stats;
}

impl Allocator for Heap {
    fn alloc(&mut self, size: usize) -> Result<NonNull<u8>, AllocError> {
        Heap::alloc(self, size)
    }
    fn free(&mut self, block: NonNull<u8>) -> Result<(), AllocError> {
        Heap::free(self, block)
    }
    fn realloc(&mut self, block: NonNull<u8>, size: usize) -> Result<NonNull<u8>, AllocError> {
        Heap::realloc(self, block, size)
    }
    fn owner_of(&mut self, addr: usize) -> Option<Block> {
        Heap::owner_of(self, addr)
    }
    fn check_heap(&mut self) -> Result<(), Corruption> {
        Heap::check_heap(self)
    }
    fn stats(&mut self) -> Stats {
        Heap::stats(self)
    }
}

impl Allocator for &'static SharedHeap {
    fn alloc(&mut self, size: usize) -> Result<NonNull<u8>, AllocError> {
        SharedHeap::alloc(self, size)
    }
    fn free(&mut self, block: NonNull<u8>) -> Result<(), AllocError> {
        SharedHeap::free(self, block)
    }
    fn realloc(&mut self, block: NonNull<u8>, size: usize) -> Result<NonNull<u8>, AllocError> {
        SharedHeap::realloc(self, block, size)
    }
    fn owner_of(&mut self, addr: usize) -> Option<Block> {
        SharedHeap::owner_of(self, addr)
    }
    fn check_heap(&mut self) -> Result<(), Corruption> {
        SharedHeap::check_heap(self)
    }
    fn stats(&mut self) -> Stats {
        SharedHeap::stats(self)
    }
}

#[derive(Clone, Debug)]
enum Op {
    Alloc(usize),
    Free(usize),
    Realloc(usize, usize),
    OwnerOf(usize, usize),
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        8 => 1usize..=256,
        4 => 257usize..=4096,
        1 => 4097usize..=70_000,
        1 => 250_000usize..=300_000,
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        5 => size().prop_map(Op::Alloc),
        3 => any::<usize>().prop_map(Op::Free),
        2 => (any::<usize>(), size()).prop_map(|(i, size)| Op::Realloc(i, size)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, offset)| Op::OwnerOf(i, offset)),
    ];
    prop::collection::vec(op, 1..300)
}

struct Live {
    block: NonNull<u8>,
    size: usize,
    /// What `owner_of` says the block holds; the statistics count this.
    usable: usize,
    tag: u8,
}

fn fill(block: NonNull<u8>, size: usize, tag: u8) {
    // SAFETY: the model only fills blocks it owns, within their size.
    unsafe { block.as_ptr().write_bytes(tag, size) };
}

fn holds(block: NonNull<u8>, size: usize, tag: u8) -> bool {
    let expected = [tag; 4096];
    // SAFETY: as for `fill`.
    let bytes = unsafe { std::slice::from_raw_parts(block.as_ptr(), size) };
    bytes.chunks(expected.len()).all(|chunk| chunk == &expected[..chunk.len()])
}

fn addr(block: NonNull<u8>) -> usize {
    block.as_ptr() as usize
}

/// Replays `ops`, checking the heap against the model after each one.
fn replay(heap: &mut impl Allocator, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut live: Vec<Live> = Vec::new();
    let (mut allocations, mut frees, mut requested, mut next_tag) = (0u64, 0u64, 0u64, 0u8);
    let mut tag = || {
        next_tag = next_tag.wrapping_add(1);
        next_tag
    };
    for op in ops {
        match *op {
            Op::Alloc(size) => {
                let block = heap.alloc(size).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(addr(block) % 16, 0);
                let owner = heap.owner_of(addr(block));
                prop_assert!(owner.is_some_and(|o| o.start == block && o.size >= size));
                let tag = tag();
                fill(block, size, tag);
                live.push(Live { block, size, usable: owner.map_or(0, |o| o.size), tag });
                allocations += 1;
                requested += size as u64;
            }
            Op::Free(i) if !live.is_empty() => {
                let victim = live.swap_remove(i % live.len());
                prop_assert!(holds(victim.block, victim.size, victim.tag), "block overwritten");
                heap.free(victim.block).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let again = heap.free(victim.block);
                prop_assert!(
                    matches!(again, Err(AllocError::DoubleFree { .. } | AllocError::ForeignPointer { .. })),
                    "second free gave {:?}",
                    again
                );
                frees += 1;
            }
            Op::Realloc(i, size) if !live.is_empty() => {
                let index = i % live.len();
                let Live { block, size: old_size, tag: old_tag, .. } = live[index];
                prop_assert!(holds(block, old_size, old_tag), "block overwritten");
                let moved = heap.realloc(block, size).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(holds(moved, old_size.min(size), old_tag), "realloc lost contents");
                let owner = heap.owner_of(addr(moved));
                prop_assert!(owner.is_some_and(|o| o.start == moved && o.size >= size));
                let tag = tag();
                fill(moved, size, tag);
                live[index] = Live { block: moved, size, usable: owner.map_or(0, |o| o.size), tag };
                requested += size as u64;
                if moved != block {
                    allocations += 1;
                    frees += 1;
                }
            }
            Op::OwnerOf(i, offset) if !live.is_empty() => {
                let probe = &live[i % live.len()];
                let owner = heap.owner_of(addr(probe.block) + offset % probe.size);
                prop_assert_eq!(owner.map(|o| o.start), Some(probe.block));
            }
            _ => {}
        }
        heap.check_heap().map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        let stats = heap.stats();
        prop_assert_eq!((stats.allocations, stats.frees), (allocations, frees));
        prop_assert_eq!(stats.requested_bytes, requested);
        prop_assert_eq!(stats.live_bytes, live.iter().map(|l| l.usable).sum::<usize>());
        prop_assert!(stats.peak_live_bytes >= stats.live_bytes && stats.mapped_bytes >= stats.live_bytes);
    }
    for entry in live.drain(..) {
        prop_assert!(holds(entry.block, entry.size, entry.tag), "block overwritten");
        heap.free(entry.block).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    heap.check_heap().map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(heap.stats().live_bytes, 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn heap_matches_the_model(policy in prop::sample::select(Policy::ALL.to_vec()), ops in ops()) {
        replay(&mut Heap::with_policy(policy), &ops)?;
    }

    #[test]
    fn shared_heap_matches_the_model(ops in ops()) {
        let mut heap: &'static SharedHeap = Box::leak(Box::new(SharedHeap::new()));
        replay(&mut heap, &ops)?;
    }
}
