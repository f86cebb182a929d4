//! The native network file format (JSON), read and written exactly.
//!
//! ```json
//! {
//!   "relucheck": 1,
//!   "name": "sign flip",
//!   "description": "optional free text",
//!   "input_shape": [2],
//!   "layers": [
//!     {"type": "dense", "weights": [[1, -1], ["1/2", "3"]], "bias": [0, "-1/3"]},
//!     {"type": "relu"},
//!     {"type": "dense", "weights": [[1, 1]], "bias": [0]}
//!   ]
//! }
//! ```
//!
//! - `relucheck`: the format version, `1`.
//! - `name`, `description`: optional text.
//! - `notes`: optional list of texts: caveats every result depends on (import writes them,
//!   e.g. that a BatchNormalization factor is the exact value of a float32, not exact).
//! - `input_box`: optional, one `[lo, hi]` per input: the input region the network is
//!   meant for (NNet import writes the file's `[min, max]`); region commands use it as the
//!   domain when none is given.
//! - `input_shape`: `[n]` or `[C, H, W]` (values flattened row-major C, H, W, as in PyTorch).
//! - `layers`: a list; each has a `type` and the fields below.
//!
//! | type | fields |
//! | --- | --- |
//! | `dense` | `weights` (out × in, like PyTorch's `Linear`), `bias` (length out; omitted = zeros) |
//! | `conv2d` | `weights` `[out_ch][in_ch][kh][kw]`, `bias` (one per output channel; omitted = zeros), `stride` (default 1), `padding` (zero padding, default 0) |
//! | `avg_pool2d` | `kernel_size`, `stride` (default `kernel_size`), `padding` (default 0; padding counts in the average) |
//! | `max_pool2d` | `kernel_size`, `stride` (default `kernel_size`), `padding` (default 0) |
//! | `flatten` | none |
//! | `relu`, `abs`, `identity` | none |
//! | `leaky_relu` | `alpha` (default `1/100`, PyTorch's default) |
//! | `prelu` | `alpha`: one number, or a list with one per channel or one per unit |
//! | `hard_tanh` | `min` (default -1), `max` (default 1) |
//! | `elu` | `alpha` (default 1; any rational, as PyTorch allows) |
//! | `selu` | none (the standard constants, carried as tight intervals: [`crate::net::network::selu_lambda`]) |
//! | `residual` | `layers` (the branch `F`: a non-empty list of layers), `skip` (the skip path `P`: a list of layers; omitted = the identity) |
//!
//! A `residual` layer computes `y = P(x) + F(x)`: `x + F(x)` without `skip`, or with a
//! projection such as one `dense` or 1x1 `conv2d` layer in `skip`. Both chains start from
//! the block's input and must end in the same shape, the block's output shape; any layer
//! may stand in them (a block inside a block too, at most
//! [`MAX_RESIDUAL_DEPTH`](crate::net::residual::MAX_RESIDUAL_DEPTH) deep) except `elu` and
//! `selu`. The block is one layer of the network: its units are those of `layers`, then
//! those of `skip`, one entry of the activation pattern. Errors inside a block name the
//! inner layer: `at layers[1].layers[2]: dense: expected weights with 4 columns ...`.
//!
//! ```json
//! {"type": "residual",
//!  "layers": [{"type": "conv2d", "weights": [[[[1, 0, -1], [2, 0, -2], [1, 0, -1]]]], "padding": 1},
//!             {"type": "relu"}],
//!  "skip": [{"type": "conv2d", "weights": [[[["1/2"]]]]}]}
//! ```
//!
//! `elu` and `selu` are not piecewise linear; networks with them are evaluated with
//! certified enclosures ([`Network::eval_enclosure`](crate::Network::eval_enclosure)).
//!
//! `kernel_size`, `stride` and `padding` are an integer or `[vertical, horizontal]`.
//!
//! Numbers are JSON integers, JSON decimals (taken as the exact decimal value of their text,
//! not the nearest float: `0.1` is 1/10), or strings in any syntax of [`Q::parse`]
//! (`"3/8"`, `"-0.125"`, `"1e-3"`). Unknown fields and layer types are errors that list the
//! valid ones; every error names the file and the place (`layers[2].weights[1][0]`).
//! [`Network::to_json`] writes a network back; reading it again gives an equal network.

