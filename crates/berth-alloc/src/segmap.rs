//! The segment map: one bit per `SEGMENT_SIZE`-aligned slot of the address
//! space, set while a segment of any heap lives there.
//!
//! Segments are aligned to their size, so the segment holding an address is
//! the address with its low bits cleared; this map says whether there is
//! one, with one load and a bit test — half the work of a page-map lookup
//! and one cache line for 256 MiB of heap — which is what the free fast
//! path (`fast.rs`) asks for every block. The page map still registers
//! segments too, for everything else.
//!
//! The map covers 48-bit addresses: 2^26 bits, 8 MiB of zero-initialised
//! static memory, of which only the pages holding set bits are ever touched.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::segment::{SEGMENT_SIZE, Segment};

const SEGMENT_SHIFT: u32 = SEGMENT_SIZE.trailing_zeros();
const ADDRESS_BITS: u32 = 48;
const WORDS: usize = 1 << (ADDRESS_BITS - SEGMENT_SHIFT - 6);

static MAP: [AtomicU64; WORDS] = [const { AtomicU64::new(0) }; WORDS];

/// Word index and bit of the slot holding `addr`, ignoring the address
/// bits above the 48 the map covers.
#[inline(always)]
fn slot(addr: usize) -> (usize, u32) {
    let slot = addr >> SEGMENT_SHIFT;
    ((slot / 64) % WORDS, (slot % 64) as u32)
}

/// Whether a live segment occupies the slot of `addr`, ignoring the address
/// bits above the 48 the map covers.
#[inline(always)]
pub(crate) fn is_segment(addr: usize) -> bool {
    let (word, bit) = slot(addr);
    MAP[word].load(Ordering::Acquire) & (1 << bit) != 0
}

/// The segment in the slot of `addr`: the one holding `addr`, or, if `addr`
/// has bits above 48 set, one that does not (its bounds checks say so).
///
/// # Safety
/// `is_segment(addr)` must have said yes, and the caller must not race
/// with the segment's heap being dropped (freeing a pointer of a heap
/// another thread is dropping is a race the program must not create, as
/// with the page map): a segment is unmapped only when its heap is dropped,
/// and its bit is cleared first.
#[inline(always)]
pub(crate) unsafe fn segment_at(addr: usize) -> &'static Segment {
    let base = addr & ((1 << ADDRESS_BITS) - SEGMENT_SIZE);
    // SAFETY: per the contract a live segment starts at `base`; the bit is
    // set only after its header is written.
    unsafe { &*(base as *const Segment) }
}

/// The live segment whose slot holds `addr`, if any (see [`segment_at`]).
#[cfg(test)]
fn segment_of(addr: usize) -> Option<&'static Segment> {
    // SAFETY: checked just before; tests drop no heap meanwhile.
    is_segment(addr).then(|| unsafe { segment_at(addr) })
}

/// Records (or forgets) the segment at the aligned address `base`.
pub(crate) fn set(base: usize, live: bool) {
    debug_assert!(base.is_multiple_of(SEGMENT_SIZE) && base >> ADDRESS_BITS == 0);
    let (word, bit) = slot(base);
    if live {
        MAP[word].fetch_or(1 << bit, Ordering::Release);
    } else {
        MAP[word].fetch_and(!(1 << bit), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Heap;

    #[test]
    fn every_address_of_a_live_segment_leads_to_it_and_nothing_else_does() {
        let mut heap = Heap::new();
        let small = heap.alloc(64).unwrap().as_ptr() as usize;
        let huge = heap.alloc(1 << 20).unwrap().as_ptr() as usize;
        let segment = segment_of(small).expect("a small block lives in a segment");
        let base = segment.base();
        assert_eq!(base % SEGMENT_SIZE, 0, "segments are aligned to their size");
        for addr in [base, small, base + SEGMENT_SIZE - 1] {
            assert_eq!(segment_of(addr).map(Segment::base), Some(base));
        }
        assert!(segment_of(huge).is_none(), "huge blocks are not segments");
        let local = 0u64;
        assert!(segment_of(&local as *const u64 as usize).is_none());
        // Bits above the 48 the map covers lead at most to a segment whose
        // bounds check then fails.
        let high = small | 1 << 52;
        assert!(segment_of(high).is_none_or(|segment| !segment.is_block_start(high)));
        drop(heap);
        assert!(segment_of(small).is_none(), "the bit goes with the segment");
    }
}
