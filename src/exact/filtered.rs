//! Filtered signs: an exact expression's sign decided in floating point when a rigorous
//! enclosure allows it, in exact arithmetic otherwise.
//!
//! [`Iv`] is an interval of `f64` with outward rounding: every operation rounds to nearest
//! and then widens its result by one step ([`f64::next_down`], [`f64::next_up`]), which
//! covers the rounding error of half an ulp, so the exact result of the operation on any
//! points of the operands lies inside. [`Iv::from_q`] encloses an exact [`Q`].
//!
//! A predicate is written once, generically over [`Num`] (both [`Iv`] and [`Q`] are one),
//! and [`sign`] evaluates it: first on intervals, and when the interval contains zero (or
//! is not finite) exactly in [`Q`]. So a new predicate gets its filter for free, and a
//! float never decides: a sign is taken from the interval only when every value inside it
//! has that sign. How often the exact path ran is counted per thread ([`fallbacks`]).
//!
//! [`set_enabled`]`(false)` turns the filter off on the current thread (every sign exact):
//! the tests compare the two paths.

use crate::exact::rational::Q;
use std::cell::Cell;
use std::ops::{Add, Mul, Neg, Sub};

/// A closed interval `[lo, hi]` of reals with `f64` ends (possibly infinite).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iv {
    /// The lower end.
    pub lo: f64,
    /// The upper end.
    pub hi: f64,
}

impl Iv {
    /// Every real number (the result of an operation that produced NaN).
    pub const ENTIRE: Iv = Iv {
        lo: f64::NEG_INFINITY,
        hi: f64::INFINITY,
    };

    /// Zero.
    pub const ZERO: Iv = Iv { lo: 0.0, hi: 0.0 };

    /// An interval containing `q`. A dyadic `n / 2^k` with `n` and `2^k` in `i64` is exact
    /// (one point) when `n` has at most 53 bits, else the two floats around `n` scaled by
    /// `2^-k`: no division at all. A long value is bounded from the top 53 bits of its
    /// numerator and denominator (no division of big integers); otherwise [`Q::to_f64`]
    /// rounds to nearest (within one ulp either way is all this needs: the ends are two
    /// steps out), and flushes only values below the smallest subnormal to zero, which
    /// `±f64::MIN_POSITIVE` covers.
    pub fn from_q(q: &Q) -> Iv {
        if q.is_zero() {
            return Iv::ZERO;
        }
        // A dyadic n / 2^k (every value read from a float, and their sums and products):
        // n in f64 (exact below 2^53, else within half a step of its nearest float), scaled
        // by 2^-k exactly (k <= 62 keeps it normal).
        if let Some((n, d)) = q.to_i64_pair()
            && d & (d - 1) == 0
        {
            let scale = f64::from_bits(u64::from(1023 - d.trailing_zeros()) << 52);
            let f = n as f64;
            return if n.unsigned_abs() < 1 << 53 {
                Iv {
                    lo: f * scale,
                    hi: f * scale,
                }
            } else {
                Iv {
                    lo: f.next_down() * scale,
                    hi: f.next_up() * scale,
                }
            };
        }
        if let Some((lo, hi)) = q.f64_bounds() {
            return Iv { lo, hi }; // a long value: no division of big integers
        }
        let f = q.to_f64();
        if f == 0.0 {
            return Iv {
                lo: -f64::MIN_POSITIVE,
                hi: f64::MIN_POSITIVE,
            };
        }
        if f.is_nan() {
            return Iv::ENTIRE;
        }
        Iv {
            lo: f.next_down().next_down(),
            hi: f.next_up().next_up(),
        }
    }

    /// `lo` and `hi` widened by one step, the enclosure of a rounded result.
    fn out(lo: f64, hi: f64) -> Iv {
        if lo.is_nan() || hi.is_nan() {
            return Iv::ENTIRE;
        }
        Iv {
            lo: lo.next_down(),
            hi: hi.next_up(),
        }
    }

    /// The sign of every point inside, when all have the same sign and none is zero.
    pub fn sign(&self) -> Option<i32> {
        if self.lo > 0.0 {
            Some(1)
        } else if self.hi < 0.0 {
            Some(-1)
        } else {
            None
        }
    }

