//! Translates one IR function into Cranelift IR.
//!
//! Every IR value becomes the Cranelift values of its parts (see
//! [`crate::layout`]); every IR block a Cranelift block with the parts of
//! its parameters. Signatures: the thread context first, then (for results
//! of more than two words) a pointer to the caller's return area, then the
//! parameters' parts; results of up to two words are returned in
//! registers.
//!
//! Checks that can fail at run time (nil, bounds, division by zero, the
//! stack limit) branch to cold blocks that call the runtime's error
//! function with the source position, which never returns.

use std::collections::HashMap;

use berth_abi::{WORD, array, context, error as error_kind, str as abi_str, type_id};
use berth_ir::function::ValueDef;
use berth_ir::instructions::{AllocInit, ArithOp, BinaryOp, BlockCall, CmpOp, InstKind, Storage, UnaryOp};
use berth_ir::{Block, Function, Inst, Value};
use berth_syntax::Span;
use berth_types::{Ty, TypeId};
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F64, I8, I32, I64};
use cranelift_codegen::ir::{
    self, BlockArg, InstBuilder, MemFlagsData, StackSlot, StackSlotData, StackSlotKind, TrapCode,
};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{Module, ModuleResult};

use crate::layout::{self, Layouts, Parts};
use crate::program::Program;
use crate::runtime::Rt;

pub struct Translator<'a, 'b, M: Module> {
    pub p: &'a mut Program<'b, M>,
    pub ir: &'a Function,
    pub b: FunctionBuilder<'a>,
    values: SecondaryMap<Value, Parts>,
    blocks: SecondaryMap<Block, Option<ir::Block>>,
    ctx: ir::Value,
    ret_area: Option<ir::Value>,
    /// The frame arena's position on entry, for functions that allocate in
    /// it: released to on every return.
    arena_mark: Option<ir::Value>,
    /// The block every `return` jumps to: it poisons the stack slots under
    /// `BERTH_POISON=1`, releases the frame arena and returns.
    exit: Option<ir::Block>,
    /// Every stack slot of the function, with its size in bytes.
    slots: Vec<(StackSlot, u32)>,
    /// Functions already imported into this function, each once.
    runtime_refs: HashMap<Rt, ir::FuncRef>,
    function_refs: HashMap<berth_types::hir::FuncId, ir::FuncRef>,
}

/// How much of each stack slot a returning function poisons under
/// `BERTH_POISON=1`: a struct's header and first fields.
const POISONED_BYTES: u32 = 512;

/// Results of more than this many words go through a return area.
pub const MAX_REGISTER_RESULTS: usize = 2;

/// Trap code after calls that do not return (errors).
fn unreachable_trap() -> TrapCode {
    TrapCode::user(1).expect("1 is a valid user trap code")
}

impl<'a, 'b, M: Module> Translator<'a, 'b, M> {
    pub fn new(p: &'a mut Program<'b, M>, ir: &'a Function, b: FunctionBuilder<'a>) -> Self {
        let ctx = ir::Value::from_u32(0);
        Translator {
            p,
            ir,
            b,
            values: SecondaryMap::new(),
            blocks: SecondaryMap::new(),
            ctx,
            ret_area: None,
            arena_mark: None,
            exit: None,
            slots: Vec::new(),
            runtime_refs: HashMap::new(),
            function_refs: HashMap::new(),
        }
    }

