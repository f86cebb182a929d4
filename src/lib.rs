//! relucheck: what a small ReLU network really computes, exactly.
//!
//! A network of affine, convolution, pooling and piecewise-linear activation layers is
//! continuous and piecewise affine: on each *activation region* (a convex polyhedron where
//! every unit keeps one affine piece) it is one affine map `A·x + c`. relucheck computes
//! those regions and maps in exact rational arithmetic ([`Q`]; no float decides anything),
//! and decides properties such as additivity and homogeneity exactly from them, with
//! counterexamples and certificates anyone can re-check.
//!
//! ```
//! use relucheck::{Checker, Domain, Enumerator, Network, Property, Q};
//!
//! let net = Network::load("examples/forum-question.json")?;
//! // Exact evaluation.
//! assert_eq!(net.eval(&[Q::ONE, Q::from_int(2)])?, vec![Q::from_int(26)]);
//! // The learner's claim, on the non-negative orthant: affine, but not linear.
//! let orthant = Checker::new(&net, Domain::orthant(2));
//! assert_eq!(orthant.check(Property::Affine)?.holds(), Some(true));
//! assert_eq!(orthant.check(Property::Linear)?.holds(), Some(false));
//! // On the whole plane the ReLUs cut: several linear regions.
//! let regions = Enumerator::new(&net, Domain::whole(2)).run()?;
//! assert!(regions.regions.len() > 1);
//! # Ok::<(), relucheck::Error>(())
//! ```
//!
//! Where to read on: [`arith`] (the exact numbers), [`network`] (layers, pieces, patterns),
//! [`regions`] (the enumeration and its algorithm), [`properties`] (the exact decisions and
//! why they are right), [`certificate`] (what a certificate proves and how it is checked),
//! [`testing`] (assertions and strategies for your own `cargo test`), [`format`](mod@format) (the file
//! format), [`import`] (ONNX and NNet).
#![warn(missing_docs)]
// Index loops read best in the linear algebra here.
#![allow(clippy::needless_range_loop)]

pub mod arith;
pub mod certificate;
pub mod domain;
mod error;
pub mod eval_report;
mod float_filter;
pub mod format;
pub mod import;
pub mod interval;
pub mod linalg;
pub mod lp;
pub mod network;
mod points;
pub mod polytope;
pub mod proofs;
pub mod properties;
pub mod regions;
pub mod regions_output;
pub mod report;
mod svg;
pub mod testing;
mod vrep;

pub use arith::{MAX_DIGITS, MAX_EXPONENT, NotFinite, ParseError, Q, dot};
pub use domain::{Domain, DomainKind, parse_box};
pub use error::{Error, Result};
pub use interval::{DEFAULT_PRECISION, Interval};
pub use linalg::{Affine, HalfSpace, Matrix};
pub use lp::{Farkas, Feasibility, LpResult, feasible, interior_point, maximize};
pub use network::{Activation, Form, Layer, LayerTrace, Network, Pattern, Piece, Shape, Trace};
pub use points::{format_point, parse_point, parse_points};
pub use polytope::Polytope;
pub use properties::{
    CertifiedCounterexample, Checker, Counterexample, Method, Outcome, Property, Verdict,
    check_json, odd_sum_network,
};
pub use regions::{Enumerator, Facet, Progress, Region, Regions, StopReason};

/// README's examples, compiled and run by `cargo test` as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