    /// The midpoint (a float inside the interval when it is finite).
    pub fn mid(&self) -> f64 {
        if self.lo == self.hi {
            self.lo
        } else {
            self.lo / 2.0 + self.hi / 2.0
        }
    }

    /// The smallest interval holding both.
    pub fn hull(&self, other: &Iv) -> Iv {
        Iv {
            lo: self.lo.min(other.lo),
            hi: self.hi.max(other.hi),
        }
    }

    /// The intersection, when it is not empty (else `self`, which also holds the value).
    pub fn meet(&self, other: &Iv) -> Iv {
        let (lo, hi) = (self.lo.max(other.lo), self.hi.min(other.hi));
        if lo <= hi { Iv { lo, hi } } else { *self }
    }

    /// `self / other`, when `other` does not contain zero (else every real).
    pub fn div(&self, other: &Iv) -> Iv {
        if other.sign().is_none() {
            return Iv::ENTIRE;
        }
        let p = [
            self.lo / other.lo,
            self.lo / other.hi,
            self.hi / other.lo,
            self.hi / other.hi,
        ];
        min_max(p)
    }
}

impl Iv {
    /// A centre `m` and a radius `r` with `[lo, hi]` inside `[m - r, m + r]`, up to the
    /// rounding of `r` (one relative `2^-53`, which [`affine_mid_rad`] allows for).
    pub fn mid_rad(&self) -> (f64, f64) {
        let m = self.mid();
        (m, (self.hi - m).max(m - self.lo))
    }
}

/// An enclosure of `row·x + off` for every value inside the enclosures, with the
/// coefficients given as [`Iv::mid_rad`] pairs: one float dot product of the centres and a
/// bound on its error, in place of interval products (which round outwards at every step).
///
/// With `A_i` in `a_i ± e_i`, `X_i` in `m_i ± r_i` and `B` in `b ± e_b`,
/// `|Σ A_i X_i + B - (Σ a_i m_i + b)| <= Σ (|a_i| r_i + e_i (|m_i| + r_i)) + e_b`, and the
/// float sum `s` of `Σ a_i m_i + b` is within `γ_(n+1) (Σ |a_i m_i| + |b|)` of it
/// (`γ_k = k u / (1 - k u)`, `u = 2^-53`; bounded here by `(n + 2)·2^-52`). Every float
/// in the bound is computed with rounding to nearest, so each is low by at most a relative
/// `(1 - u)^-k` for the `k <= 4n + 8` operations on its way; the factor `1 + 2^-40` covers
/// that for any `n` below `2^10`, and `f64::MIN_POSITIVE` covers underflow (at most
/// `2^-1074` per operation). The ends `s ∓ T` are rounded outwards.
pub fn affine_mid_rad(row: &[(f64, f64)], off: (f64, f64), x: &[Iv]) -> Iv {
    debug_assert!(row.len() < 1 << 10);
    let (mut s, mut abs, mut rad) = (off.0, off.0.abs(), off.1);
    for (&(a, e), v) in row.iter().zip(x) {
        let (m, r) = v.mid_rad();
        let p = a * m;
        s += p;
        abs += p.abs();
        rad += a.abs() * r + e * (m.abs() + r);
    }
    let gamma = (row.len() + 2) as f64 * f64::EPSILON;
    let t = (rad + gamma * abs) * (1.0 + 2f64.powi(-40)) + f64::MIN_POSITIVE;
    if !(s.is_finite() && t.is_finite()) {
        return Iv::ENTIRE;
    }
    Iv::out(s - t, s + t)
}

fn min_max(p: [f64; 4]) -> Iv {
    if p.iter().any(|x| x.is_nan()) {
        return Iv::ENTIRE;
    }
    let lo = p[0].min(p[1]).min(p[2].min(p[3]));
    let hi = p[0].max(p[1]).max(p[2].max(p[3]));
    Iv::out(lo, hi)
}

impl Add for Iv {
    type Output = Iv;
    fn add(self, o: Iv) -> Iv {
        Iv::out(self.lo + o.lo, self.hi + o.hi)
    }
}

