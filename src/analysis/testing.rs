//! Checks, assertions and proptest strategies for users' own `cargo test`.
//!
//! Every property comes in four forms: `check_P` (on the whole input space) and
//! `check_P_on(&Domain)` return a [`CheckFailure`] instead of panicking, so they fit
//! `prop_assert!` or `?` inside `proptest!` (one failure is one message, not a panic per
//! shrinking step); `assert_P` and `assert_P_on(&Domain)` are thin wrappers that panic with
//! the same message. The properties are decided exactly (see
//! [`crate::analysis::properties`]); a failure carries the exact counterexample.
//!
//! ```
//! use relucheck::Network;
//! use relucheck::analysis::testing::check_additive;
//! let relu = Network::from_json_str(
//!     r#"{"relucheck": 1, "name": "relu", "input_shape": [1], "layers": [{"type": "relu"}]}"#)?;
//! let failure = check_additive(&relu).unwrap_err();
//! assert!(failure.counterexample().is_some());
//! assert!(failure.to_string().starts_with("relu is not additive on all of R^1: "));
//! # Ok::<(), relucheck::Error>(())
//! ```
//!
//! ```should_panic
//! use relucheck::Network;
//! use relucheck::analysis::testing::assert_additive;
//! let relu = Network::from_json_str(
//!     r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "relu"}]}"#).unwrap();
//! // panics: "the network is not additive on all of R^1: x = [-1], y = [1]: ..."
//! assert_additive(&relu);
//! ```
//!
//! The strategies (defined in [`crate::net::strategies`], below the decisions that use them
//! too, and re-exported here) shrink toward small, simple values: a rational shrinks its
//! numerator toward 0 and its denominator toward 1 (the denominator is derived from an
//! index, so it shrinks too), so a failing case ends at something like `x = [-1], y = [1]`.
//!
//! ```
//! use proptest::prelude::*;
//! use relucheck::analysis::testing::{bias_free_network, check_positively_homogeneous, network, vector};
//!
//! proptest!(|(net in network(&[2, 3, 1]), x in vector(2))| {
//!     // Every network of this shape evaluates without error on every input.
//!     prop_assert_eq!(net.eval(&x).unwrap().len(), 1);
//! });
//! proptest!(proptest::test_runner::Config::with_cases(4),
//!           |(net in bias_free_network(&[2, 2, 1]))| {
//!     // A bias-free ReLU network is positively homogeneous: `?` turns a failure into
//!     // proptest's failure, with the counterexample in its message.
//!     check_positively_homogeneous(&net)?;
//! });
//! ```

use crate::analysis::properties::{Checker, Counterexample, Outcome, Property};
use crate::net::network::Network;
use crate::regions::domain::Domain;
use std::fmt;

#[cfg(feature = "testing")]
pub use crate::net::strategies::{
    Params, bias_free_network, float32_mlp, network, network_params, network_with,
    non_negative_rational, point_in_box, rational, rational_in, vector, vector_in,
};

/// Why a check failed: a message (what [`Display`](fmt::Display) prints and the
/// `assert_*` forms panic with) and, when the property fails at exact inputs, the
/// counterexample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckFailure {
    message: String,
    counterexample: Option<Box<Counterexample>>,
}

impl CheckFailure {
    /// The message, as printed.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The exact counterexample, when the property fails at exact inputs (`None` when it
    /// could not be decided, when the counterexample is certified by enclosures only, and
    /// for [`check_not_affine_on`]).
    pub fn counterexample(&self) -> Option<&Counterexample> {
        self.counterexample.as_deref()
    }
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An error, so `?` turns a failure into proptest's `TestCaseError::Fail` with the message.
impl std::error::Error for CheckFailure {}

fn name(net: &Network) -> &str {
    net.name.as_deref().unwrap_or("the network")
}

/// Checks `property` of `net` on `domain`, exactly: `Ok(())` when it holds, otherwise why
/// not (a counterexample, or the reason it is not established).
///
/// ```
/// use relucheck::{Domain, Network, Property};
/// use relucheck::analysis::testing::check_property;
/// let net = Network::load("examples/forum-question.json")?;
/// assert!(check_property(&net, &Domain::orthant(2), Property::Affine).is_ok());
/// let failure = check_property(&net, &Domain::orthant(2), Property::Linear).unwrap_err();
/// assert_eq!(
///     failure.to_string(),
///     "forum question is not linear on the non-negative orthant x >= 0 of R^2: \
///      a = 0, x = [0, 0]: a·f(x) = [0], f(a·x) = [3]"
/// );
/// # Ok::<(), relucheck::Error>(())
/// ```
pub fn check_property(
    net: &Network,
    domain: &Domain,
    property: Property,
) -> Result<(), CheckFailure> {
    let what = adjective(property);
    let name = name(net);
    let verdict = Checker::new(net, domain.clone())
        .check(property)
        .map_err(|e| CheckFailure {
            message: format!("{name}: cannot decide whether it is {what}: {e}"),
            counterexample: None,
        })?;
    match verdict.outcome {
        Outcome::Holds => Ok(()),
        Outcome::Fails(c) => Err(CheckFailure {
            message: format!(
                "{name} is not {what} on {}: {}",
                domain.describe(),
                c.describe()
            ),
            counterexample: Some(Box::new(c)),
        }),
        Outcome::Certified(c) => Err(CheckFailure {
            message: format!(
                "{name} is not {what} on {} (certified with enclosures): {}",
                domain.describe(),
                c.describe()
            ),
            counterexample: None,
        }),
        Outcome::Unknown(why) => Err(CheckFailure {
            message: format!("{name}: {what} is not established: {why}"),
            counterexample: None,
        }),
    }
}

/// Asserts `property` of `net` on `domain`: [`check_property`], panicking with its message.
#[track_caller]
pub fn assert_property(net: &Network, domain: &Domain, property: Property) {
    if let Err(failure) = check_property(net, domain, property) {
        panic!("{failure}");
    }
}

fn adjective(property: Property) -> &'static str {
    match property {
        Property::Additivity => "additive",
        Property::PositiveHomogeneity => "positively homogeneous",
        Property::Homogeneity => "homogeneous",
        Property::Odd => "odd",
        Property::Affine => "affine",
        Property::Linear => "linear",
    }
}

