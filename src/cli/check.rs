//! `relucheck check`: a property decided exactly, optionally searched for with proptest,
//! with a certificate of it when it holds.

use super::args::{BudgetArgs, DomainArgs, Format};
use anyhow::Result;
use relucheck::analysis::certificate::Certificate;
use relucheck::output::{escape_control, refuse_overwriting_inputs, write_output};
use relucheck::{Checker, Domain, Network, Outcome, Property, Regions, Verdict, check_json};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const HELP: &str = "Examples:
  relucheck check examples/xor.json --property additivity
  relucheck check examples/forum-question.json --property affine --orthant
  relucheck check examples/sign-flip.json --property all --orthant
  relucheck check examples/leaky.json --property additivity --search --cases 500 --seed 7
  relucheck check examples/leaky.json --property positive-homogeneity --certificate cert.json

Properties: additivity, positive-homogeneity, homogeneity, odd, affine, linear, all.
additivity and positive-homogeneity are decided on R^d or the orthant (--orthant);
homogeneity and odd on R^d; affine and linear on any domain (--box, --slice, --segment,
--orthant). Without --property, every property defined on the domain is decided.

The decision is exact. Simple points are tried first (0, the unit vectors, their pairs),
each candidate re-checked by exact evaluation, so f(0) != 0 refutes linearity at once;
only what they leave open is decided from the linear regions. --search adds a proptest
search, which can only find counterexamples and must agree with the exact decision.
On a terminal a progress line shows what is being tried and the regions found so far.

Exit codes: 0 holds, 2 fails (counterexample found), 1 usage or input error (or unknown:
a budget ran out before the answer was established).";

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The network file.
    net: PathBuf,
    /// The property: additivity, positive-homogeneity, homogeneity, odd, affine, linear, all
    /// (every one defined on the domain).
    #[arg(long, short, default_value = "all")]
    property: String,
    #[command(flatten)]
    domain: DomainArgs,
    /// The non-negative orthant x >= 0 (the learner's case).
    #[arg(long)]
    orthant: bool,
    /// Also search for a counterexample with proptest.
    #[arg(long)]
    search: bool,
    /// Cases for --search.
    #[arg(long, default_value_t = 1000)]
    cases: u32,
    /// Seed for --search (the run is reproducible with the same seed).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Significant bits of the enclosures used for networks with ELU/SELU.
    #[arg(long, value_name = "BITS", default_value_t = relucheck::DEFAULT_PRECISION)]
    precision: u32,
    /// When the property holds, write a certificate (JSON) that `relucheck verify` re-checks.
    #[arg(long, value_name = "FILE")]
    certificate: Option<PathBuf>,
    #[command(flatten)]
    budget: BudgetArgs,
}

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let budget = args.budget.budget()?;
    let network = Network::load(&args.net)?;
    relucheck::exact::interval::check_precision(args.precision)?;
    let dom = args.domain.domain(&network, args.orthant)?;
    if let Some(path) = &args.certificate {
        if args.property == "all" {
            anyhow::bail!("--certificate needs one property, not all");
        }
        refuse_overwriting_inputs(path, &[&args.net])?;
    }
    let mut checker = args
        .budget
        .checker(Checker::new(&network, dom.clone()), budget)
        .with_precision(args.precision);
    let terminal = std::io::stderr().is_terminal();
    if terminal {
        checker = checker.with_progress(|what| eprint!("\r\x1b[2K{what}"));
    }
    let decided = decide(&checker, &args);
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let (verdicts, regions) = decided?;
    recheck(&verdicts, &network, &dom)?;
    print(&verdicts, &network, &dom, args.format)?;
    if let Some(path) = &args.certificate {
        let cert = (&verdicts[0], regions.as_ref());
        write_certificate(path, cert, &checker, (&network, &args.net), &dom)?;
    }
    Ok(exit_code(&verdicts))
}

