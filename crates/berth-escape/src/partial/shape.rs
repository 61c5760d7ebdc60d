//! What every round of the walk over one function shares: the blocks in
//! reverse post-order, dominators, and where struct references are live.

use std::collections::{HashMap, HashSet};

use berth_ir::cfg::{ControlFlowGraph, DominatorTree};
use berth_ir::{Block, Function, Module, Value, ValueDef};

/// What the rounds of the walk over one function share: the original
/// function's control flow, and which object references are live where.
pub(super) struct Shape {
    pub(super) cfg: ControlFlowGraph,
    pub(super) doms: DominatorTree,
    pub(super) order: Vec<Block>,
    pub(super) live_in: HashMap<Block, HashSet<Value>>,
}

impl Shape {
    /// `None` for irreducible control flow (never produced by the
    /// lowering), which is left alone.
    pub(super) fn of(module: &Module, func: &Function) -> Option<Shape> {
        let cfg = ControlFlowGraph::new(func);
        let doms = DominatorTree::new(&cfg);
        let order = reverse_post_order(func, &cfg);
        let position: HashMap<Block, usize> = order.iter().enumerate().map(|(i, &b)| (b, i)).collect();
        for &b in &order {
            for p in cfg.predecessors(b) {
                if position.get(&p).is_some_and(|&pi| pi >= position[&b]) && !doms.dominates(&cfg, b, p) {
                    return None;
                }
            }
        }
        let live_in = liveness(module, func, &cfg, &order);
        Some(Shape { cfg, doms, order, live_in })
    }
}

pub(super) fn reverse_post_order(func: &Function, cfg: &ControlFlowGraph) -> Vec<Block> {
    let Some(entry) = func.entry() else { return Vec::new() };
    let mut seen = HashSet::new();
    let mut post = Vec::new();
    let mut stack: Vec<(Block, Vec<Block>)> = vec![(entry, cfg.successors(entry).collect())];
    seen.insert(entry);
    while let Some((block, succs)) = stack.last_mut() {
        if let Some(next) = succs.pop() {
            if seen.insert(next) {
                let s = cfg.successors(next).collect();
                stack.push((next, s));
            }
        } else {
            post.push(*block);
            stack.pop();
        }
    }
    post.reverse();
    post
}

/// The struct references live at the start of each block (block
/// parameters excluded: they are defined there).
pub(super) fn liveness(
    module: &Module,
    func: &Function,
    cfg: &ControlFlowGraph,
    order: &[Block],
) -> HashMap<Block, HashSet<Value>> {
    // Only struct references can stand for virtual objects.
    let is_ref = |v: Value| matches!(module.types.get(func.dfg.value_type(v)), berth_types::Ty::Struct(_));
    let mut live_in: HashMap<Block, HashSet<Value>> = order.iter().map(|&b| (b, HashSet::new())).collect();
    loop {
        let mut changed = false;
        for &b in order.iter().rev() {
            let mut live: HashSet<Value> = HashSet::new();
            for s in cfg.successors(b) {
                if let Some(l) = live_in.get(&s) {
                    live.extend(l.iter().copied());
                }
            }
            for &inst in func.layout.insts[b].iter().rev() {
                if let Some(r) = func.dfg.insts[inst].result {
                    live.remove(&r);
                }
                func.dfg.insts[inst].kind.for_each_operand(|v| {
                    if is_ref(v) {
                        live.insert(v);
                    }
                });
            }
            for p in &func.dfg.blocks[b].params {
                live.remove(p);
            }
            live.retain(|&v| !matches!(func.dfg.values[v].def, ValueDef::Param(pb, _) if pb == b));
            if live_in[&b] != live {
                live_in.insert(b, live);
                changed = true;
            }
        }
        if !changed {
            return live_in;
        }
    }
}
