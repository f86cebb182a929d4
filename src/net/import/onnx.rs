//! ONNX models (as exported by `torch.onnx.export`), read exactly.
//!
//! The graph must be a chain: one input, one output, every node reading the previous
//! node's output (plus constants). Opsets 7 to 21 of the default domain are read; models
//! are tested with opsets 11 to 21.
//!
//! | operator | becomes |
//! | --- | --- |
//! | `Gemm` (`alpha`, `beta`, `transB`; `transA = 0`) | `dense` |
//! | `MatMul` by a constant matrix | `dense` (a following `Add` becomes its bias) |
//! | `Conv` (2-D, `group = 1`, dilations 1, symmetric pads or `auto_pad`) | `conv2d` |
//! | `MaxPool`, `GlobalMaxPool` | `max_pool2d` |
//! | `AveragePool`, `GlobalAveragePool` | `avg_pool2d` (padding counts; with padding, `count_include_pad = 1` is required) |
//! | `Flatten` (axis 1), `Reshape` to `[N, C·H·W]` | `flatten` |
//! | `Relu`, `LeakyRelu`, `PRelu`, `Abs` | the activation |
//! | `Clip` (min/max as inputs, or attributes before opset 11) | `hard_tanh`, or `relu` with shifts when one bound is missing |
//! | `Add`, `Sub`, `Mul`, `Div` by a constant, `BatchNormalization` (inference) | folded into the preceding `Conv`/`Gemm`/`MatMul`, else the following one, else an element-wise affine layer |
//! | `Identity`, `Dropout` | nothing |
//! | `Constant` | a constant |
//! | `Shape` of the value; `Gather`, `Unsqueeze`, `Squeeze`, `Concat`, `Cast` on constants | evaluated to constants (the shape arithmetic of `x.view(x.size(0), -1)`) |
//!
//! Weights come from initializers and `Constant` nodes of type float32, float64, float16,
//! int32 or int64 (`raw_data` little-endian, or the typed fields); each float becomes the
//! exact dyadic rational it denotes.
//!
//! `BatchNormalization` computes `(x - mean) · gamma / sqrt(var + epsilon) + beta`. The
//! factor `1/sqrt(var + epsilon)` is irrational in general, so it is taken as the exact
//! value of the float that runtimes compute (onnxruntime: `var + epsilon`, square root
//! and reciprocal each rounded to float32, or float64 for double tensors); the imported
//! network records this in [`Network::notes`]. Everything else is exact.
//!
//! Anything else is an error naming the node and what to do; a final `Softmax` asks to
//! export the logits instead.

use super::onnx_proto::{
    AttributeProto, DimensionValue, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto,
    attribute_type, data_type,
};
use crate::error::{Error, Result};
use crate::exact::linalg::Matrix;
use crate::exact::rational::Q;
use crate::net::network::{Activation, Layer, MAX_VALUES, Network, Shape};
use prost::Message;
use std::collections::HashMap;

/// The operators this reader supports, for messages.
pub const SUPPORTED_OPERATORS: &[&str] = &[
    "Gemm",
    "MatMul",
    "Add",
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
    "Identity",
    "Dropout",
    "BatchNormalization",
    "Constant",
    "Shape (and Gather, Unsqueeze, Squeeze, Concat, Cast on constants)",
];

const MIN_OPSET: i64 = 7;
const MAX_OPSET: i64 = 21;

/// Reads an ONNX model from its bytes; `source` names the file in errors (which also
/// name the node and the fix).
pub fn from_onnx_bytes(bytes: &[u8], source: &str) -> Result<Network> {
    let cx = Cx { source };
    let model = ModelProto::decode(bytes).map_err(|e| {
        cx.err(
            "file",
            format!(
                "not a valid ONNX model ({e}); the file may be truncated or not ONNX: export it with torch.onnx.export or onnx.save"
            ),
        )
    })?;
    let opset = model
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .ok_or_else(|| {
            cx.err(
                "opset_import",
                "no opset of the default ONNX domain; is this an ONNX model? Export it with torch.onnx.export",
            )
        })?;
    if !(MIN_OPSET..=MAX_OPSET).contains(&opset) {
        return Err(cx.err(
            "opset_import",
            format!(
                "opset {opset} is not supported; export with opset_version between 11 and {MAX_OPSET} (e.g. torch.onnx.export(..., opset_version=17))"
            ),
        ));
    }
    let Some(graph) = &model.graph else {
        return Err(cx.err("graph", "the model has no graph"));
    };
    let mut net = convert(graph, opset, &cx)?;
    net.name = if graph.name.is_empty() {
        std::path::Path::new(source)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
    } else {
        Some(graph.name.clone())
    };
    let producer = match (&model.producer_name[..], &model.producer_version[..]) {
        ("", _) => String::new(),
        (n, "") => format!(", producer {n}"),
        (n, v) => format!(", producer {n} {v}"),
    };
    net.description = Some(format!(
        "imported from the ONNX model {source} (opset {opset}{producer})"
    ));
    Ok(net)
}

struct Cx<'a> {
    source: &'a str,
}

impl Cx<'_> {
    fn err(&self, path: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Format {
            source_name: self.source.to_string(),
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A constant tensor: its dims and exact values (row-major), and the floats for the
/// float types (needed to compute a BatchNormalization factor as a runtime does).
#[derive(Clone, Debug)]
struct Tensor {
    dims: Vec<usize>,
    values: Vec<Q>,
    floats: Option<Vec<f64>>,
    dtype: i32,
}

fn count(dims: &[usize]) -> Option<usize> {
    dims.iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= MAX_VALUES)
}

fn decode_tensor(t: &TensorProto, what: &str, cx: &Cx) -> Result<Tensor> {
    if t.data_location == 1 || !t.external_data.is_empty() {
        return Err(cx.err(
            what,
            "the tensor's data is stored in an external file; save the model with all tensors inside (onnx.save(model, path, save_as_external_data=False))",
        ));
    }
    let dims = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).ok())
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| cx.err(what, format!("negative dimension in {:?}", t.dims)))?;
    let n = count(&dims).ok_or_else(|| {
        cx.err(
            what,
            format!("dims {:?} hold more than {MAX_VALUES} values", t.dims),
        )
    })?;
    let data = TensorData {
        t,
        dims: &dims,
        n,
        what,
        cx,
    };
    let floats = data.floats()?;
    let values = match &floats {
        Some(f) => data.exact(f)?,
        None => data.integers()?,
    };
    Ok(Tensor {
        dims,
        values,
        floats,
        dtype: t.data_type,
    })
}

