//! The Berth runtime: what compiled programs call.
//!
//! Generated code reaches these functions by the names in
//! [`berth_abi::symbols`] and shares the object layout in [`berth_abi`]. The
//! same code serves both ways of running a program: linked into `berth`
//! for the JIT ([`symbols`] lists the addresses to register), and as a
//! static library linked with the object file of `berth build`, whose
//! generated `main` calls [`start::berth_run_program`].
//!
//! - [`start`]: running `init` and `main`, shutdown, the fault handler.
//! - [`context`], [`arena`]: the per-thread context and frame arena.
//! - [`memory`]: heap objects over `berth-alloc`, and `--stats` counts.
//! - [`strings`], [`arrays`], [`print`], [`render`], [`outbox`],
//!   [`threads`], [`dirs`]: the built-ins.
//! - [`errors`]: runtime errors (`error: <what> at <file>:<line>:<col>`,
//!   exit status 101).
//!
//! Nothing here may panic across the C boundary: failures are runtime
//! errors that end the process.

// The `extern "C"` entry points take raw pointers from generated code,
// which passes only live objects of the types they name; marking them
// `unsafe` would change nothing for their only caller.
#![allow(clippy::not_unsafe_ptr_arg_deref)]
pub mod arena;
pub mod arrays;
pub mod context;
pub mod dirs;
pub mod errors;
pub mod memory;
pub mod outbox;
pub mod print;
pub mod render;
pub mod start;
pub mod strings;
pub mod threads;

pub use start::run;

/// Allocation statistics for `berth run --stats`.
pub struct Stats {
    pub heap_allocations: u64,
    pub heap_bytes: u64,
    pub stack_objects: u64,
    pub arena_objects: u64,
    pub scalar_objects: u64,
    pub peak_heap_bytes: u64,
}

pub fn stats() -> Stats {
    use std::sync::atomic::Ordering::Relaxed;
    Stats {
        heap_allocations: memory::HEAP_ALLOCS.load(Relaxed),
        heap_bytes: memory::HEAP_BYTES.load(Relaxed),
        stack_objects: memory::STACK_OBJECTS.load(Relaxed),
        arena_objects: memory::ARENA_OBJECTS.load(Relaxed),
        scalar_objects: memory::SCALAR_OBJECTS.load(Relaxed),
        peak_heap_bytes: berth_alloc::global().stats().peak_live_bytes as u64,
    }
}

/// Every runtime function generated code may call, by the name it imports
/// it under, for registration with the JIT.
pub fn symbols() -> Vec<(&'static str, *const u8)> {
    use berth_abi::symbols as s;
    vec![
        (s::ALLOC, memory::berth_alloc as *const u8),
        (s::ARENA_ALLOC, memory::berth_arena_alloc as *const u8),
        (s::ARENA_MARK, memory::berth_arena_mark as *const u8),
        (s::ARENA_RELEASE, memory::berth_arena_release as *const u8),
        (s::ARRAY_NEW, arrays::berth_array_new as *const u8),
        (s::ARRAY_PUSH, arrays::berth_array_push as *const u8),
        (s::ERROR, errors::berth_error as *const u8),
        (s::PANIC, errors::berth_panic as *const u8),
        (s::STACK_OVERFLOW, start::berth_stack_overflow as *const u8),
        (s::STR_CONCAT, strings::berth_str_concat as *const u8),
        (s::STR_SUBSTR, strings::berth_str_substr as *const u8),
        (s::STR_CMP, strings::berth_str_cmp as *const u8),
        (s::STR_BYTE_AT, strings::berth_str_byte_at as *const u8),
        (s::PARSE_INT, strings::berth_parse_int as *const u8),
        (s::FORMAT_INT, strings::berth_format_int as *const u8),
        (s::FORMAT_FLOAT, strings::berth_format_float as *const u8),
        (s::FORMAT_BOOL, strings::berth_format_bool as *const u8),
        (s::FMOD, strings::berth_fmod as *const u8),
        (s::PRINT_INT, print::berth_print_int as *const u8),
        (s::PRINT_FLOAT, print::berth_print_float as *const u8),
        (s::PRINT_BOOL, print::berth_print_bool as *const u8),
        (s::PRINT_STR, print::berth_print_str as *const u8),
        (s::PRINT_END, print::berth_print_end as *const u8),
        (s::LOG, outbox::berth_log as *const u8),
        (s::SEND, outbox::berth_send as *const u8),
        (s::SPAWN, threads::berth_spawn as *const u8),
        (s::JOIN, threads::berth_join as *const u8),
        (s::LIST_DIR, dirs::berth_list_dir as *const u8),
        (s::DIR_OPEN, dirs::berth_dir_open as *const u8),
        (s::DIR_NEXT, dirs::berth_dir_next as *const u8),
        (s::DIR_NAME, dirs::berth_dir_name as *const u8),
        (s::CLOCK_NS, dirs::berth_clock_ns as *const u8),
        (s::RUN_PROGRAM, start::berth_run_program as *const u8),
    ]
}
