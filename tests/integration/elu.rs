//! ELU and SELU: certified enclosures, curved regions, certified counterexamples.

use relucheck::{Checker, Domain, Enumerator, Interval, Network, Outcome, Property, Q};
use std::time::Instant;

fn q(s: &str) -> Q {
    s.parse().unwrap()
}

fn net(layers: &str, n: usize) -> Network {
    Network::from_json_str(&format!(
        r#"{{"relucheck": 1, "input_shape": [{n}], "layers": {layers}}}"#
    ))
    .unwrap()
}

#[test]
fn elu_and_selu_round_trip_through_the_format() {
    let n = net(
        r#"[{"type": "dense", "weights": [[1, "-1/3"], [2, 0]], "bias": ["1/7", 0]},
            {"type": "elu", "alpha": "3/2"}, {"type": "selu"}, {"type": "elu"}]"#,
        2,
    );
    let back = Network::from_json_str(&n.to_json()).unwrap();
    assert_eq!(back, n);
    assert!(n.to_json().contains("\"selu\""));
    // Default alpha is 1; negative and zero alpha are accepted (as in PyTorch).
    for a in ["-1", "0", "1e-3"] {
        let m = net(&format!(r#"[{{"type": "elu", "alpha": "{a}"}}]"#), 1);
        assert_eq!(Network::from_json_str(&m.to_json()).unwrap(), m);
    }
}

#[test]
fn bad_parameters_are_clear_errors() {
    let bad = |layers: &str| {
        Network::from_json_str(&format!(
            r#"{{"relucheck": 1, "input_shape": [1], "layers": {layers}}}"#
        ))
        .unwrap_err()
        .to_string()
    };
    assert!(bad(r#"[{"type": "elu", "alpha": "abc"}]"#).contains("not a number"));
    assert!(bad(r#"[{"type": "selu", "alpha": 1}]"#).contains("alpha"));
    let n = net(r#"[{"type": "elu"}]"#, 1);
    let e = n.eval_enclosure(&[Q::ONE], 4).unwrap_err().to_string();
    assert!(e.contains("between 8 and 4096"), "{e}");
}

#[test]
fn exact_eval_refuses_and_points_to_the_enclosure() {
    let n = net(r#"[{"type": "elu"}]"#, 1);
    let e = n.eval(&[-Q::ONE]).unwrap_err().to_string();
    assert!(e.contains("eval_enclosure"), "{e}");
    assert!(n.trace(&[Q::ONE]).is_err());
}

#[test]
fn enclosures_contain_the_true_values_and_shrink() {
    // elu(-1) = e^-1 - 1; e^-1 = 0.36787944117144232159552377016146086744581113103176...
    let e_inv = q("0.36787944117144232159552377016146086744581113103176");
    let ulp = q("1e-50");
    let n = net(r#"[{"type": "elu", "alpha": 2}]"#, 1);
    let mut last = None;
    for bits in [16, 32, 64, 128] {
        let y = n.eval_enclosure(&[-Q::ONE], bits).unwrap().remove(0);
        let truth = (&e_inv - Q::ONE) * Q::from_int(2);
        assert!(
            y.lo() <= &(&truth + &ulp) && &(&truth - &ulp) <= y.hi(),
            "{y}"
        );
        assert!(y.width() <= Q::pow2(-(bits as i64) + 4), "{bits}");
        if let Some(w) = last {
            assert!(y.width() < w);
        }
        last = Some(y.width());
    }
    // Default precision: width at most 2^-60 relative.
    let y = n
        .eval_enclosure(&[-Q::ONE], relucheck::DEFAULT_PRECISION)
        .unwrap();
    assert!(y[0].width() <= Q::pow2(-60) * y[0].lo().abs());
    // The linear part stays exact.
    assert_eq!(
        n.eval_enclosure(&[q("3/7")], 64).unwrap(),
        vec![Interval::point(q("3/7"))]
    );
}

#[test]
fn enclosures_agree_with_exact_evaluation_on_piecewise_linear_networks() {
    let n = Network::load(super::repo("examples/forum-question.json")).unwrap();
    let x = [Q::ONE, Q::from_int(2)];
    let exact = n.eval(&x).unwrap();
    let enc = n.eval_enclosure(&x, 64).unwrap();
    assert_eq!(
        enc,
        exact.into_iter().map(Interval::point).collect::<Vec<_>>()
    );
}

#[test]
fn enclosures_through_several_layers_contain_a_high_precision_enclosure() {
    let n = net(
        r#"[{"type": "dense", "weights": [[1, -2], [-1, "1/2"]], "bias": ["1/3", -1]},
            {"type": "elu"}, {"type": "dense", "weights": [[1, -1]], "bias": [0]},
            {"type": "selu"}, {"type": "relu"}]"#,
        2,
    );
    for x in [[q("1/2"), q("1")], [q("-2"), q("3")], [q("0"), q("0")]] {
        let fine = n.eval_enclosure(&x, 400).unwrap();
        let coarse = n.eval_enclosure(&x, 64).unwrap();
        for (f, c) in fine.iter().zip(&coarse) {
            assert!(c.contains_interval(f) || !c.disjoint(f), "{c} vs {f}");
            assert!(!c.disjoint(f));
        }
    }
}

#[test]
fn elu_is_certified_not_positively_homogeneous() {
    let n = net(r#"[{"type": "elu"}]"#, 1);
    let dom = Domain::whole(1);
    let v = Checker::new(&n, dom.clone())
        .check(Property::PositiveHomogeneity)
        .unwrap();
    let Outcome::Certified(c) = &v.outcome else {
        panic!("{v:?}")
    };
    assert_eq!(c.a, Some(Q::from_int(2)));
    assert_eq!(c.x, vec![-Q::ONE]);
    assert!(c.left[0].disjoint(&c.right[0]));
    assert!(c.recheck(&n, &dom));
    // The true values: 2(e^-1 - 1) and e^-2 - 1.
    let e_inv = q("0.36787944117144232159552377016146086744581113103176");
    let e_inv2 = q("0.13533528323661269189399949497248440340763154590957");
    let ulp = q("1e-40");
    let near = |i: &Interval, t: Q| i.lo() <= &(&t + &ulp) && &(&t - &ulp) <= i.hi();
    assert!(near(&c.left[0], (&e_inv - Q::ONE) * Q::from_int(2)));
    assert!(near(&c.right[0], &e_inv2 - Q::ONE));
    // A tampered counterexample fails the re-check.
    let mut bad = c.clone();
    bad.x = vec![Q::ONE];
    assert!(!bad.recheck(&n, &dom));
}

#[test]
fn holds_is_never_claimed_for_curved_networks() {
    // On the orthant this ELU never reaches its curved part: it is linear there, but the
    // checker says it cannot certify that.
    let n = net(r#"[{"type": "elu"}]"#, 1);
    let v = Checker::new(&n, Domain::orthant(1))
        .check(Property::Additivity)
        .unwrap();
    assert_eq!(v.holds(), None);
    let Outcome::Unknown(why) = &v.outcome else {
        panic!()
    };
    assert!(
        why.contains("holds cannot be certified with enclosures"),
        "{why}"
    );
    let all = Checker::new(&n, Domain::orthant(1)).check_all().unwrap();
    assert!(all.iter().all(|v| v.holds() != Some(true)));
}

#[test]
fn regions_mark_curved_regions_and_give_maps_only_where_affine() {
    let n = net(
        r#"[{"type": "dense", "weights": [[1, 0], [0, 1]], "bias": [0, 0]},
            {"type": "elu"}, {"type": "dense", "weights": [[1, 1]], "bias": [0]}, {"type": "relu"}]"#,
        2,
    );
    let r = Enumerator::new(
        &n,
        Domain::boxed(vec![q("-1"); 2], vec![q("1"); 2]).unwrap(),
    )
    .run()
    .unwrap();
    assert!(r.is_complete());
    // Only the positive quadrant is affine; there the ReLU is split as usual.
    let affine: Vec<_> = r.regions.iter().filter(|x| !x.curved).collect();
    assert_eq!(
        affine.len(),
        1,
        "{:?}",
        r.regions
            .iter()
            .map(|x| x.pattern.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(affine[0].pattern.to_string(), "11|1");
    assert!(affine[0].exact_map().is_some());
    let curved: Vec<_> = r.regions.iter().filter(|x| x.curved).collect();
    assert_eq!(curved.len(), 3);
    for c in curved {
        assert!(c.exact_map().is_none());
        assert!(c.pattern.to_string().ends_with("|?"), "{}", c.pattern);
    }
    assert_eq!(r.piece_count, None);
    // SELU on its linear part: affine, but no rational map.
    let s = net(r#"[{"type": "selu"}]"#, 1);
    let r = Enumerator::new(&s, Domain::whole(1)).run().unwrap();
    assert_eq!(r.regions.len(), 2);
    assert!(r.regions.iter().all(|x| x.exact_map().is_none()));
    assert_eq!(r.regions.iter().filter(|x| x.curved).count(), 1);
}

#[test]
fn a_thousand_exp_enclosures_are_fast() {
    let start = Instant::now();
    let mut total = Q::ZERO;
    for i in 0..1000i64 {
        let e = Interval::exp_q(&Q::new(i - 500, 97), 64).unwrap();
        total += e.width();
    }
    let t = start.elapsed();
    eprintln!("1000 exp enclosures at 64 bits: {t:?}");
    assert!(t.as_secs() < 30);
    assert!(total.is_positive());
}
