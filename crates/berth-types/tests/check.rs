//! The checker on programs that must pass, and on rules the broken-program
//! corpus (tests/diagnostics) does not pin down.

use berth_types::hir::{Builtin, ExprKind, StmtKind};
use berth_types::{Checked, TypeId};

fn check(source: &str) -> Checked {
    let (module, errors) = berth_syntax::parse(source);
    assert!(errors.is_empty(), "syntax errors: {errors:?}");
    berth_types::check(&module)
}

fn messages(source: &str) -> Vec<String> {
    check(source).diagnostics.into_iter().map(|d| d.message).collect()
}

fn accepts(source: &str) {
    let checked = check(source);
    let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty() && checked.program.is_some(), "{errors:?}");
}

#[test]
fn items_may_refer_to_each_other_in_any_order() {
    accepts(
        "fn main() { let n = Node { next: nil, v: K::A }; println(even(4)); }
         fn even(n: int) -> bool { if n == 0 { return true; } return odd(n - 1); }
         fn odd(n: int) -> bool { if n == 0 { return false; } return even(n - 1); }
         struct Node { next: Node, v: K }
         enum K { A, B(Node) }",
    );
}

#[test]
fn shadowing_and_block_scopes() {
    accepts("fn main() { let x = 1; let x = \"s\"; println(x); { let y = 2; println(y); } let y = true; println(y); }");
    assert_eq!(messages("fn main() { if true { let z = 1; } println(z); }"), vec!["cannot find `z` in this scope"]);
}

#[test]
fn nil_and_empty_arrays_take_their_type_from_context() {
    accepts(
        "struct P { x: int }
         global ps: [P] = [];
         fn take(p: P, ps: [P]) -> P { return p; }
         fn main() {
             let p: P = nil;
             let q = take(nil, []);
             let same = p == nil && nil == q && p != q;
             let xs: [[int]] = [[], [1]];
             let ys = [nil, P { x: 1 }];
             let zs: [P] = [nil; 3];
             p = nil;
             println(same, len(xs), len(ys), len(zs));
         }",
    );
}

#[test]
fn while_true_and_panic_end_paths() {
    accepts(
        "fn f() -> int { while true { } } fn g(x: int) -> int { if x > 0 { return 1; } panic(\"no\"); } fn main() {}",
    );
    assert_eq!(
        messages("fn f() -> int { while true { break; } } fn main() {}"),
        vec!["function `f` does not return a value on every path"]
    );
    accepts("fn f(b: bool) -> int { match b { true => return 1, false => { return 0; } } } fn main() {}");
}

#[test]
fn match_on_bool_is_exhaustive_with_both_values() {
    assert_eq!(
        messages("fn main() { match true { true => {} } }"),
        vec!["non-exhaustive match: `false` is not covered"]
    );
}

#[test]
fn unreachable_arms_are_warnings_not_errors() {
    let checked = check("enum E { A, B } fn main() { match E::A { _ => {} E::B => {} } }");
    assert!(checked.program.is_some());
    assert_eq!(checked.diagnostics.len(), 1);
    assert!(!checked.diagnostics[0].is_error());
}

#[test]
fn method_and_function_forms_of_builtins_are_the_same() {
    let checked =
        check("fn main() { let a: [int] = []; a.push(1); push(a, 2); println(a.len(), len(a), a.pop(), pop(a)); }");
    let program = checked.program.expect("checks");
    let body = &program.funcs[program.main].body.stmts;
    let StmtKind::Expr(e) = &body[1].kind else { panic!("a statement expression") };
    assert!(matches!(e.kind, ExprKind::Builtin(Builtin::Push, _)));
    let StmtKind::Expr(e) = &body[2].kind else { panic!("a statement expression") };
    assert!(matches!(e.kind, ExprKind::Builtin(Builtin::Push, _)));
}

#[test]
fn conversions_to_the_same_type_are_identities() {
    let program = check("fn main() { let a = int(3); let b = float(1); let c = str(true); }").program.expect("checks");
    let body = &program.funcs[program.main].body.stmts;
    let StmtKind::Let { init, .. } = &body[0].kind else { panic!("a let") };
    assert!(matches!(init.kind, ExprKind::Int(3)));
    let StmtKind::Let { init, .. } = &body[1].kind else { panic!("a let") };
    assert!(matches!(init.kind, ExprKind::Builtin(Builtin::FloatOfInt, _)));
    let StmtKind::Let { init, .. } = &body[2].kind else { panic!("a let") };
    assert!(matches!(init.kind, ExprKind::Builtin(Builtin::StrOfBool, _)));
    assert_eq!(init.ty, TypeId::STR);
}

#[test]
fn globals_initialise_in_order_and_may_call_functions() {
    accepts("global a: int = f(); global b: int = a + 1; fn f() -> int { return b; } fn main() {}");
    assert_eq!(
        messages("global a: int = b; global b: int = 1; fn main() {}"),
        vec!["global `b` is used before it is initialised"]
    );
}

#[test]
fn enums_that_contain_themselves_are_infinite() {
    assert_eq!(
        messages("enum L { Cons(int, L), Nil } fn main() {}"),
        vec!["enum `L` contains itself and would be infinitely large"]
    );
    accepts("struct Cell { l: L } enum L { Cons(int, Cell), Nil } fn main() {}");
}

#[test]
fn builtin_names_cannot_be_redefined_but_may_be_shadowed_by_locals() {
    assert_eq!(messages("fn len(x: int) -> int { return x; } fn main() {}"), vec!["`len` is a built-in function"]);
    assert_eq!(
        messages("fn main() { let len = 3; println(len(\"a\")); }"),
        vec!["`len` is a variable of type `int`, not a function"]
    );
}

#[test]
fn read_dir_is_only_a_loop_source() {
    accepts("fn main() { for name in read_dir(\".\") { println(name); } }");
}

#[test]
fn compound_assignment_types() {
    accepts(
        "struct P { s: str } fn main() { let p = P { s: \"a\" }; p.s += \"b\"; let f = 1.5; f %= 2.0; let a = [1]; a[0] *= 3; }",
    );
    assert_eq!(
        messages("fn main() { let b = true; b += true; }"),
        vec!["cannot apply `+` to two values of type `bool`"]
    );
}

#[test]
fn errors_do_not_cascade() {
    // One unknown name, used three times: one error each, and nothing about
    // the operators around them.
    assert_eq!(
        messages("fn main() { let a = nope + 1; let b = a * 2; println(b, a); }"),
        vec!["cannot find `nope` in this scope"]
    );
}
