//! Segments: the OS memory that chunks live in.
//!
//! A segment reserves `SEGMENT_SIZE` bytes of address space and commits
//! pages only as its top chunk grows (and gives them back when the top is
//! trimmed), so a heap's footprint follows its live data:
//!
//! ```text
//! base     segment header (this struct: owner, bounds, start-bitmap summary)
//!          start bitmap: 1 bit per 16-byte granule, committed with the chunk area
//! chunks   chunk area: first chunk header at chunks + 8 ... top chunk, fence
//! end      end of the committed chunk area (the fence is the word before it)
//!          reserved, uncommitted
//! base + SEGMENT_SIZE
//! ```
//!
//! Every page of the reservation is registered in the page map, so any
//! address in it leads back to this header. Fields other threads may read
//! without the owning arena's lock (`end`, the bitmaps) are atomics.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use crate::chunk::{ALIGNMENT, Chunk, WORD};
use crate::os;
use crate::pagemap::{self, Region};

/// Address space reserved per segment. Bins are sized so no free chunk
/// reaches this (see `bins.rs`), and huge requests are far below it.
pub(crate) const SEGMENT_SIZE: usize = 4 << 20;
/// The top grows by at least this much per commit, to amortise the system call.
pub(crate) const GROW_STEP: usize = 64 << 10;
pub(crate) const BITMAP_WORDS: usize = SEGMENT_SIZE / ALIGNMENT / 64;
pub(crate) const SUMMARY_WORDS: usize = BITMAP_WORDS / 64;

#[repr(C)]
pub(crate) struct Segment {
    pub(crate) region: Region,
    /// The next older segment of the same heap.
    pub(crate) next: AtomicPtr<Segment>,
    /// Start of the chunk area (page-aligned).
    pub(crate) chunks: usize,
    /// End of the committed chunk area.
    end: AtomicUsize,
    /// The start bitmap's words (see `starts.rs`).
    pub(crate) bitmap: usize,
    /// End of the committed part of the start bitmap.
    bitmap_end: AtomicUsize,
    /// Bit `w` says bitmap word `w` is non-zero.
    pub(crate) summary: [AtomicU64; SUMMARY_WORDS],
}

impl Segment {
    /// Reserves a segment owned by `region` and commits a chunk area of at
    /// least `min_bytes`. None if the OS refuses.
    pub(crate) fn create(region: Region, min_bytes: usize) -> Option<NonNull<Segment>> {
        let base = os::reserve(SEGMENT_SIZE)?;
        let header_len = os::round_to_pages(size_of::<Segment>())?;
        let bitmap = base + header_len;
        let chunks = bitmap + os::round_to_pages(BITMAP_WORDS * size_of::<u64>())?;
        let segment = base as *mut Segment;
        // SAFETY: the header pages are part of the fresh reservation; once
        // committed they are writable and nobody else knows the address yet.
        let committed = unsafe {
            os::commit(base, header_len) && {
                segment.write(Segment {
                    region,
                    next: AtomicPtr::new(std::ptr::null_mut()),
                    chunks,
                    end: AtomicUsize::new(chunks),
                    bitmap,
                    bitmap_end: AtomicUsize::new(bitmap),
                    summary: [const { AtomicU64::new(0) }; SUMMARY_WORDS],
                });
                true
            }
        };
        // SAFETY: `segment` is non-null (it is the mapping's base).
        let segment = unsafe { NonNull::new_unchecked(segment) };
        let registered = committed && pagemap::register(base, SEGMENT_SIZE, segment.cast());
        // SAFETY: the header was written if `registered`.
        if registered && unsafe { segment.as_ref() }.grow(chunks + min_bytes).is_some() {
            return Some(segment);
        }
        if registered {
            pagemap::unregister(base, SEGMENT_SIZE);
        }
        // SAFETY: the reservation is ours and nothing in it is in use.
        unsafe { os::unmap(base, SEGMENT_SIZE) };
        None
    }

    /// Unregisters and unmaps a segment.
    ///
    /// # Safety
    /// Nothing in the segment may be used afterwards.
    pub(crate) unsafe fn destroy(segment: NonNull<Segment>) {
        let base = segment.as_ptr() as usize;
        pagemap::unregister(base, SEGMENT_SIZE);
        // SAFETY: the caller guarantees the segment is no longer used.
        unsafe { os::unmap(base, SEGMENT_SIZE) };
    }

    pub(crate) fn base(&self) -> usize {
        self as *const Segment as usize
    }

    pub(crate) fn reserve_end(&self) -> usize {
        self.base() + SEGMENT_SIZE
    }

    #[inline]
    pub(crate) fn end(&self) -> usize {
        self.end.load(Ordering::Relaxed)
    }

    /// The segment's first chunk; its header sits one word into the chunk
    /// area so that payloads are 16-byte aligned.
    pub(crate) fn first_chunk(&self) -> Chunk {
        Chunk::at(self.chunks + WORD)
    }

    /// The zero-size header in the last word of the committed area.
    pub(crate) fn fence(&self) -> Chunk {
        Chunk::at(self.end() - WORD)
    }

    /// Bytes of this segment that are committed: header, bitmap, chunk area.
    pub(crate) fn mapped_bytes(&self) -> usize {
        self.bitmap_end.load(Ordering::Relaxed) - self.base() + self.end() - self.chunks
    }

    /// Commits the chunk area up to at least `min_end` (by at least
    /// `GROW_STEP`, capped by the reservation) and the bitmap words that
    /// cover it. Returns the bytes newly committed, or None if `min_end` is
    /// beyond the reservation or the OS refuses.
    pub(crate) fn grow(&self, min_end: usize) -> Option<usize> {
        let (end, bitmap_end) = (self.end(), self.bitmap_end.load(Ordering::Relaxed));
        if min_end > self.reserve_end() {
            return None;
        }
        let new_end = os::round_to_pages(min_end.max(end + GROW_STEP))?.min(self.reserve_end());
        let words = (new_end - self.chunks).div_ceil(ALIGNMENT * 64);
        let new_bitmap_end = os::round_to_pages(self.bitmap + words * size_of::<u64>())?.max(bitmap_end);
        // SAFETY: both ranges are page-aligned parts of this segment's
        // reservation beyond what is committed.
        let committed = unsafe {
            os::commit(end, new_end - end)
                && (new_bitmap_end == bitmap_end || os::commit(bitmap_end, new_bitmap_end - bitmap_end))
        };
        if !committed {
            return None;
        }
        self.end.store(new_end, Ordering::Relaxed);
        self.bitmap_end.store(new_bitmap_end, Ordering::Relaxed);
        Some(new_end - end + new_bitmap_end - bitmap_end)
    }

    /// Decommits the chunk area beyond `new_end` (page-aligned, not below
    /// anything in use) and returns the bytes released. The bitmap stays
    /// committed: it is small and the top will likely grow back.
    pub(crate) fn shrink(&self, new_end: usize) -> usize {
        let end = self.end();
        debug_assert!(new_end.is_multiple_of(os::page_size()) && new_end > self.chunks && new_end <= end);
        // SAFETY: the caller guarantees nothing beyond `new_end` is in use.
        if new_end == end || !unsafe { os::decommit(new_end, end - new_end) } {
            return 0;
        }
        self.end.store(new_end, Ordering::Relaxed);
        end - new_end
    }
}
