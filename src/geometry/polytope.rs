//! Convex polyhedra `{x : A x <= b}` in H-representation, with exact queries.
//!
//! A [`Polytope`] is any intersection of finitely many closed half-spaces (so it may be
//! empty, lower-dimensional or unbounded; the name follows common use in region analysis).
//! All queries are answered exactly with the simplex method of [`crate::geometry::lp`].

use crate::exact::filtered::{self, Iv};
use crate::exact::linalg::{HalfSpace, Matrix};
use crate::exact::rational::{Q, affine_sign, dot};
use crate::geometry::lp::{self, Feasibility, LpResult};
use itertools::Itertools;
use std::collections::HashSet;

/// The polyhedron `{x ∈ R^dim : a_i·x <= b_i for every constraint i}`.
///
/// ```
/// use relucheck::{HalfSpace, Polytope, Q};
/// let q = Q::from_int;
/// // The square [0, 2]^2 with a redundant constraint x + y <= 10.
/// let p = Polytope::from_box(&[q(0), q(0)], &[q(2), q(2)])
///     .with(HalfSpace::new(vec![q(1), q(1)], q(10)));
/// assert_eq!(p.minimal().constraints().len(), 4);
/// assert!(p.is_bounded());
/// assert_eq!(p.interior_point(), Some(vec![q(1), q(1)]));
/// let v = p.vertices_2d().unwrap();
/// assert_eq!(v.len(), 4);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Polytope {
    dim: usize,
    constraints: Vec<HalfSpace>,
}

impl Polytope {
    /// `{x ∈ R^dim : a_i·x <= b_i}`.
    ///
    /// # Panics
    /// If some constraint's normal does not have length `dim`.
    pub fn new(dim: usize, constraints: Vec<HalfSpace>) -> Polytope {
        for h in &constraints {
            assert_eq!(
                h.a.len(),
                dim,
                "Polytope::new: constraint dimension mismatch"
            );
        }
        Polytope { dim, constraints }
    }

    /// All of `R^dim` (no constraints).
    pub fn whole_space(dim: usize) -> Polytope {
        Polytope {
            dim,
            constraints: Vec::new(),
        }
    }

    /// The box `lo_j <= x_j <= hi_j`, as the constraints `x_j <= hi_j`, `-x_j <= -lo_j`
    /// for `j = 0, 1, ...` in that order.
    ///
    /// # Panics
    /// If `lo` and `hi` differ in length.
    pub fn from_box(lo: &[Q], hi: &[Q]) -> Polytope {
        assert_eq!(
            lo.len(),
            hi.len(),
            "Polytope::from_box: bounds differ in length"
        );
        let dim = lo.len();
        let mut constraints = Vec::with_capacity(2 * dim);
        for j in 0..dim {
            let mut e = vec![Q::ZERO; dim];
            e[j] = Q::ONE;
            constraints.push(HalfSpace::new(e.clone(), hi[j].clone()));
            e[j] = -Q::ONE;
            constraints.push(HalfSpace::new(e, -&lo[j]));
        }
        Polytope { dim, constraints }
    }

    /// The dimension of the ambient space.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The constraints `a_i·x <= b_i`.
    pub fn constraints(&self) -> &[HalfSpace] {
        &self.constraints
    }

    /// The constraints, by value.
    pub fn into_constraints(self) -> Vec<HalfSpace> {
        self.constraints
    }

    /// This polyhedron intersected with one more half-space (added last).
    ///
    /// # Panics
    /// If the half-space's normal does not have length `dim`.
    pub fn with(&self, h: HalfSpace) -> Polytope {
        assert_eq!(h.a.len(), self.dim, "Polytope::with: dimension mismatch");
        let mut constraints = Vec::with_capacity(self.constraints.len() + 1);
        constraints.extend_from_slice(&self.constraints);
        constraints.push(h);
        Polytope {
            dim: self.dim,
            constraints,
        }
    }

