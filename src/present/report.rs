//! Region reports: `report.md`, `report.json` and SVG pictures of a network on a domain
//! (`relucheck report`).
//!
//! A report gathers, for one network and one domain: the network (layers, parameters), the
//! counts of activation regions and linear pieces beside their known upper bounds, every
//! property verdict of `relucheck check` with exact counterexamples, the units that never
//! change piece (dead and always-active units), a table of regions with their affine
//! formulas, a plain-language answer to the learner's question "is this network linear?",
//! and pictures (the graph of `f` on a 1-D domain; the regions and the output on a 2-D one).
//!
//! Every number in `report.md` and `report.json` is exact (rationals written as strings in
//! JSON); floats are used only for drawing coordinates in the SVG files.
//!
//! ```
//! use relucheck::present::report::{ReportOptions, build};
//! use relucheck::{Domain, Network};
//! let net = Network::load("examples/forum-question.json")?;
//! let report = build(&net, Domain::whole(2), &ReportOptions::default())?;
//! assert!(report.complete);
//! assert!(report.markdown.contains("## The learner's question"));
//! assert_eq!(report.json["relucheck_report"], 2);
//! assert_eq!(report.pictures.len(), 2); // regions.svg and output.svg
//! # Ok::<(), relucheck::Error>(())
//! ```
//!
//! # Upper bounds on the number of regions
//! - **Activation patterns.** Every region has its own pattern, so the number of regions is
//!   at most the product over units of their numbers of pieces (`2^N` for `N` ReLUs).
//!   Applies to every network.
//! - **Zaslavsky (1975).** With one hidden layer of `n` units that each have one kink
//!   (ReLU, leaky ReLU, PReLU, abs), the regions on a `k`-dimensional domain are cells of
//!   an arrangement of `n` hyperplanes in `R^k`, at most `Σ_{i<=k} C(n, i)`.
//! - **Serra, Tjandraatmadja & Ramalingam (2018), Theorem 1.** A ReLU network with `L`
//!   hidden layers of widths `n_1, ..., n_L` on `R^{n_0}` has at most
//!   `Σ_{(j_1..j_L) ∈ J} Π_l C(n_l, j_l)` regions, where `J` is the set of integer vectors
//!   with `0 <= j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)`. It is stated
//!   for fully connected layers; convolution, average pooling and flatten layers are
//!   affine maps (dense layers with constrained weights), so the bound covers them too. It
//!   does not cover leaky ReLU, PReLU, abs, hard-tanh or max pooling (reported as not
//!   applicable). For one hidden layer it equals Zaslavsky's bound.
//!
//! The network restricted to a `k`-dimensional domain (a slice, a segment) is again such a
//! network with `n_0 = k` inputs, so the bounds use `k`. On a bounded domain or the
//! orthant the count can only be smaller than on all of `R^k`. The bounds are computed
//! exactly in big integers.
//!
//! # JSON (version 1)
//! ```text
//! {
//!   "relucheck_report": 2,
//!   "network": {"name": "forum question", "description": "...", "notes": [],
//!               "input_shape": [2], "inputs": 2, "outputs": 1, "parameters": 17,
//!               "piecewise_linear_units": 5,
//!               "layers": [{"index": 0, "type": "dense", "output_shape": [3],
//!                           "parameters": 9}, ...]},
//!   "domain": {"kind": "whole", "dim": 2},
//!   "domain_text": "all of R^2",
//!   "coordinates": ["x1", "x2"],
//!   "complete": true,
//!   "stop": "complete",
//!   "counts": {"regions": 7, "pieces": 7, "bounded_regions": 1},
//!   "bounds": [{"name": "activation patterns", "applies": true, "value": "32",
//!               "why": "..."}, {"name": "zaslavsky", ...}, {"name": "serra2018", ...}],
//!   "verdicts": [<verdict>, ...],
//!   "whole_space_verdicts": null | [<verdict>, ...],
//!   "orthant": {"verdicts": [<verdict>, ...], "regions": 1 | null, "complete": true | null,
//!               "region_of_domain": 6 | null, "witness": null | <witness>},
//!   "units": {"decided": true, "constant": [{"layer": 1, "unit": 3, "activation": "relu",
//!             "piece": 1, "status": "always active"}], "varying": 4},
//!   "learner": {"linear": false, "affine": false, "answer": ["...", ...],
//!               "witness": null | <witness>},
//!   "regions": [<region>, ...],
//!   "output": {"complete": true, "regions_printed": 7, "regions_not_printed": 0,
//!              "stop": "complete"},
//!   "pictures": [{"file": "regions.svg", "caption": "...", "output": null}],
//!   "picture_note": null | "..."
//! }
//! ```
//! - `<verdict>` is the object of `relucheck check --format json` (`property`, `statement`,
//!   `holds` (`null` when unknown), `method`, `reason`, `counterexample` with exact
//!   strings). Verdicts are in domain coordinates; `whole_space_verdicts` (present when
//!   the domain is not all of the input space) and `orthant` are in input coordinates.
//! - `<witness>`: two adjacent regions with different maps and the unit whose change of
//!   piece separates them: `{"regions": [a, b], "patterns": [..], "layer": 1, "unit": 2,
//!   "activation": "relu", "pieces": [0, 1], "points": [[..], [..]],
//!   "input_points": [[..], [..]], "unit_inputs": ["-1/2", "3/4"] | null,
//!   "outputs": [[..], [..]], "formulas": [[..], [..]], "only_unit": true}`. Layers are
//!   numbered from 0 (as in `relucheck eval --trace`), units from 1.
//! - `<region>` is the object of `relucheck regions --format json`, plus `formulas`.
//! - Counts are JSON integers; `pieces` is `null` when the enumeration is incomplete. Every
//!   other number is an exact string (bounds are big integers).

use crate::analysis::properties::{Checker, Counterexample, Outcome, Property, Verdict};
use crate::error::{Error, Result};
use crate::exact::points::format_point;
use crate::exact::rational::Q;
use crate::net::network::{Activation, Layer, Network};
use crate::output::{qs_to_strings, write_folder_atomic};
use crate::present::printed::{
    OUTPUT_SHARE, Printed, for_printing, nested_item, pretty_with_array, within,
};
use crate::present::regions_text::region_json;
use crate::present::svg;
use crate::regions::formula::map_formulas;

pub use crate::present::picture::{Picture, suggested_slice};
use crate::regions::budget::Budget;
use crate::regions::domain::{Domain, DomainKind};
use crate::regions::enumerate::{Enumerator, Progress, Region, Regions, StopReason};
use num_bigint::BigUint;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Settings for [`build`].
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// The budget of the whole report (the report is then incomplete): its deadline, fixed
    /// when the budget was made (make it when the command starts, so that loading the
    /// network counts too), bounds every enumeration, decision and picture; its region cap
    /// applies to each enumeration.
    pub budget: Budget,
    /// The time the extra enumerations beyond the domain (the whole input space and the
    /// non-negative orthant, for the learner's question) may take when they are needed:
    /// [`AUX_TIME_LIMIT`] by default, and never past the budget's deadline. Cutting one short makes
    /// the verdicts it was for unknown, and says so, but the report stays complete when
    /// everything on the domain was established.
    pub aux_time_limit: Duration,
    /// Rows of the region table in `report.md` (`report.json` lists every region).
    pub max_rows: usize,
    /// Draw only this output (0-based); `None` draws every output (up to 8).
    pub output: Option<usize>,
    /// Threads for the enumerations (`None`: every core, see [`Enumerator::with_threads`]).
    pub threads: Option<usize>,
    /// Called with the progress of every enumeration ([`Enumerator::with_progress`]): the
    /// command line shows it on a terminal.
    pub progress: Option<fn(Progress)>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            budget: Budget::unlimited(),
            aux_time_limit: AUX_TIME_LIMIT,
            max_rows: 50,
            output: None,
            threads: None,
            progress: None,
        }
    }
}

