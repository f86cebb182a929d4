//! Convex polyhedra `{x : A x <= b}` in H-representation, with exact queries.
//!
//! A [`Polytope`] is any intersection of finitely many closed half-spaces (so it may be
//! empty, lower-dimensional or unbounded; the name follows common use in region analysis).
//! All queries are answered exactly with the simplex method of [`crate::lp`].

use crate::arith::{Q, dot};
use crate::linalg::{HalfSpace, Matrix};
use crate::lp::{self, Feasibility, LpResult};
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
        let empty = || Polytope {
            dim: self.dim,
            constraints: vec![HalfSpace::new(vec![Q::ZERO; self.dim], -Q::ONE)],
        };
        let mut seen = HashSet::with_capacity(self.constraints.len());
        let mut kept = Vec::with_capacity(self.constraints.len());
        for h in &self.constraints {
            if h.is_trivial() {
                if h.b.is_negative() {
                    return empty();
                }
                continue;
            }
            if seen.insert(h.normalized()) {
                kept.push(h.clone());
            }
        }
        if matches!(lp::feasible(self.dim, &kept), Feasibility::Infeasible(_)) {
            return empty();
        }
        let mut i = 0;
        while i < kept.len() {
            let h = kept.remove(i);
            let redundant = match lp::maximize(self.dim, &h.a, &kept) {
                LpResult::Optimal { value, .. } => value <= h.b,
                LpResult::Unbounded { .. } => false,
                LpResult::Infeasible(_) => unreachable!("a subset of a feasible system"),
            };
            if !redundant {
                kept.insert(i, h);
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
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for combo in (0..cands.len()).combinations(self.dim) {
            let x = if self.dim == 2 {
                solve2(cands[combo[0]], cands[combo[1]])
            } else {
                let a = Matrix::from_rows(combo.iter().map(|&i| cands[i].a.clone()).collect())
                    .expect("rows of equal length");
                let b: Vec<Q> = combo.iter().map(|&i| cands[i].b.clone()).collect();
                a.solve(&b)
            };
            if let Some(x) = x
                && self.contains(&x)
                && seen.insert(x.clone())
            {
                out.push(x);
            }
        }
        out
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
        let mut v = self.vertices();
        if v.len() <= 1 {
            return Some(v);
        }
        let n = Q::from_int(v.len() as i64);
        let cx = v.iter().map(|p| &p[0]).sum::<Q>() / &n;
        let cy = v.iter().map(|p| &p[1]).sum::<Q>() / &n;
        // Exact angular order around the centroid: the upper half-plane [0, π) first, then
        // by the sign of the cross product.
        let key = |p: &Vec<Q>| (&p[0] - &cx, &p[1] - &cy);
        let half = |(dx, dy): &(Q, Q)| !(dy.is_positive() || (dy.is_zero() && dx.is_positive()));
        v.sort_by(|p, q| {
            let (u, w) = (key(p), key(q));
            half(&u).cmp(&half(&w)).then_with(|| {
                let cross = &u.0 * &w.1 - &u.1 * &w.0;
                Q::ZERO.cmp(&cross)
            })
        });
        Some(v)
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
