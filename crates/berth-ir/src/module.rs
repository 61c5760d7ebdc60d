//! A whole program in IR form.

use berth_syntax::{LineIndex, Span};
use berth_types::hir::{EnumDef, FuncId, GlobalId, StructDef};
use berth_types::{EnumId, StructId, TypeId};
use berth_types::{Ty, TypeTable};
use cranelift_entity::PrimaryMap;

use crate::entities::AllocSite;
use crate::function::Function;

#[derive(Clone, Debug)]
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
    /// The source text, to turn spans into line and column.
    pub positions: Positions,
}

/// Line and column of spans in the module's source.
#[derive(Clone, Debug)]
pub struct Positions {
    text: String,
    lines: LineIndex,
}

impl Positions {
    pub fn new(text: &str) -> Positions {
        Positions { text: text.to_string(), lines: LineIndex::new(text) }
    }

    /// 1-based line and column of a span's start.
    pub fn line_col(&self, span: Span) -> (u32, u32) {
        self.lines.line_col(&self.text, span.start)
    }

    /// Whether the source text at a span's start is `word`.
    pub fn starts_with(&self, span: Span, word: &str) -> bool {
        self.text.get(span.start as usize..).is_some_and(|rest| rest.starts_with(word))
    }
}

impl Module {
    /// Words (8 bytes each) a value of this type takes in memory: a string
    /// two, an enum its tag and its largest payload, everything else one.
    pub fn value_words(&self, ty: TypeId) -> usize {
        match self.types.get(ty) {
            Ty::Unit => 0,
            Ty::Str => 2,
            Ty::Enum(e) => {
                let payload = self.enums[e]
                    .variants
                    .iter()
                    .map(|v| v.payload.iter().map(|&t| self.value_words(t)).sum::<usize>())
                    .max()
                    .unwrap_or(0);
                1 + payload
            }
            _ => 1,
        }
    }
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
    /// Set on a copy of another site made by inlining.
    pub inlined: Option<Inlined>,
    /// Set on a site made by partial escape analysis where virtual objects
    /// get memory (a `materialize`): the sites whose objects it may hold.
    /// Empty for the sites of the program.
    pub materializes: Vec<AllocSite>,
}

/// Where an inlined copy of a site came from.
#[derive(Debug, Clone)]
pub struct Inlined {
    /// The site in the source, in its own function's body.
    pub original: AllocSite,
    /// The calls it was inlined through, innermost first: the copy sits in
    /// the last one's function.
    pub into: Vec<InlinedCall>,
}

/// A call that was inlined: the function it is in, and where.
#[derive(Debug, Clone, Copy)]
pub struct InlinedCall {
    pub func: FuncId,
    pub span: Span,
}

impl SiteData {
    /// Whether the site is one of the program's own, in its function's
    /// body: not an inlined copy, not a materialisation.
    pub fn in_source(&self) -> bool {
        self.inlined.is_none() && self.materializes.is_empty()
    }
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
