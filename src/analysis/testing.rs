//! Assertions and proptest strategies for users' own `cargo test`.
//!
//! The assertions decide the property exactly (see [`crate::analysis::properties`]) and panic with the
//! exact counterexample when it fails:
//!
//! ```should_panic
//! use relucheck::Network;
//! use relucheck::analysis::testing::assert_additive;
//! let relu = Network::from_json_str(
//!     r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "relu"}]}"#).unwrap();
//! // panics: "relu is not additive: x = [-1], y = [1]: f(x)+f(y) = [1], f(x+y) = [0]"
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
//! use relucheck::analysis::testing::{network, vector};
//!
//! proptest!(|(net in network(&[2, 3, 1]), x in vector(2))| {
//!     // Every network of this shape evaluates without error on every input.
//!     prop_assert_eq!(net.eval(&x).unwrap().len(), 1);
//! });
//! ```

use crate::analysis::properties::{Checker, Outcome, Property};
use crate::net::network::Network;
use crate::regions::domain::Domain;

#[cfg(feature = "testing")]
pub use crate::net::strategies::{
    bias_free_network, network, network_with, rational, rational_in, vector,
};

#[track_caller]
fn assert_property(net: &Network, domain: Domain, property: Property, what: &str) {
    let name = net.name.as_deref().unwrap_or("the network");
    let verdict = match Checker::new(net, domain.clone()).check(property) {
        Ok(v) => v,
        Err(e) => panic!("{name}: cannot decide whether it is {what}: {e}"),
    };
    match verdict.outcome {
        Outcome::Holds => {}
        Outcome::Fails(c) => panic!(
            "{name} is not {what} on {}: {}",
            domain.describe(),
            c.describe()
        ),
        Outcome::Certified(c) => panic!(
            "{name} is not {what} on {} (certified with enclosures): {}",
            domain.describe(),
            c.describe()
        ),
        Outcome::Unknown(why) => panic!("{name}: {what} is not established: {why}"),
    }
}

/// Asserts `f(x + y) = f(x) + f(y)` for all inputs, exactly; panics with a counterexample.
#[track_caller]
pub fn assert_additive(net: &Network) {
    assert_property(
        net,
        Domain::whole(net.input_dim()),
        Property::Additivity,
        "additive",
    );
}

/// Asserts `f(a·x) = a·f(x)` for all `x` and `a >= 0`, exactly.
#[track_caller]
pub fn assert_positively_homogeneous(net: &Network) {
    assert_property(
        net,
        Domain::whole(net.input_dim()),
        Property::PositiveHomogeneity,
        "positively homogeneous",
    );
}

/// Asserts `f(a·x) = a·f(x)` for all `x` and all real `a`, exactly.
#[track_caller]
pub fn assert_homogeneous(net: &Network) {
    assert_property(
        net,
        Domain::whole(net.input_dim()),
        Property::Homogeneity,
        "homogeneous",
    );
}

/// Asserts `f(-x) = -f(x)` for all `x`, exactly.
#[track_caller]
pub fn assert_odd(net: &Network) {
    assert_property(net, Domain::whole(net.input_dim()), Property::Odd, "odd");
}

/// Asserts that one affine map `A·x + c` equals the network on the whole domain.
#[track_caller]
pub fn assert_affine_on(net: &Network, domain: &Domain) {
    assert_property(net, domain.clone(), Property::Affine, "affine");
}

/// Asserts that one linear map `A·x` equals the network on the whole domain.
#[track_caller]
pub fn assert_linear_on(net: &Network, domain: &Domain) {
    assert_property(net, domain.clone(), Property::Linear, "linear");
}

/// Asserts that the network is not affine on the domain (the learner's question answered:
/// the ReLUs do cut there).
#[track_caller]
pub fn assert_not_affine_on(net: &Network, domain: &Domain) {
    let v = Checker::new(net, domain.clone())
        .check(Property::Affine)
        .unwrap_or_else(|e| panic!("cannot decide affinity: {e}"));
    if v.holds() != Some(false) {
        panic!(
            "{} is affine on {} ({})",
            net.name.as_deref().unwrap_or("the network"),
            domain.describe(),
            v.reason
        );
    }
}
