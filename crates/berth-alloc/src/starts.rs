//! The start bitmap: one bit per 16-byte granule of a segment's chunk area,
//! set exactly where the payload of an *allocated* chunk begins.
//!
//! It serves two lookups that boundary tags alone cannot answer safely:
//! `free` tells a live block from a freed or interior address with one bit
//! test (double-free detection), and `owner_of` finds, from any interior
//! address, the closest block start at or below it — the last set bit —
//! then checks that the block reaches the address. A summary word with one
//! bit per non-zero bitmap word bounds that backward search to 64 summary
//! words per segment. Only the heap holding the segment's lock writes;
//! readers on other threads use atomic loads.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::chunk::ALIGNMENT;
use crate::segment::{SUMMARY_WORDS, Segment};

impl Segment {
    #[inline]
    fn bitmap_word(&self, word: usize) -> &AtomicU64 {
        // SAFETY: callers pass a word index for a granule below `end()`, and
        // `grow` commits the bitmap words covering everything below `end()`.
        unsafe { &*(self.bitmap as *const AtomicU64).add(word) }
    }

    #[inline]
    fn granule(&self, addr: usize) -> (usize, u32) {
        let granule = (addr - self.chunks) / ALIGNMENT;
        (granule / 64, (granule % 64) as u32)
    }

    /// Records that an allocated block's payload starts at `payload`.
    pub(crate) fn set_start(&self, payload: usize) {
        let (word, bit) = self.granule(payload);
        let cell = self.bitmap_word(word);
        let old = cell.load(Ordering::Relaxed);
        cell.store(old | 1 << bit, Ordering::Relaxed);
        if old == 0 {
            let summary = &self.summary[word / 64];
            summary.store(summary.load(Ordering::Relaxed) | 1 << (word % 64), Ordering::Relaxed);
        }
    }

    /// Forgets the block start at `payload`.
    pub(crate) fn clear_start(&self, payload: usize) {
        let (word, bit) = self.granule(payload);
        let cell = self.bitmap_word(word);
        let new = cell.load(Ordering::Relaxed) & !(1 << bit);
        cell.store(new, Ordering::Relaxed);
        if new == 0 {
            let summary = &self.summary[word / 64];
            summary.store(summary.load(Ordering::Relaxed) & !(1 << (word % 64)), Ordering::Relaxed);
        }
    }

    /// Whether an allocated block's payload starts exactly at `payload`
    /// (which must be 16-aligned, inside the committed chunk area).
    #[inline]
    pub(crate) fn is_start(&self, payload: usize) -> bool {
        let (word, bit) = self.granule(payload);
        self.bitmap_word(word).load(Ordering::Relaxed) & (1 << bit) != 0
    }

    /// Whether an allocated block's payload starts exactly at `addr`, for
    /// any address at all: it must be 16-aligned and inside the committed
    /// chunk area before the bitmap is consulted.
    #[inline(always)]
    pub(crate) fn is_block_start(&self, addr: usize) -> bool {
        // No payload starts at `chunks` itself (the first chunk's header is
        // there), so offset 0 fails the bit test and one unsigned comparison
        // bounds the rest; it fails for addresses below `chunks` too.
        let offset = addr.wrapping_sub(self.chunks);
        addr.is_multiple_of(ALIGNMENT) && offset < self.len() && self.is_start(addr)
    }

    /// The highest block start at or below `addr` (inside the committed
    /// chunk area).
    pub(crate) fn start_at_or_before(&self, addr: usize) -> Option<usize> {
        let (word, bit) = self.granule(addr);
        let to_payload = |word: usize, bits: u64| {
            let granule = word * 64 + 63 - bits.leading_zeros() as usize;
            self.chunks + granule * ALIGNMENT
        };
        let here = self.bitmap_word(word).load(Ordering::Relaxed) & (u64::MAX >> (63 - bit));
        if here != 0 {
            return Some(to_payload(word, here));
        }
        // Earlier non-zero words, found through the summary.
        let (mut summary_word, summary_bit) = (word / 64, word % 64);
        let mut candidates = self.summary[summary_word].load(Ordering::Relaxed) & ((1u64 << summary_bit) - 1);
        loop {
            if candidates != 0 {
                let found = summary_word * 64 + 63 - candidates.leading_zeros() as usize;
                return Some(to_payload(found, self.bitmap_word(found).load(Ordering::Relaxed)));
            }
            if summary_word == 0 {
                return None;
            }
            summary_word -= 1;
            candidates = self.summary[summary_word].load(Ordering::Relaxed);
        }
    }

    /// Number of block starts recorded (for `check_heap`).
    pub(crate) fn count_starts(&self) -> usize {
        let words = (self.end() - self.chunks).div_ceil(ALIGNMENT * 64);
        (0..words).map(|w| self.bitmap_word(w).load(Ordering::Relaxed).count_ones() as usize).sum()
    }

    /// Whether the summary has exactly one bit per non-zero bitmap word (for `check_heap`).
    pub(crate) fn summary_agrees(&self) -> bool {
        let words = (self.end() - self.chunks).div_ceil(ALIGNMENT * 64);
        (0..SUMMARY_WORDS * 64).all(|w| {
            let flagged = self.summary[w / 64].load(Ordering::Relaxed) & (1 << (w % 64)) != 0;
            let nonzero = w < words && self.bitmap_word(w).load(Ordering::Relaxed) != 0;
            flagged == nonzero
        })
    }
}
