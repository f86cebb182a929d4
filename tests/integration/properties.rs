//! Exact property decisions, counterexamples, and the search that may only miss.

use crate::repo;
use proptest::prelude::*;
use relucheck::analysis::testing::{bias_free_network, network, network_with};
use relucheck::{Activation, Checker, Counterexample, Domain, Network, Outcome, Property, Q};

fn load(path: &str) -> Network {
    Network::load(repo(path)).unwrap()
}

fn net(json_layers: &str, d: usize) -> Network {
    Network::from_json_str(&format!(
        r#"{{"relucheck": 1, "input_shape": [{d}], "layers": [{json_layers}]}}"#
    ))
    .unwrap()
}

fn verdict(n: &Network, dom: Domain, p: Property) -> Option<bool> {
    let v = Checker::new(n, dom.clone()).check(p).unwrap();
    if let Some(c) = v.counterexample() {
        assert!(c.recheck(n, &dom), "{}", c.describe());
    }
    v.holds()
}

#[test]
fn relu_alone() {
    let relu = net(r#"{"type": "relu"}"#, 1);
    let w = || Domain::whole(1);
    assert_eq!(verdict(&relu, w(), Property::Additivity), Some(false));
    assert_eq!(
        verdict(&relu, w(), Property::PositiveHomogeneity),
        Some(true)
    );
    assert_eq!(verdict(&relu, w(), Property::Odd), Some(false));
    assert_eq!(verdict(&relu, w(), Property::Homogeneity), Some(false));
    let v = Checker::new(&relu, w())
        .check(Property::Additivity)
        .unwrap();
    assert_eq!(
        v.counterexample().unwrap().describe(),
        "x = [-1], y = [1]: f(x)+f(y) = [1], f(x+y) = [0]"
    );
    let v = Checker::new(&relu, w())
        .check(Property::Homogeneity)
        .unwrap();
    assert!(matches!(
        v.counterexample().unwrap(),
        Counterexample::Homogeneity { a, .. } if *a == -Q::ONE
    ));
}

#[test]
fn relu_search_shrinks_to_small_numbers() {
    let relu = net(r#"{"type": "relu"}"#, 1);
    let v = Checker::new(&relu, Domain::whole(1))
        .search(Property::Additivity, 500, 1)
        .unwrap();
    let Some(Counterexample::Additivity { x, y, .. }) = v.counterexample() else {
        panic!("search missed relu's non-additivity: {v:?}")
    };
    // Shrunk: one input -1 and the other 1 (in some order), or equally simple.
    let size: u64 = x.iter().chain(y).map(|q| q.bits()).sum();
    assert!(size <= 6, "not shrunk: x = {x:?}, y = {y:?}");
}

#[test]
fn median_network_is_odd_and_positively_homogeneous_but_not_additive() {
    let g = load("proofs/nets/median.json");
    let w = || Domain::whole(2);
    assert_eq!(verdict(&g, w(), Property::Odd), Some(true));
    assert_eq!(verdict(&g, w(), Property::PositiveHomogeneity), Some(true));
    assert_eq!(verdict(&g, w(), Property::Homogeneity), Some(true));
    assert_eq!(verdict(&g, w(), Property::Additivity), Some(false));
    let e = |x: i64, y: i64| g.eval(&[Q::from_int(x), Q::from_int(y)]).unwrap()[0].clone();
    assert_eq!((e(1, 0), e(0, 1), e(1, 1)), (Q::ZERO, Q::ZERO, Q::ONE));
}

#[test]
fn networks_without_an_active_nonlinearity_are_additive() {
    let lin = net(
        r#"{"type": "dense", "weights": [[1, -2], [3, "1/2"]], "bias": [0, 0]},
           {"type": "identity"},
           {"type": "dense", "weights": [[1, 1]], "bias": [0]}"#,
        2,
    );
    for p in Property::ALL {
        assert_eq!(verdict(&lin, Domain::whole(2), p), Some(true), "{p}");
    }
    // Leaky ReLU with alpha = 1 is the identity.
    let leaky1 = net(r#"{"type": "leaky_relu", "alpha": 1}"#, 1);
    assert_eq!(
        verdict(&leaky1, Domain::whole(1), Property::Additivity),
        Some(true)
    );
}

#[test]
fn leaky_relu_with_alpha_not_1_is_not_additive() {
    for alpha in ["0", "1/100", "1/2", "2", "-1"] {
        let leaky = net(
            &format!(r#"{{"type": "leaky_relu", "alpha": "{alpha}"}}"#),
            1,
        );
        assert_eq!(
            verdict(&leaky, Domain::whole(1), Property::Additivity),
            Some(false),
            "{alpha}"
        );
        assert_eq!(
            verdict(&leaky, Domain::whole(1), Property::PositiveHomogeneity),
            Some(true)
        );
    }
    // alpha = -1 is abs: even, so odd only... not odd at all.
    let abs = net(r#"{"type": "abs"}"#, 1);
    assert_eq!(verdict(&abs, Domain::whole(1), Property::Odd), Some(false));
}

#[test]
fn the_examples_verdicts() {
    let forum = load("examples/forum-question.json");
    assert_eq!(
        verdict(&forum, Domain::orthant(2), Property::Affine),
        Some(true)
    );
    assert_eq!(
        verdict(&forum, Domain::orthant(2), Property::Linear),
        Some(false)
    );
    assert_eq!(
        verdict(&forum, Domain::whole(2), Property::Affine),
        Some(false)
    );
    let flip = load("examples/sign-flip.json");
    assert_eq!(
        verdict(&flip, Domain::orthant(2), Property::Affine),
        Some(false)
    );
    let xor = load("examples/xor.json");
    assert_eq!(
        verdict(&xor, Domain::whole(2), Property::Affine),
        Some(false)
    );
    let leaky = load("examples/leaky.json");
    assert_eq!(
        verdict(&leaky, Domain::whole(2), Property::PositiveHomogeneity),
        Some(true)
    );
    assert_eq!(
        verdict(&leaky, Domain::whole(2), Property::Additivity),
        Some(false)
    );
    // Affine on a box that stays inside one region of xor.
    let b = Domain::boxed(vec![Q::from_int(-3); 2], vec![Q::from_int(-1); 2]).unwrap();
    assert_eq!(verdict(&xor, b, Property::Linear), Some(true)); // f = 0 there
}

#[test]
fn properties_outside_their_domain_are_errors() {
    let xor = load("examples/xor.json");
    let b = Domain::boxed(vec![Q::ZERO; 2], vec![Q::ONE; 2]).unwrap();
    let e = Checker::new(&xor, b)
        .check(Property::Additivity)
        .unwrap_err();
    assert!(e.to_string().contains("use affine or linear there"), "{e}");
    let e = Checker::new(&xor, Domain::orthant(2))
        .check(Property::Odd)
        .unwrap_err();
    assert!(e.to_string().contains("whole input space"), "{e}");
}

#[test]
fn budgets_give_unknown_never_a_verdict() {
    let g = load("proofs/nets/median.json");
    let v = Checker::new(&g, Domain::whole(2))
        .with_max_regions(2)
        .check(Property::PositiveHomogeneity)
        .unwrap();
    assert!(matches!(v.outcome, Outcome::Unknown(_)), "{v:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn bias_free_networks_are_positively_homogeneous(n in bias_free_network(&[2, 3, 2, 1])) {
        prop_assert_eq!(verdict(&n, Domain::whole(2), Property::PositiveHomogeneity), Some(true));
    }

    /// The search may only miss: whenever it finds a counterexample, the exact decision
    /// says the property fails, and the counterexample re-checks.
    #[test]
    fn search_never_contradicts_the_exact_decision(
        n in network(&[2, 3, 1]),
        seed in 0u64..1000,
    ) {
        let c = Checker::new(&n, Domain::whole(2));
        for p in Property::ALL {
            let s = c.search(p, 64, seed).unwrap();
            if s.holds() == Some(false) {
                prop_assert_eq!(c.check(p).unwrap().holds(), Some(false), "{}", p);
                prop_assert!(s.counterexample().unwrap().recheck(&n, &Domain::whole(2)));
            }
        }
    }

    /// Exact decisions against their definitions at the counterexample, and holds checked
    /// by sampling.
    #[test]
    fn verdicts_agree_with_sampling(
        n in network_with(&[2, 2, 1], Activation::LeakyRelu { alpha: Q::new(1, 3) }, true),
        xs in proptest::collection::vec(relucheck::analysis::testing::vector(2), 6),
    ) {
        let dom = Domain::whole(2);
        let c = Checker::new(&n, dom.clone());
        let f = |x: &[Q]| n.eval(x).unwrap();
        for p in [Property::Additivity, Property::PositiveHomogeneity, Property::Odd] {
            let v = c.check(p).unwrap();
            if v.holds() == Some(true) {
                for x in &xs {
                    for y in &xs {
                        let lhs: Vec<Q> = f(x).iter().zip(f(y)).map(|(a, b)| a + b).collect();
                        let xy: Vec<Q> = x.iter().zip(y).map(|(a, b)| a + b).collect();
                        match p {
                            Property::Additivity => prop_assert_eq!(&lhs, &f(&xy)),
                            Property::PositiveHomogeneity => {
                                let two: Vec<Q> = x.iter().map(|a| a * Q::from_int(2)).collect();
                                prop_assert_eq!(f(&two), f(x).iter().map(|a| a * Q::from_int(2)).collect::<Vec<_>>());
                            }
                            _ => {
                                let neg: Vec<Q> = x.iter().map(|a| -a).collect();
                                prop_assert_eq!(f(&neg), f(x).iter().map(|a| -a).collect::<Vec<_>>());
                            }
                        }
                    }
                }
            }
        }
    }
}
