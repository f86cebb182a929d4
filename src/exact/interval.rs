//! Rational interval arithmetic: certified enclosures of real numbers that have no exact
//! rational value, such as `e^q`.
//!
//! An [`Interval`] `[lo, hi]` has exact rational endpoints ([`Q`]) and stands for a real
//! number known to lie in it. Every operation returns an interval that contains every real
//! result of the operation applied to members of its arguments, so an enclosure computed
//! from enclosures is again an enclosure. Nothing is decided with floats.
//!
//! # Outward rounding
//! Exact rational arithmetic would let endpoints grow without bound (the Taylor sum of
//! `e^q` has factorial denominators), so after each operation a non-degenerate interval is
//! rounded *outward* to dyadic rationals with `precision` significant bits: `lo` down and
//! `hi` up to a multiple of `2^(e - precision)`, where `2^e <= |endpoint| < 2^(e+1)` (roughly).
//! Rounding outward only widens the interval, which is what keeps it an enclosure. A point
//! interval `[v, v]` is never rounded: exact values (the piecewise-linear parts of a
//! network) stay exact.
//!
//! # `e^q`
//! [`Interval::exp_q`] encloses `e^q` for rational `q` by range reduction and a Taylor sum
//! with a rigorous remainder:
//! 1. choose `k >= 0` with `r = q / 2^k` satisfying `|r| <= 2^-8` (exact: `r` is rational);
//! 2. `e^r = Σ_{n <= N} r^n/n! + R` where, for `|r| <= 1/2`,
//!    `|R| <= Σ_{n > N} |r|^n/n! <= |r|^(N+1)/(N+1)! · Σ_j 2^-j = 2·|r|^(N+1)/(N+1)!`;
//!    the terms are computed as enclosures, and `R` is enclosed by `±2·|t_(N+1)|` with `t_(N+1)`
//!    the enclosure of the first omitted term; `N` grows until that term is below the
//!    working precision;
//! 3. `e^q = (e^r)^(2^k)` by `k` interval squarings (of positive intervals, so
//!    `[lo, hi]^2 = [lo^2, hi^2]`).
//!
//! Squaring doubles the relative width, so the working precision is `precision + k + 16`
//! bits; the result is rounded to `precision` bits at the end. With the default
//! [`DEFAULT_PRECISION`] of 64 bits the relative width of `e^q` is below `2^-60`
//! (tests check it).
//!
//! `e^q` is irrational for every rational `q != 0` (Lindemann–Weierstrass), so an
//! enclosure of positive width is the best any exact method can give.

use crate::error::{Error, Result};
use crate::exact::rational::Q;
use std::fmt;

/// The default precision in bits (significant bits kept when rounding outward).
pub const DEFAULT_PRECISION: u32 = 64;

/// The smallest precision accepted.
pub const MIN_PRECISION: u32 = 8;

/// The largest precision accepted (keeps a typed `--precision` from exhausting time).
pub const MAX_PRECISION: u32 = 4096;

/// The largest `|q|` for which [`Interval::exp_q`] computes `e^q` directly. Above it `e^q`
/// would have too many digits to be useful and is an error; below `-MAX_EXP_ARG` the
/// enclosure `[0, e^-MAX_EXP_ARG]` is returned (monotonicity of `exp`).
pub const MAX_EXP_ARG: i64 = 4096;

/// Checks a precision given by a user.
pub fn check_precision(bits: u32) -> Result<u32> {
    if (MIN_PRECISION..=MAX_PRECISION).contains(&bits) {
        Ok(bits)
    } else {
        Err(Error::Invalid(format!(
            "precision {bits} bits: give between {MIN_PRECISION} and {MAX_PRECISION} bits"
        )))
    }
}

/// A closed interval `[lo, hi]` with rational endpoints, `lo <= hi`, enclosing a real number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    lo: Q,
    hi: Q,
}

/// `floor(log2 |x|)` up to one (from bit lengths), for `x != 0`.
fn log2_approx(x: &Q) -> i64 {
    x.numer().bits() as i64 - x.denom().bits() as i64
}

