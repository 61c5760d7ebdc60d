//! The program's functions, by kind: the library (a fixed prelude and
//! walkers `ck_*`/`cka_*`, depth-bounded hashes of any value), factories (`mk_*`), thread
//! workers (`w*`), call chains (`c*_*`), bounded recursion (`r*`) and
//! random helpers (`f*`).
//!
//! Functions are generated callees first and may only call functions that
//! already exist, plus themselves through a fuel parameter that every
//! recursive call decrements (checked `<= 0` on entry). Each records its
//! effects and estimated cost, which callers use for permissions and
//! budgets.

use crate::emit::Out;
use crate::expr::EOpts;
use crate::program::{FnInfo, Gen, Role};
use crate::scope::{Effects, FnCtx, SelfCall, VarState};
use crate::types::{Ty, Types, WALK_ELEMS};

/// Small helpers, each emitted only if used. `wait_t` is the one function
/// written on a single line: a minimiser deleting lines must not be able to
/// remove its join alone (see `stmt.rs`, `join_and_rebind`).
const PRELUDE: &str = "\
fn mix(h: int, v: int) -> int {
    return h * 31 + v;
}

fn idx(k: int, n: int) -> int {
    return (k % n + n) % n;
}

fn lim(n: int, c: int) -> int {
    if n < c {
        return n;
    }
    return c;
}

fn hs(s: str) -> int {
    if len(s) == 0 {
        return 0;
    }
    return mix(mix(len(s), byte_at(s, 0)), byte_at(s, len(s) - 1));
}

fn cap(s: str) -> str {
    if len(s) > 40 {
        return substr(s, len(s) - 40, len(s));
    }
    return s;
}

fn b2i(b: bool) -> int {
    if b {
        return 1;
    }
    return 0;
}

fn wait_t(t: Thread) { t.join(); }";

/// The library: the prelude and every possible walker, each as
/// (name, lines). `program.rs` emits only those the program refers to.
/// Walkers `ck_S`, `ck_E` and `cka_T` hash a value down to depth `d`; they
/// are nil-safe and cycle-safe (the depth always decreases). Arrays are
/// never nil: the generator never stores `nil` where an array goes.
pub fn library(types: &Types) -> Vec<(String, Out)> {
    let mut lib = vec![];
    for text in PRELUDE.split("\n\n") {
        let name = text["fn ".len()..text.find('(').unwrap()].to_string();
        let mut out = Out::default();
        for l in text.lines() {
            out.raw(l);
        }
        lib.push((name, out));
    }
    for s in 0..types.structs.len() {
        let name = types.structs[s].name.clone();
        let mut out = Out::default();
        out.open(format!("fn ck_{name}(x: {name}, d: int) -> int"));
        out.open("if x == nil || d <= 0");
        out.line("return d;");
        out.close();
        out.line(format!("let h = {};", 17 + s));
        for f in &types.structs[s].fields {
            let e = format!("x.{}", f.name);
            out.line(format!("h = mix(h, {});", walker_hash(types, &f.ty, &e, "d - 1")));
        }
        out.line("return h;");
        out.close();
        lib.push((format!("ck_{name}"), out));
    }
    for e in 0..types.enums.len() {
        let name = types.enums[e].name.clone();
        let mut out = Out::default();
        out.open(format!("fn ck_{name}(e: {name}, d: int) -> int"));
        out.open("match e");
        for (k, v) in types.enums[e].variants.iter().enumerate() {
            if v.payload.is_empty() {
                out.open(format!("{name}::{} =>", v.name));
                out.line(format!("return {};", k + 1));
            } else {
                let binds: Vec<String> = (0..v.payload.len()).map(|i| format!("a{i}")).collect();
                out.open(format!("{name}::{}({}) =>", v.name, binds.join(", ")));
                let mut h = format!("{}", k + 1);
                for (i, t) in v.payload.iter().enumerate() {
                    h = format!("mix({h}, {})", walker_hash(types, t, &binds[i], "d - 1"));
                }
                out.line(format!("return {h};"));
            }
            out.close();
        }
        out.close();
        out.close();
        lib.push((format!("ck_{name}"), out));
    }
    let mut elems = vec![Ty::Int, Ty::Str, Ty::Float];
    elems.extend((0..types.structs.len()).map(|i| Ty::Struct(i, true)));
    elems.extend((0..types.enums.len()).map(Ty::Enum));
    for t in elems {
        let en = types.name(&t);
        let mut out = Out::default();
        out.open(format!("fn cka_{en}(a: [{en}], d: int) -> int"));
        out.line("let h = len(a);");
        out.open("if d <= 0");
        out.line("return h;");
        out.close();
        out.open(format!("for i in 0..lim(len(a), {WALK_ELEMS})"));
        out.line(format!("h = mix(h, {});", walker_hash(types, &t, "a[i]", "d - 1")));
        out.close();
        out.line("return h;");
        out.close();
        lib.push((format!("cka_{en}"), out));
    }
    lib
}

