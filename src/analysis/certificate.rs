//! Certificates: a "holds" verdict written so that someone else can re-derive it, and the
//! checker that does.
//!
//! # What a certificate proves
//! A property holds iff a *claim* holds on every full-dimensional activation region of the
//! subject network (`f`, or `g(x) = f(x) + f(-x)` for oddness) on the domain — see
//! [`crate::analysis::properties`]. A certificate lists:
//! - every region: its activation pattern, a rational interior point and its affine map;
//! - the *pattern tree* that shows the list is complete. Walk the units in order (layer by
//!   layer, unit by unit). At a prefix of a pattern, each piece of the next unit either leads
//!   to a listed region, or is *excluded* with a reason that is checked without any solver:
//!   - `empty`: Motzkin multipliers `y >= 0` with `Σ y_i a_i = 0` over the constraints
//!     `a_i·x <= b_i` of the domain, of every piece along the prefix, and of the excluded
//!     piece, and either `Σ y_i b_i < 0` (the branch is empty), or `Σ y_i b_i = 0` with
//!     `y_i > 0` on a row with `a_i != 0`. Interior points satisfy such rows strictly, so
//!     summing with the weights `y` gives `0 < 0`: the branch has no interior. Rows
//!     `0·x <= b` with `b >= 0` hold everywhere, with equality when `b = 0`, and weight on
//!     them proves nothing;
//!   - `coincides`: the excluded piece's conditions are the same set as those of a
//!     lower-numbered piece (e.g. a unit that is identically zero), whose branch is checked.
//!
//! Since every unit's pieces cover its input space, the checked tree covers the domain up to
//! sets without interior, so the listed regions are all the regions, and the claim checked
//! on their maps (each re-derived from its pattern) holds on the whole domain by continuity.
//!
//! [`verify`] checks all of that with exact arithmetic only: it never calls the enumerator
//! or an LP solver. It names the first fact that fails.
//!
//! # Format (JSON, version 1)
//! ```text
//! {"relucheck_certificate": 1, "property": "positive-homogeneity", "statement": "...",
//!  "network": {"name": "...", "fingerprint": "fnv1a64:0123456789abcdef"},
//!  "parts": [{
//!    "subject": "f",                       // or "f(x)+f(-x)"
//!    "domain": {"kind": "whole", "dim": 2},
//!    "claim": "zero-offsets",              // or "one-map", "one-linear-map", "zero-map"
//!    "regions": [{"pattern": "10|011", "interior_point": ["1/2", "-1"],
//!                 "map": {"A": [["1", "0"]], "c": ["0"]}}],
//!    "exclusions": [{"path": "1", "piece": 0, "empty": ["1", "0", "2"]},
//!                   {"path": "10", "piece": 1, "coincides_with": 0}]
//!  }]}
//! ```
//! Patterns and paths list one base-36 digit per unit (`|` between layers is ignored).

use crate::analysis::properties::{Property, odd_sum_network};
use crate::error::{Error, Result};
use crate::exact::linalg::{Affine, HalfSpace, Matrix};
use crate::exact::rational::Q;
use crate::net::format::qs_to_strings;
use crate::net::network::{Network, Piece};
use crate::regions::domain::Domain;
use crate::regions::enumerate::Regions;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// What must hold on every region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Every offset is zero.
    ZeroOffsets,
    /// Every region has the same map.
    OneMap,
    /// Every region has the same map, with zero offset.
    OneLinearMap,
    /// Every map is zero.
    ZeroMap,
}

impl Claim {
    fn name(self) -> &'static str {
        match self {
            Claim::ZeroOffsets => "zero-offsets",
            Claim::OneMap => "one-map",
            Claim::OneLinearMap => "one-linear-map",
            Claim::ZeroMap => "zero-map",
        }
    }

    fn parse(s: &str) -> Option<Claim> {
        [
            Claim::ZeroOffsets,
            Claim::OneMap,
            Claim::OneLinearMap,
            Claim::ZeroMap,
        ]
        .into_iter()
        .find(|c| c.name() == s)
    }

    /// The parts (subject, domain override, claim) a property needs.
    fn for_property(p: Property) -> Vec<(bool, Claim)> {
        // (odd-sum subject?, claim)
        match p {
            Property::Additivity | Property::Linear => vec![(false, Claim::OneLinearMap)],
            Property::PositiveHomogeneity => vec![(false, Claim::ZeroOffsets)],
            Property::Homogeneity => vec![(false, Claim::ZeroOffsets), (true, Claim::ZeroMap)],
            Property::Odd => vec![(true, Claim::ZeroMap)],
            Property::Affine => vec![(false, Claim::OneMap)],
        }
    }

    fn holds(self, maps: &[&Affine]) -> std::result::Result<(), String> {
        let zero = |m: &Affine| m.c.iter().all(Q::is_zero);
        for (i, m) in maps.iter().enumerate() {
            let bad = match self {
                Claim::ZeroOffsets => !zero(m),
                Claim::OneMap => **m != *maps[0],
                Claim::OneLinearMap => **m != *maps[0] || !zero(m),
                Claim::ZeroMap => !zero(m) || m.a.iter_rows().flatten().any(|v| !v.is_zero()),
            };
            if bad {
                return Err(format!(
                    "region {i}: its map does not satisfy the claim `{}`",
                    self.name()
                ));
            }
        }
        Ok(())
    }
}

