//! The formula writer: affine maps and inequalities written as a person writes them
//! (`3/2·x1 − x2 + 1/4`, `x1 >= 1`), and a region's map as one formula per output.
//!
//! It lives here, in the regions layer, because [`map_formulas`] reads a [`Region`] (is it
//! curved, is its map exact), and below [`analysis`](crate::analysis), whose verdicts quote
//! formulas in their reasons: a decision must not depend on a printer. The printers in
//! [`present`](crate::present) use it too.

use crate::exact::rational::Q;
use crate::regions::enumerate::Region;

/// Writes `Σ row_j·name_j + c` as a person would: `3/2·x1 − x2 + 1/4`, `0`, `−x1`.
pub fn affine_formula(row: &[Q], c: &Q, names: &[String]) -> String {
    let mut s = String::new();
    for (v, name) in row.iter().zip(names) {
        if v.is_zero() {
            continue;
        }
        let mag = v.abs();
        let term = if mag == Q::ONE {
            name.clone()
        } else {
            format!("{mag}·{name}")
        };
        if s.is_empty() {
            if v.is_negative() {
                s.push('−');
            }
        } else {
            s.push_str(if v.is_negative() { " − " } else { " + " });
        }
        s.push_str(&term);
    }
    if s.is_empty() {
        return c.to_string().replace('-', "−");
    }
    if !c.is_zero() {
        s.push_str(if c.is_negative() { " − " } else { " + " });
        s.push_str(&c.abs().to_string());
    }
    s
}

/// `a·y <= b` written out, e.g. `x1 − 2·x2 <= 3`; with a negative leading coefficient it
/// is turned around: `−x1 <= −1` reads `x1 >= 1`.
pub fn inequality_text(a: &[Q], b: &Q, names: &[String]) -> String {
    let lead_negative = a.iter().find(|v| !v.is_zero()).is_some_and(Q::is_negative);
    let (a, b, op): (Vec<Q>, Q, &str) = if lead_negative {
        (a.iter().map(|v| -v).collect(), -b, ">=")
    } else {
        (a.to_vec(), b.clone(), "<=")
    };
    format!(
        "{} {op} {}",
        affine_formula(&a, &Q::ZERO, names),
        b.to_string().replace('-', "−")
    )
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
            format!("{f}({args}) = {}", affine_formula(row, c, names))
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
            "3/2·x1 − x2 + 1/4"
        );
        assert_eq!(affine_formula(&[q("-1"), q("0")], &q("0"), &names), "−x1");
        assert_eq!(affine_formula(&[q("0"), q("0")], &q("-2"), &names), "−2");
        assert_eq!(
            affine_formula(&[q("0"), q("2")], &q("-1/3"), &names),
            "2·x2 − 1/3"
        );
        assert_eq!(
            inequality_text(&[q("1"), q("-2")], &q("3"), &names),
            "x1 − 2·x2 <= 3"
        );
        assert_eq!(
            inequality_text(&[q("-1"), q("0")], &q("-1"), &names),
            "x1 >= 1"
        );
        assert_eq!(
            inequality_text(&[q("0"), q("-1")], &q("2"), &names),
            "x2 >= −2"
        );
    }
}
