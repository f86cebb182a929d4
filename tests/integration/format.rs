//! The native file format: exact numbers, round trips and errors.

use proptest::prelude::*;
use relucheck::analysis::testing::{network, vector};
use relucheck::{Network, Q};

#[test]
fn json_decimals_are_exact_decimal_values() {
    let net = Network::from_json_str(
        r#"{"relucheck": 1, "input_shape": [1], "layers": [
            {"type": "dense", "weights": [[0.1]], "bias": [1e-3]}]}"#,
    )
    .unwrap();
    assert_eq!(net.eval(&[Q::ONE]).unwrap(), vec![Q::new(101, 1000)]);
}

#[test]
fn every_layer_type_round_trips() {
    let text = r#"{
      "relucheck": 1, "name": "all", "description": "every layer",
      "input_shape": [2, 4, 4],
      "layers": [
        {"type": "conv2d", "weights": [[[[1, "-1/2"]], [[2, 3]]]], "bias": ["1/3"], "stride": [1, 2], "padding": [1, 0]},
        {"type": "prelu", "alpha": ["1/4"]},
        {"type": "max_pool2d", "kernel_size": 2, "stride": 1},
        {"type": "avg_pool2d", "kernel_size": [1, 2], "padding": [0, 1]},
        {"type": "hard_tanh", "min": -2, "max": "5/2"},
        {"type": "flatten"},
        {"type": "leaky_relu", "alpha": 0.2},
        {"type": "abs"},
        {"type": "identity"},
        {"type": "dense", "weights": [[1, 2, 3, 4, 5]], "bias": ["12345678901234567890123/7"]},
        {"type": "relu"}
      ]
    }"#;
    let net = Network::from_json_str(text).unwrap();
    assert_eq!(net.output_dim(), 1);
    let again = Network::from_json_str(&net.to_json()).unwrap();
    assert_eq!(again, net);
    assert_eq!(again.to_json(), net.to_json());
}

#[test]
fn version_and_required_fields() {
    let e = Network::from_json_str(r#"{"input_shape": [1], "layers": [{"type": "relu"}]}"#)
        .unwrap_err();
    assert!(e.to_string().contains("add \"relucheck\": 1"), "{e}");
    let e = Network::from_json_str(
        r#"{"relucheck": 2, "input_shape": [1], "layers": [{"type": "relu"}]}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("unsupported format version 2"),
        "{e}"
    );
    let e = Network::from_json_str(
        r#"{"relucheck": 1, "input_shape": [1, 2], "layers": [{"type": "relu"}]}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("expected [n] or [C, H, W]"), "{e}");
    let e = Network::from_json_str(
        r#"{"relucheck": 1, "input_shape": [0], "layers": [{"type": "relu"}]}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("size 0"), "{e}");
    let e = Network::from_json_str(r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "dense", "weights": [[1], [1, 2]]}]}"#)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("layers[0].weights[1]: row has 2 values but row 0 has 1"),
        "{e}"
    );
    let e = Network::from_json_str(r#"{"relucheck": 1, "input_shape": [1], "layers": [{"type": "dense", "weights": [[true]]}]}"#)
        .unwrap_err();
    assert!(e.to_string().contains("expected a number"), "{e}");
    let e = Network::from_json_str(
        r#"{"relucheck": 1, "input_shape": [10000000000], "layers": [{"type": "relu"}]}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("at most"), "{e}");
}

proptest! {
    #[test]
    fn random_networks_round_trip_and_evaluate_identically(net in network(&[2, 3, 2]), x in vector(2)) {
        let again = Network::from_json_str(&net.to_json()).unwrap();
        prop_assert_eq!(again.eval(&x).unwrap(), net.eval(&x).unwrap());
        prop_assert_eq!(again, net);
    }
}
