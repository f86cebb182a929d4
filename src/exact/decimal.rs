//! Short decimals beside exact numbers, for people to read.
//!
//! Imported float32 weights make exact figures long (`57165107173407/562949953421312`). Every
//! printer shows such a number with a short decimal beside it (`≈ 0.10155`), chosen by a
//! [`Style`]: exact only, both (the default: the decimal is added only when the exact form is
//! long), or decimal only (each decimal is marked `≈`, so it is never read as exact).
//!
//! The decimal is computed from the exact value with integer arithmetic (rounded to
//! [`DIGITS`] significant digits, half away from zero), never through a float, so huge and
//! tiny values print correctly (`2.58e120`, `1e-300`). Decimals are for reading only: nothing
//! in relucheck decides anything from them, and JSON keeps the exact strings.

use crate::exact::rational::Q;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::Signed;
use std::sync::atomic::{AtomicU8, Ordering};

/// How numbers are shown to people (`--numbers` on the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Style {
    /// Exact numbers only.
    Exact,
    /// Exact numbers, with a short decimal beside each long one (the default).
    #[default]
    Both,
    /// Short decimals only, each marked `≈` as rounded; short exact numbers stay exact.
    Decimal,
}

static STYLE: AtomicU8 = AtomicU8::new(1);

/// Sets the style of every printer in this process (the command line does this once, from
/// `--numbers`).
pub fn set_style(style: Style) {
    let v = match style {
        Style::Exact => 0,
        Style::Both => 1,
        Style::Decimal => 2,
    };
    STYLE.store(v, Ordering::Relaxed);
}

/// The style set by [`set_style`] ([`Style::Both`] unless changed).
pub fn style() -> Style {
    match STYLE.load(Ordering::Relaxed) {
        0 => Style::Exact,
        2 => Style::Decimal,
        _ => Style::Both,
    }
}

/// Significant digits of the decimals shown beside exact numbers.
pub const DIGITS: usize = 5;

/// Is the exact form of `q` long enough that a person wants a decimal beside it? A fraction
/// longer than 8 characters (`1/3`, `-17/256` are short; `1234/56789` is not) or an integer
/// of more than 12 digits.
pub fn is_long(q: &Q) -> bool {
    // Counted, not printed, when the parts fit i64 (this runs for every region's point).
    if let Some((n, d)) = q.to_i64_pair() {
        let digits = |v: u64| v.checked_ilog10().map_or(1, |l| l as usize + 1);
        let n = digits(n.unsigned_abs());
        return if d == 1 {
            n > 12
        } else {
            n + 1 + digits(d.unsigned_abs()) > 8
        };
    }
    is_long_printed(q)
}

/// [`is_long`] from the printed form.
fn is_long_printed(q: &Q) -> bool {
    let s = q.abs().to_string();
    if q.is_integer() {
        s.len() > 12
    } else {
        s.len() > 8
    }
}

/// `q` rounded to `digits` significant digits (at least 1), computed exactly: `0.10155`,
/// `-3.25`, `120`, `2.58e120`, `1e-9`. Positional notation for magnitudes from 1e-4 to
/// below 1e15, scientific notation outside; trailing zeros are dropped.
///
/// ```
/// use relucheck::exact::decimal::decimal;
/// use relucheck::Q;
/// assert_eq!(decimal(&Q::new(1, 3), 5), "0.33333");
/// assert_eq!(decimal(&Q::new(-2, 3), 3), "-0.667");
/// assert_eq!(decimal(&Q::from_int(120), 5), "120");
/// assert_eq!(decimal(&Q::new(1, 1_000_000_000), 5), "1e-9");
/// ```
pub fn decimal(q: &Q, digits: usize) -> String {
    let digits = digits.max(1);
    if q.is_zero() {
        return "0".to_string();
    }
    let n = q.numer().abs();
    let d = q.denom();
    let (m, e) = significand(&n, &d, digits);
    let sign = if q.is_negative() { "-" } else { "" };
    let body = if (-4..15).contains(&e) {
        positional(&m, e, digits)
    } else {
        scientific(&m, e)
    };
    format!("{sign}{body}")
}

