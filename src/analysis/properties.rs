//! Properties decided exactly from the linear regions, with counterexamples that anyone can
//! re-check, and a proptest search that can only miss, never contradict.
//!
//! # The exact decisions
//! Let `f` be continuous and piecewise affine (every network of affine, convolution,
//! pooling and piecewise-linear activation layers is), and let `R_1, ..., R_n` be its
//! full-dimensional activation regions on the domain, with maps `f(x) = A_i x + c_i` on
//! `R_i`. Maps on lower-dimensional cells may differ and are ignored: by continuity `f` is
//! determined by its values on the full-dimensional regions.
//!
//! - **Positive homogeneity** on a cone `D` (`R^d` or the orthant): `f(a x) = a f(x)` for all
//!   `a >= 0` iff every `c_i = 0`. *If*: along a ray, `a ↦ f(a x)` is continuous and
//!   piecewise of the form `a·A_i x`, so at every breakpoint the slopes agree and it is
//!   linear in `a`; also `f(0) = 0` by continuity. *Only if*: for `p` inside `R_i` and `a`
//!   near 1, `a p` stays in `R_i`, so `A_i a p + c_i = a (A_i p + c_i)` forces `c_i = 0`.
//!   (Hence `f(2x) = 2f(x)` for all `x` already suffices.)
//! - **Additivity** on a cone: `f(x + y) = f(x) + f(y)` iff `f` is linear there iff every
//!   region has the same map `(A, 0)`. For continuous `f`, additivity gives `f(q x) = q f(x)`
//!   for rational `q >= 0` and then, by continuity, for real `q`; an additive positively
//!   homogeneous `f` on the orthant is `f(x) = Σ x_j f(e_j)`.
//! - **Oddness** on `R^d`: `f(-x) = -f(x)` iff the network `g(x) = f(x) + f(-x)`
//!   ([`odd_sum_network`]) is identically zero, i.e. every region of `g` has the map `(0, 0)`.
//! - **Homogeneity** (all real `a`) iff positively homogeneous and odd: `f(a x) = a f(x)`
//!   for `a < 0` is `f(|a|·(-x)) = |a| f(-x) = -|a| f(x)`.
//! - **Affinity** on a domain: one affine map on the whole domain iff every region has the
//!   same map (the domain is connected, so this is one linear piece).
//! - **Linearity** on a domain: affine with zero offset.
//!
//! # Counterexamples
//! A failed property comes with exact rational inputs at which the two sides differ, built
//! from the regions (a point on a facet between two regions with different maps, moved
//! across it; a point in a region with non-zero offset), then shrunk — numerators and
//! denominators made small while it still fails — and re-evaluated exactly before it is
//! reported.

pub use crate::analysis::counterexample::Counterexample;
use crate::analysis::counterexample::{Kind, add, scale};
pub use crate::analysis::property::Property;
use crate::analysis::quick::quick_refutation;
use crate::analysis::reasons::explain;
use crate::error::{Error, Result};
use crate::exact::interval::{DEFAULT_PRECISION, Interval};
use crate::exact::linalg::Matrix;
use crate::exact::points::format_point;
use crate::exact::rational::Q;
use crate::net::network::{Activation, Layer, Network, Shape};
use crate::output::qs_to_strings;
use crate::regions::budget::Budget;
use crate::regions::domain::Domain;
#[cfg(feature = "testing")]
use crate::regions::domain::DomainKind;
use crate::regions::enumerate::{Enumerator, Regions, StopReason};
use crate::regions::formula::map_formulas;
use serde_json::{Value, json};
use std::time::Duration;

/// How a verdict was reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// From the exact linear regions.
    Exact,
    /// From a proptest search with this many cases and seed (can only find failures).
    Search {
        /// Cases tried.
        cases: u32,
        /// The seed that reproduces the run.
        seed: u64,
    },
    /// From certified enclosures (networks with ELU/SELU): can only find failures.
    Enclosure {
        /// Significant bits of the enclosures.
        precision: u32,
    },
}

/// The answer for one property.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The property holds (decided exactly).
    Holds,
    /// The property fails, with a re-checked counterexample.
    Fails(Counterexample),
    /// The property fails, with a counterexample certified by disjoint enclosures of the
    /// two sides (networks with ELU/SELU, whose values are irrational).
    Certified(CertifiedCounterexample),
    /// Not established: the budget ran out before the regions were complete, or a search
    /// found nothing (a search cannot prove a property).
    Unknown(String),
}

/// A property's verdict on a network and domain.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The property.
    pub property: Property,
    /// The outcome.
    pub outcome: Outcome,
    /// How it was reached.
    pub method: Method,
    /// Why, in one sentence.
    pub reason: String,
}

impl Verdict {
    /// `Some(true)` holds, `Some(false)` fails, `None` unknown.
    pub fn holds(&self) -> Option<bool> {
        match self.outcome {
            Outcome::Holds => Some(true),
            Outcome::Fails(_) | Outcome::Certified(_) => Some(false),
            Outcome::Unknown(_) => None,
        }
    }

    /// The certified counterexample, if the property fails on an ELU/SELU network.
    pub fn certified(&self) -> Option<&CertifiedCounterexample> {
        match &self.outcome {
            Outcome::Certified(c) => Some(c),
            _ => None,
        }
    }

    /// The counterexample, if the property fails.
    pub fn counterexample(&self) -> Option<&Counterexample> {
        match &self.outcome {
            Outcome::Fails(c) => Some(c),
            _ => None,
        }
    }

    /// The verdict as JSON (`{"relucheck_check": 1, "property": ..., "holds": ...}`); see
    /// [`check_json`].
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "property": self.property.name(),
            "statement": self.property.statement(),
            "holds": self.holds(),
            "method": match self.method { Method::Exact => "exact", Method::Search { .. } => "search", Method::Enclosure { .. } => "enclosure" },
            "reason": self.reason,
        });
        if let Method::Enclosure { precision } = self.method {
            v["precision"] = json!(precision);
        }
        if let Some(c) = self.certified() {
            v["counterexample"] = c.to_json();
        }
        if let Method::Search { cases, seed } = self.method {
            v["search"] = json!({"cases": cases, "seed": seed});
        }
        if let Some(c) = self.counterexample() {
            v["counterexample"] = c.to_json();
        }
        v
    }

    /// Like [`Verdict::describe`]; on a slice or a segment, whose counterexamples are written
    /// in domain coordinates, also the same points as network inputs.
    pub fn describe_in(&self, domain: &Domain) -> String {
        let mut s = self.describe();
        if let (Some(c), false) = (self.counterexample(), domain.is_input_space()) {
            let (_, _, x, y) = c.parts();
            let names = domain.coordinate_names().join(", ");
            s.push_str(&format!(
                "\n  (points in ({names}); as network inputs x = {}",
                format_point(&domain.to_input(&x))
            ));
            if !y.is_empty() {
                s.push_str(&format!(", y = {}", format_point(&domain.to_input(&y))));
            }
            s.push(')');
        }
        s
    }

    /// One line for humans.
    pub fn describe(&self) -> String {
        let how = match &self.method {
            Method::Exact => "exact".to_string(),
            Method::Search { cases, seed } => format!("search, {cases} cases, seed {seed}"),
            Method::Enclosure { precision } => format!("enclosures, {precision} bits"),
        };
        match &self.outcome {
            Outcome::Holds => format!("{}: holds ({how}): {}", self.property, self.reason),
            Outcome::Fails(c) => format!(
                "{}: FAILS ({how}): {}\n  counterexample: {}",
                self.property,
                self.reason,
                c.describe()
            ),
            Outcome::Certified(c) => format!(
                "{}: FAILS (certified, {how}): {}\n  counterexample: {}",
                self.property,
                self.reason,
                c.describe()
            ),
            Outcome::Unknown(why) => format!("{}: unknown ({how}): {why}", self.property),
        }
    }
}

