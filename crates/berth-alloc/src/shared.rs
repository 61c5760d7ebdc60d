//! `SharedHeap`: the thread-safe heap, made of arenas (each a [`Heap`]
//! behind its own lock) and per-thread caches in front of them.
//!
//! * Each thread is bound to the one of `MAX_ARENAS` arenas with the fewest
//!   threads and allocates from it, so threads rarely share a lock, and a
//!   thread started after another exited takes over its arena.
//! * Blocks of chunks up to 32 KiB go through the thread's cache
//!   (`cache.rs`): no lock, no atomic read-modify-write. The fast paths
//!   (`fast.rs`) are inlined into the caller; everything else is here, out
//!   of line.
//! * A class that runs empty is refilled a whole magazine at a time: from
//!   the batches other caches handed back to this thread's arena (no heap
//!   work), else carved from the heap as one run under one lock
//!   (`exchange.rs`).
//! * Larger blocks are allocated from the thread's arena under its lock.
//! * Whatever thread frees a block, it returns to the arena whose segment
//!   (or huge mapping) holds it — the page map names the arena: directly
//!   under that arena's lock, or through the freeing thread's cache, which
//!   hands full magazines back in lock-free batches (`exchange.rs`,
//!   `returns.rs`). Those
//!   batches are freed into the heap (coalescing) only when the arena would
//!   otherwise have to grow, or is flushed.
//!
//! Statistics count what the program sees: a block sitting in a cache is
//! free. Threads count in private counters and fold them into the shared
//! totals now and then (see `stats.rs`), and when they exit.

use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::block::{self, Block, Located};
use crate::cache::{self, ThreadCache};
use crate::check::Corruption;
use crate::chunk::{ALIGNMENT, Chunk, chunk_size_for, usable};
use crate::classes::{class_at_least, class_at_most};
use crate::error::{AllocError, fatal};
use crate::heap::{Heap, HeapConfig};
use crate::returns::Returns;
use crate::stats::{Counters, Stats, Totals};

/// Number of arenas (and so of locks) a `SharedHeap` spreads threads over.
pub const MAX_ARENAS: usize = 16;

/// The thread-safe heap; see the crate documentation. Methods that may use
/// the calling thread's cache take `&'static self`, because the cache keeps
/// blocks of the heap after the call returns: use a `static` (such as
/// [`global()`](crate::global)) or leak one.
pub struct SharedHeap {
    pub(crate) arenas: [Arena; MAX_ARENAS],
    /// How many threads' caches are bound to each arena.
    threads: [AtomicUsize; MAX_ARENAS],
    pub(crate) totals: Totals,
}

impl Default for SharedHeap {
    fn default() -> SharedHeap {
        SharedHeap::new()
    }
}

pub(crate) struct Arena {
    heap: Mutex<Option<Heap>>,
    pub(crate) returns: Returns,
}

/// A locked arena. Its heap is created on first use, and changes to what it
/// maps are published to the totals when the lock is released.
pub(crate) struct ArenaGuard<'a> {
    guard: MutexGuard<'a, Option<Heap>>,
    arena: u32,
    shared: &'a SharedHeap,
    mapped_before: usize,
}

impl ArenaGuard<'_> {
    pub(crate) fn heap(&mut self) -> &mut Heap {
        let (arena, shared) = (self.arena, self.shared.addr());
        self.guard.get_or_insert_with(|| Heap::owned_by(HeapConfig::default(), arena, shared))
    }

    /// Frees into the heap every block handed back to this arena, if the
    /// heap cannot place a chunk of `request` bytes without growing: memory
    /// is never mapped while returned blocks could have served.
    pub(crate) fn make_room(&mut self, request: usize) {
        if self.would_grow_past_returns(request) {
            self.drain();
        }
    }

    /// Whether placing a chunk of `request` bytes would make the heap grow
    /// although blocks handed back to this arena wait to be freed into it.
    pub(crate) fn would_grow_past_returns(&mut self, request: usize) -> bool {
        let returns = &self.shared.arenas[self.arena as usize].returns;
        // Huge blocks get mappings of their own whatever the heap holds.
        returns.any_pending() && {
            let heap = self.heap();
            request < heap.config.huge_threshold && !heap.fits_without_growth(request)
        }
    }

    /// Frees into the heap every block handed back to this arena.
    pub(crate) fn drain(&mut self) {
        let returns = &self.shared.arenas[self.arena as usize].returns;
        let heap = self.heap();
        returns.take_all(|batch| {
            for block in batch.blocks() {
                // SAFETY: cached blocks are non-null heap addresses.
                let ptr = unsafe { NonNull::new_unchecked(block as *mut u8) };
                // They were validated when the program freed them, so failing
                // now means the heap itself is corrupt.
                if let Err(error) = heap.free(ptr) {
                    fatal(&error);
                }
            }
        });
    }
}