/// Why a branch of the pattern tree has no region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// Motzkin multipliers proving the branch has no interior.
    Empty(Vec<Q>),
    /// The branch is the same set as that of this lower-numbered piece.
    CoincidesWith(u8),
}

/// One part of a certificate: a claim on all regions of a subject network on a domain.
#[derive(Clone, Debug)]
pub struct Part {
    /// `false`: the network `f`; `true`: `g(x) = f(x) + f(-x)`.
    pub odd_sum: bool,
    /// The domain.
    pub domain: Domain,
    /// What holds on every region.
    pub claim: Claim,
    /// `(pattern, interior point, map)` for every region.
    pub regions: Vec<(Vec<u8>, Vec<Q>, Affine)>,
    /// `(path, piece) -> reason` for every branch without regions.
    pub exclusions: Vec<(Vec<u8>, u8, Exclusion)>,
}

/// A certificate that a property holds.
#[derive(Clone, Debug)]
pub struct Certificate {
    /// The property.
    pub property: Property,
    /// The network's name.
    pub network_name: Option<String>,
    /// [`fingerprint`] of the network.
    pub fingerprint: String,
    /// The parts, all of which must hold.
    pub parts: Vec<Part>,
}

/// A short fingerprint of a network (FNV-1a, 64 bits, of its canonical JSON): detects a
/// certificate checked against the wrong network. It is not a cryptographic hash.
pub fn fingerprint(net: &Network) -> String {
    let h = net.to_json().bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    format!("fnv1a64:{h:016x}")
}

/// One step of the pattern walk: the constraints so far and the map to the current layer.
#[derive(Clone)]
struct Walk<'n> {
    stages: &'n [Stage],
    k: usize,
    cons: Vec<HalfSpace>,
    map: Affine,
    layer: usize,
    unit: usize,
    rows: Vec<Vec<Q>>,
    offsets: Vec<Q>,
}

enum Stage {
    Affine(Affine),
    Pieces(Vec<Vec<Piece>>),
}

fn stages(net: &Network) -> Vec<Stage> {
    net.layers()
        .iter()
        .zip(net.shapes())
        .map(|(l, &s)| match l.pieces(s) {
            Some(p) => Stage::Pieces(p),
            None => Stage::Affine(l.affine(s).expect("affine layer")),
        })
        .collect()
}

fn unit_count(stages: &[Stage]) -> usize {
    stages
        .iter()
        .map(|s| match s {
            Stage::Pieces(u) => u.len(),
            Stage::Affine(_) => 0,
        })
        .sum()
}

impl<'n> Walk<'n> {
    fn new(stages: &'n [Stage], dom: &Domain) -> Walk<'n> {
        let mut w = Walk {
            stages,
            k: dom.dim(),
            cons: dom.polytope().constraints().to_vec(),
            map: dom.embedding().clone(),
            layer: 0,
            unit: 0,
            rows: vec![],
            offsets: vec![],
        };
        w.settle();
        w
    }

    /// Applies affine stages and finished piecewise stages until a unit is next (or the end).
    fn settle(&mut self) {
        while self.layer < self.stages.len() {
            match &self.stages[self.layer] {
                Stage::Affine(a) => {
                    self.map = self.map.then(a);
                    self.layer += 1;
                }
                Stage::Pieces(units) => {
                    if self.unit < units.len() {
                        return;
                    }
                    let rows = std::mem::take(&mut self.rows);
                    let n = rows.len();
                    self.map = Affine {
                        a: if n == 0 {
                            Matrix::zeros(0, self.k)
                        } else {
                            Matrix::from_rows(rows).expect("equal rows")
                        },
                        c: std::mem::take(&mut self.offsets),
                    };
                    self.layer += 1;
                    self.unit = 0;
                }
            }
        }
    }

    fn pieces(&self) -> &'n [Piece] {
        match &self.stages[self.layer] {
            Stage::Pieces(u) => &u[self.unit],
            Stage::Affine(_) => unreachable!("settled on a unit"),
        }
    }

