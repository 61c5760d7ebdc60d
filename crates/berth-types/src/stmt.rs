//! Statements, scopes, loops, and whether control reaches the end of each
//! statement (for "missing return" errors).

use berth_syntax::Span;
use berth_syntax::ast::{self, ExprKind as A, StmtKind as S};

use crate::checker::{CheckedBlock, Checker, Flow};
use crate::hir::{Block, Builtin, Expr, ExprKind, Place, Stmt, StmtKind};
use crate::items::ValueItem;
use crate::types::{Ty, TypeId};

impl Checker {
    /// Checks a block in its own scope.
    pub fn block(&mut self, block: &ast::Block) -> CheckedBlock {
        self.scoped(|c| {
            let mut flow = Flow::Continues;
            let mut stmts = Vec::with_capacity(block.stmts.len());
            for stmt in &block.stmts {
                let (checked, stmt_flow) = c.stmt(stmt);
                stmts.extend(checked);
                if !stmt_flow.continues() {
                    flow = Flow::Diverges;
                }
            }
            (Block { stmts }, flow)
        })
    }

    fn stmt(&mut self, stmt: &ast::Stmt) -> (Option<Stmt>, Flow) {
        let span = stmt.span;
        let (kind, flow) = match &stmt.kind {
            S::Let { name, ty, init } => {
                let declared = ty.as_ref().map(|t| self.items.resolve_type(t, &mut self.diags));
                let init = match declared {
                    Some(ty) => self.expr_as(init, ty, |c| format!("`{}` is declared as {}", name.name, c.ty(ty))),
                    None => self.expr(init, None),
                };
                let ty = declared.unwrap_or(init.ty);
                if ty == TypeId::NIL {
                    self.error(init.span, "cannot infer the type of `nil`").label =
                        format!("give the variable a type: `let {}: T = nil;`", name.name);
                } else if ty == TypeId::UNIT {
                    self.error(init.span, "this expression has no value").label =
                        "it calls a function that returns nothing".into();
                }
                let local = self.declare_local(name.name, ty, name.span);
                (StmtKind::Let { local, init }, Flow::Continues)
            }
            S::Assign { target, op, value } => (self.assign(target, *op, value, span), Flow::Continues),
            S::If { cond, then, els } => {
                let cond = self.condition(cond, "if");
                let (then, then_flow) = self.block(then);
                let (els, els_flow) = match els {
                    Some(b) => self.block(b),
                    None => (Block::default(), Flow::Continues),
                };
                (StmtKind::If { cond, then, els }, then_flow.either(els_flow))
            }
            S::While { cond, body } => {
                let forever = matches!(cond.kind, A::Bool(true));
                let cond = self.condition(cond, "while");
                let (body, broke) = self.loop_body(body);
                // `while true` without a `break` never finishes normally.
                let flow = if forever && !broke { Flow::Diverges } else { Flow::Continues };
                (StmtKind::While { cond, body }, flow)
            }
            S::ForRange { var, lo, hi, body } => {
                let lo = self.expr_as(lo, TypeId::INT, |_| "range bounds are `int`".into());
                let hi = self.expr_as(hi, TypeId::INT, |_| "range bounds are `int`".into());
                let (var, body) = self.scoped(|c| {
                    let var = c.declare_local(var.name, TypeId::INT, var.span);
                    (var, c.loop_body(body).0)
                });
                (StmtKind::ForRange { var, lo, hi, body }, Flow::Continues)
            }
            S::ForIn { var, iter, body } => (self.for_in(var, iter, body), Flow::Continues),
            S::Match { scrutinee, arms } => self.match_stmt(scrutinee, arms),
            S::Return(value) => (self.return_stmt(value.as_ref(), span), Flow::Diverges),
            S::Break | S::Continue => {
                let is_break = matches!(stmt.kind, S::Break);
                match self.body.loops.last_mut() {
                    Some(broke) => *broke |= is_break,
                    None => {
                        let word = if is_break { "break" } else { "continue" };
                        self.error(span, format!("`{word}` outside of a loop"));
                    }
                }
                let kind = if is_break { StmtKind::Break } else { StmtKind::Continue };
                (kind, Flow::Diverges)
            }
            S::Expr(e) => {
                let e = self.expr(e, None);
                let flow = if matches!(e.kind, ExprKind::Builtin(Builtin::Panic, _)) {
                    Flow::Diverges
                } else {
                    Flow::Continues
                };
                (StmtKind::Expr(e), flow)
            }
            S::Block(b) => {
                let (block, flow) = self.block(b);
                (StmtKind::Block(block), flow)
            }
            S::Error => return (None, Flow::Continues),
        };
        (Some(Stmt { kind, span }), flow)
    }

    fn condition(&mut self, cond: &ast::Expr, keyword: &str) -> Expr {
        self.expr_as(cond, TypeId::BOOL, |_| format!("the condition of `{keyword}` must be a `bool`"))
    }

    /// Checks a loop body; also says whether a `break` leaves this loop.
    fn loop_body(&mut self, body: &ast::Block) -> (Block, bool) {
        self.body.loops.push(false);
        let (block, _) = self.block(body);
        let broke = self.body.loops.pop().unwrap_or(false);
        (block, broke)
    }

