//! A reference interpreter of Berth's IR (`berth run --interp`), and the
//! dynamic escape oracle built on it (`berth run --escape-oracle`).
//!
//! The interpreter gives the language's meaning without Cranelift and
//! without the escape analysis, so a disagreement with compiled code
//! points at the compiler. It runs the IR as lowered, before any
//! optimisation, with every object in its own slot of a [`heap::Heap`]
//! that frees nothing. Output goes through the runtime's own printing,
//! `log` and outbox code, and runtime errors are the runtime's error
//! lines, so output compares byte for byte.
//!
//! Two choices differ from a compiled run, and both pick one of the
//! behaviours a compiled run may show:
//! - A spawned thread runs to its end at the `spawn`, before the spawner
//!   goes on (the language has no way for a thread to wait for its
//!   spawner, so this schedule is always possible).
//! - `send` renders its value when it is sent; the runtime's outbox
//!   renders it a little later.
//!
//! The oracle ([`oracle`]) runs the IR the compiler would generate code
//! for: inlined, with scalar replacement and each `alloc`'s storage
//! decided. It releases frame objects when their frame lets them go and
//! follows which frames can reach every object, to check each decision
//! against what the objects did.
//!
//! Code map: [`value`] (what registers hold), [`heap`] (objects),
//! [`machine`] (frames and instructions), [`ops`] (arithmetic),
//! [`render`] (`log` and outbox text), [`oracle`].

pub mod heap;
pub mod machine;
pub mod ops;
pub mod oracle;
pub mod render;
pub mod value;

use berth_escape::Analysis;
use berth_ir::Module;

use machine::{Machine, Stop};

/// How a run ended.
pub struct Outcome {
    /// 0, or 101 after a runtime error (already reported on stderr).
    pub status: i32,
    /// With the oracle: its report, and whether it found a decision
    /// unsound.
    pub oracle: Option<(String, bool)>,
}

/// Runs the program (`init`, then `main`). With `oracle`, the analysis
/// behind the module's decisions, the oracle checks them.
pub fn run(module: &Module, file: &str, oracle: Option<&Analysis>) -> Outcome {
    berth_runtime::errors::set_file(file.to_string());
    berth_runtime::start::started();
    let mut machine = Machine::new(module, oracle.is_some());
    let outcome = machine.run(module.init).and_then(|()| machine.run(module.main));
    if outcome.is_ok() {
        machine.detach_unjoined();
    }
    let status = match outcome {
        Ok(()) | Err(Stop::UseAfterRelease) => {
            berth_runtime::start::shutdown();
            0
        }
        Err(Stop::Error { what, at }) => {
            // Line 0: no position, as the runtime says it.
            let (line, col) = at.map_or((0, 0), |span| module.positions.line_col(span));
            berth_runtime::errors::report(&what, line, col);
            101
        }
    };
    let oracle = machine.oracle.zip(oracle).map(|(o, analysis)| (o.report(module, analysis, file), o.unsound()));
    Outcome { status, oracle }
}