    /// The conditions of `piece` of the next unit, as half-spaces in domain coordinates.
    fn conditions(&self, piece: usize) -> Vec<HalfSpace> {
        self.pieces()[piece]
            .conditions
            .iter()
            .map(|f| {
                let (row, off) = f.compose(&self.map);
                HalfSpace::new(row.iter().map(|v| -v).collect(), off)
            })
            .collect()
    }

    fn advance(&self, piece: usize) -> Walk<'n> {
        let mut next = self.clone();
        next.cons.extend(self.conditions(piece));
        let (row, off) = self.pieces()[piece].output.compose(&self.map);
        next.rows.push(row);
        next.offsets.push(off);
        next.unit += 1;
        next.settle();
        next
    }
}

/// The normalised non-trivial conditions, and whether every trivial one holds.
fn condition_set(conds: &[HalfSpace]) -> (Vec<HalfSpace>, bool) {
    let mut set = vec![];
    let mut ok = true;
    for h in conds {
        if h.is_trivial() {
            ok &= !h.b.is_negative();
        } else {
            let n = h.normalized();
            if !set.contains(&n) {
                set.push(n);
            }
        }
    }
    (set, ok)
}

fn same_set(a: &[HalfSpace], b: &[HalfSpace]) -> bool {
    a.iter().all(|h| b.contains(h)) && b.iter().all(|h| a.contains(h))
}

/// Motzkin multipliers showing that `{x : a_i·x <= b_i}` has no interior point (see
/// [`check_motzkin`] for the rule), or `None` when it has one.
///
/// A trivial row with `b < 0` gives them at once. Otherwise trivial rows are dropped and
/// the strict system `a_i·x < b_i` over the genuine rows is tested: it has a solution iff
/// `a_i·x - b_i·s <= -1` (all i), `s >= 0` has one: a strict solution scaled by its
/// smallest gap gives one with `s > 0`; conversely divide by `s > 0`, and with `s = 0` the
/// direction `x` lowers every `a_i·x`, so far enough along it every constraint holds
/// strictly. That system lives in `k + 1` variables (small), and a Farkas certificate of its
/// infeasibility, `(y, w) >= 0` with `Σ y_i a_i = 0`, `-Σ y_i b_i - w = 0` and
/// `-Σ y_i < 0`, is exactly a set of Motzkin multipliers on genuine rows: `y >= 0`,
/// `y != 0`, `Σ y_i a_i = 0`, `Σ y_i b_i = -w <= 0`.
fn motzkin(k: usize, cons: &[HalfSpace]) -> Option<Vec<Q>> {
    // A trivial row `0·x <= b` with `b < 0` alone makes the set empty; with `b >= 0` it
    // holds everywhere and must carry no weight (the checker does not count it).
    let mut y = vec![Q::ZERO; cons.len()];
    if let Some(i) = cons
        .iter()
        .position(|h| h.is_trivial() && h.b.is_negative())
    {
        y[i] = Q::ONE;
        return Some(y);
    }
    let genuine: Vec<usize> = (0..cons.len()).filter(|&i| !cons[i].is_trivial()).collect();
    if genuine.is_empty() {
        return None;
    }
    let mut sys: Vec<HalfSpace> = genuine
        .iter()
        .map(|&i| {
            let h = &cons[i];
            let mut a = h.a.clone();
            a.push(-&h.b);
            HalfSpace::new(a, -Q::ONE)
        })
        .collect();
    let mut s = vec![Q::ZERO; k + 1];
    s[k] = -Q::ONE;
    sys.push(HalfSpace::new(s, Q::ZERO));
    match crate::geometry::lp::feasible(k + 1, &sys) {
        crate::geometry::lp::Feasibility::Feasible(_) => None,
        crate::geometry::lp::Feasibility::Infeasible(f) => {
            for (&i, w) in genuine.iter().zip(f.y) {
                y[i] = w;
            }
            Some(y)
        }
    }
}

