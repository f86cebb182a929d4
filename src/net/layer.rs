//! Layers and activations: what each computes, its shape, and its affine pieces.
//!
//! Layers are either *affine* (`dense`, `conv2d`, `avg_pool2d`, `flatten`) or *piecewise
//! linear* (the activations and `max_pool2d`). A [`Network`](crate::net::network::Network)
//! chains them.
//!
//! # Activation patterns
//! Every unit of a piecewise-linear layer is "which affine piece is active": a ReLU unit has
//! 2 pieces, hard-tanh 3, a max-pool unit over `k` inputs `k`. [`Layer::pieces`] states each
//! piece as closed linear conditions on the layer's input and the affine output it computes
//! there, so one notion of *activation pattern* ([`Pattern`]) serves every layer kind, and
//! region enumeration splits on it.
//!
//! At a point where several pieces' conditions hold (a boundary, where their outputs agree
//! by continuity) the trace records the lowest-numbered piece: ReLU at 0 is inactive (piece
//! 0), hard-tanh at its `min` is piece 0, a max-pool tie picks the first maximal input.

use crate::error::{Error, Result};
use crate::exact::linalg::{Affine, Matrix};
use crate::exact::rational::Q;
use std::fmt;

/// The largest number of values (inputs, units, weights) a network or a file may have, so
/// a typo cannot exhaust memory: no layer may produce more (nor the input have more).
pub const MAX_VALUES: usize = 10_000_000;

/// The shape of the values between two layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A vector of `n` values.
    Flat(usize),
    /// `C` channels of `H × W` images, flattened row-major in the order C, H, W.
    Chw(usize, usize, usize),
}

impl Shape {
    /// The number of values.
    pub fn size(&self) -> usize {
        self.checked_size().expect("shape sizes are validated")
    }

    /// The number of values, or `None` when it overflows `usize`.
    pub fn checked_size(&self) -> Option<usize> {
        match *self {
            Shape::Flat(n) => Some(n),
            Shape::Chw(c, h, w) => c.checked_mul(h)?.checked_mul(w),
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Flat(n) => write!(f, "[{n}]"),
            Shape::Chw(c, h, w) => write!(f, "[{c}, {h}, {w}]"),
        }
    }
}

/// An element-wise activation function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Activation {
    /// Formally, relu(x) = max{0, x}.
    Relu,
    /// Formally, leaky_relu(x) = x for x >= 0 and alpha·x for x < 0.
    LeakyRelu {
        /// The slope for negative inputs.
        alpha: Q,
    },
    /// Formally, prelu(x) = x for x >= 0 and alpha_i·x for x < 0, with one alpha per
    /// unit, per channel, or one shared by all.
    PRelu {
        /// One value, one per channel or one per unit.
        alpha: Vec<Q>,
    },
    /// Formally, hard_tanh(x) = min{max, max{min, x}}.
    HardTanh {
        /// Lower clamp.
        min: Q,
        /// Upper clamp (`min < max`).
        max: Q,
    },
    /// Formally, abs(x) = max{x, -x}.
    Abs,
    /// Formally, identity(x) = x.
    Identity,
    /// Formally, elu(x) = x for x > 0 and alpha·(e^x - 1) for x <= 0. Not piecewise linear:
    /// evaluated with certified enclosures ([`Network::eval_enclosure`](crate::net::network::Network::eval_enclosure)). Any rational
    /// alpha is accepted, as in PyTorch (alpha = 0 is ReLU; a negative alpha makes the unit
    /// non-monotone, which the enclosures handle).
    Elu {
        /// The scale of the negative part (default 1).
        alpha: Q,
    },
    /// Formally, selu(x) = lambda·elu_alpha(x) with the standard constants of Klambauer et
    /// al. 2017 ([`selu_lambda`], [`selu_alpha`]), which are irrational and carried as
    /// tight intervals.
    Selu,
}

/// The published 31-decimal value of SELU's lambda, `1.0507009873554804934193349852946`.
pub const SELU_LAMBDA_DECIMAL: &str = "1.0507009873554804934193349852946";

/// The published 31-decimal value of SELU's alpha, `1.6732632423543772848170429916717`.
pub const SELU_ALPHA_DECIMAL: &str = "1.6732632423543772848170429916717";