/// The values of a tensor of `n` values, in `raw_data` or in the typed field of its type.
struct TensorData<'a> {
    t: &'a TensorProto,
    dims: &'a [usize],
    n: usize,
    what: &'a str,
    cx: &'a Cx<'a>,
}

impl TensorData<'_> {
    /// Are the values in `raw_data` (of `elem` bytes each)? An error when its size is wrong.
    fn raw(&self, elem: usize) -> Result<bool> {
        let raw = &self.t.raw_data;
        if raw.is_empty() {
            return Ok(false);
        }
        if raw.len() != self.n * elem {
            return Err(self.cx.err(
                self.what,
                format!(
                    "raw_data has {} bytes, but dims {:?} of {} need {}; the file is damaged",
                    raw.len(),
                    self.dims,
                    data_type::name(self.t.data_type),
                    self.n * elem
                ),
            ));
        }
        Ok(true)
    }

    /// Checks that a typed field holds `len` values, as the dims say.
    fn typed_len(&self, len: usize) -> Result<()> {
        if len != self.n {
            return Err(self.cx.err(
                self.what,
                format!(
                    "the tensor has {len} values, but dims {:?} need {}; the file is damaged",
                    self.dims, self.n
                ),
            ));
        }
        Ok(())
    }

    /// `raw_data` in chunks of `N` bytes, each decoded by `f`.
    fn chunks<const N: usize, T>(&self, f: impl Fn([u8; N]) -> T) -> Vec<T> {
        self.t
            .raw_data
            .chunks_exact(N)
            .map(|c| f(c.try_into().expect("chunks of N bytes")))
            .collect()
    }

    /// The floats of a float tensor (as `f64`, exactly); `None` for an integer tensor.
    fn floats(&self) -> Result<Option<Vec<f64>>> {
        let t = self.t;
        Ok(Some(match t.data_type {
            data_type::FLOAT => {
                if self.raw(4)? {
                    self.chunks(|c| f32::from_le_bytes(c) as f64)
                } else {
                    self.typed_len(t.float_data.len())?;
                    t.float_data.iter().map(|&x| x as f64).collect()
                }
            }
            data_type::DOUBLE => {
                if self.raw(8)? {
                    self.chunks(f64::from_le_bytes)
                } else {
                    self.typed_len(t.double_data.len())?;
                    t.double_data.clone()
                }
            }
            data_type::FLOAT16 => {
                let bits: Vec<u16> = if self.raw(2)? {
                    self.chunks(u16::from_le_bytes)
                } else {
                    self.typed_len(t.int32_data.len())?;
                    t.int32_data.iter().map(|&x| x as u16).collect()
                };
                let mut out = Vec::with_capacity(self.n);
                for b in bits {
                    let q =
                        Q::from_f16_bits(b).map_err(|e| self.cx.err(self.what, format!("{e}")))?;
                    out.push(q.to_f64());
                }
                out
            }
            data_type::INT32 | data_type::INT64 => return Ok(None),
            other => {
                return Err(self.cx.err(
                    self.what,
                    format!(
                        "tensors of type {} are not supported (float32, float64, float16, int32, int64 are); convert the model's weights to float32",
                        data_type::name(other)
                    ),
                ));
            }
        }))
    }

    /// Each float as the exact rational it denotes.
    fn exact(&self, floats: &[f64]) -> Result<Vec<Q>> {
        floats
            .iter()
            .map(|&x| {
                Q::from_f64(x).map_err(|e| {
                    self.cx.err(
                        self.what,
                        format!("a value is {e}; the model's weights must be finite"),
                    )
                })
            })
            .collect()
    }

    /// The values of an integer tensor (int32 or int64).
    fn integers(&self) -> Result<Vec<Q>> {
        let t = self.t;
        if t.data_type == data_type::INT32 {
            if self.raw(4)? {
                Ok(self.chunks(|c| Q::from_int(i32::from_le_bytes(c) as i64)))
            } else {
                self.typed_len(t.int32_data.len())?;
                Ok(t.int32_data
                    .iter()
                    .map(|&x| Q::from_int(x as i64))
                    .collect())
            }
        } else if self.raw(8)? {
            Ok(self.chunks(|c| Q::from_int(i64::from_le_bytes(c))))
        } else {
            self.typed_len(t.int64_data.len())?;
            Ok(t.int64_data.iter().map(|&x| Q::from_int(x)).collect())
        }
    }
}

/// `node 3 "/fc1/Gemm" (Gemm)`.
fn label(i: usize, node: &NodeProto) -> String {
    if node.name.is_empty() {
        format!("node {i} ({})", node.op_type)
    } else {
        format!("node {i} \"{}\" ({})", node.name, node.op_type)
    }
}

struct Attrs<'a> {
    node: &'a NodeProto,
    at: &'a str,
    cx: &'a Cx<'a>,
}

