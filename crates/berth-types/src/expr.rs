//! Expressions: literals, names, operators, fields, indexing and literals
//! that allocate. Calls of every kind are in [`crate::call`].

use berth_syntax::Span;
use berth_syntax::ast::{self, BinOp, ExprKind as A, UnOp};

use crate::checker::Checker;
use crate::hir::{ArithOp, BinaryOp, CmpOp, Expr, ExprKind, UnaryOp};
use crate::items::ValueItem;
use crate::types::{Ty, TypeId};

impl Checker {
    /// Checks `e`. `expected` is the type the context wants, if it knows:
    /// it gives `nil` and `[]` their types and is otherwise only a hint;
    /// use [`Checker::expr_as`] to require it.
    pub fn expr(&mut self, e: &ast::Expr, expected: Option<TypeId>) -> Expr {
        let span = e.span;
        let typed = |kind, ty| Expr { kind, ty, span };
        match &e.kind {
            A::Int(v) => typed(ExprKind::Int(*v), TypeId::INT),
            A::Float(v) => typed(ExprKind::Float(*v), TypeId::FLOAT),
            A::Str(s) => typed(ExprKind::Str(s.clone()), TypeId::STR),
            A::Bool(b) => typed(ExprKind::Bool(*b), TypeId::BOOL),
            A::Nil => {
                let ty = expected.filter(|&t| self.items.types.is_reference(t)).unwrap_or(TypeId::NIL);
                typed(ExprKind::Nil, ty)
            }
            A::Name(ident) => self.name(ident),
            A::Path { enum_name, variant } => self.enum_value(enum_name, variant, None, span),
            A::Unary(op, operand) => self.unary(*op, operand, span),
            A::Binary(op, a, b) => self.binary(*op, a, b, span),
            A::Call { callee, args } => self.call(callee, args, span),
            A::MethodCall { receiver, method, args } => self.method_call(receiver, method, args, span),
            A::Spawn(call) => self.spawn(call, span),
            A::Field(object, field) => self.field(object, field, span),
            A::Index(array, index) => {
                let array = self.expr(array, None);
                let index = self.expr_as(index, TypeId::INT, |_| "array indexes are `int`".into());
                let ty = match self.items.types.get(array.ty) {
                    Ty::Array(elem) => elem,
                    Ty::Error => TypeId::ERROR,
                    Ty::Str => {
                        self.error(array.span, "strings cannot be indexed").label =
                            "use `byte_at(s, i)` to read a byte".into();
                        TypeId::ERROR
                    }
                    _ => {
                        let ty = self.ty(array.ty);
                        self.error(array.span, format!("cannot index a value of type {ty}")).label =
                            "only arrays can be indexed".into();
                        TypeId::ERROR
                    }
                };
                typed(ExprKind::Index { array: Box::new(array), index: Box::new(index) }, ty)
            }
            A::StructLit { name, fields } => self.struct_literal(name, fields, span),
            A::ArrayLit(elems) => self.array_literal(elems, expected, span),
            A::ArrayRepeat { value, count } => {
                let elem_hint = expected.and_then(|t| self.items.types.element(t));
                let value = self.expr(value, elem_hint);
                let count = self.expr_as(count, TypeId::INT, |_| "the length of `[value; count]` is an `int`".into());
                let ty = self.array_type_of(value.ty, elem_hint, value.span);
                typed(ExprKind::ArrayRepeat { value: Box::new(value), count: Box::new(count) }, ty)
            }
            A::Error => Checker::error_expr(span),
        }
    }

    /// Checks `e` and requires its type to be assignable to `ty`; `why`
    /// explains where the expectation comes from.
    pub fn expr_as(&mut self, e: &ast::Expr, ty: TypeId, why: impl FnOnce(&Self) -> String) -> Expr {
        let mut checked = self.expr(e, Some(ty));
        self.require(&mut checked, ty, why);
        checked
    }

    /// Reports a mismatch unless `e` fits where `ty` is expected; a `nil`
    /// takes the reference type it is assigned to.
    pub fn require(&mut self, e: &mut Expr, ty: TypeId, why: impl FnOnce(&Self) -> String) {
        if e.ty == TypeId::UNIT && ty != TypeId::ERROR {
            self.error(e.span, "this expression has no value").label =
                "it calls a function that returns nothing".into();
        } else if !self.items.types.assignable(e.ty, ty) {
            let message = format!("mismatched types: expected {}, found {}", self.ty(ty), self.ty(e.ty));
            let label = why(self);
            self.error(e.span, message).label = label;
        } else if e.ty == TypeId::NIL {
            e.ty = ty;
        }
    }

