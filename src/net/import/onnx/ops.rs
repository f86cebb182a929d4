//! The operators: a table maps each supported operator to its converter, which adds its
//! layers (or element-wise maps) to the chain.

use super::super::onnx_proto::{NodeProto, data_type};
use super::attrs::{Attrs, Cx};
use super::chain::{Chain, per_channel};
use super::tensor::Tensor;
use super::{layout, linear};
use crate::error::{Error, Result};
use crate::exact::linalg::Matrix;
use crate::exact::rational::Q;
use crate::net::network::{Activation, Layer, Shape};

/// The operators this reader supports, for messages.
pub const SUPPORTED_OPERATORS: &[&str] = &[
    "Gemm",
    "MatMul",
    "Add (by a constant, or of two branches: a residual block)",
    "Sub",
    "Mul",
    "Div",
    "Relu",
    "LeakyRelu",
    "PRelu",
    "Clip",
    "Abs",
    "Conv",
    "MaxPool",
    "AveragePool",
    "GlobalMaxPool",
    "GlobalAveragePool",
    "Flatten",
    "Reshape",
    "Transpose",
    "Squeeze",
    "Unsqueeze",
    "Identity",
    "Dropout",
    "BatchNormalization",
    "Constant",
    "Shape (and Gather, Concat, Cast on constants)",
];

/// How a node's inputs split: the one dynamic input and the constants (by position).
pub(super) struct Inputs<'a> {
    pub(super) consts: Vec<Option<&'a Tensor>>,
}

impl<'a> Inputs<'a> {
    pub(super) fn get(&self, i: usize) -> Option<&'a Tensor> {
        self.consts.get(i).copied().flatten()
    }
}

/// A node of the chain to convert: the node, its attributes and constant inputs, and where
/// the previous node's output enters it.
pub(super) struct Node<'a> {
    pub(super) node: &'a NodeProto,
    pub(super) attrs: &'a Attrs<'a>,
    pub(super) inputs: &'a Inputs<'a>,
    /// The position of the previous node's output among the node's inputs.
    pub(super) pos: usize,
    pub(super) opset: i64,
    /// Is this the last node of the graph?
    pub(super) is_last: bool,
    pub(super) at: &'a str,
}

impl<'a> Node<'a> {
    pub(super) fn err(&self, message: impl Into<String>) -> Error {
        self.attrs.cx.err(self.at, message)
    }

    pub(super) fn op_type(&self) -> &'a str {
        self.node.op_type.as_str()
    }

    /// Constant input `k`, which must be there.
    pub(super) fn need(&self, k: usize, what: &str) -> Result<&'a Tensor> {
        need(self.inputs.get(k), what, self.at, self.attrs.cx)
    }

    /// Is input `k` named (so it is dynamic when it is not a constant)?
    pub(super) fn named(&self, k: usize) -> bool {
        self.node.input.get(k).is_some_and(|n| !n.is_empty())
    }

    pub(super) fn only_first(&self, name: &str) -> Result<()> {
        if self.pos != 0 {
            return Err(self.err(format!(
                "{name} must take the previous node's output as its first input"
            )));
        }
        Ok(())
    }

    fn no_extra_outputs(&self, allowed: usize) -> Result<()> {
        if self.node.output.iter().skip(allowed).any(|o| !o.is_empty()) {
            return Err(self.err(
                "extra outputs (training-mode statistics) are not supported; export the model in eval mode (model.eval())",
            ));
        }
        Ok(())
    }

    fn bad_shape(&self, chain: &Chain, what: &str) -> Error {
        self.err(format!(
            "{what} does not broadcast to the value's shape {}; only constants of that shape, one per channel ([C, 1, 1]) or scalars are supported",
            chain.shape
        ))
    }
}

/// Converts one node of the chain into layers (or element-wise maps still to place).
type Converter = fn(&mut Chain, &Node) -> Result<()>;