use crate::error::{Error, Result};
use crate::exact::linalg::Matrix;
use crate::exact::rational::Q;
use crate::net::network::{Activation, Layer, Network, Shape};
use serde_json::{Map, Value, json};

// Kept at their old paths for callers outside this crate (and `analysis::certificate`);
// they live in [`crate::output`], below every layer that writes numbers or files.
pub use crate::output::{qs_to_strings, write_atomic};

/// The format version this build reads and writes.
pub const FORMAT_VERSION: u64 = 1;

/// The largest number of values a file may declare (the limit of [`Network::new`]).
pub use crate::net::network::MAX_VALUES;

struct Ctx<'a> {
    source: &'a str,
}

impl Ctx<'_> {
    fn err(&self, path: &str, message: impl Into<String>) -> Error {
        Error::Format {
            source_name: self.source.to_string(),
            path: if path.is_empty() {
                "top level".into()
            } else {
                path.to_string()
            },
            message: message.into(),
        }
    }

    fn object<'v>(
        &self,
        v: &'v Value,
        path: &str,
        allowed: &[&str],
    ) -> Result<&'v Map<String, Value>> {
        let Value::Object(m) = v else {
            return Err(self.err(path, format!("expected an object, found {}", kind_of(v))));
        };
        for key in m.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(self.err(
                    &join(path, key),
                    format!(
                        "unknown field `{key}`; valid fields here: {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(m)
    }

    fn number(&self, v: &Value, path: &str) -> Result<Q> {
        let text = match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => {
                return Err(self.err(
                    path,
                    format!(
                        "expected a number (e.g. 3, -0.5 or \"3/8\"), found {}",
                        kind_of(v)
                    ),
                ));
            }
        };
        Q::parse(&text).map_err(|e| self.err(path, e.to_string()))
    }

    fn numbers(&self, v: &Value, path: &str) -> Result<Vec<Q>> {
        let Value::Array(items) = v else {
            return Err(self.err(
                path,
                format!("expected a list of numbers, found {}", kind_of(v)),
            ));
        };
        if items.len() > MAX_VALUES {
            return Err(self.err(path, format!("more than {MAX_VALUES} values")));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, x)| self.number(x, &format!("{path}[{i}]")))
            .collect()
    }

    fn list<'v>(&self, v: &'v Value, path: &str, what: &str) -> Result<&'v Vec<Value>> {
        match v {
            Value::Array(items) => Ok(items),
            _ => Err(self.err(path, format!("expected {what}, found {}", kind_of(v)))),
        }
    }

    fn count(&self, v: &Value, path: &str) -> Result<usize> {
        match v.as_u64() {
            Some(n) if n as u128 <= MAX_VALUES as u128 => Ok(n as usize),
            Some(_) => Err(self.err(path, format!("at most {MAX_VALUES} is accepted"))),
            None => Err(self.err(
                path,
                format!("expected a non-negative integer, found {}", v),
            )),
        }
    }

    fn pair(
        &self,
        v: Option<&Value>,
        path: &str,
        default: (usize, usize),
    ) -> Result<(usize, usize)> {
        match v {
            None => Ok(default),
            Some(Value::Array(items)) if items.len() == 2 => Ok((
                self.count(&items[0], &format!("{path}[0]"))?,
                self.count(&items[1], &format!("{path}[1]"))?,
            )),
            Some(Value::Array(_)) => {
                Err(self.err(path, "expected an integer or [vertical, horizontal]"))
            }
            Some(x) => {
                let n = self.count(x, path)?;
                Ok((n, n))
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

const LAYER_TYPES: &[&str] = &[
    "dense",
    "conv2d",
    "avg_pool2d",
    "max_pool2d",
    "flatten",
    "relu",
    "leaky_relu",
    "prelu",
    "hard_tanh",
    "abs",
    "identity",
    "elu",
    "selu",
    "residual",
];

/// Parses JSON text into a `Value`, with line and column on syntax errors. A leading
/// byte-order mark is skipped; a key that occurs twice in one object is an error (a parser
/// would silently keep the last value).
pub(crate) fn parse_json(text: &str, source: &str) -> Result<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let v = serde_json::from_str(text).map_err(|e| Error::Json {
        source_name: source.to_string(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_string(),
    })?;
    if let Some((key, offset)) = duplicate_key(text) {
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        return Err(Error::Json {
            source_name: source.to_string(),
            line,
            column,
            message: format!(
                "the key {key:?} occurs twice in the same object; remove one (only one value can count)"
            ),
        });
    }
    Ok(v)
}

/// The first key that occurs twice in one object of `text` (valid JSON), decoded, and the
/// byte offset of its second occurrence.
fn duplicate_key(text: &str) -> Option<(String, usize)> {
    // One entry per open container: the keys seen so far for an object, `None` for an array.
    let mut open: Vec<Option<std::collections::HashSet<String>>> = Vec::new();
    let mut expect_key = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                open.push(Some(std::collections::HashSet::new()));
                expect_key = true;
            }
            b'[' => open.push(None),
            b'}' | b']' => {
                open.pop();
                expect_key = false;
            }
            b',' => expect_key = matches!(open.last(), Some(Some(_))),
            b'"' => {
                let start = i;
                i += 1;
                while bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if expect_key {
                    let key: String = serde_json::from_str(&text[start..=i]).ok()?;
                    if let Some(Some(keys)) = open.last_mut()
                        && !keys.insert(key.clone())
                    {
                        return Some((key, start));
                    }
                    expect_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

impl Network {
    /// Reads a network from the native JSON format; see [the format](crate::net::format).
    pub fn from_json_str(text: &str) -> Result<Network> {
        Network::from_json_named(text, "<input>")
    }

    /// Like [`Network::from_json_str`], naming `source` (usually the file) in errors.
    pub fn from_json_named(text: &str, source: &str) -> Result<Network> {
        let v = parse_json(text, source)?;
        from_value(&v, &Ctx { source })
    }

    /// Reads a network file: `.onnx` and `.nnet` files are imported exactly (see
    /// [`crate::net::import`]; NNet with its normalisation), anything else is the native JSON.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Network> {
        crate::net::import::load(path, crate::net::import::ImportOptions::default())
    }

    /// Writes the network in the native format (pretty-printed, exact numbers).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.to_json_value()).expect("JSON values print");
        s.push('\n');
        s
    }

    /// The network in the native format, as a JSON value.
    pub fn to_json_value(&self) -> Value {
        let mut top = Map::new();
        top.insert("relucheck".into(), json!(FORMAT_VERSION));
        if let Some(n) = &self.name {
            top.insert("name".into(), json!(n));
        }
        if let Some(d) = &self.description {
            top.insert("description".into(), json!(d));
        }
        if !self.notes.is_empty() {
            top.insert("notes".into(), json!(self.notes));
        }
        if let Some((lo, hi)) = &self.input_box {
            let pairs = lo
                .iter()
                .zip(hi)
                .map(|(l, h)| Value::Array(vec![q_to_value(l), q_to_value(h)]))
                .collect();
            top.insert("input_box".into(), Value::Array(pairs));
        }
        top.insert(
            "input_shape".into(),
            match self.input_shape() {
                Shape::Flat(n) => json!([n]),
                Shape::Chw(c, h, w) => json!([c, h, w]),
            },
        );
        top.insert(
            "layers".into(),
            Value::Array(self.layers().iter().map(layer_to_value).collect()),
        );
        Value::Object(top)
    }
}

/// With the `serde` feature: the native format, exactly as [`Network::to_json`] writes it.
#[cfg(feature = "serde")]
impl serde::Serialize for Network {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&crate::output::PlainJson(&self.to_json_value()), s)
    }
}

/// With the `serde` feature: the native format, read and validated as
/// [`Network::from_json_str`] reads it (errors name the place, with `<serde>` as the source).
/// Numbers are read from their text: through serde_json a decimal is the exact decimal
/// written; a format that hands over floats gives their shortest decimal, so write
/// exact values as strings (`"3/8"`).
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Network {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Network, D::Error> {
        let v = <Value as serde::Deserialize>::deserialize(d)?;
        from_value(&v, &Ctx { source: "<serde>" }).map_err(serde::de::Error::custom)
    }
}

/// A number as JSON: an integer when it is one and small, otherwise an exact string.
pub fn q_to_value(q: &Q) -> Value {
    match q.to_i64_pair() {
        Some((n, 1)) if n.unsigned_abs() < (1 << 53) => json!(n),
        _ => Value::String(q.to_string()),
    }
}

fn qs(v: &[Q]) -> Value {
    Value::Array(v.iter().map(q_to_value).collect())
}

fn pair(p: (usize, usize)) -> Value {
    if p.0 == p.1 {
        json!(p.0)
    } else {
        json!([p.0, p.1])
    }
}

fn layer_to_value(layer: &Layer) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(layer.kind()));
    match layer {
        Layer::Dense { weights, bias } => {
            m.insert(
                "weights".into(),
                Value::Array(weights.iter_rows().map(qs).collect()),
            );
            m.insert("bias".into(), qs(bias));
        }
        Layer::Conv2d {
            weights,
            out_channels,
            in_channels,
            kernel,
            bias,
            stride,
            padding,
        } => {
            let (kh, kw) = *kernel;
            let w: Vec<Value> = (0..*out_channels)
                .map(|o| {
                    Value::Array(
                        (0..*in_channels)
                            .map(|i| {
                                Value::Array(
                                    (0..kh)
                                        .map(|y| {
                                            let start = ((o * in_channels + i) * kh + y) * kw;
                                            qs(&weights[start..start + kw])
                                        })
                                        .collect(),
                                )
                            })
                            .collect(),
                    )
                })
                .collect();
            m.insert("weights".into(), Value::Array(w));
            m.insert("bias".into(), qs(bias));
            m.insert("stride".into(), pair(*stride));
            m.insert("padding".into(), pair(*padding));
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
        } => {
            m.insert("kernel_size".into(), pair(*kernel));
            m.insert("stride".into(), pair(*stride));
            m.insert("padding".into(), pair(*padding));
        }
        Layer::Flatten => {}
        Layer::Residual { layers, skip } => {
            m.insert(
                "layers".into(),
                Value::Array(layers.iter().map(layer_to_value).collect()),
            );
            if !skip.is_empty() {
                m.insert(
                    "skip".into(),
                    Value::Array(skip.iter().map(layer_to_value).collect()),
                );
            }
        }
        Layer::Activation(a) => match a {
            Activation::LeakyRelu { alpha } => {
                m.insert("alpha".into(), q_to_value(alpha));
            }
            Activation::PRelu { alpha } => {
                m.insert("alpha".into(), qs(alpha));
            }
            Activation::HardTanh { min, max } => {
                m.insert("min".into(), q_to_value(min));
                m.insert("max".into(), q_to_value(max));
            }
            Activation::Elu { alpha } => {
                m.insert("alpha".into(), q_to_value(alpha));
            }
            Activation::Relu | Activation::Abs | Activation::Identity | Activation::Selu => {}
        },
    }
    Value::Object(m)
}