impl Drop for ArenaGuard<'_> {
    fn drop(&mut self) {
        let mapped = self.guard.as_ref().map_or(0, |heap| heap.stats.mapped_bytes);
        if mapped != self.mapped_before {
            self.shared.totals.add_mapped(mapped as isize - self.mapped_before as isize);
        }
    }
}

impl SharedHeap {
    pub const fn new() -> SharedHeap {
        SharedHeap {
            arenas: [const { Arena { heap: Mutex::new(None), returns: Returns::new() } }; MAX_ARENAS],
            threads: [const { AtomicUsize::new(0) }; MAX_ARENAS],
            totals: Totals::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn addr(&self) -> usize {
        self as *const SharedHeap as usize
    }

    /// The arena with the fewest threads bound to it (the first such).
    fn quietest_arena(&self) -> usize {
        (0..MAX_ARENAS).min_by_key(|&arena| self.threads[arena].load(Ordering::Relaxed)).unwrap_or(0)
    }

    /// Binds a newly seen thread to the arena with the fewest threads:
    /// threads spread over the arenas, and a thread started after another
    /// exited takes over its arena, whose memory is still warm and where
    /// the blocks the exiting thread handed back wait to be adopted.
    pub(crate) fn bind_arena(&self) -> usize {
        let arena = self.quietest_arena();
        self.threads[arena].fetch_add(1, Ordering::Relaxed);
        arena
    }

    /// Undoes `bind_arena` for a thread that exits or moves to another heap.
    pub(crate) fn unbind_arena(&self, arena: usize) {
        self.threads[arena].fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn lock(&self, arena: usize) -> ArenaGuard<'_> {
        let guard = self.arenas[arena]
            .heap
            .lock()
            .unwrap_or_else(|_| fatal(&"an arena lock was poisoned by a panic inside the allocator"));
        let mapped_before = guard.as_ref().map_or(0, |heap| heap.stats.mapped_bytes);
        ArenaGuard { guard, arena: arena as u32, shared: self, mapped_before }
    }

    /// Validates that `addr` is an allocated block of this heap.
    fn locate(&self, addr: usize) -> Result<(usize, Located), AllocError> {
        let shared = self.addr();
        block::locate(addr, |region| region.shared == shared).map(|(region, located)| (region.arena as usize, located))
    }

    /// The cache class of a validated block, if it is small enough to
    /// cache; a block that is already cached is a double free.
    fn cache_class(addr: usize, located: Located) -> Result<Option<usize>, AllocError> {
        let Located::Chunk { chunk, .. } = located else {
            return Ok(None);
        };
        // SAFETY: a located chunk is allocated, so its header is committed.
        let Some(class) = class_at_most(unsafe { chunk.size() }) else {
            return Ok(None);
        };
        // SAFETY: an allocated chunk has at least two words of payload.
        if unsafe { cache::is_cached(addr) } {
            return Err(AllocError::DoubleFree { addr });
        }
        Ok(Some(class))
    }

    /// Allocates `size` bytes, 16-byte aligned.
    #[inline]
    pub fn alloc(&'static self, size: usize) -> Result<NonNull<u8>, AllocError> {
        self.alloc_aligned(size, ALIGNMENT)
    }

    /// Allocates `size` bytes aligned to `align` (a power of two).
    #[inline]
    pub fn alloc_aligned(&'static self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        match self.alloc_fast(size, align) {
            Some(block) => Ok(block),
            None => self.alloc_slow(size, align),
        }
    }

    /// Everything the fast path does not serve: mid-size classes (served
    /// here from the cache too, so this is not marked cold), refills, bad
    /// requests, larger or over-aligned blocks, threads without a cache.
    #[inline(never)]
    pub(crate) fn alloc_slow(&'static self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        if size == 0 {
            return Err(AllocError::ZeroSize);
        }
        let chunk_size = chunk_size_for(size).ok_or(AllocError::TooLarge { size })?;
        let class = if align <= ALIGNMENT { class_at_least(chunk_size) } else { None };
        cache::with(self, |cache| match class {
            Some(class) => {
                let block = match cache.pop(class) {
                    Some(block) => block,
                    None => self.refill(cache, class)?,
                };
                Ok(Self::hand_out(cache, block, size))
            }
            None => self.alloc_locked(cache.arena, size, align, Some(cache)),
        })
        .unwrap_or_else(|| self.alloc_locked(self.quietest_arena(), size, align, None))
    }

