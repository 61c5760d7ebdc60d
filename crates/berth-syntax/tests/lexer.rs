//! The lexer: token kinds, literal values, comments and lexical errors.

use berth_syntax::lexer::lex;
use berth_syntax::token::Token;

fn tokens(source: &str) -> Vec<Token<'_>> {
    let lexed = lex(source);
    assert!(lexed.errors.is_empty(), "unexpected errors: {:?}", lexed.errors);
    lexed.tokens.into_iter().map(|(_, t, _)| t).collect()
}

fn first_error(source: &str) -> String {
    lex(source).errors.first().map(|d| format!("{} / {}", d.message, d.label)).unwrap_or_default()
}

#[test]
fn keywords_identifiers_and_punctuation() {
    assert_eq!(
        tokens("fn main() -> int { let _x = a.b::c; }"),
        vec![
            Token::Fn,
            Token::Ident("main"),
            Token::LParen,
            Token::RParen,
            Token::Arrow,
            Token::Ident("int"),
            Token::LBrace,
            Token::Let,
            Token::Ident("_x"),
            Token::Assign,
            Token::Ident("a"),
            Token::Dot,
            Token::Ident("b"),
            Token::ColonColon,
            Token::Ident("c"),
            Token::Semi,
            Token::RBrace,
        ]
    );
    assert_eq!(tokens("_ _a"), vec![Token::Underscore, Token::Ident("_a")]);
    assert_eq!(
        tokens("+= -= *= /= %= => .. ."),
        vec![
            Token::PlusAssign,
            Token::MinusAssign,
            Token::StarAssign,
            Token::SlashAssign,
            Token::PercentAssign,
            Token::FatArrow,
            Token::DotDot,
            Token::Dot
        ]
    );
}

#[test]
fn numbers() {
    assert_eq!(
        tokens("42 1_000_000 0xff 0XFF"),
        vec![Token::Int(42), Token::Int(1_000_000), Token::Int(255), Token::Int(255)]
    );
    assert_eq!(
        tokens("1.5 2e9 0.5e-3 1_0.2_5"),
        vec![Token::Float(1.5), Token::Float(2e9), Token::Float(0.5e-3), Token::Float(10.25)]
    );
    // A range is two integers, not a float.
    assert_eq!(tokens("0..10"), vec![Token::Int(0), Token::DotDot, Token::Int(10)]);
    // 2^63 lexes, so that `-9223372036854775808` can be written.
    assert_eq!(tokens("9223372036854775808"), vec![Token::Int(1 << 63)]);
    assert!(first_error("9223372036854775809").starts_with("integer literal is too large"));
    assert!(first_error("0x").starts_with("invalid integer literal"));
    assert!(first_error("1e").starts_with("invalid float literal"));
}

#[test]
fn strings_and_escapes() {
    assert_eq!(tokens(r#""a\n\t\r\"\\\0""#), vec![Token::Str("a\n\t\r\"\\\0".into())]);
    assert_eq!(tokens(r#""\u{1F600}\u{41}""#), vec![Token::Str("😀A".into())]);
    assert_eq!(tokens("\"multi\nline\""), vec![Token::Str("multi\nline".into())]);
    assert_eq!(first_error(r#""\q""#), "invalid escape in string literal / unknown escape `\\q`");
    assert!(first_error(r#""\u{D800}""#).contains("not a Unicode scalar value"));
    assert!(first_error(r#""\u{1234567}""#).contains("1 to 6 hex digits"));
    assert!(first_error(r#""\u0041""#).contains("must be followed by"));
    assert!(first_error("\"open").starts_with("unterminated string literal"));
}

#[test]
fn comments_are_skipped() {
    assert_eq!(tokens("a // line\n/* block\n * more */ b //~ heap"), vec![Token::Ident("a"), Token::Ident("b")]);
    assert!(first_error("/* never closed").starts_with("unterminated block comment"));
}

#[test]
fn bad_characters_are_reported_and_skipped() {
    let lexed = lex("a @ b # c");
    assert_eq!(lexed.errors.len(), 2);
    assert_eq!(lexed.errors[0].message, "unexpected character `@`");
    assert_eq!(lexed.tokens.len(), 3);
    assert_eq!(lex("é").errors[0].message, "unexpected character `é`");
    assert_eq!(lex("\u{0}").errors[0].message, "unexpected character U+0000");
}

#[test]
fn nesting_is_bounded() {
    let deep = "(".repeat(berth_syntax::lexer::MAX_DELIMITER_DEPTH + 1);
    let lexed = lex(&deep);
    assert!(lexed.too_deep);
    assert_eq!(lexed.errors[0].message, "brackets nested too deeply");
    assert!(!lex(&"(".repeat(berth_syntax::lexer::MAX_DELIMITER_DEPTH)).too_deep);
}

#[test]
fn spans_are_byte_ranges() {
    let lexed = lex("let xy = \"é\";");
    let spans: Vec<(usize, usize)> = lexed.tokens.iter().map(|&(l, _, r)| (l, r)).collect();
    assert_eq!(spans, vec![(0, 3), (4, 6), (7, 8), (9, 13), (13, 14)]);
}
