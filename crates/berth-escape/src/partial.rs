//! Partial escape analysis with scalar replacement, after Stadler,
//! Würthinger and Mössenböck (CGO 2014).
//!
//! A struct allocation becomes *virtual*: the `alloc` is replaced by a
//! `scalar` marker, and the object's fields are tracked as SSA values along
//! each path of a walk over the blocks in reverse post-order. Field reads
//! and writes of a virtual object become those values. At the first point
//! on a path where the object is used as a whole (passed, returned,
//! stored, printed, compared), a `materialize` — an `alloc` of a new site
//! that records which sites' objects it may hold — gives it memory with
//! its current field values; after that point, on that path, it is an
//! ordinary object. The analysis proper then decides where each
//! materialisation lives, so one for `log` goes on the stack and one for
//! `send` on the heap.
//!
//! At a merge, an object virtual on every incoming edge stays virtual, with
//! a block parameter (a phi) for each field whose values differ; an object
//! virtual on some edges only is materialised on the others. A block
//! parameter whose arguments are all virtual objects becomes a virtual
//! object of its own whose fields are phis, unless one of those objects
//! is still reachable past the merge (then identity matters, and they are
//! materialised). Only objects that some value live into the merge can
//! reach survive it.
//!
//! Loop headers are entered before their back edges are seen: the walk
//! assumes the loop keeps every surviving object virtual, with a phi for
//! each field, and checks that assumption at each back edge. When it fails,
//! the walk starts over with a constraint — materialise that object (or
//! block parameter) before the loop — until it holds. Sites that the walk
//! would materialise right where they are created gain nothing from it and
//! are left alone in the next round, as are objects that point to each
//! other in a cycle.

use std::collections::{BTreeMap, HashMap, HashSet};

use berth_ir::cfg::{ControlFlowGraph, DominatorTree};
use berth_ir::instructions::{AllocInit, BlockCall, InstKind, Storage};
use berth_ir::{AllocSite, Block, Function, Inst, Module, SiteData, SiteKind, Value, ValueDef};
use berth_types::hir::FuncId;
use berth_types::{StructId, TypeId};

/// Rounds of the walk per function before giving up on it.
const MAX_ROUNDS: usize = 64;

/// Runs partial escape analysis on every function; returns the sites
/// whose `alloc` became virtual.
pub fn run(module: &mut Module) -> Vec<AllocSite> {
    let mut virtualized = Vec::new();
    let funcs: Vec<FuncId> = module.funcs.keys().collect();
    for f in funcs {
        virtualized.extend(run_function(module, f));
    }
    virtualized
}

/// What a round learnt that forces the next to materialise earlier.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Constraint {
    /// Leave this site's `alloc` alone.
    Exclude(AllocSite),
    /// Materialise the object created by this value before the loop.
    BeforeLoop(Block, Value),
    /// This loop header's parameter is not a virtual object.
    RealParam(Block, usize),
}

fn run_function(module: &mut Module, f: FuncId) -> Vec<AllocSite> {
    let original = &module.funcs[f];
    let has_candidates = original.insts().any(|(_, i)| is_candidate(module, &original.dfg.insts[i].kind));
    if !has_candidates {
        return Vec::new();
    }
    let Some(shape) = Shape::of(module, &module.funcs[f]) else { return Vec::new() };
    let mut constraints: HashSet<Constraint> =
        used_whole_where_created(module, &module.funcs[f]).into_iter().map(Constraint::Exclude).collect();
    for _ in 0..MAX_ROUNDS {
        let mut walk = Walk::new(module, f, &shape, &constraints);
        match walk.run() {
            Err(constraint) => {
                constraints.insert(constraint);
            }
            Ok(()) => {
                let useless = walk.materialized_where_created();
                if !useless.is_empty() {
                    constraints.extend(useless.into_iter().map(Constraint::Exclude));
                    continue;
                }
                let sites: Vec<SiteData> = walk
                    .new_sites
                    .iter()
                    .map(|(data, obj)| SiteData { materializes: walk.sites_of(*obj), ..data.clone() })
                    .collect();
                let Walk { func, virtualized, .. } = walk;
                for data in sites {
                    module.sites.push(data);
                }
                let mut func = func;
                berth_ir::simplify::remove_trivial_params(&mut func);
                module.funcs[f] = func;
                return virtualized;
            }
        }
    }
    Vec::new()
}

