//! Programs for benchmarks, and the pipeline stages they measure.
//!
//! [`generate::program`] writes large, realistic Berth programs of a chosen
//! size; [`front_end`] runs lexing, parsing, checking and lowering on one.

pub mod generate;

/// Lexes, parses, checks and lowers `source` (the front end), returning
/// the number of IR instructions so the work cannot be optimised away.
///
/// Panics if the program has errors: benchmark programs are valid.
pub fn front_end(source: &str) -> usize {
    let (module, errors) = berth_syntax::parse(source);
    assert!(errors.is_empty(), "benchmark program has syntax errors: {errors:?}");
    let checked = berth_types::check(&module);
    let program = checked.program.expect("benchmark program type-checks");
    let module = berth_ir::lower(program, source);
    module.funcs.values().map(|f| f.dfg.insts.len()).sum()
}
