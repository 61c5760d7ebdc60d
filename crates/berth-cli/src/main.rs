//! `berth`: the command-line driver.
//!
//! Parses arguments (clap), runs the chosen command on a thread with a large
//! stack (the compiler's passes recurse over expressions whose depth the
//! parser bounds), and turns the outcome into an exit status:
//! 0 success, 1 the program has errors, 2 bad usage or a command that is
//! not built yet.

mod cli;
mod commands;
mod link;
mod source;

use std::process::ExitCode;

use clap::Parser;

/// Enough for expressions nested to the parser's limit in every pass.
const COMPILER_STACK: usize = 256 << 20;

fn main() -> ExitCode {
    install_panic_hook();
    let args = cli::Cli::parse();
    let worker =
        std::thread::Builder::new().name("berth".into()).stack_size(COMPILER_STACK).spawn(move || commands::run(args));
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        // The panic hook has already said what went wrong.
        Ok(Err(_)) => ExitCode::from(101),
        Err(error) => {
            eprintln!("error: cannot start the compiler thread: {error}");
            ExitCode::from(101)
        }
    }
}

/// A bug in berth must not greet the user with a Rust backtrace: say it is
/// an internal error, where it happened, and how to report it.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        let location = info.location().map(|l| format!(" ({}:{})", l.file(), l.line())).unwrap_or_default();
        eprintln!("error: internal compiler error: {message}{location}");
        eprintln!("note: this is a bug in berth; please report it with the program that caused it");
    }));
}
