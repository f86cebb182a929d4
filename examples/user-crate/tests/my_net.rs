//! My network's properties, checked exactly by relucheck.

use proptest::prelude::*;
use relucheck::analysis::testing::{
    assert_affine_on, bias_free_network, check_additive, check_positively_homogeneous, vector,
};
use relucheck::{Domain, Network, Q};

/// My network: relu(x1 + x2) - relu(x1 - x2), built in code.
fn my_net() -> Network {
    Network::builder(2)
        .dense([[1, 1], [1, -1]], [0, 0])
        .relu()
        .dense([[1, -1]], [0])
        .build()
        .expect("the layers chain")
        .with_name("my net")
}

#[test]
fn my_net_is_affine_where_both_relus_are_active() {
    // On 2 <= x1 <= 3, 0 <= x2 <= 1 both x1 + x2 and x1 - x2 are positive: f = 2·x2.
    let domain =
        Domain::boxed(vec![Q::from_int(2), Q::ZERO], vec![Q::from_int(3), Q::ONE]).expect("a box");
    assert_affine_on(&my_net(), &domain);
}

#[test]
fn my_net_is_not_additive_and_says_where() {
    let failure = check_additive(&my_net()).unwrap_err();
    assert!(failure.counterexample().is_some());
    assert!(
        failure
            .to_string()
            .starts_with("my net is not additive on all of R^2: "),
        "{failure}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Every bias-free ReLU network is positively homogeneous: relucheck decides it exactly
    /// for each generated network; `?` hands a failure, with its counterexample, to proptest.
    #[test]
    fn bias_free_nets_are_positively_homogeneous(net in bias_free_network(&[2, 3, 1])) {
        check_positively_homogeneous(&net)?;
    }

    /// My network is positively homogeneous too, checked at random points with prop_assert!.
    #[test]
    fn my_net_scales(x in vector(2), a in 0i64..5) {
        let net = my_net();
        let a = Q::from_int(a);
        let ax: Vec<Q> = x.iter().map(|v| &a * v).collect();
        let fx: Vec<Q> = net.eval(&x).unwrap().iter().map(|v| &a * v).collect();
        prop_assert_eq!(net.eval(&ax).unwrap(), fx);
        prop_assert!(check_positively_homogeneous(&net).is_ok());
    }
}
