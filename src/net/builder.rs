//! Building a [`Network`] in code, layer by layer.
//!
//! [`Network::builder`] starts from the input size and adds one layer per call, in the order
//! of the native file format's layer types ([`crate::net::format`]); [`NetworkBuilder::build`]
//! checks that the layers chain and returns the network or the first error, which names the
//! layer and what is wrong.
//!
//! ```
//! use relucheck::{Network, Q};
//!
//! // 2 inputs, 3 hidden ReLU units, 1 output: integers, rationals, floats and strings mix.
//! let net = Network::builder(2)
//!     .dense([[1, -1], [2, 0], [0, 1]], [0, -1, 1])
//!     .relu()
//!     .dense([[Q::new(1, 2), Q::ONE, Q::from_int(-3)]], [0.25])
//!     .build()?;
//! // relu([2, 5, 2]) = [2, 5, 2]; 1/2·2 + 5 - 3·2 + 1/4 = 1/4
//! assert_eq!(net.eval(&[Q::from_int(3), Q::ONE])?, vec![Q::new(1, 4)]);
//!
//! // A ragged row is an error that says which row and how long it should be.
//! let err = Network::builder(2).dense([vec![1, 2], vec![3]], [0, 0]).build().unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "layer 0 (dense): weights row 1 has 1 values, expected 2 (the length of row 0)"
//! );
//! # Ok::<(), relucheck::Error>(())
//! ```
//!
//! # Floats
//! An `f32` or `f64` entry is, by default, the exact dyadic rational its bits denote (as
//! everywhere in relucheck): `0.1_f64` is `3602879701896397/36028797018963968`. When the
//! float stands for a decimal typed by a person, [`Floats::ShortestDecimal`] takes the
//! shortest decimal that rounds to the same float instead (`0.1_f64` is `1/10`):
//!
//! ```
//! use relucheck::{Network, Q};
//! use relucheck::net::builder::Floats;
//!
//! let exact = Network::builder(1).dense([[0.1]], [0.0]).build()?;
//! let decimal = Network::builder(1).floats(Floats::ShortestDecimal).dense([[0.1]], [0.0]).build()?;
//! assert_eq!(decimal.eval(&[Q::ONE])?, vec![Q::new(1, 10)]);
//! assert_eq!(exact.eval(&[Q::ONE])?, vec![Q::from_f64(0.1).unwrap()]);
//! assert_ne!(Q::from_f64(0.1).unwrap(), Q::new(1, 10));
//! # Ok::<(), relucheck::Error>(())
//! ```
//!
//! A NaN or infinite entry is an error naming the layer and the position.

use crate::error::{Error, Result};
use crate::exact::linalg::Matrix;
use crate::exact::rational::Q;
use crate::net::layer::{Activation, Layer, Shape};
use crate::net::network::Network;

/// How [`NetworkBuilder`] reads `f32` and `f64` entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Floats {
    /// The exact dyadic rational the float's bits denote (the default): `0.1_f64` is
    /// `3602879701896397/2^55`.
    #[default]
    Exact,
    /// The shortest decimal that rounds back to the same float: `0.1_f64` is `1/10`.
    ShortestDecimal,
}

/// A number the builder accepts: integers, [`Q`], `f32`, `f64` (see [`Floats`]), and
/// strings in the file format's syntax (`"3/8"`, `"-0.125"`, `"1e-3"`), or a reference to
/// any of them.
pub trait Entry {
    /// The exact value, or why there is none (a NaN, an infinity, a string that is not a
    /// number).
    fn to_q(&self, floats: Floats) -> std::result::Result<Q, String>;
}

macro_rules! int_entry {
    ($($t:ty),*) => {$(
        impl Entry for $t {
            fn to_q(&self, _: Floats) -> std::result::Result<Q, String> {
                Ok(Q::from_i128_parts(*self as i128, 1))
            }
        }
    )*};
}

int_entry!(i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);

impl Entry for Q {
    fn to_q(&self, _: Floats) -> std::result::Result<Q, String> {
        Ok(self.clone())
    }
}

