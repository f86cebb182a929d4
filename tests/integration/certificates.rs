//! Certificates: built for every property that holds, re-checked by `verify` with exact
//! arithmetic only, and rejected — naming the failing fact — when tampered with.

use crate::repo;
use relucheck::analysis::certificate::{Certificate, verify};
use relucheck::{Checker, Domain, Network, Property};
use serde_json::{Value, json};

fn load(path: &str) -> Network {
    Network::load(repo(path)).unwrap()
}

fn cert(net: &Network, p: Property, dom: Domain) -> Value {
    let regions = Checker::new(net, dom.clone()).regions().unwrap();
    Certificate::build(net, p, &dom, &regions)
        .unwrap()
        .to_json()
}

fn rejected(c: &Value, net: &Network) -> String {
    verify(c, net).unwrap_err().to_string()
}

#[test]
fn certificates_verify_for_every_property_that_holds() {
    let median = load("proofs/nets/median.json");
    for p in [
        Property::PositiveHomogeneity,
        Property::Homogeneity,
        Property::Odd,
    ] {
        let c = cert(&median, p, Domain::whole(2));
        let r = verify(&c, &median).unwrap();
        assert_eq!(r.property, p);
        assert!(r.regions >= 6);
    }
    let forum = load("examples/forum-question.json");
    let c = cert(&forum, Property::Affine, Domain::orthant(2));
    assert_eq!(verify(&c, &forum).unwrap().regions, 1);
    let lin = Network::from_json_str(
        r#"{"relucheck": 1, "input_shape": [2], "layers": [
            {"type": "dense", "weights": [[1, 2], [3, 4]], "bias": [0, 0]},
            {"type": "hard_tanh", "min": -1000, "max": 1000},
            {"type": "dense", "weights": [[1, -1]], "bias": [0]}]}"#,
    )
    .unwrap();
    // Linear on a box inside the middle piece of hard-tanh (a real LP-certified tree).
    let b = Domain::boxed(vec![(-1).into(); 2], vec![1.into(); 2]).unwrap();
    let c = cert(&lin, Property::Linear, b);
    let r = verify(&c, &lin).unwrap();
    assert_eq!(r.regions, 1);
    assert!(
        r.exclusions >= 4,
        "hard-tanh's outer pieces are certified empty: {r:?}"
    );
}

#[test]
fn failing_claims_get_no_certificate() {
    let xor = load("examples/xor.json");
    let regions = Checker::new(&xor, Domain::whole(2)).regions().unwrap();
    let e = Certificate::build(&xor, Property::Affine, &Domain::whole(2), &regions).unwrap_err();
    assert!(e.to_string().contains("the claim does not hold"), "{e}");
}

fn median_cert() -> (Network, Value) {
    let median = load("proofs/nets/median.json");
    let c = cert(&median, Property::PositiveHomogeneity, Domain::whole(2));
    (median, c)
}

#[test]
fn dropping_a_region_is_caught() {
    let (net, mut c) = median_cert();
    c["parts"][0]["regions"].as_array_mut().unwrap().remove(2);
    let e = rejected(&c, &net);
    assert!(
        e.contains("neither a listed region nor an exclusion"),
        "{e}"
    );
}

#[test]
fn changing_a_map_is_caught() {
    let (net, mut c) = median_cert();
    c["parts"][0]["regions"][1]["map"]["c"][0] = json!("1/2");
    let e = rejected(&c, &net);
    assert!(e.contains("region 1: the stated map differs"), "{e}");
}

#[test]
fn moving_a_point_is_caught() {
    let (net, mut c) = median_cert();
    // Onto the boundary x1 = x2 of every region that touches it, or outside.
    c["parts"][0]["regions"][0]["interior_point"] = json!(["0", "0"]);
    let e = rejected(&c, &net);
    assert!(
        e.contains("region 0: the interior point [0, 0] is not strictly inside"),
        "{e}"
    );
}

