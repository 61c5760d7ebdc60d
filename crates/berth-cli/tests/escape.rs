//! The annotated escape cases in `tests/escape/`: every `//~` annotation
//! must match the analysis (`berth escape --check`, with the flags of a
//! `// flags:` line), and every case must print the same with the
//! analysis on and off and the inliner off, through the JIT and as an
//! executable.

mod common;

use common::{Mode, assert_no_crash, berth, berth_files, catching, diff, run_program, stem};
use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for path in berth_files("tests/escape") {
        let name = stem(&path);
        let p = path.clone();
        trials.push(Trial::test(format!("annotations::{name}"), move || catching(move || annotations(&p))));
        let p = path.clone();
        trials.push(Trial::test(format!("both-ways::{name}"), move || catching(move || both_ways(&p))));
    }
    libtest_mimic::run(&args, trials).exit();
}

/// `berth escape --check`, with the flags of the file's `// flags:` line
/// if it has one (cases about summaries use `--no-inline`, so the calls
/// they are about stay calls).
fn annotations(path: &str) -> Result<(), String> {
    let source = std::fs::read_to_string(common::workspace().join(path)).map_err(|e| e.to_string())?;
    let flags: Vec<&str> = source
        .lines()
        .find_map(|l| l.strip_prefix("// flags:"))
        .map(|f| f.split_whitespace().collect())
        .unwrap_or_default();
    let mut args = vec!["escape", "--check", path];
    args.extend(flags);
    let output = berth(&args);
    assert_no_crash(&output, path)?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(())
}

/// With and without the analysis, through the JIT and as executables: the
/// same output and status every way.
fn both_ways(path: &str) -> Result<(), String> {
    let [first, rest @ ..] = Mode::ALL;
    let reference = run_program(path, first)?;
    for mode in rest {
        let run = run_program(path, mode)?;
        let what = mode.name();
        diff(&format!("{what}: stdout"), &reference.stdout, &run.stdout)?;
        diff(&format!("{what}: stderr"), &reference.stderr, &run.stderr)?;
        diff(&format!("{what}: outbox"), &reference.outbox, &run.outbox)?;
        if run.status != reference.status {
            return Err(format!("{what}: exit status {:?}, {} {:?}", run.status, first.name(), reference.status));
        }
    }
    Ok(())
}
