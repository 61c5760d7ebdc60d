//! Bins: segregated lists of free chunks, and the bitmap of non-empty bins.
//!
//! Small bins hold one exact chunk size each (32, 48, ... 256 bytes). Large
//! bins split each power-of-two range of sizes into 16 equal sub-ranges (as
//! TLSF does; 16 is the most that keeps the first range's sub-ranges at
//! least one 16-byte step wide), so sizes within a bin differ by at most
//! about 6% and a bin list stays short: keeping it sorted is cheap. Bin indices grow with size, so once the bin for a
//! request is known, *any* chunk in a later non-empty bin fits, and the
//! bitmap finds that bin with a mask and a trailing-zero count.
//!
//! Each bin is a doubly linked list threaded through its free chunks, kept
//! in the order the heap's placement policy needs (see [`Order`]). Lists
//! are null-terminated rather than circular through a sentinel so the bins
//! hold no pointers into themselves and a `Heap` can be moved.

use crate::chunk::{ALIGNMENT, Chunk, MIN_CHUNK};
use crate::segment::SEGMENT_SIZE;

/// The largest chunk size with an exact-size bin.
pub(crate) const MAX_SMALL: usize = 256;
/// Number of exact-size bins: chunk sizes 32 through 256 in steps of 16.
pub(crate) const SMALL_BINS: usize = (MAX_SMALL - MIN_CHUNK) / ALIGNMENT + 1;
/// Each power-of-two range of large sizes is split into `1 << SUB_BITS` bins.
const SUB_BITS: u32 = 4;
const FIRST_LEVEL: u32 = MAX_SMALL.trailing_zeros();
/// Free chunks never span a whole segment (its header lives there too).
const LAST_LEVEL: u32 = SEGMENT_SIZE.trailing_zeros() - 1;
/// Total number of bins. The first sub-range of the first level would
/// hold only the size 256, which is small, so it gets no bin.
pub(crate) const BINS: usize = SMALL_BINS + (((LAST_LEVEL - FIRST_LEVEL + 1) as usize) << SUB_BITS) - 1;
const MAP_WORDS: usize = BINS.div_ceil(64);

/// The bin that holds free chunks of `size` bytes.
pub(crate) fn bin_index(size: usize) -> usize {
    debug_assert!(size >= MIN_CHUNK && size.is_multiple_of(ALIGNMENT) && size < SEGMENT_SIZE);
    if size <= MAX_SMALL {
        return (size - MIN_CHUNK) / ALIGNMENT;
    }
    let level = usize::BITS - 1 - size.leading_zeros();
    let sub = (size >> (level - SUB_BITS)) & ((1 << SUB_BITS) - 1);
    SMALL_BINS + (((level - FIRST_LEVEL) as usize) << SUB_BITS) + sub - 1
}

/// How chunks are ordered inside a bin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// Newest first: O(1) insertion, for exact-size bins where any chunk is as good.
    Lifo,
    /// Ascending by (size, address): the first chunk that fits is the best fit
    /// and the last one is the largest.
    Size,
    /// Ascending by address, for address-ordered first fit and next fit.
    Address,
}

pub(crate) struct Bins {
    heads: [Chunk; BINS],
    tails: [Chunk; BINS],
    map: [u64; MAP_WORDS],
    small_order: Order,
    large_order: Order,
}

/// Walks one bin from head to tail.
pub(crate) struct BinIter(Chunk);

impl Iterator for BinIter {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        let current = self.0;
        if current.is_none() {
            return None;
        }
        // SAFETY: `Bins::iter`'s contract: the list is intact and unchanged
        // while iterated, so `current` is a free chunk in committed memory.
        self.0 = unsafe { current.fd() };
        Some(current)
    }
}

impl Bins {
    pub(crate) const fn new(small_order: Order, large_order: Order) -> Bins {
        Bins { heads: [Chunk::NONE; BINS], tails: [Chunk::NONE; BINS], map: [0; MAP_WORDS], small_order, large_order }
    }

