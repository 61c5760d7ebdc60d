//! The parser: precedence, the struct-literal restriction, desugarings,
//! error recovery and messages. Trees are compared in the AST printer's
//! text form.

use berth_syntax::ast::{ExprKind, Item, StmtKind};
use berth_syntax::{MAX_EXPR_DEPTH, ast_printer, parse};

/// The AST of `fn main() { <body> }`, without positions.
fn body(stmts: &str) -> String {
    let source = format!("fn main() {{ {stmts} }}");
    let (module, errors) = parse(&source);
    assert!(errors.is_empty(), "{errors:?}");
    let printed = ast_printer::print_module(&module, &source);
    printed
        .lines()
        .skip(2)
        .map(|l| l.split(" @").next().unwrap_or("").strip_prefix("    ").unwrap_or(l).to_string() + "\n")
        .collect()
}

fn errors(source: &str) -> Vec<String> {
    parse(source).1.into_iter().map(|d| d.message).collect()
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(
        body("x = a || b && c == d + e * -f;"),
        "assign =\n  name x\n  binary ||\n    name a\n    binary &&\n      name b\n      binary ==\n        name c\n        binary +\n          name d\n          binary *\n            name e\n            unary -\n              name f\n"
    );
    assert_eq!(
        body("x = a - b - c;"),
        "assign =\n  name x\n  binary -\n    binary -\n      name a\n      name b\n    name c\n"
    );
}

#[test]
fn comparisons_do_not_chain() {
    assert_eq!(errors("fn main() { let x = a < b < c; }"), vec!["comparison operators cannot be chained"]);
}

#[test]
fn negative_literals_fold_and_min_int_is_writable() {
    assert_eq!(body("x = -9223372036854775808;"), "assign =\n  name x\n  int -9223372036854775808\n");
    assert_eq!(body("x = -5;"), "assign =\n  name x\n  int -5\n");
    // Only a minus directly before the literal folds into it.
    assert_eq!(body("x = - -5;"), "assign =\n  name x\n  unary -\n    unary -\n      int 5\n");
    assert_eq!(errors("fn main() { let x = 9223372036854775808; }"), vec!["integer literal is too large"]);
}

#[test]
fn postfix_chains_and_method_calls() {
    assert_eq!(
        body("a.b[1].push(x);"),
        "expr\n  method-call .push\n    index\n      field .b\n        name a\n      int 1\n    name x\n"
    );
    assert_eq!(body("f(1)(2);"), "expr\n  call\n    call\n      name f\n      int 1\n    int 2\n");
    assert_eq!(body("let t = spawn work(a);"), "let t\n  spawn\n    call\n      name work\n      name a\n");
}

#[test]
fn struct_literals_are_refused_bare_in_conditions() {
    assert!(!errors("fn main() { if P { x: 1 }.x > 0 { } }").is_empty());
    assert!(errors("fn main() { if (P { x: 1 }).x > 0 { } }").is_empty());
    assert!(errors("fn main() { while f(P { x: 1 }) { } }").is_empty());
    assert!(errors("fn main() { for i in 0..n { } for x in xs { } }").is_empty());
    assert!(!errors("fn main() { match P { x: 1 } { _ => {} } }").is_empty());
}

#[test]
fn match_arms_take_blocks_or_statements() {
    let source = "fn main() { match v { E::A(x, _) => println(x), E::B => { return; } _ => break, } }";
    let (module, errs) = parse(source);
    assert!(errs.is_empty(), "{errs:?}");
    let Item::Fn(f) = &module.items[0] else { panic!("a function") };
    let StmtKind::Match { arms, .. } = &f.body.stmts[0].kind else { panic!("a match") };
    assert_eq!(arms.len(), 3);
    assert!(errors("fn main() { match v { 1 => a() 2 => b() } }").len() == 1);
    assert!(errors("fn main() { match v { -1 => {} \"s\" => {} true => {} _ => {} } }").is_empty());
}

#[test]
fn else_if_chains_nest() {
    assert_eq!(
        body("if a { } else if b { } else { }"),
        "if\n  name a\n  then\n  else\n    if\n      name b\n      then\n      else\n"
    );
}

#[test]
fn recovery_reports_several_errors() {
    let errs = errors("fn main() {\n let a = 1 +;\n let b = ;\n f(;\n}\nfn g() { let x = 1 }\n");
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert_eq!(errs[3], "expected `;`, found `}`");
}

#[test]
fn missing_semicolon_points_after_the_line() {
    let (_, diags) = parse("fn main() {\n let a = 1\n let b = 2;\n}");
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].message, "expected `;`, found keyword `let`");
    assert_eq!(diags[0].span.start, 22);
}

#[test]
fn expressions_deeper_than_the_limit_are_refused() {
    let ok = format!("fn main() {{ x = 1{}; }}", " + 1".repeat(MAX_EXPR_DEPTH as usize - 2));
    assert!(errors(&ok).is_empty());
    let deep = format!("fn main() {{ x = 1{}; }}", " + 1".repeat(MAX_EXPR_DEPTH as usize));
    assert_eq!(errors(&deep), vec!["expression nested too deeply"]);
}

#[test]
fn every_expression_knows_its_depth() {
    let (module, _) = parse("fn main() { x = f(a + b, [c]); }");
    let Item::Fn(f) = &module.items[0] else { panic!("a function") };
    let StmtKind::Assign { value, .. } = &f.body.stmts[0].kind else { panic!("an assignment") };
    assert!(matches!(value.kind, ExprKind::Call { .. }));
    assert_eq!(value.depth, 3);
}

#[test]
fn empty_and_item_level_garbage() {
    assert!(parse("").1.is_empty());
    assert_eq!(
        errors("let x = 1;\nfn main() {}"),
        vec!["expected one of `fn`, `struct`, `enum`, `global`, found keyword `let`"]
    );
}
