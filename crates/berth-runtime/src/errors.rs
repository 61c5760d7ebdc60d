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

pub fn out_of_memory(size: usize) -> ! {
    fail(&format!("out of memory (allocating {size} bytes)"), 0, 0)
}

/// `berth_error(kind, line, col, a, b)`: the errors generated code checks
/// for inline.
#[unsafe(no_mangle)]
pub extern "C" fn berth_error(error: u32, line: u32, col: u32, a: i64, b: i64) -> ! {
    let what = match error {
        kind::NIL => "nil dereference".to_string(),
        kind::INDEX => format!("index out of bounds: index {a}, length {b}"),
        kind::DIVISION_BY_ZERO => "division by zero".to_string(),
        kind::ASSERT => "assertion failed".to_string(),
        kind::STACK_OVERFLOW => "stack overflow".to_string(),
        kind::NEGATIVE_LENGTH => format!("negative array length: {a}"),
        kind::POP_EMPTY => "pop from an empty array".to_string(),
        other => format!("unknown runtime error {other}"),
    };
    fail(&what, line, col)
}

/// `berth_panic(line, col, msg)`.
#[unsafe(no_mangle)]
pub extern "C" fn berth_panic(line: u32, col: u32, m0: u64, m1: u64) -> ! {
    let message = BerthStr::from_words(m0, m1);
    fail(&format!("panic: {}", String::from_utf8_lossy(message.bytes())), line, col)
}

/// A malformed `parse_int` argument.
pub fn invalid_integer(s: &[u8], line: u32, col: u32) -> ! {
    fail(&format!("invalid integer: {}", quote(s)), line, col)
}
