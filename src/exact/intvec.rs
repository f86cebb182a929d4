//! Integer vectors over one common denominator: exact linear algebra without gcd.
//!
//! A vector of rationals `x_j = n_j / D` is kept as integer numerators `n_j` ([`Ints`]) and
//! one positive denominator `D = 2^k · odd` ([`Den`]). An affine map whose coefficients
//! share a denominator `W` is then an integer matrix-vector product, and its output has the
//! denominator `W·D`: sums and products of such numbers need no gcd. Only the values a
//! caller reads become [`Q`] again ([`to_qs`]), and a power-of-two denominator reduces by
//! trailing zeros.
//!
//! # Integer products on machine words
//! [`Digits`] splits every numerator into signed digits of at most 63 bits (a digit has the
//! sign of its number), so a product of a weight digit and an input digit is an `i128`, and
//! a column of such products sums in `i128` without overflow when the digit widths obey
//! `weight bits + input bits + log2(terms) <= 127` ([`input_width`]). [`combine`] adds the
//! shifted column sums into the outputs: in wrapping `i128` arithmetic when every output is
//! known to fit (the result is exact modulo `2^128` and in range, hence exact), in a
//! two's-complement word buffer otherwise.

use crate::exact::rational::Q;
use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// A positive denominator `2^k · odd` with `odd` odd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Den {
    /// The exponent of two.
    pub(crate) k: u64,
    /// The odd part (`>= 1`).
    pub(crate) odd: BigInt,
}

impl Den {
    /// One.
    pub(crate) fn one() -> Den {
        Den {
            k: 0,
            odd: BigInt::one(),
        }
    }

    /// `d > 0`, split into its power of two and odd part.
    pub(crate) fn from_positive(d: &BigInt) -> Den {
        debug_assert!(d.is_positive());
        let k = d.trailing_zeros().expect("positive");
        Den { k, odd: d >> k }
    }

    /// The product of two denominators.
    pub(crate) fn mul(&self, other: &Den) -> Den {
        Den {
            k: self.k + other.k,
            odd: &self.odd * &other.odd,
        }
    }

    /// `2^k · odd`.
    pub(crate) fn value(&self) -> BigInt {
        &self.odd << self.k
    }
}

/// Integers, as `i128` while they fit and as big integers otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ints {
    /// Every value fits `i128`.
    Small(Vec<i128>),
    /// Any values.
    Big(Vec<BigInt>),
}

impl Ints {
    /// The number of values.
    pub(crate) fn len(&self) -> usize {
        match self {
            Ints::Small(v) => v.len(),
            Ints::Big(v) => v.len(),
        }
    }

    /// The largest bit length of a magnitude (0 when all are zero).
    pub(crate) fn max_bits(&self) -> u64 {
        match self {
            Ints::Small(v) => v
                .iter()
                .map(|x| 128 - x.unsigned_abs().leading_zeros() as u64)
                .max()
                .unwrap_or(0),
            Ints::Big(v) => v.iter().map(BigInt::bits).max().unwrap_or(0),
        }
    }

    /// The values as big integers.
    pub(crate) fn into_big(self) -> Vec<BigInt> {
        match self {
            Ints::Small(v) => v.into_iter().map(BigInt::from).collect(),
            Ints::Big(v) => v,
        }
    }
}

/// The numerators of `xs` over their least common denominator.
pub(crate) fn from_qs<'a>(xs: impl IntoIterator<Item = &'a Q> + Clone) -> (Ints, Den) {
    from_small_qs(xs.clone()).unwrap_or_else(|| from_big_qs(xs))
}

/// [`from_qs`] on machine words: `None` when a value, the odd part of the denominator or a
/// numerator leaves them.
fn from_small_qs<'a>(xs: impl IntoIterator<Item = &'a Q> + Clone) -> Option<(Ints, Den)> {
    let (mut k, mut odd) = (0u32, 1u64);
    for x in xs.clone() {
        let (_, d) = x.to_i64_pair()?;
        let tz = d.trailing_zeros();
        let o = (d >> tz) as u64;
        k = k.max(tz);
        if odd % o != 0 {
            odd = (odd / odd.gcd(&o)).checked_mul(o)?;
        }
    }
    let nums = xs
        .into_iter()
        .map(|x| {
            let (n, d) = x.to_i64_pair().expect("checked above");
            let tz = d.trailing_zeros();
            let scale = (odd / (d >> tz) as u64) as i128;
            (n as i128)
                .checked_mul(scale)?
                .checked_mul(1i128 << (k - tz))
        })
        .collect::<Option<Vec<i128>>>()?;
    let den = Den {
        k: k as u64,
        odd: BigInt::from(odd),
    };
    Some((Ints::Small(nums), den))
}

