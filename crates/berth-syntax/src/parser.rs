//! Runs the lalrpop parser over the lexer's tokens and turns its errors into
//! diagnostics.

use std::cell::OnceCell;

use lalrpop_util::ParseError;

use crate::ast::{Expr, ExprKind, Module};
use crate::lexer;
use crate::token::Token;
use crate::{Diagnostic, Span};

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, unused_parens)]
    grammar,
    "/berth.rs"
);

/// How tall an expression tree may be. Every pass after the parser
/// recurses over expressions; this bound (with the compiler's stack size)
/// is what keeps a pathological input from overflowing the stack.
pub const MAX_EXPR_DEPTH: u32 = 2_000;

/// Errors raised by grammar actions rather than by the parsing automaton.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseIssue {
    IntOutOfRange(Span),
    TooDeep(Span),
}

type ActionResult<'s, T> = Result<T, ParseError<usize, Token<'s>, ParseIssue>>;

/// Builds an expression node, refusing trees taller than [`MAX_EXPR_DEPTH`].
pub(crate) fn expr<'s>(kind: ExprKind, l: usize, r: usize) -> ActionResult<'s, Expr> {
    let e = Expr::new(kind, Span::new(l, r));
    if e.depth > MAX_EXPR_DEPTH {
        return Err(ParseError::User { error: ParseIssue::TooDeep(e.span) });
    }
    Ok(e)
}

/// A call; `receiver.name(args)` becomes a method call rather than a call
/// of a field.
pub(crate) fn call<'s>(callee: Expr, args: Vec<Expr>, l: usize, r: usize) -> ActionResult<'s, Expr> {
    let kind = match callee.kind {
        ExprKind::Field(receiver, method) => ExprKind::MethodCall { receiver, method, args },
        _ => ExprKind::Call { callee: Box::new(callee), args },
    };
    expr(kind, l, r)
}

/// The value of an integer literal, negated if it stands after a `-`.
pub(crate) fn int_literal<'s>(magnitude: u64, negative: bool, span: Span) -> ActionResult<'s, i64> {
    if negative {
        Ok((magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).map_err(|_| ParseError::User { error: ParseIssue::IntOutOfRange(span) })
    }
}

/// Parses a whole file. Returns the module (possibly partial, with error
/// nodes where recovery skipped text) and every lexical and syntax error.
pub fn parse(source: &str) -> (Module, Vec<Diagnostic>) {
    let mut tokens = lexer::Tokens::new(source);
    let mut recovered = Vec::new();
    let result = grammar::ModuleParser::new().parse(&mut recovered, tokens.by_ref().map(Ok::<_, ParseIssue>));
    let (lexical, too_deep) = tokens.finish();
    // Syntax errors after a lexical error or past the nesting limit would
    // only add confusion: report the lexical errors alone.
    if too_deep || !lexical.is_empty() {
        return (Module::default(), lexical);
    }
    let mut errors: Vec<_> = recovered.into_iter().map(|r| r.error).collect();
    let module = match result {
        Ok(module) => module,
        Err(error) => {
            errors.push(error);
            Module::default()
        }
    };
    let context = ErrorContext { source, spans: OnceCell::new() };
    let mut diagnostics = Vec::new();
    for error in errors {
        let diagnostic = context.describe(error);
        // After a first error, "expected an item" almost always means that
        // recovery lost track of the braces: it would only add noise.
        if diagnostics.is_empty() || !diagnostic.message.starts_with(EXPECTED_ITEM) {
            diagnostics.push(diagnostic);
        }
    }
    (module, diagnostics)
}

const EXPECTED_ITEM: &str = "expected one of `fn`, `struct`, `enum`, `global`";

/// What error messages may look at besides the error itself.
struct ErrorContext<'s> {
    source: &'s str,
    /// Every token's byte range, in order; lexed again only when an error
    /// needs to look at the tokens around it.
    spans: OnceCell<Vec<(usize, usize)>>,
}

