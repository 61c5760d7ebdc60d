//! Starting and ending a program: globals, then `main`, on a thread with a
//! large stack; at the end, stdout flushed and the outbox drained. Also the
//! last line of defence against a crash by signal.

use std::sync::OnceLock;
use std::time::Instant;

use berth_abi::ProgramInfo;

use crate::context::ThreadContext;
use crate::threads::{STACK_SIZE, with_context};
use crate::{errors, outbox, print};

type BerthFn = extern "C" fn(*mut ThreadContext);

static STARTED: OnceLock<Instant> = OnceLock::new();

pub fn started() -> Instant {
    *STARTED.get_or_init(Instant::now)
}

/// Runs a compiled program to its end and returns its exit status (a
/// runtime error exits the process with 101 instead of returning).
///
/// # Safety
/// `program` must hold the addresses of the program's compiled `init` and
/// `main` and its file name.
pub unsafe fn run(program: &ProgramInfo) -> i32 {
    started();
    // SAFETY: the caller's contract.
    let (init, main, file) = unsafe {
        let file = std::slice::from_raw_parts(program.file, program.file_len as usize);
        (
            std::mem::transmute::<*const u8, BerthFn>(program.init),
            std::mem::transmute::<*const u8, BerthFn>(program.main),
            String::from_utf8_lossy(file).into_owned(),
        )
    };
    errors::set_file(file);
    install_crash_handler();
    let program_thread = std::thread::Builder::new().name("main".into()).stack_size(STACK_SIZE).spawn(move || {
        with_context(|ctx| {
            init(ctx);
            main(ctx);
        })
    });
    match program_thread.map(|t| t.join()) {
        Ok(Ok(())) => {}
        _ => errors::fail("the program's main thread could not run", 0, 0),
    }
    shutdown();
    0
}

/// What must happen before the process ends, normally or by an error.
pub fn shutdown() {
    print::flush();
    outbox::drain();
}

/// `berth_stack_overflow(line, col)`: generated code's stack check failed.
#[unsafe(no_mangle)]
pub extern "C" fn berth_stack_overflow(line: u32, col: u32) -> ! {
    errors::fail(&errors::RuntimeError::StackOverflow.to_string(), line, col)
}

/// Turns a fault into a runtime error instead of a signal death. Generated
/// code checks its stack before it can overflow, so this only fires for
/// deep recursion inside the runtime or for a compiler bug.
fn install_crash_handler() {
    extern "C" fn on_fault(_signal: libc::c_int, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo for SIGSEGV/SIGBUS.
        let addr = unsafe { (*info).si_addr() } as usize;
        // The handler runs on the alternate signal stack; a fault at the
        // low end of some Berth thread's stack is an overflow.
        let message: &[u8] = if addr != 0 && crate::threads::near_a_stack(addr) {
            b"error: stack overflow\n"
        } else {
            b"error: invalid memory access (a bug in the compiler or runtime)\n"
        };
        // SAFETY: write(2) and _exit(2) are async-signal-safe.
        unsafe {
            libc::write(2, message.as_ptr().cast(), message.len());
            libc::_exit(101);
        }
    }
    // SAFETY: installing a handler with SA_ONSTACK; std gives every thread
    // it starts an alternate signal stack.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut());
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

/// What the `main` that codegen puts into a standalone executable calls.
#[unsafe(no_mangle)]
pub extern "C" fn berth_run_program(program: *const ProgramInfo) -> i32 {
    // SAFETY: generated code passes its `berth_program` data object.
    unsafe { run(&*program) }
}