/// The converter of each supported operator.
const CONVERTERS: &[(&str, Converter)] = &[
    ("Identity", identity),
    ("Dropout", identity),
    ("Relu", relu_or_abs),
    ("Abs", relu_or_abs),
    ("LeakyRelu", leaky_relu),
    ("PRelu", prelu),
    ("Clip", clip),
    ("Add", arithmetic),
    ("Sub", arithmetic),
    ("Mul", arithmetic),
    ("Div", arithmetic),
    ("BatchNormalization", batch_normalization),
    ("Gemm", linear::gemm),
    ("MatMul", linear::matmul),
    ("Conv", conv),
    ("MaxPool", pool),
    ("AveragePool", pool),
    ("GlobalMaxPool", global_pool),
    ("GlobalAveragePool", global_pool),
    ("Flatten", layout::flatten),
    ("Reshape", layout::reshape),
    ("Transpose", layout::transpose),
    ("Squeeze", layout::squeeze_or_unsqueeze),
    ("Unsqueeze", layout::squeeze_or_unsqueeze),
];

/// Operators that are not piecewise linear, refused with advice.
const NOT_PIECEWISE_LINEAR: &[&str] = &[
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "Softplus",
    "Elu",
    "Selu",
    "Gelu",
    "Erf",
    "Exp",
    "Log",
    "HardSigmoid",
    "HardSwish",
    "Mish",
    "Celu",
    "Sqrt",
    "Pow",
    "Reciprocal",
];

pub(super) fn op(chain: &mut Chain, n: &Node) -> Result<()> {
    match CONVERTERS.iter().find(|(name, _)| *name == n.op_type()) {
        Some((_, convert)) => convert(chain, n),
        None => Err(unsupported_operator(n)),
    }
}

fn unsupported_operator(n: &Node) -> Error {
    let op = n.op_type();
    if n.is_last && matches!(op, "Softmax" | "LogSoftmax") {
        return n.err(format!(
            "a final {op} is not piecewise linear and does not change the predicted class: analyse the logits: export the model without the {op}"
        ));
    }
    if NOT_PIECEWISE_LINEAR.contains(&op) {
        return n.err(format!(
            "operator {op} is not piecewise linear; relucheck analyses piecewise-linear networks only: replace it (e.g. Tanh by Hardtanh/Clip, Sigmoid by a ReLU network) and retrain, or export the network up to this node"
        ));
    }
    n.err(format!(
        "operator {op} is not supported; supported operators: {}",
        SUPPORTED_OPERATORS.join(", ")
    ))
}

/// `Identity` and `Dropout` (in eval mode): nothing.
fn identity(_: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&["ratio", "seed", "is_test"])?;
    n.only_first(n.op_type())?;
    if n.op_type() == "Dropout"
        && n.inputs
            .get(2)
            .is_some_and(|t| t.values.iter().any(|v| !v.is_zero()))
    {
        return Err(n.err("Dropout in training mode; export the model in eval mode (model.eval())"));
    }
    Ok(())
}

fn relu_or_abs(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&[])?;
    let a = if n.op_type() == "Relu" {
        Activation::Relu
    } else {
        Activation::Abs
    };
    chain.push_other(Layer::Activation(a), n.at)
}

fn leaky_relu(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&["alpha"])?;
    let alpha = n.attrs.float("alpha")?.unwrap_or(0.01);
    let alpha = n.attrs.exact("alpha", alpha)?;
    chain.push_other(Layer::Activation(Activation::LeakyRelu { alpha }), n.at)
}

fn prelu(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&[])?;
    n.only_first("PRelu")?;
    let slope = n.need(1, "the PRelu slope")?;
    let v = chain
        .broadcast(slope)
        .ok_or_else(|| n.bad_shape(chain, "the slope"))?;
    let alpha = if v.iter().all(|x| *x == v[0]) {
        vec![v[0].clone()]
    } else if let Some(c) = per_channel(&v, chain.shape) {
        c
    } else {
        v
    };
    chain.push_other(Layer::Activation(Activation::PRelu { alpha }), n.at)
}

