//! The subcommands. Each returns the process's exit status.

use std::process::ExitCode;

use berth_syntax::ast;
use berth_types::hir;

use crate::cli::{Cli, Command, Stage};
use crate::source::Source;

/// The program has errors (already reported).
const FAILED: u8 = 1;
/// The command or stage exists on the command line but is not built yet.
const NOT_BUILT: u8 = 2;

pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Check { file } => Source::load(&file).and_then(|s| check(&s).map(|_| ())),
        Command::Dump { file, stage, .. } => Source::load(&file).and_then(|s| dump(&s, stage)),
        Command::Run { file, stats, .. } => match Source::load(&file).and_then(|s| lower(&s).map(|m| (s, m))) {
            Ok((source, module)) => return run_jit(&source, &module, stats),
            Err(()) => Err(()),
        },
        Command::Build { file, output, .. } => {
            Source::load(&file).and_then(|s| lower(&s).map(|m| (s, m))).and_then(|(s, m)| build(&s, &m, &output))
        }
        Command::Escape { .. } => return not_built("`berth escape`", "it needs the escape analysis (issue 5)"),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(()) => ExitCode::from(FAILED),
    }
}

fn not_built(what: &str, why: &str) -> ExitCode {
    eprintln!("error: {what} is not built yet: {why}");
    ExitCode::from(NOT_BUILT)
}

/// Parses; reports syntax errors.
fn parse(source: &Source) -> Result<ast::Module, ()> {
    let (module, diagnostics) = berth_syntax::parse(&source.text);
    source.report(&diagnostics);
    if diagnostics.iter().any(|d| d.is_error()) {
        return Err(());
    }
    Ok(module)
}

/// Compiles in memory and runs the program; its exit status becomes ours
/// (a runtime error ends the process with 101 before this returns).
fn run_jit(source: &Source, module: &berth_ir::Module, stats: bool) -> ExitCode {
    let compiled = match berth_codegen::compile_jit(module, &source.text, &berth_runtime::symbols()) {
        Ok(compiled) => compiled,
        Err(e) => {
            eprintln!("error: internal compiler error in code generation: {e}");
            return ExitCode::from(101);
        }
    };
    let info = berth_abi::ProgramInfo {
        init: compiled.init,
        main: compiled.main,
        file: source.name.as_ptr(),
        file_len: source.name.len() as u64,
    };
    // SAFETY: `compiled` holds the program's init and main, alive until it
    // is dropped after the run.
    let status = unsafe { berth_runtime::run(&info) };
    if stats {
        print_stats();
    }
    drop(compiled);
    ExitCode::from(status as u8)
}

/// Compiles to an object file and links a standalone executable.
fn build(source: &Source, module: &berth_ir::Module, output: &std::path::Path) -> Result<(), ()> {
    let object = berth_codegen::compile_object(module, &source.text, &source.name).map_err(|e| {
        eprintln!("error: internal compiler error in code generation: {e}");
    })?;
    crate::link::link(&object, output).map_err(|message| eprintln!("error: {message}"))
}

fn print_stats() {
    let s = berth_runtime::stats();
    eprintln!("heap allocations: {} ({} bytes)", s.heap_allocations, s.heap_bytes);
    eprintln!("stack objects: {}", s.stack_objects);
    eprintln!("arena objects: {}", s.arena_objects);
    eprintln!("peak heap: {} bytes", s.peak_heap_bytes);
}

/// Checks and lowers to IR.
fn lower(source: &Source) -> Result<berth_ir::Module, ()> {
    let program = check(source)?;
    Ok(berth_ir::lower(program, &source.text))
}

/// Parses and type-checks; reports every diagnostic.
fn check(source: &Source) -> Result<hir::Program, ()> {
    let module = parse(source)?;
    let checked = berth_types::check(&module);
    source.report(&checked.diagnostics);
    checked.program.ok_or(())
}

fn dump(source: &Source, stage: Stage) -> Result<(), ()> {
    match stage {
        Stage::Ast => {
            let module = parse(source)?;
            print!("{}", berth_syntax::ast_printer::print_module(&module, &source.text));
        }
        Stage::Ir => {
            let module = lower(source)?;
            print!("{}", berth_ir::print_module(&module));
        }
        Stage::Clif => {
            let module = lower(source)?;
            match berth_codegen::clif_text(&module, &source.text) {
                Ok(text) => print!("{text}"),
                Err(e) => {
                    eprintln!("error: internal compiler error in code generation: {e}");
                    return Err(());
                }
            }
        }
        Stage::Opt | Stage::Escape => {
            check(source)?;
            let needs = match stage {
                Stage::Opt => "the optimiser (issue 6)",
                _ => "the escape analysis (issue 5)",
            };
            eprintln!("error: `--stage {}` is not built yet: it needs {needs}", stage_name(stage));
            std::process::exit(i32::from(NOT_BUILT));
        }
    }
    Ok(())
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Ast => "ast",
        Stage::Ir => "ir",
        Stage::Opt => "opt",
        Stage::Escape => "escape",
        Stage::Clif => "clif",
    }
}