/// A finished report, ready to be written.
#[derive(Clone, Debug)]
pub struct Report {
    /// `report.md`.
    pub markdown: String,
    /// `report.json` (see the module docs).
    pub json: Value,
    /// The pictures, linked from `report.md` by file name.
    pub pictures: Vec<Picture>,
    /// Did every enumeration finish, and was every region found written to `report.json`?
    pub complete: bool,
    /// The regions of the domain (what `report.json` lists, or the first of them when the
    /// time ran out while it was written).
    pub regions: Regions,
    /// How many regions `report.json` lists of those found.
    pub printed: Printed,
    /// `report.json` as written: the text of `json`, each region written while the time lasted.
    json_text: String,
}

impl Report {
    /// Writes `report.md`, `report.json` and the pictures into `dir`, as one unit: a
    /// previous report there is replaced whole, so no file of it survives (see
    /// [`write_folder_atomic`]); returns the paths written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut files: Vec<(&str, &[u8])> = vec![
            ("report.md", self.markdown.as_bytes()),
            ("report.json", self.json_text.as_bytes()),
        ];
        for p in &self.pictures {
            files.push((&p.file, p.svg.as_bytes()));
        }
        write_folder_atomic(dir, &files)?;
        Ok(files.iter().map(|(name, _)| dir.join(name)).collect())
    }
}

/// One upper bound on the number of regions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    /// `activation patterns`, `zaslavsky` or `serra2018`.
    pub name: &'static str,
    /// How it reads in the report.
    pub title: &'static str,
    /// The exact value when the bound applies.
    pub value: Option<BigUint>,
    /// Why it applies or not.
    pub why: String,
}

/// `C(n, k)` exactly.
pub fn binomial(n: usize, k: usize) -> BigUint {
    if k > n {
        return BigUint::ZERO;
    }
    let k = k.min(n - k);
    let mut r = BigUint::from(1u32);
    for i in 0..k {
        r *= BigUint::from(n - i);
        r /= BigUint::from(i + 1);
    }
    r
}

/// Zaslavsky's bound `Σ_{i<=k} C(n, i)`: the largest number of regions of `n` hyperplanes
/// in `R^k`.
pub fn zaslavsky_bound(n: usize, k: usize) -> BigUint {
    (0..=k.min(n)).map(|i| binomial(n, i)).sum()
}

/// Serra, Tjandraatmadja & Ramalingam (2018), Theorem 1: at most
/// `Σ_{(j_1..j_L) ∈ J} Π_l C(n_l, j_l)` regions for ReLU layers of widths `n_1..n_L` on
/// `R^{n_0}`, with `0 <= j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)`.
///
/// ```
/// use relucheck::present::report::{serra_bound, zaslavsky_bound};
/// assert_eq!(serra_bound(2, &[3, 2]), 25u32.into());
/// assert_eq!(serra_bound(2, &[10]), zaslavsky_bound(10, 2));
/// ```
pub fn serra_bound(n0: usize, widths: &[usize]) -> BigUint {
    // State: the cap min(n_0, n_1 - j_1, ...) so far, with the summed products that reach it.
    let mut states: BTreeMap<usize, BigUint> = BTreeMap::new();
    states.insert(n0, BigUint::from(1u32));
    for &n in widths {
        let mut next: BTreeMap<usize, BigUint> = BTreeMap::new();
        for (cap, w) in &states {
            for j in 0..=(*cap).min(n) {
                *next.entry((*cap).min(n - j)).or_default() += w * binomial(n, j);
            }
        }
        states = next;
    }
    states.into_values().sum()
}

/// The bounds that apply to `net` on a `k`-dimensional domain (see the module docs).
pub fn region_bounds(net: &Network, k: usize) -> Vec<Bound> {
    let mut patterns = BigUint::from(1u32);
    // (layer, width) of every piecewise-linear layer.
    let mut nonlinear: Vec<(&Layer, usize)> = Vec::new();
    for (l, s) in net.layers().iter().zip(net.shapes()) {
        let units = crate::net::residual::piece_counts(l, *s);
        for u in &units {
            patterns *= BigUint::from((*u).max(1));
        }
        if !units.is_empty() {
            nonlinear.push((l, units.len()));
        }
    }
    vec![
        Bound {
            name: "activation patterns",
            title: "Activation patterns: Π over units of their pieces",
            value: Some(patterns),
            why: "always: every region has its own activation pattern".into(),
        },
        zaslavsky(&nonlinear, k),
        serra(&nonlinear, k),
    ]
}

