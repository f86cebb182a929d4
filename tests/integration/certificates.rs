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
    assert!(rejected(&dup, &net).contains("listed twice"));

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
