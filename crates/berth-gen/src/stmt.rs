//! Statements: one per line, blocks line-delimited (see `emit.rs`).
//!
//! Termination: every loop has a constant trip bound (`for i in 0..5`,
//! `0..lim(e, 5)`, a counter `k` checked by `while`, or a counter that
//! `break`s a `for x in a`), the product of nested bounds is capped
//! (`MAX_MULT`), and every call is charged against the function's budget.
//!
//! No accidental runtime errors: pops and indexing sit under `len(a) > 0`
//! with call-free index and value expressions, field accesses go through
//! non-nil roots or `if x != nil` narrowing.
//!
//! Threads and the outbox: spawn arguments are fresh and *hidden* for good;
//! the join line re-binds them under new names (see `join_and_rebind`); a
//! sent value is fresh and *frozen* (only walked) afterwards.

use crate::expr::{EOpts, paren};
use crate::program::{Gen, Role};
use crate::scope::{FnCtx, VarState};
use crate::types::Ty;

/// Deepest block nesting inside a function body.
const MAX_DEPTH: u32 = 3;
/// Largest product of enclosing loop bounds.
const MAX_MULT: u64 = 64;
/// What a thread costs besides its work (keeps the number of threads small).
const SPAWN_COST: u64 = 400;

impl Gen {
    pub fn stmts(&mut self, cx: &mut FnCtx, n: usize) {
        for _ in 0..n {
            self.stmt(cx);
        }
    }

    pub fn enter(&mut self, cx: &mut FnCtx) {
        cx.push_scope();
        cx.depth += 1;
    }

    pub fn leave(&mut self, cx: &mut FnCtx) {
        cx.depth -= 1;
        cx.pop_scope();
    }

    /// A block body of up to `max` statements in its own scope (braces emitted by the caller).
    fn block(&mut self, cx: &mut FnCtx, min: usize, max: usize) {
        self.enter(cx);
        let n = self.rng.range(min as i64, max as i64) as usize;
        self.stmts(cx, n);
        self.leave(cx);
    }

    /// A loop body: `mult` grows by `trips` while it is generated.
    fn enter_loop(&mut self, cx: &mut FnCtx, trips: u64) -> u64 {
        let saved = cx.mult;
        cx.mult = cx.mult.saturating_mul(trips.max(1));
        cx.loops += 1;
        self.enter(cx);
        saved
    }

    fn leave_loop(&mut self, cx: &mut FnCtx, saved: u64) {
        self.leave(cx);
        cx.loops -= 1;
        cx.mult = saved;
    }

    /// A trip bound that keeps the loop nest within `MAX_MULT`, if any.
    fn trips(&mut self, cx: &FnCtx, max: i64) -> Option<u64> {
        let room = (MAX_MULT / cx.mult) as i64;
        if room < 2 || cx.remaining() < 20 * cx.mult {
            return None;
        }
        Some(self.rng.range(1, max.min(room)) as u64)
    }

    pub fn random_ty(&mut self) -> Ty {
        let ns = self.types.structs.len();
        let ne = self.types.enums.len();
        match self.rng.weighted(&[3, 2, 1, 1, 5, 2, 3, 2]) {
            0 => Ty::Int,
            1 => Ty::Str,
            2 => Ty::Float,
            3 => Ty::Bool,
            4 => Ty::Struct(self.rng.index(ns), true),
            5 => Ty::Struct(self.rng.index(ns), false),
            6 => {
                let e = self.rng.pick(&self.types.elem_types).clone();
                Ty::array(e)
            }
            _ => Ty::Enum(self.rng.index(ne)),
        }
    }