impl Entry for f64 {
    fn to_q(&self, floats: Floats) -> std::result::Result<Q, String> {
        match floats {
            Floats::Exact => Q::from_f64(*self).map_err(|e| e.to_string()),
            Floats::ShortestDecimal => shortest_decimal(*self, format!("{self:e}")),
        }
    }
}

impl Entry for f32 {
    fn to_q(&self, floats: Floats) -> std::result::Result<Q, String> {
        match floats {
            Floats::Exact => Q::from_f32(*self).map_err(|e| e.to_string()),
            Floats::ShortestDecimal => shortest_decimal(f64::from(*self), format!("{self:e}")),
        }
    }
}

/// `text` is Rust's shortest round-trip form of a finite float (`{:e}`); NaN and infinities
/// are refused by the exact decoding of `x`.
fn shortest_decimal(x: f64, text: String) -> std::result::Result<Q, String> {
    Q::from_f64(x).map_err(|e| e.to_string())?;
    text.parse::<Q>().map_err(|e| e.to_string())
}

impl Entry for str {
    fn to_q(&self, _: Floats) -> std::result::Result<Q, String> {
        self.parse::<Q>().map_err(|e| format!("`{self}`: {e}"))
    }
}

impl Entry for String {
    fn to_q(&self, floats: Floats) -> std::result::Result<Q, String> {
        self.as_str().to_q(floats)
    }
}

impl<T: Entry + ?Sized> Entry for &T {
    fn to_q(&self, floats: Floats) -> std::result::Result<Q, String> {
        (**self).to_q(floats)
    }
}

/// A window size, stride or padding: one number for both directions, or
/// `(vertical, horizontal)`.
pub trait Pair {
    /// `(vertical, horizontal)`.
    fn pair(self) -> (usize, usize);
}

impl Pair for usize {
    fn pair(self) -> (usize, usize) {
        (self, self)
    }
}

impl Pair for (usize, usize) {
    fn pair(self) -> (usize, usize) {
        self
    }
}

impl From<usize> for Shape {
    /// `[n]`.
    fn from(n: usize) -> Shape {
        Shape::Flat(n)
    }
}

impl From<[usize; 3]> for Shape {
    /// `[C, H, W]`.
    fn from([c, h, w]: [usize; 3]) -> Shape {
        Shape::Chw(c, h, w)
    }
}

/// Adds layers to a network one call at a time; made by [`Network::builder`].
///
/// Every method takes and returns the builder, so calls chain. The first error (a ragged
/// weight row, a NaN, a wrong count of convolution weights) is kept and returned by
/// [`NetworkBuilder::build`], which also checks that the layers chain.
#[derive(Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct NetworkBuilder {
    input: Shape,
    /// The shape the layers so far produce, when they chain (for inferring conv channels).
    current: Option<Shape>,
    layers: Vec<Layer>,
    floats: Floats,
    name: Option<String>,
    description: Option<String>,
    error: Option<Error>,
}

impl Network {
    /// Starts a network on `input`: a number of inputs (`2`) or a shape (`[C, H, W]`).
    ///
    /// See [`crate::net::builder`] for an example.
    pub fn builder(input: impl Into<Shape>) -> NetworkBuilder {
        let input = input.into();
        NetworkBuilder {
            input,
            current: Some(input),
            layers: Vec::new(),
            floats: Floats::Exact,
            name: None,
            description: None,
            error: None,
        }
    }
}

impl NetworkBuilder {
    /// How `f32`/`f64` entries of the layers added after this call are read (default
    /// [`Floats::Exact`]).
    pub fn floats(mut self, floats: Floats) -> NetworkBuilder {
        self.floats = floats;
        self
    }

    /// The network's name (it appears in messages and reports).
    pub fn name(mut self, name: impl Into<String>) -> NetworkBuilder {
        self.name = Some(name.into());
        self
    }

    /// The network's description.
    pub fn description(mut self, description: impl Into<String>) -> NetworkBuilder {
        self.description = Some(description.into());
        self
    }

