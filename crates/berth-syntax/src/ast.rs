//! The abstract syntax tree, as written: no names are resolved and no types
//! are known yet. Every node carries the span of the text it came from.

use ustr::Ustr;

use crate::Span;

/// A name as written, with where it was written. Names are interned
/// (`Ustr`): comparing and hashing them is comparing pointers, and an
/// identifier costs no allocation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ident {
    pub name: Ustr,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Module {
    pub items: Vec<Item>,
}

#[derive(Debug)]
pub enum Item {
    Struct(StructDef),
    Enum(EnumDef),
    Global(GlobalDef),
    Fn(FnDef),
}

#[derive(Debug)]
pub struct StructDef {
    pub name: Ident,
    pub fields: Vec<FieldDef>,
    pub span: Span,
}

#[derive(Debug)]
pub struct FieldDef {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Debug)]
pub struct EnumDef {
    pub name: Ident,
    pub variants: Vec<VariantDef>,
    pub span: Span,
}

#[derive(Debug)]
pub struct VariantDef {
    pub name: Ident,
    pub payload: Vec<TypeExpr>,
}

#[derive(Debug)]
pub struct GlobalDef {
    pub name: Ident,
    pub ty: TypeExpr,
    pub init: Expr,
    pub span: Span,
}

#[derive(Debug)]
pub struct FnDef {
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
}

/// A type as written: `int`, `Point`, `[[str]]`.
#[derive(Debug)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Debug)]
pub enum TypeExprKind {
    Named(Ident),
    Array(Box<TypeExpr>),
}

#[derive(Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    /// Span from `{` to `}`; the closing brace is where "missing return"
    /// diagnostics point.
    pub span: Span,
}

#[derive(Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug)]
pub enum StmtKind {
    Let {
        name: Ident,
        ty: Option<TypeExpr>,
        init: Expr,
    },
    /// `target = value` or, with `op`, `target op= value`.
    Assign {
        target: Expr,
        op: Option<BinOp>,
        value: Expr,
    },
    If {
        cond: Expr,
        then: Block,
        /// `else { .. }`, or an `else if` chain as a block holding one `If`.
        els: Option<Block>,
    },
    While {
        cond: Expr,
        body: Block,
    },
    /// `for var in lo..hi { .. }`
    ForRange {
        var: Ident,
        lo: Expr,
        hi: Expr,
        body: Block,
    },
    /// `for var in expr { .. }`: an array, or the stream `read_dir(path)`.
    ForIn {
        var: Ident,
        iter: Expr,
        body: Block,
    },
    Match {
        scrutinee: Expr,
        arms: Vec<MatchArm>,
    },
    Return(Option<Expr>),
    Break,
    Continue,
    Expr(Expr),
    Block(Block),
    /// A statement the parser could not read; already reported.
    Error,
}

#[derive(Debug)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub body: Block,
}

#[derive(Debug)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Debug)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// A plain name: matches anything and binds it.
    Binding(Ident),
    /// `Enum::Variant` or `Enum::Variant(a, _, c)`.
    Variant {
        enum_name: Ident,
        variant: Ident,
        bindings: Option<Vec<Binding>>,
    },
    Int(i64),
    Str(String),
    Bool(bool),
}

/// One position of a variant pattern's payload: a name or `_`.
#[derive(Debug)]
pub enum Binding {
    Name(Ident),
    Wildcard(Span),
}

#[derive(Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// Height of this expression tree (a leaf is 1). The parser refuses
    /// trees taller than [`crate::MAX_EXPR_DEPTH`], so every later pass may
    /// recurse over expressions without running out of stack.
    pub depth: u32,
}

#[derive(Debug)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Nil,
    Name(Ident),
    /// `Enum::Variant`, which becomes an enum value (called, if it has a
    /// payload).
    Path {
        enum_name: Ident,
        variant: Ident,
    },
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    MethodCall {
        receiver: Box<Expr>,
        method: Ident,
        args: Vec<Expr>,
    },
    Field(Box<Expr>, Ident),
    Index(Box<Expr>, Box<Expr>),
    StructLit {
        name: Ident,
        fields: Vec<FieldInit>,
    },
    ArrayLit(Vec<Expr>),
    ArrayRepeat {
        value: Box<Expr>,
        count: Box<Expr>,
    },
    Spawn(Box<Expr>),
    /// An expression the parser could not read; already reported.
    Error,
}

#[derive(Debug)]
pub struct FieldInit {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl UnOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnOp::Neg => "-",
            UnOp::Not => "!",
        }
    }
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
}

impl Expr {
    /// Builds a node whose depth is one more than its deepest child.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        let depth = 1 + kind.max_child_depth();
        Expr { kind, span, depth }
    }
}

impl ExprKind {
    fn max_child_depth(&self) -> u32 {
        fn max_of(exprs: &[Expr]) -> u32 {
            exprs.iter().map(|e| e.depth).max().unwrap_or(0)
        }
        match self {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Nil
            | ExprKind::Name(_)
            | ExprKind::Path { .. }
            | ExprKind::Error => 0,
            ExprKind::Unary(_, e) | ExprKind::Field(e, _) | ExprKind::Spawn(e) => e.depth,
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => a.depth.max(b.depth),
            ExprKind::ArrayRepeat { value, count } => value.depth.max(count.depth),
            ExprKind::Call { callee, args } => callee.depth.max(max_of(args)),
            ExprKind::MethodCall { receiver, args, .. } => receiver.depth.max(max_of(args)),
            ExprKind::StructLit { fields, .. } => fields.iter().map(|f| f.value.depth).max().unwrap_or(0),
            ExprKind::ArrayLit(elems) => max_of(elems),
        }
    }
}
