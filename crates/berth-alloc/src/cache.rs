//! Per-thread caches of small blocks: the lock-free fast path of
//! [`SharedHeap`](crate::SharedHeap), after glibc's tcache.
//!
//! For each chunk size up to 1 KiB a thread keeps a LIFO list of blocks that
//! are free for the program but still allocated as far as their arena is
//! concerned. Allocation pops and free pushes without any lock or atomic
//! read-modify-write. A cache accepts blocks from any arena: a block freed
//! on another thread than the one that allocated it waits in the freeing
//! thread's cache and goes back to *its own* arena (found through the page
//! map) when that cache overflows, is flushed, or its thread exits.

use std::cell::UnsafeCell;
use std::ptr;

use crate::chunk::{ALIGNMENT, Chunk, MIN_CHUNK, WORD};
use crate::shared::SharedHeap;
use crate::stats::Counters;

/// Largest chunk size kept in caches.
pub(crate) const MAX_CACHED: usize = 1024;
const CLASSES: usize = (MAX_CACHED - MIN_CHUNK) / ALIGNMENT + 1;
/// Written into the second word of every cached block, so a second free of
/// a cached block is caught by one comparison instead of a search. A
/// program would have to store exactly this value in a live block's second
/// word to be mistaken for a double free.
const CACHED_KEY: usize = 0x9E37_79B9_7F4A_7C15;

/// The cache class of a chunk size, if blocks of that size are cached.
#[inline]
pub(crate) fn class_of(chunk_size: usize) -> Option<usize> {
    (chunk_size <= MAX_CACHED).then(|| (chunk_size - MIN_CHUNK) / ALIGNMENT)
}

/// The chunk size of a cache class.
pub(crate) const fn class_size(class: usize) -> usize {
    MIN_CHUNK + class * ALIGNMENT
}

/// How many blocks a class holds: about 8 KiB worth, at least 8, at most
/// 64. A table, because a division on every free would show.
const CAPACITY: [u8; CLASSES] = {
    let mut table = [0; CLASSES];
    let mut class = 0;
    while class < CLASSES {
        let blocks = 8192 / class_size(class);
        table[class] = if blocks < 8 {
            8
        } else if blocks > 64 {
            64
        } else {
            blocks as u8
        };
        class += 1;
    }
    table
};

#[inline]
pub(crate) fn capacity(class: usize) -> usize {
    CAPACITY[class] as usize
}

/// Whether the block with payload `payload` carries the cached marker.
///
/// # Safety
/// `payload` must be an allocated block of at least two words.
#[inline]
pub(crate) unsafe fn is_cached(payload: usize) -> bool {
    // SAFETY: per the contract.
    unsafe { (payload as *const usize).add(1).read() == CACHED_KEY }
}

/// Clears the cached marker from a block about to be handed to the program,
/// so its later free is not taken for a double free. Every block handed out
/// passes here: memory that once held a cached block can be carved again at
/// the same address with the marker still in place.
///
/// # Safety
/// `payload` must be an allocated block of at least two words.
#[inline]
pub(crate) unsafe fn unmark(payload: usize) {
    // SAFETY: per the contract.
    unsafe { (payload as *mut usize).add(1).write(0) };
}

#[derive(Clone, Copy)]
struct List {
    head: usize,
    len: usize,
}

/// One thread's cache, bound to one `SharedHeap` at a time.
pub(crate) struct ThreadCache {
    owner: Option<&'static SharedHeap>,
    /// The arena this thread allocates from.
    pub(crate) arena: usize,
    lists: [List; CLASSES],
    /// Operations served by the cache, not yet folded into the heap's totals.
    pub(crate) counters: Counters,
}

/// Blocks detached from a cache list. The link is read before a block is
/// yielded, because freeing the block overwrites it.
pub(crate) struct Detached(usize);

impl Detached {
    /// The list headed by `first`, a null-terminated list of cached blocks.
    pub(crate) fn new(first: usize) -> Detached {
        Detached(first)
    }

    /// The first block, without consuming the list.
    pub(crate) fn head(&self) -> usize {
        self.0
    }
}

impl Iterator for Detached {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let block = self.0;
        if block == 0 {
            return None;
        }
        // SAFETY: detached blocks are cached blocks, whose first word links the list.
        self.0 = unsafe { (block as *const usize).read() };
        Some(block)
    }
}

impl ThreadCache {
    const EMPTY: ThreadCache =
        ThreadCache { owner: None, arena: 0, lists: [List { head: 0, len: 0 }; CLASSES], counters: Counters::ZERO };

    pub(crate) const CLASSES: usize = CLASSES;

    #[inline]
    pub(crate) fn is_full(&self, class: usize) -> bool {
        self.lists[class].len >= capacity(class)
    }