    pub(crate) fn order(&self, bin: usize) -> Order {
        if bin < SMALL_BINS { self.small_order } else { self.large_order }
    }

    pub(crate) fn head(&self, bin: usize) -> Chunk {
        self.heads[bin]
    }

    pub(crate) fn tail(&self, bin: usize) -> Chunk {
        self.tails[bin]
    }

    /// Whether the bitmap says `bin` is non-empty (`check_heap` compares this
    /// with the list itself).
    pub(crate) fn is_flagged(&self, bin: usize) -> bool {
        self.map[bin / 64] & (1 << (bin % 64)) != 0
    }

    /// The first non-empty bin at index `bin` or above.
    pub(crate) fn next_nonempty(&self, bin: usize) -> Option<usize> {
        let mut word = bin / 64;
        if word >= MAP_WORDS {
            return None;
        }
        let mut bits = self.map[word] & (!0u64 << (bin % 64));
        loop {
            if bits != 0 {
                return Some(word * 64 + bits.trailing_zeros() as usize);
            }
            word += 1;
            if word == MAP_WORDS {
                return None;
            }
            bits = self.map[word];
        }
    }

    /// The highest non-empty bin.
    pub(crate) fn last_nonempty(&self) -> Option<usize> {
        (0..MAP_WORDS)
            .rev()
            .find(|&word| self.map[word] != 0)
            .map(|word| word * 64 + 63 - self.map[word].leading_zeros() as usize)
    }

    /// Iterates over the chunks of `bin` in list order.
    ///
    /// # Safety
    /// The bins must be intact and must not change while the iterator lives.
    pub(crate) unsafe fn iter(&self, bin: usize) -> BinIter {
        BinIter(self.heads[bin])
    }

    /// Adds free chunk `chunk` (header and footer already written) to its bin.
    ///
    /// # Safety
    /// `chunk` must be a free chunk in committed memory and in no bin; the
    /// bins must be intact.
    pub(crate) unsafe fn insert(&mut self, chunk: Chunk) {
        // SAFETY: per the contract, `chunk` and every chunk in the bins are
        // free chunks in committed memory.
        unsafe {
            let bin = bin_index(chunk.size());
            let (head, tail) = (self.heads[bin], self.tails[bin]);
            let order = self.order(bin);
            // Sorted bins: the ends are checked first, since split remainders
            // and freed neighbours of the top often land there.
            let key = |c: Chunk| match order {
                Order::Size => (c.size(), c.addr()),
                Order::Lifo | Order::Address => (0, c.addr()),
            };
            let next = if order == Order::Lifo || head.is_none() || key(chunk) < key(head) {
                head
            } else if key(tail) < key(chunk) {
                Chunk::NONE
            } else {
                self.iter(bin).find(|&c| key(c) > key(chunk)).unwrap_or(Chunk::NONE)
            };
            let prev = if next.is_none() { self.tails[bin] } else { next.bk() };
            chunk.set_fd(next);
            chunk.set_bk(prev);
            if prev.is_none() {
                self.heads[bin] = chunk;
            } else {
                prev.set_fd(chunk);
            }
            if next.is_none() {
                self.tails[bin] = chunk;
            } else {
                next.set_bk(chunk);
            }
            self.map[bin / 64] |= 1 << (bin % 64);
        }
    }

