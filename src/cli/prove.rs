//! `relucheck prove`: every claim of a teaching proof checked by running it, in a sandbox.

use anyhow::{Context, Result};
use relucheck::analysis::proofs::{self, Sandbox};
use relucheck::output::escape_control;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

pub const HELP: &str = "Example:\n  relucheck prove proofs/01-relu-is-not-additive.md\n\nPrints each claim with a check mark or a cross and the difference.\n\nA proof is untrusted input. Its claims may run only eval, regions, check, verify, report and\nimport (never prove); they read files only below the proof's folder (or --read-root), after\n`..` and symbolic links; a file they write (-o, --out, --certificate: relative paths without\n`..`) goes into a temporary folder removed after the proof, where later claims of the same\nproof can read it; each claim is stopped at --claim-time-limit.\n\nExit codes: 0 every claim holds, 2 some claim fails, 1 usage or input error.";

#[derive(clap::Args)]
pub struct ProveArgs {
    /// The proof files (Markdown).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Stop a claim after this many seconds (it then fails).
    #[arg(long, value_name = "SECS", default_value_t = proofs::DEFAULT_CLAIM_TIME_LIMIT.as_secs_f64())]
    claim_time_limit: f64,
    /// Claims may read files below this folder (default: each proof's own folder); it must
    /// contain the proof.
    #[arg(long, value_name = "DIR")]
    read_root: Option<PathBuf>,
}

pub fn run(args: ProveArgs) -> Result<ExitCode> {
    if std::env::var_os(proofs::IN_PROOF_ENV).is_some() {
        anyhow::bail!(
            "prove refuses to run inside a proof's claim ({} is set): no proofs inside proofs",
            proofs::IN_PROOF_ENV
        );
    }
    let limit = Duration::try_from_secs_f64(args.claim_time_limit).map_err(|_| {
        anyhow::anyhow!(
            "--claim-time-limit {}: give a non-negative number of seconds",
            args.claim_time_limit
        )
    })?;
    let exe = std::env::current_exe().context("cannot find the relucheck binary")?;
    let mut all_ok = true;
    for file in &args.files {
        let shown = escape_control(&file.display().to_string());
        let text =
            relucheck::output::read_text_capped(file, relucheck::output::MAX_PROOF_BYTES, "proof")?;
        let folder = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let sandbox = Sandbox::new(folder, args.read_root.as_deref().unwrap_or(folder))
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        let mut run = |a: &[String], dir: &Path| proofs::run_claim(&exe, a, dir, limit);
        let results = proofs::check_proof(&text, &sandbox, &mut run)
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        println!("{shown}");
        print!("{}", proofs::render(&results));
        all_ok &= results.iter().all(|r| r.ok);
    }
    Ok(ExitCode::from(if all_ok { 0 } else { 2 }))
}

#[cfg(test)]
mod tests {
    use super::super::Cli;
    use clap::CommandFactory;
    use relucheck::analysis::proofs::{ALLOWED_SUBCOMMANDS, ArgKind, claim_options};

    /// The policy's table of options is the CLI's: same names, short names and values; every
    /// path-valued option is a read or a write; every positional argument is a path.
    #[test]
    fn the_claim_policy_knows_every_option_of_the_allowed_subcommands() {
        let mut cli = Cli::command();
        cli.build(); // global options (--numbers) reach the subcommands
        for &name in ALLOWED_SUBCOMMANDS {
            let sub = cli.find_subcommand(name).unwrap();
            let table = claim_options(name).unwrap();
            let mut seen = 0;
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" {
                    continue;
                }
                let is_path = arg.get_value_parser().type_id()
                    == clap::builder::ValueParser::path_buf().type_id();
                if arg.is_positional() {
                    assert!(is_path, "{name} {id}: positional arguments must be paths");
                    continue;
                }
                let long = arg.get_long().unwrap();
                let entry = table.iter().find(|o| o.0 == long);
                let entry = entry.unwrap_or_else(|| panic!("{name} --{long} is not in the policy"));
                seen += 1;
                assert_eq!(entry.1, arg.get_short(), "{name} --{long}");
                let takes = arg.get_action().takes_values();
                assert_eq!(entry.2 != ArgKind::Flag, takes, "{name} --{long}");
                if is_path {
                    assert!(
                        matches!(entry.2, ArgKind::Read | ArgKind::Write),
                        "{name} --{long} is a path"
                    );
                }
            }
            assert_eq!(
                seen,
                table.len(),
                "{name}: the policy lists options the CLI lacks"
            );
        }
    }
}
