//! `Heap`: a single-threaded heap with a placement policy chosen at
//! construction. The algorithms are dlmalloc's: carve requests from binned
//! free chunks (chosen by the policy) or else from the top chunk, split off
//! remainders, and coalesce with both neighbours on every free.

use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::bins::Bins;
use crate::block::{self, Block, Located};
use crate::chunk::{ALIGNMENT, Chunk, MIN_CHUNK, WORD, chunk_size_for, usable};
use crate::error::{AllocError, fatal};
use crate::huge::{Huge, HugeList};
use crate::os;
use crate::pagemap::{Owner, RegionKind};
use crate::policy::Policy;
use crate::segment::{Segment, grow_step};
use crate::stats::Stats;

/// Tuning of a [`Heap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapConfig {
    pub policy: Policy,
    /// Requests of this many bytes or more get a mapping of their own.
    /// Clamped to [`HeapConfig::MAX_HUGE_THRESHOLD`] so every other request
    /// fits in a fresh segment.
    pub huge_threshold: usize,
    /// When a free leaves the top chunk larger than this, the pages beyond
    /// its first 64 KiB go back to the OS.
    pub trim_threshold: usize,
}

impl HeapConfig {
    pub const DEFAULT_HUGE_THRESHOLD: usize = 256 << 10;
    pub const MAX_HUGE_THRESHOLD: usize = 1 << 20;
    pub const DEFAULT_TRIM_THRESHOLD: usize = 1 << 20;
}

impl Default for HeapConfig {
    fn default() -> HeapConfig {
        HeapConfig {
            policy: Policy::default(),
            huge_threshold: HeapConfig::DEFAULT_HUGE_THRESHOLD,
            trim_threshold: HeapConfig::DEFAULT_TRIM_THRESHOLD,
        }
    }
}

/// A single-threaded heap. See the crate documentation for its design.
///
/// Every pointer passed to [`free`](Heap::free) or [`realloc`](Heap::realloc)
/// is validated, so these are safe functions: bad pointers come back as an
/// [`AllocError`]. (Reading or writing through the returned pointers is, as
/// always, the caller's unsafe business.)
pub struct Heap {
    pub(crate) owner: Owner,
    pub(crate) config: HeapConfig,
    pub(crate) bins: Bins,
    /// Newest segment first; the newest one holds the top chunk.
    pub(crate) segments: *mut Segment,
    /// The wilderness: the last chunk of the newest segment, in no bin.
    /// `Chunk::NONE` until the first segment is mapped.
    pub(crate) top: Chunk,
    /// Where the previous allocation ended, for next fit.
    rover: usize,
    pub(crate) huge: HugeList,
    pub(crate) stats: Stats,
}

// SAFETY: a Heap exclusively owns its segments and huge blocks, and nothing
// in it is tied to the thread that created it.
unsafe impl Send for Heap {}

static NEXT_HEAP_ID: AtomicU64 = AtomicU64::new(1);

impl Default for Heap {
    fn default() -> Heap {
        Heap::new()
    }
}

impl Heap {
    /// What a trimmed top keeps committed, so that a heap whose live data
    /// shrinks and grows again does not map and unmap at every turn.
    const TRIM_KEEP: usize = 64 << 10;

    /// A best-fit heap with default thresholds. Maps nothing until the first allocation.
    pub fn new() -> Heap {
        Heap::with_config(HeapConfig::default())
    }

    pub fn with_policy(policy: Policy) -> Heap {
        Heap::with_config(HeapConfig { policy, ..HeapConfig::default() })
    }

    pub fn with_config(config: HeapConfig) -> Heap {
        Heap::owned_by(config, 0, 0)
    }