    /// One random statement (with its nested blocks).
    pub fn stmt(&mut self, cx: &mut FnCtx) {
        let nest = cx.depth < MAX_DEPTH && cx.remaining() > 40 * cx.mult;
        let n = |w: u32| if nest { w } else { 0 };
        let workers = self.funcs.iter().any(|f| f.role == Role::Worker);
        let w = [
            8,                                                                               // 0 let
            4,                                                                               // 1 assign
            5,                                                                               // 2 field store
            3,                                                                               // 3 compound
            4,                                                                               // 4 push
            2,                                                                               // 5 pop
            2,                                                                               // 6 index store
            2,                                                                               // 7 index read
            n(4),                                                                            // 8 if
            n(2),                                                                            // 9 merge
            n(3),                                                                            // 10 for
            n(1),                                                                            // 11 while
            n(2),                                                                            // 12 list walk
            n(2),                                                                            // 13 for each
            n(3),                                                                            // 14 match enum
            n(1),                                                                            // 15 match int/str
            3,                                                                               // 16 call
            n(3),                                                                            // 17 nil guard
            if cx.perms.print && cx.mult <= 8 { if cx.is_main { 3 } else { 1 } } else { 0 }, // 18 print
            if cx.is_main { 4 } else { 0 },                                                  // 19 mix into h
            if cx.perms.log { 1 } else { 0 },                                                // 20 log
            if cx.perms.send { 2 } else { 0 },                                               // 21 send
            if cx.perms.spawn && workers && nest && cx.mult <= 8 { 3 } else { 0 },           // 22 spawn
            if cx.loops > 0 && nest { 1 } else { 0 },                                        // 23 break/continue
            if !cx.is_main && cx.depth > 0 && nest { 1 } else { 0 },                         // 24 early return
            n(1),                                                                            // 25 build a list
            n(1),                                                                            // 26 keep one per loop
        ];
        let made = match self.rng.weighted(&w) {
            0 => false,
            1 => self.s_assign(cx, false),
            2 => self.s_assign(cx, true),
            3 => self.s_compound(cx),
            4 => self.s_push(cx),
            5 => self.s_pop(cx),
            6 => self.s_index_store(cx),
            7 => self.s_index_read(cx),
            8 => self.s_if(cx),
            9 => self.s_merge(cx),
            10 => self.s_for(cx),
            11 => self.s_while(cx),
            12 => self.s_walk(cx),
            13 => self.s_foreach(cx),
            14 => self.s_match_enum(cx),
            15 => self.s_match_scalar(cx),
            16 => self.s_call(cx),
            17 => self.s_nil_guard(cx),
            18 => self.s_print(cx),
            19 => self.s_mix(cx),
            20 => self.s_log(cx),
            21 => self.s_send(cx),
            22 => self.s_spawn(cx),
            23 => self.s_break(cx),
            24 => self.s_return(cx),
            25 => self.s_build_list(cx),
            _ => self.s_keep(cx),
        };
        if !made {
            // The chosen kind had nothing to work on.
            self.s_let(cx);
        }
    }

    // ----- simple statements -------------------------------------------------

    pub fn s_let(&mut self, cx: &mut FnCtx) -> bool {
        let ty = self.random_ty();
        let e = self.expr(cx, &ty, EOpts::new(2));
        let name = cx.name("v");
        self.emit_let(cx, &name, &ty, &e);
        cx.declare(&name, ty, VarState::Live);
        true
    }

    fn emit_let(&mut self, cx: &mut FnCtx, name: &str, ty: &Ty, e: &str) {
        cx.charge(1);
        if e == "[]" || e == "nil" || self.rng.chance(25) {
            cx.out.line(format!("let {name}: {} = {e};", self.types.name(ty)));
        } else {
            cx.out.line(format!("let {name} = {e};"));
        }
    }

    /// Assigns a new value to a variable or global (`field` false) or to
    /// a field of a root (`field` true).
    fn s_assign(&mut self, cx: &mut FnCtx, field: bool) -> bool {
        let ps: Vec<(String, Ty)> =
            self.places(cx, |_| true).into_iter().filter(|(p, _)| p.contains('.') == field).collect();
        if ps.is_empty() {
            return false;
        }
        let (p, ty) = self.choose(cx, &ps);
        let mut e = self.expr(cx, &ty, EOpts::new(2));
        if e == p {
            // `x = x` is dull: try once more.
            e = self.expr(cx, &ty, EOpts::new(2));
        }
        cx.charge(1);
        cx.out.line(format!("{p} = {e};"));
        true
    }