fn from_value(v: &Value, cx: &Ctx) -> Result<Network> {
    let top = cx.object(
        v,
        "",
        &[
            "relucheck",
            "name",
            "description",
            "notes",
            "input_box",
            "input_shape",
            "layers",
        ],
    )?;
    check_version(top, cx)?;
    let name = text_field(top, "name", cx)?;
    let description = text_field(top, "description", cx)?;
    let notes = notes_field(top, cx)?;
    let input_shape = input_shape_field(top, cx)?;
    let layers_v = top
        .get("layers")
        .ok_or_else(|| cx.err("", "missing field `layers` (a list of layers)"))?;
    let layers = cx
        .list(layers_v, "layers", "a list of layers")?
        .iter()
        .enumerate()
        .map(|(i, l)| layer_from_value(l, &format!("layers[{i}]"), cx))
        .collect::<Result<Vec<_>>>()?;
    let mut net = Network::new(input_shape, layers).map_err(|e| match e {
        Error::Shape { layer, .. } | Error::Layer { layer, .. } => {
            cx.err(&format!("layers[{layer}]"), e.to_string())
        }
        Error::Residual {
            layer,
            path,
            message,
        } => cx.err(&format!("layers[{layer}].{path}"), message),
        other => cx.err("", other.to_string()),
    })?;
    net.name = name;
    net.description = description;
    net.notes = notes;
    net.input_box = input_box_field(top, net.input_dim(), cx)?;
    Ok(net)
}

