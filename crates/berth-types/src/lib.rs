//! Name resolution and type checking: AST in, typed tree ([`hir`]) out.
//!
//! The checker runs in two passes. [`items`] declares every struct, enum,
//! function and global and resolves their signatures, so bodies may refer
//! to items in any order. Then every global initialiser and function body is
//! checked ([`expr`], [`call`], [`stmt`], [`patterns`]), producing the HIR
//! with every expression typed and every name resolved.
//!
//! Errors never stop the checker: an expression that fails to check gets
//! the type [`Ty::Error`], which is compatible with everything, so one
//! mistake is reported once and checking goes on to find the next. A program
//! with any error yields no HIR.
//!
//! Invariants of a returned [`hir::Program`]:
//! - no expression has type `Error`, and `Nil` only as an operand of `==`/`!=`;
//! - every function with a result returns or diverges on every path;
//! - every `match` is exhaustive; `break`/`continue` are inside loops;
//! - `main` exists, takes no parameters and returns nothing.

mod call;
mod checker;
mod expr;
pub mod hir;
mod items;
mod patterns;
mod stmt;
mod suggest;
pub mod types;

use berth_syntax::Diagnostic;
use berth_syntax::ast::Module;

pub use types::{EnumId, StructId, Ty, TypeId, TypeTable};

/// The result of checking: the typed program if there were no errors, and
/// every diagnostic (errors and warnings) found.
pub struct Checked {
    pub program: Option<hir::Program>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn check(module: &Module) -> Checked {
    checker::check_module(module)
}
