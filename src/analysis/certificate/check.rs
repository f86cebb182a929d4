//! The certificate checker: exact arithmetic only, no enumerator, no LP solver.
//!
//! # The statement verified
//! `verify(cert, net)` returns `Ok(report)` only if `net` is piecewise linear (no ELU/SELU)
//! and the property `report.property` holds for `net` on the domain `report.domain`, in the
//! sense of [`Property::statement`] with every point (`x`, `y`, `x + y`, `a·x`) in that
//! domain. The domain is the one written in the certificate (the same in every part); it is
//! part of the statement, so the CLI prints it and [`verify_on`] requires it to equal the
//! caller's.
//!
//! # Soundness, step by step
//! **Trusted** (not from the certificate): exact `Q` arithmetic; [`crate::net`]'s
//! `Layer::pieces` (each unit has finitely many pieces whose closed conditions `form >= 0`
//! cover the unit's whole input space, and on each piece the unit equals the piece's output
//! form) and `Layer::affine`, and for residual blocks the steps of
//! [`crate::net::residual::steps`] built from them (the block's input carried unchanged
//! beside its branch, the branch and skip summed: the network as a chain of affine maps and
//! piecewise-linear units over a state); the domain's polyhedron `P` (full-dimensional in
//! domain coordinates) and its embedding `E`; [`odd_sum_network`]. Everything the certificate
//! provides is a hint that is re-checked: the piece digits of patterns and paths, interior
//! points, maps, multipliers and `coincides_with` indices. The fingerprint only catches a
//! certificate read against the wrong network (every fact is re-derived from `net` itself);
//! the name is not used; the statement must be the property's own text.
//!
//! 1. *The tree.* For a path `p` (a piece for each of the first `|p|` units), let `S(p)` be
//!    the points `y` of `P` at which, evaluating the subject at `E(y)`, unit `i`'s input
//!    satisfies the conditions of piece `p_i` for all `i < |p|`. The walk of [`super::tree`]
//!    computes `S(p)` as the half-spaces `cons` exactly: along `p`, each unit's output is
//!    replaced by its piece's output form, which equals the unit on `S(p)`. Since the pieces
//!    of a unit cover its input space, `S(p)` is the union of its children `S(p·j)`.
//! 2. *Every branch is accounted for* (`check_tree`). From the root, every node `p` on the
//!    way to a listed pattern has each child `p·j` either on the way to a listed pattern (it
//!    is walked in turn), or excluded; an exclusion on a branch leading to a listed pattern,
//!    or naming no branch of the tree, is refused.
//! 3. *Each exclusion suffices* (`check_exclusion`). `empty`: the multipliers pass
//!    [`check_motzkin`], so `S(p·j)` has no interior point (the rule and its proof are
//!    there). `coincides_with: i` with `i < j`: the conditions of pieces `i` and `j` at `p`
//!    are the same set of half-spaces (normalised; trivial ones all true), so
//!    `S(p·j) = S(p·i)`, and branch `i` is itself accounted for. By induction on the tree
//!    (and on `j` for coincidences, which always point lower, so they cannot form a cycle):
//!    `S(p)` is contained in the union of `S(L)` over the listed patterns `L` below `p` and
//!    of `N`, the union of the `empty` branches.
//! 4. *The listed regions cover the whole domain*, not only up to measure zero. `U`, the
//!    union of the `S(L)`, is closed, and `N` is a finite union of closed sets without
//!    interior, so it has no interior. `int P \ U` is open and inside `N`: it is empty. So
//!    `int P ⊆ U`, and `P = closure(int P) ⊆ U` (`P` is a full-dimensional convex set).
//! 5. *The maps are the network's* (`rederive`). Each listed pattern is walked from the
//!    root; the map it reaches is the subject on `S(L)`, and the stated map must equal it
//!    exactly. So for every `y` in `P`, the subject at `E(y)` is `M_L(y)` for some listed
//!    `L`, with `M_L` among the checked maps. The interior point must satisfy every genuine
//!    constraint of `S(L)` strictly (and every trivial one): a listed region is a real
//!    region. (Soundness does not need it; an extra region only adds a map to check.)
//!    Duplicate patterns are refused; two patterns of one set (e.g. the equal pieces of a
//!    dead unit) are both real regions, and both maps are checked.
//! 6. *The claim gives the property on the domain* ([`Claim`], the pairing fixed by
//!    `Claim::for_property`; parts in that order, no extra or missing part, all on one
//!    domain, each on the subject it names). With `g` the subject: `one-map`: `g` is one
//!    affine map on `P`. `one-linear-map`: `g(x) = A·x` on the cone `D`, so it is linear and
//!    additive there. `zero-offsets` (on a cone, by `Property::check_domain`): for `x` in
//!    `D`, `h(t) = g(t·x)/t` is continuous on `t > 0` (`g` is continuous) and takes values
//!    in the finite set `{A_L·x}`, so it is constant on the connected `(0, ∞)`:
//!    `g(t·x) = t·g(x)`, and `g(0) = A·0 = 0` covers `t = 0`. `zero-map` on
//!    `f(x) + f(-x)`: `f` is odd. Homogeneity is both: for `a < 0`,
//!    `f(a·x) = -f(|a|·x) = a·f(x)`.
//!
//! Besides, the reading is strict, so that one certificate has one meaning: unknown fields,
//! an exclusion with both reasons, a pattern with `|` anywhere but between layers or with
//! upper-case digits, are refused, and [`parse_json`] refuses duplicate keys.

