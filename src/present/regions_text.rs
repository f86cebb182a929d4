//! Printers for `relucheck regions`: text, Markdown and JSON. The formulas they print come
//! from [`crate::regions::formula`].
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
//!   ],
//!   "output": {"complete": true, "regions_printed": 8, "regions_not_printed": 0,
//!              "stop": "complete"}
//! }
//! ```
//! All numbers are exact strings. Points, maps and inequalities are in domain coordinates
//! (`coordinates` names them); `input_point` is the interior point in the network's input
//! space. `inequalities[i]` means `a·y <= b` and `facets[i]` lists the regions across it.
//! `pieces` is `null` when enumeration was incomplete (or some region has no exact map).
//!
//! With the regions listed, `"output"` says whether all were printed:
//! `{"complete": true, "regions_printed": 8, "regions_not_printed": 0, "stop": "complete"}`.
//! The CLI prints regions while its `--time-limit` lasts (see
//! [`printed`](crate::present::printed)); when the time runs out first, `regions` holds the
//! first `regions_printed` of the `counts.regions` regions found, `output.complete` and the
//! top-level `complete` are `false`, and `stop` (`output.stop`) says why.
//!
//! With ELU/SELU layers each region also has `"curved": true` when some ELU/SELU unit is on
//! its curved part (`z <= 0`); `map` is `null` on such regions (no affine map exists) and on
//! regions through SELU's irrational lambda, and later layers' pattern entries are `?`
//! (not split: their boundaries are curved).

use crate::exact::linalg::{Affine, HalfSpace};
use crate::exact::points::format_point;
use crate::net::network::Network;
use crate::output::qs_to_strings;
use crate::present::printed::{Printed, nested_item, pretty_with_array, within};
use crate::regions::budget::Budget;
use crate::regions::enumerate::{Counts, Region, Regions};
use crate::regions::formula::{inequality_text, map_formulas};
use serde_json::{Map, Value, json};
use std::fmt::Write;

fn header(net: &Network, r: &Regions) -> String {
    counts_text(net, &r.counts())
}

/// The counts only (`--count`).
pub fn counts_text(net: &Network, c: &Counts) -> String {
    let notes: String = net
        .shown_notes()
        .iter()
        .map(|n| format!("note: {n}\n"))
        .collect();
    notes
        + &format!(
            "network: {} (inputs: {}, outputs: {}, piecewise-linear units: {})\ndomain: {}\nregions: {}   linear pieces: {}   ({})\n",
            net.shown_name("unnamed"),
            net.input_dim(),
            net.output_dim(),
            net.nonlinear_units(),
            c.domain.describe(),
            c.regions,
            c.piece_count
                .map_or("unknown".to_string(), |p| p.to_string()),
            c.stop.describe()
        )
}

/// Every region in readable text.
pub fn regions_text(net: &Network, r: &Regions) -> String {
    regions_text_within(net, r, &Budget::unlimited()).0
}

/// The regions in readable text, written in order while `budget`'s time lasts (see
/// [`printed`](crate::present::printed)): when it runs out, a line after the header and one
/// at the end say how many regions were found and not printed, and why.
pub fn regions_text_within(net: &Network, r: &Regions, budget: &Budget) -> (String, Printed) {
    let names = r.domain.coordinate_names();
    let (texts, printed) = within(&r.regions, budget, |reg| region_text(reg, &names));
    let mut s = header(net, r);
    if !printed.is_complete() {
        writeln!(s, "printed: {}", printed.describe()).unwrap();
    }
    for t in texts {
        s.push_str(&t);
    }
    if !printed.is_complete() {
        writeln!(
            s,
            "\n... {} more regions found and not printed: the time limit ran out while printing",
            printed.not_printed()
        )
        .unwrap();
    }
    (s, printed)
}

/// One region in readable text, starting with an empty line.
fn region_text(reg: &Region, names: &[String]) -> String {
    let mut s = String::new();
    writeln!(s, "\nregion {}  pattern {}", reg.id, reg.pattern).unwrap();
    for f in map_formulas(reg, names) {
        writeln!(s, "  {f}").unwrap();
    }
    let ineqs: Vec<String> = reg
        .polytope
        .constraints()
        .iter()
        .map(|h| inequality_text(&h.a, &h.b, names))
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
    s
}

