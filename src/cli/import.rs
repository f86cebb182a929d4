//! `relucheck import`: an ONNX or NNet model converted to the native JSON format, exactly.

use anyhow::{Context, Result};
use relucheck::net::import::{ImportOptions, NnetOptions};
use relucheck::output::{escape_control, refuse_overwriting_inputs, write_output};
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "Examples:\n  relucheck import model.onnx -o net.json\n  relucheck import ACASXU_1_1.nnet -o acas.json\n  relucheck import ACASXU_1_1.nnet --no-normalize\n\nEvery float weight becomes the exact rational it denotes; NNet decimals are read exactly.\nA BatchNormalization factor 1/sqrt(var + eps) is taken as the float32 value runtimes compute\n(the output's \"notes\" say so). NNet files: the input normalisation (x - mean)/range and the\noutput de-normalisation y·range + mean become exact affine layers unless --no-normalize. NNet\ninputs are clamped to the file's [min, max] before normalising, as the NNet reference reader\ndoes, unless --no-clamp; region commands use the box [min, max] as the domain when none is given.\nEvery command also reads .onnx and .nnet files directly (NNet with normalisation and clamp).";

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The model: .onnx or .nnet (by extension).
    model: PathBuf,
    /// Where to write the native JSON (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// NNet: leave out the input normalisation and output de-normalisation layers.
    #[arg(long)]
    no_normalize: bool,
    /// NNet: do not clamp inputs to the file's [min, max] (by default they are clamped, as
    /// the NNet reference reader does).
    #[arg(long)]
    no_clamp: bool,
}

pub fn run(args: ImportArgs) -> Result<ExitCode> {
    let options = ImportOptions {
        nnet: NnetOptions {
            normalize: !args.no_normalize,
            clamp: !args.no_clamp,
        },
    };
    if let Some(path) = &args.output {
        refuse_overwriting_inputs(path, &[&args.model])?;
    }
    let network = relucheck::net::import::load(&args.model, options)?;
    let json = network.to_json();
    match &args.output {
        Some(path) => {
            let shown = escape_control(&path.display().to_string());
            let replaced = write_output(path, json.as_bytes(), &[&args.model])
                .with_context(|| format!("cannot write {shown}"))?;
            if replaced {
                eprintln!("replaced the existing file {shown}");
            }
        }
        None => print!("{json}"),
    }
    eprintln!(
        "imported {}: input {}, {} layers, {} parameters{}",
        args.model.display(),
        network.input_shape(),
        network.layers().len(),
        network.parameter_count(),
        args.output
            .as_ref()
            .map(|p| format!(", written to {}", p.display()))
            .unwrap_or_default()
    );
    for note in &network.shown_notes() {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
