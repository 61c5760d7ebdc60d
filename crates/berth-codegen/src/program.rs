//! Compiles a whole IR module into a Cranelift module (JIT or object):
//! declares every function, translates each, and adds the spawn entries
//! and, for standalone executables, the program's entry point.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use berth_abi::{HEADER, WORD, desc};
use berth_ir::Module as IrModule;
use berth_syntax::Span;
use berth_types::hir::FuncId as IrFuncId;
use cranelift_codegen::Context;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, UserFuncName};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module, ModuleError, ModuleReloc, ModuleResult};

use crate::data::Data;
use crate::function::{MAX_REGISTER_RESULTS, Translator};
use crate::layout::{self, Layouts};
use crate::runtime::{Rt, Runtime};

pub struct Program<'b, M: Module> {
    pub module: &'b mut M,
    pub ir: &'b IrModule,
    pub layouts: Layouts<'b>,
    pub data: Data,
    runtime: Runtime,
    funcs: SecondaryMap<IrFuncId, Option<FuncId>>,
    spawn_entries: HashMap<IrFuncId, FuncId>,
    /// When set, the Cranelift IR of every function is appended here as it
    /// is translated (for `berth dump --stage clif`).
    pub clif_text: Option<String>,
    /// Translated functions waiting to be compiled.
    pending: Vec<(FuncId, ir::Function)>,
    /// Whether generated code counts stack and scalar-replaced objects
    /// (for `berth run --stats`); off, the hot paths stay free of it.
    pub count_objects: bool,
}

/// The functions a program starts with.
pub struct Entry {
    pub init: FuncId,
    pub main: FuncId,
}

impl<'b, M: Module> Program<'b, M> {
    pub fn new(module: &'b mut M, ir: &'b IrModule) -> Self {
        Program {
            module,
            ir,
            layouts: Layouts::new(ir),
            data: Data::default(),
            runtime: Runtime::default(),
            funcs: SecondaryMap::new(),
            spawn_entries: HashMap::new(),
            clif_text: None,
            pending: Vec::new(),
            count_objects: false,
        }
    }

    pub fn line_col(&self, span: Span) -> (u32, u32) {
        self.ir.positions.line_col(span)
    }

    /// The Cranelift signature of a Berth function (see [`crate::function`]).
    fn signature(&self, f: IrFuncId) -> ir::Signature {
        let func = &self.ir.funcs[f];
        let mut sig = self.module.make_signature();
        sig.params.push(AbiParam::new(I64));
        let ret_words = self.layouts.words(func.ret);
        if ret_words > MAX_REGISTER_RESULTS {
            sig.params.push(AbiParam::new(I64));
        } else {
            sig.returns.extend(self.layouts.parts(func.ret).into_iter().map(AbiParam::new));
        }
        for &p in &func.params {
            sig.params.extend(self.layouts.parts(p).into_iter().map(AbiParam::new));
        }
        sig
    }

    /// Translates every function; returns `init` and `main`.
    pub fn compile(&mut self) -> ModuleResult<Entry> {
        for (id, func) in &self.ir.funcs {
            let sig = self.signature(id);
            let declared = self.module.declare_function(&format!("b.{}", func.name), Linkage::Local, &sig)?;
            self.funcs[id] = Some(declared);
        }
        let mut ctx = self.module.make_context();
        let mut builder_ctx = FunctionBuilderContext::new();
        for id in self.ir.funcs.keys() {
            ctx.func.signature = self.signature(id);
            let declared = self.funcs[id].expect("declared above");
            ctx.func.name = UserFuncName::user(0, declared.as_u32());
            let b = FunctionBuilder::new(&mut ctx.func, &mut builder_ctx);
            Translator::new(self, &self.ir.funcs[id], b).translate()?;
            self.translated(declared, &self.ir.funcs[id].name, &mut ctx);
        }
        // Spawn entries are requested while translating; define them all.
        let spawned: Vec<(IrFuncId, FuncId)> = self.spawn_entries.iter().map(|(&f, &e)| (f, e)).collect();
        for (f, entry) in spawned {
            self.define_spawn_entry(f, entry, &mut ctx, &mut builder_ctx)?;
        }
        self.compile_translated()?;
        self.data.define_descriptors(self.module, &self.layouts, self.ir)?;
        let func = |f| self.funcs[f].expect("declared");
        Ok(Entry { init: func(self.ir.init), main: func(self.ir.main) })
    }

