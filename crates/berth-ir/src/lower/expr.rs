//! Expressions.

use berth_syntax::Span;
use berth_types::TypeId;
use berth_types::hir::{self, BinaryOp, Builtin, ExprKind};

use super::FnLowerer;
use crate::entities::Value;
use crate::instructions::{self, AllocInit, InstKind, Storage, UnaryOp};
use crate::module::SiteKind;

impl FnLowerer<'_, '_> {
    /// Lowers an expression that has a value.
    pub(super) fn value(&mut self, e: &hir::Expr) -> Value {
        self.expr(e).expect("checked: this expression has a value")
    }

    /// Lowers an expression; `None` for calls that return nothing.
    pub(super) fn expr(&mut self, e: &hir::Expr) -> Option<Value> {
        let (ty, span) = (e.ty, e.span);
        let v = match &e.kind {
            ExprKind::Int(n) => self.b.value(InstKind::IntConst(*n), ty, span),
            ExprKind::Float(x) => self.b.value(InstKind::FloatConst(*x), ty, span),
            ExprKind::Bool(x) => self.b.value(InstKind::BoolConst(*x), ty, span),
            ExprKind::Str(s) => self.b.value(InstKind::StrConst(s.clone()), ty, span),
            ExprKind::Nil => self.b.value(InstKind::Nil, ty, span),
            ExprKind::Local(local) => self.env[*local].expect("checked: locals are defined before use"),
            ExprKind::Global(global) => self.b.value(InstKind::GlobalGet(*global), ty, span),
            ExprKind::Unary(op, operand) => {
                let operand = self.value(operand);
                let op = match op {
                    hir::UnaryOp::NegInt => UnaryOp::Ineg,
                    hir::UnaryOp::NegFloat => UnaryOp::Fneg,
                    hir::UnaryOp::Not => UnaryOp::Not,
                };
                self.b.value(InstKind::Unary(op, operand), ty, span)
            }
            ExprKind::Binary(op, a, b) => {
                let a = self.value(a);
                let b = self.value(b);
                self.binary(*op, a, b, ty, span)
            }
            ExprKind::And(a, b) => self.short_circuit(a, b, false, span),
            ExprKind::Or(a, b) => self.short_circuit(a, b, true, span),
            ExprKind::Call(func, args) => {
                let args = self.values(args);
                let result_ty = (ty != TypeId::UNIT).then_some(ty);
                return self.b.ins(InstKind::Call { func: *func, args }, result_ty, span);
            }
            ExprKind::Spawn(func, args) => {
                let args = self.values(args);
                self.b.value(InstKind::Spawn { func: *func, args }, ty, span)
            }
            ExprKind::Builtin(builtin, args) => return self.builtin(*builtin, args, ty, span),
            ExprKind::Field { object, strukt, field } => {
                let object = self.value(object);
                self.b.value(InstKind::FieldGet { object, strukt: *strukt, field: *field }, ty, span)
            }
            ExprKind::Index { array, index } => {
                let array = self.value(array);
                let index = self.value(index);
                self.b.value(InstKind::ArrayGet { array, index }, ty, span)
            }
            ExprKind::StructLit { strukt, fields } => {
                // Evaluate in source order, store in declaration order.
                let mut values = vec![None; fields.len()];
                for (index, value) in fields {
                    values[*index as usize] = Some(self.value(value));
                }
                let fields = values.into_iter().map(|v| v.expect("checked: every field is set")).collect();
                self.alloc(SiteKind::Struct, AllocInit::Struct { strukt: *strukt, fields }, ty, span)
            }
            ExprKind::ArrayLit(elems) => {
                let elems = self.values(elems);
                self.alloc(SiteKind::Array, AllocInit::Array { elems }, ty, span)
            }
            ExprKind::ArrayRepeat { value, count } => {
                let value = self.value(value);
                let count = self.value(count);
                self.alloc(SiteKind::Array, AllocInit::ArrayRepeat { value, count }, ty, span)
            }
            ExprKind::EnumLit { enum_id, variant, payload } => {
                let payload = self.values(payload);
                self.b.value(InstKind::EnumMake { enum_id: *enum_id, variant: *variant, payload }, ty, span)
            }
            ExprKind::Error => unreachable!("programs with errors are not lowered"),
        };
        Some(v)
    }

    fn values(&mut self, exprs: &[hir::Expr]) -> Vec<Value> {
        exprs.iter().map(|e| self.value(e)).collect()
    }

