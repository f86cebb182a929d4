//! Float LPs that propose, exact arithmetic that certifies: emptiness and interior points
//! on unbounded domains.
//!
//! On unbounded domains the enumerator proves with an exact LP that a unit's hyperplane
//! misses a cell (`{g·x < β} ∩ C` is empty for the cell `C = {a_i·x <= b_i}`). Most of those
//! LPs answer "empty". Here a small float LP guesses *why*: multipliers `y >= 0` on `k`
//! constraints (`k` the dimension) with `Σ y_i a_i = -g`. The guess is then checked: solve
//! `Σ_{i∈S} y_i a_i = -g` on the guessed constraints `S`; if the exact `y` is `>= 0` and
//! `Σ y_i b_i + β <= 0`, then on `C`,
//! `-g·x = Σ y_i a_i·x <= Σ y_i b_i <= -β`, so `g·x >= β` everywhere on `C`: the side has no
//! interior point. Anything else (a float failure, a singular or negative exact solution, a
//! bound that does not close) answers `false` and the caller runs its exact LP. The check
//! is a filtered decision ([`filtered::decide`]): the system is solved in interval
//! arithmetic ([`filtered::solve`]), and only when an enclosure of a multiplier or of the
//! bound holds zero is it solved in `Q`. So a float never decides: the float LP only
//! chooses which identity to check, and the enclosures answer only what the exact
//! solution would.
//!
//! When the side does meet the cell, [`interior_guess`] proposes the point the exact LP
//! would find: the same largest-cube LP solved in floats (through its dual, by the same
//! float simplex), its optimum rounded to a simple rational point and checked strictly
//! inside every constraint with filtered signs. A point that fails the check is thrown
//! away and the exact LP runs. With the filter off ([`filtered::set_enabled`]) neither
//! float LP runs: the pure exact path the tests compare against.

use crate::exact::filtered::{self, Iv};
use crate::exact::linalg::{HalfSpace, Matrix};
use crate::exact::rational::Q;
use crate::geometry::lazy;
use std::borrow::Borrow;

/// Does the exact check confirm that `{x : side.a·x < side.b}` misses the interior of
/// `C = {x : a_i·x <= b_i}`? `point` is strictly inside `C`. `false` means "not shown".
/// `floats` holds the constraints' float rows ([`Floats::of`]`(cons)`).
pub(crate) fn misses<H: Borrow<HalfSpace>>(
    cons: &[H],
    floats: &Floats,
    point: &[Q],
    side: &HalfSpace,
) -> bool {
    let k = point.len();
    if !filtered::enabled() || cons.len() < k || side.a.len() != k || floats.len() != cons.len() {
        return false; // with the filter off, the exact LP decides alone
    }
    let c: Vec<Q> = side.a.iter().map(|v| -v).collect();
    let Some(basis) = dual_basis(floats, point, &c) else {
        return false;
    };
    filtered::decide(
        || shown_by_enclosures(cons, &basis, &c, side),
        || shown_exactly(cons, &basis, &c, side),
    )
}

/// The check of [`misses`] on enclosures: `Some` when they decide it (then the answer is
/// the exact one), `None` when an enclosure of a multiplier or of the bound holds zero.
fn shown_by_enclosures<H: Borrow<HalfSpace>>(
    cons: &[H],
    basis: &[usize],
    c: &[Q],
    side: &HalfSpace,
) -> Option<bool> {
    let rows = (0..c.len())
        .map(|r| {
            basis
                .iter()
                .map(|&i| Iv::from_q(&cons[i].borrow().a[r]))
                .collect()
        })
        .collect();
    let y = filtered::solve(rows, c.iter().map(Iv::from_q).collect())?;
    if y.iter().any(|w| w.hi < 0.0) {
        return Some(false); // the exact multiplier is negative too
    }
    if y.iter().any(|w| w.lo <= 0.0) {
        return None;
    }
    let bound = (basis.iter().zip(&y)).fold(Iv::from_q(&side.b), |acc, (&i, w)| {
        acc + *w * Iv::from_q(&cons[i].borrow().b)
    });
    bound.sign().map(|s| s < 0)
}