/// The exact verdicts, then (with `--search`) the search's, which must not contradict them;
/// with `--certificate`, also the regions of the one property's decision (kept for the
/// certificate, so that it does not enumerate them again).
fn decide(checker: &Checker, args: &CheckArgs) -> Result<(Vec<Verdict>, Option<Regions>)> {
    let mut regions = None;
    let mut verdicts = if args.property == "all" {
        checker.check_all()?
    } else {
        let p = Property::parse(&args.property)?;
        if args.certificate.is_some() && !checker.network().is_curved() {
            // What `check` does, keeping the regions.
            p.check_domain(checker.domain())?;
            match checker.quick_verdict(p) {
                Some(v) => vec![v?],
                None => {
                    let r = checker.regions()?;
                    let v = checker.check_with(p, &r)?;
                    regions = Some(r);
                    vec![v]
                }
            }
        } else {
            vec![checker.check(p)?]
        }
    };
    if args.search {
        let mut found = Vec::new();
        for v in &verdicts {
            let s = checker.search(v.property, args.cases, args.seed)?;
            if s.holds() == Some(false) && v.holds() == Some(true) {
                anyhow::bail!(
                    "internal error: the search contradicts the exact decision for {} ({}); please report this network",
                    v.property,
                    s.counterexample().map(|c| c.describe()).unwrap_or_default()
                );
            }
            found.push(s);
        }
        verdicts.extend(found);
    }
    Ok((verdicts, regions))
}

/// Every counterexample re-checked before it is printed.
fn recheck(verdicts: &[Verdict], network: &Network, dom: &Domain) -> Result<()> {
    for v in verdicts {
        if let Some(c) = v.counterexample()
            && !c.recheck(network, dom)
        {
            anyhow::bail!("internal error: a counterexample failed its exact re-check");
        }
        if let Some(c) = v.certified()
            && !c.recheck(network, dom)
        {
            anyhow::bail!("internal error: a certified counterexample failed its re-check");
        }
    }
    Ok(())
}

fn print(verdicts: &[Verdict], network: &Network, dom: &Domain, format: Format) -> Result<()> {
    match format {
        Format::Text => {
            for n in &network.shown_notes() {
                println!("note: {n}");
            }
            println!("network: {}", network.shown_name("unnamed"));
            println!("domain: {}", dom.describe());
            for v in verdicts {
                println!("{}", v.describe_in(dom));
            }
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&check_json(network, dom, verdicts))?
        ),
    }
    Ok(())
}

/// `--certificate`: written when the property holds.
fn write_certificate(
    path: &Path,
    (verdict, regions): (&Verdict, Option<&Regions>),
    checker: &Checker,
    (network, net_path): (&Network, &Path),
    dom: &Domain,
) -> Result<()> {
    match verdict.outcome {
        Outcome::Holds => {
            let found;
            let regions = match regions {
                Some(r) => r,
                None => {
                    found = checker.regions()?;
                    &found
                }
            };
            let (p, budget) = (verdict.property, checker.budget());
            let cert = Certificate::build_within(network, p, dom, regions, budget)?;
            let mut text = serde_json::to_string_pretty(&cert.to_json())?;
            text.push('\n');
            let shown = escape_control(&path.display().to_string());
            if write_output(path, text.as_bytes(), &[net_path])? {
                eprintln!("replaced the existing file {shown}");
            }
            eprintln!("certificate written to {shown}");
        }
        _ => eprintln!("no certificate written: the property does not hold (or is unknown)"),
    }
    Ok(())
}

/// 2 when a property fails, 1 when an exact decision is unknown, else 0.
fn exit_code(verdicts: &[Verdict]) -> ExitCode {
    let fails = verdicts
        .iter()
        .any(|v| matches!(v.outcome, Outcome::Fails(_) | Outcome::Certified(_)));
    let unknown = verdicts.iter().any(|v| {
        matches!(v.outcome, Outcome::Unknown(_))
            && !matches!(v.method, relucheck::Method::Search { .. })
    });
    ExitCode::from(if fails {
        2
    } else if unknown {
        1
    } else {
        0
    })
}
