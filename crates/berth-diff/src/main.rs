//! `berth-diff`: differential testing from the command line.
//!
//! ```text
//! berth-diff seeds 0..500            # generate, run every way, minimise and save divergences
//! berth-diff soak --from 10000       # the same, without end (Ctrl-C to stop)
//! berth-diff file PROGRAM.berth      # run one program every way
//! berth-diff minimize PROGRAM.berth  # shrink a diverging program, print it
//! ```
//!
//! It runs the `berth` binary next to itself (`cargo build --release -p
//! berth-cli -p berth-diff`), or the one `BERTH` names. Exit status 1 when
//! something diverged.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use berth_diff::{Berth, Divergence, minimize};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "berth-diff", about = "Differential testing of Berth on generated programs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the programs of seeds START..END.
    Seeds {
        /// `START..END` (END exclusive).
        range: String,
        #[command(flatten)]
        options: Options,
    },
    /// Run seeds from `--from` on, without end.
    Soak {
        #[arg(long, default_value_t = 0)]
        from: u64,
        #[command(flatten)]
        options: Options,
    },
    /// Run one program every way and say whether it diverges.
    File { file: PathBuf },
    /// Shrink a diverging program while it diverges the same way.
    Minimize { file: PathBuf },
}

#[derive(clap::Args, Clone)]
struct Options {
    /// Where minimised divergences are saved.
    #[arg(long, default_value = "tests/regressions")]
    save: PathBuf,
    /// Programs run at once.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Only report divergences: do not minimise or save them.
    #[arg(long)]
    no_minimize: bool,
    /// The size of the generated programs (`berth-gen --size`).
    #[arg(long, default_value_t = berth_gen::Config::default().size)]
    size: u32,
}

/// The stack of each worker thread.
const WORKER_STACK: usize = 64 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let berth = match Berth::beside_current_exe() {
        Ok(berth) => berth,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let diverged = match cli.command {
        Command::Seeds { range, options } => match parse_range(&range) {
            Some((start, end)) => run_seeds(&berth, start, Some(end), &options),
            None => {
                eprintln!("error: expected START..END, found `{range}`");
                return ExitCode::from(2);
            }
        },
        Command::Soak { from, options } => run_seeds(&berth, from, None, &options),
        Command::File { file } => match berth.divergence(&file) {
            Some(d) => {
                print!("{}", d.description);
                true
            }
            None => {
                println!("{}: every mode agrees", file.display());
                false
            }
        },
        Command::Minimize { file } => {
            let source = match std::fs::read_to_string(&file) {
                Ok(source) => source,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            match berth.divergence(&file) {
                Some(d) => {
                    print!("{}", shrink(&berth, &source, &d, &scratch_file("minimize")));
                    true
                }
                None => {
                    eprintln!("{}: every mode agrees; nothing to minimise", file.display());
                    false
                }
            }
        }
    };
    if diverged { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn parse_range(range: &str) -> Option<(u64, u64)> {
    let (start, end) = range.split_once("..")?;
    Some((start.parse().ok()?, end.parse().ok()?))
}

/// A file in the temporary directory for one worker's programs.
fn scratch_file(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("berth-diff-{}-{tag}.berth", std::process::id()))
}

/// Runs seeds on `jobs` threads; returns whether any diverged.
fn run_seeds(berth: &Berth, start: u64, end: Option<u64>, options: &Options) -> bool {
    let next = AtomicU64::new(start);
    let done = AtomicU64::new(0);
    let found = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for job in 0..options.jobs.max(1) {
            let (next, done, found) = (&next, &done, &found);
            // The generator recurses over expressions: be generous.
            let worker = std::thread::Builder::new().stack_size(WORKER_STACK);
            let spawned = worker.spawn_scoped(scope, move || {
                let file = scratch_file(&job.to_string());
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if end.is_some_and(|end| seed >= end) {
                        break;
                    }
                    if let Some(saved) = check_seed(berth, seed, &file, options) {
                        found.lock().unwrap_or_else(|e| e.into_inner()).push(saved);
                    }
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if n % 100 == 0 {
                        eprintln!("{n} programs, {} diverged", found.lock().unwrap_or_else(|e| e.into_inner()).len());
                    }
                }
                let _ = std::fs::remove_file(&file);
            });
            if let Err(e) = spawned {
                eprintln!("error: cannot start a worker thread: {e}");
            }
        }
    });
    let found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    eprintln!("{} programs, {} diverged", done.into_inner(), found.len());
    for path in &found {
        eprintln!("diverged: {}", path.display());
    }
    !found.is_empty()
}

/// Generates and runs one seed's program; a divergence is minimised and
/// saved (unless `--no-minimize`), and the path of what describes it
/// returned.
fn check_seed(berth: &Berth, seed: u64, file: &Path, options: &Options) -> Option<PathBuf> {
    let source = berth_gen::generate_with(seed, &berth_gen::Config { size: options.size });
    std::fs::write(file, &source).ok()?;
    let divergence = berth.divergence(file)?;
    eprintln!("seed {seed} diverges:\n{}", divergence.description);
    if options.no_minimize {
        return Some(PathBuf::from(format!("seed {seed} (not minimised)")));
    }
    let save = &options.save;
    let small = shrink(berth, &source, &divergence, file);
    std::fs::write(file, &small).ok()?;
    let description = berth.divergence(file).unwrap_or(divergence).description;
    let header: String = std::iter::once(format!(
        "// regression: seed {seed} (size {}) of berth-gen, minimised by berth-diff",
        options.size
    ))
    .chain(description.lines().map(|l| format!("// {l}")))
    .map(|l| l + "\n")
    .collect();
    let _ = std::fs::create_dir_all(save);
    let path = save.join(format!("seed_{seed}_size_{}.berth", options.size));
    std::fs::write(&path, header + &small).ok()?;
    Some(path)
}

/// Minimises `source` while it type-checks and the same modes diverge.
fn shrink(berth: &Berth, source: &str, divergence: &Divergence, file: &Path) -> String {
    minimize(source, |candidate| {
        std::fs::write(file, candidate).is_ok()
            && berth.checks(file)
            && berth.divergence(file).is_some_and(|d| d.modes == divergence.modes)
    })
}
