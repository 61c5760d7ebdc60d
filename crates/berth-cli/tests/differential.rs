//! Differential testing (see `crates/berth-diff`): the programs `berth-gen`
//! makes from a fixed set of seeds (of a few sizes), and the minimised divergences kept in
//! `tests/regressions/`, must print the same and exit the same when run by
//! the reference interpreter, the JIT with and without the escape analysis
//! and the inliner, and under the escape oracle (which must also find
//! every decision sound).
//!
//! `cargo run --release -p berth-diff -- soak` runs seeds without end.

mod common;

use std::path::Path;

use berth_diff::Berth;
use common::{berth_files, catching, stem, workspace};
use libtest_mimic::{Arguments, Trial};

/// The seeds every test run checks: 0..SEEDS.
const SEEDS: u64 = 200;

/// The size of a seed's program: mostly the default, some larger.
fn size(seed: u64) -> u32 {
    [1, 1, 2, 4][seed as usize % 4]
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for path in berth_files("tests/regressions") {
        let name = format!("regressions::{}", stem(&path));
        trials.push(Trial::test(name, move || catching(move || agree(&workspace().join(&path)))));
    }
    for seed in 0..SEEDS {
        trials.push(Trial::test(format!("seeds::{seed}"), move || catching(move || generated(seed))));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn berth() -> Berth {
    Berth { exe: env!("CARGO_BIN_EXE_berth").into() }
}

fn agree(path: &Path) -> Result<(), String> {
    match berth().divergence(path) {
        None => Ok(()),
        Some(d) => Err(format!("{}: the modes disagree:\n{}", path.display(), d.description)),
    }
}

fn generated(seed: u64) -> Result<(), String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let size = size(seed);
    let path = dir.join(format!("seed_{seed}_size_{size}.berth"));
    let program = berth_gen::generate_with(seed, &berth_gen::Config { size });
    std::fs::write(&path, program).map_err(|e| e.to_string())?;
    if !berth().checks(&path) {
        return Err(format!("seed {seed}: the generated program does not type-check ({})", path.display()));
    }
    agree(&path).map_err(|e| {
        format!("{e}\nminimise and keep it with: cargo run --release -p berth-diff -- seeds {seed}..{}", seed + 1)
    })
}
