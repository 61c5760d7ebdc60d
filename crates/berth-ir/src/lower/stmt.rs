//! Statements: assignments, branches, loops and `match`.

use berth_syntax::Span;
use berth_types::TypeId;
use berth_types::hir::{self, BinaryOp, Pattern, Place, StmtKind};

use super::{FnLowerer, LoopFrame};
use crate::entities::Value;
use crate::instructions::{self, CmpOp, InstKind};

/// What distinguishes the four kinds of loop: the values the loop carries
/// itself, its condition, what the body sees on entry, and the step to the
/// next iteration.
struct LoopShape<'h> {
    /// Initial values of the hidden loop-carried values (a counter).
    hidden: Vec<(Value, TypeId)>,
    /// The condition; `None` for `while true`, which only `break` leaves
    /// (so code after it is unreachable without one, as the checker
    /// assumed when it accepted a function ending in such a loop).
    cond: Option<&'h dyn Fn(&mut FnLowerer<'_, '_>, &[Value]) -> Value>,
    enter: &'h dyn Fn(&mut FnLowerer<'_, '_>, &[Value]),
    step: &'h dyn Fn(&mut FnLowerer<'_, '_>, &[Value]) -> Vec<Value>,
}

impl FnLowerer<'_, '_> {
    pub(super) fn block(&mut self, block: &hir::Block) {
        for stmt in &block.stmts {
            if !self.b.is_reachable() {
                // Code after `return`, `break`, `continue` or `panic`.
                break;
            }
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &hir::Stmt) {
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Let { local, init } => {
                let v = self.value(init);
                self.env[*local] = Some(v);
            }
            StmtKind::Assign { place, op, value } => self.assign(place, *op, value, span),
            StmtKind::If { cond, then, els } => self.if_stmt(cond, then, els, span),
            StmtKind::While { cond, body } => {
                let forever = matches!(cond.kind, hir::ExprKind::Bool(true));
                let test = |l: &mut FnLowerer<'_, '_>, _: &[Value]| l.value(cond);
                let shape = LoopShape {
                    hidden: Vec::new(),
                    cond: if forever { None } else { Some(&test) },
                    enter: &|_, _| {},
                    step: &|_, _| Vec::new(),
                };
                self.lower_loop(shape, body, span);
            }
            StmtKind::ForRange { var, lo, hi, body } => {
                let lo = self.value(lo);
                let hi = self.value(hi);
                let var = *var;
                let shape = LoopShape {
                    hidden: vec![(lo, TypeId::INT)],
                    cond: Some(&|l, h| l.int_cmp(CmpOp::Lt, h[0], hi, span)),
                    enter: &|l, h| l.env[var] = Some(h[0]),
                    step: &|l, h| vec![l.increment(h[0], span)],
                };
                self.lower_loop(shape, body, span);
            }
            StmtKind::ForArray { var, array, body } => {
                let array = self.value(array);
                let zero = self.b.value(InstKind::IntConst(0), TypeId::INT, span);
                let elem_ty = self.types().element(self.b.func.dfg.value_type(array)).expect("checked: an array");
                let var = *var;
                let shape = LoopShape {
                    hidden: vec![(zero, TypeId::INT)],
                    cond: Some(&|l, h| {
                        let len = l.b.value(InstKind::ArrayLen(array), TypeId::INT, span);
                        l.int_cmp(CmpOp::Lt, h[0], len, span)
                    }),
                    enter: &|l, h| {
                        let elem = l.b.value(InstKind::ArrayGet { array, index: h[0] }, elem_ty, span);
                        l.env[var] = Some(elem);
                    },
                    step: &|l, h| vec![l.increment(h[0], span)],
                };
                self.lower_loop(shape, body, span);
            }
            StmtKind::ForReadDir { var, path, body } => {
                let path = self.value(path);
                let stream = self.b.value(InstKind::DirOpen(path), TypeId::DIR_STREAM, span);
                let var = *var;
                let shape = LoopShape {
                    hidden: Vec::new(),
                    cond: Some(&|l, _| l.b.value(InstKind::DirNext(stream), TypeId::BOOL, span)),
                    enter: &|l, _| {
                        let name = l.b.value(InstKind::DirName(stream), TypeId::STR, span);
                        l.env[var] = Some(name);
                    },
                    step: &|_, _| Vec::new(),
                };
                self.lower_loop(shape, body, span);
            }
            StmtKind::Match { scrutinee, arms } => self.match_stmt(scrutinee, arms, span),
            StmtKind::Return(value) => {
                let value = value.as_ref().map(|v| self.value(v));
                self.b.ins(InstKind::Return(value), None, span);
            }
            StmtKind::Break => {
                let target = self.loops.last().map(|f| f.exit).expect("checked: break inside a loop");
                let edge = self.jump_edge(target, span);
                self.loops.last_mut().expect("checked").breaks.extend(edge);
            }
            StmtKind::Continue => {
                let target = self.loops.last().map(|f| f.latch).expect("checked: continue inside a loop");
                let edge = self.jump_edge(target, span);
                self.loops.last_mut().expect("checked").continues.extend(edge);
            }
            StmtKind::Expr(e) => {
                self.expr(e);
            }
            StmtKind::Block(b) => self.block(b),
        }
    }