/// The JSON `relucheck check` prints for one property:
/// `{"relucheck_check": 1, "network": ..., "domain": {...}, "property": "additivity",
/// "statement": ..., "holds": false, "method": "exact", "reason": ...,
/// "counterexample": {"x": [...], "y": [...], "f(x)+f(y)": [...], "f(x+y)": [...]}}`.
/// `holds` is `null` when unknown. For `--property all`, `"verdicts"` holds a list of these
/// objects (without the version field).
pub fn check_json(net: &Network, domain: &Domain, verdicts: &[Verdict]) -> Value {
    let mut top = json!({
        "relucheck_check": 1,
        "network": net.name,
        "notes": net.notes,
        "domain": domain.to_json(),
        "coordinates": domain.coordinate_names(),
    });
    if let [v] = verdicts {
        for (k, val) in v.to_json().as_object().expect("object") {
            top[k] = val.clone();
        }
    } else {
        top["verdicts"] = Value::Array(verdicts.iter().map(Verdict::to_json).collect());
    }
    top
}

/// Settings for [`Checker`].
pub struct Checker<'a> {
    net: &'a Network,
    domain: Domain,
    budget: Budget,
    threads: Option<usize>,
    precision: u32,
    progress: Option<ProgressFn<'a>>,
}

/// A progress line's sink: called with what a decision is doing (for a terminal).
type ProgressFn<'a> = std::sync::Arc<dyn Fn(&str) + Send + Sync + 'a>;

impl<'a> Checker<'a> {
    /// Decides properties of `net` on `domain`.
    ///
    /// ```
    /// use relucheck::{Checker, Domain, Network, Property};
    /// let relu = Network::from_json_str(
    ///     r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "relu"}]}"#).unwrap();
    /// let v = Checker::new(&relu, Domain::whole(1)).check(Property::Additivity).unwrap();
    /// assert_eq!(v.holds(), Some(false));
    /// assert_eq!(v.counterexample().unwrap().describe(),
    ///            "x = [-1], y = [1]: f(x)+f(y) = [1], f(x+y) = [0]");
    /// ```
    pub fn new(net: &'a Network, domain: Domain) -> Checker<'a> {
        Checker {
            net,
            domain,
            budget: Budget::unlimited(),
            threads: None,
            precision: DEFAULT_PRECISION,
            progress: None,
        }
    }

    /// Significant bits of the enclosures used for networks with ELU/SELU (default
    /// [`DEFAULT_PRECISION`]).
    pub fn with_precision(mut self, bits: u32) -> Self {
        self.precision = bits;
        self
    }

    /// Region budget for each enumeration behind the decisions.
    pub fn with_max_regions(mut self, n: usize) -> Self {
        self.budget = self.budget.with_max_regions(n);
        self
    }

    /// Time budget from now for everything this checker does: every enumeration, the
    /// counterexamples built from them, and the search share it (see [`Budget`]).
    pub fn with_time_limit(mut self, d: Duration) -> Self {
        self.budget = self.budget.with_time_limit(d);
        self
    }

    /// Work within `budget`, the one budget of a whole command: every enumeration behind
    /// the decisions, the counterexamples built from them and the search share its
    /// deadline (nothing gets a fresh limit), and each enumeration its region cap.
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// The budget this checker works within.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Threads for the enumeration behind each decision (default: every core, see
    /// [`Enumerator::with_threads`]).
    pub fn with_threads(mut self, n: usize) -> Self {
        self.threads = Some(n);
        self
    }

    /// Reports what each decision is doing (the simple points tried, the regions found so
    /// far) to `f`, for a progress line on a terminal.
    pub fn with_progress(mut self, f: impl Fn(&str) + Send + Sync + 'a) -> Self {
        self.progress = Some(std::sync::Arc::new(f));
        self
    }

    fn say(&self, what: &str) {
        if let Some(p) = &self.progress {
            p(what);
        }
    }

    fn enumerate(&self, net: &Network, domain: Domain) -> Result<Regions> {
        net.check_unrollable()?;
        let mut e = Enumerator::new(net, domain);
        if let Some(p) = self.progress.clone() {
            let of = if std::ptr::eq(net, self.net) {
                "f"
            } else {
                "f(x) + f(-x)"
            };
            e = e.with_progress(move |pr| {
                p(&format!(
                    "regions of {of}: {} found{}",
                    pr.regions,
                    if pr.details { " (details)" } else { "" }
                ))
            });
        }
        if let Some(t) = self.threads {
            e = e.with_threads(t);
        }
        e.with_budget(self.budget).run()
    }

    /// The network whose properties are decided.
    pub fn network(&self) -> &'a Network {
        self.net
    }

    /// The domain the properties are decided on.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// A quick exact refutation of `property` at simple points ([`crate::analysis::quick`])
    /// as a verdict, or `None` when none of them refutes it; no enumeration.
    pub fn quick_verdict(&self, property: Property) -> Option<Result<Verdict>> {
        self.say(&format!("{property}: trying simple points"));
        let c = quick_refutation(self.net, &self.domain, property)?;
        Some(exact_fail(self, property, Some(c), String::new()))
    }

    /// The failure of `property` shown by `c`, a counterexample found elsewhere (carried
    /// over from a slice, say) and written in this checker's domain coordinates: re-checked
    /// exactly here, and `None` unless it is a valid counterexample of that property.
    pub fn verdict_from(&self, property: Property, c: &Counterexample) -> Option<Verdict> {
        let (kind, a, _, _) = c.parts();
        let refutes = match property {
            Property::Additivity => kind == Kind::Additive,
            Property::PositiveHomogeneity => kind == Kind::Scale && !a.is_negative(),
            Property::Homogeneity => kind == Kind::Scale,
            Property::Odd => kind == Kind::Odd,
            Property::Affine => kind == Kind::Midpoint,
            Property::Linear => matches!(kind, Kind::Midpoint | Kind::Scale | Kind::Additive),
        };
        if !refutes || !c.recheck(self.net, &self.domain) {
            return None;
        }
        let why = explain(property, c, self.net, &self.domain);
        Some(exact(property, Outcome::Fails(c.clone()), why))
    }

