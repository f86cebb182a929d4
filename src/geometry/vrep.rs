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
//! Every decision is an exact sign. While a cell's vertices fit `i128` (integers over a
//! common denominator) the signs are integer dot products; otherwise the vertices are
//! [`Lazy`]: enclosures in `f64` intervals that decide most signs ([`crate::exact::filtered::sign`]),
//! and exact coordinates computed only when an enclosure cannot decide or an output needs
//! them.

use crate::exact::decimal::is_long;
use crate::exact::filtered::{self, Iv};
use crate::exact::linalg::{HalfSpace, Matrix};
use crate::exact::rational::{Q, affine_sign};
use crate::geometry::lazy::{self, Lazy, Plane, Vertex};
use crate::geometry::polytope::Polytope;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};

/// The largest dimension in which boxes are handled with vertices (a `d`-cube has `2^d`).
pub(crate) const MAX_VREP_DIM: usize = lazy::MAX_DIM;

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
    /// `ints` holds each vertex over a common denominator, `[x, y, den]`, when it fits.
    Polygon {
        pts: Vec<Vertex>,
        ints: Vec<Option<[i128; 3]>>,
        edges: Vec<u32>,
    },
    /// Vertices (flat, `dim` coordinates each) and incidence bitsets (`words` each).
    General(General),
}

#[derive(Clone, Debug)]
pub(crate) struct General {
    dim: usize,
    words: usize,
    coords: Coords,
    inc: Vec<u64>,
    /// An enclosing box of the cell (the hull of its vertices' enclosures), made at its
    /// first cut with lazy vertices: most cuts miss the cell, and one that misses the box
    /// too is decided from `d` intervals instead of every vertex ([`General::box_misses`]).
    bbox: OnceLock<Box<[Iv]>>,
}

/// The vertices of a [`General`] cell, flat.
#[derive(Clone, Debug)]
enum Coords {
    /// Each vertex as `d` integer numerators and a positive common denominator (`d + 1`
    /// entries), while every vertex fits `i128`: cuts then need integer arithmetic only.
    Int(Vec<i128>),
    /// Lazy vertices (one entry each), once some vertex does not fit.
    Lazy(Vec<Vertex>),
}

impl General {
    /// The sides when `plane` has one strict sign on the whole enclosing box (then at
    /// every vertex: the cell is on that side), else `None`. The box's value is the one
    /// rigorous enclosure [`Plane::value_on`] gives, so a `Some` is what the vertices'
    /// signs give.
    fn box_misses(&self, verts: &[Vertex], plane: &Plane) -> Option<(Side, Side)> {
        let bbox = self.bbox.get_or_init(|| {
            let mut b: Vec<Iv> = verts.first().map_or_else(Vec::new, |v| v.iv().to_vec());
            for v in verts.iter().skip(1) {
                for (x, y) in b.iter_mut().zip(v.iv()) {
                    *x = x.hull(y);
                }
            }
            b.into_boxed_slice()
        });
        if bbox.len() != self.dim {
            return None;
        }
        let s = filtered::settled_sign(plane.value_on(bbox))?;
        trivial(s > 0, s < 0)
    }

    fn len(&self) -> usize {
        self.inc.len() / self.words
    }

    /// The integer form `[N.., D]` of vertex `i`, when the cell is in integers.
    fn int(&self, i: usize) -> Option<&[i128]> {
        match &self.coords {
            Coords::Int(v) => Some(&v[i * (self.dim + 1)..(i + 1) * (self.dim + 1)]),
            Coords::Lazy(_) => None,
        }
    }

    /// The exact coordinates of vertex `i`.
    fn vert(&self, i: usize) -> Cow<'_, [Q]> {
        match &self.coords {
            Coords::Int(v) => {
                let w = &v[i * (self.dim + 1)..(i + 1) * (self.dim + 1)];
                let den = w[self.dim];
                Cow::Owned(
                    w[..self.dim]
                        .iter()
                        .map(|&n| Q::from_i128_parts(n, den))
                        .collect(),
                )
            }
            Coords::Lazy(v) => Cow::Borrowed(v[i].exact()),
        }
    }

    /// The vertices as lazy vertices (given exactly from the integer forms).
    fn lazy(&self) -> Cow<'_, [Vertex]> {
        match &self.coords {
            Coords::Lazy(v) => Cow::Borrowed(v),
            Coords::Int(_) => Cow::Owned(
                (0..self.len())
                    .map(|i| Lazy::given(self.vert(i).into_owned()))
                    .collect(),
            ),
        }
    }

    /// The constraints (local ids below `m`) that define facets, from the incidences alone:
    /// each constraint `j` defines the face `F_j` spanned by the vertices tight on it, every
    /// facet of the cell is such a face (the constraints define the cell), and every proper
    /// face lies in a facet with strictly more vertices. So `F_j` is a facet iff no other
    /// constraint's vertex set strictly contains its own (and it is not empty). The
    /// incidences are exact: a constraint tight at a point inside an edge is tight at both
    /// ends, so a new vertex inherits exactly the common incidence of its edge.
    fn facet_ids(&self, m: usize) -> Vec<u32> {
        let (n, m) = (self.len(), (self.words * 64).min(m));
        let vw = n.div_ceil(64);
        let mut sets = vec![0u64; m * vw];
        for i in 0..n {
            for (w, &bits) in self.inc(i).iter().enumerate() {
                let mut b = bits;
                while b != 0 {
                    let id = w * 64 + b.trailing_zeros() as usize;
                    b &= b - 1;
                    if id < m {
                        sets[id * vw + i / 64] |= 1 << (i % 64);
                    }
                }
            }
        }
        let set = |j: usize| &sets[j * vw..(j + 1) * vw];
        let size = |j: usize| {
            set(j)
                .iter()
                .map(|w| w.count_ones() as usize)
                .sum::<usize>()
        };
        let inside = |a: &[u64], b: &[u64]| a.iter().zip(b).all(|(x, y)| x & !y == 0);
        let ids: Vec<u32> = (0..m)
            .filter(|&j| {
                let (a, k) = (set(j), size(j));
                k >= self.dim && !(0..m).any(|i| i != j && size(i) > k && inside(a, set(i)))
            })
            .map(|j| j as u32)
            .collect();
        debug_assert!(
            (0..m as u32).all(|id| {
                let on: Vec<usize> = (0..n).filter(|&i| self.tight(i, id)).collect();
                let facet = on.len() >= self.dim && affine_rank(self, &on) == self.dim - 1;
                facet == ids.contains(&id)
            }),
            "the incidence test agrees with the rank test"
        );
        ids
    }

    fn inc(&self, i: usize) -> &[u64] {
        &self.inc[i * self.words..(i + 1) * self.words]
    }

    fn tight(&self, i: usize, id: u32) -> bool {
        let w = id as usize / 64;
        w < self.words && self.inc[i * self.words + w] >> (id % 64) & 1 == 1
    }
}