/// Does `text` call function `name`?
pub fn calls(text: &str, name: &str) -> bool {
    let pat = format!("{name}(");
    text.match_indices(&pat)
        .any(|(i, _)| !text[..i].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_'))
}

impl Gen {
    /// Starts a function: signature line, parameters in scope.
    fn begin_fn(&mut self, name: &str, params: &[(String, Ty)], ret: Option<Ty>, perms: Effects, budget: u64) -> FnCtx {
        let mut cx = FnCtx::new(perms, budget, ret.clone());
        let ps: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {}", self.types.name(t))).collect();
        let r = ret.map(|t| format!(" -> {}", self.types.name(&t))).unwrap_or_default();
        cx.out.open(format!("fn {name}({}){r}", ps.join(", ")));
        for (n, t) in params {
            cx.declare(n, t.clone(), VarState::Live);
        }
        cx
    }

    /// Closes the function, appends its text and registers it.
    fn end_fn(&mut self, mut cx: FnCtx, mut info: FnInfo) {
        cx.out.close();
        self.items.blank();
        info.effects = cx.effects;
        if info.cost == 0 {
            info.cost = cx.cost.max(1);
        }
        self.items.append(cx.out);
        self.funcs.push(info);
    }

    fn fresh_fn_name(&mut self, prefix: &str) -> String {
        self.fn_counter += 1;
        format!("{prefix}{}", self.fn_counter)
    }

    fn random_perms(&mut self) -> Effects {
        let workers = self.funcs.iter().any(|f| f.role == Role::Worker);
        Effects {
            globals: self.rng.chance(75),
            print: self.rng.chance(30),
            log: self.rng.chance(30),
            send: self.rng.chance(30),
            spawn: workers && self.rng.chance(25),
        }
    }

    fn random_params(&mut self, n: usize) -> Vec<(String, Ty)> {
        (1..=n).map(|i| (format!("p{i}"), self.random_ty())).collect()
    }

    /// `mk_S(scalars) -> S`: a fresh object, maybe with a few more made and linked in.
    pub fn factory(&mut self, s: usize) {
        let name = format!("mk_{}", self.types.structs[s].name);
        let n = self.rng.range(1, 2) as usize;
        let params: Vec<(String, Ty)> = (1..=n)
            .map(|i| (format!("p{i}"), self.rng.pick(&[Ty::Int, Ty::Int, Ty::Str, Ty::Float]).clone()))
            .collect();
        let ret = Ty::Struct(s, true);
        let mut cx = self.begin_fn(&name, &params, Some(ret.clone()), Effects::NONE, 400);
        let lit = self.struct_lit(&mut cx, s, EOpts::new(2), &[]);
        cx.out.line(format!("let x = {lit};"));
        cx.declare("x", ret.clone(), VarState::Live);
        let k = self.rng.range(0, 2) as usize;
        self.stmts(&mut cx, k);
        cx.out.line("return x;");
        self.end_fn(cx, FnInfo::new(name, params, Some(ret), Role::Factory));
    }

    /// A thread body: touches only its arguments and what it allocates.
    pub fn worker(&mut self) {
        let name = self.fresh_fn_name("w");
        let s = self.rng.index(self.types.structs.len());
        let mut params = vec![("j".to_string(), Ty::Struct(s, true)), ("n".to_string(), Ty::Int)];
        match self.rng.index(3) {
            0 => {
                let e = self.rng.pick(&self.types.elem_types).clone();
                params.push(("a".into(), Ty::array(e)));
            }
            1 => params.push(("s".into(), Ty::Str)),
            _ => {}
        }
        let ret = if self.rng.chance(30) { Some(Ty::Int) } else { None };
        let mut cx = self.begin_fn(&name, &params, ret.clone(), Effects::NONE, 1500);
        let k = self.rng.range(2, 5) as usize;
        self.stmts(&mut cx, k);
        let f = self.types.structs[s].fields.iter().find(|f| f.ty == Ty::Int).expect("every struct has an int field");
        cx.out.line(format!("j.{} += n;", f.name));
        if ret.is_some() {
            let e = self.expr(&mut cx, &Ty::Int, EOpts::new(2));
            cx.out.line(format!("return {e};"));
        }
        self.end_fn(cx, FnInfo::new(name, params, ret, Role::Worker));
    }

    /// A random function: small (an inlining candidate) or larger.
    pub fn helper(&mut self, small: bool) {
        let name = self.fresh_fn_name("f");
        let n = self.rng.range(0, 3) as usize;
        let params = self.random_params(n);
        let ret = if self.rng.chance(55) { Some(self.random_ty()) } else { None };
        let perms = self.random_perms();
        let budget = if small { 300 } else { 2500 };
        let mut cx = self.begin_fn(&name, &params, ret.clone(), perms, budget);
        let k = if small { self.rng.range(1, 2) } else { self.rng.range(2, 5) } as usize;
        self.stmts(&mut cx, k);
        if let Some(t) = &ret {
            let e = self.expr(&mut cx, t, EOpts::new(2));
            cx.out.line(format!("return {e};"));
        }
        self.end_fn(cx, FnInfo::new(name, params, ret, Role::Helper));
    }

    /// 2-4 functions passing an object down to a last one that stores it
    /// somewhere (a global, a wrapper it returns, ...) or just uses it.
    pub fn chain(&mut self) {
        let k = self.fresh_fn_name("c");
        let s = self.rng.index(self.types.structs.len());
        let len = self.rng.range(2, 4) as usize;
        let sty = Ty::Struct(s, true);
        let wrappers: Vec<usize> = (0..self.types.structs.len())
            .filter(|&t| self.types.structs[t].fields.iter().any(|f| f.ty.accepts(&sty)))
            .collect();
        let ret = match self.rng.index(4) {
            0 => Some(sty.clone()),
            1 => Some(Ty::Int),
            2 if !wrappers.is_empty() => Some(Ty::Struct(*self.rng.pick(&wrappers), true)),
            _ => None,
        };
        let params = vec![("x".to_string(), sty.clone()), ("n".to_string(), Ty::Int)];
        for m in (1..=len).rev() {
            let name = format!("{k}_{m}");
            let mut perms = self.random_perms();
            if m == len {
                perms.globals = perms.globals || self.rng.chance(50);
            }
            let mut cx = self.begin_fn(&name, &params, ret.clone(), perms, 600);
            if m == len {
                self.chain_end(&mut cx, s);
                match &ret {
                    Some(Ty::Int) => cx.out.line(format!("return {} + n;", self.hash_of(&sty, "x", "2"))),
                    Some(Ty::Struct(t, _)) if *t == s => cx.out.line("return x;"),
                    Some(Ty::Struct(t, _)) => {
                        let t = *t;
                        let f = self.types.structs[t].fields.iter().find(|f| f.ty.accepts(&sty)).unwrap().name.clone();
                        let lit = self.struct_lit(&mut cx, t, EOpts::new(1), &[(&f, "x".into())]);
                        cx.out.line(format!("return {lit};"));
                    }
                    _ => {}
                }
            } else {
                let pre = self.rng.range(0, 2) as usize;
                self.stmts(&mut cx, pre);
                let next = self.funcs.len() - 1;
                let callee = self.funcs[next].clone();
                cx.charge(callee.cost + 1);
                cx.effects.merge(&callee.effects);
                let arg = self.rng.pick(&["n + 1", "n - 1", "n * 2", "n"]).to_string();
                if ret.is_some() {
                    cx.out.line(format!("let r = {}(x, {arg});", callee.name));
                    cx.declare("r", ret.clone().unwrap(), VarState::Live);
                    let post = self.rng.range(0, 1) as usize;
                    self.stmts(&mut cx, post);
                    cx.out.line("return r;");
                } else {
                    cx.out.line(format!("{}(x, {arg});", callee.name));
                    let post = self.rng.range(0, 1) as usize;
                    self.stmts(&mut cx, post);
                }
            }
            self.end_fn(cx, FnInfo::new(name, params.clone(), ret.clone(), Role::Helper));
        }
    }

    /// What the last function of a chain (or the bottom of a recursion) does with `x`.
    fn chain_end(&mut self, cx: &mut FnCtx, s: usize) {
        let sty = Ty::Struct(s, true);
        let stores: Vec<String> = if cx.perms.globals {
            self.globals
                .iter()
                .filter_map(|g| match &g.ty {
                    t @ Ty::Struct(..) if t.accepts(&sty) => Some(format!("{} = x;", g.name)),
                    Ty::Array(e) if e.accepts(&sty) => Some(format!("{}.push(x);", g.name)),
                    _ => None,
                })
                .collect()
        } else {
            vec![]
        };
        match self.rng.index(4) {
            0 if !stores.is_empty() => {
                let st = self.rng.pick(&stores).clone();
                cx.effects.globals = true;
                cx.out.line(st);
            }
            1 if cx.perms.log && self.types.log_safe(&sty) => {
                cx.effects.log = true;
                cx.out.line("log(x);");
            }
            2 => {
                let f = self.types.structs[s].fields.iter().find(|f| f.ty == Ty::Int).unwrap().name.clone();
                cx.out.line(format!("x.{f} += n;"));
            }
            _ => {
                let k = self.rng.range(1, 2) as usize;
                self.stmts(cx, k);
            }
        }
    }

    /// Starts a function recursing on its read-only fuel `n`, returning
    /// `base` once `n <= 0`.
    fn begin_recursive(&mut self, name: &str, params: &[(String, Ty)], ret: &Ty, budget: u64, base: &str) -> FnCtx {
        let perms = self.random_perms();
        let mut cx = self.begin_fn(name, params, Some(ret.clone()), perms, budget);
        cx.shadow("n", Ty::Int, VarState::ReadOnly);
        cx.out.open("if n <= 0");
        cx.out.line(format!("return {base};"));
        cx.out.close();
        cx
    }

    /// `r(n, acc)`: builds a list by recursion, one node per level.
    pub fn rec_list(&mut self) {
        let name = self.fresh_fn_name("r");
        let s = self.types.node;
        let link = "next";
        let ty = Ty::Struct(s, false);
        let params = vec![("n".to_string(), Ty::Int), ("acc".to_string(), ty.clone())];
        let mut cx = self.begin_recursive(&name, &params, &ty, 300, "acc");
        let k = self.rng.range(0, 2) as usize;
        self.stmts(&mut cx, k);
        let lit = self.struct_lit(&mut cx, s, EOpts::new(1), &[(link, "acc".into())]);
        cx.out.line(format!("return {name}(n - 1, {lit});"));
        let max = 8;
        let cost = (cx.cost + 2) * (max as u64 + 1);
        let mut info = FnInfo::new(name, params, Some(ty), Role::Helper);
        info.fuel = Some((0, max));
        info.cost = cost;
        self.end_fn(cx, info);
    }

    /// `r(n, tag)`: a tree by double recursion (at most ~2^n nodes).
    pub fn rec_tree(&mut self, s: usize) {
        let name = self.fresh_fn_name("r");
        let links: Vec<String> = self.types.self_links(s).iter().map(|f| f.name.clone()).collect();
        let ty = Ty::Struct(s, false);
        let params = vec![("n".to_string(), Ty::Int), ("tag".to_string(), Ty::Int)];
        let mut cx = self.begin_recursive(&name, &params, &ty, 200, "nil");
        let forced = [(links[0].as_str(), format!("{name}(n - 1, tag + 1)")), (links[1].as_str(), "nil".to_string())];
        let lit = self.struct_lit(&mut cx, s, EOpts::new(1), &forced);
        cx.out.line(format!("let t = {lit};"));
        cx.declare("t", Ty::Struct(s, true), VarState::Live);
        cx.out.open("if (n + tag) % 3 != 0");
        cx.out.line(format!("t.{} = {name}(n - 2, tag * 2);", links[1]));
        cx.out.close();
        let k = self.rng.range(0, 1) as usize;
        self.stmts(&mut cx, k);
        cx.out.line("return t;");
        let max = 6;
        let cost = (cx.cost + 3) * (1 << (max + 1));
        let mut info = FnInfo::new(name, params, Some(ty), Role::Helper);
        info.fuel = Some((0, max));
        info.cost = cost;
        self.end_fn(cx, info);
    }

    /// `r(n, x) -> int`: passes an object down the recursion, uses it at the bottom.
    pub fn rec_pass(&mut self) {
        let name = self.fresh_fn_name("r");
        let s = self.rng.index(self.types.structs.len());
        let sty = Ty::Struct(s, true);
        let params = vec![("n".to_string(), Ty::Int), ("x".to_string(), sty.clone())];
        let mut perms = self.random_perms();
        perms.globals = perms.globals || self.rng.chance(50);
        let mut cx = self.begin_fn(&name, &params, Some(Ty::Int), perms, 300);
        cx.shadow("n", Ty::Int, VarState::ReadOnly);
        cx.out.open("if n <= 0");
        self.enter(&mut cx);
        self.chain_end(&mut cx, s);
        self.leave(&mut cx);
        cx.out.line(format!("return {};", self.hash_of(&sty, "x", "2")));
        cx.out.close();
        let k = self.rng.range(0, 1) as usize;
        self.stmts(&mut cx, k);
        cx.out.line(format!("return {name}(n - 1, x) + n;"));
        let max = 8;
        let cost = (cx.cost + 2 + 5 * self.types.walk_cost(&sty, 2)) * (max as u64 + 1);
        let mut info = FnInfo::new(name, params, Some(Ty::Int), Role::Helper);
        info.fuel = Some((0, max));
        info.cost = cost;
        self.end_fn(cx, info);
    }

    /// A random function with a fuel parameter and one or two self calls in its body.
    pub fn rec_general(&mut self) {
        let name = self.fresh_fn_name("r");
        let n = self.rng.range(0, 2) as usize;
        let mut params = vec![("n".to_string(), Ty::Int)];
        params.extend(self.random_params(n));
        let ret = if self.rng.chance(60) { Some(self.random_ty()) } else { None };
        let calls = if self.rng.chance(20) { 2 } else { 1 };
        let max: i64 = if calls == 2 { 4 } else { 6 };
        let perms = self.random_perms();
        let mut cx = self.begin_fn(&name, &params, ret.clone(), perms, 250);
        cx.shadow("n", Ty::Int, VarState::ReadOnly);
        cx.out.open("if n <= 0");
        self.enter(&mut cx);
        match &ret {
            Some(t) => {
                let e = self.expr(&mut cx, t, EOpts::new(1));
                cx.out.line(format!("return {e};"));
            }
            None => cx.out.line("return;"),
        }
        self.leave(&mut cx);
        cx.out.close();
        // Only past the base case may the function call itself.
        let sc = SelfCall { name: name.clone(), params: params.clone(), ret: ret.clone(), fuel: 0 };
        cx.self_call = Some(sc.clone());
        cx.self_calls_left = calls;
        let k = self.rng.range(2, 5) as usize;
        self.stmts(&mut cx, k);
        if cx.self_calls_left == calls {
            // Make sure it recurses at least once, at the top level of the body.
            let call = self.self_call_text(&mut cx, &sc, EOpts::new(1));
            match &ret {
                Some(t) => {
                    let r = cx.name("v");
                    cx.out.line(format!("let {r} = {call};"));
                    cx.declare(&r, t.clone(), VarState::Live);
                }
                None => cx.out.line(format!("{call};")),
            }
        }
        if let Some(t) = &ret {
            cx.self_calls_left = 0;
            let e = self.expr(&mut cx, t, EOpts::new(2));
            cx.out.line(format!("return {e};"));
        }
        let used = calls - cx.self_calls_left.min(calls);
        let levels: u64 = if used >= 2 { 1 << (max + 1) } else { max as u64 + 1 };
        let cost = (cx.cost + 2) * levels;
        let mut info = FnInfo::new(name, params, ret, Role::Helper);
        info.fuel = Some((0, max));
        info.cost = cost;
        self.end_fn(cx, info);
    }
}

/// Hash of `e` (of type `ty`) inside a walker, recursing with depth `d`.
fn walker_hash(types: &crate::types::Types, ty: &Ty, e: &str, d: &str) -> String {
    match ty {
        Ty::Int => e.to_string(),
        Ty::Float => format!("int({e} * 16.0)"),
        Ty::Bool => format!("b2i({e})"),
        Ty::Str => format!("hs({e})"),
        Ty::Array(el) => format!("cka_{}({e}, {d})", types.name(el)),
        Ty::Struct(..) | Ty::Enum(_) => format!("ck_{}({e}, {d})", types.name(ty)),
        Ty::Thread => "0".into(),
    }
}