    fn s_compound(&mut self, cx: &mut FnCtx) -> bool {
        let ps = self.places(cx, |t| matches!(t, Ty::Int | Ty::Float | Ty::Str));
        if ps.is_empty() {
            return false;
        }
        let (p, ty) = self.choose(cx, &ps);
        let e = self.expr(cx, &ty, EOpts::new(1));
        let line = match ty {
            Ty::Int => match self.rng.weighted(&[4, 2, 2, 1, 1]) {
                0 => format!("{p} += {e};"),
                1 => format!("{p} -= {e};"),
                2 => format!("{p} *= {e};"),
                3 => format!("{p} /= {} % 7 + 8;", paren(e)),
                _ => format!("{p} %= {} % 5 + 6;", paren(e)),
            },
            Ty::Float => {
                let op = self.rng.pick(&["+=", "-=", "*="]);
                format!("{p} {op} {e};")
            }
            _ => {
                // Appending in a loop must not grow without bound.
                cx.out.open(format!("if len({p}) < 64"));
                cx.out.line(format!("{p} += {e};"));
                cx.out.close();
                cx.charge(2);
                return true;
            }
        };
        cx.charge(1);
        cx.out.line(line);
        true
    }

    fn arrays(&self, cx: &FnCtx) -> Vec<(String, Ty)> {
        self.reachable(cx, |t| matches!(t, Ty::Array(_)))
    }

    fn s_push(&mut self, cx: &mut FnCtx) -> bool {
        let xs = self.arrays(cx);
        if xs.is_empty() {
            return false;
        }
        let (a, ty) = self.choose(cx, &xs);
        let Ty::Array(elem) = ty else { unreachable!() };
        let e = self.expr(cx, &elem, EOpts::new(2));
        cx.charge(1);
        if self.rng.chance(70) {
            cx.out.line(format!("{a}.push({e});"));
        } else {
            cx.out.line(format!("push({a}, {e});"));
        }
        true
    }

    /// A call-free, side-effect-free int for an index.
    fn simple_int(&mut self, cx: &mut FnCtx) -> String {
        let ints = self.reachable(cx, |t| *t == Ty::Int);
        if !ints.is_empty() && self.rng.chance(70) {
            self.choose(cx, &ints).0
        } else {
            self.rng.range(0, 9).to_string()
        }
    }

    /// A value for an element store: a variable, a literal or a struct literal of simple parts.
    fn simple_value(&mut self, cx: &mut FnCtx, ty: &Ty) -> String {
        let xs = self.reachable(cx, |t| ty.accepts(t));
        if !xs.is_empty() && self.rng.chance(60) {
            return self.choose(cx, &xs).0;
        }
        // Depth 0 never calls functions.
        self.expr(cx, ty, EOpts::new(0))
    }

    fn s_pop(&mut self, cx: &mut FnCtx) -> bool {
        let xs = self.arrays(cx);
        if xs.is_empty() {
            return false;
        }
        let (a, ty) = self.choose(cx, &xs);
        let Ty::Array(elem) = ty else { unreachable!() };
        let pop = if self.rng.chance(70) { format!("{a}.pop()") } else { format!("pop({a})") };
        if self.rng.chance(35) && cx.depth < MAX_DEPTH {
            // Pop in a loop.
            let Some(t) = self.trips(cx, 6) else { return false };
            let k = cx.name("k");
            cx.out.line(format!("let {k} = 0;"));
            cx.declare(&k, Ty::Int, VarState::ReadOnly);
            cx.out.open(format!("while len({a}) > 0 && {k} < {t}"));
            let saved = self.enter_loop(cx, t);
            cx.out.line(format!("{k} += 1;"));
            let x = cx.name("x");
            cx.out.line(format!("let {x} = {pop};"));
            cx.declare(&x, (*elem).clone(), VarState::Live);
            let n = self.rng.range(0, 2) as usize;
            self.stmts(cx, n);
            self.leave_loop(cx, saved);
            cx.out.close();
            return true;
        }
        cx.out.open(format!("if len({a}) > 0"));
        self.enter(cx);
        if self.rng.chance(60) {
            let x = cx.name("x");
            cx.out.line(format!("let {x} = {pop};"));
            cx.declare(&x, (*elem).clone(), VarState::Live);
            let n = self.rng.range(0, 2) as usize;
            self.stmts(cx, n);
        } else {
            cx.out.line(format!("{pop};"));
        }
        self.leave(cx);
        cx.out.close();
        cx.charge(2);
        true
    }

    /// An array in scope, its element type and an index expression.
    fn indexed_array(&mut self, cx: &mut FnCtx) -> Option<(String, Ty, String)> {
        let xs = self.arrays(cx);
        if xs.is_empty() {
            return None;
        }
        let (a, ty) = self.choose(cx, &xs);
        let Ty::Array(elem) = ty else { unreachable!() };
        let i = self.simple_int(cx);
        Some((a, *elem, i))
    }

