//! The size classes of the thread caches (`cache.rs`).
//!
//! Chunk sizes up to 1 KiB have a class each (32, 48, ... 1024: the 16-byte
//! steps of the heap itself, so no rounding at all). From 1 KiB to
//! [`MAX_CACHED`] every power-of-two range is split into eight classes
//! (1152, 1280, ... 2048, 2304, ...), so a mid-size request is rounded up by
//! at most 12.5%. A class holds chunks of *at least* its size: a freed chunk
//! goes to the largest class that is not bigger than it, so every chunk a
//! class hands out fits every request of that class.

use crate::chunk::{ALIGNMENT, MIN_CHUNK, WORD};

/// The largest chunk size with a class of its own (16-byte steps up to here).
pub(crate) const SMALL_LIMIT: usize = 1024;
/// The largest request whose chunk has a small class.
pub(crate) const SMALL_REQUEST: usize = SMALL_LIMIT - WORD;
/// Classes of the 16-byte steps: 32 through 1024.
const SMALL_CLASSES: usize = (SMALL_LIMIT - MIN_CHUNK) / ALIGNMENT + 1;
/// log2 of the classes per power-of-two range above `SMALL_LIMIT`.
const STEP_BITS: u32 = 3;
/// The largest chunk size the thread caches hold.
pub(crate) const MAX_CACHED: usize = 32 << 10;
const SMALL_LEVEL: u32 = SMALL_LIMIT.trailing_zeros();
const LAST_LEVEL: u32 = MAX_CACHED.trailing_zeros();
/// Number of classes: the small ones, then eight per doubling up to `MAX_CACHED`.
pub(crate) const CLASSES: usize = SMALL_CLASSES + ((LAST_LEVEL - SMALL_LEVEL) << STEP_BITS) as usize;

/// The chunk size of every class.
const SIZES: [u32; CLASSES] = {
    let mut sizes = [0; CLASSES];
    let mut class = 0;
    while class < SMALL_CLASSES {
        sizes[class] = (MIN_CHUNK + class * ALIGNMENT) as u32;
        class += 1;
    }
    while class < CLASSES {
        let above = class - SMALL_CLASSES + 1;
        let level = SMALL_LEVEL + (above >> STEP_BITS) as u32;
        let step = 1usize << (level - STEP_BITS);
        sizes[class] = ((1usize << level) + (above & ((1 << STEP_BITS) - 1)) * step) as u32;
        class += 1;
    }
    sizes
};

/// The chunk size of `class`.
#[inline]
pub(crate) const fn class_size(class: usize) -> usize {
    SIZES[class] as usize
}

/// The class of a small request (a chunk of at most `SMALL_LIMIT` bytes):
/// the fast paths' case, two instructions.
#[inline(always)]
pub(crate) fn small_class(chunk_size: usize) -> usize {
    debug_assert!((MIN_CHUNK..=SMALL_LIMIT).contains(&chunk_size));
    (chunk_size - MIN_CHUNK) / ALIGNMENT
}

/// The class whose blocks a freed chunk of `chunk_size` bytes joins: the
/// largest class not bigger than it. None if the chunk is too large to cache.
#[inline(always)]
pub(crate) fn class_at_most(chunk_size: usize) -> Option<usize> {
    if chunk_size <= SMALL_LIMIT {
        return Some(small_class(chunk_size));
    }
    if chunk_size > MAX_CACHED {
        return None;
    }
    let level = usize::BITS - 1 - chunk_size.leading_zeros();
    let step = (chunk_size >> (level - STEP_BITS)) & ((1 << STEP_BITS) - 1);
    Some(SMALL_CLASSES - 1 + ((level - SMALL_LEVEL) << STEP_BITS) as usize + step)
}

/// The class that serves a request needing a chunk of `chunk_size` bytes:
/// the smallest class at least that big. None if it is too large to cache.
#[inline]
pub(crate) fn class_at_least(chunk_size: usize) -> Option<usize> {
    let class = class_at_most(chunk_size)?;
    if class_size(class) == chunk_size {
        return Some(class);
    }
    (class + 1 < CLASSES).then_some(class + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_step_by_16_bytes_then_by_eighths_of_each_doubling() {
        assert_eq!(SMALL_CLASSES, 63);
        assert_eq!(CLASSES, 63 + 5 * 8);
        assert_eq!((class_size(0), class_size(1), class_size(62)), (32, 48, 1024));
        assert_eq!((class_size(63), class_size(70), class_size(71)), (1152, 2048, 2304));
        assert_eq!(class_size(CLASSES - 1), MAX_CACHED);
        for class in 1..CLASSES {
            let (low, high) = (class_size(class - 1), class_size(class));
            assert!(high > low && high.is_multiple_of(ALIGNMENT));
            assert!(high - low <= (low / 8).max(ALIGNMENT), "class {class} grows too fast");
        }
    }

    #[test]
    fn freed_chunks_join_the_largest_class_they_fill_and_requests_the_smallest_that_fits() {
        for size in (MIN_CHUNK..=MAX_CACHED + 64).step_by(ALIGNMENT) {
            match (class_at_most(size), class_at_least(size)) {
                (Some(at_most), Some(at_least)) => {
                    assert!(class_size(at_most) <= size && size <= class_size(at_least));
                    assert!(at_most + 1 == CLASSES || class_size(at_most + 1) > size);
                    assert!(at_least == 0 || class_size(at_least - 1) < size);
                }
                (at_most, at_least) => {
                    assert!(size > MAX_CACHED, "{size} has no class");
                    assert_eq!((at_most, at_least), (None, None));
                }
            }
        }
        assert_eq!(small_class(32), 0);
        assert_eq!(small_class(SMALL_LIMIT), SMALL_CLASSES - 1);
    }
}
