//! Times each front-end phase on a generated program:
//! `cargo run --release -p berth-benches --example phases [LINES]`.

use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let lines: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let source = berth_benches::generate::program(lines);
    let n = source.lines().count();
    for _ in 0..3 {
        let t = Instant::now();
        let lexed = berth_syntax::lexer::lex(&source);
        let lex = t.elapsed();
        drop(lexed);
        let t = Instant::now();
        let (module, _) = berth_syntax::parse(&source);
        let parse = t.elapsed();
        let t = Instant::now();
        let checked = berth_types::check(&module);
        let check = t.elapsed();
        let t = Instant::now();
        drop(module);
        let drop_ast = t.elapsed();
        let t = Instant::now();
        let ir = berth_ir::lower(checked.program.expect("valid"), &source);
        let lower = t.elapsed();
        let total = parse + check + lower + drop_ast;
        println!(
            "{n} lines: lex {lex:?} (inside parse), parse {parse:?}, check {check:?}, drop ast {drop_ast:?}, lower {lower:?}; total {total:?} = {:.0} lines/s ({} functions)",
            n as f64 / total.as_secs_f64(),
            ir.funcs.len()
        );
    }
}
