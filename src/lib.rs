//! relucheck: what a small ReLU network really computes, exactly.
#![warn(missing_docs)]

mod arith;

pub use arith::{MAX_DIGITS, MAX_EXPONENT, NotFinite, ParseError, Q, dot};
