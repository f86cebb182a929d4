//! The `relucheck` command line: parses arguments and calls the library.
//!
//! Exit codes: 0 success (or the property holds), 1 usage or input error, 2 a
//! counterexample was found.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use relucheck::analysis::certificate::{self, Certificate};
use relucheck::analysis::proofs;
use relucheck::output::write_atomic;
use relucheck::present::{eval_text, regions_text, report};
use relucheck::{
    Checker, Domain, Enumerator, Network, Outcome, Property, check_json, parse_point, parse_points,
};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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

#[derive(Clone, Copy, ValueEnum)]
enum RegionsFormat {
    Text,
    Json,
    Md,
}

/// Where to look: the whole input space (default), a box, a 2-D slice or a segment.
#[derive(clap::Args)]
struct DomainArgs {
    /// A box: LO:HI for every coordinate, or LO:HI,LO:HI,... one per coordinate. With
    /// --slice it bounds the slice coordinates (s, t).
    #[arg(
        long = "box",
        value_name = "LO:HI[,LO:HI...]",
        allow_hyphen_values = true
    )]
    box_spec: Option<String>,
    /// A 2-D slice x = ORIGIN + s·U + t·V, written "ORIGIN;U;V" (each comma-separated).
    #[arg(long, value_name = "ORIGIN;U;V", allow_hyphen_values = true)]
    slice: Option<String>,
    /// The segment from FROM to TO, written "FROM;TO" (each comma-separated).
    #[arg(long, value_name = "FROM;TO", allow_hyphen_values = true)]
    segment: Option<String>,
}

impl DomainArgs {
    fn domain(&self, net: &Network, orthant: bool) -> Result<Domain> {
        Ok(Domain::from_options(
            net.input_dim(),
            self.box_spec.as_deref(),
            self.slice.as_deref(),
            self.segment.as_deref(),
            orthant,
        )?)
    }
}

/// The default region budget of the CLI (`--max-regions`).
const DEFAULT_MAX_REGIONS: usize = 100_000;

/// Budgets for long computations.
#[derive(clap::Args)]
struct BudgetArgs {
    /// Stop after this many regions (the result is then marked incomplete). The default
    /// bounds memory (measured: 32,768 regions of a 30-unit net took 183 MB); raise it for
    /// larger enumerations.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_REGIONS)]
    max_regions: usize,
    /// Stop after this many seconds (the result is then marked incomplete).
    #[arg(long, value_name = "SECS")]
    time_limit: Option<f64>,
    /// Threads for region enumeration (default: every core, at most 8). The result does
    /// not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
}

impl BudgetArgs {
    /// `--time-limit` as a duration; a clear error for negative or absurd values.
    fn time_limit(&self) -> Result<Option<Duration>> {
        self.time_limit
            .map(|t| {
                Duration::try_from_secs_f64(t).map_err(|_| {
                    anyhow::anyhow!("--time-limit {t}: give a non-negative number of seconds")
                })
            })
            .transpose()
    }

