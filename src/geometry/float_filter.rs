//! A float pre-filter for emptiness, confirmed exactly.
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

use crate::exact::filtered::{self, Iv};
use crate::exact::linalg::{HalfSpace, Matrix};
use crate::exact::rational::Q;

/// Does the exact check confirm that `{x : side.a·x < side.b}` misses the interior of
/// `C = {x : a_i·x <= b_i}`? `point` is strictly inside `C`. `false` means "not shown".
pub(crate) fn misses(cons: &[HalfSpace], point: &[Q], side: &HalfSpace) -> bool {
    let k = point.len();
    if cons.len() < k || side.a.len() != k {
        return false;
    }
    let c: Vec<Q> = side.a.iter().map(|v| -v).collect();
    let Some(basis) = dual_basis(cons, point, &c) else {
        return false;
    };
    filtered::decide(
        || shown_by_enclosures(cons, &basis, &c, side),
        || shown_exactly(cons, &basis, &c, side),
    )
}

/// The check of [`misses`] on enclosures: `Some` when they decide it (then the answer is
/// the exact one), `None` when an enclosure of a multiplier or of the bound holds zero.
fn shown_by_enclosures(
    cons: &[HalfSpace],
    basis: &[usize],
    c: &[Q],
    side: &HalfSpace,
) -> Option<bool> {
    let rows = (0..c.len())
        .map(|r| basis.iter().map(|&i| Iv::from_q(&cons[i].a[r])).collect())
        .collect();
    let y = filtered::solve(rows, c.iter().map(Iv::from_q).collect())?;
    if y.iter().any(|w| w.hi < 0.0) {
        return Some(false); // the exact multiplier is negative too
    }
    if y.iter().any(|w| w.lo <= 0.0) {
        return None;
    }
    let bound = (basis.iter().zip(&y)).fold(Iv::from_q(&side.b), |acc, (&i, w)| {
        acc + *w * Iv::from_q(&cons[i].b)
    });
    bound.sign().map(|s| s < 0)
}

/// The check of [`misses`] in exact arithmetic: solve `Σ_{i∈S} y_i a_i = c`; `y >= 0` and
/// `Σ y_i b_i + β <= 0`.
fn shown_exactly(cons: &[HalfSpace], basis: &[usize], c: &[Q], side: &HalfSpace) -> bool {
    let k = c.len();
    let mut cols = Matrix::zeros(k, k);
    for (j, &i) in basis.iter().enumerate() {
        for r in 0..k {
            cols[(r, j)] = cons[i].a[r].clone();
        }
    }
    let Some(y) = cols.solve(c) else {
        return false;
    };
    if y.iter().any(Q::is_negative) {
        return false;
    }
    let bound: Q = basis.iter().zip(&y).map(|(&i, w)| w * &cons[i].b).sum();
    !(bound + &side.b).is_positive()
}