use super::Claim;
use super::fingerprint;
use super::tree::{Stage, Walk, condition_set, digits, layout, path_name, same_branch, stages};
use crate::analysis::properties::{Property, odd_sum_network};
use crate::exact::linalg::{Affine, HalfSpace, Matrix};
use crate::exact::rational::Q;
use crate::net::network::Network;
use crate::regions::domain::Domain;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// What [`verify`] checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// The property the certificate proves.
    pub property: Property,
    /// The domain on which it holds (from the certificate; the same in every part).
    pub domain: Domain,
    /// Regions checked (all parts).
    pub regions: usize,
    /// Excluded branches checked (all parts).
    pub exclusions: usize,
}

/// The reason a certificate is rejected: the first fact that fails.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("certificate rejected: {0}")]
pub struct Rejected(pub String);

type Check<T> = std::result::Result<T, String>;

/// Reads certificate JSON, refusing duplicate keys (with which `serde_json` would keep the
/// last value silently, so that one text could be read two ways).
pub fn parse_json(text: &str) -> serde_json::Result<Value> {
    serde_json::from_str::<NoDuplicates>(text)?;
    serde_json::from_str(text)
}

/// A JSON value read only to find a key given twice in one object.
struct NoDuplicates;

impl<'de> serde::Deserialize<'de> for NoDuplicates {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(NoDuplicates)
    }
}

impl<'de> serde::de::Visitor<'de> for NoDuplicates {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> std::result::Result<Self, E> {
        Ok(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut a: A,
    ) -> std::result::Result<Self, A::Error> {
        while a.next_element::<NoDuplicates>()?.is_some() {}
        Ok(self)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut a: A,
    ) -> std::result::Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(k) = a.next_key::<String>()? {
            if !seen.insert(k.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "the key `{k}` is given twice in one object"
                )));
            }
            a.next_value::<NoDuplicates>()?;
        }
        Ok(self)
    }
}

