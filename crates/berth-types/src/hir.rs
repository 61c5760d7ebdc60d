//! The typed tree (HIR): the program after name resolution and type
//! checking. Every name is resolved to what it denotes, every expression
//! carries its type, built-in calls are [`Builtin`]s, method calls are
//! desugared, and operators are resolved to their typed form. Lowering to
//! the IR reads only this tree, never the AST.

use berth_syntax::Span;
use cranelift_entity::{PrimaryMap, entity_impl};

use crate::types::{EnumId, StructId, TypeId, TypeTable};

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(u32);
entity_impl!(FuncId, "fn");

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalId(u32);
entity_impl!(GlobalId, "global");

/// A local variable or parameter of one function.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(u32);
entity_impl!(LocalId, "local");

#[derive(Debug)]
pub struct Program {
    pub types: TypeTable,
    pub structs: PrimaryMap<StructId, StructDef>,
    pub enums: PrimaryMap<EnumId, EnumDef>,
    /// In source order, which is the order they are initialised in.
    pub globals: PrimaryMap<GlobalId, GlobalDef>,
    /// In source order.
    pub funcs: PrimaryMap<FuncId, FuncDef>,
    pub main: FuncId,
}

#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub span: Span,
    pub fields: Vec<FieldDef>,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub ty: TypeId,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    pub span: Span,
    pub variants: Vec<VariantDef>,
}

#[derive(Clone, Debug)]
pub struct VariantDef {
    pub name: String,
    pub payload: Vec<TypeId>,
    pub span: Span,
}

#[derive(Debug)]
pub struct GlobalDef {
    pub name: String,
    pub ty: TypeId,
    pub span: Span,
    pub init: Expr,
}

#[derive(Debug)]
pub struct FuncDef {
    pub name: String,
    pub span: Span,
    pub params: Vec<LocalId>,
    /// [`TypeId::UNIT`] for functions without `-> T`.
    pub ret: TypeId,
    pub locals: PrimaryMap<LocalId, LocalDef>,
    pub body: Block,
}

#[derive(Debug)]
pub struct LocalDef {
    pub name: String,
    pub ty: TypeId,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

#[derive(Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug)]
pub enum StmtKind {
    Let {
        local: LocalId,
        init: Expr,
    },
    /// `place = value`, or `place op= value` when `op` is set. The place's
    /// sub-expressions are evaluated once, before `value`.
    Assign {
        place: Place,
        op: Option<BinaryOp>,
        value: Expr,
    },
    If {
        cond: Expr,
        then: Block,
        els: Block,
    },
    While {
        cond: Expr,
        body: Block,
    },
    /// `for var in lo..hi`: both bounds evaluated once; assigning `var` in
    /// the body does not change the iteration.
    ForRange {
        var: LocalId,
        lo: Expr,
        hi: Expr,
        body: Block,
    },
    /// `for var in array`: by index, reading the length before each step.
    ForArray {
        var: LocalId,
        array: Expr,
        body: Block,
    },
    /// `for var in read_dir(path)`: one new string per directory entry.
    ForReadDir {
        var: LocalId,
        path: Expr,
        body: Block,
    },
    /// Arms are tried in order; the checker made sure one always matches.
    Match {
        scrutinee: Expr,
        arms: Vec<Arm>,
    },
    Return(Option<Expr>),
    Break,
    Continue,
    Expr(Expr),
    Block(Block),
}

#[derive(Debug)]
pub enum Place {
    Local(LocalId),
    Global(GlobalId),
    Field { object: Expr, strukt: StructId, field: u32 },
    Index { array: Expr, index: Expr },
}

#[derive(Debug)]
pub struct Arm {
    pub pattern: Pattern,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug)]
pub enum Pattern {
    /// `_`
    Wildcard,
    /// A name that binds the whole value.
    Bind(LocalId),
    /// `Enum::Variant(a, _)`: one entry per payload value, `None` for `_`.
    Variant {
        variant: u32,
        bindings: Vec<Option<LocalId>>,
    },
    Int(i64),
    Str(String),
    Bool(bool),
}

