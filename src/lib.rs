//! relucheck: what a small ReLU network really computes, exactly.
#![warn(missing_docs)]

mod arith;
mod linalg;

pub use arith::{MAX_DIGITS, MAX_EXPONENT, NotFinite, ParseError, Q, dot};
pub use linalg::{Affine, HalfSpace, Matrix};
