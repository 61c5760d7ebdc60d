//! The front end never panics: random token soup and random bytes go
//! through parsing, checking and (when they check) lowering with the
//! verifier on.

use proptest::prelude::*;

/// Fragments that make up Berth programs, so random sequences get deep into
/// the parser and checker instead of stopping at the first character.
const FRAGMENTS: &[&str] = &[
    "fn", "main", "(", ")", "{", "}", "[", "]", "struct", "enum", "global", "let", "if", "else", "while", "for", "in",
    "return", "break", "continue", "match", "spawn", "true", "false", "nil", "x", "y", "P", "E", "E::A", "int", "str",
    "[int]", "0", "1", "-", "2.5", "\"s\"", ",", ";", ":", "::", ".", "..", "->", "=>", "=", "+=", "+", "*", "/", "%",
    "==", "<", "&&", "||", "!", "_", "x.f", "a[0]", "len", "push", "print", "println", "log", "send", "join", "str(",
    "\n", " ",
];

fn front_end(source: &str) {
    let (module, errors) = berth_syntax::parse(source);
    if !errors.is_empty() {
        return;
    }
    let checked = berth_types::check(&module);
    if let Some(program) = checked.program {
        // Lowering verifies the IR in debug builds (tests are debug builds).
        berth_ir::lower(program, source);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..80)) {
        front_end(&parts.join(" "));
    }

    #[test]
    fn programs_with_a_mutated_body_never_panic(
        parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40),
    ) {
        let source = format!(
            "struct P {{ f: int, n: P }}\nenum E {{ A, B(int) }}\nglobal g: [P] = [];\nfn h(a: int) -> int {{ return a; }}\nfn main() {{ let x = 1; let a: [int] = [1]; {} }}\n",
            parts.join(" ")
        );
        front_end(&source);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        front_end(&text);
    }
}
