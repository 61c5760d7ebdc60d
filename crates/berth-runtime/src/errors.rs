//! Runtime errors: one line on stderr, `error: <what> at <file>:<line>:<col>`,
//! and exit status 101, after what the program printed is flushed and the
//! outbox drained.

use std::io::Write;
use std::sync::OnceLock;

use berth_abi::error as kind;

use crate::render::quote;
use crate::strings::BerthStr;

/// The source file's name as the user gave it; set once at start.
static FILE: OnceLock<String> = OnceLock::new();

pub fn set_file(name: String) {
    let _ = FILE.set(name);
}

/// Reports a runtime error and ends the process.
pub fn fail(what: &str, line: u32, col: u32) -> ! {
    report(what, line, col);
    // SAFETY: `_exit` ends the process at once; nothing else may run after
    // an error (other threads included).
    unsafe { libc::_exit(101) }
}

/// Flushes what the program printed, drains the outbox and writes the
/// error line; the caller ends the process.
pub fn report(what: &str, line: u32, col: u32) {
    let file = FILE.get().map_or("<program>", String::as_str);
    crate::start::shutdown();
    let mut stderr = std::io::stderr().lock();
    if line == 0 {
        let _ = writeln!(stderr, "error: {what} in {file}");
    } else {
        let _ = writeln!(stderr, "error: {what} at {file}:{line}:{col}");
    }
    let _ = stderr.flush();
}

/// A runtime error's text, the one place both compiled code's runtime and
/// the interpreter (`berth-interp`) take it from.
#[derive(Debug, PartialEq, Eq)]
pub enum RuntimeError<'a> {
    Nil,
    Index { index: i64, len: i64 },
    DivisionByZero,
    Assert,
    StackOverflow,
    NegativeLength(i64),
    PopEmpty,
    OutOfMemory(usize),
    Substring { start: i64, end: i64, len: i64 },
    StringIndex { index: i64, len: usize },
    InvalidInteger(&'a [u8]),
    Panic(&'a [u8]),
}

impl std::fmt::Display for RuntimeError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuntimeError::Nil => write!(f, "nil dereference"),
            RuntimeError::Index { index, len } => write!(f, "index out of bounds: index {index}, length {len}"),
            RuntimeError::DivisionByZero => write!(f, "division by zero"),
            RuntimeError::Assert => write!(f, "assertion failed"),
            RuntimeError::StackOverflow => write!(f, "stack overflow"),
            RuntimeError::NegativeLength(n) => write!(f, "negative array length: {n}"),
            RuntimeError::PopEmpty => write!(f, "pop from an empty array"),
            RuntimeError::OutOfMemory(size) => write!(f, "out of memory (allocating {size} bytes)"),
            RuntimeError::Substring { start, end, len } => {
                write!(f, "substring out of bounds: {start}..{end} of length {len}")
            }
            RuntimeError::StringIndex { index, len } => {
                write!(f, "string index out of bounds: index {index}, length {len}")
            }
            RuntimeError::InvalidInteger(s) => write!(f, "invalid integer: {}", quote(s)),
            RuntimeError::Panic(message) => write!(f, "panic: {}", String::from_utf8_lossy(message)),
        }
    }
}

pub fn out_of_memory(size: usize) -> ! {
    fail(&RuntimeError::OutOfMemory(size).to_string(), 0, 0)
}

/// `berth_error(kind, line, col, a, b)`: the errors generated code checks
/// for inline.
#[unsafe(no_mangle)]
pub extern "C" fn berth_error(error: u32, line: u32, col: u32, a: i64, b: i64) -> ! {
    let what = match error {
        kind::NIL => RuntimeError::Nil,
        kind::INDEX => RuntimeError::Index { index: a, len: b },
        kind::DIVISION_BY_ZERO => RuntimeError::DivisionByZero,
        kind::ASSERT => RuntimeError::Assert,
        kind::STACK_OVERFLOW => RuntimeError::StackOverflow,
        kind::NEGATIVE_LENGTH => RuntimeError::NegativeLength(a),
        kind::POP_EMPTY => RuntimeError::PopEmpty,
        other => fail(&format!("unknown runtime error {other}"), line, col),
    };
    fail(&what.to_string(), line, col)
}

/// `berth_panic(line, col, msg)`.
#[unsafe(no_mangle)]
pub extern "C" fn berth_panic(line: u32, col: u32, m0: u64, m1: u64) -> ! {
    let message = BerthStr::from_words(m0, m1);
    fail(&RuntimeError::Panic(message.bytes()).to_string(), line, col)
}