/// SELU's lambda as an interval: the published decimal ± 10^-31. The real lambda is
/// defined by an equation (fixed point of the mean/variance map) and is not a known
/// rational; the published digits are correctly rounded (checked against a 50-digit
/// evaluation of the closed form, `1.05070098735548049341933498529460635...`), so the true
/// value lies in this interval. Carrying the interval, rather than PyTorch's float32
/// rounding of it, keeps "selu" meaning the real SELU; its width (2·10^-31 ≈ 2^-101) is
/// far below the default precision.
pub fn selu_lambda() -> crate::exact::interval::Interval {
    decimal_pm(SELU_LAMBDA_DECIMAL)
}

/// SELU's alpha as an interval: the published decimal ± 10^-31 (true value
/// `1.67326324235437728481704299167165203...`); see [`selu_lambda`].
pub fn selu_alpha() -> crate::exact::interval::Interval {
    decimal_pm(SELU_ALPHA_DECIMAL)
}

fn decimal_pm(text: &str) -> crate::exact::interval::Interval {
    let v: Q = text.parse().expect("a valid constant");
    let r: Q = "1e-31".parse().expect("a valid constant");
    crate::exact::interval::Interval::new(&v - &r, &v + &r).expect("lo < hi")
}

/// One layer of a network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layer {
    /// `y = W x + b`, with `W` of shape out × in (like PyTorch's `Linear`).
    Dense {
        /// `out × in`.
        weights: Matrix,
        /// Length `out`.
        bias: Vec<Q>,
    },
    /// A 2-D convolution (cross-correlation, like PyTorch's `Conv2d`).
    Conv2d {
        /// Weights indexed `[out_ch][in_ch][kh][kw]`, flattened in that order.
        weights: Vec<Q>,
        /// Output channels.
        out_channels: usize,
        /// Input channels.
        in_channels: usize,
        /// Kernel height and width.
        kernel: (usize, usize),
        /// One bias per output channel.
        bias: Vec<Q>,
        /// Vertical and horizontal stride.
        stride: (usize, usize),
        /// Zero padding on each side (vertical, horizontal).
        padding: (usize, usize),
    },
    /// Average pooling; zero padding counts in the average (PyTorch's default
    /// `count_include_pad=True`).
    AvgPool2d {
        /// Window height and width.
        kernel: (usize, usize),
        /// Stride.
        stride: (usize, usize),
        /// Zero padding on each side.
        padding: (usize, usize),
    },
    /// Max pooling; padding never wins the maximum.
    MaxPool2d {
        /// Window height and width.
        kernel: (usize, usize),
        /// Stride.
        stride: (usize, usize),
        /// Padding on each side (ignored positions).
        padding: (usize, usize),
    },
    /// `[C, H, W]` to `[C·H·W]`; the values do not change.
    Flatten,
    /// An element-wise activation.
    Activation(Activation),
    /// A residual block `y = P(x) + F(x)`: `F` is the chain `layers` (never empty), `P`
    /// the chain `skip` (empty: the identity, `y = x + F(x)`; e.g. one dense or 1x1 conv2d
    /// layer for a projection). Both chains end in the same shape, the block's output
    /// shape. The block's units are those of `layers`, then those of `skip`, in order; see
    /// [`crate::net::residual`].
    Residual {
        /// The branch `F`, applied to the block's input.
        layers: Vec<Layer>,
        /// The skip path `P` (empty for the identity).
        skip: Vec<Layer>,
    },
}

/// A sparse linear form `Σ coef · z[index] + constant` over a layer's input `z`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    /// `(index, coefficient)` pairs.
    pub terms: Vec<(usize, Q)>,
    /// The constant.
    pub constant: Q,
}

impl Form {
    /// `Σ coef · z[index] + constant`.
    pub fn eval(&self, z: &[Q]) -> Q {
        let mut acc = self.constant.clone();
        for (i, c) in &self.terms {
            acc += c * &z[*i];
        }
        acc
    }

    /// `self ∘ map`: the form as an affine function of `map`'s input, `(row, offset)`.
    pub fn compose(&self, map: &Affine) -> (Vec<Q>, Q) {
        let mut row = vec![Q::ZERO; map.input_dim()];
        let off = self.compose_into(map, &mut row);
        (row, off)
    }

