//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(name = "berth", version, about = "The Berth compiler: escape analysis you can read")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a program for errors without running it.
    Check { file: PathBuf },
    /// Print the program at one stage of the pipeline.
    Dump {
        file: PathBuf,
        #[arg(long, value_enum)]
        stage: Stage,
        #[command(flatten)]
        passes: Passes,
    },
    /// Compile a program and run it.
    Run {
        file: PathBuf,
        /// Print allocation statistics to stderr.
        #[arg(long, conflicts_with_all = ["interp", "escape_oracle"])]
        stats: bool,
        /// Run the IR as lowered through the reference interpreter instead
        /// of compiling it (no optimisation, no escape analysis).
        #[arg(long, conflicts_with = "escape_oracle")]
        interp: bool,
        /// Interpret the compiled IR and check every allocation site's
        /// decision against what its objects did; exits 1 when a decision
        /// was unsound.
        #[arg(long)]
        escape_oracle: bool,
        #[command(flatten)]
        passes: Passes,
        /// Arguments for the program.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Compile a program to a standalone executable.
    Build {
        file: PathBuf,
        #[arg(short = 'o')]
        output: PathBuf,
        #[command(flatten)]
        passes: Passes,
    },
    /// Explain where each allocation site's objects live, and why.
    Escape {
        file: PathBuf,
        /// Print the full chain of steps behind each decision.
        #[arg(short, long)]
        verbose: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Verify the program's `//~` annotations.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        passes: Passes,
    },
}

/// The passes every command that compiles can turn off, to compare.
#[derive(Args, Clone, Copy, Debug)]
pub struct Passes {
    /// Turn the escape analysis off (everything on the heap).
    #[arg(long)]
    pub no_escape: bool,
    /// Turn the inliner off.
    #[arg(long)]
    pub no_inline: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The syntax tree.
    Ast,
    /// The SSA IR right after lowering.
    Ir,
    /// The IR after inlining, constant folding and dead-code removal.
    Opt,
    /// The IR with each allocation's storage decided.
    Escape,
    /// The Cranelift IR.
    Clif,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}
