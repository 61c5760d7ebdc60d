//! Memory from the operating system.
//!
//! Segments *reserve* address space (`PROT_NONE`, no commit charge) and
//! *commit* pages as the heap grows, so the "mapped" statistic counts memory
//! the process can actually touch, not address space it merely holds. Huge
//! blocks, pools and page-map leaves are plain read-write mappings.

use std::sync::atomic::{AtomicUsize, Ordering};

static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

/// The OS page size, read once.
pub(crate) fn page_size() -> usize {
    let cached = PAGE_SIZE.load(Ordering::Relaxed);
    if cached != 0 {
        return cached;
    }
    // SAFETY: sysconf has no preconditions.
    let raw = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    let size = usize::try_from(raw).ok().filter(|s| s.is_power_of_two()).unwrap_or(4096);
    PAGE_SIZE.store(size, Ordering::Relaxed);
    size
}

/// `n` rounded up to a whole number of pages, or None on overflow.
pub(crate) fn round_to_pages(n: usize) -> Option<usize> {
    let mask = page_size() - 1;
    n.checked_add(mask).map(|n| n & !mask)
}

fn mmap(len: usize, prot: libc::c_int, extra_flags: libc::c_int) -> Option<usize> {
    // SAFETY: an anonymous mapping at an address of the kernel's choosing
    // cannot alias any existing Rust object.
    let addr = unsafe {
        libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | extra_flags, -1, 0)
    };
    (addr != libc::MAP_FAILED).then_some(addr as usize)
}

/// Maps `len` bytes, readable and writable and zeroed.
pub(crate) fn map(len: usize) -> Option<usize> {
    mmap(len, libc::PROT_READ | libc::PROT_WRITE, 0)
}

/// Reserves `len` bytes of address space that fault on access until committed.
pub(crate) fn reserve(len: usize) -> Option<usize> {
    mmap(len, libc::PROT_NONE, libc::MAP_NORESERVE)
}

/// Reserves `len` bytes of address space aligned to `align` (a power of
/// two, a multiple of the page size): an oversized reservation with the
/// misaligned ends given back.
pub(crate) fn reserve_aligned(len: usize, align: usize) -> Option<usize> {
    let raw = reserve(len.checked_add(align)?)?;
    let start = raw.next_multiple_of(align);
    // SAFETY: both ranges are parts of the reservation just made, unused.
    unsafe {
        if start > raw {
            unmap(raw, start - raw);
        }
        unmap(start + len, raw + align - start);
    }
    Some(start)
}

/// Makes `[addr, addr + len)` of a reservation readable and writable.
///
/// # Safety
/// The range must be page-aligned and lie inside a reservation this crate owns.
pub(crate) unsafe fn commit(addr: usize, len: usize) -> bool {
    // SAFETY: the caller guarantees the range is ours; mprotect on it affects no other object.
    unsafe { libc::mprotect(addr as *mut libc::c_void, len, libc::PROT_READ | libc::PROT_WRITE) == 0 }
}

/// Gives the pages of `[addr, addr + len)` back to the OS, keeping the range reserved.
///
/// # Safety
/// The range must be page-aligned, inside a reservation this crate owns, and
/// hold nothing anyone still reads.
pub(crate) unsafe fn decommit(addr: usize, len: usize) -> bool {
    // SAFETY: MAP_FIXED over our own, unused range replaces it with fresh
    // PROT_NONE pages; the caller guarantees nothing there is still in use.
    let result = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
            -1,
            0,
        )
    };
    result != libc::MAP_FAILED
}

/// Unmaps `[addr, addr + len)`.
///
/// # Safety
/// The range must be a mapping (or reservation) this crate made, no longer in use.
pub(crate) unsafe fn unmap(addr: usize, len: usize) {
    // SAFETY: the caller guarantees the mapping is ours and unused. munmap
    // only fails for invalid arguments, which would be a bug caught by tests.
    let result = unsafe { libc::munmap(addr as *mut libc::c_void, len) };
    debug_assert_eq!(result, 0, "munmap({addr:#x}, {len}) failed");
}
