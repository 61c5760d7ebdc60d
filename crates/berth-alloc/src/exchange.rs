//! How blocks move between thread caches and arenas a magazine at a time:
//! refills (from the spare, from batches handed back to the arena, or
//! carved from its heap as one run), full magazines handed back, and a
//! cache emptied when its thread exits. The fast paths (`fast.rs`) only
//! push and pop; everything here is out of line.

use crate::block;
use crate::cache::{Detached, Magazine, ThreadCache, magazine_capacity};
use crate::chunk::usable;
use crate::classes::{CLASSES, class_size};
use crate::error::{AllocError, fatal};
use crate::returns::Batch;
use crate::shared::SharedHeap;
use crate::stats::Counters;

impl SharedHeap {
    /// Refills an empty class and takes one block from it: from the spare
    /// magazine, else from the batches handed back to this thread's arena
    /// (adopted whole: no heap work at all), else by carving a magazine from
    /// the heap as one run under one lock.
    #[cold]
    pub(crate) fn refill(&self, cache: &mut ThreadCache, class: usize) -> Result<usize, AllocError> {
        if !cache.reload(class) {
            let returns = &self.arenas[cache.arena].returns;
            let mut batches = returns.take(class);
            match batches.next() {
                Some(batch) => {
                    // SAFETY: batches of a class's stack are lists of cached
                    // blocks of that class, no longer than a magazine; now ours.
                    unsafe {
                        cache.load(class, batch.first, batch.len, cache.arena);
                        for batch in batches {
                            if !cache.load_spare(class, batch.first, batch.len, cache.arena) {
                                returns.push(class, batch);
                            }
                        }
                    }
                }
                None => self.carve_magazine(cache, class)?,
            }
            self.note(cache, Counters::ZERO);
        }
        cache.pop(class).ok_or(AllocError::OutOfMemory { size: class_size(class) })
    }

    /// Loads an empty class with a magazine carved from the heap. If that
    /// would make the heap grow while blocks handed back to the arena wait,
    /// a shorter magazine is carved from what the heap holds; failing that,
    /// a batch of a class up to twice as large serves as it is (its blocks
    /// are big enough, and go back to their own class when freed); failing
    /// that, the handed-back blocks are freed into the heap first.
    fn carve_magazine(&self, cache: &mut ThreadCache, class: usize) -> Result<(), AllocError> {
        let (size, mut count) = (class_size(class), magazine_capacity(class));
        let mut guard = self.lock(cache.arena);
        if guard.would_grow_past_returns(size * count) {
            let fit = guard.heap().placeable_without_growth() / size;
            if fit > 0 {
                count = fit.min(count);
            } else if let Some(batch) = self.borrow(cache.arena, class) {
                drop(guard);
                // SAFETY: a batch of a larger class: cached blocks at least
                // this class's size, no more than its magazine holds (larger
                // classes have no larger magazines).
                unsafe { cache.load(class, batch.first, batch.len, cache.arena) };
                return Ok(());
            } else {
                guard.drain();
            }
        }
        let mut list = 0;
        guard.heap().alloc_run(usable(size), count, |block| {
            // SAFETY: the block was just allocated, of at least this class's size.
            unsafe { ThreadCache::chain(block.as_ptr() as usize, list) };
            list = block.as_ptr() as usize;
        })?;
        // SAFETY: `list` holds `count` fresh blocks of the class, now cached.
        unsafe { cache.load(class, list, count, cache.arena) };
        Ok(())
    }

    /// A batch handed back to `arena` in a class above `class` and at most
    /// twice its size, if there is one.
    fn borrow(&self, arena: usize, class: usize) -> Option<Batch> {
        let returns = &self.arenas[arena].returns;
        let limit = 2 * class_size(class);
        (class + 1..CLASSES).take_while(|&larger| class_size(larger) <= limit).find_map(|larger| {
            let mut batches = returns.take(larger);
            let first = batches.next()?;
            for batch in batches {
                // SAFETY: taken from this stack just now, and ours until pushed back.
                unsafe { returns.push(larger, batch) };
            }
            Some(first)
        })
    }

    /// Caches a block whose class's loaded magazine is full: that magazine
    /// becomes the spare and a full spare goes back to the arenas (or, if
    /// it holds other arenas' blocks, it goes back itself). Also folds the
    /// thread's counters if due (the caller counts the free).
    ///
    /// # Safety
    /// As for [`ThreadCache::push`].
    #[cold]
    #[inline(never)]
    pub(crate) unsafe fn free_into_full(&self, cache: &mut ThreadCache, class: usize, addr: usize, arena: usize) {
        if let Some(full) = cache.retire_loaded(class) {
            self.hand_back(class, full);
        }
        // SAFETY: forwarded contract.
        let pushed = unsafe { cache.push(class, addr, arena) };
        debug_assert!(pushed, "an empty magazine has room");
        if cache.counters.is_due() {
            self.totals.fold(std::mem::take(&mut cache.counters));
        }
    }

