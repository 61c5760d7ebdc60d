//! The programs in `tests/programs/`, each run through the JIT (`berth
//! run`) and as a standalone executable (`berth build`): stdout, stderr,
//! the outbox and the exit status must be exactly as expected.
//!
//! Beside `NAME.berth` are `NAME.stdout`, and when the program writes them
//! `NAME.stderr` and `NAME.outbox`. The expected exit status is 101 when
//! the expected stderr ends with a runtime error line, else 0.

mod common;

use common::{Mode, berth_files, catching, diff, run_program, stem, workspace};
use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for path in berth_files("tests/programs") {
        for mode in Mode::ALL {
            let name = format!("{}::{}", mode.name(), stem(&path));
            let path = path.clone();
            trials.push(Trial::test(name, move || catching(move || check(&path, mode))));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn expected(path: &str, extension: &str) -> String {
    std::fs::read_to_string(workspace().join(path).with_extension(extension)).unwrap_or_default()
}

fn check(path: &str, mode: Mode) -> Result<(), String> {
    let run = run_program(path, mode)?;
    let stderr = expected(path, "stderr");
    let failing = stderr.lines().last().is_some_and(|l| l.starts_with("error: ") && l.contains(" at "));
    let status = if failing { 101 } else { 0 };
    diff("stdout", &expected(path, "stdout"), &run.stdout)?;
    diff("stderr", &stderr, &run.stderr)?;
    diff("outbox", &expected(path, "outbox"), &run.outbox)?;
    if run.status != Some(status) {
        return Err(format!("exit status {:?}, expected {status}", run.status));
    }
    Ok(())
}