/// The widths of the piecewise-linear layers, as text: `3, 2`.
fn widths_text(nonlinear: &[(&Layer, usize)]) -> String {
    nonlinear
        .iter()
        .map(|(_, n)| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Zaslavsky's bound, for one hidden layer of units with one kink each.
fn zaslavsky(nonlinear: &[(&Layer, usize)], k: usize) -> Bound {
    let one_kink = |l: &Layer| {
        matches!(
            l,
            Layer::Activation(
                Activation::Relu
                    | Activation::LeakyRelu { .. }
                    | Activation::PRelu { .. }
                    | Activation::Abs
            )
        )
    };
    let (value, why) = match nonlinear {
        [(l, n)] if one_kink(l) => (
            Some(zaslavsky_bound(*n, k)),
            format!(
                "one hidden layer of n = {n} {} units, each with one kink: the regions are cells of {n} hyperplanes in R^{k}",
                l.kind()
            ),
        ),
        [(Layer::Residual { .. }, _)] => (
            None,
            "not applicable: the units are inside a residual block, not one hidden layer".into(),
        ),
        [(l, _)] => (
            None,
            format!(
                "not applicable: {} units have more than one kink (not one hyperplane per unit)",
                l.kind()
            ),
        ),
        [] => (
            None,
            "not applicable: no hidden piecewise-linear layer (the network is affine)".into(),
        ),
        _ => (
            None,
            format!(
                "not applicable: {} piecewise-linear layers (widths {}), not one",
                nonlinear.len(),
                widths_text(nonlinear)
            ),
        ),
    };
    Bound {
        name: "zaslavsky",
        title: "Zaslavsky (one hidden layer): Σ_{i<=k} C(n, i)",
        value,
        why,
    }
}

/// Serra et al.'s bound, for ReLU networks.
fn serra(nonlinear: &[(&Layer, usize)], k: usize) -> Bound {
    let all_relu = nonlinear
        .iter()
        .all(|(l, _)| matches!(l, Layer::Activation(Activation::Relu)));
    let (value, why) = if nonlinear.is_empty() {
        (
            None,
            "not applicable: no hidden ReLU layer (the network is affine: 1 region)".into(),
        )
    } else if all_relu {
        let widths: Vec<usize> = nonlinear.iter().map(|(_, n)| *n).collect();
        (
            Some(serra_bound(k, &widths)),
            format!(
                "ReLU layers of widths {} on a {k}-dimensional domain (affine layers between them count as dense layers)",
                widths_text(nonlinear)
            ),
        )
    } else {
        let mut kinds: Vec<&str> = nonlinear.iter().map(|(l, _)| l.kind()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        (
            None,
            format!(
                "not applicable: the theorem is for ReLU networks; this one has {}",
                kinds.join(", ")
            ),
        )
    };
    Bound {
        name: "serra2018",
        title: "Serra, Tjandraatmadja & Ramalingam 2018, Theorem 1",
        value,
        why,
    }
}

/// What a unit's piece means, e.g. `inactive (outputs 0)` for ReLU piece 0.
pub fn piece_name(layer: &Layer, piece: u8) -> String {
    match layer {
        Layer::Activation(Activation::Relu) => match piece {
            0 => "inactive (outputs 0)".into(),
            _ => "active (passes its input)".into(),
        },
        Layer::Activation(Activation::LeakyRelu { .. } | Activation::PRelu { .. }) => match piece {
            0 => "negative side (slope alpha)".into(),
            _ => "positive side (slope 1)".into(),
        },
        Layer::Activation(Activation::Abs) => match piece {
            0 => "negative side (outputs -z)".into(),
            _ => "positive side (outputs z)".into(),
        },
        Layer::Activation(Activation::HardTanh { .. }) => match piece {
            0 => "clamped at min".into(),
            1 => "between min and max (passes its input)".into(),
            _ => "clamped at max".into(),
        },
        Layer::MaxPool2d { .. } => {
            format!("input {piece} of its window is the maximum (row by row, from 0)")
        }
        _ => format!("piece {piece}"),
    }
}

fn unit_status(layer: &Layer, piece: u8) -> String {
    match (layer, piece) {
        (Layer::Activation(Activation::Relu), 0) => "dead (never active)".into(),
        (Layer::Activation(Activation::Relu), _) => "always active (acts as the identity)".into(),
        _ => format!("always on one piece: {}", piece_name(layer, piece)),
    }
}

/// A unit that keeps one piece on the whole domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstantUnit {
    /// Layer index (from 0).
    pub layer: usize,
    /// Unit index (from 0; written from 1).
    pub unit: usize,
    /// The piece it keeps.
    pub piece: u8,
}

/// The units that keep one piece in every region (dead and always-active units), and the
/// number of the others. Meaningful only for a complete enumeration.
pub fn constant_units(regions: &Regions) -> (Vec<ConstantUnit>, usize) {
    let mut out = Vec::new();
    let mut varying = 0;
    let Some(first) = regions.regions.first() else {
        return (out, 0);
    };
    for (l, layer_pattern) in first.pattern.0.iter().enumerate() {
        for (u, &p) in layer_pattern.iter().enumerate() {
            if regions.regions.iter().all(|r| r.pattern.0[l][u] == p) {
                out.push(ConstantUnit {
                    layer: l,
                    unit: u,
                    piece: p,
                });
            } else {
                varying += 1;
            }
        }
    }
    (out, varying)
}

/// Two adjacent regions with different maps and the unit whose change of piece separates
/// them, with exact inputs and outputs.
#[derive(Clone, Debug)]
pub struct Witness {
    /// The two region ids.
    pub regions: [usize; 2],
    /// Their patterns.
    pub patterns: [String; 2],
    /// The layer of the unit (from 0).
    pub layer: usize,
    /// The unit (from 0).
    pub unit: usize,
    /// The unit's piece in each region.
    pub pieces: [u8; 2],
    /// The interior points, in domain coordinates.
    pub points: [Vec<Q>; 2],
    /// The same points in input coordinates.
    pub input_points: [Vec<Q>; 2],
    /// The unit's input (pre-activation) at each point, for element-wise activations.
    pub unit_inputs: Option<[Q; 2]>,
    /// `f` at each point.
    pub outputs: [Vec<Q>; 2],
    /// The formulas on each region.
    pub formulas: [Vec<String>; 2],
    /// Is it the only unit whose piece differs between the two regions?
    pub only_unit: bool,
}

/// Finds two adjacent regions with different maps, preferring a pair whose patterns differ
/// in one unit only.
pub fn witness(net: &Network, regions: &Regions) -> Option<Witness> {
    // (region, neighbour, the (layer, unit) pairs whose pieces differ)
    type Pair = (usize, usize, Vec<(usize, usize)>);
    let mut best: Option<Pair> = None;
    'outer: for r in &regions.regions {
        for nb in r.neighbour_ids() {
            let other = &regions.regions[nb];
            if nb <= r.id || other.map == r.map {
                continue;
            }
            let diff: Vec<(usize, usize)> = r
                .pattern
                .0
                .iter()
                .zip(&other.pattern.0)
                .enumerate()
                .flat_map(|(l, (a, b))| {
                    a.iter()
                        .zip(b)
                        .enumerate()
                        .filter(|(_, (x, y))| x != y)
                        .map(move |(u, _)| (l, u))
                })
                .collect();
            if diff.is_empty() {
                continue;
            }
            let single = diff.len() == 1;
            if best.is_none() || single {
                best = Some((r.id, nb, diff));
            }
            if single {
                break 'outer;
            }
        }
    }
    let (a, b, diff) = best?;
    let (layer, unit) = diff[0];
    let ra = &regions.regions[a];
    let rb = &regions.regions[b];
    let names = regions.domain.coordinate_names();
    let xa = regions.domain.to_input(&ra.interior_point);
    let xb = regions.domain.to_input(&rb.interior_point);
    let ta = net.trace(&xa).ok()?;
    let tb = net.trace(&xb).ok()?;
    let elementwise = matches!(net.layers()[layer], Layer::Activation(_));
    Some(Witness {
        regions: [a, b],
        patterns: [ra.pattern.to_string(), rb.pattern.to_string()],
        layer,
        unit,
        pieces: [ra.pattern.0[layer][unit], rb.pattern.0[layer][unit]],
        points: [ra.interior_point.clone(), rb.interior_point.clone()],
        unit_inputs: elementwise.then(|| {
            [
                ta.layers[layer].input[unit].clone(),
                tb.layers[layer].input[unit].clone(),
            ]
        }),
        outputs: [ta.output().to_vec(), tb.output().to_vec()],
        input_points: [xa, xb],
        formulas: [map_formulas(ra, &names), map_formulas(rb, &names)],
        only_unit: diff.len() == 1,
    })
}

impl Witness {
    fn to_json(&self) -> Value {
        json!({
            "regions": self.regions,
            "patterns": self.patterns,
            "layer": self.layer,
            "unit": self.unit,
            "pieces": self.pieces,
            "points": [qs_to_strings(&self.points[0]), qs_to_strings(&self.points[1])],
            "input_points": [qs_to_strings(&self.input_points[0]), qs_to_strings(&self.input_points[1])],
            "unit_inputs": self.unit_inputs.as_ref().map(|z| [z[0].to_string(), z[1].to_string()]),
            "outputs": [qs_to_strings(&self.outputs[0]), qs_to_strings(&self.outputs[1])],
            "formulas": self.formulas,
            "only_unit": self.only_unit,
        })
    }

    /// The explanation, as Markdown lines.
    fn markdown(&self, net: &Network, dom: &Domain) -> Vec<String> {
        let layer = &net.layers()[self.layer];
        let unit = format!(
            "unit {} of layer {} ({})",
            self.unit,
            self.layer,
            layer.kind()
        );
        let point = match dom.kind() {
            DomainKind::Slice { .. } => "(s, t)",
            DomainKind::Segment { .. } => "s",
            _ => "x",
        };
        let mut lines = vec![format!(
            "What breaks it: regions {} and {} are adjacent and carry different formulas; their patterns differ in {unit}{}.",
            self.regions[0],
            self.regions[1],
            if self.only_unit {
                " only"
            } else {
                " (and in other units)"
            }
        )];
        for i in 0..2 {
            let input = if dom.is_input_space() {
                String::new()
            } else {
                format!(" = input {}", format_point(&self.input_points[i]))
            };
            let z = match &self.unit_inputs {
                Some(z) => format!("the unit's input is {}, so it is", z[i]),
                None => "the unit is".to_string(),
            };
            lines.push(format!(
                "  - at {point} = {}{input} (region {}, pattern `{}`): {z} {}; f = {}, where {}",
                format_point(&self.points[i]),
                self.regions[i],
                self.patterns[i],
                piece_name(layer, self.pieces[i]),
                format_point(&self.outputs[i]),
                self.formulas[i].join("; ")
            ));
        }
        lines.push(
            "  Each formula holds on a whole open region, so no single affine map fits f on both."
                .into(),
        );
        lines
    }
}

/// The verdicts of `check` applicable to `domain` (from `regions` where possible).
fn verdicts_on(
    net: &Network,
    domain: &Domain,
    regions: &Regions,
    budget: &Plan,
) -> Result<Vec<Verdict>> {
    let checker = budget.checker(Checker::new(net, domain.clone()));
    Property::ALL
        .into_iter()
        .filter(|p| p.check_domain(domain).is_ok())
        .map(|p| guarded(checker.check_with(p, regions), p, regions))
        .collect()
}

/// A decision from incomplete regions that could not be finished (e.g. no counterexample
/// could be built from the regions found) is unknown, not an error.
fn guarded(v: Result<Verdict>, property: Property, regions: &Regions) -> Result<Verdict> {
    match v {
        Err(_) if !regions.is_complete() => Ok(Verdict {
            property,
            outcome: Outcome::Unknown(format!(
                "not established: region enumeration {}",
                regions.stop.describe()
            )),
            method: crate::analysis::properties::Method::Exact,
            reason: "the regions are incomplete".into(),
        }),
        v => v,
    }
}

/// How the report spends its budget: the one budget of the command, the threads, and the
/// share an extra enumeration may take.
struct Plan {
    budget: Budget,
    threads: Option<usize>,
    progress: Option<fn(Progress)>,
    /// The time an extra enumeration may take ([`ReportOptions::aux_time_limit`]).
    aux_limit: Duration,
}

/// The default time an extra enumeration (the whole input space or the orthant, when the
/// domain is something else) may take: `--aux-time-limit`.
pub const AUX_TIME_LIMIT: Duration = Duration::from_secs(10);

impl Plan {
    /// This plan, its time ending when `share` of the time limit is left
    /// ([`Budget::leaving`]).
    fn leaving(&self, share: f64) -> Plan {
        Plan {
            budget: self.budget.leaving(share),
            threads: self.threads,
            progress: self.progress,
            aux_limit: self.aux_limit,
        }
    }

    /// The plan of an extra enumeration: `aux_limit` from now, and never past the report's
    /// own deadline.
    fn aux(&self) -> Plan {
        Plan {
            budget: self.budget.within(self.aux_limit),
            threads: self.threads,
            progress: self.progress,
            aux_limit: self.aux_limit,
        }
    }

    /// Why an extra enumeration stopped, in the words of the options that set its budget.
    fn aux_stop(&self, what: &str, regions: &Regions) -> String {
        let why = match regions.stop {
            StopReason::MaxRegions(n) => format!("at the region budget of {n} (--max-regions)"),
            _ => format!(
                "at the time limit of {} s for extra checks (--aux-time-limit{})",
                self.aux_limit.as_secs_f64(),
                if self.budget.deadline().is_some() {
                    ", within --time-limit"
                } else {
                    ""
                }
            ),
        };
        format!(
            "not established: the extra enumeration of {what} stopped {why} after {} regions",
            regions.regions.len()
        )
    }

    fn checker<'a>(&self, mut c: Checker<'a>) -> Checker<'a> {
        c = c.with_budget(self.budget);
        if let Some(t) = self.threads {
            c = c.with_threads(t);
        }
        c
    }

    fn enumerator<'a>(&self, mut e: Enumerator<'a>) -> Enumerator<'a> {
        e = e.with_budget(self.budget);
        if let Some(t) = self.threads {
            e = e.with_threads(t);
        }
        if let Some(f) = self.progress {
            e = e.with_progress(f);
        }
        e
    }
}

