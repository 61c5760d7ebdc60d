//! The programs in `tests/programs/`, each run through the JIT (`berth
//! run`) and as a standalone executable (`berth build`): stdout, stderr,
//! the outbox and the exit status must be exactly as expected.
//!
//! Beside `NAME.berth` are `NAME.stdout`, and when the program writes them
//! `NAME.stderr` and `NAME.outbox`. The expected exit status is 101 when
//! the expected stderr ends with a runtime error line (`error: ...`), else
//! 0.
//!
//! Every program also runs through the reference interpreter and under the
//! escape oracle (see `common::Mode`).

mod common;

use common::{Engine, Mode, berth_files, catching, diff, run_program, stem, workspace};
use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for path in berth_files("tests/programs") {
        for mode in Mode::ALL {
            let name = format!("{}::{}", mode.name(), stem(&path));
            let skip = mode.engine == Engine::Oracle && skips_oracle(&path);
            let path = path.clone();
            trials.push(Trial::test(name, move || catching(move || check(&path, mode))).with_ignored_flag(skip));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// A program whose source says `// oracle: skip` is not run under the
/// escape oracle, whose cost grows with how deep structures are returned
/// (see `docs/testing.md`).
fn skips_oracle(path: &str) -> bool {
    std::fs::read_to_string(workspace().join(path)).is_ok_and(|s| s.contains("// oracle: skip"))
}

fn expected(path: &str, extension: &str) -> String {
    std::fs::read_to_string(workspace().join(path).with_extension(extension)).unwrap_or_default()
}

fn check(path: &str, mode: Mode) -> Result<(), String> {
    let run = run_program(path, mode)?;
    let stderr = expected(path, "stderr");
    let failing = stderr.lines().last().is_some_and(|l| l.starts_with("error: "));
    let status = if failing { 101 } else { 0 };
    diff("stdout", &expected(path, "stdout"), &run.stdout)?;
    diff("stderr", &stderr, &run.stderr)?;
    diff("outbox", &expected(path, "outbox"), &run.outbox)?;
    if run.status != Some(status) {
        return Err(format!("exit status {:?}, expected {status}", run.status));
    }
    Ok(())
}
