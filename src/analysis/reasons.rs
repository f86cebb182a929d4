//! Why a counterexample refutes its property, in one sentence about that counterexample.
//!
//! A verdict's reason is printed right above its counterexample, so it must describe the
//! inputs shown there and not, say, the pair of regions the search started from (the
//! shrinker may have replaced those inputs by simpler ones). Every sentence here is a fact
//! about the counterexample's own inputs, computed exactly:
//!
//! - an input is `0` (then the property forces `f(0) = 0`, and `f(0)` is shown);
//! - the inputs share one activation pattern (then `f` is one affine map `A·x + c` at all of
//!   them, and the failure is exactly its offset `c`, recovered from the two sides);
//! - or they do not (then `f` bends between them), with the patterns as `eval --trace`
//!   prints them.
//!
//! Why "one pattern" gives one affine map: fixing the piece of every unit makes the network
//! a composition of affine maps; at a tie both pieces give the same value, so `f(p)` equals
//! that composition at every point `p` whose trace records the pattern.

use crate::analysis::counterexample::Counterexample;
use crate::analysis::property::Property;
use crate::exact::decimal::brief_value;
use crate::exact::points::format_point;
use crate::exact::rational::Q;
use crate::net::network::Network;
use crate::regions::domain::Domain;

/// One sentence: why `c` shows that `property` fails for `net` on `dom` (`c`'s inputs are
/// in `dom`'s coordinates).
pub fn explain(property: Property, c: &Counterexample, net: &Network, dom: &Domain) -> String {
    if property == Property::Linear && at_zero(c) {
        return format!(
            "{} is not 0, but a linear map has f(0) = 0",
            value_at_zero(net, dom)
        );
    }
    let why = match c {
        Counterexample::Additivity { x, y, .. } => additive(net, dom, x, y, c),
        Counterexample::Homogeneity { a, x, .. } => scale(property, net, dom, a, x, c),
        Counterexample::Odd { x, .. } => odd(net, dom, x),
        Counterexample::Affine { x, y, .. } => midpoint(property, net, dom, x, y),
    };
    match (property, c) {
        (Property::Linear, Counterexample::Additivity { .. }) => {
            format!("{why}; a linear map is additive")
        }
        (Property::Linear, Counterexample::Homogeneity { .. }) => {
            format!("{why}; a linear map satisfies f(a·x) = a·f(x)")
        }
        _ => why,
    }
}

/// Whether the counterexample's failure is `f(0) != 0` (an input or the scalar is 0).
fn at_zero(c: &Counterexample) -> bool {
    match c {
        Counterexample::Additivity { x, y, .. } => is_zero(x) || is_zero(y),
        Counterexample::Homogeneity { a, x, .. } => a.is_zero() || is_zero(x),
        Counterexample::Odd { x, .. } => is_zero(x),
        Counterexample::Affine { .. } => false,
    }
}

fn is_zero(v: &[Q]) -> bool {
    v.iter().all(Q::is_zero)
}

/// `f(0) = ...` as the network computes it in `dom`'s coordinates (`f(0) ≈ ...`, decimals alone when long: the
/// counterexample printed below the reason shows the exact value, as `f(a·x)` or `f(x+y)`).
fn value_at_zero(net: &Network, dom: &Domain) -> String {
    let zero = vec![Q::ZERO; dom.dim()];
    net.eval(&dom.to_input(&zero))
        .map(|v| brief_value("f(0)", &v))
        .unwrap_or_else(|e| format!("f(0) (not computable: {e})"))
}

/// The activation pattern at a point in `dom`'s coordinates, as `eval --trace` prints it.
fn pattern(net: &Network, dom: &Domain, p: &[Q]) -> String {
    net.trace(&dom.to_input(p))
        .map(|t| t.pattern().to_string())
        .unwrap_or_else(|_| "?".into())
}

fn scaled(a: &Q, v: &[Q]) -> Vec<Q> {
    v.iter().map(|x| a * x).collect()
}

fn sum(a: &[Q], b: &[Q]) -> Vec<Q> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