/// Escapes a Markdown table cell (`|` would end the cell).
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn verdict_word(v: &Verdict) -> &'static str {
    match v.outcome {
        Outcome::Holds => "**holds**",
        Outcome::Fails(_) | Outcome::Certified(_) => "**fails**",
        Outcome::Unknown(_) => "unknown",
    }
}

fn verdict_table(s: &mut String, verdicts: &[Verdict]) {
    writeln!(s, "| property | statement | verdict | why |").unwrap();
    writeln!(s, "| --- | --- | --- | --- |").unwrap();
    for v in verdicts {
        let why = match &v.outcome {
            Outcome::Unknown(why) => why.clone(),
            _ => v.reason.clone(),
        };
        writeln!(
            s,
            "| {} | {} | {} | {} |",
            v.property,
            cell(v.property.statement()),
            verdict_word(v),
            cell(&why)
        )
        .unwrap();
    }
    let cexs: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| v.counterexample().is_some())
        .collect();
    if !cexs.is_empty() {
        writeln!(s, "\nCounterexamples (exact, re-checked):\n").unwrap();
        for v in cexs {
            writeln!(
                s,
                "- {}: {}",
                v.property,
                v.counterexample().expect("filtered").describe()
            )
            .unwrap();
        }
    }
}

fn holds(verdicts: &[Verdict], p: Property) -> Option<bool> {
    verdicts
        .iter()
        .find(|v| v.property == p)
        .and_then(Verdict::holds)
}

fn stage_regions(net: &Network, domain: Domain, budget: &Plan) -> Result<Regions> {
    budget.enumerator(Enumerator::new(net, domain)).run()
}

/// The most dimensions of a domain that is reported on without a time limit whatever the
/// network: more, and the report is refused when the regions may exceed the region cap
/// (see [`refusal`]). 16 is the 4x4 image of the teaching examples.
pub const MAX_DIM_WITHOUT_TIME_LIMIT: usize = 16;

/// Why a report of `net` on `domain` under `opts` is refused before it starts, or `None`:
/// a domain of more than [`MAX_DIM_WITHOUT_TIME_LIMIT`] dimensions whose best known bound
/// on the regions exceeds the region cap, with no time limit. Its exact LPs in that many
/// dimensions take seconds per region, and the enumeration would run to the cap for
/// minutes, silently. The message names the fixes: a 2-D slice (the command is written out
/// with `net_arg` for the network), a segment, or `--time-limit`.
pub fn refusal(
    net: &Network,
    domain: &Domain,
    opts: &ReportOptions,
    net_arg: &str,
) -> Option<String> {
    let k = domain.dim();
    if k <= MAX_DIM_WITHOUT_TIME_LIMIT || opts.budget.time_limit().is_some() {
        return None;
    }
    let cap = BigUint::from(opts.budget.max_regions().unwrap_or(usize::MAX));
    let best = region_bounds(net, k)
        .into_iter()
        .filter_map(|b| b.value)
        .min()?;
    if best <= cap {
        return None;
    }
    // A box in many dimensions describes itself at length: then only its kind.
    let mut what = domain.describe();
    if what.chars().count() > 60 {
        what = "the domain".into();
    }
    Some(format!(
        "a report enumerates every activation region of its domain, and {what} has {k} dimensions, where this network may have up to {} regions (each needs exact LPs in {k} dimensions): it would run for minutes. Look at a 2-D slice, e.g. `relucheck report {net_arg} {}`, or a segment (`--segment \"FROM;TO\"`); or give --time-limit SECS for an incomplete report of what is found in that time.",
        bound_text(&best).trim_end_matches(" (not informative)"),
        suggested_slice(net.input_dim())
    ))
}