    /// The regions of `f` on the checker's domain (shared by several decisions).
    pub fn regions(&self) -> Result<Regions> {
        self.enumerate(self.net, self.domain.clone())
    }

    /// Decides one property exactly.
    pub fn check(&self, property: Property) -> Result<Verdict> {
        property.check_domain(&self.domain)?;
        if self.net.is_curved() {
            return self.check_enclosure(property);
        }
        if let Some(v) = self.quick_verdict(property) {
            return v;
        }
        let regions = self.regions()?;
        self.check_with(property, &regions)
    }

    /// Decides every applicable property (the `all` table) from one enumeration.
    pub fn check_all(&self) -> Result<Vec<Verdict>> {
        if self.net.is_curved() {
            return Property::ALL
                .into_iter()
                .filter(|p| p.check_domain(&self.domain).is_ok())
                .map(|p| self.check_enclosure(p))
                .collect();
        }
        let applicable = Property::ALL
            .into_iter()
            .filter(|p| p.check_domain(&self.domain).is_ok());
        let quick: Vec<(Property, Option<Result<Verdict>>)> =
            applicable.map(|p| (p, self.quick_verdict(p))).collect();
        // One enumeration, and only when a quick refutation leaves some property open.
        let mut regions = None;
        let mut out = Vec::with_capacity(quick.len());
        for (p, v) in quick {
            if let Some(v) = v {
                out.push(v?);
                continue;
            }
            if regions.is_none() {
                regions = Some(self.regions()?);
            }
            if let Some(r) = &regions {
                out.push(self.check_with(p, r)?);
            }
        }
        Ok(out)
    }

    /// Decides one property from already enumerated regions of `f` on the domain.
    pub fn check_with(&self, property: Property, regions: &Regions) -> Result<Verdict> {
        property.check_domain(&self.domain)?;
        if self.net.is_curved() {
            // The regions of a curved network carry no exact maps: never decide from them.
            return self.check_enclosure(property);
        }
        match property {
            Property::PositiveHomogeneity | Property::Homogeneity => {
                self.check_homogeneity(property, regions)
            }
            Property::Odd => self.check_odd(regions),
            Property::Additivity | Property::Linear | Property::Affine => {
                self.check_one_map(property, regions)
            }
        }
    }

    /// (Positive) homogeneity: every offset 0, and for all real scalars also odd.
    fn check_homogeneity(&self, property: Property, regions: &Regions) -> Result<Verdict> {
        let n = regions.regions.len();
        if let Some(r) = regions.regions.iter().find(|r| !r.map.is_linear()) {
            let c = self.scale_counterexample(regions, r.id);
            return exact_fail(
                self,
                property,
                c,
                format!(
                    "region {} (pattern {}) has a non-zero offset",
                    r.id, r.pattern
                ),
            );
        }
        if !regions.is_complete() {
            return Ok(incomplete(property, &regions.stop));
        }
        if property == Property::PositiveHomogeneity {
            return Ok(exact(
                property,
                Outcome::Holds,
                format!("every one of the {n} regions has offset 0"),
            ));
        }
        let odd = self.check_odd(regions)?;
        Ok(match odd.outcome {
            Outcome::Holds => exact(
                property,
                Outcome::Holds,
                format!(
                    "positively homogeneous (every one of the {n} regions has offset 0) and odd"
                ),
            ),
            Outcome::Fails(Counterexample::Odd { x, .. }) => {
                let c =
                    Counterexample::build(Kind::Scale, self.net, &self.domain, &-Q::ONE, &x, &[]);
                return exact_fail(
                    self,
                    property,
                    c,
                    "positively homogeneous but not odd, so a = -1 fails".into(),
                );
            }
            other => exact(property, other, odd.reason),
        })
    }

    /// Additivity, linearity, affinity: one map on every region (with offset 0 but for
    /// affinity).
    fn check_one_map(&self, property: Property, regions: &Regions) -> Result<Verdict> {
        let n = regions.regions.len();
        let distinct_maps = regions
            .regions
            .iter()
            .any(|r| r.map != regions.regions[0].map);
        if distinct_maps {
            let c = self.midpoint_or_additive(regions, property);
            return exact_fail(
                self,
                property,
                c,
                "two adjacent regions carry different affine maps".to_string(),
            );
        }
        let needs_zero_offset = property != Property::Affine;
        if needs_zero_offset && let Some(r) = regions.regions.iter().find(|r| !r.map.is_linear()) {
            let c = if property == Property::Additivity {
                self.additive_from_offset(regions, r.id)
            } else {
                self.scale_counterexample(regions, r.id)
            };
            return exact_fail(
                self,
                property,
                c,
                format!(
                    "f is affine here but its offset is {}",
                    format_point(&r.map.c)
                ),
            );
        }
        if !regions.is_complete() {
            return Ok(incomplete(property, &regions.stop));
        }
        let map = regions
            .regions
            .first()
            .map(|r| map_formulas(r, &self.domain.coordinate_names()).join("; "))
            .unwrap_or_default();
        Ok(exact(
            property,
            Outcome::Holds,
            if n == 1 {
                format!("the domain is a single region, with the map {map}")
            } else {
                format!("all {n} regions carry the same map: {map}")
            },
        ))
    }

    fn check_odd(&self, regions: &Regions) -> Result<Verdict> {
        // A quick exact refutation first: f(-p) = -f(p) at the regions' interior points.
        // Only when it holds at all of them are the regions of f(x) + f(-x) enumerated.
        let budget = &self.budget;
        let within = regions.regions.iter().enumerate();
        let points = within.take_while(|(i, _)| i % 64 != 63 || !budget.expired());
        let found = self.best(points.filter_map(|(_, r)| {
            Counterexample::build(
                Kind::Odd,
                self.net,
                &self.domain,
                &Q::ZERO,
                &r.interior_point,
                &[],
            )
        }));
        if let Some(c) = found {
            return exact_fail(
                self,
                Property::Odd,
                Some(self.shrink(c)),
                "f(-x) differs from -f(x) at an interior point of a region".into(),
            );
        }
        let g = odd_sum_network(self.net);
        let gr = self.enumerate(&g, self.domain.clone())?;
        let bad = gr.regions.iter().find(|r| {
            r.map.c.iter().any(|v| !v.is_zero())
                || r.map.a.iter_rows().flatten().any(|v| !v.is_zero())
        });
        let exact = |outcome, reason| Verdict {
            property: Property::Odd,
            outcome,
            method: Method::Exact,
            reason,
        };
        if let Some(r) = bad {
            // g is a non-zero affine map on r: it is non-zero at the interior point or at
            // one of its small moves along the axes.
            let p = &r.interior_point;
            let mut candidates = vec![p.clone()];
            let step = step_inside(&r.polytope, p);
            for j in 0..p.len() {
                let mut q = p.clone();
                q[j] += &step;
                candidates.push(q);
            }
            let c = self
                .best(candidates.into_iter().filter_map(|x| {
                    Counterexample::build(Kind::Odd, self.net, &self.domain, &Q::ZERO, &x, &[])
                }))
                .map(|c| self.shrink(c));
            return exact_fail(
                self,
                Property::Odd,
                c,
                format!(
                    "f(x) + f(-x) is not identically 0 (pattern {} of the sum network)",
                    r.pattern
                ),
            );
        }
        if !gr.is_complete() {
            return Ok(exact(
                Outcome::Unknown(format!(
                    "not established: region enumeration {}",
                    gr.stop.describe()
                )),
                "the regions are incomplete".into(),
            ));
        }
        Ok(exact(
            Outcome::Holds,
            format!(
                "f(x) + f(-x) is 0 on all {} of its regions",
                gr.regions.len()
            ),
        ))
    }

