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
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