/// The largest multiple of `2^(e - bits)` that is `<= x`, with `e ≈ log2 |x|`.
fn round_down(x: &Q, bits: u32) -> Q {
    if x.is_zero() {
        return Q::ZERO;
    }
    if x.denom().bits() <= 1 && x.numer().bits() <= bits as u64 {
        return x.clone();
    }
    let shift = bits as i64 - log2_approx(x);
    let scale = Q::pow2(shift);
    (x * &scale).floor() * Q::pow2(-shift)
}

/// The smallest multiple of `2^(e - bits)` that is `>= x`.
fn round_up(x: &Q, bits: u32) -> Q {
    -round_down(&-x, bits)
}

impl Interval {
    /// `[lo, hi]`, or `None` when `lo > hi`.
    pub fn new(lo: Q, hi: Q) -> Option<Interval> {
        (lo <= hi).then_some(Interval { lo, hi })
    }

    /// The exact value `[v, v]`.
    pub fn point(v: Q) -> Interval {
        Interval {
            lo: v.clone(),
            hi: v,
        }
    }

    /// The lower endpoint.
    pub fn lo(&self) -> &Q {
        &self.lo
    }

    /// The upper endpoint.
    pub fn hi(&self) -> &Q {
        &self.hi
    }

    /// `hi - lo`.
    pub fn width(&self) -> Q {
        &self.hi - &self.lo
    }

    /// Is this an exact value (`lo = hi`)?
    pub fn is_point(&self) -> bool {
        self.lo == self.hi
    }

    /// Does the interval contain `v`?
    pub fn contains(&self, v: &Q) -> bool {
        &self.lo <= v && v <= &self.hi
    }

    /// Is `other` inside this interval?
    pub fn contains_interval(&self, other: &Interval) -> bool {
        self.lo <= other.lo && other.hi <= self.hi
    }

    /// Do the two intervals have no point in common? Then the reals they enclose differ,
    /// certainly.
    pub fn disjoint(&self, other: &Interval) -> bool {
        self.hi < other.lo || other.hi < self.lo
    }

    /// The smallest interval containing both.
    pub fn hull(&self, other: &Interval) -> Interval {
        Interval {
            lo: self.lo.clone().min(other.lo.clone()),
            hi: self.hi.clone().max(other.hi.clone()),
        }
    }

    /// Rounded outward to `bits` significant bits (points stay exact).
    pub fn rounded(self, bits: u32) -> Interval {
        if self.is_point() {
            return self;
        }
        Interval {
            lo: round_down(&self.lo, bits),
            hi: round_up(&self.hi, bits),
        }
    }

    /// `self + other`, exactly (round with [`Interval::rounded`]).
    pub fn add(&self, other: &Interval) -> Interval {
        Interval {
            lo: &self.lo + &other.lo,
            hi: &self.hi + &other.hi,
        }
    }

    /// `self - other`, exactly.
    pub fn sub(&self, other: &Interval) -> Interval {
        Interval {
            lo: &self.lo - &other.hi,
            hi: &self.hi - &other.lo,
        }
    }

    /// `-self`.
    pub fn neg(&self) -> Interval {
        Interval {
            lo: -&self.hi,
            hi: -&self.lo,
        }
    }

    /// `c · self` for an exact scalar, exactly.
    pub fn scale(&self, c: &Q) -> Interval {
        let (a, b) = (c * &self.lo, c * &self.hi);
        if c.is_negative() {
            Interval { lo: b, hi: a }
        } else {
            Interval { lo: a, hi: b }
        }
    }

    /// `self + c` for an exact scalar.
    pub fn shift(&self, c: &Q) -> Interval {
        Interval {
            lo: &self.lo + c,
            hi: &self.hi + c,
        }
    }

    /// `self · other`, exactly (the hull of the four endpoint products).
    pub fn mul(&self, other: &Interval) -> Interval {
        let p = [
            &self.lo * &other.lo,
            &self.lo * &other.hi,
            &self.hi * &other.lo,
            &self.hi * &other.hi,
        ];
        let lo = p.iter().min().expect("four").clone();
        let hi = p.iter().max().expect("four").clone();
        Interval { lo, hi }
    }

