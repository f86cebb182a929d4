//! `relucheck regions`: the linear regions, enumerated exactly, as text, Markdown or JSON.

use super::args::{BudgetArgs, DomainArgs};
use anyhow::Result;
use clap::ValueEnum;
use relucheck::present::printed::{OUTPUT_SHARE, for_printing};
use relucheck::present::regions_text;
use relucheck::{Enumerator, Network};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "Examples:\n  relucheck regions examples/tent-3.json --box 0:1\n  relucheck regions examples/xor.json --box -1:2 --format md\n  relucheck regions examples/sign-flip.json --count\n  relucheck regions examples/conv-relu.json --slice \"0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0;1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0;0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0\" --box -1:1\n  relucheck regions examples/xor.json --segment \"0,0;1,1\"\n\nDomains: the whole input space by default; --box -1:1 (every coordinate) or --box -1:1,0:2 (one per\ncoordinate); --slice \"ORIGIN;U;V\" for the plane ORIGIN + s·U + t·V (with --box bounding s and t);\n--segment \"FROM;TO\". Numbers are exact: 3, -0.125, 3/8, 1e-3.";

#[derive(Clone, Copy, ValueEnum)]
pub enum RegionsFormat {
    Text,
    Json,
    Md,
}

#[derive(clap::Args)]
pub struct RegionsArgs {
    /// The network file.
    net: PathBuf,
    #[command(flatten)]
    domain: DomainArgs,
    /// Print only the counts of regions and linear pieces.
    #[arg(long)]
    count: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: RegionsFormat,
    #[command(flatten)]
    budget: BudgetArgs,
}

pub fn run(args: RegionsArgs) -> Result<ExitCode> {
    let budget = args.budget.budget()?;
    let network = Network::load(&args.net)?;
    let dom = args.domain.domain(&network, false)?;
    let e = Enumerator::new(&network, dom);
    if args.count {
        let counts = args.budget.apply(e, budget).count()?;
        super::args::clear_progress();
        let out = match args.format {
            RegionsFormat::Json => json_text(&regions_text::counts_json(&network, &counts))?,
            _ => regions_text::counts_text(&network, &counts),
        };
        std::io::stdout().lock().write_all(out.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    // Printing every region takes time of its own: the enumeration leaves it a share.
    let regions = args.budget.apply(e, budget.leaving(OUTPUT_SHARE)).run()?;
    super::args::clear_progress();
    let printing = for_printing(&budget);
    let out = match args.format {
        RegionsFormat::Json => {
            regions_text::regions_json_text_within(&network, &regions, &printing).0
        }
        RegionsFormat::Text => regions_text::regions_text_within(&network, &regions, &printing).0,
        RegionsFormat::Md => {
            regions_text::regions_markdown_within(&network, &regions, usize::MAX, &printing).0
        }
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    // Freeing every exact number of a large enumeration takes longer than the exit that
    // frees them at once (0.5 s for 5,000 regions of a float32 net): leave it to the exit.
    std::mem::forget((regions, out));
    Ok(ExitCode::SUCCESS)
}

/// Pretty JSON and a final newline.
fn json_text(v: &serde_json::Value) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}