/// Checks a certificate against a network with exact arithmetic only (no enumeration, no
/// LP); see the module docs for what `Ok` proves. `Err(Rejected)` names the first fact that
/// fails; malformed JSON is also a rejection.
pub fn verify(cert: &Value, net: &Network) -> std::result::Result<VerifyReport, Rejected> {
    let r = Rejected;
    if net.is_curved() {
        return Err(r("the network has ELU/SELU layers: it is not piecewise linear, and no certificate can show that a property holds for it (enclosures certify only counterexamples)".into()));
    }
    net.check_unrollable().map_err(|e| r(e.to_string()))?;
    let obj = fields(
        cert,
        &[
            "relucheck_certificate",
            "property",
            "statement",
            "network",
            "parts",
        ],
        "the certificate",
    )
    .map_err(r)?;
    let property = header(obj, net).map_err(r)?;
    let parts = obj
        .get("parts")
        .and_then(Value::as_array)
        .ok_or_else(|| r("missing `parts` (a list)".into()))?;
    let needed = Claim::for_property(property);
    if parts.len() != needed.len() {
        return Err(r(format!(
            "{} needs {} part(s), the certificate has {}",
            property.name(),
            needed.len(),
            parts.len()
        )));
    }
    let (mut regions, mut exclusions, mut domain0) = (0, 0, None::<Domain>);
    for (pi, (part, (odd_sum, claim))) in parts.iter().zip(needed).enumerate() {
        let ctx = |s: String| r(format!("part {pi}: {s}"));
        let domain = part_header(part, net, property, odd_sum, claim).map_err(ctx)?;
        if domain0.as_ref().is_some_and(|d0| *d0 != domain) {
            return Err(ctx("the parts are about different domains".into()));
        }
        let subject = if odd_sum {
            odd_sum_network(net)
        } else {
            net.clone()
        };
        let (nr, ne) = verify_part(part, &subject, &domain, claim).map_err(ctx)?;
        regions += nr;
        exclusions += ne;
        domain0 = Some(domain);
    }
    Ok(VerifyReport {
        property,
        domain: domain0.expect("every property needs a part"),
        regions,
        exclusions,
    })
}

/// [`verify`], and the certificate must be about exactly `domain`: a certificate for the
/// orthant, a box or a segment is refused when the whole space is required, and so on.
///
/// ```
/// use relucheck::analysis::certificate::{Certificate, verify_on};
/// use relucheck::{Checker, Domain, Network, Property};
/// let net = Network::from_json_str(r#"{"relucheck": 1, "input_shape": [1], "layers": [
///     {"type": "dense", "weights": [[1]], "bias": [0]}, {"type": "relu"}]}"#).unwrap();
/// // relu is linear on the orthant x >= 0, not on the whole line.
/// let orthant = Domain::orthant(1);
/// let regions = Checker::new(&net, orthant.clone()).regions().unwrap();
/// let cert = Certificate::build(&net, Property::Linear, &orthant, &regions).unwrap().to_json();
/// assert_eq!(verify_on(&cert, &net, &orthant).unwrap().regions, 1);
/// let e = verify_on(&cert, &net, &Domain::whole(1)).unwrap_err();
/// assert!(e.to_string().contains("not on all of R^1"), "{e}");
/// ```
pub fn verify_on(
    cert: &Value,
    net: &Network,
    domain: &Domain,
) -> std::result::Result<VerifyReport, Rejected> {
    let report = verify(cert, net)?;
    if report.domain != *domain {
        return Err(Rejected(format!(
            "the certificate shows that {} holds on {}, not on {} as required",
            report.property,
            report.domain.describe(),
            domain.describe()
        )));
    }
    Ok(report)
}

/// `v` as an object with only the `known` fields.
fn fields<'v>(v: &'v Value, known: &[&str], what: &str) -> Check<&'v Map<String, Value>> {
    let m = v
        .as_object()
        .ok_or_else(|| format!("{what} is not a JSON object"))?;
    if let Some(k) = m.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(format!(
            "{what} has the unknown field `{k}` (known: {})",
            known.join(", ")
        ));
    }
    Ok(m)
}