    fn if_stmt(&mut self, cond: &hir::Expr, then: &hir::Block, els: &hir::Block, span: Span) {
        let cond = self.value(cond);
        let then_block = self.b.create_block();
        let join = self.b.create_block();
        let mut edges = Vec::new();
        if els.stmts.is_empty() {
            let [to_then, to_join] = self.branch_edges(cond, then_block, join, span);
            edges.push(to_join);
            self.join(then_block, vec![to_then]);
            self.block(then);
        } else {
            let else_block = self.b.create_block();
            let [to_then, to_else] = self.branch_edges(cond, then_block, else_block, span);
            self.join(then_block, vec![to_then]);
            self.block(then);
            edges.extend(self.jump_edge(join, span));
            self.join(else_block, vec![to_else]);
            self.block(els);
        }
        edges.extend(self.jump_edge(join, span));
        self.join(join, edges);
    }

    /// The skeleton every loop shares:
    ///
    /// ```text
    /// header(hidden.., locals..):  cond? -> body : exit
    /// body:                        enter; the loop body; -> latch
    /// latch (continue goes here):  step; -> header
    /// exit (break goes here)
    /// ```
    fn lower_loop(&mut self, shape: LoopShape<'_>, body: &hir::Block, span: Span) {
        let header = self.enter_loop_header(&shape.hidden, span);
        let body_block = self.b.create_block();
        let exit = self.b.create_block();
        let latch = self.b.create_block();
        let mut exits = Vec::new();
        let to_body = match shape.cond {
            Some(cond) => {
                let cond = cond(self, &header.hidden);
                let [to_body, to_exit] = self.branch_edges(cond, body_block, exit, span);
                exits.push(to_exit);
                to_body
            }
            None => self.jump_edge(body_block, span).expect("a loop header is reachable"),
        };
        self.join(body_block, vec![to_body]);
        (shape.enter)(self, &header.hidden);
        self.loops.push(LoopFrame { exit, latch, breaks: Vec::new(), continues: Vec::new() });
        self.block(body);
        let frame = self.loops.pop().expect("pushed above");
        // Without `continue`, the end of the body is the latch.
        if !frame.continues.is_empty() {
            let mut edges = frame.continues;
            edges.extend(self.jump_edge(latch, span));
            self.join(latch, edges);
        }
        if self.b.is_reachable() {
            let next = (shape.step)(self, &header.hidden);
            self.back_edge(&header, &next, span);
        }
        exits.extend(frame.breaks);
        self.join(exit, exits);
    }

    fn match_stmt(&mut self, scrutinee: &hir::Expr, arms: &[hir::Arm], span: Span) {
        let value = self.value(scrutinee);
        let tag = match self.types().get(scrutinee.ty) {
            berth_types::Ty::Enum(_) => Some(self.b.value(InstKind::EnumTag(value), TypeId::INT, span)),
            _ => None,
        };
        let join = self.b.create_block();
        let mut edges = Vec::new();
        for (i, arm) in arms.iter().enumerate() {
            if !self.b.is_reachable() {
                break;
            }
            // The checker proved the match exhaustive, so when no earlier arm
            // matched, the last one does: it needs no test.
            let catch_all = matches!(arm.pattern, Pattern::Wildcard | Pattern::Bind(_));
            let next = if catch_all || i + 1 == arms.len() {
                None
            } else {
                let test = self.pattern_test(&arm.pattern, value, tag, arm.span);
                let arm_block = self.b.create_block();
                let next = self.b.create_block();
                let [to_arm, to_next] = self.branch_edges(test, arm_block, next, arm.span);
                self.join(arm_block, vec![to_arm]);
                Some((next, to_next))
            };
            self.bind_pattern(&arm.pattern, value, scrutinee.ty, arm.span);
            self.block(&arm.body);
            edges.extend(self.jump_edge(join, span));
            match next {
                Some((next, to_next)) => self.join(next, vec![to_next]),
                None => break,
            }
        }
        self.join(join, edges);
    }

