//! Every program in `examples/` type-checks; its IR, its IR after
//! inlining and folding, its IR after the escape analysis and the
//! analysis's explanations (`berth escape -v`) match the snapshots in
//! `tests/snapshots/{ir,opt,escape-ir,escape}/`; and it
//! prints the output written in its closing `// expected output:` comment,
//! through the JIT and as a standalone executable, with the analysis on
//! and off.

mod common;

use common::{Mode, assert_no_crash, berth, berth_files, catching, diff, run_program, snapshot_settings, stem};
use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for path in berth_files("examples") {
        let name = stem(&path);
        let (n, p) = (name.clone(), path.clone());
        trials.push(Trial::test(format!("ir::{name}"), move || catching(move || example(&n, &p))));
        let suites = [
            ("opt", &["dump", "--stage", "opt"][..]),
            ("escape-ir", &["dump", "--stage", "escape"][..]),
            ("escape", &["escape", "-v"][..]),
        ];
        for (suite, args) in suites {
            let (n, p) = (name.clone(), path.clone());
            trials
                .push(Trial::test(format!("{suite}::{name}"), move || catching(move || snapshot(suite, &n, &p, args))));
        }
        for mode in Mode::ALL {
            let p = path.clone();
            trials.push(Trial::test(format!("{}::{name}", mode.name()), move || catching(move || runs(&p, mode))));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// `berth <args> FILE` succeeds and prints what the snapshot holds.
fn snapshot(suite: &str, name: &str, path: &str, args: &[&str]) -> Result<(), String> {
    let mut all = args.to_vec();
    all.insert(1, path);
    let output = berth(&all);
    assert_no_crash(&output, path)?;
    if !output.status.success() {
        return Err(format!("{path}: berth {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr)));
    }
    snapshot_settings(suite).bind(|| {
        insta::assert_snapshot!(name.to_string(), String::from_utf8_lossy(&output.stdout));
    });
    Ok(())
}

/// The example's output as its closing comment states it.
fn expected_output(path: &str) -> Result<String, String> {
    let source = std::fs::read_to_string(common::workspace().join(path)).map_err(|e| e.to_string())?;
    let (_, tail) = source.split_once("// expected output:").ok_or(format!("{path} states no expected output"))?;
    Ok(tail
        .lines()
        .skip(1)
        .map_while(|l| l.strip_prefix("//"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l).to_string() + "\n")
        .collect())
}

fn runs(path: &str, mode: Mode) -> Result<(), String> {
    let run = run_program(path, mode)?;
    if run.status != Some(0) {
        return Err(format!("exit status {:?}:\n{}", run.status, run.stderr));
    }
    diff("stdout", &expected_output(path)?, &run.stdout)
}

fn example(name: &str, path: &str) -> Result<(), String> {
    let check = berth(&["check", path]);
    assert_no_crash(&check, path)?;
    if !check.status.success() {
        return Err(format!("{path} does not check:\n{}", String::from_utf8_lossy(&check.stderr)));
    }
    let ir = berth(&["dump", path, "--stage", "ir"]);
    assert_no_crash(&ir, path)?;
    if !ir.status.success() {
        return Err(format!("{path}: dump --stage ir failed:\n{}", String::from_utf8_lossy(&ir.stderr)));
    }
    snapshot_settings("ir").bind(|| {
        insta::assert_snapshot!(name.to_string(), String::from_utf8_lossy(&ir.stdout));
    });
    Ok(())
}
