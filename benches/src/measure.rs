//! Running built programs and timing them, shared by the comparison tools
//! in `examples/`. Timings are medians of runs alternated between the
//! programs being compared, so that drift on a noisy machine hits both.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds `berth` in release mode and returns the path of the binary.
pub fn build_berth() -> PathBuf {
    let workspace = workspace();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-q", "-p", "berth-cli"])
        .current_dir(&workspace)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building berth failed");
    workspace.join("target/release/berth")
}

/// A fresh scratch directory under the system's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The `.berth` files of a directory of the workspace, sorted by name.
pub fn programs(dir: &str) -> Vec<PathBuf> {
    let mut programs: Vec<PathBuf> = std::fs::read_dir(workspace().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "berth"))
        .collect();
    programs.sort();
    programs
}

/// The file name of `path` without its extension.
pub fn stem(path: &Path) -> String {
    path.file_stem().expect("a name").to_string_lossy().into_owned()
}

/// Runs `command`, panicking with its stderr if it fails.
pub fn run_ok(command: &mut Command) -> Output {
    let out = command.output().expect("the command runs");
    assert!(out.status.success(), "{command:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// What `exe` prints on stdout.
pub fn output(exe: &Path) -> Vec<u8> {
    run_ok(&mut Command::new(exe)).stdout
}

/// The medians of `runs` alternated runs of each executable.
pub fn alternated_medians(exes: &[&Path], runs: usize) -> Vec<Duration> {
    let mut times = vec![Vec::with_capacity(runs); exes.len()];
    for _ in 0..runs {
        for (exe, times) in exes.iter().zip(&mut times) {
            let start = Instant::now();
            run_ok(&mut Command::new(exe));
            times.push(start.elapsed());
        }
    }
    times.into_iter().map(median).collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Milliseconds, for tables.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