    /// A heap serving as arena `arena` of the `SharedHeap` at address `shared`.
    pub(crate) fn owned_by(config: HeapConfig, arena: u32, shared: usize) -> Heap {
        let config = HeapConfig { huge_threshold: config.huge_threshold.min(HeapConfig::MAX_HUGE_THRESHOLD), ..config };
        let (small_order, large_order) = config.policy.bin_orders();
        Heap {
            owner: Owner { arena, heap_id: NEXT_HEAP_ID.fetch_add(1, Ordering::Relaxed), shared },
            config,
            bins: Bins::new(small_order, large_order),
            segments: ptr::null_mut(),
            top: Chunk::NONE,
            rover: 0,
            huge: HugeList::new(),
            stats: Stats::default(),
        }
    }

    pub fn config(&self) -> HeapConfig {
        self.config
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Allocates `size` bytes, 16-byte aligned.
    pub fn alloc(&mut self, size: usize) -> Result<NonNull<u8>, AllocError> {
        self.alloc_aligned(size, ALIGNMENT)
    }

    /// Allocates `size` bytes aligned to `align` (a power of two).
    pub fn alloc_aligned(&mut self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        self.alloc_usable(size, align).map(|(block, _)| block)
    }

    /// Allocates as `alloc_aligned` does and also returns the usable size.
    pub(crate) fn alloc_usable(&mut self, size: usize, align: usize) -> Result<(NonNull<u8>, usize), AllocError> {
        let (block, usable) = self.alloc_block(size, align)?;
        self.stats.record_alloc(size, usable);
        Ok((block, usable))
    }

    /// Frees a block this heap allocated.
    pub fn free(&mut self, ptr: NonNull<u8>) -> Result<(), AllocError> {
        let located = self.locate(ptr.as_ptr() as usize)?;
        self.stats.record_free(located.usable());
        // SAFETY: `located` is a validated allocated block of this heap.
        unsafe { self.free_block(located) };
        Ok(())
    }

    /// Resizes a block to `new_size` bytes, in place when the neighbouring
    /// memory allows, else by moving it (copying the contents that fit).
    pub fn realloc(&mut self, ptr: NonNull<u8>, new_size: usize) -> Result<NonNull<u8>, AllocError> {
        if self.realloc_in_place(ptr, new_size)?.is_some() {
            return Ok(ptr);
        }
        let old_usable = self.locate(ptr.as_ptr() as usize)?.usable();
        let moved = self.alloc(new_size)?;
        // SAFETY: both blocks are allocated, distinct, and at least this long.
        unsafe { ptr::copy_nonoverlapping(ptr.as_ptr(), moved.as_ptr(), old_usable.min(new_size)) };
        self.free(ptr)?;
        self.stats.record_moved_realloc();
        Ok(moved)
    }

    /// Resizes a block in place if its neighbours allow; returns the new
    /// usable size, or None if the block would have to move.
    pub(crate) fn realloc_in_place(&mut self, ptr: NonNull<u8>, new_size: usize) -> Result<Option<usize>, AllocError> {
        if new_size == 0 {
            return Err(AllocError::ZeroSize);
        }
        let located = self.locate(ptr.as_ptr() as usize)?;
        let old_usable = located.usable();
        let resized = match located {
            // SAFETY: a located chunk is an allocated chunk of this heap.
            Located::Chunk { chunk, .. } => unsafe { self.resize_chunk(chunk, new_size)? },
            // A huge mapping is kept while the request still fills most of it.
            Located::Huge(_) => (new_size <= old_usable && new_size > old_usable / 2).then_some(old_usable),
        };
        if let Some(new_usable) = resized {
            self.stats.record_realloc(new_size, old_usable, new_usable);
        }
        Ok(resized)
    }

    /// The allocated block containing `addr`, if this heap has one there.
    /// Header words and free memory belong to no block.
    pub fn owner_of(&self, addr: usize) -> Option<Block> {
        let region = block::region_of(addr).filter(|region| region.heap_id == self.owner.heap_id)?;
        block::find_block(region, addr)
    }

    fn locate(&self, addr: usize) -> Result<Located, AllocError> {
        let heap_id = self.owner.heap_id;
        block::locate(addr, |region| region.heap_id == heap_id).map(|(_, located)| located)
    }

    /// Allocates without touching the statistics; returns the block and its usable size.
    fn alloc_block(&mut self, size: usize, align: usize) -> Result<(NonNull<u8>, usize), AllocError> {
        if size == 0 {
            return Err(AllocError::ZeroSize);
        }
        if !align.is_power_of_two() {
            return Err(AllocError::InvalidAlignment { align });
        }
        let too_large = AllocError::TooLarge { size };
        let size_needed = chunk_size_for(size).ok_or(too_large)?;
        // An over-aligned block is cut from a chunk with room to slide the
        // payload up to the alignment and still leave a whole chunk before it.
        let request = if align <= ALIGNMENT {
            size_needed
        } else {
            size_needed.checked_add(align + MIN_CHUNK).ok_or(too_large)?
        };
        if request >= self.config.huge_threshold {
            return self.alloc_huge(size, align);
        }
        // SAFETY: the heap's invariants hold between public calls.
        let chunk = unsafe {
            let mut chunk = self.take_chunk(request)?;
            if align > ALIGNMENT {
                chunk = self.align_chunk(chunk, align);
                self.carve(chunk, chunk.size(), size_needed);
            }
            self.rover = chunk.addr() + chunk.size();
            segment_of(chunk).set_start(chunk.payload());
            chunk
        };
        // SAFETY: payloads are non-null heap addresses.
        let payload = unsafe { NonNull::new_unchecked(chunk.payload() as *mut u8) };
        // SAFETY: `chunk` was just allocated.
        Ok((payload, usable(unsafe { chunk.size() })))
    }

    /// Whether a chunk of `size` bytes can be placed without committing or
    /// mapping memory: some free chunk fits, or the top is large enough.
    pub(crate) fn fits_without_growth(&self, size: usize) -> bool {
        // SAFETY: the heap's invariants hold between calls.
        unsafe {
            (!self.top.is_none() && self.top.size() >= size.saturating_add(MIN_CHUNK))
                || self.config.policy.select(&self.bins, size, self.rover).is_some()
        }
    }

    /// A size that a chunk can be placed at without growing the heap: what
    /// the top holds beyond its minimum, or the size of a chunk in the
    /// highest non-empty bin, whichever is larger (0 if neither).
    pub(crate) fn placeable_without_growth(&self) -> usize {
        // SAFETY: the heap's invariants hold between calls, so the top and
        // every binned chunk are chunks in committed memory.
        unsafe {
            let top = if self.top.is_none() { 0 } else { self.top.size().saturating_sub(2 * MIN_CHUNK) };
            let binned = self.bins.last_nonempty().map_or(0, |bin| self.bins.head(bin).size());
            top.max(binned)
        }
    }

    /// Allocates `count` blocks of `size` bytes as one contiguous run (one
    /// search and one split instead of `count`), handing each to `each`.
    /// This is how thread caches refill.
    pub(crate) fn alloc_run(
        &mut self,
        size: usize,
        count: usize,
        mut each: impl FnMut(NonNull<u8>),
    ) -> Result<(), AllocError> {
        let chunk_size = chunk_size_for(size).ok_or(AllocError::TooLarge { size })?;
        let total = chunk_size * count;
        debug_assert!(count > 0 && total < self.config.huge_threshold);
        // SAFETY: the heap's invariants hold between public calls; the run
        // is an allocated chunk of at least `total` bytes, re-cut into
        // `count` allocated chunks (the last one absorbing any slack).
        unsafe {
            let run = self.take_chunk(total)?;
            let run_size = run.size();
            let segment = segment_of(run);
            let mut prev_in_use = run.is_prev_in_use();
            for i in 0..count {
                let chunk = run.plus(i * chunk_size);
                let this_size = if i + 1 == count { run_size - i * chunk_size } else { chunk_size };
                chunk.mark_in_use(this_size, prev_in_use);
                prev_in_use = true;
                segment.set_start(chunk.payload());
                self.stats.record_alloc(size, usable(this_size));
                each(NonNull::new_unchecked(chunk.payload() as *mut u8));
            }
            self.rover = run.addr() + run_size;
        }
        Ok(())
    }

    fn alloc_huge(&mut self, size: usize, align: usize) -> Result<(NonNull<u8>, usize), AllocError> {
        let huge =
            Huge::create(self.owner.region(RegionKind::Huge), size, align).ok_or(AllocError::OutOfMemory { size })?;
        // SAFETY: `huge` was just mapped and is in no list.
        let (payload, usable, len) = unsafe {
            self.huge.push(huge);
            let header = huge.as_ref();
            (header.payload, header.usable, header.len)
        };
        self.stats.record_map(len);
        // SAFETY: payloads are non-null heap addresses.
        Ok((unsafe { NonNull::new_unchecked(payload as *mut u8) }, usable))
    }

    /// Returns a validated block to the heap without touching the statistics.
    ///
    /// # Safety
    /// `located` must be an allocated block of this heap.
    unsafe fn free_block(&mut self, located: Located) {
        match located {
            // SAFETY: per the contract, `chunk` is allocated in `segment`.
            Located::Chunk { segment, chunk } => unsafe {
                segment.as_ref().clear_start(chunk.payload());
                self.release(chunk, chunk.size(), chunk.is_prev_in_use());
            },
            Located::Huge(huge) => {
                // SAFETY: per the contract, `huge` is a live block of this heap.
                unsafe {
                    self.stats.record_unmap(huge.as_ref().len);
                    self.huge.remove(huge);
                    Huge::destroy(huge);
                }
            }
        }
    }

    /// A chunk of at least `size` bytes, marked allocated: from the bins as
    /// the policy chooses, else from the top.
    ///
    /// # Safety
    /// The heap's invariants must hold.
    unsafe fn take_chunk(&mut self, size: usize) -> Result<Chunk, AllocError> {
        // SAFETY: bins and chunks are intact per the contract.
        unsafe {
            if let Some(chunk) = self.config.policy.select(&self.bins, size, self.rover) {
                self.bins.remove(chunk);
                self.carve(chunk, chunk.size(), size);
                return Ok(chunk);
            }
            self.ensure_top(size + MIN_CHUNK)?;
            let top = self.top;
            self.extend_into_top(top, size);
            Ok(top)
        }
    }

    /// Makes `[chunk, chunk + total)` an allocated chunk of `size` bytes and
    /// frees the rest if it can form a chunk of its own.
    ///
    /// # Safety
    /// The range must be a chunk (allocated, or free and out of its bin)
    /// possibly extended over free chunks already out of their bins.
    unsafe fn carve(&mut self, chunk: Chunk, total: usize, size: usize) {
        // SAFETY: per the contract.
        unsafe {
            let prev_in_use = chunk.is_prev_in_use();
            if total - size >= MIN_CHUNK {
                chunk.mark_in_use(size, prev_in_use);
                self.release(chunk.plus(size), total - size, true);
            } else {
                chunk.mark_in_use(total, prev_in_use);
                chunk.plus(total).set_prev_in_use(true);
            }
        }
    }

    /// Resizes `chunk` (the top, or the chunk just before it) to `size`
    /// bytes, moving the top's start; the top keeps at least `MIN_CHUNK`.
    ///
    /// # Safety
    /// `chunk` must be the top or precede it, and the top must reach at
    /// least `size + MIN_CHUNK` bytes past `chunk`.
    unsafe fn extend_into_top(&mut self, chunk: Chunk, size: usize) {
        // SAFETY: per the contract.
        unsafe {
            let end = self.top.addr() + self.top.size();
            chunk.mark_in_use(size, chunk.is_prev_in_use());
            self.top = chunk.plus(size);
            self.top.mark_top(end - self.top.addr());
        }
    }

    /// Frees `[chunk, chunk + size)`, merging it with a free predecessor
    /// (unless `prev_in_use`), a free successor, or the top.
    ///
    /// # Safety
    /// The range must be a chunk whose successor's header is valid and whose
    /// predecessor, if free, is in its bin.
    unsafe fn release(&mut self, mut chunk: Chunk, mut size: usize, prev_in_use: bool) {
        // SAFETY: per the contract; neighbours found through tags are chunks
        // of the same segment (the fence stops the walk at the end and the
        // first chunk always has PINUSE set).
        unsafe {
            if !prev_in_use {
                let prev = chunk.prev_free();
                self.bins.remove(prev);
                size += prev.size();
                chunk = prev;
            }
            let next = chunk.plus(size);
            if next == self.top {
                self.top = chunk;
                chunk.mark_top(size + next.size());
                self.trim_top();
                return;
            }
            if !next.is_in_use() {
                self.bins.remove(next);
                size += next.size();
            }
            chunk.mark_free(size);
            chunk.plus(size).set_prev_in_use(false);
            self.bins.insert(chunk);
        }
    }

    /// Grows `chunk` in place to `size` bytes, or shrinks it; returns the
    /// new usable size, or None if the neighbours leave no room.
    ///
    /// # Safety
    /// `chunk` must be an allocated chunk of this heap.
    unsafe fn resize_chunk(&mut self, chunk: Chunk, new_size: usize) -> Result<Option<usize>, AllocError> {
        let size = chunk_size_for(new_size).ok_or(AllocError::TooLarge { size: new_size })?;
        // SAFETY: per the contract, and the neighbour tags it leads to.
        unsafe {
            let current = chunk.size();
            let next = chunk.next();
            if size <= current {
                self.carve(chunk, current, size);
            } else if next == self.top && self.top_reaches(current + next.size(), size + MIN_CHUNK) {
                self.extend_into_top(chunk, size);
            } else if next != self.top && !next.is_in_use() && current + next.size() >= size {
                self.bins.remove(next);
                self.carve(chunk, current + next.size(), size);
            } else {
                return Ok(None);
            }
            Ok(Some(usable(chunk.size())))
        }
    }

    /// Whether a chunk of `have` bytes ending the top can reach `need`
    /// bytes, committing more of the top's segment if that helps.
    ///
    /// # Safety
    /// The top must exist.
    unsafe fn top_reaches(&mut self, have: usize, need: usize) -> bool {
        // SAFETY: per the contract.
        have >= need || unsafe { self.grow_top(self.top.size() + need - have) }
    }

    /// Makes sure the top has at least `need` bytes, growing its segment or
    /// starting a new one.
    ///
    /// # Safety
    /// The heap's invariants must hold.
    unsafe fn ensure_top(&mut self, need: usize) -> Result<(), AllocError> {
        // SAFETY: per the contract.
        unsafe {
            if !self.top.is_none() && (self.top.size() >= need || self.grow_top(need)) {
                return Ok(());
            }
            self.new_segment(need)
        }
    }

    /// Commits more of the newest segment so the top has `need` bytes.
    ///
    /// # Safety
    /// The top must exist.
    unsafe fn grow_top(&mut self, need: usize) -> bool {
        // SAFETY: the top exists, so `segments` is its segment.
        let segment = unsafe { &*self.segments };
        let Some(added) = segment.grow(self.top.addr() + need + WORD, grow_step(self.stats.mapped_bytes)) else {
            return false;
        };
        self.stats.record_map(added);
        // SAFETY: the new range is committed; the old fence is now inside the top.
        unsafe {
            self.top.mark_top(segment.fence().addr() - self.top.addr());
            segment.fence().mark_fence(false);
        }
        true
    }

    /// Maps a new segment whose top has at least `need` bytes; the old top
    /// becomes an ordinary free chunk.
    ///
    /// # Safety
    /// The heap's invariants must hold.
    unsafe fn new_segment(&mut self, need: usize) -> Result<(), AllocError> {
        // The chunk area holds one word of padding, the chunks, and the fence.
        let step = grow_step(self.stats.mapped_bytes);
        let segment = Segment::create(self.owner.region(RegionKind::Segment), need + 2 * WORD, step)
            .ok_or(AllocError::OutOfMemory { size: need })?;
        // SAFETY: the new segment is committed up to its fence; the old top
        // is a chunk of at least MIN_CHUNK bytes followed by its fence.
        unsafe {
            if !self.top.is_none() {
                self.top.mark_free(self.top.size());
                self.bins.insert(self.top);
            }
            let header = segment.as_ref();
            header.next.store(self.segments, Ordering::Relaxed);
            self.segments = segment.as_ptr();
            self.stats.record_map(header.mapped_bytes());
            self.top = header.first_chunk();
            self.top.mark_top(header.fence().addr() - self.top.addr());
            header.fence().mark_fence(false);
        }
        Ok(())
    }

    /// Gives pages at the end of a large top back to the OS.
    ///
    /// # Safety
    /// The top must exist.
    unsafe fn trim_top(&mut self) {
        // SAFETY: the top exists, so `segments` is its segment.
        let (segment, top_size) = unsafe { (&*self.segments, self.top.size()) };
        if top_size <= self.config.trim_threshold {
            return;
        }
        let Some(keep_end) = os::round_to_pages(self.top.addr() + Heap::TRIM_KEEP + WORD) else {
            return;
        };
        if keep_end >= segment.end() {
            return;
        }
        let released = segment.shrink(keep_end);
        if released > 0 {
            self.stats.record_unmap(released);
            // SAFETY: the range up to the new end is still committed.
            unsafe {
                self.top.mark_top(segment.fence().addr() - self.top.addr());
                segment.fence().mark_fence(false);
            }
        }
    }

    /// Splits off the front of `chunk` (as a free chunk) so that the payload
    /// of what remains is aligned to `align`.
    ///
    /// # Safety
    /// `chunk` must be allocated and at least `align + MIN_CHUNK` bytes
    /// longer than needed.
    unsafe fn align_chunk(&mut self, chunk: Chunk, align: usize) -> Chunk {
        let payload = chunk.payload();
        if payload.is_multiple_of(align) {
            return chunk;
        }
        let lead = (payload + MIN_CHUNK).next_multiple_of(align) - payload;
        // SAFETY: per the contract, the aligned chunk lies inside `chunk`.
        unsafe {
            let (total, prev_in_use) = (chunk.size(), chunk.is_prev_in_use());
            let aligned = chunk.plus(lead);
            aligned.mark_in_use(total - lead, false);
            self.release(chunk, lead, prev_in_use);
            aligned
        }
    }
}

/// The segment holding `chunk`, a chunk of some live heap.
pub(crate) fn segment_of(chunk: Chunk) -> &'static Segment {
    match block::region_of(chunk.addr()) {
        Some(region) if region.kind == RegionKind::Segment => block::segment_of(region),
        _ => fatal(&format_args!("chunk {:#x} lies outside its heap's segments", chunk.addr())),
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        loop {
            let Some(block) = self.huge.iter().next() else { break };
            // SAFETY: the heap is going away, so none of its memory is used again.
            unsafe {
                self.huge.remove(block);
                Huge::destroy(block);
            }
        }
        let mut segment = self.segments;
        while let Some(current) = NonNull::new(segment) {
            // SAFETY: as above; the link is read before the segment is unmapped.
            unsafe {
                segment = current.as_ref().next.load(Ordering::Relaxed);
                Segment::destroy(current);
            }
        }
    }
}
