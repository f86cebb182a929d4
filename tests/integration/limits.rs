//! Sizes a user can type are bounded: each gets a clear error (or runs), never a crash or
//! an unbounded allocation.

use relucheck::{Checker, Domain, Network, Q};

fn err(json: &str) -> String {
    Network::from_json_str(json).unwrap_err().to_string()
}

#[test]
fn enormous_numbers_are_refused() {
    assert!(
        Q::parse("1e100000")
            .unwrap_err()
            .to_string()
            .contains("too large")
    );
    let digits = "7".repeat(200_000);
    assert!(
        Q::parse(&digits)
            .unwrap_err()
            .to_string()
            .contains("too large")
    );
    let e = err(&format!(
        r#"{{"relucheck": 1, "input_shape": [1], "layers": [{{"type": "dense", "weights": [["{digits}"]]}}]}}"#
    ));
    assert!(
        e.contains("layers[0].weights[0][0]") && e.contains("too large"),
        "{e}"
    );
}

#[test]
fn huge_layers_are_refused_before_allocation() {
    // A conv layer whose output would have 10^10 values.
    let e = err(
        r#"{"relucheck": 1, "input_shape": [1, 100000, 100000], "layers": [{"type": "relu"}]}"#,
    );
    assert!(e.contains("more than 10000000"), "{e}");
    let e = err(
        r#"{"relucheck": 1, "input_shape": [1, 3000, 3000], "layers": [
        {"type": "conv2d", "weights": [[[[1]]], [[[1]]]], "padding": 2000}]}"#,
    );
    assert!(e.contains("more than 10000000 values"), "{e}");
    let e = err(
        r#"{"relucheck": 1, "input_shape": [10000000000000000000000], "layers": [{"type": "relu"}]}"#,
    );
    assert!(e.contains("input_shape"), "{e}");
}

#[test]
fn region_analysis_refuses_what_it_cannot_unroll() {
    // Evaluation of a large average pool does not unroll it.
    let net = Network::from_json_str(
        r#"{"relucheck": 1, "input_shape": [1, 300, 300], "layers": [
            {"type": "avg_pool2d", "kernel_size": 100}, {"type": "flatten"}]}"#,
    )
    .unwrap();
    assert_eq!(net.eval(&vec![Q::ONE; 90_000]).unwrap(), vec![Q::ONE; 9]);
    // Unrolling a 1x3000x3000 pool for region analysis (2.25e6 x 9e6 entries) is refused.
    let net = Network::from_json_str(
        r#"{"relucheck": 1, "input_shape": [1, 3000, 3000], "layers": [
            {"type": "avg_pool2d", "kernel_size": 2}, {"type": "flatten"}]}"#,
    )
    .unwrap();
    let e = net.check_unrollable().unwrap_err().to_string();
    assert!(e.contains("region analysis allows"), "{e}");
    // The whole 9,000,000-dimensional input space is refused before anything is built.
    let e = Domain::from_options(9_000_000, None, None, None, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--slice"), "{e}");
    // Checker refuses an unrollable network on any domain.
    let small = Network::from_json_str(
        r#"{"relucheck": 1, "input_shape": [1, 8, 8], "layers": [
            {"type": "avg_pool2d", "kernel_size": 2}, {"type": "flatten"}]}"#,
    )
    .unwrap();
    assert!(Checker::new(&small, Domain::whole(64)).regions().is_ok());
}

#[test]
fn zero_sizes_and_deep_nesting_are_errors() {
    assert!(
        err(r#"{"relucheck": 1, "input_shape": [0], "layers": [{"type": "relu"}]}"#)
            .contains("size 0")
    );
    assert!(err(r#"{"relucheck": 1, "input_shape": [2], "layers": []}"#).contains("no layers"));
    assert!(
        err(
            r#"{"relucheck": 1, "input_shape": [2], "layers": [{"type": "dense", "weights": []}]}"#
        )
        .contains("at least one row")
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = err(&format!(
        r#"{{"relucheck": 1, "input_shape": [1], "layers": {deep}}}"#
    ));
    assert!(
        e.contains("invalid JSON") && e.contains("recursion limit"),
        "{e}"
    );
}

#[test]
fn thousands_of_layers_evaluate() {
    let layers = vec![r#"{"type": "relu"}"#; 3000].join(",");
    let net = Network::from_json_str(&format!(
        r#"{{"relucheck": 1, "input_shape": [2], "layers": [{layers}]}}"#
    ))
    .unwrap();
    assert_eq!(net.eval(&[Q::ONE, -Q::ONE]).unwrap(), vec![Q::ONE, Q::ZERO]);
}

/// README's "Limits and guarantees": 10,000 digits and exponents up to ±10,000, exactly at
/// the boundary (issue 16: `1e9998`, a 9,999-digit integer and `1e10000` were refused).
#[test]
fn number_limits_hold_at_the_boundary_issue_16() {
    use relucheck::{MAX_DIGITS, MAX_EXPONENT};
    assert_eq!((MAX_DIGITS, MAX_EXPONENT), (10_000, 10_000));
    let too_large = |s: &str| {
        let e = Q::parse(s).unwrap_err().to_string();
        assert!(e.contains("too large"), "{e}");
    };
    let nines = "9".repeat(10_000);
    let q = Q::parse(&nines).unwrap();
    assert_eq!(q + Q::ONE, Q::parse(&format!("1e{}", 10_000)).unwrap());
    assert!(Q::parse(&"9".repeat(9_999)).is_ok());
    assert!(Q::parse(&format!("-{nines}")).is_ok());
    too_large(&"9".repeat(10_001));
    too_large(&format!("-{}", "9".repeat(10_001)));
    // Numerator and denominator together.
    assert!(Q::parse(&format!("{}/{}", "7".repeat(5_000), "3".repeat(5_000))).is_ok());
    too_large(&format!("{}/{}", "7".repeat(5_000), "3".repeat(5_001)));
    // A decimal with 10,000 digits in all.
    assert!(Q::parse(&format!("0.{}", "1".repeat(9_999))).is_ok());
    too_large(&format!("0.{}", "1".repeat(10_000)));
    for e in [
        "1e9998",
        "1e10000",
        "-1e10000",
        "1e-10000",
        "-1E-10000",
        "1e+10000",
    ] {
        assert!(Q::parse(e).is_ok(), "{e}");
    }
    assert_eq!(
        Q::parse("1e-10000").unwrap() * Q::parse("1e10000").unwrap(),
        Q::ONE
    );
    for e in ["1e10001", "-1e10001", "1e-10001", "-1e-10001", "1e+10001"] {
        too_large(e);
    }
    // The largest value typed: 10,000 nines times 10^10000.
    assert!(Q::parse(&format!("{nines}e10000")).is_ok());
}
