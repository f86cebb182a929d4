//! The chain of layers being built: element-wise affine maps are held back and folded
//! into the neighbouring `dense`/`conv2d` layer where they can be, else placed as layers.

use super::attrs::Cx;
use super::tensor::Tensor;
use crate::error::Result;
use crate::exact::linalg::Matrix;
use crate::exact::rational::Q;
use crate::net::network::{Layer, MAX_VALUES, Shape};

/// `y = s ⊙ x + t` element-wise, not yet placed in a layer.
struct Pending {
    s: Vec<Q>,
    t: Vec<Q>,
    at: String,
}

/// The layers so far, and the value at the end of the chain: its shape per sample, its
/// batch dimension and its ONNX dims (the values are the row-major order of `dims`).
pub(super) struct Chain<'a> {
    pub(super) cx: &'a Cx<'a>,
    /// The network's input shape (a leading Transpose or Reshape can change it while no
    /// layer has been placed).
    pub(super) input_shape: Shape,
    pub(super) shape: Shape,
    /// The value's dims in the ONNX graph, the batch included when `batched`.
    pub(super) dims: Vec<usize>,
    /// A permutation of the values not yet placed: value `i` is value `perm[i]` of what
    /// the last layer gives; the next dense layer absorbs it.
    perm: Option<Vec<usize>>,
    /// The input has a leading batch dimension.
    pub(super) batched: bool,
    pub(super) batch: usize,
    pub(super) layers: Vec<Layer>,
    /// The node each layer came from, for errors from `Network::new`.
    pub(super) origins: Vec<String>,
    /// The last `dense`/`conv2d` layer and its output shape, when the current value is its
    /// output (possibly flattened), so an element-wise affine map can fold into it.
    absorber: Option<(usize, Shape)>,
    pending: Option<Pending>,
    pub(super) notes: Vec<String>,
    /// A branch of a residual block: its start is the block's input, whose layout is fixed.
    sub: bool,
}

