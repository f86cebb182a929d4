//! Simple interior points: a point strictly inside a polyhedron, moved coordinate by
//! coordinate to the simplest rational (smallest denominator, by continued fractions) that
//! keeps it strictly inside. People read these points and paste them into `eval`; an
//! imported net's regions otherwise have points like `[52986385475434285855/6044629098...]`.
//!
//! Exact throughout: the room each coordinate has is computed in `Q` from every constraint,
//! and the chosen value lies strictly inside that room, so the point stays strictly inside.

use crate::exact::linalg::HalfSpace;
use crate::exact::rational::Q;
use crate::geometry::lazy::simplest_between;

/// `p` (strictly inside every `a·x <= b` of `cons`) with each coordinate in turn replaced by
/// the simplest rational in the middle half of the room it has there. The result is strictly
/// inside too (asserted in debug builds; guaranteed by construction).
pub fn simplify_interior(p: &[Q], cons: &[HalfSpace]) -> Vec<Q> {
    let mut x = p.to_vec();
    for i in 0..x.len() {
        if let Some(v) = simplest_in_room(&x, i, cons) {
            x[i] = v;
        }
    }
    debug_assert!(cons.iter().all(|h| h.contains_strictly(&x)));
    x
}

/// The simplest value for coordinate `i` of `x`, or `None` when `x` is not strictly inside
/// (then it is left alone).
fn simplest_in_room(x: &[Q], i: usize, cons: &[HalfSpace]) -> Option<Q> {
    let (mut lo, mut hi): (Option<Q>, Option<Q>) = (None, None);
    for h in cons {
        let ai = &h.a[i];
        // a_i·t < b - Σ_{j≠i} a_j x_j  =: r
        let rest: Q =
            h.a.iter()
                .zip(x)
                .enumerate()
                .filter(|&(j, (a, _))| j != i && !a.is_zero())
                .map(|(_, (a, v))| a * v)
                .sum();
        let r = &h.b - &rest;
        if ai.is_zero() {
            if !r.is_positive() {
                return None;
            }
            continue;
        }
        let t = &r / ai;
        if ai.is_positive() {
            hi = Some(hi.map_or(t.clone(), |h| h.min(t)));
        } else {
            lo = Some(lo.map_or(t.clone(), |l| l.max(t)));
        }
    }
    let xi = &x[i];
    if lo.as_ref().is_some_and(|l| l >= xi) || hi.as_ref().is_some_and(|h| h <= xi) {
        return None;
    }
    let half = Q::new(1, 2);
    let spread = xi.abs() + Q::ONE;
    let a = match &lo {
        Some(l) => xi - &((xi - l) * &half),
        None => xi - &spread,
    };
    let b = match &hi {
        Some(h) => xi + &((h - xi) * &half),
        None => xi + &spread,
    };
    simplest_between(&a, &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hs(a: &[i64], b: Q) -> HalfSpace {
        HalfSpace {
            a: a.iter().map(|&v| Q::from_int(v)).collect(),
            b,
        }
    }

    #[test]
    fn a_long_point_becomes_a_short_one() {
        // The triangle x > 0, y > 0, x + y < 1 and a point with a long denominator.
        let cons = [
            hs(&[-1, 0], Q::ZERO),
            hs(&[0, -1], Q::ZERO),
            hs(&[1, 1], Q::ONE),
        ];
        let p = [
            Q::new(123_456_789, 987_654_321_000),
            Q::new(333_333_333, 1_000_000_001),
        ];
        let s = simplify_interior(&p, &cons);
        assert!(cons.iter().all(|h| h.contains_strictly(&s)));
        assert!(s.iter().all(|v| v.denom() <= 8.into()), "{s:?}");
    }

    proptest! {
        /// On random boxes cut by a random half-space, a point found strictly inside stays
        /// strictly inside and never gets a larger denominator (checked by evaluating every
        /// constraint, independently of how the room was computed).
        #[test]
        fn simplified_points_stay_strictly_inside(
            a in proptest::collection::vec(-5i64..=5, 3),
            p in proptest::collection::vec((-1000i64..1000, 1i64..1000), 3),
        ) {
            let p: Vec<Q> = p.iter().map(|&(n, d)| Q::new(n, d)).collect();
            // Constraints through p's neighbourhood: a box of half-width 1/7 around p, and
            // a·x < a·p + 1/9.
            let mut cons = Vec::new();
            for i in 0..3 {
                let mut e = vec![0; 3];
                e[i] = 1;
                cons.push(hs(&e, &p[i] + &Q::new(1, 7)));
                e[i] = -1;
                cons.push(hs(&e, -&p[i] + &Q::new(1, 7)));
            }
            let ap: Q = a.iter().zip(&p).map(|(&ai, v)| Q::from_int(ai) * v).sum();
            cons.push(hs(&a, ap + Q::new(1, 9)));
            let s = simplify_interior(&p, &cons);
            for h in &cons {
                prop_assert!(h.contains_strictly(&s));
            }
            for (si, pi) in s.iter().zip(&p) {
                prop_assert!(si.denom() <= pi.denom().max(63.into()));
            }
        }
    }
}
