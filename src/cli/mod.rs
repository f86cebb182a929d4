//! The command line, one module per subcommand: each parses its own arguments (clap), calls
//! the library and prints. `main.rs` parses the command line and dispatches here.
//!
//! The top layer: it may use the whole library (as `relucheck::...`); nothing in the
//! library uses it. Errors are `anyhow` here and the library's typed errors below.

pub mod args;
pub mod check;
pub mod eval;
pub mod import;
pub mod prove;
pub mod regions;
pub mod report;
pub mod verify;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "relucheck",
    version,
    about = "What a small ReLU network really computes, exactly (rational arithmetic, no rounding).",
    after_help = "Example:\n  relucheck eval examples/forum-question.json --input \"1,2\" --trace\n\nExit codes: 0 success, 1 usage or input error, 2 counterexample found."
)]
pub struct Cli {
    /// How numbers are shown: `exact` only, `both` (a short decimal such as `≈ 0.10155` beside
    /// every long exact number; the default), or `decimal` (rounded decimals only, marked `≈`).
    /// Decisions are exact whatever is chosen, and JSON always holds the exact numbers.
    #[arg(long, global = true, value_enum, default_value_t = Numbers::Both)]
    pub numbers: Numbers,
    #[command(subcommand)]
    pub command: Command,
}

/// The values of `--numbers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Numbers {
    /// Exact numbers only.
    Exact,
    /// Exact numbers, with a short decimal beside each long one.
    Both,
    /// Rounded decimals only, each marked `≈`.
    Decimal,
}

impl Numbers {
    /// Sets the library's number style for this process.
    pub fn apply(self) {
        use relucheck::exact::decimal::{Style, set_style};
        set_style(match self {
            Numbers::Exact => Style::Exact,
            Numbers::Both => Style::Both,
            Numbers::Decimal => Style::Decimal,
        });
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Evaluate a network exactly at one or more inputs.
    #[command(after_help = eval::HELP)]
    Eval(eval::EvalArgs),
    /// Convert an ONNX or NNet model to the native JSON format, exactly.
    #[command(after_help = import::HELP)]
    Import(import::ImportArgs),
    /// Enumerate the linear regions exactly: pattern, inequalities, interior point, affine map.
    #[command(after_help = regions::HELP)]
    Regions(regions::RegionsArgs),
    /// Decide a property exactly (additivity, homogeneity, oddness, affinity, linearity).
    #[command(after_help = check::HELP)]
    Check(check::CheckArgs),
    /// Check every claim of a teaching proof (console blocks with `$ relucheck ...`).
    #[command(after_help = prove::HELP)]
    Prove(prove::ProveArgs),
    /// Write a region report: report.md, report.json and SVG pictures.
    #[command(after_help = report::HELP)]
    Report(report::ReportArgs),
    /// Re-check a certificate against a network with exact arithmetic only (no enumeration).
    #[command(after_help = verify::HELP)]
    Verify(verify::VerifyArgs),
}
