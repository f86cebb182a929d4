//! Lazy exact vertices: a vertex is known by an enclosure of its coordinates ([`Iv`]s) and
//! by how it was made (the crossing of a hyperplane with the segment between two earlier
//! vertices); its exact coordinates are computed on first use and kept. A cut decides the
//! sign of the hyperplane at a vertex with [`filtered::sign`]: the enclosure when it can,
//! the exact coordinates otherwise. So exact coordinates are computed only where a filter
//! fails or an output needs them.
//!
//! Also here: simple interior points. A cell's float centroid is rounded to the simplest
//! rational in a small box around it (continued fractions) and checked strictly inside
//! every constraint, with filtered signs; people read `[1/3, -1/2]`, not 23-digit
//! fractions.

use crate::exact::filtered::{self, Iv, affine};
use crate::exact::linalg::HalfSpace;
use crate::exact::rational::{Q, affine_sign};
use num_traits::ToPrimitive;
use std::borrow::Borrow;
use std::sync::{Arc, OnceLock};

/// A hyperplane `row·y + off = 0` with the enclosures of its coefficients (centres and
/// radii, see [`filtered::affine_mid_rad`]).
#[derive(Debug)]
pub(crate) struct Plane {
    row: Vec<Q>,
    off: Q,
    row_mr: Vec<(f64, f64)>,
    off_mr: (f64, f64),
}

impl Plane {
    pub(crate) fn new(row: &[Q], off: &Q) -> Plane {
        Plane {
            row: row.to_vec(),
            off: off.clone(),
            row_mr: row.iter().map(|a| Iv::from_q(a).mid_rad()).collect(),
            off_mr: Iv::from_q(off).mid_rad(),
        }
    }

    /// The exact value at `x`.
    pub(crate) fn value(&self, x: &[Q]) -> Q {
        affine(&self.row, &self.off, x)
    }

    /// An enclosure of the value at the vertex.
    pub(crate) fn value_iv(&self, v: &Lazy) -> Iv {
        self.value_on(v.iv())
    }

    /// An enclosure of the values at every point of the box `x` (one interval per
    /// coordinate).
    pub(crate) fn value_on(&self, x: &[Iv]) -> Iv {
        filtered::affine_mid_rad(&self.row_mr, self.off_mr, x)
    }

    /// The exact sign at the vertex (filtered) and an enclosure of the value there with
    /// that sign (the enclosure clipped to the sign's side).
    pub(crate) fn sign_at(&self, v: &Lazy) -> (i8, Iv) {
        let iv = self.value_iv(v);
        let s = filtered::sign(|| iv, || affine_sign(&self.row, &self.off, v.exact()));
        let iv = match s {
            1 => Iv {
                lo: iv.lo.max(0.0),
                hi: iv.hi.max(0.0),
            },
            -1 => Iv {
                lo: iv.lo.min(0.0),
                hi: iv.hi.min(0.0),
            },
            _ => Iv::ZERO,
        };
        (s as i8, iv)
    }
}

/// A vertex: an enclosure of its coordinates, its exact coordinates once computed, and how
/// to compute them.
#[derive(Debug)]
pub(crate) struct Lazy {
    /// The enclosures of the first `dim` coordinates (inline: one allocation less for
    /// every vertex made).
    iv: [Iv; MAX_DIM],
    dim: u8,
    exact: OnceLock<Box<[Q]>>,
    /// The crossing of the plane with the segment `[u, v]` (values of opposite signs), or
    /// `None` for a vertex given exactly.
    how: Option<(Vertex, Vertex, Arc<Plane>)>,
}

/// The largest dimension of a lazy vertex.
pub(crate) const MAX_DIM: usize = 6;

/// The enclosures of `x` (at most [`MAX_DIM`] coordinates), inline.
fn inline(x: impl ExactSizeIterator<Item = Iv>) -> ([Iv; MAX_DIM], u8) {
    assert!(
        x.len() <= MAX_DIM,
        "a lazy vertex has at most {MAX_DIM} coordinates"
    );
    let mut out = [Iv::ZERO; MAX_DIM];
    let dim = x.len() as u8;
    for (o, v) in out.iter_mut().zip(x) {
        *o = v;
    }
    (out, dim)
}

/// A shared lazy vertex.
pub(crate) type Vertex = Arc<Lazy>;

impl Lazy {
    /// A vertex given exactly.
    pub(crate) fn given(x: Vec<Q>) -> Vertex {
        let (iv, dim) = inline(x.iter().map(Iv::from_q));
        let exact = OnceLock::from(x.into_boxed_slice());
        Arc::new(Lazy {
            iv,
            dim,
            exact,
            how: None,
        })
    }

