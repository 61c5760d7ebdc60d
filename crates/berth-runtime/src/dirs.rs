//! `list_dir` and streaming `read_dir`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use berth_abi::WORD;

use crate::arrays::{ArrayRef, Storage, new_array};
use crate::context::ThreadContext;
use crate::strings::{BerthStr, StrWords, make};

fn path(p0: u64, p1: u64) -> std::path::PathBuf {
    std::path::PathBuf::from(OsStr::from_bytes(BerthStr::from_words(p0, p1).bytes()))
}

/// Every entry name of the directory, sorted bytewise (empty when the
/// directory cannot be read).
#[unsafe(no_mangle)]
pub extern "C" fn berth_list_dir(ctx: *mut ThreadContext, p0: u64, p1: u64) -> u64 {
    // SAFETY: generated code passes its own thread's live context.
    let ctx = unsafe { &mut *ctx };
    let mut names: Vec<Vec<u8>> = std::fs::read_dir(path(p0, p1))
        .map(|entries| entries.flatten().map(|e| e.file_name().as_bytes().to_vec()).collect())
        .unwrap_or_default();
    names.sort();
    let array = new_array(ctx, 2, names.len(), Storage::Heap);
    let data = ArrayRef(array).data();
    for (i, name) in names.iter().enumerate() {
        let StrWords { w0, w1 } = make(name);
        // SAFETY: the array has `names.len()` two-word elements.
        unsafe {
            let slot = (data + i * 2 * WORD as usize) as *mut u64;
            *slot = w0;
            *slot.add(1) = w1;
        }
    }
    array as u64
}

/// The state of one `for name in read_dir(path)` loop.
pub struct DirStream {
    entries: Option<std::fs::ReadDir>,
    current: Vec<u8>,
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_dir_open(_ctx: *mut ThreadContext, p0: u64, p1: u64) -> u64 {
    let stream = DirStream { entries: std::fs::read_dir(path(p0, p1)).ok(), current: Vec::new() };
    Box::into_raw(Box::new(stream)) as u64
}

/// Advances to the next entry; false (and the stream freed) at the end.
#[unsafe(no_mangle)]
pub extern "C" fn berth_dir_next(_ctx: *mut ThreadContext, stream: u64) -> bool {
    // SAFETY: the pointer came from `berth_dir_open` and is used by one
    // loop on one thread.
    let stream = unsafe { &mut *(stream as *mut DirStream) };
    match stream.entries.as_mut().and_then(|e| e.flatten().next()) {
        Some(entry) => {
            stream.current = entry.file_name().as_bytes().to_vec();
            true
        }
        None => {
            // The loop ends here: nothing uses the stream again.
            // SAFETY: the pointer came from `Box::into_raw` in `berth_dir_open`.
            drop(unsafe { Box::from_raw(stream as *mut DirStream) });
            false
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_dir_name(_ctx: *mut ThreadContext, stream: u64) -> StrWords {
    // SAFETY: as above.
    let stream = unsafe { &*(stream as *const DirStream) };
    make(&stream.current)
}

/// Monotonic nanoseconds since the program started.
#[unsafe(no_mangle)]
pub extern "C" fn berth_clock_ns() -> i64 {
    crate::start::started().elapsed().as_nanos() as i64
}