/// "patterns P at x, P' at y" for the named points, and whether they are all one pattern.
fn patterns(net: &Network, dom: &Domain, named: &[(&str, &[Q])]) -> (bool, String) {
    let ps: Vec<String> = named.iter().map(|(_, p)| pattern(net, dom, p)).collect();
    let one = ps.windows(2).all(|w| w[0] == w[1]);
    let list = named
        .iter()
        .zip(&ps)
        .map(|((n, _), p)| format!("{p} at {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    (one, format!("patterns {list}"))
}

fn additive(net: &Network, dom: &Domain, x: &[Q], y: &[Q], c: &Counterexample) -> String {
    if is_zero(x) || is_zero(y) {
        return format!(
            "{} is not 0, but an additive f has f(0) = f(0 + 0) = 2·f(0), so f(0) = 0",
            value_at_zero(net, dom)
        );
    }
    let s = sum(x, y);
    let (one, list) = patterns(net, dom, &[("x", x), ("y", y), ("x+y", &s)]);
    if one {
        let (l, r) = c.sides();
        let offset: Vec<Q> = l.iter().zip(r).map(|(a, b)| a - b).collect();
        format!(
            "x, y and x+y share one activation pattern, on which f is one affine map A·x + c \
             with offset c = (f(x)+f(y)) - f(x+y) = {} != 0",
            format_point(&offset)
        )
    } else {
        format!(
            "f bends between these points: x, y and x+y are not all in one activation region \
             ({list}); f is affine on each region, not across regions"
        )
    }
}

fn scale(
    property: Property,
    net: &Network,
    dom: &Domain,
    a: &Q,
    x: &[Q],
    c: &Counterexample,
) -> String {
    if a.is_zero() || is_zero(x) {
        return format!(
            "{} is not 0, but f(a·x) = a·f(x) with {} forces f(0) = 0",
            value_at_zero(net, dom),
            if a.is_zero() { "a = 0" } else { "x = 0" }
        );
    }
    if *a == -Q::ONE && property == Property::Homogeneity {
        return format!(
            "f is not odd at x = {}, and f(a·x) = a·f(x) for a = -1 is oddness",
            format_point(x)
        );
    }
    let ax = scaled(a, x);
    let (one, list) = patterns(net, dom, &[("x", x), ("a·x", &ax)]);
    if one && *a != Q::ONE {
        // a·(A x + c) - (A a x + c) = (a - 1)·c.
        let (l, r) = c.sides();
        let k = a - &Q::ONE;
        let offset: Vec<Q> = l.iter().zip(r).map(|(u, v)| (u - v) / &k).collect();
        format!(
            "x and a·x share one activation pattern, on which f is one affine map A·x + c \
             with offset c = (a·f(x) - f(a·x))/(a - 1) = {} != 0",
            format_point(&offset)
        )
    } else {
        format!(
            "f bends between x and a·x: they are in different activation regions ({list}); f is \
             affine on each region, not across regions"
        )
    }
}

fn odd(net: &Network, dom: &Domain, x: &[Q]) -> String {
    if is_zero(x) {
        return format!(
            "{} is not 0, but an odd f has f(0) = -f(0), so f(0) = 0",
            value_at_zero(net, dom)
        );
    }
    let minus = scaled(&-Q::ONE, x);
    let (_, list) = patterns(net, dom, &[("x", x), ("-x", &minus)]);
    format!("f(-x) and -f(x) differ at this x ({list})")
}

fn midpoint(property: Property, net: &Network, dom: &Domain, x: &[Q], y: &[Q]) -> String {
    let half = Q::new(1, 2);
    let m = scaled(&half, &sum(x, y));
    let (_, list) = patterns(net, dom, &[("x", x), ("y", y), ("(x+y)/2", &m)]);
    let kind = if property == Property::Linear {
        "a linear map, like every affine map,"
    } else {
        "an affine map"
    };
    format!(
        "{kind} sends the midpoint of x and y to the midpoint of f(x) and f(y), and f does not \
         ({list})"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::properties::Checker;
    use crate::analysis::properties::Outcome;

    fn net(json: &str) -> Network {
        Network::from_json_str(json).unwrap()
    }

    fn fails(net: &Network, p: Property) -> (String, Counterexample) {
        let v = Checker::new(net, Domain::whole(net.input_dim()))
            .check(p)
            .unwrap();
        match v.outcome {
            Outcome::Fails(c) => (v.reason, c),
            o => panic!("{p} should fail, got {o:?}"),
        }
    }

    /// f(x) = relu(x) + 1: f(0) = 1.
    const OFFSET: &str = r#"{"relucheck": 1, "input_shape": [1], "layers": [
        {"type": "relu"}, {"type": "dense", "weights": [[1]], "bias": [1]}]}"#;

    #[test]
    fn an_offset_counterexample_at_zero_says_f_of_zero() {
        let n = net(OFFSET);
        for p in [
            Property::Additivity,
            Property::PositiveHomogeneity,
            Property::Odd,
            Property::Linear,
        ] {
            let (reason, c) = fails(&n, p);
            let inputs_at_zero = at_zero(&c);
            // Independent: the reason quotes f(0), which we evaluate here.
            assert_eq!(n.eval(&[Q::ZERO]).unwrap(), vec![Q::ONE]);
            if inputs_at_zero {
                assert!(
                    reason.starts_with("f(0) = [1] is not 0, but "),
                    "{p}: {reason}"
                );
            } else {
                assert!(!reason.contains("f(0) ="), "{p}: {reason} for {c:?}");
            }
        }
    }

    #[test]
    fn a_bend_is_named_with_the_patterns_of_the_points_shown() {
        // relu: additivity fails at x = -1, y = 1 (patterns 0, 1, and 0 at x+y = 0).
        let n = net(r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "relu"}]}"#);
        let (reason, c) = fails(&n, Property::Additivity);
        let Counterexample::Additivity { x, y, .. } = &c else {
            panic!("{c:?}")
        };
        let dom = Domain::whole(1);
        for (name, p) in [("x", x.clone()), ("y", y.clone()), ("x+y", sum(x, y))] {
            let pat = n.trace(&dom.to_input(&p)).unwrap().pattern().to_string();
            assert!(reason.contains(&format!("{pat} at {name}")), "{reason}");
        }
        assert!(reason.contains("bends"), "{reason}");
    }

    #[test]
    fn a_shared_pattern_names_the_offset_recovered_from_the_sides() {
        // f(x) = x + 1 on x > 0, 1 on x < 0; x = y = 1 share pattern 1, offset 1.
        let n = net(OFFSET);
        let c = Counterexample::Additivity {
            x: vec![Q::ONE],
            y: vec![Q::ONE],
            sum_of_values: vec![Q::from_int(4)],
            value_of_sum: vec![Q::from_int(3)],
        };
        let r = explain(Property::Additivity, &c, &n, &Domain::whole(1));
        assert!(r.contains("offset c = (f(x)+f(y)) - f(x+y) = [1]"), "{r}");
    }

    #[test]
    fn a_midpoint_refutation_of_linearity_says_why_in_one_line() {
        let n = net(r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "abs"}]}"#);
        let (reason, c) = fails(&n, Property::Linear);
        if matches!(c, Counterexample::Affine { .. }) {
            assert!(
                reason.starts_with("a linear map, like every affine map,"),
                "{reason}"
            );
        }
        assert!(!reason.contains('\n'));
    }
}