    fn s_index_store(&mut self, cx: &mut FnCtx) -> bool {
        let Some((a, elem, i)) = self.indexed_array(cx) else { return false };
        let v = self.simple_value(cx, &elem);
        cx.out.open(format!("if len({a}) > 0"));
        if elem == Ty::Int && self.rng.chance(40) {
            cx.out.line(format!("{a}[idx({i}, len({a}))] += {v};"));
        } else {
            cx.out.line(format!("{a}[idx({i}, len({a}))] = {v};"));
        }
        cx.out.close();
        cx.charge(2);
        true
    }

    fn s_index_read(&mut self, cx: &mut FnCtx) -> bool {
        let Some((a, elem, i)) = self.indexed_array(cx) else { return false };
        cx.out.open(format!("if len({a}) > 0"));
        self.enter(cx);
        let x = cx.name("x");
        cx.out.line(format!("let {x} = {a}[idx({i}, len({a}))];"));
        cx.declare(&x, elem, VarState::Live);
        let n = self.rng.range(1, 2) as usize;
        self.stmts(cx, n);
        self.leave(cx);
        cx.out.close();
        cx.charge(2);
        true
    }

    // ----- control flow ---------------------------------------------------------

    fn s_if(&mut self, cx: &mut FnCtx) -> bool {
        let c = self.expr(cx, &Ty::Bool, EOpts::cond(2));
        cx.charge(1);
        cx.out.open(format!("if {c}"));
        self.block(cx, 1, 2);
        if self.rng.chance(20) {
            let c2 = self.expr(cx, &Ty::Bool, EOpts::cond(1));
            cx.out.reopen(format!("else if {c2}"));
            self.block(cx, 1, 2);
        }
        if self.rng.chance(40) {
            cx.out.reopen("else");
            self.block(cx, 1, 2);
        }
        cx.out.close();
        true
    }

    /// Objects created in both branches and merged in one variable.
    fn s_merge(&mut self, cx: &mut FnCtx) -> bool {
        let ty = loop {
            let t = self.random_ty();
            if matches!(t, Ty::Struct(..) | Ty::Array(_)) {
                break t;
            }
        };
        let e0 = self.expr(cx, &ty, EOpts::new(1));
        let v = cx.name("v");
        cx.charge(1);
        cx.out.line(format!("let {v}: {} = {e0};", self.types.name(&ty)));
        cx.declare(&v, ty.clone(), VarState::Live);
        let c = self.expr(cx, &Ty::Bool, EOpts::cond(2));
        cx.out.open(format!("if {c}"));
        for branch in 0..2 {
            if branch == 1 {
                cx.out.reopen("else");
            }
            self.enter(cx);
            let e = self.expr(cx, &ty, EOpts::new(2));
            cx.out.line(format!("{v} = {e};"));
            let n = self.rng.range(0, 2) as usize;
            self.stmts(cx, n);
            self.leave(cx);
        }
        cx.out.close();
        true
    }

    fn s_for(&mut self, cx: &mut FnCtx) -> bool {
        let Some(t) = self.trips(cx, 6) else { return false };
        let i = cx.name("i");
        let head = match self.rng.weighted(&[4, 2, 2]) {
            0 => format!("for {i} in 0..{t}"),
            1 => {
                let lo = self.rng.range(-2, 5);
                format!("for {i} in {lo}..{}", lo + t as i64)
            }
            _ => {
                let e = self.expr(cx, &Ty::Int, EOpts::cond(1));
                format!("for {i} in 0..lim({e}, {t})")
            }
        };
        cx.out.open(head);
        let saved = self.enter_loop(cx, t);
        cx.declare(&i, Ty::Int, VarState::ReadOnly);
        let n = self.rng.range(1, 3) as usize;
        self.stmts(cx, n);
        self.leave_loop(cx, saved);
        cx.out.close();
        true
    }