/// `Clip`: `hard_tanh`, or `relu` between shifts when one bound is missing.
fn clip(chain: &mut Chain, n: &Node) -> Result<()> {
    n.only_first("Clip")?;
    let (min, max) = clip_bounds(n)?;
    let len = chain.shape.size();
    let at = n.at;
    match (min, max) {
        (Some(lo), Some(hi)) => {
            if lo >= hi {
                return Err(n.err(format!(
                    "Clip with min {lo} >= max {hi} gives a constant; relucheck needs min < max"
                )));
            }
            chain.push_other(
                Layer::Activation(Activation::HardTanh { min: lo, max: hi }),
                at,
            )
        }
        (Some(lo), None) => {
            // clip(x, lo) = relu(x - lo) + lo
            chain.elementwise(vec![Q::ONE; len], vec![-&lo; len], at);
            chain.push_other(Layer::Activation(Activation::Relu), at)?;
            chain.elementwise(vec![Q::ONE; len], vec![lo; len], at);
            Ok(())
        }
        (None, Some(hi)) => {
            // clip(x, max = hi) = hi - relu(hi - x)
            chain.elementwise(vec![-Q::ONE; len], vec![hi.clone(); len], at);
            chain.push_other(Layer::Activation(Activation::Relu), at)?;
            chain.elementwise(vec![-Q::ONE; len], vec![hi; len], at);
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// The bounds of a `Clip`: inputs from opset 11 on, attributes before.
fn clip_bounds(n: &Node) -> Result<(Option<Q>, Option<Q>)> {
    let attrs = n.attrs;
    if n.opset >= 11 {
        attrs.check_known(&[])?;
        let bound = |k: usize, what: &str| -> Result<Option<Q>> {
            if !n.named(k) {
                return Ok(None);
            }
            let t = n.need(k, what)?;
            match &t.values[..] {
                [v] => Ok(Some(v.clone())),
                _ => Err(n.err(format!("{what} must be a single number"))),
            }
        };
        Ok((bound(1, "the Clip minimum")?, bound(2, "the Clip maximum")?))
    } else {
        attrs.check_known(&["min", "max"])?;
        let b = |name: &str| -> Result<Option<Q>> {
            attrs.float(name)?.map(|f| attrs.exact(name, f)).transpose()
        };
        Ok((b("min")?, b("max")?))
    }
}

/// `Add`, `Sub`, `Mul`, `Div` by a constant: an element-wise affine map.
fn arithmetic(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&[])?;
    let pos = n.pos;
    let other = n.need(1 - pos.min(1), "the other operand")?;
    let c = chain
        .broadcast(other)
        .ok_or_else(|| n.bad_shape(chain, "the constant"))?;
    let len = c.len();
    let (s, t) = match (n.op_type(), pos) {
        ("Add", _) => (vec![Q::ONE; len], c),
        ("Sub", 0) => (vec![Q::ONE; len], c.into_iter().map(|x| -x).collect()),
        ("Sub", _) => (vec![-Q::ONE; len], c),
        ("Mul", _) => (c, vec![Q::ZERO; len]),
        ("Div", 0) => {
            let inv = c
                .iter()
                .map(Q::recip)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| n.err("division by a constant that is 0"))?;
            (inv, vec![Q::ZERO; len])
        }
        _ => {
            return Err(n.err(
                "dividing a constant by the value is not piecewise linear; only division by a constant is supported",
            ));
        }
    };
    chain.elementwise(s, t, n.at);
    Ok(())
}

fn batch_normalization(chain: &mut Chain, n: &Node) -> Result<()> {
    let attrs = n.attrs;
    attrs.check_known(&["epsilon", "momentum", "training_mode", "spatial", "is_test"])?;
    n.only_first("BatchNormalization")?;
    n.no_extra_outputs(1)?;
    if attrs.int("training_mode", 0)? != 0 {
        return Err(n.err(
            "BatchNormalization in training mode; export the model in eval mode (model.eval())",
        ));
    }
    if attrs.int("spatial", 1)? != 1 {
        return Err(n.err("BatchNormalization with spatial = 0 is not supported"));
    }
    batch_norm(chain, attrs, n.inputs, n.at)
}

fn conv(chain: &mut Chain, n: &Node) -> Result<()> {
    let attrs = n.attrs;
    attrs.check_known(&[
        "kernel_shape",
        "strides",
        "pads",
        "dilations",
        "group",
        "auto_pad",
    ])?;
    n.only_first("Conv")?;
    let Shape::Chw(c, h, w) = chain.shape else {
        return Err(n.err(format!(
            "Conv on a value of shape {}; relucheck supports 2-D convolutions on [N, C, H, W]",
            chain.shape
        )));
    };
    if attrs.int("group", 1)? != 1 {
        return Err(
            n.err("grouped or depthwise convolution (group > 1) is not supported; use groups=1")
        );
    }
    if attrs
        .ints("dilations")?
        .is_some_and(|d| d.iter().any(|&x| x != 1))
    {
        return Err(n.err("dilated convolution is not supported; use dilation=1"));
    }
    let wt = n.need(1, "the Conv weight")?;
    let [m, wc, kh, kw] = wt.dims[..] else {
        return Err(n.err(format!(
            "the Conv weight has shape {:?}; expected [M, C, kH, kW]",
            wt.dims
        )));
    };
    if wc != c {
        return Err(n.err(format!(
            "the Conv weight expects {wc} input channels, the value has {c}"
        )));
    }
    if let Some(k) = attrs.ints("kernel_shape")?
        && k != [kh as i64, kw as i64]
    {
        return Err(n.err(format!(
            "kernel_shape {k:?} differs from the weight's [{kh}, {kw}]"
        )));
    }
    let stride = attrs.pair("strides", 1)?;
    let pad = padding(attrs, (h, w), (kh, kw), stride)?;
    let bias = match n.inputs.get(2) {
        Some(b) if b.values.len() == m => b.values.clone(),
        Some(b) => {
            return Err(n.err(format!(
                "the Conv bias has {} values; expected {m}",
                b.values.len()
            )));
        }
        None if n.named(2) => return Err(n.err("the Conv bias must be a constant")),
        None => vec![Q::ZERO; m],
    };
    chain.push_conv(
        Layer::Conv2d {
            weights: wt.values.clone(),
            out_channels: m,
            in_channels: c,
            kernel: (kh, kw),
            bias,
            stride,
            padding: pad,
        },
        n.at,
    )
}

/// `MaxPool` and `AveragePool`.
fn pool(chain: &mut Chain, n: &Node) -> Result<()> {
    let attrs = n.attrs;
    attrs.check_known(&[
        "kernel_shape",
        "strides",
        "pads",
        "dilations",
        "auto_pad",
        "ceil_mode",
        "storage_order",
        "count_include_pad",
    ])?;
    n.only_first(n.op_type())?;
    n.no_extra_outputs(1)?;
    let Shape::Chw(_, h, w) = chain.shape else {
        return Err(n.err(format!(
            "{} on a value of shape {}; expected [N, C, H, W]",
            n.op_type(),
            chain.shape
        )));
    };
    if attrs
        .ints("dilations")?
        .is_some_and(|d| d.iter().any(|&x| x != 1))
    {
        return Err(n.err("dilated pooling is not supported; use dilation=1"));
    }
    if attrs.ints("kernel_shape")?.is_none() {
        return Err(n.err("kernel_shape is missing"));
    }
    let kernel = attrs.pair("kernel_shape", 1)?;
    let stride = attrs.pair("strides", 1)?;
    let pad = padding(attrs, (h, w), kernel, stride)?;
    if attrs.int("ceil_mode", 0)? != 0 {
        let same = |len: usize, k: usize, s: usize, p: usize| {
            let span = (len + 2 * p).saturating_sub(k);
            span.is_multiple_of(s)
        };
        if !same(h, kernel.0, stride.0, pad.0) || !same(w, kernel.1, stride.1, pad.1) {
            return Err(
                n.err("ceil_mode = 1 adds a partial window here; export with ceil_mode=False")
            );
        }
    }
    let layer = if n.op_type() == "MaxPool" {
        Layer::MaxPool2d {
            kernel,
            stride,
            padding: pad,
        }
    } else {
        if pad != (0, 0) && attrs.int("count_include_pad", 0)? == 0 {
            return Err(n.err(
                "AveragePool with padding and count_include_pad = 0 divides border windows by fewer values; relucheck's avg_pool2d counts the padding: export with count_include_pad=True, or without padding",
            ));
        }
        Layer::AvgPool2d {
            kernel,
            stride,
            padding: pad,
        }
    };
    chain.push_other(layer, n.at)
}

/// `GlobalMaxPool` and `GlobalAveragePool`: one window over the whole image.
fn global_pool(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&[])?;
    let Shape::Chw(_, h, w) = chain.shape else {
        return Err(n.err(format!(
            "{} on a value of shape {}; expected [N, C, H, W]",
            n.op_type(),
            chain.shape
        )));
    };
    let (kernel, stride, padding) = ((h, w), (h, w), (0, 0));
    let layer = if n.op_type() == "GlobalMaxPool" {
        Layer::MaxPool2d {
            kernel,
            stride,
            padding,
        }
    } else {
        Layer::AvgPool2d {
            kernel,
            stride,
            padding,
        }
    };
    chain.push_other(layer, n.at)
}

