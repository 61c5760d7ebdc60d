//! The front of the Berth front end: source text to an abstract syntax tree.
//!
//! - [`token`]: the logos lexer's token type and its literal decoding.
//! - [`lexer`]: runs the lexer, collects lexical errors, bounds nesting.
//! - [`parser`]: the lalrpop parser built from `grammar/berth.lalrpop`.
//! - [`ast`]: the tree, every node with its [`Span`].
//! - [`diagnostic`]: errors and warnings, rendered with codespan-reporting.
//! - [`ast_printer`]: the text form of `berth dump --stage ast`.
//!
//! Nothing here panics on any input: lexical errors, syntax errors and
//! pathological nesting all come back as [`Diagnostic`]s.

pub mod ast;
pub mod ast_printer;
pub mod diagnostic;
pub mod lexer;
pub mod parser;
mod span;
pub mod token;

pub use codespan_reporting as codespan;
pub use diagnostic::{Diagnostic, Severity, SourceFile};
pub use parser::{MAX_EXPR_DEPTH, parse};
pub use span::{LineIndex, Span};
