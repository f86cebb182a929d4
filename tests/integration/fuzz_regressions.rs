//! Inputs found by the fuzz targets in `fuzz/` (`cargo fuzz run -s none TARGET`), kept
//! here so they stay fixed.

use relucheck::{Network, ParseError, Q};

/// `number` target, input `9970e9997`: the text was within the input limits (4 digits,
/// exponent 9997), but the value printed as a 10,001-digit integer, which `Q::parse`
/// rejected — so a network holding such a weight wrote JSON it could not read back. Values
/// that long as `p/q` now print in scientific notation (`997e9998`), read back exactly;
/// the documented limits (10,000 digits, exponents up to ±10,000) are those of the text.
#[test]
fn numbers_that_would_print_too_long_are_refused_and_accepted_ones_round_trip() {
    for text in [
        "9970e9997",
        "1e10000",
        "1e-10000",
        "-25e-10000",
        "997e9990",
        "1e9990",
        "-3e-9990",
        "12345/678",
        "125e-9999",
    ] {
        let q = Q::parse(text).unwrap();
        assert_eq!(Q::parse(&q.to_string()), Ok(q.clone()), "{text}");
    }
    assert_eq!(Q::parse("9970e9997").unwrap().to_string(), "997e9998");
    assert_eq!(Q::parse("-25e-10000").unwrap().to_string(), "-25e-10000");
    assert!(matches!(
        Q::parse("1e10001"),
        Err(ParseError::TooLarge { .. })
    ));
    let json = r#"{"relucheck": 1, "input_shape": [1], "layers": [
        {"type": "dense", "weights": [[1e9990]], "bias": [0]}]}"#;
    let net = Network::from_json_str(json).unwrap();
    assert_eq!(Network::from_json_str(&net.to_json()).unwrap(), net);
    let json = r#"{"relucheck": 1, "input_shape": [1], "layers": [
        {"type": "dense", "weights": [["1e10000"]], "bias": ["-1e-10000"]}]}"#;
    let net = Network::from_json_str(json).unwrap();
    assert_eq!(Network::from_json_str(&net.to_json()).unwrap(), net);
    let json = r#"{"relucheck": 1, "input_shape": [1], "layers": [
        {"type": "dense", "weights": [["1e10001"]], "bias": [0]}]}"#;
    let e = Network::from_json_str(json).unwrap_err().to_string();
    assert!(
        e.contains("layers[0].weights[0][0]") && e.contains("too large"),
        "{e}"
    );
}

/// Found by the `number` target (issue 16): `2` and 813 zeros `e9747` was read, but it is
/// `2e10560`, which prints so and does not read back (exponent beyond 10,000). The exponent
/// of the shortest form is bounded now; every number read prints as text that reads back.
#[test]
fn trailing_zeros_count_in_the_exponent_issue_16() {
    let text = format!("2{}e9747", "0".repeat(813));
    assert!(relucheck::Q::parse(&text).is_err(), "{text} is 2e10560");
    assert!(relucheck::Q::parse(&format!("2{}e9747", "0".repeat(253))).is_ok());
    for ok in ["1e10000", "1000e9997", "0.5e-9999", "100e-9999"] {
        let q = relucheck::Q::parse(ok).unwrap();
        assert_eq!(relucheck::Q::parse(&q.to_string()), Ok(q), "{ok}");
    }
    for bad in ["1000e9998", "0.5e-10000", "200e9999"] {
        assert!(relucheck::Q::parse(bad).is_err(), "{bad}");
    }
}
