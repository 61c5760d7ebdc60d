//! Expressions of a requested type.
//!
//! Every expression is built for a type and is well-typed by construction.
//! Safety by construction: divisors are `(e % 7 + 8)` (never zero), string
//! concatenations of anything but literals go through `cap` (at most 40
//! bytes, so no string can double its way to exhausting memory), fields
//! are read only through non-nil roots, arrays are indexed only in
//! statements guarded by a length check (see `stmt.rs`), `substr` bounds are
//! derived from the string's own length, and every call charges the
//! callee's cost to the caller's budget.
//!
//! A *fresh* expression reaches only objects it creates itself (struct and
//! array literals, calls of functions that touch no global with fresh
//! arguments, value-typed variables). Those are what threads and the outbox
//! may be given.

use crate::program::{Gen, Role};
use crate::scope::{FnCtx, Var, VarState};
use crate::types::Ty;

#[derive(Clone, Copy)]
pub struct EOpts {
    /// How many more levels of operators/calls/literals may nest.
    pub depth: u32,
    /// The value must reach only objects this expression creates.
    pub fresh: bool,
    /// In a condition or `match` scrutinee: struct literals get parentheses.
    pub cond: bool,
    /// The context gives `[]` and `nil` a type.
    pub typed: bool,
}

impl EOpts {
    pub fn new(depth: u32) -> EOpts {
        EOpts { depth, fresh: false, cond: false, typed: true }
    }

    pub fn fresh(depth: u32) -> EOpts {
        EOpts { fresh: true, ..EOpts::new(depth) }
    }

    pub fn cond(depth: u32) -> EOpts {
        EOpts { cond: true, ..EOpts::new(depth) }
    }

    pub fn untyped(self) -> EOpts {
        EOpts { typed: false, ..self }
    }

    fn sub(self) -> EOpts {
        EOpts { depth: self.depth.saturating_sub(1), typed: true, ..self }
    }
}

/// Parenthesises an operand unless it is atomic (a name, path, call,
/// literal without sign, or already bracketed).
pub fn paren(e: String) -> String {
    if e.starts_with('-') {
        return format!("({e})");
    }
    let mut depth = 0i32;
    let mut in_str = false;
    let mut escaped = false;
    for c in e.chars() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ' ' if depth == 0 => return format!("({e})"),
            _ => {}
        }
    }
    e
}

const SHORT_STRS: [&str; 10] = ["a", "xy", "node", "k", "hello", "", "b-7", "ok", "tab\\t", "q\\\"x"];
const LONG_STRS: [&str; 5] = [
    "a longer string that lives on the heap",
    "sixteen bytes!!!",
    "0123456789abcdefghij",
    "escape analysis decides",
    "line\\nbreak inside a long literal",
];
const FLOATS: [&str; 10] = ["0.5", "1.5", "2.25", "3.0", "0.1", "100.0", "1e3", "2.5e-3", "7.75", "-1.5"];

impl Gen {
    pub fn expr(&mut self, cx: &mut FnCtx, ty: &Ty, o: EOpts) -> String {
        match ty {
            Ty::Int => self.int_expr(cx, o),
            Ty::Float => self.float_expr(cx, o),
            Ty::Bool => self.bool_expr(cx, o),
            Ty::Str => self.str_expr(cx, o),
            Ty::Struct(i, nn) => self.struct_expr(cx, *i, *nn, o),
            Ty::Array(e) => self.array_expr(cx, e, o),
            Ty::Enum(i) => self.enum_expr(cx, *i, o),
            Ty::Thread => unreachable!("no thread expressions"),
        }
    }

    // ----- what is in reach -------------------------------------------------

    /// Non-nil struct values whose fields may be read or written here:
    /// (path, struct index). Variables, globals (when permitted) and one
    /// level of their non-nil fields.
    pub fn roots(&self, cx: &FnCtx) -> Vec<(String, usize)> {
        let mut r = vec![];
        for v in cx.visible() {
            if matches!(v.state, VarState::Live | VarState::ReadOnly)
                && let Ty::Struct(i, true) = v.ty
            {
                r.push((v.name, i));
            }
        }
        if cx.perms.globals {
            for g in &self.globals {
                if let Ty::Struct(i, true) = g.ty {
                    r.push((g.name.clone(), i));
                }
            }
        }
        let direct = r.len();
        for k in 0..direct {
            let (p, i) = r[k].clone();
            for f in &self.types.structs[i].fields {
                if let Ty::Struct(j, true) = f.ty {
                    r.push((format!("{p}.{}", f.name), j));
                }
            }
        }
        r
    }