    /// Adds any layer.
    pub fn layer(mut self, layer: Layer) -> NetworkBuilder {
        if self.error.is_none() {
            let index = self.layers.len();
            self.current = self.current.and_then(|s| layer.output_shape(index, s).ok());
            self.layers.push(layer);
        }
        self
    }

    /// Adds `y = W x + b`, `weights` given row by row (out × in, like PyTorch's `Linear`).
    pub fn dense<R, T, B>(
        self,
        weights: impl IntoIterator<Item = R>,
        bias: impl IntoIterator<Item = B>,
    ) -> NetworkBuilder
    where
        R: IntoIterator<Item = T>,
        T: Entry,
        B: Entry,
    {
        self.try_layer("dense", |b| {
            let rows = weights
                .into_iter()
                .enumerate()
                .map(|(i, r)| b.numbers(r, &format!("weights[{i}]")))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let weights = Matrix::try_from_rows(rows).map_err(|e| format!("weights {e}"))?;
            Ok(Layer::Dense {
                bias: b.numbers(bias, "bias")?,
                weights,
            })
        })
    }

    /// Adds `y = W x`: [`NetworkBuilder::dense`] with a zero bias.
    pub fn dense_without_bias<R, T>(self, weights: impl IntoIterator<Item = R>) -> NetworkBuilder
    where
        R: IntoIterator<Item = T>,
        T: Entry,
    {
        self.try_layer("dense", |b| {
            let rows = weights
                .into_iter()
                .enumerate()
                .map(|(i, r)| b.numbers(r, &format!("weights[{i}]")))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let weights = Matrix::try_from_rows(rows).map_err(|e| format!("weights {e}"))?;
            Ok(Layer::Dense {
                bias: vec![Q::ZERO; weights.rows()],
                weights,
            })
        })
    }

    /// Adds a 2-D convolution (like PyTorch's `Conv2d`) on a `[C, H, W]` input: `weights`
    /// flattened in the order `[out_ch][in_ch][kh][kw]`, one `bias` per output channel
    /// (which gives the number of output channels); the input channels are those of the
    /// previous layer's output. `stride` and `padding` (zeros) are a number or a pair.
    pub fn conv2d<T: Entry, B: Entry>(
        self,
        weights: impl IntoIterator<Item = T>,
        bias: impl IntoIterator<Item = B>,
        kernel: impl Pair,
        stride: impl Pair,
        padding: impl Pair,
    ) -> NetworkBuilder {
        let (kernel, stride, padding) = (kernel.pair(), stride.pair(), padding.pair());
        self.try_layer("conv2d", |b| {
            let bias = b.numbers(bias, "bias")?;
            let weights = b.numbers(weights, "weights")?;
            let Some(Shape::Chw(in_channels, _, _)) = b.current else {
                return Err(match b.current {
                    Some(s) => format!("expected an input of shape [C, H, W], found {s}"),
                    None => "the layers before it do not chain".into(),
                });
            };
            let out_channels = bias.len();
            let expected = out_channels * in_channels * kernel.0 * kernel.1;
            if weights.len() != expected {
                return Err(format!(
                    "{} weights, expected {expected} ({out_channels} output channels x {in_channels} input channels x {} x {}, flattened in that order)",
                    weights.len(),
                    kernel.0,
                    kernel.1
                ));
            }
            Ok(Layer::Conv2d {
                weights,
                out_channels,
                in_channels,
                kernel,
                bias,
                stride,
                padding,
            })
        })
    }

    /// Adds average pooling (zero padding counts in the average, as in PyTorch).
    pub fn avg_pool2d(
        self,
        kernel: impl Pair,
        stride: impl Pair,
        padding: impl Pair,
    ) -> NetworkBuilder {
        self.layer(Layer::AvgPool2d {
            kernel: kernel.pair(),
            stride: stride.pair(),
            padding: padding.pair(),
        })
    }

