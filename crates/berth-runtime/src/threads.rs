//! `spawn` and `join`: each Berth thread is an OS thread with its own
//! context and a large stack.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use crate::context::ThreadContext;

/// Stack size of every Berth thread, `main` included: deep but legal
/// recursion (100,000 calls) must work. Only touched pages cost memory.
pub const STACK_SIZE: usize = 256 << 20;

/// The generated function that unpacks a spawned call's arguments from its
/// record and makes the call.
pub type Entry = extern "C" fn(ctx: *mut ThreadContext, args: u64);

/// What a `Thread` value points at.
pub struct ThreadHandle {
    handle: Mutex<Option<JoinHandle<()>>>,
}

/// Runs `body` with a new context for this thread, then retires it.
pub fn with_context(body: impl FnOnce(*mut ThreadContext)) {
    let mut ctx = ThreadContext::for_current_thread(STACK_SIZE);
    let slot = register_stack(ctx.stack_limit);
    body(&mut *ctx);
    ctx.retire();
    if let Some(slot) = slot {
        STACK_LOWS[slot].store(0, Ordering::Relaxed);
    }
}

/// The low ends of live Berth threads' stacks, for the fault handler (which
/// may only read atomics). A thread beyond the table is simply not
/// recognised: its overflow is then reported as an invalid access.
static STACK_LOWS: [AtomicUsize; 256] = [const { AtomicUsize::new(0) }; 256];

fn register_stack(low: usize) -> Option<usize> {
    STACK_LOWS.iter().position(|s| s.compare_exchange(0, low, Ordering::Relaxed, Ordering::Relaxed).is_ok())
}

/// Whether `addr` is within a few megabytes of the low end of a live Berth
/// thread's stack (where its guard page is).
pub fn near_a_stack(addr: usize) -> bool {
    const NEAR: usize = 8 << 20;
    STACK_LOWS.iter().map(|s| s.load(Ordering::Relaxed)).any(|low| low != 0 && addr.abs_diff(low) < NEAR)
}

#[unsafe(no_mangle)]
pub extern "C" fn berth_spawn(_ctx: *mut ThreadContext, entry: Entry, args: u64) -> u64 {
    let spawned =
        std::thread::Builder::new().stack_size(STACK_SIZE).spawn(move || with_context(|ctx| entry(ctx, args)));
    match spawned {
        Ok(handle) => Box::into_raw(Box::new(ThreadHandle { handle: Mutex::new(Some(handle)) })) as u64,
        Err(e) => crate::errors::fail(&format!("cannot start a thread: {e}"), 0, 0),
    }
}

/// Waits for the thread; joining it again returns at once, and so does
/// joining the zero handle a `Thread` global holds before its initialiser
/// has run.
#[unsafe(no_mangle)]
pub extern "C" fn berth_join(_ctx: *mut ThreadContext, thread: u64) {
    if thread == 0 {
        return;
    }
    // SAFETY: a `Thread` value is a pointer `berth_spawn` returned, never
    // freed.
    let thread = unsafe { &*(thread as *const ThreadHandle) };
    let handle = thread.handle.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(handle) = handle {
        // A Berth thread that fails ends the whole process, so join only
        // fails if the runtime itself panicked.
        let _ = handle.join();
    }
}
