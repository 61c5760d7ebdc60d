//! The runtime functions generated code calls: their names (from
//! `berth_abi::symbols`) and Cranelift signatures, declared in the module
//! on first use.

use berth_abi::symbols as s;
use cranelift_codegen::ir::types::{F64, I8, I32, I64};
use cranelift_codegen::ir::{self, AbiParam, Signature};
use cranelift_module::{FuncId, Linkage, Module, ModuleResult};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Rt {
    Alloc,
    ArenaAlloc,
    ArenaMark,
    ArenaRelease,
    ArrayNew,
    ArrayPush,
    Error,
    Panic,
    StackOverflow,
    StrConcat,
    StrSubstr,
    StrCmp,
    StrByteAt,
    ParseInt,
    FormatInt,
    FormatFloat,
    FormatBool,
    Fmod,
    PrintInt,
    PrintFloat,
    PrintBool,
    PrintStr,
    PrintEnd,
    Log,
    Send,
    Spawn,
    Join,
    ListDir,
    DirOpen,
    DirNext,
    DirName,
    ClockNs,
    RunProgram,
}

impl Rt {
    pub fn name(self) -> &'static str {
        match self {
            Rt::Alloc => s::ALLOC,
            Rt::ArenaAlloc => s::ARENA_ALLOC,
            Rt::ArenaMark => s::ARENA_MARK,
            Rt::ArenaRelease => s::ARENA_RELEASE,
            Rt::ArrayNew => s::ARRAY_NEW,
            Rt::ArrayPush => s::ARRAY_PUSH,
            Rt::Error => s::ERROR,
            Rt::Panic => s::PANIC,
            Rt::StackOverflow => s::STACK_OVERFLOW,
            Rt::StrConcat => s::STR_CONCAT,
            Rt::StrSubstr => s::STR_SUBSTR,
            Rt::StrCmp => s::STR_CMP,
            Rt::StrByteAt => s::STR_BYTE_AT,
            Rt::ParseInt => s::PARSE_INT,
            Rt::FormatInt => s::FORMAT_INT,
            Rt::FormatFloat => s::FORMAT_FLOAT,
            Rt::FormatBool => s::FORMAT_BOOL,
            Rt::Fmod => s::FMOD,
            Rt::PrintInt => s::PRINT_INT,
            Rt::PrintFloat => s::PRINT_FLOAT,
            Rt::PrintBool => s::PRINT_BOOL,
            Rt::PrintStr => s::PRINT_STR,
            Rt::PrintEnd => s::PRINT_END,
            Rt::Log => s::LOG,
            Rt::Send => s::SEND,
            Rt::Spawn => s::SPAWN,
            Rt::Join => s::JOIN,
            Rt::ListDir => s::LIST_DIR,
            Rt::DirOpen => s::DIR_OPEN,
            Rt::DirNext => s::DIR_NEXT,
            Rt::DirName => s::DIR_NAME,
            Rt::ClockNs => s::CLOCK_NS,
            Rt::RunProgram => s::RUN_PROGRAM,
        }
    }

    /// Parameter and result types, as the runtime defines the function.
    fn types(self) -> (&'static [ir::Type], &'static [ir::Type]) {
        const PTR: ir::Type = I64;
        match self {
            Rt::Alloc | Rt::ArenaAlloc => (&[PTR, I64, I32], &[PTR]),
            Rt::ArenaMark => (&[PTR], &[I64]),
            Rt::ArenaRelease => (&[PTR, I64], &[]),
            Rt::ArrayNew => (&[PTR, I64, I64, I8], &[PTR]),
            Rt::ArrayPush => (&[PTR, PTR, I64, I8], &[PTR]),
            Rt::Error => (&[I32, I32, I32, I64, I64], &[]),
            Rt::Panic => (&[I32, I32, I64, I64], &[]),
            Rt::StackOverflow => (&[I32, I32], &[]),
            Rt::StrConcat => (&[PTR, I64, I64, I64, I64, I8], &[I64, I64]),
            Rt::StrSubstr => (&[PTR, I64, I64, I64, I64, I32, I32, I8], &[I64, I64]),
            Rt::StrCmp => (&[I64, I64, I64, I64], &[I64]),
            Rt::StrByteAt => (&[I64, I64, I64, I32, I32], &[I64]),
            Rt::ParseInt => (&[I64, I64, I32, I32], &[I64]),
            Rt::FormatInt => (&[PTR, I64, I8], &[I64, I64]),
            Rt::FormatFloat => (&[PTR, F64, I8], &[I64, I64]),
            Rt::FormatBool => (&[PTR, I8, I8], &[I64, I64]),
            Rt::Fmod => (&[F64, F64], &[F64]),
            Rt::PrintInt => (&[I64], &[]),
            Rt::PrintFloat => (&[F64], &[]),
            Rt::PrintBool => (&[I8], &[]),
            Rt::PrintStr => (&[I64, I64], &[]),
            Rt::PrintEnd => (&[I8], &[]),
            Rt::Log | Rt::Send => (&[PTR, PTR, PTR], &[]),
            Rt::Spawn => (&[PTR, PTR, PTR], &[PTR]),
            Rt::Join => (&[PTR, PTR], &[]),
            Rt::ListDir | Rt::DirOpen => (&[PTR, I64, I64], &[PTR]),
            Rt::DirNext => (&[PTR, PTR], &[I8]),
            Rt::DirName => (&[PTR, PTR], &[I64, I64]),
            Rt::ClockNs => (&[], &[I64]),
            Rt::RunProgram => (&[PTR], &[I32]),
        }
    }

    pub fn signature(self, module: &dyn Module) -> Signature {
        let mut sig = module.make_signature();
        let (params, returns) = self.types();
        // C callers zero-extend narrow arguments (Rust relies on a `bool`
        // arriving as 0 or 1 in a whole 32-bit register).
        sig.params
            .extend(params.iter().map(|&t| if t.bits() < 64 { AbiParam::new(t).uext() } else { AbiParam::new(t) }));
        sig.returns.extend(returns.iter().map(|&t| AbiParam::new(t)));
        sig
    }
}

/// The runtime functions declared in one module so far.
#[derive(Default)]
pub struct Runtime {
    declared: std::collections::HashMap<Rt, FuncId>,
}

impl Runtime {
    /// The module's import of `rt`, declared on first use.
    pub fn func_id(&mut self, module: &mut dyn Module, rt: Rt) -> ModuleResult<FuncId> {
        if let Some(&id) = self.declared.get(&rt) {
            return Ok(id);
        }
        let id = module.declare_function(rt.name(), Linkage::Import, &rt.signature(module))?;
        self.declared.insert(rt, id);
        Ok(id)
    }
}
