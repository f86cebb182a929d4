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
//! Where to read on: [`exact::rational`] (the exact numbers), [`net::network`] (layers,
//! pieces, patterns), [`regions::enumerate`] (the enumeration and its algorithm),
//! [`analysis::properties`] (the exact decisions and why they are right),
//! [`analysis::certificate`] (what a certificate proves and how it is checked),
//! [`analysis::testing`] (assertions and strategies for your own `cargo test`),
//! [`net::format`] (the file format), [`net::import`] (ONNX and NNet).
//!
//! In a debug build (plain `cargo test`) the exact arithmetic is 8-9 times slower; a
//! crate that uses relucheck in its tests should optimise it and its number crates:
//!
//! ```toml
//! [profile.dev.package.relucheck]
//! opt-level = 3
//! [profile.dev.package.num-bigint]
//! opt-level = 3
//! [profile.dev.package.num-rational]
//! opt-level = 3
//! [profile.dev.package.num-integer]
//! opt-level = 3
//! ```
//!
//! README's "Use from your own tests" has the dependency lines and a complete test file
//! (`examples/user-crate`).
//!
//! The modules are layers, each using only those below it: [`exact`] (numbers),
//! [`output`] (writing numbers and files), [`geometry`] and [`net`], [`regions`],
//! [`analysis`], [`present`]; the command line sits on top. DESIGN.md draws them, and a
//! test checks every import against them.
#![warn(missing_docs)]
// Functions fit on a screen: the threshold is in clippy.toml.
#![warn(clippy::too_many_lines)]
// Index loops read best in the linear algebra here.
#![allow(clippy::needless_range_loop)]

mod error;

pub mod analysis;
pub mod exact;
pub mod geometry;
pub mod net;
pub mod output;
pub mod present;
pub mod regions;

pub use analysis::properties::{
    CertifiedCounterexample, Checker, Counterexample, Method, Outcome, Property, Verdict,
    check_json, odd_sum_network,
};
pub use error::{Error, Result};
pub use exact::interval::{DEFAULT_PRECISION, Interval};
pub use exact::linalg::{Affine, AffineF64, HalfSpace, Matrix, RaggedRow};
pub use exact::points::{format_point, parse_point, parse_points};
pub use exact::rational::{MAX_DIGITS, MAX_EXPONENT, NotFinite, ParseError, Q, dot};
pub use geometry::lp::{Farkas, Feasibility, LpResult, feasible, interior_point, maximize};
pub use geometry::polytope::Polytope;
pub use net::builder::{Floats, NetworkBuilder};
pub use net::network::{
    Activation, Form, Layer, LayerTrace, Network, Pattern, Piece, Shape, Trace,
};
pub use regions::budget::Budget;
pub use regions::domain::{Domain, DomainKind, parse_box};
pub use regions::enumerate::{Counts, Enumerator, Facet, Progress, Region, Regions, StopReason};

/// README's examples, compiled and run by `cargo test` as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
