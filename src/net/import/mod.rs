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

pub use nnet::{NnetOptions, from_nnet_str};
#[cfg(feature = "onnx")]
pub use onnx::from_onnx_bytes;

use crate::error::{Error, Result};
use crate::net::network::Network;
use std::path::Path;

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
    let io = |error| Error::Io {
        path: name.clone(),
        error,
    };
    match ModelFormat::of_path(path) {
        #[cfg(feature = "onnx")]
        ModelFormat::Onnx => {
            let bytes = std::fs::read(path).map_err(io)?;
            from_onnx_bytes(&bytes, &name)
        }
        #[cfg(not(feature = "onnx"))]
        ModelFormat::Onnx => Err(Error::Invalid(format!(
            "{name}: reading ONNX needs relucheck's `onnx` feature (features = [\"onnx\"] in Cargo.toml)"
        ))),
        ModelFormat::Nnet => {
            let text = std::fs::read_to_string(path).map_err(io)?;
            from_nnet_str(&text, &name, options.nnet)
        }
        ModelFormat::Json => {
            let text = std::fs::read_to_string(path).map_err(io)?;
            Network::from_json_named(&text, &name)
        }
    }
}