/// The value of channel `c` in a per-element vector over `shape`, if every element of
/// each channel has the same value.
pub(super) fn per_channel(v: &[Q], shape: Shape) -> Option<Vec<Q>> {
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

impl<'a> Chain<'a> {
    /// An empty chain on an input of `shape` per sample (`batched`: with a batch dimension of
    /// `batch`).
    pub(super) fn new(
        cx: &'a Cx<'a>,
        shape: Shape,
        batched: bool,
        batch: usize,
        dims: Vec<usize>,
    ) -> Chain<'a> {
        Chain {
            cx,
            input_shape: shape,
            shape,
            dims,
            perm: None,
            batched,
            batch,
            layers: Vec::new(),
            origins: Vec::new(),
            absorber: None,
            pending: None,
            notes: Vec::new(),
            sub: false,
        }
    }

    /// An empty chain on the current value, for a branch of a residual block that starts
    /// here (call after [`Chain::flush`] and [`Chain::place_perm`]).
    pub(super) fn branch(&self) -> Chain<'a> {
        let mut b = Chain::new(
            self.cx,
            self.shape,
            self.batched,
            self.batch,
            self.dims.clone(),
        );
        b.sub = true;
        b
    }

    pub(super) fn full_dims(&self) -> Vec<usize> {
        self.dims.clone()
    }

    /// The dims a layer's output shape has in the graph (with the batch when batched).
    fn dims_of(&self, shape: Shape) -> Vec<usize> {
        let mut d = Vec::new();
        if self.batched {
            d.push(self.batch);
        }
        match shape {
            Shape::Flat(n) => d.push(n),
            Shape::Chw(c, h, w) => d.extend([c, h, w]),
        }
        d
    }

    /// Has nothing been placed yet (no layer, nothing pending)? The value is then still
    /// the network's input, whose layout may change.
    pub(super) fn at_input(&self) -> bool {
        self.no_layers() && self.pending.is_none()
    }

    /// Is no layer placed yet (element-wise maps may be pending)? The input's layout may
    /// then change: pending maps act value by value and follow the values.
    fn no_layers(&self) -> bool {
        !self.sub && self.layers.is_empty() && self.perm.is_none()
    }

    /// The per-sample dims of the value.
    pub(super) fn sample_dims(&self) -> &[usize] {
        &self.dims[usize::from(self.batched)..]
    }

    /// A constant broadcast (numpy rules) to the current value, as one value per element of
    /// a sample; `None` when it does not broadcast or varies along the batch.
    pub(super) fn broadcast(&self, t: &Tensor) -> Option<Vec<Q>> {
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

    pub(super) fn push(&mut self, layer: Layer, at: &str) -> Result<()> {
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
        // Element-wise layers keep the value's dims; the others give their own.
        if !matches!(layer, Layer::Activation(_)) {
            self.dims = self.dims_of(out);
        }
        self.layers.push(layer);
        self.origins.push(at.to_string());
        self.shape = out;
        Ok(())
    }

    /// Gives the value new dims with the same values in the same row-major order
    /// (Reshape, Flatten, Squeeze, Unsqueeze). A `[C, H, W]` value becomes flat unless the
    /// dims stay `[N, C, H, W]`; at the input, a flat value may become `[C, H, W]`.
    pub(super) fn relabel(&mut self, dims: Vec<usize>, at: &str) -> Result<()> {
        if dims == self.dims {
            return Ok(());
        }
        let total: usize = self.dims.iter().product();
        debug_assert_eq!(total, dims.iter().product::<usize>());
        if self.batched && self.batch > 1 && dims.first() != Some(&self.batch) {
            return Err(self.cx.err(
                at,
                format!(
                    "reshapes {:?} to {dims:?}, mixing the batch of {} samples with their values; export with batch size 1",
                    self.dims, self.batch
                ),
            ));
        }
        let batched = if self.batch > 1 {
            self.batched
        } else {
            dims.len() >= 2 && dims[0] == 1
        };
        let sample = &dims[usize::from(batched)..];
        let image = match sample {
            [c, h, w] => Some(Shape::Chw(*c, *h, *w)),
            _ => None,
        };
        let new_shape = match (self.shape, image) {
            (Shape::Chw(..), Some(s)) if s == self.shape => s,
            (_, Some(s)) if self.no_layers() => s,
            _ => Shape::Flat(sample.iter().product()),
        };
        if self.no_layers() {
            self.input_shape = new_shape;
        } else if matches!(self.shape, Shape::Chw(..)) && new_shape != self.shape {
            self.flush()?;
            self.push(Layer::Flatten, at)?;
        }
        self.shape = new_shape;
        self.batched = batched;
        if !batched {
            self.batch = 1;
        }
        self.dims = dims;
        Ok(())
    }

    /// Treats the batch dimension as a dimension of the values (a node contracts or moves
    /// it): with a batch of 1 nothing changes; a larger batch is taken into the values
    /// only at the input.
    pub(super) fn unbatch(&mut self, at: &str) -> Result<()> {
        if !self.batched {
            return Ok(());
        }
        if self.batch > 1 {
            if !self.at_input() {
                return Err(self.cx.err(
                    at,
                    format!(
                        "mixes the batch of {} samples with their values; export with batch size 1",
                        self.batch
                    ),
                ));
            }
            let total = self.dims.iter().product();
            self.notes.push(format!(
                "{at} reads the input's first dimension ({}) as values, not as a batch: the network takes all {total} values of the input {:?}",
                self.batch, self.dims
            ));
            self.shape = Shape::Flat(total);
            self.input_shape = self.shape;
        } else if let Shape::Chw(..) = self.shape {
            self.flush()?;
            self.push(Layer::Flatten, at)?;
            self.dims.insert(0, 1);
        }
        self.batched = false;
        self.batch = 1;
        Ok(())
    }

    /// Permutes the values (`perm[i]`: where value `i` comes from, over the per-sample
    /// values) and gives them `dims`: the input's layout changes when nothing is placed
    /// yet, otherwise the permutation waits for the next dense layer.
    pub(super) fn permute(&mut self, perm: Vec<usize>, dims: Vec<usize>, at: &str) -> Result<()> {
        if self.no_layers() {
            if let Some(p) = &mut self.pending {
                p.s = perm.iter().map(|&j| p.s[j].clone()).collect();
                p.t = perm.iter().map(|&j| p.t[j].clone()).collect();
            }
            self.notes.push(format!(
                "{at} transposes the model's input {:?} to {dims:?}; relucheck's network takes its input in the transposed layout (give inputs in that order)",
                self.dims
            ));
            return self.relayout_input(dims, at);
        }
        if self.perm.is_none() {
            self.flush()?;
            if matches!(self.shape, Shape::Chw(..)) {
                self.push(Layer::Flatten, at)?;
            }
        }
        self.absorber = None;
        if let Some(p) = &mut self.pending {
            p.s = perm.iter().map(|&j| p.s[j].clone()).collect();
            p.t = perm.iter().map(|&j| p.t[j].clone()).collect();
        }
        self.perm = Some(match self.perm.take() {
            None => perm,
            Some(first) => perm.iter().map(|&j| first[j]).collect(),
        });
        self.shape = Shape::Flat(self.shape.size());
        self.dims = dims;
        Ok(())
    }

    /// The input, read in a new layout of its values.
    fn relayout_input(&mut self, dims: Vec<usize>, at: &str) -> Result<()> {
        let total: usize = self.dims.iter().product();
        self.dims = vec![total];
        self.batched = false;
        self.batch = 1;
        self.shape = Shape::Flat(total);
        self.input_shape = self.shape;
        self.relabel(dims, at)
    }

    /// Places a pending permutation as a dense layer of its own.
    pub(super) fn place_perm(&mut self, at: &str) -> Result<()> {
        let Some(perm) = self.perm.take() else {
            return Ok(());
        };
        let n = perm.len();
        if n.checked_mul(n).is_none_or(|nn| nn > MAX_VALUES) {
            return Err(self.cx.err(
                at,
                format!(
                    "a Transpose of {n} values here needs a {n} × {n} permutation layer, more than {MAX_VALUES} weights; relucheck places a Transpose in the middle of a network into the next MatMul or Gemm"
                ),
            ));
        }
        let mut w = Matrix::zeros(n, n);
        for (i, &j) in perm.iter().enumerate() {
            w[(i, j)] = Q::ONE;
        }
        let dims = std::mem::take(&mut self.dims);
        let pending = self.pending.take();
        self.push(
            Layer::Dense {
                weights: w,
                bias: vec![Q::ZERO; n],
            },
            at,
        )?;
        self.pending = pending;
        self.dims = dims;
        Ok(())
    }

    /// Composes `y = s ⊙ x + t` after what is pending.
    pub(super) fn elementwise(&mut self, s: Vec<Q>, t: Vec<Q>, at: &str) {
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
    pub(super) fn flush(&mut self) -> Result<()> {
        if let Some(p) = &self.pending {
            let at = p.at.clone();
            self.place_perm(&at)?;
        }
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

    pub(super) fn push_dense(
        &mut self,
        mut weights: Matrix,
        mut bias: Vec<Q>,
        at: &str,
    ) -> Result<()> {
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
        if let Some(perm) = self.perm.take() {
            // W (P v) = (W P) v: column `perm[i]` of the new matrix is column `i` of W.
            let mut wp = Matrix::zeros(weights.rows(), weights.cols());
            for r in 0..weights.rows() {
                for (i, &j) in perm.iter().enumerate() {
                    wp[(r, j)] = weights[(r, i)].clone();
                }
            }
            weights = wp;
        }
        self.flush()?;
        self.push(Layer::Dense { weights, bias }, at)
    }

    pub(super) fn push_conv(&mut self, mut layer: Layer, at: &str) -> Result<()> {
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

    pub(super) fn push_other(&mut self, layer: Layer, at: &str) -> Result<()> {
        self.flush()?;
        self.place_perm(at)?;
        self.push(layer, at)
    }
}
