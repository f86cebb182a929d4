//! Proptest strategies for exact numbers, vectors and small networks, for property tests
//! (users' own, through [`crate::analysis::testing`], which re-exports them) and for the
//! library's random search of counterexamples.
//!
//! Every strategy shrinks toward small, simple values: a rational shrinks its numerator
//! toward 0 and its denominator toward 1 (the denominator is derived from an index, so it
//! shrinks too).
//!
//! They live in the network layer because they build [`Network`]s and use only
//! [`exact`](crate::exact) and the network types; the decisions above use them without a
//! circle through the assertions of [`crate::analysis::testing`].

use crate::exact::linalg::Matrix;
use crate::exact::rational::Q;
use crate::net::network::{Activation, Layer, Network, Shape};
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
