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

/// Every other way to forge a certificate found in the audit of issue 16, each mutated from
/// a valid certificate: rejected, naming the fact.
#[test]
fn forged_structure_is_rejected() {
    let (net, c) = median_cert();
    let e = |t: &Value| rejected(t, &net);
    let mut cases: Vec<(Value, &str)> = vec![];
    let mut t = c.clone();
    // Extra parts, and a part for the wrong subject.
    let p0 = t["parts"][0].clone();
    t["parts"].as_array_mut().unwrap().push(p0);
    cases.push((t, "needs 1 part(s), the certificate has 2"));
    let mut t = c.clone();
    t["parts"][0]["subject"] = json!("f(x)+f(-x)");
    cases.push((t, "subject must be `f`"));
    // The wrong property/claim pairing, and a statement that is not the property's.
    let mut t = c.clone();
    t["property"] = json!("linear");
    t["statement"] = json!(Property::Linear.statement());
    cases.push((t, "claim must be `one-linear-map` for linear"));
    let mut t = c.clone();
    t["parts"][0]["claim"] = json!("one-map");
    cases.push((t, "claim must be `zero-offsets`"));
    let mut t = c.clone();
    t["statement"] = json!("f(x) = 0 for all x");
    cases.push((t, "the statement must be the property's"));
    // Domain dims that mismatch the network, and a domain the property is not about.
    let mut t = c.clone();
    t["parts"][0]["domain"] = json!({"kind": "whole", "dim": 3});
    cases.push((t, "dim 3 but the network takes 2 inputs"));
    // Non-canonical patterns: a digit beyond the unit's pieces, `|` off the layer
    // boundary, upper case; canonical `|` is accepted (below).
    let p = c["parts"][0]["regions"][0]["pattern"]
        .as_str()
        .unwrap()
        .to_string();
    for (bad, why) in [
        (
            format!("2{}", &p[1..]),
            "unit 0 has 2 pieces, the pattern names piece 2",
        ),
        (
            format!("{}|{}", &p[..4], &p[4..]),
            "`|` may only separate layers",
        ),
        (
            format!("{}|{}|", &p[..5], &p[5..]),
            "`|` may only separate layers",
        ),
        (p.replace('1', "A"), "has the character `A`"),
        (format!("{p}0"), "pattern has 12 units, the network has 11"),
    ] {
        let mut t = c.clone();
        t["parts"][0]["regions"][0]["pattern"] = json!(bad);
        cases.push((t, why));
    }
    // Huge numbers, in a point and in a multiplier.
    let mut t = c.clone();
    t["parts"][0]["exclusions"][0]["empty"][0] = json!("1e100000");
    cases.push((t, "too large"));
    // Unknown fields, two reasons, no reason, an exclusion given twice.
    let mut t = c.clone();
    t["parts"][0]["regions"][0]["note"] = json!("trust me");
    cases.push((t, "unknown field `note`"));
    let mut t = c.clone();
    t["parts"][0]["exclusions"][0]["coincides_with"] = json!(0);
    cases.push((t, "not both"));
    let mut t = c.clone();
    t["parts"][0]["exclusions"][0]
        .as_object_mut()
        .unwrap()
        .remove("empty");
    cases.push((t, "missing the reason"));
    let mut t = c.clone();
    let e0 = t["parts"][0]["exclusions"][0].clone();
    t["parts"][0]["exclusions"].as_array_mut().unwrap().push(e0);
    cases.push((t, "excluded twice"));
    // An exclusion on the path of a listed region, and one naming no branch.
    let mut t = c.clone();
    t["parts"][0]["exclusions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"path": &p[..3], "piece": p[3..4].parse::<u8>().unwrap(), "empty": ["1"]}));
    cases.push((t, "is excluded but has listed regions"));
    let mut t = c.clone();
    t["parts"][0]["exclusions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"path": "0", "piece": 7, "empty": ["1"]}));
    cases.push((t, "name branches that do not exist"));
    // A dropped exclusion leaves its branch unaccounted for.
    let mut t = c.clone();
    t["parts"][0]["exclusions"]
        .as_array_mut()
        .unwrap()
        .remove(5);
    cases.push((t, "has neither a listed region nor an exclusion"));
    for (t, why) in &cases {
        let got = e(t);
        assert!(got.contains(why), "expected `{why}` in: {got}");
    }
    // Canonical `|` between the two layers of units is the same pattern.
    let mut t = c.clone();
    t["parts"][0]["regions"][0]["pattern"] = json!(format!("{}|{}", &p[..5], &p[5..]));
    verify(&t, &net).unwrap();
}

/// `coincides_with` must point to a lower piece with the same conditions. On
/// relu(0·x) + relu(x), linear on the orthant, the zero unit's two pieces coincide.
#[test]
fn coincidences_are_checked() {
    let f = relu_chain(&[("[[0], [1]]", "[0, 0]"), ("[[1, 1]]", "[0]")]);
    let c = cert(&f, Property::Linear, Domain::orthant(1));
    verify(&c, &f).unwrap();
    let ex = c["parts"][0]["exclusions"].as_array().unwrap();
    let i = ex
        .iter()
        .position(|e| e["path"] == "" && e["piece"] == 1)
        .unwrap();
    assert_eq!(ex[i]["coincides_with"], 0, "{}", ex[i]);
    for (to, why) in [(1, "lower-numbered"), (2, "lower-numbered")] {
        let mut t = c.clone();
        t["parts"][0]["exclusions"][i]["coincides_with"] = json!(to);
        let e = rejected(&t, &f);
        assert!(e.contains(why), "{e}");
    }
    // Under the zero unit, x <= 0 (piece 0 of relu(x)) is not the set x >= 0 (piece 1).
    let j = ex
        .iter()
        .position(|e| e["path"] == "0" && e["piece"] == 0)
        .unwrap();
    let mut t = c.clone();
    t["parts"][0]["exclusions"][j] = json!({"path": "0", "piece": 0, "coincides_with": 0});
    assert!(rejected(&t, &f).contains("lower-numbered"));
    // On the median net no two pieces coincide: an `empty` replaced by a coincidence fails.
    let (net, c) = median_cert();
    let ex = c["parts"][0]["exclusions"].as_array().unwrap();
    let k = ex.iter().position(|e| e["piece"] == 1).unwrap();
    let mut t = c.clone();
    t["parts"][0]["exclusions"][k] =
        json!({"path": ex[k]["path"], "piece": 1, "coincides_with": 0});
    let e = rejected(&t, &net);
    assert!(e.contains("are not the same set"), "{e}");
}

/// One region listed under two patterns (a dead unit's two pieces are the same set): both
/// are real regions with the network's maps, so the listing is accepted, and it proves
/// nothing false: the property does hold.
#[test]
fn a_region_under_two_patterns_is_harmless() {
    let f = relu_chain(&[("[[0], [1]]", "[0, 0]"), ("[[1, 1]]", "[0]")]);
    let mut c = cert(&f, Property::Linear, Domain::orthant(1));
    let regions = c["parts"][0]["regions"].as_array_mut().unwrap();
    assert_eq!(regions.len(), 1);
    let mut twin = regions[0].clone();
    twin["pattern"] = json!("11");
    regions.push(twin);
    let ex = c["parts"][0]["exclusions"].as_array_mut().unwrap();
    ex.retain(|e| !(e["path"] == "" && e["piece"] == 1));
    ex.push(json!({"path": "1", "piece": 0, "empty": ["1", "0", "1"]}));
    let r = verify(&c, &f).unwrap();
    assert_eq!(r.regions, 2);
    let v = Checker::new(&f, Domain::orthant(1))
        .check(Property::Linear)
        .unwrap();
    assert_eq!(v.holds(), Some(true));
}

/// The parts of a two-part property in the wrong order, or both on one subject.
#[test]
fn parts_must_match_the_property() {
    let median = load("proofs/nets/median.json");
    let c = cert(&median, Property::Homogeneity, Domain::whole(2));
    verify(&c, &median).unwrap();
    let mut t = c.clone();
    t["parts"].as_array_mut().unwrap().swap(0, 1);
    assert!(rejected(&t, &median).contains("part 0: subject must be `f`"));
    let mut t = c.clone();
    t["parts"][1] = t["parts"][0].clone();
    assert!(rejected(&t, &median).contains("part 1: subject must be `f(x)+f(-x)`"));
    let mut t = c.clone();
    t["property"] = json!("positive-homogeneity");
    t["statement"] = json!(Property::PositiveHomogeneity.statement());
    assert!(rejected(&t, &median).contains("needs 1 part(s)"));
}

/// Duplicate keys: serde_json alone keeps the last; `parse_json` refuses them anywhere.
#[test]
fn duplicate_keys_are_refused() {
    use relucheck::analysis::certificate::parse_json;
    let (_, c) = median_cert();
    let text = serde_json::to_string(&c).unwrap();
    assert_eq!(parse_json(&text).unwrap(), c);
    for (from, to) in [
        ("\"property\":", "\"property\":\"linear\",\"property\":"),
        (
            "\"interior_point\":",
            "\"interior_point\":[\"9\",\"9\"],\"interior_point\":",
        ),
        ("\"empty\":", "\"empty\":[],\"empty\":"),
    ] {
        let t = text.replacen(from, to, 1);
        assert_ne!(t, text);
        let e = parse_json(&t).unwrap_err().to_string();
        assert!(e.contains("given twice"), "{e}");
    }
    // Numbers of any length still read exactly (arbitrary precision).
    let v = parse_json(r#"{"a": [1.00000000000000000000001, 2e5]}"#).unwrap();
    assert_eq!(v["a"][0].to_string(), "1.00000000000000000000001");
}
