//! Merges: the state at the start of a block from the states along its
//! incoming edges (field phis, virtual block parameters, materialisation on
//! edges), and code placed on edges.

use std::collections::HashMap;

use berth_ir::instructions::{BlockCall, InstKind};
use berth_ir::{Block, Inst, Value};

use super::Constraint;
use super::walk::{Obj, ObjInfo, ObjState, Resolved, State, Walk};

/// One incoming edge of a block being merged: the state along it, and
/// where its instructions and arguments go.
pub(super) struct Edge {
    pub(super) state: State,
    /// The block whose terminator branches to the merge.
    pub(super) from: Block,
    /// Which destination of that terminator.
    pub(super) dest: usize,
    /// Set once the edge has its own block (for materialisations on an
    /// edge out of a `brif`).
    pub(super) split: Option<Block>,
}

/// What a loop header assumed about the objects the loop carries, and the
/// parameters it added, whose back-edge arguments are filled in when the
/// back edges are walked.
#[derive(Default)]
pub(super) struct HeaderObjects {
    /// Objects from before the loop that it keeps virtual, with their
    /// fields at the header (a field without a parameter holds a virtual
    /// object that must stay the same around the loop).
    pub(super) objects: Vec<(Obj, Vec<Value>)>,
    /// Original parameters that became virtual objects, with those
    /// objects and their fields.
    pub(super) params: Vec<(usize, Obj, Vec<Value>)>,
    /// Objects in memory at the header.
    pub(super) materialized: Vec<Obj>,
    /// The parameters the header added, in order.
    pub(super) added: Vec<Added>,
}

/// Where the parameters a merge adds go: the block, the arguments each
/// incoming edge passes them, and (for a loop header) what each stands for.
pub(super) struct NewPhis<'a> {
    pub(super) block: Block,
    pub(super) is_header: bool,
    pub(super) extra_args: &'a mut [Vec<Value>],
    pub(super) added: &'a mut Vec<Added>,
}

/// Where a parameter a loop header added gets its back-edge argument.
#[derive(Clone, Copy)]
pub(super) enum Added {
    /// Field of an object from before the loop.
    ObjectField(Obj, usize),
    /// Field of the virtual object of an original parameter.
    ParamField(usize, usize),
    /// Address of a materialised object.
    Address(Obj),
}

