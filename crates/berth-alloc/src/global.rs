//! The process-wide heap and the `GlobalAlloc` implementation over it.

use std::alloc::{GlobalAlloc, Layout};
use std::ptr::{self, NonNull};

use crate::chunk::ALIGNMENT;
use crate::error::{AllocError, fatal};
use crate::shared::SharedHeap;

static GLOBAL: SharedHeap = SharedHeap::new();

/// The process-wide heap: what [`BerthAlloc`] and the Berth runtime use.
pub fn global() -> &'static SharedHeap {
    &GLOBAL
}

/// A [`GlobalAlloc`] over [`global()`]:
///
/// ```no_run
/// #[global_allocator]
/// static ALLOC: berth_alloc::BerthAlloc = berth_alloc::BerthAlloc;
/// ```
///
/// Allocation failures return null as the trait requires; a bad pointer
/// passed to `dealloc` or `realloc` (double or foreign free) aborts with a
/// one-line message, since the trait has no way to report it.
#[derive(Clone, Copy, Debug, Default)]
pub struct BerthAlloc;

/// Null for failures the caller may handle (out of memory), abort for bugs.
fn null_or_abort(error: AllocError) -> *mut u8 {
    match error {
        AllocError::OutOfMemory { .. } | AllocError::TooLarge { .. } | AllocError::ZeroSize => ptr::null_mut(),
        _ => fatal(&error),
    }
}

// The slow paths are separate functions so that the inlined fast paths end
// in a tail call and need no stack frame of their own. (Mid-size requests
// take this one, so it is not marked cold.)
#[inline(never)]
fn alloc_slow(size: usize, align: usize) -> *mut u8 {
    GLOBAL.alloc_slow(size, align).map_or_else(null_or_abort, NonNull::as_ptr)
}

#[cold]
#[inline(never)]
fn dealloc_slow(ptr: *mut u8) {
    let result = NonNull::new(ptr).ok_or(AllocError::ForeignPointer { addr: 0 }).and_then(|ptr| GLOBAL.free_slow(ptr));
    if let Err(error) = result {
        fatal(&error);
    }
}

// SAFETY: blocks come from `GLOBAL`, are aligned as requested, at least as
// large as requested, and stay valid until freed; `GLOBAL` is thread-safe.
unsafe impl GlobalAlloc for BerthAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match GLOBAL.alloc_fast(layout.size(), layout.align()) {
            Some(block) => block.as_ptr(),
            None => alloc_slow(layout.size(), layout.align()),
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        if !GLOBAL.free_fast(ptr as usize) {
            dealloc_slow(ptr);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(block) = NonNull::new(ptr) else {
            fatal(&AllocError::ForeignPointer { addr: 0 });
        };
        if layout.align() <= ALIGNMENT {
            return GLOBAL.realloc(block, new_size).map_or_else(null_or_abort, NonNull::as_ptr);
        }
        // Over-aligned blocks move to a fresh aligned block.
        let Some(new_layout) = Layout::from_size_align(new_size, layout.align()).ok() else {
            return ptr::null_mut();
        };
        // SAFETY: the caller's contract for `realloc` covers `alloc` and `dealloc`.
        unsafe {
            let moved = self.alloc(new_layout);
            if !moved.is_null() {
                ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            moved
        }
    }
}