    /// Adds max pooling (padding never wins the maximum).
    pub fn max_pool2d(
        self,
        kernel: impl Pair,
        stride: impl Pair,
        padding: impl Pair,
    ) -> NetworkBuilder {
        self.layer(Layer::MaxPool2d {
            kernel: kernel.pair(),
            stride: stride.pair(),
            padding: padding.pair(),
        })
    }

    /// Adds `[C, H, W]` to `[C·H·W]`.
    pub fn flatten(self) -> NetworkBuilder {
        self.layer(Layer::Flatten)
    }

    /// Adds ReLU.
    pub fn relu(self) -> NetworkBuilder {
        self.layer(Layer::Activation(Activation::Relu))
    }

    /// Adds abs.
    pub fn abs(self) -> NetworkBuilder {
        self.layer(Layer::Activation(Activation::Abs))
    }

    /// Adds the identity.
    pub fn identity(self) -> NetworkBuilder {
        self.layer(Layer::Activation(Activation::Identity))
    }

    /// Adds Leaky ReLU with slope `alpha` for negative inputs.
    pub fn leaky_relu(self, alpha: impl Entry) -> NetworkBuilder {
        self.try_layer("leaky_relu", |b| {
            Ok(Layer::Activation(Activation::LeakyRelu {
                alpha: b.number(&alpha, "alpha")?,
            }))
        })
    }

    /// Adds PReLU: one slope, one per channel, or one per unit.
    pub fn prelu<T: Entry>(self, alpha: impl IntoIterator<Item = T>) -> NetworkBuilder {
        self.try_layer("prelu", |b| {
            Ok(Layer::Activation(Activation::PRelu {
                alpha: b.numbers(alpha, "alpha")?,
            }))
        })
    }

    /// Adds hard-tanh clamping to `[min, max]` (`min < max`).
    pub fn hard_tanh(self, min: impl Entry, max: impl Entry) -> NetworkBuilder {
        self.try_layer("hard_tanh", |b| {
            Ok(Layer::Activation(Activation::HardTanh {
                min: b.number(&min, "min")?,
                max: b.number(&max, "max")?,
            }))
        })
    }

    /// Adds ELU with scale `alpha` (not piecewise linear: evaluated with enclosures).
    pub fn elu(self, alpha: impl Entry) -> NetworkBuilder {
        self.try_layer("elu", |b| {
            Ok(Layer::Activation(Activation::Elu {
                alpha: b.number(&alpha, "alpha")?,
            }))
        })
    }

    /// Adds SELU (not piecewise linear: evaluated with enclosures).
    pub fn selu(self) -> NetworkBuilder {
        self.layer(Layer::Activation(Activation::Selu))
    }

    /// Adds a residual block `y = x + F(x)`: `branch` adds the layers of `F` to a builder
    /// that starts on the current shape ([`Layer::Residual`]).
    ///
    /// ```
    /// use relucheck::{Network, Q};
    /// // x + relu(x - 1)
    /// let net = Network::builder(1)
    ///     .residual(|f| f.dense([[1]], [-1]).relu())
    ///     .build()?;
    /// assert_eq!(net.eval(&[Q::from_int(3)])?, vec![Q::from_int(5)]);
    /// # Ok::<(), relucheck::Error>(())
    /// ```
    pub fn residual(self, branch: impl FnOnce(NetworkBuilder) -> NetworkBuilder) -> NetworkBuilder {
        self.residual_with_skip(branch, |p| p)
    }