    fn for_in(&mut self, var: &ast::Ident, iter: &ast::Expr, body: &ast::Block) -> StmtKind {
        if let A::Call { callee, args } = &iter.kind
            && let A::Name(name) = &callee.kind
            && name.name == "read_dir"
            && self.lookup_local(name.name).is_none()
        {
            let path = match args.as_slice() {
                [path] => self.expr_as(path, TypeId::STR, |_| "`read_dir` takes a path".into()),
                _ => {
                    let n = args.len();
                    self.error(iter.span, format!("`read_dir` takes 1 argument, but {n} were given"));
                    Checker::error_expr(iter.span)
                }
            };
            let (var, body) = self.scoped(|c| {
                let var = c.declare_local(var.name, TypeId::STR, var.span);
                (var, c.loop_body(body).0)
            });
            return StmtKind::ForReadDir { var, path, body };
        }
        let array = self.expr(iter, None);
        let elem = match self.items.types.get(array.ty) {
            Ty::Array(elem) => elem,
            Ty::Error => TypeId::ERROR,
            _ => {
                let ty = self.ty(array.ty);
                let d = self.error(array.span, format!("cannot iterate over a value of type {ty}"));
                d.label = "`for x in` takes an array or `read_dir(path)`".into();
                if array.ty == TypeId::STR {
                    d.notes.push("to walk a string's bytes: `for i in 0..len(s) { byte_at(s, i) }`".into());
                }
                TypeId::ERROR
            }
        };
        let (var, body) = self.scoped(|c| {
            let var = c.declare_local(var.name, elem, var.span);
            (var, c.loop_body(body).0)
        });
        StmtKind::ForArray { var, array, body }
    }

    fn return_stmt(&mut self, value: Option<&ast::Expr>, span: Span) -> StmtKind {
        let ret = self.body.ret;
        let name = self.body.fn_name.clone();
        match value {
            Some(value) if ret == TypeId::UNIT => {
                let value = self.expr(value, None);
                self.error(value.span, format!("`{name}` returns nothing, but a value is returned here")).label =
                    "declare a result type with `-> T`".into();
                StmtKind::Return(Some(value))
            }
            Some(value) => {
                let value = self.expr_as(value, ret, |c| format!("`{name}` returns {}", c.ty(ret)));
                StmtKind::Return(Some(value))
            }
            None if ret != TypeId::UNIT && ret != TypeId::ERROR => {
                let ty = self.ty(ret);
                self.error(span, format!("`{name}` must return a value of type {ty}"));
                StmtKind::Return(None)
            }
            None => StmtKind::Return(None),
        }
    }

    fn assign(&mut self, target: &ast::Expr, op: Option<ast::BinOp>, value: &ast::Expr, span: Span) -> StmtKind {
        let Some((place, place_ty)) = self.place(target) else {
            // Already reported; check the value for its own errors.
            return StmtKind::Expr(self.expr(value, None));
        };
        let value_checked = match op {
            None => self.expr_as(value, place_ty, |c| format!("the target has type {}", c.ty(place_ty))),
            Some(_) => self.expr(value, None),
        };
        let op = op.and_then(|op| {
            if place_ty == TypeId::ERROR || value_checked.ty == TypeId::ERROR {
                return None;
            }
            match self.binary_op(op, place_ty, value_checked.ty) {
                Some((typed, result)) if result == place_ty => Some(typed),
                _ => {
                    self.report_bad_operands(op, place_ty, value_checked.ty, span);
                    None
                }
            }
        });
        StmtKind::Assign { place, op, value: value_checked }
    }

    /// The place an assignment writes, and its type; `None` (reported) if
    /// the target cannot be assigned.
    fn place(&mut self, target: &ast::Expr) -> Option<(Place, TypeId)> {
        match &target.kind {
            A::Name(name) => {
                if let Some(local) = self.lookup_local(name.name) {
                    return Some((Place::Local(local), self.body.locals[local].ty));
                }
                match self.items.values.get(&name.name).copied() {
                    Some(ValueItem::Global(g)) => Some((Place::Global(g), self.items.globals[g].ty)),
                    Some(ValueItem::Func(_)) => {
                        self.error(name.span, format!("cannot assign to function `{}`", name.name));
                        None
                    }
                    None => {
                        self.error(name.span, format!("cannot find `{}` in this scope", name.name));
                        None
                    }
                }
            }
            A::Field(..) | A::Index(..) => {
                let checked = self.expr(target, None);
                let ty = checked.ty;
                let place = match checked.kind {
                    ExprKind::Field { object, strukt, field } => Place::Field { object: *object, strukt, field },
                    ExprKind::Index { array, index } => Place::Index { array: *array, index: *index },
                    _ => return None,
                };
                Some((place, ty))
            }
            _ => {
                self.error(target.span, "cannot assign to this expression").label =
                    "assign to a variable, a field `p.f` or an element `a[i]`".into();
                None
            }
        }
    }
}