    pub(super) fn binary(&mut self, op: BinaryOp, a: Value, b: Value, ty: TypeId, span: Span) -> Value {
        let op = match op {
            BinaryOp::Concat => return self.alloc(SiteKind::String, AllocInit::Concat(a, b), ty, span),
            BinaryOp::Int(op) => instructions::BinaryOp::Int(op),
            BinaryOp::Float(op) => instructions::BinaryOp::Float(op),
            BinaryOp::IntCmp(op) => instructions::BinaryOp::IntCmp(op),
            BinaryOp::FloatCmp(op) => instructions::BinaryOp::FloatCmp(op),
            BinaryOp::StrCmp(op) => instructions::BinaryOp::StrCmp(op),
            BinaryOp::BoolCmp(op) => instructions::BinaryOp::BoolCmp(op),
            BinaryOp::RefCmp(op) => instructions::BinaryOp::RefCmp(op),
        };
        self.b.value(InstKind::Binary(op, a, b), ty, span)
    }

    /// `a && b` (or `a || b` when `or`): `b` is evaluated only when `a` does
    /// not decide. Expressions never assign locals, so the join needs only
    /// the result as a parameter.
    fn short_circuit(&mut self, a: &hir::Expr, b: &hir::Expr, or: bool, span: Span) -> Value {
        let lhs = self.value(a);
        let rhs_block = self.b.create_block();
        let join = self.b.create_block();
        let result = self.b.func.dfg.append_block_param(join, TypeId::BOOL);
        let decided = instructions::BlockCall { block: join, args: vec![lhs] };
        let go_on = instructions::BlockCall { block: rhs_block, args: Vec::new() };
        let (then_dest, else_dest) = if or { (decided, go_on) } else { (go_on, decided) };
        self.b.ins(InstKind::Branch { cond: lhs, then_dest, else_dest }, None, span);
        self.b.switch_to(rhs_block);
        let rhs = self.value(b);
        self.b.ins(InstKind::Jump(instructions::BlockCall { block: join, args: vec![rhs] }), None, span);
        self.b.switch_to(join);
        result
    }

    fn builtin(&mut self, builtin: Builtin, args: &[hir::Expr], ty: TypeId, span: Span) -> Option<Value> {
        let args = self.values(args);
        let arg = |i: usize| args[i];
        let kind = match builtin {
            Builtin::Print | Builtin::Println => {
                InstKind::Print { newline: builtin == Builtin::Println, args: args.clone() }
            }
            Builtin::ArrayLen => InstKind::ArrayLen(arg(0)),
            Builtin::StrLen => InstKind::StrLen(arg(0)),
            Builtin::Push => InstKind::ArrayPush { array: arg(0), value: arg(1), grow: Storage::Undecided },
            Builtin::Pop => InstKind::ArrayPop(arg(0)),
            Builtin::Substr => {
                let init = AllocInit::Substr { string: arg(0), start: arg(1), end: arg(2) };
                return Some(self.alloc(SiteKind::String, init, ty, span));
            }
            Builtin::ByteAt => InstKind::ByteAt { string: arg(0), index: arg(1) },
            Builtin::ParseInt => InstKind::ParseInt(arg(0)),
            Builtin::Log => InstKind::Log(arg(0)),
            Builtin::Send => InstKind::Send(arg(0)),
            Builtin::Join => InstKind::Join(arg(0)),
            Builtin::ListDir => InstKind::ListDir(arg(0)),
            Builtin::ClockNs => InstKind::ClockNs,
            Builtin::Assert => InstKind::Assert(arg(0)),
            Builtin::Panic => InstKind::Panic(arg(0)),
            Builtin::IntOfFloat => InstKind::Unary(UnaryOp::FloatToInt, arg(0)),
            Builtin::FloatOfInt => InstKind::Unary(UnaryOp::IntToFloat, arg(0)),
            Builtin::StrOfInt | Builtin::StrOfFloat | Builtin::StrOfBool => {
                return Some(self.alloc(SiteKind::String, AllocInit::Format(arg(0)), ty, span));
            }
        };
        let result_ty = (ty != TypeId::UNIT).then_some(ty);
        self.b.ins(kind, result_ty, span)
    }

    fn alloc(&mut self, kind: SiteKind, init: AllocInit, ty: TypeId, span: Span) -> Value {
        let site = self.new_site(kind, span);
        self.b.value(InstKind::Alloc { site, storage: Storage::Undecided, init }, ty, span)
    }
}
