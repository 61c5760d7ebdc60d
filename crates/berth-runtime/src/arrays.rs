//! Arrays: a fixed object `[header][len][cap][buffer]` (layout in
//! [`berth_abi::array`]) and a separately allocated element buffer
//! `[header][elements]`, so the array object stays put while it grows.
//! Reads and writes of elements are generated inline; the runtime creates
//! arrays and grows them.

use berth_abi::{WORD, array, type_id};

use crate::context::ThreadContext;
use crate::memory;

/// Where an array's object and buffers live.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Heap,
    Arena,
}

/// A view of an array object.
pub struct ArrayRef(pub usize);

impl ArrayRef {
    fn field(&self, offset: i32) -> *mut u64 {
        (self.0 + offset as usize) as *mut u64
    }

    pub fn len(&self) -> usize {
        // SAFETY: `self.0` is a live array object.
        unsafe { *self.field(array::LEN) as usize }
    }

    fn cap(&self) -> usize {
        // SAFETY: as above.
        unsafe { *self.field(array::CAP) as usize }
    }

    /// Address of the first element.
    pub fn data(&self) -> usize {
        // SAFETY: as above; the buffer pointer is always set.
        unsafe { *self.field(array::BUF) as usize + array::DATA as usize }
    }
}

fn buffer(ctx: &mut ThreadContext, storage: Storage, elem_bytes: usize, cap: usize) -> usize {
    let size = buffer_bytes(elem_bytes, cap).unwrap_or_else(|| crate::errors::out_of_memory(usize::MAX));
    match storage {
        Storage::Heap => memory::alloc_object(size, type_id::ARRAY_BUFFER, true),
        Storage::Arena => memory::arena_object(ctx, size, type_id::ARRAY_BUFFER),
    }
}

/// The bytes of a buffer for `cap` elements of `elem_bytes` each, header
/// included; `None` when that does not fit in an address.
pub fn buffer_bytes(elem_bytes: usize, cap: usize) -> Option<usize> {
    elem_bytes.checked_mul(cap)?.checked_add(array::DATA as usize)
}

/// A new array of `len` zeroed elements of `elem_words` words each.
pub fn new_array(ctx: &mut ThreadContext, elem_words: usize, len: usize, storage: Storage) -> usize {
    let object = match storage {
        Storage::Heap => memory::alloc_object(array::SIZE as usize, type_id::ARRAY, false),
        Storage::Arena => memory::arena_object(ctx, array::SIZE as usize, type_id::ARRAY),
    };
    let cap = len.max(4);
    let buf = buffer(ctx, storage, elem_words * WORD as usize, cap);
    let a = ArrayRef(object);
    // SAFETY: `object` is a new array object.
    unsafe {
        *a.field(array::LEN) = len as u64;
        *a.field(array::CAP) = cap as u64;
        *a.field(array::BUF) = buf as u64;
    }
    object
}

/// `berth_array_new(ctx, elem_words, len, in_arena) -> array`.
#[unsafe(no_mangle)]
pub extern "C" fn berth_array_new(ctx: *mut ThreadContext, elem_words: u64, len: u64, in_arena: u8) -> u64 {
    // SAFETY: generated code passes its own thread's live context.
    let ctx = unsafe { &mut *ctx };
    let storage = if in_arena != 0 { Storage::Arena } else { Storage::Heap };
    new_array(ctx, elem_words as usize, len as usize, storage) as u64
}

/// `berth_array_push(ctx, array, elem_words, in_arena) -> slot`: makes room
/// for one more element and returns its address; the caller stores it.
#[unsafe(no_mangle)]
pub extern "C" fn berth_array_push(ctx: *mut ThreadContext, object: u64, elem_words: u64, in_arena: u8) -> u64 {
    // SAFETY: as above.
    let ctx = unsafe { &mut *ctx };
    let a = ArrayRef(object as usize);
    let elem_bytes = elem_words as usize * WORD as usize;
    let (len, cap) = (a.len(), a.cap());
    if len == cap {
        let storage = if in_arena != 0 { Storage::Arena } else { Storage::Heap };
        let new_cap = (cap * 2).max(4);
        let new_buf = buffer(ctx, storage, elem_bytes, new_cap);
        // SAFETY: both buffers hold at least `len` elements; they are
        // distinct allocations.
        unsafe {
            std::ptr::copy_nonoverlapping(
                a.data() as *const u8,
                (new_buf + array::DATA as usize) as *mut u8,
                len * elem_bytes,
            );
            *a.field(array::CAP) = new_cap as u64;
            *a.field(array::BUF) = new_buf as u64;
        }
    }
    // SAFETY: there is room for element `len`.
    unsafe { *a.field(array::LEN) = len as u64 + 1 };
    (a.data() + len * elem_bytes) as u64
}