    /// Adds the linear part of `self ∘ map` to `row` (zero on entry) and returns the offset.
    pub fn compose_into(&self, map: &Affine, row: &mut [Q]) -> Q {
        if let [(i, c)] = &self.terms[..]
            && c.is_one()
            && self.constant.is_zero()
        {
            // A plain coordinate (the common case: ReLU's conditions and outputs).
            let (r, m) = map.component(*i);
            row.clone_from_slice(r);
            return m.clone();
        }
        if let [(i, c)] = &self.terms[..]
            && (-c).is_one()
            && self.constant.is_zero()
        {
            // Its negation (ReLU's other side): no products, no gcd.
            let (r, m) = map.component(*i);
            for (acc, v) in row.iter_mut().zip(r) {
                *acc = -v;
            }
            return -m;
        }
        let mut off = self.constant.clone();
        for (i, c) in &self.terms {
            let (r, m) = map.component(*i);
            for (acc, v) in row.iter_mut().zip(r) {
                if !v.is_zero() {
                    *acc += c * v;
                }
            }
            if !m.is_zero() {
                off += c * m;
            }
        }
        off
    }

    fn var(i: usize, c: Q) -> Form {
        Form {
            terms: vec![(i, c)],
            constant: Q::ZERO,
        }
    }

    fn constant(c: Q) -> Form {
        Form {
            terms: vec![],
            constant: c,
        }
    }

    fn diff(i: usize, j: usize) -> Form {
        Form {
            terms: vec![(i, Q::ONE), (j, -Q::ONE)],
            constant: Q::ZERO,
        }
    }
}

/// One affine piece of a piecewise-linear unit: where it holds and what it computes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// The closed conditions `form >= 0` (over the layer's input) under which this piece
    /// is active.
    pub conditions: Vec<Form>,
    /// The unit's output on this piece.
    pub output: Form,
}

