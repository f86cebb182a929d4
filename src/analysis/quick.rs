//! Quick exact refutations, tried before any enumeration.
//!
//! Most networks people bring fail most properties at a simple point: `f(0) != 0` refutes
//! additivity, (positive) homogeneity, oddness and linearity at once, and a bend between
//! two unit vectors refutes affinity. Enumerating the regions of a 64-input network can take
//! minutes; evaluating it at a few dozen simple points takes milliseconds. So every
//! decision first tries these points, each candidate built and re-checked by exact
//! evaluation ([`Counterexample`]'s constructor computes both sides exactly and keeps the
//! candidate only when they differ), and enumerates only when none fails.
//!
//! A quick refutation is as exact as one found from the regions: the verdict's method is
//! [`Method::Exact`](crate::analysis::properties::Method::Exact). It can only refute; a
//! property that holds is still decided from the regions.

use crate::analysis::counterexample::{Counterexample, Kind};
use crate::analysis::property::Property;
use crate::exact::rational::Q;
use crate::net::network::Network;
use crate::regions::domain::Domain;

/// At most this many coordinate directions are tried (the first ones), so that the number
/// of evaluations stays small on wide inputs.
const AXES: usize = 8;

/// A counterexample to `property` of `net` on `dom` at simple points (0, ±unit vectors,
/// ±1, their pairs), shrunk, or `None` when none of them fails. Candidates outside the
/// domain are skipped.
pub fn quick_refutation(net: &Network, dom: &Domain, property: Property) -> Option<Counterexample> {
    let points = simple_points(dom);
    let inside = |p: &[Q]| dom.contains(p);
    let build = |kind, a: &Q, x: &[Q], y: &[Q]| Counterexample::build(kind, net, dom, a, x, y);
    let scales: &[Q] = &[Q::ZERO, Q::from_int(2), Q::new(1, 2), -Q::ONE];
    let scale_ok = |a: &Q| match property {
        Property::Homogeneity | Property::Linear => true,
        _ => !a.is_negative(),
    };
    let mut found: Vec<Counterexample> = vec![];
    let kinds: &[Kind] = match property {
        Property::Additivity => &[Kind::Additive],
        Property::PositiveHomogeneity | Property::Homogeneity => &[Kind::Scale],
        Property::Odd => &[Kind::Odd],
        Property::Affine => &[Kind::Midpoint],
        Property::Linear => &[Kind::Scale, Kind::Midpoint],
    };
    for &kind in kinds {
        for (i, x) in points.iter().enumerate() {
            match kind {
                Kind::Scale => {
                    for a in scales.iter().filter(|a| scale_ok(a)) {
                        let ax: Vec<Q> = x.iter().map(|v| a * v).collect();
                        if inside(&ax) {
                            found.extend(build(kind, a, x, &[]));
                        }
                    }
                }
                Kind::Odd => {
                    let minus: Vec<Q> = x.iter().map(|v| -v).collect();
                    if inside(&minus) {
                        found.extend(build(kind, &Q::ZERO, x, &[]));
                    }
                }
                Kind::Additive | Kind::Midpoint => {
                    for y in &points[i..] {
                        let s: Vec<Q> = x.iter().zip(y).map(|(u, v)| u + v).collect();
                        if kind == Kind::Midpoint || inside(&s) {
                            found.extend(build(kind, &Q::ZERO, x, y));
                        }
                    }
                }
            }
        }
        if !found.is_empty() {
            break;
        }
    }
    let best = found.into_iter().min_by_key(Counterexample::complexity)?;
    Some(best.shrink(net, dom))
}

/// 0, ±e_j for the first [`AXES`] axes, and ±(1, ..., 1), in the domain's coordinates,
/// those inside the domain only.
fn simple_points(dom: &Domain) -> Vec<Vec<Q>> {
    let k = dom.dim();
    let mut pts = vec![vec![Q::ZERO; k]];
    for j in 0..k.min(AXES) {
        for s in [Q::ONE, -Q::ONE] {
            let mut e = vec![Q::ZERO; k];
            e[j] = s;
            pts.push(e);
        }
    }
    if k > 1 {
        pts.push(vec![Q::ONE; k]);
        pts.push(vec![-Q::ONE; k]);
    }
    pts.retain(|p| dom.contains(p));
    pts
}

#[cfg(test)]
mod tests {
    use super::quick_refutation;
    use crate::analysis::properties::Property;
    use crate::exact::rational::Q;
    use crate::net::network::Network;
    use crate::regions::domain::Domain;

    fn net(json: &str) -> Network {
        Network::from_json_str(json).unwrap()
    }

    #[test]
    fn an_offset_is_refuted_at_zero_without_regions() {
        // f(x) = relu(x1 - x2) + 1.
        let n = net(r#"{"relucheck": 1, "input_shape": [2], "layers": [
            {"type": "dense", "weights": [[1, -1]], "bias": [0]}, {"type": "relu"},
            {"type": "dense", "weights": [[1]], "bias": [1]}]}"#);
        let ch = Domain::whole(2);
        for p in [
            Property::Additivity,
            Property::PositiveHomogeneity,
            Property::Homogeneity,
            Property::Odd,
            Property::Linear,
        ] {
            let c = quick_refutation(&n, &ch, p).expect("f(0) = 1 refutes it");
            // Independent of the constructor: re-evaluate at the stated inputs.
            assert!(c.recheck(&n, &Domain::whole(2)), "{p}: {c:?}");
        }
        // Affine needs a bend: relu(x1 - x2) bends between e1 and -e1.
        let c = quick_refutation(&n, &ch, Property::Affine).expect("a bend");
        let (l, r) = c.sides();
        assert_ne!(l, r);
    }

    #[test]
    fn nothing_is_claimed_for_a_linear_network() {
        let n = net(r#"{"relucheck": 1, "input_shape": [2], "layers": [
            {"type": "dense", "weights": [[2, -3]], "bias": [0]}]}"#);
        let ch = Domain::whole(2);
        for p in Property::ALL {
            assert!(quick_refutation(&n, &ch, p).is_none(), "{p}");
        }
    }

    #[test]
    fn candidates_stay_in_the_domain() {
        // abs(x) on the orthant x >= 0 is linear: -1 must not be tried there.
        let n = net(r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "abs"}]}"#);
        let ch = Domain::orthant(1);
        for p in [
            Property::Additivity,
            Property::PositiveHomogeneity,
            Property::Linear,
        ] {
            assert!(quick_refutation(&n, &ch, p).is_none(), "{p}");
        }
        let on_box = Domain::boxed(vec![Q::from_int(2)], vec![Q::from_int(3)]).unwrap();
        let ch = on_box;
        assert!(quick_refutation(&n, &ch, Property::Linear).is_none());
    }
}