    /// `(a, x)` with `f(a x) != a f(x)`, from a region with a non-zero offset.
    fn scale_counterexample(&self, regions: &Regions, id: usize) -> Option<Counterexample> {
        let r = &regions.regions[id];
        let p = &r.interior_point;
        let dom = &self.domain;
        let in_dom = |a: &Q, x: &[Q]| dom.contains(x) && dom.contains(&scale(a, x));
        let mut cands = vec![];
        // a close to 1 keeps a·p inside the region, where f(a p) - a f(p) = (1 - a) c != 0.
        let delta = step_inside_along(&r.polytope, p, p);
        for a in [
            Q::ZERO,
            Q::from_int(2),
            Q::new(1, 2),
            &Q::ONE + &delta,
            &Q::ONE - &delta,
        ] {
            if !a.is_negative() && in_dom(&a, p) {
                cands.push((a, p.clone()));
            }
        }
        if dom.contains(&vec![Q::ZERO; p.len()]) {
            cands.push((Q::ZERO, vec![Q::ZERO; p.len()]));
        }
        let net = self.net;
        let c = self.best(
            cands
                .into_iter()
                .filter_map(|(a, x)| Counterexample::build(Kind::Scale, net, dom, &a, &x, &[])),
        )?;
        Some(self.shrink(c))
    }

    /// Additivity fails on a positively non-homogeneous f: `(x, y)` from a region with a
    /// non-zero offset.
    fn additive_from_offset(&self, regions: &Regions, id: usize) -> Option<Counterexample> {
        let dom = &self.domain;
        let net = self.net;
        let k = dom.dim();
        let zero = vec![Q::ZERO; k];
        let mut cands: Vec<(Vec<Q>, Vec<Q>)> = vec![(zero.clone(), zero.clone())];
        let p = regions.regions[id].interior_point.clone();
        cands.push((p.clone(), p.clone()));
        cands.push((p.clone(), zero.clone()));
        // Along the ray through p the map a ↦ f(a p) starts linear (f(0) = 0 here) and
        // bends at a first breakpoint a1 < 1; x = y = (a/2) p with a just past a1 fails.
        if let Ok(seg) = Domain::segment(dom.to_input(&zero), dom.to_input(&p))
            && let Ok(r) = self.segment_regions(seg)
            && r.regions.len() >= 2
        {
            let upper = |i: usize| -> Option<Q> {
                r.regions[i]
                    .polytope
                    .constraints()
                    .iter()
                    .filter(|h| h.a[0].is_positive())
                    .map(|h| &h.b / &h.a[0])
                    .min()
            };
            if let (Some(a1), Some(a2)) = (upper(0), upper(1)) {
                let eta = (a1.clone().min(&a2 - &a1)) / Q::from_int(2);
                let a = &a1 + &eta;
                let x = scale(&(&a / Q::from_int(2)), &p);
                cands.push((x.clone(), x));
            }
        }
        let c = self.best(
            cands
                .into_iter()
                .filter(|(x, y)| dom.contains(x) && dom.contains(y))
                .filter_map(|(x, y)| {
                    Counterexample::build(Kind::Additive, net, dom, &Q::ZERO, &x, &y)
                }),
        )?;
        Some(self.shrink(c))
    }