/// `x` over a common denominator: `(numerators, denominator)` flattened as `[n.., den]`,
/// `None` when it does not fit `i128` (then the caller computes with [`Q`]).
pub(crate) fn int_form(x: &[Q]) -> Option<Vec<i128>> {
    use crate::exact::rational::{div_exact, divides};
    let mut den: i128 = 1;
    let mut parts = Vec::with_capacity(x.len());
    for v in x {
        let (n, d) = v.to_i64_pair()?;
        let (n, d) = (n as i128, d as i128);
        if !divides(d, den) {
            den = den.checked_mul(div_exact(d, gcd(den, d)))?;
        }
        parts.push((n, d));
    }
    let mut out = Vec::with_capacity(x.len() + 1);
    for (n, d) in parts {
        out.push(n.checked_mul(div_exact(den, d))?);
    }
    out.push(den);
    Some(out)
}

/// The constraint `a·x <= b` as the integer form of `a·x - b` (a positive multiple), for
/// [`VCell::facet_outside`] and [`strictly_inside`]; `None` when it does not fit.
pub(crate) fn constraint_form(h: &HalfSpace) -> Option<Vec<i128>> {
    int_plane(&h.a, &-&h.b)
}

/// Does the point (an integer form `[N.., D]`, `D > 0`) satisfy every constraint strictly
/// (each given by [`constraint_form`])? `false` also when a form is missing or a product
/// overflows: the answer is only used when `true`.
pub(crate) fn strictly_inside<'a>(
    point: &[i128],
    mut forms: impl Iterator<Item = Option<&'a [i128]>>,
) -> bool {
    forms.all(|f| f.and_then(|f| int_sign(f, point)) == Some(-1))
}

fn int2(p: &[Q]) -> Option<[i128; 3]> {
    int_form(p).map(|v| [v[0], v[1], v[2]])
}

/// `gcd(|a|, |b|)`; callers keep `i128::MIN` out, so the result fits.
fn gcd(a: i128, b: i128) -> i128 {
    crate::exact::rational::gcd_u128(a.unsigned_abs(), b.unsigned_abs()) as i128
}

/// `plane · point` for integer forms (`plane = [A.., B]` a positive multiple of
/// `[row.., off]`, `point = [N.., D]` with `x = N / D`): a positive multiple of
/// `row·x + off`. `None` on overflow.
fn int_dot(plane: &[i128], point: &[i128]) -> Option<i128> {
    let mut acc: i128 = 0;
    for (a, x) in plane.iter().zip(point) {
        acc = acc.checked_add(a.checked_mul(*x)?)?;
    }
    Some(acc)
}

/// The sign of `row·x + off` from integer forms (see [`int_dot`]), `None` on overflow.
fn int_sign(plane: &[i128], point: &[i128]) -> Option<i32> {
    int_dot(plane, point).map(|v| v.signum() as i32)
}

/// The integer form of the plane `row·y + off` (a positive multiple).
fn int_plane(row: &[Q], off: &Q) -> Option<Vec<i128>> {
    let mut all = Vec::with_capacity(row.len() + 1);
    all.extend_from_slice(row);
    all.push(off.clone());
    let mut v = int_form(&all)?;
    v.pop();
    Some(v)
}

/// The exact sign of the plane at a vertex, in integers when both forms fit, else filtered;
/// with an enclosure of the value there (zero in integers: not needed then).
fn sign_at(ints: Option<(&[i128], &[i128])>, plane: &Plane, p: &Lazy) -> (i8, Iv) {
    if let Some((a, x)) = ints
        && let Some(s) = int_sign(a, x)
    {
        return (s as i8, Iv::ZERO);
    }
    plane.sign_at(p)
}

/// In integers: the point where the plane (`[A.., B]`) meets the segment between the
/// points `u`, `v` (`[N.., D]` forms, on strictly opposite sides), as a reduced form with a
/// positive denominator; `None` on overflow.
fn int_crossing(plane: &[i128], u: &[i128], v: &[i128]) -> Option<Vec<i128>> {
    let mut w = Vec::with_capacity(u.len());
    int_crossing_into(int_dot(plane, u)?, int_dot(plane, v)?, u, v, &mut w)?;
    Some(w)
}

