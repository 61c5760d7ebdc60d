//! How Berth values are represented in Cranelift values and in memory
//! (the layout in `berth_abi`): the words of every type, struct field
//! offsets, and the positions of enum payloads.

use berth_abi::{HEADER, WORD, type_id};
use berth_ir::Module;
use berth_types::{EnumId, StructId, Ty, TypeId};
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::types::{F64, I8, I64};
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData};
use cranelift_frontend::FunctionBuilder;

/// The Cranelift values that make up one Berth value, in word order.
pub type Parts = Vec<ir::Value>;

pub struct Layouts<'m> {
    module: &'m Module,
}

impl<'m> Layouts<'m> {
    pub fn new(module: &'m Module) -> Layouts<'m> {
        Layouts { module }
    }

    /// The Cranelift types of a value's parts (one per word).
    pub fn parts(&self, ty: TypeId) -> Vec<ir::Type> {
        match self.module.types.get(ty) {
            Ty::Unit => Vec::new(),
            Ty::Int => vec![I64],
            Ty::Float => vec![F64],
            Ty::Bool => vec![I8],
            Ty::Str => vec![I64, I64],
            Ty::Enum(e) => vec![I64; self.enum_words(e)],
            Ty::Struct(_) | Ty::Array(_) | Ty::Thread | Ty::DirStream | Ty::Nil | Ty::Error => vec![I64],
        }
    }

    /// Words a value takes in memory.
    pub fn words(&self, ty: TypeId) -> usize {
        self.module.value_words(ty)
    }

    /// The tag word and the largest payload.
    pub fn enum_words(&self, e: EnumId) -> usize {
        self.module.value_words(self.enum_type(e))
    }

    fn enum_type(&self, e: EnumId) -> TypeId {
        self.module.types.lookup(Ty::Enum(e)).expect("an enum's type is interned when the enum is declared")
    }

    /// Word index (within the enum value) of a payload value.
    pub fn payload_word(&self, e: EnumId, variant: u32, index: u32) -> usize {
        let payload = &self.module.enums[e].variants[variant as usize].payload;
        1 + payload[..index as usize].iter().map(|&t| self.words(t)).sum::<usize>()
    }

    /// Byte offset of a field in its struct object.
    pub fn field_offset(&self, s: StructId, field: u32) -> i32 {
        let fields = &self.module.structs[s].fields;
        let words: usize = fields[..field as usize].iter().map(|f| self.words(f.ty)).sum();
        HEADER + WORD * words as i32
    }

    /// Bytes of a struct object, header included.
    pub fn struct_size(&self, s: StructId) -> i32 {
        let words: usize = self.module.structs[s].fields.iter().map(|f| self.words(f.ty)).sum();
        HEADER + WORD * words as i32
    }

    pub fn struct_type_id(s: StructId) -> u32 {
        type_id::FIRST_STRUCT + s.index() as u32
    }
}

/// Loads a value of type `ty` from `addr + offset`.
pub fn load(b: &mut FunctionBuilder, layouts: &Layouts, ty: TypeId, addr: ir::Value, offset: i32) -> Parts {
    layouts
        .parts(ty)
        .into_iter()
        .enumerate()
        .map(|(i, t)| b.ins().load(t, MemFlagsData::trusted(), addr, offset + WORD * i as i32))
        .collect()
}

/// Stores a value's parts at `addr + offset`, one word each (a `bool` in the
/// first byte of its word).
pub fn store(b: &mut FunctionBuilder, parts: &[ir::Value], addr: ir::Value, offset: i32) {
    for (i, &part) in parts.iter().enumerate() {
        b.ins().store(MemFlagsData::trusted(), part, addr, offset + WORD * i as i32);
    }
}

/// A value's parts as whole `i64` words, as enums hold their payload.
pub fn to_words(b: &mut FunctionBuilder, parts: &[ir::Value]) -> Parts {
    parts
        .iter()
        .map(|&p| match b.func.dfg.value_type(p) {
            F64 => b.ins().bitcast(I64, MemFlagsData::new(), p),
            I8 => b.ins().uextend(I64, p),
            _ => p,
        })
        .collect()
}

/// The inverse of [`to_words`] for a value of type `ty`.
pub fn from_words(b: &mut FunctionBuilder, layouts: &Layouts, ty: TypeId, words: &[ir::Value]) -> Parts {
    layouts
        .parts(ty)
        .into_iter()
        .zip(words)
        .map(|(t, &w)| match t {
            F64 => b.ins().bitcast(F64, MemFlagsData::new(), w),
            I8 => b.ins().ireduce(I8, w),
            _ => w,
        })
        .collect()
}
