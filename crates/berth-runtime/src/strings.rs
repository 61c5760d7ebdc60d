//! Strings: 16-byte values, inline up to 15 bytes, otherwise pointing at a
//! heap buffer (layout in [`berth_abi::str`]). A string of 15 bytes or
//! fewer is always inline, so two strings are equal exactly when their
//! words are equal, or both are on the heap with equal bytes.

use berth_abi::str::{DATA, HEAP_FLAG, INLINE_MAX};
use berth_abi::type_id;

use crate::context::ThreadContext;
use crate::errors::{self, RuntimeError};
use crate::memory;

/// Two words, as generated code passes and returns them (in two
/// registers under the C calling convention).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct StrWords {
    pub w0: u64,
    pub w1: u64,
}

/// A string value seen from Rust.
#[derive(Clone, Copy)]
pub struct BerthStr {
    words: [u64; 2],
}

impl BerthStr {
    pub fn from_words(w0: u64, w1: u64) -> BerthStr {
        BerthStr { words: [w0, w1] }
    }

    fn is_heap(&self) -> bool {
        self.words[1] & HEAP_FLAG != 0
    }

    pub fn len(&self) -> usize {
        if self.is_heap() { (self.words[1] & !HEAP_FLAG) as usize } else { (self.words[1] >> 56) as usize }
    }

    pub fn bytes(&self) -> &[u8] {
        if self.is_heap() {
            // SAFETY: a heap string's first word points at a live buffer
            // object whose bytes follow its header; buffers are never freed
            // while reachable.
            unsafe { std::slice::from_raw_parts((self.words[0] as *const u8).add(DATA as usize), self.len()) }
        } else {
            // SAFETY: the inline bytes are the first `len` (<= 15) bytes of
            // the two words, which live as long as `self`.
            unsafe { std::slice::from_raw_parts(self.words.as_ptr() as *const u8, self.len()) }
        }
    }

    pub fn words(self) -> StrWords {
        StrWords { w0: self.words[0], w1: self.words[1] }
    }
}

/// Builds a string value from bytes: inline if short, else a new heap
/// buffer (counted as a heap allocation).
pub fn make(bytes: &[u8]) -> StrWords {
    make_with(bytes, |size| memory::alloc_object(size, type_id::STRING_BUFFER, false))
}

/// Like [`make`], with the buffer in the thread's frame arena when
/// `in_arena` (the escape analysis found the string does not outlive the
/// frame).
fn make_in(ctx: *mut ThreadContext, bytes: &[u8], in_arena: u8) -> StrWords {
    if in_arena == 0 {
        return make(bytes);
    }
    // SAFETY: generated code passes its own thread's live context.
    let ctx = unsafe { &mut *ctx };
    make_with(bytes, |size| memory::arena_object(ctx, size, type_id::STRING_BUFFER))
}

/// A string value from bytes, its buffer (if it needs one) from `alloc`.
fn make_with(bytes: &[u8], alloc: impl FnOnce(usize) -> usize) -> StrWords {
    if bytes.len() <= INLINE_MAX {
        let mut buf = [0u8; 16];
        buf[..bytes.len()].copy_from_slice(bytes);
        buf[15] = bytes.len() as u8;
        let w0 = u64::from_le_bytes(buf[..8].try_into().expect("8 bytes"));
        let w1 = u64::from_le_bytes(buf[8..].try_into().expect("8 bytes"));
        return StrWords { w0, w1 };
    }
    let object = alloc(DATA as usize + bytes.len());
    // SAFETY: the object has room for the bytes after its header.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), (object as *mut u8).add(DATA as usize), bytes.len()) };
    StrWords { w0: object as u64, w1: bytes.len() as u64 | HEAP_FLAG }
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_str_concat(
    ctx: *mut ThreadContext,
    a0: u64,
    a1: u64,
    b0: u64,
    b1: u64,
    in_arena: u8,
) -> StrWords {
    let (a, b) = (BerthStr::from_words(a0, a1), BerthStr::from_words(b0, b1));
    let mut bytes = Vec::with_capacity(a.len() + b.len());
    bytes.extend_from_slice(a.bytes());
    bytes.extend_from_slice(b.bytes());
    make_in(ctx, &bytes, in_arena)
}

#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn berth_str_substr(
    ctx: *mut ThreadContext,
    s0: u64,
    s1: u64,
    start: i64,
    end: i64,
    line: u32,
    col: u32,
    in_arena: u8,
) -> StrWords {
    let s = BerthStr::from_words(s0, s1);
    let len = s.len() as i64;
    if start < 0 || start > end || end > len {
        errors::fail(&RuntimeError::Substring { start, end, len }.to_string(), line, col);
    }
    make_in(ctx, &s.bytes()[start as usize..end as usize], in_arena)
}

/// Bytewise comparison: negative, zero or positive.
#[unsafe(no_mangle)]
pub extern "C" fn berth_str_cmp(a0: u64, a1: u64, b0: u64, b1: u64) -> i64 {
    let (a, b) = (BerthStr::from_words(a0, a1), BerthStr::from_words(b0, b1));
    a.bytes().cmp(b.bytes()) as i64
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_str_byte_at(s0: u64, s1: u64, index: i64, line: u32, col: u32) -> i64 {
    let s = BerthStr::from_words(s0, s1);
    match usize::try_from(index).ok().and_then(|i| s.bytes().get(i)) {
        Some(&b) => i64::from(b),
        None => errors::fail(&RuntimeError::StringIndex { index, len: s.len() }.to_string(), line, col),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_parse_int(s0: u64, s1: u64, line: u32, col: u32) -> i64 {
    let s = BerthStr::from_words(s0, s1);
    let bytes = s.bytes();
    parse_int(bytes).unwrap_or_else(|| errors::fail(&RuntimeError::InvalidInteger(bytes).to_string(), line, col))
}

/// `parse_int`: an optional `-` and decimal digits that fit an `int`.
pub fn parse_int(bytes: &[u8]) -> Option<i64> {
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    let valid = !digits.is_empty() && digits.iter().all(u8::is_ascii_digit);
    valid.then(|| std::str::from_utf8(bytes).ok()?.parse::<i64>().ok()).flatten()
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_format_int(ctx: *mut ThreadContext, value: i64, in_arena: u8) -> StrWords {
    make_in(ctx, value.to_string().as_bytes(), in_arena)
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_format_float(ctx: *mut ThreadContext, value: f64, in_arena: u8) -> StrWords {
    make_in(ctx, format_float(value).as_bytes(), in_arena)
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_format_bool(_ctx: *mut ThreadContext, value: bool, _in_arena: u8) -> StrWords {
    // Always inline: no buffer to place.
    make(if value { b"true" } else { b"false" })
}

/// The shortest decimal that reads back to the same value, always with a
/// `.` or an exponent: Rust's `Debug` format for `f64`.
pub fn format_float(value: f64) -> String {
    format!("{value:?}")
}

/// Float remainder, with the sign of the dividend (C's `fmod`).
#[unsafe(no_mangle)]
pub extern "C" fn berth_fmod(a: f64, b: f64) -> f64 {
    a % b
}
