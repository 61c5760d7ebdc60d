//! Differential testing: one program, run every way Berth can run it, must
//! print the same and exit the same.
//!
//! The ways ([`MODES`]): the reference interpreter (`run --interp`), which
//! knows nothing of Cranelift or escape decisions; the JIT with the full
//! pipeline; the JIT with the escape analysis off (`--no-escape`) and with
//! the inliner off (`--no-inline`); and the escape oracle
//! (`--escape-oracle`), which also fails when a decision was unsound even
//! if the output happens to agree.
//!
//! Programs come from `berth-gen`. A program that diverges is minimised by
//! deleting lines and `{ ... }` blocks while it still type-checks and still
//! diverges the same way ([`minimize`]), and saved under
//! `tests/regressions/`, whose programs the test suite runs every way.
//!
//! Everything runs the `berth` binary in child processes: a compiled
//! program's runtime error ends its process.

pub mod minimize;
pub mod modes;

pub use minimize::minimize;
pub use modes::{Berth, Divergence, MODES, Outcome};
