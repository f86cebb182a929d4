//! Printers for `relucheck regions`: text, Markdown and JSON, and the formula writer they
//! share.
//!
//! # JSON (version 1)
//! ```text
//! {
//!   "relucheck_regions": 1,
//!   "network": "tent map composed 3 times",
//!   "domain": {"kind": "box", "lo": ["0"], "hi": ["1"]},
//!   "coordinates": ["x1"],
//!   "complete": true,
//!   "stop": "complete",
//!   "counts": {"regions": 8, "pieces": 8},
//!   "regions": [
//!     {"id": 0, "pattern": "10|10|10", "piece": 0,
//!      "interior_point": ["1/16"], "input_point": ["1/16"],
//!      "map": {"A": [["8"]], "c": ["0"]},
//!      "inequalities": [{"a": ["-1"], "b": "0"}, {"a": ["1"], "b": "1/8"}],
//!      "bounded": true, "vertices": [["0"], ["1/8"]],
//!      "facets": [{"neighbours": []}, {"neighbours": [1]}]}
//!   ]
//! }
//! ```
//! All numbers are exact strings. Points, maps and inequalities are in domain coordinates
//! (`coordinates` names them); `input_point` is the interior point in the network's input
//! space. `inequalities[i]` means `a·y <= b` and `facets[i]` lists the regions across it.
//! `pieces` is `null` when enumeration was incomplete (or some region has no exact map).
//!
//! With ELU/SELU layers each region also has `"curved": true` when some ELU/SELU unit is on
//! its curved part (`z <= 0`); `map` is `null` on such regions (no affine map exists) and on
//! regions through SELU's irrational lambda, and later layers' pattern entries are `?`
//! (not split: their boundaries are curved).

use crate::exact::points::format_point;
use crate::exact::rational::Q;
use crate::net::format::qs_to_strings;
use crate::net::network::Network;
use crate::regions::enumerate::{Region, Regions};
use serde_json::{Value, json};
use std::fmt::Write;

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

fn header(net: &Network, r: &Regions) -> String {
    let notes: String = net.notes.iter().map(|n| format!("note: {n}\n")).collect();
    notes
        + &format!(
            "network: {} (inputs: {}, outputs: {}, piecewise-linear units: {})\ndomain: {}\nregions: {}   linear pieces: {}   ({})\n",
            net.name.as_deref().unwrap_or("unnamed"),
            net.input_dim(),
            net.output_dim(),
            net.nonlinear_units(),
            r.domain.describe(),
            r.regions.len(),
            r.piece_count
                .map_or("unknown".to_string(), |p| p.to_string()),
            r.stop.describe()
        )
}

/// The counts only (`--count`).
pub fn counts_text(net: &Network, r: &Regions) -> String {
    header(net, r)
}

/// Every region in readable text.
pub fn regions_text(net: &Network, r: &Regions) -> String {
    let names = r.domain.coordinate_names();
    let mut s = header(net, r);
    for reg in &r.regions {
        writeln!(s, "\nregion {}  pattern {}", reg.id, reg.pattern).unwrap();
        for f in map_formulas(reg, &names) {
            writeln!(s, "  {f}").unwrap();
        }
        let ineqs: Vec<String> = reg
            .polytope
            .constraints()
            .iter()
            .map(|h| inequality_text(&h.a, &h.b, &names))
            .collect();
        if ineqs.is_empty() {
            writeln!(s, "  where   everywhere").unwrap();
        } else {
            writeln!(s, "  where   {}", ineqs.join(",  ")).unwrap();
        }
        writeln!(s, "  interior point {}", format_point(&reg.interior_point)).unwrap();
        if let Some(b) = reg.bounded {
            let mut line = if b {
                "bounded".to_string()
            } else {
                "unbounded".to_string()
            };
            if let Some(v) = &reg.vertices {
                let vs: Vec<String> = v.iter().map(|p| format_point(p)).collect();
                write!(line, "; vertices {}", vs.join(" ")).unwrap();
            }
            writeln!(s, "  {line}").unwrap();
        }
        if let Some(p) = reg.piece {
            let nb: Vec<String> = reg.neighbour_ids().iter().map(usize::to_string).collect();
            writeln!(
                s,
                "  linear piece {p}; neighbours: {}",
                if nb.is_empty() {
                    "none".into()
                } else {
                    nb.join(", ")
                }
            )
            .unwrap();
        }
    }
    s
}