impl Sub for Iv {
    type Output = Iv;
    fn sub(self, o: Iv) -> Iv {
        Iv::out(self.lo - o.hi, self.hi - o.lo)
    }
}

impl Neg for Iv {
    type Output = Iv;
    fn neg(self) -> Iv {
        Iv {
            lo: -self.hi,
            hi: -self.lo,
        }
    }
}

impl Mul for Iv {
    type Output = Iv;
    fn mul(self, o: Iv) -> Iv {
        if self == Iv::ZERO || o == Iv::ZERO {
            return Iv::ZERO;
        }
        min_max([
            self.lo * o.lo,
            self.lo * o.hi,
            self.hi * o.lo,
            self.hi * o.hi,
        ])
    }
}

/// The arithmetic a filtered predicate is written in: [`Iv`] for the filter, [`Q`] for the
/// exact answer.
pub trait Num: Clone {
    /// `self + a * b`.
    fn mul_add(&self, a: &Self, b: &Self) -> Self;
}

impl Num for Iv {
    fn mul_add(&self, a: &Iv, b: &Iv) -> Iv {
        *self + *a * *b
    }
}

impl Num for Q {
    fn mul_add(&self, a: &Q, b: &Q) -> Q {
        if a.is_zero() || b.is_zero() {
            return self.clone();
        }
        self + &(a * b)
    }
}

/// `row·x + off` in any [`Num`].
pub fn affine<N: Num>(row: &[N], off: &N, x: &[N]) -> N {
    row.iter()
        .zip(x)
        .fold(off.clone(), |acc, (a, v)| acc.mul_add(a, v))
}