    /// Queues a translated function for compilation.
    fn translated(&mut self, id: FuncId, name: &str, ctx: &mut Context) {
        if let Some(text) = self.clif_text.as_mut() {
            text.push_str(&format!("; {name}\n"));
            text.push_str(&ctx.func.display().to_string());
            text.push('\n');
        }
        let func = std::mem::replace(&mut ctx.func, ir::Function::new());
        self.module.clear_context(ctx);
        self.pending.push((id, func));
    }

    /// Compiles the queued functions on every core (Cranelift's work
    /// dominates compile time), then defines them in the module in order.
    fn compile_translated(&mut self) -> ModuleResult<()> {
        let pending = std::mem::take(&mut self.pending);
        let compiled = compile_parallel(self.module.isa(), pending);
        for function in compiled {
            let (id, alignment, bytes, relocs) = function?;
            self.module.define_function_bytes(id, alignment, &bytes, &relocs)?;
        }
        Ok(())
    }

    pub fn runtime_ref(&mut self, rt: Rt, func: &mut ir::Function) -> ModuleResult<ir::FuncRef> {
        let id = self.runtime.func_id(self.module, rt)?;
        Ok(self.module.declare_func_in_func(id, func))
    }

    pub fn function_ref(&mut self, f: IrFuncId, func: &mut ir::Function) -> ir::FuncRef {
        let id = self.funcs[f].expect("every function is declared before any is translated");
        self.module.declare_func_in_func(id, func)
    }

    /// The entry a spawned call of `f` starts from, declared on first use.
    pub fn spawn_entry_ref(&mut self, f: IrFuncId, func: &mut ir::Function) -> ModuleResult<ir::FuncRef> {
        let id = match self.spawn_entries.get(&f) {
            Some(&id) => id,
            None => {
                let mut sig = self.module.make_signature();
                sig.params.extend([AbiParam::new(I64), AbiParam::new(I64)]);
                let name = format!("spawn.{}", self.ir.funcs[f].name);
                let id = self.module.declare_function(&name, Linkage::Local, &sig)?;
                self.spawn_entries.insert(f, id);
                id
            }
        };
        Ok(self.module.declare_func_in_func(id, func))
    }