    /// Takes free chunk `chunk` out of its bin.
    ///
    /// # Safety
    /// `chunk` must be in the bin its size selects; the bins must be intact.
    pub(crate) unsafe fn remove(&mut self, chunk: Chunk) {
        // SAFETY: per the contract, `chunk` and its list neighbours are free
        // chunks in committed memory.
        unsafe {
            let bin = bin_index(chunk.size());
            let (next, prev) = (chunk.fd(), chunk.bk());
            if prev.is_none() {
                self.heads[bin] = next;
            } else {
                prev.set_fd(next);
            }
            if next.is_none() {
                self.tails[bin] = prev;
            } else {
                next.set_bk(prev);
            }
            if self.heads[bin].is_none() {
                self.map[bin / 64] &= !(1 << (bin % 64));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_bins_are_exact_and_large_bins_are_ranged_and_monotone() {
        assert_eq!(SMALL_BINS, 15);
        assert_eq!(bin_index(32), 0);
        assert_eq!(bin_index(48), 1);
        assert_eq!(bin_index(256), SMALL_BINS - 1);
        assert_eq!(bin_index(272), SMALL_BINS);
        // Each power-of-two range splits into `1 << SUB_BITS` equal bins.
        let width = 4096 >> SUB_BITS;
        assert_eq!(bin_index(4096), bin_index(4096 + width - ALIGNMENT));
        assert_ne!(bin_index(4096), bin_index(4096 + width));
        let mut last = 0;
        for size in (MIN_CHUNK..SEGMENT_SIZE).step_by(ALIGNMENT) {
            let bin = bin_index(size);
            assert!(bin == last || bin == last + 1, "bins skip at size {size}");
            last = bin;
        }
        assert_eq!(last, BINS - 1);
    }

    /// Builds free chunks of the given sizes in one buffer, in address order.
    fn chunks(buf: &mut [usize], sizes: &[usize]) -> Vec<Chunk> {
        let mut addr = buf.as_mut_ptr() as usize;
        let end = addr + std::mem::size_of_val(buf);
        sizes
            .iter()
            .map(|&size| {
                assert!(addr + size <= end);
                let chunk = Chunk::at(addr);
                // SAFETY: the chunk lies inside `buf`.
                unsafe { chunk.mark_free(size) };
                addr += size;
                chunk
            })
            .collect()
    }

    fn list(bins: &Bins, bin: usize) -> Vec<Chunk> {
        // SAFETY: the test's bins are intact and not modified while walked.
        unsafe { bins.iter(bin).collect() }
    }

    #[test]
    fn insertion_keeps_the_requested_order_and_the_bitmap() {
        // Links live in the chunks, so each set of bins gets its own chunks.
        let sizes = [4160, 4112, 4160, 4144, 48, 48];
        let (mut buf_a, mut buf_b) = (vec![0usize; 4096], vec![0usize; 4096]);
        let (c, d) = (chunks(&mut buf_a, &sizes), chunks(&mut buf_b, &sizes));
        let large = bin_index(4112);
        assert_eq!(large, bin_index(4160));

        let mut by_size = Bins::new(Order::Lifo, Order::Size);
        let mut by_addr = Bins::new(Order::Address, Order::Address);
        // SAFETY: all chunks are free and each is inserted once.
        unsafe {
            for i in [2, 0, 3, 1] {
                by_size.insert(c[i]);
                by_addr.insert(d[i]);
            }
        }
        assert_eq!(list(&by_size, large), vec![c[1], c[3], c[0], c[2]]);
        assert_eq!(by_size.tail(large), c[2]);
        assert_eq!(list(&by_addr, large), vec![d[0], d[1], d[2], d[3]]);

        // SAFETY: as above.
        unsafe {
            by_size.insert(c[4]);
            by_size.insert(c[5]);
        }
        assert_eq!(list(&by_size, bin_index(48)), vec![c[5], c[4]], "small bins are LIFO");
        assert_eq!(by_size.next_nonempty(0), Some(bin_index(48)));
        assert_eq!(by_size.next_nonempty(bin_index(48) + 1), Some(large));
        assert_eq!(by_size.next_nonempty(large + 1), None);
        assert_eq!(by_size.last_nonempty(), Some(large));

        // SAFETY: each chunk is in the bin its size selects.
        unsafe {
            by_size.remove(c[3]);
            by_size.remove(c[1]);
        }
        assert_eq!(list(&by_size, large), vec![c[0], c[2]]);
        assert_eq!(by_size.head(large), c[0]);
        // SAFETY: as above.
        unsafe {
            by_size.remove(c[0]);
            by_size.remove(c[2]);
        }
        assert!(!by_size.is_flagged(large) && by_size.head(large).is_none());
        assert_eq!(by_size.last_nonempty(), Some(bin_index(48)));
    }
}
