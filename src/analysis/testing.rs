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
//! Every strategy shrinks toward small, simple values: a rational shrinks its numerator
//! toward 0 and its denominator toward 1 (the denominator is derived from an index, so it
//! shrinks too), so a failing case ends at something like `x = [-1], y = [1]`.
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
use crate::exact::linalg::Matrix;
use crate::exact::rational::Q;
use crate::net::network::{Activation, Layer, Network, Shape};
use crate::regions::domain::Domain;
use proptest::prelude::*;

/// Rationals `n/d` with `|n| <= 20` and `1 <= d <= 8`, shrinking toward `0` and `d = 1`.
pub fn rational() -> impl Strategy<Value = Q> + Clone {
    rational_in(20, 8)
}

/// Rationals `n/d` with `|n| <= max_num` and `1 <= d <= max_den`, shrinking toward `0` and
/// `d = 1`.
pub fn rational_in(max_num: i64, max_den: i64) -> impl Strategy<Value = Q> + Clone {
    let max_den = max_den.max(1);
    (-max_num..=max_num, 0..max_den).prop_map(|(n, di)| Q::new(n, di + 1))
}

/// Vectors of `dim` [`rational`]s.
pub fn vector(dim: usize) -> impl Strategy<Value = Vec<Q>> + Clone {
    proptest::collection::vec(rational(), dim)
}

/// Fully connected ReLU networks with layer widths `widths` (`[inputs, hidden..., outputs]`),
/// small rational weights and biases, and a ReLU after every hidden layer.
pub fn network(widths: &[usize]) -> impl Strategy<Value = Network> + Clone {
    network_with(widths, Activation::Relu, true)
}

/// Like [`network`] with all biases zero.
pub fn bias_free_network(widths: &[usize]) -> impl Strategy<Value = Network> + Clone {
    network_with(widths, Activation::Relu, false)
}

/// Fully connected networks with the given activation after every hidden layer.
pub fn network_with(
    widths: &[usize],
    activation: Activation,
    with_bias: bool,
) -> impl Strategy<Value = Network> + Clone {
    assert!(
        widths.len() >= 2 && widths.iter().all(|&w| w > 0),
        "widths need an input and an output size, all positive"
    );
    let layers: Vec<_> = widths
        .windows(2)
        .map(|w| {
            let (n_in, n_out) = (w[0], w[1]);
            (
                proptest::collection::vec(rational_in(6, 4), n_in * n_out),
                proptest::collection::vec(
                    if with_bias {
                        rational_in(6, 4).boxed()
                    } else {
                        Just(Q::ZERO).boxed()
                    },
                    n_out,
                ),
            )
        })
        .collect();
    let widths = widths.to_vec();
    layers.prop_map(move |params| {
        let mut out = Vec::new();
        let last = params.len() - 1;
        for (k, (w, b)) in params.into_iter().enumerate() {
            let rows = w.chunks(widths[k]).map(<[Q]>::to_vec).collect();
            out.push(Layer::Dense {
                weights: Matrix::from_rows(rows).expect("rows have equal length"),
                bias: b,
            });
            if k != last {
                out.push(Layer::Activation(activation.clone()));
            }
        }
        Network::new(Shape::Flat(widths[0]), out).expect("generated layers chain")
    })
}

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