/// Builds the report of `net` on `domain` (see the module docs).
pub fn build(net: &Network, domain: Domain, opts: &ReportOptions) -> Result<Report> {
    if let Some(why) = refusal(net, &domain, opts, "NET") {
        return Err(Error::Invalid(why));
    }
    if net.is_curved() {
        return Err(Error::Invalid(
            "reports are for piecewise-linear networks; this one has ELU/SELU units, whose regions are curved: use `relucheck regions` and `relucheck check` (certified enclosures) instead".into(),
        ));
    }
    let budget = Plan {
        budget: opts.budget,
        threads: opts.threads,
        progress: opts.progress,
        aux_limit: opts.aux_time_limit,
    };
    if let Some(k) = opts.output
        && k >= net.output_dim()
    {
        return Err(Error::Invalid(format!(
            "--output {}: the network has {} output{}",
            k + 1,
            net.output_dim(),
            if net.output_dim() == 1 { "" } else { "s" }
        )));
    }
    // Writing every region takes time of its own: the findings leave it a share.
    let mut findings =
        Findings::establish(net, domain, opts.output, &budget.leaving(OUTPUT_SHARE))?;
    // Each region is written to report.json while the time lasts (see `printed`).
    let regions = &findings.regions;
    let (items, printed) = within(&regions.regions, &for_printing(&opts.budget), |r| {
        let mut v = region_json(regions, r);
        v["formulas"] = json!(map_formulas(r, &findings.names));
        let text = nested_item(&v);
        (v, text)
    });
    findings.printed = printed;
    findings.complete &= printed.is_complete();
    let (values, texts): (Vec<Value>, Vec<String>) = items.into_iter().unzip();
    let mut json = report_json(net, &findings);
    let json_text = pretty_with_array(&json, "regions", &texts);
    json["regions"] = Value::Array(values);
    Ok(Report {
        markdown: markdown(net, &findings, opts.max_rows.min(printed.printed)),
        json,
        json_text,
        complete: findings.complete,
        pictures: findings.pictures,
        regions: findings.regions,
        printed,
    })
}

/// Everything a report says, established before a line of it is written.
struct Findings {
    domain: Domain,
    /// The domain's coordinate names.
    names: Vec<String>,
    regions: Regions,
    verdicts: Vec<Verdict>,
    /// The verdicts on the whole input space, when the domain is something else.
    whole_verdicts: Option<Vec<Verdict>>,
    orthant: OrthantFindings,
    /// Did every enumeration finish and every verdict get established (and, once
    /// report.json is written, every region get into it)?
    complete: bool,
    /// How many regions report.json lists (all until it is written).
    printed: Printed,
    bounds: Vec<Bound>,
    bounded_regions: usize,
    /// The units that keep one piece, and the number of the others.
    constant: Vec<ConstantUnit>,
    varying: usize,
    /// Are the constant units decided (is the enumeration complete)?
    units_decided: bool,
    witness: Option<Witness>,
    pictures: Vec<Picture>,
    /// Why there are no pictures.
    picture_note: Option<String>,
    /// The plain-language answer to the learner's question, as Markdown lines.
    learner: Vec<String>,
}

/// The learner's case: the non-negative orthant of the input space.
struct OrthantFindings {
    /// The orthant's regions; `None` when a slice or segment already refuted both
    /// affinity and linearity there and enumerating all of it was not needed.
    regions: Option<Regions>,
    /// Affinity and linearity there.
    verdicts: Vec<Verdict>,
    witness: Option<Witness>,
    /// The region of the domain that contains the whole orthant, if one does.
    region_of_domain: Option<usize>,
}

impl Findings {
    /// Enumerates, decides and draws everything the report needs, within the budget.
    fn establish(
        net: &Network,
        domain: Domain,
        output: Option<usize>,
        budget: &Plan,
    ) -> Result<Findings> {
        let k = domain.dim();
        let names = domain.coordinate_names();
        let regions = stage_regions(net, domain.clone(), budget)?;
        let verdicts = verdicts_on(net, &domain, &regions, budget)?;
        let whole_verdicts = whole_space_verdicts(net, &domain, &verdicts, budget)?;
        let orthant = OrthantFindings::establish(net, &domain, &regions, &verdicts, budget)?;
        // Complete means: what the user asked for, the domain, is established. The extra
        // questions (whole space, orthant) say on their own rows when they were cut short.
        let complete = regions.is_complete() && verdicts.iter().all(|v| v.holds().is_some());
        let bounds = region_bounds(net, k);
        let (constant, varying) = constant_units(&regions);
        let bounded_regions = regions
            .regions
            .iter()
            .filter(|r| r.bounded == Some(true))
            .count();
        let witness = witness(net, &regions);
        let (pictures, picture_note) = match svg::pictures(net, &regions, output) {
            Ok(p) => (p, None),
            Err(why) => (Vec::new(), Some(why)),
        };
        let mut findings = Findings {
            domain,
            names,
            units_decided: regions.is_complete(),
            regions,
            verdicts,
            whole_verdicts,
            orthant,
            complete,
            printed: Printed::all(0),
            bounds,
            bounded_regions,
            constant,
            varying,
            witness,
            pictures,
            picture_note,
            learner: Vec::new(),
        };
        findings.learner = learner_answer(net, &findings);
        Ok(findings)
    }
}

/// The verdicts on the whole input space, when the domain is not all of it: a failure of
/// affinity on the domain carried over (re-checked at the same points as network inputs),
/// then the simple points, and an enumeration of the whole space only for what is left.
fn whole_space_verdicts(
    net: &Network,
    domain: &Domain,
    on_domain: &[Verdict],
    budget: &Plan,
) -> Result<Option<Vec<Verdict>>> {
    if matches!(domain.kind(), DomainKind::Whole) {
        return Ok(None);
    }
    let whole = Domain::whole(net.input_dim());
    let checker = budget.aux().checker(Checker::new(net, whole.clone()));
    let carried: Vec<Counterexample> = on_domain
        .iter()
        .filter_map(|v| v.counterexample()?.to_input_space(net, domain))
        .collect();
    let mut out = Vec::new();
    let mut open = Vec::new();
    for p in Property::ALL
        .into_iter()
        .filter(|p| p.check_domain(&whole).is_ok())
    {
        if let Some(v) = carried.iter().find_map(|c| checker.verdict_from(p, c)) {
            out.push(carried_over(v));
        } else if let Some(v) = checker.quick_verdict(p) {
            out.push(v?);
        } else {
            open.push(p);
        }
    }
    if !open.is_empty() {
        let aux = budget.aux();
        let wr = stage_regions(net, whole.clone(), &aux)?;
        let checker = aux.checker(Checker::new(net, whole));
        for p in open {
            let v = checker.check_with(p, &wr);
            out.push(aux_guarded(
                v,
                p,
                &wr,
                budget.aux_stop("the whole input space", &wr),
            )?);
        }
    }
    out.sort_by_key(|v| Property::ALL.iter().position(|p| *p == v.property));
    Ok(Some(out))
}

/// A verdict whose counterexample came from the domain, saying so.
fn carried_over(mut v: Verdict) -> Verdict {
    v.reason = format!(
        "carried over from the domain above (the same points as network inputs): {}",
        v.reason
    );
    v
}

/// Like [`guarded`], for an extra enumeration: an undecided verdict says which one was cut
/// short and by which budget.
fn aux_guarded(
    v: Result<Verdict>,
    property: Property,
    regions: &Regions,
    why: String,
) -> Result<Verdict> {
    let open = match &v {
        Err(_) => true,
        Ok(v) => v.holds().is_none(),
    };
    if open && !regions.is_complete() {
        return Ok(Verdict {
            property,
            outcome: Outcome::Unknown(why),
            method: crate::analysis::properties::Method::Exact,
            reason: "an extra enumeration was cut short".into(),
        });
    }
    v
}

