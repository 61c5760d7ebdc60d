//! Blocks handed back to an arena from thread caches: per size class, a
//! lock-free stack of batches, in the spirit of mimalloc's thread-delayed
//! free lists.
//!
//! When a thread's cache has a full magazine too many (`cache.rs`), it does
//! not take the lock of the arena the blocks belong to (its own or another
//! thread's): it pushes them, as one batch per arena, with a single
//! compare-and-swap onto that arena's stack for the class. A stack is only
//! ever taken whole (so a popped batch can never be pushed back under a
//! racing pop: no ABA): by a thread of the arena whose cache runs out of the
//! class — the batch simply becomes its magazine, without touching the heap
//! — or, all stacks at once, by the arena when it is about to grow (or is
//! flushed), which frees the blocks into the heap. Coalescing is thereby
//! deferred until memory is wanted elsewhere, and memory is never mapped
//! while returned blocks could have served the request.
//!
//! A batch is a cache list: word 0 of each block links the next block and
//! word 1 holds the cached marker; word 2 of the first block links the next
//! batch on the stack, with the batch's length in its top 16 bits (addresses
//! are below 2^48).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::cache::Detached;
use crate::classes::CLASSES;

const MASK_WORDS: usize = CLASSES.div_ceil(64);
const LEN_SHIFT: u32 = 48;

pub(crate) struct Returns {
    stacks: [AtomicUsize; CLASSES],
    /// Bit `c` is set whenever stack `c` may be non-empty (a hint: it may
    /// stay set after the stack was taken, never clear while it has batches).
    pending: [AtomicU64; MASK_WORDS],
}

/// A batch: its first block and its length.
#[derive(Clone, Copy)]
pub(crate) struct Batch {
    pub(crate) first: usize,
    pub(crate) len: usize,
}

/// Third word of a batch's first block: the next batch and its own length.
fn link(first: usize) -> *mut usize {
    (first as *mut usize).wrapping_add(2)
}

impl Returns {
    pub(crate) const fn new() -> Returns {
        Returns { stacks: [const { AtomicUsize::new(0) }; CLASSES], pending: [const { AtomicU64::new(0) }; MASK_WORDS] }
    }

    /// Pushes a batch of blocks of `class`.
    ///
    /// # Safety
    /// The batch must be a null-terminated list of `len` cached blocks of
    /// `class` (at least 1, at most 2^16 - 1) that nobody else uses.
    pub(crate) unsafe fn push(&self, class: usize, batch: Batch) {
        debug_assert!(batch.len > 0 && batch.len < 1 << (usize::BITS - LEN_SHIFT));
        let stack = &self.stacks[class];
        let mut head = stack.load(Ordering::Relaxed);
        loop {
            // SAFETY: per the contract the block is ours and at least three
            // words long (every chunk has 24 usable bytes).
            unsafe { link(batch.first).write(head | batch.len << LEN_SHIFT) };
            match stack.compare_exchange_weak(head, batch.first, Ordering::SeqCst, Ordering::Relaxed) {
                Ok(_) => break,
                Err(current) => head = current,
            }
        }
        // After the push, so a drain that clears the bit and then takes the
        // stack either sees this batch or leaves the bit set for it.
        let (word, bit) = (class / 64, 1u64 << (class % 64));
        if self.pending[word].load(Ordering::SeqCst) & bit == 0 {
            self.pending[word].fetch_or(bit, Ordering::SeqCst);
        }
    }

    /// Takes every batch of `class` pushed so far.
    #[inline]
    pub(crate) fn take(&self, class: usize) -> Batches {
        let stack = &self.stacks[class];
        if stack.load(Ordering::Relaxed) == 0 {
            return Batches(0);
        }
        Batches(stack.swap(0, Ordering::SeqCst))
    }

    /// Whether any stack may hold batches.
    pub(crate) fn any_pending(&self) -> bool {
        self.pending.iter().any(|word| word.load(Ordering::Relaxed) != 0)
    }

    /// Takes every batch of every class, for `each` to free them.
    pub(crate) fn take_all(&self, mut each: impl FnMut(Batch)) {
        for (word, pending) in self.pending.iter().enumerate() {
            let mut bits = pending.swap(0, Ordering::SeqCst);
            while bits != 0 {
                let class = word * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                self.take(class).for_each(&mut each);
            }
        }
    }
}

/// Batches taken from a stack. The link to the next batch is read before a
/// batch is yielded, because freeing its first block may overwrite it.
pub(crate) struct Batches(usize);

impl Iterator for Batches {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        let first = self.0;
        if first == 0 {
            return None;
        }
        // SAFETY: a batch's first block carries the link to the next batch.
        let word = unsafe { link(first).read() };
        self.0 = word & ((1 << LEN_SHIFT) - 1);
        Some(Batch { first, len: word >> LEN_SHIFT })
    }
}

impl Batch {
    /// The blocks of the batch.
    pub(crate) fn blocks(self) -> Detached {
        Detached::new(self.first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch of `len` fake cached blocks (four words each) in `buf`.
    fn batch(buf: &mut [usize], len: usize) -> Batch {
        let base = buf.as_mut_ptr() as usize;
        for i in 0..len {
            buf[i * 4] = if i + 1 < len { base + (i + 1) * 4 * size_of::<usize>() } else { 0 };
        }
        Batch { first: base, len }
    }

    #[test]
    fn batches_are_taken_per_class_or_all_at_once() {
        let returns = Returns::new();
        let (mut a, mut b, mut c) = (vec![0usize; 16], vec![0usize; 16], vec![0usize; 16]);
        let (a, b, c) = (batch(&mut a, 3), batch(&mut b, 2), batch(&mut c, 4));
        assert!(!returns.any_pending());
        // SAFETY: each fake batch is pushed once and not used meanwhile.
        unsafe {
            returns.push(7, a);
            returns.push(7, b);
            returns.push(90, c);
        }
        assert!(returns.any_pending());
        let seven: Vec<(usize, usize)> = returns.take(7).map(|batch| (batch.first, batch.len)).collect();
        assert_eq!(seven, vec![(b.first, 2), (a.first, 3)], "newest first, lengths kept");
        assert_eq!(returns.take(7).count(), 0);
        let mut all = Vec::new();
        returns.take_all(|batch| all.push((batch.first, batch.len, batch.blocks().count())));
        assert_eq!(all, vec![(c.first, 4, 4)]);
        assert!(!returns.any_pending(), "take_all clears the hints");
    }
}
