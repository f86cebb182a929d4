//! `relucheck verify`: a certificate re-checked against a network, exactly.

use anyhow::Result;
use relucheck::analysis::certificate;
use relucheck::{Domain, Network};
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "Example:\n  relucheck check examples/leaky.json -p positive-homogeneity --certificate cert.json\n  relucheck verify cert.json --network examples/leaky.json --domain whole\n\nThe verdict names the domain on which the property holds (the certificate's). With --domain\nthe certificate must be about exactly that domain:\n  whole                 all of R^d\n  orthant               x >= 0\n  box:LO:HI[,LO:HI...]  a box, written as for --box\n  segment:FROM;TO       a segment, written as for --segment\n  slice:ORIGIN;U;V      a 2-D slice, written as for --slice; slice:ORIGIN;U;V@LO:HI,LO:HI\n                        bounds (s, t)\n\nExit codes: 0 the certificate is valid, 2 it is rejected (the failing fact is printed),\n1 usage or input error.";

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The certificate file.
    cert: PathBuf,
    /// The network it is about.
    #[arg(long)]
    network: PathBuf,
    /// Require the certificate to be about this domain: whole, orthant, box:LO:HI[,...],
    /// segment:FROM;TO, slice:ORIGIN;U;V[@LO:HI,LO:HI].
    #[arg(long, value_name = "DOMAIN", allow_hyphen_values = true)]
    domain: Option<String>,
}

/// The domain `--domain` names, for a network with `dim` inputs.
fn required_domain(spec: &str, dim: usize) -> Result<Domain> {
    let (kind, data) = spec.split_once(':').unwrap_or((spec, ""));
    let none = |d: Domain| -> Result<Domain> {
        if data.is_empty() {
            Ok(d)
        } else {
            anyhow::bail!("--domain {spec}: `{kind}` takes no data")
        }
    };
    let dom = match kind {
        "whole" => none(Domain::whole(dim))?,
        "orthant" => none(Domain::from_options(dim, None, None, None, true)?)?,
        "box" => Domain::from_options(dim, Some(data), None, None, false)?,
        "segment" => Domain::from_options(dim, None, None, Some(data), false)?,
        "slice" => {
            let (s, b) = match data.split_once('@') {
                Some((s, b)) => (s, Some(b)),
                None => (data, None),
            };
            Domain::from_options(dim, b, Some(s), None, false)?
        }
        _ => anyhow::bail!(
            "--domain {spec}: write whole, orthant, box:LO:HI[,LO:HI...], segment:FROM;TO or slice:ORIGIN;U;V[@LO:HI,LO:HI]"
        ),
    };
    Ok(dom)
}

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let VerifyArgs {
        cert,
        network,
        domain,
    } = args;
    let net = Network::load(&network)?;
    let required = domain
        .map(|d| required_domain(&d, net.input_dim()))
        .transpose()?;
    let text = relucheck::output::read_text_capped(
        &cert,
        relucheck::output::MAX_CERTIFICATE_BYTES,
        "certificate",
    )?;
    let value = certificate::parse_json(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: invalid JSON: {e}",
            cert.display(),
            e.line(),
            e.column()
        )
    })?;
    let verdict = match &required {
        Some(d) => certificate::verify_on(&value, &net, d),
        None => certificate::verify(&value, &net),
    };
    match verdict {
        Ok(r) => {
            println!(
                "certificate valid: {} holds for {} on {} ({} regions and {} excluded branches checked exactly)",
                r.property,
                net.shown_name("the network"),
                r.domain.describe(),
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
