//! `berth escape` as a user reads it: the JSON report's fields, `--check`
//! naming each mismatch, `-v` chains over objects in a cycle, and
//! `--no-escape`. The programs are in `tests/escape-report/`; snapshots in
//! `tests/snapshots/escape-report/`.

mod common;

use common::{berth, snapshot_settings};
use serde_json::Value;

fn stdout(args: &[&str]) -> String {
    let output = berth(args);
    assert!(output.status.success(), "berth {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn json_has_every_documented_field_and_agrees_with_the_text() {
    let file = "examples/hypervisor_placement.berth";
    let report: Value = serde_json::from_str(&stdout(&["escape", "--format", "json", file])).expect("valid JSON");
    assert_eq!(report["file"], file);
    let sites = report["sites"].as_array().expect("a sites array");
    let text = stdout(&["escape", file]);
    assert_eq!(sites.len(), text.lines().count(), "one JSON site per text line");
    for (site, line) in sites.iter().zip(text.lines()) {
        let keys: Vec<&str> = site.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["line", "column", "kind", "decision", "storage", "function", "reason", "chain", "inlined_into"]
        );
        let (l, c) = (site["line"].as_u64().expect("a line"), site["column"].as_u64().expect("a column"));
        let kind = site["kind"].as_str().expect("a kind");
        let decision = site["decision"].as_str().expect("a decision");
        let reason = site["reason"].as_str().expect("a reason");
        let calls: Vec<String> = site["inlined_into"]
            .as_array()
            .expect("an inlined_into array")
            .iter()
            .map(|call| {
                format!("`{}` at {}:{}", call["function"].as_str().expect("a function"), call["line"], call["column"])
            })
            .collect();
        let inlined =
            if calls.is_empty() { String::new() } else { format!("inlined into {}: ", calls.join(", then ")) };
        assert_eq!(line, format!("{file}:{l}:{c}: {kind} {decision}: {inlined}{reason}"));
        assert!(["struct", "array", "string"].contains(&kind));
        assert!(["heap", "stack", "scalar", "partial"].contains(&decision));
        let storage = site["storage"].as_str().expect("a storage");
        assert!(["heap", "stack", "arena", "none"].contains(&storage));
        assert_eq!(decision == "heap", storage == "heap", "{line}: decision and storage disagree");
        // A partial site is materialised on the heap on some paths only;
        // its storage is where it lives on the others (`none`: nowhere).
        if decision == "scalar" {
            assert_eq!(storage, "none", "{line}: decision and storage disagree");
        }
        if storage == "none" {
            assert!(["scalar", "partial"].contains(&decision), "{line}: decision and storage disagree");
        }
        assert!(!site["function"].as_str().expect("a function").is_empty());
        let chain = site["chain"].as_array().expect("a chain");
        assert!(!chain.is_empty(), "{line}: empty chain");
        for step in chain {
            assert!(step["line"].as_u64().is_some_and(|n| n >= 1) && step["column"].as_u64().is_some_and(|n| n >= 1));
            assert!(step["text"].as_str().is_some_and(|t| !t.is_empty()));
        }
    }
    assert!(sites.iter().any(|s| !s["inlined_into"].as_array().expect("an array").is_empty()), "no inlined copies");
}

#[test]
fn json_snapshot() {
    let json = stdout(&["escape", "--format", "json", "examples/dto_send_log.berth"]);
    snapshot_settings("escape-report").bind(|| insta::assert_snapshot!("dto_send_log_json", json));
}

#[test]
fn check_names_each_mismatch_and_fails() {
    let output = berth(&["escape", "--check", "tests/escape-report/wrong_annotations.berth"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    snapshot_settings("escape-report").bind(|| insta::assert_snapshot!("wrong_annotations_check", stderr));
}

#[test]
fn verbose_chains_end_on_objects_that_point_at_each_other() {
    let report = stdout(&["escape", "-v", "tests/escape-report/cycle.berth"]);
    snapshot_settings("escape-report").bind(|| insta::assert_snapshot!("cycle_verbose", report));
}

#[test]
fn no_escape_puts_every_site_on_the_heap() {
    let file = "examples/vector_math.berth";
    let on = stdout(&["escape", file]);
    let off = stdout(&["escape", "--no-escape", file]);
    assert!(on.lines().any(|l| l.contains(" stack: ")), "the example no longer has stack sites");
    assert_eq!(on.lines().count(), off.lines().count());
    for line in off.lines() {
        assert!(line.contains(" heap: ") && line.ends_with("the escape analysis is off (--no-escape)"), "{line}");
    }
    let ir = stdout(&["dump", file, "--stage", "escape", "--no-escape"]);
    assert!(ir.contains("alloc.heap") && !ir.contains("alloc.stack") && !ir.contains("alloc.arena"));
}
