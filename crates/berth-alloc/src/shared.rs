//! `SharedHeap`: the thread-safe heap, made of arenas (each a [`Heap`]
//! behind its own lock) and per-thread caches in front of them.
//!
//! * Each thread is bound round-robin to one of `MAX_ARENAS` arenas and
//!   allocates from it, so threads rarely share a lock.
//! * Blocks up to 1 KiB go through the thread's cache (`cache.rs`): no lock,
//!   no atomic read-modify-write. A cache miss refills half a cache's worth
//!   as one run under one lock; an overflow returns half of the class.
//! * Larger blocks are allocated from the thread's arena under its lock.
//! * Whatever thread frees a block, it returns to the arena whose segment
//!   (or huge mapping) holds it — the page map names the arena: directly
//!   under that arena's lock, or through the freeing thread's cache, which
//!   hands overflowing blocks back in lock-free batches (`returns.rs`); the
//!   arena's thread adopts a batch as a cache list on its next refill, or
//!   the arena frees it into the heap the next time it is locked.
//!
//! Statistics count what the program sees: a block sitting in a cache is
//! free. Threads count in private counters and fold them into the shared
//! totals now and then (see `stats.rs`), and when they exit.

use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::block::{self, Block, Located};
use crate::cache::{self, ThreadCache, capacity, class_of, class_size};
use crate::check::Corruption;
use crate::chunk::{ALIGNMENT, Chunk, WORD, chunk_size_for, usable};
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
    arenas: [Arena; MAX_ARENAS],
    next_arena: AtomicUsize,
    totals: Totals,
}

impl Default for SharedHeap {
    fn default() -> SharedHeap {
        SharedHeap::new()
    }
}

struct Arena {
    heap: Mutex<Option<Heap>>,
    returns: Returns,
}

/// A locked arena. Its heap is created on first use, and changes to what it
/// maps are published to the totals when the lock is released.
struct ArenaGuard<'a> {
    guard: MutexGuard<'a, Option<Heap>>,
    arena: u32,
    shared: &'a SharedHeap,
    mapped_before: usize,
}