#[derive(Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: TypeId,
    pub span: Span,
}

#[derive(Debug)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// `nil`, with the reference type the context gave it.
    Nil,
    Local(LocalId),
    Global(GlobalId),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// Short-circuit `&&`.
    And(Box<Expr>, Box<Expr>),
    /// Short-circuit `||`.
    Or(Box<Expr>, Box<Expr>),
    Call(FuncId, Vec<Expr>),
    Builtin(Builtin, Vec<Expr>),
    Spawn(FuncId, Vec<Expr>),
    Field {
        object: Box<Expr>,
        strukt: StructId,
        field: u32,
    },
    Index {
        array: Box<Expr>,
        index: Box<Expr>,
    },
    /// Allocation site. Field values in source order (the order they are
    /// evaluated in), each with its field's index.
    StructLit {
        strukt: StructId,
        fields: Vec<(u32, Expr)>,
    },
    /// Allocation site. The element type is the element of `ty`.
    ArrayLit(Vec<Expr>),
    /// Allocation site: `[value; count]`.
    ArrayRepeat {
        value: Box<Expr>,
        count: Box<Expr>,
    },
    EnumLit {
        enum_id: EnumId,
        variant: u32,
        payload: Vec<Expr>,
    },
    /// Stands for an expression that did not check; only in programs with
    /// errors, which are never lowered.
    Error,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UnaryOp {
    NegInt,
    NegFloat,
    Not,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    /// Traps on a zero divisor (ints only).
    Div,
    /// Traps on a zero divisor (ints only).
    Rem,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// Whether the comparison holds for operands that order this way.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ordering == Equal,
            CmpOp::Ne => ordering != Equal,
            CmpOp::Lt => ordering == Less,
            CmpOp::Le => ordering != Greater,
            CmpOp::Gt => ordering == Greater,
            CmpOp::Ge => ordering != Less,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BinaryOp {
    Int(ArithOp),
    Float(ArithOp),
    /// String `+`: an allocation site.
    Concat,
    IntCmp(CmpOp),
    FloatCmp(CmpOp),
    /// By content; ordering is bytewise.
    StrCmp(CmpOp),
    /// `==` / `!=` only.
    BoolCmp(CmpOp),
    /// Identity of references (and `nil`); `==` / `!=` only.
    RefCmp(CmpOp),
}

/// The built-in functions, after overload resolution.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Builtin {
    Print,
    Println,
    ArrayLen,
    StrLen,
    Push,
    Pop,
    /// Allocation site (string building).
    Substr,
    ByteAt,
    ParseInt,
    Log,
    Send,
    Join,
    ListDir,
    ClockNs,
    Assert,
    Panic,
    IntOfFloat,
    FloatOfInt,
    /// Allocation site (string building), as are the two below.
    StrOfInt,
    StrOfFloat,
    StrOfBool,
}

impl Builtin {
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Print => "print",
            Builtin::Println => "println",
            Builtin::ArrayLen | Builtin::StrLen => "len",
            Builtin::Push => "push",
            Builtin::Pop => "pop",
            Builtin::Substr => "substr",
            Builtin::ByteAt => "byte_at",
            Builtin::ParseInt => "parse_int",
            Builtin::Log => "log",
            Builtin::Send => "send",
            Builtin::Join => "join",
            Builtin::ListDir => "list_dir",
            Builtin::ClockNs => "clock_ns",
            Builtin::Assert => "assert",
            Builtin::Panic => "panic",
            Builtin::IntOfFloat => "int",
            Builtin::FloatOfInt => "float",
            Builtin::StrOfInt | Builtin::StrOfFloat | Builtin::StrOfBool => "str",
        }
    }
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

impl Program {
    pub fn field_name(&self, strukt: StructId, field: u32) -> &str {
        &self.structs[strukt].fields[field as usize].name
    }
}