/// For `n/d > 0`: the integer `m` with `digits` digits and the exponent `e` such that
/// `n/d ≈ m · 10^(e - digits + 1)`, `m` rounded half away from zero.
fn significand(n: &BigInt, d: &BigInt, digits: usize) -> (BigInt, i64) {
    // First guess of e = floor(log10(n/d)) from the digit counts, then corrected exactly.
    let digit_count = |x: &BigInt| x.to_string().len() as i64;
    let mut e = digit_count(n) - digit_count(d);
    while compare_pow10(n, d, e) == std::cmp::Ordering::Less {
        e -= 1;
    }
    while compare_pow10(n, d, e + 1) != std::cmp::Ordering::Less {
        e += 1;
    }
    // m = round(n/d · 10^(digits - 1 - e)).
    let shift = digits as i64 - 1 - e;
    let (num, den) = scaled(n, d, shift);
    let (quot, rem) = num.div_rem(&den);
    let mut m = if BigInt::from(2) * rem >= den {
        quot + 1
    } else {
        quot
    };
    if m == pow10(digits as i64) {
        m /= 10;
        e += 1;
    }
    (m, e)
}

/// Compares `n/d` with `10^e`.
fn compare_pow10(n: &BigInt, d: &BigInt, e: i64) -> std::cmp::Ordering {
    let (num, den) = scaled(n, d, -e);
    num.cmp(&den)
}

/// `(n · 10^shift, d)` or `(n, d · 10^-shift)` as integers.
fn scaled(n: &BigInt, d: &BigInt, shift: i64) -> (BigInt, BigInt) {
    if shift >= 0 {
        (n * pow10(shift), d.clone())
    } else {
        (n.clone(), d * pow10(-shift))
    }
}

fn pow10(k: i64) -> BigInt {
    num_traits::pow(BigInt::from(10), k as usize)
}

/// `m · 10^(e - digits + 1)` written out positionally.
fn positional(m: &BigInt, e: i64, digits: usize) -> String {
    let point = e + 1; // digits before the decimal point
    let s = m.to_string();
    let s = format!("{s:0>digits$}");
    if point >= digits as i64 {
        let zeros = "0".repeat((point - digits as i64) as usize);
        return format!("{s}{zeros}");
    }
    let (int, frac) = if point > 0 {
        let (a, b) = s.split_at(point as usize);
        (a.to_string(), b.to_string())
    } else {
        (
            "0".to_string(),
            format!("{}{s}", "0".repeat((-point) as usize)),
        )
    };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    }
}

/// `m · 10^(e - digits + 1)` as `d.ddde±x`.
fn scientific(m: &BigInt, e: i64) -> String {
    let s = m.to_string();
    let (lead, rest) = s.split_at(1);
    let rest = rest.trim_end_matches('0');
    if rest.is_empty() {
        format!("{lead}e{e}")
    } else {
        format!("{lead}.{rest}e{e}")
    }
}

/// A number as people read it, in the current [`style`]: `1/3`; a long one as
/// `EXACT (≈ 0.10155)` (both), or `≈0.10155` (decimal).
pub fn readable(q: &Q) -> String {
    match style() {
        Style::Exact => q.to_string(),
        _ if !is_long(q) => q.to_string(),
        Style::Both => format!("{q} (≈ {})", decimal(q, DIGITS)),
        Style::Decimal => format!("≈{}", decimal(q, DIGITS)),
    }
}

/// A point as people read it: `[1/2, -3]`; when a coordinate is long, the exact point and
/// then its decimals, `[EXACT, ...] ≈ [0.10155, ...]` (both), or the decimals alone marked
/// `≈` (decimal).
///
/// A point of [`MIN_RUN`] or more equal coordinates reads `[0 (all 64 coordinates)]`; a
/// long point that is mostly zero lists its other coordinates, counted from 1 (see
/// [`sparse`]): `[1 at coordinate 1, -1/2 at coordinate 9, 0 at the other 782 coordinates]`.
pub fn readable_point(x: &[Q]) -> String {
    if let Some(v) = constant(x) {
        return format!("[{} (all {} coordinates)]", readable(v), x.len());
    }
    if let Some(text) = sparse(x, "coordinate") {
        return format!("[{text}]");
    }
    let exact = plain_point(x);
    if style() == Style::Exact || !x.iter().any(is_long) {
        return exact;
    }
    match style() {
        Style::Decimal => format!("≈ {}", approx_point(x)),
        _ => format!("{exact} ≈ {}", approx_point(x)),
    }
}

