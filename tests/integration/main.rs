//! Integration tests: one binary, one module per topic.

mod certificates;
mod cli;
mod elu;
mod examples;
mod forgery;
mod format;
mod fuzz_regressions;
mod import;
mod import_domains;
mod import_limits;
mod import_shapes;
mod layers;
mod limits;
mod overrun;
mod proofs;
mod properties;
mod regions;
mod report;
mod residual;
mod robustness;
mod writes;

use std::path::PathBuf;

/// A path inside the repository.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}