    /// Readable values (variables, globals, fields of roots) whose type satisfies `pred`.
    pub fn reachable(&self, cx: &FnCtx, pred: impl Fn(&Ty) -> bool) -> Vec<(String, Ty)> {
        let readable = |v: &Var| matches!(v.state, VarState::Live | VarState::ReadOnly);
        self.named(cx, readable, pred)
    }

    /// Assignable places whose type satisfies `pred`: live variables,
    /// globals (when permitted) and fields of roots.
    pub fn places(&self, cx: &FnCtx, pred: impl Fn(&Ty) -> bool) -> Vec<(String, Ty)> {
        self.named(cx, |v: &Var| v.state == VarState::Live && v.ty != Ty::Thread, pred)
    }

    /// The variables `var_ok` accepts, the globals (when permitted) and the
    /// fields of roots, whose type satisfies `pred`.
    fn named(&self, cx: &FnCtx, var_ok: impl Fn(&Var) -> bool, pred: impl Fn(&Ty) -> bool) -> Vec<(String, Ty)> {
        let mut out = vec![];
        for v in cx.visible() {
            if var_ok(&v) && pred(&v.ty) {
                out.push((v.name, v.ty));
            }
        }
        if cx.perms.globals {
            for g in &self.globals {
                if pred(&g.ty) {
                    out.push((g.name.clone(), g.ty.clone()));
                }
            }
        }
        for (p, i) in self.roots(cx) {
            for f in &self.types.structs[i].fields {
                if pred(&f.ty) {
                    out.push((format!("{p}.{}", f.name), f.ty.clone()));
                }
            }
        }
        out
    }

    /// Picks one of `xs`, recording a global access when its path starts at a global.
    pub fn choose(&mut self, cx: &mut FnCtx, xs: &[(String, Ty)]) -> (String, Ty) {
        let (s, t) = self.rng.pick(xs).clone();
        touch(cx, &s);
        (s, t)
    }

    /// A readable value accepted by `ty`, if any (never for fresh non-values).
    fn source(&mut self, cx: &mut FnCtx, ty: &Ty, o: EOpts) -> Option<String> {
        if o.fresh && !self.types.is_value(ty) {
            return None;
        }
        let xs = self.reachable(cx, |t| ty.accepts(t));
        if xs.is_empty() { None } else { Some(self.choose(cx, &xs).0) }
    }

    /// Functions whose result `ty` accepts and which may be called here.
    fn callees(&self, cx: &FnCtx, ty: Option<&Ty>, o: EOpts) -> Vec<usize> {
        (0..self.funcs.len())
            .filter(|&k| {
                let f = &self.funcs[k];
                matches!(f.role, Role::Factory | Role::Helper | Role::Worker)
                    && match (ty, &f.ret) {
                        (Some(t), Some(r)) => t.accepts(r),
                        (Some(_), None) => false,
                        (None, _) => true,
                    }
                    && cx.perms.allows(&f.effects)
                    && cx.affords(f.cost + 1)
                    && !(o.fresh && f.effects.globals)
                    && !f.params.iter().any(|(_, t)| *t == Ty::Thread)
            })
            .collect()
    }

    /// A call of function `k`, charging its cost.
    pub fn call(&mut self, cx: &mut FnCtx, k: usize, o: EOpts) -> String {
        let f = self.funcs[k].clone();
        cx.charge(f.cost + 1);
        cx.effects.merge(&f.effects);
        let mut args = vec![];
        for (i, (_, t)) in f.params.iter().enumerate() {
            match f.fuel {
                Some((fi, max)) if fi == i => args.push(self.rng.range(0, max).to_string()),
                _ => args.push(self.expr(cx, t, o.sub())),
            }
        }
        format!("{}({})", f.name, args.join(", "))
    }

    /// A call of a random suitable function returning `ty` (or anything, for `None`).
    pub fn some_call(&mut self, cx: &mut FnCtx, ty: Option<&Ty>, o: EOpts) -> Option<String> {
        let cs = self.callees(cx, ty, o);
        if cs.is_empty() {
            return None;
        }
        let k = *self.rng.pick(&cs);
        Some(self.call(cx, k, o))
    }