macro_rules! property_forms {
    ($property:ident, $formula:literal,
     $check:ident, $check_on:ident, $assert:ident, $assert_on:ident) => {
        #[doc = concat!("Checks ", $formula, " on the whole input space, exactly; see [`check_property`].")]
        pub fn $check(net: &Network) -> Result<(), CheckFailure> {
            check_property(net, &Domain::whole(net.input_dim()), Property::$property)
        }

        #[doc = concat!("Checks ", $formula, " on `domain`, exactly; see [`check_property`].")]
        pub fn $check_on(net: &Network, domain: &Domain) -> Result<(), CheckFailure> {
            check_property(net, domain, Property::$property)
        }

        #[doc = concat!("Asserts ", $formula, " on the whole input space, exactly; panics with the message of [`", stringify!($check), "`].")]
        #[track_caller]
        pub fn $assert(net: &Network) {
            assert_property(net, &Domain::whole(net.input_dim()), Property::$property);
        }

        #[doc = concat!("Asserts ", $formula, " on `domain`, exactly; panics with the message of [`", stringify!($check_on), "`].")]
        #[track_caller]
        pub fn $assert_on(net: &Network, domain: &Domain) {
            assert_property(net, domain, Property::$property);
        }
    };
}

property_forms!(
    Additivity,
    "additivity `f(x + y) = f(x) + f(y)` for all `x`, `y` (of the domain, with `x + y` in it)",
    check_additive,
    check_additive_on,
    assert_additive,
    assert_additive_on
);
property_forms!(
    PositiveHomogeneity,
    "positive homogeneity `f(a·x) = a·f(x)` for all `x` and `a >= 0`",
    check_positively_homogeneous,
    check_positively_homogeneous_on,
    assert_positively_homogeneous,
    assert_positively_homogeneous_on
);
property_forms!(
    Homogeneity,
    "homogeneity `f(a·x) = a·f(x)` for all `x` and all real `a`",
    check_homogeneous,
    check_homogeneous_on,
    assert_homogeneous,
    assert_homogeneous_on
);
property_forms!(
    Odd,
    "oddness `f(-x) = -f(x)` for all `x`",
    check_odd,
    check_odd_on,
    assert_odd,
    assert_odd_on
);
property_forms!(
    Affine,
    "that one affine map `A·x + c` equals the network",
    check_affine,
    check_affine_on,
    assert_affine,
    assert_affine_on
);
property_forms!(
    Linear,
    "that one linear map `A·x` equals the network",
    check_linear,
    check_linear_on,
    assert_linear,
    assert_linear_on
);

/// Checks that the network is *not* affine on the domain (the learner's question answered:
/// the ReLUs do cut there); a failure says that it is affine, or why it is not decided.
///
/// ```
/// use relucheck::{Domain, Network};
/// use relucheck::analysis::testing::check_not_affine_on;
/// let net = Network::load("examples/sign-flip.json")?;
/// assert!(check_not_affine_on(&net, &Domain::orthant(2)).is_ok());
/// # Ok::<(), relucheck::Error>(())
/// ```
pub fn check_not_affine_on(net: &Network, domain: &Domain) -> Result<(), CheckFailure> {
    let name = name(net);
    let v = Checker::new(net, domain.clone())
        .check(Property::Affine)
        .map_err(|e| CheckFailure {
            message: format!("{name}: cannot decide affinity: {e}"),
            counterexample: None,
        })?;
    match v.holds() {
        Some(false) => Ok(()),
        Some(true) => Err(CheckFailure {
            message: format!("{name} is affine on {} ({})", domain.describe(), v.reason),
            counterexample: None,
        }),
        None => Err(CheckFailure {
            message: format!("{name}: affinity is not established: {}", v.reason),
            counterexample: None,
        }),
    }
}

/// Checks that the network is not affine on the whole input space; see
/// [`check_not_affine_on`].
pub fn check_not_affine(net: &Network) -> Result<(), CheckFailure> {
    check_not_affine_on(net, &Domain::whole(net.input_dim()))
}

/// Asserts that the network is not affine on the domain; panics with the message of
/// [`check_not_affine_on`].
#[track_caller]
pub fn assert_not_affine_on(net: &Network, domain: &Domain) {
    if let Err(failure) = check_not_affine_on(net, domain) {
        panic!("{failure}");
    }
}

/// Asserts that the network is not affine on the whole input space; panics with the
/// message of [`check_not_affine`].
#[track_caller]
pub fn assert_not_affine(net: &Network) {
    if let Err(failure) = check_not_affine(net) {
        panic!("{failure}");
    }
}
