//! From a caller's address to the block it names, trusting nothing.
//!
//! Shared by `Heap` and `SharedHeap` for `free`, `realloc` and `owner_of`:
//! the page map says whether the address is ours at all and which header
//! describes it; for segments the start bitmap then says whether an
//! allocated block begins exactly there. Only after both checks is any
//! chunk header read, so a foreign, freed or interior pointer is reported,
//! never followed.

use std::ptr::NonNull;

use crate::chunk::{Chunk, usable};
use crate::error::AllocError;
use crate::huge::Huge;
use crate::pagemap::{self, Region, RegionKind};
use crate::segment::Segment;

/// An allocated block: where its payload starts and how many bytes the
/// caller may use (at least what was requested).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub start: NonNull<u8>,
    pub size: usize,
}

/// A validated block start.
#[derive(Clone, Copy)]
pub(crate) enum Located {
    Chunk { segment: NonNull<Segment>, chunk: Chunk },
    Huge(NonNull<Huge>),
}

impl Located {
    /// Bytes the caller may use in the block.
    #[inline]
    pub(crate) fn usable(self) -> usize {
        match self {
            // SAFETY: a located chunk is allocated, so its header is committed.
            Located::Chunk { chunk, .. } => usable(unsafe { chunk.size() }),
            // SAFETY: a located huge block is mapped.
            Located::Huge(huge) => unsafe { huge.as_ref() }.usable,
        }
    }
}

/// The header of the region that owns `addr`, if any.
#[inline(always)]
pub(crate) fn region_of(addr: usize) -> Option<&'static Region> {
    // SAFETY: registered regions keep their headers mapped until they are
    // unregistered; callers hold whatever keeps the region alive (the
    // heap, or the arena lock) while they use the reference.
    pagemap::lookup(addr).map(|region| unsafe { region.as_ref() })
}

#[inline(always)]
pub(crate) fn segment_of(region: &Region) -> &Segment {
    // SAFETY: a region of kind Segment is the first field of a Segment.
    unsafe { &*(region as *const Region as *const Segment) }
}

fn huge_of(region: &Region) -> &Huge {
    // SAFETY: a region of kind Huge is the first field of a Huge.
    unsafe { &*(region as *const Region as *const Huge) }
}

/// Validates that `addr` is the start of an allocated block in a region the
/// caller `owns`, returning that region and the block.
#[inline]
pub(crate) fn locate(
    addr: usize,
    owns: impl FnOnce(&Region) -> bool,
) -> Result<(&'static Region, Located), AllocError> {
    let region = region_of(addr).filter(|region| owns(region)).ok_or(AllocError::ForeignPointer { addr })?;
    let located = match region.kind {
        RegionKind::Segment => {
            let segment = segment_of(region);
            if !segment.is_block_start(addr) {
                return Err(misplaced(region, addr));
            }
            Located::Chunk { segment: NonNull::from(segment), chunk: Chunk::from_payload(addr) }
        }
        RegionKind::Huge => {
            let huge = huge_of(region);
            if addr != huge.payload {
                return Err(misplaced(region, addr));
            }
            Located::Huge(NonNull::from(huge))
        }
    };
    Ok((region, located))
}

/// The error for an address in `region` where no block starts.
fn misplaced(region: &Region, addr: usize) -> AllocError {
    match find_block(region, addr) {
        Some(block) => AllocError::InteriorPointer { addr, start: block.start.as_ptr() as usize },
        None => AllocError::DoubleFree { addr },
    }
}

/// The allocated block of `region` that contains `addr`, if any.
pub(crate) fn find_block(region: &Region, addr: usize) -> Option<Block> {
    let (start, size) = match region.kind {
        RegionKind::Segment => {
            let segment = segment_of(region);
            if addr < segment.chunks || addr >= segment.end() {
                return None;
            }
            let payload = segment.start_at_or_before(addr)?;
            // SAFETY: a start bit marks an allocated chunk, whose header is committed.
            (payload, usable(unsafe { Chunk::from_payload(payload).size() }))
        }
        RegionKind::Huge => {
            let huge = huge_of(region);
            (huge.payload, huge.usable)
        }
    };
    if !(start..start + size).contains(&addr) {
        return None;
    }
    Some(Block { start: NonNull::new(start as *mut u8)?, size })
}