impl Attrs<'_> {
    fn check_known(&self, known: &[&str]) -> Result<()> {
        for a in &self.node.attribute {
            if !known.contains(&a.name.as_str()) {
                return Err(self.cx.err(
                    self.at,
                    format!(
                        "attribute `{}` of {} is not supported (supported here: {}); export without it",
                        a.name,
                        self.node.op_type,
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        Ok(())
    }

    fn get(&self, name: &str, ty: i32) -> Result<Option<&AttributeProto>> {
        match self.node.attribute.iter().find(|a| a.name == name) {
            None => Ok(None),
            Some(a) if a.r#type == ty || a.r#type == 0 => Ok(Some(a)),
            Some(a) => Err(self.cx.err(
                self.at,
                format!(
                    "attribute `{name}` has type {} where type {ty} was expected; the file is damaged",
                    a.r#type
                ),
            )),
        }
    }

    fn int(&self, name: &str, default: i64) -> Result<i64> {
        Ok(self
            .get(name, attribute_type::INT)?
            .map_or(default, |a| a.i))
    }

    fn float(&self, name: &str) -> Result<Option<f32>> {
        Ok(self.get(name, attribute_type::FLOAT)?.map(|a| a.f))
    }

    fn ints(&self, name: &str) -> Result<Option<Vec<i64>>> {
        Ok(self
            .get(name, attribute_type::INTS)?
            .map(|a| a.ints.clone()))
    }

    fn string(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .get(name, attribute_type::STRING)?
            .map(|a| String::from_utf8_lossy(&a.s).into_owned()))
    }

    fn exact(&self, name: &str, x: f32) -> Result<Q> {
        Q::from_f32(x).map_err(|e| {
            self.cx.err(
                self.at,
                format!("attribute `{name}` is {e}; it must be finite"),
            )
        })
    }

    /// A window attribute with two entries (height, width).
    fn pair(&self, name: &str, default: i64) -> Result<(usize, usize)> {
        match self.ints(name)? {
            None => Ok((default as usize, default as usize)),
            Some(v) if v.len() == 2 && v.iter().all(|&x| (1..=1_000_000).contains(&x)) => {
                Ok((v[0] as usize, v[1] as usize))
            }
            Some(v) => Err(self.cx.err(
                self.at,
                format!(
                    "attribute `{name}` is {v:?}; only 2-D windows (two positive entries) are supported"
                ),
            )),
        }
    }
}

/// `y = s ⊙ x + t` element-wise, not yet placed in a layer.
struct Pending {
    s: Vec<Q>,
    t: Vec<Q>,
    at: String,
}

struct Chain<'a> {
    cx: &'a Cx<'a>,
    shape: Shape,
    /// The input has a leading batch dimension.
    batched: bool,
    batch: usize,
    layers: Vec<Layer>,
    /// The node each layer came from, for errors from `Network::new`.
    origins: Vec<String>,
    /// The last `dense`/`conv2d` layer and its output shape, when the current value is its
    /// output (possibly flattened), so an element-wise affine map can fold into it.
    absorber: Option<(usize, Shape)>,
    pending: Option<Pending>,
    notes: Vec<String>,
}

/// The value of channel `c` in a per-element vector over `shape`, if every element of
/// each channel has the same value.
fn per_channel(v: &[Q], shape: Shape) -> Option<Vec<Q>> {
    let Shape::Chw(c, h, w) = shape else {
        return None;
    };
    let hw = h * w;
    let out: Vec<Q> = (0..c).map(|k| v[k * hw].clone()).collect();
    v.iter()
        .enumerate()
        .all(|(i, x)| *x == out[i / hw])
        .then_some(out)
}

impl Chain<'_> {
    fn full_dims(&self) -> Vec<usize> {
        let mut d = Vec::new();
        if self.batched {
            d.push(self.batch);
        }
        match self.shape {
            Shape::Flat(n) => d.push(n),
            Shape::Chw(c, h, w) => d.extend([c, h, w]),
        }
        d
    }

    /// A constant broadcast (numpy rules) to the current value, as one value per element of
    /// a sample; `None` when it does not broadcast or varies along the batch.
    fn broadcast(&self, t: &Tensor) -> Option<Vec<Q>> {
        let full = self.full_dims();
        let mut cd = t.dims.clone();
        while cd.len() > full.len() {
            if cd[0] != 1 {
                return None;
            }
            cd.remove(0);
        }
        while cd.len() < full.len() {
            cd.insert(0, 1);
        }
        for (i, (&c, &f)) in cd.iter().zip(&full).enumerate() {
            if c != 1 && (c != f || (self.batched && i == 0)) {
                return None;
            }
        }
        let start = usize::from(self.batched);
        let sample = &full[start..];
        let n: usize = sample.iter().product();
        // Strides of the constant over the sample axes (0 where broadcast).
        let mut strides = vec![0usize; cd.len()];
        let mut acc = 1;
        for i in (0..cd.len()).rev() {
            strides[i] = if cd[i] == 1 { 0 } else { acc };
            acc *= cd[i];
        }
        let mut out = Vec::with_capacity(n);
        for e in 0..n {
            let mut rem = e;
            let mut idx = 0;
            for (k, &d) in sample.iter().enumerate().rev() {
                let coord = rem % d;
                rem /= d;
                idx += coord * strides[start + k];
            }
            out.push(t.values[idx].clone());
        }
        Some(out)
    }

    fn push(&mut self, layer: Layer, at: &str) -> Result<()> {
        let index = self.layers.len();
        let out = layer
            .output_shape(index, self.shape)
            .map_err(|e| self.cx.err(at, e.to_string()))?;
        if out.size() == 0 {
            return Err(self.cx.err(at, "produces no values"));
        }
        self.absorber = match layer {
            Layer::Dense { .. } | Layer::Conv2d { .. } => Some((index, out)),
            Layer::Flatten => self.absorber,
            _ => None,
        };
        self.layers.push(layer);
        self.origins.push(at.to_string());
        self.shape = out;
        Ok(())
    }

    /// Composes `y = s ⊙ x + t` after what is pending.
    fn elementwise(&mut self, s: Vec<Q>, t: Vec<Q>, at: &str) {
        self.pending = Some(match self.pending.take() {
            None => Pending {
                s,
                t,
                at: at.to_string(),
            },
            Some(p) => Pending {
                t: p.t
                    .iter()
                    .zip(&s)
                    .zip(&t)
                    .map(|((pt, s), t)| s * pt + t)
                    .collect(),
                s: p.s.iter().zip(&s).map(|(ps, s)| s * ps).collect(),
                at: p.at,
            },
        });
    }

    /// Places the pending element-wise map: into the preceding dense/conv2d layer if it can,
    /// else as a layer of its own.
    fn flush(&mut self) -> Result<()> {
        let Some(p) = self.pending.take() else {
            return Ok(());
        };
        if p.s.iter().all(|x| *x == Q::ONE) && p.t.iter().all(Q::is_zero) {
            return Ok(());
        }
        if let Some((i, out)) = self.absorber {
            match &mut self.layers[i] {
                Layer::Dense { weights, bias } => {
                    for r in 0..weights.rows() {
                        for x in weights.row_mut(r) {
                            *x *= &p.s[r];
                        }
                        bias[r] = &p.s[r] * &bias[r] + &p.t[r];
                    }
                    return Ok(());
                }
                Layer::Conv2d {
                    weights,
                    out_channels,
                    bias,
                    ..
                } => {
                    if let (Some(s), Some(t)) = (per_channel(&p.s, out), per_channel(&p.t, out)) {
                        let per = weights.len() / *out_channels;
                        for (k, x) in weights.iter_mut().enumerate() {
                            *x *= &s[k / per];
                        }
                        for (k, b) in bias.iter_mut().enumerate() {
                            *b = &s[k] * &*b + &t[k];
                        }
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        match self.shape {
            Shape::Flat(n) => {
                if n.checked_mul(n).is_none_or(|nn| nn > MAX_VALUES) {
                    return Err(self.cx.err(
                        &p.at,
                        format!(
                            "this element-wise scale or shift on {n} values needs a {n} × {n} dense layer, more than {MAX_VALUES} weights; fold it into a Gemm before or after it"
                        ),
                    ));
                }
                let mut w = Matrix::zeros(n, n);
                for (i, s) in p.s.iter().enumerate() {
                    w[(i, i)] = s.clone();
                }
                self.push(
                    Layer::Dense {
                        weights: w,
                        bias: p.t,
                    },
                    &p.at,
                )
            }
            Shape::Chw(c, _, _) => {
                let (Some(s), Some(t)) =
                    (per_channel(&p.s, self.shape), per_channel(&p.t, self.shape))
                else {
                    return Err(self.cx.err(
                        &p.at,
                        "this element-wise scale or shift differs within a channel of a [C, H, W] value, and there is no Conv before it or Gemm after it to fold it into; use one value per channel (shape [C, 1, 1])",
                    ));
                };
                let mut w = vec![Q::ZERO; c * c];
                for (k, s) in s.into_iter().enumerate() {
                    w[k * c + k] = s;
                }
                self.push(
                    Layer::Conv2d {
                        weights: w,
                        out_channels: c,
                        in_channels: c,
                        kernel: (1, 1),
                        bias: t,
                        stride: (1, 1),
                        padding: (0, 0),
                    },
                    &p.at,
                )
            }
        }
    }

    fn push_dense(&mut self, mut weights: Matrix, mut bias: Vec<Q>, at: &str) -> Result<()> {
        if self.pending.is_some() && self.absorber.is_none() && weights.cols() == self.shape.size()
        {
            let p = self.pending.take().unwrap();
            for r in 0..weights.rows() {
                let row = weights.row_mut(r);
                let mut shift = Q::ZERO;
                for (j, x) in row.iter_mut().enumerate() {
                    shift += &*x * &p.t[j];
                    *x *= &p.s[j];
                }
                bias[r] += shift;
            }
        }
        self.flush()?;
        self.push(Layer::Dense { weights, bias }, at)
    }

    fn push_conv(&mut self, mut layer: Layer, at: &str) -> Result<()> {
        if let (Some(p), None, Shape::Chw(..)) = (&self.pending, self.absorber, self.shape)
            && let Layer::Conv2d {
                weights,
                out_channels,
                in_channels,
                bias,
                padding: (0, 0),
                ..
            } = &mut layer
            && let (Some(s), Some(t)) =
                (per_channel(&p.s, self.shape), per_channel(&p.t, self.shape))
            && s.len() == *in_channels
        {
            let per_in = weights.len() / (*out_channels * *in_channels);
            for (k, x) in weights.iter_mut().enumerate() {
                let i = (k / per_in) % *in_channels;
                bias[k / (per_in * *in_channels)] += &*x * &t[i];
                *x *= &s[i];
            }
            self.pending = None;
        }
        self.flush()?;
        self.push(layer, at)
    }

    fn push_other(&mut self, layer: Layer, at: &str) -> Result<()> {
        self.flush()?;
        self.push(layer, at)
    }
}

/// How a node's inputs split: the one dynamic input and the constants (by position).
struct Inputs<'a> {
    consts: Vec<Option<&'a Tensor>>,
}

impl<'a> Inputs<'a> {
    fn get(&self, i: usize) -> Option<&'a Tensor> {
        self.consts.get(i).copied().flatten()
    }
}

fn convert(graph: &GraphProto, opset: i64, cx: &Cx) -> Result<Network> {
    let mut consts = initializers(graph, cx)?;
    let input = the_input(graph, &consts, cx)?;
    let (shape, batched, batch) = input_shape(input, cx)?;
    let mut chain = Chain {
        cx,
        shape,
        batched,
        batch,
        layers: Vec::new(),
        origins: Vec::new(),
        absorber: None,
        pending: None,
        notes: Vec::new(),
    };
    let [output] = &graph.output[..] else {
        return Err(cx.err(
            "graph.output",
            format!(
                "the graph has {} outputs; relucheck imports networks with exactly one output",
                graph.output.len()
            ),
        ));
    };
    let mut cur = input.name.clone();
    for (i, node) in graph.node.iter().enumerate() {
        let step = Step {
            index: i,
            node,
            cur: &cur,
            output: &output.name,
            opset,
        };
        if let Some(next) = step.run(&mut chain, &mut consts)? {
            cur = next;
        }
    }
    if cur != output.name {
        return Err(cx.err(
            "graph.output",
            format!(
                "the graph output `{}` is not the end of the chain of nodes (`{cur}`); relucheck imports chains of layers",
                output.name
            ),
        ));
    }
    finish(chain, shape)
}

/// The initializers, decoded.
fn initializers(graph: &GraphProto, cx: &Cx) -> Result<HashMap<String, Tensor>> {
    let mut consts = HashMap::new();
    for (i, t) in graph.initializer.iter().enumerate() {
        let what = format!("initializer {i} \"{}\"", t.name);
        consts.insert(t.name.clone(), decode_tensor(t, &what, cx)?);
    }
    Ok(consts)
}

/// The one graph input that is not an initializer.
fn the_input<'g>(
    graph: &'g GraphProto,
    consts: &HashMap<String, Tensor>,
    cx: &Cx,
) -> Result<&'g ValueInfoProto> {
    let inputs: Vec<_> = graph
        .input
        .iter()
        .filter(|v| !consts.contains_key(&v.name))
        .collect();
    match inputs[..] {
        [input] => Ok(input),
        _ => Err(cx.err(
            "graph.input",
            format!(
                "the graph has {} inputs ({}); relucheck imports networks with exactly one input",
                inputs.len(),
                inputs
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The input's shape per sample, whether it has a batch dimension, and the batch size (1
/// when symbolic).
fn input_shape(input: &ValueInfoProto, cx: &Cx) -> Result<(Shape, bool, usize)> {
    let in_at = format!("graph input \"{}\"", input.name);
    let tensor_type = input
        .r#type
        .as_ref()
        .and_then(|t| t.tensor_type.as_ref())
        .ok_or_else(|| cx.err(&in_at, "the input is not a tensor"))?;
    if ![data_type::FLOAT, data_type::DOUBLE, data_type::FLOAT16].contains(&tensor_type.elem_type) {
        return Err(cx.err(
            &in_at,
            format!(
                "the input has type {}; relucheck imports networks with float inputs",
                data_type::name(tensor_type.elem_type)
            ),
        ));
    }
    let no_shape = || {
        cx.err(
            &in_at,
            "the input has no fixed shape; export with a concrete example input (only the batch dimension may be symbolic)",
        )
    };
    let dims_proto = &tensor_type.shape.as_ref().ok_or_else(no_shape)?.dim;
    let fixed = |i: usize| match dims_proto[i].value {
        Some(DimensionValue::DimValue(v)) if (1..=MAX_VALUES as i64).contains(&v) => {
            Some(v as usize)
        }
        _ => None,
    };
    let dim = |i: usize| fixed(i).ok_or_else(no_shape);
    let batch = |i: usize| fixed(i).unwrap_or(1);
    let (shape, batched, batch) = match dims_proto.len() {
        1 => (Shape::Flat(dim(0)?), false, 1),
        2 => (Shape::Flat(dim(1)?), true, batch(0)),
        4 => (Shape::Chw(dim(1)?, dim(2)?, dim(3)?), true, batch(0)),
        r => {
            return Err(cx.err(
                &in_at,
                format!(
                    "the input has rank {r}; relucheck imports inputs [N, features] or [N, C, H, W]"
                ),
            ));
        }
    };
    if count(&[shape.size()]).is_none() || batch.checked_mul(shape.size()).is_none() {
        return Err(cx.err(&in_at, format!("more than {MAX_VALUES} inputs")));
    }
    Ok((shape, batched, batch))
}

/// One node of the graph, read in order.
struct Step<'a> {
    index: usize,
    node: &'a NodeProto,
    /// The end of the chain so far (the name of its value).
    cur: &'a str,
    /// The graph's output.
    output: &'a str,
    opset: i64,
}

impl Step<'_> {
    /// Reads the node: a constant is recorded, a node of constants folded, a node of the
    /// chain converted. Returns the new end of the chain when the node extends it.
    fn run(
        &self,
        chain: &mut Chain,
        consts: &mut HashMap<String, Tensor>,
    ) -> Result<Option<String>> {
        let (node, cx) = (self.node, chain.cx);
        let at = label(self.index, node);
        if !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return Err(cx.err(
                &at,
                format!(
                    "operator {} of domain `{}` is not supported; export with standard ONNX operators only",
                    node.op_type, node.domain
                ),
            ));
        }
        let attrs = Attrs { node, at: &at, cx };
        if node.op_type == "Constant" {
            let t = constant_node(&attrs, &at, cx)?;
            let Some(name) = node.output.first() else {
                return Err(cx.err(&at, "a Constant node without an output"));
            };
            consts.insert(name.clone(), t);
            return Ok(None);
        }
        let (dynamic, cin) = split_inputs(node, consts);
        let out_name = node
            .output
            .first()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| cx.err(&at, "the node has no output"))?
            .clone();
        if dynamic.is_empty() {
            let t = fold_constant(node, &attrs, &cin, &at, cx)?;
            consts.insert(out_name, t);
            return Ok(None);
        }
        if node.op_type == "Shape" && dynamic.len() == 1 && dynamic[0].1 == self.cur {
            let t = shape_of_value(chain, &attrs)?;
            consts.insert(out_name, t);
            return Ok(None);
        }
        if let Some((_, name)) = dynamic.iter().find(|(_, n)| *n != self.cur) {
            return Err(cx.err(
                &at,
                format!(
                    "reads `{name}`, which is not the output of the previous node (`{}`); relucheck imports chains of layers, not branches or skip connections (residual adds, concatenations)",
                    self.cur
                ),
            ));
        }
        if dynamic.len() > 1 {
            return Err(cx.err(
                &at,
                "reads the previous node's output twice (e.g. x * x); only operations with constants are supported",
            ));
        }
        let inputs = Inputs { consts: cin };
        let is_last = out_name == self.output;
        op(
            chain,
            &Node {
                node,
                attrs: &attrs,
                inputs: &inputs,
                pos: dynamic[0].0,
                opset: self.opset,
                is_last,
                at: &at,
            },
        )?;
        Ok(Some(out_name))
    }
}

/// A node's inputs: the dynamic ones (position and name) and, by position, the constants.
fn split_inputs<'a>(
    node: &'a NodeProto,
    consts: &'a HashMap<String, Tensor>,
) -> (Vec<(usize, &'a str)>, Vec<Option<&'a Tensor>>) {
    let mut dynamic = Vec::new();
    let mut cin = Vec::new();
    for (k, name) in node.input.iter().enumerate() {
        if name.is_empty() {
            cin.push(None);
        } else if let Some(t) = consts.get(name) {
            cin.push(Some(t));
        } else {
            dynamic.push((k, name.as_str()));
            cin.push(None);
        }
    }
    (dynamic, cin)
}

/// The shape of the current value as a constant (the batch counts as 1 when it is
/// symbolic); it feeds e.g. Reshape(x, [N, -1]) as PyTorch's x.view(x.size(0), -1) exports
/// it.
fn shape_of_value(chain: &Chain, attrs: &Attrs) -> Result<Tensor> {
    attrs.check_known(&["start", "end"])?;
    let full = chain.full_dims();
    let r = full.len() as i64;
    let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
    let start = clamp(attrs.int("start", 0)?);
    let end = clamp(attrs.int("end", r)?).max(start);
    let dims: Vec<usize> = full[start..end].to_vec();
    Ok(Tensor {
        dims: vec![dims.len()],
        values: dims.iter().map(|&d| Q::from_int(d as i64)).collect(),
        floats: None,
        dtype: data_type::INT64,
    })
}

/// The network of the converted chain, with errors from [`Network::new`] naming the node
/// a layer came from.
fn finish(mut chain: Chain, input_shape: Shape) -> Result<Network> {
    let cx = chain.cx;
    chain.flush()?;
    if chain.layers.is_empty() {
        chain.push(Layer::Activation(Activation::Identity), "graph")?;
    }
    let origins = chain.origins;
    let mut net = Network::new(input_shape, chain.layers).map_err(|e| match e {
        Error::Shape { layer, .. } | Error::Layer { layer, .. } => cx.err(
            origins.get(layer).cloned().unwrap_or_default(),
            e.to_string(),
        ),
        other => cx.err("graph", other.to_string()),
    })?;
    net.notes = chain.notes;
    Ok(net)
}

fn constant_node(attrs: &Attrs, at: &str, cx: &Cx) -> Result<Tensor> {
    let node = attrs.node;
    let Some(a) = node.attribute.first() else {
        return Err(cx.err(at, "a Constant node without a value"));
    };
    if node.attribute.len() != 1 {
        return Err(cx.err(at, "a Constant node needs exactly one value attribute"));
    }
    let scalar = |v: Q, f: Option<f64>, dtype| Tensor {
        dims: vec![],
        values: vec![v],
        floats: f.map(|f| vec![f]),
        dtype,
    };
    match a.name.as_str() {
        "value" => match &a.t {
            Some(t) => decode_tensor(t, at, cx),
            None => Err(cx.err(at, "the `value` attribute holds no tensor")),
        },
        "value_float" => Ok(scalar(
            attrs.exact("value_float", a.f)?,
            Some(a.f as f64),
            data_type::FLOAT,
        )),
        "value_int" => Ok(scalar(Q::from_int(a.i), None, data_type::INT64)),
        "value_floats" => Ok(Tensor {
            dims: vec![a.floats.len()],
            values: a
                .floats
                .iter()
                .map(|&f| attrs.exact("value_floats", f))
                .collect::<Result<_>>()?,
            floats: Some(a.floats.iter().map(|&f| f as f64).collect()),
            dtype: data_type::FLOAT,
        }),
        "value_ints" => Ok(Tensor {
            dims: vec![a.ints.len()],
            values: a.ints.iter().map(|&i| Q::from_int(i)).collect(),
            floats: None,
            dtype: data_type::INT64,
        }),
        other => Err(cx.err(
            at,
            format!("a Constant with `{other}` is not supported (value, value_float(s), value_int(s) are)"),
        )),
    }
}

/// Evaluates a node whose inputs are all constants: the shape arithmetic exporters emit
/// (Identity, Cast of integers, Gather, Unsqueeze, Squeeze, Concat on 1-D integer lists).
fn fold_constant(
    node: &NodeProto,
    attrs: &Attrs,
    inputs: &[Option<&Tensor>],
    at: &str,
    cx: &Cx,
) -> Result<Tensor> {
    let f = Fold {
        node,
        attrs,
        inputs,
        at,
        cx,
    };
    let first = f.input(0).ok_or_else(|| f.unsupported())?;
    match node.op_type.as_str() {
        "Identity" => Ok(first.clone()),
        "Cast" => f.cast(first),
        "Gather" => f.gather(first),
        "Unsqueeze" => f.unsqueeze(first),
        "Squeeze" => f.squeeze(first),
        "Concat" => f.concat(),
        _ => Err(f.unsupported()),
    }
}

/// A node of constants being evaluated.
struct Fold<'a> {
    node: &'a NodeProto,
    attrs: &'a Attrs<'a>,
    inputs: &'a [Option<&'a Tensor>],
    at: &'a str,
    cx: &'a Cx<'a>,
}