thread_local! {
    static FALLBACKS: Cell<u64> = const { Cell::new(0) };
    static ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// The sign of an exact value: `approx` (an enclosure of it) decides when it can, else
/// `exact` computes it (counted in [`fallbacks`]). With the filter off, always `exact`.
pub fn sign(approx: impl FnOnce() -> Iv, exact: impl FnOnce() -> i32) -> i32 {
    decide(|| approx().sign(), exact)
}

/// A decision made from enclosures when they allow it: `approx` answers `Some` only when
/// its answer holds for every value inside its enclosures (so it is the exact answer),
/// `None` otherwise; then `exact` decides (counted in [`fallbacks`]). With the filter
/// off, always `exact`. [`sign`] is the one-sign case.
pub fn decide<T>(approx: impl FnOnce() -> Option<T>, exact: impl FnOnce() -> T) -> T {
    if enabled()
        && let Some(answer) = approx()
    {
        return answer;
    }
    FALLBACKS.with(|c| c.set(c.get() + 1));
    exact()
}

/// The sign of every value in `iv` when it has one and the filter is on; `None` else.
/// For shortcuts whose caller goes on exactly when there is no answer (not counted in
/// [`fallbacks`]: nothing fell back).
pub fn settled_sign(iv: Iv) -> Option<i32> {
    if enabled() { iv.sign() } else { None }
}

/// The exact least and greatest of `n` values known by enclosures `iv[i]` and computed by
/// `exact(i)`: a value is computed exactly only when its enclosure reaches past the best
/// bound of all the others (every value is at least the largest lower end, so the greatest
/// value's enclosure reaches it; likewise for the least). `None` when `iv` is empty. With
/// the filter off, every value is computed.
pub fn extremes(iv: &[Iv], exact: impl Fn(usize) -> Q) -> Option<(Q, Q)> {
    let best_lo = iv.iter().map(|v| v.lo).fold(f64::NEG_INFINITY, f64::max);
    let best_hi = iv.iter().map(|v| v.hi).fold(f64::INFINITY, f64::min);
    let on = enabled();
    let (mut lo, mut hi): (Option<Q>, Option<Q>) = (None, None);
    for (i, v) in iv.iter().enumerate() {
        // A NaN end cannot rule a value out.
        let low = !on || v.lo <= best_hi || v.lo.is_nan();
        let high = !on || v.hi >= best_lo || v.hi.is_nan();
        if !(low || high) {
            continue;
        }
        let q = exact(i);
        if low && lo.as_ref().is_none_or(|l| q < *l) {
            lo = Some(q.clone());
        }
        if high && hi.as_ref().is_none_or(|h| q > *h) {
            hi = Some(q);
        }
    }
    lo.zip(hi)
}

/// Enclosures of the solution of the square system `a x = b` (`a` given by rows): Gaussian
/// elimination in interval arithmetic, the pivot in each column the entry farthest from
/// zero. Every exact matrix and right-hand side inside the enclosures has its solution
/// inside the result. `None` when a pivot's enclosure contains zero (the system may be
/// singular, or is too ill-conditioned for `f64`): then only exact arithmetic can tell.
pub fn solve(mut a: Vec<Vec<Iv>>, mut b: Vec<Iv>) -> Option<Vec<Iv>> {
    let n = b.len();
    // How far from zero every point of an enclosure is (0 when it contains zero).
    let far = |v: &Iv| {
        if v.sign().is_some() {
            v.lo.abs().min(v.hi.abs())
        } else {
            0.0
        }
    };
    for col in 0..n {
        let piv = (col..n).max_by(|&r, &s| far(&a[r][col]).total_cmp(&far(&a[s][col])))?;
        a.swap(col, piv);
        b.swap(col, piv);
        let p = a[col][col];
        p.sign()?;
        for r in col + 1..n {
            if a[r][col] == Iv::ZERO {
                continue;
            }
            let f = a[r][col].div(&p);
            for j in col + 1..n {
                let v = a[col][j];
                a[r][j] = a[r][j] - f * v;
            }
            b[r] = b[r] - f * b[col];
        }
    }
    let mut x = vec![Iv::ZERO; n];
    for i in (0..n).rev() {
        let s = (i + 1..n).fold(b[i], |acc, j| acc - a[i][j] * x[j]);
        x[i] = s.div(&a[i][i]);
    }
    x.iter()
        .all(|v| v.lo.is_finite() && v.hi.is_finite())
        .then_some(x)
}

/// How many signs on this thread were computed exactly (the filter could not decide).
pub fn fallbacks() -> u64 {
    FALLBACKS.with(Cell::get)
}

/// Is the filter on on this thread (the default)?
pub fn enabled() -> bool {
    ENABLED.with(Cell::get)
}

/// Turns the filter on or off on this thread; returns the previous setting.
pub fn set_enabled(on: bool) -> bool {
    ENABLED.with(|c| c.replace(on))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(n: i64, d: i64) -> Q {
        Q::new(n, d)
    }

    #[test]
    fn enclosures_contain_their_values() {
        for x in [
            q(1, 3),
            q(-2, 7),
            Q::pow2(-1100),
            -Q::pow2(-1100),
            Q::pow2(1100),
            q(i64::MAX, 3),
        ] {
            let iv = Iv::from_q(&x);
            assert!(iv.lo < iv.hi, "{x}");
            // The ends as exact rationals bracket x.
            if iv.lo.is_finite() {
                assert!(Q::from_f64(iv.lo).unwrap() < x, "{x}");
            }
            if iv.hi.is_finite() {
                assert!(Q::from_f64(iv.hi).unwrap() > x, "{x}");
            }
        }
    }

    proptest! {
        /// Dyadic values (the fast path): exact when the numerator has at most 53 bits,
        /// otherwise bracketed by the two floats around it; checked in exact rationals.
        #[test]
        fn dyadic_enclosures_contain_their_values(n in any::<i64>(), k in 0u32..=62) {
            prop_assume!(n != 0 && n != i64::MIN);
            let x = Q::new(n, 1i64 << k);
            let iv = Iv::from_q(&x);
            let (lo, hi) = (Q::from_f64(iv.lo).unwrap(), Q::from_f64(iv.hi).unwrap());
            prop_assert!(lo <= x && x <= hi, "{x}: {iv:?}");
            let (m, _) = x.to_i64_pair().unwrap();
            if m.unsigned_abs() < 1 << 53 {
                prop_assert_eq!(iv.lo, iv.hi);
            }
        }
    }

    #[test]
    fn zero_is_never_decided_by_the_filter() {
        // 1/3 + 1/3 + 1/3 - 1 is exactly zero; the enclosure must contain it.
        let v = [q(1, 3), q(1, 3), q(1, 3)];
        let ones = [Q::ONE, Q::ONE, Q::ONE];
        let before = fallbacks();
        let s = sign(
            || {
                let r: Vec<Iv> = ones.iter().map(Iv::from_q).collect();
                let x: Vec<Iv> = v.iter().map(Iv::from_q).collect();
                affine(&r, &Iv::from_q(&-Q::ONE), &x)
            },
            || affine(&ones, &-Q::ONE, &v).signum(),
        );
        assert_eq!(s, 0);
        assert_eq!(fallbacks(), before + 1);
    }

    #[test]
    fn singular_systems_are_left_to_exact_arithmetic() {
        // Rows (1, 2) and (1/3, 2/3): singular, and 1/3 is not a float, so the second
        // pivot's enclosure holds zero but is not zero.
        let rows = |m: [[Q; 2]; 2]| -> Vec<Vec<Iv>> {
            m.iter()
                .map(|r| r.iter().map(Iv::from_q).collect())
                .collect()
        };
        let rhs = vec![Iv::from_q(&Q::ONE), Iv::from_q(&Q::ONE)];
        let singular = rows([[q(1, 1), q(2, 1)], [q(1, 3), q(2, 3)]]);
        assert_eq!(solve(singular, rhs.clone()), None);
        // Nearly singular (determinant 2^-80): beyond f64, left to exact arithmetic too.
        let tiny = Q::pow2(-80);
        let near = rows([[q(1, 1), q(1, 1)], [q(1, 1), &Q::ONE + &tiny]]);
        assert_eq!(solve(near, rhs), None);
    }

    #[test]
    fn extremes_are_exact_and_skip_values_out_of_reach() {
        let vals = [q(1, 3), q(-2, 7), q(5, 2), q(5, 2), q(0, 1)];
        let ivs: Vec<Iv> = vals.iter().map(Iv::from_q).collect();
        let computed = Cell::new(0);
        let exact = |i: usize| {
            computed.set(computed.get() + 1);
            vals[i].clone()
        };
        assert_eq!(extremes(&ivs, exact), Some((q(-2, 7), q(5, 2))));
        assert_eq!(
            computed.get(),
            3,
            "1/3 and 0 are neither least nor greatest"
        );
        assert_eq!(extremes(&[], |_| Q::ZERO), None);
        let was = set_enabled(false);
        assert_eq!(
            extremes(&ivs, |i| vals[i].clone()),
            Some((q(-2, 7), q(5, 2)))
        );
        set_enabled(was);
        // An enclosure of every real keeps its value in the running.
        assert_eq!(
            extremes(&[Iv::from_q(&q(1, 1)), Iv::ENTIRE], |i| [q(1, 1), q(9, 1)]
                [i]
                .clone()),
            Some((q(1, 1), q(9, 1)))
        );
    }

    proptest! {
        #[test]
        fn extremes_match_the_exact_min_and_max(
            v in proptest::collection::vec((-1000i64..1000, 1i64..50), 1..40),
            wide in proptest::collection::vec(any::<bool>(), 40)
        ) {
            let vals: Vec<Q> = v.iter().map(|&(n, d)| q(n, d)).collect();
            // Some enclosures deliberately loose (any enclosure must do).
            let ivs: Vec<Iv> = vals
                .iter()
                .zip(&wide)
                .map(|(x, &w)| {
                    let i = Iv::from_q(x);
                    if w { Iv { lo: i.lo - 0.5, hi: i.hi + 0.25 } } else { i }
                })
                .collect();
            let want = (vals.iter().min().cloned().unwrap(), vals.iter().max().cloned().unwrap());
            prop_assert_eq!(extremes(&ivs, |i| vals[i].clone()), Some(want));
        }

        /// Random regular systems with rational entries: the exact solution (from `Q`) lies
        /// inside every enclosure, whenever `solve` returns enclosures.
        #[test]
        fn interval_solutions_contain_the_exact_one(
            n in 1usize..=5,
            entries in prop::collection::vec((-50i64..50, 1i64..20), 36),
        ) {
            let m: Vec<Vec<Q>> = (0..n)
                .map(|r| (0..n).map(|c| {
                    let (a, b) = entries[r * 6 + c];
                    q(a, b)
                }).collect())
                .collect();
            let b: Vec<Q> = (0..n).map(|r| q(entries[r * 6 + 5].0, entries[r * 6 + 5].1)).collect();
            let exact = crate::exact::linalg::Matrix::from_rows(m.clone()).unwrap().solve(&b);
            let iv = solve(
                m.iter().map(|r| r.iter().map(Iv::from_q).collect()).collect(),
                b.iter().map(Iv::from_q).collect(),
            );
            match (exact, iv) {
                (Some(x), Some(iv)) => {
                    for (v, e) in iv.iter().zip(&x) {
                        prop_assert!(Q::from_f64(v.lo).unwrap() <= *e);
                        prop_assert!(Q::from_f64(v.hi).unwrap() >= *e);
                    }
                }
                (None, Some(_)) => prop_assert!(false, "enclosures of a singular system"),
                (_, None) => {}
            }
        }

        /// The interval result of a random affine expression contains the exact value, and a
        /// sign it decides is the exact sign.
        #[test]
        fn interval_affine_contains_exact(
            terms in prop::collection::vec((-1000i64..1000, 1i64..1000, -1000i64..1000, 1i64..1000), 1..6),
            off in (-1000i64..1000, 1i64..1000),
        ) {
            let row: Vec<Q> = terms.iter().map(|t| q(t.0, t.1)).collect();
            let x: Vec<Q> = terms.iter().map(|t| q(t.2, t.3)).collect();
            let off = q(off.0, off.1);
            let exact = affine(&row, &off, &x);
            let iv = affine(
                &row.iter().map(Iv::from_q).collect::<Vec<_>>(),
                &Iv::from_q(&off),
                &x.iter().map(Iv::from_q).collect::<Vec<_>>(),
            );
            prop_assert!(Q::from_f64(iv.lo).unwrap() <= exact);
            prop_assert!(Q::from_f64(iv.hi).unwrap() >= exact);
            if let Some(s) = iv.sign() {
                prop_assert_eq!(s, exact.signum());
            }
            // By centres and radii: also an enclosure, about as wide.
            let mr: Vec<(f64, f64)> = row.iter().map(|a| Iv::from_q(a).mid_rad()).collect();
            let x_iv: Vec<Iv> = x.iter().map(Iv::from_q).collect();
            let iv2 = affine_mid_rad(&mr, Iv::from_q(&off).mid_rad(), &x_iv);
            prop_assert!(Q::from_f64(iv2.lo).unwrap() <= exact);
            prop_assert!(Q::from_f64(iv2.hi).unwrap() >= exact);
            // (Exact inputs make `iv` a few roundings wide, where the centre-radius bound
            // keeps its static term: about `n·2^-52` of the sum of magnitudes.)
            let size: f64 = (row.iter().zip(&x))
                .map(|(a, v)| (a.approx_f64() * v.approx_f64()).abs())
                .sum::<f64>() + off.approx_f64().abs();
            prop_assert!(iv2.hi - iv2.lo <= 4.0 * (iv.hi - iv.lo) + 1e-13 * size + 1e-300);
            // Wide enclosures: each coordinate the hull of x_i and x_i + t_i / 7.
            let y: Vec<Q> = x.iter().zip(&terms).map(|(v, t)| v + &q(t.0, 7)).collect();
            let hull: Vec<Iv> = x.iter().zip(&y).map(|(a, b)| Iv::from_q(a).hull(&Iv::from_q(b))).collect();
            let wide = affine_mid_rad(&mr, Iv::from_q(&off).mid_rad(), &hull);
            for e in [exact, affine(&row, &off, &y)] {
                prop_assert!(Q::from_f64(wide.lo).unwrap() <= e && Q::from_f64(wide.hi).unwrap() >= e);
            }
            let d = Iv::from_q(&x[0]).div(&Iv::from_q(&off));
            if !off.is_zero() {
                let e = &x[0] / &off;
                prop_assert!(Q::from_f64(d.lo).unwrap() <= e && Q::from_f64(d.hi).unwrap() >= e);
            }
        }
    }
}
