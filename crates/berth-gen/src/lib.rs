//! `berth-gen`: a seeded random generator of Berth programs for
//! differential testing (reference interpreter vs. JIT with and without
//! escape analysis and inlining).
//!
//! `generate(seed)` returns one program; the same seed (and size) gives the
//! same bytes on every machine: the only randomness is the crate's own
//! SplitMix64 stream, and no hash-map order is ever observed.
//!
//! What the programs contain: a linked `Node`, often a binary `Tree`, random
//! record structs and payload enums; globals (arrays, struct references,
//! scalars, enums); objects stored into fields, arrays and globals, returned,
//! passed down call chains and bounded recursion, pushed/popped in loops,
//! reassigned and merged at branches, sent, logged, and handed to threads
//! that are joined on every path, on some paths, or never. `main` prints
//! labelled intermediate values and ends with `checksum <h>`, a hash of
//! every object still reachable from its variables and the globals.
//!
//! Invariants kept by construction (see the module docs for how):
//! - well-typed: every expression is generated for a type (`expr.rs`);
//! - terminating and fast: constant loop bounds, recursion on a decreasing
//!   fuel parameter, and an estimated cost budget per function (`stmt.rs`,
//!   `funcs.rs`);
//! - deterministic stdout: no clocks or directories; threads get fresh
//!   objects nobody else can reach until `join` and never print, log, send
//!   or touch globals; sent objects are never mutated afterwards; no
//!   accidental runtime errors (about 3% of programs end with a deliberate
//!   one, exit status 101);
//! - layout for a line-deleting minimiser: one statement per line, every
//!   block opens with a line ending in `{` and closes with a line `}` or
//!   `} else {` (`emit.rs`). Two deliberate exceptions keep reduced programs
//!   race-free: a thread's join shares its line with the re-binding of the
//!   thread's objects, and the helper `wait_t` is one line (`stmt.rs`).
//!
//! Modules: `rng` (PRNG), `types` (type declarations and nullability
//! bookkeeping), `scope` (per-function state: variables, effects, cost),
//! `expr` (expressions), `stmt` (statements and idioms), `funcs` (function
//! kinds), `program` (assembly and `main`), `emit` (line layout).

mod emit;
mod expr;
mod funcs;
mod program;
mod rng;
mod scope;
mod stmt;
mod types;

pub use rng::Rng;

/// Generation settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Scales the number of functions and of `main`'s statements
    /// (default 1: about 120-450 lines, median 240, of which some 130 are
    /// type declarations, globals and the helper/walker library; size 4 has
    /// a median of 450 lines, size 8 of 700).
    pub size: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config { size: 1 }
    }
}

/// The program for `seed` at the default size.
pub fn generate(seed: u64) -> String {
    generate_with(seed, &Config::default())
}

/// The program for `seed` and `cfg`.
pub fn generate_with(seed: u64, cfg: &Config) -> String {
    program::Gen::new(seed, cfg).program()
}
