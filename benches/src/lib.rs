//! Programs for benchmarks, and the pipeline stages they measure.
//!
//! [`generate::program`] writes large, realistic Berth programs of a chosen
//! size; [`front_end`] runs lexing, parsing, checking and lowering on one,
//! [`compile_to_object`] the whole pipeline through the escape analysis and
//! code generation. [`measure`] runs and times built programs.

pub mod generate;
pub mod measure;

/// The whole pipeline of `berth build` short of linking: the front end,
/// inlining and the other IR passes, the escape analysis, then Cranelift
/// code generation to an object file. Returns the object's size.
pub fn compile_to_object(source: &str) -> usize {
    let mut module = lower(source);
    berth_opt::optimize(&mut module, berth_opt::Options { inline: true });
    berth_escape::analyze(&mut module);
    berth_codegen::compile_object(&module, "bench.berth").expect("code generation succeeds").len()
}

/// The front end: `source` lexed, parsed, checked and lowered to IR.
///
/// Panics if the program has errors: benchmark programs are valid.
pub fn lower(source: &str) -> berth_ir::Module {
    let (module, errors) = berth_syntax::parse(source);
    assert!(errors.is_empty(), "benchmark program has syntax errors: {errors:?}");
    let checked = berth_types::check(&module);
    let program = checked.program.expect("benchmark program type-checks");
    berth_ir::lower(program, source)
}

/// Lexes, parses, checks and lowers `source` (the front end), returning
/// the number of IR instructions so the work cannot be optimised away.
///
/// Panics if the program has errors: benchmark programs are valid.
pub fn front_end(source: &str) -> usize {
    lower(source).funcs.values().map(|f| f.dfg.insts.len()).sum()
}