impl<'a> Fold<'a> {
    fn unsupported(&self) -> Error {
        self.cx.err(
            self.at,
            format!(
                "this {} node computes from constants only and cannot be evaluated here; export with constant folding (torch.onnx.export(..., do_constant_folding=True)) or simplify the model with onnxsim",
                self.node.op_type
            ),
        )
    }

    fn input(&self, k: usize) -> Option<&'a Tensor> {
        self.inputs.get(k).copied().flatten()
    }

    /// The axes: from input `t` (opset 13 on), else from the `axes` attribute.
    fn axes(&self, t: Option<&Tensor>) -> Result<Option<Vec<i64>>> {
        match t {
            Some(t) => Ok(Some(ints_of(t).ok_or_else(|| self.unsupported())?)),
            None => self.attrs.ints("axes"),
        }
    }

    /// Axis `a` (negative counts from the end) of a rank-`r` tensor.
    fn axis(&self, a: i64, r: usize) -> Result<usize> {
        let v = if a < 0 { a + r as i64 } else { a };
        usize::try_from(v).ok().filter(|&v| v < r).ok_or_else(|| {
            self.cx
                .err(self.at, format!("axis {a} is out of range for rank {r}"))
        })
    }

    fn cast(&self, first: &Tensor) -> Result<Tensor> {
        self.attrs.check_known(&["to", "saturate", "round_mode"])?;
        let to = self.attrs.int("to", 0)? as i32;
        let small = first
            .values
            .iter()
            .all(|v| v.is_integer() && v.abs() < Q::pow2(24));
        if !small {
            return Err(self.cx.err(
                self.at,
                "a Cast of constants other than small integers is not evaluated (it may round); export with constant folding",
            ));
        }
        let floats = matches!(
            to,
            data_type::FLOAT | data_type::DOUBLE | data_type::FLOAT16
        )
        .then(|| first.values.iter().map(Q::to_f64).collect());
        Ok(Tensor {
            dims: first.dims.clone(),
            values: first.values.clone(),
            floats,
            dtype: to,
        })
    }

    fn gather(&self, first: &Tensor) -> Result<Tensor> {
        self.attrs.check_known(&["axis"])?;
        let idx = self.input(1).ok_or_else(|| self.unsupported())?;
        if first.dims.len() != 1 || idx.dims.len() > 1 || self.attrs.int("axis", 0)? != 0 {
            return Err(self.unsupported());
        }
        let n = first.values.len();
        let values = ints_of(idx)
            .ok_or_else(|| self.unsupported())?
            .into_iter()
            .map(|i| self.axis(i, n).map(|i| first.values[i].clone()))
            .collect::<Result<Vec<_>>>()?;
        Ok(Tensor {
            dims: idx.dims.clone(),
            values,
            floats: None,
            dtype: first.dtype,
        })
    }

    fn unsqueeze(&self, first: &Tensor) -> Result<Tensor> {
        self.attrs.check_known(&["axes"])?;
        let axes = self
            .axes(self.input(1))?
            .ok_or_else(|| self.unsupported())?;
        let r = first.dims.len() + axes.len();
        let mut axes = axes
            .iter()
            .map(|&a| self.axis(a, r))
            .collect::<Result<Vec<_>>>()?;
        axes.sort_unstable();
        let mut dims = first.dims.clone();
        for a in axes {
            dims.insert(a.min(dims.len()), 1);
        }
        Ok(Tensor {
            dims,
            ..first.clone()
        })
    }

    fn squeeze(&self, first: &Tensor) -> Result<Tensor> {
        self.attrs.check_known(&["axes"])?;
        let r = first.dims.len();
        let dims = match self.axes(self.input(1))? {
            None => first.dims.iter().copied().filter(|&d| d != 1).collect(),
            Some(axes) => {
                let axes = axes
                    .iter()
                    .map(|&a| self.axis(a, r))
                    .collect::<Result<Vec<_>>>()?;
                first
                    .dims
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| !axes.contains(k))
                    .map(|(_, &d)| d)
                    .collect()
            }
        };
        Ok(Tensor {
            dims,
            ..first.clone()
        })
    }

    fn concat(&self) -> Result<Tensor> {
        self.attrs.check_known(&["axis"])?;
        let mut values = Vec::new();
        for k in 0..self.node.input.len() {
            let t = self.input(k).ok_or_else(|| self.unsupported())?;
            if t.dims.len() != 1 {
                return Err(self.unsupported());
            }
            values.extend(t.values.iter().cloned());
        }
        Ok(Tensor {
            dims: vec![values.len()],
            values,
            floats: None,
            dtype: data_type::INT64,
        })
    }
}

