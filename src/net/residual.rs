//! Residual blocks: `y = P(x) + F(x)`, and every network as a chain of steps.
//!
//! A [`Layer::Residual`] holds the branch `F` (a chain of layers, never empty) and the skip
//! path `P` (a chain, empty for the identity: `y = x + F(x)`; a projection is one dense or
//! 1x1 conv2d layer). Formally, `residual(x) = P(x) + F(x)`; with `F` and `P` continuous
//! and piecewise affine, so is the block, and everything stays exact.
//!
//! # Units and patterns
//! The block's units are the piecewise-linear units of `F`, layer by layer, then those of
//! `P`; they are one entry of the [`Pattern`](crate::Pattern) (the block is one layer of
//! the network), in that order. A nested block contributes its units where it stands.
//!
//! # Steps
//! Region enumeration and certificates walk a network as [`steps`]: affine maps and layers
//! of piecewise-linear units over a *state* vector. Outside blocks the state is a layer's
//! input. Inside a block the state is `[current values, carried values]`: the block
//! copies its input `x` (or `P(x)` when `P` is affine) behind the values of `F`, each
//! layer of `F` acts on the front part (an affine layer as `[A 0; 0 I]`, a piecewise layer's
//! units read the front part and the carried values pass unchanged), and the block ends
//! with the sum `[f; p; rest] -> [f + p; rest]`. When `P` has piecewise units, the block
//! carries `x`, swaps it to the front after `F` and runs `P` on it. On each region the
//! composed map is `x -> P(x) + F(x)`, exactly.

use crate::exact::linalg::{Affine, Matrix};
use crate::exact::rational::Q;
use crate::net::layer::{
    Activation, Layer, Piece, Shape, chain_affine, chain_output, chain_shapes,
};

pub use crate::net::layer::MAX_RESIDUAL_DEPTH;

/// One step of a network written as a chain over a state vector (see the module docs).
#[derive(Clone, Debug)]
pub enum Op {
    /// `state -> A state + c`.
    Affine(Affine),
    /// Piecewise-linear units over the front of the state; the output is the units'
    /// outputs followed by the last `carry` values of the state, unchanged.
    Pieces {
        /// Unit `u`'s piece `p` is `units[u][p]`, its forms over the state.
        units: Vec<Vec<Piece>>,
        /// How many trailing state values pass through.
        carry: usize,
    },
    /// The sign pieces of an ELU (`selu == false`) or SELU layer ([`Layer::sign_pieces`]);
    /// only outside residual blocks.
    Curved {
        /// Unit `u`'s pieces `z <= 0` and `z >= 0`.
        units: Vec<Vec<Piece>>,
        /// SELU rather than ELU.
        selu: bool,
    },
}

/// A step and the layer of the network it belongs to.
#[derive(Clone, Debug)]
pub struct Step {
    /// What the step computes.
    pub op: Op,
    /// The index of the network's layer the step belongs to.
    pub layer: usize,
    /// Is this the layer's first step? (A new entry of the pattern starts here.)
    pub starts_layer: bool,
}

/// A network's layers (`shapes[i]` the input shape of layer `i`) as steps: one per layer
/// outside residual blocks (a layer's affine map, its units, or its sign pieces), several
/// per block; consecutive affine steps of one layer are composed into one. The units of all
/// steps, in order, are the units of the pattern. [`Network::steps`](crate::Network::steps)
/// is this for a network.
pub fn steps(layers: &[Layer], shapes: &[Shape]) -> Vec<Step> {
    let mut out = Vec::new();
    for (i, (layer, &shape)) in layers.iter().zip(shapes).enumerate() {
        let mut ops = Vec::new();
        lower_layer(layer, shape, 0, &mut ops);
        for (j, op) in ops.into_iter().enumerate() {
            push_step(
                &mut out,
                Step {
                    op,
                    layer: i,
                    starts_layer: j == 0,
                },
            );
        }
    }
    out
}

/// Appends `step`, composing it into the previous step when both are affine and of the
/// same layer.
fn push_step(out: &mut Vec<Step>, step: Step) {
    if let (
        Some(Step {
            op: Op::Affine(prev),
            layer,
            ..
        }),
        Op::Affine(next),
    ) = (out.last_mut(), &step.op)
        && *layer == step.layer
        && !step.starts_layer
    {
        *prev = prev.then(next);
        return;
    }
    out.push(step);
}

/// The ops of one layer with input shape `shape`, acting on the front of a state that
/// carries `carry` more values behind it.
fn lower_layer(layer: &Layer, shape: Shape, carry: usize, out: &mut Vec<Op>) {
    if let Layer::Residual { layers, skip } = layer {
        lower_block(layers, skip, shape, carry, out);
    } else if let Some(units) = layer.pieces(shape) {
        out.push(Op::Pieces { units, carry });
    } else if let Some(units) = layer.sign_pieces(shape) {
        let selu = matches!(layer, Layer::Activation(Activation::Selu));
        out.push(Op::Curved { units, selu });
    } else {
        let a = layer.affine(shape).expect("an affine layer");
        out.push(Op::Affine(beside(&a, carry)));
    }
}

/// The ops of a chain of layers from `shape`, with `carry` values behind.
fn lower_chain(layers: &[Layer], shape: Shape, carry: usize, out: &mut Vec<Op>) {
    for (layer, s) in layers.iter().zip(chain_shapes(layers, shape)) {
        lower_layer(layer, s, carry, out);
    }
}

