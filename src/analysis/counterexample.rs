//! Counterexamples: exact inputs at which a property's two sides differ, both sides
//! computed by exact evaluation, and the shrinker that makes them small.
//!
//! A [`Counterexample`] is only ever built by evaluating the network ([`Counterexample`]'s
//! constructor keeps a candidate only when the two sides differ), so every one that exists
//! is true; [`Counterexample::recheck`] re-derives it for anyone who doubts it.

use crate::exact::points::format_point;
use crate::exact::rational::Q;
use crate::net::network::Network;
use crate::output::qs_to_strings;
use crate::regions::domain::Domain;
use serde_json::{Value, json};

/// Exact inputs at which a property fails, with both sides computed exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Counterexample {
    /// `f(x) + f(y) != f(x + y)`.
    Additivity {
        /// First input.
        x: Vec<Q>,
        /// Second input.
        y: Vec<Q>,
        /// `f(x) + f(y)`.
        sum_of_values: Vec<Q>,
        /// `f(x + y)`.
        value_of_sum: Vec<Q>,
    },
    /// `f(a·x) != a·f(x)`.
    Homogeneity {
        /// The scalar.
        a: Q,
        /// The input.
        x: Vec<Q>,
        /// `a·f(x)`.
        scaled_value: Vec<Q>,
        /// `f(a·x)`.
        value_of_scaled: Vec<Q>,
    },
    /// `f(-x) != -f(x)`.
    Odd {
        /// The input.
        x: Vec<Q>,
        /// `-f(x)`.
        negated_value: Vec<Q>,
        /// `f(-x)`.
        value_of_negated: Vec<Q>,
    },
    /// `f((x + y)/2) != (f(x) + f(y))/2`: no single affine map fits `x`, `y` and their
    /// midpoint.
    Affine {
        /// First input.
        x: Vec<Q>,
        /// Second input.
        y: Vec<Q>,
        /// `(f(x) + f(y))/2`.
        mean_of_values: Vec<Q>,
        /// `f((x + y)/2)`.
        value_at_midpoint: Vec<Q>,
    },
}

pub(crate) fn add(a: &[Q], b: &[Q]) -> Vec<Q> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

pub(crate) fn scale(a: &Q, v: &[Q]) -> Vec<Q> {
    v.iter().map(|x| a * x).collect()
}

/// `f` in domain coordinates: `f(E(y))`.
fn eval_dom(net: &Network, dom: &Domain, y: &[Q]) -> Vec<Q> {
    net.eval(&dom.to_input(y))
        .expect("domain points have the network's input size")
}

impl Counterexample {
    /// Recomputes both sides exactly at the stored inputs (in domain coordinates of `dom`)
    /// and builds the counterexample, or `None` when the property holds there.
    pub(crate) fn build(
        kind: Kind,
        net: &Network,
        dom: &Domain,
        a: &Q,
        x: &[Q],
        y: &[Q],
    ) -> Option<Self> {
        let f = |p: &[Q]| eval_dom(net, dom, p);
        // Both sides are symmetric in x and y: write the smaller input first.
        let (x, y) = if matches!(kind, Kind::Additive | Kind::Midpoint) && y < x {
            (y, x)
        } else {
            (x, y)
        };
        let c = match kind {
            Kind::Additive => {
                let s = add(&f(x), &f(y));
                let v = f(&add(x, y));
                Counterexample::Additivity {
                    x: x.to_vec(),
                    y: y.to_vec(),
                    sum_of_values: s,
                    value_of_sum: v,
                }
            }
            Kind::Scale => Counterexample::Homogeneity {
                a: a.clone(),
                x: x.to_vec(),
                scaled_value: scale(a, &f(x)),
                value_of_scaled: f(&scale(a, x)),
            },
            Kind::Odd => Counterexample::Odd {
                x: x.to_vec(),
                negated_value: scale(&-Q::ONE, &f(x)),
                value_of_negated: f(&scale(&-Q::ONE, x)),
            },
            Kind::Midpoint => {
                let half = Q::new(1, 2);
                Counterexample::Affine {
                    x: x.to_vec(),
                    y: y.to_vec(),
                    mean_of_values: scale(&half, &add(&f(x), &f(y))),
                    value_at_midpoint: f(&scale(&half, &add(x, y))),
                }
            }
        };
        (!c.sides_agree()).then_some(c)
    }