    fn name(&mut self, ident: &ast::Ident) -> Expr {
        let span = ident.span;
        if let Some(local) = self.lookup_local(ident.name) {
            let ty = self.body.locals[local].ty;
            return Expr { kind: ExprKind::Local(local), ty, span };
        }
        match self.items.values.get(&ident.name).copied() {
            Some(ValueItem::Global(id)) => {
                if self.body.initialising.is_some_and(|current| id >= current) {
                    let d = self.error(span, format!("global `{}` is used before it is initialised", ident.name));
                    d.label = "it is declared at or after the global being initialised".into();
                    d.notes.push("globals are initialised in source order".into());
                }
                Expr { kind: ExprKind::Global(id), ty: self.items.globals[id].ty, span }
            }
            Some(ValueItem::Func(_)) => {
                self.error(span, format!("`{}` is a function, not a value", ident.name)).label =
                    format!("call it: `{}(...)`", ident.name);
                Checker::error_expr(span)
            }
            None => {
                let message = if crate::call::is_builtin(&ident.name) {
                    format!("`{}` is a built-in function, not a value", ident.name)
                } else if self.items.named_type(ident.name).is_some() {
                    format!("`{}` is a type, not a value", ident.name)
                } else {
                    format!("cannot find `{}` in this scope", ident.name)
                };
                let suggestion = self.suggest_value(&ident.name, false).unwrap_or_default();
                self.error(span, message).label = suggestion;
                Checker::error_expr(span)
            }
        }
    }

    fn unary(&mut self, op: UnOp, operand: &ast::Expr, span: Span) -> Expr {
        let operand = self.expr(operand, None);
        let (op, ty) = match (op, self.items.types.get(operand.ty)) {
            (_, Ty::Error) => return Checker::error_expr(span),
            (UnOp::Neg, Ty::Int) => (UnaryOp::NegInt, TypeId::INT),
            (UnOp::Neg, Ty::Float) => (UnaryOp::NegFloat, TypeId::FLOAT),
            (UnOp::Not, Ty::Bool) => (UnaryOp::Not, TypeId::BOOL),
            (op, _) => {
                let ty = self.ty(operand.ty);
                self.error(span, format!("cannot apply unary `{}` to {ty}", op.symbol())).label = match op {
                    UnOp::Neg => "`-` negates `int` and `float` values".into(),
                    UnOp::Not => "`!` negates `bool` values".into(),
                };
                return Checker::error_expr(span);
            }
        };
        Expr { kind: ExprKind::Unary(op, Box::new(operand)), ty, span }
    }

