//! The inliner: a call to a small function becomes a copy of its body.
//!
//! Functions are visited bottom-up over the call graph's strongly connected
//! components, so a callee is copied with its own calls already inlined.
//! A call is inlined when the callee has at most [`BUDGET`] instructions
//! and the caller has not grown past [`MAX_CALLER`]. Calls between the
//! functions of one recursive component are left alone while that
//! component is processed; a caller outside it may inline a recursive
//! function, and the calls in the copy may be inlined again, up to
//! [`MAX_DEPTH`] copies deep — the depth limit that stops unrolling.
//!
//! Inlining a call splits its block: the code after the call moves to a
//! continuation block whose parameter is the call's result; the callee's
//! blocks are copied in between, its `return`s becoming jumps to the
//! continuation. Each copied allocation is a new site that remembers the
//! original and the calls it was inlined through, for reports.

use berth_ir::callgraph::CallGraph;
use berth_ir::function::{InstData, ValueData};
use berth_ir::instructions::{BlockCall, InstKind};
use berth_ir::{Block, Function, Inlined, InlinedCall, Inst, Module, SiteData, Value, ValueDef};
use berth_types::hir::FuncId;
use cranelift_entity::SecondaryMap;
use std::collections::HashMap;

/// Callees of at most this many instructions are inlined.
pub const BUDGET: usize = 100;
/// A caller stops inlining once it has this many instructions.
pub const MAX_CALLER: usize = 4000;
/// How many copies deep a call inside inlined code may still be inlined.
pub const MAX_DEPTH: u32 = 2;

/// Inlines throughout the module.
pub fn inline_module(module: &mut Module) {
    let calls = CallGraph::new(module);
    let mut origins = Origins::default();
    for scc in calls.sccs_bottom_up() {
        for &f in &scc {
            inline_into(module, f, &scc, &mut origins);
        }
    }
}

/// Where a call that inlining copied comes from: the function whose source
/// holds it and the calls it was inlined through, innermost first. Calls
/// not in the map are in their own function's source.
#[derive(Default)]
struct Origins(HashMap<(FuncId, Inst), (FuncId, Vec<InlinedCall>)>);

impl Origins {
    fn of(&self, func: FuncId, call: Inst) -> (FuncId, Vec<InlinedCall>) {
        self.0.get(&(func, call)).cloned().unwrap_or((func, Vec::new()))
    }
}

/// Inlines the calls of `caller` that qualify, including calls that
/// inlining brings in, within the depth limit.
fn inline_into(module: &mut Module, caller: FuncId, component: &[FuncId], origins: &mut Origins) {
    let mut work: Vec<(Inst, u32)> = calls_of(&module.funcs[caller]).into_iter().map(|i| (i, 0)).collect();
    work.reverse();
    // Grows by each copy's size: a copy replaces one call with the body.
    let mut caller_size = size(&module.funcs[caller]);
    while let Some((call, depth)) = work.pop() {
        let InstKind::Call { func: callee, .. } = module.funcs[caller].dfg.insts[call].kind else { continue };
        // A call within the component being processed (the caller itself
        // included) waits: its callee is not final yet.
        let recursive_here = depth == 0 && component.contains(&callee);
        let callee_size = size(&module.funcs[callee]);
        if recursive_here
            || depth >= MAX_DEPTH
            || callee == module.init
            || callee_size > BUDGET
            || caller_size >= MAX_CALLER
        {
            continue;
        }
        caller_size += callee_size;
        // The call, as a step of an inlining chain, and the steps that
        // brought it into `caller`.
        let (owner, mut through) = origins.of(caller, call);
        through.insert(0, InlinedCall { func: owner, span: module.funcs[caller].dfg.insts[call].span });
        let copied = inline_call(module, caller, call, &through);
        for &(original, copy) in &copied {
            let (owner, mut chain) = origins.of(callee, original);
            chain.extend(through.iter().cloned());
            origins.0.insert((caller, copy), (owner, chain));
        }
        work.extend(copied.into_iter().rev().map(|(_, copy)| (copy, depth + 1)));
    }
}

fn size(func: &Function) -> usize {
    func.insts().count()
}

fn calls_of(func: &Function) -> Vec<Inst> {
    func.insts().filter(|&(_, i)| matches!(func.dfg.insts[i].kind, InstKind::Call { .. })).map(|(_, i)| i).collect()
}