/// The integers of a constant (shapes, axes).
fn ints_of(t: &Tensor) -> Option<Vec<i64>> {
    t.values
        .iter()
        .map(|q| match q.to_i64_pair() {
            Some((n, 1)) => Some(n),
            _ => None,
        })
        .collect()
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

fn need<'a>(t: Option<&'a Tensor>, what: &str, at: &str, cx: &Cx) -> Result<&'a Tensor> {
    t.ok_or_else(|| {
        cx.err(
            at,
            format!(
                "{what} must be a constant (an initializer or Constant); export with constant folding"
            ),
        )
    })
}

/// A node of the chain to convert: the node, its attributes and constant inputs, and where
/// the previous node's output enters it.
struct Node<'a> {
    node: &'a NodeProto,
    attrs: &'a Attrs<'a>,
    inputs: &'a Inputs<'a>,
    /// The position of the previous node's output among the node's inputs.
    pos: usize,
    opset: i64,
    /// Is this the last node of the graph?
    is_last: bool,
    at: &'a str,
}

impl<'a> Node<'a> {
    fn err(&self, message: impl Into<String>) -> Error {
        self.attrs.cx.err(self.at, message)
    }

    fn op_type(&self) -> &'a str {
        self.node.op_type.as_str()
    }

    /// Constant input `k`, which must be there.
    fn need(&self, k: usize, what: &str) -> Result<&'a Tensor> {
        need(self.inputs.get(k), what, self.at, self.attrs.cx)
    }

    /// Is input `k` named (so it is dynamic when it is not a constant)?
    fn named(&self, k: usize) -> bool {
        self.node.input.get(k).is_some_and(|n| !n.is_empty())
    }

    fn only_first(&self, name: &str) -> Result<()> {
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
    ("Gemm", gemm),
    ("MatMul", matmul),
    ("Conv", conv),
    ("MaxPool", pool),
    ("AveragePool", pool),
    ("GlobalMaxPool", global_pool),
    ("GlobalAveragePool", global_pool),
    ("Flatten", flatten_node),
    ("Reshape", reshape),
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

fn op(chain: &mut Chain, n: &Node) -> Result<()> {
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

fn gemm(chain: &mut Chain, n: &Node) -> Result<()> {
    let attrs = n.attrs;
    attrs.check_known(&["alpha", "beta", "transA", "transB", "broadcast"])?;
    n.only_first("Gemm")?;
    if attrs.int("transA", 0)? != 0 {
        return Err(
            n.err("Gemm with transA = 1 is not supported (the input must be [N, features])")
        );
    }
    let Shape::Flat(len) = chain.shape else {
        return Err(n.err(format!(
            "Gemm on a value of shape {}; add Flatten before it",
            chain.shape
        )));
    };
    if !chain.batched {
        return Err(n.err("Gemm needs an input [N, features] with a batch dimension"));
    }
    let b = n.need(1, "the Gemm weight B")?;
    let alpha = attrs.float("alpha")?.unwrap_or(1.0);
    let alpha = attrs.exact("alpha", alpha)?;
    let beta = attrs.float("beta")?.unwrap_or(1.0);
    let beta = attrs.exact("beta", beta)?;
    let weights = matrix(b, attrs.int("transB", 0)? != 0, len, n.at, attrs.cx)?;
    let weights = if alpha == Q::ONE {
        weights
    } else {
        Matrix::from_rows(
            weights
                .iter_rows()
                .map(|r| r.iter().map(|x| x * &alpha).collect())
                .collect(),
        )
        .expect("same shape")
    };
    let out = weights.rows();
    let bias = match n.inputs.get(2) {
        None => {
            if n.named(2) {
                return Err(n.err("the Gemm bias C must be a constant"));
            }
            vec![Q::ZERO; out]
        }
        Some(c) => {
            let v = broadcast_vector(c, out).ok_or_else(|| {
                n.err(format!(
                    "the Gemm bias C has shape {:?}; expected [{out}], [1, {out}] or a scalar",
                    c.dims
                ))
            })?;
            v.into_iter().map(|x| x * &beta).collect()
        }
    };
    chain.push_dense(weights, bias, n.at)
}

fn matmul(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&[])?;
    if n.pos != 0 {
        return Err(n.err(
            "MatMul with the constant on the left (W @ x) is not supported; write x @ W (as nn.Linear exports)",
        ));
    }
    let Shape::Flat(len) = chain.shape else {
        return Err(n.err(format!(
            "MatMul on a value of shape {}; add Flatten before it",
            chain.shape
        )));
    };
    let b = n.need(1, "the MatMul weight")?;
    let weights = matrix(b, false, len, n.at, n.attrs.cx)?;
    let out = weights.rows();
    chain.push_dense(weights, vec![Q::ZERO; out], n.at)
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

/// `Flatten`: axis 1 (keep the batch), or axis 0 on an input without a batch dimension.
fn flatten_node(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&["axis"])?;
    let rank = chain.full_dims().len() as i64;
    let mut axis = n.attrs.int("axis", 1)?;
    if axis < 0 {
        axis += rank;
    }
    if !chain.batched {
        if axis == 0 {
            chain.batched = true;
            chain.batch = 1;
            return flatten(chain, n.at);
        }
        return Err(n.err("Flatten of an input without a batch dimension: use axis 0"));
    }
    if axis != 1 {
        return Err(n.err(format!(
            "Flatten with axis {axis}; only axis 1 (keep the batch, flatten each sample, as torch.flatten(x, 1)) is supported"
        )));
    }
    flatten(chain, n.at)
}

/// `Reshape`: nothing when the shape stays, `flatten` when each sample is flattened.
fn reshape(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&["allowzero"])?;
    n.only_first("Reshape")?;
    let allowzero = n.attrs.int("allowzero", 0)? != 0;
    let target = n.need(1, "the Reshape shape")?;
    let target =
        ints_of(target).ok_or_else(|| n.err("the Reshape shape is not a list of integers"))?;
    let full = chain.full_dims();
    let resolved = reshape_target(n, &target, &full, allowzero)?;
    if resolved == full {
        return Ok(());
    }
    let per_sample = chain.shape.size();
    if resolved == [chain.batch, per_sample] && (chain.batched || chain.batch == 1) {
        chain.batched = true;
        return flatten(chain, n.at);
    }
    Err(n.err(format!(
        "Reshape from {full:?} to {resolved:?}: only reshapes that flatten each sample ([N, C, H, W] to [N, C·H·W]) are supported"
    )))
}

