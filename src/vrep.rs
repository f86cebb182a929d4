//! Exact V-representation cells for region enumeration on bounded domains.
//!
//! A [`VCell`] is a bounded, full-dimensional convex polytope given by its exact vertices and,
//! for every vertex, the set of constraints tight there (its incidence). Constraints are named
//! by *local ids*: their positions in the cell's constraint list (the domain's constraints
//! first, then every cutting hyperplane in the order it was added), which the enumerator
//! keeps alongside.
//!
//! Cutting a cell by a hyperplane `h(y) = row·y + off` needs no LP: the signs of `h` at the
//! vertices decide everything. The side `h >= 0` is full-dimensional iff some vertex has
//! `h > 0`, and it is the whole cell iff no vertex has `h < 0`. When the hyperplane really
//! cuts, the new vertices are the points where `h = 0` meets the edges joining a vertex with
//! `h > 0` to one with `h < 0`; vertices with `h = 0` belong to both sides.
//!
//! * 1-D: an interval `[lo, hi]` with the ids of the constraints at both ends.
//! * 2-D: a convex polygon, vertices counter-clockwise, with the id of the constraint
//!   carrying each edge; a line clips it in one pass.
//! * General dimension: vertices with incidence bitsets; two vertices `u`, `v` are adjacent
//!   iff no third vertex `w` has `Z(u) ∩ Z(v) ⊆ Z(w)` (the combinatorial test of the double
//!   description method, exact for any constraint system, degenerate or not) and
//!   `|Z(u) ∩ Z(v)| >= d - 1`.
//!
//! Every decision is an exact sign of a [`Q`].

use crate::arith::Q;
use crate::domain::{Domain, DomainKind};
use crate::linalg::{HalfSpace, Matrix};
use std::cmp::Ordering;

/// The largest dimension in which boxes are handled with vertices (a `d`-cube has `2^d`).
pub(crate) const MAX_VREP_DIM: usize = 6;

/// One side of a cut.
#[derive(Clone, Debug)]
pub(crate) enum Side {
    /// The side contains the whole cell: no constraint is needed.
    Whole,
    /// The side has empty interior in the cell.
    Empty,
    /// A proper part, with the cutting hyperplane as a new constraint.
    Part(VCell),
}

/// A bounded full-dimensional polytope with exact vertices and incidences.
#[derive(Clone, Debug)]
pub(crate) enum VCell {
    /// `[lo, hi]`, `lo < hi`; the constraints tight at the two ends.
    Interval {
        lo: Q,
        hi: Q,
        lo_id: u32,
        hi_id: u32,
    },
    /// Counter-clockwise vertices; edge `i` joins vertex `i` to vertex `i + 1` (cyclically)
    /// and lies on constraint `edges[i]`.
    Polygon { pts: Vec<[Q; 2]>, edges: Vec<u32> },
    /// Vertices (flat, `dim` coordinates each) and incidence bitsets (`words` each).
    General(General),
}

#[derive(Clone, Debug)]
pub(crate) struct General {
    dim: usize,
    words: usize,
    verts: Vec<Q>,
    inc: Vec<u64>,
}

impl General {
    fn len(&self) -> usize {
        self.verts.len() / self.dim
    }

    fn vert(&self, i: usize) -> &[Q] {
        &self.verts[i * self.dim..(i + 1) * self.dim]
    }

    fn inc(&self, i: usize) -> &[u64] {
        &self.inc[i * self.words..(i + 1) * self.words]
    }

    fn tight(&self, i: usize, id: u32) -> bool {
        let w = id as usize / 64;
        w < self.words && self.inc[i * self.words + w] >> (id % 64) & 1 == 1
    }
}

fn eval(row: &[Q], off: &Q, p: &[Q]) -> Q {
    let mut acc = off.clone();
    for (a, x) in row.iter().zip(p) {
        if !a.is_zero() && !x.is_zero() {
            acc += a * x;
        }
    }
    acc
}

/// `(vu·v - vv·u) / (vu - vv)`: the point of the segment `[u, v]` where an affine function
/// with values `vu` at `u` and `vv` at `v` (of opposite signs) vanishes.
fn crossing<'a>(u: &'a [Q], v: &'a [Q], vu: &Q, vv: &Q) -> impl Iterator<Item = Q> + 'a {
    let den = (vu - vv).recip().expect("opposite signs");
    let (a, b) = (vu * &den, vv * &den);
    u.iter().zip(v).map(
        move |(x, y)| {
            if x == y { x.clone() } else { &a * y - &b * x }
        },
    )
}