    /// Adds one more half-space (last), in place.
    ///
    /// # Panics
    /// If the half-space's normal does not have length `dim`.
    pub fn push(&mut self, h: HalfSpace) {
        assert_eq!(h.a.len(), self.dim, "Polytope::push: dimension mismatch");
        self.constraints.push(h);
    }

    /// Does `x` satisfy every constraint?
    pub fn contains(&self, x: &[Q]) -> bool {
        self.constraints.iter().all(|h| h.contains(x))
    }

    /// Does `x` satisfy every constraint strictly (`a_i·x < b_i`)?
    pub fn contains_strictly(&self, x: &[Q]) -> bool {
        self.constraints.iter().all(|h| h.contains_strictly(x))
    }

    /// A point of the polyhedron, or `None` when it is empty.
    pub fn point(&self) -> Option<Vec<Q>> {
        match lp::feasible(self.dim, &self.constraints) {
            Feasibility::Feasible(x) => Some(x),
            Feasibility::Infeasible(_) => None,
        }
    }

    /// Is the polyhedron empty?
    pub fn is_empty(&self) -> bool {
        self.point().is_none()
    }

    /// `maximize objective·x` over the polyhedron; see [`lp::maximize`].
    ///
    /// # Panics
    /// If `objective` does not have length `dim`.
    pub fn maximize(&self, objective: &[Q]) -> LpResult {
        lp::maximize(self.dim, objective, &self.constraints)
    }

    /// A point strictly inside every constraint, or `None` when the polyhedron has empty
    /// interior; see [`lp::interior_point`].
    pub fn interior_point(&self) -> Option<Vec<Q>> {
        lp::interior_point(self.dim, &self.constraints)
    }

    /// Does the polyhedron have non-empty interior?
    pub fn is_full_dimensional(&self) -> bool {
        self.interior_point().is_some()
    }

    /// A minimal H-representation of the same set.
    ///
    /// Drops trivial constraints (`0·x <= b` with `b >= 0`), duplicates (constraints whose
    /// [`HalfSpace::normalized`] forms agree; the first is kept) and then, one by one in
    /// order, every constraint implied by the others still kept (`max a_i·x` over the
    /// others is `<= b_i`). Survivors keep their relative order. An empty polyhedron
    /// becomes the single constraint `0·x <= -1`.
    ///
    /// For a full-dimensional polyhedron the result is its facet description, which is
    /// unique up to positive scaling of each constraint: every surviving constraint
    /// defines a facet and every facet is defined by exactly one survivor. For a
    /// lower-dimensional polyhedron the result is still an irredundant description of the
    /// same set, but such descriptions are not unique.
    ///
    /// Cost: one LP per (deduplicated, non-trivial) constraint.
    pub fn minimal(&self) -> Polytope {
        let Some(kept) = self.distinct_constraints() else {
            return self.empty_like();
        };
        if matches!(lp::feasible(self.dim, &kept), Feasibility::Infeasible(_)) {
            return self.empty_like();
        }
        self.irredundant(kept, None)
    }

    /// [`Polytope::minimal`] for a polyhedron with a known point strictly inside every
    /// constraint: the same constraints (for a full-dimensional polyhedron the minimal
    /// representation is its facets, one constraint each), found with fewer LPs, since a
    /// constraint is first tried with an exact identity guessed in floats (see
    /// `float_filter`).
    pub(crate) fn minimal_with_interior(&self, interior: &[Q]) -> Polytope {
        debug_assert!(
            self.constraints
                .iter()
                .all(|h| h.contains_strictly(interior))
        );
        let kept = self.distinct_constraints().unwrap_or_default();
        self.irredundant(kept, Some(interior))
    }

    /// `0·x <= -1`: the empty set in this dimension.
    fn empty_like(&self) -> Polytope {
        Polytope {
            dim: self.dim,
            constraints: vec![HalfSpace::new(vec![Q::ZERO; self.dim], -Q::ONE)],
        }
    }

