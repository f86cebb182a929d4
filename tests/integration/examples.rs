//! The shipped examples load, say what they teach, and compute what their descriptions
//! claim.

use crate::repo;
use relucheck::{Network, Q};

fn load(name: &str) -> Network {
    Network::load(repo(&format!("examples/{name}"))).unwrap()
}

fn q(s: &str) -> Q {
    s.parse().unwrap()
}

fn pt(s: &str) -> Vec<Q> {
    relucheck::parse_point(s).unwrap()
}

#[test]
fn every_example_loads_and_has_a_description() {
    let mut n = 0;
    for entry in std::fs::read_dir(repo("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let net = Network::load(&path).unwrap();
            assert!(
                net.description.as_ref().is_some_and(|d| d.len() > 40),
                "{}",
                path.display()
            );
            n += 1;
        }
    }
    assert!(n >= 6);
}

#[test]
fn forum_question_is_the_stated_affine_map_on_the_orthant() {
    let net = load("forum-question.json");
    for (a, b) in [(0, 0), (1, 2), (5, 3), (7, 0)] {
        let x = [Q::from_int(a), Q::from_int(b)];
        assert_eq!(net.eval(&x).unwrap(), vec![Q::from_int(11 * a + 6 * b + 3)]);
    }
    // ... and not that map off the orthant: the ReLUs cut.
    assert_ne!(
        net.eval(&pt("-5,-5")).unwrap(),
        vec![Q::from_int(-55 - 30 + 3)]
    );
}

#[test]
fn sign_flip_changes_sign_on_the_orthant() {
    let net = load("sign-flip.json");
    let pre = |x: &str| net.trace(&pt(x)).unwrap().layers[3].input[0].clone();
    assert!(pre("0,1").is_positive());
    assert!(pre("1,0").is_negative());
}

#[test]
fn tent_map_composed_three_times() {
    let net = load("tent-3.json");
    let tent = |x: Q| {
        if x <= Q::new(1, 2) {
            Q::from_int(2) * x
        } else {
            Q::from_int(2) - Q::from_int(2) * x
        }
    };
    for k in 0..=16 {
        let x = Q::new(k, 16);
        assert_eq!(
            net.eval(std::slice::from_ref(&x)).unwrap(),
            vec![tent(tent(tent(x)))]
        );
    }
    assert_eq!(net.eval(&[q("1/8")]).unwrap(), vec![Q::ONE]);
}

#[test]
fn xor_on_the_corners() {
    let net = load("xor.json");
    for (x, y) in [("0,0", 0), ("1,0", 1), ("0,1", 1), ("1,1", 0)] {
        assert_eq!(net.eval(&pt(x)).unwrap(), vec![Q::from_int(y)]);
    }
}

#[test]
fn conv_relu_is_not_additive() {
    let net = load("conv-relu.json");
    let x: Vec<Q> = (0..16)
        .map(|i| Q::from_int(if i % 2 == 0 { 1 } else { -1 }))
        .collect();
    let y: Vec<Q> = x.iter().map(|v| -v).collect();
    let zero = vec![Q::ZERO; 16];
    let sum = &net.eval(&x).unwrap()[0] + &net.eval(&y).unwrap()[0];
    assert_ne!(sum, net.eval(&zero).unwrap()[0]);
}

#[test]
fn leaky_relu_is_not_additive() {
    let net = load("leaky.json");
    let f = |s: &str| net.eval(&pt(s)).unwrap()[0].clone();
    assert_eq!(f("-1,0") + f("1,0"), q("9/10") * Q::from_int(2));
    assert_eq!(f("0,0"), Q::ZERO);
}