/// The optional `input_box`: one `[lo, hi]` per input, `lo <= hi`.
fn input_box_field(
    top: &Map<String, Value>,
    inputs: usize,
    cx: &Ctx,
) -> Result<Option<(Vec<Q>, Vec<Q>)>> {
    let Some(v) = top.get("input_box") else {
        return Ok(None);
    };
    let list = cx.list(v, "input_box", "a list of [lo, hi] pairs, one per input")?;
    if list.len() != inputs {
        return Err(cx.err(
            "input_box",
            format!(
                "{} pairs for {inputs} inputs; give one [lo, hi] per input",
                list.len()
            ),
        ));
    }
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    for (i, p) in list.iter().enumerate() {
        let path = format!("input_box[{i}]");
        let pair = cx.numbers(p, &path)?;
        let [l, h] = &pair[..] else {
            return Err(cx.err(&path, "expected [lo, hi]"));
        };
        if l > h {
            return Err(cx.err(&path, format!("lo {l} is larger than hi {h}")));
        }
        lo.push(l.clone());
        hi.push(h.clone());
    }
    Ok(Some((lo, hi)))
}

/// The field `relucheck` must be the version this build reads.
fn check_version(top: &Map<String, Value>, cx: &Ctx) -> Result<()> {
    match top.get("relucheck") {
        None => Err(cx.err(
            "",
            "missing field `relucheck` (the format version); add \"relucheck\": 1",
        )),
        Some(x) if x.as_u64() == Some(FORMAT_VERSION) => Ok(()),
        Some(x) => Err(cx.err(
            "relucheck",
            format!("unsupported format version {x}; this build reads version {FORMAT_VERSION}"),
        )),
    }
}

