//! Escape propagation: which of a function's abstract objects may outlive
//! its frame, and why.
//!
//! Roots are where objects leave the frame: stores into globals, `send`,
//! `spawn`, parameters of callees that let them escape, stores into objects
//! that are not this function's (the caller's, reached from a parameter, or
//! outside ones), and `return`. From each root, escape spreads to
//! everything reachable through slots. Each object keeps the first reason
//! found, so its chain back to a root is a path in a breadth-first tree:
//! finite even when the objects form cycles.

use std::collections::VecDeque;

use berth_ir::Inst;
use berth_types::hir::FuncId;
use cranelift_entity::SecondaryMap;

use crate::graph::{Constraint, Graph, Obj, ObjId, Root, Slot};
use crate::summary::{Depth, Summary};

/// How far an object escapes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Level {
    /// Anywhere: a global, another thread, the outbox, unknown code.
    Global,
    /// To the caller, as (part of) the result.
    Returned,
    /// To the caller, stored into an object from parameter `i`.
    IntoParam(u32),
}

/// The step that made an object escape.
#[derive(Clone, Debug)]
pub enum Reason {
    Root {
        root: Root,
        inst: Inst,
    },
    Returned {
        inst: Inst,
    },
    /// Passed to a callee whose parameter (at this depth) escapes there.
    CallArg {
        inst: Inst,
        callee: FuncId,
        param: u32,
        depth: Depth,
    },
    /// Stored into `container` (which escapes, or is not this function's);
    /// no instruction for what a parameter's object reaches.
    Within {
        container: ObjId,
        slot: Slot,
        inst: Option<Inst>,
    },
}

/// The escape state of every object of one function.
pub struct Escapes {
    pub state: Vec<Option<(Level, Reason)>>,
}

impl Escapes {
    pub fn compute(g: &Graph, summaries: &SecondaryMap<FuncId, Summary>) -> Escapes {
        let mut e = Escapes { state: vec![None; g.objs.len()] };
        let mut queue = VecDeque::new();

        // Everywhere: roots, escaping callee parameters, stores into
        // outside objects.
        for c in &g.constraints {
            match c {
                Constraint::Escape { src, root, inst } => {
                    e.seed(g, &mut queue, *src, Level::Global, Reason::Root { root: *root, inst: *inst })
                }
                Constraint::Call { inst, callee, args, .. } => {
                    for (i, effect) in summaries[*callee].params.iter().enumerate() {
                        let Some(&arg) = args.get(i).filter(|&&a| g.tracked[a]) else { continue };
                        for &(depth, _) in &effect.escapes {
                            let reason = Reason::CallArg { inst: *inst, callee: *callee, param: i as u32, depth };
                            for obj in g.at_depth(arg, depth).iter() {
                                e.mark(&mut queue, obj, Level::Global, reason.clone());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for (obj, kind) in g.objs.iter().enumerate() {
            if matches!(kind, Obj::Outside | Obj::Global(_)) {
                e.seed_contents(g, &mut queue, obj, Level::Global);
            }
        }
        e.spread(g, &mut queue);

        // To the caller as the result.
        for c in &g.constraints {
            if let Constraint::Return { src, inst } = c {
                e.seed(g, &mut queue, *src, Level::Returned, Reason::Returned { inst: *inst });
            }
        }
        e.spread(g, &mut queue);

        // Into the caller's objects.
        for (obj, kind) in g.objs.iter().enumerate() {
            if let Some(i) = kind.param() {
                e.seed_contents(g, &mut queue, obj, Level::IntoParam(i));
                e.spread(g, &mut queue);
            }
        }
        e
    }

    pub fn escapes(&self, obj: ObjId) -> bool {
        self.state[obj].is_some()
    }

    /// Marks what `value` points to, unless already marked.
    fn seed(&mut self, g: &Graph, queue: &mut VecDeque<ObjId>, value: berth_ir::Value, level: Level, reason: Reason) {
        for obj in g.pts[value].iter() {
            self.mark(queue, obj, level, reason.clone());
        }
    }

    /// Marks what the code stores in an object that is not this
    /// function's.
    fn seed_contents(&mut self, g: &Graph, queue: &mut VecDeque<ObjId>, container: ObjId, level: Level) {
        for (&slot, members) in &g.slots[container] {
            for m in members.iter() {
                if let Some(&inst) = g.provenance.get(&(container, slot, m)) {
                    self.mark(queue, m, level, Reason::Within { container, slot, inst: Some(inst) });
                }
            }
        }
    }

    /// Marks an object, unless already marked. A reason that is only a
    /// link between a parameter's objects gives way to a real one at the
    /// same level: summaries keep only real escapes, and one found first
    /// through a link must not hide one the code causes.
    fn mark(&mut self, queue: &mut VecDeque<ObjId>, obj: ObjId, level: Level, reason: Reason) {
        match &self.state[obj] {
            None => {
                self.state[obj] = Some((level, reason));
                queue.push_back(obj);
            }
            Some((marked, old)) if *marked == level && is_link(old) && !is_link(&reason) => {
                self.state[obj] = Some((level, reason));
            }
            Some(_) => {}
        }
    }

    /// Spreads the level of every queued object to what it holds.
    fn spread(&mut self, g: &Graph, queue: &mut VecDeque<ObjId>) {
        while let Some(obj) = queue.pop_front() {
            let (level, _) = self.state[obj].clone().expect("queued objects are marked");
            for (&slot, members) in &g.slots[obj] {
                for m in members.iter() {
                    let inst = g.provenance.get(&(obj, slot, m)).copied();
                    self.mark(queue, m, level, Reason::Within { container: obj, slot, inst });
                }
            }
        }
    }
}

/// Whether a reason is only a link between a parameter's objects.
pub fn is_link(reason: &Reason) -> bool {
    matches!(reason, Reason::Within { inst: None, .. })
}
