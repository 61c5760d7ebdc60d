//! Boundary tags: the header word every chunk starts with, the size footer
//! a free chunk ends with, and the free-list links a free chunk carries.
//! The layout is drawn in the crate documentation (`lib.rs`).
//!
//! Header words are accessed atomically (relaxed): a thread freeing a block
//! into its cache reads the block's header without the arena lock while the
//! owning arena may be flipping that header's `PINUSE` bit. Relaxed loads
//! and stores compile to plain moves; the atomics only make the race
//! well-defined. Links and footers live in free chunks, which only the
//! arena holding the lock touches.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes in a machine word; the header, links and footer are one word each.
pub(crate) const WORD: usize = size_of::<usize>();
/// Payload alignment and chunk-size granularity.
pub(crate) const ALIGNMENT: usize = 16;
/// The smallest chunk: header, two links and a footer when free.
pub(crate) const MIN_CHUNK: usize = 4 * WORD;

/// This chunk is allocated (or is a fence).
const CINUSE: usize = 0b0001;
/// The chunk before this one is allocated, so there is no footer to read.
const PINUSE: usize = 0b0010;
/// Set on free chunks by `check_heap` while it matches bins against segments.
const MARK: usize = 0b0100;
const FLAGS: usize = ALIGNMENT - 1;

/// A chunk, named by the address of its header word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Chunk(usize);

/// The chunk size that holds a request of `request` bytes, or None if the
/// arithmetic would overflow.
#[inline]
pub(crate) fn chunk_size_for(request: usize) -> Option<usize> {
    let padded = request.checked_add(WORD + ALIGNMENT - 1)? & !(ALIGNMENT - 1);
    (padded <= isize::MAX as usize).then_some(padded.max(MIN_CHUNK))
}

/// Bytes a caller may use in an allocated chunk of `size` bytes.
#[inline]
pub(crate) const fn usable(size: usize) -> usize {
    size - WORD
}

impl Chunk {
    /// Null: "no chunk" in bins and in a heap without a top yet.
    pub(crate) const NONE: Chunk = Chunk(0);

    #[inline]
    pub(crate) const fn at(addr: usize) -> Chunk {
        Chunk(addr)
    }

    #[inline]
    pub(crate) const fn from_payload(payload: usize) -> Chunk {
        Chunk(payload - WORD)
    }

    #[inline]
    pub(crate) const fn addr(self) -> usize {
        self.0
    }

    #[inline]
    pub(crate) const fn payload(self) -> usize {
        self.0 + WORD
    }

    #[inline]
    pub(crate) const fn is_none(self) -> bool {
        self.0 == 0
    }

    /// The chunk starting `offset` bytes after this one.
    #[inline]
    pub(crate) const fn plus(self, offset: usize) -> Chunk {
        Chunk(self.0 + offset)
    }

    // The two accessors below are private and every caller is an `unsafe fn`
    // of this type whose contract makes `addr` a word inside committed heap
    // memory.
    #[inline]
    fn read(addr: usize) -> usize {
        // SAFETY: see above; the reference lives only for this load.
        unsafe { AtomicUsize::from_ptr(addr as *mut usize) }.load(Ordering::Relaxed)
    }

    #[inline]
    fn write(addr: usize, value: usize) {
        // SAFETY: see above; the reference lives only for this store.
        unsafe { AtomicUsize::from_ptr(addr as *mut usize) }.store(value, Ordering::Relaxed)
    }

    /// # Safety
    /// `self` must be a chunk (or fence) in committed heap memory, as must
    /// every chunk the functions below reach; this contract is shared by all
    /// `unsafe fn`s of this type.
    #[inline]
    pub(crate) unsafe fn head(self) -> usize {
        Self::read(self.0)
    }

    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn size(self) -> usize {
        // SAFETY: forwarded contract.
        unsafe { self.head() & !FLAGS }
    }

    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn is_in_use(self) -> bool {
        // SAFETY: forwarded contract.
        unsafe { self.head() & CINUSE != 0 }
    }

    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn is_prev_in_use(self) -> bool {
        // SAFETY: forwarded contract.
        unsafe { self.head() & PINUSE != 0 }
    }

    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn next(self) -> Chunk {
        // SAFETY: forwarded contract.
        Chunk(self.0 + unsafe { self.size() })
    }

    /// The free chunk before this one, found through its footer.
    ///
    /// # Safety
    /// See [`Chunk::head`]; also `!self.is_prev_in_use()`.
    #[inline]
    pub(crate) unsafe fn prev_free(self) -> Chunk {
        Chunk(self.0 - Self::read(self.0 - WORD))
    }

