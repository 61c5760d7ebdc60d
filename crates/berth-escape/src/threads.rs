//! Thread join: when an object handed to `spawn f(o)` may stay in the
//! spawning frame.
//!
//! The frame outlives the thread when the thread is joined on every path
//! from the spawn to the function's exit. That is a must-property of paths,
//! checked by walking the control-flow graph forward from the spawn: a
//! `join` of the handle ends a path; reaching a `return` first, or coming
//! back to the spawn itself (a loop that starts the next thread before
//! joining this one), is a path that skips it. A runtime error (`panic`, a
//! failed check) ends the process, so it needs no join. The handle itself
//! must be used by `join` only: stored, passed or carried into a loop
//! variable, it could be joined by someone else or not at all, and this
//! analysis does not follow it there.
//!
//! A spawn that passes is an ordinary call for the analysis: the spawned
//! function's summary says what its parameters do, so an object it lets
//! escape still escapes.

use berth_ir::instructions::InstKind;
use berth_ir::{Block, Function, Inst};
use cranelift_entity::EntitySet;

/// Why the thread of a spawn may outlive the spawning frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Unjoined {
    /// This `return` is reached from the spawn without a `join`.
    Exit(Inst),
    /// The spawn runs again before the thread it started is joined.
    SpawnsAgain,
    /// The handle is used here other than by `join`.
    HandleUsed(Inst),
}

/// Whether the thread that `spawn` starts is joined on every path from the
/// spawn to the function's exit.
pub fn joined(func: &Function, spawn: Inst) -> Result<(), Unjoined> {
    let handle = func.dfg.insts[spawn].result;
    for (_, inst) in func.insts() {
        let kind = &func.dfg.insts[inst].kind;
        if !matches!(kind, InstKind::Join(_)) && handle.is_some_and(|h| kind.operands().contains(&h)) {
            return Err(Unjoined::HandleUsed(inst));
        }
    }
    let is_join = |inst: Inst| matches!(func.dfg.insts[inst].kind, InstKind::Join(h) if Some(h) == handle);
    let Some(start) = func.layout.blocks.iter().copied().find(|&b| func.layout.insts[b].contains(&spawn)) else {
        return Ok(());
    };
    let after_spawn = func.layout.insts[start].iter().position(|&i| i == spawn).map_or(0, |p| p + 1);
    let mut work: Vec<(Block, usize)> = vec![(start, after_spawn)];
    let mut scanned: EntitySet<Block> = EntitySet::new();
    while let Some((block, from)) = work.pop() {
        for &inst in &func.layout.insts[block][from..] {
            if is_join(inst) {
                break;
            }
            if inst == spawn {
                return Err(Unjoined::SpawnsAgain);
            }
            let kind = &func.dfg.insts[inst].kind;
            if let InstKind::Return(_) = kind {
                return Err(Unjoined::Exit(inst));
            }
            for dest in kind.destinations() {
                if scanned.insert(dest.block) {
                    work.push((dest.block, 0));
                }
            }
        }
    }
    Ok(())
}
