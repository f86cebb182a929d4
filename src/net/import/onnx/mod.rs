//! ONNX models (as exported by `torch.onnx.export`), read exactly.
//!
//! The graph must be a chain: one input, one output, every node reading the previous
//! node's output (plus constants), except in residual blocks: a value read by two nodes
//! starts two branches, each a chain (one may be empty: the identity skip), and an `Add`
//! of their ends closes the block, which becomes one `residual` layer (the shorter branch,
//! e.g. a 1x1 `Conv` or a `Gemm` projection, is its `skip`; see `branch`). Opsets 7 to 21 of the default domain are read; models
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
//! | `Add` of two branches from one value | `residual` (`layers` the longer branch, `skip` the shorter; `Concat`, `Mul` or any other join of branches is refused) |
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
//!
//! The reader: this module walks the graph node by node; `tensor` decodes the constants
//! (and evaluates the shape arithmetic on them), `attrs` reads a node's attributes, `ops`
//! maps each operator to its converter, and the converters add layers to the `chain`,
//! which folds element-wise affine maps into the neighbouring layer where it can.

use super::onnx_proto::{
    DimensionValue, GraphProto, ModelProto, NodeProto, ValueInfoProto, data_type,
};
use crate::error::{Error, Result};
use crate::exact::rational::Q;
use crate::net::network::{Activation, Layer, MAX_VALUES, Network, Shape};
use prost::Message;
use std::collections::{HashMap, HashSet};

mod attrs;
mod branch;
mod chain;
mod layout;
mod linear;
mod ops;
mod tensor;

pub use ops::SUPPORTED_OPERATORS;

use attrs::{Attrs, Cx, label};
use chain::Chain;
use ops::{Inputs, Node, op};
use tensor::{Tensor, constant_node, count, decode_tensor, fold_constant};

const MIN_OPSET: i64 = 7;
const MAX_OPSET: i64 = 21;

/// Reads an ONNX model from its bytes; `source` names the file in errors (which also
/// name the node and the fix). Tensors stored in external data files are refused: use
/// [`load`](crate::net::import::load) on the file, which reads them.
pub fn from_onnx_bytes(bytes: &[u8], source: &str) -> Result<Network> {
    from_onnx_file_bytes(bytes, source, None)
}

/// Like [`from_onnx_bytes`], reading tensors stored in external data files (as
/// `torch.onnx.export` writes large models: `model.onnx` and `model.onnx.data`) from
/// `folder`, the model file's folder.
pub fn from_onnx_file_bytes(
    bytes: &[u8],
    source: &str,
    folder: Option<&std::path::Path>,
) -> Result<Network> {
    let folder = folder.map(|f| {
        if f.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            f
        }
    });
    let cx = Cx {
        source,
        folder,
        external_left: std::cell::Cell::new(crate::net::import::MAX_FILE_BYTES),
        folded_left: std::cell::Cell::new(MAX_VALUES),
    };
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