/// [`int_crossing`] with the plane's values `su` at `u` and `sv` at `v` given, the form
/// appended to `w`.
fn int_crossing_into(
    su: i128,
    sv: i128,
    u: &[i128],
    v: &[i128],
    out: &mut Vec<i128>,
) -> Option<()> {
    let start = out.len();
    let mut g = 0;
    // Products of values that fit i64 cannot overflow i128 (nor can their difference).
    let small = |x: i128| i64::try_from(x).is_ok();
    let fast = small(su) && small(sv) && u.iter().chain(v).all(|&x| small(x));
    for (a, b) in u.iter().zip(v) {
        let x = if fast {
            su * b - sv * a
        } else {
            su.checked_mul(*b)?.checked_sub(sv.checked_mul(*a)?)?
        };
        if x == i128::MIN {
            return None;
        }
        if g != 1 {
            g = gcd(g, x);
        }
        out.push(x);
    }
    let w = &mut out[start..];
    let den = *w.last()?;
    if den == 0 {
        return None;
    }
    let g = if den < 0 { -g } else { g };
    if g != 1 {
        for x in w.iter_mut() {
            *x /= g;
        }
    }
    Some(())
}

/// A point strictly inside a full-dimensional polytope from all its vertices: with every
/// vertex as `N_i / D_i` (`D_i > 0`), the point `Σ N_i / Σ D_i` is the convex combination with
/// weights `D_i / Σ D_i`, all positive, so it lies in the interior. Integer sums only; with
/// lazy vertices a simple rational near the centroid checked inside `cons`, else the plain
/// average of the vertices.
fn interior_from_vertices(g: &General, cons: &[HalfSpace], rows: &[&[(f64, f64)]]) -> Vec<Q> {
    let d = g.dim;
    let exact = match &g.coords {
        Coords::Int(v) => int_mediant(v, d),
        Coords::Lazy(_) => None,
    };
    if let Some(p) = exact.as_ref().filter(|p| !p.iter().any(is_long)) {
        return p.clone();
    }
    // A long point is what people would have to read: a simple one near the float
    // centroid instead, checked inside (cheaper than simplifying the long one).
    let mids: Vec<f64> = match &g.coords {
        Coords::Int(v) => (v.chunks(d + 1))
            .flat_map(|p| p[..d].iter().map(|&n| n as f64 / p[d] as f64))
            .collect(),
        Coords::Lazy(v) => v.iter().flat_map(|p| p.iv().iter().map(Iv::mid)).collect(),
    };
    if let Some(p) = lazy::simple_interior(d, &mids, cons, rows) {
        return p;
    }
    exact.unwrap_or_else(|| {
        let n = Q::from_int(g.len() as i64);
        (0..d)
            .map(|j| (0..g.len()).map(|i| g.vert(i)[j].clone()).sum::<Q>() / &n)
            .collect()
    })
}

/// `Σ N_i / Σ D_i` of integer vertices `[N_i.., D_i]`, when the sums fit.
fn int_mediant(v: &[i128], d: usize) -> Option<Vec<Q>> {
    let mut sum = vec![0i128; d + 1];
    for p in v.chunks(d + 1) {
        for (s, x) in sum.iter_mut().zip(p) {
            *s = s.checked_add(*x)?;
        }
    }
    let den = sum[d];
    Some(
        sum[..d]
            .iter()
            .map(|&n| Q::from_i128_parts(n, den))
            .collect(),
    )
}