    /// A `bool` that is true when `pattern` (not a catch-all) matches.
    fn pattern_test(&mut self, pattern: &Pattern, value: Value, tag: Option<Value>, span: Span) -> Value {
        let (op, lhs, rhs) = match pattern {
            Pattern::Variant { variant, .. } => {
                let index = self.b.value(InstKind::IntConst(i64::from(*variant)), TypeId::INT, span);
                (instructions::BinaryOp::IntCmp(CmpOp::Eq), tag.expect("variant patterns match enums"), index)
            }
            Pattern::Int(n) => {
                let n = self.b.value(InstKind::IntConst(*n), TypeId::INT, span);
                (instructions::BinaryOp::IntCmp(CmpOp::Eq), value, n)
            }
            Pattern::Str(s) => {
                let s = self.b.value(InstKind::StrConst(s.clone()), TypeId::STR, span);
                (instructions::BinaryOp::StrCmp(CmpOp::Eq), value, s)
            }
            Pattern::Bool(b) => {
                let b = self.b.value(InstKind::BoolConst(*b), TypeId::BOOL, span);
                (instructions::BinaryOp::BoolCmp(CmpOp::Eq), value, b)
            }
            Pattern::Wildcard | Pattern::Bind(_) => unreachable!("catch-all arms are not tested"),
        };
        self.b.value(InstKind::Binary(op, lhs, rhs), TypeId::BOOL, span)
    }

    fn bind_pattern(&mut self, pattern: &Pattern, value: Value, ty: TypeId, span: Span) {
        match pattern {
            Pattern::Bind(local) => self.env[*local] = Some(value),
            Pattern::Variant { variant, bindings } => {
                let berth_types::Ty::Enum(enum_id) = self.types().get(ty) else {
                    unreachable!("checked: variant patterns match enums")
                };
                for (index, local) in bindings.iter().enumerate() {
                    let Some(local) = *local else { continue };
                    let payload_ty = self.cx.program.enums[enum_id].variants[*variant as usize].payload[index];
                    let kind = InstKind::EnumField { value, variant: *variant, index: index as u32 };
                    let field = self.b.value(kind, payload_ty, span);
                    self.env[local] = Some(field);
                }
            }
            _ => {}
        }
    }

    /// `place = value` or `place op= value`: the place's operands first,
    /// then the value, then the read-modify-write.
    fn assign(&mut self, place: &Place, op: Option<BinaryOp>, value: &hir::Expr, span: Span) {
        match place {
            Place::Local(local) => {
                let new = self.assigned_value(op, value, span, |l: &mut Self| l.env[*local].expect("defined"));
                self.env[*local] = Some(new);
            }
            Place::Global(global) => {
                let ty = self.cx.program.globals[*global].ty;
                let new = self
                    .assigned_value(op, value, span, |l: &mut Self| l.b.value(InstKind::GlobalGet(*global), ty, span));
                self.b.ins(InstKind::GlobalSet(*global, new), None, span);
            }
            Place::Field { object, strukt, field } => {
                let obj = self.value(object);
                let (strukt, field) = (*strukt, *field);
                let ty = self.cx.program.structs[strukt].fields[field as usize].ty;
                let new = self.assigned_value(op, value, span, |l: &mut Self| {
                    l.b.value(InstKind::FieldGet { object: obj, strukt, field }, ty, span)
                });
                self.b.ins(InstKind::FieldSet { object: obj, strukt, field, value: new }, None, span);
            }
            Place::Index { array, index } => {
                let arr = self.value(array);
                let idx = self.value(index);
                let new = self.assigned_value(op, value, span, |l: &mut Self| {
                    l.b.value(InstKind::ArrayGet { array: arr, index: idx }, value.ty, span)
                });
                self.b.ins(InstKind::ArraySet { array: arr, index: idx, value: new }, None, span);
            }
        }
    }

    /// The value to store: `value`, or `current op value`.
    fn assigned_value(
        &mut self,
        op: Option<BinaryOp>,
        value: &hir::Expr,
        span: Span,
        current: impl FnOnce(&mut Self) -> Value,
    ) -> Value {
        let rhs = self.value(value);
        match op {
            None => rhs,
            Some(op) => {
                let lhs = current(self);
                self.binary(op, lhs, rhs, value.ty, span)
            }
        }
    }

    fn int_cmp(&mut self, op: CmpOp, a: Value, b: Value, span: Span) -> Value {
        self.b.value(InstKind::Binary(instructions::BinaryOp::IntCmp(op), a, b), TypeId::BOOL, span)
    }

    fn increment(&mut self, v: Value, span: Span) -> Value {
        let one = self.b.value(InstKind::IntConst(1), TypeId::INT, span);
        let add = instructions::BinaryOp::Int(instructions::ArithOp::Add);
        self.b.value(InstKind::Binary(add, v, one), TypeId::INT, span)
    }
}