    /// The constraints without trivial ones and without repeats of the same half-space;
    /// `None` when a trivial one excludes everything.
    fn distinct_constraints(&self) -> Option<Vec<HalfSpace>> {
        let mut seen = HashSet::with_capacity(self.constraints.len());
        let mut kept = Vec::with_capacity(self.constraints.len());
        for h in &self.constraints {
            if h.is_trivial() {
                if h.b.is_negative() {
                    return None;
                }
            } else if seen.insert(h.normalized()) {
                kept.push(h.clone());
            }
        }
        Some(kept)
    }

    /// Drops, one at a time, every constraint the others imply (of a feasible system): an
    /// LP each, unless `interior` (a point strictly inside) lets an exact identity guessed
    /// in floats show it first.
    fn irredundant(&self, mut kept: Vec<HalfSpace>, interior: Option<&[Q]>) -> Polytope {
        use crate::geometry::float_filter::{self, Floats};
        let mut rows: Vec<Box<[f64]>> = kept.iter().map(Floats::row_of).collect();
        let mut i = 0;
        while i < kept.len() {
            let h = kept.remove(i);
            let row = rows.remove(i);
            let mut floats = Floats::of(self.dim, []);
            rows.iter().for_each(|r| floats.push_row(r));
            let shown = |p: &[Q]| float_filter::misses(&kept, &floats, p, &h.flipped());
            let redundant = if interior.is_some_and(shown) {
                true
            } else if let Some(p) = interior
                && Self::needed_by_witness(&mut kept, &mut floats, p, &h)
            {
                false
            } else {
                match lp::maximize(self.dim, &h.a, &kept) {
                    LpResult::Optimal { value, .. } => value <= h.b,
                    LpResult::Unbounded { .. } => false,
                    LpResult::Infeasible(_) => unreachable!("a subset of a feasible system"),
                }
            };
            if !redundant {
                kept.insert(i, h);
                rows.insert(i, row);
                i += 1;
            }
        }
        Polytope {
            dim: self.dim,
            constraints: kept,
        }
    }

    /// Is the polyhedron bounded? The empty set counts as bounded.
    ///
    /// A non-empty polyhedron is bounded iff its recession cone `{r : A r <= 0}` is `{0}`,
    /// which holds iff `A` has rank `dim` and no `r` has `A r <= 0` with `Σ_i a_i·r <= -1`
    /// (one exact rank computation and one LP).
    pub fn is_bounded(&self) -> bool {
        if self.is_empty() || self.dim == 0 {
            return true;
        }
        let rows: Vec<Vec<Q>> = self.constraints.iter().map(|h| h.a.clone()).collect();
        let full_rank = Matrix::from_rows(rows).is_some_and(|a| a.rank() == self.dim);
        if !full_rank {
            return false;
        }
        let mut cone: Vec<HalfSpace> = self
            .constraints
            .iter()
            .map(|h| HalfSpace::new(h.a.clone(), Q::ZERO))
            .collect();
        let mut sum = vec![Q::ZERO; self.dim];
        for h in &self.constraints {
            for (s, a) in sum.iter_mut().zip(&h.a) {
                *s += a;
            }
        }
        cone.push(HalfSpace::new(sum, -Q::ONE));
        matches!(lp::feasible(self.dim, &cone), Feasibility::Infeasible(_))
    }

