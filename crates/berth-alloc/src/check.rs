//! `check_heap`: walks every segment, bin and huge block and verifies every
//! invariant the allocator relies on. Tests call it after every operation.
//!
//! Free chunks are matched against bins in linear time with a mark bit: the
//! bin pass marks every listed chunk (a chunk found marked twice means a
//! duplicate or a cycle), the segment walk unmarks every free chunk it meets
//! (an unmarked one is missing from the bins), and equal counts mean no bin
//! lists anything the walk did not find.

use std::fmt;
use std::sync::atomic::Ordering;

use crate::bins::{BINS, Order, bin_index};
use crate::block;
use crate::chunk::{ALIGNMENT, Chunk, MIN_CHUNK, WORD, usable};
use crate::heap::Heap;
use crate::pagemap::{self, RegionKind};
use crate::segment::{SEGMENT_SIZE, Segment};

/// A broken heap invariant found by `check_heap`; addresses are of chunk
/// headers unless said otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    /// A chunk size is not a multiple of 16 of at least 32, or runs past the fence.
    BadSize { chunk: usize, size: usize },
    /// A chunk's "previous in use" bit disagrees with its predecessor.
    PrevInUseMismatch { chunk: usize },
    /// A free chunk's footer differs from the size in its header.
    FooterMismatch { chunk: usize, size: usize, footer: usize },
    /// Two free neighbours: a coalescing was missed.
    AdjacentFree { chunk: usize },
    /// The top chunk is not the last chunk of the newest segment.
    BadTop { top: usize },
    /// The segment at this base address does not end with a proper fence,
    /// or the page map does not lead to it.
    BadSegment { segment: usize },
    /// A free chunk is missing from the bin its size selects.
    NotInBin { chunk: usize },
    /// A bin lists something that is not a free chunk of this heap in that
    /// bin, lists a chunk twice, or has a broken back link.
    BadBinEntry { bin: usize, chunk: usize },
    /// A bin is not in the order the placement policy needs.
    BinOrder { bin: usize, chunk: usize },
    /// A bin's bitmap bit disagrees with whether the bin is empty.
    BitmapMismatch { bin: usize },
    /// The start bitmap disagrees with the allocated chunks (payload address,
    /// or a segment base when only the totals differ).
    StartBitMismatch { addr: usize },
    /// A huge block's header or page-map entry is wrong.
    BadHuge { block: usize },
    /// A statistic differs from what the walk found.
    Stats { what: &'static str, recorded: u64, found: u64 },
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Corruption::BadSize { chunk, size } => write!(f, "chunk {chunk:#x} has bad size {size}"),
            Corruption::PrevInUseMismatch { chunk } => {
                write!(f, "chunk {chunk:#x}: previous-in-use bit disagrees with its predecessor")
            }
            Corruption::FooterMismatch { chunk, size, footer } => {
                write!(f, "free chunk {chunk:#x}: footer {footer} differs from size {size}")
            }
            Corruption::AdjacentFree { chunk } => write!(f, "free chunk {chunk:#x} follows a free chunk"),
            Corruption::BadTop { top } => write!(f, "top chunk {top:#x} is not the newest segment's last chunk"),
            Corruption::BadSegment { segment } => write!(f, "segment {segment:#x} has a bad fence or page-map entry"),
            Corruption::NotInBin { chunk } => write!(f, "free chunk {chunk:#x} is not in its bin"),
            Corruption::BadBinEntry { bin, chunk } => write!(f, "bin {bin} has a bad entry {chunk:#x}"),
            Corruption::BinOrder { bin, chunk } => write!(f, "bin {bin} is out of order at {chunk:#x}"),
            Corruption::BitmapMismatch { bin } => write!(f, "bitmap bit of bin {bin} disagrees with the bin"),
            Corruption::StartBitMismatch { addr } => write!(f, "start bitmap disagrees with the chunks at {addr:#x}"),
            Corruption::BadHuge { block } => write!(f, "huge block {block:#x} is inconsistent"),
            Corruption::Stats { what, recorded, found } => {
                write!(f, "statistic {what} is {recorded} but the heap holds {found}")
            }
        }
    }
}

impl std::error::Error for Corruption {}

/// What the walks found, to compare with the statistics.
#[derive(Default)]
struct Tally {
    binned: usize,
    matched: usize,
    blocks: u64,
    live: usize,
    mapped: usize,
}