impl Layer {
    /// The layer's type name in the file format.
    pub fn kind(&self) -> &'static str {
        match self {
            Layer::Dense { .. } => "dense",
            Layer::Conv2d { .. } => "conv2d",
            Layer::AvgPool2d { .. } => "avg_pool2d",
            Layer::MaxPool2d { .. } => "max_pool2d",
            Layer::Flatten => "flatten",
            Layer::Residual { .. } => "residual",
            Layer::Activation(a) => match a {
                Activation::Relu => "relu",
                Activation::LeakyRelu { .. } => "leaky_relu",
                Activation::PRelu { .. } => "prelu",
                Activation::HardTanh { .. } => "hard_tanh",
                Activation::Abs => "abs",
                Activation::Identity => "identity",
                Activation::Elu { .. } => "elu",
                Activation::Selu => "selu",
            },
        }
    }

    /// Does the layer compute an affine map of its input? (A residual block does when
    /// every layer in it does.)
    pub fn is_affine(&self) -> bool {
        match self {
            Layer::Residual { layers, skip } => layers.iter().chain(skip).all(Layer::is_affine),
            _ => matches!(
                self,
                Layer::Dense { .. }
                    | Layer::Conv2d { .. }
                    | Layer::AvgPool2d { .. }
                    | Layer::Flatten
                    | Layer::Activation(Activation::Identity)
            ),
        }
    }

    /// The number of piecewise-linear units of the layer for an input of shape `input`
    /// (its digits in a [`Pattern`]): the output size of an activation or max-pool layer,
    /// the units inside a residual block, 0 for an affine layer.
    pub fn unit_count(&self, input: Shape) -> usize {
        match self {
            Layer::Residual { layers, skip } => residual_unit_count(layers, skip, input),
            l if l.is_affine() => 0,
            l => l.output_shape(0, input).map_or(0, |s| s.size()),
        }
    }

    /// Is the layer neither affine nor piecewise linear (ELU, SELU)? Such a layer has no
    /// exact rational value at most inputs; see [`Network::eval_enclosure`](crate::net::network::Network::eval_enclosure).
    pub fn is_curved(&self) -> bool {
        matches!(
            self,
            Layer::Activation(Activation::Elu { .. } | Activation::Selu)
        )
    }

    /// The two sign pieces of every unit of a curved layer (ELU, SELU), for region
    /// splitting: piece 0 is `z <= 0` (the curved part), piece 1 is `z >= 0` (where ELU is
    /// the identity and SELU is `lambda·z`). The `output` of piece 0 is a placeholder `z` and
    /// must not be used as the unit's value; `None` for other layers.
    pub fn sign_pieces(&self, input: Shape) -> Option<Vec<Vec<Piece>>> {
        if !self.is_curved() {
            return None;
        }
        Some(
            (0..input.size())
                .map(|i| {
                    vec![
                        Piece {
                            conditions: vec![Form::var(i, -Q::ONE)],
                            output: Form::var(i, Q::ONE),
                        },
                        Piece {
                            conditions: vec![Form::var(i, Q::ONE)],
                            output: Form::var(i, Q::ONE),
                        },
                    ]
                })
                .collect(),
        )
    }

    /// Number of learned parameters.
    pub fn parameter_count(&self) -> usize {
        match self {
            Layer::Dense { weights, bias } => weights.rows() * weights.cols() + bias.len(),
            Layer::Conv2d { weights, bias, .. } => weights.len() + bias.len(),
            Layer::Activation(Activation::PRelu { alpha }) => alpha.len(),
            Layer::Residual { layers, skip } => {
                layers.iter().chain(skip).map(Layer::parameter_count).sum()
            }
            _ => 0,
        }
    }

    /// The output shape for an input of shape `input`, checking that they fit; `index` is
    /// the layer's position, for messages.
    pub fn output_shape(&self, index: usize, input: Shape) -> Result<Shape> {
        let c = ShapeCheck {
            index,
            kind: self.kind().to_string(),
        };
        match self {
            Layer::Dense { weights, bias } => c.dense(weights, bias, input),
            Layer::Conv2d {
                in_channels,
                out_channels,
                kernel,
                bias,
                stride,
                padding,
                ..
            } => {
                let Shape::Chw(ch, h, w) = input else {
                    return Err(c.shape_err(
                        "an input of shape [C, H, W]".into(),
                        format!("input of shape {input}"),
                        Some("set input_shape to [C, H, W], or use dense for flat inputs"),
                    ));
                };
                if *in_channels != ch {
                    return Err(c.shape_err(
                        format!("weights for {ch} input channels"),
                        format!("{in_channels}"),
                        None,
                    ));
                }
                if bias.len() != *out_channels {
                    return Err(c.shape_err(
                        format!("a bias of length {out_channels} (one per output channel)"),
                        format!("length {}", bias.len()),
                        None,
                    ));
                }
                let (oh, ow) = window_output(index, &c.kind, (h, w), *kernel, *stride, *padding)?;
                Ok(Shape::Chw(*out_channels, oh, ow))
            }
            Layer::AvgPool2d {
                kernel,
                stride,
                padding,
            }
            | Layer::MaxPool2d {
                kernel,
                stride,
                padding,
            } => c.pool(*kernel, *stride, *padding, input),
            Layer::Flatten => Ok(Shape::Flat(input.size())),
            Layer::Activation(a) => c.activation(a, input),
            Layer::Residual { .. } => residual_output_shape(self, index, input),
        }
    }

    /// The exact affine map of an affine layer (convolution and pooling unrolled into a
    /// matrix), or `None` for a piecewise-linear layer.
    pub fn affine(&self, input: Shape) -> Option<Affine> {
        let n = input.size();
        match self {
            Layer::Dense { weights, bias } => Some(Affine {
                a: weights.clone(),
                c: bias.clone(),
            }),
            Layer::Flatten | Layer::Activation(Activation::Identity) => Some(Affine::identity(n)),
            Layer::Conv2d { .. } | Layer::AvgPool2d { .. } => {
                let out = self.output_shape(0, input).ok()?;
                let mut a = Matrix::zeros(out.size(), n);
                let mut c = vec![Q::ZERO; out.size()];
                for_each_window_tap(self, input, |o, i, weight| {
                    if let Some(i) = i {
                        a[(o, i)] += weight;
                    }
                });
                if let Layer::Conv2d { bias, .. } = self {
                    let per_channel = out.size() / bias.len().max(1);
                    for (o, v) in c.iter_mut().enumerate() {
                        *v = bias[o / per_channel].clone();
                    }
                }
                Some(Affine { a, c })
            }
            Layer::Residual { .. } => residual_affine(self, input),
            _ => None,
        }
    }

    /// The affine pieces of every unit of a piecewise-linear layer (`None` for an affine
    /// layer, and for a residual block, whose units' conditions are on values inside the
    /// block: see [`crate::net::residual::steps`]). Unit `u`'s piece `p` is `pieces[u][p]`.
    pub fn pieces(&self, input: Shape) -> Option<Vec<Vec<Piece>>> {
        let n = input.size();
        let per_unit = |f: &dyn Fn(usize) -> Vec<Piece>| Some((0..n).map(f).collect());
        let two = |i: usize, neg_slope: Q| {
            vec![
                Piece {
                    conditions: vec![Form::var(i, -Q::ONE)],
                    output: if neg_slope.is_zero() {
                        Form::constant(Q::ZERO)
                    } else {
                        Form::var(i, neg_slope)
                    },
                },
                Piece {
                    conditions: vec![Form::var(i, Q::ONE)],
                    output: Form::var(i, Q::ONE),
                },
            ]
        };
        match self {
            Layer::Activation(a) => match a {
                Activation::Relu => per_unit(&|i| two(i, Q::ZERO)),
                Activation::LeakyRelu { alpha } => per_unit(&|i| two(i, alpha.clone())),
                Activation::PRelu { alpha } => {
                    per_unit(&|i| two(i, prelu_alpha(alpha, input, i).clone()))
                }
                Activation::Abs => per_unit(&|i| two(i, -Q::ONE)),
                Activation::HardTanh { min, max } => per_unit(&|i| {
                    let below = Form {
                        terms: vec![(i, -Q::ONE)],
                        constant: min.clone(),
                    }; // min - z >= 0
                    let above_min = Form {
                        terms: vec![(i, Q::ONE)],
                        constant: -min,
                    }; // z - min >= 0
                    let below_max = Form {
                        terms: vec![(i, -Q::ONE)],
                        constant: max.clone(),
                    }; // max - z >= 0
                    let above = Form {
                        terms: vec![(i, Q::ONE)],
                        constant: -max,
                    }; // z - max >= 0
                    vec![
                        Piece {
                            conditions: vec![below],
                            output: Form::constant(min.clone()),
                        },
                        Piece {
                            conditions: vec![above_min, below_max],
                            output: Form::var(i, Q::ONE),
                        },
                        Piece {
                            conditions: vec![above],
                            output: Form::constant(max.clone()),
                        },
                    ]
                }),
                Activation::Identity | Activation::Elu { .. } | Activation::Selu => None,
            },
            Layer::MaxPool2d { .. } => {
                let out = self.output_shape(0, input).ok()?;
                let mut windows: Vec<Vec<usize>> = vec![Vec::new(); out.size()];
                for_each_window_tap(self, input, |o, i, _| {
                    if let Some(i) = i {
                        windows[o].push(i);
                    }
                });
                Some(
                    windows
                        .into_iter()
                        .map(|w| {
                            (0..w.len())
                                .map(|j| Piece {
                                    conditions: (0..w.len())
                                        .filter(|&k| k != j)
                                        .map(|k| Form::diff(w[j], w[k]))
                                        .collect(),
                                    output: Form::var(w[j], Q::ONE),
                                })
                                .collect()
                        })
                        .collect(),
                )
            }
            _ => None,
        }
    }
}