    /// Counts a cached block as allocated and clears its marker.
    #[inline(always)]
    pub(crate) fn hand_out(cache: &mut ThreadCache, block: usize, size: usize) -> NonNull<u8> {
        // A class holds chunks of at least its size, so the statistics read
        // the chunk's own. SAFETY: cached blocks are allocated chunks.
        let size_held = unsafe {
            cache::unmark(block);
            Chunk::from_payload(block).size()
        };
        // Counted without a fold check: a thread's counters cannot drift far
        // without a refill or flush, which folds them (through `note`).
        cache.counters.add(Counters::alloc(size, usable(size_held)));
        // SAFETY: cached blocks are non-null heap addresses.
        unsafe { NonNull::new_unchecked(block as *mut u8) }
    }

    #[cold]
    fn alloc_locked(
        &self,
        arena: usize,
        size: usize,
        align: usize,
        cache: Option<&mut ThreadCache>,
    ) -> Result<NonNull<u8>, AllocError> {
        let mut guard = self.lock(arena);
        let padding = if align > ALIGNMENT { align } else { 0 };
        guard.make_room(chunk_size_for(size).map_or(usize::MAX, |chunk| chunk.saturating_add(padding)));
        let (block, usable) = guard.heap().alloc_usable(size, align)?;
        drop(guard);
        // SAFETY: the block was just allocated; every block holds two words.
        unsafe { cache::unmark(block.as_ptr() as usize) };
        let counters = Counters::alloc(size, usable);
        match cache {
            Some(cache) => self.note(cache, counters),
            None => self.totals.fold(counters),
        }
        Ok(block)
    }

    /// Frees a block of this heap, allocated on any thread.
    #[inline]
    pub fn free(&'static self, ptr: NonNull<u8>) -> Result<(), AllocError> {
        if self.free_fast(ptr.as_ptr() as usize) {
            return Ok(());
        }
        self.free_slow(ptr)
    }

    /// Everything the fast path does not serve: full magazines, large
    /// blocks, threads without a cache, and bad pointers (reported here).
    #[cold]
    #[inline(never)]
    pub(crate) fn free_slow(&'static self, ptr: NonNull<u8>) -> Result<(), AllocError> {
        let addr = ptr.as_ptr() as usize;
        let (arena, located) = self.locate(addr)?;
        let class = Self::cache_class(addr, located)?;
        self.free_located(arena, ptr, located.usable(), class)
    }

    /// Frees a validated block: into this thread's cache if it has a class
    /// (a full loaded magazine becomes the spare, a full spare goes back to
    /// the arenas), else into its arena under the lock.
    pub(crate) fn free_located(
        &'static self,
        arena: usize,
        ptr: NonNull<u8>,
        usable: usize,
        class: Option<usize>,
    ) -> Result<(), AllocError> {
        let addr = ptr.as_ptr() as usize;
        let cached = class.and_then(|class| {
            cache::with(self, |cache| {
                // SAFETY: the block is allocated, in this class, and the
                // program gave it up.
                if !unsafe { cache.push(class, addr, arena) } {
                    // SAFETY: as above.
                    unsafe { self.free_into_full(cache, class, addr, arena) };
                }
                self.note(cache, Counters::free(usable));
            })
        });
        if cached.is_some() {
            return Ok(());
        }
        let mut guard = self.lock(arena);
        guard.heap().free(ptr)?;
        drop(guard);
        self.record(Counters::free(usable));
        Ok(())
    }

    /// Adds to a thread's counters, folding them into the totals when due.
    #[inline(always)]
    pub(crate) fn note(&self, cache: &mut ThreadCache, counters: Counters) {
        cache.counters.add(counters);
        if cache.counters.is_due() {
            self.totals.fold(std::mem::take(&mut cache.counters));
        }
    }