    /// All vertices, by brute force: every `dim`-subset of the (deduplicated, non-trivial)
    /// constraints whose hyperplanes meet in a single point, kept when the point is in the
    /// polyhedron, without duplicates, in order of discovery.
    ///
    /// The cost is `C(m, dim)` small linear solves, fine for small `m` and `dim` only. A
    /// polyhedron that contains a line has no vertices. In dimension 0 the only point is
    /// the vertex, when the polyhedron is not empty.
    pub fn vertices(&self) -> Vec<Vec<Q>> {
        if self.dim == 0 {
            return if self.is_empty() {
                vec![]
            } else {
                vec![vec![]]
            };
        }
        let mut seen_h = HashSet::new();
        let cands: Vec<&HalfSpace> = self
            .constraints
            .iter()
            .filter(|h| !h.is_trivial() && seen_h.insert(h.normalized()))
            .collect();
        let enclosed: Vec<(Vec<Iv>, Iv)> = (self.constraints.iter())
            .map(|h| (h.a.iter().map(Iv::from_q).collect(), -Iv::from_q(&h.b)))
            .collect();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for combo in (0..cands.len()).combinations(self.dim) {
            if self.outside_by_enclosures(&cands, &combo, &enclosed) {
                continue; // the exact crossing violates a constraint: no exact solve
            }
            let x = if self.dim == 2 {
                solve2(cands[combo[0]], cands[combo[1]])
            } else {
                let a = Matrix::from_rows(combo.iter().map(|&i| cands[i].a.clone()).collect())
                    .expect("rows of equal length");
                let b: Vec<Q> = combo.iter().map(|&i| cands[i].b.clone()).collect();
                a.solve(&b)
            };
            if let Some(x) = x
                && self.contains_filtered(&x, &enclosed)
                && seen.insert(x.clone())
            {
                out.push(x);
            }
        }
        out
    }

    /// Is `h` needed (not implied by `kept`), as a point shows that is strictly inside every
    /// constraint of `kept` and strictly outside `h`? The point is proposed by a float LP
    /// near `p` and checked with filtered signs ([`float_filter::interior_guess`]); `false`
    /// means "not shown". `kept` and `floats` are as given on return.
    fn needed_by_witness(
        kept: &mut Vec<HalfSpace>,
        floats: &mut crate::geometry::float_filter::Floats,
        p: &[Q],
        h: &HalfSpace,
    ) -> bool {
        let outside = h.flipped();
        floats.push(&outside);
        kept.push(outside);
        let shown = crate::geometry::float_filter::interior_guess(kept, floats, p).is_some();
        kept.pop();
        floats.truncate(kept.len());
        shown
    }

    /// [`Polytope::contains`] with filtered signs (`enclosed`: the constraints' enclosures,
    /// `(a, -b)`), exact without gcd where an enclosure holds zero.
    fn contains_filtered(&self, x: &[Q], enclosed: &[(Vec<Iv>, Iv)]) -> bool {
        let xi: Vec<Iv> = x.iter().map(Iv::from_q).collect();
        (self.constraints.iter().zip(enclosed)).all(|(h, (a, off))| {
            filtered::sign(
                || filtered::affine(a, off, &xi),
                || affine_sign(&h.a, &-&h.b, x),
            ) <= 0
        })
    }

    /// Is the crossing of the boundaries of `combo` (if they cross in one point) outside
    /// some constraint, as interval enclosures show? `true` only when the enclosure of the
    /// crossing is finite and some constraint's value there is positive on all of it (then
    /// so is the exact value); `false` means "not shown" (the exact check decides).
    fn outside_by_enclosures(
        &self,
        cands: &[&HalfSpace],
        combo: &[usize],
        enclosed: &[(Vec<Iv>, Iv)],
    ) -> bool {
        if !filtered::enabled() {
            return false;
        }
        let rows = combo
            .iter()
            .map(|&i| cands[i].a.iter().map(Iv::from_q).collect())
            .collect();
        let rhs = combo.iter().map(|&i| Iv::from_q(&cands[i].b)).collect();
        let Some(x) = filtered::solve(rows, rhs) else {
            return false;
        };
        enclosed
            .iter()
            .any(|(a, off)| filtered::affine(a, off, &x).sign() == Some(1))
    }