/// Checks Motzkin multipliers `y` showing that the closed set `{x : a_i·x <= b_i}` has no
/// interior point.
///
/// Accepted iff `y >= 0`, `Σ y_i a_i = 0` and either
/// - `Σ y_i b_i < 0`: a point of the set would give `0 = Σ y_i a_i·x <= Σ y_i b_i < 0`, so
///   the set is empty; or
/// - `Σ y_i b_i = 0` and `y_i > 0` for some *genuine* row (`a_i != 0`). An interior point
///   `x` satisfies every genuine row strictly (else moving along `a_i` leaves the set) and
///   every trivial row `0 <= b_i` (it is in the set), so
///   `0 = Σ y_i a_i·x < Σ y_i b_i = 0`, where `<` comes from that genuine row.
///
/// A trivial row `0·x <= 0` is not strict at interior points (it holds with equality
/// everywhere), so weight on it proves nothing: the interior of the set is taken with
/// strict inequalities on genuine rows only. That is the strict system the checker
/// refutes, and the one the interior points of listed regions satisfy.
fn check_motzkin(k: usize, cons: &[HalfSpace], y: &[Q]) -> std::result::Result<(), String> {
    if y.len() != cons.len() {
        return Err(format!(
            "{} multipliers for {} constraints",
            y.len(),
            cons.len()
        ));
    }
    if y.iter().any(Q::is_negative) {
        return Err("a multiplier is negative".into());
    }
    for j in 0..k {
        let s: Q = cons.iter().zip(y).map(|(h, w)| &h.a[j] * w).sum();
        if !s.is_zero() {
            return Err(format!("Σ y_i·a_i is not 0 in coordinate {}", j + 1));
        }
    }
    let rhs: Q = cons.iter().zip(y).map(|(h, w)| &h.b * w).sum();
    if rhs.is_positive() {
        return Err(format!("Σ y_i·b_i = {rhs} is positive"));
    }
    if rhs.is_zero()
        && !cons
            .iter()
            .zip(y)
            .any(|(h, w)| w.is_positive() && !h.is_trivial())
    {
        return Err(
            "Σ y_i·b_i = 0 but no multiplier is positive on a constraint with a non-zero normal: rows 0·x <= b hold everywhere and prove nothing".into(),
        );
    }
    Ok(())
}

impl Certificate {
    /// Builds the certificate that `property` holds for `net` on `domain`, from the
    /// complete regions of `f` there (the regions of `f(x) + f(-x)` are enumerated here
    /// when the property needs them). Errors if the regions are incomplete or the claim
    /// does not hold.
    pub fn build(
        net: &Network,
        property: Property,
        domain: &Domain,
        regions: &Regions,
    ) -> Result<Certificate> {
        property.check_domain(domain)?;
        if net.is_curved() {
            return Err(crate::Error::Invalid(
                "the network has ELU/SELU layers: no certificate can show that a property holds for it".into(),
            ));
        }
        let mut parts = vec![];
        for (odd_sum, claim) in Claim::for_property(property) {
            let subject;
            let regs;
            let (subject_ref, regs_ref) = if odd_sum {
                subject = odd_sum_network(net);
                regs = crate::regions::enumerate::Enumerator::new(&subject, domain.clone())
                    .with_details(false)
                    .run()?;
                (&subject, &regs)
            } else {
                (net, regions)
            };
            parts.push(build_part(subject_ref, odd_sum, claim, domain, regs_ref)?);
        }
        Ok(Certificate {
            property,
            network_name: net.name.clone(),
            fingerprint: fingerprint(net),
            parts,
        })
    }