impl VCell {
    /// The domain as a cell: its constraints get local ids `0..m` in the order of
    /// `dom.polytope().constraints()`. `None` when the domain is unbounded or too
    /// high-dimensional for vertices.
    pub(crate) fn from_domain(dom: &Domain) -> Option<VCell> {
        if !dom.is_bounded() {
            return None;
        }
        let k = dom.dim();
        let cons = dom.polytope().constraints();
        match k {
            1 => {
                // a·y <= b: an upper end for a > 0, a lower end for a < 0.
                let mut lo: Option<(Q, u32)> = None;
                let mut hi: Option<(Q, u32)> = None;
                for (i, h) in cons.iter().enumerate() {
                    let Some(inv) = h.a[0].recip() else {
                        if h.b.is_negative() {
                            return None;
                        }
                        continue;
                    };
                    let v = &h.b * &inv;
                    if h.a[0].is_positive() {
                        if hi.as_ref().is_none_or(|(x, _)| v < *x) {
                            hi = Some((v, i as u32));
                        }
                    } else if lo.as_ref().is_none_or(|(x, _)| v > *x) {
                        lo = Some((v, i as u32));
                    }
                }
                let ((lo, lo_id), (hi, hi_id)) = (lo?, hi?);
                (lo < hi).then_some(VCell::Interval {
                    lo,
                    hi,
                    lo_id,
                    hi_id,
                })
            }
            2 => {
                let v = dom.polytope().vertices_2d()?;
                if v.len() < 3 {
                    return None;
                }
                let n = v.len();
                let mut edges = Vec::with_capacity(n);
                for i in 0..n {
                    let (p, q) = (&v[i], &v[(i + 1) % n]);
                    let id = cons
                        .iter()
                        .position(|h| h.slack(p).is_zero() && h.slack(q).is_zero())?;
                    edges.push(id as u32);
                }
                let pts = v
                    .into_iter()
                    .map(|p| [p[0].clone(), p[1].clone()])
                    .collect();
                Some(VCell::Polygon { pts, edges })
            }
            _ if k <= MAX_VREP_DIM => {
                let DomainKind::Box { lo, hi } = dom.kind() else {
                    return None;
                };
                // Polytope::from_box: x_j <= hi_j is constraint 2j, -x_j <= -lo_j is 2j+1.
                if cons.len() != 2 * k {
                    return None;
                }
                let words = (2 * k).div_ceil(64);
                let mut verts = Vec::with_capacity(k << k);
                let mut inc = vec![0u64; words << k];
                for mask in 0..1usize << k {
                    for j in 0..k {
                        let up = mask >> j & 1 == 1;
                        verts.push(if up { hi[j].clone() } else { lo[j].clone() });
                        let id = 2 * j + usize::from(!up);
                        inc[mask * words + id / 64] |= 1 << (id % 64);
                    }
                }
                Some(VCell::General(General {
                    dim: k,
                    words,
                    verts,
                    inc,
                }))
            }
            _ => None,
        }
    }

    /// Cuts by `h(y) = row·y + off` (a non-zero `row`): the sides `h >= 0` and `h <= 0`,
    /// the new hyperplane getting the local id `id` in both.
    pub(crate) fn split(&self, row: &[Q], off: &Q, id: u32) -> (Side, Side) {
        match self {
            VCell::Interval {
                lo,
                hi,
                lo_id,
                hi_id,
            } => {
                let (sl, sh) = (&row[0] * lo + off, &row[0] * hi + off);
                match trivial(
                    sl.is_positive() || sh.is_positive(),
                    sl.is_negative() || sh.is_negative(),
                ) {
                    Some(sides) => sides,
                    None => {
                        let r = -(off / &row[0]);
                        let left = VCell::Interval {
                            lo: lo.clone(),
                            hi: r.clone(),
                            lo_id: *lo_id,
                            hi_id: id,
                        };
                        let right = VCell::Interval {
                            lo: r,
                            hi: hi.clone(),
                            lo_id: id,
                            hi_id: *hi_id,
                        };
                        if sl.is_positive() {
                            (Side::Part(left), Side::Part(right))
                        } else {
                            (Side::Part(right), Side::Part(left))
                        }
                    }
                }
            }
            VCell::Polygon { pts, edges } => split_polygon(pts, edges, row, off, id),
            VCell::General(g) => split_general(g, row, off, id),
        }
    }

    /// A point strictly inside: the average of the vertices.
    pub(crate) fn interior_point(&self) -> Vec<Q> {
        match self {
            VCell::Interval { lo, hi, .. } => vec![(lo + hi) * Q::new(1, 2)],
            VCell::Polygon { pts, .. } => {
                let n = Q::from_int(pts.len() as i64);
                (0..2)
                    .map(|j| pts.iter().map(|p| &p[j]).sum::<Q>() / &n)
                    .collect()
            }
            VCell::General(g) => {
                let n = Q::from_int(g.len() as i64);
                (0..g.dim)
                    .map(|j| (0..g.len()).map(|i| &g.vert(i)[j]).sum::<Q>() / &n)
                    .collect()
            }
        }
    }