/// A float guess of an optimal basis of the dual of `max c·x` over `C`: `min Σ s_i y_i`
/// subject to `Σ y_i a_i = c`, `y >= 0`, with `s_i = b_i - a_i·point > 0`. Returns the `k`
/// constraints of the final basis, or `None` on any trouble (infeasible dual, an artificial
/// left in the basis, too many pivots, non-finite numbers).
fn dual_basis(cons: &[HalfSpace], point: &[Q], c: &[Q]) -> Option<Vec<usize>> {
    let (m, k) = (cons.len(), c.len());
    let pf: Vec<f64> = point.iter().map(Q::approx_f64).collect();
    // Tableau rows: k equations over m + k columns (y, then artificials), then the value.
    let width = m + k + 1;
    let mut t = vec![0.0f64; k * width];
    for (i, h) in cons.iter().enumerate() {
        for (r, a) in h.a.iter().enumerate() {
            t[r * width + i] = a.approx_f64();
        }
    }
    for (r, cr) in c.iter().enumerate() {
        let v = cr.approx_f64();
        // Artificial r with coefficient sign(c_r), value |c_r|.
        let s = if v < 0.0 { -1.0 } else { 1.0 };
        for j in 0..width {
            t[r * width + j] *= s;
        }
        t[r * width + m + r] = 1.0;
        t[r * width + m + k] = v.abs();
    }
    let cost: Vec<f64> = cons
        .iter()
        .map(|h| {
            let ax: f64 = h.a.iter().zip(&pf).map(|(a, x)| a.approx_f64() * x).sum();
            h.b.approx_f64() - ax
        })
        .collect();
    if !t.iter().chain(&cost).all(|v| v.is_finite()) {
        return None;
    }
    let mut basis: Vec<usize> = (m..m + k).collect();
    // Phase 1: minimise the sum of the artificials; phase 2: the cost, artificials barred.
    for phase in 0..2 {
        let obj = |j: usize| -> f64 {
            if phase == 0 {
                f64::from(u8::from(j >= m))
            } else if j < m {
                cost[j]
            } else {
                0.0
            }
        };
        let mut pivots = 0;
        loop {
            // Reduced costs; Bland's rule: the first improving column.
            let entering = (0..m + if phase == 0 { k } else { 0 }).find(|&j| {
                if basis.contains(&j) {
                    return false;
                }
                let z: f64 = (0..k).map(|r| obj(basis[r]) * t[r * width + j]).sum();
                obj(j) - z < -1e-9
            });
            let Some(j) = entering else { break };
            // Ratio test, ties to the smallest basic index.
            let mut leave: Option<(usize, f64)> = None;
            for r in 0..k {
                let a = t[r * width + j];
                if a > 1e-12 {
                    let ratio = t[r * width + m + k] / a;
                    let better = match leave {
                        None => true,
                        Some((l, best)) => {
                            ratio < best - 1e-12 || (ratio <= best + 1e-12 && basis[r] < basis[l])
                        }
                    };
                    if better {
                        leave = Some((r, ratio));
                    }
                }
            }
            let (r, _) = leave?; // unbounded dual: give up
            let p = t[r * width + j];
            for v in &mut t[r * width..(r + 1) * width] {
                *v /= p;
            }
            for q in 0..k {
                if q != r {
                    let f = t[q * width + j];
                    if f != 0.0 {
                        for col in 0..width {
                            t[q * width + col] -= f * t[r * width + col];
                        }
                    }
                }
            }
            basis[r] = j;
            pivots += 1;
            if pivots > 50 * (m + k) {
                return None;
            }
        }
        if phase == 0 {
            let infeasibility: f64 = (0..k)
                .filter(|&r| basis[r] >= m)
                .map(|r| t[r * width + m + k])
                .sum();
            if infeasibility > 1e-9 || basis.iter().any(|&b| b >= m) {
                return None;
            }
        }
    }
    Some(basis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(a: &[i64], b: i64) -> HalfSpace {
        HalfSpace::new(a.iter().map(|&v| Q::from_int(v)).collect(), Q::from_int(b))
    }

    #[test]
    fn confirms_only_what_an_exact_lp_confirms() {
        // The unit square; sides x < -1 (missed), x < 0 (touches an edge: no interior),
        // x < 1/2 (cuts), x + y < 0 (touches a corner), x + y > 3 (missed).
        let sq = [h(&[1, 0], 1), h(&[-1, 0], 0), h(&[0, 1], 1), h(&[0, -1], 0)];
        let p = [Q::new(1, 3), Q::new(1, 4)];
        assert!(misses(&sq, &p, &h(&[1, 0], -1)));
        assert!(misses(&sq, &p, &h(&[1, 0], 0)));
        assert!(!misses(
            &sq,
            &p,
            &HalfSpace::new(vec![Q::ONE, Q::ZERO], Q::new(1, 2))
        ));
        assert!(misses(&sq, &p, &h(&[1, 1], 0)));
        assert!(misses(&sq, &p, &h(&[-1, -1], -3)));
        assert!(!misses(&sq, &p, &h(&[-1, -1], -1)));
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
            let filtered = misses(&cons, &p, &side);
            // The same answer with every sign exact.
            let on = filtered::set_enabled(false);
            assert_eq!(misses(&cons, &p, &side), filtered);
            filtered::set_enabled(on);
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
