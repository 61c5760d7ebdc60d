//! Berth's intermediate representation: SSA with block parameters.
//!
//! Modelled on Cranelift's IR: entities ([`Block`], [`Inst`], [`Value`],
//! [`AllocSite`]) are typed indices into arenas; a function's data-flow
//! graph ([`DataFlowGraph`]: instructions, values, block parameters) is kept
//! apart from its layout ([`Layout`]: block order, instruction order).
//! Types are the checker's interned [`berth_types::TypeId`]s.
//!
//! - [`lower`]: the typed tree to IR, building SSA directly.
//! - [`simplify`]: removes trivial block parameters.
//! - [`printer`]: the one stable text form.
//! - [`verifier`]: the invariants every pass keeps; runs after lowering in
//!   debug builds (and so in every test).
//! - [`cfg`], [`callgraph`]: control-flow graph, dominators and
//!   post-dominators, call graph and its strongly connected components, on
//!   petgraph.
//!
//! Every allocation in the program is one `alloc` instruction naming an
//! [`AllocSite`]; [`Module::sites`] maps each site to its kind and source
//! position. Built-ins that matter to the escape analysis (`push`, `pop`,
//! `send`, `log`, `spawn`, `join`, globals) are instructions of their own.

pub mod builder;
pub mod callgraph;
pub mod cfg;
mod entities;
pub mod function;
pub mod instructions;
mod lower;
pub mod module;
pub mod printer;
pub mod simplify;
pub mod verifier;

pub use entities::{AllocSite, Block, Inst, Value};
pub use function::{DataFlowGraph, Function, Layout, ValueDef};
pub use module::{Inlined, InlinedCall, Module, SiteData, SiteKind};
pub use printer::print_module;
pub use verifier::verify_module;

/// Lowers a checked program to IR. In debug builds the result is verified,
/// and a verifier failure (a bug in lowering) panics with every problem.
pub fn lower(program: berth_types::hir::Program, source: &str) -> Module {
    let module = lower::lower(program, source);
    if cfg!(debug_assertions)
        && let Err(errors) = verify_module(&module)
    {
        panic!("the IR after lowering is invalid:\n{}", errors.join("\n"));
    }
    module
}
