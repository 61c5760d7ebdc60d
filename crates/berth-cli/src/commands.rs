//! The subcommands. Each returns the process's exit status.

use std::process::ExitCode;

use berth_escape::Analysis;
use berth_syntax::ast;
use berth_types::hir;

use crate::cli::{Cli, Command, Format, Passes, Stage};
use crate::source::Source;

/// The program has errors (already reported), or `--check` found
/// mismatches.
const FAILED: u8 = 1;
/// A bug in the compiler.
const INTERNAL: u8 = 101;
/// `run --escape-oracle` found a decision unsound.
const UNSOUND: u8 = 1;

pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Check { file } => Source::load(&file).and_then(|s| check(&s).map(|_| ())),
        Command::Dump { file, stage, passes } => Source::load(&file).and_then(|s| dump(&s, stage, passes)),
        Command::Run { file, interp: true, .. } => match Source::load(&file).and_then(|s| lower(&s).map(|m| (s, m))) {
            Ok((source, module)) => return exit_status(berth_interp::run(&module, &source.name, None).status),
            Err(()) => Err(()),
        },
        Command::Run { file, escape_oracle: true, passes, .. } => {
            match Source::load(&file).and_then(|s| compile(&s, passes).map(|c| (s, c))) {
                Ok((source, (module, analysis))) => return run_oracle(&source, &module, &analysis),
                Err(()) => Err(()),
            }
        }
        Command::Run { file, stats, passes, .. } => {
            match Source::load(&file).and_then(|s| compile(&s, passes).map(|(m, _)| (s, m))) {
                Ok((source, module)) => return run_jit(&source, &module, stats),
                Err(()) => Err(()),
            }
        }
        Command::Build { file, output, passes } => Source::load(&file)
            .and_then(|s| compile(&s, passes).map(|(m, _)| (s, m)))
            .and_then(|(s, m)| build(&s, &m, &output)),
        Command::Escape { file, verbose, format, check, passes } => {
            Source::load(&file).and_then(|s| escape(&s, verbose, format, check, passes))
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(()) => ExitCode::from(FAILED),
    }
}

fn exit_status(status: i32) -> ExitCode {
    ExitCode::from(status as u8)
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

/// Parses and type-checks; reports every diagnostic.
fn check(source: &Source) -> Result<hir::Program, ()> {
    let module = parse(source)?;
    let checked = berth_types::check(&module);
    source.report(&checked.diagnostics);
    checked.program.ok_or(())
}

/// Checks and lowers to IR.
fn lower(source: &Source) -> Result<berth_ir::Module, ()> {
    let program = check(source)?;
    Ok(berth_ir::lower(program, &source.text))
}

/// Lowers and optimises (without inlining with `--no-inline`).
fn optimize(source: &Source, passes: Passes) -> Result<berth_ir::Module, ()> {
    let mut module = lower(source)?;
    berth_opt::optimize(&mut module, berth_opt::Options { inline: !passes.no_inline });
    if cfg!(debug_assertions)
        && let Err(errors) = berth_ir::verify_module(&module)
    {
        panic!("the IR after optimisation is invalid:\n{}", errors.join("\n"));
    }
    Ok(module)
}

/// Optimises and decides where every allocation lives (on the heap for
/// all of them with `--no-escape`).
fn compile(source: &Source, passes: Passes) -> Result<(berth_ir::Module, Analysis), ()> {
    let mut module = optimize(source, passes)?;
    let analysis =
        if passes.no_escape { berth_escape::disabled(&mut module) } else { berth_escape::analyze(&mut module) };
    if cfg!(debug_assertions)
        && let Err(errors) = berth_ir::verify_module(&module)
    {
        panic!("the IR after escape analysis is invalid:\n{}", errors.join("\n"));
    }
    Ok((module, analysis))
}

/// Compiles in memory and runs the program; its exit status becomes ours
/// (a runtime error ends the process with 101 before this returns).
fn run_jit(source: &Source, module: &berth_ir::Module, stats: bool) -> ExitCode {
    let compiled = match berth_codegen::compile_jit(module, &berth_runtime::symbols(), stats) {
        Ok(compiled) => compiled,
        Err(e) => {
            eprintln!("error: internal compiler error in code generation: {e}");
            return ExitCode::from(INTERNAL);
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
    exit_status(status)
}

/// Interprets the compiled IR under the escape oracle and prints its
/// report after the program's own output; exits [`UNSOUND`] when it found
/// an unsound decision, else with the program's status.
fn run_oracle(source: &Source, module: &berth_ir::Module, analysis: &Analysis) -> ExitCode {
    let outcome = berth_interp::run(module, &source.name, Some(analysis));
    let (report, unsound) = outcome.oracle.expect("the oracle ran");
    eprint!("{report}");
    exit_status(if unsound { UNSOUND.into() } else { outcome.status })
}

/// Compiles to an object file and links a standalone executable.
fn build(source: &Source, module: &berth_ir::Module, output: &std::path::Path) -> Result<(), ()> {
    let object = berth_codegen::compile_object(module, &source.name).map_err(|e| {
        eprintln!("error: internal compiler error in code generation: {e}");
    })?;
    crate::link::link(&object, output).map_err(|message| eprintln!("error: {message}"))
}

fn print_stats() {
    let s = berth_runtime::stats();
    eprintln!("heap allocations: {} ({} bytes)", s.heap_allocations, s.heap_bytes);
    eprintln!("stack objects: {}", s.stack_objects);
    eprintln!("arena objects: {}", s.arena_objects);
    eprintln!("scalar-replaced objects: {}", s.scalar_objects);
    eprintln!("peak heap: {} bytes", s.peak_heap_bytes);
}

/// `berth escape`: the decisions, or (`--check`) their agreement with the
/// source's `//~` annotations.
fn escape(source: &Source, verbose: bool, format: Format, check: bool, passes: Passes) -> Result<(), ()> {
    let (module, analysis) = compile(source, passes)?;
    if check {
        let (mismatches, checked) = berth_escape::annotations::check(&module, &analysis, &source.text);
        for m in &mismatches {
            eprintln!("error: {}:{}:{}: {}", source.name, m.line, m.column, m.message);
        }
        if !mismatches.is_empty() {
            eprintln!("error: {} of the annotations in {} do not match", mismatches.len(), source.name);
            return Err(());
        }
        println!("{checked} annotated allocation sites match");
        return Ok(());
    }
    match format {
        Format::Text => print!("{}", berth_escape::report::text(&module, &analysis, &source.name, verbose)),
        Format::Json => print!("{}", berth_escape::report::json(&module, &analysis, &source.name)),
    }
    Ok(())
}

fn dump(source: &Source, stage: Stage, passes: Passes) -> Result<(), ()> {
    match stage {
        Stage::Ast => {
            let module = parse(source)?;
            print!("{}", berth_syntax::ast_printer::print_module(&module, &source.text));
        }
        Stage::Ir => {
            let module = lower(source)?;
            print!("{}", berth_ir::print_module(&module));
        }
        Stage::Opt => {
            let module = optimize(source, passes)?;
            print!("{}", berth_ir::print_module(&module));
        }
        Stage::Escape => {
            let (module, _) = compile(source, passes)?;
            print!("{}", berth_ir::print_module(&module));
        }
        Stage::Clif => {
            let (module, _) = compile(source, passes)?;
            match berth_codegen::clif_text(&module) {
                Ok(text) => print!("{text}"),
                Err(e) => {
                    eprintln!("error: internal compiler error in code generation: {e}");
                    return Err(());
                }
            }
        }
    }
    Ok(())
}