    /// The recursive call of the function being generated, when allowed here.
    fn self_call(&mut self, cx: &mut FnCtx, ty: &Ty, o: EOpts) -> Option<String> {
        let sc = cx.self_call.clone()?;
        if o.fresh || cx.self_calls_left == 0 || cx.loops > 0 || !sc.ret.as_ref().is_some_and(|r| ty.accepts(r)) {
            return None;
        }
        Some(self.self_call_text(cx, &sc, o))
    }

    pub fn self_call_text(&mut self, cx: &mut FnCtx, sc: &crate::scope::SelfCall, o: EOpts) -> String {
        cx.self_calls_left -= 1;
        let mut args = vec![];
        for (i, (name, t)) in sc.params.iter().enumerate() {
            if i == sc.fuel {
                args.push(format!("{name} - 1"));
            } else {
                args.push(self.expr(cx, t, o.sub()));
            }
        }
        format!("{}({})", sc.name, args.join(", "))
    }

    /// Values a walker can hash: (path, type), including sent (frozen) variables.
    fn walkable(&self, cx: &FnCtx) -> Vec<(String, Ty)> {
        let mut out: Vec<(String, Ty)> = cx
            .visible()
            .into_iter()
            .filter(|v| v.state != VarState::Hidden && v.ty != Ty::Thread && !v.ty.is_scalar())
            .map(|v| (v.name, v.ty))
            .collect();
        if cx.perms.globals {
            out.extend(self.globals.iter().filter(|g| !g.ty.is_scalar()).map(|g| (g.name.clone(), g.ty.clone())));
        }
        out
    }

    /// An int hashing `e` (of type `ty`) by walking it `d` levels deep.
    pub fn hash_of(&self, ty: &Ty, e: &str, d: &str) -> String {
        match ty {
            Ty::Int => e.to_string(),
            Ty::Float => format!("int({} * 16.0)", paren(e.to_string())),
            Ty::Bool => format!("b2i({e})"),
            Ty::Str => format!("hs({e})"),
            Ty::Struct(..) | Ty::Enum(_) | Ty::Array(_) => format!("{}({e}, {d})", self.walker(ty)),
            Ty::Thread => "0".into(),
        }
    }

    pub fn walker(&self, ty: &Ty) -> String {
        match ty {
            Ty::Array(e) => format!("cka_{}", self.types.name(e)),
            _ => format!("ck_{}", self.types.name(ty)),
        }
    }

    /// A walk of some reachable value, as deep as the budget allows.
    fn walk_expr(&mut self, cx: &mut FnCtx) -> Option<String> {
        let xs = self.walkable(cx);
        if xs.is_empty() {
            return None;
        }
        let (e, ty) = self.choose(cx, &xs);
        let mut d = self.rng.range(1, 3) as usize;
        while d > 0 && !cx.affords(5 * self.types.walk_cost(&ty, d)) {
            d -= 1;
        }
        if d == 0 {
            return None;
        }
        cx.charge(5 * self.types.walk_cost(&ty, d));
        Some(self.hash_of(&ty, &e, &d.to_string()))
    }

    // ----- scalars ---------------------------------------------------------

    pub fn int_lit(&mut self) -> String {
        match self.rng.weighted(&[12, 2, 1]) {
            0 => self.rng.range(-3, 40).to_string(),
            1 => self.rng.range(-1000, 100_000).to_string(),
            _ => self
                .rng
                .pick(&["4611686018427387904", "9223372036854775807", "-9223372036854775807", "1000000007"])
                .to_string(),
        }
    }