    fn layouts(&self) -> &Layouts<'b> {
        &self.p.layouts
    }

    /// Emits the whole function.
    pub fn translate(mut self) -> ModuleResult<()> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let params = self.b.block_params(entry).to_vec();
        self.ctx = params[0];
        let big_result = self.layouts().words(self.ir.ret) > MAX_REGISTER_RESULTS;
        let first_param = if big_result {
            self.ret_area = Some(params[1]);
            2
        } else {
            1
        };
        self.stack_check()?;
        if self.uses_arena() {
            self.arena_mark = Some(self.rt(Rt::ArenaMark, &[self.ctx])?[0]);
        }
        for &block in &self.ir.layout.blocks {
            let clif = self.b.create_block();
            for &param in &self.ir.dfg.blocks[block].params {
                let parts: Parts = self
                    .layouts()
                    .parts(self.ir.dfg.value_type(param))
                    .into_iter()
                    .map(|t| self.b.append_block_param(clif, t))
                    .collect();
                self.values[param] = parts;
            }
            self.blocks[block] = Some(clif);
        }
        let exit = self.b.create_block();
        for t in self.layouts().parts(self.ir.ret) {
            self.b.append_block_param(exit, t);
        }
        self.exit = Some(exit);
        let ir_entry = self.ir.entry().expect("verified: a function has blocks");
        let args: Vec<BlockArg> = params[first_param..].iter().map(|&v| BlockArg::Value(v)).collect();
        let target = self.block(ir_entry);
        self.b.ins().jump(target, &args);
        for &block in &self.ir.layout.blocks {
            self.b.switch_to_block(self.block(block));
            for &inst in &self.ir.layout.insts[block] {
                self.inst(inst)?;
            }
        }
        self.epilogue(exit)?;
        self.b.seal_all_blocks();
        let config = self.p.module.target_config();
        self.b.finalize(config);
        Ok(())
    }

    fn block(&self, block: Block) -> ir::Block {
        self.blocks[block].expect("every block in the layout is created first")
    }

    fn v(&self, value: Value) -> Parts {
        self.values[value].clone()
    }

    /// The single part of a one-word value.
    fn v1(&self, value: Value) -> ir::Value {
        self.values[value][0]
    }

    fn set(&mut self, inst: Inst, parts: Parts) {
        if let Some(result) = self.ir.dfg.insts[inst].result {
            self.values[result] = parts;
        }
    }

    fn line_col(&mut self, span: Span) -> (ir::Value, ir::Value) {
        let (line, col) = self.p.line_col(span);
        (self.b.ins().iconst(I32, i64::from(line)), self.b.ins().iconst(I32, i64::from(col)))
    }

    /// Calls a runtime function and returns its results.
    fn rt(&mut self, rt: Rt, args: &[ir::Value]) -> ModuleResult<Vec<ir::Value>> {
        let callee = match self.runtime_refs.get(&rt) {
            Some(&callee) => callee,
            None => {
                let callee = self.p.runtime_ref(rt, self.b.func)?;
                self.runtime_refs.insert(rt, callee);
                callee
            }
        };
        let call = self.b.ins().call(callee, args);
        Ok(self.b.inst_results(call).to_vec())
    }

    /// Calls a runtime function that does not return.
    fn rt_noreturn(&mut self, rt: Rt, args: &[ir::Value]) -> ModuleResult<()> {
        self.rt(rt, args)?;
        self.b.ins().trap(unreachable_trap());
        Ok(())
    }

    /// Continues only if `ok` is non-zero; otherwise raises runtime error
    /// `kind` at `span` with two detail values.
    fn check(&mut self, ok: ir::Value, kind: u32, span: Span, detail: [ir::Value; 2]) -> ModuleResult<()> {
        let fail = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(fail);
        self.b.ins().brif(ok, next, &[], fail, &[]);
        self.b.switch_to_block(fail);
        let kind = self.b.ins().iconst(I32, i64::from(kind));
        let (line, col) = self.line_col(span);
        self.rt_noreturn(Rt::Error, &[kind, line, col, detail[0], detail[1]])?;
        self.b.switch_to_block(next);
        Ok(())
    }

    fn zero(&mut self) -> ir::Value {
        self.b.ins().iconst(I64, 0)
    }

    /// Checks an IR value is not nil, unless it is a fresh allocation.
    fn check_object(&mut self, object: Value, span: Span) -> ModuleResult<ir::Value> {
        let v = self.v1(object);
        let fresh = match self.ir.dfg.values[object].def {
            ValueDef::Result(inst) => matches!(self.ir.dfg.insts[inst].kind, InstKind::Alloc { .. }),
            ValueDef::Param(..) => false,
        };
        if !fresh {
            self.check_not_nil(v, span)?;
        }
        Ok(v)
    }

    fn check_not_nil(&mut self, object: ir::Value, span: Span) -> ModuleResult<()> {
        let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, object, 0);
        let z = self.zero();
        self.check(ok, error_kind::NIL, span, [z, z])
    }

    /// Compares the stack pointer with the thread's limit on entry, so deep
    /// recursion becomes a runtime error rather than a crash.
    fn stack_check(&mut self) -> ModuleResult<()> {
        let sp = self.b.ins().get_stack_pointer(I64);
        let limit = self.b.ins().load(I64, MemFlagsData::trusted(), self.ctx, context::STACK_LIMIT);
        let ok = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, sp, limit);
        let fail = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(fail);
        self.b.ins().brif(ok, next, &[], fail, &[]);
        self.b.switch_to_block(fail);
        let (line, col) = self.line_col(self.ir.span);
        self.rt_noreturn(Rt::StackOverflow, &[line, col])?;
        self.b.switch_to_block(next);
        Ok(())
    }

    fn block_args(&self, call: &BlockCall) -> Vec<BlockArg> {
        call.args.iter().flat_map(|&v| self.values[v].iter().map(|&p| BlockArg::Value(p))).collect()
    }

    fn inst(&mut self, inst: Inst) -> ModuleResult<()> {
        let data = &self.ir.dfg.insts[inst];
        let span = data.span;
        let result_ty = data.result.map(|r| self.ir.dfg.value_type(r));
        let parts: Parts = match &data.kind {
            InstKind::IntConst(n) => vec![self.b.ins().iconst(I64, *n)],
            InstKind::FloatConst(x) => vec![self.b.ins().f64const(*x)],
            InstKind::BoolConst(x) => vec![self.b.ins().iconst(I8, i64::from(*x))],
            InstKind::StrConst(s) => self.string_constant(s)?,
            InstKind::Nil => vec![self.zero()],
            InstKind::Unary(op, v) => {
                let x = self.v1(*v);
                vec![match op {
                    UnaryOp::Ineg => self.b.ins().ineg(x),
                    UnaryOp::Fneg => self.b.ins().fneg(x),
                    UnaryOp::Not => self.b.ins().bxor_imm_s(x, 1),
                    UnaryOp::IntToFloat => self.b.ins().fcvt_from_sint(F64, x),
                    UnaryOp::FloatToInt => self.b.ins().fcvt_to_sint_sat(I64, x),
                }]
            }
            InstKind::Binary(op, a, b) => self.binary(*op, *a, *b, span)?,
            InstKind::Alloc { site, storage, init } => {
                if !self.p.ir.sites[*site].materializes.is_empty() {
                    self.count(context::SCALAR_OBJECTS, -1);
                }
                self.alloc(*storage, init, result_ty.expect("alloc has a result"), span)?
            }
            InstKind::Scalar(_) => {
                self.count(context::SCALAR_OBJECTS, 1);
                Vec::new()
            }
            InstKind::FieldGet { object, strukt, field } => {
                let obj = self.check_object(*object, span)?;
                let offset = self.layouts().field_offset(*strukt, *field);
                let ty = self.p.ir.structs[*strukt].fields[*field as usize].ty;
                layout::load(&mut self.b, &self.p.layouts, ty, obj, offset)
            }
            InstKind::FieldSet { object, strukt, field, value } => {
                let obj = self.check_object(*object, span)?;
                let offset = self.layouts().field_offset(*strukt, *field);
                let value = self.v(*value);
                layout::store(&mut self.b, &value, obj, offset);
                Vec::new()
            }
            InstKind::ArrayGet { array: arr, index } => {
                let elem_ty = result_ty.expect("array.get has a result");
                let slot = self.element_address(*arr, *index, elem_ty, span)?;
                layout::load(&mut self.b, &self.p.layouts, elem_ty, slot, 0)
            }
            InstKind::ArraySet { array: arr, index, value } => {
                let elem_ty = self.ir.dfg.value_type(*value);
                let slot = self.element_address(*arr, *index, elem_ty, span)?;
                let value = self.v(*value);
                layout::store(&mut self.b, &value, slot, 0);
                Vec::new()
            }
            InstKind::ArrayLen(arr) => {
                let a = self.check_object(*arr, span)?;
                vec![self.b.ins().load(I64, MemFlagsData::trusted(), a, array::LEN)]
            }
            InstKind::ArrayPush { array: arr, value, grow } => {
                let a = self.check_object(*arr, span)?;
                let elem_ty = self.ir.dfg.value_type(*value);
                let elem_words = self.layouts().words(elem_ty) as i64;
                let words = self.b.ins().iconst(I64, elem_words);
                let in_arena = self.b.ins().iconst(I8, i64::from(*grow == Storage::Arena));
                let slot = self.rt(Rt::ArrayPush, &[self.ctx, a, words, in_arena])?[0];
                let value = self.v(*value);
                layout::store(&mut self.b, &value, slot, 0);
                Vec::new()
            }
            InstKind::ArrayPop(arr) => {
                let a = self.check_object(*arr, span)?;
                let len = self.b.ins().load(I64, MemFlagsData::trusted(), a, array::LEN);
                let ok = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, len, 0);
                let z = self.zero();
                self.check(ok, error_kind::POP_EMPTY, span, [z, z])?;
                let last = self.b.ins().iadd_imm_s(len, -1);
                self.b.ins().store(MemFlagsData::trusted(), last, a, array::LEN);
                let elem_ty = result_ty.expect("array.pop has a result");
                let slot = self.element_at(a, last, elem_ty);
                layout::load(&mut self.b, &self.p.layouts, elem_ty, slot, 0)
            }
            InstKind::StrLen(s) => {
                let parts = self.v(*s);
                vec![self.string_length(parts[1])]
            }
            InstKind::ByteAt { string, index } => {
                let s = self.v(*string);
                let i = self.v1(*index);
                let (line, col) = self.line_col(span);
                self.rt(Rt::StrByteAt, &[s[0], s[1], i, line, col])?
            }
            InstKind::ParseInt(s) => {
                let s = self.v(*s);
                let (line, col) = self.line_col(span);
                self.rt(Rt::ParseInt, &[s[0], s[1], line, col])?
            }
            InstKind::EnumMake { enum_id, variant, payload } => {
                let size = self.layouts().enum_words(*enum_id);
                let mut words = vec![self.b.ins().iconst(I64, i64::from(*variant))];
                for &v in payload {
                    let parts = self.v(v);
                    words.extend(layout::to_words(&mut self.b, &parts));
                }
                while words.len() < size {
                    words.push(self.zero());
                }
                words
            }
            InstKind::EnumTag(v) => vec![self.v(*v)[0]],
            InstKind::EnumField { value, variant, index } => {
                let Ty::Enum(e) = self.p.ir.types.get(self.ir.dfg.value_type(*value)) else {
                    unreachable!("verified: enum.field of an enum")
                };
                let ty = result_ty.expect("enum.field has a result");
                let at = self.layouts().payload_word(e, *variant, *index);
                let words = self.v(*value)[at..at + self.layouts().words(ty)].to_vec();
                layout::from_words(&mut self.b, &self.p.layouts, ty, &words)
            }
            InstKind::GlobalGet(g) => {
                let addr = self.global_address(*g)?;
                let ty = self.p.ir.globals[*g].ty;
                layout::load(&mut self.b, &self.p.layouts, ty, addr, 0)
            }
            InstKind::GlobalSet(g, v) => {
                let addr = self.global_address(*g)?;
                let value = self.v(*v);
                layout::store(&mut self.b, &value, addr, 0);
                Vec::new()
            }
            InstKind::Call { func, args } => self.call(*func, args)?,
            InstKind::Spawn { func, args } => self.spawn(*func, args)?,
            InstKind::Join(t) => {
                let t = self.v1(*t);
                self.rt(Rt::Join, &[self.ctx, t])?
            }
            InstKind::Print { newline, args } => {
                for &arg in args {
                    let parts = self.v(arg);
                    let rt = match self.p.ir.types.get(self.ir.dfg.value_type(arg)) {
                        Ty::Int => Rt::PrintInt,
                        Ty::Float => Rt::PrintFloat,
                        Ty::Bool => Rt::PrintBool,
                        _ => Rt::PrintStr,
                    };
                    self.rt(rt, &parts)?;
                }
                let newline = self.b.ins().iconst(I8, i64::from(*newline));
                self.rt(Rt::PrintEnd, &[newline])?
            }
            InstKind::Log(v) | InstKind::Send(v) => {
                let rt = if matches!(data.kind, InstKind::Log(_)) { Rt::Log } else { Rt::Send };
                let ty = self.ir.dfg.value_type(*v);
                let words = self.layouts().words(ty).max(1);
                let slot = self.stack_slot(words as u32 * WORD as u32);
                let parts = self.v(*v);
                layout::store(&mut self.b, &parts, slot, 0);
                let desc = self.p.data.descriptor(self.p.module, ty)?;
                let gv = self.p.module.declare_data_in_func(desc, self.b.func);
                let desc = self.b.ins().symbol_value(I64, gv);
                self.rt(rt, &[self.ctx, desc, slot])?
            }
            InstKind::ListDir(p) => {
                let p = self.v(*p);
                self.rt(Rt::ListDir, &[self.ctx, p[0], p[1]])?
            }
            InstKind::DirOpen(p) => {
                let p = self.v(*p);
                self.rt(Rt::DirOpen, &[self.ctx, p[0], p[1]])?
            }
            InstKind::DirNext(d) => {
                let d = self.v1(*d);
                self.rt(Rt::DirNext, &[self.ctx, d])?
            }
            InstKind::DirName(d) => {
                let d = self.v1(*d);
                self.rt(Rt::DirName, &[self.ctx, d])?
            }
            InstKind::ClockNs => self.rt(Rt::ClockNs, &[])?,
            InstKind::ArenaMark => self.rt(Rt::ArenaMark, &[self.ctx])?,
            InstKind::ArenaRelease(mark) => {
                let mark = self.v1(*mark);
                self.rt(Rt::ArenaRelease, &[self.ctx, mark])?
            }
            InstKind::Assert(c) => {
                let c = self.v1(*c);
                let z = self.zero();
                self.check(c, error_kind::ASSERT, span, [z, z])?;
                Vec::new()
            }
            InstKind::Jump(dest) => {
                let args = self.block_args(dest);
                let target = self.block(dest.block);
                self.b.ins().jump(target, &args);
                Vec::new()
            }
            InstKind::Branch { cond, then_dest, else_dest } => {
                let c = self.v1(*cond);
                let (then_args, else_args) = (self.block_args(then_dest), self.block_args(else_dest));
                let (then_block, else_block) = (self.block(then_dest.block), self.block(else_dest.block));
                self.b.ins().brif(c, then_block, &then_args, else_block, &else_args);
                Vec::new()
            }
            InstKind::Return(value) => {
                let parts: Vec<BlockArg> =
                    value.map(|v| self.v(v)).unwrap_or_default().into_iter().map(BlockArg::Value).collect();
                let exit = self.exit.expect("created before the blocks are translated");
                self.b.ins().jump(exit, &parts);
                Vec::new()
            }
            InstKind::Panic(message) => {
                let m = self.v(*message);
                let (line, col) = self.line_col(span);
                self.rt_noreturn(Rt::Panic, &[line, col, m[0], m[1]])?;
                Vec::new()
            }
        };
        self.set(inst, parts);
        Ok(())
    }

    fn binary(&mut self, op: BinaryOp, a: Value, b: Value, span: Span) -> ModuleResult<Parts> {
        let (x, y) = (self.v(a), self.v(b));
        let result = match op {
            BinaryOp::Int(ArithOp::Add) => self.b.ins().iadd(x[0], y[0]),
            BinaryOp::Int(ArithOp::Sub) => self.b.ins().isub(x[0], y[0]),
            BinaryOp::Int(ArithOp::Mul) => self.b.ins().imul(x[0], y[0]),
            BinaryOp::Int(op @ (ArithOp::Div | ArithOp::Rem)) => match self.ir.int_constant(b) {
                // A constant divisor other than 0 and -1 needs no checks, and
                // Cranelift turns the division into multiplications.
                Some(d) if d != 0 && d != -1 => {
                    let d = self.b.ins().iconst(I64, d);
                    if op == ArithOp::Div { self.b.ins().sdiv(x[0], d) } else { self.b.ins().srem(x[0], d) }
                }
                _ => self.int_division(op, x[0], y[0], span)?,
            },
            BinaryOp::Float(ArithOp::Add) => self.b.ins().fadd(x[0], y[0]),
            BinaryOp::Float(ArithOp::Sub) => self.b.ins().fsub(x[0], y[0]),
            BinaryOp::Float(ArithOp::Mul) => self.b.ins().fmul(x[0], y[0]),
            BinaryOp::Float(ArithOp::Div) => self.b.ins().fdiv(x[0], y[0]),
            BinaryOp::Float(ArithOp::Rem) => self.rt(Rt::Fmod, &[x[0], y[0]])?[0],
            BinaryOp::IntCmp(op) | BinaryOp::BoolCmp(op) | BinaryOp::RefCmp(op) => {
                self.b.ins().icmp(int_cc(op), x[0], y[0])
            }
            BinaryOp::FloatCmp(op) => self.b.ins().fcmp(float_cc(op), x[0], y[0]),
            BinaryOp::StrCmp(op) => {
                let order = self.rt(Rt::StrCmp, &[x[0], x[1], y[0], y[1]])?[0];
                self.b.ins().icmp_imm_s(int_cc(op), order, 0)
            }
        };
        Ok(vec![result])
    }

    /// `/` and `%` on ints: a zero divisor is a runtime error, and
    /// `MIN / -1` wraps (Cranelift's `sdiv` would trap).
    fn int_division(&mut self, op: ArithOp, x: ir::Value, y: ir::Value, span: Span) -> ModuleResult<ir::Value> {
        let nonzero = self.b.ins().icmp_imm_s(IntCC::NotEqual, y, 0);
        let z = self.zero();
        self.check(nonzero, error_kind::DIVISION_BY_ZERO, span, [z, z])?;
        let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
        let one = self.b.ins().iconst(I64, 1);
        let safe = self.b.ins().select(minus_one, one, y);
        Ok(if op == ArithOp::Div {
            let q = self.b.ins().sdiv(x, safe);
            let negated = self.b.ins().ineg(x);
            self.b.ins().select(minus_one, negated, q)
        } else {
            let r = self.b.ins().srem(x, safe);
            self.b.ins().select(minus_one, z, r)
        })
    }

    /// The address of element `index`, after nil and bounds checks.
    fn element_address(&mut self, arr: Value, index: Value, elem_ty: TypeId, span: Span) -> ModuleResult<ir::Value> {
        let a = self.check_object(arr, span)?;
        let i = self.v1(index);
        let len = self.b.ins().load(I64, MemFlagsData::trusted(), a, array::LEN);
        // One unsigned comparison also rejects negative indexes.
        let ok = self.b.ins().icmp(IntCC::UnsignedLessThan, i, len);
        self.check(ok, error_kind::INDEX, span, [i, len])?;
        Ok(self.element_at(a, i, elem_ty))
    }

    fn element_at(&mut self, a: ir::Value, i: ir::Value, elem_ty: TypeId) -> ir::Value {
        let buf = self.b.ins().load(I64, MemFlagsData::trusted(), a, array::BUF);
        let bytes = (self.layouts().words(elem_ty) * WORD as usize) as i64;
        let offset = self.b.ins().imul_imm_s(i, bytes);
        let at = self.b.ins().iadd(buf, offset);
        self.b.ins().iadd_imm_s(at, i64::from(array::DATA))
    }

    /// The length of a string from its second word.
    fn string_length(&mut self, w1: ir::Value) -> ir::Value {
        let heap = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, w1, 0);
        let heap_len = self.b.ins().band_imm_s(w1, !(abi_str::HEAP_FLAG as i64));
        let inline_len = self.b.ins().ushr_imm_s(w1, 56);
        self.b.ins().select(heap, heap_len, inline_len)
    }

    fn string_constant(&mut self, s: &str) -> ModuleResult<Parts> {
        let bytes = s.as_bytes();
        if bytes.len() <= abi_str::INLINE_MAX {
            let mut words = [0u8; 16];
            words[..bytes.len()].copy_from_slice(bytes);
            words[15] = bytes.len() as u8;
            let w0 = i64::from_le_bytes(words[..8].try_into().expect("8 bytes"));
            let w1 = i64::from_le_bytes(words[8..].try_into().expect("8 bytes"));
            return Ok(vec![self.b.ins().iconst(I64, w0), self.b.ins().iconst(I64, w1)]);
        }
        let id = self.p.data.string(self.p.module, s)?;
        let gv = self.p.module.declare_data_in_func(id, self.b.func);
        let addr = self.b.ins().symbol_value(I64, gv);
        let w1 = self.b.ins().iconst(I64, (bytes.len() as u64 | abi_str::HEAP_FLAG) as i64);
        Ok(vec![addr, w1])
    }

    fn global_address(&mut self, g: berth_types::hir::GlobalId) -> ModuleResult<ir::Value> {
        let id = self.p.data.global(self.p.module, &self.p.layouts, self.p.ir, g)?;
        let gv = self.p.module.declare_data_in_func(id, self.b.func);
        Ok(self.b.ins().symbol_value(I64, gv))
    }

    fn stack_slot(&mut self, bytes: u32) -> ir::Value {
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, bytes, 3));
        self.slots.push((slot, bytes));
        self.b.ins().stack_addr(I64, slot, 0)
    }

    /// The code every `return` jumps to: under `BERTH_POISON=1` it fills
    /// the function's stack slots (their first [`POISONED_BYTES`]) with
    /// the poison pattern, so a pointer to a stack object that outlived
    /// its frame reads garbage rather than stale data; then it releases the
    /// frame arena and returns.
    fn epilogue(&mut self, exit: ir::Block) -> ModuleResult<()> {
        self.b.switch_to_block(exit);
        let parts = self.b.block_params(exit).to_vec();
        if !self.slots.is_empty() {
            let flag = self.b.ins().load(I64, MemFlagsData::trusted(), self.ctx, context::POISON);
            let (poison, ret) = (self.b.create_block(), self.b.create_block());
            self.b.set_cold_block(poison);
            self.b.ins().brif(flag, poison, &[], ret, &[]);
            self.b.switch_to_block(poison);
            let pattern = self.b.ins().iconst(I64, i64::from_ne_bytes([berth_abi::POISON_BYTE; 8]));
            for (slot, bytes) in self.slots.clone() {
                for offset in (0..bytes.min(POISONED_BYTES)).step_by(WORD as usize) {
                    self.b.ins().stack_store(I64, pattern, slot, offset as i32);
                }
            }
            self.b.ins().jump(ret, &[]);
            self.b.switch_to_block(ret);
        }
        if let Some(mark) = self.arena_mark {
            self.rt(Rt::ArenaRelease, &[self.ctx, mark])?;
        }
        match self.ret_area {
            Some(area) => {
                layout::store(&mut self.b, &parts, area, 0);
                self.b.ins().return_(&[]);
            }
            None => {
                self.b.ins().return_(&parts);
            }
        }
        Ok(())
    }

    /// A call of a Berth function: the context, a return area if needed,
    /// the arguments' parts.
    fn call(&mut self, func: berth_types::hir::FuncId, args: &[Value]) -> ModuleResult<Parts> {
        let callee = self.p.ir.funcs[func].ret;
        let ret_words = self.layouts().words(callee);
        let mut call_args = vec![self.ctx];
        let area = (ret_words > MAX_REGISTER_RESULTS).then(|| self.stack_slot((ret_words * WORD as usize) as u32));
        call_args.extend(area);
        for &a in args {
            call_args.extend(self.v(a));
        }
        let fref = *self.function_refs.entry(func).or_insert_with(|| self.p.function_ref(func, self.b.func));
        let call = self.b.ins().call(fref, &call_args);
        Ok(match area {
            Some(area) => layout::load(&mut self.b, &self.p.layouts, callee, area, 0),
            None => self.b.inst_results(call).to_vec(),
        })
    }

    /// `spawn f(args)`: the arguments go into a heap record that the
    /// function's spawn entry unpacks on the new thread.
    fn spawn(&mut self, func: berth_types::hir::FuncId, args: &[Value]) -> ModuleResult<Parts> {
        let words: usize = args.iter().map(|&a| self.layouts().words(self.ir.dfg.value_type(a))).sum();
        let size = self.b.ins().iconst(I64, i64::from(berth_abi::HEADER) + (words * WORD as usize) as i64);
        let kind = self.b.ins().iconst(I32, i64::from(type_id::SPAWN_ARGS));
        let record = self.rt(Rt::Alloc, &[self.ctx, size, kind])?[0];
        let mut offset = berth_abi::HEADER;
        for &a in args {
            let parts = self.v(a);
            layout::store(&mut self.b, &parts, record, offset);
            offset += WORD * parts.len() as i32;
        }
        let entry = self.p.spawn_entry_ref(func, self.b.func)?;
        let entry = self.b.ins().func_addr(I64, entry);
        self.rt(Rt::Spawn, &[self.ctx, entry, record])
    }

    fn alloc(&mut self, storage: Storage, init: &AllocInit, ty: TypeId, span: Span) -> ModuleResult<Parts> {
        Ok(match init {
            AllocInit::Struct { strukt, fields } => {
                let size = self.layouts().struct_size(*strukt);
                let object = self.object(storage, size, Layouts::struct_type_id(*strukt))?;
                for (i, &field) in fields.iter().enumerate() {
                    let offset = self.layouts().field_offset(*strukt, i as u32);
                    let parts = self.v(field);
                    layout::store(&mut self.b, &parts, object, offset);
                }
                vec![object]
            }
            AllocInit::Array { elems } => {
                let elem_ty = self.p.ir.types.element(ty).expect("verified: an array type");
                let len = self.b.ins().iconst(I64, elems.len() as i64);
                let a = self.new_array(storage, elem_ty, len)?;
                for (i, &e) in elems.iter().enumerate() {
                    let index = self.b.ins().iconst(I64, i as i64);
                    let slot = self.element_at(a, index, elem_ty);
                    let parts = self.v(e);
                    layout::store(&mut self.b, &parts, slot, 0);
                }
                vec![a]
            }
            AllocInit::ArrayRepeat { value, count } => {
                let elem_ty = self.p.ir.types.element(ty).expect("verified: an array type");
                let n = self.v1(*count);
                let ok = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, n, 0);
                let z = self.zero();
                self.check(ok, error_kind::NEGATIVE_LENGTH, span, [n, z])?;
                let a = self.new_array(storage, elem_ty, n)?;
                let parts = self.v(*value);
                self.fill(a, n, elem_ty, &parts);
                vec![a]
            }
            AllocInit::Concat(a, b) => {
                let (x, y) = (self.v(*a), self.v(*b));
                let in_arena = self.in_arena(storage);
                self.rt(Rt::StrConcat, &[self.ctx, x[0], x[1], y[0], y[1], in_arena])?
            }
            AllocInit::Substr { string, start, end } => {
                let s = self.v(*string);
                let (i, j) = (self.v1(*start), self.v1(*end));
                let (line, col) = self.line_col(span);
                let in_arena = self.in_arena(storage);
                self.rt(Rt::StrSubstr, &[self.ctx, s[0], s[1], i, j, line, col, in_arena])?
            }
            AllocInit::Format(v) => {
                let rt = match self.p.ir.types.get(self.ir.dfg.value_type(*v)) {
                    Ty::Int => Rt::FormatInt,
                    Ty::Float => Rt::FormatFloat,
                    _ => Rt::FormatBool,
                };
                let x = self.v1(*v);
                let in_arena = self.in_arena(storage);
                self.rt(rt, &[self.ctx, x, in_arena])?
            }
        })
    }

    /// Whether anything in the function goes to the frame arena: arena
    /// objects, buffers of arrays and strings that stay in the frame, and
    /// arrays that grow there.
    fn uses_arena(&self) -> bool {
        self.ir.insts().any(|(_, inst)| self.ir.dfg.insts[inst].kind.uses_frame_arena())
    }

    /// The runtime's flag for buffers it allocates: 1 for the frame arena
    /// (a string buffer cannot be sized in advance, so "stack" means the
    /// arena too), 0 for the heap.
    fn in_arena(&mut self, storage: Storage) -> ir::Value {
        let arena = matches!(storage, Storage::Arena | Storage::Stack);
        self.b.ins().iconst(I8, i64::from(arena))
    }

    /// Adds `by` to the thread context's counter at `offset` (for
    /// `--stats`).
    fn count(&mut self, offset: i32, by: i64) {
        if !self.p.count_objects {
            return;
        }
        let count = self.b.ins().load(I64, MemFlagsData::trusted(), self.ctx, offset);
        let count = self.b.ins().iadd_imm_s(count, by);
        self.b.ins().store(MemFlagsData::trusted(), count, self.ctx, offset);
    }

    /// A struct object of `size` bytes with its header, where `storage`
    /// says.
    fn object(&mut self, storage: Storage, size: i32, type_id: u32) -> ModuleResult<ir::Value> {
        match storage {
            Storage::Stack => {
                let addr = self.stack_slot(size as u32);
                let header = self.b.ins().iconst(I64, i64::from(type_id));
                self.b.ins().store(MemFlagsData::trusted(), header, addr, 0);
                self.count(context::STACK_OBJECTS, 1);
                Ok(addr)
            }
            // Bump the thread's arena pointer inline; the runtime only when
            // the chunk is full (or to count objects for `--stats`). The
            // caller sets every field, so the memory needs no zeroing.
            Storage::Arena if !self.p.count_objects => {
                let size = (i64::from(size) + 7) & !7;
                let flags = MemFlagsData::trusted();
                let top = self.b.ins().load(I64, flags, self.ctx, context::ARENA_TOP);
                let end = self.b.ins().load(I64, flags, self.ctx, context::ARENA_END);
                let new_top = self.b.ins().iadd_imm_s(top, size);
                let fits = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, new_top, end);
                let (fast, slow, done) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
                self.b.set_cold_block(slow);
                let addr = self.b.append_block_param(done, I64);
                self.b.ins().brif(fits, fast, &[], slow, &[]);
                self.b.switch_to_block(fast);
                self.b.ins().store(flags, new_top, self.ctx, context::ARENA_TOP);
                let header = self.b.ins().iconst(I64, i64::from(type_id));
                self.b.ins().store(flags, header, top, 0);
                self.b.ins().jump(done, &[BlockArg::Value(top)]);
                self.b.switch_to_block(slow);
                let size = self.b.ins().iconst(I64, size);
                let kind = self.b.ins().iconst(I32, i64::from(type_id));
                let from_runtime = self.rt(Rt::ArenaAlloc, &[self.ctx, size, kind])?[0];
                self.b.ins().jump(done, &[BlockArg::Value(from_runtime)]);
                self.b.switch_to_block(done);
                Ok(addr)
            }
            Storage::Arena | Storage::Heap | Storage::Undecided => {
                let rt = if storage == Storage::Arena { Rt::ArenaAlloc } else { Rt::Alloc };
                let size = self.b.ins().iconst(I64, i64::from(size));
                let kind = self.b.ins().iconst(I32, i64::from(type_id));
                Ok(self.rt(rt, &[self.ctx, size, kind])?[0])
            }
        }
    }

    /// A new array of `len` zeroed elements. Arrays whose objects do not
    /// escape live in the frame arena (a stack slot cannot hold a buffer
    /// that may grow).
    fn new_array(&mut self, storage: Storage, elem_ty: TypeId, len: ir::Value) -> ModuleResult<ir::Value> {
        let elem_words = self.layouts().words(elem_ty) as i64;
        let words = self.b.ins().iconst(I64, elem_words);
        let in_arena = self.in_arena(storage);
        Ok(self.rt(Rt::ArrayNew, &[self.ctx, words, len, in_arena])?[0])
    }

    /// Stores `value` into elements `0..n` of array `a`.
    fn fill(&mut self, a: ir::Value, n: ir::Value, elem_ty: TypeId, value: &[ir::Value]) {
        let header = self.b.create_block();
        let body = self.b.create_block();
        let done = self.b.create_block();
        let i = self.b.append_block_param(header, I64);
        let zero = self.zero();
        self.b.ins().jump(header, &[BlockArg::Value(zero)]);
        self.b.switch_to_block(header);
        let more = self.b.ins().icmp(IntCC::SignedLessThan, i, n);
        self.b.ins().brif(more, body, &[], done, &[]);
        self.b.switch_to_block(body);
        let slot = self.element_at(a, i, elem_ty);
        layout::store(&mut self.b, value, slot, 0);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.ins().jump(header, &[BlockArg::Value(next)]);
        self.b.switch_to_block(done);
    }
}

fn int_cc(op: CmpOp) -> IntCC {
    match op {
        CmpOp::Eq => IntCC::Equal,
        CmpOp::Ne => IntCC::NotEqual,
        CmpOp::Lt => IntCC::SignedLessThan,
        CmpOp::Le => IntCC::SignedLessThanOrEqual,
        CmpOp::Gt => IntCC::SignedGreaterThan,
        CmpOp::Ge => IntCC::SignedGreaterThanOrEqual,
    }
}

/// Ordered comparisons, except `!=`, which is true when either side is NaN.
fn float_cc(op: CmpOp) -> FloatCC {
    match op {
        CmpOp::Eq => FloatCC::Equal,
        CmpOp::Ne => FloatCC::NotEqual,
        CmpOp::Lt => FloatCC::LessThan,
        CmpOp::Le => FloatCC::LessThanOrEqual,
        CmpOp::Gt => FloatCC::GreaterThan,
        CmpOp::Ge => FloatCC::GreaterThanOrEqual,
    }
}