    /// The enclosure of the coordinates.
    pub(crate) fn iv(&self) -> &[Iv] {
        &self.iv[..self.dim as usize]
    }

    /// Are the exact coordinates known (given, or computed before)?
    #[cfg(test)]
    pub(crate) fn is_exact(&self) -> bool {
        self.exact.get().is_some()
    }

    /// The exact coordinates, computed on first use.
    pub(crate) fn exact(&self) -> &[Q] {
        self.exact.get_or_init(|| {
            let (u, v, p) = self
                .how
                .as_ref()
                .expect("a given vertex has its coordinates");
            let (xu, xv) = (u.exact(), v.exact());
            let (vu, vv) = (p.value(xu), p.value(xv));
            crossing(xu, xv, &vu, &vv).collect()
        })
    }

    /// The point where `plane` meets the segment `[u, v]`, with `su`, `sv` enclosures of
    /// the plane's values at `u` (positive) and `v` (negative). Its enclosure: with
    /// `t = su / (su - sv)` in `[0, 1]`, `x = u + t (v - u)`, within the hull of the ends.
    pub(crate) fn crossing(u: &Vertex, v: &Vertex, su: Iv, sv: Iv, plane: &Arc<Plane>) -> Vertex {
        let unit = Iv { lo: 0.0, hi: 1.0 };
        let t = su.div(&(su - sv)).meet(&unit);
        let (iv, dim) = inline(
            u.iv()
                .iter()
                .zip(v.iv())
                .map(|(a, b)| (*a + t * (*b - *a)).meet(&a.hull(b))),
        );
        Arc::new(Lazy {
            iv,
            dim,
            exact: OnceLock::new(),
            how: Some((Arc::clone(u), Arc::clone(v), Arc::clone(plane))),
        })
    }
}

/// `(vu·v - vv·u) / (vu - vv)`: the point of the segment `[u, v]` where an affine function
/// with values `vu` at `u` and `vv` at `v` (of opposite signs) vanishes.
pub(crate) fn crossing<'a>(u: &'a [Q], v: &'a [Q], vu: &Q, vv: &Q) -> impl Iterator<Item = Q> + 'a {
    let den = (vu - vv).recip().expect("opposite signs");
    let (a, b) = (vu * &den, vv * &den);
    u.iter().zip(v).map(
        move |(x, y)| {
            if x == y { x.clone() } else { &a * y - &b * x }
        },
    )
}

/// The simplest rational (smallest denominator, then smallest numerator) in `[lo, hi]`
/// (`lo <= hi`), by continued fractions; `None` after too many terms.
pub(crate) fn simplest_between(lo: &Q, hi: &Q) -> Option<Q> {
    if lo.is_positive() {
        simplest_positive(lo, hi, 0)
    } else if hi.is_negative() {
        simplest_positive(&-hi, &-lo, 0).map(|q| -q)
    } else {
        Some(Q::ZERO)
    }
}

/// The continued-fraction depth after which [`simplest_between`] gives up.
const MAX_DEPTH: usize = 40;

fn simplest_positive(lo: &Q, hi: &Q, depth: usize) -> Option<Q> {
    if depth > MAX_DEPTH {
        return None;
    }
    if depth == 0
        && let (Some(l), Some(h)) = (u128_parts(lo), u128_parts(hi))
        && let Ok(found) = simplest_positive_u128(l, h, 0)
    {
        let (n, d) = found?;
        if let (Ok(n), Ok(d)) = (i128::try_from(n), i128::try_from(d)) {
            return Some(Q::from_i128_parts(n, d));
        }
    }
    let n = lo.floor();
    if n == *lo {
        return Some(n);
    }
    let up = &n + &Q::ONE;
    if up <= *hi {
        return Some(up);
    }
    // lo, hi in (n, n + 1): n + 1 / (the simplest in [1 / (hi - n), 1 / (lo - n)]).
    let a = (hi - &n).recip()?;
    let b = (lo - &n).recip()?;
    let inner = simplest_positive(&a, &b, depth + 1)?;
    Some(&n + &inner.recip()?)
}

