//! The `relucheck` command line: parses the arguments and dispatches to the subcommand's
//! module in [`cli`], which calls the library.
//!
//! Exit codes: 0 success (or the property holds), 1 usage or input error, 2 a
//! counterexample was found.

// Functions fit on a screen: the threshold is in clippy.toml.
#![warn(clippy::too_many_lines)]

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

// An enumeration makes and frees small vectors by the ten thousand (about a hundred per
// region); mimalloc does each in a fraction of the system allocator's instructions (its
// version 2: it starts sooner than version 3, and every count measured was faster).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    cli.numbers.apply();
    let result = match cli.command {
        Command::Eval(args) => cli::eval::run(args),
        Command::Import(args) => cli::import::run(args),
        Command::Regions(args) => cli::regions::run(args),
        Command::Check(args) => cli::check::run(args),
        Command::Prove(args) => cli::prove::run(args),
        Command::Report(args) => cli::report::run(args),
        Command::Verify(args) => cli::verify::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // The chain of causes, each once: a cause already quoted by the message above
            // it is not repeated.
            let mut msg = e.to_string();
            for cause in e.chain().skip(1) {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    msg = format!("{msg}: {c}");
                }
            }
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}
