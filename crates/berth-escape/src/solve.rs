//! Solving: the points-to sets of one function, iterated to a fixpoint,
//! with the callees' summaries applied at calls.

use berth_types::hir::FuncId;
use cranelift_entity::SecondaryMap;

use crate::bitset::BitSet;
use crate::graph::{Constraint, Graph, OUTSIDE, ObjId, Slot};
use crate::summary::{Depth, Summary};

impl Graph<'_> {
    /// Propagates points-to facts through every constraint until nothing
    /// changes. Sets only grow, and are bounded by the function's objects,
    /// so this terminates.
    pub fn solve(&mut self, summaries: &SecondaryMap<FuncId, Summary>) {
        let constraints = std::mem::take(&mut self.constraints);
        loop {
            let mut changed = false;
            for c in &constraints {
                changed |= self.apply(c, summaries);
            }
            if !changed {
                break;
            }
        }
        self.constraints = constraints;
    }

    fn apply(&mut self, c: &Constraint, summaries: &SecondaryMap<FuncId, Summary>) -> bool {
        match c {
            Constraint::Copy { dst, src } => {
                let src = self.pts[*src].clone();
                self.pts[*dst].union_with(&src)
            }
            Constraint::Load { dst, base, slot } => {
                let mut loaded = BitSet::default();
                for obj in self.pts[*base].iter() {
                    loaded.union_with(&self.load(obj, *slot));
                }
                self.pts[*dst].union_with(&loaded)
            }
            Constraint::Store { base, slot, src, inst } => {
                let stored = self.pts[*src].clone();
                let bases: Vec<ObjId> = self.pts[*base].iter().collect();
                let mut changed = false;
                for obj in bases {
                    changed |= self.store(obj, *slot, &stored, *inst);
                }
                changed
            }
            Constraint::Call { inst, callee, args, result } => {
                let summary = &summaries[*callee];
                let mut changed = false;
                for (i, effect) in summary.params.iter().enumerate() {
                    let Some(&arg) = args.get(i).filter(|&&a| self.tracked[a]) else { continue };
                    if let Some(r) = result.filter(|&r| self.tracked[r]) {
                        for &depth in &effect.to_return {
                            let returned = self.at_depth(arg, depth);
                            changed |= self.pts[r].union_with(&returned);
                        }
                    }
                    for &(depth, j, target_depth, slot) in &effect.into {
                        let Some(&target) = args.get(j as usize).filter(|&&t| self.tracked[t]) else { continue };
                        let stored = self.at_depth(arg, depth);
                        let targets: Vec<ObjId> = self.at_depth(target, target_depth).iter().collect();
                        for obj in targets {
                            changed |= self.store(obj, slot, &stored, *inst);
                        }
                    }
                    let mut outside = BitSet::default();
                    outside.insert(OUTSIDE);
                    for &(depth, slot) in &effect.receives_outside {
                        let targets: Vec<ObjId> = self.at_depth(arg, depth).iter().collect();
                        for obj in targets {
                            changed |= self.store(obj, slot, &outside, *inst);
                        }
                    }
                }
                if summary.returns_outside
                    && let Some(r) = result.filter(|&r| self.tracked[r])
                {
                    changed |= self.pts[r].insert(OUTSIDE);
                }
                changed
            }
            Constraint::Push { .. } | Constraint::Escape { .. } | Constraint::Return { .. } => false,
        }
    }

    /// What a load from `slot` of `obj` may yield: the slot and whatever
    /// was stored where the slot was not known. Collapsed objects have only
    /// their "any" slot. A load from "any" slot (a callee's view of an
    /// object it cannot tell the fields of) may yield any of them.
    fn load(&self, obj: ObjId, slot: Slot) -> BitSet {
        if slot == Slot::Any {
            let mut all = BitSet::default();
            for members in self.slots[obj].values() {
                all.union_with(members);
            }
            return all;
        }
        let mut out = self.slot(obj, Slot::Any);
        if self.objs[obj].field_sensitive() {
            out.union_with(&self.slot(obj, slot));
        }
        out
    }

    /// What an argument stands for at a depth of a callee's parameter: the
    /// objects it points to; what one of their slots points to; or
    /// everything two or more slots away.
    pub fn at_depth(&self, value: berth_ir::Value, depth: Depth) -> BitSet {
        let objects = self.pts[value].clone();
        match depth {
            Depth::Object => objects,
            Depth::Slot(slot) => {
                let mut loaded = BitSet::default();
                for obj in objects.iter() {
                    loaded.union_with(&self.load(obj, slot));
                }
                loaded
            }
            Depth::Content => {
                let deeper = self.one_slot_away(&self.one_slot_away(&objects));
                self.reach(&deeper)
            }
        }
    }

    fn one_slot_away(&self, objects: &BitSet) -> BitSet {
        let mut next = BitSet::default();
        for obj in objects.iter() {
            for members in self.slots[obj].values() {
                next.union_with(members);
            }
        }
        next
    }

    /// Adds `members` to `obj`'s slot (its "any" slot if `obj` is
    /// collapsed), remembering which instruction put each there first.
    /// The instruction is remembered even when the member was already
    /// there through a link between a parameter's objects: summaries tell
    /// what the code stores from what a parameter merely reaches.
    fn store(&mut self, obj: ObjId, slot: Slot, members: &BitSet, inst: berth_ir::Inst) -> bool {
        let slot = if self.objs[obj].field_sensitive() { slot } else { Slot::Any };
        let set = self.slots[obj].entry(slot).or_default();
        let mut changed = false;
        for m in members.iter() {
            changed |= set.insert(m);
            self.provenance.entry((obj, slot, m)).or_insert(inst);
        }
        changed
    }

    pub fn slot(&self, obj: ObjId, slot: Slot) -> BitSet {
        self.slots[obj].get(&slot).cloned().unwrap_or_default()
    }

    /// Every object reachable from `roots` through slots, roots included.
    pub fn reach(&self, roots: &BitSet) -> BitSet {
        let mut seen = roots.clone();
        let mut work: Vec<ObjId> = roots.iter().collect();
        while let Some(obj) = work.pop() {
            for members in self.slots[obj].values() {
                for m in members.iter() {
                    if seen.insert(m) {
                        work.push(m);
                    }
                }
            }
        }
        seen
    }
}