    fn binary(&mut self, op: BinOp, a: &ast::Expr, b: &ast::Expr, span: Span) -> Expr {
        if matches!(op, BinOp::And | BinOp::Or) {
            let why = |_: &Self| format!("the operands of `{}` are `bool`", op.symbol());
            let a = Box::new(self.expr_as(a, TypeId::BOOL, why));
            let b = Box::new(self.expr_as(b, TypeId::BOOL, why));
            let kind = if op == BinOp::And { ExprKind::And(a, b) } else { ExprKind::Or(a, b) };
            return Expr { kind, ty: TypeId::BOOL, span };
        }
        let mut lhs = self.expr(a, None);
        let mut rhs = self.expr(b, Some(lhs.ty));
        // `nil == p`: the nil takes the other side's type.
        if lhs.ty == TypeId::NIL && self.items.types.is_reference(rhs.ty) {
            lhs.ty = rhs.ty;
        }
        if rhs.ty == TypeId::NIL && self.items.types.is_reference(lhs.ty) {
            rhs.ty = lhs.ty;
        }
        if lhs.ty == TypeId::ERROR || rhs.ty == TypeId::ERROR {
            return Checker::error_expr(span);
        }
        match self.binary_op(op, lhs.ty, rhs.ty) {
            Some((op, ty)) => Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), ty, span },
            None => {
                self.report_bad_operands(op, lhs.ty, rhs.ty, span);
                Checker::error_expr(span)
            }
        }
    }

    /// The typed operator and result type of `lhs op rhs`, if the operand
    /// types allow it. Used for compound assignment as well.
    pub fn binary_op(&self, op: BinOp, lhs: TypeId, rhs: TypeId) -> Option<(BinaryOp, TypeId)> {
        let types = &self.items.types;
        if op.is_comparison() {
            let cmp = cmp_op(op);
            let equality = matches!(cmp, CmpOp::Eq | CmpOp::Ne);
            let typed = match (types.get(lhs), types.get(rhs)) {
                _ if lhs != rhs => {
                    // Only `nil` compares with a different type: any reference.
                    let nil_vs_ref = (lhs == TypeId::NIL && types.is_reference(rhs))
                        || (rhs == TypeId::NIL && types.is_reference(lhs));
                    (equality && nil_vs_ref).then_some(BinaryOp::RefCmp(cmp))
                }
                (Ty::Int, _) => Some(BinaryOp::IntCmp(cmp)),
                (Ty::Float, _) => Some(BinaryOp::FloatCmp(cmp)),
                (Ty::Str, _) => Some(BinaryOp::StrCmp(cmp)),
                (Ty::Bool, _) if equality => Some(BinaryOp::BoolCmp(cmp)),
                (Ty::Struct(_) | Ty::Array(_) | Ty::Nil, _) if equality => Some(BinaryOp::RefCmp(cmp)),
                _ => None,
            };
            return typed.map(|op| (op, TypeId::BOOL));
        }
        if lhs != rhs {
            return None;
        }
        let arith = match op {
            BinOp::Add => ArithOp::Add,
            BinOp::Sub => ArithOp::Sub,
            BinOp::Mul => ArithOp::Mul,
            BinOp::Div => ArithOp::Div,
            BinOp::Rem => ArithOp::Rem,
            _ => return None,
        };
        match types.get(lhs) {
            Ty::Int => Some((BinaryOp::Int(arith), lhs)),
            Ty::Float => Some((BinaryOp::Float(arith), lhs)),
            Ty::Str if arith == ArithOp::Add => Some((BinaryOp::Concat, lhs)),
            _ => None,
        }
    }

    pub fn report_bad_operands(&mut self, op: BinOp, lhs: TypeId, rhs: TypeId, span: Span) {
        let (l, r) = (self.ty(lhs), self.ty(rhs));
        let message = if lhs == rhs {
            format!("cannot apply `{}` to two values of type {l}", op.symbol())
        } else {
            format!("cannot apply `{}` to {l} and {r}", op.symbol())
        };
        let label = match op {
            BinOp::Eq | BinOp::Ne => {
                "`==` compares int, float, bool and str values, references of one type, and anything with `nil`; \
                 match on enums"
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => "ordering compares two ints, two floats or two strings",
            BinOp::Add => {
                "`+` adds two ints or two floats, or joins two strings; convert with `int()`, `float()`, `str()`"
            }
            _ => "arithmetic needs two ints or two floats; convert with `int()` or `float()`",
        };
        self.error(span, message).label = label.into();
    }

    fn field(&mut self, object: &ast::Expr, field: &ast::Ident, span: Span) -> Expr {
        let object = self.expr(object, None);
        let strukt = match self.items.types.get(object.ty) {
            Ty::Struct(s) => s,
            Ty::Error => return Checker::error_expr(span),
            Ty::Array(_) | Ty::Str if field.name == "len" => {
                self.error(field.span, "`len` is not a field").label = "write `len(x)` or `x.len()`".into();
                return Checker::error_expr(span);
            }
            _ => {
                let ty = self.ty(object.ty);
                self.error(field.span, format!("type {ty} has no fields")).label =
                    "only struct values have fields".into();
                return Checker::error_expr(span);
            }
        };
        let def = &self.items.structs[strukt];
        let Some(index) = def.fields.iter().position(|f| f.name == field.name) else {
            let names: Vec<String> = def.fields.iter().map(|f| format!("`{}`", f.name)).collect();
            let message = format!("struct `{}` has no field `{}`", def.name, field.name);
            let label = if names.is_empty() {
                format!("`{}` has no fields", def.name)
            } else {
                format!("its fields are {}", names.join(", "))
            };
            self.error(field.span, message).label = label;
            return Checker::error_expr(span);
        };
        let ty = def.fields[index].ty;
        Expr { kind: ExprKind::Field { object: Box::new(object), strukt, field: index as u32 }, ty, span }
    }

    fn struct_literal(&mut self, name: &ast::Ident, fields: &[ast::FieldInit], span: Span) -> Expr {
        let Some(strukt) = self.items.struct_by_name(name.name) else {
            let message = if self.items.enum_by_name(name.name).is_some() {
                format!("`{}` is an enum, not a struct", name.name)
            } else {
                format!("unknown struct `{}`", name.name)
            };
            let suggestion = self.items.suggest_type(&name.name).unwrap_or_default();
            self.error(name.span, message).label = suggestion;
            for f in fields {
                self.expr(&f.value, None);
            }
            return Checker::error_expr(span);
        };
        let field_count = self.items.structs[strukt].fields.len();
        let mut set = vec![false; field_count];
        let mut values = Vec::with_capacity(fields.len());
        for f in fields {
            let def = &self.items.structs[strukt];
            let Some(index) = def.fields.iter().position(|d| d.name == f.name.name) else {
                let message = format!("struct `{}` has no field `{}`", def.name, f.name.name);
                self.error(f.name.span, message);
                self.expr(&f.value, None);
                continue;
            };
            let ty = def.fields[index].ty;
            if std::mem::replace(&mut set[index], true) {
                self.error(f.name.span, format!("field `{}` is set twice", f.name.name));
            }
            let value = self
                .expr_as(&f.value, ty, |c| format!("field `{}` of `{}` has type {}", f.name.name, name.name, c.ty(ty)));
            values.push((index as u32, value));
        }
        let def = &self.items.structs[strukt];
        let missing: Vec<String> =
            def.fields.iter().zip(&set).filter(|(_, set)| !**set).map(|(f, _)| format!("`{}`", f.name)).collect();
        if !missing.is_empty() {
            let (noun, list) =
                if missing.len() == 1 { ("field", missing[0].clone()) } else { ("fields", missing.join(", ")) };
            let message = format!("missing {noun} {list} in literal of struct `{}`", name.name);
            self.error(name.span, message).label = "every field must be set".into();
        }
        Expr {
            kind: ExprKind::StructLit { strukt, fields: values },
            ty: self.items.types.intern(Ty::Struct(strukt)),
            span,
        }
    }

    fn array_literal(&mut self, elems: &[ast::Expr], expected: Option<TypeId>, span: Span) -> Expr {
        let mut elem_ty = expected.and_then(|t| self.items.types.element(t));
        let mut values = Vec::with_capacity(elems.len());
        for e in elems {
            let mut value = self.expr(e, elem_ty);
            match elem_ty {
                Some(ty) => self.require(&mut value, ty, |c| format!("the array's elements have type {}", c.ty(ty))),
                None if value.ty != TypeId::NIL && value.ty != TypeId::UNIT => elem_ty = Some(value.ty),
                None => {}
            }
            values.push(value);
        }
        // Earlier `nil` elements take the type found later.
        if let Some(ty) = elem_ty {
            for value in values.iter_mut().filter(|v| v.ty == TypeId::NIL) {
                self.require(value, ty, |_| String::new());
            }
        }
        let ty = match elem_ty {
            Some(elem) if elem == TypeId::ERROR => TypeId::ERROR,
            Some(elem) => self.items.types.array_of(elem),
            None => {
                self.error(span, "cannot infer the element type of this array").label =
                    "give the variable a type, e.g. `let a: [int] = [];`".into();
                TypeId::ERROR
            }
        };
        Expr { kind: ExprKind::ArrayLit(values), ty, span }
    }

    /// The type of `[value; n]` given the value's type (and the context's
    /// element type, which types a `nil` value).
    fn array_type_of(&mut self, value: TypeId, hint: Option<TypeId>, span: Span) -> TypeId {
        match value {
            TypeId::ERROR => TypeId::ERROR,
            TypeId::NIL | TypeId::UNIT => match hint {
                Some(elem) if value == TypeId::NIL && self.items.types.is_reference(elem) => {
                    self.items.types.array_of(elem)
                }
                _ => {
                    self.error(span, "cannot infer the element type of this array").label =
                        "give the variable a type, e.g. `let a: [Point] = [nil; 4];`".into();
                    TypeId::ERROR
                }
            },
            elem => self.items.types.array_of(elem),
        }
    }
}

fn cmp_op(op: BinOp) -> CmpOp {
    match op {
        BinOp::Eq => CmpOp::Eq,
        BinOp::Ne => CmpOp::Ne,
        BinOp::Lt => CmpOp::Lt,
        BinOp::Le => CmpOp::Le,
        BinOp::Gt => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}