fn from_big_qs<'a>(xs: impl IntoIterator<Item = &'a Q> + Clone) -> (Ints, Den) {
    // A value in i64s is split into its power of two and odd part without big integers
    // (float32 weights and their products: the odd part is 1).
    let split = |x: &Q| match x.to_i64_pair() {
        Some((_, d)) => {
            let tz = d.trailing_zeros();
            (u64::from(tz), BigInt::from(d >> tz))
        }
        None => {
            let d = Den::from_positive(&x.denom());
            (d.k, d.odd)
        }
    };
    let mut den = Den::one();
    for x in xs.clone() {
        let (k, odd) = split(x);
        den.k = den.k.max(k);
        if !odd.is_one() && !(&den.odd % &odd).is_zero() {
            den.odd = den.odd.lcm(&odd);
        }
    }
    let nums = xs
        .into_iter()
        .map(|x| {
            let (k, odd) = split(x);
            let n = match x.to_i64_pair() {
                Some((n, _)) => BigInt::from(n),
                None => x.numer(),
            };
            let n = if den.odd.is_one() {
                n
            } else {
                n * (&den.odd / &odd)
            };
            n << (den.k - k)
        })
        .collect();
    (Ints::Big(nums), den)
}

/// The rationals `n_j / den`, reduced.
pub(crate) fn to_qs(n: &Ints, den: &Den) -> Vec<Q> {
    let odd = den.odd.to_u64();
    match n {
        Ints::Small(v) => v.iter().map(|&x| small_to_q(x, den, odd)).collect(),
        Ints::Big(v) => v.iter().map(|x| big_to_q(x.clone(), den)).collect(),
    }
}

fn small_to_q(n: i128, den: &Den, odd: Option<u64>) -> Q {
    match odd {
        Some(1) => Q::from_i128_pow2(n, den.k),
        // The denominator fits i128; the odd part is reduced by one gcd on words.
        Some(o) if den.k <= 62 => Q::from_i128_parts(n, (o as i128) << den.k),
        _ => big_to_q(BigInt::from(n), den),
    }
}

fn big_to_q(n: BigInt, den: &Den) -> Q {
    if den.odd.is_one() {
        return Q::from_bigint_pow2(n, den.k);
    }
    let Some(tz) = n.trailing_zeros() else {
        return Q::ZERO;
    };
    let tz = tz.min(den.k);
    let n = n >> tz;
    // The odd part is usually small: one remainder, then a gcd on machine words.
    let g = match den.odd.to_u64() {
        Some(o) => BigInt::from((&n % o).abs().to_u64().expect("below o").gcd(&o)),
        None => n.gcd(&den.odd),
    };
    let (n, odd) = if g.is_one() {
        (n, den.odd.clone())
    } else {
        (n / &g, &den.odd / &g)
    };
    Q::from_big(BigRational::new_raw(n, odd << (den.k - tz)))
}

/// The bits of `log2(terms)` rounded up: a sum of `terms` values below `2^b` is below
/// `2^(b + log2_ceil(terms))`.
pub(crate) fn log2_ceil(terms: usize) -> u64 {
    (usize::BITS - terms.saturating_sub(1).leading_zeros()) as u64
}

/// The widest input digit (at most 63 bits) for which a column of `terms` products of a
/// `weight_width`-bit digit and an input digit sums in `i128` without overflow.
pub(crate) fn input_width(weight_width: u32, terms: usize) -> u32 {
    let room = 127 - weight_width as u64 - log2_ceil(terms);
    room.min(63) as u32
}

/// Numerators split into signed digits: value `j` is `Σ_l planes[l][j] · 2^(width·l)`,
/// every digit below `2^width` in magnitude and of the value's sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Digits {
    /// Bits per digit (1 to 63).
    pub(crate) width: u32,
    /// `planes[l][j]`: digit `l` of value `j`.
    pub(crate) planes: Vec<Vec<i64>>,
}

impl Digits {
    /// The digits of `n` (and of `extra`, appended as the last value) in planes of
    /// `width` bits, as many planes as `bits`, the largest magnitude's bit length, needs.
    pub(crate) fn new(n: &Ints, extra: Option<&BigInt>, width: u32, bits: u64) -> Digits {
        debug_assert!((1..=63).contains(&width));
        debug_assert_eq!(bits, n.max_bits().max(extra.map_or(0, BigInt::bits)));
        let count = bits.div_ceil(width as u64) as usize;
        let len = n.len() + extra.is_some() as usize;
        let mut planes = vec![vec![0i64; len]; count];
        match n {
            Ints::Small(v) => {
                for (j, &x) in v.iter().enumerate() {
                    split_u128(x.unsigned_abs(), x < 0, width, &mut planes, j);
                }
            }
            Ints::Big(v) => {
                for (j, x) in v.iter().enumerate() {
                    split_big(x, width, &mut planes, j);
                }
            }
        }
        if let Some(e) = extra {
            split_big(e, width, &mut planes, n.len());
        }
        Digits { width, planes }
    }
}