/// A residual block on `[x (n); rest (m)]`: copy, `F`, then `P` (composed into the copy
/// when affine), then the sum.
fn lower_block(layers: &[Layer], skip: &[Layer], shape: Shape, m: usize, out: &mut Vec<Op>) {
    let n = shape.size();
    let n_out = chain_output(layers, shape).size();
    let affine_skip = chain_affine(skip, shape);
    // [x; rest] -> [x; P(x) or x; rest]
    let copy = affine_skip.clone().unwrap_or_else(|| Affine::identity(n));
    let p = copy.output_dim();
    let mut a = Matrix::zeros(n + p + m, n + m);
    let mut c = vec![Q::ZERO; n + p + m];
    for i in 0..n {
        a[(i, i)] = Q::ONE;
    }
    for i in 0..p {
        for j in 0..n {
            a[(n + i, j)] = copy.a[(i, j)].clone();
        }
        c[n + i] = copy.c[i].clone();
    }
    for i in 0..m {
        a[(n + p + i, n + i)] = Q::ONE;
    }
    out.push(Op::Affine(Affine { a, c }));
    lower_chain(layers, shape, p + m, out);
    if affine_skip.is_none() {
        // [f; x; rest] -> [x; f; rest], then P on the front.
        out.push(Op::Affine(swap(n_out, n, m)));
        lower_chain(skip, shape, n_out + m, out);
    }
    out.push(Op::Affine(sum_front(n_out, m)));
}

/// `[u (a); v (b); rest (m)] -> [v; u; rest]`.
fn swap(a_len: usize, b_len: usize, m: usize) -> Affine {
    let size = a_len + b_len + m;
    let mut a = Matrix::zeros(size, size);
    for i in 0..b_len {
        a[(i, a_len + i)] = Q::ONE;
    }
    for i in 0..a_len {
        a[(b_len + i, i)] = Q::ONE;
    }
    for i in 0..m {
        a[(a_len + b_len + i, a_len + b_len + i)] = Q::ONE;
    }
    Affine {
        a,
        c: vec![Q::ZERO; size],
    }
}

/// `[f (n); p (n); rest (m)] -> [f + p; rest]`.
fn sum_front(n: usize, m: usize) -> Affine {
    let mut a = Matrix::zeros(n + m, 2 * n + m);
    for i in 0..n {
        a[(i, i)] = Q::ONE;
        a[(i, n + i)] = Q::ONE;
    }
    for i in 0..m {
        a[(n + i, 2 * n + i)] = Q::ONE;
    }
    Affine {
        a,
        c: vec![Q::ZERO; n + m],
    }
}

/// `[z; rest] -> [A z + c; rest]`, with `carry` values in `rest`.
fn beside(map: &Affine, carry: usize) -> Affine {
    if carry == 0 {
        return map.clone();
    }
    let (r, k) = (map.output_dim(), map.input_dim());
    let mut a = Matrix::zeros(r + carry, k + carry);
    for i in 0..r {
        a.row_mut(i)[..k].clone_from_slice(map.a.row(i));
    }
    for i in 0..carry {
        a[(r + i, k + i)] = Q::ONE;
    }
    let mut c = map.c.clone();
    c.resize(r + carry, Q::ZERO);
    Affine { a, c }
}

/// The most entries of one matrix of the [`steps`] of `layer` (input `shape`, `carry`
/// values behind it); `None` when the count overflows.
pub(crate) fn unrolled_entries(layer: &Layer, shape: Shape, carry: usize) -> Option<usize> {
    let n = shape.size();
    let Layer::Residual { layers, skip } = layer else {
        if layer.is_affine() {
            let out = layer.output_shape(0, shape).ok()?.size();
            return out.checked_add(carry)?.checked_mul(n.checked_add(carry)?);
        }
        return Some(0);
    };
    let n_out = chain_output(layers, shape).size();
    let wide = carry.checked_add(n.max(n_out))?;
    let mut most = (2 * n + carry).checked_mul(n + carry)?;
    for chain in [&layers[..], &skip[..]] {
        for (l, s) in chain.iter().zip(chain_shapes(chain, shape)) {
            most = most.max(unrolled_entries(l, s, wide)?);
        }
    }
    Some(most)
}

/// The number of pieces of every unit of `layer` (input `shape`), in pattern order: one
/// entry per unit of a piecewise-linear layer or residual block, none for affine layers.
pub fn piece_counts(layer: &Layer, shape: Shape) -> Vec<usize> {
    match layer {
        Layer::Residual { layers, skip } => [&layers[..], &skip[..]]
            .into_iter()
            .flat_map(|chain| {
                chain
                    .iter()
                    .zip(chain_shapes(chain, shape))
                    .flat_map(|(l, s)| piece_counts(l, s))
            })
            .collect(),
        _ => layer
            .pieces(shape)
            .map(|units| units.iter().map(Vec::len).collect())
            .unwrap_or_default(),
    }
}

/// One block in plain `Q`: `(P(x) + F(x), the pattern of F's units then P's)`, with
/// `layer_fn` evaluating one layer.
pub(crate) fn eval_block(
    block: &Layer,
    shape: Shape,
    x: &[Q],
    layer_fn: impl Fn(&Layer, Shape, &[Q]) -> (Vec<Q>, Vec<u8>),
) -> (Vec<Q>, Vec<u8>) {
    let Layer::Residual { layers, skip } = block else {
        unreachable!("called on residual blocks")
    };
    let mut pattern = Vec::new();
    let mut run = |chain: &[Layer]| {
        let mut cur = x.to_vec();
        for (l, s) in chain.iter().zip(chain_shapes(chain, shape)) {
            let (out, p) = layer_fn(l, s, &cur);
            pattern.extend(p);
            cur = out;
        }
        cur
    };
    let f = run(layers);
    let p = run(skip);
    (f.iter().zip(&p).map(|(a, b)| a + b).collect(), pattern)
}
