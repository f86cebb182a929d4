//! Layer 2, networks: layers, activations, exact evaluation with a trace, the native file
//! format, and the importers (ONNX, NNet).
//!
//! Uses only [`exact`](crate::exact).

pub mod format;
pub mod import;
pub mod network;
pub mod strategies;
