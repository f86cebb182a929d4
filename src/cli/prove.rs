//! `relucheck prove`: every claim of a teaching proof checked by running it.

use anyhow::{Context, Result};
use relucheck::analysis::proofs;
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "Example:\n  relucheck prove proofs/01-relu-is-not-additive.md\n\nPrints each claim with a check mark or a cross and the difference.\nExit codes: 0 every claim holds, 2 some claim fails, 1 usage or input error.";

#[derive(clap::Args)]
pub struct ProveArgs {
    /// The proof files (Markdown).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: ProveArgs) -> Result<ExitCode> {
    let files = args.files;
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
