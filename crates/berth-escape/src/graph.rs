//! Graph building: one function's abstract objects and the constraints its
//! instructions put on what points to what.
//!
//! An abstract object stands for a set of run-time objects: those one
//! allocation site of this function creates ([`Obj::Site`]); the caller's
//! objects, in three levels — what a parameter points to
//! ([`Obj::Param`]), what each of its fields (or its elements) points to
//! ([`Obj::ParamSlot`]), and everything deeper ([`Obj::Content`]) — so a
//! function that lets one field of a parameter escape does not make the
//! parameter's own object, or its other fields, escape; the objects of a
//! global ([`Obj::Global`]); or everything else ([`Obj::Outside`]: other
//! functions' results, the runtime's). Every SSA value of a type that can hold references
//! has a points-to set; every object has one set per slot (a field, the
//! summary of all array elements, and "any" for what is stored into it
//! where the slot is not known, which is every store into an object that
//! is not this function's).

use std::collections::{BTreeMap, HashMap};

use berth_ir::instructions::{AllocInit, InstKind};
use berth_ir::{AllocSite, Function, Inst, Module, Value};
use berth_types::Ty;
use berth_types::hir::{FuncId, GlobalId};
use cranelift_entity::SecondaryMap;

use crate::bitset::BitSet;
use crate::threads::{self, Unjoined};

/// Index of an abstract object within one function's graph.
pub type ObjId = usize;

/// The `Outside` object is always object 0; parameters follow.
pub const OUTSIDE: ObjId = 0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Obj {
    Outside,
    Global(GlobalId),
    /// What parameter `i` points to.
    Param(u32),
    /// What one slot of parameter `i`'s objects points to.
    ParamSlot(u32, Slot),
    /// Everything reachable from parameter `i`'s objects two or more
    /// slots away.
    Content(u32),
    Site(AllocSite),
}

impl Obj {
    /// The parameter, if this is one of the caller's objects.
    pub fn param(self) -> Option<u32> {
        match self {
            Obj::Param(i) | Obj::ParamSlot(i, _) | Obj::Content(i) => Some(i),
            _ => None,
        }
    }

    /// Whether loads and stores tell its fields apart (otherwise everything
    /// goes through its "any" slot).
    pub fn field_sensitive(self) -> bool {
        matches!(self, Obj::Site(_) | Obj::Param(_))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Slot {
    Field(u32),
    Elem,
    Any,
}

/// Why objects escape at a root: the instruction that lets them out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Root {
    Global(GlobalId),
    Send,
    /// A thread that may outlive the frame, and why.
    Spawn(FuncId, Unjoined),
}

#[derive(Clone, Debug)]
pub enum Constraint {
    /// Everything `src` points to, `dst` may point to.
    Copy {
        dst: Value,
        src: Value,
    },
    Load {
        dst: Value,
        base: Value,
        slot: Slot,
    },
    Store {
        base: Value,
        slot: Slot,
        src: Value,
        inst: Inst,
    },
    Call {
        inst: Inst,
        callee: FuncId,
        args: Vec<Value>,
        result: Option<Value>,
    },
    /// `array.push`: the array's buffer may grow here.
    Push {
        inst: Inst,
        array: Value,
    },
    Escape {
        src: Value,
        root: Root,
        inst: Inst,
    },
    Return {
        src: Value,
        inst: Inst,
    },
}

pub struct Graph<'m> {
    pub module: &'m Module,
    pub func_id: FuncId,
    pub func: &'m Function,
    pub objs: Vec<Obj>,
    /// Per parameter: its object, its slot objects, its content object.
    pub params: Vec<ParamObjs>,
    /// The object standing for each global this function reads.
    pub globals: HashMap<GlobalId, ObjId>,
    pub site_obj: HashMap<AllocSite, ObjId>,
    /// The `alloc` instruction of each site object.
    pub site_inst: HashMap<AllocSite, Inst>,
    /// Points-to sets of values that can hold references.
    pub pts: SecondaryMap<Value, BitSet>,
    pub tracked: SecondaryMap<Value, bool>,
    /// Per object, per slot, the objects stored there.
    pub slots: Vec<BTreeMap<Slot, BitSet>>,
    /// The instruction that first put `member` into `container`'s `slot`
    /// (none for the links between a parameter's objects).
    pub provenance: HashMap<(ObjId, Slot, ObjId), Inst>,
    pub constraints: Vec<Constraint>,
}