fn sane_size(size: usize) -> bool {
    size >= MIN_CHUNK && size.is_multiple_of(ALIGNMENT) && size < SEGMENT_SIZE
}

impl Heap {
    /// Verifies every invariant: boundary tags agree, no two free chunks are
    /// neighbours, every free chunk is in the right bin and nothing else is,
    /// bins are ordered for the policy, the bin bitmap and the start bitmap
    /// agree with what they summarise, the top closes the newest segment,
    /// huge blocks are registered, and the statistics match the walk.
    ///
    /// Takes `&mut self` because it briefly sets a mark bit on free chunks.
    pub fn check_heap(&mut self) -> Result<(), Corruption> {
        let mut tally = Tally::default();
        let result = self
            .check_bins(&mut tally)
            .and_then(|()| self.check_segments(&mut tally))
            .and_then(|()| self.check_huge(&mut tally))
            .and_then(|()| self.check_stats(&tally));
        if result.is_err() {
            self.clear_marks(tally.binned);
        }
        result
    }

    /// Whether `chunk` may be dereferenced: a chunk-aligned address in the
    /// committed chunk area of one of this heap's segments.
    fn is_own_chunk_address(&self, chunk: Chunk) -> bool {
        block::region_of(chunk.addr()).is_some_and(|region| {
            if region.heap_id != self.owner.heap_id || region.kind != RegionKind::Segment {
                return false;
            }
            let segment = block::segment_of(region);
            chunk.addr() % ALIGNMENT == WORD && chunk.addr() > segment.chunks && chunk.addr() < segment.fence().addr()
        })
    }

    fn check_bins(&mut self, tally: &mut Tally) -> Result<(), Corruption> {
        for bin in 0..BINS {
            if self.bins.is_flagged(bin) == self.bins.head(bin).is_none() {
                return Err(Corruption::BitmapMismatch { bin });
            }
            let mut prev = Chunk::NONE;
            let mut chunk = self.bins.head(bin);
            while !chunk.is_none() {
                let bad = Corruption::BadBinEntry { bin, chunk: chunk.addr() };
                if !self.is_own_chunk_address(chunk) {
                    return Err(bad);
                }
                // SAFETY: `chunk` lies in committed memory of this heap.
                unsafe {
                    let size = chunk.size();
                    if chunk.is_in_use() || chunk.is_marked() || chunk.bk() != prev {
                        return Err(bad);
                    }
                    if !sane_size(size) || bin_index(size) != bin {
                        return Err(bad);
                    }
                    if !prev.is_none() {
                        let ordered = match self.bins.order(bin) {
                            Order::Lifo => true,
                            Order::Size => (prev.size(), prev) < (size, chunk),
                            Order::Address => prev < chunk,
                        };
                        if !ordered {
                            return Err(Corruption::BinOrder { bin, chunk: chunk.addr() });
                        }
                    }
                    chunk.set_marked(true);
                    tally.binned += 1;
                    prev = chunk;
                    chunk = chunk.fd();
                }
            }
            if self.bins.tail(bin) != prev {
                return Err(Corruption::BadBinEntry { bin, chunk: self.bins.tail(bin).addr() });
            }
        }
        Ok(())
    }

    fn check_segments(&mut self, tally: &mut Tally) -> Result<(), Corruption> {
        let mut segment_ptr = self.segments;
        let mut newest = true;
        while !segment_ptr.is_null() {
            // SAFETY: the segment list holds live segments of this heap.
            let segment = unsafe { &*segment_ptr };
            self.check_segment(segment, newest, tally)?;
            segment_ptr = segment.next.load(Ordering::Relaxed);
            newest = false;
        }
        if self.segments.is_null() != self.top.is_none() {
            return Err(Corruption::BadTop { top: self.top.addr() });
        }
        if tally.matched != tally.binned {
            // Some bin lists a chunk the walk never reached.
            return Err(Corruption::Stats {
                what: "binned chunks",
                recorded: tally.binned as u64,
                found: tally.matched as u64,
            });
        }
        Ok(())
    }