/// A constant of `n` values (shape `[n]`, `[1, n]` or a scalar), as `n` values.
pub(super) fn broadcast_vector(t: &Tensor, n: usize) -> Option<Vec<Q>> {
    let non_one: Vec<usize> = t.dims.iter().copied().filter(|&d| d != 1).collect();
    match (&non_one[..], t.values.len()) {
        ([], 1) => Some(vec![t.values[0].clone(); n]),
        ([d], _) if *d == n && t.dims.last() == Some(&n) => Some(t.values.clone()),
        _ => None,
    }
}

/// The out × in matrix of a 2-D weight: `[out, in]` when `transposed`, else `[in, out]`.
pub(super) fn matrix(b: &Tensor, transposed: bool, n: usize, at: &str, cx: &Cx) -> Result<Matrix> {
    let [r, c] = b.dims[..] else {
        return Err(cx.err(
            at,
            format!("the weight has shape {:?}; expected a matrix", b.dims),
        ));
    };
    let (out, inp) = if transposed { (r, c) } else { (c, r) };
    if inp != n {
        return Err(cx.err(
            at,
            format!(
                "the weight {:?} takes {inp} inputs, but the previous layer gives {n}",
                b.dims
            ),
        ));
    }
    if out == 0 {
        return Err(cx.err(at, "the weight has no outputs"));
    }
    let rows: Vec<Vec<Q>> = (0..out)
        .map(|o| {
            (0..inp)
                .map(|i| {
                    let k = if transposed { o * c + i } else { i * c + o };
                    b.values[k].clone()
                })
                .collect()
        })
        .collect();
    Ok(Matrix::from_rows(rows).expect("rectangular"))
}

