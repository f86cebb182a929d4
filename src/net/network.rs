//! Networks: layers, activations and exact evaluation with a trace.
//!
//! A [`Network`] is a chain of [`Layer`]s from an input of [`Shape`] `[n]` or `[C, H, W]`
//! (flattened row-major, channel first, like PyTorch). Layers are either *affine*
//! (`dense`, `conv2d`, `avg_pool2d`, `flatten`) or *piecewise linear* (the activations and
//! `max_pool2d`).
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
use crate::exact::interval::Interval;
use crate::exact::linalg::{Affine, Matrix};
use crate::exact::rational::{Q, dot};
use std::fmt;

/// The largest number of values (inputs, units, weights) a network or a file may have, so
/// a typo cannot exhaust memory: no layer may produce more (nor the input have more).
pub const MAX_VALUES: usize = 10_000_000;

/// The most entries a convolution or pooling layer may have when unrolled into a dense
/// matrix for region analysis.
pub const MAX_UNROLLED: usize = 50_000_000;

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
    /// evaluated with certified enclosures ([`Network::eval_enclosure`]). Any rational
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

    /// Does the layer compute an affine map of its input?
    pub fn is_affine(&self) -> bool {
        matches!(
            self,
            Layer::Dense { .. }
                | Layer::Conv2d { .. }
                | Layer::AvgPool2d { .. }
                | Layer::Flatten
                | Layer::Activation(Activation::Identity)
        )
    }

    /// Is the layer neither affine nor piecewise linear (ELU, SELU)? Such a layer has no
    /// exact rational value at most inputs; see [`Network::eval_enclosure`].
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
            _ => None,
        }
    }

    /// The affine pieces of every unit of a piecewise-linear layer (`None` for an affine
    /// layer). Unit `u`'s piece `p` is `pieces[u][p]`.
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