pub(crate) fn prelu_alpha(alpha: &[Q], input: Shape, unit: usize) -> &Q {
    &alpha[prelu_index(alpha.len(), input, unit)]
}

/// Which of `len` PReLU slopes applies to `unit`: the only one, one per unit, or one per
/// channel (validated by `output_shape`).
pub(crate) fn prelu_index(len: usize, input: Shape, unit: usize) -> usize {
    if len == 1 {
        0
    } else if len == input.size() {
        unit
    } else {
        unit / (input.size() / len)
    }
}

/// The checks of [`Layer::output_shape`] for the layer at `index`, with their messages.
struct ShapeCheck {
    index: usize,
    kind: String,
}

impl ShapeCheck {
    fn shape_err(&self, expected: String, found: String, hint: Option<&str>) -> Error {
        Error::Shape {
            layer: self.index,
            kind: self.kind.clone(),
            expected,
            found,
            hint: hint.map(str::to_string),
        }
    }

    fn layer_err(&self, message: String) -> Error {
        Error::Layer {
            layer: self.index,
            kind: self.kind.clone(),
            message,
        }
    }

    fn dense(&self, weights: &Matrix, bias: &[Q], input: Shape) -> Result<Shape> {
        let Shape::Flat(n) = input else {
            return Err(self.shape_err(
                "a flat input".into(),
                format!("input of shape {input}"),
                Some("add {\"type\": \"flatten\"} before this layer"),
            ));
        };
        if weights.cols() != n {
            return Err(self.shape_err(
                format!("weights with {n} columns (the previous layer gives {n} values)"),
                format!("{} columns", weights.cols()),
                None,
            ));
        }
        if bias.len() != weights.rows() {
            return Err(self.shape_err(
                format!("a bias of length {} (one per weight row)", weights.rows()),
                format!("length {}", bias.len()),
                None,
            ));
        }
        Ok(Shape::Flat(weights.rows()))
    }

