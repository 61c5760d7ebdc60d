//! `Pool`: fixed-size blocks for real-time code. Allocation pops and free
//! pushes a singly linked free list threaded through the free blocks: O(1),
//! no search, no lock, no system call after `Pool::new`, which maps the
//! whole pool and touches every page so later use cannot page-fault.
//!
//! A bitmap with one bit per block records which blocks are allocated, so a
//! foreign, interior or double free is still detected in O(1).

use std::ptr::{self, NonNull};

use crate::chunk::ALIGNMENT;
use crate::error::AllocError;
use crate::os;

pub struct Pool {
    base: usize,
    block_size: usize,
    capacity: usize,
    /// Payload of the first free block, 0 when the pool is exhausted.
    free: usize,
    in_use: usize,
    /// The allocation bitmap, stored after the blocks in the same mapping.
    allocated: *mut u64,
    map_len: usize,
}

// SAFETY: a Pool exclusively owns its mapping; nothing in it is tied to a thread.
unsafe impl Send for Pool {}

impl Pool {
    /// Maps a pool of `capacity` blocks of at least `block_size` bytes each
    /// (rounded up to a multiple of 16, the alignment of every block).
    pub fn new(block_size: usize, capacity: usize) -> Result<Pool, AllocError> {
        if block_size == 0 || capacity == 0 {
            return Err(AllocError::ZeroSize);
        }
        let too_large = AllocError::TooLarge { size: block_size.saturating_mul(capacity) };
        let block = block_size.checked_next_multiple_of(ALIGNMENT).ok_or(too_large)?;
        let blocks_len = block.checked_mul(capacity).ok_or(too_large)?;
        let bitmap_len = capacity.div_ceil(64) * size_of::<u64>();
        let map_len = blocks_len.checked_add(bitmap_len).and_then(os::round_to_pages).ok_or(too_large)?;
        let base = os::map(map_len).ok_or(AllocError::OutOfMemory { size: map_len })?;
        // SAFETY: the mapping is fresh, writable and `map_len` bytes long;
        // every block and page written lies inside it.
        unsafe {
            for page in (base..base + map_len).step_by(os::page_size()) {
                ptr::write_volatile(page as *mut u8, 0);
            }
            for index in 0..capacity {
                let next = if index + 1 < capacity { base + (index + 1) * block } else { 0 };
                ((base + index * block) as *mut usize).write(next);
            }
        }
        Ok(Pool {
            base,
            block_size: block,
            capacity,
            free: base,
            in_use: 0,
            allocated: (base + blocks_len) as *mut u64,
            map_len,
        })
    }

    /// The size of every block.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Blocks currently allocated.
    pub fn in_use(&self) -> usize {
        self.in_use
    }

    /// Takes a block in constant time.
    pub fn alloc(&mut self) -> Result<NonNull<u8>, AllocError> {
        let block = NonNull::new(self.free as *mut u8).ok_or(AllocError::PoolExhausted { capacity: self.capacity })?;
        let index = (self.free - self.base) / self.block_size;
        // SAFETY: `block` is a free block of the pool, whose first word is
        // the free-list link, and `index` is within the bitmap.
        unsafe {
            self.free = block.cast::<usize>().read();
            *self.allocated.add(index / 64) |= 1 << (index % 64);
        }
        self.in_use += 1;
        Ok(block)
    }

    /// Returns a block in constant time.
    pub fn free(&mut self, ptr: NonNull<u8>) -> Result<(), AllocError> {
        let addr = ptr.as_ptr() as usize;
        let offset = addr.wrapping_sub(self.base);
        if offset >= self.block_size * self.capacity {
            return Err(AllocError::ForeignPointer { addr });
        }
        let index = offset / self.block_size;
        if !offset.is_multiple_of(self.block_size) {
            return Err(AllocError::InteriorPointer { addr, start: self.base + index * self.block_size });
        }
        let bit = 1u64 << (index % 64);
        // SAFETY: `index` is below `capacity`, so the word is in the bitmap,
        // and `addr` is the start of a block of at least one word.
        unsafe {
            let word = self.allocated.add(index / 64);
            if *word & bit == 0 {
                return Err(AllocError::DoubleFree { addr });
            }
            *word &= !bit;
            (addr as *mut usize).write(self.free);
        }
        self.free = addr;
        self.in_use -= 1;
        Ok(())
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours and the pool is going away.
        unsafe { os::unmap(self.base, self.map_len) };
    }
}
