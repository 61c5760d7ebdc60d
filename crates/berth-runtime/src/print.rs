//! `print` and `println`: values separated by single spaces, written
//! through one buffered, process-wide stdout (flushed at exit, before a
//! runtime error, and at each newline when stdout is a terminal).

use std::io::{IsTerminal, Stdout, Write};
use std::sync::{LazyLock, Mutex, MutexGuard};

use crate::strings::{BerthStr, format_float};

struct Out {
    writer: std::io::BufWriter<Stdout>,
    /// A value was written on this line, so the next one needs a space.
    mid_line: bool,
    line_buffered: bool,
}

static OUT: LazyLock<Mutex<Out>> = LazyLock::new(|| {
    let stdout = std::io::stdout();
    let line_buffered = stdout.is_terminal();
    Mutex::new(Out { writer: std::io::BufWriter::with_capacity(64 << 10, stdout), mid_line: false, line_buffered })
});

fn out() -> MutexGuard<'static, Out> {
    // A thread that panicked while printing cannot leave the buffer in a
    // state worse than a torn line.
    OUT.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes one printed value, after a space if it is not the first on the
/// line. The interpreter prints through this too.
pub fn write_value(bytes: &[u8]) {
    let mut out = out();
    if out.mid_line {
        let _ = out.writer.write_all(b" ");
    }
    let _ = out.writer.write_all(bytes);
    out.mid_line = true;
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_print_int(value: i64) {
    write_value(value.to_string().as_bytes());
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_print_float(value: f64) {
    write_value(format_float(value).as_bytes());
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_print_bool(value: bool) {
    write_value(if value { b"true" } else { b"false" });
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_print_str(w0: u64, w1: u64) {
    write_value(BerthStr::from_words(w0, w1).bytes());
}

/// Ends one `print` (`newline == 0`) or `println` call.
#[unsafe(no_mangle)]
pub extern "C" fn berth_print_end(newline: bool) {
    end_print(newline);
}

/// Ends one `print` or `println` call.
pub fn end_print(newline: bool) {
    let mut out = out();
    out.mid_line = false;
    if newline {
        let _ = out.writer.write_all(b"\n");
        if out.line_buffered {
            let _ = out.writer.flush();
        }
    }
}

/// Before writing to stderr: on a terminal, show what was printed first.
pub fn sync_with_stderr() {
    let mut out = out();
    if out.line_buffered {
        let _ = out.writer.flush();
    }
}

pub fn flush() {
    let _ = out().writer.flush();
}