/// A positive value as `(numerator, denominator)` in `u128`, both below `2^126` (so the
/// steps of [`simplest_positive_u128`] cannot overflow their sums).
fn u128_parts(q: &Q) -> Option<(u128, u128)> {
    const LIMIT: u128 = 1 << 126;
    let (n, d) = match q.to_i64_pair() {
        Some((n, d)) => (u128::try_from(n).ok()?, d as u128),
        None => (q.numer().to_u128()?, q.denom().to_u128()?),
    };
    (n < LIMIT && d < LIMIT).then_some((n, d))
}

/// [`simplest_positive`] on `lo = ln / ld`, `hi = hn / hd` (`0 < lo <= hi`) in integers: the
/// same steps (so the same answer, and `Ok(None)` past the same depth), with the result
/// `(numerator, denominator)` reduced (a continued fraction's convergent). `Err(())` when
/// a product overflows: then the caller computes in [`Q`].
#[allow(clippy::type_complexity)]
fn simplest_positive_u128(
    (ln, ld): (u128, u128),
    (hn, hd): (u128, u128),
    depth: usize,
) -> Result<Option<(u128, u128)>, ()> {
    if depth > MAX_DEPTH {
        return Ok(None);
    }
    let (n, rest) = (ln / ld, ln % ld);
    if rest == 0 {
        return Ok(Some((n, 1)));
    }
    // n + 1 <= hi, i.e. (n + 1)·hd <= hn.
    if (n + 1).checked_mul(hd).ok_or(())? <= hn {
        return Ok(Some((n + 1, 1)));
    }
    // lo, hi in (n, n + 1): 1 / (hi - n) = hd / (hn - n·hd) and 1 / (lo - n) = ld / rest
    // (n·hd <= hn as n <= lo <= hi).
    let Some((p, q)) = simplest_positive_u128((hd, hn - n * hd), (ld, rest), depth + 1)? else {
        return Ok(None);
    };
    // n + 1 / (p / q) = (n·p + q) / p.
    let num = n.checked_mul(p).and_then(|x| x.checked_add(q)).ok_or(())?;
    Ok(Some((num, p)))
}

/// Is `p` strictly inside every constraint (`a·p < b`)? Filtered signs.
pub(crate) fn strictly_inside<H: Borrow<HalfSpace>>(p: &[Q], cons: &[H]) -> bool {
    strictly_inside_rows(p, cons, &[])
}

/// The constraint `a·x <= b` as the plane `a·x - b` in centre-radius enclosures (`a`, then
/// `-b`), for [`strictly_inside_rows`].
pub(crate) fn enclosed_row(h: &HalfSpace) -> Box<[(f64, f64)]> {
    (h.a.iter().map(|a| Iv::from_q(a).mid_rad()))
        .chain([(-Iv::from_q(&h.b)).mid_rad()])
        .collect()
}

/// [`strictly_inside`] with the enclosed rows of `cons` ([`enclosed_row`]) made already
/// (`rows` empty: made here).
pub(crate) fn strictly_inside_rows<H: Borrow<HalfSpace>>(
    p: &[Q],
    cons: &[H],
    rows: &[&[(f64, f64)]],
) -> bool {
    debug_assert!(rows.is_empty() || rows.len() == cons.len());
    let piv: Vec<Iv> = p.iter().map(Iv::from_q).collect();
    let mut row = Vec::with_capacity(p.len() + 1);
    cons.iter().enumerate().all(|(i, h)| {
        let h = h.borrow();
        filtered::sign(
            || {
                let r: &[(f64, f64)] = match rows.get(i) {
                    Some(r) => r,
                    None => {
                        row.clear();
                        row.extend(h.a.iter().map(|a| Iv::from_q(a).mid_rad()));
                        row.push((-Iv::from_q(&h.b)).mid_rad());
                        &row
                    }
                };
                let (a, off) = r.split_at(p.len());
                filtered::affine_mid_rad(a, off[0], &piv)
            },
            || affine_sign(&h.a, &-&h.b, p),
        ) < 0
    })
}