/// An optional text field of the top level.
fn text_field(top: &Map<String, Value>, key: &str, cx: &Ctx) -> Result<Option<String>> {
    match top.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(x) => Err(cx.err(key, format!("expected text, found {}", kind_of(x)))),
    }
}

/// The optional list of notes.
fn notes_field(top: &Map<String, Value>, cx: &Ctx) -> Result<Vec<String>> {
    match top.get("notes") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => cx
            .list(v, "notes", "a list of texts")?
            .iter()
            .enumerate()
            .map(|(i, n)| match n {
                Value::String(s) => Ok(s.clone()),
                x => Err(cx.err(
                    &format!("notes[{i}]"),
                    format!("expected text, found {}", kind_of(x)),
                )),
            })
            .collect(),
    }
}

/// `input_shape`: `[n]` or `[C, H, W]`, at most [`MAX_VALUES`] values.
fn input_shape_field(top: &Map<String, Value>, cx: &Ctx) -> Result<Shape> {
    let shape_v = top
        .get("input_shape")
        .ok_or_else(|| cx.err("", "missing field `input_shape` ([n] or [C, H, W])"))?;
    let dims = cx.list(shape_v, "input_shape", "[n] or [C, H, W]")?;
    let dims: Vec<usize> = dims
        .iter()
        .enumerate()
        .map(|(i, d)| cx.count(d, &format!("input_shape[{i}]")))
        .collect::<Result<_>>()?;
    let input_shape = match dims[..] {
        [n] => Shape::Flat(n),
        [c, h, w] => Shape::Chw(c, h, w),
        _ => {
            return Err(cx.err(
                "input_shape",
                format!("expected [n] or [C, H, W], found {} dimensions", dims.len()),
            ));
        }
    };
    if dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .is_none_or(|n| n > MAX_VALUES)
    {
        return Err(cx.err("input_shape", format!("more than {MAX_VALUES} inputs")));
    }
    Ok(input_shape)
}

fn layer_from_value(v: &Value, path: &str, cx: &Ctx) -> Result<Layer> {
    let Value::Object(m) = v else {
        return Err(cx.err(
            path,
            format!("expected a layer object, found {}", kind_of(v)),
        ));
    };
    let kind = match m.get("type") {
        Some(Value::String(s)) => s.as_str(),
        Some(x) => {
            return Err(cx.err(
                &join(path, "type"),
                format!("expected text, found {}", kind_of(x)),
            ));
        }
        None => {
            return Err(cx.err(
                path,
                format!(
                    "missing field `type`; valid types: {}",
                    LAYER_TYPES.join(", ")
                ),
            ));
        }
    };
    let Some(fields) = layer_fields(kind) else {
        return Err(cx.err(
            &join(path, "type"),
            format!(
                "unknown layer type `{kind}`; valid types: {}",
                LAYER_TYPES.join(", ")
            ),
        ));
    };
    cx.object(v, path, fields)?;
    let l = LayerValue { m, kind, path, cx };
    let activation = |a| Ok(Layer::Activation(a));
    match kind {
        "dense" => l.dense(),
        "conv2d" => l.conv2d(),
        "avg_pool2d" | "max_pool2d" => l.pool(),
        "flatten" => Ok(Layer::Flatten),
        "residual" => l.residual(),
        "relu" => activation(Activation::Relu),
        "abs" => activation(Activation::Abs),
        "identity" => activation(Activation::Identity),
        "leaky_relu" => activation(Activation::LeakyRelu {
            alpha: l.number_or("alpha", Q::new(1, 100))?,
        }),
        "elu" => activation(Activation::Elu {
            alpha: l.number_or("alpha", Q::ONE)?,
        }),
        "selu" => activation(Activation::Selu),
        "prelu" => l.prelu(),
        "hard_tanh" => activation(Activation::HardTanh {
            min: l.number_or("min", -Q::ONE)?,
            max: l.number_or("max", Q::ONE)?,
        }),
        _ => unreachable!("layer_fields knows every type"),
    }
}

