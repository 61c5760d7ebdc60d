//! What the escape analysis (with inlining, scalar replacement and partial
//! escape) buys on the allocation-heavy programs of `benches/escape/`: heap
//! allocations and bytes with the analysis on and off (`berth run --stats`
//! and `--stats --no-escape`), and the run time of the executables `berth
//! build` and `berth build --no-escape` make, beside the equivalent Rust
//! program of `benches/reference/escape/` (compiled with `-C opt-level=3`)
//! where there is one.
//!
//! `cargo run --release -p berth-benches --example escape_effect [RUNS]`
//!
//! Checks that all builds print the same, runs them alternately RUNS times
//! (default 11), and prints a Markdown table with the median times, the
//! share of heap allocations and bytes removed, the speedup and the ratio to
//! Rust; then the median share removed, the geometric-mean speedup and the
//! geometric-mean ratio to Rust over the set.

use std::path::Path;
use std::process::Command;

use berth_benches::measure::{alternated_medians, build_berth, ms, output, programs, run_ok, scratch, stem, workspace};

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(11);
    let berth = build_berth();
    let scratch = scratch("berth-escape-effect");

    println!(
        "| program | heap allocs off | on | removed | heap bytes off | on | removed | off (ms) | on (ms) | speedup | Rust -O (ms) | on / Rust |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let (mut removed, mut log_speedup, mut count) = (Vec::new(), 0.0, 0);
    let (mut log_rust, mut rust_count) = (0.0, 0);
    for program in programs("benches/escape") {
        let name = stem(&program);
        let (off, on) = (heap_stats(&berth, &program, true), heap_stats(&berth, &program, false));
        let off_exe = scratch.join(format!("{name}-off"));
        let on_exe = scratch.join(format!("{name}-on"));
        run_ok(Command::new(&berth).arg("build").arg(&program).arg("--no-escape").arg("-o").arg(&off_exe));
        run_ok(Command::new(&berth).arg("build").arg(&program).arg("-o").arg(&on_exe));
        assert_eq!(output(&off_exe), output(&on_exe), "{name}: the two builds print different things");
        let reference = workspace().join("benches/reference/escape").join(format!("{name}.rs"));
        let rust_exe = scratch.join(format!("{name}-rust"));
        let mut exes = vec![off_exe.as_path(), on_exe.as_path()];
        if reference.exists() {
            run_ok(
                Command::new("rustc")
                    .args(["-C", "opt-level=3", "--edition", "2024", "-o"])
                    .arg(&rust_exe)
                    .arg(&reference),
            );
            assert_eq!(output(&rust_exe), output(&on_exe), "{name}: Berth and the Rust program print different things");
            exes.push(rust_exe.as_path());
        }
        let times = alternated_medians(&exes, runs);
        let (t_off, t_on) = (times[0], times[1]);
        let rust = match times.get(2) {
            Some(t_rust) => {
                let ratio = t_on.as_secs_f64() / t_rust.as_secs_f64();
                log_rust += ratio.ln();
                rust_count += 1;
                format!("{:.1} | {ratio:.2}", ms(*t_rust))
            }
            None => "- | -".to_string(),
        };
        let speedup = t_off.as_secs_f64() / t_on.as_secs_f64();
        let share = |off: u64, on: u64| if off == 0 { 0.0 } else { 100.0 * (off - on.min(off)) as f64 / off as f64 };
        removed.push(share(off.0, on.0));
        log_speedup += speedup.ln();
        count += 1;
        println!(
            "| {name} | {} | {} | {:.1}% | {} | {} | {:.1}% | {:.1} | {:.1} | {speedup:.2}x | {rust} |",
            off.0,
            on.0,
            share(off.0, on.0),
            off.1,
            on.1,
            share(off.1, on.1),
            ms(t_off),
            ms(t_on)
        );
    }
    removed.sort_by(f64::total_cmp);
    let median = if count % 2 == 1 { removed[count / 2] } else { (removed[count / 2 - 1] + removed[count / 2]) / 2.0 };
    println!();
    println!("median heap allocations removed: {median:.1}%");
    println!("geometric-mean speedup: {:.2}x", (log_speedup / count as f64).exp());
    if rust_count > 0 {
        println!("geometric-mean time relative to Rust: {:.2}", (log_rust / rust_count as f64).exp());
    }
}

/// Heap allocations and bytes, as `berth run --stats` reports them.
fn heap_stats(berth: &Path, program: &Path, no_escape: bool) -> (u64, u64) {
    let mut command = Command::new(berth);
    command.arg("run").arg("--stats").arg(program);
    if no_escape {
        command.arg("--no-escape");
    }
    let stderr = String::from_utf8(run_ok(&mut command).stderr).expect("UTF-8 statistics");
    let line = stderr.lines().find_map(|l| l.strip_prefix("heap allocations: ")).expect("a heap allocations line");
    // "<count> (<bytes> bytes)"
    let (count, rest) = line.split_once(" (").expect("count and bytes");
    let bytes = rest.trim_end_matches(" bytes)");
    (count.parse().expect("a count"), bytes.parse().expect("a byte count"))
}