    fn check_segment(&mut self, segment: &Segment, newest: bool, tally: &mut Tally) -> Result<(), Corruption> {
        let base = segment.base();
        let maps_here = |addr: usize| pagemap::lookup(addr).is_some_and(|r| r.as_ptr() as usize == base);
        if segment.region.heap_id != self.owner.heap_id || !maps_here(base) || !maps_here(segment.reserve_end() - 1) {
            return Err(Corruption::BadSegment { segment: base });
        }
        let fence = segment.fence();
        let (mut chunk, mut prev_free, mut starts, mut saw_top) = (segment.first_chunk(), false, 0, false);
        // SAFETY: every chunk visited lies between the first chunk and the
        // fence of a committed segment: sizes are checked before stepping.
        unsafe {
            while chunk != fence {
                let size = chunk.size();
                if !sane_size(size) || chunk.addr() + size > fence.addr() {
                    return Err(Corruption::BadSize { chunk: chunk.addr(), size });
                }
                if chunk.is_prev_in_use() == prev_free {
                    return Err(Corruption::PrevInUseMismatch { chunk: chunk.addr() });
                }
                let in_use = chunk.is_in_use();
                if !in_use && prev_free {
                    return Err(Corruption::AdjacentFree { chunk: chunk.addr() });
                }
                if in_use != segment.is_start(chunk.payload()) {
                    return Err(Corruption::StartBitMismatch { addr: chunk.payload() });
                }
                if chunk == self.top {
                    saw_top = true;
                    if !newest || chunk.plus(size) != fence {
                        return Err(Corruption::BadTop { top: chunk.addr() });
                    }
                } else if in_use {
                    starts += 1;
                    tally.blocks += 1;
                    tally.live += usable(size);
                } else {
                    if chunk.footer() != size {
                        return Err(Corruption::FooterMismatch { chunk: chunk.addr(), size, footer: chunk.footer() });
                    }
                    if !chunk.is_marked() {
                        return Err(Corruption::NotInBin { chunk: chunk.addr() });
                    }
                    chunk.set_marked(false);
                    tally.matched += 1;
                }
                prev_free = !in_use;
                chunk = chunk.plus(size);
            }
            if fence.size() != 0 || !fence.is_in_use() || fence.is_prev_in_use() == prev_free {
                return Err(Corruption::BadSegment { segment: base });
            }
        }
        if newest && !saw_top {
            return Err(Corruption::BadTop { top: self.top.addr() });
        }
        if segment.count_starts() != starts || !segment.summary_agrees() {
            return Err(Corruption::StartBitMismatch { addr: base });
        }
        tally.mapped += segment.mapped_bytes();
        Ok(())
    }

    fn check_huge(&self, tally: &mut Tally) -> Result<(), Corruption> {
        for huge in self.huge.iter() {
            // SAFETY: blocks in the list are live.
            let header = unsafe { huge.as_ref() };
            let base = huge.as_ptr() as usize;
            let registered = [base, header.payload, base + header.len - 1]
                .iter()
                .all(|&addr| pagemap::lookup(addr).is_some_and(|r| r.as_ptr() as usize == base));
            let consistent = header.region.kind == RegionKind::Huge
                && header.region.heap_id == self.owner.heap_id
                && header.payload % ALIGNMENT == 0
                && header.payload + header.usable == base + header.len;
            if !(registered && consistent) {
                return Err(Corruption::BadHuge { block: base });
            }
            tally.blocks += 1;
            tally.live += header.usable;
            tally.mapped += header.len;
        }
        Ok(())
    }

    fn check_stats(&self, tally: &Tally) -> Result<(), Corruption> {
        let stats = &self.stats;
        let pairs = [
            ("live blocks", stats.live_blocks(), tally.blocks),
            ("live bytes", stats.live_bytes as u64, tally.live as u64),
            ("mapped bytes", stats.mapped_bytes as u64, tally.mapped as u64),
        ];
        for (what, recorded, found) in pairs {
            if recorded != found {
                return Err(Corruption::Stats { what, recorded, found });
            }
        }
        if stats.peak_live_bytes < stats.live_bytes || stats.peak_mapped_bytes < stats.mapped_bytes {
            return Err(Corruption::Stats {
                what: "peaks",
                recorded: stats.peak_live_bytes as u64,
                found: stats.live_bytes as u64,
            });
        }
        Ok(())
    }

    /// Clears mark bits left by a check that stopped early, visiting at most
    /// `limit` chunks so a cyclic bin cannot hang it.
    fn clear_marks(&mut self, limit: usize) {
        let mut budget = limit;
        for bin in 0..BINS {
            let mut chunk = self.bins.head(bin);
            while !chunk.is_none() && budget > 0 && self.is_own_chunk_address(chunk) {
                // SAFETY: checked to lie in committed memory of this heap.
                unsafe {
                    chunk.set_marked(false);
                    chunk = chunk.fd();
                }
                budget -= 1;
            }
        }
    }
}
