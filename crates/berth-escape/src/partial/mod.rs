//! Partial escape analysis with scalar replacement, after Stadler,
//! Würthinger and Mössenböck (CGO 2014).
//!
//! A struct allocation becomes *virtual*: the `alloc` is replaced by a
//! `scalar` marker, and the object's fields are tracked as SSA values along
//! each path of a walk over the blocks in reverse post-order. Field reads
//! and writes of a virtual object become those values. At the first point
//! on a path where the object is used as a whole (passed, returned,
//! stored, printed, compared), a `materialize` — an `alloc` of a new site
//! that records which sites' objects it may hold — gives it memory with
//! its current field values; after that point, on that path, it is an
//! ordinary object. The analysis proper then decides where each
//! materialisation lives, so one for `log` goes on the stack and one for
//! `send` on the heap.
//!
//! At a merge, an object virtual on every incoming edge stays virtual, with
//! a block parameter (a phi) for each field whose values differ; an object
//! virtual on some edges only is materialised on the others. A block
//! parameter whose arguments are all virtual objects becomes a virtual
//! object of its own whose fields are phis, unless one of those objects
//! is still reachable past the merge (then identity matters, and they are
//! materialised). Only objects that some value live into the merge can
//! reach survive it.
//!
//! Loop headers are entered before their back edges are seen: the walk
//! assumes the loop keeps every surviving object virtual, with a phi for
//! each field, and checks that assumption at each back edge. When it fails,
//! the walk starts over with a constraint — materialise that object (or
//! block parameter) before the loop — until it holds. Sites that the walk
//! would materialise right where they are created gain nothing from it and
//! are left alone in the next round, as are objects that point to each
//! other in a cycle.

mod back_edges;
mod merge;
mod shape;
mod walk;

use std::collections::HashSet;

use berth_ir::instructions::{AllocInit, InstKind, Storage};
use berth_ir::{AllocSite, Block, Function, Module, SiteData, SiteKind, Value, ValueDef};
use berth_types::hir::FuncId;

use shape::Shape;
use walk::Walk;

/// Rounds of the walk per function before giving up on it.
pub(super) const MAX_ROUNDS: usize = 64;

/// Runs partial escape analysis on every function; returns the sites
/// whose `alloc` became virtual.
pub fn run(module: &mut Module) -> Vec<AllocSite> {
    let mut virtualized = Vec::new();
    let funcs: Vec<FuncId> = module.funcs.keys().collect();
    for f in funcs {
        virtualized.extend(run_function(module, f));
    }
    virtualized
}

/// What a round learnt that forces the next to materialise earlier.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Constraint {
    /// Leave this site's `alloc` alone.
    Exclude(AllocSite),
    /// Materialise the object created by this value before the loop.
    BeforeLoop(Block, Value),
    /// This loop header's parameter is not a virtual object.
    RealParam(Block, usize),
}

pub(super) fn run_function(module: &mut Module, f: FuncId) -> Vec<AllocSite> {
    let original = &module.funcs[f];
    let has_candidates = original.insts().any(|(_, i)| is_candidate(module, &original.dfg.insts[i].kind));
    if !has_candidates {
        return Vec::new();
    }
    let Some(shape) = Shape::of(module, &module.funcs[f]) else { return Vec::new() };
    let mut constraints: HashSet<Constraint> =
        used_whole_where_created(module, &module.funcs[f]).into_iter().map(Constraint::Exclude).collect();
    for _ in 0..MAX_ROUNDS {
        let mut walk = Walk::new(module, f, &shape, &constraints);
        match walk.run() {
            Err(constraint) => {
                constraints.insert(constraint);
            }
            Ok(()) => {
                let useless = walk.materialized_where_created();
                if !useless.is_empty() {
                    constraints.extend(useless.into_iter().map(Constraint::Exclude));
                    continue;
                }
                let sites: Vec<SiteData> = walk
                    .new_sites
                    .iter()
                    .map(|(data, obj)| SiteData { materializes: walk.sites_of(*obj), ..data.clone() })
                    .collect();
                let Walk { func, virtualized, .. } = walk;
                for data in sites {
                    module.sites.push(data);
                }
                let mut func = func;
                berth_ir::simplify::remove_trivial_params(&mut func);
                module.funcs[f] = func;
                return virtualized;
            }
        }
    }
    Vec::new()
}

/// Sites whose objects are used as a whole in the block that creates them
/// (passed, returned, stored, ...): the walk would materialise them there,
/// so they are left alone from the start — a shortcut for the common case
/// of `Walk::materialized_where_created`.
pub(super) fn used_whole_where_created(module: &Module, func: &Function) -> Vec<AllocSite> {
    let mut out = Vec::new();
    for &block in &func.layout.blocks {
        let insts = &func.layout.insts[block];
        for (at, &inst) in insts.iter().enumerate() {
            let kind = &func.dfg.insts[inst].kind;
            let (InstKind::Alloc { site, .. }, Some(object)) = (kind, func.dfg.insts[inst].result) else { continue };
            if !is_candidate(module, kind) {
                continue;
            }
            let whole = insts[at + 1..].iter().any(|&user| {
                let kind = &func.dfg.insts[user].kind;
                let mut uses = false;
                kind.for_each_operand(|v| uses |= v == object);
                uses && match kind {
                    InstKind::FieldGet { .. } | InstKind::Jump(_) | InstKind::Branch { .. } => false,
                    // Into a field of another object that may stay virtual.
                    InstKind::FieldSet { object: o, .. } if *o != object => !matches!(
                        func.dfg.values[*o].def,
                        ValueDef::Result(def) if is_candidate(module, &func.dfg.insts[def].kind)
                    ),
                    InstKind::FieldSet { value, .. } => *value == object,
                    InstKind::Alloc { .. } => !is_candidate(module, kind),
                    _ => true,
                }
            });
            if whole {
                out.push(*site);
            }
        }
    }
    out
}

pub(super) fn is_candidate(module: &Module, kind: &InstKind) -> bool {
    matches!(kind, InstKind::Alloc { site, storage: Storage::Undecided, init: AllocInit::Struct { .. } }
        if module.sites[*site].kind == SiteKind::Struct && module.sites[*site].materializes.is_empty())
}
