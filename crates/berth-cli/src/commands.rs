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
        Command::Run { .. } => return not_built("`berth run`", "it needs the Cranelift backend (issue 4)"),
        Command::Build { .. } => return not_built("`berth build`", "it needs the Cranelift backend (issue 4)"),
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
            let program = check(source)?;
            let module = berth_ir::lower(program, &source.text);
            print!("{}", berth_ir::print_module(&module));
        }
        Stage::Opt | Stage::Escape | Stage::Clif => {
            check(source)?;
            let needs = match stage {
                Stage::Opt => "the optimiser (issue 6)",
                Stage::Escape => "the escape analysis (issue 5)",
                _ => "the Cranelift backend (issue 4)",
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
