//! `MatMul` (the constant on either side) and `Gemm` (every `transA`/`transB`): dense
//! layers on the value's values in row-major order; a product that acts on several rows of
//! the value at once becomes one block-diagonal dense layer.

use super::chain::Chain;
use super::ops::{Node, broadcast_vector, matrix};
use super::tensor::Tensor;
use crate::error::Result;
use crate::exact::linalg::Matrix;
use crate::exact::rational::Q;
use crate::net::network::{MAX_VALUES, Shape};

/// The constant as a matrix `[rows, cols]` of exact values (row-major).
fn matrix_dims(t: &Tensor, n: &Node, what: &str) -> Result<(usize, usize)> {
    match t.dims[..] {
        [r, c] if r > 0 && c > 0 => Ok((r, c)),
        _ => Err(n.err(format!(
            "{what} has shape {:?}; expected a matrix (rank 2)",
            t.dims
        ))),
    }
}

/// A `rows × cols` zero matrix, if it fits the size limit.
fn zeros(rows: usize, cols: usize, n: &Node) -> Result<Matrix> {
    if rows.checked_mul(cols).is_none_or(|e| e > MAX_VALUES) {
        return Err(n.err(format!(
            "this product acts on several rows of the value at once and needs a {rows} × {cols} dense layer, more than {MAX_VALUES} weights; flatten the value before it (torch.flatten(x, 1))"
        )));
    }
    Ok(Matrix::zeros(rows, cols))
}

/// Numpy broadcasting of a constant to `dims` (row-major values).
fn broadcast_to(t: &Tensor, dims: &[usize]) -> Option<Vec<Q>> {
    if t.dims.len() > dims.len() {
        return None;
    }
    let pad = dims.len() - t.dims.len();
    let cd: Vec<usize> = std::iter::repeat_n(1, pad)
        .chain(t.dims.iter().copied())
        .collect();
    if cd.iter().zip(dims).any(|(&c, &d)| c != 1 && c != d) {
        return None;
    }
    let total: usize = dims.iter().product();
    let mut out = Vec::with_capacity(total);
    for e in 0..total {
        let (mut rem, mut idx, mut stride) = (e, 0, 1);
        for k in (0..dims.len()).rev() {
            let coord = rem % dims[k];
            rem /= dims[k];
            if cd[k] != 1 {
                idx += coord * stride;
                stride *= cd[k];
            }
        }
        out.push(t.values[idx].clone());
    }
    Some(out)
}

/// `x @ B` for every row of the value: `rows` rows of `b_in` values, `B` given by `b(l, j)`
/// (`b_in × b_out`), as one dense layer (block-diagonal when `rows > 1`).
fn rows_times(
    rows: usize,
    (b_in, b_out): (usize, usize),
    b: impl Fn(usize, usize) -> Q,
    n: &Node,
) -> Result<Matrix> {
    let mut w = zeros(rows * b_out, rows * b_in, n)?;
    for a in 0..rows {
        for j in 0..b_out {
            for l in 0..b_in {
                w[(a * b_out + j, a * b_in + l)] = b(l, j);
            }
        }
    }
    Ok(w)
}

/// `MatMul` of the value by a constant matrix, on either side.
pub(super) fn matmul(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&[])?;
    let Shape::Flat(_) = chain.shape else {
        return Err(n.err(format!(
            "MatMul on a value of shape {}; add Flatten before it",
            chain.shape
        )));
    };
    if n.pos == 0 {
        x_times_w(chain, n)
    } else {
        w_times_x(chain, n)
    }
}

/// `x @ W`, `W` of shape `[k, m]`: every row (last axis) of the value times `W`.
fn x_times_w(chain: &mut Chain, n: &Node) -> Result<()> {
    let b = n.need(1, "the MatMul weight")?;
    let (k, m) = matrix_dims(b, n, "the MatMul weight")?;
    let sample = chain.sample_dims().to_vec();
    let last = *sample.last().expect("a value has dims");
    if last != k {
        return Err(n.err(format!(
            "the MatMul weight {:?} takes rows of {k} values, but the value {:?} has rows of {last}",
            b.dims, chain.dims
        )));
    }
    let rows = chain.shape.size() / k;
    let weights = if rows == 1 {
        matrix(b, false, k, n.at, n.attrs.cx)?
    } else {
        rows_times(rows, (k, m), |l, j| b.values[l * m + j].clone(), n)?
    };
    let mut out = chain.dims.clone();
    *out.last_mut().expect("a value has dims") = m;
    let len = weights.rows();
    chain.push_dense(weights, vec![Q::ZERO; len], n.at)?;
    chain.dims = out;
    Ok(())
}

