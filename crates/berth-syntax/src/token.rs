//! Tokens, recognised by a logos-generated state machine.

use logos::{FilterResult, Lexer, Logos};

use crate::Span;

/// Why a piece of source text is not a token.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LexError {
    /// No token starts here (the default logos gives unmatched input).
    #[default]
    UnexpectedChar,
    IntTooLarge,
    InvalidInt,
    InvalidFloat,
    UnterminatedString,
    UnterminatedComment,
    /// A bad escape sequence; the span covers just the escape.
    InvalidEscape(Span, String),
}

#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(skip r"[ \t\r\n\f]+")]
#[logos(skip(r"//[^\n]*", allow_greedy = true))]
#[logos(error = LexError)]
pub enum Token<'s> {
    #[token("fn")]
    Fn,
    #[token("struct")]
    Struct,
    #[token("enum")]
    Enum,
    #[token("global")]
    Global,
    #[token("let")]
    Let,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("while")]
    While,
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("return")]
    Return,
    #[token("break")]
    Break,
    #[token("continue")]
    Continue,
    #[token("match")]
    Match,
    #[token("spawn")]
    Spawn,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("nil")]
    Nil,

    #[regex("[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice())]
    Ident(&'s str),
    #[token("_", priority = 10)]
    Underscore,

    /// The magnitude of an integer literal. `9223372036854775808` (2^63) is
    /// a token so that `-9223372036854775808` can be written; the parser
    /// rejects it anywhere else.
    #[regex("[0-9][0-9_]*", decimal_int)]
    #[regex("0[xX][0-9a-fA-F_]+", hex_int)]
    #[regex("0[xX]", |_| Err(LexError::InvalidInt))]
    Int(u64),
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9][0-9_]*)?", float)]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9][0-9_]*", float)]
    #[regex(r"[0-9][0-9_]*(\.[0-9][0-9_]*)?[eE][+-]?", |_| Err(LexError::InvalidFloat))]
    Float(f64),
    #[token("\"", string)]
    Str(String),
    /// Never produced: the callback skips the comment or reports it
    /// unterminated.
    #[token("/*", block_comment)]
    BlockComment,

    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token(":")]
    Colon,
    #[token("::")]
    ColonColon,
    #[token(".")]
    Dot,
    #[token("..")]
    DotDot,
    #[token("->")]
    Arrow,
    #[token("=>")]
    FatArrow,
    #[token("=")]
    Assign,
    #[token("+=")]
    PlusAssign,
    #[token("-=")]
    MinusAssign,
    #[token("*=")]
    StarAssign,
    #[token("/=")]
    SlashAssign,
    #[token("%=")]
    PercentAssign,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("!")]
    Bang,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
}

fn decimal_int<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<u64, LexError> {
    parse_int(lex.slice(), 10)
}

fn hex_int<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<u64, LexError> {
    parse_int(&lex.slice()[2..], 16)
}

fn parse_int(digits: &str, radix: u32) -> Result<u64, LexError> {
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() {
        return Err(LexError::InvalidInt);
    }
    match u64::from_str_radix(&digits, radix) {
        Ok(n) if n <= 1 << 63 => Ok(n),
        _ => Err(LexError::IntTooLarge),
    }
}

fn float<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<f64, LexError> {
    let text: String = lex.slice().chars().filter(|&c| c != '_').collect();
    text.parse().map_err(|_| LexError::InvalidFloat)
}

/// Reads a string literal after its opening quote, decoding escapes.
fn string<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<String, LexError> {
    let start = lex.span().end;
    let rest = lex.remainder();
    let mut out = String::new();
    let mut error = None;
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                lex.bump(i + 1);
                return match error {
                    Some(e) => Err(e),
                    None => Ok(out),
                };
            }
            '\\' => {
                let escape_start = start + i;
                let (decoded, len) = decode_escape(&rest[i + 1..]);
                // Skip the escape's characters so `\"` does not end the string.
                for _ in 0..rest[i + 1..i + 1 + len].chars().count() {
                    chars.next();
                }
                match decoded {
                    Ok(ch) => out.push(ch),
                    Err(why) => {
                        let span = Span::new(escape_start, escape_start + 1 + len);
                        error.get_or_insert(LexError::InvalidEscape(span, why));
                    }
                }
            }
            _ => out.push(c),
        }
    }
    lex.bump(rest.len());
    Err(LexError::UnterminatedString)
}

