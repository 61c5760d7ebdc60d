//! Segments: the OS memory that chunks live in.
//!
//! A segment reserves `SEGMENT_SIZE` bytes of address space, aligned to
//! that size (so `segmap.rs` finds it from any address inside), and commits
//! pages only as its top chunk grows (and gives them back when the top is
//! trimmed), so a heap's footprint follows its live data:
//!
//! ```text
//! base     segment header (this struct: owner, bounds, start-bitmap summary)
//! chunks   chunk area, right after the header in its first page: first
//!          chunk header at chunks + 8 ... top chunk, fence
//! end      end of the committed part (page-aligned; the fence is the word
//!          before it): [base, end) is committed as one range
//!          reserved, uncommitted
//! bitmap   start bitmap, 1 bit per 16-byte granule of the chunk area: the
//!          last `BITMAP_BYTES` of the reservation, committed from its start
//!          as far as the committed chunk area needs
//! base + SEGMENT_SIZE
//! ```
//!
//! The header shares its page with the first chunks, and the bitmap costs a
//! page per 512 KiB of chunks, so a small heap pays little more than the
//! pages its chunks need. Every page of the reservation is registered in
//! the page map, so any address in it leads back to this header. Fields
//! other threads may read without the owning arena's lock (`len`, the
//! bitmaps) are atomics.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use crate::chunk::{ALIGNMENT, Chunk, WORD};
use crate::os;
use crate::pagemap::{self, Region};
use crate::segmap;

/// Address space reserved per segment. Bins are sized so no free chunk
/// reaches this (see `bins.rs`), and huge requests are far below it.
pub(crate) const SEGMENT_SIZE: usize = 4 << 20;
pub(crate) const BITMAP_WORDS: usize = SEGMENT_SIZE / ALIGNMENT / 64;
const BITMAP_BYTES: usize = BITMAP_WORDS * size_of::<u64>();
pub(crate) const SUMMARY_WORDS: usize = BITMAP_WORDS / 64;
/// The top grows by a 128th of what its heap maps, within these bounds, to
/// amortise the system call without leaving much committed but unused: the
/// unused part of the last step counts in the heap's peak footprint.
const MIN_GROW_STEP: usize = 4 << 10;
const MAX_GROW_STEP: usize = 64 << 10;

/// How far the top of a heap that maps `mapped` bytes grows at a time.
pub(crate) fn grow_step(mapped: usize) -> usize {
    (mapped / 128).clamp(MIN_GROW_STEP, MAX_GROW_STEP)
}

#[repr(C)]
pub(crate) struct Segment {
    pub(crate) region: Region,
    /// The next older segment of the same heap.
    pub(crate) next: AtomicPtr<Segment>,
    /// Start of the chunk area, right after this header.
    pub(crate) chunks: usize,
    /// Length of the committed chunk area (its end, less `chunks`: the form
    /// the free fast path's bounds check wants).
    len: AtomicUsize,
    /// The start bitmap's words (see `starts.rs`), at the end of the
    /// reservation; the chunk area can grow up to here.
    pub(crate) bitmap: usize,
    /// End of the committed part of the start bitmap.
    bitmap_end: AtomicUsize,
    /// Bit `w` says bitmap word `w` is non-zero.
    pub(crate) summary: [AtomicU64; SUMMARY_WORDS],
}

impl Segment {
    /// Reserves a segment owned by `region` and commits a chunk area of at
    /// least `min_bytes` (growing by at least `step`). None if the OS refuses.
    pub(crate) fn create(region: Region, min_bytes: usize, step: usize) -> Option<NonNull<Segment>> {
        // Aligned, so `segmap` finds a segment from any address in it.
        let base = os::reserve_aligned(SEGMENT_SIZE, SEGMENT_SIZE)?;
        if base >> 48 != 0 {
            // SAFETY: the reservation is ours and unused.
            unsafe { os::unmap(base, SEGMENT_SIZE) };
            return None;
        }
        let chunks = base + size_of::<Segment>().next_multiple_of(ALIGNMENT);
        let bitmap = base + SEGMENT_SIZE - BITMAP_BYTES;
        let header_end = os::round_to_pages(chunks)?;
        let segment = base as *mut Segment;
        // SAFETY: the header pages are part of the fresh reservation; once
        // committed they are writable and nobody else knows the address yet.
        let committed = unsafe {
            os::commit(base, header_end - base) && {
                segment.write(Segment {
                    region,
                    next: AtomicPtr::new(std::ptr::null_mut()),
                    chunks,
                    len: AtomicUsize::new(header_end - chunks),
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
        if registered && unsafe { segment.as_ref() }.grow(chunks + min_bytes, step).is_some() {
            segmap::set(base, true);
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
        segmap::set(base, false);
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
        self.chunks + self.len()
    }

    /// Length of the committed chunk area.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
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

    /// Bytes of this segment that are committed: header, chunk area, bitmap.
    pub(crate) fn mapped_bytes(&self) -> usize {
        self.end() - self.base() + self.bitmap_end.load(Ordering::Relaxed) - self.bitmap
    }

    /// Commits the chunk area up to at least `min_end` (by at least `step`,
    /// capped by the bitmap) and the bitmap words that cover it. Returns the
    /// bytes newly committed, or None if `min_end` is beyond the chunk
    /// area's reach or the OS refuses.
    pub(crate) fn grow(&self, min_end: usize, step: usize) -> Option<usize> {
        let (end, bitmap_end) = (self.end(), self.bitmap_end.load(Ordering::Relaxed));
        if min_end > self.bitmap {
            return None;
        }
        let new_end = os::round_to_pages(min_end.max(end + step))?.min(self.bitmap);
        let words = (new_end - self.chunks).div_ceil(ALIGNMENT * 64);
        let new_bitmap_end = os::round_to_pages(self.bitmap + words * size_of::<u64>())?.max(bitmap_end);
        // SAFETY: both ranges are page-aligned parts of this segment's
        // reservation beyond what is committed (`end` is page-aligned from
        // `create` on).
        let committed = unsafe {
            os::commit(end, new_end - end)
                && (new_bitmap_end == bitmap_end || os::commit(bitmap_end, new_bitmap_end - bitmap_end))
        };
        if !committed {
            return None;
        }
        self.len.store(new_end - self.chunks, Ordering::Relaxed);
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
        self.len.store(new_end - self.chunks, Ordering::Relaxed);
        end - new_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Heap;

    #[test]
    fn growth_steps_follow_the_heap_within_bounds() {
        assert_eq!(grow_step(0), MIN_GROW_STEP);
        assert_eq!(grow_step(2 << 20), 16 << 10);
        assert_eq!(grow_step(1 << 30), MAX_GROW_STEP);
    }

    #[test]
    fn a_small_heap_maps_its_header_page_one_growth_step_and_one_bitmap_page() {
        let page = os::page_size();
        let mut heap = Heap::new();
        heap.alloc(16).unwrap();
        // The header shares its page with the first chunks.
        let expected = page + os::round_to_pages(MIN_GROW_STEP).unwrap() + page;
        assert_eq!(heap.stats().mapped_bytes, expected);
        heap.check_heap().unwrap();
    }
}