impl VCell {
    /// A bounded domain's polytope as a cell: its constraints get local ids `0..m` in their
    /// order. `None` when it is unbounded, or above 2-D not a box of
    /// [`Polytope::from_box`], or too high-dimensional for vertices.
    pub(crate) fn from_polytope(poly: &Polytope) -> Option<VCell> {
        let k = poly.dim();
        let cons = poly.constraints();
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
                let v = poly.vertices_2d()?;
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
                let ints = v.iter().map(|p| int2(p)).collect();
                let pts = v.into_iter().map(Lazy::given).collect();
                Some(VCell::Polygon { pts, ints, edges })
            }
            _ if k <= MAX_VREP_DIM => {
                let (lo, hi) = box_bounds(cons, k)?;
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
                let ints: Option<Vec<Vec<i128>>> = verts.chunks(k).map(int_form).collect();
                let coords = match ints {
                    Some(v) => Coords::Int(v.concat()),
                    None => {
                        Coords::Lazy(verts.chunks(k).map(|p| Lazy::given(p.to_vec())).collect())
                    }
                };
                Some(VCell::General(General {
                    dim: k,
                    words,
                    coords,
                    inc,
                    bbox: OnceLock::new(),
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
            VCell::Polygon { pts, ints, edges } => split_polygon(pts, ints, edges, row, off, id),
            VCell::General(g) => split_general(g, row, off, id),
        }
    }

    /// A point strictly inside (`cons` are the cell's constraints): the centroid of three
    /// consecutive vertices of a polygon (never collinear here), a positive combination of
    /// all vertices in higher dimension; when the vertices are not all in integers, first a
    /// simple rational near the centroid, checked inside `cons`.
    /// `rows` are the enclosed rows of `cons` ([`lazy::enclosed_row`]), or empty.
    pub(crate) fn interior_point(&self, cons: &[HalfSpace], rows: &[&[(f64, f64)]]) -> Vec<Q> {
        match self {
            VCell::Interval { lo, hi, .. } => vec![(lo + hi) * Q::new(1, 2)],
            VCell::Polygon { pts, ints, .. } => {
                let centroid = || -> Vec<Q> {
                    let three = Q::from_int(3);
                    (0..2)
                        .map(|j| {
                            (&pts[0].exact()[j] + &pts[1].exact()[j] + &pts[2].exact()[j]) / &three
                        })
                        .collect()
                };
                // In integers the centroid is cheap: kept when it is short to read.
                let exact = ints.iter().all(Option::is_some).then(centroid);
                if let Some(p) = exact.as_ref().filter(|p| !p.iter().any(is_long)) {
                    return p.clone();
                }
                let mids: Vec<f64> = pts
                    .iter()
                    .flat_map(|p| p.iv().iter().map(Iv::mid))
                    .collect();
                if let Some(p) = lazy::simple_interior(2, &mids, cons, rows) {
                    return p;
                }
                exact.unwrap_or_else(centroid)
            }
            VCell::General(g) => interior_from_vertices(g, cons, rows),
        }
    }

    /// The local ids of the constraints that define facets, ascending. A constraint is a
    /// facet iff the vertices tight on it span an affine space of dimension `d - 1` (in
    /// general dimension decided from the incidences, see [`General::facet_ids`]). Of
    /// several constraints on the same facet only the first is kept when `cons` (the cell's
    /// constraints by local id) is given.
    pub(crate) fn facet_ids(&self, cons: &[HalfSpace]) -> Vec<u32> {
        let mut ids: Vec<u32> = match self {
            VCell::Interval { lo_id, hi_id, .. } => vec![*lo_id, *hi_id],
            VCell::Polygon { edges, .. } => edges.clone(),
            VCell::General(g) => g.facet_ids(cons.len()),
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
                // Angles around the centroid, scaled by the number of vertices (no division).
                let n = Q::from_int(pts.len() as i64);
                let pts: Vec<&[Q]> = pts.iter().map(|p| p.exact()).collect();
                let cx = pts.iter().map(|p| &p[0]).sum::<Q>();
                let cy = pts.iter().map(|p| &p[1]).sum::<Q>();
                let key = |p: &[Q]| (&p[0] * &n - &cx, &p[1] * &n - &cy);
                let lower =
                    |(dx, dy): &(Q, Q)| !(dy.is_positive() || (dy.is_zero() && dx.is_positive()));
                let cmp = |p: &[Q], q: &[Q]| {
                    let (u, w) = (key(p), key(q));
                    lower(&u).cmp(&lower(&w)).then_with(|| {
                        let cross = &u.0 * &w.1 - &u.1 * &w.0;
                        Q::ZERO.cmp(&cross)
                    })
                };
                let mut start = 0;
                for i in 1..pts.len() {
                    if cmp(pts[i], pts[start]) == Ordering::Less {
                        start = i;
                    }
                }
                (0..pts.len())
                    .map(|i| pts[(start + i) % pts.len()].to_vec())
                    .collect()
            }
            VCell::General(g) => (0..g.len()).map(|i| g.vert(i).into_owned()).collect(),
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
            VCell::Polygon { pts, edges, .. } => {
                let i = edges.iter().position(|&e| e == id)?;
                let (p, q) = (pts[i].exact(), pts[(i + 1) % pts.len()].exact());
                // The coordinate that varies along the edge.
                let c = if p[0] != q[0] { 0 } else { 1 };
                let (a, b) = (p[c].clone(), q[c].clone());
                Some(if a <= b { (c, a, b) } else { (c, b, a) })
            }
            VCell::General(_) => None,
        }
    }
}

impl VCell {
    /// In general dimension: do all vertices tight on constraint `id` satisfy
    /// `h.a·x >= h.b` (lie outside or on the boundary of `h`)? Exact, in integers when the
    /// forms fit.
    /// `form` is [`constraint_form`]`(h)`, computed once by the caller.
    pub(crate) fn facet_outside(&self, id: u32, h: &HalfSpace, form: Option<&[i128]>) -> bool {
        let VCell::General(g) = self else {
            return false;
        };
        // The enclosures of `h`, made on the first lazy vertex.
        let h_iv = std::cell::OnceCell::new();
        (0..g.len()).filter(|&i| g.tight(i, id)).all(|i| {
            if let Some(s) = form.zip(g.int(i)).and_then(|(a, x)| int_sign(a, x)) {
                return s >= 0;
            }
            let s = match &g.coords {
                Coords::Lazy(v) => {
                    let (a, off): &(Vec<Iv>, Iv) = h_iv
                        .get_or_init(|| (h.a.iter().map(Iv::from_q).collect(), -Iv::from_q(&h.b)));
                    filtered::sign(
                        || filtered::affine(a, off, v[i].iv()),
                        || affine_sign(&h.a, &-&h.b, v[i].exact()),
                    )
                }
                Coords::Int(_) => affine_sign(&h.a, &-&h.b, &g.vert(i)),
            };
            s >= 0
        })
    }

    /// In general dimension: a point in the relative interior of the facet on constraint
    /// `id`, as an integer form `[N.., D]`: `Σ N_i / Σ D_i` over the facet's vertices, a
    /// convex combination with positive weights. `None` when the cell is not in integers or
    /// a sum overflows.
    pub(crate) fn facet_center(&self, id: u32) -> Option<Vec<i128>> {
        let VCell::General(g) = self else {
            return None;
        };
        let mut sum = vec![0i128; g.dim + 1];
        for i in (0..g.len()).filter(|&i| g.tight(i, id)) {
            for (s, x) in sum.iter_mut().zip(g.int(i)?) {
                *s = s.checked_add(*x)?;
            }
        }
        (sum[g.dim] > 0).then_some(sum)
    }