    /// `spawn.f(ctx, record)`: loads the arguments from the record and
    /// calls `f`, dropping its result.
    fn define_spawn_entry(
        &mut self,
        f: IrFuncId,
        entry: FuncId,
        ctx: &mut Context,
        builder_ctx: &mut FunctionBuilderContext,
    ) -> ModuleResult<()> {
        let mut sig = self.module.make_signature();
        sig.params.extend([AbiParam::new(I64), AbiParam::new(I64)]);
        ctx.func.signature = sig;
        ctx.func.name = UserFuncName::user(0, entry.as_u32());
        let callee = self.function_ref(f, &mut ctx.func);
        let mut b = FunctionBuilder::new(&mut ctx.func, builder_ctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        let (thread_ctx, record) = (b.block_params(block)[0], b.block_params(block)[1]);
        let func = &self.ir.funcs[f];
        let mut args = vec![thread_ctx];
        let ret_words = self.layouts.words(func.ret);
        if ret_words > MAX_REGISTER_RESULTS {
            let slot = b.create_sized_stack_slot(ir::StackSlotData::new(
                ir::StackSlotKind::ExplicitSlot,
                (ret_words * WORD as usize) as u32,
                3,
            ));
            args.push(b.ins().stack_addr(I64, slot, 0));
        }
        let mut offset = HEADER;
        for &p in &func.params {
            let parts = layout::load(&mut b, &self.layouts, p, record, offset);
            offset += WORD * parts.len() as i32;
            args.extend(parts);
        }
        b.ins().call(callee, &args);
        b.ins().return_(&[]);
        b.seal_all_blocks();
        b.finalize(self.module.target_config());
        let name = format!("spawn.{}", self.ir.funcs[f].name);
        self.translated(entry, &name, ctx);
        Ok(())
    }

    /// What a standalone executable needs besides the program: the
    /// `berth_program` description and a C `main` that runs it.
    pub fn define_standalone_entry(&mut self, entry: &Entry, file: &str) -> ModuleResult<()> {
        let info = self.module.declare_data(berth_abi::symbols::PROGRAM, Linkage::Export, false, false)?;
        let mut description = DataDescription::new();
        let mut bytes = vec![0u8; desc::PROGRAM_SIZE];
        bytes[desc::PROGRAM_FILE_LEN..][..8].copy_from_slice(&(file.len() as u64).to_le_bytes());
        description.define(bytes.into_boxed_slice());
        description.set_align(8);
        let init = self.module.declare_func_in_data(entry.init, &mut description);
        description.write_function_addr(desc::PROGRAM_INIT as u32, init);
        let main = self.module.declare_func_in_data(entry.main, &mut description);
        description.write_function_addr(desc::PROGRAM_MAIN as u32, main);
        let name: DataId = self.module.declare_data("berth.file", Linkage::Local, false, false)?;
        let mut name_data = DataDescription::new();
        name_data.define(file.as_bytes().to_vec().into_boxed_slice());
        self.module.define_data(name, &name_data)?;
        let name_gv = self.module.declare_data_in_data(name, &mut description);
        description.write_data_addr(desc::PROGRAM_FILE as u32, name_gv, 0);
        self.module.define_data(info, &description)?;

        let mut sig = self.module.make_signature();
        sig.params.extend([AbiParam::new(I32), AbiParam::new(I64)]);
        sig.returns.push(AbiParam::new(I32));
        let c_main = self.module.declare_function("main", Linkage::Export, &sig)?;
        let mut ctx = self.module.make_context();
        let mut builder_ctx = FunctionBuilderContext::new();
        ctx.func.signature = sig;
        ctx.func.name = UserFuncName::user(0, c_main.as_u32());
        let run = self.runtime_ref(Rt::RunProgram, &mut ctx.func)?;
        let info_gv = self.module.declare_data_in_func(info, &mut ctx.func);
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut builder_ctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        let info_addr = b.ins().symbol_value(I64, info_gv);
        let call = b.ins().call(run, &[info_addr]);
        let status = b.inst_results(call)[0];
        b.ins().return_(&[status]);
        b.seal_all_blocks();
        b.finalize(self.module.target_config());
        self.translated(c_main, "main", &mut ctx);
        self.compile_translated()
    }
}

/// A compiled function, ready to define: its id, alignment, machine code and
/// relocations.
type Compiled = ModuleResult<(FuncId, u64, Vec<u8>, Vec<ModuleReloc>)>;

/// Compiles functions on up to one thread per core, returning them in the
/// order given.
fn compile_parallel(isa: &dyn TargetIsa, functions: Vec<(FuncId, ir::Function)>) -> Vec<Compiled> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(functions.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<(FuncId, ir::Function)>>> =
        functions.into_iter().map(|f| Mutex::new(Some(f))).collect();
    let results: Vec<Mutex<Option<Compiled>>> = slots.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = slots.get(i) else { break };
                    let (id, func) =
                        slot.lock().unwrap_or_else(|e| e.into_inner()).take().expect("each slot is taken once");
                    let compiled = compile_one(isa, id, func);
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(compiled);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap_or_else(|e| e.into_inner()).expect("every function compiled"))
        .collect()
}

fn compile_one(isa: &dyn TargetIsa, id: FuncId, func: ir::Function) -> Compiled {
    let mut ctx = Context::for_function(func);
    let alignment =
        ctx.compile(isa, &mut ControlPlane::default()).map_err(|e| ModuleError::Compilation(e.inner))?.buffer.alignment
            as u64;
    let alignment = alignment.max(isa.function_alignment().minimum as u64).max(isa.symbol_alignment());
    let code = ctx.compiled_code().expect("compiled just now");
    let relocs = code.buffer.relocs().iter().map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, id)).collect();
    Ok((id, alignment, code.code_buffer().to_vec(), relocs))
}
