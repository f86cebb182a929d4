//! Networks: layers, activations and exact evaluation with a trace.
//!
//! A [`Network`] is a chain of [`Layer`]s ([`crate::net::layer`]) from an input of [`Shape`] `[n]` or `[C, H, W]`
//! (flattened row-major, channel first, like PyTorch). Layers are either *affine*
//! (`dense`, `conv2d`, `avg_pool2d`, `flatten`) or *piecewise linear* (the activations and
//! `max_pool2d`).
//!
//! # Exact evaluation
//! [`Network::eval`] and [`Network::trace`] compute in integers: the values between layers
//! are integer numerators over one common denominator, and each layer's parameters are
//! brought once per network (on the first evaluation, then cached) to integers over their
//! own common denominator. Then
//!
//! - a dense or convolution layer is an integer matrix-vector product, the bias one more
//!   column applied to the denominator, and the output denominator is the product of the
//!   two; the products run on machine words (numerators split into digits of at most 63
//!   bits, sums of digit products in `i128`, sized so they cannot overflow);
//! - a residual block runs its branch and its skip path this way from its input, and
//!   adds the two (one reduction per block);
//! - ReLU, abs, leaky ReLU, PReLU and hard-tanh are sign tests and comparisons of numerators
//!   (the denominator is positive, so the order is kept) and multiplications by integer
//!   constants; max pooling compares numerators, average pooling adds them.
//!
//! No gcd runs between layers. The values a caller reads are reduced once, and a
//! power-of-two denominator (a float32 net on dyadic inputs) reduces by trailing zeros. The
//! results are the rationals a layer-by-layer evaluation in [`Q`] gives, patterns included:
//! a unit exactly at a kink picks the same piece.

use crate::error::{Error, Result};
use crate::exact::interval::Interval;
use crate::exact::rational::Q;
use crate::net::eval::{Plan, plain_layer};
use crate::net::layer::{for_each_window_tap, prelu_alpha};
use std::fmt;

pub use crate::net::layer::{
    Activation, Form, Layer, LayerTrace, Pattern, Piece, Shape, Trace, selu_alpha, selu_lambda,
};
use std::sync::{Arc, OnceLock};

pub use crate::net::layer::MAX_VALUES;

/// The most entries a convolution or pooling layer may have when unrolled into a dense
/// matrix for region analysis.
pub const MAX_UNROLLED: usize = 50_000_000;

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
#[derive(Clone, PartialEq, Eq)]
pub struct Network {
    /// A short name.
    pub name: Option<String>,
    /// What the network teaches or does.
    pub description: Option<String>,
    /// Caveats a reader of any result must know, e.g. that an imported value is the exact
    /// rational of a float a runtime computes rather than the exact real it stands for.
    pub notes: Vec<String>,
    /// The input region the file declares (`[lo_i, hi_i]` per input), e.g. an NNet file's
    /// `[min, max]`: region commands use it as the domain when none is given.
    pub input_box: Option<(Vec<Q>, Vec<Q>)>,
    input_shape: Shape,
    layers: Vec<Layer>,
    /// `shapes[i]` is the input shape of layer `i`; the last entry is the output shape.
    shapes: Vec<Shape>,
    /// The integer form of the layers for exact evaluation, built on first use.
    plan: PlanCache,
}

/// A lazily built [`Plan`]; it is derived from the layers, so it takes no part in
/// comparisons, and clones share it.
#[derive(Clone, Default)]
struct PlanCache(OnceLock<Arc<Plan>>);

impl PartialEq for PlanCache {
    fn eq(&self, _: &PlanCache) -> bool {
        true
    }
}

impl Eq for PlanCache {}

impl fmt::Debug for PlanCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlanCache")
    }
}

