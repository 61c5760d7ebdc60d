//! Removal of trivial block parameters: a parameter whose every incoming
//! argument is one value (or the parameter itself, around a loop) is that
//! value. Lowering gives loop headers a parameter for every variable in
//! scope; this pass keeps only those that really change.

use cranelift_entity::SecondaryMap;

use crate::entities::{Block, Value};
use crate::function::Function;

pub fn remove_trivial_params(func: &mut Function) {
    // `replaced[p] = Some(v)`: uses of `p` become uses of `v`.
    let mut replaced: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    // Each round can make parameters of outer loops trivial, so repeat
    // until nothing changes; the number of rounds is about the loop depth.
    loop {
        let mut incoming = incoming_args(func);
        let mut removed: SecondaryMap<Block, Vec<usize>> = SecondaryMap::new();
        for &block in &func.layout.blocks {
            let params = func.dfg.blocks[block].params.clone();
            // Backwards, so removing one keeps the others' indices valid.
            for (index, &param) in params.iter().enumerate().rev() {
                let Some(value) = sole_argument(&incoming[block], index, param, &replaced) else { continue };
                replaced[param] = Some(value);
                func.dfg.remove_block_param(block, index);
                for args in &mut incoming[block] {
                    args.remove(index);
                }
                removed[block].push(index);
            }
        }
        if removed.values().all(Vec::is_empty) {
            break;
        }
        let insts: Vec<_> = func.insts().map(|(_, inst)| inst).collect();
        for inst in insts {
            for dest in func.dfg.insts[inst].kind.destinations_mut() {
                // Indices were recorded in decreasing order.
                for &index in &removed[dest.block] {
                    dest.args.remove(index);
                }
            }
        }
    }
    let insts: Vec<_> = func.insts().map(|(_, inst)| inst).collect();
    for inst in insts {
        func.dfg.insts[inst].kind.for_each_operand_mut(|v| *v = resolve(&replaced, *v));
    }
}

/// The one value all incoming edges pass for parameter `index` (ignoring
/// the parameter passed back to itself), if there is exactly one.
fn sole_argument(
    incoming: &[Vec<Value>],
    index: usize,
    param: Value,
    replaced: &SecondaryMap<Value, Option<Value>>,
) -> Option<Value> {
    let mut sole = None;
    for args in incoming {
        let arg = resolve(replaced, args[index]);
        if arg == param || sole == Some(arg) {
            continue;
        }
        if sole.is_some() {
            return None;
        }
        sole = Some(arg);
    }
    sole
}

fn resolve(replaced: &SecondaryMap<Value, Option<Value>>, mut v: Value) -> Value {
    while let Some(next) = replaced[v] {
        v = next;
    }
    v
}

/// For each block, the argument lists of the branches that target it.
fn incoming_args(func: &Function) -> SecondaryMap<Block, Vec<Vec<Value>>> {
    let mut incoming: SecondaryMap<Block, Vec<Vec<Value>>> = SecondaryMap::new();
    for (_, inst) in func.insts() {
        for dest in func.dfg.insts[inst].kind.destinations() {
            incoming[dest.block].push(dest.args.clone());
        }
    }
    incoming
}
