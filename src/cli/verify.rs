//! `relucheck verify`: a certificate re-checked against a network, exactly.

use anyhow::{Context, Result};
use relucheck::Network;
use relucheck::analysis::certificate;
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "Example:\n  relucheck check examples/leaky.json -p positive-homogeneity --certificate cert.json\n  relucheck verify cert.json --network examples/leaky.json\n\nExit codes: 0 the certificate is valid, 2 it is rejected (the failing fact is printed),\n1 usage or input error.";

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The certificate file.
    cert: PathBuf,
    /// The network it is about.
    #[arg(long)]
    network: PathBuf,
}

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let VerifyArgs { cert, network } = args;
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