impl Walk<'_> {
    /// The state at the start of `block`, merging its incoming edges.
    pub(super) fn enter(&mut self, block: Block) -> Result<State, Constraint> {
        let preds: Vec<Block> = self.cfg.predecessors(block).collect();
        let forward: Vec<Block> = preds.iter().copied().filter(|p| self.exits.contains_key(p)).collect();
        let is_header = preds.iter().any(|&p| !self.exits.contains_key(&p) && self.doms.dominates(self.cfg, block, p));
        if forward.is_empty() {
            return Ok(State::new());
        }
        let mut edges = Vec::new();
        for &p in &forward {
            let term = self.func.terminator(p).expect("a predecessor ends in a branch");
            let dests: Vec<usize> = self.func.dfg.insts[term]
                .kind
                .destinations()
                .enumerate()
                .filter(|(_, d)| d.block == block)
                .map(|(i, _)| i)
                .collect();
            for dest in dests {
                edges.push(Edge { state: self.exits[&p].clone(), from: p, dest, split: None });
            }
        }
        let params = self.func.dfg.blocks[block].params.clone();
        // What each original parameter becomes: `Some(obj)` a virtual one.
        let mut param_objs: Vec<Option<Obj>> = vec![None; params.len()];
        loop {
            let mut again = false;
            // Objects that survive: present on every edge and reachable
            // from a value live into the block.
            // How many parameters receive each virtual object, per edge; the
            // objects parameters alias outright survive.
            let (uses, aliased) = self.param_uses(&edges, params.len(), is_header);
            let survivors = self.survivors(block, &edges, &aliased);
            // Objects virtual on some edges only, or every edge for a loop
            // that must see it in memory, are materialised.
            for &obj in &survivors {
                let virtual_on: Vec<bool> =
                    edges.iter().map(|e| matches!(e.state.get(&obj), Some(ObjState::Virtual(_)))).collect();
                let forced =
                    is_header && self.constraints.contains(&Constraint::BeforeLoop(block, self.objs[obj].root));
                if virtual_on.iter().any(|&v| v) && (forced || virtual_on.iter().any(|&v| !v)) {
                    for i in 0..edges.len() {
                        if virtual_on[i] {
                            self.materialize_on_edge(&mut edges[i], obj, block)?;
                        }
                    }
                    again = true;
                }
            }
            // Fields of objects virtual everywhere that differ need phis,
            // and phis carry only values: virtual ones are materialised.
            for &obj in &survivors {
                let Some(fields) = virtual_fields(&edges, obj) else { continue };
                again |= self.materialize_phi_inputs(block, &mut edges, &fields, is_header)?;
            }
            // Block parameters. One that receives the same virtual object on
            // every edge (outside a loop header) is that object, which then
            // survives; one that receives a different object on each edge
            // becomes a new virtual object, if no other way to reach those
            // objects survives (identity). Otherwise they are materialised.
            for (index, param_obj) in param_objs.iter_mut().enumerate() {
                let (resolved, virtual_objs) = self.param_objects(&edges, index);
                *param_obj = None;
                if virtual_objs.is_empty() {
                    continue;
                }
                let all_virtual = virtual_objs.len() == edges.len();
                let same = virtual_objs.iter().all(|&o| o == virtual_objs[0]);
                let real_param = is_header && self.constraints.contains(&Constraint::RealParam(block, index));
                let shared = virtual_objs
                    .iter()
                    .enumerate()
                    .any(|(i, o)| survivors.contains(o) || uses[i].get(o).copied().unwrap_or(0) > 1);
                if all_virtual && !real_param && !is_header && same {
                    *param_obj = Some(virtual_objs[0]);
                    continue;
                }
                if all_virtual && !real_param && !shared {
                    *param_obj = Some(virtual_objs[0]);
                    let fields: Vec<Vec<Value>> =
                        edges.iter().zip(&virtual_objs).map(|(e, &o)| virtual_of(&e.state, o)).collect();
                    again |= self.materialize_phi_inputs(block, &mut edges, &fields, is_header)?;
                    continue;
                }
                for (i, r) in resolved.iter().enumerate() {
                    if let Resolved::Virtual(obj) = r {
                        self.materialize_on_edge(&mut edges[i], *obj, block)?;
                        again = true;
                    }
                }
            }
            if !again {
                return Ok(self.finish_merge(block, edges, &params, &param_objs, is_header));
            }
        }
    }

    /// Materialises, on their edges, virtual objects that would flow into
    /// a field phi: phis carry values. Returns whether it did any.
    pub(super) fn materialize_phi_inputs(
        &mut self,
        block: Block,
        edges: &mut [Edge],
        fields: &[Vec<Value>],
        is_header: bool,
    ) -> Result<bool, Constraint> {
        let mut any = false;
        for field in 0..fields[0].len() {
            if !self.needs_phi(edges, fields, field, is_header) {
                continue;
            }
            for i in 0..edges.len() {
                if let Resolved::Virtual(inner) = self.resolve(&edges[i].state, fields[i][field]) {
                    self.materialize_on_edge(&mut edges[i], inner, block)?;
                    any = true;
                }
            }
        }
        Ok(any)
    }

    /// Whether a field of an object merged at `block` needs a phi: what it
    /// stands for differs between edges (two names of one virtual object
    /// are the same; one value materialised differently on each edge is
    /// not), or (at a loop header, whose back edges are not seen yet) it
    /// holds a value rather than a virtual object.
    pub(super) fn needs_phi(&self, edges: &[Edge], fields: &[Vec<Value>], field: usize, is_header: bool) -> bool {
        let resolved: Vec<Resolved> = edges.iter().zip(fields).map(|(e, f)| self.resolve(&e.state, f[field])).collect();
        let same = resolved.iter().all(|r| *r == resolved[0]);
        let holds_virtual = resolved.iter().any(|r| matches!(r, Resolved::Virtual(_)));
        !same || (is_header && !holds_virtual)
    }

    /// What the arguments for parameter `index` stand for on each edge, and
    /// the virtual objects among them.
    pub(super) fn param_objects(&self, edges: &[Edge], index: usize) -> (Vec<Resolved>, Vec<Obj>) {
        let resolved: Vec<Resolved> = edges.iter().map(|e| self.resolve(&e.state, self.edge_args(e)[index])).collect();
        let objs = resolved.iter().filter_map(|r| if let Resolved::Virtual(o) = r { Some(*o) } else { None }).collect();
        (resolved, objs)
    }

    /// Per edge, how many parameters receive each virtual object; and the
    /// objects that must survive the merge for the parameters' sake: those
    /// some parameter receives on every edge (outside loop headers), which
    /// the parameter then is, and those the fields of the parameters'
    /// objects point to.
    pub(super) fn param_uses(
        &self,
        edges: &[Edge],
        params: usize,
        is_header: bool,
    ) -> (Vec<HashMap<Obj, usize>>, Vec<Obj>) {
        let mut uses = vec![HashMap::new(); edges.len()];
        let mut roots = Vec::new();
        for index in 0..params {
            let (resolved, objs) = self.param_objects(edges, index);
            for (i, r) in resolved.iter().enumerate() {
                if let Resolved::Virtual(o) = r {
                    *uses[i].entry(*o).or_insert(0) += 1;
                    for field in virtual_of(&edges[i].state, *o) {
                        if let Resolved::Virtual(inner) = self.resolve(&edges[i].state, field) {
                            roots.push(inner);
                        }
                    }
                }
            }
            if !is_header && objs.len() == edges.len() && objs.iter().all(|&o| o == objs[0]) {
                roots.push(objs[0]);
            }
        }
        (uses, roots)
    }

    /// The objects that live on past a merge.
    pub(super) fn survivors(&self, block: Block, edges: &[Edge], aliased: &[Obj]) -> Vec<Obj> {
        let mut needed: Vec<Obj> = Vec::new();
        let mut work: Vec<Obj> = aliased.to_vec();
        if let Some(live) = self.live_in.get(&block) {
            let mut live: Vec<Value> = live.iter().copied().collect();
            live.sort();
            for v in live {
                let mut v = v;
                while let Some(&s) = self.subst.get(&v) {
                    v = s;
                }
                if let Some(&obj) = self.alias.get(&v) {
                    work.push(obj);
                }
            }
        }
        while let Some(obj) = work.pop() {
            if needed.contains(&obj) || !edges.iter().all(|e| e.state.contains_key(&obj)) {
                continue;
            }
            needed.push(obj);
            for e in edges {
                if let Some(ObjState::Virtual(fields)) = e.state.get(&obj) {
                    for &f in fields {
                        if let Some(&inner) = self.alias.get(&f) {
                            work.push(inner);
                        }
                    }
                }
            }
        }
        needed.sort();
        needed
    }

    /// Builds the merged state: phis for differing fields and for
    /// materialised objects, virtual objects for parameters, and the
    /// arguments on every edge.
    pub(super) fn finish_merge(
        &mut self,
        block: Block,
        edges: Vec<Edge>,
        params: &[Value],
        param_objs: &[Option<Obj>],
        is_header: bool,
    ) -> State {
        let (_, roots) = self.param_uses(&edges, params.len(), is_header);
        let survivors = self.survivors(block, &edges, &roots);
        let mut extra_args: Vec<Vec<Value>> = vec![Vec::new(); edges.len()];
        let mut state = State::new();
        let mut header = HeaderObjects::default();
        for &obj in &survivors {
            if let Some(fields) = virtual_fields(&edges, obj) {
                let mut out = NewPhis { block, is_header, extra_args: &mut extra_args, added: &mut header.added };
                let merged = self.merge_fields(&edges, obj, &fields, &mut out, |f| Added::ObjectField(obj, f));
                state.insert(obj, ObjState::Virtual(merged.clone()));
                header.objects.push((obj, merged));
            } else {
                let values: Vec<Value> = edges
                    .iter()
                    .filter_map(|e| match e.state.get(&obj) {
                        Some(ObjState::Materialized(m)) => Some(*m),
                        _ => None,
                    })
                    .collect();
                if !is_header && values.iter().all(|&v| v == values[0]) {
                    state.insert(obj, ObjState::Materialized(values[0]));
                } else {
                    let phi = self.func.dfg.append_block_param(block, self.objs[obj].ty);
                    for (i, &v) in values.iter().enumerate() {
                        extra_args[i].push(v);
                    }
                    state.insert(obj, ObjState::Materialized(phi));
                    header.materialized.push(obj);
                    header.added.push(Added::Address(obj));
                }
            }
        }
        // Parameters that are virtual objects.
        for (index, &param) in params.iter().enumerate() {
            let Some(first) = param_objs[index] else { continue };
            let objs: Vec<Obj> = edges
                .iter()
                .map(|e| match self.resolve(&e.state, self.edge_args(e)[index]) {
                    Resolved::Virtual(o) => o,
                    Resolved::Real(_) => first,
                })
                .collect();
            let obj = if !is_header && objs.iter().all(|&o| o == first) {
                first
            } else {
                let info =
                    ObjInfo { strukt: self.objs[first].strukt, ty: self.objs[first].ty, sites: vec![], root: param };
                self.objs.push(info);
                let obj = self.objs.len() - 1;
                self.flows.extend(objs.iter().map(|&o| (o, obj)));
                let fields: Vec<Vec<Value>> = edges.iter().zip(&objs).map(|(e, &o)| virtual_of(&e.state, o)).collect();
                let mut out = NewPhis { block, is_header, extra_args: &mut extra_args, added: &mut header.added };
                let merged = self.merge_fields(&edges, obj, &fields, &mut out, |f| Added::ParamField(index, f));
                state.insert(obj, ObjState::Virtual(merged.clone()));
                header.params.push((index, obj, merged));
                obj
            };
            self.alias.insert(param, obj);
        }
        // Rewrite the arguments on every edge.
        for (i, edge) in edges.iter().enumerate() {
            let mut args = self.edge_args(edge);
            for (index, arg) in args.iter_mut().enumerate() {
                *arg = match self.resolve(&edge.state, *arg) {
                    Resolved::Real(v) => v,
                    Resolved::Virtual(_) => {
                        debug_assert!(param_objs[index].is_some());
                        self.nil(self.func.dfg.value_type(params[index]))
                    }
                };
            }
            args.extend(extra_args[i].iter().copied());
            self.set_edge_args(edge, args);
        }
        if is_header {
            self.headers.insert(block, header);
        }
        state
    }

    /// The merged fields of a virtual object: the common value, or a new
    /// parameter of `block` where [`Walk::needs_phi`] says so.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn merge_fields(
        &mut self,
        edges: &[Edge],
        obj: Obj,
        fields: &[Vec<Value>],
        out: &mut NewPhis,
        added_as: impl Fn(usize) -> Added,
    ) -> Vec<Value> {
        let strukt = self.objs[obj].strukt;
        let mut merged = Vec::new();
        for field in 0..fields[0].len() {
            if !self.needs_phi(edges, fields, field, out.is_header) {
                // The same on every edge: a virtual object keeps its name,
                // a value in memory is named as it is on the edges (the
                // object it was may not survive the merge).
                let first = fields[0][field];
                merged.push(match self.resolve(&edges[0].state, first) {
                    Resolved::Virtual(_) => first,
                    Resolved::Real(v) => v,
                });
                continue;
            }
            let ty = self.module.structs[strukt].fields[field].ty;
            let phi = self.func.dfg.append_block_param(out.block, ty);
            for (i, e) in edges.iter().enumerate() {
                out.extra_args[i].push(self.field_value(&e.state, fields[i][field]));
            }
            merged.push(phi);
            out.added.push(added_as(field));
        }
        merged
    }

    pub(super) fn materialize_on_edge(&mut self, edge: &mut Edge, obj: Obj, block: Block) -> Result<(), Constraint> {
        let at = self.edge_block(edge, block);
        let mut out = Vec::new();
        let term = self.func.layout.insts[at].pop().expect("a block ends in a terminator");
        let span = self.func.dfg.insts[term].span;
        let mut state = std::mem::take(&mut edge.state);
        let result = self.materialize(&mut state, obj, &mut out, at, span, &mut Vec::new());
        edge.state = state;
        self.func.layout.insts[at].extend(out);
        self.func.layout.insts[at].push(term);
        result.map(|_| ())
    }

    /// The block where code on an edge goes: its source if it has one
    /// successor, else a new block on the edge.
    pub(super) fn edge_block(&mut self, edge: &mut Edge, to: Block) -> Block {
        if let Some(split) = edge.split {
            return split;
        }
        let term = self.func.terminator(edge.from).expect("a block ends in a terminator");
        if matches!(self.func.dfg.insts[term].kind, InstKind::Jump(_)) {
            return edge.from;
        }
        let split = self.func.dfg.make_block();
        let span = self.func.dfg.insts[term].span;
        let dest = self.func.dfg.insts[term].kind.destinations_mut().nth(edge.dest).expect("the edge's destination");
        let args = std::mem::take(&mut dest.args);
        dest.block = split;
        let jump = self.func.dfg.make_inst(InstKind::Jump(BlockCall { block: to, args }), None, span);
        self.func.layout.insts[split] = vec![jump];
        let at = self.func.layout.blocks.iter().position(|&b| b == edge.from).expect("laid out") + 1;
        self.func.layout.blocks.insert(at, split);
        edge.split = Some(split);
        split
    }

    pub(super) fn edge_call(&self, edge: &Edge) -> (Inst, usize) {
        match edge.split {
            Some(split) => (self.func.terminator(split).expect("a jump"), 0),
            None => (self.func.terminator(edge.from).expect("a terminator"), edge.dest),
        }
    }

    pub(super) fn edge_args(&self, edge: &Edge) -> Vec<Value> {
        let (term, dest) = self.edge_call(edge);
        self.func.dfg.insts[term].kind.destinations().nth(dest).expect("the edge").args.clone()
    }

    pub(super) fn set_edge_args(&mut self, edge: &Edge, args: Vec<Value>) {
        let (term, dest) = self.edge_call(edge);
        self.func.dfg.insts[term].kind.destinations_mut().nth(dest).expect("the edge").args = args;
    }
}

pub(super) fn virtual_of(state: &State, obj: Obj) -> Vec<Value> {
    match state.get(&obj) {
        Some(ObjState::Virtual(f)) => f.clone(),
        _ => Vec::new(),
    }
}

/// The fields of `obj` on each edge, if it is virtual on all of them.
pub(super) fn virtual_fields(edges: &[Edge], obj: Obj) -> Option<Vec<Vec<Value>>> {
    edges
        .iter()
        .map(|e| match e.state.get(&obj) {
            Some(ObjState::Virtual(f)) => Some(f.clone()),
            _ => None,
        })
        .collect()
}
