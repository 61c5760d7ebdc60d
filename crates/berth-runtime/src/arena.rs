//! The frame arena: a per-thread LIFO region for objects that do not
//! escape their frame but cannot live in a stack slot (several alive at
//! once, or a size known only at run time). A function that allocates in it
//! marks it on entry and releases back to the mark when it returns.
//!
//! The arena is a list of chunks from the heap; the current chunk's free
//! range is `ThreadContext::{arena_top, arena_end}`, which generated code
//! could bump inline.

use crate::context::ThreadContext;
use crate::memory;

pub use berth_abi::POISON_BYTE as POISON;

/// Whether `BERTH_POISON=1` is set (read once).
pub fn poisoning() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("BERTH_POISON").is_some_and(|v| v == "1"))
}

/// Size of the first chunk; later chunks double, up to [`MAX_CHUNK`].
const FIRST_CHUNK: usize = 64 << 10;
const MAX_CHUNK: usize = 64 << 20;

/// The chunks in use, oldest first, as `(start, end)`.
#[derive(Default)]
pub struct Arena {
    chunks: Vec<(usize, usize)>,
    /// The last chunk given back, kept for the next growth: a loop that
    /// releases the arena every iteration and crosses a chunk boundary
    /// would otherwise take a chunk from the heap and free it each time.
    spare: Option<(usize, usize)>,
}

impl ThreadContext {
    /// `size` bytes (a multiple of 8), 8-aligned, not zeroed.
    pub fn arena_alloc(&mut self, size: usize) -> usize {
        if self.arena_end - self.arena_top >= size {
            let at = self.arena_top;
            self.arena_top += size;
            return at;
        }
        let (start, end) = match self.arena.spare.take() {
            Some((s, e)) if e - s >= size => (s, e),
            spare => {
                if let Some((s, _)) = spare {
                    memory::free_raw(s);
                }
                let previous = self.arena.chunks.last().map_or(0, |&(s, e)| e - s);
                let chunk = (previous * 2).clamp(FIRST_CHUNK, MAX_CHUNK).max(size.next_power_of_two());
                let start = memory::alloc_raw(chunk);
                (start, start + chunk)
            }
        };
        self.arena.chunks.push((start, end));
        self.arena_top = start + size;
        self.arena_end = end;
        start
    }

    /// The position to come back to when the marking frame returns.
    pub fn arena_mark(&self) -> usize {
        self.arena_top
    }

    /// Fills what `arena_release(mark)` is about to free with [`POISON`]:
    /// the current chunk up to the top, whole newer chunks, down to the
    /// mark.
    fn poison_above(&self, mark: usize) {
        let chunks = &self.arena.chunks;
        for (i, &(start, end)) in chunks.iter().enumerate().rev() {
            let used_to = if i + 1 == chunks.len() { self.arena_top } else { end };
            let from = if (start..=end).contains(&mark) { mark } else { start };
            // SAFETY: [from, used_to) lies in a chunk this arena owns.
            unsafe { std::ptr::write_bytes(from as *mut u8, POISON, used_to.saturating_sub(from)) };
            if from == mark {
                return;
            }
        }
    }

    /// Frees everything allocated after `mark`: chunks newer than the one
    /// holding the mark go back to the heap, except the one kept as the
    /// spare; the first chunk is kept for the next frames.
    pub fn arena_release(&mut self, mark: usize) {
        if poisoning() {
            self.poison_above(mark);
        }
        while let Some(&(start, end)) = self.arena.chunks.last() {
            if (start..=end).contains(&mark) {
                self.arena_top = mark;
                self.arena_end = end;
                return;
            }
            if self.arena.chunks.len() == 1 {
                // The mark predates every chunk.
                self.arena_top = start;
                self.arena_end = end;
                return;
            }
            self.arena.chunks.pop();
            if let Some((older, _)) = self.arena.spare.replace((start, end)) {
                memory::free_raw(older);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::POISON;
    use crate::context::ThreadContext;

    fn byte(addr: usize) -> u8 {
        // SAFETY: the tests read only arena memory they allocated.
        unsafe { *(addr as *const u8) }
    }

    #[test]
    fn poisoning_fills_what_a_release_frees_and_nothing_below_the_mark() {
        let mut ctx = ThreadContext::for_current_thread(1 << 20);
        let kept = ctx.arena_alloc(16);
        // SAFETY: 16 bytes the arena just gave.
        unsafe { std::ptr::write_bytes(kept as *mut u8, 7, 16) };
        let mark = ctx.arena_mark();
        let freed = ctx.arena_alloc(32);
        // More than a chunk, so the release also drops a newer chunk.
        let big = ctx.arena_alloc(128 << 10);
        ctx.poison_above(mark);
        assert!((0..16).all(|i| byte(kept + i) == 7), "memory below the mark is untouched");
        assert!((0..32).all(|i| byte(freed + i) == POISON));
        assert!([0, 64 << 10, (128 << 10) - 1].iter().all(|&i| byte(big + i) == POISON));
        ctx.arena_release(mark);
        assert_eq!(ctx.arena_mark(), mark);
    }
}