    fn s_while(&mut self, cx: &mut FnCtx) -> bool {
        let Some(t) = self.trips(cx, 6) else { return false };
        let k = cx.name("k");
        cx.out.line(format!("let {k} = 0;"));
        cx.declare(&k, Ty::Int, VarState::ReadOnly);
        if self.rng.chance(40) {
            // The condition runs every iteration: generate it as loop code.
            let saved = cx.mult;
            cx.mult = cx.mult.saturating_mul(t);
            cx.loops += 1;
            let c = self.expr(cx, &Ty::Bool, EOpts::cond(1));
            cx.loops -= 1;
            cx.mult = saved;
            cx.out.open(format!("while {k} < {t} && {}", paren(c)));
        } else {
            cx.out.open(format!("while {k} < {t}"));
        }
        let saved = self.enter_loop(cx, t);
        cx.out.line(format!("{k} += 1;"));
        let n = self.rng.range(1, 3) as usize;
        self.stmts(cx, n);
        self.leave_loop(cx, saved);
        cx.out.close();
        true
    }

    /// Walk a linked structure along one of its self links.
    fn s_walk(&mut self, cx: &mut FnCtx) -> bool {
        let linked: Vec<usize> =
            (0..self.types.structs.len()).filter(|&s| !self.types.self_links(s).is_empty()).collect();
        let xs = self.reachable(cx, |t| matches!(t, Ty::Struct(s, _) if linked.contains(s)));
        if xs.is_empty() {
            return false;
        }
        let Some(t) = self.trips(cx, 10) else { return false };
        let (src, ty) = self.choose(cx, &xs);
        let Ty::Struct(s, _) = ty else { unreachable!() };
        let links: Vec<String> = self.types.self_links(s).iter().map(|f| f.name.clone()).collect();
        let link = self.rng.pick(&links).clone();
        let cur = cx.name("cur");
        let k = cx.name("k");
        let sname = self.types.structs[s].name.clone();
        cx.out.line(format!("let {cur}: {sname} = {src};"));
        cx.declare(&cur, Ty::Struct(s, false), VarState::Live);
        cx.out.line(format!("let {k} = 0;"));
        cx.declare(&k, Ty::Int, VarState::ReadOnly);
        cx.out.open(format!("while {cur} != nil && {k} < {t}"));
        let saved = self.enter_loop(cx, t);
        cx.shadow(&cur, Ty::Struct(s, true), VarState::Live);
        cx.out.line(format!("{k} += 1;"));
        let n = self.rng.range(1, 3) as usize;
        self.stmts(cx, n);
        cx.out.line(format!("{cur} = {cur}.{link};"));
        self.leave_loop(cx, saved);
        cx.out.close();
        true
    }

    fn s_foreach(&mut self, cx: &mut FnCtx) -> bool {
        let xs = self.arrays(cx);
        if xs.is_empty() {
            return false;
        }
        let Some(t) = self.trips(cx, 8) else { return false };
        let (a, ty) = self.choose(cx, &xs);
        let Ty::Array(elem) = ty else { unreachable!() };
        let k = cx.name("k");
        let x = cx.name("x");
        cx.out.line(format!("let {k} = 0;"));
        cx.declare(&k, Ty::Int, VarState::ReadOnly);
        cx.out.open(format!("for {x} in {a}"));
        let saved = self.enter_loop(cx, t);
        cx.declare(&x, (*elem).clone(), VarState::ReadOnly);
        cx.out.line(format!("{k} += 1;"));
        cx.out.open(format!("if {k} > {t}"));
        cx.out.line("break;");
        cx.out.close();
        let n = self.rng.range(1, 3) as usize;
        self.stmts(cx, n);
        self.leave_loop(cx, saved);
        cx.out.close();
        true
    }

    fn s_match_enum(&mut self, cx: &mut FnCtx) -> bool {
        let e = self.rng.index(self.types.enums.len());
        let scrut = self.expr(cx, &Ty::Enum(e), EOpts::cond(2));
        cx.charge(1);
        cx.out.open(format!("match {scrut}"));
        let nv = self.types.enums[e].variants.len();
        let mut arms: Vec<usize> = (0..nv).collect();
        let catch_all = self.rng.chance(35);
        if catch_all {
            self.rng.shuffle(&mut arms);
            arms.truncate(self.rng.range(1, nv as i64) as usize);
            arms.sort();
        }
        for v in arms {
            let ename = self.types.enums[e].name.clone();
            let var = &self.types.enums[e].variants[v];
            let vname = var.name.clone();
            let payload = var.payload.clone();
            self.enter(cx);
            if payload.is_empty() {
                cx.out.open(format!("{ename}::{vname} =>"));
            } else {
                let mut binds = vec![];
                for t in payload {
                    if self.rng.chance(25) {
                        binds.push("_".to_string());
                    } else {
                        let b = cx.name("m");
                        cx.declare(&b, t, VarState::ReadOnly);
                        binds.push(b);
                    }
                }
                cx.out.open(format!("{ename}::{vname}({}) =>", binds.join(", ")));
            }
            let n = self.rng.range(0, 2) as usize;
            self.stmts(cx, n);
            self.leave(cx);
            cx.out.close();
        }
        if catch_all {
            cx.out.open("_ =>");
            self.block(cx, 0, 2);
            cx.out.close();
        }
        cx.out.close();
        true
    }

