//! Run time of the benchmark programs (`benches/programs/*.berth`), built
//! with `berth build`, against the equivalent Rust programs in
//! `benches/reference/`, compiled with `rustc -C opt-level=3`.
//!
//! `cargo run --release -p berth-benches --example versus_rust [RUNS]`
//!
//! Builds `berth` in release mode first, checks that each pair prints the
//! same, then runs the two executables alternately RUNS times (default 11)
//! and prints a Markdown table of the medians and their ratio.

use std::process::Command;

use berth_benches::measure::{alternated_medians, build_berth, ms, output, programs, run_ok, scratch, stem, workspace};

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(11);
    let berth = build_berth();
    let scratch = scratch("berth-versus-rust");

    println!("| program | Berth (ms) | Rust -O (ms) | ratio |");
    println!("|---|---:|---:|---:|");
    for program in programs("benches/programs") {
        let name = stem(&program);
        let reference = workspace().join("benches/reference").join(format!("{name}.rs"));
        if !reference.exists() {
            continue;
        }
        let berth_exe = scratch.join(format!("{name}-berth"));
        let rust_exe = scratch.join(format!("{name}-rust"));
        run_ok(Command::new(&berth).arg("build").arg(&program).arg("-o").arg(&berth_exe));
        run_ok(
            Command::new("rustc").args(["-C", "opt-level=3", "--edition", "2024", "-o"]).arg(&rust_exe).arg(&reference),
        );
        assert_eq!(output(&berth_exe), output(&rust_exe), "{name}: the Berth and Rust programs print different things");
        let [b, r] = alternated_medians(&[&berth_exe, &rust_exe], runs)[..] else { unreachable!() };
        println!("| {name} | {:.1} | {:.1} | {:.2} |", ms(b), ms(r), b.as_secs_f64() / r.as_secs_f64());
    }
}