fn convert(graph: &GraphProto, opset: i64, cx: &Cx) -> Result<Network> {
    let mut consts = initializers(graph, cx)?;
    let input = the_input(graph, &consts, cx)?;
    let (shape, batched, batch, dims) = input_shape(input, cx)?;
    let mut chain = Chain::new(cx, shape, batched, batch, dims.clone());
    if dims.len() == 3 || dims.len() > 4 {
        chain.notes.push(format!(
            "the input {dims:?} is read as {} values in row-major order ({})",
            shape.size(),
            if batched {
                "its first dimension as the batch"
            } else {
                "without a batch dimension"
            }
        ));
    }
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
    let readers = branch::readers(graph);
    let mut fork = branch::Fork::open(&cur, &readers, &mut chain)?;
    let mut defined: HashSet<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    defined.insert(&input.name);
    for (i, node) in graph.node.iter().enumerate() {
        for out in node.output.iter().filter(|o| !o.is_empty()) {
            if !defined.insert(out) {
                return Err(cx.err(
                    label(i, node),
                    format!(
                        "defines the value `{out}`, which the graph already defines; an ONNX graph defines each value once (the file is damaged or hand-edited)"
                    ),
                ));
            }
        }
        let step = Step {
            index: i,
            node,
            cur: &cur,
            output: &output.name,
            opset,
        };
        let next = match &mut fork {
            Some(f) => f.step(&step, &mut chain, &mut consts)?,
            None => step.run(&mut chain, &mut consts)?,
        };
        if let Some(next) = next {
            cur = next;
            fork = branch::Fork::open(&cur, &readers, &mut chain)?;
        }
    }
    if fork.is_some() {
        return Err(cx.err(
            "graph.output",
            format!(
                "the residual block from `{cur}` is not closed: its branches do not meet in an Add before the end of the graph"
            ),
        ));
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
    finish(chain)
}

/// The initializers, decoded.
fn initializers(graph: &GraphProto, cx: &Cx) -> Result<HashMap<String, Tensor>> {
    let mut consts = HashMap::new();
    for (i, t) in graph.initializer.iter().enumerate() {
        let what = format!("initializer {i} \"{}\"", t.name);
        if consts.contains_key(&t.name) {
            return Err(cx.err(
                &what,
                "a second initializer of this name; an ONNX graph defines each value once",
            ));
        }
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

/// The input's shape per sample, whether it has a batch dimension, the batch size (1
/// when symbolic) and its dims (the batch included). `[N, C, H, W]` is an image; any other
/// rank is read as flat values in row-major order, the first dimension as the batch from
/// rank 2 on.
fn input_shape(input: &ValueInfoProto, cx: &Cx) -> Result<(Shape, bool, usize, Vec<usize>)> {
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
    let rank = dims_proto.len();
    if rank == 0 || rank > 8 {
        return Err(cx.err(
            &in_at,
            format!("the input has rank {rank}; relucheck imports inputs of rank 1 to 8"),
        ));
    }
    let mut sample = Vec::new();
    for i in usize::from(rank > 1)..rank {
        sample.push(dim(i)?);
    }
    let Some(size) = count(&sample) else {
        return Err(cx.err(&in_at, format!("more than {MAX_VALUES} inputs")));
    };
    let (shape, batched, batch) = match (rank, &sample[..]) {
        (1, _) => (Shape::Flat(size), false, 1),
        (4, &[c, h, w]) => (Shape::Chw(c, h, w), true, batch(0)),
        _ => (Shape::Flat(size), true, batch(0)),
    };
    if batch.checked_mul(size).is_none_or(|n| n > MAX_VALUES) {
        return Err(cx.err(&in_at, format!("more than {MAX_VALUES} inputs")));
    }
    let mut dims = Vec::new();
    if batched {
        dims.push(batch);
    }
    dims.extend(sample);
    Ok((shape, batched, batch, dims))
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
                    "reads `{name}`, which is not the output of the previous node (`{}`); relucheck imports chains of layers and residual blocks (a value read by two branches that an Add joins), not other branches",
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
fn finish(mut chain: Chain) -> Result<Network> {
    let cx = chain.cx;
    chain.flush()?;
    chain.place_perm("graph output")?;
    let input_shape = chain.input_shape;
    if chain.layers.is_empty() {
        chain.push(Layer::Activation(Activation::Identity), "graph")?;
    }
    let origins = chain.origins;
    let mut net = Network::new(input_shape, chain.layers).map_err(|e| match e {
        Error::Shape { layer, .. } | Error::Layer { layer, .. } | Error::Residual { layer, .. } => {
            cx.err(
                origins.get(layer).cloned().unwrap_or_default(),
                e.to_string(),
            )
        }
        other => cx.err("graph", other.to_string()),
    })?;
    net.notes = chain.notes;
    Ok(net)
}
