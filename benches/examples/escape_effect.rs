//! What the escape analysis buys on the allocation-heavy programs of
//! `benches/escape/`: heap allocations and bytes with the analysis on and
//! off (`berth run --stats` and `--stats --no-escape`), and the run time of
//! the two executables `berth build` and `berth build --no-escape` make.
//!
//! `cargo run --release -p berth-benches --example escape_effect [RUNS]`
//!
//! Checks that both builds print the same, runs them alternately RUNS times
//! (default 11), and prints a Markdown table with the median times, the
//! share of heap allocations and bytes removed, and the speedup; then the
//! median share removed and the geometric-mean speedup over the set.

use std::path::Path;
use std::process::Command;

use berth_benches::measure::{alternated_medians, build_berth, ms, output, programs, run_ok, scratch, stem};

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(11);
    let berth = build_berth();
    let scratch = scratch("berth-escape-effect");

    println!(
        "| program | heap allocs off | on | removed | heap bytes off | on | removed | off (ms) | on (ms) | speedup |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let (mut removed, mut log_speedup, mut count) = (Vec::new(), 0.0, 0);
    for program in programs("benches/escape") {
        let name = stem(&program);
        let (off, on) = (heap_stats(&berth, &program, true), heap_stats(&berth, &program, false));
        let off_exe = scratch.join(format!("{name}-off"));
        let on_exe = scratch.join(format!("{name}-on"));
        run_ok(Command::new(&berth).arg("build").arg(&program).arg("--no-escape").arg("-o").arg(&off_exe));
        run_ok(Command::new(&berth).arg("build").arg(&program).arg("-o").arg(&on_exe));
        assert_eq!(output(&off_exe), output(&on_exe), "{name}: the two builds print different things");
        let [t_off, t_on] = alternated_medians(&[&off_exe, &on_exe], runs)[..] else { unreachable!() };
        let speedup = t_off.as_secs_f64() / t_on.as_secs_f64();
        let share = |off: u64, on: u64| if off == 0 { 0.0 } else { 100.0 * (off - on.min(off)) as f64 / off as f64 };
        removed.push(share(off.0, on.0));
        log_speedup += speedup.ln();
        count += 1;
        println!(
            "| {name} | {} | {} | {:.1}% | {} | {} | {:.1}% | {:.1} | {:.1} | {speedup:.2}x |",
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
