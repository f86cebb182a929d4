//! The operators that change how the value's values are laid out: `Flatten`, `Reshape`,
//! `Squeeze`, `Unsqueeze` (new dims, same row-major order) and `Transpose` (a permutation:
//! at the input it sets the input's layout, later the next dense layer absorbs it).

use super::chain::Chain;
use super::ops::Node;
use super::tensor::ints_of;
use crate::error::Result;

/// `Flatten` at `axis`: dims `[d_0 ... d_{axis-1}]` and the rest, each multiplied out.
pub(super) fn flatten(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&["axis"])?;
    let rank = chain.dims.len();
    let axis = n.attrs.int("axis", 1)?;
    let a = if axis < 0 { axis + rank as i64 } else { axis };
    let Some(a) = usize::try_from(a).ok().filter(|&a| a <= rank) else {
        return Err(n.err(format!(
            "Flatten axis {axis} is out of range for the value's dims {:?}",
            chain.dims
        )));
    };
    let dims = vec![
        chain.dims[..a].iter().product(),
        chain.dims[a..].iter().product(),
    ];
    chain.relabel(dims, n.at)
}

/// `Reshape` to any dims of the same size.
pub(super) fn reshape(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&["allowzero"])?;
    n.only_first("Reshape")?;
    let allowzero = n.attrs.int("allowzero", 0)? != 0;
    let target = n.need(1, "the Reshape shape")?;
    let target =
        ints_of(target).ok_or_else(|| n.err("the Reshape shape is not a list of integers"))?;
    let resolved = reshape_target(n, &target, &chain.dims, allowzero)?;
    chain.relabel(resolved, n.at)
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
            d if d >= 0 => Some(usize::try_from(d).unwrap_or(usize::MAX)),
            _ => return Err(n.err(format!("invalid Reshape shape {target:?}"))),
        });
    }
    let known = dims
        .iter()
        .flatten()
        .try_fold(1usize, |a, &d| a.checked_mul(d));
    let unknown = dims.iter().filter(|d| d.is_none()).count();
    let resolved: Option<Vec<usize>> = match (unknown, known) {
        (0, Some(k)) if k == total => dims.iter().copied().collect(),
        (1, Some(k)) if k > 0 && total.is_multiple_of(k) => {
            dims.iter().map(|d| Some(d.unwrap_or(total / k))).collect()
        }
        _ => None,
    };
    resolved.ok_or_else(|| {
        n.err(format!(
            "Reshape to {target:?} does not fit a value of shape {full:?}"
        ))
    })
}

/// `Squeeze` and `Unsqueeze` of the value: dims of size 1 removed or inserted.
pub(super) fn squeeze_or_unsqueeze(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&["axes"])?;
    n.only_first(n.op_type())?;
    let axes = match n.inputs.get(1) {
        Some(t) => Some(ints_of(t).ok_or_else(|| n.err("the axes are not integers"))?),
        None if n.named(1) => return Err(n.err("the axes must be a constant")),
        None => n.attrs.ints("axes")?,
    };
    let squeeze = n.op_type() == "Squeeze";
    let d = &chain.dims;
    let rank = if squeeze {
        d.len()
    } else {
        d.len() + axes.as_ref().map_or(0, Vec::len)
    };
    let axis = |a: i64| {
        let v = if a < 0 { a + rank as i64 } else { a };
        usize::try_from(v)
            .ok()
            .filter(|&v| v < rank)
            .ok_or_else(|| n.err(format!("axis {a} is out of range for rank {rank}")))
    };
    let mut axes = match axes {
        Some(a) => a.into_iter().map(axis).collect::<Result<Vec<_>>>()?,
        None if squeeze => (0..d.len()).filter(|&k| d[k] == 1).collect(),
        None => return Err(n.err("Unsqueeze without axes")),
    };
    axes.sort_unstable();
    let dims = if squeeze {
        if let Some(&a) = axes.iter().find(|&&a| d[a] != 1) {
            return Err(n.err(format!("Squeeze of axis {a}, which has size {}", d[a])));
        }
        d.iter()
            .enumerate()
            .filter(|(k, _)| !axes.contains(k))
            .map(|(_, &x)| x)
            .collect()
    } else {
        let mut dims = d.clone();
        for a in axes {
            dims.insert(a.min(dims.len()), 1);
        }
        dims
    };
    chain.relabel(dims, n.at)
}

/// `Transpose` of the value by `perm` (default: the axes reversed).
pub(super) fn transpose(chain: &mut Chain, n: &Node) -> Result<()> {
    n.attrs.check_known(&["perm"])?;
    let d = chain.dims.clone();
    let r = d.len();
    let perm: Vec<usize> = match n.attrs.ints("perm")? {
        None => (0..r).rev().collect(),
        Some(p) => p
            .iter()
            .map(|&a| usize::try_from(a).ok().filter(|&a| a < r))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| n.err(format!("perm {p:?} is not a permutation of 0..{r}")))?,
    };
    let mut seen = vec![false; r];
    if perm.len() != r || perm.iter().any(|&a| std::mem::replace(&mut seen[a], true)) {
        return Err(n.err(format!("perm {perm:?} is not a permutation of 0..{r}")));
    }
    let out: Vec<usize> = perm.iter().map(|&a| d[a]).collect();
    // Axes of size 1 move freely: if the others keep their order, only the dims change.
    let moved: Vec<usize> = perm.iter().copied().filter(|&a| d[a] != 1).collect();
    if moved.windows(2).all(|w| w[0] < w[1]) {
        return chain.relabel(out, n.at);
    }
    if chain.batched && chain.batch > 1 && perm[0] != 0 {
        return Err(n.err(format!(
            "Transpose {perm:?} moves the batch of {} samples; export with batch size 1",
            chain.batch
        )));
    }
    // Strides of the input's axes; output value e comes from input value Σ coord_i·stride[perm[i]].
    let mut stride = vec![1usize; r];
    for k in (0..r.saturating_sub(1)).rev() {
        stride[k] = stride[k + 1] * d[k + 1];
    }
    let total: usize = d.iter().product();
    let per_sample = chain.shape.size();
    let from: Vec<usize> = (0..total)
        .map(|e| {
            let (mut rem, mut idx) = (e, 0);
            for i in (0..r).rev() {
                idx += (rem % out[i]) * stride[perm[i]];
                rem /= out[i];
            }
            idx
        })
        .collect();
    // With a batch of several samples (perm[0] = 0) each sample is permuted alike.
    let from = from[..per_sample].to_vec();
    chain.permute(from, out, n.at)
}