    /// Adds a residual block `y = P(x) + F(x)`: `branch` adds the layers of `F`, `skip` those
    /// of `P` (e.g. one dense or 1x1 conv2d layer, a projection), each to a builder that
    /// starts on the current shape. An error inside names the block and the inner layer.
    pub fn residual_with_skip(
        self,
        branch: impl FnOnce(NetworkBuilder) -> NetworkBuilder,
        skip: impl FnOnce(NetworkBuilder) -> NetworkBuilder,
    ) -> NetworkBuilder {
        if self.error.is_some() {
            return self;
        }
        let start = || {
            let mut b = Network::builder(self.current.unwrap_or(self.input));
            b.floats = self.floats;
            b
        };
        let (f, p) = (branch(start()), skip(start()));
        let index = self.layers.len();
        for (field, b) in [("layers", &f), ("skip", &p)] {
            if let Some(e) = &b.error {
                let (path, message) = match e {
                    Error::Layer {
                        layer,
                        kind,
                        message,
                    } => (format!("{field}[{layer}]"), format!("{kind}: {message}")),
                    Error::Residual {
                        layer,
                        path,
                        message,
                    } => (format!("{field}[{layer}].{path}"), message.clone()),
                    other => (field.to_string(), other.to_string()),
                };
                let mut out = self;
                out.error = Some(Error::Residual {
                    layer: index,
                    path,
                    message,
                });
                return out;
            }
        }
        self.layer(Layer::Residual {
            layers: f.layers,
            skip: p.layers,
        })
    }

