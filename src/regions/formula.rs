//! The formula writer: affine maps and inequalities written as a person writes them
//! (`3/2*x1 - x2 + 1/4`, `x1 >= 1`; ASCII, so that a formula pastes into code), and a region's map as one formula per output.
//!
//! It lives here, in the regions layer, because [`map_formulas`] reads a [`Region`] (is it
//! curved, is its map exact), and below [`analysis`](crate::analysis), whose verdicts quote
//! formulas in their reasons: a decision must not depend on a printer. The printers in
//! [`present`](crate::present) use it too.

use crate::exact::decimal::{DIGITS, Style, decimal, is_long, style};
use crate::exact::rational::Q;
use crate::regions::enumerate::Region;

/// Writes `Σ row_j·name_j + c` as a person would, in ASCII so that it pastes into Python or
/// a spreadsheet: `3/2*x1 - x2 + 1/4`, `0`, `-x1`. Exact, whatever the number style.
pub fn affine_formula(row: &[Q], c: &Q, names: &[String]) -> String {
    formula_with(row, c, names, &|q: &Q| q.to_string())
}

/// The formula of [`affine_formula`] with every coefficient rounded to a short decimal
/// (`0.10155*x1 - 2.5*x2 + 0.3`): for reading only.
pub fn approx_formula(row: &[Q], c: &Q, names: &[String]) -> String {
    formula_with(row, c, names, &|q: &Q| decimal(q, DIGITS))
}

/// The formula as people read it in the current [number style](crate::exact::decimal::Style):
/// exact when every coefficient is short; with a long one, `EXACT ≈ APPROX` (both),
/// or `≈ APPROX` (decimal).
pub fn readable_formula(row: &[Q], c: &Q, names: &[String]) -> String {
    let long = row.iter().any(is_long) || is_long(c);
    by_style(affine_formula(row, c, names), long, || {
        approx_formula(row, c, names)
    })
    .unwrap_or_else(|(exact, approx)| format!("{exact} ≈ {approx}"))
}

/// The exact text when the style is exact or nothing is long (`Ok`); `≈ APPROX` in the
/// decimal style (`Ok`); otherwise `Err((exact, approx))`, for the caller to put side by side.
fn by_style(
    exact: String,
    long: bool,
    approx: impl FnOnce() -> String,
) -> Result<String, (String, String)> {
    match style() {
        Style::Exact => Ok(exact),
        _ if !long => Ok(exact),
        Style::Decimal => Ok(format!("≈ {}", approx())),
        Style::Both => Err((exact, approx())),
    }
}

/// The one writer behind the formulas: `number` writes a magnitude.
fn formula_with(row: &[Q], c: &Q, names: &[String], number: &dyn Fn(&Q) -> String) -> String {
    let mut s = String::new();
    for (v, name) in row.iter().zip(names) {
        if v.is_zero() {
            continue;
        }
        let mag = v.abs();
        let term = if mag == Q::ONE {
            name.clone()
        } else {
            format!("{}*{name}", number(&mag))
        };
        if s.is_empty() {
            if v.is_negative() {
                s.push('-');
            }
        } else {
            s.push_str(if v.is_negative() { " - " } else { " + " });
        }
        s.push_str(&term);
    }
    if s.is_empty() {
        return if c.is_negative() {
            format!("-{}", number(&c.abs()))
        } else {
            number(c)
        };
    }
    if !c.is_zero() {
        s.push_str(if c.is_negative() { " - " } else { " + " });
        s.push_str(&number(&c.abs()));
    }
    s
}

/// `a·y <= b` written out, e.g. `x1 - 2*x2 <= 3`; with a negative leading coefficient it
/// is turned around: `-x1 <= -1` reads `x1 >= 1`. With a long coefficient, the rounded
/// inequality follows in brackets, `EXACT (≈ APPROX)`, as the number style says.
pub fn inequality_text(a: &[Q], b: &Q, names: &[String]) -> String {
    let lead_negative = a.iter().find(|v| !v.is_zero()).is_some_and(Q::is_negative);
    let (a, b, op): (Vec<Q>, Q, &str) = if lead_negative {
        (a.iter().map(|v| -v).collect(), -b, ">=")
    } else {
        (a.to_vec(), b.clone(), "<=")
    };
    let exact = format!("{} {op} {b}", affine_formula(&a, &Q::ZERO, names));
    let long = a.iter().any(is_long) || is_long(&b);
    by_style(exact, long, || {
        let lhs = approx_formula(&a, &Q::ZERO, names);
        format!("{lhs} {op} {}", decimal(&b, DIGITS))
    })
    .unwrap_or_else(|(exact, approx)| format!("{exact} (≈ {approx})"))
}