    /// Two adjacent regions with different maps: a facet point moved across it both ways.
    fn midpoint_or_additive(
        &self,
        regions: &Regions,
        property: Property,
    ) -> Option<Counterexample> {
        let kind = if property == Property::Additivity {
            Kind::Additive
        } else {
            Kind::Midpoint
        };
        let dom = &self.domain;
        let net = self.net;
        let mut cands = vec![];
        'outer: for r in &regions.regions {
            if self.budget.expired() {
                break;
            }
            for (fi, f) in r.facets.iter().enumerate() {
                for &nb in &f.neighbours {
                    let other = &regions.regions[nb];
                    if other.map == r.map || nb < r.id {
                        continue;
                    }
                    let Some(f0) = r.polytope.facet_point(fi) else {
                        continue;
                    };
                    let n = &f.constraint.a;
                    let mut eps = Q::ONE;
                    for _ in 0..64 {
                        let x: Vec<Q> = f0.iter().zip(n).map(|(a, b)| a + &eps * b).collect();
                        let y: Vec<Q> = f0.iter().zip(n).map(|(a, b)| a - &eps * b).collect();
                        if other.polytope.contains_strictly(&x) && r.polytope.contains_strictly(&y)
                        {
                            // (f(x) + f(y))/2 - f(f0) = eps·(A2 - A1)·n/2 != 0, and for a
                            // positively homogeneous f, f(x + y) = f(2 f0) = 2 f(f0).
                            cands.push((x, y));
                            break;
                        }
                        eps /= Q::from_int(2);
                    }
                    if cands.len() >= 8 {
                        break 'outer;
                    }
                }
            }
        }
        if cands.is_empty() {
            // No facet information (e.g. the details were cut short by a budget): restrict f
            // to segments between interior points of regions with different maps. A function
            // affine on every segment of a convex set is affine, so some segment bends; the
            // exact 1-D regions of that segment give its first breakpoint b, and b ± eps·d
            // straddle it.
            let rs = &regions.regions;
            let mut pairs = vec![];
            for i in 0..rs.len().min(16) {
                for j in i + 1..rs.len().min(64) {
                    if rs[i].map != rs[j].map {
                        pairs.push((i, j));
                    }
                }
            }
            for (i, j) in pairs.into_iter().take(32) {
                if self.budget.expired() {
                    break;
                }
                if let Some((x, y)) =
                    self.straddle_on_segment(&rs[i].interior_point, &rs[j].interior_point)
                {
                    cands.push((x, y));
                    if cands.len() >= 4 {
                        break;
                    }
                }
            }
        }
        if kind == Kind::Additive {
            // Additivity also fails wherever positive homogeneity does.
            if let Some(r) = regions.regions.iter().find(|r| !r.map.is_linear())
                && let Some(c) = self.additive_from_offset(regions, r.id)
            {
                let (_, _, x, y) = c.parts();
                cands.push((x, y));
            }
        }
        let c = self.best(
            cands
                .into_iter()
                .filter_map(|(x, y)| Counterexample::build(kind, net, dom, &Q::ZERO, &x, &y)),
        )?;
        Some(self.shrink(c))
    }

    /// Two points on the segment from `p` to `q` (domain coordinates) that straddle the
    /// segment's first breakpoint, or `None` when f is affine along it.
    fn straddle_on_segment(&self, p: &[Q], q: &[Q]) -> Option<(Vec<Q>, Vec<Q>)> {
        let dom = &self.domain;
        let seg = Domain::segment(dom.to_input(p), dom.to_input(q)).ok()?;
        let r = self.segment_regions(seg).ok()?;
        let rs = &r.regions;
        let at = |s: &Q| -> Vec<Q> { p.iter().zip(q).map(|(a, b)| a + s * (b - a)).collect() };
        for w in rs.windows(2) {
            if w[0].map == w[1].map {
                continue;
            }
            // Breakpoint: the largest s of the left region.
            let b = w[0]
                .polytope
                .constraints()
                .iter()
                .filter(|h| h.a[0].is_positive())
                .map(|h| &h.b / &h.a[0])
                .min()?;
            let lo = &w[0].interior_point[0];
            let hi = &w[1].interior_point[0];
            let eps = (&b - lo).min(hi - &b) / Q::from_int(2);
            if !eps.is_positive() {
                continue;
            }
            return Some((at(&(&b - &eps)), at(&(&b + &eps))));
        }
        None
    }

    /// The complete regions of `f` on a segment (no details), within the budget: an error
    /// when the budget cuts them short (a counterexample is built from all of them).
    fn segment_regions(&self, seg: Domain) -> Result<Regions> {
        let r = Enumerator::new(self.net, seg)
            .with_details(false)
            .with_budget(self.budget)
            .run()?;
        if !r.is_complete() {
            return Err(Error::Invalid(format!(
                "the regions of a segment are incomplete: {}",
                r.stop.describe()
            )));
        }
        Ok(r)
    }

    /// `c` made small ([`Counterexample::shrink`]) on this checker's network and domain.
    fn shrink(&self, c: Counterexample) -> Counterexample {
        c.shrink(self.net, &self.domain)
    }

    fn best(&self, it: impl Iterator<Item = Counterexample>) -> Option<Counterexample> {
        it.min_by_key(Counterexample::complexity)
    }
}

/// A positive step `t` such that `p + t·e_j` and `p - t·e_j` stay strictly inside (for
/// every axis `j`).
fn step_inside(poly: &crate::geometry::polytope::Polytope, p: &[Q]) -> Q {
    let mut t = Q::ONE;
    for h in poly.constraints() {
        let slack = h.slack(p);
        let m = h.a.iter().map(Q::abs).max().unwrap_or(Q::ZERO);
        if m.is_positive() {
            let bound = slack / (Q::from_int(2) * m);
            if bound < t {
                t = bound;
            }
        }
    }
    t
}

/// A positive `t` such that `p ± t·v` stays strictly inside.
fn step_inside_along(poly: &crate::geometry::polytope::Polytope, p: &[Q], v: &[Q]) -> Q {
    let mut t = Q::new(1, 2);
    for h in poly.constraints() {
        let slack = h.slack(p);
        let av = crate::exact::rational::dot(&h.a, v).abs();
        if av.is_positive() {
            let bound = slack / (Q::from_int(2) * av);
            if bound < t {
                t = bound;
            }
        }
    }
    t
}

/// A verdict decided exactly from the regions.
fn exact(property: Property, outcome: Outcome, reason: String) -> Verdict {
    Verdict {
        property,
        outcome,
        method: Method::Exact,
        reason,
    }
}

/// The verdict when the regions are incomplete and nothing was refuted.
fn incomplete(property: Property, stop: &StopReason) -> Verdict {
    exact(
        property,
        Outcome::Unknown(format!(
            "not established: region enumeration {}",
            stop.describe()
        )),
        "the regions are incomplete".into(),
    )
}

/// The property fails, shown by the counterexample `c` (an internal error when none could
/// be built).
///
/// The verdict's reason describes `c` itself ([`explain`]); `reason` (what the regions
/// showed) only names the failure when no counterexample could be built.
fn exact_fail(
    checker: &Checker<'_>,
    property: Property,
    c: Option<Counterexample>,
    reason: String,
) -> Result<Verdict> {
    match c {
        Some(c) => {
            let why = explain(property, &c, checker.net, &checker.domain);
            Ok(exact(property, Outcome::Fails(c), why))
        }
        None if checker.budget.expired() => Ok(exact(
            property,
            Outcome::Unknown(format!(
                "not established: the time limit{} ran out while a counterexample was built ({reason})",
                checker
                    .budget
                    .time_limit()
                    .map_or(String::new(), |t| format!(" of {:.1} s", t.as_secs_f64()))
            )),
            "the time limit ran out".into(),
        )),
        None => Err(Error::Invalid(format!(
            "internal error: {} fails ({reason}) but no counterexample could be built; please report this network",
            property.name()
        ))),
    }
}

/// The network `g(x) = f(x) + f(-x)`: two copies of `f` side by side (block-diagonal dense
/// and convolution layers, doubled channels for pooling and activations) fed `x` and `-x`,
/// summed at the end. `f` is odd iff `g` is identically zero.
pub fn odd_sum_network(net: &Network) -> Network {
    let mut layers = vec![x_and_minus_x(net.input_shape())];
    layers.extend(net.layers().iter().map(side_by_side));
    layers.push(sum_of_copies(net.output_dim()));
    let input = net.input_shape();
    // Pooling and activations act per channel, so doubling the channels keeps the copies
    // apart; flatten keeps copy 1 before copy 2.
    Network::new(input, layers)
        .expect("doubling a valid network gives a valid network")
        .with_name(format!(
            "f(x) + f(-x) for {}",
            net.name.as_deref().unwrap_or("the network")
        ))
}