fn split_u128(mut mag: u128, neg: bool, width: u32, planes: &mut [Vec<i64>], j: usize) {
    let mask = (1u128 << width) - 1;
    let mut l = 0;
    while mag != 0 {
        let d = (mag & mask) as i64;
        planes[l][j] = if neg { -d } else { d };
        mag >>= width;
        l += 1;
    }
}

fn split_big(x: &BigInt, width: u32, planes: &mut [Vec<i64>], j: usize) {
    let neg = x.sign() == Sign::Minus;
    let mask = (1u128 << width) - 1;
    // A bit buffer fed 64 bits at a time and drained `width` bits at a time.
    let (mut buf, mut have, mut l) = (0u128, 0u32, 0usize);
    // Zero digits are skipped: the planes start at zero, and the top word's leading zeros
    // drain as zero digits past the last plane.
    let mut put = |d: i64, l: usize| {
        if d != 0 {
            planes[l][j] = if neg { -d } else { d };
        }
    };
    for word in x.iter_u64_digits() {
        buf |= (word as u128) << have;
        have += 64;
        while have >= width {
            put((buf & mask) as i64, l);
            buf >>= width;
            have -= width;
            l += 1;
        }
    }
    if buf != 0 {
        put(buf as i64, l);
    }
}

/// `acc[i] += w[i] · v` for every `i`: the inner loop of every integer product.
#[inline]
pub(crate) fn axpy(acc: &mut [i128], w: &[i64], v: i64) {
    let v = v as i128;
    for (a, &x) in acc.iter_mut().zip(w) {
        *a += x as i128 * v;
    }
}

/// `y_i = Σ_t cols[t].1[i] · 2^cols[t].0` for `i < len`, given that every `|y_i| < 2^bound`.
pub(crate) fn combine(len: usize, mut cols: Vec<(u64, Vec<i128>)>, bound: u64) -> Ints {
    debug_assert!(cols.iter().all(|c| c.1.len() == len));
    if cols.len() == 1 && cols[0].0 == 0 {
        return Ints::Small(cols.pop().expect("one column").1);
    }
    if bound <= 127 {
        // Exact modulo 2^128, and the result is in range: exact.
        let mut y = vec![0i128; len];
        for (shift, c) in &cols {
            if *shift < 128 {
                for (a, &v) in y.iter_mut().zip(c) {
                    *a = a.wrapping_add(v.wrapping_shl(*shift as u32));
                }
            }
        }
        return Ints::Small(y);
    }
    let words = (bound as usize + 1).div_ceil(64) + 1;
    let mut acc = vec![0u64; words];
    let y = (0..len)
        .map(|i| {
            acc.fill(0);
            for (shift, c) in &cols {
                add_shifted(&mut acc, c[i], *shift);
            }
            words_to_big(&mut acc)
        })
        .collect();
    Ints::Big(y)
}

/// `acc += v · 2^shift` in two's complement over `acc.len()` words (modulo `2^(64·len)`).
fn add_shifted(acc: &mut [u64], v: i128, shift: u64) {
    if v == 0 {
        return;
    }
    let (off, bit) = ((shift / 64) as usize, (shift % 64) as u32);
    let u = v as u128;
    let parts = if bit == 0 {
        [u as u64, (u >> 64) as u64, (v >> 127) as u64]
    } else {
        [
            (u << bit) as u64,
            (u >> (64 - bit)) as u64,
            (v >> (128 - bit)) as u64,
        ]
    };
    let ext = (v >> 127) as u64; // all ones for a negative v
    let mut carry = 0u64;
    for (i, a) in acc.iter_mut().enumerate().skip(off) {
        let p = parts.get(i - off).copied().unwrap_or(ext);
        let (s1, c1) = a.overflowing_add(p);
        let (s2, c2) = s1.overflowing_add(carry);
        *a = s2;
        carry = (c1 || c2) as u64;
    }
}

