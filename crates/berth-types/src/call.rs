//! Calls: of program functions, of built-ins (also in method form,
//! `a.push(x)`), of enum variants with payloads, and `spawn`.

use berth_syntax::Span;
use berth_syntax::ast::{self, ExprKind as A};

use crate::checker::Checker;
use crate::hir::{Builtin, Expr, ExprKind, FuncId};
use crate::items::ValueItem;
use crate::patterns::values;
use crate::types::{EnumId, Ty, TypeId};

/// Names of the built-in functions; programs may not define these.
pub const BUILTIN_FUNCTIONS: [&str; 19] = [
    "print",
    "println",
    "len",
    "push",
    "pop",
    "substr",
    "byte_at",
    "parse_int",
    "log",
    "send",
    "join",
    "list_dir",
    "read_dir",
    "clock_ns",
    "assert",
    "panic",
    "int",
    "float",
    "str",
];

/// The built-ins that may also be called as methods: `a.push(x)` is
/// `push(a, x)`.
const METHODS: [&str; 4] = ["push", "pop", "len", "join"];

pub fn is_builtin(name: &str) -> bool {
    BUILTIN_FUNCTIONS.contains(&name)
}

impl Checker {
    pub fn call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> Expr {
        match &callee.kind {
            A::Name(name) => {
                if let Some(local) = self.lookup_local(name.name) {
                    let ty = self.ty(self.body.locals[local].ty);
                    self.error(name.span, format!("`{}` is a variable of type {ty}, not a function", name.name));
                    return self.discard_args(args, span);
                }
                match self.items.values.get(&name.name).copied() {
                    Some(ValueItem::Func(f)) => {
                        let (args, ty) = self.user_call(f, name, args, span);
                        Expr { kind: ExprKind::Call(f, args), ty, span }
                    }
                    Some(ValueItem::Global(g)) => {
                        let ty = self.ty(self.items.globals[g].ty);
                        self.error(name.span, format!("`{}` is a global of type {ty}, not a function", name.name));
                        self.discard_args(args, span)
                    }
                    None if is_builtin(&name.name) => {
                        let args: Vec<&ast::Expr> = args.iter().collect();
                        self.builtin(&name.name, &args, span)
                    }
                    None => {
                        let message = if self.items.struct_by_name(name.name).is_some() {
                            format!(
                                "`{}` is a struct, not a function; build one with `{} {{ ... }}`",
                                name.name, name.name
                            )
                        } else {
                            format!("cannot find function `{}`", name.name)
                        };
                        let suggestion = self.suggest_value(&name.name, true).unwrap_or_default();
                        self.error(name.span, message).label = suggestion;
                        self.discard_args(args, span)
                    }
                }
            }
            A::Path { enum_name, variant } => self.enum_value(enum_name, variant, Some(args), span),
            _ => {
                let callee = self.expr(callee, None);
                if callee.ty != TypeId::ERROR {
                    self.error(callee.span, "only functions can be called").label =
                        "call a function by its name: `f(...)`".into();
                }
                self.discard_args(args, span)
            }
        }
    }

    pub fn method_call(&mut self, receiver: &ast::Expr, method: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        if METHODS.contains(&method.name.as_str()) {
            let all: Vec<&ast::Expr> = std::iter::once(receiver).chain(args).collect();
            return self.builtin(&method.name, &all, span);
        }
        let object = self.expr(receiver, None);
        if object.ty != TypeId::ERROR {
            let ty = self.ty(object.ty);
            let is_field = match self.items.types.get(object.ty) {
                Ty::Struct(s) => self.items.structs[s].fields.iter().any(|f| f.name == method.name),
                _ => false,
            };
            let d = self.error(method.span, format!("no method `{}` on type {ty}", method.name));
            d.label = "Berth has no methods besides `push`, `pop`, `len` and `join`".into();
            if is_field {
                d.notes.push(format!("`{}` is a field; functions are not values", method.name));
            }
        }
        self.discard_args(args, span)
    }