/// The first layer of [`odd_sum_network`]: `x` and `-x` stacked (as channels for images).
fn x_and_minus_x(input: Shape) -> Layer {
    match input {
        Shape::Flat(d) => {
            let mut w = Matrix::zeros(2 * d, d);
            for i in 0..d {
                w[(i, i)] = Q::ONE;
                w[(d + i, i)] = -Q::ONE;
            }
            Layer::Dense {
                weights: w,
                bias: vec![Q::ZERO; 2 * d],
            }
        }
        Shape::Chw(c, _, _) => {
            let mut w = vec![Q::ZERO; 2 * c * c];
            for i in 0..c {
                w[i * c + i] = Q::ONE;
                w[(c + i) * c + i] = -Q::ONE;
            }
            Layer::Conv2d {
                weights: w,
                out_channels: 2 * c,
                in_channels: c,
                kernel: (1, 1),
                bias: vec![Q::ZERO; 2 * c],
                stride: (1, 1),
                padding: (0, 0),
            }
        }
    }
}

/// A layer applied to two stacked copies of its input: block-diagonal weights, doubled
/// biases and per-channel parameters.
fn side_by_side(layer: &Layer) -> Layer {
    match layer {
        Layer::Dense { weights, bias } => {
            let (m, n) = (weights.rows(), weights.cols());
            let mut w = Matrix::zeros(2 * m, 2 * n);
            for i in 0..m {
                for j in 0..n {
                    w[(i, j)] = weights[(i, j)].clone();
                    w[(m + i, n + j)] = weights[(i, j)].clone();
                }
            }
            Layer::Dense {
                weights: w,
                bias: bias.iter().chain(bias).cloned().collect(),
            }
        }
        Layer::Conv2d {
            weights,
            out_channels,
            in_channels,
            kernel,
            bias,
            stride,
            padding,
        } => {
            let (o, i, kk) = (*out_channels, *in_channels, kernel.0 * kernel.1);
            let mut w = vec![Q::ZERO; 4 * o * i * kk];
            for oc in 0..o {
                for ic in 0..i {
                    for t in 0..kk {
                        let v = &weights[(oc * i + ic) * kk + t];
                        w[(oc * 2 * i + ic) * kk + t] = v.clone();
                        w[((o + oc) * 2 * i + i + ic) * kk + t] = v.clone();
                    }
                }
            }
            Layer::Conv2d {
                weights: w,
                out_channels: 2 * o,
                in_channels: 2 * i,
                kernel: *kernel,
                bias: bias.iter().chain(bias).cloned().collect(),
                stride: *stride,
                padding: *padding,
            }
        }
        // Both copies through the block: [x1; x2] -> [P(x1) + F(x1); P(x2) + F(x2)].
        Layer::Residual { layers, skip } => Layer::Residual {
            layers: layers.iter().map(side_by_side).collect(),
            skip: skip.iter().map(side_by_side).collect(),
        },
        Layer::Activation(Activation::PRelu { alpha }) if alpha.len() > 1 => {
            Layer::Activation(Activation::PRelu {
                alpha: alpha.iter().chain(alpha).cloned().collect(),
            })
        }
        other => other.clone(),
    }
}

/// The last layer of [`odd_sum_network`]: the two copies' outputs summed.
fn sum_of_copies(m: usize) -> Layer {
    let mut sum = Matrix::zeros(m, 2 * m);
    for i in 0..m {
        sum[(i, i)] = Q::ONE;
        sum[(i, m + i)] = Q::ONE;
    }
    Layer::Dense {
        weights: sum,
        bias: vec![Q::ZERO; m],
    }
}

#[cfg(feature = "testing")]
impl Checker<'_> {
    /// Searches for a counterexample with proptest (`cases` random cases from `seed`,
    /// shrunk toward small numerators and denominators). A search can find a failure, which
    /// is then re-checked exactly, but it cannot prove a property: when it finds nothing the
    /// outcome is [`Outcome::Unknown`].
    ///
    /// ```
    /// use relucheck::{Checker, Domain, Network, Property};
    /// let relu = Network::from_json_str(
    ///     r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "relu"}]}"#).unwrap();
    /// let v = Checker::new(&relu, Domain::whole(1)).search(Property::Additivity, 256, 7).unwrap();
    /// assert_eq!(v.holds(), Some(false));
    /// ```
    pub fn search(&self, property: Property, cases: u32, seed: u64) -> Result<Verdict> {
        use proptest::strategy::{Just, Strategy};
        use proptest::test_runner::{
            Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
        };
        property.check_domain(&self.domain)?;
        if self.net.is_curved() {
            return Ok(Verdict {
                property,
                outcome: Outcome::Unknown(
                    "the exact search does not apply to ELU/SELU networks (their values are irrational); the enclosure check already searched".into(),
                ),
                method: Method::Search { cases: 0, seed },
                reason: "not run".into(),
            });
        }
        let dom = &self.domain;
        let net = self.net;
        let pts = point_strategy(dom);
        let scalars = crate::net::strategies::rational_in(6, 6);
        let (kinds, strat): (Vec<Kind>, Cases) = match property {
            Property::Additivity => (
                vec![Kind::Additive],
                (Just(Q::ZERO), pts.clone(), pts).boxed(),
            ),
            Property::PositiveHomogeneity => (
                vec![Kind::Scale],
                (scalars.prop_map(|a| a.abs()), pts, Just(vec![])).boxed(),
            ),
            Property::Homogeneity => (vec![Kind::Scale], (scalars, pts, Just(vec![])).boxed()),
            Property::Odd => (vec![Kind::Odd], (Just(Q::ZERO), pts, Just(vec![])).boxed()),
            Property::Affine => (
                vec![Kind::Midpoint],
                (Just(Q::ZERO), pts.clone(), pts).boxed(),
            ),
            Property::Linear => (
                vec![Kind::Midpoint, Kind::Scale],
                (scalars.prop_map(|a| a.abs()), pts.clone(), pts).boxed(),
            ),
        };
        let budget = self.budget;
        let find = |(a, x, y): &(Q, Vec<Q>, Vec<Q>)| -> Option<Counterexample> {
            if budget.expired() {
                return None; // the cases left pass at once
            }
            kinds.iter().find_map(|&kind| {
                if kind == Kind::Scale && !dom.contains(&scale(a, x)) {
                    return None;
                }
                Counterexample::build(kind, net, dom, a, x, y)
            })
        };
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (seed >> ((i % 8) * 8)) as u8 ^ (i as u8).wrapping_mul(37);
        }
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
        let result = runner.run(&strat, |v| match find(&v) {
            Some(c) => Err(TestCaseError::fail(c.describe())),
            None => Ok(()),
        });
        let method = Method::Search { cases, seed };
        Ok(match result {
            Ok(()) => Verdict {
                property,
                outcome: Outcome::Unknown(search_found_nothing(cases, &budget)),
                method,
                reason: "search found nothing".into(),
            },
            Err(TestError::Fail(_, v)) => match find(&v) {
                Some(c) => Verdict {
                    property,
                    outcome: Outcome::Fails(c),
                    method,
                    reason: "proptest found and shrank a counterexample, re-checked exactly".into(),
                },
                None => {
                    return Err(Error::Invalid(
                        "internal error: the shrunk search case no longer fails".into(),
                    ));
                }
            },
            Err(TestError::Abort(why)) => Verdict {
                property,
                outcome: Outcome::Unknown(format!("search aborted: {why}")),
                method,
                reason: "search aborted".into(),
            },
        })
    }
}