/// A simple rational point strictly inside the full-dimensional cell with these vertices
/// (`mids`: their coordinates in floats, `d` per vertex, any approximation) and
/// constraints: the float centroid of the vertices rounded to the simplest rational in a
/// box around it, the box shrinking until the point is inside (checked exactly, with
/// filtered signs). `None` when no try is (then the caller takes an exact combination of
/// the vertices).
pub(crate) fn simple_interior(
    d: usize,
    mids: &[f64],
    cons: &[HalfSpace],
    rows: &[&[(f64, f64)]],
) -> Option<Vec<Q>> {
    if d == 0 || mids.is_empty() {
        return None;
    }
    let n = (mids.len() / d) as f64;
    let mut center = vec![0.0; d];
    let mut lo = vec![f64::INFINITY; d];
    let mut hi = vec![f64::NEG_INFINITY; d];
    for v in mids.chunks(d) {
        for j in 0..d {
            let m = v[j];
            center[j] += m / n;
            lo[j] = lo[j].min(m);
            hi[j] = hi[j].max(m);
        }
    }
    if center.iter().any(|c| !c.is_finite()) {
        return None;
    }
    for shrink in [8.0, 64.0, 1024.0, 65536.0] {
        let p: Option<Vec<Q>> = (0..d)
            .map(|j| {
                let r = (hi[j] - lo[j]) / shrink;
                let a = Q::from_f64(center[j] - r).ok()?;
                let b = Q::from_f64(center[j] + r).ok()?;
                simplest_between(&a, &b)
            })
            .collect();
        if let Some(p) = p
            && strictly_inside_rows(&p, cons, rows)
        {
            return Some(p);
        }
    }
    None
}

