//! Constant tensors: decoded exactly from initializers and `Constant` nodes, and the
//! shape arithmetic on constants that exporters emit, evaluated.

use super::super::onnx_proto::{NodeProto, TensorProto, data_type};
use super::attrs::{Attrs, Cx};
use crate::error::{Error, Result};
use crate::exact::rational::Q;
use crate::net::network::MAX_VALUES;

/// A constant tensor: its dims and exact values (row-major), and the floats for the
/// float types (needed to compute a BatchNormalization factor as a runtime does).
#[derive(Clone, Debug)]
pub(super) struct Tensor {
    pub(super) dims: Vec<usize>,
    pub(super) values: Vec<Q>,
    pub(super) floats: Option<Vec<f64>>,
    pub(super) dtype: i32,
}

pub(super) fn count(dims: &[usize]) -> Option<usize> {
    dims.iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= MAX_VALUES)
}

pub(super) fn decode_tensor(t: &TensorProto, what: &str, cx: &Cx) -> Result<Tensor> {
    if t.data_location == 1 || !t.external_data.is_empty() {
        let mut inside = t.clone();
        inside.raw_data = external_bytes(t, what, cx)?;
        inside.external_data.clear();
        inside.data_location = 0;
        return decode_tensor(&inside, what, cx);
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

/// The bytes of a tensor stored in an external file (`location`, `offset`, `length` of
/// its `external_data`): the location must be a plain relative path inside the model's
/// folder (no absolute path, no `..`), the range must lie inside the file, and all external
/// data together must fit [`MAX_FILE_BYTES`](crate::net::import::MAX_FILE_BYTES).
fn external_bytes(t: &TensorProto, what: &str, cx: &Cx) -> Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let field = |key: &str| {
        t.external_data
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    };
    let Some(folder) = cx.folder else {
        return Err(cx.err(
            what,
            "the tensor's data is stored in an external file, which is read only when the model is loaded from a file; load the file, or save the model with all tensors inside (onnx.save(model, path, save_as_external_data=False))",
        ));
    };
    let location = field("location").filter(|l| !l.is_empty()).ok_or_else(|| {
        cx.err(
            what,
            "external data without a `location`; the file is damaged",
        )
    })?;
    let rel = std::path::Path::new(location);
    let plain = rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !plain {
        return Err(cx.err(
            what,
            format!(
                "the external data location `{location}` is not a plain relative path; relucheck reads external data only from files beside the model (no absolute paths, no `..`)"
            ),
        ));
    }
    let number = |key: &str| -> Result<Option<u64>> {
        field(key)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    cx.err(
                        what,
                        format!(
                            "external data `{key}` is `{v}`, not a byte count; the file is damaged"
                        ),
                    )
                })
            })
            .transpose()
    };
    let offset = number("offset")?.unwrap_or(0);
    let path = folder.join(rel);
    let name = path.display().to_string();
    let io = |error| Error::Io {
        path: name.clone(),
        error,
    };
    let mut file = std::fs::File::open(&path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(cx.err(
            what,
            format!("the external data `{name}` is not a regular file"),
        ));
    }
    let size = meta.len();
    let length = match number("length")? {
        Some(l) => l,
        None => size.saturating_sub(offset),
    };
    if offset.checked_add(length).is_none_or(|end| end > size) {
        return Err(cx.err(
            what,
            format!(
                "the external data range (offset {offset}, length {length}) lies beyond the end of `{name}` ({size} bytes); the file is truncated or damaged"
            ),
        ));
    }
    let left = cx.external_left.get();
    if length > left {
        return Err(cx.err(
            what,
            format!(
                "the model's external data exceed {} bytes in all, the limit for a network file",
                crate::net::import::MAX_FILE_BYTES
            ),
        ));
    }
    cx.external_left.set(left - length);
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(length).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 != length {
        return Err(cx.err(
            what,
            format!("`{name}` ended before the tensor's {length} bytes"),
        ));
    }
    Ok(bytes)
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

pub(super) fn constant_node(attrs: &Attrs, at: &str, cx: &Cx) -> Result<Tensor> {
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
/// (Identity, Cast of integers, Gather, Unsqueeze, Squeeze, Concat on 1-D integer lists)
/// and Transpose (tf2onnx transposes weights).
pub(super) fn fold_constant(
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
    f.charge(first)?;
    match node.op_type.as_str() {
        "Identity" => Ok(first.clone()),
        "Cast" => f.cast(first),
        "Gather" => f.gather(first),
        "Unsqueeze" => f.unsqueeze(first),
        "Squeeze" => f.squeeze(first),
        "Concat" => f.concat(),
        "Transpose" => f.transpose(first),
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

    /// Takes the values the node will produce (counted before they are made) from the
    /// budget of folded values: each result and all of them together stay within
    /// [`MAX_VALUES`], so a chain of doubling nodes is refused before it fills memory.
    fn charge(&self, first: &Tensor) -> Result<()> {
        let n = match self.node.op_type.as_str() {
            "Concat" => (0..self.node.input.len())
                .map(|k| self.input(k).map_or(0, |t| t.values.len()))
                .try_fold(0usize, usize::checked_add),
            "Gather" => self.input(1).map(|t| t.values.len()),
            _ => Some(first.values.len()),
        };
        let left = self.cx.folded_left.get();
        match n.filter(|&n| n <= left) {
            Some(n) => {
                self.cx.folded_left.set(left - n);
                Ok(())
            }
            None => Err(self.cx.err(
                self.at,
                format!(
                    "evaluating this {} node on constants would make the constants computed while reading the model exceed {MAX_VALUES} values in all; the model is not a network of the supported size",
                    self.node.op_type
                ),
            )),
        }
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

    /// A constant transposed by `perm` (default: the axes reversed).
    fn transpose(&self, first: &Tensor) -> Result<Tensor> {
        self.attrs.check_known(&["perm"])?;
        let d = &first.dims;
        let r = d.len();
        let perm: Vec<usize> = match self.attrs.ints("perm")? {
            None => (0..r).rev().collect(),
            Some(p) => p
                .iter()
                .map(|&a| self.axis(a, r))
                .collect::<Result<Vec<_>>>()?,
        };
        let mut sorted = perm.clone();
        sorted.sort_unstable();
        if sorted != (0..r).collect::<Vec<_>>() {
            return Err(self.cx.err(
                self.at,
                format!("perm {perm:?} is not a permutation of 0..{r}"),
            ));
        }
        let out: Vec<usize> = perm.iter().map(|&a| d[a]).collect();
        let mut stride = vec![1usize; r];
        for k in (0..r.saturating_sub(1)).rev() {
            stride[k] = stride[k + 1] * d[k + 1];
        }
        let from = |e: usize| {
            let (mut rem, mut idx) = (e, 0);
            for i in (0..r).rev() {
                idx += (rem % out[i]) * stride[perm[i]];
                rem /= out[i];
            }
            idx
        };
        let n = first.values.len();
        Ok(Tensor {
            dims: out.clone(),
            values: (0..n).map(|e| first.values[from(e)].clone()).collect(),
            floats: first
                .floats
                .as_ref()
                .map(|f| (0..n).map(|e| f[from(e)]).collect()),
            dtype: first.dtype,
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
pub(super) fn ints_of(t: &Tensor) -> Option<Vec<i64>> {
    t.values
        .iter()
        .map(|q| match q.to_i64_pair() {
            Some((n, 1)) => Some(n),
            _ => None,
        })
        .collect()
}