/// Why a search that found nothing is unknown.
#[cfg(feature = "testing")]
fn search_found_nothing(cases: u32, budget: &Budget) -> String {
    if budget.expired() {
        format!("no counterexample before the time limit ran out (of {cases} random cases)")
    } else {
        format!(
            "no counterexample in {cases} random cases (a search cannot prove a property; drop --search for the exact decision)"
        )
    }
}

/// Search cases: a scalar and two points.
#[cfg(feature = "testing")]
type Cases = proptest::strategy::BoxedStrategy<(Q, Vec<Q>, Vec<Q>)>;

/// Random points of a domain (in domain coordinates) that shrink toward simple values.
#[cfg(feature = "testing")]
fn point_strategy(dom: &Domain) -> proptest::strategy::BoxedStrategy<Vec<Q>> {
    use proptest::strategy::Strategy;
    let k = dom.dim();
    let unit = || (0i64..=64, 0i64..6).prop_map(|(n, e)| Q::new(n.min(1 << e), 1 << e));
    let in_box = |lo: Vec<Q>, hi: Vec<Q>| {
        proptest::collection::vec(unit(), lo.len())
            .prop_map(move |t| {
                t.iter()
                    .zip(lo.iter().zip(&hi))
                    .map(|(t, (l, h))| l + t * (h - l))
                    .collect()
            })
            .boxed()
    };
    match dom.kind() {
        DomainKind::Whole => crate::net::strategies::vector(k).boxed(),
        DomainKind::Orthant => crate::net::strategies::vector(k)
            .prop_map(|v| v.into_iter().map(|x| x.abs()).collect())
            .boxed(),
        DomainKind::Box { lo, hi } => in_box(lo.clone(), hi.clone()),
        DomainKind::Slice {
            bounds: Some((lo, hi)),
            ..
        } => in_box(lo.clone(), hi.clone()),
        DomainKind::Slice { bounds: None, .. } => crate::net::strategies::vector(2).boxed(),
        DomainKind::Segment { .. } => in_box(vec![Q::ZERO], vec![Q::ONE]),
    }
}

/// A counterexample for a network with ELU/SELU layers: the two sides of the property's
/// equation at exact rational inputs are only *enclosed* (they are irrational), but their
/// enclosures are disjoint in output [`CertifiedCounterexample::output`], so the true values
/// differ. That certifies the failure as surely as an exact computation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertifiedCounterexample {
    kind: Kind,
    /// The scalar (homogeneity).
    pub a: Option<Q>,
    /// The first input (domain coordinates).
    pub x: Vec<Q>,
    /// The second input (additivity, affinity).
    pub y: Option<Vec<Q>>,
    /// Enclosures of the left side (`f(x)+f(y)`, `a·f(x)`, `-f(x)`, `(f(x)+f(y))/2`).
    pub left: Vec<Interval>,
    /// Enclosures of the right side (`f(x+y)`, `f(a·x)`, `f(-x)`, `f((x+y)/2)`).
    pub right: Vec<Interval>,
    /// An output where the enclosures are disjoint.
    pub output: usize,
    /// Significant bits of the enclosures.
    pub precision: u32,
}

impl CertifiedCounterexample {
    fn build(
        kind: Kind,
        net: &Network,
        dom: &Domain,
        a: &Q,
        x: &[Q],
        y: &[Q],
        bits: u32,
    ) -> Result<Option<Self>> {
        let f = |p: &[Q]| net.eval_enclosure(&dom.to_input(p), bits);
        let add_iv = |u: &[Interval], v: &[Interval]| -> Vec<Interval> {
            u.iter()
                .zip(v)
                .map(|(p, q)| p.add(q).rounded(bits))
                .collect()
        };
        let scale_iv = |c: &Q, u: &[Interval]| -> Vec<Interval> {
            u.iter().map(|p| p.scale(c).rounded(bits)).collect()
        };
        let (left, right) = match kind {
            Kind::Additive => (add_iv(&f(x)?, &f(y)?), f(&add(x, y))?),
            Kind::Scale => (scale_iv(a, &f(x)?), f(&scale(a, x))?),
            Kind::Odd => (scale_iv(&-Q::ONE, &f(x)?), f(&scale(&-Q::ONE, x))?),
            Kind::Midpoint => {
                let half = Q::new(1, 2);
                (
                    scale_iv(&half, &add_iv(&f(x)?, &f(y)?)),
                    f(&scale(&half, &add(x, y)))?,
                )
            }
        };
        let Some(output) = (0..left.len()).find(|&i| left[i].disjoint(&right[i])) else {
            return Ok(None);
        };
        Ok(Some(CertifiedCounterexample {
            kind,
            a: matches!(kind, Kind::Scale).then(|| a.clone()),
            x: x.to_vec(),
            y: matches!(kind, Kind::Additive | Kind::Midpoint).then(|| y.to_vec()),
            left,
            right,
            output,
            precision: bits,
        }))
    }

    /// Recomputes both enclosures at the stored inputs and precision and confirms that they
    /// are the stated, disjoint ones.
    pub fn recheck(&self, net: &Network, dom: &Domain) -> bool {
        let a = self.a.clone().unwrap_or(Q::ZERO);
        let y = self.y.clone().unwrap_or_default();
        matches!(
            CertifiedCounterexample::build(self.kind, net, dom, &a, &self.x, &y, self.precision),
            Ok(Some(c)) if c == *self
        )
    }

    fn sides_text(&self) -> (String, String) {
        match self.kind {
            Kind::Additive => ("f(x)+f(y)".into(), "f(x+y)".into()),
            Kind::Scale => ("a·f(x)".into(), "f(a·x)".into()),
            Kind::Odd => ("-f(x)".into(), "f(-x)".into()),
            Kind::Midpoint => ("(f(x)+f(y))/2".into(), "f((x+y)/2)".into()),
        }
    }

    /// One line, e.g. `a = 2, x = [-1]: a·f(x) ∈ [-1.26424111765711535681, ...], f(a·x) ∈
    /// [...]: disjoint, so the two sides differ`. Endpoints are shown as decimals rounded
    /// outward (still enclosures); the JSON has the exact ones.
    pub fn describe(&self) -> String {
        let p = |v: &[Q]| format_point(v);
        let mut head = String::new();
        if let Some(a) = &self.a {
            head += &format!("a = {a}, ");
        }
        head += &format!("x = {}", p(&self.x));
        if let Some(y) = &self.y {
            head += &format!(", y = {}", p(y));
        }
        let (l, r) = self.sides_text();
        let i = self.output;
        let (li, ri) = (&self.left[i], &self.right[i]);
        let d = li.display_digits().max(ri.display_digits());
        let which = if self.left.len() > 1 {
            format!(" (output {})", i + 1)
        } else {
            String::new()
        };
        format!(
            "{head}: {l} ∈ {}, {r} ∈ {}{which}: disjoint, so the two sides differ",
            li.to_decimal(d),
            ri.to_decimal(d)
        )
    }

