//! Per-thread caches of blocks that sit in front of the arenas of a
//! [`SharedHeap`](crate::SharedHeap), after glibc's tcache and Bonwick's
//! magazines.
//!
//! For each size class (`classes.rs`, chunks up to 32 KiB) a thread keeps
//! blocks that are free for the program but still allocated as far as their
//! arena is concerned, in two LIFO lists: the *loaded* magazine, which
//! allocation pops and free pushes without any lock or atomic
//! read-modify-write, and a *spare* one, either empty or full. When the
//! loaded magazine runs empty it swaps with a full spare; when it fills up
//! it becomes the spare, and the old full spare (if any) goes back to the
//! arenas whole (`exchange.rs`, `returns.rs`), without a walk to cut a list
//! in two. A refill brings a whole magazine. So a thread that alternates
//! between freeing and allocating a burst of blocks of one class moves
//! blocks in and out of its arena a magazine at a time, never one by one.
//!
//! A cache accepts blocks from any arena: a block freed on another thread
//! than the one that allocated it waits in the freeing thread's cache and
//! goes back to *its own* arena with its magazine. Each magazine records
//! the one arena all its blocks belong to (or that they are mixed), so it
//! goes back as one batch without a walk; a full magazine of another
//! arena's blocks goes back at once instead of becoming the spare.

use std::cell::UnsafeCell;
use std::ptr;

use crate::chunk::{MIN_CHUNK, WORD};
use crate::classes::{CLASSES, class_size};
use crate::shared::{MAX_ARENAS, SharedHeap};
use crate::stats::Counters;

/// Written into the second word of every cached block, so a second free of
/// a cached block is caught by one comparison instead of a search. A
/// program would have to store exactly this value in a live block's second
/// word to be mistaken for a double free.
const CACHED_KEY: usize = 0x9E37_79B9_7F4A_7C15;
/// Bytes a magazine holds, at least `MIN_BLOCKS` and at most `MAX_BLOCKS` blocks.
const MAGAZINE_BYTES: usize = 8 << 10;
const MIN_BLOCKS: usize = 2;
const MAX_BLOCKS: usize = 64;

/// How many blocks a magazine of `class` holds.
pub(crate) const fn magazine_capacity(class: usize) -> usize {
    let blocks = MAGAZINE_BYTES / class_size(class);
    if blocks < MIN_BLOCKS {
        MIN_BLOCKS
    } else if blocks > MAX_BLOCKS {
        MAX_BLOCKS
    } else {
        blocks
    }
}

/// Whether the block with payload `payload` carries the cached marker.
///
/// # Safety
/// `payload` must be an allocated block of at least two words.
#[inline(always)]
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
#[inline(always)]
pub(crate) unsafe fn unmark(payload: usize) {
    // SAFETY: per the contract.
    unsafe { (payload as *mut usize).add(1).write(0) };
}

/// Asks the CPU to fetch the block at `addr`, the next one a magazine will
/// hand out: its first word is read to pop it and the program writes it,
/// and it is often cold, or dirty in another core's cache when another
/// thread freed it. Prefetches never fault, so any address will do.
#[inline(always)]
fn prefetch(addr: usize) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it never faults or changes memory.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(addr as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = addr;
}

/// Makes `payload` the head of the list `head`, marked as cached.
///
/// # Safety
/// `payload` must be an allocated block of at least two words nobody else uses.
#[inline(always)]
unsafe fn link(payload: usize, head: usize) {
    // SAFETY: per the contract.
    unsafe {
        (payload as *mut usize).write(head);
        (payload as *mut usize).add(1).write(CACHED_KEY);
    }
}

/// The magazines of one class.
#[derive(Clone, Copy)]
struct Class {
    /// The loaded magazine: a null-terminated list linked through word 0.
    head: usize,
    len: u32,
    capacity: u32,
    /// The spare magazine: empty (0) or full.
    spare: usize,
    spare_len: u32,
    /// The arena all blocks of the loaded (spare) magazine belong to, or
    /// `MIXED`. A magazine of one arena goes back to it as one batch,
    /// without a walk over its (by then cold) blocks.
    arena: u8,
    spare_arena: u8,
}

/// The arena of a magazine whose blocks belong to several.
const MIXED: u8 = u8::MAX;
const _: () = assert!(MAX_ARENAS < MIXED as usize);

/// A magazine taken out of a cache: a null-terminated list.
pub(crate) struct Magazine {
    pub(crate) first: usize,
    pub(crate) len: usize,
    /// The arena all its blocks belong to, if there is one.
    pub(crate) arena: Option<usize>,
}