/// Replaces one call with a copy of the callee's body; `through` is the
/// inlining chain of the copy's sites past their own. Returns the calls in
/// the copy, each beside the callee's call it copies.
fn inline_call(module: &mut Module, caller: FuncId, call: Inst, through: &[InlinedCall]) -> Vec<(Inst, Inst)> {
    let InstKind::Call { func: callee_id, args } = module.funcs[caller].dfg.insts[call].kind.clone() else {
        return Vec::new();
    };
    let callee = module.funcs[callee_id].clone();
    let Module { funcs, sites, .. } = module;
    let f = &mut funcs[caller];
    let call_span = f.dfg.insts[call].span;
    let Some(block) = f.layout.blocks.iter().copied().find(|&b| f.layout.insts[b].contains(&call)) else {
        return Vec::new();
    };
    let Some(callee_entry) = callee.entry() else { return Vec::new() };

    // Split the block: what follows the call continues in a new block
    // whose parameter is the call's result.
    let position = f.layout.insts[block].iter().position(|&i| i == call).expect("the call is in its block");
    let tail = f.layout.insts[block].split_off(position + 1);
    f.layout.insts[block].pop();
    let continuation = f.dfg.make_block();
    f.layout.insts[continuation] = tail;
    if let Some(result) = f.dfg.insts[call].result {
        f.dfg.values[result].def = ValueDef::Param(continuation, 0);
        f.dfg.blocks[continuation].params.push(result);
    }

    // Fresh blocks and values for the callee's.
    let mut blocks: SecondaryMap<Block, Option<Block>> = SecondaryMap::new();
    let mut values: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    for &b in &callee.layout.blocks {
        let copy = f.dfg.make_block();
        blocks[b] = Some(copy);
        for &param in &callee.dfg.blocks[b].params {
            values[param] = Some(f.dfg.append_block_param(copy, callee.dfg.value_type(param)));
        }
    }
    let mut insts: Vec<(Block, Inst)> = Vec::new();
    for (b, inst) in callee.insts() {
        let data = &callee.dfg.insts[inst];
        let copy = f.dfg.insts.push(InstData { kind: InstKind::Nil, result: None, span: data.span });
        if let Some(r) = data.result {
            let v = f.dfg.values.push(ValueData { ty: callee.dfg.value_type(r), def: ValueDef::Result(copy) });
            f.dfg.insts[copy].result = Some(v);
            values[r] = Some(v);
        }
        insts.push((b, copy));
    }

    // Copy the instructions, renaming values, blocks and sites.
    let mut copied_calls = Vec::new();
    for ((b, inst), &(_, copy)) in callee.insts().zip(&insts) {
        let mut kind = callee.dfg.insts[inst].kind.clone();
        kind.for_each_operand_mut(|v| *v = values[*v].expect("operands are defined in the callee"));
        for dest in kind.destinations_mut() {
            dest.block = blocks[dest.block].expect("destinations are the callee's blocks");
        }
        kind = match kind {
            InstKind::Return(value) => {
                InstKind::Jump(BlockCall { block: continuation, args: value.into_iter().collect() })
            }
            InstKind::Alloc { site, storage, init } => {
                let original = &sites[site];
                let mut into = original.inlined.as_ref().map(|i| i.into.clone()).unwrap_or_default();
                into.extend(through.iter().cloned());
                let inlined = Inlined { original: original.inlined.as_ref().map_or(site, |i| i.original), into };
                let site = sites.push(SiteData { func: caller, inlined: Some(inlined), ..original.clone() });
                InstKind::Alloc { site, storage, init }
            }
            other => other,
        };
        if matches!(kind, InstKind::Call { .. }) {
            copied_calls.push((inst, copy));
        }
        f.dfg.insts[copy].kind = kind;
        f.layout.insts[blocks[b].expect("copied block")].push(copy);
    }

    // Enter the copy where the call was; lay the copy and the
    // continuation out right after the call's block.
    let entry = blocks[callee_entry].expect("copied entry");
    let jump = f.dfg.make_inst(InstKind::Jump(BlockCall { block: entry, args }), None, call_span);
    f.layout.insts[block].push(jump);
    let at = f.layout.blocks.iter().position(|&b| b == block).expect("the block is laid out") + 1;
    let copied_blocks: Vec<Block> = callee.layout.blocks.iter().map(|&b| blocks[b].expect("copied block")).collect();
    f.layout.blocks.splice(at..at, copied_blocks.into_iter().chain(std::iter::once(continuation)));
    copied_calls
}