    fn s_match_scalar(&mut self, cx: &mut FnCtx) -> bool {
        let on_str = self.rng.chance(30);
        let (scrut, pats): (String, Vec<String>) = if on_str {
            let s = self.expr(cx, &Ty::Str, EOpts::cond(1));
            let mut ps = vec!["\"a\"", "\"node\"", "\"\"", "\"xy\"", "\"hello\""];
            self.rng.shuffle(&mut ps);
            (s, ps.iter().take(self.rng.range(1, 3) as usize).map(|p| p.to_string()).collect())
        } else {
            let e = self.expr(cx, &Ty::Int, EOpts::cond(2));
            let m = self.rng.range(2, 5);
            let mut ps: Vec<i64> = (-1..m).collect();
            self.rng.shuffle(&mut ps);
            ps.truncate(self.rng.range(1, 3) as usize);
            (format!("{} % {m}", paren(e)), ps.iter().map(|p| p.to_string()).collect())
        };
        cx.charge(1);
        cx.out.open(format!("match {scrut}"));
        for p in pats {
            cx.out.open(format!("{p} =>"));
            self.block(cx, 0, 2);
            cx.out.close();
        }
        cx.out.open("_ =>");
        self.block(cx, 0, 2);
        cx.out.close();
        cx.out.close();
        true
    }

    fn s_call(&mut self, cx: &mut FnCtx) -> bool {
        match self.some_call(cx, None, EOpts::new(2)) {
            Some(c) => {
                cx.out.line(format!("{c};"));
                true
            }
            None => false,
        }
    }

    fn s_nil_guard(&mut self, cx: &mut FnCtx) -> bool {
        let vars: Vec<(String, Ty)> = cx
            .visible()
            .into_iter()
            .filter(|v| v.state == VarState::Live && matches!(v.ty, Ty::Struct(_, false)))
            .map(|v| (v.name, v.ty))
            .collect();
        let (v, s) = if !vars.is_empty() && self.rng.chance(60) {
            let (v, ty) = self.choose(cx, &vars);
            let Ty::Struct(s, _) = ty else { unreachable!() };
            (v, s)
        } else {
            let xs = self.reachable(cx, |t| matches!(t, Ty::Struct(_, false)));
            if xs.is_empty() {
                return false;
            }
            let (p, ty) = self.choose(cx, &xs);
            let Ty::Struct(s, _) = ty else { unreachable!() };
            let t = cx.name("t");
            cx.out.line(format!("let {t} = {p};"));
            cx.declare(&t, Ty::Struct(s, false), VarState::Live);
            (t, s)
        };
        cx.charge(1);
        if self.rng.chance(20) {
            cx.out.open(format!("if {v} == nil"));
            self.enter(cx);
            let e = self.expr(cx, &Ty::Struct(s, true), EOpts::new(2));
            cx.out.line(format!("{v} = {e};"));
            self.leave(cx);
            cx.out.close();
            return true;
        }
        cx.out.open(format!("if {v} != nil"));
        self.enter(cx);
        cx.shadow(&v, Ty::Struct(s, true), VarState::Live);
        let n = self.rng.range(1, 3) as usize;
        self.stmts(cx, n);
        self.leave(cx);
        if self.rng.chance(30) {
            cx.out.reopen("else");
            self.block(cx, 1, 2);
        }
        cx.out.close();
        true
    }

    // ----- observable effects -------------------------------------------------------

    fn s_print(&mut self, cx: &mut FnCtx) -> bool {
        self.label += 1;
        let mut args = vec![format!("\"L{}\"", self.label)];
        for _ in 0..self.rng.range(1, 3) {
            let ty = match self.rng.weighted(&[5, 3, 2, 1]) {
                0 => Ty::Int,
                1 => Ty::Str,
                2 => Ty::Float,
                _ => Ty::Bool,
            };
            args.push(self.expr(cx, &ty, EOpts::new(2)));
        }
        cx.effects.print = true;
        cx.charge(1);
        let f = if self.rng.chance(15) { "print" } else { "println" };
        cx.out.line(format!("{f}({});", args.join(", ")));
        true
    }