    /// Counts an operation made outside the cache's own paths.
    fn record(&'static self, counters: Counters) {
        if cache::with_bound(self, |cache| self.note(cache, counters)).is_none() {
            self.totals.fold(counters);
        }
    }

    /// Returns the calling thread's cached blocks to their arenas (threads
    /// do this when they exit) and frees those of its own arena into the
    /// heap. Useful before `check_heap` or to release memory.
    pub fn flush_thread_cache(&'static self) {
        if let Some(arena) = cache::with(self, |cache| {
            self.drain_cache(cache);
            cache.arena
        }) {
            self.lock(arena).drain();
        }
    }

    /// Resizes a block: in place when the block already holds `new_size`
    /// bytes and is not more than twice that (no lock), or when the arena
    /// can grow or shrink a large block there; else by moving it.
    #[inline]
    pub fn realloc(&'static self, ptr: NonNull<u8>, new_size: usize) -> Result<NonNull<u8>, AllocError> {
        match self.realloc_fast(ptr, new_size) {
            Some(result) => result,
            None => self.realloc_slow(ptr, new_size),
        }
    }

    /// `realloc` of large blocks, of blocks freed on a thread without a
    /// cache for this heap (yet), and of every bad pointer (reported here).
    #[cold]
    #[inline(never)]
    fn realloc_slow(&'static self, ptr: NonNull<u8>, new_size: usize) -> Result<NonNull<u8>, AllocError> {
        let addr = ptr.as_ptr() as usize;
        let (arena, located) = self.locate(addr)?;
        let old_usable = located.usable();
        let class = Self::cache_class(addr, located)?;
        if new_size == 0 {
            return Err(AllocError::ZeroSize);
        }
        if class.is_some() && new_size <= old_usable && new_size > old_usable / 2 {
            self.record(Counters::realloc(new_size, old_usable, old_usable));
            return Ok(ptr);
        }
        // Cached blocks were carved in runs, so their neighbours are
        // seldom free: only large blocks are worth locking the arena for.
        if class.is_none() {
            let mut guard = self.lock(arena);
            guard.make_room(chunk_size_for(new_size).unwrap_or(usize::MAX));
            if let Some(new_usable) = guard.heap().realloc_in_place(ptr, new_size)? {
                drop(guard);
                self.record(Counters::realloc(new_size, old_usable, new_usable));
                return Ok(ptr);
            }
        }
        let moved = self.alloc(new_size)?;
        // SAFETY: both blocks are allocated, distinct, and at least this long.
        unsafe { ptr::copy_nonoverlapping(ptr.as_ptr(), moved.as_ptr(), old_usable.min(new_size)) };
        self.free_located(arena, ptr, old_usable, class)?;
        self.record(Counters { reallocations: 1, ..Counters::ZERO });
        Ok(moved)
    }

    /// The allocated block containing `addr`, if any. Blocks waiting in
    /// thread caches count as allocated (a conservative answer). The caller
    /// must not race this with a free of the block `addr` points into (a
    /// collector calls it with the world stopped): a huge block's mapping
    /// may vanish under the lookup.
    pub fn owner_of(&self, addr: usize) -> Option<Block> {
        let shared = self.addr();
        let region = block::region_of(addr).filter(|region| region.shared == shared)?;
        self.lock(region.arena as usize).heap().owner_of(addr)
    }

    /// Process-wide statistics. Counters of other threads' caches arrive
    /// with their next refill, full magazine or exit; the calling thread's are
    /// folded in first. Exact once all other threads have exited.
    pub fn stats(&'static self) -> Stats {
        cache::with_bound(self, |cache| self.totals.fold(std::mem::take(&mut cache.counters)));
        self.totals.snapshot()
    }

    /// Runs [`Heap::check_heap`] on every arena, each under its lock, so it
    /// is safe to call while other threads allocate.
    pub fn check_heap(&self) -> Result<(), Corruption> {
        for arena in 0..MAX_ARENAS {
            let mut locked = self.lock(arena);
            if let Some(heap) = locked.guard.as_mut() {
                heap.check_heap()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_take_the_arena_with_the_fewest_threads() {
        let heap = SharedHeap::new();
        assert_eq!([heap.bind_arena(), heap.bind_arena(), heap.bind_arena()], [0, 1, 2]);
        heap.unbind_arena(1);
        assert_eq!(heap.bind_arena(), 1, "a vacated arena is taken over");
        assert_eq!(heap.bind_arena(), 3);
    }
}
