//! The walk: virtual objects and their states along a path, one block at
//! a time, and materialisation.

use std::collections::{BTreeMap, HashMap, HashSet};

use berth_ir::cfg::{ControlFlowGraph, DominatorTree};
use berth_ir::instructions::{AllocInit, InstKind, Storage};
use berth_ir::{AllocSite, Block, Function, Inst, Module, SiteData, Value};
use berth_types::hir::FuncId;
use berth_types::{StructId, TypeId};

use super::merge::HeaderObjects;
use super::shape::Shape;
use super::{Constraint, is_candidate};

pub(super) type Obj = usize;

#[derive(Clone, Debug)]
pub(super) struct ObjInfo {
    pub(super) strukt: StructId,
    pub(super) ty: TypeId,
    /// The program's site that creates it; none for an object made of
    /// others at a merge (see `Walk::flows`).
    pub(super) sites: Vec<AllocSite>,
    /// The value that created it: an `alloc` result or a block parameter.
    pub(super) root: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum ObjState {
    Virtual(Vec<Value>),
    Materialized(Value),
}

pub(super) type State = BTreeMap<Obj, ObjState>;

/// What a value stands for at a point of a path.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Resolved {
    Virtual(Obj),
    Real(Value),
}

pub(super) struct Walk<'m> {
    pub(super) module: &'m Module,
    pub(super) func: Function,
    pub(super) f: FuncId,
    pub(super) constraints: &'m HashSet<Constraint>,
    pub(super) cfg: &'m ControlFlowGraph,
    pub(super) doms: &'m DominatorTree,
    pub(super) order: &'m [Block],
    pub(super) live_in: &'m HashMap<Block, HashSet<Value>>,
    pub(super) objs: Vec<ObjInfo>,
    pub(super) alias: HashMap<Value, Obj>,
    pub(super) subst: HashMap<Value, Value>,
    pub(super) exits: HashMap<Block, State>,
    pub(super) headers: HashMap<Block, HeaderObjects>,
    pub(super) nils: HashMap<TypeId, Value>,
    /// Materialisation sites to add to the module, with the object each
    /// materialises.
    pub(super) new_sites: Vec<(SiteData, Obj)>,
    /// `(a, b)`: objects of `a` may become `b` at a merge.
    pub(super) flows: Vec<(Obj, Obj)>,
    pub(super) virtualized: Vec<AllocSite>,
    /// Where each materialisation is: its block, for the "useless" check.
    pub(super) materializations: Vec<(Block, Obj)>,
    pub(super) markers: HashMap<Obj, Block>,
}