    fn checker<'a>(&self, mut c: Checker<'a>) -> Result<Checker<'a>> {
        c = c.with_max_regions(self.max_regions);
        if let Some(d) = self.time_limit()? {
            c = c.with_time_limit(d);
        }
        if let Some(t) = self.threads {
            c = c.with_threads(t.into());
        }
        Ok(c)
    }

    fn apply<'a>(&self, mut e: Enumerator<'a>) -> Result<Enumerator<'a>> {
        e = e.with_max_regions(self.max_regions);
        if let Some(d) = self.time_limit()? {
            e = e.with_time_limit(d);
        }
        if let Some(t) = self.threads {
            e = e.with_threads(t.into());
        }
        if std::io::stderr().is_terminal() {
            e = e.with_progress(|p| {
                eprint!(
                    "\r{} {} regions, {} LPs   ",
                    if p.details { "facets:" } else { "regions:" },
                    p.regions,
                    p.lps
                )
            });
        }
        Ok(e)
    }
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
        /// Significant bits of the certified enclosures printed for networks with ELU/SELU.
        #[arg(long, value_name = "BITS", default_value_t = relucheck::DEFAULT_PRECISION)]
        precision: u32,
    },
    /// Convert an ONNX or NNet model to the native JSON format, exactly.
    #[command(
        after_help = "Examples:\n  relucheck import model.onnx -o net.json\n  relucheck import ACASXU_1_1.nnet -o acas.json\n  relucheck import ACASXU_1_1.nnet --no-normalize\n\nEvery float weight becomes the exact rational it denotes; NNet decimals are read exactly.\nA BatchNormalization factor 1/sqrt(var + eps) is taken as the float32 value runtimes compute\n(the output's \"notes\" say so). NNet files: the input normalisation (x - mean)/range and the\noutput de-normalisation y·range + mean become exact affine layers unless --no-normalize; NNet\ninputs are not clamped (pass the suggested --box to region commands).\nEvery command also reads .onnx and .nnet files directly (NNet with normalisation)."
    )]
    Import {
        /// The model: .onnx or .nnet (by extension).
        model: PathBuf,
        /// Where to write the native JSON (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// NNet: leave out the input normalisation and output de-normalisation layers.
        #[arg(long)]
        no_normalize: bool,
    },
    /// Enumerate the linear regions exactly: pattern, inequalities, interior point, affine map.
    #[command(
        after_help = "Examples:\n  relucheck regions examples/tent-3.json --box 0:1\n  relucheck regions examples/xor.json --box -1:2 --format md\n  relucheck regions examples/sign-flip.json --count\n  relucheck regions examples/conv-relu.json --slice \"0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0;1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0;0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0\" --box -1:1\n  relucheck regions examples/xor.json --segment \"0,0;1,1\"\n\nDomains: the whole input space by default; --box -1:1 (every coordinate) or --box -1:1,0:2 (one per\ncoordinate); --slice \"ORIGIN;U;V\" for the plane ORIGIN + s·U + t·V (with --box bounding s and t);\n--segment \"FROM;TO\". Numbers are exact: 3, -0.125, 3/8, 1e-3."
    )]
    Regions {
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
    },
    /// Decide a property exactly (additivity, homogeneity, oddness, affinity, linearity).
    #[command(after_help = CHECK_HELP)]
    Check {
        /// The network file.
        net: PathBuf,
        /// The property: additivity, positive-homogeneity, homogeneity, odd, affine, linear, all.
        #[arg(long, short)]
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
    },
    /// Check every claim of a teaching proof (console blocks with `$ relucheck ...`).
    #[command(
        after_help = "Example:\n  relucheck prove proofs/01-relu-is-not-additive.md\n\nPrints each claim with a check mark or a cross and the difference.\nExit codes: 0 every claim holds, 2 some claim fails, 1 usage or input error."
    )]
    Prove {
        /// The proof files (Markdown).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a region report: report.md, report.json and SVG pictures.
    #[command(
        after_help = "Examples:\n  relucheck report examples/forum-question.json\n  relucheck report examples/tent-3.json --box 0:1 --out tent-report\n  relucheck report examples/xor.json --box -1:2\n  relucheck report examples/conv-relu.json --slice \"0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0;1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0;0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0\" --box -1:1\n\nThe report shows the network, the counts of regions and pieces beside known upper bounds,\nevery property verdict with exact counterexamples, dead and always-active units, a table\nof regions, an answer to \"is this network linear?\" and pictures (1-D: the graph of f;\n2-D: the regions and the output). Every number in report.md and report.json is exact.\nWith a budget (--max-regions, --time-limit) the report is marked incomplete."
    )]
    Report {
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
        #[command(flatten)]
        budget: BudgetArgs,
    },
    /// Re-check a certificate against a network with exact arithmetic only (no enumeration).
    #[command(
        after_help = "Example:\n  relucheck check examples/leaky.json -p positive-homogeneity --certificate cert.json\n  relucheck verify cert.json --network examples/leaky.json\n\nExit codes: 0 the certificate is valid, 2 it is rejected (the failing fact is printed),\n1 usage or input error."
    )]
    Verify {
        /// The certificate file.
        cert: PathBuf,
        /// The network it is about.
        #[arg(long)]
        network: PathBuf,
    },
}