impl ArenaGuard<'_> {
    fn heap(&mut self) -> &mut Heap {
        let (arena, shared) = (self.arena, self.shared.addr());
        self.guard.get_or_insert_with(|| Heap::owned_by(HeapConfig::default(), arena, shared))
    }

    /// Frees a block that sat in a cache; it was validated when the program
    /// freed it, so failing now means the heap itself is corrupt.
    fn free_cached(&mut self, block: usize) {
        // SAFETY: cached blocks are non-null heap addresses.
        let ptr = unsafe { NonNull::new_unchecked(block as *mut u8) };
        if let Err(error) = self.heap().free(ptr) {
            fatal(&error);
        }
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
            next_arena: AtomicUsize::new(0),
            totals: Totals::new(),
        }
    }

    fn addr(&self) -> usize {
        self as *const SharedHeap as usize
    }

    /// The arena for a newly seen thread.
    pub(crate) fn assign_arena(&self) -> usize {
        self.next_arena.fetch_add(1, Ordering::Relaxed) % MAX_ARENAS
    }

    /// Locks an arena, first freeing into its heap the blocks other
    /// threads handed back.
    fn lock(&self, arena: usize) -> ArenaGuard<'_> {
        let guard = self.arenas[arena]
            .heap
            .lock()
            .unwrap_or_else(|_| fatal(&"an arena lock was poisoned by a panic inside the allocator"));
        let mapped_before = guard.as_ref().map_or(0, |heap| heap.stats.mapped_bytes);
        let mut locked = ArenaGuard { guard, arena: arena as u32, shared: self, mapped_before };
        for batch in self.arenas[arena].returns.take() {
            for block in batch {
                locked.free_cached(block);
            }
        }
        locked
    }

    /// Validates that `addr` is an allocated block of this heap.
    #[inline(always)]
    fn locate(&self, addr: usize) -> Result<(usize, Located), AllocError> {
        let shared = self.addr();
        block::locate(addr, |region| region.shared == shared).map(|(region, located)| (region.arena as usize, located))
    }

    /// The cache class of an allocated block with `usable` bytes, if it is
    /// small enough to cache; a block that is already cached is a double free.
    #[inline(always)]
    fn cache_class(addr: usize, usable: usize) -> Result<Option<usize>, AllocError> {
        let Some(class) = class_of(usable + WORD) else {
            return Ok(None);
        };
        // SAFETY: an allocated block this small is a chunk of at least two words.
        if unsafe { cache::is_cached(addr) } {
            return Err(AllocError::DoubleFree { addr });
        }
        Ok(Some(class))
    }

    /// Allocates `size` bytes, 16-byte aligned.
    pub fn alloc(&'static self, size: usize) -> Result<NonNull<u8>, AllocError> {
        self.alloc_aligned(size, ALIGNMENT)
    }

    /// Allocates `size` bytes aligned to `align` (a power of two).
    #[inline]
    pub fn alloc_aligned(&'static self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        match self.alloc_from_cache(size, align) {
            Some(block) => Ok(block),
            None => self.alloc_slow(size, align),
        }
    }

    /// The fast path: a block from this thread's cache, if the request is
    /// cacheable and the cache holds one. Kept free of `Result`s so that
    /// nothing larger than a register crosses a call on the way.
    #[inline(always)]
    fn alloc_from_cache(&'static self, size: usize, align: usize) -> Option<NonNull<u8>> {
        if size == 0 || align > ALIGNMENT {
            return None;
        }
        let class = class_of(chunk_size_for(size)?)?;
        cache::with(self, |cache| {
            let block = cache.pop(class)?;
            Some(self.hand_out(cache, block, size))
        })?
    }

    /// Counts a cached block as allocated and clears its marker.
    #[inline(always)]
    fn hand_out(&self, cache: &mut ThreadCache, block: usize, size: usize) -> NonNull<u8> {
        // The chunk may be a little larger than its class when the heap
        // handed out a free chunk whose remainder was too small to split.
        // SAFETY: cached blocks are allocated chunks, so the header is committed.
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

    /// Everything the fast path does not serve: bad requests, cache
    /// refills, larger or over-aligned blocks, threads without a cache.
    fn alloc_slow(&'static self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        if size == 0 {
            return Err(AllocError::ZeroSize);
        }
        let class = if align <= ALIGNMENT { chunk_size_for(size).and_then(class_of) } else { None };
        cache::with(self, |cache| match class {
            Some(class) => {
                let block = self.refill(cache, class)?;
                Ok(self.hand_out(cache, block, size))
            }
            None => self.alloc_locked(cache.arena, size, align, Some(cache)),
        })
        .unwrap_or_else(|| self.alloc_locked(self.assign_arena(), size, align, None))
    }

    /// Refills an empty cache class: from the batches handed back to this
    /// thread's arena (each adopted whole by the list of its class, if it
    /// has room: no heap work at all), else
    /// by allocating half a cache's worth as one run under one lock. Returns
    /// one block; the rest stay cached.
    fn refill(&self, cache: &mut ThreadCache, class: usize) -> Result<usize, AllocError> {
        let arena = cache.arena;
        let returns = &self.arenas[arena].returns;
        for batch in returns.take() {
            let first = batch.head();
            // SAFETY: batches are lists of cached blocks of one class, now ours.
            if !unsafe { cache.adopt(batch) } {
                // SAFETY: as above; the lock below frees it into the heap.
                unsafe { returns.push(first) };
            }
        }
        if let Some(block) = cache.pop(class) {
            return Ok(block);
        }
        let request = usable(class_size(class));
        let mut first = None;
        self.lock(arena).heap().alloc_run(request, capacity(class) / 2, |block| match first {
            None => first = Some(block.as_ptr() as usize),
            // SAFETY: the block was just allocated with this class's size.
            Some(_) => unsafe { cache.push(class, block.as_ptr() as usize) },
        })?;
        self.note(cache, Counters::ZERO);
        first.ok_or(AllocError::OutOfMemory { size: request })
    }

    fn alloc_locked(
        &self,
        arena: usize,
        size: usize,
        align: usize,
        cache: Option<&mut ThreadCache>,
    ) -> Result<NonNull<u8>, AllocError> {
        let (block, usable) = self.lock(arena).heap().alloc_usable(size, align)?;
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
        let addr = ptr.as_ptr() as usize;
        let (arena, located) = self.locate(addr)?;
        let usable = located.usable();
        if let Some(class) = Self::cache_class(addr, usable)? {
            let cached = cache::with(self, |cache| {
                if cache.is_full(class) {
                    self.flush(cache, class, capacity(class) / 2);
                    self.note(cache, Counters::ZERO);
                }
                // SAFETY: the block is allocated, of this class, and the program gave it up.
                unsafe { cache.push(class, addr) };
                cache.counters.add(Counters::free(usable));
            });
            if cached.is_some() {
                return Ok(());
            }
        }
        self.free_locked(arena, ptr, usable)
    }

    fn free_locked(&'static self, arena: usize, ptr: NonNull<u8>, usable: usize) -> Result<(), AllocError> {
        self.lock(arena).heap().free(ptr)?;
        self.record(Counters::free(usable));
        Ok(())
    }

    /// Adds to a thread's counters, folding them into the totals when due.
    #[inline(always)]
    fn note(&self, cache: &mut ThreadCache, counters: Counters) {
        cache.counters.add(counters);
        if cache.counters.is_due() {
            self.totals.fold(std::mem::take(&mut cache.counters));
        }
    }

    /// Counts an operation made outside the cache's own paths.
    fn record(&'static self, counters: Counters) {
        if cache::with(self, |cache| self.note(cache, counters)).is_none() {
            self.totals.fold(counters);
        }
    }

    /// Returns all but the `keep` most recent blocks of a cache class to
    /// their arenas as lock-free batches, one per run of blocks of the same
    /// arena. Blocks of this thread's own arena go back the same way: a
    /// later refill of their class adopts them whole, and the next time
    /// the arena is locked for other work frees them into the heap, so
    /// coalescing is deferred until memory is wanted elsewhere.
    fn flush(&self, cache: &mut ThreadCache, class: usize, keep: usize) {
        // (arena, first block, last block) of the batch being gathered.
        let mut batch: Option<(usize, usize, usize)> = None;
        for block in cache.detach(class, keep) {
            let arena = match block::region_of(block) {
                Some(region) => region.arena as usize,
                None => fatal(&format_args!("cached block {block:#x} lies outside the heap")),
            };
            match batch.as_mut() {
                Some((to, _, last)) if *to == arena => {
                    // SAFETY: detached blocks are ours; the first word links them.
                    unsafe { (*last as *mut usize).write(block) };
                    *last = block;
                }
                _ => {
                    if let Some(done) = batch.replace((arena, block, block)) {
                        self.hand_back(done);
                    }
                }
            }
        }
        if let Some(done) = batch {
            self.hand_back(done);
        }
    }

    /// Pushes a gathered batch onto its arena's stack of returned blocks.
    fn hand_back(&self, (arena, first, last): (usize, usize, usize)) {
        // SAFETY: the blocks from `first` to `last` are detached cached
        // blocks of one class, linked through their first words.
        unsafe {
            (last as *mut usize).write(0);
            self.arenas[arena].returns.push(first);
        }
    }

    /// Empties a thread's cache into the arenas and folds its counters.
    pub(crate) fn drain_cache(&self, cache: &mut ThreadCache) {
        for class in 0..ThreadCache::CLASSES {
            self.flush(cache, class, 0);
        }
        // Locking frees what went back to this thread's own arena.
        drop(self.lock(cache.arena));
        self.totals.fold(std::mem::take(&mut cache.counters));
    }

    /// Returns the calling thread's cached blocks to their arenas (threads
    /// do this when they exit). Useful before `check_heap` or to release memory.
    pub fn flush_thread_cache(&'static self) {
        cache::with(self, |cache| self.drain_cache(cache));
    }

    /// Resizes a block, in place if its arena can, else by moving it.
    pub fn realloc(&'static self, ptr: NonNull<u8>, new_size: usize) -> Result<NonNull<u8>, AllocError> {
        let addr = ptr.as_ptr() as usize;
        let (arena, located) = self.locate(addr)?;
        let old_usable = located.usable();
        Self::cache_class(addr, old_usable)?;
        if let Some(new_usable) = self.lock(arena).heap().realloc_in_place(ptr, new_size)? {
            self.record(Counters::realloc(new_size, old_usable, new_usable));
            return Ok(ptr);
        }
        let moved = self.alloc(new_size)?;
        // SAFETY: both blocks are allocated, distinct, and at least this long.
        unsafe { ptr::copy_nonoverlapping(ptr.as_ptr(), moved.as_ptr(), old_usable.min(new_size)) };
        self.free(ptr)?;
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
    /// with their next refill, overflow or exit; the calling thread's are
    /// folded in first. Exact once all other threads have exited.
    pub fn stats(&'static self) -> Stats {
        cache::with(self, |cache| self.totals.fold(std::mem::take(&mut cache.counters)));
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