/// One line: the name, then one entry per layer, e.g. `xor: dense 2->2, relu, dense 2->1`
/// (shapes as `c×h×w` for images).
///
/// ```
/// use relucheck::Network;
/// let net = Network::builder(2)
///     .dense([[1, 1], [1, -1]], [0, 0]).relu().dense([[1, 1]], [0])
///     .build()?;
/// assert_eq!(net.to_string(), "dense 2->2, relu, dense 2->1");
/// # Ok::<(), relucheck::Error>(())
/// ```
impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn shape(s: &Shape) -> String {
            match s {
                Shape::Flat(n) => n.to_string(),
                Shape::Chw(c, h, w) => format!("{c}x{h}x{w}"),
            }
        }
        if let Some(name) = &self.name {
            write!(f, "{name}: ")?;
        }
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(layer.kind())?;
            if !matches!(layer, Layer::Activation(_)) {
                write!(
                    f,
                    " {}->{}",
                    shape(&self.shapes[i]),
                    shape(&self.shapes[i + 1])
                )?;
            }
        }
        Ok(())
    }
}

/// The fields that define the network (metadata only when present); the shapes and the
/// evaluation plan derived from the layers are left out. The layers are shown in full:
/// `Debug` is what `assert_eq!` prints, and two networks differ in their weights.
impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Network");
        if let Some(name) = &self.name {
            d.field("name", name);
        }
        if let Some(description) = &self.description {
            d.field("description", description);
        }
        if !self.notes.is_empty() {
            d.field("notes", &self.notes);
        }
        if let Some(input_box) = &self.input_box {
            d.field("input_box", input_box);
        }
        d.field("input_shape", &self.input_shape)
            .field("layers", &self.layers)
            .finish_non_exhaustive()
    }
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
            input_box: None,
            input_shape,
            layers,
            shapes,
            plan: PlanCache::default(),
        })
    }

    /// The name as it may be printed in a terminal or a document: control characters
    /// (newlines, escape sequences) made visible, so that a name cannot forge a line of
    /// output; `fallback` when the network has no name.
    pub fn shown_name(&self, fallback: &str) -> String {
        crate::output::escape_control(self.name.as_deref().unwrap_or(fallback))
    }

    /// The notes of the import, each as it may be printed (control characters made visible).
    pub fn shown_notes(&self) -> Vec<String> {
        self.notes
            .iter()
            .map(|n| crate::output::escape_control(n))
            .collect()
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

    /// The network as a chain of [`Step`](crate::net::residual::Step)s over a state
    /// vector: what region enumeration and certificates walk (one step per layer outside
    /// residual blocks; see [`crate::net::residual`]).
    pub fn steps(&self) -> Vec<crate::net::residual::Step> {
        crate::net::residual::steps(&self.layers, &self.shapes)
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
            if matches!(layer, Layer::Residual { .. })
                && crate::net::residual::unrolled_entries(layer, *shape, 0)
                    .is_none_or(|n| n > MAX_UNROLLED)
            {
                return Err(Error::Layer {
                    layer: i,
                    kind: layer.kind().into(),
                    message: format!(
                        "unrolled for region analysis (the block's input carried beside its branch) it needs a matrix of more than {MAX_UNROLLED} entries; analyse a smaller network or a slice of a smaller input"
                    ),
                });
            }
        }
        Ok(())
    }

    /// Number of units with more than one piece (ReLUs, max-pool outputs, the units inside
    /// residual blocks, ...).
    pub fn nonlinear_units(&self) -> usize {
        self.layers
            .iter()
            .zip(&self.shapes)
            .map(|(l, &s)| l.unit_count(s))
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
    ///
    /// The values between layers are integer numerators over one common denominator, and
    /// each layer's parameters are integers over theirs (brought to that form once, on the
    /// first evaluation), so no gcd runs until the outputs are reduced; see
    /// [the module docs](self#exact-evaluation).
    pub fn eval(&self, x: &[Q]) -> Result<Vec<Q>> {
        self.check_exact_input(x)?;
        let mut t = self.plan().run(&self.layers, &self.shapes, x, false);
        Ok(std::mem::take(
            &mut t.last_mut().expect("a network has layers").output,
        ))
    }

    /// Evaluates exactly, recording every layer's input, output and pattern. Errors for a
    /// network with ELU or SELU layers, like [`Network::eval`].
    pub fn trace(&self, x: &[Q]) -> Result<Trace> {
        self.check_exact_input(x)?;
        Ok(Trace {
            layers: self.plan().run(&self.layers, &self.shapes, x, true),
        })
    }

    /// [`Network::trace`] computed layer by layer in plain `Q` arithmetic: the reference the
    /// integer evaluation is tested against.
    #[doc(hidden)]
    pub fn trace_plain(&self, x: &[Q]) -> Result<Trace> {
        self.check_exact_input(x)?;
        let mut cur = x.to_vec();
        let mut layers = Vec::with_capacity(self.layers.len());
        for (layer, &shape) in self.layers.iter().zip(&self.shapes) {
            let (out, pattern) = plain_layer(layer, shape, &cur);
            layers.push(LayerTrace {
                input: std::mem::replace(&mut cur, out.clone()),
                output: out,
                pattern,
            });
        }
        Ok(Trace { layers })
    }

    /// The layers inside the residual block at `layer`, traced from the block's input `x`
    /// (as [`Trace`] records it: `trace.layers[layer].input`), in plain `Q`: one entry per
    /// inner layer, nested blocks followed by their own layers, each with its path in the
    /// block (`layers[1]`, `skip[0]`, `layers[2].layers[0]`). Empty when `layer` is not a
    /// residual block or `x` does not fit it.
    pub fn trace_block(&self, layer: usize, x: &[Q]) -> Vec<BlockTrace> {
        let mut out = Vec::new();
        if let (Some(block), Some(&shape)) = (self.layers.get(layer), self.shapes.get(layer))
            && x.len() == shape.size()
            && !block.is_curved()
        {
            trace_block_into(block, shape, x, "", &mut out);
        }
        out
    }

    fn plan(&self) -> &Plan {
        self.plan
            .0
            .get_or_init(|| Arc::new(Plan::new(&self.layers, &self.shapes)))
    }

    fn check_exact_input(&self, x: &[Q]) -> Result<()> {
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
        Ok(())
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

/// One layer inside a residual block, as [`Network::trace_block`] records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockTrace {
    /// Where in the block, e.g. `layers[1]` or `skip[0]`.
    pub path: String,
    /// The layer's type name.
    pub kind: &'static str,
    /// Its input, output and pattern.
    pub trace: LayerTrace,
}

fn trace_block_into(block: &Layer, shape: Shape, x: &[Q], prefix: &str, out: &mut Vec<BlockTrace>) {
    let Layer::Residual { layers, skip } = block else {
        return;
    };
    for (field, chain) in [("layers", layers), ("skip", skip)] {
        let mut cur = x.to_vec();
        let shapes = crate::net::layer::chain_shapes(chain, shape);
        for (i, (l, &s)) in chain.iter().zip(&shapes).enumerate() {
            let (output, pattern) = plain_layer(l, s, &cur);
            let path = format!("{prefix}{field}[{i}]");
            out.push(BlockTrace {
                path: path.clone(),
                kind: l.kind(),
                trace: LayerTrace {
                    input: cur.clone(),
                    output: output.clone(),
                    pattern,
                },
            });
            trace_block_into(l, s, &cur, &format!("{path}."), out);
            cur = output;
        }
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
        Layer::Residual { layers, skip } => {
            let run = |chain: &[Layer]| -> Result<Vec<Interval>> {
                let mut cur = z.to_vec();
                let shapes = crate::net::layer::chain_shapes(chain, shape);
                for (l, &s) in chain.iter().zip(&shapes) {
                    cur = enclose_layer(l, s, &cur, bits)?;
                }
                Ok(cur)
            };
            let (f, p) = (run(layers)?, run(skip)?);
            f.iter()
                .zip(&p)
                .map(|(a, b)| a.add(b).rounded(bits))
                .collect()
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::linalg::Matrix;
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
