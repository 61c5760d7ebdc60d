//! `berth-gen SEED [--size N]`: print the generated program to stdout.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut seed = None;
    let mut cfg = berth_gen::Config::default();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--size" => {
                let Some(n) = args.get(i + 1).and_then(|s| s.parse().ok()) else {
                    return usage();
                };
                cfg.size = n;
                i += 1;
            }
            "-h" | "--help" => {
                println!("usage: berth-gen SEED [--size N]");
                return ExitCode::SUCCESS;
            }
            s => match s.parse::<u64>() {
                Ok(n) if seed.is_none() => seed = Some(n),
                _ => return usage(),
            },
        }
        i += 1;
    }
    let Some(seed) = seed else { return usage() };
    print!("{}", berth_gen::generate_with(seed, &cfg));
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: berth-gen SEED [--size N]");
    ExitCode::from(2)
}