/// The check of [`misses`] in exact arithmetic: solve `Σ_{i∈S} y_i a_i = c`; `y >= 0` and
/// `Σ y_i b_i + β <= 0`.
fn shown_exactly<H: Borrow<HalfSpace>>(
    cons: &[H],
    basis: &[usize],
    c: &[Q],
    side: &HalfSpace,
) -> bool {
    let k = c.len();
    let mut cols = Matrix::zeros(k, k);
    for (j, &i) in basis.iter().enumerate() {
        for r in 0..k {
            cols[(r, j)] = cons[i].borrow().a[r].clone();
        }
    }
    let Some(y) = cols.solve(c) else {
        return false;
    };
    if y.iter().any(Q::is_negative) {
        return false;
    }
    let bound: Q = basis
        .iter()
        .zip(&y)
        .map(|(&i, w)| w * &cons[i].borrow().b)
        .sum();
    !(bound + &side.b).is_positive()
}

/// The constraints `a·x <= b` as floats ([`Q::approx_f64`]), flat: row `i` is `a` then `b`.
/// Computed once per constraint by the caller and kept: the float LPs read them often.
#[derive(Clone, Debug, Default)]
pub(crate) struct Floats {
    k: usize,
    data: Vec<f64>,
}

impl Floats {
    /// The float rows of `cons` in `k` dimensions.
    pub(crate) fn of<'a>(k: usize, cons: impl IntoIterator<Item = &'a HalfSpace>) -> Floats {
        let mut f = Floats {
            k,
            data: Vec::new(),
        };
        for h in cons {
            f.push(h);
        }
        f
    }

    /// The float row of one constraint, `a` then `b`.
    pub(crate) fn row_of(h: &HalfSpace) -> Box<[f64]> {
        h.a.iter().chain([&h.b]).map(Q::approx_f64).collect()
    }

    /// Appends a row made by [`Floats::row_of`].
    pub(crate) fn push_row(&mut self, row: &[f64]) {
        debug_assert_eq!(row.len(), self.k + 1);
        self.data.extend_from_slice(row);
    }

    /// Appends the row of `h`.
    pub(crate) fn push(&mut self, h: &HalfSpace) {
        self.data
            .extend(h.a.iter().chain([&h.b]).map(Q::approx_f64));
    }

    /// The number of rows.
    pub(crate) fn len(&self) -> usize {
        self.data.len() / (self.k + 1)
    }

    /// Keeps the first `n` rows.
    pub(crate) fn truncate(&mut self, n: usize) {
        self.data.truncate(n * (self.k + 1));
    }

    /// Row `i`: `(a, b)`.
    fn row(&self, i: usize) -> (&[f64], f64) {
        let r = &self.data[i * (self.k + 1)..(i + 1) * (self.k + 1)];
        (&r[..self.k], r[self.k])
    }

    /// `b - a·x` on row `i`.
    fn slack(&self, i: usize, x: &[f64]) -> f64 {
        let (a, b) = self.row(i);
        b - a.iter().zip(x).map(|(a, x)| a * x).sum::<f64>()
    }
}

/// A float guess of an optimal basis of the dual of `max c·x` over `C`: `min Σ s_i y_i`
/// subject to `Σ y_i a_i = c`, `y >= 0`, with `s_i = b_i - a_i·point > 0`. Returns the `k`
/// constraints of the final basis, or `None` on any trouble.
fn dual_basis(floats: &Floats, point: &[Q], c: &[Q]) -> Option<Vec<usize>> {
    let pf: Vec<f64> = point.iter().map(Q::approx_f64).collect();
    let cost: Vec<f64> = (0..floats.len()).map(|i| floats.slack(i, &pf)).collect();
    let rhs: Vec<f64> = c.iter().map(Q::approx_f64).collect();
    standard_simplex(&floats.data, floats.k + 1, &rhs, &cost)
}