/// One thread's cache, bound to one `SharedHeap` at a time.
pub(crate) struct ThreadCache {
    owner: Option<&'static SharedHeap>,
    /// The arena this thread allocates from.
    pub(crate) arena: usize,
    classes: [Class; CLASSES],
    /// Operations served by the cache, not yet folded into the heap's totals.
    pub(crate) counters: Counters,
    /// Set once the thread's exit has drained the cache: it is not used again.
    retired: bool,
}

/// Blocks detached from a cache: a null-terminated list. The link is read
/// before a block is yielded, because freeing the block overwrites it.
pub(crate) struct Detached(usize);

impl Detached {
    /// The list headed by `first`, a null-terminated list of cached blocks.
    pub(crate) fn new(first: usize) -> Detached {
        Detached(first)
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

fn magazine(first: usize, len: u32, arena: u8) -> Option<Magazine> {
    (first != 0).then_some(Magazine { first, len: len as usize, arena: (arena != MIXED).then_some(arena as usize) })
}

impl ThreadCache {
    const EMPTY: ThreadCache = {
        let empty = Class { head: 0, len: 0, capacity: 0, spare: 0, spare_len: 0, arena: MIXED, spare_arena: MIXED };
        let mut classes = [empty; CLASSES];
        let mut class = 0;
        while class < CLASSES {
            classes[class].capacity = magazine_capacity(class) as u32;
            class += 1;
        }
        ThreadCache { owner: None, arena: 0, classes, counters: Counters::ZERO, retired: false }
    };

    /// Takes the most recently cached block of `class` from the loaded
    /// magazine; None when it is empty.
    #[inline(always)]
    pub(crate) fn pop(&mut self, class: usize) -> Option<usize> {
        let magazine = &mut self.classes[class];
        let block = magazine.head;
        if block == 0 {
            return None;
        }
        // SAFETY: cached blocks are allocated chunks whose first word links the list.
        let next = unsafe { (block as *const usize).read() };
        prefetch(next);
        magazine.head = next;
        magazine.len -= 1;
        Some(block)
    }

    /// Caches block `payload` of arena `arena` and class `class` in the
    /// loaded magazine, unless it is full (then returns false and does nothing).
    ///
    /// # Safety
    /// `class` must be below `CLASSES` (the free path's class arithmetic is
    /// beyond the compiler, so the index is not checked again), and
    /// `payload` an allocated block of chunk size at least
    /// `class_size(class)` (and in that class) that the program gave up.
    #[inline(always)]
    pub(crate) unsafe fn push(&mut self, class: usize, payload: usize, arena: usize) -> bool {
        debug_assert!(class < CLASSES && arena < MAX_ARENAS);
        // SAFETY: per the contract.
        let magazine = unsafe { self.classes.get_unchecked_mut(class) };
        if magazine.len >= magazine.capacity {
            return false;
        }
        if arena != magazine.arena as usize {
            magazine.arena = if magazine.len == 0 { arena as u8 } else { MIXED };
        }
        // SAFETY: per the contract the block is ours and two words long.
        unsafe { link(payload, magazine.head) };
        magazine.head = payload;
        magazine.len += 1;
        true
    }

    /// Swaps a full spare magazine in for the empty loaded one; false if
    /// there is no spare.
    pub(crate) fn reload(&mut self, class: usize) -> bool {
        let magazine = &mut self.classes[class];
        if magazine.spare == 0 {
            return false;
        }
        debug_assert_eq!(magazine.head, 0);
        magazine.head = std::mem::take(&mut magazine.spare);
        magazine.len = std::mem::take(&mut magazine.spare_len);
        magazine.arena = magazine.spare_arena;
        true
    }

    /// Empties the full loaded magazine of `class` and returns what the
    /// caller must hand back to the arenas. A magazine of blocks of this
    /// thread's own arena becomes the spare, and the previous spare, if
    /// any, goes back. Any other magazine goes back at once: blocks freed
    /// for another thread (a consumer's, say) are what that thread will
    /// allocate next, so they return to it while still warm and the two
    /// threads keep fewer blocks in flight.
    pub(crate) fn retire_loaded(&mut self, class: usize) -> Option<Magazine> {
        let own = self.arena;
        let magazine = &mut self.classes[class];
        if magazine.arena as usize != own {
            let full = self::magazine(magazine.head, magazine.len, magazine.arena);
            (magazine.head, magazine.len) = (0, 0);
            return full;
        }
        let old = self::magazine(magazine.spare, magazine.spare_len, magazine.spare_arena);
        magazine.spare = std::mem::take(&mut magazine.head);
        magazine.spare_len = std::mem::take(&mut magazine.len);
        magazine.spare_arena = magazine.arena;
        old
    }

    /// Loads an empty class with a list of `len` blocks of arena `arena`.
    ///
    /// # Safety
    /// The list must be null-terminated, of `len` cached blocks of `class`
    /// nobody else uses, and `len` at most the magazine capacity.
    pub(crate) unsafe fn load(&mut self, class: usize, first: usize, len: usize, arena: usize) {
        let magazine = &mut self.classes[class];
        debug_assert!(magazine.head == 0 && len <= magazine.capacity as usize);
        magazine.head = first;
        magazine.len = len as u32;
        magazine.arena = arena as u8;
    }

    /// Loads, as the spare of a class whose loaded magazine was just
    /// filled, a list of `len` blocks of arena `arena`; false if the spare
    /// is in use.
    ///
    /// # Safety
    /// As for [`ThreadCache::load`].
    pub(crate) unsafe fn load_spare(&mut self, class: usize, first: usize, len: usize, arena: usize) -> bool {
        let magazine = &mut self.classes[class];
        if magazine.spare != 0 || len > magazine.capacity as usize {
            return false;
        }
        magazine.spare = first;
        magazine.spare_len = len as u32;
        magazine.spare_arena = arena as u8;
        true
    }

    /// Links block `payload` into a list being built for `load`.
    ///
    /// # Safety
    /// `payload` must be an allocated block of at least two words nobody else uses.
    pub(crate) unsafe fn chain(payload: usize, rest: usize) {
        // SAFETY: forwarded contract.
        unsafe { link(payload, rest) };
    }

    /// Takes both magazines of `class` out of the cache.
    pub(crate) fn take_all(&mut self, class: usize) -> [Option<Magazine>; 2] {
        let magazine = &mut self.classes[class];
        let taken = [
            self::magazine(magazine.head, magazine.len, magazine.arena),
            self::magazine(magazine.spare, magazine.spare_len, magazine.spare_arena),
        ];
        (magazine.head, magazine.len, magazine.spare, magazine.spare_len) = (0, 0, 0, 0);
        taken
    }
}

/// The thread's cache. It has no destructor, so reaching it costs no more
/// than an address computation and it stays usable (as `retired`) while
/// other thread-local destructors run; `EXIT` empties it at thread exit.
struct Slot(UnsafeCell<ThreadCache>);

// Registered on a thread's first slow-path use of the cache; dropping it
// hands the cache's blocks back to their arenas.
struct ExitGuard;

impl Drop for ExitGuard {
    fn drop(&mut self) {
        // SAFETY: no allocator call is running: destructors run between them.
        let cache = unsafe { cache() };
        cache.retired = true;
        if let Some(owner) = cache.owner.take() {
            owner.drain_cache(cache);
            owner.unbind_arena(cache.arena);
        }
    }
}

thread_local! {
    static CACHE: Slot = const { Slot(UnsafeCell::new(ThreadCache::EMPTY)) };
    static EXIT: ExitGuard = const { ExitGuard };
}

/// This thread's cache.
///
/// # Safety
/// No other reference to the cache may be live. The allocator never calls
/// itself (it never allocates through the global allocator, and signal
/// handlers that allocate are not supported, as with most allocators), so
/// only nested calls of `with` and `with_bound` could make one, and none of
/// the closures passed to them calls either.
#[inline(always)]
unsafe fn cache() -> &'static mut ThreadCache {
    // SAFETY: the slot lives as long as the thread; see the contract.
    CACHE.with(|slot| unsafe { &mut *slot.0.get() })
}

/// Runs `f` on this thread's cache if it is bound to `heap`: the fast
/// paths' test. Closures passed here must not call `with` or `with_bound`.
#[inline(always)]
pub(crate) fn with_bound<R>(heap: &'static SharedHeap, f: impl FnOnce(&mut ThreadCache) -> R) -> Option<R> {
    // SAFETY: no other reference is live (see `cache`).
    let cache = unsafe { cache() };
    match cache.owner {
        Some(owner) if ptr::eq(owner, heap) => Some(f(cache)),
        _ => None,
    }
}

/// Runs `f` on this thread's cache, bound to `heap` first if need be
/// (draining it into its previous heap). None once the thread is exiting
/// and its cache has been retired; callers then take the locked paths.
/// Closures passed here must not call `with` or `with_bound`.
#[inline]
pub(crate) fn with<R>(heap: &'static SharedHeap, f: impl FnOnce(&mut ThreadCache) -> R) -> Option<R> {
    // SAFETY: no other reference is live (see `cache`).
    let cache = unsafe { cache() };
    let bound = cache.owner.is_some_and(|owner| ptr::eq(owner, heap));
    (bound || bind(cache, heap)).then(|| f(cache))
}

/// Binds `cache` to `heap`; false if the thread is exiting.
#[cold]
fn bind(cache: &mut ThreadCache, heap: &'static SharedHeap) -> bool {
    // The guard must be alive to empty the cache at exit; once it is gone
    // the thread is exiting and the cache must stay empty.
    if cache.retired || EXIT.try_with(|_| ()).is_err() {
        cache.retired = true;
        return false;
    }
    if let Some(previous) = cache.owner.take() {
        previous.drain_cache(cache);
        previous.unbind_arena(cache.arena);
    }
    cache.owner = Some(heap);
    cache.arena = heap.bind_arena();
    true
}

const _: () = assert!(
    MIN_CHUNK - WORD >= 3 * WORD,
    "a cached block holds a link, the marker and (in a returned batch) a batch link"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Fake cached blocks: four words each, in one buffer.
    fn blocks(buf: &mut [usize], count: usize) -> Vec<usize> {
        assert!(buf.len() >= count * 4);
        (0..count).map(|i| buf.as_mut_ptr() as usize + i * 4 * WORD).collect()
    }

    fn list(first: usize) -> Vec<usize> {
        Detached::new(first).collect()
    }

    #[test]
    fn a_full_magazine_becomes_the_spare_and_a_full_spare_goes_back_whole() {
        let mut cache = ThreadCache::EMPTY;
        cache.arena = 3;
        let class = 40;
        let capacity = magazine_capacity(class);
        let mut buf = vec![0usize; 4 * 3 * capacity];
        let blocks = blocks(&mut buf, 3 * capacity);
        for &block in &blocks[..capacity] {
            // SAFETY: the fake blocks are ours and four words long.
            assert!(unsafe { cache.push(class, block, 3) });
        }
        // SAFETY: as above.
        assert!(!unsafe { cache.push(class, blocks[capacity], 3) }, "the loaded magazine is full");
        assert!(cache.retire_loaded(class).is_none(), "the first full magazine becomes the spare");
        for &block in &blocks[capacity..2 * capacity] {
            // SAFETY: as above.
            assert!(unsafe { cache.push(class, block, 3) });
        }
        let old = cache.retire_loaded(class).expect("the old spare goes back");
        assert_eq!((old.first, old.len, old.arena), (blocks[capacity - 1], capacity, Some(3)));
        assert_eq!(list(old.first).len(), capacity);
        // The spare now holds the second magazine; popping the loaded one
        // (empty) finds nothing until the spare is swapped in.
        assert_eq!(cache.pop(class), None);
        assert!(cache.reload(class));
        assert_eq!(cache.pop(class), Some(blocks[2 * capacity - 1]));
        // SAFETY: an allocated fake block.
        assert!(unsafe { is_cached(blocks[0]) });
    }

    #[test]
    fn magazines_of_other_arenas_go_back_at_once_and_mixed_ones_are_flagged() {
        let mut cache = ThreadCache::EMPTY;
        cache.arena = 0;
        let class = 5;
        let capacity = magazine_capacity(class);
        let mut buf = vec![0usize; 4 * capacity];
        let blocks = blocks(&mut buf, capacity);
        for &block in &blocks {
            // SAFETY: the fake blocks are ours and four words long.
            assert!(unsafe { cache.push(class, block, 7) });
        }
        let full = cache.retire_loaded(class).expect("another arena's magazine goes back");
        assert_eq!((full.len, full.arena), (capacity, Some(7)));
        assert_eq!(cache.pop(class), None, "nothing was kept");
        assert!(!cache.reload(class), "and no spare was made");

        // SAFETY: as above.
        assert!(unsafe { cache.push(class, blocks[0], 0) });
        // SAFETY: as above.
        assert!(unsafe { cache.push(class, blocks[1], 1) });
        let [loaded, spare] = cache.take_all(class);
        let loaded = loaded.expect("two blocks");
        assert_eq!((loaded.len, loaded.arena), (2, None), "blocks of two arenas");
        assert!(spare.is_none());
    }
}