fn prelu_alpha(alpha: &[Q], input: Shape, unit: usize) -> &Q {
    if alpha.len() == 1 {
        &alpha[0]
    } else if alpha.len() == input.size() {
        &alpha[unit]
    } else {
        // Per channel (validated by `output_shape`).
        let per = input.size() / alpha.len();
        &alpha[unit / per]
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
fn for_each_window_tap(layer: &Layer, input: Shape, mut f: impl FnMut(usize, Option<usize>, &Q)) {
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

/// A validated chain of layers.
///
/// ```
/// use relucheck::{Network, Q};
/// let net = Network::from_json_str(r#"{
///   "relucheck": 1, "input_shape": [1],
///   "layers": [{"type": "relu"}]
/// }"#).unwrap();
/// assert_eq!(net.eval(&[Q::from_int(-1)]).unwrap(), vec![Q::ZERO]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// A short name.
    pub name: Option<String>,
    /// What the network teaches or does.
    pub description: Option<String>,
    /// Caveats a reader of any result must know, e.g. that an imported value is the exact
    /// rational of a float a runtime computes rather than the exact real it stands for.
    pub notes: Vec<String>,
    input_shape: Shape,
    layers: Vec<Layer>,
    /// `shapes[i]` is the input shape of layer `i`; the last entry is the output shape.
    shapes: Vec<Shape>,
}

impl Network {
    /// Validates that the layers chain from `input_shape`; errors name the layer.
    pub fn new(input_shape: Shape, layers: Vec<Layer>) -> Result<Network> {
        if input_shape.size() == 0 {
            return Err(Error::Invalid(
                "input_shape has size 0; a network needs at least one input".into(),
            ));
        }
        if layers.is_empty() {
            return Err(Error::Invalid(
                "the network has no layers; add at least one (e.g. {\"type\": \"identity\"})"
                    .into(),
            ));
        }
        let mut shapes = vec![input_shape];
        if input_shape.checked_size().is_none_or(|n| n > MAX_VALUES) {
            return Err(Error::Invalid(format!(
                "input_shape {input_shape} has more than {MAX_VALUES} values"
            )));
        }
        for (i, layer) in layers.iter().enumerate() {
            let s = layer.output_shape(i, *shapes.last().unwrap())?;
            if s.checked_size().is_none_or(|n| n > MAX_VALUES) {
                return Err(Error::Layer {
                    layer: i,
                    kind: layer.kind().into(),
                    message: format!(
                        "produces {s}, more than {MAX_VALUES} values; relucheck is for small networks"
                    ),
                });
            }
            if s.size() == 0 {
                return Err(Error::Layer {
                    layer: i,
                    kind: layer.kind().into(),
                    message: "produces no values".into(),
                });
            }
            shapes.push(s);
        }
        Ok(Network {
            name: None,
            description: None,
            notes: Vec::new(),
            input_shape,
            layers,
            shapes,
        })
    }

    /// Sets the name.
    pub fn with_name(mut self, name: impl Into<String>) -> Network {
        self.name = Some(name.into());
        self
    }

    /// The input shape.
    pub fn input_shape(&self) -> Shape {
        self.input_shape
    }

    /// The number of inputs.
    pub fn input_dim(&self) -> usize {
        self.input_shape.size()
    }

    /// The number of outputs.
    pub fn output_dim(&self) -> usize {
        self.shapes.last().unwrap().size()
    }

    /// The layers.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// `shapes()[i]` is the input shape of layer `i`; the last entry is the output shape.
    pub fn shapes(&self) -> &[Shape] {
        &self.shapes
    }

    /// Number of learned parameters.
    pub fn parameter_count(&self) -> usize {
        self.layers.iter().map(Layer::parameter_count).sum()
    }

    /// Region analysis unrolls convolution and pooling into dense matrices; errors when one
    /// would exceed [`MAX_UNROLLED`] entries (evaluation does not unroll and has no such
    /// limit).
    pub fn check_unrollable(&self) -> Result<()> {
        for (i, (layer, shape)) in self.layers.iter().zip(&self.shapes).enumerate() {
            if matches!(layer, Layer::Conv2d { .. } | Layer::AvgPool2d { .. }) {
                let out = self.shapes[i + 1].size();
                if out
                    .checked_mul(shape.size())
                    .is_none_or(|n| n > MAX_UNROLLED)
                {
                    return Err(Error::Layer {
                        layer: i,
                        kind: layer.kind().into(),
                        message: format!(
                            "as a dense matrix it has {out} x {} entries, more than the {MAX_UNROLLED} region analysis allows; analyse a smaller network or a slice of a smaller input",
                            shape.size()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Number of units with more than one piece (ReLUs, max-pool outputs, ...).
    pub fn nonlinear_units(&self) -> usize {
        self.layers
            .iter()
            .zip(&self.shapes)
            .filter(|(l, _)| !l.is_affine())
            .map(|(_, s)| s.size())
            .sum()
    }

    /// Does the network have a curved (ELU, SELU) layer? Then it has no exact rational
    /// values in general: [`Network::eval`] refuses it and [`Network::eval_enclosure`]
    /// gives certified enclosures.
    pub fn is_curved(&self) -> bool {
        self.layers.iter().any(Layer::is_curved)
    }

    /// Evaluates exactly. Errors for a network with ELU or SELU layers (whose values are
    /// irrational): use [`Network::eval_enclosure`].
    pub fn eval(&self, x: &[Q]) -> Result<Vec<Q>> {
        Ok(self.trace(x)?.output().to_vec())
    }

    /// Evaluates exactly, recording every layer's input, output and pattern. Errors for a
    /// network with ELU or SELU layers, like [`Network::eval`].
    pub fn trace(&self, x: &[Q]) -> Result<Trace> {
        if x.len() != self.input_dim() {
            return Err(Error::InputLength {
                expected: self.input_dim(),
                found: x.len(),
            });
        }
        if let Some(i) = self.layers.iter().position(Layer::is_curved) {
            return Err(Error::Layer {
                layer: i,
                kind: self.layers[i].kind().into(),
                message: "not piecewise linear: e^x is irrational for rational x != 0, so there is no exact value; use the interval evaluation (Network::eval_enclosure, or `relucheck eval`, which prints certified enclosures)".into(),
            });
        }
        let mut cur = x.to_vec();
        let mut layers = Vec::with_capacity(self.layers.len());
        for (layer, &shape) in self.layers.iter().zip(&self.shapes) {
            let (out, pattern) = eval_layer(layer, shape, &cur);
            layers.push(LayerTrace {
                input: std::mem::replace(&mut cur, out.clone()),
                output: out,
                pattern,
            });
        }
        Ok(Trace { layers })
    }
}

impl Network {
    /// Certified enclosures of the network's outputs at `x`, computed with outward-rounded
    /// rational interval arithmetic at `bits` significant bits ([`crate::exact::interval`]).
    /// Every true output lies in its interval. Works for every network; the
    /// piecewise-linear parts stay exact, so a network without ELU/SELU (or an input that
    /// keeps every ELU unit on its linear part) gives zero-width intervals, the exact values.
    ///
    /// ```
    /// use relucheck::{Network, Q};
    /// let net = Network::from_json_str(
    ///     r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "elu"}]}"#).unwrap();
    /// assert!(net.eval(&[-Q::ONE]).is_err()); // no exact value exists
    /// let y = net.eval_enclosure(&[-Q::ONE], 64).unwrap();
    /// // elu(-1) = e^-1 - 1 = -0.63212055882855767840...
    /// assert!(y[0].contains(&"-0.6321205588285576784".parse().unwrap()));
    /// assert!(y[0].width() < Q::pow2(-60));
    /// assert!(net.eval_enclosure(&[Q::ONE], 64).unwrap()[0].is_point());
    /// ```
    pub fn eval_enclosure(&self, x: &[Q], bits: u32) -> Result<Vec<Interval>> {
        Ok(self
            .trace_enclosure(x, bits)?
            .pop()
            .expect("a network has layers"))
    }

    /// Like [`Network::eval_enclosure`], with the enclosure of every layer's output (one
    /// entry per layer).
    pub fn trace_enclosure(&self, x: &[Q], bits: u32) -> Result<Vec<Vec<Interval>>> {
        if x.len() != self.input_dim() {
            return Err(Error::InputLength {
                expected: self.input_dim(),
                found: x.len(),
            });
        }
        let bits = crate::exact::interval::check_precision(bits)?;
        let mut cur: Vec<Interval> = x.iter().cloned().map(Interval::point).collect();
        let mut out = Vec::with_capacity(self.layers.len());
        for (i, (layer, &shape)) in self.layers.iter().zip(&self.shapes).enumerate() {
            cur = enclose_layer(layer, shape, &cur, bits).map_err(|e| Error::Layer {
                layer: i,
                kind: layer.kind().into(),
                message: e.to_string(),
            })?;
            out.push(cur.clone());
        }
        Ok(out)
    }
}

/// One layer on enclosures.
fn enclose_layer(layer: &Layer, shape: Shape, z: &[Interval], bits: u32) -> Result<Vec<Interval>> {
    Ok(match layer {
        Layer::Dense { weights, bias } => weights
            .iter_rows()
            .zip(bias)
            .map(|(r, b)| Interval::dot(r, z, b, bits))
            .collect(),
        Layer::Conv2d { .. } | Layer::AvgPool2d { .. } => {
            let out_size = layer.output_shape(0, shape).expect("validated").size();
            let mut acc = vec![Interval::point(Q::ZERO); out_size];
            if let Layer::Conv2d { bias, .. } = layer {
                let per_channel = out_size / bias.len().max(1);
                for (o, v) in acc.iter_mut().enumerate() {
                    *v = Interval::point(bias[o / per_channel].clone());
                }
            }
            for_each_window_tap(layer, shape, |o, i, w| {
                if let Some(i) = i
                    && !w.is_zero()
                {
                    acc[o] = acc[o].add(&z[i].scale(w));
                }
            });
            acc.into_iter().map(|v| v.rounded(bits)).collect()
        }
        Layer::MaxPool2d { .. } => {
            let out_size = layer.output_shape(0, shape).expect("validated").size();
            let mut acc: Vec<Option<Interval>> = vec![None; out_size];
            for_each_window_tap(layer, shape, |o, i, _| {
                if let Some(i) = i {
                    acc[o] = Some(match acc[o].take() {
                        None => z[i].clone(),
                        // max of x in a and y in b lies in [max(a.lo, b.lo), max(a.hi, b.hi)].
                        Some(a) => Interval::new(
                            a.lo().clone().max(z[i].lo().clone()),
                            a.hi().clone().max(z[i].hi().clone()),
                        )
                        .expect("ordered"),
                    });
                }
            });
            acc.into_iter()
                .map(|v| v.expect("a window has at least one input"))
                .collect()
        }
        Layer::Flatten | Layer::Activation(Activation::Identity) => z.to_vec(),
        Layer::Activation(a) => z
            .iter()
            .enumerate()
            .map(|(i, v)| {
                // Every activation is monotone on x <= 0 and on x >= 0, so its range on
                // [lo, hi] is the hull of its values at lo, hi and (when inside) 0.
                let mut r = act_point(a, shape, i, v.lo(), bits)?;
                if !v.is_point() {
                    r = r.hull(&act_point(a, shape, i, v.hi(), bits)?);
                    if v.lo().is_negative() && v.hi().is_positive() {
                        r = r.hull(&act_point(a, shape, i, &Q::ZERO, bits)?);
                    }
                }
                Ok(r)
            })
            .collect::<Result<Vec<_>>>()?,
    })
}

/// An enclosure of one activation unit's value at an exact input (exact for the
/// piecewise-linear ones).
fn act_point(a: &Activation, shape: Shape, i: usize, v: &Q, bits: u32) -> Result<Interval> {
    let pos = v.is_positive();
    Ok(match a {
        Activation::Relu => Interval::point(if pos { v.clone() } else { Q::ZERO }),
        Activation::LeakyRelu { alpha } => Interval::point(if pos { v.clone() } else { alpha * v }),
        Activation::PRelu { alpha } => Interval::point(if pos {
            v.clone()
        } else {
            prelu_alpha(alpha, shape, i) * v
        }),
        Activation::Abs => Interval::point(v.abs()),
        Activation::HardTanh { min, max } => {
            Interval::point(v.clone().max(min.clone()).min(max.clone()))
        }
        Activation::Identity => Interval::point(v.clone()),
        Activation::Elu { alpha } => {
            if pos {
                Interval::point(v.clone())
            } else {
                Interval::exp_q(v, bits)?
                    .shift(&-Q::ONE)
                    .scale(alpha)
                    .rounded(bits)
            }
        }
        Activation::Selu => {
            let lambda = selu_lambda();
            if pos {
                lambda.scale(v).rounded(bits)
            } else {
                let em1 = Interval::exp_q(v, bits)?.shift(&-Q::ONE);
                lambda.mul(&selu_alpha()).mul(&em1).rounded(bits)
            }
        }
    })
}

/// One layer, directly (not through `affine`/`pieces`, which tests compare against).
#[allow(clippy::too_many_lines)] // issue 17: split pending
fn eval_layer(layer: &Layer, shape: Shape, z: &[Q]) -> (Vec<Q>, Vec<u8>) {
    let act = |f: &dyn Fn(usize, &Q) -> (Q, u8)| -> (Vec<Q>, Vec<u8>) {
        z.iter().enumerate().map(|(i, v)| f(i, v)).unzip()
    };
    match layer {
        Layer::Dense { weights, bias } => (
            weights
                .iter_rows()
                .zip(bias)
                .map(|(r, b)| dot(r, z) + b)
                .collect(),
            vec![],
        ),
        Layer::Conv2d {
            weights,
            out_channels,
            in_channels,
            kernel,
            bias,
            stride,
            padding,
        } => {
            let Shape::Chw(_, h, w) = shape else {
                unreachable!("validated")
            };
            let oh = (h + 2 * padding.0 - kernel.0) / stride.0 + 1;
            let ow = (w + 2 * padding.1 - kernel.1) / stride.1 + 1;
            let mut out = Vec::with_capacity(out_channels * oh * ow);
            for oc in 0..*out_channels {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut acc = bias[oc].clone();
                        for ic in 0..*in_channels {
                            for ky in 0..kernel.0 {
                                let Some(y) = (oy * stride.0 + ky).checked_sub(padding.0) else {
                                    continue;
                                };
                                if y >= h {
                                    continue;
                                }
                                for kx in 0..kernel.1 {
                                    let Some(x) = (ox * stride.1 + kx).checked_sub(padding.1)
                                    else {
                                        continue;
                                    };
                                    if x >= w {
                                        continue;
                                    }
                                    let wv = &weights
                                        [((oc * in_channels + ic) * kernel.0 + ky) * kernel.1 + kx];
                                    acc += wv * &z[(ic * h + y) * w + x];
                                }
                            }
                        }
                        out.push(acc);
                    }
                }
            }
            (out, vec![])
        }
        Layer::AvgPool2d { .. } => {
            let out_size = layer.output_shape(0, shape).expect("validated").size();
            let mut out = vec![Q::ZERO; out_size];
            for_each_window_tap(layer, shape, |o, i, w| {
                if let Some(i) = i {
                    out[o] += w * &z[i];
                }
            });
            (out, vec![])
        }
        Layer::MaxPool2d { .. } => {
            let pieces = layer.pieces(shape).unwrap();
            pieces
                .iter()
                .map(|unit| {
                    // Inputs of the window in order; the first maximal one wins.
                    let mut best: Option<(usize, Q)> = None;
                    for (j, p) in unit.iter().enumerate() {
                        let v = p.output.eval(z);
                        if best.as_ref().is_none_or(|(_, b)| v > *b) {
                            best = Some((j, v));
                        }
                    }
                    let (j, v) = best.expect("a window has at least one input");
                    (v, j as u8)
                })
                .unzip()
        }
        Layer::Flatten | Layer::Activation(Activation::Identity) => (z.to_vec(), vec![]),
        Layer::Activation(a) => match a {
            Activation::Relu => act(&|_, v| {
                if v.is_positive() {
                    (v.clone(), 1)
                } else {
                    (Q::ZERO, 0)
                }
            }),
            Activation::LeakyRelu { alpha } => act(&|_, v| {
                if v.is_positive() {
                    (v.clone(), 1)
                } else {
                    (alpha * v, 0)
                }
            }),
            Activation::PRelu { alpha } => act(&|i, v| {
                if v.is_positive() {
                    (v.clone(), 1)
                } else {
                    (prelu_alpha(alpha, shape, i) * v, 0)
                }
            }),
            Activation::Abs => act(&|_, v| {
                if v.is_positive() {
                    (v.clone(), 1)
                } else {
                    (-v, 0)
                }
            }),
            Activation::HardTanh { min, max } => act(&|_, v| {
                if v <= min {
                    (min.clone(), 0)
                } else if v <= max {
                    (v.clone(), 1)
                } else {
                    (max.clone(), 2)
                }
            }),
            Activation::Identity => unreachable!("handled above"),
            Activation::Elu { .. } | Activation::Selu => {
                unreachable!("curved layers are refused by Network::trace")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::strategies::{network, rational, rational_in, vector};
    use proptest::prelude::*;

    fn dense(rows: Vec<Vec<Q>>, bias: Vec<Q>) -> Layer {
        Layer::Dense {
            weights: Matrix::from_rows(rows).unwrap(),
            bias,
        }
    }

    fn one_layer(shape: Shape, layer: Layer) -> Network {
        Network::new(shape, vec![layer]).unwrap()
    }

    /// A conv layer with random parameters and geometry, and a matching input.
    fn conv_case() -> impl Strategy<Value = (Layer, Shape, Vec<Q>)> {
        (
            1usize..3,
            1usize..3,
            1usize..4,
            1usize..4,
            1usize..3,
            0usize..2,
            3usize..6,
            3usize..6,
        )
            .prop_flat_map(|(cin, cout, kh, kw, s, p, h, w)| {
                (
                    proptest::collection::vec(rational(), cout * cin * kh * kw),
                    proptest::collection::vec(rational(), cout),
                    proptest::collection::vec(rational(), cin * h * w),
                )
                    .prop_map(move |(weights, bias, x)| {
                        (
                            Layer::Conv2d {
                                weights,
                                out_channels: cout,
                                in_channels: cin,
                                kernel: (kh, kw),
                                bias,
                                stride: (s, s),
                                padding: (p, p),
                            },
                            Shape::Chw(cin, h, w),
                            x,
                        )
                    })
            })
    }

    /// The textbook definition, written independently of both implementations:
    /// out[o][y][x] = b[o] + Σ_{c,ky,kx} W[o][c][ky][kx] · in_padded[c][y·s + ky][x·s + kx].
    fn conv_reference(layer: &Layer, shape: Shape, x: &[Q]) -> Vec<Q> {
        let Layer::Conv2d {
            weights,
            out_channels,
            in_channels,
            kernel,
            bias,
            stride,
            padding,
        } = layer
        else {
            unreachable!()
        };
        let Shape::Chw(_, h, w) = shape else {
            unreachable!()
        };
        let (hp, wp) = (h + 2 * padding.0, w + 2 * padding.1);
        let mut padded = vec![vec![vec![Q::ZERO; wp]; hp]; *in_channels];
        for c in 0..*in_channels {
            for y in 0..h {
                for xx in 0..w {
                    padded[c][y + padding.0][xx + padding.1] = x[(c * h + y) * w + xx].clone();
                }
            }
        }
        let mut out = vec![];
        for o in 0..*out_channels {
            let mut y = 0;
            while y + kernel.0 <= hp {
                let mut xx = 0;
                while xx + kernel.1 <= wp {
                    let mut acc = bias[o].clone();
                    for c in 0..*in_channels {
                        for ky in 0..kernel.0 {
                            for kx in 0..kernel.1 {
                                let wi = ((o * in_channels + c) * kernel.0 + ky) * kernel.1 + kx;
                                acc += &weights[wi] * &padded[c][y + ky][xx + kx];
                            }
                        }
                    }
                    out.push(acc);
                    xx += stride.1;
                }
                y += stride.0;
            }
        }
        out
    }

    proptest! {
        #[test]
        fn conv2d_direct_unrolled_and_reference_agree((layer, shape, x) in conv_case()) {
            let Ok(net) = Network::new(shape, vec![layer.clone()]) else {
                // Kernel larger than the padded input: rejected, never evaluated.
                return Ok(());
            };
            let direct = net.eval(&x).unwrap();
            let unrolled = layer.affine(shape).unwrap().apply(&x);
            prop_assert_eq!(&direct, &unrolled);
            prop_assert_eq!(direct, conv_reference(&layer, shape, &x));
        }

        #[test]
        fn trace_patterns_select_pieces_that_hold_and_compute_the_output(
            net in network(&[3, 4, 3, 2]),
            x in vector(3),
        ) {
            let t = net.trace(&x).unwrap();
            for ((layer, shape), lt) in net.layers().iter().zip(net.shapes()).zip(&t.layers) {
                match layer.pieces(*shape) {
                    None => prop_assert_eq!(&layer.affine(*shape).unwrap().apply(&lt.input), &lt.output),
                    Some(units) => {
                        for (u, pieces) in units.iter().enumerate() {
                            let p = &pieces[lt.pattern[u] as usize];
                            prop_assert!(p.conditions.iter().all(|c| !c.eval(&lt.input).is_negative()));
                            prop_assert_eq!(p.output.eval(&lt.input), lt.output[u].clone());
                        }
                    }
                }
            }
        }

        #[test]
        fn composed_network_equals_layer_by_layer(net in network(&[2, 3, 3, 1]), x in vector(2)) {
            let mut cur = x.clone();
            for (layer, shape) in net.layers().iter().zip(net.shapes()) {
                cur = one_layer(*shape, layer.clone()).eval(&cur).unwrap();
            }
            prop_assert_eq!(net.eval(&x).unwrap(), cur);
        }

        #[test]
        fn activation_identities(z in rational_in(40, 9), alpha in rational(), lo in rational(), width in rational_in(20, 5)) {
            let f = |a: Activation| one_layer(Shape::Flat(1), Layer::Activation(a)).eval(std::slice::from_ref(&z)).unwrap()[0].clone();
            let relu = |v: &Q| if v.is_positive() { v.clone() } else { Q::ZERO };
            // leaky(z) = alpha·z + (1 - alpha)·relu(z)
            prop_assert_eq!(f(Activation::LeakyRelu { alpha: alpha.clone() }), &alpha * &z + (Q::ONE - &alpha) * relu(&z));
            prop_assert_eq!(f(Activation::PRelu { alpha: vec![alpha.clone()] }), &alpha * &z + (Q::ONE - &alpha) * relu(&z));
            // abs(z) = relu(z) + relu(-z)
            prop_assert_eq!(f(Activation::Abs), relu(&z) + relu(&-&z));
            // hard_tanh(z) = min + relu(z - min) - relu(z - max)
            let hi = &lo + width.abs() + Q::new(1, 7);
            prop_assert_eq!(
                f(Activation::HardTanh { min: lo.clone(), max: hi.clone() }),
                &lo + relu(&(&z - &lo)) - relu(&(&z - &hi))
            );
        }

        #[test]
        fn max_pool_is_a_max_and_avg_pool_an_average(x in vector(8)) {
            let shape = Shape::Chw(2, 2, 2);
            let max = one_layer(shape, Layer::MaxPool2d { kernel: (2, 2), stride: (2, 2), padding: (0, 0) });
            let avg = one_layer(shape, Layer::AvgPool2d { kernel: (2, 2), stride: (2, 2), padding: (0, 0) });
            for (c, chunk) in x.chunks(4).enumerate() {
                prop_assert_eq!(&max.eval(&x).unwrap()[c], chunk.iter().max().unwrap());
                prop_assert_eq!(avg.eval(&x).unwrap()[c].clone(), chunk.iter().sum::<Q>() / Q::from_int(4));
            }
        }
    }

    #[test]
    fn shape_errors_name_the_layer() {
        let err = Network::new(
            Shape::Flat(2),
            vec![
                dense(vec![vec![Q::ONE, Q::ONE]], vec![Q::ZERO]),
                Layer::Activation(Activation::Relu),
                dense(vec![vec![Q::ONE, Q::ONE]], vec![Q::ZERO]),
            ],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "layer 2 (dense): expected weights with 1 columns (the previous layer gives 1 values), found 2 columns"
        );
        let err = Network::new(
            Shape::Chw(1, 2, 2),
            vec![dense(vec![vec![Q::ONE; 4]], vec![Q::ZERO])],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("add {\"type\": \"flatten\"}"),
            "{err}"
        );
        let err = Network::new(
            Shape::Flat(1),
            vec![Layer::Activation(Activation::HardTanh {
                min: Q::ONE,
                max: Q::ONE,
            })],
        )
        .unwrap_err();
        assert!(err.to_string().contains("must be smaller"), "{err}");
    }

    #[test]
    fn relu_pattern_convention_at_ties() {
        let net = one_layer(Shape::Flat(3), Layer::Activation(Activation::Relu));
        let t = net.trace(&[Q::from_int(-1), Q::ZERO, Q::ONE]).unwrap();
        assert_eq!(t.pattern().to_string(), "001");
        let ht = one_layer(
            Shape::Flat(4),
            Layer::Activation(Activation::HardTanh {
                min: -Q::ONE,
                max: Q::ONE,
            }),
        );
        let t = ht
            .trace(&[Q::from_int(-2), -Q::ONE, Q::ONE, Q::from_int(2)])
            .unwrap();
        assert_eq!(t.pattern().to_string(), "0012");
        assert_eq!(t.output(), &[-Q::ONE, -Q::ONE, Q::ONE, Q::ONE]);
    }

    #[test]
    fn input_length_is_checked() {
        let net = one_layer(Shape::Flat(2), Layer::Activation(Activation::Relu));
        assert_eq!(
            net.eval(&[Q::ONE]).unwrap_err().to_string(),
            "input has 1 values, the network takes 2"
        );
    }
}
