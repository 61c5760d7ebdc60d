//! The process-wide page map: from any address to the region (segment or
//! huge block) that owns its page.
//!
//! `free` and `owner_of` receive arbitrary addresses, and reading a header
//! at a guessed address could fault or read another program's data. Every
//! address is therefore looked up here first. The map is a two-level radix
//! table over 48-bit addresses at 4 KiB granularity, as in jemalloc's rtree:
//! a static root of 2^18 leaf pointers (BSS, so untouched parts cost no
//! memory) and leaves of 2^18 entries mapped on first use and never freed.
//! Entries are atomics written only while a region is created or destroyed,
//! so lookups never lock.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use crate::os;

/// What kind of memory a region is; tells `block.rs` which header follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum RegionKind {
    Segment,
    Huge,
}

/// The first field of every segment and huge-block header: who owns it.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct Region {
    pub(crate) kind: RegionKind,
    /// Arena index inside the owning `SharedHeap` (0 for a standalone heap).
    pub(crate) arena: u32,
    /// Unique id of the owning `Heap`.
    pub(crate) heap_id: u64,
    /// Address of the owning `SharedHeap`, or 0 for a standalone heap.
    pub(crate) shared: usize,
}

/// The identity a heap stamps on its regions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Owner {
    pub(crate) arena: u32,
    pub(crate) heap_id: u64,
    pub(crate) shared: usize,
}

impl Owner {
    pub(crate) fn region(self, kind: RegionKind) -> Region {
        Region { kind, arena: self.arena, heap_id: self.heap_id, shared: self.shared }
    }
}

const GRANULE_SHIFT: u32 = 12;
const ADDRESS_BITS: u32 = 48;
const LEAF_BITS: u32 = 18;
const ROOT_BITS: u32 = ADDRESS_BITS - GRANULE_SHIFT - LEAF_BITS;
const LEAF_ENTRIES: usize = 1 << LEAF_BITS;
const LEAF_BYTES: usize = LEAF_ENTRIES * size_of::<AtomicUsize>();

static ROOT: [AtomicPtr<AtomicUsize>; 1 << ROOT_BITS] = [const { AtomicPtr::new(ptr::null_mut()) }; 1 << ROOT_BITS];

/// Root and leaf index of the granule holding `addr`, if the map covers it.
#[inline(always)]
fn split(addr: usize) -> Option<(usize, usize)> {
    if addr >> ADDRESS_BITS != 0 {
        return None;
    }
    let granule = addr >> GRANULE_SHIFT;
    Some((granule >> LEAF_BITS, granule & (LEAF_ENTRIES - 1)))
}

/// The region owning `addr`, or None if no live region of this crate does.
#[inline(always)]
pub(crate) fn lookup(addr: usize) -> Option<ptr::NonNull<Region>> {
    let (root, index) = split(addr)?;
    let leaf = ROOT[root].load(Ordering::Acquire);
    if leaf.is_null() {
        return None;
    }
    // SAFETY: leaves are never freed and hold LEAF_ENTRIES entries.
    let entry = unsafe { &*leaf.add(index) }.load(Ordering::Acquire);
    ptr::NonNull::new(entry as *mut Region)
}

/// The leaf for root slot `root`, mapping it on first use.
fn leaf(root: usize) -> Option<*mut AtomicUsize> {
    let existing = ROOT[root].load(Ordering::Acquire);
    if !existing.is_null() {
        return Some(existing);
    }
    let fresh = os::map(LEAF_BYTES)? as *mut AtomicUsize;
    match ROOT[root].compare_exchange(ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => Some(fresh),
        Err(winner) => {
            // SAFETY: `fresh` was mapped above and never published.
            unsafe { os::unmap(fresh as usize, LEAF_BYTES) };
            Some(winner)
        }
    }
}

fn set_range(start: usize, len: usize, value: usize) -> bool {
    let last = start + len - 1;
    if split(last).is_none() {
        return false;
    }
    for granule in (start >> GRANULE_SHIFT)..=(last >> GRANULE_SHIFT) {
        let Some(leaf) = leaf(granule >> LEAF_BITS) else {
            return false;
        };
        // SAFETY: the index is masked to the leaf's length.
        unsafe { &*leaf.add(granule & (LEAF_ENTRIES - 1)) }.store(value, Ordering::Release);
    }
    true
}

/// Records `region` as the owner of `[start, start + len)`. Fails if the
/// range lies above the 48-bit space the map covers or a leaf can't be mapped;
/// the caller then gives the memory back and reports out-of-memory.
///
/// The region header must be fully written first: lookups may read it as
/// soon as this stores the first entry.
pub(crate) fn register(start: usize, len: usize, region: ptr::NonNull<Region>) -> bool {
    set_range(start, len, region.as_ptr() as usize) || {
        unregister(start, len);
        false
    }
}

/// Forgets `[start, start + len)`; call before unmapping it.
pub(crate) fn unregister(start: usize, len: usize) {
    // Clearing can only fail where registering failed first, which left
    // nothing to clear.
    let _ = set_range(start, len, 0);
}