/// A Markdown table of the regions (at most `max_rows` rows, with a note on the rest).
pub fn regions_markdown(net: &Network, r: &Regions, max_rows: usize) -> String {
    regions_markdown_within(net, r, max_rows, &Budget::unlimited()).0
}

/// [`regions_markdown`], its rows written while `budget`'s time lasts (a note says how
/// many regions were found and not printed when it runs out).
pub fn regions_markdown_within(
    net: &Network,
    r: &Regions,
    max_rows: usize,
    budget: &Budget,
) -> (String, Printed) {
    let names = r.domain.coordinate_names();
    let shown = &r.regions[..r.regions.len().min(max_rows)];
    let (rows, printed) = within(shown, budget, |reg| markdown_row(reg, &names));
    let printed = if printed.is_complete() {
        Printed::all(r.regions.len())
    } else {
        Printed {
            found: r.regions.len(),
            ..printed
        }
    };
    let mut s = String::new();
    writeln!(s, "# Linear regions of {}\n", net.shown_name("the network")).unwrap();
    writeln!(s, "- Domain: {}", r.domain.describe()).unwrap();
    writeln!(s, "- Activation regions: **{}**", r.regions.len()).unwrap();
    writeln!(
        s,
        "- Linear pieces: **{}**",
        r.piece_count.map_or("unknown".into(), |p| p.to_string())
    )
    .unwrap();
    writeln!(s, "- Enumeration: {}", r.stop.describe()).unwrap();
    if !printed.is_complete() {
        writeln!(s, "- Printed: {}", printed.describe()).unwrap();
    }
    writeln!(s).unwrap();
    writeln!(
        s,
        "| id | pattern | affine map | interior point | bounded |"
    )
    .unwrap();
    writeln!(s, "| --- | --- | --- | --- | --- |").unwrap();
    for row in rows {
        s.push_str(&row);
    }
    if !printed.is_complete() {
        writeln!(
            s,
            "\n**Incomplete:** {} more regions found and not printed: the time limit ran out while printing.",
            printed.not_printed()
        )
        .unwrap();
    } else if r.regions.len() > max_rows {
        writeln!(
            s,
            "\n{} more rows left out; `--format json` lists every region.",
            r.regions.len() - max_rows
        )
        .unwrap();
    }
    (s, printed)
}

/// One row of the Markdown table.
fn markdown_row(reg: &Region, names: &[String]) -> String {
    format!(
        "| {} | `{}` | {} | {} | {} |\n",
        reg.id,
        reg.pattern.to_string().replace('|', "\\|"),
        map_formulas(reg, names).join("<br>"),
        format_point(&reg.interior_point),
        match reg.bounded {
            Some(true) => "yes",
            Some(false) => "no",
            None => "?",
        }
    )
}

/// With the `serde` feature: the document `relucheck regions --format json` prints (see the
/// module docs), regions included; [`Regions`] does not know the network, so `"network"` is
/// `null` and `"notes"` empty (use [`regions_json`] to fill them).
#[cfg(feature = "serde")]
impl serde::Serialize for Regions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut v = regions_value(None, &[], self, true);
        v["notes"] = json!([]);
        serde::Serialize::serialize(&crate::output::PlainJson(&v), s)
    }
}

/// One region as JSON (see the module docs).
pub fn region_json(r: &Regions, reg: &Region) -> Value {
    // Built field by field: `json!` would copy every array of numbers once more.
    let mut v = Map::new();
    let mut put = |k: &str, x: Value| {
        v.insert(k.to_string(), x);
    };
    put("id", json!(reg.id));
    put("pattern", Value::String(reg.pattern.to_string()));
    put("piece", json!(reg.piece));
    put("interior_point", qs_to_strings(&reg.interior_point));
    put(
        "input_point",
        qs_to_strings(&r.domain.to_input(&reg.interior_point)),
    );
    put("map", reg.exact_map().map_or(Value::Null, map_json));
    put(
        "inequalities",
        inequalities_json(reg.polytope.constraints()),
    );
    put("bounded", json!(reg.bounded));
    put(
        "vertices",
        reg.vertices.as_ref().map_or(Value::Null, |v| {
            Value::Array(v.iter().map(|p| qs_to_strings(p)).collect())
        }),
    );
    put(
        "facets",
        Value::Array(
            reg.facets
                .iter()
                .map(|f| json!({"neighbours": f.neighbours}))
                .collect(),
        ),
    );
    if reg.curved || !reg.map_exact {
        put("curved", json!(reg.curved));
    }
    Value::Object(v)
}