/// A simple rational point strictly inside every constraint of `cons` (checked with
/// filtered signs, so the answer is exact), proposed by a float LP: the float optimum of
/// the LP that [`crate::geometry::lp::interior_point`] solves exactly (the centre of a
/// largest cube `|x - x0|∞ <= t` inside, through the dual, with `t <= 1`), rounded to
/// simple rationals near it ([`lazy::simple_near`]). `origin` is a point near the cell (the
/// float LP is solved in coordinates centred there). `None` when the float LP fails, finds
/// no room (`t <= 0`: perhaps empty), or no rounding is inside: then the caller runs the
/// exact LP.
pub(crate) fn interior_guess<H: Borrow<HalfSpace>>(
    cons: &[H],
    floats: &Floats,
    origin: &[Q],
) -> Option<Vec<Q>> {
    let k = origin.len();
    if !filtered::enabled() || floats.len() != cons.len() || floats.k != k {
        return None; // with the filter off, the exact LP finds every point
    }
    let o: Vec<f64> = origin.iter().map(Q::approx_f64).collect();
    // Dual of max t s.t. a_i·u + t·|a_i|_1 <= s_i (u = x - origin), t <= cap: min Σ s_i y_i
    // + cap·z s.t. Σ y_i a_i = 0, Σ y_i |a_i|_1 + z = 1, y, z >= 0. Columns (a_i, |a_i|_1).
    // The cube is capped at half-width 1: an unbounded cell (most cells of the whole space
    // are) then gives a point with that much room near its corner (short coordinates,
    // as people read them), where an uncapped LP has no optimum.
    let cap = 1.0;
    let m = floats.len();
    let mut cols: Vec<f64> = Vec::with_capacity((m + 1) * (k + 1));
    let mut cost = Vec::with_capacity(m + 1);
    for i in 0..m {
        let (a, _) = floats.row(i);
        cols.extend_from_slice(a);
        cols.push(a.iter().map(|v| v.abs()).sum());
        cost.push(floats.slack(i, &o));
    }
    let mut z = vec![0.0; k + 1];
    z[k] = 1.0;
    cols.extend_from_slice(&z);
    cost.push(cap);
    let basis = standard_simplex(&cols, k + 1, &z, &cost)?;
    // The primal optimum: the basic constraints tight, a_i·u + t·n_i = s_i (and t = cap
    // when the cap is basic).
    let rows: Vec<Vec<f64>> = (basis.iter())
        .map(|&i| cols[i * (k + 1)..(i + 1) * (k + 1)].to_vec())
        .collect();
    let rhs: Vec<f64> = basis.iter().map(|&i| cost[i]).collect();
    let ut = solve_f64(rows, rhs)?;
    if ut[k] <= 0.0 {
        return None; // solve_f64 returns finite values only
    }
    let x: Vec<Q> = (0..k)
        .map(|j| Q::from_f64(o[j] + ut[j]).ok())
        .collect::<Option<_>>()?;
    // As with the exact LP's point: kept when already simple (the float optimum is often
    // exactly the exact one, a short dyadic), else a simple point near it.
    let simple = |v: &Q| v.to_i64_pair().is_some_and(|(_, d)| d < 1 << 16);
    if x.iter().all(simple) && lazy::strictly_inside(&x, cons) {
        return Some(x);
    }
    lazy::simple_near(&x, cons)
}

