//! Import of trained networks, exactly: ONNX (as exported from PyTorch) and NNet.
//!
//! - [ONNX](onnx): a chain of supported operators; every float weight becomes the exact
//!   dyadic rational it denotes. The one value that cannot be exact, a BatchNormalization
//!   factor `1/sqrt(var + epsilon)`, is taken as the exact value of the float32 a runtime
//!   computes, and the network says so in [`Network::notes`].
//! - [NNet](nnet): the ACAS Xu text format; every decimal is parsed exactly; the file's
//!   normalisation becomes exact affine layers (optional, on by default).
//!
//! [`load`] picks the reader from the file extension (`.onnx`, `.nnet`, anything else the
//! native JSON format); [`Network::load`] uses it with the default options.

pub mod nnet;
#[cfg(feature = "onnx")]
pub mod onnx;
#[cfg(feature = "onnx")]
pub mod onnx_proto;
pub mod vnnlib;

pub use nnet::{NnetOptions, from_nnet_str};
#[cfg(feature = "onnx")]
pub use onnx::from_onnx_bytes;

use crate::error::Result;
use crate::net::network::Network;
use std::path::Path;

/// The largest network file read, in bytes (256 MiB), in every format; an ONNX model's
/// external data files count towards it too. A file is measured before it is read, and
/// read through a reader that stops at the limit, so `/dev/zero` fails at once.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Reads at most `limit` bytes of `path`: a larger file is an error naming the file and the
/// limit, found from its metadata before reading when it is a regular file, else after
/// `limit + 1` bytes.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>> {
    crate::output::read_capped_as(path, limit, "network file")
}

/// Text of a network file: UTF-8, with a leading byte-order mark skipped (editors on
/// Windows write one).
fn read_text(path: &Path) -> Result<String> {
    crate::output::read_text_capped(path, MAX_FILE_BYTES, "network file")
}

/// A network file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelFormat {
    /// relucheck's native JSON.
    Json,
    /// ONNX protobuf.
    Onnx,
    /// NNet text.
    Nnet,
}

impl ModelFormat {
    /// The format a file name says: `.onnx`, `.nnet` (any case), otherwise JSON.
    pub fn of_path(path: impl AsRef<Path>) -> ModelFormat {
        match path
            .as_ref()
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("onnx") => ModelFormat::Onnx,
            Some("nnet") => ModelFormat::Nnet,
            _ => ModelFormat::Json,
        }
    }
}

/// Options for [`load`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// How NNet files are read.
    pub nnet: NnetOptions,
}

/// Reads a network file of any supported format, chosen by [`ModelFormat::of_path`].
pub fn load(path: impl AsRef<Path>, options: ImportOptions) -> Result<Network> {
    let path = path.as_ref();
    let name = path.display().to_string();
    match ModelFormat::of_path(path) {
        #[cfg(feature = "onnx")]
        ModelFormat::Onnx => {
            let bytes = read_capped(path, MAX_FILE_BYTES)?;
            onnx::from_onnx_file_bytes(&bytes, &name, path.parent())
        }
        #[cfg(not(feature = "onnx"))]
        ModelFormat::Onnx => Err(crate::error::Error::Invalid(format!(
            "{name}: reading ONNX needs relucheck's `onnx` feature (features = [\"onnx\"] in Cargo.toml)"
        ))),
        ModelFormat::Nnet => from_nnet_str(&read_text(path)?, &name, options.nnet),
        ModelFormat::Json => Network::from_json_named(&read_text(path)?, &name),
    }
}