    /// `Σ w_i · x_i + b` with exact weights and bias, rounded outward once at the end.
    pub fn dot(weights: &[Q], xs: &[Interval], bias: &Q, bits: u32) -> Interval {
        let mut acc = Interval::point(bias.clone());
        for (w, x) in weights.iter().zip(xs) {
            if !w.is_zero() {
                acc = acc.add(&x.scale(w));
            }
        }
        acc.rounded(bits)
    }

    /// An enclosure of `e^q` with about `bits` significant bits (see the module docs).
    /// Errors when `q > MAX_EXP_ARG`.
    pub fn exp_q(q: &Q, bits: u32) -> Result<Interval> {
        if q.is_zero() {
            return Ok(Interval::point(Q::ONE));
        }
        let max = Q::from_int(MAX_EXP_ARG);
        if q > &max {
            return Err(Error::Invalid(format!(
                "e^{q} is too large to enclose usefully (arguments up to {MAX_EXP_ARG} are supported)"
            )));
        }
        if q < &-&max {
            let upper = Interval::exp_q(&-&max, bits)?;
            return Ok(Interval {
                lo: Q::ZERO,
                hi: upper.hi,
            });
        }
        // Range reduction: |q| / 2^k <= 2^-8.
        let k = (log2_approx(q) + 1 + 8).max(0);
        let r = q * &Q::pow2(-k);
        let w = bits + k as u32 + 16;
        let r_iv = Interval::point(r.clone());
        let mut sum = Interval::point(Q::ONE);
        let mut term = Interval::point(Q::ONE);
        let tiny = Q::pow2(-(w as i64) - 4);
        let mut n = 1i64;
        loop {
            term = term.mul(&r_iv).scale(&Q::new(1, n)).rounded(w);
            let mag = term.lo.abs().max(term.hi.abs());
            if mag < tiny {
                // `term` encloses the first omitted term r^n/n!; the tail is at most twice it.
                let bound = &mag * &Q::from_int(2);
                sum = Interval {
                    lo: &sum.lo - &bound,
                    hi: &sum.hi + &bound,
                }
                .rounded(w);
                break;
            }
            sum = sum.add(&term).rounded(w);
            n += 1;
        }
        for _ in 0..k {
            // e^r > 0, and the enclosure stays positive: |r| <= 2^-8 keeps it near 1.
            sum = Interval {
                lo: &sum.lo * &sum.lo,
                hi: &sum.hi * &sum.hi,
            }
            .rounded(w);
        }
        Ok(sum.rounded(bits))
    }

    /// An enclosure of `e^x` for every `x` in the interval (`exp` is increasing).
    pub fn exp(&self, bits: u32) -> Result<Interval> {
        if self.is_point() {
            return Interval::exp_q(&self.lo, bits);
        }
        Ok(Interval {
            lo: Interval::exp_q(&self.lo, bits)?.lo,
            hi: Interval::exp_q(&self.hi, bits)?.hi,
        })
    }

    /// The endpoints rounded outward to `digits` decimal places, as text `[lo, hi]`: a
    /// (slightly wider) enclosure that is easy to read.
    pub fn to_decimal(&self, digits: u32) -> String {
        if self.is_point() && self.lo.is_integer() {
            return format!("[{}, {}]", self.lo, self.hi);
        }
        let scale = pow10(digits);
        let lo = (&self.lo * &scale).floor();
        let hi = (&self.hi * &scale).ceil();
        format!("[{}, {}]", decimal(&lo, digits), decimal(&hi, digits))
    }

    /// Decimal places that show this interval's width (two more than the first significant
    /// digit of the width), between 3 and 60.
    pub fn display_digits(&self) -> u32 {
        let w = self.width();
        if w.is_zero() {
            return 20;
        }
        // log10(w) ≈ log2(w) · 0.30103.
        let l2 = log2_approx(&w);
        let d = (-(l2 as f64) * std::f64::consts::LOG10_2).ceil() as i64 + 2;
        d.clamp(3, 60) as u32
    }