impl OrthantFindings {
    fn establish(
        net: &Network,
        domain: &Domain,
        regions: &Regions,
        on_domain: &[Verdict],
        budget: &Plan,
    ) -> Result<OrthantFindings> {
        if let Some(verdicts) = orthant_refuted_without_regions(net, domain, on_domain, budget) {
            return Ok(OrthantFindings {
                regions: None,
                verdicts,
                witness: None,
                region_of_domain: None,
            });
        }
        let orthant = Domain::orthant(net.input_dim());
        let own = matches!(domain.kind(), DomainKind::Orthant);
        let or_regions = if own {
            regions.clone()
        } else {
            stage_regions(net, orthant.clone(), &budget.aux())?
        };
        let checker = budget.aux().checker(Checker::new(net, orthant));
        let verdicts: Vec<Verdict> = [Property::Affine, Property::Linear]
            .into_iter()
            .map(|p| {
                let v = checker.check_with(p, &or_regions);
                if own {
                    guarded(v, p, &or_regions)
                } else {
                    let why = budget.aux_stop("the non-negative orthant", &or_regions);
                    aux_guarded(v, p, &or_regions, why)
                }
            })
            .collect::<Result<_>>()?;
        let witness = witness(net, &or_regions);
        let region_of_domain = (or_regions.is_complete() && or_regions.regions.len() == 1)
            .then(|| regions.by_pattern(&or_regions.regions[0].pattern))
            .flatten()
            .filter(|_| domain.is_input_space())
            .map(|r| r.id);
        Ok(OrthantFindings {
            regions: Some(or_regions),
            verdicts,
            witness,
            region_of_domain,
        })
    }
}

/// On a slice or segment (a high-dimensional input seen through a plane or a line),
/// affinity and linearity on the orthant decided without enumerating the orthant: a
/// failure of affinity on the domain whose points lie in the orthant, carried over and
/// re-checked there, or a simple point (f(0) != 0 refutes linearity). `None` unless both
/// fail this way; then the orthant is enumerated as on every other domain (on R^784 that
/// enumeration cannot finish, and used to spend the whole --aux-time-limit).
fn orthant_refuted_without_regions(
    net: &Network,
    domain: &Domain,
    on_domain: &[Verdict],
    budget: &Plan,
) -> Option<Vec<Verdict>> {
    if domain.is_input_space() {
        return None;
    }
    let orthant = Domain::orthant(net.input_dim());
    let inside = |c: &Counterexample| {
        let (_, _, x, y) = c.parts();
        orthant.contains(&x) && orthant.contains(&y)
    };
    let carried: Vec<Counterexample> = on_domain
        .iter()
        .filter_map(|v| v.counterexample()?.to_input_space(net, domain))
        .filter(inside)
        .collect();
    let checker = budget.aux().checker(Checker::new(net, orthant));
    [Property::Affine, Property::Linear]
        .into_iter()
        .map(|p| {
            if let Some(v) = carried.iter().find_map(|c| checker.verdict_from(p, c)) {
                return Some(carried_over(v));
            }
            match checker.quick_verdict(p)? {
                Ok(v) if v.holds() == Some(false) => Some(v),
                _ => None,
            }
        })
        .collect()
}

// ---- report.md, section by section ----

/// `report.md`.
fn markdown(net: &Network, f: &Findings, max_rows: usize) -> String {
    let mut s = String::new();
    header_section(&mut s, net, f);
    network_section(&mut s, net);
    domain_section(&mut s, f);
    counts_section(&mut s, f);
    bounds_section(&mut s, f);
    properties_section(&mut s, net, f);
    writeln!(s, "\n## The learner's question: is this network linear?\n").unwrap();
    for line in &f.learner {
        writeln!(s, "{line}").unwrap();
    }
    units_section(&mut s, net, f);
    pictures_section(&mut s, f);
    regions_section(&mut s, f, max_rows);
    s
}

/// The title, the description, the incompleteness warning and the network's notes.
fn header_section(s: &mut String, net: &Network, f: &Findings) {
    let title = net.shown_name("the network");
    writeln!(s, "# Region report: {title}\n").unwrap();
    if let Some(desc) = &net.description {
        writeln!(s, "> {}\n", crate::output::escape_control(desc)).unwrap();
    }
    if !f.complete {
        writeln!(
            s,
            "**INCOMPLETE REPORT.** A budget ran out before everything was established: the \
             region enumeration on the domain is {}. Counts below are only what was found, \
             and a verdict is given only where it was established (a counterexample is valid \
             however few regions were found); the others are marked unknown. Raise \
             `--max-regions` or `--time-limit` for a complete report.\n",
            f.regions.stop.describe()
        )
        .unwrap();
        if !f.printed.is_complete() {
            writeln!(
                s,
                "**Regions printed:** report.json lists the first {} of the {} regions found; {}.\n",
                f.printed.printed,
                f.printed.found,
                f.printed.describe()
            )
            .unwrap();
        }
    }
    for note in &net.shown_notes() {
        writeln!(s, "Note: {note}\n").unwrap();
    }
}

fn network_section(s: &mut String, net: &Network) {
    let d = net.input_dim();
    writeln!(s, "## Network\n").unwrap();
    writeln!(
        s,
        "- Input shape {} ({} input{}), {} output{}, {} layers, {} parameters, {} piecewise-linear units.",
        net.input_shape(),
        d,
        if d == 1 { "" } else { "s" },
        net.output_dim(),
        if net.output_dim() == 1 { "" } else { "s" },
        net.layers().len(),
        net.parameter_count(),
        net.nonlinear_units()
    )
    .unwrap();
    writeln!(
        s,
        "\n| layer | type | output shape | parameters |\n| --- | --- | --- | --- |"
    )
    .unwrap();
    for (i, l) in net.layers().iter().enumerate() {
        writeln!(
            s,
            "| {i} | {} | {} | {} |",
            l.kind(),
            net.shapes()[i + 1],
            l.parameter_count()
        )
        .unwrap();
    }
}

/// The one numbering convention, said once in every report.
pub const NUMBERING: &str = "Numbering: regions, linear pieces, layers, units and pattern positions count from 0 (as in report.json and `relucheck regions`); coordinates count from 1 (inputs x1, x2, ..., outputs f1, f2, ...).";

fn domain_section(s: &mut String, f: &Findings) {
    writeln!(s, "\n## Domain\n").unwrap();
    writeln!(s, "{}.", upper_first(&f.domain.describe())).unwrap();
    writeln!(
        s,
        "Coordinates: {}{}.",
        f.names.join(", "),
        if f.domain.is_input_space() {
            ""
        } else {
            " (points below are written in these domain coordinates)"
        }
    )
    .unwrap();
    writeln!(s, "{NUMBERING}").unwrap();
}

fn counts_section(s: &mut String, f: &Findings) {
    let regions = &f.regions;
    writeln!(s, "\n## Counts\n").unwrap();
    writeln!(s, "| | count |\n| --- | --- |").unwrap();
    writeln!(
        s,
        "| activation regions | {}{} |",
        regions.regions.len(),
        if regions.is_complete() {
            ""
        } else {
            " found (incomplete)"
        }
    )
    .unwrap();
    writeln!(
        s,
        "| linear pieces | {} |",
        regions
            .piece_count
            .map_or("unknown (incomplete)".to_string(), |p| p.to_string())
    )
    .unwrap();
    writeln!(s, "| bounded regions | {} |", f.bounded_regions).unwrap();
    writeln!(s, "\nEnumeration: {}.\n", regions.stop.describe()).unwrap();
}