pub(super) fn need<'a>(t: Option<&'a Tensor>, what: &str, at: &str, cx: &Cx) -> Result<&'a Tensor> {
    t.ok_or_else(|| {
        cx.err(
            at,
            format!(
                "{what} must be a constant (an initializer or Constant); export with constant folding"
            ),
        )
    })
}

/// Symmetric 2-D padding from `pads` / `auto_pad`.
fn padding(
    attrs: &Attrs,
    input: (usize, usize),
    kernel: (usize, usize),
    stride: (usize, usize),
) -> Result<(usize, usize)> {
    let cx = attrs.cx;
    let auto = attrs.string("auto_pad")?.unwrap_or_else(|| "NOTSET".into());
    match auto.as_str() {
        "NOTSET" | "" => match attrs.ints("pads")? {
            None => Ok((0, 0)),
            Some(p) if p.len() == 4 && p.iter().all(|&x| (0..=1_000_000).contains(&x)) => {
                if p[0] != p[2] || p[1] != p[3] {
                    return Err(cx.err(
                        attrs.at,
                        format!(
                            "pads {p:?} are not symmetric (begin and end differ); relucheck supports the same padding on both sides, as PyTorch's padding=(ph, pw) exports"
                        ),
                    ));
                }
                Ok((p[0] as usize, p[1] as usize))
            }
            Some(p) => Err(cx.err(
                attrs.at,
                format!("pads {p:?}: expected four non-negative entries for a 2-D window"),
            )),
        },
        "VALID" => Ok((0, 0)),
        "SAME_UPPER" | "SAME_LOWER" => {
            let one = |n: usize, k: usize, s: usize| -> Result<usize> {
                let out = n.div_ceil(s);
                let total = ((out - 1) * s + k).saturating_sub(n);
                if total % 2 == 1 {
                    return Err(cx.err(
                        attrs.at,
                        format!(
                            "auto_pad {auto} pads asymmetrically here (total {total}); export with explicit symmetric padding"
                        ),
                    ));
                }
                Ok(total / 2)
            };
            Ok((
                one(input.0, kernel.0, stride.0)?,
                one(input.1, kernel.1, stride.1)?,
            ))
        }
        other => Err(cx.err(attrs.at, format!("auto_pad `{other}` is not supported"))),
    }
}

