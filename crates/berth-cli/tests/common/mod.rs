//! Shared by the data-driven suites: where the workspace is, how to run the
//! `berth` binary, and how a suite discovers its files.

#![allow(dead_code)] // Each suite uses part of this module.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root; the binary runs there so paths in its output are
/// the short, stable relative paths snapshots expect.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace exists")
}

/// Runs `berth` with `args` in `dir`.
pub fn berth_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth")).args(args).current_dir(dir).output().expect("berth runs")
}

pub fn berth(args: &[&str]) -> Output {
    berth_in(&workspace(), args)
}

/// The `.berth` files directly in `dir` (relative to the workspace), sorted,
/// as workspace-relative paths.
pub fn berth_files(dir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(workspace().join(dir))
        .expect("the directory exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "berth"))
        .map(|p| format!("{dir}/{}", p.file_name().expect("a file").to_string_lossy()))
        .collect();
    files.sort();
    files
}

/// The file name without directory and extension: the test's name.
pub fn stem(path: &str) -> String {
    Path::new(path).file_stem().expect("a file name").to_string_lossy().into_owned()
}

/// Fails if the compiler crashed instead of reporting: a Rust panic, a
/// backtrace, or an internal compiler error.
pub fn assert_no_crash(output: &Output, what: &str) -> Result<(), String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    for marker in ["panicked", "RUST_BACKTRACE", "internal compiler error", "has overflowed its stack"] {
        if stderr.contains(marker) {
            return Err(format!("{what}: the compiler crashed ({marker}):\n{stderr}"));
        }
    }
    if output.status.code().is_none() {
        return Err(format!("{what}: killed by a signal: {:?}", output.status));
    }
    Ok(())
}

/// insta settings that keep a suite's snapshots in `tests/snapshots/<suite>`.
pub fn snapshot_settings(suite: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace().join("tests/snapshots").join(suite));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// Runs a check inside a libtest-mimic trial, turning a panicking insta
/// assertion into a failure message.
pub fn catching(f: impl FnOnce() -> Result<(), String> + std::panic::UnwindSafe) -> Result<(), libtest_mimic::Failed> {
    match std::panic::catch_unwind(f) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(message)) => Err(message.into()),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the test panicked".into());
            Err(message.into())
        }
    }
}

/// What running a program produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub outbox: String,
    pub status: Option<i32>,
}

/// How a program is run: through the JIT (`berth run`), as an executable
/// (`berth build`), by the reference interpreter (`run --interp`) or under
/// the escape oracle (`run --escape-oracle`); with the escape analysis on
/// or off (`--no-escape`), with the inliner on or off (`--no-inline`).
/// Executables run with `BERTH_POISON=1`, so reading frame-arena memory
/// after its frame released it shows up as a wrong result or a crash
/// rather than stale data.
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    pub engine: Engine,
    pub escape: bool,
    pub inline: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Jit,
    Aot,
    Interp,
    Oracle,
}

impl Mode {
    pub const ALL: [Mode; 7] = [
        Mode { engine: Engine::Jit, escape: true, inline: true },
        Mode { engine: Engine::Aot, escape: true, inline: true },
        Mode { engine: Engine::Jit, escape: false, inline: true },
        Mode { engine: Engine::Aot, escape: false, inline: true },
        Mode { engine: Engine::Jit, escape: true, inline: false },
        Mode { engine: Engine::Interp, escape: true, inline: true },
        Mode { engine: Engine::Oracle, escape: true, inline: true },
    ];

    pub fn name(self) -> String {
        let engine = match self.engine {
            Engine::Jit => "jit",
            Engine::Aot => "aot",
            Engine::Interp => "interp",
            Engine::Oracle => "oracle",
        };
        let mut name = engine.to_string();
        if !self.escape {
            name.push_str("-no-escape");
        }
        if !self.inline {
            name.push_str("-no-inline");
        }
        name
    }

    /// The command-line flags of the mode, after `run FILE` or `build
    /// FILE`.
    fn flags(self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        match self.engine {
            Engine::Interp => flags.push("--interp"),
            Engine::Oracle => flags.push("--escape-oracle"),
            Engine::Jit | Engine::Aot => {}
        }
        if !self.escape {
            flags.push("--no-escape");
        }
        if !self.inline {
            flags.push("--no-inline");
        }
        flags
    }
}

/// Runs the program at `path` (workspace-relative) in the workspace, with
/// its outbox sent to a file of its own. Under the oracle, its report is
/// taken off stderr, and an unsound one is an error.
pub fn run_program(path: &str, mode: Mode) -> Result<Run, String> {
    let suite = Path::new(path).parent().map(|p| p.to_string_lossy().replace('/', "-")).unwrap_or_default();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(suite).join(mode.name());
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let name = stem(path);
    let outbox = scratch.join(format!("{name}.outbox"));
    let _ = std::fs::remove_file(&outbox);
    let flags = mode.flags();
    let extra = flags.as_slice();
    let output = match mode.engine {
        Engine::Jit | Engine::Interp | Engine::Oracle => {
            let mut args = vec!["run", path];
            args.extend_from_slice(extra);
            Command::new(env!("CARGO_BIN_EXE_berth"))
                .args(&args)
                .current_dir(workspace())
                .env("BERTH_OUTBOX", &outbox)
                .output()
                .map_err(|e| e.to_string())?
        }
        Engine::Aot => {
            let exe = scratch.join(&name);
            let exe_arg = exe.to_string_lossy().into_owned();
            let mut args = vec!["build", path, "-o", exe_arg.as_str()];
            args.extend_from_slice(extra);
            let build = berth(&args);
            assert_no_crash(&build, path)?;
            if !build.status.success() {
                return Err(format!("{path}: berth build failed:\n{}", String::from_utf8_lossy(&build.stderr)));
            }
            Command::new(&exe)
                .current_dir(workspace())
                .env("BERTH_OUTBOX", &outbox)
                .env("BERTH_POISON", "1")
                .output()
                .map_err(|e| e.to_string())?
        }
    };
    assert_no_crash(&output, path)?;
    let mut stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if mode.engine == Engine::Oracle {
        let start =
            stderr.find(&format!("escape oracle: {path}\n")).ok_or_else(|| format!("no oracle report:\n{stderr}"))?;
        let report = stderr.split_off(start);
        if !report.trim_end().ends_with("; sound") {
            return Err(format!("{path}: the escape oracle found an unsound decision:\n{report}"));
        }
    }
    Ok(Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
        outbox: std::fs::read_to_string(&outbox).unwrap_or_default(),
        status: output.status.code(),
    })
}

/// A readable account of where two texts first differ.
pub fn diff(what: &str, expected: &str, actual: &str) -> Result<(), String> {
    if expected == actual {
        return Ok(());
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(e, a)| e != a)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Err(format!("{what} differs from line {}:\n--- expected\n{expected}\n--- actual\n{actual}", line + 1))
}
