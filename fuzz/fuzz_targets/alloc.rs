//! Arbitrary operation sequences on a private `berth_alloc::Heap` (policy
//! and thresholds chosen by the input), checked against a model of the live
//! blocks, as `crates/berth-alloc/tests/model.rs` does with proptest:
//!
//! - after every operation the heap passes `check_heap` and its statistics
//!   match the model;
//! - every block is 16-aligned (or as aligned as asked), at least as large
//!   as asked, `owner_of` finds it, and it overlaps no other live block;
//! - a block's bytes (filled with a tag when it is allocated or written)
//!   are intact whenever it is read, freed or resized, and at the end;
//! - bad requests (zero size, bad alignment) and bad pointers (interior,
//!   freed, foreign) are refused with the right `AllocError` and change
//!   nothing.
//!
//! A failed check panics, which libFuzzer reports as a crash.

#![no_main]

use std::collections::BTreeMap;
use std::ptr::NonNull;

use berth_alloc::{AllocError, Heap, HeapConfig, Policy, Stats};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

/// Live requested bytes the model allows (a larger allocation is skipped),
/// so one input cannot exhaust memory or spend its time filling blocks.
const MAX_LIVE_BYTES: usize = 48 << 20;
const MAX_LIVE_BLOCKS: usize = 4096;

#[derive(Arbitrary, Debug)]
struct Input {
    config: Config,
    ops: Vec<Op>,
}