/// The version, the property, its statement and the network's fingerprint.
fn header(obj: &Map<String, Value>, net: &Network) -> Check<Property> {
    if obj.get("relucheck_certificate").and_then(Value::as_u64) != Some(1) {
        return Err("missing or unsupported `relucheck_certificate` version (expected 1)".into());
    }
    let property = obj
        .get("property")
        .and_then(Value::as_str)
        .ok_or_else(|| "missing `property`".to_string())
        .and_then(|p| Property::parse(p).map_err(|e| e.to_string()))?;
    if let Some(s) = obj.get("statement")
        && s.as_str() != Some(property.statement())
    {
        return Err(format!(
            "the statement must be the property's: `{}`",
            property.statement()
        ));
    }
    let network = obj.get("network").ok_or("missing `network`")?;
    let fp = fields(network, &["name", "fingerprint"], "`network`")?
        .get("fingerprint")
        .and_then(Value::as_str)
        .ok_or("missing `network.fingerprint`")?;
    if fp != fingerprint(net) {
        return Err(format!(
            "the certificate was made for a different network (fingerprint {fp}, this network has {})",
            fingerprint(net)
        ));
    }
    Ok(property)
}

/// A part's subject and claim (those the property needs) and its domain.
fn part_header(
    part: &Value,
    net: &Network,
    property: Property,
    odd_sum: bool,
    claim: Claim,
) -> Check<Domain> {
    let known = ["subject", "domain", "claim", "regions", "exclusions"];
    let m = fields(part, &known, "the part")?;
    let want = if odd_sum { "f(x)+f(-x)" } else { "f" };
    if m.get("subject").and_then(Value::as_str) != Some(want) {
        return Err(format!("subject must be `{want}` for {}", property.name()));
    }
    if m.get("claim")
        .and_then(Value::as_str)
        .and_then(Claim::parse)
        != Some(claim)
    {
        return Err(format!(
            "claim must be `{}` for {}",
            claim.name(),
            property.name()
        ));
    }
    let domain = Domain::from_json(m.get("domain").unwrap_or(&Value::Null), net.input_dim())
        .map_err(|e| format!("domain: {e}"))?;
    property.check_domain(&domain).map_err(|e| e.to_string())?;
    Ok(domain)
}

/// Checks one part: its regions, its tree, its claim. Returns (regions, exclusions).
fn verify_part(part: &Value, net: &Network, dom: &Domain, claim: Claim) -> Check<(usize, usize)> {
    let st = stages(net);
    let listed = listed_regions(part, &st, dom)?;
    let excl = exclusions(part, &layout(&st))?;
    let patterns: HashSet<&[u8]> = listed.iter().map(|(p, _)| p.as_slice()).collect();
    let used = check_tree(&st, dom, &patterns, &excl)?;
    if used != excl.len() {
        return Err(format!(
            "{} exclusion(s) name branches that do not exist or are not reached",
            excl.len() - used
        ));
    }
    let maps: Vec<&Affine> = listed.iter().map(|(_, m)| m).collect();
    claim.holds(&maps)?;
    Ok((maps.len(), used))
}

/// The listed regions, each re-derived from its pattern: `(pattern, map)`.
fn listed_regions(part: &Value, st: &[Stage], dom: &Domain) -> Check<Vec<(Vec<u8>, Affine)>> {
    let regions = part
        .get("regions")
        .and_then(Value::as_array)
        .ok_or("missing `regions` (a list)")?;
    if regions.is_empty() {
        return Err("no regions listed".into());
    }
    let lay = layout(st);
    let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut out = vec![];
    for (ri, reg) in regions.iter().enumerate() {
        let at = |s: String| format!("region {ri}: {s}");
        let (pat, x, stated) = parse_region(reg, &lay, dom.dim()).map_err(at)?;
        if let Some(i) = seen.insert(pat.clone(), ri) {
            return Err(at(format!("the same pattern as region {i}")));
        }
        let derived = rederive(st, dom, &pat, &x).map_err(at)?;
        if !same_map(&stated, &derived) {
            return Err(at(
                "the stated map differs from the map re-derived from the pattern".into(),
            ));
        }
        out.push((pat, stated));
    }
    Ok(out)
}