/// The fields a layer of type `kind` may have; `None` for an unknown type.
fn layer_fields(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "dense" => &["type", "weights", "bias"],
        "conv2d" => &["type", "weights", "bias", "stride", "padding"],
        "avg_pool2d" | "max_pool2d" => &["type", "kernel_size", "stride", "padding"],
        "flatten" | "relu" | "abs" | "identity" | "selu" => &["type"],
        "leaky_relu" | "prelu" | "elu" => &["type", "alpha"],
        "hard_tanh" => &["type", "min", "max"],
        "residual" => &["type", "layers", "skip"],
        _ => return None,
    })
}

/// The weights of a conv2d layer, flattened, and their shape.
struct Kernels {
    weights: Vec<Q>,
    out_channels: usize,
    in_channels: usize,
    kernel: (usize, usize),
}

/// A layer object whose type and fields are checked, read field by field.
struct LayerValue<'a> {
    m: &'a Map<String, Value>,
    kind: &'a str,
    path: &'a str,
    cx: &'a Ctx<'a>,
}

impl<'a> LayerValue<'a> {
    fn field(&self, k: &str) -> Option<&'a Value> {
        self.m.get(k)
    }

    fn required(&self, k: &str) -> Result<&'a Value> {
        self.m.get(k).ok_or_else(|| {
            self.cx.err(
                self.path,
                format!("a `{}` layer needs the field `{k}`", self.kind),
            )
        })
    }

    /// The path of field `k`, for errors.
    fn p(&self, k: &str) -> String {
        join(self.path, k)
    }

    /// An optional number field with its default.
    fn number_or(&self, k: &str, default: Q) -> Result<Q> {
        match self.field(k) {
            Some(x) => self.cx.number(x, &self.p(k)),
            None => Ok(default),
        }
    }

    /// An optional bias of `n` values (zeros when omitted).
    fn bias(&self, n: usize) -> Result<Vec<Q>> {
        match self.field("bias") {
            Some(b) => self.cx.numbers(b, &self.p("bias")),
            None => Ok(vec![Q::ZERO; n]),
        }
    }

    fn dense(&self) -> Result<Layer> {
        let cx = self.cx;
        let wp = self.p("weights");
        let rows_v = cx.list(self.required("weights")?, &wp, "a list of weight rows")?;
        let rows = rows_v
            .iter()
            .enumerate()
            .map(|(i, r)| cx.numbers(r, &format!("{wp}[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        if rows.is_empty() {
            return Err(cx.err(&wp, "a dense layer needs at least one row"));
        }
        if let Some(i) = rows.iter().position(|r| r.len() != rows[0].len()) {
            return Err(cx.err(
                &format!("{wp}[{i}]"),
                format!(
                    "row has {} values but row 0 has {}; every row needs one weight per input",
                    rows[i].len(),
                    rows[0].len()
                ),
            ));
        }
        let out = rows.len();
        let weights = Matrix::from_rows(rows).expect("rows checked");
        let bias = self.bias(out)?;
        Ok(Layer::Dense { weights, bias })
    }

    fn conv2d(&self) -> Result<Layer> {
        let cx = self.cx;
        let k = self.kernels()?;
        Ok(Layer::Conv2d {
            bias: self.bias(k.out_channels)?,
            weights: k.weights,
            out_channels: k.out_channels,
            in_channels: k.in_channels,
            kernel: k.kernel,
            stride: cx.pair(self.field("stride"), &self.p("stride"), (1, 1))?,
            padding: cx.pair(self.field("padding"), &self.p("padding"), (0, 0))?,
        })
    }

    /// The weights `[out_ch][in_ch][kh][kw]` of a conv2d layer (every kernel the same
    /// shape).
    fn kernels(&self) -> Result<Kernels> {
        let cx = self.cx;
        let wp = self.p("weights");
        let outs = cx.list(
            self.required("weights")?,
            &wp,
            "weights [out_ch][in_ch][kh][kw]",
        )?;
        let mut flat = Vec::new();
        let mut dims: Option<(usize, usize, usize)> = None;
        for (o, ov) in outs.iter().enumerate() {
            let ins = cx.list(ov, &format!("{wp}[{o}]"), "a list over input channels")?;
            for (i, iv) in ins.iter().enumerate() {
                let rows = cx.list(iv, &format!("{wp}[{o}][{i}]"), "a kernel (list of rows)")?;
                for (y, rv) in rows.iter().enumerate() {
                    let here = format!("{wp}[{o}][{i}][{y}]");
                    let row = cx.numbers(rv, &here)?;
                    let d = (ins.len(), rows.len(), row.len());
                    match dims {
                        None => dims = Some(d),
                        Some(e) if e != d => {
                            return Err(cx.err(
                                &here,
                                format!(
                                    "kernel shape differs: expected {} input channels of {}x{}, found {} of {}x{}",
                                    e.0, e.1, e.2, d.0, d.1, d.2
                                ),
                            ));
                        }
                        _ => {}
                    }
                    flat.extend(row);
                }
                if rows.is_empty() {
                    return Err(cx.err(&format!("{wp}[{o}][{i}]"), "empty kernel"));
                }
            }
            if ins.is_empty() {
                return Err(cx.err(&format!("{wp}[{o}]"), "no input channels"));
            }
        }
        let Some((in_channels, kh, kw)) = dims else {
            return Err(cx.err(&wp, "a conv2d layer needs at least one output channel"));
        };
        if flat.len() != outs.len() * in_channels * kh * kw {
            return Err(cx.err(&wp, "weights are ragged; expected [out_ch][in_ch][kh][kw]"));
        }
        Ok(Kernels {
            weights: flat,
            out_channels: outs.len(),
            in_channels,
            kernel: (kh, kw),
        })
    }

    fn pool(&self) -> Result<Layer> {
        let cx = self.cx;
        let kernel = cx.pair(
            Some(self.required("kernel_size")?),
            &self.p("kernel_size"),
            (1, 1),
        )?;
        let stride = cx.pair(self.field("stride"), &self.p("stride"), kernel)?;
        let padding = cx.pair(self.field("padding"), &self.p("padding"), (0, 0))?;
        Ok(if self.kind == "avg_pool2d" {
            Layer::AvgPool2d {
                kernel,
                stride,
                padding,
            }
        } else {
            Layer::MaxPool2d {
                kernel,
                stride,
                padding,
            }
        })
    }

    /// A residual block: `layers` (required, a non-empty list) and `skip` (optional).
    fn residual(&self) -> Result<Layer> {
        let chain = |k: &str| -> Result<Vec<Layer>> {
            let Some(v) = self.field(k) else {
                return Ok(Vec::new());
            };
            let path = self.p(k);
            self.cx
                .list(v, &path, "a list of layers")?
                .iter()
                .enumerate()
                .map(|(i, l)| layer_from_value(l, &format!("{path}[{i}]"), self.cx))
                .collect()
        };
        self.required("layers")?;
        let layers = chain("layers")?;
        if layers.is_empty() {
            return Err(self.cx.err(
                &self.p("layers"),
                "the branch is empty; a residual block y = x + F(x) needs at least one layer",
            ));
        }
        Ok(Layer::Residual {
            layers,
            skip: chain("skip")?,
        })
    }

    fn prelu(&self) -> Result<Layer> {
        let cx = self.cx;
        let a = self.required("alpha")?;
        let alpha = if a.is_array() {
            cx.numbers(a, &self.p("alpha"))?
        } else {
            vec![cx.number(a, &self.p("alpha"))?]
        };
        if alpha.is_empty() {
            return Err(cx.err(&self.p("alpha"), "alpha needs at least one value"));
        }
        Ok(Layer::Activation(Activation::PRelu { alpha }))
    }
}
