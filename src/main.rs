//! The `relucheck` command line: parses arguments and calls the library.
//!
//! Exit codes: 0 success (or the property holds), 1 usage or input error, 2 a
//! counterexample was found.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use relucheck::{Network, eval_report, parse_point, parse_points};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "relucheck",
    version,
    about = "What a small ReLU network really computes, exactly (rational arithmetic, no rounding).",
    after_help = "Example:\n  relucheck eval examples/forum-question.json --input \"1,2\" --trace\n\nExit codes: 0 success, 1 usage or input error, 2 counterexample found."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a network exactly at one or more inputs.
    #[command(
        after_help = "Examples:\n  relucheck eval examples/sign-flip.json --input \"1/2,-3\"\n  relucheck eval examples/forum-question.json --input \"1,2\" --trace\n  relucheck eval examples/xor.json --input @points.txt --format json\n\n@FILE holds one input per line (coordinates separated by commas; # starts a comment).\nNumbers are exact: 3, -0.125, 3/8, 1e-3."
    )]
    Eval {
        /// The network file (native JSON).
        net: PathBuf,
        /// The input: comma-separated exact numbers ("1/2,-3"), or @FILE with one input per line.
        #[arg(long, short, allow_hyphen_values = true)]
        input: String,
        /// Print every layer's output and activation pattern.
        #[arg(long)]
        trace: bool,
        /// Output format; json prints one object per input per line, numbers as exact strings.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Eval {
            net,
            input,
            trace,
            format,
        } => {
            let network = Network::load(&net)?;
            let points = match input.strip_prefix('@') {
                Some(file) => {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("cannot read the input file {file}"))?;
                    parse_points(&text, file)?
                }
                None => vec![parse_point(&input)?],
            };
            for x in &points {
                let t = network.trace(x)?;
                match format {
                    Format::Text => print!("{}", eval_report::eval_text(&network, &t, trace)),
                    Format::Json => println!("{}", eval_report::eval_json(&network, &t, trace)),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