    /// As JSON: the inputs, `"certified": true`, the output index and both sides'
    /// enclosures as exact `{"lo", "hi"}` strings.
    pub fn to_json(&self) -> Value {
        let ivs = |v: &[Interval]| -> Value {
            Value::Array(
                v.iter()
                    .map(|i| json!({"lo": i.lo().to_string(), "hi": i.hi().to_string()}))
                    .collect(),
            )
        };
        let (l, r) = self.sides_text();
        let mut v = json!({"x": qs_to_strings(&self.x), "certified": true, "output": self.output, "precision": self.precision});
        if let Some(a) = &self.a {
            v["a"] = json!(a.to_string());
        }
        if let Some(y) = &self.y {
            v["y"] = qs_to_strings(y);
        }
        v[l] = ivs(&self.left);
        v[r] = ivs(&self.right);
        v
    }
}

/// Candidate inputs for the enclosure search, simplest first: multiples of unit vectors and
/// of the all-ones vector, a few mixed-sign points, and interior points of the sign regions.
fn enclosure_candidates(checker: &Checker<'_>) -> Vec<Vec<Q>> {
    let k = checker.domain.dim();
    let vals = [
        Q::ONE,
        -Q::ONE,
        Q::from_int(2),
        Q::from_int(-2),
        Q::new(1, 2),
        Q::new(-1, 2),
        Q::from_int(3),
        Q::from_int(-3),
    ];
    let mut out: Vec<Vec<Q>> = Vec::new();
    let mut push = |p: Vec<Q>| {
        if checker.domain.contains(&p) && !out.contains(&p) {
            out.push(p);
        }
    };
    for v in &vals {
        for i in 0..k {
            let mut p = vec![Q::ZERO; k];
            p[i] = v.clone();
            push(p);
        }
        push(vec![v.clone(); k]);
    }
    // Mixed signs, from a fixed linear congruential sequence (deterministic).
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..24 {
        let p = (0..k)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                Q::new(
                    ((state >> 33) % 13) as i64 - 6,
                    1 + ((state >> 20) % 3) as i64,
                )
            })
            .collect();
        push(p);
    }
    if let Ok(regions) = Enumerator::new(checker.net, checker.domain.clone())
        .with_details(false)
        .with_budget(
            checker
                .budget
                .within(Duration::from_secs(2))
                .with_max_regions(64),
        )
        .run()
    {
        for r in regions.regions {
            push(r.interior_point);
        }
    }
    out
}

impl Checker<'_> {
    /// The check for networks with ELU/SELU layers: a deterministic search for inputs where
    /// the enclosures of the two sides are disjoint (a *certified* counterexample). When
    /// none is found the outcome is [`Outcome::Unknown`]: enclosures of irrational values
    /// can prove two values different, never equal, so "holds" cannot be certified.
    ///
    /// ```
    /// use relucheck::{Checker, Domain, Network, Property};
    /// let elu = Network::from_json_str(
    ///     r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "elu"}]}"#).unwrap();
    /// let v = Checker::new(&elu, Domain::whole(1)).check(Property::PositiveHomogeneity).unwrap();
    /// assert_eq!(v.holds(), Some(false));
    /// let c = v.certified().unwrap();
    /// assert!(c.describe().starts_with("a = 2, x = [-1]: a·f(x) ∈ [-1.26424111765711535"));
    /// assert!(c.recheck(&elu, &Domain::whole(1)));
    /// ```
    pub fn check_enclosure(&self, property: Property) -> Result<Verdict> {
        property.check_domain(&self.domain)?;
        let bits = crate::exact::interval::check_precision(self.precision)?;
        let cands = enclosure_candidates(self);
        let pairs_of = |n: usize| {
            let m = cands.len().min(n);
            (0..m).flat_map(move |i| (i..m).map(move |j| (i, j)))
        };
        let mut tries: Vec<(Kind, Q, usize, Option<usize>)> = Vec::new();
        let scales = |v: &[Q]| -> Vec<(Kind, Q, usize, Option<usize>)> {
            (0..cands.len())
                .flat_map(|i| v.iter().map(move |a| (Kind::Scale, a.clone(), i, None)))
                .collect()
        };
        match property {
            Property::PositiveHomogeneity => {
                tries = scales(&[Q::from_int(2), Q::new(1, 2), Q::from_int(3)]);
            }
            Property::Homogeneity => {
                tries = scales(&[-Q::ONE, Q::from_int(2), Q::from_int(-2), Q::new(1, 2)]);
            }
            Property::Odd => tries.extend((0..cands.len()).map(|i| (Kind::Odd, Q::ZERO, i, None))),
            Property::Additivity => {
                tries.extend(pairs_of(24).map(|(i, j)| (Kind::Additive, Q::ZERO, i, Some(j))));
            }
            Property::Affine | Property::Linear => {
                tries.extend(pairs_of(24).map(|(i, j)| (Kind::Midpoint, Q::ZERO, i, Some(j))));
                if property == Property::Linear {
                    tries.extend(scales(&[Q::from_int(2), Q::ZERO]));
                }
            }
        }
        let n = tries.len();
        for (t, (kind, a, i, j)) in tries.into_iter().enumerate() {
            if self.budget.expired() {
                return Ok(Verdict {
                    property,
                    outcome: Outcome::Unknown(format!(
                        "not established: the time limit ran out after {t} of {n} candidate tests of the enclosures"
                    )),
                    method: Method::Enclosure { precision: bits },
                    reason: "the time limit ran out".into(),
                });
            }
            let x = &cands[i];
            let y = j.map(|j| cands[j].clone()).unwrap_or_default();
            if kind == Kind::Scale && !self.domain.contains(&scale(&a, x)) {
                continue;
            }
            if let Some(c) =
                CertifiedCounterexample::build(kind, self.net, &self.domain, &a, x, &y, bits)?
            {
                return Ok(Verdict {
                    property,
                    outcome: Outcome::Certified(c),
                    method: Method::Enclosure { precision: bits },
                    reason: "ELU/SELU values are irrational, but the enclosures of the two sides are disjoint".into(),
                });
            }
        }
        Ok(Verdict {
            property,
            outcome: Outcome::Unknown(format!(
                "holds cannot be certified with enclosures: the network has ELU/SELU units (irrational values), enclosures can prove two values different but never equal, and none of {n} candidate tests gave disjoint enclosures"
            )),
            method: Method::Enclosure { precision: bits },
            reason: "no certified counterexample".into(),
        })
    }
}