/// A Markdown table of the regions (at most `max_rows` rows, with a note on the rest).
pub fn regions_markdown(net: &Network, r: &Regions, max_rows: usize) -> String {
    let names = r.domain.coordinate_names();
    let mut s = String::new();
    writeln!(
        s,
        "# Linear regions of {}\n",
        net.name.as_deref().unwrap_or("the network")
    )
    .unwrap();
    writeln!(s, "- Domain: {}", r.domain.describe()).unwrap();
    writeln!(s, "- Activation regions: **{}**", r.regions.len()).unwrap();
    writeln!(
        s,
        "- Linear pieces: **{}**",
        r.piece_count.map_or("unknown".into(), |p| p.to_string())
    )
    .unwrap();
    writeln!(s, "- Enumeration: {}\n", r.stop.describe()).unwrap();
    writeln!(
        s,
        "| id | pattern | affine map | interior point | bounded |"
    )
    .unwrap();
    writeln!(s, "| --- | --- | --- | --- | --- |").unwrap();
    for reg in r.regions.iter().take(max_rows) {
        writeln!(
            s,
            "| {} | `{}` | {} | {} | {} |",
            reg.id,
            reg.pattern.to_string().replace('|', "\\|"),
            map_formulas(reg, &names).join("<br>"),
            format_point(&reg.interior_point),
            match reg.bounded {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            }
        )
        .unwrap();
    }
    if r.regions.len() > max_rows {
        writeln!(
            s,
            "\n{} more rows left out; `--format json` lists every region.",
            r.regions.len() - max_rows
        )
        .unwrap();
    }
    s
}

/// One region as JSON (see the module docs).
pub fn region_json(r: &Regions, reg: &Region) -> Value {
    let mut v = json!({
        "id": reg.id,
        "pattern": reg.pattern.to_string(),
        "piece": reg.piece,
        "interior_point": qs_to_strings(&reg.interior_point),
        "input_point": qs_to_strings(&r.domain.to_input(&reg.interior_point)),
        "map": reg.exact_map().map(|m| json!({
            "A": m.a.iter_rows().map(qs_to_strings).collect::<Vec<_>>(),
            "c": qs_to_strings(&m.c),
        })),
        "inequalities": reg.polytope.constraints().iter()
            .map(|h| json!({"a": qs_to_strings(&h.a), "b": h.b.to_string()}))
            .collect::<Vec<_>>(),
        "bounded": reg.bounded,
        "vertices": reg.vertices.as_ref().map(|v| v.iter().map(|p| qs_to_strings(p)).collect::<Vec<_>>()),
        "facets": reg.facets.iter().map(|f| json!({"neighbours": f.neighbours})).collect::<Vec<_>>(),
    });
    if reg.curved || !reg.map_exact {
        v["curved"] = json!(reg.curved);
    }
    v
}

/// The whole enumeration as JSON (see the module docs); `with_regions = false` gives the
/// counts only.
pub fn regions_json(net: &Network, r: &Regions, with_regions: bool) -> Value {
    let mut v = json!({
        "relucheck_regions": 1,
        "network": net.name,
        "domain": r.domain.to_json(),
        "coordinates": r.domain.coordinate_names(),
        "complete": r.is_complete(),
        "stop": r.stop.describe(),
        "counts": {"regions": r.regions.len(), "pieces": r.piece_count},
        "notes": net.notes,
    });
    if with_regions {
        v["regions"] = Value::Array(r.regions.iter().map(|g| region_json(r, g)).collect());
    }
    v
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