/// Sites whose objects are used as a whole in the block that creates them
/// (passed, returned, stored, ...): the walk would materialise them there,
/// so they are left alone from the start — a shortcut for the common case
/// of `Walk::materialized_where_created`.
fn used_whole_where_created(module: &Module, func: &Function) -> Vec<AllocSite> {
    let mut out = Vec::new();
    for &block in &func.layout.blocks {
        let insts = &func.layout.insts[block];
        for (at, &inst) in insts.iter().enumerate() {
            let kind = &func.dfg.insts[inst].kind;
            let (InstKind::Alloc { site, .. }, Some(object)) = (kind, func.dfg.insts[inst].result) else { continue };
            if !is_candidate(module, kind) {
                continue;
            }
            let whole = insts[at + 1..].iter().any(|&user| {
                let kind = &func.dfg.insts[user].kind;
                let mut uses = false;
                kind.for_each_operand(|v| uses |= v == object);
                uses && match kind {
                    InstKind::FieldGet { .. } | InstKind::Jump(_) | InstKind::Branch { .. } => false,
                    // Into a field of another object that may stay virtual.
                    InstKind::FieldSet { object: o, .. } if *o != object => !matches!(
                        func.dfg.values[*o].def,
                        ValueDef::Result(def) if is_candidate(module, &func.dfg.insts[def].kind)
                    ),
                    InstKind::FieldSet { value, .. } => *value == object,
                    InstKind::Alloc { .. } => !is_candidate(module, kind),
                    _ => true,
                }
            });
            if whole {
                out.push(*site);
            }
        }
    }
    out
}

fn is_candidate(module: &Module, kind: &InstKind) -> bool {
    matches!(kind, InstKind::Alloc { site, storage: Storage::Undecided, init: AllocInit::Struct { .. } }
        if module.sites[*site].kind == SiteKind::Struct && module.sites[*site].materializes.is_empty())
}

type Obj = usize;

#[derive(Clone, Debug)]
struct ObjInfo {
    strukt: StructId,
    ty: TypeId,
    /// The program's site that creates it; none for an object made of
    /// others at a merge (see `Walk::flows`).
    sites: Vec<AllocSite>,
    /// The value that created it: an `alloc` result or a block parameter.
    root: Value,
}

#[derive(Clone, Debug, PartialEq)]
enum ObjState {
    Virtual(Vec<Value>),
    Materialized(Value),
}

type State = BTreeMap<Obj, ObjState>;

/// What a value stands for at a point of a path.
enum Resolved {
    Virtual(Obj),
    Real(Value),
}

/// One incoming edge of a block being merged: the state along it, and
/// where its instructions and arguments go.
struct Edge {
    state: State,
    /// The block whose terminator branches to the merge.
    from: Block,
    /// Which destination of that terminator.
    dest: usize,
    /// Set once the edge has its own block (for materialisations on an
    /// edge out of a `brif`).
    split: Option<Block>,
}

/// What a loop header assumed about the objects the loop carries, and the
/// parameters it added, whose back-edge arguments are filled in when the
/// back edges are walked.
#[derive(Default)]
struct HeaderObjects {
    /// Objects from before the loop that it keeps virtual, with their
    /// fields at the header (a field without a parameter holds a virtual
    /// object that must stay the same around the loop).
    objects: Vec<(Obj, Vec<Value>)>,
    /// Original parameters that became virtual objects, with those
    /// objects and their fields.
    params: Vec<(usize, Obj, Vec<Value>)>,
    /// Objects in memory at the header.
    materialized: Vec<Obj>,
    /// The parameters the header added, in order.
    added: Vec<Added>,
}