/// The known upper bounds beside the count.
fn bounds_section(s: &mut String, f: &Findings) {
    let k = f.domain.dim();
    let found = f.regions.regions.len();
    writeln!(
        s,
        "Known upper bounds on the number of activation regions of this architecture on \
         R^{k} (k = {k}, the domain's dimension). {}\n",
        if f.domain.is_bounded() || matches!(f.domain.kind(), DomainKind::Orthant) {
            "The domain is only part of R^k, so its count can only be smaller."
        } else {
            "The domain is all of R^k."
        }
    )
    .unwrap();
    writeln!(
        s,
        "| bound | value | applies because |\n| --- | --- | --- |"
    )
    .unwrap();
    for b in &f.bounds {
        writeln!(
            s,
            "| {} | {} | {} |",
            b.title,
            b.value.as_ref().map_or("not applicable".into(), bound_text),
            cell(&b.why)
        )
        .unwrap();
    }
    if let Some(best) = f.bounds.iter().filter_map(|b| b.value.as_ref()).min() {
        writeln!(
            s,
            "\n{found} of at most {} regions: {}.",
            bound_text(best),
            if BigUint::from(found) == *best {
                "the largest number possible for this architecture".to_string()
            } else {
                format!(
                    "{} short of the best bound",
                    best - BigUint::from(found).min(best.clone())
                )
            }
        )
        .unwrap();
    }
}

/// A bound as people read it: exact up to 12 digits; beyond, a 3-digit decimal marked as
/// saying nothing useful (`2.58e120 (not informative)`); report.json keeps the exact value.
fn bound_text(v: &BigUint) -> String {
    let text = v.to_string();
    if text.len() <= 12 {
        return text;
    }
    // v / 10^e in [1, 10), rounded to 3 digits (exactly), then written as m e e.
    let mut e = text.len() - 1;
    let scale = num_bigint::BigInt::from(10u32).pow(e as u32);
    let q = Q::from_big(num_rational::BigRational::new(
        num_bigint::BigInt::from(v.clone()),
        scale,
    ));
    let mut m = crate::exact::decimal::decimal(&q, 3);
    if m == "10" {
        m = "1".into();
        e += 1;
    }
    format!("{m}e{e} (not informative)")
}

fn properties_section(s: &mut String, net: &Network, f: &Findings) {
    let d = net.input_dim();
    writeln!(s, "\n## Properties on the domain\n").unwrap();
    writeln!(
        s,
        "Decided exactly from the regions (as `relucheck check --property all`){}.\n",
        if f.domain.is_input_space() {
            String::new()
        } else {
            format!("; points in domain coordinates {}", f.names.join(", "))
        }
    )
    .unwrap();
    verdict_table(s, &f.verdicts);
    if let Some(w) = &f.whole_verdicts {
        writeln!(
            s,
            "\n### On the whole input space R^{d}\n\nAdditivity, homogeneity and oddness need the whole input space (additivity and positive homogeneity also make sense on the orthant); these verdicts are about f on all of R^{d}, not only the domain above.\n"
        )
        .unwrap();
        verdict_table(s, w);
    }
}

/// Dead and always-active units.
fn units_section(s: &mut String, net: &Network, f: &Findings) {
    writeln!(s, "\n## Units that never change piece\n").unwrap();
    if !f.units_decided {
        writeln!(
            s,
            "Not decided: the enumeration is incomplete, and a unit that keeps one piece in the regions found may change piece in the others."
        )
        .unwrap();
    } else if net.nonlinear_units() == 0 {
        writeln!(s, "The network has no piecewise-linear units.").unwrap();
    } else if f.constant.is_empty() {
        writeln!(
            s,
            "None: each of the {} piecewise-linear units changes piece somewhere on the domain.",
            f.varying
        )
        .unwrap();
    } else {
        writeln!(
            s,
            "Decided from the patterns of all {} regions: a unit is dead if it is inactive in every region, always active if active in every region. {} unit{} change piece somewhere on the domain.\n",
            f.regions.regions.len(),
            f.varying,
            if f.varying == 1 { "" } else { "s" }
        )
        .unwrap();
        writeln!(
            s,
            "| layer | unit | type | on the whole domain |\n| --- | --- | --- | --- |"
        )
        .unwrap();
        for c in &f.constant {
            let layer = &net.layers()[c.layer];
            writeln!(
                s,
                "| {} | {} | {} | {} |",
                c.layer,
                c.unit,
                layer.kind(),
                unit_status(layer, c.piece)
            )
            .unwrap();
        }
    }
}

fn pictures_section(s: &mut String, f: &Findings) {
    writeln!(s, "\n## Pictures\n").unwrap();
    match &f.picture_note {
        Some(why) => writeln!(s, "{why}").unwrap(),
        None => {
            for p in &f.pictures {
                writeln!(s, "![{}]({})\n\n*{}*\n", p.file, p.file, p.caption).unwrap();
            }
        }
    }
}

/// The table of regions (the first `max_rows`).
fn regions_section(s: &mut String, f: &Findings, max_rows: usize) {
    let regions = &f.regions;
    writeln!(s, "\n## Regions\n").unwrap();
    writeln!(
        s,
        "Layers' patterns are separated by `|`; in each, one character per unit (ReLU: `1` active, `0` inactive). Points are interior points, in coordinates {}.\n",
        f.names.join(", ")
    )
    .unwrap();
    writeln!(
        s,
        "| id | pattern | piece | affine map | interior point | bounded |\n| --- | --- | --- | --- | --- | --- |"
    )
    .unwrap();
    for r in regions.regions.iter().take(max_rows) {
        writeln!(
            s,
            "| {} | `{}` | {} | {} | {} | {} |",
            r.id,
            cell(&r.pattern.to_string()),
            r.piece.map_or("?".into(), |p| p.to_string()),
            cell(&map_formulas(r, &f.names).join("<br>")),
            format_point(&r.interior_point),
            match r.bounded {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            }
        )
        .unwrap();
    }
    if !f.printed.is_complete() {
        writeln!(
            s,
            "\n{} more rows left out (the table shows the first {}); `report.json` lists the first {} of the {} regions found: the time limit ran out while it was written.",
            regions.regions.len() - max_rows.min(regions.regions.len()),
            max_rows.min(regions.regions.len()),
            f.printed.printed,
            f.printed.found
        )
        .unwrap();
    } else if regions.regions.len() > max_rows {
        writeln!(
            s,
            "\n{} more rows left out (the table shows the first {}); `report.json` lists every region, as does `relucheck regions --format json`.",
            regions.regions.len() - max_rows,
            max_rows
        )
        .unwrap();
    }
}

// ---- report.json ----

/// `report.json` (see the module docs).
fn report_json(net: &Network, f: &Findings) -> Value {
    let verdicts_json = |v: &[Verdict]| Value::Array(v.iter().map(Verdict::to_json).collect());
    let regions = &f.regions;
    json!({
        "relucheck_report": 2,
        "network": network_json(net),
        "domain": f.domain.to_json(),
        "domain_text": f.domain.describe(),
        "coordinates": f.names,
        "complete": f.complete,
        "stop": if f.printed.is_complete() || !regions.is_complete() {
            regions.stop.describe()
        } else {
            f.printed.describe()
        },
        "counts": {
            "regions": regions.regions.len(),
            "pieces": regions.piece_count,
            "bounded_regions": f.bounded_regions,
        },
        "bounds": f.bounds.iter().map(|b| json!({
            "name": b.name,
            "title": b.title,
            "applies": b.value.is_some(),
            "value": b.value.as_ref().map(|v| v.to_string()),
            "why": b.why,
        })).collect::<Vec<_>>(),
        "verdicts": verdicts_json(&f.verdicts),
        "whole_space_verdicts": f.whole_verdicts.as_deref().map(verdicts_json),
        "orthant": {
            "verdicts": verdicts_json(&f.orthant.verdicts),
            "regions": f.orthant.regions.as_ref().map(|r| r.regions.len()),
            "complete": f.orthant.regions.as_ref().map(Regions::is_complete),
            "region_of_domain": f.orthant.region_of_domain,
            "witness": f.orthant.witness.as_ref().map(Witness::to_json),
        },
        "units": units_json(net, f),
        "learner": {
            "linear": holds(&f.verdicts, Property::Linear),
            "affine": holds(&f.verdicts, Property::Affine),
            "answer": f.learner,
            "witness": f.witness.as_ref().map(Witness::to_json),
        },
        "regions": [],
        "output": f.printed.to_json(),
        "pictures": f.pictures.iter().map(|p| json!({
            "file": p.file,
            "caption": p.caption,
            "output": p.output,
        })).collect::<Vec<_>>(),
        "picture_note": f.picture_note,
    })
}