    /// The width as a short approximate text (`2.3e-20`), for display only.
    pub fn width_text(&self) -> String {
        let w = self.width();
        if w.is_zero() {
            "0 (exact)".into()
        } else {
            format!("{:.1e}", w.to_f64())
        }
    }
}

fn pow10(d: u32) -> Q {
    let mut p = Q::ONE;
    for _ in 0..d {
        p *= Q::from_int(10);
    }
    p
}

/// The integer `n` divided by `10^digits` as a decimal.
fn decimal(n: &Q, digits: u32) -> String {
    let s = n.abs().to_string();
    let d = digits as usize;
    let padded = if s.len() <= d {
        format!("{}{s}", "0".repeat(d + 1 - s.len()))
    } else {
        s
    };
    let (int, frac) = padded.split_at(padded.len() - d);
    let sign = if n.is_negative() { "-" } else { "" };
    if d == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

impl fmt::Display for Interval {
    /// Exact endpoints: `[lo, hi]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.lo, self.hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// e to 60 decimal places (well known digits).
    const E_DIGITS: &str = "2.718281828459045235360287471352662497757247093699959574966967";

    fn q(s: &str) -> Q {
        s.parse().unwrap()
    }

    /// An independent enclosure of e^q with exact rationals: many more series terms, no
    /// range reduction beyond halving, no rounding until the end.
    fn reference_exp(x: &Q) -> Interval {
        // e^x = (e^(x/2^m))^(2^m) with |x/2^m| <= 1/2, 60 exact terms (error < 2^-300).
        let mut m = 0i64;
        while (x * &Q::pow2(-m)).abs() > Q::new(1, 2) {
            m += 1;
        }
        let r = x * &Q::pow2(-m);
        let mut sum = Q::ONE;
        let mut term = Q::ONE;
        for n in 1..80 {
            term = &term * &r / Q::from_int(n);
            sum += term.clone();
            sum = round_exact(&sum, 400);
            term = round_exact(&term, 400);
        }
        // Rounding to 400 bits moved values by < 2^-390 each step; absorb it and the tail.
        let slack = Q::pow2(-330);
        let mut iv = Interval::new(&sum - &slack, &sum + &slack).unwrap();
        for _ in 0..m {
            iv = Interval::new(&iv.lo * &iv.lo, &iv.hi * &iv.hi).unwrap();
            iv = iv.rounded(380);
        }
        iv
    }

    fn round_exact(x: &Q, bits: i64) -> Q {
        (x * &Q::pow2(bits)).floor() * Q::pow2(-bits)
    }

    #[test]
    fn e_is_enclosed_and_agrees_with_known_digits() {
        let e = Interval::exp_q(&Q::ONE, DEFAULT_PRECISION).unwrap();
        let digits = q(E_DIGITS);
        let ulp = q("1e-60");
        assert!(e.lo() <= &(&digits + &ulp) && &(&digits - &ulp) <= e.hi());
        assert!(e.contains(&digits) || e.width() < q("1e-18"));
        // Width at most 2^-60 relative.
        assert!(e.width() <= Q::pow2(-60) * e.hi().clone());
        // At 200 bits: 55 digits of e are inside, both ends within 2^-190.
        let e200 = Interval::exp_q(&Q::ONE, 200).unwrap();
        assert!(e200.lo() <= &(&digits + &ulp) && &(&digits - &ulp) <= e200.hi());
        assert!(e200.width() < Q::pow2(-190));
    }

    #[test]
    fn enclosures_contain_a_far_more_precise_independent_enclosure() {
        for s in [
            "1", "-1", "1/3", "-2", "2", "10", "-10", "-1/1000", "7/8", "-37/5", "100", "-100",
            "1e-9", "3/2",
        ] {
            let x = q(s);
            let r = reference_exp(&x);
            assert!(r.width() < Q::pow2(-200) * r.hi().clone(), "{s}");
            for bits in [16, 64, 128] {
                let e = Interval::exp_q(&x, bits).unwrap();
                assert!(
                    e.contains_interval(&r),
                    "e^{s} at {bits} bits: {e} misses {r}"
                );
                assert!(
                    e.width() <= Q::pow2(-(bits as i64) + 4) * e.hi().clone(),
                    "e^{s} at {bits} bits too wide: {}",
                    e.width_text()
                );
            }
        }
    }

    #[test]
    fn widths_shrink_as_precision_grows() {
        for x in [q("1"), q("-1/3"), q("5")] {
            let mut last: Option<Q> = None;
            for bits in [16, 32, 64, 128, 256] {
                let w = Interval::exp_q(&x, bits).unwrap().width();
                if let Some(l) = &last {
                    assert!(&w < l, "{x} at {bits}");
                }
                last = Some(w);
            }
        }
    }

    #[test]
    fn huge_arguments() {
        assert!(Interval::exp_q(&Q::from_int(5000), 64).is_err());
        let tiny = Interval::exp_q(&Q::from_int(-5000), 64).unwrap();
        assert_eq!(tiny.lo(), &Q::ZERO);
        assert!(tiny.hi() < &Q::pow2(-5000));
        assert!(check_precision(4).is_err());
        assert!(check_precision(64).is_ok());
    }

    #[test]
    fn decimal_display_is_outward() {
        let e = Interval::exp_q(&-Q::ONE, 64).unwrap();
        let d = e.display_digits();
        let text = e.to_decimal(d);
        let inner = text.trim_matches(['[', ']']);
        let (lo, hi) = inner.split_once(", ").unwrap();
        assert!(q(lo) <= *e.lo() && q(hi) >= *e.hi(), "{text}");
        assert!(text.starts_with("[0.367879441171442321"), "{text}");
        assert_eq!(Interval::point(q("-1/2")).to_decimal(3), "[-0.500, -0.500]");
        assert_eq!(Interval::point(q("-3")).to_decimal(3), "[-3, -3]");
    }

    proptest! {
        #[test]
        // |x + y| stays within MAX_EXP_ARG.
        fn exp_is_monotone_and_multiplicative(a in -2048i64..2048, b in -2048i64..2048, d in 1i64..500) {
            let (x, y) = (Q::new(a, d), Q::new(b, d));
            let (ex, ey) = (Interval::exp_q(&x, 64).unwrap(), Interval::exp_q(&y, 64).unwrap());
            // x < y: e^x < e^y, so the enclosures are not contradictory.
            if x < y {
                prop_assert!(ex.lo() <= ey.hi());
            }
            // e^x · e^y = e^(x+y): the enclosures must meet.
            let exy = Interval::exp_q(&(&x + &y), 64).unwrap();
            prop_assert!(!ex.mul(&ey).disjoint(&exy));
        }

        #[test]
        fn interval_ops_enclose_their_point_results(
            a in -100i64..100, b in 0i64..50, c in -100i64..100, e in 0i64..50, s in -20i64..20, t in 0i64..4,
        ) {
            let x = Interval::new(Q::new(a, 7), Q::new(a + b, 7)).unwrap();
            let y = Interval::new(Q::new(c, 3), Q::new(c + e, 3)).unwrap();
            let ts = [Q::ZERO, Q::new(1, 3), Q::new(2, 3), Q::ONE];
            let px = x.lo() + &(x.width() * ts[t as usize].clone());
            let py = y.lo() + &(y.width() * ts[(3 - t) as usize].clone());
            let sc = Q::new(s, 5);
            prop_assert!(x.add(&y).rounded(10).contains(&(&px + &py)));
            prop_assert!(x.sub(&y).rounded(10).contains(&(&px - &py)));
            prop_assert!(x.mul(&y).rounded(10).contains(&(&px * &py)));
            prop_assert!(x.scale(&sc).rounded(10).contains(&(&px * &sc)));
            prop_assert!(Interval::dot(&[sc.clone(), Q::ONE], &[x.clone(), y.clone()], &Q::ONE, 10)
                .contains(&(&sc * &px + &py + Q::ONE)));
        }
    }
}
