//! Does the oracle catch unsound decisions? Each program in `tests/oracle/`
//! runs under the oracle twice: with the escape analysis's decisions, which
//! must be sound, and with every allocation forced into its frame (a stack
//! slot for structs, the frame arena for the rest), which the first line of
//! the file says is `sound` or `unsound`:
//!
//! ```text
//! // forced into the frame: unsound (why)
//! // flags: --no-inline
//! ```
//!
//! The optional second line turns the inliner off, for programs about
//! what crosses a call.

use std::path::{Path, PathBuf};

use berth_ir::instructions::{AllocInit, InstKind, Storage};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oracle");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/oracle exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "berth"))
        .collect();
    files.sort();
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().expect("a file name").to_string_lossy().into_owned();
            Trial::test(name, move || check(&path))
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

fn check(path: &Path) -> Result<(), Failed> {
    let source = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let expected = match source.lines().next().and_then(|l| l.strip_prefix("// forced into the frame: ")) {
        Some(rest) if rest.starts_with("unsound") => true,
        Some(rest) if rest.starts_with("sound") => false,
        _ => return Err("the first line must say `// forced into the frame: sound|unsound`".into()),
    };
    let name = path.to_string_lossy();

    let inline = source.lines().nth(1).is_none_or(|l| l.trim() != "// flags: --no-inline");
    let (mut module, analysis) = compile(&source, inline)?;
    let decided = berth_interp::run(&module, &name, Some(&analysis));
    let (report, unsound) = decided.oracle.expect("the oracle ran");
    if unsound || decided.status != 0 {
        return Err(format!("the analysis's decisions (status {}):\n{report}", decided.status).into());
    }

    force_into_frames(&mut module);
    let forced = berth_interp::run(&module, &name, Some(&analysis));
    let (report, unsound) = forced.oracle.expect("the oracle ran");
    if unsound != expected {
        let said = if unsound { "unsound" } else { "sound" };
        return Err(format!("with every object in its frame the oracle said {said}:\n{report}").into());
    }
    Ok(())
}

fn compile(source: &str, inline: bool) -> Result<(berth_ir::Module, berth_escape::Analysis), String> {
    let (ast, errors) = berth_syntax::parse(source);
    if !errors.is_empty() {
        return Err(format!("syntax errors: {errors:?}"));
    }
    let checked = berth_types::check(&ast);
    let program = checked.program.ok_or_else(|| format!("type errors: {:?}", checked.diagnostics))?;
    let mut module = berth_ir::lower(program, source);
    berth_opt::optimize(&mut module, berth_opt::Options { inline });
    let analysis = berth_escape::analyze(&mut module);
    Ok((module, analysis))
}

/// The most unsound decisions there are: nothing on the heap.
fn force_into_frames(module: &mut berth_ir::Module) {
    for func in module.funcs.values_mut() {
        for data in func.dfg.insts.values_mut() {
            match &mut data.kind {
                InstKind::Alloc { storage, init, .. } => {
                    *storage = if matches!(init, AllocInit::Struct { .. }) { Storage::Stack } else { Storage::Arena };
                }
                InstKind::ArrayPush { grow, .. } => *grow = Storage::Arena,
                _ => {}
            }
        }
    }
}
