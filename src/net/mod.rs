//! Layer 2, networks: layers, activations, exact evaluation with a trace ([`network`]),
//! networks built in code ([`builder`]),
//! the native file format ([`format`](mod@format)), the importers ([`import`]: ONNX,
//! NNet), and proptest strategies for numbers, vectors and networks ([`strategies`]).
//!
//! Uses only [`exact`](crate::exact) and [`output`](crate::output); not
//! [`geometry`](crate::geometry), which shares its layer.

pub mod builder;
mod eval;
pub mod format;
pub mod import;
pub mod layer;
pub mod network;
pub mod residual;
#[cfg(any(test, feature = "testing"))]
pub mod strategies;