/// A region's pattern, interior point and stated map, as written.
fn parse_region(reg: &Value, lay: &[usize], k: usize) -> Check<(Vec<u8>, Vec<Q>, Affine)> {
    let m = fields(reg, &["pattern", "interior_point", "map"], "the region")?;
    let pat = parse_digits(m.get("pattern"), "pattern", lay, true)?;
    let x = parse_qs(m.get("interior_point"), "interior_point")?;
    if x.len() != k {
        return Err(format!(
            "interior point has {} coordinates, the domain {k}",
            x.len()
        ));
    }
    let map = fields(m.get("map").ok_or("missing `map`")?, &["A", "c"], "`map`")?;
    let rows = map
        .get("A")
        .and_then(Value::as_array)
        .ok_or("missing `map.A` (a list of rows)")?
        .iter()
        .map(|row| parse_qs(Some(row), "map.A"))
        .collect::<Check<Vec<_>>>()?;
    let c = parse_qs(map.get("c"), "map.c")?;
    let a = Matrix::from_rows(rows).ok_or("map.A is empty or ragged")?;
    Ok((pat, x, Affine { a, c }))
}

/// Walks `pat` from the root: its map, once `x` is shown strictly inside its region.
fn rederive(st: &[Stage], dom: &Domain, pat: &[u8], x: &[Q]) -> Check<Affine> {
    let mut walk = Walk::new(st, dom);
    for (ui, &piece) in pat.iter().enumerate() {
        if piece as usize >= walk.pieces().len() {
            return Err(format!(
                "unit {ui} has {} pieces, the pattern names piece {piece}",
                walk.pieces().len()
            ));
        }
        walk = walk.advance(piece as usize);
    }
    for (ci, h) in walk.cons.iter().enumerate() {
        let ok = if h.is_trivial() {
            !h.b.is_negative()
        } else {
            h.contains_strictly(x)
        };
        if !ok {
            return Err(format!(
                "the interior point {} is not strictly inside constraint {ci} of its pattern",
                crate::exact::points::format_point(x)
            ));
        }
    }
    Ok(walk.map)
}

/// Equal shapes and entries.
fn same_map(a: &Affine, b: &Affine) -> bool {
    a.c.len() == b.c.len() && a.a.rows() == b.a.rows() && a.a.cols() == b.a.cols() && a == b
}

/// The exclusions by `(path, piece)`; each given once.
fn exclusions<'v>(part: &'v Value, lay: &[usize]) -> Check<HashMap<(Vec<u8>, u8), &'v Value>> {
    let list = part
        .get("exclusions")
        .and_then(Value::as_array)
        .ok_or("missing `exclusions` (a list)")?;
    let mut excl = HashMap::new();
    for (ei, e) in list.iter().enumerate() {
        let at = |s: String| format!("exclusion {ei}: {s}");
        let known = ["path", "piece", "empty", "coincides_with"];
        let m = fields(e, &known, "the exclusion").map_err(at)?;
        let path = parse_digits(m.get("path"), "path", lay, false).map_err(at)?;
        let piece =
            m.get("piece")
                .and_then(Value::as_u64)
                .filter(|&p| p < 256)
                .ok_or_else(|| at("missing `piece` (a piece number)".into()))? as u8;
        if excl.insert((path, piece), e).is_some() {
            return Err(at("its branch is excluded twice".into()));
        }
    }
    Ok(excl)
}

/// Walks the tree of the listed patterns; every branch off it must be excluded, with a
/// reason that holds. Returns the number of exclusions used.
fn check_tree(
    st: &[Stage],
    dom: &Domain,
    patterns: &HashSet<&[u8]>,
    excl: &HashMap<(Vec<u8>, u8), &Value>,
) -> Check<usize> {
    let u: usize = layout(st).iter().sum();
    let prefixes: HashSet<&[u8]> = patterns
        .iter()
        .flat_map(|p| (0..=p.len()).map(move |m| &p[..m]))
        .collect();
    let mut used = 0usize;
    let mut stack = vec![(Vec::<u8>::new(), Walk::new(st, dom))];
    while let Some((path, walk)) = stack.pop() {
        if path.len() == u {
            continue;
        }
        let n = walk.pieces().len();
        let sets: Vec<_> = (0..n).map(|j| condition_set(&walk.conditions(j))).collect();
        for j in 0..n {
            let mut child = path.clone();
            child.push(j as u8);
            let e = excl.get(&(path.clone(), j as u8));
            if prefixes.contains(child.as_slice()) {
                if e.is_some() {
                    return Err(format!(
                        "branch {} piece {j} is excluded but has listed regions",
                        path_name(&path)
                    ));
                }
                stack.push((child, walk.advance(j)));
                continue;
            }
            let e = e.ok_or_else(|| {
                format!(
                    "branch {} piece {j} has neither a listed region nor an exclusion: the regions may not cover the domain",
                    path_name(&path)
                )
            })?;
            check_exclusion(&walk, dom.dim(), j, &sets, e)
                .map_err(|s| format!("exclusion at branch {} piece {j}: {s}", path_name(&path)))?;
            used += 1;
        }
    }
    Ok(used)
}