fn network_json(net: &Network) -> Value {
    json!({
        "name": net.name,
        "description": net.description,
        "notes": net.notes,
        "input_shape": shape_json(net.input_shape()),
        "inputs": net.input_dim(),
        "outputs": net.output_dim(),
        "parameters": net.parameter_count(),
        "piecewise_linear_units": net.nonlinear_units(),
        "layers": net.layers().iter().enumerate().map(|(i, l)| json!({
            "index": i,
            "type": l.kind(),
            "output_shape": shape_json(net.shapes()[i + 1]),
            "parameters": l.parameter_count(),
        })).collect::<Vec<_>>(),
    })
}

fn units_json(net: &Network, f: &Findings) -> Value {
    json!({
        "decided": f.units_decided,
        "constant": if f.units_decided {
            Value::Array(f.constant.iter().map(|c| {
                let layer = &net.layers()[c.layer];
                json!({
                    "layer": c.layer,
                    "unit": c.unit,
                    "activation": layer.kind(),
                    "piece": c.piece,
                    "status": unit_status(layer, c.piece),
                })
            }).collect())
        } else {
            Value::Null
        },
        "varying": if f.units_decided { json!(f.varying) } else { Value::Null },
    })
}

fn shape_json(s: crate::net::network::Shape) -> Value {
    match s {
        crate::net::network::Shape::Flat(n) => json!([n]),
        crate::net::network::Shape::Chw(c, h, w) => json!([c, h, w]),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn single_map(regions: &Regions) -> Option<&Region> {
    let first = regions.regions.first()?;
    (regions.is_complete() && regions.regions.iter().all(|r| r.map == first.map)).then_some(first)
}

/// The plain-language answer, as Markdown lines: on the domain, then on the orthant.
fn learner_answer(net: &Network, f: &Findings) -> Vec<String> {
    let mut out = Vec::new();
    domain_answer(net, f, &mut out);
    orthant_answer(net, f, &mut out);
    out.push(
        "- Why: ReLU is piecewise linear, not linear (relu(-1) + relu(1) = 1 but relu(0) = 0). Within one region every unit keeps one piece, so f is affine there; across a region boundary some unit changes piece and the formula changes."
            .into(),
    );
    out
}

/// Is `f` linear, affine or neither on the domain, and what breaks it.
fn domain_answer(net: &Network, f: &Findings, out: &mut Vec<String>) {
    let (domain, regions, names) = (&f.domain, &f.regions, &f.names);
    let on = format!("On {}", domain.describe());
    let affine = holds(&f.verdicts, Property::Affine);
    let linear = holds(&f.verdicts, Property::Linear);
    match (affine, linear) {
        (Some(true), Some(true)) => {
            let formula = single_map(regions).map(|r| map_formulas(r, names).join("; "));
            out.push(format!(
                "- {on}, f is **linear**: one map with offset 0, {}.",
                formula.unwrap_or_default()
            ));
        }
        (Some(true), _) => {
            let r = single_map(regions);
            out.push(format!(
                "- {on}, f is **affine but not linear**: one map, {}, but its offset {} is not 0 (a linear map sends 0 to 0).",
                r.map(|r| map_formulas(r, names).join("; "))
                    .unwrap_or_default(),
                r.map(|r| format_point(&r.map.c)).unwrap_or_default()
            ));
        }
        (Some(false), _) => {
            out.push(format!(
                "- {on}, f is **neither affine nor linear**: it is piecewise affine, with {} linear pieces ({} activation regions), one affine formula on each.",
                regions
                    .piece_count
                    .map_or("several (count unknown: incomplete)".into(), |p| p.to_string()),
                regions.regions.len()
            ));
        }
        (None, _) => out.push(format!(
            "- {on}: not established (the budget ran out before the regions were complete)."
        )),
    }
    if affine == Some(false)
        && let Some(w) = &f.witness
    {
        out.push(format!("- {}", w.markdown(net, domain).join("\n")));
    }
}

/// The learner's claim on the non-negative orthant: true or false, and why.
fn orthant_answer(net: &Network, f: &Findings, out: &mut Vec<String>) {
    let or = &f.orthant;
    let or_affine = holds(&or.verdicts, Property::Affine);
    let or_linear = holds(&or.verdicts, Property::Linear);
    let or_text = "the non-negative orthant (every input >= 0)";
    let orthant = Domain::orthant(net.input_dim());
    match or_affine {
        Some(true) => {
            let formula = or
                .regions
                .as_ref()
                .and_then(single_map)
                .map(|r| map_formulas(r, &orthant.coordinate_names()).join("; "))
                .unwrap_or_default();
            let mut line = format!(
                "- On {or_text}, f is **{}**: {formula}. This is the learner's claim, and here it is exactly true: {}.",
                if or_linear == Some(true) {
                    "linear"
                } else {
                    "affine (not linear: its offset is not 0)"
                },
                if or.regions.as_ref().is_some_and(|r| r.regions.len() == 1) {
                    "no unit changes piece on the orthant"
                } else {
                    "units change piece on the orthant, but every region there carries the same map"
                }
            );
            if let Some(id) = or.region_of_domain {
                write!(
                    line,
                    " The orthant lies inside region {id} of the domain (pattern `{}`).",
                    f.regions.regions[id].pattern
                )
                .unwrap();
            }
            out.push(line);
        }
        Some(false) => {
            let there = match &or.regions {
                Some(r) => format!(" ({} regions there)", r.regions.len()),
                None => String::new(),
            };
            let mut line = format!(
                "- On {or_text}, f is **not affine** either{there}: the learner's claim \"after the first ReLU everything is >= 0, so the later ReLUs do nothing\" fails for this network."
            );
            if or.regions.is_none() {
                line.push_str(" Shown without enumerating the orthant: the counterexample to affinity on the domain above lies in it (every input >= 0) and was re-checked there.");
            }
            if let Some(w) = &or.witness {
                line.push('\n');
                line.push_str(
                    &format!("- On the orthant: {}", w.markdown(net, &orthant).join("\n")).replace(
                        "On the orthant: What breaks it",
                        "On the orthant, what breaks it",
                    ),
                );
            }
            out.push(line);
        }
        None => out.push(format!(
            "- On {or_text}: not established (the budget ran out)."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_bounds_read_as_a_short_decimal_marked_not_informative() {
        assert_eq!(
            bound_text(&BigUint::from(123_456_789_012u64)),
            "123456789012"
        );
        let huge = BigUint::from(258u32) * num_traits::pow(BigUint::from(10u32), 118);
        assert_eq!(bound_text(&huge), "2.58e120 (not informative)");
        // Rounded, not cut: 1_999_999_999_999 is 2e12.
        assert_eq!(
            bound_text(&BigUint::from(1_999_999_999_999u64)),
            "2e12 (not informative)"
        );
    }
}