#[derive(Arbitrary, Debug)]
struct Config {
    policy: u8,
    /// The default thresholds, or these (reduced into range).
    thresholds: Option<(u32, u32)>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Size {
    /// 0..=255 bytes (0 must be refused).
    Small(u8),
    /// 0..=64 KiB.
    Medium(u16),
    /// Up to 2 MiB: past the huge threshold.
    Large(u32),
}

impl Size {
    fn bytes(self) -> usize {
        match self {
            Size::Small(n) => n as usize,
            Size::Medium(n) => n as usize,
            Size::Large(n) => n as usize % (2 << 20),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    Alloc(Size),
    /// Alignment 2^(log2 % 21), up to 1 MiB; `bad` asks for a non-power of two.
    AllocAligned {
        size: Size,
        log2: u8,
        bad: bool,
    },
    /// Frees the `index % live`-th block, then frees it again (refused).
    Free(u16),
    Realloc(u16, Size),
    /// Verifies a block's bytes and refills it with a new tag.
    Write(u16),
    /// `owner_of` an address inside (or just past) a block.
    OwnerOf(u16, u32),
    /// Frees an interior pointer of a block, or a foreign one (refused).
    BadFree(u16, u32),
    /// Verifies every block.
    VerifyAll,
}

struct Live {
    block: NonNull<u8>,
    size: usize,
    /// The usable size `owner_of` reports; the statistics count this.
    usable: usize,
    tag: u8,
}

fn addr(block: NonNull<u8>) -> usize {
    block.as_ptr() as usize
}

fn fill(block: NonNull<u8>, size: usize, tag: u8) {
    // SAFETY: only blocks the model owns are filled, within their size.
    unsafe { block.as_ptr().write_bytes(tag, size) };
}

fn holds(block: NonNull<u8>, size: usize, tag: u8) -> bool {
    // SAFETY: as for `fill`.
    let bytes = unsafe { std::slice::from_raw_parts(block.as_ptr(), size) };
    bytes.iter().all(|&b| b == tag)
}

struct Model {
    heap: Heap,
    live: Vec<Live>,
    /// Start -> end (start + usable) of every live block, to find overlaps.
    ranges: BTreeMap<usize, usize>,
    allocations: u64,
    frees: u64,
    requested: u64,
    next_tag: u8,
}

impl Model {
    fn tag(&mut self) -> u8 {
        // Never 0, so zeroed memory does not pass for a block's contents.
        self.next_tag = self.next_tag % 255 + 1;
        self.next_tag
    }

    fn live_bytes(&self) -> usize {
        self.live.iter().map(|l| l.size).sum()
    }

    fn verify(&self, i: usize, what: &str) {
        let l = &self.live[i];
        assert!(holds(l.block, l.size, l.tag), "{what}: block {:#x} ({} bytes) overwritten", addr(l.block), l.size);
    }

    /// Checks a new or moved block and adds it to the model.
    fn admit(&mut self, block: NonNull<u8>, size: usize, align: usize) -> Live {
        assert_eq!(addr(block) % align, 0, "block {:#x} not {align}-aligned", addr(block));
        let owner = self.heap.owner_of(addr(block)).expect("owner_of misses a new block");
        assert_eq!(owner.start, block, "owner_of gives another start");
        assert!(owner.size >= size, "block of {} bytes for a request of {size}", owner.size);
        let (start, end) = (addr(block), addr(block) + owner.size);
        if let Some((&s, &e)) = self.ranges.range(..end).next_back() {
            assert!(e <= start, "block {start:#x}..{end:#x} overlaps live block {s:#x}..{e:#x}");
        }
        self.ranges.insert(start, end);
        let tag = self.tag();
        fill(block, size, tag);
        Live { block, size, usable: owner.size, tag }
    }

    fn alloc(&mut self, size: usize, align: Option<usize>) {
        if self.live.len() >= MAX_LIVE_BLOCKS || self.live_bytes() + size > MAX_LIVE_BYTES {
            return;
        }
        let result = match align {
            None => self.heap.alloc(size),
            Some(align) => self.heap.alloc_aligned(size, align),
        };
        if size == 0 {
            assert_eq!(result, Err(AllocError::ZeroSize));
            return;
        }
        let block = result.unwrap_or_else(|e| panic!("alloc({size}, {align:?}) failed: {e}"));
        let entry = self.admit(block, size, align.unwrap_or(16).max(16));
        self.live.push(entry);
        self.allocations += 1;
        self.requested += size as u64;
    }

    fn free(&mut self, index: u16) {
        if self.live.is_empty() {
            return;
        }
        let i = index as usize % self.live.len();
        self.verify(i, "before free");
        let victim = self.live.swap_remove(i);
        self.ranges.remove(&addr(victim.block));
        self.heap.free(victim.block).unwrap_or_else(|e| panic!("free failed: {e}"));
        self.frees += 1;
        let again = self.heap.free(victim.block);
        assert!(
            matches!(again, Err(AllocError::DoubleFree { .. } | AllocError::ForeignPointer { .. })),
            "second free gave {again:?}"
        );
        let again = self.heap.realloc(victim.block, 16);
        assert!(
            matches!(again, Err(AllocError::DoubleFree { .. } | AllocError::ForeignPointer { .. })),
            "realloc of a freed block gave {again:?}"
        );
    }

    fn realloc(&mut self, index: u16, size: usize) {
        if self.live.is_empty() {
            return;
        }
        let i = index as usize % self.live.len();
        let (block, old_size, old_tag) = (self.live[i].block, self.live[i].size, self.live[i].tag);
        if size > old_size && self.live_bytes() + (size - old_size) > MAX_LIVE_BYTES {
            return;
        }
        self.verify(i, "before realloc");
        let result = self.heap.realloc(block, size);
        if size == 0 {
            assert_eq!(result, Err(AllocError::ZeroSize));
            self.verify(i, "after a refused realloc");
            return;
        }
        let moved = result.unwrap_or_else(|e| panic!("realloc({size}) failed: {e}"));
        assert!(holds(moved, old_size.min(size), old_tag), "realloc lost the contents");
        self.ranges.remove(&addr(block));
        self.live[i] = self.admit(moved, size, 16);
        self.requested += size as u64;
        if moved != block {
            self.allocations += 1;
            self.frees += 1;
        }
    }

    fn write(&mut self, index: u16) {
        if self.live.is_empty() {
            return;
        }
        let i = index as usize % self.live.len();
        self.verify(i, "before write");
        let tag = self.tag();
        let l = &mut self.live[i];
        l.tag = tag;
        fill(l.block, l.size, tag);
    }

    fn owner_of(&mut self, index: u16, offset: u32) {
        if self.live.is_empty() {
            return;
        }
        let l = &self.live[index as usize % self.live.len()];
        let offset = offset as usize % (l.usable + 1);
        let owner = self.heap.owner_of(addr(l.block) + offset);
        if offset < l.usable {
            assert_eq!(owner.map(|o| (o.start, o.size)), Some((l.block, l.usable)), "owner_of(+{offset})");
        } else {
            // Just past the block: the next block's header word, free
            // memory, or the next block if it starts there.
            assert!(owner.is_none_or(|o| o.start.as_ptr() as usize == addr(l.block) + offset), "owner_of(end)");
        }
    }

    fn bad_free(&mut self, index: u16, offset: u32) {
        let stats = self.heap.stats();
        if self.live.is_empty() || offset == 0 {
            let mut local = 0u64;
            let foreign = NonNull::from(&mut local).cast::<u8>();
            assert_eq!(self.heap.free(foreign), Err(AllocError::ForeignPointer { addr: addr(foreign) }));
        } else {
            let l = &self.live[index as usize % self.live.len()];
            let offset = 1 + (offset as usize - 1) % (l.usable - 1);
            let interior = NonNull::new(l.block.as_ptr().wrapping_add(offset)).unwrap();
            let expected = AllocError::InteriorPointer { addr: addr(interior), start: addr(l.block) };
            assert_eq!(self.heap.free(interior), Err(expected), "free(+{offset})");
            assert_eq!(self.heap.realloc(interior, 32), Err(expected), "realloc(+{offset})");
        }
        assert_eq!(self.heap.stats(), stats, "a refused free changed the statistics");
    }

    fn check(&mut self, op: &Op) {
        if let Err(corruption) = self.heap.check_heap() {
            panic!("after {op:?}: heap corrupted: {corruption}");
        }
        let stats: Stats = self.heap.stats();
        assert_eq!((stats.allocations, stats.frees), (self.allocations, self.frees), "after {op:?}");
        assert_eq!(stats.requested_bytes, self.requested, "after {op:?}");
        assert_eq!(stats.live_bytes, self.live.iter().map(|l| l.usable).sum::<usize>(), "after {op:?}");
        assert!(stats.peak_live_bytes >= stats.live_bytes && stats.mapped_bytes >= stats.live_bytes);
    }
}

fuzz_target!(|input: Input| {
    let policy = Policy::ALL[input.config.policy as usize % Policy::ALL.len()];
    let config = match input.config.thresholds {
        None => HeapConfig { policy, ..HeapConfig::default() },
        // Any huge threshold up to the maximum the heap accepts, and any
        // trim threshold up to 4 MiB (one segment).
        Some((huge, trim)) => HeapConfig {
            policy,
            huge_threshold: huge as usize % (HeapConfig::MAX_HUGE_THRESHOLD + 1),
            trim_threshold: trim as usize % (4 << 20),
        },
    };
    let mut model = Model {
        heap: Heap::with_config(config),
        live: Vec::new(),
        ranges: BTreeMap::new(),
        allocations: 0,
        frees: 0,
        requested: 0,
        next_tag: 0,
    };
    for op in &input.ops {
        match *op {
            Op::Alloc(size) => model.alloc(size.bytes(), None),
            Op::AllocAligned { size, log2, bad } => {
                let align = 1usize << (log2 % 21);
                if bad && align > 2 {
                    let odd = align + 1;
                    assert_eq!(
                        model.heap.alloc_aligned(size.bytes().max(1), odd),
                        Err(AllocError::InvalidAlignment { align: odd })
                    );
                } else {
                    model.alloc(size.bytes(), Some(align));
                }
            }
            Op::Free(i) => model.free(i),
            Op::Realloc(i, size) => model.realloc(i, size.bytes()),
            Op::Write(i) => model.write(i),
            Op::OwnerOf(i, offset) => model.owner_of(i, offset),
            Op::BadFree(i, offset) => model.bad_free(i, offset),
            Op::VerifyAll => (0..model.live.len()).for_each(|i| model.verify(i, "verify all")),
        }
        model.check(op);
    }
    for i in 0..model.live.len() {
        model.verify(i, "at the end");
    }
    let blocks: Vec<NonNull<u8>> = model.live.iter().map(|l| l.block).collect();
    for block in blocks {
        model.heap.free(block).unwrap_or_else(|e| panic!("final free failed: {e}"));
    }
    if let Err(corruption) = model.heap.check_heap() {
        panic!("after freeing everything: heap corrupted: {corruption}");
    }
    assert_eq!(model.heap.stats().live_bytes, 0);
});