    pub fn spawn(&mut self, call: &ast::Expr, span: Span) -> Expr {
        let target = match &call.kind {
            A::Call { callee, args } => match &callee.kind {
                A::Name(name) if self.lookup_local(name.name).is_none() => match self.items.values.get(&name.name) {
                    Some(&ValueItem::Func(f)) => Some((f, name, args)),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        let Some((f, name, args)) = target else {
            self.error(span, "`spawn` needs a call of a function of this program").label =
                "write `spawn worker(a, b)`".into();
            if let A::Call { args, .. } = &call.kind {
                return self.discard_args(args, span);
            }
            return Checker::error_expr(span);
        };
        let (args, _) = self.user_call(f, name, args, call.span);
        Expr { kind: ExprKind::Spawn(f, args), ty: TypeId::THREAD, span }
    }

    fn user_call(&mut self, f: FuncId, name: &ast::Ident, args: &[ast::Expr], span: Span) -> (Vec<Expr>, TypeId) {
        let params = self.items.funcs[f].params.clone();
        let ret = self.items.funcs[f].ret;
        if params.len() != args.len() {
            self.arity_error(&name.name, params.len(), args.len(), span);
            self.discard_args(args, span);
            return (Vec::new(), if ret == TypeId::UNIT { ret } else { TypeId::ERROR });
        }
        let checked = args
            .iter()
            .zip(&params)
            .map(|(arg, (param, ty, _))| {
                self.expr_as(arg, *ty, |c| format!("parameter `{param}` of `{}` has type {}", name.name, c.ty(*ty)))
            })
            .collect();
        (checked, ret)
    }

    fn arity_error(&mut self, name: &str, want: usize, got: usize, span: Span) {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let were = if got == 1 { "was" } else { "were" };
        self.error(span, format!("`{name}` takes {want} argument{}, but {got} {were} given", plural(want)));
    }

    /// Checks arguments of a call that already failed, for their own errors.
    fn discard_args(&mut self, args: &[ast::Expr], span: Span) -> Expr {
        for arg in args {
            self.expr(arg, None);
        }
        Checker::error_expr(span)
    }

    /// `Enum::Variant` (with `args` when called).
    pub fn enum_value(
        &mut self,
        enum_name: &ast::Ident,
        variant: &ast::Ident,
        args: Option<&[ast::Expr]>,
        span: Span,
    ) -> Expr {
        let Some((enum_id, index)) = self.resolve_variant(enum_name, variant) else {
            self.discard_args(args.unwrap_or_default(), span);
            return Checker::error_expr(span);
        };
        let payload_types = self.items.enums[enum_id].variants[index as usize].payload.clone();
        let path = format!("{}::{}", enum_name.name, variant.name);
        let payload = match args {
            None if !payload_types.is_empty() => {
                let n = payload_types.len();
                self.error(span, format!("`{path}` holds {}", values(n))).label =
                    format!("write `{path}({})`", vec!["..."; n].join(", "));
                return Checker::error_expr(span);
            }
            None => Vec::new(),
            Some(args) if args.len() != payload_types.len() => {
                let (n, given) = (payload_types.len(), args.len());
                let were = if given == 1 { "was" } else { "were" };
                self.error(span, format!("`{path}` holds {}, but {given} {were} given", values(n)));
                return self.discard_args(args, span);
            }
            Some(args) => args
                .iter()
                .zip(&payload_types)
                .map(|(arg, &ty)| self.expr_as(arg, ty, |c| format!("`{path}` holds a {}", c.ty(ty))))
                .collect(),
        };
        Expr {
            kind: ExprKind::EnumLit { enum_id, variant: index, payload },
            ty: self.items.types.intern(Ty::Enum(enum_id)),
            span,
        }
    }

    /// Looks up `Enum::Variant`, reporting what is unknown.
    pub fn resolve_variant(&mut self, enum_name: &ast::Ident, variant: &ast::Ident) -> Option<(EnumId, u32)> {
        let Some(enum_id) = self.items.enum_by_name(enum_name.name) else {
            let message = if self.items.struct_by_name(enum_name.name).is_some() {
                format!("`{}` is a struct, not an enum", enum_name.name)
            } else {
                format!("unknown enum `{}`", enum_name.name)
            };
            self.error(enum_name.span, message);
            return None;
        };
        let def = &self.items.enums[enum_id];
        match def.variants.iter().position(|v| v.name == variant.name) {
            Some(index) => Some((enum_id, index as u32)),
            None => {
                let names: Vec<String> = def.variants.iter().map(|v| format!("`{}`", v.name)).collect();
                let message = format!("enum `{}` has no variant `{}`", def.name, variant.name);
                let label = format!("its variants are {}", names.join(", "));
                self.error(variant.span, message).label = label;
                None
            }
        }
    }

    fn builtin(&mut self, name: &str, args: &[&ast::Expr], span: Span) -> Expr {
        let (builtin, args, ty) = match name {
            "print" | "println" => {
                let values = args.iter().map(|a| self.printable(a, name)).collect();
                let b = if name == "print" { Builtin::Print } else { Builtin::Println };
                (b, values, TypeId::UNIT)
            }
            "len" => {
                let Some([value]) = self.arity::<1>(name, args, span) else {
                    return Checker::error_expr(span);
                };
                let b = match self.items.types.get(value.ty) {
                    Ty::Array(_) => Builtin::ArrayLen,
                    Ty::Str => Builtin::StrLen,
                    Ty::Error => return Checker::error_expr(span),
                    _ => {
                        let ty = self.ty(value.ty);
                        self.error(value.span, format!("`len` needs an array or a string, found {ty}"));
                        return Checker::error_expr(span);
                    }
                };
                (b, vec![value], TypeId::INT)
            }
            "push" => {
                let [array, value] = match args {
                    [array, value] => [*array, *value],
                    _ => {
                        self.arity_error(name, 2, args.len(), span);
                        return self.discard_refs(args, span);
                    }
                };
                let array = self.expr(array, None);
                let Some(elem) = self.array_operand(&array, name) else {
                    self.expr(value, None);
                    return Checker::error_expr(span);
                };
                let value = self.expr_as(value, elem, |c| format!("the array holds {} values", c.ty(elem)));
                (Builtin::Push, vec![array, value], TypeId::UNIT)
            }
            "pop" => {
                let Some([array]) = self.arity::<1>(name, args, span) else {
                    return Checker::error_expr(span);
                };
                let Some(elem) = self.array_operand(&array, name) else {
                    return Checker::error_expr(span);
                };
                (Builtin::Pop, vec![array], elem)
            }
            "substr" => self.fixed(Builtin::Substr, &[TypeId::STR, TypeId::INT, TypeId::INT], TypeId::STR, args, span),
            "byte_at" => self.fixed(Builtin::ByteAt, &[TypeId::STR, TypeId::INT], TypeId::INT, args, span),
            "parse_int" => self.fixed(Builtin::ParseInt, &[TypeId::STR], TypeId::INT, args, span),
            "join" => self.fixed(Builtin::Join, &[TypeId::THREAD], TypeId::UNIT, args, span),
            "list_dir" => {
                let strs = self.items.types.array_of(TypeId::STR);
                self.fixed(Builtin::ListDir, &[TypeId::STR], strs, args, span)
            }
            "clock_ns" => self.fixed(Builtin::ClockNs, &[], TypeId::INT, args, span),
            "assert" => self.fixed(Builtin::Assert, &[TypeId::BOOL], TypeId::UNIT, args, span),
            "panic" => self.fixed(Builtin::Panic, &[TypeId::STR], TypeId::UNIT, args, span),
            "log" | "send" => {
                let Some([value]) = self.arity::<1>(name, args, span) else {
                    return Checker::error_expr(span);
                };
                if value.ty == TypeId::UNIT {
                    self.error(value.span, "this expression has no value");
                }
                let b = if name == "log" { Builtin::Log } else { Builtin::Send };
                (b, vec![value], TypeId::UNIT)
            }
            "read_dir" => {
                self.error(span, "`read_dir` can only be used as `for name in read_dir(path) { ... }`").label =
                    "use `list_dir(path)` for an array of names".into();
                return self.discard_refs(args, span);
            }
            "int" | "float" | "str" => return self.conversion(name, args, span),
            _ => unreachable!("`{name}` is listed in BUILTIN_FUNCTIONS"),
        };
        Expr { kind: ExprKind::Builtin(builtin, args), ty, span }
    }

    /// `int(x)`, `float(x)`, `str(x)`. Converting a value to its own type
    /// (`int(3)`) is allowed and does nothing.
    fn conversion(&mut self, name: &str, args: &[&ast::Expr], span: Span) -> Expr {
        let Some([value]) = self.arity::<1>(name, args, span) else {
            return Checker::error_expr(span);
        };
        let from = self.items.types.get(value.ty);
        let (builtin, ty) = match (name, from) {
            (_, Ty::Error) => return Checker::error_expr(span),
            ("int", Ty::Int) | ("float", Ty::Float) => return value,
            ("int", Ty::Float) => (Builtin::IntOfFloat, TypeId::INT),
            ("float", Ty::Int) => (Builtin::FloatOfInt, TypeId::FLOAT),
            ("str", Ty::Int) => (Builtin::StrOfInt, TypeId::STR),
            ("str", Ty::Float) => (Builtin::StrOfFloat, TypeId::STR),
            ("str", Ty::Bool) => (Builtin::StrOfBool, TypeId::STR),
            _ => {
                let ty = self.ty(value.ty);
                let accepts = if name == "str" { "an int, float or bool" } else { "an int or a float" };
                self.error(value.span, format!("`{name}` converts {accepts}, not {ty}"));
                return Checker::error_expr(span);
            }
        };
        Expr { kind: ExprKind::Builtin(builtin, vec![value]), ty, span }
    }

    /// A built-in with a fixed signature.
    fn fixed(
        &mut self,
        builtin: Builtin,
        params: &[TypeId],
        ret: TypeId,
        args: &[&ast::Expr],
        span: Span,
    ) -> (Builtin, Vec<Expr>, TypeId) {
        let name = builtin.name();
        if args.len() != params.len() {
            self.arity_error(name, params.len(), args.len(), span);
            self.discard_refs(args, span);
            return (builtin, Vec::new(), TypeId::ERROR);
        }
        let checked = args
            .iter()
            .zip(params)
            .enumerate()
            .map(|(i, (arg, &ty))| self.expr_as(arg, ty, |c| format!("argument {} of `{name}` is {}", i + 1, c.ty(ty))))
            .collect();
        (builtin, checked, ret)
    }

    /// Checks exactly `N` arguments of any type.
    fn arity<const N: usize>(&mut self, name: &str, args: &[&ast::Expr], span: Span) -> Option<[Expr; N]> {
        if args.len() != N {
            self.arity_error(name, N, args.len(), span);
            self.discard_refs(args, span);
            return None;
        }
        let checked: Vec<Expr> = args.iter().map(|a| self.expr(a, None)).collect();
        if checked.iter().any(|e| e.ty == TypeId::ERROR) {
            return None;
        }
        checked.try_into().ok()
    }

    fn discard_refs(&mut self, args: &[&ast::Expr], span: Span) -> Expr {
        for arg in args {
            self.expr(arg, None);
        }
        Checker::error_expr(span)
    }

    /// The element type of the array operand of `push`/`pop`.
    fn array_operand(&mut self, array: &Expr, name: &str) -> Option<TypeId> {
        match self.items.types.get(array.ty) {
            Ty::Array(elem) => Some(elem),
            Ty::Error => None,
            _ => {
                let ty = self.ty(array.ty);
                self.error(array.span, format!("`{name}` needs an array, found {ty}"));
                None
            }
        }
    }

    fn printable(&mut self, arg: &ast::Expr, name: &str) -> Expr {
        let value = self.expr(arg, None);
        match self.items.types.get(value.ty) {
            Ty::Int | Ty::Float | Ty::Bool | Ty::Str | Ty::Error => {}
            _ => {
                let ty = self.ty(value.ty);
                self.error(value.span, format!("`{name}` prints int, float, bool and str values, not {ty}")).label =
                    "use `log(x)` to render other values, or `str(x)` to convert numbers".into();
            }
        }
        value
    }
}
