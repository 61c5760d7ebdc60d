//! A whole program in IR form.

use berth_syntax::Span;
use berth_types::TypeTable;
use berth_types::hir::{EnumDef, FuncId, GlobalId, StructDef};
use berth_types::{EnumId, StructId, TypeId};
use cranelift_entity::PrimaryMap;

use crate::entities::AllocSite;
use crate::function::Function;

#[derive(Debug)]
pub struct Module {
    pub types: TypeTable,
    pub structs: PrimaryMap<StructId, StructDef>,
    pub enums: PrimaryMap<EnumId, EnumDef>,
    pub globals: PrimaryMap<GlobalId, Global>,
    /// The program's functions in source order, then [`Module::init`].
    pub funcs: PrimaryMap<FuncId, Function>,
    pub sites: PrimaryMap<AllocSite, SiteData>,
    /// Initialises the globals in source order; runs before `main`.
    pub init: FuncId,
    pub main: FuncId,
}

#[derive(Debug, Clone)]
pub struct Global {
    pub name: String,
    pub ty: TypeId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    Struct,
    Array,
    String,
}

/// Where an allocation site is in the source, and what it creates.
#[derive(Debug, Clone)]
pub struct SiteData {
    pub kind: SiteKind,
    pub span: Span,
    /// 1-based position of the site's first character.
    pub line: u32,
    pub column: u32,
    /// The function whose body contains the site.
    pub func: FuncId,
}

impl SiteKind {
    pub fn name(self) -> &'static str {
        match self {
            SiteKind::Struct => "struct",
            SiteKind::Array => "array",
            SiteKind::String => "string",
        }
    }
}