    fn sides_agree(&self) -> bool {
        let (l, r) = self.sides();
        l == r
    }

    /// The two sides that differ.
    pub fn sides(&self) -> (&[Q], &[Q]) {
        match self {
            Counterexample::Additivity {
                sum_of_values,
                value_of_sum,
                ..
            } => (sum_of_values, value_of_sum),
            Counterexample::Homogeneity {
                scaled_value,
                value_of_scaled,
                ..
            } => (scaled_value, value_of_scaled),
            Counterexample::Odd {
                negated_value,
                value_of_negated,
                ..
            } => (negated_value, value_of_negated),
            Counterexample::Affine {
                mean_of_values,
                value_at_midpoint,
                ..
            } => (mean_of_values, value_at_midpoint),
        }
    }

    /// A midpoint counterexample (`f` not affine) written in `dom`'s coordinates, carried
    /// over to the network's input space, where it is one too: the domain's embedding is
    /// affine and keeps midpoints. Re-checked exactly; `None` for the other kinds (their
    /// failure on a part of the space says nothing about the rest).
    pub fn to_input_space(&self, net: &Network, dom: &Domain) -> Option<Counterexample> {
        let Counterexample::Affine { x, y, .. } = self else {
            return None;
        };
        let whole = Domain::whole(net.input_dim());
        let (x, y) = (dom.to_input(x), dom.to_input(y));
        Counterexample::build(Kind::Midpoint, net, &whole, &Q::ZERO, &x, &y)
    }

    /// Re-evaluates the network exactly and confirms that this is a counterexample with the
    /// stated values (`dom` gives the coordinates the inputs are written in).
    pub fn recheck(&self, net: &Network, dom: &Domain) -> bool {
        let (kind, a, x, y) = self.parts();
        Counterexample::build(kind, net, dom, &a, &x, &y).as_ref() == Some(self)
    }

    pub(crate) fn parts(&self) -> (Kind, Q, Vec<Q>, Vec<Q>) {
        match self {
            Counterexample::Additivity { x, y, .. } => {
                (Kind::Additive, Q::ZERO, x.clone(), y.clone())
            }
            Counterexample::Homogeneity { a, x, .. } => (Kind::Scale, a.clone(), x.clone(), vec![]),
            Counterexample::Odd { x, .. } => (Kind::Odd, Q::ZERO, x.clone(), vec![]),
            Counterexample::Affine { x, y, .. } => (Kind::Midpoint, Q::ZERO, x.clone(), y.clone()),
        }
    }

    /// One line, e.g. `x = [-1], y = [1]: f(x)+f(y) = [1], f(x+y) = [0]`.
    pub fn describe(&self) -> String {
        let p = |v: &[Q]| format_point(v);
        match self {
            Counterexample::Additivity {
                x,
                y,
                sum_of_values,
                value_of_sum,
            } => format!(
                "x = {}, y = {}: f(x)+f(y) = {}, f(x+y) = {}",
                p(x),
                p(y),
                p(sum_of_values),
                p(value_of_sum)
            ),
            Counterexample::Homogeneity {
                a,
                x,
                scaled_value,
                value_of_scaled,
            } => format!(
                "a = {a}, x = {}: a·f(x) = {}, f(a·x) = {}",
                p(x),
                p(scaled_value),
                p(value_of_scaled)
            ),
            Counterexample::Odd {
                x,
                negated_value,
                value_of_negated,
            } => format!(
                "x = {}: -f(x) = {}, f(-x) = {}",
                p(x),
                p(negated_value),
                p(value_of_negated)
            ),
            Counterexample::Affine {
                x,
                y,
                mean_of_values,
                value_at_midpoint,
            } => format!(
                "x = {}, y = {}: (f(x)+f(y))/2 = {}, f((x+y)/2) = {}",
                p(x),
                p(y),
                p(mean_of_values),
                p(value_at_midpoint)
            ),
        }
    }

