//! Code generation: Berth IR to Cranelift IR, compiled in memory for
//! `berth run` (cranelift-jit) or to an object file for `berth build`
//! (cranelift-object), which the system linker joins with the runtime's
//! static library.
//!
//! - [`layout`]: values as Cranelift values and in memory.
//! - [`function`]: one IR function to Cranelift IR.
//! - [`program`]: the whole module; spawn entries; a standalone `main`.
//! - [`data`]: string literals, globals, type descriptors.
//! - [`runtime`]: the runtime functions generated code calls.
//!
//! Generated code knows the runtime only by the names and layout in
//! `berth_abi`.

pub mod data;
pub mod function;
pub mod layout;
pub mod program;
pub mod runtime;

use std::fmt;

use berth_ir::Module as IrModule;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Module, ModuleError};
use cranelift_object::{ObjectBuilder, ObjectModule};

use program::Program;

/// A failure inside the code generator: a bug, never a user error.
#[derive(Debug)]
pub struct CodegenError(pub String);

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<ModuleError> for CodegenError {
    fn from(e: ModuleError) -> Self {
        CodegenError(format!("{e:?}"))
    }
}

/// The host's ISA, optimising for speed. Position-independent code for
/// object files (executables are linked as PIE), absolute for the JIT.
fn host_isa(pic: bool) -> Result<OwnedTargetIsa, CodegenError> {
    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, name: &str, value: &str| {
        flags.set(name, value).map_err(|e| CodegenError(format!("setting {name}: {e}")))
    };
    set(&mut flags, "opt_level", "speed")?;
    set(&mut flags, "is_pic", if pic { "true" } else { "false" })?;
    set(&mut flags, "use_colocated_libcalls", "false")?;
    set(&mut flags, "enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" })?;
    let isa = cranelift_native::builder().map_err(|e| CodegenError(format!("unsupported host: {e}")))?;
    isa.finish(settings::Flags::new(flags)).map_err(|e| CodegenError(format!("{e}")))
}

/// A program compiled into memory, ready to run.
pub struct JitProgram {
    /// Owns the code; dropping it unmaps the functions.
    _module: JITModule,
    /// `extern "C" fn(ctx)` initialising the globals.
    pub init: *const u8,
    /// `extern "C" fn(ctx)`: the program's `main`.
    pub main: *const u8,
}

/// Compiles for `berth run`. `runtime` lists the runtime's functions with
/// their addresses in this process; `count_objects` makes the code count
/// the objects it places on the stack or scalar-replaces (`--stats`).
pub fn compile_jit(
    ir: &IrModule,
    runtime: &[(&'static str, *const u8)],
    count_objects: bool,
) -> Result<JitProgram, CodegenError> {
    let mut builder = JITBuilder::with_isa(host_isa(false)?, cranelift_module::default_libcall_names());
    builder.symbols(runtime.iter().copied());
    let mut module = JITModule::new(builder);
    let mut program = Program::new(&mut module, ir);
    program.count_objects = count_objects;
    let entry = program.compile()?;
    module.finalize_definitions()?;
    let init = module.get_finalized_function(entry.init);
    let main = module.get_finalized_function(entry.main);
    Ok(JitProgram { _module: module, init, main })
}

/// Compiles for `berth build`: an object file defining the program, its
/// description for the runtime, and a C `main`. `file` is the source's
/// name, for runtime error messages.
pub fn compile_object(ir: &IrModule, file: &str) -> Result<Vec<u8>, CodegenError> {
    let builder = ObjectBuilder::new(host_isa(true)?, "berth_program", cranelift_module::default_libcall_names())?;
    let mut module = ObjectModule::new(builder);
    let mut program = Program::new(&mut module, ir);
    let entry = program.compile()?;
    program.define_standalone_entry(&entry, file)?;
    let product = module.finish();
    product.emit().map_err(|e| CodegenError(format!("writing the object file: {e}")))
}

/// The Cranelift IR of every function, as `berth dump --stage clif` shows
/// it (before Cranelift's own optimisations).
pub fn clif_text(ir: &IrModule) -> Result<String, CodegenError> {
    let builder = ObjectBuilder::new(host_isa(true)?, "berth_program", cranelift_module::default_libcall_names())?;
    let mut module = ObjectModule::new(builder);
    let mut program = Program::new(&mut module, ir);
    program.clif_text = Some(String::new());
    program.compile()?;
    Ok(program.clif_text.take().unwrap_or_default())
}

impl JitProgram {
    pub fn functions(&self) -> (*const u8, *const u8) {
        (self.init, self.main)
    }
}

#[allow(dead_code)]
fn _assert_module_trait<M: Module>() {}
