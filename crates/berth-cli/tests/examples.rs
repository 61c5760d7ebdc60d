//! Every program in `examples/` type-checks, and its IR matches the
//! snapshot in `tests/snapshots/ir/`.

mod common;

use common::{assert_no_crash, berth, berth_files, catching, snapshot_settings, stem};
use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let trials = berth_files("examples")
        .into_iter()
        .map(|path| {
            let name = stem(&path);
            Trial::test(name.clone(), move || catching(move || example(&name, &path)))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn example(name: &str, path: &str) -> Result<(), String> {
    let check = berth(&["check", path]);
    assert_no_crash(&check, path)?;
    if !check.status.success() {
        return Err(format!("{path} does not check:\n{}", String::from_utf8_lossy(&check.stderr)));
    }
    let ir = berth(&["dump", path, "--stage", "ir"]);
    assert_no_crash(&ir, path)?;
    if !ir.status.success() {
        return Err(format!("{path}: dump --stage ir failed:\n{}", String::from_utf8_lossy(&ir.stderr)));
    }
    snapshot_settings("ir").bind(|| {
        insta::assert_snapshot!(name.to_string(), String::from_utf8_lossy(&ir.stdout));
    });
    Ok(())
}