/// The formulas of a region's map, one per output: `f(x) = ...` or `f_k(x) = ...`.
pub fn map_formulas(region: &Region, names: &[String]) -> Vec<String> {
    let args = names.join(", ");
    if region.curved {
        return vec![format!(
            "f({args}): curved here (an ELU/SELU unit is on z <= 0, where it is alpha·(e^z - 1)); no affine map exists, evaluate with enclosures"
        )];
    }
    if !region.map_exact {
        return vec![format!(
            "f({args}): affine here (every SELU unit on z >= 0), but through SELU's irrational lambda: no rational map"
        )];
    }
    let m = &region.map;
    (0..m.output_dim())
        .map(|i| {
            let (row, c) = m.component(i);
            let f = if m.output_dim() == 1 {
                "f".to_string()
            } else {
                format!("f{}", i + 1)
            };
            format!("{f}({args}) = {}", readable_formula(row, c, names))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_read_like_maths() {
        let names: Vec<String> = vec!["x1".into(), "x2".into()];
        let q = |s: &str| s.parse::<Q>().unwrap();
        assert_eq!(
            affine_formula(&[q("3/2"), q("-1")], &q("1/4"), &names),
            "3/2*x1 - x2 + 1/4"
        );
        assert_eq!(affine_formula(&[q("-1"), q("0")], &q("0"), &names), "-x1");
        assert_eq!(affine_formula(&[q("0"), q("0")], &q("-2"), &names), "-2");
        assert_eq!(
            affine_formula(&[q("0"), q("2")], &q("-1/3"), &names),
            "2*x2 - 1/3"
        );
        assert_eq!(
            inequality_text(&[q("1"), q("-2")], &q("3"), &names),
            "x1 - 2*x2 <= 3"
        );
        assert_eq!(
            inequality_text(&[q("-1"), q("0")], &q("-1"), &names),
            "x1 >= 1"
        );
        assert_eq!(
            inequality_text(&[q("0"), q("-1")], &q("2"), &names),
            "x2 >= -2"
        );
    }

    #[test]
    fn long_coefficients_get_decimals_beside_them() {
        let names: Vec<String> = vec!["x1".into(), "x2".into()];
        let q = |s: &str| s.parse::<Q>().unwrap();
        let a = q("57165107173407/562949953421312");
        assert_eq!(
            readable_formula(&[a.clone(), q("-1")], &q("1/4"), &names),
            "57165107173407/562949953421312*x1 - x2 + 1/4 ≈ 0.10155*x1 - x2 + 0.25"
        );
        assert_eq!(
            readable_formula(&[q("1/3"), q("-1")], &q("1/4"), &names),
            "1/3*x1 - x2 + 1/4"
        );
        assert_eq!(
            inequality_text(&[-a, q("0")], &q("-1"), &names),
            "57165107173407/562949953421312*x1 >= 1 (≈ 0.10155*x1 >= 1)"
        );
    }

    /// A pasted formula computes the map: the formula is read back by an independent little
    /// evaluator (terms split at ' + ' and ' - ', each `c*name`, `name` or `c`) and compared
    /// with the map at a point, exactly.
    fn evaluate(formula: &str, names: &[String], x: &[Q]) -> Q {
        let mut total = Q::ZERO;
        let mut rest = formula.to_string();
        let mut sign = Q::ONE;
        if let Some(r) = rest.strip_prefix('-') {
            sign = -Q::ONE;
            rest = r.to_string();
        }
        let spaced = rest.replace(" - ", " + -");
        for term in spaced.split(" + ") {
            let (neg, term) = match term.strip_prefix('-') {
                Some(t) => (true, t),
                None => (false, term),
            };
            let value = match term.split_once('*') {
                Some((c, name)) => {
                    let i = names.iter().position(|n| n == name).unwrap();
                    c.parse::<Q>().unwrap() * &x[i]
                }
                None => match names.iter().position(|n| n == term) {
                    Some(i) => x[i].clone(),
                    None => term.parse::<Q>().unwrap(),
                },
            };
            let value = if neg { -value } else { value };
            total += &sign * &value;
            sign = Q::ONE;
        }
        total
    }

    proptest::proptest! {
        #[test]
        fn a_pasted_formula_evaluates_to_the_map(
            row in proptest::collection::vec((-20i64..20, 1i64..9), 3),
            c in (-20i64..20, 1i64..9),
            x in proptest::collection::vec((-20i64..20, 1i64..9), 3),
        ) {
            let names: Vec<String> = vec!["x1".into(), "x2".into(), "x3".into()];
            let row: Vec<Q> = row.iter().map(|&(n, d)| Q::new(n, d)).collect();
            let c = Q::new(c.0, c.1);
            let x: Vec<Q> = x.iter().map(|&(n, d)| Q::new(n, d)).collect();
            let f = affine_formula(&row, &c, &names);
            proptest::prop_assert!(f.is_ascii(), "{}", f);
            let want = crate::exact::rational::dot(&row, &x) + &c;
            proptest::prop_assert_eq!(evaluate(&f, &names, &x), want, "{}", f);
        }
    }
}
