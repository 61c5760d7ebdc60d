//! The thread context: one per thread running Berth code, passed to every
//! generated function as its hidden first argument.

use berth_abi::context as abi;

use crate::arena::Arena;

/// The fields generated code touches come first, at the offsets in
/// [`berth_abi::context`]; the rest is the runtime's own.
#[repr(C)]
pub struct ThreadContext {
    pub arena_top: usize,
    pub arena_end: usize,
    pub stack_limit: usize,
    /// Objects generated code placed in stack slots on this thread.
    pub stack_objects: u64,
    /// Objects scalar replacement kept out of memory on this thread.
    pub scalar_objects: u64,
    /// 1 under `BERTH_POISON=1`.
    pub poison: u64,
    pub arena: Arena,
}

const _: () = {
    assert!(std::mem::offset_of!(ThreadContext, arena_top) == abi::ARENA_TOP as usize);
    assert!(std::mem::offset_of!(ThreadContext, arena_end) == abi::ARENA_END as usize);
    assert!(std::mem::offset_of!(ThreadContext, stack_limit) == abi::STACK_LIMIT as usize);
    assert!(std::mem::offset_of!(ThreadContext, stack_objects) == abi::STACK_OBJECTS as usize);
    assert!(std::mem::offset_of!(ThreadContext, scalar_objects) == abi::SCALAR_OBJECTS as usize);
    assert!(std::mem::offset_of!(ThreadContext, poison) == abi::POISON as usize);
};

/// Room left below the stack limit for the runtime functions generated
/// code calls, and for reporting the overflow itself.
const STACK_RESERVE: usize = 256 << 10;

impl ThreadContext {
    /// A context for the calling thread, whose stack is `stack_size` bytes.
    pub fn for_current_thread(stack_size: usize) -> Box<ThreadContext> {
        let here = &stack_size as *const usize as usize;
        let stack_limit = here.saturating_sub(stack_size.saturating_sub(STACK_RESERVE));
        Box::new(ThreadContext {
            arena_top: 0,
            arena_end: 0,
            stack_limit,
            stack_objects: 0,
            scalar_objects: 0,
            poison: u64::from(crate::arena::poisoning()),
            arena: Arena::default(),
        })
    }

    /// Adds this thread's counts to the process-wide statistics; called
    /// when the thread's Berth code is done.
    pub fn retire(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        crate::memory::STACK_OBJECTS.fetch_add(self.stack_objects, Relaxed);
        crate::memory::SCALAR_OBJECTS.fetch_add(self.scalar_objects, Relaxed);
        crate::memory::flush_counts();
    }
}
