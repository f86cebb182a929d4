//! `relucheck report`: report.md, report.json and SVG pictures written into a directory.

use super::args::{BudgetArgs, DomainArgs};
use anyhow::Result;
use relucheck::Network;
use relucheck::present::report;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "Examples:\n  relucheck report examples/forum-question.json\n  relucheck report examples/tent-3.json --box 0:1 --out tent-report\n  relucheck report examples/xor.json --box -1:2\n  relucheck report examples/conv-relu.json --slice \"0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0;1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0;0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0\" --box -1:1\n\nThe report shows the network, the counts of regions and pieces beside known upper bounds,\nevery property verdict with exact counterexamples, dead and always-active units, a table\nof regions, an answer to \"is this network linear?\" and pictures (1-D: the graph of f;\n2-D: the regions and the output). Every number in report.md and report.json is exact.\nWith a budget (--max-regions, --time-limit) that stops the enumeration of the domain, the report
is marked incomplete. The extra checks beyond the domain (the verdicts on the whole input space,
and the learner's question on the orthant) first try what is quick (a failure on the domain
carried over, simple points) and enumerate only for what is left, each for at most
--aux-time-limit seconds (10 by default); a verdict they leave open is marked unknown, with why.";

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The network file.
    net: PathBuf,
    #[command(flatten)]
    domain: DomainArgs,
    /// The non-negative orthant x >= 0.
    #[arg(long)]
    orthant: bool,
    /// The directory to write into (created if needed).
    #[arg(long, value_name = "DIR", default_value = "relucheck-report")]
    out: PathBuf,
    /// Draw only output K (1 = the first); by default every output (up to 8).
    #[arg(long, value_name = "K")]
    output: Option<usize>,
    /// Seconds each extra enumeration beyond the domain may take (the whole input space
    /// and the orthant, for the learner's question), never past --time-limit; one cut
    /// short leaves its verdicts unknown, named in the report, not the report incomplete.
    #[arg(long, value_name = "SECS", default_value_t = report::AUX_TIME_LIMIT.as_secs_f64())]
    aux_time_limit: f64,
    #[command(flatten)]
    budget: BudgetArgs,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let budget = args.budget.budget()?;
    relucheck::output::refuse_overwriting_inputs(&args.out, &[&args.net])?;
    let network = Network::load(&args.net)?;
    let dom = args.domain.domain(&network, args.orthant)?;
    let output = match args.output {
        Some(0) => anyhow::bail!("--output counts from 1 (the first output)"),
        o => o.map(|k| k - 1),
    };
    let opts = report::ReportOptions {
        budget,
        output,
        threads: args.budget.threads.map(usize::from),
        aux_time_limit: std::time::Duration::try_from_secs_f64(args.aux_time_limit).map_err(
            |_| {
                anyhow::anyhow!(
                    "--aux-time-limit {}: give a non-negative number of seconds",
                    args.aux_time_limit
                )
            },
        )?,
        progress: std::io::stderr()
            .is_terminal()
            .then_some(super::args::show_progress as fn(_)),
        ..Default::default()
    };
    // Refused here too, to name the network's own path in the suggested command.
    let shown = relucheck::output::escape_control(&args.net.display().to_string());
    if let Some(why) = report::refusal(&network, &dom, &opts, &shown) {
        anyhow::bail!(why);
    }
    let r = report::build(&network, dom, &opts);
    super::args::clear_progress();
    let r = r?;
    let files = r.write(&args.out)?;
    let names: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    println!(
        "report written to {}: {}",
        args.out.display(),
        names.join(", ")
    );
    if !r.printed.is_complete() {
        println!(
            "report.json lists {} of the {} regions found: the time limit ran out while it was written",
            r.printed.printed, r.printed.found
        );
    }
    if !r.complete {
        println!(
            "the report is INCOMPLETE: a budget ran out (raise --max-regions or --time-limit)"
        );
    }
    // Freeing every exact number of a large enumeration takes longer than the exit that
    // frees them at once: leave it to the exit.
    std::mem::forget(r);
    Ok(ExitCode::SUCCESS)
}
