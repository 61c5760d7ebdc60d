//! Builds the runtime as a static library for `berth build` to link into
//! standalone executables, and embeds it in the `berth` binary, so `berth
//! build` works wherever `berth` is installed.
//!
//! The runtime is built by a nested `cargo rustc` (release profile, its own
//! target directory under OUT_DIR), which also reports the native libraries
//! the static library needs at link time.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir.join("../..");
    for crate_dir in ["berth-runtime", "berth-alloc", "berth-abi"] {
        println!("cargo:rerun-if-changed={}", workspace.join("crates").join(crate_dir).display());
    }
    println!("cargo:rerun-if-changed={}", workspace.join("Cargo.lock").display());

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let target_dir = out.join("runtime-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&workspace)
        .args([
            "rustc",
            "--release",
            "--offline",
            "--locked",
            "-p",
            "berth-runtime",
            "--lib",
            "--crate-type",
            "staticlib",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .args(["--", "--print", "native-static-libs"])
        // The outer build's settings for this build script must not leak in.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        panic!("building the runtime's static library failed:\n{stderr}");
    }
    let native = stderr
        .lines()
        .find_map(|l| l.split("native-static-libs:").nth(1))
        .map(|libs| libs.trim().to_string())
        .unwrap_or_else(|| "-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc".into());
    let lib = target_dir.join("release").join("libberth_runtime.a");
    std::fs::copy(&lib, out.join("libberth_runtime.a")).expect("the static library was built");
    std::fs::write(out.join("native_libs.txt"), native).expect("OUT_DIR is writable");
}