#[test]
fn duplicated_regions_and_bad_exclusions_are_caught() {
    let (net, c) = median_cert();
    let mut dup = c.clone();
    let r0 = dup["parts"][0]["regions"][0].clone();
    dup["parts"][0]["regions"].as_array_mut().unwrap().push(r0);
    let e = rejected(&dup, &net);
    assert!(e.contains("the same pattern as region 0"), "{e}");

    let mut bad = c.clone();
    let ex = bad["parts"][0]["exclusions"].as_array_mut().unwrap();
    let i = ex.iter().position(|e| e.get("empty").is_some()).unwrap();
    let ys = ex[i]["empty"].as_array_mut().unwrap();
    let j = ys.iter().position(|y| y != "0").unwrap();
    ys[j] = json!("0");
    let e = rejected(&bad, &net);
    assert!(e.contains("exclusion at branch"), "{e}");

    let mut neg = c.clone();
    neg["parts"][0]["exclusions"][i]["empty"][0] = json!("-1");
    assert!(rejected(&neg, &net).contains("negative"));

    let mut extra = c.clone();
    extra["parts"][0]["exclusions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"path": "0000000000", "piece": 1, "coincides_with": 0}));
    let e = rejected(&extra, &net);
    assert!(
        e.contains("do not exist") || e.contains("excluded but has listed regions"),
        "{e}"
    );
}

#[test]
fn hostile_shapes_are_rejected_not_crashes() {
    let (net, c) = median_cert();
    for (path, value) in [
        ("relucheck_certificate", json!(2)),
        ("property", json!("additivity")),
        ("property", json!(7)),
        ("parts", json!({})),
    ] {
        let mut t = c.clone();
        t[path] = value;
        let _ = rejected(&t, &net);
    }
    let mut t = c.clone();
    t["parts"][0]["regions"][0]["pattern"] = json!("zz");
    assert!(rejected(&t, &net).contains("units"));
    let mut t = c.clone();
    t["parts"][0]["regions"][0]["interior_point"] = json!(["1e100000", "1"]);
    assert!(rejected(&t, &net).contains("too large"));
    let mut t = c.clone();
    t["parts"][0]["domain"] = json!({"kind": "box", "lo": ["0", "0"], "hi": ["1", "1"]});
    assert!(rejected(&t, &net).contains("not defined on"));
    assert!(rejected(&json!([]), &net).contains("not a JSON object"));
    let other = load("examples/xor.json");
    assert!(rejected(&c, &other).contains("different network"));
}

/// A chain of dense + ReLU layers on one input, last layer dense without ReLU.
fn relu_chain(layers: &[(&str, &str)]) -> Network {
    let mut ls = vec![];
    for (i, (w, b)) in layers.iter().enumerate() {
        ls.push(format!(
            r#"{{"type": "dense", "weights": {w}, "bias": {b}}}"#
        ));
        if i + 1 < layers.len() {
            ls.push(r#"{"type": "relu"}"#.into());
        }
    }
    Network::from_json_str(&format!(
        r#"{{"relucheck": 1, "input_shape": [1], "layers": [{}]}}"#,
        ls.join(", ")
    ))
    .unwrap()
}

fn refuted(net: &Network, p: Property, dom: Domain) {
    let v = Checker::new(net, dom).check(p).unwrap();
    assert_eq!(v.holds(), Some(false), "check must refute {p}: {v:?}");
}

/// The forged certificate of issue 16: f(x) = relu(relu(x) - 1) + relu(-x) is not
/// positively homogeneous (a = 2, x = 1: a·f(x) = 0, f(a·x) = 1). The certificate is the
/// valid one of |x| = relu(relu(x)) + relu(relu(-x)) (same units, bias 0) turned into one
/// for f: its region x > 0 becomes 0 < x < 1, and the region x > 1 is hidden behind an
/// exclusion whose only multiplier sits on the row `0·x <= 0` of the dead unit relu(relu(-x))
/// on x > 0.
#[test]
fn weight_on_a_zero_row_does_not_exclude_a_region() {
    let abs = relu_chain(&[
        ("[[1], [-1]]", "[0, 0]"),
        ("[[1, 0], [0, 1]]", "[0, 0]"),
        ("[[1, 0], [0, 1]]", "[0, 0]"),
        ("[[1, 1]]", "[0]"),
    ]);
    let f = relu_chain(&[
        ("[[1], [-1]]", "[0, 0]"),
        ("[[1, 0], [0, 1]]", "[0, 0]"),
        ("[[1, 0], [0, 1]]", "[-1, 0]"),
        ("[[1, 1]]", "[0]"),
    ]);
    refuted(&f, Property::PositiveHomogeneity, Domain::whole(1));
    let mut c = cert(&abs, Property::PositiveHomogeneity, Domain::whole(1));
    verify(&c, &abs).unwrap();
    c["network"]["fingerprint"] = json!(relucheck::analysis::certificate::fingerprint(&f));
    let regions = c["parts"][0]["regions"].as_array_mut().unwrap();
    let pos = regions
        .iter_mut()
        .find(|r| r["pattern"].as_str().unwrap().replace('|', "") == "101010")
        .expect("|x| has the region x > 0 with pattern 10|10|10");
    pos["pattern"] = json!("10|10|00");
    pos["interior_point"] = json!(["1/2"]);
    pos["map"] = json!({"A": [["0"]], "c": ["0"]});
    // |x| excludes 1010 + piece 0 (x > 0 and x <= 0); for f that is the region 0 < x < 1.
    let ex = c["parts"][0]["exclusions"].as_array_mut().unwrap();
    let before = ex.len();
    ex.retain(|e| !(e["path"] == "1010" && e["piece"] == 0));
    assert_eq!(ex.len(), before - 1);
    let forged = |y: [&str; 5]| {
        let mut c = c.clone();
        c["parts"][0]["exclusions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"path": "1010", "piece": 1, "empty": y}));
        c
    };
    // Along 1010 + piece 1 the rows are -x <= 0 (three times), 0·x <= 0, -x <= -1.
    for y in [["0", "0", "0", "1", "0"], ["0", "0", "0", "7/2", "0"]] {
        let e = rejected(&forged(y), &f);
        assert!(e.contains("prove nothing"), "{e}");
    }
    // Without the exclusion the missing branch is named.
    let e = rejected(&c, &f);
    assert!(e.contains("branch 1010 piece 1 has neither"), "{e}");
    // A genuine combination does not exist (x >= 1 has interior), and none is accepted.
    for y in [["1", "0", "0", "0", "1"], ["0", "0", "1", "1", "1"]] {
        assert!(verify(&forged(y), &f).is_err());
    }
}

/// The same attack on `linear` and `additivity`: f(x) = relu(0·x) + relu(x) is neither.
/// The valid certificate of linearity on the orthant x >= 0 excludes x <= 0 by the
/// multipliers (1, 0, 1) on (-x <= 0, 0·x <= 0, x <= 0); moved to the whole space, where
/// the orthant row is gone, the forger puts the weight on the zero unit's row 0·x <= 0.
#[test]
fn weight_on_a_zero_unit_does_not_prove_linear_or_additive() {
    let f = relu_chain(&[("[[0], [1]]", "[0, 0]"), ("[[1, 1]]", "[0]")]);
    for p in [Property::Linear, Property::Additivity] {
        refuted(&f, p, Domain::whole(1));
        let mut c = cert(&f, p, Domain::orthant(1));
        verify(&c, &f).unwrap();
        let part = &mut c["parts"][0];
        part["domain"] = json!({"kind": "whole", "dim": 1});
        let ex = part["exclusions"].as_array_mut().unwrap();
        let e = ex
            .iter_mut()
            .find(|e| e["path"] == "0" && e["piece"] == 0)
            .expect("the orthant certificate excludes x < 0 under the zero unit");
        assert_eq!(e["empty"].as_array().unwrap().len(), 3, "{e}");
        e["empty"] = json!(["1", "0"]);
        let e = rejected(&c, &f);
        assert!(e.contains("prove nothing"), "{p}: {e}");
    }
}
