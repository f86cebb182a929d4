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

/// Non-negative rationals `n/d` with `0 <= n <= max_num` and `1 <= d <= max_den`, shrinking
/// toward `0` and `d = 1` (scalars for positive homogeneity, lengths, weights of a monotone
/// network).
///
/// ```
/// use proptest::prelude::*;
/// use relucheck::net::strategies::non_negative_rational;
/// proptest!(|(a in non_negative_rational(10, 4))| {
///     prop_assert!(!a.is_negative());
/// });
/// ```
pub fn non_negative_rational(max_num: i64, max_den: i64) -> impl Strategy<Value = Q> + Clone {
    let max_den = max_den.max(1);
    (0..=max_num.max(0), 0..max_den).prop_map(|(n, di)| Q::new(n, di + 1))
}

/// Vectors of `dim` [`rational`]s.
pub fn vector(dim: usize) -> impl Strategy<Value = Vec<Q>> + Clone {
    proptest::collection::vec(rational(), dim)
}

/// Vectors of `dim` rationals `n/d` with `|n| <= max_num` and `1 <= d <= max_den`.
pub fn vector_in(dim: usize, max_num: i64, max_den: i64) -> impl Strategy<Value = Vec<Q>> + Clone {
    proptest::collection::vec(rational_in(max_num, max_den), dim)
}

/// Points of the box `lo[i] <= x[i] <= hi[i]`, exactly: each coordinate is
/// `lo + (hi - lo)·k/steps` for `k` in `0..=steps` (`steps` at least 1), so the corners
/// and a grid of rationals between them; a coordinate shrinks toward `lo`. An empty
/// coordinate range (`lo > hi`) gives `lo`; a length mismatch uses the shorter length.
///
/// ```
/// use proptest::prelude::*;
/// use relucheck::Q;
/// use relucheck::net::strategies::point_in_box;
/// let (lo, hi) = (vec![Q::ZERO, Q::from_int(-1)], vec![Q::ONE, Q::from_int(3)]);
/// proptest!(|(x in point_in_box(&lo, &hi, 8))| {
///     prop_assert!(x[0] >= lo[0] && x[0] <= hi[0] && x[1] >= lo[1] && x[1] <= hi[1]);
/// });
/// ```
pub fn point_in_box(
    lo: &[Q],
    hi: &[Q],
    steps: u32,
) -> impl Strategy<Value = Vec<Q>> + Clone + use<> {
    let steps = steps.max(1);
    let coords: Vec<_> = lo
        .iter()
        .zip(hi)
        .map(|(l, h)| {
            let (l, h) = (l.clone(), h.clone());
            (0..=steps).prop_map(move |k| {
                if h <= l {
                    l.clone()
                } else {
                    &l + &(&(&h - &l) * &Q::new(i64::from(k), i64::from(steps)))
                }
            })
        })
        .collect();
    coords
}

/// What [`network_params`] generates: layer widths, the range of weights and biases, and
/// the activation between layers. `Default` is a 2-3-1 ReLU network with biases and
/// weights `n/d`, `|n| <= 6`, `1 <= d <= 4` (what [`network`] generates).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Layer widths `[inputs, hidden..., outputs]`: at least two, all positive.
    pub widths: Vec<usize>,
    /// Largest numerator of a weight in absolute value.
    pub max_weight_num: i64,
    /// Largest denominator of a weight (at least 1).
    pub max_weight_den: i64,
    /// Largest numerator of a bias in absolute value; `0` for bias-free networks.
    pub max_bias_num: i64,
    /// Largest denominator of a bias (at least 1).
    pub max_bias_den: i64,
    /// The activation after every hidden layer.
    pub activation: Activation,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            widths: vec![2, 3, 1],
            max_weight_num: 6,
            max_weight_den: 4,
            max_bias_num: 6,
            max_bias_den: 4,
            activation: Activation::Relu,
        }
    }
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
    let defaults = Params::default();
    network_params(&Params {
        widths: widths.to_vec(),
        activation,
        max_bias_num: if with_bias { defaults.max_bias_num } else { 0 },
        ..defaults
    })
}