    /// The network, or the first error: a bad entry or a ragged row (naming the layer and
    /// the place), or layers that do not chain ([`Network::new`]'s errors).
    pub fn build(self) -> Result<Network> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut net = Network::new(self.input, self.layers)?;
        net.name = self.name;
        net.description = self.description;
        Ok(net)
    }

    /// Adds the layer `make` builds, or records its error for `build`.
    fn try_layer(
        mut self,
        kind: &str,
        make: impl FnOnce(&NetworkBuilder) -> std::result::Result<Layer, String>,
    ) -> NetworkBuilder {
        if self.error.is_some() {
            return self;
        }
        match make(&self) {
            Ok(layer) => self.layer(layer),
            Err(message) => {
                self.error = Some(Error::Layer {
                    layer: self.layers.len(),
                    kind: kind.into(),
                    message,
                });
                self
            }
        }
    }

    fn number(&self, x: &impl Entry, what: &str) -> std::result::Result<Q, String> {
        x.to_q(self.floats).map_err(|e| format!("{what}: {e}"))
    }

    fn numbers<T: Entry>(
        &self,
        xs: impl IntoIterator<Item = T>,
        what: &str,
    ) -> std::result::Result<Vec<Q>, String> {
        xs.into_iter()
            .enumerate()
            .map(|(i, x)| {
                if i >= crate::net::network::MAX_VALUES {
                    return Err(format!(
                        "{what}: more than {} values",
                        crate::net::network::MAX_VALUES
                    ));
                }
                x.to_q(self.floats).map_err(|e| format!("{what}[{i}]: {e}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Q {
        s.parse().unwrap()
    }

    #[test]
    fn every_layer_kind_matches_the_file_format() {
        let built = Network::builder([1, 4, 4])
            .conv2d([1, 0, 0, -1, 2, 1, 1, 2], ["1/2", "-1"], (2, 2), 1, (0, 0))
            .leaky_relu("1/10")
            .avg_pool2d(1, 1, 0)
            .max_pool2d(2, (1, 1), 0)
            .prelu([0.5f32, 0.25])
            .flatten()
            .dense([[1; 8], [-1; 8]], [0, 1])
            .hard_tanh(-2, 3)
            .abs()
            .identity()
            .relu()
            .elu(1)
            .selu()
            .name("all")
            .build()
            .unwrap();
        let text = r#"{"relucheck": 1, "name": "all", "input_shape": [1, 4, 4], "layers": [
            {"type": "conv2d", "weights": [[[[1, 0], [0, -1]]], [[[2, 1], [1, 2]]]], "bias": ["1/2", -1]},
            {"type": "leaky_relu", "alpha": 0.1},
            {"type": "avg_pool2d", "kernel_size": 1},
            {"type": "max_pool2d", "kernel_size": 2, "stride": 1},
            {"type": "prelu", "alpha": [0.5, 0.25]},
            {"type": "flatten"},
            {"type": "dense", "weights": [[1, 1, 1, 1, 1, 1, 1, 1], [-1, -1, -1, -1, -1, -1, -1, -1]], "bias": [0, 1]},
            {"type": "hard_tanh", "min": -2, "max": 3},
            {"type": "abs"}, {"type": "identity"}, {"type": "relu"}, {"type": "elu", "alpha": 1}, {"type": "selu"}
        ]}"#;
        assert_eq!(built, Network::from_json_str(text).unwrap());
    }

    #[test]
    fn entries_of_every_kind_are_exact() {
        let net = Network::builder(4)
            .dense_without_bias([[
                q("1/3"),
                Q::from_f32(0.1).unwrap(),
                Q::from_int(-7),
                q("1e-3"),
            ]])
            .build()
            .unwrap();
        let mixed = Network::builder(4)
            .dense([["1/3", "0", "0", "0"]], [0u8])
            .build()
            .unwrap();
        assert_eq!(net.layers()[0].parameter_count(), 5);
        let x = [Q::ONE, Q::ZERO, Q::ZERO, Q::ZERO];
        assert_eq!(net.eval(&x).unwrap(), mixed.eval(&x).unwrap());
        // f32 0.1 is its dyadic value; with ShortestDecimal it is 1/10.
        let f = |floats| {
            Network::builder(1)
                .floats(floats)
                .dense([[0.1f32]], [-2.5e-3f64])
                .build()
                .unwrap()
                .eval(&[Q::ONE])
                .unwrap()[0]
                .clone()
        };
        assert_eq!(
            f(Floats::Exact),
            Q::from_f32(0.1).unwrap() + Q::from_f64(-2.5e-3).unwrap()
        );
        assert_eq!(f(Floats::ShortestDecimal), q("1/10") - q("1/400"));
        // The shortest decimal of the smallest normal f64 is 2.2250738585072014e-308, not
        // the float's exact value 2^-1022.
        let tiny = Entry::to_q(&f64::MIN_POSITIVE, Floats::ShortestDecimal).unwrap();
        assert_eq!(tiny, q("2.2250738585072014e-308"));
        assert_ne!(tiny, Q::pow2(-1022));
        assert_eq!(Q::from_f64(f64::MIN_POSITIVE).unwrap(), Q::pow2(-1022));
    }

    #[test]
    fn bad_entries_and_shapes_name_the_layer_and_place() {
        let err = |b: NetworkBuilder| b.build().unwrap_err().to_string();
        assert_eq!(
            err(Network::builder(2).relu().dense([[1.0, f64::NAN]], [0])),
            "layer 1 (dense): weights[0][1]: NaN has no exact rational value (NaN or infinite)"
        );
        assert_eq!(
            err(Network::builder(2).dense([[1, 1]], ["x"])),
            "layer 0 (dense): bias[0]: `x`: ".to_string()
                + &"x".parse::<Q>().unwrap_err().to_string()
        );
        assert_eq!(
            err(Network::builder(3).dense([vec![1, 2, 3], vec![1, 2, 3], vec![1]], [0, 0, 0])),
            "layer 0 (dense): weights row 2 has 1 values, expected 3 (the length of row 0)"
        );
        assert_eq!(
            err(Network::builder(2).dense([[1, 1, 1]], [0])),
            "layer 0 (dense): expected weights with 2 columns (the previous layer gives 2 values), found 3 columns"
        );
        assert!(err(Network::builder(2).hard_tanh(1, 1)).contains("must be smaller"));
        assert_eq!(
            err(Network::builder([2, 3, 3]).conv2d([1; 4], [0], 2, 1, 0)),
            "layer 0 (conv2d): 4 weights, expected 8 (1 output channels x 2 input channels x 2 x 2, flattened in that order)"
        );
        assert_eq!(
            err(Network::builder(4).conv2d([1; 4], [0], 2, 1, 0)),
            "layer 0 (conv2d): expected an input of shape [C, H, W], found [4]"
        );
        // The first error wins, and later layers do not hide it.
        assert_eq!(
            err(Network::builder(1)
                .leaky_relu(f32::INFINITY)
                .dense([[1, 2]], [0])),
            "layer 0 (leaky_relu): alpha: infinity has no exact rational value (NaN or infinite)"
        );
        assert!(err(Network::builder(1)).contains("no layers"));
    }
}
