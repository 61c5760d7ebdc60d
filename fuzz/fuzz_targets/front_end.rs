//! Arbitrary bytes through what `berth check` does: parse, type-check and
//! render the diagnostics (`berth-cli`'s `Source::load`, `parse` and
//! `check`), then lower programs that check to IR (`berth dump --stage ir`).
//! Any panic, and any stack overflow, is a bug.
//!
//! Bytes that are not UTF-8 get the CLI's "not valid UTF-8" diagnostic,
//! rendered over the lossily decoded text, and then that text is checked
//! too, so the fuzzer's mutations of non-UTF-8 inputs are not wasted.
//!
//! Like the CLI, the compiler runs on a thread with a 256 MiB stack: its
//! passes recurse over expressions as deep as the parser allows, which a
//! smaller stack (libFuzzer's main thread has the default 8 MiB) need not
//! hold. The thread is started once and reused.

#![no_main]

use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use berth_syntax::{Diagnostic, SourceFile, Span};
use libfuzzer_sys::fuzz_target;

/// The same stack as the CLI's compiler thread.
const COMPILER_STACK: usize = 256 << 20;

/// The file name diagnostics show.
const NAME: &str = "fuzz.berth";

struct Worker {
    input: SyncSender<Vec<u8>>,
    done: Receiver<()>,
}

fn worker() -> &'static Mutex<Worker> {
    static WORKER: OnceLock<Mutex<Worker>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (input, inputs) = sync_channel::<Vec<u8>>(0);
        let (finished, done) = sync_channel::<()>(0);
        std::thread::Builder::new()
            .name("berth".into())
            .stack_size(COMPILER_STACK)
            .spawn(move || {
                for bytes in inputs {
                    front_end(&bytes);
                    // A panic aborts the process (libfuzzer-sys's hook), so
                    // reaching here means the input passed.
                    finished.send(()).expect("the fuzzer waits for every input");
                }
            })
            .expect("cannot start the compiler thread");
        Mutex::new(Worker { input, done })
    })
}

fuzz_target!(|data: &[u8]| {
    let worker = worker().lock().unwrap();
    worker.input.send(data.to_vec()).unwrap();
    worker.done.recv().unwrap();
});

fn front_end(bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => check(text),
        Err(error) => {
            // As `Source::load` reports a file that is not UTF-8.
            let at = error.valid_up_to();
            let bad = bytes[at];
            let text = String::from_utf8_lossy(bytes).into_owned();
            let diagnostic = Diagnostic::error(Span::new(at, at + 1), "source file is not valid UTF-8")
                .with_label(format!("byte 0x{bad:02x} does not start or continue a UTF-8 character"));
            SourceFile::new(NAME, &text).render(&[diagnostic]);
            check(&text);
        }
    }
}

/// `berth check` (parse, report, type-check, report), then lowering.
fn check(text: &str) {
    let source = SourceFile::new(NAME, text);
    let (module, diagnostics) = berth_syntax::parse(text);
    source.render(&diagnostics);
    if diagnostics.iter().any(|d| d.is_error()) {
        return;
    }
    let checked = berth_types::check(&module);
    source.render(&checked.diagnostics);
    if let Some(program) = checked.program {
        // Verifies the IR too (debug assertions are on in fuzz builds).
        let module = berth_ir::lower(program, text);
        std::hint::black_box(module);
    }
}
