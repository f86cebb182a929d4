//! relucheck: what a small ReLU network really computes, exactly.
#![warn(missing_docs)]
// Index loops read best in the linear algebra here.
#![allow(clippy::needless_range_loop)]

mod arith;
pub mod certificate;
mod domain;
mod error;
pub mod eval_report;
pub mod format;
pub mod import;
mod linalg;
mod lp;
mod network;
mod points;
mod polytope;
mod properties;
mod regions;
mod vrep;
pub mod regions_output;
pub mod testing;

pub use arith::{MAX_DIGITS, MAX_EXPONENT, NotFinite, ParseError, Q, dot};
pub use domain::{Domain, DomainKind, parse_box};
pub use error::{Error, Result};
pub use linalg::{Affine, HalfSpace, Matrix};
pub use lp::{Farkas, Feasibility, LpResult, feasible, interior_point, maximize};
pub use network::{Activation, Form, Layer, LayerTrace, Network, Pattern, Piece, Shape, Trace};
pub use points::{format_point, parse_point, parse_points};
pub use polytope::Polytope;
pub use properties::{
    Checker, Counterexample, Method, Outcome, Property, Verdict, check_json, odd_sum_network,
};
pub use regions::{Enumerator, Facet, Progress, Region, Regions, StopReason};

/// README's examples, compiled and run by `cargo test` as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
