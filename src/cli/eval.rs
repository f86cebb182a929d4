//! `relucheck eval`: exact evaluation at one or more inputs, with the trace on request.

use super::args::Format;
use anyhow::Result;
use relucheck::present::eval_text;
use relucheck::{Network, parse_point, parse_points};
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "Examples:\n  relucheck eval examples/sign-flip.json --input \"1/2,-3\"\n  relucheck eval examples/forum-question.json --input \"1,2\" --trace\n  relucheck eval examples/xor.json --input @points.txt --format json\n\n@FILE holds one input per line (coordinates separated by commas; # starts a comment).\nNumbers are exact: 3, -0.125, 3/8, 1e-3.";

#[derive(clap::Args)]
pub struct EvalArgs {
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
    /// Significant bits of the certified enclosures printed for networks with ELU/SELU.
    #[arg(long, value_name = "BITS", default_value_t = relucheck::DEFAULT_PRECISION)]
    precision: u32,
}

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    let network = Network::load(&args.net)?;
    let points = match args.input.strip_prefix('@') {
        Some(file) => {
            let text = relucheck::output::read_text_capped(
                std::path::Path::new(file),
                relucheck::output::MAX_POINTS_BYTES,
                "file of input points",
            )?;
            parse_points(&text, file)?
        }
        None => vec![parse_point(&args.input)?],
    };
    if matches!(args.format, Format::Text) {
        for n in &network.shown_notes() {
            eprintln!("note: {n}");
        }
    }
    if network.is_curved() {
        return enclosures(&network, &points, &args);
    }
    for x in &points {
        let t = network.trace(x)?;
        match args.format {
            Format::Text => print!("{}", eval_text::eval_text(&network, &t, args.trace)),
            Format::Json => println!("{}", eval_text::eval_json(&network, &t, args.trace)),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A network with ELU/SELU units: certified enclosures of its values.
fn enclosures(
    network: &Network,
    points: &[Vec<relucheck::Q>],
    args: &EvalArgs,
) -> Result<ExitCode> {
    let precision = args.precision;
    relucheck::exact::interval::check_precision(precision)?;
    for x in points {
        let layers = network.trace_enclosure(x, precision)?;
        match args.format {
            Format::Text => print!(
                "{}",
                eval_text::enclosure_text(network, x, &layers, precision, args.trace)
            ),
            Format::Json => println!(
                "{}",
                eval_text::enclosure_json(network, x, &layers, precision, args.trace)
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}