    /// In general dimension: the bounding box (`(min, max)` per coordinate) of the vertices
    /// tight on constraint `id`, `None` in 1-D and 2-D or when no vertex is tight.
    pub(crate) fn facet_box(&self, id: u32) -> Option<Vec<(Q, Q)>> {
        let VCell::General(g) = self else {
            return None;
        };
        let mut out: Option<Vec<(Q, Q)>> = None;
        for i in (0..g.len()).filter(|&i| g.tight(i, id)) {
            let v = g.vert(i);
            let v = &v[..];
            match &mut out {
                None => out = Some(v.iter().map(|x| (x.clone(), x.clone())).collect()),
                Some(b) => {
                    for ((lo, hi), x) in b.iter_mut().zip(v) {
                        if x < lo {
                            *lo = x.clone();
                        } else if x > hi {
                            *hi = x.clone();
                        }
                    }
                }
            }
        }
        out
    }
}

/// The bounds `(lo, hi)` of a box whose constraints are in the order of
/// [`Polytope::from_box`] (`x_j <= hi_j` is constraint `2j`, `-x_j <= -lo_j` is `2j + 1`),
/// `None` for any other list.
fn box_bounds(cons: &[HalfSpace], k: usize) -> Option<(Vec<Q>, Vec<Q>)> {
    if cons.len() != 2 * k {
        return None;
    }
    let unit = |h: &HalfSpace, j: usize, sign: &Q| {
        h.a.iter()
            .enumerate()
            .all(|(i, v)| if i == j { v == sign } else { v.is_zero() })
    };
    let mut lo = Vec::with_capacity(k);
    let mut hi = Vec::with_capacity(k);
    for j in 0..k {
        let (up, down) = (&cons[2 * j], &cons[2 * j + 1]);
        if !unit(up, j, &Q::ONE) || !unit(down, j, &-Q::ONE) {
            return None;
        }
        hi.push(up.b.clone());
        lo.push(-&down.b);
    }
    lo.iter().zip(&hi).all(|(a, b)| a < b).then_some((lo, hi))
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

/// The sides when the plane's enclosures at every vertex have one strict sign (the cell
/// lies on that side), else `None`.
fn misses_on_enclosures(pts: &[Vertex], plane: &Plane) -> Option<(Side, Side)> {
    let first = filtered::settled_sign(plane.value_iv(pts.first()?))?;
    for p in &pts[1..] {
        if filtered::settled_sign(plane.value_iv(p))? != first {
            return None;
        }
    }
    trivial(first > 0, first < 0)
}

fn split_polygon(
    pts: &[Vertex],
    ints: &[Option<[i128; 3]>],
    edges: &[u32],
    row: &[Q],
    off: &Q,
    id: u32,
) -> (Side, Side) {
    let plane = Arc::new(Plane::new(row, off));
    // Most cuts miss the cell: their enclosures show it, before any integer form.
    if let Some(sides) = misses_on_enclosures(pts, &plane) {
        return sides;
    }
    let int_pl = ints
        .iter()
        .any(Option::is_some)
        .then(|| int_plane(row, off))
        .flatten();
    let signs: Vec<(i8, Iv)> = pts
        .iter()
        .zip(ints)
        .map(|(p, x)| sign_at(int_pl.as_deref().zip(x.as_ref().map(|x| &x[..])), &plane, p))
        .collect();
    if let Some(sides) = trivial(signs.iter().any(|s| s.0 > 0), signs.iter().any(|s| s.0 < 0)) {
        return sides;
    }
    let n = pts.len();
    // One pass for both sides: (point, integer form, edge leaving it, on the line).
    type V = (Vertex, Option<[i128; 3]>, u32, bool);
    let mut pos: Vec<V> = Vec::with_capacity(n + 1);
    let mut neg: Vec<V> = Vec::with_capacity(n + 1);
    for i in 0..n {
        let j = if i + 1 == n { 0 } else { i + 1 };
        let (s, t) = (signs[i].0, signs[j].0);
        if s >= 0 {
            pos.push((Arc::clone(&pts[i]), ints[i], edges[i], s == 0));
        }
        if s <= 0 {
            neg.push((Arc::clone(&pts[i]), ints[i], edges[i], s == 0));
        }
        if s * t < 0 {
            let fast = match (&int_pl, &ints[i], &ints[j]) {
                (Some(a), Some(u), Some(v)) => int_crossing(a, u, v),
                _ => None,
            };
            let (x, xi) = match fast {
                Some(w) => (
                    Lazy::given(vec![
                        Q::from_i128_parts(w[0], w[2]),
                        Q::from_i128_parts(w[1], w[2]),
                    ]),
                    Some([w[0], w[1], w[2]]),
                ),
                None => {
                    let ((u, su), (v, sv)) = if s > 0 {
                        ((&pts[i], signs[i].1), (&pts[j], signs[j].1))
                    } else {
                        ((&pts[j], signs[j].1), (&pts[i], signs[i].1))
                    };
                    let (su, sv) = (filled(su, &plane, u), filled(sv, &plane, v));
                    (Lazy::crossing(u, v, su, sv, &plane), None)
                }
            };
            pos.push((Arc::clone(&x), xi, edges[i], true));
            neg.push((x, xi, edges[i], true));
        }
    }
    let finish = |mut v: Vec<V>| {
        let m = v.len();
        for a in 0..m {
            if v[a].3 && v[(a + 1) % m].3 {
                v[a].2 = id;
            }
        }
        let mut pts = Vec::with_capacity(m);
        let mut ints = Vec::with_capacity(m);
        let mut edges = Vec::with_capacity(m);
        for (p, x, e, _) in v {
            pts.push(p);
            ints.push(x);
            edges.push(e);
        }
        Side::Part(VCell::Polygon { pts, ints, edges })
    };
    (finish(pos), finish(neg))
}

/// The enclosure of the plane's value at a vertex: `iv` when the filter gave it, else (the
/// sign was found in integers) computed now.
fn filled(iv: Iv, plane: &Plane, v: &Lazy) -> Iv {
    if iv == Iv::ZERO {
        plane.sign_at(v).1
    } else {
        iv
    }
}

fn split_general(g: &General, row: &[Q], off: &Q, id: u32) -> (Side, Side) {
    // The integer form of the plane only for a cell in integers (a tuple would make it
    // for every cell).
    if matches!(g.coords, Coords::Int(_))
        && let Some(plane) = int_plane(row, off)
        && let Some(sides) = split_general_int(g, &plane, id)
    {
        return sides;
    }
    split_general_lazy(g, row, off, id)
}

/// The vertex pairs `(u, v)` with `h(u) > 0 > h(v)` joined by an edge, with the
/// incidence the crossing point inherits (`Z(u) ∩ Z(v)`, `words` words each, flat).
struct Edges {
    pairs: Vec<(usize, usize)>,
    common: Vec<u64>,
    words: usize,
}

impl Edges {
    fn len(&self) -> usize {
        self.pairs.len()
    }

    fn common(&self, e: usize) -> &[u64] {
        &self.common[e * self.words..(e + 1) * self.words]
    }
}

/// The vertex pairs joined by an edge that the cut crosses (see [`Edges`]).
///
/// Two vertices are adjacent iff `|Z(u) ∩ Z(v)| >= d - 1` and no third vertex is tight on
/// every constraint of `Z(u) ∩ Z(v)` (the combinatorial test). The scan of the third
/// vertices is skipped when `|Z(u) ∩ Z(v)| = d - 1` and `u` or `v` is simple (exactly `d`
/// tight constraints): the `d` constraints tight at a simple vertex have rank `d`, so the
/// `d - 1` shared ones are independent and their face is at most a segment; it holds `u`
/// and `v`, so it is the edge `[u, v]` and no third vertex lies on it.
fn crossing_edges(g: &General, signs: &[i8]) -> Edges {
    if g.words == 1 {
        return crossing_edges_1(g, signs);
    }
    let (n, d) = (g.len(), g.dim);
    let mut out = Edges {
        pairs: Vec::new(),
        common: Vec::new(),
        words: g.words,
    };
    let size = |i: usize| {
        g.inc(i)
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum::<usize>()
    };
    let mut common = vec![0u64; g.words];
    for u in (0..n).filter(|&i| signs[i] > 0) {
        let simple_u = size(u) == d;
        for v in (0..n).filter(|&i| signs[i] < 0) {
            let mut count = 0;
            for (c, (a, b)) in common.iter_mut().zip(g.inc(u).iter().zip(g.inc(v))) {
                *c = a & b;
                count += c.count_ones() as usize;
            }
            if count + 1 < d {
                continue;
            }
            let shortcut = count + 1 == d && (simple_u || size(v) == d);
            let adjacent = (shortcut && {
                // Checked in the unit tests' builds (not in every debug build: the scan
                // is what the shortcut saves, and timed tests run debug binaries).
                #[cfg(test)]
                assert!(adjacent_by_scan(g, u, v, &common), "simple vertices");
                true
            }) || adjacent_by_scan(g, u, v, &common);
            if adjacent {
                out.pairs.push((u, v));
                out.common.extend_from_slice(&common);
            }
        }
    }
    out
}

/// Is no vertex but `u` and `v` tight on every constraint of `common`?
fn adjacent_by_scan(g: &General, u: usize, v: usize, common: &[u64]) -> bool {
    (0..g.len()).all(|w| w == u || w == v || common.iter().zip(g.inc(w)).any(|(c, z)| c & !z != 0))
}

/// [`crossing_edges`] for cells whose incidences fit one word (at most 64 constraints).
fn crossing_edges_1(g: &General, signs: &[i8]) -> Edges {
    let d = g.dim as u32;
    let side = |pos: bool| -> Vec<(usize, u64, bool)> {
        (g.inc.iter().enumerate())
            .filter(|&(i, _)| if pos { signs[i] > 0 } else { signs[i] < 0 })
            .map(|(i, &z)| (i, z, z.count_ones() == d))
            .collect()
    };
    let (pos, neg) = (side(true), side(false));
    let mut out = Edges {
        pairs: Vec::new(),
        common: Vec::new(),
        words: 1,
    };
    for &(u, zu, simple_u) in &pos {
        for &(v, zv, simple_v) in &neg {
            let c = zu & zv;
            let count = c.count_ones();
            if count + 1 < d {
                continue;
            }
            let shortcut = count + 1 == d && (simple_u || simple_v);
            let adjacent = (shortcut && {
                // Checked in the unit tests' builds (not in every debug build: the scan
                // is what the shortcut saves, and timed tests run debug binaries).
                #[cfg(test)]
                assert!(adjacent_by_scan(g, u, v, &[c]), "simple vertices");
                true
            }) || (g.inc.iter().enumerate())
                .all(|(w, z)| w == u || w == v || c & !z != 0);
            if adjacent {
                out.pairs.push((u, v));
                out.common.push(c);
            }
        }
    }
    out
}

/// The two sides of a cut from the vertex signs and the crossing points (the old vertices
/// `coords` and the new ones `new`, in the order of `edges`, with equally many entries each),
/// the hyperplane getting local id `id`.
fn assemble<T: Clone>(
    g: &General,
    signs: &[i8],
    id: u32,
    (coords, new): (&[T], &[T]),
    edges: &Edges,
    wrap: fn(Vec<T>) -> Coords,
) -> (Side, Side) {
    let stride = coords.len() / g.len();
    let words = g.words.max(id as usize / 64 + 1);
    let n = g.len() + edges.len();
    let mut sides = [0, 1].map(|_| {
        (
            Vec::with_capacity(n * stride),
            Vec::with_capacity(n * words),
        )
    });
    let push = |(c, inc): &mut (Vec<T>, Vec<u64>), p: &[T], z: &[u64], on: bool| {
        c.extend_from_slice(p);
        let start = inc.len();
        inc.extend_from_slice(z);
        inc.resize(start + words, 0);
        if on {
            inc[start + id as usize / 64] |= 1 << (id % 64);
        }
    };
    for (i, &s) in signs.iter().enumerate() {
        let p = &coords[i * stride..(i + 1) * stride];
        if s >= 0 {
            push(&mut sides[0], p, g.inc(i), s == 0);
        }
        if s <= 0 {
            push(&mut sides[1], p, g.inc(i), s == 0);
        }
    }
    for e in 0..edges.len() {
        let z = edges.common(e);
        let p = &new[e * stride..(e + 1) * stride];
        push(&mut sides[0], p, z, true);
        push(&mut sides[1], p, z, true);
    }
    let [pos, neg] = sides.map(|(c, inc)| {
        Side::Part(VCell::General(General {
            dim: g.dim,
            words,
            coords: wrap(c),
            inc,
            bbox: OnceLock::new(),
        }))
    });
    (pos, neg)
}

/// A cut in integers: `None` when some number overflows (then [`split_general_lazy`]).
fn split_general_int(g: &General, plane: &[i128], id: u32) -> Option<(Side, Side)> {
    let Coords::Int(coords) = &g.coords else {
        return None;
    };
    let stride = g.dim + 1;
    let vals: Vec<i128> = coords
        .chunks(stride)
        .map(|p| int_dot(plane, p))
        .collect::<Option<_>>()?;
    let signs: Vec<i8> = vals.iter().map(|v| v.signum() as i8).collect();
    if let Some(sides) = trivial(signs.contains(&1), signs.contains(&-1)) {
        return Some(sides);
    }
    let edges = crossing_edges(g, &signs);
    let mut new = Vec::with_capacity(edges.len() * stride);
    for &(u, v) in &edges.pairs {
        let (pu, pv) = (
            &coords[u * stride..(u + 1) * stride],
            &coords[v * stride..(v + 1) * stride],
        );
        int_crossing_into(vals[u], vals[v], pu, pv, &mut new)?;
    }
    Some(assemble(g, &signs, id, (coords, &new), &edges, Coords::Int))
}

/// A cut with lazy vertices (filtered signs); the children stay in [`Coords::Lazy`].
fn split_general_lazy(g: &General, row: &[Q], off: &Q, id: u32) -> (Side, Side) {
    let verts = g.lazy();
    let plane = Arc::new(Plane::new(row, off));
    if let Some(sides) = g.box_misses(&verts, &plane) {
        return sides;
    }
    let vals: Vec<(i8, Iv)> = verts.iter().map(|p| plane.sign_at(p)).collect();
    let signs: Vec<i8> = vals.iter().map(|v| v.0).collect();
    if let Some(sides) = trivial(signs.contains(&1), signs.contains(&-1)) {
        return sides;
    }
    let edges = crossing_edges(g, &signs);
    let new: Vec<Vertex> = edges
        .pairs
        .iter()
        .map(|&(u, v)| Lazy::crossing(&verts[u], &verts[v], vals[u].1, vals[v].1, &plane))
        .collect();
    assemble(g, &signs, id, (&verts, &new), &edges, Coords::Lazy)
}

/// The dimension of the affine hull of the vertices `on` (at least one).
fn affine_rank(g: &General, on: &[usize]) -> usize {
    let first = g.vert(on[0]);
    let rows: Vec<Vec<Q>> = on[1..]
        .iter()
        .map(|&i| {
            g.vert(i)
                .iter()
                .zip(first.iter())
                .map(|(a, b)| a - b)
                .collect()
        })
        .collect();
    if rows.is_empty() {
        return 0;
    }
    Matrix::from_rows(rows).map_or(0, |m| m.rank())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vertices of a general cell as a sorted list of (coordinates, incidence).
    fn listing(side: &Side) -> Vec<(Vec<Q>, Vec<u64>)> {
        let Side::Part(VCell::General(g)) = side else {
            return Vec::new();
        };
        let mut v: Vec<_> = (0..g.len())
            .map(|i| {
                let mut inc = g.inc(i).to_vec();
                inc.resize(2, 0);
                (g.vert(i).into_owned(), inc)
            })
            .collect();
        v.sort();
        v
    }

    /// The crossing edges by the combinatorial test alone (no shortcut for simple vertices).
    fn edges_by_scan(g: &General, signs: &[i8]) -> Vec<(usize, usize)> {
        let n = g.len();
        let mut out = Vec::new();
        for u in (0..n).filter(|&i| signs[i] > 0) {
            for v in (0..n).filter(|&i| signs[i] < 0) {
                let common: Vec<u64> = g.inc(u).iter().zip(g.inc(v)).map(|(a, b)| a & b).collect();
                let count: u32 = common.iter().map(|w| w.count_ones()).sum();
                if count as usize + 1 >= g.dim && adjacent_by_scan(g, u, v, &common) {
                    out.push((u, v));
                }
            }
        }
        out
    }

    fn int_signs(g: &General, plane: &[i128]) -> Vec<i8> {
        (0..g.len())
            .map(|i| int_sign(plane, g.int(i).unwrap()).unwrap() as i8)
            .collect()
    }

    #[test]
    fn simple_vertex_shortcut_needs_simple_vertices() {
        // The cube [-1, 1]^3 with its top face z <= 1 (id 4) given twice (id 6): the four
        // top vertices have four tight constraints. (1, 1, 1) and (-1, -1, 1) share the two
        // ids of the top face, d - 1 of them, and are not adjacent.
        let cube = Polytope::from_box(&vec![-Q::ONE; 3], &vec![Q::ONE; 3]);
        let Some(VCell::General(mut g)) = VCell::from_polytope(&cube) else {
            panic!("a general cell");
        };
        for i in 0..g.len() {
            if g.tight(i, 4) {
                g.inc[i] |= 1 << 6;
            }
        }
        let plane = int_plane(&[Q::ONE, Q::ONE, Q::ZERO], &Q::new(-1, 2)).unwrap();
        let signs = int_signs(&g, &plane);
        let edges = crossing_edges(&g, &signs);
        assert_eq!(edges.pairs, edges_by_scan(&g, &signs));
        let at = |x: [i64; 3]| {
            let x: Vec<Q> = x.iter().map(|&v| Q::from_int(v)).collect();
            (0..g.len()).find(|&i| *g.vert(i) == x[..]).unwrap()
        };
        let (u, v) = (at([1, 1, 1]), at([-1, -1, 1]));
        assert!(!edges.pairs.contains(&(u, v)), "a diagonal of the top face");
        assert!(
            edges.pairs.contains(&(u, at([-1, 1, 1]))),
            "an edge of the top face"
        );
    }

    #[test]
    fn crossing_edges_agree_with_the_combinatorial_test_on_degenerate_cells() {
        // Cubes in 4-D and 5-D cut by planes with small integer coefficients through many
        // vertices (so that many vertices are not simple), ids from 60 so that the
        // incidences grow to two words.
        let mut s = 7u64;
        let mut next = |m: u64| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % (2 * m + 1)) as i64 - m as i64
        };
        let mut degenerate = 0;
        for d in [4usize, 5] {
            let cube = Polytope::from_box(&vec![-Q::ONE; d], &vec![Q::ONE; d]);
            let Some(VCell::General(mut cell)) = VCell::from_polytope(&cube) else {
                panic!("a general cell");
            };
            for id in 60..72u32 {
                let row: Vec<Q> = (0..d).map(|_| Q::from_int(next(1))).collect();
                if row.iter().all(Q::is_zero) {
                    continue;
                }
                let off = Q::from_int(next(1));
                let plane = int_plane(&row, &off).unwrap();
                let signs = int_signs(&cell, &plane);
                let edges = crossing_edges(&cell, &signs);
                assert_eq!(edges.pairs, edges_by_scan(&cell, &signs), "d {d}, cut {id}");
                degenerate += (0..cell.len())
                    .filter(|&i| cell.inc(i).iter().map(|w| w.count_ones()).sum::<u32>() > d as u32)
                    .count();
                if let Some((Side::Part(VCell::General(a)), Side::Part(VCell::General(b)))) =
                    split_general_int(&cell, &plane, id)
                {
                    cell = if a.len() >= b.len() { a } else { b };
                }
            }
            assert_eq!(cell.words, 2);
        }
        assert!(degenerate > 20, "degenerate vertices ({degenerate})");
    }