/// The dims a Reshape `target` gives a value of dims `full` (`0` copies a dimension unless
/// `allowzero`, one `-1` takes what is left).
fn reshape_target(n: &Node, target: &[i64], full: &[usize], allowzero: bool) -> Result<Vec<usize>> {
    let total: usize = full.iter().product();
    let mut dims: Vec<Option<usize>> = Vec::new();
    for (k, &d) in target.iter().enumerate() {
        dims.push(match d {
            -1 => None,
            0 if !allowzero => {
                Some(*full.get(k).ok_or_else(|| {
                    n.err("Reshape copies a dimension (0) the value does not have")
                })?)
            }
            d if d >= 0 => Some(d as usize),
            _ => return Err(n.err(format!("invalid Reshape shape {target:?}"))),
        });
    }
    let known: usize = dims.iter().flatten().product();
    let unknown = dims.iter().filter(|d| d.is_none()).count();
    let resolved: Option<Vec<usize>> = match unknown {
        0 if known == total => dims.iter().copied().collect(),
        1 if known > 0 && total.is_multiple_of(known) => dims
            .iter()
            .map(|d| Some(d.unwrap_or(total / known)))
            .collect(),
        _ => None,
    };
    resolved.ok_or_else(|| {
        n.err(format!(
            "Reshape to {target:?} does not fit a value of shape {full:?}"
        ))
    })
}

fn flatten(chain: &mut Chain, at: &str) -> Result<()> {
    if matches!(chain.shape, Shape::Chw(..)) {
        chain.push(Layer::Flatten, at)?;
    }
    Ok(())
}

/// A constant of `n` values (shape `[n]`, `[1, n]` or a scalar), as `n` values.
fn broadcast_vector(t: &Tensor, n: usize) -> Option<Vec<Q>> {
    let non_one: Vec<usize> = t.dims.iter().copied().filter(|&d| d != 1).collect();
    match (&non_one[..], t.values.len()) {
        ([], 1) => Some(vec![t.values[0].clone(); n]),
        ([d], _) if *d == n && t.dims.last() == Some(&n) => Some(t.values.clone()),
        _ => None,
    }
}

/// The out × in matrix of a 2-D weight: `[out, in]` when `transposed`, else `[in, out]`.
fn matrix(b: &Tensor, transposed: bool, n: usize, at: &str, cx: &Cx) -> Result<Matrix> {
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