/// Piece `j` at `walk` has no region: it coincides with a lower piece, or Motzkin
/// multipliers show that its branch has no interior.
fn check_exclusion(
    walk: &Walk,
    k: usize,
    j: usize,
    sets: &[(Vec<HalfSpace>, bool)],
    e: &Value,
) -> Check<()> {
    match (e.get("coincides_with"), e.get("empty")) {
        (Some(_), Some(_)) => Err("give one reason: `empty` or `coincides_with`, not both".into()),
        (None, None) => Err("missing the reason: `empty` or `coincides_with`".into()),
        (Some(i), None) => {
            let i = i
                .as_u64()
                .filter(|&i| (i as usize) < j)
                .ok_or("coincides_with must name a lower-numbered piece")?
                as usize;
            if !same_branch(&sets[i], &sets[j]) {
                return Err(format!(
                    "the conditions of pieces {i} and {j} are not the same set"
                ));
            }
            Ok(())
        }
        (None, Some(y)) => {
            let y = parse_qs(Some(y), "empty")?;
            let mut cons = walk.cons.clone();
            cons.extend(walk.conditions(j));
            check_motzkin(k, &cons, &y)
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
pub(super) fn check_motzkin(k: usize, cons: &[HalfSpace], y: &[Q]) -> Check<()> {
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

/// A pattern (`full`: one digit per unit) or a path (fewer digits): lower-case base-36
/// digits, with `|` nowhere or exactly between layers.
fn parse_digits(v: Option<&Value>, what: &str, lay: &[usize], full: bool) -> Check<Vec<u8>> {
    let s = v
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{what} must be a string of digits"))?;
    let mut out = vec![];
    for c in s.chars().filter(|&c| c != '|') {
        match c {
            '0'..='9' | 'a'..='z' => out.push(c.to_digit(36).expect("a base-36 digit") as u8),
            _ => {
                return Err(format!(
                    "{what} `{s}` has the character `{c}` (one digit 0-9 or a-z per unit)"
                ));
            }
        }
    }
    let u: usize = lay.iter().sum();
    if full && out.len() != u {
        return Err(format!(
            "{what} has {} units, the network has {u}",
            out.len()
        ));
    }
    if !full && out.len() >= u {
        return Err(format!(
            "{what} has {} digits; a path names a branch, so fewer than the network's {u} units",
            out.len()
        ));
    }
    if s.contains('|') && s != with_bars(&out, lay) {
        return Err(format!(
            "{what} `{s}`: `|` may only separate layers; write `{}` (or no `|`)",
            with_bars(&out, lay)
        ));
    }
    Ok(out)
}

/// The digits with `|` between layers.
fn with_bars(d: &[u8], lay: &[usize]) -> String {
    let mut s = String::new();
    let mut at = 0;
    for &n in lay.iter().filter(|&&n| n > 0) {
        if at >= d.len() {
            break;
        }
        if at > 0 {
            s.push('|');
        }
        s.push_str(&digits(&d[at..(at + n).min(d.len())]));
        at += n;
    }
    s
}

fn parse_qs(v: Option<&Value>, what: &str) -> Check<Vec<Q>> {
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