/// Where a parameter a loop header added gets its back-edge argument.
#[derive(Clone, Copy)]
enum Added {
    /// Field of an object from before the loop.
    ObjectField(Obj, usize),
    /// Field of the virtual object of an original parameter.
    ParamField(usize, usize),
    /// Address of a materialised object.
    Address(Obj),
}

/// What the rounds of the walk over one function share: the original
/// function's control flow, and which object references are live where.
struct Shape {
    cfg: ControlFlowGraph,
    doms: DominatorTree,
    order: Vec<Block>,
    live_in: HashMap<Block, HashSet<Value>>,
}

impl Shape {
    /// `None` for irreducible control flow (never produced by the
    /// lowering), which is left alone.
    fn of(module: &Module, func: &Function) -> Option<Shape> {
        let cfg = ControlFlowGraph::new(func);
        let doms = DominatorTree::new(&cfg);
        let order = reverse_post_order(func, &cfg);
        let position: HashMap<Block, usize> = order.iter().enumerate().map(|(i, &b)| (b, i)).collect();
        for &b in &order {
            for p in cfg.predecessors(b) {
                if position.get(&p).is_some_and(|&pi| pi >= position[&b]) && !doms.dominates(&cfg, b, p) {
                    return None;
                }
            }
        }
        let live_in = liveness(module, func, &cfg, &order);
        Some(Shape { cfg, doms, order, live_in })
    }
}

struct Walk<'m> {
    module: &'m Module,
    func: Function,
    f: FuncId,
    constraints: &'m HashSet<Constraint>,
    cfg: &'m ControlFlowGraph,
    doms: &'m DominatorTree,
    order: &'m [Block],
    live_in: &'m HashMap<Block, HashSet<Value>>,
    objs: Vec<ObjInfo>,
    alias: HashMap<Value, Obj>,
    subst: HashMap<Value, Value>,
    exits: HashMap<Block, State>,
    headers: HashMap<Block, HeaderObjects>,
    nils: HashMap<TypeId, Value>,
    /// Materialisation sites to add to the module, with the object each
    /// materialises.
    new_sites: Vec<(SiteData, Obj)>,
    /// `(a, b)`: objects of `a` may become `b` at a merge.
    flows: Vec<(Obj, Obj)>,
    virtualized: Vec<AllocSite>,
    /// Where each materialisation is: its block, for the "useless" check.
    materializations: Vec<(Block, Obj)>,
    markers: HashMap<Obj, Block>,
}