    /// Takes the most recently cached block of `class`.
    #[inline]
    pub(crate) fn pop(&mut self, class: usize) -> Option<usize> {
        let list = &mut self.lists[class];
        if list.head == 0 {
            return None;
        }
        let block = list.head;
        // SAFETY: cached blocks are allocated chunks whose first word links the list.
        list.head = unsafe { (block as *const usize).read() };
        list.len -= 1;
        Some(block)
    }

    /// Caches block `payload` of `class`; the caller checks `is_full` first.
    ///
    /// # Safety
    /// `payload` must be an allocated block of chunk size `class_size(class)`
    /// that nobody else uses.
    #[inline]
    pub(crate) unsafe fn push(&mut self, class: usize, payload: usize) {
        let list = &mut self.lists[class];
        // SAFETY: per the contract the block is ours and two words long.
        unsafe {
            (payload as *mut usize).write(list.head);
            (payload as *mut usize).add(1).write(CACHED_KEY);
        }
        list.head = payload;
        list.len += 1;
    }

    /// Detaches all but the `keep` most recent blocks of `class`.
    pub(crate) fn detach(&mut self, class: usize, keep: usize) -> Detached {
        let list = &mut self.lists[class];
        if list.len <= keep {
            return Detached(0);
        }
        let detached = if keep == 0 {
            std::mem::replace(&mut list.head, 0)
        } else {
            let last_kept = Detached(list.head).nth(keep - 1).unwrap_or(0);
            // SAFETY: `last_kept` is a cached block (len > keep), so its first word is a link.
            unsafe { std::mem::replace(&mut *(last_kept as *mut usize), 0) }
        };
        list.len = keep;
        Detached(detached)
    }
}

impl ThreadCache {
    /// Makes a batch of cached blocks handed back to this thread's arena
    /// part of the cache list of its class, if that list has room for all
    /// of it.
    ///
    /// # Safety
    /// `batch` must be a null-terminated list of cached blocks of one cache
    /// class that nobody else uses.
    pub(crate) unsafe fn adopt(&mut self, batch: Detached) -> bool {
        let first = batch.head();
        // The first block names the class; a full list is seen without a walk.
        // SAFETY: cached blocks are allocated chunks with committed headers.
        let Some(class) = class_of(unsafe { Chunk::from_payload(first).size() }) else {
            return false;
        };
        if self.is_full(class) {
            return false;
        }
        let (mut tail, mut len, mut smallest) = (first, 0, usize::MAX);
        for block in batch {
            // SAFETY: cached blocks are allocated chunks with committed headers.
            smallest = smallest.min(unsafe { Chunk::from_payload(block).size() });
            (tail, len) = (block, len + 1);
        }
        // A list may hold chunks larger than its class (see `hand_out`), so
        // the batch's class is that of its smallest chunk.
        let list = &mut self.lists[class];
        if class_of(smallest) != Some(class) || list.len + len > capacity(class) {
            return false;
        }
        // SAFETY: `tail` is a cached block, whose first word is its link.
        unsafe { (tail as *mut usize).write(list.head) };
        list.head = first;
        list.len += len;
        true
    }
}

struct Slot(UnsafeCell<ThreadCache>);

impl Drop for Slot {
    fn drop(&mut self) {
        let cache = self.0.get_mut();
        if let Some(owner) = cache.owner.take() {
            owner.drain_cache(cache);
        }
    }
}

thread_local! {
    static SLOT: Slot = const { Slot(UnsafeCell::new(ThreadCache::EMPTY)) };
}

/// Runs `f` on this thread's cache, first binding the cache to `heap` (and
/// draining it into its previous heap, if any). None once the thread is
/// exiting and its cache is gone; callers then take the locked path.
#[inline(always)]
pub(crate) fn with<R>(heap: &'static SharedHeap, f: impl FnOnce(&mut ThreadCache) -> R) -> Option<R> {
    SLOT.try_with(|slot| {
        // SAFETY: only this thread can reach its slot, and no code run by `f`
        // (or `drain_cache`) calls `with` again: the heap never allocates
        // through the global allocator, so there is no re-entry. Signal
        // handlers that allocate are not supported, as with most allocators.
        let cache = unsafe { &mut *slot.0.get() };
        if !cache.owner.is_some_and(|owner| ptr::eq(owner, heap)) {
            if let Some(previous) = cache.owner.take() {
                previous.drain_cache(cache);
            }
            cache.owner = Some(heap);
            cache.arena = heap.assign_arena();
        }
        f(cache)
    })
    .ok()
}

const _: () = assert!(
    MIN_CHUNK - WORD >= 3 * WORD,
    "a cached block holds a link, the marker and (in a returned batch) a batch link"
);