    fn int_expr(&mut self, cx: &mut FnCtx, o: EOpts) -> String {
        let deep = o.depth > 0;
        let d = |w: u32| if deep { w } else { 0 };
        let w = [3, 6, d(4), d(2), d(2), d(2), d(1), d(1), d(1), d(1), d(1)];
        match self.rng.weighted(&w) {
            1 => self.source(cx, &Ty::Int, o).unwrap_or_else(|| self.int_lit()),
            2 => {
                let a = paren(self.int_expr(cx, o.sub()));
                let b = paren(self.int_expr(cx, o.sub()));
                match self.rng.weighted(&[4, 3, 2, 1, 1]) {
                    0 => format!("{a} + {b}"),
                    1 => format!("{a} - {b}"),
                    2 => format!("{a} * {b}"),
                    3 => format!("{a} / ({b} % 7 + 8)"),
                    _ => format!("{a} % ({b} % 5 + 6)"),
                }
            }
            3 => {
                let arrays = self.reachable(cx, |t| matches!(t, Ty::Array(_)));
                if !arrays.is_empty() && self.rng.chance(70) {
                    let (a, _) = self.choose(cx, &arrays);
                    if self.rng.chance(50) { format!("len({a})") } else { format!("{a}.len()") }
                } else {
                    format!("len({})", self.str_expr(cx, o.sub()))
                }
            }
            4 => self.some_call(cx, Some(&Ty::Int), o).unwrap_or_else(|| self.int_lit()),
            5 => self.walk_expr(cx).or_else(|| self.self_call(cx, &Ty::Int, o)).unwrap_or_else(|| self.int_lit()),
            6 => format!("int({})", self.float_expr(cx, o.sub())),
            7 => format!("hs({})", self.str_expr(cx, o.sub())),
            8 => format!("b2i({})", self.bool_expr(cx, o.sub())),
            9 => format!("parse_int(str({} % 1000))", paren(self.int_expr(cx, o.sub()))),
            10 => {
                let a = self.int_expr(cx, o.sub());
                let b = self.int_expr(cx, o.sub());
                match self.rng.index(2) {
                    0 => format!("mix({a}, {b})"),
                    _ => format!("lim({a}, {b})"),
                }
            }
            _ => self.int_lit(),
        }
    }

    fn float_expr(&mut self, cx: &mut FnCtx, o: EOpts) -> String {
        let deep = o.depth > 0;
        let d = |w: u32| if deep { w } else { 0 };
        match self.rng.weighted(&[3, 4, d(3), d(2), d(1), d(1)]) {
            1 => self.source(cx, &Ty::Float, o).unwrap_or_else(|| self.rng.pick(&FLOATS).to_string()),
            2 => {
                let a = paren(self.float_expr(cx, o.sub()));
                let b = paren(self.float_expr(cx, o.sub()));
                let op = self.rng.pick(&["+", "-", "*"]);
                format!("{a} {op} {b}")
            }
            3 => format!("float({})", self.int_expr(cx, o.sub())),
            4 => {
                let a = paren(self.float_expr(cx, o.sub()));
                let b = self.rng.pick(&["2.0", "0.5", "3.0", "8.0"]);
                format!("{a} / {b}")
            }
            5 => self.some_call(cx, Some(&Ty::Float), o).unwrap_or_else(|| "0.25".into()),
            _ => self.rng.pick(&FLOATS).to_string(),
        }
    }

    fn bool_expr(&mut self, cx: &mut FnCtx, o: EOpts) -> String {
        let deep = o.depth > 0;
        let d = |w: u32| if deep { w } else { 0 };
        let lit = if o.cond && deep { 0 } else { 1 };
        let w = [lit, 3, d(5), d(1), d(3), d(2), d(1), d(2), d(2), d(1), d(1)];
        match self.rng.weighted(&w) {
            1 => self.source(cx, &Ty::Bool, o).unwrap_or_else(|| "true".into()),
            2 => {
                let a = paren(self.int_expr(cx, o.sub()));
                let b = paren(self.int_expr(cx, o.sub()));
                let op = self.rng.pick(&["<", "<=", "==", "!=", ">", ">="]);
                format!("{a} {op} {b}")
            }
            3 => {
                let a = paren(self.str_expr(cx, o.sub()));
                let b = paren(self.str_expr(cx, o.sub()));
                let op = self.rng.pick(&["==", "!=", "<", ">="]);
                format!("{a} {op} {b}")
            }
            4 => {
                let refs = self.reachable(cx, |t| matches!(t, Ty::Struct(..) | Ty::Array(_)));
                if refs.is_empty() || o.fresh {
                    return "false".into();
                }
                let (r, _) = self.choose(cx, &refs);
                let op = self.rng.pick(&["==", "!="]);
                format!("{r} {op} nil")
            }
            5 => {
                let refs = self.reachable(cx, |t| matches!(t, Ty::Struct(..)));
                if refs.is_empty() || o.fresh {
                    return "true".into();
                }
                let (a, ta) = self.choose(cx, &refs);
                let same: Vec<(String, Ty)> = refs.into_iter().filter(|(_, t)| t.same_berth(&ta)).collect();
                let (b, _) = self.choose(cx, &same);
                let op = self.rng.pick(&["==", "!="]);
                format!("{a} {op} {b}")
            }
            6 => format!("!{}", paren(self.bool_expr(cx, o.sub()))),
            7 => {
                let a = paren(self.bool_expr(cx, o.sub()));
                let b = paren(self.bool_expr(cx, o.sub()));
                let op = self.rng.pick(&["&&", "||"]);
                format!("{a} {op} {b}")
            }
            8 => {
                let arrays = self.reachable(cx, |t| matches!(t, Ty::Array(_)));
                if arrays.is_empty() || o.fresh {
                    return "false".into();
                }
                let (a, _) = self.choose(cx, &arrays);
                format!("len({a}) > {}", self.rng.range(0, 4))
            }
            9 => {
                let a = paren(self.float_expr(cx, o.sub()));
                let b = paren(self.float_expr(cx, o.sub()));
                let op = self.rng.pick(&["<", ">="]);
                format!("{a} {op} {b}")
            }
            10 => self.some_call(cx, Some(&Ty::Bool), o).unwrap_or_else(|| "true".into()),
            _ => self.rng.pick(&["true", "false"]).to_string(),
        }
    }