impl ErrorContext<'_> {
    fn spans(&self) -> &[(usize, usize)] {
        self.spans.get_or_init(|| lexer::lex(self.source).tokens.iter().map(|&(l, _, r)| (l, r)).collect())
    }

    fn describe(&self, error: ParseError<usize, Token<'_>, ParseIssue>) -> Diagnostic {
        let eof = self.source.len();
        match error {
            ParseError::UnrecognizedToken { token: (l, token, r), expected } => {
                self.unexpected_token(l, &token, r, &expected)
            }
            ParseError::UnrecognizedEof { location, expected } => {
                let at = location.min(eof);
                Diagnostic::error(
                    Span::new(at, at),
                    format!("expected {}, found end of file", expected_list(&expected)),
                )
            }
            ParseError::ExtraToken { token: (l, token, r) } => {
                Diagnostic::error(Span::new(l, r), format!("unexpected {}", token.describe()))
            }
            ParseError::InvalidToken { location } => Diagnostic::error(Span::new(location, location), "invalid token"),
            ParseError::User { error: ParseIssue::IntOutOfRange(span) } => {
                Diagnostic::error(span, "integer literal is too large")
                    .with_label("does not fit in a 64-bit signed `int`")
            }
            ParseError::User { error: ParseIssue::TooDeep(span) } => Diagnostic::error(
                Span::new(span.start as usize, span.start as usize + 1),
                "expression nested too deeply",
            )
            .with_label(format!("more than {MAX_EXPR_DEPTH} levels of operators and calls")),
        }
    }

    fn unexpected_token(&self, l: usize, token: &Token<'_>, r: usize, expected: &[String]) -> Diagnostic {
        let span = Span::new(l, r);
        let found = token.describe();
        if matches!(token, Token::EqEq | Token::NotEq | Token::Lt | Token::Le | Token::Gt | Token::Ge) {
            return Diagnostic::error(span, "comparison operators cannot be chained")
                .with_label("a comparison cannot follow another comparison")
                .with_note("write `a < b && b < c`, or parenthesise: `(a == b) == c`");
        }
        let spans = self.spans();
        let index = spans.partition_point(|&(start, _)| start < l);
        let previous_end = index.checked_sub(1).map(|i| spans[i].1);
        // A missing `;` at the end of a line: point where it belongs.
        if let Some(end) = previous_end
            && expected.iter().any(|e| e == "\";\"")
            && self.source[end..l].contains('\n')
        {
            return Diagnostic::error(Span::new(end, end), format!("expected `;`, found {found}"))
                .with_label("add `;` here");
        }
        let mut diagnostic = Diagnostic::error(span, format!("expected {}, found {found}", expected_list(expected)));
        if matches!(token, Token::Colon) && index >= 3 && self.looks_like_bare_struct_literal(index) {
            diagnostic = diagnostic.with_note(
                "struct literals must be parenthesised in the condition of `if`, `while` and `for` and in a \
                 `match` scrutinee: `(Name { ... })`",
            );
        }
        diagnostic
    }

    /// `Name { field :` — the shape of a struct literal.
    fn looks_like_bare_struct_literal(&self, colon: usize) -> bool {
        let spans = self.spans();
        let text = |i: usize| &self.source[spans[i].0..spans[i].1];
        let is_ident = |t: &str| t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        text(colon - 2) == "{" && is_ident(text(colon - 1)) && is_ident(text(colon - 3))
    }
}

/// Tokens that continue an expression or make it an assignment
/// (operators, calls, fields, indexing, `=`). They are valid almost everywhere an expression could end, and
/// are almost never what is missing, so lists leave them out.
const CONTINUATIONS: [&str; 24] = [
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "(", "[", ".", "::", "=", "..", "+=", "-=",
    "*=", "/=", "%=",
];

/// "`;`", "`)` or `,`", "one of `;`, `}`, ...", or "an expression" when
/// the parser would accept anything an expression can start with.
fn expected_list(expected: &[String]) -> String {
    let bare: Vec<&str> = expected.iter().map(|t| t.trim_matches('"')).collect();
    let starts_expression = ["identifier", "integer", "("].iter().all(|t| bare.contains(t));
    if starts_expression && bare.len() > 6 {
        return if bare.contains(&"}") { "a statement or `}`".into() } else { "an expression".into() };
    }
    let mut wanted: Vec<&str> = bare.iter().copied().filter(|t| !CONTINUATIONS.contains(t)).collect();
    if wanted.is_empty() {
        wanted = bare;
    }
    let names: Vec<String> = wanted.iter().map(|t| display_terminal(t)).collect();
    match names.as_slice() {
        [] => "nothing more".into(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        many if many.len() <= 6 => format!("one of {}", many.join(", ")),
        many => format!("one of {}, ...", many[..6].join(", ")),
    }
}

/// A terminal as lalrpop names it (its grammar spelling, unquoted).
fn display_terminal(bare: &str) -> String {
    match bare {
        "identifier" | "integer" | "float literal" | "string literal" => bare.replace("integer", "integer literal"),
        _ => format!("`{bare}`"),
    }
}
