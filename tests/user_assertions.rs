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

#[test]
fn checks_return_the_counterexample_and_the_asserts_message() {
    use relucheck::Counterexample;
    use relucheck::analysis::testing::{check_linear_on, check_odd};
    let failure = check_linear_on(&load("forum-question.json"), &Domain::orthant(2)).unwrap_err();
    assert_eq!(
        failure.to_string(),
        "forum question is not linear on the non-negative orthant x >= 0 of R^2: a = 0, x = [0, 0]: a·f(x) = [0], f(a·x) = [3]"
    );
    assert!(matches!(
        failure.counterexample(),
        Some(Counterexample::Homogeneity { .. })
    ));
    let failure = check_odd(&load("xor.json")).unwrap_err();
    assert_eq!(
        failure.message(),
        "xor is not odd on all of R^2: x = [1, 0]: -f(x) = [-1], f(-x) = [0]"
    );
}

#[test]
fn whole_space_and_domain_forms_agree() {
    use relucheck::analysis::testing::{
        check_affine, check_affine_on, check_not_affine, check_positively_homogeneous_on,
    };
    let forum = load("forum-question.json");
    assert!(check_affine(&forum).is_err(), "the ReLUs cut the plane");
    assert!(check_not_affine(&forum).is_ok());
    assert!(check_affine_on(&forum, &Domain::orthant(2)).is_ok());
    assert!(check_affine_on(&forum, &Domain::whole(2)).is_err());
    assert!(check_positively_homogeneous_on(&load("leaky.json"), &Domain::orthant(2)).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// `check_*` inside `proptest!`: `?` makes a failure proptest's, with its message.
    #[test]
    fn bias_free_relu_nets_are_positively_homogeneous(net in bias_free_network(&[2, 3, 1])) {
        relucheck::analysis::testing::check_positively_homogeneous(&net)?;
    }
}

#[test]
fn readme_shows_the_user_crates_test_file() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let file =
        std::fs::read_to_string(format!("{root}/examples/user-crate/tests/my_net.rs")).unwrap();
    let block = format!("```rust,ignore\n{file}```\n");
    assert!(
        readme.contains(&block),
        "README's \"Use from your own tests\" must show examples/user-crate/tests/my_net.rs verbatim"
    );
}
