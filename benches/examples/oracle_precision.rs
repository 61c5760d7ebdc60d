//! The escape analysis's precision, measured by the escape oracle on the
//! programs of `benches/escape/`: of the objects that never escaped their
//! frame when the program ran, the share the compiler kept off the heap
//! (stack slot, frame arena, or no object at all).
//!
//! `cargo run --release -p berth-benches --example oracle_precision [DIR...]`
//!
//! Runs `berth run --escape-oracle` on each program of the directories
//! (relative to the workspace; `benches/escape` by default) through the
//! reference interpreter, so it takes a few minutes; fails if the oracle
//! finds an unsound decision, and prints a Markdown table and the precision
//! over the whole set. Programs that end in a runtime error count too.

use std::process::Command;
use std::time::Instant;

use berth_benches::measure::{build_berth, programs, stem};

fn main() {
    let berth = build_berth();
    println!("| program | objects | escaped | never escaped | kept off the heap | precision | oracle run (s) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (mut never_escaped, mut kept_off) = (0u64, 0u64);
    let mut dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        dirs.push("benches/escape".into());
    }
    for program in dirs.iter().flat_map(|d| programs(d)) {
        let started = Instant::now();
        let out = Command::new(&berth).arg("run").arg("--escape-oracle").arg(&program).output().expect("berth runs");
        let seconds = started.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let summary = stderr.lines().last().unwrap_or_default();
        assert!(summary.ends_with("; sound"), "{}:\n{stderr}", program.display());
        // "escape oracle: T objects, E escaped; kept off the heap: K of
        // the N that never escaped (precision P%); ..."
        let numbers: Vec<u64> = summary
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .take(4)
            .map(|s| s.parse().expect("a count"))
            .collect();
        let [objects, escaped, off, never] = numbers[..] else { panic!("unexpected summary: {summary}") };
        never_escaped += never;
        kept_off += off;
        println!(
            "| {} | {objects} | {escaped} | {never} | {off} | {:.1}% | {seconds:.1} |",
            stem(&program),
            percent(off, never)
        );
    }
    println!();
    println!(
        "precision over the set: {:.2}% ({kept_off} of {never_escaped} objects that never escaped kept off the heap)",
        percent(kept_off, never_escaped)
    );
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 { 100.0 } else { 100.0 * part as f64 / whole as f64 }
}
