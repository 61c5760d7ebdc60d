//! The fast paths of [`SharedHeap`]: allocation of a small block from the
//! calling thread's cache and free of a cacheable block into it.
//!
//! They are inlined into every caller (`BerthAlloc`, the Berth runtime), so
//! they are kept to straight-line code without `Result`s, locks, atomic
//! read-modify-writes or calls; whatever they cannot serve — including every
//! error — goes to the out-of-line slow paths in `shared.rs` and
//! `exchange.rs`, which redo the work with full error reporting. A free
//! still validates its pointer before reading any header: the segment map
//! says the address is in a segment, the segment's header that it belongs
//! to this heap and lies 16-aligned inside the committed chunk area, the
//! start bitmap that an allocated block begins exactly there, and the
//! cached marker that the block is not already in a cache.

use std::ptr::{self, NonNull};

use crate::cache::{self, ThreadCache};
use crate::chunk::{ALIGNMENT, Chunk, MIN_CHUNK, WORD, usable};
use crate::classes::{SMALL_REQUEST, class_at_most};
use crate::error::AllocError;
use crate::segmap;
use crate::shared::SharedHeap;
use crate::stats::Counters;

impl SharedHeap {
    /// A block of `size` bytes from this thread's cache, if the request is
    /// small (at most `SMALL_REQUEST` bytes, 16-byte alignment) and the
    /// class's loaded magazine holds one.
    #[inline(always)]
    pub(crate) fn alloc_fast(&'static self, size: usize, align: usize) -> Option<NonNull<u8>> {
        // One comparison rejects zero too.
        if align > ALIGNMENT || size.wrapping_sub(1) >= SMALL_REQUEST {
            return None;
        }
        // The class of chunk size max(round_up(size + WORD, 16), MIN_CHUNK).
        let class = (size + WORD).div_ceil(ALIGNMENT).max(MIN_CHUNK / ALIGNMENT) - MIN_CHUNK / ALIGNMENT;
        cache::with_bound(self, |cache| {
            let block = cache.pop(class)?;
            Some(Self::hand_out(cache, block, size))
        })?
    }

    /// The checks of `free_fast`: `addr` is an allocated block of this
    /// heap whose chunk has a cache class and is not cached yet.
    #[inline(always)]
    fn cacheable(&'static self, addr: usize) -> Option<Cacheable> {
        if !segmap::is_segment(addr) {
            return None;
        }
        // SAFETY: just checked; see `segment_at` for the race it rules out.
        let segment = unsafe { segmap::segment_at(addr) };
        let region = &segment.region;
        if region.shared != self.addr() || !segment.is_block_start(addr) {
            return None;
        }
        // SAFETY: an allocated chunk starts here, so its header is committed.
        let size = unsafe { Chunk::from_payload(addr).size() };
        let class = class_at_most(size)?;
        // SAFETY: an allocated chunk has at least two words of payload.
        if unsafe { cache::is_cached(addr) } {
            return None;
        }
        Some(Cacheable { class, size, arena: region.arena as usize })
    }

    /// Puts a validated block the program gave up into `cache` and counts the free.
    #[inline(always)]
    fn cache_block(&self, cache: &mut ThreadCache, addr: usize, block: &Cacheable) {
        // SAFETY: the block is allocated, of at least its class's size, and
        // the program gave it up.
        if !unsafe { cache.push(block.class, addr, block.arena) } {
            // SAFETY: as above.
            unsafe { self.free_into_full(cache, block.class, addr, block.arena) };
        }
        cache.counters.held -= block.size as isize;
        cache.counters.frees += 1;
    }

    /// Frees `addr` into this thread's cache if it is a cacheable block of
    /// this heap that is not cached yet; false otherwise (nothing has been
    /// changed then).
    #[inline(always)]
    pub(crate) fn free_fast(&'static self, addr: usize) -> bool {
        let Some(block) = self.cacheable(addr) else {
            return false;
        };
        cache::with_bound(self, |cache| self.cache_block(cache, addr, &block)).is_some()
    }

    /// `realloc` of a cacheable block: kept if it holds `new_size` bytes
    /// and is not more than twice that, else moved to a block of the right
    /// class (cached blocks were carved in runs, so their neighbours are
    /// seldom free to grow into, and locking the arena to try would cost
    /// more than the copy). None if the block is not cacheable, the request
    /// is bad or the thread has no cache for this heap: the slow path then
    /// takes over, reporting errors.
    #[inline]
    pub(crate) fn realloc_fast(
        &'static self,
        ptr: NonNull<u8>,
        new_size: usize,
    ) -> Option<Result<NonNull<u8>, AllocError>> {
        let addr = ptr.as_ptr() as usize;
        let block = self.cacheable(addr)?;
        let old_usable = usable(block.size);
        if new_size <= old_usable && new_size > old_usable / 2 {
            return cache::with_bound(self, |cache| {
                cache.counters.reallocations += 1;
                cache.counters.requested += new_size as u64;
                Ok(ptr)
            });
        }
        if new_size == 0 {
            return None;
        }
        let moved = match self.alloc(new_size) {
            Ok(moved) => moved,
            Err(error) => return Some(Err(error)),
        };
        // SAFETY: both blocks are allocated, distinct, and at least this long.
        unsafe { ptr::copy_nonoverlapping(ptr.as_ptr(), moved.as_ptr(), old_usable.min(new_size)) };
        // The old block was validated above and is still allocated (the
        // allocation cannot have handed it out).
        let cached = cache::with_bound(self, |cache| {
            self.cache_block(cache, addr, &block);
            cache.counters.reallocations += 1;
        });
        if cached.is_none() {
            if let Err(error) = self.free_located(block.arena, ptr, old_usable, Some(block.class)) {
                return Some(Err(error));
            }
            self.totals.fold(Counters { reallocations: 1, ..Counters::ZERO });
        }
        Some(Ok(moved))
    }
}

/// A block `free_fast` or `realloc_fast` may put in the cache.
pub(crate) struct Cacheable {
    class: usize,
    /// The chunk size.
    size: usize,
    /// The arena that owns it.
    arena: usize,
}