/// The length from which a point whose coordinates are all equal is written once.
pub const MIN_RUN: usize = 8;

/// The one value of a point of [`MIN_RUN`] or more coordinates that are all equal (a
/// zero image, a constant input), which printers write once with the count.
pub fn constant(x: &[Q]) -> Option<&Q> {
    let first = x.first()?;
    (x.len() >= MIN_RUN && x.iter().all(|v| v == first)).then_some(first)
}

/// The length above which a point that is mostly zero is written sparsely. The 16 inputs of
/// a 4x4 image (the teaching examples) are still written out, coordinate by coordinate.
pub const SPARSE_ABOVE: usize = 16;

/// A point of more than [`SPARSE_ABOVE`] coordinates of which at most a quarter are not
/// zero (a slice direction, a point of a slice of an image net), written as its nonzero
/// coordinates, each [`readable`] with its position counted from 1, and then the count of
/// zeros: `1 at coordinate 1, 0 at the other 783 coordinates` (`noun` names the positions).
/// `None` for other points, which are written in full. Only for people: JSON lists every
/// coordinate.
pub fn sparse(x: &[Q], noun: &str) -> Option<String> {
    let nonzero = x.iter().filter(|v| !v.is_zero()).count();
    if x.len() <= SPARSE_ABOVE || nonzero * 4 > x.len() || nonzero == 0 {
        return None;
    }
    let mut parts: Vec<String> = x
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_zero())
        .map(|(i, v)| format!("{} at {noun} {}", readable(v), i + 1))
        .collect();
    parts.push(format!("0 at the other {} {noun}s", x.len() - nonzero));
    Some(parts.join(", "))
}

/// The arguments of `f(...)` as people read them: `1/2, -3`, or `0 (all 64 inputs)`.
pub fn readable_arguments(x: &[Q]) -> String {
    match constant(x) {
        Some(v) => format!("{v} (all {} inputs)", x.len()),
        None => plain_point(x).trim_matches(['[', ']']).to_string(),
    }
}

/// `NAME = POINT` in a sentence whose exact value is printed right below it (a verdict's
/// reason above its counterexample): like [`readable_point`], but a long point in the
/// default style is given by its decimals alone, `f(0) ≈ [0.20345, -0.2802]`, so that the
/// sentence stays short.
pub fn brief_value(name: &str, x: &[Q]) -> String {
    let plain = constant(x).is_none() && sparse(x, "coordinate").is_none();
    if style() == Style::Both && plain && x.iter().any(is_long) {
        return format!("{name} ≈ {}", approx_point(x));
    }
    format!("{name} = {}", readable_point(x))
}