/// Decodes the escape after a backslash; returns the character (or why it is
/// invalid) and how many bytes of `after` the escape used.
fn decode_escape(after: &str) -> (Result<char, String>, usize) {
    let Some(c) = after.chars().next() else {
        return (Err("a backslash must be followed by an escape".into()), 0);
    };
    let simple = match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        '"' => Some('"'),
        '\\' => Some('\\'),
        '0' => Some('\0'),
        _ => None,
    };
    if let Some(ch) = simple {
        return (Ok(ch), 1);
    }
    if c != 'u' {
        return (Err(format!("unknown escape `\\{c}`")), c.len_utf8());
    }
    let Some(body) = after[1..].strip_prefix('{') else {
        return (Err("`\\u` must be followed by `{hex digits}`".into()), 1);
    };
    let Some(close) = body.find(['}', '"', '\n']).filter(|&i| body.as_bytes()[i] == b'}') else {
        return (Err("unterminated `\\u{...}` escape".into()), 2);
    };
    let len = 2 + close + 1;
    let hex = &body[..close];
    if hex.is_empty() || hex.len() > 6 {
        return (Err("`\\u{...}` takes 1 to 6 hex digits".into()), len);
    }
    match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
        Some(ch) => (Ok(ch), len),
        None => (Err(format!("`\\u{{{hex}}}` is not a Unicode scalar value")), len),
    }
}

fn block_comment<'s>(lex: &mut Lexer<'s, Token<'s>>) -> FilterResult<(), LexError> {
    match lex.remainder().find("*/") {
        Some(end) => {
            lex.bump(end + 2);
            FilterResult::Skip
        }
        None => {
            lex.bump(lex.remainder().len());
            FilterResult::Error(LexError::UnterminatedComment)
        }
    }
}

impl Token<'_> {
    /// How the token is named in "expected ..., found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            Token::Ident(name) => format!("identifier `{name}`"),
            Token::Int(_) => "integer literal".into(),
            Token::Float(_) => "float literal".into(),
            Token::Str(_) => "string literal".into(),
            Token::Fn
            | Token::Struct
            | Token::Enum
            | Token::Global
            | Token::Let
            | Token::If
            | Token::Else
            | Token::While
            | Token::For
            | Token::In
            | Token::Return
            | Token::Break
            | Token::Continue
            | Token::Match
            | Token::Spawn
            | Token::True
            | Token::False
            | Token::Nil => format!("keyword `{}`", self.text()),
            other => format!("`{}`", other.text()),
        }
    }

    /// The source text of a fixed token.
    fn text(&self) -> &'static str {
        match self {
            Token::Fn => "fn",
            Token::Struct => "struct",
            Token::Enum => "enum",
            Token::Global => "global",
            Token::Let => "let",
            Token::If => "if",
            Token::Else => "else",
            Token::While => "while",
            Token::For => "for",
            Token::In => "in",
            Token::Return => "return",
            Token::Break => "break",
            Token::Continue => "continue",
            Token::Match => "match",
            Token::Spawn => "spawn",
            Token::True => "true",
            Token::False => "false",
            Token::Nil => "nil",
            Token::Underscore => "_",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::Comma => ",",
            Token::Semi => ";",
            Token::Colon => ":",
            Token::ColonColon => "::",
            Token::Dot => ".",
            Token::DotDot => "..",
            Token::Arrow => "->",
            Token::FatArrow => "=>",
            Token::Assign => "=",
            Token::PlusAssign => "+=",
            Token::MinusAssign => "-=",
            Token::StarAssign => "*=",
            Token::SlashAssign => "/=",
            Token::PercentAssign => "%=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Percent => "%",
            Token::Bang => "!",
            Token::EqEq => "==",
            Token::NotEq => "!=",
            Token::Lt => "<",
            Token::Le => "<=",
            Token::Gt => ">",
            Token::Ge => ">=",
            Token::AndAnd => "&&",
            Token::OrOr => "||",
            Token::Ident(_) | Token::Int(_) | Token::Float(_) | Token::Str(_) | Token::BlockComment => "",
        }
    }
}