    pub fn str_lit(&mut self) -> String {
        if self.rng.chance(30) {
            format!("\"{}\"", self.rng.pick(&LONG_STRS))
        } else {
            format!("\"{}\"", self.rng.pick(&SHORT_STRS))
        }
    }

    fn str_expr(&mut self, cx: &mut FnCtx, o: EOpts) -> String {
        let deep = o.depth > 0;
        let d = |w: u32| if deep { w } else { 0 };
        match self.rng.weighted(&[3, 4, d(3), d(3), d(1), d(1), d(2), d(1)]) {
            1 => self.source(cx, &Ty::Str, o).unwrap_or_else(|| self.str_lit()),
            2 => {
                let a = paren(self.str_expr(cx, o.sub()));
                let b = paren(self.str_expr(cx, o.sub()));
                if is_str_lit(&a) && is_str_lit(&b) {
                    format!("{a} + {b}")
                } else {
                    // Strings built from strings could double in a loop: keep them short.
                    format!("cap({a} + {b})")
                }
            }
            3 => format!("str({})", self.int_expr(cx, o.sub())),
            4 => format!("str({})", self.float_expr(cx, o.sub())),
            5 => format!("str({})", self.bool_expr(cx, o.sub())),
            6 => {
                // The string is named twice: keep it a plain source or literal.
                let s = self.source(cx, &Ty::Str, o).unwrap_or_else(|| self.str_lit());
                match self.rng.index(3) {
                    0 => format!("substr({s}, 0, len({s}) / 2)"),
                    1 => format!("substr({s}, len({s}) / 3, len({s}))"),
                    _ => format!("substr({s}, 0, len({s}))"),
                }
            }
            7 => self.some_call(cx, Some(&Ty::Str), o).unwrap_or_else(|| self.str_lit()),
            _ => self.str_lit(),
        }
    }

    // ----- objects ---------------------------------------------------------