    /// The local ids of the constraints that define facets, ascending. A constraint is a
    /// facet iff the vertices tight on it span an affine space of dimension `d - 1`. Of
    /// several constraints on the same facet only the first is kept when `cons` (the cell's
    /// constraints by local id) is given.
    pub(crate) fn facet_ids(&self, cons: &[HalfSpace]) -> Vec<u32> {
        let mut ids: Vec<u32> = match self {
            VCell::Interval { lo_id, hi_id, .. } => vec![*lo_id, *hi_id],
            VCell::Polygon { edges, .. } => edges.clone(),
            VCell::General(g) => {
                let m = (g.words * 64).min(cons.len());
                (0..m as u32)
                    .filter(|&id| {
                        let on: Vec<usize> = (0..g.len()).filter(|&i| g.tight(i, id)).collect();
                        on.len() >= g.dim && affine_rank(g, &on) == g.dim - 1
                    })
                    .collect()
            }
        };
        ids.sort_unstable();
        // Constraints tight on a whole facet define its hyperplane; a later constraint on the
        // same hyperplane never cuts, so it is tight on the same facet only as a duplicate.
        let mut seen: Vec<HalfSpace> = Vec::with_capacity(ids.len());
        ids.retain(|&id| {
            let h = cons[id as usize].normalized();
            if seen.contains(&h) {
                false
            } else {
                seen.push(h);
                true
            }
        });
        ids
    }

    /// The vertices: 1-D sorted; 2-D counter-clockwise, starting from the vertex at the
    /// smallest angle (from the positive x-axis) around the centroid of the vertices, as
    /// [`crate::Polytope::vertices_2d`] orders them; otherwise in no particular order.
    pub(crate) fn vertices(&self) -> Vec<Vec<Q>> {
        match self {
            VCell::Interval { lo, hi, .. } => vec![vec![lo.clone()], vec![hi.clone()]],
            VCell::Polygon { pts, .. } => {
                let n = Q::from_int(pts.len() as i64);
                let cx = pts.iter().map(|p| &p[0]).sum::<Q>() / &n;
                let cy = pts.iter().map(|p| &p[1]).sum::<Q>() / &n;
                let key = |p: &[Q; 2]| (&p[0] - &cx, &p[1] - &cy);
                let lower =
                    |(dx, dy): &(Q, Q)| !(dy.is_positive() || (dy.is_zero() && dx.is_positive()));
                let cmp = |p: &[Q; 2], q: &[Q; 2]| {
                    let (u, w) = (key(p), key(q));
                    lower(&u).cmp(&lower(&w)).then_with(|| {
                        let cross = &u.0 * &w.1 - &u.1 * &w.0;
                        Q::ZERO.cmp(&cross)
                    })
                };
                let mut start = 0;
                for i in 1..pts.len() {
                    if cmp(&pts[i], &pts[start]) == Ordering::Less {
                        start = i;
                    }
                }
                (0..pts.len())
                    .map(|i| pts[(start + i) % pts.len()].to_vec())
                    .collect()
            }
            VCell::General(g) => (0..g.len()).map(|i| g.vert(i).to_vec()).collect(),
        }
    }

    /// For 1-D and 2-D: the facet on constraint `id` as a closed interval of one coordinate
    /// along its hyperplane (`(coordinate, lo, hi)`), so that two facets on the same
    /// hyperplane overlap in a set of positive measure iff their intervals overlap in more
    /// than a point. In 1-D the facet is a point and the interval is empty of length.
    pub(crate) fn facet_extent(&self, id: u32) -> Option<(usize, Q, Q)> {
        match self {
            VCell::Interval {
                lo,
                hi,
                lo_id,
                hi_id,
            } => {
                if *lo_id == id {
                    Some((0, lo.clone(), lo.clone()))
                } else if *hi_id == id {
                    Some((0, hi.clone(), hi.clone()))
                } else {
                    None
                }
            }
            VCell::Polygon { pts, edges } => {
                let i = edges.iter().position(|&e| e == id)?;
                let (p, q) = (&pts[i], &pts[(i + 1) % pts.len()]);
                // The coordinate that varies along the edge.
                let c = if p[0] != q[0] { 0 } else { 1 };
                let (a, b) = (p[c].clone(), q[c].clone());
                Some(if a <= b { (c, a, b) } else { (c, b, a) })
            }
            VCell::General(_) => None,
        }
    }
}

/// The sides when no vertex is on one of them: `(Whole, Empty)` or `(Empty, Whole)`.
fn trivial(has_pos: bool, has_neg: bool) -> Option<(Side, Side)> {
    if !has_neg {
        debug_assert!(has_pos, "the hyperplane contains the cell");
        Some((Side::Whole, Side::Empty))
    } else if !has_pos {
        Some((Side::Empty, Side::Whole))
    } else {
        None
    }
}