/// A simple rational point near `p` (strictly inside every constraint of `cons`) that is
/// strictly inside too: each coordinate the simplest rational within a relative radius of
/// its float value, the radius shrinking from `2^-4` to `2^-40`, each try checked with
/// filtered signs. `None` when no try is inside (a cell thinner than the last radius):
/// then the caller keeps `p`.
pub(crate) fn simple_near<H: Borrow<HalfSpace>>(p: &[Q], cons: &[H]) -> Option<Vec<Q>> {
    let center: Vec<f64> = p.iter().map(Q::approx_f64).collect();
    if center.iter().any(|c| !c.is_finite()) {
        return None;
    }
    for k in [4, 10, 16, 24, 32, 40] {
        let scale = 2f64.powi(-k);
        let x: Option<Vec<Q>> = center
            .iter()
            .map(|&c| {
                let r = scale * (c.abs() + 1.0);
                simplest_between(&Q::from_f64(c - r).ok()?, &Q::from_f64(c + r).ok()?)
            })
            .collect();
        if let Some(x) = x
            && strictly_inside(&x, cons)
        {
            return Some(x);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Random cells (float32 constraints around a point) with the exact LP's interior
        /// point: the simple point near it is strictly inside every constraint, checked in
        /// exact arithmetic.
        #[test]
        fn simple_points_near_lp_points_are_inside(
            rows in proptest::collection::vec(
                (proptest::collection::vec(-1.0f32..1.0, 3), 0.001f32..1.0), 4..12),
        ) {
            let cons: Vec<HalfSpace> = rows
                .iter()
                .map(|(a, b)| {
                    let a: Vec<Q> = a.iter().map(|&v| Q::from_f32(v).unwrap()).collect();
                    HalfSpace::new(a, Q::from_f32(*b).unwrap())
                })
                .collect();
            let Some(p) = crate::geometry::lp::interior_point(3, &cons) else {
                return Ok(());
            };
            if let Some(x) = simple_near(&p, &cons) {
                proptest::prop_assert!(cons.iter().all(|h| h.contains_strictly(&x)));
            }
        }
    }

    #[test]
    fn simple_points_near_thin_cells_fall_back() {
        // The slab 0 < x < 2^-60 around x = 2^-61: no radius fits; the caller keeps p.
        let t = Q::pow2(-60);
        let cons = [
            HalfSpace::new(vec![Q::ONE, Q::ZERO], t.clone()),
            HalfSpace::new(vec![-Q::ONE, Q::ZERO], Q::ZERO),
            HalfSpace::new(vec![Q::ZERO, Q::ONE], Q::ONE),
            HalfSpace::new(vec![Q::ZERO, -Q::ONE], Q::ONE),
        ];
        let p = [Q::pow2(-61), Q::new(1, 3)];
        assert!(cons.iter().all(|h| h.contains_strictly(&p)));
        assert_eq!(simple_near(&p, &cons), None);
        // A wide cell: a simple point.
        let wide = [cons[2].clone(), cons[3].clone()];
        let x = simple_near(&[Q::new(123_456_789, 987_654_321), Q::new(1, 3)], &wide).unwrap();
        assert!(
            x.iter()
                .all(|v| v.to_i64_pair().is_some_and(|(_, d)| d < 1 << 20))
        );
    }

    use super::*;

    fn q(n: i64, d: i64) -> Q {
        Q::new(n, d)
    }

    proptest::proptest! {
        /// The integer continued fraction gives what the one in `Q` gives (the simplest
        /// rational, or none past the depth limit), on dyadic ends as the float centroids
        /// give them and on random fractions.
        #[test]
        fn integer_and_rational_simplest_agree(
            c in -2.0f64..2.0, r in 0.0f64..0.5, e in 0i32..60,
            (n1, d1, n2, d2) in (1i64..1 << 40, 1i64..1 << 40, 1i64..1 << 40, 1i64..1 << 40),
        ) {
            let r = r * 2f64.powi(-e);
            let (a, b) = (Q::from_f64(c - r).unwrap(), Q::from_f64(c + r).unwrap());
            let (x, y) = (q(n1, d1), q(n2, d2));
            for (lo, hi) in [(a, b), (x.clone().min(y.clone()), x.max(y))] {
                let slow = if lo.is_positive() {
                    simplest_positive_q(&lo, &hi, 0)
                } else if hi.is_negative() {
                    simplest_positive_q(&-&hi, &-&lo, 0).map(|v| -v)
                } else {
                    Some(Q::ZERO)
                };
                proptest::prop_assert_eq!(simplest_between(&lo, &hi), slow);
            }
        }
    }

    /// [`simplest_positive`] in `Q` only (the reference).
    fn simplest_positive_q(lo: &Q, hi: &Q, depth: usize) -> Option<Q> {
        if depth > MAX_DEPTH {
            return None;
        }
        let n = lo.floor();
        if n == *lo {
            return Some(n);
        }
        let up = &n + &Q::ONE;
        if up <= *hi {
            return Some(up);
        }
        let a = (hi - &n).recip()?;
        let b = (lo - &n).recip()?;
        Some(&n + &simplest_positive_q(&a, &b, depth + 1)?.recip()?)
    }

    #[test]
    fn simplest_rationals() {
        assert_eq!(simplest_between(&q(3, 10), &q(4, 10)), Some(q(1, 3)));
        assert_eq!(simplest_between(&q(-6, 10), &q(-4, 10)), Some(q(-1, 2)));
        assert_eq!(simplest_between(&q(-1, 10), &q(4, 10)), Some(Q::ZERO));
        assert_eq!(simplest_between(&q(7, 3), &q(7, 3)), Some(q(7, 3)));
        assert_eq!(simplest_between(&q(5, 2), &q(13, 4)), Some(q(3, 1)));
        // Ratios of Fibonacci numbers have continued fractions of ones: F(30) / F(31) is
        // found (depth 29), F(50) / F(51) is past the depth limit, in both arithmetics.
        let fib = |n: usize| (0..n).fold((0i64, 1i64), |(a, b), _| (b, a + b)).0;
        let (f30, f50) = (q(fib(30), fib(31)), q(fib(50), fib(51)));
        assert_eq!(simplest_between(&f30, &f30), Some(f30.clone()));
        assert_eq!(simplest_positive_q(&f30, &f30, 0), Some(f30));
        assert_eq!(simplest_between(&f50, &f50), None);
        assert_eq!(simplest_positive_q(&f50, &f50, 0), None);
        // Brute force over small denominators agrees.
        for (a, b) in [(q(31, 100), q(32, 100)), (q(141, 100), q(142, 100))] {
            let s = simplest_between(&a, &b).unwrap();
            assert!(a <= s && s <= b);
            let best = (1..200)
                .find_map(|den| {
                    (0..1000)
                        .map(|num| q(num, den))
                        .find(|x| a <= *x && *x <= b)
                })
                .unwrap();
            assert_eq!(s, best);
        }
    }

    #[test]
    fn lazy_crossing_matches_exact_and_encloses_it() {
        let u = Lazy::given(vec![q(-1, 3), q(1, 7)]);
        let v = Lazy::given(vec![q(5, 11), q(-2, 9)]);
        let plane = Arc::new(Plane::new(&[q(3, 5), q(-1, 2)], &q(1, 13)));
        let (su, ivu) = plane.sign_at(&u);
        let (sv, ivv) = plane.sign_at(&v);
        assert!(su * sv < 0, "{su} {sv}");
        let (u, v, su, sv) = if su > 0 {
            (u, v, ivu, ivv)
        } else {
            (v, u, ivv, ivu)
        };
        let w = Lazy::crossing(&u, &v, su, sv, &plane);
        assert!(!w.is_exact());
        let x = w.exact().to_vec();
        assert!(plane.value(&x).is_zero());
        for (iv, e) in w.iv().iter().zip(&x) {
            assert!(Q::from_f64(iv.lo).unwrap() <= *e && *e <= Q::from_f64(iv.hi).unwrap());
        }
    }
}
