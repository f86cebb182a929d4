//! Arguments shared by several subcommands: the output format, the domain (`--box`,
//! `--slice`, `--segment`) and the budget (`--max-regions`, `--time-limit`, `--threads`).

use anyhow::Result;
use clap::ValueEnum;
use relucheck::Budget;
use relucheck::{Checker, Domain, Enumerator, Network, Progress};
use std::io::IsTerminal;
use std::time::Duration;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Where to look: the whole input space (default), a box, a 2-D slice or a segment.
#[derive(clap::Args)]
pub struct DomainArgs {
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
    /// The input box of a VNN-LIB property: its (assert (<= X_i c)) and (assert (>= X_i c))
    /// lines; its output constraints are skipped (a note says how many).
    #[arg(long, value_name = "FILE.vnnlib", conflicts_with_all = ["box_spec", "slice", "segment"])]
    box_from: Option<std::path::PathBuf>,
}

impl DomainArgs {
    /// The domain these options describe for `net` (the orthant with `orthant`); with none
    /// of them, the box the network file declares (an NNet file's [min, max]), else the
    /// whole space.
    pub fn domain(&self, net: &Network, orthant: bool) -> Result<Domain> {
        if let Some(path) = &self.box_from {
            anyhow::ensure!(!orthant, "--box-from does not combine with --orthant");
            return vnnlib_domain(path, net);
        }
        let given = self.box_spec.is_some() || self.slice.is_some() || self.segment.is_some();
        if let (false, false, Some((lo, hi))) = (given, orthant, &net.input_box) {
            let spec: Vec<String> = lo.iter().zip(hi).map(|(l, h)| format!("{l}:{h}")).collect();
            eprintln!(
                "note: domain: the input box the network file declares, --box {}",
                spec.join(",")
            );
            return Ok(Domain::from_options(
                net.input_dim(),
                Some(&spec.join(",")),
                None,
                None,
                false,
            )?);
        }
        Ok(Domain::from_options(
            net.input_dim(),
            self.box_spec.as_deref(),
            self.slice.as_deref(),
            self.segment.as_deref(),
            orthant,
        )?)
    }
}

/// The box of a VNN-LIB file, for `net`.
fn vnnlib_domain(path: &std::path::Path, net: &Network) -> Result<Domain> {
    use relucheck::net::import::{MAX_FILE_BYTES, vnnlib};
    let name = path.display().to_string();
    let text = relucheck::output::read_text_capped(path, MAX_FILE_BYTES, "VNN-LIB file")?;
    let b = vnnlib::input_box(&text, &name)?;
    anyhow::ensure!(
        b.lo.len() == net.input_dim(),
        "{name}: declares {} inputs, the network takes {}",
        b.lo.len(),
        net.input_dim()
    );
    if let Some(i) = (0..b.lo.len()).find(|&i| b.lo[i] == b.hi[i]) {
        anyhow::bail!(
            "{name}: X_{i} is fixed to {} (lower bound = upper bound); region analysis needs a box of full dimension: look at a slice (--slice) instead",
            b.lo[i]
        );
    }
    if b.skipped_output_assertions > 0 {
        eprintln!(
            "note: {name}: the input box is used as the domain; {} assertion(s) on the outputs were skipped (the output property is not checked)",
            b.skipped_output_assertions
        );
    }
    let spec: Vec<String> =
        b.lo.iter()
            .zip(&b.hi)
            .map(|(l, h)| format!("{l}:{h}"))
            .collect();
    Ok(Domain::from_options(
        net.input_dim(),
        Some(&spec.join(",")),
        None,
        None,
        false,
    )?)
}

/// The default region budget of the CLI (`--max-regions`).
const DEFAULT_MAX_REGIONS: usize = 100_000;

/// Budgets for long computations.
#[derive(clap::Args)]
pub struct BudgetArgs {
    /// Stop each enumeration after this many regions (the result is then marked
    /// incomplete). The default bounds memory (measured: 32,768 regions of a 30-unit net
    /// took 183 MB); raise it for larger enumerations.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_REGIONS)]
    pub max_regions: usize,
    /// Stop after this many seconds, counted from the start of the command: one budget for
    /// all its work (every enumeration, counterexample, search and certificate); the result
    /// is then marked incomplete or unknown.
    #[arg(long, value_name = "SECS")]
    time_limit: Option<f64>,
    /// Threads for region enumeration (default: every core, at most 8). The result does
    /// not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
}

impl BudgetArgs {
    /// `--time-limit` as a duration; a clear error for negative or absurd values.
    pub fn time_limit(&self) -> Result<Option<Duration>> {
        self.time_limit
            .map(|t| {
                Duration::try_from_secs_f64(t).map_err(|_| {
                    anyhow::anyhow!("--time-limit {t}: give a non-negative number of seconds")
                })
            })
            .transpose()
    }

    /// The one budget of the command, its clock started now (call it first thing).
    pub fn budget(&self) -> Result<Budget> {
        let mut b = Budget::unlimited().with_max_regions(self.max_regions);
        if let Some(d) = self.time_limit()? {
            b = b.with_time_limit(d);
        }
        Ok(b)
    }

    /// The checker within `budget`, with these threads.
    pub fn checker<'a>(&self, mut c: Checker<'a>, budget: Budget) -> Checker<'a> {
        c = c.with_budget(budget);
        if let Some(t) = self.threads {
            c = c.with_threads(t.into());
        }
        c
    }

    /// The enumerator within `budget`, with these threads, showing its progress on a
    /// terminal.
    pub fn apply<'a>(&self, mut e: Enumerator<'a>, budget: Budget) -> Enumerator<'a> {
        e = e.with_budget(budget);
        if let Some(t) = self.threads {
            e = e.with_threads(t.into());
        }
        if std::io::stderr().is_terminal() {
            e = e.with_progress(show_progress);
        }
        e
    }
}

/// One line of progress on the terminal, written over the last (see [`clear_progress`]).
pub fn show_progress(p: Progress) {
    eprint!(
        "\r{} {} regions, {} LPs   ",
        if p.details { "facets:" } else { "regions:" },
        p.regions,
        p.lps
    )
}

/// Clears the progress line on a terminal.
pub fn clear_progress() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}
