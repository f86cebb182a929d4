//! Layer 1, the exact numbers: the rational type [`Q`](rational::Q), rational intervals for
//! the curved activations, small dense matrices and affine maps, and the parser of points
//! typed by users.
//!
//! Uses nothing of ours but the error type. Everything above decides in these types.

pub mod decimal;
pub(crate) mod filtered;
pub mod interval;
pub(crate) mod intvec;
pub mod linalg;
pub mod points;
pub mod rational;
