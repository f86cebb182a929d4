//! Written as a user of relucheck would write tests for their own networks.

use proptest::prelude::*;
use relucheck::analysis::testing::{
    assert_additive, assert_affine_on, assert_linear_on, assert_not_affine_on, assert_odd,
    assert_positively_homogeneous, bias_free_network, rational, vector,
};
use relucheck::{Domain, Network};

fn load(name: &str) -> Network {
    Network::load(format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn my_network_is_affine_where_every_relu_is_active() {
    let net = load("forum-question.json");
    assert_affine_on(&net, &Domain::orthant(2));
}

#[test]
fn one_negative_weight_makes_a_relu_cut() {
    assert_not_affine_on(&load("sign-flip.json"), &Domain::orthant(2));
}

#[test]
fn leaky_relu_without_biases_scales() {
    assert_positively_homogeneous(&load("leaky.json"));
}

#[test]
#[should_panic(
    expected = "forum question is not linear on the non-negative orthant x >= 0 of R^2: a = 0, x = [0, 0]: a·f(x) = [0], f(a·x) = [3]"
)]
fn affine_is_not_linear_when_the_offset_is_not_zero() {
    assert_linear_on(&load("forum-question.json"), &Domain::orthant(2));
}

#[test]
#[should_panic(expected = "xor is not additive")]
fn xor_is_not_additive() {
    assert_additive(&load("xor.json"));
}

#[test]
#[should_panic(expected = "xor is not odd on all of R^2: x = [1, 0]: -f(x) = [-1], f(-x) = [0]")]
fn xor_is_not_odd() {
    assert_odd(&load("xor.json"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// My own property, with relucheck's strategies: a bias-free network maps 0 to 0 and
    /// doubles with its input.
    #[test]
    fn bias_free_nets_double(net in bias_free_network(&[3, 4, 2]), x in vector(3), a in rational()) {
        let a = a.abs();
        let ax: Vec<_> = x.iter().map(|v| &a * v).collect();
        let fx: Vec<_> = net.eval(&x).unwrap().iter().map(|v| &a * v).collect();
        prop_assert_eq!(net.eval(&ax).unwrap(), fx);
    }
}
