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
