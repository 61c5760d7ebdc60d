//! Turns source text into the `(start, token, end)` triples the lalrpop
//! parser reads, collecting lexical errors as diagnostics.

use logos::Logos;

use crate::token::{LexError, Token};
use crate::{Diagnostic, Span};

/// How deeply `(`, `[` and `{` may nest. Every statement nests through `{`,
/// so this also bounds how deep the passes after the parser recurse.
pub const MAX_DELIMITER_DEPTH: usize = 1_000;

pub type Spanned<'s> = (usize, Token<'s>, usize);

/// The tokens of a source, lexed on demand as the parser asks for them (a
/// large file never exists as one big token vector). Lexical errors are
/// collected, and the bad text skipped.
pub struct Tokens<'s> {
    lexer: logos::Lexer<'s, Token<'s>>,
    depth: usize,
    errors: Vec<Diagnostic>,
    too_deep: bool,
}

impl<'s> Tokens<'s> {
    pub fn new(source: &'s str) -> Tokens<'s> {
        Tokens { lexer: Token::lexer(source), depth: 0, errors: Vec::new(), too_deep: false }
    }

    /// Lexes whatever the parser did not read, and returns every lexical
    /// error, and whether nesting went past [`MAX_DELIMITER_DEPTH`] (where
    /// the tokens stopped).
    pub fn finish(mut self) -> (Vec<Diagnostic>, bool) {
        while self.next().is_some() {}
        (self.errors, self.too_deep)
    }
}

impl<'s> Iterator for Tokens<'s> {
    type Item = Spanned<'s>;

    fn next(&mut self) -> Option<Spanned<'s>> {
        if self.too_deep {
            return None;
        }
        loop {
            let result = self.lexer.next()?;
            let range = self.lexer.span();
            let span = Span::new(range.start, range.end);
            let token = match result {
                Ok(token) => token,
                Err(error) => {
                    self.errors.push(describe(error, span, self.lexer.slice()));
                    continue;
                }
            };
            match token {
                Token::LParen | Token::LBracket | Token::LBrace => {
                    self.depth += 1;
                    if self.depth > MAX_DELIMITER_DEPTH {
                        self.errors.push(
                            Diagnostic::error(span, "brackets nested too deeply")
                                .with_label(format!("more than {MAX_DELIMITER_DEPTH} levels of `(`, `[` and `{{`")),
                        );
                        self.too_deep = true;
                        return None;
                    }
                }
                Token::RParen | Token::RBracket | Token::RBrace => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
            return Some((range.start, token, range.end));
        }
    }
}

/// A whole source's tokens and lexical errors at once.
pub struct Lexed<'s> {
    pub tokens: Vec<Spanned<'s>>,
    pub errors: Vec<Diagnostic>,
    /// Set when nesting went past [`MAX_DELIMITER_DEPTH`]; the tokens stop
    /// there.
    pub too_deep: bool,
}

pub fn lex(source: &str) -> Lexed<'_> {
    let mut tokens = Tokens::new(source);
    let collected = tokens.by_ref().collect();
    let (errors, too_deep) = tokens.finish();
    Lexed { tokens: collected, errors, too_deep }
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
