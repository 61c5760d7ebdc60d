//! Blocks handed back to an arena from thread caches: a lock-free stack of
//! batches, in the spirit of mimalloc's thread-delayed free lists.
//!
//! When a thread's cache overflows, it does not take the lock of the arena
//! the blocks belong to (its own or another thread's): it pushes them, as
//! one batch per arena, with a single compare-and-swap. The stack is taken
//! whole (so a popped batch can never be pushed back under a racing pop: no
//! ABA), either when a thread of the arena refills its cache — a batch of
//! the right class then simply becomes the cache list, without touching the
//! heap — or when anyone locks the arena, which frees the blocks into the
//! heap. Coalescing is thereby deferred until the arena is needed for other
//! work.
//!
//! A batch is a cache list: word 0 of each block links the next block and
//! word 1 holds the cached marker; word 2 of the first block links the next
//! batch on the stack.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::cache::Detached;

pub(crate) struct Returns(AtomicUsize);

/// Third word of a batch's first block: the next batch.
fn next_batch(first: usize) -> *mut usize {
    (first as *mut usize).wrapping_add(2)
}

impl Returns {
    pub(crate) const fn new() -> Returns {
        Returns(AtomicUsize::new(0))
    }

    /// Pushes the batch headed by `first`.
    ///
    /// # Safety
    /// `first` must head a null-terminated list of cached blocks that
    /// nobody else uses.
    pub(crate) unsafe fn push(&self, first: usize) {
        let mut head = self.0.load(Ordering::Relaxed);
        loop {
            // SAFETY: per the contract the block is ours and at least three
            // words long (every chunk has 24 usable bytes).
            unsafe { next_batch(first).write(head) };
            match self.0.compare_exchange_weak(head, first, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => return,
                Err(current) => head = current,
            }
        }
    }

    /// Takes every batch pushed so far.
    pub(crate) fn take(&self) -> Batches {
        if self.0.load(Ordering::Relaxed) == 0 {
            return Batches(0);
        }
        Batches(self.0.swap(0, Ordering::Acquire))
    }
}

/// Batches taken from a stack; each is yielded as the list of its blocks.
/// The link to the next batch is read before a batch is yielded, because
/// freeing its first block may overwrite it.
pub(crate) struct Batches(usize);

impl Iterator for Batches {
    type Item = Detached;

    fn next(&mut self) -> Option<Detached> {
        let first = self.0;
        if first == 0 {
            return None;
        }
        // SAFETY: a batch's first block carries the link to the next batch.
        self.0 = unsafe { next_batch(first).read() };
        Some(Detached::new(first))
    }
}