#[derive(Clone, Debug)]
pub struct ParamObjs {
    pub object: ObjId,
    pub slots: Vec<(Slot, ObjId)>,
    pub content: ObjId,
}

impl<'m> Graph<'m> {
    pub fn build(module: &'m Module, func_id: FuncId) -> Graph<'m> {
        let func = &module.funcs[func_id];
        let mut g = Graph {
            module,
            func_id,
            func,
            objs: vec![Obj::Outside],
            params: Vec::new(),
            globals: HashMap::new(),
            site_obj: HashMap::new(),
            site_inst: HashMap::new(),
            pts: SecondaryMap::new(),
            tracked: SecondaryMap::new(),
            slots: Vec::new(),
            provenance: HashMap::new(),
            constraints: Vec::new(),
        };
        for (i, &ty) in func.params.iter().enumerate() {
            let i = i as u32;
            let object = g.new_obj(Obj::Param(i));
            let slots = reference_slots(module, ty).into_iter().map(|s| (s, g.new_obj(Obj::ParamSlot(i, s)))).collect();
            let content = g.new_obj(Obj::Content(i));
            g.params.push(ParamObjs { object, slots, content });
        }
        for (_, inst) in func.insts() {
            match func.dfg.insts[inst].kind {
                InstKind::Alloc { site, .. } => {
                    let obj = g.new_obj(Obj::Site(site));
                    g.site_obj.insert(site, obj);
                    g.site_inst.insert(site, inst);
                }
                InstKind::GlobalGet(global) if !g.globals.contains_key(&global) => {
                    let obj = g.new_obj(Obj::Global(global));
                    g.globals.insert(global, obj);
                }
                _ => {}
            }
        }
        g.slots = vec![BTreeMap::new(); g.objs.len()];
        // What the objects that are not this function's reach, as links
        // with no instruction: outside and global objects reach themselves
        // (collapsed); a parameter's object reaches its slot objects, those
        // its content, and the content itself.
        let link = |g: &mut Graph, from: ObjId, slot: Slot, to: ObjId| {
            g.slots[from].entry(slot).or_default().insert(to);
        };
        link(&mut g, OUTSIDE, Slot::Any, OUTSIDE);
        for obj in g.globals.values().copied().collect::<Vec<_>>() {
            link(&mut g, obj, Slot::Any, obj);
        }
        for p in g.params.clone() {
            for &(slot, obj) in &p.slots {
                link(&mut g, p.object, slot, obj);
                link(&mut g, obj, Slot::Any, p.content);
            }
            link(&mut g, p.content, Slot::Any, p.content);
        }
        for (value, data) in func.dfg.values.iter() {
            g.tracked[value] = holds_references(module, data.ty);
        }
        if let Some(entry) = func.entry() {
            for (i, &param) in func.dfg.blocks[entry].params.iter().enumerate() {
                let obj = g.params[i].object;
                g.add(param, obj);
            }
        }
        for (_, inst) in func.insts() {
            g.constrain(inst);
        }
        g
    }

    /// Records that `value` may point to `obj`.
    fn add(&mut self, value: Value, obj: ObjId) {
        if self.tracked[value] {
            self.pts[value].insert(obj);
        }
    }

    fn copy(&mut self, dst: Value, src: Value) {
        if self.tracked[dst] && self.tracked[src] {
            self.constraints.push(Constraint::Copy { dst, src });
        }
    }

    fn store_constraint(&mut self, base: Value, slot: Slot, src: Value, inst: Inst) {
        if self.tracked[src] {
            self.constraints.push(Constraint::Store { base, slot, src, inst });
        }
    }

    fn constrain(&mut self, inst: Inst) {
        let data = &self.func.dfg.insts[inst];
        let result = data.result;
        match &data.kind {
            InstKind::Alloc { site, init, .. } => {
                let v = result.expect("alloc has a result");
                let obj = self.site_obj[site];
                self.add(v, obj);
                match init {
                    AllocInit::Struct { fields, .. } => {
                        for (i, &f) in fields.iter().enumerate() {
                            self.store_constraint(v, Slot::Field(i as u32), f, inst);
                        }
                    }
                    AllocInit::Array { elems } => {
                        for &e in elems {
                            self.store_constraint(v, Slot::Elem, e, inst);
                        }
                    }
                    AllocInit::ArrayRepeat { value, .. } => self.store_constraint(v, Slot::Elem, *value, inst),
                    // A string buffer holds bytes, not references.
                    AllocInit::Concat(..) | AllocInit::Substr { .. } | AllocInit::Format(_) => {}
                }
            }
            InstKind::FieldGet { object, field, .. } => {
                let dst = result.expect("field.get has a result");
                if self.tracked[dst] {
                    self.constraints.push(Constraint::Load { dst, base: *object, slot: Slot::Field(*field) });
                }
            }
            InstKind::FieldSet { object, field, value, .. } => {
                self.store_constraint(*object, Slot::Field(*field), *value, inst)
            }
            InstKind::ArrayGet { array, .. } | InstKind::ArrayPop(array) => {
                let dst = result.expect("array.get has a result");
                if self.tracked[dst] {
                    self.constraints.push(Constraint::Load { dst, base: *array, slot: Slot::Elem });
                }
            }
            InstKind::ArraySet { array, value, .. } => self.store_constraint(*array, Slot::Elem, *value, inst),
            InstKind::ArrayPush { array, value, .. } => {
                self.store_constraint(*array, Slot::Elem, *value, inst);
                self.constraints.push(Constraint::Push { inst, array: *array });
            }
            // Enum values are copied, not allocated: they carry their
            // payload's references along.
            InstKind::EnumMake { payload, .. } => {
                let v = result.expect("enum.make has a result");
                for &p in payload {
                    self.copy(v, p);
                }
            }
            InstKind::EnumField { value, .. } => self.copy(result.expect("enum.field has a result"), *value),
            InstKind::GlobalGet(global) => {
                let obj = self.globals[global];
                self.add(result.expect("global.get has a result"), obj);
            }
            InstKind::ListDir(_) | InstKind::DirName(_) => self.add(result.expect("has a result"), OUTSIDE),
            InstKind::GlobalSet(g, value) => self.escape(*value, Root::Global(*g), inst),
            InstKind::Send(value) => self.escape(*value, Root::Send, inst),
            // A thread joined before the frame ends is a call that runs
            // elsewhere: its function's summary says what it keeps.
            InstKind::Spawn { func, args } => match threads::joined(self.func, inst) {
                Ok(()) => {
                    self.constraints.push(Constraint::Call { inst, callee: *func, args: args.clone(), result: None })
                }
                Err(why) => {
                    for &a in args {
                        self.escape(a, Root::Spawn(*func, why), inst);
                    }
                }
            },
            InstKind::Call { func, args } => {
                self.constraints.push(Constraint::Call { inst, callee: *func, args: args.clone(), result });
            }
            InstKind::Return(Some(value)) if self.tracked[*value] => {
                self.constraints.push(Constraint::Return { src: *value, inst });
            }
            InstKind::Jump(_) | InstKind::Branch { .. } => {
                let moves: Vec<(Value, Value)> = data
                    .kind
                    .destinations()
                    .flat_map(|d| d.args.iter().zip(&self.func.dfg.blocks[d.block].params).map(|(&a, &p)| (p, a)))
                    .collect();
                for (param, arg) in moves {
                    self.copy(param, arg);
                }
            }
            _ => {}
        }
    }

    fn new_obj(&mut self, obj: Obj) -> ObjId {
        self.objs.push(obj);
        self.objs.len() - 1
    }

    fn escape(&mut self, src: Value, root: Root, inst: Inst) {
        if self.tracked[src] {
            self.constraints.push(Constraint::Escape { src, root, inst });
        }
    }

    /// The abstract object of an allocation site of this function.
    pub fn site_of(&self, obj: ObjId) -> Option<AllocSite> {
        match self.objs[obj] {
            Obj::Site(site) => Some(site),
            _ => None,
        }
    }
}

/// The slots of a type's objects that can hold references: a struct's
/// fields of such types, an array's elements.
fn reference_slots(module: &Module, ty: berth_types::TypeId) -> Vec<Slot> {
    match module.types.get(ty) {
        Ty::Struct(s) => module.structs[s]
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| holds_references(module, f.ty))
            .map(|(i, _)| Slot::Field(i as u32))
            .collect(),
        Ty::Array(elem) if holds_references(module, elem) => vec![Slot::Elem],
        // An enum parameter's object stands for its payload objects, of
        // any struct or array type: their slots are not told apart.
        Ty::Enum(_) => vec![Slot::Any],
        _ => Vec::new(),
    }
}

/// Whether values of a type can hold references to objects.
pub fn holds_references(module: &Module, ty: berth_types::TypeId) -> bool {
    matches!(module.types.get(ty), Ty::Struct(_) | Ty::Array(_) | Ty::Str | Ty::Enum(_) | Ty::Nil)
}