    fn s_mix(&mut self, cx: &mut FnCtx) -> bool {
        let e = self.expr(cx, &Ty::Int, EOpts::new(2));
        cx.charge(1);
        cx.out.line(format!("h = mix(h, {e});"));
        true
    }

    fn s_log(&mut self, cx: &mut FnCtx) -> bool {
        let vars: Vec<(String, Ty)> = cx
            .visible()
            .into_iter()
            .filter(|v| v.state != VarState::Hidden && v.ty != Ty::Thread && self.types.log_safe(&v.ty))
            .map(|v| (v.name, v.ty))
            .collect();
        let e = if !vars.is_empty() && self.rng.chance(70) {
            self.choose(cx, &vars).0
        } else {
            let ty = self.random_ty().nonnull();
            if !self.types.log_safe(&ty) {
                return false;
            }
            self.expr(cx, &ty, EOpts::fresh(2).untyped())
        };
        cx.effects.log = true;
        // Rendering walks the whole object graph.
        cx.charge(20);
        cx.out.line(format!("log({e});"));
        true
    }

    fn s_send(&mut self, cx: &mut FnCtx) -> bool {
        let mut ty = self.random_ty().nonnull();
        if !self.types.log_safe(&ty) {
            // The outbox renders like `log`: nothing that could blow up.
            ty = Ty::Str;
        }
        let e = self.expr(cx, &ty, EOpts::fresh(2).untyped());
        cx.effects.send = true;
        cx.charge(3);
        if self.rng.chance(50) {
            let m = cx.name("msg");
            self.emit_let(cx, &m, &ty, &e);
            cx.declare(&m, ty.clone(), if self.types.is_value(&ty) { VarState::Live } else { VarState::Frozen });
            cx.out.line(format!("send({m});"));
        } else {
            cx.out.line(format!("send({e});"));
        }
        true
    }

    /// Hand fresh objects to a worker thread, then join it on every path,
    /// on some paths only, or never.
    fn s_spawn(&mut self, cx: &mut FnCtx) -> bool {
        let ws: Vec<usize> = (0..self.funcs.len())
            .filter(|&k| self.funcs[k].role == Role::Worker && cx.affords(self.funcs[k].cost + SPAWN_COST))
            .collect();
        if ws.is_empty() {
            return false;
        }
        let w = self.funcs[*self.rng.pick(&ws)].clone();
        cx.charge(w.cost + SPAWN_COST);
        cx.effects.spawn = true;
        cx.effects.merge(&w.effects);
        if self.rng.chance(15) {
            let mut args = vec![];
            for (_, t) in &w.params {
                args.push(self.expr(cx, t, EOpts::fresh(2)));
            }
            cx.out.line(format!("spawn {}({});", w.name, args.join(", ")));
            return true;
        }
        let mut hidden = vec![];
        let mut args = vec![];
        for (_, t) in &w.params {
            if self.types.is_value(t) {
                args.push(self.expr(cx, t, EOpts::new(1)));
            } else {
                let e = self.expr(cx, t, EOpts::fresh(2));
                let j = cx.name("j");
                cx.out.line(format!("let {j}: {} = {e};", self.types.name(t)));
                cx.declare(&j, t.clone(), VarState::Hidden);
                hidden.push((j.clone(), t.clone()));
                args.push(j);
            }
        }
        let th = cx.name("t");
        cx.out.line(format!("let {th} = spawn {}({});", w.name, args.join(", ")));
        cx.declare(&th, Ty::Thread, VarState::Hidden);
        let n = self.rng.range(0, 2) as usize;
        self.stmts(cx, n);
        let join = match self.rng.index(3) {
            0 => format!("{th}.join();"),
            1 => format!("join({th});"),
            _ => format!("wait_t({th});"),
        };
        match self.rng.weighted(&[6, 3, 2]) {
            0 => self.join_and_rebind(cx, join, hidden),
            1 => {
                let c = self.expr(cx, &Ty::Bool, EOpts::cond(1));
                cx.out.open(format!("if {c}"));
                self.enter(cx);
                self.join_and_rebind(cx, join, hidden);
                let n = self.rng.range(1, 2) as usize;
                self.stmts(cx, n);
                self.leave(cx);
                cx.out.close();
            }
            _ => {}
        }
        true
    }

