//! Loops that give their frame-arena memory back every iteration.
//!
//! The frame arena is released when a function returns, so objects a loop
//! puts there pile up until then: a long loop that builds a temporary list
//! each round would need memory for every round. When nothing an iteration
//! allocates in the arena can be reached once the iteration is over, the
//! loop marks the arena at its header and releases back to the mark on each
//! back edge, and runs in the memory of one iteration.
//!
//! What outlives an iteration, at a back edge, is what the next one can
//! reach: the header's parameters (the loop-carried variables), the values
//! from before the loop that the loop uses, and every object that is not
//! one of this function's sites (parameters', globals', the runtime's).
//! A loop qualifies when none of its arena allocations — objects, buffers
//! of arrays and strings, and buffers of arrays that grow there — belongs
//! to an object reachable from those. Exits need no care: they leave
//! without releasing, and the function's own release frees what the last
//! iteration made.

use std::collections::HashMap;

use berth_ir::instructions::{InstKind, Storage};
use berth_ir::{AllocSite, Block, Function, Inst, ValueDef};
use berth_types::TypeId;
use cranelift_entity::SecondaryMap;

use crate::bitset::BitSet;
use crate::graph::{Graph, Obj};
use crate::loops::{Loop, Loops};

/// A loop whose iterations release the arena: a mark at the start of
/// `header`, a release before the jump of each of `latches`.
#[derive(Clone, Debug)]
pub struct Release {
    pub header: Block,
    pub latches: Vec<Block>,
}

/// The loops of a solved function that can release the arena each
/// iteration, given where its sites live and where its pushes grow.
pub fn releasing_loops(
    g: &Graph,
    loops: &Loops,
    storage: &HashMap<AllocSite, Storage>,
    grows: &HashMap<Inst, Storage>,
) -> Vec<Release> {
    let blocks = g.func.inst_blocks();
    loops
        .loops
        .iter()
        .filter(|l| {
            // A conditional back edge has no single place for the release.
            l.latches
                .iter()
                .all(|&b| g.func.terminator(b).is_some_and(|t| matches!(g.func.dfg.insts[t].kind, InstKind::Jump(_))))
        })
        .filter_map(|l| {
            let arena = arena_objects(g, l, storage, grows)?;
            let outlives = g.reach(&carried(g, l, &blocks));
            arena
                .iter()
                .all(|o| !outlives.contains(o))
                .then(|| Release { header: l.header, latches: l.latches.clone() })
        })
        .collect()
}

/// The objects whose memory the loop's body takes from the arena (an
/// array's object for the buffers its pushes grow); `None` when it takes
/// none, since then there is nothing to release.
fn arena_objects(
    g: &Graph,
    l: &Loop,
    storage: &HashMap<AllocSite, Storage>,
    grows: &HashMap<Inst, Storage>,
) -> Option<BitSet> {
    let mut objects = BitSet::default();
    let mut any = false;
    for inst in body_insts(g, l) {
        match &g.func.dfg.insts[inst].kind {
            InstKind::Alloc { site, init, .. } if init.in_frame_arena(storage[site]) => {
                objects.insert(g.site_obj[site]);
                any = true;
            }
            InstKind::ArrayPush { array, .. } if grows.get(&inst) == Some(&Storage::Arena) => {
                objects.union_with(&g.pts[*array]);
                any = true;
            }
            _ => {}
        }
    }
    any.then_some(objects)
}

/// The objects that outlive one iteration of `l` (before following their
/// fields): see the module comment.
fn carried(g: &Graph, l: &Loop, blocks: &SecondaryMap<Inst, Option<Block>>) -> BitSet {
    let mut roots = BitSet::default();
    for (obj, kind) in g.objs.iter().enumerate() {
        if !matches!(kind, Obj::Site(_)) {
            roots.insert(obj);
        }
    }
    for &param in &g.func.dfg.blocks[l.header].params {
        if g.tracked[param] {
            roots.union_with(&g.pts[param]);
        }
    }
    let defined_outside = |v| match g.func.dfg.values[v].def {
        ValueDef::Param(b, _) => !l.body[b],
        ValueDef::Result(i) => blocks[i].is_none_or(|b| !l.body[b]),
    };
    for inst in body_insts(g, l) {
        g.func.dfg.insts[inst].kind.for_each_operand(|v| {
            if g.tracked[v] && defined_outside(v) {
                roots.union_with(&g.pts[v]);
            }
        });
    }
    roots
}

fn body_insts<'g>(g: &'g Graph, l: &'g Loop) -> impl Iterator<Item = Inst> + 'g {
    g.func.layout.blocks.iter().filter(|&&b| l.body[b]).flat_map(|&b| g.func.layout.insts[b].iter().copied())
}

/// Puts the mark at the start of the loop's header and a release before
/// each back edge's jump.
pub fn insert(func: &mut Function, release: &Release) {
    let span = func.span;
    let mark_inst = func.dfg.make_inst(InstKind::ArenaMark, Some(TypeId::INT), span);
    let mark = func.dfg.insts[mark_inst].result.expect("arena.mark has a result");
    func.layout.insts[release.header].insert(0, mark_inst);
    for &latch in &release.latches {
        let inst = func.dfg.make_inst(InstKind::ArenaRelease(mark), None, span);
        let insts = &mut func.layout.insts[latch];
        insts.insert(insts.len() - 1, inst);
    }
}