impl<'m> Walk<'m> {
    pub(super) fn new(
        module: &'m Module,
        f: FuncId,
        shape: &'m Shape,
        constraints: &'m HashSet<Constraint>,
    ) -> Walk<'m> {
        Walk {
            module,
            func: module.funcs[f].clone(),
            f,
            constraints,
            cfg: &shape.cfg,
            doms: &shape.doms,
            order: &shape.order,
            live_in: &shape.live_in,
            objs: Vec::new(),
            alias: HashMap::new(),
            subst: HashMap::new(),
            exits: HashMap::new(),
            headers: HashMap::new(),
            nils: HashMap::new(),
            new_sites: Vec::new(),
            flows: Vec::new(),
            virtualized: Vec::new(),
            materializations: Vec::new(),
            markers: HashMap::new(),
        }
    }

    pub(super) fn run(&mut self) -> Result<(), Constraint> {
        let order = self.order;
        for &block in order {
            let state = self.enter(block)?;
            let state = self.walk_block(block, state)?;
            self.exits.insert(block, state.clone());
            self.back_edges(block, &state)?;
        }
        // Blocks no path reaches may mention objects that are gone.
        // Placeholders for virtual arguments nobody ended up needing.
        let mut used: HashSet<Value> = HashSet::new();
        for (_, i) in self.func.insts() {
            self.func.dfg.insts[i].kind.for_each_operand(|v| {
                used.insert(v);
            });
        }
        let entry = self.func.entry().expect("a function with code has an entry");
        let unused: Vec<Value> = self.nils.values().copied().filter(|v| !used.contains(v)).collect();
        self.func.layout.insts[entry].retain(|&i| self.func.dfg.insts[i].result.is_none_or(|r| !unused.contains(&r)));
        let reached: HashSet<Block> = order.iter().copied().collect();
        let original: HashSet<Block> = self.module.funcs[self.f].layout.blocks.iter().copied().collect();
        self.func.layout.blocks.retain(|b| reached.contains(b) || !original.contains(b));
        Ok(())
    }

    /// Sites whose every materialisation sits in the block that creates
    /// them: virtual objects that gain nothing.
    pub(super) fn materialized_where_created(&self) -> Vec<AllocSite> {
        let mut out = Vec::new();
        for (&obj, &block) in &self.markers {
            if self.materializations.iter().any(|&(b, o)| o == obj && b == block) {
                out.extend(self.objs[obj].sites.iter().copied());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The program's sites whose objects `obj` may be.
    pub(super) fn sites_of(&self, obj: Obj) -> Vec<AllocSite> {
        let mut seen = HashSet::new();
        let mut work = vec![obj];
        let mut out = Vec::new();
        while let Some(o) = work.pop() {
            if seen.insert(o) {
                out.extend(self.objs[o].sites.iter().copied());
                work.extend(self.flows.iter().filter(|&&(_, into)| into == o).map(|&(from, _)| from));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    // ---- values ----

    pub(super) fn resolve(&self, state: &State, value: Value) -> Resolved {
        let mut v = value;
        while let Some(&s) = self.subst.get(&v) {
            v = s;
        }
        match self.alias.get(&v) {
            Some(&obj) => match state.get(&obj) {
                Some(ObjState::Virtual(_)) => Resolved::Virtual(obj),
                Some(ObjState::Materialized(m)) => Resolved::Real(*m),
                // An object no longer tracked is only reachable through
                // values that are dead here.
                None => Resolved::Real(v),
            },
            None => Resolved::Real(v),
        }
    }

    /// The value to store for `value` in a virtual object's field: a
    /// materialised object's address, or the value itself.
    pub(super) fn field_value(&self, state: &State, value: Value) -> Value {
        match self.resolve(state, value) {
            Resolved::Virtual(obj) => self.objs[obj].root,
            Resolved::Real(v) => v,
        }
    }

    pub(super) fn nil(&mut self, ty: TypeId) -> Value {
        if let Some(&v) = self.nils.get(&ty) {
            return v;
        }
        let span = self.func.span;
        let inst = self.func.dfg.make_inst(InstKind::Nil, Some(ty), span);
        let entry = self.func.entry().expect("a function with code has an entry");
        self.func.layout.insts[entry].insert(0, inst);
        let v = self.func.dfg.insts[inst].result.expect("nil has a result");
        self.nils.insert(ty, v);
        v
    }

    // ---- materialisation ----

    /// Gives `obj` memory at the end of `out` (and, first, every virtual
    /// object its fields point to); returns its address.
    pub(super) fn materialize(
        &mut self,
        state: &mut State,
        obj: Obj,
        out: &mut Vec<Inst>,
        block: Block,
        span: berth_syntax::Span,
        busy: &mut Vec<Obj>,
    ) -> Result<Value, Constraint> {
        let fields = match state.get(&obj) {
            Some(ObjState::Materialized(m)) => return Ok(*m),
            Some(ObjState::Virtual(fields)) => fields.clone(),
            None => return Err(Constraint::Exclude(self.sites_of(obj)[0])),
        };
        if busy.contains(&obj) {
            // Objects that point to each other: not worth the trouble.
            return Err(Constraint::Exclude(self.sites_of(obj)[0]));
        }
        busy.push(obj);
        let mut values = Vec::with_capacity(fields.len());
        for v in fields {
            values.push(match self.resolve(state, v) {
                Resolved::Virtual(inner) => self.materialize(state, inner, out, block, span, busy)?,
                Resolved::Real(v) => v,
            });
        }
        busy.pop();
        let info = self.objs[obj].clone();
        let first = self.module.sites[self.sites_of(obj)[0]].clone();
        let site = AllocSite::from_u32((self.module.sites.len() + self.new_sites.len()) as u32);
        self.new_sites.push((first, obj));
        let kind = InstKind::Alloc {
            site,
            storage: Storage::Undecided,
            init: AllocInit::Struct { strukt: info.strukt, fields: values },
        };
        let inst = self.func.dfg.make_inst(kind, Some(info.ty), span);
        out.push(inst);
        let m = self.func.dfg.insts[inst].result.expect("alloc has a result");
        state.insert(obj, ObjState::Materialized(m));
        self.materializations.push((block, obj));
        Ok(m)
    }

    // ---- one block ----

    pub(super) fn walk_block(&mut self, block: Block, mut state: State) -> Result<State, Constraint> {
        let insts = self.func.layout.insts[block].clone();
        let mut out = Vec::with_capacity(insts.len());
        for inst in insts {
            let span = self.func.dfg.insts[inst].span;
            let result = self.func.dfg.insts[inst].result;
            // Most instructions touch no object that is or was virtual.
            let mut touches = false;
            self.func.dfg.insts[inst].kind.for_each_operand(|v| {
                touches |= self.subst.contains_key(&v) || self.alias.contains_key(&v);
            });
            let candidate = is_candidate(self.module, &self.func.dfg.insts[inst].kind);
            if !touches && !candidate {
                out.push(inst);
                continue;
            }
            let kind = self.func.dfg.insts[inst].kind.clone();
            match kind {
                InstKind::Alloc { site, init: AllocInit::Struct { strukt, fields }, .. }
                    if candidate && !self.constraints.contains(&Constraint::Exclude(site)) =>
                {
                    let result = result.expect("alloc has a result");
                    let fields = fields.iter().map(|&v| self.field_value(&state, v)).collect();
                    let obj = self.objs.len();
                    self.objs.push(ObjInfo {
                        strukt,
                        ty: self.func.dfg.value_type(result),
                        sites: vec![site],
                        root: result,
                    });
                    self.alias.insert(result, obj);
                    state.insert(obj, ObjState::Virtual(fields));
                    self.func.dfg.insts[inst].kind = InstKind::Scalar(site);
                    self.func.dfg.insts[inst].result = None;
                    self.virtualized.push(site);
                    self.markers.insert(obj, block);
                    out.push(inst);
                    continue;
                }
                InstKind::FieldGet { object, field, .. } => {
                    if let Resolved::Virtual(obj) = self.resolve(&state, object) {
                        let Some(ObjState::Virtual(fields)) = state.get(&obj) else { unreachable!() };
                        let value = fields[field as usize];
                        self.subst.insert(result.expect("field.get has a result"), value);
                        continue;
                    }
                }
                InstKind::FieldSet { object, field, value, .. } => {
                    if let Resolved::Virtual(obj) = self.resolve(&state, object) {
                        let value = self.field_value(&state, value);
                        if let Some(ObjState::Virtual(fields)) = state.get_mut(&obj) {
                            fields[field as usize] = value;
                        }
                        continue;
                    }
                }
                _ => {}
            }
            if kind.is_terminator() && !matches!(kind, InstKind::Return(_) | InstKind::Panic(_)) {
                // Branch arguments are settled by the merge at each
                // destination; only the condition is an ordinary use.
                if let InstKind::Branch { cond, .. } = &kind {
                    let cond = *cond;
                    let real = match self.resolve(&state, cond) {
                        Resolved::Real(v) => v,
                        Resolved::Virtual(_) => cond,
                    };
                    if let InstKind::Branch { cond, .. } = &mut self.func.dfg.insts[inst].kind {
                        *cond = real;
                    }
                }
                out.push(inst);
                continue;
            }
            // Every other use of an object needs it in memory.
            let operands = kind.operands();
            let mut replacements: HashMap<Value, Value> = HashMap::new();
            for v in operands {
                if replacements.contains_key(&v) {
                    continue;
                }
                let real = match self.resolve(&state, v) {
                    Resolved::Virtual(obj) => {
                        self.materialize(&mut state, obj, &mut out, block, span, &mut Vec::new())?
                    }
                    Resolved::Real(r) => r,
                };
                replacements.insert(v, real);
            }
            self.func.dfg.insts[inst].kind.for_each_operand_mut(|v| *v = replacements[v]);
            out.push(inst);
        }
        self.func.layout.insts[block] = out;
        Ok(state)
    }
}