const CHECK_HELP: &str = "Examples:
  relucheck check examples/xor.json --property additivity
  relucheck check examples/forum-question.json --property affine --orthant
  relucheck check examples/sign-flip.json --property all --orthant
  relucheck check examples/leaky.json --property additivity --search --cases 500 --seed 7
  relucheck check examples/leaky.json --property positive-homogeneity --certificate cert.json

Properties: additivity, positive-homogeneity, homogeneity, odd, affine, linear, all.
additivity and positive-homogeneity are decided on R^d or the orthant (--orthant);
homogeneity and odd on R^d; affine and linear on any domain (--box, --slice, --segment,
--orthant). The decision is exact (from the linear regions); --search adds a proptest
search, which can only find counterexamples and must agree with the exact decision.

Exit codes: 0 holds, 2 fails (counterexample found), 1 usage or input error (or unknown:
a budget ran out before the answer was established).";

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Eval {
            net,
            input,
            trace,
            format,
            precision,
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
            if matches!(format, Format::Text) {
                for n in &network.notes {
                    eprintln!("note: {n}");
                }
            }
            if network.is_curved() {
                relucheck::exact::interval::check_precision(precision)?;
                for x in &points {
                    let layers = network.trace_enclosure(x, precision)?;
                    match format {
                        Format::Text => print!(
                            "{}",
                            eval_text::enclosure_text(&network, x, &layers, precision, trace)
                        ),
                        Format::Json => println!(
                            "{}",
                            eval_text::enclosure_json(&network, x, &layers, precision, trace)
                        ),
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            for x in &points {
                let t = network.trace(x)?;
                match format {
                    Format::Text => print!("{}", eval_text::eval_text(&network, &t, trace)),
                    Format::Json => println!("{}", eval_text::eval_json(&network, &t, trace)),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            model,
            output,
            no_normalize,
        } => {
            let options = relucheck::net::import::ImportOptions {
                nnet: relucheck::net::import::NnetOptions {
                    normalize: !no_normalize,
                },
            };
            let network = relucheck::net::import::load(&model, options)?;
            let json = network.to_json();
            match &output {
                Some(path) => std::fs::write(path, &json)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{json}"),
            }
            eprintln!(
                "imported {}: input {}, {} layers, {} parameters{}",
                model.display(),
                network.input_shape(),
                network.layers().len(),
                network.parameter_count(),
                output
                    .as_ref()
                    .map(|p| format!(", written to {}", p.display()))
                    .unwrap_or_default()
            );
            for note in &network.notes {
                eprintln!("note: {note}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Regions {
            net,
            domain,
            count,
            format,
            budget,
        } => {
            let network = Network::load(&net)?;
            let dom = domain.domain(&network, false)?;
            let regions = budget.apply(Enumerator::new(&network, dom))?.run()?;
            if std::io::stderr().is_terminal() {
                eprint!("\r\x1b[2K");
            }
            let out = match (format, count) {
                (RegionsFormat::Json, c) => {
                    let mut s = serde_json::to_string_pretty(&regions_text::regions_json(
                        &network, &regions, !c,
                    ))?;
                    s.push('\n');
                    s
                }
                (_, true) => regions_text::counts_text(&network, &regions),
                (RegionsFormat::Text, false) => regions_text::regions_text(&network, &regions),
                (RegionsFormat::Md, false) => {
                    regions_text::regions_markdown(&network, &regions, usize::MAX)
                }
            };
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            net,
            property,
            domain,
            orthant,
            search,
            cases,
            seed,
            format,
            precision,
            certificate,
            budget,
        } => {
            let network = Network::load(&net)?;
            relucheck::exact::interval::check_precision(precision)?;
            let dom = domain.domain(&network, orthant)?;
            if certificate.is_some() && property == "all" {
                anyhow::bail!("--certificate needs one property, not all");
            }
            let checker = budget
                .checker(Checker::new(&network, dom.clone()))?
                .with_precision(precision);
            let mut verdicts = if property == "all" {
                checker.check_all()?
            } else {
                vec![checker.check(Property::parse(&property)?)?]
            };
            if search {
                let mut found = Vec::new();
                for v in &verdicts {
                    let s = checker.search(v.property, cases, seed)?;
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
            for v in &verdicts {
                if let Some(c) = v.counterexample()
                    && !c.recheck(&network, &dom)
                {
                    anyhow::bail!("internal error: a counterexample failed its exact re-check");
                }
                if let Some(c) = v.certified()
                    && !c.recheck(&network, &dom)
                {
                    anyhow::bail!("internal error: a certified counterexample failed its re-check");
                }
            }
            match format {
                Format::Text => {
                    for n in &network.notes {
                        println!("note: {n}");
                    }
                    println!("network: {}", network.name.as_deref().unwrap_or("unnamed"));
                    println!("domain: {}", dom.describe());
                    for v in &verdicts {
                        println!("{}", v.describe_in(&dom));
                    }
                }
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&check_json(&network, &dom, &verdicts))?
                ),
            }
            if let Some(path) = &certificate {
                match verdicts[0].outcome {
                    Outcome::Holds => {
                        let regions = checker.regions()?;
                        let cert =
                            Certificate::build(&network, verdicts[0].property, &dom, &regions)?;
                        let mut text = serde_json::to_string_pretty(&cert.to_json())?;
                        text.push('\n');
                        write_atomic(path, text.as_bytes())?;
                        eprintln!("certificate written to {}", path.display());
                    }
                    _ => eprintln!(
                        "no certificate written: the property does not hold (or is unknown)"
                    ),
                }
            }
            let fails = verdicts
                .iter()
                .any(|v| matches!(v.outcome, Outcome::Fails(_) | Outcome::Certified(_)));
            let unknown = verdicts.iter().any(|v| {
                matches!(v.outcome, Outcome::Unknown(_))
                    && !matches!(v.method, relucheck::Method::Search { .. })
            });
            Ok(ExitCode::from(if fails {
                2
            } else if unknown {
                1
            } else {
                0
            }))
        }
        Command::Prove { files } => {
            let exe = std::env::current_exe().context("cannot find the relucheck binary")?;
            let mut all_ok = true;
            for file in &files {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read the proof {}", file.display()))?;
                let folder = file
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(std::path::Path::new("."));
                let mut run =
                    |args: &[String], dir: &std::path::Path| match std::process::Command::new(&exe)
                        .args(args)
                        .current_dir(dir)
                        .output()
                    {
                        Ok(o) => (
                            String::from_utf8_lossy(&o.stdout).into_owned(),
                            o.status.code().unwrap_or(-1),
                        ),
                        Err(e) => (format!("cannot run relucheck: {e}"), -1),
                    };
                let results = proofs::check_proof(&text, folder, &mut run)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                println!("{}", file.display());
                print!("{}", proofs::render(&results));
                all_ok &= results.iter().all(|r| r.ok);
            }
            Ok(ExitCode::from(if all_ok { 0 } else { 2 }))
        }
        Command::Report {
            net,
            domain,
            orthant,
            out,
            output,
            budget,
        } => {
            let network = Network::load(&net)?;
            let dom = domain.domain(&network, orthant)?;
            let time_limit = budget.time_limit()?;
            let output = match output {
                Some(0) => anyhow::bail!("--output counts from 1 (the first output)"),
                o => o.map(|k| k - 1),
            };
            let opts = report::ReportOptions {
                max_regions: Some(budget.max_regions),
                time_limit,
                output,
                threads: budget.threads.map(usize::from),
                ..Default::default()
            };
            let r = report::build(&network, dom, &opts)?;
            let files = r.write(&out)?;
            let names: Vec<String> = files
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            println!("report written to {}: {}", out.display(), names.join(", "));
            if !r.complete {
                println!(
                    "the report is INCOMPLETE: a budget ran out (raise --max-regions or --time-limit)"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { cert, network } => {
            let net = Network::load(&network)?;
            let text = std::fs::read_to_string(&cert)
                .with_context(|| format!("cannot read the certificate {}", cert.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}:{}: invalid JSON: {e}",
                    cert.display(),
                    e.line(),
                    e.column()
                )
            })?;
            match certificate::verify(&value, &net) {
                Ok(r) => {
                    println!(
                        "certificate valid: {} holds for {} ({} regions and {} excluded branches checked exactly)",
                        r.property,
                        net.name.as_deref().unwrap_or("the network"),
                        r.regions,
                        r.exclusions
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("{e}");
                    Ok(ExitCode::from(2))
                }
            }
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