    fn pool(
        &self,
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: (usize, usize),
        input: Shape,
    ) -> Result<Shape> {
        let Shape::Chw(c, h, w) = input else {
            return Err(self.shape_err(
                "an input of shape [C, H, W]".into(),
                format!("input of shape {input}"),
                None,
            ));
        };
        if padding.0 * 2 > kernel.0 || padding.1 * 2 > kernel.1 {
            return Err(self.layer_err(format!(
                "padding {padding:?} must be at most half the kernel {kernel:?} (as in PyTorch)"
            )));
        }
        let (oh, ow) = window_output(self.index, &self.kind, (h, w), kernel, stride, padding)?;
        Ok(Shape::Chw(c, oh, ow))
    }

    fn activation(&self, a: &Activation, input: Shape) -> Result<Shape> {
        match a {
            Activation::PRelu { alpha } => {
                let n = input.size();
                let ok = match input {
                    Shape::Chw(c, _, _) => [1, c, n].contains(&alpha.len()),
                    Shape::Flat(_) => [1, n].contains(&alpha.len()),
                };
                if !ok {
                    let expected = match input {
                        Shape::Chw(c, _, _) => format!("1, {c} (per channel) or {n} (per unit)"),
                        Shape::Flat(_) => format!("1 or {n} (per unit)"),
                    };
                    return Err(self.shape_err(
                        format!("alpha of length {expected}"),
                        format!("length {}", alpha.len()),
                        None,
                    ));
                }
            }
            Activation::HardTanh { min, max } if min >= max => {
                return Err(self.layer_err(format!("min ({min}) must be smaller than max ({max})")));
            }
            _ => {}
        }
        Ok(input)
    }
}

fn window_output(
    index: usize,
    kind: &str,
    (h, w): (usize, usize),
    kernel: (usize, usize),
    stride: (usize, usize),
    padding: (usize, usize),
) -> Result<(usize, usize)> {
    let err = |message: String| Error::Layer {
        layer: index,
        kind: kind.to_string(),
        message,
    };
    if kernel.0 == 0 || kernel.1 == 0 || stride.0 == 0 || stride.1 == 0 {
        return Err(err(format!(
            "kernel {kernel:?} and stride {stride:?} must be at least 1"
        )));
    }
    let (ph, pw) = (h + 2 * padding.0, w + 2 * padding.1);
    if ph < kernel.0 || pw < kernel.1 {
        return Err(err(format!(
            "the kernel {kernel:?} is larger than the padded input ({ph}, {pw})"
        )));
    }
    Ok((
        (ph - kernel.0) / stride.0 + 1,
        (pw - kernel.1) / stride.1 + 1,
    ))
}

