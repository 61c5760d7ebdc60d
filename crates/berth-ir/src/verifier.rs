//! Checks the invariants every pass must keep. Run after lowering in debug
//! builds and in tests, and after every later pass that rewrites the IR.
//!
//! - Every block in the layout ends with exactly one terminator.
//! - Every branch targets a block in the layout, with one argument of the
//!   right type per block parameter.
//! - The entry block's parameters match the signature; `return` matches the
//!   result type.
//! - Every used value is defined by an instruction in the layout or a block
//!   parameter, and its definition dominates the use (SSA).
//! - Every instruction's operands and result have the types its opcode
//!   needs.

use berth_types::hir::FuncId;
use berth_types::{Ty, TypeId, TypeTable};
use cranelift_entity::SecondaryMap;

use crate::cfg::{ControlFlowGraph, DominatorTree};
use crate::entities::{Block, Inst, Value};
use crate::function::{Function, ValueDef};
use crate::instructions::{AllocInit, BinaryOp, InstKind, UnaryOp};
use crate::module::Module;

/// Verifies every function; returns every problem found.
pub fn verify_module(module: &Module) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    for id in module.funcs.keys() {
        Verifier::new(module, id, &mut errors).run();
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

struct Verifier<'a> {
    module: &'a Module,
    func: &'a Function,
    errors: &'a mut Vec<String>,
    /// Where each placed instruction is: its block and index.
    position: SecondaryMap<Inst, Option<(Block, usize)>>,
}

impl<'a> Verifier<'a> {
    fn new(module: &'a Module, id: FuncId, errors: &'a mut Vec<String>) -> Self {
        let func = &module.funcs[id];
        let mut position = SecondaryMap::new();
        for &block in &func.layout.blocks {
            for (i, &inst) in func.layout.insts[block].iter().enumerate() {
                position[inst] = Some((block, i));
            }
        }
        Verifier { module, func, errors, position }
    }

    fn error(&mut self, at: impl std::fmt::Display, message: impl std::fmt::Display) {
        self.errors.push(format!("fn @{}: {at}: {message}", self.func.name));
    }