    /// The join and fresh names for the thread's objects, on ONE line (the
    /// only multi-statement lines): a minimiser deleting lines can drop the
    /// join only together with every later use of those objects, so no
    /// reduced program touches objects a running thread owns.
    fn join_and_rebind(&mut self, cx: &mut FnCtx, join: String, hidden: Vec<(String, Ty)>) {
        let mut line = join;
        for (j, t) in hidden {
            let k = cx.name("k");
            line.push_str(&format!(" let {k} = {j};"));
            cx.declare(&k, t, VarState::Live);
        }
        cx.out.line(line);
    }

    fn s_break(&mut self, cx: &mut FnCtx) -> bool {
        let c = self.expr(cx, &Ty::Bool, EOpts::cond(1));
        cx.out.open(format!("if {c}"));
        cx.out.line(if self.rng.chance(50) { "break;" } else { "continue;" });
        cx.out.close();
        true
    }

    fn s_return(&mut self, cx: &mut FnCtx) -> bool {
        let c = self.expr(cx, &Ty::Bool, EOpts::cond(1));
        cx.out.open(format!("if {c}"));
        match cx.ret.clone() {
            Some(t) => {
                let e = self.expr(cx, &t, EOpts::new(2));
                cx.out.line(format!("return {e};"));
            }
            None => cx.out.line("return;"),
        }
        cx.out.close();
        true
    }

    // ----- allocation idioms ---------------------------------------------------------

    /// `v = S { next: v, ... }` in a loop: a list grown at the front.
    fn s_build_list(&mut self, cx: &mut FnCtx) -> bool {
        let linked: Vec<usize> =
            (0..self.types.structs.len()).filter(|&s| !self.types.self_links(s).is_empty()).collect();
        let s = *self.rng.pick(&linked);
        let Some(t) = self.trips(cx, 8) else { return false };
        let links: Vec<String> = self.types.self_links(s).iter().map(|f| f.name.clone()).collect();
        let link = self.rng.pick(&links).clone();
        let v = cx.name("v");
        let init = self.expr(cx, &Ty::Struct(s, false), EOpts::new(1));
        cx.out.line(format!("let {v}: {} = {init};", self.types.structs[s].name));
        cx.declare(&v, Ty::Struct(s, false), VarState::Live);
        let i = cx.name("i");
        cx.out.open(format!("for {i} in 0..{t}"));
        let saved = self.enter_loop(cx, t);
        cx.declare(&i, Ty::Int, VarState::ReadOnly);
        let lit = self.struct_lit(cx, s, EOpts::new(1), &[(&link, v.clone())]);
        cx.out.line(format!("{v} = {lit};"));
        if self.rng.chance(30) {
            self.stmt(cx);
        }
        self.leave_loop(cx, saved);
        cx.out.close();
        true
    }

    /// An object made in every iteration, kept in an outer variable on some.
    fn s_keep(&mut self, cx: &mut FnCtx) -> bool {
        let s = self.rng.index(self.types.structs.len());
        let Some(t) = self.trips(cx, 6) else { return false };
        let keep = cx.name("keep");
        cx.out.line(format!("let {keep}: {} = nil;", self.types.structs[s].name));
        cx.declare(&keep, Ty::Struct(s, false), VarState::Live);
        let i = cx.name("i");
        cx.out.open(format!("for {i} in 0..{t}"));
        let saved = self.enter_loop(cx, t);
        cx.declare(&i, Ty::Int, VarState::ReadOnly);
        let x = cx.name("x");
        let e = self.expr(cx, &Ty::Struct(s, true), EOpts::new(2));
        cx.out.line(format!("let {x} = {e};"));
        cx.declare(&x, Ty::Struct(s, true), VarState::Live);
        let n = self.rng.range(0, 2) as usize;
        self.stmts(cx, n);
        let c = self.expr(cx, &Ty::Bool, EOpts::cond(1));
        cx.out.open(format!("if {c}"));
        cx.out.line(format!("{keep} = {x};"));
        cx.out.close();
        self.leave_loop(cx, saved);
        cx.out.close();
        true
    }
}
