//! The errors the allocator reports instead of corrupting memory.

use std::fmt;

/// Why an allocation, free or reallocation was refused.
///
/// Every pointer handed to `free`, `realloc` or a [`Pool`](crate::Pool) is
/// validated first (see `block.rs`), so bad input becomes one of these
/// values rather than a corrupted heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// A request for zero bytes: Berth objects always have a header word,
    /// so a zero-size request is a caller bug, not an empty object.
    ZeroSize,
    /// A request so large that its size arithmetic would overflow.
    TooLarge { size: usize },
    /// An alignment that is not a power of two.
    InvalidAlignment { align: usize },
    /// The operating system refused to map more memory.
    OutOfMemory { size: usize },
    /// The address was not allocated by this heap (or pool) at all.
    ForeignPointer { addr: usize },
    /// The address lies in this heap's memory but no allocated block starts
    /// there: the block was already freed (or was never handed out).
    DoubleFree { addr: usize },
    /// The address points inside an allocated block that starts at `start`.
    InteriorPointer { addr: usize, start: usize },
    /// Every block of a fixed-size pool is in use.
    PoolExhausted { capacity: usize },
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AllocError::ZeroSize => write!(f, "zero-size allocation request"),
            AllocError::TooLarge { size } => write!(f, "allocation request of {size} bytes is too large"),
            AllocError::InvalidAlignment { align } => {
                write!(f, "alignment {align} is not a power of two")
            }
            AllocError::OutOfMemory { size } => {
                write!(f, "out of memory: the OS refused to map {size} more bytes")
            }
            AllocError::ForeignPointer { addr } => {
                write!(f, "{addr:#x} was not allocated by this heap (foreign free)")
            }
            AllocError::DoubleFree { addr } => {
                write!(f, "{addr:#x} is not an allocated block (double free)")
            }
            AllocError::InteriorPointer { addr, start } => {
                write!(f, "{addr:#x} points inside the block at {start:#x}, not at its start")
            }
            AllocError::PoolExhausted { capacity } => {
                write!(f, "pool exhausted: all {capacity} blocks are in use")
            }
        }
    }
}

impl std::error::Error for AllocError {}

/// Prints `berth-alloc: fatal: MESSAGE` on stderr and aborts.
///
/// Used where an error cannot be returned (a `GlobalAlloc` method, a thread
/// exiting). It formats into a stack buffer and writes with `write(2)`:
/// anything that might allocate could re-enter the allocator that failed.
pub(crate) fn fatal(message: &dyn fmt::Display) -> ! {
    struct Line {
        buf: [u8; 256],
        len: usize,
    }
    impl fmt::Write for Line {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let n = s.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }
    let mut line = Line { buf: [0; 256], len: 0 };
    // Truncation is the only failure mode and a truncated line still helps.
    let _ = fmt::write(&mut line, format_args!("berth-alloc: fatal: {message}\n"));
    // SAFETY: the buffer is valid for `len` bytes; fd 2 may be closed, in
    // which case write fails harmlessly.
    unsafe { libc::write(2, line.buf.as_ptr().cast(), line.len) };
    std::process::abort()
}