    fn types(&self) -> &'a TypeTable {
        &self.module.types
    }

    fn run(&mut self) {
        let func = self.func;
        let Some(entry) = func.entry() else {
            self.error("layout", "the function has no blocks");
            return;
        };
        let entry_types: Vec<TypeId> = func.dfg.blocks[entry].params.iter().map(|&v| func.dfg.value_type(v)).collect();
        if entry_types != func.params {
            self.error(entry, "entry block parameters do not match the signature");
        }
        for &block in &func.layout.blocks {
            for (i, &v) in func.dfg.blocks[block].params.iter().enumerate() {
                if func.dfg.values[v].def != ValueDef::Param(block, i as u32) {
                    self.error(block, format!("parameter {v} does not record its position"));
                }
            }
            let insts = &func.layout.insts[block];
            match insts.last() {
                None => self.error(block, "empty block"),
                Some(&last) if !func.dfg.insts[last].kind.is_terminator() => {
                    self.error(block, "does not end with a terminator")
                }
                _ => {}
            }
            for &inst in &insts[..insts.len().saturating_sub(1)] {
                if func.dfg.insts[inst].kind.is_terminator() {
                    self.error(block, "has a terminator before its end");
                }
            }
        }
        let cfg = ControlFlowGraph::new(func);
        let domtree = DominatorTree::new(&cfg);
        for (block, inst) in func.insts() {
            self.check_dominance(&cfg, &domtree, block, inst);
            self.check_types(inst);
        }
    }

    fn check_dominance(&mut self, cfg: &ControlFlowGraph, domtree: &DominatorTree, block: Block, inst: Inst) {
        let func = self.func;
        let (_, index) = self.position[inst].expect("placed");
        for v in func.dfg.insts[inst].kind.operands() {
            let Some(data) = func.dfg.values.get(v) else {
                self.error(block, format!("uses {v}, which does not exist"));
                continue;
            };
            // A value whose instruction no longer produces it (or whose
            // block no longer has it) has no definition.
            let defined = match data.def {
                ValueDef::Param(def_block, _) => func.dfg.blocks[def_block].params.contains(&v),
                ValueDef::Result(def_inst) => func.dfg.insts[def_inst].result == Some(v),
            };
            let dominated = defined
                && match data.def {
                    ValueDef::Param(def_block, _) => domtree.dominates(cfg, def_block, block),
                    ValueDef::Result(def_inst) => match self.position[def_inst] {
                        None => false,
                        Some((def_block, def_index)) if def_block == block => def_index < index,
                        Some((def_block, _)) => def_block != block && domtree.dominates(cfg, def_block, block),
                    },
                };
            if !dominated && domtree.is_reachable(cfg, block) {
                self.error(block, format!("{v} is used where its definition does not dominate"));
            }
        }
    }

    /// Requires `v` to have type `ty` (or a type assignable to it).
    fn expect(&mut self, v: Value, ty: TypeId, what: &str) {
        let actual = self.func.dfg.value_type(v);
        if !self.types().assignable(actual, ty) {
            let message =
                format!("{what}: {v} has type {}, expected {}", self.types().display(actual), self.types().display(ty));
            self.error("type", message);
        }
    }

    fn result_type(&self, inst: Inst) -> Option<TypeId> {
        self.func.dfg.insts[inst].result.map(|v| self.func.dfg.value_type(v))
    }

    fn check_result(&mut self, inst: Inst, ty: Option<TypeId>, what: &str) {
        let actual = self.result_type(inst);
        let ok = match (actual, ty) {
            (Some(a), Some(t)) => self.types().assignable(t, a) || a == t,
            (None, None) => true,
            _ => false,
        };
        if !ok {
            self.error("type", format!("{what}: wrong result type"));
        }
    }

    fn check_types(&mut self, inst: Inst) {
        let func = self.func;
        let types = self.types();
        let ty_of = |v: Value| func.dfg.value_type(v);
        let kind = &func.dfg.insts[inst].kind;
        let (int, float, boolean, string) = (TypeId::INT, TypeId::FLOAT, TypeId::BOOL, TypeId::STR);
        match kind {
            InstKind::IntConst(_) => self.check_result(inst, Some(int), "iconst"),
            InstKind::FloatConst(_) => self.check_result(inst, Some(float), "fconst"),
            InstKind::BoolConst(_) => self.check_result(inst, Some(boolean), "bconst"),
            InstKind::StrConst(_) => self.check_result(inst, Some(string), "sconst"),
            InstKind::Nil => {
                let ty = self.result_type(inst).unwrap_or(TypeId::ERROR);
                if ty != TypeId::NIL && !types.is_reference(ty) {
                    self.error("type", "nil of a non-reference type");
                }
            }
            InstKind::Unary(op, v) => {
                let (operand, result) = match op {
                    UnaryOp::Ineg => (int, int),
                    UnaryOp::Fneg => (float, float),
                    UnaryOp::Not => (boolean, boolean),
                    UnaryOp::IntToFloat => (int, float),
                    UnaryOp::FloatToInt => (float, int),
                };
                self.expect(*v, operand, "unary operand");
                self.check_result(inst, Some(result), "unary");
            }
            InstKind::Binary(op, a, b) => {
                let (operand, result) = match op {
                    BinaryOp::Int(_) => (Some(int), int),
                    BinaryOp::Float(_) => (Some(float), float),
                    BinaryOp::IntCmp(_) => (Some(int), boolean),
                    BinaryOp::FloatCmp(_) => (Some(float), boolean),
                    BinaryOp::StrCmp(_) => (Some(string), boolean),
                    BinaryOp::BoolCmp(_) => (Some(boolean), boolean),
                    BinaryOp::RefCmp(_) => (None, boolean),
                };
                match operand {
                    Some(ty) => {
                        self.expect(*a, ty, "left operand");
                        self.expect(*b, ty, "right operand");
                    }
                    None => {
                        for v in [*a, *b] {
                            if ty_of(v) != TypeId::NIL && !types.is_reference(ty_of(v)) {
                                self.error("type", format!("rcmp of {v}, which is not a reference"));
                            }
                        }
                    }
                }
                self.check_result(inst, Some(result), "binary");
            }
            InstKind::Alloc { init, .. } => self.check_alloc(inst, init),
            InstKind::FieldGet { object, strukt, field } | InstKind::FieldSet { object, strukt, field, .. } => {
                if types.get(ty_of(*object)) != Ty::Struct(*strukt) {
                    self.error("type", format!("{object} is not a `{}`", self.module.structs[*strukt].name));
                }
                let Some(def) = self.module.structs[*strukt].fields.get(*field as usize) else {
                    self.error("type", "field index out of range");
                    return;
                };
                match kind {
                    InstKind::FieldSet { value, .. } => {
                        self.expect(*value, def.ty, "field value");
                        self.check_result(inst, None, "field.set");
                    }
                    _ => self.check_result(inst, Some(def.ty), "field.get"),
                }
            }
            InstKind::ArrayGet { array, index } => {
                let elem = self.element(*array);
                self.expect(*index, int, "index");
                self.check_result(inst, elem, "array.get");
            }
            InstKind::ArraySet { array, value, .. } | InstKind::ArrayPush { array, value, .. } => {
                if let Some(elem) = self.element(*array) {
                    self.expect(*value, elem, "element");
                }
                if let InstKind::ArraySet { index, .. } = kind {
                    self.expect(*index, int, "index");
                }
            }
            InstKind::ArrayLen(array) => {
                self.element(*array);
                self.check_result(inst, Some(int), "array.len");
            }
            InstKind::ArrayPop(array) => {
                let elem = self.element(*array);
                self.check_result(inst, elem, "array.pop");
            }
            InstKind::StrLen(s) | InstKind::ParseInt(s) => {
                self.expect(*s, string, "string operand");
                self.check_result(inst, Some(int), "string to int");
            }
            InstKind::ByteAt { string: s, index } => {
                self.expect(*s, string, "string operand");
                self.expect(*index, int, "index");
                self.check_result(inst, Some(int), "str.byte_at");
            }
            InstKind::EnumMake { enum_id, variant, payload } => {
                let Some(def) = self.module.enums[*enum_id].variants.get(*variant as usize) else {
                    self.error("type", "variant out of range");
                    return;
                };
                if def.payload.len() != payload.len() {
                    self.error("type", "wrong payload count");
                }
                for (&v, &ty) in payload.iter().zip(&def.payload) {
                    self.expect(v, ty, "payload");
                }
            }
            InstKind::EnumTag(v) => {
                if !matches!(types.get(ty_of(*v)), Ty::Enum(_)) {
                    self.error("type", "enum.tag of a non-enum");
                }
                self.check_result(inst, Some(int), "enum.tag");
            }
            InstKind::EnumField { value, variant, index } => {
                let Ty::Enum(e) = types.get(ty_of(*value)) else {
                    self.error("type", "enum.field of a non-enum");
                    return;
                };
                let ty = self.module.enums[e]
                    .variants
                    .get(*variant as usize)
                    .and_then(|v| v.payload.get(*index as usize))
                    .copied();
                if ty.is_none() {
                    self.error("type", "enum.field out of range");
                }
                self.check_result(inst, ty, "enum.field");
            }
            InstKind::GlobalGet(g) => self.check_result(inst, Some(self.module.globals[*g].ty), "global.get"),
            InstKind::GlobalSet(g, v) => self.expect(*v, self.module.globals[*g].ty, "global value"),
            InstKind::Call { func: callee, args } | InstKind::Spawn { func: callee, args } => {
                let callee = &self.module.funcs[*callee];
                if callee.params.len() != args.len() {
                    self.error("type", format!("call of @{} with the wrong number of arguments", callee.name));
                }
                for (&v, &ty) in args.iter().zip(&callee.params) {
                    self.expect(v, ty, "argument");
                }
                let ret = match kind {
                    InstKind::Spawn { .. } => Some(TypeId::THREAD),
                    _ => (callee.ret != TypeId::UNIT).then_some(callee.ret),
                };
                self.check_result(inst, ret, "call");
            }
            InstKind::Join(v) => self.expect(*v, TypeId::THREAD, "join operand"),
            InstKind::Print { args, .. } => {
                for &v in args {
                    if !matches!(types.get(ty_of(v)), Ty::Int | Ty::Float | Ty::Bool | Ty::Str) {
                        self.error("type", format!("print of {v}, which is not printable"));
                    }
                }
            }
            InstKind::ListDir(v) | InstKind::DirOpen(v) => self.expect(*v, string, "path"),
            InstKind::DirNext(v) | InstKind::DirName(v) => self.expect(*v, TypeId::DIR_STREAM, "directory stream"),
            InstKind::Assert(v) => self.expect(*v, boolean, "assertion"),
            InstKind::Log(_) | InstKind::Send(_) | InstKind::ClockNs => {}
            InstKind::ArenaMark => self.check_result(inst, Some(int), "arena.mark"),
            InstKind::Scalar(_) => self.check_result(inst, None, "scalar"),
            InstKind::ArenaRelease(mark) => self.expect(*mark, int, "arena mark"),
            InstKind::Jump(_) | InstKind::Branch { .. } => {
                if let InstKind::Branch { cond, .. } = kind {
                    self.expect(*cond, boolean, "branch condition");
                }
                for dest in kind.destinations() {
                    self.check_block_call(dest.block, &dest.args);
                }
            }
            InstKind::Return(value) => match (value, func.ret) {
                (None, TypeId::UNIT) => {}
                (Some(v), ret) if ret != TypeId::UNIT => self.expect(*v, ret, "returned value"),
                _ => self.error("type", "return does not match the result type"),
            },
            InstKind::Panic(v) => self.expect(*v, string, "panic message"),
        }
    }

    fn check_alloc(&mut self, inst: Inst, init: &AllocInit) {
        let types = self.types();
        let result = self.result_type(inst).unwrap_or(TypeId::ERROR);
        match init {
            AllocInit::Struct { strukt, fields } => {
                if types.get(result) != Ty::Struct(*strukt) {
                    self.error("type", "struct alloc with the wrong result type");
                }
                let defs = &self.module.structs[*strukt].fields;
                if defs.len() != fields.len() {
                    self.error("type", "struct alloc with the wrong number of fields");
                }
                for (&v, def) in fields.iter().zip(defs) {
                    self.expect(v, def.ty, "field initialiser");
                }
            }
            AllocInit::Array { elems } => match types.element(result) {
                Some(elem) => elems.iter().for_each(|&v| self.expect(v, elem, "array element")),
                None => self.error("type", "array alloc of a non-array type"),
            },
            AllocInit::ArrayRepeat { value, count } => {
                match types.element(result) {
                    Some(elem) => self.expect(*value, elem, "repeated value"),
                    None => self.error("type", "array alloc of a non-array type"),
                }
                self.expect(*count, TypeId::INT, "repeat count");
            }
            AllocInit::Concat(a, b) => {
                self.expect(*a, TypeId::STR, "concat operand");
                self.expect(*b, TypeId::STR, "concat operand");
            }
            AllocInit::Substr { string, start, end } => {
                self.expect(*string, TypeId::STR, "substr string");
                self.expect(*start, TypeId::INT, "substr start");
                self.expect(*end, TypeId::INT, "substr end");
            }
            AllocInit::Format(v) => {
                if !matches!(types.get(self.func.dfg.value_type(*v)), Ty::Int | Ty::Float | Ty::Bool) {
                    self.error("type", "str.format of a value that is not an int, float or bool");
                }
            }
        }
        if !matches!(init, AllocInit::Struct { .. } | AllocInit::Array { .. } | AllocInit::ArrayRepeat { .. })
            && result != TypeId::STR
        {
            self.error("type", "string alloc with a non-string result");
        }
    }

    /// The element type of an array operand, reporting other operands.
    fn element(&mut self, array: Value) -> Option<TypeId> {
        let elem = self.types().element(self.func.dfg.value_type(array));
        if elem.is_none() {
            self.error("type", format!("{array} is not an array"));
        }
        elem
    }

    fn check_block_call(&mut self, block: Block, args: &[Value]) {
        if !self.func.layout.blocks.contains(&block) {
            self.error(block, "is a branch target but not in the layout");
            return;
        }
        let params = self.func.dfg.blocks[block].params.clone();
        if params.len() != args.len() {
            self.error(block, format!("takes {} arguments, a branch passes {}", params.len(), args.len()));
            return;
        }
        for (&arg, &param) in args.iter().zip(&params) {
            let ty = self.func.dfg.value_type(param);
            self.expect(arg, ty, "block argument");
        }
    }
}
