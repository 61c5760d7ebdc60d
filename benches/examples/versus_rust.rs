//! Run time of the benchmark programs (`benches/programs/*.berth`), built
//! with `berth build`, against the equivalent Rust programs in
//! `benches/reference/`, compiled with `rustc -C opt-level=3`.
//!
//! `cargo run --release -p berth-benches --example versus_rust [RUNS]`
//!
//! Builds `berth` in release mode first, checks that each pair prints the
//! same, then runs the two executables alternately RUNS times (default 11)
//! and prints a Markdown table of the medians and their ratio.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(11);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-q", "-p", "berth-cli"])
        .current_dir(&workspace)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building berth failed");
    let berth = workspace.join("target/release/berth");
    let scratch = std::env::temp_dir().join("berth-versus-rust");
    std::fs::create_dir_all(&scratch).expect("a scratch directory");

    let mut programs: Vec<PathBuf> = std::fs::read_dir(workspace.join("benches/programs"))
        .expect("benches/programs exists")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "berth"))
        .collect();
    programs.sort();

    println!("| program | Berth (ms) | Rust -O (ms) | ratio |");
    println!("|---|---:|---:|---:|");
    for program in programs {
        let name = program.file_stem().expect("a name").to_string_lossy().into_owned();
        let reference = workspace.join("benches/reference").join(format!("{name}.rs"));
        if !reference.exists() {
            continue;
        }
        let berth_exe = scratch.join(format!("{name}-berth"));
        let rust_exe = scratch.join(format!("{name}-rust"));
        run_ok(Command::new(&berth).arg("build").arg(&program).arg("-o").arg(&berth_exe));
        run_ok(
            Command::new("rustc").args(["-C", "opt-level=3", "--edition", "2024", "-o"]).arg(&rust_exe).arg(&reference),
        );
        let (berth_out, rust_out) = (output(&berth_exe), output(&rust_exe));
        assert_eq!(berth_out, rust_out, "{name}: the Berth and Rust programs print different things");
        let (mut b, mut r) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            b.push(time(&berth_exe));
            r.push(time(&rust_exe));
        }
        let (b, r) = (median(b), median(r));
        println!(
            "| {name} | {:.1} | {:.1} | {:.2} |",
            b.as_secs_f64() * 1e3,
            r.as_secs_f64() * 1e3,
            b.as_secs_f64() / r.as_secs_f64()
        );
    }
}

fn run_ok(command: &mut Command) {
    let out = command.output().expect("the command runs");
    assert!(out.status.success(), "{command:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

fn output(exe: &Path) -> Vec<u8> {
    let out = Command::new(exe).output().expect("the program runs");
    assert!(out.status.success(), "{exe:?} failed");
    out.stdout
}

fn time(exe: &Path) -> Duration {
    let start = Instant::now();
    let out = Command::new(exe).output().expect("the program runs");
    let elapsed = start.elapsed();
    assert!(out.status.success());
    elapsed
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