/// Calls `f(output index, input index or None for padding, weight)` for every tap of a
/// convolution or pooling window. For pooling the weight is the averaging weight.
pub(crate) fn for_each_window_tap(
    layer: &Layer,
    input: Shape,
    mut f: impl FnMut(usize, Option<usize>, &Q),
) {
    let Shape::Chw(c_in, h, w) = input else {
        return;
    };
    let (kernel, stride, padding, out_ch) = match layer {
        Layer::Conv2d {
            kernel,
            stride,
            padding,
            out_channels,
            ..
        } => (*kernel, *stride, *padding, *out_channels),
        Layer::AvgPool2d {
            kernel,
            stride,
            padding,
        }
        | Layer::MaxPool2d {
            kernel,
            stride,
            padding,
        } => (*kernel, *stride, *padding, c_in),
        _ => return,
    };
    let oh = (h + 2 * padding.0 - kernel.0) / stride.0 + 1;
    let ow = (w + 2 * padding.1 - kernel.1) / stride.1 + 1;
    let avg = Q::new(1, (kernel.0 * kernel.1) as i64);
    for oc in 0..out_ch {
        for oy in 0..oh {
            for ox in 0..ow {
                let o = (oc * oh + oy) * ow + ox;
                let channels: Vec<usize> = match layer {
                    Layer::Conv2d { .. } => (0..c_in).collect(),
                    _ => vec![oc],
                };
                for ic in channels {
                    for ky in 0..kernel.0 {
                        for kx in 0..kernel.1 {
                            let y = (oy * stride.0 + ky) as isize - padding.0 as isize;
                            let x = (ox * stride.1 + kx) as isize - padding.1 as isize;
                            let inside = y >= 0 && x >= 0 && (y as usize) < h && (x as usize) < w;
                            let i = inside.then(|| (ic * h + y as usize) * w + x as usize);
                            match layer {
                                Layer::Conv2d { weights, .. } => {
                                    let wi = ((oc * c_in + ic) * kernel.0 + ky) * kernel.1 + kx;
                                    f(o, i, &weights[wi]);
                                }
                                _ => f(o, i, &avg),
                            }
                        }
                    }
                }
            }
        }
    }
}

// Residual blocks: the chains' shapes and maps, and the checks of `output_shape`.

/// The deepest nesting of residual blocks accepted (a block inside a block inside ...).
pub const MAX_RESIDUAL_DEPTH: usize = 16;

/// The input shape of every layer of a validated chain from `input`.
pub(crate) fn chain_shapes(layers: &[Layer], input: Shape) -> Vec<Shape> {
    let mut shapes = Vec::with_capacity(layers.len());
    let mut cur = input;
    for l in layers {
        shapes.push(cur);
        cur = l.output_shape(0, cur).expect("a validated chain");
    }
    shapes
}

/// The output shape of a validated chain from `input`.
pub(crate) fn chain_output(layers: &[Layer], input: Shape) -> Shape {
    layers.iter().fold(input, |cur, l| {
        l.output_shape(0, cur).expect("a validated chain")
    })
}

/// The composed affine map of a chain of affine layers (the identity for no layers), or
/// `None` when a layer is not affine.
pub(crate) fn chain_affine(layers: &[Layer], input: Shape) -> Option<Affine> {
    let mut map = Affine::identity(input.size());
    for (l, s) in layers.iter().zip(chain_shapes(layers, input)) {
        map = map.then(&l.affine(s)?);
    }
    Some(map)
}

/// [`Layer::affine`] of a residual block: `P + F` when both chains are affine.
pub(crate) fn residual_affine(block: &Layer, input: Shape) -> Option<Affine> {
    let Layer::Residual { layers, skip } = block else {
        return None;
    };
    let f = chain_affine(layers, input)?;
    let p = chain_affine(skip, input)?;
    let mut a = f.a.clone();
    for i in 0..a.rows() {
        for j in 0..a.cols() {
            a[(i, j)] += &p.a[(i, j)];
        }
    }
    let c = f.c.iter().zip(&p.c).map(|(x, y)| x + y).collect();
    Some(Affine { a, c })
}

/// The number of units of a block ([`Layer::unit_count`]).
pub(crate) fn residual_unit_count(layers: &[Layer], skip: &[Layer], input: Shape) -> usize {
    let count = |chain: &[Layer]| -> usize {
        chain
            .iter()
            .zip(chain_shapes(chain, input))
            .map(|(l, s)| l.unit_count(s))
            .sum()
    };
    count(layers) + count(skip)
}

/// How deeply residual blocks nest in `layer` (0 for other layers).
fn residual_depth(layer: &Layer) -> usize {
    match layer {
        Layer::Residual { layers, skip } => {
            1 + layers
                .iter()
                .chain(skip)
                .map(residual_depth)
                .max()
                .unwrap_or(0)
        }
        _ => 0,
    }
}

/// The error of a block at `index`: `path` inside the block, e.g. `layers[2]`.
fn block_err(index: usize, path: String, message: String) -> Error {
    Error::Residual {
        layer: index,
        path,
        message,
    }
}