/// `W @ x`, `W` of shape `[m, k]`: `W` times the value as a column (1-D) or times each
/// matrix of its last two axes.
fn w_times_x(chain: &mut Chain, n: &Node) -> Result<()> {
    let w = n.need(0, "the MatMul weight")?;
    let (m, k) = matrix_dims(w, n, "the MatMul weight")?;
    if chain.dims.len() == 2 {
        // The contracted axis is the first: it is no batch.
        chain.unbatch(n.at)?;
    }
    let d = chain.dims.clone();
    let r = d.len();
    let (contracted, cols) = if r == 1 {
        (d[0], 1)
    } else {
        (d[r - 2], d[r - 1])
    };
    if contracted != k {
        return Err(n.err(format!(
            "the MatMul weight {:?} takes columns of {k} values, but the value {d:?} has columns of {contracted}",
            w.dims
        )));
    }
    let blocks = chain.shape.size() / (k * cols);
    let mut weights = zeros(blocks * m * cols, blocks * k * cols, n)?;
    for a in 0..blocks {
        for i in 0..m {
            for l in 0..k {
                for j in 0..cols {
                    weights[((a * m + i) * cols + j, (a * k + l) * cols + j)] =
                        w.values[i * k + l].clone();
                }
            }
        }
    }
    let mut out = d;
    out[r.saturating_sub(2)] = m;
    let len = weights.rows();
    chain.push_dense(weights, vec![Q::ZERO; len], n.at)?;
    chain.dims = out;
    Ok(())
}

/// `Gemm`: `alpha · A' B' + beta · C` with `A' = A` or `Aᵀ` (the value) and `B' = B` or
/// `Bᵀ` (a constant).
pub(super) fn gemm(chain: &mut Chain, n: &Node) -> Result<()> {
    let attrs = n.attrs;
    attrs.check_known(&["alpha", "beta", "transA", "transB", "broadcast"])?;
    n.only_first("Gemm")?;
    if !matches!(chain.shape, Shape::Flat(_)) || chain.dims.len() != 2 {
        return Err(n.err(format!(
            "Gemm on a value of dims {:?}; Gemm takes a matrix: add Flatten before it",
            chain.dims
        )));
    }
    let trans_a = attrs.int("transA", 0)? != 0;
    let trans_b = attrs.int("transB", 0)? != 0;
    let alpha = attrs.float("alpha")?.unwrap_or(1.0);
    let alpha = attrs.exact("alpha", alpha)?;
    let beta = attrs.float("beta")?.unwrap_or(1.0);
    let beta = attrs.exact("beta", beta)?;
    let b = n.need(1, "the Gemm weight B")?;
    let (br, bc) = matrix_dims(b, n, "the Gemm weight B")?;
    // B' is [k, out]; entry (l, j).
    let (k, out) = if trans_b { (bc, br) } else { (br, bc) };
    let bp = |l: usize, j: usize| {
        let v = if trans_b {
            &b.values[j * bc + l]
        } else {
            &b.values[l * bc + j]
        };
        v * &alpha
    };
    if trans_a {
        chain.unbatch(n.at)?;
    }
    let d = chain.dims.clone();
    // A' is [rows, k].
    let (rows, inner) = if trans_a { (d[1], d[0]) } else { (d[0], d[1]) };
    if inner != k {
        return Err(n.err(format!(
            "the Gemm weight B {:?}{} takes {k} values per row, but the value {d:?}{} has {inner}",
            b.dims,
            if trans_b { " (transposed)" } else { "" },
            if trans_a { " (transposed)" } else { "" }
        )));
    }
    let weights = if chain.batched {
        rows_times(1, (k, out), bp, n)?
    } else if trans_a {
        // Y[i, j] = Σ_l A[l, i] B'[l, j]: A[l, i] is value l·rows + i.
        let mut w = zeros(rows * out, rows * k, n)?;
        for i in 0..rows {
            for j in 0..out {
                for l in 0..k {
                    w[(i * out + j, l * rows + i)] = bp(l, j);
                }
            }
        }
        w
    } else {
        rows_times(rows, (k, out), bp, n)?
    };
    let bias = gemm_bias(chain, n, &beta, rows, out)?;
    chain.push_dense(weights, bias, n.at)?;
    chain.dims = vec![rows, out];
    Ok(())
}

/// `beta · C` for each output value: `C` broadcast to `[rows, out]` (for a batch, to one
/// row of `out`).
fn gemm_bias(chain: &Chain, n: &Node, beta: &Q, rows: usize, out: usize) -> Result<Vec<Q>> {
    let Some(c) = n.inputs.get(2) else {
        if n.named(2) {
            return Err(n.err("the Gemm bias C must be a constant"));
        }
        let len = if chain.batched { out } else { rows * out };
        return Ok(vec![Q::ZERO; len]);
    };
    let v = if chain.batched {
        broadcast_vector(c, out)
    } else {
        broadcast_to(c, &[rows, out])
    };
    let v = v.ok_or_else(|| {
        n.err(format!(
            "the Gemm bias C has shape {:?}; expected one that broadcasts to [{rows}, {out}] (e.g. [{out}], [1, {out}] or a scalar)",
            c.dims
        ))
    })?;
    Ok(v.into_iter().map(|x| x * beta).collect())
}
