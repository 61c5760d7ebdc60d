//! Removing what cannot run or is not needed: blocks no path from the
//! entry reaches, pure instructions whose results no one uses, and jumps
//! between straight-line blocks (inlining leaves many).
//!
//! Allocations stay, even unused ones: an object that vanishes is a
//! decision of the escape analysis (scalar replacement), reported as such.

use berth_ir::instructions::{ArithOp, BinaryOp, InstKind};
use berth_ir::{Block, Function, Value};
use cranelift_entity::{EntitySet, SecondaryMap};

/// Drops unreachable blocks from the layout; returns whether any were.
pub fn remove_unreachable(func: &mut Function) -> bool {
    let Some(entry) = func.entry() else { return false };
    let mut reached: EntitySet<Block> = EntitySet::new();
    reached.insert(entry);
    let mut work = vec![entry];
    while let Some(block) = work.pop() {
        let Some(term) = func.terminator(block) else { continue };
        for dest in func.dfg.insts[term].kind.destinations() {
            if reached.insert(dest.block) {
                work.push(dest.block);
            }
        }
    }
    let before = func.layout.blocks.len();
    func.layout.blocks.retain(|&b| reached.contains(b));
    func.layout.blocks.len() != before
}

/// Merges a block into its predecessor when that is its only one and
/// ends with a jump to it; returns whether any block was merged.
pub fn merge_straight_lines(func: &mut Function) -> bool {
    let entry = func.entry();
    let mut preds: SecondaryMap<Block, u32> = SecondaryMap::new();
    for &block in &func.layout.blocks {
        if let Some(term) = func.terminator(block) {
            for dest in func.dfg.insts[term].kind.destinations() {
                preds[dest.block] += 1;
            }
        }
    }
    let mut replaced: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    let mut merged: EntitySet<Block> = EntitySet::new();
    let blocks = func.layout.blocks.clone();
    for &block in &blocks {
        if merged.contains(block) {
            continue;
        }
        // Follow the chain: the merged block's own jump may merge too.
        while let Some(term) = func.terminator(block) {
            let InstKind::Jump(dest) = &func.dfg.insts[term].kind else { break };
            let next = dest.block;
            if next == block || Some(next) == entry || preds[next] != 1 || merged.contains(next) {
                break;
            }
            for (&param, &arg) in func.dfg.blocks[next].params.iter().zip(&dest.args) {
                replaced[param] = Some(arg);
            }
            func.dfg.blocks[next].params.clear();
            func.layout.insts[block].pop();
            let moved = std::mem::take(&mut func.layout.insts[next]);
            func.layout.insts[block].extend(moved);
            merged.insert(next);
        }
    }
    if merged.is_empty() {
        return false;
    }
    func.layout.blocks.retain(|&b| !merged.contains(b));
    let resolve = |mut v: Value| {
        while let Some(next) = replaced[v] {
            v = next;
        }
        v
    };
    let insts: Vec<_> = func.insts().map(|(_, inst)| inst).collect();
    for inst in insts {
        func.dfg.insts[inst].kind.for_each_operand_mut(|v| *v = resolve(*v));
    }
    true
}

/// Removes pure instructions with unused results, until none is left.
pub fn remove_dead(func: &mut Function) {
    loop {
        let mut uses: SecondaryMap<Value, u32> = SecondaryMap::new();
        for (_, inst) in func.insts() {
            func.dfg.insts[inst].kind.for_each_operand(|v| uses[v] += 1);
        }
        let mut removed = false;
        for &block in &func.layout.blocks {
            let dfg = &func.dfg;
            func.layout.insts[block].retain(|&inst| {
                let data = &dfg.insts[inst];
                let dead = is_pure(&data.kind) && data.result.is_some_and(|r| uses[r] == 0);
                removed |= dead;
                !dead
            });
        }
        if !removed {
            break;
        }
    }
}

/// Instructions with no effect but their result: no trap, no output, no
/// allocation.
fn is_pure(kind: &InstKind) -> bool {
    match kind {
        InstKind::IntConst(_)
        | InstKind::FloatConst(_)
        | InstKind::BoolConst(_)
        | InstKind::StrConst(_)
        | InstKind::Nil
        | InstKind::Unary(..)
        | InstKind::EnumMake { .. }
        | InstKind::EnumTag(_)
        | InstKind::EnumField { .. }
        | InstKind::GlobalGet(_)
        | InstKind::StrLen(_) => true,
        InstKind::Binary(op, ..) => !matches!(op, BinaryOp::Int(ArithOp::Div | ArithOp::Rem)),
        _ => false,
    }
}