/// An error of the layer at `path` inside a block, re-stated for the block at `index`.
fn inner_err(index: usize, path: &str, e: Error) -> Error {
    let (path, message) = match e {
        Error::Shape {
            kind,
            expected,
            found,
            hint,
            ..
        } => (
            path.to_string(),
            format!(
                "{kind}: expected {expected}, found {found}{}",
                hint.map(|h| format!(" ({h})")).unwrap_or_default()
            ),
        ),
        Error::Layer { kind, message, .. } => (path.to_string(), format!("{kind}: {message}")),
        Error::Residual {
            path: inner,
            message,
            ..
        } => (format!("{path}.{inner}"), message),
        other => (path.to_string(), other.to_string()),
    };
    block_err(index, path, message)
}

/// The output shape of the chain `field` (`layers` or `skip`) from `input`, every layer
/// checked.
fn check_chain(index: usize, field: &str, chain: &[Layer], input: Shape) -> Result<Shape> {
    let mut cur = input;
    for (j, l) in chain.iter().enumerate() {
        let path = format!("{field}[{j}]");
        if l.is_curved() {
            return Err(block_err(
                index,
                path,
                format!(
                    "{}: not piecewise linear, and not supported inside a residual block",
                    l.kind()
                ),
            ));
        }
        let s = l
            .output_shape(j, cur)
            .map_err(|e| inner_err(index, &path, e))?;
        if s.checked_size().is_none_or(|n| n == 0 || n > MAX_VALUES) {
            return Err(block_err(
                index,
                path,
                format!(
                    "{}: produces {s}; a layer gives 1 to {MAX_VALUES} values",
                    l.kind()
                ),
            ));
        }
        cur = s;
    }
    Ok(cur)
}

/// [`Layer::output_shape`] of a residual block at `index`: the branches are valid, not too
/// deeply nested, and end in the same shape.
pub(crate) fn residual_output_shape(block: &Layer, index: usize, input: Shape) -> Result<Shape> {
    let Layer::Residual { layers, skip } = block else {
        unreachable!("called on residual blocks")
    };
    if residual_depth(block) > MAX_RESIDUAL_DEPTH {
        return Err(block_err(
            index,
            "layers".into(),
            format!(
                "residual blocks nested {} deep; at most {MAX_RESIDUAL_DEPTH} are accepted",
                residual_depth(block)
            ),
        ));
    }
    if layers.is_empty() {
        return Err(block_err(
            index,
            "layers".into(),
            "the branch is empty; a residual block y = x + F(x) needs at least one layer in `layers`".into(),
        ));
    }
    let f = check_chain(index, "layers", layers, input)?;
    let p = check_chain(index, "skip", skip, input)?;
    if f != p {
        let skip_says = if skip.is_empty() {
            format!("the identity skip gives the input's shape {p}")
        } else {
            format!("the skip path gives {p}")
        };
        return Err(block_err(
            index,
            "layers".into(),
            format!(
                "the branch gives {f} but {skip_says}; y = P(x) + F(x) needs equal shapes (a projection in `skip`, e.g. a dense or 1x1 conv2d layer, changes the skip's shape)"
            ),
        ));
    }
    Ok(f)
}

/// The activation pattern at a point: for each layer, the active piece of each unit
/// (empty for affine layers).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern(pub Vec<Vec<u8>>);

impl fmt::Display for Pattern {
    /// Compact form: one character per unit (`0`-`9`, then `a`-`z`), piecewise layers
    /// separated by `|`; e.g. `10|1` for two ReLU layers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for layer in self.0.iter().filter(|l| !l.is_empty()) {
            if !first {
                f.write_str("|")?;
            }
            first = false;
            for &p in layer {
                let ch = std::char::from_digit(p as u32, 36).unwrap_or('?');
                write!(f, "{ch}")?;
            }
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
    }
}

/// What one layer did at one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerTrace {
    /// The layer's input (for an activation layer: the pre-activations).
    pub input: Vec<Q>,
    /// The layer's output.
    pub output: Vec<Q>,
    /// The active piece of each unit (empty for affine layers).
    pub pattern: Vec<u8>,
}

/// A layer-by-layer record of an exact evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// One entry per layer.
    pub layers: Vec<LayerTrace>,
}

impl Trace {
    /// The network's output.
    pub fn output(&self) -> &[Q] {
        &self.layers.last().expect("a network has layers").output
    }

    /// The activation pattern.
    pub fn pattern(&self) -> Pattern {
        Pattern(self.layers.iter().map(|l| l.pattern.clone()).collect())
    }
}