/// The two's-complement value of `words` (which it negates in place when negative).
fn words_to_big(words: &mut [u64]) -> BigInt {
    let neg = words.last().is_some_and(|w| w >> 63 == 1);
    if neg {
        let mut carry = true;
        for w in words.iter_mut() {
            let (s, c) = (!*w).overflowing_add(carry as u64);
            *w = s;
            carry = c;
        }
    }
    let digits: Vec<u32> = words
        .iter()
        .flat_map(|&w| [w as u32, (w >> 32) as u32])
        .collect();
    BigInt::new(if neg { Sign::Minus } else { Sign::Plus }, digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(s: &str) -> Q {
        s.parse().unwrap()
    }

    fn any_int() -> impl Strategy<Value = BigInt> {
        prop_oneof![
            (-5i64..5).prop_map(BigInt::from),
            any::<i128>().prop_map(BigInt::from),
            (any::<i128>(), any::<u64>(), 0u32..200)
                .prop_map(|(a, b, s)| (BigInt::from(a) << s) + BigInt::from(b)),
        ]
    }

    fn ints(v: &[BigInt], small: bool) -> Ints {
        match v
            .iter()
            .map(ToPrimitive::to_i128)
            .collect::<Option<Vec<_>>>()
        {
            Some(s) if small => Ints::Small(s),
            _ => Ints::Big(v.to_vec()),
        }
    }

    #[test]
    fn common_denominators_and_back() {
        let xs = [q("1/3"), q("-5/12"), q("7"), q("0"), q("3/8")];
        let (n, d) = from_qs(&xs);
        assert_eq!((d.k, d.odd.clone()), (3, BigInt::from(3)));
        assert_eq!(n, Ints::Small(vec![8, -10, 168, 0, 9]));
        assert_eq!(to_qs(&n, &d), xs);
        // The same through big integers.
        let (n2, d2) = from_big_qs(&xs);
        assert_eq!(d2, d);
        assert_eq!(to_qs(&n2, &d2), xs);
    }

    proptest! {
        #[test]
        fn from_qs_to_qs_round_trip(
            parts in proptest::collection::vec((any::<i64>(), 1i64..2000, 0i64..70), 0..8)
        ) {
            let xs: Vec<Q> = parts.iter().map(|&(n, d, e)| Q::new(n, d) * Q::pow2(-e)).collect();
            let (n, d) = from_qs(&xs);
            prop_assert_eq!(to_qs(&n, &d), xs.clone());
            let (nb, db) = from_big_qs(&xs);
            prop_assert_eq!(&db, &d);
            prop_assert_eq!(n.into_big(), nb.into_big());
        }

        /// Through big integers with values past i64 among short ones (dyadic and not).
        #[test]
        fn big_values_round_trip(
            parts in proptest::collection::vec((any::<i64>(), 1i64..2000, 0i64..70, 0u8..3), 0..8)
        ) {
            let three = Q::from_int(3);
            let xs: Vec<Q> = parts
                .iter()
                .map(|&(n, d, e, big)| {
                    let x = Q::new(n, d) * Q::pow2(-e);
                    match big {
                        0 => x,
                        1 => x * Q::pow2(90),
                        _ => (0..30).fold(x, |acc, _| &acc / &three),
                    }
                })
                .collect();
            let (n, d) = from_qs(&xs);
            prop_assert_eq!(to_qs(&n, &d), xs.clone());
            let (nb, db) = from_big_qs(&xs);
            prop_assert_eq!(to_qs(&nb, &db), xs);
        }

        #[test]
        fn digits_rebuild_their_values(v in proptest::collection::vec(any_int(), 1..6), width in 1u32..64, small in any::<bool>()) {
            let n = ints(&v, small);
            let bits = v.iter().map(BigInt::bits).max().unwrap();
            let digits = Digits::new(&n, Some(&v[0]), width, bits);
            for (j, x) in v.iter().chain([&v[0]]).enumerate() {
                let mut back = BigInt::zero();
                for (l, plane) in digits.planes.iter().enumerate() {
                    let d = plane[j];
                    prop_assert!(d.unsigned_abs() < 1u64 << width);
                    prop_assert!(d == 0 || (d < 0) == x.is_negative());
                    back += BigInt::from(d) << (width as usize * l);
                }
                prop_assert_eq!(&back, x);
            }
        }

        #[test]
        fn combine_adds_shifted_columns(
            cols in proptest::collection::vec((0u64..300, proptest::collection::vec(any::<i128>(), 3)), 1..5)
        ) {
            let expected: Vec<BigInt> = (0..3)
                .map(|i| cols.iter().map(|(s, c)| BigInt::from(c[i]) << *s).sum())
                .collect();
            let bound = expected.iter().map(BigInt::bits).max().unwrap();
            prop_assert_eq!(combine(3, cols.clone(), bound).into_big(), expected.clone());
            // A looser bound takes the word buffer; the values are the same.
            prop_assert_eq!(combine(3, cols, bound.max(128) + 64).into_big(), expected);
        }
    }
}