    /// The certificate as JSON (see the module docs).
    pub fn to_json(&self) -> Value {
        let digits = |p: &[u8]| -> String {
            p.iter()
                .map(|&d| std::char::from_digit(d as u32, 36).unwrap_or('?'))
                .collect()
        };
        json!({
            "relucheck_certificate": 1,
            "property": self.property.name(),
            "statement": self.property.statement(),
            "network": {"name": self.network_name, "fingerprint": self.fingerprint},
            "parts": self.parts.iter().map(|p| json!({
                "subject": if p.odd_sum { "f(x)+f(-x)" } else { "f" },
                "domain": p.domain.to_json(),
                "claim": p.claim.name(),
                "regions": p.regions.iter().map(|(pat, x, m)| json!({
                    "pattern": digits(pat),
                    "interior_point": qs_to_strings(x),
                    "map": {"A": m.a.iter_rows().map(qs_to_strings).collect::<Vec<_>>(), "c": qs_to_strings(&m.c)},
                })).collect::<Vec<_>>(),
                "exclusions": p.exclusions.iter().map(|(path, piece, why)| match why {
                    Exclusion::Empty(y) => json!({"path": digits(path), "piece": piece, "empty": qs_to_strings(y)}),
                    Exclusion::CoincidesWith(i) => json!({"path": digits(path), "piece": piece, "coincides_with": i}),
                }).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

fn build_part(
    net: &Network,
    odd_sum: bool,
    claim: Claim,
    domain: &Domain,
    regions: &Regions,
) -> Result<Part> {
    if !regions.is_complete() {
        return Err(Error::Invalid(format!(
            "no certificate: region enumeration {}",
            regions.stop.describe()
        )));
    }
    let st = stages(net);
    let u = unit_count(&st);
    let flat: Vec<Vec<u8>> = regions
        .regions
        .iter()
        .map(|r| r.pattern.0.iter().flatten().copied().collect())
        .collect();
    let maps: Vec<&Affine> = regions.regions.iter().map(|r| &r.map).collect();
    claim
        .holds(&maps)
        .map_err(|e| Error::Invalid(format!("no certificate: the claim does not hold ({e})")))?;
    let prefixes: HashSet<&[u8]> = flat
        .iter()
        .flat_map(|p| (0..=p.len()).map(move |m| &p[..m]))
        .collect();
    let mut exclusions = vec![];
    let mut stack = vec![(Vec::<u8>::new(), Walk::new(&st, domain))];
    while let Some((path, walk)) = stack.pop() {
        if path.len() == u {
            continue;
        }
        let n = walk.pieces().len();
        let mut sets = vec![];
        for j in 0..n {
            let conds = walk.conditions(j);
            sets.push(condition_set(&conds));
            let mut child = path.clone();
            child.push(j as u8);
            if prefixes.contains(child.as_slice()) {
                stack.push((child, walk.advance(j)));
                continue;
            }
            let (set_j, ok_j) = &sets[j];
            if let Some(i) = (0..j).find(|&i| *ok_j && sets[i].1 && same_set(&sets[i].0, set_j)) {
                exclusions.push((path.clone(), j as u8, Exclusion::CoincidesWith(i as u8)));
                continue;
            }
            let mut cons = walk.cons.clone();
            cons.extend(conds);
            match motzkin(domain.dim(), &cons) {
                Some(y) => exclusions.push((path.clone(), j as u8, Exclusion::Empty(y))),
                None => {
                    return Err(Error::Invalid(format!(
                        "internal error: the branch {path:?} + piece {j} has interior points but no listed region; please report this network"
                    )));
                }
            }
        }
    }
    exclusions.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    Ok(Part {
        odd_sum,
        domain: domain.clone(),
        claim,
        regions: regions
            .regions
            .iter()
            .zip(flat)
            .map(|(r, p)| (p, r.interior_point.clone(), r.map.clone()))
            .collect(),
        exclusions,
    })
}

/// What [`verify`] checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// The property the certificate proves.
    pub property: Property,
    /// Regions checked (all parts).
    pub regions: usize,
    /// Excluded branches checked (all parts).
    pub exclusions: usize,
}

/// The reason a certificate is rejected: the first fact that fails.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("certificate rejected: {0}")]
pub struct Rejected(pub String);

/// Checks a certificate against a network with exact arithmetic only (no enumeration, no
/// LP). `Err(Rejected)` names the first fact that fails; malformed JSON is also a
/// rejection.
pub fn verify(cert: &Value, net: &Network) -> std::result::Result<VerifyReport, Rejected> {
    let r = |s: String| Rejected(s);
    if net.is_curved() {
        return Err(r("the network has ELU/SELU layers: it is not piecewise linear, and no certificate can show that a property holds for it (enclosures certify only counterexamples)".into()));
    }
    net.check_unrollable().map_err(|e| r(e.to_string()))?;
    let obj = cert
        .as_object()
        .ok_or_else(|| r("the certificate is not a JSON object".into()))?;
    if obj.get("relucheck_certificate").and_then(Value::as_u64) != Some(1) {
        return Err(r(
            "missing or unsupported `relucheck_certificate` version (expected 1)".into(),
        ));
    }
    let property = obj
        .get("property")
        .and_then(Value::as_str)
        .ok_or_else(|| r("missing `property`".into()))
        .and_then(|p| Property::parse(p).map_err(|e| r(e.to_string())))?;
    let fp = obj
        .get("network")
        .and_then(|n| n.get("fingerprint"))
        .and_then(Value::as_str)
        .ok_or_else(|| r("missing `network.fingerprint`".into()))?;
    if fp != fingerprint(net) {
        return Err(r(format!(
            "the certificate was made for a different network (fingerprint {fp}, this network has {})",
            fingerprint(net)
        )));
    }
    let parts = obj
        .get("parts")
        .and_then(Value::as_array)
        .ok_or_else(|| r("missing `parts`".into()))?;
    let needed = Claim::for_property(property);
    if parts.len() != needed.len() {
        return Err(r(format!(
            "{} needs {} part(s), the certificate has {}",
            property.name(),
            needed.len(),
            parts.len()
        )));
    }
    let mut report = VerifyReport {
        property,
        regions: 0,
        exclusions: 0,
    };
    let mut domain0: Option<Domain> = None;
    for (pi, (part, (odd_sum, claim))) in parts.iter().zip(needed).enumerate() {
        let ctx = |s: String| r(format!("part {pi}: {s}"));
        let subject = part.get("subject").and_then(Value::as_str);
        let want = if odd_sum { "f(x)+f(-x)" } else { "f" };
        if subject != Some(want) {
            return Err(ctx(format!("subject must be `{want}`")));
        }
        if part
            .get("claim")
            .and_then(Value::as_str)
            .and_then(Claim::parse)
            != Some(claim)
        {
            return Err(ctx(format!(
                "claim must be `{}` for {}",
                claim.name(),
                property.name()
            )));
        }
        let domain = Domain::from_json(part.get("domain").unwrap_or(&Value::Null), net.input_dim())
            .map_err(|e| ctx(format!("domain: {e}")))?;
        property
            .check_domain(&domain)
            .map_err(|e| ctx(e.to_string()))?;
        if let Some(d0) = &domain0 {
            if *d0 != domain {
                return Err(ctx("the parts are about different domains".into()));
            }
        } else {
            domain0 = Some(domain.clone());
        }
        let subject_net = if odd_sum {
            odd_sum_network(net)
        } else {
            net.clone()
        };
        let (nr, ne) = verify_part(part, &subject_net, &domain, claim).map_err(ctx)?;
        report.regions += nr;
        report.exclusions += ne;
    }
    Ok(report)
}

fn parse_digits(v: Option<&Value>, what: &str) -> std::result::Result<Vec<u8>, String> {
    let s = v
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{what} must be a string of digits"))?;
    s.chars()
        .filter(|&c| c != '|')
        .map(|c| {
            c.to_digit(36)
                .map(|d| d as u8)
                .ok_or_else(|| format!("{what} `{s}` has the character `{c}`"))
        })
        .collect()
}

fn parse_qs(v: Option<&Value>, what: &str) -> std::result::Result<Vec<Q>, String> {
    let items = v
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{what} must be a list of exact numbers"))?;
    items
        .iter()
        .map(|x| {
            let text = match x {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(format!("{what} has a non-number")),
            };
            Q::parse(&text).map_err(|e| format!("{what}: {e}"))
        })
        .collect()
}

#[allow(clippy::too_many_lines)] // issue 17: split pending
fn verify_part(
    part: &Value,
    net: &Network,
    dom: &Domain,
    claim: Claim,
) -> std::result::Result<(usize, usize), String> {
    let st = stages(net);
    let u = unit_count(&st);
    let k = dom.dim();
    let regions = part
        .get("regions")
        .and_then(Value::as_array)
        .ok_or("missing `regions`")?;
    if regions.is_empty() {
        return Err("no regions listed".into());
    }
    let mut patterns: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut maps = vec![];
    for (ri, reg) in regions.iter().enumerate() {
        let at = |s: String| format!("region {ri}: {s}");
        let pat = parse_digits(reg.get("pattern"), "pattern").map_err(at)?;
        if pat.len() != u {
            return Err(at(format!(
                "pattern has {} units, the network has {u}",
                pat.len()
            )));
        }
        if patterns.insert(pat.clone(), ri).is_some() {
            return Err(at("the same pattern is listed twice".into()));
        }
        let x = parse_qs(reg.get("interior_point"), "interior_point").map_err(at)?;
        if x.len() != k {
            return Err(at(format!(
                "interior point has {} coordinates, the domain {k}",
                x.len()
            )));
        }
        let map = reg.get("map").ok_or_else(|| at("missing `map`".into()))?;
        let rows = map
            .get("A")
            .and_then(Value::as_array)
            .ok_or_else(|| at("missing `map.A`".into()))?
            .iter()
            .map(|row| parse_qs(Some(row), "map.A"))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(at)?;
        let c = parse_qs(map.get("c"), "map.c").map_err(at)?;
        // Re-derive the region from its pattern.
        let mut walk = Walk::new(&st, dom);
        for (ui, &piece) in pat.iter().enumerate() {
            if piece as usize >= walk.pieces().len() {
                return Err(at(format!("unit {ui} has no piece {piece}")));
            }
            walk = walk.advance(piece as usize);
        }
        for (ci, h) in walk.cons.iter().enumerate() {
            let ok = if h.is_trivial() {
                !h.b.is_negative()
            } else {
                h.contains_strictly(&x)
            };
            if !ok {
                return Err(at(format!(
                    "the interior point {} is not strictly inside constraint {ci} of its pattern",
                    crate::exact::points::format_point(&x)
                )));
            }
        }
        let stated = Affine {
            a: Matrix::from_rows(rows).ok_or_else(|| at("map.A is ragged".into()))?,
            c,
        };
        let derived = &walk.map;
        if stated.c.len() != derived.c.len()
            || stated.a.rows() != derived.a.rows()
            || (stated.a.rows() > 0 && stated.a.cols() != derived.a.cols())
            || stated != *derived
        {
            return Err(at(
                "the stated map differs from the map re-derived from the pattern".into(),
            ));
        }
        maps.push(stated);
    }
    // The pattern tree covers the domain.
    let mut excl: HashMap<(Vec<u8>, u8), &Value> = HashMap::new();
    for (ei, e) in part
        .get("exclusions")
        .and_then(Value::as_array)
        .ok_or("missing `exclusions`")?
        .iter()
        .enumerate()
    {
        let path =
            parse_digits(e.get("path"), "path").map_err(|s| format!("exclusion {ei}: {s}"))?;
        let piece = e
            .get("piece")
            .and_then(Value::as_u64)
            .filter(|&p| p < 256)
            .ok_or(format!("exclusion {ei}: missing `piece`"))? as u8;
        if excl.insert((path, piece), e).is_some() {
            return Err(format!("exclusion {ei} is listed twice"));
        }
    }
    let prefixes: HashSet<&[u8]> = patterns
        .keys()
        .flat_map(|p| (0..=p.len()).map(move |m| &p[..m]))
        .collect();
    let mut used = 0usize;
    let mut stack = vec![(Vec::<u8>::new(), Walk::new(&st, dom))];
    while let Some((path, walk)) = stack.pop() {
        if path.len() == u {
            continue;
        }
        let n = walk.pieces().len();
        let sets: Vec<(Vec<HalfSpace>, bool)> =
            (0..n).map(|j| condition_set(&walk.conditions(j))).collect();
        for j in 0..n {
            let mut child = path.clone();
            child.push(j as u8);
            if prefixes.contains(child.as_slice()) {
                if excl.contains_key(&(path.clone(), j as u8)) {
                    return Err(format!(
                        "branch {} piece {j} is excluded but has listed regions",
                        digits(&path)
                    ));
                }
                stack.push((child, walk.advance(j)));
                continue;
            }
            let e = excl.get(&(path.clone(), j as u8)).ok_or_else(|| {
                format!(
                    "branch {} piece {j} has neither a listed region nor an exclusion: the regions may not cover the domain",
                    digits(&path)
                )
            })?;
            used += 1;
            let here = format!("exclusion at branch {} piece {j}", digits(&path));
            if let Some(i) = e.get("coincides_with") {
                let i = i
                    .as_u64()
                    .filter(|&i| (i as usize) < j)
                    .ok_or_else(|| format!("{here}: coincides_with must name a lower piece"))?
                    as usize;
                let (si, oki) = &sets[i];
                let (sj, okj) = &sets[j];
                if !(*oki && *okj && same_set(si, sj)) {
                    return Err(format!(
                        "{here}: the conditions of pieces {i} and {j} are not the same set"
                    ));
                }
            } else {
                let y = parse_qs(e.get("empty"), "empty").map_err(|s| format!("{here}: {s}"))?;
                let mut cons = walk.cons.clone();
                cons.extend(walk.conditions(j));
                check_motzkin(k, &cons, &y).map_err(|s| format!("{here}: {s}"))?;
            }
        }
    }
    if used != excl.len() {
        return Err(format!(
            "{} exclusion(s) name branches that do not exist",
            excl.len() - used
        ));
    }
    let refs: Vec<&Affine> = maps.iter().collect();
    claim.holds(&refs)?;
    Ok((maps.len(), used))
}

fn digits(p: &[u8]) -> String {
    if p.is_empty() {
        return "(root)".into();
    }
    p.iter()
        .map(|&d| std::char::from_digit(d as u32, 36).unwrap_or('?'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(a: &[i64], b: i64) -> HalfSpace {
        HalfSpace::new(a.iter().map(|&v| Q::from_int(v)).collect(), Q::from_int(b))
    }

    #[test]
    fn motzkin_multipliers_exactly_when_there_is_no_interior() {
        // A segment (no interior), a point, disjoint half-planes, and systems with an
        // interior, bounded or not (strictly feasible only far away: x <= -1, x <= -2).
        let cases: Vec<(Vec<HalfSpace>, bool)> = vec![
            (vec![h(&[1, 0], 0), h(&[-1, 0], 0), h(&[0, 1], 1)], true),
            (
                vec![h(&[1, 0], 0), h(&[-1, 0], 0), h(&[0, 1], 0), h(&[0, -1], 0)],
                true,
            ),
            (vec![h(&[1, 1], -1), h(&[-1, -1], -1)], true),
            (vec![h(&[1, 0], -1), h(&[1, 0], -2)], false),
            // Rows 0·x <= 0 hold everywhere: no weight on them proves emptiness.
            (vec![h(&[0, 0], 0), h(&[1, 0], 0)], false),
            (vec![h(&[0, 0], 0), h(&[0, 0], 3)], false),
            (vec![h(&[0, 0], 0), h(&[0, 0], -1)], true),
            (
                vec![h(&[1, 0], 1), h(&[-1, 0], 1), h(&[0, 1], 1), h(&[0, -1], 1)],
                false,
            ),
        ];
        for (cons, empty) in &cases {
            let y = motzkin(2, cons);
            assert_eq!(y.is_some(), *empty, "{cons:?}");
            if let Some(y) = y {
                check_motzkin(2, cons, &y).unwrap();
            }
        }
        // Weight on a row 0·x <= 0 (or 0·x <= 3) alone is refused; on a row 0·x <= -1 it
        // shows emptiness.
        let cons = [h(&[0, 0], 0), h(&[1, 0], 0), h(&[0, 0], 3), h(&[0, 0], -1)];
        let q = |v: &[i64]| v.iter().map(|&x| Q::from_int(x)).collect::<Vec<_>>();
        let e = check_motzkin(2, &cons, &q(&[1, 0, 0, 0])).unwrap_err();
        assert!(e.contains("prove nothing"), "{e}");
        assert!(check_motzkin(2, &cons, &q(&[5, 0, 0, 0])).is_err());
        assert!(check_motzkin(2, &cons, &q(&[0, 0, 1, 0])).is_err());
        assert!(check_motzkin(2, &cons, &q(&[0, 0, 0, 0])).is_err());
        check_motzkin(2, &cons, &q(&[1, 0, 0, 1])).unwrap();
        // Random systems (with trivial rows mixed in): multipliers iff no interior point (an independent LP), and they
        // always check.
        let mut s = 3u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % 11) as i64 - 5
        };
        for _ in 0..200 {
            let m = 2 + (next() + 5) as usize % 5;
            let cons: Vec<HalfSpace> = (0..m)
                .map(|_| {
                    let b = next();
                    if next() > 2 {
                        h(&[0, 0], b.abs() % 2)
                    } else {
                        h(&[next(), next()], b)
                    }
                })
                .collect();
            let y = motzkin(2, &cons);
            // The interior: genuine rows strictly, trivial rows as they are.
            let genuine: Vec<HalfSpace> =
                cons.iter().filter(|c| !c.is_trivial()).cloned().collect();
            let inside = cons.iter().all(|c| !c.is_trivial() || !c.b.is_negative())
                && (genuine.is_empty()
                    || crate::geometry::lp::interior_point(2, &genuine)
                        .is_some_and(|p| genuine.iter().all(|c| c.contains_strictly(&p))));
            assert_eq!(y.is_none(), inside, "{cons:?}");
            if let Some(y) = y {
                check_motzkin(2, &cons, &y).unwrap();
            }
        }
    }
}
