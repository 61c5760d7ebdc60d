//! Huge blocks: requests at or above the heap's huge threshold (256 KiB by
//! default) get a mapping of their own, unmapped as soon as they are freed,
//! so they never fragment the segments.
//!
//! ```text
//! base      Huge header (owner, list links, bounds)
//! payload   the caller's bytes, aligned as requested
//! base+len
//! ```

use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, Ordering};

use crate::chunk::ALIGNMENT;
use crate::os;
use crate::pagemap::{self, Region};

#[repr(C)]
pub(crate) struct Huge {
    pub(crate) region: Region,
    // Links of the owning heap's list of huge blocks. Atomics because other
    // threads read the header (through the page map) while the owner relinks.
    prev: AtomicPtr<Huge>,
    next: AtomicPtr<Huge>,
    /// Length of the whole mapping.
    pub(crate) len: usize,
    pub(crate) payload: usize,
    pub(crate) usable: usize,
}

impl Huge {
    /// Maps a block of at least `size` bytes aligned to `align`. None on
    /// overflow or if the OS refuses.
    pub(crate) fn create(region: Region, size: usize, align: usize) -> Option<NonNull<Huge>> {
        let align = align.max(ALIGNMENT);
        let len = os::round_to_pages(size_of::<Huge>().checked_add(align - 1)?.checked_add(size)?)?;
        let base = os::map(len)?;
        let payload = (base + size_of::<Huge>()).next_multiple_of(align);
        let huge = base as *mut Huge;
        // SAFETY: the mapping is fresh, writable and large enough for the header.
        unsafe {
            huge.write(Huge {
                region,
                prev: AtomicPtr::new(ptr::null_mut()),
                next: AtomicPtr::new(ptr::null_mut()),
                len,
                payload,
                usable: base + len - payload,
            });
        }
        // SAFETY: `huge` is the non-null base of the mapping.
        let huge = unsafe { NonNull::new_unchecked(huge) };
        if pagemap::register(base, len, huge.cast()) {
            Some(huge)
        } else {
            // SAFETY: the mapping is ours and unpublished.
            unsafe { os::unmap(base, len) };
            None
        }
    }

    /// Unregisters and unmaps a huge block.
    ///
    /// # Safety
    /// Nothing in the block may be used afterwards, and it must be in no list.
    pub(crate) unsafe fn destroy(huge: NonNull<Huge>) {
        let base = huge.as_ptr() as usize;
        // SAFETY: the header stays readable until the unmap below.
        let len = unsafe { huge.as_ref() }.len;
        pagemap::unregister(base, len);
        // SAFETY: the caller guarantees the block is unused.
        unsafe { os::unmap(base, len) };
    }
}

/// A heap's huge blocks, linked through their headers.
pub(crate) struct HugeList {
    head: *mut Huge,
}

impl HugeList {
    pub(crate) const fn new() -> HugeList {
        HugeList { head: ptr::null_mut() }
    }

    /// # Safety
    /// `huge` must be a live huge block in no list.
    pub(crate) unsafe fn push(&mut self, huge: NonNull<Huge>) {
        // SAFETY: `huge` and the current head are live huge blocks.
        unsafe {
            let node = huge.as_ref();
            node.prev.store(ptr::null_mut(), Ordering::Relaxed);
            node.next.store(self.head, Ordering::Relaxed);
            if let Some(head) = self.head.as_ref() {
                head.prev.store(huge.as_ptr(), Ordering::Relaxed);
            }
        }
        self.head = huge.as_ptr();
    }

    /// # Safety
    /// `huge` must be in this list.
    pub(crate) unsafe fn remove(&mut self, huge: NonNull<Huge>) {
        // SAFETY: `huge` and its neighbours are live blocks of this list.
        unsafe {
            let node = huge.as_ref();
            let (prev, next) = (node.prev.load(Ordering::Relaxed), node.next.load(Ordering::Relaxed));
            match prev.as_ref() {
                Some(prev) => prev.next.store(next, Ordering::Relaxed),
                None => self.head = next,
            }
            if let Some(next) = next.as_ref() {
                next.prev.store(prev, Ordering::Relaxed);
            }
        }
    }

    /// The blocks of the list, newest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = NonNull<Huge>> + '_ {
        std::iter::successors(NonNull::new(self.head), |huge| {
            // SAFETY: blocks in the list are live.
            NonNull::new(unsafe { huge.as_ref() }.next.load(Ordering::Relaxed))
        })
    }
}
