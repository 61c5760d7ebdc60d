//! Arithmetic and comparisons, with the language's semantics: wrapping
//! integers, `/` and `%` truncating (`MIN / -1` wraps), IEEE floats with
//! `%` as C's `fmod`, strings compared bytewise, references by identity.

use berth_ir::instructions::{ArithOp, BinaryOp, CmpOp, UnaryOp};
use berth_runtime::errors::RuntimeError;

use crate::value::Val;

pub fn unary(op: UnaryOp, x: &Val) -> Val {
    match op {
        UnaryOp::Ineg => Val::Int(x.int().wrapping_neg()),
        UnaryOp::Fneg => Val::Float(-x.float()),
        UnaryOp::Not => Val::Bool(!x.bool()),
        UnaryOp::IntToFloat => Val::Float(x.int() as f64),
        // Rust's `as` saturates and sends NaN to 0, as the language says.
        UnaryOp::FloatToInt => Val::Int(x.float() as i64),
    }
}

pub fn binary(op: BinaryOp, a: &Val, b: &Val) -> Result<Val, RuntimeError<'static>> {
    Ok(match op {
        BinaryOp::Int(op) => Val::Int(int_arith(op, a.int(), b.int())?),
        BinaryOp::Float(op) => Val::Float(float_arith(op, a.float(), b.float())),
        BinaryOp::IntCmp(op) => Val::Bool(op.holds(a.int().cmp(&b.int()))),
        BinaryOp::FloatCmp(op) => Val::Bool(float_compare(op, a.float(), b.float())),
        BinaryOp::StrCmp(op) => Val::Bool(op.holds(a.string().bytes.cmp(&b.string().bytes))),
        BinaryOp::BoolCmp(op) => Val::Bool(op.holds(a.bool().cmp(&b.bool()))),
        BinaryOp::RefCmp(op) => {
            let same = a.reference() == b.reference();
            Val::Bool(if op == CmpOp::Eq { same } else { !same })
        }
    })
}

fn int_arith(op: ArithOp, a: i64, b: i64) -> Result<i64, RuntimeError<'static>> {
    Ok(match op {
        ArithOp::Add => a.wrapping_add(b),
        ArithOp::Sub => a.wrapping_sub(b),
        ArithOp::Mul => a.wrapping_mul(b),
        ArithOp::Div | ArithOp::Rem if b == 0 => return Err(RuntimeError::DivisionByZero),
        ArithOp::Div => a.wrapping_div(b),
        ArithOp::Rem => a.wrapping_rem(b),
    })
}

fn float_arith(op: ArithOp, a: f64, b: f64) -> f64 {
    match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
        ArithOp::Rem => a % b,
    }
}

/// IEEE comparisons: every one but `!=` is false when a NaN is involved.
fn float_compare(op: CmpOp, a: f64, b: f64) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_truncates_and_wraps() {
        let div = |a, b| int_arith(ArithOp::Div, a, b);
        let rem = |a, b| int_arith(ArithOp::Rem, a, b);
        assert_eq!(div(-7, 2), Ok(-3));
        assert_eq!(rem(-7, 2), Ok(-1));
        assert_eq!(rem(7, -2), Ok(1));
        assert_eq!(div(i64::MIN, -1), Ok(i64::MIN));
        assert_eq!(rem(i64::MIN, -1), Ok(0));
        assert_eq!(div(1, 0), Err(RuntimeError::DivisionByZero));
    }

    #[test]
    fn nan_compares_unequal() {
        assert!(!float_compare(CmpOp::Eq, f64::NAN, f64::NAN));
        assert!(float_compare(CmpOp::Ne, f64::NAN, f64::NAN));
        assert!(!float_compare(CmpOp::Le, f64::NAN, 1.0));
    }
}