    /// The footer of a free chunk: its last word.
    ///
    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn footer(self) -> usize {
        // SAFETY: forwarded contract.
        Self::read(self.0 + unsafe { self.size() } - WORD)
    }

    /// Writes the header of an allocated chunk.
    ///
    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn mark_in_use(self, size: usize, prev_in_use: bool) {
        Self::write(self.0, size | CINUSE | if prev_in_use { PINUSE } else { 0 });
    }

    /// Writes header and footer of a free chunk. Its predecessor is always
    /// in use: two free neighbours would have been coalesced.
    ///
    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn mark_free(self, size: usize) {
        Self::write(self.0, size | PINUSE);
        Self::write(self.0 + size - WORD, size);
    }

    /// Writes the header of the top chunk, which has no footer: nothing
    /// follows it but the fence, which never coalesces.
    ///
    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn mark_top(self, size: usize) {
        Self::write(self.0, size | PINUSE);
    }

    /// Writes the fence: a zero-size "allocated" header at a segment's end
    /// that stops walks and coalescing.
    ///
    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn mark_fence(self, prev_in_use: bool) {
        // SAFETY: forwarded contract.
        unsafe { self.mark_in_use(0, prev_in_use) }
    }

    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn set_prev_in_use(self, prev_in_use: bool) {
        // SAFETY: forwarded contract.
        let head = unsafe { self.head() };
        Self::write(self.0, if prev_in_use { head | PINUSE } else { head & !PINUSE });
    }

    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn is_marked(self) -> bool {
        // SAFETY: forwarded contract.
        unsafe { self.head() & MARK != 0 }
    }

    /// # Safety
    /// See [`Chunk::head`].
    #[inline]
    pub(crate) unsafe fn set_marked(self, marked: bool) {
        // SAFETY: forwarded contract.
        let head = unsafe { self.head() };
        Self::write(self.0, if marked { head | MARK } else { head & !MARK });
    }

    /// Next chunk in this free chunk's bin.
    ///
    /// # Safety
    /// See [`Chunk::head`]; `self` must be free.
    #[inline]
    pub(crate) unsafe fn fd(self) -> Chunk {
        Chunk(Self::read(self.0 + WORD))
    }

    /// Previous chunk in this free chunk's bin.
    ///
    /// # Safety
    /// See [`Chunk::head`]; `self` must be free.
    #[inline]
    pub(crate) unsafe fn bk(self) -> Chunk {
        Chunk(Self::read(self.0 + 2 * WORD))
    }

    /// # Safety
    /// See [`Chunk::head`]; `self` must be free.
    #[inline]
    pub(crate) unsafe fn set_fd(self, fd: Chunk) {
        Self::write(self.0 + WORD, fd.0);
    }

    /// # Safety
    /// See [`Chunk::head`]; `self` must be free.
    #[inline]
    pub(crate) unsafe fn set_bk(self, bk: Chunk) {
        Self::write(self.0 + 2 * WORD, bk.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_sizes_round_to_aligned_chunks_with_one_word_of_overhead() {
        assert_eq!(chunk_size_for(0), Some(MIN_CHUNK));
        assert_eq!(chunk_size_for(1), Some(MIN_CHUNK));
        assert_eq!(chunk_size_for(24), Some(32));
        assert_eq!(chunk_size_for(25), Some(48));
        assert_eq!(chunk_size_for(40), Some(48));
        assert_eq!(chunk_size_for(1000), Some(1008));
        assert_eq!(usable(chunk_size_for(1000).unwrap()), 1000);
        assert_eq!(chunk_size_for(usize::MAX), None);
        assert_eq!(chunk_size_for(isize::MAX as usize), None);
    }

    #[test]
    fn tags_round_trip_through_memory() {
        let mut words = [0usize; 16];
        let base = words.as_mut_ptr() as usize;
        let a = Chunk::at(base);
        let b = a.plus(64);
        // SAFETY: both chunks lie inside `words`.
        unsafe {
            a.mark_free(64);
            b.mark_in_use(32, false);
            assert_eq!(a.size(), 64);
            assert!(!a.is_in_use() && a.is_prev_in_use());
            assert_eq!(a.footer(), 64);
            assert_eq!(a.next(), b);
            assert_eq!(b.prev_free(), a);
            b.set_prev_in_use(true);
            assert!(b.is_in_use() && b.is_prev_in_use() && b.size() == 32);
            a.set_marked(true);
            assert!(a.is_marked() && a.size() == 64);
            a.set_marked(false);
            a.set_fd(b);
            a.set_bk(Chunk::NONE);
            assert_eq!((a.fd(), a.bk()), (b, Chunk::NONE));
        }
    }
}