    #[test]
    fn integer_and_rational_cuts_agree() {
        // Cut the cube [-1, 1]^4 by a sequence of planes through both paths.
        let (lo, hi) = (vec![-Q::ONE; 4], vec![Q::ONE; 4]);
        let cube = Polytope::from_box(&lo, &hi);
        let Some(VCell::General(mut cell)) = VCell::from_polytope(&cube) else {
            panic!("a general cell");
        };
        let mut s = 1u64;
        let mut next = |m: i64| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Q::new(((s >> 33) % 201) as i64 - 100, m)
        };
        let mut cuts = 0;
        for id in 8..40u32 {
            let row: Vec<Q> = (0..4).map(|_| next(37)).collect();
            let off = next(101);
            let plane = int_plane(&row, &off).unwrap();
            let int = split_general_int(&cell, &plane, id).unwrap();
            let exact = split_general_lazy(&cell, &row, &off, id);
            assert_eq!(listing(&int.0), listing(&exact.0), "cut {id}");
            assert_eq!(listing(&int.1), listing(&exact.1), "cut {id}");
            // Carry on with the larger side of the integer cut.
            let pick = |s: (Side, Side)| match s {
                (Side::Part(VCell::General(a)), Side::Part(VCell::General(b))) => {
                    Some(if a.len() >= b.len() { a } else { b })
                }
                _ => None,
            };
            if let Some(c) = pick(int) {
                assert!(matches!(c.coords, Coords::Int(_)));
                cell = c;
                cuts += 1;
            }
        }
        assert!(cuts >= 5, "the planes cut the cell ({cuts} cuts)");
    }
}