impl<'m> Walk<'m> {
    fn new(module: &'m Module, f: FuncId, shape: &'m Shape, constraints: &'m HashSet<Constraint>) -> Walk<'m> {
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

    fn run(&mut self) -> Result<(), Constraint> {
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
    fn materialized_where_created(&self) -> Vec<AllocSite> {
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
    fn sites_of(&self, obj: Obj) -> Vec<AllocSite> {
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

    fn resolve(&self, state: &State, value: Value) -> Resolved {
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
    fn field_value(&self, state: &State, value: Value) -> Value {
        match self.resolve(state, value) {
            Resolved::Virtual(obj) => self.objs[obj].root,
            Resolved::Real(v) => v,
        }
    }

    fn nil(&mut self, ty: TypeId) -> Value {
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
    fn materialize(
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

    fn walk_block(&mut self, block: Block, mut state: State) -> Result<State, Constraint> {
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

    // ---- merges ----

    /// The state at the start of `block`, merging its incoming edges.
    fn enter(&mut self, block: Block) -> Result<State, Constraint> {
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
    fn materialize_phi_inputs(
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

    /// Whether a field of an object merged at `block` needs a phi: its
    /// values differ, or (at a loop header, whose back edges are not seen
    /// yet) it holds a value rather than a virtual object.
    fn needs_phi(&self, edges: &[Edge], fields: &[Vec<Value>], field: usize, is_header: bool) -> bool {
        let same = fields.iter().all(|f| f[field] == fields[0][field]);
        let holds_virtual =
            edges.iter().zip(fields).any(|(e, f)| matches!(self.resolve(&e.state, f[field]), Resolved::Virtual(_)));
        !same || (is_header && !holds_virtual)
    }

    /// What the arguments for parameter `index` stand for on each edge, and
    /// the virtual objects among them.
    fn param_objects(&self, edges: &[Edge], index: usize) -> (Vec<Resolved>, Vec<Obj>) {
        let resolved: Vec<Resolved> = edges.iter().map(|e| self.resolve(&e.state, self.edge_args(e)[index])).collect();
        let objs = resolved.iter().filter_map(|r| if let Resolved::Virtual(o) = r { Some(*o) } else { None }).collect();
        (resolved, objs)
    }

    /// Per edge, how many parameters receive each virtual object; and the
    /// objects that must survive the merge for the parameters' sake: those
    /// some parameter receives on every edge (outside loop headers), which
    /// the parameter then is, and those the fields of the parameters'
    /// objects point to.
    fn param_uses(&self, edges: &[Edge], params: usize, is_header: bool) -> (Vec<HashMap<Obj, usize>>, Vec<Obj>) {
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
    fn survivors(&self, block: Block, edges: &[Edge], aliased: &[Obj]) -> Vec<Obj> {
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
    fn finish_merge(
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
                let merged = self.merge_fields(
                    block,
                    &edges,
                    obj,
                    &fields,
                    &mut extra_args,
                    is_header,
                    &mut |f| Added::ObjectField(obj, f),
                    &mut header.added,
                );
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
                let merged = self.merge_fields(
                    block,
                    &edges,
                    obj,
                    &fields,
                    &mut extra_args,
                    is_header,
                    &mut |f| Added::ParamField(index, f),
                    &mut header.added,
                );
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
    fn merge_fields(
        &mut self,
        block: Block,
        edges: &[Edge],
        obj: Obj,
        fields: &[Vec<Value>],
        extra_args: &mut [Vec<Value>],
        is_header: bool,
        added_as: &mut dyn FnMut(usize) -> Added,
        added: &mut Vec<Added>,
    ) -> Vec<Value> {
        let strukt = self.objs[obj].strukt;
        let mut merged = Vec::new();
        for field in 0..fields[0].len() {
            if !self.needs_phi(edges, fields, field, is_header) {
                merged.push(fields[0][field]);
                continue;
            }
            let ty = self.module.structs[strukt].fields[field].ty;
            let phi = self.func.dfg.append_block_param(block, ty);
            for (i, e) in edges.iter().enumerate() {
                extra_args[i].push(self.field_value(&e.state, fields[i][field]));
            }
            merged.push(phi);
            added.push(added_as(field));
        }
        merged
    }

    fn materialize_on_edge(&mut self, edge: &mut Edge, obj: Obj, block: Block) -> Result<(), Constraint> {
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
    fn edge_block(&mut self, edge: &mut Edge, to: Block) -> Block {
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

    fn edge_call(&self, edge: &Edge) -> (Inst, usize) {
        match edge.split {
            Some(split) => (self.func.terminator(split).expect("a jump"), 0),
            None => (self.func.terminator(edge.from).expect("a terminator"), edge.dest),
        }
    }

    fn edge_args(&self, edge: &Edge) -> Vec<Value> {
        let (term, dest) = self.edge_call(edge);
        self.func.dfg.insts[term].kind.destinations().nth(dest).expect("the edge").args.clone()
    }

    fn set_edge_args(&mut self, edge: &Edge, args: Vec<Value>) {
        let (term, dest) = self.edge_call(edge);
        self.func.dfg.insts[term].kind.destinations_mut().nth(dest).expect("the edge").args = args;
    }

    // ---- back edges ----

    /// Checks a block's edges back to loop headers against what the header
    /// assumed, and passes the loop's values to the header's phis.
    fn back_edges(&mut self, block: Block, state: &State) -> Result<(), Constraint> {
        let Some(term) = self.func.terminator(block) else { return Ok(()) };
        let dests: Vec<(usize, Block)> =
            self.func.dfg.insts[term].kind.destinations().map(|d| d.block).enumerate().collect();
        for (dest, header) in dests {
            if !self.headers.contains_key(&header) {
                continue;
            }
            let mut edge = Edge { state: state.clone(), from: block, dest, split: None };
            let header_objs = std::mem::take(self.headers.get_mut(&header).expect("checked"));
            let result = self.back_edge(&mut edge, header, &header_objs);
            self.headers.insert(header, header_objs);
            result?;
        }
        Ok(())
    }

    fn back_edge(&mut self, edge: &mut Edge, header: Block, h: &HeaderObjects) -> Result<(), Constraint> {
        let params = self.func.dfg.blocks[header].params.clone();
        let original_count = self.module.funcs[self.f].dfg.blocks[header].params.len();
        let args: Vec<Value> = self.edge_args(edge)[..original_count].to_vec();
        // The object each virtual parameter gets from this edge.
        let mut param_objs: HashMap<usize, Obj> = HashMap::new();
        for (index, obj, _) in &h.params {
            match self.resolve(&edge.state, args[*index]) {
                Resolved::Virtual(o) => {
                    param_objs.insert(*index, o);
                    self.flows.push((o, *obj));
                }
                Resolved::Real(_) => return Err(Constraint::RealParam(header, *index)),
            }
        }
        // Each virtual parameter needs an object of its own: two names for
        // one object must share its memory.
        let mut taken: Vec<Obj> = h.objects.iter().map(|(o, _)| *o).collect();
        for (index, _, _) in &h.params {
            let o = param_objs[index];
            if taken.contains(&o) {
                return Err(Constraint::RealParam(header, *index));
            }
            taken.push(o);
        }
        // Virtual values headed for real parameters or phis get memory.
        for (index, &arg) in args.iter().enumerate() {
            if !param_objs.contains_key(&index)
                && let Resolved::Virtual(obj) = self.resolve(&edge.state, arg)
            {
                self.materialize_on_edge(edge, obj, header)?;
            }
        }
        for added in &h.added {
            let value = match *added {
                Added::ObjectField(obj, field) => virtual_of(&edge.state, obj).get(field).copied(),
                Added::ParamField(index, field) => virtual_of(&edge.state, param_objs[&index]).get(field).copied(),
                Added::Address(_) => None,
            };
            if let Some(value) = value
                && let Resolved::Virtual(inner) = self.resolve(&edge.state, value)
            {
                self.materialize_on_edge(edge, inner, header)?;
            }
            if let Added::Address(obj) = *added
                && let Some(ObjState::Virtual(_)) = edge.state.get(&obj)
            {
                self.materialize_on_edge(edge, obj, header)?;
            }
        }
        // What the header assumed must still hold: its virtual objects are
        // virtual here, and fields without a phi hold the same objects.
        let unchanged = |walk: &Self, obj: Obj, at_header: &[Value]| -> bool {
            let Some(ObjState::Virtual(here)) = edge.state.get(&obj) else { return false };
            here.len() == at_header.len()
                && at_header.iter().zip(here).all(|(&h, &e)| {
                    params[original_count..].contains(&h)
                        || (walk.same_object(&edge.state, h, e)
                            && matches!(walk.resolve(&edge.state, e), Resolved::Virtual(_)))
                })
        };
        for (obj, fields) in &h.objects {
            if !unchanged(self, *obj, fields) {
                return Err(Constraint::BeforeLoop(header, self.objs[*obj].root));
            }
        }
        for (index, _, fields) in &h.params {
            if !unchanged(self, param_objs[index], fields) {
                return Err(Constraint::RealParam(header, *index));
            }
        }
        let mut rewritten = Vec::with_capacity(params.len());
        for (index, &arg) in args.iter().enumerate() {
            rewritten.push(match self.resolve(&edge.state, arg) {
                Resolved::Real(v) => v,
                Resolved::Virtual(_) => self.nil(self.func.dfg.value_type(params[index])),
            });
        }
        for added in &h.added {
            let value = match *added {
                Added::ObjectField(obj, field) => self.field_value(&edge.state, virtual_of(&edge.state, obj)[field]),
                Added::ParamField(index, field) => {
                    self.field_value(&edge.state, virtual_of(&edge.state, param_objs[&index])[field])
                }
                Added::Address(obj) => match edge.state.get(&obj) {
                    Some(ObjState::Materialized(m)) => *m,
                    _ => return Err(Constraint::BeforeLoop(header, self.objs[obj].root)),
                },
            };
            rewritten.push(value);
        }
        self.set_edge_args(edge, rewritten);
        Ok(())
    }

    /// Whether two values stand for the same object on a path.
    fn same_object(&self, state: &State, a: Value, b: Value) -> bool {
        match (self.resolve(state, a), self.resolve(state, b)) {
            (Resolved::Virtual(x), Resolved::Virtual(y)) => x == y,
            (Resolved::Real(x), Resolved::Real(y)) => x == y,
            _ => false,
        }
    }
}

fn virtual_of(state: &State, obj: Obj) -> Vec<Value> {
    match state.get(&obj) {
        Some(ObjState::Virtual(f)) => f.clone(),
        _ => Vec::new(),
    }
}

/// The fields of `obj` on each edge, if it is virtual on all of them.
fn virtual_fields(edges: &[Edge], obj: Obj) -> Option<Vec<Vec<Value>>> {
    edges
        .iter()
        .map(|e| match e.state.get(&obj) {
            Some(ObjState::Virtual(f)) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

fn reverse_post_order(func: &Function, cfg: &ControlFlowGraph) -> Vec<Block> {
    let Some(entry) = func.entry() else { return Vec::new() };
    let mut seen = HashSet::new();
    let mut post = Vec::new();
    let mut stack: Vec<(Block, Vec<Block>)> = vec![(entry, cfg.successors(entry).collect())];
    seen.insert(entry);
    while let Some((block, succs)) = stack.last_mut() {
        if let Some(next) = succs.pop() {
            if seen.insert(next) {
                let s = cfg.successors(next).collect();
                stack.push((next, s));
            }
        } else {
            post.push(*block);
            stack.pop();
        }
    }
    post.reverse();
    post
}

/// The struct references live at the start of each block (block
/// parameters excluded: they are defined there).
fn liveness(
    module: &Module,
    func: &Function,
    cfg: &ControlFlowGraph,
    order: &[Block],
) -> HashMap<Block, HashSet<Value>> {
    // Only struct references can stand for virtual objects.
    let is_ref = |v: Value| matches!(module.types.get(func.dfg.value_type(v)), berth_types::Ty::Struct(_));
    let mut live_in: HashMap<Block, HashSet<Value>> = order.iter().map(|&b| (b, HashSet::new())).collect();
    loop {
        let mut changed = false;
        for &b in order.iter().rev() {
            let mut live: HashSet<Value> = HashSet::new();
            for s in cfg.successors(b) {
                if let Some(l) = live_in.get(&s) {
                    live.extend(l.iter().copied());
                }
            }
            for &inst in func.layout.insts[b].iter().rev() {
                if let Some(r) = func.dfg.insts[inst].result {
                    live.remove(&r);
                }
                func.dfg.insts[inst].kind.for_each_operand(|v| {
                    if is_ref(v) {
                        live.insert(v);
                    }
                });
            }
            for p in &func.dfg.blocks[b].params {
                live.remove(p);
            }
            live.retain(|&v| !matches!(func.dfg.values[v].def, ValueDef::Param(pb, _) if pb == b));
            if live_in[&b] != live {
                live_in.insert(b, live);
                changed = true;
            }
        }
        if !changed {
            return live_in;
        }
    }
}
