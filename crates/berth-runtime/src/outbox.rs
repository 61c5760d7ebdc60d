//! `log` and `send`. `log` renders at once to stderr; `send` queues the
//! value on the network outbox, which a background thread renders and
//! writes later, one line per value, to stderr or to the file named by
//! `BERTH_OUTBOX`. The outbox keeps the object alive until then, which is
//! why `send` makes a value escape.

use std::io::Write;
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use berth_abi::TypeDesc;

use crate::context::ThreadContext;
use crate::render::render;

enum Message {
    /// A value from generated code: its descriptor and a copy of its words
    /// (an object's fields are read only when the line is written).
    Value { desc: usize, words: Vec<u64> },
    /// A line the interpreter has already rendered.
    Line(String),
}

struct Outbox {
    sender: Mutex<Option<Sender<Message>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

static OUTBOX: OnceLock<Outbox> = OnceLock::new();

fn outbox() -> &'static Outbox {
    OUTBOX.get_or_init(|| {
        let (sender, receiver) = channel::<Message>();
        let writer = std::thread::Builder::new()
            .name("berth-outbox".into())
            .spawn(move || {
                let mut sink: Box<dyn Write> = match std::env::var_os("BERTH_OUTBOX") {
                    Some(path) => match std::fs::File::create(&path) {
                        Ok(file) => Box::new(std::io::BufWriter::new(file)),
                        Err(_) => Box::new(std::io::stderr()),
                    },
                    None => Box::new(std::io::stderr()),
                };
                for message in receiver {
                    let line = match message {
                        // SAFETY: `send` queued a descriptor and the words
                        // of a value it describes; the objects it reaches
                        // are never freed.
                        Message::Value { desc, words } => unsafe { render(desc as *const TypeDesc, words.as_ptr()) },
                        Message::Line(line) => line,
                    };
                    let _ = writeln!(sink, "{line}");
                }
                let _ = sink.flush();
            })
            .ok();
        Outbox { sender: Mutex::new(Some(sender)), writer: Mutex::new(writer) }
    })
}

/// Copies a value's words out of generated code's stack slot.
///
/// # Safety
/// `words` points at the value `desc` describes.
unsafe fn copy_words(desc: *const TypeDesc, words: *const u64) -> Vec<u64> {
    // SAFETY: forwarded from the caller.
    unsafe { std::slice::from_raw_parts(words, (*desc).words as usize).to_vec() }
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_log(_ctx: *mut ThreadContext, desc: *const TypeDesc, words: *const u64) {
    // SAFETY: generated code passes a descriptor and the value it describes.
    let line = unsafe { render(desc, words) };
    log_line(&line);
}

/// Writes a rendered `log` line to stderr, after what was printed before.
pub fn log_line(line: &str) {
    crate::print::sync_with_stderr();
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_send(_ctx: *mut ThreadContext, desc: *const TypeDesc, words: *const u64) {
    // SAFETY: as above.
    let words = unsafe { copy_words(desc, words) };
    queue(Message::Value { desc: desc as usize, words });
}

/// Queues a line the interpreter rendered when the value was sent.
pub fn send_line(line: String) {
    queue(Message::Line(line));
}

fn queue(message: Message) {
    let sender = outbox().sender.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(sender) = sender.as_ref() {
        let _ = sender.send(message);
    }
}

/// Writes every queued message and stops the writer; at exit.
pub fn drain() {
    let Some(outbox) = OUTBOX.get() else { return };
    drop(outbox.sender.lock().unwrap_or_else(|e| e.into_inner()).take());
    if let Some(writer) = outbox.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
        let _ = writer.join();
    }
}