fn batch_norm(chain: &mut Chain, attrs: &Attrs, inputs: &Inputs, at: &str) -> Result<()> {
    let cx = chain.cx;
    let channels = match chain.shape {
        Shape::Chw(c, _, _) => c,
        Shape::Flat(n) if chain.batched => n,
        Shape::Flat(_) => {
            return Err(cx.err(
                at,
                "BatchNormalization needs an input with a batch dimension",
            ));
        }
    };
    let names = ["scale", "B", "input_mean", "input_var"];
    let mut ts = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let t = need(
            inputs.get(k + 1),
            &format!("the BatchNormalization {name}"),
            at,
            cx,
        )?;
        if t.values.len() != channels {
            return Err(cx.err(
                at,
                format!(
                    "the BatchNormalization {name} has {} values; expected one per channel ({channels})",
                    t.values.len()
                ),
            ));
        }
        ts.push(t);
    }
    let [gamma, beta, mean, var] = ts[..] else {
        unreachable!()
    };
    let eps = attrs.float("epsilon")?.unwrap_or(1e-5);
    let eps_q = attrs.exact("epsilon", eps)?;
    let double = var.dtype == data_type::DOUBLE;
    let var_f = var
        .floats
        .clone()
        .unwrap_or_else(|| var.values.iter().map(Q::to_f64).collect());
    let mut s = Vec::with_capacity(channels);
    let mut t = Vec::with_capacity(channels);
    let mut inexact = 0;
    for c in 0..channels {
        let factor = if double {
            let v = var_f[c] + eps as f64;
            1.0 / v.sqrt()
        } else {
            let v = var_f[c] as f32 + eps;
            (1.0f32 / v.sqrt()) as f64
        };
        let f = Q::from_f64(factor).map_err(|_| {
            cx.err(
                at,
                format!(
                    "channel {c}: var + epsilon = {} has no finite 1/sqrt; the model's statistics are invalid",
                    var_f[c] + eps as f64
                ),
            )
        })?;
        if &f * &f * (&var.values[c] + &eps_q) != Q::ONE {
            inexact += 1;
        }
        let sc = &gamma.values[c] * &f;
        t.push(&beta.values[c] - &mean.values[c] * &sc);
        s.push(sc);
    }
    if inexact > 0 {
        chain.notes.push(format!(
            "{at}: the factor 1/sqrt(var + epsilon) is irrational in general; for {inexact} of {channels} channels it was taken as the exact value of the {} that onnxruntime computes (var + epsilon, sqrt and reciprocal each rounded to {}), so results are exact for that value, not for the real BatchNormalization",
            if double { "float64" } else { "float32" },
            if double { "float64" } else { "float32" }
        ));
    }
    let per = chain.shape.size() / channels;
    let expand = |v: &[Q]| -> Vec<Q> {
        v.iter()
            .flat_map(|x| std::iter::repeat_n(x.clone(), per))
            .collect()
    };
    let (s, t) = (expand(&s), expand(&t));
    chain.elementwise(s, t, at);
    Ok(())
}
