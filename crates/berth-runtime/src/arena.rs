//! The frame arena: a per-thread LIFO region for objects that do not
//! escape their frame but cannot live in a stack slot (several alive at
//! once, or of a size known only at run time). A function marks the arena
//! on entry and releases back to the mark when it returns.

use crate::memory;

/// Size of the first chunk; later chunks double, up to [`MAX_CHUNK`].
const FIRST_CHUNK: usize = 64 << 10;
const MAX_CHUNK: usize = 64 << 20;

#[derive(Default)]
pub struct Arena {
    /// Chunks in use, oldest first: (start, end, top).
    chunks: Vec<(usize, usize)>,
    top: usize,
}

impl Arena {
    /// The current chunk's free range (`(0, 0)` before the first use).
    pub fn bounds(&self) -> (usize, usize) {
        match self.chunks.last() {
            Some(&(_, end)) => (self.top, end),
            None => (0, 0),
        }
    }

    /// The position to come back to when the frame that asks returns.
    pub fn mark(&self) -> usize {
        self.top
    }

    /// Frees everything allocated after `mark`. Chunks entirely above the
    /// mark are kept for reuse only if they are the newest; older ones go
    /// back to the heap.
    pub fn release(&mut self, mark: usize) {
        while let Some(&(start, end)) = self.chunks.last() {
            if (start..=end).contains(&mark) {
                self.top = mark;
                return;
            }
            if self.chunks.len() == 1 {
                // The first chunk stays for the next frame.
                self.top = start;
                return;
            }
            self.chunks.pop();
            memory::free_raw(start);
        }
    }

    /// `size` bytes (a multiple of 8), 8-aligned, not zeroed.
    pub fn alloc(&mut self, size: usize) -> usize {
        if let Some(&(_, end)) = self.chunks.last()
            && end - self.top >= size
        {
            let at = self.top;
            self.top += size;
            return at;
        }
        let previous = self.chunks.last().map_or(0, |&(s, e)| e - s);
        let chunk = (previous * 2).clamp(FIRST_CHUNK, MAX_CHUNK).max(size.next_power_of_two());
        let start = memory::alloc_raw(chunk);
        self.chunks.push((start, start + chunk));
        self.top = start + size;
        start
    }
}
