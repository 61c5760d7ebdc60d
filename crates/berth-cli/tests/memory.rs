//! Memory use that the escape analysis promises: a loop whose iterations
//! keep nothing they allocate runs in the memory of one iteration (the
//! frame arena is released on each back edge), where the same program with
//! the analysis off needs memory for every iteration.

mod common;

use common::berth;

/// `peak heap: N bytes` from `berth run --stats`.
fn peak_heap(args: &[&str]) -> u64 {
    let output = berth(args);
    assert!(output.status.success(), "berth {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().find_map(|l| l.strip_prefix("peak heap: ")).expect("a peak heap line");
    line.trim_end_matches(" bytes").parse().expect("a byte count")
}

#[test]
fn loop_temporaries_run_in_one_iterations_memory() {
    let program = "tests/memory/loop_temporaries.berth";
    let on = peak_heap(&["run", "--stats", program]);
    let off = peak_heap(&["run", "--stats", "--no-escape", program]);
    assert!(on <= 1 << 20, "with the analysis the peak heap is {on} bytes, more than 1 MiB");
    assert!(
        off >= 16 << 20,
        "without the analysis the peak heap is only {off} bytes: the program no longer tests this"
    );
}
