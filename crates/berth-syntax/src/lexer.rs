//! Turns source text into the `(start, token, end)` triples the lalrpop
//! parser reads, collecting lexical errors as diagnostics.

use logos::Logos;

use crate::token::{LexError, Token};
use crate::{Diagnostic, Span};

/// How deeply `(`, `[` and `{` may nest. Every statement nests through `{`,
/// so this also bounds how deep the passes after the parser recurse.
pub const MAX_DELIMITER_DEPTH: usize = 1_000;

pub type Spanned<'s> = (usize, Token<'s>, usize);

pub struct Lexed<'s> {
    pub tokens: Vec<Spanned<'s>>,
    pub errors: Vec<Diagnostic>,
    /// Set when nesting went past [`MAX_DELIMITER_DEPTH`]; the tokens stop
    /// there, and the file is not parsed.
    pub too_deep: bool,
}

pub fn lex(source: &str) -> Lexed<'_> {
    let mut tokens = Vec::with_capacity(source.len() / 4);
    let mut errors = Vec::new();
    let mut depth = 0usize;
    let mut lexer = Token::lexer(source);
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let span = Span::new(range.start, range.end);
        match result {
            Ok(token) => {
                match token {
                    Token::LParen | Token::LBracket | Token::LBrace => {
                        depth += 1;
                        if depth > MAX_DELIMITER_DEPTH {
                            errors
                                .push(Diagnostic::error(span, "brackets nested too deeply").with_label(format!(
                                    "more than {MAX_DELIMITER_DEPTH} levels of `(`, `[` and `{{`"
                                )));
                            return Lexed { tokens, errors, too_deep: true };
                        }
                    }
                    Token::RParen | Token::RBracket | Token::RBrace => depth = depth.saturating_sub(1),
                    _ => {}
                }
                tokens.push((range.start, token, range.end));
            }
            Err(error) => errors.push(describe(error, span, lexer.slice())),
        }
    }
    Lexed { tokens, errors, too_deep: false }
}

fn describe(error: LexError, span: Span, text: &str) -> Diagnostic {
    match error {
        LexError::UnexpectedChar => {
            let c = text.chars().next().unwrap_or(' ');
            let shown = if c.is_control() || c.is_whitespace() {
                format!("U+{:04X}", c as u32)
            } else if c == '`' {
                "'`'".to_string()
            } else {
                format!("`{c}`")
            };
            Diagnostic::error(span, format!("unexpected character {shown}"))
        }
        LexError::IntTooLarge => {
            Diagnostic::error(span, "integer literal is too large").with_label("does not fit in a 64-bit signed `int`")
        }
        LexError::InvalidInt => {
            Diagnostic::error(span, "invalid integer literal").with_label("`0x` must be followed by hex digits")
        }
        LexError::InvalidFloat => {
            Diagnostic::error(span, "invalid float literal").with_label("an exponent needs digits, as in `1.5e3`")
        }
        LexError::UnterminatedString => {
            Diagnostic::error(Span::new(span.start as usize, span.start as usize + 1), "unterminated string literal")
                .with_label("this string is never closed")
        }
        LexError::UnterminatedComment => {
            Diagnostic::error(Span::new(span.start as usize, span.start as usize + 2), "unterminated block comment")
                .with_label("this comment is never closed")
        }
        LexError::InvalidEscape(at, why) => Diagnostic::error(at, "invalid escape in string literal").with_label(why),
    }
}
