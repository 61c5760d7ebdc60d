//! `berth-alloc`: the heap that compiled Berth programs allocate from, a
//! segregated-fit allocator after dlmalloc 2.8 and TLSF that also stands on
//! its own (as a [`Heap`], a thread-safe [`SharedHeap`], a [`Pool`], or the
//! [`BerthAlloc`] global allocator).
//!
//! # Memory from the OS
//!
//! A heap reserves 4 MiB *segments* of address space with `mmap`, aligned
//! to their size, and commits their pages only as its top chunk grows, a
//! 128th of what the heap maps at a time (4-64 KiB; `segment.rs`); it gives
//! pages back when a free leaves more than the trim threshold (1 MiB) at the
//! top. The segment header shares its page with the first chunks and the
//! start bitmap sits at the segment's end, committed as the chunks need it.
//! The last chunk of the newest segment is the *top* ("wilderness"):
//! it is in no bin and is carved only when no free chunk fits. When the top
//! cannot grow within its segment, a new segment is mapped and the old top
//! becomes an ordinary free chunk. Requests of 256 KiB or more (the huge
//! threshold) get a mapping of their own, unmapped on free (`huge.rs`).
//! Every segment and huge mapping is registered, page by page, in a
//! process-wide radix map (`pagemap.rs`) so any address leads to its owner;
//! segments are also flagged in a one-bit-per-segment map (`segmap.rs`),
//! which is all the free fast path needs.
//!
//! # Chunks and boundary tags (`chunk.rs`)
//!
//! Chunk sizes are multiples of 16 of at least 32 bytes, and every chunk
//! header sits 8 bytes below a 16-byte boundary so payloads are 16-aligned:
//!
//! ```text
//!  allocated chunk                        free chunk
//!  +--------------------------+           +--------------------------+
//!  | size | PINUSE | CINUSE=1 | header    | size | PINUSE | CINUSE=0 | header
//!  +--------------------------+           +--------------------------+
//!  | payload (16-aligned)     |           | fd: next chunk in bin    |
//!  |   size - 8 usable bytes, |           | bk: previous chunk in bin|
//!  |   up to the next header  |           | (unused)                 |
//!  |                          |           | size                     | footer
//!  +--------------------------+           +--------------------------+
//!  | next chunk's header ...  |           | next chunk: PINUSE=0     |
//! ```
//!
//! `CINUSE` says the chunk is allocated, `PINUSE` that its predecessor is,
//! so only free chunks need a footer and the overhead of an allocated chunk
//! is one word. Freeing coalesces immediately with a free predecessor (found
//! through its footer), a free successor, or the top, so no two free chunks
//! are ever neighbours. A zero-size allocated *fence* header closes each
//! segment's committed area, so walks and coalescing stop there.
//!
//! # Bins and the bitmap (`bins.rs`)
//!
//! Free chunks other than the top are kept in 238 bins, doubly linked lists
//! threaded through the free chunks themselves: 15 exact-size small bins
//! (32, 48, ... 256 bytes) and 223 large bins that split every power-of-two
//! range from 256 bytes to 4 MiB into 16 sub-ranges, as TLSF does. A bitmap
//! with one bit per non-empty bin finds the next bin that can satisfy a
//! request with a mask and a trailing-zero count, not a scan.
//!
//! # Placement policies (`policy.rs`)
//!
//! Chosen per heap at construction: best fit (the default; size-ordered
//! large bins make the first fitting chunk of the request's bin the best
//! fit there, and the first chunk of the next non-empty bin the best one
//! beyond it), address-ordered first fit, next fit (a roving pointer,
//! wrapping around), and worst fit. Each policy keeps its bins in the order
//! its search needs, and all of them fall back to the top, so they can be
//! compared on one trace.
//!
//! # Fixed-size pool (`pool.rs`)
//!
//! [`Pool`] pre-maps and pre-faults blocks of one size; allocate and free
//! pop and push a free list in O(1), with no search and no system call.
//!
//! # Threads (`shared.rs`, `fast.rs`, `cache.rs`, `exchange.rs`, `returns.rs`, `global.rs`)
//!
//! [`SharedHeap`] has up to 16 arenas, each a [`Heap`] behind its own lock;
//! a thread is bound to the arena with the fewest threads (so a new thread
//! takes over the arena of one that exited). In front of them each thread
//! keeps a cache with 103 size classes (16-byte steps to 1 KiB, then eight
//! per doubling to 32 KiB) holding two magazines each, a loaded one and a
//! spare. Allocation pops and free pushes the loaded magazine inline in
//! the caller, with no lock, no atomic read-modify-write and no call.
//! Magazines move between caches and arenas whole: a refill takes the
//! spare, or a batch handed back to the thread's arena, or carves a run
//! from the heap under one lock; a full magazine becomes the spare and the
//! old spare goes back to its arena's lock-free per-class stack with one
//! compare-and-swap. A block freed on a thread other than its allocator's
//! goes to the freeing thread's cache, and its full magazine goes straight
//! back to the owning arena. Handed-back blocks are freed into the heap
//! (coalescing) only when the arena would otherwise have to grow.
//! [`global()`] is the process-wide instance and [`BerthAlloc`] the
//! `GlobalAlloc` over it.
//!
//! # `owner_of` and validation (`starts.rs`, `block.rs`)
//!
//! Each segment keeps a *start bitmap*, one bit per 16-byte granule, set
//! where an allocated block's payload starts. `owner_of(addr)` finds the
//! last set bit at or below `addr` (a summary word per 64 bitmap words
//! bounds the search) and checks that the block reaches `addr`: any
//! interior address, such as a conservative stack scan finds, leads to its
//! block. `free` and `realloc` validate their pointer the same way before
//! reading any header (and a block in a cache carries a marker word), so a
//! foreign pointer, an interior pointer or a double free is reported as an
//! [`AllocError`] in every build.
//!
//! # Statistics (`stats.rs`)
//!
//! Allocations, frees, reallocations, requested bytes, live and peak live
//! bytes (usable bytes of allocated blocks), mapped and peak mapped bytes,
//! and fragmentation = (mapped - live) / mapped. See [`Stats`].
//!
//! # `check_heap` (`check.rs`)
//!
//! [`Heap::check_heap`] walks every segment and verifies:
//! * every chunk size is a multiple of 16 of at least 32 and stays inside
//!   its segment, which ends in a fence;
//! * every `PINUSE` bit matches its predecessor, every free chunk's footer
//!   matches its header, and no two free chunks are neighbours;
//! * the top is the last chunk of the newest segment;
//! * every free chunk is in the bin its size selects, every bin entry is
//!   such a chunk (no duplicates, intact back links, tails), and bins are
//!   in the order the policy needs;
//! * each bin's bitmap bit says whether it is non-empty;
//! * start bits are set exactly on allocated chunks, and the summary agrees;
//! * segments and huge blocks are registered in the page map;
//! * live blocks, live bytes and mapped bytes equal the statistics.
//!
//! # Platform
//!
//! Unix with `mmap` (developed and tested on Linux x86-64), 64-bit
//! addresses below 2^48.

mod bins;
mod block;
mod cache;
mod check;
mod chunk;
mod classes;
mod error;
mod exchange;
mod fast;
mod global;
mod heap;
mod huge;
mod os;
mod pagemap;
mod policy;
mod pool;
mod returns;
mod segmap;
mod segment;
mod shared;
mod starts;
mod stats;

pub use block::Block;
pub use check::Corruption;
pub use error::AllocError;
pub use global::{BerthAlloc, global};
pub use heap::{Heap, HeapConfig};
pub use policy::Policy;
pub use pool::Pool;
pub use shared::{MAX_ARENAS, SharedHeap};
pub use stats::Stats;
