//! The annotated escape cases in `tests/escape/`: every `//~` annotation
//! must match the analysis (`berth escape --check`), and every case must
//! print the same with the analysis on and off, through the JIT and as an
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

fn annotations(path: &str) -> Result<(), String> {
    let output = berth(&["escape", "--check", path]);
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