/// `[1/2, -3]`: the exact point, whatever the style.
pub fn plain_point(x: &[Q]) -> String {
    let parts: Vec<String> = x.iter().map(Q::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// The point in decimals, `[0.10155, -3]` (short exact coordinates are written as decimals
/// too, so that the list reads evenly).
pub fn approx_point(x: &[Q]) -> String {
    let parts: Vec<String> = x.iter().map(|v| decimal(v, DIGITS)).collect();
    format!("[{}]", parts.join(", "))
}

/// Is `q` an honest reading of a bound, or so large that it says nothing (more than 1e15 in
/// magnitude)? Printers add "(not informative)" beside such bounds.
pub fn is_huge(q: &Q) -> bool {
    q.numer().abs() > q.denom() * pow10(15)
}

/// A decimal read back exactly (tests only: an independent reading of what [`decimal`] wrote).
#[cfg(test)]
fn parse_decimal(s: &str) -> Q {
    let (mant, exp) = match s.split_once('e') {
        Some((m, e)) => (m, e.parse::<i64>().unwrap()),
        None => (s, 0),
    };
    let neg = mant.starts_with('-');
    let mant = mant.trim_start_matches('-');
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits: BigInt = format!("{int}{frac}").parse().unwrap();
    let scale = exp - frac.len() as i64;
    let v = if scale >= 0 {
        Q::from(digits * pow10(scale))
    } else {
        Q::from_big(num_rational::BigRational::new(digits, pow10(-scale)))
    };
    if neg { -v } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_traits::One;
    use proptest::prelude::*;

    fn q(n: i64, d: i64) -> Q {
        Q::new(n, d)
    }

    #[test]
    fn long_mostly_zero_points_list_their_nonzero_coordinates() {
        let mut u = vec![Q::ZERO; 784];
        u[0] = Q::ONE;
        u[299] = q(-1, 2);
        assert_eq!(
            readable_point(&u),
            "[1 at coordinate 1, -1/2 at coordinate 300, 0 at the other 782 coordinates]"
        );
        assert_eq!(
            brief_value("x", &u),
            "x = [1 at coordinate 1, -1/2 at coordinate 300, 0 at the other 782 coordinates]"
        );
        // A long coordinate keeps its exact form, with the decimal beside it.
        u[0] = q(57165107173407, 562949953421312);
        assert!(
            readable_point(&u)
                .starts_with("[57165107173407/562949953421312 (≈ 0.10155) at coordinate 1, ")
        );
        // Short points, points with many nonzero coordinates and constant ones are as before.
        let mut short = vec![Q::ZERO; SPARSE_ABOVE];
        short[0] = Q::ONE;
        assert_eq!(readable_point(&short), plain_point(&short));
        let mut dense = vec![Q::ONE; 20];
        dense[..14].fill(Q::ZERO);
        assert_eq!(sparse(&dense, "coordinate"), None, "6 of 20 are not zero");
        dense[14] = Q::ZERO;
        assert_eq!(
            sparse(&dense, "coordinate").unwrap(),
            "1 at coordinate 16, 1 at coordinate 17, 1 at coordinate 18, 1 at coordinate 19, 1 at coordinate 20, 0 at the other 15 coordinates"
        );
        assert_eq!(readable_point(&[Q::ZERO; 20]), "[0 (all 20 coordinates)]");
    }

    #[test]
    fn a_brief_value_drops_only_long_exact_forms() {
        let long = vec![q(57165107173407, 562949953421312), q(-1, 2)];
        assert_eq!(brief_value("f(0)", &long), "f(0) ≈ [0.10155, -0.5]");
        let short = vec![q(1, 3), q(-1, 2)];
        assert_eq!(brief_value("f(0)", &short), "f(0) = [1/3, -1/2]");
    }

    #[test]
    fn a_point_of_equal_coordinates_is_written_once() {
        let zeros = vec![Q::ZERO; 64];
        assert_eq!(readable_point(&zeros), "[0 (all 64 coordinates)]");
        assert_eq!(readable_arguments(&zeros), "0 (all 64 inputs)");
        // Shorter points are written out; a point with one different coordinate is not
        // constant (it is written sparsely, see `sparse`, when the rest is zero).
        let seven = vec![q(1, 2); MIN_RUN - 1];
        assert_eq!(readable_point(&seven), plain_point(&seven));
        let mut almost = vec![Q::ZERO; 64];
        almost[63] = Q::ONE;
        assert_eq!(
            readable_point(&almost),
            "[1 at coordinate 64, 0 at the other 63 coordinates]"
        );
        assert_eq!(readable_arguments(&almost).matches(", ").count(), 63);
        almost.fill(q(1, 2));
        almost[63] = Q::ONE;
        assert_eq!(readable_point(&almost), plain_point(&almost));
    }

    #[test]
    fn decimals_of_ordinary_numbers() {
        assert_eq!(decimal(&q(57165107173407, 562949953421312), 5), "0.10155");
        assert_eq!(decimal(&q(1, 3), 5), "0.33333");
        assert_eq!(decimal(&q(2, 3), 5), "0.66667");
        assert_eq!(decimal(&q(-13, 4), 5), "-3.25");
        assert_eq!(decimal(&q(1, 8), 5), "0.125");
        assert_eq!(decimal(&q(99999, 1), 5), "99999");
        assert_eq!(decimal(&q(999995, 10), 5), "100000");
        assert_eq!(decimal(&q(123456789, 1), 5), "123460000");
        assert_eq!(decimal(&q(1, 10000), 5), "0.0001");
        assert_eq!(decimal(&q(1, 100000), 5), "1e-5");
        assert_eq!(decimal(&q(12345, 100000000), 3), "0.000123");
    }

    #[test]
    fn huge_and_tiny_numbers_go_scientific() {
        let big = Q::from(pow10(120) * BigInt::from(258));
        assert_eq!(decimal(&big, 5), "2.58e122");
        let tiny = Q::from_big(num_rational::BigRational::new(BigInt::from(-7), pow10(300)));
        assert_eq!(decimal(&tiny, 5), "-7e-300");
        assert!(is_huge(&big));
        assert!(!is_huge(&q(1, 3)));
    }

    #[test]
    fn long_means_a_person_wants_a_decimal() {
        assert!(!is_long(&q(1, 3)));
        assert!(!is_long(&q(-17, 256)));
        assert!(is_long(&q(1234, 56789)));
        assert!(!is_long(&Q::from_int(123_456_789_012)));
        assert!(is_long(&Q::from_int(1_234_567_890_123)));
    }

    #[test]
    fn points_show_decimals_only_when_long() {
        // The style is process-wide; these assertions hold for the default style only, and
        // no test of this crate changes it.
        assert_eq!(style(), Style::Both);
        assert_eq!(readable_point(&[q(1, 2), q(-3, 1)]), "[1/2, -3]");
        let p = [q(57165107173407, 562949953421312), q(1, 2)];
        assert_eq!(
            readable_point(&p),
            "[57165107173407/562949953421312, 1/2] ≈ [0.10155, 0.5]"
        );
        assert_eq!(readable(&q(1, 3)), "1/3");
    }

    proptest! {
        /// Counting digits says what printing says, at the edges of 8 characters and
        /// 12 digits too.
        #[test]
        fn long_by_counting_is_long_by_printing(n in any::<i64>(), d in 1i64..i64::MAX, e in 0u32..19, shape in 0u8..3) {
            let n = match shape {
                0 => n,
                1 => n % 10i64.pow(e),
                _ => 10i64.pow(e) - 1,
            };
            let d = if shape == 1 { d % 10i64.pow(e / 2) + 1 } else { d };
            for x in [Q::new(n.max(i64::MIN + 1), d), Q::from_int(n.max(i64::MIN + 1))] {
                prop_assert_eq!(is_long(&x), is_long_printed(&x), "{}", x);
            }
        }

        /// The decimal parses back to a number within half a unit of its last digit of the
        /// exact value (checked in exact arithmetic, an independent reading of the string).
        #[test]
        fn decimal_is_within_half_a_unit(n in -10i64.pow(15)..10i64.pow(15), d in 1i64..10i64.pow(12), digits in 1usize..8) {
            let v = q(n, d);
            let s = decimal(&v, digits);
            let back = parse_decimal(&s);
            if v.is_zero() {
                prop_assert_eq!(s, "0");
            } else {
                // |v - back| <= 10^(e - digits + 1) / 2 where 10^e <= |v| < 10^(e+1):
                // equivalently |v - back| <= |v| · 10^(1 - digits) / 2 · 10 at most.
                let err = (&v - &back).abs();
                let (_, e) = significand(&v.numer().abs(), &v.denom(), digits);
                let unit = if e - digits as i64 + 1 >= 0 {
                    Q::from(pow10(e - digits as i64 + 1))
                } else {
                    Q::from_big(num_rational::BigRational::new(BigInt::one(), pow10(digits as i64 - 1 - e)))
                };
                prop_assert!(err * Q::from_int(2) <= unit, "{} read as {}", v, s);
                // And the significand has the magnitude e says.
                let lo = if e >= 0 { Q::from(pow10(e)) } else { Q::from_big(num_rational::BigRational::new(BigInt::one(), pow10(-e))) };
                prop_assert!(v.abs() >= lo * Q::new(1, 2));
            }
        }
    }
}