    /// Returns a magazine of `class` to the arenas its blocks belong to,
    /// as lock-free batches: whole if it is known to hold blocks of one
    /// arena, else one batch per run of blocks of the same arena. Blocks of
    /// this thread's own arena go back the same way: a later refill of their
    /// class adopts them whole, and an arena about to grow frees them into
    /// the heap, so coalescing is deferred until memory is wanted elsewhere.
    fn hand_back(&self, class: usize, magazine: Magazine) {
        if let Some(arena) = magazine.arena {
            // SAFETY: a magazine is a null-terminated list of cached blocks
            // of `class`, here all of `arena`, no longer than a magazine.
            unsafe { self.arenas[arena].returns.push(class, Batch { first: magazine.first, len: magazine.len }) };
            return;
        }
        // (arena, batch being gathered, its last block).
        let mut batch: Option<(usize, Batch, usize)> = None;
        for block in Detached::new(magazine.first) {
            let arena = match block::region_of(block) {
                Some(region) => region.arena as usize,
                None => fatal(&format_args!("cached block {block:#x} lies outside the heap")),
            };
            match batch.as_mut() {
                Some((to, gathered, last)) if *to == arena => {
                    // SAFETY: detached blocks are ours; the first word links them.
                    unsafe { (*last as *mut usize).write(block) };
                    gathered.len += 1;
                    *last = block;
                }
                _ => {
                    if let Some(done) = batch.replace((arena, Batch { first: block, len: 1 }, block)) {
                        self.push_batch(class, done);
                    }
                }
            }
        }
        if let Some(done) = batch {
            self.push_batch(class, done);
        }
    }

    /// Pushes a gathered batch onto its arena's stack for `class`.
    fn push_batch(&self, class: usize, (arena, batch, last): (usize, Batch, usize)) {
        // SAFETY: the batch's blocks are detached cached blocks of `class`,
        // linked through their first words up to `last`, which ends the list.
        unsafe {
            (last as *mut usize).write(0);
            self.arenas[arena].returns.push(class, batch);
        }
    }

    /// Empties a thread's cache into the arenas and folds its counters.
    /// Blocks of the thread's own arena are left for its next thread to
    /// adopt, or for the arena to free when it would otherwise grow.
    pub(crate) fn drain_cache(&self, cache: &mut ThreadCache) {
        for class in 0..CLASSES {
            for magazine in cache.take_all(class).into_iter().flatten() {
                self.hand_back(class, magazine);
            }
        }
        self.totals.fold(std::mem::take(&mut cache.counters));
    }
}

#[cfg(test)]
mod tests {
    use crate::cache;
    use crate::chunk::{MIN_CHUNK, WORD};
    use crate::shared::SharedHeap;

    #[test]
    fn a_refill_that_would_grow_the_heap_takes_a_shorter_magazine_then_a_larger_class() {
        let heap: &'static SharedHeap = Box::leak(Box::new(SharedHeap::new()));
        // 640 blocks of 208-byte chunks, many magazines' worth: freed, all
        // but two magazines go back to the arena as batches.
        let blocks: Vec<_> = (0..640).map(|_| heap.alloc(200).unwrap()).collect();
        blocks.into_iter().for_each(|block| heap.free(block).unwrap());
        // Use up the top but for room for two 160-byte chunks.
        let arena = cache::with(heap, |cache| cache.arena).unwrap();
        {
            let mut guard = heap.lock(arena);
            let arena_heap = guard.heap();
            // SAFETY: the top exists once the heap has allocated.
            let top = unsafe { arena_heap.top.size() };
            arena_heap.alloc(top - (2 * 160 + 80 + 2 * MIN_CHUNK) - WORD).unwrap();
        }
        let mapped = heap.stats().mapped_bytes;
        let usable = |block| heap.owner_of(block as usize).unwrap().size;
        let short: Vec<_> = (0..2).map(|_| heap.alloc(150).unwrap().as_ptr()).collect();
        assert!(short.iter().all(|&block| usable(block) == 152), "carved where the top had room");
        let borrowed = heap.alloc(150).unwrap().as_ptr();
        assert_eq!(usable(borrowed), 200, "a 208-byte block from a handed-back batch");
        assert_eq!(heap.stats().mapped_bytes, mapped, "and the heap did not grow");
        heap.check_heap().unwrap();
    }
}
