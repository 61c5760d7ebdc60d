//! Function summaries: what a function does with the objects its
//! parameters reach, as its callers need to know it. Computed bottom-up
//! over the call graph; inside a recursive component, iterated from the
//! optimistic empty summary until nothing changes.
//!
//! Effects are per parameter and at a [`Depth`]: the argument's own
//! objects (and with them all they reach), what one of their slots points
//! to, or everything further away.

use berth_types::hir::FuncId;
use cranelift_entity::SecondaryMap;

use crate::bitset::BitSet;
use crate::escape::{Escapes, Level, is_link};
use crate::explain::Step;
use crate::graph::{Constraint, Graph, OUTSIDE, Obj, ObjId, ParamObjs, Slot};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Depth {
    Object,
    Slot(Slot),
    Content,
}

#[derive(Clone, Default, Debug)]
pub struct Summary {
    pub params: Vec<ParamEffect>,
    /// The result may be an object that is not one of the arguments'
    /// (created by this function, or from outside): to the caller, an
    /// outside object.
    pub returns_outside: bool,
}

#[derive(Clone, Default, Debug)]
pub struct ParamEffect {
    /// The argument's objects that escape, by depth; the steps say how, in
    /// this function's terms.
    pub escapes: Vec<(Depth, Vec<Step>)>,
    /// The result may be (or reach) the argument's objects at these depths.
    pub to_return: Vec<Depth>,
    /// `(depth, j, target depth, slot)`: the argument's objects at `depth`
    /// may be stored into `slot` of parameter `j`'s objects at the target
    /// depth (`j` may be this parameter itself).
    pub into: Vec<(Depth, u32, Depth, Slot)>,
    /// `(depth, slot)`: an object that is not one of the arguments' (made
    /// here, a global's, or from outside) may be stored into `slot` of the
    /// argument's objects at `depth`: to the caller, an outside object.
    pub receives_outside: Vec<(Depth, Slot)>,
}

impl ParamObjs {
    /// Each object of the parameter with the depth it stands for, shallowest
    /// first.
    fn by_depth(&self) -> Vec<(ObjId, Depth)> {
        let mut out = vec![(self.object, Depth::Object)];
        out.extend(self.slots.iter().map(|&(slot, obj)| (obj, Depth::Slot(slot))));
        out.push((self.content, Depth::Content));
        out
    }
}

impl Summary {
    /// Whether two summaries say the same, explanations aside.
    pub fn same_effects(&self, other: &Summary) -> bool {
        let effects = |s: &Summary| {
            s.params
                .iter()
                .map(|p| {
                    let escapes: Vec<Depth> = p.escapes.iter().map(|(d, _)| *d).collect();
                    (escapes, p.to_return.clone(), p.into.clone(), p.receives_outside.clone())
                })
                .collect::<Vec<_>>()
        };
        self.returns_outside == other.returns_outside && effects(self) == effects(other)
    }

    pub fn compute(g: &Graph, escapes: &Escapes, summaries: &SecondaryMap<FuncId, Summary>) -> Summary {
        let mut returned = BitSet::default();
        for c in &g.constraints {
            if let Constraint::Return { src, .. } = c {
                returned.union_with(&g.reach_stored(&g.pts[*src]));
            }
        }
        // Objects of this function that reach the caller (returned, or
        // stored into the caller's objects) are heap objects the caller
        // cannot see into: a parameter's object held by one must be on the
        // heap too (a pointer to a stack object is never stored in the
        // heap), whatever the caller does with it.
        let mut exported = BitSet::default();
        for (obj, kind) in g.objs.iter().enumerate() {
            if matches!(kind, Obj::Site(_)) && escapes.state[obj].is_some() {
                exported.insert(obj);
            }
        }
        let held = g.reach_stored(&exported);
        let params = (0..g.params.len())
            .map(|i| {
                let objs = &g.params[i];
                let mut effect = ParamEffect::default();
                for (obj, depth) in objs.by_depth() {
                    // An object marked only because a shallower one of the
                    // same parameter escapes adds nothing for the caller.
                    let escapes_here = match &escapes.state[obj] {
                        Some((level, reason)) => *level == Level::Global && !is_link(reason) || held.contains(obj),
                        None => false,
                    };
                    if escapes_here {
                        effect.escapes.push((depth, crate::explain::chain(g, escapes, summaries, obj)));
                    }
                }
                effect.to_return = minimal(objs, &returned);
                for (j, target) in g.params.iter().enumerate() {
                    for (target_obj, target_depth) in target.by_depth() {
                        for (&slot, members) in &g.slots[target_obj] {
                            let stored: BitSet = members
                                .iter()
                                .filter(|&m| g.provenance.contains_key(&(target_obj, slot, m)))
                                .fold(BitSet::default(), |mut set, m| {
                                    set.insert(m);
                                    set
                                });
                            for depth in minimal(objs, &g.reach_stored(&stored)) {
                                effect.into.push((depth, j as u32, target_depth, slot));
                            }
                            if j == i && stored.iter().any(|m| g.objs[m].param().is_none()) {
                                effect.receives_outside.push((target_depth, slot));
                            }
                        }
                    }
                }
                effect
            })
            .collect();
        let returns_outside =
            returned.iter().any(|o| o == OUTSIDE || matches!(g.objs[o], Obj::Site(_) | Obj::Global(_)));
        Summary { params, returns_outside }
    }
}

/// The depths of a parameter's objects present in `set`: the object alone
/// if it is there (it stands for everything it reaches); else its slot
/// objects that are there, and the content if it is.
fn minimal(objs: &ParamObjs, set: &BitSet) -> Vec<crate::summary::Depth> {
    if set.contains(objs.object) {
        return vec![Depth::Object];
    }
    objs.by_depth().into_iter().skip(1).filter(|&(obj, _)| set.contains(obj)).map(|(_, d)| d).collect()
}

impl Graph<'_> {
    /// Like `reach`, but without following the links between a parameter's
    /// objects: what is reachable through what the code stored.
    pub fn reach_stored(&self, roots: &BitSet) -> BitSet {
        let mut seen = roots.clone();
        let mut work: Vec<ObjId> = roots.iter().collect();
        while let Some(obj) = work.pop() {
            for (&slot, members) in &self.slots[obj] {
                for m in members.iter() {
                    if self.provenance.contains_key(&(obj, slot, m)) && seen.insert(m) {
                        work.push(m);
                    }
                }
            }
        }
        seen
    }
}
