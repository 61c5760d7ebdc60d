//! Run time of the benchmark programs (`benches/programs/*.berth`), built
//! with `berth build`, against the equivalent Rust programs in
//! `benches/reference/`, compiled with `rustc -C opt-level=3`.
//!
//! `cargo run --release -p berth-benches --example versus_rust [RUNS]`
//!
//! Builds `berth` in release mode first, builds each program with the
//! escape analysis on and off (`--no-escape`), checks that all three
//! executables print the same, then runs them alternately RUNS times
//! (default 11) and prints a Markdown table of the medians and the ratios
//! to Rust.

use std::process::Command;

use berth_benches::measure::{alternated_medians, build_berth, ms, output, programs, run_ok, scratch, stem, workspace};

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(11);
    let berth = build_berth();
    let scratch = scratch("berth-versus-rust");

    println!("| program | Berth (ms) | Berth --no-escape (ms) | Rust -O (ms) | ratio | ratio, --no-escape |");
    println!("|---|---:|---:|---:|---:|---:|");
    for program in programs("benches/programs") {
        let name = stem(&program);
        let reference = workspace().join("benches/reference").join(format!("{name}.rs"));
        if !reference.exists() {
            continue;
        }
        let berth_exe = scratch.join(format!("{name}-berth"));
        let off_exe = scratch.join(format!("{name}-berth-no-escape"));
        let rust_exe = scratch.join(format!("{name}-rust"));
        run_ok(Command::new(&berth).arg("build").arg(&program).arg("-o").arg(&berth_exe));
        run_ok(Command::new(&berth).arg("build").arg(&program).arg("--no-escape").arg("-o").arg(&off_exe));
        run_ok(
            Command::new("rustc").args(["-C", "opt-level=3", "--edition", "2024", "-o"]).arg(&rust_exe).arg(&reference),
        );
        let expected = output(&rust_exe);
        for exe in [&berth_exe, &off_exe] {
            assert_eq!(output(exe), expected, "{name}: {exe:?} and the Rust program print different things");
        }
        let [b, off, r] = alternated_medians(&[&berth_exe, &off_exe, &rust_exe], runs)[..] else { unreachable!() };
        let ratio = |t: std::time::Duration| t.as_secs_f64() / r.as_secs_f64();
        println!("| {name} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} |", ms(b), ms(off), ms(r), ratio(b), ratio(off));
    }
}
