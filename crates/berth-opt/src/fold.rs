//! Constant folding: arithmetic and comparisons of constants become
//! constants, and a branch on a constant becomes a jump.
//!
//! Integer division and remainder are left alone: a zero divisor is a
//! runtime error whose position the program must still report.

use berth_ir::instructions::{ArithOp, BinaryOp, InstKind, UnaryOp};
use berth_ir::{Function, Value};
use cranelift_entity::SecondaryMap;

#[derive(Clone, Copy, PartialEq, Debug, Default)]
enum Constant {
    #[default]
    Unknown,
    Int(i64),
    Bool(bool),
}

/// Folds what it can; returns whether anything changed.
pub fn fold_constants(func: &mut Function) -> bool {
    let mut known: SecondaryMap<Value, Constant> = SecondaryMap::new();
    let mut changed = false;
    let insts: Vec<_> = func.insts().map(|(_, inst)| inst).collect();
    for inst in insts {
        let result = func.dfg.insts[inst].result;
        let folded = match &func.dfg.insts[inst].kind {
            InstKind::IntConst(n) => Some(Constant::Int(*n)),
            InstKind::BoolConst(b) => Some(Constant::Bool(*b)),
            InstKind::Unary(op, a) => unary(*op, known[*a]),
            InstKind::Binary(op, a, b) => binary(*op, known[*a], known[*b]),
            InstKind::Branch { cond, then_dest, else_dest } => {
                if let Constant::Bool(c) = known[*cond] {
                    let dest = if c { then_dest.clone() } else { else_dest.clone() };
                    func.dfg.insts[inst].kind = InstKind::Jump(dest);
                    changed = true;
                }
                None
            }
            _ => None,
        };
        let (Some(constant), Some(result)) = (folded, result) else { continue };
        known[result] = constant;
        let kind = match constant {
            Constant::Int(n) => InstKind::IntConst(n),
            Constant::Bool(b) => InstKind::BoolConst(b),
            Constant::Unknown => continue,
        };
        if !matches!(func.dfg.insts[inst].kind, InstKind::IntConst(_) | InstKind::BoolConst(_)) {
            func.dfg.insts[inst].kind = kind;
            changed = true;
        }
    }
    changed
}

fn unary(op: UnaryOp, a: Constant) -> Option<Constant> {
    match (op, a) {
        (UnaryOp::Ineg, Constant::Int(n)) => Some(Constant::Int(n.wrapping_neg())),
        (UnaryOp::Not, Constant::Bool(b)) => Some(Constant::Bool(!b)),
        _ => None,
    }
}

fn binary(op: BinaryOp, a: Constant, b: Constant) -> Option<Constant> {
    match (op, a, b) {
        (BinaryOp::Int(arith), Constant::Int(x), Constant::Int(y)) => match arith {
            ArithOp::Add => Some(Constant::Int(x.wrapping_add(y))),
            ArithOp::Sub => Some(Constant::Int(x.wrapping_sub(y))),
            ArithOp::Mul => Some(Constant::Int(x.wrapping_mul(y))),
            ArithOp::Div | ArithOp::Rem => None,
        },
        (BinaryOp::IntCmp(cmp), Constant::Int(x), Constant::Int(y)) => Some(Constant::Bool(cmp.holds(x.cmp(&y)))),
        (BinaryOp::BoolCmp(cmp), Constant::Bool(x), Constant::Bool(y)) => Some(Constant::Bool(cmp.holds(x.cmp(&y)))),
        _ => None,
    }
}