/// `a x = b` in floats by Gaussian elimination with partial pivoting (`a` by rows); `None`
/// when a pivot is zero or a value is not finite. A guess only: exact code checks its use.
fn solve_f64(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n).max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))?;
        a.swap(col, piv);
        b.swap(col, piv);
        let p = a[col][col];
        if p == 0.0 || !p.is_finite() {
            return None;
        }
        for r in col + 1..n {
            let f = a[r][col] / p;
            if f != 0.0 {
                for j in col..n {
                    a[r][j] -= f * a[col][j];
                }
                b[r] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|j| a[i][j] * x[j]).sum();
        x[i] = (b[i] - s) / a[i][i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// A float simplex for `min cost·y` subject to `Σ_j y_j col_j = rhs`, `y >= 0` (column `j`
/// the first `rhs.len()` entries of `cols[j * stride..]`): two phases with artificial variables and Bland's rule.
/// Returns the `rows` columns of an optimal basis, or `None` on any trouble (infeasible or
/// unbounded, an artificial that cannot leave the basis, too many pivots, non-finite
/// numbers). A guess: callers check what they use in exact arithmetic.
fn standard_simplex(cols: &[f64], stride: usize, rhs: &[f64], cost: &[f64]) -> Option<Vec<usize>> {
    let (m, k) = (cost.len(), rhs.len());
    if cols.len() < m * stride || stride < k {
        return None;
    }
    // Tableau rows: k equations over m + k columns (y, then artificials), then the value.
    let width = m + k + 1;
    let mut t = vec![0.0f64; k * width];
    for i in 0..m {
        for r in 0..k {
            t[r * width + i] = cols[i * stride + r];
        }
    }
    for (r, &v) in rhs.iter().enumerate() {
        // Artificial r with coefficient sign(rhs_r), value |rhs_r|.
        let s = if v < 0.0 { -1.0 } else { 1.0 };
        for j in 0..width {
            t[r * width + j] *= s;
        }
        t[r * width + m + r] = 1.0;
        t[r * width + m + k] = v.abs();
    }
    if !t.iter().chain(cost).all(|v| v.is_finite()) {
        return None;
    }
    let mut tab = Tableau {
        t,
        width,
        m,
        k,
        basis: (m..m + k).collect(),
    };
    tab.optimise(|j| f64::from(u8::from(j >= m)), m + k)?;
    let infeasibility: f64 = (0..k)
        .filter(|&r| tab.basis[r] >= m)
        .map(|r| tab.t[r * width + m + k])
        .sum();
    if infeasibility > 1e-9 {
        return None;
    }
    tab.drive_out_artificials()?;
    tab.optimise(|j| if j < m { cost[j] } else { 0.0 }, m)?;
    Some(tab.basis)
}

/// The tableau of [`standard_simplex`].
struct Tableau {
    t: Vec<f64>,
    width: usize,
    m: usize,
    k: usize,
    basis: Vec<usize>,
}

impl Tableau {
    /// Pivots on `(r, j)`.
    fn pivot(&mut self, r: usize, j: usize) {
        let (w, t) = (self.width, &mut self.t);
        let p = t[r * w + j];
        for v in &mut t[r * w..(r + 1) * w] {
            *v /= p;
        }
        for q in 0..self.k {
            if q != r {
                let f = t[q * w + j];
                if f != 0.0 {
                    for col in 0..w {
                        t[q * w + col] -= f * t[r * w + col];
                    }
                }
            }
        }
        self.basis[r] = j;
    }

    /// Minimises `Σ obj(j) y_j` over the columns below `cols` (Bland's rule, ties in the
    /// ratio test to the smallest basic index). `None` when unbounded or too long.
    fn optimise(&mut self, obj: impl Fn(usize) -> f64, cols: usize) -> Option<()> {
        let (w, m, k) = (self.width, self.m, self.k);
        let mut pivots = 0;
        loop {
            let entering = (0..cols).find(|&j| {
                if self.basis.contains(&j) {
                    return false;
                }
                let z: f64 = (0..k).map(|r| obj(self.basis[r]) * self.t[r * w + j]).sum();
                obj(j) - z < -1e-9
            });
            let Some(j) = entering else {
                return Some(());
            };
            let mut leave: Option<(usize, f64)> = None;
            for r in 0..k {
                let a = self.t[r * w + j];
                if a > 1e-12 {
                    let ratio = self.t[r * w + m + k] / a;
                    let better = match leave {
                        None => true,
                        Some((l, best)) => {
                            ratio < best - 1e-12
                                || (ratio <= best + 1e-12 && self.basis[r] < self.basis[l])
                        }
                    };
                    if better {
                        leave = Some((r, ratio));
                    }
                }
            }
            let (r, _) = leave?; // unbounded: give up
            self.pivot(r, j);
            pivots += 1;
            if pivots > 50 * (m + k) {
                return None;
            }
        }
    }

    /// After phase 1: every artificial still basic (at value zero) replaced by a real
    /// column with a non-zero entry in its row; `None` when its row has none (the
    /// equations are dependent).
    fn drive_out_artificials(&mut self) -> Option<()> {
        let (w, m) = (self.width, self.m);
        for r in 0..self.k {
            if self.basis[r] >= m {
                let j = (0..m)
                    .filter(|j| !self.basis.contains(j))
                    .max_by(|&a, &b| self.t[r * w + a].abs().total_cmp(&self.t[r * w + b].abs()))?;
                if self.t[r * w + j].abs() < 1e-12 {
                    return None;
                }
                self.pivot(r, j);
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d_of(cons: &[HalfSpace]) -> usize {
        cons[0].a.len()
    }

    fn h(a: &[i64], b: i64) -> HalfSpace {
        HalfSpace::new(a.iter().map(|&v| Q::from_int(v)).collect(), Q::from_int(b))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Random cells in 1-D to 4-D (float32 constraints, some through a common point, some
        /// cells empty or unbounded): a proposed point is strictly inside every constraint in
        /// exact arithmetic, and none is proposed where the exact LP finds no interior point.
        #[test]
        fn proposed_points_are_inside_and_only_where_there_is_room(
            d in 1usize..=4,
            rows in proptest::collection::vec(
                (proptest::collection::vec(-1.0f32..1.0, 4), -0.5f32..1.0), 1..14),
            boxed in proptest::prelude::any::<bool>(),
        ) {
            let mut cons: Vec<HalfSpace> = rows
                .iter()
                .map(|(a, b)| {
                    let a: Vec<Q> = a[..d].iter().map(|&v| Q::from_f32(v).unwrap()).collect();
                    HalfSpace::new(a, Q::from_f32(*b).unwrap())
                })
                .filter(|h| !h.is_trivial())
                .collect();
            if boxed {
                for j in 0..d {
                    let mut e = vec![Q::ZERO; d];
                    e[j] = Q::ONE;
                    cons.push(HalfSpace::new(e.clone(), Q::from_int(3)));
                    e[j] = -Q::ONE;
                    cons.push(HalfSpace::new(e, Q::from_int(3)));
                }
            }
            let origin = vec![Q::new(1, 10); d];
            let guess = interior_guess(&cons, &Floats::of(d, &cons), &origin);
            let exact = crate::geometry::lp::interior_point(d, &cons);
            if let Some(p) = &guess {
                proptest::prop_assert!(cons.iter().all(|h| h.contains_strictly(p)), "{p:?}");
                proptest::prop_assert!(exact.is_some());
            }
        }
    }

    #[test]
    fn proposes_simple_points_in_float32_cells() {
        // A float32 triangle: x > 0, y > 0, 0.3x + 0.7y < 0.1 (all as float32 values).
        let f = |v: f32| Q::from_f32(v).unwrap();
        let cons = [
            HalfSpace::new(vec![-Q::ONE, Q::ZERO], Q::ZERO),
            HalfSpace::new(vec![Q::ZERO, -Q::ONE], Q::ZERO),
            HalfSpace::new(vec![f(0.3), f(0.7)], f(0.1)),
        ];
        let p = interior_guess(&cons, &Floats::of(d_of(&cons), &cons), &[Q::ZERO, Q::ZERO])
            .expect("room for a cube");
        assert!(cons.iter().all(|h| h.contains_strictly(&p)));
        assert!(
            p.iter()
                .all(|v| v.to_i64_pair().is_some_and(|(_, d)| d < 1 << 16)),
            "{p:?}"
        );
        // The same triangle cut off by x + y < 0: empty, nothing proposed.
        let mut empty = cons.to_vec();
        empty.push(HalfSpace::new(vec![Q::ONE, Q::ONE], Q::ZERO));
        assert_eq!(
            interior_guess(
                &empty,
                &Floats::of(d_of(&empty), &empty),
                &[Q::ZERO, Q::ZERO]
            ),
            None
        );
        // A quadrant: arbitrarily large cubes fit; the capped cube gives a point with room 1
        // from both sides, near the corner (the uncapped LP has no optimum).
        let q = interior_guess(
            &cons[..2],
            &Floats::of(d_of(&cons), &cons[..2]),
            &[Q::from_int(5), Q::from_int(7)],
        )
        .expect("a point in the quadrant");
        assert!(cons[..2].iter().all(|h| h.contains_strictly(&q)), "{q:?}");
        assert!(
            q.iter().all(|v| *v > Q::new(1, 2) && *v < Q::from_int(2)),
            "{q:?}"
        );
        // Random float32 cells around the origin inside a box, in 3-D: nearly all get a
        // proposal (else the float LP would save nothing), each strictly inside.
        let mut s = 11u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0
        };
        let mut proposed = 0;
        for _ in 0..100 {
            let mut cons: Vec<HalfSpace> = (0..6)
                .map(|_| {
                    HalfSpace::new((0..3).map(|_| f(next())).collect(), f(next().abs() + 0.01))
                })
                .collect();
            for j in 0..3 {
                let mut e = vec![Q::ZERO; 3];
                e[j] = Q::ONE;
                cons.push(HalfSpace::new(e.clone(), Q::ONE));
                e[j] = -Q::ONE;
                cons.push(HalfSpace::new(e, Q::ONE));
            }
            if let Some(p) = interior_guess(
                &cons,
                &Floats::of(d_of(&cons), &cons),
                &[Q::ZERO, Q::ZERO, Q::ZERO],
            ) {
                assert!(cons.iter().all(|h| h.contains_strictly(&p)));
                proposed += 1;
            }
        }
        assert!(proposed >= 95, "{proposed} of 100");
    }

    #[test]
    fn confirms_only_what_an_exact_lp_confirms() {
        // The unit square; sides x < -1 (missed), x < 0 (touches an edge: no interior),
        // x < 1/2 (cuts), x + y < 0 (touches a corner), x + y > 3 (missed).
        let sq = [h(&[1, 0], 1), h(&[-1, 0], 0), h(&[0, 1], 1), h(&[0, -1], 0)];
        let p = [Q::new(1, 3), Q::new(1, 4)];
        assert!(misses(&sq, &Floats::of(2, &sq), &p, &h(&[1, 0], -1)));
        assert!(misses(&sq, &Floats::of(2, &sq), &p, &h(&[1, 0], 0)));
        assert!(!misses(
            &sq,
            &Floats::of(2, &sq),
            &p,
            &HalfSpace::new(vec![Q::ONE, Q::ZERO], Q::new(1, 2))
        ));
        assert!(misses(&sq, &Floats::of(2, &sq), &p, &h(&[1, 1], 0)));
        assert!(misses(&sq, &Floats::of(2, &sq), &p, &h(&[-1, -1], -3)));
        assert!(!misses(&sq, &Floats::of(2, &sq), &p, &h(&[-1, -1], -1)));
        // Random cells (random constraints through a box around a known point) and sides:
        // whenever the filter says "missed", the exact LP finds no interior point.
        let mut s = 5u64;
        let mut next = |m: i64| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % (2 * m as u64 + 1)) as i64 - m
        };
        let mut shown = 0;
        for _ in 0..300 {
            let mut cons = vec![h(&[1, 0], 9), h(&[-1, 0], 9), h(&[0, 1], 9), h(&[0, -1], 9)];
            for _ in 0..(next(3) + 4) {
                // a·x <= b with the origin strictly inside.
                cons.push(h(&[next(5), next(5)], 1 + next(4).abs()));
            }
            let side = h(&[next(5), next(5)], next(12));
            let p = [Q::ZERO, Q::ZERO];
            if side.a.iter().all(Q::is_zero) {
                continue;
            }
            let filtered = misses(&cons, &Floats::of(2, &cons), &p, &side);
            let mut with = cons.clone();
            with.push(side.clone());
            let exact = crate::geometry::lp::interior_point(2, &with)
                .is_some_and(|q| with.iter().all(|c| c.contains_strictly(&q)));
            if filtered {
                shown += 1;
                assert!(!exact, "{cons:?} {side:?}");
            }
        }
        assert!(
            shown > 30,
            "the filter decides often enough ({shown} of 300)"
        );
    }
}