    /// For a bounded polyhedron in the plane, its vertices in counter-clockwise order
    /// (starting from the one at the smallest angle from the centroid of the vertices,
    /// angles measured from the positive x-axis), without duplicates. `None` when
    /// `dim != 2` or the polyhedron is unbounded. An empty polyhedron has no vertices; a
    /// segment has two and a point one.
    pub fn vertices_2d(&self) -> Option<Vec<Vec<Q>>> {
        if self.dim != 2 || !self.is_bounded() {
            return None;
        }
        let v = self.vertices();
        if v.len() <= 1 {
            return Some(v);
        }
        // Exact angular order around the centroid: the upper half-plane [0, π) first, then
        // by the sign of the cross product. Signs filtered: the exact centroid and
        // differences are computed only where an enclosure holds zero.
        let n = v.len() as i64;
        let exact_c = std::cell::OnceCell::new();
        let centroid = || {
            exact_c.get_or_init(|| {
                let n = Q::from_int(n);
                let c = |j: usize| v.iter().map(|p| &p[j]).sum::<Q>() / &n;
                (c(0), c(1))
            })
        };
        let n_iv = Iv::from_q(&Q::from_int(n));
        let c_iv = |j: usize| {
            (v.iter().map(|p| Iv::from_q(&p[j])))
                .fold(Iv::ZERO, |a, b| a + b)
                .div(&n_iv)
        };
        let (cx, cy) = (c_iv(0), c_iv(1));
        let d: Vec<(Iv, Iv)> = (v.iter())
            .map(|p| (Iv::from_q(&p[0]) - cx, Iv::from_q(&p[1]) - cy))
            .collect();
        let diff = |i: usize, j: usize| -> Q {
            let c = centroid();
            &v[i][j] - if j == 0 { &c.0 } else { &c.1 }
        };
        let sign = |i: usize, j: usize| {
            let iv = if j == 0 { d[i].0 } else { d[i].1 };
            filtered::sign(|| iv, || diff(i, j).signum())
        };
        let half = |i: usize| {
            let dy = sign(i, 1);
            !(dy > 0 || (dy == 0 && sign(i, 0) > 0))
        };
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&i, &j| {
            half(i).cmp(&half(j)).then_with(|| {
                let cross = filtered::sign(
                    || d[i].0 * d[j].1 - d[i].1 * d[j].0,
                    || (diff(i, 0) * diff(j, 1) - diff(i, 1) * diff(j, 0)).signum(),
                );
                0.cmp(&cross)
            })
        });
        let mut slots: Vec<Option<Vec<Q>>> = v.into_iter().map(Some).collect();
        Some(
            order
                .iter()
                .map(|&i| slots[i].take().expect("each once"))
                .collect(),
        )
    }

    /// A point in the relative interior of the facet of constraint `i`: `a_i·x = b_i` and
    /// `a_j·x < b_j` for every other constraint `j` (used to step into the neighbouring
    /// region across the facet). `None` when there is no such point: constraint `i` does
    /// not define a facet, or another constraint defines the same half-space, or the
    /// polyhedron is not full-dimensional. On the [`minimal`](Polytope::minimal) form of a
    /// full-dimensional polyhedron it is `Some` for every `i`.
    ///
    /// # Panics
    /// If `i` is out of range.
    pub fn facet_point(&self, i: usize) -> Option<Vec<Q>> {
        assert!(i < self.constraints.len(), "facet_point: no constraint {i}");
        lp::relative_interior_point(self.dim, &self.constraints, Some(i))
    }
}

