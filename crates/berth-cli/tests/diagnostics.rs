//! The broken-program corpus: every file in `tests/diagnostics/` must be
//! rejected by `berth check` with exit status 1, with diagnostics (never a
//! crash), and the diagnostics must match the file's snapshot in
//! `tests/snapshots/diagnostics/`. Generated inputs too large or too
//! regular to commit (a 10 MB program, pathological nesting) are built here.

mod common;

use std::path::Path;

use common::{assert_no_crash, berth, berth_files, berth_in, catching, snapshot_settings, stem};
use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = berth_files("tests/diagnostics")
        .into_iter()
        .map(|path| {
            let name = stem(&path);
            Trial::test(name.clone(), move || catching(move || corpus_file(&name, &path)))
        })
        .collect();
    for (name, program) in generated() {
        trials
            .push(Trial::test(format!("generated::{name}"), move || catching(move || generated_file(name, &program))));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn corpus_file(name: &str, path: &str) -> Result<(), String> {
    let output = berth(&["check", path]);
    expect_rejected(&output, path)?;
    snapshot_settings("diagnostics").bind(|| {
        insta::assert_snapshot!(name.to_string(), String::from_utf8_lossy(&output.stderr));
    });
    Ok(())
}

fn expect_rejected(output: &std::process::Output, what: &str) -> Result<(), String> {
    assert_no_crash(output, what)?;
    if output.status.code() != Some(1) {
        return Err(format!("{what}: expected exit status 1, got {:?}", output.status.code()));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.contains("error: ") || !stderr.contains(" --> ") {
        return Err(format!("{what}: expected a located error message, got:\n{stderr}"));
    }
    Ok(())
}

/// Writes `program` to a scratch directory and checks it there, so the
/// snapshot shows the bare file name.
fn generated_file(name: &str, program: &str) -> Result<(), String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("generated-diagnostics");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = format!("{name}.berth");
    std::fs::write(dir.join(&file), program).map_err(|e| e.to_string())?;
    let output = berth_in(&dir, &["check", &file]);
    expect_rejected(&output, name)?;
    snapshot_settings("diagnostics").bind(|| {
        insta::assert_snapshot!(format!("generated_{name}"), String::from_utf8_lossy(&output.stderr));
    });
    Ok(())
}

/// Inputs built by code: each ends in exactly one error.
fn generated() -> Vec<(&'static str, String)> {
    // About 10 MB of valid functions, then a type error on the last line:
    // the error must be found, at the right line, without a crash.
    let mut large = String::with_capacity(10 << 20);
    let mut i = 0;
    while large.len() < 10 << 20 {
        large.push_str(&format!(
            "fn f{i}(a: int, b: int) -> int {{\n    let c = a * {i} + b;\n    if c > 100 {{ return c - 1; }}\n    return c;\n}}\n"
        ));
        i += 1;
    }
    large.push_str("fn main() {\n    let x: int = \"not an int\";\n}\n");

    // Unary operators and binary chains nest without brackets: past the
    // parser's depth limit they are refused, not overflowed.
    let unary = format!("fn main() {{\n    let x = {}1;\n}}\n", "-".repeat(100_000));
    let chain = format!("fn main() {{\n    let x = 1{};\n}}\n", " + 1".repeat(100_000));
    let brackets = format!("fn main() {{\n    let x = {}1{};\n}}\n", "[".repeat(100_000), "]".repeat(100_000));
    vec![("ten_megabytes", large), ("deep_unary", unary), ("long_chain", chain), ("deep_brackets", brackets)]
}