fn split_polygon(pts: &[[Q; 2]], edges: &[u32], row: &[Q], off: &Q, id: u32) -> (Side, Side) {
    let vals: Vec<Q> = pts.iter().map(|p| eval(row, off, p)).collect();
    if let Some(sides) = trivial(
        vals.iter().any(Q::is_positive),
        vals.iter().any(Q::is_negative),
    ) {
        return sides;
    }
    let n = pts.len();
    // One pass for both sides: (point, edge leaving it, on the line).
    let mut pos: Vec<([Q; 2], u32, bool)> = Vec::with_capacity(n + 1);
    let mut neg: Vec<([Q; 2], u32, bool)> = Vec::with_capacity(n + 1);
    for i in 0..n {
        let j = if i + 1 == n { 0 } else { i + 1 };
        let (s, t) = (vals[i].signum(), vals[j].signum());
        if s >= 0 {
            pos.push((pts[i].clone(), edges[i], s == 0));
        }
        if s <= 0 {
            neg.push((pts[i].clone(), edges[i], s == 0));
        }
        if s * t < 0 {
            let mut it = crossing(&pts[i], &pts[j], &vals[i], &vals[j]);
            let x = [it.next().expect("x"), it.next().expect("y")];
            pos.push((x.clone(), edges[i], true));
            neg.push((x, edges[i], true));
        }
    }
    let finish = |mut v: Vec<([Q; 2], u32, bool)>| {
        let m = v.len();
        for a in 0..m {
            if v[a].2 && v[(a + 1) % m].2 {
                v[a].1 = id;
            }
        }
        let (pts, edges) = v.into_iter().map(|(p, e, _)| (p, e)).unzip();
        Side::Part(VCell::Polygon { pts, edges })
    };
    (finish(pos), finish(neg))
}

fn split_general(g: &General, row: &[Q], off: &Q, id: u32) -> (Side, Side) {
    let n = g.len();
    let vals: Vec<Q> = (0..n).map(|i| eval(row, off, g.vert(i))).collect();
    if let Some(sides) = trivial(
        vals.iter().any(Q::is_positive),
        vals.iter().any(Q::is_negative),
    ) {
        return sides;
    }
    let d = g.dim;
    let words = g.words.max(id as usize / 64 + 1);
    let bit = |inc: &mut [u64]| inc[id as usize / 64] |= 1 << (id % 64);
    let mut pos = General {
        dim: d,
        words,
        verts: Vec::new(),
        inc: Vec::new(),
    };
    let mut neg = pos.clone();
    let push = |c: &mut General, v: &[Q], inc: &[u64], on: bool| {
        c.verts.extend_from_slice(v);
        let start = c.inc.len();
        c.inc.extend_from_slice(inc);
        c.inc.resize(start + words, 0);
        if on {
            bit(&mut c.inc[start..]);
        }
    };
    for i in 0..n {
        let s = vals[i].signum();
        if s >= 0 {
            push(&mut pos, g.vert(i), g.inc(i), s == 0);
        }
        if s <= 0 {
            push(&mut neg, g.vert(i), g.inc(i), s == 0);
        }
    }
    let mut common = vec![0u64; g.words];
    for u in (0..n).filter(|&i| vals[i].is_positive()) {
        for v in (0..n).filter(|&i| vals[i].is_negative()) {
            let mut count = 0;
            for (c, (a, b)) in common.iter_mut().zip(g.inc(u).iter().zip(g.inc(v))) {
                *c = a & b;
                count += c.count_ones() as usize;
            }
            if count + 1 < d {
                continue;
            }
            let adjacent = (0..n)
                .all(|w| w == u || w == v || common.iter().zip(g.inc(w)).any(|(c, z)| c & !z != 0));
            if !adjacent {
                continue;
            }
            let x: Vec<Q> = crossing(g.vert(u), g.vert(v), &vals[u], &vals[v]).collect();
            push(&mut pos, &x, &common, true);
            push(&mut neg, &x, &common, true);
        }
    }
    (
        Side::Part(VCell::General(pos)),
        Side::Part(VCell::General(neg)),
    )
}

/// The dimension of the affine hull of the vertices `on` (at least one).
fn affine_rank(g: &General, on: &[usize]) -> usize {
    let first = g.vert(on[0]);
    let rows: Vec<Vec<Q>> = on[1..]
        .iter()
        .map(|&i| g.vert(i).iter().zip(first).map(|(a, b)| a - b).collect())
        .collect();
    if rows.is_empty() {
        return 0;
    }
    Matrix::from_rows(rows).map_or(0, |m| m.rank())
}