/// The intersection of the boundary lines of two half-planes, or `None` when parallel.
fn solve2(h: &HalfSpace, g: &HalfSpace) -> Option<Vec<Q>> {
    let det = &h.a[0] * &g.a[1] - &h.a[1] * &g.a[0];
    let inv = det.recip()?;
    let x = (&h.b * &g.a[1] - &h.a[1] * &g.b) * &inv;
    let y = (&h.a[0] * &g.b - &h.b * &g.a[0]) * &inv;
    debug_assert!(dot(&h.a, &[x.clone(), y.clone()]) == h.b);
    Some(vec![x, y])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(v: i64) -> Q {
        Q::from_int(v)
    }

    fn hs(a: &[i64], b: i64) -> HalfSpace {
        HalfSpace::new(a.iter().map(|&v| q(v)).collect(), q(b))
    }

    use crate::geometry::lp::tests::brute_vertices;

    /// The dimension of the affine hull of a finite point set (-1 for none).
    fn affine_dim(points: &[&Vec<Q>]) -> i64 {
        match points {
            [] => -1,
            [first, rest @ ..] if !rest.is_empty() => {
                let d: Vec<Vec<Q>> = rest
                    .iter()
                    .map(|v| v.iter().zip(first.iter()).map(|(a, b)| a - b).collect())
                    .collect();
                Matrix::from_rows(d).unwrap().rank() as i64
            }
            _ => 0,
        }
    }

    /// Independently: the constraints `minimal()` must keep, in order, for a bounded
    /// full-dimensional polytope: non-trivial, first of their normalised duplicates, and
    /// with a `(dim-1)`-dimensional set of brute-force vertices on the hyperplane.
    fn expected_facets(dim: usize, cons: &[HalfSpace], verts: &[Vec<Q>]) -> Vec<HalfSpace> {
        let mut seen = HashSet::new();
        cons.iter()
            .filter(|h| !h.is_trivial() && seen.insert(h.normalized()))
            .filter(|h| {
                let on: Vec<&Vec<Q>> = verts.iter().filter(|v| h.slack(v).is_zero()).collect();
                affine_dim(&on) == dim as i64 - 1
            })
            .cloned()
            .collect()
    }

    #[test]
    fn constructors_and_membership() {
        let b = Polytope::from_box(&[q(-1), q(0)], &[q(1), q(3)]);
        assert_eq!(b.dim(), 2);
        assert_eq!(b.constraints()[0], hs(&[1, 0], 1));
        assert_eq!(b.constraints()[1], hs(&[-1, 0], 1));
        assert_eq!(b.constraints()[3], hs(&[0, -1], 0));
        assert!(b.contains(&[q(1), q(0)]));
        assert!(!b.contains_strictly(&[q(1), q(0)]));
        assert!(b.contains_strictly(&[q(0), q(1)]));
        let c = b.with(hs(&[1, 1], 0));
        assert_eq!(c.constraints().len(), 5);
        assert!(!c.contains(&[q(1), q(1)]));
        let mut d = b.clone();
        d.push(hs(&[1, 1], 0));
        assert_eq!(c, d);
        let w = Polytope::whole_space(3);
        assert!(w.contains_strictly(&[q(5), q(-5), q(0)]));
        assert!(!w.is_bounded());
        assert!(w.is_full_dimensional());
        assert!(w.vertices().is_empty());
        assert_eq!(w.minimal(), w);
        assert!(Polytope::whole_space(0).is_bounded());
        assert_eq!(Polytope::whole_space(0).vertices(), vec![Vec::<Q>::new()]);
    }

    #[test]
    fn cube_in_3d() {
        let cube = Polytope::from_box(&vec![q(0); 3], &vec![q(1); 3]);
        assert_eq!(cube.vertices().len(), 8);
        assert!(cube.is_bounded());
        assert_eq!(cube.vertices_2d(), None);
        let cut = cube
            .with(hs(&[1, 1, 1], 1)) // the corner simplex
            .with(hs(&[1, 1, 1], 2)) // redundant
            .with(hs(&[2, 2, 2], 2)); // duplicate
        let m = cut.minimal();
        assert_eq!(
            m.constraints(),
            &[
                hs(&[-1, 0, 0], 0),
                hs(&[0, -1, 0], 0),
                hs(&[0, 0, -1], 0),
                hs(&[1, 1, 1], 1)
            ]
        );
        assert_eq!(m.vertices().len(), 4);
        for i in 0..m.constraints().len() {
            let p = m.facet_point(i).unwrap();
            assert!(m.constraints()[i].slack(&p).is_zero());
        }
        // Not facets in the redundant form: the duplicate pair, and x <= 1 which only
        // touches the simplex at a vertex.
        assert_eq!(cut.facet_point(6), None);
        assert_eq!(cut.facet_point(0), None);
    }

    #[test]
    fn degenerate_polytopes() {
        // Empty.
        let e = Polytope::from_box(&[q(0), q(0)], &[q(1), q(1)]).with(hs(&[1, 1], -1));
        assert!(e.is_empty() && e.is_bounded() && !e.is_full_dimensional());
        assert_eq!(e.minimal().constraints(), &[hs(&[0, 0], -1)]);
        assert_eq!(e.vertices_2d(), Some(vec![]));
        // A segment: 0 <= x <= 1, y = 0.
        let s = Polytope::from_box(&[q(0), q(0)], &[q(1), q(0)]);
        assert!(!s.is_full_dimensional() && s.is_bounded());
        assert_eq!(s.interior_point(), None);
        assert_eq!(s.vertices_2d().unwrap().len(), 2);
        let sm = s.minimal();
        assert_eq!(sm.vertices().len(), 2);
        for v in s.vertices() {
            assert!(sm.contains(&v));
        }
        assert!(!sm.contains(&[q(2), q(0)]) && !sm.contains(&[q(0), q(1)]));
        // A point.
        let p = Polytope::from_box(&[q(2), q(3)], &[q(2), q(3)]);
        assert_eq!(p.vertices_2d(), Some(vec![vec![q(2), q(3)]]));
        // A square of width 2^-30.
        let eps = Q::pow2(-30);
        let t = Polytope::from_box(&[Q::ZERO, Q::ZERO], &[eps.clone(), eps.clone()]);
        assert_eq!(t.interior_point(), Some(vec![&eps / q(2), &eps / q(2)]));
        assert_eq!(t.vertices_2d().unwrap().len(), 4);
        assert_eq!(t.minimal().constraints().len(), 4);
        let f = t.facet_point(0).unwrap();
        assert_eq!(f[0], eps);
        // Unbounded.
        let h = Polytope::new(2, vec![hs(&[1, 0], 0), hs(&[0, 1], 0)]);
        assert!(!h.is_bounded());
        assert_eq!(h.vertices_2d(), None);
        assert_eq!(h.vertices(), vec![vec![q(0), q(0)]]);
        let strip = Polytope::new(2, vec![hs(&[1, 1], 1), hs(&[-1, -1], 1)]);
        assert!(!strip.is_bounded());
        assert!(strip.vertices().is_empty());
        assert_eq!(strip.minimal(), strip);
    }

    #[test]
    fn many_lines_through_one_point() {
        // A box cut by 10 half-planes whose lines all pass through (1, 1).
        let mut p = Polytope::from_box(&[q(-3), q(-3)], &[q(3), q(3)]);
        for k in 0..10i64 {
            let a = [k - 5, (3 * k) % 7 - 3];
            p.push(hs(&a, a[0] + a[1]));
        }
        let verts = brute_vertices(2, p.constraints());
        let got = p.vertices_2d().unwrap();
        assert_eq!(got.len(), verts.len());
        let m = p.minimal();
        if affine_dim(&verts.iter().collect::<Vec<_>>()) == 2 {
            assert_eq!(m.constraints(), expected_facets(2, p.constraints(), &verts));
        }
    }

    fn constraints(dim: usize, max: usize) -> impl Strategy<Value = Vec<HalfSpace>> {
        prop::collection::vec(
            (prop::collection::vec(-4i64..=4, dim), -6i64..=6).prop_map(|(a, b)| {
                HalfSpace::new(a.into_iter().map(Q::from_int).collect(), Q::from_int(b))
            }),
            0..=max,
        )
    }

    fn boxed(dim: usize, cons: Vec<HalfSpace>, r: i64) -> Polytope {
        let mut p = Polytope::from_box(&vec![q(-r); dim], &vec![q(r); dim]);
        for h in cons {
            p.push(h);
        }
        p
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]

        #[test]
        fn polygons_against_brute_force(cons in constraints(2, 6), r in 1i64..5, dup in any::<bool>()) {
            let mut p = boxed(2, cons, r);
            if dup {
                let h = p.constraints().last().unwrap().clone();
                p.push(HalfSpace::new(h.a.iter().map(|v| v * q(3)).collect(), &h.b * q(3)));
            }
            let verts = brute_vertices(2, p.constraints());
            // A row 0·x <= b with b <= 0 leaves no interior (or nothing at all).
            let pinned = p.constraints().iter().any(|h| h.is_trivial() && !h.b.is_positive());
            let full = !pinned && affine_dim(&verts.iter().collect::<Vec<_>>()) == 2;
            prop_assert!(p.is_bounded());
            prop_assert_eq!(p.is_full_dimensional(), full);
            prop_assert_eq!(p.is_empty(), verts.is_empty());
            // Same vertex set, counter-clockwise.
            let got = p.vertices_2d().unwrap();
            prop_assert_eq!(got.len(), verts.len());
            prop_assert!(got.iter().all(|v| verts.contains(v)));
            if got.len() >= 3 {
                for i in 0..got.len() {
                    let (a, b, c) = (&got[i], &got[(i + 1) % got.len()], &got[(i + 2) % got.len()]);
                    let cross = (&b[0] - &a[0]) * (&c[1] - &b[1]) - (&b[1] - &a[1]) * (&c[0] - &b[0]);
                    prop_assert!(cross.is_positive(), "not counter-clockwise: {:?}", got);
                }
            }
            if full {
                let m = p.minimal();
                prop_assert_eq!(m.constraints(), &expected_facets(2, p.constraints(), &verts)[..]);
                for (i, h) in m.constraints().iter().enumerate() {
                    let x = m.facet_point(i).unwrap();
                    prop_assert!(h.slack(&x).is_zero());
                    prop_assert!(m.constraints().iter().enumerate().all(|(j, g)| j == i || g.contains_strictly(&x)));
                }
                // On the original form: a facet point exists iff the constraint is a facet
                // that no other constraint duplicates.
                for (i, h) in p.constraints().iter().enumerate() {
                    let on: Vec<&Vec<Q>> = verts.iter().filter(|v| h.slack(v).is_zero()).collect();
                    let facet = !h.is_trivial() && affine_dim(&on) == 1;
                    let dup = p.constraints().iter().enumerate()
                        .any(|(j, g)| j != i && !g.is_trivial() && g.normalized() == h.normalized());
                    prop_assert_eq!(p.facet_point(i).is_some(), facet && !dup, "constraint {}", i);
                }
            }
        }

        #[test]
        fn polyhedra_3d_against_brute_force(cons in constraints(3, 5), r in 1i64..4) {
            let p = boxed(3, cons, r);
            let verts = brute_vertices(3, p.constraints());
            let pinned = p.constraints().iter().any(|h| h.is_trivial() && !h.b.is_positive());
            let full = !pinned && affine_dim(&verts.iter().collect::<Vec<_>>()) == 3;
            prop_assert_eq!(p.is_full_dimensional(), full);
            let mut got = p.vertices();
            got.sort();
            let mut want = verts.clone();
            want.sort();
            prop_assert_eq!(got, want);
            if full {
                let m = p.minimal();
                prop_assert_eq!(m.constraints(), &expected_facets(3, p.constraints(), &verts)[..]);
                let x = m.interior_point().unwrap();
                prop_assert!(p.contains_strictly(&x));
            }
        }

        #[test]
        fn boundedness_in_the_plane(cons in constraints(2, 7), origin_inside in any::<bool>()) {
            let cons = cons
                .into_iter()
                .map(|h| if origin_inside { HalfSpace::new(h.a, h.b.abs()) } else { h })
                .collect();
            let p = Polytope::new(2, cons);
            // Independent: the recession cone {A r <= 0} is non-trivial iff it is the plane
            // or one of its boundary rays ±(-a_2, a_1) lies in it.
            let in_cone = |r: &[Q]| p.constraints().iter().all(|h| !dot(&h.a, r).is_positive());
            let cone_nontrivial = p.constraints().iter().all(HalfSpace::is_trivial)
                || p.constraints().iter().any(|h| {
                    let r = [-&h.a[1], h.a[0].clone()];
                    let s = [h.a[1].clone(), -&h.a[0]];
                    !h.is_trivial() && (in_cone(&r) || in_cone(&s))
                });
            // (Emptiness itself is decided by the LP, whose certificates are re-checked.)
            let empty = p.is_empty();
            prop_assert_eq!(p.is_bounded(), empty || !cone_nontrivial);
        }
    }
}
