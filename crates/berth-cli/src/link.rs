//! `berth build`: links the program's object file with the runtime's static
//! library (embedded in this binary at build time) using the system's C
//! compiler driver, `cc`.

use std::path::{Path, PathBuf};
use std::process::Command;

static RUNTIME: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libberth_runtime.a"));
static NATIVE_LIBS: &str = include_str!(concat!(env!("OUT_DIR"), "/native_libs.txt"));

/// A directory removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes an executable at `output` from `object`; on failure, the message
/// to show.
pub fn link(object: &[u8], output: &Path) -> Result<(), String> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let scratch = Scratch(std::env::temp_dir().join(format!("berth-build-{}-{nanos}", std::process::id())));
    std::fs::create_dir_all(&scratch.0).map_err(|e| format!("cannot create a scratch directory: {e}"))?;
    let object_path = scratch.0.join("program.o");
    let runtime_path = scratch.0.join("libberth_runtime.a");
    std::fs::write(&object_path, object).map_err(|e| format!("cannot write the object file: {e}"))?;
    std::fs::write(&runtime_path, RUNTIME).map_err(|e| format!("cannot write the runtime library: {e}"))?;
    let linker = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let result = Command::new(&linker)
        .arg(&object_path)
        .arg(&runtime_path)
        .args(NATIVE_LIBS.split_whitespace())
        .arg("-o")
        .arg(output)
        .output()
        .map_err(|e| format!("cannot run the linker `{linker}`: {e}"))?;
    if !result.status.success() {
        return Err(format!("the linker `{linker}` failed:\n{}", String::from_utf8_lossy(&result.stderr)));
    }
    Ok(())
}