    fn struct_expr(&mut self, cx: &mut FnCtx, s: usize, nn: bool, o: EOpts) -> String {
        let deep = o.depth > 0;
        let nil_ok = !nn && o.typed;
        let ty = Ty::Struct(s, nn);
        let w = [
            4,
            if o.fresh { 0 } else { 6 },
            if nil_ok { 2 } else { 0 },
            if deep { 2 } else { 0 },
            if deep { 1 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            1 => self.source(cx, &ty, o).unwrap_or_else(|| self.struct_lit(cx, s, o, &[])),
            2 => "nil".into(),
            3 => self.some_call(cx, Some(&ty), o).unwrap_or_else(|| self.struct_lit(cx, s, o, &[])),
            4 => self.self_call(cx, &ty, o).unwrap_or_else(|| self.struct_lit(cx, s, o, &[])),
            _ => self.struct_lit(cx, s, o, &[]),
        }
    }

    /// `S { f: e, ... }` with the fields in random order; `forced` fixes some fields' expressions.
    pub fn struct_lit(&mut self, cx: &mut FnCtx, s: usize, o: EOpts, forced: &[(&str, String)]) -> String {
        let fields: Vec<(String, Ty)> =
            self.types.structs[s].fields.iter().map(|f| (f.name.clone(), f.ty.clone())).collect();
        let mut order: Vec<usize> = (0..fields.len()).collect();
        self.rng.shuffle(&mut order);
        let mut parts = vec![];
        for k in order {
            let (name, ty) = &fields[k];
            let e = if let Some((_, e)) = forced.iter().find(|(f, _)| f == name) {
                e.clone()
            } else if o.depth == 0 && matches!(ty, Ty::Struct(_, false)) {
                // At the bottom, a field that may be nil is: building it
                // would go on at depth 0, and a struct with several such
                // fields could then grow without end.
                "nil".into()
            } else {
                self.expr(cx, ty, o.sub())
            };
            parts.push(format!("{name}: {e}"));
        }
        cx.charge(1);
        let lit = format!("{} {{ {} }}", self.types.structs[s].name, parts.join(", "));
        if o.cond { format!("({lit})") } else { lit }
    }

    fn array_expr(&mut self, cx: &mut FnCtx, elem: &Ty, o: EOpts) -> String {
        let deep = o.depth > 0;
        let ty = Ty::Array(Box::new(elem.clone()));
        if !deep && o.typed {
            // Minimal: never an element (a struct element may hold arrays of itself).
            if self.rng.chance(50)
                && let Some(src) = self.source(cx, &ty, o)
            {
                return src;
            }
            return "[]".into();
        }
        let w = [
            if o.typed { 3 } else { 0 },
            3,
            if deep { 2 } else { 0 },
            if o.fresh { 0 } else { 5 },
            if deep { 1 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => "[]".into(),
            1 => {
                let n = self.rng.range(1, 3);
                let es: Vec<String> = (0..n).map(|_| self.expr(cx, elem, o.sub())).collect();
                cx.charge(n as u64);
                format!("[{}]", es.join(", "))
            }
            2 => {
                let e = self.expr(cx, elem, o.sub());
                cx.charge(4);
                let ints = self.reachable(cx, |t| *t == Ty::Int);
                if !ints.is_empty() && self.rng.chance(30) {
                    // A length known only at run time, in 0..5.
                    let (k, _) = self.choose(cx, &ints);
                    format!("[{e}; idx({k}, 5)]")
                } else {
                    format!("[{e}; {}]", self.rng.range(0, 4))
                }
            }
            3 => self.source(cx, &ty, o).unwrap_or_else(|| {
                let e = self.expr(cx, elem, o.sub());
                format!("[{e}]")
            }),
            _ => self.some_call(cx, Some(&ty), o).unwrap_or_else(|| {
                let e = self.expr(cx, elem, o.sub());
                format!("[{e}; 2]")
            }),
        }
    }

    fn enum_expr(&mut self, cx: &mut FnCtx, e: usize, o: EOpts) -> String {
        let deep = o.depth > 0;
        let ty = Ty::Enum(e);
        let src_ok = !o.fresh || self.types.is_value(&ty);
        match self.rng.weighted(&[4, if src_ok { 4 } else { 0 }, if deep { 1 } else { 0 }]) {
            1 => self.source(cx, &ty, o).unwrap_or_else(|| self.variant(cx, e, o)),
            2 => self.some_call(cx, Some(&ty), o).unwrap_or_else(|| self.variant(cx, e, o)),
            _ => self.variant(cx, e, o),
        }
    }

    /// `E::V(payload...)`; only the scalar first variant at depth 0.
    fn variant(&mut self, cx: &mut FnCtx, e: usize, o: EOpts) -> String {
        let nv = self.types.enums[e].variants.len();
        let v = if o.depth == 0 { 0 } else { self.rng.index(nv) };
        let payload = self.types.enums[e].variants[v].payload.clone();
        let name = format!("{}::{}", self.types.enums[e].name, self.types.enums[e].variants[v].name);
        if payload.is_empty() {
            return name;
        }
        let args: Vec<String> = payload.iter().map(|t| self.expr(cx, t, o.sub())).collect();
        format!("{name}({})", args.join(", "))
    }
}

/// A plain string literal (its length is known to be small).
fn is_str_lit(e: &str) -> bool {
    e.len() >= 2
        && e.starts_with('"')
        && e.ends_with('"')
        && !e[1..e.len() - 1].replace("\\\\", "").replace("\\\"", "").contains('"')
}

/// Records that a path starting at a global was used.
pub fn touch(cx: &mut FnCtx, path: &str) {
    if path.starts_with("g_") {
        cx.effects.globals = true;
    }
}