    /// As JSON: inputs under `x` and `y` (additivity, affinity), `a` and `x` (homogeneity),
    /// `x` (oddness), and the two sides, as exact strings.
    pub fn to_json(&self) -> Value {
        let s = |v: &[Q]| qs_to_strings(v);
        match self {
            Counterexample::Additivity {
                x,
                y,
                sum_of_values,
                value_of_sum,
            } => {
                json!({"x": s(x), "y": s(y), "f(x)+f(y)": s(sum_of_values), "f(x+y)": s(value_of_sum)})
            }
            Counterexample::Homogeneity {
                a,
                x,
                scaled_value,
                value_of_scaled,
            } => {
                json!({"a": a.to_string(), "x": s(x), "a*f(x)": s(scaled_value), "f(a*x)": s(value_of_scaled)})
            }
            Counterexample::Odd {
                x,
                negated_value,
                value_of_negated,
            } => json!({"x": s(x), "-f(x)": s(negated_value), "f(-x)": s(value_of_negated)}),
            Counterexample::Affine {
                x,
                y,
                mean_of_values,
                value_at_midpoint,
            } => {
                json!({"x": s(x), "y": s(y), "(f(x)+f(y))/2": s(mean_of_values), "f((x+y)/2)": s(value_at_midpoint)})
            }
        }
    }

    /// A measure of simplicity (smaller is simpler): the sizes of all input numbers.
    pub(crate) fn complexity(&self) -> u64 {
        let (_, a, x, y) = self.parts();
        std::iter::once(&a).chain(&x).chain(&y).map(size).sum()
    }

    /// Makes a counterexample small: simpler numbers while it still fails, exactly checked.
    pub(crate) fn shrink(self, net: &Network, dom: &Domain) -> Counterexample {
        let c = self;
        let (kind, a, x, y) = c.parts();
        let mut vals: Vec<Q> = std::iter::once(a)
            .chain(x.iter().cloned())
            .chain(y.iter().cloned())
            .collect();
        let k = x.len();
        let rebuild = |v: &[Q]| -> Option<Counterexample> {
            let a = &v[0];
            let x = &v[1..1 + k];
            let y = &v[1 + k..];
            let ok_dom = dom.contains(x)
                && (y.is_empty() || dom.contains(y))
                && match kind {
                    Kind::Scale => {
                        (!a.is_negative() || c_allows_negative(&c)) && dom.contains(&scale(a, x))
                    }
                    _ => true,
                };
            if !ok_dom {
                return None;
            }
            Counterexample::build(kind, net, dom, a, x, y)
        };
        let mut best = c.clone();
        let first = if kind == Kind::Scale { 0 } else { 1 };
        for _round in 0..6 {
            let mut changed = false;
            for i in first..vals.len() {
                // The complexity is the sum of the sizes: only a smaller number can lower
                // it, so the others are not tried (a zero coordinate is never touched).
                let here = size(&vals[i]);
                for cand in simpler(&vals[i]).into_iter().filter(|c| size(c) < here) {
                    let mut v = vals.clone();
                    v[i] = cand;
                    if let Some(c2) = rebuild(&v)
                        && c2.complexity() < best.complexity()
                    {
                        best = c2;
                        vals = v;
                        changed = true;
                        break;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        best
    }
}

/// The size of one number in [`Counterexample::complexity`]: 0 for zero, else its bits
/// plus one.
fn size(v: &Q) -> u64 {
    if v.is_zero() { 0 } else { v.bits() + 1 }
}

/// The four shapes of counterexample, by the equation they test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Additive,
    Scale,
    Odd,
    Midpoint,
}

fn c_allows_negative(c: &Counterexample) -> bool {
    matches!(c, Counterexample::Homogeneity { a, .. } if a.is_negative())
}

/// Simpler numbers near `v`, simplest first: 0, ±1, nearby integers, nearby fractions
/// with small denominators.
fn simpler(v: &Q) -> Vec<Q> {
    let mut out = vec![Q::ZERO];
    let s = if v.is_negative() { -Q::ONE } else { Q::ONE };
    out.push(s.clone());
    out.push(v.floor());
    out.push(v.ceil());
    for den in [2i64, 3, 4, 8, 10, 16, 100] {
        let d = Q::from_int(den);
        let t = v * &d;
        out.push(t.floor() / &d);
        out.push(t.ceil() / &d);
    }
    out.push(v / Q::from_int(2));
    out.retain(|c| c != v);
    out.dedup();
    out
}
