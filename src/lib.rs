//! relucheck: what a small ReLU network really computes, exactly.
#![warn(missing_docs)]

mod arith;
mod error;
pub mod eval_report;
pub mod format;
mod network;
mod points;
pub mod testing;
mod linalg;
mod lp;
mod polytope;

pub use arith::{MAX_DIGITS, MAX_EXPONENT, NotFinite, ParseError, Q, dot};
pub use error::{Error, Result};
pub use points::{format_point, parse_point, parse_points};
pub use linalg::{Affine, HalfSpace, Matrix};
pub use lp::{Farkas, Feasibility, LpResult, feasible, interior_point, maximize};
pub use polytope::Polytope;
pub use network::{
    Activation, Form, Layer, LayerTrace, Network, Pattern, Piece, Shape, Trace,
};
