//! Per-function generation state: the variables in scope and what may be
//! done with them, the effects the function has accumulated, and its
//! estimated running cost.

use crate::emit::Out;
use crate::types::Ty;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarState {
    /// Readable and assignable.
    Live,
    /// Readable, never assigned: loop counters and recursion fuel.
    ReadOnly,
    /// Sent to the outbox: only walked (read) by `ck_*` from now on.
    Frozen,
    /// Handed to a thread not (yet) joined: not touched at all.
    Hidden,
}

#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    pub ty: Ty,
    pub state: VarState,
}

/// What a function does besides computing (or may do, as permissions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    pub globals: bool,
    pub print: bool,
    pub log: bool,
    pub send: bool,
    pub spawn: bool,
}

impl Effects {
    pub const ALL: Effects = Effects { globals: true, print: true, log: true, send: true, spawn: true };
    pub const NONE: Effects = Effects { globals: false, print: false, log: false, send: false, spawn: false };

    /// Every effect in `e` is permitted by `self`.
    pub fn allows(&self, e: &Effects) -> bool {
        (self.globals || !e.globals)
            && (self.print || !e.print)
            && (self.log || !e.log)
            && (self.send || !e.send)
            && (self.spawn || !e.spawn)
    }

    pub fn merge(&mut self, e: &Effects) {
        self.globals |= e.globals;
        self.print |= e.print;
        self.log |= e.log;
        self.send |= e.send;
        self.spawn |= e.spawn;
    }
}

/// The function being generated calls itself (bounded recursion).
#[derive(Clone)]
pub struct SelfCall {
    pub name: String,
    pub params: Vec<(String, Ty)>,
    pub ret: Option<Ty>,
    pub fuel: usize,
}

pub struct FnCtx {
    scopes: Vec<Vec<Var>>,
    pub out: Out,
    /// What this function may do.
    pub perms: Effects,
    /// What it has done so far (including through callees).
    pub effects: Effects,
    /// Product of the trip counts of the enclosing loops.
    pub mult: u64,
    /// Estimated statements executed per call so far.
    pub cost: u64,
    pub budget: u64,
    /// Enclosing loops (for `break`/`continue`).
    pub loops: u32,
    /// Enclosing blocks.
    pub depth: u32,
    pub ret: Option<Ty>,
    pub is_main: bool,
    pub self_call: Option<SelfCall>,
    pub self_calls_left: u32,
    counter: u32,
}

impl FnCtx {
    pub fn new(perms: Effects, budget: u64, ret: Option<Ty>) -> FnCtx {
        FnCtx {
            scopes: vec![vec![]],
            out: Out::default(),
            perms,
            effects: Effects::NONE,
            mult: 1,
            cost: 0,
            budget,
            loops: 0,
            depth: 0,
            ret,
            is_main: false,
            self_call: None,
            self_calls_left: 0,
            counter: 0,
        }
    }

    /// A fresh local name, unique in the function.
    pub fn name(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    pub fn push_scope(&mut self) {
        self.scopes.push(vec![]);
    }

    pub fn pop_scope(&mut self) {
        self.scopes.pop();
        assert!(!self.scopes.is_empty());
    }

    pub fn declare(&mut self, name: &str, ty: Ty, state: VarState) {
        self.scopes.last_mut().unwrap().push(Var { name: name.into(), ty, state });
    }

    /// Changes what the current scope (and inner ones) may do with a
    /// variable; outer scopes keep their view (narrowing, join in a branch).
    pub fn shadow(&mut self, name: &str, ty: Ty, state: VarState) {
        let scope = self.scopes.last_mut().unwrap();
        if let Some(v) = scope.iter_mut().rev().find(|v| v.name == name) {
            v.ty = ty;
            v.state = state;
        } else {
            scope.push(Var { name: name.into(), ty, state });
        }
    }

    /// Visible variables, innermost binding of each name, in declaration order.
    pub fn visible(&self) -> Vec<Var> {
        let mut seen: Vec<&str> = vec![];
        let mut out = vec![];
        for scope in self.scopes.iter().rev() {
            for v in scope.iter().rev() {
                if !seen.contains(&v.name.as_str()) {
                    seen.push(&v.name);
                    out.push(v.clone());
                }
            }
        }
        out.reverse();
        out
    }

    /// Variables of the outermost scope (for the final checksum of `main`).
    pub fn top_level(&self) -> Vec<Var> {
        let names: Vec<String> = self.scopes[0].iter().map(|v| v.name.clone()).collect();
        self.visible().into_iter().filter(|v| names.contains(&v.name)).collect()
    }

    pub fn remaining(&self) -> u64 {
        self.budget.saturating_sub(self.cost)
    }

    /// Accounts for `units` of work at the current loop nesting.
    pub fn charge(&mut self, units: u64) {
        self.cost = self.cost.saturating_add(units.saturating_mul(self.mult));
    }

    /// Can work of `units` per execution be afforded here?
    pub fn affords(&self, units: u64) -> bool {
        units.saturating_mul(self.mult) <= self.remaining()
    }
}