/// An affine map as `{"A": rows, "c": offsets}`, exact strings.
fn map_json(m: &Affine) -> Value {
    let mut v = Map::new();
    v.insert(
        "A".into(),
        Value::Array(m.a.iter_rows().map(qs_to_strings).collect()),
    );
    v.insert("c".into(), qs_to_strings(&m.c));
    Value::Object(v)
}

/// Inequalities `a·x <= b` as `{"a": [...], "b": ...}`, exact strings.
fn inequalities_json(hs: &[HalfSpace]) -> Value {
    Value::Array(
        hs.iter()
            .map(|h| {
                let mut v = Map::new();
                v.insert("a".into(), qs_to_strings(&h.a));
                v.insert("b".into(), Value::String(h.b.to_string()));
                Value::Object(v)
            })
            .collect(),
    )
}

/// The whole enumeration as JSON (see the module docs); `with_regions = false` gives the
/// counts only.
pub fn regions_json(net: &Network, r: &Regions, with_regions: bool) -> Value {
    regions_value(net.name.as_deref(), &net.notes, r, with_regions)
}

/// [`regions_json`] with every region, written in order while `budget`'s time lasts: when it
/// runs out, `"output"` says how many regions were found and not printed, and `"complete"`
/// is `false` (see the module docs).
pub fn regions_json_within(net: &Network, r: &Regions, budget: &Budget) -> (Value, Printed) {
    let mut v = regions_value(net.name.as_deref(), &net.notes, r, false);
    let (regions, printed) = within(&r.regions, budget, |g| region_json(r, g));
    v["regions"] = Value::Array(regions);
    mark_printed(&mut v, r, &printed);
    (v, printed)
}

/// The text of [`regions_json_within`] (pretty, with a final newline), each region written
/// to text while the time lasts, so that the whole document is within `budget`.
pub fn regions_json_text_within(net: &Network, r: &Regions, budget: &Budget) -> (String, Printed) {
    let mut v = regions_value(net.name.as_deref(), &net.notes, r, false);
    let (items, printed) = within(&r.regions, budget, |g| nested_item(&region_json(r, g)));
    v["regions"] = json!([]);
    mark_printed(&mut v, r, &printed);
    (pretty_with_array(&v, "regions", &items), printed)
}

/// `"output"` from `printed`; an incomplete output makes the document incomplete, and when
/// the enumeration was complete, `"stop"` says why the list is not.
pub(crate) fn mark_printed(v: &mut Value, r: &Regions, printed: &Printed) {
    v["output"] = printed.to_json();
    if !printed.is_complete() {
        v["complete"] = json!(false);
        if r.is_complete() {
            v["stop"] = json!(printed.describe());
        }
    }
}

/// The counts as the JSON document of [`regions_json`] without regions (`--count --format
/// json`).
pub fn counts_json(net: &Network, c: &Counts) -> Value {
    counts_value(net.name.as_deref(), &net.notes, c)
}

fn counts_value(name: Option<&str>, notes: &[String], c: &Counts) -> Value {
    json!({
        "relucheck_regions": 1,
        "network": name,
        "domain": c.domain.to_json(),
        "coordinates": c.domain.coordinate_names(),
        "complete": c.is_complete(),
        "stop": c.stop.describe(),
        "counts": {"regions": c.regions, "pieces": c.piece_count},
        "notes": notes,
    })
}

fn regions_value(name: Option<&str>, notes: &[String], r: &Regions, with_regions: bool) -> Value {
    let mut v = counts_value(name, notes, &r.counts());
    if with_regions {
        v["regions"] = Value::Array(r.regions.iter().map(|g| region_json(r, g)).collect());
        v["output"] = Printed::all(r.regions.len()).to_json();
    }
    v
}