/// Fully connected networks as `params` describe: dense layers of the given widths with
/// weights and biases in the given ranges, shrinking toward zero weights, and the
/// activation after every hidden layer.
///
/// Widths that do not chain (fewer than two, or a zero) are a mistake in the test itself,
/// and panic when the strategy is built, before any case runs.
///
/// ```
/// use proptest::prelude::*;
/// use relucheck::net::strategies::{Params, network_params};
/// let params = Params { widths: vec![3, 4, 4, 2], max_bias_num: 0, ..Params::default() };
/// proptest!(|(net in network_params(&params))| {
///     prop_assert_eq!(net.input_dim(), 3);
///     prop_assert_eq!(net.eval(&[relucheck::Q::ZERO; 3]).unwrap(), vec![relucheck::Q::ZERO; 2]);
/// });
/// ```
pub fn network_params(params: &Params) -> impl Strategy<Value = Network> + Clone + use<> {
    let widths = params.widths.clone();
    assert!(
        widths.len() >= 2 && widths.iter().all(|&w| w > 0),
        "widths need an input and an output size, all positive"
    );
    let weight = rational_in(params.max_weight_num, params.max_weight_den);
    let bias = rational_in(params.max_bias_num.max(0), params.max_bias_den);
    let layers: Vec<_> = widths
        .windows(2)
        .map(|w| {
            let (n_in, n_out) = (w[0], w[1]);
            (
                proptest::collection::vec(weight.clone(), n_in * n_out),
                proptest::collection::vec(bias.clone(), n_out),
            )
        })
        .collect();
    let activation = params.activation.clone();
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

/// A deterministic network with float32 weights, drawn as trained networks look once
/// imported: weights ~ N(0, 1/fan_in), biases ~ N(0, 0.3^2), each rounded to `f32` and
/// taken exactly ([`Q::from_f32`]); ReLU between the dense layers. The draws are
/// SplitMix64 and Box-Muller from `seed`, the same on every machine (for benchmarks and
/// tests of speed on imported-looking nets).
///
/// # Panics
/// If `widths` has fewer than two entries or a zero width.
///
/// ```
/// let net = relucheck::analysis::testing::float32_mlp(&[2, 8, 1], 7);
/// assert_eq!(net.input_dim(), 2);
/// assert_eq!(net, relucheck::analysis::testing::float32_mlp(&[2, 8, 1], 7));
/// ```
pub fn float32_mlp(widths: &[usize], seed: u64) -> Network {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        // Uniform in (0, 1].
        ((z ^ (z >> 31)) >> 11).wrapping_add(1) as f64 / (1u64 << 53) as f64
    };
    let mut f32q = |sd: f64| {
        let (u, v) = (next(), next());
        let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        Q::from_f32((z * sd) as f32).expect("finite")
    };
    let mut layers = vec![];
    for (i, w) in widths.windows(2).enumerate() {
        let sd = 1.0 / (w[0] as f64).sqrt();
        let rows = (0..w[1])
            .map(|_| (0..w[0]).map(|_| f32q(sd)).collect())
            .collect();
        let bias = (0..w[1]).map(|_| f32q(0.3)).collect();
        layers.push(Layer::Dense {
            weights: Matrix::from_rows(rows).expect("rows of one length"),
            bias,
        });
        if i + 2 < widths.len() {
            layers.push(Layer::Activation(Activation::Relu));
        }
    }
    Network::new(Shape::Flat(widths[0]), layers).expect("a chain of dense layers")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};

    fn runner() -> TestRunner {
        TestRunner::new(Config::with_cases(64))
    }

    fn num_den_within(q: &Q, max_num: i64, max_den: i64) -> bool {
        use num_bigint::BigInt;
        q.numer() <= BigInt::from(max_num)
            && q.numer() >= BigInt::from(-max_num)
            && q.denom() >= BigInt::from(1)
            && q.denom() <= BigInt::from(max_den)
    }

    #[test]
    fn non_negative_rationals_are_non_negative_and_in_range() {
        runner()
            .run(&non_negative_rational(5, 3), |a| {
                prop_assert!(!a.is_negative());
                prop_assert!(num_den_within(&a, 5, 3), "{a}");
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn points_lie_in_their_box_and_reach_its_corners() {
        let lo = vec![Q::new(-1, 2), Q::from_int(2), Q::from_int(3)];
        let hi = vec![Q::from_int(1), Q::from_int(2), Q::from_int(1)];
        let strategy = point_in_box(&lo, &hi, 4);
        let mut seen_lo = false;
        let mut seen_hi = false;
        let mut runner = runner();
        for _ in 0..200 {
            let x = strategy.new_tree(&mut runner).unwrap().current();
            assert_eq!(x.len(), 3);
            assert!(lo[0] <= x[0] && x[0] <= hi[0], "{x:?}");
            assert_eq!(x[1], Q::from_int(2));
            assert_eq!(x[2], Q::from_int(3), "an empty range gives its lower end");
            seen_lo |= x[0] == lo[0];
            seen_hi |= x[0] == hi[0];
        }
        assert!(seen_lo && seen_hi, "the corners are among the points");
    }

    #[test]
    fn networks_follow_their_params() {
        let params = Params {
            widths: vec![3, 2, 2, 1],
            max_weight_num: 2,
            max_weight_den: 3,
            max_bias_num: 0,
            max_bias_den: 1,
            activation: Activation::LeakyRelu {
                alpha: Q::new(1, 10),
            },
        };
        runner()
            .run(&network_params(&params), |net| {
                prop_assert_eq!(net.input_dim(), 3);
                let mut dense = 0;
                for layer in net.layers() {
                    match layer {
                        Layer::Dense { weights, bias } => {
                            prop_assert_eq!(weights.cols(), params.widths[dense]);
                            prop_assert_eq!(weights.rows(), params.widths[dense + 1]);
                            prop_assert!(
                                weights
                                    .iter_rows()
                                    .flatten()
                                    .all(|w| num_den_within(w, 2, 3))
                            );
                            prop_assert!(bias.iter().all(Q::is_zero));
                            dense += 1;
                        }
                        Layer::Activation(a) => prop_assert_eq!(a, &params.activation),
                        other => prop_assert!(false, "unexpected layer {other:?}"),
                    }
                }
                prop_assert_eq!(dense, 3);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn default_params_are_what_network_generates() {
        let p = Params::default();
        assert_eq!(p.widths, vec![2, 3, 1]);
        let mut runner = runner();
        let a = network(&[2, 3, 1]).new_tree(&mut runner).unwrap().current();
        assert_eq!(a.input_dim(), 2);
        assert_eq!(a.layers().len(), 3);
    }
}
