//! IR passes that run before the escape analysis, to give it less to be
//! unsure about.
//!
//! - [`inline`]: copies small callees into their callers, bottom-up over
//!   the call graph, within a size budget and a depth limit for recursion.
//!   An object a callee returns then becomes an object of the caller,
//!   which may keep it in its frame.
//! - [`fold`]: constant folding, and branches on constants become jumps:
//!   `report(d, false)` inlined leaves only the branch that runs.
//! - [`cleanup`]: removes blocks no path reaches and pure instructions no
//!   one uses, and merges straight-line blocks; block parameters that
//!   became trivial go with [`berth_ir::simplify`].
//!
//! Every pass keeps the program's behaviour, including its runtime errors
//! and their positions (instructions keep their spans when copied).

pub mod cleanup;
pub mod fold;
pub mod inline;

use berth_ir::Module;

/// What `optimize` does.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// `--no-inline` turns this off.
    pub inline: bool,
}

/// Runs the passes on every function of the module.
pub fn optimize(module: &mut Module, options: Options) {
    if options.inline {
        inline::inline_module(module);
    }
    for func in module.funcs.values_mut() {
        // Folding can make branches constant, and removing a branch can
        // make a block parameter constant: a few rounds settle it.
        for _ in 0..4 {
            let folded = fold::fold_constants(func);
            let removed = cleanup::remove_unreachable(func);
            let merged = cleanup::merge_straight_lines(func);
            berth_ir::simplify::remove_trivial_params(func);
            if !folded && !removed && !merged {
                break;
            }
        }
        cleanup::remove_dead(func);
    }
}
